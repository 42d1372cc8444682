//! [`Grid`]: one raster over every area zone, the first step of a point lookup.
//!
//! Each cell lists the zones that may hold its points, in zone order, each marked as
//! holding the whole cell (answered without touching the zone) or as crossing it (the
//! zone's own edges answer exactly, [`Areas::contains`]). A lookup costs a cell and, near
//! a zone edge, one area test.
//!
//! Hand-written because it is the hot path: with the R-tree as the first step, a lookup
//! over 10 k dock polygons ran at ~1.8 M/s, as fast as rstar + geo `Contains`, because
//! walking overlapping R-tree nodes costs several cache misses; the grid costs one or two.
//! The R-tree remains the index for gates and the reference the tests hold the grid to.

use rayon::prelude::*;

use crate::area::{Areas, Edge, Raster};
use crate::index::ZoneIdx;

/// Most cells in the grid (16 MiB of offsets).
const MAX_CELLS: usize = 4 << 20;
/// Each cell is split into SUB x SUB sub-cells, one bit each in an entry's masks.
const SUB: usize = 16;
/// 64-bit words per mask.
const WORDS: usize = SUB * SUB / 64;
// `zone_entries` builds a sub-row as one u16.
const _: () = assert!(SUB == 16);

/// A zone in a cell: which sub-cells it holds whole, and which its edge crosses (those
/// ask the zone's area). A zone holding the whole cell has `inside` all ones.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    inside: [u64; WORDS],
    mixed: [u64; WORDS],
    zone: ZoneIdx,
    /// The zone holds the whole cell (in the struct's padding).
    whole: bool,
}

/// Where a point falls in the grid: its cell and sub-cell, or [`Spot::OUTSIDE`] the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    cell: u32,
    sub: u16,
}

impl Spot {
    /// Every point outside the grid: no area holds any.
    pub const OUTSIDE: Spot = Spot {
        cell: u32::MAX,
        sub: 0,
    };
}

/// The key of a cached answer ([`Grid::lookup`]): a rectangle of sub-cells of one cell
/// (columns `c0..=c1`, rows `r0..=r1`), where every zone of the cell says the same of
/// every point. Against the point's sub-cell alone, measured on the streaming bench:
/// lookups per update 0.244 -> 0.227 over 1 k zones, 0.194 -> 0.163 over 100 k (whose
/// cells are larger), faster in 10 of 12 interleaved runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    cell: u32,
    c0: u8,
    c1: u8,
    r0: u8,
    r1: u8,
}

impl Key {
    /// Whether an answer keyed `self` holds at a point at `at`.
    #[inline]
    pub fn holds(self, at: Spot) -> bool {
        let (r, c) = ((at.sub as usize / SUB) as u8, (at.sub as usize % SUB) as u8);
        self.cell == at.cell && (self.c0..=self.c1).contains(&c) && (self.r0..=self.r1).contains(&r)
    }
}

/// Cells per zone: finer cells answer more points without an area test. The grid spans
/// the whole extent while docks line narrow river banks, so most cells are empty and the
/// cells near docks are still coarse next to them (a 275 m cell at 16 per zone for
/// 15-150 m docks). Measured on 10 k docks, 1 M points: 16 per zone 3.6 M lookups/s,
/// 64 4.8 M, 256 5.9 M (0.64 -> 0.17 area tests per lookup), for 18 MB more index and
/// ~0.3 s more to load 100 k zones (where MAX_CELLS caps it at 40).
const CELLS_PER_ZONE: usize = 256;

#[derive(Debug, Default)]
pub struct Grid {
    raster: Option<Raster>,
    /// cells per degree
    sx: f64,
    sy: f64,
    /// `entries[start[k]..start[k + 1]]` for cell k.
    start: Vec<u32>,
    entries: Vec<Entry>,
}

