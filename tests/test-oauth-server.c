/* test-oauth-server.c: the app against an OAuth 2.0 server we did not write
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/oauth-server/authlib-server.py runs Authlib (Debian's
 * python3-authlib, an independent implementation of RFC 6749, 7636, 7009
 * and 7662, which authenticates each client the way it is registered) at
 * Chutes' paths. The real ChutesAccount signs in through it (authorization
 * code + PKCE S256, the test playing the browser), refreshes (the refresh
 * token rotates), and signs out, whose revocation must be accepted:
 * introspection then says the tokens are inactive and the refresh token is
 * refused. python3-authlib and python3-flask come from
 * build-aux/install-deps.sh test; without them this test fails and says so
 * (it is never skipped).
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "chutes-account.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-test-mock.h"

#define PYTHON3 "/usr/bin/python3"

typedef struct
{
  GSubprocess      *server;
  char             *issuer;
  char             *client_id;
  char             *basic_client_id;
  char             *client_secret;
  char             *redirect_uri;

  ChutesConfig     *config;
  SoupSession      *session;
  ChutesIdpClient  *idp;
  ChutesTokenStore *store;
  ChutesAccount    *account;

  gboolean          browser_done;
  guint             browser_status;
  char             *browser_error;
  guint             revocation_failed;
} Fixture;

/* The server ---------------------------------------------------------------- */

static void
server_start (Fixture *f)
{
  const char *srcdir = g_getenv ("CHUTES_TEST_SRCDIR");
  g_autofree char *dir = NULL;
  g_autofree char *script = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  int wait_status = 0;

  g_assert_nonnull (srcdir);
  dir = g_build_filename (srcdir, "oauth-server", NULL);
  script = g_build_filename (dir, "authlib-server.py", NULL);

  /* Debian's Python, whatever else is first on PATH: that is where apt
   * installs python3-authlib. */
  if (!g_file_test (PYTHON3, G_FILE_TEST_IS_EXECUTABLE) ||
      !g_spawn_sync (NULL, (char *[]) { (char *) PYTHON3, (char *) "-c",
                                        (char *) "import authlib, flask", NULL },
                     NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                     &wait_status, NULL) ||
      !g_spawn_check_wait_status (wait_status, NULL))
    g_error ("This test runs Authlib with " PYTHON3 ", which cannot import authlib and "
             "flask: the Debian packages python3-authlib and python3-flask are missing. "
             "Run: sh build-aux/install-deps.sh test");

  f->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback",
                                     chutes_test_find_free_port ());

  /* Its stdin is a pipe: when the test ends, however it ends, the pipe
   * closes and the server stops. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  f->server = g_subprocess_launcher_spawn (launcher, &error, PYTHON3, script,
                                         "--redirect-uri", f->redirect_uri,
                                         "--user", "alice", NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    g_error ("tests/oauth-server/authlib-server.py exited without starting "
             "(see its messages above)");
  g_test_message ("authlib-server.py: %s", line);

  root = json_from_string (line, &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);
  f->issuer = g_strdup (json_object_get_string_member (object, "issuer"));
  f->client_id = g_strdup (json_object_get_string_member (object, "client_id"));
  f->basic_client_id = g_strdup (json_object_get_string_member (object, "basic_client_id"));
  f->client_secret = g_strdup (json_object_get_string_member (object, "client_secret"));
}

static void
server_stop (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (f->server), NULL, NULL);
  g_subprocess_wait (f->server, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&f->server);
}

/* A blocking form POST to the server; returns the JSON reply's object. */
static JsonObject *
post_form (Fixture    *f,
           const char *path,
           const char *authorization,
           const char *body,
           guint      *status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (f->issuer, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", request);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);

  root = json_from_string (g_bytes_get_data (reply, NULL), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

/* RFC 7662 at the server, as the client (client_secret_post). */
static gboolean
token_is_active (Fixture    *f,
                 const char *token)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  body = soup_form_encode ("token", token, "client_id", f->client_id,
                           "client_secret", f->client_secret, NULL);
  reply = post_form (f, "/idp/token/introspect", NULL, body, &status);
  g_assert_cmpuint (status, ==, 200);

  return json_object_get_boolean_member_with_default (reply, "active", FALSE);
}

/* The browser: follows the redirect from the authorize URL (login and
 * consent are automatic) to the app's loopback listener. */
static void
browser_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", task_data);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;

  body = soup_session_send_and_read (session, msg, cancellable, &error);
  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_test_message ("browser ended at %s:%d%s with HTTP %u",
                  g_uri_get_host (soup_message_get_uri (msg)),
                  g_uri_get_port (soup_message_get_uri (msg)),
                  g_uri_get_path (soup_message_get_uri (msg)),
                  soup_message_get_status (msg));
  g_task_return_int (task, soup_message_get_status (msg));
}

static void
on_browser_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  gssize status;

  status = g_task_propagate_int (G_TASK (result), &error);
  if (error != NULL)
    f->browser_error = g_strdup (error->message);
  f->browser_status = status > 0 ? (guint) status : 0;
  f->browser_done = TRUE;
}

