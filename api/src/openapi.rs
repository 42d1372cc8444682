//! The OpenAPI document (`GET /api/v1/openapi.json`, public): every route with its method,
//! who may call it, its parameters and its answers. Built from [`ROUTES`], which the
//! black-box tests walk to prove that every route but the public ones refuses a request
//! without credentials.

use axum::Json;
use serde_json::{Map, Value, json};

/// One route as documented.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// `public`, `metrics` (public unless a metrics token is set), or the least role.
    pub access: &'static str,
    pub query: &'static [&'static str],
    /// What the body is, when there is one.
    pub body: Option<&'static str>,
}

const fn r(
    method: &'static str,
    path: &'static str,
    access: &'static str,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        summary,
        access,
        query: &[],
        body: None,
    }
}

const fn q(route: Route, query: &'static [&'static str]) -> Route {
    Route { query, ..route }
}

const fn b(route: Route, body: &'static str) -> Route {
    Route {
        body: Some(body),
        ..route
    }
}

const ALERT_FILTERS: &[&str] = &[
    "kind", "status", "severity", "zone_id", "mmsi", "since", "until", "bbox", "cursor", "limit",
];

/// Every route the API serves.
pub const ROUTES: &[Route] = &[
    r("get", "/healthz", "public", "Liveness: the process answers"),
    r(
        "get",
        "/readyz",
        "public",
        "Readiness: the store answers (503 when not)",
    ),
    r(
        "get",
        "/metrics",
        "metrics",
        "Prometheus text: receivers, engine, store",
    ),
    r("get", "/api/v1/openapi.json", "public", "This document"),
    r(
        "get",
        "/",
        "public",
        "The officers' web console (its data comes from this API with the session cookie)",
    ),
    r("get", "/console/app.js", "public", "The console's script"),
    r(
        "get",
        "/console/app.css",
        "public",
        "The console's stylesheet",
    ),
    b(
        r(
            "post",
            "/api/v1/auth/login",
            "public",
            "Sign in: a bearer token, also set as the session cookie; 429 after 10 failures in 5 minutes",
        ),
        "{username, password}",
    ),
    r(
        "post",
        "/api/v1/auth/logout",
        "signed_in",
        "Sign out: the token stops working",
    ),
    r(
        "get",
        "/api/v1/auth/me",
        "signed_in",
        "Who the token belongs to",
    ),
    q(
        r(
            "get",
            "/api/v1/alerts",
            "officer",
            "Alerts, newest first, filtered, in cursor pages",
        ),
        ALERT_FILTERS,
    ),
    q(
        r(
            "get",
            "/api/v1/alerts/stream",
            "officer",
            "Server-sent events: every alert change; resumable with Last-Event-ID",
        ),
        &["after"],
    ),
    r(
        "get",
        "/api/v1/alerts/{id}",
        "officer_or_own_agency",
        "One alert with its evidence, track (GeoJSON) and history (an agency: only those referred to it)",
    ),
    b(
        r(
            "post",
            "/api/v1/alerts/{id}/acknowledge",
            "officer",
            "Acknowledge a new alert",
        ),
        "{note}",
    ),
    b(
        r(
            "post",
            "/api/v1/alerts/{id}/confirm",
            "supervisor",
            "Confirm an acknowledged alert",
        ),
        "{note}",
    ),
    b(
        r(
            "post",
            "/api/v1/alerts/{id}/dismiss",
            "supervisor",
            "Dismiss an acknowledged alert",
        ),
        "{note}",
    ),
    b(
        r(
            "post",
            "/api/v1/alerts/{id}/refer",
            "supervisor",
            "Refer a confirmed alert",
        ),
        "{note}",
    ),
    b(
        r(
            "post",
            "/api/v1/alerts/{id}/close",
            "supervisor",
            "Close a confirmed, dismissed or referred alert",
        ),
        "{note}",
    ),
    q(
        r(
            "get",
            "/api/v1/vessels",
            "officer",
            "Vessels whose name contains q or whose MMSI starts with it",
        ),
        &["q", "limit"],
    ),
    r(
        "get",
        "/api/v1/vessels/{mmsi}",
        "officer",
        "A vessel's latest state and registry entry",
    ),
    q(
        r(
            "get",
            "/api/v1/vessels/{mmsi}/track",
            "officer",
            "A vessel's stored track as GeoJSON",
        ),
        &["since", "until"],
    ),
    r(
        "get",
        "/api/v1/zones",
        "officer",
        "Every zone, as a GeoJSON FeatureCollection",
    ),
    q(
        b(
            r(
                "post",
                "/api/v1/zones",
                "admin",
                "Import zones (a Feature or FeatureCollection): good ones stored, bad ones reported",
            ),
            "GeoJSON",
        ),
        &["replace"],
    ),
    r(
        "get",
        "/api/v1/zones/{id}",
        "officer",
        "One zone, as a GeoJSON Feature",
    ),
    b(
        r(
            "put",
            "/api/v1/zones/{id}",
            "admin",
            "Create or replace a zone; the running engine takes it at once",
        ),
        "GeoJSON Feature",
    ),
    r("delete", "/api/v1/zones/{id}", "admin", "Delete a zone"),
    q(
        r(
            "get",
            "/api/v1/registry",
            "officer",
            "The vessel registry (JSON, or CSV with format=csv)",
        ),
        &["format"],
    ),
    b(
        r("post", "/api/v1/registry", "admin", "Register a vessel"),
        "registry row as JSON",
    ),
    q(
        b(
            r(
                "post",
                "/api/v1/registry/import",
                "admin",
                "Import registry.csv: merged by MMSI (replace=true replaces all)",
            ),
            "text/csv",
        ),
        &["replace"],
    ),
    r(
        "get",
        "/api/v1/registry/{id}",
        "officer",
        "One registry entry, by MMSI",
    ),
    b(
        r(
            "put",
            "/api/v1/registry/{id}",
            "admin",
            "Create or replace a registry entry",
        ),
        "registry row as JSON",
    ),
    r(
        "delete",
        "/api/v1/registry/{id}",
        "admin",
        "Delete a registry entry",
    ),
    q(
        r(
            "get",
            "/api/v1/watchlist",
            "officer",
            "The watchlist (JSON, or CSV with format=csv)",
        ),
        &["format"],
    ),
    b(
        r(
            "post",
            "/api/v1/watchlist",
            "admin",
            "Add a watchlist entry",
        ),
        "{mmsi, reason, zones, until}",
    ),
    b(
        r(
            "post",
            "/api/v1/watchlist/import",
            "admin",
            "Import watchlist.csv (replaces the watchlist)",
        ),
        "text/csv",
    ),
    r(
        "get",
        "/api/v1/watchlist/{id}",
        "officer",
        "One watchlist entry",
    ),
    b(
        r(
            "put",
            "/api/v1/watchlist/{id}",
            "admin",
            "Replace a watchlist entry",
        ),
        "{mmsi, reason, zones, until}",
    ),
    r(
        "delete",
        "/api/v1/watchlist/{id}",
        "admin",
        "Delete a watchlist entry",
    ),
    r(
        "get",
        "/api/v1/cameras",
        "officer",
        "Tower cameras: position, aim, field of view, snapshot URL, PTZ",
    ),
    b(
        r(
            "put",
            "/api/v1/cameras/{id}",
            "admin",
            "Create or replace a camera",
        ),
        "{name, lon, lat, height_m, bearing_deg, fov_deg, range_m, snapshot_url?, pull_every_s?, utc_offset_minutes?, ptz?}",
    ),
    r("delete", "/api/v1/cameras/{id}", "admin", "Delete a camera"),
    r(
        "post",
        "/api/v1/cameras/{id}/token",
        "admin",
        "A new push token for the camera, shown once",
    ),
    b(
        r(
            "post",
            "/api/v1/cameras/{id}/snapshots",
            "camera",
            "A camera pushes a JPEG or PNG with its own token (capture time: X-Capture-Time, else EXIF, else receipt)",
        ),
        "image/jpeg or image/png, at most 16 MiB",
    ),
    r(
        "get",
        "/api/v1/snapshots/{id}",
        "officer",
        "An evidence image as stored (410 when missing or expired)",
    ),
    q(
        r(
            "get",
            "/api/v1/alerts/{id}/snapshots/{snapshot}",
            "officer",
            "One of an alert's snapshots with the vessel marked and labelled: web size or thumbnail, cached, ETag",
        ),
        &["size"],
    ),
    r(
        "get",
        "/api/v1/evidence/verify",
        "supervisor",
        "Rehash every evidence image and recompute the chain; the first altered or missing item",
    ),
    r(
        "get",
        "/api/v1/agencies",
        "officer",
        "Agencies cases are referred to (never their secrets)",
    ),
    b(
        r(
            "put",
            "/api/v1/agencies/{id}",
            "admin",
            "Create or replace an agency; a new one's webhook secret is made and shown once unless given",
        ),
        "{name, contact, endpoint?, secret?}",
    ),
    r(
        "get",
        "/api/v1/referrals",
        "officer_or_own_agency",
        "Referrals, newest first (an agency: its own)",
    ),
    b(
        r(
            "post",
            "/api/v1/referrals",
            "supervisor",
            "Refer confirmed alerts to an agency: they become referred, the signed package is built and queued for the agency's endpoint",
        ),
        "{agency, alerts: [id], note}",
    ),
    r(
        "get",
        "/api/v1/referrals/signing-key",
        "public",
        "The Ed25519 key referral packages are signed with (hex)",
    ),
    r(
        "get",
        "/api/v1/referrals/{id}",
        "officer_or_own_agency",
        "One referral: status, history, deliveries, feedback (another agency's: 404)",
    ),
    r(
        "get",
        "/api/v1/referrals/{id}/package",
        "officer_or_own_agency",
        "The signed package (ZIP)",
    ),
    b(
        r(
            "post",
            "/api/v1/referrals/{id}/feedback",
            "agency",
            "The agency reports back: status, its case number, outcome, penalty, a note; shown on the alerts and the stream",
        ),
        "{status: acknowledged|in_progress|closed|declined, case_number?, outcome?, penalty?, note?}",
    ),
    r(
        "post",
        "/api/v1/referrals/{id}/redeliver",
        "supervisor",
        "Deliver the package again under a new idempotency key",
    ),
    r(
        "get",
        "/api/v1/receivers",
        "officer",
        "Each receiver's health",
    ),
    q(
        r(
            "get",
            "/api/v1/reports/monthly",
            "supervisor",
            "The month's report (UTC): alerts by kind and zone; confirmed, dismissed, referred, closed; referrals by agency; feedback and outcomes. JSON, CSV with format=csv, PDF with format=pdf",
        ),
        &["month", "format"],
    ),
    q(
        r(
            "get",
            "/api/v1/stats",
            "officer",
            "Alerts by kind, status, zone and day",
        ),
        &["since", "until"],
    ),
];

