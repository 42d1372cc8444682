#!/usr/bin/env python3
"""Benchmark peer: pyais (pure Python, MIT).

Run by scripts/bench/run.py (see scripts/bench-decode); it can also be run alone.

Usage: peer_pyais.py INPUT [--file-reader] [--verify]

Reads INPUT (one NMEA sentence per line), then runs pyais' stream reader (which skips
non-NMEA / unparsable lines and reassembles multi-fragment messages) and calls .decode()
on every assembled message. Only the stream+decode loop is timed (time.perf_counter).

Default: the file is read into memory first and handed to pyais.stream.BinaryIOStream over
an io.BytesIO -- the same code path as FileReaderStream minus disk I/O. --file-reader uses
pyais.stream.FileReaderStream(INPUT) instead (includes reading the page-cached file).

Output: one JSON line
  {"peer":"pyais","sentences":N,"messages":M,"seconds":S, ...extras}
  sentences = non-empty input lines; messages = successful decode() results;
  extras: errors (decode exceptions by class), cpu_seconds (process CPU time over the loop),
  threads (threads alive at the end), version.
--verify adds an untimed second pass printing a message-type histogram and a sample to stderr.
"""
import argparse
import collections
import io
import json
import sys
import threading
import time

import pyais
from pyais.exceptions import AISBaseException
from pyais.stream import BinaryIOStream, FileReaderStream


def run(make_stream, errors):
    messages = 0
    with make_stream() as stream:
        for sentence in stream:
            try:
                sentence.decode()
            except AISBaseException as e:  # MissingPayload/UnknownMessage/InvalidDataType/...
                errors[type(e).__name__] += 1
                continue
            except (ValueError, IndexError, TypeError) as e:  # defensive: malformed payloads
                errors[type(e).__name__] += 1
                continue
            messages += 1
    return messages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--file-reader", action="store_true")
    ap.add_argument("--verify", action="store_true")
    a = ap.parse_args()

    with open(a.input, "rb") as f:
        data = f.read()
    sentences = sum(1 for line in data.splitlines() if line.strip())

    if a.file_reader:
        make_stream = lambda: FileReaderStream(a.input)  # noqa: E731
    else:
        make_stream = lambda: BinaryIOStream(io.BytesIO(data))  # noqa: E731

    errors = collections.Counter()
    c0 = time.process_time()
    t0 = time.perf_counter()
    messages = run(make_stream, errors)
    t1 = time.perf_counter()
    c1 = time.process_time()

    if a.verify:
        hist = collections.Counter()
        sample = None
        with BinaryIOStream(io.BytesIO(data)) as stream:
            for s in stream:
                try:
                    m = s.decode()
                except Exception:
                    continue
                hist[m.msg_type] += 1
                if sample is None and m.msg_type == 5:
                    sample = m.asdict()
        print("pyais types:", dict(sorted(hist.items())), file=sys.stderr)
        print("pyais sample type 5:", sample, file=sys.stderr)

    print(json.dumps({
        "peer": "pyais", "sentences": sentences, "messages": messages, "seconds": round(t1 - t0, 6),
        "errors": dict(errors), "cpu_seconds": round(c1 - c0, 6),
        "threads": threading.active_count(), "version": pyais.__version__,
    }))


if __name__ == "__main__":
    main()
