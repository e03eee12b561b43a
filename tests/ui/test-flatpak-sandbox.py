#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app as Flatpak runs it, as far as this machine allows: no GNOME
runtime can be downloaded, so the host's /usr stands in for it. The app
runs under bwrap with its own root, a /.flatpak-info, a private home, no
host files, and the session bus only through xdg-dbus-proxy (itself in a
bwrap with the same /.flatpak-info, as Flatpak does it). Debian's
xdg-desktop-portal, xdg-desktop-portal-gtk and gnome-keyring serve the
portals. A person signs in (the browser opens through the OpenURI portal),
chats, restarts (the session comes back through the Secret portal), and
exports a chat through the file chooser portal.

Runs in a D-Bus session of its own (see tests/ui/meson.build); starts its
own gnome-keyring there. flatpak/README.md describes what this emulates and
what it cannot.
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

from uitest import HERE, Failure, Session, Tap, _die_with_parent, setup_signals, wait_for

APP_ID = "ai.chutes.Desktop"
SANDBOX_DIR = os.path.join(HERE, "..", "sandbox")
RELAY_NAME = "org.chutes.Test.SecretRelay"
# Set to 1 to use gnome-keyring's Secret portal backend directly, without
# the relay: with libsecret 0.20.5 the app then never gets its keyring.
DIRECT = os.environ.get("CHUTES_SANDBOX_DIRECT_SECRET_PORTAL") == "1"
SHOTS = os.environ.get("CHUTES_SANDBOX_SHOTS")
MESSAGE = "Hello from inside the sandbox"

FLATPAK_INFO = """[Application]
name=%s
runtime=runtime/org.gnome.Platform/x86_64/51

[Instance]
instance-id=%d
flatpak-version=1.14.4
session-bus-proxy=true
system-bus-proxy=false

[Context]
shared=network;ipc;
sockets=x11;wayland;fallback-x11;
devices=dri;
""" % (APP_ID, os.getpid())


def host_has_flatpak_info():
    return os.path.lexists("/.flatpak-info")


def bus_socket(address):
    """The path of a unix:path= D-Bus address; None for anything else."""
    for part in address.split(";")[0].split(":", 1)[1].split(","):
        key, _, value = part.partition("=")
        if key == "path":
            return value
    return None


def host_keyring_items():
    """The paths of every item in the host keyring's login collection, and
    of those that gnome-keyring's Secret portal backend keeps for APP_ID."""
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

    def call(path, iface, method, args, signature):
        return bus.call_sync("org.freedesktop.secrets", path, iface, method,
                             GLib.Variant(signature, args), None, Gio.DBusCallFlags.NONE,
                             20000, None).unpack()

    items = call("/org/freedesktop/secrets/collection/login", "org.freedesktop.DBus.Properties",
                 "Get", ("org.freedesktop.Secret.Collection", "Items"), "(ss)")[0]
    unlocked, locked = call("/org/freedesktop/secrets", "org.freedesktop.Secret.Service",
                            "SearchItems", ({"app_id": APP_ID},), "(a{ss})")
    return sorted(items), sorted(unlocked + locked)


