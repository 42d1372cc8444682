//! `riverwatch serve`: receivers -> dedup -> detectors -> the store, and the officers' API,
//! in one process. Alerts are stored the moment they open and updated when they end;
//! the store is a SQLite file in the state directory, created on first start, or the
//! PostgreSQL database `--database` names.
//! `riverwatch user add`: an account, e.g. the first admin.
//!
//! Ctrl-C stops the receivers, lets the engine and the store writer drain, then stops
//! the API.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ais::receiver::{Batch, spawn};
use anyhow::Context;
use data::{Catalog, SqlStore, Store};
use geofence::alert::{AlertUpdate, rfc3339};
use geofence::registry::{Registry, Watchlist};
use geofence::zone::Zone;
use tokio::sync::{mpsc, watch};

use api::now_ms;

use crate::node::{Control, EngineCounters, EngineLoop, EngineNode, ToStore};
use crate::{datadir, listen, snapshots};

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    pub listen: String,
    pub state_dir: PathBuf,
    /// `postgres://…`; `None`: SQLite in the state directory.
    pub database: Option<String>,
    pub tcp_listen: Vec<String>,
    pub connect: Vec<String>,
    pub udp: Vec<String>,
    /// Overrides `[store] evidence_window_s` (the demo's, widened to its speed).
    pub evidence_window_s: Option<u64>,
}

/// Where the store lives: the PostgreSQL URL given, else the SQLite file in the state dir.
pub fn store_location(state_dir: &Path, database: Option<&str>) -> String {
    match database {
        Some(url) => url.to_string(),
        None => state_dir
            .join("riverwatch.sqlite")
            .to_string_lossy()
            .into_owned(),
    }
}

/// The location as it may be logged: a URL's password is not.
fn shown(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &location[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &location[..scheme + 3], &location[at..])
                }
                None => location.to_string(),
            }
        }
        _ => location.to_string(),
    }
}

pub async fn open_store(location: &str) -> anyhow::Result<SqlStore> {
    SqlStore::open(location)
        .await
        .with_context(|| format!("opening the store {}", shown(location)))
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    run_with(opts, None)
}

/// Called once everything listens: the receivers' addresses (in order) and the API's.
pub type Ready = Box<dyn FnOnce(&[Option<SocketAddr>], Option<SocketAddr>) + Send>;

pub fn run_with(opts: Options, ready: Option<Ready>) -> anyhow::Result<()> {
    let settings = datadir::load_settings(&opts.data, opts.config.as_deref())?;
    let receivers = listen::receiver_list(&settings, &opts.tcp_listen, &opts.connect, &opts.udp)?;
    let rt = listen::runtime()?;
    let location = store_location(&opts.state_dir, opts.database.as_deref());
    let store = Arc::new(rt.block_on(open_store(&location))?);
    tracing::info!("store {}", shown(&location));
    rt.block_on(seed(&store, &opts.data))?;
    let (zones, registry, watchlist) = rt.block_on(reference_data(&store))?;
    let restored = snapshots::restore(
        &opts.state_dir,
        zones,
        settings.rules.clone(),
        registry,
        watchlist,
        Duration::from_secs(settings.store.snapshot_every_s.max(1)),
    )?;
    tracing::info!("{}", restored.summary);

    let (tx, rx) = mpsc::channel::<Batch>(listen::QUEUE_BATCHES);
    let (stop_tx, stop) = watch::channel(false);
    let schedule_stop = stop.clone();
    let running = rt.block_on(spawn(&receivers, tx, stop))?;
    for (cfg, addr) in receivers.iter().zip(&running.local_addrs) {
        match addr {
            Some(a) => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "listening on {a}"),
            None => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "started"),
        }
    }
    // The engine thread hands alert updates and vessel states to the store writer through
    // a bounded channel, and takes the API's edits through another.
    let (to_store, from_engine) = mpsc::channel::<ToStore>(4096);
    let (control_tx, control) = mpsc::channel::<Control>(16);
    let counters = Arc::new(EngineCounters::default());
    let node = EngineNode {
        store: store.clone(),
        control: control_tx,
        receivers: receivers
            .iter()
            .cloned()
            .zip(running.stats.iter().cloned())
            .collect(),
        counters: counters.clone(),
    };
    let window_s = opts
        .evidence_window_s
        .unwrap_or(settings.store.evidence_window_s);
    let state = api_state(
        store.clone(),
        &settings,
        &opts.state_dir,
        Arc::new(node),
        window_s,
    )?;
    // Cameras with a pull_every_s are pulled on their schedule.
    rt.spawn(api::cameras::pull_on_schedule(
        state.clone(),
        schedule_stop.clone(),
    ));
    rt.spawn(api::referrals::deliver_on_schedule(
        state.clone(),
        schedule_stop.clone(),
    ));
    rt.spawn(api::cameras::expire_on_schedule(
        state.clone(),
        settings.store.image_retention_days,
        schedule_stop,
    ));
    let retention_ms = i64::from(settings.store.track_retention_days) * 86_400_000;
    let writer = rt.spawn(store_writer(
        store.clone(),
        from_engine,
        retention_ms,
        state.clone(),
    ));
    // What the journal's replay found goes to the store first (ids already there are
    // no-ops).
    for u in restored.updates {
        if to_store.blocking_send(ToStore::Alert(u)).is_err() {
            anyhow::bail!("the store writer stopped");
        }
    }
    let engine_loop = EngineLoop {
        batches: rx,
        control,
        detector: restored.detector,
        to_store,
        counters: counters.clone(),
        track_step_ms: settings.store.track_step_s as i64 * 1000,
        persist: restored.persist,
    };
    let handle = rt.handle().clone();
    let engine = std::thread::spawn(move || engine_loop.run(handle));

    let listener = rt
        .block_on(tokio::net::TcpListener::bind(&opts.listen))
        .with_context(|| format!("listen {}", opts.listen))?;
    let api_addr: Option<SocketAddr> = listener.local_addr().ok();
    if let Some(a) = api_addr {
        tracing::info!("api listening on {a}");
    }
    let (api_stop_tx, mut api_stop) = watch::channel(false);
    let server = rt.spawn(async move {
        let stopped = async move {
            let _ = api_stop.changed().await;
        };
        if let Err(e) = api::serve(listener, state, stopped).await {
            tracing::error!("api: {e}");
        }
    });

    if let Some(ready) = ready {
        ready(&running.local_addrs, api_addr);
    }
    rt.block_on(async {
        if tokio::signal::ctrl_c().await.is_err() {
            tracing::warn!("cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("stopping: receivers, then the engine and the store writer, then the API");
        let _ = stop_tx.send(true);
    });
    rt.block_on(running.join(Duration::from_secs(5)));
    let seen = engine
        .join()
        .map_err(|_| anyhow::anyhow!("the engine thread panicked"))?;
    let stored = rt.block_on(writer).unwrap_or(0);
    let _ = api_stop_tx.send(true);
    let _ = rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), server).await });
    eprintln!("stopped: {seen} messages, {stored} alert updates stored");
    Ok(())
}

