//! The spot unit: `suspected_unlicensed_dock` spans vessels, so with the vessels split
//! between partitions one place judges every qualifying stop. It judges them in stream
//! order, as one detector fed everything would: a stop found at entry `s` waits until
//! every partition has reported taking the entries up to `s`, so no earlier stop can still
//! arrive.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use geofence::alert::{Alert, AlertUpdate};
use geofence::rules::RulesConfig;
use geofence::rules::docks::{Candidates, SpotStop};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::engine::{
    Quiet, RETRY_AFTER, Shared, consumer_from, fetch, quiet, save_state, store_update,
};
use super::{SPOTS_STREAM, SPOTS_SUBJECT, SpotReport};

/// The unit's state, saved like a partition's.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Spots {
    candidates: Candidates,
    /// Per partition: every entry up to here is taken.
    progress: Vec<u64>,
    /// Stops not judged yet, by entry sequence.
    pending: BTreeMap<u64, SpotStop>,
    /// Every stop up to here is judged; a copy of one (a replay) is ignored.
    judged: u64,
}

impl Spots {
    pub fn new(partitions: u32) -> Spots {
        Spots {
            progress: vec![0; partitions as usize],
            ..Spots::default()
        }
    }

    /// Takes one report; returns the alerts of the stops it lets be judged.
    pub fn take(&mut self, rules: &RulesConfig, r: SpotReport) -> Vec<Alert> {
        let Some(p) = self.progress.get_mut(r.part as usize) else {
            tracing::warn!("a spot report from partition {} (not configured)", r.part);
            return Vec::new();
        };
        *p = (*p).max(r.upto);
        for (seq, stop) in r.stops {
            if seq > self.judged {
                self.pending.entry(seq).or_insert(stop);
            }
        }
        let floor = self.progress.iter().copied().min().unwrap_or(0);
        let mut alerts = Vec::new();
        while let Some(e) = self.pending.first_entry() {
            if *e.key() > floor {
                break;
            }
            let stop = e.remove();
            alerts.extend(self.candidates.add(rules, stop));
        }
        self.judged = self.judged.max(floor);
        alerts
    }
}

pub async fn run(
    shared: Arc<Shared>,
    unit: u32,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (mut spots, mut last) = match shared.store.partition_snapshot(unit).await? {
        Some(s) => (
            serde_json::from_slice::<Spots>(&s.state).context("the spot unit's saved state")?,
            s.seq,
        ),
        None => (Spots::new(shared.partitions), 0),
    };
    spots.progress.resize(shared.partitions as usize, 0);
    tracing::info!("spot unit: taken, state restored at stream sequence {last}");
    let mut saved = last;
    let mut saved_at = Instant::now();
    let mut idle = 0u32;
    let mut lost: u32;
    'consumer: loop {
        lost = 0;
        if *stop.borrow() {
            break;
        }
        let mut consumer = match consumer_from(
            &shared.js,
            SPOTS_STREAM,
            "engine-spots",
            SPOTS_SUBJECT,
            last,
        )
        .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("spot unit: consumer: {e:#}; trying again");
                // The request has waited out its timeout already.
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        tracing::info!("spot unit: consuming after stream sequence {last}");
        loop {
            if *stop.borrow() {
                break 'consumer;
            }
            let msgs = match fetch(&consumer, last).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("spot unit: fetching: {e}; starting over after {last}");
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue 'consumer;
                }
            };
            let n = msgs.len();
            for (seq, payload) in msgs {
                match serde_json::from_slice::<SpotReport>(&payload) {
                    Ok(r) => {
                        let alerts = spots.take(&shared.rules, r);
                        let updates: Vec<AlertUpdate> =
                            alerts.into_iter().map(AlertUpdate::Opened).collect();
                        for u in &updates {
                            store_update(&shared.store, u).await?;
                        }
                        super::engine::publish_updates(&shared.client, &updates).await;
                    }
                    Err(e) => tracing::error!(
                        "spot unit: stream sequence {seq} is unreadable ({e}); skipped"
                    ),
                }
                last = seq;
            }
            idle = if n == 0 { idle + 1 } else { 0 };
            if last != saved && (n == 0 || saved_at.elapsed() >= Duration::from_secs(5)) {
                save_state(&shared.store, unit, last, serde_json::to_vec(&spots)?).await?;
                saved = last;
                saved_at = Instant::now();
            }
            let why = if n == 0 {
                quiet(&mut consumer).await
            } else {
                Quiet::Waiting
            };
            lost = if why == Quiet::Lost { lost + 1 } else { 0 };
            if lost >= 3 {
                tracing::warn!("spot unit: the consumer is gone; making it again");
                continue 'consumer;
            }
            if shared.drain && idle >= 6 && why == Quiet::CaughtUp {
                tracing::info!("spot unit: drained at stream sequence {last}");
                return Ok(());
            }
        }
    }
    save_state(&shared.store, unit, last, serde_json::to_vec(&spots)?).await?;
    Ok(())
}
