//! Every alert kind: a scenario that must fire it, and near-threshold ones that must not.
//! Each scenario is written as tower sentences with `ais::feed` (the real encoder), read
//! back through `ais::Decoder` and run through the detectors, as a replay would.

use ais::Decoder;
use ais::decoder::Output;
use ais::feed::{Feed, Position};
use ais::observation::Observation;
use geofence::alert::{Alert, AlertKind, AlertUpdate, Severity};
use geofence::index::ZoneIndex;
use geofence::registry::{load_registry, load_watchlist};
use geofence::rules::{Detector, RulesConfig};
use geofence::zone::load_geojson;

const LON0: f64 = 120.30;
const LAT0: f64 = 30.50;
/// 2026-11-20T00:00:00Z
const T0: i64 = 1_795_132_800_000;
const MIN: i64 = 60_000;

/// Metres east/north of the origin to (lon, lat).
fn at(x: f64, y: f64) -> (f64, f64) {
    let m_lat = 6_371_000.0 * std::f64::consts::PI / 180.0;
    (
        LON0 + x / (m_lat * LAT0.to_radians().cos()),
        LAT0 + y / m_lat,
    )
}

fn rect(id: &str, kind: &str, x0: f64, y0: f64, x1: f64, y1: f64, extra: &str) -> String {
    let c: Vec<String> = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = at(x, y);
            format!("[{lon:.7},{lat:.7}]")
        })
        .collect();
    format!(
        r#"{{"type":"Feature","id":"{id}","properties":{{"kind":"{kind}","name":"{id}"{extra}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        c.join(",")
    )
}

