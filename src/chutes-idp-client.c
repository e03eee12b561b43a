/* chutes-idp-client.c: the Chutes identity provider's HTTP endpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One small function per endpoint (see shared/CHUTES-API.md):
 *   GET  /idp/authorize      (only its URL: the browser goes there)
 *   POST /idp/token          code exchange and refresh, form-encoded
 *   POST /idp/token/revoke   RFC 7009
 *   GET  /idp/userinfo       the username
 *   POST /idp/apps           in chutes-idp-apps.c
 * and the call and reply machinery they share (chutes-idp-client-private.h).
 *
 * Request bodies hold secrets (client secret, code, verifier, tokens, API
 * key), so they are never logged and are wiped once the request is over;
 * replies holding tokens are wiped once parsed.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-idp-client-private.h"
#include "chutes-json.h"

/* When a token reply has no expires_in (the documented lifetime). */
#define DEFAULT_EXPIRES_IN 3600

/* An expires_in past a year is taken as a year: "now + expires_in" must
 * stay a time, whatever number the reply holds. */
#define MAX_EXPIRES_IN (366 * 24 * 3600)

/* Tokens travel in an Authorization header: longer ones than this are not
 * tokens (ours are a few hundred bytes) and would break every request. */
#define MAX_TOKEN_LENGTH 8192

struct _ChutesIdpClient
{
  GObject       parent_instance;

  SoupSession  *session;
  ChutesConfig *config;
};

G_DEFINE_FINAL_TYPE (ChutesIdpClient, chutes_idp_client, G_TYPE_OBJECT)

/* Calls and replies -------------------------------------------------------- */

void
chutes_idp_client_wipe_bytes (GBytes *bytes)
{
  gsize size = 0;
  gconstpointer data;

  if (bytes == NULL)
    return;

  /* We created these bytes (or received them) and nobody else reads them
   * any more; clear them before they go back to the allocator. */
  data = g_bytes_get_data (bytes, &size);
  if (data != NULL && size > 0)
    explicit_bzero ((gpointer) data, size);
}

static void
call_free (ChutesIdpCall *call)
{
  g_clear_object (&call->msg);
  g_clear_pointer (&call->host, g_free);
  chutes_idp_client_wipe_bytes (call->body);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->keep, chutes_secret_free);
  g_free (call);
}

/* {idp} + @path, or NULL with CHUTES_ERROR_CONFIG. */
static char *
idp_url (ChutesIdpClient  *self,
         const char       *path,
         GError          **error)
{
  g_autofree char *base = NULL;

  base = chutes_http_check_base_url (chutes_config_get_idp_base_url (self->config),
                                     _("identity provider"), error);
  if (base == NULL)
    return NULL;

  return chutes_http_build_url (base, path);
}

