/* test-account.c: signing in, staying signed in, refreshing and signing out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the mock Chutes server (a real HTTP server) and the real
 * gnome-keyring of the private test session (see /work/shared/TESTING.md).
 * The test plays the browser on the URL the account exposes. The "no
 * keyring" case runs this binary again as a child in a D-Bus session that
 * can start no Secret Service.
 */
#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "chutes-account.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-test-mock.h"

#define CHILD_ENV "CHUTES_TEST_ACCOUNT_CHILD"

static const char *test_binary;

typedef struct
{
  ChutesTestMock   *mock;
  char             *redirect_uri;
  ChutesConfig     *config;
  SoupSession      *session;
  ChutesIdpClient  *idp;
  ChutesTokenStore *store;
  ChutesAccount    *account;

  /* The browser the test plays when an authorize URI appears. */
  const char       *browser_decision;
  gboolean          browser_done;
  guint             browser_status;
  guint             authorize_uris_seen;

  GArray           *states;
  guint             session_ended;
  char             *session_ended_message;
} Fixture;

/* Running the async API to completion. */
static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
on_wait_expired (gpointer user_data)
{
  g_error ("An operation did not complete in time");
  return G_SOURCE_REMOVE;
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  guint timeout_id = g_timeout_add_seconds (60, on_wait_expired, NULL);

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout_id);

  return *slot;
}

static gboolean
on_pause_done (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run for a while. */
static void
run_main_loop_for (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, on_pause_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
restore (ChutesAccount  *account,
         GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_account_restore_async (account, NULL, store_result, &result);

  return chutes_account_restore_finish (account, wait_for_result (&result), error);
}

static char *
get_token (ChutesAccount  *account,
           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_account_get_access_token_async (account, NULL, store_result, &result);

  return chutes_account_get_access_token_finish (account, wait_for_result (&result), error);
}

static char *
refresh (ChutesAccount  *account,
         const char     *rejected_token,
         GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_account_refresh_async (account, rejected_token, NULL, store_result, &result);

  return chutes_account_refresh_finish (account, wait_for_result (&result), error);
}

static void
sign_out (ChutesAccount *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chutes_account_sign_out_async (account, NULL, store_result, &result);
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_true (chutes_account_sign_out_finish (account, wait_for_result (&result), &error));
  g_assert_no_error (error);
}

/* What the keyring holds for this fixture's IDP and client, read through a
 * store of its own. */
static ChutesTokens *
stored_session (Fixture *f)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChutesTokens *tokens;

  store = chutes_token_store_new (chutes_config_get_idp_base_url (f->config));
  chutes_token_store_load_session_async (store, chutes_config_get_client_id (f->config),
                                         NULL, store_result, &result);
  tokens = chutes_token_store_load_session_finish (store, wait_for_result (&result), &error);
  g_assert_no_error (error);

  return tokens;
}

/* The same, with libsecret itself and without running the main loop. */
static const SecretSchema test_schema = {
  "ai.chutes.Desktop.Secret", SECRET_SCHEMA_NONE,
  {
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "idp", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "client-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static char *
raw_stored_session (Fixture *f)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  char *secret;
  char *copy;

  g_hash_table_insert (attributes, "kind", "session");
  g_hash_table_insert (attributes, "idp", (gpointer) chutes_test_mock_get_url (f->mock));
  g_hash_table_insert (attributes, "client-id", (gpointer) chutes_config_get_client_id (f->config));
  secret = secret_password_lookupv_sync (&test_schema, attributes, NULL, &error);
  g_assert_no_error (error);
  copy = g_strdup (secret);
  secret_password_free (secret);

  return copy;
}

static void
save_session (Fixture            *f,
              const ChutesTokens *tokens)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  store = chutes_token_store_new (chutes_config_get_idp_base_url (f->config));
  chutes_token_store_save_session_async (store, chutes_config_get_client_id (f->config),
                                         tokens, NULL, store_result, &result);
  g_assert_true (chutes_token_store_save_session_finish (store, wait_for_result (&result),
                                                         &error));
  g_assert_no_error (error);
}

/* The browser. */
static void
on_browser_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  body = chutes_test_mock_play_browser_finish (f->mock, result, &f->browser_status, &error);
  g_assert_no_error (error);
  f->browser_done = TRUE;
}

static void
on_authorize_uri (ChutesAccount *account,
                  GParamSpec    *pspec,
                  Fixture       *f)
{
  const char *uri = chutes_account_get_authorize_uri (account);

  if (uri == NULL)
    return;

  f->authorize_uris_seen++;
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNING_IN);

  if (f->browser_decision != NULL)
    chutes_test_mock_play_browser_async (f->mock, uri, f->browser_decision, NULL,
                                         on_browser_done, f);
}

static void
on_state (ChutesAccount *account,
          GParamSpec    *pspec,
          Fixture       *f)
{
  ChutesAccountState state = chutes_account_get_state (account);

  g_array_append_val (f->states, state);

  /* The username is there exactly while signed in. */
  if (state != CHUTES_ACCOUNT_STATE_SIGNED_IN)
    g_assert_null (chutes_account_get_username (account));
}

static void
on_session_ended (ChutesAccount *account,
                  const char    *message,
                  Fixture       *f)
{
  f->session_ended++;
  g_free (f->session_ended_message);
  f->session_ended_message = g_strdup (message);
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
}

static void
watch_account (Fixture       *f,
               ChutesAccount *account)
{
  chutes_account_set_flow_options (account, FALSE, 30);
  g_signal_connect (account, "notify::authorize-uri", G_CALLBACK (on_authorize_uri), f);
  g_signal_connect (account, "notify::state", G_CALLBACK (on_state), f);
  g_signal_connect (account, "session-ended", G_CALLBACK (on_session_ended), f);
}

/* Another account on the same IDP and client, as after a restart. */
static ChutesAccount *
new_account (Fixture *f)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  ChutesAccount *account;

  store = chutes_token_store_new (chutes_config_get_idp_base_url (f->config));
  account = chutes_account_new (f->idp, store);
  watch_account (f, account);

  return account;
}

