//! [`Engine`]: every vessel's state, advanced by observations on event time, emitting
//! [`Event`]s.
//!
//! Debouncing, so GPS jitter at a boundary never flaps:
//! - A membership change (enter or exit) is confirmed only when the raw answer has held
//!   for [`Config::confirm_fixes`] consecutive fixes spanning [`Config::confirm_ms`]; the
//!   event's `time_ms` is the first of them.
//! - A stopped vessel's memberships are judged at its stop's anchor (the centroid of the
//!   stop's fixes), not at each jittering fix; a slow vessel whose stop is not yet
//!   confirmed, at the centroid of its slow run while that fits the stop box.
//! - A stop starts after two fixes at or below [`Config::stop_sog_kn`] within a run of fixes
//!   none faster than [`Config::stop_hold_kn`], lasting [`Config::stop_confirm_ms`]; or,
//!   for senders without SOG, after [`Config::stop_window_ms`] inside a
//!   [`Config::stop_box_m`] box. It ends only when the vessel moves on: faster than
//!   [`Config::stop_end_kn`] for [`Config::stop_end_ms`], or farther than
//!   [`Config::stop_end_m`] from the anchor.
//!
//! Late and out-of-order reports: a position report older than (or as old as) the
//! vessel's last fix does not move the vessel; it is counted in [`Stats::late`] (or
//! [`Stats::duplicate`]) and its static data is still taken. A report more than
//! [`Config::max_future_ms`] ahead of the newest event time seen (a receiver with a broken
//! clock) is held back and counted in [`Stats::future`], so it cannot declare every other
//! vessel silent; when the next such report agrees with it (within `max_future_ms`), the
//! clock really has moved on (a quiet night on the river) and both are taken, the held
//! one first.
//!
//! ```
//! use geofence::engine::{Config, Engine};
//! use geofence::event::EventKind;
//! use geofence::index::ZoneIndex;
//! use geofence::zone::load_geojson;
//! use ais::Observation;
//!
//! let zones = load_geojson(r#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","id":"dock-1","properties":{"kind":"dock"},"geometry":{"type":"Polygon",
//!    "coordinates":[[[120.0,30.0],[120.002,30.0],[120.002,30.001],[120.0,30.001],[120.0,30.0]]]}}]}"#).zones;
//! let mut engine = Engine::new(ZoneIndex::new(zones), Config::default());
//! let mut events = Vec::new();
//! // A vessel sits in the dock at 0.2 kn for 12 minutes, reporting every 10 s.
//! for k in 0..73 {
//!     let o = Observation {
//!         mmsi: 413000001,
//!         event_time_ms: 1_763_800_000_000 + k * 10_000,
//!         position: Some((120.001, 30.0005)),
//!         sog_kn: Some(0.2),
//!         ..Observation::default()
//!     };
//!     engine.observe(&o, &mut events);
//! }
//! let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
//! assert_eq!(kinds, [EventKind::Enter, EventKind::StopStart, EventKind::Dwell { minutes: 10 }]);
//! // The visit began at the first fix inside, the stop at the first slow fix.
//! assert_eq!(events[0].time_ms, 1_763_800_000_000);
//! assert_eq!(events[1].time_ms, 1_763_800_000_000);
//! assert_eq!(events[2].time_ms, 1_763_800_000_000 + 600_000);
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use ais::Observation;

use crate::event::{Event, EventKind};
use crate::fleet::Fleet;
use crate::index::{ZoneIdx, ZoneIndex};
use crate::track::{Fix, LastLookup, Membership, Pending, Run, Statics, StopState, Vessel, metres};