static void
on_authorize_uri (ChutesAccount *account,
                  GParamSpec    *pspec,
                  Fixture       *f)
{
  const char *uri = chutes_account_get_authorize_uri (account);
  g_autoptr(GTask) task = NULL;

  if (uri == NULL)
    return;

  task = g_task_new (NULL, NULL, on_browser_done, f);
  g_task_set_task_data (task, g_strdup (uri), g_free);
  g_task_run_in_thread (task, browser_thread);
}

static void
on_revocation_failed (ChutesAccount *account,
                      const char    *message,
                      Fixture       *f)
{
  g_test_message ("revocation failed: %s", message);
  f->revocation_failed++;
}

/* Running the async API to completion. */
static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  return *slot;
}

static ChutesTokens *
stored_session (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChutesTokens *tokens;

  chutes_token_store_load_session_async (f->store, f->client_id, NULL, store_result, &result);
  tokens = chutes_token_store_load_session_finish (f->store, wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);

  return tokens;
}

static void
fixture_set_up (Fixture *f)
{
  server_start (f);

  g_setenv ("CHUTES_IDP_BASE_URL", f->issuer, TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_ID", f->client_id, TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_SECRET", f->client_secret, TRUE);
  g_setenv ("CHUTES_OAUTH_REDIRECT_URI", f->redirect_uri, TRUE);
  f->config = chutes_config_new (NULL);
  f->session = chutes_http_session_new ();
  f->idp = chutes_idp_client_new (f->session, f->config);
  f->store = chutes_token_store_new (f->issuer);
  f->account = chutes_account_new (f->idp, f->store);
  chutes_account_set_flow_options (f->account, FALSE, 60);
  g_signal_connect (f->account, "notify::authorize-uri", G_CALLBACK (on_authorize_uri), f);
  g_signal_connect (f->account, "revocation-failed", G_CALLBACK (on_revocation_failed), f);
}