impl Grid {
    /// Builds over `areas` (gates are not gridded).
    pub fn new(areas: &Areas) -> Grid {
        let mut ext: Option<(f64, f64, f64, f64)> = None;
        let mut n = 0usize;
        for (x0, y0, x1, y1) in (0..areas.len()).filter_map(|i| areas.bounds(i)) {
            n += 1;
            ext = Some(match ext {
                None => (x0, y0, x1, y1),
                Some((a0, b0, a1, b1)) => (a0.min(x0), b0.min(y0), a1.max(x1), b1.max(y1)),
            });
        }
        let Some((x0, y0, x1, y1)) = ext else {
            return Grid::default();
        };
        let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let target = (CELLS_PER_ZONE * n).clamp(64, MAX_CELLS) as f64;
        let aspect = w * y0.to_radians().cos().abs().max(0.01) / h;
        let nx = ((target * aspect).sqrt().round() as usize).clamp(1, MAX_CELLS);
        let ny = ((target / nx as f64).round() as usize).clamp(1, MAX_CELLS / nx);
        let raster = Raster::new(x0, y0, w / nx as f64, h / ny as f64, nx, ny);
        // (cell, entry) pairs per zone, built on all cores, then in zone order.
        let per_zone: Vec<Vec<(u32, Entry)>> = (0..areas.len())
            .into_par_iter()
            .map(|z| match areas.bounds(z) {
                Some(b) => zone_entries(&raster, z as ZoneIdx, b, areas.edges(z)),
                None => Vec::new(),
            })
            .collect();
        let pairs = || per_zone.iter().flatten();
        // A counting sort by cell, zone by zone: linear, and it keeps zone order within a
        // cell.
        let mut start = vec![0u32; nx * ny + 1];
        for &(cell, _) in pairs() {
            start[cell as usize + 1] += 1;
        }
        for k in 0..nx * ny {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        let mut entries = vec![Entry::default(); start[nx * ny] as usize];
        for &(cell, e) in pairs() {
            entries[next[cell as usize] as usize] = e;
            next[cell as usize] += 1;
        }
        Grid {
            raster: Some(raster),
            sx: nx as f64 / w,
            sy: ny as f64 / h,
            start,
            entries,
        }
    }

    /// The cell and sub-cell of (x, y): arithmetic only, no memory of the grid's touched.
    #[inline]
    pub fn spot(&self, x: f64, y: f64) -> Spot {
        let Some(g) = &self.raster else {
            return Spot::OUTSIDE;
        };
        let fx = (x - g.min_x) * self.sx;
        let fy = (y - g.min_y) * self.sy;
        // NaN and points outside the extent fail these tests.
        if !(fx >= 0.0 && fy >= 0.0 && fx <= g.nx as f64 && fy <= g.ny as f64) {
            return Spot::OUTSIDE;
        }
        let (c, r) = ((fx as usize).min(g.nx - 1), (fy as usize).min(g.ny - 1));
        let sc = (((fx - c as f64) * SUB as f64) as usize).min(SUB - 1);
        let sr = (((fy - r as f64) * SUB as f64) as usize).min(SUB - 1);
        Spot {
            cell: (r * g.nx + c) as u32,
            sub: (sr * SUB + sc) as u16,
        }
    }

    /// Fetches the cell's offsets into cache (its entries follow from them).
    #[inline]
    pub fn prefetch(&self, x: f64, y: f64) {
        let s = self.spot(x, y);
        if s != Spot::OUTSIDE {
            crate::engine::prefetch(self.start.as_ptr().wrapping_add(s.cell as usize).cast());
        }
    }

    /// Fetches the cell's entries into cache (reading its offsets).
    #[inline]
    pub fn prefetch_entries(&self, x: f64, y: f64) {
        if let Some(e) = self.entries_at(self.spot(x, y)).first() {
            crate::engine::prefetch((e as *const Entry).cast());
        }
    }

    fn entries_at(&self, s: Spot) -> &[Entry] {
        if s == Spot::OUTSIDE {
            return &[];
        }
        let k = s.cell as usize;
        &self.entries[self.start[k] as usize..self.start[k + 1] as usize]
    }

    /// Candidates for (x, y): (zone, whether the zone must be asked) in zone order.
    #[inline]
    pub fn candidates(&self, x: f64, y: f64) -> impl Iterator<Item = (ZoneIdx, bool)> + '_ {
        self.candidates_at(self.spot(x, y))
    }

