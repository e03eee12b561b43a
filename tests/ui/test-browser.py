#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for the system browser, for UI tests.

Installed as the default handler of http/https URLs in the test's private
XDG dirs, so when the app calls g_app_info_launch_default_for_uri() this
script receives the authorize URL. It behaves like a person at the mock
server's consent page: it waits CHUTES_TEST_BROWSER_DELAY seconds (so the
test can look at the "waiting" page), then presses the button named by
CHUTES_TEST_BROWSER_DECISION ("allow" by default; both may come from the
JSON file CHUTES_TEST_BROWSER_CONFIG instead) and follows the redirect to
the app's loopback server. Every URL it was given and the final page it saw
are appended to CHUTES_TEST_BROWSER_LOG.
"""

import html
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def log(line):
    path = os.environ.get("CHUTES_TEST_BROWSER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ") + "\n")


def fetch(url, data=None):
    req = urllib.request.Request(url, data=data)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def settings():
    """Delay and decision, from CHUTES_TEST_BROWSER_CONFIG (a JSON file the
    test may rewrite between sign-ins) or the environment."""
    conf = {"delay": os.environ.get("CHUTES_TEST_BROWSER_DELAY", "0"),
            "decision": os.environ.get("CHUTES_TEST_BROWSER_DECISION", "allow")}
    path = os.environ.get("CHUTES_TEST_BROWSER_CONFIG")
    if path and os.path.exists(path):
        import json
        with open(path, encoding="utf-8") as f:
            conf.update(json.load(f))
    return float(conf["delay"]), conf["decision"]


def main():
    url = sys.argv[1]
    log("OPEN " + url)
    delay, decision = settings()
    time.sleep(delay)

    status, body = fetch(url)
    match = re.search(r'name="request_id"\s+value="([^"]+)"', body)
    if not match:
        log("PAGE %d %s" % (status, body[:2000]))
        return
    form = urllib.parse.urlencode({"request_id": html.unescape(match.group(1)),
                                   "decision": decision}).encode()
    consent = urllib.parse.urljoin(url, "/idp/authorize/consent")
    # urllib follows the 302 to the loopback redirect URI like a browser.
    status, body = fetch(consent, form)
    log("PAGE %d %s" % (status, body[:2000]))


if __name__ == "__main__":
    main()
