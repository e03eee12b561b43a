/* bench-search-provider.c: how fast GNOME Shell's search gets an answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fills a history of 100,000 messages (--messages) in a temporary folder,
 * exports the search provider on a private D-Bus (GTestDBus), and times
 * GetInitialResultSet as the Shell calls it, from a second connection,
 * for common and rare terms. Beside it, measured in the same run on the
 * same bus: org.freedesktop.DBus.Peer.Ping to the provider's connection,
 * the least a D-Bus round trip to that process costs. Both are called
 * asynchronously from this thread, which also runs the provider's side
 * (as in the app, where the Shell waits while the main context answers).
 * Calls of each kind are interleaved, --runs times each; the median and
 * the best are printed.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "chutes-history.h"
#include "chutes-search-provider.h"

#define OBJECT_PATH "/ai/chutes/Desktop/SearchProvider"

static int n_messages = 100000;
static int n_runs = 15;

static const GOptionEntry entries[] = {
  { "messages", 0, 0, G_OPTION_ARG_INT, &n_messages, "Messages in the history (100000)", "N" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Calls of each kind (15)", "N" },
  { NULL }
};

/* Words of the generated messages, some more common than others. */
static const char * const common_words[] = {
  "the", "a", "to", "of", "and", "in", "is", "it", "you", "that", "for", "on",
  "with", "as", "this", "be", "at", "by", "or", "from", "can", "use", "code",
  "function", "value", "error", "file", "data", "model", "test", "build",
};
static const char * const other_words[] = {
  "river", "mountain", "kernel", "compiler", "gradient", "pipeline", "latency",
  "recipe", "garden", "invoice", "shader", "lattice", "ferment", "harbor",
  "Straße", "café", "naïve", "日本語", "tokenizer", "quantize", "mutex",
};

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

static char *
make_message (GRand *rand,
              guint  index)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_words = g_rand_int_range (rand, 8, 120);

  for (guint i = 0; i < n_words; i++)
    {
      if (g_rand_int_range (rand, 0, 4) == 0)
        g_string_append (text, other_words[g_rand_int_range (rand, 0, G_N_ELEMENTS (other_words))]);
      else
        g_string_append (text, common_words[g_rand_int_range (rand, 0, G_N_ELEMENTS (common_words))]);
      g_string_append_c (text, i % 13 == 12 ? '.' : ' ');
    }

  /* A rare word: in one message of 10,000. */
  if (index % 10000 == 5000)
    g_string_append (text, " xylophone");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
