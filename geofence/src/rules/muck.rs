//! Spoil carriers. *Laden*: stopped >= 15 min in a `muck_loading` zone, or draught rose
//! >= 0.3 m there; cleared by a stop >= 15 min in an `approved_dump`.
//!
//! - `muck_unpermitted_transport`: leaves the loading zone laden without a valid
//!   `muck_transport` permit; the episode lasts until the load is dumped.
//! - `muck_illegal_discharge`: a laden vessel stops >= 10 min anywhere but an approved
//!   dump, a loading zone, a licensed dock or an anchorage; `critical` in a `protected` zone.
//! - `muck_unaccounted_load`: laden for 48 h without a stop at an approved dump.
//!
//! Only vessels that may carry spoil become laden: registered muck carriers and
//! unregistered vessels ([`Ctx::may_carry_muck`]).

use std::cmp::Reverse;

use ais::Observation;
use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel, TimerKind, Timers, minutes_ms, stopped_inside_ms};
use crate::alert::{AlertKind, AlertUpdate, rfc3339};
use crate::event::Event;
use crate::index::ZoneIdx;
use crate::zone::ZoneKind;

/// A load taken on: where, since when (the start of the loading stop), and how we know.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Laden {
    pub since_ms: i64,
    pub zone: ZoneIdx,
    pub by: LadenBy,
    pub draught_m: Option<f32>,
    /// Whether leaving the loading zone has been judged against the permit.
    transport_judged: bool,
}

/// How a load was seen taken on (named so in the evidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LadenBy {
    LoadingStop,
    DraughtRise,
}

impl Laden {
    pub(super) fn remap(self, remap: &impl Fn(ZoneIdx) -> Option<ZoneIdx>) -> Option<Laden> {
        Some(Laden {
            zone: remap(self.zone)?,
            ..self
        })
    }
}

fn set_laden(ctx: &Ctx<'_>, rv: &mut RuleVessel, l: Laden, timers: &mut Timers) {
    rv.laden = Some(l);
    let hours = i64::from(ctx.cfg.muck_unaccounted_load.max_laden_hours);
    timers.push(Reverse((
        l.since_ms + hours * 3_600_000,
        ctx.v.mmsi,
        TimerKind::Unaccounted(l.since_ms),
    )));
}

fn draught(ctx: &Ctx<'_>) -> Option<f32> {
    ctx.v.statics.as_ref().and_then(|s| s.draught_m)
}

pub(super) fn on_enter(ctx: &Ctx<'_>, rv: &mut RuleVessel, z: ZoneIdx) {
    if ctx.zone(z).kind == ZoneKind::MuckLoading {
        rv.loading_draught = draught(ctx).map(|d| (z, d));
    }
}

/// A draught report: a rise in a loading zone means a load.
pub(super) fn on_voyage(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    o: &Observation,
    timers: &mut Timers,
    _out: &mut Vec<AlertUpdate>,
) {
    let Some(d) = o.voyage.as_ref().and_then(|v| v.draught_m) else {
        return;
    };
    let d = d as f32;
    let Some(z) = ctx.zones_of(ZoneKind::MuckLoading).next() else {
        return;
    };
    match rv.loading_draught {
        Some((lz, d0)) if lz == z => {
            let rise = f64::from(d - d0);
            if rv.laden.is_none()
                && ctx.may_carry_muck()
                && rise >= ctx.cfg.laden.draught_rise_m - 1e-6
            {
                let since_ms = match ctx.v.stop {
                    crate::track::StopState::Stopped { since_ms, .. } => since_ms,
                    _ => ctx.v.membership(z).map_or(ctx.t, |m| m.since_ms),
                };
                set_laden(
                    ctx,
                    rv,
                    Laden {
                        since_ms,
                        zone: z,
                        by: LadenBy::DraughtRise,
                        draught_m: Some(d),
                        transport_judged: false,
                    },
                    timers,
                );
            }
        }
        _ => rv.loading_draught = Some((z, d)),
    }
}