static gboolean
sign_in_with (Fixture     *f,
              const char  *decision,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  f->browser_decision = decision;
  f->browser_done = FALSE;

  chutes_account_sign_in_async (f->account, NULL, store_result, &result);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNING_IN);
  ok = chutes_account_sign_in_finish (f->account, wait_for_result (&result), error);
  chutes_test_wait_for (&f->browser_done, 30);

  f->browser_decision = NULL;
  g_assert_null (chutes_account_get_authorize_uri (f->account));

  return ok;
}

static void
sign_in (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sign_in_with (f, "allow", &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
}

static void
fixture_set_up (Fixture    *f,
                const char *access_ttl,
                const char *token_delay_ms)
{
  f->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback",
                                     chutes_test_find_free_port ());
  f->mock = chutes_test_mock_start ("--redirect-uri", f->redirect_uri,
                                    "--access-ttl", access_ttl != NULL ? access_ttl : "3600",
                                    "--token-delay-ms",
                                    token_delay_ms != NULL ? token_delay_ms : "0",
                                    "--quiet",
                                    NULL);
  f->config = chutes_test_mock_new_config (f->mock, f->redirect_uri);
  f->session = chutes_http_session_new ();
  f->idp = chutes_idp_client_new (f->session, f->config);
  f->store = chutes_token_store_new (chutes_config_get_idp_base_url (f->config));
  f->states = g_array_new (FALSE, FALSE, sizeof (ChutesAccountState));
  f->account = chutes_account_new (f->idp, f->store);
  watch_account (f, f->account);
}

/* Lets fire-and-forget work (revocations) finish, then checks that
 * nothing else holds the account. */
static void
assert_account_released (ChutesAccount *account)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (G_OBJECT (account)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10000);
    }

  g_assert_finalize_object (account);
}

static void
fixture_tear_down (Fixture *f)
{
  assert_account_released (g_steal_pointer (&f->account));
  g_clear_object (&f->store);
  g_clear_object (&f->idp);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  g_clear_pointer (&f->redirect_uri, g_free);
  g_clear_pointer (&f->states, g_array_unref);
  g_clear_pointer (&f->session_ended_message, g_free);
}

static gboolean
states_include (Fixture            *f,
                ChutesAccountState  state)
{
  for (guint i = 0; i < f->states->len; i++)
    if (g_array_index (f->states, ChutesAccountState, i) == state)
      return TRUE;

  return FALSE;
}

/* Sign in through the browser, then a fresh account restores the session
 * from the keyring without any browser. */
static void
test_sign_in_and_restore (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *restored_token = NULL;

  fixture_set_up (f, NULL, NULL);

  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_UNKNOWN);
  g_assert_true (restore (f->account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_keyring_problem (f->account));

  sign_in (f);
  g_assert_cmpuint (f->authorize_uris_seen, ==, 1);
  g_assert_cmpuint (f->browser_status, ==, 200);
  g_assert_true (states_include (f, CHUTES_ACCOUNT_STATE_SIGNING_IN));
  g_assert_cmpstr (chutes_account_get_username (f->account), ==, "alice");
  g_assert_cmpstr (chutes_account_get_username (f->account), ==,
                   chutes_test_mock_get_username (f->mock));
  g_assert_true (chutes_account_get_persistent (f->account));
  g_assert_null (chutes_account_get_keyring_problem (f->account));

  token = get_token (f->account, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (token, "cak_"));
  g_assert_true (chutes_test_mock_token_is_active (f->mock, token));

  /* In the keyring. */
  stored = stored_session (f);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored->access_token, ==, token);
  g_assert_nonnull (stored->refresh_token);
  g_assert_cmpstr (stored->username, ==, "alice");

  /* After a restart. */
  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (restarted), ==, "alice");
  g_assert_true (chutes_account_get_persistent (restarted));
  g_assert_cmpuint (f->authorize_uris_seen, ==, 1);
  restored_token = get_token (restarted, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (restored_token, ==, token);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 0);

  assert_account_released (g_steal_pointer (&restarted));
  fixture_tear_down (f);
}

/* A stored session that is about to expire is refreshed at startup. */
static void
test_restore_refreshes_expired (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *new_token = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);

  stored = stored_session (f);
  stored->expires_at = g_get_real_time () / G_USEC_PER_SEC - 10;
  save_session (f, stored);

  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (restarted), ==, "alice");
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);

  new_token = get_token (restarted, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (new_token, !=, stored->access_token);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, new_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);

  /* The new pair replaced the old one in the keyring. */
  after = stored_session (f);
  g_assert_cmpstr (after->access_token, ==, new_token);
  g_assert_cmpstr (after->refresh_token, !=, stored->refresh_token);
  g_assert_cmpstr (after->username, ==, "alice");

  assert_account_released (g_steal_pointer (&restarted));
  fixture_tear_down (f);
}

/* A refused refresh at startup: signed out, told why, keyring cleared. */
static void
test_restore_refused_refresh (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);

  stored = stored_session (f);
  stored->expires_at = g_get_real_time () / G_USEC_PER_SEC - 10;
  save_session (f, stored);
  chutes_test_mock_control (f->mock, "fail", "refresh-invalid-grant", NULL);

  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_username (restarted));
  g_assert_cmpuint (f->session_ended, ==, 1);
  g_assert_cmpstr (f->session_ended_message, ==,
                   "Your Chutes session has ended. Please sign in again.");

  after = stored_session (f);
  g_assert_null (after);

  assert_account_released (g_steal_pointer (&restarted));
  fixture_tear_down (f);
}

/* Offline at startup with a session about to expire: still signed in with
 * the old tokens; the next call retries. */
static void
test_restore_offline (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);

  /* An hour-long token with a minute left. */
  stored = stored_session (f);
  stored->expires_at = g_get_real_time () / G_USEC_PER_SEC + 60;
  stored->issued_at = stored->expires_at - 3600;
  save_session (f, stored);
  chutes_test_mock_stop (f->mock);

  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (restarted), ==, "alice");

  /* Still expiring: the next caller tries again, and hears why it fails. */
  token = get_token (restarted, &error);
  g_assert_null (token);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpuint (f->session_ended, ==, 0);

  assert_account_released (g_steal_pointer (&restarted));
  fixture_tear_down (f);
}