SoupMessage *
chutes_idp_client_new_call (ChutesIdpClient *self,
                            GTask           *task,
                            const char      *method,
                            const char      *path,
                            const char      *keep)
{
  ChutesIdpCall *call = g_new0 (ChutesIdpCall, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  call->keep = g_strdup (keep);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if ((url = idp_url (self, path, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  call->msg = soup_message_new (method, url);
  call->host = g_strdup (g_uri_get_host (soup_message_get_uri (call->msg)));

  return call->msg;
}

void
chutes_idp_client_set_bearer (SoupMessage *msg,
                              const char  *token)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                authorization);
  explicit_bzero (authorization, strlen (authorization));
}

void
chutes_idp_client_send_call (ChutesIdpClient     *self,
                             GTask               *task,
                             GBytes              *body,
                             const char          *content_type,
                             GAsyncReadyCallback  reply_cb)
{
  ChutesIdpCall *call = g_task_get_task_data (task);

  if (body != NULL)
    {
      call->body = g_bytes_ref (body);
      soup_message_set_request_body_from_bytes (call->msg, content_type, body);
    }

  g_debug ("IDP: %s %s", soup_message_get_method (call->msg),
           g_uri_get_path (soup_message_get_uri (call->msg)));

  /* No reply from the identity provider is worth more than this. */
  chutes_http_send_and_read_async (self->session, call->msg, CHUTES_JSON_MAX_TOKEN_REPLY,
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   reply_cb, g_object_ref (task));
}

GBytes *
chutes_idp_client_finish_call (GObject        *source,
                               GAsyncResult   *result,
                               ChutesIdpCall  *call,
                               guint          *status,
                               GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *path = g_uri_get_path (soup_message_get_uri (call->msg));

  *status = 0;
  bytes = chutes_http_send_and_read_finish (SOUP_SESSION (source), result, &local_error);
  if (bytes == NULL)
    {
      g_debug ("IDP: %s failed: %s", path, local_error->message);
      g_propagate_error (error, chutes_error_new_from_network (g_steal_pointer (&local_error),
                                                               call->host));
      return NULL;
    }

  *status = soup_message_get_status (call->msg);
  g_debug ("IDP: %s -> HTTP %u", path, *status);

  if (!SOUP_STATUS_IS_SUCCESSFUL (*status))
    {
      const char *content_type =
        soup_message_headers_get_content_type (soup_message_get_response_headers (call->msg),
                                               NULL);

      g_propagate_error (error, chutes_error_new_from_http (*status, content_type, bytes,
                                                           call->host));
      chutes_idp_client_wipe_bytes (bytes);
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

JsonObject *
chutes_idp_client_parse_object (GBytes      *bytes,
                                const char  *host,
                                GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  root = chutes_json_parse (data, size, CHUTES_JSON_MAX_TOKEN_REPLY, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("IDP: reply from %s: %s", host,
               local_error != NULL ? local_error->message : "not an object");
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   /* TRANSLATORS: %s is a host name */
                   _("%s sent a reply that Chutes for GNOME cannot read."), host);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

const char *
chutes_idp_client_get_string (JsonObject *object,
                              const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  value = json_node_get_string (node);
  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
check_client (ChutesIdpClient  *self,
              GError          **error)
{
  if (!chutes_config_has_client (self->config))
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                           _("No OAuth app is set up yet. Set up the app to sign in."));
      return FALSE;
    }

  return TRUE;
}

/* Token replies ----------------------------------------------------------- */

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=",
 * what an Authorization header can carry as it is. */
static gboolean
is_usable_token (const char *token)
{
  gsize len = strlen (token);
  gsize i = 0;

  if (len == 0 || len > MAX_TOKEN_LENGTH)
    return FALSE;

  while (i < len && (g_ascii_isalnum (token[i]) || strchr ("-._~+/", token[i]) != NULL))
    i++;
  if (i == 0)
    return FALSE;
  while (i < len && token[i] == '=')
    i++;

  return i == len;
}

static ChutesTokens *
parse_tokens (GBytes      *bytes,
              const char  *host,
              const char  *old_refresh_token,
              GError     **error)
{
  g_autoptr(JsonObject) object = NULL;
  const char *access_token;
  const char *refresh_token;
  JsonNode *expires_node;
  gint64 expires_in = DEFAULT_EXPIRES_IN;

  if ((object = chutes_idp_client_parse_object (bytes, host, error)) == NULL)
    return NULL;

  access_token = chutes_idp_client_get_string (object, "access_token");
  if (access_token == NULL)
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   _("%s sent a sign-in reply without an access token."), host);
      return NULL;
    }

  if (!is_usable_token (access_token))
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   _("%s sent an access token that is too long or holds characters a "
                     "request cannot carry, so signing in was refused."), host);
      return NULL;
    }

  expires_node = json_object_get_member (object, "expires_in");
  if (expires_node == NULL || JSON_NODE_HOLDS_NULL (expires_node))
    g_debug ("IDP: token reply without expires_in, assuming %d s", DEFAULT_EXPIRES_IN);
  else if (!chutes_json_get_int (expires_node, 0, MAX_EXPIRES_IN, &expires_in))
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   _("%s sent a sign-in reply with an unreadable expiry time."), host);
      return NULL;
    }

  refresh_token = chutes_idp_client_get_string (object, "refresh_token");
  if (refresh_token != NULL && !is_usable_token (refresh_token))
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   _("%s sent a refresh token that is too long or holds characters a "
                     "request cannot carry, so signing in was refused."), host);
      return NULL;
    }
  if (refresh_token == NULL)
    refresh_token = old_refresh_token;

  return chutes_tokens_new (access_token, refresh_token,
                            g_get_real_time () / G_USEC_PER_SEC + expires_in,
                            chutes_idp_client_get_string (object, "scope"), NULL);
}

static void
token_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesIdpCall *call = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ChutesTokens *tokens = NULL;
  guint status;

  /* call->keep: the refresh token of a refresh, NULL for a code exchange. */
  if ((bytes = chutes_idp_client_finish_call (source, result, call, &status, &error)) != NULL)
    tokens = parse_tokens (bytes, call->host, call->keep, &error);
  chutes_idp_client_wipe_bytes (bytes);

  if (tokens == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, tokens, (GDestroyNotify) chutes_tokens_free);
}

