//! Every rule threshold, with DESIGN.md's defaults: `[rules.<kind>]` in `riverwatch.toml`.

use serde::{Deserialize, Serialize};

use crate::alert::Severity;

/// `[rules]`: one table per alert kind, plus what "stopped" and "laden" mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub stop: StopConfig,
    pub laden: LadenConfig,
    pub unlicensed_dock_activity: DockRule,
    pub suspected_unlicensed_dock: SuspectedDockRule,
    pub illegal_berthing: BerthingRule,
    pub muck_unpermitted_transport: MuckTransportRule,
    pub muck_illegal_discharge: DischargeRule,
    pub muck_unaccounted_load: UnaccountedLoadRule,
    pub overload_draught: DraughtRule,
    pub overload_persons: PersonsRule,
    pub watchlist_entry: WatchlistRule,
    pub ais_gap: GapRule,
    pub position_jump: JumpRule,
    pub identity_mismatch: IdentityRule,
    pub speeding: SpeedingRule,
}

/// *Stopped*: SOG <= `sog_kn`, or less than `box_m` moved (for senders without SOG).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopConfig {
    pub sog_kn: f64,
    pub box_m: f64,
}

impl Default for StopConfig {
    fn default() -> Self {
        StopConfig {
            sog_kn: 0.5,
            box_m: 50.0,
        }
    }
}

/// *Laden*: stopped >= `loading_stop_minutes` in a `muck_loading` zone, or draught rose
/// by >= `draught_rise_m` there; cleared by a stop >= `dump_stop_minutes` in an
/// `approved_dump`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LadenConfig {
    pub loading_stop_minutes: u32,
    pub draught_rise_m: f64,
    pub dump_stop_minutes: u32,
}

impl Default for LadenConfig {
    fn default() -> Self {
        LadenConfig {
            loading_stop_minutes: 15,
            draught_rise_m: 0.3,
            dump_stop_minutes: 15,
        }
    }
}

/// A rule with no threshold of its own: on or off, and how severe.
macro_rules! toggle {
    ($name:ident, $severity:expr) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            pub enabled: bool,
            pub severity: Severity,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    enabled: true,
                    severity: $severity,
                }
            }
        }
    };
}

toggle!(WatchlistRule, Severity::High);
toggle!(IdentityRule, Severity::Medium);
toggle!(PersonsRule, Severity::Critical);

/// Stopped >= `min_stop_minutes` in a `dock` with no valid licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DockRule {
    pub enabled: bool,
    pub severity: Severity,
    pub min_stop_minutes: u32,
}

impl Default for DockRule {
    fn default() -> Self {
        DockRule {
            enabled: true,
            severity: Severity::High,
            min_stop_minutes: 10,
        }
    }
}

/// Stopped >= `min_stop_minutes` in a `no_berthing` zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BerthingRule {
    pub enabled: bool,
    pub severity: Severity,
    pub min_stop_minutes: u32,
}

impl Default for BerthingRule {
    fn default() -> Self {
        BerthingRule {
            enabled: true,
            severity: Severity::Medium,
            min_stop_minutes: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuspectedDockRule {
    pub enabled: bool,
    pub severity: Severity,
    pub min_stop_minutes: u32,
    pub min_vessels: u32,
    pub window_days: u32,
    pub radius_m: f64,
    /// A spot once flagged is not flagged again for this long.
    pub quiet_days: u32,
}

impl Default for SuspectedDockRule {
    fn default() -> Self {
        SuspectedDockRule {
            enabled: true,
            severity: Severity::Medium,
            min_stop_minutes: 10,
            min_vessels: 3,
            window_days: 7,
            radius_m: 100.0,
            quiet_days: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MuckTransportRule {
    pub enabled: bool,
    pub severity: Severity,
    /// The permit kind in `registry.csv` that allows carrying spoil.
    pub permit: String,
}

impl Default for MuckTransportRule {
    fn default() -> Self {
        MuckTransportRule {
            enabled: true,
            severity: Severity::High,
            permit: "muck_transport".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DischargeRule {
    pub enabled: bool,
    pub severity: Severity,
    /// Inside a `protected` zone.
    pub protected_severity: Severity,
    pub min_stop_minutes: u32,
}

impl Default for DischargeRule {
    fn default() -> Self {
        DischargeRule {
            enabled: true,
            severity: Severity::High,
            protected_severity: Severity::Critical,
            min_stop_minutes: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnaccountedLoadRule {
    pub enabled: bool,
    pub severity: Severity,
    pub max_laden_hours: u32,
}

impl Default for UnaccountedLoadRule {
    fn default() -> Self {
        UnaccountedLoadRule {
            enabled: true,
            severity: Severity::High,
            max_laden_hours: 48,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DraughtRule {
    pub enabled: bool,
    pub severity: Severity,
    /// Reported draught above the registry's maximum by more than this.
    pub tolerance_m: f64,
}

impl Default for DraughtRule {
    fn default() -> Self {
        DraughtRule {
            enabled: true,
            severity: Severity::High,
            tolerance_m: 0.05,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GapRule {
    pub enabled: bool,
    pub severity: Severity,
    pub min_gap_minutes: u32,
    pub laden_min_gap_minutes: u32,
}

impl Default for GapRule {
    fn default() -> Self {
        GapRule {
            enabled: true,
            severity: Severity::Medium,
            min_gap_minutes: 30,
            laden_min_gap_minutes: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JumpRule {
    pub enabled: bool,
    pub severity: Severity,
    pub max_speed_kn: f64,
    /// Jumps shorter than this are GPS noise, whatever speed they imply (40 m of noise
    /// between two reports a second apart implies 78 kn).
    pub min_distance_m: f64,
    /// An episode ends once the MMSI has reported consistently for this long.
    pub consistent_minutes: u32,
}

impl Default for JumpRule {
    fn default() -> Self {
        JumpRule {
            enabled: true,
            severity: Severity::Medium,
            max_speed_kn: 60.0,
            min_distance_m: 200.0,
            consistent_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeedingRule {
    pub enabled: bool,
    pub severity: Severity,
    pub tolerance_kn: f64,
    pub min_duration_s: u32,
}

impl Default for SpeedingRule {
    fn default() -> Self {
        SpeedingRule {
            enabled: true,
            severity: Severity::Low,
            tolerance_kn: 1.0,
            min_duration_s: 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_table_keeps_the_other_defaults() {
        let c: RulesConfig = toml::from_str(
            "[illegal_berthing]\nenabled = false\n[ais_gap]\nmin_gap_minutes = 45\n",
        )
        .expect("valid");
        assert!(!c.illegal_berthing.enabled);
        assert_eq!(c.illegal_berthing.min_stop_minutes, 5);
        assert_eq!(c.ais_gap.min_gap_minutes, 45);
        assert_eq!(c.ais_gap.laden_min_gap_minutes, 20);
        assert_eq!(c.unlicensed_dock_activity.min_stop_minutes, 10);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = toml::from_str::<RulesConfig>("[speeding]\ntolerance = 2\n");
        assert!(e.is_err_and(|e| e.to_string().contains("tolerance")));
    }

    #[test]
    fn defaults_print_and_read_back() {
        let c = RulesConfig::default();
        let text = toml::to_string(&c).expect("serializable");
        assert_eq!(toml::from_str::<RulesConfig>(&text).ok(), Some(c));
    }
}
