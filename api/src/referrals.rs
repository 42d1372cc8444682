//! Referrals to other departments: agencies (administrators edit them), a supervisor
//! referring confirmed alerts with a note, the signed package (`package`), its delivery by
//! a signed webhook through the store's durable outbox, the agency's own view (only what
//! was referred to it: anything else is 404, so existence does not leak) and its feedback.
//!
//! Webhooks: `POST` the package (`application/zip`) to the agency's endpoint with
//! `Idempotency-Key` (the same on every retry of one delivery), `X-Riverwatch-Referral`,
//! `X-Riverwatch-Timestamp` (ms) and `X-Riverwatch-Signature: sha256=HEX`, the HMAC-SHA256
//! under the agency's shared secret of `TIMESTAMP.` followed by the body. Retried with
//! exponential backoff for up to 72 h; a failing endpoint delays only its own deliveries.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data::{Action, Agency, Delivery, Feedback, Referral, Store};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::auth::{ADMINS, Authed, OFFICERS, SUPERVISORS};
use crate::package::hex;
use crate::{ApiError, AppState, json_body, now_ms, random_hex};
use geofence::alert::rfc3339;

/// How long a delivery is retried.
pub const RETRY_FOR_MS: i64 = 72 * 3_600_000;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_MS: i64 = 3_600_000;
/// Alerts one referral may hold.
const MAX_ALERTS: usize = 100;

/// The signature header's value for a body sent at `timestamp_ms`.
pub fn webhook_signature(secret: &str, timestamp_ms: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes a key of any length; this arm is never taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// When the next attempt is due after `attempts` failed ones: base x 2^attempts, at most an
/// hour; `None` once the 72 h are over.
pub fn next_attempt(created_ms: i64, now_ms: i64, attempts: i64, base_ms: i64) -> Option<i64> {
    let wait = base_ms
        .max(1)
        .saturating_mul(1i64 << attempts.clamp(0, 30))
        .min(MAX_BACKOFF_MS);
    let at = now_ms + wait;
    (at <= created_ms + RETRY_FOR_MS).then_some(at)
}

/// A body's optional text field `k`: absent or null is `None`; anything but text of at
/// most `max` bytes without NUL is a 422 with `code`.
fn optional_text(
    v: &Value,
    k: &str,
    max: usize,
    code: &'static str,
) -> Result<Option<String>, ApiError> {
    match &v[k] {
        Value::Null => Ok(None),
        Value::String(s) if s.len() <= max && !s.contains('\0') => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(
            code,
            format!("{k}: text of at most {max} bytes"),
        )),
    }
}

fn agency_json(a: &Agency) -> Value {
    json!({"id": a.id, "name": a.name, "contact": a.contact, "endpoint": a.endpoint})
}

/// Whom a referral may be shown to: officers and up, and the agency it was made to.
/// Anyone else is told it does not exist.
fn may_see(who: &Authed, r: &Referral) -> bool {
    OFFICERS.contains(&who.0.role.as_str())
        || (who.0.role == "agency" && who.0.agency.as_deref() == Some(r.agency_id.as_str()))
}

fn no_referral(id: &str) -> ApiError {
    ApiError::not_found(format!("no referral {id:?}"))
}

async fn visible(st: &AppState, who: &Authed, id: &str) -> Result<Referral, ApiError> {
    if crate::records::check_id("referral", id).is_err() {
        return Err(no_referral(id));
    }
    match st.store.referral(id).await? {
        Some(r) if may_see(who, &r) => Ok(r),
        _ => Err(no_referral(id)),
    }
}

