//! The detectors: zone events and vessel tracks in, [`Alert`]s out (DESIGN.md "Alerts").
//!
//! [`Detector`] owns the geofence [`Engine`] and feeds every observation through it; the
//! rules read the engine's events and tracks and never query geometry themselves. One
//! module per rule family:
//!
//! - in [`docks`], `unlicensed_dock_activity` and `suspected_unlicensed_dock`;
//! - in [`berthing`], `illegal_berthing`;
//! - in [`muck`], the laden state, `muck_unpermitted_transport`,
//!   `muck_illegal_discharge` and `muck_unaccounted_load`;
//! - in [`overload`], `overload_draught` and `overload_persons`;
//! - in [`watchlist`], `watchlist_entry`;
//! - in [`gaps`], `ais_gap`;
//! - in [`identity`], `position_jump` and `identity_mismatch`;
//! - in [`speed`], `speeding`.
//!
//! Every alert is one episode: it opens once ([`AlertUpdate::Opened`]) and ends once
//! ([`AlertUpdate::Ended`]). Time-based rules (gaps, a load never dumped) fire on event
//! time, from timers checked before each observation lands, so the same input always
//! yields the same alerts.

pub mod berthing;
pub mod config;
pub mod docks;
pub mod gaps;
pub mod identity;
pub mod muck;
pub mod overload;
pub mod speed;
pub mod watchlist;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use ais::Observation;
use serde_json::{Value, json};

use crate::alert::{Alert, AlertKind, AlertUpdate, Severity, rfc3339, round7};
use crate::engine::{Admit, Config as EngineConfig, Engine};
use crate::event::{Event, EventKind};
use crate::index::{ZoneIdx, ZoneIndex};
use crate::registry::{Registry, Watchlist};
use crate::track::{Fix, Vessel};
use crate::zone::{Zone, ZoneKind};
pub use config::RulesConfig;

/// What the rules remember of one vessel beyond its track.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct RuleVessel {
    /// Alerts open for this vessel.
    open: Vec<Open>,
    /// The current stop, as the rules have seen it.
    stop: Option<StopMark>,
    laden: Option<muck::Laden>,
    /// The draught reported on entering a loading zone (to see it rise there).
    loading_draught: Option<(ZoneIdx, f32)>,
    speeding: Option<speed::Over>,
    /// While a position-jump episode is open: the last inconsistent report.
    jump_last_ms: Option<i64>,
    malformed_reported: bool,
    /// A gap timer is waiting in the heap.
    gap_armed: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Open {
    kind: AlertKind,
    zone: Option<ZoneIdx>,
    id: String,
}

/// Which stop-based rules already fired during the current stop.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StopMark {
    since_ms: i64,
    fired: Vec<(AlertKind, Option<ZoneIdx>)>,
    dock_candidate: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub(crate) enum TimerKind {
    Gap,
    /// Carries the laden episode's start, to tell it from a later one.
    Unaccounted(i64),
}

/// Counters for the summary.
#[derive(Debug, Clone, Default)]
pub struct DetectorStats {
    pub opened: HashMap<AlertKind, u64>,
}

/// What every rule reads: the thresholds, the zones, the registry and watchlist, and the
/// vessel's track after the current report.
pub struct Ctx<'a> {
    pub cfg: &'a RulesConfig,
    pub index: &'a ZoneIndex,
    pub registry: &'a Registry,
    pub watchlist: &'a Watchlist,
    pub v: &'a Vessel,
    /// Event time of the report being handled.
    pub t: i64,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("mmsi", &self.v.mmsi)
            .field("t", &self.t)
            .finish()
    }
}

/// A new alert, before the shared fields are filled in.
#[derive(Debug)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub severity: Severity,
    pub zone: Option<ZoneIdx>,
    pub started_ms: i64,
    pub position: (f64, f64),
    pub evidence: Value,
}

