//! Engine snapshots: a detector saved and restored at any point goes on exactly as one
//! that never stopped, over three simulated days of the demo river (every alert kind,
//! loads carried across days), also when the zones come back in another order.

use ais::Decoder;
use ais::decoder::Output;
use ais::observation::Observation;
use geofence::alert::AlertUpdate;
use geofence::index::ZoneIndex;
use geofence::registry::{Registry, Watchlist, load_registry, load_watchlist};
use geofence::rules::{Detector, RulesConfig};
use geofence::sim::{Sim, SimConfig};
use geofence::zone::{Zone, load_geojson};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/demo");

fn demo() -> (Vec<Zone>, Registry, Watchlist) {
    let read = |f: &str| std::fs::read_to_string(format!("{DEMO}/{f}")).expect("demo data");
    let zones = load_geojson(&read("zones.geojson"));
    assert!(zones.errors.is_empty());
    (
        zones.zones,
        load_registry(&read("registry.csv")).value,
        load_watchlist(&read("watchlist.csv")).value,
    )
}

fn observations(zones: &[Zone], registry: &Registry, watchlist: &Watchlist) -> Vec<Observation> {
    let index = ZoneIndex::new(zones.to_vec());
    let cfg = SimConfig {
        seed: 3,
        days: 3,
        ..SimConfig::default()
    };
    let sim = Sim::plan(&index, registry, watchlist, &cfg).expect("plan");
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    sim.run(|_, line| {
        decoder.decode_line(line.as_bytes(), &mut |o| {
            if let Output::Ais(m) = o {
                out.push(Observation::from_ais(&m, 0));
            }
        });
    });
    out
}

/// A snapshot as JSON whose heaps are sorted (maps compare without regard to order).
fn comparable(snap: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(snap).expect("json");
    for path in ["/engine/deadlines", "/timers"] {
        if let Some(serde_json::Value::Array(a)) = v.pointer_mut(path) {
            a.sort_by_key(|x| x.to_string());
        }
    }
    v
}

#[test]
fn a_restored_detector_goes_on_as_if_it_never_stopped() {
    let (zones, registry, watchlist) = demo();
    let mut obs = observations(&zones, &registry, &watchlist);
    // A sender with no speed or course (unknown speeds are NaN inside the engine).
    let quiet = obs[obs.len() / 3].clone();
    let position = quiet.position;
    obs.insert(
        obs.len() / 3,
        Observation {
            mmsi: 413_555_555,
            sog_kn: None,
            cog_deg: None,
            position,
            ..quiet
        },
    );
    assert!(obs.len() > 100_000, "{} observations", obs.len());
    let new = |zones: Vec<Zone>| {
        Detector::new(
            ZoneIndex::new(zones),
            RulesConfig::default(),
            registry.clone(),
            watchlist.clone(),
        )
    };

    let mut whole = Vec::new();
    let mut d = new(zones.clone());
    for o in &obs {
        d.observe(o, &mut whole);
    }
    let opened = whole
        .iter()
        .filter(|u| matches!(u, AlertUpdate::Opened(_)))
        .count();
    assert!(opened >= 19, "{opened} alerts");

    // Saved and restored at eight points; the last time with the zones in reverse order,
    // so every zone index changes and is matched by id.
    let mut reversed = zones.clone();
    reversed.reverse();
    let cuts: Vec<usize> = (1..=8).map(|k| obs.len() * k / 9).collect();
    let mut pieces = Vec::new();
    let mut d = new(zones.clone());
    let mut bytes = 0;
    for (k, o) in obs.iter().enumerate() {
        if cuts.contains(&k) {
            let mut snap = Vec::new();
            d.snapshot(&mut snap).expect("snapshot");
            bytes = snap.len();
            let order = if k == cuts[7] {
                reversed.clone()
            } else {
                zones.clone()
            };
            let (restored, ended) = Detector::restore(
                snap.as_slice(),
                ZoneIndex::new(order.clone()),
                RulesConfig::default(),
                registry.clone(),
                watchlist.clone(),
            )
            .expect("restore");
            assert!(ended.is_empty(), "no zone went away");
            if order == zones {
                // Read back and written again, the state is the same (maps and heaps may
                // list their entries in another order).
                let mut again = Vec::new();
                restored.snapshot(&mut again).expect("snapshot");
                assert_eq!(comparable(&again), comparable(&snap), "snapshot at {k}");
            }
            d = restored;
        }
        d.observe(o, &mut pieces);
    }
    assert!(bytes > 1000);
    assert_eq!(pieces.len(), whole.len());
    assert!(
        pieces == whole,
        "the restored runs emitted different alerts"
    );
}

#[test]
fn a_snapshot_from_another_version_or_garbage_is_refused() {
    let (zones, registry, watchlist) = demo();
    let restore = |text: &str| {
        Detector::restore(
            text.as_bytes(),
            ZoneIndex::new(zones.clone()),
            RulesConfig::default(),
            registry.clone(),
            watchlist.clone(),
        )
        .map(|_| ())
    };
    assert!(restore("not json").is_err());
    let d = Detector::new(
        ZoneIndex::new(zones.clone()),
        RulesConfig::default(),
        registry.clone(),
        watchlist.clone(),
    );
    let mut snap = Vec::new();
    d.snapshot(&mut snap).expect("snapshot");
    let text = String::from_utf8(snap).expect("utf-8");
    assert!(restore(&text).is_ok());
    let old = text.replacen("\"version\":1", "\"version\":0", 1);
    assert!(restore(&old).unwrap_err().contains("version 0"));
}
