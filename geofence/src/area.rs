//! [`Areas`]: every zone polygon prepared for fast, exact point-in-polygon tests.
//!
//! The exact test is the crossing-number rule over every edge of every ring (holes and
//! multipolygon parts included). Edges are stored with their lower end first, so two zones
//! that share an edge evaluate it bit for bit alike: a point on the shared edge belongs to
//! exactly one of them.
//!
//! Hand-written because it is the engine's hot path. All areas' edges lie in one list,
//! zone after zone: a small area (a dock or wharf) is tested over its own edges, one run
//! of memory. A large one (a river stretch of hundreds of vertices) also has an [`Area`]
//! raster: cells that no edge touches (inside or outside) are answered without looking at
//! an edge; a cell an edge touches runs the exact test over the edges of its row only (the
//! only edges a horizontal ray from the point can cross), so the answer is always the
//! exact test's. `geo`'s `Contains` is the reference it is checked against (see the tests
//! and `bench/`), and was ~8x slower per lookup on dock polygons.

use geo::{BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;

/// Most cells per area: 64 x 64.
const MAX_SIDE: usize = 64;

/// Areas with at most this many edges get no raster. The grid's sub-cells already answer
/// every point but those within metres of an edge, and for those one pass over a few dozen
/// edges in one run of memory costs less than the raster's dependent reads (the area, its
/// cell, the cell's edges), each a cache miss once the index outgrows the caches.
/// Measured against per-area rasters for every area: 1 M lookups over 10 k zones as fast
/// or faster (0.125-0.161 s against 0.148-0.166 s), the index 56 -> 36 MB, loading 100 k
/// zones no slower.
const SMALL_EDGES: usize = 64;

const OUTSIDE: u8 = 0;
const INSIDE: u8 = 1;
/// An edge touches the cell; the crossings right of the cell are even / odd, or unknown
/// because an edge also touches the cell's right side (the ray goes on into the next).
const MIXED_EVEN: u8 = 2;
const MIXED_ODD: u8 = 3;
const MIXED: u8 = 4;

/// An edge (x0, y0) -> (x1, y1) with y0 <= y1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Edge {
    /// The edge between `a` and `b`, lower end first (by y, then x): the same edge
    /// whichever way a ring runs along it.
    pub(crate) fn new(a: Coord<f64>, b: Coord<f64>) -> Edge {
        let (a, b) = if (a.y, a.x) <= (b.y, b.x) {
            (a, b)
        } else {
            (b, a)
        };
        Edge {
            x0: a.x,
            y0: a.y,
            x1: b.x,
            y1: b.y,
        }
    }

    /// The lower end's y.
    #[inline(always)]
    pub(crate) fn y0(&self) -> f64 {
        self.y0
    }

    /// The upper end's y.
    #[inline(always)]
    pub(crate) fn y1(&self) -> f64 {
        self.y1
    }

    /// Whether a ray from (x, y) towards +x crosses this edge (the crossing-number rule:
    /// an edge counts when y is in [y0, y1) and the crossing lies right of x; a horizontal
    /// edge never does).
    #[inline(always)]
    fn crossed_by_ray(&self, x: f64, y: f64) -> bool {
        self.ray_at(y).is_some_and(|xi| x < xi)
    }

    /// Where a horizontal line at y crosses this edge under the crossing-number rule
    /// (y in [y0, y1); never for a horizontal edge): the one expression every test uses.
    #[inline(always)]
    pub(crate) fn ray_at(&self, y: f64) -> Option<f64> {
        (self.y0 <= y && y < self.y1)
            .then(|| self.x0 + (y - self.y0) * (self.x1 - self.x0) / (self.y1 - self.y0))
    }
}

/// A grid of `nx` x `ny` cells of `cw` x `ch` degrees from (min_x, min_y).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raster {
    pub min_x: f64,
    pub min_y: f64,
    pub cw: f64,
    pub ch: f64,
    pub nx: usize,
    pub ny: usize,
    /// Cells per degree: [`Raster::row`] and [`Raster::col`] multiply rather than
    /// divide, as they run for every cell an edge touches while the grid is built.
    sx: f64,
    sy: f64,
}