async fn referral_json(st: &AppState, r: &Referral) -> Result<Value, ApiError> {
    let agency = st.store.agency(&r.agency_id).await?;
    let history = st.store.referral_events(&r.id).await?;
    let deliveries = st.store.deliveries(&r.id).await?;
    Ok(json!({
        "id": r.id,
        "agency": agency.as_ref().map(agency_json),
        "status": r.status,
        "note": r.note,
        "created_by": r.created_by,
        "created_at": rfc3339(r.created_at_ms),
        "updated_at": rfc3339(r.updated_at_ms),
        "alerts": r.alert_ids,
        "package": r.package_sha256.as_ref().map(|sha| json!({
            "sha256": sha,
            "url": format!("/api/v1/referrals/{}/package", r.id),
        })),
        "case_number": r.case_number,
        "outcome": r.outcome,
        "penalty": r.penalty,
        "history": history.iter().map(|e| json!({
            "at": rfc3339(e.at_ms), "by": e.actor, "status": e.status, "note": e.note,
        })).collect::<Vec<_>>(),
        "deliveries": deliveries.iter().map(|d| json!({
            "idempotency_key": d.idempotency_key,
            "attempts": d.attempts,
            "delivered_at": d.delivered_at_ms.map(rfc3339),
            "next_attempt_at": (d.delivered_at_ms.is_none() && d.gave_up_at_ms.is_none()).then(|| rfc3339(d.next_at_ms)),
            "gave_up_at": d.gave_up_at_ms.map(rfc3339),
            "last_error": d.last_error,
        })).collect::<Vec<_>>(),
    }))
}

pub(crate) async fn agencies(
    State(st): State<AppState>,
    who: Authed,
) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let list = st.store.agencies().await?;
    Ok(Json(
        json!({"agencies": list.iter().map(agency_json).collect::<Vec<_>>()}),
    ))
}

/// `PUT /agencies/{id}` `{name, contact, endpoint?, secret?}`: a new agency's secret is
/// made here when none is given, and shown once.
pub(crate) async fn put_agency(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    crate::records::check_id("agency", &id)?;
    let v = json_body(body)?;
    let text = |k: &str, max: usize| optional_text(&v, k, max, "bad_agency");
    let name = text("name", 200)?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("bad_agency", "name: required"))?;
    let endpoint = text("endpoint", 2000)?;
    if let Some(e) = &endpoint
        && !(e.starts_with("http://") || e.starts_with("https://"))
    {
        return Err(ApiError::invalid("bad_agency", "endpoint: an http(s) URL"));
    }
    let old = st.store.agency(&id).await?;
    let given = text("secret", 200)?;
    if given.as_ref().is_some_and(|s| s.len() < 16) {
        return Err(ApiError::invalid(
            "bad_agency",
            "secret: at least 16 characters",
        ));
    }
    let made = given.is_none() && old.is_none();
    let secret = given
        .or_else(|| old.as_ref().map(|o| o.secret.clone()))
        .unwrap_or_else(|| random_hex(32));
    let a = Agency {
        id: id.clone(),
        name,
        contact: text("contact", 500)?.unwrap_or_default(),
        endpoint,
        secret: secret.clone(),
    };
    let created = st.store.put_agency(&a, now_ms()).await?;
    st.store
        .audit(&who.0.name, "agency.put", &id, &a.name, now_ms())
        .await?;
    let mut out = agency_json(&a);
    if made {
        out["secret"] = json!(secret);
    }
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(out),
    ))
}

pub(crate) async fn list(State(st): State<AppState>, who: Authed) -> Result<Json<Value>, ApiError> {
    let scope = match who.0.role.as_str() {
        "agency" => Some(who.0.agency.clone().unwrap_or_default()),
        _ => {
            who.require(&OFFICERS)?;
            None
        }
    };
    let mut out = Vec::new();
    for r in st.store.referrals(scope.as_deref()).await? {
        out.push(referral_json(&st, &r).await?);
    }
    Ok(Json(json!({"referrals": out})))
}

pub(crate) async fn get(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let r = visible(&st, &who, &id).await?;
    Ok(Json(referral_json(&st, &r).await?))
}