/* Without a configured client there is nothing to restore. */
static void
test_restore_without_client (void)
{
  g_autoptr(ChutesConfig) config = NULL;
  g_autoptr(SoupSession) session = chutes_http_session_new ();
  g_autoptr(ChutesIdpClient) idp = NULL;
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(GError) error = NULL;
  ChutesAccount *account;

  g_setenv ("CHUTES_OAUTH_CLIENT_ID", "", TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_SECRET", "", TRUE);
  g_setenv ("CHUTES_IDP_BASE_URL", "", TRUE);
  config = chutes_config_new (NULL);
  g_assert_false (chutes_config_has_client (config));

  idp = chutes_idp_client_new (session, config);
  store = chutes_token_store_new (chutes_config_get_idp_base_url (config));
  account = chutes_account_new (idp, store);

  g_assert_true (restore (account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_keyring_problem (account));

  assert_account_released (account);
}

/* Ten callers while the token is about to expire: one refresh, one new
 * token for all, and it is in the keyring before anyone gets it. */
typedef struct
{
  Fixture *f;
  GPtrArray *tokens;
  guint completed;
  gboolean first_saw_keyring;
  gboolean cancelled_one;
} Crowd;

static void
on_crowd_token (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Crowd *crowd = user_data;
  g_autoptr(GError) error = NULL;
  char *token;

  token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (source), result, &error);
  g_assert_no_error (error);

  /* Straight from the keyring, without running the main loop here. */
  if (crowd->completed++ == 0)
    {
      g_autofree char *json = raw_stored_session (crowd->f);

      crowd->first_saw_keyring = json != NULL && strstr (json, token) != NULL;
    }

  g_ptr_array_add (crowd->tokens, token);
}

static void
on_crowd_cancelled (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Crowd *crowd = user_data;
  g_autoptr(GError) error = NULL;
  char *token;

  token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (source), result, &error);
  g_assert_null (token);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* At once, not when the refresh finishes. */
  g_assert_cmpuint (crowd->completed, ==, 0);
  crowd->cancelled_one = TRUE;
}

static void
test_concurrent_callers_share_one_refresh (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  Crowd crowd = { f, NULL, 0, FALSE, FALSE };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ChutesTokens) before = NULL;
  const char *new_token;

  crowd.tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_secret_free);

  /* Tokens granted with expires_in 0, so every caller needs a refresh;
   * refreshes are slow. */
  fixture_set_up (f, "0", "300");
  sign_in (f);
  before = stored_session (f);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 0);

  for (guint i = 0; i < 10; i++)
    chutes_account_get_access_token_async (f->account, NULL, on_crowd_token, &crowd);
  chutes_account_get_access_token_async (f->account, cancellable, on_crowd_cancelled, &crowd);
  g_cancellable_cancel (cancellable);

  while (crowd.completed < 10)
    run_main_loop_for (20);

  g_assert_true (crowd.cancelled_one);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refresh_failures"), ==, 0);
  g_assert_cmpuint (crowd.tokens->len, ==, 10);
  new_token = g_ptr_array_index (crowd.tokens, 0);
  for (guint i = 0; i < crowd.tokens->len; i++)
    g_assert_cmpstr (g_ptr_array_index (crowd.tokens, i), ==, new_token);
  g_assert_cmpstr (new_token, !=, before->access_token);
  /* (The access token expired as it was granted: its refresh token is
   * what the one refresh brought.) */
  {
    g_autoptr(ChutesTokens) after = stored_session (f);

    g_assert_cmpstr (after->access_token, ==, new_token);
    g_assert_false (chutes_test_mock_token_is_active (f->mock, before->refresh_token));
    g_assert_true (chutes_test_mock_token_is_active (f->mock, after->refresh_token));
  }
  g_assert_true (crowd.first_saw_keyring);
  g_assert_true (chutes_account_get_persistent (f->account));

  /* A 401 with the old token: someone already refreshed, no new refresh. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *current = refresh (f->account, before->access_token, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (current, ==, new_token);
    g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);
  }

  /* A 401 with the current token refreshes. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *fresh = refresh (f->account, new_token, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (fresh, !=, new_token);
    g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 2);
  }

  g_ptr_array_unref (crowd.tokens);
  fixture_tear_down (f);
}

/* The refresh token is refused: signed out, told why, keyring cleared. */
static void
test_refused_refresh_ends_session (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *refreshed = NULL;
  g_autofree char *later = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  token = get_token (f->account, &error);
  g_assert_no_error (error);

  chutes_test_mock_control (f->mock, "fail", "refresh-invalid-grant", NULL);
  refreshed = refresh (f->account, token, &error);
  g_assert_null (refreshed);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_clear_error (&error);

  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_username (f->account));
  g_assert_cmpuint (f->session_ended, ==, 1);
  g_assert_cmpstr (f->session_ended_message, ==,
                   "Your Chutes session has ended. Please sign in again.");

  after = stored_session (f);
  g_assert_null (after);

  later = get_token (f->account, &error);
  g_assert_null (later);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);

  fixture_tear_down (f);
}

/* A refresh that cannot reach the server fails, but keeps the session. */
static void
test_offline_refresh_keeps_session (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *refreshed = NULL;
  g_autofree char *still = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  token = get_token (f->account, &error);
  chutes_test_mock_stop (f->mock);

  refreshed = refresh (f->account, token, &error);
  g_assert_null (refreshed);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_clear_error (&error);

  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpuint (f->session_ended, ==, 0);
  still = get_token (f->account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (still, ==, token);
  after = stored_session (f);
  g_assert_cmpstr (after->access_token, ==, token);

  fixture_tear_down (f);
}

/* Sign-out: signed out at once, both tokens revoked, keyring cleared. */
static void
test_sign_out_revokes (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) before = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  before = stored_session (f);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, before->access_token));
  g_assert_true (chutes_test_mock_token_is_active (f->mock, before->refresh_token));

  sign_out (f->account);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_username (f->account));
  g_assert_cmpuint (f->session_ended, ==, 0);

  g_assert_false (chutes_test_mock_token_is_active (f->mock, before->access_token));
  g_assert_false (chutes_test_mock_token_is_active (f->mock, before->refresh_token));
  after = stored_session (f);
  g_assert_null (after);

  token = get_token (f->account, &error);
  g_assert_null (token);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);

  fixture_tear_down (f);
}