/// The test river, in metres from the origin: docks on the north bank (y 200-260),
/// stretches across the channel (y -150..150).
fn zones() -> String {
    let lic = |until: &str| {
        format!(
            r#","license":{{"number":"ZJ-1","valid_from":"2025-01-01","valid_until":"{until}"}}"#
        )
    };
    let features = [
        rect("area", "monitored_area", -5000.0, -500.0, 5000.0, 500.0, ""),
        rect("dock-unlic", "dock", 0.0, 200.0, 100.0, 260.0, ""),
        rect(
            "dock-lic",
            "dock",
            300.0,
            200.0,
            400.0,
            260.0,
            &lic("2027-12-31"),
        ),
        rect(
            "dock-expired",
            "dock",
            600.0,
            200.0,
            700.0,
            260.0,
            &lic("2026-06-30"),
        ),
        rect("nb-1", "no_berthing", 1000.0, -150.0, 1300.0, 150.0, ""),
        rect("load-1", "muck_loading", -1000.0, 200.0, -850.0, 300.0, ""),
        rect("dump-1", "approved_dump", 2000.0, 200.0, 2200.0, 350.0, ""),
        rect("anch-1", "anchorage", 2500.0, -150.0, 2800.0, 150.0, ""),
        rect("prot-1", "protected", 3000.0, -300.0, 3600.0, 300.0, ""),
        rect(
            "speed-1",
            "speed_limit",
            -4000.0,
            -200.0,
            -2000.0,
            200.0,
            r#","speed_limit_kn":6"#,
        ),
    ];
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

const REGISTRY: &str = "\
mmsi,name,callsign,eni,ship_class,muck_carrier,max_draught_m,passenger_capacity,crew_capacity,permits,owner
413000001,HUO 1,BQAA1,04300001,muck_carrier,true,3.0,0,4,muck_transport:2026-01-01..2026-12-31,A
413000002,HUO 2,BQAA2,04300002,muck_carrier,true,3.0,0,4,,B
413000003,HUO 3,BQAA3,04300003,muck_carrier,true,3.0,0,4,muck_transport:2026-01-01..2026-06-30,C
413000004,CARGO FOUR,BQCC4,04300004,cargo,false,2.5,0,4,,D
413000005,KE 5,BQPP5,04300005,passenger,false,1.8,60,4,passenger_service:2026-01-01..2026-12-31,E
413000010,TUG 10,BQTT1,04300010,tug,false,2.0,0,3,,F
";

const WATCHLIST: &str = "\
mmsi,reason,zones,until
413000006,unpaid fines,dock-lic,
413000007,suspected dumping,,2026-11-30
413000008,old case,,2026-11-01
";

/// One scenario: sentences from one tower, in event-time order.
struct Scene {
    feed: Feed,
    timeline: Vec<(i64, Vec<String>)>,
    seed: u64,
}

impl Scene {
    fn new() -> Scene {
        Scene {
            feed: Feed::new("tower-1"),
            timeline: Vec::new(),
            seed: 0x9e37_79b9_7f4a_7c15,
        }
    }

    fn add(&mut self, t: i64, write: impl FnOnce(&mut Feed)) {
        let before = self.feed.lines().len();
        write(&mut self.feed);
        self.timeline
            .push((t, self.feed.lines()[before..].to_vec()));
    }

    /// A few metres of deterministic GPS noise.
    fn jitter(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed % 1000) as f64 / 1000.0 * 10.0 - 5.0
    }

    /// Sails from `a` to `b` (metres) at `kn`, a report every `every_s`; returns the
    /// arrival time.
    fn sail(
        &mut self,
        mmsi: u32,
        t: i64,
        a: (f64, f64),
        b: (f64, f64),
        kn: f64,
        every_s: i64,
    ) -> i64 {
        let d = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let secs = d / (kn * 1852.0 / 3600.0);
        let n = (secs / every_s as f64).ceil().max(1.0) as i64;
        let cog = (b.0 - a.0).atan2(b.1 - a.1).to_degrees().rem_euclid(360.0);
        for k in 0..=n {
            let f = k as f64 / n as f64;
            let (lon, lat) = at(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
            let tk = t + (secs * f * 1000.0) as i64;
            self.add(tk, |feed| {
                feed.class_a(tk, mmsi, Position::new(lon, lat, kn, cog))
            });
        }
        t + (secs * 1000.0) as i64
    }

    /// Lies still at `p` for `minutes`, a report every `every_s`; returns the end time.
    fn stay(&mut self, mmsi: u32, t: i64, p: (f64, f64), minutes: f64, every_s: i64) -> i64 {
        let end = t + (minutes * MIN as f64) as i64;
        let mut tk = t;
        while tk <= end {
            let (jx, jy) = (self.jitter(), self.jitter());
            let (lon, lat) = at(p.0 + jx, p.1 + jy);
            self.add(tk, |feed| {
                feed.class_a(tk, mmsi, Position::new(lon, lat, 0.1, 0.0))
            });
            tk += every_s * 1000;
        }
        end
    }

    /// Another vessel's reports far away, to move event time on (as busy rivers do).
    fn clock(&mut self, from: i64, to: i64) {
        let mut tk = from;
        while tk <= to {
            let (lon, lat) = at(-4800.0, -400.0);
            self.add(tk, |feed| {
                feed.class_a(tk, 413999999, Position::new(lon, lat, 0.0, 0.0))
            });
            tk += 5 * MIN;
        }
    }

    /// The feed decoded, in event-time order.
    fn observations(&mut self) -> Vec<Observation> {
        self.timeline.sort_by_key(|(t, _)| *t);
        let mut decoder = Decoder::default();
        let mut observations: Vec<Observation> = Vec::new();
        for (_, lines) in &self.timeline {
            for line in lines {
                decoder.decode_line(line.as_bytes(), &mut |o| {
                    if let Output::Ais(m) = o {
                        observations.push(Observation::from_ais(&m, 0));
                    }
                });
            }
        }
        observations
    }

    /// Decodes the feed and runs the detectors; returns every alert with its end.
    fn run(mut self) -> Vec<Alert> {
        self.timeline.sort_by_key(|(t, _)| *t);
        let zones = load_geojson(&zones());
        assert!(zones.errors.is_empty(), "{:?}", zones.errors);
        let registry = load_registry(REGISTRY);
        assert!(registry.errors.is_empty(), "{:?}", registry.errors);
        let watchlist = load_watchlist(WATCHLIST);
        let mut det = Detector::new(
            ZoneIndex::new(zones.zones),
            RulesConfig::default(),
            registry.value,
            watchlist.value,
        );
        let mut decoder = Decoder::default();
        let mut observations: Vec<Observation> = Vec::new();
        for (_, lines) in &self.timeline {
            for line in lines {
                decoder.decode_line(line.as_bytes(), &mut |o| {
                    if let Output::Ais(m) = o {
                        observations.push(Observation::from_ais(&m, 0));
                    }
                });
            }
        }
        let mut updates = Vec::new();
        for o in &observations {
            det.observe(o, &mut updates);
        }
        let mut alerts: Vec<Alert> = Vec::new();
        for u in updates {
            match u {
                AlertUpdate::Opened(a) => {
                    assert!(
                        alerts.iter().all(|b| b.id != a.id),
                        "alert {} opened twice",
                        a.id
                    );
                    alerts.push(a);
                }
                AlertUpdate::Ended {
                    id, ended_at_ms, ..
                } => {
                    let a = alerts.iter_mut().find(|a| a.id == id);
                    let a = a.unwrap_or_else(|| panic!("{id} ended but never opened"));
                    assert!(a.ended_at_ms.is_none(), "{id} ended twice");
                    a.ended_at_ms = Some(ended_at_ms);
                }
            }
        }
        alerts
    }
}

fn of_kind(alerts: &[Alert], kind: AlertKind) -> Vec<&Alert> {
    alerts.iter().filter(|a| a.kind == kind).collect()
}

fn one(alerts: &[Alert], kind: AlertKind) -> Alert {
    let found = of_kind(alerts, kind);
    assert_eq!(found.len(), 1, "{kind}: {alerts:#?}");
    found[0].clone()
}

fn none(alerts: &[Alert], kind: AlertKind) {
    let found = of_kind(alerts, kind);
    assert!(found.is_empty(), "{kind} fired: {found:#?}");
}

// --- unlicensed_dock_activity -------------------------------------------------------

/// Sails in from mid-channel, lies at the dock `minutes`, sails off; returns the stop's
/// first report time.
fn dock_visit(s: &mut Scene, mmsi: u32, dock_x: f64, minutes: f64) -> i64 {
    dock_visit_at(s, mmsi, T0, dock_x, minutes)
}

fn dock_visit_at(s: &mut Scene, mmsi: u32, t0: i64, dock_x: f64, minutes: f64) -> i64 {
    let t = s.sail(
        mmsi,
        t0,
        (dock_x - 400.0, 0.0),
        (dock_x + 50.0, 230.0),
        6.0,
        10,
    );
    let end = s.stay(mmsi, t, (dock_x + 50.0, 230.0), minutes, 30);
    s.sail(
        mmsi,
        end + 30_000,
        (dock_x + 50.0, 230.0),
        (dock_x + 50.0, -100.0),
        6.0,
        10,
    );
    t
}

#[test]
fn unlicensed_dock_activity_fires_for_an_unlicensed_and_an_expired_dock() {
    let mut s = Scene::new();
    let stop = dock_visit(&mut s, 413000004, 0.0, 15.0);
    let alerts = s.run();
    let a = one(&alerts, AlertKind::UnlicensedDockActivity);
    assert_eq!(a.zone_id.as_deref(), Some("dock-unlic"));
    assert_eq!(a.mmsi, 413000004);
    assert_eq!(a.vessel_name.as_deref(), Some("CARGO FOUR"));
    assert!(
        (a.started_at_ms - stop).abs() <= MIN,
        "started {} vs {stop}",
        a.started_at_ms
    );
    assert!(a.ended_at_ms.is_some_and(|e| e >= stop + 15 * MIN));
    assert_eq!(a.evidence["min_stop_minutes"], 10);
    assert!(
        a.evidence["track"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );

    let mut s = Scene::new();
    dock_visit(&mut s, 413000004, 600.0, 12.0);
    let a = one(&s.run(), AlertKind::UnlicensedDockActivity);
    assert_eq!(a.zone_id.as_deref(), Some("dock-expired"));
    assert_eq!(a.evidence["licence"]["valid_until"], "2026-06-30");
}

#[test]
fn nine_minutes_at_an_unlicensed_dock_is_not_activity() {
    let mut s = Scene::new();
    dock_visit(&mut s, 413000004, 0.0, 9.0);
    none(&s.run(), AlertKind::UnlicensedDockActivity);
}

#[test]
fn an_hour_at_a_licensed_dock_is_not_activity() {
    let mut s = Scene::new();
    dock_visit(&mut s, 413000004, 300.0, 60.0);
    none(&s.run(), AlertKind::UnlicensedDockActivity);
}

// --- illegal_berthing ---------------------------------------------------------------

#[test]
fn illegal_berthing_fires_after_five_minutes_in_a_no_berthing_zone() {
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (700.0, 0.0), (1150.0, 100.0), 6.0, 10);
    let end = s.stay(413000004, t, (1150.0, 100.0), 7.0, 20);
    s.sail(413000004, end, (1150.0, 100.0), (1600.0, 0.0), 6.0, 10);
    let a = one(&s.run(), AlertKind::IllegalBerthing);
    assert_eq!(a.zone_id.as_deref(), Some("nb-1"));
    assert_eq!(a.severity, Severity::Medium);
    assert!((a.started_at_ms - t).abs() <= MIN);
}

#[test]
fn four_minutes_or_slow_passage_is_not_berthing() {
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (700.0, 0.0), (1150.0, 100.0), 6.0, 10);
    let end = s.stay(413000004, t, (1150.0, 100.0), 4.0, 20);
    s.sail(413000004, end, (1150.0, 100.0), (1600.0, 0.0), 6.0, 10);
    none(&s.run(), AlertKind::IllegalBerthing);

    // Creeping through at 1.2 kn takes ~8 minutes inside: slow, but never stopped.
    let mut s = Scene::new();
    s.sail(413000004, T0, (900.0, 0.0), (1400.0, 0.0), 1.2, 10);
    none(&s.run(), AlertKind::IllegalBerthing);
}

