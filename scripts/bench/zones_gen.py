#!/usr/bin/env python3
"""Makes a synthetic river province for the geofence benchmark (deterministic per seed).

Usage: zones_gen.py --zones N --points M [--seed S] OUTDIR

Writes OUTDIR/zones.geojson (DESIGN.md's zone format), OUTDIR/points.f64 (M lookup
points as little-endian f64 lon, lat pairs) and OUTDIR/meta.json.

The province: meandering rivers 200 km long (one per ~10 000 docks; one shorter river, at
the same dock density, below 10 000), 300-800 m wide, near lon 120, lat 30. Along their banks, docks and wharves of 8-64 vertices, 30-300 m across
(star-shaped, so never self-intersecting; ~5 % with a hole, ~2 % in two parts), with
some muck-loading wharves, dump sites and anchorages among them. Per river, large zones:
the monitored area (the river's outline, ~800 vertices), speed-limit and no-berthing
stretches, a protected area with a hole, and a checkpoint across the river every 10 km.

Points: 60 % on the water along a river, 30 % within 300 m of a dock, 10 % anywhere in
the province's bounding box.
"""
import argparse
import json
import math
import os
import random
import struct

M_LAT = 111_195.0  # metres per degree of latitude


def m_lon(lat):
    return M_LAT * math.cos(math.radians(lat))


class River:
    """A centreline sampled every 250 m, with a width and the local normal at each sample."""

    def __init__(self, rng, x0, y0, length_m=200_000.0, step_m=250.0):
        self.pts, self.normals, self.widths = [], [], []
        heading = rng.uniform(-0.4, 0.4)  # mostly eastward
        x, y = x0, y0
        n = int(length_m / step_m)
        for k in range(n):
            heading += rng.gauss(0, 0.05)
            heading = max(-1.0, min(1.0, heading))
            x += step_m * math.cos(heading) / m_lon(y)
            y += step_m * math.sin(heading) / M_LAT
            self.pts.append((x, y))
            self.normals.append((-math.sin(heading), math.cos(heading)))
            self.widths.append(300 + 500 * (0.5 + 0.5 * math.sin(k / 37.0)))

    def offset(self, k, d_m, along_m=0.0):
        """The point d_m metres left of sample k's centreline, along_m further downstream."""
        (x, y), (nx, ny) = self.pts[k], self.normals[k]
        tx, ty = ny, -nx
        return (x + (nx * d_m + tx * along_m) / m_lon(y), y + (ny * d_m + ty * along_m) / M_LAT)

    def outline(self, k0, k1, stride=1):
        left = [self.offset(k, self.widths[k] / 2) for k in range(k0, k1, stride)]
        right = [self.offset(k, -self.widths[k] / 2) for k in range(k0, k1, stride)]
        return left + right[::-1]


def close(ring):
    return [[round(x, 7), round(y, 7)] for x, y in ring] + [[round(ring[0][0], 7), round(ring[0][1], 7)]]


def star(rng, cx, cy, radius_m, n):
    """A star-shaped ring around (cx, cy): radii vary, angles increase, so it is simple."""
    pts = []
    for k in range(n):
        a = 2 * math.pi * k / n
        r = radius_m * rng.uniform(0.65, 1.0)
        pts.append((cx + r * math.cos(a) / m_lon(cy), cy + r * math.sin(a) / M_LAT))
    return pts


def square(cx, cy, half_m):
    dx, dy = half_m / m_lon(cy), half_m / M_LAT
    return [(cx - dx, cy - dy), (cx - dx, cy + dy), (cx + dx, cy + dy), (cx + dx, cy - dy)]


