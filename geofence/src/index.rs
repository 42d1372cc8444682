//! [`ZoneIndex`]: which zones hold a point, which gates a movement crosses.
//!
//! A point lookup starts at one [`Grid`] cell over all areas, which lists the zones that
//! hold the whole cell and those that cross it; a crossing zone answers exactly through
//! its own edges ([`crate::area::Areas`]). rstar R-trees index the gates (for
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
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::area::{Areas, Edge, Raster};
use crate::grid::Grid;
pub use crate::grid::{Key, Spot};
use crate::track::M_PER_DEG;
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
    /// Per zone: its prepared area (none for gates).
    areas: Areas,
    area_tree: RTree<Entry>,
    grid: Grid,
    gate_tree: RTree<GateEntry>,
    gate_cells: GateCells,
}

/// Which cells of a coarse raster any gate segment passes through: one bit each, small
/// enough to stay in cache. Nearly every movement meets no gate, and this answers that
/// from one bit where the R-tree walks three or four nodes, each a cache miss once 50 k
/// vessels' state streams through the cache (measured: ~120 ns of a ~700 ns update with
/// 100 k zones and 200 gates). Exact as a filter: a movement that crosses a gate shares a
/// point with it, and that point's cell is marked ([`Raster::touched`]) and lies in the
/// movement's cell range.
#[derive(Debug, Default)]
struct GateCells {
    raster: Option<Raster>,
    max_x: f64,
    max_y: f64,
    bits: Vec<u64>,
}

impl GateCells {
    /// At most 2^22 cells: 512 KiB of bits, of which a movement reads one or two words.
    /// With 2^18, 200 gates along 2 000 km of river got 475 m cells, and three times as
    /// many movements as with 250 m cells went on to the R-tree.
    const MAX_CELLS: usize = 1 << 22;
    /// Cells at least this wide (metres): a report's movement spans one or two.
    const MIN_CELL_M: f64 = 250.0;
    /// A movement spanning more cells than this goes straight to the R-tree.
    const MAX_SPAN: usize = 16;

    /// Over the gate segments.
    fn new(segments: &[Line<f64>]) -> GateCells {
        let ends = || segments.iter().flat_map(|l| [l.start, l.end]);
        let Some(first) = ends().next() else {
            return GateCells::default();
        };
        let (lo, hi) = ends().fold((first, first), |(lo, hi), p| {
            (
                Coord {
                    x: lo.x.min(p.x),
                    y: lo.y.min(p.y),
                },
                Coord {
                    x: hi.x.max(p.x),
                    y: hi.y.max(p.y),
                },
            )
        });
        let (w, h) = ((hi.x - lo.x).max(1e-9), (hi.y - lo.y).max(1e-9));
        // Metres per degree, to shape the cells square on the water.
        let (m_x, m_y) = (
            M_PER_DEG * lo.y.to_radians().cos().abs().max(0.01),
            M_PER_DEG,
        );
        let aspect = (w * m_x) / (h * m_y);
        let cells_of_min = (w * m_x) * (h * m_y) / (Self::MIN_CELL_M * Self::MIN_CELL_M);
        let target = cells_of_min.clamp(1.0, Self::MAX_CELLS as f64);
        let nx = ((target * aspect).sqrt().round() as usize).clamp(1, Self::MAX_CELLS);
        let ny = ((target / nx as f64).round() as usize).clamp(1, Self::MAX_CELLS / nx);
        let raster = Raster::new(lo.x, lo.y, w / nx as f64, h / ny as f64, nx, ny);
        let mut bits = vec![0u64; (nx * ny).div_ceil(64)];
        for l in segments {
            raster.touched(&Edge::new(l.start, l.end), |r, c0, c1| {
                for k in r * nx + c0..=r * nx + c1 {
                    bits[k / 64] |= 1 << (k % 64);
                }
            });
        }
        GateCells {
            raster: Some(raster),
            max_x: hi.x,
            max_y: hi.y,
            bits,
        }
    }

