#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A person starts Chutes, signs in through the browser, chats, quits,
comes back still signed in, and signs out: through the real window."""

import sys
import time

from uitest import APP_ID, Session, Tap, setup_signals, wait_for

MESSAGE = "Hello from the UI test <b>not bold</b>"


def main():
    setup_signals()
    s = Session("sign-in-chat", mock_args=("--stream-delay-ms", "40", "--reply-words", "80"))
    s.set_browser(delay=2)
    tap = Tap(s)
    state = {}

    def first_start_shows_sign_in():
        s.start_app()
        s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes")
        if "Demo server at 127.0.0.1" not in s.all_text():
            raise AssertionError("the window does not say it is talking to a demo server")
        s.screenshot("sign-in")

    def sign_in_button_opens_browser_and_waits():
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        s.wait_find("the waiting page", contains="Continue in Your Browser")
        link = s.wait_find("the authorize link", contains="/idp/authorize?")
        url = s.text_of(link) or link.name
        if "code_challenge_method=S256" not in url or "state=" not in url:
            raise AssertionError("authorize link lacks PKCE or state: " + url)
        if s.find(role="push button", name="Cancel") is None:
            raise AssertionError("no Cancel button while waiting")
        s.screenshot("waiting")
        wait_for("the browser to be opened", lambda: s.browser_lines("OPEN "), timeout=10)

    def browser_consent_lands_in_chat_with_focus():
        composer = s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        page = s.browser_lines("PAGE ")
        if not page or "200" not in page[-1].split()[1]:
            raise AssertionError("the browser tab did not get a success page: %r" % page)
        if s.find(contains="alice") is None:
            raise AssertionError("the username is not visible in the window")

    def enter_sends_and_reply_streams():
        s.type(MESSAGE)
        s.key("Return")
        # Plain text, shown literally: the markup is not interpreted.
        s.wait_find("the sent message", timeout=10, contains=MESSAGE)
        stop = s.wait_find("the Stop button while streaming", timeout=15, role="push button", name="Stop")
        reply = s.wait_find("the streamed reply", timeout=30, contains='You said: "Hello from the UI test')
        first = s.text_of(reply) or reply.name
        wait_for("the reply to finish", lambda: s.find(role="push button", name="Send"), timeout=60)
        final = s.find(contains='You said: "Hello from the UI test')
        text = s.text_of(final) or final.name
        if len(text) <= len(first):
            raise AssertionError("the reply did not grow while streaming")
        state["reply"] = text
        s.screenshot("chat")

    def shift_enter_adds_a_line_and_second_turn_sees_history():
        s.type("second line one")
        s.key("shift+Return")
        s.type("line two")
        composer = s.find(role="text", name="Message")
        if "\n" not in s.text_of(composer):
            raise AssertionError("Shift+Enter did not add a new line")
        s.key("Return")
        wait_for("the second reply", lambda: s.find(contains="You said: \"second line one"), timeout=30)
        wait_for("the second reply to finish", lambda: s.find(role="push button", name="Send"), timeout=60)
        if s.find(contains="3 messages") is None:
            raise AssertionError("the second request did not carry the conversation so far")

    def escape_stops_and_keeps_partial_reply():
        # Slow enough that the reply is surely still coming when Escape lands.
        s.mock.control(fail="", **{"stream-delay-ms": "80"})
        s.type("please write a long answer")
        s.key("Return")
        wait_for("streaming to start", lambda: s.find(contains='You said: "please write'), timeout=20)
        time.sleep(0.3)
        s.key("Escape")
        wait_for("the Stopped mark", lambda: s.find(contains="Stopped"), timeout=10)
        if s.find(contains='You said: "please write') is None:
            raise AssertionError("the partial reply was not kept after Stop")
        s.mock.control(**{"stream-delay-ms": "40"})

    def server_error_is_shown_and_partial_text_kept():
        s.mock.control(fail="chat-midstream-error", count="1")
        s.type("this one will break")
        s.key("Return")
        wait_for("the reply to fail", lambda: s.find(contains="The reply was interrupted"), timeout=30)
        s.wait_find("the Send button back", role="push button", name="Send")
        if s.find(contains='You said: "this') is None:
            raise AssertionError("the partial reply was not kept after the error")
        s.screenshot("chat-error")

    def restart_restores_session_from_keyring_without_browser():
        opened = len(s.browser_lines("OPEN "))
        s.quit_app()
        s.start_app()
        s.wait_find("the chat composer after restart", timeout=30, role="text", name="Message")
        if s.find(role="push button", name="Sign in with Chutes") is not None:
            raise AssertionError("the sign-in page is showing after restart")
        if len(s.browser_lines("OPEN ")) != opened:
            raise AssertionError("the browser was opened again on restart")

    def sign_out_action_revokes_and_returns_to_sign_in():
        before = s.mock.stats().get("revocations", 0)
        s.action("sign-out")
        s.wait_find("the sign-in page after sign-out", role="push button", name="Sign in with Chutes")
        wait_for("both tokens to be revoked", lambda: s.mock.stats().get("revocations", 0) >= before + 2,
                 timeout=10)

    def cancel_returns_to_sign_in():
        s.set_browser(delay=30)
        s.action("sign-in")
        s.wait_find("the waiting page", contains="Continue in Your Browser")
        s.action("cancel-sign-in")
        s.wait_find("the sign-in page after cancel", role="push button", name="Sign in with Chutes")

    def narrow_window_screenshot():
        s.set_browser(delay=0)
        s.action("sign-in")
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        s.type("Narrow window check")
        s.key("Return")
        wait_for("the reply to finish", lambda: s.find(contains='You said: "Narrow')
                 and s.find(role="push button", name="Send"), timeout=60)
        s.resize(360, 640)
        s.screenshot("chat-narrow")

    def dark_style_after_restart():
        s.quit_app()
        s.env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
        s.start_app()
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        s.resize(900, 680)
        s.type("Dark style check")
        s.key("Return")
        wait_for("the reply to finish", lambda: s.find(contains='You said: "Dark')
                 and s.find(role="push button", name="Send"), timeout=60)
        s.screenshot("chat-dark")

    def quit_right_after_sign_out_stays_signed_out():
        # Sign Out, then Quit at once: both reach the app in one go, so it
        # quits before the keyring has answered. It must still leave the
        # keyring without the session.
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        from gi.repository import Gio, GLib
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        path = "/" + APP_ID.replace(".", "/")
        for name in ("sign-out", "quit"):
            bus.call(APP_ID, path, "org.gtk.Actions", "Activate",
                     GLib.Variant("(sava{sv})", (name, [], {})), None,
                     Gio.DBusCallFlags.NO_AUTO_START, -1, None, None, None)
        bus.flush_sync(None)
        s.app.wait(30)
        s.app = None
        s.start_app()
        s.wait_find("the sign-in page after a restart", timeout=30, role="push button",
                    name="Sign in with Chutes")
        if s.find(role="text", name="Message") is not None:
            raise AssertionError("signed in again after Sign Out and Quit")

    def failed_revocation_is_said_and_finished_at_next_start():
        # Chutes refuses both revocations: signed out all the same, the
        # sign-in page says the session lives on at Chutes, and the next
        # start ends it.
        s.set_browser(delay=0)
        s.action("sign-in")
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        s.mock.control(fail="revoke-500", count="2")
        before = s.mock.stats()
        s.action("sign-out")
        s.wait_find("the sign-in page after sign-out", role="push button", name="Sign in with Chutes")
        s.wait_find("the reason on the sign-in page", timeout=15,
                    contains="Signed out on this computer; Chutes could not end the session:")
        s.screenshot("sign-out-revocation-failed")
        failures = s.mock.stats().get("revocation_failures", 0)
        if failures != before.get("revocation_failures", 0) + 2:
            raise AssertionError("expected two refused revocations, saw %d more"
                                 % (failures - before.get("revocation_failures", 0)))
        s.quit_app()
        s.start_app()
        wait_for("both tokens to be revoked at the next start",
                 lambda: s.mock.stats().get("revocations", 0) >= before.get("revocations", 0) + 4,
                 timeout=30)
        if s.mock.stats().get("revocation_failures", 0) != failures:
            raise AssertionError("the retry at the next start was refused")

    tap.add("/ui/first-start-shows-sign-in-marked-demo", first_start_shows_sign_in)
    tap.add("/ui/sign-in-button-opens-browser-and-shows-link", sign_in_button_opens_browser_and_waits)
    tap.add("/ui/consent-in-browser-lands-in-chat-with-focus", browser_consent_lands_in_chat_with_focus)
    tap.add("/ui/enter-sends-and-reply-streams-in", enter_sends_and_reply_streams)
    tap.add("/ui/shift-enter-new-line-and-history-sent", shift_enter_adds_a_line_and_second_turn_sees_history)
    tap.add("/ui/escape-stops-and-keeps-partial-reply", escape_stops_and_keeps_partial_reply)
    tap.add("/ui/midstream-error-keeps-partial-reply", server_error_is_shown_and_partial_text_kept)
    tap.add("/ui/restart-restores-session-without-browser", restart_restores_session_from_keyring_without_browser)
    tap.add("/ui/sign-out-action-revokes-and-returns", sign_out_action_revokes_and_returns_to_sign_in)
    tap.add("/ui/cancel-sign-in-returns-to-sign-in", cancel_returns_to_sign_in)
    tap.add("/ui/narrow-window", narrow_window_screenshot)
    tap.add("/ui/dark-style", dark_style_after_restart)
    tap.add("/ui/quit-right-after-sign-out-stays-signed-out", quit_right_after_sign_out_stays_signed_out)
    tap.add("/ui/failed-revocation-is-said-and-finished-at-next-start",
            failed_revocation_is_said_and_finished_at_next_start)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
