//! The API black-box: a fresh store, the router on port 0, real HTTP. Every test runs
//! twice, on a fresh SQLite file and on a fresh PostgreSQL database (the server
//! `RIVERWATCH_TEST_PG` names; `scripts/test` starts one).

use std::sync::Arc;

use api::{AppState, hash_password};
use data::{Backend, SqlStore, Store};
use geofence::alert::{Alert, AlertKind, Severity};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct App {
    base: String,
    http: reqwest::Client,
    store: Arc<SqlStore>,
    ids: Vec<String>,
}

impl App {
    async fn login(&self, user: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("request")
    }

    async fn token(&self, user: &str) -> String {
        let r = self.login(user, "correct horse").await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        v["token"].as_str().expect("token").to_string()
    }

    fn get(&self, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let r = self.http.get(format!("{}{path}", self.base));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    fn post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
    }
}

/// The PostgreSQL server to test against: `RIVERWATCH_TEST_PG` (an admin URL). Unset, the
/// PostgreSQL half is skipped, unless `RIVERWATCH_REQUIRE_PG` is set (`scripts/test`).
fn postgres() -> Option<String> {
    match std::env::var("RIVERWATCH_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("RIVERWATCH_REQUIRE_PG").is_none(),
                "RIVERWATCH_REQUIRE_PG is set but RIVERWATCH_TEST_PG is not"
            );
            eprintln!(
                "RIVERWATCH_TEST_PG is not set: PostgreSQL not tested (scripts/test sets it)"
            );
            None
        }
    }
}

/// Runs each test body on both backends.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(app) = super::spawn_app(super::Backend::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = super::spawn_app(super::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

async fn spawn_app(backend: Backend) -> Option<App> {
    let store = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!(
                "riverwatch-api-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            SqlStore::open_sqlite(&dir.join("riverwatch.sqlite"))
                .await
                .expect("store")
        }
        Backend::Postgres => {
            let url = data::fresh_postgres_database(&postgres()?, "rw_api")
                .await
                .expect("a fresh database");
            SqlStore::open(&url).await.expect("store")
        }
    };
    let store = Arc::new(store);
    let hash = hash_password("correct horse").expect("hash");
    for (name, role) in [
        ("officer.li", "officer"),
        ("supervisor.wang", "supervisor"),
        ("agency.env", "agency"),
    ] {
        store.create_user(name, role, &hash, 0).await.expect("user");
    }
    let mut ids = Vec::new();
    for n in 0..12u32 {
        let kind = if n.is_multiple_of(2) {
            AlertKind::UnlicensedDockActivity
        } else {
            AlertKind::AisGap
        };
        let zone = n.is_multiple_of(2).then_some("dock-unlic-01");
        let started = 1_795_132_800_000 + i64::from(n) * 60_000;
        let a = Alert {
            id: Alert::new_id(kind, 413_000_000 + n, zone, started),
            kind,
            severity: Severity::High,
            mmsi: 413_000_000 + n,
            vessel_name: None,
            zone_id: zone.map(str::to_string),
            started_at_ms: started,
            ended_at_ms: None,
            detected_at_ms: started,
            position: (120.3, 30.5),
            evidence: json!({"n": n}),
        };
        store.save_alert(&a).await.expect("alert");
        ids.push(a.id);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(store.clone());
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    Some(App {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        store,
        ids,
    })
}

on_both!(
    health_is_public_and_login_hands_out_tokens,
    alerts_need_a_token_and_an_officers_role,
    officers_list_filter_and_page_alerts,
    the_life_cycle_by_role_with_history,
    the_stream_sends_every_change_and_resumes,
    sessions_sign_out_and_a_brute_force_is_stopped,
);

async fn code(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        v["error"]["code"].as_str().unwrap_or_default().to_string(),
    )
}

