#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Chutes and starts it from the build tree.
#
# With real credentials in the environment (CHUTES_OAUTH_CLIENT_ID and
# CHUTES_OAUTH_CLIENT_SECRET), or an OAuth app already set up in the app, it
# talks to chutes.ai. Otherwise it starts the bundled mock Chutes server on
# 127.0.0.1 and runs as a clearly marked DEMO against it: you sign in
# through your browser on the mock's consent page and chat with canned
# replies. Set CHUTES_DEMO=0 to skip the mock and use chutes.ai's setup page.
#
#   sh build-aux/run-demo.sh
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir="${CHUTES_BUILDDIR:-$srcdir/_build}"

sh "$srcdir/build-aux/install-deps.sh" build

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" -Dbuildtype=debugoptimized
else
  meson setup --reconfigure "$builddir" "$srcdir" >/dev/null
fi
# Only what the app and the demo need, not the tests and benchmarks: a
# first build takes half the time.
ninja -C "$builddir" src/chutes-desktop data/gschemas.compiled chutes-desktop-gmo \
  tests/mock-chutes/mock-chutes

# Run uninstalled: the compiled schema and the icons come from the trees.
export GSETTINGS_SCHEMA_DIR="$builddir/data"
# The uninstalled build's translations (src/main.c).
export CHUTES_LOCALEDIR="$builddir/po"
export XDG_DATA_DIRS="$srcdir/data:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"

if [ -n "${CHUTES_OAUTH_CLIENT_ID:-}" ] || [ "${CHUTES_DEMO:-1}" = "0" ]; then
  exec "$builddir/src/chutes-desktop" "$@"
fi

header="$srcdir/tests/mock-chutes/mock-chutes-demo.h"
demo_value () {
  sed -n "s/^#define $1 *\"\(.*\)\"/\1/p" "$header"
}

port="${CHUTES_DEMO_PORT:-48700}"
fifo=$(mktemp -u /tmp/chutes-demo.XXXXXX)
mkfifo "$fifo"
"$builddir/tests/mock-chutes/mock-chutes" --port "$port" --stream-delay-ms 30 >"$fifo" &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null; rm -f "$fifo"' EXIT INT TERM

read -r ready url <"$fifo" || true
if [ "${ready:-}" != "READY" ]; then
  echo "The mock Chutes server did not start (is port $port in use? set CHUTES_DEMO_PORT)." >&2
  exit 1
fi

cat <<MSG

  DEMO MODE
  Chutes is talking to the bundled mock server at $url,
  not to chutes.ai. Sign in on its consent page in your browser; replies are
  canned text (ask for "markdown" to see formatting). To use your real Chutes
  account, set CHUTES_OAUTH_CLIENT_ID and CHUTES_OAUTH_CLIENT_SECRET (README).

MSG

CHUTES_IDP_BASE_URL="$url" \
CHUTES_API_BASE_URL="$url/v1" \
CHUTES_OAUTH_CLIENT_ID="$(demo_value MOCK_CHUTES_DEMO_CLIENT_ID)" \
CHUTES_OAUTH_CLIENT_SECRET="$(demo_value MOCK_CHUTES_DEMO_CLIENT_SECRET)" \
  "$builddir/src/chutes-desktop" "$@"
