//! The vessel registry and the watchlist: JSON records with DESIGN.md's CSV columns as
//! fields, CRUD, and CSV import and export. Each record is checked by the loader the
//! engine uses before it is stored; an import stores the good rows and reports every bad
//! one by line and field. Changes reach the running engine at once.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data::{Catalog, Record, SqlStore, StoreError};
use geofence::registry::{
    Loaded, REGISTRY_COLUMNS, Registry, RowError, WATCHLIST_COLUMNS, Watchlist, load_registry,
    load_watchlist,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::{ADMINS, Authed, OFFICERS};
use crate::records::{check_id, delete_checked, engine_json, put_status, record_or_404};
use crate::{ApiError, AppState, json_body, now_ms, random_hex};

fn columns(c: Catalog) -> &'static [&'static str] {
    match c {
        Catalog::Watchlist => &WATCHLIST_COLUMNS,
        _ => &REGISTRY_COLUMNS,
    }
}

/// Records as CSV with the catalog's header.
fn to_csv(c: Catalog, records: &[Record]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(e);
    w.write_record(columns(c)).map_err(fail)?;
    for r in records {
        w.write_record(
            columns(c)
                .iter()
                .map(|k| r.body.get(*k).and_then(Value::as_str).unwrap_or_default()),
        )
        .map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(ApiError::internal)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The registry or watchlist in the store, loaded as the engine takes them.
pub async fn lists_from_store(
    store: &SqlStore,
) -> Result<(Loaded<Registry>, Loaded<Watchlist>), StoreError> {
    let text = |c| async move {
        let records = store.records(c).await?;
        Ok::<_, StoreError>(to_csv(c, &records).unwrap_or_default())
    };
    Ok((
        load_registry(&text(Catalog::Registry).await?),
        load_watchlist(&text(Catalog::Watchlist).await?),
    ))
}

/// A JSON object's fields as CSV cell text: strings as they are, numbers and booleans
/// written out, null as empty.
fn cells(c: Catalog, body: &Value) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(m) = body else {
        return Err(ApiError::invalid(
            "bad_record",
            "the body must be a JSON object",
        ));
    };
    let mut out = Map::new();
    for (k, v) in m {
        if !columns(c).contains(&k.as_str()) {
            return Err(ApiError::invalid(
                "bad_record",
                format!(
                    "unknown field {k:?}; the fields are {}",
                    columns(c).join(", ")
                ),
            ));
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(";"),
            Value::Object(_) => {
                return Err(ApiError::invalid("bad_record", format!("{k}: not a value")));
            }
        };
        out.insert(k.clone(), Value::String(text));
    }
    for k in columns(c) {
        out.entry(k.to_string())
            .or_insert(Value::String(String::new()));
    }
    Ok(out)
}

/// What the engine's loader says is wrong with CSV text of this catalog.
fn row_errors(c: Catalog, text: &str) -> Vec<RowError> {
    match c {
        Catalog::Watchlist => load_watchlist(text).errors,
        _ => load_registry(text).errors,
    }
}

/// Checks rows with the engine's loader; the errors, by the row's place in `rows`.
fn check_rows(c: Catalog, rows: &[Record]) -> Result<Vec<RowError>, ApiError> {
    Ok(row_errors(c, &to_csv(c, rows)?))
}

fn row_error_json(e: &RowError) -> Value {
    json!({"line": e.line, "field": e.field, "reason": e.reason})
}

fn key_of(c: Catalog, body: &Map<String, Value>) -> Option<String> {
    match c {
        Catalog::Registry => body.get("mmsi").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn record_json(r: &Record) -> Value {
    let mut v = r.body.clone();
    if let Value::Object(m) = &mut v {
        m.insert("id".into(), Value::String(r.key.clone()));
    }
    v
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ListQuery {
    format: Option<String>,
    replace: Option<bool>,
}

fn wants_csv(q: &ListQuery, headers: &HeaderMap) -> bool {
    q.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))
}

/// `GET /registry`, `GET /watchlist`: JSON, or CSV with `?format=csv` / `Accept: text/csv`.
pub(crate) async fn list(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    who.require(&OFFICERS)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let records = st.store.records(c).await?;
    if wants_csv(&q, &headers) {
        let csv = to_csv(c, &records)?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.csv\"", c.name()),
                ),
            ],
            csv,
        )
            .into_response());
    }
    Ok(
        Json(json!({ c.name(): records.iter().map(record_json).collect::<Vec<_>>() }))
            .into_response(),
    )
}

pub(crate) async fn get(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    Ok(Json(record_json(&record_or_404(&st, c, &id).await?)))
}

/// Checks one record and stores it under `key`; true when created.
async fn store_one(
    st: &AppState,
    who: &Authed,
    c: Catalog,
    key: &str,
    fields: Map<String, Value>,
) -> Result<(bool, Record), ApiError> {
    let record = Record {
        key: key.to_string(),
        body: Value::Object(fields),
        updated_at_ms: now_ms(),
    };
    let errors = check_rows(c, std::slice::from_ref(&record))?;
    if !errors.is_empty() {
        return Err(
            ApiError::invalid("bad_record", format!("{} {key:?} is not valid", c.item()))
                .with_details(json!(
                    errors
                        .iter()
                        .map(|e| json!({"field": e.field, "reason": e.reason}))
                        .collect::<Vec<_>>()
                )),
        );
    }
    let created = st
        .store
        .put_record(c, key, &record.body, &who.0.name, record.updated_at_ms)
        .await?;
    Ok((created, record))
}