/// `GET /referrals/{id}/package`: the signed ZIP.
pub(crate) async fn package(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let r = visible(&st, &who, &id).await?;
    let sha = r.package_sha256.clone().ok_or_else(|| no_referral(&id))?;
    let images = st.images.clone().ok_or_else(|| no_referral(&id))?;
    let bytes = tokio::task::spawn_blocking(move || images.get(&sha))
        .await
        .map_err(ApiError::internal)?
        .map_err(|_| {
            ApiError::new(
                StatusCode::GONE,
                "package_missing",
                "the package file is missing; run the evidence verification",
            )
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.zip\""),
            ),
            (
                header::ETAG,
                format!("\"{}\"", r.package_sha256.unwrap_or_default()),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /referrals/signing-key` (public): the key packages are signed with.
pub(crate) async fn signing_key(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    let key = st
        .signer
        .as_ref()
        .ok_or_else(|| ApiError::not_found("no signing key"))?;
    Ok(Json(
        json!({"ed25519": hex(key.verifying_key().as_bytes())}),
    ))
}

/// `POST /referrals` `{agency, alerts: [id], note}`: a supervisor refers confirmed alerts.
/// They move to `referred`, the package is built, chained as evidence and queued for the
/// agency's endpoint.
pub(crate) async fn create(
    State(st): State<AppState>,
    who: Authed,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&SUPERVISORS)?;
    let v = json_body(body)?;
    let agency_id = v["agency"].as_str().unwrap_or_default().to_string();
    let agency = st.store.agency(&agency_id).await?.ok_or_else(|| {
        ApiError::invalid(
            "bad_referral",
            format!("agency {agency_id:?}: no such agency"),
        )
    })?;
    let note = v["note"].as_str().unwrap_or_default().to_string();
    if note.len() > 4000 || note.contains('\0') {
        return Err(ApiError::invalid(
            "bad_referral",
            "note: at most 4000 bytes, no NUL",
        ));
    }
    let mut ids: Vec<String> = v["alerts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_ALERTS {
        return Err(ApiError::invalid(
            "bad_referral",
            format!("alerts: 1 to {MAX_ALERTS} alert ids"),
        ));
    }
    for id in &ids {
        let a = st.store.alert(id).await?.ok_or_else(|| {
            ApiError::invalid("bad_referral", format!("alert {id:?}: no such alert"))
        })?;
        if a.status != data::Status::Confirmed {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "invalid_transition",
                format!(
                    "alert {id:?} is {}: only confirmed alerts are referred",
                    a.status.as_str()
                ),
            ));
        }
    }
    let signer = st.signer.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_signing_key",
            "no signing key",
        )
    })?;
    let images = st.images.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_image_store",
            "no image store",
        )
    })?;
    let now = now_ms();
    let r = Referral {
        id: format!("ref-{}", random_hex(8)),
        agency_id: agency.id.clone(),
        status: "draft".into(),
        note: note.clone(),
        created_by: who.0.name.clone(),
        created_at_ms: now,
        updated_at_ms: now,
        package_sha256: None,
        case_number: None,
        outcome: None,
        penalty: None,
        alert_ids: ids.clone(),
    };
    st.store.create_referral(&r).await?;
    let step = format!(
        "referred to {} ({}) in {}{}",
        agency.name,
        agency.id,
        r.id,
        if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        }
    );
    for id in &ids {
        st.store
            .act(id, Action::Refer, &who.0.name, &step, now)
            .await?;
    }
    let files = package_files(&st, &r, &agency).await?;
    let about = json!({"referral": r.id, "agency": agency.id, "created_at": rfc3339(now), "created_by": who.0.name});
    let zip = tokio::task::spawn_blocking(move || {
        let z = crate::package::build(&files, about, &signer).map_err(|e| e.to_string())?;
        let sha = images.put(&z).map_err(|e| e.to_string())?;
        Ok::<_, String>(sha)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("building the package: {e}"),
        )
    })?;
    // The package joins the evidence chain, like every image.
    st.store
        .append_evidence(&format!("referral:{}", r.id), &zip, now, now)
        .await?;
    // Without an endpoint the agency downloads the package: nothing to deliver.
    let key = format!("{}-1", r.id);
    let queued = agency.endpoint.is_some().then_some(key.as_str());
    st.store
        .send_referral(&r.id, &zip, queued, &who.0.name, now)
        .await?;
    let stored = st
        .store
        .referral(&r.id)
        .await?
        .ok_or_else(|| no_referral(&r.id))?;
    Ok((
        StatusCode::CREATED,
        Json(referral_json(&st, &stored).await?),
    ))
}

/// The files of a referral's package: `referral.json` (the referral, the alerts with the
/// rule values and thresholds that fired them, their history with the officers' notes,
/// each vessel's registry entry and last state), `track.geojson`, and each alert's
/// snapshots, original and marked.
async fn package_files(
    st: &AppState,
    r: &Referral,
    agency: &Agency,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut alerts = Vec::new();
    let mut tracks = Vec::new();
    let mut images: Vec<(String, String, video::annotate::Note)> = Vec::new();
    for id in &r.alert_ids {
        let Some(a) = st.store.alert(id).await? else {
            continue;
        };
        let history = st.store.alert_events(id).await?;
        let registry = st
            .store
            .record(data::Catalog::Registry, &a.alert.mmsi.to_string())
            .await?
            .map(|x| x.body);
        let vessel = st.store.vessel(a.alert.mmsi).await?.map(|v| v.state);
        let linked = crate::cameras::linked_snapshots(st, &a.alert).await?;
        let mut snaps = Vec::new();
        for l in &linked {
            let note = video::annotate::Note {
                x_frac: l.x_frac,
                lines: crate::cameras::label(&a.alert, l),
            };
            snaps.push(json!({
                "id": l.item.id, "camera": l.camera.id, "camera_name": l.camera.name,
                "captured_at": rfc3339(l.item.captured_at_ms), "sha256": l.item.sha256,
                "chain": l.item.chain, "vessel_frame_x": l.x_frac,
                "original": format!("snapshots/{}.jpg", l.item.id),
                "marked": format!("snapshots/{}-marked.jpg", l.item.id),
            }));
            images.push((l.item.id.clone(), l.item.sha256.clone(), note));
        }
        let mut aj = crate::alerts::alert_json(&a);
        aj["history"] = history.iter().map(|e| json!({"at": rfc3339(e.at_ms), "by": e.actor, "action": e.action, "status": e.status.as_str(), "note": e.note})).collect();
        aj["registry"] = registry.unwrap_or(Value::Null);
        aj["vessel"] = vessel.unwrap_or(Value::Null);
        aj["snapshots"] = Value::Array(snaps);
        if let Some(track) = a.alert.evidence["track"].as_array() {
            let coords: Vec<Value> = track
                .iter()
                .filter_map(|p| Some(json!([p["lon"].as_f64()?, p["lat"].as_f64()?])))
                .collect();
            tracks.push(
                json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"alert": a.alert.id, "mmsi": a.alert.mmsi, "kind": a.alert.kind}}),
            );
        }
        tracks.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [a.alert.position.0, a.alert.position.1]},
            "properties": {"alert": a.alert.id, "mmsi": a.alert.mmsi, "kind": a.alert.kind, "position": "alert"}}));
        alerts.push(aj);
    }
    let referral = json!({
        "referral": {"id": r.id, "agency": agency_json(agency), "note": r.note, "created_by": r.created_by, "created_at": rfc3339(r.created_at_ms)},
        "alerts": alerts,
    });
    let mut files = vec![
        (
            "referral.json".to_string(),
            serde_json::to_vec_pretty(&referral).unwrap_or_default(),
        ),
        (
            "track.geojson".to_string(),
            serde_json::to_vec_pretty(&json!({"type": "FeatureCollection", "features": tracks}))
                .unwrap_or_default(),
        ),
    ];
    let zones: Vec<Value> = st
        .store
        .records(data::Catalog::Zones)
        .await?
        .into_iter()
        .map(|r| r.body)
        .collect();
    let store = st.images.clone();
    // Photos and the printed report: image and PDF work, off the async threads.
    let made = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let mut marked_photos = Vec::new();
        if let Some(store) = store {
            for (id, sha, note) in images {
                let Ok(original) = store.get(&sha) else {
                    continue;
                };
                out.push((format!("snapshots/{id}.jpg"), original));
                if let Ok((_, marked)) = video::annotate::marked_copy(
                    &store,
                    &sha,
                    &note,
                    video::annotate::Size::Web,
                    video::font::label_font(),
                ) {
                    out.push((format!("snapshots/{id}-marked.jpg"), marked.clone()));
                    marked_photos.push((id, marked));
                }
            }
        }
        match crate::pdf::referral_report(&referral, &zones, &marked_photos) {
            Ok(pdf) => out.push(("report.pdf".to_string(), pdf)),
            Err(e) => tracing::error!("{e}; the package goes without report.pdf"),
        }
        out
    })
    .await
    .map_err(ApiError::internal)?;
    files.extend(made);
    Ok(files)
}

/// `POST /referrals/{id}/feedback` (the agency's own account): `{status, case_number?,
/// outcome?, penalty?, note?}`.
pub(crate) async fn feedback(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    who.require(&["agency"])?;
    let r = visible(&st, &who, &id).await?;
    let v = json_body(body)?;
    let text = |k: &str| optional_text(&v, k, 2000, "bad_feedback");
    let status = text("status")?.unwrap_or_default();
    if !["acknowledged", "in_progress", "closed", "declined"].contains(&status.as_str()) {
        return Err(ApiError::invalid(
            "bad_feedback",
            "status: acknowledged, in_progress, closed or declined",
        ));
    }
    let f = Feedback {
        status,
        case_number: text("case_number")?,
        outcome: text("outcome")?,
        penalty: text("penalty")?,
        note: text("note")?.unwrap_or_default(),
    };
    let done = st
        .store
        .referral_feedback(&r.id, &f, &who.0.name, now_ms())
        .await
        .map_err(|e| match e {
            data::StoreError::Conflict(m) => {
                ApiError::new(StatusCode::CONFLICT, "invalid_transition", m)
            }
            other => other.into(),
        })?;
    Ok(Json(referral_json(&st, &done).await?))
}

/// `POST /referrals/{id}/redeliver`: the package sent again under a new idempotency key.
pub(crate) async fn redeliver(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    who.require(&SUPERVISORS)?;
    let r = visible(&st, &who, &id).await?;
    let n = st.store.deliveries(&r.id).await?.len() + 1;
    st.store
        .redeliver(&r.id, &format!("{}-{n}", r.id), &who.0.name, now_ms())
        .await?;
    let r = st
        .store
        .referral(&id)
        .await?
        .ok_or_else(|| no_referral(&id))?;
    Ok(Json(referral_json(&st, &r).await?))
}

/// One attempt at one delivery.
async fn attempt(st: &AppState, d: &Delivery, now: i64) -> Result<(), ApiError> {
    let fail = |why: String| async move {
        let retry = next_attempt(d.created_at_ms, now, d.attempts, st.retry_base_ms);
        st.store
            .record_attempt(d, now, None, Some(&why), retry)
            .await
    };
    let Some(r) = st.store.referral(&d.referral_id).await? else {
        fail("the referral is gone".into()).await?;
        return Ok(());
    };
    let agency = st.store.agency(&r.agency_id).await?;
    let (Some(agency), Some(sha), Some(images)) =
        (agency, r.package_sha256.clone(), st.images.clone())
    else {
        fail("no agency, package or image store".into()).await?;
        return Ok(());
    };
    let Some(endpoint) = agency.endpoint.clone() else {
        fail(format!("agency {} has no endpoint", agency.id)).await?;
        return Ok(());
    };
    let body = match tokio::task::spawn_blocking(move || images.get(&sha)).await {
        Ok(Ok(b)) => b,
        _ => {
            fail("the package file is missing".into()).await?;
            return Ok(());
        }
    };
    let signature = webhook_signature(&agency.secret, now, &body);
    let sent = st
        .http
        .post(&endpoint)
        .timeout(std::time::Duration::from_secs(30))
        .header(header::CONTENT_TYPE, "application/zip")
        .header("idempotency-key", &d.idempotency_key)
        .header("x-riverwatch-referral", &r.id)
        .header("x-riverwatch-timestamp", now.to_string())
        .header("x-riverwatch-signature", signature)
        .body(Bytes::from(body))
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => {
            st.store
                .record_attempt(d, now, Some(resp.status().as_u16()), None, None)
                .await?;
        }
        Ok(resp) => {
            let retry = next_attempt(d.created_at_ms, now, d.attempts, st.retry_base_ms);
            st.store
                .record_attempt(d, now, Some(resp.status().as_u16()), None, retry)
                .await?;
        }
        Err(e) => fail(e.without_url().to_string()).await?,
    }
    Ok(())
}

/// Every delivery due at `now_ms`, attempted side by side, awaited together (what the
/// schedule does, in one round: for tests and tools). How many were attempted.
pub async fn deliver_due(st: &AppState, now_ms: i64) -> Result<usize, ApiError> {
    let due = st.store.due_deliveries(now_ms, 64).await?;
    let results = futures_util::future::join_all(due.iter().map(|d| attempt(st, d, now_ms))).await;
    for (d, r) in due.iter().zip(results) {
        if let Err(e) = r {
            tracing::warn!("delivering {}: {}", d.idempotency_key, e.message());
        }
    }
    Ok(due.len())
}

/// Runs the outbox until `stop` turns true: every 200 ms the due deliveries are each
/// attempted in a task of their own, so an endpoint that hangs until the 30 s timeout holds
/// up only its own delivery; one not yet finished is not started again.
pub async fn deliver_on_schedule(st: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let in_flight: Arc<std::sync::Mutex<std::collections::HashSet<i64>>> = Arc::default();
    let mut tick = crate::ticker(std::time::Duration::from_millis(200));
    while crate::next_round(&mut tick, &mut stop).await {
        let due = match st.store.due_deliveries(now_ms(), 64).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("outbox: {e}");
                continue;
            }
        };
        for d in due {
            let fresh = in_flight
                .lock()
                .map(|mut f| f.insert(d.seq))
                .unwrap_or(false);
            if !fresh {
                continue;
            }
            let (st, in_flight) = (st.clone(), in_flight.clone());
            tokio::spawn(async move {
                if let Err(e) = attempt(&st, &d, now_ms()).await {
                    tracing::warn!("delivering {}: {}", d.idempotency_key, e.message());
                }
                if let Ok(mut f) = in_flight.lock() {
                    f.remove(&d.seq);
                }
            });
        }
    }
}

