#!/usr/bin/env python3
"""Benchmark peer: aiscat (Python bindings of AIS-catcher's C++ decoder, GPL-3.0-or-later).

Run by scripts/bench/run.py (see scripts/bench-decode); it can also be run alone.

Usage: peer_aiscat.py INPUT [--format dictionary|json|...] [--chunk BYTES] [--verify]

The file is read into memory first (untimed). The timed loop is exactly what
aiscat.from_file() does, minus the file reads: Decoder.feed() 64 KiB chunks and drain
Decoder.next() after each feed; every returned item counts as one message. aiscat does
line splitting, checksum/format checks and multi-part reassembly itself in C++.
Default format "dictionary" returns a fully decoded Python dict per message (the closest
analogue of "structured messages"); "json" returns serialized JSON bytes instead.

Output: one JSON line
  {"peer":"aiscat","sentences":N,"messages":M,"seconds":S, ...extras}
  extras: format, cpu_seconds (process CPU time over the loop; > seconds would mean extra
  threads), threads (Python threads alive) and os_threads (/proc/self/status) at the end,
  version.
--verify adds an untimed second pass printing a message-type histogram and a sample to stderr.
"""
import argparse
import collections
import json
import sys
import threading
import time

import aiscat


def os_threads():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--format", default="dictionary")
    ap.add_argument("--chunk", type=int, default=65536)
    ap.add_argument("--verify", action="store_true")
    a = ap.parse_args()

    with open(a.input, "rb") as f:
        data = f.read()
    sentences = sum(1 for line in data.splitlines() if line.strip())
    mv = memoryview(data)
    chunks = [bytes(mv[i:i + a.chunk]) for i in range(0, len(data), a.chunk)]
    del mv

    c0 = time.process_time()
    t0 = time.perf_counter()
    dec = aiscat.Decoder(format=a.format)
    feed, nxt = dec.feed, dec.next
    messages = 0
    for chunk in chunks:
        feed(chunk)
        while nxt() is not None:
            messages += 1
    t1 = time.perf_counter()
    c1 = time.process_time()

    if a.verify:
        hist = collections.Counter()
        sample = None
        for m in aiscat.iter_decode(chunks):
            hist[m.get("type")] += 1
            if sample is None and m.get("type") == 5:
                sample = m
        print("aiscat types:", dict(sorted(hist.items())), file=sys.stderr)
        print("aiscat sample type 5:", sample, file=sys.stderr)

    print(json.dumps({
        "peer": "aiscat", "sentences": sentences, "messages": messages, "seconds": round(t1 - t0, 6),
        "format": a.format, "cpu_seconds": round(c1 - c0, 6),
        "threads": threading.active_count(), "os_threads": os_threads(),
        "version": aiscat.__version__,
    }))


if __name__ == "__main__":
    main()
