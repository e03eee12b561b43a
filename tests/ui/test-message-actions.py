#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Message actions through the real window: copy a reply, regenerate it,
edit a question and resend, delete a reply."""

import sys

from uitest import Session, Tap, setup_signals, wait_for


def main():
    setup_signals()
    s = Session("message-actions", mock_args=("--stream-delay-ms", "2", "--reply-words", "20"))
    tap = Tap(s)

    def buttons(name):
        return s.all(role="push button", name=name)

    def reply_count():
        return len([n for n in s.all(role="label", within=s.find(role="list", name="Conversation"))
                    if s.name_of(n).startswith("You said:")])

    def idle():
        return s.find(role="push button", name="Send")

    def signed_in_with_one_turn():
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        s.type("first question")
        s.key("Return")
        wait_for("the reply", lambda: s.find(contains='You said: "first question"') and idle(), timeout=30)

    def copy_puts_the_reply_on_the_clipboard():
        reply = s.find(contains='You said: "first question"')
        expected = s.text_of(reply) or reply.name
        copies = wait_for("two Copy buttons", lambda: len(buttons("Copy Message")) == 2 and buttons("Copy Message"))
        s.press(copies[1])
        s.wait_find("the copied toast", contains="Message copied")
        composer = s.find(role="text", name="Message")
        s.key("ctrl+v")
        wait_for("the pasted reply", lambda: s.text_of(composer) == expected, timeout=10)
        s.key("ctrl+a", "BackSpace")
        wait_for("an empty composer", lambda: s.text_of(composer) == "", timeout=10)

    def regenerate_replaces_the_reply():
        before = s.mock.stats()["chat_requests"]
        s.press(buttons("Regenerate Reply")[0])
        wait_for("a new request", lambda: s.mock.stats()["chat_requests"] == before + 1, timeout=10)
        wait_for("the new reply", lambda: idle() and reply_count() == 1, timeout=30)

    def edit_and_resend_replaces_question_and_reply():
        s.press(buttons("Edit and Resend")[0])
        composer = s.find(role="text", name="Message")
        wait_for("the question in the composer", lambda: s.text_of(composer) == "first question", timeout=10)
        s.wait_find("the editing bar", contains="Editing a message")
        s.key("ctrl+a", "BackSpace")
        s.type("edited question")
        s.key("Return")
        wait_for("the reply to the edit", lambda: s.find(contains='You said: "edited question"') and idle(),
                 timeout=30)
        # The sidebar keeps the chat's title; the conversation must not.
        conversation = s.find(role="list", name="Conversation")
        if s.find(contains="first question", within=conversation) is not None:
            raise AssertionError("the old question is still shown")
        if reply_count() != 1:
            raise AssertionError("expected exactly one reply, found %d" % reply_count())
        s.screenshot("edited")

    def delete_removes_the_reply():
        s.press(buttons("Delete Message")[-1])
        wait_for("the reply to go", lambda: reply_count() == 0, timeout=10)
        if s.find(contains="edited question") is None:
            raise AssertionError("deleting the reply also removed the question")

    tap.add("/ui/actions/signed-in-with-one-turn", signed_in_with_one_turn)
    tap.add("/ui/actions/copy-puts-reply-on-clipboard", copy_puts_the_reply_on_the_clipboard)
    tap.add("/ui/actions/regenerate-replaces-reply", regenerate_replaces_the_reply)
    tap.add("/ui/actions/edit-and-resend", edit_and_resend_replaces_question_and_reply)
    tap.add("/ui/actions/delete-removes-reply", delete_removes_the_reply)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
