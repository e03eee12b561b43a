#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The default browser of the sandbox test's host side: notes who started
it (the OpenURI portal should have, outside the sandbox: only the portal's
environment has XDG_DESKTOP_PORTAL_DIR), then becomes
tests/ui/test-browser.py with the same URL."""

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
with open(os.environ["CHUTES_TEST_BROWSER_LOG"], "a", encoding="utf-8") as f:
    f.write("LAUNCHED-BY portal=%s sandboxed=%s\n" % ("XDG_DESKTOP_PORTAL_DIR" in os.environ,
                                                      os.path.exists("/.flatpak-info")))
browser = os.path.join(here, "..", "ui", "test-browser.py")
os.execv(sys.executable, [sys.executable, browser] + sys.argv[1:])
