//! Load tools for the officers' API (run through `scripts/load-api`):
//!
//! - `api-load fill --store PATH --alerts N`: stores N alerts (every kind, 200 zones,
//!   5 000 vessels, a year of start times, positions along the demo river) in the SQLite
//!   file `serve` will open, as the detectors would have.
//! - `api-load sse --api HOST:PORT --user U --password P --clients N --seconds S --acks R`:
//!   N live-stream clients; meanwhile R alerts a second are acknowledged through the API,
//!   each a change every client must receive. Prints JSON: events delivered, delivery
//!   delay p50/p99/max (from the server's publication to the client's receipt, same
//!   machine clock), clients disconnected.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use data::SqlStore;
use futures_util::StreamExt;
use geofence::alert::{Alert, AlertKind, Severity};
use serde_json::{Value, json};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(args: &[String], name: &str, default: u64) -> anyhow::Result<u64> {
    arg(args, name).map_or(Ok(default), |v| {
        v.parse().with_context(|| format!("{name} {v}"))
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn fill(store_path: &str, n: u64) -> anyhow::Result<()> {
    let store = SqlStore::open_sqlite(std::path::Path::new(store_path)).await?;
    let kinds = AlertKind::ALL;
    let t0 = 1_763_000_000_000i64;
    let started = Instant::now();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut batch = Vec::with_capacity(10_000);
    for k in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let kind = kinds[(x % kinds.len() as u64) as usize];
        let zone = (k % 3 != 0).then(|| format!("zone-{:03}", (x >> 8) % 200));
        let mmsi = 412_000_000 + ((x >> 16) % 5000) as u32;
        let start = t0 + (k as i64) * 31_536_000_000 / n.max(1) as i64;
        let a = Alert {
            id: Alert::new_id(kind, mmsi, zone.as_deref(), start),
            kind,
            severity: [Severity::Low, Severity::Medium, Severity::High][(x % 3) as usize],
            mmsi,
            vessel_name: Some(format!("HUO {}", mmsi % 10_000)),
            zone_id: zone,
            started_at_ms: start,
            ended_at_ms: Some(start + 600_000),
            detected_at_ms: start + 300_000,
            position: (
                120.2 + ((x >> 24) % 1000) as f64 * 2e-4,
                30.4 + ((x >> 34) % 1000) as f64 * 2e-4,
            ),
            evidence: json!({"stopped_minutes": 12, "track": []}),
        };
        batch.push(a);
        if batch.len() == 10_000 || k + 1 == n {
            store.import_alerts(&batch).await?;
            batch.clear();
        }
        if (k + 1) % 100_000 == 0 {
            eprintln!(
                "{} alerts stored, {:.0} s",
                k + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    store.close().await;
    println!(
        "{}",
        json!({"alerts": n, "seconds": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0})
    );
    Ok(())
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn sse(args: &[String]) -> anyhow::Result<()> {
    let api = arg(args, "--api").context("--api HOST:PORT")?;
    let user = arg(args, "--user").context("--user")?;
    let password = arg(args, "--password").context("--password")?;
    let clients = num(args, "--clients", 500)? as usize;
    let seconds = num(args, "--seconds", 30)?;
    let acks = num(args, "--acks", 20)?;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("http://{api}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?.to_string();

    let delays = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let disconnected = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(seconds + 5);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, api, token) = (http.clone(), api.clone(), token.clone());
        let (delays, disconnected, connected) =
            (delays.clone(), disconnected.clone(), connected.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .get(format!("http://{api}/api/v1/alerts/stream"))
                .bearer_auth(&token)
                .send()
                .await;
            let Ok(r) = r.and_then(|r| r.error_for_status()) else {
                disconnected.fetch_add(1, Relaxed);
                return;
            };
            connected.fetch_add(1, Relaxed);
            let mut body = r.bytes_stream();
            let mut text = String::new();
            let mut mine = Vec::new();
            loop {
                let chunk = tokio::time::timeout_at(end.into(), body.next()).await;
                match chunk {
                    Err(_) => break, // the run is over
                    Ok(Some(Ok(bytes))) => {
                        let at = now_ms();
                        text.push_str(&String::from_utf8_lossy(&bytes));
                        while let Some(i) = text.find("\n\n") {
                            let block: String = text.drain(..i + 2).collect();
                            for d in block.lines().filter_map(|l| l.strip_prefix("data: ")) {
                                if let Ok(v) = serde_json::from_str::<Value>(d)
                                    && let Some(p) = v["published_at_ms"].as_i64()
                                {
                                    mine.push(at - p);
                                }
                            }
                        }
                    }
                    Ok(_) => {
                        disconnected.fetch_add(1, Relaxed);
                        break;
                    }
                }
            }
            if let Ok(mut d) = delays.lock() {
                d.extend(mine);
            }
        }));
    }
    // Wait until every client is connected (or has failed), then act.
    let wait = Instant::now();
    while (connected.load(Relaxed) + disconnected.load(Relaxed)) < clients as u64 {
        if wait.elapsed() > Duration::from_secs(30) {
            bail!(
                "only {} of {clients} clients connected",
                connected.load(Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let want = (acks * seconds) as usize;
    let mut ids: Vec<String> = Vec::new();
    let mut cursor = String::new();
    while ids.len() < want {
        let page: Value = http
            .get(format!(
                "http://{api}/api/v1/alerts?status=new&limit=500{cursor}"
            ))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        ids.extend(
            page["alerts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x["id"].as_str().map(str::to_string)),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    if ids.len() < want {
        bail!("{} new alerts to acknowledge, {want} wanted", ids.len());
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / acks.max(1) as f64));
    let mut acked = 0u64;
    for id in ids.iter().take(want) {
        tick.tick().await;
        let r = http
            .post(format!("http://{api}/api/v1/alerts/{id}/acknowledge"))
            .bearer_auth(&token)
            .json(&json!({"note": "load test"}))
            .send()
            .await?;
        if r.status().is_success() {
            acked += 1;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut d = delays.lock().map(|d| d.clone()).unwrap_or_default();
    d.sort_unstable();
    println!(
        "{}",
        json!({
            "clients": clients,
            "acknowledged": acked,
            "events_delivered": d.len(),
            "expected": acked * clients as u64,
            "delay_ms_p50": percentile(&d, 0.5),
            "delay_ms_p99": percentile(&d, 0.99),
            "delay_ms_max": d.last().copied().unwrap_or(0),
            "disconnected": disconnected.load(Relaxed),
        })
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("fill") => rt.block_on(fill(
            &arg(&args, "--store").context("--store PATH")?,
            num(&args, "--alerts", 1_000_000)?,
        )),
        Some("sse") => rt.block_on(sse(&args)),
        _ => bail!(
            "usage: api-load fill --store PATH --alerts N | api-load sse --api HOST:PORT --user U --password P [--clients N] [--seconds S] [--acks R]"
        ),
    }
}
