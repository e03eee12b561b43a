/* test-oauth-flow.c: a whole sign-in, with the test playing the browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-oauth-flow.h"
#include "chutes-test-mock.h"

/* Everything logged while recording, to check that no secret is in it. */
static GString *recorded_log;

static GLogWriterOutput
recording_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  if (recorded_log != NULL)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE"))
        {
          if (fields[i].length < 0)
            g_string_append (recorded_log, fields[i].value);
          else
            g_string_append_len (recorded_log, fields[i].value, fields[i].length);
          g_string_append_c (recorded_log, '\n');
        }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

typedef struct
{
  ChutesTestMock  *mock;
  guint            port;
  char            *redirect_uri;
  ChutesConfig    *config;
  SoupSession     *session;
  ChutesIdpClient *idp;
  ChutesOAuthFlow *flow;

  /* The browser the test plays; no browser when decision is NULL. */
  const char      *decision;
  char            *authorize_uri;
  guint            n_authorize_uris;
  gboolean         browser_done;
  guint            browser_status;
  char            *browser_page;
  GError          *browser_error;
  gboolean         cancel_when_shown;
  gboolean         cancel_after_browser;
  GCancellable    *cancellable;

  gboolean         done;
  ChutesTokens    *tokens;
  GError          *error;
} Fixture;

static void
browser_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;

  f->browser_page = chutes_test_mock_play_browser_finish (f->mock, result, &f->browser_status,
                                                          &f->browser_error);
  f->browser_done = TRUE;

  if (f->cancel_after_browser)
    g_cancellable_cancel (f->cancellable);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
authorize_uri_changed_cb (ChutesOAuthFlow *flow,
                          GParamSpec      *pspec,
                          Fixture         *f)
{
  const char *uri = chutes_oauth_flow_get_authorize_uri (flow);

  if (uri == NULL)
    return;

  f->n_authorize_uris++;
  g_free (f->authorize_uri);
  f->authorize_uri = g_strdup (uri);

  if (f->decision != NULL)
    chutes_test_mock_play_browser_async (f->mock, uri, f->decision, NULL, browser_done_cb, f);
  if (f->cancel_when_shown)
    g_timeout_add (100, cancel_cb, f->cancellable);
}

/* Starts the mock with @registered_uri (NULL: our own) and @extra_arg. */
static void
fixture_start (Fixture    *f,
               const char *registered_uri,
               const char *extra_arg)
{
  g_autofree char *arg = NULL;

  f->port = chutes_test_find_free_port ();
  f->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback", f->port);
  arg = g_strconcat ("--redirect-uri=", registered_uri != NULL ? registered_uri : f->redirect_uri,
                     NULL);
  f->mock = chutes_test_mock_start (arg, "--quiet", extra_arg, NULL);
  f->config = chutes_test_mock_new_config (f->mock, f->redirect_uri);
  f->session = chutes_http_session_new ();
  f->idp = chutes_idp_client_new (f->session, f->config);
  f->flow = chutes_oauth_flow_new (f->idp);
  f->cancellable = g_cancellable_new ();

  chutes_oauth_flow_set_open_browser (f->flow, FALSE);
  chutes_oauth_flow_set_timeout (f->flow, 20);
  g_signal_connect (f->flow, "notify::authorize-uri", G_CALLBACK (authorize_uri_changed_cb), f);
}

static void
flow_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;

  f->tokens = chutes_oauth_flow_run_finish (CHUTES_OAUTH_FLOW (source), result, &f->error);
  f->done = TRUE;
}

static void
fixture_run (Fixture *f)
{
  chutes_oauth_flow_run_async (f->flow, f->cancellable, flow_done_cb, f);
  chutes_test_wait_for (&f->done, 40);
  if (f->decision != NULL && f->n_authorize_uris > 0)
    chutes_test_wait_for (&f->browser_done, 20);

  /* However it ended, the server is gone and the URL withdrawn. */
  g_assert_null (chutes_oauth_flow_get_authorize_uri (f->flow));
}

static gboolean
port_is_free (guint port)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  return g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL, NULL, NULL);
}

static void
fixture_clear (Fixture *f)
{
  g_assert_true (port_is_free (f->port));

  g_assert_finalize_object (f->flow);
  g_assert_finalize_object (f->idp);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_object (&f->cancellable);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  g_clear_pointer (&f->redirect_uri, g_free);
  g_clear_pointer (&f->authorize_uri, g_free);
  g_clear_pointer (&f->browser_page, g_free);
  g_clear_error (&f->browser_error);
  g_clear_pointer (&f->tokens, chutes_tokens_free);
  g_clear_error (&f->error);
}

