//! Per-vessel state on event time: last fix, motion, static and voyage data, zone
//! memberships, stop state and a bounded, downsampled history for evidence.

use std::collections::VecDeque;

use ais::Text;
use ais::observation::{Observation, PersonsOnBoard};

use crate::index::{Key, ZoneIdx};

/// Metres per degree of latitude (mean Earth radius 6 371 km).
pub const M_PER_DEG: f64 = 6_371_000.0 * std::f64::consts::PI / 180.0;

/// Distance in metres between two (lon, lat) points. An equirectangular approximation:
/// within 0.1 % of the great-circle distance below 10 km, which is all a stop or a jump
/// test needs, at a fraction of haversine's cost on the per-fix path.
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = cos_lat(((a.1 + b.1) * 0.5).to_radians());
    let dx = (b.0 - a.0) * k;
    let dy = b.1 - a.1;
    (dx * dx + dy * dy).sqrt() * M_PER_DEG
}

/// cos(x) for a latitude (|x| <= pi/2): the Taylor series to x^16, within 1e-12 there.
/// Several distances are taken per fix and libm's `cos` was ~6 % of the engine's time.
#[inline]
fn cos_lat(x: f64) -> f64 {
    if x.is_nan() || x.abs() > std::f64::consts::FRAC_PI_2 {
        return x.cos();
    }
    let x2 = x * x;
    // 1 - x^2/2! + x^4/4! - ... + x^16/16!, in Horner form.
    let mut c = 1.0 / 20_922_789_888_000.0;
    for d in [
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
        -0.5,
        1.0,
    ] {
        c = c * x2 + d;
    }
    c
}

/// One position report.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    pub time_ms: i64,
    pub lon: f64,
    pub lat: f64,
    /// Speed and course over ground as reported (NaN: not available).
    #[serde(with = "nan_as_null")]
    pub sog_kn: f32,
    #[serde(with = "nan_as_null")]
    pub cog_deg: f32,
}

impl Fix {
    pub fn position(&self) -> (f64, f64) {
        (self.lon, self.lat)
    }

    pub fn sog(&self) -> Option<f64> {
        (!self.sog_kn.is_nan()).then_some(f64::from(self.sog_kn))
    }

    /// The course over ground, when known (AIS sends 360 for "not available").
    pub fn cog(&self) -> Option<f64> {
        (self.cog_deg.is_finite() && self.cog_deg < 360.0).then_some(f64::from(self.cog_deg))
    }
}

/// A zone the vessel is in.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Membership {
    pub zone: ZoneIdx,
    /// Event time of the first fix inside.
    pub since_ms: i64,
    /// Dwell thresholds already reported this visit (bit k = the k-th threshold).
    pub dwell_fired: u32,
}

/// A membership change seen on raw fixes but not yet confirmed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub zone: ZoneIdx,
    /// true: the vessel seems to have entered; false: to have left.
    pub entering: bool,
    pub first_ms: i64,
    pub first_pos: (f64, f64),
    pub fixes: u16,
}

/// Whether the vessel is stopped, and the evidence for it.
///
/// Hysteresis: a stop needs two fixes at or below 0.5 kn over a minute to start, and
/// ends only when the vessel moves on (above 1.5 kn for 30 s, or 250 m from the stop's
/// anchor); one jittery fast fix does not end it.
///
/// ```
/// use ais::Observation;
/// use geofence::engine::{Config, Engine};
/// use geofence::index::ZoneIndex;
///
/// let mut engine = Engine::new(ZoneIndex::new(vec![]), Config::default());
/// let mut events = Vec::new();
/// let mut report = |t: i64, sog: f64| {
///     let o = Observation {
///         mmsi: 413000002,
///         event_time_ms: t * 10_000,
///         position: Some((120.0, 30.0)),
///         sog_kn: Some(sog),
///         ..Observation::default()
///     };
///     engine.observe(&o, &mut events);
///     engine.vessel(413000002).is_some_and(|v| v.stop.is_stopped())
/// };
/// assert!(!report(0, 0.3));
/// assert!(!report(3, 0.9));  // up to 1 kn holds the run together
/// assert!(report(6, 0.4));   // slow fixes over a minute: stopped since t = 0
/// assert!(report(7, 2.5));   // one fast fix: still stopped
/// assert!(report(8, 0.2));
/// assert!(report(9, 2.0));   // fast again...
/// assert!(report(11, 2.2));  // ...for 20 s: still stopped
/// assert!(!report(12, 2.4)); // 30 s: moved on
/// let kinds: Vec<_> = events.iter().map(|e| (e.kind.name(), e.time_ms)).collect();
/// assert_eq!(kinds, [("stop_start", 0), ("stop_end", 90_000)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum StopState {
    Moving {
        /// A run of fixes that may become a stop.
        run: Option<Run>,
    },
    Stopped {
        since_ms: i64,
        /// Sum of the stop's fixes, for its centroid (the anchor).
        sum_lon: f64,
        sum_lat: f64,
        n: u32,
        /// First fix of a run of fast fixes that may end the stop.
        fast_since_ms: Option<i64>,
    },
}

