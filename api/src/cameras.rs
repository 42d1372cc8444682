//! Cameras and their evidence: the camera list (administrators edit it), a camera's push
//! token, snapshots pushed by cameras (`POST /cameras/{id}/snapshots`, the camera's own
//! bearer token), an evidence image by id, and the verification of the evidence chain.
//!
//! A pushed image is checked (`video::snapshot`: JPEG or PNG, whole, within the limits,
//! decodable) off the async threads, stored by its SHA-256, and appended to the evidence
//! chain; anything wrong is a 4xx with a stable code and nothing is stored.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data::{Catalog, Store};
use serde_json::{Value, json};
use video::annotate::{AnnotateError, Note, Size, copy_key, marked_copy};
use video::camera::{Camera, check};
use video::evidence::ImageStore;
use video::evidence::{Problem, verify};
use video::snapshot::{Checked, Limits, Rejected};

use crate::alerts::parse_time;
use crate::auth::{ADMINS, Authed, OFFICERS, SUPERVISORS, bearer, digest};
use crate::records::{check_id, delete_checked, engine_json, put_status, record_or_404};
use crate::{ApiError, AppState, json_body, now_ms, random_hex};

/// Pushed images larger than this are refused (413).
pub(crate) const SNAPSHOT_LIMIT: usize = 16 * 1024 * 1024;

pub(crate) async fn list(State(st): State<AppState>, who: Authed) -> Result<Json<Value>, ApiError> {
    who.require(&OFFICERS)?;
    let records = st.store.records(Catalog::Cameras).await?;
    Ok(Json(
        json!({"cameras": records.into_iter().map(|r| r.body).collect::<Vec<_>>()}),
    ))
}

/// `PUT /cameras/{id}`: creates or replaces a camera.
pub(crate) async fn put(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    check_id("camera", &id)?;
    let mut v = json_body(body)?;
    if let Value::Object(m) = &mut v {
        m.insert("id".into(), Value::String(id.clone()));
    }
    let cam: Camera = serde_json::from_value(v)
        .map_err(|e| ApiError::invalid("bad_camera", format!("camera {id:?}: {e}")))?;
    check(&cam).map_err(|e| ApiError::invalid("bad_camera", format!("camera {id:?}: {e}")))?;
    let body = serde_json::to_value(&cam).map_err(ApiError::internal)?;
    let created = st
        .store
        .put_record(Catalog::Cameras, &id, &body, &who.0.name, now_ms())
        .await?;
    forget_camera_index(&st);
    let engine = st.node.reload(Catalog::Cameras).await;
    Ok((
        put_status(created),
        Json(json!({"camera": body, "engine": engine_json(engine)})),
    ))
}

pub(crate) async fn delete(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    delete_checked(&st, &who, Catalog::Cameras, &id).await?;
    forget_camera_index(&st);
    Ok(Json(json!({"deleted": id})))
}

/// `POST /cameras/{id}/token`: a new push token for the camera, shown once.
pub(crate) async fn token(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    who.require(&ADMINS)?;
    record_or_404(&st, Catalog::Cameras, &id).await?;
    let token = format!("cam_{}", random_hex(32));
    let now = now_ms();
    st.store
        .create_camera_token(&digest(&token), &id, now)
        .await?;
    st.store
        .audit(&who.0.name, "cameras.token", &id, "", now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"camera": id, "token": token})),
    ))
}

/// The capture time a camera states: `X-Capture-Time` (RFC 3339 or ms), else `None`.
fn capture_time(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get("x-capture-time") else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or_default().trim();
    parse_time(s)
        .map(Some)
        .ok_or_else(|| ApiError::invalid("bad_capture_time", format!("X-Capture-Time {s:?}")))
}

