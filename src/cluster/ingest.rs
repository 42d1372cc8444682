//! `riverwatch ingest`: receivers -> dedup across towers -> the late and future policy ->
//! numbered entries on the observation stream, one subject per partition.
//!
//! Each round (what the receivers have delivered, up to [`ROUND_MAX`] reports) goes out as
//! at most one message per partition, and the next round waits for every acknowledgement:
//! a partition's entries stay in order even when a NATS server dies mid-round and a
//! publish is retried on another.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ais::receiver::{Batch, Dedup, spawn};
use anyhow::Context;
use async_nats::jetstream;
use geofence::engine::{Admit, Config as EngineConfig, Gate};
use tokio::sync::{mpsc, watch};

use super::{Cluster, Entry, Numbering, OBS_STREAM, connect, ensure_streams, obs_subject};
use crate::{datadir, listen};

/// Event time between two ticks to a partition that hears nothing else.
const TICK_EVERY_MS: i64 = 1000;

/// Reports per round at most (a round is one message per partition).
const ROUND_MAX: usize = 4096;

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    pub cluster: Cluster,
    pub tcp_listen: Vec<String>,
    pub connect: Vec<String>,
    pub udp: Vec<String>,
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let settings = datadir::load_settings(&opts.data, opts.config.as_deref())?;
    let receivers = listen::receiver_list(&settings, &opts.tcp_listen, &opts.connect, &opts.udp)?;
    let rt = listen::runtime()?;
    rt.block_on(async move {
        let client = connect(&opts.cluster).await?;
        let mut js = jetstream::new(client);
        // An acknowledgement a dead server will never send is given up on (and the round
        // published again on another) after this.
        js.set_timeout(Duration::from_secs(2));
        ensure_streams(&js, &opts.cluster).await?;
        let mut publisher = Publisher::resume(js, opts.cluster.partitions).await?;
        let (tx, mut rx) = mpsc::channel::<Batch>(listen::QUEUE_BATCHES);
        let (stop_tx, stop) = watch::channel(false);
        let running = spawn(&receivers, tx, stop).await?;
        for (cfg, addr) in receivers.iter().zip(&running.local_addrs) {
            match addr {
                Some(a) => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "listening on {a}"),
                None => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "started"),
            }
        }
        let mut fold = Fold {
            dedup: Dedup::default(),
            gate: Gate::new(&EngineConfig::default()),
        };
        let mut round: Vec<ais::Observation> = Vec::new();
        let mut report = Instant::now();
        let (mut reported, started) = (0u64, Instant::now());
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let batch = tokio::select! {
                b = rx.recv() => b,
                _ = &mut ctrl_c => {
                    let _ = stop_tx.send(true);
                    None
                }
                // Time moves on for idle partitions even when no tower speaks.
                _ = tokio::time::sleep(Duration::from_secs(1)) => Some(Vec::new()),
            };
            let Some(batch) = batch else { break };
            fold.take(batch, &mut round);
            while round.len() < ROUND_MAX {
                match rx.try_recv() {
                    Ok(b) => fold.take(b, &mut round),
                    Err(_) => break,
                }
            }
            publisher.publish(&mut round).await;
            if report.elapsed() >= Duration::from_secs(10) {
                let n = publisher.numbering.seq - reported;
                tracing::info!(
                    "published {} entries ({:.0}/s over the last {:.0} s), {} in all since start ({:.0} s)",
                    n,
                    n as f64 / report.elapsed().as_secs_f64(),
                    report.elapsed().as_secs_f64(),
                    publisher.numbering.seq,
                    started.elapsed().as_secs_f64()
                );
                reported = publisher.numbering.seq;
                report = Instant::now();
            }
        }
        running.join(Duration::from_secs(5)).await;
        // What the receivers handed over last.
        while let Ok(b) = rx.try_recv() {
            fold.take(b, &mut round);
        }
        publisher.publish(&mut round).await;
        eprintln!("ingest stopped: {} entries published", publisher.numbering.seq);
        anyhow::Ok(())
    })
}

