#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The translations we ship are complete and well-formed.
#   check-po.sh SRCDIR complete   every po/*.po passes msgfmt --check, has no
#                                 untranslated or fuzzy message, and po/LINGUAS
#                                 lists exactly the po files there are
#   check-po.sh SRCDIR current    every translatable string in the sources
#                                 (po/POTFILES.in) has a translation in every
#                                 language, so a new string cannot ship in
#                                 English only
set -eu
srcdir="$1"
mode="${2:-complete}"
cd "$srcdir"
status=0

linguas=$(sed -e 's/#.*//' po/LINGUAS | tr -s ' \t' '\n\n' | sed '/^$/d' | sort)
files=$(for f in po/*.po; do [ -f "$f" ] && basename "$f" .po; done | sort)
if [ -z "$linguas" ]; then
  echo "po/LINGUAS lists no language"
  exit 1
fi

case "$mode" in
complete)
  for lang in $files; do
    if ! printf '%s\n' "$linguas" | grep -qx "$lang"; then
      echo "po/$lang.po is not listed in po/LINGUAS"
      status=1
    fi
  done
  for lang in $linguas; do
    po="po/$lang.po"
    if [ ! -f "$po" ]; then
      echo "po/LINGUAS lists $lang but $po does not exist"
      status=1
      continue
    fi
    # msgfmt prints its statistics on stderr; --check covers the header
    # (Plural-Forms included) and that every c-format placeholder is kept.
    if ! stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1); then
      echo "$po: msgfmt --check failed:"
      echo "$stats"
      status=1
      continue
    fi
    echo "$lang: $stats"
    case "$stats" in
      *untranslated*|*fuzzy*)
        echo "$po is incomplete; these messages need a (non-fuzzy) translation:"
        { msgattrib --no-wrap --untranslated "$po"; msgattrib --no-wrap --only-fuzzy "$po"; } 2>/dev/null |
          grep '^msgid ' | grep -vx 'msgid ""' | head -20
        status=1 ;;
    esac
  done
  ;;
current)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # The same keywords as i18n.gettext(preset: 'glib'); only the msgids matter.
  xgettext --from-code=UTF-8 --add-comments=Translators \
           --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
           --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
           --files-from=po/POTFILES.in --directory=. \
           --output="$tmp/current.pot"
  for lang in $linguas; do
    # msgcmp ignores untranslated and fuzzy entries of the .po: each msgid of
    # the sources needs a real translation.
    if ! out=$(LC_ALL=C msgcmp "po/$lang.po" "$tmp/current.pot" 2>&1); then
      echo "po/$lang.po lacks translations for strings in the sources:"
      printf '%s\n' "$out" | grep -v '^msgcmp: found' | head -40
      status=1
    fi
  done
  if [ $status -ne 0 ]; then
    echo "Run 'ninja -C BUILDDIR chutes-desktop-update-po' and translate the new strings."
  fi
  ;;
*)
  echo "usage: $0 SRCDIR complete|current" >&2
  exit 2 ;;
esac

[ $status -eq 0 ] && echo "translations $mode: $(echo $linguas)"
exit $status
