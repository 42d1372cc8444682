//! [`ZoneIndex`]: which zones hold a point, which gates a movement crosses.
//!
//! A point lookup starts at one [`Grid`] cell over all areas, which lists the zones that
//! hold the whole cell and those that cross it; a crossing zone answers exactly through
//! its prepared raster ([`crate::area::Area`]). rstar R-trees index the gates (for
//! crossings) and the areas' bounding boxes (for box queries), and are the reference the
//! tests hold the grid to.
//!
//! The boundary rule is the crossing-number rule on edges stored lower end first: a point
//! on a zone's boundary is inside on its lower and left edges and outside on its upper and
//! right edges, so two zones that share an edge never both claim a point on it and never
//! both miss it:
//!
//! ```
//! use geofence::index::ZoneIndex;
//! use geofence::zone::load_geojson;
//!
//! // Two docks side by side, sharing the edge x = 120.001.
//! let zones = load_geojson(r#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","id":"west","properties":{"kind":"dock"},"geometry":{"type":"Polygon",
//!    "coordinates":[[[120.0,30.0],[120.001,30.0],[120.001,30.001],[120.0,30.001],[120.0,30.0]]]}},
//!   {"type":"Feature","id":"east","properties":{"kind":"dock"},"geometry":{"type":"Polygon",
//!    "coordinates":[[[120.001,30.0],[120.002,30.0],[120.002,30.001],[120.001,30.001],[120.001,30.0]]]}}
//! ]}"#).zones;
//! let index = ZoneIndex::new(zones);
//! let ids = |x, y| index.zones_at(x, y).map(|z| z.id.as_str()).collect::<Vec<_>>();
//! assert_eq!(ids(120.0005, 30.0005), ["west"]);
//! assert_eq!(ids(120.001, 30.0005), ["east"]);   // on the shared edge: exactly one
//! assert_eq!(ids(120.0, 30.0005), ["west"]);     // on a left edge: inside
//! assert_eq!(ids(120.002, 30.0005), [] as [&str; 0]); // on a right edge: outside
//! assert_eq!(ids(120.0005, 30.0), ["west"]);     // lower edge: inside
//! assert_eq!(ids(120.0005, 30.001), [] as [&str; 0]); // upper edge: outside
//! ```

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Line};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::area::Area;
use crate::grid::Grid;
use crate::zone::{Shape, Zone};

/// Index of a zone in its [`ZoneIndex`].
pub type ZoneIdx = u32;

type Entry = GeomWithData<Rectangle<[f64; 2]>, ZoneIdx>;
/// A gate segment: (zone, segment index).
type GateEntry = GeomWithData<Rectangle<[f64; 2]>, (ZoneIdx, u32)>;

/// Which way a movement crossed a gate, looking along the gate from its first point to
/// its last: from its left side to its right side, or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    LeftToRight,
    RightToLeft,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::LeftToRight => "left_to_right",
            Direction::RightToLeft => "right_to_left",
        }
    }
}

/// Zones prepared for lookups. Immutable: a new zone set builds a new index, which the
/// engine swaps in whole.
#[derive(Debug)]
pub struct ZoneIndex {
    zones: Vec<Zone>,
    /// Per zone: its prepared area (None for gates).
    areas: Vec<Option<Area>>,
    area_tree: RTree<Entry>,
    grid: Grid,
    gate_tree: RTree<GateEntry>,
}

fn rect(min: Coord<f64>, max: Coord<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([min.x, min.y], [max.x, max.y])
}

