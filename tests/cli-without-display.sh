#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# --version and --help answer without a display or a session bus, and so
# do --ask and --list-models (what `flatpak run ... --ask` relies on).
set -eu
app="$1"
version="$2"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

out=$("$app" --version)
[ "$out" = "chutes-desktop $version" ] || { echo "not ok: --version printed '$out'"; exit 1; }

out=$("$app" --help)
for word in "--version" "CHUTES_OAUTH_CLIENT_ID" "CHUTES_IDP_BASE_URL" "CHUTES_API_BASE_URL" \
            "--ask" "--list-models" "130  interrupted"; do
  case "$out" in
    *"$word"*) ;;
    *) echo "not ok: --help does not mention $word"; echo "$out"; exit 1 ;;
  esac
done
# Nobody signed in (no client, no keyring): status 3, one sentence.
status=0
err=$(CHUTES_OAUTH_CLIENT_ID= "$app" --ask "hello" </dev/null 2>&1 >/dev/null) || status=$?
[ "$status" = 3 ] || { echo "not ok: --ask without a session exited $status: $err"; exit 1; }
[ "$err" = "Not signed in. Open Chutes and sign in, then try again." ] ||
  { echo "not ok: --ask without a session said '$err'"; exit 1; }

# A gateway that cannot be reached: status 4.
status=0
CHUTES_API_BASE_URL=http://127.0.0.1:9/v1 "$app" --list-models >/dev/null 2>&1 || status=$?
[ "$status" = 4 ] || { echo "not ok: --list-models with no server exited $status"; exit 1; }

echo "--version, --help, --ask and --list-models work without a display"
