//! Alerts: the list (filters, cursor pages), an alert's detail with its history, and the
//! life-cycle actions by role.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use data::{Action, AlertFilter, Status, Store, TrackPoint};
use geofence::alert::{AlertKind, Severity, rfc3339};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Authed, OFFICERS, SUPERVISORS};
use crate::vessels::track_geojson;
use crate::{ApiError, AppState, now_ms};

#[derive(Debug, Deserialize, Default)]
pub(crate) struct AlertQuery {
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

/// A time given as RFC 3339, or as ms since the UNIX epoch.
pub(crate) fn parse_time(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(v)
            .ok()
            .map(|t| t.timestamp_millis())
    })
}

/// A time filter: RFC 3339, or ms since the UNIX epoch.
pub(crate) fn time_param(field: &str, v: &str) -> Result<i64, ApiError> {
    parse_time(v).ok_or_else(|| bad_filter(field, v))
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
        zone_id: q
            .zone_id
            .as_deref()
            .map(|z| {
                if z.contains('\0') || z.len() > 128 {
                    Err(bad_filter("zone_id", z))
                } else {
                    Ok(z.to_string())
                }
            })
            .transpose()?,
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

pub(crate) fn alert_json(a: &data::StoredAlert) -> Value {
    let mut v = a.alert.to_json();
    if let Value::Object(m) = &mut v {
        m.insert("status".into(), Value::from(a.status.as_str()));
    }
    v
}

pub(crate) async fn list(
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
        .map(|c| {
            c.parse::<data::Cursor>()
                .map_err(|_| bad_filter("cursor", c))
        })
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

pub(crate) async fn detail(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let missing = || ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no alert {id}"));
    // An agency sees the alerts referred to it, and no other: not even that they exist.
    if who.0.role == "agency" {
        let agency = who.0.agency.clone().unwrap_or_default();
        if !st.store.alert_referred_to(&id, &agency).await? {
            return Err(missing());
        }
    } else {
        who.require(&OFFICERS)?;
    }
    let a = st.store.alert(&id).await?.ok_or_else(missing)?;
    let events = st.store.alert_events(&id).await?;
    let snapshots = crate::cameras::alert_snapshots(&st, &a.alert).await?;
    let mut v = alert_json(&a);
    if let Value::Object(m) = &mut v {
        m.insert("track".into(), evidence_track(&a));
        m.insert("snapshots".into(), Value::Array(snapshots));
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

/// The track segment in an alert's evidence, as GeoJSON.
fn evidence_track(a: &data::StoredAlert) -> Value {
    let points: Vec<TrackPoint> = a.alert.evidence["track"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some(TrackPoint {
                mmsi: a.alert.mmsi,
                at_ms: chrono::DateTime::parse_from_rfc3339(p["t"].as_str()?)
                    .ok()?
                    .timestamp_millis(),
                lon: p["lon"].as_f64()?,
                lat: p["lat"].as_f64()?,
                sog_kn: p["sog"].as_f64(),
                cog_deg: None,
            })
        })
        .collect();
    track_geojson(a.alert.mmsi, &points)
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ActionBody {
    #[serde(default)]
    note: String,
}

pub(crate) async fn act(
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
    if note.contains('\0') {
        return Err(ApiError::invalid("bad_request", "note: no NUL characters"));
    }
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
