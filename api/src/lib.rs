//! The officers' HTTP API (axum): `/api/v1`, JSON, every route authenticated and
//! authorised by role unless deliberately public (`/healthz`, `/readyz`, sign-in, the
//! OpenAPI document; `/metrics` unless a metrics token is set). The only crate that
//! touches axum. Errors are `{"error": {"code", "message", "details"?}}` with stable codes
//! ([`error`]).
//!
//! Modules follow the routes: [`auth`] (passwords, tokens, the session cookie, who may do
//! what, sign-in and its rate limit), [`alerts`] (the list, detail, life-cycle actions),
//! [`stream`] (the live SSE feed), [`vessels`], [`zones`], [`lists`] (registry and
//! watchlist), [`cameras`] (cameras, pushed snapshots, evidence verification),
//! [`reports`] (statistics), [`node`] (the engine and receivers behind the
//! API: health, metrics, readiness), [`openapi`] (the document, from the route table);
//! `records` holds what the routes over reference records share.

pub mod alerts;
pub mod auth;
pub mod cameras;
pub mod console;
pub mod error;
pub mod lists;
pub mod node;
pub mod openapi;
pub mod package;
pub mod pdf;
mod records;
pub mod referrals;
pub mod reports;
pub mod stream;
pub mod vessels;
pub mod zones;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use data::{Catalog, SqlStore};
use serde_json::Value;

pub use auth::{ROLES, hash_password, random_hex};
pub use error::ApiError;
pub use node::{NoEngine, Node, NodeFuture};

/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 64 * 1024;
/// Imports (zones, registry, watchlist) may be larger.
const IMPORT_LIMIT: usize = 16 * 1024 * 1024;
/// Longer request targets (path and query) are refused (414).
const URI_LIMIT: usize = 8 * 1024;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<SqlStore>,
    pub node: Arc<dyn Node>,
    /// When set, `/metrics` wants `Authorization: Bearer` this.
    pub metrics_token: Option<String>,
    /// Where evidence images are kept (none: snapshot routes answer 503).
    pub images: Option<Arc<video::evidence::ImageStore>>,
    /// How far from an alert's moment a snapshot may be captured to be its evidence.
    pub evidence_window_ms: i64,
    /// The deployment's key referral packages are signed with.
    pub signer: Option<referrals::Signer>,
    /// The first wait before a failed webhook delivery is tried again (doubling after).
    pub retry_base_ms: i64,
    /// A map tile server the console may draw under the zones (`{z}/{x}/{y}` in it), for
    /// networks that have one; none: the console draws the zones alone.
    pub tile_url: Option<String>,
    camera_index: Arc<std::sync::Mutex<Option<Arc<cameras::CameraIndex>>>>,
    /// One HTTP client (and its connections) for every request to the cameras.
    pub(crate) http: reqwest::Client,
    login_limiter: Arc<auth::LoginLimiter>,
}

impl AppState {
    /// The API over a store, with no engine behind it.
    pub fn new(store: Arc<SqlStore>) -> AppState {
        AppState {
            store,
            node: Arc::new(NoEngine),
            metrics_token: None,
            images: None,
            evidence_window_ms: 60_000,
            tile_url: None,
            signer: None,
            retry_base_ms: 10_000,
            camera_index: Arc::default(),
            // A camera may take this long to answer; the builder only fails on TLS set-up,
            // which this client has none of.
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            login_limiter: Arc::default(),
        }
    }

    pub fn with_images(self, images: video::evidence::ImageStore) -> AppState {
        AppState {
            images: Some(Arc::new(images)),
            ..self
        }
    }

    pub fn with_node(self, node: Arc<dyn Node>) -> AppState {
        AppState { node, ..self }
    }

    pub fn with_evidence_window_ms(self, ms: i64) -> AppState {
        AppState {
            evidence_window_ms: ms,
            ..self
        }
    }

    pub fn with_signer(self, key: ed25519_dalek::SigningKey) -> AppState {
        AppState {
            signer: Some(Arc::new(key)),
            ..self
        }
    }

    pub fn with_retry_base_ms(self, ms: i64) -> AppState {
        AppState {
            retry_base_ms: ms.max(1),
            ..self
        }
    }

    /// Checked by [`console::check_tile_url`].
    pub fn with_tile_url(self, tile_url: Option<String>) -> AppState {
        AppState { tile_url, ..self }
    }

