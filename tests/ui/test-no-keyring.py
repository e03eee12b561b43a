#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""No Secret Service on the session bus: the app says so plainly, still
signs in and chats for this session only, writes no secret to disk, and
asks to sign in again after a restart.

Runs inside `dbus-run-session --config-file=no-keyring/session.conf`."""

import subprocess
import sys

# uitest uses this session's accessibility bus, not the X display's.
from uitest import Session, Tap, setup_signals  # noqa: E402

PROBLEM = "No keyring is available"


def main():
    setup_signals()
    s = Session("no-keyring", mock_args=("--stream-delay-ms", "5"))
    tap = Tap(s)

    def keyring_problem_is_said_plainly():
        s.start_app()
        s.wait_find("the sign-in page", role="push button", name="Sign in with Chutes")
        s.wait_find("the keyring message", contains=PROBLEM)

    def sign_in_and_chat_work_for_this_session():
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.type("no keyring here")
        s.key("Return")
        s.wait_find("the reply", timeout=30, contains='You said: "no keyring here"')
        if s.find(contains=PROBLEM) is None:
            raise AssertionError("the keyring message went away while signed in")
        s.screenshot("chat")

    def nothing_secret_on_disk():
        found = subprocess.run(["grep", "-rl", "-e", "cak_", "-e", "crt_", "-e", "csc_", s.home],
                               capture_output=True, text=True).stdout.split()
        found = [p for p in found if not p.endswith("browser.log")]
        if found:
            raise AssertionError("secrets written to disk: %r" % found)

    def restart_asks_to_sign_in_again():
        s.quit_app()
        s.start_app()
        s.wait_find("the sign-in page after restart", role="push button", name="Sign in with Chutes")

    tap.add("/ui/no-keyring/problem-said-plainly", keyring_problem_is_said_plainly)
    tap.add("/ui/no-keyring/sign-in-and-chat-still-work", sign_in_and_chat_work_for_this_session)
    tap.add("/ui/no-keyring/nothing-secret-on-disk", nothing_secret_on_disk)
    tap.add("/ui/no-keyring/restart-asks-to-sign-in-again", restart_asks_to_sign_in_again)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
