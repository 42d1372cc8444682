//! Differential test against gpsd: on every AIS log in the shared corpora, every message
//! both decoders decode must agree on every field they have in common, except the
//! listed, explained differences in `known_difference`.
//!
//! Two references: gpsd's own expected decodes shipped in the corpora
//! (`gpsd/expected-gpsd-json/*.chk`), and the `gpsdecode` binary of the installed
//! gpsd-clients package run on every log. `scripts/test` installs gpsd-clients.

use std::path::{Path, PathBuf};
use std::process::Command;

use ais::gpsd_json::{self, JsonOptions};
use ais::{Decoder, Output};
use serde_json::{Map, Value};

fn corpora() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("../../shared/corpora"),
        here.join("../shared/corpora"),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_dir())
        .expect("shared/corpora must sit beside the repository")
}

fn ours(input: &[u8], scaled: bool) -> Vec<Map<String, Value>> {
    let mut d = Decoder::default();
    let mut out = Vec::new();
    for line in input.split(|&c| c == b'\n') {
        d.decode_line(line, &mut |o| {
            if let Output::Ais(m) = o {
                let mut buf = Vec::new();
                gpsd_json::write(&mut buf, &m, JsonOptions { scaled });
                match serde_json::from_slice(&buf) {
                    Ok(Value::Object(obj)) => out.push(obj),
                    other => panic!("invalid JSON {other:?}: {}", String::from_utf8_lossy(&buf)),
                }
            }
        });
    }
    out
}

fn ais_objects(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| match v {
            Value::Object(o) if o.get("class") == Some(&Value::String("AIS".into())) => Some(o),
            _ => None,
        })
        .collect()
}

/// Fields gpsd prints without decoding them: not common fields.
fn not_decoded_by_gpsd(ty: u64, key: &str) -> bool {
    // gpsd never reads type 26's communication state and always prints "radio":0.
    matches!((ty, key), (26, "radio"))
}

/// Decoded fields where gpsd is known to differ, with the reason. Each counts against
/// the 0.1 % budget.
fn known_difference(g: &Map<String, Value>, key: &str) -> Option<&'static str> {
    let ty = g.get("type").and_then(Value::as_u64)?;
    match (ty, key) {
        // gpsd merges part A into part B and reports the merged record with part A's header.
        (24, "repeat") => Some("gpsd reports a merged type 24 A+B with part A's repeat indicator"),
        // M.1371-5 §3.1: a report cut short keeps its leading radio bits; gpsd right-aligns
        // what is left of the 19-bit field, riverwatch reads the field with the missing
        // tail as zero. Neither is the transmitted value.
        (1..=3, "radio") => Some("truncated communication state (message shorter than 168 bits)"),
        // M.1371-5 §3.19: a 104-bit type 20 is two reservations and 4 spare bits to the
        // byte boundary; gpsd reads the spare bits as the start of a third.
        (20, k) if k.ends_with('3') || k.ends_with('4') => {
            Some("gpsd reads type 20 byte-boundary spare bits as a reservation")
        }
        _ => None,
    }
}

/// Legend (`*_text`) differences that are gpsd's, with the reason. Any other legend
/// difference fails the test.
fn known_legend_difference(
    g: &Map<String, Value>,
    key: &str,
    ours: &Value,
) -> Option<&'static str> {
    let ty = g.get("type").and_then(Value::as_u64)?;
    let dac = g.get("dac").and_then(Value::as_u64);
    let fid = g.get("fid").and_then(Value::as_u64);
    match (ty, dac, fid, key) {
        // ECE VTT standard table 2.4: 1 = loaded, 2 = unloaded; gpsd has them swapped.
        (8, Some(200), Some(10), "loaded_text") => {
            Some("gpsd swaps loaded/unloaded (ECE VTT table 2.4)")
        }
        // gpsd's ERI table stops at 8370 and also matches AIS ship types; the ERI list
        // goes on (8400 tug, 8440 passenger, 8450 service vessel, ...).
        (8, Some(200), Some(10), "shiptype_text")
            if g.get(key) == Some(&Value::String("Illegal ship type value.".into()))
                || ours == &Value::String("Illegal ship type value.".into()) =>
        {
            Some("ERI codes outside gpsd's table")
        }
        _ => None,
    }
}

/// Legends that changed between gpsd releases: compared against the expected decodes of
/// current gpsd, not against an older installed `gpsdecode`.
const LEGENDS_BY_RELEASE: [&str; 3] = ["epfd_text", "hazard_text", "status_text"];

