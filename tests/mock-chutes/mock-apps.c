/* mock-apps.c: OAuth app registration (POST /idp/apps) and GET /users/me,
 * both authenticated with a cpk_ API key
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

static const char * const privileged_scopes[] = {
  "billing:read", "account:write", "admin", NULL
};

/* Replies 401 and returns FALSE unless the request carries a cpk_ key. */
static gboolean
check_api_key (SoupServerMessage *msg)
{
  const char *key = mock_request_bearer (msg);

  if (key == NULL)
    {
      mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED, "Not authenticated");
      return FALSE;
    }

  if (!g_str_has_prefix (key, "cpk_") || key[4] == '\0')
    {
      mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid API key.");
      return FALSE;
    }

  return TRUE;
}

static gboolean
name_is_valid (const char *name)
{
  glong len = g_utf8_strlen (name, -1);

  if (len < 3 || len > 64)
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != ' ' && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

static gboolean
name_is_taken (MockServer *self,
               const char *name)
{
  GHashTableIter iter;
  MockClient *client;

  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    if (g_ascii_strcasecmp (client->name, name) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
redirect_uri_is_valid (const char *uri_text)
{
  g_autoptr(GUri) uri = g_uri_parse (uri_text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         (g_str_equal (g_uri_get_scheme (uri), "http") ||
          g_str_equal (g_uri_get_scheme (uri), "https")) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

/* Strings of a JSON array member, or NULL when it is not an array of
 * strings. A missing member gives an empty array. */
static GStrv
string_array (JsonObject *object,
              const char *member)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strv_builder_end (builder);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return NULL;
      g_strv_builder_add (builder, json_node_get_string (item));
    }

  return g_strv_builder_end (builder);
}

static void
add_strv (JsonBuilder        *builder,
          const char         *member,
          const char * const *values)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

/* POST /idp/apps */
void
mock_apps_register (MockServer        *self,
                    SoupServerMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_auto(GStrv) redirect_uris = NULL;
  g_auto(GStrv) scopes = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  JsonObject *object;
  const char *name;
  const char *description;
  const char *homepage_url;
  MockClient *client;
  guint n_uris;

  if (!check_api_key (msg))
    return;

  root = mock_request_json (msg);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      mock_reply_validation (msg, NULL, "json_invalid", "JSON decode error");
      return;
    }
  object = json_node_get_object (root);

  name = json_object_get_string_member_with_default (object, "name", NULL);
  description = json_object_get_string_member_with_default (object, "description", "");
  homepage_url = json_object_get_string_member_with_default (object, "homepage_url", "");
  if (mock_server_take_failure (self, "apps-403"))
    {
      mock_reply_detail (msg, SOUP_STATUS_FORBIDDEN,
                         "Your account is not allowed to request these scopes.");
      return;
    }

  if (mock_server_take_failure (self, "apps-409"))
    {
      g_autofree char *detail = g_strdup_printf ("An app named '%s' already exists.",
                                                 name != NULL ? name : "");
      mock_reply_detail (msg, SOUP_STATUS_CONFLICT, detail);
      return;
    }

  if (name == NULL)
    {
      mock_reply_validation (msg, "name", "missing", "Field required");
      return;
    }

  if (!name_is_valid (name))
    {
      mock_reply_validation (msg, "name", "string_pattern_mismatch",
                             "String should match pattern '^[a-zA-Z0-9 .-]{3,64}$'");
      return;
    }

  redirect_uris = string_array (object, "redirect_uris");
  n_uris = redirect_uris != NULL ? g_strv_length (redirect_uris) : 0;
  if (n_uris < 1 || n_uris > 10)
    {
      mock_reply_validation (msg, "redirect_uris", "list_length",
                             "List should have between 1 and 10 redirect URIs");
      return;
    }

  for (guint i = 0; i < n_uris; i++)
    if (!redirect_uri_is_valid (redirect_uris[i]))
      {
        g_autofree char *text = g_strdup_printf ("Redirect URI must use http:// or https://: %s",
                                                 redirect_uris[i]);
        mock_reply_validation (msg, "redirect_uris", "value_error", text);
        return;
      }

  scopes = string_array (object, "allowed_scopes");
  if (scopes == NULL)
    {
      mock_reply_validation (msg, "allowed_scopes", "list_type", "Input should be a valid list");
      return;
    }
  if (scopes[0] == NULL)
    {
      g_strfreev (scopes);
      scopes = g_strsplit ("openid profile chutes:invoke", " ", -1);
    }

  for (guint i = 0; scopes[i] != NULL; i++)
    {
      g_autofree char *text = NULL;

      if (g_strv_contains (privileged_scopes, scopes[i]) ||
          g_str_has_prefix (scopes[i], "secrets:"))
        {
          text = g_strdup_printf ("The scope %s is privileged and cannot be requested by "
                                  "this account.", scopes[i]);
          mock_reply_detail (msg, SOUP_STATUS_FORBIDDEN, text);
          return;
        }

      if (!mock_scope_is_known (scopes[i]))
        {
          text = g_strdup_printf ("Unknown scope: %s", scopes[i]);
          mock_reply_validation (msg, "allowed_scopes", "value_error", text);
          return;
        }
    }

  if (name_is_taken (self, name))
    {
      g_autofree char *detail = g_strdup_printf ("An app named '%s' already exists.", name);
      mock_reply_detail (msg, SOUP_STATUS_CONFLICT, detail);
      return;
    }

  client_id = mock_server_random (self, "cid_", 24);
  client_secret = mock_server_random (self, "csc_", 48);
  client = mock_server_add_client (self, client_id, client_secret, name,
                                   (const char * const *) redirect_uris,
                                   (const char * const *) scopes);
  self->stats.apps_registered++;
  if (!self->quiet)
    g_message ("Registered OAuth app \"%s\"", client->name);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client->client_id);
  json_builder_set_member_name (builder, "client_secret");
  json_builder_add_string_value (builder, client->client_secret);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, client->name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, description);
  json_builder_set_member_name (builder, "homepage_url");
  json_builder_add_string_value (builder, homepage_url);
  add_strv (builder, "redirect_uris", (const char * const *) client->redirect_uris);
  add_strv (builder, "allowed_scopes", (const char * const *) client->allowed_scopes);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* GET /users/me */
void
mock_apps_users_me (MockServer        *self,
                    SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *user_id = NULL;

  if (!check_api_key (msg))
    return;

  user_id = mock_user_id (self->username);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, self->username);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, user_id);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}
