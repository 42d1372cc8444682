//! Who is asking and what they may do: argon2 passwords, bearer tokens (stored as SHA-256
//! digests) that also ride in the console's session cookie, roles, sign-in with its rate
//! limit, and sign-out.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data::{Store, User};
use geofence::alert::rfc3339;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState, now_ms};

/// Roles, from least to most trusted for the officers' routes (`agency` is scoped to its
/// referrals and has no officer route).
pub const ROLES: [&str; 4] = ["officer", "supervisor", "admin", "agency"];
/// Who may read alerts, vessels and the river's state.
pub(crate) const OFFICERS: [&str; 3] = ["officer", "supervisor", "admin"];
/// Who may confirm, dismiss, refer and close.
pub(crate) const SUPERVISORS: [&str; 2] = ["supervisor", "admin"];

/// Who may change zones, the registry, the watchlist and accounts.
pub(crate) const ADMINS: [&str; 1] = ["admin"];

/// The console's session cookie: the same token as the bearer one.
pub const SESSION_COOKIE: &str = "rw_session";

/// How long a sign-in lasts.
const TOKEN_TTL_MS: i64 = 12 * 3_600_000;

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

/// Compares secrets in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token in `Authorization: Bearer <token>`, if that is what the header holds.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The token a request carries: `Authorization: Bearer`, else the session cookie.
fn request_token(headers: &HeaderMap) -> Option<&str> {
    if headers.contains_key(header::AUTHORIZATION) {
        return bearer(headers);
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .map(str::trim)
}

/// The signed-in user, from `Authorization: Bearer <token>` or the session cookie.
#[derive(Debug, Clone)]
pub struct Authed(pub User);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthenticated =
            || ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first");
        let token = request_token(&parts.headers)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(unauthenticated)?;
        let user = state
            .store
            .token_user(&digest(token), now_ms())
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(Authed(user))
    }
}

impl Authed {
    pub(crate) fn require(&self, roles: &[&str]) -> Result<(), ApiError> {
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

/// Failed sign-ins allowed per client address, and per account name, in [`LIMIT_WINDOW_MS`];
/// past that, sign-in answers 429 until the window has passed.
const LIMIT_FAILURES: usize = 10;
const LIMIT_WINDOW_MS: i64 = 5 * 60_000;
/// Addresses and names tracked at most; past it the oldest entries are forgotten.
const LIMIT_KEYS: usize = 100_000;

/// Recent failed sign-ins by client address and by account name.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    fn keys(ip: Option<IpAddr>, name: &str) -> Vec<String> {
        let mut keys = vec![format!("user:{name}")];
        keys.extend(ip.map(|ip| format!("ip:{ip}")));
        keys
    }

    /// When the caller may try again, if it is over the limit now.
    fn blocked(&self, keys: &[String], now: i64) -> Option<i64> {
        let map = self.failures.lock().ok()?;
        keys.iter()
            .filter_map(|k| map.get(k))
            .filter_map(|t| {
                let recent: Vec<i64> = t
                    .iter()
                    .copied()
                    .filter(|&at| at > now - LIMIT_WINDOW_MS)
                    .collect();
                (recent.len() >= LIMIT_FAILURES)
                    .then(|| recent[recent.len() - LIMIT_FAILURES] + LIMIT_WINDOW_MS)
            })
            .max()
    }

    fn failed(&self, keys: &[String], now: i64) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= LIMIT_KEYS {
            map.retain(|_, t| t.iter().any(|&at| at > now - LIMIT_WINDOW_MS));
            if map.len() >= LIMIT_KEYS {
                map.clear();
            }
        }
        for k in keys {
            let t = map.entry(k.clone()).or_default();
            t.retain(|&at| at > now - LIMIT_WINDOW_MS);
            t.push(now);
        }
    }

    fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("user:{name}"));
        }
    }
}

/// The client's address, when the server was started with [`crate::serve`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Login {
    username: String,
    password: String,
}

pub(crate) async fn login(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Result<Json<Login>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(l) = body.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
            e.body_text(),
        )
    })?;
    if l.username.len() > 128 || l.password.len() > 1024 || l.username.contains('\0') {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
            "username: at most 128 bytes, no NUL; password: at most 1024 bytes",
        ));
    }
    let now = now_ms();
    let keys = LoginLimiter::keys(ip, &l.username);
    if let Some(until) = st.login_limiter.blocked(&keys, now) {
        let wait_s = ((until - now) / 1000).max(1);
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {wait_s} s"),
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait_s.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let bad = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong name or password",
        )
    };
    let user = st.store.user_by_name(&l.username).await?;
    // The hash is checked even for an unknown name, so timing does not tell names apart.
    let phc = user
        .as_ref()
        .map_or(dummy_hash(), |u| u.password_hash.as_str());
    let ok = verify_password(&l.password, phc);
    let Some(user) = user.filter(|_| ok) else {
        st.login_limiter.failed(&keys, now);
        st.store
            .audit(&l.username, "auth.login_failed", &l.username, "", now)
            .await?;
        return Err(bad());
    };
    st.login_limiter.succeeded(&user.name);
    let token = random_hex(32);
    st.store
        .create_token(&digest(&token), user.id, now, now + TOKEN_TTL_MS)
        .await?;
    st.store
        .audit(&user.name, "auth.login", &user.name, "", now)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        TOKEN_TTL_MS / 1000
    );
    let mut r = Json(json!({
        "token": token,
        "role": user.role,
        "expires_at": rfc3339(now + TOKEN_TTL_MS),
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// A hash of a random password: what an unknown name is checked against.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_hex(16)).unwrap_or_default())
}

/// Signs out: the token stops working and the cookie is cleared.
pub(crate) async fn logout(
    State(st): State<AppState>,
    who: Authed,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(t) = request_token(&headers) {
        st.store.delete_token(&digest(t)).await?;
    }
    st.store
        .audit(&who.0.name, "auth.logout", &who.0.name, "", now_ms())
        .await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("rw_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(r)
}

/// Who the token belongs to.
pub(crate) async fn me(who: Authed) -> Json<Value> {
    Json(json!({"username": who.0.name, "role": who.0.role}))
}
