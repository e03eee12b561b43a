/* bench-open-conversation.c: opening and scrolling a very long conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saves a conversation of 10,000 plausible messages and one of 10 with
 * ChutesHistory, then runs the real application in a child process (its
 * window under Xvfb, signed in to the mock server) and, in turn, opens
 * each with chutes_chat_page_open_chat(): the time until the messages are
 * in the list and the next frame is drawn, the time until the view has
 * settled at the end of the conversation, and the process's resident
 * memory after the first opening of each. Then it scrolls each a page a
 * frame and times the frames. Opens alternate between the two, so a busy
 * machine slows both alike.
 *
 * Target (issue 3): a 10,000-message conversation opens in under 300 ms.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "harness.h"

#define BENCHMARK "open-conversation"
#define FRAME_BUDGET_MS 16.7

typedef struct
{
  BenchApp   *app;
  GListModel *messages;
  guint       expected;
  gint64      start;
  gint64      loaded;
  gint64      first_frame;
  gint64      last_change;
  double      value;
  double      upper;
} Open;

static void
open_items_changed_cb (GListModel *messages,
                       guint       position,
                       guint       removed,
                       guint       added,
                       Open       *open)
{
  if (open->loaded == 0 && g_list_model_get_n_items (messages) == open->expected)
    open->loaded = g_get_monotonic_time ();
}

static void
open_after_paint_cb (GdkFrameClock *clock,
                     Open          *open)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (open->app->scroller);
  gint64 now = g_get_monotonic_time ();

  if (open->loaded == 0)
    return;

  if (open->first_frame == 0)
    open->first_frame = open->last_change = now;

  if (gtk_adjustment_get_value (adjustment) != open->value ||
      gtk_adjustment_get_upper (adjustment) != open->upper)
    {
      open->value = gtk_adjustment_get_value (adjustment);
      open->upper = gtk_adjustment_get_upper (adjustment);
      open->last_change = now;
    }
}

static gboolean
open_drawn (gpointer user_data)
{
  return ((Open *) user_data)->first_frame != 0;
}

/* The rows the list holds: the list is virtualized when that number does
 * not grow with the conversation. */
static guint
count_rows (BenchApp *app)
{
  GtkWidget *list = gtk_scrolled_window_get_child (app->scroller);
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n++;

  return n;
}

/* Opens conversation @id of @expected messages; returns the time to the
 * first frame that shows them and, in @settled_ms, the time until the
 * view stopped moving (it scrolls to the end as rows get measured). */
static double
open_conversation (BenchApp *app,
                   gint64    id,
                   guint     expected,
                   double   *settled_ms)
{
  ChutesConversation *conversation = chutes_chat_page_get_conversation (app->page);
  Open open = { app, chutes_conversation_get_messages (conversation), expected };
  gulong items_id, paint_id;

  bench_wait_quiet (app, 200);

  items_id = g_signal_connect_after (open.messages, "items-changed",
                                     G_CALLBACK (open_items_changed_cb), &open);
  paint_id = g_signal_connect (app->frame_clock, "after-paint", G_CALLBACK (open_after_paint_cb), &open);

  open.start = g_get_monotonic_time ();
  chutes_chat_page_open_chat (app->page, id, 0);
  bench_iterate_until (open_drawn, &open, 60000, "the conversation to be shown");

  /* Settled: nothing moved for 300 ms (or still moving after 20 s). */
  while (g_get_monotonic_time () - open.last_change < 300000 &&
         g_get_monotonic_time () - open.first_frame < 20 * G_USEC_PER_SEC)
    bench_iterate_for (20);
  bench_log ("opened %u messages: first frame %.0f ms, settled %.0f ms, %u rows in the list", expected,
             (open.first_frame - open.start) / 1000.0, (open.last_change - open.start) / 1000.0,
             count_rows (app));

  g_signal_handler_disconnect (open.messages, items_id);
  g_signal_handler_disconnect (app->frame_clock, paint_id);

  *settled_ms = (open.last_change - open.start) / 1000.0;
  return (open.first_frame - open.start) / 1000.0;
}