// --- the muck family ----------------------------------------------------------------

const LOAD: (f64, f64) = (-925.0, 250.0);
const DUMP: (f64, f64) = (2100.0, 275.0);

/// Loads at load-1 for `minutes`, then sails to mid-channel east of it; returns (the
/// loading stop's first report, the time it is back mid-channel).
fn load(s: &mut Scene, mmsi: u32, minutes: f64) -> (i64, i64) {
    let t = s.sail(mmsi, T0, (-1400.0, 0.0), LOAD, 6.0, 10);
    let end = s.stay(mmsi, t, LOAD, minutes, 30);
    let out = s.sail(mmsi, end + 30_000, LOAD, (-700.0, 0.0), 6.0, 10);
    (t, out)
}

#[test]
fn muck_unpermitted_transport_fires_for_no_permit_and_an_expired_permit() {
    for mmsi in [413000002, 413000003] {
        let mut s = Scene::new();
        let (loaded, out) = load(&mut s, mmsi, 20.0);
        let t = s.sail(mmsi, out, (-700.0, 0.0), DUMP, 7.0, 10);
        let done = s.stay(mmsi, t, DUMP, 20.0, 30);
        s.sail(mmsi, done, DUMP, (2100.0, 0.0), 7.0, 10);
        let alerts = s.run();
        let a = one(&alerts, AlertKind::MuckUnpermittedTransport);
        assert_eq!(a.zone_id.as_deref(), Some("load-1"), "{mmsi}");
        assert!((a.started_at_ms - loaded).abs() <= MIN);
        assert!(
            a.ended_at_ms.is_some(),
            "the dump ends the transport episode"
        );
        none(&alerts, AlertKind::MuckIllegalDischarge);
        none(&alerts, AlertKind::MuckUnaccountedLoad);
    }
}

