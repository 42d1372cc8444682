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
    images: video::evidence::ImageStore,
    state: AppState,
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

    fn put(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .put(format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    fn delete(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .delete(format!("{}{path}", self.base))
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
        ("admin.zhao", "admin"),
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
            evidence: json!({"n": n, "track": [
                {"t": "2026-11-20T00:00:00Z", "lon": 120.29, "lat": 30.5, "sog": 5.5},
                {"t": "2026-11-20T00:01:00Z", "lon": 120.3, "lat": 30.5, "sog": 0.2},
            ]}),
        };
        store.save_alert(&a).await.expect("alert");
        ids.push(a.id);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let images_dir = std::env::temp_dir().join(format!(
        "riverwatch-api-images-{}-{}",
        std::process::id(),
        ids[0].len() + addr.port() as usize
    ));
    let images = video::evidence::ImageStore::open(&images_dir).expect("image store");
    let signer = api::package::signing_key(&images_dir.join("referral-signing.key")).expect("key");
    let state = AppState::new(store.clone())
        .with_images(images.clone())
        .with_signer(signer)
        .with_retry_base_ms(1_000);
    tokio::spawn(api::serve(listener, state.clone(), std::future::pending()));
    Some(App {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        store,
        ids,
        images,
        state,
    })
}

on_both!(
    health_is_public_and_login_hands_out_tokens,
    alerts_need_a_token_and_an_officers_role,
    officers_list_filter_and_page_alerts,
    the_life_cycle_by_role_with_history,
    the_stream_sends_every_change_and_resumes,
    sessions_sign_out_and_a_brute_force_is_stopped,
    every_route_is_documented_authenticated_and_authorised,
    zones_crud_and_import_one_bad_zone_blocks_nothing,
    registry_and_watchlist_crud_and_csv,
    vessels_tracks_stats_and_alert_tracks,
    readiness_and_metrics,
    a_slow_stream_client_lags_alone_and_catches_up,
    cameras_push_snapshots_and_the_evidence_chain_verifies,
    cameras_in_view_are_asked_for_a_snapshot_when_an_alert_opens,
    images_linked_to_no_alert_expire_and_the_chain_still_verifies,
    referrals_are_delivered_once_signed_and_seen_only_by_their_agency,
    an_endpoint_that_hangs_holds_up_no_other_delivery,
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
        "?zone_id=%00",
        "?bbox=1,2,3",
    ] {
        let (s, v) = list(q).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_filter")),
            "{q}"
        );
    }
    // SQL metacharacters in every filter: refused where the value has a form (422), and
    // plain values that match nothing where it is free text; never an error of the store.
    for field in [
        "kind", "status", "severity", "zone_id", "mmsi", "since", "until", "bbox", "cursor",
        "limit",
    ] {
        for evil in [
            "x'%20OR%20'1'='1",
            "1;DROP%20TABLE%20alerts;--",
            "%25",
            "%5C",
            "%22",
        ] {
            let (s, v) = list(&format!("?{field}={evil}")).await;
            let ok = (field == "zone_id"
                && s == StatusCode::OK
                && v["alerts"].as_array().map(Vec::len) == Some(0))
                || (s == StatusCode::UNPROCESSABLE_ENTITY && v["error"]["code"] == "bad_filter");
            assert!(ok, "{field}={evil}: {s} {v}");
        }
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

/// A path from the document with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "x1").replace("{mmsi}", "413000001")
}

fn request(app: &App, method: &str, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
    let url = format!("{}{}", app.base, concrete(path));
    let r = match method {
        "get" => app.http.get(url),
        "post" => app.http.post(url),
        "put" => app.http.put(url),
        "delete" => app.http.delete(url),
        other => panic!("method {other}"),
    };
    let r = r.header("content-type", "application/json").body("{}");
    match token {
        Some(t) => r.bearer_auth(t),
        None => r,
    }
}

