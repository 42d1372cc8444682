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
use geofence::alert::AlertUpdate;
use geofence::rules::Detector;
use geofence::rules::docks::SpotStop;
use serde::{Deserialize, Serialize};

/// The observation stream; subjects `riverwatch.obs.{partition}`.
pub const OBS_STREAM: &str = "RIVERWATCH_OBS";
/// Qualifying stops and progress from every partition, for the spot unit.
pub const SPOTS_STREAM: &str = "RIVERWATCH_SPOTS";
pub const SPOTS_SUBJECT: &str = "riverwatch.spots";
/// Every alert update an engine has stored, as JSON (`{"what": "opened", "alert"}` or
/// `{"what": "ended", "id", "ended_at"}`).
pub const ALERTS_SUBJECT: &str = "riverwatch.alerts";
/// Catalog edits for the engines (`zones`, `registry`, `watchlist`).
pub const CONTROL_SUBJECT: &str = "riverwatch.control";

/// How long the streams keep what they hold.
pub const STREAM_MAX_AGE: Duration = Duration::from_secs(7 * 86_400);

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

/// Numbers observations and cuts them into partitions, each entry carrying the stream's
/// event time just before it.
#[derive(Debug, Clone)]
pub struct Numbering {
    pub partitions: u32,
    /// The last sequence given out.
    pub seq: u64,
    /// The whole stream's event time so far (what one engine's watermark would be).
    pub wm: Option<i64>,
}

impl Numbering {
    pub fn number(&mut self, round: impl IntoIterator<Item = Observation>) -> Vec<Vec<Entry>> {
        let mut parts: Vec<Vec<Entry>> = vec![Vec::new(); self.partitions as usize];
        for o in round {
            self.seq += 1;
            let p = partition_of(o.mmsi, self.partitions) as usize;
            let t = o.event_time_ms;
            parts[p].push(Entry {
                seq: self.seq,
                wm: self.wm,
                obs: Some(o),
            });
            self.wm = Some(self.wm.map_or(t, |w| w.max(t)));
        }
        parts
    }
}

