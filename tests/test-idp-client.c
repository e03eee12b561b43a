/* test-idp-client.c: the identity provider's endpoints, against the mock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codes come from a real round trip: the authorize URL we build, the mock's
 * consent page (played by chutes-test-mock.c) and our loopback server.
 */

#include "config.h"

#include <string.h>

#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-idp-client.h"
#include "chutes-loopback-server.h"
#include "chutes-pkce.h"
#include "chutes-test-mock.h"

typedef struct
{
  ChutesTestMock  *mock;
  char            *redirect_uri;
  ChutesConfig    *config;
  SoupSession     *session;
  ChutesIdpClient *idp;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *arg = NULL;

  f->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback", chutes_test_find_free_port ());
  arg = g_strconcat ("--redirect-uri=", f->redirect_uri, NULL);
  f->mock = chutes_test_mock_start (arg, "--quiet", "--user", "bob", NULL);
  f->config = chutes_test_mock_new_config (f->mock, f->redirect_uri);
  f->session = chutes_http_session_new ();
  f->idp = chutes_idp_client_new (f->session, f->config);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_finalize_object (f->idp);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  g_clear_pointer (&f->redirect_uri, g_free);
}

/* Async results, collected ------------------------------------------------ */

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static GAsyncResult *
wait_for_result (Wait *wait)
{
  chutes_test_wait_for (&wait->done, 30);
  return wait->result;
}

static ChutesTokens *
exchange (Fixture     *f,
          const char  *code,
          const char  *verifier,
          GError     **error)
{
  Wait wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  chutes_idp_client_exchange_code_async (f->idp, code, verifier, f->redirect_uri, NULL,
                                         wait_cb, &wait);
  result = wait_for_result (&wait);

  return chutes_idp_client_exchange_code_finish (f->idp, result, error);
}

static ChutesTokens *
refresh (Fixture     *f,
         const char  *refresh_token,
         GError     **error)
{
  Wait wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  chutes_idp_client_refresh_async (f->idp, refresh_token, NULL, wait_cb, &wait);
  result = wait_for_result (&wait);

  return chutes_idp_client_refresh_finish (f->idp, result, error);
}

/* A real code: authorize URL → consent → redirect to our loopback server. */
static char *
obtain_code (Fixture  *f,
             char    **verifier_out)
{
  g_autofree char *verifier = chutes_pkce_new_verifier (NULL);
  g_autofree char *challenge = chutes_pkce_challenge_s256 (verifier);
  g_autofree char *state = chutes_oauth_new_state (NULL);
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;
  g_autoptr(ChutesLoopbackServer) server = NULL;
  g_autoptr(GError) error = NULL;
  Wait code_wait = { FALSE, NULL };
  Wait browser_wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) code_result = NULL;
  g_autoptr(GAsyncResult) browser_result = NULL;
  char *code;

  server = chutes_loopback_server_new ((const char *[]) { f->redirect_uri, NULL }, state);
  g_assert_true (chutes_loopback_server_start (server, &error));
  g_assert_no_error (error);
  chutes_loopback_server_wait_async (server, 20, NULL, wait_cb, &code_wait);

  url = chutes_idp_client_build_authorize_url (f->idp, f->redirect_uri, state, challenge);
  chutes_test_mock_play_browser_async (f->mock, url, "allow", NULL, wait_cb, &browser_wait);

  browser_result = wait_for_result (&browser_wait);
  page = chutes_test_mock_play_browser_finish (f->mock, browser_result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (page, "Signed in."));

  code_result = wait_for_result (&code_wait);
  code = chutes_loopback_server_wait_finish (server, code_result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (code);

  *verifier_out = g_steal_pointer (&verifier);
  return code;
}

