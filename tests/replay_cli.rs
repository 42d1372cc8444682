//! `riverwatch replay` end to end: a data directory and a recorded feed in, alerts out.

use std::path::{Path, PathBuf};
use std::process::Command;

use ais::feed::{Feed, Position};

fn riverwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riverwatch"))
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("riverwatch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

const M_LAT: f64 = 111_194.9;
const LON0: f64 = 120.30;
const LAT0: f64 = 30.50;
/// 2026-11-20T00:00:00Z
const T0: i64 = 1_795_132_800_000;

fn at(x: f64, y: f64) -> (f64, f64) {
    (
        LON0 + x / (M_LAT * LAT0.to_radians().cos()),
        LAT0 + y / M_LAT,
    )
}

fn square(id: &str, kind: &str, x0: f64, y0: f64, side: f64) -> String {
    let ring: Vec<String> = [
        (0.0, 0.0),
        (side, 0.0),
        (side, side),
        (0.0, side),
        (0.0, 0.0),
    ]
    .iter()
    .map(|&(dx, dy)| {
        let (lon, lat) = at(x0 + dx, y0 + dy);
        format!("[{lon:.7},{lat:.7}]")
    })
    .collect();
    format!(
        r#"{{"type":"Feature","id":"{id}","properties":{{"kind":"{kind}"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        ring.join(",")
    )
}

fn write_data(dir: &Path) {
    let features = [
        square("area", "monitored_area", -3000.0, -3000.0, 6000.0),
        square("dock-1", "dock", 0.0, 0.0, 100.0),
        // Not a valid zone: reported, and the rest still load.
        r#"{"type":"Feature","id":"broken","properties":{"kind":"harbour"},"geometry":{"type":"Point","coordinates":[120,30]}}"#.to_string(),
    ];
    std::fs::write(
        dir.join("zones.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .expect("write zones");
    std::fs::write(
        dir.join("registry.csv"),
        "mmsi,name,callsign,eni,ship_class,muck_carrier,max_draught_m,passenger_capacity,crew_capacity,permits,owner\n\
         413000004,CARGO FOUR,BQCC4,04300004,cargo,false,2.5,0,4,,D\n\
         41300000X,BROKEN,,,cargo,false,2.5,0,4,,D\n",
    )
    .expect("write registry");
    std::fs::write(
        dir.join("watchlist.csv"),
        "mmsi,reason,zones,until\n413000006,unpaid fines,,\n",
    )
    .expect("write watchlist");
}

/// Vessel 4 lies 20 minutes at the unlicensed dock; vessel 6 (watchlisted) sails in.
fn write_feed(path: &Path) {
    let mut f = Feed::new("tower-7");
    let mut t = T0;
    for k in 0..=40 {
        let (lon, lat) = at(50.0 + (k % 3) as f64, 50.0);
        f.class_a(t, 413000004, Position::new(lon, lat, 0.1, 0.0));
        let (lon, lat) = at(-3500.0 + 60.0 * k as f64, 200.0);
        f.class_a(t + 1000, 413000006, Position::new(lon, lat, 7.0, 90.0));
        t += 30_000;
    }
    f.static_voyage(t, 413000004, "CARGO FOUR", "BQCC4", 70, Some(2.9));
    f.raw("!AIVDM,1,1,,A,this is not a sentence,0*00");
    let (lon, lat) = at(300.0, 300.0);
    f.class_a(t + 60_000, 413000004, Position::new(lon, lat, 6.0, 45.0));
    std::fs::write(path, f.text()).expect("write feed");
}

fn replay(dir: &Path, feed: &Path, out: &Path) -> (String, String) {
    let o = riverwatch()
        .args(["replay", "--data"])
        .arg(dir)
        .arg("--alerts-out")
        .arg(out)
        .arg(feed)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{stderr}");
    (
        std::fs::read_to_string(out).expect("alerts written"),
        stderr,
    )
}

#[test]
fn replays_a_feed_into_alerts_deterministically() {
    let dir = scratch("replay");
    write_data(&dir);
    let feed = dir.join("feed.nmea");
    write_feed(&feed);
    let (first, stderr) = replay(&dir, &feed, &dir.join("a.jsonl"));
    let (second, _) = replay(&dir, &feed, &dir.join("b.jsonl"));
    assert_eq!(first, second, "same input, byte-identical output");

    let alerts: Vec<serde_json::Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let kinds: Vec<&str> = alerts.iter().filter_map(|a| a["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "unlicensed_dock_activity",
            "watchlist_entry",
            "overload_draught"
        ],
        "{first}"
    );
    let dock = &alerts[0];
    assert_eq!(dock["zone_id"], "dock-1");
    assert_eq!(dock["vessel_name"], "CARGO FOUR");
    assert_eq!(dock["started_at"], "2026-11-20T00:00:00Z");
    assert_eq!(dock["status"], "new");
    assert!(
        dock["ended_at"].is_string(),
        "the stop ended when it sailed"
    );
    assert!(
        dock["evidence"]["track"]
            .as_array()
            .is_some_and(|t| t.len() > 5)
    );
    assert_eq!(
        alerts[2]["ended_at"],
        serde_json::Value::Null,
        "still open at the end"
    );
    assert!(
        first.starts_with(r#"{"id":"unlicensed_dock_activity-413000004-"#),
        "DESIGN.md's field order"
    );

    // Bad inputs are named, with where, and nothing else is lost.
    assert!(stderr.contains("feature 2 (zone \"broken\")"), "{stderr}");
    assert!(stderr.contains("line 3, field mmsi"), "{stderr}");
    assert!(stderr.contains("alerts 3"), "{stderr}");
    assert!(stderr.contains("rejects 1"), "{stderr}");
}

#[test]
fn print_config_shows_every_threshold_and_reads_overrides() {
    let dir = scratch("config");
    std::fs::write(
        dir.join("riverwatch.toml"),
        "[rules.illegal_berthing]\nmin_stop_minutes = 8\n[rules.speeding]\nenabled = false\n",
    )
    .expect("write config");
    let o = riverwatch()
        .args(["replay", "--print-config", "--data"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for kind in geofence::alert::AlertKind::ALL {
        assert!(text.contains(&format!("[rules.{kind}]")), "{kind}: {text}");
    }
    assert!(
        text.contains(
            "[rules.illegal_berthing]\nenabled = true\nseverity = \"medium\"\nmin_stop_minutes = 8"
        ),
        "{text}"
    );
    assert!(text.contains("[rules.speeding]\nenabled = false"), "{text}");

    std::fs::write(
        dir.join("riverwatch.toml"),
        "[rules.speeding]\ntolerance = 2\n",
    )
    .expect("write config");
    let o = riverwatch()
        .args(["replay", "--print-config", "--data"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("riverwatch.toml") && err.contains("tolerance"),
        "{err}"
    );
}

#[test]
fn simulate_sends_to_a_tcp_receiver() {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let reader = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let dir = scratch("to");
    let o = riverwatch()
        .args([
            "simulate", "--days", "1", "--speed", "0", "--to", &addr, "--truth",
        ])
        .arg(dir.join("truth.jsonl"))
        .args(["--data", concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo")])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = reader.join().expect("reader");
    assert!(lines.len() > 100_000, "{}", lines.len());
    assert!(lines[0].starts_with("\\s:tower-0"), "{}", lines[0]);
    let mut decoder = ais::Decoder::default();
    let mut messages = 0;
    for l in &lines {
        decoder.decode_line(l.as_bytes(), &mut |o| {
            if matches!(o, ais::Output::Ais(_)) {
                messages += 1;
            }
        });
    }
    assert!(
        messages > lines.len() * 8 / 10,
        "{messages} of {}",
        lines.len()
    );
    let truth = std::fs::read_to_string(dir.join("truth.jsonl")).expect("truth written");
    assert!(truth.lines().count() >= 13);
}
