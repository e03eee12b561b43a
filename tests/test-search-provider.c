/* test-search-provider.c: GNOME Shell's search finds conversations over D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "chutes-history.h"
#include "chutes-search-provider.h"
#include "chutes-test-mock.h"

#define OBJECT_PATH "/ai/chutes/Desktop/SearchProvider"
#define INTERFACE "org.gnome.Shell.SearchProvider2"

typedef struct
{
  GDBusConnection      *server;     /* the provider's side */
  GDBusConnection      *client;     /* the Shell's side */
  char                 *dir;
  ChutesHistory        *history;
  ChutesSearchProvider *provider;
  gint64                rust_id;     /* titled "Rust lifetimes" */
  gint64                markup_id;   /* a message with markup in it */
  gint64                markup_message_id;
  gint64                zebra_old_id;
  gint64                zebra_new_id;
  gint64                zebra_new_message_id;
} Fixture;

static gint64
create_conversation (ChutesHistory *history,
                     const char    *title)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_create_conversation_async (history, title, "model/a", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  summary = chutes_history_create_conversation_finish (history, result, &error);
  g_assert_no_error (error);

  return chutes_chat_summary_get_id (summary);
}

static gint64
append_message (ChutesHistory *history,
                gint64         conversation_id,
                const char    *content)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, content);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_append_message_async (history, conversation_id, message, NULL,
                                       chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_append_message_finish (history, result, &error));
  g_assert_no_error (error);

  return chutes_message_get_id (message);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *address = NULL;
  GAsyncResult *slot = NULL;

  /* Two connections to the session bus the tests run in (GTestDBus
   * leaves its bus behind when a test aborts). */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->server = g_dbus_connection_new_for_address_sync (address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  f->client = g_dbus_connection_new_for_address_sync (address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("chutes-search-provider-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "history.db", NULL);
  f->history = chutes_history_new (path);
  chutes_history_open_async (f->history, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_open_finish (f->history, result, &error));
  g_assert_no_error (error);

  /* Oldest first: the newest conversation is listed first. */
  f->zebra_old_id = create_conversation (f->history, "Animals");
  append_message (f->history, f->zebra_old_id, "Tell me about the zebra and its stripes");
  f->rust_id = create_conversation (f->history, "Rust lifetimes");
  append_message (f->history, f->rust_id, "Why does the borrow checker complain?");
  f->markup_id = create_conversation (f->history, "<b>Bold</b> & co");
  f->markup_message_id = append_message (f->history, f->markup_id,
                                         "Render <i>this</i> &amp; keep\nquasar literal");
  f->zebra_new_id = create_conversation (f->history, "Savanna trip");
  append_message (f->history, f->zebra_new_id, "Packing list for the trip");
  f->zebra_new_message_id = append_message (f->history, f->zebra_new_id,
                                            "We saw a zebra at dawn near the river");

  f->provider = chutes_search_provider_new (f->history);
  g_assert_true (chutes_search_provider_export (f->provider, f->server, OBJECT_PATH, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  chutes_search_provider_unexport (f->provider);
  g_assert_finalize_object (g_steal_pointer (&f->provider));
  chutes_history_close (f->history);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (g_steal_pointer (&f->history));

  g_dbus_connection_close_sync (f->server, NULL, NULL);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->server);
  g_clear_object (&f->client);

  {
    g_autofree char *path = g_build_filename (f->dir, "history.db", NULL);
    g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (f->dir, name, NULL);
        g_unlink (file);
      }
    g_rmdir (f->dir);
  }
  g_clear_pointer (&f->dir, g_free);
}

/* Calls @method as the Shell does, letting the provider answer on this
 * same main context. */
static GVariant *
call (Fixture    *f,
      const char *method,
      GVariant   *parameters,
      GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  g_dbus_connection_call (f->client, g_dbus_connection_get_unique_name (f->server),
                          OBJECT_PATH, INTERFACE, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 10000, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);

  return g_dbus_connection_call_finish (f->client, result, error);
}

static char **
initial_result_set (Fixture            *f,
                    const char *const  *terms)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char **ids = NULL;

  reply = call (f, "GetInitialResultSet", g_variant_new ("(^as)", terms), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^as)", &ids);

  return ids;
}

static char *
result_id (gint64 conversation_id,
           gint64 message_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, conversation_id, message_id);
}