impl Ctx<'_> {
    pub fn zone(&self, z: ZoneIdx) -> &Zone {
        self.index.zone(z)
    }

    /// The vessel's name: the registry's, else its own AIS name.
    pub fn vessel_name(&self) -> Option<String> {
        if let Some(r) = self.registry.get(self.v.mmsi)
            && !r.name.is_empty()
        {
            return Some(r.name.clone());
        }
        self.v
            .statics
            .as_ref()
            .map(|s| s.name.as_str().trim().to_string())
            .filter(|n| !n.is_empty())
    }

    /// Where the vessel is: its stop's anchor, else its last fix.
    pub fn position(&self) -> (f64, f64) {
        self.v
            .stop
            .anchor()
            .or(self.v.last_fix.map(|f| f.position()))
            .unwrap_or((0.0, 0.0))
    }

    /// Zones the vessel is in, of one kind.
    pub fn zones_of(&self, kind: ZoneKind) -> impl Iterator<Item = ZoneIdx> + '_ {
        self.v
            .zones
            .iter()
            .map(|m| m.zone)
            .filter(move |&z| self.zone(z).kind == kind)
    }

    /// Whether a vessel may carry spoil: a registered muck carrier, or an unregistered
    /// vessel (nothing says it may not). Registered vessels of other classes never
    /// become laden.
    pub fn may_carry_muck(&self) -> bool {
        self.registry
            .get(self.v.mmsi)
            .is_none_or(|r| r.muck_carrier)
    }

    /// Opens an alert: fills in the id, name and track and records it as open.
    pub fn open(&self, rv: &mut RuleVessel, a: NewAlert, out: &mut Vec<AlertUpdate>) {
        if rv.is_open(a.kind, a.zone) {
            return;
        }
        let zone_id = a.zone.map(|z| self.zone(z).id.clone());
        let id = Alert::new_id(a.kind, self.v.mmsi, zone_id.as_deref(), a.started_ms);
        let mut evidence = a.evidence;
        if let Value::Object(m) = &mut evidence {
            m.insert("track".into(), track(self.v, a.started_ms));
        }
        rv.open.push(Open {
            kind: a.kind,
            zone: a.zone,
            id: id.clone(),
        });
        out.push(AlertUpdate::Opened(Alert {
            id,
            kind: a.kind,
            severity: a.severity,
            mmsi: self.v.mmsi,
            vessel_name: self.vessel_name(),
            zone_id,
            started_at_ms: a.started_ms,
            ended_at_ms: None,
            detected_at_ms: self.t,
            position: a.position,
            evidence,
        }));
    }
}

impl RuleVessel {
    /// Follows a zone set change: `remap` gives a zone's index in the new set, `None` when
    /// it is gone.
    fn remap_zones(
        &mut self,
        remap: &impl Fn(ZoneIdx) -> Option<ZoneIdx>,
        mmsi: u32,
        t: i64,
        out: &mut Vec<AlertUpdate>,
    ) {
        let mut kept = Vec::with_capacity(self.open.len());
        for mut o in self.open.drain(..) {
            match o.zone.map(remap) {
                None => kept.push(o),
                Some(Some(z)) => {
                    o.zone = Some(z);
                    kept.push(o);
                }
                Some(None) => out.push(AlertUpdate::Ended {
                    id: o.id,
                    kind: o.kind,
                    mmsi,
                    ended_at_ms: t,
                    evidence: Some(json!({"ended_because": "zone removed"})),
                }),
            }
        }
        self.open = kept;
        if let Some(m) = &mut self.stop {
            m.fired.retain_mut(|(_, zone)| match zone.map(remap) {
                None => true,
                Some(Some(z)) => {
                    *zone = Some(z);
                    true
                }
                Some(None) => false,
            });
        }
        self.laden = self.laden.and_then(|l| l.remap(remap));
        self.loading_draught = self.loading_draught.and_then(|(z, d)| Some((remap(z)?, d)));
        self.speeding = self.speeding.and_then(|o| o.remap(remap));
    }

    pub fn is_open(&self, kind: AlertKind, zone: Option<ZoneIdx>) -> bool {
        self.open.iter().any(|o| o.kind == kind && o.zone == zone)
    }

    /// Ends the open alert of this kind and zone, if there is one.
    pub fn end(
        &mut self,
        mmsi: u32,
        kind: AlertKind,
        zone: Option<ZoneIdx>,
        ended_at_ms: i64,
        evidence: Option<Value>,
        out: &mut Vec<AlertUpdate>,
    ) {
        if let Some(k) = self
            .open
            .iter()
            .position(|o| o.kind == kind && o.zone == zone)
        {
            let o = self.open.remove(k);
            out.push(AlertUpdate::Ended {
                id: o.id,
                kind,
                mmsi,
                ended_at_ms,
                evidence,
            });
        }
    }

