#!/usr/bin/env python3
"""Build a decoder-benchmark input file from the real AIS logs in the shared corpora.

Called by scripts/bench-decode to make the inputs of scripts/bench/run.py.

Usage:
    make_input.py [--mode all|position] [--min-sentences N] [--eol crlf|lf]
                  [--corpora DIR] [--keep-incomplete] OUT

Modes:
    all       every usable AIVDM/AIVDO sentence (all message types, multi-part groups kept whole)
    position  only position reports, message types 1/2/3 (always single-fragment, 168 bits)

What is kept from each source line:
    * the first `[!$]xxVDM|VDO,...*hh` sentence found in the line (talker = two letters, so
      `!--VDM` is skipped); any prefix (tag block etc.) and any text after `*hh` are dropped;
    * $PGHP lines, comments, GNSS sentences and anything else are dropped;
    * sentences with a wrong checksum, a field count != 7 or an empty payload are dropped;
    * multi-part groups must be complete and contiguous, otherwise every fragment of the
      group is dropped (unless --keep-incomplete), so that "messages" is well defined.

The cleaned base corpus is repeated (whole copies, in order) until at least N sentences are
written (default 1,000,000). Because whole copies are written, the file contains complete
groups only and the expected logical message count is exact.

Prints a human summary on stderr and one line of JSON on stdout:
    {"out": ..., "mode": ..., "sentences": N, "messages": M, "copies": C,
     "base_sentences": n, "base_messages": m, "bytes": B}
"""
import argparse
import collections
import json
import os
import re
import sys

# The shared corpora live beside the repository: <repo>/../shared/corpora, and this script
# is <repo>/scripts/bench/make_input.py.
DEFAULT_CORPORA = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "corpora"))
# Relative to the corpora dir. gpsd/*.log is globbed; GNSS-only logs simply contribute 0.
DEFAULT_SOURCES = [
    "dma-aislib/stream_example.txt",
    "dma-aislib/decode_encode_messages.txt",
    "gpsd/*.log",
    "pyais/nmea_data_sample.txt",
]

SENTENCE_RE = re.compile(rb"[!$][A-Z]{2}VD[MO],[^*\r\n]*\*[0-9A-Fa-f]{2}")


def checksum_ok(s: bytes) -> bool:
    star = s.rindex(b"*")
    x = 0
    for ch in s[1:star]:
        x ^= ch
    return x == int(s[star + 1:star + 3], 16)


def expand_sources(corpora, patterns):
    import glob
    files = []
    for p in patterns:
        hits = sorted(glob.glob(os.path.join(corpora, p)))
        if not hits:
            sys.exit(f"make_input: no file matches {p!r} under {corpora}")
        files.extend(hits)
    return files


def clean_file(path, stats, keep_incomplete):
    """Return a list of units; a unit is a list of sentences forming one logical message."""
    sents = []
    with open(path, "rb") as f:
        for line in f:
            m = SENTENCE_RE.search(line)
            if not m:
                if re.search(rb"[!$]--VD[MO],", line):
                    stats["dropped_dashdash_talker"] += 1
                else:
                    stats["lines_dropped_no_sentence"] += 1
                continue
            s = m.group(0)
            if m.start() > 0:
                stats["prefix_stripped"] += 1
            if line[m.end():].strip():
                stats["suffix_stripped"] += 1
            if not checksum_ok(s):
                stats["dropped_bad_checksum"] += 1
                continue
            fields = s.split(b",")
            if len(fields) != 7:
                stats["dropped_field_count"] += 1
                continue
            try:
                n, k = int(fields[1]), int(fields[2])
            except ValueError:
                stats["dropped_bad_fragment_fields"] += 1
                continue
            if not (1 <= k <= n <= 9):
                stats["dropped_bad_fragment_fields"] += 1
                continue
            if fields[5] == b"":
                stats["dropped_empty_payload"] += 1
                continue
            sents.append((s, n, k, fields[3], fields))

    units = []
    i = 0
    while i < len(sents):
        s, n, k, seq, fields = sents[i]
        if n == 1:
            units.append([s])
            i += 1
            continue
        if k != 1:
            stats["dropped_orphan_fragment"] += 1
            if keep_incomplete:
                units.append([s])
            i += 1
            continue
        grp = [s]
        j = i + 1
        while j < len(sents) and len(grp) < n:
            s2, n2, k2, seq2, _ = sents[j]
            if n2 == n and k2 == len(grp) + 1 and seq2 == seq:
                grp.append(s2)
                j += 1
            else:
                break
        if len(grp) == n:
            units.append(grp)
        else:
            stats["dropped_incomplete_group_fragments"] += len(grp)
            if keep_incomplete:
                units.append(grp)
        i = j
    return units


def msg_type(unit):
    payload = unit[0].split(b",")[5]
    c = payload[0] - 48
    if c > 40:
        c -= 8
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--mode", choices=["all", "position"], default="all")
    ap.add_argument("--min-sentences", type=int, default=1_000_000)
    ap.add_argument("--eol", choices=["crlf", "lf"], default="crlf")
    ap.add_argument("--corpora", default=DEFAULT_CORPORA,
                    help="shared corpora folder (default: <repo>/../shared/corpora = %(default)s)")
    ap.add_argument("--source", action="append",
                    help="glob relative to --corpora (repeatable); default: " + ", ".join(DEFAULT_SOURCES))
    ap.add_argument("--keep-incomplete", action="store_true",
                    help="keep orphan fragments / incomplete multi-part groups (then 'messages' is approximate)")
    a = ap.parse_args()

    files = expand_sources(a.corpora, a.source or DEFAULT_SOURCES)
    stats = collections.Counter()
    units = []
    per_file = []
    for path in files:
        u = clean_file(path, stats, a.keep_incomplete)
        per_file.append((os.path.relpath(path, a.corpora), sum(len(x) for x in u), len(u)))
        units.extend(u)

    if a.mode == "position":
        kept = []
        for u in units:
            if len(u) == 1 and msg_type(u) in (1, 2, 3):
                if len(u[0].split(b",")[5]) == 28:  # 168 bits, the only valid length
                    kept.append(u)
                else:
                    stats["position_dropped_bad_length"] += 1
        units = kept

    base = [s for u in units for s in u]
    if not base:
        sys.exit("make_input: nothing usable in the sources")
    eol = b"\r\n" if a.eol == "crlf" else b"\n"
    blob = eol.join(base) + eol
    copies = -(-a.min_sentences // len(base))  # ceil
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        for _ in range(copies):
            f.write(blob)
    os.replace(tmp, a.out)

    types = collections.Counter(msg_type(u) for u in units)
    print("sources:", file=sys.stderr)
    for rel, ns, nm in per_file:
        print(f"  {rel:45s} {ns:6d} sentences {nm:6d} messages", file=sys.stderr)
    print("cleaning:", dict(sorted(stats.items())), file=sys.stderr)
    print("base types:", dict(sorted(types.items())), file=sys.stderr)
    res = {
        "out": a.out, "mode": a.mode,
        "sentences": len(base) * copies, "messages": len(units) * copies, "copies": copies,
        "base_sentences": len(base), "base_messages": len(units),
        "bytes": len(blob) * copies,
    }
    print(f"wrote {res['sentences']} sentences ({res['messages']} messages) to {a.out}", file=sys.stderr)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
