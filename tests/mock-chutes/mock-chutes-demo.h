/* mock-chutes-demo.h: the built-in demo OAuth client of the mock server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These are not secrets: they only work against the mock Chutes server
 * running on this computer, and they are published in its README so that a
 * newcomer can try the app without a Chutes account.
 */
#pragma once

/* "cid_" + 24 characters, "csc_" + 48 characters, like real Chutes clients. */
#define MOCK_CHUTES_DEMO_CLIENT_ID     "cid_chutesdesktopdemo0000001"
#define MOCK_CHUTES_DEMO_CLIENT_SECRET "csc_demosecretofthemockchutesserver0notasecret000000"
#define MOCK_CHUTES_DEMO_CLIENT_NAME   "Chutes for GNOME"

/* The redirect URIs registered for the demo client unless --redirect-uri is
 * given: the app's built-in list. */
#define MOCK_CHUTES_DEMO_REDIRECT_URIS     \
  "http://127.0.0.1:48723/callback",       \
  "http://127.0.0.1:48724/callback",       \
  "http://127.0.0.1:48725/callback"

/* The person who signs in unless --user is given. */
#define MOCK_CHUTES_DEMO_USER "alice"