impl Raster {
    pub fn new(min_x: f64, min_y: f64, cw: f64, ch: f64, nx: usize, ny: usize) -> Raster {
        Raster {
            min_x,
            min_y,
            cw,
            ch,
            nx,
            ny,
            sx: 1.0 / cw.max(1e-300),
            sy: 1.0 / ch.max(1e-300),
        }
    }

    /// The row of y, clamped to the raster: monotone in y.
    #[inline]
    pub fn row(&self, y: f64) -> usize {
        // `v.max(0.0) as usize` is `v.floor().max(0.0) as usize` for every v (NaN too)
        // without a call to libm's floor, a tenth of loading 100 k zones.
        (((y - self.min_y) * self.sy).max(0.0) as usize).min(self.ny - 1)
    }

    /// The column of x, clamped to the raster: monotone in x.
    #[inline]
    pub fn col(&self, x: f64) -> usize {
        (((x - self.min_x) * self.sx).max(0.0) as usize).min(self.nx - 1)
    }

    /// Calls `f(row, first column, last column)` for every run of cells the edge may
    /// touch: every point of the edge lies in one of them, as [`Raster::row`] and
    /// [`Raster::col`] place it. Conservative: a margin guards against rounding, since a
    /// cell wrongly taken as untouched would cost correctness and one wrongly taken as
    /// touched only time.
    pub fn touched(&self, e: &Edge, mut f: impl FnMut(usize, usize, usize)) {
        let (cw, ch) = (self.cw, self.ch);
        let ex = cw * 1e-6 + 1e-12;
        let ey = ch * 1e-6 + 1e-12;
        let (max_x, max_y) = (
            self.min_x + self.nx as f64 * cw,
            self.min_y + self.ny as f64 * ch,
        );
        // Parts of the edge outside the grid touch nothing (no clamping onto its border).
        if e.y1 + ey < self.min_y || e.y0 - ey > max_y {
            return;
        }
        // Off by a few ulps from the division per point, which the margins cover.
        let slope = (e.x1 - e.x0) / (e.y1 - e.y0);
        let at = |y: f64| e.x0 + (y - e.y0) * slope;
        for r in self.row(e.y0 - ey)..=self.row(e.y1 + ey) {
            // The edge's x extent within this row (clamped to the edge's own y range).
            let ylo = (self.min_y + r as f64 * ch - ey).max(e.y0);
            let yhi = (self.min_y + (r + 1) as f64 * ch + ey).min(e.y1);
            let (xa, xb) = if e.y0 < e.y1 {
                (at(ylo), at(yhi))
            } else {
                (e.x0, e.x1)
            };
            let (lo, hi) = (xa.min(xb) - ex, xa.max(xb) + ex);
            if hi < self.min_x || lo > max_x {
                continue;
            }
            f(r, self.col(lo), self.col(hi));
        }
    }
}

/// A large area's raster over its bounding box, for lookups (see [`Areas`]).
#[derive(Debug, Clone)]
pub struct Area {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
    nx: usize,
    ny: usize,
    /// Cells per degree.
    sx: f64,
    sy: f64,
    /// Cell width in degrees: the cell boundaries are `min_x + k * cw`, built and queried
    /// with the same expression.
    cw: f64,
    /// One of OUTSIDE, INSIDE, MIXED_EVEN, MIXED_ODD, MIXED per cell, row-major.
    cells: Vec<u8>,
    /// Edges touching each cell: `cell_edges[cell_start[k]..cell_start[k + 1]]`.
    cell_start: Vec<u32>,
    cell_edges: Vec<Edge>,
}

