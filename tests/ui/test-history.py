#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Saved chats through the real window: two chats are listed newest first,
survive a restart, are found by search with the words highlighted, and a
search hit opens its chat."""

import sys

from uitest import Session, Tap, setup_signals, wait_for


def main():
    setup_signals()
    s = Session("history", mock_args=("--stream-delay-ms", "5", "--reply-words", "30"))
    tap = Tap(s)

    def conversation():
        return s.find(role="list", name="Conversation")

    def chats():
        listing = s.find(role="list", name="Chats")
        names = [s.name_of(n) for n in s.all(role="label", within=listing)] if listing else []
        return [n for n in names if n and not n[0].isdigit() and n != "Yesterday"]

    def idle():
        return s.find(role="push button", name="Send")

    def two_chats_listed_newest_first():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.type("alpha question about GNOME Shell")
        s.key("Return")
        wait_for("the first reply", lambda: s.find(contains='You said: "alpha', within=conversation())
                 and idle(), timeout=30)
        s.key("ctrl+n")
        wait_for("an empty chat", lambda: s.find(contains="Start a Conversation"), timeout=10)
        s.type("beta question")
        s.key("Return")
        wait_for("the second reply", lambda: s.find(contains='You said: "beta', within=conversation())
                 and idle(), timeout=30)
        listed = wait_for("both chats in the sidebar", lambda: len(chats()) >= 2 and chats(), timeout=10)
        if not (listed[0].startswith("beta question") and listed[1].startswith("alpha question")):
            raise AssertionError("chats not listed newest first: %r" % listed)
        s.screenshot("two-chats")

    def chats_survive_a_restart():
        s.quit_app()
        s.start_app()
        s.wait_find("the chat after restart", timeout=30, role="text", name="Message")
        listed = wait_for("the saved chats", lambda: len(chats()) >= 2 and chats(), timeout=10)
        if not listed[1].startswith("alpha question"):
            raise AssertionError("the saved chats are missing after a restart: %r" % listed)

    def open_chat_menu(title):
        # Rows list their title, then their menu button, in order.
        listing = s.find(role="list", name="Chats")
        titles = chats()
        buttons = s.all(name="Chat Menu", within=listing)
        matches = [i for i, t in enumerate(titles) if t.startswith(title)]
        # A GtkMenuButton shows as two buttons: itself and the one inside.
        per_row = len(buttons) // max(len(titles), 1)
        if not matches or per_row == 0 or len(buttons) != per_row * len(titles):
            raise AssertionError("no menu for %r among %r" % (title, titles))
        s.press(buttons[matches[0] * per_row])

    def rename_through_the_dialog():
        # Leave the search: the sidebar lists the chats again.
        s.key("ctrl+f")
        s.key("ctrl+a", "BackSpace")
        wait_for("the chat list", lambda: len(chats()) >= 2, timeout=10)
        open_chat_menu("alpha question")
        s.press(s.wait_find("the Rename item", role="menu item", name="Rename…"))
        entry = s.wait_find("the name entry", timeout=10, role="text", name="Chat name")
        entry.queryEditableText().setTextContents("Renamed chat")
        s.press(s.wait_find("the Rename button", role="push button", contains="Rename"))
        wait_for("the new title", lambda: "Renamed chat" in chats(), timeout=10)

    def delete_can_be_undone_then_is_for_good():
        open_chat_menu("Renamed chat")
        s.press(s.wait_find("the Delete item", role="menu item", name="Delete"))
        wait_for("the chat to leave the list", lambda: "Renamed chat" not in chats(), timeout=10)
        s.press(s.wait_find("the Undo button", role="push button", contains="Undo"))
        wait_for("the chat back after Undo", lambda: "Renamed chat" in chats(), timeout=10)
        open_chat_menu("Renamed chat")
        s.press(s.wait_find("the Delete item", role="menu item", name="Delete"))
        wait_for("the chat to leave the list", lambda: "Renamed chat" not in chats(), timeout=10)
        # Quitting dismisses the toast: the deletion becomes final.
        s.quit_app()
        s.start_app()
        s.wait_find("the chat after restart", timeout=30, role="text", name="Message")
        wait_for("the remaining chat", lambda: len(chats()) >= 1, timeout=10)
        if "Renamed chat" in chats():
            raise AssertionError("the deleted chat came back after a restart")

    def unreadable_history_is_kept_aside_and_said():
        import glob
        import os
        s.quit_app()
        # The signed-in account's own history (accounts/<user ID>/).
        (path,) = glob.glob(os.path.join(s.env["XDG_DATA_HOME"], "ai.chutes.Desktop", "accounts",
                                         "*", "history.db"))
        for stale in glob.glob(path + "-*"):
            os.remove(stale)
        with open(path, "wb") as f:
            f.write(b"this is not an SQLite database" * 100)
        s.start_app()
        s.wait_find("the notice", timeout=20, contains="could not be read")
        kept = glob.glob(path + ".unreadable-*")
        kept = [k for k in kept if not k.endswith(("-wal", "-shm", "-journal"))]
        if len(kept) != 1:
            raise AssertionError("expected the file kept aside once, found %r" % kept)
        with open(kept[0], "rb") as f:
            if f.read() != b"this is not an SQLite database" * 100:
                raise AssertionError("the kept-aside file was changed")
        s.screenshot("kept-aside")

    def search_finds_and_opens_a_chat():
        s.key("ctrl+f")
        s.type("gnome")
        results = wait_for("a search result", lambda: s.find(role="list", name="Search results"), timeout=10)
        wait_for("the highlighted hit", lambda: s.find(contains="GNOME", within=results), timeout=10)
        s.screenshot("search")
        s.key("Return")
        wait_for("the found chat", lambda: s.find(contains='You said: "alpha', within=conversation()),
                 timeout=10)
        if s.find(contains='You said: "beta', within=conversation()) is not None:
            raise AssertionError("the other chat is still shown")

    tap.add("/ui/history/two-chats-listed-newest-first", two_chats_listed_newest_first)
    tap.add("/ui/history/chats-survive-a-restart", chats_survive_a_restart)
    tap.add("/ui/history/search-finds-and-opens-a-chat", search_finds_and_opens_a_chat)
    tap.add("/ui/history/rename-through-the-dialog", rename_through_the_dialog)
    tap.add("/ui/history/delete-undo-then-for-good", delete_can_be_undone_then_is_for_good)
    tap.add("/ui/history/unreadable-history-kept-aside-and-said", unreadable_history_is_kept_aside_and_said)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