/// Runs a partition's entries through its detector: time first, then the report.
/// Appends the alert updates and the qualifying stops (with their entry's sequence);
/// returns the vessels heard.
pub fn apply(
    detector: &mut Detector,
    entries: &[Entry],
    updates: &mut Vec<AlertUpdate>,
    stops: &mut Vec<(u64, SpotStop)>,
) -> Vec<u32> {
    let mut heard = Vec::new();
    for e in entries {
        if let Some(wm) = e.wm {
            detector.advance(wm, updates);
        }
        if let Some(o) = &e.obs {
            detector.observe_admitted(o, updates);
            heard.push(o.mmsi);
        }
        stops.extend(detector.take_spot_stops().into_iter().map(|s| (e.seq, s)));
    }
    heard
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
                    // A unit replays from its snapshot (seconds old), so a week of stream is
                    // plenty to restart from and bounds the disk.
                    max_age: STREAM_MAX_AGE,
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
    use std::collections::BTreeMap;
    use std::path::Path;

    use ais::decoder::Output;
    use geofence::engine::{Admit, Config as EngineConfig, Gate};
    use geofence::index::ZoneIndex;
    use geofence::rules::RulesConfig;
    use geofence::sim::{Sim, SimConfig};

    use super::*;
    use crate::datadir;

    /// Stored alerts: id -> (detected at, ended at).
    type Stored = BTreeMap<String, (i64, Option<i64>)>;

    struct River {
        set: datadir::DataSet,
        rules: RulesConfig,
    }

    impl River {
        fn demo() -> River {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
            River {
                set: datadir::load_data_dir(&dir).expect("demo data"),
                rules: datadir::load_settings(&dir, None)
                    .expect("demo settings")
                    .rules,
            }
        }

        /// A day of simulated traffic, decoded as `replay` decodes it.
        fn feed(&self, seed: u64) -> Vec<Observation> {
            let index = ZoneIndex::new(self.set.zones.clone());
            let cfg = SimConfig {
                seed,
                days: 1,
                ..SimConfig::default()
            };
            let sim =
                Sim::plan(&index, &self.set.registry, &self.set.watchlist, &cfg).expect("a plan");
            let mut decoder = ais::Decoder::default();
            let (mut out, mut clock) = (Vec::new(), 0i64);
            sim.run(|_, line| {
                let mut bytes = line.as_bytes().to_vec();
                bytes.push(b'\n');
                decoder.decode_line(&bytes, &mut |o| {
                    if let Output::Ais(m) = o {
                        let obs = Observation::from_ais(&m, clock);
                        clock = clock.max(obs.event_time_ms);
                        out.push(obs);
                    }
                });
            });
            out
        }

        fn detector(&self) -> Detector {
            Detector::new(
                ZoneIndex::new(self.set.zones.clone()),
                self.rules.clone(),
                self.set.registry.clone(),
                self.set.watchlist.clone(),
            )
        }

        /// What one detector fed everything stores.
        fn one(&self, obs: &[Observation]) -> Stored {
            let mut d = self.detector();
            let mut updates = Vec::new();
            for o in obs {
                d.observe(o, &mut updates);
            }
            let mut stored = Stored::new();
            store(&mut stored, updates);
            stored
        }

        /// What the cluster's logic stores: the gate, numbered rounds of 500 (one message
        /// per partition, a tick where a round has nothing), partitions taken in a
        /// scrambled order, the spot unit; with `failover`, partition 1 is restored from
        /// a snapshot 40 messages old when it reaches its 100th message; with `ahead`,
        /// that partition runs to its end before the others start.
        fn cluster(
            &self,
            obs: &[Observation],
            partitions: u32,
            failover: bool,
            ahead: Option<usize>,
        ) -> Stored {
            let mut gate = Gate::new(&EngineConfig::default());
            let mut numbering = Numbering {
                partitions,
                seq: 0,
                wm: None,
            };
            let mut admitted = Vec::new();
            for o in obs {
                match gate.admit(o) {
                    Admit::Now => admitted.push(o.clone()),
                    Admit::Held => {}
                    Admit::WithHeld(h) => {
                        admitted.push(*h);
                        admitted.push(o.clone());
                    }
                }
            }
            let mut streams: Vec<Vec<Vec<Entry>>> = vec![Vec::new(); partitions as usize];
            for round in admitted.chunks(500) {
                for (p, mut entries) in numbering
                    .number(round.iter().cloned())
                    .into_iter()
                    .enumerate()
                {
                    if entries.is_empty() {
                        entries.push(Entry {
                            seq: numbering.seq,
                            wm: numbering.wm,
                            obs: None,
                        });
                    }
                    streams[p].push(entries);
                }
            }
            let mut dets: Vec<Detector> = (0..partitions).map(|_| self.detector()).collect();
            for d in &mut dets {
                d.export_spot_stops();
            }
            let mut next = vec![0usize; partitions as usize];
            let mut spots = spots::Spots::new(partitions);
            let mut got = Stored::new();
            let mut updates = Vec::new();
            let mut saved: Option<(usize, Vec<u8>)> = None;
            let mut failed_over = !failover;
            let mut rng = 0x2545_f491_4f6c_dd1du64;
            while next.iter().zip(&streams).any(|(n, s)| *n < s.len()) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let p = match ahead {
                    Some(a) if next[a] < streams[a].len() => a,
                    _ => (rng % u64::from(partitions)) as usize,
                };
                let Some(entries) = streams[p].get(next[p]) else {
                    continue;
                };
                if failover && p == 1 && next[p] == 60 && saved.is_none() && !failed_over {
                    let mut bytes = Vec::new();
                    dets[1].snapshot(&mut bytes).expect("a snapshot");
                    saved = Some((next[p], bytes));
                }
                if p == 1 && next[p] == 100 && !failed_over {
                    let (at, bytes) = saved.take().expect("saved");
                    let (mut d, ended) = Detector::restore(
                        bytes.as_slice(),
                        ZoneIndex::new(self.set.zones.clone()),
                        self.rules.clone(),
                        self.set.registry.clone(),
                        self.set.watchlist.clone(),
                    )
                    .expect("restored");
                    d.export_spot_stops();
                    store(&mut got, ended);
                    dets[1] = d;
                    next[1] = at;
                    failed_over = true;
                    continue;
                }
                let mut stops = Vec::new();
                apply(&mut dets[p], entries, &mut updates, &mut stops);
                store(&mut got, std::mem::take(&mut updates));
                let report = SpotReport {
                    part: p as u32,
                    upto: entries.last().map_or(0, |e| e.seq),
                    stops,
                };
                let alerts = spots.take(&self.rules, report);
                store(
                    &mut got,
                    alerts.into_iter().map(AlertUpdate::Opened).collect(),
                );
                next[p] += 1;
            }
            assert!(failed_over, "the failover never happened");
            got
        }
    }

    /// The store's rule: an id it has is not stored again; an end is stored once.
    fn store(stored: &mut Stored, updates: Vec<AlertUpdate>) {
        for u in updates {
            match u {
                AlertUpdate::Opened(a) => {
                    stored.entry(a.id).or_insert((a.detected_at_ms, None));
                }
                AlertUpdate::Ended {
                    id, ended_at_ms, ..
                } => {
                    if let Some(a) = stored.get_mut(&id) {
                        a.1.get_or_insert(ended_at_ms);
                    }
                }
            }
        }
    }

    fn kinds(s: &Stored) -> Vec<&str> {
        s.keys()
            .map(|id| id.split('-').next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn partitions_with_a_failover_store_what_one_detector_stores() {
        let river = River::demo();
        let obs = river.feed(7);
        let want = river.one(&obs);
        assert!(want.len() >= 15, "{want:?}");
        let k = kinds(&want);
        assert!(
            k.contains(&"suspected_unlicensed_dock") && k.contains(&"ais_gap"),
            "{k:?}"
        );
        assert_eq!(river.cluster(&obs, 4, true, None), want);
    }

    /// However far one partition runs ahead of the others, the spot unit judges the
    /// qualifying stops in stream order.
    #[test]
    fn a_partition_far_ahead_changes_nothing() {
        let river = River::demo();
        let obs = river.feed(7);
        let want = river.one(&obs);
        for ahead in 0..4 {
            assert_eq!(
                river.cluster(&obs, 4, false, Some(ahead)),
                want,
                "partition {ahead} ahead"
            );
        }
    }

    /// A vessel gone silent is found by the time the whole stream carries, not by its own
    /// partition's (whose other vessels may be quiet): cut the feed a minute after the
    /// gap is found, and the partitions must have found it too.
    #[test]
    fn a_silent_vessel_is_found_on_the_whole_streams_time() {
        let river = River::demo();
        let obs = river.feed(7);
        let full = river.one(&obs);
        let (_, (found, _)) = full
            .iter()
            .find(|(id, _)| id.starts_with("ais_gap-"))
            .expect("a gap in the feed");
        let cut: Vec<Observation> = obs
            .iter()
            .take_while(|o| o.event_time_ms <= found + 60_000)
            .cloned()
            .collect();
        let want = river.one(&cut);
        assert!(kinds(&want).contains(&"ais_gap"));
        // So many partitions that the silent vessel has its own: nothing else in it moves
        // time on.
        assert_eq!(river.cluster(&cut, 512, false, None), want);
    }

    #[test]
    fn partitions_are_stable_and_spread() {
        // Fixed values: a change here would move every vessel to another partition.
        assert_eq!(partition_of(412_253_527, 8), partition_of(412_253_527, 8));
        let mut counts = [0u32; 8];
        for mmsi in 412_000_000..412_008_000u32 {
            counts[partition_of(mmsi, 8) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(partition_of(1, 1), 0);
        assert_eq!(partition_of(1, 0), 0);
    }
}
