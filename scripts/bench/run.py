#!/usr/bin/env python3
"""Decoder benchmark: riverwatch against its peers, one contender at a time on one CPU.

Usage: run.py [--runs 3] [--cpu 0] [--rounds 1] [--only NAME]... [--target-dir DIR]
              [--out FILE] ALL_INPUT POSITIONS_INPUT

Normally started by scripts/bench-decode, which builds the binaries and makes the inputs
(scripts/bench/make_input.py: the mixed real corpus, and position reports only).

Contenders, each run as its own process under `taskset -c CPU`:
  library: the file is read into memory first, only decoding to structs/dicts is timed
    riverwatch      decode-peers riverwatch FILE ROUNDS   (riverwatch-ais Decoder)
    ais             decode-peers ais FILE ROUNDS          (`ais` crate)
    nmea-parser     decode-peers nmea-parser FILE ROUNDS  (`nmea-parser` crate)
    aiscat          peer_aiscat.py FILE                   (AIS-catcher's C++ decoder)
    pyais           peer_pyais.py FILE                    (pure Python)
  file -> JSON: the whole process is timed (start-up, reading, decoding, JSON to /dev/null)
    riverwatch decode   riverwatch decode -q FILE
    gpsdecode -j        gpsdecode -j < FILE

decode-peers times ROUNDS passes after one warm-up pass and reports their median; the
Python peers time one pass. Each contender runs --runs times; runs are interleaved
(run 1 of every contender, then run 2, ...) so that a disturbance spreads over all of them.
All contenders are single-threaded, so sentences/s = input sentences / median seconds is
the rate per core. "messages" is what each contender reports (file -> JSON: output lines,
counted in one extra untimed run). Peers disagree on what to drop (aiscat drops MMSI 0,
gpsdecode -j reports a type 24 only once parts A and B pair up, pyais rejects type 24 with
part number 2 or 3), so message counts differ while sentence counts are the same.

Every run is written as one JSON line to --out (default:
$CARGO_TARGET_DIR/bench-results/decode-<UTC time>.jsonl), after one "meta" line with the
machine, versions and inputs.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

LIBRARY, CLI = "library", "file -> JSON"


def contenders(a):
    """(name, kind, argv, stdin_is_input) for every contender, in table order."""
    rel = os.path.join(a.target_dir, "release")
    peers = os.path.join(rel, "decode-peers")
    py = sys.executable
    out = [
        ("riverwatch", LIBRARY, [peers, "riverwatch", "{input}", str(a.rounds)], False),
        ("ais", LIBRARY, [peers, "ais", "{input}", str(a.rounds)], False),
        ("nmea-parser", LIBRARY, [peers, "nmea-parser", "{input}", str(a.rounds)], False),
        ("aiscat", LIBRARY, [py, os.path.join(HERE, "peer_aiscat.py"), "{input}"], False),
        ("pyais", LIBRARY, [py, os.path.join(HERE, "peer_pyais.py"), "{input}"], False),
        ("riverwatch decode", CLI, [os.path.join(rel, "riverwatch"), "decode", "-q", "{input}"], False),
        ("gpsdecode -j", CLI, [a.gpsdecode, "-j"], True),
    ]
    if a.only:
        unknown = set(a.only) - {c[0] for c in out}
        if unknown:
            sys.exit(f"run.py: unknown contender(s) {sorted(unknown)}; known: {[c[0] for c in out]}")
        out = [c for c in out if c[0] in a.only]
    return out


def sh(cmd):
    """stdout+stderr of a version probe, or the error, never an exception."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (p.stdout + p.stderr).strip()
    except OSError as e:
        return f"unavailable ({e})"


def lock_version(lockfile, crate):
    try:
        text = open(lockfile).read()
    except OSError:
        return "unknown"
    m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(crate), text)
    return m.group(1) if m else "unknown"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": int(sh(["nproc"]) or 0),
        "model_name": model,
        "kernel": platform.release(),
        "loadavg": os.getloadavg(),
    }


def versions(a):
    rel = os.path.join(a.target_dir, "release")
    py = sys.executable
    lock = os.path.join(REPO, "bench", "Cargo.lock")
    return {
        "riverwatch": sh([os.path.join(rel, "riverwatch"), "--version"]),
        "riverwatch_commit": sh(["git", "-C", REPO, "describe", "--always", "--dirty"]),
        "ais crate": lock_version(lock, "ais"),
        "nmea-parser crate": lock_version(lock, "nmea-parser"),
        "aiscat": sh([py, "-c", "import aiscat; print(aiscat.__version__)"]),
        "pyais": sh([py, "-c", "import pyais; print(pyais.__version__)"]),
        "gpsdecode": sh([a.gpsdecode, "-V"]),
        "python": platform.python_version(),
    }


