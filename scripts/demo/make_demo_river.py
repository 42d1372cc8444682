#!/usr/bin/env python3
"""Writes the demo river into data/demo/ (DESIGN.md "Inputs"): zones.geojson, registry.csv,
watchlist.csv, cameras.json and README.md. tower-feed.nmea is not touched.

The river is synthetic but plausible: a ~27 km winding canal on the Hangzhou-Jiaxing plain
from near Tangqi (120.20 E, 30.42 N) to near Chongfu (120.42 E, 30.55 N), 73-117 m wide,
with a 4.2 km tributary joining from the north. Names are illustrative, nothing is surveyed.

Usage: python3 scripts/demo/make_demo_river.py [OUTDIR]      (default: data/demo)

Deterministic: a fixed seed, no network, no clock; re-running it rewrites the same bytes.
The geometry is computed with the standard library only, so the output does not depend on
the GEOS version; shapely (2.x) is used only afterwards, to validate what was written.
"""
import csv
import io
import json
import math
import os
import random
import sys

SEED = 20261120
rng = random.Random(SEED)

# --- frame ------------------------------------------------------------------------------
# Local metres on an equirectangular projection. The scale is the one geofence::track
# uses, and the reference latitude is mid-river, so distances checked here agree with the
# engine's to well under a metre.
START = (120.20, 30.42)   # the Tangqi (south-west) end of the stretch
END = (120.42, 30.55)     # the Chongfu (north-east) end
M_LAT = 6_371_000 * math.pi / 180
M_LON = M_LAT * math.cos(math.radians((START[1] + END[1]) / 2))


def lonlat(p):
    x, y = p
    return [round(START[0] + x / M_LON, 7), round(START[1] + y / M_LAT, 7)]


def metres(ll):
    return ((ll[0] - START[0]) * M_LON, (ll[1] - START[1]) * M_LAT)


# --- the channels ---------------------------------------------------------------------
class Channel:
    """A centreline as a function of the distance s along it, with a width.

    The heading is a sum of slow sines (gentle meanders, never tighter than ~560 m radius,
    so offset curves 200 m out still never fold back on themselves). It is integrated every
    5 m; positions and headings in between are interpolated, so zones can start and end at
    any s, not only on the sample grid.
    """

    STEP = 5.0

    def __init__(self, origin, heading, wiggles, width, length=None, aim=None):
        self.width = width
        xs, ys, hs = [origin[0]], [origin[1]], []
        k = 0
        while True:
            s = k * self.STEP
            h = heading + sum(a * math.sin(2 * math.pi * s / p + ph) for a, p, ph in wiggles)
            hs.append(h)
            if length is not None and s >= length:
                break
            if aim is not None and math.hypot(xs[-1] - origin[0], ys[-1] - origin[1]) >= math.hypot(
                    aim[0] - origin[0], aim[1] - origin[1]):
                break
            xs.append(xs[-1] + self.STEP * math.cos(h))
            ys.append(ys[-1] + self.STEP * math.sin(h))
            k += 1
        if aim is not None:
            # Integrated until it is as far from the origin as the aim; turn the whole
            # river about the origin so that its end lands on the aim.
            want = math.atan2(aim[1] - origin[1], aim[0] - origin[0])
            got = math.atan2(ys[-1] - origin[1], xs[-1] - origin[0])
            turn = want - got
            cos_t, sin_t = math.cos(turn), math.sin(turn)
            for i in range(len(xs)):
                dx, dy = xs[i] - origin[0], ys[i] - origin[1]
                xs[i], ys[i] = origin[0] + cos_t * dx - sin_t * dy, origin[1] + sin_t * dx + cos_t * dy
            hs = [h + turn for h in hs]
        self.xs, self.ys, self.hs = xs, ys, hs
        self.length = (len(xs) - 1) * self.STEP

    def _interp(self, s):
        s = min(max(s, 0.0), self.length)
        k = min(int(s / self.STEP), len(self.xs) - 2)
        f = s / self.STEP - k
        x = self.xs[k] + f * (self.xs[k + 1] - self.xs[k])
        y = self.ys[k] + f * (self.ys[k + 1] - self.ys[k])
        h = self.hs[k] + f * (self.hs[k + 1] - self.hs[k])
        return x, y, h

    def heading(self, s):
        return self._interp(s)[2]

    def at(self, s, offset=0.0, along=0.0):
        """The point `offset` m left (negative: right) of the centreline at s, then `along`
        m further down the local tangent."""
        x, y, h = self._interp(s)
        return (x - math.sin(h) * offset + math.cos(h) * along,
                y + math.cos(h) * offset + math.sin(h) * along)

    def half(self, s):
        return self.width(s) / 2

    def stations(self, s0, s1, step):
        n = max(1, math.ceil((s1 - s0) / step))
        return [s0 + (s1 - s0) * i / n for i in range(n + 1)]

    def band(self, s0, s1, lo, hi, step=25.0):
        """The ring between two offset curves (lo right of hi), following the bends."""
        ss = self.stations(s0, s1, step)
        return [self.at(s, lo(s)) for s in ss] + [self.at(s, hi(s)) for s in reversed(ss)]

    def water(self, s0, s1, beyond=0.0, step=25.0):
        """The channel between s0 and s1, full width, plus `beyond` m of each bank."""
        return self.band(s0, s1, lambda s: -self.half(s) - beyond, lambda s: self.half(s) + beyond, step)


def main_width(s):
    # 73-117 m: the canal widens and narrows over ~5 km.
    return 95 + 22 * math.sin(2 * math.pi * s / 5300 + 0.6)


MAIN = Channel((0.0, 0.0), 0.0, [(0.35, 4100, 0.0), (0.18, 1700, 1.0), (0.08, 900, 2.2)],
               main_width, aim=metres(END))
