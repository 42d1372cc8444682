//! `speeding`: SOG above a zone's `speed_limit_kn` + 1 kn for >= 60 s. The episode ends
//! at the first report back within the limit, or on leaving the zone.

use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel};
use crate::alert::{AlertKind, AlertUpdate};
use crate::event::Event;
use crate::index::ZoneIdx;
use crate::track::Fix;
use crate::zone::ZoneKind;

/// A run of reports over the limit in one zone.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Over {
    zone: ZoneIdx,
    since_ms: i64,
    position: (f64, f64),
    max_kn: f64,
}

impl Over {
    pub(super) fn remap(self, remap: &impl Fn(ZoneIdx) -> Option<ZoneIdx>) -> Option<Over> {
        Some(Over {
            zone: remap(self.zone)?,
            ..self
        })
    }
}

pub(super) fn on_fix(ctx: &Ctx<'_>, rv: &mut RuleVessel, f: &Fix, out: &mut Vec<AlertUpdate>) {
    let rule = &ctx.cfg.speeding;
    if !rule.enabled {
        return;
    }
    let sog = f
        .sog()
        .or((!ctx.v.derived_kn.is_nan()).then_some(f64::from(ctx.v.derived_kn)));
    // The strictest limit among the speed zones the vessel is in.
    let limit = ctx
        .zones_of(ZoneKind::SpeedLimit)
        .filter_map(|z| ctx.zone(z).speed_limit_kn.map(|l| (l, z)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let over = match (sog, limit) {
        (Some(s), Some((l, z))) if s > l + rule.tolerance_kn => Some((s, l, z)),
        _ => None,
    };
    let Some((sog, limit, z)) = over else {
        if let Some(o) = rv.speeding.take() {
            rv.end(
                ctx.v.mmsi,
                AlertKind::Speeding,
                Some(o.zone),
                f.time_ms,
                None,
                out,
            );
        }
        return;
    };
    if let Some(old) = rv.speeding.filter(|o| o.zone != z) {
        rv.speeding = None;
        rv.end(
            ctx.v.mmsi,
            AlertKind::Speeding,
            Some(old.zone),
            f.time_ms,
            None,
            out,
        );
    }
    let o = rv.speeding.get_or_insert(Over {
        zone: z,
        since_ms: f.time_ms,
        position: f.position(),
        max_kn: sog,
    });
    o.max_kn = o.max_kn.max(sog);
    let o = *o;
    let lasted = f.time_ms - o.since_ms;
    if lasted >= i64::from(rule.min_duration_s) * 1000 {
        ctx.open(
            rv,
            NewAlert {
                kind: AlertKind::Speeding,
                severity: rule.severity,
                zone: Some(z),
                started_ms: o.since_ms,
                position: o.position,
                evidence: json!({
                    "zone": ctx.zone(z).name,
                    "speed_limit_kn": limit,
                    "tolerance_kn": rule.tolerance_kn,
                    "sog_kn": (sog * 10.0).round() / 10.0,
                    "max_sog_kn": (o.max_kn * 10.0).round() / 10.0,
                    "over_for_s": lasted / 1000,
                    "min_duration_s": rule.min_duration_s,
                }),
            },
            out,
        );
    }
}

pub(super) fn on_exit(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    z: ZoneIdx,
    e: &Event,
    out: &mut Vec<AlertUpdate>,
) {
    if rv.speeding.is_some_and(|o| o.zone == z) {
        rv.speeding = None;
    }
    rv.end(
        ctx.v.mmsi,
        AlertKind::Speeding,
        Some(z),
        e.time_ms,
        None,
        out,
    );
}
