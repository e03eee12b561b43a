/* mock-util.c: replies, request parsing and shared state of the mock server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

static const char * const known_failures[] = {
  "chat-401", "chat-402", "chat-403", "chat-404", "chat-426", "chat-429",
  "chat-503", "chat-html-502", "chat-midstream-error", "chat-no-done",
  "chat-drop", "chat-split", "chat-stall",
  "token-invalid-grant", "refresh-invalid-grant", "token-invalid-client",
  "token-500", "revoke-500", "userinfo-401", "models-500", "apps-409", "apps-403",
  NULL
};

static const char * const known_scopes[] = {
  "openid", "profile", "chutes:invoke", "balance:read", "quota:read",
  "usage:read", NULL
};

/* Shared by every HTML page: small, readable, light and dark. */
static const char page_style[] =
  ":root{color-scheme:light dark;--accent:#3584e4;--fg:#1e1e1e;--bg:#f6f5f4;"
  "--card:#fff;--dim:#5e5c64;--border:#deddda}"
  "@media(prefers-color-scheme:dark){:root{--fg:#fff;--bg:#242424;"
  "--card:#303030;--dim:#c0bfbc;--border:#454545}}"
  "*{box-sizing:border-box}"
  "body{margin:0;min-height:100vh;display:flex;align-items:center;"
  "justify-content:center;font:16px/1.5 Cantarell,'Noto Sans',system-ui,sans-serif;"
  "color:var(--fg);background:var(--bg)}"
  "main{max-width:34em;width:calc(100% - 2em);margin:2em auto;padding:2em;"
  "background:var(--card);border:1px solid var(--border);border-radius:12px;"
  "box-shadow:0 2px 8px rgba(0,0,0,.08)}"
  ".brand{margin:0 0 1em;font-size:.85em;font-weight:bold;letter-spacing:.05em;"
  "text-transform:uppercase;color:var(--dim)}"
  "h1{margin:0 0 .5em;font-size:1.5em;line-height:1.25}"
  "p{margin:.5em 0}code{font-family:'Source Code Pro',monospace;font-size:.9em;"
  "word-break:break-all}"
  "ul{padding-left:1.2em}li{margin:.25em 0}"
  ".dim{color:var(--dim);font-size:.9em}"
  ".buttons{display:flex;gap:.75em;justify-content:flex-end;margin-top:1.5em}"
  "button{font:inherit;font-weight:bold;padding:.5em 1.25em;border-radius:6px;"
  "border:1px solid var(--border);background:var(--bg);color:var(--fg);cursor:pointer}"
  "button.suggested{background:var(--accent);border-color:var(--accent);color:#fff}"
  ".error h1{color:#c01c28}";

void
mock_reply_json (SoupServerMessage *msg,
                 guint              status,
                 JsonNode          *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

void
mock_reply_builder (SoupServerMessage *msg,
                    guint              status,
                    JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  mock_reply_json (msg, status, root);
}

/* FastAPI's error shape: {"detail": "..."} */
void
mock_reply_detail (SoupServerMessage *msg,
                   guint              status,
                   const char        *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  json_builder_end_object (builder);
  mock_reply_builder (msg, status, builder);
}

/* FastAPI's 422: {"detail": [{"type", "loc": ["body", field], "msg", "input"}]} */
void
mock_reply_validation (SoupServerMessage *msg,
                       const char        *field,
                       const char        *type,
                       const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "loc");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "body");
  if (field != NULL)
    json_builder_add_string_value (builder, field);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "msg");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  mock_reply_builder (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, builder);
}

void
mock_reply_text (SoupServerMessage *msg,
                 guint              status,
                 const char        *content_type,
                 const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

char *
mock_html_escape (const char *text)
{
  return g_markup_escape_text (text != NULL ? text : "", -1);
}

/* @title is plain text (escaped here); @body_html is already escaped. */
void
mock_reply_html (SoupServerMessage *msg,
                 guint              status,
                 const char        *title,
                 const char        *body_html)
{
  g_autofree char *title_html = mock_html_escape (title);
  g_autofree char *page = NULL;

  page = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" "
                          "content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s · Chutes demo server</title>\n"
                          "<style>%s</style>\n</head>\n<body>\n"
                          "<main%s>\n<p class=\"brand\">Chutes demo server</p>\n"
                          "<h1>%s</h1>\n%s\n</main>\n</body>\n</html>\n",
                          title_html, page_style,
                          status >= 400 ? " class=\"error\"" : "",
                          title_html, body_html);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

void
mock_reply_redirect (SoupServerMessage *msg,
                     const char        *location)
{
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

/* A decoded application/x-www-form-urlencoded body, or NULL. */
GHashTable *
mock_request_form (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;

  if (content_type == NULL ||
      g_ascii_strcasecmp (content_type, "application/x-www-form-urlencoded") != 0)
    return NULL;

  bytes = soup_message_body_flatten (body);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return soup_form_decode (text);
}

/* The request body parsed as JSON, or NULL. */
JsonNode *
mock_request_json (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

  if (g_bytes_get_size (bytes) == 0 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), NULL))
    return NULL;

  return json_node_copy (json_parser_get_root (parser));
}