/* The server is gone: signed out at once all the same (sign_out() checks
 * the state right after the call, before the main loop runs), the
 * sign-out reports success, and the keyring is cleared. */
static void
test_sign_out_offline (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) before = NULL;
  g_autoptr(ChutesTokens) after = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  before = stored_session (f);
  g_assert_nonnull (before);
  chutes_test_mock_stop (f->mock);

  sign_out (f->account);
  g_assert_null (chutes_account_get_username (f->account));
  g_assert_cmpuint (f->session_ended, ==, 0);

  after = stored_session (f);
  g_assert_null (after);

  fixture_tear_down (f);
}

/* A server that accepts connections, reads what is sent and never
 * answers. What each connection sent is added to "received" once the
 * client has closed it. */
typedef struct
{
  GSocketListener *listener;
  GCancellable    *cancellable;
  GString         *received;
  guint            accepted;
  guint            closed;
  gboolean         accepting;
} SilentServer;

typedef struct
{
  SilentServer      *server;
  GSocketConnection *connection;
  GString           *data;
  guint8             buffer[1024];
} SilentPeer;

static void silent_server_accept (SilentServer *server);

static void
on_silent_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SilentPeer *peer = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n > 0)
    {
      g_string_append_len (peer->data, (const char *) peer->buffer, n);
      g_input_stream_read_async (G_INPUT_STREAM (source), peer->buffer, sizeof peer->buffer,
                                 G_PRIORITY_DEFAULT, peer->server->cancellable,
                                 on_silent_read, peer);
      return;
    }

  /* The client hung up (or the test is over). */
  g_string_append_len (peer->server->received, peer->data->str, peer->data->len);
  peer->server->closed++;
  g_string_free (peer->data, TRUE);
  g_object_unref (peer->connection);
  g_free (peer);
}

static void
on_silent_accepted (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SilentServer *server = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;
  SilentPeer *peer;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (connection == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      server->accepting = FALSE;
      return;
    }

  server->accepted++;
  peer = g_new0 (SilentPeer, 1);
  peer->server = server;
  peer->connection = connection;
  peer->data = g_string_new (NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             peer->buffer, sizeof peer->buffer, G_PRIORITY_DEFAULT,
                             server->cancellable, on_silent_read, peer);

  silent_server_accept (server);
}

static void
silent_server_accept (SilentServer *server)
{
  server->accepting = TRUE;
  g_socket_listener_accept_async (server->listener, server->cancellable,
                                  on_silent_accepted, server);
}

/* Returns the server's URL. */
static char *
silent_server_start (SilentServer *server)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->listener = g_socket_listener_new ();
  server->cancellable = g_cancellable_new ();
  server->received = g_string_new (NULL);
  g_socket_listener_add_address (server->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  silent_server_accept (server);

  return g_strdup_printf ("http://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static gboolean
silent_server_all_closed (gpointer user_data)
{
  SilentServer *server = user_data;

  return server->closed == server->accepted;
}

static void
silent_server_stop (SilentServer *server)
{
  g_cancellable_cancel (server->cancellable);
  while (server->accepting || server->closed < server->accepted)
    g_main_context_iteration (NULL, TRUE);

  g_socket_listener_close (server->listener);
  g_clear_object (&server->listener);
  g_clear_object (&server->cancellable);
  g_string_free (server->received, TRUE);
}

/* Runs the main loop until @done says so; the watchdog only stops a hang. */
static void
run_main_loop_until (GSourceFunc done,
                     gpointer    user_data)
{
  guint timeout_id = g_timeout_add_seconds (30, on_wait_expired, NULL);

  while (!done (user_data))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout_id);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;

  return n;
}

/* A server that accepts the connection and never answers: revocation is
 * tried, then given up, and sign-out completes and succeeds. The HTTP
 * session here has no timeout of its own (libsoup's default and the app's
 * are 60 s), so only the account's bound on revocation can end it: without
 * one, the sign-out never completes and wait_for_result()'s watchdog fails
 * the test. */
static void
test_sign_out_silent_server (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  SilentServer silent = { 0 };
  g_autoptr(SoupSession) untimed_session = soup_session_new_with_options ("timeout", 0, NULL);
  g_autoptr(ChutesConfig) silent_config = NULL;
  g_autoptr(ChutesIdpClient) silent_idp = NULL;
  g_autoptr(ChutesTokenStore) silent_store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *silent_url = NULL;
  ChutesAccount *account;
  double elapsed;
  gint64 start;

  fixture_set_up (f, NULL, NULL);

  silent_url = silent_server_start (&silent);
  g_setenv ("CHUTES_IDP_BASE_URL", silent_url, TRUE);
  silent_config = chutes_config_new (NULL);
  silent_idp = chutes_idp_client_new (untimed_session, silent_config);
  silent_store = chutes_token_store_new (silent_url);

  tokens = chutes_tokens_new ("cak_for_silent_server", "crt_for_silent_server",
                              g_get_real_time () / G_USEC_PER_SEC + 3600, NULL, "alice");
  chutes_token_store_save_session_async (silent_store, chutes_config_get_client_id (silent_config),
                                         tokens, NULL, store_result, &result);
  g_assert_true (chutes_token_store_save_session_finish (silent_store, wait_for_result (&result),
                                                         &error));

  account = chutes_account_new (silent_idp, silent_store);
  g_assert_true (restore (account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);

  start = g_get_monotonic_time ();
  sign_out (account);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("sign-out took %.1f s", elapsed);
  /* Revocation was given its time (a few seconds), not dropped at once. A
   * lower bound only: a slow machine can make this longer, never shorter. */
  g_assert_cmpfloat (elapsed, >=, 4);

  /* Both revocations were sent, then given up: the client hung up on
   * every connection it had opened. */
  run_main_loop_until (silent_server_all_closed, &silent);
  g_assert_cmpuint (silent.accepted, >=, 1);
  g_assert_cmpuint (count_occurrences (silent.received->str, "POST /idp/token/revoke "), ==, 2);
  g_assert_nonnull (strstr (silent.received->str, "token=cak_for_silent_server"));
  g_assert_nonnull (strstr (silent.received->str, "token=crt_for_silent_server"));

  /* The keyring was cleared all the same. */
  g_clear_object (&result);
  chutes_token_store_load_session_async (silent_store, chutes_config_get_client_id (silent_config),
                                         NULL, store_result, &result);
  g_assert_null (chutes_token_store_load_session_finish (silent_store, wait_for_result (&result),
                                                         &error));
  g_assert_no_error (error);

  assert_account_released (account);
  silent_server_stop (&silent);
  fixture_tear_down (f);
}

/* Signing out while a refresh is in flight: the refresh cannot bring the
 * session back. */
static void
test_sign_out_during_refresh (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GAsyncResult) refresh_result = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *refreshed = NULL;
  g_autofree char *later = NULL;

  fixture_set_up (f, NULL, "1000");
  sign_in (f);
  token = get_token (f->account, &error);

  chutes_account_refresh_async (f->account, token, NULL, store_result, &refresh_result);
  run_main_loop_for (100);
  sign_out (f->account);

  refreshed = chutes_account_refresh_finish (f->account, wait_for_result (&refresh_result),
                                             &error);
  g_assert_null (refreshed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Long enough for the slow token endpoint to have answered. */
  run_main_loop_for (1500);

  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_username (f->account));
  after = stored_session (f);
  g_assert_null (after);
  later = get_token (f->account, &error);
  g_assert_null (later);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);
  g_assert_false (chutes_test_mock_token_is_active (f->mock, token));

  g_clear_object (&refresh_result);
  fixture_tear_down (f);
}

