//! The indexed engine against a brute-force oracle: on seeded random zone sets (holes,
//! multipolygons, tiny and huge zones, gates) and random tracks, the R-tree + raster engine
//! must emit exactly the event sequence of an engine that tests every zone exactly.

use ais::Observation;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geofence::engine::{Config, Engine};
use geofence::event::Event;
use geofence::index::ZoneIndex;
use geofence::zone::{Shape, Zone, ZoneKind};
use proptest::prelude::*;

const T0: i64 = 1_763_800_000_000;

fn ring(c: (f64, f64), radii: &[f64], n: usize, phase: f64) -> LineString<f64> {
    let mut v: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let a = phase + k as f64 / n as f64 * std::f64::consts::TAU;
            let r = radii[k % radii.len()];
            Coord {
                x: c.0 + r * a.cos(),
                y: c.1 + r * a.sin(),
            }
        })
        .collect();
    v.push(v[0]);
    LineString::from(v)
}

#[derive(Debug, Clone)]
struct ZoneSpec {
    center: (f64, f64),
    /// log10 of the radius in degrees: -5 (about 1 m) to -0.5 (tens of km).
    log_r: f64,
    shape: Vec<f64>,
    n: usize,
    phase: f64,
    hole: bool,
    second_part: bool,
    gate: bool,
}

fn zone_spec() -> impl Strategy<Value = ZoneSpec> {
    (
        (-0.05f64..0.05, -0.05f64..0.05),
        -5.0f64..-0.5,
        proptest::collection::vec(0.3f64..1.0, 1..4),
        3usize..40,
        0.0f64..6.3,
        any::<bool>(),
        proptest::bool::weighted(0.15),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(center, log_r, shape, n, phase, hole, second_part, gate)| ZoneSpec {
                center,
                log_r,
                shape,
                n,
                phase,
                hole,
                second_part,
                gate,
            },
        )
}

fn build(i: usize, s: &ZoneSpec) -> Zone {
    let r = 10f64.powf(s.log_r);
    let c = (120.0 + s.center.0, 30.0 + s.center.1);
    let shape = if s.gate {
        Shape::Gate(LineString::from(vec![
            Coord { x: c.0 - r, y: c.1 },
            Coord {
                x: c.0 + r * 0.3,
                y: c.1 + r * 0.2,
            },
            Coord {
                x: c.0 + r,
                y: c.1 - r * 0.5,
            },
        ]))
    } else {
        let radii: Vec<f64> = s.shape.iter().map(|k| k * r).collect();
        let min = radii.iter().cloned().fold(f64::INFINITY, f64::min);
        let part = |c: (f64, f64)| {
            let holes = if s.hole {
                vec![ring(c, &[min * 0.5], 4 + s.n % 5, s.phase)]
            } else {
                vec![]
            };
            Polygon::new(ring(c, &radii, s.n, s.phase), holes)
        };
        let mut parts = vec![part(c)];
        if s.second_part {
            parts.push(part((c.0 + 3.0 * r, c.1 + r)));
        }
        Shape::Area(MultiPolygon(parts))
    };
    Zone {
        id: format!("z{i}"),
        kind: if s.gate {
            ZoneKind::Checkpoint
        } else {
            ZoneKind::Dock
        },
        name: None,
        shape,
        license: None,
        speed_limit_kn: None,
    }
}

/// One step of a vessel: time step, heading, speed (kn; <0 = no SOG sent), and whether
/// the report arrives late (older than the previous one).
fn steps() -> impl Strategy<Value = Vec<(i64, f64, f64, bool)>> {
    proptest::collection::vec(
        (
            2_000i64..40_000,
            0.0f64..6.3,
            prop_oneof![
                Just(0.0),
                0.0f64..0.6,
                0.0f64..3.0,
                3.0f64..25.0,
                Just(-1.0)
            ],
            proptest::bool::weighted(0.03),
        ),
        20..150,
    )
}

fn observations(starts: &[(f64, f64)], tracks: &[Vec<(i64, f64, f64, bool)>]) -> Vec<Observation> {
    let mut out = Vec::new();
    for (v, (start, steps)) in starts.iter().zip(tracks).enumerate() {
        let (mut x, mut y) = (120.0 + start.0, 30.0 + start.1);
        let mut t = T0 + v as i64 * 1_000;
        for &(dt, heading, kn, late) in steps {
            t += dt;
            let metres = kn.max(0.0) * 1852.0 * dt as f64 / 3_600_000.0;
            x += metres / 96_000.0 * heading.cos();
            y += metres / 111_000.0 * heading.sin();
            out.push(Observation {
                mmsi: 413_000_000 + v as u32,
                event_time_ms: if late { t - 3 * dt } else { t },
                position: Some((x, y)),
                sog_kn: (kn >= 0.0).then_some(kn),
                ..Observation::default()
            });
        }
    }
    // Interleave the vessels by arrival (the late ones stay where they arrived).
    out.sort_by_key(|o| (o.event_time_ms, o.mmsi));
    out
}

