//! The officers' HTTP API (axum): `/api/v1`, JSON, every route authenticated and
//! authorised by role unless deliberately public (`/healthz`, `/readyz`, sign-in, the
//! OpenAPI document). The only crate that touches axum. Errors are
//! `{"error": {"code", "message"}}` with stable codes ([`error`]).
//!
//! Modules follow the routes: [`auth`] (passwords, tokens, the session cookie, who may do
//! what, sign-in and its rate limit), [`alerts`] (the list, detail, life-cycle actions),
//! [`stream`] (the live SSE feed).

pub mod alerts;
pub mod auth;
pub mod error;
pub mod stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use data::SqlStore;

pub use auth::{ROLES, hash_password, random_hex};
pub use error::ApiError;

/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<SqlStore>,
    login_limiter: Arc<auth::LoginLimiter>,
}

impl AppState {
    pub fn new(store: Arc<SqlStore>) -> AppState {
        AppState {
            store,
            login_limiter: Arc::default(),
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

/// The API's routes over a store.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/stream", get(stream::alerts))
        .route("/api/v1/alerts/{id}", get(alerts::detail))
        .route("/api/v1/alerts/{id}/{action}", post(alerts::act))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