impl ZoneIndex {
    pub fn new(zones: Vec<Zone>) -> ZoneIndex {
        // Preparing areas is most of the cost and each is independent: all cores share it.
        let areas: Vec<Option<Area>> = zones
            .par_iter()
            .map(|z| match &z.shape {
                Shape::Area(mp) => Some(Area::new(mp)),
                Shape::Gate(_) => None,
            })
            .collect();
        let mut boxes = Vec::new();
        let mut segments = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            let i = i as ZoneIdx;
            match &z.shape {
                Shape::Area(mp) => {
                    if let Some(r) = mp.bounding_rect() {
                        boxes.push(Entry::new(rect(r.min(), r.max()), i));
                    }
                }
                Shape::Gate(line) => {
                    for (k, l) in line.lines().enumerate() {
                        let r = l.bounding_rect();
                        segments.push(GeomWithData::new(rect(r.min(), r.max()), (i, k as u32)));
                    }
                }
            }
        }
        ZoneIndex {
            grid: Grid::new(&areas),
            zones,
            areas,
            area_tree: RTree::bulk_load(boxes),
            gate_tree: RTree::bulk_load(segments),
        }
    }

    pub fn len(&self) -> usize {
        self.zones.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn zone(&self, i: ZoneIdx) -> &Zone {
        &self.zones[i as usize]
    }

    /// Renumbering from another zone order: given the ids in that order, maps an index in
    /// it to the index of the zone with the same id here, `None` when it is gone.
    pub fn renumbering<'a>(
        &'a self,
        old_ids: &'a [&str],
    ) -> impl Fn(ZoneIdx) -> Option<ZoneIdx> + 'a {
        let by_id: HashMap<&str, ZoneIdx> = self
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.id.as_str(), i as ZoneIdx))
            .collect();
        move |z| {
            old_ids
                .get(z as usize)
                .and_then(|id| by_id.get(id))
                .copied()
        }
    }

    /// Index of the zone with this id.
    pub fn find(&self, id: &str) -> Option<ZoneIdx> {
        self.zones
            .iter()
            .position(|z| z.id == id)
            .map(|i| i as ZoneIdx)
    }

    /// Every area zone holding (lon, lat), in zone order.
    #[inline]
    pub fn zone_indices_at(&self, lon: f64, lat: f64) -> impl Iterator<Item = ZoneIdx> + '_ {
        self.grid
            .candidates(lon, lat)
            .filter(move |&(i, ask)| !ask || self.area_contains(i, lon, lat))
            .map(|(i, _)| i)
    }

    /// [`ZoneIndex::zone_indices_at`] through the R-tree of bounding boxes instead of the
    /// grid, in zone order (a reference for tests and benches).
    pub fn zone_indices_at_rtree(&self, lon: f64, lat: f64) -> Vec<ZoneIdx> {
        let mut v: Vec<ZoneIdx> = self
            .area_tree
            .locate_all_at_point(&[lon, lat])
            .map(|e| e.data)
            .filter(|&i| self.area_contains(i, lon, lat))
            .collect();
        v.sort_unstable();
        v
    }

    /// Area zones whose bounding box meets the box (min lon, min lat, max lon, max lat).
    pub fn zones_in_box(&self, min: (f64, f64), max: (f64, f64)) -> Vec<ZoneIdx> {
        let env = AABB::from_corners([min.0, min.1], [max.0, max.1]);
        let mut v: Vec<ZoneIdx> = self
            .area_tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        v.sort_unstable();
        v
    }

    /// Every area zone holding (lon, lat).
    pub fn zones_at(&self, lon: f64, lat: f64) -> impl Iterator<Item = &Zone> + '_ {
        self.zone_indices_at(lon, lat).map(|i| self.zone(i))
    }

    /// Appends every area zone holding (lon, lat) to `out`, sorted by index.
    pub fn lookup_into(&self, lon: f64, lat: f64, out: &mut Vec<ZoneIdx>) {
        out.extend(self.zone_indices_at(lon, lat));
    }

    /// [`ZoneIndex::lookup_into`] without the R-tree or the rasters: every zone, the exact
    /// test. The oracle the engine's tests compare against.
    pub fn lookup_brute_into(&self, lon: f64, lat: f64, out: &mut Vec<ZoneIdx>) {
        for (i, a) in self.areas.iter().enumerate() {
            if a.as_ref().is_some_and(|a| a.contains_exact(lon, lat)) {
                out.push(i as ZoneIdx);
            }
        }
    }

    /// [`ZoneIndex::crossings`] without the R-tree: every segment of every gate.
    pub fn crossings_brute(&self, a: (f64, f64), b: (f64, f64)) -> Vec<(ZoneIdx, Direction)> {
        let mut out = Vec::new();
        if a == b {
            return out;
        }
        for (i, z) in self.zones.iter().enumerate() {
            if let Shape::Gate(line) = &z.shape
                && let Some(d) = line.lines().find_map(|g| crossing(g, a, b))
            {
                out.push((i as ZoneIdx, d));
            }
        }
        out
    }

    /// The exact test for one zone (false for gates).
    #[inline]
    pub fn area_contains(&self, i: ZoneIdx, lon: f64, lat: f64) -> bool {
        self.areas[i as usize]
            .as_ref()
            .is_some_and(|a| a.contains(lon, lat))
    }

    /// Gates the movement from `a` to `b` (lon, lat) crosses, each once, with the
    /// direction of its first crossed segment, sorted by zone index.
    ///
    /// A position exactly on a gate counts as on its right side, so a vessel that stops on
    /// the line and goes back crosses nothing, and one that goes on crosses once.
    ///
    /// ```
    /// use geofence::index::{Direction, ZoneIndex};
    /// use geofence::zone::load_geojson;
    ///
    /// // A gate drawn south to north: its left side is west.
    /// let zones = load_geojson(r#"{"type":"FeatureCollection","features":[
    ///   {"type":"Feature","id":"gate","properties":{"kind":"checkpoint"},
    ///    "geometry":{"type":"LineString","coordinates":[[120.0,30.0],[120.0,30.01]]}}]}"#).zones;
    /// let index = ZoneIndex::new(zones);
    /// let crossed = |a, b| index.crossings(a, b);
    /// assert_eq!(crossed((119.99, 30.005), (120.01, 30.005)), [(0, Direction::LeftToRight)]);
    /// assert_eq!(crossed((120.01, 30.005), (119.99, 30.005)), [(0, Direction::RightToLeft)]);
    /// assert_eq!(crossed((119.99, 30.02), (120.01, 30.02)), []); // past the gate's end
    /// assert_eq!(crossed((119.99, 30.005), (120.0, 30.005)), [(0, Direction::LeftToRight)]); // onto the line
    /// assert_eq!(crossed((120.0, 30.005), (120.01, 30.005)), []); // from the line on to the right
    /// ```
    pub fn crossings(&self, a: (f64, f64), b: (f64, f64)) -> Vec<(ZoneIdx, Direction)> {
        let mut out: Vec<(ZoneIdx, Direction)> = Vec::new();
        if a == b {
            return out;
        }
        let env = AABB::from_corners([a.0.min(b.0), a.1.min(b.1)], [a.0.max(b.0), a.1.max(b.1)]);
        let mut hits: Vec<(ZoneIdx, u32)> = self
            .gate_tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        hits.sort_unstable();
        for (zi, seg) in hits {
            if out.last().is_some_and(|&(z, _)| z == zi) {
                continue;
            }
            let Shape::Gate(line) = &self.zones[zi as usize].shape else {
                continue;
            };
            let Some(g) = line.lines().nth(seg as usize) else {
                continue;
            };
            if let Some(d) = crossing(g, a, b) {
                out.push((zi, d));
            }
        }
        out
    }

    /// Approximate heap bytes held by the prepared areas and the grid.
    pub fn heap_bytes(&self) -> usize {
        self.areas
            .iter()
            .flatten()
            .map(Area::heap_bytes)
            .sum::<usize>()
            + self.areas.capacity() * std::mem::size_of::<Option<Area>>()
            + self.grid.heap_bytes()
    }
}

/// Which side of gate segment `g` a point is on: true = left (strictly), false = right or on it.
fn left_of(g: Line<f64>, p: (f64, f64)) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    RobustKernel::orient2d(g.start, g.end, Coord { x: p.0, y: p.1 })
        == Orientation::CounterClockwise
}

/// The direction in which the movement a -> b crosses gate segment `g`, if it does.
fn crossing(g: Line<f64>, a: (f64, f64), b: (f64, f64)) -> Option<Direction> {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let (la, lb) = (left_of(g, a), left_of(g, b));
    if la == lb {
        return None;
    }
    // The movement changes side; it crosses the segment if the segment's ends are not both
    // strictly on one side of the movement's line.
    let m = Line::new(Coord { x: a.0, y: a.1 }, Coord { x: b.0, y: b.1 });
    let s = RobustKernel::orient2d(m.start, m.end, g.start);
    let e = RobustKernel::orient2d(m.start, m.end, g.end);
    let apart = (s == Orientation::CounterClockwise && e == Orientation::CounterClockwise)
        || (s == Orientation::Clockwise && e == Orientation::Clockwise);
    if apart {
        return None;
    }
    Some(if la {
        Direction::LeftToRight
    } else {
        Direction::RightToLeft
    })
}
