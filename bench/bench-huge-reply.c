/* bench-huge-reply.c: what a very long streamed reply costs the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mock server streams replies of 1, 10 and 100 MB as fast as it can
 * (its huge-* controls, tests/mock-chutes/README.md), and a normal one;
 * the real application asks through its composer, in a child process of
 * its own for each reply, and reports its peak resident memory (VmHWM)
 * beside its resident memory idle just before asking, and the longest
 * main-loop stall from the question until the window has been quiet for
 * half a second after the reply ended (so the reply's last render and
 * its settling count), beside the same meter on the idle app.
 *
 * Replies past CHUTES_CHAT_STREAM_MAX_REPLY are cut there: the rows say
 * how much was kept.
 *
 * Targets (issue 10): peak memory under the idle figure plus four times
 * the size of the reply sent, and no stall over 100 ms.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chutes-chat-stream.h"
#include "chutes-message-row.h"
#include "harness.h"

#define BENCHMARK "huge-reply"
#define PROMPT "Write the longest reply you can."
#define STALL_TARGET_MS 100.0
#define MEMORY_FACTOR 4

/* The application (child process) ----------------------------------------- */

typedef struct
{
  BenchReply     reply;         /* first: the notify handler's data */
  gint64         sent;
  gint64         finished;
  GtkWidget     *page;
} Stream;

static void
reply_notify_cb (ChutesMessage *reply,
                 GParamSpec    *pspec,
                 Stream        *stream)
{
  ChutesMessageStatus status = chutes_message_get_status (reply);

  if (stream->finished == 0 && status != CHUTES_MESSAGE_STATUS_PENDING &&
      status != CHUTES_MESSAGE_STATUS_STREAMING)
    stream->finished = g_get_monotonic_time ();
}

static gboolean
stream_finished (gpointer user_data)
{
  return ((Stream *) user_data)->finished != 0;
}

static gboolean
shows_reply (GtkWidget *widget,
             gpointer   reply)
{
  return chutes_message_row_get_message (CHUTES_MESSAGE_ROW (widget)) == reply;
}

/* The reply's row shows all of its text (a long one takes it in steps). */
static gboolean
stream_shown (gpointer user_data)
{
  Stream *stream = user_data;
  GtkWidget *row = bench_find_widget_full (stream->page, CHUTES_TYPE_MESSAGE_ROW,
                                           shows_reply, stream->reply.message);

  return row != NULL && !chutes_message_row_get_catching_up (CHUTES_MESSAGE_ROW (row));
}

/* Peak resident memory of this process so far, in MiB. */
static double
peak_rss_mib (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL) ||
      (line = strstr (contents, "\nVmHWM:")) == NULL)
    return NAN;

  return g_ascii_strtod (line + strlen ("\nVmHWM:"), NULL) / 1024.0;
}

