#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""First run without an OAuth client: the setup page, its checks, app
registration with an API key (and its 409), and a client that survives a
restart with the ID in GSettings and the secret in the keyring only."""

import os
import subprocess
import sys

from uitest import Session, Tap, setup_signals, wait_for


def main():
    setup_signals()
    s = Session("setup", with_client=False, env={"GSETTINGS_BACKEND": "keyfile"})
    tap = Tap(s)
    state = {}

    def entries():
        """The setup page's four entries, in reading order."""
        found = [n for n in s.nodes()
                 if n.getRoleName() in ("text", "password text", "entry") and s.showing(n)]
        if len(found) < 4:
            return None
        return found[:4]

    def fill(node, value):
        node.queryEditableText().setTextContents(value)

    def no_client_shows_setup_page():
        s.start_app()
        s.wait_find("the setup page", contains="Set Up Chutes")
        for words in ("Use an Existing OAuth App", "Register a New OAuth App", s.redirect_uri):
            if s.find(contains=words) is None:
                raise AssertionError("the setup page lacks %r" % words)
        state["entries"] = wait_for("the setup entries", entries)
        s.screenshot("setup")

    def malformed_client_id_is_explained():
        client_id, secret, _, _ = state["entries"]
        fill(client_id, "not-a-client-id")
        fill(secret, "csc_whatever")
        s.press(s.wait_find("the Use This App button", role="push button", name="Use This App"))
        s.wait_find("the client ID error", contains="starts with “cid_”")
        fill(client_id, "")
        fill(secret, "")

    def taken_name_gets_409_message():
        _, _, api_key, name = state["entries"]
        fill(api_key, "cpk_uitest")
        fill(name, "Taken App")
        s.press(s.wait_find("the Register App button", role="push button", name="Register App"))
        s.wait_find("the name clash message", timeout=20, contains="already exists")
        if s.find(contains="Set Up Chutes") is None:
            raise AssertionError("the setup page was left after a 409")
        s.screenshot("setup-409")

    def register_with_api_key_then_sign_in():
        _, _, api_key, name = state["entries"]
        fill(api_key, "cpk_uitest")
        fill(name, "Chutes Desktop UI Test")
        s.press(s.wait_find("the Register App button", role="push button", name="Register App"))
        s.wait_find("the sign-in page", timeout=20, role="push button", name="Sign in with Chutes")
        if s.mock.stats().get("apps_registered") != 1:
            raise AssertionError("the mock did not register exactly one app")
        s.press(s.find(role="push button", name="Sign in with Chutes"))
        s.wait_find("the chat", timeout=30, role="text", name="Message")

    def client_survives_restart_secret_only_in_keyring():
        s.quit_app()
        s.start_app()
        s.wait_find("the chat after restart", timeout=30, role="text", name="Message")
        # The client secret and tokens are nowhere in the app's files.
        secret_like = subprocess.run(["grep", "-rl", "-e", "csc_", "-e", "cak_", "-e", "crt_", s.home],
                                     capture_output=True, text=True).stdout.split()
        secret_like = [p for p in secret_like if not p.endswith("browser.log")]
        if secret_like:
            raise AssertionError("secrets found on disk: %r" % secret_like)
        keyfile = os.path.join(s.env["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")
        with open(keyfile, encoding="utf-8") as f:
            if "cid_" not in f.read():
                raise AssertionError("the client ID was not kept in GSettings")

    tap.add("/ui/setup/no-client-shows-setup-page", no_client_shows_setup_page)
    tap.add("/ui/setup/malformed-client-id-explained", malformed_client_id_is_explained)
    tap.add("/ui/setup/taken-app-name-explained", taken_name_gets_409_message)
    tap.add("/ui/setup/register-with-api-key-then-sign-in", register_with_api_key_then_sign_in)
    tap.add("/ui/setup/client-survives-restart-secret-only-in-keyring", client_survives_restart_secret_only_in_keyring)
    return tap.run_and_close()


if __name__ == "__main__":
    sys.exit(main())
