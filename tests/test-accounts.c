/* test-accounts.c: several accounts, each with its own tokens and history,
 * and the move from a single-account install
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the mock Chutes server and the real gnome-keyring of the private
 * test session. The test plays the browser; the mock's "user" control says
 * who signs in. The single-account fixtures are written the way the last
 * single-account release (a0ee4f3) wrote them: its keyring attributes and
 * session JSON, its history schema (version 3), with libsecret and SQLite
 * directly.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <sqlite3.h>

#include "chutes-accounts.h"
#include "chutes-http.h"
#include "chutes-test-mock.h"

typedef struct
{
  ChutesTestMock  *mock;
  char            *redirect_uri;
  char            *data_dir;
  ChutesConfig    *config;
  SoupSession     *session;
  ChutesIdpClient *idp;
  GSettings       *settings;
  gboolean         browser_done;
  gboolean         beside_window;  /* start() as --ask does */
} Fixture;

/* Every attribute an item may have; items of a0ee4f3 lack "account". */
static const SecretSchema test_schema = {
  "ai.chutes.Desktop.Secret", SECRET_SCHEMA_NONE,
  {
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "idp", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "client-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static GHashTable *
item_attributes (Fixture    *f,
                 const char *kind,
                 const char *account)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, "kind", (gpointer) kind);
  g_hash_table_insert (attributes, "idp", (gpointer) chutes_test_mock_get_url (f->mock));
  g_hash_table_insert (attributes, "client-id", (gpointer) chutes_config_get_client_id (f->config));
  if (account != NULL)
    g_hash_table_insert (attributes, "account", (gpointer) account);

  return attributes;
}

/* The secret of the items with exactly these attributes (a0ee4f3's, when
 * @account is NULL: then an item that has "account" does not count). */
static char *
lookup_item (Fixture    *f,
             const char *kind,
             const char *account)
{
  g_autoptr(GHashTable) attributes = item_attributes (f, kind, account);
  g_autoptr(GError) error = NULL;
  GList *items;
  char *found = NULL;

  items = secret_password_searchv_sync (&test_schema, attributes,
                                        SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                                        NULL, &error);
  g_assert_no_error (error);

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) has = secret_retrievable_get_attributes (l->data);
      g_autoptr(SecretValue) value = NULL;

      if (account == NULL && g_hash_table_contains (has, "account"))
        continue;
      g_assert_null (found);
      value = secret_retrievable_retrieve_secret_sync (l->data, NULL, &error);
      g_assert_no_error (error);
      found = g_strdup (secret_value_get_text (value));
    }
  g_list_free_full (items, g_object_unref);

  return found;
}

static gboolean
item_exists (Fixture    *f,
             const char *kind,
             const char *account)
{
  g_autofree char *secret = lookup_item (f, kind, account);

  return secret != NULL;
}

static char *
user_id_of (const char *username)
{
  /* The mock's user IDs: UUID-shaped, from the MD5 of the name. */
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, username, -1);

  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", md5, md5 + 8, md5 + 12, md5 + 16, md5 + 20);
}

static void
fixture_set_up (Fixture *f)
{
  f->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/callback",
                                     chutes_test_find_free_port ());
  f->mock = chutes_test_mock_start ("--redirect-uri", f->redirect_uri, "--quiet", NULL);
  f->config = chutes_test_mock_new_config (f->mock, f->redirect_uri);
  f->session = chutes_http_session_new ();
  f->idp = chutes_idp_client_new (f->session, f->config);
  f->settings = g_settings_new (BASE_APP_ID);
  g_settings_reset (f->settings, "active-account");
  f->data_dir = g_dir_make_tmp ("test-accounts-XXXXXX", NULL);
  g_assert_nonnull (f->data_dir);
}

