/* mock-token.c: the app side of the identity provider: token, revoke,
 * introspect, userinfo, discovery document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define REFRESH_TTL (30 * 24 * 3600)

/* {"error": ..., "error_description": ...} with HTTP 400 */
static void
oauth_error (SoupServerMessage *msg,
             const char        *error,
             const char        *description)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error);
  if (description != NULL)
    {
      json_builder_set_member_name (builder, "error_description");
      json_builder_add_string_value (builder, description);
    }
  json_builder_end_object (builder);
  mock_reply_builder (msg, SOUP_STATUS_BAD_REQUEST, builder);
}

static void
issue_tokens (MockServer        *self,
              SoupServerMessage *msg,
              const char        *client_id,
              const char        *scope,
              const char        *username)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = g_get_real_time ();
  MockToken *access = g_new0 (MockToken, 1);
  MockToken *refresh = g_new0 (MockToken, 1);
  SoupMessageHeaders *headers;

  access->kind = MOCK_TOKEN_ACCESS;
  access->token = mock_server_random (self, "cak_", 40);
  refresh->kind = MOCK_TOKEN_REFRESH;
  refresh->token = mock_server_random (self, "crt_", 48);
  access->pair = g_strdup (refresh->token);
  refresh->pair = g_strdup (access->token);
  access->client_id = g_strdup (client_id);
  refresh->client_id = g_strdup (client_id);
  access->scope = g_strdup (scope);
  refresh->scope = g_strdup (scope);
  access->username = g_strdup (username);
  refresh->username = g_strdup (username);
  access->issued_at = refresh->issued_at = now;
  access->expires_at = now + self->access_ttl * G_USEC_PER_SEC;
  refresh->expires_at = now + (gint64) REFRESH_TTL * G_USEC_PER_SEC;
  g_hash_table_insert (self->tokens, access->token, access);
  g_hash_table_insert (self->tokens, refresh->token, refresh);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, access->token);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, self->access_ttl);
  json_builder_set_member_name (builder, "refresh_token");
  json_builder_add_string_value (builder, refresh->token);
  json_builder_set_member_name (builder, "scope");
  json_builder_add_string_value (builder, scope);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
  headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
}

/* {"error": "invalid_client"} with HTTP 401 and, when the client tried
 * HTTP Basic, the WWW-Authenticate challenge RFC 6749 §5.2 asks for. */
static void
invalid_client (SoupServerMessage *msg,
                gboolean           basic,
                const char        *description)
{
  oauth_error (msg, "invalid_client", description);
  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  if (basic)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Basic realm=\"chutes\"");
}

/* The client_id and client_secret of "Authorization: Basic": base64 of
 * id ":" secret, each form-urlencoded first (RFC 6749 §2.3.1). FALSE when
 * the header is not a well-formed Basic credential. */
static gboolean
parse_basic (const char  *auth,
             char       **client_id,
             char       **secret)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *pair = NULL;
  g_auto(GStrv) parts = NULL;
  gsize len = 0;

  auth += strlen ("Basic");
  while (*auth == ' ')
    auth++;

  decoded = g_base64_decode (auth, &len);
  if (decoded == NULL || len == 0 || memchr (decoded, '\0', len) != NULL)
    return FALSE;

  pair = g_strndup ((const char *) decoded, len);
  if (!g_utf8_validate (pair, -1, NULL) || strchr (pair, ':') == NULL)
    return FALSE;

  /* "+" is a space in form-urlencoding; g_uri_unescape_string() does not
   * know that. */
  g_strdelimit (pair, "+", ' ');
  parts = g_strsplit (pair, ":", 2);
  *client_id = g_uri_unescape_string (parts[0], NULL);
  *secret = g_uri_unescape_string (parts[1], NULL);

  return *client_id != NULL && *secret != NULL;
}

/* Client authentication, as strict as RFC 6749 §2.3 and RFC 7009 §2.1:
 * client_secret_basic or client_secret_post, never both at once, and
 * always one of them. Returns the client, or NULL after replying. */