    #[inline]
    fn candidates_at(&self, s: Spot) -> impl Iterator<Item = (ZoneIdx, bool)> + '_ {
        let bit = s.sub as usize;
        let (word, bit) = (bit / 64, 1u64 << (bit % 64));
        self.entries_at(s).iter().filter_map(move |e| {
            if e.mixed[word] & bit != 0 {
                Some((e.zone, true))
            } else if e.inside[word] & bit != 0 {
                Some((e.zone, false))
            } else {
                None
            }
        })
    }

    /// Appends the zones holding (x, y) to `out` in zone order, `ask(zone)` answering those
    /// whose edge crosses the point's sub-cell; returns the key under which the answer holds
    /// for other points (see [`Key::holds`]): when no zone had to be asked, the largest
    /// rectangle of sub-cells around the point's, grown along its row and then by whole
    /// rows, where no zone's edge passes and each zone holds all or none (the whole cell
    /// when every zone there holds all of it); none when a zone had to be asked.
    #[inline]
    pub fn lookup(
        &self,
        x: f64,
        y: f64,
        out: &mut Vec<ZoneIdx>,
        mut ask: impl FnMut(ZoneIdx) -> bool,
    ) -> Option<Key> {
        let s = self.spot(x, y);
        let mut asked = false;
        for (zone, must_ask) in self.candidates_at(s) {
            asked |= must_ask;
            if !must_ask || ask(zone) {
                out.push(zone);
            }
        }
        if asked {
            return None;
        }
        let whole = Key {
            cell: s.cell,
            c0: 0,
            c1: SUB as u8 - 1,
            r0: 0,
            r1: SUB as u8 - 1,
        };
        let entries = self.entries_at(s);
        if entries.iter().all(|e| e.whole) {
            return Some(whole);
        }
        // Sub-cells where every zone says what it says of the point's, one bit each.
        let (word, bit) = (s.sub as usize / 64, s.sub as usize % 64);
        let mut same = [!0u64; WORDS];
        for e in entries {
            let holds = e.inside[word] >> bit & 1 != 0;
            for (w, same) in same.iter_mut().enumerate() {
                *same &= !e.mixed[w] & if holds { e.inside[w] } else { !e.inside[w] };
            }
        }
        let row = |r: usize| (same[r / 4] >> (r % 4 * SUB)) as u16;
        let (r, c) = (s.sub as usize / SUB, s.sub as usize % SUB);
        let (mut c0, mut c1) = (c, c);
        while c0 > 0 && row(r) >> (c0 - 1) & 1 != 0 {
            c0 -= 1;
        }
        while c1 + 1 < SUB && row(r) >> (c1 + 1) & 1 != 0 {
            c1 += 1;
        }
        let cols = (u16::MAX >> (SUB - 1 - (c1 - c0))) << c0;
        let (mut r0, mut r1) = (r, r);
        while r0 > 0 && row(r0 - 1) & cols == cols {
            r0 -= 1;
        }
        while r1 + 1 < SUB && row(r1 + 1) & cols == cols {
            r1 += 1;
        }
        Some(Key {
            c0: c0 as u8,
            c1: c1 as u8,
            r0: r0 as u8,
            r1: r1 as u8,
            ..whole
        })
    }

    pub fn heap_bytes(&self) -> usize {
        self.start.capacity() * 4 + self.entries.capacity() * std::mem::size_of::<Entry>()
    }
}

