/* test-token-store.c: sessions and client secrets in a real gnome-keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside a private D-Bus session whose gnome-keyring is unlocked (see
 * /work/shared/TESTING.md). The failure modes run this same binary again as
 * a child in a D-Bus session of its own: one that can start no Secret
 * Service, and one whose keyring is locked with no display for a prompt.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "chutes-error.h"
#include "chutes-test-mock.h"
#include "chutes-token-store.h"

#define IDP_A "https://idp-a.example"
#define IDP_B "http://127.0.0.1:9"

/* Set in a child run in its own D-Bus session. */
#define CHILD_ENV "CHUTES_TEST_KEYRING_CHILD"

static const char *test_binary;

/* The same schema the store uses, spelled out again so the test looks into
 * the keyring with libsecret itself, not through the code under test. */
static const SecretSchema test_schema = {
  "ai.chutes.Desktop.Secret", SECRET_SCHEMA_NONE,
  {
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "idp", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "client-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

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
  g_error ("A keyring call did not complete within %u s", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  guint timeout_id = g_timeout_add_seconds (45, on_wait_expired, GUINT_TO_POINTER (45));

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout_id);

  return *slot;
}

static gboolean
save_session (ChutesTokenStore   *store,
              const char         *client_id,
              const ChutesTokens *tokens,
              GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_save_session_async (store, client_id, tokens, NULL, store_result, &result);

  return chutes_token_store_save_session_finish (store, wait_for_result (&result), error);
}

static ChutesTokens *
load_session (ChutesTokenStore *store,
              const char       *client_id,
              GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_load_session_async (store, client_id, NULL, store_result, &result);

  return chutes_token_store_load_session_finish (store, wait_for_result (&result), error);
}

static gboolean
clear_session (ChutesTokenStore *store,
               const char       *client_id,
               GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_clear_session_async (store, client_id, NULL, store_result, &result);

  return chutes_token_store_clear_session_finish (store, wait_for_result (&result), error);
}

static gboolean
save_secret (ChutesTokenStore *store,
             const char       *client_id,
             const char       *secret,
             GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_save_client_secret_async (store, client_id, secret, NULL,
                                               store_result, &result);

  return chutes_token_store_save_client_secret_finish (store, wait_for_result (&result), error);
}

static char *
load_secret (ChutesTokenStore *store,
             const char       *client_id,
             GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_load_client_secret_async (store, client_id, NULL, store_result, &result);

  return chutes_token_store_load_client_secret_finish (store, wait_for_result (&result), error);
}

static gboolean
clear_secret (ChutesTokenStore *store,
              const char       *client_id,
              GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chutes_token_store_clear_client_secret_async (store, client_id, NULL, store_result, &result);

  return chutes_token_store_clear_client_secret_finish (store, wait_for_result (&result), error);
}

/* Looking into the keyring directly. */
static GHashTable *
raw_attributes (const char *kind,
                const char *idp,
                const char *client_id)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);
  g_hash_table_insert (attributes, (gpointer) "idp", (gpointer) idp);
  g_hash_table_insert (attributes, (gpointer) "client-id", (gpointer) client_id);

  return attributes;
}

static char *
raw_lookup (const char *kind,
            const char *idp,
            const char *client_id)
{
  g_autoptr(GHashTable) attributes = raw_attributes (kind, idp, client_id);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookupv_sync (&test_schema, attributes, NULL, &error);
  g_assert_no_error (error);

  return secret;
}

/* The items matching exactly these attributes, locked or not. */
static GList *
raw_search (const char *kind,
            const char *idp,
            const char *client_id)
{
  g_autoptr(GHashTable) attributes = raw_attributes (kind, idp, client_id);
  g_autoptr(GError) error = NULL;
  GList *items;

  items = secret_password_searchv_sync (&test_schema, attributes, SECRET_SEARCH_ALL,
                                        NULL, &error);
  g_assert_no_error (error);

  return items;
}

static guint
raw_count (const char *kind,
           const char *idp,
           const char *client_id)
{
  GList *items = raw_search (kind, idp, client_id);
  guint count = g_list_length (items);

  g_list_free_full (items, g_object_unref);

  return count;
}

static void
raw_store (const char *kind,
           const char *idp,
           const char *client_id,
           const char *password)
{
  g_autoptr(GHashTable) attributes = raw_attributes (kind, idp, client_id);
  g_autoptr(GError) error = NULL;

  secret_password_storev_sync (&test_schema, attributes, SECRET_COLLECTION_DEFAULT,
                               "planted by test-token-store", password, NULL, &error);
  g_assert_no_error (error);
}