/* Scrolling stops after this long even when frames are left. */
#define SCROLL_MAX_SECONDS 40

typedef struct
{
  GtkAdjustment *adjustment;
  guint          frames_left;
  int            direction;
  gint64         deadline;
  guint          tick_id;
} Scroll;

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  Scroll *scroll = user_data;
  double page = gtk_adjustment_get_page_size (scroll->adjustment);
  double bottom = gtk_adjustment_get_upper (scroll->adjustment) - page;
  double value = gtk_adjustment_get_value (scroll->adjustment) + scroll->direction * page;

  if (scroll->frames_left == 0 || g_get_monotonic_time () > scroll->deadline)
    {
      scroll->frames_left = 0;
      scroll->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  /* A short conversation is scrolled back and forth. */
  if (value >= bottom)
    {
      value = bottom;
      scroll->direction = -1;
    }
  else if (value <= 0)
    {
      value = 0;
      scroll->direction = 1;
    }

  gtk_adjustment_set_value (scroll->adjustment, value);
  scroll->frames_left--;

  return G_SOURCE_CONTINUE;
}

static gboolean
scroll_done (gpointer user_data)
{
  return ((Scroll *) user_data)->frames_left == 0;
}

/* Scrolls from the top a page a frame for @n_frames frames (or
 * SCROLL_MAX_SECONDS); fills @frames with their timings. */
static void
scroll_conversation (BenchApp    *app,
                     guint        n_frames,
                     BenchFrames *frames)
{
  Scroll scroll = { gtk_scrolled_window_get_vadjustment (app->scroller), n_frames, 1, 0, 0 };

  gtk_adjustment_set_value (scroll.adjustment, 0);
  bench_wait_quiet (app, 300);

  scroll.deadline = g_get_monotonic_time () + SCROLL_MAX_SECONDS * G_USEC_PER_SEC;
  bench_frames_start (frames, app->frame_clock);
  scroll.tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (app->scroller), scroll_tick_cb, &scroll, NULL);
  bench_iterate_until (scroll_done, &scroll, (SCROLL_MAX_SECONDS + 60) * 1000, "the scrolling to end");
  bench_frames_stop (frames);
  if (scroll.tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (app->scroller), scroll.tick_id);
  bench_log ("scrolled %u frames", frames->work_ms->len);
}

static void
report_frames (const char  *prefix,
               BenchFrames *frames)
{
  g_autofree char *median = g_strdup_printf ("%s-frame-median", prefix);
  g_autofree char *p95 = g_strdup_printf ("%s-frame-p95", prefix);
  g_autofree char *worst = g_strdup_printf ("%s-frame-max", prefix);
  g_autofree char *slow = g_strdup_printf ("%s-frames-slow", prefix);
  g_autofree char *count = g_strdup_printf ("%s-frames", prefix);
  guint n_slow = 0;

  for (guint i = 0; i < frames->work_ms->len; i++)
    if (g_array_index (frames->work_ms, double, i) > FRAME_BUDGET_MS)
      n_slow++;

  bench_result (median, bench_median (frames->work_ms));
  bench_result (p95, bench_percentile (frames->work_ms, 95));
  bench_result (worst, bench_max (frames->work_ms));
  bench_result (slow, n_slow);
  bench_result (count, frames->work_ms->len);
}

