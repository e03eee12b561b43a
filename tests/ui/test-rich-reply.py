#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A formatted reply with thinking switched on in the chat's settings:
the Thinking section, a heading, a table, a code block with the code shown
literally, and the settings kept with the chat."""

import sys

from uitest import Session, Tap, pyatspi, setup_signals, wait_for


def main():
    setup_signals()
    s = Session("rich-reply", mock_args=("--stream-delay-ms", "5", "--reply-words", "25"))
    tap = Tap(s)

    def conversation():
        return s.find(role="list", name="Conversation")

    def thinking_switch_sends_thinking():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        settings = s.wait_find("the settings button", role="push button", name="Chat Settings")
        switch = None
        for attempt in range(3):
            # A click through AT-SPI right after the page appears can land
            # before the button is ready; a person would click again.
            s.press(settings)
            try:
                switch = s.wait_find("the thinking switch", timeout=8, role="check box",
                                     name="Show the model’s thinking")
                break
            except Exception:
                if attempt == 2:
                    raise
                print("# the settings popover did not open; pressing again", file=sys.stderr)
        s.press(switch)
        wait_for("the switch to be on", lambda: switch.getState().contains(pyatspi.STATE_CHECKED),
                 timeout=10)
        s.screenshot("settings")
        s.key("Escape")
        s.type("Show me some markdown please")
        s.key("Return")
        wait_for("the formatted reply", lambda: s.find(contains="Quotes look like this", within=conversation())
                 and s.find(role="push button", name="Send"), timeout=30)
        if s.find(contains="Thinking", within=conversation()) is None:
            raise AssertionError("no Thinking section although thinking was switched on")

    def markdown_becomes_widgets_and_code_stays_literal():
        conv = conversation()
        if s.find(name="Formatting", within=conv) is None:
            raise AssertionError("the heading is not its own text")
        for cell in ("DeepSeek-V3", "164K", "Qwen3", "41K"):
            if s.find(name=cell, within=conv) is None:
                raise AssertionError("table cell %r missing" % cell)
        code = wait_for("the code block", lambda: s.find(contains='printf ("Hello, <Chutes> & GNOME', within=conv),
                        timeout=10)
        if "## Formatting" in s.all_text():
            raise AssertionError("Markdown shown raw")
        if code is None:
            raise AssertionError("code not shown literally")
        s.resize(900, 880)
        s.screenshot("reply")

    tap.add("/ui/rich-reply/thinking-switch-sends-thinking", thinking_switch_sends_thinking)
    tap.add("/ui/rich-reply/markdown-becomes-widgets-code-literal", markdown_becomes_widgets_and_code_stays_literal)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