static void
assert_tokens_equal (const ChutesTokens *a,
                     const ChutesTokens *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->access_token, ==, b->access_token);
  g_assert_cmpstr (a->refresh_token, ==, b->refresh_token);
  g_assert_cmpint (a->expires_at, ==, b->expires_at);
  g_assert_cmpint (a->issued_at, ==, b->issued_at);
  g_assert_cmpstr (a->scope, ==, b->scope);
  g_assert_cmpstr (a->username, ==, b->username);
}

/* A saved session comes back whole through another ChutesTokenStore, is
 * really an item of the keyring, and is gone after clearing. */
static void
test_session_round_trip (void)
{
  g_autoptr(ChutesTokenStore) writer = chutes_token_store_new (IDP_A "/");
  g_autoptr(ChutesTokenStore) reader = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(ChutesTokens) after_clear = NULL;
  g_autoptr(GError) error = NULL;
  char *raw;

  tokens = chutes_tokens_new ("cak_roundtrip_access", "crt_roundtrip_refresh",
                              1893456000, "openid profile chutes:invoke", "alice");

  g_assert_true (save_session (writer, "cid_roundtrip", tokens, &error));
  g_assert_no_error (error);

  loaded = load_session (reader, "cid_roundtrip", &error);
  g_assert_no_error (error);
  assert_tokens_equal (loaded, tokens);

  /* In the keyring itself, under the normalized IDP URL. */
  raw = raw_lookup ("session", IDP_A, "cid_roundtrip");
  g_assert_nonnull (raw);
  g_assert_nonnull (strstr (raw, "\"access_token\":\"cak_roundtrip_access\""));
  g_assert_nonnull (strstr (raw, "\"refresh_token\":\"crt_roundtrip_refresh\""));
  g_assert_nonnull (strstr (raw, "\"expires_at\":1893456000"));
  g_assert_nonnull (strstr (raw, "\"username\":\"alice\""));
  secret_password_free (raw);

  g_assert_true (clear_session (reader, "cid_roundtrip", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (raw_count ("session", IDP_A, "cid_roundtrip"), ==, 0);

  after_clear = load_session (writer, "cid_roundtrip", &error);
  g_assert_no_error (error);
  g_assert_null (after_clear);

  /* Clearing what is not there is not an error. */
  g_assert_true (clear_session (reader, "cid_roundtrip", &error));
  g_assert_no_error (error);
}

/* Tokens still to revoke: one item of their own, back whole through
 * another store, and gone once an empty list is saved. An older session
 * without issued_at reads as "unknown". */
static GPtrArray *
load_revocations (ChutesTokenStore *store,
                  const char       *client_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *revocations;

  chutes_token_store_load_revocations_async (store, client_id, NULL, store_result, &result);
  revocations = chutes_token_store_load_revocations_finish (store, wait_for_result (&result),
                                                            &error);
  g_assert_no_error (error);
  g_assert_nonnull (revocations);

  return revocations;
}

static void
save_revocations (ChutesTokenStore *store,
                  const char       *client_id,
                  GPtrArray        *revocations)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chutes_token_store_save_revocations_async (store, client_id, revocations, NULL,
                                             store_result, &result);
  g_assert_true (chutes_token_store_save_revocations_finish (store, wait_for_result (&result),
                                                             &error));
  g_assert_no_error (error);
}

static void
test_revocations_round_trip (void)
{
  g_autoptr(ChutesTokenStore) writer = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokenStore) reader = chutes_token_store_new (IDP_A);
  g_autoptr(GPtrArray) pending =
    g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) planted = NULL;
  g_autoptr(ChutesTokens) old_session = NULL;
  g_autoptr(GError) error = NULL;
  ChutesRevocation *revocation;
  char *raw;

  none = load_revocations (reader, "cid_pending");
  g_assert_cmpuint (none->len, ==, 0);

  revocation = chutes_revocation_new ("crt_pending_refresh", "refresh_token");
  revocation->attempts = 3;
  revocation->since = 1893456000;
  g_ptr_array_add (pending, revocation);
  g_ptr_array_add (pending, chutes_revocation_new ("cak_pending_access", "access_token"));
  save_revocations (writer, "cid_pending", pending);

  loaded = load_revocations (reader, "cid_pending");
  g_assert_cmpuint (loaded->len, ==, 2);
  revocation = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (revocation->token, ==, "crt_pending_refresh");
  g_assert_cmpstr (revocation->hint, ==, "refresh_token");
  g_assert_cmpuint (revocation->attempts, ==, 3);
  g_assert_cmpint (revocation->since, ==, 1893456000);
  revocation = g_ptr_array_index (loaded, 1);
  g_assert_cmpstr (revocation->token, ==, "cak_pending_access");
  g_assert_cmpuint (revocation->attempts, ==, 0);

  /* Its own item: the session of the same client is another one. */
  g_assert_cmpuint (raw_count ("pending-revocation", IDP_A, "cid_pending"), ==, 1);
  g_assert_cmpuint (raw_count ("session", IDP_A, "cid_pending"), ==, 0);

  g_ptr_array_set_size (pending, 0);
  save_revocations (writer, "cid_pending", pending);
  g_assert_cmpuint (raw_count ("pending-revocation", IDP_A, "cid_pending"), ==, 0);

  /* What cannot be read is skipped, what can is kept. */
  raw_store ("pending-revocation", IDP_A, "cid_pending",
             "{\"revoke\":[{\"token\":7},{\"token\":\"\"},\"x\","
             "{\"token\":\"cak_readable\",\"attempts\":\"many\"}]}");
  planted = load_revocations (reader, "cid_pending");
  g_assert_cmpuint (planted->len, ==, 1);
  g_assert_cmpstr (((ChutesRevocation *) g_ptr_array_index (planted, 0))->token, ==,
                   "cak_readable");
  save_revocations (writer, "cid_pending", pending);

  /* A session stored before issued_at existed. */
  raw_store ("session", IDP_A, "cid_pending",
             "{\"access_token\":\"cak_old\",\"expires_at\":1893456000}");
  old_session = load_session (reader, "cid_pending", &error);
  g_assert_no_error (error);
  g_assert_nonnull (old_session);
  g_assert_cmpint (old_session->issued_at, ==, 0);
  g_assert_true (clear_session (reader, "cid_pending", &error));
  raw = raw_lookup ("session", IDP_A, "cid_pending");
  g_assert_null (raw);
}

