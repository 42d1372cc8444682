//! The live stream, `GET /api/v1/alerts/stream`: server-sent events for every alert that
//! opens, ends or moves along its life cycle, in commit order. Each event's `id` is the
//! change's `seq`, so a client that reconnects with `Last-Event-ID` (browsers do it by
//! themselves) gets exactly what it missed, from the store.
//!
//! Each client has its own task and a small queue: a slow client falls behind the live
//! feed alone, then catches up from the store, and never holds anyone else back.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use data::{Change, Store};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

use crate::alerts::alert_json;
use crate::auth::{Authed, OFFICERS};
use crate::{ApiError, AppState};

/// Events queued for one client before its task waits (and the live feed may lag it).
const CLIENT_QUEUE: usize = 256;
/// Changes read from the store per catch-up query.
const CATCH_UP_PAGE: u32 = 500;

#[derive(Debug, Deserialize, Default)]
pub(crate) struct StreamQuery {
    /// Resume after this `seq` (for clients that cannot send `Last-Event-ID`).
    after: Option<String>,
}

pub(crate) async fn alerts(
    State(st): State<AppState>,
    who: Authed,
    headers: HeaderMap,
    q: Result<Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    who.require(&OFFICERS)?;
    let bad = |v: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_filter",
            format!("Last-Event-ID / after: {v:?} is not an event id"),
        )
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let resume = match headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("?").trim().to_string())
        .or(q.after)
    {
        Some(v) => Some(v.parse::<i64>().map_err(|_| bad(&v))?),
        None => None,
    };
    // Subscribe before reading the store: nothing committed in between is missed.
    let live = st.store.subscribe();
    let start = match resume {
        Some(seq) => seq,
        None => st.store.last_change_seq().await?,
    };
    let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
    let store = st.store.clone();
    tokio::spawn(async move {
        if let Err(e) = feed(&*store, live, start, &tx).await {
            tracing::warn!("alert stream: {e}");
        }
    });
    let events =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
        );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Sends every change after `last` to one client until it goes away.
async fn feed(
    store: &impl Store,
    mut live: broadcast::Receiver<Change>,
    mut last: i64,
    tx: &mpsc::Sender<Event>,
) -> Result<(), data::StoreError> {
    loop {
        // Catch up from the store.
        loop {
            let page = store.changes_after(last, CATCH_UP_PAGE).await?;
            if page.is_empty() {
                break;
            }
            for c in &page {
                last = c.seq;
                if tx.send(event(c)).await.is_err() {
                    return Ok(());
                }
            }
        }
        // Then live, until this client lags past the feed's buffer.
        loop {
            match live.recv().await {
                Ok(c) if c.seq <= last => {}
                Ok(c) => {
                    last = c.seq;
                    if tx.send(event(&c)).await.is_err() {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            }
        }
    }
}

fn event(c: &Change) -> Event {
    let mut data = json!({"seq": c.seq, "what": c.what, "alert": alert_json(&c.alert)});
    if let Some(ms) = c.published_ms {
        data["published_at_ms"] = json!(ms);
    }
    Event::default()
        .id(c.seq.to_string())
        .event("alert")
        .data(data.to_string())
}
