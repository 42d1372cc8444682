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
    serve_with(state, &[])
}

fn serve_with(state: &Path, extra: &[&str]) -> (Child, String, String, mpsc::Receiver<String>) {
    serve_in(Path::new(DATA), state, extra)
}

fn serve_in(
    data: &Path,
    state: &Path,
    extra: &[&str],
) -> (Child, String, String, mpsc::Receiver<String>) {
    let mut child = riverwatch()
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(["--tcp-listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .args(extra)
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
        // Shown when a test fails.
        eprintln!("serve: {line}");
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
    add_user(&state, "li", "supervisor");

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

/// Kills the server if a test fails before stopping it, so no run is left hanging.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn login(http: &reqwest::blocking::Client, api: &str, user: &str, password: &str) -> String {
    let v: Value = http
        .post(format!("http://{api}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .and_then(|r| r.json())
        .expect("login");
    v["token"].as_str().expect("token").to_string()
}

fn add_user(state: &Path, name: &str, role: &str) {
    add_user_with(state, name, role, &[]);
}

fn add_user_with(state: &Path, name: &str, role: &str, extra: &[&str]) {
    let mut add = riverwatch()
        .args([
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--state-dir",
        ])
        .arg(state)
        .args(extra)
        .stdin(Stdio::piped())
        .spawn()
        .expect("user add");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse battery\n")
        .expect("password");
    assert!(add.wait().expect("exits").success());
}

/// Polls `f` (4 times a second, at most 30 s) until it gives a value.
fn within_30s<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..120 {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    None
}

#[test]
fn a_zone_drawn_through_the_api_reaches_the_running_engine() {
    zone_drawn_through_the_api("sqlite", &[]);
}

/// The same on PostgreSQL (the server `RIVERWATCH_TEST_PG` names; `scripts/test` starts
/// one and sets `RIVERWATCH_REQUIRE_PG`, so CI never skips it).
#[test]
fn a_zone_drawn_through_the_api_reaches_the_running_engine_on_postgres() {
    let Ok(admin) = std::env::var("RIVERWATCH_TEST_PG") else {
        assert!(
            std::env::var_os("RIVERWATCH_REQUIRE_PG").is_none(),
            "RIVERWATCH_REQUIRE_PG is set but RIVERWATCH_TEST_PG is not"
        );
        eprintln!("RIVERWATCH_TEST_PG is not set: serve on PostgreSQL not tested");
        return;
    };
    let url = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(data::fresh_postgres_database(&admin, "rw_serve"))
        .expect("a fresh database");
    zone_drawn_through_the_api("postgres", &["--database", &url]);
}

fn zone_drawn_through_the_api(name: &str, db: &[&str]) {
    use ais::feed::{Feed, Position};
    let dir = std::env::temp_dir().join(format!("riverwatch-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");
    add_user_with(&state, "zhao", "admin", db);
    let (child, tower, api, rx) = serve_with(&state, db);
    let mut guard = Guard(Some(child));
    let http = reqwest::blocking::Client::new();
    let token = login(&http, &api, "zhao", "correct horse battery");

    // A tug lies still in the channel where no zone is drawn: 20 minutes, a report
    // every 10 s, pushed in two halves.
    let (lon, lat) = (120.4321, 30.5432);
    let t0 = 1_795_132_800_000i64;
    let mut feed = Feed::new("tower-9");
    let mut half = |from: i64, to: i64| {
        let mut t = from;
        while t < to {
            let j = ((t / 10_000) % 5) as f64 * 1e-6;
            feed.class_a(t, 413_777_001, Position::new(lon + j, lat - j, 0.1, 0.0));
            t += 10_000;
        }
        feed.take_lines().join("\r\n") + "\r\n"
    };
    let first = half(t0, t0 + 10 * 60_000);
    let second = half(t0 + 10 * 60_000, t0 + 20 * 60_000);
    let mut conn = TcpStream::connect(&tower).expect("tower connects");
    conn.write_all(first.as_bytes()).expect("push");
    let get = |path: &str| -> Value {
        http.get(format!("http://{api}{path}"))
            .bearer_auth(&token)
            .send()
            .and_then(|r| r.json())
            .unwrap_or(Value::Null)
    };
    // The engine has taken the first half: the vessel is stored, stopped, and nothing fired.
    let v = within_30s(|| {
        let v = get("/api/v1/vessels/413777001");
        (v["stopped_since"].is_string() && v["last_heard"].as_str() >= Some("2026-11-20T00:09:00Z"))
            .then_some(v)
    })
    .expect("the vessel's state reaches the store");
    assert_eq!(v["zones"].as_array().map(Vec::len), Some(0), "{v}");
    let berthing = |kind: &str| get(&format!("/api/v1/alerts?kind={kind}"))["alerts"].clone();
    assert_eq!(
        berthing("illegal_berthing").as_array().map(Vec::len),
        Some(0)
    );

    // An administrator draws a no-berthing zone around it.
    let d = 0.002;
    let zone = json!({"type": "Feature", "id": "nb-new", "properties": {"kind": "no_berthing", "name": "新禁停区"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
            [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]}});
    let r = http
        .put(format!("http://{api}/api/v1/zones/nb-new"))
        .bearer_auth(&token)
        .json(&zone)
        .send()
        .expect("put");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let v: Value = r.json().expect("json");
    assert_eq!(v["engine"]["running"], true, "{v}");

    // The second half: the rule fires in the new zone, five minutes after it was drawn.
    conn.write_all(second.as_bytes()).expect("push");
    let alert = within_30s(|| {
        let a = berthing("illegal_berthing");
        a.as_array().and_then(|a| a.first().cloned())
    })
    .expect("illegal berthing in the new zone");
    assert_eq!(alert["zone_id"], "nb-new");
    assert_eq!(alert["mmsi"], 413_777_001);

    // The vessel's track, the receivers' health and the metrics show the same traffic.
    // Track points are stored beside the alerts, not before them: wait for them too.
    let track = within_30s(|| {
        let t = get("/api/v1/vessels/413777001/track");
        (t["features"][0]["geometry"]["type"] == "LineString").then_some(t)
    });
    assert!(track.is_some(), "the vessel's track is stored");
    let receivers = get("/api/v1/receivers");
    assert!(
        receivers["receivers"][0]["lines"].as_u64() >= Some(100),
        "{receivers}"
    );
    let metrics = http
        .get(format!("http://{api}/metrics"))
        .send()
        .and_then(|r| r.text())
        .expect("metrics");
    assert!(
        metrics.contains("riverwatch_engine_admitted_total 120"),
        "{metrics}"
    );
    assert!(metrics.contains("riverwatch_alerts_opened_total{kind=\"illegal_berthing\"} 1"));
    drop(conn);
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads the live stream in a thread: every alert id it delivers.
fn stream_ids(api: &str, token: &str) -> mpsc::Receiver<String> {
    use std::io::Read;
    let (tx, rx) = mpsc::channel();
    let mut r = reqwest::blocking::Client::builder()
        .timeout(None)
        .build()
        .expect("client")
        .get(format!("http://{api}/api/v1/alerts/stream"))
        .bearer_auth(token)
        .header("Last-Event-ID", "0")
        .send()
        .expect("stream");
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut text = String::new();
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                for data in block.lines().filter_map(|l| l.strip_prefix("data: ")) {
                    if let Ok(v) = serde_json::from_str::<Value>(data)
                        && let Some(id) = v["alert"]["id"].as_str()
                        && tx.send(id.to_string()).is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    rx
}

fn kill_9(mut child: Child) {
    assert!(
        Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    let _ = child.wait();
}

/// A tug's reports, lying still at (lon, lat) every 10 s from `from` to `to`.
fn lying(feed: &mut ais::feed::Feed, from: i64, to: i64, at: (f64, f64)) -> String {
    let mut t = from;
    while t < to {
        let j = ((t / 10_000) % 5) as f64 * 1e-6;
        feed.class_a(
            t,
            413_888_001,
            ais::feed::Position::new(at.0 + j, at.1 - j, 0.1, 0.0),
        );
        t += 10_000;
    }
    feed.take_lines().join("\r\n") + "\r\n"
}

#[test]
fn killed_with_9_while_fed_it_loses_nothing_and_fires_nothing_twice() {
    let dir = std::env::temp_dir().join(format!("riverwatch-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");
    add_user(&state, "zhao", "admin");
    // Snapshots only at start, after edits and on shutdown: between, the journal alone
    // carries the engine's state across the kills.
    let config = dir.join("riverwatch.toml");
    std::fs::write(&config, "[store]\nsnapshot_every_s = 3600\n").expect("config");
    let config = config.to_string_lossy().into_owned();
    let args = ["--config", config.as_str()];
    let http = reqwest::blocking::Client::new();

    // 1. The simulator feeds a day of the demo river; the stream delivers alerts; kill -9.
    let (child, tower, api, _rx) = serve_with(&state, &args);
    let mut guard = Guard(Some(child));
    let token = login(&http, &api, "zhao", "correct horse battery");
    let ids = stream_ids(&api, &token);
    let mut sim = riverwatch()
        .args([
            "simulate", "--days", "1", "--seed", "4", "--data", DATA, "--speed", "1500", "--to",
        ])
        .arg(&tower)
        .stderr(Stdio::null())
        .spawn()
        .expect("simulate");
    let mut seen = Vec::new();
    while seen.len() < 6 {
        seen.push(
            ids.recv_timeout(Duration::from_secs(60))
                .expect("alerts on the stream"),
        );
    }
    if let Some(c) = guard.0.take() {
        kill_9(c);
    }
    let _ = sim.wait();

    // Restarted: every alert the stream delivered is there.
    let (child, tower, api, _rx) = serve_with(&state, &args);
    guard.0 = Some(child);
    let token = login(&http, &api, "zhao", "correct horse battery");
    for id in &seen {
        let r = http
            .get(format!("http://{api}/api/v1/alerts/{id}"))
            .bearer_auth(&token)
            .send()
            .expect("get");
        assert_eq!(
            r.status(),
            reqwest::StatusCode::OK,
            "alert {id} lost in the crash"
        );
    }

    // 2. A dwell that begins before a kill fires once, after it, from its true start.
    let (lon, lat) = (120.5111, 30.6111);
    let d = 0.002;
    let zone = json!({"type": "Feature", "id": "nb-crash", "properties": {"kind": "no_berthing"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
            [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]}});
    let r = http
        .put(format!("http://{api}/api/v1/zones/nb-crash"))
        .bearer_auth(&token)
        .json(&zone)
        .send()
        .expect("put");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    // After the simulated day: 2026-11-21T02:00:00Z.
    let t0 = 1_795_132_800_000i64 + 26 * 3_600_000;
    let mut feed = ais::feed::Feed::new("tower-7");
    let parts = [
        lying(&mut feed, t0, t0 + 3 * 60_000, (lon, lat)),
        lying(&mut feed, t0 + 3 * 60_000, t0 + 10 * 60_000, (lon, lat)),
        lying(&mut feed, t0 + 10 * 60_000, t0 + 12 * 60_000, (lon, lat)),
    ];
    let get = |api: &str, token: &str, path: &str| -> Value {
        http.get(format!("http://{api}{path}"))
            .bearer_auth(token)
            .send()
            .and_then(|r| r.json())
            .unwrap_or(Value::Null)
    };
    let berthing = |api: &str, token: &str| -> Vec<Value> {
        get(
            api,
            token,
            "/api/v1/alerts?kind=illegal_berthing&zone_id=nb-crash&limit=500",
        )["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let mut conn = TcpStream::connect(&tower).expect("tower");
    conn.write_all(parts[0].as_bytes()).expect("push");
    within_30s(|| {
        let v = get(&api, &token, "/api/v1/vessels/413888001");
        (v["last_heard"].as_str() >= Some("2026-11-21T02:02:00Z")).then_some(())
    })
    .expect("three minutes of the stop taken");
    drop(conn);
    if let Some(c) = guard.0.take() {
        kill_9(c);
    }
    let (child, tower, api, _rx) = serve_with(&state, &args);
    guard.0 = Some(child);
    let token = login(&http, &api, "zhao", "correct horse battery");
    let mut conn = TcpStream::connect(&tower).expect("tower");
    conn.write_all(parts[1].as_bytes()).expect("push");
    let fired = within_30s(|| {
        let a = berthing(&api, &token);
        (!a.is_empty()).then_some(a)
    })
    .expect("the dwell fires after the restart");
    assert_eq!(fired.len(), 1);
    assert_eq!(
        fired[0]["started_at"], "2026-11-21T02:00:00Z",
        "the stop that began before the kill is the one that fired"
    );
    drop(conn);

    // 3. Killed again after it fired: the replayed journal finds it again, stores nothing
    // new, and the stop going on raises nothing more.
    if let Some(c) = guard.0.take() {
        kill_9(c);
    }
    let (child, tower, api, rx) = serve_with(&state, &args);
    guard.0 = Some(child);
    let token = login(&http, &api, "zhao", "correct horse battery");
    let mut conn = TcpStream::connect(&tower).expect("tower");
    conn.write_all(parts[2].as_bytes()).expect("push");
    within_30s(|| {
        let v = get(&api, &token, "/api/v1/vessels/413888001");
        (v["last_heard"].as_str() >= Some("2026-11-21T02:11:00Z")).then_some(())
    })
    .expect("the last part taken");
    let after = berthing(&api, &token);
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["id"], fired[0]["id"]);
    drop(conn);
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pushed_snapshot_is_evidence_and_tampering_is_named() {
    let dir = std::env::temp_dir().join(format!("riverwatch-evidence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");
    add_user(&state, "zhao", "admin");
    let (child, _, api, rx) = serve(&state);
    let mut guard = Guard(Some(child));
    let http = reqwest::blocking::Client::new();
    let token = login(&http, &api, "zhao", "correct horse battery");
    // The demo river's cameras were seeded with the zones.
    let cams: Value = http
        .get(format!("http://{api}/api/v1/cameras"))
        .bearer_auth(&token)
        .send()
        .and_then(|r| r.json())
        .expect("cameras");
    assert_eq!(cams["cameras"].as_array().map(Vec::len), Some(9));
    let cam: Value = http
        .post(format!("http://{api}/api/v1/cameras/cam-bridge-01/token"))
        .bearer_auth(&token)
        .send()
        .and_then(|r| r.json())
        .expect("camera token");
    let cam_token = cam["token"].as_str().expect("token").to_string();
    // A real JPEG, as a camera would push it.
    let jpeg: Vec<u8> = {
        let img = image::RgbImage::from_fn(320, 180, |x, y| image::Rgb([x as u8, y as u8, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("encode");
        out.into_inner()
    };
    let r = http
        .post(format!(
            "http://{api}/api/v1/cameras/cam-bridge-01/snapshots"
        ))
        .bearer_auth(&cam_token)
        .body(jpeg)
        .send()
        .expect("push");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let item: Value = r.json().expect("json");
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    let verify = || {
        riverwatch()
            .args(["evidence", "verify", "--state-dir"])
            .arg(&state)
            .output()
            .expect("verify")
    };
    let o = verify();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 items"));
    // One byte altered: verification fails and names the item.
    let sha = item["sha256"].as_str().expect("sha");
    let path = state.join("images").join(&sha[..2]).join(sha);
    let mut bytes = std::fs::read(&path).expect("image");
    let k = bytes.len() / 2;
    bytes[k] ^= 0x10;
    std::fs::write(&path, &bytes).expect("write");
    let o = verify();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(item["id"].as_str().expect("id")) && err.contains("Altered"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory with the demo river whose polled cameras the simulator serves on a
/// free port, an evidence window wide enough for a debug build at 60x real time, and
/// `extra` settings; with where and when seed 1 berths illegally (the simulator's truth).
/// Returns the data directory, the cameras' port, the berthing's minute of day one and
/// its truth record.
fn camera_river(dir: &Path, extra: &str) -> (std::path::PathBuf, u16, i64, Value) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("dir");
    let o = riverwatch()
        .args([
            "simulate", "--data", DATA, "--days", "1", "--seed", "1", "--out",
        ])
        .arg(dir.join("day.nmea"))
        .output()
        .expect("simulate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = std::fs::read_to_string(dir.join("day.nmea.truth.jsonl")).expect("truth");
    let berthing: Value = truth
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|t| t["kind"] == "illegal_berthing")
        .expect("a berthing is staged");
    let onset = chrono::DateTime::parse_from_rfc3339(berthing["onset"].as_str().expect("onset"))
        .expect("time")
        .timestamp_millis();
    // 2026-11-20T00:00:00Z, the simulator's first day.
    let onset_min = (onset - 1_795_132_800_000) / 60_000;
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("data");
    for f in ["zones.geojson", "registry.csv", "watchlist.csv"] {
        std::fs::copy(Path::new(DATA).join(f), data.join(f)).expect("copy");
    }
    let port = free_port();
    let cameras = std::fs::read_to_string(Path::new(DATA).join("cameras.json"))
        .expect("cameras")
        .replace("127.0.0.1:8554", &format!("127.0.0.1:{port}"));
    std::fs::write(data.join("cameras.json"), cameras).expect("write");
    std::fs::write(
        data.join("riverwatch.toml"),
        format!("[store]\nevidence_window_s = 900\n{extra}"),
    )
    .expect("write");
    (data, port, onset_min, berthing)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Feeds serve's tower from `data` at 60x with the cameras on `port`, fast-forwarded to
/// five minutes before `onset_min`.
fn feed(data: &Path, tower: &str, port: u16, onset_min: i64) -> Guard {
    let sim = riverwatch()
        .args(["simulate", "--data"])
        .arg(data)
        .args(["--days", "1", "--seed", "1", "--speed", "60", "--to", tower])
        .args(["--cameras", &format!("127.0.0.1:{port}")])
        .args(["--fast-forward-min", &(onset_min - 5).max(0).to_string()])
        .stderr(Stdio::null())
        .spawn()
        .expect("simulate");
    Guard(Some(sim))
}

/// The illegal berthing alert once it has its snapshot (at most two minutes).
fn berthing_with_snapshot(
    http: &reqwest::blocking::Client,
    api: &str,
    token: &str,
) -> Option<Value> {
    let get = |path: &str| {
        http.get(format!("http://{api}{path}"))
            .bearer_auth(token)
            .send()
            .ok()?
            .json::<Value>()
            .ok()
    };
    for _ in 0..4 {
        let found = within_30s(|| {
            let list = get("/api/v1/alerts?kind=illegal_berthing")?;
            let id = list["alerts"][0]["id"].as_str()?.to_string();
            let detail = get(&format!("/api/v1/alerts/{id}"))?;
            (!detail["snapshots"].as_array()?.is_empty()).then_some(detail)
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

#[test]
fn an_illegal_berthing_in_view_is_pulled_from_the_simulated_camera_and_marked() {
    let dir = std::env::temp_dir().join(format!("riverwatch-camera-e2e-{}", std::process::id()));
    let (data, port, onset_min, berthing) = camera_river(&dir, "");
    let state = dir.join("state");
    add_user(&state, "wang", "supervisor");
    let (child, tower, api, rx) = serve_in(&data, &state, &[]);
    let mut guard = Guard(Some(child));
    let http = reqwest::blocking::Client::new();
    let token = login(&http, &api, "wang", "correct horse battery");
    let _sim = feed(&data, &tower, port, onset_min);
    // The berthing alert, with the snapshot the camera in view was asked for.
    let get = |path: &str| {
        http.get(format!("http://{api}{path}"))
            .bearer_auth(&token)
            .send()
            .expect("request")
    };
    let found = berthing_with_snapshot(&http, &api, &token);
    let alert = found.expect("an illegal berthing with a snapshot within two minutes");
    assert_eq!(alert["zone_id"], berthing["zone_id"]);
    let snap = &alert["snapshots"][0];
    assert!(
        snap["camera"]
            .as_str()
            .is_some_and(|c| c.starts_with("cam-bridge-")),
        "{snap}"
    );
    let decode = |path: &str| {
        let r = get(path);
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
        image::load_from_memory(&r.bytes().expect("bytes"))
            .expect("a picture")
            .into_rgb8()
    };
    // The vessel in the camera's own frame, and the marker on the marked copy.
    let original = decode(snap["url"].as_str().expect("url"));
    let marked = decode(snap["annotated_url"].as_str().expect("annotated_url"));
    assert_eq!(original.width(), 1920);
    assert_eq!(marked.width(), 1280);
    let marker = f64::from(video::annotate::marker_column(&marked).expect("a marker")) / 1280.0;
    let hulls: Vec<f64> = video::render::silhouette_columns(&original)
        .into_iter()
        .map(|x| x / 1920.0)
        .collect();
    let nearest = hulls
        .iter()
        .copied()
        .min_by(|a, b| (a - marker).abs().total_cmp(&(b - marker).abs()))
        .expect("a vessel in the frame");
    eprintln!("marker at {marker:.4} of the width, the vessel's silhouette at {nearest:.4}");
    assert!(
        (marker - nearest).abs() < 0.05,
        "marker {marker:.4}, silhouettes {hulls:?}"
    );
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a stand-in endpoint received: each POST's headers and body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A stand-in agency endpoint on `port`, up until the returned sender fires: answers 200
/// to every POST to /hook and records its headers and body.
fn agency_endpoint(
    port: u16,
    got: Received,
) -> (
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/hook",
                axum::routing::post(
                    move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                        let got = got.clone();
                        async move {
                            if let Ok(mut g) = got.lock() {
                                g.push((headers, body.to_vec()));
                            }
                            "ok"
                        }
                    },
                ),
            );
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .expect("the endpoint's port");
            let _ = ready_tx.send(());
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    ready
        .recv_timeout(Duration::from_secs(10))
        .expect("the endpoint listens");
    (stop, handle)
}

#[test]
fn a_referral_reaches_an_agency_that_was_down_across_a_restart_exactly_once() {
    let dir = std::env::temp_dir().join(format!("riverwatch-referral-e2e-{}", std::process::id()));
    let (data, port, onset_min, _) = camera_river(&dir, "[referrals]\nretry_base_ms = 200\n");
    let state = dir.join("state");
    add_user(&state, "wang", "supervisor");
    add_user(&state, "zhao", "admin");
    add_user_with(&state, "env.li", "agency", &["--agency", "env"]);
    let (child, tower, api, rx) = serve_in(&data, &state, &[]);
    let mut guard = Guard(Some(child));
    let http = reqwest::blocking::Client::new();
    let wang = login(&http, &api, "wang", "correct horse battery");
    let zhao = login(&http, &api, "zhao", "correct horse battery");
    // The agency's endpoint is down (nothing listens on its port) when the case is referred.
    let hook_port = free_port();
    let agency: Value = http
        .put(format!("http://{api}/api/v1/agencies/env"))
        .bearer_auth(&zhao)
        .json(&json!({"name": "湖州市生态环境局", "contact": "duty desk",
                      "endpoint": format!("http://127.0.0.1:{hook_port}/hook")}))
        .send()
        .and_then(|r| r.json())
        .expect("agency");
    let secret = agency["secret"].as_str().expect("secret").to_string();
    // simulator -> alert with its snapshot -> acknowledged, confirmed -> referred.
    let sim = feed(&data, &tower, port, onset_min);
    let alert = berthing_with_snapshot(&http, &api, &wang).expect("the berthing alert");
    drop(sim);
    let id = alert["id"].as_str().expect("id").to_string();
    for action in ["acknowledge", "confirm"] {
        let r = http
            .post(format!("http://{api}/api/v1/alerts/{id}/{action}"))
            .bearer_auth(&wang)
            .json(&json!({"note": "checked on the bridge camera"}))
            .send()
            .expect("act");
        assert!(r.status().is_success(), "{action}");
    }
    let referral: Value = http
        .post(format!("http://{api}/api/v1/referrals"))
        .bearer_auth(&wang)
        .json(&json!({"agency": "env", "alerts": [id], "note": "moored under the Yunhe bridge"}))
        .send()
        .and_then(|r| r.json())
        .expect("referral");
    let rid = referral["id"].as_str().expect("id").to_string();
    let get = |path: &str, token: &str| -> Value {
        http.get(format!("http://{api}{path}"))
            .bearer_auth(token)
            .send()
            .and_then(|r| r.json())
            .unwrap_or(Value::Null)
    };
    // Two failed attempts, then riverwatch stops.
    within_30s(|| {
        let r = get(&format!("/api/v1/referrals/{rid}"), &wang);
        (r["deliveries"][0]["attempts"].as_i64() >= Some(2)).then_some(())
    })
    .expect("attempts while the endpoint is down");
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    // The endpoint comes up; riverwatch starts again and delivers from its outbox.
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (endpoint_stop, endpoint) = agency_endpoint(hook_port, got.clone());
    let (child, _, api2, rx) = serve_in(&data, &state, &[]);
    let mut guard = Guard(Some(child));
    let wang = login(&http, &api2, "wang", "correct horse battery");
    let get = |path: &str, token: &str| -> Value {
        http.get(format!("http://{api2}{path}"))
            .bearer_auth(token)
            .send()
            .and_then(|r| r.json())
            .unwrap_or(Value::Null)
    };
    let delivered = within_30s(|| {
        let r = get(&format!("/api/v1/referrals/{rid}"), &wang);
        (r["status"] == "delivered").then_some(r)
    })
    .expect("delivered after the restart");
    assert!(delivered["deliveries"][0]["attempts"].as_i64() >= Some(3));
    // Done: nothing more is due for it.
    assert!(delivered["deliveries"][0]["delivered_at"].is_string());
    assert!(delivered["deliveries"][0]["next_attempt_at"].is_null());
    let posts = got.lock().map(|g| g.clone()).unwrap_or_default();
    assert_eq!(posts.len(), 1, "delivered exactly once");
    let (headers, body) = &posts[0];
    assert_eq!(headers["idempotency-key"], format!("{rid}-1").as_str());
    assert!(
        api::referrals::signature_holds(&secret, headers, body),
        "the signature holds"
    );
    // The package verifies offline with the deployment's key; one byte changed does not.
    let key = get("/api/v1/referrals/signing-key", &wang);
    let public = key["ed25519"].as_str().expect("key").to_string();
    let zip = dir.join("package.zip");
    std::fs::write(&zip, body).expect("write");
    let verify = |path: &Path| {
        riverwatch()
            .args(["referral", "verify"])
            .arg(path)
            .args(["--public-key", &public])
            .output()
            .expect("verify")
    };
    let o = verify(&zip);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = api::package::verify(body, Some(&public)).expect("verifies");
    let names: Vec<&str> = v.files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("-marked.jpg")),
        "{names:?}"
    );
    // The printed report names the vessel and the agency (pdftotext reads them back).
    let pdf = dir.join("report.pdf");
    let report = &v
        .files
        .iter()
        .find(|(n, _)| n == "report.pdf")
        .expect("report.pdf")
        .1;
    std::fs::write(&pdf, report).expect("write");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    let vessel = alert["vessel_name"].as_str().expect("the vessel's name");
    assert!(
        text.contains(vessel) && text.contains("湖州市生态环境局") && text.contains("违规停泊"),
        "{text}"
    );
    let mut bad = body.clone();
    let k = bad.len() / 2;
    bad[k] ^= 0x20;
    std::fs::write(&zip, &bad).expect("write");
    assert!(!verify(&zip).status.success(), "a changed byte is caught");
    // The agency's feedback shows on the alert.
    let agency_token = login(&http, &api2, "env.li", "correct horse battery");
    let r = http
        .post(format!("http://{api2}/api/v1/referrals/{rid}/feedback"))
        .bearer_auth(&agency_token)
        .json(
            &json!({"status": "closed", "case_number": "HZ-HJ-2026-0117",
                      "penalty": "fined 20 000 CNY", "note": "owner interviewed"}),
        )
        .send()
        .expect("feedback");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let a = get(&format!("/api/v1/alerts/{id}"), &wang);
    assert!(
        a["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["action"] == "feedback"
                && e["note"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("HZ-HJ-2026-0117"))),
        "{a}"
    );
    if let Some(child) = guard.0.take() {
        stop(child, &rx);
    }
    let _ = endpoint_stop.send(());
    let _ = endpoint.join();
    let _ = std::fs::remove_dir_all(&dir);
}
