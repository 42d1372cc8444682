//! `ais_gap`: a vessel that was inside a zone or the monitored area falls silent for at
//! least 30 min (20 min when laden with muck). `started_at` is its last message of any
//! kind; the episode ends when it is heard again, with how long and how far it went dark.

use std::cmp::Reverse;

use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel, TimerKind, Timers, minutes_ms};
use crate::alert::{AlertKind, AlertUpdate, rfc3339};
use crate::track::{Fix, metres};

fn threshold_ms(ctx: &Ctx<'_>, rv: &RuleVessel) -> i64 {
    let rule = &ctx.cfg.ais_gap;
    minutes_ms(if rv.laden.is_some() {
        rule.laden_min_gap_minutes
    } else {
        rule.min_gap_minutes
    })
}

/// Any report: ends an open gap, and arms the timer that finds the next one.
pub(super) fn on_report(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    prev_fix: Option<Fix>,
    prev_heard_ms: i64,
    timers: &mut Timers,
    out: &mut Vec<AlertUpdate>,
) {
    if !ctx.cfg.ais_gap.enabled {
        return;
    }
    if rv.is_open(AlertKind::AisGap, None) {
        let silent_ms = ctx.t - prev_heard_ms;
        let moved = match (prev_fix, ctx.v.last_fix.filter(|f| f.time_ms == ctx.t)) {
            (Some(a), Some(b)) => {
                let m = metres(a.position(), b.position());
                let hours = (b.time_ms - a.time_ms).max(1) as f64 / 3_600_000.0;
                json!({
                    "distance_m": m.round(),
                    "implied_speed_kn": (m / 1852.0 / hours * 10.0).round() / 10.0,
                    "reappeared_lon": b.lon,
                    "reappeared_lat": b.lat,
                })
            }
            _ => json!({}),
        };
        let mut evidence = json!({
            "gap_minutes": silent_ms / 60_000,
            "heard_again": rfc3339(ctx.t),
        });
        if let (Some(e), Some(m)) = (evidence.as_object_mut(), moved.as_object()) {
            e.extend(m.clone());
        }
        rv.end(
            ctx.v.mmsi,
            AlertKind::AisGap,
            None,
            ctx.t,
            Some(evidence),
            out,
        );
    }
    if !rv.gap_armed {
        rv.gap_armed = true;
        let first = minutes_ms(
            ctx.cfg
                .ais_gap
                .min_gap_minutes
                .min(ctx.cfg.ais_gap.laden_min_gap_minutes),
        );
        timers.push(Reverse((
            ctx.v.last_heard_ms + first,
            ctx.v.mmsi,
            TimerKind::Gap,
        )));
    }
}

/// The timer: silent long enough? Else wait until it could be.
pub(super) fn on_timer(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    due_ms: i64,
    timers: &mut Timers,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.ais_gap;
    let due = ctx.v.last_heard_ms + threshold_ms(ctx, rv);
    if due_ms < due {
        timers.push(Reverse((due, ctx.v.mmsi, TimerKind::Gap)));
        return;
    }
    rv.gap_armed = false;
    if !rule.enabled || ctx.v.zones.is_empty() {
        return;
    }
    let zones: Vec<&str> = ctx
        .v
        .zones
        .iter()
        .map(|m| ctx.zone(m.zone).id.as_str())
        .collect();
    let last = ctx.v.last_fix;
    ctx.open(
        rv,
        NewAlert {
            kind: AlertKind::AisGap,
            severity: rule.severity,
            zone: None,
            started_ms: ctx.v.last_heard_ms,
            position: last.map_or_else(|| ctx.position(), |f| f.position()),
            evidence: json!({
                "last_heard": rfc3339(ctx.v.last_heard_ms),
                "last_fix": last.map(|f| rfc3339(f.time_ms)),
                "zones_at_last_report": zones,
                "laden": rv.laden.is_some(),
                "min_gap_minutes": threshold_ms(ctx, rv) / 60_000,
            }),
        },
        out,
    );
}