#[test]
fn a_lawful_load_and_dump_cycle_raises_nothing() {
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), DUMP, 7.0, 10);
    let done = s.stay(413000001, t, DUMP, 20.0, 30);
    let end = s.sail(413000001, done, DUMP, (2100.0, 0.0), 7.0, 10);
    s.clock(end, end + 50 * 3_600_000);
    let alerts = s.run();
    let muck: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind.as_str().starts_with("muck"))
        .collect();
    assert!(muck.is_empty(), "{muck:#?}");
}

#[test]
fn fourteen_minutes_at_a_loading_wharf_is_not_a_load() {
    let mut s = Scene::new();
    load(&mut s, 413000002, 14.0);
    none(&s.run(), AlertKind::MuckUnpermittedTransport);

    // A tug (registered, not a muck carrier) idles at the wharf for an hour.
    let mut s = Scene::new();
    load(&mut s, 413000010, 60.0);
    none(&s.run(), AlertKind::MuckUnpermittedTransport);
}

#[test]
fn a_draught_rise_at_the_wharf_is_a_load() {
    let mut s = Scene::new();
    let t = s.sail(413000002, T0, (-1400.0, 0.0), LOAD, 6.0, 10);
    s.add(t + 10_000, |f| {
        f.inland_voyage(t + 10_000, 413000002, "04300002", 1.20, Some(false))
    });
    let end = s.stay(413000002, t, LOAD, 8.0, 30);
    s.add(end - 5_000, |f| {
        f.inland_voyage(end - 5_000, 413000002, "04300002", 1.55, Some(true))
    });
    s.sail(413000002, end + 30_000, LOAD, (-700.0, 0.0), 6.0, 10);
    let a = one(&s.run(), AlertKind::MuckUnpermittedTransport);
    assert_eq!(a.evidence["laden_by"], "draught_rise");
}

#[test]
fn muck_illegal_discharge_on_an_open_bank_and_critical_in_a_protected_zone() {
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (1700.0, 300.0), 7.0, 10);
    s.stay(413000001, t, (1700.0, 300.0), 12.0, 30);
    let alerts = s.run();
    let a = one(&alerts, AlertKind::MuckIllegalDischarge);
    assert_eq!((a.zone_id.as_deref(), a.severity), (None, Severity::High));
    assert!((a.started_at_ms - t).abs() <= MIN);

    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (3300.0, 100.0), 7.0, 10);
    s.stay(413000001, t, (3300.0, 100.0), 12.0, 30);
    let a = one(&s.run(), AlertKind::MuckIllegalDischarge);
    assert_eq!(a.zone_id.as_deref(), Some("prot-1"));
    assert_eq!(a.severity, Severity::Critical);
}

#[test]
fn a_laden_carrier_waiting_in_an_anchorage_or_briefly_on_the_bank_is_not_discharging() {
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (2650.0, 0.0), 7.0, 10);
    s.stay(413000001, t, (2650.0, 0.0), 12.0, 30);
    none(&s.run(), AlertKind::MuckIllegalDischarge);

    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (1700.0, 300.0), 7.0, 10);
    s.stay(413000001, t, (1700.0, 300.0), 9.0, 30);
    none(&s.run(), AlertKind::MuckIllegalDischarge);

    // Unladen (14 minutes at the wharf), then a long stop on the bank.
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 14.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (1700.0, 300.0), 7.0, 10);
    s.stay(413000001, t, (1700.0, 300.0), 30.0, 30);
    none(&s.run(), AlertKind::MuckIllegalDischarge);
}