/// Thresholds; every one has a default.
#[derive(Debug, Clone)]
pub struct Config {
    pub confirm_fixes: u16,
    pub confirm_ms: i64,
    /// Dwell thresholds in minutes (at most 32), each reported once per visit.
    pub dwell_minutes: Vec<u32>,
    pub stop_sog_kn: f64,
    pub stop_hold_kn: f64,
    pub stop_confirm_ms: i64,
    pub stop_box_m: f64,
    pub stop_window_ms: i64,
    pub stop_end_kn: f64,
    pub stop_end_ms: i64,
    pub stop_end_m: f64,
    /// A stopped vessel's zones are looked up again once its anchor has moved this far.
    pub anchor_slack_m: f64,
    pub gap_ms: i64,
    pub evict_ms: i64,
    pub history_len: usize,
    pub history_step_ms: i64,
    pub max_future_ms: i64,
    /// Test every zone instead of asking the R-tree: the oracle the tests compare with.
    pub brute_force: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            confirm_fixes: 2,
            confirm_ms: 20_000,
            dwell_minutes: vec![10],
            stop_sog_kn: 0.5,
            stop_hold_kn: 1.0,
            stop_confirm_ms: 60_000,
            stop_box_m: 50.0,
            stop_window_ms: 300_000,
            stop_end_kn: 1.5,
            stop_end_ms: 30_000,
            stop_end_m: 250.0,
            anchor_slack_m: 2.0,
            gap_ms: 10 * 60_000,
            evict_ms: 6 * 3_600_000,
            history_len: 256,
            history_step_ms: 30_000,
            max_future_ms: 3_600_000,
            brute_force: false,
        }
    }
}

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub observations: u64,
    pub fixes: u64,
    pub late: u64,
    pub duplicate: u64,
    pub future: u64,
    pub evicted: u64,
    /// Zone lookups made; the other fixes were answered by a stopped vessel's last lookup.
    pub lookups: u64,
}

/// The geofence engine.
#[derive(Debug)]
pub struct Engine {
    index: Arc<ZoneIndex>,
    config: Config,
    vessels: Fleet,
    /// Gap and eviction deadlines, earliest first; stale entries are re-filed when popped.
    deadlines: BinaryHeap<Reverse<(i64, u32)>>,
    watermark: Option<i64>,
    /// The last report judged too far ahead, until another agrees with it.
    held: Option<Box<Observation>>,
    stats: Stats,
    raw: Vec<ZoneIdx>,
}

/// What to do with an observation: see [`Engine::admit`].
#[derive(Debug, Clone, PartialEq)]
pub enum Admit {
    /// Take it now.
    Now,
    /// Too far ahead of every other report: held back.
    Held,
    /// It confirms the held report: take that one first, then this one.
    WithHeld(Box<Observation>),
}

/// An engine's state as a snapshot writes it.
#[derive(Debug, serde::Serialize)]
pub(crate) struct EngineStateRef<'a> {
    vessels: &'a Fleet,
    deadlines: &'a BinaryHeap<Reverse<(i64, u32)>>,
    watermark: Option<i64>,
    held: &'a Option<Box<Observation>>,
    stats: &'a Stats,
}

/// An engine's state as a snapshot reads it back.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct EngineState {
    vessels: Fleet,
    deadlines: BinaryHeap<Reverse<(i64, u32)>>,
    watermark: Option<i64>,
    held: Option<Box<Observation>>,
    stats: Stats,
}

impl Engine {
    pub fn new(index: ZoneIndex, config: Config) -> Engine {
        Engine {
            index: Arc::new(index),
            config,
            vessels: Fleet::default(),
            deadlines: BinaryHeap::new(),
            watermark: None,
            held: None,
            stats: Stats::default(),
            raw: Vec::new(),
        }
    }

