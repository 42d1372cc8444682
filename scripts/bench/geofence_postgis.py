#!/usr/bin/env python3
"""Geofence benchmark peer: PostGIS, on a private PostgreSQL cluster on loopback.

Usage: geofence_postgis.py ZONES POINTS [--rounds N] [--points-limit K] [--port P]

Without --port, a free loopback port (the test suite's PostgreSQL may hold 55432).

Needs Debian's postgresql-15 and postgresql-15-postgis-3 (scripts/bench-geofence installs
them). Starts a throwaway cluster in a temp dir (as the `postgres` user when run as root),
loads the area zones (ST_GeomFromGeoJSON, SRID 4326, GiST index) and the points (COPY), and
times, server-side (EXPLAIN ANALYZE's execution time), with parallel workers off so the
figure is per core:
  postgis            SELECT count(*) FROM pts JOIN zones ON ST_Contains(zones.geom, pts.geom)
  postgis-subdivide  the same over ST_Subdivide(geom, 64) pieces, counting distinct pairs
Prints one JSON line per form. The cluster is stopped and removed even on error.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

PG_BIN = "/usr/lib/postgresql/15/bin"


def as_pg(argv, **kw):
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    return subprocess.run(argv, check=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zones")
    ap.add_argument("points")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--points-limit", type=int, default=0, help="use only the first K points")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    if a.port == 0:
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            a.port = s.getsockname()[1]
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        sys.exit(f"geofence_postgis: {PG_BIN}/initdb not found (apt-get install postgresql-15 postgresql-15-postgis-3)")

    work = tempfile.mkdtemp(prefix="rw-postgis-")
    os.chmod(work, 0o777)
    data = os.path.join(work, "data")
    started = False
    try:
        as_pg([f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
              stdout=subprocess.DEVNULL)
        as_pg([f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-l", os.path.join(work, "log"), "-o",
               f"-p {a.port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off "
               f"-c shared_buffers=512MB -c work_mem=256MB -c max_parallel_workers_per_gather=0",
               "start"], stdout=subprocess.DEVNULL)
        started = True

        def psql(sql):
            argv = ["psql", "-h", "127.0.0.1", "-p", str(a.port), "-U", "postgres", "-d", "postgres",
                    "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]
            if os.geteuid() == 0:
                argv = ["runuser", "-u", "postgres", "--"] + argv
            p = subprocess.run(argv, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"geofence_postgis: psql failed: {p.stderr.strip()}")
            return p.stdout

        # Zones and points go in through COPY from files the server can read.
        with open(a.zones) as f:
            feats = json.load(f)["features"]
        zfile = os.path.join(work, "zones.txt")
        with open(zfile, "w") as f:
            for k, ft in enumerate(feats):
                if ft["geometry"]["type"] in ("Polygon", "MultiPolygon"):
                    f.write(f"{k}\t{json.dumps(ft['geometry'], separators=(',', ':'))}\n")
        xy = np.fromfile(a.points, dtype="<f8").reshape(-1, 2)
        if a.points_limit:
            xy = xy[: a.points_limit]
        pfile = os.path.join(work, "points.csv")
        np.savetxt(pfile, xy, fmt="%.9f", delimiter=",")
        os.chmod(zfile, 0o644)
        os.chmod(pfile, 0o644)
        t = time.perf_counter()
        psql(f"""
            CREATE EXTENSION postgis;
            CREATE TABLE zones_raw (id int, gj text);
            COPY zones_raw FROM '{zfile}';
            CREATE TABLE zones AS SELECT id, ST_SetSRID(ST_GeomFromGeoJSON(gj), 4326) AS geom FROM zones_raw;
            CREATE INDEX ON zones USING gist (geom);
            CREATE TABLE zones_sub AS SELECT id, ST_Subdivide(geom, 64) AS geom FROM zones;
            CREATE INDEX ON zones_sub USING gist (geom);
            CREATE TABLE pts_raw (x float8, y float8);
            COPY pts_raw FROM '{pfile}' WITH (FORMAT csv);
            CREATE TABLE pts AS SELECT row_number() OVER () AS id, ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom FROM pts_raw;
        """)
        psql("VACUUM ANALYZE")
        load_s = time.perf_counter() - t
        version = psql("SELECT postgis_lib_version()").strip()
        queries = {
            "postgis": "SELECT count(*) FROM pts p JOIN zones z ON ST_Contains(z.geom, p.geom)",
            "postgis-subdivide": "SELECT count(*) FROM (SELECT DISTINCT p.id, z.id FROM pts p "
                                 "JOIN zones_sub z ON ST_Contains(z.geom, p.geom)) s",
        }
        for name, q in queries.items():
            hits = int(psql(q).strip())  # warm-up, and the count
            secs = []
            for _ in range(max(1, a.rounds)):
                plan = json.loads(psql(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {q}"))
                secs.append(plan[0]["Execution Time"] / 1000.0)
            print(json.dumps({"peer": name, "lookups": len(xy), "hits": hits,
                              "seconds": round(statistics.median(secs), 6), "postgis": version,
                              "load_seconds": round(load_s, 2)}), flush=True)
    finally:
        if started:
            as_pg([f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