impl Area {
    /// The raster of `mp`, whose edges are `edges` ([`edges_of`]; [`Areas`] keeps them).
    fn new(edges: &[Edge], mp: &MultiPolygon<f64>) -> Area {
        let Some(r) = mp.bounding_rect() else {
            return Area::empty();
        };
        let (w, h) = (r.width(), r.height());
        // About four cells per edge, shaped like the area (in metres, not degrees).
        let target = (4 * edges.len()).clamp(16, MAX_SIDE * MAX_SIDE) as f64;
        let aspect = (w * r.min().y.to_radians().cos().abs().max(0.01)) / h.max(1e-12);
        let nx = ((target * aspect).sqrt().round() as usize).clamp(1, MAX_SIDE);
        let ny = ((target / nx as f64).round() as usize).clamp(1, MAX_SIDE);
        let sx = if w > 0.0 { nx as f64 / w } else { 0.0 };
        let sy = if h > 0.0 { ny as f64 / h } else { 0.0 };
        let mut a = Area {
            min_x: r.min().x,
            min_y: r.min().y,
            max_x: r.max().x,
            max_y: r.max().y,
            nx,
            ny,
            sx,
            sy,
            cw: w / nx as f64,
            cells: vec![OUTSIDE; nx * ny],
            cell_start: Vec::new(),
            cell_edges: Vec::new(),
        };
        a.rasterize(edges);
        a
    }

    fn empty() -> Area {
        Area {
            min_x: 0.0,
            min_y: 0.0,
            max_x: -1.0,
            max_y: -1.0,
            nx: 0,
            ny: 0,
            sx: 0.0,
            sy: 0.0,
            cw: 0.0,
            cells: Vec::new(),
            cell_start: vec![0],
            cell_edges: Vec::new(),
        }
    }

    /// The right side of column k (the same expression at build and query time).
    #[inline(always)]
    fn x_right(&self, k: usize) -> f64 {
        self.min_x + (k + 1) as f64 * self.cw
    }

    fn rasterize(&mut self, edges: &[Edge]) {
        let (nx, ny) = (self.nx, self.ny);
        let g = Raster::new(
            self.min_x,
            self.min_y,
            self.cw,
            (self.max_y - self.min_y) / ny as f64,
            nx,
            ny,
        );
        let (cw, ch) = (g.cw, g.ch);
        // (cell, edge) pairs, then one flat list per cell; and which cells' right side an
        // edge touches (it touches both the cell and the next).
        let mut pairs: Vec<(u32, Edge)> = Vec::with_capacity(edges.len() * 3);
        let mut right_touched = vec![false; nx * ny];
        for e in edges {
            g.touched(e, |r, c0, c1| {
                for c in c0..=c1 {
                    if e.y0 < e.y1 {
                        pairs.push(((r * nx + c) as u32, *e));
                    }
                    if c < c1 {
                        right_touched[r * nx + c] = true;
                    }
                }
                self.cells[r * nx + c0..=r * nx + c1].fill(MIXED);
            });
        }
        pairs.sort_by_key(|p| p.0);
        self.cell_start = vec![0; nx * ny + 1];
        for &(k, _) in &pairs {
            self.cell_start[k as usize + 1] += 1;
        }
        for k in 0..nx * ny {
            self.cell_start[k + 1] += self.cell_start[k];
        }
        self.cell_edges = Vec::with_capacity(pairs.len());
        self.cell_edges.extend(pairs.iter().map(|p| p.1));
        // Per row, the crossings right of each column boundary at the row's middle: where no
        // edge touches a boundary inside the row, that parity holds for the whole row.
        let mut xs: Vec<f64> = Vec::new();
        for r in 0..ny {
            let y = self.min_y + (r as f64 + 0.5) * ch;
            xs.clear();
            xs.extend(edges.iter().filter_map(|e| e.ray_at(y)));
            xs.sort_by(f64::total_cmp);
            // Crossings right of x at this y: the crossing-number test itself, for every
            // x of the row at once.
            let right_of = |x: f64| xs.len() - xs.partition_point(|&xi| xi <= x);
            for c in 0..nx {
                let k = r * nx + c;
                let x_mid = self.min_x + (c as f64 + 0.5) * cw;
                self.cells[k] = match self.cells[k] {
                    MIXED if c + 1 < nx && !right_touched[k] => {
                        if right_of(self.x_right(c)) % 2 == 1 {
                            MIXED_ODD
                        } else {
                            MIXED_EVEN
                        }
                    }
                    MIXED => MIXED,
                    // Cells no edge touches take the exact answer at their centre.
                    _ if right_of(x_mid) % 2 == 1 => INSIDE,
                    _ => OUTSIDE,
                };
            }
        }
    }