/// Shared between the binary and the tests: the signing key as the state holds it.
pub type Signer = Arc<ed25519_dalek::SigningKey>;

/// `HeaderMap` helper for tests and receivers: whether a webhook's signature holds.
pub fn signature_holds(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let ts = headers
        .get("x-riverwatch-timestamp")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let sig = headers
        .get("x-riverwatch-signature")
        .and_then(|v| v.to_str().ok());
    match (ts, sig) {
        (Some(ts), Some(sig)) => crate::auth::same(&webhook_signature(secret, ts, body), sig),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_stop_after_72_hours() {
        let t0 = 1_000_000;
        assert_eq!(next_attempt(t0, t0, 0, 10_000), Some(t0 + 10_000));
        assert_eq!(next_attempt(t0, t0, 3, 10_000), Some(t0 + 80_000));
        assert_eq!(next_attempt(t0, t0, 20, 10_000), Some(t0 + MAX_BACKOFF_MS));
        assert_eq!(next_attempt(t0, t0 + RETRY_FOR_MS - 1000, 20, 10_000), None);
    }

    #[test]
    fn the_webhook_signature_covers_time_and_body() {
        let a = webhook_signature("s3cret-s3cret-s3cret", 1000, b"body");
        assert!(a.starts_with("sha256=") && a.len() == 7 + 64);
        assert_ne!(a, webhook_signature("s3cret-s3cret-s3cret", 1001, b"body"));
        assert_ne!(a, webhook_signature("s3cret-s3cret-s3cret", 1000, b"bodY"));
        assert_ne!(a, webhook_signature("another-secret-xx", 1000, b"body"));
    }
}
