//! Load test of the receivers: `towers` TCP connections on loopback push real corpus
//! sentences with tag blocks (pairs of towers hear the same messages, so half are folded
//! as cross-tower duplicates) at an offered rate, into a `tcp_server` receiver; one
//! consumer thread runs the cross-tower dedup and the detectors on the demo river, as
//! `serve` will. Prints JSON: sentences sent and ingested, lost, folded, sustained rate,
//! arrival-to-engine latency p50/p99, peak RSS. With `--udp`, one UDP sender instead, at the
//! offered rate, and the drop share.
//!
//! Usage: ingest-load --corpus FILE.. [--towers N] [--seconds S] [--rate R] [--udp] [--data DIR]

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use ais::receiver::{Batch, Dedup, Mode, ReceiverConfig, spawn};
use anyhow::{Context, bail};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};

struct Args {
    corpus: Vec<String>,
    towers: usize,
    seconds: u64,
    rate: u64,
    udp: bool,
    /// The engine takes nothing until the pushers are done.
    stall: bool,
    /// Only first fragments of two-part messages, never completed.
    orphans: bool,
    data: String,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        corpus: Vec::new(),
        towers: 200,
        seconds: 60,
        rate: 1_000_000,
        udp: false,
        stall: false,
        orphans: false,
        data: "data/demo".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = || it.next().context("a value is missing");
        match x.as_str() {
            "--corpus" => a.corpus.push(val()?),
            "--towers" => a.towers = val()?.parse()?,
            "--seconds" => a.seconds = val()?.parse()?,
            "--rate" => a.rate = val()?.parse()?,
            "--udp" => a.udp = true,
            "--stall" => a.stall = true,
            "--orphans" => a.orphans = true,
            "--data" => a.data = val()?,
            f if !f.starts_with('-') => a.corpus.push(f.to_string()),
            f => bail!("unknown flag {f}"),
        }
    }
    if a.corpus.is_empty() {
        bail!("usage: ingest-load --corpus FILE.. [--towers N] [--seconds S] [--rate R] [--udp]");
    }
    Ok(a)
}

/// Single-sentence AIS lines of the corpus that decode on their own, without any tag block.
fn pool(files: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read(f).with_context(|| format!("reading {f}"))?;
        for line in text.split(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(line);
            let line = line.trim_end();
            let s = line.rsplit('\\').next().unwrap_or(line);
            if !(s.starts_with('!') && s.get(3..6) == Some("VDM") && s.contains(",1,1,")) {
                continue;
            }
            let mut d = ais::Decoder::default();
            let mut ok = 0;
            d.decode_line(s.as_bytes(), &mut |o| {
                ok += usize::from(matches!(o, ais::Output::Ais(_)))
            });
            if ok == 1 {
                out.push(s.to_string());
            }
        }
    }
    if out.is_empty() {
        bail!("no decodable single-sentence AIS lines in the corpus");
    }
    Ok(out)
}

fn tagged(station: &str, t_s: i64, s: &str) -> String {
    let fields = format!("s:{station},c:{t_s}");
    let sum = fields.bytes().fold(0u8, |a, b| a ^ b);
    format!("\\{fields}*{sum:02X}\\{s}\r\n")
}