async fn every_route_is_documented_authenticated_and_authorised(app: App) {
    let r = app
        .get("/api/v1/openapi.json", None)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 25, "{} paths", paths.len());
    let tokens = [
        ("agency", app.token("agency.env").await),
        ("officer", app.token("officer.li").await),
        ("supervisor", app.token("supervisor.wang").await),
    ];
    let below = |access: &str| match access {
        "officer" => Some(&tokens[0]),
        "supervisor" => Some(&tokens[1]),
        "admin" => Some(&tokens[2]),
        _ => None,
    };
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("operations") {
            let access = op["x-access"].as_str().expect("x-access");
            if path == "/api/v1/auth/logout" {
                continue; // checked in sessions_sign_out_…; a call here would sign out
            }
            let r = request(&app, method, path, None)
                .send()
                .await
                .expect("request");
            match access {
                "public" | "metrics" => assert_ne!(
                    r.status(),
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is public"
                ),
                _ => {
                    assert_eq!(
                        code(r).await,
                        (StatusCode::UNAUTHORIZED, "unauthenticated".into()),
                        "{method} {path} without credentials"
                    );
                    if let Some((role, token)) = below(access) {
                        let r = request(&app, method, path, Some(token))
                            .send()
                            .await
                            .expect("request");
                        assert_eq!(
                            code(r).await,
                            (StatusCode::FORBIDDEN, "forbidden".into()),
                            "{method} {path} as {role}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 30, "{checked} routes checked");
    // Over-long request targets are refused; other origins get no CORS grant.
    let long = format!("/api/v1/alerts?zone_id={}", "x".repeat(9000));
    let r = app
        .get(&long, Some(&tokens[1].1))
        .send()
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::URI_TOO_LONG, "uri_too_long".into())
    );
    let r = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/alerts", app.base),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("request");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = app
        .get("/api/v1/alerts", Some(&tokens[1].1))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // An undocumented route is a 404 with the stable shape.
    let r = app
        .get("/api/v1/nothing-here", None)
        .send()
        .await
        .expect("request");
    assert_eq!(code(r).await, (StatusCode::NOT_FOUND, "not_found".into()));
}

fn square(id: &str, kind: &str, lon: f64, lat: f64) -> Value {
    let d = 0.001;
    json!({"type": "Feature", "id": id, "properties": {"kind": kind, "name": format!("{id} 码头")},
           "geometry": {"type": "Polygon", "coordinates": [[
               [lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}})
}

async fn zones_crud_and_import_one_bad_zone_blocks_nothing(app: App) {
    let admin = app.token("admin.zhao").await;
    let officer = app.token("officer.li").await;
    let put = |id: &str, body: Value, token: &str| {
        let req = app.put(&format!("/api/v1/zones/{id}"), token).json(&body);
        async move {
            let r = req.send().await.expect("request");
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let dock = square("dock-x", "dock", 120.30, 30.50);
    let (s, v) = put("dock-x", dock.clone(), &admin).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["engine"]["running"], false);
    let (s, _) = put("dock-x", dock.clone(), &admin).await;
    assert_eq!(s, StatusCode::OK, "replaced");
    let (s, v) = put("dock-x", dock.clone(), &officer).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    // Bad zones are refused with the loader's reason.
    let mut bowtie = square("bow", "no_berthing", 120.3, 30.5);
    bowtie["geometry"]["coordinates"] = json!([[
        [120.3, 30.5],
        [120.31, 30.51],
        [120.31, 30.5],
        [120.3, 30.51],
        [120.3, 30.5]
    ]]);
    let (s, v) = put("bow", bowtie, &admin).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_zone"))
    );
    let reason = v["error"]["details"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains("self-intersect") || reason.contains("invalid"),
        "{reason}"
    );
    let mut odd = square("odd", "casino", 120.3, 30.5);
    let (s, v) = put("odd", odd.clone(), &admin).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["details"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("casino"),
        "{v}"
    );
    odd["id"] = json!("other");
    let (s, _) = put("odd", odd, &admin).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "path and feature ids differ"
    );
    let (s, v) = put("..%2F..%2Fetc%2Fpasswd", dock.clone(), &admin).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_id"))
    );
    // An import: the good ones are stored, every bad one reported.
    let collection = json!({"type": "FeatureCollection", "features": [
        square("nb-1", "no_berthing", 120.31, 30.5),
        square("anch-1", "anchorage", 120.32, 30.5),
        {"type": "Feature", "properties": {"kind": "dock"}, "geometry": null},
    ]});
    let r = app
        .post("/api/v1/zones", &admin)
        .json(&collection)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["imported"], 2);
    assert_eq!(v["rejected"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["rejected"][0]["reason"], "missing id");
    let r = app
        .get("/api/v1/zones", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    let ids: Vec<&str> = v["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(ids, ["anch-1", "dock-x", "nb-1"]);
    let r = app
        .get("/api/v1/zones/dock-x", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["properties"]["name"], "dock-x 码头");
    // Delete; what is gone is 404, and so is a traversal attempt.
    let r = app
        .delete("/api/v1/zones/dock-x", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    for path in [
        "/api/v1/zones/dock-x",
        "/api/v1/zones/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/zones/%00",
    ] {
        let r = app.get(path, Some(&officer)).send().await.expect("request");
        assert_eq!(
            code(r).await,
            (StatusCode::NOT_FOUND, "not_found".into()),
            "{path}"
        );
    }
    // A whole collection replaced.
    let r = app
        .post("/api/v1/zones?replace=true", &admin)
        .json(&square("only", "dock", 120.4, 30.6))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get("/api/v1/zones", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["features"].as_array().map(Vec::len), Some(1));
}

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/demo");

async fn registry_and_watchlist_crud_and_csv(app: App) {
    let admin = app.token("admin.zhao").await;
    let officer = app.token("officer.li").await;
    let csv = std::fs::read_to_string(format!("{DEMO}/registry.csv")).expect("demo registry");
    let rows = csv.lines().count() - 1;
    let import = |path: &str, body: String| {
        let req = app
            .post(path, &admin)
            .header("content-type", "text/csv")
            .body(body);
        async move {
            let r = req.send().await.expect("request");
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, v) = import("/api/v1/registry/import", csv.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["imported"], rows);
    // Exported as CSV: the same header and rows.
    let r = app
        .get("/api/v1/registry?format=csv", Some(&officer))
        .send()
        .await
        .expect("request");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let out = r.text().await.expect("text");
    assert_eq!(out.lines().next(), csv.lines().next());
    assert_eq!(out.lines().count(), rows + 1);
    // One record by JSON, checked by the engine's rules.
    let entry = json!({"name": "HUO 77", "callsign": "BQ77", "eni": "", "ship_class": "muck_carrier",
        "muck_carrier": true, "max_draught_m": 3.1, "passenger_capacity": 0, "crew_capacity": 4,
        "permits": ["muck_transport:2026-01-01..2026-12-31"], "owner": "X"});
    let r = app
        .put("/api/v1/registry/413000077", &admin)
        .json(&entry)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let mut bad = entry.clone();
    bad["max_draught_m"] = json!("deep");
    let r = app
        .put("/api/v1/registry/413000077", &admin)
        .json(&bad)
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["code"], "bad_record");
    assert_eq!(v["error"]["details"][0]["field"], "max_draught_m");
    bad["max_draught_m"] = json!(3.1);
    bad["tonnage"] = json!(900);
    let r = app
        .put("/api/v1/registry/413000077", &admin)
        .json(&bad)
        .send()
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_record".into())
    );
    let r = app
        .get("/api/v1/registry/413000077", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (v["name"].as_str(), v["permits"].as_str()),
        (
            Some("HUO 77"),
            Some("muck_transport:2026-01-01..2026-12-31")
        )
    );
    // Registered by POST, gone by DELETE; a second POST of the same MMSI is a conflict.
    let mut fresh = entry.clone();
    fresh["mmsi"] = json!(413000099);
    let r = app
        .post("/api/v1/registry", &admin)
        .json(&fresh)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post("/api/v1/registry", &admin)
        .json(&fresh)
        .send()
        .await
        .expect("request");
    assert_eq!(code(r).await, (StatusCode::CONFLICT, "conflict".into()));
    let r = app
        .delete("/api/v1/registry/413000099", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get("/api/v1/registry/413000099", Some(&officer))
        .send()
        .await
        .expect("request");
    assert_eq!(code(r).await, (StatusCode::NOT_FOUND, "not_found".into()));
    // A registry import with bad rows: the good rows load, each bad one is named.
    let (s, v) = import(
        "/api/v1/registry/import",
        "mmsi,name,callsign,eni,ship_class,muck_carrier,max_draught_m,passenger_capacity,crew_capacity,permits,owner\n\
         413000088,GOOD,,,cargo,false,2.0,0,3,,Y\n\
         41300,SHORT,,,cargo,false,2.0,0,3,,Y\n\
         413000089,BAD DATE,,,cargo,false,2.0,0,3,muck_transport:2026-13-01..2026-12-31,Y\n"
            .to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["imported"], 1);
    let lines: Vec<u64> = v["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    assert_eq!(lines, [3, 4]);
    // The watchlist: add, read, export, import, delete.
    let r = app
        .post("/api/v1/watchlist", &admin)
        .json(&json!({"mmsi": 413000077, "reason": "偷倒渣土", "zones": ["dump-01"], "until": "2026-12-31"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.expect("json");
    let id = v["id"].as_str().expect("id").to_string();
    let r = app
        .get(&format!("/api/v1/watchlist/{id}"), Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (v["reason"].as_str(), v["zones"].as_str()),
        (Some("偷倒渣土"), Some("dump-01"))
    );
    let r = app
        .put(&format!("/api/v1/watchlist/{id}"), &admin)
        .json(&json!({"mmsi": 413000077, "reason": "偷倒渣土, 二次", "zones": "", "until": ""}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK, "replaced");
    let r = app
        .get(&format!("/api/v1/watchlist/{id}"), Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (v["reason"].as_str(), v["zones"].as_str()),
        (Some("偷倒渣土, 二次"), Some(""))
    );
    let r = app
        .post("/api/v1/watchlist", &admin)
        .json(&json!({"mmsi": "12", "reason": "x"}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_record".into())
    );
    let wl = std::fs::read_to_string(format!("{DEMO}/watchlist.csv")).expect("demo watchlist");
    let (s, v) = import("/api/v1/watchlist/import", wl.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["imported"], wl.lines().count() - 1);
    let r = app
        .get("/api/v1/watchlist", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v["watchlist"].as_array().map(Vec::len),
        Some(wl.lines().count() - 1),
        "the import replaced the list"
    );
    let first = v["watchlist"][0]["id"].as_str().expect("id").to_string();
    let r = app
        .delete(&format!("/api/v1/watchlist/{first}"), &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let (s, v) = import("/api/v1/watchlist/import", "name,colour\nx,y\n".into()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_csv"))
    );
}

async fn vessels_tracks_stats_and_alert_tracks(app: App) {
    let officer = app.token("officer.li").await;
    let t0 = 1_795_132_800_000i64;
    let state = data::VesselState {
        mmsi: 413_000_001,
        name: Some("ZHE HUO 1".into()),
        last_heard_ms: t0 + 120_000,
        state: json!({"name": "ZHE HUO 1", "position": [120.3, 30.5], "sog": 4.2}),
    };
    let points: Vec<data::TrackPoint> = (0..5)
        .map(|k| data::TrackPoint {
            mmsi: 413_000_001,
            at_ms: t0 + k * 30_000,
            lon: 120.3 + k as f64 * 1e-4,
            lat: 30.5,
            sog_kn: Some(4.2),
            cog_deg: Some(90.0),
        })
        .collect();
    app.store
        .save_vessels(&[state], &points)
        .await
        .expect("save");
    let get = |path: String| {
        let req = app.get(&path, Some(&officer));
        async move {
            let r = req.send().await.expect("request");
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, v) = get("/api/v1/vessels?q=huo".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["vessels"][0]["mmsi"], 413_000_001);
    let (_, v) = get("/api/v1/vessels?q=%25".into()).await;
    assert_eq!(
        v["vessels"].as_array().map(Vec::len),
        Some(0),
        "% is literal"
    );
    let (s, v) = get("/api/v1/vessels/413000001".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["name"].as_str(), v["sog"].as_f64()),
        (Some("ZHE HUO 1"), Some(4.2))
    );
    assert_eq!(v["last_heard"], "2026-11-20T00:02:00Z");
    let (s, v) = get("/api/v1/vessels/413000001/track".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"][0]["geometry"]["type"], "LineString");
    assert_eq!(
        v["features"][0]["geometry"]["coordinates"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(v["features"].as_array().map(Vec::len), Some(6));
    let (_, v) = get(
        "/api/v1/vessels/413000001/track?since=2026-11-20T00:01:00Z&until=2026-11-20T00:02:00Z"
            .into(),
    )
    .await;
    assert_eq!(
        v["features"].as_array().map(Vec::len),
        Some(3),
        "two points and their line"
    );
    for path in [
        "/api/v1/vessels/413999999",
        "/api/v1/vessels/abc",
        "/api/v1/vessels/..%2F1/track",
    ] {
        let (s, v) = get(path.into()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{path}"
        );
    }
    let (s, _) = get("/api/v1/vessels?q=%00".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = get("/api/v1/vessels/413000001/track?since=noon".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Statistics over the twelve alerts.
    let (s, v) =
        get("/api/v1/stats?since=2026-11-20T00:00:00Z&until=2026-11-21T00:00:00Z".into()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 12);
    assert_eq!(v["by_kind"]["ais_gap"], 6);
    assert_eq!(v["by_zone"]["dock-unlic-01"], 6);
    assert_eq!(v["by_day"]["2026-11-20"], 12);
    assert_eq!(v["by_status"]["new"], 12);
    // An alert's detail carries its track as GeoJSON.
    let (_, v) = get(format!("/api/v1/alerts/{}", app.ids[0])).await;
    assert_eq!(
        v["track"]["features"][0]["geometry"]["coordinates"],
        json!([[120.29, 30.5], [120.3, 30.5]])
    );
}

async fn readiness_and_metrics(app: App) {
    let r = app.get("/readyz", None).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get("/metrics", None).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .expect("text")
            .contains("riverwatch_store_up 1")
    );
    // With a metrics token, /metrics wants it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(app.store.clone()).with_metrics_token(Some("m3trics".into()));
    tokio::spawn(api::serve(listener, state, std::future::pending()));
    let url = format!("http://{addr}/metrics");
    let r = app.http.get(&url).send().await.expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .http
        .get(&url)
        .bearer_auth("wrong")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .http
        .get(&url)
        .bearer_auth("m3trics")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
}

async fn a_slow_stream_client_lags_alone_and_catches_up(app: App) {
    let officer = app.token("officer.li").await;
    let open = || {
        let req = app
            .get("/api/v1/alerts/stream", Some(&officer))
            .header("Last-Event-ID", "12");
        async move { req.send().await.expect("stream") }
    };
    // One client reads nothing while 6 000 alerts open: more than the live feed holds for
    // it (4 096) plus its own queue, and (at 8 KB each) more than the sockets buffer.
    let mut slow = open().await;
    let mut fast = open().await;
    let n = 6000u32;
    let store = app.store.clone();
    let writer = tokio::spawn(async move {
        for k in 0..n {
            let started = 1_795_200_000_000 + i64::from(k) * 1000;
            let a = Alert {
                id: Alert::new_id(AlertKind::Speeding, 414_000_000 + k, None, started),
                kind: AlertKind::Speeding,
                severity: Severity::Low,
                mmsi: 414_000_000 + k,
                vessel_name: None,
                zone_id: None,
                started_at_ms: started,
                ended_at_ms: None,
                detected_at_ms: started,
                position: (120.3, 30.5),
                evidence: json!({"pad": "x".repeat(8000)}),
            };
            store.save_alert(&a).await.expect("alert");
        }
    });
    // The other client keeps up with every one, in order, while they are written.
    let mut buf = String::new();
    let got = sse_events(&mut fast, &mut buf, n as usize).await;
    writer.await.expect("writer");
    assert!(
        got.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "in order, none missing"
    );
    // The slow one, reading at last, gets all of them too, in order: what the live feed
    // dropped for it comes from the store.
    let mut buf = String::new();
    let late = sse_events(&mut slow, &mut buf, n as usize).await;
    assert_eq!(late.first().map(|e| e.0), got.first().map(|e| e.0));
    assert!(
        late.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "in order, none missing"
    );
    assert_eq!(late.last().map(|e| e.0), got.last().map(|e| e.0));
}

fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, shade])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

async fn cameras_push_snapshots_and_the_evidence_chain_verifies(app: App) {
    let admin = app.token("admin.zhao").await;
    let officer = app.token("officer.li").await;
    let supervisor = app.token("supervisor.wang").await;
    let camera = |fov: f64| {
        json!({"name": "桥头摄像机", "lon": 120.3, "lat": 30.5, "height_m": 12,
        "bearing_deg": 90, "fov_deg": fov, "range_m": 400})
    };
    let put = |id: &str, body: Value| {
        let req = app
            .put(&format!("/api/v1/cameras/{id}"), &admin)
            .json(&body);
        async move { req.send().await.expect("request") }
    };
    assert_eq!(
        put("cam-1", camera(70.0)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        put("cam-2", camera(70.0)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        code(put("cam-x", camera(0.0)).await).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_camera".into())
    );
    let r = app
        .get("/api/v1/cameras", Some(&officer))
        .send()
        .await
        .expect("request");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["cameras"].as_array().map(Vec::len), Some(2));
    let token = |id: &str| {
        let req = app.post(&format!("/api/v1/cameras/{id}/token"), &admin);
        async move {
            let v: Value = req
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            v["token"].as_str().expect("token").to_string()
        }
    };
    let cam1 = token("cam-1").await;
    let push = |id: &str, tok: &str, body: Vec<u8>, captured: Option<&str>| {
        let mut req = app
            .http
            .post(format!("{}/api/v1/cameras/{id}/snapshots", app.base))
            .bearer_auth(tok)
            .header("content-type", "image/jpeg")
            .body(body);
        if let Some(c) = captured {
            req = req.header("x-capture-time", c);
        }
        async move {
            let r = req.send().await.expect("request");
            let s = r.status();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Two good snapshots, one with the camera's own capture time.
    let first = jpeg(640, 360, 10);
    let (s, a) = push("cam-1", &cam1, first.clone(), Some("2026-11-20T08:00:05Z")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["width"].as_u64(), a["captured_at"].as_str()),
        (Some(640), Some("2026-11-20T08:00:05Z"))
    );
    let (s, b) = push("cam-1", &cam1, jpeg(320, 180, 200), None).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // No header: the time in the image's EXIF (a Chinese camera, UTC+8, stating no offset:
    // the camera's utc_offset_minutes says it).
    let r = app
        .put("/api/v1/cameras/cam-cn", &admin)
        .json(&{
            let mut c = camera(70.0);
            c["utc_offset_minutes"] = json!(480);
            c
        })
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let cn = token("cam-cn").await;
    let exif = video::snapshot::testing::jpeg_with_exif("2026:11:20 08:00:05", None);
    let (s, e) = push("cam-cn", &cn, exif, None).await;
    assert_eq!(
        (s, e["captured_at"].as_str()),
        (StatusCode::CREATED, Some("2026-11-20T00:00:05Z")),
        "{e}"
    );
    // Every bad push is refused with its reason, and nothing is stored.
    let mut bomb = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    bomb.extend(b"IHDR");
    bomb.extend(50_000u32.to_be_bytes());
    bomb.extend(50_000u32.to_be_bytes());
    bomb.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    for (body, want) in [
        (
            b"<html>not a picture</html>".to_vec(),
            (StatusCode::UNPROCESSABLE_ENTITY, "not_an_image"),
        ),
        (
            first[..first.len() / 2].to_vec(),
            (StatusCode::UNPROCESSABLE_ENTITY, "truncated_image"),
        ),
        (
            vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0,
                0, 0xFF, 0xD9,
            ],
            (StatusCode::UNPROCESSABLE_ENTITY, "corrupt_image"),
        ),
        (
            vec![0u8; 17 * 1024 * 1024],
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        ),
    ] {
        let (s, v) = push("cam-1", &cam1, body, None).await;
        assert_eq!(
            (s, v["error"]["code"].as_str().unwrap_or_default()),
            (want.0, want.1),
            "{v}"
        );
    }
    let (s, v) = push("cam-1", &cam1, bomb, None).await;
    assert!(s.is_client_error(), "{s} {v}");
    let (s, v) = push("cam-1", "cam_wrong", jpeg(64, 64, 1), None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (s, _) = push("cam-2", &cam1, jpeg(64, 64, 1), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a camera pushes only as itself");
    let (s, _) = push("cam-1", &officer, jpeg(64, 64, 1), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an officer's token is not a camera's"
    );
    let (s, _) = push("cam-1", &cam1, jpeg(64, 64, 1), Some("yesterday")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A camera deleted: its token pushes nothing.
    let cam2 = token("cam-2").await;
    let r = app
        .delete("/api/v1/cameras/cam-2", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let (s, v) = push("cam-2", &cam2, jpeg(64, 64, 1), None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        app.store.evidence_chain().await.expect("chain").len(),
        3,
        "nothing else stored"
    );

    // The image as stored, and the chain verified.
    let r = app
        .get(
            &format!("/api/v1/snapshots/{}", a["id"].as_str().expect("id")),
            Some(&officer),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), first);
    let r = app
        .get("/api/v1/snapshots/..%2F..%2Fetc", Some(&officer))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let verify = || {
        let req = app.get("/api/v1/evidence/verify", Some(&supervisor));
        async move {
            req.send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    assert_eq!(verify().await, json!({"ok": true, "items": 3}));
    let r = app
        .get("/api/v1/evidence/verify", Some(&officer))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // One byte of the second image altered on disk: verification names it.
    let path = app
        .images
        .path(b["sha256"].as_str().expect("sha"))
        .expect("path");
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[100] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");
    let v = verify().await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"]["index"], 1);
    assert_eq!(v["first_bad"]["id"], b["id"]);
    assert!(
        v["first_bad"]["problem"]
            .as_str()
            .unwrap_or_default()
            .starts_with("altered"),
        "{v}"
    );
}

fn plain_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([40, 90, 140]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

/// A stand-in tower camera on loopback: `/snap.jpg` wants HTTP Basic admin:s3cret,
/// `/digest.jpg` HTTP Digest (SHA-256) with the same, `/big.jpg` answers 17 MiB, `/ptz.jpg`
/// anyone, and `/onvif/ptz` takes ONVIF moves. Returns its address, the Authorization
/// headers it saw and the move requests.
async fn stand_in_camera(
    frame: Vec<u8>,
) -> (
    std::net::SocketAddr,
    Arc<std::sync::Mutex<Vec<String>>>,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    use axum::http::{HeaderMap, StatusCode as S};
    use axum::response::IntoResponse;
    let asked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let moves = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let auth_of = |h: &HeaderMap| {
        h.get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let answer = |frame: Vec<u8>| {
        (S::OK, [("x-capture-time", "2026-11-20T00:00:03Z")], frame).into_response()
    };
    let app = {
        let (f1, f2, f3, a1, a2, m) = (
            frame.clone(),
            frame.clone(),
            frame,
            asked.clone(),
            asked.clone(),
            moves.clone(),
        );
        axum::Router::new()
            .route(
                "/onvif/ptz",
                axum::routing::post(move |body: String| {
                    let m = m.clone();
                    async move {
                        if let Ok(mut m) = m.lock() {
                            m.push(body);
                        }
                        "<s:Envelope/>"
                    }
                }),
            )
            .route(
                "/snap.jpg",
                axum::routing::get(move |h: HeaderMap| {
                    let (f, a) = (f1.clone(), a1.clone());
                    async move {
                        let auth = auth_of(&h);
                        if let Ok(mut a) = a.lock() {
                            a.push(auth.clone());
                        }
                        if auth == "Basic YWRtaW46czNjcmV0" {
                            answer(f)
                        } else {
                            (S::UNAUTHORIZED, [("www-authenticate", "Basic realm=\"cam\"")])
                                .into_response()
                        }
                    }
                }),
            )
            .route(
                "/digest.jpg",
                axum::routing::get(move |h: HeaderMap| {
                    let (f, a) = (f2.clone(), a2.clone());
                    async move {
                        let auth = auth_of(&h);
                        if let Ok(mut a) = a.lock() {
                            a.push(auth.clone());
                        }
                        // The hash the client sent, recomputed with the right password.
                        let good = digest_auth::AuthorizationHeader::parse(&auth)
                            .ok()
                            .is_some_and(|sent| {
                                let mut want = sent.clone();
                                want.digest(&digest_auth::AuthContext::new(
                                    "admin",
                                    "s3cret",
                                    sent.uri.clone(),
                                ));
                                sent.nonce == "n0nce-42"
                                    && sent.uri == "/digest.jpg"
                                    && want.response == sent.response
                            });
                        if good {
                            answer(f)
                        } else {
                            (
                                S::UNAUTHORIZED,
                                [(
                                    "www-authenticate",
                                    "Digest realm=\"cam\", qop=\"auth\", algorithm=SHA-256, nonce=\"n0nce-42\", opaque=\"x\"",
                                )],
                            )
                                .into_response()
                        }
                    }
                }),
            )
            .route(
                "/big.jpg",
                axum::routing::get(|| async { vec![0u8; 17 * 1024 * 1024] }),
            )
            .route(
                "/ptz.jpg",
                axum::routing::get(move || {
                    let f = f3.clone();
                    async move { answer(f) }
                }),
            )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, asked, moves)
}

async fn cameras_in_view_are_asked_for_a_snapshot_when_an_alert_opens(app: App) {
    let frame = plain_jpeg(1280, 720);
    let (cam_addr, asked, moves) = stand_in_camera(frame.clone()).await;
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed_addr = closed.local_addr().expect("addr");
    drop(closed);

    // The alert is at (120.3, 30.5). Fixed cameras 200 m west look east at it.
    let admin = app.token("admin.zhao").await;
    let west = 120.3 - 200.0 / (111_194.93 * 30.5f64.to_radians().cos());
    let south = 30.5 - 200.0 / 111_194.93;
    let fixed = |lon: f64, url: String| {
        json!({"lon": lon, "lat": 30.5, "height_m": 10, "bearing_deg": 90,
               "fov_deg": 60, "range_m": 400, "snapshot_url": url})
    };
    for (id, body) in [
        (
            "cam-good",
            fixed(west, format!("http://admin:s3cret@{cam_addr}/snap.jpg")),
        ),
        (
            "cam-digest",
            fixed(west, format!("http://admin:s3cret@{cam_addr}/digest.jpg")),
        ),
        (
            "cam-digest-badpw",
            fixed(west, format!("http://admin:guess@{cam_addr}/digest.jpg")),
        ),
        (
            "cam-badpw",
            fixed(west, format!("http://admin:guess@{cam_addr}/snap.jpg")),
        ),
        (
            "cam-down",
            fixed(west, format!("http://{closed_addr}/snap.jpg")),
        ),
        ("cam-big", fixed(west, format!("http://{cam_addr}/big.jpg"))),
        // Looks the other way: not asked.
        (
            "cam-away",
            fixed(120.31, format!("http://admin:s3cret@{cam_addr}/snap.jpg")),
        ),
        // A PTZ head 200 m south, 10 m up, its home bearing west: turned 90 degrees right
        // and tilted down to the vessel before the snapshot.
        (
            "cam-ptz",
            json!({"lon": 120.3, "lat": south, "height_m": 10, "bearing_deg": 270,
                   "fov_deg": 30, "range_m": 400,
                   "snapshot_url": format!("http://{cam_addr}/ptz.jpg"),
                   "ptz": {"onvif_url": format!("http://{cam_addr}/onvif/ptz"),
                           "profile": "Profile_7", "settle_ms": 0}}),
        ),
    ] {
        let r = app
            .put(&format!("/api/v1/cameras/{id}"), &admin)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::CREATED, "{id}");
    }
    let alert = app
        .store
        .alert(&app.ids[0])
        .await
        .expect("read")
        .expect("alert")
        .alert;
    let made = api::cameras::pull_for_alert(&app.state, &alert)
        .await
        .expect("pull");
    let mut from: Vec<&str> = made.iter().map(|m| m.camera_id.as_str()).collect();
    from.sort_unstable();
    assert_eq!(from, ["cam-digest", "cam-good", "cam-ptz"]);
    // Credentials are never sent blind: each camera is first asked without them.
    let asked = asked.lock().map(|a| a.clone()).unwrap_or_default();
    assert_eq!(
        asked.iter().filter(|a| a.is_empty()).count(),
        4,
        "{asked:?}"
    );
    assert!(asked.contains(&"Basic YWRtaW46czNjcmV0".to_string()));
    assert_eq!(
        asked.iter().filter(|a| a.starts_with("Digest ")).count(),
        2,
        "right and wrong password, each answered once: {asked:?}"
    );
    assert_eq!(asked.len(), 8, "cam-away never asked: {asked:?}");
    // The PTZ head was told to turn 90 degrees right of home (x 0.5 of 180) and tilt
    // down atan(10 / 200) = 2.86 degrees (y -0.0318 of 90), for its profile.
    let moves = moves.lock().map(|m| m.clone()).unwrap_or_default();
    assert_eq!(moves.len(), 1, "{moves:?}");
    let tilt = -(10f64 / 200.0).atan().to_degrees() / 90.0;
    assert!(moves[0].contains(r#"x="0.50000""#), "{}", moves[0]);
    assert!(
        moves[0].contains(&format!(r#"y="{tilt:.5}""#)),
        "{} vs {tilt:.5}",
        moves[0]
    );
    assert!(moves[0].contains("<tptz:ProfileToken>Profile_7</tptz:ProfileToken>"));

    // The alert's evidence now holds the pulled frames, at the cameras' stated time.
    let officer = app.token("officer.li").await;
    let v: Value = app
        .get(&format!("/api/v1/alerts/{}", app.ids[0]), Some(&officer))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let snaps = v["snapshots"].as_array().expect("snapshots");
    assert_eq!(snaps.len(), 3, "{v}");
    for s in snaps {
        assert_eq!(s["captured_at"], "2026-11-20T00:00:03Z");
        assert_eq!(s["vessel_frame_x"], 0.5, "{s}");
    }
    let good = snaps
        .iter()
        .find(|s| s["camera"] == "cam-good")
        .expect("cam-good's");
    let r = app
        .get(good["url"].as_str().expect("url"), Some(&officer))
        .send()
        .await
        .expect("request");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), frame);

    // Marked copies: web size with the marker at the vessel's column, a thumbnail, an
    // ETag that answers 304, and the original untouched.
    let get = |url: String, etag: Option<String>| {
        let mut req = app.get(&url, Some(&officer));
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        async move { req.send().await.expect("request") }
    };
    let web_url = good["annotated_url"].as_str().expect("annotated_url");
    let r = get(web_url.to_string(), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let etag = r.headers()["etag"].to_str().expect("etag").to_string();
    let web = image::load_from_memory(&r.bytes().await.expect("bytes"))
        .expect("decodes")
        .into_rgb8();
    assert_eq!((web.width(), web.height()), (1280, 720));
    let x = video::annotate::marker_column(&web).expect("a marker");
    assert!(x.abs_diff(640) <= 3, "marker at {x}");
    let r = get(web_url.to_string(), Some(etag.clone())).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = get(
        good["thumbnail_url"]
            .as_str()
            .expect("thumbnail_url")
            .to_string(),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let thumb = image::load_from_memory(&r.bytes().await.expect("bytes")).expect("decodes");
    assert_eq!((thumb.width(), thumb.height()), (320, 180));
    let sha = good["sha256"].as_str().expect("sha");
    assert_eq!(app.images.get(sha).expect("original"), frame);
    let r = get(web_url.replace("size=web", "size=huge"), None).await;
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_size".into())
    );
    // Not this alert's evidence (an alert ten minutes later): 404.
    let r = get(
        format!(
            "/api/v1/alerts/{}/snapshots/{}?size=web",
            app.ids[10],
            good["id"].as_str().expect("id")
        ),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Scheduled pulls: cam-good every 60 s is pulled when due, not before.
    let mut every = fixed(west, format!("http://admin:s3cret@{cam_addr}/snap.jpg"));
    every["pull_every_s"] = json!(60);
    let r = app
        .put("/api/v1/cameras/cam-good", &admin)
        .json(&every)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let mut last = std::collections::HashMap::new();
    let t0 = 1_800_000_000_000;
    for (t, want) in [
        (t0, 1),
        (t0 + 30_000, 0),
        (t0 + 59_999, 0),
        (t0 + 60_000, 1),
    ] {
        let made = api::cameras::pull_due(&app.state, t, &mut last)
            .await
            .expect("pull");
        assert_eq!(made.len(), want, "at +{} ms", t - t0);
        assert!(made.iter().all(|m| m.camera_id == "cam-good"));
    }
    let mut bad = fixed(west, format!("http://{cam_addr}/ptz.jpg"));
    bad["snapshot_url"] = Value::Null;
    bad["pull_every_s"] = json!(60);
    let r = app
        .put("/api/v1/cameras/cam-none", &admin)
        .json(&bad)
        .send()
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_camera".into())
    );
}

async fn images_linked_to_no_alert_expire_and_the_chain_still_verifies(app: App) {
    let admin = app.token("admin.zhao").await;
    let supervisor = app.token("supervisor.wang").await;
    // Cameras 200 m west of the alerts' position (120.3, 30.5), looking east at it.
    let west = 120.3 - 200.0 / (111_194.93 * 30.5f64.to_radians().cos());
    let mut tokens = std::collections::HashMap::new();
    for id in ["cam-1", "cam-gone"] {
        let r = app
            .put(&format!("/api/v1/cameras/{id}"), &admin)
            .json(
                &json!({"lon": west, "lat": 30.5, "height_m": 10, "bearing_deg": 90,
                          "fov_deg": 60, "range_m": 400}),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = app
            .post(&format!("/api/v1/cameras/{id}/token"), &admin)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        tokens.insert(id, v["token"].as_str().expect("token").to_string());
    }
    let push = |cam: &str, bytes: Vec<u8>, at: &str| {
        let req = app
            .http
            .post(format!("{}/api/v1/cameras/{cam}/snapshots", app.base))
            .bearer_auth(&tokens[cam])
            .header("x-capture-time", at)
            .body(bytes);
        async move {
            let v: Value = req.send().await.expect("push").json().await.expect("json");
            v
        }
    };
    // The alerts were detected at 00:00, 00:01, ... 00:11 on 2026-11-20.
    let linked = push("cam-1", jpeg(64, 64, 1), "2026-11-20T00:00:03Z").await;
    let shared = jpeg(64, 64, 2);
    let lone = push("cam-1", shared.clone(), "2026-11-21T00:00:00Z").await;
    let twin = push("cam-1", shared, "2026-11-20T00:02:00Z").await;
    let unlinked = push("cam-1", jpeg(64, 64, 3), "2026-11-22T00:00:00Z").await;
    let gone = push("cam-gone", jpeg(64, 64, 4), "2026-11-22T00:00:00Z").await;
    let r = app
        .delete("/api/v1/cameras/cam-gone", &admin)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let sha = |v: &Value| v["sha256"].as_str().expect("sha").to_string();
    let file = |v: &Value| app.images.path(&sha(v)).expect("path");

    // Too young: nothing expires.
    let now = api::now_ms();
    let n = api::cameras::expire_images(&app.state, now, 30)
        .await
        .expect("retention");
    assert_eq!(n, 0);
    // 31 days on: the two images no alert links to expire; the one whose bytes a kept
    // item shares keeps its file; the gone camera's is kept (its view is unknown).
    let later = now + 31 * 86_400_000;
    let n = api::cameras::expire_images(&app.state, later, 30)
        .await
        .expect("retention");
    assert_eq!(n, 2);
    assert!(!file(&unlinked).exists());
    assert!(file(&lone).exists(), "shared with a kept item");
    assert!(file(&linked).exists() && file(&twin).exists() && file(&gone).exists());
    let officer = app.token("officer.li").await;
    for (v, want) in [
        (&unlinked, StatusCode::GONE),
        (&lone, StatusCode::GONE),
        (&linked, StatusCode::OK),
        (&gone, StatusCode::OK),
    ] {
        let r = app
            .get(
                &format!("/api/v1/snapshots/{}", v["id"].as_str().expect("id")),
                Some(&officer),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), want, "{v}");
        if want == StatusCode::GONE {
            assert_eq!(code(r).await.1, "image_expired");
        }
    }
    // The chain still verifies; expiring again changes nothing.
    let v: Value = app
        .get("/api/v1/evidence/verify", Some(&supervisor))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(v, json!({"ok": true, "items": 5}));
    let n = api::cameras::expire_images(&app.state, later, 30)
        .await
        .expect("retention");
    assert_eq!(n, 0);
    // The alert's evidence is still there.
    let v: Value = app
        .get(&format!("/api/v1/alerts/{}", app.ids[0]), Some(&officer))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(v["snapshots"][0]["id"], linked["id"]);
}

/// A stand-in agency webhook receiver on loopback: answers 503 while `up` is false;
/// records every POST (idempotency key, whether the signature holds under `secret`, body).
async fn stand_in_receiver(
    secret: Arc<std::sync::Mutex<String>>,
) -> (
    String,
    Arc<std::sync::atomic::AtomicBool>,
    Arc<std::sync::Mutex<Vec<(String, bool, Vec<u8>)>>>,
) {
    use axum::http::HeaderMap;
    let up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let app = {
        let (up, got) = (up.clone(), got.clone());
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (up, got, secret) = (up.clone(), got.clone(), secret.clone());
                async move {
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let secret = secret.lock().map(|s| s.clone()).unwrap_or_default();
                    let valid = api::referrals::signature_holds(&secret, &headers, &body);
                    if let Ok(mut g) = got.lock() {
                        g.push((key, valid, body.to_vec()));
                    }
                    if up.load(std::sync::atomic::Ordering::SeqCst) {
                        axum::http::StatusCode::OK
                    } else {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE
                    }
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), up, got)
}

async fn referrals_are_delivered_once_signed_and_seen_only_by_their_agency(app: App) {
    let admin = app.token("admin.zhao").await;
    let supervisor = app.token("supervisor.wang").await;
    let officer = app.token("officer.li").await;
    let secret = Arc::new(std::sync::Mutex::new(String::new()));
    let (hook, up, got) = stand_in_receiver(secret.clone()).await;
    // Two agencies: one with an endpoint (its secret made here, shown once), one without.
    let r = app
        .put("/api/v1/agencies/env", &admin)
        .json(&json!({"name": "湖州市生态环境局", "contact": "0572-000000", "endpoint": hook}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let env: Value = r.json().await.expect("json");
    let made = env["secret"]
        .as_str()
        .expect("secret shown once")
        .to_string();
    if let Ok(mut s) = secret.lock() {
        *s = made;
    }
    let r = app
        .put("/api/v1/agencies/law", &admin)
        .json(&json!({"name": "Comprehensive enforcement bureau", "contact": "desk"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Value = app
        .get("/api/v1/agencies", Some(&officer))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(list["agencies"].as_array().map(Vec::len), Some(2));
    assert!(
        !list.to_string().contains("secret"),
        "secrets never shown again"
    );
    // Two confirmed alerts referred; an unconfirmed one refused; an officer may not refer.
    for id in [&app.ids[0], &app.ids[2]] {
        for action in [data::Action::Acknowledge, data::Action::Confirm] {
            app.store
                .act(id, action, "supervisor.wang", "seen on camera", 1)
                .await
                .expect("act");
        }
    }
    // A Chinese vessel name, from the registry, for the printed report.
    let r = app
        .put("/api/v1/registry/413000000", &admin)
        .json(&json!({"name": "浙湖州货1234", "ship_class": "muck_carrier", "owner": "湖州某航运公司"}))
        .send()
        .await
        .expect("request");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    let refer = |token: &str, alerts: Vec<&String>| {
        app.post("/api/v1/referrals", token)
            .json(&json!({"agency": "env", "alerts": alerts, "note": "渣土船夜间偷排，请依法处理"}))
            .send()
    };
    let r = refer(&officer, vec![&app.ids[0]]).await.expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = refer(&supervisor, vec![&app.ids[4]])
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::CONFLICT, "invalid_transition".into())
    );
    let r = refer(&supervisor, vec![&app.ids[0], &app.ids[2]])
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    let referral: Value = r.json().await.expect("json");
    let rid = referral["id"].as_str().expect("id").to_string();
    assert_eq!(referral["status"], "sent");
    let a = app
        .store
        .alert(&app.ids[0])
        .await
        .expect("read")
        .expect("alert");
    assert_eq!(a.status.as_str(), "referred");

    // The outbox: the receiver is down for the first attempt, backs off, then delivers once.
    let t0 = api::now_ms();
    assert_eq!(
        api::referrals::deliver_due(&app.state, t0)
            .await
            .expect("outbox"),
        1
    );
    assert_eq!(
        api::referrals::deliver_due(&app.state, t0 + 10)
            .await
            .expect("outbox"),
        0,
        "backing off"
    );
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        api::referrals::deliver_due(&app.state, t0 + 5_000)
            .await
            .expect("outbox"),
        1
    );
    assert_eq!(
        api::referrals::deliver_due(&app.state, t0 + 10_000_000)
            .await
            .expect("outbox"),
        0,
        "delivered: done"
    );
    let posts = got.lock().map(|g| g.clone()).unwrap_or_default();
    assert_eq!(posts.len(), 2, "one refused, one delivered");
    assert_eq!(
        posts[0].0, posts[1].0,
        "the same idempotency key on the retry"
    );
    assert!(posts.iter().all(|p| p.1), "every signature holds");
    // The delivered package verifies with the deployment's public key.
    let key: Value = app
        .get("/api/v1/referrals/signing-key", None)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let public = key["ed25519"].as_str().expect("key");
    let v = api::package::verify(&posts[1].2, Some(public)).expect("the package verifies");
    let names: Vec<&str> = v.files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"referral.json") && names.contains(&"track.geojson"),
        "{names:?}"
    );
    // report.pdf renders, and the Chinese text in it is text (pdftotext finds it).
    let pdf = &v
        .files
        .iter()
        .find(|(n, _)| n == "report.pdf")
        .expect("report.pdf")
        .1;
    let text = pdf_text(pdf, "referral");
    assert!(
        text.contains("湖州市生态环境局") && text.contains("渣土船夜间偷排"),
        "{text}"
    );
    assert!(
        text.contains("执法移交报告") && text.contains("unlicensed dock activity"),
        "{text}"
    );
    assert!(
        text.contains("浙湖州货1234"),
        "the vessel's Chinese name: {text}"
    );
    let body: Value = serde_json::from_slice(
        &v.files
            .iter()
            .find(|(n, _)| n == "referral.json")
            .expect("json")
            .1,
    )
    .expect("json");
    assert_eq!(body["alerts"].as_array().map(Vec::len), Some(2));
    assert!(body.to_string().contains("渣土船夜间偷排"));
    let detail: Value = app
        .get(&format!("/api/v1/referrals/{rid}"), Some(&supervisor))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(detail["status"], "delivered");
    assert_eq!(detail["deliveries"][0]["attempts"], 2);

    // Agencies see only their own: agency B is told nothing exists.
    app.store
        .set_user_agency("agency.env", "env")
        .await
        .expect("member");
    let hash = hash_password("correct horse").expect("hash");
    app.store
        .create_user("law.wu", "agency", &hash, 0)
        .await
        .expect("user");
    app.store
        .set_user_agency("law.wu", "law")
        .await
        .expect("member");
    let a_tok = app.token("agency.env").await;
    let b_tok = app.token("law.wu").await;
    for path in [
        format!("/api/v1/referrals/{rid}"),
        format!("/api/v1/referrals/{rid}/package"),
        format!("/api/v1/alerts/{}", app.ids[0]),
        "/api/v1/referrals/ref-nonexistent".to_string(),
    ] {
        let r = app.get(&path, Some(&b_tok)).send().await.expect("request");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path} for agency B");
    }
    let mine: Value = app
        .get("/api/v1/referrals", Some(&b_tok))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(mine["referrals"], json!([]));
    let r = app
        .get(&format!("/api/v1/alerts/{}", app.ids[0]), Some(&a_tok))
        .send()
        .await
        .expect("request");
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "agency A sees what was referred to it"
    );
    let r = app
        .get(&format!("/api/v1/alerts/{}", app.ids[4]), Some(&a_tok))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "and nothing else");
    let zip = app
        .get(&format!("/api/v1/referrals/{rid}/package"), Some(&a_tok))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("bytes");
    api::package::verify(&zip, Some(public)).expect("the download verifies");

    // Feedback: not from an officer, not from agency B; from A it shows on the alerts.
    let feedback = |token: &str, body: Value| {
        app.post(&format!("/api/v1/referrals/{rid}/feedback"), token)
            .json(&body)
            .send()
    };
    let fb = json!({"status": "in_progress", "case_number": "湖环罚〔2026〕17号", "outcome": "case opened", "note": "on site tomorrow"});
    let r = feedback(&officer, fb.clone()).await.expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = feedback(&b_tok, fb.clone()).await.expect("request");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let seq = app.store.last_change_seq().await.expect("seq");
    let r = feedback(&a_tok, fb).await.expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    let after: Value = r.json().await.expect("json");
    assert_eq!(after["status"], "in_progress");
    assert_eq!(after["case_number"], "湖环罚〔2026〕17号");
    let r = feedback(&a_tok, json!({"status": "acknowledged"}))
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::CONFLICT, "invalid_transition".into())
    );
    let a: Value = app
        .get(&format!("/api/v1/alerts/{}", app.ids[0]), Some(&officer))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let history = a["history"].as_array().expect("history");
    assert!(
        history.iter().any(|e| e["action"] == "feedback"
            && e["note"]
                .as_str()
                .unwrap_or_default()
                .contains("湖环罚〔2026〕17号")),
        "{history:?}"
    );
    let changes = app.store.changes_after(seq, 10).await.expect("changes");
    assert_eq!(
        changes.iter().filter(|c| c.what == "feedback").count(),
        2,
        "one per alert, on the stream"
    );

    // Manual redelivery: a new key, delivered.
    let r = app
        .post(&format!("/api/v1/referrals/{rid}/redeliver"), &supervisor)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        api::referrals::deliver_due(&app.state, api::now_ms())
            .await
            .expect("outbox"),
        1
    );
    let posts = got.lock().map(|g| g.clone()).unwrap_or_default();
    assert_eq!(posts.len(), 3);
    assert_ne!(posts[2].0, posts[1].0);

    // The monthly report: this month's referral, referred alerts, feedback and outcome;
    // November's alerts by kind.
    let month = geofence::alert::rfc3339(api::now_ms())[..7].to_string();
    let report = |q: String, token: &str| {
        app.get(&format!("/api/v1/reports/monthly?{q}"), Some(token))
            .send()
    };
    let r: Value = report(format!("month={month}"), &supervisor)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(r["totals"]["referrals"], 1, "{r}");
    assert_eq!(r["totals"]["referred"], 2, "{r}");
    assert_eq!(r["totals"]["feedback_received"], 2, "{r}");
    assert_eq!(r["referrals_by_agency"]["湖州市生态环境局"], 1, "{r}");
    assert_eq!(r["outcomes"][0]["case_number"], "湖环罚〔2026〕17号");
    let nov: Value = report("month=2026-11".into(), &supervisor)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(nov["totals"]["alerts"], 12, "{nov}");
    assert_eq!(nov["by_kind"]["ais_gap"], 6);
    let csv = report(format!("month={month}&format=csv"), &supervisor)
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(
        csv.starts_with("section,key,count\n") && csv.contains("total,referrals,1\n"),
        "{csv}"
    );
    let pdf = report(format!("month={month}&format=pdf"), &supervisor)
        .await
        .expect("request")
        .bytes()
        .await
        .expect("bytes");
    let text = pdf_text(&pdf, "monthly");
    assert!(
        text.contains("月度执法报告") && text.contains("湖环罚〔2026〕17号"),
        "{text}"
    );
    let r = report(format!("month={month}"), &officer)
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = report("month=2026-13".into(), &supervisor)
        .await
        .expect("request");
    assert_eq!(
        code(r).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_filter".into())
    );
}

/// A PDF's text (pdftotext) after checking its first page renders (pdftoppm); both from
/// poppler-utils, which scripts/test installs.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    // One directory per call: the SQLite and PostgreSQL runs read their PDFs side by side.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("riverwatch-pdf-{}-{name}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).expect("write");
    let png = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(png.success(), "pdftoppm renders {name}");
    let rendered = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name().to_string_lossy().ends_with(".png")
                && e.metadata().is_ok_and(|m| m.len() > 1000)
        });
    assert!(rendered, "a page image of {name}");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn an_endpoint_that_hangs_holds_up_no_other_delivery(app: App) {
    let admin = app.token("admin.zhao").await;
    let supervisor = app.token("supervisor.wang").await;
    // One endpoint takes the connection and never answers; the other answers at once.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hang_addr = hanging.local_addr().expect("addr");
    let taken = Arc::new(tokio::sync::Notify::new());
    {
        let taken = taken.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = hanging.accept().await {
                held.push(conn);
                taken.notify_one();
            }
        });
    }
    let (hook, up, got) = stand_in_receiver(Arc::new(std::sync::Mutex::new(String::new()))).await;
    up.store(true, std::sync::atomic::Ordering::SeqCst);
    for (id, endpoint) in [("slow", format!("http://{hang_addr}/hook")), ("env", hook)] {
        let r = app
            .put(&format!("/api/v1/agencies/{id}"), &admin)
            .json(&json!({"name": id, "endpoint": endpoint}))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let refer = |agency: &'static str, alert: String| {
        let (app, supervisor) = (&app, supervisor.clone());
        async move {
            for action in [data::Action::Acknowledge, data::Action::Confirm] {
                app.store
                    .act(&alert, action, "supervisor.wang", "", 1)
                    .await
                    .expect("act");
            }
            let r: Value = app
                .post("/api/v1/referrals", &supervisor)
                .json(&json!({"agency": agency, "alerts": [alert], "note": ""}))
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            r["id"].as_str().expect("id").to_string()
        }
    };
    // The schedule runs and the hanging endpoint has the first delivery's connection...
    let slow = refer("slow", app.ids[6].clone()).await;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(api::referrals::deliver_on_schedule(app.state.clone(), stop));
    tokio::time::timeout(std::time::Duration::from_secs(10), taken.notified())
        .await
        .expect("the hanging endpoint is asked");
    // ...when another agency's referral is made: it is delivered all the same, at once.
    let fast = refer("env", app.ids[8].clone()).await;
    let mut delivered = false;
    for _ in 0..50 {
        let r = app
            .store
            .referral(&fast)
            .await
            .expect("read")
            .expect("referral");
        if r.status == "delivered" {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop_tx.send(true);
    assert!(
        delivered,
        "delivered within 5 s while the other endpoint hangs (30 s timeout)"
    );
    assert_eq!(got.lock().map(|g| g.len()).unwrap_or_default(), 1);
    let slow = app
        .store
        .referral(&slow)
        .await
        .expect("read")
        .expect("referral");
    assert_eq!(slow.status, "sent", "the hanging one is still waiting");
}