static MockClient *
authenticate_client (MockServer        *self,
                     SoupServerMessage *msg,
                     GHashTable        *form)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  g_autofree char *basic_id = NULL;
  g_autofree char *basic_secret = NULL;
  const char *client_id = g_hash_table_lookup (form, "client_id");
  const char *secret = g_hash_table_lookup (form, "client_secret");
  gboolean basic = FALSE;
  MockClient *client;

  if (auth != NULL && g_ascii_strncasecmp (auth, "Basic", 5) == 0
      && (auth[5] == ' ' || auth[5] == '\0'))
    {
      basic = TRUE;

      /* RFC 6749 §2.3: "MUST NOT use more than one authentication method
       * in each request". A client_id alone in the body is allowed. */
      if (secret != NULL)
        {
          oauth_error (msg, "invalid_request",
                       "Client authentication by HTTP Basic and by the request body at once");
          return NULL;
        }

      if (!parse_basic (auth, &basic_id, &basic_secret))
        {
          invalid_client (msg, TRUE, "Malformed HTTP Basic credentials");
          return NULL;
        }

      if (client_id != NULL && !g_str_equal (client_id, basic_id))
        {
          oauth_error (msg, "invalid_request", "client_id differs from the HTTP Basic one");
          return NULL;
        }

      client_id = basic_id;
      secret = basic_secret;
    }

  if (client_id == NULL || secret == NULL)
    {
      oauth_error (msg, "invalid_request", "no client authentication mechanism provided");
      return NULL;
    }

  client = g_hash_table_lookup (self->clients, client_id);
  if (client == NULL)
    {
      invalid_client (msg, basic, "Unknown client");
      return NULL;
    }

  if (*secret == '\0' || !g_str_equal (secret, client->client_secret))
    {
      invalid_client (msg, basic, "Client authentication failed");
      return NULL;
    }

  return client;
}

static gboolean
verifier_matches (const char *verifier,
                  const char *challenge)
{
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *encoded = NULL;
  gsize len;

  if (verifier == NULL)
    return FALSE;

  len = strlen (verifier);
  if (len < 43 || len > 128)
    return FALSE;

  g_checksum_update (checksum, (const guchar *) verifier, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  encoded = g_base64_encode (digest, digest_len);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  g_strdelimit (encoded, "=", '\0');

  return g_str_equal (encoded, challenge);
}

static void
grant_authorization_code (MockServer        *self,
                          SoupServerMessage *msg,
                          GHashTable        *form)
{
  const char *code_text = g_hash_table_lookup (form, "code");
  MockClient *client;
  MockCode *code;

  if (mock_server_take_failure (self, "token-invalid-grant"))
    {
      oauth_error (msg, "invalid_grant", "Invalid authorization code");
      return;
    }

  if ((client = authenticate_client (self, msg, form)) == NULL)
    return;

  code = code_text != NULL ? g_hash_table_lookup (self->codes, code_text) : NULL;
  if (code == NULL || !g_str_equal (code->client_id, client->client_id))
    {
      oauth_error (msg, "invalid_grant", "Invalid authorization code");
      return;
    }

  if (code->used)
    {
      oauth_error (msg, "invalid_grant", NULL);
      return;
    }
  code->used = TRUE;   /* presented once: gone, whatever happens next */

  if (g_get_real_time () >= code->expires_at)
    {
      oauth_error (msg, "invalid_grant", "Authorization code expired");
      return;
    }

  if (g_strcmp0 (g_hash_table_lookup (form, "redirect_uri"), code->redirect_uri) != 0)
    {
      oauth_error (msg, "invalid_grant", "redirect_uri does not match");
      return;
    }

  if (!verifier_matches (g_hash_table_lookup (form, "code_verifier"), code->challenge))
    {
      oauth_error (msg, "invalid_grant", "PKCE verification failed");
      return;
    }

  self->stats.token_code_failures--;
  issue_tokens (self, msg, client->client_id, code->scope, code->username);
}

static void
grant_refresh_token (MockServer        *self,
                     SoupServerMessage *msg,
                     GHashTable        *form)
{
  MockClient *client;
  MockToken *refresh;

  if (mock_server_take_failure (self, "refresh-invalid-grant"))
    {
      oauth_error (msg, "invalid_grant", "Refresh token expired or revoked");
      return;
    }

  if ((client = authenticate_client (self, msg, form)) == NULL)
    return;

  refresh = mock_server_lookup_token (self, g_hash_table_lookup (form, "refresh_token"),
                                      MOCK_TOKEN_REFRESH);
  if (refresh == NULL || !g_str_equal (refresh->client_id, client->client_id))
    {
      const char *presented = g_hash_table_lookup (form, "refresh_token");
      MockToken *known = presented != NULL ? g_hash_table_lookup (self->tokens, presented) : NULL;

      if (known != NULL && known->kind == MOCK_TOKEN_REFRESH && known->spent)
        self->stats.refresh_reuse++;

      /* Reuse of an old one lands here too: single use, no grace period. */
      oauth_error (msg, "invalid_grant", NULL);
      return;
    }

  refresh->revoked = TRUE;
  refresh->spent = TRUE;
  self->stats.token_refresh_failures--;
  issue_tokens (self, msg, client->client_id, refresh->scope, refresh->username);
}

static void
token_now (MockServer        *self,
           SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = mock_request_form (msg);
  const char *grant_type;

  self->stats.token_requests++;
  grant_type = form ? g_hash_table_lookup (form, "grant_type") : NULL;

  /* Every attempt counts; the failure counters are undone on success. */
  if (g_strcmp0 (grant_type, "authorization_code") == 0)
    {
      self->stats.token_code_exchanges++;
      self->stats.token_code_failures++;
    }
  else if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      self->stats.token_refreshes++;
      self->stats.token_refresh_failures++;
    }

  if (mock_server_take_failure (self, "token-500"))
    {
      mock_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain",
                       "Internal Server Error");
      return;
    }

  if (mock_server_take_failure (self, "token-invalid-client"))
    {
      oauth_error (msg, "invalid_client", NULL);
      return;
    }

  if (form == NULL)
    oauth_error (msg, "invalid_request", "Expected a form-encoded body");
  else if (grant_type == NULL)
    oauth_error (msg, "invalid_request", "grant_type is required");
  else if (g_str_equal (grant_type, "authorization_code"))
    grant_authorization_code (self, msg, form);
  else if (g_str_equal (grant_type, "refresh_token"))
    grant_refresh_token (self, msg, form);
  else
    oauth_error (msg, "unsupported_grant_type", NULL);
}