L = MAIN.length
S_JUNCTION = 11_800.0
BRANCH_HALF = 30.0
# The tributary leaves the left (north-west) bank at ~72 degrees and wanders north.
BRANCH = Channel(MAIN.at(S_JUNCTION), MAIN.heading(S_JUNCTION) + 1.25, [(0.25, 2600, 0.5)],
                 lambda s: 2 * BRANCH_HALF, length=4_200.0)
assert 26_000 < L < 28_500, L   # the layout below is planned for this length


# --- small geometry helpers -------------------------------------------------------------
def signed_area(ring):
    return 0.5 * sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
                     for i in range(-1, len(ring) - 1))


def oriented(ring, ccw=True):
    """An open ring turned the requested way (GeoJSON / RFC 7946: exterior CCW, holes CW)."""
    ring = list(ring)
    if (signed_area(ring) > 0) != ccw:
        ring.reverse()
    return ring


def closed_geo(ring):
    pts = [lonlat(p) for p in ring]
    return pts + [pts[0]]


def polygon(exterior, holes=()):
    return {"type": "Polygon",
            "coordinates": [closed_geo(oriented(exterior))] + [closed_geo(oriented(h, ccw=False)) for h in holes]}


def segment_hit(p, q, a, b):
    """Where segments pq and ab cross (as the fraction along pq), or None."""
    d = (q[0] - p[0]) * (b[1] - a[1]) - (q[1] - p[1]) * (b[0] - a[0])
    if d == 0:
        return None
    t = ((a[0] - p[0]) * (b[1] - a[1]) - (a[1] - p[1]) * (b[0] - a[0])) / d
    u = ((a[0] - p[0]) * (q[1] - p[1]) - (a[1] - p[1]) * (q[0] - p[0])) / d
    return t if 0 <= t <= 1 and 0 <= u <= 1 else None


def first_crossing(line, other):
    """The first point where polyline `line` crosses polyline `other`: (i, j, point), the
    segment indices in each."""
    for i in range(len(line) - 1):
        for j in range(len(other) - 1):
            t = segment_hit(line[i], line[i + 1], other[j], other[j + 1])
            if t is not None:
                p = (line[i][0] + t * (line[i + 1][0] - line[i][0]),
                     line[i][1] + t * (line[i + 1][1] - line[i][1]))
                return i, j, p
    raise AssertionError("the branch outline never meets the main outline")


# --- zones ------------------------------------------------------------------------------
features = []


def add(fid, kind, name, geometry, **extra):
    props = {"kind": kind, "name": name}
    props.update(extra)
    features.append({"type": "Feature", "id": fid, "properties": props, "geometry": geometry})


# Where each zone sits along the main channel, so docks can be kept clear of them:
# (s0, s1, bank) with bank +1 left, -1 right, 0 both.
occupied = []

# The jurisdiction: the water plus 150 m of bank, main channel and tributary as one ring.
# Walking the main channel's right edge up, its left edge back down, and detouring round
# the tributary where its outline meets the main one, keeps the ring simple without a
# polygon union (which would tie the output to a GEOS version).
BANK = 150.0
ss = MAIN.stations(0, L, 25.0)
right = [MAIN.at(s, -MAIN.half(s) - BANK) for s in ss]
left_down = [MAIN.at(s, MAIN.half(s) + BANK) for s in reversed(ss)]
ts = BRANCH.stations(0, BRANCH.length, 25.0)
b_right = [BRANCH.at(t, -BRANCH_HALF - BANK) for t in ts]
b_left = [BRANCH.at(t, BRANCH_HALF + BANK) for t in ts]
# The branch turns left off the main channel, so walking the main left edge downstream to
# upstream, its right (downstream-facing) outline comes first.
ib, jm, p_in = first_crossing(b_right, left_down)
ib2, jm2, p_out = first_crossing(b_left, left_down)
assert jm < jm2, "the tributary outline meets the main outline in an unexpected order"
monitored = (right + left_down[:jm + 1] + [p_in] + b_right[ib + 1:] + list(reversed(b_left[ib2 + 1:]))
             + [p_out] + left_down[jm2 + 1:])
add("area-canal", "monitored_area", "Tangqi-Chongfu canal enforcement area", polygon(monitored))
occupied.append((S_JUNCTION - BRANCH_HALF - 250, S_JUNCTION + BRANCH_HALF + 250, 1))  # the branch mouth

# No-berthing zones: the full channel width (and 5 m of bank, where a boat would tie up)
# either side of each bridge.
BRIDGES = [(3_200, 240, "Gongchen"), (9_500, 200, "Chongxian"), (15_900, 180, "Yunhe"), (24_300, 280, "Chongfu")]
for k, (s, length, bridge) in enumerate(BRIDGES):
    add(f"nb-bridge-{k + 1:02d}", "no_berthing", f"{bridge} Bridge no-berthing zone",
        polygon(MAIN.water(s - length / 2, s + length / 2, beyond=5.0, step=20.0)))
    occupied.append((s - length / 2 - 150, s + length / 2 + 150, 0))

# Water-source protection area: the channel and 100 m of each bank by the waterworks
# intake, with the pumping station's pontoon (on the right bank) cut out.
PROT = (18_300, 19_800)
S_PONTOON = 18_950
pontoon = [MAIN.at(S_PONTOON, -MAIN.half(S_PONTOON) + dy, dx) for dx, dy in
           [(-20, 18), (20, 18), (20, -6), (-20, -6)]]
add("prot-waterworks", "protected", "Yunhe Waterworks water-source protection area",
    polygon(MAIN.water(PROT[0], PROT[1], beyond=100.0), holes=[pontoon]))
occupied.append((PROT[0] - 150, PROT[1] + 150, 0))

# Speed limits: the channel polygon over 1.8-2.4 km, away from the bridges.
SPEED = [("speed-tangqi", 700, 2_500, 8, "Tangqi town reach speed limit"),
         ("speed-branch-mouth", 10_900, 12_700, 5, "Branch mouth reach speed limit"),
         ("speed-waterworks", 17_900, 20_300, 6, "Waterworks reach speed limit")]
