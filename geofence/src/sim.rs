//! Simulated river traffic on a data set (zones, registry, watchlist): lawful vessels
//! and injected violations of every alert kind, written as the sentences tower receivers
//! send (class A and B, type 5 and 24 static data in fragments, inland FI 10 and FI 55,
//! several towers with tag blocks, duplicates and a little corruption), with a ground
//! truth of what was injected.
//!
//! Every vessel follows a script of legs (sail, stay, go dark, one spoofed report). Lawful
//! vessels only stop where stopping is lawful, keep to speed limits, carry spoil only with
//! a permit and dump it at an approved site, and keep reporting; each violation is staged
//! by a vessel of its own, so the truth is exactly what the detectors should find. The
//! same seed always writes the same feed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ais::feed::{Feed, Position};
use geo::{BoundingRect, Centroid};
use serde_json::{Value, json};

use crate::alert::{AlertKind, rfc3339};
use crate::index::{ZoneIdx, ZoneIndex};
use crate::registry::{Registry, Vessel as Registered, Watchlist};
use crate::track::{M_PER_DEG, metres};
use crate::zone::{Shape, ZoneKind};

type P = (f64, f64);

/// How to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// Event time of the first report, ms since the UNIX epoch.
    pub start_ms: i64,
    pub days: u32,
    pub towers: u32,
    /// Share of reports a second tower also hears.
    pub duplicate_share: f64,
    /// Share of those second copies that arrive corrupted.
    pub corrupt_share: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            // 2026-11-20T00:00:00Z
            start_ms: 1_795_132_800_000,
            days: 3,
            towers: 4,
            duplicate_share: 0.3,
            corrupt_share: 0.01,
        }
    }
}

/// One injected violation: what the detectors must report.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    pub kind: AlertKind,
    pub mmsi: u32,
    pub zone_id: Option<String>,
    /// When the condition began (the alert's `started_at`).
    pub onset_ms: i64,
    pub note: String,
}

impl Truth {
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "mmsi": self.mmsi,
            "zone_id": self.zone_id,
            "onset": rfc3339(self.onset_ms),
            "note": self.note,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("the zones have no usable {0} zone, which the simulator needs to stage {1}")]
    MissingZone(&'static str, &'static str),
    #[error("the registry has too few {0} to stage {1}")]
    TooFewVessels(&'static str, &'static str),
}

/// SplitMix64: small, fast and the same on every platform.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Debug, Clone, Copy)]
enum Leg {
    Sail {
        to: P,
        kn: f64,
    },
    Stay {
        ms: i64,
    },
    /// Silent for `ms`, then heard again at `to` (it kept moving while dark).
    Dark {
        ms: i64,
        to: P,
    },
    Spoof {
        at: P,
    },
}

/// What a vessel says about itself.
#[derive(Debug, Clone)]
struct Identity {
    mmsi: u32,
    class_a: bool,
    name: String,
    callsign: String,
    ship_type: u8,
    draught_m: Option<f64>,
    /// Inland FI 10: ENI, draught, laden.
    fi10: Option<(String, f64, Option<bool>)>,
    /// Inland FI 55: crew, passengers.
    persons: Option<(u8, u16)>,
}

#[derive(Debug, Clone)]
struct Script {
    id: Identity,
    start_ms: i64,
    start: P,
    legs: Vec<Leg>,
}

/// One message a vessel sends, before it is written as sentences.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Msg {
    Pos { at: P, sog: f64, cog: f64 },
    Static,
    Fi10,
    Fi55,
}

/// A plan being written: where and when the vessel is after its legs so far.
struct Plan<'a> {
    idx: &'a ZoneIndex,
    script: Script,
    t: i64,
    at: P,
    lawful: bool,
}

fn kn_to_mps(kn: f64) -> f64 {
    kn * 1852.0 / 3600.0
}

fn lerp(a: P, b: P, f: f64) -> P {
    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f)
}

impl Plan<'_> {
    /// The strictest speed limit along a segment, if any.
    fn limit_along(&self, a: P, b: P) -> Option<f64> {
        let n = ((metres(a, b) / 50.0).ceil() as usize).clamp(1, 400);
        (0..=n)
            .flat_map(|k| {
                let p = lerp(a, b, k as f64 / n as f64);
                self.idx
                    .zones_at(p.0, p.1)
                    .filter_map(|z| z.speed_limit_kn)
                    .collect::<Vec<_>>()
            })
            .min_by(f64::total_cmp)
    }

    /// The speed to sail to `to` at: a lawful vessel keeps under every limit on the way.
    fn lawful_kn(&self, to: P, kn: f64) -> f64 {
        match (self.lawful, self.limit_along(self.at, to)) {
            (true, Some(l)) => kn.min(l - 0.7).max(1.5),
            _ => kn,
        }
    }

    fn sail(&mut self, to: P, kn: f64) -> &mut Self {
        let kn = self.lawful_kn(to, kn);
        self.sail_at(to, kn)
    }

    fn sail_at(&mut self, to: P, kn: f64) -> &mut Self {
        let secs = metres(self.at, to) / kn_to_mps(kn);
        self.script.legs.push(Leg::Sail { to, kn });
        self.t += (secs * 1000.0) as i64;
        self.at = to;
        self
    }

    fn stay(&mut self, minutes: f64) -> &mut Self {
        let ms = (minutes * 60_000.0) as i64;
        self.script.legs.push(Leg::Stay { ms });
        self.t += ms;
        self
    }

    fn stay_until(&mut self, t: i64) -> &mut Self {
        let ms = (t - self.t).max(0);
        self.script.legs.push(Leg::Stay { ms });
        self.t += ms;
        self
    }

    fn dark(&mut self, minutes: f64, to: P) -> &mut Self {
        let ms = (minutes * 60_000.0) as i64;
        self.script.legs.push(Leg::Dark { ms, to });
        self.t += ms;
        self.at = to;
        self
    }

    /// When a sail from here to `to` at `kn` first reaches a point in zone `z`
    /// (sampled every 10 s, as class A reports are).
    fn first_inside(&self, to: P, kn: f64, z: ZoneIdx) -> Option<i64> {
        let secs = metres(self.at, to) / kn_to_mps(kn);
        let n = (secs / 10.0).ceil().max(1.0) as i64;
        (0..=n).find_map(|k| {
            let p = lerp(self.at, to, k as f64 / n as f64);
            self.idx
                .area_contains(z, p.0, p.1)
                .then_some(self.t + (secs * 1000.0 * k as f64 / n as f64) as i64)
        })
    }
}

