//! Vessels: search by MMSI or name, one vessel's latest state (with its registry entry),
//! and its stored track as GeoJSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use data::{Catalog, TrackPoint};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alerts::time_param;
use crate::auth::{Authed, OFFICERS};
use crate::{ApiError, AppState};
use geofence::alert::rfc3339;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
    limit: Option<u32>,
}

fn mmsi_param(v: &str) -> Result<u32, ApiError> {
    v.parse::<u32>()
        .ok()
        .filter(|m| *m <= 999_999_999)
        .ok_or_else(|| ApiError::not_found(format!("no vessel {v:?}")))
}

fn vessel_json(v: &data::VesselState) -> Value {
    let mut out = v.state.clone();
    if let Value::Object(m) = &mut out {
        m.insert("mmsi".into(), json!(v.mmsi));
        m.insert("last_heard".into(), json!(rfc3339(v.last_heard_ms)));
    }
    out
}

/// `GET /vessels?q=`: name contains `q` or MMSI starts with it; most recently heard first.
pub(crate) async fn search(
    State(st): State<AppState>,
    who: Authed,
    q: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let Query(q) = q.map_err(|e| ApiError::invalid("bad_filter", e.body_text()))?;
    let text = q.q.unwrap_or_default();
    if text.len() > 64 || text.contains('\0') {
        return Err(ApiError::invalid(
            "bad_filter",
            "q: at most 64 bytes, no NUL",
        ));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let found = st.store.find_vessels(&text, limit).await?;
    Ok(Json(
        json!({"vessels": found.iter().map(vessel_json).collect::<Vec<_>>()}),
    ))
}

/// `GET /vessels/{mmsi}`: the latest state, and the registry entry when there is one.
pub(crate) async fn get(
    State(st): State<AppState>,
    who: Authed,
    Path(mmsi): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let m = mmsi_param(&mmsi)?;
    let v = st
        .store
        .vessel(m)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no vessel {m}")))?;
    let registered = st
        .store
        .record(Catalog::Registry, &m.to_string())
        .await?
        .map(|r| r.body);
    let mut out = vessel_json(&v);
    out["registry"] = registered.unwrap_or(Value::Null);
    Ok(Json(out))
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct TrackQuery {
    since: Option<String>,
    until: Option<String>,
}

/// The most points one track answer holds.
const TRACK_POINTS: u32 = 20_000;

/// A track as a FeatureCollection: one LineString (the path) and a Point per fix, with
/// time, speed and course.
pub(crate) fn track_geojson(mmsi: u32, points: &[TrackPoint]) -> Value {
    let mut features = Vec::with_capacity(points.len() + 1);
    if points.len() >= 2 {
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": points.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()},
            "properties": {"mmsi": mmsi,
                           "from": rfc3339(points[0].at_ms),
                           "to": rfc3339(points[points.len() - 1].at_ms)},
        }));
    }
    features.extend(points.iter().map(|p| {
        json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"mmsi": mmsi, "t": rfc3339(p.at_ms), "sog": p.sog_kn, "cog": p.cog_deg},
        })
    }));
    json!({"type": "FeatureCollection", "features": features})
}

/// `GET /vessels/{mmsi}/track?since=&until=`: by default the 24 hours before the vessel
/// was last heard.
pub(crate) async fn track(
    State(st): State<AppState>,
    who: Authed,
    Path(mmsi): Path<String>,
    q: Result<Query<TrackQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let m = mmsi_param(&mmsi)?;
    let Query(q) = q.map_err(|e| ApiError::invalid("bad_filter", e.body_text()))?;
    let v = st
        .store
        .vessel(m)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no vessel {m}")))?;
    let until = match &q.until {
        Some(u) => time_param("until", u)?,
        None => v.last_heard_ms + 1,
    };
    let since = match &q.since {
        Some(s) => time_param("since", s)?,
        None => until - 24 * 3_600_000,
    };
    let points = st.store.track(m, since, until, TRACK_POINTS).await?;
    Ok(Json(track_geojson(m, &points)))
}