    /// Ends every open alert of this kind, whatever its zone.
    pub fn end_kind(
        &mut self,
        mmsi: u32,
        kind: AlertKind,
        ended_at_ms: i64,
        out: &mut Vec<AlertUpdate>,
    ) {
        let zones: Vec<Option<ZoneIdx>> = self
            .open
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.zone)
            .collect();
        for z in zones {
            self.end(mmsi, kind, z, ended_at_ms, None, out);
        }
    }

    /// Whether a stop-based rule already fired for this zone during the current stop,
    /// marking it fired if not.
    fn first_in_stop(&mut self, kind: AlertKind, zone: Option<ZoneIdx>) -> bool {
        match &mut self.stop {
            Some(m) if m.fired.contains(&(kind, zone)) => false,
            Some(m) => {
                m.fired.push((kind, zone));
                true
            }
            None => false,
        }
    }
}

/// The vessel's recent track from 10 minutes before `from_ms`: evidence for officers.
fn track(v: &Vessel, from_ms: i64) -> Value {
    const MAX_POINTS: usize = 120;
    let fixes: Vec<&Fix> = v
        .history
        .fixes()
        .filter(|f| f.time_ms >= from_ms - 600_000)
        .collect();
    let skip = fixes.len().saturating_sub(MAX_POINTS);
    Value::Array(
        fixes[skip..]
            .iter()
            .map(|f| {
                json!({
                    "t": rfc3339(f.time_ms),
                    "lon": round7(f.lon),
                    "lat": round7(f.lat),
                    "sog": f.sog().map(|s| (s * 10.0).round() / 10.0),
                })
            })
            .collect(),
    )
}

/// Bumped whenever the snapshot's shape changes; an older snapshot is not read.
const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, serde::Serialize)]
struct DetectorStateRef<'a> {
    version: u32,
    zone_ids: Vec<&'a str>,
    engine: crate::engine::EngineStateRef<'a>,
    vessels: &'a crate::MmsiMap<RuleVessel>,
    timers: &'a Timers,
    candidates: &'a docks::Candidates,
}

#[derive(Debug, serde::Deserialize)]
struct DetectorState {
    version: u32,
    zone_ids: Vec<String>,
    engine: crate::engine::EngineState,
    vessels: crate::MmsiMap<RuleVessel>,
    timers: Timers,
    candidates: docks::Candidates,
}

/// The engine and every rule, fed one observation at a time.
#[derive(Debug)]
pub struct Detector {
    engine: Engine,
    cfg: RulesConfig,
    registry: Registry,
    watchlist: Watchlist,
    vessels: crate::MmsiMap<RuleVessel>,
    timers: Timers,
    candidates: docks::Candidates,
    /// Where qualifying stops go when the spot rule runs elsewhere (see
    /// [`Detector::export_spot_stops`]); `None`: it runs here.
    spot_stops: Option<Vec<docks::SpotStop>>,
    events: Vec<Event>,
    stats: DetectorStats,
}

