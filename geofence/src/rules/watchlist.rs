//! `watchlist_entry`: a watchlisted vessel enters a listed zone (or the monitored area,
//! when its entry lists none). The episode ends when it leaves.

use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel};
use crate::alert::{AlertKind, AlertUpdate, rfc3339};
use crate::event::Event;
use crate::index::ZoneIdx;
use crate::zone::ZoneKind;

pub(super) fn on_enter(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    z: ZoneIdx,
    e: &Event,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.watchlist_entry;
    if !rule.enabled {
        return;
    }
    let zone = ctx.zone(z);
    let Some(entry) = ctx.watchlist.get(ctx.v.mmsi).iter().find(|w| {
        w.active_at(e.time_ms)
            && if w.zones.is_empty() {
                zone.kind == ZoneKind::MonitoredArea
            } else {
                w.zones.contains(&zone.id)
            }
    }) else {
        return;
    };
    ctx.open(
        rv,
        NewAlert {
            kind: AlertKind::WatchlistEntry,
            severity: rule.severity,
            zone: Some(z),
            started_ms: e.time_ms,
            position: e.position.unwrap_or_else(|| ctx.position()),
            evidence: json!({
                "reason": entry.reason,
                "listed_zones": entry.zones,
                "until": entry.until.map(|d| d.to_string()),
                "entered_at": rfc3339(e.time_ms),
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
    rv.end(
        ctx.v.mmsi,
        AlertKind::WatchlistEntry,
        Some(z),
        e.time_ms,
        None,
        out,
    );
}
