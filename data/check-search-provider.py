#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks a GNOME Shell search-provider .ini the way the Shell reads it
(js/ui/remoteSearch.js): group, keys, version 2, and that the bus name,
object path and desktop ID belong to APP_ID.

Usage: check-search-provider.py FILE APP_ID"""
import configparser
import sys


def main():
    path, app_id = sys.argv[1], sys.argv[2]
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    with open(path, encoding='utf-8') as f:
        parser.read_file(f)
    errors = []
    if parser.sections() != ['Shell Search Provider']:
        errors.append('groups are %s, not [Shell Search Provider]' % parser.sections())
    else:
        group = parser['Shell Search Provider']
        want = {
            'DesktopId': app_id + '.desktop',
            'BusName': app_id,
            'ObjectPath': '/' + app_id.replace('.', '/') + '/SearchProvider',
            'Version': '2',
        }
        for key, value in want.items():
            if group.get(key) != value:
                errors.append('%s is %r, not %r' % (key, group.get(key), value))
        for key in group:
            if key not in want:
                errors.append('unknown key %s' % key)
    for error in errors:
        print('%s: %s' % (path, error), file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