#[test]
fn muck_unaccounted_load_after_48_hours_laden() {
    let mut s = Scene::new();
    let (loaded, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (2650.0, 0.0), 7.0, 10);
    let end = s.stay(413000001, t, (2650.0, 0.0), 49.0 * 60.0, 600);
    let alerts = s.run();
    let a = one(&alerts, AlertKind::MuckUnaccountedLoad);
    assert_eq!(a.zone_id.as_deref(), Some("load-1"));
    assert!((a.started_at_ms - loaded).abs() <= MIN);
    assert!(a.detected_at_ms >= loaded + 48 * 3_600_000 && a.detected_at_ms <= end);
}

#[test]
fn a_load_dumped_at_47_hours_or_watched_for_47_hours_is_accounted() {
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (2650.0, 0.0), 7.0, 10);
    let end = s.stay(413000001, t, (2650.0, 0.0), 46.0 * 60.0, 600);
    let t = s.sail(413000001, end, (2650.0, 0.0), DUMP, 7.0, 10);
    let done = s.stay(413000001, t, DUMP, 20.0, 30);
    s.clock(done, done + 10 * 3_600_000);
    none(&s.run(), AlertKind::MuckUnaccountedLoad);

    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (2650.0, 0.0), 7.0, 10);
    s.stay(413000001, t, (2650.0, 0.0), 46.0 * 60.0, 600);
    none(&s.run(), AlertKind::MuckUnaccountedLoad);
}

// --- overloads ----------------------------------------------------------------------

#[test]
fn overload_draught_from_type_5_and_from_inland_fi_10() {
    let mut s = Scene::new();
    s.add(T0, |f| {
        f.static_voyage(T0, 413000004, "CARGO FOUR", "BQCC4", 70, Some(2.7))
    });
    s.add(T0 + 10 * MIN, |f| {
        f.static_voyage(
            T0 + 10 * MIN,
            413000004,
            "CARGO FOUR",
            "BQCC4",
            70,
            Some(2.4),
        )
    });
    let a = one(&s.run(), AlertKind::OverloadDraught);
    assert_eq!(a.evidence["draught_m"], 2.7);
    assert_eq!(a.evidence["max_draught_m"], 2.5);
    assert_eq!(a.ended_at_ms, Some(T0 + 10 * MIN));

    let mut s = Scene::new();
    s.add(T0, |f| {
        f.inland_voyage(T0, 413000004, "04300004", 2.56, Some(true))
    });
    let a = one(&s.run(), AlertKind::OverloadDraught);
    assert_eq!(a.evidence["draught_m"], 2.56);
}

#[test]
fn draught_at_the_limit_plus_tolerance_or_unregistered_is_no_overload() {
    let mut s = Scene::new();
    s.add(T0, |f| {
        f.inland_voyage(T0, 413000004, "04300004", 2.55, Some(true))
    });
    s.add(T0 + MIN, |f| {
        f.static_voyage(T0 + MIN, 413000004, "CARGO FOUR", "BQCC4", 70, Some(2.5))
    });
    none(&s.run(), AlertKind::OverloadDraught);

    let mut s = Scene::new();
    s.add(T0, |f| {
        f.static_voyage(T0, 413000777, "NOBODY", "BQXX1", 70, Some(9.0))
    });
    none(&s.run(), AlertKind::OverloadDraught);
}

#[test]
fn overload_persons_from_inland_fi_55() {
    let mut s = Scene::new();
    s.add(T0, |f| f.persons_on_board(T0, 413000005, 4, 61, 0));
    s.add(T0 + 5 * MIN, |f| {
        f.persons_on_board(T0 + 5 * MIN, 413000005, 4, 58, 0)
    });
    let a = one(&s.run(), AlertKind::OverloadPersons);
    assert_eq!(a.evidence["persons_on_board"], 65);
    assert_eq!(a.evidence["capacity"], 64);
    assert_eq!(a.ended_at_ms, Some(T0 + 5 * MIN));
}

#[test]
fn persons_at_capacity_or_unregistered_is_no_overload() {
    let mut s = Scene::new();
    s.add(T0, |f| f.persons_on_board(T0, 413000005, 4, 60, 0));
    none(&s.run(), AlertKind::OverloadPersons);

    let mut s = Scene::new();
    s.add(T0, |f| f.persons_on_board(T0, 413000778, 4, 200, 0));
    none(&s.run(), AlertKind::OverloadPersons);
}

// --- watchlist_entry ----------------------------------------------------------------