pub(super) fn on_stopped(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    since_ms: i64,
    timers: &mut Timers,
    out: &mut Vec<AlertUpdate>,
) {
    let laden_cfg = &ctx.cfg.laden;
    if rv.laden.is_none()
        && ctx.may_carry_muck()
        && let Some(z) = ctx.zones_of(ZoneKind::MuckLoading).find(|&z| {
            stopped_inside_ms(ctx, since_ms, z) >= minutes_ms(laden_cfg.loading_stop_minutes)
        })
    {
        set_laden(
            ctx,
            rv,
            Laden {
                since_ms,
                zone: z,
                by: LadenBy::LoadingStop,
                draught_m: draught(ctx),
                transport_judged: false,
            },
            timers,
        );
    }
    let Some(laden) = rv.laden else {
        return;
    };
    if let Some(dump) = ctx
        .zones_of(ZoneKind::ApprovedDump)
        .find(|&z| stopped_inside_ms(ctx, since_ms, z) >= minutes_ms(laden_cfg.dump_stop_minutes))
    {
        let evidence = json!({
            "dumped_at": ctx.zone(dump).id,
            "dump_stop_since": rfc3339(since_ms),
        });
        for kind in [
            AlertKind::MuckUnpermittedTransport,
            AlertKind::MuckUnaccountedLoad,
        ] {
            rv.end(
                ctx.v.mmsi,
                kind,
                Some(laden.zone),
                ctx.t,
                Some(evidence.clone()),
                out,
            );
        }
        rv.laden = None;
        return;
    }
    let rule = &ctx.cfg.muck_illegal_discharge;
    let stopped = ctx.t - since_ms;
    let lawful = ctx.v.zones.iter().any(|m| {
        let zone = ctx.zone(m.zone);
        match zone.kind {
            ZoneKind::ApprovedDump | ZoneKind::MuckLoading | ZoneKind::Anchorage => true,
            ZoneKind::Dock => zone.licensed_at(ctx.t),
            _ => false,
        }
    });
    if !rule.enabled || lawful || stopped < minutes_ms(rule.min_stop_minutes) {
        return;
    }
    let protected = ctx.zones_of(ZoneKind::Protected).next();
    if !rv.first_in_stop(AlertKind::MuckIllegalDischarge, protected) {
        return;
    }
    let zones: Vec<&str> = ctx
        .v
        .zones
        .iter()
        .map(|m| ctx.zone(m.zone).id.as_str())
        .collect();
    ctx.open(
        rv,
        NewAlert {
            kind: AlertKind::MuckIllegalDischarge,
            severity: if protected.is_some() {
                rule.protected_severity
            } else {
                rule.severity
            },
            zone: protected,
            started_ms: since_ms,
            position: ctx.position(),
            evidence: json!({
                "stopped_minutes": stopped / 60_000,
                "min_stop_minutes": rule.min_stop_minutes,
                "laden_since": rfc3339(laden.since_ms),
                "loading_zone": ctx.zone(laden.zone).id,
                "laden_by": laden.by,
                "zones_at_stop": zones,
                "in_protected_zone": protected.is_some(),
            }),
        },
        out,
    );
}

pub(super) fn on_exit(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    z: ZoneIdx,
    e: &Event,
    out: &mut Vec<AlertUpdate>,
) {
    if ctx.zone(z).kind != ZoneKind::MuckLoading {
        return;
    }
    if rv.loading_draught.is_some_and(|(lz, _)| lz == z) {
        rv.loading_draught = None;
    }
    let rule = &ctx.cfg.muck_unpermitted_transport;
    let Some(laden) = rv
        .laden
        .as_mut()
        .filter(|l| l.zone == z && !l.transport_judged)
    else {
        return;
    };
    laden.transport_judged = true;
    let laden = *laden;
    let registered = ctx.registry.get(ctx.v.mmsi);
    if !rule.enabled || registered.is_some_and(|r| r.has_permit(&rule.permit, e.time_ms)) {
        return;
    }
    let permits: Vec<String> = registered.map_or_else(Vec::new, |r| {
        r.permits
            .iter()
            .map(|p| {
                let d = |d: Option<chrono::NaiveDate>| d.map_or(String::new(), |d| d.to_string());
                format!("{}:{}..{}", p.kind, d(p.valid.from), d(p.valid.until))
            })
            .collect()
    });
    ctx.open(
        rv,
        NewAlert {
            kind: AlertKind::MuckUnpermittedTransport,
            severity: rule.severity,
            zone: Some(z),
            started_ms: laden.since_ms,
            position: e.position.unwrap_or_else(|| ctx.position()),
            evidence: json!({
                "loading_zone": ctx.zone(z).id,
                "laden_since": rfc3339(laden.since_ms),
                "laden_by": laden.by,
                "draught_m": laden.draught_m.map(|d| (f64::from(d) * 100.0).round() / 100.0),
                "left_at": rfc3339(e.time_ms),
                "registered": registered.is_some(),
                "permit_required": rule.permit,
                "permits": permits,
            }),
        },
        out,
    );
}

pub(super) fn on_unaccounted_timer(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    since_ms: i64,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.muck_unaccounted_load;
    let Some(laden) = rv.laden.filter(|l| l.since_ms == since_ms) else {
        return;
    };
    if !rule.enabled {
        return;
    }
    ctx.open(
        rv,
        NewAlert {
            kind: AlertKind::MuckUnaccountedLoad,
            severity: rule.severity,
            zone: Some(laden.zone),
            started_ms: laden.since_ms,
            position: ctx.position(),
            evidence: json!({
                "loading_zone": ctx.zone(laden.zone).id,
                "laden_since": rfc3339(laden.since_ms),
                "laden_by": laden.by,
                "max_laden_hours": rule.max_laden_hours,
                "dumped": false,
            }),
        },
        out,
    );
}
