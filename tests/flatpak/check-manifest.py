#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifests without building them (no runtime can be
downloaded in CI): they parse, every source is pinned, the permissions are
exactly the five the app needs, and nothing Flathub's linter
(flatpak-builder-lint) refuses is there.

    check-manifest.py --source-root DIR --base-id ID --command CMD
                      [--flatpak-builder PATH] MANIFEST...
        Checks the app's manifests. Each must be named <id>.json, its id
        must be ID or ID.Devel, and the .Devel one builds -Ddevelopment=true.

    check-manifest.py --source-root DIR --base-id ID --command CMD
                      --expect-reject BAD.json...
        Each bad manifest says in "x-expected-errors" which rules it breaks;
        the check passes only when exactly those rules are reported.

Output is TAP. Every problem is one line "RULE: message" naming the
offending value. Rules that carry the linter's own error name are the ones
Flathub would refuse; the others are this project's (issue 4).

Python standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

RUNTIME = "org.gnome.Platform"
SDK = "org.gnome.Sdk"

# Exactly what the app needs: network for Chutes, a display, the GPU.
ALLOWED_FINISH_ARGS = (
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
)

# pkg-config names the GNOME runtime provides (GNOME/gnome-build-meta,
# elements/sdk-platform.bst: gtk, libadwaita, gtksourceview, json-glib,
# libsecret, libsoup, gdk-pixbuf (which GTK 4 needs; its WebP loader is
# elements/sdk/webp-pixbuf-loader.bst); SQLite with FTS5 and GLib come from
# freedesktop-sdk). Any other dependency() in meson.build needs a module in
# the manifest.
RUNTIME_PROVIDES = {
    "glib-2.0", "gio-2.0", "gio-unix-2.0", "gobject-2.0", "gtk4",
    "libadwaita-1", "gtksourceview-5", "json-glib-1.0", "libsecret-1",
    "libsoup-3.0", "sqlite3", "gdk-pixbuf-2.0",
}

# Top-level properties flatpak-builder knows (flatpak-manifest(5)); any
# other is ignored with a warning, which Flathub's linter turns into
# manifest-unknown-properties.
TOPLEVEL_KEYS = {
    "id", "app-id", "branch", "default-branch", "collection-id", "extension-tag",
    "token-type", "runtime", "runtime-version", "runtime-commit", "sdk", "sdk-commit",
    "var", "metadata", "command", "build-runtime", "build-extension",
    "separate-locales", "id-platform", "metadata-platform", "writable-sdk",
    "appstream-compose", "sdk-extensions", "platform-extensions", "base",
    "base-version", "base-commit", "base-extensions", "inherit-extensions",
    "inherit-sdk-extensions", "tags", "build-options", "modules", "add-extensions",
    "add-build-extensions", "cleanup", "cleanup-commands", "cleanup-platform",
    "cleanup-platform-commands", "prepare-platform-commands", "finish-args",
    "rename-desktop-file", "rename-appdata-file", "rename-mime-file", "rename-icon",
    "rename-mime-icons", "appdata-license", "copy-icon", "desktop-file-name-prefix",
    "desktop-file-name-suffix",
}