impl StopState {
    /// The anchor of a stop: the centroid of its fixes.
    pub fn anchor(&self) -> Option<(f64, f64)> {
        match *self {
            StopState::Stopped {
                sum_lon,
                sum_lat,
                n,
                ..
            } if n > 0 => Some((sum_lon / f64::from(n), sum_lat / f64::from(n))),
            _ => None,
        }
    }

    pub fn is_stopped(&self) -> bool {
        matches!(self, StopState::Stopped { .. })
    }
}

/// Consecutive fixes that may be a stop: slow ones (by SOG) or ones that stay in a small
/// box (for senders without SOG).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub start_ms: i64,
    pub start_pos: (f64, f64),
    /// Fixes at or below the stop speed.
    pub slow: u16,
    pub min: (f64, f64),
    pub max: (f64, f64),
    pub sum_lon: f64,
    pub sum_lat: f64,
    pub n: u32,
}

/// Identity, dimensions and voyage data, as last reported.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Statics {
    pub name: Text<20>,
    pub callsign: Text<7>,
    pub eni: Text<8>,
    pub imo: Option<u32>,
    pub ship_type: Option<u8>,
    pub eri_ship_type: Option<u16>,
    pub length_dm: Option<u32>,
    pub beam_dm: Option<u32>,
    pub draught_m: Option<f32>,
    pub loaded: Option<bool>,
    pub persons_on_board: Option<PersonsOnBoard>,
}

impl Statics {
    pub fn update(&mut self, o: &Observation) {
        if let Some(s) = &o.static_data {
            if let Some(n) = &s.name {
                self.name = Text::from(n.as_str());
            }
            if let Some(c) = &s.callsign {
                self.callsign = Text::from(c.as_str());
            }
            if let Some(e) = &s.eni {
                self.eni = Text::from(e.as_str());
            }
            self.imo = s.imo.or(self.imo);
            self.ship_type = s.ship_type.or(self.ship_type);
            self.eri_ship_type = s.eri_ship_type.or(self.eri_ship_type);
            self.length_dm = s.length_dm.or(self.length_dm);
            self.beam_dm = s.beam_dm.or(self.beam_dm);
        }
        if let Some(v) = &o.voyage {
            if let Some(d) = v.draught_m {
                self.draught_m = Some(d as f32);
            }
            self.loaded = v.loaded.or(self.loaded);
        }
        if let Some(p) = o.persons_on_board {
            self.persons_on_board = Some(p);
        }
    }
}

/// Everything the engine knows about one vessel.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Vessel {
    pub mmsi: u32,
    /// Event time of the last message of any kind.
    pub last_heard_ms: i64,
    pub last_fix: Option<Fix>,
    /// Speed derived from the last two fixes, knots (NaN: not known).
    #[serde(with = "nan_as_null")]
    pub derived_kn: f32,
    pub in_gap: bool,
    pub stop: StopState,
    /// Confirmed memberships, sorted by zone.
    pub zones: Vec<Membership>,
    pub pending: Vec<Pending>,
    /// Boxed: most vessels never send static data in a short replay, and it keeps the
    /// per-vessel core small.
    pub statics: Option<Box<Statics>>,
    pub history: History,
    /// The zones found at the vessel's last lookup; gone after a snapshot or zone edit.
    #[serde(skip)]
    pub last_lookup: Option<LastLookup>,
}

/// A vessel's last zone lookup: where, what it found (inline, no heap), and where else the
/// same answer holds. It spares most lookups: a stopped vessel's answer stands while its
/// anchor stays within `anchor_slack_m` (a rule), and any vessel still where the key says the
/// index gives the same answer has it (a fact of the index).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LastLookup {
    pub at: (f64, f64),
    /// Where else the answer holds ([`crate::index::ZoneIndex::lookup_keyed_into`]).
    pub key: Option<Key>,
    /// Looked up at a stopped vessel's anchor.
    pub anchored: bool,
    pub len: u8,
    pub zones: [ZoneIdx; LastLookup::CAP],
}

