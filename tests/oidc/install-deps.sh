#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What tests/test-oidc-provider.c needs: Node.js and npm (Debian 12's
# nodejs 18 and npm 9, installed only when the commands are missing, so a
# Node.js from elsewhere is used as it is), then the pinned oidc-provider
# from package-lock.json in tests/oidc/node_modules (npm ci, only when
# missing or older than the lock file). Called by build-aux/install-deps.sh test.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Installing Node.js and npm (for the oidc-provider test)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi

installed="$here/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$here/package-lock.json" -nt "$installed" ]; then
  echo "Installing oidc-provider into tests/oidc/node_modules (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