#[derive(Default, Debug)]
struct Tally {
    compared: usize,
    fields: usize,
    disagreements: Vec<String>,
    explained: Vec<String>,
    explained_messages: usize,
    legends: Vec<String>,
    only_gpsd: usize,
    only_gpsd_examples: Vec<String>,
}

fn compare(name: &str, gpsd: &[Map<String, Value>], mine: &[Map<String, Value>], t: &mut Tally) {
    compare_with(name, gpsd, mine, t, &[]);
}

fn compare_with(
    name: &str,
    gpsd: &[Map<String, Value>],
    mine: &[Map<String, Value>],
    t: &mut Tally,
    skip: &[&str],
) {
    let mut j = 0;
    for g in gpsd {
        let key = (g.get("type"), g.get("mmsi"));
        let Some(k) = (j..mine.len().min(j + 64))
            .find(|&k| (mine[k].get("type"), mine[k].get("mmsi")) == key)
        else {
            t.only_gpsd += 1;
            if t.only_gpsd_examples.len() < 10 {
                t.only_gpsd_examples
                    .push(format!("{name}: {}", Value::Object(g.clone())));
            }
            continue;
        };
        j = k + 1;
        let o = &mine[k];
        t.compared += 1;
        let ty = g.get("type").and_then(Value::as_u64).unwrap_or(0);
        let mut explained_here = false;
        for (field, gv) in g {
            if matches!(field.as_str(), "class" | "device" | "scaled")
                || skip.contains(&field.as_str())
                || not_decoded_by_gpsd(ty, field)
            {
                continue;
            }
            let Some(ov) = o.get(field) else { continue };
            t.fields += 1;
            if same(field, gv, ov) {
                continue;
            }
            let line = format!(
                "{name}: type {} mmsi {} field {field}: gpsd {gv} ours {ov}",
                key.0.unwrap_or(&Value::Null),
                key.1.unwrap_or(&Value::Null)
            );
            if field.ends_with("_text") {
                match known_legend_difference(g, field, ov) {
                    Some(why) => t.legends.push(format!("{line} ({why})")),
                    None => t.disagreements.push(line),
                }
                continue;
            }
            match known_difference(g, field) {
                Some(why) => {
                    t.explained.push(format!("{line} ({why})"));
                    explained_here = true;
                }
                None => t.disagreements.push(line),
            }
        }
        t.explained_messages += usize::from(explained_here);
    }
}

/// Field equality after normalising what the two print differently for the same bits.
fn same(field: &str, a: &Value, b: &Value) -> bool {
    match (field, a, b) {
        // "bits:hex": gpsd leaves whatever follows the data in the last byte's unused bits.
        ("data", Value::String(x), Value::String(y)) => same_bits(x, y),
        // M.1371-5 §3.23 table 81: the vendor ID is 3 characters followed by the unit model
        // code and serial number; gpsd still prints the old 7-character field.
        ("vendorid", Value::String(x), Value::String(y)) => {
            x.chars().take(3).collect::<String>().trim_end() == y.trim_end()
        }
        (_, Value::String(x), Value::String(y)) => x.trim_end() == y.trim_end(),
        (_, Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => (p - q).abs() <= 1e-9 * p.abs().max(1.0),
            _ => x == y,
        },
        _ => a == b,
    }
}

fn same_bits(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Option<(usize, Vec<u8>)> {
        let (n, hex) = s.split_once(':')?;
        let bytes = (0..hex.len() / 2)
            .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some((n.parse().ok()?, bytes))
    };
    let (Some((n, x)), Some((m, y))) = (parse(a), parse(b)) else {
        return a == b;
    };
    if n != m || x.len() != y.len() {
        return false;
    }
    (0..n).all(|bit| (x[bit / 8] >> (7 - bit % 8)) & 1 == (y[bit / 8] >> (7 - bit % 8)) & 1)
}