async fn health_is_public_and_login_hands_out_tokens(app: App) {
    let r = app.get("/healthz", None).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.login("officer.li", "correct horse").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["role"], "officer");
    assert_eq!(v["token"].as_str().map(str::len), Some(64));
    assert_eq!(
        code(app.login("officer.li", "wrong").await).await,
        (StatusCode::UNAUTHORIZED, "bad_credentials".into())
    );
    assert_eq!(
        code(app.login("nobody", "correct horse").await).await,
        (StatusCode::UNAUTHORIZED, "bad_credentials".into())
    );
    let r = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("content-type", "application/json")
        .body("{\"username\": 3")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn alerts_need_a_token_and_an_officers_role(app: App) {
    assert_eq!(
        code(
            app.get("/api/v1/alerts", None)
                .send()
                .await
                .expect("request")
        )
        .await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );
    assert_eq!(
        code(
            app.get("/api/v1/alerts", Some("not-a-token"))
                .send()
                .await
                .expect("request")
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    // An expired token.
    let user = app
        .store
        .user_by_name("officer.li")
        .await
        .expect("read")
        .expect("user");
    let stale = "stale-token";
    let digest: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(stale.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    app.store
        .create_token(&digest, user.id, 0, 1)
        .await
        .expect("token");
    assert_eq!(
        code(
            app.get("/api/v1/alerts", Some(stale))
                .send()
                .await
                .expect("request")
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let agency = app.token("agency.env").await;
    assert_eq!(
        code(
            app.get("/api/v1/alerts", Some(&agency))
                .send()
                .await
                .expect("request")
        )
        .await,
        (StatusCode::FORBIDDEN, "forbidden".into())
    );
}

async fn officers_list_filter_and_page_alerts(app: App) {
    let t = app.token("officer.li").await;
    let list = |q: &str| {
        let req = app.get(&format!("/api/v1/alerts{q}"), Some(&t));
        async move {
            let r = req.send().await.expect("request");
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, v) = list("").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["alerts"].as_array().map(Vec::len), Some(12));
    assert_eq!(v["alerts"][0]["status"], "new");
    let (_, v) = list("?kind=ais_gap").await;
    assert_eq!(v["alerts"].as_array().map(Vec::len), Some(6));
    let (_, v) = list("?zone_id=dock-unlic-01&mmsi=413000004").await;
    assert_eq!(v["alerts"].as_array().map(Vec::len), Some(1));
    let (_, v) = list("?since=2026-11-20T00:05:00Z&until=1795133400000").await;
    assert_eq!(v["alerts"].as_array().map(Vec::len), Some(5));
    // Pages of 5.
    let (_, p1) = list("?limit=5").await;
    let cursor = p1["next_cursor"].as_str().expect("more").to_string();
    let (_, p2) = list(&format!("?limit=5&cursor={cursor}")).await;
    assert_eq!(p2["alerts"].as_array().map(Vec::len), Some(5));
    assert_ne!(p1["alerts"][0]["id"], p2["alerts"][0]["id"]);
    // Bad filters are 422 with a stable code; SQL metacharacters are just values.
    for q in [
        "?kind=smuggling",
        "?mmsi=abc",
        "?since=yesterday",
        "?limit=0",
        "?cursor=x",
    ] {
        let (s, v) = list(q).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_filter")),
            "{q}"
        );
    }
    let (s, v) = list("?zone_id=x'%20OR%20'1'='1").await;
    assert_eq!(
        (s, v["alerts"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    let (s, _) = list("").await;
    assert_eq!(s, StatusCode::OK, "the table is still there");
}

async fn the_life_cycle_by_role_with_history(app: App) {
    let officer = app.token("officer.li").await;
    let supervisor = app.token("supervisor.wang").await;
    let id = app.ids[0].clone();
    let act = |who: &str, action: &str, note: &str| {
        let req = app
            .post(&format!("/api/v1/alerts/{id}/{action}"), who)
            .json(&json!({"note": note}));
        async move { code(req.send().await.expect("request")).await }
    };
    assert_eq!(
        act(&officer, "confirm", "").await,
        (StatusCode::FORBIDDEN, "forbidden".into())
    );
    assert_eq!(
        act(&officer, "acknowledge", "on it").await.0,
        StatusCode::OK
    );
    assert_eq!(
        act(&supervisor, "refer", "").await,
        (StatusCode::CONFLICT, "invalid_transition".into())
    );
    assert_eq!(
        act(&supervisor, "confirm", "camera 3 shows loading")
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(act(&supervisor, "fly", "").await.0, StatusCode::NOT_FOUND);
    let r = app
        .post("/api/v1/alerts/nope/acknowledge", &officer)
        .send()
        .await
        .expect("request");
    assert_eq!(code(r).await, (StatusCode::NOT_FOUND, "not_found".into()));
    let r = app
        .get(&format!("/api/v1/alerts/{id}"), Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["history"][0]["by"], "officer.li");
    assert_eq!(v["history"][1]["note"], "camera 3 shows loading");
    let r = app
        .get("/api/v1/alerts/nope", Some(&officer))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Oversized bodies are refused.
    let r = app
        .post(&format!("/api/v1/alerts/{id}/close"), &supervisor)
        .header("content-type", "application/json")
        .body(format!("{{\"note\": \"{}\"}}", "x".repeat(100_000)))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Reads server-sent events until `n` have arrived: (id, data).
async fn sse_events(r: &mut reqwest::Response, buf: &mut String, n: usize) -> Vec<(i64, Value)> {
    let mut out = Vec::new();
    while out.len() < n {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse::<i64>().ok();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            if let Some(id) = id {
                out.push((id, serde_json::from_str(&data).expect("event data is JSON")));
            }
        }
        if out.len() >= n {
            break;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), r.chunk())
            .await
            .expect("an event within 20 s")
            .expect("stream")
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    out
}

async fn the_stream_sends_every_change_and_resumes(app: App) {
    let r = app
        .get("/api/v1/alerts/stream", None)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let agency = app.token("agency.env").await;
    let r = app
        .get("/api/v1/alerts/stream", Some(&agency))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let officer = app.token("officer.li").await;
    // From the start: the twelve alerts as they opened, in order.
    let mut r = app
        .get("/api/v1/alerts/stream", Some(&officer))
        .header("Last-Event-ID", "0")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/event-stream")
    );
    let mut buf = String::new();
    let first = sse_events(&mut r, &mut buf, 12).await;
    let ids: Vec<&str> = first
        .iter()
        .map(|(_, v)| v["alert"]["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, app.ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(first.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    assert!(first.iter().all(|(_, v)| v["what"] == "opened"));

    // Live: an acknowledgement arrives as it happens.
    let ack = app
        .post(
            &format!("/api/v1/alerts/{}/acknowledge", app.ids[3]),
            &officer,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(ack.status(), StatusCode::OK);
    let live = sse_events(&mut r, &mut buf, 1).await;
    assert_eq!(live[0].1["what"], "acknowledged");
    assert_eq!(live[0].1["alert"]["id"], app.ids[3].as_str());
    assert_eq!(live[0].1["alert"]["status"], "acknowledged");
    drop(r);

    // Resumed after the fifth event: the sixth onwards, then the acknowledgement.
    let mut r = app
        .get("/api/v1/alerts/stream", Some(&officer))
        .header("Last-Event-ID", first[4].0.to_string())
        .send()
        .await
        .expect("request");
    let mut buf = String::new();
    let resumed = sse_events(&mut r, &mut buf, 8).await;
    assert_eq!(resumed[0].0, first[5].0);
    assert_eq!(resumed[7].0, live[0].0);

    // Without an id the stream starts now; a bad id is refused.
    let r = app
        .get("/api/v1/alerts/stream", Some(&officer))
        .header("Last-Event-ID", "x'; DROP TABLE alerts; --")
        .send()
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_filter".into())
    );
}

async fn sessions_sign_out_and_a_brute_force_is_stopped(app: App) {
    // The console's cookie works like the bearer token.
    let r = app.login("officer.li", "correct horse").await;
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let session = cookie.split(';').next().unwrap_or_default().to_string();
    let me = |cookie: String| {
        let req = app
            .http
            .get(format!("{}/api/v1/auth/me", app.base))
            .header("cookie", cookie);
        async move { req.send().await.expect("request") }
    };
    let r = me(session.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (v["username"].as_str(), v["role"].as_str()),
        (Some("officer.li"), Some("officer"))
    );
    // Signing out ends the session.
    let r = app
        .http
        .post(format!("{}/api/v1/auth/logout", app.base))
        .header("cookie", session.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(session).await.status(), StatusCode::UNAUTHORIZED);

    // Ten wrong passwords, then even the right one waits.
    for _ in 0..10 {
        assert_eq!(
            app.login("supervisor.wang", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login("supervisor.wang", "correct horse").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=300).contains(&wait));
    assert_eq!(code(r).await.1, "too_many_attempts");
    // The same client guessing other names is stopped too (it is counted by address).
    assert_eq!(
        app.login("officer.li", "correct horse").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