for fid, s0, s1, limit, name in SPEED:
    add(fid, "speed_limit", name, polygon(MAIN.water(s0, s1)), speed_limit_kn=limit)


def widest_near(s, reach=1_000):
    """The widest point of the main channel within `reach` m of s."""
    return max(MAIN.stations(s - reach, s + reach, 50.0), key=lambda x: (MAIN.width(x), -abs(x - s)))


# Anchorages: a strip along one side of the widest reaches, leaving the fairway clear.
for k, (s, bank, name) in enumerate([(6_100, -1, "Chongxian anchorage"), (16_800, 1, "Yunhe anchorage"),
                                     (22_000, -1, "Chongfu anchorage")]):
    s = widest_near(s)
    # From 6 m off the bank (clear of moored boats) to 40 m off it.
    if bank > 0:
        lo, hi = (lambda x: MAIN.half(x) - 40), (lambda x: MAIN.half(x) - 6)
    else:
        lo, hi = (lambda x: -MAIN.half(x) + 6), (lambda x: -MAIN.half(x) + 40)
    add(f"anch-{k + 1:02d}", "anchorage", name, polygon(MAIN.band(s - 180, s + 180, lo, hi, step=20.0)))
    occupied.append((s - 180 - 100, s + 180 + 100, 0))


def bank_zone(ch, s0, s1, bank, profile, into_water):
    """A polygon on one bank from `into_water` m out on the water to a land outline:
    profile is [(fraction along, depth inland)], walked from s0 to s1."""
    half = ch.half
    water_edge = [ch.at(s, bank * (half(s) - into_water)) for s in (s0, (s0 + s1) / 2, s1)]
    land = [ch.at(s0 + f * (s1 - s0), bank * (half(s0 + f * (s1 - s0)) + d)) for f, d in profile]
    return water_edge + list(reversed(land))


# Construction wharves where spoil is loaded: two on the main channel, one up the tributary.
LOADING = [("load-01", MAIN, 1_900, 160, 1, "Tangqi metro works spoil wharf"),
           ("load-02", BRANCH, 2_700, 120, -1, "Shiqiao land reclamation works spoil wharf"),
           ("load-03", MAIN, 23_000, 190, 1, "Chongfu interchange works spoil wharf")]
for fid, ch, s, length, bank, name in LOADING:
    ring = bank_zone(ch, s, s + length, bank, [(0.0, 55), (0.35, 62), (0.7, 60), (1.0, 52)], 18)
    add(fid, "muck_loading", name, polygon(ring))
    if ch is MAIN:
        occupied.append((s - 150, s + length + 150, bank))

# Approved spoil disposal: a reclamation pit behind the right bank and a side basin.
DUMPS = [("dump-01", 7_600, 230, -1, "Chongxian reclamation pit (approved spoil disposal)",
          [(0.0, 20), (0.1, 95), (0.45, 120), (0.9, 110), (1.0, 30)]),
         ("dump-02", 21_000, 210, -1, "Chongfu disposal basin (approved spoil disposal)",
          [(0.0, 15), (0.2, 70), (0.5, 125), (0.8, 70), (1.0, 15)])]
for fid, s, length, bank, name, profile in DUMPS:
    add(fid, "approved_dump", name, polygon(bank_zone(MAIN, s, s + length, bank, profile, 15)))
    occupied.append((s - 150, s + length + 150, bank))

# Smart checkpoints: gates straight across, 20 m beyond each bank.
CHECKPOINTS = [("cp-01", MAIN, 450, "Checkpoint South"), ("cp-02", BRANCH, 600, "Checkpoint Branch"),
               ("cp-03", MAIN, 13_900, "Checkpoint Central"), ("cp-04", MAIN, L - 450, "Checkpoint North")]
for fid, ch, s, name in CHECKPOINTS:
    a, b = ch.at(s, -ch.half(s) - 20), ch.at(s, ch.half(s) + 20)
    add(fid, "checkpoint", name, {"type": "LineString", "coordinates": [lonlat(a), lonlat(b)]})
    if ch is MAIN:
        occupied.append((s - 60, s + 60, 0))

# Docks: 12 per bank along the main channel, clear of every zone above, of three sorts.
PLACES = [(5_000, "Tangqi"), (10_000, "Chongxian"), (15_000, "Shiqiao"), (20_000, "Yunhe"), (L + 1, "Chongfu")]
GOODS = ["Gravel", "Sand", "Cement", "Coal", "Timber", "Grain", "Steel", "Stone", "Brick",
         "Fertiliser", "Container", "Rice"]
rng.shuffle(GOODS)


def free(s0, s1, bank):
    return all(not (a <= s1 and s0 <= b) or (side != 0 and side != bank) for a, b, side in occupied)


candidates = []
for bank, first in ((1, 350.0), (-1, 800.0)):
    s, found = first, []
    while s < L - 400:
        length = float(rng.randint(40, 150))
        if not free(s, s + length, bank):
            s += 100
            continue
        found.append((s, length, bank))
        s += length + rng.uniform(650, 1_100)
    assert len(found) >= 12, (bank, len(found))
    # Twelve per bank, spread over the whole river.
    candidates += [found[round(i * (len(found) - 1) / 11)] for i in range(12)]
candidates.sort()