/* Optional fields stay absent rather than becoming empty strings. */
static void
test_session_without_optional_fields (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) tokens = chutes_tokens_new ("cak_minimal", NULL, 42, NULL, NULL);
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (save_session (store, "cid_minimal", tokens, &error));
  g_assert_no_error (error);

  loaded = load_session (store, "cid_minimal", &error);
  g_assert_no_error (error);
  assert_tokens_equal (loaded, tokens);

  g_assert_true (clear_session (store, "cid_minimal", &error));
}

/* What a person sees in Passwords and Keys. */
static void
test_session_label (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) tokens = chutes_tokens_new ("cak_label", "crt_label", 1, NULL, "alice");
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  GList *items;

  g_assert_true (save_session (store, "cid_label", tokens, &error));
  g_assert_no_error (error);

  items = raw_search ("session", IDP_A, "cid_label");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  label = secret_retrievable_get_label (items->data);
  g_assert_cmpstr (label, ==, "Chutes sign-in for alice (idp-a.example)");
  g_list_free_full (items, g_object_unref);

  g_assert_true (save_secret (store, "cid_label", "csc_label", &error));
  items = raw_search ("client-secret", IDP_A, "cid_label");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_pointer (&label, g_free);
  label = secret_retrievable_get_label (items->data);
  g_assert_cmpstr (label, ==, "Chutes OAuth client secret (idp-a.example)");
  g_list_free_full (items, g_object_unref);

  clear_session (store, "cid_label", NULL);
  clear_secret (store, "cid_label", NULL);
}