static void
assert_fresh_tokens (ChutesTokens *tokens)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_nonnull (tokens);
  g_assert_true (g_str_has_prefix (tokens->access_token, "cak_"));
  g_assert_true (g_str_has_prefix (tokens->refresh_token, "crt_"));
  g_assert_cmpint (tokens->expires_at, >=, now + 3600 - 5);
  g_assert_cmpint (tokens->expires_at, <=, now + 3600 + 5);
  g_assert_cmpstr (tokens->scope, ==, "openid profile chutes:invoke");
  g_assert_null (tokens->username);
}

/* Tests ------------------------------------------------------------------- */

static void
test_exchange_code (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = obtain_code (f, &verifier);
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(ChutesTokens) again = NULL;
  g_autoptr(GError) error = NULL;

  tokens = exchange (f, code, verifier, &error);
  g_assert_no_error (error);
  assert_fresh_tokens (tokens);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, tokens->access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_code_exchanges"), ==, 1);

  /* Codes are single-use. */
  again = exchange (f, code, verifier, &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_null (again);
}

static void
test_exchange_wrong_verifier (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = obtain_code (f, &verifier);
  g_autofree char *other = chutes_pkce_new_verifier (NULL);
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = exchange (f, code, other, &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_null (tokens);
}

static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = obtain_code (f, &verifier);
  g_autoptr(ChutesTokens) first = NULL;
  g_autoptr(ChutesTokens) second = NULL;
  g_autoptr(ChutesTokens) reused = NULL;
  g_autoptr(GError) error = NULL;

  first = exchange (f, code, verifier, &error);
  g_assert_no_error (error);

  second = refresh (f, first->refresh_token, &error);
  g_assert_no_error (error);
  assert_fresh_tokens (second);
  g_assert_cmpstr (second->access_token, !=, first->access_token);
  g_assert_cmpstr (second->refresh_token, !=, first->refresh_token);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, second->access_token));

  /* Single use, no grace period: the old one is refused now. */
  reused = refresh (f, first->refresh_token, &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_null (reused);
}

