#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs every libFuzzer harness of a -Dfuzzing=true build for a bounded time,
# starting from its committed seeds (corpus/<name>/, left unchanged: new
# inputs go to a scratch directory), and prints one line per fuzzer:
#
#   fuzz-models: 1234567 executions in 60 s, 0 crashes, corpus 2 seeds -> 180 inputs
#
#   sh tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS]     (default 60 s each)
#
# A crash, leak or UBSan finding leaves its input in BUILDDIR/fuzz-artifacts
# and makes the script exit 1, after all fuzzers ran. Run two at a time.
set -u

builddir=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS]}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
out="$builddir/fuzz-artifacts"
rm -rf "$out"
mkdir -p "$out"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export LSAN_OPTIONS="suppressions=$here/../lsan.supp:print_suppressions=0"

run_one () {
  name=$1
  work="$out/$name"
  mkdir -p "$work/corpus" "$work/crashes"
  start=$(date +%s)
  # GIO's copy of xdgmime, behind g_content_type_guess(), loses a few
  # bytes on some inputs; with the fast unwinder (GLib has no frame
  # pointers) LeakSanitizer cannot tell them from ours. The attachment
  # code's own leaks are checked with exact stacks by the ASan pass's
  # attachment test instead.
  leaks=1
  asan_options=$ASAN_OPTIONS
  if [ "$name" = attachment ]; then
    leaks=0
    asan_options="$ASAN_OPTIONS:detect_leaks=0"
  fi
  # -rss_limit_mb: json-glib's recursion on deep input shows up as a crash,
  # not as the machine swapping.
  ASAN_OPTIONS=$asan_options "$builddir/tests/fuzz/fuzz-$name" -max_total_time="$seconds" -max_len=16384 \
    -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -detect_leaks=$leaks \
    -artifact_prefix="$work/crashes/" \
    "$work/corpus" "$here/corpus/$name" >"$work/log" 2>&1
  echo $? >"$work/status"
  echo $(($(date +%s) - start)) >"$work/seconds"
}

summary () {
  name=$1
  work="$out/$name"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  secs=$(cat "$work/seconds")
  crashes=$(ls "$work/crashes" | wc -l)
  seeds=$(ls "$here/corpus/$name" | wc -l)
  found=$(ls "$work/corpus" | wc -l)
  status=$(cat "$work/status")
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1
  fi
  echo "fuzz-$name: ${runs:-0} executions in ${secs} s, $crashes crashes, corpus $seeds seeds -> $((seeds + found)) inputs"
  if [ "$status" -ne 0 ]; then
    echo "  FAILED (exit $status); log: $work/log; inputs: $work/crashes/"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/log" | head -n 5 | sed 's/^/  /'
    return 1
  fi
}

names=""
# One harness per seed folder (fuzz-common.c is not one).
for seeds in "$here"/corpus/*/; do
  names="$names $(basename "$seeds")"
done

# Two at a time: the machine has two cores.
set -- $names
while [ $# -gt 0 ]; do
  run_one "$1" &
  if [ $# -gt 1 ]; then
    run_one "$2" &
    shift
  fi
  shift
  wait
done

failed=0
for name in $names; do
  summary "$name" || failed=$((failed + 1))
done
echo "fuzzers: $failed of $(echo $names | wc -w) failed"
[ "$failed" -eq 0 ]