/// Where vessels go: a point inside each zone, by what may lawfully happen there.
#[derive(Debug, Default)]
struct Places {
    licensed_docks: Vec<(ZoneIdx, P)>,
    unlicensed_docks: Vec<(ZoneIdx, P)>,
    expired_docks: Vec<(ZoneIdx, P)>,
    loading: Vec<(ZoneIdx, P)>,
    dumps: Vec<(ZoneIdx, P)>,
    anchorages: Vec<(ZoneIdx, P)>,
    no_berthing: Vec<(ZoneIdx, P)>,
    protected: Vec<(ZoneIdx, P)>,
    /// A speed zone and two points inside it, far apart with the way between inside.
    speed: Vec<(ZoneIdx, P, P, f64)>,
    monitored: Vec<(ZoneIdx, P)>,
    /// Points in the monitored area and in no other zone that matters: an open bank.
    open_bank: Vec<P>,
}

/// Kinds that do not change what a stop means.
fn neutral(kind: ZoneKind) -> bool {
    matches!(
        kind,
        ZoneKind::MonitoredArea | ZoneKind::SpeedLimit | ZoneKind::Checkpoint | ZoneKind::CameraFov
    )
}

fn interior_points(idx: &ZoneIndex, z: ZoneIdx) -> Vec<P> {
    let Shape::Area(mp) = &idx.zone(z).shape else {
        return Vec::new();
    };
    let mut pts = Vec::new();
    if let Some(c) = mp.centroid()
        && idx.area_contains(z, c.x(), c.y())
    {
        pts.push((c.x(), c.y()));
    }
    if let Some(r) = mp.bounding_rect() {
        for i in 0..16 {
            for j in 0..16 {
                let p = (
                    r.min().x + r.width() * (i as f64 + 0.5) / 16.0,
                    r.min().y + r.height() * (j as f64 + 0.5) / 16.0,
                );
                if idx.area_contains(z, p.0, p.1) {
                    pts.push(p);
                }
            }
        }
    }
    pts
}

impl Places {
    fn find(idx: &ZoneIndex, t_ms: i64) -> Places {
        let mut p = Places::default();
        // A point where only zone z and neutral zones hold.
        let clean = |z: ZoneIdx, pt: P| {
            idx.zones_at(pt.0, pt.1)
                .all(|o| std::ptr::eq(o, idx.zone(z)) || neutral(o.kind))
        };
        for (i, zone) in idx.zones().iter().enumerate() {
            let z = i as ZoneIdx;
            let pts = interior_points(idx, z);
            let Some(&pt) = pts.iter().find(|&&pt| clean(z, pt)) else {
                continue;
            };
            match zone.kind {
                ZoneKind::Dock if zone.licensed_at(t_ms) => p.licensed_docks.push((z, pt)),
                ZoneKind::Dock if zone.license.is_some() => p.expired_docks.push((z, pt)),
                ZoneKind::Dock => p.unlicensed_docks.push((z, pt)),
                ZoneKind::MuckLoading => p.loading.push((z, pt)),
                ZoneKind::ApprovedDump => p.dumps.push((z, pt)),
                ZoneKind::Anchorage => p.anchorages.push((z, pt)),
                ZoneKind::NoBerthing => p.no_berthing.push((z, pt)),
                ZoneKind::Protected => p.protected.push((z, pt)),
                ZoneKind::MonitoredArea => p.monitored.push((z, pt)),
                ZoneKind::SpeedLimit => {
                    let limit = zone.speed_limit_kn.unwrap_or(f64::INFINITY);
                    // The farthest pair of inside points with the straight way between
                    // them inside too.
                    let mut best: Option<(f64, P, P)> = None;
                    for (k, &a) in pts.iter().enumerate() {
                        for &b in &pts[k + 1..] {
                            let d = metres(a, b);
                            if best.is_some_and(|(bd, _, _)| bd >= d) {
                                continue;
                            }
                            let inside = (0..=20).all(|s| {
                                let q = lerp(a, b, f64::from(s) / 20.0);
                                idx.area_contains(z, q.0, q.1)
                            });
                            if inside {
                                best = Some((d, a, b));
                            }
                        }
                    }
                    if let Some((d, a, b)) = best
                        && d > 300.0
                    {
                        p.speed.push((z, a, b, limit));
                    }
                }
                _ => {}
            }
        }
        // Open bank: around docks, where only the monitored area (and neutral zones) hold,
        // at least 300 m from every dock and from each other.
        let docks: Vec<P> = p
            .licensed_docks
            .iter()
            .chain(&p.unlicensed_docks)
            .chain(&p.expired_docks)
            .map(|d| d.1)
            .collect();
        for &(_, d) in p.licensed_docks.iter().chain(&p.unlicensed_docks) {
            for r in [350.0, 500.0, 700.0] {
                for k in 0..8 {
                    let a = f64::from(k) * std::f64::consts::FRAC_PI_4;
                    let pt = (
                        d.0 + r * a.cos() / (M_PER_DEG * d.1.to_radians().cos()),
                        d.1 + r * a.sin() / M_PER_DEG,
                    );
                    let kinds: Vec<ZoneKind> = idx.zones_at(pt.0, pt.1).map(|z| z.kind).collect();
                    let ok = kinds.contains(&ZoneKind::MonitoredArea)
                        && kinds.iter().all(|&k| neutral(k))
                        && docks.iter().all(|&q| metres(q, pt) >= 300.0)
                        && p.open_bank.iter().all(|&q| metres(q, pt) >= 400.0);
                    if ok {
                        p.open_bank.push(pt);
                    }
                }
            }
        }
        p
    }
}