    pub fn index(&self) -> &Arc<ZoneIndex> {
        &self.index
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn vessel(&self, mmsi: u32) -> Option<&Vessel> {
        self.vessels.get(mmsi)
    }

    pub fn vessels(&self) -> impl Iterator<Item = &Vessel> {
        self.vessels.iter()
    }

    /// How many vessels are tracked (without walking them).
    pub fn vessel_count(&self) -> usize {
        self.vessels.len()
    }

    /// The newest event time seen.
    pub fn watermark(&self) -> Option<i64> {
        self.watermark
    }

    /// Swaps in a new zone set. Vessels keep their state; a zone that still exists (same
    /// id) keeps its memberships and dwell timers; memberships of zones that are gone are
    /// dropped without an event.
    pub fn replace_index(&mut self, index: ZoneIndex) {
        let old = std::mem::replace(&mut self.index, Arc::new(index));
        let old_ids: Vec<&str> = old.zones().iter().map(|z| z.id.as_str()).collect();
        self.remap_zones(&old_ids);
    }

    /// Renumbers memberships held under the zone order `old_ids` to the current index.
    fn remap_zones(&mut self, old_ids: &[&str]) {
        let index = self.index.clone();
        let remap = index.renumbering(old_ids);
        for v in self.vessels.iter_mut() {
            // Indices change with the zone set: look up again.
            v.last_lookup = None;
            v.zones
                .retain_mut(|m| remap(m.zone).map(|n| m.zone = n).is_some());
            v.zones.sort_by_key(|m| m.zone);
            v.pending
                .retain_mut(|p| remap(p.zone).map(|n| p.zone = n).is_some());
        }
    }

    /// The engine's state for a snapshot: everything but the zones and the settings.
    pub(crate) fn state(&self) -> EngineStateRef<'_> {
        EngineStateRef {
            vessels: &self.vessels,
            deadlines: &self.deadlines,
            watermark: self.watermark,
            held: &self.held,
            stats: &self.stats,
        }
    }

    /// Takes a snapshot's state; its zone indices were numbered in the order `old_ids`.
    pub(crate) fn restore(&mut self, state: EngineState, old_ids: &[&str]) {
        self.vessels = state.vessels;
        self.deadlines = state.deadlines;
        self.watermark = state.watermark;
        self.held = state.held;
        self.stats = state.stats;
        self.remap_zones(old_ids);
    }

    /// Moves event time on to `t_ms`: reports gaps and evicts silent vessels.
    pub fn advance_to(&mut self, t_ms: i64, out: &mut Vec<Event>) {
        if self.watermark.is_some_and(|w| t_ms <= w) {
            return;
        }
        while self.fire_next_deadline(t_ms, out) {}
        self.watermark = Some(t_ms);
    }

    /// When the earliest gap or eviction deadline falls (it may turn out stale).
    pub fn next_deadline(&self) -> Option<i64> {
        self.deadlines.peek().map(|Reverse((due, _))| *due)
    }

    /// Handles the earliest deadline if it falls at or before `t_ms`: a gap starts, a
    /// silent vessel is evicted, or a stale deadline is filed again. False when none is
    /// due. Handling deadlines one at a time lets [`crate::rules::Detector`] interleave
    /// them with its own timers in time order.
    pub fn fire_next_deadline(&mut self, t_ms: i64, out: &mut Vec<Event>) -> bool {
        let Some(&Reverse((due, mmsi))) = self.deadlines.peek() else {
            return false;
        };
        if due > t_ms {
            return false;
        }
        self.deadlines.pop();
        let Some(v) = self.vessels.get_mut(mmsi) else {
            return true;
        };
        let next = if v.in_gap {
            v.last_heard_ms + self.config.evict_ms
        } else {
            v.last_heard_ms + self.config.gap_ms
        };
        if next > due {
            // Heard since this deadline was filed.
            self.deadlines.push(Reverse((next, mmsi)));
            return true;
        }
        let position = v.last_fix.map(|f| f.position());
        let event = |kind| Event {
            mmsi,
            kind,
            zone: None,
            time_ms: v.last_heard_ms,
            at_ms: due,
            position,
        };
        if v.in_gap {
            out.push(event(EventKind::Evicted));
            self.vessels.remove(mmsi);
            self.stats.evicted += 1;
        } else {
            out.push(event(EventKind::GapStart));
            v.in_gap = true;
            // Nothing is confirmed across silence: pending zone changes and a run
            // that might have become a stop start again after the gap.
            v.pending.clear();
            if let StopState::Moving { run } = &mut v.stop {
                *run = None;
            }
            self.deadlines
                .push(Reverse((v.last_heard_ms + self.config.evict_ms, mmsi)));
        }
        true
    }