fill_history (ChutesHistory *history)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  guint per_conversation = 100;
  gint64 conversation_id = 0;

  for (int i = 0; i < n_messages; i++)
    {
      g_autoptr(ChutesMessage) message = NULL;
      g_autofree char *text = make_message (rand, i);

      if (i % per_conversation == 0)
        {
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(ChutesChatSummary) summary = NULL;
          g_autofree char *title = g_strdup_printf ("Conversation %d about %s", i / per_conversation,
                                                    other_words[i / per_conversation % G_N_ELEMENTS (other_words)]);
          GAsyncResult *slot = NULL;

          chutes_history_create_conversation_async (history, title, "model/a", NULL,
                                                    store_result_cb, &slot);
          result = wait_for (&slot);
          summary = chutes_history_create_conversation_finish (history, result, NULL);
          g_assert (summary != NULL);
          conversation_id = chutes_chat_summary_get_id (summary);
        }

      message = chutes_message_new (i % 2 ? CHUTES_MESSAGE_ROLE_ASSISTANT : CHUTES_MESSAGE_ROLE_USER,
                                    text);
      chutes_history_append_message_async (history, conversation_id, message, NULL,
                                           NULL, NULL);
    }

  /* Appends are queued in order: a search after them waits for them. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GListModel) hits = NULL;
    GAsyncResult *slot = NULL;

    chutes_history_search_async (history, "xylophone", NULL, store_result_cb, &slot);
    result = wait_for (&slot);
    hits = chutes_history_search_finish (history, result, NULL);
    g_assert (hits != NULL);
  }
}

static double
timed_call (GDBusConnection *client,
            const char      *dest,
            const char      *path,
            const char      *interface,
            const char      *method,
            GVariant        *parameters,
            guint           *n_results)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed;

  g_dbus_connection_call (client, dest, path, interface, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 60000, NULL, store_result_cb, &slot);
  result = wait_for (&slot);
  reply = g_dbus_connection_call_finish (client, result, &error);
  elapsed = (g_get_monotonic_time () - start) / 1000.0;
  if (reply == NULL)
    g_error ("%s failed: %s", method, error->message);

  if (n_results != NULL)
    {
      g_autoptr(GVariant) ids = g_variant_get_child_value (reply, 0);

      *n_results = g_variant_n_children (ids);
    }

  return elapsed;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  const char * const searches[] = {
    "the", "river kernel", "caf", "xylophone", "conversation 42",
    "conversation harbor",  /* a title's word and a message's */
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the GNOME Shell search provider");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTestDBus) bus = NULL;
  g_autoptr(GDBusConnection) server = NULL;
  g_autoptr(GDBusConnection) client = NULL;
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(ChutesSearchProvider) provider = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GArray *times[G_N_ELEMENTS (searches) + 1];
  guint n_results[G_N_ELEMENTS (searches)] = { 0, };
  GAsyncResult *slot = NULL;
  const char *dest;
  gint64 fill_start;
  double fill_s;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_messages < 1 || n_runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--messages and --runs must be at least 1");
      return 1;
    }

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  server = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  client = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  dest = g_dbus_connection_get_unique_name (server);

  dir = g_dir_make_tmp ("bench-search-provider-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "history.db", NULL);
  history = chutes_history_new (path);
  chutes_history_open_async (history, NULL, store_result_cb, &slot);
  result = wait_for (&slot);
  g_assert (chutes_history_open_finish (history, result, &error));

  fill_start = g_get_monotonic_time ();
  fill_history (history);
  fill_s = (g_get_monotonic_time () - fill_start) / 1e6;

  provider = chutes_search_provider_new (history);
  g_assert (chutes_search_provider_export (provider, server, OBJECT_PATH, &error));

  for (guint k = 0; k <= G_N_ELEMENTS (searches); k++)
    times[k] = g_array_new (FALSE, FALSE, sizeof (double));

  /* One call of each kind a round, so a busy moment slows all alike; a
   * first round warms the caches and is not counted. */
  for (int run = -1; run < n_runs; run++)
    {
      double ping = timed_call (client, dest, "/", "org.freedesktop.DBus.Peer", "Ping",
                                NULL, NULL);

      if (run >= 0)
        g_array_append_val (times[G_N_ELEMENTS (searches)], ping);

      for (guint k = 0; k < G_N_ELEMENTS (searches); k++)
        {
          g_auto(GStrv) terms = g_strsplit (searches[k], " ", -1);
          double t = timed_call (client, dest, OBJECT_PATH, "org.gnome.Shell.SearchProvider2",
                                 "GetInitialResultSet", g_variant_new ("(^as)", terms),
                                 &n_results[k]);

          if (run >= 0)
            g_array_append_val (times[k], t);
        }
    }

  for (guint k = 0; k <= G_N_ELEMENTS (searches); k++)
    g_array_sort (times[k], compare_doubles);

  g_print ("columns\tbenchmark\twhat\tfigure\tbaseline\tratio\ttarget\n");
  g_print ("# search-provider: %d messages in %d conversations (filled in %.1f s); "
           "median (best) of %d calls over D-Bus; baseline: Peer.Ping to the same connection\n",
           n_messages, (n_messages + 99) / 100, fill_s, n_runs);

  {
    GArray *ping = times[G_N_ELEMENTS (searches)];
    double ping_median = g_array_index (ping, double, ping->len / 2);
    double ping_best = g_array_index (ping, double, 0);

    for (guint k = 0; k < G_N_ELEMENTS (searches); k++)
      {
        double median = g_array_index (times[k], double, times[k]->len / 2);
        double best = g_array_index (times[k], double, 0);

        g_print ("search-provider\tGetInitialResultSet \"%s\" (%u results)\t%.2f ms (best %.2f)\t"
                 "Ping: %.3f ms (best %.3f)\t%.0f\t< 50 ms\n",
                 searches[k], n_results[k], median, best, ping_median, ping_best,
                 median / ping_median);
      }
  }

  for (guint k = 0; k <= G_N_ELEMENTS (searches); k++)
    g_array_unref (times[k]);

  chutes_search_provider_unexport (provider);
  g_clear_object (&provider);
  chutes_history_close (history);
  g_clear_object (&history);
  g_dbus_connection_close_sync (server, NULL, NULL);
  g_dbus_connection_close_sync (client, NULL, NULL);
  g_test_dbus_down (bus);

  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }

  return 0;
}