/// A simulated feed: the scripts, the truth, and the towers that hear them.
#[derive(Debug)]
pub struct Sim {
    cfg: SimConfig,
    scripts: Vec<Script>,
    truth: Vec<Truth>,
    towers: Vec<(String, P)>,
    end_ms: i64,
}

fn identity(r: &Registered, class_a: bool) -> Identity {
    Identity {
        mmsi: r.mmsi,
        class_a,
        name: r.name.clone(),
        callsign: r.callsign.clone(),
        ship_type: match r.ship_class.as_str() {
            "passenger" => 60,
            "tanker" => 80,
            "tug" => 52,
            _ => 70,
        },
        draught_m: r
            .max_draught_m
            .map(|m| ((m - 0.4).max(0.8) * 10.0).round() / 10.0),
        fi10: None,
        persons: None,
    }
}

fn need<T: Copy>(v: &[T], k: usize, what: &'static str, why: &'static str) -> Result<T, SimError> {
    v.get(k).copied().ok_or(SimError::MissingZone(what, why))
}

impl Sim {
    /// Plans every vessel's script over the data set.
    pub fn plan(
        idx: &ZoneIndex,
        registry: &Registry,
        watchlist: &Watchlist,
        cfg: &SimConfig,
    ) -> Result<Sim, SimError> {
        let mut rng = Rng(cfg.seed ^ 0x5151_7e3a_c0de_0001);
        let start = cfg.start_ms;
        let end = start + i64::from(cfg.days.max(1)) * 86_400_000;
        let hour = 3_600_000i64;
        let places = Places::find(idx, start);
        let mut truth = Vec::new();
        let mut scripts = Vec::new();
        let watched: Vec<u32> = watchlist.sorted().iter().map(|w| w.mmsi).collect();
        let vessels: Vec<&Registered> = registry
            .sorted()
            .into_iter()
            .filter(|r| !watched.contains(&r.mmsi))
            .collect();
        let permit = |r: &Registered| r.has_permit("muck_transport", start);
        // When a permit valid at the start runs out (a lawful carrier stops carrying then).
        let permit_end = |r: &Registered| {
            r.permits
                .iter()
                .filter(|p| p.kind == "muck_transport" && p.valid.covers(start))
                .filter_map(|p| p.valid.until)
                .filter_map(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
                .max()
                .unwrap_or(i64::MAX)
        };
        let mut permitted: Vec<&Registered> = vessels
            .iter()
            .copied()
            .filter(|r| r.muck_carrier && permit(r))
            .collect();
        let mut unpermitted: Vec<&Registered> = vessels
            .iter()
            .copied()
            .filter(|r| r.muck_carrier && !r.has_permit("muck_transport", start))
            .collect();
        let mut passenger: Vec<&Registered> = vessels
            .iter()
            .copied()
            .filter(|r| !r.muck_carrier && r.passenger_capacity.is_some_and(|c| c > 0))
            .collect();
        let mut others: Vec<&Registered> = vessels
            .iter()
            .copied()
            .filter(|r| !r.muck_carrier && r.passenger_capacity.is_none_or(|c| c == 0))
            .collect();
        let docks = &places.licensed_docks;
        if docks.is_empty() {
            return Err(SimError::MissingZone("licensed dock", "lawful traffic"));
        }
        let monitored = need(&places.monitored, 0, "monitored_area", "anything")?;
        let dock = |rng: &mut Rng| docks[rng.below(docks.len())].1;
        let new_plan = |id: Identity, t: i64, at: P, lawful: bool| Plan {
            idx,
            script: Script {
                id,
                start_ms: t,
                start: at,
                legs: Vec::new(),
            },
            t,
            at,
            lawful,
        };
        let mut push_truth = |kind, mmsi, zone: Option<ZoneIdx>, onset_ms, note: &str| {
            truth.push(Truth {
                kind,
                mmsi,
                zone_id: zone.map(|z| idx.zone(z).id.clone()),
                onset_ms,
                note: note.to_string(),
            });
        };
        // Within the first day, leaving room for what follows.
        let some_time = |rng: &mut Rng, lo_h: f64, hi_h: f64| {
            start + (rng.range(lo_h, hi_h) * hour as f64) as i64
        };

        // unlicensed_dock_activity: at an unlicensed dock, and at one whose licence expired.
        for (list, note) in [
            (&places.unlicensed_docks, "stopped at an unlicensed dock"),
            (
                &places.expired_docks,
                "stopped at a dock whose licence expired",
            ),
        ] {
            let Some(&(z, at)) = list.get(rng.below(list.len())) else {
                continue;
            };
            let r = take_one(&mut others, "cargo vessels", "unlicensed_dock_activity")?;
            let from = dock(&mut rng);
            let mut p = new_plan(
                identity(r, true),
                some_time(&mut rng, 1.0, 12.0),
                from,
                true,
            );
            p.sail(at, 6.0);
            let onset = p.t;
            p.stay(rng.range(18.0, 40.0));
            push_truth(
                AlertKind::UnlicensedDockActivity,
                r.mmsi,
                Some(z),
                onset,
                note,
            );
            p.sail(from, 6.0).stay_until(end);
            scripts.push(p.script);
        }
        if places.unlicensed_docks.is_empty() && places.expired_docks.is_empty() {
            return Err(SimError::MissingZone(
                "unlicensed dock",
                "unlicensed_dock_activity",
            ));
        }

        // illegal_berthing
        let (z, at) = need(
            &places.no_berthing,
            rng.below(places.no_berthing.len()),
            "no_berthing",
            "illegal_berthing",
        )?;
        let r = take_one(&mut others, "cargo vessels", "illegal_berthing")?;
        let from = dock(&mut rng);
        let mut p = new_plan(
            identity(r, true),
            some_time(&mut rng, 2.0, 20.0),
            from,
            true,
        );
        p.sail(at, 6.0);
        let onset = p.t;
        p.stay(rng.range(9.0, 25.0));
        push_truth(
            AlertKind::IllegalBerthing,
            r.mmsi,
            Some(z),
            onset,
            "moored in a no-berthing zone",
        );
        p.sail(from, 6.0).stay_until(end);
        scripts.push(p.script);

        // suspected_unlicensed_dock: three vessels at one open-bank spot on three days.
        let spots = &places.open_bank;
        if spots.len() < 3 {
            return Err(SimError::MissingZone(
                "open bank",
                "suspected_unlicensed_dock and muck_illegal_discharge",
            ));
        }
        let spot = spots[0];
        let day_ms = (i64::from(cfg.days.max(1)) * 86_400_000 / 3).min(86_400_000);
        for k in 0..3 {
            let r = take_one(&mut others, "cargo vessels", "suspected_unlicensed_dock")?;
            let from = dock(&mut rng);
            let t0 = start + k * day_ms + (rng.range(3.0, 6.0) * hour as f64) as i64;
            let mut p = new_plan(identity(r, true), t0, from, true);
            let jitter = (
                rng.range(-20.0, 20.0) / 96_000.0,
                rng.range(-20.0, 20.0) / 111_000.0,
            );
            p.sail((spot.0 + jitter.0, spot.1 + jitter.1), 6.0);
            let onset = p.t;
            p.stay(rng.range(20.0, 40.0));
            if k == 2 {
                push_truth(
                    AlertKind::SuspectedUnlicensedDock,
                    r.mmsi,
                    None,
                    onset,
                    "third vessel in a week to moor at one open-bank spot",
                );
            }
            p.sail(from, 6.0).stay_until(end);
            scripts.push(p.script);
        }

        let load = need(
            &places.loading,
            rng.below(places.loading.len()),
            "muck_loading",
            "the muck kinds",
        )?;
        let dump = need(
            &places.dumps,
            rng.below(places.dumps.len()),
            "approved_dump",
            "the muck kinds",
        )?;
        let carrier = |r: &Registered| {
            let mut id = identity(r, true);
            id.fi10 = Some((r.eni.clone(), id.draught_m.unwrap_or(1.5), None));
            id
        };

        // muck_unpermitted_transport: loads without a valid permit, then dumps lawfully.
        let r = take_one(
            &mut unpermitted,
            "muck carriers without a permit",
            "muck_unpermitted_transport",
        )?;
        let mut p = new_plan(
            carrier(r),
            some_time(&mut rng, 1.0, 10.0),
            dock(&mut rng),
            true,
        );
        p.sail(load.1, 6.0);
        let onset = p.t;
        p.stay(rng.range(20.0, 35.0))
            .sail(dump.1, 7.0)
            .stay(rng.range(18.0, 30.0));
        push_truth(
            AlertKind::MuckUnpermittedTransport,
            r.mmsi,
            Some(load.0),
            onset,
            "left the loading wharf laden without a valid muck_transport permit",
        );
        p.sail(dock(&mut rng), 7.0).stay_until(end);
        scripts.push(p.script);

        // muck_illegal_discharge: on an open bank, and in a protected zone.
        let discharge_spots: Vec<(Option<ZoneIdx>, P)> = [(None, spots[1])]
            .into_iter()
            .chain(places.protected.first().map(|&(z, p)| (Some(z), p)))
            .collect();
        for (zone, at) in discharge_spots {
            let r = take_one(
                &mut permitted,
                "permitted muck carriers",
                "muck_illegal_discharge",
            )?;
            let mut p = new_plan(
                carrier(r),
                some_time(&mut rng, 1.0, 12.0),
                dock(&mut rng),
                true,
            );
            p.sail(load.1, 6.0)
                .stay(rng.range(20.0, 30.0))
                .sail(at, 7.0);
            let onset = p.t;
            p.stay(rng.range(14.0, 25.0));
            push_truth(
                AlertKind::MuckIllegalDischarge,
                r.mmsi,
                zone,
                onset,
                if zone.is_some() {
                    "laden, stopped in a water-source protection area"
                } else {
                    "laden, stopped on an open bank"
                },
            );
            p.sail(dump.1, 7.0)
                .stay(rng.range(18.0, 30.0))
                .sail(dock(&mut rng), 7.0)
                .stay_until(end);
            scripts.push(p.script);
        }

        // muck_unaccounted_load: loads, then lies at a licensed dock for two days.
        if cfg.days >= 3 {
            let r = take_one(
                &mut permitted,
                "permitted muck carriers",
                "muck_unaccounted_load",
            )?;
            let mut p = new_plan(
                carrier(r),
                some_time(&mut rng, 1.0, 6.0),
                dock(&mut rng),
                true,
            );
            p.sail(load.1, 6.0);
            let onset = p.t;
            p.stay(rng.range(20.0, 30.0))
                .sail(dock(&mut rng), 7.0)
                .stay_until(end);
            push_truth(
                AlertKind::MuckUnaccountedLoad,
                r.mmsi,
                Some(load.0),
                onset,
                "laden for 48 h without a stop at an approved dump",
            );
            scripts.push(p.script);
        }

        // overload_draught: type 5 draught above the registry's maximum.
        let r = others
            .iter()
            .position(|r| r.max_draught_m.is_some())
            .map(|k| others.remove(k))
            .ok_or(SimError::TooFewVessels(
                "vessels with a max draught",
                "overload_draught",
            ))?;
        let mut id = identity(r, true);
        id.draught_m = r.max_draught_m.map(|m| ((m + 0.4) * 10.0).round() / 10.0);
        let t0 = some_time(&mut rng, 0.5, 20.0);
        let mut p = new_plan(id, t0, dock(&mut rng), true);
        push_truth(
            AlertKind::OverloadDraught,
            r.mmsi,
            None,
            t0,
            "reports a draught above its registered maximum",
        );
        p.stay(rng.range(30.0, 90.0))
            .sail(dock(&mut rng), 6.0)
            .stay_until(end);
        scripts.push(p.script);

        // overload_persons: FI 55 above passenger + crew capacity.
        let r = take_one(&mut passenger, "passenger vessels", "overload_persons")?;
        let mut id = identity(r, true);
        let cap = r.passenger_capacity.unwrap_or(0) + r.crew_capacity.unwrap_or(0);
        id.persons = Some((
            r.crew_capacity.unwrap_or(2) as u8,
            (cap + 8 - r.crew_capacity.unwrap_or(2)) as u16,
        ));
        let t0 = some_time(&mut rng, 0.5, 20.0);
        let mut p = new_plan(id, t0, dock(&mut rng), true);
        push_truth(
            AlertKind::OverloadPersons,
            r.mmsi,
            None,
            t0,
            "more persons on board than its capacity",
        );
        p.stay(rng.range(20.0, 40.0))
            .sail(dock(&mut rng), 8.0)
            .stay_until(end);
        scripts.push(p.script);

        // watchlist_entry: every entry active at the start.
        let mut seen = Vec::new();
        for w in watchlist.sorted() {
            if seen.contains(&w.mmsi) || !w.active_at(start) {
                continue;
            }
            seen.push(w.mmsi);
            let mut id = match registry.get(w.mmsi) {
                Some(r) => identity(r, true),
                None => Identity {
                    mmsi: w.mmsi,
                    class_a: false,
                    name: format!("WATCHED {}", w.mmsi % 1000),
                    callsign: String::new(),
                    ship_type: 70,
                    draught_m: None,
                    fi10: None,
                    persons: None,
                },
            };
            id.draught_m = id.draught_m.map(|d| d.min(1.0));
            let listed = w.zones.iter().find_map(|zid| idx.find(zid));
            let t0 = some_time(&mut rng, 1.0, 20.0);
            match listed.and_then(|z| interior_points(idx, z).first().map(|&pt| (z, pt))) {
                Some((z, at)) => {
                    let mut p = new_plan(id, t0, dock(&mut rng), true);
                    let kn = p.lawful_kn(at, 5.0);
                    let onset = p.first_inside(at, kn, z).unwrap_or(p.t);
                    p.sail_at(at, kn);
                    p.stay(3.0);
                    push_truth(
                        AlertKind::WatchlistEntry,
                        w.mmsi,
                        Some(z),
                        onset,
                        "watchlisted vessel in a listed zone",
                    );
                    p.sail(dock(&mut rng), 5.0).stay_until(end);
                    scripts.push(p.script);
                }
                None => {
                    let to = dock(&mut rng);
                    let outside = entry_point(idx, monitored.0, to);
                    let mut p = new_plan(id, t0, outside, true);
                    let kn = p.lawful_kn(to, 6.0);
                    let onset = p.first_inside(to, kn, monitored.0).unwrap_or(p.t);
                    p.sail_at(to, kn);
                    push_truth(
                        AlertKind::WatchlistEntry,
                        w.mmsi,
                        Some(monitored.0),
                        onset,
                        "watchlisted vessel entered the monitored area",
                    );
                    p.stay_until(end);
                    scripts.push(p.script);
                }
            }
        }

        // ais_gap: goes dark for 45-70 minutes between two docks.
        let r = take_one(&mut others, "cargo vessels", "ais_gap")?;
        let (a, b) = far_docks(docks);
        let mut p = new_plan(identity(r, true), some_time(&mut rng, 2.0, 20.0), a, true);
        p.stay(30.0);
        // Dark on the open water, inside the monitored area; heard again on its way on.
        p.sail(spots[2], 6.0);
        let onset = p.t - 10_000;
        let dark_min = rng.range(45.0, 70.0);
        p.dark(dark_min, lerp(spots[2], b, 0.5));
        p.sail(b, 6.0).stay_until(end);
        push_truth(
            AlertKind::AisGap,
            r.mmsi,
            None,
            onset,
            "silent inside the monitored area",
        );
        scripts.push(p.script);

        // position_jump: one report 8 km off its track.
        let r = take_one(&mut others, "cargo vessels", "position_jump")?;
        let mut p = new_plan(identity(r, true), some_time(&mut rng, 2.0, 20.0), a, true);
        p.stay(20.0).sail(lerp(a, b, 0.4), 6.0);
        let spoof = (
            p.at.0 + 8000.0 / (M_PER_DEG * p.at.1.to_radians().cos()),
            p.at.1,
        );
        p.script.legs.push(Leg::Spoof { at: spoof });
        p.t += 10_000;
        push_truth(
            AlertKind::PositionJump,
            r.mmsi,
            None,
            p.t,
            "one report 8 km off its track",
        );
        p.sail(b, 6.0).stay_until(end);
        scripts.push(p.script);

        // identity_mismatch: a registered vessel sending another name; a placeholder MMSI.
        let r = take_one(&mut others, "cargo vessels", "identity_mismatch")?;
        let mut id = identity(r, true);
        id.name = format!("SEA STAR {}", rng.below(90) + 10);
        let t0 = some_time(&mut rng, 1.0, 20.0);
        let mut p = new_plan(id, t0, dock(&mut rng), true);
        push_truth(
            AlertKind::IdentityMismatch,
            r.mmsi,
            None,
            t0,
            "static name differs from the registry",
        );
        p.stay(30.0).sail(dock(&mut rng), 6.0).stay_until(end);
        scripts.push(p.script);
        let t0 = some_time(&mut rng, 1.0, 20.0);
        let id = Identity {
            mmsi: 123_456_789,
            class_a: false,
            name: "FISHER".to_string(),
            callsign: String::new(),
            ship_type: 30,
            draught_m: None,
            fi10: None,
            persons: None,
        };
        let mut p = new_plan(id, t0, dock(&mut rng), true);
        push_truth(
            AlertKind::IdentityMismatch,
            123_456_789,
            None,
            t0,
            "placeholder MMSI",
        );
        p.stay(20.0).sail(dock(&mut rng), 5.0).stay_until(end);
        scripts.push(p.script);

        // speeding: 3 kn over the limit through a speed zone.
        let (z, sa, sb, limit) = need(
            &places.speed,
            rng.below(places.speed.len()),
            "speed_limit",
            "speeding",
        )?;
        let r = take_one(&mut others, "cargo vessels", "speeding")?;
        let t0 = some_time(&mut rng, 1.0, 20.0);
        let mut p = new_plan(identity(r, true), t0, sa, true);
        p.stay(5.0);
        let onset = p.t;
        p.sail_at(sb, limit + 3.0).sail_at(sa, limit + 3.0);
        push_truth(
            AlertKind::Speeding,
            r.mmsi,
            Some(z),
            onset,
            "3 kn over the speed limit",
        );
        p.sail(dock(&mut rng), 6.0).stay_until(end);
        scripts.push(p.script);

        // Lawful traffic: every vessel left.
        let anchorages = &places.anchorages;
        for r in permitted {
            let mut p = new_plan(carrier(r), start, dock(&mut rng), true);
            p.stay(rng.range(30.0, 300.0));
            let until = end.min(permit_end(r)) - 6 * hour;
            while p.t < until {
                p.sail(load.1, 6.0)
                    .stay(rng.range(20.0, 40.0))
                    .sail(dump.1, 7.0)
                    .stay(rng.range(18.0, 30.0));
                match anchorages.get(rng.below(anchorages.len())) {
                    Some(&(_, at)) => p.sail(at, 6.0).stay(rng.range(60.0, 300.0)),
                    None => p.sail(dock(&mut rng), 6.0).stay(rng.range(60.0, 300.0)),
                };
            }
            p.stay_until(end);
            scripts.push(p.script);
        }
        // Carriers without a permit stay at their docks.
        for r in unpermitted {
            let mut p = new_plan(carrier(r), start, dock(&mut rng), true);
            p.stay_until(end);
            scripts.push(p.script);
        }
        for r in passenger {
            let mut id = identity(r, true);
            let cap = r.passenger_capacity.unwrap_or(0);
            id.persons = Some((
                r.crew_capacity.unwrap_or(2) as u8,
                rng.below(cap as usize + 1) as u16,
            ));
            let (a, b) = (dock(&mut rng), dock(&mut rng));
            let mut p = new_plan(id, start, a, true);
            p.stay(rng.range(10.0, 120.0));
            while p.t < end - 2 * hour {
                p.sail(b, 8.0)
                    .stay(rng.range(20.0, 40.0))
                    .sail(a, 8.0)
                    .stay(rng.range(30.0, 90.0));
            }
            p.stay_until(end);
            scripts.push(p.script);
        }
        for (k, r) in others.into_iter().enumerate() {
            let mut p = new_plan(identity(r, k % 4 != 3), start, dock(&mut rng), true);
            p.stay(rng.range(10.0, 600.0));
            while p.t < end - 8 * hour {
                p.sail(dock(&mut rng), rng.range(5.0, 9.0))
                    .stay(rng.range(60.0, 480.0));
            }
            p.stay_until(end);
            scripts.push(p.script);
        }

        // Towers along the river, each named like a real site's receiver.
        let ext = idx.zone(monitored.0).shape.clone();
        let towers = match ext {
            Shape::Area(mp) => mp.bounding_rect().map_or_else(Vec::new, |r| {
                (0..cfg.towers.max(1))
                    .map(|k| {
                        let f = (f64::from(k) + 0.5) / f64::from(cfg.towers.max(1));
                        (
                            format!("tower-{:02}", k + 1),
                            (r.min().x + r.width() * f, r.min().y + r.height() * f),
                        )
                    })
                    .collect()
            }),
            Shape::Gate(_) => Vec::new(),
        };
        truth.sort_by_key(|t| (t.onset_ms, t.mmsi));
        Ok(Sim {
            cfg: cfg.clone(),
            scripts,
            truth,
            towers,
            end_ms: end,
        })
    }

    /// What was injected, by onset.
    pub fn truth(&self) -> &[Truth] {
        &self.truth
    }

    /// Vessels simulated.
    pub fn vessels(&self) -> usize {
        self.scripts.len()
    }

    /// Where every vessel truly is at event time `t_ms` (not what it reports: a spoofed
    /// report moves nothing, and a dark vessel keeps moving), for simulated cameras.
    /// Vessels whose script has not begun are not on the river yet.
    pub fn seen_at(&self, t_ms: i64) -> Vec<Sighting> {
        self.scripts
            .iter()
            .filter_map(|s| {
                let (lon, lat) = s.true_position(t_ms)?;
                Some(Sighting {
                    mmsi: s.id.mmsi,
                    lon,
                    lat,
                    length_m: match s.id.ship_type {
                        52 => 22.0,
                        60 => 32.0,
                        80 => 55.0,
                        _ => 45.0,
                    },
                })
            })
            .collect()
    }

    /// Writes the feed: `line(event time, sentence)` for every sentence, in event-time order.
    pub fn run(&self, mut line: impl FnMut(i64, &str)) {
        let mut rng = Rng(self.cfg.seed ^ 0x00fe_edba_c0de_0002);
        let msgs: Vec<Vec<(i64, Msg)>> = self
            .scripts
            .iter()
            .map(|s| messages(s, self.end_ms))
            .collect();
        let mut feeds: Vec<Feed> = self
            .towers
            .iter()
            .map(|(name, _)| Feed::new(name))
            .collect();
        if feeds.is_empty() {
            feeds.push(Feed::new("tower-01"));
        }
        let mut heap: BinaryHeap<Reverse<(i64, usize, usize)>> = msgs
            .iter()
            .enumerate()
            .filter_map(|(v, m)| m.first().map(|&(t, _)| Reverse((t, v, 0))))
            .collect();
        let mut last_at: Vec<P> = self.scripts.iter().map(|s| s.start).collect();
        while let Some(Reverse((t, v, k))) = heap.pop() {
            if let Some(&(tn, _)) = msgs[v].get(k + 1) {
                heap.push(Reverse((tn, v, k + 1)));
            }
            let (_, msg) = msgs[v][k];
            if let Msg::Pos { at, .. } = msg {
                last_at[v] = at;
            }
            let near = nearest_towers(&self.towers, last_at[v]);
            let copies = if rng.unit() < self.cfg.duplicate_share {
                2
            } else {
                1
            };
            for (c, &tower) in near.iter().take(copies).enumerate() {
                let Some(feed) = feeds.get_mut(tower) else {
                    continue;
                };
                write_msg(feed, &self.scripts[v].id, t, msg);
                for mut s in feed.take_lines() {
                    // Only second copies are ever corrupted: the first always arrives.
                    if c > 0 && rng.unit() < self.cfg.corrupt_share {
                        corrupt(&mut s, &mut rng);
                    }
                    line(t, &s);
                }
            }
        }
    }
}

/// A vessel where it truly is, with a typical length for its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sighting {
    pub mmsi: u32,
    pub lon: f64,
    pub lat: f64,
    pub length_m: f64,
}