    /// Judges an observation's time against the newest seen (the module's late and
    /// future policy); the caller then passes what is to be taken to
    /// [`Engine::observe_admitted`]. [`Engine::observe`] does both.
    pub fn admit(&mut self, o: &Observation) -> Admit {
        let (admit, future) = judge(&mut self.held, self.watermark, self.config.max_future_ms, o);
        self.stats.future = self.stats.future.saturating_add_signed(future);
        admit
    }

    /// Takes one observation; appends the events it causes, in order.
    pub fn observe(&mut self, o: &Observation, out: &mut Vec<Event>) {
        match self.admit(o) {
            Admit::Now => self.observe_admitted(o, out),
            Admit::Held => {}
            Admit::WithHeld(h) => {
                self.observe_admitted(&h, out);
                self.observe_admitted(o, out);
            }
        }
    }

    /// [`Engine::observe`] for each observation in turn, fetching what each will read a
    /// few observations ahead: with 50 k vessels the state of the next one is never in
    /// cache, and an update spent most of its time waiting on memory.
    pub fn observe_all<'a>(
        &mut self,
        obs: impl Iterator<Item = &'a Observation> + Clone,
        out: &mut Vec<Event>,
    ) {
        let mut ahead = Ahead::new(self, obs.clone());
        for o in obs {
            ahead.fetch(self);
            self.observe(o, out);
        }
    }

    /// Asks the memory system for what observing `o` will read (its vessel's state, the
    /// index cell at its position), so that a caller holding a batch can overlap those
    /// cache misses with the work on the observations before it.
    #[inline]
    fn prefetch(&self, o: &Observation) {
        if let Some(v) = self.vessels.get(o.mmsi) {
            prefetch_lines(v);
        }
        if let Some((x, y)) = o.position {
            self.index.prefetch(x, y);
        }
    }

    /// The second step of [`Engine::prefetch`], nearer the observation: what the first
    /// step's lines point to (the vessel's recent track and zones, the cell's entries).
    #[inline]
    fn prefetch_more(&self, o: &Observation) {
        let v = self.vessels.get(o.mmsi);
        if let Some(v) = v {
            if let Some(f) = v.history.last() {
                prefetch((f as *const Fix).cast());
            }
            if let Some(m) = v.zones.first() {
                prefetch((m as *const Membership).cast());
            }
        }
        if let Some((x, y)) = o.position
            && v.is_none_or(|v| self.may_look_up(v, x, y))
        {
            self.index.prefetch_entries(x, y);
        }
    }

    /// A guess, for fetching ahead only, at whether a fix at (x, y) will make `v` look
    /// the index up: most reports are answered by the vessel's last lookup, and fetching
    /// cells for them only pushes other lines out of cache (measured, 100 k zones, medians
    /// of 6 interleaved runs: 3.01-3.04 -> 3.15-3.25 M updates/s; 1 k zones unchanged).
    #[inline]
    fn may_look_up(&self, v: &Vessel, x: f64, y: f64) -> bool {
        match &v.last_lookup {
            None => true,
            Some(l) if l.anchored && v.stop.is_stopped() => false,
            Some(l) => !l.key.is_some_and(|k| k.holds(self.index.spot(x, y))),
        }
    }

    /// Takes an observation [`Engine::admit`] let through.
    pub fn observe_admitted(&mut self, o: &Observation, out: &mut Vec<Event>) {
        self.stats.observations += 1;
        let t = o.event_time_ms;
        self.advance_to(t, out);
        let cfg = &self.config;
        let (v, new) = self.vessels.get_or_insert_with(o.mmsi, || {
            Vessel::new(o.mmsi, t, cfg.history_len, cfg.history_step_ms)
        });
        if new {
            self.deadlines.push(Reverse((t + cfg.gap_ms, o.mmsi)));
        }
        if v.in_gap && t > v.last_heard_ms {
            v.in_gap = false;
            out.push(Event {
                mmsi: v.mmsi,
                kind: EventKind::GapEnd,
                zone: None,
                time_ms: t,
                at_ms: t,
                position: o.position,
            });
            self.deadlines.push(Reverse((t + cfg.gap_ms, o.mmsi)));
        }
        v.last_heard_ms = v.last_heard_ms.max(t);
        if o.static_data.is_some() || o.voyage.is_some() || o.persons_on_board.is_some() {
            v.statics
                .get_or_insert_with(Box::<Statics>::default)
                .update(o);
        }
        let Some((lon, lat)) = o.position else {
            return;
        };
        if let Some(last) = v.last_fix
            && t <= last.time_ms
        {
            if t < last.time_ms {
                self.stats.late += 1;
            } else {
                self.stats.duplicate += 1;
            }
            return;
        }
        self.stats.fixes += 1;
        let fix = Fix {
            time_ms: t,
            lon,
            lat,
            sog_kn: o.sog_kn.map_or(f32::NAN, |s| s as f32),
            cog_deg: o.cog_deg.map_or(f32::NAN, |c| c as f32),
        };
        let index = &*self.index;
        let prev = v.last_fix;
        if let Some(p) = prev {
            let dt_h = (t - p.time_ms) as f64 / 3_600_000.0;
            v.derived_kn = (metres(p.position(), fix.position()) / 1852.0 / dt_h) as f32;
            let crossed = if cfg.brute_force {
                index.crossings_brute(p.position(), fix.position())
            } else {
                index.crossings(p.position(), fix.position())
            };
            for (zone, direction) in crossed {
                out.push(Event {
                    mmsi: v.mmsi,
                    kind: EventKind::Cross { direction },
                    zone: Some(zone),
                    time_ms: t,
                    at_ms: t,
                    position: Some(fix.position()),
                });
            }
        }
        update_stop(cfg, v, &fix, out);
        // A stopped vessel is judged at its anchor, so jitter cannot flap its zones; while
        // the anchor stays within `anchor_slack_m`, the last answer stands.
        let anchor = v.stop.anchor();
        let at = anchor
            .or_else(|| settling_at(cfg, &v.stop))
            .unwrap_or(fix.position());
        self.raw.clear();
        // The brute-force oracle has no grid, so no keys: it looks up every time.
        let spot = (!cfg.brute_force).then(|| index.spot(at.0, at.1));
        match &mut v.last_lookup {
            Some(l) if anchor.is_some() && l.anchored && metres(l.at, at) <= cfg.anchor_slack_m => {
                self.raw.extend_from_slice(l.zones());
            }
            // The index would answer the same here: as good as a lookup at `at`.
            Some(l) if spot.is_some_and(|s| l.key.is_some_and(|k| k.holds(s))) => {
                self.raw.extend_from_slice(l.zones());
                l.at = at;
                l.anchored = anchor.is_some();
            }
            _ => {
                self.stats.lookups += 1;
                let key = if cfg.brute_force {
                    index.lookup_brute_into(at.0, at.1, &mut self.raw);
                    None
                } else {
                    index.lookup_keyed_into(at.0, at.1, &mut self.raw)
                };
                v.last_lookup = LastLookup::new(at, key, anchor.is_some(), &self.raw);
            }
        }
        update_zones(cfg, v, &self.raw, &fix, out);
        v.history.push(fix);
        v.last_fix = Some(fix);
    }
}