static void
test_finds_message_text (Fixture       *f,
                         gconstpointer  data)
{
  const char *terms[] = { "zeb", NULL };
  g_auto(GStrv) ids = initial_result_set (f, terms);
  g_autofree char *newest = result_id (f->zebra_new_id, f->zebra_new_message_id);

  /* Both conversations, the newest hit first, each pointing at the message. */
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, newest);
  g_assert_true (g_str_has_prefix (ids[1], "1:"));
  g_assert_cmpint (f->zebra_old_id, ==, 1);
}

static void
test_common_word (Fixture       *f,
                  gconstpointer  data)
{
  const char *terms[] = { "zebra", NULL };
  g_auto(GStrv) ids = NULL;
  g_autofree char *newest = NULL;
  gint64 newest_message_id = 0;

  /* More hits in the newest conversation than a search returns: the
   * older conversation that mentions the word once is still found. */
  for (guint i = 0; i < CHUTES_HISTORY_MAX_HITS + 50; i++)
    newest_message_id = append_message (f->history, f->zebra_new_id, "Another zebra, look");

  ids = initial_result_set (f, terms);
  newest = result_id (f->zebra_new_id, newest_message_id);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, newest);
  g_assert_true (g_str_has_prefix (ids[1], "1:"));
}

static void
test_title_and_message_together (Fixture       *f,
                                 gconstpointer  data)
{
  /* "Rust" only in the title, "borrow" only in its message. */
  const char *terms[] = { "rust", "borrow", NULL };
  const char *nowhere[] = { "rust", "zebra", NULL };
  g_auto(GStrv) ids = initial_result_set (f, terms);
  g_auto(GStrv) none = initial_result_set (f, nowhere);
  g_autofree char *prefix = g_strdup_printf ("%" G_GINT64_FORMAT ":", f->rust_id);

  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_true (g_str_has_prefix (ids[0], prefix));
  g_assert_false (g_str_has_suffix (ids[0], ":0"));
  /* The words must all be there, in the title or in one message. */
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

static void
test_finds_title (Fixture       *f,
                  gconstpointer  data)
{
  const char *terms[] = { "RUST", "life", NULL };
  const char *savanna[] = { "savanna", NULL };
  g_auto(GStrv) ids = initial_result_set (f, terms);
  g_auto(GStrv) savanna_ids = initial_result_set (f, savanna);
  g_autofree char *rust = result_id (f->rust_id, 0);
  g_autofree char *trip = result_id (f->zebra_new_id, 0);

  g_assert_cmpstrv (ids, ((const char *[]) { rust, NULL }));
  g_assert_cmpstrv (savanna_ids, ((const char *[]) { trip, NULL }));
}

static void
test_nothing_found (Fixture       *f,
                    gconstpointer  data)
{
  const char *terms[] = { "xylophone", NULL };
  const char *punctuation[] = { "\"*", "-", NULL };
  g_auto(GStrv) ids = initial_result_set (f, terms);
  g_auto(GStrv) none = initial_result_set (f, punctuation);

  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

static void
test_subsearch_narrows (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *newest = result_id (f->zebra_new_id, f->zebra_new_message_id);
  g_autofree char *rust = result_id (f->rust_id, 0);
  const char *previous[] = { newest, rust, NULL };
  const char *terms[] = { "zebra", "dawn", NULL };
  const char *everything[] = { "the", NULL };
  const char *savanna[] = { "savanna", "tri", NULL };
  g_autofree char *trip_prefix = g_strdup_printf ("%" G_GINT64_FORMAT ":", f->zebra_new_id);
  g_autofree char *rust_prefix = g_strdup_printf ("%" G_GINT64_FORMAT ":", f->rust_id);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;

  reply = call (f, "GetSubsearchResultSet", g_variant_new ("(^as^as)", previous, terms), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^as)", &ids);
  g_assert_cmpstrv (ids, ((const char *[]) { newest, NULL }));
  g_clear_pointer (&ids, g_strfreev);
  g_clear_pointer (&reply, g_variant_unref);

  /* Only the conversations found before: "the" is in the old zebra chat
   * too, but that was not among them. */
  reply = call (f, "GetSubsearchResultSet", g_variant_new ("(^as^as)", previous, everything), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^as)", &ids);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_true (g_str_has_prefix (ids[0], trip_prefix));
  g_assert_true (g_str_has_prefix (ids[1], rust_prefix));
  g_clear_pointer (&ids, g_strfreev);
  g_clear_pointer (&reply, g_variant_unref);

  /* Words now found in the title only: still the hit found before. */
  reply = call (f, "GetSubsearchResultSet", g_variant_new ("(^as^as)", previous, savanna), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^as)", &ids);
  g_assert_cmpstrv (ids, ((const char *[]) { newest, NULL }));
}

static GVariant *
lookup_meta (GVariant   *metas,
             const char *id)
{
  GVariantIter iter;
  GVariant *meta;

  g_variant_iter_init (&iter, metas);
  while ((meta = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *meta_id = NULL;

      if (g_variant_lookup (meta, "id", "&s", &meta_id) && g_str_equal (meta_id, id))
        return meta;
      g_variant_unref (meta);
    }

  return NULL;
}

static void
test_metas_literal (Fixture       *f,
                    gconstpointer  data)
{
  const char *terms[] = { "quasar", NULL };
  g_auto(GStrv) ids = initial_result_set (f, terms);
  g_autofree char *id = result_id (f->markup_id, f->markup_message_id);
  g_autofree char *rust = result_id (f->rust_id, 0);
  const char *asked[] = { id, rust, "not-an-id", NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) metas = NULL;
  g_autoptr(GVariant) meta = NULL;
  g_autoptr(GVariant) rust_meta = NULL;
  g_autoptr(GVariant) icon = NULL;
  g_autoptr(GError) error = NULL;
  const char *name, *description, *gicon;

  g_assert_cmpstrv (ids, ((const char *[]) { id, NULL }));

  reply = call (f, "GetResultMetas", g_variant_new ("(^as)", asked), &error);
  g_assert_no_error (error);
  metas = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (metas), ==, 2);

  meta = lookup_meta (metas, id);
  g_assert_nonnull (meta);
  g_assert_true (g_variant_lookup (meta, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "<b>Bold</b> & co");
  g_assert_true (g_variant_lookup (meta, "description", "&s", &description));
  /* As typed, on one line: the Shell escapes it itself. */
  g_assert_cmpstr (description, ==, "Render <i>this</i> &amp; keep quasar literal");
  g_assert_true (g_variant_lookup (meta, "gicon", "&s", &gicon));
  g_assert_cmpstr (gicon, ==, APP_ID);
  icon = g_variant_lookup_value (meta, "icon", NULL);
  g_assert_nonnull (icon);

  /* Asked for without a search first (a Shell restarted): the title. */
  rust_meta = lookup_meta (metas, rust);
  g_assert_nonnull (rust_meta);
  g_assert_true (g_variant_lookup (rust_meta, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "Rust lifetimes");
}

static void
test_disabled_finds_nothing (Fixture       *f,
                             gconstpointer  data)
{
  const char *terms[] = { "zebra", NULL };
  g_auto(GStrv) before = initial_result_set (f, terms);
  g_auto(GStrv) after = NULL;

  g_assert_cmpuint (g_strv_length (before), ==, 2);
  chutes_search_provider_set_enabled (f->provider, FALSE);
  after = initial_result_set (f, terms);
  g_assert_cmpuint (g_strv_length (after), ==, 0);
}

static void
activate_result_cb (ChutesSearchProvider *provider,
                    gint64                conversation_id,
                    gint64                message_id,
                    guint                 timestamp,
                    gint64               *out)
{
  out[0] = conversation_id;
  out[1] = message_id;
  out[2] = timestamp;
}

static void
launch_search_cb (ChutesSearchProvider  *provider,
                  const char            *text,
                  guint                  timestamp,
                  char                 **out)
{
  g_free (*out);
  *out = g_strdup_printf ("%s@%u", text, timestamp);
}

static void
test_activate_and_launch (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *id = result_id (f->zebra_new_id, f->zebra_new_message_id);
  const char *terms[] = { "zebra", "dawn", NULL };
  gint64 activated[3] = { 0, };
  g_autofree char *launched = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (f->provider, "activate-result", G_CALLBACK (activate_result_cb), activated);
  g_signal_connect (f->provider, "launch-search", G_CALLBACK (launch_search_cb), &launched);

  reply = call (f, "ActivateResult", g_variant_new ("(s^asu)", id, terms, 1234), &error);
  g_assert_no_error (error);
  g_assert_cmpint (activated[0], ==, f->zebra_new_id);
  g_assert_cmpint (activated[1], ==, f->zebra_new_message_id);
  g_assert_cmpint (activated[2], ==, 1234);
  g_clear_pointer (&reply, g_variant_unref);

  /* Something the provider never returned is refused, and opens nothing. */
  activated[0] = 0;
  reply = call (f, "ActivateResult", g_variant_new ("(s^asu)", "../x", terms, 1), &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_null (reply);
  g_assert_cmpint (activated[0], ==, 0);
  g_clear_error (&error);

  reply = call (f, "LaunchSearch", g_variant_new ("(^asu)", terms, 99), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (launched, ==, "zebra dawn@99");
}

/* Units: the description and the title match */

static void
test_description_bounded (void)
{
  g_autoptr(GString) lorem = g_string_new (NULL);
  g_autofree char *description = NULL;
  g_autofree char *short_one = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *exact_text = g_strnfill (CHUTES_SEARCH_PROVIDER_MAX_DESCRIPTION, 'a');

  for (guint i = 0; i < 100; i++)
    g_string_append (lorem, "ünïcode <tag> ");

  description = chutes_search_provider_make_description (lorem->str);
  g_assert_true (g_utf8_validate (description, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (description, -1), ==, CHUTES_SEARCH_PROVIDER_MAX_DESCRIPTION);
  g_assert_true (g_str_has_suffix (description, "…"));
  g_assert_true (g_str_has_prefix (description, "ünïcode <tag> ünïcode"));

  short_one = chutes_search_provider_make_description ("\t line one\r\nline\x01two \n");
  g_assert_cmpstr (short_one, ==, "line one line two");

  /* Exactly the limit: kept whole. */
  exact = chutes_search_provider_make_description (exact_text);
  g_assert_cmpstr (exact, ==, exact_text);

  g_free (exact);
  exact = chutes_search_provider_make_description ("\xff invalid");
  g_assert_cmpstr (exact, ==, "");
}

static void
test_title_matches (void)
{
  g_assert_true (chutes_search_provider_title_matches ("Café Crème recipe",
                                                       (const char *[]) { "cafe", "CREM", NULL }));
  g_assert_true (chutes_search_provider_title_matches ("GNOME Shell",
                                                       (const char *[]) { "gno sh", NULL }));
  g_assert_false (chutes_search_provider_title_matches ("GNOME Shell",
                                                        (const char *[]) { "nome", NULL }));
  g_assert_false (chutes_search_provider_title_matches ("GNOME Shell",
                                                        (const char *[]) { "gnome", "kde", NULL }));
  g_assert_false (chutes_search_provider_title_matches ("GNOME Shell",
                                                        (const char *[]) { "*", NULL }));
  g_assert_false (chutes_search_provider_title_matches ("GNOME Shell",
                                                        (const char *[]) { NULL }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/search-provider/initial/finds-message-text", test_finds_message_text);
  ADD ("/search-provider/initial/common-word", test_common_word);
  ADD ("/search-provider/initial/title-and-message-together", test_title_and_message_together);
  ADD ("/search-provider/initial/finds-title", test_finds_title);
  ADD ("/search-provider/initial/nothing-found", test_nothing_found);
  ADD ("/search-provider/subsearch/narrows-previous", test_subsearch_narrows);
  ADD ("/search-provider/metas/title-and-snippet-literal", test_metas_literal);
  ADD ("/search-provider/settings/disabled-finds-nothing", test_disabled_finds_nothing);
  ADD ("/search-provider/activate-and-launch-search", test_activate_and_launch);
  g_test_add_func ("/search-provider/description/bounded-one-line", test_description_bounded);
  g_test_add_func ("/search-provider/title/every-word-begins-a-word", test_title_matches);

  return g_test_run ();
}