static void
fixture_tear_down (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (G_OBJECT (f->account)->ref_count > 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (g_steal_pointer (&f->account));
  g_clear_object (&f->store);
  g_clear_object (&f->idp);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  server_stop (f);
  g_free (f->issuer);
  g_free (f->client_id);
  g_free (f->basic_client_id);
  g_free (f->client_secret);
  g_free (f->redirect_uri);
  g_free (f->browser_error);
}

/* Authorization code + PKCE S256, with client_secret_post, the test
 * playing the browser. */
static void
sign_in (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chutes_account_sign_in_async (f->account, NULL, store_result, &result);
  g_assert_true (chutes_account_sign_in_finish (f->account, wait_for_result (&result), &error));
  g_assert_no_error (error);
  chutes_test_wait_for (&f->browser_done, 30);
  g_assert_null (f->browser_error);
  g_assert_cmpuint (f->browser_status, ==, 200);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
}

/* Sign in, refresh, sign out -------------------------------------------- */

static void
test_sign_in_refresh_sign_out (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) first = NULL;
  g_autoptr(ChutesTokens) second = NULL;
  g_autoptr(ChutesTokens) reused = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refreshed = NULL;

  fixture_set_up (f);

  sign_in (f);
  /* From /idp/userinfo, with the access token. */
  g_assert_cmpstr (chutes_account_get_username (f->account), ==, "alice");

  first = stored_session (f);
  g_assert_nonnull (first->refresh_token);
  g_assert_true (token_is_active (f, first->access_token));
  g_assert_true (token_is_active (f, first->refresh_token));

  /* Refresh, as after a 401: a new pair, and the old refresh token is
   * spent (rotation). */
  g_clear_object (&result);
  chutes_account_refresh_async (f->account, first->access_token, NULL, store_result, &result);
  refreshed = chutes_account_refresh_finish (f->account, wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refreshed, !=, first->access_token);
  second = stored_session (f);
  g_assert_cmpstr (second->access_token, ==, refreshed);
  g_assert_cmpstr (second->refresh_token, !=, first->refresh_token);
  g_assert_false (token_is_active (f, first->refresh_token));
  g_assert_true (token_is_active (f, second->access_token));
  g_assert_true (token_is_active (f, second->refresh_token));

  /* Sign out: the server accepts both revocations (the client
   * authenticates, RFC 7009 §2.1), and the tokens are dead. */
  g_clear_object (&result);
  chutes_account_sign_out_async (f->account, NULL, store_result, &result);
  g_assert_true (chutes_account_sign_out_finish (f->account, wait_for_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->revocation_failed, ==, 0);
  g_assert_cmpuint (chutes_account_get_pending_revocations (f->account), ==, 0);
  g_assert_false (token_is_active (f, second->access_token));
  g_assert_false (token_is_active (f, second->refresh_token));

  /* Neither refresh token works any more. */
  g_clear_object (&result);
  chutes_idp_client_refresh_async (f->idp, second->refresh_token, NULL, store_result, &result);
  reused = chutes_idp_client_refresh_finish (f->idp, wait_for_result (&result), &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_null (reused);
  g_clear_error (&error);
  g_clear_object (&result);
  chutes_idp_client_refresh_async (f->idp, first->refresh_token, NULL, store_result, &result);
  reused = chutes_idp_client_refresh_finish (f->idp, wait_for_result (&result), &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_null (reused);

  g_clear_object (&result);
  fixture_tear_down (f);
}

/* RFC 6749 §2.3.1: client_secret_basic, id and secret form-urlencoded
 * first. */
static char *
basic_authorization (const char *id,
                     const char *secret)
{
  g_autofree char *id_encoded = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *secret_encoded = g_uri_escape_string (secret, NULL, FALSE);
  g_autofree char *pair = g_strconcat (id_encoded, ":", secret_encoded, NULL);
  g_autofree char *pair64 = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strconcat ("Basic ", pair64, NULL);
}

/* The same server refuses a revocation without client authentication, as
 * the app's used to be (the token stays valid): this is what the app is
 * measured against. */
static void
test_server_refuses_anonymous_revocation (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(JsonObject) anonymous = NULL;
  g_autoptr(JsonObject) wrong = NULL;
  g_autoptr(JsonObject) basic = NULL;
  g_autofree char *body = NULL;
  g_autofree char *wrong_secret = NULL;
  g_autofree char *authorization = NULL;
  guint status = 0;

  fixture_set_up (f);
  sign_in (f);
  tokens = stored_session (f);

  /* RFC 7009 §2.1 and RFC 6749 §5.2: invalid_client, 401. */
  body = soup_form_encode ("token", tokens->refresh_token, "token_type_hint", "refresh_token",
                           NULL);
  anonymous = post_form (f, "/idp/token/revoke", NULL, body, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (anonymous, "error"), ==, "invalid_client");
  g_assert_true (token_is_active (f, tokens->refresh_token));

  /* The other client, with a wrong secret: refused the same way. */
  wrong_secret = g_strconcat (f->client_secret, "x", NULL);
  authorization = basic_authorization (f->basic_client_id, wrong_secret);
  wrong = post_form (f, "/idp/token/revoke", authorization, body, &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (json_object_get_string_member (wrong, "error"), ==, "invalid_client");

  /* With the right one (it has "+", "/", "=", ":" and "&", so the form
   * encoding matters), it authenticates: 200, but the token is not its
   * own, so nothing is revoked (RFC 7009 §2.1). */
  g_free (authorization);
  authorization = basic_authorization (f->basic_client_id, f->client_secret);
  basic = post_form (f, "/idp/token/revoke", authorization, body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (token_is_active (f, tokens->refresh_token));

  fixture_tear_down (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/independent-oauth-server/sign-in-refresh-rotates-sign-out-revokes",
                   test_sign_in_refresh_sign_out);
  g_test_add_func ("/independent-oauth-server/anonymous-revocation-is-refused",
                   test_server_refuses_anonymous_revocation);

  return g_test_run ();
}
