//! Receivers: sentences in from river towers over TCP (either side connecting), UDP, a
//! file (optionally followed as it grows) or stdin; decoded where they arrive, handed on
//! as [`Ingested`] observations through one bounded channel.
//!
//! Backpressure, everywhere bounded:
//! - Every receiver sends into one bounded channel ([`spawn`]'s `tx`), a [`Batch`] per read
//!   (one channel operation per read, not per message). A TCP or file reader
//!   waits when it is full, so it stops reading its socket and TCP flow control slows the
//!   tower down: nothing sent over TCP is dropped, however slow the engine is.
//! - A UDP receiver cannot slow its sender: when the channel is full it drops the datagram's
//!   messages and counts them (`dropped`).
//! - A line is at most `max_line` bytes; a longer one is dropped whole and counted
//!   (`too_long`), so a peer that never sends a newline costs at most that much memory.
//! - A TCP server holds at most `max_connections` connections and refuses (closes) the
//!   rest; one that sends nothing, or no complete line, for `idle_timeout_s` is closed.
//! - Fragments waiting for their other parts are bounded by the decoder ([`crate::fragment`]).
//! - Readers stop when the shutdown signal flips; what they already sent is in the channel
//!   for the consumer to drain.

mod dedup;
mod framing;
mod net;

pub use dedup::{Coverage, Dedup};
pub use framing::LineFramer;
pub use net::{Running, spawn};

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::decoder::{Decoder, Output};
use crate::error::Reject;
use crate::observation::Observation;

/// How a receiver gets its sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Connect out to a tower that serves NMEA (AIS-catcher, rtl-ais); reconnect with
    /// capped exponential backoff and jitter.
    TcpClient,
    /// Towers connect in and push.
    TcpServer,
    /// Datagrams, each with one or more sentences.
    Udp,
    /// A recorded log; with `follow`, new lines as the file grows.
    File,
    Stdin,
}

/// One `[[receivers]]` entry of `riverwatch.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverConfig {
    pub name: String,
    pub mode: Mode,
    /// `tcp_server` and `udp`: the address to listen on.
    #[serde(default)]
    pub listen: Option<String>,
    /// `tcp_client`: the tower's address.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// `file`: the log.
    #[serde(default)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub follow: bool,
    /// The station for sentences without a tag-block `s:`.
    #[serde(default)]
    pub station: Option<String>,
    /// A GNSS unit on a patrol boat: its fixes (GGA, RMC, ...) become reports of this
    /// MMSI. Without it, GNSS sentences are counted and left out.
    #[serde(default)]
    pub gnss_mmsi: Option<u32>,
    #[serde(default = "defaults::max_line")]
    pub max_line: usize,
    #[serde(default = "defaults::max_connections")]
    pub max_connections: usize,
    #[serde(default = "defaults::idle_timeout_s")]
    pub idle_timeout_s: u64,
    #[serde(default = "defaults::backoff_max_s")]
    pub backoff_max_s: u64,
}

mod defaults {
    /// Several 82-character sentences with a tag block each fit; nothing legitimate is longer.
    pub fn max_line() -> usize {
        1024
    }
    pub fn max_connections() -> usize {
        256
    }
    pub fn idle_timeout_s() -> u64 {
        120
    }
    pub fn backoff_max_s() -> u64 {
        30
    }
}

impl ReceiverConfig {
    /// A receiver of `mode` with every default.
    pub fn new(name: &str, mode: Mode) -> ReceiverConfig {
        ReceiverConfig {
            name: name.to_string(),
            mode,
            listen: None,
            endpoint: None,
            path: None,
            follow: false,
            station: None,
            gnss_mmsi: None,
            max_line: defaults::max_line(),
            max_connections: defaults::max_connections(),
            idle_timeout_s: defaults::idle_timeout_s(),
            backoff_max_s: defaults::backoff_max_s(),
        }
    }

