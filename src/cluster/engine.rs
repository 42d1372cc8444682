//! `riverwatch engine`: takes a fair share of the partitions (and maybe the spot unit)
//! through leases, and runs each as a task: restore the partition's snapshot, replay its
//! stream from the snapshot's sequence, then follow it. A node that dies loses its leases
//! with its database session; the survivors take them at their next look (every
//! [`LOOK_EVERY`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use async_nats::jetstream::{self, consumer};
use data::{Leases, PartitionSnapshot, SqlStore, Store, StoreError};
use futures_util::StreamExt;
use geofence::alert::AlertUpdate;
use geofence::index::ZoneIndex;
use geofence::registry::{Registry, Watchlist};
use geofence::rules::{Detector, RulesConfig};
use geofence::zone::Zone;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{
    ALERTS_SUBJECT, CONTROL_SUBJECT, Cluster, Entry, OBS_STREAM, SPOTS_SUBJECT, SpotReport,
    connect, ensure_streams, obs_subject, publish_acked,
};
use crate::{datadir, listen, serve};

/// How often a node looks at the leases.
pub const LOOK_EVERY: Duration = Duration::from_millis(500);
/// The pause before a failed NATS request is sent again.
pub const RETRY_AFTER: Duration = Duration::from_millis(100);
/// How often a partition's state is saved while it runs.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);
/// Member slots (engine nodes at most).
const MEMBER_SLOTS: i32 = 256;

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    pub cluster: Cluster,
    pub database: String,
    /// Take no partition before this many engines have joined.
    pub members: u32,
    /// Leave when every unit held is idle (a catch-up run over what the stream holds).
    pub drain: bool,
}

/// Zones, registry and watchlist as the engines run them.
#[derive(Debug)]
pub struct Reference {
    pub zones: Vec<Zone>,
    pub registry: Registry,
    pub watchlist: Watchlist,
}

/// What every unit task shares.
#[derive(Debug)]
pub struct Shared {
    pub store: Arc<SqlStore>,
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub rules: RulesConfig,
    pub partitions: u32,
    pub track_step_ms: i64,
    pub drain: bool,
}