/// Where a slow vessel that is not yet stopped is judged: the centroid of its run while
/// the run is slow and fits the stop box, so jitter before a stop is confirmed cannot flap
/// its zones either. A vessel that moves on leaves the box and is judged at its fixes.
fn settling_at(cfg: &Config, stop: &StopState) -> Option<(f64, f64)> {
    match stop {
        StopState::Moving { run: Some(r) }
            if r.slow > 0 && metres(r.min, r.max) <= cfg.stop_box_m =>
        {
            Some((r.sum_lon / f64::from(r.n), r.sum_lat / f64::from(r.n)))
        }
        _ => None,
    }
}

fn update_stop(cfg: &Config, v: &mut Vessel, f: &Fix, out: &mut Vec<Event>) {
    let speed = f
        .sog()
        .or((!v.derived_kn.is_nan()).then_some(f64::from(v.derived_kn)));
    let pos = f.position();
    let t = f.time_ms;
    match &mut v.stop {
        StopState::Moving { run } => {
            let slow = speed.is_some_and(|s| s <= cfg.stop_sog_kn);
            let hold = speed.is_some_and(|s| s <= cfg.stop_hold_kn);
            let continued = run.as_mut().and_then(|r| {
                let min = (r.min.0.min(pos.0), r.min.1.min(pos.1));
                let max = (r.max.0.max(pos.0), r.max.1.max(pos.1));
                let boxed = metres(min, max) <= cfg.stop_box_m;
                (hold || boxed).then(|| {
                    r.min = min;
                    r.max = max;
                    r.sum_lon += pos.0;
                    r.sum_lat += pos.1;
                    r.n += 1;
                    if slow {
                        if r.slow == 0 {
                            r.start_ms = t;
                            r.start_pos = pos;
                        }
                        r.slow = r.slow.saturating_add(1);
                    }
                    *r
                })
            });
            let r = match continued {
                Some(r) => r,
                None => {
                    let fresh = Run {
                        start_ms: t,
                        start_pos: pos,
                        slow: u16::from(slow),
                        min: pos,
                        max: pos,
                        sum_lon: pos.0,
                        sum_lat: pos.1,
                        n: 1,
                    };
                    *run = Some(fresh);
                    fresh
                }
            };
            let boxed = metres(r.min, r.max) <= cfg.stop_box_m;
            let by_speed = r.slow >= 2 && t - r.start_ms >= cfg.stop_confirm_ms;
            // Without SOG, the run's start is the first fix of the box.
            let by_box = boxed && t - r.start_ms >= cfg.stop_window_ms;
            if by_speed || by_box {
                v.stop = StopState::Stopped {
                    since_ms: r.start_ms,
                    sum_lon: r.sum_lon,
                    sum_lat: r.sum_lat,
                    n: r.n,
                    fast_since_ms: None,
                };
                out.push(Event {
                    mmsi: v.mmsi,
                    kind: EventKind::StopStart,
                    zone: None,
                    time_ms: r.start_ms,
                    at_ms: t,
                    position: v.stop.anchor(),
                });
            }
        }
        StopState::Stopped {
            sum_lon,
            sum_lat,
            n,
            fast_since_ms,
            ..
        } => {
            let anchor = (*sum_lon / f64::from(*n), *sum_lat / f64::from(*n));
            let far = metres(anchor, pos) > cfg.stop_end_m;
            let fast = speed.is_some_and(|s| s > cfg.stop_end_kn);
            let ended = if far {
                Some(fast_since_ms.unwrap_or(t))
            } else if fast {
                let since = *fast_since_ms.get_or_insert(t);
                (t - since >= cfg.stop_end_ms).then_some(since)
            } else {
                *fast_since_ms = None;
                *sum_lon += pos.0;
                *sum_lat += pos.1;
                *n += 1;
                None
            };
            if let Some(since) = ended {
                out.push(Event {
                    mmsi: v.mmsi,
                    kind: EventKind::StopEnd,
                    zone: None,
                    time_ms: since,
                    at_ms: t,
                    position: Some(anchor),
                });
                v.stop = StopState::Moving { run: None };
            }
        }
    }
}

