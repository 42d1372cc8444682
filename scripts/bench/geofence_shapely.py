#!/usr/bin/env python3
"""Geofence benchmark peer: shapely 2 (GEOS), on the files scripts/bench/zones_gen.py writes.

Usage: geofence_shapely.py ZONES POINTS [--rounds N] [--mode strtree|bulk]

Loading is untimed. Timed, all points:
  strtree  per point: STRtree.query(point) for candidates, then contains_xy on each
           candidate's prepared geometry (the per-lookup way a service would use it)
  bulk     one vectorized STRtree.query(points, predicate="within") over all points,
           shapely's fastest form (no per-point Python)
Prints one JSON line: {"peer", "lookups", "hits", "seconds" (median), ...}; hits counts
(point, area zone) pairs with the point inside, checkpoints excluded, like every peer.
"""
import argparse
import json
import statistics
import time

import numpy as np
import shapely
from shapely.geometry import shape


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zones")
    ap.add_argument("points")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--mode", choices=["strtree", "bulk"], default="bulk")
    a = ap.parse_args()
    with open(a.zones) as f:
        feats = json.load(f)["features"]
    geoms = [shape(ft["geometry"]) for ft in feats if ft["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    geoms = np.array(geoms, dtype=object)
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    xy = np.fromfile(a.points, dtype="<f8").reshape(-1, 2)

    if a.mode == "bulk":
        pts = shapely.points(xy)

        def run():
            # The predicate reads (input, tree geometry): the point within the zone.
            return int(tree.query(pts, predicate="within").shape[1])
    else:
        xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
        pts = shapely.points(xy)
        contains_xy = shapely.contains_xy

        def run():
            hits = 0
            for p, x, y in zip(pts, xs, ys):
                for i in tree.query(p):
                    if contains_xy(geoms[i], x, y):
                        hits += 1
            return hits

    secs, hits = [], None
    for _ in range(max(1, a.rounds)):
        t = time.perf_counter()
        h = run()
        secs.append(time.perf_counter() - t)
        hits = h
    print(json.dumps({"peer": f"shapely-{a.mode}", "lookups": len(xy), "hits": hits,
                      "seconds": round(statistics.median(secs), 6), "shapely": shapely.__version__,
                      "geos": shapely.geos_version_string}))


if __name__ == "__main__":
    main()