/// The API's state over `store`: the images and the referral signing key in `state_dir`,
/// the settings' tokens and windows, `node` for the engine.
pub(crate) fn api_state(
    store: Arc<SqlStore>,
    settings: &datadir::Settings,
    state_dir: &Path,
    node: Arc<dyn api::Node>,
    evidence_window_s: u64,
) -> anyhow::Result<api::AppState> {
    let images = video::evidence::ImageStore::open(&state_dir.join("images"))
        .with_context(|| format!("the image store in {}", state_dir.display()))?;
    Ok(api::AppState::new(store)
        .with_images(images)
        .with_node(node)
        .with_metrics_token(settings.store.metrics_token.clone())
        .with_tile_url(settings.console.tile_url.clone())
        .with_signer(
            api::package::signing_key(&state_dir.join("referral-signing.key"))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .with_retry_base_ms(settings.referrals.retry_base_ms as i64)
        .with_evidence_window_ms(evidence_window_s as i64 * 1000))
}

/// On first start, the store takes the data directory's zones, registry and watchlist;
/// from then on they are edited through the API and the directory is not read again.
pub(crate) async fn seed(store: &SqlStore, dir: &Path) -> anyhow::Result<()> {
    if let Some(when) = store.meta("seeded").await? {
        tracing::info!("zones, registry and watchlist from the store ({when})");
        return Ok(());
    }
    let zones_path = dir.join("zones.geojson");
    let text = std::fs::read_to_string(&zones_path)
        .with_context(|| format!("cannot read {}", zones_path.display()))?;
    let zones = api::zones::seed(store, &text, "seed").await?;
    let mut counts = vec![format!("{zones} zones")];
    for (c, file) in [
        (Catalog::Registry, "registry.csv"),
        (Catalog::Watchlist, "watchlist.csv"),
    ] {
        let path = dir.join(file);
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let n = api::lists::seed(store, c, &text, "seed").await?;
            counts.push(format!("{n} {} rows", c.name()));
        }
    }
    let cameras_path = dir.join("cameras.json");
    if cameras_path.exists() {
        let text = std::fs::read_to_string(&cameras_path)
            .with_context(|| format!("cannot read {}", cameras_path.display()))?;
        let n = api::cameras::seed(store, &text, "seed").await?;
        counts.push(format!("{n} cameras"));
    }
    let note = format!("seeded from {} at {}", dir.display(), rfc3339(now_ms()));
    store.set_meta("seeded", &note).await?;
    tracing::info!("{note}: {}", counts.join(", "));
    Ok(())
}

