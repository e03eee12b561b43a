#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Chutes and runs the whole test suite the way CI does: under Xvfb, in
# a private D-Bus session with a real, unlocked gnome-keyring and a fresh
# HOME, so nothing touches your own keyring or settings.
#
#   sh build-aux/run-tests.sh [extra meson test arguments]
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir="${CHUTES_BUILDDIR:-$srcdir/_build-tests}"

sh "$srcdir/build-aux/install-deps.sh" test

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" -Dbuildtype=debugoptimized
else
  meson setup --reconfigure "$builddir" "$srcdir" >/dev/null
fi
ninja -C "$builddir"

home=$(mktemp -d /tmp/chutes-test-home.XXXXXX)
trap 'rm -rf "$home"' EXIT INT TERM
mkdir -p "$home/.local/share" "$home/.config" "$home/.cache"

export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
       XDG_CACHE_HOME="$home/.cache" GDK_BACKEND=x11 GSK_RENDERER=cairo LANG=C.UTF-8 \
       LANGUAGE= LC_ALL=
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY \
      CHUTES_OAUTH_CLIENT_ID CHUTES_OAUTH_CLIENT_SECRET CHUTES_OAUTH_SCOPES \
      CHUTES_OAUTH_REDIRECT_URI CHUTES_IDP_BASE_URL CHUTES_API_BASE_URL || true

# "--unlock" matters: without it the login collection prompts and hangs.
exec xvfb-run -a -s "-screen 0 1280x900x24 -noreset" dbus-run-session -- sh -c '
  echo -n chutes-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec meson test -C "$0" --print-errorlogs --num-processes 2 "$@"' "$builddir" "$@"