def count_sentences(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def spawn(argv, stdin_path, stdout):
    """Run argv to completion; return (wall seconds, child CPU seconds, rc, stderr text)."""
    with tempfile.TemporaryFile() as err:
        fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=fin, stdout=stdout, stderr=err)
            _, status, ru = os.wait4(p.pid, 0)
            t1 = time.perf_counter()
        finally:
            if stdin_path:
                fin.close()
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return t1 - t0, ru.ru_utime + ru.ru_stime, p.returncode, err.read().decode(errors="replace")


def run_once(name, kind, argv, stdin_is_input, inp, a):
    argv = ["taskset", "-c", str(a.cpu)] + [x.replace("{input}", inp) for x in argv]
    if kind == LIBRARY:
        with tempfile.TemporaryFile() as out:
            wall, cpu, rc, err = spawn(argv, None, out)
            out.seek(0)
            text = out.read().decode(errors="replace")
        if rc != 0:
            sys.exit(f"run.py: {' '.join(argv)} exited with {rc}:\n{err}")
        res = json.loads(text.strip().splitlines()[-1])
        res["process_wall_seconds"] = round(wall, 6)
    else:
        with open(os.devnull, "wb") as null:
            wall, cpu, rc, err = spawn(argv, inp if stdin_is_input else None, null)
        if rc != 0:
            sys.exit(f"run.py: {' '.join(argv)} exited with {rc}:\n{err}")
        res = {"seconds": round(wall, 6)}
    res.update(contender=name, kind=kind, process_cpu_seconds=round(cpu, 6),
               cmd=" ".join(argv) + (" < INPUT" if stdin_is_input else "") + (" > /dev/null" if kind == CLI else ""))
    return res


def count_output_lines(argv, stdin_is_input, inp):
    """Untimed: how many lines (JSON objects) a file -> JSON contender prints."""
    argv = [x.replace("{input}", inp) for x in argv]
    fin = open(inp, "rb") if stdin_is_input else subprocess.DEVNULL
    try:
        p = subprocess.Popen(argv, stdin=fin, stdout=subprocess.PIPE)
        n = 0
        for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
            n += chunk.count(b"\n")
        p.wait()
    finally:
        if stdin_is_input:
            fin.close()
    if p.returncode != 0:
        sys.exit(f"run.py: {' '.join(argv)} exited with {p.returncode}")
    return n


