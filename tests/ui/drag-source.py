#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A window to drag files from, as a file manager would: the whole window
is a GtkDragSource offering the files given on the command line as a
GdkFileList (text/uri-list on the wire). Used by test-attachments.py."""

import sys

import gi

gi.require_version("Gdk", "4.0")
gi.require_version("Gtk", "4.0")
from gi.repository import Gdk, Gio, GLib, GObject, Gtk  # noqa: E402


def main():
    files = [Gio.File.new_for_path(path) for path in sys.argv[1:]]
    app = Gtk.Application(application_id="ai.chutes.Desktop.TestDragSource",
                          flags=Gio.ApplicationFlags.NON_UNIQUE)

    def prepare(source, x, y):
        value = GObject.Value(Gdk.FileList, Gdk.FileList.new_from_array(files))
        return Gdk.ContentProvider.new_for_value(value)

    def activate(app):
        window = Gtk.ApplicationWindow(application=app, title="Drag Source")
        window.set_default_size(240, 240)
        label = Gtk.Label(label="Drag me")
        label.set_vexpand(True)
        label.set_hexpand(True)
        source = Gtk.DragSource(actions=Gdk.DragAction.COPY)
        source.connect("prepare", prepare)
        label.add_controller(source)
        window.set_child(label)
        window.present()

    app.connect("activate", activate)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, lambda: app.quit() or False)
    return app.run([sys.argv[0]])


if __name__ == "__main__":
    sys.exit(main())
