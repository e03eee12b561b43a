#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Chutes and runs the whole test suite the way CI does: under Xvfb, in
# a private D-Bus session with a real, unlocked gnome-keyring and a fresh
# HOME, so nothing touches your own keyring or settings.
#
#   sh build-aux/run-tests.sh [extra meson test arguments]
#
# Three passes, each in a build directory of its own:
#   normal   the suite in $CHUTES_BUILDDIR (default _build-tests)
#   asan     the suite again, everything built with ASan + UBSan
#            (-Dsanitize=true), leak detection on, in $CHUTES_ASAN_BUILDDIR
#            (default _build-asan); library leaks listed in tests/lsan.supp;
#            in GTK processes, our objects still alive at exit
#   fuzz     every libFuzzer harness in tests/fuzz for $CHUTES_FUZZ_SECONDS
#            (default 60) each, built with clang in $CHUTES_FUZZ_BUILDDIR
#            (default _build-fuzz)
# CHUTES_TEST_PASSES picks some, e.g. CHUTES_TEST_PASSES=asan for the
# sanitizer pass alone. The last line is "N passed, N failed" (passes).
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir="${CHUTES_BUILDDIR:-$srcdir/_build-tests}"
asan_builddir="${CHUTES_ASAN_BUILDDIR:-$srcdir/_build-asan}"
fuzz_builddir="${CHUTES_FUZZ_BUILDDIR:-$srcdir/_build-fuzz}"
passes="${CHUTES_TEST_PASSES:-normal asan fuzz}"

sh "$srcdir/build-aux/install-deps.sh" test

# setup DIR [meson options...]: configures DIR once (or reconfigures it).
setup () {
  dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$srcdir" -Dbuildtype=debugoptimized "$@"
  else
    meson setup --reconfigure "$dir" "$srcdir" >/dev/null
  fi
}

home=$(mktemp -d /tmp/chutes-test-home.XXXXXX)
# xdg-document-portal (the portal tests start it) mounts a FUSE file system
# at $XDG_RUNTIME_DIR/doc, here $home/.cache/doc (no XDG_RUNTIME_DIR: GLib
# falls back to the cache folder), and may outlive its bus for a moment:
# rm cannot remove a mount point, and under set -e that failed the run.
clean_home () {
  fusermount3 -u -z "$home/.cache/doc" 2>/dev/null || true
  rm -rf "$home"/* "$home"/.[!.]* 2>/dev/null || true
}
trap 'clean_home; rmdir "$home" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

export GDK_BACKEND=x11 GSK_RENDERER=cairo LANG=C.UTF-8 LANGUAGE= LC_ALL=
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY \
      CHUTES_OAUTH_CLIENT_ID CHUTES_OAUTH_CLIENT_SECRET CHUTES_OAUTH_SCOPES \
      CHUTES_OAUTH_REDIRECT_URI CHUTES_IDP_BASE_URL CHUTES_API_BASE_URL || true

# suite DIR [meson test arguments...]: the whole suite of DIR, in a fresh
# HOME, display, session bus and keyring.
suite () {
  dir=$1
  shift
  clean_home
  mkdir -p "$home/.local/share" "$home/.config" "$home/.cache"
  # "--unlock" matters: without it the login collection prompts and hangs.
  HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
  XDG_CACHE_HOME="$home/.cache" \
  xvfb-run -a -s "-screen 0 1280x900x24 -noreset" dbus-run-session -- sh -c '
    echo -n chutes-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    dir=$1
    shift
    exec meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"' sh "$dir" "$@"
}

passed=0
failed=0
record () {
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "== pass $1: ok"
  else
    failed=$((failed + 1))
    echo "== pass $1: FAILED"
  fi
}

for pass in $passes; do
  status=0
  case "$pass" in
    normal)
      setup "$builddir"
      ninja -C "$builddir"
      suite "$builddir" "$@" || status=$?
      ;;
    asan)
      setup "$asan_builddir" -Dsanitize=true
      ninja -C "$asan_builddir"
      # Leaks are errors; tests/lsan.supp lists the libraries' (each with
      # why). UBSan aborts at the first finding. Every report also goes to
      # a file: the app and the mock server run under tests that only see
      # whether they answered, not how they exited.
      reports="$asan_builddir/sanitizer-reports"
      rm -rf "$reports"
      mkdir -p "$reports"
      export LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp:print_suppressions=0"
      export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
      # The GTK processes' leak check (src/chutes-live-objects.c): each
      # writes here which objects of ours outlived it.
      export CHUTES_LIVE_OBJECTS_REPORT="$reports/live-objects"
      asan="abort_on_error=1:log_path=$reports/asan"
      # Leak stacks must be exact to tell our leaks from the libraries':
      # GLib and GTK have no frame pointers, so the exact (DWARF) unwinder,
      # and every GSlice block its own malloc() so lost GObjects show.
      # With meson test arguments, every chosen test runs that way (a GTK
      # test then takes 10-30 times longer than usual).
      if [ $# -gt 0 ]; then
        ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:$asan" G_SLICE=always-malloc \
          suite "$asan_builddir" --timeout-multiplier 3 "$@" || status=$?
      else
        ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:$asan" G_SLICE=always-malloc \
          suite "$asan_builddir" --timeout-multiplier 3 --no-suite widgets --no-suite ui \
          --no-suite cmark \
          || status=$?
        # The GTK processes (widget tests, the app under the UI tests)
        # without LeakSanitizer: the exact unwinder makes them 10-60 times
        # slower (one Markdown test case over a minute), and the fast one
        # cannot see past GLib, whose intended leaks (the old quark table,
        # gquark.c) then look like ours. Their leak check counts our
        # objects instead (CHUTES_LIVE_OBJECTS_REPORT above); memory
        # errors and UBSan stay fatal. export-cmark (suite cmark) runs here
        # too: exact stacks make it take minutes (tests/meson.build).
        ASAN_OPTIONS="detect_leaks=0:$asan" \
          suite "$asan_builddir" --timeout-multiplier 3 --suite widgets --suite ui \
          --suite cmark \
          || status=$?
      fi
      checked=0
      for report in "$reports"/*; do
        [ -e "$report" ] || continue
        case "$report" in
          */live-objects.*)
            checked=$((checked + 1))
            grep -q '^Leaked:' "$report" || continue
            ;;
        esac
        status=1
        echo "== sanitizer report $report:"
        head -n 60 "$report"
      done
      echo "== live objects checked at the end of $checked GTK processes"
      unset LSAN_OPTIONS UBSAN_OPTIONS CHUTES_LIVE_OBJECTS_REPORT
      ;;
    fuzz)
      if [ ! -f "$fuzz_builddir/build.ninja" ]; then
        CC=clang meson setup "$fuzz_builddir" "$srcdir" -Dbuildtype=debugoptimized \
          -Dfuzzing=true -Dtests=false
      else
        meson setup --reconfigure "$fuzz_builddir" "$srcdir" >/dev/null
      fi
      ninja -C "$fuzz_builddir" fuzzers
      sh "$srcdir/tests/fuzz/run-fuzzers.sh" "$fuzz_builddir" "${CHUTES_FUZZ_SECONDS:-60}" \
        || status=$?
      ;;
    *)
      echo "unknown pass $pass (normal, asan, fuzz)" >&2
      status=2
      ;;
  esac
  record "$pass" "$status"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