static char *
authorize_param (const char *authorize_uri,
                 const char *name)
{
  g_autoptr(GUri) uri = g_uri_parse (authorize_uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;

  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);

  return g_strdup (g_hash_table_lookup (params, name));
}

/* Tests ------------------------------------------------------------------- */

static void
test_signs_in (void)
{
  Fixture f = { NULL, };
  g_autofree char *state = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *method = NULL;

  fixture_start (&f, NULL, "--user=zoe");
  f.decision = "allow";

  recorded_log = g_string_new (NULL);
  fixture_run (&f);

  g_assert_no_error (f.error);
  g_assert_nonnull (f.tokens);
  g_assert_true (g_str_has_prefix (f.tokens->access_token, "cak_"));
  g_assert_true (g_str_has_prefix (f.tokens->refresh_token, "crt_"));
  g_assert_cmpint (f.tokens->expires_at, >, g_get_real_time () / G_USEC_PER_SEC + 3000);
  g_assert_cmpstr (f.tokens->scope, ==, "openid profile chutes:invoke");
  g_assert_cmpstr (f.tokens->username, ==, "zoe");
  g_assert_true (chutes_test_mock_token_is_active (f.mock, f.tokens->access_token));

  /* The browser saw our page. */
  g_assert_no_error (f.browser_error);
  g_assert_cmpuint (f.browser_status, ==, 200);
  g_assert_nonnull (strstr (f.browser_page,
                            "Signed in. You can close this tab and return to Chutes."));

  /* One authorize URL, aimed back at the port we listened on, with PKCE. */
  g_assert_cmpuint (f.n_authorize_uris, ==, 1);
  redirect = authorize_param (f.authorize_uri, "redirect_uri");
  g_assert_cmpstr (redirect, ==, f.redirect_uri);
  method = authorize_param (f.authorize_uri, "code_challenge_method");
  g_assert_cmpstr (method, ==, "S256");
  state = authorize_param (f.authorize_uri, "state");
  g_assert_cmpuint (strlen (state), ==, 43);

  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_code_exchanges"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_code_failures"), ==, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "userinfo_requests"), ==, 1);

  /* The trail was logged, without a single secret in it. */
  g_assert_nonnull (strstr (recorded_log->str, "OAuth flow: signed in"));
  g_assert_null (strstr (recorded_log->str, f.tokens->access_token));
  g_assert_null (strstr (recorded_log->str, f.tokens->refresh_token));
  g_assert_null (strstr (recorded_log->str, chutes_test_mock_get_client_secret (f.mock)));
  g_assert_null (strstr (recorded_log->str, state));
  g_string_free (g_steal_pointer (&recorded_log), TRUE);

  fixture_clear (&f);
}

static void
test_deny (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, NULL, NULL);
  f.decision = "deny";
  fixture_run (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_ACCESS_DENIED);
  g_assert_null (f.tokens);
  g_assert_nonnull (strstr (f.browser_page, "Sign-in was cancelled in the browser."));
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "consent_denied"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_requests"), ==, 0);

  fixture_clear (&f);
}

static void
test_unknown_scope (void)
{
  Fixture f = { NULL, };

  g_setenv ("CHUTES_OAUTH_SCOPES", "openid offline_access", TRUE);
  fixture_start (&f, NULL, NULL);
  g_setenv ("CHUTES_OAUTH_SCOPES", "", TRUE);
  f.decision = "allow";
  fixture_run (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_INVALID_SCOPE);
  g_assert_nonnull (strstr (f.error->message, "Unknown scope: offline_access"));
  g_assert_nonnull (strstr (f.browser_page, "Unknown scope: offline_access"));
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_requests"), ==, 0);

  fixture_clear (&f);
}

static void
test_unregistered_redirect_times_out (void)
{
  Fixture f = { NULL, };

  /* Chutes knows another port only: its error page never redirects. */
  fixture_start (&f, "http://127.0.0.1:9/callback", NULL);
  f.decision = "allow";
  chutes_oauth_flow_set_timeout (f.flow, 1);
  fixture_run (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (f.error->message, "1 second"));
  g_assert_no_error (f.browser_error);
  g_assert_cmpuint (f.browser_status, ==, 400);
  g_assert_nonnull (strstr (f.browser_page, "Redirect URI not registered"));

  fixture_clear (&f);
}

static void
test_cancel_while_waiting (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, NULL, NULL);
  f.cancel_when_shown = TRUE;
  fixture_run (&f);

  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (f.tokens);
  g_assert_cmpuint (f.n_authorize_uris, ==, 1);

  /* fixture_clear () checks the port is free again. */
  fixture_clear (&f);
}

