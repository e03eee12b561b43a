# SPDX-License-Identifier: GPL-3.0-or-later
"""What the translation UI tests share: the app's environment for a
language, and the build's own translations to compare the window with."""

import gettext
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ui"))


def locale_env(lang):
    """The environment that makes the uninstalled app speak @lang.

    Debian 12 has only the C.UTF-8 locale unless more are generated. glibc
    honours LANGUAGE with any locale except "C" and "POSIX", so C.UTF-8 plus
    LANGUAGE translates without a generated locale. LC_ALL and LC_MESSAGES
    are emptied (empty counts as unset) so that the caller's cannot win."""
    return {
        "LANGUAGE": lang,
        "LANG": "C.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
        "CHUTES_LOCALEDIR": os.environ["CHUTES_LOCALEDIR"],
    }


class Translation:
    """The build's .mo for @lang, with lookups that fail when a string is
    not translated, so a check cannot pass on English text."""

    def __init__(self, lang):
        self.lang = lang
        self.mo = gettext.translation("chutes-desktop", localedir=os.environ["CHUTES_LOCALEDIR"],
                                      languages=[lang])

    def __call__(self, english):
        text = self.mo.gettext(english)
        if text == english:
            raise AssertionError("%s.po does not translate %r" % (self.lang, english))
        return text

    def ngettext(self, singular, plural, n):
        text = self.mo.ngettext(singular, plural, n)
        if text in (singular, plural):
            raise AssertionError("%s.po does not translate %r" % (self.lang, plural))
        return text

    def label(self, english):
        """A menu or button label as its accessible name: no mnemonic."""
        return self(english).replace("_", "")


def fonts_for(lang):
    """The font families fontconfig has for @lang (what GTK can fall back to)."""
    out = subprocess.run(["fc-list", ":lang=%s" % lang, "family"],
                         capture_output=True, text=True).stdout
    return sorted(set(line.strip() for line in out.splitlines() if line.strip()))
