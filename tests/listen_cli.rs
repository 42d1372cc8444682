//! `riverwatch listen` end to end: a tower pushes a simulated day of the demo river over
//! TCP; alerts come out on stdout as they are found; Ctrl-C stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn a_tower_pushing_over_tcp_yields_live_alerts_and_ctrl_c_stops_cleanly() {
    let dir = std::env::temp_dir().join(format!("riverwatch-listen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let feed = dir.join("feed.nmea");
    let o = Command::new(env!("CARGO_BIN_EXE_riverwatch"))
        .args([
            "simulate", "--days", "1", "--seed", "3", "--data", data, "--out",
        ])
        .arg(&feed)
        .output()
        .expect("simulate runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut child = Command::new(env!("CARGO_BIN_EXE_riverwatch"))
        .args([
            "listen",
            "--data",
            data,
            "--tcp-listen",
            "127.0.0.1:0",
            "--status-every",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen starts");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = mpsc::channel();
    let err_reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let addr = loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("listen reports its address");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    let mut tower = TcpStream::connect(&addr).expect("connect to the receiver");
    tower
        .write_all(&std::fs::read(&feed).expect("feed"))
        .expect("push the feed");
    drop(tower);
    // Wait until the receiver has taken the whole feed (its health lines say so).
    let lines = std::fs::read_to_string(&feed)
        .expect("feed")
        .lines()
        .count();
    let mut taken = 0;
    for _ in 0..120 {
        match lines_rx.recv_timeout(Duration::from_secs(2)) {
            Ok(l) if l.starts_with('{') => {
                let v: serde_json::Value = serde_json::from_str(&l).expect("a status line");
                taken = v["lines"].as_u64().unwrap_or(0);
                if taken as usize >= lines && v["connections"] == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    assert_eq!(taken as usize, lines, "every line arrived");
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    let status = child.wait().expect("exits");
    let stderr = err_reader.join().expect("stderr reader");
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("stopped:"), "{stderr}");
    let opened: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("kind").is_some())
        .collect();
    assert!(opened.len() >= 10, "{stdout}");
    assert!(
        opened
            .iter()
            .any(|a| a["kind"] == "unlicensed_dock_activity")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