static void
test_revoke (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = obtain_code (f, &verifier);
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };

  tokens = exchange (f, code, verifier, &error);
  g_assert_no_error (error);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, tokens->refresh_token));

  chutes_idp_client_revoke_async (f->idp, tokens->refresh_token, "refresh_token", NULL,
                                  wait_cb, &wait);
  result = wait_for_result (&wait);
  g_assert_true (chutes_idp_client_revoke_finish (f->idp, result, &error));
  g_assert_no_error (error);

  g_assert_false (chutes_test_mock_token_is_active (f->mock, tokens->refresh_token));
  g_assert_false (chutes_test_mock_token_is_active (f->mock, tokens->access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocation_failures"), ==, 0);
}

/* The revocation authenticates the client (RFC 7009 §2.1) with the same
 * credentials as the token request: with a wrong secret it is refused as
 * invalid_client, and the token stays valid. */
static void
test_revoke_authenticates_client (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *access_token = chutes_test_mock_sign_in (f->mock, NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };

  chutes_config_set_client_secret (f->config, "csc_this_is_not_the_secret_of_the_app_at_all_000");
  chutes_idp_client_revoke_async (f->idp, access_token, "access_token", NULL, wait_cb, &wait);
  result = wait_for_result (&wait);
  g_assert_false (chutes_idp_client_revoke_finish (f->idp, result, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_CLIENT);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocation_failures"), ==, 1);
}

static void
test_userinfo (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *access_token = chutes_test_mock_sign_in (f->mock, NULL, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) bad_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;
  g_autofree char *nobody = NULL;
  Wait wait = { FALSE, NULL };
  Wait bad_wait = { FALSE, NULL };

  chutes_idp_client_userinfo_async (f->idp, access_token, NULL, wait_cb, &wait);
  result = wait_for_result (&wait);
  username = chutes_idp_client_userinfo_finish (f->idp, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (username, ==, "bob");

  chutes_idp_client_userinfo_async (f->idp, "cak_not_a_token", NULL, wait_cb, &bad_wait);
  bad_result = wait_for_result (&bad_wait);
  nobody = chutes_idp_client_userinfo_finish (f->idp, bad_result, &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);
  g_assert_null (nobody);
}

static gboolean
register_app (Fixture     *f,
              const char  *api_key,
              const char  *name,
              const char  *scopes,
              char       **client_id,
              char       **client_secret,
              GError     **error)
{
  Wait wait = { FALSE, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  chutes_idp_client_register_app_async (f->idp, api_key, name,
                                        (const char *[]) { f->redirect_uri, NULL },
                                        scopes, NULL, wait_cb, &wait);
  result = wait_for_result (&wait);

  return chutes_idp_client_register_app_finish (f->idp, result, client_id, client_secret, error);
}

static void
test_register_app (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *code = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (register_app (f, "cpk_test_key_123", "My Laptop", "openid profile chutes:invoke",
                               &client_id, &client_secret, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (client_id, "cid_"));
  g_assert_cmpuint (strlen (client_id), ==, 4 + 24);
  g_assert_true (g_str_has_prefix (client_secret, "csc_"));
  g_assert_cmpuint (strlen (client_secret), ==, 4 + 48);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "apps_registered"), ==, 1);

  /* The new app works: sign in with it, redirect URI and all. */
  chutes_config_set_client (f->config, client_id, client_secret);
  code = obtain_code (f, &verifier);
  tokens = exchange (f, code, verifier, &error);
  g_assert_no_error (error);
  assert_fresh_tokens (tokens);
}

static void
test_register_app_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char *client_id = NULL;
  char *client_secret = NULL;

  /* 409: the name is taken. */
  g_assert_false (register_app (f, "cpk_test_key_123", "Taken App", "openid profile",
                                &client_id, &client_secret, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "“Taken App”"));
  g_assert_null (client_id);
  g_assert_null (client_secret);
  g_clear_error (&error);

  /* 403: a privileged scope. */
  g_assert_false (register_app (f, "cpk_test_key_123", "Billing Peek", "openid billing:read",
                                &client_id, &client_secret, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_FORBIDDEN);
  g_assert_nonnull (strstr (error->message, "billing:read"));
  g_clear_error (&error);

  /* 401: not an API key. */
  g_assert_false (register_app (f, "not-a-key", "Another App", "openid",
                                &client_id, &client_secret, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "The API key was refused.");
  g_clear_error (&error);

  /* 422: a name Chutes does not accept; its own words are kept. */
  g_assert_false (register_app (f, "cpk_test_key_123", "no/slashes", "openid",
                                &client_id, &client_secret, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "String should match pattern"));

  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "apps_registered"), ==, 0);
}

static void
test_wrong_secret (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = obtain_code (f, &verifier);
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  chutes_config_set_client_secret (f->config, "csc_this_is_not_the_secret_of_the_app_at_all_000");
  tokens = exchange (f, code, verifier, &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_CLIENT);
  g_assert_nonnull (strstr (error->message, "client ID or secret was refused by Chutes"));
  g_assert_null (tokens);
}

static void
test_server_error (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  chutes_test_mock_control (f->mock, "fail", "token-500", "count", "1", NULL);
  tokens = refresh (f, "crt_whatever", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_SERVER);
  g_assert_null (tokens);
}

static void
test_network_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  chutes_test_mock_stop (f->mock);
  tokens = exchange (f, "some-code", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (tokens);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };

  chutes_test_mock_control (f->mock, "token-delay-ms", "3000", NULL);
  chutes_idp_client_refresh_async (f->idp, "crt_whatever", cancellable, wait_cb, &wait);
  g_timeout_add (100, cancel_cb, cancellable);
  result = wait_for_result (&wait);
  tokens = chutes_idp_client_refresh_finish (f->idp, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tokens);
}

static void
test_no_client (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  chutes_config_set_client_secret (f->config, NULL);
  g_assert_false (chutes_config_has_client (f->config));
  tokens = refresh (f, "crt_whatever", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_requests"), ==, 0);
}

static void
test_authorize_url (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *url = NULL;
  g_autofree char *expected_start = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;

  /* The default scopes, "openid profile chutes:invoke". */
  url = chutes_idp_client_build_authorize_url (f->idp, f->redirect_uri, "st&te=x y",
                                               "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

  expected_start = g_strconcat (chutes_test_mock_get_url (f->mock),
                                "/idp/authorize?response_type=code&client_id=", NULL);
  g_assert_true (g_str_has_prefix (url, expected_start));
  /* Every reserved character escaped; spaces as %20, never "+". */
  g_assert_nonnull (strstr (url, "&scope=openid%20profile%20chutes%3Ainvoke&"));
  g_assert_nonnull (strstr (url, "&redirect_uri=http%3A%2F%2F127.0.0.1%3A"));
  g_assert_nonnull (strstr (url, "&state=st%26te%3Dx%20y&"));
  g_assert_true (g_str_has_suffix (url,
                                   "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                                   "&code_challenge_method=S256"));
  g_assert_null (strchr (url, ' '));
  g_assert_null (strchr (url, '+'));

  /* And it reads back to exactly what went in. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (params), ==, 7);
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==,
                   chutes_test_mock_get_client_id (f->mock));
  g_assert_cmpstr (g_hash_table_lookup (params, "redirect_uri"), ==, f->redirect_uri);
  g_assert_cmpstr (g_hash_table_lookup (params, "scope"), ==, "openid profile chutes:invoke");
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st&te=x y");
}

/* Replies the mock never sends: a local server with canned token replies. */
static void
canned_token_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  const char *reply = user_data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    reply, strlen (reply));
}

/* An IDP client whose identity provider is a local server answering
 * @path with @reply; *@server keeps it listening. */
static ChutesIdpClient *
canned_idp (const char  *path,
            const char  *reply,
            SoupServer **server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(SoupSession) session = chutes_http_session_new ();
  g_autoptr(ChutesConfig) config = NULL;
  g_autofree char *base = NULL;
  GSList *uris;

  *server = soup_server_new (NULL, NULL);
  soup_server_add_handler (*server, path, canned_token_cb, (gpointer) reply, NULL);
  g_assert_true (soup_server_listen (*server, address, 0, NULL));
  uris = soup_server_get_uris (*server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_setenv ("CHUTES_IDP_BASE_URL", base, TRUE);
  config = chutes_config_new (NULL);

  return chutes_idp_client_new (session, config);
}

static ChutesTokens *
refresh_against_canned (const char  *reply,
                        GError     **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(ChutesIdpClient) idp = canned_idp ("/idp/token", reply, &server);
  g_autoptr(GAsyncResult) result = NULL;
  Wait wait = { FALSE, NULL };

  chutes_idp_client_refresh_async (idp, "crt_old", NULL, wait_cb, &wait);
  result = wait_for_result (&wait);

  return chutes_idp_client_refresh_finish (idp, result, error);
}

static void
test_token_reply_shapes (Fixture       *f,
                         gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(ChutesTokens) bare = NULL;
  g_autoptr(ChutesTokens) nothing = NULL;
  g_autoptr(ChutesTokens) text_expiry = NULL;
  g_autoptr(ChutesTokens) html = NULL;
  g_autoptr(GError) error = NULL;

  /* No expires_in: an hour. No refresh_token: the old one stays. */
  bare = refresh_against_canned ("{\"access_token\":\"cak_new\",\"token_type\":\"Bearer\"}",
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bare->access_token, ==, "cak_new");
  g_assert_cmpstr (bare->refresh_token, ==, "crt_old");
  g_assert_cmpint (bare->expires_at, >=, now + 3600 - 5);
  g_assert_cmpint (bare->expires_at, <=, now + 3600 + 5);
  g_assert_null (bare->scope);

  nothing = refresh_against_canned ("{\"token_type\":\"Bearer\",\"expires_in\":3600}", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_null (nothing);
  g_clear_error (&error);

  text_expiry = refresh_against_canned ("{\"access_token\":\"cak_new\",\"expires_in\":\"soon\"}",
                                        &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_clear_error (&error);

  html = refresh_against_canned ("<html><body>Hello</body></html>", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_null (strstr (error->message, "Hello"));
}

/* expires_in 1e400 is infinity to json-glib, 9223372036854775000 does
 * not fit "now + expires_in": both used to give a token that expired at
 * once (an undefined conversion, then an overflow). A year at most. */
static void
test_absurd_expiry_is_clamped (Fixture       *f,
                               gconstpointer  data)
{
  const gint64 year = 366 * 24 * 3600;
  const char *expiries[] = { "1e400", "9223372036854775000", "1e300", "31622400.5" };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < G_N_ELEMENTS (expiries); i++)
    {
      g_autofree char *reply = g_strdup_printf ("{\"access_token\":\"cak_new\",\"expires_in\":%s}",
                                                expiries[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(ChutesTokens) tokens = refresh_against_canned (reply, &error);

      g_test_message ("expires_in %s", expiries[i]);
      g_assert_no_error (error);
      g_assert_cmpint (tokens->expires_at, >=, now + year - 5);
      g_assert_cmpint (tokens->expires_at, <=, now + year + 5);
    }

  /* Negative lifetimes: already expired, never in the past of 1970. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ChutesTokens) tokens =
      refresh_against_canned ("{\"access_token\":\"cak_new\",\"expires_in\":-1e400}", &error);

    g_assert_no_error (error);
    g_assert_cmpint (tokens->expires_at, >=, now - 5);
    g_assert_cmpint (tokens->expires_at, <=, now + 5);
  }
}

/* A 10 MB access token was stored, and every later request then failed
 * with "Broken pipe". Tokens that no Authorization header can carry are
 * refused at sign-in and refresh, with a sentence that says so. */
static void
test_absurd_tokens_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *long_token = g_strnfill (8193, 'a');
  g_autofree char *longest = g_strnfill (8192, 'a');
  g_autofree char *huge = g_strnfill (10 * 1024 * 1024, 'a');
  const char *bad[] = { "cak new", "cak\\r\\nX-Evil: 1", "caf\\u00e9", "=abc",
                        "abc=d", "a,b", "a\\\"b" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *reply = g_strdup_printf ("{\"access_token\":\"%s\"}", bad[i]);
      g_autofree char *refresh = g_strdup_printf ("{\"access_token\":\"cak\",\"refresh_token\":\"%s\"}",
                                                  bad[i]);
      g_autoptr(ChutesTokens) tokens = NULL;
      g_autoptr(ChutesTokens) refreshed = NULL;

      g_test_message ("%s", reply);
      tokens = refresh_against_canned (reply, &error);
      g_assert_null (tokens);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, "access token"));
      g_clear_error (&error);

      refreshed = refresh_against_canned (refresh, &error);
      g_assert_null (refreshed);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, "refresh token"));
      g_clear_error (&error);
    }

  /* Too long, whether the reply is small enough to read or not. */
  {
    g_autofree char *reply = g_strdup_printf ("{\"access_token\":\"%s\"}", long_token);
    g_autoptr(ChutesTokens) tokens = refresh_against_canned (reply, &error);

    g_assert_null (tokens);
    g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "too long"));
    g_clear_error (&error);
  }
  {
    g_autofree char *reply = g_strdup_printf ("{\"access_token\":\"%s\"}", huge);
    g_autoptr(ChutesTokens) tokens = refresh_against_canned (reply, &error);

    g_assert_null (tokens);
    g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "larger than"));
    g_clear_error (&error);
  }

  /* What RFC 6750 allows, up to the limit, is kept as it is. */
  {
    g_autofree char *reply = g_strdup_printf ("{\"access_token\":\"%s\","
                                              "\"refresh_token\":\"Ab9-._~+/==\"}", longest);
    g_autoptr(ChutesTokens) tokens = refresh_against_canned (reply, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tokens->access_token, ==, longest);
    g_assert_cmpstr (tokens->refresh_token, ==, "Ab9-._~+/==");
  }
}

static char *
userinfo_against_canned (const char  *reply,
                         GError     **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(ChutesIdpClient) idp = canned_idp ("/idp/userinfo", reply, &server);
  g_autoptr(GAsyncResult) result = NULL;
  Wait wait = { FALSE, NULL };

  chutes_idp_client_userinfo_async (idp, "cak_token", NULL, wait_cb, &wait);
  result = wait_for_result (&wait);

  return chutes_idp_client_userinfo_finish (idp, result, error);
}

/* One userinfo reply costs at most 64 KiB, however it is padded. */
static void
test_huge_userinfo_refused (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *padding = g_strnfill (1024 * 1024, 'x');
  g_autofree char *reply = g_strdup_printf ("{\"username\":\"ann\",\"pad\":\"%s\"}", padding);
  g_autofree char *small = g_strdup_printf ("{\"username\":\"ann\",\"pad\":\"%.60000s\"}", padding);
  g_autofree char *username = NULL;
  g_autofree char *small_username = NULL;
  g_autoptr(GError) error = NULL;

  username = userinfo_against_canned (reply, &error);
  g_assert_null (username);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger than"));
  g_clear_error (&error);

  small_username = userinfo_against_canned (small, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (small_username, ==, "ann");
}

/* json-glib overflowed its stack on this. */
static void
test_deep_reply_is_not_a_crash (Fixture       *f,
                                gconstpointer  data)
{
  GString *reply = g_string_new ("{\"access_token\":\"cak\",\"x\":");
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 30000; i++)
    g_string_append (reply, "[");
  for (guint i = 0; i < 30000; i++)
    g_string_append (reply, "]");
  g_string_append (reply, "}");

  tokens = refresh_against_canned (reply->str, &error);
  g_assert_null (tokens);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_string_free (reply, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/oauth/idp/exchange-code-gives-tokens-once", test_exchange_code);
  ADD ("/oauth/idp/exchange-with-wrong-verifier-refused", test_exchange_wrong_verifier);
  ADD ("/oauth/idp/refresh-gives-new-pair-old-refused", test_refresh);
  ADD ("/oauth/idp/revoke-ends-the-session", test_revoke);
  ADD ("/oauth/idp/revoke-authenticates-the-client", test_revoke_authenticates_client);
  ADD ("/oauth/idp/userinfo-gives-username", test_userinfo);
  ADD ("/oauth/idp/register-app-gives-working-client", test_register_app);
  ADD ("/oauth/idp/register-app-refusals-explained", test_register_app_refused);
  ADD ("/oauth/idp/wrong-secret-is-invalid-client", test_wrong_secret);
  ADD ("/oauth/idp/server-error", test_server_error);
  ADD ("/oauth/idp/network-down", test_network_down);
  ADD ("/oauth/idp/cancel", test_cancel);
  ADD ("/oauth/idp/no-client-is-config-error", test_no_client);
  ADD ("/oauth/idp/authorize-url-escapes-every-value", test_authorize_url);
  ADD ("/oauth/idp/token-reply-shapes", test_token_reply_shapes);
  ADD ("/oauth/idp/absurd-expiry-is-clamped", test_absurd_expiry_is_clamped);
  ADD ("/oauth/idp/absurd-tokens-refused", test_absurd_tokens_refused);
  ADD ("/oauth/idp/deep-reply-is-not-a-crash", test_deep_reply_is_not_a_crash);
  ADD ("/oauth/idp/huge-userinfo-refused", test_huge_userinfo_refused);

#undef ADD

  return g_test_run ();
}