/* CHUTES_BENCH_SCREENSHOT=DIR: the screen, in DIR/huge-CASE-@what.png. */
static void
take_screenshot (const char *what)
{
  const char *dir = g_getenv ("CHUTES_BENCH_SCREENSHOT");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;

  name = g_strdup_printf ("huge-%s-%s.png", g_getenv ("CHUTES_BENCH_CASE"), what);
  path = g_build_filename (dir, name, NULL);
  {
    const char *argv[] = { "import", "-window", "root", path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  bench_log ("screenshot: %s", path);
}

static int
run_app (void)
{
  BenchApp *app = bench_app_start ();
  GListModel *messages = chutes_conversation_get_messages (chutes_chat_page_get_conversation (app->page));
  BenchStallMeter meter;
  Stream stream = { 0 };
  GtkWidget *composer;
  const char *error;
  gsize kept;

  chutes_chat_page_new_chat (app->page);
  bench_wait_quiet (app, 300);

  /* The baseline: the idle app, for 2 s. */
  bench_stall_meter_start (&meter);
  bench_iterate_for (2000);
  bench_result ("idle-stall", bench_stall_meter_stop (&meter));
  bench_result ("idle-rss", bench_rss_mib (0));
  bench_result ("idle-peak", peak_rss_mib ());

  /* With no message shown, the only text view is the composer. */
  composer = bench_find_widget (GTK_WIDGET (app->page), GTK_TYPE_TEXT_VIEW);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer)), PROMPT, -1);
  stream.reply.notify_cb = G_CALLBACK (reply_notify_cb);
  bench_reply_watch (&stream.reply, messages);

  stream.page = GTK_WIDGET (app->page);
  bench_stall_meter_start (&meter);
  bench_log ("sending");
  stream.sent = g_get_monotonic_time ();
  gtk_widget_activate_action (GTK_WIDGET (app->page), "chat.send", NULL);
  bench_iterate_until (stream_finished, &stream, 600000, "the reply to end");
  bench_log ("the reply ended after %.3f s", (stream.finished - stream.sent) / 1e6);
  bench_iterate_until (stream_shown, &stream, 600000, "the reply to be shown");
  bench_result ("shown", (g_get_monotonic_time () - stream.sent) / 1e6);
  bench_log ("the reply was shown after %.3f s", (g_get_monotonic_time () - stream.sent) / 1e6);
  /* Its last frames, and the whole parse once it settles. */
  bench_iterate_for (1000);
  bench_result ("stall", bench_stall_meter_stop (&meter));
  bench_result ("steal", meter.steal_percent);
  bench_result ("peak-rss", peak_rss_mib ());
  bench_result ("rss-after", bench_rss_mib (0));

  kept = strlen (chutes_message_get_content (stream.reply.message)) +
         strlen (chutes_message_get_reasoning (stream.reply.message));
  error = chutes_message_get_error (stream.reply.message);
  bench_result ("kept", kept);
  bench_result ("cut", error != NULL && strstr (error, "cut") != NULL);
  bench_result ("seconds", (stream.finished - stream.sent) / 1e6);
  bench_log ("kept %zu bytes; %s", kept, error ? error : "complete");

  /* The end of the reply, then the window taking a new question. */
  take_screenshot ("shown");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer)),
                            "The window still takes a new question.", -1);
  bench_iterate_for (500);
  take_screenshot ("typing");

  bench_reply_clear (&stream.reply);
  bench_app_free (app);

  return EXIT_SUCCESS;
}

/* The table ---------------------------------------------------------------- */

typedef struct
{
  const char *label;
  gint64      bytes;       /* 0: the mock's canned reply */
  const char *shape;
} Case;

static void
print_rows (const Case *c,
            GHashTable *results)
{
#define R(key) bench_child_value (results, key)
  double sent_mib = (c->bytes > 0 ? c->bytes : R ("kept")) / (1024.0 * 1024.0);
  double limit = R ("idle-peak") + MEMORY_FACTOR * sent_mib;
  g_autofree char *memory_what = g_strdup_printf ("%s: peak resident memory", c->label);
  g_autofree char *stall_what = g_strdup_printf ("%s: longest main-loop stall", c->label);
  g_autofree char *kept_what = g_strdup_printf ("%s: kept; ended, shown after", c->label);
  /* None for the normal reply: a few KB, less than the figure's noise. */
  g_autofree char *memory_target = c->bytes == 0 ? g_strdup ("-") :
                                   g_strdup_printf ("< %.0f MiB: %s", limit,
                                                    R ("peak-rss") < limit ? "met" : "MISSED");
  g_autofree char *stall_target = g_strdup_printf ("< %.0f ms: %s", STALL_TARGET_MS,
                                                   R ("stall") < STALL_TARGET_MS ? "met" : "MISSED");
  g_autofree char *kept = g_strdup_printf ("%.0f KB%s; %.1f s, %.1f s", R ("kept") / 1e3,
                                           R ("cut") != 0 ? " (cut)" : "", R ("seconds"),
                                           R ("shown"));
  g_autofree char *steal = g_strdup_printf ("steal %.1f %%", R ("steal"));

  bench_print_pair (BENCHMARK, memory_what, 0, "MiB", R ("peak-rss"), "idle app's peak",
                    R ("idle-peak"), memory_target);
  bench_print_pair (BENCHMARK, stall_what, 1, "ms", R ("stall"), "idle app", R ("idle-stall"),
                    stall_target);
  bench_print_row (BENCHMARK, kept_what, kept, steal, NAN, "-");
#undef R
}

