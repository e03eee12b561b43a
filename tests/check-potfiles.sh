#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file with translatable strings is in po/POTFILES.in, and
# every file listed there exists.
set -eu
srcdir="$1"
cd "$srcdir"
status=0

listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
wanted=$( (grep -l -E '\b(N?_|C_|NC_|g_dngettext|ngettext)\(' src/*.c 2>/dev/null;
           grep -l 'translatable="yes"' src/*.ui 2>/dev/null;
           ls data/*.desktop.in.in data/*.metainfo.xml.in.in data/*.gschema.xml) | sort -u)

for file in $wanted; do
  if ! printf '%s\n' "$listed" | grep -qx "$file"; then
    echo "not in po/POTFILES.in: $file"
    status=1
  fi
done
for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "listed in po/POTFILES.in but missing: $file"
    status=1
  fi
done
if ! printf '%s\n' "$listed" | sort -c 2>/dev/null; then
  echo "po/POTFILES.in is not sorted"
  status=1
fi
[ $status -eq 0 ] && echo "po/POTFILES.in lists every file with translatable strings"
exit $status
