//! `riverwatch simulate`: simulated tower traffic over a data set, to a file or to a
//! TCP listener (paced on event time), with the ground truth of what was injected; and,
//! with `--cameras`, the data set's cameras as HTTP snapshot URLs showing the river at the
//! feed's event time (`cameras` module).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::Context;
use geofence::index::ZoneIndex;
use geofence::sim::{Sim, SimConfig};

use crate::datadir;

mod cameras;

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub to: Option<String>,
    pub out: Option<PathBuf>,
    pub truth: Option<PathBuf>,
    pub seed: u64,
    pub days: u32,
    /// Times real time when sending to `--to`; 0 = as fast as the receiver takes it.
    pub speed: f64,
    /// Send the first this many minutes of event time unpaced, then pace.
    pub fast_forward_min: u32,
    /// Serve the cameras' simulated views here (with `--to`).
    pub cameras: Option<String>,
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let set = datadir::load_data_dir(&opts.data)?;
    let index = ZoneIndex::new(set.zones);
    let cfg = SimConfig {
        seed: opts.seed,
        days: opts.days,
        ..SimConfig::default()
    };
    let sim = Arc::new(
        Sim::plan(&index, &set.registry, &set.watchlist, &cfg)
            .with_context(|| format!("cannot stage every violation on {}", opts.data.display()))?,
    );
    // The event time of the last sentence sent: what the simulated cameras show.
    let clock = Arc::new(AtomicI64::new(i64::MIN));
    if let Some(addr) = &opts.cameras {
        if opts.to.is_none() {
            anyhow::bail!("--cameras goes with --to: the views follow the paced feed");
        }
        let text = std::fs::read_to_string(opts.data.join("cameras.json"))
            .with_context(|| format!("--cameras: no cameras.json in {}", opts.data.display()))?;
        let loaded = video::camera::load_cameras(&text);
        for e in &loaded.errors {
            tracing::warn!("cameras.json: {e}");
        }
        let bound = cameras::serve(addr, loaded.cameras, sim.clone(), clock.clone())?;
        eprintln!("simulated cameras at http://{bound}/cam/{{id}}/snapshot.jpg");
    }
    let truth_path = opts.truth.clone().or_else(|| {
        opts.out
            .as_ref()
            .map(|o| PathBuf::from(format!("{}.truth.jsonl", o.display())))
    });
    if let Some(path) = &truth_path {
        let mut w = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        for t in sim.truth() {
            serde_json::to_writer(&mut w, &t.to_json())?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    let mut sentences = 0u64;
    match (&opts.out, &opts.to) {
        (Some(path), None) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            let mut err = None;
            sim.run(|_, line| {
                if err.is_none() {
                    sentences += 1;
                    if let Err(e) = w
                        .write_all(line.as_bytes())
                        .and_then(|()| w.write_all(b"\n"))
                    {
                        err = Some(e);
                    }
                }
            });
            if let Some(e) = err {
                return Err(e).with_context(|| format!("writing {}", path.display()));
            }
            w.flush()
                .with_context(|| format!("writing {}", path.display()))?;
        }
        (None, Some(addr)) => {
            let stream =
                TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
            stream.set_nodelay(true)?;
            let mut w = BufWriter::new(stream);
            let mut first: Option<i64> = None;
            let mut began: Option<Instant> = None;
            let mut err = None;
            // Paced from the end of the fast-forward on.
            let fast_ms = i64::from(opts.fast_forward_min) * 60_000;
            sim.run(|t, line| {
                if err.is_some() {
                    return;
                }
                let t0 = *first.get_or_insert(t) + fast_ms;
                if opts.speed > 0.0 && t >= t0 {
                    let began = *began.get_or_insert_with(Instant::now);
                    let due = Duration::from_secs_f64((t - t0) as f64 / 1000.0 / opts.speed);
                    let now = began.elapsed();
                    if due > now {
                        if let Err(e) = w.flush() {
                            err = Some(e);
                            return;
                        }
                        std::thread::sleep(due - now);
                    }
                }
                clock.store(t, Ordering::Relaxed);
                sentences += 1;
                if let Err(e) = w
                    .write_all(line.as_bytes())
                    .and_then(|()| w.write_all(b"\r\n"))
                {
                    err = Some(e);
                }
            });
            if let Some(e) = err {
                return Err(e).with_context(|| format!("sending to {addr}"));
            }
            w.flush().with_context(|| format!("sending to {addr}"))?;
        }
        _ => anyhow::bail!("give one of --out FILE or --to HOST:PORT"),
    }
    eprintln!(
        "simulated {} vessels over {} days: {sentences} sentences, {} injected violations{}",
        sim.vessels(),
        opts.days,
        sim.truth().len(),
        truth_path
            .map(|p| format!(" (ground truth in {})", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}
