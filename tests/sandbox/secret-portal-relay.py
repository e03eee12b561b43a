#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in backend for the Secret portal that hands each request to the
real one, gnome-keyring's (org.freedesktop.impl.portal.Secret on
org.freedesktop.secrets), and holds gnome-keyring's answer until the test
says "release" on stdin.

Why: libsecret 0.20.5 (Debian 12) subscribes to the portal's Response
signal only after the RetrieveSecret call has returned
(libsecret/secret-file-backend.c, on_portal_retrieve_secret; fixed in
0.21.4 by "file-backend: Subscribe before calling dbus"). gnome-keyring
answers at once, so the signal arrives before anyone listens and the
app's keyring never opens. The test releases the answer once the app has
shown its window, which it can only do after that call has returned.

Prints "REQUEST <app_id>" for each request and "ANSWERED <response>" once
the answer went back. Owns the name given as its one argument.
"""

import sys

from gi.repository import Gio, GLib

IFACE = "org.freedesktop.impl.portal.Secret"
XML = """<node><interface name="%s">
  <method name="RetrieveSecret">
    <arg type="o" name="handle" direction="in"/>
    <arg type="s" name="app_id" direction="in"/>
    <arg type="h" name="fd" direction="in"/>
    <arg type="a{sv}" name="options" direction="in"/>
    <arg type="u" name="response" direction="out"/>
    <arg type="a{sv}" name="results" direction="out"/>
  </method>
  <property name="version" type="u" access="read"/>
</interface></node>""" % IFACE

answers = []    # gnome-keyring's replies not yet passed on, oldest first
releases = 0    # "release" lines not yet used


def say(line):
    print(line, flush=True)


def pass_on():
    global releases
    while answers and releases > 0:
        invocation, reply = answers.pop(0)
        releases -= 1
        invocation.return_value(reply)
        say("ANSWERED %d" % reply.unpack()[0])


def on_stdin(channel, condition):
    global releases
    if condition & GLib.IO_IN:
        line = channel.readline()
        if line:
            if line.strip() == "release":
                releases += 1
                pass_on()
            return True
    loop.quit()
    return False


def on_keyring_answer(bus, result, invocation):
    try:
        reply, _fds = bus.call_with_unix_fd_list_finish(result)
    except GLib.Error as e:
        say("FAILED " + e.message)
        invocation.return_gerror(e)
        return
    answers.append((invocation, reply))
    pass_on()


def on_call(bus, sender, path, iface, method, params, invocation):
    handle, app_id, fd_index, options = params.unpack()
    say("REQUEST " + app_id)
    fds = invocation.get_message().get_unix_fd_list()
    bus.call_with_unix_fd_list("org.freedesktop.secrets", "/org/freedesktop/portal/desktop",
                               IFACE, "RetrieveSecret",
                               GLib.Variant("(osha{sv})", (handle, app_id, fd_index, options)),
                               GLib.VariantType("(ua{sv})"), Gio.DBusCallFlags.NONE, -1, fds,
                               None, on_keyring_answer, invocation)


def on_get_property(bus, sender, path, iface, name):
    return GLib.Variant("u", 1)


bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
info = Gio.DBusNodeInfo.new_for_xml(XML)
bus.register_object(
    "/org/freedesktop/portal/desktop", info.interfaces[0], on_call, on_get_property, None)
loop = GLib.MainLoop()
Gio.bus_own_name_on_connection(bus, sys.argv[1], Gio.BusNameOwnerFlags.NONE,
                               lambda *a: say("READY"), lambda *a: loop.quit())
GLib.io_add_watch(GLib.IOChannel.unix_new(0), GLib.PRIORITY_DEFAULT,
                  GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, on_stdin)
loop.run()
