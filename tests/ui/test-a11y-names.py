#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every control a screen reader reaches has a name, and every button that
shows only an icon has a tooltip: on the setup page, the sign-in page, and
the chat with a reply, its message actions, the model picker, the chat
settings, a sidebar row's menu and the main menu, all read through AT-SPI.

GTK 4.8 names an object that has no name after its class ("GtkMenuButton"),
so such a name counts as none. It exposes a widget's tooltip as its
accessible description."""

import re
import sys

from uitest import Session, Tap, setup_signals, wait_for

CONTROLS = {"push button", "toggle button", "menu item", "check menu item", "radio menu item",
            "check box", "radio button", "text", "password text", "entry", "spin button",
            "combo box", "slider", "switch"}
CLASS_NAME = re.compile(r"^(Gtk|Adw|Chutes)[A-Za-z]*$")


def path_of(s, node):
    parts = []
    while node is not None and len(parts) < 12:
        parts.append("%s:%s" % (s.role_of(node), s.name_of(node) or "''"))
        try:
            node = node.parent
        except Exception:
            break
    return " < ".join(parts)


def unnamed(name):
    return not name.strip() or CLASS_NAME.match(name) is not None


def shows_text(s, node):
    """Whether a button shows words (a label) rather than only an icon."""
    for child in s.nodes(node):
        if child is node:
            continue
        if s.role_of(child) == "label" and not unnamed(s.text_of(child) or s.name_of(child)):
            return True
    return False


def audit(s, what, within=None):
    """Problems with the controls on screen: a list of lines."""
    problems = []
    seen = 0
    for node in s.nodes(within):
        role = s.role_of(node)
        if role not in CONTROLS or not s.showing(node):
            continue
        seen += 1
        name = s.name_of(node)
        if unnamed(name):
            problems.append("%s: %s without a name: %s" % (what, role, path_of(s, node)))
            continue
        if role in ("push button", "toggle button") and not shows_text(s, node):
            try:
                description = node.description or ""
            except Exception:
                description = ""
            if not description.strip():
                problems.append("%s: icon-only %s %r without a tooltip: %s"
                                % (what, role, name, path_of(s, node)))
    print("# %s: %d controls checked" % (what, seen))
    return seen, problems


def check(s, what, within=None, at_least=1):
    seen, problems = audit(s, what, within)
    if seen < at_least:
        raise AssertionError("%s: only %d controls found, expected at least %d" % (what, seen, at_least))
    if problems:
        raise AssertionError("\n".join(problems))


def setup_page_controls_named():
    s = Session("a11y-names-setup", with_client=False)
    try:
        s.start_app()
        s.wait_find("the setup page", contains="Set Up Chutes")
        wait_for("the setup entries", lambda: len([n for n in s.nodes() if s.role_of(n) in (
            "text", "password text", "entry") and s.showing(n)]) >= 4)
        check(s, "setup page", at_least=6)
    finally:
        s.quit_app()
        s.close()


def main():
    setup_signals()
    s = Session("a11y-names", mock_args=("--stream-delay-ms", "2", "--reply-words", "20"))
    tap = Tap(s)

    def idle():
        return s.find(role="push button", name="Send")

    def sign_in_page():
        s.start_app()
        s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes")
        check(s, "sign-in page", at_least=2)

    def chat_page_with_reply():
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.type("Name every control")
        s.key("Return")
        wait_for("the reply", lambda: s.find(contains='You said: "Name every control') and idle(), timeout=30)
        wait_for("the chat in the sidebar", lambda: s.find(role="push button", name="Chat Menu"), timeout=10)
        if len(s.all(role="push button", name="Copy Message")) < 2:
            raise AssertionError("the message actions are not on screen")
        check(s, "chat page", at_least=12)

    def model_picker():
        s.key("ctrl+k")
        models = s.wait_find("the model list", role="list", name="Models")
        s.wait_find("the model search", name="Search models")
        check(s, "model picker", at_least=1)
        if s.find(contains="Mistral", within=models) is None:
            raise AssertionError("the model list shows no models")
        s.key("Escape")
        wait_for("the picker to close", lambda: s.find(role="list", name="Models") is None, timeout=10)

    def chat_settings():
        settings = s.find(role="push button", name="Chat Settings")
        for attempt in range(3):
            s.press(settings)
            try:
                s.wait_find("the settings popover", timeout=8, contains="Settings of This Chat")
                break
            except Exception:
                if attempt == 2:
                    raise
        check(s, "chat settings popover", at_least=16)
        for name in ("Show the model’s thinking", "Temperature", "Longest reply in tokens", "System prompt"):
            if s.find(name=name) is None:
                raise AssertionError("no control named %r in the chat settings" % name)
        s.key("Escape")

    def sidebar_row_menu():
        s.press(s.wait_find("a chat's menu button", role="push button", name="Chat Menu"))
        s.wait_find("the Rename item", role="menu item", name="Rename…")
        check(s, "sidebar row menu", at_least=2)
        s.key("Escape")
        wait_for("the menu to close", lambda: s.find(role="menu item", name="Rename…") is None, timeout=10)

    def main_menu():
        s.key("F10")
        s.wait_find("the main menu", role="menu item", contains="Preferences")
        check(s, "main menu", at_least=4)
        s.key("Escape")

    tap.add("/ui/a11y-names/setup-page", setup_page_controls_named)
    tap.add("/ui/a11y-names/sign-in-page", sign_in_page)
    tap.add("/ui/a11y-names/chat-page-with-reply", chat_page_with_reply)
    tap.add("/ui/a11y-names/model-picker", model_picker)
    tap.add("/ui/a11y-names/chat-settings", chat_settings)
    tap.add("/ui/a11y-names/sidebar-row-menu", sidebar_row_menu)
    tap.add("/ui/a11y-names/main-menu", main_menu)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