SHA256 = re.compile(r"^[0-9a-f]{64}$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


class Problems:
    def __init__(self):
        self.items = []

    def add(self, rule, message):
        if (rule, message) not in self.items:
            self.items.append((rule, message))

    def rules(self):
        return {rule for rule, _ in self.items}

    def __bool__(self):
        return bool(self.items)


# --- finish-args -------------------------------------------------------------

def parse_finish_args(args):
    """{"socket": [...], "filesystem": [...], ...}, with the negative forms
    (--nosocket, --unshare, --nodevice) kept as "!value"."""
    parsed = {}
    for arg in args:
        key, _, value = arg.partition("=")
        key = key[2:] if key.startswith("--") else key
        negative = {"nosocket": "socket", "unshare": "share", "nodevice": "device"}
        if key in negative:
            key, value = negative[key], "!" + value
        parsed.setdefault(key, []).append(value)
    return parsed


def _under(path, prefix):
    """path is prefix or below it, with an optional :ro/:rw/:create."""
    return re.match(r"^%s(/.*)?(:(ro|rw|create))?$" % re.escape(prefix), path) is not None


def _home_prefixes(sub):
    return ("~/" + sub, "home/" + sub)


# (rule, prefixes) for filesystem paths Flathub's linter refuses by name.
FILESYSTEM_PATH_RULES = (
    ("finish-args-autostart-filesystem-access", _home_prefixes(".config/autostart")),
    ("finish-args-systemd-filesystem-access", _home_prefixes(".config/systemd")),
    ("finish-args-desktopfile-filesystem-access", _home_prefixes(".local/share/applications")),
    ("finish-args-ssh-filesystem-access", _home_prefixes(".ssh")),
    ("finish-args-gnupg-filesystem-access", _home_prefixes(".gnupg")),
    ("finish-args-absolute-home-path", ("/home", "/var/home")),
    ("finish-args-direct-dconf-path", ("xdg-run/dconf",) + _home_prefixes(".config/dconf")),
    ("finish-args-flatpak-appdata-folder-access", _home_prefixes(".var/app")),
    ("finish-args-legacy-icon-folder-permission", _home_prefixes(".icons")),
    ("finish-args-legacy-font-folder-permission", _home_prefixes(".fonts")),
    ("finish-args-incorrect-theme-folder-permission", _home_prefixes(".themes")),
    ("finish-args-flatpak-system-folder-access", ("/var/lib/flatpak",)),
    ("finish-args-flatpak-user-folder-access", _home_prefixes(".local/share/flatpak")),
    ("finish-args-host-tmp-access", ("/tmp",)),
)

RESERVED_PATHS = ("/.flatpak-info", "/app", "/bin", "/dev", "/etc", "/lib", "/lib32",
                  "/lib64", "/proc", "/root", "/run/flatpak", "/run/host", "/sbin", "/usr")


def check_filesystem(fs, problems):
    what = "--filesystem=" + fs
    bare = re.sub(r":(ro|rw|create)$", "", fs)
    if re.fullmatch(r"(home|host|~/?)", bare):
        kind = "host" if bare == "host" else "home"
        ro = "-ro" if fs.endswith(":ro") else ""
        problems.add("finish-args-%s%s-filesystem-access" % (kind, ro),
                     "%s gives the whole %s %sto the app" % (what, "host" if kind == "host" else "home folder",
                                                          "(read-only) " if ro else ""))
    if bare in ("host-os", "host-etc", "host-root"):
        problems.add("filesystem-" + bare, "%s exposes the host system's own files" % what)
    for xdg in ("xdg-data", "xdg-config", "xdg-cache"):
        m = re.fullmatch(r"%s(/([^:]*))?(:(ro|rw|create))?" % xdg, fs)
        if m:
            mode = m.group(4) or "rw"
            if m.group(2):
                sub = m.group(2).split("/")[0]
                problems.add("finish-args-unnecessary-%s-%s-%s-access" % (xdg, sub, mode),
                             "%s: the sandbox already has its own %s" % (what, xdg))
            else:
                problems.add("finish-args-arbitrary-%s-%s-access" % (xdg, mode),
                             "%s gives all of the user's %s" % (what, xdg))
    for reserved in RESERVED_PATHS:
        if _under(fs, reserved):
            problems.add("finish-args-reserved-" + reserved.lstrip("/"),
                         "%s: %s is reserved for Flatpak itself" % (what, reserved))
    for rule, prefixes in FILESYSTEM_PATH_RULES:
        if any(_under(fs, p) for p in prefixes):
            problems.add(rule, "%s is refused by Flathub (%s)" % (what, rule))
    if re.match(r"^/run/media/\w", fs):
        problems.add("finish-args-absolute-run-media-path", "%s: a path below /run/media" % what)
    if re.match(r"^/run/user/.*/dconf", fs):
        problems.add("finish-args-direct-dconf-path", "%s: direct dconf access" % what)
    if (_under(fs, "/var") and not fs.startswith(("/var/cache", "/var/config", "/var/data",
                                                   "/var/tmp", "/var/lib/flatpak", "/var/home"))):
        problems.add("finish-args-host-var-access", "%s: the host's /var" % what)


def _is_or_below(name, parent):
    return name == parent or name.startswith(parent + ".")


def check_talk_name(name, appid, problems, system=False):
    what = "--%stalk-name=%s" % ("system-" if system else "", name)
    sys_ = "-system" if system else ""
    if name in ("org.freedesktop.*", "org.gnome.*", "org.kde.*"):
        problems.add("finish-args-wildcard-%s%s-talk-name" % (name.split(".")[1], sys_),
                     "%s: a wildcard over a whole namespace" % what)
    if _is_or_below(name, "org.freedesktop.DBus"):
        problems.add("finish-args-freedesktop-dbus%s-talk-name" % sys_,
                     "%s: the bus daemon itself" % what)
    if _is_or_below(name, "org.freedesktop.systemd1"):
        problems.add("finish-args-systemd1%s-talk-name" % sys_, "%s: systemd" % what)
    if _is_or_below(name, "org.freedesktop.login1"):
        problems.add("finish-args-login1%s-talk-name" % sys_, "%s: logind" % what)
    if _is_or_below(name, "org.kde.KWin"):
        problems.add("finish-args-kwin%s-talk-name" % sys_, "%s: the KDE compositor" % what)
    if _is_or_below(name, "org.kde.plasmashell"):
        problems.add("finish-args-plasmashell%s-talk-name" % sys_, "%s: the KDE shell" % what)
    if name.startswith("org.freedesktop.impl.portal."):
        problems.add("finish-args-portal-impl-%s%s-talk-name" % (name.split(".")[-1].lower(), sys_),
                     "%s: a portal backend, not a portal" % what)
    if appid and name == "org.mpris.MediaPlayer2." + appid:
        problems.add("finish-args-mpris-flatpak-id%s-talk-name" % sys_,
                     "%s: the app's own MPRIS name needs no permission" % what)
    if system:
        if _is_or_below(name, "org.freedesktop.Flatpak"):
            problems.add("finish-args-flatpak-system-talk-name",
                         "%s: the Flatpak system helper" % what)
        return
    if appid and _is_or_below(name, appid):
        problems.add("finish-args-unnecessary-appid-talk-name",
                     "%s: the app may always talk to its own name" % what)
    if name.startswith("org.freedesktop.portal."):
        problems.add("finish-args-portal-talk-name", "%s: portals need no permission" % what)
    if _is_or_below(name, "ca.desrt.dconf"):
        problems.add("finish-args-dconf-talk-name", "%s: direct dconf access" % what)
    if name == "org.gtk.vfs":
        problems.add("finish-args-incorrect-dbus-gvfs", "%s: use org.gtk.vfs.* if at all" % what)
    if name in ("org.freedesktop.Flatpak", "org.freedesktop.Flatpak.*"):
        problems.add("finish-args-flatpak-spawn-access",
                     "%s lets the app run any command on the host (flatpak-spawn --host)" % what)
    elif name.startswith("org.freedesktop.Flatpak."):
        problems.add("finish-args-flatpak-talk-name", "%s: a Flatpak service" % what)
    if name == "org.freedesktop.Secrets":
        problems.add("finish-args-incorrect-secret-service-talk-name",
                     "%s: wrong case (and not allowed anyway)" % what)
    if name.lower() == "org.freedesktop.secrets":
        # Not a linter error, but issue 4 forbids it: libsecret uses the
        # Secret portal inside the sandbox.
        problems.add("secret-service-talk-name",
                     "%s: the whole keyring of the user; the Secret portal gives the app "
                     "its own secrets" % what)


def check_finish_args(args, appid, problems):
    if args is None:
        problems.add("finish-args-not-defined", "finish-args is missing")
        return
    if len(set(args)) != len(args):
        problems.add("finish-args-duplicate", "finish-args lists a permission twice")
    fa = parse_finish_args(args)
    sockets, shares, devices = fa.get("socket", []), fa.get("share", []), fa.get("device", [])

    for arg in args:
        if arg not in ALLOWED_FINISH_ARGS:
            problems.add("finish-args-not-allowed",
                         "%s is not one of the five permissions the app needs" % arg)
    for arg in ALLOWED_FINISH_ARGS:
        if arg not in args:
            problems.add("finish-args-missing", "%s is missing; the app needs it" % arg)

    if "x11" in sockets and "fallback-x11" in sockets:
        problems.add("finish-args-contains-both-x11-and-fallback",
                     "--socket=x11 together with --socket=fallback-x11")
    if "x11" in sockets and "wayland" in sockets:
        problems.add("finish-args-contains-both-x11-and-wayland",
                     "--socket=x11 together with --socket=wayland: use --socket=fallback-x11")
    if ("x11" in sockets or "fallback-x11" in sockets) and "ipc" not in shares:
        problems.add("finish-args-x11-without-ipc", "an X11 socket without --share=ipc")
    if "fallback-x11" in sockets and "wayland" not in sockets:
        problems.add("finish-args-fallback-x11-without-wayland",
                     "--socket=fallback-x11 without --socket=wayland")
    if "wayland" in sockets and "x11" not in sockets and "fallback-x11" not in sockets:
        problems.add("finish-args-only-wayland",
                     "--socket=wayland without --socket=fallback-x11")
    for sock in sockets:
        if sock in ("gpg-agent", "ssh-auth"):
            agent = "GPG" if sock == "gpg-agent" else "SSH"
            problems.add("finish-args-has-socket-" + sock,
                         "--socket=%s: the user's %s agent and its keys" % (sock, agent))
        if sock in ("session-bus", "system-bus"):
            problems.add("finish-args-arbitrary-dbus-access",
                         "--socket=%s: the whole %s bus" % (sock, sock.split("-")[0]))
        if sock.startswith("!"):
            problems.add("finish-args-has-nosocket-" + sock[1:], "--nosocket=%s" % sock[1:])
    for share in shares:
        if share.startswith("!"):
            problems.add("finish-args-has-unshare-" + share[1:], "--unshare=%s" % share[1:])
    for dev in devices:
        if dev.startswith("!"):
            problems.add("finish-args-has-nodevice-" + dev[1:], "--nodevice=%s" % dev[1:])
        elif dev in ("input", "usb"):
            problems.add("finish-args-has-dev-" + dev, "--device=%s: raw %s devices" % (dev, dev))
        elif dev == "all":
            problems.add("device-all", "--device=all: every device node, webcams included; "
                         "the app needs --device=dri only")
    for fs in fa.get("filesystem", []):
        check_filesystem(fs, problems)

    for own in fa.get("own-name", []):
        if appid and _is_or_below(own, appid):
            continue
        if own.startswith("org.mpris.MediaPlayer2."):
            continue
        if own.endswith(".*"):
            problems.add("finish-args-own-name-wildcard-" + own[:-2],
                         "--own-name=%s: a wildcard over names that are not the app's" % own)
        else:
            problems.add("finish-args-own-name-" + own,
                         "--own-name=%s: a name outside the app id %s" % (own, appid))
    for own in fa.get("system-own-name", []):
        name = "wildcard-" + own[:-2] if own.endswith(".*") else own
        problems.add("finish-args-system-own-name-" + name,
                     "--system-own-name=%s: owning a name on the system bus" % own)
    if fa.get("no-talk-name") or fa.get("system-no-talk-name"):
        problems.add("finish-args-uses-no-talk-name", "--no-talk-name is not allowed")
    for name in fa.get("talk-name", []):
        check_talk_name(name, appid, problems)
    for name in fa.get("system-talk-name", []):
        check_talk_name(name, appid, problems, system=True)


# --- sources and modules ----------------------------------------------------

def check_source(module, source, manifest_dir, source_root, app_module, problems):
    where = "module %s" % module
    if isinstance(source, str):
        problems.add("source-external-file",
                     "%s: source file %s: keep sources in the manifest" % (where, source))
        return
    kind = source.get("type")
    url = source.get("url", "")
    if kind in ("archive", "file", "extra-data"):
        for weak in ("sha1", "md5"):
            if source.get(weak):
                problems.add("module-%s-source-%s-deprecated" % (module, weak),
                             "%s: %s %s uses %s; use sha256" % (where, kind, url, weak))
        if kind != "file" or source.get("url"):
            if not SHA256.match(source.get("sha256", "")):
                problems.add("source-not-pinned",
                             "%s: %s %s has no sha256" % (where, kind, url or source.get("path")))
            if url and not url.startswith("https://"):
                problems.add("source-url-not-https", "%s: %s is not https" % (where, url))
    elif kind == "git":
        if source.get("branch"):
            problems.add("module-%s-source-git-branch" % module,
                         "%s: git %s follows branch %r, which moves" % (where, url, source["branch"]))
        if not COMMIT.match(source.get("commit", "")):
            problems.add("source-not-pinned",
                         "%s: git %s has no commit (40 hex digits)" % (where, url))
        if not source.get("tag"):
            problems.add("source-git-no-tag",
                         "%s: git %s has no tag to say which release the commit is" % (where, url))
        if source.get("path"):
            problems.add("module-%s-source-git-local-path" % module,
                         "%s: git from a local path %s" % (where, source["path"]))
        if not url:
            problems.add("module-%s-source-git-no-url" % module, "%s: git source without url" % where)
        elif not url.startswith("https://"):
            problems.add("source-url-not-https", "%s: %s is not https" % (where, url))
    elif kind == "dir":
        path = os.path.realpath(os.path.join(manifest_dir, source.get("path", "")))
        if module != app_module:
            problems.add("source-dir-not-app",
                         "%s: a local dir source (%s) is only for the app itself"
                         % (where, source.get("path")))
        elif path != os.path.realpath(source_root):
            problems.add("source-dir-not-checkout",
                         "%s: dir source %s is not the checkout %s" % (where, path, source_root))
    elif kind in ("svn", "bzr"):
        if not source.get("revision"):
            problems.add("source-not-pinned", "%s: %s %s has no revision" % (where, kind, url))
    elif kind in ("patch", "script", "shell", "inline"):
        pass
    else:
        problems.add("source-unknown-type", "%s: unknown source type %r" % (where, kind))


def meson_options(source_root):
    try:
        with open(os.path.join(source_root, "meson_options.txt"), encoding="utf-8") as f:
            return set(re.findall(r"option\(\s*'([^']+)'", f.read()))
    except OSError:
        return set()


def meson_dependencies(source_root):
    try:
        with open(os.path.join(source_root, "meson.build"), encoding="utf-8") as f:
            return re.findall(r"\bdependency\(\s*'([^']+)'", f.read())
    except OSError:
        return []


def check_app_module(module, appid, base_id, source_root, problems):
    where = "module %s" % module.get("name")
    if module.get("buildsystem") != "meson":
        problems.add("app-not-meson", "%s: buildsystem %r, expected meson"
                     % (where, module.get("buildsystem")))
    opts = module.get("config-opts", [])
    known = meson_options(source_root)
    for opt in opts:
        m = re.match(r"^-D([A-Za-z0-9_.-]+)=", opt)
        if m and m.group(1) not in known and "." not in m.group(1) and \
                m.group(1) not in ("buildtype", "prefix", "libdir", "b_lto", "b_ndebug", "werror"):
            problems.add("app-unknown-option",
                         "%s: %s is not an option in meson_options.txt" % (where, opt))
    if "-Dtests=false" not in opts:
        problems.add("app-builds-tests",
                     "%s: config-opts lacks -Dtests=false (the mock server and tests "
                     "do not belong in the app)" % where)
    devel = appid.endswith(".Devel")
    if devel and "-Ddevelopment=true" not in opts:
        problems.add("app-devel-profile",
                     "%s: %s must build with -Ddevelopment=true" % (where, appid))
    if not devel and "-Ddevelopment=true" in opts:
        problems.add("app-devel-profile",
                     "%s: %s must not build the development profile" % (where, appid))


def walk_modules(modules, manifest_dir, problems, out):
    for module in modules or []:
        if isinstance(module, str):
            path = os.path.join(manifest_dir, module)
            try:
                with open(path, encoding="utf-8") as f:
                    module = json.load(f)
            except (OSError, ValueError) as e:
                problems.add("module-file-unreadable", "module file %s: %s" % (module, e))
                continue
        if not isinstance(module, dict):
            problems.add("module-malformed", "a module is neither an object nor a file")
            continue
        out.append(module)
        walk_modules(module.get("modules"), manifest_dir, problems, out)


def check_modules(manifest, manifest_dir, appid, base_id, command, source_root, problems):
    modules = []
    walk_modules(manifest.get("modules"), manifest_dir, problems, modules)
    if not modules:
        problems.add("toplevel-no-modules", "the manifest builds no modules")
        return
    app_module = command  # the app's module is named after its executable
    names = [m.get("name") for m in modules]
    if names[-1] != app_module:
        problems.add("app-module-not-last",
                     "the last module must be the app (%s), found %s" % (app_module, names[-1]))
    for module in modules:
        name = module.get("name") or "?"
        for source in module.get("sources", []):
            check_source(name, source, manifest_dir, source_root, app_module, problems)
        bs = module.get("buildsystem", "autotools")
        for opt in module.get("config-opts", []):
            if bs in ("cmake", "cmake-ninja") and opt.startswith("-DCMAKE_INSTALL_PREFIX"):
                problems.add("module-%s-cmake-redundant-prefix" % name,
                             "module %s: %s; flatpak-builder sets the prefix" % (name, opt))
            if bs in ("cmake", "cmake-ninja") and opt.startswith("-DCMAKE_BUILD_TYPE="):
                if opt.split("=", 1)[1] not in ("Release", "RelWithDebInfo"):
                    problems.add("module-%s-cmake-non-release-build" % name,
                                 "module %s: %s is not a release build" % (name, opt))
            if bs == "autotools" and opt.startswith("--prefix="):
                problems.add("module-%s-autotools-redundant-prefix" % name,
                             "module %s: %s; flatpak-builder sets the prefix" % (name, opt))
        if name == app_module:
            check_app_module(module, appid, base_id, source_root, problems)
    for dep in meson_dependencies(source_root):
        if dep not in RUNTIME_PROVIDES and dep not in names:
            problems.add("dependency-not-built",
                         "meson.build needs %s, which %s lacks, and no module builds it"
                         % (dep, RUNTIME))


# --- the whole manifest -------------------------------------------------------

def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("key %r appears twice" % key)
        seen[key] = value
    return seen


def load(path, problems):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, object_pairs_hook=_no_duplicate_keys)
    except (OSError, ValueError) as e:
        problems.add("manifest-invalid-json", "%s does not parse: %s" % (path, e))
        return None


