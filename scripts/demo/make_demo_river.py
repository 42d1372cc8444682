#!/usr/bin/env python3
"""Writes the demo river into data/demo/: a synthetic ~27 km canal on the Hangzhou-Jiaxing
plain with a 4 km branch, zones of every kind, a registry of 80 vessels, a watchlist and
tower cameras. Plausible, not surveyed. Deterministic: re-running it rewrites the same bytes.

Usage: python3 scripts/demo/make_demo_river.py [OUTDIR]   (default data/demo)
Needs shapely 2 (pip install shapely) to merge the channel outlines and validate the zones.
"""
import csv
import io
import json
import math
import os
import random
import sys

from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.ops import unary_union

LON0, LAT0 = 120.20, 30.42
M_LAT = 6_371_000 * math.pi / 180
M_LON = M_LAT * math.cos(math.radians(LAT0))
rng = random.Random(20261120)


def lonlat(x, y):
    return (round(LON0 + x / M_LON, 7), round(LAT0 + y / M_LAT, 7))


class Channel:
    """A centreline sampled every 25 m, with its width, so zones can follow its bends."""

    def __init__(self, start, heading_deg, length, width, wiggles):
        self.pts, self.normals, self.widths = [], [], []
        x, y = start
        h = math.radians(heading_deg)
        step = 25.0
        n = int(length / step)
        for k in range(n + 1):
            s = k * step
            # A gently meandering heading: sums of slow sines.
            bend = sum(a * math.sin(2 * math.pi * s / p + ph) for a, p, ph in wiggles)
            hk = h + bend
            self.pts.append((x, y))
            self.normals.append((-math.sin(hk), math.cos(hk)))  # left of travel
            self.widths.append(width(s))
            x += step * math.cos(hk)
            y += step * math.sin(hk)
        self.step = step

    def index(self, s):
        return max(0, min(len(self.pts) - 1, int(round(s / self.step))))

    def at(self, s, offset):
        """The point `offset` metres left (positive) or right of the centreline at s."""
        k = self.index(s)
        (x, y), (nx, ny) = self.pts[k], self.normals[k]
        return (x + nx * offset, y + ny * offset)

    def half(self, s):
        return self.widths[self.index(s)] / 2

    def band(self, s0, s1, off0, off1):
        """A polygon between two offset curves (in metres), following the bends."""
        ks = range(self.index(s0), self.index(s1) + 1)
        left = [self.at(k * self.step, off1(k * self.step)) for k in ks]
        right = [self.at(k * self.step, off0(k * self.step)) for k in ks]
        ring = left + right[::-1]
        return Polygon(ring)

    def water(self, s0=0.0, s1=None):
        s1 = (len(self.pts) - 1) * self.step if s1 is None else s1
        return self.band(s0, s1, lambda s: -self.half(s), lambda s: self.half(s))


main = Channel((0.0, 0.0), 34.0, 27_000.0, lambda s: 95 + 20 * math.sin(2 * math.pi * s / 5200),
               [(0.35, 4100, 0.0), (0.18, 1700, 1.0), (0.08, 900, 2.2)])
branch_root = main.at(12_300, main.half(12_300) - 5)
branch = Channel(branch_root, 34.0 + 75.0, 4_200.0, lambda s: 60.0, [(0.25, 2600, 0.5)])
water = unary_union([main.water(), branch.water()])


def to_geo(poly):
    """A metre polygon to GeoJSON lon/lat with the right winding (exterior CCW, holes CW)."""
    from shapely.geometry.polygon import orient
    poly = orient(poly, sign=1.0)
    def ring(r):
        return [list(lonlat(x, y)) for x, y in r.coords]
    if poly.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(poly.exterior)] + [ring(i) for i in poly.interiors]}
    raise ValueError(poly.geom_type)


features = []
metre_shapes = {}


def add(fid, kind, poly, name, **props):
    assert poly.is_valid, fid
    metre_shapes[fid] = (kind, poly)
    p = {"kind": kind, "name": name}
    p.update(props)
    features.append({"type": "Feature", "id": fid, "properties": p, "geometry": to_geo(poly)})


# The jurisdiction: the water and 150 m of bank on each side.
monitored = unary_union([main.band(0, 27_000, lambda s: -main.half(s) - 150, lambda s: main.half(s) + 150),
                         branch.band(0, 4_200, lambda s: -branch.half(s) - 150, lambda s: branch.half(s) + 150)])
