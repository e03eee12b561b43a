#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Chutes in Japanese: with LANGUAGE=ja the real window shows Japanese on
the sign-in page and in the composer after signing in, and a font that
covers Japanese is installed so the screenshots show glyphs, not boxes."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from i18ntest import Translation, fonts_for, locale_env  # noqa: E402
from uitest import Session, Tap, setup_signals, wait_for  # noqa: E402


def main():
    setup_signals()
    ja = Translation("ja")
    s = Session("japanese", mock_args=("--stream-delay-ms", "5", "--reply-words", "20"),
                env=locale_env("ja"))
    tap = Tap(s)

    def a_japanese_font_is_installed():
        fonts = fonts_for("ja")
        if not fonts:
            raise AssertionError("no installed font covers Japanese; Japanese text would "
                                 "show as boxes (build-aux/install-deps.sh test installs one)")
        print("# fonts for ja: " + ", ".join(fonts))

    def sign_in_page_in_japanese():
        s.start_app()
        s.wait_find("the sign-in button in Japanese", role="push button",
                    name=ja("Sign in with Chutes"))
        if ja("Welcome to Chutes") not in s.all_text():
            raise AssertionError("the welcome title is not in Japanese")
        if "Sign in with Chutes" in s.all_text():
            raise AssertionError("English text in the Japanese window")
        s.screenshot("sign-in")

    def composer_in_japanese_after_sign_in():
        s.press(s.find(role="push button", name=ja("Sign in with Chutes")))
        composer = s.wait_find("the composer's Japanese name", timeout=30, role="text",
                               name=ja("Message"))
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        s.type("Hello in Japanese")
        s.key("Return")
        wait_for("the reply to finish", lambda: s.find(contains="You said: \"Hello in Japanese")
                 and s.find(role="push button", name=ja("Send")), timeout=60)
        s.resize(1000, 760)
        s.screenshot("chat")

    tap.add("/i18n/ja/a-japanese-font-is-installed", a_japanese_font_is_installed)
    tap.add("/i18n/ja/sign-in-page-in-japanese", sign_in_page_in_japanese)
    tap.add("/i18n/ja/composer-in-japanese-after-sign-in", composer_in_japanese_after_sign_in)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