static void
test_cancel_during_exchange (void)
{
  Fixture f = { NULL, };

  /* The token endpoint takes ten minutes, far longer than fixture_run()
   * waits: cancel while it thinks. The flow can only end by giving up on
   * the exchange; waiting for the answer would trip the watchdog. */
  fixture_start (&f, NULL, "--token-delay-ms=600000");
  f.decision = "allow";
  f.cancel_after_browser = TRUE;
  fixture_run (&f);

  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (f.tokens);
  g_assert_nonnull (strstr (f.browser_page, "Signed in."));
  /* The server had not answered (so the delay was in effect). */
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_requests"), ==, 0);

  fixture_clear (&f);
}

static void
test_invalid_client (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, NULL, NULL);
  chutes_test_mock_control (f.mock, "fail", "token-invalid-client", NULL);
  f.decision = "allow";
  fixture_run (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_INVALID_CLIENT);
  g_assert_null (f.tokens);
  /* The browser part went fine; the exchange failed. */
  g_assert_nonnull (strstr (f.browser_page, "Signed in."));

  fixture_clear (&f);
}

static void
test_userinfo_failure_not_fatal (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, NULL, NULL);
  chutes_test_mock_control (f.mock, "fail", "userinfo-401", NULL);
  f.decision = "allow";
  fixture_run (&f);

  g_assert_no_error (f.error);
  g_assert_nonnull (f.tokens);
  g_assert_true (g_str_has_prefix (f.tokens->access_token, "cak_"));
  g_assert_null (f.tokens->username);

  fixture_clear (&f);
}

static void
test_busy_port (void)
{
  Fixture f = { NULL, };
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *port_text = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start (&f, NULL, NULL);
  address = g_inet_socket_address_new (loopback, f.port);
  g_socket_listener_add_address (squatter, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, NULL, &error);
  g_assert_no_error (error);

  f.decision = "allow";
  fixture_run (&f);

  port_text = g_strdup_printf ("%u", f.port);
  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_PORT_BUSY);
  g_assert_nonnull (strstr (f.error->message, port_text));
  g_assert_cmpuint (f.n_authorize_uris, ==, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "authorize_requests"), ==, 0);

  g_socket_listener_close (squatter);
  fixture_clear (&f);
}

static void
test_no_client (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, NULL, NULL);
  chutes_config_set_client_secret (f.config, NULL);
  f.decision = "allow";
  fixture_run (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
  g_assert_nonnull (strstr (f.error->message, "No OAuth app is set up yet"));
  g_assert_cmpuint (f.n_authorize_uris, ==, 0);

  fixture_clear (&f);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} SecondRun;

static void
second_run_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SecondRun *second = user_data;
  g_autoptr(ChutesTokens) tokens = NULL;

  tokens = chutes_oauth_flow_run_finish (CHUTES_OAUTH_FLOW (source), result, &second->error);
  g_assert_null (tokens);
  second->done = TRUE;
}

static void
test_second_run_while_running (void)
{
  Fixture f = { NULL, };
  SecondRun second = { FALSE, NULL };

  fixture_start (&f, NULL, NULL);
  chutes_oauth_flow_run_async (f.flow, f.cancellable, flow_done_cb, &f);
  chutes_oauth_flow_run_async (f.flow, NULL, second_run_cb, &second);
  chutes_test_wait_for (&second.done, 10);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&second.error);

  /* The first one is unharmed, and still cancellable. */
  g_assert_false (f.done);
  g_assert_nonnull (chutes_oauth_flow_get_authorize_uri (f.flow));
  g_cancellable_cancel (f.cancellable);
  chutes_test_wait_for (&f.done, 10);
  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  fixture_clear (&f);
}