static void
fixture_tear_down (Fixture *f)
{
  chutes_test_remove_tree (f->data_dir);
  g_clear_pointer (&f->data_dir, g_free);
  g_clear_object (&f->settings);
  g_clear_object (&f->idp);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  g_clear_pointer (&f->redirect_uri, g_free);
}

static ChutesAccounts *
start (Fixture *f)
{
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  accounts = chutes_accounts_new (f->idp, f->settings, f->data_dir);
  chutes_accounts_set_flow_options (accounts, FALSE, 30);
  /* As the application does (not --ask). */
  if (!f->beside_window)
    chutes_accounts_finish_legacy_move (accounts);
  /* As the application does, for the Shell's search, before restoring. */
  chutes_accounts_get_search_history (accounts);
  chutes_accounts_restore_async (accounts, NULL, chutes_test_store_result_cb, &result);
  result = chutes_test_wait_for_result (&result);
  g_assert_true (chutes_accounts_restore_finish (accounts, result, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&accounts);
}

static void
stop (ChutesAccounts *accounts)
{
  chutes_accounts_close (accounts);
  g_object_unref (accounts);
}

static void
on_browser_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  body = chutes_test_mock_play_browser_finish (f->mock, result, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  f->browser_done = TRUE;
}

static void
on_authorize_uri (ChutesAccount *account,
                  GParamSpec    *pspec,
                  Fixture       *f)
{
  const char *uri = chutes_account_get_authorize_uri (account);

  if (uri != NULL)
    chutes_test_mock_play_browser_async (f->mock, uri, "allow", NULL, on_browser_done, f);
}

/* @username signs in as one more account. */
static ChutesAccount *
add_account (Fixture        *f,
             ChutesAccounts *accounts,
             const char     *username)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChutesAccount *added;
  ChutesAccount *signing_in;

  chutes_test_mock_control (f->mock, "user", username, NULL);
  f->browser_done = FALSE;

  chutes_accounts_add_async (accounts, NULL, chutes_test_store_result_cb, &result);
  signing_in = chutes_accounts_get_active (accounts);
  g_assert_cmpint (chutes_account_get_state (signing_in), ==, CHUTES_ACCOUNT_STATE_SIGNING_IN);
  g_signal_connect (signing_in, "notify::authorize-uri", G_CALLBACK (on_authorize_uri), f);
  on_authorize_uri (signing_in, NULL, f);

  result = chutes_test_wait_for_result (&result);
  added = chutes_accounts_add_finish (accounts, result, &error);
  g_assert_no_error (error);
  chutes_test_wait_for (&f->browser_done, 30);
  g_signal_handlers_disconnect_by_func (signing_in, on_authorize_uri, f);

  g_assert_cmpstr (chutes_account_get_username (added), ==, username);
  g_assert_true (chutes_accounts_get_active (accounts) == added);
  g_object_unref (added);

  return added;
}

static void
sign_out (ChutesAccounts *accounts,
          ChutesAccount  *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chutes_accounts_sign_out_async (accounts, account, NULL, chutes_test_store_result_cb, &result);
  result = chutes_test_wait_for_result (&result);
  g_assert_true (chutes_accounts_sign_out_finish (accounts, result, &error));
  g_assert_no_error (error);
}

static void
create_conversation (ChutesHistory *history,
                     const char    *title)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  chutes_history_create_conversation_async (history, title, "model", NULL,
                                            chutes_test_store_result_cb, &result);
  result = chutes_test_wait_for_result (&result);
  summary = chutes_history_create_conversation_finish (history, result, &error);
  g_assert_no_error (error);
}

