#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# --version and --help answer without a display or a session bus.
set -eu
app="$1"
version="$2"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

out=$("$app" --version)
[ "$out" = "chutes-desktop $version" ] || { echo "not ok: --version printed '$out'"; exit 1; }

out=$("$app" --help)
for word in "--version" "CHUTES_OAUTH_CLIENT_ID" "CHUTES_IDP_BASE_URL" "CHUTES_API_BASE_URL"; do
  case "$out" in
    *"$word"*) ;;
    *) echo "not ok: --help does not mention $word"; echo "$out"; exit 1 ;;
  esac
done
echo "--version and --help work without a display"