fn operation(route: &Route) -> Value {
    let mut params: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    params.extend(route.query.iter().map(
        |name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}}),
    ));
    let mut responses = Map::new();
    responses.insert("200".into(), json!({"description": "OK"}));
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut codes = vec!["422"];
    match route.access {
        "public" => {}
        "metrics" | "camera" => codes.push("401"),
        _ => codes.extend(["401", "403"]),
    }
    if route.path.contains('{') {
        codes.push("404");
    }
    if route.body.is_some() {
        codes.push("413");
    }
    for c in codes {
        responses.insert(c.into(), error.clone());
    }
    let mut op = json!({
        "summary": route.summary,
        "parameters": params,
        "responses": responses,
        "x-access": route.access,
    });
    if let Some(body) = route.body {
        op["requestBody"] = json!({"description": body, "required": true});
    }
    op["security"] = match route.access {
        "public" => json!([]),
        "metrics" => json!([{}, {"bearer": []}]),
        "camera" => json!([{"bearer": []}]),
        _ => json!([{"bearer": []}, {"session": []}]),
    };
    op
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "riverwatch",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The officers' API. Roles: officer < supervisor (confirm, dismiss, refer, close) < admin (zones, registry, watchlist, cameras, agencies); agency (its referrals and their alerts only; anything else is 404). `x-access` names the least role a route needs (signed_in: any account). Errors are {\"error\": {\"code\", \"message\", \"details\"?}} with stable codes."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {}
                    }, "required": ["code", "message"]}}
                }
            }
        }
    })
}

pub(crate) async fn serve() -> Json<Value> {
    Json(document())
}
