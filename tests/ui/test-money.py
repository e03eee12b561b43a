#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A person finds a vision model by typing "vision" in the model picker,
chats with it, and sees what each reply cost (the footer), what the chat
cost (its status line) and, in the Usage window, what the history says
they spent: each amount equal to the arithmetic from the mock's usage and
prices."""

import json
import re
import sys
import time
import urllib.request


from uitest import Session, Tap, setup_signals, wait_for

VISION_MODEL = "unsloth/gemma-3-27b-it"
SHORT_NAME = "gemma-3-27b-it"

# "41 tokens in, 12 out · $0.000040" or "80 tokens in (41 cached), 12 out · $0.000045"
FOOTER = re.compile(r"([\d,]+) tokens? in(?: \(([\d,]+) cached\))?, ([\d,]+) out(?: · (\S+))?")


def money(usd):
    """The app's rule in the C locale: 2 decimals from a cent, else 2
    significant digits (at most 10 decimals)."""
    if usd == 0 or usd >= 0.01:
        return "$%.2f" % usd
    decimals, scaled = 2, usd * 100
    while decimals < 10 and scaled < 10:
        scaled *= 10
        decimals += 1
    if decimals == 4 and scaled + 0.5 >= 100:
        decimals = 2
    return "$%.*f" % (decimals, usd)


def number(text):
    return int(text.replace(",", "")) if text else 0


def main():
    setup_signals()
    s = Session("money", mock_args=("--stream-delay-ms", "40"))
    s.set_browser(delay=0)
    tap = Tap(s)
    state = {"costs": []}

    with urllib.request.urlopen(s.mock.url + "/v1/models", timeout=10) as r:
        listed = {m["id"]: m for m in json.load(r)["data"]}
    pricing = listed[VISION_MODEL]["pricing"]

    def expected_cost(prompt, cached, completion):
        return ((prompt - cached) * pricing["prompt"] + cached * pricing["input_cache_read"]
                + completion * pricing["completion"]) / 1e6

    def idle():
        return s.find(role="push button", name="Send")

    def footers():
        return [m for m in (FOOTER.search(t) for t in s.all_text().splitlines()) if m]

    def click_composer():
        """Clicks into the composer, as a person would after the picker."""
        composer = s.wait_find("the composer", role="text", name="Message")
        s.click(composer)
        wait_for("the composer to have the focus", lambda: s.focused(composer), timeout=10)

    def open_usage():
        s.press(s.wait_find("the main menu button", role="push button", name="Main Menu"))
        s.press(s.wait_find("the Usage menu item", role="menu item", name="Usage"))
        return s.wait_find("the Usage window", role="frame", name="Usage", timeout=15)

    def close_usage(window):
        s.press(s.find(role="push button", name="Close", within=window))
        wait_for("the Usage window to close",
                 lambda: s.find(role="frame", name="Usage") is None, timeout=10)

    def sign_in():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")

    def typing_vision_finds_the_vision_model():
        s.key("ctrl+k")
        models = s.wait_find("the model list", role="list", name="Models")
        wait_for("the badges", lambda: s.find(name="Vision", within=models), timeout=10)
        if s.find(name="Reasoning", within=models) is None or s.find(name="Tools", within=models) is None:
            raise AssertionError("the Reasoning and Tools badges are not shown")
        s.screenshot("picker")
        s.type("vision")
        wait_for("only the vision model to be listed",
                 lambda: s.find(contains=SHORT_NAME, within=models)
                 and s.find(contains="Qwen3", within=models) is None
                 and s.find(contains="DeepSeek", within=models) is None, timeout=10)
        s.screenshot("picker-vision")
        s.key("Return")
        wait_for("the picker to close", lambda: s.find(role="list", name="Models") is None, timeout=10)
        wait_for("the picker to show the model", lambda: s.find(name="Model: " + VISION_MODEL), timeout=10)
        click_composer()

    def reply_footer_shows_its_cost():
        for text in ("What does a reply cost?", "And a second one, with the first cached?"):
            before = len(footers())
            s.type(text)
            s.key("Return")
            wait_for("the reply to finish with its footer",
                     lambda: idle() and len(footers()) > before and footers()[-1].group(4), timeout=60)
            found = footers()[-1]
            prompt, cached, completion = (number(found.group(1)), number(found.group(2)),
                                          number(found.group(3)))
            cost = expected_cost(prompt, cached, completion)
            print("# footer: %s (expected %s)" % (found.group(0), money(cost)))
            if found.group(4) != money(cost):
                raise AssertionError("the footer says %s, the arithmetic %s" % (found.group(4), money(cost)))
            state["costs"].append(cost)
        if number(footers()[-1].group(2)) == 0:
            raise AssertionError("the second reply shows no cached tokens")
        s.screenshot("footer")

    def chat_shows_its_total():
        total = money(sum(state["costs"]))
        wait_for("the chat total " + total, lambda: s.find(contains="Chat: " + total), timeout=10)

    def usage_view_reads_back_the_history():
        window = open_usage()
        total = money(sum(state["costs"]))
        wait_for("the total " + total, lambda: s.find(contains=total, within=window), timeout=15)
        if (s.find(contains=VISION_MODEL, within=window) is None
                or s.find(contains="2 replies", within=window) is None):
            raise AssertionError("the Usage window does not show the model's two replies")
        if s.find(role="image", name="Spending per day", within=window) is None:
            raise AssertionError("the chart has no accessible name")
        s.screenshot("usage")
        close_usage(window)

    def usage_view_after_restart_in_dark_style():
        s.quit_app()
        s.env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
        s.start_app()
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        window = open_usage()
        total = money(sum(state["costs"]))
        wait_for("the total " + total + " read back after a restart",
                 lambda: s.find(contains=total, within=window), timeout=15)
        s.screenshot("usage-dark")
        close_usage(window)

    def narrow_window_with_a_footer():
        click_composer()
        s.type("One more, narrow")
        s.key("Return")
        wait_for("the reply", lambda: idle() and s.find(contains='You said: "One more'), timeout=60)
        s.key("ctrl+k")
        s.wait_find("the model list", role="list", name="Models")
        s.screenshot("picker-dark")
        s.key("Escape")
        s.resize(360, 640)
        time.sleep(0.5)
        s.screenshot("narrow-dark")

    tap.add("/money/sign-in", sign_in)
    tap.add("/money/picker/vision-typed-finds-the-vision-model", typing_vision_finds_the_vision_model)
    tap.add("/money/footer/cost-equals-usage-at-the-listed-prices", reply_footer_shows_its_cost)
    tap.add("/money/chat/total-of-its-replies", chat_shows_its_total)
    tap.add("/money/usage/reads-back-the-history", usage_view_reads_back_the_history)
    tap.add("/money/usage/after-restart-dark", usage_view_after_restart_in_dark_style)
    tap.add("/money/narrow-window", narrow_window_with_a_footer)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