/* The titles of the conversations, once @n are there, "|"-separated. */
static char *
titles (ChutesHistory *history,
        guint          n)
{
  GListModel *model = chutes_history_get_conversations (history);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_autoptr(GString) text = g_string_new (NULL);

  while (g_list_model_get_n_items (model) < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (model, i);

      g_string_append_printf (text, "%s%s", i > 0 ? "|" : "",
                              chutes_chat_summary_get_title (summary));
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
access_token_of (ChutesAccount *account)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  chutes_account_get_access_token_async (account, NULL, chutes_test_store_result_cb, &result);
  result = chutes_test_wait_for_result (&result);
  token = chutes_account_get_access_token_finish (account, result, &error);
  g_assert_no_error (error);

  return token;
}

/* Whether @token stops working at the mock within 30 s (a revocation
 * runs in the background). */
static gboolean
wait_until_inactive (Fixture    *f,
                     const char *token)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (chutes_test_mock_token_is_active (f->mock, token))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }

  return TRUE;
}

static void
test_two_accounts (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autofree char *alice_id = user_id_of ("alice");
  g_autofree char *bob_id = user_id_of ("bob");
  g_autofree char *alice_path = NULL;
  g_autofree char *bob_path = NULL;
  g_autofree char *alice_token = NULL;
  g_autofree char *bob_token = NULL;
  g_autofree char *alice_titles = NULL;
  g_autofree char *bob_titles = NULL;
  g_autofree char *alice_item = NULL;
  g_autofree char *alice_item_after = NULL;
  g_autoptr(ChutesTokens) old_tokens = NULL;
  g_autofree char *new_token = NULL;
  ChutesAccount *alice;
  ChutesAccount *bob;

  fixture_set_up (f);

  accounts = start (f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 0);
  g_assert_cmpint (chutes_account_get_state (chutes_accounts_get_active (accounts)), ==,
                   CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_accounts_get_active_history (accounts));

  alice = add_account (f, accounts, "alice");
  bob = add_account (f, accounts, "bob");
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 2);
  g_assert_cmpstr (chutes_account_get_user_id (alice), ==, alice_id);
  g_assert_cmpstr (chutes_account_get_user_id (bob), ==, bob_id);

  /* Each has an item of its own, and there is no single-account item. */
  g_assert_true (item_exists (f, "account-session", alice_id));
  g_assert_true (item_exists (f, "account-session", bob_id));
  g_assert_false (item_exists (f, "session", NULL));

  /* Signing in to alice again refreshes her tokens: no twin, and the
   * replaced pair is revoked at Chutes, as a sign-out would. */
  old_tokens = chutes_account_dup_tokens (alice);
  g_assert_true (add_account (f, accounts, "alice") != alice);
  alice = chutes_accounts_find (accounts, alice_id);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 2);
  g_assert_true (wait_until_inactive (f, old_tokens->refresh_token));
  g_assert_true (wait_until_inactive (f, old_tokens->access_token));
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "revocation_failures"), ==, 0);
  g_assert_cmpuint (chutes_account_get_pending_revocations (alice), ==, 0);
  new_token = access_token_of (alice);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, new_token));

  /* Each chats in a history of its own. */
  chutes_accounts_set_active (accounts, alice);
  create_conversation (chutes_accounts_get_active_history (accounts), "Alice's plans");
  chutes_accounts_set_active (accounts, bob);
  create_conversation (chutes_accounts_get_active_history (accounts), "Bob's recipes");
  alice_titles = titles (chutes_accounts_get_history (accounts, alice), 1);
  bob_titles = titles (chutes_accounts_get_history (accounts, bob), 1);
  g_assert_cmpstr (alice_titles, ==, "Alice's plans");
  g_assert_cmpstr (bob_titles, ==, "Bob's recipes");

  alice_path = chutes_accounts_dup_history_path (accounts, alice_id);
  bob_path = chutes_accounts_dup_history_path (accounts, bob_id);
  g_assert_cmpstr (chutes_history_get_path (chutes_accounts_get_history (accounts, alice)), ==,
                   alice_path);
  g_assert_true (g_file_test (alice_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (bob_path, G_FILE_TEST_IS_REGULAR));

  /* Alice is the one shown at the next start. */
  chutes_accounts_set_active (accounts, alice);
  g_assert_true (chutes_accounts_get_active_history (accounts)
                 == chutes_accounts_get_history (accounts, alice));
  g_clear_pointer (&accounts, stop);

  accounts = start (f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 2);
  alice = chutes_accounts_find (accounts, alice_id);
  bob = chutes_accounts_find (accounts, bob_id);
  g_assert_nonnull (alice);
  g_assert_nonnull (bob);
  g_assert_true (chutes_accounts_get_active (accounts) == alice);
  g_assert_cmpstr (chutes_account_get_username (bob), ==, "bob");
  g_clear_pointer (&alice_titles, g_free);
  alice_titles = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (alice_titles, ==, "Alice's plans");

  /* Bob signs out: his tokens are revoked and his item gone; alice's
   * tokens, item and history stay as they were. */
  alice_token = access_token_of (alice);
  bob_token = access_token_of (bob);
  alice_item = lookup_item (f, "account-session", alice_id);
  chutes_accounts_set_active (accounts, bob);
  sign_out (accounts, bob);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 1);
  g_assert_true (chutes_accounts_get_active (accounts) == alice);
  g_assert_false (item_exists (f, "account-session", bob_id));
  g_assert_false (chutes_test_mock_token_is_active (f->mock, bob_token));
  alice_item_after = lookup_item (f, "account-session", alice_id);
  g_assert_cmpstr (alice_item_after, ==, alice_item);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, alice_token));
  g_assert_cmpint (chutes_account_get_state (alice), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_true (g_file_test (alice_path, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&alice_titles, g_free);
  alice_titles = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (alice_titles, ==, "Alice's plans");

  /* The last one out leaves an account of nobody, signed out. */
  sign_out (accounts, alice);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 0);
  g_assert_cmpint (chutes_account_get_state (chutes_accounts_get_active (accounts)), ==,
                   CHUTES_ACCOUNT_STATE_SIGNED_OUT);
  g_assert_null (chutes_accounts_get_active_history (accounts));
  g_clear_pointer (&accounts, stop);

  fixture_tear_down (f);
}

