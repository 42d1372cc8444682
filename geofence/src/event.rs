//! Zone events: what the engine tells the detectors.

use crate::index::{Direction, ZoneIdx};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The vessel is inside `zone` (confirmed: see [`crate::engine::Config`]).
    Enter,
    /// The vessel has left `zone`.
    Exit,
    /// The vessel has been inside `zone` for this many minutes (once per visit per
    /// configured threshold).
    Dwell { minutes: u32 },
    /// The vessel has stopped; `position` is the stop's anchor (the centroid of its fixes).
    StopStart,
    /// The vessel has moved on from its stop.
    StopEnd,
    /// The vessel crossed the gate `zone`.
    Cross { direction: Direction },
    /// Nothing heard from the vessel for the configured gap; `time_ms` is its last report.
    GapStart,
    /// The vessel is heard again after a gap.
    GapEnd,
    /// Silent for the eviction time: its state is dropped.
    Evicted,
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Enter => "enter",
            EventKind::Exit => "exit",
            EventKind::Dwell { .. } => "dwell",
            EventKind::StopStart => "stop_start",
            EventKind::StopEnd => "stop_end",
            EventKind::Cross { .. } => "cross",
            EventKind::GapStart => "gap_start",
            EventKind::GapEnd => "gap_end",
            EventKind::Evicted => "evicted",
        }
    }
}

/// One event. `time_ms` is when the condition began (the first fix inside for an
/// enter, the first fix of a stop, the last report before a gap); `at_ms` is the event
/// time at which the engine could tell (the report that confirmed it). Events come out in
/// `at_ms` order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub mmsi: u32,
    pub kind: EventKind,
    pub zone: Option<ZoneIdx>,
    pub time_ms: i64,
    pub at_ms: i64,
    /// (lon, lat) where it happened, when that is known.
    pub position: Option<(f64, f64)>,
}