def feature(fid, kind, geometry, **props):
    props.update({"kind": kind})
    return {"type": "Feature", "id": fid, "properties": props, "geometry": geometry}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zones", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)

    # Docks stay as dense along the banks at every size (10 000 per 200 km of river), so
    # that a smaller or larger zone set changes the index, not what a vessel sees.
    n_rivers = max(1, round(a.zones / 10_000))
    length_m = max(20_000.0, 200_000.0 * min(1.0, a.zones / 10_000))
    rivers = [River(rng, 119.0 + rng.uniform(0, 0.2), 29.0 + i * 2.0 / n_rivers + rng.uniform(0, 0.05),
                    length_m=length_m)
              for i in range(n_rivers)]
    feats, docks = [], []
    for ri, r in enumerate(rivers):
        n = len(r.pts)
        feats.append(feature(f"area-{ri}", "monitored_area",
                             {"type": "Polygon", "coordinates": [close(r.outline(0, n, 2))]}))
        for s in range(0, n - 40, 160):  # a speed limit every 40 km, 5 km long
            feats.append(feature(f"speed-{ri}-{s}", "speed_limit",
                                 {"type": "Polygon", "coordinates": [close(r.outline(s, s + 20))]},
                                 speed_limit_kn=rng.choice([6, 8, 10])))
        for s in range(80, n - 20, 200):
            feats.append(feature(f"nb-{ri}-{s}", "no_berthing",
                                 {"type": "Polygon", "coordinates": [close(r.outline(s, s + 12))]}))
        for s in range(120, n - 40, 400):
            outer = r.outline(s, s + 30)
            cx, cy = r.pts[s + 15]
            feats.append(feature(f"prot-{ri}-{s}", "protected",
                                 {"type": "Polygon", "coordinates": [close(outer), close(square(cx, cy, 60))]}))
        for s in range(20, n, 40):
            w = r.widths[s] / 2 + 50
            feats.append(feature(f"gate-{ri}-{s}", "checkpoint",
                                 {"type": "LineString",
                                  "coordinates": [list(map(lambda v: round(v, 7), r.offset(s, -w))),
                                                  list(map(lambda v: round(v, 7), r.offset(s, w)))]}))
    n_large = len(feats)
    n_docks = max(0, a.zones - n_large)
    kinds = ["dock"] * 85 + ["muck_loading"] * 5 + ["approved_dump"] * 3 + ["anchorage"] * 7
    for i in range(n_docks):
        r = rivers[i % n_rivers]
        k = rng.randrange(len(r.pts))
        side = rng.choice((-1, 1))
        radius = rng.uniform(15, 150)
        cx, cy = r.offset(k, side * (r.widths[k] / 2 + rng.uniform(-radius, radius * 0.5)), rng.uniform(-100, 100))
        nv = rng.randint(8, 64)
        kind = rng.choice(kinds)
        props = {"name": f"Wharf {i}"}
        if kind == "dock" and rng.random() < 0.6:
            props["license"] = {"number": f"L-{i}", "valid_from": "2026-01-01",
                                "valid_until": rng.choice(["2026-06-30", "2026-12-31", "2027-12-31"])}
        u = rng.random()
        if u < 0.02:  # two parts
            other = r.offset(k, side * (r.widths[k] / 2 + radius * 3), radius * 3)
            geom = {"type": "MultiPolygon", "coordinates": [
                [close(star(rng, cx, cy, radius, nv))],
                [close(star(rng, other[0], other[1], radius * 0.7, max(8, nv // 2)))]]}
        elif u < 0.07:  # with a hole (a pontoon inside the wharf)
            geom = {"type": "Polygon", "coordinates": [
                close(star(rng, cx, cy, radius, nv)), close(square(cx, cy, radius * 0.25))]}
        else:
            geom = {"type": "Polygon", "coordinates": [close(star(rng, cx, cy, radius, nv))]}
        feats.append(feature(f"dock-{i:06d}", kind, geom, **props))
        docks.append((cx, cy))
    with open(os.path.join(a.outdir, "zones.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, separators=(",", ":"))

    xs = [p[0] for r in rivers for p in r.pts]
    ys = [p[1] for r in rivers for p in r.pts]
    bbox = (min(xs) - 0.01, min(ys) - 0.01, max(xs) + 0.01, max(ys) + 0.01)
    with open(os.path.join(a.outdir, "points.f64"), "wb") as f:
        buf = bytearray()
        for i in range(a.points):
            u = rng.random()
            if u < 0.6:
                r = rivers[rng.randrange(n_rivers)]
                k = rng.randrange(len(r.pts))
                x, y = r.offset(k, rng.uniform(-0.5, 0.5) * r.widths[k], rng.uniform(-125, 125))
            elif u < 0.9 and docks:
                cx, cy = docks[rng.randrange(len(docks))]
                d, t = 300 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
                x, y = cx + d * math.cos(t) / m_lon(cy), cy + d * math.sin(t) / M_LAT
            else:
                x, y = rng.uniform(bbox[0], bbox[2]), rng.uniform(bbox[1], bbox[3])
            buf += struct.pack("<dd", x, y)
            if len(buf) >= 1 << 20:
                f.write(buf)
                buf.clear()
        f.write(buf)
    meta = {"zones": len(feats), "large_zones": n_large, "docks": n_docks,
            "checkpoints": sum(1 for f in feats if f["properties"]["kind"] == "checkpoint"),
            "points": a.points, "seed": a.seed, "rivers": n_rivers, "bbox": bbox, "generator": 2}
    with open(os.path.join(a.outdir, "meta.json"), "w") as f:
        json.dump(meta, f)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