typedef struct
{
  MockServer        *self;
  SoupServerMessage *msg;
} DelayedToken;

static gboolean
token_delayed_cb (gpointer user_data)
{
  DelayedToken *delayed = user_data;

  token_now (delayed->self, delayed->msg);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed);

  return G_SOURCE_REMOVE;
}

/* POST /idp/token */
void
mock_idp_token (MockServer        *self,
                SoupServerMessage *msg)
{
  DelayedToken *delayed;

  if (self->token_delay_ms == 0)
    {
      token_now (self, msg);
      return;
    }

  delayed = g_new0 (DelayedToken, 1);
  delayed->self = self;
  delayed->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  g_timeout_add (self->token_delay_ms, token_delayed_cb, delayed);
}

/* POST /idp/token/revoke (RFC 7009): the client authenticates as at the
 * token endpoint (§2.1); then 200 whether or not the token was known
 * (§2.2). Revoking a refresh token also revokes the access token issued
 * with it. */
void
mock_idp_revoke (MockServer        *self,
                 SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = mock_request_form (msg);
  const char *token = form ? g_hash_table_lookup (form, "token") : NULL;
  MockClient *client;
  MockToken *found;

  self->stats.revocations++;
  self->stats.revocation_failures++;

  if (mock_server_take_failure (self, "revoke-500"))
    {
      mock_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain",
                       "Internal Server Error");
      return;
    }

  if (form == NULL)
    {
      oauth_error (msg, "invalid_request", "Expected a form-encoded body");
      return;
    }

  if ((client = authenticate_client (self, msg, form)) == NULL)
    return;

  if (token == NULL)
    {
      oauth_error (msg, "invalid_request", "token is required");
      return;
    }

  found = g_hash_table_lookup (self->tokens, token);
  if (found != NULL && !g_str_equal (found->client_id, client->client_id))
    {
      oauth_error (msg, "invalid_request", "The token was issued to another client");
      return;
    }

  if (found != NULL)
    {
      found->revoked = TRUE;
      if (found->kind == MOCK_TOKEN_REFRESH)
        {
          MockToken *pair = g_hash_table_lookup (self->tokens, found->pair);

          if (pair != NULL)
            pair->revoked = TRUE;
        }
    }

  self->stats.revocation_failures--;
  mock_reply_text (msg, SOUP_STATUS_OK, "application/json", "{}");
}