monitored = monitored.simplify(2.0)
add("area-canal", "monitored_area", monitored, "Tangqi-Chongfu canal enforcement area")

bridges = [(3_000, "Gongchen"), (9_600, "Dongqiao"), (16_100, "Xinshi"), (22_600, "Yunhe")]
for k, (s, bridge) in enumerate(bridges):
    add(f"nb-bridge-{k + 1:02d}", "no_berthing",
        main.band(s - 110, s + 110, lambda s: -main.half(s), lambda s: main.half(s)),
        f"{bridge} Bridge no-berthing zone")

# Water-source protection area across the channel and both banks, with the pumping
# station's pontoon excluded.
prot = main.band(18_000, 19_500, lambda s: -main.half(s) - 100, lambda s: main.half(s) + 100)
px, py = main.at(18_750, main.half(18_750) + 30)
pontoon = Point(px, py).buffer(22, cap_style=3)
add("prot-waterworks", "protected", Polygon(prot.exterior.coords, [pontoon.exterior.coords[::-1]]),
    "Xinshi waterworks water-source protection area")

for fid, s0, s1, limit, name in [("speed-tangqi", 900, 2_700, 8, "Tangqi town reach"),
                                 ("speed-branch-mouth", 10_600, 12_600, 5, "Branch mouth reach"),
                                 ("speed-yunhe", 23_400, 25_600, 6, "Yunhe bridge reach")]:
    add(fid, "speed_limit", main.band(s0, s1, lambda s: -main.half(s), lambda s: main.half(s)),
        f"{name} speed limit", speed_limit_kn=limit)

for k, (s, side) in enumerate([(5_200, -1), (13_700, 1), (20_600, -1)]):
    # Along one side of a wide reach, out of the fairway.
    off0 = (lambda s: 8.0) if side > 0 else (lambda s: -main.half(s) + 4)
    off1 = (lambda s: main.half(s) - 4) if side > 0 else (lambda s: -8.0)
    add(f"anch-{k + 1:02d}", "anchorage", main.band(s - 180, s + 180, off0, off1), f"Anchorage {k + 1}")


def bank_polygon(ch, s, length, depth, side, into_water=12.0, wobble=0.0):
    """A wharf on one bank: from a little into the water to `depth` inland."""
    sign = 1 if side > 0 else -1
    ks = [s + length * f for f in (0.0, 0.25, 0.5, 0.75, 1.0)]
    outer = [ch.at(x, sign * (ch.half(x) + depth + wobble * math.sin(i))) for i, x in enumerate(ks)]
    inner = [ch.at(x, sign * (ch.half(x) - into_water)) for x in ks]
    poly = Polygon(inner + outer[::-1])
    # On a tight bend the inner edge can fold over itself: take the hull then.
    return poly if poly.is_valid else poly.convex_hull


for k, (s, side, length, name) in enumerate([(2_000, 1, 160, "Tangqi metro works"),
                                              (7_100, -1, 120, "Dongqiao bridge works"),
                                              (14_500, -1, 190, "Branch reclamation works")]):
    add(f"load-{k + 1:02d}", "muck_loading", bank_polygon(main, s, length, 60, side),
        f"{name} spoil wharf")

for k, (s, side, name) in enumerate([(11_000, 1, "Shiqiao reclamation pit"), (21_100, 1, "Yunhe disposal basin")]):
    add(f"dump-{k + 1:02d}", "approved_dump", bank_polygon(main, s, 220, 140, side, into_water=15),
        f"{name} (approved spoil disposal)")

# Docks: every ~900 m, away from the zones above; a third licensed, ... by a fixed pattern.
busy = [(s - 350, s + 350) for s, _ in bridges] + [(17_700, 19_800), (1_800, 2_300), (6_900, 7_400),
        (14_300, 14_900), (10_800, 11_400), (20_900, 21_500), (4_900, 5_500), (13_400, 14_000),
        (20_300, 20_900)]
licensed_until = ["2027-12-31", "2026-12-31", "2028-06-30"]
expired_until = ["2025-12-31", "2026-03-31", "2026-06-30", "2025-06-30"]
sorts = (["lic"] * 12 + ["unlic"] * 6 + ["exp"] * 6)
rng.shuffle(sorts)
places = ["Tangqi", "Chongfu", "Xinshi", "Dongqiao", "Yunhe", "Shiqiao", "Bailu", "Gouzhuang",
          "Renhe", "Wuhang", "Daqiao", "Chaoshan"]