def rate(x):
    return f"{x:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("all_input", help="mixed real corpus (make_input.py --mode all)")
    ap.add_argument("positions_input", help="position reports only (make_input.py --mode position)")
    ap.add_argument("--runs", type=int, default=3, help="runs per contender and input (default 3)")
    ap.add_argument("--cpu", type=int, default=0, help="CPU every run is pinned to with taskset -c (default 0)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="timed passes per decode-peers run, after its warm-up; it reports their median (default 1)")
    ap.add_argument("--only", action="append", metavar="NAME", help="run only this contender (repeatable)")
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR")
                    or os.path.join(os.path.expanduser("~"), ".cache", "riverwatch-target"))
    ap.add_argument("--gpsdecode", default=shutil.which("gpsdecode") or "gpsdecode")
    ap.add_argument("--out", help="raw results, JSON lines (default: TARGET_DIR/bench-results/decode-<time>.jsonl)")
    a = ap.parse_args()
    if a.runs < 1 or a.rounds < 1:
        sys.exit("run.py: --runs and --rounds must be at least 1")
    if a.cpu not in os.sched_getaffinity(0):
        sys.exit(f"run.py: CPU {a.cpu} is not available to this process ({sorted(os.sched_getaffinity(0))})")
    for exe in ("decode-peers", "riverwatch"):
        if not os.access(os.path.join(a.target_dir, "release", exe), os.X_OK):
            sys.exit(f"run.py: {exe} not built in {a.target_dir}/release (run scripts/bench-decode without SKIP_BUILD)")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_path = a.out or os.path.join(a.target_dir, "bench-results", f"decode-{stamp}.jsonl")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)

    mach, vers = machine(), versions(a)
    print(f"# riverwatch decoder benchmark, {stamp}\n")
    print(f"- machine: {mach['nproc']} CPUs (nproc), {mach['model_name']}, Linux {mach['kernel']}; "
          f"load average {mach['loadavg'][0]:.2f} at start")
    print(f"- every run pinned with `taskset -c {a.cpu}`; runs per contender: {a.runs}; "
          f"timed passes per decode-peers run, after its warm-up: {a.rounds}")
    print("- versions: " + "; ".join(v if v.startswith(k) else f"{k} {v}" for k, v in vers.items()))
    if mach["loadavg"][0] > 0.5:
        print(f"- **warning:** load average {mach['loadavg'][0]:.2f} before starting: something else "
              "is using the CPU, timings may be disturbed")

    inputs = []
    for label, path in (("mixed real corpus", a.all_input), ("position reports only", a.positions_input)):
        meta = {}
        if os.path.exists(path + ".json"):  # written by scripts/bench-decode from make_input.py
            with open(path + ".json") as f:
                meta = json.load(f)
        inputs.append({"label": label, "path": path, "sentences": count_sentences(path),
                       "expected_messages": meta.get("messages"), "bytes": os.path.getsize(path)})

    cons = contenders(a)
    results = {}  # (input index, contender name) -> list of runs
    with open(out_path, "w") as log:
        log.write(json.dumps({"record": "meta", "time": stamp, "machine": mach, "versions": vers,
                              "cpu": a.cpu, "runs": a.runs, "rounds": a.rounds, "inputs": inputs}) + "\n")
        for i, inp in enumerate(inputs):
            lines = {}
            for name, kind, argv, stdin_is_input in cons:
                if kind == CLI:
                    lines[name] = count_output_lines(argv, stdin_is_input, inp["path"])
            for r in range(a.runs):
                for name, kind, argv, stdin_is_input in cons:
                    load = os.getloadavg()[0]
                    res = run_once(name, kind, argv, stdin_is_input, inp["path"], a)
                    res.setdefault("sentences", inp["sentences"])
                    if kind == CLI:
                        res["messages"] = lines[name]
                    res.update(record="run", input=inp["path"], input_label=inp["label"], run=r,
                               cpu=a.cpu, loadavg_before=load)
                    log.write(json.dumps(res) + "\n")
                    log.flush()
                    print(f"  {inp['label']}: {name} run {r + 1}/{a.runs}: {res['seconds']:.3f} s",
                          file=sys.stderr)
                    results.setdefault((i, name), []).append(res)

    summary = {}
    for i, inp in enumerate(inputs):
        exp = inp["expected_messages"]
        print(f"\n## {inp['label']}: {os.path.basename(inp['path'])}, {inp['sentences']:,} sentences"
              + (f", {exp:,} messages expected" if exp is not None else "") + f", {inp['bytes']:,} bytes\n")
        print("| contender | timed | median s | runs s | sentences/s/core | messages |")
        print("|---|---|---:|---|---:|---:|")
        for name, kind, _, _ in cons:
            runs = results[(i, name)]
            med = statistics.median(x["seconds"] for x in runs)
            if any(x["sentences"] != inp["sentences"] for x in runs):
                print(f"warning: {name} counted {runs[0]['sentences']} sentences, not {inp['sentences']}",
                      file=sys.stderr)
            sps = inp["sentences"] / med
            msgs = runs[0]["messages"]
            summary[(i, name)] = {"seconds": med, "sps": sps, "messages": msgs, "kind": kind}
            print(f"| {name} | {kind} | {med:.4f} | {', '.join('%.4f' % x['seconds'] for x in runs)} "
                  f"| {rate(sps)} | {msgs:,} |")

    print("\n## Ratios\n")
    for i, inp in enumerate(inputs):
        s = lambda n: summary.get((i, n))  # noqa: E731
        rw, rwcli, gd = s("riverwatch"), s("riverwatch decode"), s("gpsdecode -j")
        lib_peers = [(n, v) for (j, n), v in summary.items() if j == i and v["kind"] == LIBRARY and n != "riverwatch"]
        if rw and lib_peers:
            best_name, best = max(lib_peers, key=lambda nv: nv[1]["sps"])
            print(f"- {inp['label']}: riverwatch library {rate(rw['sps'])} sentences/s/core = "
                  f"**{rw['sps'] / best['sps']:.2f}x** the fastest library peer, {best_name} "
                  f"({rate(best['sps'])})")
        if rwcli and gd:
            print(f"- {inp['label']}: riverwatch decode (file -> JSON) {rwcli['seconds']:.4f} s vs "
                  f"gpsdecode -j {gd['seconds']:.4f} s = **{gd['seconds'] / rwcli['seconds']:.2f}x** as fast")
    i = 1  # the positions input
    for name, what in (("riverwatch", "library"), ("riverwatch decode", "file -> JSON")):
        v = summary.get((i, name))
        if v:
            print(f"- position reports per second per core, riverwatch {what}: "
                  f"**{rate(v['messages'] / v['seconds'])}** ({v['messages']:,} decoded in {v['seconds']:.4f} s)")
    print(f"\nraw runs: {out_path}")


if __name__ == "__main__":
    main()