static int
run_app (gint64 big_id,
         guint  big_size,
         gint64 small_id,
         guint  small_size,
         int    runs,
         int    scroll_frames)
{
  g_autoptr(GArray) big_first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) big_settled = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) small_first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) small_settled = g_array_new (FALSE, FALSE, sizeof (double));
  BenchFrames frames;
  BenchApp *app;
  double first, settled;

  app = bench_app_start ();
  bench_result ("rss-start", bench_rss_mib (0));

  /* The first opening of each: memory, and one-time costs left out of
   * the timings below. */
  first = open_conversation (app, small_id, small_size, &settled);
  bench_result ("small-first-open", first);
  bench_result ("rss-small", bench_rss_mib (0));
  first = open_conversation (app, big_id, big_size, &settled);
  bench_result ("big-first-open", first);
  bench_result ("rss-big", bench_rss_mib (0));
  bench_result ("rows-big", count_rows (app));
  if (g_getenv ("CHUTES_BENCH_SCREENSHOT") != NULL)
    {
      const char *argv[] = { "import", "-window", "root", g_getenv ("CHUTES_BENCH_SCREENSHOT"), NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }

  for (int i = 0; i < runs; i++)
    {
      first = open_conversation (app, small_id, small_size, &settled);
      g_array_append_val (small_first, first);
      g_array_append_val (small_settled, settled);
      first = open_conversation (app, big_id, big_size, &settled);
      g_array_append_val (big_first, first);
      g_array_append_val (big_settled, settled);
    }

  bench_result ("big-open", bench_median (big_first));
  bench_result ("big-open-max", bench_max (big_first));
  bench_result ("big-settled", bench_median (big_settled));
  bench_result ("small-open", bench_median (small_first));
  bench_result ("small-settled", bench_median (small_settled));

  /* The big one is open: scroll it, then the small one. */
  scroll_conversation (app, scroll_frames, &frames);
  report_frames ("big", &frames);
  bench_frames_clear (&frames);
  open_conversation (app, small_id, small_size, &settled);
  scroll_conversation (app, scroll_frames, &frames);
  report_frames ("small", &frames);
  bench_frames_clear (&frames);
  bench_result ("rss-end", bench_rss_mib (0));

  bench_app_free (app);

  return EXIT_SUCCESS;
}

static char *
target_text (double      limit,
             const char *unit,
             gboolean    met)
{
  return g_strdup_printf ("< %g %s: %s", limit, unit, met ? "met" : "MISSED");
}

