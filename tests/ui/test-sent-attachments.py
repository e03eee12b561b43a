#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A sent message shows its image as a thumbnail and its text file as a
chip; after a restart the reopened conversation still shows them, the
thumbnail opens the image at full size in a viewer that Escape closes,
and regenerating the reply sends the image (and the file) again. The
test makes its files itself (GdkPixbuf)."""

import base64
import json
import os
import struct
import subprocess
import sys
import time
import urllib.request

import gi

gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf  # noqa: E402

from uitest import Session, Tap, setup_signals, wait_for  # noqa: E402

VISION_MODEL = "unsloth/gemma-3-27b-it"
PHOTO_SIZE = (320, 200)
CODE = 'def hello():\n    print("<b>Hello</b>, world")\n'


def make_png(path, width, height):
    """A PNG of one colour with a white square in a corner."""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, width, height)
    pixbuf.fill(0x3a84d8ff)
    pixbuf.new_subpixbuf(0, 0, width // 3, height // 3).fill(0xffffffff)
    pixbuf.savev(path, "png", [], [])


def main():
    setup_signals()
    s = Session("sent-attachments", mock_args=("--stream-delay-ms", "5", "--reply-words", "20"))
    tap = Tap(s)
    files = os.path.join(s.home, "files")
    os.makedirs(files)
    photo = os.path.join(files, "photo.png")
    code = os.path.join(files, "hello.py")
    make_png(photo, *PHOTO_SIZE)
    with open(code, "w", encoding="utf-8") as f:
        f.write(CODE)

    def last_chat():
        with urllib.request.urlopen(s.mock.url + "/_mock/last-chat", timeout=10) as r:
            return json.load(r)

    def idle():
        return s.find(role="push button", name="Send")

    def conversation():
        return s.find(role="list", name="Conversation")

    def opens(name):
        return s.find(role="push button", name="Open " + name, within=conversation())

    def pick_vision_model():
        s.key("ctrl+k")
        s.wait_find("the model list", role="list", name="Models")
        s.type("gemma")
        time.sleep(0.5)
        s.key("Return")
        wait_for("the picker to close", lambda: s.find(role="list", name="Models") is None, timeout=10)
        wait_for("the picker to show the vision model", lambda: s.find(name="Model: " + VISION_MODEL),
                 timeout=10)
        composer = s.wait_find("the composer", role="text", name="Message")
        s.click(composer)
        wait_for("the composer to have the focus", lambda: s.focused(composer), timeout=10)

    def sent_image_and_file_shown():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.quit_app()
        # The command line opens a new chat with the files attached.
        s.start_app(photo, code)
        for name in ("photo.png", "hello.py"):
            wait_for(name + " attached", lambda n=name: s.find(role="push button", name="Remove " + n),
                     timeout=20)
        pick_vision_model()
        s.type("What is in this picture?")
        s.key("Return")
        wait_for("the reply", lambda: idle() and s.find(contains='You said: "What is in this picture?'),
                 timeout=60)
        wait_for("the thumbnail in the sent message", lambda: opens("photo.png"), timeout=10)
        wait_for("the file's chip in the sent message", lambda: opens("hello.py"), timeout=10)
        s.screenshot("sent")

    def reopened_after_restart_shows_them():
        s.quit_app()
        s.start_app()
        s.wait_find("the chat after restart", timeout=30, role="text", name="Message")
        s.key("ctrl+f")
        s.type("picture")
        s.wait_find("a search result", role="list", name="Search results", timeout=10)
        time.sleep(0.5)
        s.key("Return")
        wait_for("the saved chat", lambda: s.find(contains='You said: "What is in this picture?',
                                                  within=conversation()), timeout=20)
        wait_for("the thumbnail after a restart", lambda: opens("photo.png"), timeout=10)
        wait_for("the chip after a restart", lambda: opens("hello.py"), timeout=10)
        s.screenshot("reopened")

    def viewer_windows():
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^photo\\.png$"],
                             capture_output=True, text=True).stdout.split()
        return out

    def thumbnail_opens_the_image_and_escape_closes_it():
        s.press(opens("photo.png"))
        wid = wait_for("the viewer's window", viewer_windows, timeout=20)[-1]
        size = "%d × %d" % PHOTO_SIZE
        wait_for("the viewer's title with the size", lambda: s.find(contains=size), timeout=10)
        s.screenshot("viewer")
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=10)
        subprocess.run(["xdotool", "key", "Escape"], check=True, timeout=10)
        wait_for("the viewer to close", lambda: not viewer_windows(), timeout=10)
        if s.app.poll() is not None:
            raise AssertionError("the app went away with the viewer")

    def regenerate_sends_the_image_again():
        before = s.mock.stats()["chat_requests"]
        s.press(s.wait_find("the Regenerate button", role="push button", name="Regenerate Reply"))
        wait_for("a new request", lambda: s.mock.stats()["chat_requests"] == before + 1, timeout=10)
        wait_for("the new reply", lambda: idle(), timeout=30)
        question = [m for m in last_chat()["messages"] if m["role"] == "user"][-1]
        content = question["content"]
        if not isinstance(content, list):
            raise AssertionError("the regenerated request has no content parts: %r" % content)
        texts = [p["text"] for p in content if p.get("type") == "text"]
        images = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
        if len(images) != 1 or not images[0].startswith("data:image/png;base64,"):
            raise AssertionError("the image was not sent again: %s" % json.dumps(content)[:300])
        png = base64.b64decode(images[0].split(",", 1)[1])
        if png[:8] != b"\x89PNG\r\n\x1a\n" or struct.unpack(">II", png[16:24]) != PHOTO_SIZE:
            raise AssertionError("the image sent again is not the one attached")
        if not any("hello.py" in t and CODE in t for t in texts):
            raise AssertionError("the file was not sent again: %r" % texts)

    tap.add("/ui/sent-attachments/shown-in-the-sent-message", sent_image_and_file_shown)
    tap.add("/ui/sent-attachments/shown-after-a-restart", reopened_after_restart_shows_them)
    tap.add("/ui/sent-attachments/thumbnail-opens-viewer-escape-closes",
            thumbnail_opens_the_image_and_escape_closes_it)
    tap.add("/ui/sent-attachments/regenerate-sends-the-image-again", regenerate_sends_the_image_again)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
