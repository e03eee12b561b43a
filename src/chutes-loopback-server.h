/* chutes-loopback-server.h: catches the OAuth redirect on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_LOOPBACK_SERVER (chutes_loopback_server_get_type ())
G_DECLARE_FINAL_TYPE (ChutesLoopbackServer, chutes_loopback_server, CHUTES, LOOPBACK_SERVER, GObject)

/* @redirect_uris: the registered http://127.0.0.1:PORT/PATH URIs, tried in
 * order. @expected_state: the state the callback must carry. */
ChutesLoopbackServer *chutes_loopback_server_new        (const char * const   *redirect_uris,
                                                         const char           *expected_state);

/* Binds 127.0.0.1 (never another address) on the port of the first URI
 * whose port is free. When none is free: CHUTES_ERROR_PORT_BUSY with a
 * message naming the port(s). Does not block. */
gboolean     chutes_loopback_server_start               (ChutesLoopbackServer *self,
                                                         GError              **error);

/* The redirect URI actually in use, after a successful start. */
const char  *chutes_loopback_server_get_redirect_uri    (ChutesLoopbackServer *self);

/* Completes with the authorization code once a callback with the right
 * state arrives; with the mapped OAuth error (CHUTES_ERROR_ACCESS_DENIED,
 * CHUTES_ERROR_INVALID_SCOPE, CHUTES_ERROR_OAUTH) when a callback with the
 * right state carries error=; with CHUTES_ERROR_TIMED_OUT after
 * @timeout_seconds; with G_IO_ERROR_CANCELLED on cancel. Requests to other
 * paths get 404, callbacks with a wrong or missing state get an error page,
 * and in both cases the server goes on listening. The browser always gets a
 * small escaped HTML page saying what happened. The server stops listening
 * when the wait completes (after the final page has been sent). */
void         chutes_loopback_server_wait_async          (ChutesLoopbackServer *self,
                                                         guint                 timeout_seconds,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
char        *chutes_loopback_server_wait_finish         (ChutesLoopbackServer *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

void         chutes_loopback_server_stop                (ChutesLoopbackServer *self);

G_END_DECLS
