//! Statistics: alerts by kind, status, zone and day over a time range, and the monthly
//! report (JSON or CSV): the numbers the department's reports cite.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alerts::time_param;
use crate::auth::{Authed, OFFICERS, SUPERVISORS};
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

/// A download: `body` as `kind`, saved as `filename`.
fn attachment(kind: &str, filename: &str, body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, kind.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct MonthQuery {
    month: Option<String>,
    format: Option<String>,
}

/// `YYYY-MM` as the month's first and the next month's first instant, ms (UTC).
fn month_range(m: &str) -> Option<(i64, i64)> {
    let (y, mo) = m.split_once('-')?;
    let (y, mo): (i32, u32) = (y.parse().ok()?, mo.parse().ok()?);
    if m.len() != 7 || !(1..=12).contains(&mo) {
        return None;
    }
    let first = chrono::NaiveDate::from_ymd_opt(y, mo, 1)?;
    let next = if mo == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        chrono::NaiveDate::from_ymd_opt(y, mo + 1, 1)?
    };
    let ms = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
    };
    Some((ms(first)?, ms(next)?))
}

/// `GET /reports/monthly?month=YYYY-MM[&format=csv]`: the month's alerts by kind and zone,
/// what officers did with them (confirmed, dismissed, referred, closed), the referrals made
/// by agency and the feedback received with its outcomes. Times in UTC.
pub(crate) async fn monthly(
    State(st): State<AppState>,
    who: Authed,
    q: Result<Query<MonthQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    who.require(&SUPERVISORS)?;
    let Query(q) = q.map_err(|e| ApiError::invalid("bad_filter", e.body_text()))?;
    let month = q.month.unwrap_or_default();
    let (since, until) = month_range(&month)
        .ok_or_else(|| ApiError::invalid("bad_filter", format!("month {month:?}: YYYY-MM")))?;
    let s = st.store.alert_stats(since, until).await?;
    let actions = st.store.alert_actions_between(since, until).await?;
    let referrals = st.store.referrals_between(since, until).await?;
    let agencies = st.store.agencies().await?;
    let acted = |a: &str| actions.iter().find(|(k, _)| k == a).map_or(0, |(_, n)| *n);
    let mut by_agency: Vec<(String, i64)> = Vec::new();
    for r in &referrals {
        let name = agencies
            .iter()
            .find(|a| a.id == r.agency_id)
            .map_or(r.agency_id.clone(), |a| a.name.clone());
        match by_agency.iter_mut().find(|(k, _)| *k == name) {
            Some((_, n)) => *n += 1,
            None => by_agency.push((name, 1)),
        }
    }
    let outcomes: Vec<Value> = referrals
        .iter()
        .filter(|r| r.case_number.is_some() || r.outcome.is_some() || r.penalty.is_some())
        .map(|r| {
            json!({"referral": r.id, "agency": r.agency_id, "status": r.status,
                        "case_number": r.case_number, "outcome": r.outcome, "penalty": r.penalty})
        })
        .collect();
    let figures = [
        ("alerts", s.total),
        ("confirmed", acted("confirm")),
        ("dismissed", acted("dismiss")),
        ("referred", acted("refer")),
        ("closed", acted("close")),
        ("referrals", referrals.len() as i64),
        ("feedback_received", acted("feedback")),
    ];
    if q.format.as_deref() == Some("csv") {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut rows: Vec<[String; 3]> = Vec::new();
        rows.extend(
            figures
                .iter()
                .map(|(k, n)| ["total".into(), k.to_string(), n.to_string()]),
        );
        rows.extend(
            s.by_kind
                .iter()
                .map(|(k, n)| ["kind".into(), k.clone(), n.to_string()]),
        );
        rows.extend(
            s.by_zone
                .iter()
                .map(|(k, n)| ["zone".into(), k.clone(), n.to_string()]),
        );
        rows.extend(
            by_agency
                .iter()
                .map(|(k, n)| ["agency".into(), k.clone(), n.to_string()]),
        );
        let io = |e: csv::Error| ApiError::internal(e);
        w.write_record(["section", "key", "count"]).map_err(io)?;
        for r in rows {
            w.write_record(&r).map_err(io)?;
        }
        let body = w.into_inner().map_err(ApiError::internal)?;
        return Ok(attachment(
            "text/csv; charset=utf-8",
            &format!("riverwatch-{month}.csv"),
            body,
        ));
    }
    let report = json!({
        "month": month,
        "since": rfc3339(since),
        "until": rfc3339(until),
        "totals": Value::Object(figures.iter().map(|(k, n)| (k.to_string(), json!(n))).collect()),
        "by_kind": pairs(&s.by_kind),
        "by_zone": pairs(&s.by_zone),
        "referrals_by_agency": pairs(&by_agency),
        "outcomes": outcomes,
    });
    if q.format.as_deref() == Some("pdf") {
        let pdf = tokio::task::spawn_blocking(move || crate::pdf::monthly_report(&report))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        return Ok(attachment(
            "application/pdf",
            &format!("riverwatch-{month}.pdf"),
            pdf,
        ));
    }
    Ok(Json(report).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_whole_and_december_rolls_over() {
        assert_eq!(
            month_range("2026-11"),
            Some((1_793_491_200_000, 1_796_083_200_000))
        );
        assert_eq!(month_range("2026-12").map(|r| r.1), Some(1_798_761_600_000));
        for bad in ["2026-13", "2026-1", "26-11", "", "2026-11-01"] {
            assert_eq!(month_range(bad), None, "{bad}");
        }
    }
}