    /// What is missing for the mode, if anything.
    pub fn check(&self) -> Result<(), String> {
        let need = |field: &str, v: bool| {
            if v {
                Ok(())
            } else {
                Err(format!(
                    "receiver {:?}: mode {:?} needs `{field}`",
                    self.name, self.mode
                ))
            }
        };
        match self.mode {
            Mode::TcpClient => need("endpoint", self.endpoint.is_some()),
            Mode::TcpServer | Mode::Udp => need("listen", self.listen.is_some()),
            Mode::File => need("path", self.path.is_some()),
            Mode::Stdin => Ok(()),
        }
    }
}

/// The messages of one read (or one datagram), in order.
pub type Batch = Vec<Ingested>;

/// One decoded message as it leaves a receiver.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub observation: Observation,
    /// The message's content, for folding copies heard by several towers ([`Dedup`]).
    pub key: u64,
    /// When its line arrived (for arrival-to-engine latency).
    pub arrived: Instant,
    /// Index of the receiver in the list given to [`spawn`].
    pub receiver: usize,
}

/// Live counters of one receiver.
#[derive(Debug, Default)]
pub struct ReceiverStats {
    pub connections: AtomicU64,
    pub lines: AtomicU64,
    pub bytes: AtomicU64,
    pub messages: AtomicU64,
    pub rejects: [AtomicU64; Reject::ALL.len()],
    pub too_long: AtomicU64,
    pub reconnects: AtomicU64,
    /// Messages dropped because the channel was full (UDP only).
    pub dropped: AtomicU64,
    /// GNSS fixes (taken when `gnss_mmsi` is set, else only counted).
    pub gnss_fixes: AtomicU64,
    /// Connections refused over the limit.
    pub refused: AtomicU64,
    /// Connections closed for idling or for never finishing a line.
    pub idle_closed: AtomicU64,
    /// Partial lines lost when a connection dropped mid-sentence.
    pub partial_lost: AtomicU64,
    /// Wall-clock ms of the last sentence.
    pub last_sentence_ms: AtomicI64,
    pub peer: Mutex<Option<String>>,
    /// (when, lines) at the last status: the rate is over the time since.
    last_status: Mutex<Option<(Instant, u64)>>,
}

/// A receiver's health, as the API and `/metrics` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiverStatus {
    pub name: String,
    pub mode: Mode,
    pub connected: bool,
    pub connections: u64,
    pub peer: Option<String>,
    pub last_sentence_ms: Option<i64>,
    /// Lines per second since the previous status (0 at the first).
    pub lines_per_s: f64,
    pub lines: u64,
    pub bytes: u64,
    pub messages: u64,
    pub rejects: BTreeMap<&'static str, u64>,
    pub too_long: u64,
    pub gnss_fixes: u64,
    pub reconnects: u64,
    pub dropped: u64,
    pub refused: u64,
    pub idle_closed: u64,
    pub partial_lost: u64,
}

impl ReceiverStats {
    pub fn status(&self, cfg: &ReceiverConfig) -> ReceiverStatus {
        let connections = self.connections.load(Relaxed);
        let last = self.last_sentence_ms.load(Relaxed);
        let lines = self.lines.load(Relaxed);
        let now = Instant::now();
        let lines_per_s = match self.last_status.lock() {
            Ok(mut prev) => {
                let rate = prev.map_or(0.0, |(t, n)| {
                    let secs = now.duration_since(t).as_secs_f64();
                    if secs > 0.0 {
                        (lines - n) as f64 / secs
                    } else {
                        0.0
                    }
                });
                *prev = Some((now, lines));
                rate
            }
            Err(_) => 0.0,
        };
        ReceiverStatus {
            name: cfg.name.clone(),
            mode: cfg.mode,
            connected: connections > 0,
            connections,
            peer: self.peer.lock().ok().and_then(|p| p.clone()),
            last_sentence_ms: (last > 0).then_some(last),
            lines_per_s: (lines_per_s * 10.0).round() / 10.0,
            lines,
            bytes: self.bytes.load(Relaxed),
            messages: self.messages.load(Relaxed),
            rejects: Reject::ALL
                .iter()
                .filter_map(|r| {
                    let n = self.rejects[r.index()].load(Relaxed);
                    (n > 0).then_some((r.name(), n))
                })
                .collect(),
            too_long: self.too_long.load(Relaxed),
            gnss_fixes: self.gnss_fixes.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            refused: self.refused.load(Relaxed),
            idle_closed: self.idle_closed.load(Relaxed),
            partial_lost: self.partial_lost.load(Relaxed),
        }
    }
}

