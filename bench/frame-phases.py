#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sums up GTK's frame phases for each streamed reply.

Reads what bench-streaming printed on stderr with CHUTES_BENCH_VERBOSE=1
and GTK_TMP_TRACE=1, run against GTK built with
bench/gtk-4.8-frame-timing.patch (bench/README.md, "Inside GTK's frames"),
and prints, for each reply, the count, median, 90th percentile, largest
and sum of each timed step between its "sending" and its end.

  GTK_TMP_TRACE=1 CHUTES_BENCH_VERBOSE=1 LD_LIBRARY_PATH=/tmp/gtkbuild/gtk \\
    _build-X/bench/bench-streaming --runs 3 2>trace.txt
  bench/frame-phases.py trace.txt
"""
import re
import statistics
import sys


def main(path):
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    replies = []
    start = None
    for line in lines:
        m = re.match(r"\[([\d.]+)\] sending", line)
        if m:
            start = float(m.group(1))
        m = re.match(r"\[([\d.]+)\] (\d+) tokens \(\d+ bytes\) in ([\d.]+) s", line)
        if m and start is not None:
            replies.append((start, start + float(m.group(3)) + 0.1, m.group(2)))
            start = None

    steps = []
    for line in lines:
        m = re.match(r"gtktrace: ([\d.]+) (\S+) (?:(\S+) \S+ )?([\d.]+)$", line)
        if m:
            what = m.group(2) if m.group(2) != "tick" else "tick " + m.group(3)
            steps.append((float(m.group(1)), what, float(m.group(4))))

    for begin, end, tokens in replies:
        by_step = {}
        for time, what, ms in steps:
            if begin <= time <= end:
                by_step.setdefault(what, []).append(ms)
        print(f"reply of {tokens} tokens, {end - begin:.2f} s")
        for what in sorted(by_step):
            values = sorted(by_step[what])
            p90 = values[int(len(values) * 0.9)]
            print(f"  {what:24s} {len(values):5d}  median {statistics.median(values):5.1f}"
                  f"  p90 {p90:5.1f}  max {values[-1]:5.1f}  sum {sum(values):7.1f} ms")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
