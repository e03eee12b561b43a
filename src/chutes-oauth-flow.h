/* chutes-oauth-flow.h: one "Sign in with Chutes" attempt, browser and back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-idp-client.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_OAUTH_FLOW (chutes_oauth_flow_get_type ())
G_DECLARE_FINAL_TYPE (ChutesOAuthFlow, chutes_oauth_flow, CHUTES, OAUTH_FLOW, GObject)

#define CHUTES_OAUTH_FLOW_DEFAULT_TIMEOUT 300

ChutesOAuthFlow *chutes_oauth_flow_new                (ChutesIdpClient     *idp);

/* "authorize-uri" (string, read-only): set, and notified, once the loopback
 * server listens and before the browser is asked to open it, so the UI can
 * show it with a Copy button. */
const char      *chutes_oauth_flow_get_authorize_uri  (ChutesOAuthFlow     *self);

/* "open-browser" (boolean, default TRUE): tests turn it off and play the
 * browser themselves from "authorize-uri". A browser that fails to open is
 * not fatal: the flow keeps waiting (the person can copy the URL). */
void             chutes_oauth_flow_set_open_browser   (ChutesOAuthFlow     *self,
                                                       gboolean             open_browser);
/* "timeout" (seconds, default CHUTES_OAUTH_FLOW_DEFAULT_TIMEOUT). */
void             chutes_oauth_flow_set_timeout        (ChutesOAuthFlow     *self,
                                                       guint                seconds);

/* Verifier and state from getrandom, loopback server on the first free
 * registered port, browser, code exchange at /idp/token, then userinfo (the
 * username; a userinfo failure is not fatal, username stays NULL). Returns
 * the tokens. Cancel stops the server and returns G_IO_ERROR_CANCELLED. */
void             chutes_oauth_flow_run_async          (ChutesOAuthFlow     *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
ChutesTokens    *chutes_oauth_flow_run_finish         (ChutesOAuthFlow     *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

G_END_DECLS