impl Script {
    /// The position at `t_ms`, walking the legs with the timing [`messages`] uses.
    fn true_position(&self, t_ms: i64) -> Option<P> {
        if t_ms < self.start_ms {
            return None;
        }
        let (mut t, mut at) = (self.start_ms, self.start);
        for leg in &self.legs {
            let (ms, to) = match *leg {
                Leg::Sail { to, kn } => ((metres(at, to) / kn_to_mps(kn) * 1000.0) as i64, to),
                Leg::Stay { ms } => (ms, at),
                Leg::Dark { ms, to } => (ms, to),
                Leg::Spoof { .. } => (10_000, at),
            };
            if t_ms < t + ms {
                return Some(lerp(at, to, (t_ms - t) as f64 / ms.max(1) as f64));
            }
            t += ms;
            at = to;
        }
        Some(at)
    }
}

fn take_one<'r>(
    v: &mut Vec<&'r Registered>,
    what: &'static str,
    why: &'static str,
) -> Result<&'r Registered, SimError> {
    if v.is_empty() {
        Err(SimError::TooFewVessels(what, why))
    } else {
        Ok(v.remove(0))
    }
}

fn far_docks(docks: &[(ZoneIdx, P)]) -> (P, P) {
    let mut best = (docks[0].1, docks[0].1, 0.0);
    for (k, &(_, a)) in docks.iter().enumerate() {
        for &(_, b) in &docks[k + 1..] {
            let d = metres(a, b);
            if d > best.2 {
                best = (a, b, d);
            }
        }
    }
    (best.0, best.1)
}

