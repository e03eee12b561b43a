/* test-usage-window.c: the Usage window shows what the history says was
 * spent, and lets go of everything when closed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "chutes-resources.h"
#include "chutes-spending-chart.h"
#include "chutes-test-mock.h"
#include "chutes-test-widgets.h"
#include "chutes-usage-window.h"

static void
append_reply (ChutesHistory *history,
              gint64         conversation_id,
              const char    *model,
              gint64         prompt_tokens)
{
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "R");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChutesPrices prices = { 2.0, 0, -1 };
  GAsyncResult *slot = NULL;

  chutes_message_set_model (reply, model);
  chutes_message_set_prices (reply, &prices);
  chutes_message_set_usage (reply, prompt_tokens, 0);
  chutes_history_append_message_async (history, conversation_id, reply, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  chutes_history_append_message_finish (history, result, &error);
  g_assert_no_error (error);
}

/* Whether a visible label under @widget reads @text exactly. */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (!gtk_widget_get_visible (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;

  return FALSE;
}

static void
test_shows_history_and_frees (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chutes-usage-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(ChutesHistory) history = chutes_history_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  ChutesUsageWindow *window;
  GtkWidget *chart;
  GAsyncResult *slot = NULL;
  gint64 id;

  g_assert_no_error (error);
  chutes_history_open_async (history, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_open_finish (history, result, &error));
  g_clear_object (&result);

  chutes_history_create_conversation_async (history, "Spent", "model/a", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  summary = chutes_history_create_conversation_finish (history, result, &error);
  g_assert_no_error (error);
  id = chutes_chat_summary_get_id (summary);

  /* $2 per million tokens: $0.50 and $0.25 today. */
  append_reply (history, id, "model/a", 250000);
  append_reply (history, id, "model/<b>b</b>", 125000);

  window = chutes_usage_window_new (history, 42);
  gtk_window_present (GTK_WINDOW (window));
  while (!chutes_usage_window_get_loaded (window))
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (shows_label (GTK_WIDGET (window), "$0.75"));
  g_assert_true (shows_label (GTK_WIDGET (window), "$0.50"));
  g_assert_true (shows_label (GTK_WIDGET (window), "$0.25"));
  g_assert_true (shows_label (GTK_WIDGET (window), "42"));
  /* A model's name comes from the network: shown as it is. */
  g_assert_true (shows_label (GTK_WIDGET (window), "model/<b>b</b>"));

  /* Today's bar is the last one, and says so. */
  chart = chutes_test_find_widget (GTK_WIDGET (window), CHUTES_TYPE_SPENDING_CHART);
  g_assert_nonnull (chart);
  {
    g_autofree char *bar = chutes_spending_chart_dup_bar_text (CHUTES_SPENDING_CHART (chart),
                                                               CHUTES_USAGE_WINDOW_DAYS - 1);
    g_assert_true (g_str_has_suffix (bar, ": $0.75"));
  }

  /* The chart goes with the window (libadwaita 1.2 keeps its groups). */
  g_object_add_weak_pointer (G_OBJECT (chart), (gpointer *) &chart);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (window);
  g_assert_null (chart);

  chutes_history_close (history);
  chutes_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chutes_register_resource ();

  g_test_add_func ("/usage-window/shows-the-history-and-frees-it-all", test_shows_history_and_frees);

  return chutes_test_check_live_objects (g_test_run ());
}
