//! `position_jump`: two consecutive reports of one MMSI imply > 60 kn (spoofing or a
//! shared MMSI); the episode lasts until the MMSI has reported consistently for 30 min.
//! `identity_mismatch`: the static name or call sign disagrees with the registry, or the
//! MMSI is malformed.

use ais::Observation;
use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel, minutes_ms};
use crate::alert::{AlertKind, AlertUpdate, rfc3339, round7};
use crate::track::{Fix, metres};

/// Message types a vessel sends about itself: position and static reports.
fn from_a_vessel(msg_type: u8) -> bool {
    matches!(msg_type, 1 | 2 | 3 | 5 | 18 | 19 | 24 | 27)
}

/// Why an MMSI cannot be a ship's, if it cannot (DESIGN.md "Rule details").
pub fn malformed(mmsi: u32) -> Option<&'static str> {
    if mmsi > 999_999_999 {
        return Some("more than 9 digits");
    }
    if mmsi < 100_000_000 {
        return Some("fewer than 9 significant digits (not a ship MMSI)");
    }
    let d = mmsi % 10;
    if mmsi == 123_456_789 || mmsi == 987_654_321 || mmsi == d * 111_111_111 {
        return Some("a placeholder");
    }
    let first = mmsi / 100_000_000;
    let mid = mmsi / 1_000_000;
    if (2..=7).contains(&first) && !(201..=775).contains(&mid) {
        return Some("its first three digits are not an allocated MID (201-775)");
    }
    None
}

/// AIS text is upper-case 6-bit ASCII: compare trimmed and case-folded.
fn same_text(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (a.split_ascii_whitespace(), b.split_ascii_whitespace());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => {}
            _ => return false,
        }
    }
}

pub(super) fn on_report(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    o: &Observation,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.identity_mismatch;
    if !rule.enabled || !from_a_vessel(o.msg_type) {
        return;
    }
    if let Some(why) = malformed(o.mmsi) {
        if !rv.malformed_reported {
            rv.malformed_reported = true;
            ctx.open(
                rv,
                NewAlert {
                    kind: AlertKind::IdentityMismatch,
                    severity: rule.severity,
                    zone: None,
                    started_ms: ctx.t,
                    position: o.position.unwrap_or_else(|| ctx.position()),
                    evidence: json!({
                        "reason": "malformed_mmsi",
                        "mmsi": format!("{:09}", o.mmsi),
                        "detail": why,
                        "message_type": o.msg_type,
                    }),
                },
                out,
            );
        }
        return;
    }
    let (Some(s), Some(r)) = (&o.static_data, ctx.registry.get(o.mmsi)) else {
        return;
    };
    let mut compared = false;
    let mut differs = Vec::new();
    for (field, reported, registered) in [
        ("name", s.name.as_deref(), r.name.as_str()),
        ("callsign", s.callsign.as_deref(), r.callsign.as_str()),
    ] {
        let (Some(reported), false) = (reported, registered.trim().is_empty()) else {
            continue;
        };
        compared = true;
        if !same_text(reported, registered) {
            differs
                .push(json!({"field": field, "reported": reported.trim(), "registry": registered}));
        }
    }
    if !differs.is_empty() {
        ctx.open(
            rv,
            NewAlert {
                kind: AlertKind::IdentityMismatch,
                severity: rule.severity,
                zone: None,
                started_ms: ctx.t,
                position: ctx.position(),
                evidence: json!({
                    "reason": "registry_mismatch",
                    "differences": differs,
                    "message_type": o.msg_type,
                }),
            },
            out,
        );
    } else if compared {
        rv.end(o.mmsi, AlertKind::IdentityMismatch, None, ctx.t, None, out);
    }
}

pub(super) fn on_fix(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    prev: Option<Fix>,
    f: &Fix,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.position_jump;
    let Some(p) = prev.filter(|_| rule.enabled) else {
        return;
    };
    let distance = metres(p.position(), f.position());
    let hours = (f.time_ms - p.time_ms).max(1) as f64 / 3_600_000.0;
    let implied = distance / 1852.0 / hours;
    if distance >= rule.min_distance_m && implied > rule.max_speed_kn {
        rv.jump_last_ms = Some(f.time_ms);
        let point =
            |x: &Fix| json!({"t": rfc3339(x.time_ms), "lon": round7(x.lon), "lat": round7(x.lat)});
        ctx.open(
            rv,
            NewAlert {
                kind: AlertKind::PositionJump,
                severity: rule.severity,
                zone: None,
                started_ms: f.time_ms,
                position: f.position(),
                evidence: json!({
                    "from": point(&p),
                    "to": point(f),
                    "distance_m": distance.round(),
                    "seconds": (f.time_ms - p.time_ms) / 1000,
                    "implied_speed_kn": (implied * 10.0).round() / 10.0,
                    "max_speed_kn": rule.max_speed_kn,
                }),
            },
            out,
        );
    } else if let Some(last) = rv.jump_last_ms
        && f.time_ms - last >= minutes_ms(rule.consistent_minutes)
    {
        rv.jump_last_ms = None;
        rv.end(
            ctx.v.mmsi,
            AlertKind::PositionJump,
            None,
            f.time_ms,
            None,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::malformed;

    #[test]
    fn malformed_mmsis() {
        for ok in [
            413_000_001,
            211_234_567,
            775_999_999,
            970_123_456,
            992_136_001,
        ] {
            assert_eq!(malformed(ok), None, "{ok}");
        }
        for bad in [
            0,
            1_234,
            123_456_789,
            111_111_111,
            999_999_999,
            200_123_456,
            776_000_001,
            1_000_000_000,
        ] {
            assert!(malformed(bad).is_some(), "{bad}");
        }
    }
}