fn run(zones: &[Zone], obs: &[Observation], brute_force: bool) -> Vec<Event> {
    let config = Config {
        brute_force,
        dwell_minutes: vec![1, 5],
        gap_ms: 120_000,
        evict_ms: 600_000,
        ..Config::default()
    };
    let mut e = Engine::new(ZoneIndex::new(zones.to_vec()), config);
    let mut events = Vec::new();
    if brute_force {
        for o in obs {
            e.observe(o, &mut events);
        }
    } else {
        // The indexed engine takes batches (fetching ahead), the oracle one at a time.
        for batch in obs.chunks(13) {
            e.observe_all(batch.iter(), &mut events);
        }
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn indexed_engine_matches_the_brute_force_oracle(
        specs in proptest::collection::vec(zone_spec(), 1..40),
        starts in proptest::collection::vec((-0.03f64..0.03, -0.03f64..0.03), 1..5),
        tracks in proptest::collection::vec(steps(), 5),
    ) {
        let zones: Vec<Zone> = specs.iter().enumerate().map(|(i, s)| build(i, s)).collect();
        let obs = observations(&starts, &tracks);
        let indexed = run(&zones, &obs, false);
        let oracle = run(&zones, &obs, true);
        prop_assert_eq!(indexed, oracle);
    }
}

/// Below a few thousand vessels a batch is taken without fetching ahead (`Ahead`); a
/// fleet past that, reporting in rounds, must come out as the oracle's too.
#[test]
fn a_fleet_large_enough_to_fetch_ahead_matches_the_oracle() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        PtConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    let specs = proptest::collection::vec(zone_spec(), 30)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let zones: Vec<Zone> = specs.iter().enumerate().map(|(i, s)| build(i, s)).collect();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut unit = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let vessels = 5_000;
    let mut at: Vec<(f64, f64)> = (0..vessels)
        .map(|_| (120.0 + (unit() - 0.5) * 0.06, 30.0 + (unit() - 0.5) * 0.06))
        .collect();
    let mut obs = Vec::new();
    for round in 0..6i64 {
        for (v, (x, y)) in at.iter_mut().enumerate() {
            // Half lie still with jitter, half move up to ~60 m a report.
            let step = if v % 2 == 0 { 0.0001 } else { 0.0012 };
            *x += (unit() - 0.5) * step;
            *y += (unit() - 0.5) * step;
            obs.push(Observation {
                mmsi: 413_000_000 + v as u32,
                event_time_ms: T0 + round * 10_000 + v as i64,
                position: Some((*x, *y)),
                sog_kn: Some(if v % 2 == 0 { 0.1 } else { 6.0 }),
                ..Observation::default()
            });
        }
    }
    let indexed = run(&zones, &obs, false);
    assert!(indexed.iter().any(|e| e.kind.name() == "enter"));
    assert_eq!(indexed, run(&zones, &obs, true));
}

/// The property above is only worth something if random cases produce events: on a fixed
/// seed, the same generators must yield enters, exits, stops, crossings and gaps.
#[test]
fn the_random_cases_exercise_every_event_kind() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config as PtConfig, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        PtConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut kinds = std::collections::BTreeMap::new();
    for _ in 0..200 {
        let specs = proptest::collection::vec(zone_spec(), 10..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let starts = proptest::collection::vec((-0.02f64..0.02, -0.02f64..0.02), 4)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let tracks = proptest::collection::vec(steps(), 4)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let zones: Vec<Zone> = specs.iter().enumerate().map(|(i, s)| build(i, s)).collect();
        for e in run(&zones, &observations(&starts, &tracks), false) {
            *kinds.entry(e.kind.name()).or_insert(0usize) += 1;
        }
    }
    for k in [
        "enter",
        "exit",
        "dwell",
        "stop_start",
        "stop_end",
        "cross",
        "gap_start",
        "gap_end",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "no {k} events: {kinds:?}"
        );
    }
}
