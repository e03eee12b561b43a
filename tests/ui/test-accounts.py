#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two people (one with "_" in the name) sign in to one Chutes window, switch from the account menu,
chat in each, never see each other's chats, and one signs out: the other
stays signed in with hers."""

import re
import sys


from uitest import Session, Tap, setup_signals, wait_for

MENU_ROLES = ("menu item", "check menu item", "radio menu item")


def main():
    setup_signals()
    s = Session("accounts", mock_args=("--stream-delay-ms", "5", "--reply-words", "10"))
    s.set_browser(delay=0)
    tap = Tap(s)

    def conversation():
        return s.find(role="list", name="Conversation")

    def chats():
        listing = s.find(role="list", name="Chats")
        names = [s.name_of(n) for n in s.all(role="label", within=listing)] if listing else []
        return [n for n in names if n and not n[0].isdigit() and n != "Yesterday"]

    def chat(text):
        composer = s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        if not s.focused(composer):
            s.click(composer)
        wait_for("the composer to have keyboard focus", lambda: s.focused(composer), timeout=10)
        s.type(text)
        s.key("Return")
        wait_for("the reply to %r" % text,
                 lambda: s.find(contains='You said: "' + text.split()[0], within=conversation())
                 and s.find(role="push button", name="Send"), timeout=30)
        wait_for("%r among the chats" % text, lambda: any(text in c for c in chats()), timeout=10)

    def menu_item(name):
        # An account's item may say its quota after the name: "alice · 999 requests left".
        for role in MENU_ROLES:
            for node in s.all(role=role):
                label = s.name_of(node) or ""
                if (label == name or label.startswith(name + " · ")) and s.showing(node):
                    return node
        return None

    quota_seen = {}

    def account_rows():
        # What the account menu says of each account, e.g. "alice · 997 requests left".
        open_account_menu()
        rows = {name: s.name_of(menu_item(name)) if menu_item(name) else None
                for name in ("alice", "bob_smith")}
        close_menu()
        return rows

    def open_account_menu():
        s.press(s.wait_find("the account button", role="toggle button", name="Account")
                if s.find(role="toggle button", name="Account")
                else s.wait_find("the account button", name="Account"))
        return wait_for("the account menu", lambda: menu_item("Add Account…"), timeout=10)

    def close_menu():
        s.key("Escape")
        wait_for("the menu to close", lambda: menu_item("Add Account…") is None, timeout=10)

    def first_account_signs_in_and_chats():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        chat("apples from alice")
        if s.find(contains="alice") is None:
            raise AssertionError("alice's name is not shown")

    def second_account_added_sees_none_of_the_first():
        s.mock.control(user="bob_smith")
        s.action("add-account")
        wait_for("bob signed in", lambda: s.find(contains="bob_smith")
                 and s.find(role="text", name="Message"), timeout=30)
        wait_for("an empty chat list", lambda: s.find(contains="No Chats Yet"), timeout=10)
        if any("apples" in c for c in chats()):
            raise AssertionError("bob sees alice's chats: %r" % chats())
        chat("bananas from bob")
        if any("apples" in c for c in chats()):
            raise AssertionError("bob sees alice's chats: %r" % chats())

    def account_menu_lists_both_light_and_dark():
        open_account_menu()
        # A name with "_" is shown as it is, not taken as a mnemonic.
        for name in ("alice", "bob_smith", "Sign Out of bob_smith"):
            if menu_item(name) is None:
                raise AssertionError("no %r in the account menu" % name)
        s.screenshot("account-menu")
        close_menu()
        s.resize(360, 640)
        open_account_menu()
        s.screenshot("account-menu-narrow")
        close_menu()
        s.resize(900, 680)

    def switch_from_the_menu_shows_only_her_chats():
        open_account_menu()
        s.press(menu_item("alice"))
        wait_for("alice's chats", lambda: any("apples" in c for c in chats()), timeout=10)
        if any("bananas" in c for c in chats()):
            raise AssertionError("alice sees bob's chats: %r" % chats())
        s.key("ctrl+n")
        wait_for("an empty chat", lambda: s.find(contains="Start a Conversation"), timeout=10)
        chat("cherries from alice")
        if any("bananas" in c for c in chats()):
            raise AssertionError("alice sees bob's chats: %r" % chats())
        # Each account's row says the quota its last chat heard of.
        def rows_with_quota():
            rows = account_rows()
            if all(re.fullmatch(r"%s · \d+ requests left" % n, rows[n] or "") for n in rows):
                return rows
            return None

        quota_seen.update(wait_for("both accounts' quota in the menu", rows_with_quota, timeout=20))

    def dark_menu_after_restart_both_still_signed_in():
        s.quit_app()
        s.env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
        s.start_app()
        s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        s.resize(900, 680)
        open_account_menu()
        for name in ("alice", "bob_smith"):
            if menu_item(name) is None:
                raise AssertionError("%r was not signed in again at start" % name)
        s.screenshot("account-menu-dark")
        close_menu()
        # The quota each saw before the restart, before any chat of this run.
        wait_for("the quota seen before the restart, %r" % quota_seen,
                 lambda: account_rows() == quota_seen, timeout=20)

    def signing_one_out_leaves_the_other():
        open_account_menu()
        s.press(menu_item("alice"))
        wait_for("alice's chats", lambda: any("apples" in c for c in chats()), timeout=10)
        before = s.mock.stats()
        open_account_menu()
        s.press(menu_item("Sign Out of alice"))
        wait_for("bob's chats after alice signed out",
                 lambda: any("bananas" in c for c in chats()), timeout=20)
        if any("apples" in c or "cherries" in c for c in chats()):
            raise AssertionError("bob sees alice's chats: %r" % chats())
        wait_for("alice's tokens revoked",
                 lambda: s.mock.stats().get("revocations", 0) >= before.get("revocations", 0) + 2,
                 timeout=30)
        s.wait_find("bob still signed in", role="text", name="Message")
        open_account_menu()
        if menu_item("alice") is not None or menu_item("bob_smith") is None:
            raise AssertionError("the menu does not list bob alone")
        close_menu()
        chat("dates from bob")

    tap.add("/ui/accounts/first-signs-in-and-chats", first_account_signs_in_and_chats)
    tap.add("/ui/accounts/second-added-sees-none-of-the-first",
            second_account_added_sees_none_of_the_first)
    tap.add("/ui/accounts/menu-lists-both", account_menu_lists_both_light_and_dark)
    tap.add("/ui/accounts/switch-from-menu-shows-only-her-chats",
            switch_from_the_menu_shows_only_her_chats)
    tap.add("/ui/accounts/both-back-after-restart-dark-menu",
            dark_menu_after_restart_both_still_signed_in)
    tap.add("/ui/accounts/sign-out-of-one-leaves-the-other", signing_one_out_leaves_the_other)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