/* A keyring that is slow to store: the next CreateItem call to the Secret
 * Service is held back until the test sends it on. GDBus runs filters in
 * its worker thread. */
typedef struct
{
  GMutex        lock;
  gboolean      armed;
  GDBusMessage *held;
} HeldStore;

static GDBusMessage *
hold_store_filter (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  HeldStore *hold = user_data;

  if (incoming || g_strcmp0 (g_dbus_message_get_member (message), "CreateItem") != 0)
    return message;

  g_mutex_lock (&hold->lock);
  if (hold->armed)
    {
      hold->armed = FALSE;
      hold->held = g_dbus_message_copy (message, NULL);
      g_assert_nonnull (hold->held);
      g_clear_object (&message);
    }
  g_mutex_unlock (&hold->lock);

  return message;
}

static GDBusMessage *
steal_held_store (HeldStore *hold)
{
  GDBusMessage *held;

  g_mutex_lock (&hold->lock);
  held = g_steal_pointer (&hold->held);
  g_mutex_unlock (&hold->lock);

  return held;
}

/* Signing out while the keyring is still storing the refreshed pair: the
 * keyring is cleared after that store, so the next start does not find a
 * revoked session there. */
static void
test_sign_out_during_refresh_save (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  HeldStore hold = { 0 };
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDBusMessage) held = NULL;
  g_autoptr(GAsyncResult) refresh_result = NULL;
  g_autoptr(GAsyncResult) sign_out_result = NULL;
  g_autoptr(ChutesTokens) before = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refreshed = NULL;
  gint64 deadline;
  guint filter_id;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  before = stored_session (f);
  g_assert_nonnull (before);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_mutex_init (&hold.lock);
  hold.armed = TRUE;
  filter_id = g_dbus_connection_add_filter (bus, hold_store_filter, &hold, NULL);

  /* The refresh gets its new pair; storing it in the keyring hangs. */
  chutes_account_refresh_async (f->account, before->access_token, NULL,
                                store_result, &refresh_result);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((held = steal_held_store (&hold)) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);

  chutes_account_sign_out_async (f->account, NULL, store_result, &sign_out_result);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);

  /* Long enough for a clearing that does not wait to be over; this one
   * waits for the store. */
  run_main_loop_for (500);
  g_assert_null (sign_out_result);

  /* The store reaches the keyring now, late. */
  g_dbus_connection_send_message (bus, held, G_DBUS_SEND_MESSAGE_FLAGS_PRESERVE_SERIAL,
                                  NULL, &error);
  g_assert_no_error (error);

  g_assert_true (chutes_account_sign_out_finish (f->account, wait_for_result (&sign_out_result),
                                                 &error));
  g_assert_no_error (error);
  refreshed = chutes_account_refresh_finish (f->account, wait_for_result (&refresh_result),
                                             &error);
  g_assert_null (refreshed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_dbus_connection_remove_filter (bus, filter_id);
  g_mutex_clear (&hold.lock);

  /* What the next start would find: nothing. */
  after = stored_session (f);
  g_assert_null (after);

  g_clear_object (&refresh_result);
  g_clear_object (&sign_out_result);
  fixture_tear_down (f);
}

/* Cancelling a new sign-in leaves the current session exactly as it was. */
static void
on_uri_cancel (ChutesAccount *account,
               GParamSpec    *pspec,
               gpointer       user_data)
{
  if (chutes_account_get_authorize_uri (account) != NULL)
    chutes_account_cancel_sign_in (account);
}

static void
test_cancelled_sign_in_keeps_session (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *still = NULL;
  gulong handler;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  token = get_token (f->account, &error);
  g_assert_no_error (error);

  handler = g_signal_connect (f->account, "notify::authorize-uri",
                              G_CALLBACK (on_uri_cancel), NULL);
  chutes_account_sign_in_async (f->account, NULL, store_result, &result);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNING_IN);
  g_assert_false (chutes_account_sign_in_finish (f->account, wait_for_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_signal_handler_disconnect (f->account, handler);

  g_assert_cmpuint (f->authorize_uris_seen, ==, 2);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (f->account), ==, "alice");
  g_assert_null (chutes_account_get_authorize_uri (f->account));
  still = get_token (f->account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (still, ==, token);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, still));

  g_clear_object (&result);
  fixture_tear_down (f);
}

/* The person refuses in the browser. */
static void
test_denied_sign_in (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (f, NULL, NULL);
  g_assert_true (restore (f->account, &error));

  g_assert_false (sign_in_with (f, "deny", &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ACCESS_DENIED);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_account_get_username (f->account));
  stored = stored_session (f);
  g_assert_null (stored);

  fixture_tear_down (f);
}

