//! [`Alert`]: what the detectors tell officers, in DESIGN.md's shape.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every alert kind in DESIGN.md "Alerts".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    UnlicensedDockActivity,
    SuspectedUnlicensedDock,
    IllegalBerthing,
    MuckUnpermittedTransport,
    MuckIllegalDischarge,
    MuckUnaccountedLoad,
    OverloadDraught,
    OverloadPersons,
    WatchlistEntry,
    AisGap,
    PositionJump,
    IdentityMismatch,
    Speeding,
}

impl AlertKind {
    pub const ALL: [AlertKind; 13] = [
        AlertKind::UnlicensedDockActivity,
        AlertKind::SuspectedUnlicensedDock,
        AlertKind::IllegalBerthing,
        AlertKind::MuckUnpermittedTransport,
        AlertKind::MuckIllegalDischarge,
        AlertKind::MuckUnaccountedLoad,
        AlertKind::OverloadDraught,
        AlertKind::OverloadPersons,
        AlertKind::WatchlistEntry,
        AlertKind::AisGap,
        AlertKind::PositionJump,
        AlertKind::IdentityMismatch,
        AlertKind::Speeding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::UnlicensedDockActivity => "unlicensed_dock_activity",
            AlertKind::SuspectedUnlicensedDock => "suspected_unlicensed_dock",
            AlertKind::IllegalBerthing => "illegal_berthing",
            AlertKind::MuckUnpermittedTransport => "muck_unpermitted_transport",
            AlertKind::MuckIllegalDischarge => "muck_illegal_discharge",
            AlertKind::MuckUnaccountedLoad => "muck_unaccounted_load",
            AlertKind::OverloadDraught => "overload_draught",
            AlertKind::OverloadPersons => "overload_persons",
            AlertKind::WatchlistEntry => "watchlist_entry",
            AlertKind::AisGap => "ais_gap",
            AlertKind::PositionJump => "position_jump",
            AlertKind::IdentityMismatch => "identity_mismatch",
            AlertKind::Speeding => "speeding",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// One alert: one episode of one condition for one vessel.
///
/// Times are event times in ms since the UNIX epoch; [`Alert::to_json`] writes them as
/// RFC 3339 UTC, as DESIGN.md's alert object has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Stable for the same input: kind, vessel, zone and onset.
    pub id: String,
    pub kind: AlertKind,
    pub severity: Severity,
    pub mmsi: u32,
    pub vessel_name: Option<String>,
    pub zone_id: Option<String>,
    /// When the condition began (the first report of the stop, the last report before a
    /// gap...), not when it was detected.
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    /// When the detector could tell: the event time of the report that fired it.
    pub detected_at_ms: i64,
    /// (lon, lat)
    pub position: (f64, f64),
    /// The rule's inputs, thresholds and values, and the track segment.
    pub evidence: Value,
}

/// RFC 3339 UTC with milliseconds when they are not zero.
pub fn rfc3339(t_ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(t_ms) {
        Some(t) if t_ms % 1000 == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => t_ms.to_string(),
    }
}

impl Alert {
    pub fn new_id(kind: AlertKind, mmsi: u32, zone_id: Option<&str>, started_at_ms: i64) -> String {
        match zone_id {
            Some(z) => format!("{kind}-{mmsi}-{started_at_ms}-{z}"),
            None => format!("{kind}-{mmsi}-{started_at_ms}"),
        }
    }

    /// DESIGN.md's alert object.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "mmsi": self.mmsi,
            "vessel_name": self.vessel_name,
            "zone_id": self.zone_id,
            "started_at": rfc3339(self.started_at_ms),
            "ended_at": self.ended_at_ms.map(rfc3339),
            "detected_at": rfc3339(self.detected_at_ms),
            "position": {"lon": round7(self.position.0), "lat": round7(self.position.1)},
            "evidence": self.evidence,
            "status": "new",
        })
    }
}

/// Coordinates to 7 decimals (~1 cm): enough, and stable in text.
pub fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// What the detectors emit: an alert opens when its condition is found, and ends once
/// (`ended_at`) when its episode is over.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertUpdate {
    Opened(Alert),
    Ended {
        id: String,
        kind: AlertKind,
        mmsi: u32,
        ended_at_ms: i64,
        /// Values known only at the end (gap length, the last stop of a cluster...),
        /// merged into the alert's evidence.
        evidence: Option<Value>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_match_serde() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(Value::from(k.as_str())));
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_763_800_000_000), "2025-11-22T08:26:40Z");
        assert_eq!(rfc3339(1_763_800_000_250), "2025-11-22T08:26:40.250Z");
    }
}
