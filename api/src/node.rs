//! What the running node offers the API beyond the store ([`Node`]: the engine and the
//! receivers), and the routes that read it: receivers' health, `/metrics`, `/readyz`.

use std::future::Future;
use std::pin::Pin;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data::Catalog;
use serde_json::{Value, json};

use crate::auth::{Authed, OFFICERS};
use crate::{ApiError, AppState};

/// A boxed future, for [`Node`]'s async method.
pub type NodeFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The engine and receivers of the process serving the API.
pub trait Node: Send + Sync + std::fmt::Debug {
    /// Loads `what` (the zones, or the registry and watchlist) from the store into the
    /// running engine, and says what it took (counts, problems) or why it could not.
    fn reload(&self, what: Catalog) -> NodeFuture<'_, Result<Value, String>>;
    /// Each receiver's health.
    fn receivers(&self) -> Value;
    /// Prometheus text exposition of the receivers and the engine.
    fn metrics(&self) -> String;
}

/// The API without an engine (tests, or a node that only serves the API).
#[derive(Debug, Default)]
pub struct NoEngine;

impl Node for NoEngine {
    fn reload(&self, _: Catalog) -> NodeFuture<'_, Result<Value, String>> {
        Box::pin(async { Ok(json!({"running": false})) })
    }

    fn receivers(&self) -> Value {
        json!([])
    }

    fn metrics(&self) -> String {
        String::new()
    }
}

pub(crate) async fn receivers(
    State(st): State<AppState>,
    who: Authed,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    Ok(Json(json!({"receivers": st.node.receivers()})))
}

/// `/metrics`: public unless a metrics token is configured, then `Bearer` that token.
pub(crate) async fn metrics(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &st.metrics_token
        && !crate::auth::bearer(&headers).is_some_and(|g| crate::auth::same(g, token))
    {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "the metrics token is required",
        )
        .into_response();
    }
    let mut text = st.node.metrics();
    text.push_str("# HELP riverwatch_store_up Whether the store answers.\n");
    text.push_str("# TYPE riverwatch_store_up gauge\n");
    let up = u8::from(st.store.ping().await.is_ok());
    text.push_str(&format!("riverwatch_store_up {up}\n"));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// `/readyz`: 200 when the store answers, else 503.
pub(crate) async fn readyz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        Ok(()) => Json(json!({"ready": true})).into_response(),
        Err(e) => {
            tracing::warn!("readyz: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"ready": false, "store": "unreachable"})),
            )
                .into_response()
        }
    }
}