/* A second sign-in while one runs replaces it. */
static void
test_second_sign_in_replaces_first (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_uri = NULL;

  fixture_set_up (f, NULL, NULL);
  g_assert_true (restore (f->account, &error));

  chutes_account_sign_in_async (f->account, NULL, store_result, &first);
  while (chutes_account_get_authorize_uri (f->account) == NULL)
    g_main_context_iteration (NULL, TRUE);
  first_uri = g_strdup (chutes_account_get_authorize_uri (f->account));

  sign_in (f);
  g_assert_false (chutes_account_sign_in_finish (f->account, wait_for_result (&first), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (f->account), ==, "alice");
  g_assert_cmpuint (f->authorize_uris_seen, ==, 2);

  g_clear_object (&first);
  fixture_tear_down (f);
}

/* Signing in again while signed in: the new session replaces the old one,
 * whose tokens are revoked. */
static void
test_sign_in_again_replaces_session (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesTokens) first = NULL;
  g_autoptr(ChutesTokens) second = NULL;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  first = stored_session (f);
  sign_in (f);
  second = stored_session (f);

  g_assert_cmpstr (first->access_token, !=, second->access_token);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, second->access_token));

  /* The old pair is revoked in the background. */
  for (guint i = 0; i < 50 && chutes_test_mock_token_is_active (f->mock, first->refresh_token); i++)
    run_main_loop_for (100);
  g_assert_false (chutes_test_mock_token_is_active (f->mock, first->refresh_token));
  g_assert_false (chutes_test_mock_token_is_active (f->mock, first->access_token));

  fixture_tear_down (f);
}

/* The person is told about a sign-out Chutes did not take. */
typedef struct
{
  guint  count;
  char  *message;
} Told;

static void
on_revocation_failed (ChutesAccount *account,
                      const char    *message,
                      Told          *told)
{
  /* Signed out here already. */
  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  told->count++;
  g_free (told->message);
  told->message = g_strdup (message);
}

static const char told_prefix[] = "Signed out on this computer; Chutes could not end the session: ";

static gboolean
no_pending_revocations (gpointer user_data)
{
  return chutes_account_get_pending_revocations (user_data) == 0;
}

/* The tokens the keyring keeps for later revocation, read through a store
 * of its own. */
static GPtrArray *
stored_revocations (Fixture *f)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *revocations;

  store = chutes_token_store_new (chutes_config_get_idp_base_url (f->config));
  chutes_token_store_load_revocations_async (store, chutes_config_get_client_id (f->config),
                                             NULL, store_result, &result);
  revocations = chutes_token_store_load_revocations_finish (store, wait_for_result (&result),
                                                            &error);
  g_assert_no_error (error);
  g_assert_nonnull (revocations);

  return revocations;
}

static gboolean
revocations_hold (GPtrArray  *revocations,
                  const char *token,
                  const char *hint)
{
  for (guint i = 0; i < revocations->len; i++)
    {
      ChutesRevocation *revocation = g_ptr_array_index (revocations, i);

      if (g_str_equal (revocation->token, token))
        return g_strcmp0 (revocation->hint, hint) == 0;
    }

  return FALSE;
}

/* Chutes refuses the revocation: signed out here at once, told so, and the
 * tokens (still valid at Chutes) wait in the keyring; the next start
 * revokes them and forgets them. */
static void
test_sign_out_revocation_fails_then_next_start (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) before = NULL;
  g_autoptr(ChutesTokens) after = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  Told told = { 0 };
  gint64 revocations;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  before = stored_session (f);
  g_signal_connect (f->account, "revocation-failed", G_CALLBACK (on_revocation_failed), &told);

  chutes_test_mock_control (f->mock, "fail", "revoke-500", "count", "2", NULL);
  sign_out (f->account);

  g_assert_cmpuint (told.count, ==, 1);
  g_assert_true (g_str_has_prefix (told.message, told_prefix));
  g_assert_cmpuint (strlen (told.message), >, strlen (told_prefix) + 10);
  g_test_message ("told: %s", told.message);

  /* Still valid at Chutes, kept for later (and only in the keyring). */
  g_assert_true (chutes_test_mock_token_is_active (f->mock, before->access_token));
  g_assert_true (chutes_test_mock_token_is_active (f->mock, before->refresh_token));
  g_assert_cmpuint (chutes_account_get_pending_revocations (f->account), ==, 2);
  after = stored_session (f);
  g_assert_null (after);
  kept = stored_revocations (f);
  g_assert_cmpuint (kept->len, ==, 2);
  g_assert_true (revocations_hold (kept, before->access_token, "access_token"));
  g_assert_true (revocations_hold (kept, before->refresh_token, "refresh_token"));
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (),
                                                        before->refresh_token), ==, 0);

  /* The next start. */
  revocations = chutes_test_mock_get_stat (f->mock, "revocations");
  restarted = new_account (f);
  g_signal_connect (restarted, "revocation-failed", G_CALLBACK (on_revocation_failed), &told);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (restarted), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  /* Both requests at Chutes first: the pending ones are read from the
   * keyring after restore() returns (none pending until then), and
   * revoking the refresh token revokes the access token with it, so
   * neither says the second request arrived. */
  while (chutes_test_mock_get_stat (f->mock, "revocations") < revocations + 2)
    run_main_loop_for (20);
  run_main_loop_until (no_pending_revocations, restarted);
  while (chutes_test_mock_token_is_active (f->mock, before->refresh_token))
    run_main_loop_for (20);

  g_assert_false (chutes_test_mock_token_is_active (f->mock, before->access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==, revocations + 2);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocation_failures"), ==, 2);
  assert_account_released (g_steal_pointer (&restarted));
  left = stored_revocations (f);
  g_assert_cmpuint (left->len, ==, 0);
  /* Told once, at the sign-out; retries are quiet. */
  g_assert_cmpuint (told.count, ==, 1);

  g_free (told.message);
  fixture_tear_down (f);
}

/* Offline at sign-out: the revocation is tried again when the network
 * comes back, and only then. */