    pub fn with_metrics_token(self, token: Option<String>) -> AppState {
        AppState {
            metrics_token: token,
            ..self
        }
    }
}

/// Serves the API on `listener` until `shutdown` completes; the client's address reaches
/// the handlers (sign-in's rate limit counts by it).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The registry's or the watchlist's routes.
fn list_routes(c: Catalog) -> Router<AppState> {
    Router::new()
        .route("/", get(lists::list).post(lists::create))
        .route(
            "/import",
            post(lists::import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/{id}",
            get(lists::get).put(lists::put).delete(lists::delete),
        )
        .layer(Extension(c))
}

/// The API's routes over a store (documented in [`openapi::ROUTES`]).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/alerts", get(alerts::list))
        .route("/alerts/stream", get(stream::alerts))
        .route("/alerts/{id}", get(alerts::detail))
        .route("/alerts/{id}/{action}", post(alerts::act))
        .route("/alerts/{id}/snapshots/{snapshot}", get(cameras::marked))
        .route("/vessels", get(vessels::search))
        .route("/vessels/{mmsi}", get(vessels::get))
        .route("/vessels/{mmsi}/track", get(vessels::track))
        .route(
            "/zones",
            get(zones::list)
                .post(zones::import)
                .layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route(
            "/zones/{id}",
            get(zones::get).put(zones::put).delete(zones::delete),
        )
        .nest("/registry", list_routes(Catalog::Registry))
        .nest("/watchlist", list_routes(Catalog::Watchlist))
        .route("/cameras", get(cameras::list))
        .route(
            "/cameras/{id}",
            axum::routing::put(cameras::put).delete(cameras::delete),
        )
        .route("/cameras/{id}/token", post(cameras::token))
        .route(
            "/cameras/{id}/snapshots",
            post(cameras::push).layer(DefaultBodyLimit::max(cameras::SNAPSHOT_LIMIT)),
        )
        .route("/snapshots/{id}", get(cameras::image))
        .route("/evidence/verify", get(cameras::verify_chain))
        .route("/agencies", get(referrals::agencies))
        .route("/agencies/{id}", axum::routing::put(referrals::put_agency))
        .route("/referrals", get(referrals::list).post(referrals::create))
        .route("/referrals/signing-key", get(referrals::signing_key))
        .route("/referrals/{id}", get(referrals::get))
        .route("/referrals/{id}/package", get(referrals::package))
        .route("/referrals/{id}/feedback", post(referrals::feedback))
        .route("/referrals/{id}/redeliver", post(referrals::redeliver))
        .route("/receivers", get(node::receivers))
        .route("/stats", get(reports::stats))
        .route("/reports/monthly", get(reports::monthly));
    Router::new()
        .route("/", get(console::index))
        .route("/console/app.js", get(console::script))
        .route("/console/app.css", get(console::style))
        .route("/console/config.json", get(console::config))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(node::readyz))
        .route("/metrics", get(node::metrics))
        .nest("/api/v1", api)
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(limit_uri))
        .with_state(state)
}

/// Refuses request targets past [`URI_LIMIT`]. No CORS layer exists on purpose: browsers
/// on other origins get no `Access-Control-Allow-*` answer (CORS closed by default).
async fn limit_uri(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let len = req.uri().path().len() + req.uri().query().map_or(0, str::len);
    if len > URI_LIMIT {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is {len} bytes; at most {URI_LIMIT}"),
        )
        .into_response();
    }
    next.run(req).await
}

/// A JSON body, or 422 (bad JSON) / 413 (too large) with a stable code.
pub(crate) fn json_body(
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Value, ApiError> {
    match body {
        Ok(Json(v)) => Ok(v),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            e.body_text(),
        )),
        Err(e) => Err(ApiError::invalid("bad_request", e.body_text())),
    }
}

/// The wall clock, ms since the UNIX epoch (audit and token times; never event time).
/// An interval for a background round (pulls, retention, the outbox): a late round is
/// skipped, not bunched.
pub(crate) fn ticker(period: std::time::Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick
}

/// Waits for the next round, or for `stop` to turn true: whether to go on.
pub(crate) async fn next_round(
    tick: &mut tokio::time::Interval,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tick.tick() => {}
        _ = stop.changed() => return false,
    }
    !*stop.borrow()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