/* Saving again replaces the item: one item, the newest pair. */
static void
test_session_overwrite (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) first = chutes_tokens_new ("cak_first", "crt_first", 100, NULL, "al");
  g_autoptr(ChutesTokens) second = chutes_tokens_new ("cak_second", "crt_second", 200, NULL, "al");
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (save_session (store, "cid_overwrite", first, &error));
  g_assert_true (save_session (store, "cid_overwrite", second, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (raw_count ("session", IDP_A, "cid_overwrite"), ==, 1);

  loaded = load_session (store, "cid_overwrite", &error);
  g_assert_no_error (error);
  assert_tokens_equal (loaded, second);

  clear_session (store, "cid_overwrite", NULL);
}

/* A demo server's session never shows up for chutes.ai, nor another
 * client's. */
static void
test_sessions_do_not_mix (void)
{
  g_autoptr(ChutesTokenStore) store_a = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokenStore) store_b = chutes_token_store_new (IDP_B);
  g_autoptr(ChutesTokens) tokens_a = chutes_tokens_new ("cak_idp_a", "crt_idp_a", 1, NULL, "alice");
  g_autoptr(ChutesTokens) tokens_b = chutes_tokens_new ("cak_idp_b", "crt_idp_b", 2, NULL, "bob");
  g_autoptr(ChutesTokens) loaded_a = NULL;
  g_autoptr(ChutesTokens) loaded_b = NULL;
  g_autoptr(ChutesTokens) other_client = NULL;
  g_autoptr(ChutesTokens) after_clear = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (save_session (store_a, "cid_mix", tokens_a, &error));
  g_assert_true (save_session (store_b, "cid_mix", tokens_b, &error));
  g_assert_no_error (error);

  loaded_a = load_session (store_a, "cid_mix", &error);
  loaded_b = load_session (store_b, "cid_mix", &error);
  g_assert_no_error (error);
  assert_tokens_equal (loaded_a, tokens_a);
  assert_tokens_equal (loaded_b, tokens_b);

  other_client = load_session (store_a, "cid_mix_other", &error);
  g_assert_no_error (error);
  g_assert_null (other_client);

  /* Clearing one leaves the other. */
  g_assert_true (clear_session (store_b, "cid_mix", &error));
  after_clear = load_session (store_b, "cid_mix", &error);
  g_assert_null (after_clear);
  g_clear_pointer (&loaded_a, chutes_tokens_free);
  loaded_a = load_session (store_a, "cid_mix", &error);
  g_assert_no_error (error);
  assert_tokens_equal (loaded_a, tokens_a);

  /* Changing the store's IDP scopes later calls. */
  chutes_token_store_set_idp_base_url (store_b, IDP_A);
  g_clear_pointer (&loaded_b, chutes_tokens_free);
  loaded_b = load_session (store_b, "cid_mix", &error);
  assert_tokens_equal (loaded_b, tokens_a);

  clear_session (store_a, "cid_mix", NULL);
}

/* Something we cannot read is treated as nothing stored and removed. */
static void
test_session_unreadable (void)
{
  const char *unreadable[] = {
    "not json at all",
    "[\"cak_array\"]",
    "{\"refresh_token\":\"crt_no_access\",\"expires_at\":5}",
    "{\"access_token\":\"\",\"expires_at\":5}",
    "{\"access_token\":\"cak_bad_expiry\",\"expires_at\":\"soon\"}",
    "{\"access_token\":\"cak_no_expiry\"}",
    "{\"access_token\":7,\"expires_at\":5}",
    "{\"access_token\":\"cak_bad_user\",\"expires_at\":5,\"username\":[]}",
  };
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);

  for (guint i = 0; i < G_N_ELEMENTS (unreadable); i++)
    {
      g_autoptr(ChutesTokens) loaded = NULL;
      g_autoptr(GError) error = NULL;

      raw_store ("session", IDP_A, "cid_unreadable", unreadable[i]);
      g_assert_cmpuint (raw_count ("session", IDP_A, "cid_unreadable"), ==, 1);

      loaded = load_session (store, "cid_unreadable", &error);
      g_assert_no_error (error);
      g_assert_null (loaded);
      g_assert_cmpuint (raw_count ("session", IDP_A, "cid_unreadable"), ==, 0);
    }

  g_assert_nonnull (strstr (chutes_test_get_recorded_logs (), "cannot be read"));
}

/* A keyring item nested 100,000 deep (anything may write the keyring)
 * crashed json-glib; it is unreadable like any other. */