/// Applies one fix's raw zone set (sorted) to the vessel's confirmed memberships.
fn update_zones(cfg: &Config, v: &mut Vessel, raw: &[ZoneIdx], f: &Fix, out: &mut Vec<Event>) {
    let t = f.time_ms;
    let mmsi = v.mmsi;
    // Walk raw, members and pending together, in zone order.
    let mut k_raw = 0;
    let mut k_mem = 0;
    let mut new_pending: Vec<Pending> = Vec::new();
    let mut entered: Vec<Membership> = Vec::new();
    let mut left: Vec<ZoneIdx> = Vec::new();
    loop {
        let zr = raw.get(k_raw).copied();
        let zm = v.zones.get(k_mem).map(|m| m.zone);
        let z = match (zr, zm) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let inside = zr == Some(z);
        let member = zm == Some(z);
        k_raw += usize::from(inside);
        k_mem += usize::from(member);
        if inside == member {
            continue;
        }
        let mut p = v
            .pending
            .iter()
            .find(|p| p.zone == z && p.entering == inside)
            .copied()
            .unwrap_or(Pending {
                zone: z,
                entering: inside,
                first_ms: t,
                first_pos: f.position(),
                fixes: 0,
            });
        p.fixes = p.fixes.saturating_add(1);
        if p.fixes >= cfg.confirm_fixes && t - p.first_ms >= cfg.confirm_ms {
            let kind = if inside {
                entered.push(Membership {
                    zone: z,
                    since_ms: p.first_ms,
                    dwell_fired: 0,
                });
                EventKind::Enter
            } else {
                left.push(z);
                EventKind::Exit
            };
            out.push(Event {
                mmsi,
                kind,
                zone: Some(z),
                time_ms: p.first_ms,
                at_ms: t,
                position: Some(p.first_pos),
            });
        } else {
            new_pending.push(p);
        }
    }
    // Pending changes not seen again on this fix lapse: the raw answer went back.
    v.pending = new_pending;
    if !left.is_empty() {
        v.zones.retain(|m| !left.contains(&m.zone));
    }
    if !entered.is_empty() {
        v.zones.extend(entered);
        v.zones.sort_by_key(|m| m.zone);
    }
    for m in &mut v.zones {
        for (k, &minutes) in cfg.dwell_minutes.iter().enumerate().take(32) {
            let due = m.since_ms + i64::from(minutes) * 60_000;
            if m.dwell_fired & (1 << k) == 0 && t >= due {
                m.dwell_fired |= 1 << k;
                out.push(Event {
                    mmsi,
                    kind: EventKind::Dwell { minutes },
                    zone: Some(m.zone),
                    time_ms: due,
                    at_ms: t,
                    position: Some(f.position()),
                });
            }
        }
    }
}