/// Where a vessel bound for `to` comes in from: a point outside zone `z` from which the
/// straight way to `to` crosses the zone's edge once (so it enters once), else a point
/// west of the zone.
fn entry_point(idx: &ZoneIndex, z: ZoneIdx, to: P) -> P {
    for r in [400.0, 600.0, 900.0, 1300.0, 2000.0] {
        for k in 0..16 {
            let a = f64::from(k) * std::f64::consts::PI / 8.0;
            let from = (
                to.0 + r * a.cos() / (M_PER_DEG * to.1.to_radians().cos()),
                to.1 + r * a.sin() / M_PER_DEG,
            );
            let n = (r / 10.0) as usize;
            let inside: Vec<bool> = (0..=n)
                .map(|s| {
                    let q = lerp(from, to, s as f64 / n as f64);
                    idx.area_contains(z, q.0, q.1)
                })
                .collect();
            let changes = inside.windows(2).filter(|w| w[0] != w[1]).count();
            if !inside[0] && changes == 1 {
                return from;
            }
        }
    }
    outside_point(idx, z)
}

/// A point 2 km outside the zone's bounding box, west of it.
fn outside_point(idx: &ZoneIndex, z: ZoneIdx) -> P {
    match &idx.zone(z).shape {
        Shape::Area(mp) => mp.bounding_rect().map_or((0.0, 0.0), |r| {
            let y = (r.min().y + r.max().y) / 2.0;
            (r.min().x - 2000.0 / (M_PER_DEG * y.to_radians().cos()), y)
        }),
        Shape::Gate(_) => (0.0, 0.0),
    }
}

