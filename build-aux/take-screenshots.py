#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots the metainfo shows, from the real app driven
against the mock Chutes server: the sign-in page, a chat with a formatted
reply, and the same chat in a narrow window.

Run it through build-aux/take-screenshots.sh, which provides the X display,
the private D-Bus session and the unlocked keyring it needs:

    sh build-aux/take-screenshots.sh BUILDDIR OUTDIR

Each picture is cropped to the window and kept under MAX_BYTES.
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ui"))

from uitest import Session, wait_for  # noqa: E402

MAX_BYTES = 300 * 1024
WIDE = (960, 860)
NARROW = (360, 720)

# What GNOME shows by default: only a close button, and GNOME's UI font
# (Debian 12: Cantarell, package fonts-cantarell) when it is installed.
GTK_SETTINGS = "[Settings]\ngtk-decoration-layout=appmenu:close\n"
GNOME_FONT = "gtk-font-name=Cantarell 11\n"


def colours(path):
    out = subprocess.run(["identify", "-format", "%k", path],
                         capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


def scroll_up(s, x, y, clicks):
    """Turns the mouse wheel over a point of the window, then parks the
    pointer outside it so that nothing shows a hover effect."""
    subprocess.run(["xdotool", "mousemove", "--window", s.wid, str(x), str(y)], check=True, timeout=10)
    subprocess.run(["xdotool", "click", "--repeat", str(clicks), "--delay", "150", "4"],
                   check=True, timeout=10)
    subprocess.run(["xdotool", "mousemove", "1270", "890"], check=True, timeout=10)


def shoot(s, outdir, name):
    """The window alone, as PNG, small enough to commit."""
    time.sleep(1.0)  # let the last frame land
    path = os.path.join(outdir, name + ".png")
    subprocess.run(["import", "-window", s.wid, path], check=True, timeout=30)
    if colours(path) < 16:
        raise RuntimeError("%s is blank" % path)
    subprocess.run(["convert", path, "-strip", "-define", "png:compression-level=9", path],
                   check=True, timeout=60)
    if os.path.getsize(path) > MAX_BYTES:
        # A UI has few colours; a palette keeps it sharp and small.
        subprocess.run(["convert", path, "-colors", "256", "PNG8:" + path], check=True, timeout=60)
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise RuntimeError("%s is %d bytes, more than %d" % (path, size, MAX_BYTES))
    geometry = subprocess.run(["identify", "-format", "%wx%h", path],
                              capture_output=True, text=True).stdout.strip()
    print("%s: %s, %d KB" % (path, geometry, size // 1024))
    return path


def translator():
    """The window's names in CHUTES_SHOTS_LANGUAGE, from the build's .mo."""
    import gettext
    lang = os.environ.get("CHUTES_SHOTS_LANGUAGE")
    if not lang:
        return lambda english: english
    return gettext.translation("chutes-desktop", localedir=os.environ["CHUTES_LOCALEDIR"],
                               languages=[lang]).gettext


def main():
    _ = translator()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)

    s = Session("screenshots", mock_args=("--stream-delay-ms", "5", "--reply-words", "25"))
    gtk_dir = os.path.join(s.env["XDG_CONFIG_HOME"], "gtk-4.0")
    os.makedirs(gtk_dir, exist_ok=True)
    with open(os.path.join(gtk_dir, "settings.ini"), "w", encoding="utf-8") as f:
        f.write(GTK_SETTINGS)
        if subprocess.run(["fc-list", "Cantarell"], capture_output=True, text=True).stdout.strip():
            f.write(GNOME_FONT)
        else:
            print("fonts-cantarell is not installed: the screenshots use another font",
                  file=sys.stderr)
    try:
        s.start_app()
        s.resize(*WIDE)
        s.wait_find("the sign-in button", role="push button", name=_("Sign in with Chutes"))
        shoot(s, outdir, "sign-in")

        s.press(s.find(role="push button", name=_("Sign in with Chutes")))
        composer = s.wait_find("the chat composer", timeout=30, role="text", name=_("Message"))
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        s.type("Show me some markdown please")
        s.key("Return")
        conversation = lambda: s.find(role="list", name=_("Conversation"))  # noqa: E731
        wait_for("the formatted reply",
                 lambda: s.find(contains="Quotes look like this", within=conversation())
                 and s.find(role="push button", name=_("Send")), timeout=60)
        s.resize(*WIDE)
        scroll_up(s, WIDE[0] * 2 // 3, WIDE[1] // 2, clicks=2)  # the question in view too
        shoot(s, outdir, "chat")

        s.resize(*NARROW)
        shoot(s, outdir, "narrow")
        s.quit_app()
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
