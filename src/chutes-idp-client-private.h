/* chutes-idp-client-private.h: the call and reply machinery of ChutesIdpClient
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by chutes-idp-client.c and chutes-idp-apps.c only.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "chutes-idp-client.h"

G_BEGIN_DECLS

/* One request in flight: the task data of every call. */
typedef struct
{
  SoupMessage *msg;
  char        *host;    /* for error messages */
  GBytes      *body;    /* secret: wiped when the call ends */
  char        *keep;    /* what the reply needs besides the body: the refresh
                         * token a refresh reply may lack (secret) or the app
                         * name for a 409; wiped when the call ends */
} ChutesIdpCall;

/* Clears @bytes in place (they hold secrets and nobody reads them any
 * more). NULL is allowed. */
void          chutes_idp_client_wipe_bytes      (GBytes               *bytes);

/* Starts a call for @task (from g_task_new () on @self): sets a new
 * ChutesIdpCall holding a copy of @keep as its task data and returns the
 * call's new message for {idp}@path, owned by the call. With no usable
 * IDP URL, returns the error on @task and returns NULL. */
SoupMessage  *chutes_idp_client_new_call        (ChutesIdpClient      *self,
                                                 GTask                *task,
                                                 const char           *method,
                                                 const char           *path,
                                                 const char           *keep);

/* Sets "Authorization: Bearer @token" on @msg without leaving a copy of
 * the token behind. */
void          chutes_idp_client_set_bearer      (SoupMessage          *msg,
                                                 const char           *token);

/* Sends the message of @task's call, with @body (secret; wiped at the end)
 * as its @content_type body when not NULL. @reply_cb gets @task back as
 * its user data, with a reference it owns. */
void          chutes_idp_client_send_call       (ChutesIdpClient      *self,
                                                 GTask                *task,
                                                 GBytes               *body,
                                                 const char           *content_type,
                                                 GAsyncReadyCallback   reply_cb);

/* Finishes the read in @reply_cb. Returns the body of a 2xx reply, or
 * NULL with the error already mapped (network, OAuth or HTTP). @status
 * gets the HTTP status (0 when there was no reply). */
GBytes       *chutes_idp_client_finish_call     (GObject              *source,
                                                 GAsyncResult         *result,
                                                 ChutesIdpCall        *call,
                                                 guint                *status,
                                                 GError              **error);

/* The JSON object in @bytes, or NULL with CHUTES_ERROR_PROTOCOL naming
 * @host. */
JsonObject   *chutes_idp_client_parse_object    (GBytes               *bytes,
                                                 const char           *host,
                                                 GError              **error);

/* A non-empty string member of @object, or NULL. */
const char   *chutes_idp_client_get_string      (JsonObject           *object,
                                                 const char           *member);

/* The tokens in a token endpoint reply (@old_refresh_token when it has
 * none), or NULL with CHUTES_ERROR_PROTOCOL. For tests/fuzz. */
ChutesTokens *chutes_idp_client_parse_tokens    (GBytes               *bytes,
                                                 const char           *host,
                                                 const char           *old_refresh_token,
                                                 GError              **error);

G_END_DECLS