struct Running {
    task: JoinHandle<anyhow::Result<()>>,
    stop: watch::Sender<bool>,
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let settings = datadir::load_settings(&opts.data, opts.config.as_deref())?;
    let rt = listen::runtime()?;
    rt.block_on(async move {
        let store = Arc::new(serve::open_store(&opts.database).await?);
        wait_seeded(&store).await?;
        let reference = load_reference(&store).await?;
        let client = connect(&opts.cluster).await?;
        let mut js = jetstream::new(client.clone());
        // Short: during a NATS server's failure a request to the dead one is tried again on
        // another sooner.
        js.set_timeout(Duration::from_secs(1));
        ensure_streams(&js, &opts.cluster).await?;
        let shared = Arc::new(Shared {
            store: store.clone(),
            client: client.clone(),
            js,
            rules: settings.rules.clone(),
            partitions: opts.cluster.partitions,
            track_step_ms: settings.store.track_step_s as i64 * 1000,
            drain: opts.drain,
        });
        let (ref_tx, ref_rx) = watch::channel(Arc::new(reference));
        tokio::spawn(follow_edits(client.clone(), store.clone(), ref_tx));

        let mut leases = Leases::connect(&opts.database)
            .await
            .context("the lease session")?;
        let slot = leases
            .join(MEMBER_SLOTS)
            .await?
            .context("every member slot is taken")?;
        tracing::info!(slot, "joined the engines");
        while opts.members > 1 && leases.members().await? < opts.members {
            tokio::time::sleep(LOOK_EVERY).await;
        }
        // The partitions, then the spot unit.
        let units = opts.cluster.partitions + 1;
        let mut mine: BTreeMap<u32, Running> = BTreeMap::new();
        let mut done: Vec<u32> = Vec::new();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            tokio::select! {
                _ = &mut ctrl_c => break,
                _ = tokio::time::sleep(LOOK_EVERY) => {}
            }
            if !leases.alive().await {
                for r in mine.values() {
                    r.task.abort();
                }
                anyhow::bail!("the lease session to PostgreSQL is gone: stopping, leases are lost");
            }
            // Tasks that ended: a drained unit stays held; a failed one is let go.
            let ended: Vec<u32> = mine
                .iter()
                .filter(|(_, r)| r.task.is_finished())
                .map(|(u, _)| *u)
                .collect();
            for u in ended {
                let Some(r) = mine.remove(&u) else { continue };
                match r.task.await {
                    Ok(Ok(())) => done.push(u),
                    Ok(Err(e)) => {
                        tracing::error!("unit {u}: {e:#}; letting it go");
                        leases.release(u).await?;
                    }
                    Err(e) => {
                        tracing::error!("unit {u}: {e}; letting it go");
                        leases.release(u).await?;
                    }
                }
            }
            let members = leases.members().await?.max(1);
            let target = units.div_ceil(members) as usize;
            let held = mine.len() + done.len();
            if held < target {
                for u in 0..units {
                    if mine.len() + done.len() >= target {
                        break;
                    }
                    if mine.contains_key(&u) || done.contains(&u) || !leases.try_take(u).await? {
                        continue;
                    }
                    let (stop, stopped) = watch::channel(false);
                    let task = if u < opts.cluster.partitions {
                        tokio::spawn(run_partition(shared.clone(), u, stopped, ref_rx.clone()))
                    } else {
                        tokio::spawn(super::spots::run(shared.clone(), u, stopped))
                    };
                    mine.insert(u, Running { task, stop });
                }
            } else if held > target
                && let Some((&u, _)) = mine.iter().next_back()
                && let Some(r) = mine.remove(&u)
            {
                // Handed over cleanly: the last state is saved before the lease goes.
                let _ = r.stop.send(true);
                match r.task.await {
                    Ok(Ok(())) => tracing::info!("unit {u} handed over ({members} engines)"),
                    Ok(Err(e)) => tracing::warn!("unit {u} stopped with: {e:#}"),
                    Err(e) => tracing::warn!("unit {u} stopped with: {e}"),
                }
                leases.release(u).await?;
            }
            if opts.drain && mine.is_empty() && !done.is_empty() && leases.held().await? >= units {
                tracing::info!("drained units {done:?}");
                break;
            }
        }
        for (u, r) in std::mem::take(&mut mine) {
            let _ = r.stop.send(true);
            if let Ok(Err(e)) = r.task.await {
                tracing::warn!("unit {u} stopped with: {e:#}");
            }
        }
        anyhow::Ok(())
    })
}

/// The API node seeds the store from the data directory; engines wait for it.
async fn wait_seeded(store: &SqlStore) -> anyhow::Result<()> {
    let mut said = false;
    while store.meta("seeded").await?.is_none() {
        if !said {
            tracing::info!("waiting for the store to be seeded (start `riverwatch api` once)");
            said = true;
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
    Ok(())
}

async fn load_reference(store: &SqlStore) -> anyhow::Result<Reference> {
    let (zones, registry, watchlist) = serve::reference_data(store).await?;
    Ok(Reference {
        zones,
        registry,
        watchlist,
    })
}

/// Zone and list edits made through any API node reach every partition here. Each
/// partition applies an edit between two stream messages, as `serve` applies one
/// between two batches.
async fn follow_edits(
    client: async_nats::Client,
    store: Arc<SqlStore>,
    tx: watch::Sender<Arc<Reference>>,
) {
    let mut sub = match client.subscribe(CONTROL_SUBJECT).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot follow catalog edits: {e}");
            return;
        }
    };
    while sub.next().await.is_some() {
        match load_reference(&store).await {
            Ok(r) => {
                tracing::info!(zones = r.zones.len(), "catalog edited: reloading");
                let _ = tx.send(Arc::new(r));
            }
            Err(e) => tracing::error!("reloading the catalog: {e:#}"),
        }
    }
}

