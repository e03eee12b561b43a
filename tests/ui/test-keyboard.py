#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A person who uses only the keyboard: Tab to "Sign in with Chutes",
Enter, chat, pick another model, a new chat, search, the main menu. No
AT-SPI press and no mouse: keys go in through xdotool, and AT-SPI only
reads back what has focus and what the window shows."""

import sys
import time

from uitest import Session, Tap, pyatspi, setup_signals, wait_for

from gi.repository import Atspi, GLib  # noqa: E402 (uitest picks the version)


class Announcements:
    """What the app says to screen readers without moving focus: name
    changes of its status object, description changes of the focused
    object, as AT-SPI events (what Orca listens to)."""

    def __init__(self):
        self.said = []
        self.listener = Atspi.EventListener.new(self._event)
        self.listener.register("object:property-change:accessible-name")
        self.listener.register("object:property-change:accessible-description")

    def _event(self, event):
        try:
            role = event.source.get_role_name()
            focused = event.source.get_state_set().contains(Atspi.StateType.FOCUSED)
            text = event.any_data if isinstance(event.any_data, str) else ""
        except Exception:
            return
        if event.type.endswith("accessible-name") and role == "status bar":
            self.said.append(("status", text))
        elif event.type.endswith("accessible-description") and focused:
            self.said.append(("focus", text))

    def pump(self):
        context = GLib.MainContext.default()
        while context.iteration(False):
            pass

    def count(self, where, text):
        self.pump()
        return len([1 for w, t in self.said if w == where and t == text])


def main():
    setup_signals()
    s = Session("keyboard", mock_args=("--stream-delay-ms", "5", "--reply-words", "20"))
    s.set_browser(delay=0)
    tap = Tap(s)
    state = {}

    def window_size():
        frame = s.root.getChildAtIndex(0)
        e = frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return e.width, e.height

    def focus_node():
        """The one object that has keyboard focus, among those on screen."""
        for node in s.nodes():
            try:
                if node.getState().contains(pyatspi.STATE_FOCUSED):
                    return node
            except Exception:
                continue
        return None

    def in_popover(node):
        for _ in range(40):
            node = node.parent
            if node is None:
                return False
            if s.name_of(node) in ("GtkPopover", "GtkPopoverContent") or s.role_of(node) == "menu":
                return True
        return False

    def describe(node):
        return "%s %r" % (s.role_of(node), s.name_of(node)) if node is not None else "nothing"

    def check_on_screen(node, what):
        """Focus on something a sighted person can see: a visible object
        with a size, inside the window."""
        if node is None:
            raise AssertionError("after %s no object on screen has focus "
                                 "(focus went to something hidden)" % what)
        if not node.getState().contains(pyatspi.STATE_VISIBLE):
            raise AssertionError("after %s focus is on an invisible %s" % (what, describe(node)))
        if in_popover(node):
            # GTK 4.8 gives a popover's contents extents of their own
            # surface, not the window's: visible is what can be checked.
            return
        e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        width, height = window_size()
        if e.width <= 0 or e.height <= 0 or e.x < 0 or e.y < 0 \
                or e.x + e.width > width or e.y + e.height > height:
            raise AssertionError("after %s focus is on %s at %d,%d %dx%d, outside the %dx%d window"
                                 % (what, describe(node), e.x, e.y, e.width, e.height, width, height))

    def wait_focus(what, predicate, timeout=10):
        """Waits until the focused object satisfies @predicate; returns it."""
        def check():
            node = focus_node()
            return node if node is not None and predicate(node) else None
        try:
            return wait_for(what, check, timeout=timeout)
        except Exception:
            raise AssertionError("%s; focus is on %s" % (what, describe(focus_node())))

    def tab_to(role, name, limit=12, backwards=False):
        """Tab (or Shift+Tab) until @role @name (or a name that @name, a
        function, accepts) has focus, checking every stop is on screen."""
        wanted = name if callable(name) else (lambda n: n == name)
        stops = []
        for i in range(limit):
            s.key("shift+Tab" if backwards else "Tab")
            time.sleep(0.3)
            node = wait_for("a focused object after Tab", focus_node, timeout=5) if i == 0 else focus_node()
            check_on_screen(node, "Tab %d (stops so far: %s)" % (i + 1, stops))
            stops.append(describe(node))
            if s.role_of(node) == role and wanted(s.name_of(node)):
                print("# Tab order: " + " → ".join(stops))
                return node
        raise AssertionError("%r never got focus by Tab; stops: %s" % (name, stops))

    def picker_label():
        """What the model picker button shows, read from its label."""
        picker = s.find(name="Model")
        for node in s.nodes(picker):
            if s.role_of(node) == "label" and (s.text_of(node) or s.name_of(node)):
                return s.text_of(node) or s.name_of(node)
        return None

    def tab_reaches_sign_in_and_enter_signs_in():
        s.start_app()
        s.wait_find("the sign-in page", role="push button", name="Sign in with Chutes")
        button = tab_to("push button", "Sign in with Chutes")
        if not s.focused(button):
            raise AssertionError("the sign-in button lost focus")
        s.key("Return")
        wait_for("the browser to be opened", lambda: s.browser_lines("OPEN "), timeout=15)
        composer = s.wait_find("the chat composer", timeout=30, role="text", name="Message")
        wait_for("the composer to have focus", lambda: s.focused(composer), timeout=10)
        check_on_screen(focus_node(), "signing in")

    def enter_sends_and_reply_arrives():
        state["announcements"] = Announcements()
        s.type("Keyboard only, please")
        s.key("Return")
        wait_for("the reply", lambda: s.find(contains='You said: "Keyboard only, please')
                 and s.find(role="push button", name="Send"), timeout=30)
        composer = s.find(role="text", name="Message")
        if s.text_of(composer) != "":
            raise AssertionError("the composer was not emptied after sending")
        wait_focus("focus to stay in the composer", lambda n: s.name_of(n) == "Message")

    def finished_reply_is_announced_each_time():
        said = state["announcements"]
        model = wait_for("the picker's label", picker_label, timeout=10)
        sentence = "Reply from %s finished" % model
        status = s.wait_find("the status object", role="status bar")
        if s.name_of(status) != sentence and s.text_of(status) != sentence:
            raise AssertionError("the status object says %r, not %r"
                                 % (s.name_of(status) or s.text_of(status), sentence))
        for where in ("status", "focus"):
            wait_for("%r said through the %s" % (sentence, where),
                     lambda: said.count(where, sentence) == 1, timeout=10)
        # The same sentence again is said again, not swallowed as "no change".
        s.type("Once more")
        s.key("Return")
        wait_for("the second reply", lambda: s.find(contains='You said: "Once more')
                 and s.find(role="push button", name="Send"), timeout=30)
        for where in ("status", "focus"):
            wait_for("%r said a second time through the %s" % (sentence, where),
                     lambda: said.count(where, sentence) == 2, timeout=10)

    def tab_order_from_composer_is_sensible():
        # From the composer, Tab goes on to the controls under it and
        # Shift+Tab comes back; every stop is visible.
        # The model picker's button says what it is and which model it shows.
        tab_to("push button", lambda n: n.startswith("Model: ") and n.endswith(picker_label()), limit=2)
        tab_to("push button", "Chat Settings", limit=1)
        tab_to("text", "Message", backwards=True)

    def shift_tab_from_composer_reaches_newest_message():
        # Right above the composer is the newest message: Shift+Tab lands
        # in it (on its last control), and Tab comes back to the composer.
        conversation = s.find(role="list", name="Conversation")
        rows = [conversation.getChildAtIndex(i) for i in range(conversation.childCount)]
        rows = [r for r in rows if r is not None and s.role_of(r) == "list item"]
        if len(rows) < 2:
            raise AssertionError("expected a question and a reply, found %d rows" % len(rows))
        newest = rows[-1].getIndexInParent()

        def in_newest(node):
            while node is not None and s.role_of(node) != "list item":
                node = node.parent
            return node is not None and s.name_of(node.parent) == "Conversation" \
                and node.getIndexInParent() == newest

        wait_focus("the composer to have focus", lambda n: s.name_of(n) == "Message")
        s.key("shift+Tab")
        node = wait_focus("focus in the newest message after Shift+Tab", in_newest)
        check_on_screen(node, "Shift+Tab from the composer")
        s.key("Tab")
        wait_focus("the composer after Tab", lambda n: s.name_of(n) == "Message")

    def shortcut_opens_picker_arrows_choose_model():
        before = wait_for("the picker's label", picker_label, timeout=10)
        state["model"] = before
        s.key("ctrl+k")
        search = wait_focus("the model search to have focus after Ctrl+K",
                            lambda n: s.name_of(n) == "Search models")
        check_on_screen(search, "Ctrl+K")
        s.wait_find("the list of models", role="list", name="Models")
        s.key("Down")
        time.sleep(0.3)
        s.key("Return")
        after = wait_for("the picker to show another model",
                         lambda: picker_label() if picker_label() != before else None, timeout=10)
        if s.find(role="list", name="Models") is not None:
            raise AssertionError("the model list stayed open after Enter")
        # Focus comes back to the picker's button (as for any menu button),
        # which now says the new model, or to the composer.
        back = wait_focus("focus back on the picker or the composer after choosing",
                          lambda n: s.name_of(n) in ("Message", "Model: " + after)
                          or s.name_of(n).endswith("/" + after))
        check_on_screen(back, "choosing a model")
        print("# model: %s → %s" % (before, after))

    def escape_closes_picker_without_changing_model():
        current = picker_label()
        s.key("ctrl+shift+m")
        wait_focus("the model search to have focus after Ctrl+Shift+M",
                   lambda n: s.name_of(n) == "Search models")
        s.key("Down")
        time.sleep(0.2)
        s.key("Escape")
        wait_for("the model list to close", lambda: s.find(role="list", name="Models") is None, timeout=10)
        if picker_label() != current:
            raise AssertionError("Escape changed the model from %r to %r" % (current, picker_label()))
        check_on_screen(wait_for("a focused object", focus_node, timeout=5), "Escape in the picker")

    def ctrl_n_starts_a_new_chat():
        s.key("ctrl+n")
        s.wait_find("the empty new chat", contains="Start a Conversation")
        conversation = s.find(role="list", name="Conversation")
        if s.find(contains='You said: "Keyboard only', within=conversation) is not None:
            raise AssertionError("the old conversation is still shown after Ctrl+N")
        wait_focus("the composer to have focus in the new chat", lambda n: s.name_of(n) == "Message")

    def ctrl_f_focuses_search():
        s.key("ctrl+f")
        search = wait_focus("the chat search to have focus after Ctrl+F",
                            lambda n: s.name_of(n) == "Search all chats")
        check_on_screen(search, "Ctrl+F")
        s.type("Keyboard")
        s.wait_find("the chat found by search", contains="Keyboard only")
        s.key("Escape")

    def f10_opens_main_menu_escape_closes():
        s.key("F10")
        item = s.wait_find("the main menu", role="menu item", contains="Preferences")
        wait_focus("focus inside the main menu", lambda n: s.role_of(n) in ("menu item", "menu", "panel")
                   or "Preferences" in s.name_of(n) or s.role_of(n) == "push button", timeout=5)
        if item is None:
            raise AssertionError("no Preferences item in the main menu")
        s.key("Escape")
        wait_for("the main menu to close",
                 lambda: s.find(role="menu item", contains="Preferences") is None, timeout=10)
        check_on_screen(wait_for("a focused object", focus_node, timeout=5), "Escape in the main menu")

    def ctrl_question_shows_shortcuts_escape_closes():
        def shortcuts_window():
            # A top level of the app's own, besides the main window (GTK
            # 4.8 names it after its type, not its title).
            for i in range(s.root.childCount):
                window = s.root.getChildAtIndex(i)
                if window is not None and s.find(contains="Choose the model", within=window):
                    return window
            return None

        s.key("ctrl+question")
        window = wait_for("the shortcuts window after Ctrl+?", shortcuts_window, timeout=10)
        for row in ("New chat", "Choose the model", "Keyboard shortcuts", "Quit"):
            if s.find(contains=row, within=window) is None:
                raise AssertionError("the shortcuts window lacks %r" % row)
        s.screenshot("shortcuts")
        s.key("Escape")
        wait_for("the shortcuts window to close",
                 lambda: shortcuts_window() is None
                 or not window.getState().contains(pyatspi.STATE_VISIBLE), timeout=10)

    tap.add("/ui/keyboard/tab-to-sign-in-enter-signs-in", tab_reaches_sign_in_and_enter_signs_in)
    tap.add("/ui/keyboard/enter-sends-reply-arrives", enter_sends_and_reply_arrives)
    tap.add("/ui/keyboard/finished-reply-announced-each-time", finished_reply_is_announced_each_time)
    tap.add("/ui/keyboard/tab-order-from-composer", tab_order_from_composer_is_sensible)
    tap.add("/ui/keyboard/shift-tab-from-composer-reaches-newest-message", shift_tab_from_composer_reaches_newest_message)
    tap.add("/ui/keyboard/ctrl-k-arrows-enter-choose-model", shortcut_opens_picker_arrows_choose_model)
    tap.add("/ui/keyboard/escape-closes-picker-keeps-model", escape_closes_picker_without_changing_model)
    tap.add("/ui/keyboard/ctrl-n-new-chat", ctrl_n_starts_a_new_chat)
    tap.add("/ui/keyboard/ctrl-f-focuses-search", ctrl_f_focuses_search)
    tap.add("/ui/keyboard/f10-main-menu-escape-closes", f10_opens_main_menu_escape_closes)
    tap.add("/ui/keyboard/ctrl-question-shortcuts-window", ctrl_question_shows_shortcuts_escape_closes)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
