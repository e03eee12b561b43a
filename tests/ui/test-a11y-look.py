#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""High contrast and large text: the sign-in page and a chat with a
formatted reply still fit the window, nothing a person needs is pushed off
it, and the setting really took effect. Screenshots of each for a person
to look at.

High contrast comes the way a desktop gives it to libadwaita 1.2 without
the settings portal: org.gnome.desktop.a11y.interface high-contrast in
GSettings (a keyfile backend here; tests/ui/meson.build sets
ADW_DISABLE_PORTAL, since a Settings portal would answer from its own
GSettings backend, not this keyfile). Large text is text-scaling-factor 1.5,
which a settings daemon turns into the X11 text DPI; without one, GTK 4
ignores gtk-xft-dpi from settings.ini on X11 and has no GDK_DPI_SCALE, so
the default font at 1.5 times its size (gtk-font-name in settings.ini)
stands in for it: the text grows the same way, icons keep their size."""

import os
import subprocess
import sys

from uitest import Session, Tap, pyatspi, setup_signals, wait_for

HC_SCHEMA = "/usr/share/glib-2.0/schemas/org.gnome.desktop.a11y.interface.gschema.xml"


def main():
    setup_signals()
    s = Session("a11y-look", mock_args=("--stream-delay-ms", "2", "--reply-words", "20"),
                env={"GSETTINGS_BACKEND": "keyfile"})
    tap = Tap(s)
    state = {}

    def extents(node):
        e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return e.x, e.y, e.width, e.height

    def window_size():
        """The window's size, which must fit on the screen."""
        _, _, w, h = extents(s.root.getChildAtIndex(0))
        screen = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True, text=True).stdout.split()
        if len(screen) == 2 and (w > int(screen[0]) or h > int(screen[1])):
            raise AssertionError("the %dx%d window does not fit the %sx%s screen" % (w, h, screen[0], screen[1]))
        return w, h

    def fits(what, node):
        """@node is on screen whole: it has a size and lies inside the window."""
        if node is None:
            raise AssertionError("%s is not on screen" % what)
        x, y, w, h = extents(node)
        ww, wh = window_size()
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > ww or y + h > wh:
            raise AssertionError("%s at %d,%d %dx%d does not fit the %dx%d window" % (what, x, y, w, h, ww, wh))
        return w, h

    def differs(a, b):
        """How many pixels differ between two screenshots."""
        out = subprocess.run(["compare", "-metric", "AE", a, b, "null:"],
                             capture_output=True, text=True)
        try:
            return int(float(out.stderr.split()[0]))
        except (IndexError, ValueError):
            raise AssertionError("could not compare %s and %s: %s" % (a, b, out.stderr))

    def restart(env):
        s.quit_app()
        for key in ("ADW_DEBUG_HIGH_CONTRAST",):
            s.env.pop(key, None)
        s.env.update(env)
        s.start_app()
        s.resize(900, 680)

    def write_keyfile(high_contrast):
        path = os.path.join(s.env["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("[org/gnome/desktop/a11y/interface]\nhigh-contrast=%s\n" % ("true" if high_contrast else "false"))

    def write_text_scale(scale):
        path = os.path.join(s.env["XDG_CONFIG_HOME"], "gtk-4.0", "settings.ini")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("[Settings]\ngtk-font-name=Cantarell %g\n" % (11 * scale))

    def sign_in_page_checks(label):
        button = s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes")
        title = s.wait_find("the welcome heading", name="Welcome to Chutes")
        fits("the sign-in button", button)
        fits("the welcome heading", title)
        state[label + "-button"] = extents(button)
        state[label] = s.screenshot(label)

    def chat_with_reply_checks(label):
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.type("Show me some markdown please")
        s.key("Return")
        conversation = s.wait_find("the conversation", role="list", name="Conversation")
        wait_for("the formatted reply", lambda: s.find(contains="Quotes look like this", within=conversation)
                 and s.find(role="push button", name="Send"), timeout=30)
        fits("the composer", s.find(role="text", name="Message"))
        fits("the Send button", s.find(role="push button", name="Send"))
        fits("the model picker", s.find(role="push button", contains="Model: "))
        fits("the Chat Settings button", s.find(role="push button", name="Chat Settings"))
        fits("the Main Menu button", s.find(role="push button", name="Main Menu"))
        fits("the New Chat button", s.find(role="push button", name="New Chat"))
        # The code block and the heading are shown, not cut at the window's edge.
        code = s.wait_find("the code block", contains='printf ("Hello', within=conversation)
        _, _, cw, _ = extents(code)
        x, _, w, _ = extents(conversation)
        if cw <= 0 or cw > w:
            raise AssertionError("the code block is %d wide in a %d wide conversation" % (cw, w))
        heading = s.find(name="Formatting", within=conversation)
        if heading is None:
            raise AssertionError("the reply's heading is not shown")
        hx, _, hw, _ = extents(heading)
        if hw <= 0 or hx < x or hx + hw > x + w:
            raise AssertionError("the heading at x %d width %d is cut by the conversation (%d..%d)"
                                 % (hx, hw, x, x + w))
        state[label] = s.screenshot(label)

    def normal_sign_in_page():
        write_keyfile(False)
        write_text_scale(1.0)
        s.start_app()
        s.resize(900, 680)
        sign_in_page_checks("normal-sign-in")

    def high_contrast_sign_in_page():
        if os.path.exists(HC_SCHEMA):
            write_keyfile(True)
            restart({})
        else:
            print("# no org.gnome.desktop.a11y.interface schema: ADW_DEBUG_HIGH_CONTRAST")
            restart({"ADW_DEBUG_HIGH_CONTRAST": "1"})
        sign_in_page_checks("hc-sign-in")
        changed = differs(state["normal-sign-in"], state["hc-sign-in"])
        if changed < 500:
            raise AssertionError("high contrast changed only %d pixels of the sign-in page" % changed)

    def high_contrast_chat():
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        chat_with_reply_checks("hc-reply")

    def large_text_sign_in_page():
        write_keyfile(False)
        write_text_scale(1.5)
        s.action("sign-out")
        restart({})
        sign_in_page_checks("large-sign-in")
        normal_w = state["normal-sign-in-button"][2]
        large_w = state["large-sign-in-button"][2]
        if large_w < normal_w * 1.3:
            raise AssertionError("the text is not larger: the sign-in button is %d wide, %d before"
                                 % (large_w, normal_w))

    def large_text_chat():
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        chat_with_reply_checks("large-reply")

    def large_text_narrow_window():
        s.resize(360, 640)
        fits("the composer", s.wait_find("the composer", role="text", name="Message"))
        fits("the Send button", s.find(role="push button", name="Send"))
        s.screenshot("large-narrow")

    tap.add("/ui/a11y-look/normal-sign-in-page", normal_sign_in_page)
    tap.add("/ui/a11y-look/high-contrast-sign-in-page", high_contrast_sign_in_page)
    tap.add("/ui/a11y-look/high-contrast-chat", high_contrast_chat)
    tap.add("/ui/a11y-look/large-text-sign-in-page", large_text_sign_in_page)
    tap.add("/ui/a11y-look/large-text-chat", large_text_chat)
    tap.add("/ui/a11y-look/large-text-narrow-window", large_text_narrow_window)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