    /// The exact test for a point in a cell an edge touches: crossings within this cell
    /// (and the next ones while an edge touches the boundary), then the known parity of the
    /// rest of the ray. Crossings are counted over disjoint x ranges of the ray, each with
    /// the crossing-number expression itself, so the sum is the exact test's.
    fn contains_mixed(&self, r: usize, c: usize, x: f64, y: f64) -> bool {
        let mut inside = false;
        let mut k = c;
        loop {
            let cell = r * self.nx + k;
            let last = k + 1 == self.nx;
            let xr = self.x_right(k);
            let xl = if k > c {
                self.x_right(k - 1)
            } else {
                f64::NEG_INFINITY
            };
            let (a, b) = (
                self.cell_start[cell] as usize,
                self.cell_start[cell + 1] as usize,
            );
            for e in &self.cell_edges[a..b] {
                if e.y0 <= y && y < e.y1 {
                    let xi = e.x0 + (y - e.y0) * (e.x1 - e.x0) / (e.y1 - e.y0);
                    inside ^= x < xi && xi > xl && (last || xi <= xr);
                }
            }
            match self.cells[cell] {
                MIXED_EVEN => return inside,
                MIXED_ODD => return !inside,
                _ if last => return inside,
                _ => {}
            }
            // An edge touches the right side, so it touches the next cell too: go on there.
            k += 1;
        }
    }

    /// Whether (x, y) = (lon, lat) is inside: the exact crossing-number test, fast.
    #[inline]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        if !(x >= self.min_x && x <= self.max_x && y >= self.min_y && y <= self.max_y) {
            return false;
        }
        let c = (((x - self.min_x) * self.sx) as usize).min(self.nx - 1);
        let r = (((y - self.min_y) * self.sy) as usize).min(self.ny - 1);
        match self.cells[r * self.nx + c] {
            INSIDE => true,
            OUTSIDE => false,
            _ => self.contains_mixed(r, c, x, y),
        }
    }

    /// (min_x, min_y, max_x, max_y); empty areas have min > max.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        (self.min_x, self.min_y, self.max_x, self.max_y)
    }

    /// Approximate heap size, for the memory figures the benches print.
    pub fn heap_bytes(&self) -> usize {
        self.cells.capacity()
            + self.cell_start.capacity() * 4
            + self.cell_edges.capacity() * std::mem::size_of::<Edge>()
    }
}

/// Every edge of every ring of `mp`, lower end first.
fn edges_of(mp: &MultiPolygon<f64>) -> Vec<Edge> {
    let mut edges = Vec::new();
    for p in &mp.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            edges.extend(ring.lines().map(|l| Edge::new(l.start, l.end)));
        }
    }
    edges
}

/// Where one zone's edges lie in [`Areas`], and its raster if it has one.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
    raster: u32,
}