fn nearest_towers(towers: &[(String, P)], at: P) -> Vec<usize> {
    let mut k: Vec<usize> = (0..towers.len()).collect();
    k.sort_by(|&a, &b| metres(towers[a].1, at).total_cmp(&metres(towers[b].1, at)));
    k
}

/// Flips one payload character: the checksum no longer matches.
fn corrupt(s: &mut String, rng: &mut Rng) {
    let Some(start) = s.find(",A,").or_else(|| s.find(",B,")) else {
        return;
    };
    let k = start + 3 + rng.below(10);
    if k < s.len() && s.is_char_boundary(k) && s.is_char_boundary(k + 1) {
        let c = if &s[k..k + 1] == "w" { "v" } else { "w" };
        s.replace_range(k..k + 1, c);
    }
}

/// A vessel's messages over its script, in time order: positions at the class's rate
/// (moving: class A every 10 s, class B every 30 s; lying still: every 3 minutes), static
/// data every 6 minutes, inland FI 10 and FI 55 every 6 minutes when it sends them.
fn messages(s: &Script, end_ms: i64) -> Vec<(i64, Msg)> {
    let mut out = Vec::new();
    let mut t = s.start_ms;
    let mut at = s.start;
    let moving_ms = if s.id.class_a { 10_000 } else { 30_000 };
    let still_ms = 180_000;
    let mut jitter = Rng(u64::from(s.id.mmsi));
    let mut darks: Vec<(i64, i64)> = Vec::new();
    let mut position = |out: &mut Vec<(i64, Msg)>, t: i64, at: P, sog: f64, cog: f64| {
        if t < end_ms {
            let j = (
                jitter.range(-4.0, 4.0) / (M_PER_DEG * at.1.to_radians().cos()),
                jitter.range(-4.0, 4.0) / M_PER_DEG,
            );
            let at = (at.0 + j.0, at.1 + j.1);
            out.push((t, Msg::Pos { at, sog, cog }));
        }
    };
    for leg in &s.legs {
        match *leg {
            Leg::Sail { to, kn } => {
                let secs = metres(at, to) / kn_to_mps(kn);
                let cog = ((to.0 - at.0) * at.1.to_radians().cos())
                    .atan2(to.1 - at.1)
                    .to_degrees()
                    .rem_euclid(360.0);
                let n = (secs * 1000.0 / moving_ms as f64).floor() as i64;
                for k in 0..=n {
                    let f = if secs > 0.0 {
                        (k * moving_ms) as f64 / 1000.0 / secs
                    } else {
                        1.0
                    };
                    position(
                        &mut out,
                        t + k * moving_ms,
                        lerp(at, to, f.min(1.0)),
                        kn,
                        cog,
                    );
                }
                t += (secs * 1000.0) as i64;
                at = to;
            }
            Leg::Stay { ms } => {
                let mut k = 0;
                while k * still_ms <= ms {
                    position(&mut out, t + k * still_ms, at, 0.1, 0.0);
                    k += 1;
                }
                t += ms;
            }
            Leg::Dark { ms, to } => {
                darks.push((t, t + ms));
                t += ms;
                at = to;
            }
            Leg::Spoof { at: fake } => {
                position(&mut out, t + 5_000, fake, 6.0, 90.0);
                t += 10_000;
            }
        }
    }
    // Identity and voyage reports, except while dark.
    let mut k = s.start_ms;
    while k < end_ms.min(t) {
        if !darks.iter().any(|&(a, b)| k >= a && k < b) {
            out.push((k + 1_000, Msg::Static));
            if s.id.fi10.is_some() {
                out.push((k + 2_000, Msg::Fi10));
            }
            if s.id.persons.is_some() {
                out.push((k + 3_000, Msg::Fi55));
            }
        }
        k += 360_000;
    }
    out.sort_by_key(|m| m.0);
    // Where a leg's last report and the next leg's first fall on one time, keep one.
    out.dedup_by(|b, a| a.0 == b.0 && matches!((a.1, b.1), (Msg::Pos { .. }, Msg::Pos { .. })));
    out
}

fn write_msg(feed: &mut Feed, id: &Identity, t: i64, msg: Msg) {
    match msg {
        Msg::Pos { at, sog, cog } => {
            let p = Position::new(at.0, at.1, sog, cog);
            if id.class_a {
                feed.class_a(t, id.mmsi, p);
            } else {
                feed.class_b(t, id.mmsi, p);
            }
        }
        Msg::Static => {
            if id.class_a {
                feed.static_voyage(
                    t,
                    id.mmsi,
                    &id.name,
                    &id.callsign,
                    id.ship_type,
                    id.draught_m,
                );
            } else {
                feed.static_b(t, id.mmsi, &id.name, &id.callsign, id.ship_type);
            }
        }
        Msg::Fi10 => {
            if let Some((eni, d, loaded)) = &id.fi10 {
                feed.inland_voyage(t, id.mmsi, eni, *d, *loaded);
            }
        }
        Msg::Fi55 => {
            if let Some((crew, pax)) = id.persons {
                feed.persons_on_board(t, id.mmsi, crew, pax, 0);
            }
        }
    }
}
