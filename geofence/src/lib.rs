//! Zones, the R-tree index, vessel tracks and zone events.
//!
//! Pure and event-time driven: it consumes `ais::Observation`s and emits events in
//! event-time order, so the same input always yields the same output.
//!
//! - [`zone`]: what `zones.geojson` holds, loaded with a per-feature error report.
//! - [`area`]: one polygon prepared for exact, fast point-in-polygon tests.
//! - [`grid`]: one raster over all areas, the first step of a point lookup.
//! - [`index`]: the R-tree over all zones; which zones hold a point, which gates a
//!   movement crosses.
//! - [`sector`]: camera fields of view as `camera_fov` zones.
//! - [`track`]: one vessel's state: last fix, stop, memberships, statics, history.
//! - [`event`]: enter, exit, dwell, stop, cross, gap and eviction events.
//! - [`fleet`]: every tracked vessel's state, by MMSI.
//! - [`engine`]: all vessels, advanced on event time, with the debouncing rules.
//! - [`registry`]: the vessel registry and the watchlist.
//! - [`rules`]: the detectors, zone events and tracks in, [`alert`]s out.

pub mod alert;
pub mod area;
pub mod engine;
pub mod event;
pub mod fleet;
pub mod grid;
pub mod index;
pub mod registry;
pub mod rules;
pub mod sector;
pub mod sim;
pub mod track;
pub mod zone;

/// Maps keyed by MMSI, on every report's path: foldhash is several times faster than
/// SipHash on a `u32` (measured: SipHash was 6 % of a replay) and still seeded per process.
pub type MmsiMap<V> = std::collections::HashMap<u32, V, foldhash::fast::RandomState>;