/* POST /idp/token/introspect (RFC 7662) */
void
mock_idp_introspect (MockServer        *self,
                     SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = mock_request_form (msg);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *token = form ? g_hash_table_lookup (form, "token") : NULL;
  MockToken *found;

  self->stats.introspections++;

  found = mock_server_lookup_token (self, token, MOCK_TOKEN_ACCESS);
  if (found == NULL)
    found = mock_server_lookup_token (self, token, MOCK_TOKEN_REFRESH);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "active");
  json_builder_add_boolean_value (builder, found != NULL);
  if (found != NULL)
    {
      g_autofree char *sub = mock_user_id (found->username);

      json_builder_set_member_name (builder, "exp");
      json_builder_add_int_value (builder, found->expires_at / G_USEC_PER_SEC);
      json_builder_set_member_name (builder, "iat");
      json_builder_add_int_value (builder, found->issued_at / G_USEC_PER_SEC);
      json_builder_set_member_name (builder, "scope");
      json_builder_add_string_value (builder, found->scope);
      json_builder_set_member_name (builder, "client_id");
      json_builder_add_string_value (builder, found->client_id);
      json_builder_set_member_name (builder, "username");
      json_builder_add_string_value (builder, found->username);
      json_builder_set_member_name (builder, "sub");
      json_builder_add_string_value (builder, sub);
      json_builder_set_member_name (builder, "token_type");
      json_builder_add_string_value (builder, found->kind == MOCK_TOKEN_ACCESS
                                              ? "access_token" : "refresh_token");
    }
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* GET /idp/userinfo */
void
mock_idp_userinfo (MockServer        *self,
                   SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *sub = NULL;
  MockToken *token;

  self->stats.userinfo_requests++;

  if (mock_server_take_failure (self, "userinfo-401"))
    {
      mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid token.");
      return;
    }

  token = mock_server_lookup_token (self, mock_request_bearer (msg), MOCK_TOKEN_ACCESS);
  if (token == NULL)
    {
      mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid token.");
      return;
    }

  if (!mock_scope_has (token->scope, "openid") && !mock_scope_has (token->scope, "profile"))
    {
      mock_reply_detail (msg, SOUP_STATUS_FORBIDDEN,
                         "The token needs the openid or profile scope.");
      return;
    }

  sub = mock_user_id (token->username);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, sub);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, token->username);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, "2024-05-17T08:30:00Z");
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* GET /.well-known/openid-configuration: stale on purpose, like the real
 * one (it advertises "none" and "plain", which the token and authorize
 * endpoints refuse). */
void
mock_idp_openid_config (MockServer        *self,
                        SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *base = g_strdup_printf ("http://%s:%d",
                                           g_uri_get_host (uri), g_uri_get_port (uri));
  g_autofree char *doc = NULL;

  doc = g_strdup_printf ("{\"issuer\":\"%s\","
                         "\"authorization_endpoint\":\"%s/idp/authorize\","
                         "\"token_endpoint\":\"%s/idp/token\","
                         "\"userinfo_endpoint\":\"%s/idp/userinfo\","
                         "\"revocation_endpoint\":\"%s/idp/token/revoke\","
                         "\"introspection_endpoint\":\"%s/idp/token/introspect\","
                         "\"response_types_supported\":[\"code\"],"
                         "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\"],"
                         "\"scopes_supported\":[\"openid\",\"profile\",\"chutes:invoke\"],"
                         "\"code_challenge_methods_supported\":[\"plain\",\"S256\"],"
                         "\"token_endpoint_auth_methods_supported\":"
                         "[\"none\",\"client_secret_post\",\"client_secret_basic\"],"
                         "\"subject_types_supported\":[\"public\"]}",
                         base, base, base, base, base, base);
  mock_reply_text (msg, SOUP_STATUS_OK, "application/json", doc);
}
