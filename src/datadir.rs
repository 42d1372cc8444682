//! A data directory (`--data DIR`, DESIGN.md "Inputs"): `zones.geojson`, `registry.csv`,
//! `watchlist.csv`, and the settings in `riverwatch.toml`. Bad features and rows are
//! reported one by one on stderr; the good ones load.

use std::path::Path;

use anyhow::Context;
use geofence::registry::{Registry, Watchlist, load_registry, load_watchlist};
use geofence::rules::RulesConfig;
use geofence::zone::{Zone, load_geojson};
use serde::{Deserialize, Serialize};

/// `riverwatch.toml`. Sections other commands read are allowed and left to them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Settings {
    #[serde(default)]
    pub rules: RulesConfig,
    /// `[[receivers]]`: where sentences come from (`listen`, and `serve` later).
    #[serde(default)]
    pub receivers: Vec<ais::receiver::ReceiverConfig>,
    /// `[store]`: what `serve` keeps and for how long.
    #[serde(default)]
    pub store: StoreSettings,
    /// `[console]`: the web console.
    #[serde(default)]
    pub console: ConsoleSettings,
    /// `[referrals]`: delivering packages to agencies.
    #[serde(default)]
    pub referrals: ReferralSettings,
}

/// `[referrals]` in `riverwatch.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralSettings {
    /// The first wait before a failed webhook delivery is tried again; it doubles with
    /// each failure, up to an hour, for 72 hours.
    pub retry_base_ms: u64,
}

impl Default for ReferralSettings {
    fn default() -> Self {
        ReferralSettings {
            retry_base_ms: 10_000,
        }
    }
}

/// `[console]` in `riverwatch.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// A map tile server (`https://host/path/{z}/{x}/{y}.png`) drawn under the zones, for
    /// networks that have one; none: the console draws the zones alone.
    pub tile_url: Option<String>,
}

/// `[store]` in `riverwatch.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// A vessel's state and a track point are stored at most this often (event time).
    pub track_step_s: u64,
    /// Track points older than this (behind the newest event time) are deleted.
    pub track_retention_days: u32,
    /// The engine's state is saved this often, and on shutdown.
    pub snapshot_every_s: u64,
    /// When set, `/metrics` wants `Authorization: Bearer` this.
    pub metrics_token: Option<String>,
    /// A snapshot captured this close to an alert's moment is its evidence.
    pub evidence_window_s: u64,
    /// Evidence images linked to no alert are deleted this many days after they arrived
    /// (0: kept for ever).
    pub image_retention_days: u32,
}

impl Default for StoreSettings {
    fn default() -> StoreSettings {
        StoreSettings {
            track_step_s: 30,
            track_retention_days: 30,
            snapshot_every_s: 60,
            metrics_token: None,
            evidence_window_s: 60,
            image_retention_days: 30,
        }
    }
}

/// The settings from `config`, else from `DIR/riverwatch.toml` when there is one, else
/// the defaults.
pub fn load_settings(dir: &Path, config: Option<&Path>) -> anyhow::Result<Settings> {
    let default = dir.join("riverwatch.toml");
    let path = match config {
        Some(p) => p.to_path_buf(),
        None if default.exists() => default,
        None => return Ok(Settings::default()),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let settings: Settings =
        toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    for r in &settings.receivers {
        r.check()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    if let Some(u) = &settings.console.tile_url {
        api::console::check_tile_url(u)
            .map_err(|e| anyhow::anyhow!("{}: [console] {e}", path.display()))?;
    }
    Ok(settings)
}

/// The effective rule settings as `riverwatch.toml` would hold them.
pub fn print_rules(rules: &RulesConfig) -> anyhow::Result<String> {
    #[derive(Serialize)]
    struct Only<'a> {
        rules: &'a RulesConfig,
    }
    Ok(toml::to_string(&Only { rules })?)
}

#[derive(Debug)]
pub struct DataSet {
    pub zones: Vec<Zone>,
    pub registry: Registry,
    pub watchlist: Watchlist,
}

pub fn load_data_dir(dir: &Path) -> anyhow::Result<DataSet> {
    let zones_path = dir.join("zones.geojson");
    let text = std::fs::read_to_string(&zones_path)
        .with_context(|| format!("cannot read {}", zones_path.display()))?;
    let loaded = load_geojson(&text);
    for e in &loaded.errors {
        tracing::warn!("{}: {e}", zones_path.display());
    }
    let registry = match read_optional(&dir.join("registry.csv"))? {
        Some((path, text)) => {
            let r = load_registry(&text);
            for e in &r.errors {
                tracing::warn!("{}: {e}", path.display());
            }
            r.value
        }
        None => Registry::default(),
    };
    let watchlist = match read_optional(&dir.join("watchlist.csv"))? {
        Some((path, text)) => {
            let w = load_watchlist(&text);
            for e in &w.errors {
                tracing::warn!("{}: {e}", path.display());
            }
            w.value
        }
        None => Watchlist::default(),
    };
    tracing::info!(
        zones = loaded.zones.len(),
        bad_zones = loaded.errors.len(),
        registered = registry.len(),
        watchlisted = watchlist.len(),
        "loaded {}",
        dir.display()
    );
    Ok(DataSet {
        zones: loaded.zones,
        registry,
        watchlist,
    })
}

fn read_optional(path: &Path) -> anyhow::Result<Option<(std::path::PathBuf, String)>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.to_path_buf(), text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!("{} not found: none loaded", path.display());
            Ok(None)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
