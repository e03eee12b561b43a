#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots the metainfo shows, from the real app driven
against the mock Chutes server: the sign-in page, a chat with a formatted
reply, and the same chat in a narrow window; then a question sent to a
vision model with an image and a code file attached (light, dark, narrow)
and the image viewer.

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

import pyatspi  # noqa: E402

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


VISION_MODEL = "unsloth/gemma-3-27b-it"
CODE = """#include <stdio.h>

int
main (void)
{
  for (int i = 1; i <= 15; i++)
    printf ("%d\\n", i % 15 == 0 ? -1 : i);
  return 0;
}
"""


def pick_vision_model(s, _):
    """The vision model from the picker, then the focus back in the
    composer (the model picked is not kept across a restart)."""
    s.key("ctrl+k")
    s.wait_find("the model list", role="list", name=_("Models"))
    s.type("gemma")
    time.sleep(0.5)
    s.key("Return")
    wait_for("the picker to close", lambda: s.find(role="list", name=_("Models")) is None, timeout=10)
    wait_for("the vision model", lambda: s.find(name=_("Model: %s") % VISION_MODEL), timeout=10)
    composer = s.wait_find("the composer", role="text", name=_("Message"))
    x, y, w, h = composer.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    subprocess.run(["xdotool", "mousemove", "--window", s.wid, "--sync", str(x + w // 2),
                    str(y + h // 2), "click", "1"], check=True, timeout=10)
    wait_for("the composer to have the focus", lambda: s.focused(composer), timeout=10)
    subprocess.run(["xdotool", "mousemove", "1270", "890"], check=True, timeout=10)


def attachments_scene(s, outdir, _):
    """A question with a photo and a code file, its reply with the cost in
    its footer, in light and dark and a narrow window, and the viewer."""
    files = os.path.join(s.home, "files")
    os.makedirs(files, exist_ok=True)
    photo = os.path.join(files, "harbour.jpg")
    code = os.path.join(files, "count.c")
    # A photo-like picture, the same each time.
    subprocess.run(["convert", "-seed", "7", "-size", "1200x800", "plasma:#3584e4-#f6d32d",
                    "-blur", "0x2", "-quality", "90", photo], check=True, timeout=60)
    with open(code, "w", encoding="utf-8") as f:
        f.write(CODE)
    conversation = lambda: s.find(role="list", name=_("Conversation"))  # noqa: E731

    for dark in (False, True):
        s.quit_app()
        if dark:
            s.env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
        # The command line opens a new chat with the files attached.
        s.start_app(photo, code)
        s.resize(*WIDE)
        for name in ("harbour.jpg", "count.c"):
            wait_for(name + " attached",
                     lambda n=name: s.find(role="push button", name=_("Remove %s") % n), timeout=30)
        pick_vision_model(s, _)
        s.type("What does this program print, and where was the photo taken?")
        s.key("Return")
        wait_for("the reply", lambda: s.find(role="push button", name=_("Send"))
                 and s.find(contains="$", within=conversation()), timeout=60)
        wait_for("the thumbnail", lambda: s.find(role="push button", name=_("Open %s") % "harbour.jpg",
                                                 within=conversation()), timeout=10)
        suffix = "-dark" if dark else ""
        shoot(s, outdir, "attachments" + suffix)
        s.resize(*NARROW)
        shoot(s, outdir, "attachments-narrow" + suffix)
        s.resize(*WIDE)
        shoot_viewer(s, outdir, "viewer" + suffix, conversation, _)


def shoot_viewer(s, outdir, name, conversation, _):
    """The photo opened from its thumbnail, then closed with Escape."""
    def viewers():
        return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^harbour\\.jpg$"],
                              capture_output=True, text=True).stdout.split()

    s.press(s.find(role="push button", name=_("Open %s") % "harbour.jpg", within=conversation()))
    viewer = wait_for("the viewer", viewers, timeout=20)[-1]
    main_window = s.wid
    s.wid = viewer
    try:
        shoot(s, outdir, name)
        s.key("Escape")
        wait_for("the viewer to close", lambda: not viewers(), timeout=10)
    finally:
        s.wid = main_window


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

        attachments_scene(s, outdir, _)
        s.quit_app()
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
