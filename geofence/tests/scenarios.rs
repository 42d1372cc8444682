//! Scenarios from the river: what a slow vessel at a dock edge and a creeping vessel past
//! a row of docks must (and must not) produce.

use ais::Observation;
use geofence::engine::{Config, Engine};
use geofence::event::{Event, EventKind};
use geofence::index::ZoneIndex;
use geofence::zone::load_geojson;

const T0: i64 = 1_763_800_000_000;
/// Degrees per metre at latitude 30.
const DEG_LAT: f64 = 1.0 / 111_000.0;
const DEG_LON: f64 = 1.0 / 96_100.0;

/// A deterministic pseudo-random sequence in [0, 1) (xorshift): jitter without a clock.
struct Jitter(u64);
impl Jitter {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A dock: a rectangle `len_m` long (east) and `depth_m` deep (south of y0).
fn dock(id: &str, x0: f64, y0: f64, len_m: f64, depth_m: f64) -> String {
    let x1 = x0 + len_m * DEG_LON;
    let y1 = y0 - depth_m * DEG_LAT;
    format!(
        r#"{{"type":"Feature","id":"{id}","properties":{{"kind":"dock"}},"geometry":{{"type":"Polygon",
        "coordinates":[[[{x0},{y1}],[{x1},{y1}],[{x1},{y0}],[{x0},{y0}],[{x0},{y1}]]]}}}}"#
    )
}

fn engine(features: &[String]) -> Engine {
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    let loaded = load_geojson(&text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Engine::new(ZoneIndex::new(loaded.zones), Config::default())
}

fn count(events: &[Event], kind: &str) -> usize {
    events.iter().filter(|e| e.kind.name() == kind).count()
}

#[test]
fn drifting_along_a_dock_edge_is_one_stop_and_one_dwell() {
    // A 400 m dock whose north edge is the waterline; the vessel lies alongside, its
    // antenna 8 m inside the edge, drifting east at 0.3-0.7 kn for 16 minutes. GPS jitter
    // of +-12 m carries raw fixes across the edge again and again.
    let (x0, y0) = (120.0, 30.0);
    let mut e = engine(&[dock("dock-7", x0, y0, 400.0, 40.0)]);
    let index = e.index().clone();
    let mut j = Jitter(0x9E37_79B9_7F4A_7C15);
    let mut events = Vec::new();
    let (mut x_m, mut raw_flips, mut last_inside) = (20.0, 0, None);
    let mut first_slow = None;
    for k in 0..100 {
        let sog = 0.3 + 0.4 * j.next();
        let sog_sent = (sog * 10.0).round() / 10.0;
        if sog_sent <= 0.5 && first_slow.is_none() {
            first_slow = Some(T0 + k * 10_000);
        }
        x_m += sog * 1852.0 / 360.0; // metres in 10 s
        let lon = x0 + (x_m + 24.0 * (j.next() - 0.5)) * DEG_LON;
        let lat = y0 - (8.0 + 24.0 * (j.next() - 0.5)) * DEG_LAT;
        let inside = index.zones_at(lon, lat).count() == 1;
        raw_flips += usize::from(last_inside.is_some_and(|l| l != inside));
        last_inside = Some(inside);
        let o = Observation {
            mmsi: 413_000_007,
            event_time_ms: T0 + k * 10_000,
            position: Some((lon, lat)),
            sog_kn: Some(sog_sent),
            ..Observation::default()
        };
        e.observe(&o, &mut events);
    }
    assert!(
        raw_flips >= 20,
        "the jitter must cross the edge often: {raw_flips} raw flips"
    );
    let names: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(names, ["enter", "stop_start", "dwell"], "{events:#?}");
    assert!(matches!(events[2].kind, EventKind::Dwell { minutes: 10 }));
    // The stop starts at the first slow fix, not when it was confirmed.
    assert_eq!(Some(events[1].time_ms), first_slow);
}

#[test]
fn creeping_at_one_knot_past_ten_docks_is_no_stop() {
    // Ten docks 500 m apart along a 5 km stretch; the vessel creeps along the bank at
    // 0.8-1.2 kn right over their outer edges.
    let (x0, y0) = (120.0, 30.0);
    let docks: Vec<String> = (0..10)
        .map(|k| {
            dock(
                &format!("dock-{k}"),
                x0 + (k as f64 * 500.0 + 100.0) * DEG_LON,
                y0,
                150.0,
                40.0,
            )
        })
        .collect();
    let mut e = engine(&docks);
    let mut j = Jitter(42);
    let mut events = Vec::new();
    let mut x_m = 0.0;
    let mut k = 0;
    while x_m < 5_000.0 {
        let sog = 0.8 + 0.4 * j.next();
        x_m += sog * 1852.0 / 360.0;
        let lon = x0 + (x_m + 10.0 * (j.next() - 0.5)) * DEG_LON;
        let lat = y0 - (15.0 + 10.0 * (j.next() - 0.5)) * DEG_LAT;
        let o = Observation {
            mmsi: 413_000_008,
            event_time_ms: T0 + k * 10_000,
            position: Some((lon, lat)),
            sog_kn: Some((sog * 10.0).round() / 10.0),
            ..Observation::default()
        };
        e.observe(&o, &mut events);
        k += 1;
    }
    assert_eq!(count(&events, "stop_start"), 0, "{events:#?}");
    // It does visit each dock once, without flapping.
    assert_eq!(count(&events, "enter"), 10);
    assert_eq!(count(&events, "exit"), 10);
    assert_eq!(count(&events, "dwell"), 0);
}

#[test]
fn silence_is_a_gap_then_an_eviction_and_late_reports_do_not_move_the_vessel() {
    let mut e = engine(&[dock("dock-1", 120.0, 30.0, 200.0, 40.0)]);
    let mut events = Vec::new();
    let at = |mmsi, t, x| Observation {
        mmsi,
        event_time_ms: t,
        position: Some((x, 29.9999)),
        sog_kn: Some(5.0),
        ..Observation::default()
    };
    e.observe(&at(1, T0, 120.001), &mut events);
    // Another vessel keeps event time moving: 15 minutes later, vessel 1 is in a gap.
    e.observe(&at(2, T0 + 15 * 60_000, 121.0), &mut events);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::GapStart);
    assert_eq!((events[0].mmsi, events[0].time_ms), (1, T0));
    assert_eq!(events[0].at_ms, T0 + 10 * 60_000);
    // A late report of vessel 2 is counted, not applied.
    e.observe(&at(2, T0 + 14 * 60_000, 121.5), &mut events);
    assert_eq!(e.stats().late, 1);
    assert_eq!(
        e.vessel(2).and_then(|v| v.last_fix).map(|f| f.lon),
        Some(121.0)
    );
    // Vessel 1 is heard again.
    e.observe(&at(1, T0 + 16 * 60_000, 120.001), &mut events);
    assert_eq!(events.last().map(|e| e.kind), Some(EventKind::GapEnd));
    // A clock 2 h ahead is ignored; 7 h of real silence evicts both.
    e.observe(&at(2, T0 + 3 * 3_600_000, 121.0), &mut events);
    assert_eq!(e.stats().future, 1);
    e.advance_to(T0 + 7 * 3_600_000, &mut events);
    let tail: Vec<(&str, u32)> = events[events.len() - 4..]
        .iter()
        .map(|e| (e.kind.name(), e.mmsi))
        .collect();
    assert_eq!(
        tail,
        [
            ("gap_start", 2),
            ("gap_start", 1),
            ("evicted", 2),
            ("evicted", 1)
        ]
    );
    assert!(e.vessel(1).is_none() && e.vessel(2).is_none());
}

