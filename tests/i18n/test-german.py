#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Chutes in German: with LANGUAGE=de the real window shows German on the
sign-in page, after signing in (the composer, the token count of a reply,
the menus) and in a narrow window, read back through AT-SPI. Screenshots
of each are kept to look for clipped long words."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from i18ntest import Translation, locale_env  # noqa: E402
from uitest import Session, Tap, setup_signals, wait_for  # noqa: E402


def main():
    setup_signals()
    de = Translation("de")
    s = Session("german", mock_args=("--stream-delay-ms", "5", "--reply-words", "40"),
                env=locale_env("de"))
    tap = Tap(s)

    def no_english(*phrases):
        text = s.all_text()
        for phrase in phrases:
            if phrase in text:
                raise AssertionError("English text %r in the German window" % phrase)

    def sign_in_page_in_german():
        s.start_app()
        s.wait_find("the sign-in button in German", role="push button",
                    name=de("Sign in with Chutes"))
        text = s.all_text()
        for expected in (de("Welcome to Chutes"),
                         de("Demo server at %s").replace("%s", "127.0.0.1")):
            if expected not in text:
                raise AssertionError("%r is not in the window" % expected)
        no_english("Sign in with Chutes", "Welcome to Chutes", "Demo server at")
        s.screenshot("sign-in")

    def composer_and_reply_in_german_after_sign_in():
        s.press(s.find(role="push button", name=de("Sign in with Chutes")))
        composer = s.wait_find("the composer's German name", timeout=30, role="text",
                               name=de("Message"))
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        s.type("Hallo, wie geht es dir?")
        s.key("Return")
        wait_for("the reply to finish", lambda: s.find(contains="You said: \"Hallo")
                 and s.find(role="push button", name=de("Send")), timeout=60)
        # A count in a sentence: the German plural form, numbers kept.
        usage = de.ngettext("%s token in, %s out", "%s tokens in, %s out", 2)
        pattern = re.escape(usage).replace("%s", r"[0-9][0-9.,\u00a0\u202f]*")
        wait_for("the token count in German (%r)" % usage,
                 lambda: re.search(pattern, s.all_text()), timeout=15)
        no_english("tokens in,", "Send (Enter)")
        s.resize(1000, 760)
        s.screenshot("chat")

    def menu_and_chat_settings_in_german():
        for attempt in range(3):
            # A click through AT-SPI right after a page appears can land
            # before the button is ready; a person would click again.
            s.press(s.wait_find("the main menu button", role="push button",
                                name=de("Main Menu")))
            try:
                s.wait_find("the menu's German items", timeout=8,
                            contains=de.label("_Keyboard Shortcuts"))
                break
            except Exception:
                if attempt == 2:
                    raise
        if s.find(contains=de.label("_Preferences")) is None:
            raise AssertionError("the Preferences item is not in German")
        s.screenshot("menu")
        s.key("Escape")
        for attempt in range(3):
            s.press(s.wait_find("the chat settings button", role="push button",
                                name=de("Chat Settings")))
            try:
                s.wait_find("the chat settings in German", timeout=8,
                            name=de("Longest reply (tokens)"))
                break
            except Exception:
                if attempt == 2:
                    raise
        s.screenshot("chat-settings")
        s.key("Escape")

    def narrow_window_stays_german():
        s.resize(400, 760)
        s.wait_find("the composer in the narrow window", role="text", name=de("Message"))
        s.screenshot("narrow")

    tap.add("/i18n/de/sign-in-page-in-german", sign_in_page_in_german)
    tap.add("/i18n/de/composer-and-reply-in-german-after-sign-in",
            composer_and_reply_in_german_after_sign_in)
    tap.add("/i18n/de/menu-and-chat-settings-in-german", menu_and_chat_settings_in_german)
    tap.add("/i18n/de/narrow-window-stays-german", narrow_window_stays_german)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
