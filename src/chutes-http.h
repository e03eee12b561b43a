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

/* What the body of an unsuccessful reply may weigh: its status says what
 * went wrong, the body at most adds a sentence. */
#define CHUTES_HTTP_MAX_ERROR_BODY (64 * 1024)

/* Sends @msg and reads its body, like soup_session_send_and_read_async(),
 * but within bounds: a successful reply of more than @max_size bytes is
 * refused (by its Content-Length before reading, or as soon as reading
 * passes @max_size) with a CHUTES_ERROR_PROTOCOL error naming the host; an
 * unsuccessful reply's body is cut to %CHUTES_HTTP_MAX_ERROR_BODY bytes.
 * Transport errors come back as they are, for
 * chutes_error_new_from_network(). */
void         chutes_http_send_and_read_async  (SoupSession          *session,
                                               SoupMessage          *msg,
                                               gsize                 max_size,
                                               int                   io_priority,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GBytes      *chutes_http_send_and_read_finish (SoupSession          *session,
                                               GAsyncResult         *result,
                                               GError              **error);

/* The host of @url for messages, or @url itself when it does not parse. */
char        *chutes_http_dup_host         (const char  *url);

G_END_DECLS