    /// False when no gate can meet the box (min, max); true when one may (or the box is
    /// too large or not a number to tell).
    #[inline]
    fn may_meet(&self, min: (f64, f64), max: (f64, f64)) -> bool {
        let Some(g) = &self.raster else {
            return false;
        };
        if !(min.0.is_finite() && min.1.is_finite() && max.0.is_finite() && max.1.is_finite()) {
            return true;
        }
        if max.0 < g.min_x || min.0 > self.max_x || max.1 < g.min_y || min.1 > self.max_y {
            return false;
        }
        let (c0, c1) = (g.col(min.0), g.col(max.0));
        let (r0, r1) = (g.row(min.1), g.row(max.1));
        if (c1 - c0 + 1) * (r1 - r0 + 1) > Self::MAX_SPAN {
            return true;
        }
        (r0..=r1).any(|r| {
            (r * g.nx + c0..=r * g.nx + c1).any(|k| self.bits[k / 64] & (1 << (k % 64)) != 0)
        })
    }
}

fn rect(min: Coord<f64>, max: Coord<f64>) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([min.x, min.y], [max.x, max.y])
}

impl ZoneIndex {
    pub fn new(zones: Vec<Zone>) -> ZoneIndex {
        let areas = Areas::new(
            &zones
                .iter()
                .map(|z| match &z.shape {
                    Shape::Area(mp) => Some(mp),
                    Shape::Gate(_) => None,
                })
                .collect::<Vec<_>>(),
        );
        let mut boxes = Vec::new();
        let mut segments = Vec::new();
        let mut lines = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            let i = i as ZoneIdx;
            match &z.shape {
                Shape::Area(_) => {
                    if let Some((x0, y0, x1, y1)) = areas.bounds(i as usize) {
                        boxes.push(Entry::new(Rectangle::from_corners([x0, y0], [x1, y1]), i));
                    }
                }
                Shape::Gate(line) => {
                    for (k, l) in line.lines().enumerate() {
                        lines.push(l);
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
            gate_cells: GateCells::new(&lines),
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
        self.lookup_keyed_into(lon, lat, out);
    }

    /// [`ZoneIndex::lookup_into`], returning the key under which the same answer holds at
    /// other points: any point whose [`ZoneIndex::spot`] the key [`Key::holds`] (none
    /// when a zone's edge passes so near that only the point itself is known).
    ///
    /// ```
    /// use geofence::index::ZoneIndex;
    /// use geofence::zone::load_geojson;
    ///
    /// // A dock 1 km across: its middle is far from any edge.
    /// let zones = load_geojson(r#"{"type":"FeatureCollection","features":[
    ///   {"type":"Feature","id":"dock","properties":{"kind":"dock"},"geometry":{"type":"Polygon",
    ///    "coordinates":[[[120.0,30.0],[120.01,30.0],[120.01,30.01],[120.0,30.01],[120.0,30.0]]]}}
    /// ]}"#).zones;
    /// let index = ZoneIndex::new(zones);
    /// let mut found = Vec::new();
    /// let key = index.lookup_keyed_into(120.005, 30.005, &mut found).unwrap();
    /// assert_eq!(found, [0]);
    /// // A point 5 m away is answered alike without asking the index again.
    /// assert!(key.holds(index.spot(120.00505, 30.005)));
    /// // One outside the dock is not.
    /// assert!(!key.holds(index.spot(120.02, 30.005)));
    /// ```
    #[inline]
    pub fn lookup_keyed_into(&self, lon: f64, lat: f64, out: &mut Vec<ZoneIdx>) -> Option<Key> {
        self.grid
            .lookup(lon, lat, out, |i| self.area_contains(i, lon, lat))
    }

    /// Fetches the grid cell of (lon, lat) into cache ahead of a lookup there.
    #[inline]
    pub fn prefetch(&self, lon: f64, lat: f64) {
        self.grid.prefetch(lon, lat);
    }

    /// Fetches the grid entries of (lon, lat) into cache (best after [`ZoneIndex::prefetch`]).
    #[inline]
    pub fn prefetch_entries(&self, lon: f64, lat: f64) {
        self.grid.prefetch_entries(lon, lat);
    }

    /// Where (lon, lat) falls in the index's grid: arithmetic only, to match against the
    /// key of an earlier answer.
    #[inline]
    pub fn spot(&self, lon: f64, lat: f64) -> Spot {
        self.grid.spot(lon, lat)
    }

    /// [`ZoneIndex::lookup_into`] without the R-tree or the rasters: every zone, the exact
    /// test. The oracle the engine's tests compare against.
    pub fn lookup_brute_into(&self, lon: f64, lat: f64, out: &mut Vec<ZoneIdx>) {
        for i in 0..self.areas.len() {
            if self.areas.contains_exact(i, lon, lat) {
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
        self.areas.contains(i as usize, lon, lat)
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
        let (min, max) = ((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1)));
        if !self.gate_cells.may_meet(min, max) {
            return out;
        }
        let env = AABB::from_corners([min.0, min.1], [max.0, max.1]);
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
        self.areas.heap_bytes() + self.grid.heap_bytes()
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::LineString;
    use proptest::prelude::*;

    fn gate(id: usize, pts: &[(f64, f64)]) -> Zone {
        Zone {
            id: format!("g{id}"),
            kind: crate::zone::ZoneKind::Checkpoint,
            name: None,
            shape: Shape::Gate(LineString::from(pts.to_vec())),
            license: None,
            speed_limit_kn: None,
        }
    }

    /// A star-shaped dock (concave), with a square hole when asked.
    fn dock(id: usize, c: (f64, f64), radii: &[f64], n: usize, hole: bool) -> Zone {
        use geo::{Coord, MultiPolygon, Polygon};
        let ring = |pts: Vec<(f64, f64)>| {
            let mut v: Vec<Coord<f64>> = pts.into_iter().map(|(x, y)| Coord { x, y }).collect();
            v.push(v[0]);
            LineString::from(v)
        };
        let outer = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = radii[k % radii.len()];
                (c.0 + r * t.cos(), c.1 + r * t.sin())
            })
            .collect();
        let h = radii.iter().cloned().fold(f64::INFINITY, f64::min) * 0.3;
        let holes = if hole {
            vec![ring(vec![
                (c.0 - h, c.1 - h),
                (c.0 - h, c.1 + h),
                (c.0 + h, c.1 + h),
                (c.0 + h, c.1 - h),
            ])]
        } else {
            vec![]
        };
        Zone {
            id: format!("d{id}"),
            kind: crate::zone::ZoneKind::Dock,
            name: None,
            shape: Shape::Area(MultiPolygon(vec![Polygon::new(ring(outer), holes)])),
            license: None,
            speed_limit_kn: None,
        }
    }

    /// A dock: its centre offset, radii, vertex count and whether it has a hole.
    type DockSpec = ((f64, f64), Vec<f64>, usize, bool);

    /// Up to 60 docks of 3-40 vertices, radii 20 m-1 km, within 5 x 2 km.
    fn dock_specs() -> impl Strategy<Value = Vec<DockSpec>> {
        proptest::collection::vec(
            (
                (0.0f64..0.05, 0.0f64..0.02),
                proptest::collection::vec(0.0002f64..0.01, 1..4),
                3usize..40,
                any::<bool>(),
            ),
            1..60,
        )
    }

    fn dock_index(docks: &[DockSpec]) -> ZoneIndex {
        ZoneIndex::new(
            docks
                .iter()
                .enumerate()
                .map(|(i, (c, radii, n, hole))| {
                    dock(i, (120.0 + c.0, 30.0 + c.1), radii, *n, *hole)
                })
                .collect(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The grid (its cells and sub-cells classified by the crossings along each row)
        /// and the prepared areas answer every point as the exact test over every zone.
        #[test]
        fn lookups_equal_the_exact_test_of_every_zone(
            docks in dock_specs(),
            points in proptest::collection::vec((-0.01f64..0.06, -0.01f64..0.03), 2000),
        ) {
            let index = dock_index(&docks);
            let (mut fast, mut exact) = (Vec::new(), Vec::new());
            let vertices = index.zones().iter().flat_map(|z| match &z.shape {
                Shape::Area(mp) => mp.0[0].exterior().coords().map(|c| (c.x, c.y)).collect(),
                Shape::Gate(_) => Vec::new(),
            }).collect::<Vec<_>>();
            for (x, y) in points.into_iter().map(|(x, y)| (120.0 + x, 30.0 + y)).chain(vertices) {
                fast.clear();
                exact.clear();
                index.lookup_into(x, y, &mut fast);
                index.lookup_brute_into(x, y, &mut exact);
                prop_assert_eq!(&fast, &exact, "at ({}, {})", x, y);
            }
        }

        /// Wherever a lookup's key holds, the exact test gives the same answer: points
        /// near a looked-up one, in its sub-cell, its cell and beyond.
        #[test]
        fn keys_hold_only_where_the_answer_does(
            docks in dock_specs(),
            points in proptest::collection::vec(
                ((-0.01f64..0.06, -0.01f64..0.03),
                 proptest::collection::vec((-0.002f64..0.002, -0.002f64..0.002), 8)), 300),
        ) {
            let index = dock_index(&docks);
            let (mut here, mut there) = (Vec::new(), Vec::new());
            let mut held = 0;
            for ((x, y), near) in points {
                let (x, y) = (120.0 + x, 30.0 + y);
                here.clear();
                let Some(key) = index.lookup_keyed_into(x, y, &mut here) else { continue };
                // Offsets from metres to the whole cell and past it.
                for (k, (dx, dy)) in near.into_iter().enumerate() {
                    let scale = [0.001, 0.01, 0.1, 1.0][k % 4];
                    let (qx, qy) = (x + dx * scale, y + dy * scale);
                    if key.holds(index.spot(qx, qy)) {
                        held += 1;
                        there.clear();
                        index.lookup_brute_into(qx, qy, &mut there);
                        prop_assert_eq!(&there, &here, "key from ({}, {}) at ({}, {})", x, y, qx, qy);
                    }
                }
            }
            prop_assert!(held > 0);
        }

        /// The gate cells only skip movements whose box meets no gate's box: crossings
        /// through them equal every segment tested, for short moves and long ones.
        #[test]
        fn gate_cells_never_hide_a_crossing(
            gates in proptest::collection::vec(
                proptest::collection::vec((120.0f64..120.2, 30.0f64..30.1), 2..4), 1..30),
            moves in proptest::collection::vec(
                ((120.0f64..120.2, 30.0f64..30.1), (-0.01f64..0.01, -0.01f64..0.01)), 300),
        ) {
            let index = ZoneIndex::new(
                gates.iter().enumerate().map(|(i, g)| gate(i, g)).collect(),
            );
            for (i, ((x, y), (dx, dy))) in moves.into_iter().enumerate() {
                // Every tenth move is long: it spans too many cells for the filter.
                let k = if i % 10 == 0 { 10.0 } else { 1.0 };
                let (a, b) = ((x, y), (x + dx * k, y + dy * k));
                prop_assert_eq!(index.crossings(a, b), index.crossings_brute(a, b));
            }
            // Movements that end exactly on a gate's vertex.
            for g in &gates {
                let b = g[0];
                let a = (b.0 - 0.0005, b.1 - 0.0003);
                prop_assert_eq!(index.crossings(a, b), index.crossings_brute(a, b));
                prop_assert_eq!(index.crossings(b, a), index.crossings_brute(b, a));
            }
            // Moves of metres across a segment, onto it and along it: the cells a gate
            // passes through must hold every point of it, not only its ends.
            for g in &gates {
                for w in g.windows(2) {
                    let (p, q) = (w[0], w[1]);
                    for t in [0.5, 0.1, 0.93] {
                        let on = (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1));
                        let (nx, ny) = ((p.1 - q.1) * 1e-3, (q.0 - p.0) * 1e-3);
                        for (a, b) in [
                            ((on.0 - nx, on.1 - ny), (on.0 + nx, on.1 + ny)),
                            ((on.0 + nx, on.1 + ny), on),
                            (on, (on.0 - nx, on.1 - ny)),
                            ((on.0 - nx * 1e-3, on.1), (on.0 + nx * 1e-3, on.1)),
                        ] {
                            prop_assert_eq!(index.crossings(a, b), index.crossings_brute(a, b));
                        }
                    }
                }
            }
        }
    }
}
