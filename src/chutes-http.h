/* chutes-http.h: the one SoupSession the application shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A new session with our user agent ("Chutes/VERSION") and sensible
 * timeouts. The application creates one and hands it to every client
 * object; tests create their own. */
SoupSession *chutes_http_session_new      (void);

/* TRUE when @uri's host is 127.0.0.0/8, ::1 or "localhost". */
gboolean     chutes_http_uri_is_loopback  (GUri        *uri);

/* Parses @base_url and refuses anything that is not https://, or http://
 * on a loopback host, with a CHUTES_ERROR_CONFIG error that names @what
 * (for example "identity provider"). Returns the URL without a trailing
 * slash. */
char        *chutes_http_check_base_url   (const char  *base_url,
                                           const char  *what,
                                           GError     **error);

/* @base (no trailing slash) + @path (starting with "/"). */
char        *chutes_http_build_url        (const char  *base,
                                           const char  *path);

/* The host of @url for messages, or @url itself when it does not parse. */
char        *chutes_http_dup_host         (const char  *url);

G_END_DECLS