sorts = ["lic"] * 12 + ["unlic"] * 6 + ["expired"] * 6
rng.shuffle(sorts)
EXPIRED_UNTIL = ["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-01-31", "2026-03-31"]
numbered = {"lic": 0, "unlic": 0, "expired": 0}
docks = []   # (id, sort, name, s0, s1, bank)
for k, ((s, length, bank), sort) in enumerate(zip(candidates, sorts)):
    numbered[sort] += 1
    n = numbered[sort]
    fid = f"dock-{sort}-{n:02d}"
    place = next(p for limit, p in PLACES if s < limit)
    name = f"{place} {GOODS[k % len(GOODS)]} Wharf"
    # 20-50 m deep in all, 12-18 m of it over the water so a vessel lying alongside is in.
    into = float(rng.randint(12, 18))
    inland = float(rng.randint(25, 50)) - into
    if rng.random() < 0.4:
        # A straight rectangular quay along the local bank direction.
        mid = s + length / 2
        ring = [MAIN.at(mid, bank * (MAIN.half(mid) + dy), dx) for dx, dy in
                [(-length / 2, -into), (length / 2, -into), (length / 2, inland), (-length / 2, inland)]]
    else:
        # A quay following the bank, with a slightly irregular land side (6-12 vertices).
        per_side = rng.randint(3, 6)
        ss = MAIN.stations(s, s + length, length / (per_side - 1))
        ring = ([MAIN.at(x, bank * (MAIN.half(x) - into)) for x in ss]
                + [MAIN.at(x, bank * (MAIN.half(x) + inland + rng.uniform(-3, 3))) for x in reversed(ss)])
    extra = {}
    if sort == "lic":
        extra["license"] = {"number": f"ZJ-HZ-2026-{n:03d}", "valid_from": "2025-01-01",
                            "valid_until": "2027-12-31"}
    elif sort == "expired":
        extra["license"] = {"number": f"ZJ-HZ-2023-{n:03d}", "valid_from": "2023-01-01",
                            "valid_until": EXPIRED_UNTIL[n - 1]}
    docks.append((fid, sort, name, s, s + length, bank))
    add(fid, "dock", name, polygon(ring), **extra)

# Order the file by kind then id, so a reader finds things and diffs stay local.
KIND_ORDER = ["monitored_area", "dock", "muck_loading", "approved_dump", "anchorage", "no_berthing",
              "protected", "speed_limit", "checkpoint"]
features.sort(key=lambda f: (KIND_ORDER.index(f["properties"]["kind"]), f["id"]))
zones_text = ('{\n "type": "FeatureCollection",\n "features": [\n'
              + ",\n".join("  " + json.dumps(f) for f in features) + "\n ]\n}\n")

# --- cameras ----------------------------------------------------------------------------
cameras = []
camera_targets = {}   # id -> the point (metres) its sector must hold


def camera(cid, name, at, target, height, fov, rng_m, polled):
    """A tower camera at `at` aimed at `target` (both in metres)."""
    bearing = math.degrees(math.atan2(target[0] - at[0], target[1] - at[1])) % 360   # from north, clockwise
    lon, lat = lonlat(at)
    cam = {"id": cid, "name": name, "lon": lon, "lat": lat, "height_m": height,
           "bearing_deg": round(bearing, 1), "fov_deg": fov, "range_m": rng_m}
    # Polled cameras are asked for a snapshot when an alert opens in view; the others push.
    if polled:
        cam["snapshot_url"] = f"http://127.0.0.1:8554/cam/{cid}/snapshot.jpg"
    cameras.append(cam)
    camera_targets[cid] = target


for k, (s, length, bridge) in enumerate(BRIDGES):
    bank = 1 if k % 2 == 0 else -1
    # On the bank 120 m short of the no-berthing zone, looking down the channel at its
    # middle: whatever berths there is in the frame (the demo's evidence). All polled.
    at = s - length / 2 - 120
    camera(f"cam-bridge-{k + 1:02d}", f"{bridge} Bridge camera",
           MAIN.at(at, bank * (MAIN.half(at) + 20)), MAIN.at(s),
           12, 70 if k != 3 else 90, 400, True)
for fid, label, bank, along, polled in (("cp-01", "South", -1, -40, False), ("cp-04", "North", 1, 40, True)):
    s = next(c[2] for c in CHECKPOINTS if c[0] == fid)
    camera(f"cam-{fid}", f"Checkpoint {label} camera", MAIN.at(s + along, bank * (MAIN.half(s + along) + 30)),
           MAIN.at(s), 15, 60, 300, polled)
camera("cam-waterworks", "Waterworks intake camera",
       MAIN.at(S_PONTOON - 60, -MAIN.half(S_PONTOON - 60) - 35), MAIN.at(S_PONTOON + 150), 18, 80, 600, False)
unlicensed = [d for d in docks if d[1] == "unlic"]
for (fid, _, name, s0, s1, bank), polled in ((unlicensed[1], True), (unlicensed[4], False)):
    mid = (s0 + s1) / 2
    # From the opposite bank, downstream, looking back obliquely across at the dock.
    camera(f"cam-{fid}", f"Camera on {name} ({fid})", MAIN.at(mid + 150, -bank * (MAIN.half(mid + 150) + 30)),
           MAIN.at(mid, bank * MAIN.half(mid)), 10, 50, 350, polled)
cameras_text = json.dumps(cameras, indent=1) + "\n"

# --- vessel registry --------------------------------------------------------------------
CLASSES = (["muck_carrier"] * 25 + ["cargo"] * 30 + ["passenger"] * 8 + ["tanker"] * 5
           + ["tug"] * 6 + ["work_boat"] * 6)
# Hull names as painted on Chinese inland vessels (province + port + HUO cargo / YOU oil /
# KE passenger / TUO tug / GONG works), in AIS 6-bit upper case, at most 20 characters.
NAME_PREFIX = {"muck_carrier": ["ZHEHANGZHOU HUO", "ZHEDEQING HUO", "ZHEYUHANG HUO"],
               "cargo": ["ZHEHUZHOU HUO", "ZHEJIAXING HUO", "WANHUAIBEI HUO", "SUWUXI HUO", "ZHEHANGZHOU HUO"],
               "passenger": ["ZHEHANGZHOU KE"], "tanker": ["ZHEJIAXING YOU", "ZHEHANGZHOU YOU"],
               "tug": ["ZHEHANGZHOU TUO"], "work_boat": ["ZHEHANGZHOU GONG"]}