def root_args(*binds):
    """bwrap arguments for a root of its own: a tmpfs with the host's /usr
    and /etc read-only, like a Flatpak runtime. Never the host's / itself:
    bwrap would create bind destinations such as /.flatpak-info on it."""
    args = ["--tmpfs", "/", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + top
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for src, dest in binds:
        args += ["--bind", src, dest]
    return args


class Sandbox(Session):
    """uitest's Session with the app inside bwrap and the portals on the host."""

    # Its app gets only the environment _app_argv() passes into the
    # sandbox; the sanitizer pass checks for leaks in the other UI tests.
    checks_live_objects = False

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="chutes-sandbox-")
        self.procs = []
        self.relay_lines = []
        self._check_bwrap()
        self._start_keyring()
        Session.__init__(self, "flatpak-sandbox", mock_args=("--stream-delay-ms", "10"))
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            self.shots = SHOTS
        self.uid = os.getuid()
        # The same path as the host's: the document portal hands out paths
        # under its mount there, $XDG_RUNTIME_DIR/doc (as /run/user/UID is on
        # both sides under Flatpak).
        self.runtime = os.environ["XDG_RUNTIME_DIR"]
        if len(self.runtime + "/at-spi-bus") >= 108:
            raise Failure("XDG_RUNTIME_DIR is too long for a socket path (108 bytes): " + self.runtime)
        self.info = os.path.join(self.work, "flatpak-info")
        with open(self.info, "w", encoding="utf-8") as f:
            f.write(FLATPAK_INFO)
        # What Flatpak gives an app without filesystem access: a home of its
        # own, with the XDG dirs under ~/.var/app/APP_ID.
        self.app_home = os.path.join(self.work, "app-home")
        self.app_var = os.path.join(self.app_home, ".var", "app", APP_ID)
        for d in ("data", "config", "cache"):
            os.makedirs(os.path.join(self.app_var, d))
        self._host_side_browser()
        self._start_portals()
        self._start_proxy()

    # The host ----------------------------------------------------------------

    def _spawn(self, name, argv, env=None, **kw):
        log = open(os.path.join(self.work, name + ".log"), "w")
        proc = subprocess.Popen(argv, env=env or os.environ, stdout=kw.pop("stdout", log),
                                stderr=log, preexec_fn=_die_with_parent, **kw)
        self.procs.append(proc)
        return proc

    def log_of(self, name):
        try:
            with open(os.path.join(self.work, name + ".log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _check_bwrap(self):
        """Fails with bwrap's own words when it cannot make a sandbox here."""
        try:
            out = subprocess.run(["bwrap", *root_args(), "--unshare-pid", "true"],
                                 capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise Failure("bwrap is not installed (Debian package bubblewrap)")
        if out.returncode != 0:
            hint = ""
            if "make / slave" in out.stderr:
                hint = (" -- in a chroot, bwrap needs the chroot's root to be a mount point:"
                        " mount --bind DIR DIR before chroot DIR")
            elif os.getuid() != 0:
                hint = " -- as a user, bwrap needs unprivileged user namespaces"
            raise Failure("bwrap cannot make a sandbox here (uid %d): %s%s" % (
                os.getuid(), out.stderr.strip(), hint))

    def _start_keyring(self):
        """The host's keyring: gnome-keyring with an unlocked login
        collection, which also serves the Secret portal's backend."""
        self.host_home = os.path.join(self.work, "host-home")
        os.makedirs(os.path.join(self.host_home, ".local", "share"))
        env = dict(os.environ, HOME=self.host_home,
                   XDG_DATA_HOME=os.path.join(self.host_home, ".local", "share"))
        out = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                             input=b"chutes-sandbox", env=env, capture_output=True, timeout=30)
        if out.returncode != 0:
            raise Failure("gnome-keyring-daemon did not start: %s" % out.stderr.decode())
        wait_for("gnome-keyring on the bus", lambda: subprocess.run(
            ["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path",
             "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.GetNameOwner",
             "org.freedesktop.secrets"], capture_output=True).returncode == 0, timeout=20)

    def _host_side_browser(self):
        """The host's default browser, as the portal will see it: the test
        browser, behind a wrapper that notes who launched it."""
        desktop = os.path.join(self.env["XDG_DATA_HOME"], "applications", "testbrowser.desktop")
        with open(desktop, "w", encoding="utf-8") as f:
            f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                    "Exec=/usr/bin/python3 %s %%u\n"
                    "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n"
                    % os.path.join(SANDBOX_DIR, "portal-browser.py"))

    def _start_portals(self):
        portals = os.path.join(self.work, "portals")
        os.makedirs(portals)
        shutil.copy("/usr/share/xdg-desktop-portal/portals/gtk.portal", portals)
        if DIRECT:
            shutil.copy("/usr/share/xdg-desktop-portal/portals/gnome-keyring.portal", portals)
        else:
            with open(os.path.join(portals, "secret-relay.portal"), "w", encoding="utf-8") as f:
                f.write("[portal]\nDBusName=%s\nInterfaces=org.freedesktop.impl.portal.Secret\n"
                        "UseIn=gnome\n" % RELAY_NAME)
        self.relay = self._spawn("relay", [sys.executable, os.path.join(SANDBOX_DIR, "secret-portal-relay.py"),
                                           RELAY_NAME], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        self.relay_queue = queue.Queue()
        threading.Thread(target=lambda: [self.relay_queue.put(l.strip()) for l in self.relay.stdout],
                         daemon=True).start()
        line = self.relay_line("the Secret portal relay to start")
        if line != "READY":
            raise Failure("the Secret portal relay did not start: %r %s" % (line, self.log_of("relay")))
        env = dict(self.env)
        env.update({"XDG_CURRENT_DESKTOP": "GNOME", "XDG_DESKTOP_PORTAL_DIR": portals,
                    "G_DEBUG": ""})
        self.portal = self._spawn("xdg-desktop-portal",
                                  ["/usr/libexec/xdg-desktop-portal", "--verbose"], env=env)
        wait_for("xdg-desktop-portal on the bus",
                 lambda: "org.freedesktop.portal.Desktop acquired" in self.log_of("xdg-desktop-portal"),
                 timeout=60)

    def _start_proxy(self):
        """xdg-dbus-proxy with Flatpak's policy for an app without D-Bus
        permissions, in a bwrap of its own with the app's /.flatpak-info:
        the portal names the app from /proc/PID/root/.flatpak-info of the
        process at the other end of the connection, which is the proxy."""
        address = os.environ["DBUS_SESSION_BUS_ADDRESS"]
        host_bus = bus_socket(address)
        if host_bus is None:
            raise Failure("the session bus is not at a unix:path= address: %s" % address)
        self.proxy_dir = os.path.join(self.work, "proxy")
        os.makedirs(self.proxy_dir)
        ready_r, ready_w = os.pipe()
        argv = ["bwrap", *root_args((self.proxy_dir, self.proxy_dir)),
                "--ro-bind", host_bus, host_bus, "--ro-bind", self.info, "/.flatpak-info",
                "--die-with-parent",
                "xdg-dbus-proxy", "--fd=%d" % ready_w, address,
                os.path.join(self.proxy_dir, "bus"), "--filter",
                "--own=%s" % APP_ID, "--own=%s.*" % APP_ID,
                "--talk=org.freedesktop.portal.*",
                "--call=org.freedesktop.portal.*=*",
                "--broadcast=org.freedesktop.portal.*=@/org/freedesktop/portal/*"]
        self.proxy = self._spawn("xdg-dbus-proxy", argv, pass_fds=(ready_w,))
        os.close(ready_w)
        # It writes "x" when it listens, and quits when this end is closed.
        self.proxy_ready = ready_r
        ready = os.read(ready_r, 1)
        if ready != b"x":
            raise Failure("xdg-dbus-proxy did not start (%r): %s" % (
                self.proxy.wait(10), self.log_of("xdg-dbus-proxy")))

    # The app -----------------------------------------------------------------

    def _app_argv(self, info_fd):
        exe = os.environ["CHUTES_APP"]
        build = os.path.dirname(os.path.dirname(exe))
        a11y = os.environ["AT_SPI_BUS_ADDRESS"]
        a11y_socket = bus_socket(a11y)
        argv = ["bwrap", *root_args((self.app_home, "/home/chutes")),
                "--ro-bind", build, build,
                "--ro-bind", self.env["GSETTINGS_SCHEMA_DIR"], self.env["GSETTINGS_SCHEMA_DIR"],
                "--tmpfs", self.runtime]
        doc = os.path.join(self.runtime, "doc", "by-app", APP_ID)
        if os.path.isdir(doc):
            argv += ["--bind", doc, self.runtime + "/doc"]
        argv += [
                "--ro-bind", self.info, "/.flatpak-info",
                "--bind", os.path.join(self.proxy_dir, "bus"), self.runtime + "/bus",
                "--ro-bind", a11y_socket, self.runtime + "/at-spi-bus",
                "--tmpfs", "/usr/share/applications",
                "--unshare-pid", "--die-with-parent", "--new-session",
                "--info-fd", str(info_fd)]
        display = os.environ.get("DISPLAY", "")
        x_socket = "/tmp/.X11-unix/X" + display.lstrip(":").split(".")[0]
        if os.path.exists(x_socket):
            argv += ["--ro-bind", x_socket, x_socket]
        if os.environ.get("XAUTHORITY"):
            argv += ["--ro-bind", os.environ["XAUTHORITY"], os.environ["XAUTHORITY"]]
        argv += ["--clearenv"]
        env = {
            "PATH": "/usr/bin:/bin", "HOME": "/home/chutes", "XDG_RUNTIME_DIR": self.runtime,
            "XDG_DATA_HOME": "/home/chutes/.var/app/%s/data" % APP_ID,
            "XDG_CONFIG_HOME": "/home/chutes/.var/app/%s/config" % APP_ID,
            "XDG_CACHE_HOME": "/home/chutes/.var/app/%s/cache" % APP_ID,
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=%s/bus" % self.runtime,
            "AT_SPI_BUS_ADDRESS": "unix:path=%s/at-spi-bus" % self.runtime,
            "FLATPAK_ID": APP_ID, "container": "flatpak",
            "DISPLAY": display, "XAUTHORITY": os.environ.get("XAUTHORITY", ""),
            "LANG": "C.UTF-8",
        }
        for var in ("GSETTINGS_SCHEMA_DIR", "GSETTINGS_BACKEND", "GDK_BACKEND", "GSK_RENDERER",
                    "CHUTES_IDP_BASE_URL", "CHUTES_API_BASE_URL", "CHUTES_OAUTH_REDIRECT_URI",
                    "CHUTES_OAUTH_CLIENT_ID", "CHUTES_OAUTH_CLIENT_SECRET", "G_DEBUG",
                    "ADW_DEBUG_COLOR_SCHEME"):
            if var in self.env:
                env[var] = self.env[var]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return argv + [exe]

    def start_app(self, *args):
        wait_for("the X display", lambda: subprocess.run(
            ["xdotool", "getdisplaygeometry"], capture_output=True).returncode == 0, timeout=20)
        info_r, info_w = os.pipe()
        self.app = subprocess.Popen(self._app_argv(info_w) + list(args), pass_fds=(info_w,),
                                    stderr=open(os.path.join(self.work, "app.log"), "a"),
                                    preexec_fn=_die_with_parent)
        os.close(info_w)
        with os.fdopen(info_r) as f:
            text = f.read()
        if not text:
            raise Failure("bwrap did not start the app (exit %r): %s" % (
                self.app.wait(10), self.log_of("app")[-2000:]))
        # bwrap's own init is the first process of the sandbox; the app is its child.
        init = json.loads(text)["child-pid"]
        self.app_pid = wait_for("the app's process", lambda: self._child_of(init), timeout=20)
        self.root = wait_for("the app on the accessibility bus", self._find_app, timeout=60)
        self.wid = wait_for("the app's X window", self._find_window, timeout=20)
        return self.app

    @staticmethod
    def _child_of(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                children = f.read().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def _find_app(self):
        import pyatspi
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            try:
                if child is not None and child.get_process_id() == self.app_pid and child.childCount > 0:
                    return child
            except Exception:
                pass
        return None

    def _find_window(self):
        # Inside a PID namespace GTK's _NET_WM_PID is of no use (the app is
        # PID 2 there); GTK names the window's class after the program.
        name = "^%s$" % os.path.basename(os.environ["CHUTES_APP"])
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--classname", name],
                             capture_output=True, text=True).stdout.split()
        return out[-1] if out else None

    def relay_line(self, what, timeout=30):
        try:
            line = self.relay_queue.get(timeout=timeout)
        except queue.Empty:
            raise Failure("timed out after %d s waiting for %s" % (timeout, what))
        self.relay_lines.append(line)
        return line

    def release_master_secret(self):
        """Lets the Secret portal's answer go to the app (see
        tests/sandbox/secret-portal-relay.py) and returns the app ID the
        portal asked for."""
        if DIRECT:
            return APP_ID
        line = self.relay_line("the Secret portal to be asked for the app's master secret")
        first = line
        pending = 1
        # The app may ask more than once at start (its session and its
        # pending revocations are read at the same time, and libsecret's
        # file backend asks for each until it has the secret): each
        # request is released in turn, and each must be answered.
        while pending > 0:
            if not line.startswith("REQUEST "):
                raise AssertionError("gnome-keyring's Secret portal backend answered %r" % line)
            # xdg-desktop-portal returned the app's call before it asked
            # the relay. Reading the window's text needs the app's main
            # loop, which runs libsecret's reply callback (where it starts
            # listening for the answer) no later than it answers us.
            self.all_text()
            self.relay.stdin.write("release\n")
            self.relay.stdin.flush()
            pending -= 1
            answer = self.relay_line("gnome-keyring's answer to the Secret portal")
            while answer.startswith("REQUEST "):
                pending += 1
                answer = self.relay_line("gnome-keyring's answer to the Secret portal")
            if answer != "ANSWERED 0":
                raise AssertionError("gnome-keyring's Secret portal backend answered %r" % answer)
            if pending > 0:
                line = "REQUEST " + first.split(" ", 1)[-1]
        return first.split(" ", 1)[1] if first.startswith("REQUEST ") else first

    def dump_logs(self):
        """The last lines of every helper's log, for a CI log."""
        for name in ("app", "xdg-desktop-portal", "xdg-dbus-proxy", "relay"):
            lines = self.log_of(name).splitlines()[-40:]
            print("---- %s.log (last %d lines)" % (name, len(lines)), file=sys.stderr)
            for line in lines:
                print("  " + line[:300], file=sys.stderr)
        print("---- relay said: %r" % self.relay_lines, file=sys.stderr)

    def close(self):
        try:
            Session.close(self)
        finally:
            for proc in reversed(self.procs):
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            os.close(self.proxy_ready)
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    setup_signals()
    tap = Tap()
    if host_has_flatpak_info():
        # Everything GLib-based on this machine would think it is sandboxed.
        print("1..1\nnot ok 1 /sandbox/host-has-no-flatpak-info\n# /.flatpak-info exists on the host",
              file=tap.out)
        return 1
    try:
        s = Sandbox()
    except Exception as e:
        print("1..1\nnot ok 1 /sandbox/starts\n# %s" % str(e).replace("\n", "\n# "), file=tap.out)
        print("FAILED /sandbox/starts: %s" % e, file=sys.stderr)
        return 1
    tap.session = s
    s.set_browser(delay=1)

    def app_starts_sandboxed_and_gets_its_master_secret():
        s.start_app()
        root = "/proc/%d/root" % s.app_pid
        if not os.path.exists(root + "/.flatpak-info"):
            raise AssertionError("the app's root has no /.flatpak-info")
        if os.path.exists(root + "/home/chutes/.var/app") is False:
            raise AssertionError("the app's home is not the sandbox's")
        for home in (s.host_home, os.path.expanduser("~")):
            if os.path.exists(root + home):
                raise AssertionError("the host's home %s is visible in the sandbox" % home)
        app_id = s.release_master_secret()
        if app_id != APP_ID:
            raise AssertionError("the portal named the app %r, not %s" % (app_id, APP_ID))
        s.wait_find("the sign-in button", timeout=30, role="push button", name="Sign in with Chutes")
        if s.find(contains="keyring") is not None:
            raise AssertionError("the window reports a keyring problem: " + s.all_text()[:500])
        s.screenshot("sign-in")

    def need_app():
        if getattr(s, "root", None) is None:
            raise Failure("the app did not start in the sandbox (see the first failure)")

    def browser_opens_through_openuri_portal():
        need_app()
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        s.wait_find("the waiting page", contains="Continue in Your Browser")
        launched = wait_for("the browser to be launched", lambda: s.browser_lines("LAUNCHED-BY "),
                            timeout=30)
        if launched[0] != "LAUNCHED-BY portal=True sandboxed=False":
            raise AssertionError("the browser was not started by the portal on the host: %r" % launched)
        if "Launching testbrowser http://127.0.0.1" not in s.log_of("xdg-desktop-portal"):
            raise AssertionError("the OpenURI portal did not launch the host's default browser")

    def consent_lands_in_chat_and_reply_streams():
        need_app()
        s.wait_find("the chat composer", timeout=40, role="text", name="Message")
        page = s.browser_lines("PAGE ")
        if not page or "200" not in page[-1].split()[1]:
            raise AssertionError("the browser tab did not get a success page: %r" % page)
        s.type(MESSAGE)
        s.key("Return")
        s.wait_find("the reply", timeout=40, contains='You said: "%s' % MESSAGE)
        wait_for("the reply to finish", lambda: s.find(role="push button", name="Send"), timeout=60)
        s.screenshot("chat")

    def tokens_are_in_the_apps_encrypted_file_not_the_host_keyring():
        need_app()
        keyring = os.path.join(s.app_var, "data", "keyrings", "default.keyring")
        wait_for("libsecret's file in the sandbox", lambda: os.path.exists(keyring), timeout=20)
        with open(keyring, "rb") as f:
            data = f.read()
        if not data.startswith(b"GnomeKeyring\n\r\0\n"):
            raise AssertionError("%s is not a libsecret keyring file: %r" % (keyring, data[:20]))
        for plain in (b"cak_", b"crt_", b"csc_", b"access_token", b"refresh_token"):
            if plain in data:
                raise AssertionError("%r in the clear in %s" % (plain, keyring))
        found = subprocess.run(["grep", "-rl", "-e", "cak_", "-e", "crt_", s.app_home, s.host_home],
                               capture_output=True, text=True).stdout.split()
        if found:
            raise AssertionError("tokens written in the clear: %r" % found)
        # The host's keyring holds the portal's master secret for the app, nothing of ours.
        items, master = host_keyring_items()
        if len(master) != 1 or items != master:
            raise AssertionError("the host's login keyring should hold the app's master secret "
                                 "(%r) and nothing else: it holds %r" % (master, items))

    def restart_restores_the_session():
        need_app()
        opened = len(s.browser_lines("OPEN "))
        s.quit_app()
        s.start_app()
        s.release_master_secret()
        s.wait_find("the chat composer after restart", timeout=40, role="text", name="Message")
        if s.find(role="push button", name="Sign in with Chutes") is not None:
            raise AssertionError("the sign-in page is showing after restart")
        if len(s.browser_lines("OPEN ")) != opened:
            raise AssertionError("the browser was opened again on restart")
        s.wait_find("the chat from before", timeout=20, contains=MESSAGE)

    def export_through_file_chooser_portal():
        need_app()
        title = "Export Chat as Markdown"
        s.press(s.wait_find("the main menu button", role="push button", name="Main Menu"))
        s.press(s.wait_find("the menu item", role="menu item", name=title + "…"))
        doc = os.path.join(s.runtime, "doc", "by-app", APP_ID)
        if not os.path.isdir(doc):
            raise Failure("the document portal is not mounted at %s (xdg-document-portal "
                          "needs FUSE: /dev/fuse and fusermount3)" % os.path.dirname(doc))
        # xdg-desktop-portal-gtk's dialog, a window of another process on the host.
        dialog = wait_for("the portal's file chooser", lambda: subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "^%s$" % title],
            capture_output=True, text=True).stdout.split(), timeout=30)[-1]
        if s.find(role="filler", name=title, showing=False) is not None:
            raise AssertionError("the file chooser is GTK's own, in the app, not the portal's")
        target = os.path.join(s.host_home, "Chat from the sandbox.md")
        subprocess.run(["xdotool", "windowfocus", "--sync", dialog], check=True, timeout=10)
        subprocess.run(["xdotool", "key", "ctrl+a"], check=True, timeout=10)
        subprocess.run(["xdotool", "type", "--delay", "15", target], check=True, timeout=60)
        s.screenshot("file-chooser-portal")
        subprocess.run(["xdotool", "key", "Return"], check=True, timeout=10)
        s.wait_find("the Chat exported toast", timeout=30, contains="Chat exported")
        wait_for("the exported file on the host", lambda: os.path.exists(target), timeout=20)
        with open(target, encoding="utf-8") as f:
            text = f.read()
        if "\n## You\n\n" + MESSAGE + "\n" not in text:
            raise AssertionError("the question is not in the exported Markdown:\n" + text)

    def host_still_has_no_flatpak_info():
        if host_has_flatpak_info():
            raise AssertionError("/.flatpak-info appeared on the host")

    tap.add("/sandbox/app-starts-sandboxed-and-gets-master-secret",
            app_starts_sandboxed_and_gets_its_master_secret)
    tap.add("/sandbox/browser-opens-through-openuri-portal", browser_opens_through_openuri_portal)
    tap.add("/sandbox/consent-lands-in-chat-and-reply-streams", consent_lands_in_chat_and_reply_streams)
    tap.add("/sandbox/export-through-file-chooser-portal", export_through_file_chooser_portal)
    tap.add("/sandbox/tokens-in-encrypted-file-not-host-keyring",
            tokens_are_in_the_apps_encrypted_file_not_the_host_keyring)
    tap.add("/sandbox/restart-restores-session", restart_restores_the_session)
    tap.add("/sandbox/host-still-has-no-flatpak-info", host_still_has_no_flatpak_info)
    try:
        return tap.run()
    finally:
        if tap.failed:
            s.dump_logs()
        s.quit_app()
        s.close()


if __name__ == "__main__":
    sys.exit(main())
