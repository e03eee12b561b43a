# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real Chutes window under Xvfb: the mock server, a test
browser, AT-SPI to read and press, xdotool to type, gapplication for
actions, ImageMagick for screenshots.

Needs a private D-Bus session with an unlocked gnome-keyring and an X
display (build-aux/run-tests.sh provides both). Run with Debian's
/usr/bin/python3, which has pyatspi.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import gi


def _use_this_sessions_accessibility_bus():
    """libatspi looks for the accessibility bus on the X display first, where
    a test that ran its own D-Bus session (ui-no-keyring) leaves the address
    of a bus that is gone; the app and this process then hang. The bus of
    this session's D-Bus is the one to use."""
    if os.environ.get("AT_SPI_BUS_ADDRESS"):
        return
    try:
        out = subprocess.run(
            ["gdbus", "call", "--session", "--dest", "org.a11y.Bus", "--object-path", "/org/a11y/bus",
             "--method", "org.a11y.Bus.GetAddress"],
            capture_output=True, text=True, check=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return
    address = out.strip().strip("(),'")
    if address:
        os.environ["AT_SPI_BUS_ADDRESS"] = address


_use_this_sessions_accessibility_bus()
gi.require_version("Atspi", "2.0")
import pyatspi  # noqa: E402

APP_ID = "ai.chutes.Desktop"
HERE = os.path.dirname(os.path.abspath(__file__))


class Failure(Exception):
    pass


def _die_with_parent():
    """Run in a child before exec: it gets SIGTERM when this process dies,
    however it dies. An orphaned mock server or app would keep meson's
    output pipes open and the run waiting for the test's timeout."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def demo_client():
    """The mock server's built-in client, from the one place it is defined."""
    import re
    header = os.path.join(HERE, "..", "mock-chutes", "mock-chutes-demo.h")
    with open(header, encoding="utf-8") as f:
        text = f.read()
    values = dict(re.findall(r'#define (MOCK_CHUTES_DEMO_CLIENT_\w+)\s+"([^"]+)"', text))
    return values["MOCK_CHUTES_DEMO_CLIENT_ID"], values["MOCK_CHUTES_DEMO_CLIENT_SECRET"]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, predicate, timeout=20.0, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    err = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as e:  # AT-SPI objects vanish while the UI changes
            last = None
            err = e
        if last:
            return last
        time.sleep(interval)
    raise Failure("timed out after %.0f s waiting for %s%s" % (
        timeout, what, " (last error: %s)" % err if err else ""))


class Mock:
    def __init__(self, *args):
        exe = os.environ["MOCK_CHUTES"]
        self.proc = subprocess.Popen([exe, "--port", "0", "--quiet", *args],
                                     stdout=subprocess.PIPE, text=True,
                                     preexec_fn=_die_with_parent)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            raise Failure("mock server did not start: %r" % line)
        self.url = line[1]

    def stats(self):
        with urllib.request.urlopen(self.url + "/_mock/stats", timeout=10) as r:
            return json.load(r)

    def control(self, **fields):
        data = urllib.parse.urlencode(fields).encode()
        urllib.request.urlopen(self.url + "/_mock/control", data=data, timeout=10).read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Session:
    """A private XDG home with a test browser, a mock server, and the app."""

    def __init__(self, name, mock_args=(), with_client=True, env=None):
        self.name = name
        self.home = tempfile.mkdtemp(prefix="chutes-ui-")
        self.shots = os.path.join(os.environ.get("CHUTES_TEST_BUILDDIR", self.home), "screenshots")
        os.makedirs(self.shots, exist_ok=True)
        self.browser_log = os.path.join(self.home, "browser.log")
        self.redirect_port = free_port()
        self.redirect_uri = "http://127.0.0.1:%d/callback" % self.redirect_port
        self.mock = Mock("--redirect-uri", self.redirect_uri, *mock_args)
        self.app = None
        self.leaks = []
        self.env = self._make_env(with_client, env or {})
        # All UI tests share the session's keyring, where the app keeps a
        # session per identity provider: an earlier test whose mock had the
        # same port would leave this one signed in before it starts.
        self.forget_keyring_items()

    def forget_keyring_items(self):
        """Removes what the app kept in the keyring for this mock server."""
        for idp in (self.mock.url, self.mock.url + "/"):
            try:
                subprocess.run(["secret-tool", "clear", "idp", idp], capture_output=True, timeout=20)
            except (OSError, subprocess.SubprocessError):
                pass

    def _make_env(self, with_client, extra):
        data = os.path.join(self.home, "data")
        config = os.path.join(self.home, "config")
        os.makedirs(os.path.join(data, "applications"))
        os.makedirs(config)
        with open(os.path.join(data, "applications", "testbrowser.desktop"), "w") as f:
            f.write("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                    "Exec=/usr/bin/python3 %s %%u\n"
                    "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n"
                    % os.path.join(HERE, "test-browser.py"))
        with open(os.path.join(config, "mimeapps.list"), "w") as f:
            f.write("[Default Applications]\n"
                    "x-scheme-handler/http=testbrowser.desktop\n"
                    "x-scheme-handler/https=testbrowser.desktop\n")
        env = dict(os.environ)
        for var in ("NO_AT_BRIDGE", "GTK_A11Y"):
            env.pop(var, None)
        env.update({
            "XDG_DATA_HOME": data,
            "XDG_CONFIG_HOME": config,
            "XDG_CACHE_HOME": os.path.join(self.home, "cache"),
            "GSETTINGS_BACKEND": "memory",
            "GDK_BACKEND": "x11",
            "GSK_RENDERER": "cairo",
            "GTK_USE_PORTAL": "0",
            "CHUTES_TEST_BROWSER_LOG": self.browser_log,
            "CHUTES_TEST_BROWSER_CONFIG": os.path.join(self.home, "browser.json"),
            "CHUTES_IDP_BASE_URL": self.mock.url,
            "CHUTES_API_BASE_URL": self.mock.url + "/v1",
            "CHUTES_OAUTH_REDIRECT_URI": self.redirect_uri,
            "G_DEBUG": "fatal-criticals",
        })
        if with_client:
            client_id, client_secret = demo_client()
            env["CHUTES_OAUTH_CLIENT_ID"] = client_id
            env["CHUTES_OAUTH_CLIENT_SECRET"] = client_secret
        else:
            env.pop("CHUTES_OAUTH_CLIENT_ID", None)
            env.pop("CHUTES_OAUTH_CLIENT_SECRET", None)
        env.update(extra)
        return env

    def set_browser(self, delay=0, decision="allow"):
        with open(self.env["CHUTES_TEST_BROWSER_CONFIG"], "w", encoding="utf-8") as f:
            json.dump({"delay": delay, "decision": decision}, f)

    # The app ---------------------------------------------------------------

    def start_app(self, *args):
        # Xvfb may still be starting when the first test runs.
        wait_for("the X display", lambda: subprocess.run(
            ["xdotool", "getdisplaygeometry"], capture_output=True).returncode == 0, timeout=20)
        self.app = subprocess.Popen([os.environ["CHUTES_APP"], *args], env=self.env,
                                    preexec_fn=_die_with_parent)
        self.root = wait_for("the app on the accessibility bus", self._find_app, timeout=30)
        self.wid = wait_for("the app's X window", self._find_window, timeout=20)
        return self.app

    def _find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            try:
                if child is not None and child.get_process_id() == self.app.pid:
                    if child.childCount > 0:
                        return child
            except Exception:
                pass
        return None

    def _find_window(self):
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(self.app.pid)],
                             capture_output=True, text=True).stdout.split()
        return out[-1] if out else None

    def action(self, name, param=None):
        cmd = ["gapplication", "action", APP_ID, name]
        if param is not None:
            cmd.append(param)
        subprocess.run(cmd, env=self.env, check=True, timeout=20)

    # Whether the app's own leak check (CHUTES_LIVE_OBJECTS_REPORT, set by
    # the sanitizer pass of build-aux/run-tests.sh) runs in this session.
    checks_live_objects = True

    def quit_app(self):
        if self.app is None:
            return
        try:
            self.action("quit")
            self.app.wait(15)
            self._check_released(self.app.pid)
        except Exception:
            self.app.kill()
            self.app.wait()
            self._check_released(None)
        self.app = None

    def _check_released(self, pid):
        """Notes what the app left alive at exit (src/chutes-live-objects.c)."""
        prefix = os.environ.get("CHUTES_LIVE_OBJECTS_REPORT")
        if not prefix or not self.checks_live_objects:
            return
        if pid is None:
            self.leaks.append("the app did not quit when asked, so its leak check did not run")
            return
        try:
            with open("%s.%d" % (prefix, pid), encoding="utf-8") as f:
                report = f.read().strip()
        except FileNotFoundError:
            self.leaks.append("the app (pid %d) ended without its leak check" % pid)
            return
        if report.startswith("Leaked:"):
            self.leaks.append(report)

    def close(self):
        if self.app is not None:
            self.app.kill()
            self.app.wait()
        self.mock.stop()
        self.forget_keyring_items()
        shutil.rmtree(self.home, ignore_errors=True)

    # Reading the window ------------------------------------------------------

    def nodes(self, root=None):
        stack = [root or self.root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            yield node
            try:
                n = node.childCount
            except Exception:
                continue
            for i in range(n - 1, -1, -1):
                try:
                    stack.append(node.getChildAtIndex(i))
                except Exception:
                    pass

    @staticmethod
    def role_of(node):
        """The role name, or "" for an object that went away meanwhile."""
        try:
            return node.getRoleName()
        except Exception:
            return ""

    @staticmethod
    def name_of(node):
        try:
            return node.name or ""
        except Exception:
            return ""

    def all(self, role=None, name=None, within=None):
        """Every node with @role (and exact @name), skipping ones that vanish."""
        return [n for n in self.nodes(within)
                if (role is None or self.role_of(n) == role)
                and (name is None or self.name_of(n) == name)]

    @staticmethod
    def text_of(node):
        try:
            t = node.queryText()
            return t.getText(0, t.characterCount)
        except Exception:
            return ""

    @staticmethod
    def showing(node):
        # GTK 4.8 never sets "showing" below the window; the app marks pages
        # that are not on screen as hidden, which drops them from the tree.
        try:
            return node.getState().contains(pyatspi.STATE_VISIBLE)
        except Exception:
            return False

    def find(self, role=None, name=None, contains=None, showing=True, within=None):
        for node in self.nodes(within):
            try:
                if role is not None and node.getRoleName() != role:
                    continue
                label = node.name or ""
                text = self.text_of(node)
                if name is not None and name not in (label, text):
                    continue
                if contains is not None and contains not in label and contains not in text:
                    continue
                if showing and not self.showing(node):
                    continue
                return node
            except Exception:
                continue
        return None

    def all_text(self):
        parts = []
        for node in self.nodes():
            if self.showing(node):
                parts.append(node.name or "")
                parts.append(self.text_of(node))
        return "\n".join(p for p in parts if p)

    def wait_find(self, what, timeout=20, **kw):
        return wait_for(what, lambda: self.find(**kw), timeout=timeout)

    def press(self, node):
        """Clicks @node, or the first child that can be clicked (a
        GtkMenuButton's accessible wraps the button that acts)."""
        for candidate in [node] + [node.getChildAtIndex(i) for i in range(node.childCount)]:
            try:
                action = candidate.queryAction()
                if action.nActions > 0:
                    action.doAction(0)
                    return
            except Exception:
                continue
        raise Failure("nothing to press in %s" % self.name_of(node))

    def focused(self, node):
        return node.getState().contains(pyatspi.STATE_FOCUSED)

    def click(self, node):
        """Clicks the middle of @node with the pointer, as a person would.
        xdotool's mousemove --sync waits for the pointer to move, forever
        when it is already there: it is moved away first."""
        x, y, w, h = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        subprocess.run(["xdotool", "windowfocus", "--sync", self.wid], check=True, timeout=10)
        subprocess.run(["xdotool", "mousemove", "0", "0"], check=True, timeout=10)
        subprocess.run(["xdotool", "mousemove", "--window", self.wid, "--sync", str(x + w // 2),
                        str(y + h // 2), "click", "1"], check=True, timeout=10)

    # Keyboard and pictures ---------------------------------------------------

    def type(self, text):
        subprocess.run(["xdotool", "windowfocus", "--sync", self.wid], check=True, timeout=10)
        subprocess.run(["xdotool", "type", "--delay", "15", text], check=True, timeout=60)

    def key(self, *keys):
        subprocess.run(["xdotool", "windowfocus", "--sync", self.wid], check=True, timeout=10)
        subprocess.run(["xdotool", "key", *keys], check=True, timeout=10)

    def resize(self, width, height):
        subprocess.run(["xdotool", "windowsize", "--sync", self.wid, str(width), str(height)],
                       timeout=10)

    def screenshot(self, label):
        time.sleep(0.6)  # let the last frame land
        path = os.path.join(self.shots, "%s-%s.png" % (self.name, label))
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
        colours = subprocess.run(["identify", "-format", "%k", path],
                                 capture_output=True, text=True).stdout.strip()
        if colours.isdigit() and int(colours) < 16:
            raise Failure("screenshot %s is blank (%s colours)" % (path, colours))
        print("# screenshot: " + path)
        return path

    def browser_lines(self, prefix):
        try:
            with open(self.browser_log, encoding="utf-8") as f:
                return [l for l in f.read().splitlines() if l.startswith(prefix)]
        except FileNotFoundError:
            return []


class Tap:
    """Minimal TAP output, one line per check, for meson's protocol: 'tap'."""

    def __init__(self, session=None):
        self.n = 0
        self.failed = 0
        self.checks = []
        self.session = session
        # ui-no-keyring's private bus daemon shares stdout with the test and
        # its services print there; that test sends TAP to a descriptor of its own.
        fd = os.environ.get("CHUTES_TAP_FD")
        self.out = os.fdopen(int(fd), "w") if fd else sys.stdout

    def add(self, name, func):
        self.checks.append((name, func))

    def run(self):
        print("1..%d" % len(self.checks), file=self.out)
        for name, func in self.checks:
            self.n += 1
            try:
                func()
                print("ok %d %s" % (self.n, name), file=self.out)
            except Exception as e:  # report and go on to the next check
                self.failed += 1
                print("not ok %d %s" % (self.n, name), file=self.out)
                for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                    print("# " + line, file=self.out)
                # meson shows stderr of a failed test, not its TAP comments.
                print("FAILED %s: %s: %s" % (name, type(e).__name__, e), file=sys.stderr)
                self._report(name)
            self.out.flush()
        return 1 if self.failed else 0

    def run_and_close(self):
        """Runs the checks, then quits the app and ends the session."""
        try:
            status = self.run()
        finally:
            self.session.quit_app()
            self.session.close()
        for leak in self.session.leaks:
            print("FAILED leak check: %s" % leak, file=sys.stderr)
        return 1 if self.session.leaks else status

    def _report(self, name):
        """What the window showed when a check failed, for a CI log."""
        s = self.session
        if s is None:
            return
        try:
            alive = s.app is not None and s.app.poll() is None
            print("  app %s" % ("running" if alive else "exited with %r" % (
                s.app.returncode if s.app else None)), file=sys.stderr)
            if alive:
                text = s.all_text().replace("\n", " | ")
                print("  window text: " + text[:3000], file=sys.stderr)
                s.screenshot("failed-" + name.strip("/").replace("/", "-"))
        except Exception as e:  # the report must not hide the failure
            print("  (no report: %s)" % e, file=sys.stderr)


def setup_signals():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