/* Closes @accounts and waits until it is gone, its background writes
 * done. */
static void
stop_and_wait (ChutesAccounts **accounts)
{
  gpointer weak = *accounts;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (weak, &weak);
  g_clear_pointer (accounts, stop);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (weak);
}

/* The quota of @account once it is @expected, or what it is after 30 s. */
static gint64
wait_for_quota (ChutesAccounts *accounts,
                ChutesAccount  *account,
                gint64          expected)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (chutes_accounts_get_quota (accounts, account) != expected
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  return chutes_accounts_get_quota (accounts, account);
}

static void
on_quota_changed (ChutesAccounts *accounts,
                  ChutesAccount  *account,
                  guint          *count)
{
  (*count)++;
}

/* The menu's "alice · 997 requests left" is there again after a restart,
 * each account with its own number. */
static void
test_quota_kept (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autofree char *alice_id = user_id_of ("alice");
  g_autofree char *bob_id = user_id_of ("bob");
  ChutesAccount *alice;
  ChutesAccount *bob;
  guint changes = 0;

  fixture_set_up (f);

  accounts = start (f);
  alice = add_account (f, accounts, "alice");
  bob = add_account (f, accounts, "bob");
  g_assert_cmpint (chutes_accounts_get_quota (accounts, alice), ==, -1);
  g_signal_connect (accounts, "quota-changed", G_CALLBACK (on_quota_changed), &changes);
  chutes_accounts_set_quota (accounts, alice, 998);
  chutes_accounts_set_quota (accounts, alice, 997);
  chutes_accounts_set_quota (accounts, bob, 5);
  g_assert_cmpuint (changes, ==, 3);
  g_assert_cmpint (chutes_accounts_get_quota (accounts, alice), ==, 997);
  g_assert_cmpint (chutes_accounts_get_quota (accounts, bob), ==, 5);
  stop_and_wait (&accounts);

  accounts = start (f);
  alice = chutes_accounts_find (accounts, alice_id);
  bob = chutes_accounts_find (accounts, bob_id);
  g_assert_cmpint (wait_for_quota (accounts, alice, 997), ==, 997);
  g_assert_cmpint (wait_for_quota (accounts, bob, 5), ==, 5);

  /* Not a secret: beside the history, never in the keyring's items. */
  g_assert_cmpuint (chutes_test_count_files_containing (f->data_dir, "997"), ==, 1);
  g_clear_pointer (&accounts, stop);

  fixture_tear_down (f);
}

