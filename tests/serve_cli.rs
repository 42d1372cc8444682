//! `riverwatch serve` end to end: an officer account, a tower pushing a simulated day over
//! TCP, alerts read through the API, Ctrl-C, and the alerts still there after a restart.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");

fn riverwatch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_riverwatch"))
}

/// Starts `serve`; returns it, its receiver and API addresses, and its stderr lines.
fn serve(state: &Path) -> (Child, String, String, mpsc::Receiver<String>) {
    let mut child = riverwatch()
        .args(["serve", "--data", DATA, "--listen", "127.0.0.1:0"])
        .args(["--tcp-listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut tower, mut api) = (None, None);
    while tower.is_none() || api.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve reports its addresses");
        let addr = |l: &str| {
            l.split("listening on ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_string)
        };
        if line.contains("api listening on ") {
            api = addr(&line);
        } else if line.contains("listening on ") {
            tower = addr(&line);
        }
    }
    (
        child,
        tower.unwrap_or_default(),
        api.unwrap_or_default(),
        rx,
    )
}

fn stop(mut child: Child, rx: &mpsc::Receiver<String>) {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let status = child.wait().expect("exits");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(status.success(), "{rest:?}");
}

fn alerts(http: &reqwest::blocking::Client, api: &str, token: &str) -> Vec<Value> {
    let v: Value = http
        .get(format!("http://{api}/api/v1/alerts?limit=500"))
        .bearer_auth(token)
        .send()
        .and_then(|r| r.json())
        .unwrap_or(Value::Null);
    v["alerts"].as_array().cloned().unwrap_or_default()
}

#[test]
fn towers_in_alerts_out_through_the_api_and_kept_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("riverwatch-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");
    let mut add = riverwatch()
        .args([
            "user",
            "add",
            "li",
            "--role",
            "supervisor",
            "--password-stdin",
            "--state-dir",
        ])
        .arg(&state)
        .stdin(Stdio::piped())
        .spawn()
        .expect("user add");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse battery\n")
        .expect("password");
    assert!(add.wait().expect("exits").success());

    let feed = dir.join("feed.nmea");
    let o = riverwatch()
        .args([
            "simulate", "--days", "1", "--seed", "2", "--data", DATA, "--out",
        ])
        .arg(&feed)
        .output()
        .expect("simulate");
    assert!(o.status.success());

    let (child, tower, api, rx) = serve(&state);
    let mut t = TcpStream::connect(&tower).expect("tower connects");
    t.write_all(&std::fs::read(&feed).expect("feed"))
        .expect("push");
    drop(t);
    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("http://{api}/api/v1/auth/login"))
        .json(&json!({"username": "li", "password": "correct horse battery"}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    let token = login["token"].as_str().expect("token").to_string();
    let mut found = Vec::new();
    for _ in 0..120 {
        found = alerts(&http, &api, &token);
        if found.len() >= 18 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        found.len(),
        18,
        "a simulated day of the demo river stages 18"
    );
    let id = found[0]["id"].as_str().expect("id").to_string();
    let r = http
        .post(format!("http://{api}/api/v1/alerts/{id}/acknowledge"))
        .bearer_auth(&token)
        .json(&json!({"note": "on my way"}))
        .send()
        .expect("acknowledge");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    stop(child, &rx);

    // Restarted on the same state: the alerts, their status and the account are still there.
    let (child, _, api, rx) = serve(&state);
    let login: Value = http
        .post(format!("http://{api}/api/v1/auth/login"))
        .json(&json!({"username": "li", "password": "correct horse battery"}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    let token = login["token"].as_str().expect("token").to_string();
    let again = alerts(&http, &api, &token);
    assert_eq!(again.len(), 18);
    assert!(
        again
            .iter()
            .any(|a| a["id"] == id.as_str() && a["status"] == "acknowledged")
    );
    stop(child, &rx);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_prints_a_login_and_alerts_arrive() {
    let state = std::env::temp_dir().join(format!("riverwatch-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let mut child = riverwatch()
        .args(["demo", "--data", DATA, "--listen", "127.0.0.1:0"])
        .args(["--speed", "3000", "--state-dir"])
        .arg(&state)
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let banner = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("demo prints where to sign in");
        if line.contains("the API is at http://") {
            break line;
        }
    };
    let api = banner
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("address")
        .to_string();
    let password = banner
        .split("\"password\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("password")
        .to_string();
    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("http://{api}/api/v1/auth/login"))
        .json(&json!({"username": "demo", "password": password}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    let token = login["token"].as_str().expect("token").to_string();
    let mut found = Vec::new();
    for _ in 0..240 {
        found = alerts(&http, &api, &token);
        if found.len() >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(found.len() >= 3, "alerts arrive from the simulated towers");
    stop(child, &rx);
    let _ = std::fs::remove_dir_all(&state);
}
