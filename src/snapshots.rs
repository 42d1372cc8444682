//! The engine's state across restarts, in the state directory: a snapshot of the detector
//! (`engine-G.snapshot`) and a journal of every observation taken since
//! (`engine-G.journal`, JSON lines). On start the newest snapshot is restored and its
//! journal replayed, so the engine is where it was when the process stopped, even by
//! `kill -9`: a dwell that began before fires once, not twice and not never. The engine is
//! deterministic, so alerts the replay finds again have the ids already stored and store
//! as no-ops.
//!
//! A new snapshot is written whole (`.tmp`, fsync, rename) before its journal starts and
//! the previous generation is deleted, so a crash at any point leaves one consistent pair.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ais::Observation;
use anyhow::Context;
use geofence::alert::AlertUpdate;
use geofence::index::ZoneIndex;
use geofence::registry::{Registry, Watchlist};
use geofence::rules::{Detector, RulesConfig};
use geofence::zone::Zone;

/// Where the engine's state is kept, and the journal being written.
#[derive(Debug)]
pub struct Persist {
    dir: PathBuf,
    generation: u64,
    journal: BufWriter<File>,
    every: Duration,
    last: Instant,
}

fn snapshot_path(dir: &Path, g: u64) -> PathBuf {
    dir.join(format!("engine-{g}.snapshot"))
}

fn journal_path(dir: &Path, g: u64) -> PathBuf {
    dir.join(format!("engine-{g}.journal"))
}

/// The generations present: `(g, has a snapshot)`, newest first.
fn generations(dir: &Path) -> Vec<u64> {
    let mut gs: Vec<u64> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let g = name.strip_prefix("engine-")?;
            let g = g
                .strip_suffix(".snapshot")
                .or_else(|| g.strip_suffix(".journal"))?;
            g.parse().ok()
        })
        .collect();
    gs.sort_unstable();
    gs.dedup();
    gs.reverse();
    gs
}

/// What starting from the state directory gave.
#[derive(Debug)]
pub struct Restored {
    pub detector: Detector,
    /// Alert updates the journal's replay produced (already stored ones store as no-ops).
    pub updates: Vec<AlertUpdate>,
    pub persist: Persist,
    pub summary: String,
}

/// Restores the newest snapshot (if any) over the zones and lists given, replays its
/// journal, and starts a fresh generation.
pub fn restore(
    dir: &Path,
    zones: Vec<Zone>,
    cfg: RulesConfig,
    registry: Registry,
    watchlist: Watchlist,
    every: Duration,
) -> anyhow::Result<Restored> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The index is built again only when a snapshot turns out unreadable.
    let index = || ZoneIndex::new(zones.clone());
    let gens = generations(dir);
    let newest = gens.first().copied();
    let mut updates = Vec::new();
    let mut summary = "no saved engine state: starting fresh".to_string();
    let mut detector = None;
    if let Some(g) = newest {
        let snap = snapshot_path(dir, g);
        let restored = if snap.exists() {
            let f = File::open(&snap).with_context(|| format!("opening {}", snap.display()))?;
            match Detector::restore(
                BufReader::with_capacity(1 << 20, f),
                index(),
                cfg.clone(),
                registry.clone(),
                watchlist.clone(),
            ) {
                Ok((d, ended)) => {
                    updates.extend(ended);
                    Some(d)
                }
                Err(e) => {
                    tracing::warn!("{}: not restored ({e}); starting fresh", snap.display());
                    None
                }
            }
        } else {
            // Generation 0 has no snapshot: its journal starts from a fresh engine.
            (g == 0)
                .then(|| Detector::new(index(), cfg.clone(), registry.clone(), watchlist.clone()))
        };
        if let Some(mut d) = restored {
            let (n, bad) = replay(&journal_path(dir, g), &mut d, &mut updates)?;
            summary = format!(
                "engine state restored (generation {g}: {} vessels, {n} journalled observations replayed{})",
                d.engine().vessel_count(),
                if bad > 0 {
                    format!(", {bad} unreadable journal lines skipped")
                } else {
                    String::new()
                }
            );
            detector = Some(d);
        }
    }
    let detector = detector.unwrap_or_else(|| Detector::new(index(), cfg, registry, watchlist));
    let mut persist = Persist::start(dir, newest.map_or(0, |g| g + 1), every)?;
    // The restored state becomes the new generation's snapshot; the old one goes.
    persist.snapshot(&detector)?;
    Ok(Restored {
        detector,
        updates,
        persist,
        summary,
    })
}

/// Feeds a journal's observations to the detector; (taken, unreadable lines). A line cut
/// short by a crash is the only damage expected, and is skipped.
fn replay(
    path: &Path,
    d: &mut Detector,
    updates: &mut Vec<AlertUpdate>,
) -> anyhow::Result<(u64, u64)> {
    let Ok(f) = File::open(path) else {
        return Ok((0, 0));
    };
    let (mut n, mut bad) = (0, 0);
    for line in BufReader::with_capacity(1 << 20, f).lines() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        match serde_json::from_str::<Observation>(&line) {
            Ok(o) => {
                d.observe(&o, updates);
                n += 1;
            }
            Err(_) => bad += 1,
        }
    }
    Ok((n, bad))
}

impl Persist {
    fn start(dir: &Path, generation: u64, every: Duration) -> anyhow::Result<Persist> {
        let path = journal_path(dir, generation);
        let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Persist {
            dir: dir.to_path_buf(),
            generation,
            journal: BufWriter::with_capacity(1 << 16, f),
            every,
            last: Instant::now(),
        })
    }

    /// Records an observation the engine is about to take.
    pub fn journal(&mut self, o: &Observation) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.journal, o)?;
        self.journal.write_all(b"\n")
    }

    /// Hands the journal to the OS: call before the batch's alerts go to the store, so
    /// every stored alert comes from journalled input.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.journal.flush()
    }

    /// Whether a snapshot is due.
    pub fn due(&self) -> bool {
        self.last.elapsed() >= self.every
    }

    /// Writes the detector as the next generation and deletes the older ones.
    pub fn snapshot(&mut self, d: &Detector) -> anyhow::Result<()> {
        let g = self.generation + 1;
        let path = snapshot_path(&self.dir, g);
        let tmp = path.with_extension("snapshot.tmp");
        let f = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        d.snapshot(&mut w)
            .with_context(|| format!("writing {}", tmp.display()))?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
        self.journal.flush()?;
        let next = Persist::start(&self.dir, g, self.every)?;
        *self = next;
        for old in generations(&self.dir).into_iter().filter(|&o| o < g) {
            let _ = fs::remove_file(snapshot_path(&self.dir, old));
            let _ = fs::remove_file(journal_path(&self.dir, old));
        }
        Ok(())
    }
}