/// Takes an image from a camera as evidence, pushed or pulled alike: checks it, reads its
/// EXIF time and stores it by hash (CPU and disk work, off the async threads), then
/// appends it to the chain. Its capture time is the one the camera `stated`, else the
/// EXIF one, else when it arrived. A refused image is a 413 or 422 with the reason's code,
/// and nothing is stored.
async fn take_image(
    st: &AppState,
    images: &Arc<ImageStore>,
    camera: &str,
    bytes: Bytes,
    stated: Option<i64>,
    offset_min: i16,
) -> Result<(Checked, data::EvidenceItem), ApiError> {
    let received = now_ms();
    let images = images.clone();
    let taken = tokio::task::spawn_blocking(move || {
        let limits = Limits {
            max_bytes: SNAPSHOT_LIMIT,
            ..Limits::default()
        };
        let info = video::snapshot::check(&bytes, &limits).map_err(|r| match r {
            Rejected::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, r.code(), r.to_string())
            }
            _ => ApiError::invalid(r.code(), r.to_string()),
        })?;
        let sha = images.put(&bytes).map_err(|e| {
            tracing::error!("evidence images: {e}");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the image store failed",
            )
        })?;
        Ok::<_, ApiError>((info, sha, video::snapshot::exif_time(&bytes, offset_min)))
    })
    .await
    .map_err(ApiError::internal)?;
    let (info, sha, exif) = taken?;
    let captured = stated.or(exif).unwrap_or(received);
    let item = st
        .store
        .append_evidence(camera, &sha, captured, received)
        .await?;
    Ok((info, item))
}

/// `POST /cameras/{id}/snapshots`: a camera pushes a JPEG (or PNG) with its own token.
pub(crate) async fn push(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let unauthenticated = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "a camera token is required",
        )
    };
    let token = bearer(&headers)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(unauthenticated)?;
    let camera = st
        .store
        .camera_of_token(&digest(token))
        .await?
        .ok_or_else(unauthenticated)?;
    if camera != id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this token belongs to another camera",
        ));
    }
    let offset_min =
        serde_json::from_value::<Camera>(record_or_404(&st, Catalog::Cameras, &id).await?.body)
            .map_or(0, |c| c.utc_offset_minutes);
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.body_text())
        } else {
            ApiError::invalid("bad_request", e.body_text())
        }
    })?;
    let stated = capture_time(&headers)?;
    let images = st.images.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_image_store",
            "no image store",
        )
    })?;
    let (info, item) = take_image(&st, &images, &id, bytes, stated, offset_min).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": item.id,
            "camera": id,
            "sha256": item.sha256,
            "width": info.width,
            "height": info.height,
            "format": info.format,
            "captured_at": geofence::alert::rfc3339(item.captured_at_ms),
            "chain": item.chain,
        })),
    ))
}

