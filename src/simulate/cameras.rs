//! Simulated tower cameras: each camera of the data set answers
//! `GET /cam/{id}/snapshot.jpg` with its view of the simulated river (`video::render`) at
//! the feed's current event time, 1920 x 1080, and that time in `X-Capture-Time`, as a
//! real camera states its capture time. What `snapshot_url`s in the demo's cameras.json
//! point at.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use geofence::alert::rfc3339;
use geofence::sim::Sim;
use video::camera::Camera;
use video::render::{Seen, view};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

#[derive(Clone)]
struct Views {
    cameras: Arc<Vec<Camera>>,
    sim: Arc<Sim>,
    clock: Arc<AtomicI64>,
}

/// Binds `addr` and serves the cameras from a thread of its own; the bound address.
pub fn serve(
    addr: &str,
    cameras: Vec<Camera>,
    sim: Arc<Sim>,
    clock: Arc<AtomicI64>,
) -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("--cameras: cannot listen on {addr}"))?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let views = Views {
        cameras: Arc::new(cameras),
        sim,
        clock,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        rt.block_on(async move {
            let app = axum::Router::new()
                .route("/cam/{id}/snapshot.jpg", axum::routing::get(snapshot))
                .with_state(views);
            match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => {
                    if let Err(e) = axum::serve(l, app).await {
                        tracing::warn!("simulated cameras: {e}");
                    }
                }
                Err(e) => tracing::warn!("simulated cameras: {e}"),
            }
        });
    });
    Ok(bound)
}

async fn snapshot(State(v): State<Views>, Path(id): Path<String>) -> Response {
    let Some(cam) = v.cameras.iter().find(|c| c.id == id).cloned() else {
        return (StatusCode::NOT_FOUND, format!("no camera {id:?}\n")).into_response();
    };
    let t = v.clock.load(Ordering::Relaxed);
    if t == i64::MIN {
        return (StatusCode::SERVICE_UNAVAILABLE, "the feed has not begun\n").into_response();
    }
    let sim = v.sim.clone();
    // Rendering and encoding are CPU work: off the async threads.
    let made = tokio::task::spawn_blocking(move || {
        let seen: Vec<Seen> = sim
            .seen_at(t)
            .into_iter()
            .map(|s| Seen {
                lon: s.lon,
                lat: s.lat,
                length_m: s.length_m,
            })
            .collect();
        let img = view(
            &cam,
            &seen,
            &rfc3339(t),
            WIDTH,
            HEIGHT,
            video::font::label_font(),
        );
        video::annotate::encode_jpeg(&img, 85)
    })
    .await;
    match made {
        Ok(Ok(jpeg)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg".to_string()),
                (
                    header::HeaderName::from_static("x-capture-time"),
                    rfc3339(t),
                ),
            ],
            jpeg,
        )
            .into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}
