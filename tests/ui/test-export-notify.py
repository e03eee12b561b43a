#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Export and the desktop notification through the real window.

Export: the main menu's two Export items open GTK's own file chooser
(GTK_USE_PORTAL=0), a full path is typed into its Name field and Export
pressed; the written Markdown holds the messages as they were written and
the JSON reads back with the roles and texts the window showed.

Notification: a stand-in notification server owns org.gtk.Notifications
(which GLib's notification backend prefers) and org.freedesktop.Notifications
on the session bus before the app starts and writes down every call. A reply
that finishes while another window has the keyboard focus must arrive there,
named after the model and starting with the reply; one that finishes while
the window is focused must not; focusing the window again withdraws it.
"""

import json
import os
import select
import subprocess
import sys
import time

NOTIFY_FLAG = "--notification-server"

GTK_NOTIFICATIONS_XML = """
<node>
  <interface name="org.gtk.Notifications">
    <method name="AddNotification">
      <arg type="s" name="app_id" direction="in"/>
      <arg type="s" name="id" direction="in"/>
      <arg type="a{sv}" name="notification" direction="in"/>
    </method>
    <method name="RemoveNotification">
      <arg type="s" name="app_id" direction="in"/>
      <arg type="s" name="id" direction="in"/>
    </method>
  </interface>
</node>
"""

FDO_NOTIFICATIONS_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" name="app_name" direction="in"/>
      <arg type="u" name="replaces_id" direction="in"/>
      <arg type="s" name="app_icon" direction="in"/>
      <arg type="s" name="summary" direction="in"/>
      <arg type="s" name="body" direction="in"/>
      <arg type="as" name="actions" direction="in"/>
      <arg type="a{sv}" name="hints" direction="in"/>
      <arg type="i" name="expire_timeout" direction="in"/>
      <arg type="u" name="id" direction="out"/>
    </method>
    <method name="CloseNotification">
      <arg type="u" name="id" direction="in"/>
    </method>
    <method name="GetCapabilities">
      <arg type="as" name="capabilities" direction="out"/>
    </method>
    <method name="GetServerInformation">
      <arg type="s" name="name" direction="out"/>
      <arg type="s" name="vendor" direction="out"/>
      <arg type="s" name="version" direction="out"/>
      <arg type="s" name="spec_version" direction="out"/>
    </method>
    <signal name="NotificationClosed">
      <arg type="u" name="id"/>
      <arg type="u" name="reason"/>
    </signal>
    <signal name="ActionInvoked">
      <arg type="u" name="id"/>
      <arg type="s" name="action_key"/>
    </signal>
  </interface>
</node>
"""


def notification_server(log_path):
    """Owns both notification names on the session bus and appends one JSON
    line per call to @log_path; prints READY once both names are ours."""
    from gi.repository import Gio, GLib

    loop = GLib.MainLoop()
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    log = open(log_path, "a", encoding="utf-8")
    next_id = [0]

    def record(**fields):
        log.write(json.dumps(fields) + "\n")
        log.flush()

    def gtk_call(conn, sender, path, iface, method, params, invocation):
        args = params.unpack()
        if method == "AddNotification":
            app_id, nid, notification = args
            record(call="add", via=iface, app=app_id, id=nid,
                   title=notification.get("title", ""), body=notification.get("body", ""))
        elif method == "RemoveNotification":
            record(call="remove", via=iface, app=args[0], id=args[1])
        invocation.return_value(None)

    def fdo_call(conn, sender, path, iface, method, params, invocation):
        args = params.unpack()
        if method == "Notify":
            next_id[0] += 1
            record(call="add", via=iface, app=args[0], id=str(next_id[0]), title=args[3], body=args[4])
            invocation.return_value(GLib.Variant("(u)", (next_id[0],)))
        elif method == "CloseNotification":
            record(call="remove", via=iface, id=str(args[0]))
            invocation.return_value(None)
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body"],)))
        else:
            invocation.return_value(GLib.Variant("(ssss)", ("test", "chutes", "1", "1.2")))

    for xml, path, handler in ((GTK_NOTIFICATIONS_XML, "/org/gtk/Notifications", gtk_call),
                               (FDO_NOTIFICATIONS_XML, "/org/freedesktop/Notifications", fdo_call)):
        info = Gio.DBusNodeInfo.new_for_xml(xml).interfaces[0]
        bus.register_object(path, info, handler, None, None)

    names = ["org.gtk.Notifications", "org.freedesktop.Notifications"]
    owned = set()

    def acquired(conn, name):
        owned.add(name)
        if len(owned) == len(names):
            print("READY", flush=True)

    def lost(conn, name):
        print("LOST %s" % name, flush=True)
        loop.quit()

    for name in names:
        Gio.bus_own_name_on_connection(bus, name, Gio.BusNameOwnerFlags.DO_NOT_QUEUE, acquired, lost)
    loop.run()
    return 1


def main():
    from uitest import APP_ID, Failure, Session, Tap, pyatspi, setup_signals, wait_for

    setup_signals()
    s = Session("export-notify", mock_args=("--stream-delay-ms", "2", "--reply-words", "20"))
    tap = Tap(s)
    exports = os.path.join(s.home, "Exports")
    os.makedirs(exports)
    message = '<b>not bold</b> & "quotes"'
    shown = {}

    # The notification server, on the bus before the app chooses a backend.
    notify_log = os.path.join(s.home, "notifications.jsonl")
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), NOTIFY_FLAG, notify_log],
                              stdout=subprocess.PIPE, text=True)
    other = None

    def notifications(call="add"):
        try:
            with open(notify_log, encoding="utf-8") as f:
                return [n for n in map(json.loads, f.read().splitlines()) if n["call"] == call]
        except FileNotFoundError:
            return []

    def conversation():
        return s.find(role="list", name="Conversation")

    def idle():
        return s.find(role="push button", name="Send")

    def reply_text(quote):
        """The text of the reply that quotes @quote, as the window shows it."""
        node = s.find(role="label", contains='You said: "%s"' % quote, within=conversation())
        return node is not None and (s.text_of(node) or s.name_of(node))

    def window_active():
        frame = s.find(role="frame", showing=False)
        return frame is not None and frame.getState().contains(pyatspi.STATE_ACTIVE)

    def click_composer():
        """Clicks into the composer, as a person would after using the menu."""
        composer = s.wait_find("the composer", role="text", name="Message")
        s.click(composer)
        wait_for("the composer to have the focus", lambda: s.focused(composer), timeout=10)

    def ask(text):
        s.type(text)
        s.key("Return")
        return wait_for("the reply to %r" % text, lambda: idle() and reply_text(text), timeout=40)

    def x_window(title):
        return wait_for("the X window %r" % title, lambda: subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "^%s$" % title],
            capture_output=True, text=True).stdout.split(), timeout=20)[-1]

    def export_through_chooser(item, title, path):
        """Main Menu > @item, then the full @path typed into the chooser's
        Name field, then its Export button, as a person would."""
        # The toast of an earlier export must not count for this one.
        wait_for("no Chat exported toast", lambda: s.find(contains="Chat exported") is None, timeout=20)
        s.press(s.wait_find("the main menu button", role="push button", name="Main Menu"))
        s.press(s.wait_find("the %s menu item" % item, role="menu item", name=item))
        dialog = s.wait_find("the file chooser", role="filler", name=title, showing=False)
        name_field = s.wait_find("the Name field", role="text", name="Name:", within=dialog)
        wid = x_window(title)
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True, timeout=10)
        subprocess.run(["xdotool", "key", "ctrl+a"], check=True, timeout=10)
        subprocess.run(["xdotool", "type", "--delay", "15", path], check=True, timeout=60)
        wait_for("the path in the Name field", lambda: s.text_of(name_field) == path, timeout=10)
        if title.endswith("Markdown"):
            s.screenshot("file-chooser")
        export = wait_for("the Export button", lambda: [
            b for b in s.all(role="push button", within=dialog)
            if s.find(role="label", name="Export", within=b, showing=False)], timeout=10)[0]
        s.press(export)
        wait_for("the file chooser to close",
                 lambda: s.find(role="filler", name=title, showing=False) is None, timeout=10)
        s.wait_find("the Chat exported toast", contains="Chat exported")
        wait_for("the written file", lambda: os.path.exists(path) and os.path.getsize(path) > 0, timeout=10)
        with open(path, encoding="utf-8") as f:
            return f.read()

    def export_markdown_through_file_chooser():
        ready, _, _ = select.select([server.stdout], [], [], 20)
        line = server.stdout.readline().strip() if ready else "(nothing in 20 s)"
        if line != "READY":
            raise Failure("the notification server did not start: %r" % line)
        s.start_app()
        s.press(s.wait_find("the sign-in button", role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")
        shown["reply"] = ask(message)
        shown["question"] = s.text_of(s.find(role="label", name=message, within=conversation()))
        if shown["question"] != message:
            raise AssertionError("the question is shown as %r" % shown["question"])
        path = os.path.join(exports, "chat export.md")
        text = export_through_chooser("Export Chat as Markdown…", "Export Chat as Markdown", path)
        # Each message is its own Markdown, as written (chutes-export.h).
        you = text.find("\n## You\n\n" + message + "\n\n## Assistant")
        reply = text.find(shown["reply"])
        if you < 0:
            raise AssertionError("the question is not in the Markdown as written:\n" + text)
        if reply < you or text.rfind("\n## Assistant", you, reply) < 0:
            raise AssertionError("the reply %r is not after an Assistant heading:\n%s" % (shown["reply"], text))

    def export_json_reads_back():
        path = os.path.join(exports, "chat.json")
        data = json.loads(export_through_chooser("Export Chat as JSON…", "Export Chat as JSON", path))
        got = [(m["role"], m["content"]) for m in data["messages"]]
        want = [("user", shown["question"]), ("assistant", shown["reply"])]
        if got != want:
            raise AssertionError("JSON messages %r, the window showed %r" % (got, want))
        chats = s.find(role="list", name="Chats")
        if data["title"] != message or s.find(role="label", name=message, within=chats) is None:
            raise AssertionError("JSON title %r is not the chat's title in the sidebar" % data["title"])

    def focused_window_gets_no_notification():
        s.mock.control(**{"stream-delay-ms": "50"})
        click_composer()
        s.type("asked while looking")
        s.key("Return")
        wait_for("the reply to start", lambda: not idle(), timeout=10)
        if not window_active():
            raise AssertionError("the window is not focused, so this proves nothing")
        wait_for("the reply", lambda: idle() and reply_text("asked while looking"), timeout=40)
        time.sleep(2)  # time for a notification that should not come
        if not window_active():
            raise AssertionError("the window lost the focus during the reply")
        if notifications():
            raise AssertionError("a notification while the window was focused: %r" % notifications())

    def unfocused_window_gets_notification():
        nonlocal other
        s.mock.control(**{"stream-delay-ms": "250"})  # about 6 s of streaming
        s.type("asked before looking away")
        s.key("Return")
        # Another application takes the keyboard focus while the reply streams.
        other = subprocess.Popen(["xmessage", "-title", "Another Window", "-geometry", "+900+700",
                                  "Another application"])
        subprocess.run(["xdotool", "windowfocus", "--sync", x_window("Another Window")],
                       check=True, timeout=10)
        wait_for("the window to lose the focus", lambda: not window_active(), timeout=10)
        if idle():
            raise AssertionError("the reply finished before the window lost the focus")
        if notifications():
            raise AssertionError("a notification before the reply finished: %r" % notifications())
        reply = wait_for("the reply", lambda: idle() and reply_text("asked before looking away"), timeout=40)
        sent = wait_for("a notification", notifications, timeout=10)
        if len(sent) != 1:
            raise AssertionError("expected one notification, got %r" % sent)
        n = sent[0]
        print("# notification through %s: %r / %r" % (n["via"], n["title"], n["body"]))
        model = "Qwen3-235B-A22B"  # the model picker's label
        if s.find(role="label", name=model) is None:
            raise AssertionError("the model picker does not show %r" % model)
        if n["title"] != "Reply from " + model:
            raise AssertionError("notification title %r, expected the model %r" % (n["title"], model))
        if not n["body"].startswith('You said: "asked before looking away"') or not reply.startswith(n["body"]):
            raise AssertionError("notification body %r is not the start of the reply %r" % (n["body"], reply))
        if n["via"] == "org.gtk.Notifications" and not n["app"].startswith(APP_ID):
            raise AssertionError("notification from %r" % n["app"])
        # Back to the window: the notification goes away.
        subprocess.run(["xdotool", "windowfocus", "--sync", s.wid], check=True, timeout=10)
        wait_for("the window to be focused", window_active, timeout=10)
        wait_for("the notification to be withdrawn",
                 lambda: [r for r in notifications("remove") if r["id"] == n["id"]], timeout=10)
        s.screenshot("notified")

    tap.add("/ui/export-notify/export-markdown-through-file-chooser", export_markdown_through_file_chooser)
    tap.add("/ui/export-notify/export-json-reads-back", export_json_reads_back)
    tap.add("/ui/export-notify/focused-window-gets-no-notification", focused_window_gets_no_notification)
    tap.add("/ui/export-notify/unfocused-window-gets-notification", unfocused_window_gets_notification)
    try:
        return tap.run_and_close()
    finally:
        for proc in (other, server):
            if proc is not None:
                proc.terminate()
                proc.wait(5)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == NOTIFY_FLAG:
        sys.exit(notification_server(sys.argv[2]))
    sys.exit(main())