/// Copies from several towers folded, then the late and future policy: what a round takes.
struct Fold {
    dedup: Dedup,
    gate: Gate,
}

impl Fold {
    fn take(&mut self, batch: Batch, round: &mut Vec<ais::Observation>) {
        for i in batch {
            let o = i.observation;
            if !self
                .dedup
                .admit(i.key, o.event_time_ms, o.station.as_deref())
            {
                continue;
            }
            match self.gate.admit(&o) {
                Admit::Now => round.push(o),
                Admit::Held => {}
                Admit::WithHeld(h) => {
                    round.push(*h);
                    round.push(o);
                }
            }
        }
    }
}

/// Numbers entries and publishes rounds.
struct Publisher {
    js: jetstream::Context,
    numbering: Numbering,
    /// Per partition: the event time and sequence last sent there, and when.
    sent_wm: Vec<Option<i64>>,
    sent_seq: Vec<u64>,
    sent_at: Vec<Instant>,
    /// Distinguishes this process's message ids from an earlier run's.
    run: String,
    round: u64,
}

impl Publisher {
    /// Carries on from the stream's last entries: sequences go on rising across restarts.
    async fn resume(js: jetstream::Context, partitions: u32) -> anyhow::Result<Publisher> {
        let stream = js
            .get_stream(OBS_STREAM)
            .await
            .context("opening the observation stream")?;
        let mut seq = 0u64;
        let mut wm = None;
        for p in 0..partitions {
            if let Ok(m) = stream
                .get_last_raw_message_by_subject(&obs_subject(p))
                .await
            {
                let entries: Vec<Entry> = serde_json::from_slice(&m.payload).unwrap_or_default();
                if let Some(e) = entries.last() {
                    seq = seq.max(e.seq);
                    wm = wm.max(e.wm);
                }
            }
        }
        if seq > 0 {
            tracing::info!("resuming the observation stream after entry {seq}");
        }
        let run = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        Ok(Publisher {
            js,
            numbering: Numbering {
                partitions,
                seq,
                wm,
            },
            sent_wm: vec![None; partitions as usize],
            sent_seq: vec![0; partitions as usize],
            sent_at: vec![Instant::now(); partitions as usize],
            run,
            round: 0,
        })
    }

    /// Publishes one round: each partition's entries, and a tick to every partition the
    /// round did not reach whose time is behind; returns once all are acknowledged.
    async fn publish(&mut self, round: &mut Vec<ais::Observation>) {
        let mut parts = self.numbering.number(round.drain(..));
        let (seq, wm) = (self.numbering.seq, self.numbering.wm);
        for (p, entries) in parts.iter_mut().enumerate() {
            // A partition the round did not reach hears the time at most once a second
            // of event time: enough for its timers, cheap for the stream.
            // And once the towers fall quiet, it hears where the stream ended (the spot
            // unit waits for every partition to pass a stop).
            let behind = match (self.sent_wm[p], wm) {
                (Some(sent), Some(now)) => now - sent >= TICK_EVERY_MS,
                (None, Some(_)) => true,
                _ => false,
            } || (self.sent_seq[p] < seq
                && self.sent_at[p].elapsed() >= Duration::from_secs(1));
            if entries.is_empty() && behind {
                entries.push(Entry { seq, wm, obs: None });
            }
        }
        self.round += 1;
        let mut sends = Vec::new();
        for (p, entries) in parts.into_iter().enumerate() {
            if entries.is_empty() {
                continue;
            }
            self.sent_wm[p] = wm;
            self.sent_seq[p] = seq;
            self.sent_at[p] = Instant::now();
            let payload = match serde_json::to_vec(&entries) {
                Ok(b) => bytes::Bytes::from(b),
                Err(e) => {
                    tracing::error!("encoding entries for partition {p}: {e}");
                    continue;
                }
            };
            let id = format!("{}-{}-{p}", self.run, self.round);
            let js = self.js.clone();
            sends.push(async move {
                super::publish_acked(&js, obs_subject(p as u32), &id, payload).await
            });
        }
        futures_util::future::join_all(sends).await;
    }
}
