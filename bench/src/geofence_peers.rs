//! `geofence-peers`: riverwatch's zone index and engine against a plain rstar + geo
//! baseline, on the zone sets and lookup points `scripts/bench/make_zones.py` writes.
//!
//! ```text
//! geofence-peers riverwatch ZONES POINTS [ROUNDS]   lookups: every zone holding each point
//! geofence-peers rstar-geo  ZONES POINTS [ROUNDS]   the same with rstar + geo::Contains
//! geofence-peers stream     ZONES POINTS [--vessels N] [--rounds R] [--one-by-one]
//!                                                   N vessels reporting every 10 s, engine kept;
//!                                                   each round as one batch (`observe_all`),
//!                                                   or one report at a time (`observe`)
//! geofence-peers load       ZONES                   parse + validate + index the zones file
//! ```
//! Each prints one JSON line. Timed passes follow one untimed warm-up; the median is
//! reported. Loading is never timed except by `load`.

use std::time::Instant;

use anyhow::{Context, bail};
use geo::{BoundingRect, Contains, MultiPolygon, Point};
use geofence::engine::{Config, Engine};
use geofence::index::ZoneIndex;
use geofence::zone::{Shape, load_geojson};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn read_points(path: &str) -> anyhow::Result<Vec<(f64, f64)>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    if bytes.len() % 16 != 0 {
        bail!(
            "{path}: {} bytes is not a whole number of (lon, lat) f64 pairs",
            bytes.len()
        );
    }
    Ok(bytes
        .chunks_exact(16)
        .map(|c| {
            let f = |k: usize| f64::from_le_bytes(c[k..k + 8].try_into().unwrap_or([0; 8]));
            (f(0), f(8))
        })
        .collect())
}

fn load_zones(path: &str) -> anyhow::Result<Vec<geofence::zone::Zone>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let loaded = load_geojson(&text);
    for e in loaded.errors.iter().take(5) {
        eprintln!("{path}: {e}");
    }
    Ok(loaded.zones)
}

fn timed(rounds: usize, mut f: impl FnMut() -> u64) -> (u64, f64) {
    let hits = f();
    let mut secs = Vec::with_capacity(rounds);
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let h = std::hint::black_box(f());
        secs.push(t.elapsed().as_secs_f64());
        assert_eq!(h, hits, "a lookup pass must be deterministic");
    }
    (hits, median(secs))
}

fn riverwatch(zones_path: &str, points_path: &str, rounds: usize) -> anyhow::Result<()> {
    let index = ZoneIndex::new(load_zones(zones_path)?);
    let points = read_points(points_path)?;
    let (hits, secs) = timed(rounds, || {
        points
            .iter()
            .map(|&(x, y)| index.zone_indices_at(x, y).count() as u64)
            .sum()
    });
    println!(
        "{{\"peer\":\"riverwatch\",\"lookups\":{},\"hits\":{hits},\"seconds\":{secs:.6},\"zones\":{},\"index_heap_bytes\":{}}}",
        points.len(),
        index.len(),
        index.heap_bytes()
    );
    Ok(())
}

fn rstar_geo(zones_path: &str, points_path: &str, rounds: usize) -> anyhow::Result<()> {
    let polys: Vec<MultiPolygon<f64>> = load_zones(zones_path)?
        .into_iter()
        .filter_map(|z| match z.shape {
            Shape::Area(mp) => Some(mp),
            Shape::Gate(_) => None,
        })
        .collect();
    let tree = RTree::bulk_load(
        polys
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );
    let points = read_points(points_path)?;
    let (hits, secs) = timed(rounds, || {
        points
            .iter()
            .map(|&(x, y)| {
                tree.locate_all_at_point(&[x, y])
                    .filter(|e| polys[e.data].contains(&Point::new(x, y)))
                    .count() as u64
            })
            .sum()
    });
    println!(
        "{{\"peer\":\"rstar-geo\",\"lookups\":{},\"hits\":{hits},\"seconds\":{secs:.6}}}",
        points.len()
    );
    Ok(())
}