#[test]
fn watchlist_entry_in_a_listed_zone_and_anywhere() {
    let mut s = Scene::new();
    dock_visit(&mut s, 413000006, 300.0, 5.0);
    let alerts = s.run();
    let a = one(&alerts, AlertKind::WatchlistEntry);
    assert_eq!(a.zone_id.as_deref(), Some("dock-lic"));
    assert_eq!(a.evidence["reason"], "unpaid fines");
    assert!(a.ended_at_ms.is_some(), "ends on leaving the dock");

    let mut s = Scene::new();
    s.sail(413000007, T0, (-5200.0, 0.0), (-4500.0, 0.0), 8.0, 10);
    let a = one(&s.run(), AlertKind::WatchlistEntry);
    assert_eq!(a.zone_id.as_deref(), Some("area"));
}

#[test]
fn watchlist_expired_or_other_zone_is_no_entry() {
    let mut s = Scene::new();
    s.sail(413000008, T0, (-5200.0, 0.0), (-4500.0, 0.0), 8.0, 10);
    none(&s.run(), AlertKind::WatchlistEntry);

    // Listed for dock-lic only: visiting the unlicensed dock is not an entry.
    let mut s = Scene::new();
    dock_visit(&mut s, 413000006, 0.0, 5.0);
    none(&s.run(), AlertKind::WatchlistEntry);
}

// --- ais_gap ------------------------------------------------------------------------

#[test]
fn ais_gap_inside_the_monitored_area() {
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (0.0, 0.0), (500.0, 0.0), 6.0, 10);
    let back = t + 45 * MIN;
    s.clock(t, back + 10 * MIN);
    s.sail(413000004, back, (2000.0, 0.0), (2500.0, 0.0), 6.0, 10);
    let a = one(&s.run(), AlertKind::AisGap);
    assert!(
        (a.started_at_ms - t).abs() <= 1000,
        "{} vs {t}",
        a.started_at_ms
    );
    assert_eq!(a.ended_at_ms, Some(back));
    assert_eq!(a.detected_at_ms, a.started_at_ms + 30 * MIN);
}

#[test]
fn a_29_minute_silence_or_one_outside_every_zone_is_no_gap() {
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (0.0, 0.0), (500.0, 0.0), 6.0, 10);
    s.clock(t, t + 40 * MIN);
    s.sail(413000004, t + 29 * MIN, (500.0, 0.0), (900.0, 0.0), 6.0, 10);
    none(&s.run(), AlertKind::AisGap);

    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (0.0, 900.0), (500.0, 900.0), 6.0, 10);
    s.clock(t, t + 90 * MIN);
    s.sail(
        413000004,
        t + 60 * MIN,
        (500.0, 900.0),
        (900.0, 900.0),
        6.0,
        10,
    );
    none(&s.run(), AlertKind::AisGap);
}

#[test]
fn a_laden_carrier_is_dark_after_20_minutes() {
    let mut s = Scene::new();
    let (_, out) = load(&mut s, 413000001, 20.0);
    let t = s.sail(413000001, out, (-700.0, 0.0), (0.0, 0.0), 7.0, 10);
    s.clock(t, t + 40 * MIN);
    s.sail(413000001, t + 25 * MIN, (300.0, 0.0), (800.0, 0.0), 7.0, 10);
    let a = one(&s.run(), AlertKind::AisGap);
    assert_eq!(a.evidence["laden"], true);
}

// --- position_jump ------------------------------------------------------------------

#[test]
fn position_jump_when_two_reports_imply_more_than_60_knots() {
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (0.0, 0.0), (500.0, 0.0), 6.0, 10);
    // 3 km in 60 s: 97 kn.
    let t2 = s.sail(413000004, t + 60_000, (3500.0, 0.0), (4000.0, 0.0), 6.0, 10);
    s.stay(413000004, t2, (4000.0, 0.0), 35.0, 60);
    let a = one(&s.run(), AlertKind::PositionJump);
    assert!(
        a.evidence["implied_speed_kn"]
            .as_f64()
            .is_some_and(|k| k > 90.0)
    );
    assert!(
        a.ended_at_ms.is_some(),
        "consistent for 30 minutes ends the episode"
    );
}

#[test]
fn fast_boats_and_gps_noise_are_not_jumps() {
    // 55 kn patrol boat.
    let mut s = Scene::new();
    s.sail(413000004, T0, (-4000.0, 0.0), (4000.0, 0.0), 55.0, 2);
    none(&s.run(), AlertKind::PositionJump);

    // A 150 m glitch between reports a second apart (290 kn, but below 200 m).
    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (0.0, 0.0), (100.0, 0.0), 3.0, 10);
    let (lon, lat) = at(250.0, 0.0);
    s.add(t + 1000, |f| {
        f.class_a(t + 1000, 413000004, Position::new(lon, lat, 3.0, 90.0))
    });
    none(&s.run(), AlertKind::PositionJump);
}

