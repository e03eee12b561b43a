/* chutes-idp-apps.c: registering the OAuth app with the identity provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST /idp/apps with a cpk_ API key (see shared/CHUTES-API.md). The key is
 * used for this one request and never kept; the request body is wiped when
 * the call ends, and so is the reply holding the client secret.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-error.h"
#include "chutes-idp-client-private.h"

typedef struct
{
  char *client_id;
  char *client_secret;   /* secret */
} Registration;

static void
registration_free (Registration *registration)
{
  g_free (registration->client_id);
  chutes_secret_free (registration->client_secret);
  g_free (registration);
}

/* A 4xx from /idp/apps in words about the app, not about a sign-in. */
static GError *
registration_error (guint       status,
                    GError     *http_error,
                    const char *app_name)
{
  switch (status)
    {
    case SOUP_STATUS_CONFLICT:
      g_error_free (http_error);
      return g_error_new (CHUTES_ERROR, CHUTES_ERROR_CONFLICT,
                          _("An app called “%s” already exists on Chutes. "
                            "Choose another name."),
                          app_name);
    case SOUP_STATUS_UNAUTHORIZED:
      g_error_free (http_error);
      return g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED,
                                  _("The API key was refused."));
    default:
      /* 403 (privileged scope) and 422 (validation) keep Chutes' own words. */
      return http_error;
    }
}

static void
register_reply_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesIdpCall *call = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  Registration *registration;
  const char *client_id;
  const char *client_secret;
  guint status;

  /* call->keep: the app name. */
  if ((bytes = chutes_idp_client_finish_call (source, result, call, &status, &error)) == NULL)
    {
      g_task_return_error (task, registration_error (status, g_steal_pointer (&error),
                                                     call->keep));
      return;
    }

  object = chutes_idp_client_parse_object (bytes, call->host, &error);
  client_id = object != NULL ? chutes_idp_client_get_string (object, "client_id") : NULL;
  client_secret = object != NULL ? chutes_idp_client_get_string (object, "client_secret") : NULL;

  if (object != NULL && (client_id == NULL || client_secret == NULL))
    g_set_error (&error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                 _("%s registered the app but did not send its client ID and secret."),
                 call->host);

  if (error != NULL)
    {
      chutes_idp_client_wipe_bytes (bytes);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  registration = g_new0 (Registration, 1);
  registration->client_id = g_strdup (client_id);
  registration->client_secret = g_strdup (client_secret);
  chutes_idp_client_wipe_bytes (bytes);

  g_task_return_pointer (task, registration, (GDestroyNotify) registration_free);
}

/* {"name", "description", "homepage_url", "redirect_uris": [...],
 *  "allowed_scopes": [...]}, the scopes split at white space. */
static GBytes *
registration_body_new (const char         *name,
                       const char * const *redirect_uris,
                       const char         *scopes)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) scope_list = NULL;
  char *json;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, "Chutes for GNOME, a desktop chat client");
  json_builder_set_member_name (builder, "homepage_url");
  json_builder_add_string_value (builder, "https://chutes.ai");
  json_builder_set_member_name (builder, "redirect_uris");
  json_builder_begin_array (builder);
  for (guint i = 0; redirect_uris[i] != NULL; i++)
    json_builder_add_string_value (builder, redirect_uris[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "allowed_scopes");
  json_builder_begin_array (builder);
  scope_list = g_strsplit_set (scopes, " \t\n", -1);
  for (guint i = 0; scope_list[i] != NULL; i++)
    if (*scope_list[i] != '\0')
      json_builder_add_string_value (builder, scope_list[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);

  return g_bytes_new_take (json, strlen (json));
}

void
chutes_idp_client_register_app_async (ChutesIdpClient     *self,
                                      const char          *api_key,
                                      const char          *name,
                                      const char * const  *redirect_uris,
                                      const char          *scopes,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessage *msg;

  g_return_if_fail (CHUTES_IS_IDP_CLIENT (self));
  g_return_if_fail (api_key != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (redirect_uris != NULL);
  g_return_if_fail (scopes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_idp_client_register_app_async);

  msg = chutes_idp_client_new_call (self, task, SOUP_METHOD_POST, "/idp/apps", name);
  if (msg == NULL)
    return;

  body = registration_body_new (name, redirect_uris, scopes);
  chutes_idp_client_set_bearer (msg, api_key);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  chutes_idp_client_send_call (self, task, body, "application/json", register_reply_cb);
}

gboolean
chutes_idp_client_register_app_finish (ChutesIdpClient  *self,
                                       GAsyncResult     *result,
                                       char            **client_id,
                                       char            **client_secret,
                                       GError          **error)
{
  Registration *registration;

  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  registration = g_task_propagate_pointer (G_TASK (result), error);
  if (registration == NULL)
    return FALSE;

  if (client_id != NULL)
    *client_id = g_steal_pointer (&registration->client_id);
  if (client_secret != NULL)
    *client_secret = g_steal_pointer (&registration->client_secret);
  registration_free (registration);

  return TRUE;
}
