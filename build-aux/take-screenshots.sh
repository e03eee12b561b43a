#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Takes the screenshots the metainfo shows (data/screenshots/) from the real
# app, driven against the mock Chutes server under Xvfb, in a private D-Bus
# session with a throwaway, unlocked keyring and HOME.
#
#   sh build-aux/take-screenshots.sh BUILDDIR OUTDIR
#   CHUTES_SHOTS_LANGUAGE=fr sh build-aux/take-screenshots.sh BUILDDIR OUTDIR
#
# BUILDDIR must be configured with tests (the default): the mock server is
# one of them. Look at the pictures before you commit them.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILDDIR OUTDIR" >&2
  exit 2
fi

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$1" && pwd)
mkdir -p "$2"
outdir=$(cd "$2" && pwd)

ninja -C "$builddir" >/dev/null
for f in src/chutes-desktop tests/mock-chutes/mock-chutes data/gschemas.compiled tests/fonts/fonts.conf; do
  if [ ! -e "$builddir/$f" ]; then
    echo "$builddir/$f is missing: configure $builddir with -Dtests=true" >&2
    exit 1
  fi
done

home=$(mktemp -d /tmp/chutes-shots-home.XXXXXX)
trap 'rm -rf "$home"' EXIT INT TERM
mkdir -p "$home/.local/share" "$home/.config" "$home/.cache"

# English, the default look, nothing of the user's own configuration.
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
       XDG_CACHE_HOME="$home/.cache" GDK_BACKEND=x11 GSK_RENDERER=cairo LANG=C.UTF-8 \
       LANGUAGE= LC_ALL= \
       CHUTES_APP="$builddir/src/chutes-desktop" \
       MOCK_CHUTES="$builddir/tests/mock-chutes/mock-chutes" \
       GSETTINGS_SCHEMA_DIR="$builddir/data" \
       CHUTES_TEST_BUILDDIR="$home" \
       FONTCONFIG_FILE="$builddir/tests/fonts/fonts.conf" ADW_DISABLE_PORTAL=1
# FONTCONFIG_FILE: the fonts the tests see (tests/fonts/fonts.conf.in), those
# install-deps.sh installs, not whatever else this machine has.
# ADW_DISABLE_PORTAL: the default style, not one from a settings portal.
# CHUTES_SHOTS_LANGUAGE=de (say) takes them in that language instead, with the
# build's translations.
if [ -n "${CHUTES_SHOTS_LANGUAGE:-}" ]; then
  export LANGUAGE="$CHUTES_SHOTS_LANGUAGE" CHUTES_LOCALEDIR="$builddir/po"
fi
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY GTK_THEME ADW_DEBUG_COLOR_SCHEME \
      CHUTES_OAUTH_CLIENT_ID CHUTES_OAUTH_CLIENT_SECRET CHUTES_OAUTH_SCOPES \
      CHUTES_OAUTH_REDIRECT_URI CHUTES_IDP_BASE_URL CHUTES_API_BASE_URL || true

# "--unlock" matters: without it the login collection prompts and hangs.
# Debian's python3 has pyatspi; another python3 on PATH may not.
xvfb-run -a -s "-screen 0 1280x900x24 -noreset" dbus-run-session -- sh -c '
  echo -n chutes-shots | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec /usr/bin/python3 "$0" "$1"' "$srcdir/build-aux/take-screenshots.py" "$outdir"