def flatpak_builder_parses(path, flatpak_builder, problems):
    """flatpak-builder's own reading of the manifest. It works without any
    runtime installed, but leaves a .flatpak-builder folder in its working
    directory, so it runs in a throwaway one."""
    with tempfile.TemporaryDirectory(prefix="chutes-fp-") as tmp:
        try:
            run = subprocess.run([flatpak_builder, "--show-manifest", os.path.abspath(path)],
                                 cwd=tmp, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            problems.add("flatpak-builder-failed", "flatpak-builder did not run: %s" % e)
            return
    if run.returncode != 0:
        problems.add("flatpak-builder-refuses", "flatpak-builder --show-manifest: %s"
                     % (run.stderr.strip() or "exit %d" % run.returncode))
    for line in run.stderr.splitlines():
        m = re.search(r"Unknown property (\S+) for type (\S+)", line)
        if m:
            problems.add("manifest-unknown-properties",
                         "flatpak-builder ignores the unknown property %s (in %s)"
                         % (m.group(1), m.group(2)))


def check_manifest(path, args, expected_id=None):
    problems = Problems()
    manifest = load(path, problems)
    if manifest is None:
        return problems, None
    if args.flatpak_builder:
        flatpak_builder_parses(path, args.flatpak_builder, problems)
    if not isinstance(manifest, dict):
        problems.add("manifest-not-object", "the manifest is not a JSON object")
        return problems, None

    for key in manifest:
        if key not in TOPLEVEL_KEYS and not key.startswith("x-"):
            problems.add("manifest-unknown-properties", "unknown top-level property %r" % key)

    if "id" in manifest and "app-id" in manifest:
        problems.add("manifest-both-id-and-app-id", "both id and app-id are set")
    appid = manifest.get("id", manifest.get("app-id"))
    allowed_ids = (args.base_id, args.base_id + ".Devel")
    if expected_id is not None:
        allowed_ids = (expected_id,)
    if appid not in allowed_ids:
        problems.add("appid-wrong", "id is %r, expected %s" % (appid, " or ".join(allowed_ids)))
    elif args.check_filename and os.path.basename(path) != appid + ".json":
        problems.add("appid-filename-mismatch",
                     "%s must be named %s.json" % (os.path.basename(path), appid))
    appid = appid or ""

    if manifest.get("runtime") != RUNTIME:
        problems.add("runtime-wrong", "runtime is %r, expected %s" % (manifest.get("runtime"), RUNTIME))
    if manifest.get("sdk") != SDK:
        problems.add("sdk-wrong", "sdk is %r, expected %s" % (manifest.get("sdk"), SDK))
    version = str(manifest.get("runtime-version", ""))
    if not re.fullmatch(r"[0-9]+", version):
        problems.add("runtime-version-not-stable",
                     "runtime-version %r is not a stable GNOME release (a number)" % version)
    command = manifest.get("command")
    if not command:
        problems.add("toplevel-no-command", "command is missing")
    elif command.startswith("/"):
        problems.add("toplevel-command-is-path", "command %r is a path" % command)
    elif command != args.command:
        problems.add("command-wrong", "command is %r but meson installs %r" % (command, args.command))
    for key in ("branch", "default-branch"):
        if manifest.get(key) not in (None, "stable", "beta"):
            problems.add("toplevel-unnecessary-branch", "%s %r: leave it out" % (key, manifest[key]))
    cleanup = manifest.get("cleanup", [])
    if "/lib/debug" in cleanup:
        problems.add("toplevel-cleanup-debug", "cleanup removes /lib/debug")
    if not cleanup:
        problems.add("toplevel-no-cleanup", "no cleanup list: headers and pkg-config files ship")
    build_args = manifest.get("build-options", {}).get("build-args", [])
    if "--share=network" in build_args:
        problems.add("manifest-toplevel-build-network-access",
                     "build-options gives the build network access")

    check_finish_args(manifest.get("finish-args"), appid, problems)
    check_modules(manifest, os.path.dirname(os.path.abspath(path)), appid, args.base_id,
                  args.command, args.source_root, problems)
    return problems, manifest


# --- TAP ----------------------------------------------------------------------

class Tap:
    def __init__(self):
        self.lines = []
        self.n = 0
        self.failed = 0

    def result(self, ok, name, details=()):
        self.n += 1
        self.lines.append("%s %d - %s" % ("ok" if ok else "not ok", self.n, name))
        for d in details:
            self.lines.append("# " + d)
        if not ok:
            self.failed += 1
            for d in details:
                print("%s: %s" % (name, d), file=sys.stderr)

    def print(self):
        print("1..%d" % sum(1 for line in self.lines if not line.startswith("#")))
        print("\n".join(self.lines))
        return 1 if self.failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--base-id", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--flatpak-builder", default=shutil.which("flatpak-builder"))
    parser.add_argument("--no-flatpak-builder", dest="flatpak_builder", action="store_const",
                        const=None)
    parser.add_argument("--expect-reject", action="store_true")
    parser.add_argument("manifests", nargs="+")
    args = parser.parse_args()
    args.check_filename = not args.expect_reject
    # A folder stands for the manifests in it.
    manifests = []
    for path in args.manifests:
        if os.path.isdir(path):
            manifests += sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".json"))
        else:
            manifests.append(path)
    args.manifests = manifests

    tap = Tap()
    if not args.flatpak_builder:
        tap.lines.append("# flatpak-builder is not installed: checked with Python's json only")

    if not args.expect_reject:
        seen = []
        for path in args.manifests:
            problems, manifest = check_manifest(path, args)
            name = os.path.basename(path)
            tap.result(not problems, "%s is a minimal, pinned manifest" % name,
                       ["%s: %s" % item for item in problems.items])
            if manifest:
                seen.append((name, manifest))
        # The development profile runs with the same permissions on the same runtime.
        for name, manifest in seen[1:]:
            first_name, first = seen[0]
            for key in ("finish-args", "runtime-version", "cleanup"):
                same = manifest.get(key) == first.get(key)
                tap.result(same, "%s has the same %s as %s" % (name, key, first_name),
                           [] if same else ["%r != %r" % (manifest.get(key), first.get(key))])
        return tap.print()

    for path in args.manifests:
        name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        problems = Problems()
        manifest = None
        with open(path, encoding="utf-8") as f:
            try:
                expected = set(json.load(f).get("x-expected-errors", []))
            except ValueError:
                expected = None  # a manifest that does not even parse
        if expected is None:
            problems, manifest = check_manifest(path, args)
            ok = "manifest-invalid-json" in problems.rules()
            tap.result(ok, "%s is rejected as unparsable" % name,
                       ["%s: %s" % item for item in problems.items])
            continue
        problems, manifest = check_manifest(path, args, expected_id=args.base_id)
        found = problems.rules()
        details = ["%s: %s" % item for item in problems.items]
        if not expected:
            tap.result(False, "%s names no x-expected-errors" % name)
            continue
        missing, extra = expected - found, found - expected
        if missing:
            details.append("NOT REPORTED: " + ", ".join(sorted(missing)))
        if extra:
            details.append("UNEXPECTED: " + ", ".join(sorted(extra)))
        tap.result(not missing and not extra,
                   "%s is rejected for exactly %s" % (name, ", ".join(sorted(expected))), details)
    return tap.print()


if __name__ == "__main__":
    sys.exit(main())