impl Span {
    const NO_RASTER: u32 = u32::MAX;

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// One zone as prepared, before the list is assembled.
enum Prepared {
    None,
    Small(Vec<Edge>, (f64, f64, f64, f64)),
    Large(Area, Vec<Edge>),
}

/// Every zone's area prepared for lookups, by zone index (gates have none and hold no
/// point).
#[derive(Debug, Default)]
pub struct Areas {
    spans: Vec<Span>,
    /// Every area's edges, zone after zone, lower end first.
    edges: Vec<Edge>,
    /// (min_x, min_y, max_x, max_y) per zone; min > max for gates and empty areas.
    bounds: Vec<(f64, f64, f64, f64)>,
    /// The rasters of the areas with more than [`SMALL_EDGES`] edges.
    rasters: Vec<Area>,
}

impl Areas {
    /// Prepares each area (None: a gate) on all cores.
    pub fn new(shapes: &[Option<&MultiPolygon<f64>>]) -> Areas {
        const EMPTY: (f64, f64, f64, f64) = (0.0, 0.0, -1.0, -1.0);
        let prepared: Vec<Prepared> = shapes
            .par_iter()
            .map(|mp| {
                let Some(mp) = mp else {
                    return Prepared::None;
                };
                let edges = edges_of(mp);
                if edges.len() > SMALL_EDGES {
                    Prepared::Large(Area::new(&edges, mp), edges)
                } else {
                    let b = mp
                        .bounding_rect()
                        .map_or(EMPTY, |r| (r.min().x, r.min().y, r.max().x, r.max().y));
                    Prepared::Small(edges, b)
                }
            })
            .collect();
        let mut areas = Areas::default();
        for p in prepared {
            let start = areas.edges.len() as u32;
            let (edges, bounds, raster) = match p {
                Prepared::None => (&[][..], EMPTY, Span::NO_RASTER),
                Prepared::Small(ref e, b) => (&e[..], b, Span::NO_RASTER),
                Prepared::Large(a, ref e) => {
                    let b = a.bounds();
                    areas.rasters.push(a);
                    (&e[..], b, areas.rasters.len() as u32 - 1)
                }
            };
            areas.edges.extend_from_slice(edges);
            areas.spans.push(Span {
                start,
                len: edges.len() as u32,
                raster,
            });
            areas.bounds.push(bounds);
        }
        areas
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Zone `i`'s bounding box (min_x, min_y, max_x, max_y); None for gates and empty areas.
    pub fn bounds(&self, i: usize) -> Option<(f64, f64, f64, f64)> {
        Some(self.bounds[i]).filter(|b| b.0 <= b.2)
    }

    /// Zone `i`'s edges (horizontal ones included), lower end first.
    pub(crate) fn edges(&self, i: usize) -> &[Edge] {
        &self.edges[self.spans[i].range()]
    }

    /// Whether zone `i` holds (x, y) = (lon, lat): the exact test, fast. Outside a small
    /// area's bounding box its edges are crossed an even number of times (every ring is
    /// closed), so no box test is needed for exactness.
    #[inline]
    pub fn contains(&self, i: usize, x: f64, y: f64) -> bool {
        let s = self.spans[i];
        if s.raster != Span::NO_RASTER {
            return self.rasters[s.raster as usize].contains(x, y);
        }
        crossings(&self.edges[s.range()], x, y)
    }

    /// The exact test over every edge of zone `i`, without a raster (the reference).
    pub fn contains_exact(&self, i: usize, x: f64, y: f64) -> bool {
        crossings(self.edges(i), x, y)
    }

    /// Approximate heap size, for the memory figures the benches print.
    pub fn heap_bytes(&self) -> usize {
        self.spans.capacity() * std::mem::size_of::<Span>()
            + self.edges.capacity() * std::mem::size_of::<Edge>()
            + self.bounds.capacity() * std::mem::size_of::<(f64, f64, f64, f64)>()
            + self.rasters.iter().map(Area::heap_bytes).sum::<usize>()
    }
}

#[inline(always)]
fn crossings(edges: &[Edge], x: f64, y: f64) -> bool {
    let mut inside = false;
    for e in edges {
        inside ^= e.crossed_by_ray(x, y);
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Coord, LineString, Point, Polygon};
    use proptest::prelude::*;

    fn ring(pts: &[(f64, f64)]) -> LineString<f64> {
        let mut v: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
        v.push(v[0]);
        LineString::from(v)
    }

    /// A star-shaped polygon (concave) with an optional hole, around (cx, cy).
    fn star(cx: f64, cy: f64, n: usize, radii: &[f64], hole: bool) -> MultiPolygon<f64> {
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = radii[k % radii.len()];
                (cx + r * t.cos(), cy + r * t.sin())
            })
            .collect();
        let min_r = radii.iter().cloned().fold(f64::INFINITY, f64::min);
        let holes = if hole {
            let h = min_r * 0.4;
            vec![ring(&[
                (cx - h, cy - h),
                (cx - h, cy + h),
                (cx + h, cy + h),
                (cx + h, cy - h),
            ])]
        } else {
            vec![]
        };
        MultiPolygon(vec![Polygon::new(ring(&pts), holes)])
    }

