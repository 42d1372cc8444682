//! The detectors against the simulator's ground truth on the demo river: `riverwatch
//! simulate` writes a 3-day feed with every kind of violation staged, `riverwatch replay`
//! reads it back, and every injected violation must be found (right kind, vessel and
//! zone, `started_at` within 5 minutes of its onset), with no alert on lawful traffic and
//! no duplicates. `RIVERWATCH_SIM_SEED` picks the seed (default 1); `scripts/sim-check`
//! runs seeds 1 to 5.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn riverwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riverwatch"))
}

fn time_ms(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or(i64::MIN, |t| t.timestamp_millis())
}

#[test]
fn every_injected_violation_is_found_and_nothing_else() {
    let seed: u64 = std::env::var("RIVERWATCH_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = std::env::temp_dir().join(format!("riverwatch-sim-{seed}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo"));
    let feed = dir.join("feed.nmea");
    let truth_path = dir.join("truth.jsonl");
    let alerts_path = dir.join("alerts.jsonl");
    let o = riverwatch()
        .args(["simulate", "--seed", &seed.to_string(), "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&feed)
        .arg("--truth")
        .arg(&truth_path)
        .output()
        .expect("simulate runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = riverwatch()
        .args(["replay", "--quiet", "--data"])
        .arg(&data)
        .arg("--alerts-out")
        .arg(&alerts_path)
        .arg(&feed)
        .output()
        .expect("replay runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let read = |p: &PathBuf| -> Vec<Value> {
        std::fs::read_to_string(p)
            .expect("written")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };
    let truth = read(&truth_path);
    let alerts = read(&alerts_path);
    let kinds: std::collections::BTreeSet<&str> =
        truth.iter().filter_map(|t| t["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 13, "every kind is staged: {kinds:?}");

    let matches = |t: &Value, a: &Value| {
        a["kind"] == t["kind"]
            && a["mmsi"] == t["mmsi"]
            && a["zone_id"] == t["zone_id"]
            && (time_ms(&a["started_at"]) - time_ms(&t["onset"])).abs() <= 5 * 60_000
    };
    let missed: Vec<&Value> = truth
        .iter()
        .filter(|t| !alerts.iter().any(|a| matches(t, a)))
        .collect();
    let unexpected: Vec<&Value> = alerts
        .iter()
        .filter(|a| !truth.iter().any(|t| matches(t, a)))
        .collect();
    let duplicates: Vec<&Value> = truth
        .iter()
        .filter(|t| alerts.iter().filter(|a| matches(t, a)).count() > 1)
        .collect();
    let brief = |v: &[&Value]| -> String {
        v.iter()
            .map(|a| {
                format!(
                    "{} {} {} {}",
                    a["kind"],
                    a["mmsi"],
                    a["zone_id"],
                    a.get("onset").unwrap_or(&a["started_at"])
                )
            })
            .collect::<Vec<_>>()
            .join("\n  ")
    };
    assert!(
        missed.is_empty() && unexpected.is_empty() && duplicates.is_empty(),
        "seed {seed}: {} injected, {} alerts\nmissed:\n  {}\nunexpected:\n  {}\nduplicated:\n  {}",
        truth.len(),
        alerts.len(),
        brief(&missed),
        brief(&unexpected),
        brief(&duplicates),
    );
    eprintln!(
        "seed {seed}: {} injected, {} alerts: every one found, none unexpected, none duplicated",
        truth.len(),
        alerts.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