/// Applies one alert update to the store; a store that fails is tried again a few times,
/// then the unit fails (and its replay elsewhere stores the update).
pub async fn store_update(store: &SqlStore, u: &AlertUpdate) -> anyhow::Result<()> {
    let mut delay = Duration::from_millis(100);
    for _ in 0..6 {
        let r = match u {
            AlertUpdate::Opened(a) => store.save_alert(a).await.map(|_| ()),
            AlertUpdate::Ended {
                id, ended_at_ms, ..
            } => store.end_alert(id, *ended_at_ms).await,
        };
        match r {
            Ok(()) => return Ok(()),
            Err(StoreError::NotFound(what)) => {
                tracing::warn!("ending {what}: not in the store");
                return Ok(());
            }
            Err(e) => {
                tracing::warn!("storing an alert update: {e}; trying again");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    anyhow::bail!("the store keeps failing")
}

/// Fetches what the consumer holds after stream sequence `after` (up to 256 messages,
/// waiting at most 0.5 s): each message's stream sequence and payload. An error means the
/// consumer is to be made again (what was fetched is fetched again then).
pub async fn fetch(
    consumer: &consumer::Consumer<consumer::pull::Config>,
    after: u64,
) -> Result<Vec<(u64, bytes::Bytes)>, String> {
    let mut batch = consumer
        .fetch()
        .max_messages(256)
        .expires(Duration::from_millis(500))
        .messages()
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(m) = batch.next().await {
        let m = m.map_err(|e| e.to_string())?;
        let Ok(info) = m.info() else { continue };
        let seq = info.stream_sequence;
        if seq > after {
            out.push((seq, m.payload.clone()));
        }
    }
    Ok(out)
}

/// Publishes stored alert updates on [`ALERTS_SUBJECT`], one message each (core NATS, at
/// most once: the store is the record). API nodes take them as a nudge to relay the
/// store's changes, which carry the sequence a live stream resumes from; anything else
/// may subscribe too.
pub async fn publish_updates(client: &async_nats::Client, updates: &[AlertUpdate]) {
    for u in updates {
        let body = match u {
            AlertUpdate::Opened(a) => serde_json::json!({"what": "opened", "alert": a.to_json()}),
            AlertUpdate::Ended {
                id, ended_at_ms, ..
            } => serde_json::json!({
                "what": "ended",
                "id": id,
                "ended_at": geofence::alert::rfc3339(*ended_at_ms),
            }),
        };
        if let Err(e) = client
            .publish(ALERTS_SUBJECT, body.to_string().into())
            .await
        {
            tracing::debug!("publishing an alert update: {e}");
        }
    }
}

/// A unit's consumer of its subject, starting after stream sequence `after`. Each owner
/// makes its own durable consumer (named for the unit and the moment); the server forgets
/// one a minute after its owner stops asking, so a dead owner's needs no cleaning up.
pub async fn consumer_from(
    js: &jetstream::Context,
    stream: &str,
    unit: &str,
    subject: &str,
    after: u64,
) -> anyhow::Result<consumer::Consumer<consumer::pull::Config>> {
    let deliver_policy = if after == 0 {
        consumer::DeliverPolicy::All
    } else {
        consumer::DeliverPolicy::ByStartSequence {
            start_sequence: after + 1,
        }
    };
    let name = format!("{unit}-{}", api::now_ms());
    // One request (no stream lookup first): during an election every request counts.
    Ok(js
        .create_consumer_on_stream(
            consumer::pull::Config {
                durable_name: Some(name),
                filter_subject: subject.to_string(),
                deliver_policy,
                ack_policy: consumer::AckPolicy::None,
                inactive_threshold: Duration::from_secs(60),
                // Replicated like the stream: a copy on one server could be placed on a
                // server that just died, and the request would never be answered.
                ..Default::default()
            },
            stream,
        )
        .await?)
}

/// What an empty fetch means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// Everything the subject holds is delivered.
    CaughtUp,
    /// Messages wait, but none came: look again.
    Waiting,
    /// The consumer is gone (its server died with it): make it again.
    Lost,
}

/// Asks the consumer why a fetch came back empty. A consumer lost with its server answers
/// nothing, and fetching from it would look like a quiet stream forever.
pub async fn quiet(c: &mut consumer::Consumer<consumer::pull::Config>) -> Quiet {
    match c.info().await {
        Ok(i) if i.num_pending == 0 => Quiet::CaughtUp,
        Ok(_) => Quiet::Waiting,
        Err(_) => Quiet::Lost,
    }
}

/// Saves a unit's state with the stream sequence it covers.
pub async fn save_state(
    store: &SqlStore,
    unit: u32,
    seq: u64,
    state: Vec<u8>,
) -> anyhow::Result<()> {
    store
        .save_partition_snapshot(
            unit,
            &PartitionSnapshot {
                seq,
                taken_at_ms: api::now_ms(),
                state,
            },
        )
        .await
        .with_context(|| format!("saving unit {unit}'s state"))
}

/// One partition, from its snapshot on, until told to stop (or drained).
async fn run_partition(
    shared: Arc<Shared>,
    p: u32,
    stop: watch::Receiver<bool>,
    mut reference: watch::Receiver<Arc<Reference>>,
) -> anyhow::Result<()> {
    let took = Instant::now();
    let r = reference.borrow_and_update().clone();
    let mut updates = Vec::new();
    let (mut detector, last) = match shared.store.partition_snapshot(p).await? {
        Some(s) => {
            let (d, ended) = Detector::restore(
                s.state.as_slice(),
                ZoneIndex::new(r.zones.clone()),
                shared.rules.clone(),
                r.registry.clone(),
                r.watchlist.clone(),
            )
            .map_err(|e| anyhow::anyhow!("partition {p}'s snapshot: {e}"))?;
            updates.extend(ended);
            (d, s.seq)
        }
        None => (
            Detector::new(
                ZoneIndex::new(r.zones.clone()),
                shared.rules.clone(),
                r.registry.clone(),
                r.watchlist.clone(),
            ),
            0,
        ),
    };
    detector.export_spot_stops();
    tracing::info!(
        "partition {p}: taken, state restored at stream sequence {last} in {:.0} ms",
        took.elapsed().as_secs_f64() * 1000.0
    );
    let mut part = Partition {
        shared: shared.clone(),
        p,
        detector,
        last,
        saved: last,
        upto: 0,
        reported: 0,
        reported_at: Instant::now(),
        last_stored: Default::default(),
        updates,
        touched: Vec::new(),
    };
    part.store_updates().await?;
    let name = format!("engine-{p}");
    let subject = obs_subject(p);
    let mut saved_at = Instant::now();
    let mut idle = 0u32;
    let mut lost: u32;
    'consumer: loop {
        lost = 0;
        let mut consumer =
            match consumer_from(&shared.js, OBS_STREAM, &name, &subject, part.last).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("partition {p}: consumer: {e:#}; trying again");
                    // The request has waited out its timeout already.
                    tokio::time::sleep(RETRY_AFTER).await;
                    if *stop.borrow() {
                        break;
                    }
                    continue;
                }
            };
        tracing::info!(
            "partition {p}: consuming after stream sequence {}",
            part.last
        );
        loop {
            if *stop.borrow() {
                break 'consumer;
            }
            if reference.has_changed().unwrap_or(false) {
                let r = reference.borrow_and_update().clone();
                part.detector
                    .replace_zones(ZoneIndex::new(r.zones.clone()), &mut part.updates);
                part.detector
                    .replace_lists(r.registry.clone(), r.watchlist.clone());
                part.store_updates().await?;
            }
            let msgs = match fetch(&consumer, part.last).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(
                        "partition {p}: fetching: {e}; starting over after {}",
                        part.last
                    );
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue 'consumer;
                }
            };
            let n = msgs.len();
            for (seq, payload) in msgs {
                match serde_json::from_slice::<Vec<Entry>>(&payload) {
                    Ok(entries) => part.take(entries).await?,
                    Err(e) => tracing::error!(
                        "partition {p}: stream sequence {seq} is unreadable ({e}); skipped"
                    ),
                }
                part.last = seq;
            }
            part.store_vessels().await;
            if n == 0 {
                idle += 1;
                part.report(true).await;
                if part.last != part.saved {
                    part.save().await?;
                    saved_at = Instant::now();
                }
                let why = quiet(&mut consumer).await;
                // A replicated consumer electing a new leader does not answer for a few
                // seconds either: only a consumer silent three times running is gone.
                lost = if why == Quiet::Lost { lost + 1 } else { 0 };
                if lost >= 3 {
                    tracing::warn!("partition {p}: the consumer is gone; making it again");
                    continue 'consumer;
                }
                if shared.drain && idle >= 2 && why == Quiet::CaughtUp {
                    tracing::info!("partition {p}: drained at stream sequence {}", part.last);
                    return Ok(());
                }
            } else {
                idle = 0;
                if saved_at.elapsed() >= SNAPSHOT_EVERY {
                    part.report(true).await;
                    part.save().await?;
                    saved_at = Instant::now();
                }
            }
        }
    }
    part.report(true).await;
    part.save().await?;
    tracing::info!("partition {p}: stopped at stream sequence {}", part.last);
    Ok(())
}

