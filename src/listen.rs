//! `riverwatch listen`: the configured receivers, live, through the cross-tower dedup and
//! the detectors. Alerts go to stdout as JSON lines (an alert when it opens, then
//! `{"id", "ended_at"}` when its episode ends); every receiver's health goes to stderr
//! every few seconds. For a tower technician wiring a receiver, and for watching a river
//! without the store and the API (`serve` adds those).
//!
//! Ctrl-C stops the receivers first, lets the engine drain what they delivered, and exits
//! within the deadline.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use ais::receiver::{Batch, Dedup, Mode, ReceiverConfig, spawn};

use anyhow::Context;
use geofence::alert::{AlertUpdate, rfc3339};
use geofence::index::ZoneIndex;
use geofence::rules::Detector;
use tokio::sync::{mpsc, watch};

use crate::datadir;

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    /// Ad-hoc receivers: `tcp_server` on these addresses.
    pub tcp_listen: Vec<String>,
    /// Ad-hoc receivers: `tcp_client` to these towers.
    pub connect: Vec<String>,
    /// Ad-hoc receivers: `udp` on these addresses.
    pub udp: Vec<String>,
    pub status_every_s: u64,
}

/// Messages in flight between the receivers and the engine: 256 reads of at most ~200.
pub(crate) const QUEUE_BATCHES: usize = 256;

/// `[[receivers]]` from the settings plus the ad-hoc ones from the command line.
pub(crate) fn receiver_list(
    settings: &datadir::Settings,
    tcp_listen: &[String],
    connect: &[String],
    udp: &[String],
) -> anyhow::Result<Vec<ReceiverConfig>> {
    let mut receivers = settings.receivers.clone();
    let adhoc = |mode: Mode, addr: &String, k: usize| {
        let mut c = ReceiverConfig::new(&format!("{mode:?}-{k}").to_lowercase(), mode);
        match mode {
            Mode::TcpClient => c.endpoint = Some(addr.clone()),
            _ => c.listen = Some(addr.clone()),
        }
        c
    };
    for (k, a) in tcp_listen.iter().enumerate() {
        receivers.push(adhoc(Mode::TcpServer, a, k));
    }
    for (k, a) in connect.iter().enumerate() {
        receivers.push(adhoc(Mode::TcpClient, a, k));
    }
    for (k, a) in udp.iter().enumerate() {
        receivers.push(adhoc(Mode::Udp, a, k));
    }
    if receivers.is_empty() {
        anyhow::bail!(
            "no receivers: add [[receivers]] to riverwatch.toml, or give --tcp-listen, --connect or --udp"
        );
    }
    Ok(receivers)
}

/// A runtime that leaves one core to the engine thread.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // Measured with scripts/load-ingest on 2 cores: p99 arrival-to-engine 1.7 ms with one
    // receiver thread, 14 ms with two competing with the engine.
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .context("starting the runtime")
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let settings = datadir::load_settings(&opts.data, opts.config.as_deref())?;
    let receivers = receiver_list(&settings, &opts.tcp_listen, &opts.connect, &opts.udp)?;
    let set = datadir::load_data_dir(&opts.data)?;
    let detector = Detector::new(
        ZoneIndex::new(set.zones),
        settings.rules.clone(),
        set.registry,
        set.watchlist,
    );
    let rt = runtime()?;
    let (tx, rx) = mpsc::channel::<Batch>(QUEUE_BATCHES);
    let (stop_tx, stop) = watch::channel(false);
    let running = rt.block_on(spawn(&receivers, tx, stop))?;
    for (cfg, addr) in receivers.iter().zip(&running.local_addrs) {
        match addr {
            Some(a) => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "listening on {a}"),
            None => tracing::info!(receiver = %cfg.name, mode = ?cfg.mode, "started"),
        }
    }
    let engine = std::thread::spawn(move || engine_loop(rx, detector));
    let stats = running.stats.clone();
    let configs = receivers.clone();
    rt.block_on(async {
        let mut every = tokio::time::interval(Duration::from_secs(opts.status_every_s.max(1)));
        every.tick().await;
        loop {
            tokio::select! {
                _ = every.tick() => {
                    for (s, c) in stats.iter().zip(&configs) {
                        if let Ok(j) = serde_json::to_string(&s.status(c)) {
                            eprintln!("{j}");
                        }
                    }
                }
                r = tokio::signal::ctrl_c() => {
                    if r.is_err() {
                        tracing::warn!("cannot listen for Ctrl-C; stop with a signal");
                    }
                    break;
                }
            }
        }
        tracing::info!("stopping: receivers first, then the engine drains");
        let _ = stop_tx.send(true);
    });
    let in_time = rt.block_on(running.join(Duration::from_secs(5)));
    drop(rt);
    let (seen, folded) = engine
        .join()
        .map_err(|_| anyhow::anyhow!("the engine thread panicked"))?;
    for (s, c) in stats.iter().zip(&receivers) {
        if let Ok(j) = serde_json::to_string(&s.status(c)) {
            eprintln!("{j}");
        }
    }
    eprintln!(
        "stopped{}: {seen} messages, {folded} folded as copies heard by another tower",
        if in_time {
            ""
        } else {
            " (receivers past the deadline)"
        }
    );
    Ok(())
}

/// Dedup, detectors, alerts to stdout, until every receiver has stopped.
fn engine_loop(mut rx: mpsc::Receiver<Batch>, mut detector: Detector) -> (u64, u64) {
    let mut dedup = Dedup::default();
    let mut updates = Vec::new();
    let stdout = std::io::stdout();
    let mut seen = 0u64;
    while let Some(batch) = rx.blocking_recv() {
        for i in batch {
            seen += 1;
            let o = &i.observation;
            if dedup.admit(i.key, o.event_time_ms, o.station.as_deref()) {
                detector.observe(o, &mut updates);
            }
        }
        if updates.is_empty() {
            continue;
        }
        let mut out = stdout.lock();
        for u in updates.drain(..) {
            let line = match u {
                AlertUpdate::Opened(a) => a.to_json(),
                AlertUpdate::Ended {
                    id, ended_at_ms, ..
                } => serde_json::json!({"id": id, "ended_at": rfc3339(ended_at_ms)}),
            };
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }
    (seen, dedup.folded)
}