static void
test_session_deep_is_forgotten (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;
  GString *deep = g_string_new ("{\"access_token\":\"cak_deep\",\"expires_at\":5,\"x\":");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');

  raw_store ("session", IDP_A, "cid_deep", deep->str);
  loaded = load_session (store, "cid_deep", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_assert_cmpuint (raw_count ("session", IDP_A, "cid_deep"), ==, 0);
  g_string_free (deep, TRUE);
}

static void
test_client_secret_round_trip (void)
{
  g_autoptr(ChutesTokenStore) writer = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokenStore) reader = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) session = chutes_tokens_new ("cak_beside_secret", NULL, 1, NULL, NULL);
  g_autoptr(ChutesTokens) session_after = NULL;
  g_autoptr(GError) error = NULL;
  char *loaded;
  char *raw;

  loaded = load_secret (reader, "cid_secret", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);

  g_assert_true (save_secret (writer, "cid_secret", "csc_first_secret", &error));
  g_assert_true (save_secret (writer, "cid_secret", "csc_the_secret", &error));
  g_assert_true (save_session (writer, "cid_secret", session, &error));
  g_assert_no_error (error);

  loaded = load_secret (reader, "cid_secret", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded, ==, "csc_the_secret");
  chutes_secret_free (loaded);

  raw = raw_lookup ("client-secret", IDP_A, "cid_secret");
  g_assert_cmpstr (raw, ==, "csc_the_secret");
  secret_password_free (raw);
  g_assert_cmpuint (raw_count ("client-secret", IDP_A, "cid_secret"), ==, 1);

  /* Another IDP does not see it. */
  chutes_token_store_set_idp_base_url (reader, IDP_B);
  loaded = load_secret (reader, "cid_secret", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  chutes_token_store_set_idp_base_url (reader, IDP_A);

  /* Clearing the secret leaves the session of the same client alone. */
  g_assert_true (clear_secret (reader, "cid_secret", &error));
  g_assert_no_error (error);
  loaded = load_secret (writer, "cid_secret", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
  g_assert_cmpuint (raw_count ("client-secret", IDP_A, "cid_secret"), ==, 0);

  session_after = load_session (reader, "cid_secret", &error);
  g_assert_no_error (error);
  assert_tokens_equal (session_after, session);
  clear_session (reader, "cid_secret", NULL);
}

/* A cancel is reported as a cancel, not as a keyring problem. */
static void
test_cancelled_call (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) tokens = chutes_tokens_new ("cak_cancelled", NULL, 1, NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  ChutesTokens *loaded;

  g_cancellable_cancel (cancellable);
  chutes_token_store_save_session_async (store, "cid_cancelled", tokens, cancellable,
                                         store_result, &result);
  g_assert_false (chutes_token_store_save_session_finish (store, wait_for_result (&result),
                                                          &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while in flight. */
  g_cancellable_reset (cancellable);
  chutes_token_store_load_session_async (store, "cid_cancelled", cancellable,
                                         store_result, &result2);
  g_cancellable_cancel (cancellable);
  loaded = chutes_token_store_load_session_finish (store, wait_for_result (&result2), &error);
  g_assert_null (loaded);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (raw_count ("session", IDP_A, "cid_cancelled"), ==, 0);
}

/* Whatever is saved, a token never lands on disk in clear text (the
 * keyring file is encrypted). */
static void
test_nothing_in_clear_on_disk (void)
{
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new (IDP_A);
  g_autoptr(ChutesTokens) tokens = chutes_tokens_new ("cak_must_not_be_on_disk",
                                                      "crt_must_not_be_on_disk",
                                                      1, NULL, "alice");
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;

  g_assert_true (save_session (store, "cid_disk", tokens, &error));
  g_assert_true (save_secret (store, "cid_disk", "csc_must_not_be_on_disk", &error));
  g_assert_no_error (error);

  /* It is in the persistent keyring, not only in memory... */
  raw = raw_lookup ("client-secret", IDP_A, "cid_disk");
  g_assert_cmpstr (raw, ==, "csc_must_not_be_on_disk");

  /* ...and no file of this session's HOME holds it in clear. */
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_home_dir (), "must_not_be_on_disk"), ==, 0);
  g_assert_cmpuint (chutes_test_count_files_containing (g_get_user_data_dir (), "must_not_be_on_disk"), ==, 0);

  clear_session (store, "cid_disk", NULL);
  clear_secret (store, "cid_disk", NULL);
}

/* The failure modes, each in a D-Bus session of its own; @role tells the
 * child what to do. */
static void
run_child (const char * const *argv,
           const char         *home,
           const char         *role)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, CHILD_ENV, role, TRUE);
  /* No display: nothing can show a prompt. */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  if (home != NULL)
    {
      g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
      g_autofree char *conf = g_build_filename (home, ".config", NULL);
      g_autofree char *runtime = g_build_filename (home, "runtime", NULL);

      g_assert_no_errno (g_mkdir_with_parents (runtime, 0700));
      g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", conf, TRUE);
      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
    }

  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);

  g_test_message ("child output:\n%s", output);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  /* The child really ran the test and it passed. */
  g_assert_nonnull (strstr (output, "ok 1 "));
  g_assert_null (strstr (output, "not ok"));
}

