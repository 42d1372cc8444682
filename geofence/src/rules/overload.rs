//! `overload_draught`: reported draught (type 5, or inland FI 10) above the registry's
//! `max_draught_m` + 0.05 m. `overload_persons`: persons on board (inland FI 55) above
//! the registry's passenger + crew capacity. Each episode ends at the first report back
//! within the limit.

use ais::Observation;
use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel};
use crate::alert::{AlertKind, AlertUpdate};

fn source(msg_type: u8) -> &'static str {
    match msg_type {
        5 => "type 5 static and voyage data",
        6 | 8 => "inland FI 10 static and voyage data",
        _ => "AIS",
    }
}

pub(super) fn on_report(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    o: &Observation,
    out: &mut Vec<AlertUpdate>,
) {
    let Some(r) = ctx.registry.get(o.mmsi) else {
        return;
    };
    let rule = &ctx.cfg.overload_draught;
    if let (true, Some(d), Some(max)) = (
        rule.enabled,
        o.voyage.as_ref().and_then(|v| v.draught_m),
        r.max_draught_m,
    ) {
        // A hundredth of a millimetre of slack: draughts arrive in 1/10 or 1/100 m steps.
        if d > max + rule.tolerance_m + 1e-5 {
            ctx.open(
                rv,
                NewAlert {
                    kind: AlertKind::OverloadDraught,
                    severity: rule.severity,
                    zone: None,
                    started_ms: ctx.t,
                    position: o.position.unwrap_or_else(|| ctx.position()),
                    evidence: json!({
                        "draught_m": (d * 100.0).round() / 100.0,
                        "max_draught_m": max,
                        "tolerance_m": rule.tolerance_m,
                        "excess_m": ((d - max) * 100.0).round() / 100.0,
                        "source": source(o.msg_type),
                    }),
                },
                out,
            );
        } else {
            rv.end(o.mmsi, AlertKind::OverloadDraught, None, ctx.t, None, out);
        }
    }
    let rule = &ctx.cfg.overload_persons;
    let total = o.persons_on_board.and_then(|p| p.total);
    let capacity = match (r.passenger_capacity, r.crew_capacity) {
        (None, None) => None,
        (p, c) => Some(p.unwrap_or(0) + c.unwrap_or(0)),
    };
    if let (true, Some(total), Some(capacity)) = (rule.enabled, total, capacity) {
        if total > capacity {
            let p = o.persons_on_board.unwrap_or_default();
            ctx.open(
                rv,
                NewAlert {
                    kind: AlertKind::OverloadPersons,
                    severity: rule.severity,
                    zone: None,
                    started_ms: ctx.t,
                    position: o.position.unwrap_or_else(|| ctx.position()),
                    evidence: json!({
                        "persons_on_board": total,
                        "crew": p.crew,
                        "passengers": p.passengers,
                        "shipboard_personnel": p.personnel,
                        "passenger_capacity": r.passenger_capacity,
                        "crew_capacity": r.crew_capacity,
                        "capacity": capacity,
                        "source": "inland FI 55 persons on board",
                    }),
                },
                out,
            );
        } else {
            rv.end(o.mmsi, AlertKind::OverloadPersons, None, ctx.t, None, out);
        }
    }
}
