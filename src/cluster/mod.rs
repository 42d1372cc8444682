//! riverwatch past one machine: `ingest`, `engine` and `api` nodes on NATS JetStream and
//! PostgreSQL (README "Running a cluster").
//!
//! - [`ingest`] runs the receivers, folds copies from several towers, judges late and
//!   future reports as one engine would ([`geofence::engine::Gate`]), numbers what it lets
//!   through and publishes it to the observation stream, one subject per partition
//!   (MMSI hash).
//! - [`engine`] nodes share the partitions through leases; each partition's owner runs the
//!   same detectors as `serve` over its part of the stream, writes alerts to PostgreSQL
//!   and snapshots its state there. One more unit, the *spot* unit, judges the rule that
//!   spans vessels (`suspected_unlicensed_dock`) over the qualifying stops of every
//!   partition, in stream order.
//! - [`api`] serves the officers' API from PostgreSQL and relays alert changes to its
//!   live stream.
//!
//! Why the alerts equal `riverwatch replay`'s: every entry carries the whole stream's
//! event time just before it, so a partition's detector fires timers and gaps where one
//! fed everything would (they fire in time order, independent of the steps); alert ids
//! are (kind, MMSI, zone, start), and the store ignores an id it has, so the replay after
//! a failover adds nothing.

pub mod api;
pub mod engine;
pub mod ingest;
pub mod spots;

use std::time::Duration;

use ais::Observation;
use anyhow::Context;
use async_nats::jetstream::{self, stream};
use geofence::rules::docks::SpotStop;
use serde::{Deserialize, Serialize};

/// The observation stream; subjects `riverwatch.obs.{partition}`.
pub const OBS_STREAM: &str = "RIVERWATCH_OBS";
/// Qualifying stops and progress from every partition, for the spot unit.
pub const SPOTS_STREAM: &str = "RIVERWATCH_SPOTS";
pub const SPOTS_SUBJECT: &str = "riverwatch.spots";
/// A nudge (no payload that matters) when an engine has stored alert changes.
pub const ALERTS_SUBJECT: &str = "riverwatch.alerts";
/// Catalog edits for the engines (`zones`, `registry`, `watchlist`).
pub const CONTROL_SUBJECT: &str = "riverwatch.control";

pub fn obs_subject(partition: u32) -> String {
    format!("riverwatch.obs.{partition}")
}

/// Where the cluster's streams are and how they are cut.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub nats: Vec<String>,
    pub partitions: u32,
    pub replicas: usize,
}

/// The partition of a vessel. A fixed integer mix, not the std hasher: every node and
/// every build must agree.
pub fn partition_of(mmsi: u32, partitions: u32) -> u32 {
    let mut x = u64::from(mmsi);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % u64::from(partitions.max(1))) as u32
}

/// One entry of a partition's stream: the whole stream's event time just before it, and
/// the observation (none: a tick that only moves time on and reports progress).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The ingest's sequence over the whole stream.
    pub seq: u64,
    pub wm: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obs: Option<Observation>,
}

/// What a partition's owner tells the spot unit: the qualifying stops it found (each with
/// the sequence of the entry that made it qualify) and that it has taken every entry up
/// to `upto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotReport {
    pub part: u32,
    pub upto: u64,
    pub stops: Vec<(u64, SpotStop)>,
}

pub async fn connect(cluster: &Cluster) -> anyhow::Result<async_nats::Client> {
    let mut addrs = Vec::new();
    for u in &cluster.nats {
        addrs.push(
            u.parse::<async_nats::ServerAddr>()
                .with_context(|| format!("NATS server address {u:?}"))?,
        );
    }
    async_nats::ConnectOptions::new()
        .name("riverwatch")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        // Short: a request to a server that just died is given up on and sent again (to
        // another) sooner. JetStream itself needs a few seconds to elect new leaders.
        .request_timeout(Some(Duration::from_secs(2)))
        .connect(addrs)
        .await
        .with_context(|| format!("connecting to NATS at {}", cluster.nats.join(",")))
}

/// Creates the streams when they are missing (replicated `replicas` times, on disk).
pub async fn ensure_streams(js: &jetstream::Context, cluster: &Cluster) -> anyhow::Result<()> {
    let duplicate_window = Duration::from_secs(120);
    for (name, subjects) in [
        (OBS_STREAM, vec!["riverwatch.obs.>".to_string()]),
        (SPOTS_STREAM, vec![SPOTS_SUBJECT.to_string()]),
    ] {
        let mut tries = 0;
        loop {
            let r = js
                .get_or_create_stream(stream::Config {
                    name: name.to_string(),
                    subjects: subjects.clone(),
                    num_replicas: cluster.replicas,
                    storage: stream::StorageType::File,
                    duplicate_window,
                    ..Default::default()
                })
                .await;
            match r {
                Ok(_) => break,
                // A cluster still electing its meta leader answers with an error for a
                // few seconds after start.
                Err(e) if tries < 30 => {
                    tries += 1;
                    tracing::debug!("stream {name}: {e}; trying again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(anyhow::anyhow!("creating stream {name}: {e}")),
            }
        }
    }
    Ok(())
}

/// Publishes to a stream until the stream acknowledges: a NATS server that goes away
/// mid-publish costs a retry, not the message (the message id makes a retry of a message
/// that did land a no-op).
pub async fn publish_acked(
    js: &jetstream::Context,
    subject: String,
    msg_id: &str,
    payload: bytes::Bytes,
) -> u64 {
    let mut delay = Duration::from_millis(50);
    loop {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", msg_id);
        let sent = js
            .publish_with_headers(subject.clone(), headers, payload.clone())
            .await;
        let acked = match sent {
            Ok(ack) => ack.await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match acked {
            Ok(ack) => return ack.sequence,
            Err(e) => {
                tracing::warn!("publishing to {subject}: {e}; retrying in {delay:?}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_and_spread() {
        // Fixed values: a change here would move every vessel to another partition.
        assert_eq!(partition_of(412_253_527, 8), partition_of(412_253_527, 8));
        let mut counts = [0u32; 8];
        for mmsi in 412_000_000..412_008_000u32 {
            counts[partition_of(mmsi, 8) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (800..1200).contains(&c)), "{counts:?}");
        assert_eq!(partition_of(1, 1), 0);
        assert_eq!(partition_of(1, 0), 0);
    }
}