static void
print_table (GHashTable *r,
             guint       big_size,
             guint       small_size,
             int         runs)
{
#define V(key) bench_child_value (r, key)
  g_autofree char *open_what = g_strdup_printf ("open %u messages, to first frame (median of %d)",
                                                big_size, runs);
  g_autofree char *small = g_strdup_printf ("%u messages", small_size);
  g_autofree char *open_target = target_text (300, "ms", V ("big-open") < 300);
  g_autofree char *frame_target = target_text (FRAME_BUDGET_MS, "ms",
                                               V ("big-frame-median") < FRAME_BUDGET_MS);
  g_autofree char *p95_target = target_text (FRAME_BUDGET_MS, "ms",
                                             V ("big-frame-p95") < FRAME_BUDGET_MS);
  g_autofree char *slowest = g_strdup_printf ("%.1f / %.1f ms", V ("big-frame-p95"), V ("big-frame-max"));
  g_autofree char *slowest_baseline = g_strdup_printf ("%s: %.1f / %.1f ms", small,
                                                       V ("small-frame-p95"), V ("small-frame-max"));
  g_autofree char *slow = g_strdup_printf ("%.0f of %.0f", V ("big-frames-slow"), V ("big-frames"));
  g_autofree char *slow_baseline = g_strdup_printf ("%s: %.0f of %.0f", small,
                                                    V ("small-frames-slow"), V ("small-frames"));

  g_print ("# %s: the list held %.0f rows once the long conversation was open\n",
           BENCHMARK, V ("rows-big"));
  bench_print_columns ();
  bench_print_pair (BENCHMARK, open_what, 0, "ms", V ("big-open"), small, V ("small-open"),
                    open_target);
  bench_print_pair (BENCHMARK, "the same, first opening after start", 0, "ms",
                    V ("big-first-open"), small, V ("small-first-open"), "-");
  bench_print_pair (BENCHMARK, "open, until the view rests at the end", 0, "ms",
                    V ("big-settled"), small, V ("small-settled"), "-");
  bench_print_pair (BENCHMARK, "resident memory after opening", 0, "MiB",
                    V ("rss-big"), small, V ("rss-small"), "-");
  bench_print_pair (BENCHMARK, "scroll a page a frame: median frame", 1, "ms",
                    V ("big-frame-median"), small, V ("small-frame-median"), frame_target);
  bench_print_row (BENCHMARK, "scroll: 95th percentile / slowest frame", slowest, slowest_baseline,
                   V ("big-frame-p95") / V ("small-frame-p95"), p95_target);
  bench_print_row (BENCHMARK, "scroll: frames over 16.7 ms", slow, slow_baseline, NAN, "-");
#undef V
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GStrvBuilder) child_args = NULL;
  g_autoptr(ChutesTestMock) mock = NULL;
  g_auto(GStrv) child_argv = NULL;
  g_autofree char *self = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *big_arg = NULL;
  g_autofree char *small_arg = NULL;
  g_autofree char *runs_arg = NULL;
  g_autofree char *frames_arg = NULL;
  g_autofree char *messages_arg = NULL;
  g_autofree char *baseline_arg = NULL;
  GStatBuf db_stat;
  gint64 big_id = 0, small_id = 0;
  gint64 start;
  int runs = 3;
  int messages = 10000;
  int baseline = 10;
  int scroll_frames = 100;
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Openings of each conversation; the median counts (default 3)", "N" },
    { "messages", 'm', 0, G_OPTION_ARG_INT, &messages, "Messages of the long conversation (default 10000)", "N" },
    { "baseline-messages", 0, 0, G_OPTION_ARG_INT, &baseline, "Messages of the baseline conversation (default 10)", "N" },
    { "scroll-frames", 0, 0, G_OPTION_ARG_INT, &scroll_frames, "Frames scrolled in each, within 40 s (default 100)", "N" },
    { "big-id", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &big_id, NULL, NULL },
    { "small-id", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &small_id, NULL, NULL },
    { NULL }
  };

  bench_enter_session (argc, argv);

  bench_parse_options (&argc, &argv, "- time opening and scrolling a 10,000-message conversation",
                       entries);
  if (runs < 1 || messages < 2 || baseline < 2 || scroll_frames < 10)
    {
      g_printerr ("--runs must be at least 1, the sizes 2, --scroll-frames 10\n");
      return EXIT_FAILURE;
    }

  if (big_id != 0)
    return run_app (big_id, messages, small_id, baseline, runs, scroll_frames);

  start = g_get_monotonic_time ();
  history = bench_history_open ();
  big_id = bench_history_add_conversation (history, "A very long conversation", messages, 1);
  small_id = bench_history_add_conversation (history, "A short conversation", baseline, 2);
  db_path = g_strdup (chutes_history_get_path (history));
  chutes_history_close (history);
  g_clear_object (&history);
  if (g_stat (db_path, &db_stat) != 0)
    db_stat.st_size = 0;
  g_print ("# %s: %d + %d messages saved in %.1f s (history.db %.1f MB); the app runs in a child process\n",
           BENCHMARK, messages, baseline, (g_get_monotonic_time () - start) / 1e6, db_stat.st_size / 1e6);

  mock = bench_sign_in (chutes_test_mock_start ("--quiet", NULL), NULL);

  self = g_file_read_link ("/proc/self/exe", NULL);
  big_arg = g_strdup_printf ("--big-id=%" G_GINT64_FORMAT, big_id);
  small_arg = g_strdup_printf ("--small-id=%" G_GINT64_FORMAT, small_id);
  runs_arg = g_strdup_printf ("--runs=%d", runs);
  frames_arg = g_strdup_printf ("--scroll-frames=%d", scroll_frames);
  messages_arg = g_strdup_printf ("--messages=%d", messages);
  baseline_arg = g_strdup_printf ("--baseline-messages=%d", baseline);
  child_args = g_strv_builder_new ();
  g_strv_builder_add_many (child_args, self, big_arg, small_arg, runs_arg, frames_arg,
                           messages_arg, baseline_arg, NULL);
  child_argv = g_strv_builder_end (child_args);
  results = bench_run_child ((const char * const *) child_argv);

  print_table (results, messages, baseline, runs);

  return EXIT_SUCCESS;
}