DRAUGHT = {"muck_carrier": (2.8, 4.2), "cargo": (2.2, 4.2), "passenger": (1.8, 2.4), "tanker": (2.6, 3.8),
           "tug": (1.8, 2.6), "work_boat": (1.8, 2.8)}
CREW = {"muck_carrier": (3, 6), "cargo": (2, 6), "passenger": (3, 6), "tanker": (4, 8), "tug": (2, 4),
        "work_boat": (2, 8)}
OWNERS = {"muck_carrier": ["Zhejiang Jianhang Engineering", "Tangqi Sand and Gravel Transport",
                           "Hangzhou Urban Spoil Logistics", "Deqing Earthworks Shipping"],
          "cargo": ["Hangzhou Yunhe Shipping Co", "Jiaxing Canal Freight", "Huzhou Building Materials Shipping",
                    "Huaibei Inland Transport", "Wuxi Grand Canal Logistics"],
          "passenger": ["Hangzhou Canal Water Bus Co", "Tangqi Heritage Cruises"],
          "tanker": ["Zhejiang Inland Oil Transport"],
          "tug": ["Hangzhou Port Towage"],
          "work_boat": ["Hangzhou Waterway Maintenance Bureau", "Yuhang River Works"]}
THIS_YEAR = "2026-01-01..2026-12-31"
# 0 stands for a reserved MMSI drawn (see draw_mmsi), so it is never accepted.
taken_mmsi, taken_names, taken_calls, taken_eni = {0}, set(), set(), set()


def unique(make, taken):
    while True:
        v = make()
        if v not in taken:
            taken.add(v)
            return v


def draw_mmsi():
    # A ship MMSI with a Chinese MID (412-414); one ending in 000 reads as a reserved form.
    m = f"41{rng.choice('234')}{rng.randrange(1, 1_000_000):06d}"
    return 0 if m.endswith("000") else int(m)


def draw_name(cls):
    digits = 4 if cls in ("muck_carrier", "cargo", "passenger", "tanker") else 3
    return f"{rng.choice(NAME_PREFIX[cls])} {rng.randrange(10 ** (digits - 1), 10 ** digits)}"


def draw_callsign():
    return "BQ" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(2)) + str(rng.randrange(1, 10))


def draw_draught(cls):
    lo, hi = DRAUGHT[cls]
    # Mostly to a tenth of a metre; one in four measured to 5 cm (written with two decimals
    # only when the second one is a 5).
    if rng.random() < 0.25:
        text = f"{rng.randrange(round(lo * 20), round(hi * 20) + 1) / 20:.2f}"
        return text[:-1] if text.endswith("0") else text
    return f"{rng.randrange(round(lo * 10), round(hi * 10) + 1) / 10:.1f}"


vessels = []
for cls in CLASSES:
    vessels.append({
        "mmsi": unique(draw_mmsi, taken_mmsi),
        "name": unique(lambda: draw_name(cls), taken_names),
        "callsign": unique(draw_callsign, taken_calls),
        "eni": unique(lambda: str(rng.randrange(10_000_000, 100_000_000)), taken_eni),
        "ship_class": cls,
        "muck_carrier": "true" if cls == "muck_carrier" else "false",
        "max_draught_m": draw_draught(cls),
        "passenger_capacity": rng.choice([20, 30, 40, 60, 80, 100, 120]) if cls == "passenger" else 0,
        "crew_capacity": rng.randint(*CREW[cls]),
        "permits": "",
        "owner": rng.choice(OWNERS[cls]),
    })

# Muck transport permits, judged on 2026-11 event time: 15 valid, 5 none, 3 lapsed at the
# end of June, 2 that only start in 2027 (as unlawful today as having none).
muck = [v for v in vessels if v["ship_class"] == "muck_carrier"]
rng.shuffle(muck)
PERMIT_GROUPS = [("valid", 15, f"muck_transport:{THIS_YEAR}"), ("none", 5, ""),
                 ("expired", 3, "muck_transport:2026-01-01..2026-06-30"),
                 ("future", 2, "muck_transport:2027-01-01..2027-12-31")]
muck_group = {}
i = 0
for group, n, permit in PERMIT_GROUPS:
    for v in muck[i:i + n]:
        v["permits"] = permit
        muck_group[v["mmsi"]] = group
    i += n
assert i == len(muck)
for v in vessels:
    if v["ship_class"] == "passenger":
        v["permits"] = f"passenger_service:{THIS_YEAR}"
    elif v["ship_class"] == "tanker":
        v["permits"] = f"dangerous_goods:{THIS_YEAR}"
# One renewed passenger licence, so the list shows more than one permit.
next(v for v in vessels if v["ship_class"] == "passenger")["permits"] = (
    f"passenger_service:2025-01-01..2025-12-31;passenger_service:{THIS_YEAR}")
vessels.sort(key=lambda v: v["mmsi"])

REGISTRY_HEADER = ["mmsi", "name", "callsign", "eni", "ship_class", "muck_carrier", "max_draught_m",
                   "passenger_capacity", "crew_capacity", "permits", "owner"]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(REGISTRY_HEADER)
w.writerows([[v[c] for c in REGISTRY_HEADER] for v in vessels])
registry_text = buf.getvalue()

# --- watchlist --------------------------------------------------------------------------
def by_class(cls):
    return [v for v in vessels if v["ship_class"] == cls]


unpermitted_muck = [v for v in vessels if muck_group.get(v["mmsi"]) == "none"]
watch = [
    (by_class("cargo")[7]["mmsi"], "unpaid fines 2026-0142", "", ""),
    (unpermitted_muck[2]["mmsi"], "suspected illegal dumping, intercept", "load-02;dump-01", "2026-12-31"),
    (by_class("cargo")[19]["mmsi"], "seen loading at an unlicensed dock, inspect on arrival",
     next(d[0] for d in docks if d[1] == "unlic" and d[0].endswith("-03")), ""),
    (unique(draw_mmsi, taken_mmsi), "stolen vessel reported by Huzhou police 2026-0311", "", ""),
    (unique(draw_mmsi, taken_mmsi), "AIS tampering case 2025-0877, closed", "nb-bridge-02", "2026-06-30"),
]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["mmsi", "reason", "zones", "until"])
w.writerows(watch)
watchlist_text = buf.getvalue()

