#!/usr/bin/env python3
"""Runs the geofence benchmark contenders side by side and prints Markdown tables.

Usage: geofence_run.py --target-dir DIR --data DIR [--runs R] [--cpu C] [--postgis-points K]
                       [--stream-dirs DIR,DIR,...] [--stream-runs S] [--only NAME]...

Normally started by scripts/bench-geofence. Every contender runs pinned to one CPU
(`taskset -c C`), --runs times, interleaved; the table gives the median of those runs
(each run itself reports the median of its timed passes). Raw runs go to
DIR/bench-results/geofence-<UTC time>.jsonl.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(argv, cpu):
    """Runs argv pinned to `cpu` (None: on every core) and returns its JSON lines."""
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    p = subprocess.run(pin + argv, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"geofence_run: {' '.join(argv[:3])} failed: {p.stderr.strip()[-500:]}", file=sys.stderr)
        return []
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-dir", required=True)
    ap.add_argument("--data", required=True, help="a zones_gen.py output dir (the lookup set)")
    ap.add_argument("--stream-dirs", default="", help="comma-separated zones_gen.py dirs for the streaming case")
    ap.add_argument("--runs", type=int, default=3)
    # The streaming case's flatness compares processes seconds apart on a shared machine,
    # where a busy neighbour slows one run of the largest zone set by a third: five runs
    # keep one such run out of the median.
    ap.add_argument("--stream-runs", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--postgis-points", type=int, default=100_000)
    ap.add_argument("--only", action="append", default=[])
    a = ap.parse_args()
    peers = os.path.join(a.target_dir, "release", "geofence-peers")
    z, p = os.path.join(a.data, "zones.geojson"), os.path.join(a.data, "points.f64")
    py = sys.executable
    contenders = [
        ("riverwatch", [peers, "riverwatch", z, p, "5"]),
        ("rstar-geo", [peers, "rstar-geo", z, p, "3"]),
        ("shapely-bulk", [py, os.path.join(HERE, "geofence_shapely.py"), z, p, "--mode", "bulk"]),
        ("shapely-strtree", [py, os.path.join(HERE, "geofence_shapely.py"), z, p, "--mode", "strtree"]),
        ("postgis", [py, os.path.join(HERE, "geofence_postgis.py"), z, p,
                     "--points-limit", str(a.postgis_points)]),
    ]
    if a.only:
        contenders = [c for c in contenders if c[0] in a.only]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = os.path.join(a.target_dir, "bench-results")
    os.makedirs(out_dir, exist_ok=True)
    out_path = os.path.join(out_dir, f"geofence-{stamp}.jsonl")
    meta = json.load(open(os.path.join(a.data, "meta.json")))
    results = {}
    with open(out_path, "w") as out:
        out.write(json.dumps({"meta": meta, "stamp": stamp}) + "\n")
        for r in range(a.runs):
            for name, argv in contenders:
                # shapely per point is slow: one run on a tenth of the points is plenty.
                if name == "shapely-strtree" and r > 0:
                    continue
                for res in run_json(argv, a.cpu):
                    res["run"] = r
                    out.write(json.dumps(res) + "\n")
                    results.setdefault(res["peer"], []).append(res)
                    print(f"  {res['peer']} run {r + 1}: {res['seconds']:.3f} s for {res['lookups']:,}",
                          file=sys.stderr)
    print(f"# riverwatch geofence benchmark, {stamp}\n")
    print(f"- zones: {meta['zones']:,} ({meta['docks']:,} docks and wharves of 8-64 vertices, "
          f"{meta['large_zones']} large zones and checkpoints), {meta['points']:,} lookup points")
    print(f"- pinned with `taskset -c {a.cpu}`; medians over runs; PostGIS on the first "
          f"{a.postgis_points:,} points (server-side execution time, parallel workers off)\n")
    print("| contender | lookups | median s | lookups/s/core | hits |")
    print("|---|---:|---:|---:|---:|")
    rate = {}
    for name, rs in results.items():
        med = statistics.median(x["seconds"] for x in rs)
        n = rs[0]["lookups"]
        rate[name] = n / med
        print(f"| {name} | {n:,} | {med:.4f} | {n / med:,.0f} | {rs[0]['hits']:,} |")
    if "riverwatch" in rate:
        rw = rate["riverwatch"]
        print("\n## Ratios\n")
        for group in (("postgis", "postgis-subdivide"), ("shapely-bulk", "shapely-strtree"), ("rstar-geo",)):
            best = max((g for g in group if g in rate), key=lambda g: rate[g], default=None)
            if best:
                print(f"- riverwatch / fastest {group[0]} form ({best}): **{rw / rate[best]:.1f}x**")
    # Streaming: each zone set in both modes (a round as one batch, `observe_all`, and one
    # report at a time, `observe`), --stream-runs times interleaved; medians.
    dirs = [x for x in a.stream_dirs.split(",") if x]
    stream = {}
    with open(out_path, "a") as out:
        for r in range(a.stream_runs):
            for d in dirs:
                zs, ps = os.path.join(d, "zones.geojson"), os.path.join(d, "points.f64")
                for mode in ([], ["--one-by-one"]):
                    for res in run_json([peers, "stream", zs, ps, "--vessels", "50000", "--rounds", "60"]
                                        + mode, a.cpu):
                        res["run"] = r
                        out.write(json.dumps(res) + "\n")
                        stream.setdefault((res["zones"], res["mode"]), []).append(res)
                        print(f"  stream {res['zones']:,} zones {res['mode']} run {r + 1}: "
                              f"{res['updates_per_s']:,} updates/s", file=sys.stderr)
    if stream:
        print("\n## Streaming: 50,000 vessels every 10 s for 10 minutes, zone state kept\n")
        print("Median round; in brackets the median of the first 200 s alone (a cold start: "
              "no vessel stopped yet).\n")
        print("| zones | batch (`observe_all`) updates/s/core | one at a time (`observe`) | batch / one | "
              "lookups per update | bytes per vessel | still vessels: raw flips / emitted exits per update |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        med = {}
        for zones in sorted({k[0] for k in stream}):
            b, o = stream.get((zones, "batch"), []), stream.get((zones, "one_by_one"), [])
            if not b or not o:
                continue
            mb = statistics.median(x["updates_per_s"] for x in b)
            mo = statistics.median(x["updates_per_s"] for x in o)
            cb = statistics.median(x["cold_updates_per_s"] for x in b)
            co = statistics.median(x["cold_updates_per_s"] for x in o)
            med[zones] = (mb, mo, cb, co)
            x = b[0]
            print(f"| {zones:,} | **{mb / 1e6:.2f} M** ({cb / 1e6:.2f} M) | {mo / 1e6:.2f} M ({co / 1e6:.2f} M) | "
                  f"{mb / mo:.2f}x | "
                  f"{x['lookups_per_update']} | {x['bytes_per_vessel']} | "
                  f"{x['still_raw_flips_per_update']} / {x['still_exits_per_update']} |")
        if len(med) > 1:
            lo, hi = min(med), max(med)
            for k, name in ((0, "batch"), (1, "one at a time"), (2, "batch, cold start"),
                            (3, "one at a time, cold start")):
                worst = min(m[k] for m in med.values())
                flat = med[hi][k] / med[lo][k]
                print(f"- {name}: {hi:,} zones / {lo:,} zones = **{flat:.2f}** (goal: within 20 %, >= 0.80); "
                      f"slowest size {worst / 1e6:.2f} M updates/s (goal >= 2 M)")
    for d in dirs:
        zs = os.path.join(d, "zones.geojson")
        # Loading uses every core (parsing and preparing zones are parallel): time it both ways.
        one = run_json([peers, "load", zs], a.cpu)
        for res, all_ in zip(one, run_json([peers, "load", zs], None)):
            print(f"- loading {res['zones']:,} zones ({res['bytes'] / 1e6:.0f} MB GeoJSON) and building the "
                  f"index: {all_['seconds']:.2f} s on {all_['threads']} cores, {res['seconds']:.2f} s on one")
    print(f"\nraw runs: {out_path}")


if __name__ == "__main__":
    main()
