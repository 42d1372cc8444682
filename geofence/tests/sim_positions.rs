//! The simulator's true positions (what its simulated cameras draw) agree with what the
//! vessels report, but for the one spoofed report per spoofing vessel; and the vessel that
//! berths illegally is truly inside its no-berthing zone while it does.

use std::collections::HashMap;

use ais::Decoder;
use ais::decoder::Output;
use ais::observation::Observation;
use geofence::alert::AlertKind;
use geofence::index::ZoneIndex;
use geofence::registry::{load_registry, load_watchlist};
use geofence::sim::{Sim, SimConfig};
use geofence::track::metres;
use geofence::zone::load_geojson;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/demo");

fn demo_sim(seed: u64) -> (Sim, ZoneIndex) {
    let read = |f: &str| std::fs::read_to_string(format!("{DEMO}/{f}")).expect("demo data");
    let index = ZoneIndex::new(load_geojson(&read("zones.geojson")).zones);
    let cfg = SimConfig {
        seed,
        days: 1,
        ..SimConfig::default()
    };
    let sim = Sim::plan(
        &index,
        &load_registry(&read("registry.csv")).value,
        &load_watchlist(&read("watchlist.csv")).value,
        &cfg,
    )
    .expect("plan");
    (sim, index)
}

#[test]
fn true_positions_match_the_reports_but_for_spoofed_ones() {
    let (sim, _) = demo_sim(1);
    let mut decoder = Decoder::default();
    let mut checked = 0usize;
    let mut far: HashMap<u32, usize> = HashMap::new();
    let mut k = 0usize;
    sim.run(|t, line| {
        decoder.decode_line(line.as_bytes(), &mut |o| {
            let Output::Ais(m) = o else { return };
            let obs = Observation::from_ais(&m, 0);
            let Some(reported) = obs.position else { return };
            k += 1;
            // Every 37th report: seen_at walks every script.
            if !k.is_multiple_of(37) {
                return;
            }
            let Some(truth) = sim.seen_at(t).into_iter().find(|s| s.mmsi == obs.mmsi) else {
                panic!("{} reported at {t} but is not on the river", obs.mmsi);
            };
            checked += 1;
            // Reports are jittered by up to 4 m each way, and rounded to 1/10 000 minute.
            if metres(reported, (truth.lon, truth.lat)) > 8.0 {
                *far.entry(obs.mmsi).or_default() += 1;
            }
        });
    });
    assert!(checked > 1000, "{checked}");
    assert!(far.values().all(|&n| n <= 1), "{far:?}");
}

#[test]
fn the_illegally_berthed_vessel_is_in_its_zone_while_berthed() {
    let (sim, index) = demo_sim(1);
    let t = sim
        .truth()
        .iter()
        .find(|t| t.kind == AlertKind::IllegalBerthing)
        .expect("a berthing is staged")
        .clone();
    let zone = t.zone_id.expect("its zone");
    for minutes in [1, 5, 8] {
        let at = t.onset_ms + minutes * 60_000;
        let v = sim
            .seen_at(at)
            .into_iter()
            .find(|s| s.mmsi == t.mmsi)
            .expect("on the river");
        assert!(
            index.zones_at(v.lon, v.lat).any(|z| z.id == zone),
            "{minutes} min in, {} is at {:?}, outside {zone}",
            t.mmsi,
            (v.lon, v.lat)
        );
    }
}
