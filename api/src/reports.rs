//! Statistics: alerts by kind, status, zone and day over a time range, the numbers the
//! department's reports cite.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alerts::time_param;
use crate::auth::{Authed, OFFICERS};
use crate::{ApiError, AppState, now_ms};
use geofence::alert::rfc3339;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct RangeQuery {
    since: Option<String>,
    until: Option<String>,
}

fn pairs(v: &[(String, i64)]) -> Value {
    Value::Object(v.iter().map(|(k, n)| (k.clone(), json!(n))).collect())
}

/// `GET /stats?since=&until=` (by `started_at`; by default the last 30 days).
pub(crate) async fn stats(
    State(st): State<AppState>,
    who: Authed,
    q: Result<Query<RangeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let Query(q) = q.map_err(|e| ApiError::invalid("bad_filter", e.body_text()))?;
    let until = match &q.until {
        Some(u) => time_param("until", u)?,
        None => now_ms() + 1,
    };
    let since = match &q.since {
        Some(s) => time_param("since", s)?,
        None => until - 30 * 86_400_000,
    };
    if since > until {
        return Err(ApiError::invalid("bad_filter", "since is after until"));
    }
    let s = st.store.alert_stats(since, until).await?;
    Ok(Json(json!({
        "since": rfc3339(since),
        "until": rfc3339(until),
        "total": s.total,
        "by_kind": pairs(&s.by_kind),
        "by_status": pairs(&s.by_status),
        "by_zone": pairs(&s.by_zone),
        "by_day": pairs(&s.by_day),
    })))
}