/// The first of two fragments, with a fresh sequence, that no second part ever follows.
fn orphan_fragment(tower: usize, i: usize) -> String {
    let body = format!(
        "AIVDM,2,1,{},A,{},0",
        i % 10,
        "5".repeat(20) + &format!("{:0>40}", tower * 1_000_003 + i)
    );
    let sum = body.bytes().fold(0u8, |a, b| a ^ b);
    format!("!{body}*{sum:02X}")
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let pool = Arc::new(pool(&a.corpus)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        // Receivers (and the tower generator) on one thread, the engine on the other
        // core, as `listen` runs them.
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (tx, mut rx) = mpsc::channel::<Batch>(256);
    let (stop_tx, stop) = watch::channel(false);
    let mut cfg = ReceiverConfig::new("load", if a.udp { Mode::Udp } else { Mode::TcpServer });
    cfg.listen = Some("127.0.0.1:0".into());
    cfg.max_connections = a.towers.max(1) + 8;
    let running = rt.block_on(spawn(&[cfg], tx, stop.clone()))?;
    let addr = running.local_addrs[0].context("bound")?;
    let stats = running.stats[0].clone();

    // The consumer: dedup and the detectors, on a thread of its own like the engine.
    let dir = std::path::Path::new(&a.data);
    let zones = geofence::zone::load_geojson(&std::fs::read_to_string(dir.join("zones.geojson"))?);
    let registry =
        geofence::registry::load_registry(&std::fs::read_to_string(dir.join("registry.csv"))?);
    let stall_until = a
        .stall
        .then(|| Instant::now() + Duration::from_secs(a.seconds));
    let consumer = std::thread::spawn(move || {
        if let Some(t) = stall_until {
            std::thread::sleep(t.saturating_duration_since(Instant::now()));
        }
        let mut det = geofence::rules::Detector::new(
            geofence::index::ZoneIndex::new(zones.zones),
            geofence::rules::RulesConfig::default(),
            registry.value,
            geofence::registry::Watchlist::default(),
        );
        let mut dedup = Dedup::default();
        let mut hist = vec![0u64; 100_001]; // microseconds, the last bucket is ">= 100 ms"
        let (mut n, mut unique) = (0u64, 0u64);
        let mut updates = Vec::new();
        let mut first: Option<Instant> = None;
        let mut last = Instant::now();
        while let Some(batch) = rx.blocking_recv() {
            for i in batch {
                let now = Instant::now();
                first.get_or_insert(now);
                last = now;
                let us = now.duration_since(i.arrived).as_micros().min(100_000) as usize;
                hist[us] += 1;
                n += 1;
                let o = &i.observation;
                if dedup.admit(i.key, o.event_time_ms, o.station.as_deref()) {
                    unique += 1;
                    det.observe(o, &mut updates);
                    updates.clear();
                }
            }
        }
        let pct = |p: f64| {
            let target = (n as f64 * p).ceil() as u64;
            let mut acc = 0;
            hist.iter().position(|&c| {
                acc += c;
                acc >= target
            })
        };
        let secs = first.map_or(0.0, |f| last.duration_since(f).as_secs_f64());
        (
            n,
            unique,
            dedup.folded,
            pct(0.5),
            pct(0.99),
            secs,
            dedup.len(),
        )
    });

    let sent = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    rt.block_on(async {
        let mut tasks = Vec::new();
        let senders = if a.udp { 1 } else { a.towers.max(1) };
        let per_sender = (a.rate / senders as u64).max(1);
        for k in 0..senders {
            let (pool, sent) = (pool.clone(), sent.clone());
            let udp = a.udp;
            let orphans = a.orphans;
            tasks.push(tokio::spawn(async move {
                // Pairs of towers hear the same vessels at the same times.
                let station = format!("tower-{:03}", k);
                let offset = (k / 2) * (pool.len() / 101 + 1);
                let mut i = 0usize;
                let start = Instant::now();
                let mut tcp = if udp {
                    None
                } else {
                    Some(TcpStream::connect(addr).await.ok()?)
                };
                let sock = if udp {
                    Some(UdpSocket::bind("127.0.0.1:0").await.ok()?)
                } else {
                    None
                };
                let mut buf = String::with_capacity(64 * 1024);
                while Instant::now() < deadline {
                    // Pace to the offered rate in 1 ms slices (towers send as vessels report, not in bursts).
                    let due = (start.elapsed().as_secs_f64() * per_sender as f64) as usize;
                    if i >= due {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        continue;
                    }
                    buf.clear();
                    let upto = due.min(i + 100);
                    while i < upto {
                        let orphan;
                        let s = if orphans {
                            orphan = orphan_fragment(k, i);
                            &orphan
                        } else {
                            &pool[(offset + i) % pool.len()]
                        };
                        // One clock for all, running at real time as towers' clocks do.
                        let t = 1_795_132_800 + start.elapsed().as_secs() as i64;
                        buf.push_str(&tagged(&station, t, s));
                        i += 1;
                        if udp && buf.len() > 1_200 {
                            let _ = sock.as_ref()?.send_to(buf.as_bytes(), addr).await;
                            buf.clear();
                        }
                    }
                    if let Some(s) = tcp.as_mut() {
                        // A stalled engine blocks the writes: give up at the deadline.
                        let left = deadline.saturating_duration_since(Instant::now());
                        match tokio::time::timeout(left, s.write_all(buf.as_bytes())).await {
                            Ok(r) => r.ok()?,
                            Err(_) => break,
                        }
                    } else if !buf.is_empty() {
                        let _ = sock.as_ref()?.send_to(buf.as_bytes(), addr).await;
                    }
                }
                sent.fetch_add(i as u64, Relaxed);
                if let Some(mut s) = tcp {
                    let _ = s.shutdown().await;
                }
                Some(())
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        // Over TCP, wait until every tower's connection is read to its end (nothing in
        // flight is lost); then stop the receivers.
        let waited = Instant::now();
        while stats.connections.load(Relaxed) > 0 && waited.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = stop_tx.send(true);
    });
    let stopped = rt.block_on(running.join(Duration::from_secs(10)));
    drop(rt);
    let (n, unique, folded, p50, p99, secs, held) = consumer
        .join()
        .map_err(|_| anyhow::anyhow!("consumer panicked"))?;
    let sent = sent.load(Relaxed);
    let dropped = stats.dropped.load(Relaxed);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{{\"mode\":\"{}\",\"towers\":{},\"offered_per_s\":{},\"seconds\":{:.2},\"sent\":{sent},\"ingested\":{n},\"lost\":{},\"dropped_counted\":{dropped},\"drop_share\":{:.5},\"unique\":{unique},\"folded\":{folded},\"sustained_per_s\":{:.0},\"latency_p50_us\":{},\"latency_p99_us\":{},\"dedup_entries\":{held},\"peak_rss_kb\":{},\"stopped_in_time\":{stopped}}}",
        if a.udp { "udp" } else { "tcp" },
        if a.udp { 1 } else { a.towers },
        a.rate,
        secs,
        sent.saturating_sub(n),
        sent.saturating_sub(n) as f64 / sent.max(1) as f64,
        n as f64 / secs.max(1e-9),
        p50.map_or(-1, |v| v as i64),
        p99.map_or(-1, |v| v as i64),
        peak_rss_kb(),
    )?;
    Ok(())
}