/* The real "open the browser" path: a test browser registered for http. */
static void
install_test_browser (const char *exec)
{
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *desktop = g_build_filename (apps, "testbrowser.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (g_get_user_config_dir (), "mimeapps.list", NULL);
  g_autofree char *desktop_text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                                  "Exec=%s %%u\n"
                                  "MimeType=x-scheme-handler/http;x-scheme-handler/https;\n",
                                  exec);
  g_file_set_contents (desktop, desktop_text, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (mimeapps, "[Default Applications]\n"
                                 "x-scheme-handler/http=testbrowser.desktop\n"
                                 "x-scheme-handler/https=testbrowser.desktop\n", -1, &error);
  g_assert_no_error (error);
}

/* Runs in a subprocess with a HOME and XDG directories of its own, so the
 * browser registered here is the only one GIO knows (and a developer's real
 * browser never opens). */
static void
isolate_home (void)
{
  g_autofree char *home = g_dir_make_tmp ("chutes-flow-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *empty = g_build_filename (home, "empty", NULL);

  g_assert_nonnull (home);
  g_mkdir_with_parents (empty, 0700);
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_DATA_DIRS", empty, TRUE);
  g_setenv ("XDG_CONFIG_DIRS", empty, TRUE);
  /* The system proxy settings live in a schema under XDG_DATA_DIRS. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_assert_cmpstr (g_get_user_data_dir (), ==, data);
}

static void
test_opens_browser (void)
{
  Fixture f = { NULL, };
  g_autofree char *record = NULL;
  g_autofree char *script = NULL;
  g_autofree char *script_text = NULL;
  g_autofree char *opened = NULL;
  gint64 deadline;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  isolate_home ();
  record = g_build_filename (g_get_home_dir (), "opened-url", NULL);
  script = g_build_filename (g_get_home_dir (), "browser.sh", NULL);
  script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s' \"$1\" > '%s.tmp' && mv '%s.tmp' '%s'\n",
                                 record, record, record);
  g_assert_true (g_file_set_contents (script, script_text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  install_test_browser (script);

  fixture_start (&f, NULL, NULL);
  chutes_oauth_flow_set_open_browser (f.flow, TRUE);
  chutes_oauth_flow_run_async (f.flow, f.cancellable, flow_done_cb, &f);

  /* The browser was started with the very URL the UI shows. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!g_file_get_contents (record, &opened, NULL, NULL))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_nonnull (f.authorize_uri);
  g_assert_cmpstr (opened, ==, f.authorize_uri);

  /* Then the person signs in there. */
  f.decision = "allow";
  chutes_test_mock_play_browser_async (f.mock, opened, "allow", NULL, browser_done_cb, &f);
  chutes_test_wait_for (&f.done, 30);
  chutes_test_wait_for (&f.browser_done, 10);
  g_assert_no_error (f.error);
  g_assert_nonnull (f.tokens);

  fixture_clear (&f);
}

static void
test_browser_fails_keeps_waiting (void)
{
  Fixture f = { NULL, };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  /* No browser at all: launching fails, the URL is still there to copy. */
  isolate_home ();

  fixture_start (&f, NULL, NULL);
  chutes_oauth_flow_set_open_browser (f.flow, TRUE);
  chutes_oauth_flow_run_async (f.flow, f.cancellable, flow_done_cb, &f);

  /* Give the failed launch time to come back: the flow is still waiting. */
  for (guint i = 0; i < 50; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_false (f.done);
  g_assert_nonnull (chutes_oauth_flow_get_authorize_uri (f.flow));

  f.decision = "allow";
  chutes_test_mock_play_browser_async (f.mock, f.authorize_uri, "allow", NULL,
                                       browser_done_cb, &f);
  chutes_test_wait_for (&f.done, 30);
  chutes_test_wait_for (&f.browser_done, 10);
  g_assert_no_error (f.error);
  g_assert_nonnull (f.tokens);

  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (recording_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oauth/flow/signs-in-through-the-browser", test_signs_in);
  g_test_add_func ("/oauth/flow/deny-is-access-denied", test_deny);
  g_test_add_func ("/oauth/flow/unknown-scope-is-invalid-scope", test_unknown_scope);
  g_test_add_func ("/oauth/flow/unregistered-redirect-times-out",
                   test_unregistered_redirect_times_out);
  g_test_add_func ("/oauth/flow/cancel-while-waiting-frees-port", test_cancel_while_waiting);
  g_test_add_func ("/oauth/flow/cancel-during-code-exchange", test_cancel_during_exchange);
  g_test_add_func ("/oauth/flow/wrong-secret-is-invalid-client", test_invalid_client);
  g_test_add_func ("/oauth/flow/userinfo-failure-not-fatal", test_userinfo_failure_not_fatal);
  g_test_add_func ("/oauth/flow/busy-port-fails-at-once", test_busy_port);
  g_test_add_func ("/oauth/flow/no-client-is-config-error", test_no_client);
  g_test_add_func ("/oauth/flow/second-run-refused-while-running", test_second_run_while_running);
  g_test_add_func ("/oauth/flow/opens-browser-with-authorize-url", test_opens_browser);
  g_test_add_func ("/oauth/flow/browser-launch-failure-keeps-waiting",
                   test_browser_fails_keeps_waiting);

  return g_test_run ();
}