impl ReceiverStatus {
    /// Prometheus text exposition of these counters.
    pub fn prometheus(&self, out: &mut String) {
        use std::fmt::Write as _;
        let name = self.name.replace('\\', "\\\\").replace('"', "\\\"");
        let mut put = |metric: &str, v: u64| {
            let _ = writeln!(
                out,
                "riverwatch_receiver_{metric}{{receiver=\"{name}\"}} {v}"
            );
        };
        put("connected", u64::from(self.connected));
        put("connections", self.connections);
        put("lines_total", self.lines);

        put("bytes_total", self.bytes);
        put("messages_total", self.messages);
        put("too_long_total", self.too_long);
        put("gnss_fixes_total", self.gnss_fixes);
        put("reconnects_total", self.reconnects);
        put("dropped_total", self.dropped);
        put("refused_total", self.refused);
        put("idle_closed_total", self.idle_closed);
        put("partial_lost_total", self.partial_lost);
        for (reason, n) in &self.rejects {
            let _ = writeln!(
                out,
                "riverwatch_receiver_rejects_total{{receiver=\"{name}\",reason=\"{reason}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "riverwatch_receiver_lines_per_second{{receiver=\"{name}\"}} {}",
            self.lines_per_s
        );
    }
}

/// One keyed hasher for every receiver's message keys, seeded once per process: copies
/// heard by different towers get the same key, and a sender cannot aim its messages at
/// one of [`Dedup`]'s buckets.
fn key_hasher() -> &'static std::hash::RandomState {
    static KEYS: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    KEYS.get_or_init(std::hash::RandomState::new)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The decoding a reader does for each line: counts, rejects by reason, and the
/// observations it yields with their dedup keys.
#[derive(Debug)]
pub(crate) struct LineDecoder {
    decoder: Decoder,
    station: Option<String>,
    gnss_mmsi: Option<u32>,
    receiver: usize,
}

impl LineDecoder {
    pub(crate) fn new(cfg: &ReceiverConfig, receiver: usize) -> LineDecoder {
        LineDecoder {
            decoder: Decoder::default(),
            station: cfg.station.clone(),
            gnss_mmsi: cfg.gnss_mmsi,
            receiver,
        }
    }

    pub(crate) fn line(
        &mut self,
        line: &[u8],
        arrived: Instant,
        stats: &ReceiverStats,
        out: &mut Vec<Ingested>,
    ) {
        stats.lines.fetch_add(1, Relaxed);
        let now = now_ms();
        let (station, receiver, gnss_mmsi) = (&self.station, self.receiver, self.gnss_mmsi);
        self.decoder.decode_line(line, &mut |o| match o {
            Output::Ais(d) => {
                let mut observation = Observation::from_ais(&d, now);
                if observation.station.is_none() {
                    observation.station.clone_from(station);
                }
                out.push(Ingested {
                    observation,
                    key: key_hasher().hash_one(&d.message),
                    arrived,
                    receiver,
                });
            }
            Output::Gnss(fix, meta) => {
                stats.gnss_fixes.fetch_add(1, Relaxed);
                if let Some(mmsi) = gnss_mmsi {
                    let t = meta.time_ms.or(fix.time_ms()).unwrap_or(now);
                    let mut observation = Observation::from_gnss(&fix, mmsi, t, meta.station);
                    if observation.station.is_none() {
                        observation.station.clone_from(station);
                    }
                    out.push(Ingested {
                        key: key_hasher().hash_one((mmsi, t, fix.sentence.map(|s| s as u8))),
                        observation,
                        arrived,
                        receiver,
                    });
                }
            }
            Output::Reject(r) => {
                stats.rejects[r.index()].fetch_add(1, Relaxed);
            }
        });
        if !out.is_empty() {
            stats.last_sentence_ms.store(now, Relaxed);
        }
    }
}