/// The late and future policy alone, for a process that passes observations on to engines
/// elsewhere (`riverwatch ingest`): it judges every observation exactly as one
/// [`Engine`] fed the whole stream would, so engines that each take a part of the stream
/// (and skip their own judging) see what a single engine would have taken.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Gate {
    watermark: Option<i64>,
    held: Option<Box<Observation>>,
    max_future_ms: i64,
}

impl Gate {
    pub fn new(config: &Config) -> Gate {
        Gate {
            watermark: None,
            held: None,
            max_future_ms: config.max_future_ms,
        }
    }

    /// The newest event time taken so far: what an engine's watermark would be.
    pub fn watermark(&self) -> Option<i64> {
        self.watermark
    }

    /// Judges `o` as [`Engine::admit`] does; whatever it lets through counts as taken.
    pub fn admit(&mut self, o: &Observation) -> Admit {
        let (admit, _) = judge(&mut self.held, self.watermark, self.max_future_ms, o);
        let mut take = |t: i64| self.watermark = Some(self.watermark.map_or(t, |w| w.max(t)));
        match &admit {
            Admit::Now => take(o.event_time_ms),
            Admit::Held => {}
            Admit::WithHeld(h) => {
                take(h.event_time_ms);
                take(o.event_time_ms);
            }
        }
        admit
    }
}