/// The zones, registry and watchlist in the store, as the engine takes them.
pub(crate) async fn reference_data(
    store: &SqlStore,
) -> anyhow::Result<(Vec<Zone>, Registry, Watchlist)> {
    let zones = api::zones::zones_from_store(store).await?;
    for e in &zones.errors {
        tracing::warn!("stored zones: {e}");
    }
    let (registry, watchlist) = api::lists::lists_from_store(store).await?;
    for e in registry.errors.iter().chain(&watchlist.errors) {
        tracing::warn!("stored lists: {e}");
    }
    tracing::info!(
        zones = zones.zones.len(),
        registered = registry.value.len(),
        watchlisted = watchlist.value.len(),
        "engine loaded"
    );
    Ok((zones.zones, registry.value, watchlist.value))
}

/// Writes what the engine hands over, in order; prunes old track points now and then.
/// Returns how many alert updates it stored.
async fn store_writer(
    store: Arc<SqlStore>,
    mut from_engine: mpsc::Receiver<ToStore>,
    retention_ms: i64,
    api: api::AppState,
) -> u64 {
    let mut stored = 0u64;
    let mut newest = i64::MIN;
    let mut pruned_at = i64::MIN;
    while let Some(item) = from_engine.recv().await {
        match item {
            ToStore::Alert(u) => {
                let r = match &u {
                    AlertUpdate::Opened(a) => store.save_alert(a).await,
                    AlertUpdate::Ended {
                        id, ended_at_ms, ..
                    } => store.end_alert(id, *ended_at_ms).await.map(|()| false),
                };
                let new = match r {
                    Ok(new) => {
                        stored += 1;
                        new
                    }
                    Err(e) => {
                        tracing::error!("storing an alert update: {e}");
                        false
                    }
                };
                // The cameras that see a new alert are asked for a snapshot now, beside the
                // writer (not again for one a restart's journal replay finds once more).
                if let (true, AlertUpdate::Opened(a)) = (new, u) {
                    let api = api.clone();
                    tokio::spawn(async move {
                        if let Err(e) = api::cameras::pull_for_alert(&api, &a).await {
                            tracing::warn!("snapshots for alert {}: {}", a.id, e.message());
                        }
                    });
                }
            }
            ToStore::Vessels(states, points) => {
                newest = points.iter().map(|p| p.at_ms).fold(newest, i64::max);
                if let Err(e) = store.save_vessels(&states, &points).await {
                    tracing::error!("storing vessel states: {e}");
                }
                // Retention runs on event time, once per simulated or real hour.
                if newest > pruned_at + 3_600_000 {
                    pruned_at = newest;
                    match store.prune_track(newest - retention_ms).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!("{n} track points past retention deleted"),
                        Err(e) => tracing::error!("pruning tracks: {e}"),
                    }
                }
            }
        }
    }
    stored
}

/// `riverwatch user add NAME --role ROLE --password-stdin`.
pub fn add_user(
    location: &str,
    name: &str,
    role: &str,
    agency: Option<&str>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    if agency.is_some() && role != "agency" {
        anyhow::bail!("--agency goes with --role agency");
    }
    if !api::ROLES.contains(&role) {
        anyhow::bail!("role {role:?}: one of {}", api::ROLES.join(", "));
    }
    if !password_stdin {
        anyhow::bail!("give the password on stdin with --password-stdin");
    }
    let mut password = String::new();
    std::io::stdin()
        .take(1024)
        .read_to_string(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        anyhow::bail!("the password must be at least 8 characters");
    }
    let hash = api::hash_password(password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = open_store(location).await?;
        let now = now_ms();
        store.create_user(name, role, &hash, now).await?;
        if let Some(a) = agency {
            store.set_user_agency(name, a).await?;
        }
        store.audit("cli", "user.add", name, role, now).await?;
        anyhow::Ok(())
    })?;
    eprintln!("user {name:?} ({role}) added to {}", shown(location));
    Ok(())
}

/// `riverwatch evidence verify`: every evidence image rehashed, the chain recomputed.
pub fn verify_evidence(state_dir: &Path, database: Option<&str>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let items = rt.block_on(async {
        let store = open_store(&store_location(state_dir, database)).await?;
        let items = store.evidence_chain().await?;
        store.close().await;
        anyhow::Ok(items)
    })?;
    let images = video::evidence::ImageStore::open(&state_dir.join("images"))?;
    let chained: Vec<video::evidence::Item> =
        items.iter().map(data::EvidenceItem::as_chained).collect();
    match video::evidence::verify(&chained, &images) {
        Ok(n) => {
            println!("evidence: {n} items, every image and link intact");
            Ok(())
        }
        Err(f) => anyhow::bail!("evidence: {f}"),
    }
}