# --- README -----------------------------------------------------------------------------


def code_list(items):
    return ", ".join(f"`{x}`" for x in items)


def id_ranges(ids):
    """`dock-lic-01`..`12` for a run of numbered ids, so the table stays short."""
    runs = []
    for fid in sorted(ids):
        stem, _, num = fid.rpartition("-")
        if num.isdigit() and runs and runs[-1][0] == stem and int(runs[-1][2]) + 1 == int(num):
            runs[-1][2] = num
        else:
            runs.append([stem, num, num] if num.isdigit() else [fid, None, None])
    out = []
    for stem, first, last in runs:
        if first is None:
            out.append(f"`{stem}`")
        elif first == last:
            out.append(f"`{stem}-{first}`")
        else:
            out.append(f"`{stem}-{first}`..`{last}`")
    return ", ".join(out)


def vessel_list(vs):
    return ", ".join(f"`{v['mmsi']}` {v['name']}" for v in vs)


ZONES_FORMAT = "(WGS84, 7 decimals, exteriors counter-clockwise, holes clockwise)"


def readme():
    kinds = {}
    for f in features:
        kinds.setdefault(f["properties"]["kind"], []).append(f)
    zone_notes = {
        "monitored_area": "the water of both channels and 150 m of bank: the jurisdiction",
        "dock": "12 licensed, 6 with no licence, 6 with a licence that has run out (below)",
        "muck_loading": "construction wharves where spoil is loaded (`load-02` up the tributary)",
        "approved_dump": "approved spoil disposal: a reclamation pit and a side basin",
        "anchorage": "lawful waiting areas along one side of the widest reaches",
        "no_berthing": "the full channel either side of each bridge",
        "protected": "the waterworks intake reach and 100 m of bank; the pumping-station pontoon is a hole",
        "speed_limit": ", ".join(f"`{fid}` {kn} kn" for fid, _, _, kn, _ in SPEED),
        "checkpoint": "gates straight across the water, 20 m beyond each bank (South, Branch, Central, North)",
    }
    zone_rows = "\n".join(
        f"| `{kind}` | {len(kinds[kind])} | {id_ranges(f['id'] for f in kinds[kind])} | {zone_notes[kind]} |"
        for kind in KIND_ORDER)
    dock_rows = []
    for fid, sort, name, s0, s1, bank in sorted(docks):
        lic = next(f["properties"].get("license") for f in features if f["id"] == fid)
        licence = f"{lic['number']}, {lic['valid_from']}..{lic['valid_until']}" if lic else "none"
        side = "left (north-west)" if bank > 0 else "right (south-east)"
        dock_rows.append(f"| `{fid}` | {name} | {side} | {s0 / 1000:.1f} | {licence} |")
    dock_table = "\n".join(dock_rows)
    groups = {g: [v for v in vessels if muck_group.get(v["mmsi"]) == g] for g, _, _ in PERMIT_GROUPS}
    registered = {v["mmsi"]: v for v in vessels}
    watch_rows = []
    for m, reason, zones, until in watch:
        who = f"{registered[m]['name']} ({registered[m]['ship_class']})" if m in registered else "not registered"
        where = code_list(zones.split(";")) if zones else "anywhere"
        watch_rows.append(f"| `{m}` | {who} | {where} | {until or 'no expiry'} | {reason} |")
    watch_rows = "\n".join(watch_rows)
    cam_rows = "\n".join(
        f"| `{c['id']}` | {c['name']} | {c['bearing_deg']} deg, {c['fov_deg']} deg wide, {c['range_m']} m"
        f" | {'polled' if 'snapshot_url' in c else 'pushed'} |" for c in cameras)
    plural = {"muck_carrier": "muck carriers", "cargo": "cargo vessels", "passenger": "passenger boats",
              "tanker": "tankers", "tug": "tugs", "work_boat": "work boats"}
    fleet = ", ".join(f"{CLASSES.count(cls)} {plural[cls]}" for cls in dict.fromkeys(CLASSES))
    return f"""# The demo river

A synthetic but plausible stretch of inland waterway on the Hangzhou-Jiaxing plain
(Zhejiang): a {L / 1000:.1f} km winding canal from near Tangqi (120.20 E, 30.42 N) to near
Chongfu (120.42 E, 30.55 N), 73-117 m wide, with a {BRANCH.length / 1000:.1f} km tributary, 60 m wide,
joining its north-west bank at {S_JUNCTION / 1000:.1f} km. It is not surveyed: the geometry is
generated and the places, bridges, wharves, vessels and companies are illustrative.

Every file here except `tower-feed.nmea` is written by

    python3 scripts/demo/make_demo_river.py

which is deterministic (fixed seed, no network: re-running it rewrites the same bytes) and
needs shapely 2 only to validate what it wrote. `tower-feed.nmea`, a short recorded-style
feed for `riverwatch decode`, comes from `cargo run -p riverwatch-ais --example demo_feed`.
`riverwatch simulate` stages every alert kind on this river, and `tests/simulate_replay.rs`
checks that the detectors find exactly what it staged. Distances below ("km") are along
the main channel from the Tangqi end.

| file | what it holds |
|---|---|
| `zones.geojson` | {len(features)} zones of every kind in DESIGN.md {ZONES_FORMAT} |
| `registry.csv` | {len(vessels)} vessels: {fleet} |
| `watchlist.csv` | {len(watch)} entries: 3 registered vessels, 2 unregistered (one entry expired) |
| `cameras.json` | {len(cameras)} tower cameras: bridges, checkpoints, the waterworks intake, two unlicensed docks |
| `tower-feed.nmea` | a short tower feed (not written by the script) |

## Zones

| kind | count | ids | what |
|---|---:|---|---|
{zone_rows}

Docks (all on the main channel; licences judged at event time):

| id | name | bank | km | licence |
|---|---|---|---:|---|
{dock_table}

## Vessels

All {len(muck)} muck carriers have `ship_class` `muck_carrier` and `muck_carrier` `true`.
Judged in November 2026:

- valid `muck_transport:{THIS_YEAR}` ({len(groups['valid'])}): {vessel_list(groups['valid'])}
- no permit at all ({len(groups['none'])}): {vessel_list(groups['none'])}
- permit lapsed on 2026-06-30 ({len(groups['expired'])}): {vessel_list(groups['expired'])}
- permit only starts on 2027-01-01 ({len(groups['future'])}): {vessel_list(groups['future'])}

Passenger boats (`passenger_service` permits, 20-120 passengers): {vessel_list(by_class('passenger'))}.
Tankers hold `dangerous_goods` permits; cargo vessels, tugs and work boats hold none.

## Watchlist

| mmsi | vessel | zones | until (inclusive) | reason |
|---|---|---|---|---|
{watch_rows}

## Cameras

| id | name | aim | snapshots |
|---|---|---|---|
{cam_rows}

Polled cameras have a `snapshot_url` (`http://127.0.0.1:8554/cam/<id>/snapshot.jpg`); the
others push their snapshots.
"""


