//! What the routes over keyed reference records (zones, registry, watchlist, cameras)
//! share: the rule for ids, a record or 404, a checked delete, and how a write answers.

use axum::http::StatusCode;
use data::{Catalog, Record};
use serde_json::{Value, json};

use crate::auth::{ADMINS, Authed};
use crate::{ApiError, AppState, now_ms};

/// Ids name records; they are never paths, but the rule is strict anyway.
pub(crate) fn check_id(what: &str, id: &str) -> Result<(), ApiError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && !id
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "bad_id",
            format!(
                "{what} id {id:?}: 1-128 characters, no control characters, slashes or leading dot"
            ),
        ))
    }
}

/// The record, or 404 (also for an id that cannot exist).
pub(crate) async fn record_or_404(st: &AppState, c: Catalog, id: &str) -> Result<Record, ApiError> {
    let not_found = || ApiError::not_found(format!("no {} {id:?}", c.item()));
    if check_id(c.item(), id).is_err() {
        return Err(not_found());
    }
    st.store.record(c, id).await?.ok_or_else(not_found)
}

/// Deletes a record as an administrator: an id that cannot exist is 404, as a missing one.
pub(crate) async fn delete_checked(
    st: &AppState,
    who: &Authed,
    c: Catalog,
    id: &str,
) -> Result<(), ApiError> {
    who.require(&ADMINS)?;
    if check_id(c.item(), id).is_err() {
        return Err(ApiError::not_found(format!("no {} {id:?}", c.item())));
    }
    st.store.delete_record(c, id, &who.0.name, now_ms()).await?;
    Ok(())
}

/// A create-or-replace answers 201 when it created, 200 when it replaced.
pub(crate) fn put_status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// What the running engine said of an edit.
pub(crate) fn engine_json(r: Result<Value, String>) -> Value {
    match r {
        Ok(v) => v,
        Err(e) => json!({"error": e}),
    }
}