/// `riverwatch referral verify PACKAGE.zip [--public-key HEX]`.
pub fn verify_referral(package: &Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(package).with_context(|| format!("cannot read {}", package.display()))?;
    let v = api::package::verify(&bytes, public_key)
        .map_err(|e| anyhow::anyhow!("{}: {e}", package.display()))?;
    println!(
        "{}: {} files match the manifest; signature valid with {} ({})",
        package.display(),
        v.files.len(),
        v.key,
        if v.trusted {
            "the key given"
        } else {
            "the key the package names: integrity only; pass --public-key to check its origin"
        }
    );
    Ok(())
}

/// Where the demo serves its simulated cameras (the address in data/demo/cameras.json).
const DEMO_CAMERAS: &str = "127.0.0.1:8554";

/// `riverwatch demo`: `serve` on the demo river with the simulator feeding it over TCP,
/// and a supervisor account to sign in with.
pub fn demo(
    data: PathBuf,
    listen: String,
    state_dir: Option<PathBuf>,
    speed: f64,
    seed: u64,
) -> anyhow::Result<()> {
    let state_dir = state_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("riverwatch-demo-{}", std::process::id()))
    });
    if !data.join("zones.geojson").is_file() {
        anyhow::bail!(
            "{}: no zones.geojson here; run the demo from the riverwatch checkout or pass --data",
            data.display()
        );
    }
    let password = format!("demo-{}", api::random_hex(6));
    let hash = api::hash_password(&password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = open_store(&store_location(&state_dir, None)).await?;
        // A given state dir may already hold the demo account: give it this run's password.
        match store.create_user("demo", "supervisor", &hash, 0).await {
            Ok(_) => {}
            Err(data::StoreError::Conflict(_)) => store.set_password("demo", &hash).await?,
            Err(e) => return Err(e.into()),
        }
        // An agency to refer cases to (it downloads its packages: no endpoint).
        if store.agency("env").await?.is_none() {
            store
                .put_agency(
                    &data::Agency {
                        id: "env".into(),
                        name: "湖州市生态环境局 Huzhou Ecology and Environment Bureau".into(),
                        contact: "enforcement duty desk".into(),
                        endpoint: None,
                        secret: api::random_hex(32),
                    },
                    now_ms(),
                )
                .await?;
        }
        anyhow::Ok(())
    })?;
    drop(rt);
    let truth = state_dir.join("demo-truth.jsonl");
    let sim_data = data.clone();
    // The demo's cameras.json points the polled cameras here.
    let cameras = match std::net::TcpListener::bind(DEMO_CAMERAS) {
        Ok(l) => {
            drop(l);
            Some(DEMO_CAMERAS.to_string())
        }
        Err(e) => {
            tracing::warn!(
                "simulated cameras: {DEMO_CAMERAS} is taken ({e}); alerts come without snapshots"
            );
            None
        }
    };
    let ready: Ready = Box::new(move |receivers, api| {
        let Some(tower) = receivers.first().copied().flatten() else {
            return;
        };
        if let Some(api) = api {
            eprintln!(
                "\nriverwatch demo: the API is at http://{api}/api/v1 — sign in with POST /api/v1/auth/login {{\"username\": \"demo\", \"password\": \"{password}\"}}\n\
                 the console: open http://{api}/ in a browser and sign in as demo with that password\n\
                 the simulator feeds the demo river at {speed}x real time; alerts arrive within a minute (GET /api/v1/alerts). Ctrl-C stops.\n"
            );
        }
        std::thread::spawn(move || {
            let r = crate::simulate::run(crate::simulate::Options {
                data: sim_data,
                to: Some(tower.to_string()),
                out: None,
                truth: Some(truth),
                seed,
                days: 3,
                speed,
                fast_forward_min: 0,
                cameras,
            });
            if let Err(e) = r {
                tracing::warn!("the simulator stopped: {e:#}");
            }
        });
    });
    run_with(
        Options {
            data,
            config: None,
            listen,
            state_dir,
            database: None,
            tcp_listen: vec!["127.0.0.1:0".into()],
            connect: Vec::new(),
            udp: Vec::new(),
            // A camera answers within about a second of real time: at 300x that is five
            // minutes of event time between the alert and its snapshot.
            evidence_window_s: Some((speed * 2.0).clamp(60.0, 3600.0) as u64),
        },
        Some(ready),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_stay_out_of_the_log() {
        assert_eq!(
            shown("postgres://rw:s3cret@db.example:5432/riverwatch"),
            "postgres://rw:***@db.example:5432/riverwatch"
        );
        assert_eq!(
            shown("postgres://rw@db/riverwatch"),
            "postgres://rw@db/riverwatch"
        );
        assert_eq!(shown("state/riverwatch.sqlite"), "state/riverwatch.sqlite");
    }
}