// --- identity_mismatch --------------------------------------------------------------

#[test]
fn identity_mismatch_on_a_wrong_name_and_on_a_malformed_mmsi() {
    let mut s = Scene::new();
    s.add(T0, |f| {
        f.static_voyage(T0, 413000004, "HAPPY DAYS", "BQCC4", 70, Some(2.0))
    });
    let a = one(&s.run(), AlertKind::IdentityMismatch);
    assert_eq!(a.evidence["reason"], "registry_mismatch");
    assert_eq!(a.evidence["differences"][0]["field"], "name");

    let mut s = Scene::new();
    s.sail(123456789, T0, (0.0, 0.0), (300.0, 0.0), 6.0, 10);
    s.sail(200123456, T0, (0.0, 50.0), (300.0, 50.0), 6.0, 10);
    let alerts = s.run();
    let found = of_kind(&alerts, AlertKind::IdentityMismatch);
    assert_eq!(
        found.len(),
        2,
        "once per vessel, not per report: {found:#?}"
    );
    assert!(
        found
            .iter()
            .all(|a| a.evidence["reason"] == "malformed_mmsi")
    );
}

#[test]
fn case_and_padding_or_an_empty_registry_field_are_no_mismatch() {
    let mut s = Scene::new();
    s.add(T0, |f| {
        f.static_voyage(T0, 413000004, "cargo  four", "BQCC4", 70, Some(2.0))
    });
    s.sail(413000004, T0 + 1000, (0.0, 0.0), (300.0, 0.0), 6.0, 10);
    none(&s.run(), AlertKind::IdentityMismatch);

    // Unregistered vessels have nothing to disagree with.
    let mut s = Scene::new();
    s.add(T0, |f| {
        f.static_voyage(T0, 413000555, "ANYTHING", "BQZZ9", 70, Some(2.0))
    });
    none(&s.run(), AlertKind::IdentityMismatch);
}

// --- speeding -----------------------------------------------------------------------

#[test]
fn speeding_for_a_minute_over_the_limit_plus_one_knot() {
    let mut s = Scene::new();
    s.sail(413000004, T0, (-4500.0, 0.0), (-1500.0, 0.0), 9.0, 10);
    let a = one(&s.run(), AlertKind::Speeding);
    assert_eq!(a.zone_id.as_deref(), Some("speed-1"));
    assert_eq!(a.evidence["speed_limit_kn"], 6.0);
    assert!(a.ended_at_ms.is_some(), "ends on leaving the zone");
}

#[test]
fn within_tolerance_or_a_short_burst_is_not_speeding() {
    let mut s = Scene::new();
    s.sail(413000004, T0, (-4500.0, 0.0), (-1500.0, 0.0), 6.9, 10);
    none(&s.run(), AlertKind::Speeding);

    let mut s = Scene::new();
    let t = s.sail(413000004, T0, (-4500.0, 0.0), (-3000.0, 0.0), 5.0, 10);
    let t = s.sail(413000004, t, (-3000.0, 0.0), (-2860.0, 0.0), 9.0, 10);
    s.sail(413000004, t, (-2860.0, 0.0), (-1500.0, 0.0), 5.0, 10);
    none(&s.run(), AlertKind::Speeding);
}

// --- suspected_unlicensed_dock ------------------------------------------------------

/// A stop of `minutes` on the open south bank at x, by `mmsi`, `day` days after T0.
fn bank_stop(s: &mut Scene, mmsi: u32, day: i64, x: f64, minutes: f64) {
    let t0 = T0 + day * 86_400_000;
    let t = s.sail(mmsi, t0, (x - 300.0, 0.0), (x, -300.0), 6.0, 10);
    let end = s.stay(mmsi, t, (x, -300.0), minutes, 30);
    s.sail(mmsi, end + 30_000, (x, -300.0), (x + 300.0, 0.0), 6.0, 10);
}

#[test]
fn suspected_unlicensed_dock_when_three_vessels_stop_at_one_spot_within_a_week() {
    let mut s = Scene::new();
    bank_stop(&mut s, 413000004, 0, 1800.0, 30.0);
    bank_stop(&mut s, 413000010, 2, 1830.0, 20.0);
    bank_stop(&mut s, 413000002, 5, 1790.0, 15.0);
    bank_stop(&mut s, 413000003, 6, 1800.0, 15.0);
    let alerts = s.run();
    let a = one(&alerts, AlertKind::SuspectedUnlicensedDock);
    assert_eq!(a.mmsi, 413000002, "the vessel that completes the cluster");
    assert_eq!(a.zone_id, None);
    assert_eq!(a.evidence["distinct_vessels"], 3);
}