/// A partition's running state.
struct Partition {
    shared: Arc<Shared>,
    p: u32,
    detector: Detector,
    /// The stream sequence taken last, and the one the saved state covers.
    last: u64,
    saved: u64,
    /// The entry sequence taken last, and the one last reported to the spot unit.
    upto: u64,
    reported: u64,
    reported_at: Instant,
    last_stored: foldhash::HashMap<u32, i64>,
    updates: Vec<AlertUpdate>,
    /// Vessels heard since their states were last stored (once per fetch, not per message).
    touched: Vec<u32>,
}

impl Partition {
    /// Takes one message's entries: the detectors, then the store, then the spot unit.
    async fn take(&mut self, entries: Vec<Entry>) -> anyhow::Result<()> {
        let mut stops = Vec::new();
        let touched = super::apply(&mut self.detector, &entries, &mut self.updates, &mut stops);
        if let Some(e) = entries.last() {
            self.upto = self.upto.max(e.seq);
        }
        self.store_updates().await?;
        self.touched.extend(touched);
        if !stops.is_empty() {
            self.publish_report(stops).await;
        } else {
            self.report(false).await;
        }
        Ok(())
    }

    async fn store_updates(&mut self) -> anyhow::Result<()> {
        if self.updates.is_empty() {
            return Ok(());
        }
        let updates: Vec<AlertUpdate> = self.updates.drain(..).collect();
        for u in &updates {
            store_update(&self.shared.store, u).await?;
        }
        publish_updates(&self.shared.client, &updates).await;
        Ok(())
    }