/// One zone's entries: every cell of its bounding box (and one around) that it holds
/// whole, or that an edge crosses (with sub-cell masks).
fn zone_entries(
    g: &Raster,
    z: ZoneIdx,
    (ax0, ay0, ax1, ay1): (f64, f64, f64, f64),
    edges: &[Edge],
) -> Vec<(u32, Entry)> {
    let (nx, ny) = (g.nx, g.ny);
    // One cell of margin: the zone's bounding box edge may fall on a cell border.
    let (c0, c1) = (g.col(ax0).saturating_sub(1), (g.col(ax1) + 1).min(nx - 1));
    let (r0, r1) = (g.row(ay0).saturating_sub(1), (g.row(ay1) + 1).min(ny - 1));
    let w = c1 - c0 + 1;
    // (local cell, edge) for every cell an edge touches.
    let mut touching: Vec<(u32, u32)> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        g.touched(e, |r, cs, ce| {
            if (r0..=r1).contains(&r) {
                for c in cs.max(c0)..=ce.min(c1) {
                    touching.push((((r - r0) * w + (c - c0)) as u32, i as u32));
                }
            }
        });
    }
    touching.sort_unstable();
    let mut out = Vec::new();
    let mut t = 0;
    // Each row is walked left to right keeping, per sub-row, the parity of the zone's
    // crossings left of the current cell. A point is inside when an odd number of
    // crossings lie at or left of it (a ring crosses a whole line an even number of times,
    // so this is the crossing-number rule read from the left); the walk starts left of the
    // zone, where there are none. No point test is needed: measured on 100 k zones, the
    // grid took ~0.9 s with one per run of sub-cells, millions in all.
    for r in r0..=r1 {
        let cy0 = g.min_y + r as f64 * g.ch;
        let sub_ch = g.ch / SUB as f64;
        let mut odd = [false; SUB];
        for c in c0..=c1 {
            let local = ((r - r0) * w + (c - c0)) as u32;
            let cell = (r * nx + c) as u32;
            let from = t;
            while t < touching.len() && touching[t].0 == local {
                t += 1;
            }
            if from == t {
                // No edge: one state for the whole cell, the same on every sub-row.
                if odd[SUB / 2] {
                    out.push((
                        cell,
                        Entry {
                            inside: [!0; WORDS],
                            mixed: [0; WORDS],
                            zone: z,
                            whole: true,
                        },
                    ));
                }
                continue;
            }
            let cx0 = g.min_x + c as f64 * g.cw;
            // The next cell's left side, by the same expression: each crossing falls in
            // exactly one cell of the row.
            let cx1 = g.min_x + (c + 1) as f64 * g.cw;
            let sub = Raster::new(cx0, cy0, g.cw / SUB as f64, sub_ch, SUB, SUB);
            let mut mixed = [0u64; WORDS];
            for &(_, i) in &touching[from..t] {
                sub.touched(&edges[i as usize], |sr, sc0, sc1| {
                    for sc in sc0..=sc1 {
                        let b = sr * SUB + sc;
                        mixed[b / 64] |= 1 << (b % 64);
                    }
                });
            }
            // Each sub-row's crossings in this cell, edge by edge over the sub-rows the
            // edge may span (an edge touching the row crosses it inside the cell only if it
            // touches the cell): the sub-cells each flips (every one whose centre lies at
            // or right of it), and whether their number is odd. Per edge rather than per
            // sub-row, as most edges span a few of the 16 sub-rows.
            let y_of = |sr: usize| cy0 + (sr as f64 + 0.5) * sub_ch;
            let centre = |sc: usize| cx0 + (sc as f64 + 0.5) * sub.cw;
            let mut flips = [0u16; SUB];
            let mut crossed = [false; SUB];
            for &(_, i) in &touching[from..t] {
                let e = &edges[i as usize];
                if e.y0() >= e.y1() {
                    continue;
                }
                // The sub-rows whose centre may lie in [y0, y1), one more each side against
                // rounding; `ray_at` decides.
                let first = ((e.y0() - cy0) / sub_ch - 1.5).max(0.0) as usize;
                let last = (((e.y1() - cy0) / sub_ch + 0.5).max(0.0) as usize).min(SUB - 1);
                for sr in first..=last {
                    let Some(xi) = e.ray_at(y_of(sr)).filter(|&xi| cx0 <= xi && xi < cx1) else {
                        continue;
                    };
                    crossed[sr] ^= true;
                    // The first sub-cell at or right of the crossing: estimated, then
                    // settled by the comparison itself, so rounding cannot move it.
                    let mut k = (((xi - cx0) / sub.cw - 0.5).max(0.0) as usize).min(SUB);
                    while k > 0 && xi <= centre(k - 1) {
                        k -= 1;
                    }
                    while k < SUB && xi > centre(k) {
                        k += 1;
                    }
                    if k < SUB {
                        flips[sr] ^= !0u16 << k;
                    }
                }
            }
            let mut inside = [0u64; WORDS];
            for (sr, odd) in odd.iter_mut().enumerate() {
                let row = if *odd { !flips[sr] } else { flips[sr] };
                *odd ^= crossed[sr];
                let shift = (sr % 4) * SUB;
                let mixed_row = (mixed[sr / 4] >> shift) as u16;
                inside[sr / 4] |= u64::from(row & !mixed_row) << shift;
            }
            if inside.iter().chain(&mixed).any(|&w| w != 0) {
                out.push((
                    cell,
                    Entry {
                        inside,
                        mixed,
                        zone: z,
                        whole: inside.iter().all(|&w| w == !0),
                    },
                ));
            }
        }
    }
    out
}