fn report(t: &Tally) {
    eprintln!(
        "compared {} messages, {} fields; {} unexplained disagreements; {} explained field differences in {} messages; {} explained legend differences; {} decoded by gpsd only",
        t.compared,
        t.fields,
        t.disagreements.len(),
        t.explained.len(),
        t.explained_messages,
        t.legends.len(),
        t.only_gpsd
    );
    let mut by_field = std::collections::BTreeMap::new();
    for d in &t.disagreements {
        let field = d
            .split(" field ")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .unwrap_or("?");
        *by_field.entry(field.to_string()).or_insert(0usize) += 1;
    }
    if !by_field.is_empty() {
        eprintln!("  disagreements by field: {by_field:?}");
    }
    for d in t.disagreements.iter().take(60) {
        eprintln!("  DISAGREE {d}");
    }
    for d in &t.only_gpsd_examples {
        eprintln!("  gpsd only: {d}");
    }
    for d in t.legends.iter().take(6) {
        eprintln!("  legend {d}");
    }
    for d in t.explained.iter().take(10) {
        eprintln!("  explained {d}");
    }
}

/// gpsd's `.chk` files interleave input lines with the JSON gpsd printed for them, so
/// each gpsd object is compared with what riverwatch decoded from the same lines.
fn compare_interleaved(name: &str, chk: &str, t: &mut Tally) {
    let mut d = Decoder::default();
    let mut pending: Vec<Map<String, Value>> = Vec::new();
    let mut last: Option<Map<String, Value>> = None;
    for line in chk.lines() {
        if line.starts_with('{') {
            let gpsd = ais_objects(line);
            if gpsd.is_empty() {
                continue;
            }
            // The daemon re-reports its last AIS message after other sentences' reports;
            // a repeat with no new input behind it is not a new decode.
            if pending.is_empty() && last.as_ref() == gpsd.first() {
                continue;
            }
            compare(name, &gpsd, &pending, t);
            last = gpsd.into_iter().last();
            pending.clear();
        } else {
            d.decode_line(line.as_bytes(), &mut |o| {
                if let Output::Ais(m) = o {
                    let mut buf = Vec::new();
                    gpsd_json::write(&mut buf, &m, JsonOptions { scaled: false });
                    if let Ok(Value::Object(obj)) = serde_json::from_slice(&buf) {
                        pending.push(obj);
                    }
                }
            });
        }
    }
}

#[test]
fn agrees_with_gpsds_expected_decodes() {
    let dir = corpora().join("gpsd/expected-gpsd-json");
    let mut t = Tally::default();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("expected-gpsd-json")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let chk = std::fs::read_to_string(entry.path()).expect("read chk");
        compare_interleaved(&entry.file_name().to_string_lossy(), &chk, &mut t);
    }
    report(&t);
    assert!(
        t.compared > 1000,
        "too few messages compared: {}",
        t.compared
    );
    assert!(
        t.disagreements.is_empty(),
        "{} unexplained disagreements",
        t.disagreements.len()
    );
    assert!(
        t.explained.len() * 1000 < t.compared,
        "explained differences over 0.1 %"
    );
}

fn ais_logs() -> Vec<PathBuf> {
    let mut logs = Vec::new();
    for dir in std::fs::read_dir(corpora()).expect("corpora").flatten() {
        if !dir.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir.path()).expect("dir").flatten() {
            let p = f.path();
            let text = std::fs::read(&p).unwrap_or_default();
            if p.is_file() && text.windows(4).any(|w| w == b"VDM," || w == b"VDO,") {
                logs.push(p);
            }
        }
    }
    logs.sort();
    logs
}

#[test]
fn agrees_with_gpsdecode_on_every_corpus_log() {
    let Ok(version) = Command::new("gpsdecode").arg("-V").output() else {
        panic!("gpsdecode not found: install the gpsd-clients package (scripts/test does)");
    };
    eprintln!("{}", String::from_utf8_lossy(&version.stdout).trim());
    let mut t = Tally::default();
    for log in ais_logs() {
        let input = std::fs::read(&log).expect("read log");
        let out = Command::new("gpsdecode")
            .args(["-u", "-j"])
            .stdin(std::fs::File::open(&log).expect("open log"))
            .output()
            .expect("run gpsdecode");
        let name = log
            .strip_prefix(corpora())
            .unwrap_or(&log)
            .display()
            .to_string();
        let gpsd = ais_objects(&String::from_utf8_lossy(&out.stdout));
        compare_with(
            &name,
            &gpsd,
            &ours(&input, false),
            &mut t,
            &LEGENDS_BY_RELEASE,
        );
    }
    report(&t);
    assert!(
        t.compared > 5000,
        "too few messages compared: {}",
        t.compared
    );
    assert!(
        t.disagreements.is_empty(),
        "{} unexplained disagreements",
        t.disagreements.len()
    );
    assert!(
        t.explained.len() * 1000 < t.compared,
        "explained differences over 0.1 %"
    );
}
