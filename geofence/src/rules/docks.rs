//! `unlicensed_dock_activity`: stopped >= 10 min inside a `dock` with no valid licence at
//! that time; `suspected_unlicensed_dock`: stops >= 10 min outside every dock, anchorage,
//! loading and dump zone by >= 3 distinct vessels within 7 days within 100 m.

use std::collections::VecDeque;

use serde_json::json;

use super::{Ctx, NewAlert, RuleVessel, RulesConfig, minutes_ms, stopped_inside_ms};
use crate::alert::{Alert, AlertKind, AlertUpdate, rfc3339, round7};
use crate::track::metres;
use crate::zone::ZoneKind;

pub(super) fn on_stopped(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    since_ms: i64,
    candidates: &mut Candidates,
    export: Option<&mut Vec<SpotStop>>,
    out: &mut Vec<AlertUpdate>,
) {
    let rule = &ctx.cfg.unlicensed_dock_activity;
    if rule.enabled {
        for z in ctx.zones_of(ZoneKind::Dock).collect::<Vec<_>>() {
            let zone = ctx.zone(z);
            let inside = stopped_inside_ms(ctx, since_ms, z);
            if zone.licensed_at(ctx.t)
                || inside < minutes_ms(rule.min_stop_minutes)
                || !rv.first_in_stop(AlertKind::UnlicensedDockActivity, Some(z))
            {
                continue;
            }
            let licence = zone.license.as_ref().map(|l| {
                json!({
                    "number": l.number,
                    "valid_from": l.valid_from.map(|d| d.to_string()),
                    "valid_until": l.valid_until.map(|d| d.to_string()),
                })
            });
            ctx.open(
                rv,
                NewAlert {
                    kind: AlertKind::UnlicensedDockActivity,
                    severity: rule.severity,
                    zone: Some(z),
                    started_ms: since_ms,
                    position: ctx.position(),
                    evidence: json!({
                        "dock": zone.name,
                        "licence": licence,
                        "licence_valid": false,
                        "stopped_minutes": inside / 60_000,
                        "min_stop_minutes": rule.min_stop_minutes,
                    }),
                },
                out,
            );
        }
    }
    let rule = &ctx.cfg.suspected_unlicensed_dock;
    let lawful = [
        ZoneKind::Dock,
        ZoneKind::Anchorage,
        ZoneKind::MuckLoading,
        ZoneKind::ApprovedDump,
    ];
    let Some(mark) = rv.stop.as_mut() else {
        return;
    };
    if !rule.enabled
        || mark.dock_candidate
        || ctx.t - since_ms < minutes_ms(rule.min_stop_minutes)
        || ctx
            .v
            .zones
            .iter()
            .any(|m| lawful.contains(&ctx.zone(m.zone).kind))
    {
        return;
    }
    mark.dock_candidate = true;
    let stop = SpotStop {
        t_ms: ctx.t,
        since_ms,
        mmsi: ctx.v.mmsi,
        at: ctx.position(),
        vessel_name: ctx.vessel_name(),
        track: super::track(ctx.v, since_ms),
    };
    match export {
        Some(list) => list.push(stop),
        // A spot, not an episode of this vessel's: nothing of it stays open to end.
        None => {
            if let Some(a) = candidates.add(ctx.cfg, stop) {
                out.push(AlertUpdate::Opened(a));
            }
        }
    }
}

/// A qualifying stop as the spot rule takes it: everything its alert needs, so that the
/// rule can run apart from the vessel's engine (in a cluster, one place sees the stops of
/// every partition).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpotStop {
    /// Event time of the report that made the stop qualify.
    pub t_ms: i64,
    pub since_ms: i64,
    pub mmsi: u32,
    pub at: (f64, f64),
    pub vessel_name: Option<String>,
    /// The vessel's track up to the report, as alerts carry it.
    pub track: serde_json::Value,
}

/// A qualifying stop: a long stop outside every lawful mooring place.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Stop {
    since_ms: i64,
    mmsi: u32,
    at: (f64, f64),
}

/// Recent qualifying stops and the spots already flagged, both pruned by age, so the
/// memory is bounded by the window, not by the length of the feed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Candidates {
    stops: VecDeque<Stop>,
    flagged: VecDeque<(i64, (f64, f64))>,
}

impl Candidates {
    /// Takes a qualifying stop (in the order of the reports that made them qualify); the
    /// alert when it completes a cluster at a spot not flagged yet.
    pub fn add(&mut self, cfg: &RulesConfig, stop: SpotStop) -> Option<Alert> {
        let rule = &cfg.suspected_unlicensed_dock;
        let t = stop.t_ms;
        let window = i64::from(rule.window_days) * 86_400_000;
        let quiet = i64::from(rule.quiet_days) * 86_400_000;
        while self.stops.front().is_some_and(|s| s.since_ms < t - window) {
            self.stops.pop_front();
        }
        while self.flagged.front().is_some_and(|f| f.0 < t - quiet) {
            self.flagged.pop_front();
        }
        let at = stop.at;
        self.stops.push_back(Stop {
            since_ms: stop.since_ms,
            mmsi: stop.mmsi,
            at,
        });
        if self
            .flagged
            .iter()
            .any(|&(_, p)| metres(p, at) <= rule.radius_m)
        {
            return None;
        }
        let near: Vec<Stop> = self
            .stops
            .iter()
            .filter(|s| metres(s.at, at) <= rule.radius_m)
            .copied()
            .collect();
        let mut vessels: Vec<u32> = near.iter().map(|s| s.mmsi).collect();
        vessels.sort_unstable();
        vessels.dedup();
        if vessels.len() < rule.min_vessels as usize {
            return None;
        }
        self.flagged.push_back((t, at));
        let n = near.len() as f64;
        let centre = (
            near.iter().map(|s| s.at.0).sum::<f64>() / n,
            near.iter().map(|s| s.at.1).sum::<f64>() / n,
        );
        let kind = AlertKind::SuspectedUnlicensedDock;
        Some(Alert {
            id: Alert::new_id(kind, stop.mmsi, None, stop.since_ms),
            kind,
            severity: rule.severity,
            mmsi: stop.mmsi,
            vessel_name: stop.vessel_name,
            zone_id: None,
            started_at_ms: stop.since_ms,
            ended_at_ms: None,
            detected_at_ms: t,
            position: centre,
            evidence: json!({
                "distinct_vessels": vessels.len(),
                "min_vessels": rule.min_vessels,
                "radius_m": rule.radius_m,
                "window_days": rule.window_days,
                "min_stop_minutes": rule.min_stop_minutes,
                "stops": near.iter().map(|s| json!({
                    "mmsi": s.mmsi,
                    "since": rfc3339(s.since_ms),
                    "lon": round7(s.at.0),
                    "lat": round7(s.at.1),
                })).collect::<Vec<_>>(),
                "track": stop.track,
            }),
        })
    }
}