/* Client authentication ---------------------------------------------------- */

/* Sends the call of @task as a form POST of @form plus the client's
 * credentials, the same way at every endpoint that authenticates the
 * client (RFC 6749 §2.3.1, RFC 7009 §2.1): client_id and client_secret in
 * the body, which Chutes and every server we know accept. */
static void
post_authenticated_form (ChutesIdpClient     *self,
                         GTask               *task,
                         GHashTable          *form,
                         GAsyncReadyCallback  reply_cb)
{
  ChutesIdpCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  char *encoded;

  if (!check_client (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_hash_table_insert (form, "client_id", (gpointer) chutes_config_get_client_id (self->config));
  g_hash_table_insert (form, "client_secret",
                       (gpointer) chutes_config_get_client_secret (self->config));
  encoded = soup_form_encode_hash (form);
  body = g_bytes_new_take (encoded, strlen (encoded));

  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Accept",
                                "application/json");
  chutes_idp_client_send_call (self, task, body, "application/x-www-form-urlencoded",
                               reply_cb);
}

/* POST /idp/token with @form plus the client's credentials. @refresh_token
 * is kept for a reply without one. */
static void
post_token_request (ChutesIdpClient *self,
                    GTask           *task,
                    GHashTable      *form,
                    const char      *refresh_token)
{
  if (chutes_idp_client_new_call (self, task, SOUP_METHOD_POST, "/idp/token",
                                  refresh_token) == NULL)
    return;

  post_authenticated_form (self, task, form, token_reply_cb);
}

void
chutes_idp_client_exchange_code_async (ChutesIdpClient     *self,
                                       const char          *code,
                                       const char          *code_verifier,
                                       const char          *redirect_uri,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;

  g_return_if_fail (CHUTES_IS_IDP_CLIENT (self));
  g_return_if_fail (code != NULL);
  g_return_if_fail (code_verifier != NULL);
  g_return_if_fail (redirect_uri != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_idp_client_exchange_code_async);

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, "grant_type", "authorization_code");
  g_hash_table_insert (form, "code", (gpointer) code);
  g_hash_table_insert (form, "code_verifier", (gpointer) code_verifier);
  g_hash_table_insert (form, "redirect_uri", (gpointer) redirect_uri);
  post_token_request (self, task, form, NULL);
}

ChutesTokens *
chutes_idp_client_exchange_code_finish (ChutesIdpClient  *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
chutes_idp_client_refresh_async (ChutesIdpClient     *self,
                                 const char          *refresh_token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;

  g_return_if_fail (CHUTES_IS_IDP_CLIENT (self));
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_idp_client_refresh_async);

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, "grant_type", "refresh_token");
  g_hash_table_insert (form, "refresh_token", (gpointer) refresh_token);
  post_token_request (self, task, form, refresh_token);
}

ChutesTokens *
chutes_idp_client_refresh_finish (ChutesIdpClient  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Revoke ------------------------------------------------------------------ */

static void
revoke_reply_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  bytes = chutes_idp_client_finish_call (source, result, g_task_get_task_data (task),
                                         &status, &error);
  if (bytes == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
chutes_idp_client_revoke_async (ChutesIdpClient     *self,
                                const char          *token,
                                const char          *hint,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) form = NULL;

  g_return_if_fail (CHUTES_IS_IDP_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_idp_client_revoke_async);

  if (chutes_idp_client_new_call (self, task, SOUP_METHOD_POST, "/idp/token/revoke",
                                  NULL) == NULL)
    return;

  /* A confidential client authenticates here as at the token endpoint
   * (RFC 7009 §2.1); a conformant server refuses the revocation otherwise
   * and the token stays valid. */
  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, "token", (gpointer) token);
  if (hint != NULL)
    g_hash_table_insert (form, "token_type_hint", (gpointer) hint);
  post_authenticated_form (self, task, form, revoke_reply_cb);
}