#[test]
fn a_new_zone_set_keeps_dwell_timers_of_zones_that_still_exist() {
    let mut e = engine(&[
        dock("dock-1", 120.0, 30.0, 200.0, 40.0),
        dock("dock-2", 120.01, 30.0, 200.0, 40.0),
    ]);
    let mut events = Vec::new();
    let o = |k: i64| Observation {
        mmsi: 5,
        event_time_ms: T0 + k * 10_000,
        position: Some((120.001, 29.9999)),
        sog_kn: Some(0.0),
        ..Observation::default()
    };
    for k in 0..30 {
        e.observe(&o(k), &mut events);
    }
    assert_eq!(count(&events, "enter"), 1);
    // dock-2 goes, dock-1 moves to another index position and a new zone comes first.
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        dock("dock-0", 121.0, 30.0, 100.0, 40.0),
        dock("dock-1", 120.0, 30.0, 200.0, 40.0)
    );
    e.replace_index(ZoneIndex::new(load_geojson(&text).zones));
    for k in 30..70 {
        e.observe(&o(k), &mut events);
    }
    // No second enter; the dwell counts from the first fix, 10 minutes after T0.
    assert_eq!(count(&events, "enter"), 1);
    let dwell = events
        .iter()
        .find(|e| e.kind.name() == "dwell")
        .expect("a dwell");
    assert_eq!(dwell.time_ms, T0 + 600_000);
    assert_eq!(e.index().zone(dwell.zone.unwrap()).id, "dock-1");
}

#[test]
fn one_report_far_ahead_is_held_until_another_agrees() {
    let mut e = engine(&[dock("dock-1", 120.0, 30.0, 200.0, 40.0)]);
    let mut events = Vec::new();
    let at = |mmsi, t, x| Observation {
        mmsi,
        event_time_ms: t,
        position: Some((x, 29.9999)),
        sog_kn: Some(5.0),
        ..Observation::default()
    };
    e.observe(&at(1, T0, 120.001), &mut events);
    // A corrupt clock: a year ahead, then time goes on as before.
    e.observe(&at(2, T0 + 365 * 86_400_000, 121.0), &mut events);
    e.observe(&at(1, T0 + 60_000, 120.002), &mut events);
    assert_eq!(e.stats().future, 1);
    assert_eq!(e.watermark(), Some(T0 + 60_000));
    assert!(e.vessel(2).is_none());
    // A quiet night: vessel 1 is next heard 8 h later, twice. The first report is held,
    // the second confirms the clock moved on, and both count, in order.
    e.observe(&at(1, T0 + 8 * 3_600_000, 120.003), &mut events);
    assert_eq!(e.stats().future, 2);
    e.observe(&at(1, T0 + 8 * 3_600_000 + 10_000, 120.004), &mut events);
    assert_eq!(e.stats().future, 1);
    assert_eq!(e.stats().fixes, 4);
    assert_eq!(
        e.vessel(1).and_then(|v| v.last_fix).map(|f| f.lon),
        Some(120.004)
    );
}