    #[test]
    fn agrees_with_the_exact_test_and_with_geo_off_the_boundary() {
        let mp = star(120.0, 30.0, 48, &[0.010, 0.004, 0.008], true);
        let edges = edges_of(&mp);
        let a = Area::new(&edges, &mp);
        let mut n_in = 0;
        for i in 0..200 {
            for j in 0..200 {
                let x = 119.985 + i as f64 * 0.00015;
                let y = 29.985 + j as f64 * 0.00015;
                let fast = a.contains(x, y);
                assert_eq!(fast, crossings(&edges, x, y), "({x}, {y})");
                assert_eq!(fast, mp.contains(&Point::new(x, y)), "({x}, {y}) vs geo");
                n_in += usize::from(fast);
            }
        }
        assert!(n_in > 1000, "{n_in}");
    }

    proptest! {
        /// Small areas (edges only) and large ones (with a raster) side by side, a gate
        /// between them: every area answers as the exact test and as `geo`, and the gate
        /// holds nothing.
        #[test]
        fn areas_answer_as_the_exact_test(
            sizes in proptest::collection::vec(3usize..200, 1..6),
            hole in any::<bool>(),
            pts in proptest::collection::vec((-0.03f64..0.03, -0.03f64..0.03), 100),
        ) {
            let shapes: Vec<MultiPolygon<f64>> = sizes
                .iter()
                .enumerate()
                .map(|(k, &n)| star(10.0 + k as f64 * 0.01, 50.0, n, &[0.01, 0.006], hole))
                .collect();
            let mut refs: Vec<Option<&MultiPolygon<f64>>> = shapes.iter().map(Some).collect();
            refs.insert(1, None);
            let areas = Areas::new(&refs);
            prop_assert_eq!(areas.len(), refs.len());
            prop_assert!(areas.bounds(1).is_none());
            for (i, mp) in refs.iter().enumerate() {
                prop_assert_eq!(areas.bounds(i).is_some(), mp.is_some());
                for &(dx, dy) in &pts {
                    let (x, y) = (10.02 + dx, 50.0 + dy);
                    let fast = areas.contains(i, x, y);
                    prop_assert_eq!(fast, areas.contains_exact(i, x, y));
                    prop_assert_eq!(fast, mp.is_some_and(|mp| mp.contains(&Point::new(x, y))));
                }
                // On the boundary, where geo and the crossing-number rule may differ.
                for e in areas.edges(i) {
                    let (x, y) = ((e.x0 + e.x1) / 2.0, (e.y0 + e.y1) / 2.0);
                    prop_assert_eq!(areas.contains(i, x, y), areas.contains_exact(i, x, y));
                }
            }
        }

        #[test]
        fn raster_never_changes_the_answer(
            n in 3usize..64,
            radii in proptest::collection::vec(0.0005f64..0.02, 1..5),
            hole in any::<bool>(),
            pts in proptest::collection::vec((-0.03f64..0.03, -0.03f64..0.03), 200),
        ) {
            let mp = star(10.0, 50.0, n, &radii, hole);
            let edges = edges_of(&mp);
            let a = Area::new(&edges, &mp);
            for (dx, dy) in pts {
                prop_assert_eq!(a.contains(10.0 + dx, 50.0 + dy), crossings(&edges, 10.0 + dx, 50.0 + dy));
            }
            // Points on edges and on cell boundaries, where the cell logic matters most.
            for e in edges.iter().take(40) {
                for t in [0.25, 0.5, 0.9] {
                    let (x, y) = (e.x0 + t * (e.x1 - e.x0), e.y0 + t * (e.y1 - e.y0));
                    prop_assert_eq!(a.contains(x, y), crossings(&edges, x, y));
                }
            }
            for k in 0..a.nx {
                let x = a.x_right(k);
                for j in 0..20 {
                    let y = a.min_y + (a.max_y - a.min_y) * (j as f64 + 0.37) / 20.0;
                    prop_assert_eq!(a.contains(x, y), crossings(&edges, x, y));
                }
            }
            // Every vertex: on the boundary, where the raster matters most.
            for p in &mp.0 {
                for c in p.exterior().coords().chain(p.interiors().iter().flat_map(|r| r.coords())) {
                    prop_assert_eq!(a.contains(c.x, c.y), crossings(&edges, c.x, c.y));
                }
            }
        }
    }
}
