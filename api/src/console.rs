//! The officers' web console: one page, a script and a stylesheet, embedded in the binary
//! and served at `/` (public: the page holds no data; everything it shows comes from the
//! API with the signed-in user's session cookie). A content security policy keeps every
//! request on this origin, so the console works on networks with no internet.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;

const INDEX: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/app.js");
const STYLE: &str = include_str!("../console/app.css");

/// Nothing but this origin: scripts, styles, images (blob: for evidence images fetched with
/// the session), the API and its event stream; and the tile server's origin for images
/// when one is configured.
fn csp(tile_origin: Option<&str>) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:{}; \
         connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        tile_origin.map(|o| format!(" {o}")).unwrap_or_default()
    )
}

/// What `[console] tile_url` must be: http(s), with `{z}`, `{x}` and `{y}`, nothing that
/// could break out of the security policy. Returns its origin.
pub fn check_tile_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .map(|r| ("https://", r))
        .or_else(|| url.strip_prefix("http://").map(|r| ("http://", r)));
    let Some((scheme, rest)) = rest else {
        return Err(format!("tile_url {url:?}: not an http(s) URL"));
    };
    if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
        return Err(format!("tile_url {url:?}: needs {{z}}, {{x}} and {{y}}"));
    }
    if url.len() > 512
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ';' | '\'' | '"' | ','))
    {
        return Err(format!(
            "tile_url {url:?}: at most 512 characters, no spaces, quotes, commas or semicolons"
        ));
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains('{') || host.contains('@') {
        return Err(format!("tile_url {url:?}: the host must be fixed"));
    }
    Ok(format!("{scheme}{host}"))
}

fn asset(body: &'static str, kind: &'static str, st: &AppState) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    let origin = st.tile_url.as_deref().and_then(|u| check_tile_url(u).ok());
    if let Ok(v) = HeaderValue::from_str(&csp(origin.as_deref())) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Assets change with the binary: revalidate rather than serve a stale console.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

pub(crate) async fn index(State(st): State<AppState>) -> Response {
    asset(INDEX, "text/html; charset=utf-8", &st)
}

pub(crate) async fn script(State(st): State<AppState>) -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8", &st)
}

pub(crate) async fn style(State(st): State<AppState>) -> Response {
    asset(STYLE, "text/css; charset=utf-8", &st)
}

/// `GET /console/config.json` (public): what the console needs before sign-in.
pub(crate) async fn config(State(st): State<AppState>) -> Json<Value> {
    let tile_url = st.tile_url.filter(|u| check_tile_url(u).is_ok());
    Json(json!({"tile_url": tile_url}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_assets() {
        for (text, what) in [(INDEX, "page"), (SCRIPT, "script"), (STYLE, "style")] {
            for far in ["http://", "https://", "//cdn", "@import"] {
                let hits: Vec<&str> = text
                    .lines()
                    .filter(|l| l.contains(far) && !l.contains("www.w3.org/2000/svg"))
                    .collect();
                assert!(hits.is_empty(), "{what} refers elsewhere: {hits:?}");
            }
        }
        assert!(INDEX.contains("/console/app.js") && INDEX.contains("/console/app.css"));
    }

    #[test]
    fn a_tile_url_names_a_fixed_origin_and_nothing_else() {
        assert_eq!(
            check_tile_url("https://tiles.example.org/river/{z}/{x}/{y}.png"),
            Ok("https://tiles.example.org".to_string())
        );
        assert_eq!(
            check_tile_url("http://10.1.2.3:8080/{z}/{x}/{y}.png"),
            Ok("http://10.1.2.3:8080".to_string())
        );
        for bad in [
            "ftp://tiles/{z}/{x}/{y}",
            "https://tiles.example.org/{z}/{x}.png",
            "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
            "https://tiles.example.org/{z}/{x}/{y}.png; script-src *",
            "https://a@evil/{z}/{x}/{y}",
        ] {
            assert!(check_tile_url(bad).is_err(), "{bad}");
        }
        assert!(
            csp(Some("https://tiles.example.org"))
                .contains("img-src 'self' blob: data: https://tiles.example.org;")
        );
        assert!(csp(None).contains("connect-src 'self';"));
    }
}