readme_text = readme()


# --- validation -------------------------------------------------------------------------
def validate():
    """Checks the texts about to be written (parsed back, so what is checked is what the
    engine will read), and returns one summary line per kind."""
    import re
    from shapely.geometry import LineString, Point, Polygon
    from shapely.ops import unary_union
    from shapely.validation import explain_validity

    # The water itself: both channels, full width, finely sampled.
    water = unary_union([Polygon(MAIN.water(0, L, step=10.0)), Polygon(BRANCH.water(0, BRANCH.length, step=10.0))])
    assert water.is_valid and water.geom_type == "Polygon", water.geom_type

    fc = json.loads(zones_text)
    assert fc["type"] == "FeatureCollection"
    ids = [f["id"] for f in fc["features"]]
    assert len(set(ids)) == len(ids), "duplicate zone ids"
    shapes = {}
    for f in fc["features"]:
        fid, props, geom = f["id"], f["properties"], f["geometry"]
        kind = props["kind"]
        assert isinstance(fid, str) and kind in KIND_ORDER and props.get("name"), fid
        if kind == "checkpoint":
            coords = geom["coordinates"]
            assert geom["type"] == "LineString" and len(coords) == 2, fid
            assert all(round(v, 7) == v for c in coords for v in c), fid
            line = LineString([metres(c) for c in coords])
            assert line.crosses(water), fid
            assert all(not water.intersects(Point(p)) for p in (line.coords[0], line.coords[-1])), fid
            shapes[fid] = (kind, line)
            continue
        assert geom["type"] == "Polygon", fid
        rings = geom["coordinates"]
        for i, ring in enumerate(rings):
            assert len(ring) >= 4 and ring[0] == ring[-1], (fid, "ring not closed")
            assert all(round(v, 7) == v for c in ring for v in c), fid
            # Exterior counter-clockwise, holes clockwise (in lon/lat, as written).
            assert (signed_area(ring[:-1]) > 0) == (i == 0), (fid, "winding", i)
        as_written = Polygon(rings[0], rings[1:])
        assert as_written.is_valid, (fid, explain_validity(as_written))
        poly = Polygon([metres(c) for c in rings[0]], [[metres(c) for c in r] for r in rings[1:]])
        assert poly.is_valid, (fid, explain_validity(poly))
        if kind == "dock" and "license" in props:
            lic = props["license"]
            assert set(lic) == {"number", "valid_from", "valid_until"}, fid
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", lic["valid_from"]) and lic["valid_from"] <= lic["valid_until"], fid
        if kind == "speed_limit":
            assert isinstance(props.get("speed_limit_kn"), (int, float)), fid
        shapes[fid] = (kind, poly)

    def of(*kinds):
        return [(fid, g) for fid, (k, g) in shapes.items() if k in kinds]

    area = of("monitored_area")
    assert len(area) == 1
    area = area[0][1]
    for kind in KIND_ORDER:
        assert of(kind), f"no {kind} zone"
    # Everything is in the jurisdiction, and every area zone is on (or reaches) the water.
    for fid, g in of(*KIND_ORDER[1:]):
        assert area.buffer(0.5).covers(g), (fid, "outside the monitored area")
    assert area.buffer(0.5).covers(water)
    for fid, g in of("dock", "muck_loading", "approved_dump", "anchorage", "no_berthing", "speed_limit", "protected"):
        assert g.intersects(water), (fid, "does not touch the water")
    # Docks never overlap each other, and lie clear of the zones where a stop means
    # something else, so each dock tests one rule only.
    dock_list = of("dock")
    for i, (fa, a) in enumerate(dock_list):
        for fb, b in dock_list[i + 1:]:
            assert not a.intersects(b), (fa, fb)
        for fo, o in of("muck_loading", "approved_dump", "anchorage", "no_berthing", "protected"):
            assert not a.intersects(o), (fa, fo)
    for fs, g in of("speed_limit"):
        for fo, o in of("no_berthing"):
            assert not g.intersects(o), (fs, fo)
    for fid, g in of("anchorage"):
        assert water.buffer(0.5).covers(g), (fid, "anchorage on land")
    prot = of("protected")[0][1]
    assert len(prot.interiors) == 1, "the protected area needs its pontoon hole"

    cams = json.loads(cameras_text)
    cam_ids = [c["id"] for c in cams]
    assert len(set(cam_ids)) == len(cam_ids)
    for c in cams:
        at = metres((c["lon"], c["lat"]))
        assert water.distance(Point(at)) <= 200, (c["id"], "too far from the water")
        assert 40 <= c["fov_deg"] <= 90 and 300 <= c["range_m"] <= 800, c["id"]
        arc = [math.radians(c["bearing_deg"] - c["fov_deg"] / 2 + c["fov_deg"] * k / 32) for k in range(33)]
        sector = Polygon([at] + [(at[0] + c["range_m"] * math.sin(b), at[1] + c["range_m"] * math.cos(b)) for b in arc])
        assert sector.contains(Point(camera_targets[c["id"]])), (c["id"], "target not in view")
        # It sees the channel, not only fields: a good stretch of water is in view.
        seen = sector.intersection(water).area
        assert seen >= 12_000 and seen >= 0.12 * sector.area, (c["id"], "looks at the land", seen)
    polled = sum("snapshot_url" in c for c in cams)
    assert 0 < polled < len(cams), "both polled and pushing cameras"

    rows = list(csv.reader(io.StringIO(registry_text)))
    assert rows[0] == REGISTRY_HEADER
    mmsis = set()
    for r in rows[1:]:
        assert len(r) == 11, r
        v = dict(zip(REGISTRY_HEADER, r))
        assert re.fullmatch(r"41[234]\d{6}", v["mmsi"]) and v["mmsi"] not in mmsis, v["mmsi"]
        mmsis.add(v["mmsi"])
        assert len(v["name"]) <= 20 and re.fullmatch(r"[A-Z0-9 .\-]+", v["name"]), v["name"]
        assert re.fullmatch(r"BQ[A-Z]{2}\d", v["callsign"]) and re.fullmatch(r"\d{8}", v["eni"]), v["mmsi"]
        assert v["ship_class"] in DRAUGHT and v["muck_carrier"] == str(v["ship_class"] == "muck_carrier").lower()
        assert 1.8 <= float(v["max_draught_m"]) <= 4.2, v["mmsi"]
        assert (20 <= int(v["passenger_capacity"]) <= 120) == (v["ship_class"] == "passenger"), v["mmsi"]
        assert v["passenger_capacity"] == "0" or v["ship_class"] == "passenger"
        assert 2 <= int(v["crew_capacity"]) <= 8, v["mmsi"]
        for p in filter(None, v["permits"].split(";")):
            assert re.fullmatch(r"[a-z_]+:\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d", p), p
    assert len(set(r[1] for r in rows[1:])) == len(rows) - 1, "duplicate vessel names"
    assert len(set(r[2] for r in rows[1:])) == len(rows) - 1, "duplicate call signs"

    wrows = list(csv.reader(io.StringIO(watchlist_text)))
    assert wrows[0] == ["mmsi", "reason", "zones", "until"]
    assert sum(r[0] in mmsis for r in wrows[1:]) == 3 and len(wrows) == 6
    for m, reason, zones, until in wrows[1:]:
        assert re.fullmatch(r"\d{9}", m) and reason
        for z in filter(None, zones.split(";")):
            assert z in shapes, (m, z, "no such zone")
        assert until == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", until), until

    # One line per kind for the summary.
    def span(fid, g):
        return g.length if g.geom_type == "LineString" else g.area

    notes = {
        "monitored_area": lambda gs: f"{gs[0][1].area / 1e6:.2f} km2, the water {water.area / 1e6:.2f} km2 of it",
        "dock": lambda gs: "{} licensed, {} unlicensed, {} expired; {:.0f}-{:.0f} m2".format(
            *(sum(fid.startswith(f"dock-{s}-") for fid, _ in gs) for s in ("lic", "unlic", "expired")),
            min(span(*x) for x in gs), max(span(*x) for x in gs)),
        "protected": lambda gs: f"{gs[0][1].area / 1e6:.2f} km2 with {len(gs[0][1].interiors)} hole",
        "speed_limit": lambda gs: ", ".join(f"{fid} {kn} kn over {(s1 - s0) / 1000:.1f} km"
                                           for fid, s0, s1, kn, _ in SPEED),
        "checkpoint": lambda gs: ", ".join(f"{g.length:.0f} m" for _, g in gs),
    }
    lines = []
    for kind in KIND_ORDER:
        gs = of(kind)
        note = notes[kind](gs) if kind in notes else "{:.0f}-{:.0f} m2".format(
            min(span(*x) for x in gs), max(span(*x) for x in gs))
        lines.append(f"{kind:15} {len(gs):3}  {note}")
    permits = ", ".join(f"{list(muck_group.values()).count(g)} {g}" for g, _, _ in PERMIT_GROUPS)
    n_muck = sum(r[5] == "true" for r in rows[1:])
    lines.append(f"{'registry':15} {len(rows) - 1:3}  vessels, {n_muck} muck carriers (permits: {permits})")
    lines.append(f"{'watchlist':15} {len(wrows) - 1:3}  entries, {sum(r[0] in mmsis for r in wrows[1:])} registered")
    lines.append(f"{'cameras':15} {len(cams):3}  {sum('snapshot_url' in c for c in cams)} with a snapshot_url")
    return lines


# --- output -----------------------------------------------------------------------------
def write_all(out):
    os.makedirs(out, exist_ok=True)
    for name, text in [("zones.geojson", zones_text), ("registry.csv", registry_text),
                       ("watchlist.csv", watchlist_text), ("cameras.json", cameras_text), ("README.md", readme_text)]:
        path = os.path.join(out, name)
        # Replace atomically: a server or benchmark reading the directory meanwhile sees
        # the old file or the new one, never half of one.
        with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(path + ".tmp", path)


if __name__ == "__main__":
    summary = validate()   # nothing is written unless every check passes
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "..", "..", "data", "demo")
    write_all(out)
    print("\n".join(summary))