static void
run_child_without_secret_service (const char *test_path)
{
  g_autofree char *config = g_build_filename (g_getenv ("CHUTES_TEST_SRCDIR"), "keyring",
                                              "no-secret-service.conf", NULL);
  g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
  const char *argv[] = {
    "dbus-run-session", config_arg, "--", test_binary, "-p", test_path, NULL
  };

  g_assert_true (g_file_test (config, G_FILE_TEST_EXISTS));
  run_child (argv, NULL, "no-service");
}

/* gnome-keyring starts without --unlock, so the login keyring stays locked,
 * and there is no display for a prompt. */
static void
run_child_with_locked_keyring (const char *test_path,
                               const char *home)
{
  const char *argv[] = {
    "dbus-run-session", "--", "sh", "-c",
    "gnome-keyring-daemon --daemonize --components=secrets >/dev/null && exec \"$@\"",
    "sh", test_binary, "-p", test_path, NULL
  };

  run_child (argv, home, "locked");
}

/* The same HOME, unlocked with the password "test-pass". */
static void
run_child_with_unlocked_keyring (const char *test_path,
                                 const char *home)
{
  const char *argv[] = {
    "dbus-run-session", "--", "sh", "-c",
    "echo -n test-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null "
    "&& exec \"$@\"",
    "sh", test_binary, "-p", test_path, NULL
  };

  run_child (argv, home, "unlocked");
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }

  g_rmdir (path);
}

/* A store timeout longer than wait_for_result()'s watchdog: a call that
 * completes under it was answered by the keyring, not given up by the
 * store, and one that hangs fails the test. */
#define TIMEOUT_NEVER_REACHED 3600

static void
test_no_secret_service (void)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  if (g_getenv (CHILD_ENV) == NULL)
    {
      run_child_without_secret_service ("/keyring/unavailable/reported-at-once");
      return;
    }

  /* At once: from D-Bus's answer, never from the store's timeout (which
   * would say "locked", not "unavailable"). */
  store = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (store, TIMEOUT_NEVER_REACHED);
  tokens = chutes_tokens_new ("cak_nowhere", "crt_nowhere", 1, NULL, "alice");

  g_assert_false (save_session (store, "cid_nowhere", tokens, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "No keyring is available"));
  g_clear_error (&error);

  loaded = load_session (store, "cid_nowhere", &error);
  g_assert_null (loaded);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE);
  g_clear_error (&error);

  g_assert_false (clear_session (store, "cid_nowhere", &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE);
  g_clear_error (&error);

  g_assert_false (save_secret (store, "cid_nowhere", "csc_nowhere", &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE);
  g_clear_error (&error);

  secret = load_secret (store, "cid_nowhere", &error);
  g_assert_null (secret);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE);
}

