//! Zones as GeoJSON: the collection, one feature, create or replace, delete, and imports.
//! Officers read; administrators edit. A feature is checked by the same loader the engine
//! uses before it is stored (a bad one is 422 with the loader's reason), and every change
//! reaches the running engine at once ([`crate::Node::reload`]).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use data::{Catalog, SqlStore, StoreError};
use geofence::zone::{Loaded, load_geojson};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{ADMINS, Authed, OFFICERS};
use crate::records::{check_id, delete_checked, engine_json, put_status, record_or_404};
use crate::{ApiError, AppState, json_body, now_ms};

/// Features as one FeatureCollection text, as the engine's loader reads it.
fn collection_text<'a>(features: impl IntoIterator<Item = &'a Value>) -> String {
    let features: Vec<&Value> = features.into_iter().collect();
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// The zones in the store, loaded as the engine takes them. A feature that no longer loads
/// (stored by an older version) is reported and left out; the rest load.
pub async fn zones_from_store(store: &SqlStore) -> Result<Loaded, StoreError> {
    let records = store.records(Catalog::Zones).await?;
    Ok(load_geojson(&collection_text(
        records.iter().map(|r| &r.body),
    )))
}

/// The id a feature carries: its `id`, else `properties.id`.
fn feature_id(f: &Value) -> Option<String> {
    let id = f.get("id").or_else(|| f.get("properties")?.get("id"))?;
    match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks features with the engine's loader: the good ones as (id, feature), the problems
/// as `{feature, id, reason}`.
fn check_features(features: Vec<Value>) -> (Vec<(String, Value)>, Vec<Value>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, mut f) in features.into_iter().enumerate() {
        let id = feature_id(&f);
        let problem = match &id {
            None => Some("missing id".to_string()),
            Some(id) => check_id("zone", id).err().map(|e| e.message().to_string()),
        };
        let problem = problem.or_else(|| {
            let loaded = load_geojson(&collection_text([&f]));
            loaded.errors.first().map(|e| e.problem.to_string())
        });
        match (problem, id) {
            (None, Some(id)) => {
                // The id lives on the feature itself from now on.
                f["id"] = Value::String(id.clone());
                good.push((id, f));
            }
            (p, id) => bad.push(json!({"feature": i, "id": id, "reason": p})),
        }
    }
    (good, bad)
}

pub(crate) async fn list(State(st): State<AppState>, who: Authed) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let records = st.store.records(Catalog::Zones).await?;
    let features: Vec<Value> = records.into_iter().map(|r| r.body).collect();
    Ok(Json(
        json!({"type": "FeatureCollection", "features": features}),
    ))
}

pub(crate) async fn get(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    Ok(Json(record_or_404(&st, Catalog::Zones, &id).await?.body))
}

/// `PUT /zones/{id}`: creates or replaces one zone (a GeoJSON Feature).
pub(crate) async fn put(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    check_id("zone", &id)?;
    let mut f = json_body(body)?;
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(ApiError::invalid(
            "bad_zone",
            "the body must be a GeoJSON Feature",
        ));
    }
    match feature_id(&f) {
        Some(fid) if fid != id => {
            return Err(ApiError::invalid(
                "bad_zone",
                format!("the feature's id {fid:?} is not the path's {id:?}"),
            ));
        }
        _ => f["id"] = Value::String(id.clone()),
    }
    let (good, bad) = check_features(vec![f]);
    let Some((_, f)) = good.into_iter().next() else {
        return Err(
            ApiError::invalid("bad_zone", format!("zone {id:?} is not valid"))
                .with_details(Value::Array(bad)),
        );
    };
    let created = st
        .store
        .put_record(Catalog::Zones, &id, &f, &who.0.name, now_ms())
        .await?;
    let engine = st.node.reload(Catalog::Zones).await;
    Ok((
        put_status(created),
        Json(json!({"zone": f, "engine": engine_json(engine)})),
    ))
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    delete_checked(&st, &who, Catalog::Zones, &id).await?;
    let engine = st.node.reload(Catalog::Zones).await;
    Ok(Json(json!({"deleted": id, "engine": engine_json(engine)})))
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ImportQuery {
    /// `true`: the import replaces every stored record.
    #[serde(default)]
    replace: bool,
}

/// `POST /zones`: a Feature or a FeatureCollection. The good features are stored, the bad
/// ones reported, one by one (one bad zone never blocks the rest).
pub(crate) async fn import(
    State(st): State<AppState>,
    who: Authed,
    q: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&ADMINS)?;
    let replace = q.map(|Query(q)| q.replace).unwrap_or_default();
    let body = json_body(body)?;
    let features = match body.get("type").and_then(Value::as_str) {
        Some("Feature") => vec![body],
        Some("FeatureCollection") => match body.get("features") {
            Some(Value::Array(f)) => f.clone(),
            _ => {
                return Err(ApiError::invalid("bad_zone", "features: not an array"));
            }
        },
        _ => {
            return Err(ApiError::invalid(
                "bad_zone",
                "the body must be a GeoJSON Feature or FeatureCollection",
            ));
        }
    };
    let (good, mut bad) = check_features(features);
    // Within one import an id may appear once.
    let mut seen = std::collections::HashSet::new();
    let mut unique = Vec::with_capacity(good.len());
    for (id, f) in good {
        if seen.insert(id.clone()) {
            unique.push((id, f));
        } else {
            bad.push(json!({"id": id, "reason": "duplicate id in this import"}));
        }
    }
    st.store
        .import_records(Catalog::Zones, &unique, replace, &who.0.name, now_ms())
        .await?;
    let engine = st.node.reload(Catalog::Zones).await;
    Ok(Json(
        json!({"imported": unique.len(), "rejected": bad, "engine": engine_json(engine)}),
    ))
}

/// Seeds the store from a `zones.geojson` text on first start: the features that load.
pub async fn seed(store: &SqlStore, text: &str, actor: &str) -> Result<usize, StoreError> {
    let features = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("features").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    let (good, bad) = check_features(features);
    for b in &bad {
        tracing::warn!("zones.geojson: not loaded: {b}");
    }
    store
        .import_records(Catalog::Zones, &good, true, actor, now_ms())
        .await?;
    Ok(good.len())
}