goods = ["Gravel", "Sand", "Cement", "Coal", "Timber", "Grain", "Steel", "Stone"]
s = 400.0
count = {"lic": 0, "unlic": 0, "exp": 0}
docks = []
k = 0
while k < len(sorts) and s < 26_600:
    length = rng.uniform(40, 150)
    if any(a <= s + length and s <= b for a, b in busy):
        s += 300
        continue
    side = 1 if k % 2 == 0 else -1
    poly = bank_polygon(main, s, length, rng.uniform(20, 50), side, wobble=rng.uniform(0, 4))
    sort = sorts[k]
    count[sort] += 1
    fid = f"dock-{sort}-{count[sort]:02d}"
    name = f"{places[k % len(places)]} {goods[k % len(goods)]} Wharf"
    props = {}
    if sort == "lic":
        props["license"] = {"number": f"ZJ-HZ-2025-{100 + k:03d}", "valid_from": "2025-01-01",
                            "valid_until": licensed_until[k % 3]}
    elif sort == "exp":
        props["license"] = {"number": f"ZJ-HZ-2023-{100 + k:03d}", "valid_from": "2023-01-01",
                            "valid_until": expired_until[k % 4]}
    add(fid, "dock", poly, name, **props)
    docks.append((fid, s + length / 2, side))
    k += 1
    s += length + rng.uniform(520, 800)

for k, (s, name) in enumerate([(1_500, "North"), (8_000, "Dongqiao"), (15_300, "Xinshi"), (24_200, "South")]):
    a, b = main.at(s, -main.half(s) - 20), main.at(s, main.half(s) + 20)
    features.append({"type": "Feature", "id": f"cp-{k + 1:02d}", "properties": {
        "kind": "checkpoint", "name": f"Checkpoint {name}"},
        "geometry": {"type": "LineString", "coordinates": [list(lonlat(*a)), list(lonlat(*b))]}})

# --- checks ---------------------------------------------------------------------
dock_polys = [(f, p) for f, (kd, p) in metre_shapes.items() if kd == "dock"]
for i, (fa, a) in enumerate(dock_polys):
    for fb, b in dock_polys[i + 1:]:
        assert not a.intersects(b), (fa, fb)
for fid, (kind, poly) in metre_shapes.items():
    assert poly.is_valid, fid
    if kind != "monitored_area":
        assert poly.intersects(water), fid
        assert monitored.buffer(1).contains(poly) or kind in ("approved_dump",), fid
for f in features:
    if f["properties"]["kind"] == "checkpoint":
        line = LineString([(((lon - LON0) * M_LON), ((lat - LAT0) * M_LAT)) for lon, lat in f["geometry"]["coordinates"]])
        assert line.crosses(water) and not water.contains(Point(line.coords[0])), f["id"]

# --- cameras ------------------------------------------------------------------------
cameras = []
def camera(cid, name, s, side, along=0.0, ch=main):
    x, y = ch.at(s + along, side * (ch.half(s) + 25))
    nx, ny = ch.normals[ch.index(s)]
    # Looking across the water: towards the other bank.
    dx, dy = -side * nx, -side * ny
    bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 360
    lon, lat = lonlat(x, y)
    cam = {"id": cid, "name": name, "lon": lon, "lat": lat, "height_m": rng.choice([8, 10, 12, 15]),
           "bearing_deg": round(bearing, 1), "fov_deg": rng.choice([50, 60, 70, 90]),
           "range_m": rng.choice([300, 400, 500, 600, 800])}
    if len(cameras) % 2 == 0:
        cam["snapshot_url"] = f"http://127.0.0.1:8554/cam/{cid}/snapshot.jpg"
    cameras.append(cam)
    assert water.distance(Point(x, y)) < 200, cid

for k, (s, bridge) in enumerate(bridges):
    camera(f"cam-bridge-{k + 1:02d}", f"{bridge} Bridge camera", s, 1 if k % 2 else -1, along=130)
camera("cam-cp-north", "Checkpoint North camera", 1_500, 1, along=40)
camera("cam-waterworks", "Waterworks intake camera", 18_750, -1)
unlic = [d for d in docks if d[0].startswith("dock-unlic")]
for k, (fid, s, side) in enumerate(unlic[:2]):
    camera(f"cam-{fid}", f"Camera facing {fid}", s, -side)