static void
results_free (gpointer results)
{
  if (results != NULL)
    g_hash_table_unref (results);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChutesTestMock) mock = NULL;
  g_autofree char *self = NULL;
  g_autofree char *event_bytes_arg = NULL;
  g_autoptr(GPtrArray) all_results = g_ptr_array_new_with_free_func (results_free);
  int event_bytes = 1024;
  int max_mb = 100;
  g_autofree char *only = NULL;
  gboolean child = FALSE;
  GOptionEntry entries[] = {
    { "event-bytes", 0, 0, G_OPTION_ARG_INT, &event_bytes,
      "Bytes of text an event of the huge replies (default 1024)", "N" },
    { "max-mb", 0, 0, G_OPTION_ARG_INT, &max_mb,
      "Leave out the replies larger than this (default 100)", "MB" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Only the replies whose name holds this text (\"1 MB\", \"reasoning\")", "TEXT" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &child, NULL, NULL },
    { NULL }
  };
  const Case cases[] = {
    { "normal reply (600 words)", 0, "words" },
    { "1 MB Markdown reply", 1000 * 1000, "markdown" },
    { "10 MB Markdown reply", 10 * 1000 * 1000, "markdown" },
    { "100 MB Markdown reply", 100 * 1000 * 1000, "markdown" },
    { "10 MB one paragraph", 10 * 1000 * 1000, "words" },
    { "10 MB of reasoning", 10 * 1000 * 1000, "reasoning" },
    { "10 MB in one SSE line", 10 * 1000 * 1000, "one-line" },
  };

  bench_enter_session (argc, argv);
  bench_parse_options (&argc, &argv, "- what a very long streamed reply costs the app", entries);
  if (event_bytes < 1 || event_bytes > 65536 || max_mb < 0)
    {
      g_printerr ("--event-bytes must be 1 to 65536, --max-mb at least 0\n");
      return EXIT_FAILURE;
    }

  if (child)
    return run_app ();

  event_bytes_arg = g_strdup_printf ("%d", event_bytes);
  mock = bench_sign_in (chutes_test_mock_start ("--quiet", "--stream-delay-ms", "0",
                                                "--reply-words", "600", NULL),
                        NULL);
  chutes_test_mock_control (mock, "huge-event-bytes", event_bytes_arg, NULL);
  self = g_file_read_link ("/proc/self/exe", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *child_argv[] = { self, "--child", NULL };
      g_autofree char *bytes = g_strdup_printf ("%" G_GINT64_FORMAT, cases[i].bytes);

      if (cases[i].bytes > (gint64) max_mb * 1000 * 1000 ||
          (only != NULL && strstr (cases[i].label, only) == NULL))
        {
          g_ptr_array_add (all_results, NULL);
          continue;
        }
      bench_log ("%s", cases[i].label);
      g_setenv ("CHUTES_BENCH_CASE", bytes, TRUE);
      if (cases[i].bytes > 0)
        {
          g_autofree char *slug = g_strdup_printf ("%s-%s", cases[i].shape, bytes);

          g_setenv ("CHUTES_BENCH_CASE", slug, TRUE);
        }
      chutes_test_mock_control (mock, "huge-bytes", bytes, "huge-shape", cases[i].shape, NULL);
      g_ptr_array_add (all_results, bench_run_child (child_argv));
    }

  g_print ("# %s: replies streamed by the mock at full speed, %d bytes of text an event; "
           "a reply is cut at %.0f MB; each in a new app (child process)\n",
           BENCHMARK, event_bytes, CHUTES_CHAT_STREAM_MAX_REPLY / 1e6);
  bench_print_columns ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (g_ptr_array_index (all_results, i) != NULL)
      print_rows (&cases[i], g_ptr_array_index (all_results, i));

  return EXIT_SUCCESS;
}