/// `PUT /registry/{mmsi}`, `PUT /watchlist/{id}`: creates or replaces one record.
pub(crate) async fn put(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    check_id(c.item(), &id)?;
    let mut fields = cells(c, &json_body(body)?)?;
    if c == Catalog::Registry {
        match key_of(c, &fields) {
            Some(m) if !m.is_empty() && m != id => {
                return Err(ApiError::invalid(
                    "bad_record",
                    format!("mmsi {m:?} is not the path's {id:?}"),
                ));
            }
            _ => {
                fields.insert("mmsi".into(), Value::String(id.clone()));
            }
        }
    }
    let (created, record) = store_one(&st, &who, c, &id, fields).await?;
    let engine = st.node.reload(c).await;
    let mut v = record_json(&record);
    v["engine"] = engine_json(engine);
    Ok((put_status(created), Json(v)))
}

/// `POST /watchlist`, `POST /registry`: a new record; the watchlist entry's id is made
/// here, the registry's is its MMSI.
pub(crate) async fn create(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    let fields = cells(c, &json_body(body)?)?;
    let key = match c {
        Catalog::Registry => key_of(c, &fields).unwrap_or_default(),
        _ => format!("w-{}", random_hex(6)),
    };
    check_id(c.item(), &key)?;
    if st.store.record(c, &key).await?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("{} {key:?} exists; PUT replaces it", c.item()),
        ));
    }
    let (_, record) = store_one(&st, &who, c, &key, fields).await?;
    let engine = st.node.reload(c).await;
    let mut v = record_json(&record);
    v["engine"] = engine_json(engine);
    Ok((StatusCode::CREATED, Json(v)))
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    delete_checked(&st, &who, c, &id).await?;
    let engine = st.node.reload(c).await;
    Ok(Json(json!({"deleted": id, "engine": engine_json(engine)})))
}

/// Parses CSV text into records: the rows that load and the errors of those that do not
/// (line numbers as in the file).
fn rows_from_csv(c: Catalog, text: &str) -> (Vec<(String, Value)>, Vec<RowError>) {
    let errors = row_errors(c, text);
    let bad: std::collections::HashSet<u64> = errors.iter().map(|e| e.line).collect();
    let mut good = Vec::new();
    // Read as the engine's loader reads: comments skipped, headers in any case.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(_) => return (good, errors),
    };
    for (n, row) in reader.records().enumerate() {
        let Ok(row) = row else { continue };
        let line = row.position().map_or(n as u64 + 2, |p| p.line());
        if bad.contains(&line) {
            continue;
        }
        let mut fields = Map::new();
        for (k, v) in header.iter().zip(row.iter()) {
            if columns(c).contains(&k.as_str()) {
                fields.insert(k.clone(), Value::String(v.to_string()));
            }
        }
        let key = match c {
            Catalog::Registry => key_of(c, &fields).unwrap_or_default(),
            _ => format!("w-{line:05}-{}", random_hex(3)),
        };
        good.push((key, Value::Object(fields)));
    }
    (good, errors)
}

/// `POST /registry/import`, `POST /watchlist/import`: CSV in the file's format. Good rows
/// are stored (merged by key, or replacing everything with `?replace=true`; the watchlist
/// always replaces, as its rows have no natural key), bad rows reported by line and field.
pub(crate) async fn import(
    State(st): State<AppState>,
    who: Authed,
    Extension(c): Extension<Catalog>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    who.require(&ADMINS)?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let replace = c == Catalog::Watchlist || q.replace.unwrap_or(false);
    let (good, errors) = rows_from_csv(c, &body);
    // A file whose header is wrong is not this list at all.
    if errors.iter().any(|e| e.line <= 1) {
        return Err(ApiError::invalid("bad_csv", "the CSV header is not valid")
            .with_details(json!(errors.iter().map(row_error_json).collect::<Vec<_>>())));
    }
    st.store
        .import_records(c, &good, replace, &who.0.name, now_ms())
        .await?;
    let engine = st.node.reload(c).await;
    Ok(Json(json!({
        "imported": good.len(),
        "rejected": errors.iter().map(row_error_json).collect::<Vec<_>>(),
        "engine": engine_json(engine),
    })))
}

/// Seeds the store from `registry.csv` / `watchlist.csv` text on first start.
pub async fn seed(
    store: &SqlStore,
    c: Catalog,
    text: &str,
    actor: &str,
) -> Result<usize, StoreError> {
    let (good, errors) = rows_from_csv(c, text);
    for e in &errors {
        tracing::warn!("{}: {e}", c.item());
    }
    store
        .import_records(c, &good, true, actor, now_ms())
        .await?;
    Ok(good.len())
}
