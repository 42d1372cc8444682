//! `illegal_berthing`: stopped >= 5 min inside a `no_berthing` zone.

use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel, minutes_ms, stopped_inside_ms};
use crate::alert::{AlertKind, AlertUpdate};
use crate::zone::ZoneKind;

pub(super) fn on_stopped(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    since_ms: i64,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.illegal_berthing;
    if !rule.enabled {
        return;
    }
    for z in ctx.zones_of(ZoneKind::NoBerthing).collect::<Vec<_>>() {
        let inside = stopped_inside_ms(ctx, since_ms, z);
        if inside < minutes_ms(rule.min_stop_minutes)
            || !rv.first_in_stop(AlertKind::IllegalBerthing, Some(z))
        {
            continue;
        }
        ctx.open(
            rv,
            NewAlert {
                kind: AlertKind::IllegalBerthing,
                severity: rule.severity,
                zone: Some(z),
                started_ms: since_ms,
                position: ctx.position(),
                evidence: json!({
                    "zone": ctx.zone(z).name,
                    "stopped_minutes": inside / 60_000,
                    "min_stop_minutes": rule.min_stop_minutes,
                }),
            },
            out,
        );
    }
}