/* A single-account install, as a0ee4f3 leaves it. */
static const char legacy_schema[] =
  "PRAGMA journal_mode = WAL;"
  "CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, model TEXT,"
  "  system_prompt TEXT, temperature REAL, max_tokens INTEGER,"
  "  thinking INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);"
  "CREATE TABLE messages (id INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '',"
  "  reasoning TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'complete', error TEXT,"
  "  model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
  "  cached_tokens INTEGER, input_price REAL, output_price REAL, cache_read_price REAL,"
  "  UNIQUE (conversation_id, position));"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (content, content = 'messages',"
  "  content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content); END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages"
  "  WHEN old.content IS NOT new.content BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
  "CREATE INDEX messages_by_creation ON messages (created_at);"
  "INSERT INTO conversations (title, created_at, updated_at, model)"
  "  VALUES ('Trip to Lisbon', 1700000000, 1700000100, 'model');"
  "INSERT INTO messages (conversation_id, position, role, content, created_at, updated_at)"
  "  VALUES (1, 0, 'user', 'Where to eat?', 1700000000, 1700000000);"
  "PRAGMA user_version = 3;";

static void
write_legacy_history (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autofree char *attachments = g_build_filename (dir, "attachments", NULL);
  g_autofree char *attachment = g_build_filename (attachments, "1.txt", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (g_mkdir_with_parents (attachments, 0700), ==, 0);
  g_assert_true (g_file_set_contents (attachment, "notes", -1, NULL));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, legacy_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* a0ee4f3's session item: no "account", its JSON. */
static void
write_legacy_session (Fixture *f)
{
  g_autoptr(GHashTable) attributes = item_attributes (f, "session", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *access_token = chutes_test_mock_sign_in (f->mock, NULL, &refresh_token);
  g_autofree char *json = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json = g_strdup_printf ("{\"access_token\":\"%s\",\"refresh_token\":\"%s\","
                          "\"expires_at\":%" G_GINT64_FORMAT ",\"issued_at\":%" G_GINT64_FORMAT ","
                          "\"username\":\"alice\",\"scope\":\"openid profile chutes:invoke\"}",
                          access_token, refresh_token, now + 3600, now);
  g_assert_true (secret_password_storev_sync (&test_schema, attributes, SECRET_COLLECTION_DEFAULT,
                                              "Chutes sign-in for alice (127.0.0.1)", json,
                                              NULL, &error));
  g_assert_no_error (error);
}

/* Signed in as before, without a browser, with the same conversations;
 * the old item and files are gone. */
static void
assert_migrated (Fixture *f)
{
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autofree char *alice_id = user_id_of ("alice");
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *attachment = NULL;
  g_autofree char *old_path = g_build_filename (f->data_dir, "history.db", NULL);
  g_autofree char *old_attachments = g_build_filename (f->data_dir, "attachments", NULL);
  g_autofree char *legacy_dir = g_build_filename (f->data_dir, "accounts", ".legacy", NULL);
  g_autofree char *shown = NULL;
  ChutesAccount *alice;

  accounts = start (f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 1);
  alice = chutes_accounts_get_active (accounts);
  g_assert_cmpint (chutes_account_get_state (alice), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (alice), ==, "alice");
  g_assert_cmpstr (chutes_account_get_user_id (alice), ==, alice_id);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "authorize_requests"), ==, 0);

  shown = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (shown, ==, "Trip to Lisbon");
  path = chutes_accounts_dup_history_path (accounts, alice_id);
  g_assert_cmpstr (chutes_history_get_path (chutes_accounts_get_active_history (accounts)), ==, path);
  dir = g_path_get_dirname (path);
  attachment = g_build_filename (dir, "attachments", "1.txt", NULL);
  g_assert_true (g_file_test (attachment, G_FILE_TEST_IS_REGULAR));

  g_assert_false (g_file_test (old_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old_attachments, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (legacy_dir, G_FILE_TEST_EXISTS));
  g_assert_false (item_exists (f, "session", NULL));
  g_assert_true (item_exists (f, "account-session", alice_id));

  g_clear_pointer (&accounts, stop);
}

static void
test_migration (void)
{
  Fixture fixture = { 0 }, *f = &fixture;

  fixture_set_up (f);
  write_legacy_history (f->data_dir);
  write_legacy_session (f);
  chutes_test_mock_control (f->mock, "reset-stats", "1", NULL);

  assert_migrated (f);

  fixture_tear_down (f);
}

/* A run that stopped after saving the new item, with only some of the
 * files moved: the next start finishes. */
static void
test_migration_interrupted (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autofree char *alice_id = user_id_of ("alice");
  g_autofree char *legacy_dir = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *moved_path = NULL;
  g_autofree char *old_item = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (f);
  write_legacy_history (f->data_dir);
  write_legacy_session (f);

  /* Step 3 done: the same session under the new item. */
  old_item = lookup_item (f, "session", NULL);
  attributes = item_attributes (f, "account-session", alice_id);
  g_assert_true (secret_password_storev_sync (&test_schema, attributes, SECRET_COLLECTION_DEFAULT,
                                              "Chutes sign-in for alice (127.0.0.1)", old_item,
                                              NULL, &error));
  g_assert_no_error (error);

  /* Step 1 half done: the database moved, attachments/ not yet. */
  legacy_dir = g_build_filename (f->data_dir, "accounts", ".legacy", NULL);
  g_assert_cmpint (g_mkdir_with_parents (legacy_dir, 0700), ==, 0);
  old_path = g_build_filename (f->data_dir, "history.db", NULL);
  moved_path = g_build_filename (legacy_dir, "history.db", NULL);
  g_assert_cmpint (g_rename (old_path, moved_path), ==, 0);
  chutes_test_mock_control (f->mock, "reset-stats", "1", NULL);

  assert_migrated (f);

  fixture_tear_down (f);
}

/* Chutes cannot say who it is (offline): the session goes on from the old
 * item with the same history, and moves over at a later start. */
static void
test_migration_later (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autofree char *shown = NULL;
  ChutesAccount *active;

  fixture_set_up (f);
  write_legacy_history (f->data_dir);
  write_legacy_session (f);

  chutes_test_mock_control (f->mock, "fail", "userinfo-401", "count", "1", NULL);
  accounts = start (f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_accounts_get_model (accounts)), ==, 1);
  active = chutes_accounts_get_active (accounts);
  g_assert_cmpint (chutes_account_get_state (active), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_cmpstr (chutes_account_get_username (active), ==, "alice");
  shown = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (shown, ==, "Trip to Lisbon");
  g_assert_true (item_exists (f, "session", NULL));
  g_clear_pointer (&accounts, stop);

  chutes_test_mock_control (f->mock, "reset-stats", "1", NULL);
  assert_migrated (f);

  fixture_tear_down (f);
}

/* Offline at start, the session goes on from the old item; once the
 * network is back it moves over without waiting for a restart, and its
 * files (in use meanwhile) follow at the next start without the network. */
static void
test_migration_when_network_returns (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(ChutesAccounts) accounts = NULL;
  g_autoptr(GNetworkMonitor) monitor = chutes_test_fake_monitor_new ();
  g_autofree char *alice_id = user_id_of ("alice");
  g_autofree char *shown = NULL;
  g_autofree char *token = NULL;
  gint64 deadline;
  ChutesAccount *active;

  fixture_set_up (f);
  write_legacy_history (f->data_dir);
  write_legacy_session (f);

  chutes_test_mock_control (f->mock, "fail", "userinfo-401", "count", "1", NULL);
  accounts = start (f);
  active = chutes_accounts_get_active (accounts);
  /* Offline, as far as it knows. */
  chutes_account_set_network_monitor (active, monitor);
  g_assert_cmpint (chutes_account_get_state (active), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_assert_null (chutes_account_get_user_id (active));
  shown = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (shown, ==, "Trip to Lisbon");
  g_assert_true (item_exists (f, "session", NULL));

  /* The network comes back: the session moves, in this run. */
  chutes_test_fake_monitor_set_available (monitor, TRUE);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((item_exists (f, "session", NULL) || !item_exists (f, "account-session", alice_id))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (item_exists (f, "session", NULL));
  g_assert_true (item_exists (f, "account-session", alice_id));
  g_assert_true (chutes_accounts_get_active (accounts) == active);
  g_assert_cmpstr (chutes_account_get_user_id (active), ==, alice_id);
  g_assert_true (chutes_accounts_find (accounts, alice_id) == active);
  g_assert_cmpint (chutes_account_get_state (active), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  /* Still chatting in the same history. */
  token = access_token_of (active);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, token));
  g_clear_pointer (&shown, g_free);
  shown = titles (chutes_accounts_get_active_history (accounts), 1);
  g_assert_cmpstr (shown, ==, "Trip to Lisbon");
  g_clear_pointer (&accounts, stop);

  /* --ask meanwhile, beside the window that has them open, finds the
   * files where they are and moves nothing. */
  f->beside_window = TRUE;
  accounts = start (f);
  active = chutes_accounts_find (accounts, alice_id);
  g_assert_nonnull (active);
  g_assert_cmpint (chutes_account_get_state (active), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_clear_pointer (&shown, g_free);
  shown = titles (chutes_accounts_get_history (accounts, active), 1);
  g_assert_cmpstr (shown, ==, "Trip to Lisbon");
  g_clear_pointer (&accounts, stop);
  f->beside_window = FALSE;

  /* The old item back, as if deleting it had failed: the move is
   * committed, so it is deleted, never restored over the session that
   * went on under the account's own item. */
  write_legacy_session (f);

  /* The next start needs no network for the rest. */
  chutes_test_mock_control (f->mock, "reset-stats", "1", NULL);
  assert_migrated (f);
  g_assert_cmpint (chutes_test_mock_get_stat (f->mock, "userinfo_requests"), ==, 0);
  accounts = start (f);
  active = chutes_accounts_find (accounts, alice_id);
  g_clear_pointer (&token, g_free);
  token = access_token_of (active);
  g_assert_true (chutes_test_mock_token_is_active (f->mock, token));
  g_clear_pointer (&accounts, stop);

  fixture_tear_down (f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/accounts/two/each-own-tokens-and-history-sign-out-leaves-the-other",
                   test_two_accounts);
  g_test_add_func ("/accounts/quota/last-seen-kept-across-restart", test_quota_kept);
  g_test_add_func ("/accounts/migration/single-account-install-stays-signed-in-with-history",
                   test_migration);
  g_test_add_func ("/accounts/migration/interrupted-move-is-finished", test_migration_interrupted);
  g_test_add_func ("/accounts/migration/offline-keeps-the-session-and-moves-later",
                   test_migration_later);
  g_test_add_func ("/accounts/migration/offline-moves-when-the-network-returns",
                   test_migration_when_network_returns);

  return g_test_run ();
}
