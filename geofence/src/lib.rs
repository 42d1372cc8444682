//! Zones, the R-tree index, vessel tracks and the enforcement detectors.
//!
//! Pure and event-time driven: it consumes `Observation`s and emits alerts. Its
//! contents arrive with the geofence issues; the crate exists now so the workspace
//! has the shape `DESIGN.md` describes.