/// A deterministic pseudo-random stream (xorshift64*).
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Vessels reporting every 10 s: four in five lie still with +-10 m GPS jitter (at
/// docks, anchorages, along the banks), one in five sails at 4-12 kn.
fn stream(
    zones_path: &str,
    points_path: &str,
    vessels: usize,
    rounds: usize,
    one_by_one: bool,
) -> anyhow::Result<()> {
    const T0: i64 = 1_763_800_000_000;
    if rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    let index = ZoneIndex::new(load_zones(zones_path)?);
    let zones = index.len();
    let points = read_points(points_path)?;
    if points.len() < vessels {
        bail!(
            "{points_path}: {} points, need one per vessel ({vessels})",
            points.len()
        );
    }
    let homes = &points[..vessels];
    let position = |v: usize, round: usize, rng: &mut Rng| {
        let (x, y) = homes[v];
        let moving = v.is_multiple_of(5);
        let drift = if moving {
            (4.0 + (v % 9) as f64) * 1852.0 / 360.0 * round as f64
        } else {
            0.0
        };
        let (dx, dy) = ((rng.unit() - 0.5) * 20.0, (rng.unit() - 0.5) * 20.0);
        (
            x + (drift + dx) / 96_000.0,
            y + dy / 111_000.0,
            if moving { 8.0 } else { 0.1 },
        )
    };
    // Untimed: how often the raw answer flips between consecutive reports, undebounced.
    let mut rng = Rng(0x1234_5678);
    let mut last: Vec<Vec<u32>> = vec![Vec::new(); vessels];
    let mut raw = Vec::new();
    let mut raw_flips = 0u64;
    let mut still_raw_flips = 0u64;
    for round in 0..rounds {
        for (v, prev) in last.iter_mut().enumerate() {
            let (x, y, _) = position(v, round, &mut rng);
            raw.clear();
            index.lookup_into(x, y, &mut raw);
            if round > 0 {
                let flips = raw.iter().filter(|z| !prev.contains(z)).count() as u64
                    + prev.iter().filter(|z| !raw.contains(z)).count() as u64;
                raw_flips += flips;
                if !v.is_multiple_of(5) {
                    still_raw_flips += flips;
                }
            }
            std::mem::swap(prev, &mut raw);
        }
    }
    let mut engine = Engine::new(index, Config::default());
    let mut events = Vec::new();
    let mut rng = Rng(0x1234_5678);
    let mut secs = Vec::new();
    let mut enter_exit = 0u64;
    let mut still_exits = 0u64;
    // One buffer for every round, as a feed reuses its batch: a fresh 14 MB allocation per
    // round made the timings depend on where the allocator put it.
    let mut obs: Vec<ais::Observation> = Vec::with_capacity(vessels);
    for round in 0..rounds {
        // Built inside the timed part, as when each was observed as it was made.
        let t = Instant::now();
        obs.clear();
        obs.extend((0..vessels).map(|v| {
            let (x, y, sog) = position(v, round, &mut rng);
            ais::Observation {
                mmsi: 200_000_000 + v as u32,
                event_time_ms: T0 + round as i64 * 10_000 + v as i64 * 10_000 / vessels as i64,
                position: Some((x, y)),
                sog_kn: Some(sog),
                ..ais::Observation::default()
            }
        }));
        if one_by_one {
            for o in &obs {
                engine.observe(o, &mut events);
            }
        } else {
            engine.observe_all(obs.iter(), &mut events);
        }
        secs.push(t.elapsed().as_secs_f64());
        for e in events
            .iter()
            .filter(|e| matches!(e.kind.name(), "enter" | "exit"))
        {
            enter_exit += 1;
            // Vessels lying still never really leave a zone: every exit of theirs is a
            // flap caused by GPS jitter (their first enters are real).
            if !(e.mmsi - 200_000_000).is_multiple_of(5) && e.kind.name() == "exit" {
                still_exits += 1;
            }
        }
        events.clear();
    }
    // The first round creates every vessel; the rest are timed. The first minutes are a
    // cold start: vessels lying still are not yet stopped (a stop takes a minute) and their
    // anchors still move, so they are looked up at nearly every report. A running service
    // is past that (a restart restores its state from the snapshot), so the figure is the
    // median of all rounds, and `cold_updates_per_s` that of the first 200 s alone.
    let timed = secs.get(1..).unwrap_or(&secs[..]);
    let per_round = median(timed.to_vec());
    let cold_round = median(timed[..timed.len().min(19)].to_vec());
    let updates = vessels as f64;
    let bytes: usize = engine.vessels().map(|v| v.bytes_without_history()).sum();
    let updates_total = (vessels * rounds) as f64;
    println!(
        "{{\"peer\":\"riverwatch-stream\",\"mode\":\"{}\",\"zones\":{zones},\"vessels\":{vessels},\"rounds\":{rounds},\"updates_per_s\":{:.0},\"cold_updates_per_s\":{:.0},\"seconds_per_round\":{per_round:.6},\"bytes_per_vessel\":{},\"raw_flips_per_update\":{:.4},\"enter_exit_per_update\":{:.4},\"still_raw_flips_per_update\":{:.4},\"still_exits_per_update\":{:.4},\"lookups_per_update\":{:.3}}}",
        if one_by_one { "one_by_one" } else { "batch" },
        updates / per_round,
        updates / cold_round,
        bytes / vessels.max(1),
        raw_flips as f64 / (vessels * rounds.saturating_sub(1)).max(1) as f64,
        enter_exit as f64 / updates_total,
        still_raw_flips as f64 / (vessels * 4 / 5 * rounds.saturating_sub(1)).max(1) as f64,
        still_exits as f64 / (updates_total * 0.8),
        engine.stats().lookups as f64 / updates_total,
    );
    Ok(())
}

fn load(zones_path: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(zones_path).with_context(|| format!("reading {zones_path}"))?;
    let mut secs = Vec::new();
    let mut parse = Vec::new();
    let mut last = (0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        let loaded = load_geojson(&text);
        parse.push(t.elapsed().as_secs_f64());
        let errors = loaded.errors.len();
        let index = ZoneIndex::new(loaded.zones);
        secs.push(t.elapsed().as_secs_f64());
        last = (index.len(), errors);
        drop(index);
    }
    println!(
        "{{\"peer\":\"riverwatch-load\",\"zones\":{},\"errors\":{},\"bytes\":{},\"seconds\":{:.4},\"parse_seconds\":{:.4},\"threads\":{}}}",
        last.0,
        last.1,
        text.len(),
        median(secs),
        median(parse),
        rayon::current_num_threads()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize| args.get(k).map(String::as_str);
    let flag = |name: &str, default: usize| -> anyhow::Result<usize> {
        match args.iter().position(|a| a == name) {
            Some(k) => args
                .get(k + 1)
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a number")),
            None => Ok(default),
        }
    };
    let usage = "usage: geofence-peers (riverwatch|rstar-geo) ZONES POINTS [ROUNDS] | stream ZONES POINTS [--vessels N] [--rounds R] [--one-by-one] | load ZONES";
    match (arg(0), arg(1), arg(2)) {
        (Some("riverwatch"), Some(z), Some(p)) => {
            riverwatch(z, p, arg(3).map_or(Ok(3), str::parse)?)
        }
        (Some("rstar-geo"), Some(z), Some(p)) => rstar_geo(z, p, arg(3).map_or(Ok(3), str::parse)?),
        (Some("stream"), Some(z), Some(p)) => {
            let one_by_one = args.iter().any(|a| a == "--one-by-one");
            stream(
                z,
                p,
                flag("--vessels", 50_000)?,
                flag("--rounds", 20)?,
                one_by_one,
            )
        }
        (Some("load"), Some(z), _) => load(z),
        _ => bail!("{usage}"),
    }
}
