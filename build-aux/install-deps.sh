#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian 12 packages this project needs that are missing.
#   install-deps.sh build   what building and running the app needs
#   install-deps.sh test    that, plus what the test suite needs (Xvfb, a
#                           keyring, AT-SPI, xdotool, validators,
#                           flatpak-builder to parse the Flatpak manifests,
#                           the fonts of tests/fonts/fonts.conf.in,
#                           bwrap and the portals for the sandbox test)
set -eu

build_pkgs="build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libgdk-pixbuf-2.0-dev webp-pixbuf-loader libsecret-1-dev libsqlite3-dev libmd4c-dev libgtksourceview-5-dev
  desktop-file-utils appstream gnome-keyring
  xdg-utils"
# x11-utils: xmessage, the other window that takes the focus in ui-export-notify.
test_pkgs="xvfb xauth dbus dbus-x11 at-spi2-core python3 python3-pyatspi xdotool x11-utils
  imagemagick curl libsecret-tools flatpak-builder fonts-dejavu-core fonts-cantarell
  fonts-droid-fallback
  bubblewrap xdg-dbus-proxy xdg-desktop-portal xdg-desktop-portal-gtk fuse3
  libcmark-dev python3-authlib python3-flask
  clang libclang-rt-14-dev
  xclip python3-gi gir1.2-gtk-4.0"
# xclip, python3-gi, gir1.2-gtk-4.0: ui-attachments puts an image on the
# clipboard, makes its test files, and drags a file from a GTK window.
# The fonts tests measure and draw text with, and only those (tests/fonts/):
# fonts-droid-fallback adds CJK glyphs (7 MB) for the Japanese screenshot test.
# bubblewrap ... fuse3: ui-flatpak-sandbox, the app in a Flatpak-like sandbox
# with the real portals (fuse3 for the document portal's mount).
# libcmark-dev: an independent CommonMark parser that reads exports back.
# python3-authlib python3-flask: independent-oauth-server, the app against
# an OAuth 2.0 server we did not write (tests/oauth-server/).
# clang, libclang-rt-14-dev: libFuzzer and the sanitizer runtimes for tests/fuzz.

case "${1:-build}" in
  build) wanted="$build_pkgs" ;;
  test) wanted="$build_pkgs $test_pkgs" ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=""
for pkg in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "Installing missing packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
else
  sudo="sudo"
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
