//! `riverwatch decode` end to end: the binary on real files and on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn riverwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riverwatch"))
}

#[test]
fn decodes_the_demo_feed_to_json_lines_with_a_summary() {
    let out = riverwatch()
        .args([
            "decode",
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/tower-feed.nmea"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 93);
    assert!(
        objects
            .iter()
            .all(|o| o["class"] == "AIS" && o["scaled"] == true)
    );
    let inland = objects.iter().find(|o| o["fid"] == 10).unwrap();
    assert_eq!(inland["draught"], 3.45);
    assert_eq!(inland["loaded_text"], "Loaded");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("lines 94"), "{stderr}");
    assert!(
        stderr.contains("messages by type  1:90 5:1 8:2"),
        "{stderr}"
    );
}

#[test]
fn names_every_rejected_line_and_keeps_the_good_ones() {
    let mut child = riverwatch()
        .args(["decode", "-u", "--rejects"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = "!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*28\n\
                 garbage\n\
                 !AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27\n\
                 $GPRMC,213950.00,A,5250.53669,N,00542.34920,E,0.020,,070420,,,A*7D\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("\"mmsi\":258568010") && lines[0].contains("\"lon\":6735818"));
    assert!(lines[1].starts_with("{\"class\":\"GNSS\""));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("-:1: rejected: bad checksum"), "{stderr}");
    assert!(
        stderr.contains("-:2: rejected: malformed sentence"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rejects by reason  bad_checksum:1 malformed:1"),
        "{stderr}"
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = riverwatch()
        .args(["decode", "no/such/file.nmea"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot open no/such/file.nmea"), "{stderr}");
}