static void
test_locked_keyring (void)
{
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv (CHILD_ENV) == NULL)
    {
      g_autofree char *home = g_dir_make_tmp ("chutes-locked-XXXXXX", NULL);

      /* The login keyring does not even exist yet in this fresh HOME. */
      run_child_with_locked_keyring ("/keyring/locked/reported-quickly", home);
      remove_tree (home);
      return;
    }

  g_assert_null (g_getenv ("DISPLAY"));

  /* Quickly: gnome-keyring's own answer says "locked"; the store's timeout
   * is out of reach, so it cannot be what ends the calls. */
  store = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (store, TIMEOUT_NEVER_REACHED);
  tokens = chutes_tokens_new ("cak_locked", "crt_locked", 1, NULL, "alice");

  g_assert_false (save_session (store, "cid_locked", tokens, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_assert_nonnull (strstr (error->message, "locked"));
  g_clear_error (&error);

  g_assert_false (save_secret (store, "cid_locked", "csc_locked", &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
}

/* Items saved earlier, now in a locked keyring that cannot be unlocked:
 * libsecret alone would say "nothing stored"; the store says "locked". */
static void
test_locked_stored_items (void)
{
  const char *path = "/keyring/locked/saved-items-reported-locked";
  const char *role = g_getenv (CHILD_ENV);
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  if (role == NULL)
    {
      g_autofree char *home = g_dir_make_tmp ("chutes-locked-XXXXXX", NULL);

      run_child_with_unlocked_keyring (path, home);
      run_child_with_locked_keyring (path, home);
      remove_tree (home);
      return;
    }

  /* As above: answered by the keyring, not ended by the store's timeout. */
  store = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (store, TIMEOUT_NEVER_REACHED);
  tokens = chutes_tokens_new ("cak_in_locked", "crt_in_locked", 1, NULL, "alice");

  if (g_str_equal (role, "unlocked"))
    {
      g_assert_true (save_session (store, "cid_in_locked", tokens, &error));
      g_assert_true (save_secret (store, "cid_in_locked", "csc_in_locked", &error));
      g_assert_no_error (error);
      return;
    }

  g_assert_cmpstr (role, ==, "locked");

  loaded = load_session (store, "cid_in_locked", &error);
  g_assert_null (loaded);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  secret = load_secret (store, "cid_in_locked", &error);
  g_assert_null (secret);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  g_assert_false (clear_session (store, "cid_in_locked", &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  g_assert_false (save_session (store, "cid_in_locked", tokens, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  /* Nothing saved under another client: still "nothing stored". */
  loaded = load_session (store, "cid_never_saved", &error);
  g_assert_no_error (error);
  g_assert_null (loaded);
}

/* A second connection of this process, owning @name on the session bus. */
static GDBusConnection *
connect_owning (const char *name)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 request_result;

  connection = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", name, 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &request_result);
  g_assert_cmpuint (request_result, ==, 1); /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */

  return g_steal_pointer (&connection);
}

/* A Secret Service that never answers (a prompt nobody looks at): the
 * call gives up after the store's timeout, as "locked". The service is a
 * second connection of this process that owns org.freedesktop.secrets and
 * swallows every call. */
static gint swallowed_calls;

static GDBusMessage *
swallow_method_calls (GDBusConnection *connection,
                      GDBusMessage    *message,
                      gboolean         incoming,
                      gpointer         user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_atomic_int_inc (&swallowed_calls);
      /* This runs in GDBus's thread: let the test's main loop see it. */
      g_main_context_wakeup (NULL);
      g_object_unref (message);
      return NULL;
    }

  return message;
}

static gboolean
on_swallow_wait_expired (gpointer user_data)
{
  g_error ("The first keyring call never reached the service");
  return G_SOURCE_REMOVE;
}

/* No stopwatch decides this test. A first call, whose store timeout is
 * out of reach, reaches the silent service; then a second call, with a
 * store timeout of 1 s, starts. Nothing but its store can end the second
 * call while the first still waits: whatever timeout D-Bus or libsecret
 * apply would end the earlier call first (and without the store's, the
 * second call trips wait_for_result()'s watchdog). */
static void
test_unanswered_call_times_out (void)
{
  g_autoptr(GDBusConnection) service = NULL;
  g_autoptr(ChutesTokenStore) patient = NULL;
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GCancellable) patient_cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) patient_result = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint watchdog;
  double elapsed;
  gint64 start;

  if (g_getenv (CHILD_ENV) == NULL)
    {
      run_child_without_secret_service ("/keyring/locked/unanswered-call-times-out");
      return;
    }

  service = connect_owning ("org.freedesktop.secrets");
  g_dbus_connection_add_filter (service, swallow_method_calls, NULL, NULL);

  tokens = chutes_tokens_new ("cak_unanswered", NULL, 1, NULL, NULL);

  patient = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (patient, TIMEOUT_NEVER_REACHED);
  chutes_token_store_save_session_async (patient, "cid_patient", tokens, patient_cancellable,
                                         store_result, &patient_result);
  watchdog = g_timeout_add_seconds (30, on_swallow_wait_expired, NULL);
  while (g_atomic_int_get (&swallowed_calls) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (watchdog);

  store = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (store, 1);

  start = g_get_monotonic_time ();
  chutes_token_store_save_session_async (store, "cid_unanswered", tokens, NULL,
                                         store_result, &result);
  g_assert_false (chutes_token_store_save_session_finish (store, wait_for_result (&result),
                                                          &error));
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_null (patient_result);

  /* It did wait for an answer first. A lower bound only: a slow machine
   * can make this longer, never shorter. */
  g_test_message ("gave up after %.2f s", elapsed);
  g_assert_cmpfloat (elapsed, >=, 0.9);

  /* The first call ends when its caller cancels it. */
  g_cancellable_cancel (patient_cancellable);
  g_assert_false (chutes_token_store_save_session_finish (patient,
                                                          wait_for_result (&patient_result),
                                                          &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Inside Flatpak (or Snap) libsecret keeps secrets in a file whose key
 * comes from the Secret portal. Here the portal takes the request and
 * never answers (a dialog nobody looks at, or an answer libsecret 0.20.5
 * missed: it listens only once its call has returned). The call gives up
 * after the store's timeout, as "locked", and the application goes on:
 * cancelling that wait deadlocks libsecret before 0.21.0, so the store
 * must not cancel it there. The portal is a second connection of this
 * process; SECRET_BACKEND and SNAP_NAME put libsecret on that path. */
static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Secret'>"
  "    <method name='RetrieveSecret'>"
  "      <arg type='h' direction='in'/><arg type='a{sv}' direction='in'/>"
  "      <arg type='o' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Request'><method name='Close'/></interface>"
  "</node>";
#define PORTAL_REQUEST "/org/freedesktop/portal/desktop/request/1_1/chutes"

static gint portal_requests;

static void
on_portal_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *interface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  if (g_str_equal (method, "RetrieveSecret"))
    {
      g_atomic_int_inc (&portal_requests);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", PORTAL_REQUEST));
    }
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
test_unanswered_portal_gives_up (void)
{
  static const GDBusInterfaceVTable vtable = { on_portal_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GDBusConnection) portal = NULL;
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) loaded = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv (CHILD_ENV) == NULL)
    {
      g_autofree char *config = g_build_filename (g_getenv ("CHUTES_TEST_SRCDIR"), "keyring",
                                                  "no-secret-service.conf", NULL);
      g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
      const char *argv[] = {
        "dbus-run-session", config_arg, "--", "env", "SECRET_BACKEND=file",
        "SNAP_NAME=chutes-test", test_binary, "-p", "/keyring/portal/unanswered-request-gives-up",
        NULL
      };

      run_child (argv, NULL, "portal");
      return;
    }

  node = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  portal = connect_owning ("org.freedesktop.portal.Desktop");
  g_dbus_connection_register_object (portal, "/org/freedesktop/portal/desktop",
                                     node->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (portal, PORTAL_REQUEST, node->interfaces[1], &vtable,
                                     NULL, NULL, &error);
  g_assert_no_error (error);

  store = chutes_token_store_new (IDP_A);
  chutes_token_store_set_timeout (store, 1);
  loaded = load_session (store, "cid_portal", &error);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED);
  g_assert_null (loaded);
  g_assert_cmpint (g_atomic_int_get (&portal_requests), ==, 1);
}

/* Runs last: all the above, with every debug message recorded. */
static void
test_logs_hold_no_secret (void)
{
  g_assert_cmpuint (strlen (chutes_test_get_recorded_logs ()), >, 0);
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

  g_test_add_func ("/keyring/session/round-trip-through-a-new-store", test_session_round_trip);
  g_test_add_func ("/keyring/session/optional-fields-stay-empty",
                   test_session_without_optional_fields);
  g_test_add_func ("/keyring/session/labels-name-the-person", test_session_label);
  g_test_add_func ("/keyring/session/saving-again-replaces-the-item", test_session_overwrite);
  g_test_add_func ("/keyring/session/idps-and-clients-do-not-mix", test_sessions_do_not_mix);
  g_test_add_func ("/keyring/session/unreadable-item-is-forgotten", test_session_unreadable);
  g_test_add_func ("/keyring/session/deep-item-is-forgotten-not-a-crash",
                   test_session_deep_is_forgotten);
  g_test_add_func ("/keyring/revocations/own-item-round-trip-and-cleared",
                   test_revocations_round_trip);
  g_test_add_func ("/keyring/client-secret/round-trip-through-a-new-store",
                   test_client_secret_round_trip);
  g_test_add_func ("/keyring/cancel-is-not-a-keyring-problem", test_cancelled_call);
  g_test_add_func ("/keyring/nothing-in-clear-on-disk", test_nothing_in_clear_on_disk);
  g_test_add_func ("/keyring/unavailable/reported-at-once", test_no_secret_service);
  g_test_add_func ("/keyring/locked/reported-quickly", test_locked_keyring);
  g_test_add_func ("/keyring/locked/saved-items-reported-locked", test_locked_stored_items);
  g_test_add_func ("/keyring/locked/unanswered-call-times-out", test_unanswered_call_times_out);
  g_test_add_func ("/keyring/portal/unanswered-request-gives-up", test_unanswered_portal_gives_up);
  g_test_add_func ("/logs/hold-no-secret", test_logs_hold_no_secret);

  return g_test_run ();
}