/// The late and future policy: a report too far ahead of the newest seen is held until
/// another agrees with it. Returns the verdict and the change in held reports.
fn judge(
    held: &mut Option<Box<Observation>>,
    watermark: Option<i64>,
    max: i64,
    o: &Observation,
) -> (Admit, i64) {
    let t = o.event_time_ms;
    if watermark.is_none_or(|w| t <= w.saturating_add(max)) {
        return (Admit::Now, 0);
    }
    match held.take() {
        Some(h) if (t - h.event_time_ms).abs() <= max => (Admit::WithHeld(h), -1),
        _ => {
            *held = Some(Box::new(o.clone()));
            (Admit::Held, 1)
        }
    }
}

/// The look-ahead of a batch: the reports themselves `REPORTS` ahead, the vessel's state
/// and the index cell `FAR` ahead, then what those point to `NEAR` ahead, once they have
/// arrived. Measured on the streaming bench (50 k vessels, 1 k-100 k zones): 4, 8 and 16
/// ahead all gain 25-40 %; 8 and 3 gave the flattest figures. The reports (280 bytes each,
/// a 14 MB batch) were left to the hardware prefetcher until a build where reading them
/// 8 ahead stalled: fetching them 16 ahead took that build from 3.49 to 3.76 M updates/s
/// at 1 k zones and 2.81 to 3.33 M at 100 k (medians of 4 interleaved runs).
///
/// A small fleet's states stay in cache, and there fetching ahead only costs: below
/// `FLEET` vessels it is off (replaying 29 days of the demo river, 6.9 M sentences, took
/// 3.57-3.76 s instead of 4.09-4.48 s in 5 interleaved runs each, the same 19 alerts).
#[derive(Debug, Clone)]
pub struct Ahead<I> {
    on: bool,
    reports: I,
    far: I,
    near: I,
}

impl<'a, I: Iterator<Item = &'a Observation> + Clone> Ahead<I> {
    const REPORTS: usize = 16;
    const FAR: usize = 8;
    const NEAR: usize = 3;
    /// About as many vessel states as fill the L2 cache of one core (2 MB here).
    const FLEET: usize = 4096;

    /// Ahead of a batch's first observation, for `engine`.
    pub fn new(engine: &Engine, obs: I) -> Self {
        let mut reports = obs.clone();
        let mut far = obs.clone();
        let mut near = obs;
        // `nth(n - 1)` skips n.
        reports.nth(Self::REPORTS - 1);
        far.nth(Self::FAR - 1);
        near.nth(Self::NEAR - 1);
        Ahead {
            on: engine.vessels.len() >= Self::FLEET,
            reports,
            far,
            near,
        }
    }

    /// Call once before each observation of the batch is taken.
    #[inline]
    pub fn fetch(&mut self, engine: &Engine) {
        if !self.on {
            return;
        }
        if let Some(o) = self.reports.next() {
            prefetch_lines(o);
        }
        if let Some(o) = self.far.next() {
            engine.prefetch(o);
        }
        if let Some(o) = self.near.next() {
            engine.prefetch_more(o);
        }
    }
}

/// [`prefetch`] for every cache line `v` spans (it need not start on one).
#[inline(always)]
fn prefetch_lines<T>(v: &T) {
    let p = (v as *const T).cast::<u8>();
    let skew = p as usize % 64;
    for k in (0..skew + std::mem::size_of::<T>()).step_by(64) {
        prefetch(p.wrapping_sub(skew).wrapping_add(k));
    }
}

/// A hint to fetch the cache line at `p`; never faults, never changes a result.
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it reads nothing into the program and cannot fault,
    // whatever the address.
    #[allow(unsafe_code)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