/// `GET /snapshots/{id}`: an evidence image, as stored.
pub(crate) async fn image(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    who.require(&OFFICERS)?;
    let not_found = || ApiError::not_found(format!("no snapshot {id:?}"));
    if check_id("snapshot", &id).is_err() {
        return Err(not_found());
    }
    let item = st.store.evidence(&id).await?.ok_or_else(not_found)?;
    if item.expired {
        return Err(ApiError::new(
            StatusCode::GONE,
            "image_expired",
            "the image was linked to no alert and expired under the retention policy",
        ));
    }
    let images = st.images.clone().ok_or_else(not_found)?;
    let sha = item.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || images.get(&sha))
        .await
        .map_err(ApiError::internal)?
        .map_err(|_| {
            ApiError::new(
                StatusCode::GONE,
                "image_missing",
                "the image is missing; run the evidence verification",
            )
        })?;
    let kind = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::ETAG, format!("\"{}\"", item.sha256)),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /evidence/verify`: every image rehashed and every link recomputed.
pub(crate) async fn verify_chain(
    State(st): State<AppState>,
    who: Authed,
) -> Result<Json<Value>, ApiError> {
    who.require(&SUPERVISORS)?;
    let items: Vec<video::evidence::Item> = st
        .store
        .evidence_chain()
        .await?
        .iter()
        .map(data::EvidenceItem::as_chained)
        .collect();
    let Some(images) = st.images.clone() else {
        return Ok(Json(json!({"ok": items.is_empty(), "items": items.len()})));
    };
    let result = tokio::task::spawn_blocking(move || verify(&items, &images))
        .await
        .map_err(ApiError::internal)?;
    st.store
        .audit(
            &who.0.name,
            "evidence.verify",
            "",
            &format!("{result:?}"),
            now_ms(),
        )
        .await?;
    Ok(Json(match result {
        Ok(n) => json!({"ok": true, "items": n}),
        Err(f) => json!({
            "ok": false,
            "first_bad": {"index": f.index, "id": f.id, "problem": match f.problem {
                Problem::Missing => "missing".to_string(),
                Problem::Altered { found } => format!("altered (now hashes to {found})"),
                Problem::Broken => "chain broken (a record edited, removed or inserted)".to_string(),
            }},
        }),
    }))
}

/// The cameras and their fields of view as zones of kind `camera_fov` in a geofence index:
/// "which cameras see this point" is one lookup. Built when first needed, dropped when a
/// camera is edited.
#[derive(Debug)]
pub(crate) struct CameraIndex {
    cameras: Vec<Camera>,
    zones: geofence::index::ZoneIndex,
}

impl CameraIndex {
    fn new(cameras: Vec<Camera>) -> CameraIndex {
        let zones = cameras
            .iter()
            .map(|c| {
                geofence::sector::camera_zone(
                    &c.id,
                    &geofence::sector::Sector {
                        lon: c.lon,
                        lat: c.lat,
                        bearing_deg: c.bearing_deg,
                        // A PTZ head is pointed at the vessel: it sees all round.
                        fov_deg: if c.ptz.is_some() { 360.0 } else { c.fov_deg },
                        range_m: c.range_m,
                    },
                )
            })
            .collect();
        CameraIndex {
            zones: geofence::index::ZoneIndex::new(zones),
            cameras,
        }
    }

    /// The cameras whose field of view holds (lon, lat).
    pub(crate) fn seeing(&self, lon: f64, lat: f64) -> Vec<&Camera> {
        self.zones
            .zone_indices_at(lon, lat)
            .filter_map(|z| self.cameras.get(z as usize))
            .collect()
    }
}

async fn camera_index(st: &AppState) -> Result<Arc<CameraIndex>, ApiError> {
    if let Ok(guard) = st.camera_index.lock()
        && let Some(ix) = guard.as_ref()
    {
        return Ok(ix.clone());
    }
    let cameras: Vec<Camera> = st
        .store
        .records(Catalog::Cameras)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_value(r.body).ok())
        .collect();
    let ix = Arc::new(
        tokio::task::spawn_blocking(move || CameraIndex::new(cameras))
            .await
            .map_err(ApiError::internal)?,
    );
    if let Ok(mut guard) = st.camera_index.lock() {
        *guard = Some(ix.clone());
    }
    Ok(ix)
}

pub(crate) fn forget_camera_index(st: &AppState) {
    if let Ok(mut guard) = st.camera_index.lock() {
        *guard = None;
    }
}

/// One of an alert's snapshots: the evidence item, the camera that took it, and where the
/// vessel should stand in its frame (0 = left edge, 1 = right; `None` out of frame).
#[derive(Debug)]
pub(crate) struct Linked {
    pub item: data::EvidenceItem,
    pub camera: Camera,
    pub x_frac: Option<f64>,
}

/// An alert's snapshots: from each camera whose field of view holds the alert's position,
/// the image captured nearest the moment the alert was detected, within the evidence
/// window.
pub(crate) async fn linked_snapshots(
    st: &AppState,
    a: &geofence::alert::Alert,
) -> Result<Vec<Linked>, ApiError> {
    let ix = camera_index(st).await?;
    let mut out = Vec::new();
    for cam in ix.seeing(a.position.0, a.position.1) {
        let Some(item) = st
            .store
            .evidence_near(&cam.id, a.detected_at_ms, st.evidence_window_ms)
            .await?
        else {
            continue;
        };
        // A PTZ camera was pointed at the vessel: the middle of its frame.
        let x_frac = if cam.ptz.is_some() {
            Some(0.5)
        } else {
            video::view::frame_x(cam, a.position, 10_000).map(|x| f64::from(x) / 10_000.0)
        };
        out.push(Linked {
            item,
            camera: cam.clone(),
            x_frac,
        });
    }
    Ok(out)
}

/// An alert's snapshots as the alert detail shows them, with links to the original and
/// the marked copies.
pub(crate) async fn alert_snapshots(
    st: &AppState,
    a: &geofence::alert::Alert,
) -> Result<Vec<Value>, ApiError> {
    Ok(linked_snapshots(st, a)
        .await?
        .into_iter()
        .map(|l| {
            let marked = format!("/api/v1/alerts/{}/snapshots/{}", a.id, l.item.id);
            json!({
                "id": l.item.id,
                "camera": l.camera.id,
                "camera_name": l.camera.name,
                "captured_at": geofence::alert::rfc3339(l.item.captured_at_ms),
                "sha256": l.item.sha256,
                "url": format!("/api/v1/snapshots/{}", l.item.id),
                "annotated_url": format!("{marked}?size=web"),
                "thumbnail_url": format!("{marked}?size=thumb"),
                "vessel_bearing_deg": (video::view::bearing_deg((l.camera.lon, l.camera.lat), a.position) * 10.0).round() / 10.0,
                "vessel_frame_x": l.x_frac,
            })
        })
        .collect())
}

/// What is written on an alert's marked frame.
pub(crate) fn label(a: &geofence::alert::Alert, l: &Linked) -> Vec<String> {
    let name = a.vessel_name.as_deref().unwrap_or("(no name)");
    vec![
        format!("{name}  MMSI {}", a.mmsi),
        match &a.zone_id {
            Some(z) => format!("{}  {z}", a.kind),
            None => a.kind.to_string(),
        },
        format!(
            "{}  {}",
            geofence::alert::rfc3339(l.item.captured_at_ms),
            if l.camera.name.is_empty() {
                &l.camera.id
            } else {
                &l.camera.name
            }
        ),
    ]
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SizeQuery {
    size: Option<String>,
}

/// `GET /alerts/{id}/snapshots/{snapshot}?size=web|thumb`: one of the alert's snapshots
/// with the vessel's column marked and a label (name, MMSI, kind, zone, time, camera), at
/// the web size (default) or as a thumbnail. Made once, off the async threads, and cached;
/// the original is never changed.
pub(crate) async fn marked(
    State(st): State<AppState>,
    who: Authed,
    Path((id, snapshot)): Path<(String, String)>,
    Query(q): Query<SizeQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    who.require(&OFFICERS)?;
    let size = match q.size.as_deref() {
        None => Size::Web,
        Some(s) => Size::parse(s).ok_or_else(|| {
            ApiError::invalid("bad_size", format!("size {s:?}: one of web, thumb"))
        })?,
    };
    let a = st
        .store
        .alert(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no alert {id:?}")))?;
    let linked = linked_snapshots(&st, &a.alert)
        .await?
        .into_iter()
        .find(|l| l.item.id == snapshot)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no snapshot {snapshot:?} in alert {id:?}'s evidence"
            ))
        })?;
    let images = st
        .images
        .clone()
        .ok_or_else(|| ApiError::not_found("no image store"))?;
    let note = Note {
        x_frac: linked.x_frac,
        lines: label(&a.alert, &linked),
    };
    let etag = format!("\"{}-{size:?}\"", copy_key(&linked.item.sha256, &note));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let sha = linked.item.sha256.clone();
    let made = tokio::task::spawn_blocking(move || {
        marked_copy(&images, &sha, &note, size, video::font::label_font())
    })
    .await
    .map_err(ApiError::internal)?;
    let (_, bytes) = made.map_err(|e| match e {
        AnnotateError::Missing(_) => ApiError::new(
            StatusCode::GONE,
            "image_missing",
            "the image is missing; run the evidence verification",
        ),
        other => {
            tracing::error!("marking snapshot {snapshot}: {other}");
            ApiError::internal(other)
        }
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg".to_string()),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// Pulled answers larger than this are refused, whether the size is stated or not.
pub(crate) const PULL_LIMIT: usize = SNAPSHOT_LIMIT;

/// Why a camera gave no snapshot. Never holds the URL: it may carry a password.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Http(String),
    #[error("the camera answered {0}")]
    Status(StatusCode),
    #[error("the camera refused the credentials ({0})")]
    Refused(&'static str),
    #[error("the answer is over {PULL_LIMIT} bytes")]
    TooLarge,
    #[error("the camera's digest challenge: {0}")]
    Challenge(String),
}

impl From<reqwest::Error> for PullError {
    fn from(e: reqwest::Error) -> Self {
        PullError::Http(e.without_url().to_string())
    }
}

/// GETs a camera's snapshot. Credentials in the URL are never sent blind: the camera is
/// asked without them, and its 401 challenge says how to answer, Digest (RFC 7616, what
/// Hikvision- and Dahua-style cameras ask for) or Basic. Returns the capture time the
/// camera states (`X-Capture-Time`) and the body, read up to [`PULL_LIMIT`].
pub async fn fetch_snapshot(
    http: &reqwest::Client,
    url: &str,
) -> Result<(Option<i64>, Vec<u8>), PullError> {
    let mut url = reqwest::Url::parse(url).map_err(|e| PullError::Http(e.to_string()))?;
    let user = percent_decode(url.username());
    let password = url.password().map(percent_decode);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let mut r = http.get(url.clone()).send().await?;
    if r.status() == StatusCode::UNAUTHORIZED && !user.is_empty() {
        let password = password.unwrap_or_default();
        let challenges: Vec<String> = r
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let digest = challenges
            .iter()
            .find(|c| c.trim_start().to_ascii_lowercase().starts_with("digest"));
        let req = if let Some(c) = digest {
            let mut prompt =
                digest_auth::parse(c).map_err(|e| PullError::Challenge(e.to_string()))?;
            let uri = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            let answer = prompt
                .respond(&digest_auth::AuthContext::new(
                    user.as_str(),
                    password.as_str(),
                    uri,
                ))
                .map_err(|e| PullError::Challenge(e.to_string()))?;
            http.get(url.clone())
                .header(header::AUTHORIZATION, answer.to_header_string())
        } else if challenges
            .iter()
            .any(|c| c.trim_start().to_ascii_lowercase().starts_with("basic"))
        {
            http.get(url.clone()).basic_auth(&user, Some(&password))
        } else {
            return Err(PullError::Refused("no Digest or Basic challenge"));
        };
        r = req.send().await?;
        if r.status() == StatusCode::UNAUTHORIZED {
            return Err(PullError::Refused(if digest.is_some() {
                "Digest"
            } else {
                "Basic"
            }));
        }
    }
    if !r.status().is_success() {
        return Err(PullError::Status(r.status()));
    }
    let stated = r
        .headers()
        .get("x-capture-time")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_time(v.trim()));
    if r.content_length().is_some_and(|n| n > PULL_LIMIT as u64) {
        return Err(PullError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await? {
        if body.len() + chunk.len() > PULL_LIMIT {
            return Err(PullError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((stated, body))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Points a PTZ camera at `target` (ONVIF AbsoluteMove) and waits for the head to settle.
async fn point_at(
    http: &reqwest::Client,
    cam: &Camera,
    ptz: &video::camera::Ptz,
    target: (f64, f64),
) -> Result<(), PullError> {
    let pt = video::view::pan_tilt(cam, target);
    http.post(&ptz.onvif_url)
        .header(
            header::CONTENT_TYPE,
            "application/soap+xml; charset=utf-8; action=\"http://www.onvif.org/ver20/ptz/wsdl/AbsoluteMove\"",
        )
        .body(video::view::onvif_absolute_move(&ptz.profile, &pt))
        .send()
        .await?
        .error_for_status()?;
    tokio::time::sleep(std::time::Duration::from_millis(ptz.settle_ms)).await;
    Ok(())
}

/// Pulls one snapshot from a camera (pointing a PTZ head at `target` first, when there is
/// one) and takes it as evidence like a pushed one.
async fn pull(
    st: &AppState,
    images: &Arc<ImageStore>,
    cam: &Camera,
    target: Option<(f64, f64)>,
) -> Result<data::EvidenceItem, String> {
    let Some(url) = &cam.snapshot_url else {
        return Err("no snapshot_url".into());
    };
    if let (Some(ptz), Some(target)) = (&cam.ptz, target) {
        point_at(&st.http, cam, ptz, target)
            .await
            .map_err(|e| format!("pointing the head: {e}"))?;
    }
    let (stated, bytes) = fetch_snapshot(&st.http, url)
        .await
        .map_err(|e| e.to_string())?;
    take_image(
        st,
        images,
        &cam.id,
        Bytes::from(bytes),
        stated,
        cam.utc_offset_minutes,
    )
    .await
    .map(|(_, item)| item)
    .map_err(|e| e.message().to_string())
}

/// Pulls a snapshot from every camera with a `snapshot_url` whose field of view holds the
/// alert's position, checks and stores each like a pushed one, and returns the evidence
/// items made. A camera that fails is logged and skipped; the others still answer.
pub async fn pull_for_alert(
    st: &AppState,
    a: &geofence::alert::Alert,
) -> Result<Vec<data::EvidenceItem>, ApiError> {
    let ix = camera_index(st).await?;
    let Some(images) = st.images.clone() else {
        return Ok(Vec::new());
    };
    let mut made = Vec::new();
    for cam in ix.seeing(a.position.0, a.position.1) {
        if cam.snapshot_url.is_none() {
            continue;
        }
        match pull(st, &images, cam, Some(a.position)).await {
            Ok(item) => made.push(item),
            Err(e) => tracing::warn!(camera = %cam.id, "no snapshot for alert {}: {e}", a.id),
        }
    }
    Ok(made)
}

/// One round of scheduled pulls at wall-clock time `now_ms`: every camera with a
/// `pull_every_s` whose last scheduled pull (in `last`, by camera id) is that long ago is
/// pulled, the cameras at once. Returns the evidence items made.
pub async fn pull_due(
    st: &AppState,
    now_ms: i64,
    last: &mut std::collections::HashMap<String, i64>,
) -> Result<Vec<data::EvidenceItem>, ApiError> {
    let ix = camera_index(st).await?;
    let Some(images) = st.images.clone() else {
        return Ok(Vec::new());
    };
    let due: Vec<&Camera> = ix
        .cameras
        .iter()
        .filter(|c| {
            c.pull_every_s.is_some_and(|s| {
                last.get(&c.id)
                    .is_none_or(|&t| now_ms - t >= s as i64 * 1000)
            })
        })
        .collect();
    for c in &due {
        last.insert(c.id.clone(), now_ms);
    }
    // Cameras no longer configured are forgotten.
    last.retain(|id, _| ix.cameras.iter().any(|c| &c.id == id));
    let pulls = due.iter().map(|c| pull(st, &images, c, None));
    let mut made = Vec::new();
    for (c, r) in due.iter().zip(futures_util::future::join_all(pulls).await) {
        match r {
            Ok(item) => made.push(item),
            Err(e) => tracing::warn!(camera = %c.id, "scheduled snapshot: {e}"),
        }
    }
    Ok(made)
}

/// Runs the scheduled pulls until `stop` turns true: a round every second.
pub async fn pull_on_schedule(st: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last = std::collections::HashMap::new();
    let mut tick = crate::ticker(std::time::Duration::from_secs(1));
    while crate::next_round(&mut tick, &mut stop).await {
        if let Err(e) = pull_due(&st, now_ms(), &mut last).await {
            tracing::warn!("scheduled snapshots: {}", e.message());
        }
    }
}

/// The retention policy at wall-clock time `now_ms`: the images of items received more
/// than `days` ago that no alert can link to (no alert detected within the evidence window
/// of the capture, in the camera's view) are deleted, and their expiry recorded; the chain
/// rows stay. Items of cameras no longer configured are kept (their view is unknown), and
/// so is a file another kept item shares. Returns how many items expired.
pub async fn expire_images(st: &AppState, now_ms: i64, days: u32) -> Result<usize, ApiError> {
    const BATCH: i64 = 1000;
    let Some(images) = st.images.clone() else {
        return Ok(0);
    };
    if days == 0 {
        return Ok(0);
    }
    let ix = camera_index(st).await?;
    let before = now_ms - i64::from(days) * 86_400_000;
    let mut expired = 0;
    let mut after_seq = 0;
    loop {
        let batch = st
            .store
            .evidence_unexpired_before(before, after_seq, BATCH)
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after_seq = last.seq;
        let mut go = Vec::new();
        for item in &batch {
            let Some(cam) = ix.cameras.iter().find(|c| c.id == item.camera_id) else {
                continue;
            };
            let w = st.evidence_window_ms;
            let alerts = st
                .store
                .alert_positions_detected(item.captured_at_ms - w, item.captured_at_ms + w)
                .await?;
            let linked = alerts
                .iter()
                .any(|p| ix.seeing(p.0, p.1).iter().any(|c| c.id == cam.id));
            if !linked {
                go.push(item.id.clone());
            }
        }
        if !go.is_empty() {
            expired += go.len();
            let unused = st.store.expire_evidence(&go, now_ms).await?;
            let images = images.clone();
            tokio::task::spawn_blocking(move || {
                for sha in unused {
                    if let Some(path) = images.path(&sha)
                        && let Err(e) = std::fs::remove_file(&path)
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!("retention: deleting image {sha}: {e}");
                    }
                }
            })
            .await
            .map_err(ApiError::internal)?;
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    if expired > 0 {
        tracing::info!(
            "retention: {expired} unlinked evidence images older than {days} days deleted"
        );
    }
    Ok(expired)
}

/// Runs the retention policy every hour until `stop` turns true (0 days: never).
pub async fn expire_on_schedule(
    st: AppState,
    days: u32,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if days == 0 {
        return;
    }
    let mut tick = crate::ticker(std::time::Duration::from_secs(3600));
    while crate::next_round(&mut tick, &mut stop).await {
        if let Err(e) = expire_images(&st, now_ms(), days).await {
            tracing::warn!("retention: {}", e.message());
        }
    }
}

/// Seeds the store from a `cameras.json` text on first start: the cameras that load.
pub async fn seed(
    store: &data::SqlStore,
    text: &str,
    actor: &str,
) -> Result<usize, data::StoreError> {
    let loaded = video::camera::load_cameras(text);
    for e in &loaded.errors {
        tracing::warn!("cameras.json: {e}");
    }
    let records: Vec<(String, Value)> = loaded
        .cameras
        .iter()
        .filter_map(|c| Some((c.id.clone(), serde_json::to_value(c).ok()?)))
        .collect();
    store
        .import_records(Catalog::Cameras, &records, true, actor, now_ms())
        .await?;
    Ok(records.len())
}