gboolean
chutes_idp_client_revoke_finish (ChutesIdpClient  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Userinfo ---------------------------------------------------------------- */

static void
userinfo_reply_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesIdpCall *call = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *username;
  guint status;

  if ((bytes = chutes_idp_client_finish_call (source, result, call, &status, &error)) == NULL
      || (object = chutes_idp_client_parse_object (bytes, call->host, &error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  username = chutes_idp_client_get_string (object, "username");
  if (username == NULL)
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                               _("%s did not say who is signed in."), call->host);
      return;
    }

  /* The username first, then the user ID ("sub", may be missing). */
  g_task_return_pointer (task,
                         g_strdupv ((char *[]) { (char *) username,
                                                 (char *) chutes_idp_client_get_string (object, "sub"),
                                                 NULL }),
                         (GDestroyNotify) g_strfreev);
}

void
chutes_idp_client_userinfo_async (ChutesIdpClient     *self,
                                  const char          *access_token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SoupMessage *msg;

  g_return_if_fail (CHUTES_IS_IDP_CLIENT (self));
  g_return_if_fail (access_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_idp_client_userinfo_async);

  msg = chutes_idp_client_new_call (self, task, SOUP_METHOD_GET, "/idp/userinfo", NULL);
  if (msg == NULL)
    return;

  chutes_idp_client_set_bearer (msg, access_token);
  chutes_idp_client_send_call (self, task, NULL, NULL, userinfo_reply_cb);
}

char *
chutes_idp_client_userinfo_finish (ChutesIdpClient  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  return chutes_idp_client_userinfo_full_finish (self, result, NULL, error);
}

char *
chutes_idp_client_userinfo_full_finish (ChutesIdpClient  *self,
                                        GAsyncResult     *result,
                                        char            **user_id,
                                        GError          **error)
{
  g_auto(GStrv) info = NULL;

  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (user_id != NULL)
    *user_id = NULL;

  info = g_task_propagate_pointer (G_TASK (result), error);
  if (info == NULL)
    return NULL;

  if (user_id != NULL)
    *user_id = g_strdup (info[1]);

  return g_strdup (info[0]);
}

/* Authorize URL ----------------------------------------------------------- */

char *
chutes_idp_client_build_authorize_url (ChutesIdpClient *self,
                                       const char      *redirect_uri,
                                       const char      *state,
                                       const char      *code_challenge)
{
  const char *names[] = { "response_type", "client_id", "redirect_uri", "scope", "state",
                          "code_challenge", "code_challenge_method" };
  const char *values[G_N_ELEMENTS (names)];
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GString *result;

  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);
  g_return_val_if_fail (redirect_uri != NULL, NULL);
  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (code_challenge != NULL, NULL);

  if ((url = idp_url (self, "/idp/authorize", &error)) == NULL)
    {
      g_debug ("IDP: no authorize URL: %s", error->message);
      return NULL;
    }

  values[0] = "code";
  values[1] = chutes_config_get_client_id (self->config);
  values[2] = redirect_uri;
  values[3] = chutes_config_get_scopes (self->config);
  values[4] = state;
  values[5] = code_challenge;
  values[6] = "S256";

  /* Every value fully escaped: only unreserved characters stay as they
   * are, so a space in the scopes becomes %20 and ":" or "/" are escaped. */
  result = g_string_new (url);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_string_append_c (result, i == 0 ? '?' : '&');
      g_string_append (result, names[i]);
      g_string_append_c (result, '=');
      g_string_append_uri_escaped (result, values[i] != NULL ? values[i] : "", NULL, FALSE);
    }

  return g_string_free (result, FALSE);
}

/* Object ------------------------------------------------------------------ */

SoupSession *
chutes_idp_client_get_session (ChutesIdpClient *self)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);

  return self->session;
}

ChutesConfig *
chutes_idp_client_get_config (ChutesIdpClient *self)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), NULL);

  return self->config;
}

static void
chutes_idp_client_dispose (GObject *object)
{
  ChutesIdpClient *self = CHUTES_IDP_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (chutes_idp_client_parent_class)->dispose (object);
}

static void
chutes_idp_client_class_init (ChutesIdpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_idp_client_dispose;
}

static void
chutes_idp_client_init (ChutesIdpClient *self)
{
}

ChutesIdpClient *
chutes_idp_client_new (SoupSession  *session,
                       ChutesConfig *config)
{
  ChutesIdpClient *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (CHUTES_IS_CONFIG (config), NULL);

  self = g_object_new (CHUTES_TYPE_IDP_CLIENT, NULL);
  self->session = g_object_ref (session);
  self->config = g_object_ref (config);

  return self;
}

/* For tests/fuzz only: the token reply parser, reachable without a server. */
ChutesTokens *
chutes_idp_client_parse_tokens (GBytes      *bytes,
                                const char  *host,
                                const char  *old_refresh_token,
                                GError     **error)
{
  return parse_tokens (bytes, host, old_refresh_token, error);
}