#[test]
fn two_vessels_or_three_over_more_than_a_week_are_no_dock() {
    let mut s = Scene::new();
    bank_stop(&mut s, 413000004, 0, 1800.0, 30.0);
    bank_stop(&mut s, 413000010, 2, 1830.0, 20.0);
    bank_stop(&mut s, 413000004, 3, 1810.0, 20.0);
    none(&s.run(), AlertKind::SuspectedUnlicensedDock);

    let mut s = Scene::new();
    bank_stop(&mut s, 413000004, 0, 1800.0, 30.0);
    bank_stop(&mut s, 413000010, 4, 1830.0, 20.0);
    bank_stop(&mut s, 413000002, 9, 1790.0, 15.0);
    none(&s.run(), AlertKind::SuspectedUnlicensedDock);

    // Three vessels, but at a licensed dock.
    let mut s = Scene::new();
    for (k, m) in [413000004, 413000010, 413000002].into_iter().enumerate() {
        dock_visit_at(&mut s, m, T0 + k as i64 * 86_400_000, 300.0, 15.0);
    }
    none(&s.run(), AlertKind::SuspectedUnlicensedDock);
}

// --- zones edited while running -----------------------------------------------------

/// The test river's zones without `drop`, plus `add` (a feature).
fn zones_edited(drop: &str, add: Option<String>) -> ZoneIndex {
    let all: serde_json::Value = serde_json::from_str(&zones()).expect("zones");
    let mut features: Vec<serde_json::Value> = all["features"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f["id"] != drop)
        .collect();
    features.extend(add.map(|f| serde_json::from_str(&f).expect("feature")));
    let text = serde_json::json!({"type": "FeatureCollection", "features": features});
    let loaded = load_geojson(&text.to_string());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    ZoneIndex::new(loaded.zones)
}

#[test]
fn zones_edited_while_running_apply_at_once_and_keep_the_rest() {
    let mut s = Scene::new();
    // 413000004 lies at the unlicensed dock for 40 minutes; 413000010 lies mid-river,
    // where no zone is, for 40 minutes.
    s.stay(413000004, T0, (50.0, 230.0), 40.0, 20);
    s.stay(413000010, T0, (1500.0, 0.0), 40.0, 20);
    let observations = s.observations();
    let zones = load_geojson(&zones());
    let mut det = Detector::new(
        ZoneIndex::new(zones.zones),
        RulesConfig::default(),
        load_registry(REGISTRY).value,
        load_watchlist(WATCHLIST).value,
    );
    let edit_at = T0 + 20 * MIN;
    let mut updates = Vec::new();
    let mut edited = false;
    for o in &observations {
        if !edited && o.event_time_ms >= edit_at {
            // The administrator removes the dock and draws a no-berthing zone mid-river.
            let nb = rect("nb-new", "no_berthing", 1400.0, -100.0, 1600.0, 100.0, "");
            let before = updates.len();
            det.replace_zones(zones_edited("dock-unlic", Some(nb)), &mut updates);
            let ended: Vec<&AlertUpdate> = updates[before..].iter().collect();
            assert_eq!(ended.len(), 1, "the dock's open alert ends: {ended:?}");
            match ended[0] {
                AlertUpdate::Ended { kind, evidence, .. } => {
                    assert_eq!(*kind, AlertKind::UnlicensedDockActivity);
                    assert_eq!(
                        evidence.as_ref().map(|e| e["ended_because"].clone()),
                        Some(serde_json::json!("zone removed"))
                    );
                }
                other => panic!("{other:?}"),
            }
            edited = true;
        }
        det.observe(o, &mut updates);
    }
    let opened: Vec<&Alert> = updates
        .iter()
        .filter_map(|u| match u {
            AlertUpdate::Opened(a) => Some(a),
            AlertUpdate::Ended { .. } => None,
        })
        .collect();
    let dock: Vec<_> = opened
        .iter()
        .filter(|a| a.kind == AlertKind::UnlicensedDockActivity)
        .collect();
    assert_eq!(dock.len(), 1, "fired once before the edit, never again");
    assert!(dock[0].started_at_ms < edit_at);
    let berthing: Vec<_> = opened
        .iter()
        .filter(|a| a.kind == AlertKind::IllegalBerthing)
        .collect();
    assert_eq!(berthing.len(), 1, "{opened:?}");
    assert_eq!(berthing[0].mmsi, 413000010);
    assert_eq!(berthing[0].zone_id.as_deref(), Some("nb-new"));
    // The five minutes count from the edit, when the zone came to be; the episode started
    // when the stop did.
    let b = berthing[0];
    assert!(b.detected_at_ms >= edit_at + 5 * MIN);
    assert!(b.detected_at_ms < edit_at + 7 * MIN);
    assert_eq!(b.started_at_ms, T0);
}