    /// The vessels' latest states for the API, at most one per vessel per track step.
    async fn store_vessels(&mut self) {
        let (states, points) = crate::node::due_states(
            &self.detector,
            &mut self.touched,
            &mut self.last_stored,
            self.shared.track_step_ms,
        );
        if !states.is_empty()
            && let Err(e) = self.shared.store.save_vessels(&states, &points).await
        {
            tracing::warn!("partition {}: storing vessel states: {e}", self.p);
        }
    }

    /// Tells the spot unit how far this partition is, now and then (or `now`).
    async fn report(&mut self, now: bool) {
        if self.upto > self.reported
            && (now || self.reported_at.elapsed() >= Duration::from_millis(250))
        {
            self.publish_report(Vec::new()).await;
        }
    }

    async fn publish_report(&mut self, stops: Vec<(u64, geofence::rules::docks::SpotStop)>) {
        let report = SpotReport {
            part: self.p,
            upto: self.upto,
            stops,
        };
        let Ok(payload) = serde_json::to_vec(&report) else {
            return;
        };
        // The same report from a replay after a failover has the same id.
        let id = format!("p{}-{}-{}", self.p, self.upto, report.stops.len());
        publish_acked(
            &self.shared.js,
            SPOTS_SUBJECT.to_string(),
            &id,
            bytes::Bytes::from(payload),
        )
        .await;
        self.reported = self.upto;
        self.reported_at = Instant::now();
    }

    async fn save(&mut self) -> anyhow::Result<()> {
        let mut state = Vec::new();
        self.detector
            .snapshot(&mut state)
            .context("writing a partition snapshot")?;
        save_state(&self.shared.store, self.p, self.last, state).await?;
        self.saved = self.last;
        Ok(())
    }
}