impl LastLookup {
    pub const CAP: usize = 6;

    /// None when there are too many zones to hold.
    pub fn new(
        at: (f64, f64),
        key: Option<Key>,
        anchored: bool,
        zones: &[ZoneIdx],
    ) -> Option<LastLookup> {
        let mut a = LastLookup {
            at,
            key,
            anchored,
            len: zones.len() as u8,
            zones: [0; Self::CAP],
        };
        a.zones.get_mut(..zones.len())?.copy_from_slice(zones);
        Some(a)
    }

    pub fn zones(&self) -> &[ZoneIdx] {
        &self.zones[..self.len as usize]
    }
}

impl Vessel {
    pub fn new(mmsi: u32, t_ms: i64, history_cap: usize, history_step_ms: i64) -> Vessel {
        Vessel {
            mmsi,
            last_heard_ms: t_ms,
            last_fix: None,
            derived_kn: f32::NAN,
            in_gap: false,
            stop: StopState::Moving { run: None },
            zones: Vec::new(),
            pending: Vec::new(),
            statics: None,
            history: History::new(history_cap, history_step_ms),
            last_lookup: None,
        }
    }

    /// Bytes this vessel's state holds, history excluded.
    pub fn bytes_without_history(&self) -> usize {
        std::mem::size_of::<Vessel>()
            + self.zones.capacity() * std::mem::size_of::<Membership>()
            + self.pending.capacity() * std::mem::size_of::<Pending>()
            + self
                .statics
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<Statics>())
    }

    pub fn membership(&self, zone: ZoneIdx) -> Option<&Membership> {
        self.zones
            .binary_search_by_key(&zone, |m| m.zone)
            .ok()
            .map(|k| &self.zones[k])
    }
}

/// The recent track, downsampled: at most one fix per `step_ms`, at most `cap` fixes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct History {
    fixes: VecDeque<Fix>,
    cap: usize,
    step_ms: i64,
}

impl History {
    pub fn new(cap: usize, step_ms: i64) -> History {
        History {
            fixes: VecDeque::new(),
            cap,
            step_ms,
        }
    }

    pub fn push(&mut self, f: Fix) {
        if self.cap == 0 {
            return;
        }
        if let Some(last) = self.fixes.back()
            && f.time_ms - last.time_ms < self.step_ms
        {
            return;
        }
        if self.fixes.len() == self.cap {
            self.fixes.pop_front();
        }
        self.fixes.push_back(f);
    }

    pub fn fixes(&self) -> impl Iterator<Item = &Fix> {
        self.fixes.iter()
    }

    pub fn last(&self) -> Option<&Fix> {
        self.fixes.back()
    }

    pub fn len(&self) -> usize {
        self.fixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fixes.is_empty()
    }
}

/// "Unknown" speeds and courses are NaN here; JSON has no NaN, so snapshots write null.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f32(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(Option::<f32>::deserialize(d)?.unwrap_or(f32::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_lat_is_cos() {
        for k in -1000..=1000 {
            let x = f64::from(k) / 1000.0 * std::f64::consts::FRAC_PI_2;
            assert!((cos_lat(x) - x.cos()).abs() < 1e-12, "{x}");
        }
        assert_eq!(cos_lat(4.0), 4f64.cos());
        assert!(cos_lat(f64::NAN).is_nan());
    }

    #[test]
    fn metres_matches_haversine_at_river_scale() {
        use geo::{Distance, Haversine, Point};
        let a = (120.0, 30.0);
        for b in [(120.001, 30.0), (120.0, 30.001), (120.05, 30.03)] {
            let h = Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
            let m = metres(a, b);
            assert!((m - h).abs() / h < 1e-3, "{m} vs {h}");
        }
    }

    #[test]
    fn history_is_downsampled_and_bounded() {
        let mut h = History::new(3, 30_000);
        for k in 0..20 {
            h.push(Fix {
                time_ms: k * 10_000,
                lon: 0.0,
                lat: 0.0,
                sog_kn: 0.0,
                cog_deg: 0.0,
            });
        }
        let t: Vec<i64> = h.fixes().map(|f| f.time_ms).collect();
        assert_eq!(t, [120_000, 150_000, 180_000]);
    }
}