static void
test_sign_out_revocation_retried_when_network_returns (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GNetworkMonitor) monitor = chutes_test_fake_monitor_new ();
  g_autoptr(ChutesTokens) before = NULL;
  g_autoptr(GPtrArray) left = NULL;
  Told told = { 0 };
  gint64 revocations;

  fixture_set_up (f, NULL, NULL);
  chutes_account_set_network_monitor (f->account, monitor);
  g_signal_connect (f->account, "revocation-failed", G_CALLBACK (on_revocation_failed), &told);
  sign_in (f);
  before = stored_session (f);

  chutes_test_mock_control (f->mock, "fail", "revoke-500", NULL);
  chutes_test_fake_monitor_set_available (monitor, FALSE);
  sign_out (f->account);
  g_assert_cmpuint (told.count, ==, 1);
  g_assert_cmpuint (chutes_account_get_pending_revocations (f->account), ==, 2);

  /* The server works again, but nothing says so yet: no retry. */
  chutes_test_mock_control (f->mock, "fail", "", NULL);
  revocations = chutes_test_mock_get_stat (f->mock, "revocations");
  chutes_test_fake_monitor_set_available (monitor, FALSE);
  run_main_loop_for (100);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==, revocations);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, before->refresh_token));

  chutes_test_fake_monitor_set_available (monitor, TRUE);
  run_main_loop_until (no_pending_revocations, f->account);
  while (chutes_test_mock_token_is_active (f->mock, before->refresh_token))
    run_main_loop_for (20);
  g_assert_false (chutes_test_mock_token_is_active (f->mock, before->access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==, revocations + 2);
  left = stored_revocations (f);
  g_assert_cmpuint (left->len, ==, 0);
  g_assert_cmpuint (told.count, ==, 1);

  g_free (told.message);
  fixture_tear_down (f);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* A server that always refuses: retried a bounded number of times, then
 * given up, and the keyring item goes too. */
static void
test_revocation_retries_are_bounded (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GPtrArray) kept = NULL;
  g_autoptr(GPtrArray) left = NULL;
  guint rounds = 1;
  guint notified = 0;

  fixture_set_up (f, NULL, NULL);
  sign_in (f);
  chutes_test_mock_control (f->mock, "fail", "revoke-500", NULL);
  sign_out (f->account);
  g_assert_cmpuint (chutes_account_get_pending_revocations (f->account), ==, 2);
  kept = stored_revocations (f);
  g_assert_cmpuint (kept->len, ==, 2);
  g_assert_cmpuint (((ChutesRevocation *) g_ptr_array_index (kept, 0))->attempts, ==, 1);

  g_signal_connect (f->account, "notify::pending-revocations", G_CALLBACK (count_notify),
                    &notified);
  while (chutes_account_get_pending_revocations (f->account) > 0)
    {
      guint before = notified;

      g_assert_cmpuint (rounds, <, 100);
      chutes_account_retry_revocations (f->account);
      /* A retry while one runs does nothing. */
      chutes_account_retry_revocations (f->account);
      while (notified == before)
        run_main_loop_for (10);
      rounds++;
    }

  g_assert_cmpuint (rounds, ==, CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==,
                   2 * CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS);

  /* Nothing left to try, here or in the keyring. */
  chutes_account_retry_revocations (f->account);
  run_main_loop_for (100);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocations"), ==,
                   2 * CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS);
  while ((left = stored_revocations (f))->len > 0)
    {
      g_clear_pointer (&left, g_ptr_array_unref);
      run_main_loop_for (20);
    }

  fixture_tear_down (f);
}

/* The refresh margin follows the lifetime the server granted. */
static void
test_refresh_margin_follows_lifetime (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(ChutesTokens) hour = chutes_tokens_new ("cak_a", "crt_a", now + 3600, NULL, NULL);
  g_autoptr(ChutesTokens) minute = chutes_tokens_new ("cak_b", "crt_b", now + 60, NULL, NULL);
  g_autoptr(ChutesTokens) instant = chutes_tokens_new ("cak_c", "crt_c", now, NULL, NULL);
  g_autoptr(ChutesTokens) old = chutes_tokens_new ("cak_d", "crt_d", now + 60, NULL, NULL);

  old->issued_at = 0;   /* stored by an older version */

  g_assert_cmpint (chutes_account_refresh_margin (hour), ==, CHUTES_ACCOUNT_REFRESH_MARGIN);
  g_assert_cmpint (chutes_account_refresh_margin (minute), ==, 60 / CHUTES_ACCOUNT_REFRESH_FRACTION);
  g_assert_cmpint (chutes_account_refresh_margin (instant), ==, 0);
  g_assert_cmpint (chutes_account_refresh_margin (old), ==, CHUTES_ACCOUNT_REFRESH_MARGIN);
}

/* 60-second tokens are used, not refreshed before every request, in this
 * run and after a restart; near their end they are refreshed. */
static void
test_short_lived_tokens_are_used (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccount) restarted = NULL;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;

  fixture_set_up (f, "60", NULL);
  sign_in (f);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *token = get_token (f->account, &error);

      g_assert_no_error (error);
      g_assert_true (chutes_test_mock_token_is_active (f->mock, token));
    }
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 0);

  /* The lifetime is kept with the session. */
  raw = raw_stored_session (f);
  g_assert_nonnull (strstr (raw, "\"issued_at\":"));
  stored = stored_session (f);
  g_assert_cmpint (stored->expires_at - stored->issued_at, ==, 60);

  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  {
    g_autofree char *token = get_token (restarted, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (token, ==, stored->access_token);
  }
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 0);
  assert_account_released (g_steal_pointer (&restarted));

  /* Five seconds left of sixty: within the margin, refreshed. */
  stored->issued_at = g_get_real_time () / G_USEC_PER_SEC - 55;
  stored->expires_at = stored->issued_at + 60;
  save_session (f, stored);
  restarted = new_account (f);
  g_assert_true (restore (restarted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "token_refreshes"), ==, 1);
  assert_account_released (g_steal_pointer (&restarted));

  fixture_tear_down (f);
}

/* No Secret Service at all: signed in all the same, in memory only, and
 * no token written anywhere. */