/* The token of an "Authorization: Bearer ..." header, or NULL. */
const char *
mock_request_bearer (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");

  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return NULL;

  auth += 7;
  while (*auth == ' ')
    auth++;

  return *auth != '\0' ? auth : NULL;
}

char *
mock_server_random (MockServer *self,
                    const char *prefix,
                    guint       length)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  GString *s = g_string_new (prefix);

  for (guint i = 0; i < length; i++)
    g_string_append_c (s, alphabet[g_rand_int_range (self->rand, 0, sizeof alphabet - 1)]);

  return g_string_free (s, FALSE);
}

gboolean
mock_failure_is_known (const char *name)
{
  return name != NULL && g_strv_contains (known_failures, name);
}

/* TRUE when the failure @name is switched on; uses up one of its count. */
gboolean
mock_server_take_failure (MockServer *self,
                          const char *name)
{
  gpointer value;
  int remaining;

  if (!g_hash_table_lookup_extended (self->failures, name, NULL, &value))
    return FALSE;

  remaining = GPOINTER_TO_INT (value);
  if (remaining == 1)
    g_hash_table_remove (self->failures, name);
  else if (remaining > 1)
    g_hash_table_replace (self->failures, g_strdup (name), GINT_TO_POINTER (remaining - 1));

  self->stats.failures_injected++;
  if (!self->quiet)
    g_message ("Injected failure: %s", name);

  return TRUE;
}

void
mock_client_free (MockClient *client)
{
  g_free (client->client_id);
  g_free (client->client_secret);
  g_free (client->name);
  g_strfreev (client->redirect_uris);
  g_strfreev (client->allowed_scopes);
  g_free (client);
}

MockClient *
mock_server_add_client (MockServer         *self,
                        const char         *client_id,
                        const char         *client_secret,
                        const char         *name,
                        const char * const *redirect_uris,
                        const char * const *allowed_scopes)
{
  MockClient *client = g_new0 (MockClient, 1);

  client->client_id = g_strdup (client_id);
  client->client_secret = g_strdup (client_secret);
  client->name = g_strdup (name);
  client->redirect_uris = g_strdupv ((char **) redirect_uris);
  client->allowed_scopes = g_strdupv ((char **) (allowed_scopes != NULL ? allowed_scopes
                                                                         : known_scopes));
  g_hash_table_replace (self->clients, client->client_id, client);

  return client;
}

void
mock_token_free (MockToken *token)
{
  g_free (token->token);
  g_free (token->pair);
  g_free (token->client_id);
  g_free (token->scope);
  g_free (token->username);
  g_free (token);
}

MockToken *
mock_server_lookup_token (MockServer    *self,
                          const char    *token,
                          MockTokenKind  kind)
{
  MockToken *found;

  if (token == NULL)
    return NULL;

  found = g_hash_table_lookup (self->tokens, token);
  if (found == NULL || found->kind != kind || found->revoked ||
      g_get_real_time () >= found->expires_at)
    return NULL;

  return found;
}

/* Does the space-separated @scope contain @wanted? */
gboolean
mock_scope_has (const char *scope,
                const char *wanted)
{
  g_auto(GStrv) parts = NULL;

  if (scope == NULL)
    return FALSE;

  parts = g_strsplit (scope, " ", -1);
  return g_strv_contains ((const char * const *) parts, wanted);
}

gboolean
mock_scope_is_known (const char *scope)
{
  return g_strv_contains (known_scopes, scope);
}

/* A stable UUID-shaped user ID derived from @username. */
char *
mock_user_id (const char *username)
{
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, username, -1);

  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s",
                          md5, md5 + 8, md5 + 12, md5 + 16, md5 + 20);
}

const char *
mock_json_get_string (JsonObject *object,
                      const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}