# --- registry and watchlist --------------------------------------------------------
owners = ["Hangzhou Yunhe Shipping Co", "Tangqi Sand and Gravel Transport", "Zhejiang Jianhang Engineering",
          "Xinshi River Transport", "Deqing Inland Logistics", "Yuhang Passenger Ferry Co",
          "Huzhou Building Materials Shipping", "Jiaxing Canal Freight"]
rows = []
mmsis = set()
def mmsi():
    while True:
        m = int(rng.choice(["412", "413", "414"]) + f"{rng.randrange(0, 1_000_000):06d}")
        if m not in mmsis and m % 111_111_111 != 0:
            mmsis.add(m)
            return m
classes = (["muck_carrier"] * 25 + ["cargo"] * 30 + ["passenger"] * 8 + ["tanker"] * 5
           + ["tug"] * 6 + ["work_boat"] * 6)
for k, cls in enumerate(classes):
    m = mmsi()
    prefix = {"muck_carrier": "ZHEHANGZHOU HUO", "cargo": "ZHEHUZHOU HUO", "passenger": "ZHEHANG KE",
              "tanker": "ZHEJIAXING YOU", "tug": "HANGTUO", "work_boat": "HANGGONG"}[cls]
    name = f"{prefix} {rng.randrange(100, 9999)}"[:20]
    callsign = "BQ" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(2)) + str(rng.randrange(1, 10))
    eni = f"{rng.randrange(0, 100_000_000):08d}"
    draught = round(rng.uniform(1.8, 4.2), 1) if cls not in ("tug", "work_boat") else round(rng.uniform(1.5, 2.4), 1)
    pax = rng.choice([20, 40, 60, 80, 120]) if cls == "passenger" else 0
    crew = rng.randrange(2, 9)
    permits = ""
    if cls == "muck_carrier":
        j = k % 25
        if j < 15:
            permits = "muck_transport:2026-01-01..2026-12-31"
        elif j < 20:
            permits = ""
        elif j < 23:
            permits = "muck_transport:2026-01-01..2026-06-30"
        else:
            permits = "muck_transport:2027-01-01..2027-12-31"
    elif cls == "passenger":
        permits = "passenger_service:2026-01-01..2026-12-31"
    rows.append([m, name, callsign, eni, cls, "true" if cls == "muck_carrier" else "false",
                 draught, pax, crew, permits, rng.choice(owners)])
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["mmsi", "name", "callsign", "eni", "ship_class", "muck_carrier", "max_draught_m",
            "passenger_capacity", "crew_capacity", "permits", "owner"])
w.writerows(rows)
registry_text = buf.getvalue()

cargo_rows = [r for r in rows if r[4] == "cargo"]
muck_rows = [r for r in rows if r[4] == "muck_carrier"]
lic_docks = [d[0] for d in docks if d[0].startswith("dock-lic")]
watch = [
    [cargo_rows[-1][0], "unpaid fines, case 2026-0142", lic_docks[0], ""],
    [muck_rows[-1][0], "suspected illegal dumping, intercept", "", "2026-12-31"],
    [cargo_rows[-2][0], "detention order, Xinshi court", "", ""],
    [mmsi(), "stolen vessel reported by Huzhou police", "", ""],
    [mmsi(), "expired case, kept for the record", "", "2026-06-30"],
]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["mmsi", "reason", "zones", "until"])
w.writerows(watch)
watch_text = buf.getvalue()

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "data", "demo")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "zones.geojson"), "w") as f:
    json.dump({"type": "FeatureCollection", "features": features}, f, indent=1)
    f.write("\n")
with open(os.path.join(out, "registry.csv"), "w") as f:
    f.write(registry_text)
with open(os.path.join(out, "watchlist.csv"), "w") as f:
    f.write(watch_text)
with open(os.path.join(out, "cameras.json"), "w") as f:
    json.dump(cameras, f, indent=1)
    f.write("\n")

kinds = {}
for f in features:
    kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
for kd, n in sorted(kinds.items()):
    print(f"{kd:16} {n}")
print(f"docks: {count}; vessels: {len(rows)}; watchlist: {len(watch)}; cameras: {len(cameras)}")