static void
run_child_without_secret_service (const char *test_path)
{
  g_autofree char *config = g_build_filename (g_getenv ("CHUTES_TEST_SRCDIR"), "keyring",
                                              "no-secret-service.conf", NULL);
  g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
  const char *argv[] = {
    "dbus-run-session", config_arg, "--", test_binary, "-p", test_path, NULL
  };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  g_assert_true (g_file_test (config, G_FILE_TEST_EXISTS));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, CHILD_ENV, "1", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);

  g_test_message ("child output:\n%s", output);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  g_assert_nonnull (strstr (output, "ok 1 "));
  g_assert_null (strstr (output, "not ok"));
}

static void
test_no_keyring (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *refreshed = NULL;
  g_autoptr(GNetworkMonitor) monitor = NULL;
  const char *problem;

  if (g_getenv (CHILD_ENV) == NULL)
    {
      run_child_without_secret_service ("/account/keyring/none-signs-in-for-this-run-only");
      return;
    }

  fixture_set_up (f, NULL, NULL);

  /* At startup: signed out, and the person is told why. */
  g_assert_true (restore (f->account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_false (chutes_account_get_persistent (f->account));
  problem = chutes_account_get_keyring_problem (f->account);
  g_assert_nonnull (problem);
  g_assert_nonnull (strstr (problem, "No keyring is available"));

  sign_in (f);
  g_assert_cmpstr (chutes_account_get_username (f->account), ==, "alice");
  g_assert_false (chutes_account_get_persistent (f->account));
  g_assert_nonnull (chutes_account_get_keyring_problem (f->account));

  token = get_token (f->account, &error);
  g_assert_no_error (error);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, token));

  /* Refreshing works in memory too. */
  refreshed = refresh (f->account, token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (refreshed, !=, token);
  g_assert_cmpint (chutes_account_get_state (f->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_false (chutes_account_get_persistent (f->account));

  /* Nothing written anywhere. */
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (), token), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (), refreshed), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (), "\"refresh_token\""), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_user_data_dir (), refreshed), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_user_config_dir (), refreshed), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_user_cache_dir (), refreshed), ==, 0);

  /* A revocation that fails is retried in memory while the app runs. */
  monitor = chutes_test_fake_monitor_new ();
  chutes_account_set_network_monitor (f->account, monitor);
  chutes_test_mock_control (f->mock, "fail", "revoke-500", "count", "2", NULL);
  sign_out (f->account);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, refreshed));
  g_assert_cmpuint (chutes_account_get_pending_revocations (f->account), ==, 2);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (), refreshed), ==, 0);

  chutes_test_fake_monitor_set_available (monitor, TRUE);
  run_main_loop_until (no_pending_revocations, f->account);
  g_assert_false (chutes_test_mock_token_is_active (f->mock, refreshed));

  fixture_tear_down (f);
}

/* Runs last: everything above, with every debug message recorded. */
static void
test_logs_hold_no_secret (void)
{
  g_assert_cmpuint (strlen (chutes_test_get_recorded_logs ()), >, 0);
  g_assert_nonnull (strstr (chutes_test_get_recorded_logs (), "Signed in"));
  g_assert_null (strstr (chutes_test_get_recorded_logs (), "cak_"));
  g_assert_null (strstr (chutes_test_get_recorded_logs (), "crt_"));
  g_assert_null (strstr (chutes_test_get_recorded_logs (), "csc_"));
}

int
main (int    argc,
      char **argv)
{
  test_binary = argv[0];
  chutes_test_record_logs ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/sign-in/signed-in-and-remembered-across-restarts",
                   test_sign_in_and_restore);
  g_test_add_func ("/account/sign-in/denied-in-browser-stays-signed-out", test_denied_sign_in);
  g_test_add_func ("/account/sign-in/cancel-keeps-the-previous-session",
                   test_cancelled_sign_in_keeps_session);
  g_test_add_func ("/account/sign-in/second-sign-in-replaces-the-first",
                   test_second_sign_in_replaces_first);
  g_test_add_func ("/account/sign-in/again-replaces-and-revokes-the-old-session",
                   test_sign_in_again_replaces_session);
  g_test_add_func ("/account/restore/expiring-session-is-refreshed-first",
                   test_restore_refreshes_expired);
  g_test_add_func ("/account/restore/refused-refresh-signs-out", test_restore_refused_refresh);
  g_test_add_func ("/account/restore/offline-keeps-the-session", test_restore_offline);
  g_test_add_func ("/account/restore/no-client-means-signed-out", test_restore_without_client);
  g_test_add_func ("/account/refresh/ten-callers-share-one-refresh",
                   test_concurrent_callers_share_one_refresh);
  g_test_add_func ("/account/refresh/refused-refresh-ends-the-session",
                   test_refused_refresh_ends_session);
  g_test_add_func ("/account/refresh/offline-keeps-the-session",
                   test_offline_refresh_keeps_session);
  g_test_add_func ("/account/sign-out/revokes-both-tokens-and-forgets",
                   test_sign_out_revokes);
  g_test_add_func ("/account/sign-out/at-once-when-the-server-is-gone", test_sign_out_offline);
  g_test_add_func ("/account/sign-out/bounded-when-the-server-never-answers",
                   test_sign_out_silent_server);
  g_test_add_func ("/account/sign-out/refresh-in-flight-cannot-resurrect",
                   test_sign_out_during_refresh);
  g_test_add_func ("/account/sign-out/clears-after-a-slow-keyring-save",
                   test_sign_out_during_refresh_save);
  g_test_add_func ("/account/sign-out/failed-revocation-is-told-and-finished-at-next-start",
                   test_sign_out_revocation_fails_then_next_start);
  g_test_add_func ("/account/sign-out/failed-revocation-retried-when-network-returns",
                   test_sign_out_revocation_retried_when_network_returns);
  g_test_add_func ("/account/revocation/retries-are-bounded",
                   test_revocation_retries_are_bounded);
  g_test_add_func ("/account/refresh/margin-follows-lifetime",
                   test_refresh_margin_follows_lifetime);
  g_test_add_func ("/account/refresh/short-lived-tokens-are-used-not-refreshed",
                   test_short_lived_tokens_are_used);
  g_test_add_func ("/account/keyring/none-signs-in-for-this-run-only", test_no_keyring);
  g_test_add_func ("/logs/hold-no-secret", test_logs_hold_no_secret);

  return g_test_run ();
}