impl Detector {
    pub fn new(
        index: ZoneIndex,
        cfg: RulesConfig,
        registry: Registry,
        watchlist: Watchlist,
    ) -> Detector {
        let engine_cfg = EngineConfig {
            stop_sog_kn: cfg.stop.sog_kn,
            stop_box_m: cfg.stop.box_m,
            ..EngineConfig::default()
        };
        Detector {
            engine: Engine::new(index, engine_cfg),
            cfg,
            registry,
            watchlist,
            vessels: crate::MmsiMap::default(),
            timers: BinaryHeap::new(),
            candidates: docks::Candidates::default(),
            spot_stops: None,
            events: Vec::new(),
            stats: DetectorStats::default(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config(&self) -> &RulesConfig {
        &self.cfg
    }

    pub fn stats(&self) -> &DetectorStats {
        &self.stats
    }

    /// Swaps in a new zone set while running (an administrator edited the zones). Vessels
    /// keep their tracks and every zone that still exists (same id) keeps its memberships,
    /// dwell timers and open alerts. An alert open in a zone that is gone ends now (at the
    /// engine's watermark), with the reason in its evidence; a laden state or speeding
    /// run that belonged to a removed zone is forgotten.
    pub fn replace_zones(&mut self, index: ZoneIndex, out: &mut Vec<AlertUpdate>) {
        let old = self.engine.index().clone();
        let old_ids: Vec<&str> = old.zones().iter().map(|z| z.id.as_str()).collect();
        self.engine.replace_index(index);
        self.remap_rules(&old_ids, out);
    }

    /// Renumbers the rules' zone indices from the zone order `old_ids` to the engine's
    /// current index; alerts open in zones that are gone end.
    fn remap_rules(&mut self, old_ids: &[&str], out: &mut Vec<AlertUpdate>) {
        let new = self.engine.index().clone();
        let remap = new.renumbering(old_ids);
        let t = self.engine.watermark().unwrap_or(0);
        let mut mmsis: Vec<u32> = self.vessels.keys().copied().collect();
        // Deterministic order for the alerts this ends.
        mmsis.sort_unstable();
        for mmsi in mmsis {
            if let Some(rv) = self.vessels.get_mut(&mmsi) {
                rv.remap_zones(&remap, mmsi, t, out);
            }
        }
    }

    /// Writes the detector's state as JSON: every vessel's track, stop and zone state, the
    /// rules' memory and timers; not the zones, settings, registry or watchlist, which
    /// [`Detector::restore`] takes as they are then.
    pub fn snapshot(&self, w: impl std::io::Write) -> serde_json::Result<()> {
        let index = self.engine.index();
        serde_json::to_writer(
            w,
            &DetectorStateRef {
                version: SNAPSHOT_VERSION,
                zone_ids: index.zones().iter().map(|z| z.id.as_str()).collect(),
                engine: self.engine.state(),
                vessels: &self.vessels,
                timers: &self.timers,
                candidates: &self.candidates,
            },
        )
    }

    /// A detector from a [`Detector::snapshot`], over the zones, settings and lists given.
    /// Zones are matched by id: a zone that still exists keeps its memberships, dwell
    /// timers and open alerts; alerts open in zones that are gone end, and are returned.
    pub fn restore(
        r: impl std::io::Read,
        index: ZoneIndex,
        cfg: RulesConfig,
        registry: Registry,
        watchlist: Watchlist,
    ) -> Result<(Detector, Vec<AlertUpdate>), String> {
        let state: DetectorState = serde_json::from_reader(r).map_err(|e| e.to_string())?;
        if state.version != SNAPSHOT_VERSION {
            return Err(format!(
                "snapshot version {} (this build reads {SNAPSHOT_VERSION})",
                state.version
            ));
        }
        let mut d = Detector::new(index, cfg, registry, watchlist);
        let old_ids: Vec<&str> = state.zone_ids.iter().map(String::as_str).collect();
        d.engine.restore(state.engine, &old_ids);
        d.vessels = state.vessels;
        d.timers = state.timers;
        d.candidates = state.candidates;
        let mut ended = Vec::new();
        d.remap_rules(&old_ids, &mut ended);
        Ok((d, ended))
    }

    /// Swaps in a new registry and watchlist while running; they apply from the next
    /// report on.
    pub fn replace_lists(&mut self, registry: Registry, watchlist: Watchlist) {
        self.registry = registry;
        self.watchlist = watchlist;
    }

    /// Takes one observation; appends the alert updates it causes, in order.
    pub fn observe(&mut self, o: &Observation, out: &mut Vec<AlertUpdate>) {
        match self.engine.admit(o) {
            Admit::Now => self.take(o, out),
            Admit::Held => {}
            Admit::WithHeld(h) => {
                self.take(&h, out);
                self.take(o, out);
            }
        }
    }

    /// [`Detector::observe`] for each observation of a batch in turn, with the engine
    /// fetching each one's state a few observations ahead ([`crate::engine::Ahead`]).
    pub fn observe_all<'a>(
        &mut self,
        obs: impl Iterator<Item = &'a Observation> + Clone,
        out: &mut Vec<AlertUpdate>,
    ) {
        let mut ahead = crate::engine::Ahead::new(&self.engine, obs.clone());
        for o in obs {
            ahead.fetch(&self.engine);
            self.observe(o, out);
        }
    }

    /// Takes an observation that an [`crate::engine::Gate`] fed the whole stream has
    /// already let through: a partition of the stream, judged as one engine would have.
    pub fn observe_admitted(&mut self, o: &Observation, out: &mut Vec<AlertUpdate>) {
        self.take(o, out);
    }

    /// Moves event time on to `t` with no report: the timers and the engine's gap and
    /// eviction deadlines due by then fire. Where event time comes from elsewhere (the
    /// newest time of the whole stream, when this detector sees a part of it), this keeps
    /// it where a detector fed everything would be.
    pub fn advance(&mut self, t: i64, out: &mut Vec<AlertUpdate>) {
        let from = out.len();
        self.fire_due(t, out);
        let mut events = std::mem::take(&mut self.events);
        events.clear();
        // Sets the watermark; every deadline due by `t` has fired above.
        self.engine.advance_to(t, &mut events);
        for e in &events {
            self.on_event(e, out);
        }
        self.events = events;
        self.count_opened(&out[from..]);
    }

    /// From now on the qualifying stops of `suspected_unlicensed_dock` are collected for
    /// [`Detector::take_spot_stops`] instead of judged here: the rule spans vessels, and
    /// when the vessels are split between engines one place must judge every stop, in
    /// the stream's order ([`docks::Candidates::add`]).
    pub fn export_spot_stops(&mut self) {
        self.spot_stops.get_or_insert_with(Vec::new);
    }

    /// The qualifying stops collected since the last call.
    pub fn take_spot_stops(&mut self) -> Vec<docks::SpotStop> {
        self.spot_stops
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn count_opened(&mut self, updates: &[AlertUpdate]) {
        for u in updates {
            if let AlertUpdate::Opened(a) = u {
                *self.stats.opened.entry(a.kind).or_default() += 1;
            }
        }
    }

    fn take(&mut self, o: &Observation, out: &mut Vec<AlertUpdate>) {
        let t = o.event_time_ms;
        let from = out.len();
        self.fire_due(t, out);
        let prev = self
            .engine
            .vessel(o.mmsi)
            .map(|v| (v.last_fix, v.last_heard_ms));
        self.events.clear();
        self.engine.observe_admitted(o, &mut self.events);
        let events = std::mem::take(&mut self.events);
        for e in &events {
            self.on_event(e, out);
        }
        self.events = events;
        if let Some(v) = self.engine.vessel(o.mmsi) {
            let rv = self.vessels.entry(o.mmsi).or_default();
            let ctx = Ctx {
                cfg: &self.cfg,
                index: self.engine.index(),
                registry: &self.registry,
                watchlist: &self.watchlist,
                v,
                t,
            };
            let (prev_fix, prev_heard) = prev.unwrap_or((None, t));
            gaps::on_report(&ctx, rv, prev_fix, prev_heard, &mut self.timers, out);
            identity::on_report(&ctx, rv, o, out);
            overload::on_report(&ctx, rv, o, out);
            muck::on_voyage(&ctx, rv, o, &mut self.timers, out);
            let new_fix = v
                .last_fix
                .filter(|f| f.time_ms == t && prev_fix != Some(*f));
            if let Some(fix) = new_fix {
                identity::on_fix(&ctx, rv, prev_fix, &fix, out);
                speed::on_fix(&ctx, rv, &fix, out);
                on_stopped(
                    &ctx,
                    rv,
                    &mut self.candidates,
                    self.spot_stops.as_mut(),
                    &mut self.timers,
                    out,
                );
            }
        }
        self.count_opened(&out[from..]);
    }

    /// Fires the rules' timers and the engine's deadlines due at or before `t`, earliest
    /// first (a timer before a deadline due at the same time). Firing in time order makes
    /// the outcome independent of how event time got to `t`: in one step, or report by
    /// report, or (in a cluster) in the steps of a partition of the stream.
    fn fire_due(&mut self, t: i64, out: &mut Vec<AlertUpdate>) {
        loop {
            let timer = self.timers.peek().map(|Reverse((due, _, _))| *due);
            let deadline = self.engine.next_deadline();
            match (timer.filter(|&d| d <= t), deadline.filter(|&d| d <= t)) {
                (Some(a), Some(b)) if b < a => self.fire_deadline(t, out),
                (Some(_), _) => self.fire_timer(out),
                (None, Some(_)) => self.fire_deadline(t, out),
                (None, None) => return,
            }
        }
    }

    /// The engine's earliest deadline (due by `t`), and what the rules make of its event.
    fn fire_deadline(&mut self, t: i64, out: &mut Vec<AlertUpdate>) {
        let mut events = std::mem::take(&mut self.events);
        events.clear();
        self.engine.fire_next_deadline(t, &mut events);
        for e in &events {
            self.on_event(e, out);
        }
        self.events = events;
    }

    /// The earliest rule timer.
    fn fire_timer(&mut self, out: &mut Vec<AlertUpdate>) {
        let Some(Reverse((due, mmsi, kind))) = self.timers.pop() else {
            return;
        };
        let (Some(v), Some(rv)) = (self.engine.vessel(mmsi), self.vessels.get_mut(&mmsi)) else {
            return;
        };
        let ctx = Ctx {
            cfg: &self.cfg,
            index: self.engine.index(),
            registry: &self.registry,
            watchlist: &self.watchlist,
            v,
            t: due,
        };
        match kind {
            TimerKind::Gap => gaps::on_timer(&ctx, rv, due, &mut self.timers, out),
            TimerKind::Unaccounted(since) => muck::on_unaccounted_timer(&ctx, rv, since, out),
        }
    }

    fn on_event(&mut self, e: &Event, out: &mut Vec<AlertUpdate>) {
        if e.kind == EventKind::Evicted {
            // Keep what still has an alert open (a gap that may end), forget the rest.
            if let Some(rv) = self.vessels.get_mut(&e.mmsi) {
                if rv.open.is_empty() {
                    self.vessels.remove(&e.mmsi);
                } else {
                    let open = std::mem::take(&mut rv.open);
                    *rv = RuleVessel {
                        open,
                        ..RuleVessel::default()
                    };
                }
            }
            return;
        }
        let Some(v) = self.engine.vessel(e.mmsi) else {
            return;
        };
        let rv = self.vessels.entry(e.mmsi).or_default();
        let ctx = Ctx {
            cfg: &self.cfg,
            index: self.engine.index(),
            registry: &self.registry,
            watchlist: &self.watchlist,
            v,
            t: e.at_ms,
        };
        match e.kind {
            EventKind::Enter => {
                if let Some(z) = e.zone {
                    watchlist::on_enter(&ctx, rv, z, e, out);
                    muck::on_enter(&ctx, rv, z);
                }
            }
            EventKind::Exit => {
                if let Some(z) = e.zone {
                    watchlist::on_exit(&ctx, rv, z, e, out);
                    muck::on_exit(&ctx, rv, z, e, out);
                    speed::on_exit(&ctx, rv, z, e, out);
                }
            }
            EventKind::StopStart => {
                rv.stop = Some(StopMark {
                    since_ms: e.time_ms,
                    fired: Vec::new(),
                    dock_candidate: false,
                });
            }
            EventKind::StopEnd => {
                for kind in [
                    AlertKind::UnlicensedDockActivity,
                    AlertKind::IllegalBerthing,
                    AlertKind::MuckIllegalDischarge,
                ] {
                    rv.end_kind(e.mmsi, kind, e.time_ms, out);
                }
                rv.stop = None;
            }
            EventKind::Dwell { .. }
            | EventKind::Cross { .. }
            | EventKind::GapStart
            | EventKind::GapEnd
            | EventKind::Evicted => {}
        }
    }
}

/// The rules that look at how long a stopped vessel has stayed, in which zones.
fn on_stopped(
    ctx: &Ctx<'_>,
    rv: &mut RuleVessel,
    candidates: &mut docks::Candidates,
    spot_stops: Option<&mut Vec<docks::SpotStop>>,
    timers: &mut Timers,
    out: &mut Vec<AlertUpdate>,
) {
    let crate::track::StopState::Stopped { since_ms, .. } = ctx.v.stop else {
        return;
    };
    if rv.stop.as_ref().is_none_or(|m| m.since_ms != since_ms) {
        rv.stop = Some(StopMark {
            since_ms,
            fired: Vec::new(),
            dock_candidate: false,
        });
    }
    docks::on_stopped(ctx, rv, since_ms, candidates, spot_stops, out);
    berthing::on_stopped(ctx, rv, since_ms, out);
    muck::on_stopped(ctx, rv, since_ms, timers, out);
}

/// How long the vessel has been both stopped and inside zone `z`, in ms.
fn stopped_inside_ms(ctx: &Ctx<'_>, since_ms: i64, z: ZoneIdx) -> i64 {
    let inside = ctx.v.membership(z).map_or(ctx.t, |m| m.since_ms);
    ctx.t - since_ms.max(inside)
}

fn minutes_ms(m: u32) -> i64 {
    i64::from(m) * 60_000
}

/// Rule timers on event time, earliest first: (due, MMSI, what).
pub(crate) type Timers = BinaryHeap<Reverse<(i64, u32, TimerKind)>>;
