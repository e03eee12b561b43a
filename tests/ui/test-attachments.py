#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A person attaches images and files to a message the four ways the
composer offers (paste, the Attach button's file chooser, drag and drop,
the command line), sends an image to a vision model and the mock server
receives it as an image_url part; a text-only model refuses the image
before anything is sent, and a corrupt image is named in a sentence. The
test makes its files itself (GdkPixbuf), none are kept in git."""

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

import pyatspi  # noqa: E402

from uitest import HERE, Session, Tap, _die_with_parent, setup_signals, wait_for  # noqa: E402

VISION_MODEL = "unsloth/gemma-3-27b-it"
TEXT_MODEL = "Qwen/Qwen3-235B-A22B"
REFUSAL = "Qwen/Qwen3-235B-A22B takes text only"


def make_png(path, width, height, rgb=(0x3a, 0x84, 0xd8)):
    """A PNG of one colour with a white square in a corner."""
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, False, 8, width, height)
    pixbuf.fill((rgb[0] << 24) | (rgb[1] << 16) | (rgb[2] << 8) | 0xff)
    pixbuf.new_subpixbuf(0, 0, width // 3, height // 3).fill(0xffffffff)
    pixbuf.savev(path, "png", [], [])


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("the image sent is not a PNG")
    return struct.unpack(">II", data[16:24])


def main():
    setup_signals()
    s = Session("attachments", mock_args=("--stream-delay-ms", "10"))
    s.set_browser(delay=0)
    tap = Tap(s)
    files = os.path.join(s.home, "files")
    os.makedirs(files)
    paths = {
        "pasted": os.path.join(files, "pasted.png"),
        "photo": os.path.join(files, "photo.png"),
        "code": os.path.join(files, "hello.py"),
        "dropped": os.path.join(files, "dropped.png"),
        "opened": os.path.join(files, "opened.png"),
        "corrupt": os.path.join(files, "corrupt.png"),
    }
    make_png(paths["pasted"], 160, 90)
    make_png(paths["photo"], 120, 80, rgb=(0xe6, 0x61, 0x00))
    make_png(paths["dropped"], 64, 64, rgb=(0x26, 0xa2, 0x69))
    make_png(paths["opened"], 50, 40, rgb=(0x91, 0x41, 0xac))
    with open(paths["code"], "w", encoding="utf-8") as f:
        f.write('def hello():\n    print("Hello, world")\n')
    with open(paths["corrupt"], "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"this is not really an image" * 20)
    clipboard = []

    def last_chat():
        try:
            with urllib.request.urlopen(s.mock.url + "/_mock/last-chat", timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError:
            return None

    def idle():
        return s.find(role="push button", name="Send")

    def composer():
        return s.wait_find("the composer", role="text", name="Message")

    def composer_text():
        return s.text_of(composer())

    def click_composer():
        node = composer()
        s.click(node)
        wait_for("the composer to have the focus", lambda: s.focused(node), timeout=10)

    def focus_name():
        for node in s.nodes():
            try:
                if node.getState().contains(pyatspi.STATE_FOCUSED):
                    return "%s %r" % (s.role_of(node), s.name_of(node))
            except Exception:
                continue
        return "nothing"

    def wait_focus(name):
        try:
            wait_for(name + " to have the focus",
                     lambda: s.focused(s.find(role="push button", name=name)), timeout=10)
        except Exception:
            raise AssertionError("%s does not have the focus; %s has" % (name, focus_name()))

    def remove_button(name):
        return s.find(role="push button", name="Remove " + name)

    def attached(name):
        return wait_for("%s in the attachment strip" % name, lambda: remove_button(name), timeout=20)

    def pick_model(query, model):
        s.key("ctrl+k")
        s.wait_find("the model list", role="list", name="Models")
        s.type(query)
        time.sleep(0.5)
        s.key("Return")
        wait_for("the picker to close", lambda: s.find(role="list", name="Models") is None, timeout=10)
        wait_for("the picker to show " + model, lambda: s.find(name="Model: " + model), timeout=10)
        click_composer()

    def sign_in():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        pick_model("gemma", VISION_MODEL)

    def paste_image_and_send_it_to_a_vision_model():
        # -quiet: in the foreground, so that it ends with the test (in the
        # background it would keep meson's output pipes open).
        clipboard.append(subprocess.Popen(
            ["xclip", "-quiet", "-selection", "clipboard", "-t", "image/png", "-i", paths["pasted"]],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent))
        wait_for("the image on the clipboard", lambda: "image/png" in subprocess.run(
            ["xclip", "-selection", "clipboard", "-o", "-t", "TARGETS"],
            capture_output=True, text=True, timeout=10).stdout, timeout=10)
        click_composer()
        s.key("ctrl+v")
        attached("Pasted image.png")
        if s.find(role="image", name="Pasted image.png") is None:
            raise AssertionError("no thumbnail of the pasted image")
        if composer_text().strip():
            raise AssertionError("the paste also put text in the composer: %r" % composer_text())
        s.type("What is in this picture?")
        s.key("Return")
        wait_for("the reply", lambda: idle() and s.find(contains='You said: "What is in this picture?'),
                 timeout=60)
        if remove_button("Pasted image.png") is not None:
            raise AssertionError("the strip still holds the image after sending")
        body = last_chat()
        if body is None:
            raise AssertionError("GET /_mock/last-chat has nothing")
        content = body["messages"][-1]["content"]
        parts = [p for p in content if p.get("type") == "image_url"] if isinstance(content, list) else []
        if len(parts) != 1:
            raise AssertionError("the request has no image_url part: %s" % json.dumps(content)[:400])
        url = parts[0]["image_url"]["url"]
        prefix = "data:image/png;base64,"
        if not url.startswith(prefix):
            raise AssertionError("the image is not a PNG data URI: %s" % url[:60])
        size = png_size(base64.b64decode(url[len(prefix):]))
        if size != (160, 90):
            raise AssertionError("the image sent is %dx%d, not 160x90" % size)
        texts = [p["text"] for p in content if p.get("type") == "text"]
        if not texts or "What is in this picture?" not in texts[0]:
            raise AssertionError("the typed text is not in the request: %r" % texts)

    def edit_puts_the_attachments_back():
        s.press(s.wait_find("the Edit and Resend button", role="push button", name="Edit and Resend"))
        wait_for("the question in the composer",
                 lambda: composer_text() == "What is in this picture?", timeout=10)
        attached("Pasted image.png")
        s.press(s.wait_find("the Cancel Editing button", role="push button", name="Cancel Editing"))
        wait_for("the strip to empty", lambda: remove_button("Pasted image.png") is None, timeout=10)
        if composer_text():
            raise AssertionError("the composer kept %r after cancelling" % composer_text())

    def file_chooser():
        """The chooser's X window (GTK's own dialog: no portal in the test session)."""
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Attach Files$"],
                             capture_output=True, text=True).stdout.split()
        return out[-1] if out else None

    def choose(path):
        s.press(s.wait_find("the Attach Files button", role="push button", name="Attach Files"))
        wid = wait_for("the file chooser", file_chooser, timeout=20)
        time.sleep(0.5)
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=10)
        subprocess.run(["xdotool", "key", "ctrl+l"], check=True, timeout=10)
        time.sleep(0.3)
        subprocess.run(["xdotool", "type", "--delay", "10", path], check=True, timeout=60)
        time.sleep(0.3)
        subprocess.run(["xdotool", "key", "Return"], check=True, timeout=10)
        wait_for("the file chooser to close", lambda: file_chooser() is None, timeout=20)

    def attach_with_the_file_chooser():
        for key in ("code", "photo"):
            choose(paths[key])
            attached(os.path.basename(paths[key]))
        if s.find(contains="hello.py, ") is None:
            raise AssertionError("the text file's chip does not give its size")
        s.screenshot("composer-light")

    def text_only_model_refuses_the_image():
        before = last_chat()
        pick_model("Qwen3-235B", TEXT_MODEL)
        wait_for("the sentence about images", lambda: s.find(role="label", contains=REFUSAL), timeout=10)
        click_composer()
        s.type("Describe these")
        s.key("Return")
        time.sleep(1.5)
        if last_chat() != before:
            raise AssertionError("something was sent to a text-only model")
        if "Describe these" not in composer_text():
            raise AssertionError("the typed text went away: %r" % composer_text())
        if remove_button("photo.png") is None or remove_button("hello.py") is None:
            raise AssertionError("the attachments went away")
        s.screenshot("refused")

    def remove_by_keyboard():
        # From the composer, Shift+Tab goes up to the last attachment's
        # remove button; Delete removes it and the focus stays in the strip.
        click_composer()
        s.key("shift+Tab")
        wait_focus("Remove photo.png")
        s.key("Delete")
        wait_for("photo.png to go", lambda: remove_button("photo.png") is None, timeout=10)
        wait_for("the sentence to go", lambda: s.find(role="label", contains=REFUSAL) is None, timeout=10)
        wait_focus("Remove hello.py")
        if remove_button("hello.py") is None:
            raise AssertionError("removing the image removed the text file too")

    def dark_and_narrow_screenshots():
        choose(paths["photo"])
        attached("photo.png")
        s.quit_app()
        s.env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
        s.start_app(paths["photo"], paths["code"])
        attached("photo.png")
        attached("hello.py")
        pick_model("gemma", VISION_MODEL)
        wait_for("no sentence with a vision model",
                 lambda: s.find(role="label", contains=REFUSAL) is None, timeout=10)
        s.type("What does this code draw?")
        s.screenshot("composer-dark")
        s.resize(360, 640)
        time.sleep(0.5)
        s.screenshot("composer-narrow-dark")
        s.resize(1000, 760)
        click_composer()
        s.key("ctrl+a", "BackSpace")
        for name in ("photo.png", "hello.py"):
            s.press(remove_button(name))
        wait_for("the strip to empty", lambda: remove_button("hello.py") is None, timeout=10)

    def drop_a_file():
        source = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "drag-source.py"),
                                   paths["dropped"]], env=s.env, preexec_fn=_die_with_parent)
        try:
            wid = wait_for("the drag source window", lambda: subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(source.pid)],
                capture_output=True, text=True).stdout.split(), timeout=20)[-1]
            subprocess.run(["xdotool", "windowmove", "--sync", wid, "1000", "600"], timeout=10)
            subprocess.run(["xdotool", "windowmove", "--sync", s.wid, "0", "0"], timeout=10)
            time.sleep(0.5)
            moves = [["mousemove", "1120", "720"], ["mousedown", "1"]]
            for i in range(1, 21):
                moves.append(["mousemove", str(1120 - i * 30), str(720 - i * 20)])
            for move in moves:
                subprocess.run(["xdotool", *move], check=True, timeout=10)
                time.sleep(0.08)
            hint = wait_for("the drop highlight", lambda: s.find(name="Drop Files to Attach"), timeout=5)
            s.screenshot("drop-highlight")
            subprocess.run(["xdotool", "mouseup", "1"], check=True, timeout=10)
            attached("dropped.png")
            wait_for("the highlight to go", lambda: not s.showing(hint)
                     or s.find(name="Drop Files to Attach") is None, timeout=10)
        finally:
            source.terminate()
            source.wait(10)

    def command_line_to_the_running_instance():
        s.press(remove_button("dropped.png"))
        click_composer()
        s.type("Hello")
        s.key("Return")
        wait_for("the reply", lambda: idle() and s.find(contains='You said: "Hello'), timeout=60)
        other = subprocess.run([os.environ["CHUTES_APP"], paths["opened"]], env=s.env, timeout=30)
        if other.returncode != 0:
            raise AssertionError("chutes-desktop FILE exited with %d" % other.returncode)
        attached("opened.png")
        wait_for("a new chat", lambda: s.find(contains='You said: "Hello') is None, timeout=10)
        if s.app.poll() is not None:
            raise AssertionError("the running instance went away")

    def corrupt_image_is_named_and_the_text_stays():
        click_composer()
        s.type("Keep this text")
        subprocess.run([os.environ["CHUTES_APP"], paths["corrupt"]], env=s.env, timeout=30)
        wait_for("a sentence naming corrupt.png", lambda: s.find(role="label", contains="corrupt.png"), timeout=20)
        if remove_button("corrupt.png") is not None:
            raise AssertionError("the corrupt image is in the strip")
        if remove_button("opened.png") is None:
            raise AssertionError("the image attached before went away")
        if "Keep this text" not in composer_text():
            raise AssertionError("the typed text went away: %r" % composer_text())

    def paste_copied_files():
        # As a file manager copies them: a URI list, and no image.
        for proc in clipboard:
            proc.terminate()
            proc.wait(10)
        clipboard.append(subprocess.Popen(
            ["xclip", "-quiet", "-selection", "clipboard", "-t", "text/uri-list"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent))
        clipboard[-1].stdin.write(("file://%s\r\n" % paths["code"]).encode())
        clipboard[-1].stdin.close()
        wait_for("the file on the clipboard", lambda: "text/uri-list" in subprocess.run(
            ["xclip", "-selection", "clipboard", "-o", "-t", "TARGETS"],
            capture_output=True, text=True, timeout=10).stdout, timeout=10)
        before = composer_text()
        click_composer()
        s.key("ctrl+v")
        attached("hello.py")
        if composer_text() != before:
            raise AssertionError("pasting files also pasted text: %r" % composer_text())

    def files_given_while_signed_out_wait_for_sign_in():
        s.action("sign-out")
        sign_in_button = s.wait_find("the sign-in page", role="push button", name="Sign in with Chutes")
        if remove_button("opened.png") is not None:
            raise AssertionError("signing out kept the attachments")
        subprocess.run([os.environ["CHUTES_APP"], paths["photo"]], env=s.env, timeout=30, check=True)
        s.press(sign_in_button)
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        attached("photo.png")

    tap.add("/attachments/sign-in", sign_in)
    tap.add("/attachments/paste-image-send-to-vision-model", paste_image_and_send_it_to_a_vision_model)
    tap.add("/attachments/edit-puts-attachments-back", edit_puts_the_attachments_back)
    tap.add("/attachments/file-chooser-text-file-and-image", attach_with_the_file_chooser)
    tap.add("/attachments/text-only-model-refuses-images", text_only_model_refuses_the_image)
    tap.add("/attachments/remove-by-keyboard", remove_by_keyboard)
    tap.add("/attachments/dark-narrow-command-line-at-start", dark_and_narrow_screenshots)
    tap.add("/attachments/drop-a-file", drop_a_file)
    tap.add("/attachments/command-line-to-running-instance", command_line_to_the_running_instance)
    tap.add("/attachments/corrupt-image-named-text-stays", corrupt_image_is_named_and_the_text_stays)
    tap.add("/attachments/paste-copied-files", paste_copied_files)
    tap.add("/attachments/files-given-signed-out-wait-for-sign-in", files_given_while_signed_out_wait_for_sign_in)
    try:
        return tap.run_and_close()
    finally:
        for proc in clipboard:
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
