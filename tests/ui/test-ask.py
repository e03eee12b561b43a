#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chutes-desktop --ask beside the real window: the chat it saves shows up
in the window's sidebar at once, --continue adds to it, and a window and
two --ask processes needing a refresh at the same moment never present a
spent refresh token."""

import subprocess
import sys
import time

from uitest import Session, Tap, setup_signals, wait_for


def main():
    setup_signals()
    # Access tokens that live 3 s; token replies slow enough for refreshes
    # to overlap.
    s = Session("ask", mock_args=("--access-ttl", "3", "--token-delay-ms", "300"))
    tap = Tap(s)

    def chats():
        listing = s.find(role="list", name="Chats")
        names = [s.name_of(n) for n in s.all(role="label", within=listing)] if listing else []
        return [n for n in names if n and not n[0].isdigit() and n != "Yesterday"]

    def ask(*args):
        return subprocess.Popen([s.app.args[0], *args], env=s.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish(proc, what):
        out, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            raise AssertionError("%s exited with %d: %s" % (what, proc.returncode, err.strip()))
        return out

    def asked_chat_appears_in_the_window():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        out = finish(ask("--ask", "terminal question about GNOME"), "--ask")
        if not out.startswith('You said: "terminal question about GNOME".'):
            raise AssertionError("unexpected reply: %r" % out)
        wait_for("the terminal's chat in the sidebar",
                 lambda: any(c.startswith("terminal question") for c in chats()), timeout=10)
        # Done in its own process: the window opened no second window.
        if len(s.all(role="frame")) != 1:
            raise AssertionError("--ask changed the window count")
        s.screenshot("ask-in-sidebar")

    def conversation():
        return s.find(role="list", name="Conversation")

    def open_from_the_sidebar(title):
        listing = s.find(role="list", name="Chats")
        s.click(next(n for n in s.all(role="label", within=listing)
                     if s.name_of(n).startswith(title)))

    def continue_adds_to_the_newest():
        # The window shows the very chat --continue adds to.
        open_from_the_sidebar("terminal question")
        wait_for("the terminal's chat open in the window",
                 lambda: s.find(contains='You said: "terminal question', within=conversation()),
                 timeout=10)
        before = len(chats())
        out = finish(ask("--continue", "--ask", "and a follow-up"), "--continue")
        if "This conversation has 3 messages so far." not in out:
            raise AssertionError("the follow-up did not continue the chat: %r" % out)
        # The open chat shows the new question and its reply, not only the sidebar.
        wait_for("the follow-up and its reply in the open chat",
                 lambda: s.find(contains="and a follow-up", within=conversation())
                 and s.find(contains='You said: "and a follow-up', within=conversation()),
                 timeout=10)
        if s.find(contains='You said: "terminal question', within=conversation()) is None:
            raise AssertionError("the open chat lost its first exchange")
        s.screenshot("ask-continue-in-open-chat")
        # Back to writing, as before.
        composer = s.find(role="text", name="Message")
        s.click(composer)
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        time.sleep(1)
        if len(chats()) != before:
            raise AssertionError("--continue made a new chat: %r" % chats())

    def window_and_asks_refresh_once():
        time.sleep(3.5)      # every access token has expired
        racers = [ask("--ask", "racing %d" % i) for i in range(2)]
        s.type("window races too")
        s.key("Return")
        for i, proc in enumerate(racers):
            finish(proc, "racer %d" % i)
        wait_for("the window's reply",
                 lambda: s.find(contains='You said: "window races too'), timeout=30)
        stats = s.mock.stats()
        if stats["refresh_reuse"] != 0 or stats["token_refresh_failures"] != 0:
            raise AssertionError("a spent refresh token was presented: %r" % stats)

    tap.add("/ui/ask/chat-appears-in-the-running-window", asked_chat_appears_in_the_window)
    tap.add("/ui/ask/continue-adds-to-the-newest-chat", continue_adds_to_the_newest)
    tap.add("/ui/ask/window-and-asks-never-reuse-a-refresh-token", window_and_asks_refresh_once)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
