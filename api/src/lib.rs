//! The officers' HTTP API (axum): `/api/v1`, JSON, every route authenticated and
//! authorised by role unless deliberately public (`/healthz`). The only crate that touches
//! axum.
//!
//! So far: sign-in (argon2 passwords, bearer tokens stored as SHA-256 digests), the alert
//! list with filters and cursor pages, an alert's detail with its history, and the life
//! cycle actions. Errors are `{"error": {"code", "message"}}` with stable codes.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use data::{Action, AlertFilter, SqlStore, Status, Store, StoreError, User};
use geofence::alert::{AlertKind, Severity, rfc3339};
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Roles, from least to most trusted for the officers' routes (`agency` is scoped to its
/// referrals and has no officer route).
pub const ROLES: [&str; 4] = ["officer", "supervisor", "admin", "agency"];

/// How long a sign-in lasts.
const TOKEN_TTL_MS: i64 = 12 * 3_600_000;
/// Request bodies larger than this are refused (413).
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<SqlStore>,
}

/// An error as the API reports it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            StoreError::Transition { .. } => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", e.to_string())
            }
            StoreError::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            other => {
                tracing::error!("store: {other}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the store failed; see the server log",
                )
            }
        }
    }
}

/// An argon2id PHC string for a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// `n` random bytes from the OS, as hex: tokens and generated passwords.
pub fn random_hex(n: usize) -> String {
    let mut raw = vec![0u8; n];
    OsRng.fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The signed-in user, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Authed(pub User);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthenticated =
            || ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first");
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        let user = state
            .store
            .token_user(&digest(token.trim()), now_ms())
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(Authed(user))
    }
}

impl Authed {
    fn require(&self, roles: &[&str]) -> Result<(), ApiError> {
        if roles.contains(&self.0.role.as_str()) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("a {} may not do this", self.0.role),
            ))
        }
    }
}

const OFFICERS: [&str; 3] = ["officer", "supervisor", "admin"];
const SUPERVISORS: [&str; 2] = ["supervisor", "admin"];

/// The API's routes over a store.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/alerts/{id}", get(alert_detail))
        .route("/api/v1/alerts/{id}/{action}", post(alert_action))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(
    State(st): State<AppState>,
    body: Result<Json<Login>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(l) = body.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
            e.body_text(),
        )
    })?;
    let bad = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong name or password",
        )
    };
    let user = st.store.user_by_name(&l.username).await?.ok_or_else(bad)?;
    if !verify_password(&l.password, &user.password_hash) {
        return Err(bad());
    }
    let token = random_hex(32);
    let now = now_ms();
    st.store
        .create_token(&digest(&token), user.id, now, now + TOKEN_TTL_MS)
        .await?;
    st.store
        .audit(&user.name, "auth.login", &user.name, "", now)
        .await?;
    Ok(Json(json!({
        "token": token,
        "role": user.role,
        "expires_at": rfc3339(now + TOKEN_TTL_MS),
    })))
}

#[derive(Debug, Deserialize, Default)]
struct AlertQuery {
    kind: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    zone_id: Option<String>,
    mmsi: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat` (WGS84 degrees).
    bbox: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

fn bad_filter(field: &str, value: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "bad_filter",
        format!("{field}: {value:?} is not valid"),
    )
}

/// RFC 3339, or ms since the UNIX epoch.
fn time_param(field: &str, v: &str) -> Result<i64, ApiError> {
    v.parse::<i64>()
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(v)
                .ok()
                .map(|t| t.timestamp_millis())
        })
        .ok_or_else(|| bad_filter(field, v))
}

fn filter(q: &AlertQuery) -> Result<AlertFilter, ApiError> {
    let severity = |s: &str| match s {
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    };
    Ok(AlertFilter {
        kind: q
            .kind
            .as_deref()
            .map(|k| AlertKind::parse(k).ok_or_else(|| bad_filter("kind", k)))
            .transpose()?,
        status: q
            .status
            .as_deref()
            .map(|s| Status::parse(s).ok_or_else(|| bad_filter("status", s)))
            .transpose()?,
        severity: q
            .severity
            .as_deref()
            .map(|s| severity(s).ok_or_else(|| bad_filter("severity", s)))
            .transpose()?,
        zone_id: q.zone_id.clone(),
        mmsi: q
            .mmsi
            .as_deref()
            .map(|m| m.parse::<u32>().map_err(|_| bad_filter("mmsi", m)))
            .transpose()?,
        since_ms: q
            .since
            .as_deref()
            .map(|v| time_param("since", v))
            .transpose()?,
        until_ms: q
            .until
            .as_deref()
            .map(|v| time_param("until", v))
            .transpose()?,
        bbox: q.bbox.as_deref().map(bbox_param).transpose()?,
    })
}

fn bbox_param(v: &str) -> Result<[f64; 4], ApiError> {
    let n: Vec<f64> = v
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad_filter("bbox", v))?;
    match n[..] {
        [w, s, e, n]
            if (-180.0..=180.0).contains(&w)
                && (-180.0..=180.0).contains(&e)
                && (-90.0..=90.0).contains(&s)
                && (-90.0..=90.0).contains(&n)
                && w <= e
                && s <= n =>
        {
            Ok([w, s, e, n])
        }
        _ => Err(bad_filter("bbox", v)),
    }
}

fn alert_json(a: &data::StoredAlert) -> Value {
    let mut v = a.alert.to_json();
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), Value::from(a.status.as_str()));
    }
    v
}

async fn list_alerts(
    State(st): State<AppState>,
    who: Authed,
    q: Result<Query<AlertQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let Query(q) = q.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_filter",
            e.body_text(),
        )
    })?;
    let f = filter(&q)?;
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| bad_filter("cursor", c)))
        .transpose()?;
    let limit = q
        .limit
        .as_deref()
        .map(|l| match l.parse::<u32>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(bad_filter("limit", l)),
        })
        .transpose()?
        .unwrap_or(50);
    let page = st.store.list_alerts(&f, cursor, limit).await?;
    Ok(Json(json!({
        "alerts": page.alerts.iter().map(alert_json).collect::<Vec<_>>(),
        "next_cursor": page.next.map(|c| c.to_string()),
    })))
}

async fn alert_detail(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let a = st.store.alert(&id).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no alert {id}"))
    })?;
    let events = st.store.alert_events(&id).await?;
    let mut v = alert_json(&a);
    if let Value::Object(m) = &mut v {
        m.insert(
            "history".into(),
            events
                .iter()
                .map(|e| {
                    json!({"at": rfc3339(e.at_ms), "by": e.actor, "action": e.action,
                           "status": e.status.as_str(), "note": e.note})
                })
                .collect(),
        );
    }
    Ok(Json(v))
}

#[derive(Debug, Deserialize, Default)]
struct ActionBody {
    #[serde(default)]
    note: String,
}

async fn alert_action(
    State(st): State<AppState>,
    who: Authed,
    Path((id, action)): Path<(String, String)>,
    body: Option<Json<ActionBody>>,
) -> Result<Json<Value>, ApiError> {
    let action: Action = action.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no action {action:?}"),
        )
    })?;
    match action {
        Action::Acknowledge => who.require(&OFFICERS)?,
        Action::Confirm | Action::Dismiss | Action::Refer | Action::Close => {
            who.require(&SUPERVISORS)?
        }
    }
    let note = body.map(|Json(b)| b.note).unwrap_or_default();
    if note.len() > 4000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
            "note: at most 4000 bytes",
        ));
    }
    let a = st
        .store
        .act(&id, action, &who.0.name, &note, now_ms())
        .await?;
    Ok(Json(alert_json(&a)))
}
