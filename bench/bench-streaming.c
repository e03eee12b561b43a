/* bench-streaming.c: how fast the window takes in a streamed reply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three streams, each timed in the real application (in a child process,
 * its window under Xvfb, asking through its composer) from the reply's
 * first token to the first frame drawn once it is complete, with the
 * longest main-loop stall meanwhile (a 1 ms timeout at high priority
 * notes the longest gap between its runs):
 *
 *   1. the mock server's canned reply (--words words, all one paragraph)
 *      with no pause between events: tokens per second the window takes
 *      in, beside the rate curl reads the same stream at in the same run;
 *   2. a long reply in Markdown such as models write (paragraphs, lists,
 *      code, tables) at about --rate tokens per second, served by a small
 *      server in this process: the stall the issue sets a target for,
 *      beside the same meter on the idle app;
 *   3. the mock's reply as curl read it, replayed at that rate: the cost
 *      of one paragraph that keeps growing.
 *
 * Target (issue 3): no main-loop stall over 16 ms while streaming 5,000
 * tokens per second.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chutes-markdown-view.h"
#include "chutes-tokens.h"
#include "harness.h"

#define BENCHMARK "streaming"
#define PROMPT "Tell me everything about the demo server, at length."
#define STALL_TARGET_MS 16.0

/* The application ---------------------------------------------------------- */

typedef struct
{
  BenchReply     reply;         /* first: the notify handler's data */
  gint64         first_token;
  gint64         finished;      /* the reply is complete */
  gint64         done;          /* ... and a frame showing it has been drawn */
} Stream;

static void
reply_notify_cb (ChutesMessage *reply,
                 GParamSpec    *pspec,
                 Stream        *stream)
{
  ChutesMessageStatus status = chutes_message_get_status (reply);

  if (stream->first_token == 0 && *chutes_message_get_content (reply) != '\0')
    stream->first_token = g_get_monotonic_time ();

  if (stream->finished == 0 && status != CHUTES_MESSAGE_STATUS_PENDING &&
      status != CHUTES_MESSAGE_STATUS_STREAMING)
    stream->finished = g_get_monotonic_time ();
}

static void
stream_after_paint_cb (GdkFrameClock *clock,
                       Stream        *stream)
{
  if (stream->finished != 0 && stream->done == 0)
    stream->done = g_get_monotonic_time ();
}

static gboolean
stream_done (gpointer user_data)
{
  return ((Stream *) user_data)->done != 0;
}

static gboolean
shows_text (GtkWidget *widget,
            gpointer   text)
{
  return g_strcmp0 (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (widget)), text) == 0;
}

/* Asks through the composer, as a person would, and waits for the whole
 * reply to be drawn. Returns tokens per second from its first token to
 * the first frame drawn once it is complete. */
static double
stream_reply (BenchApp *app,
              double   *stall_ms,
              double   *stall_cpu_ms,
              double   *most_cpu_ms,
              double   *steal_percent,
              double   *slowest_frame_ms,
              double   *tokens,
              double   *reparsed_per_byte)
{
  GListModel *messages = chutes_conversation_get_messages (chutes_chat_page_get_conversation (app->page));
  GtkWidget *composer;
  ChutesMarkdownView *view;
  BenchStallMeter meter;
  BenchFrames frames;
  Stream stream = { 0 };
  gulong paint_handler;
  const char *content;
  double seconds;
  double median_frame, frame_90;
  gint64 cpu_start;

  chutes_chat_page_new_chat (app->page);
  bench_wait_quiet (app, 300);

  /* With no message shown, the only text view is the composer. */
  composer = bench_find_widget (GTK_WIDGET (app->page), GTK_TYPE_TEXT_VIEW);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer)), PROMPT, -1);

  stream.reply.notify_cb = G_CALLBACK (reply_notify_cb);
  bench_reply_watch (&stream.reply, messages);
  paint_handler = g_signal_connect (app->frame_clock, "after-paint",
                                    G_CALLBACK (stream_after_paint_cb), &stream);
  bench_stall_meter_start (&meter);
  bench_frames_start (&frames, app->frame_clock);
  cpu_start = bench_thread_cpu_us ();
  bench_log ("sending");

  gtk_widget_activate_action (GTK_WIDGET (app->page), "chat.send", NULL);
  bench_iterate_until (stream_done, &stream, 300000, "the reply to finish");

  *stall_ms = bench_stall_meter_stop (&meter);
  *stall_cpu_ms = meter.longest_cpu / 1000.0;
  *most_cpu_ms = meter.most_cpu / 1000.0;
  *steal_percent = meter.steal_percent;
  bench_frames_stop (&frames);
  for (guint i = 0; i < frames.work_ms->len; i++)
    if (g_array_index (frames.work_ms, double, i) > 50)
      bench_log ("  a frame of %.0f ms, ending %.0f ms after the first token (the reply was complete at %.0f ms)",
                 g_array_index (frames.work_ms, double, i),
                 (g_array_index (frames.end_time, gint64, i) - stream.first_token) / 1000.0,
                 (stream.finished - stream.first_token) / 1000.0);
  *slowest_frame_ms = bench_max (frames.work_ms);
  median_frame = bench_percentile (frames.work_ms, 50);
  frame_90 = bench_percentile (frames.work_ms, 90);
  bench_log ("  %u frames: median %.1f ms, 90th percentile %.1f ms; the main thread's CPU time %.0f ms",
             frames.work_ms->len, median_frame, frame_90, (bench_thread_cpu_us () - cpu_start) / 1000.0);
  bench_frames_clear (&frames);
  g_signal_handler_disconnect (app->frame_clock, paint_handler);

  if (chutes_message_get_status (stream.reply.message) != CHUTES_MESSAGE_STATUS_COMPLETE)
    g_error ("The reply did not complete: %s", chutes_message_get_error (stream.reply.message));

  /* Let the view catch up with the end before looking at it. */
  bench_wait_quiet (app, 200);
  content = chutes_message_get_content (stream.reply.message);
  view = CHUTES_MARKDOWN_VIEW (bench_find_widget_full (GTK_WIDGET (app->page), CHUTES_TYPE_MARKDOWN_VIEW,
                                                       shows_text, (gpointer) content));
  *reparsed_per_byte = view ? (double) chutes_markdown_view_get_reparsed_bytes (view) / strlen (content) : NAN;
  *tokens = chutes_message_get_completion_tokens (stream.reply.message);

  seconds = (stream.done - stream.first_token) / 1e6;
  bench_log ("%.0f tokens (%zu bytes) in %.3f s, longest stall %.1f ms (CPU time in it %.1f ms; "
             "the most in any stall %.1f ms; steal %.1f %%), slowest frame %.1f ms",
             *tokens, strlen (content), seconds, *stall_ms, *stall_cpu_ms, *most_cpu_ms,
             *steal_percent, *slowest_frame_ms);

  bench_reply_clear (&stream.reply);

  return *tokens / seconds;
}

static int
run_app (int runs)
{
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stalls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) reparsed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stall_cpus = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) most_cpus = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) steals = g_array_new (FALSE, FALSE, sizeof (double));
  BenchStallMeter meter;
  BenchApp *app = bench_app_start ();
  double tokens = 0;

  /* The baseline: the idle app, as long as a stream lasts. */
  bench_stall_meter_start (&meter);
  bench_iterate_for (2000);
  bench_result ("idle-stall", bench_stall_meter_stop (&meter));
  bench_result ("idle-steal", meter.steal_percent);

  for (int i = 0; i < runs; i++)
    {
      double stall, stall_cpu, most_cpu, steal, frame, ratio;
      double rate = stream_reply (app, &stall, &stall_cpu, &most_cpu, &steal, &frame, &tokens, &ratio);

      g_array_append_val (rates, rate);
      g_array_append_val (stalls, stall);
      g_array_append_val (stall_cpus, stall_cpu);
      g_array_append_val (most_cpus, most_cpu);
      g_array_append_val (steals, steal);
      g_array_append_val (frames, frame);
      g_array_append_val (reparsed, ratio);
    }

  bench_result ("tokens", tokens);
  bench_result ("rate", bench_median (rates));
  bench_result ("stall", bench_median (stalls));
  bench_result ("stall-max", bench_max (stalls));
  bench_result ("stall-cpu", bench_median (stall_cpus));
  bench_result ("most-cpu", bench_median (most_cpus));
  bench_result ("steal", bench_median (steals));
  bench_result ("slowest-frame", bench_median (frames));
  bench_result ("reparsed-per-byte", bench_median (reparsed));

  bench_app_free (app);

  return EXIT_SUCCESS;
}

/* The baseline: curl ------------------------------------------------------- */

typedef struct
{
  double tokens;
  double seconds;
  double bytes;
} RawRead;

/* One streamed reply read by curl at full speed. The token goes to curl
 * on its standard input, never on its command line. */
static RawRead
curl_read (const char *api_url,
           const char *access_token,
           const char *body_path,
           const char *out_path)
{
  g_autofree char *url = g_strconcat (api_url, "/chat/completions", NULL);
  g_autofree char *data = g_strconcat ("@", body_path, NULL);
  g_autofree char *header = g_strdup_printf ("Authorization: Bearer %s\n", access_token);
  g_autofree char *timings = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = {
    "curl", "--silent", "--show-error", "--no-buffer", "--fail",
    "--header", "@-", "--header", "Content-Type: application/json",
    "--data-binary", data, "--output", out_path,
    "--write-out", "%{time_starttransfer} %{time_total} %{size_download}",
    url, NULL,
  };
  RawRead read = { 0 };
  const char *usage;
  GPid pid;
  int in_fd, out_fd, status;
  double start_transfer = 0, total = 0;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                 NULL, NULL, &pid, &in_fd, &out_fd, NULL, &error))
    g_error ("Cannot run curl: %s", error->message);

  if (write (in_fd, header, strlen (header)) != (ssize_t) strlen (header))
    g_error ("Cannot hand the token to curl");
  close (in_fd);

  {
    g_autoptr(GInputStream) input = g_unix_input_stream_new (out_fd, TRUE);
    g_autoptr(GBytes) bytes = g_input_stream_read_bytes (input, 256, NULL, &error);

    if (bytes == NULL)
      g_error ("Cannot read curl's output: %s", error->message);
    timings = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }

  if (waitpid (pid, &status, 0) != pid || !g_spawn_check_wait_status (status, &error))
    g_error ("curl failed: %s", error ? error->message : "?");
  g_spawn_close_pid (pid);

  if (sscanf (timings, "%lf %lf %lf", &start_transfer, &total, &read.bytes) != 3)
    g_error ("Unexpected output from curl: %s", timings);

  if (!g_file_get_contents (out_path, &body, NULL, &error))
    g_error ("%s", error->message);
  usage = g_strrstr (body, "\"completion_tokens\":");
  if (usage == NULL)
    g_error ("The stream curl read has no usage");
  read.tokens = g_ascii_strtod (usage + strlen ("\"completion_tokens\":"), NULL);
  read.seconds = total - start_transfer;

  return read;
}

/* The replay server -------------------------------------------------------- */

/* Serves GET /v1/models (the mock's answer) and POST /v1/chat/completions
 * (the events set with replay_set_stream(), paced), in a thread of its
 * own so that the pace does not depend on this process's main loop. */
typedef struct
{
  GMainContext *context;
  SoupServer   *server;
  guint16       port;
  GBytes       *models;
  GMutex        lock;
  GPtrArray    *events;            /* char *: "data: ...\n\n" */
  double        events_per_second;
  GCond         ready;
  gboolean      started;
} Replay;

typedef struct
{
  SoupServerMessage *msg;
  GPtrArray         *events;
  double             events_per_second;
  gint64             start;
  guint              next;
  GSource           *source;
} ReplayStream;

static void
replay_stream_free (ReplayStream *stream)
{
  if (stream->source != NULL)
    {
      g_source_destroy (stream->source);
      g_source_unref (stream->source);
    }
  g_ptr_array_unref (stream->events);
  g_object_unref (stream->msg);
  g_free (stream);
}

static void
replay_finished_cb (SoupServerMessage *msg,
                    ReplayStream      *stream)
{
  replay_stream_free (stream);
}

static gboolean
replay_tick_cb (gpointer user_data)
{
  ReplayStream *stream = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  double elapsed = (g_get_monotonic_time () - stream->start) / 1e6;
  guint due = MIN (stream->events->len, (guint) (elapsed * stream->events_per_second) + 1);

  if (stream->next < due)
    {
      for (; stream->next < due; stream->next++)
        {
          const char *event = g_ptr_array_index (stream->events, stream->next);

          soup_message_body_append (body, SOUP_MEMORY_COPY, event, strlen (event));
        }
      if (stream->next == stream->events->len)
        soup_message_body_complete (body);
      soup_server_message_unpause (stream->msg);
    }

  if (stream->next < stream->events->len)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&stream->source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
replay_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Replay *replay = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  ReplayStream *stream;

  if (g_str_equal (path, "/v1/models"))
    {
      gsize size;
      const char *data = g_bytes_get_data (replay->models, &size);

      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, size);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      return;
    }

  if (!g_str_equal (path, "/v1/chat/completions") ||
      g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  stream = g_new0 (ReplayStream, 1);
  stream->msg = g_object_ref (msg);
  g_mutex_lock (&replay->lock);
  stream->events = g_ptr_array_ref (replay->events);
  stream->events_per_second = replay->events_per_second;
  g_mutex_unlock (&replay->lock);
  stream->start = g_get_monotonic_time ();

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  /* Each event is dropped once written (libsoup would otherwise keep them
   * all, and find the next by walking the list from the start). */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "finished", G_CALLBACK (replay_finished_cb), stream);

  /* Nothing to write yet: libsoup sends the headers and waits. */
  stream->source = g_timeout_source_new (1);
  g_source_set_callback (stream->source, replay_tick_cb, stream, NULL);
  g_source_attach (stream->source, replay->context);
}

static gpointer
replay_thread (gpointer user_data)
{
  Replay *replay = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (replay->context);
  replay->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (replay->server, NULL, replay_handler, replay, NULL);
  if (!soup_server_listen_local (replay->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("The replay server cannot listen: %s", error->message);
  uris = soup_server_get_uris (replay->server);
  replay->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&replay->lock);
  replay->started = TRUE;
  g_cond_signal (&replay->ready);
  g_mutex_unlock (&replay->lock);

  for (;;)
    g_main_context_iteration (replay->context, TRUE);

  return NULL;
}

static Replay *
replay_start (GBytes *models)
{
  Replay *replay = g_new0 (Replay, 1);

  replay->context = g_main_context_new ();
  replay->models = g_bytes_ref (models);
  replay->events = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&replay->lock);
  g_cond_init (&replay->ready);

  g_thread_unref (g_thread_new ("replay", replay_thread, replay));
  g_mutex_lock (&replay->lock);
  while (!replay->started)
    g_cond_wait (&replay->ready, &replay->lock);
  g_mutex_unlock (&replay->lock);

  return replay;
}

static void
replay_set_stream (Replay    *replay,
                   GPtrArray *events,
                   double     events_per_second)
{
  g_mutex_lock (&replay->lock);
  g_ptr_array_unref (replay->events);
  replay->events = g_ptr_array_ref (events);
  replay->events_per_second = events_per_second;
  g_mutex_unlock (&replay->lock);
}

/* Cuts a stream as curl read it into its events. */
static GPtrArray *
split_events (const char *stream)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  const char *start = stream;
  const char *end;

  while ((end = strstr (start, "\n\n")) != NULL)
    {
      g_ptr_array_add (events, g_strndup (start, end + 2 - start));
      start = end + 2;
    }

  return events;
}

/* One chat.completion.chunk event with @content (or an empty delta) and
 * @finish_reason (or null). */
static char *
chunk_event (const char *content,
             const char *finish_reason)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), content);
  g_autofree char *quoted = content ? json_to_string (node, FALSE) : NULL;
  g_autofree char *delta = content ? g_strconcat ("\"content\":", quoted, NULL) : g_strdup ("");
  g_autofree char *finish = finish_reason ? g_strdup_printf ("\"%s\"", finish_reason) : g_strdup ("null");

  return g_strdup_printf ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
                          "\"created\":1764201600,\"model\":\"%s\",\"choices\":[{\"index\":0,"
                          "\"delta\":{%s},\"finish_reason\":%s}]}\n\n",
                          BENCH_MODEL, delta, finish);
}

/* A reply in Markdown as a model streams it: a token is a word with the
 * white space before it, long words in pieces of four bytes (never
 * inside a UTF-8 character); then a stop, the usage and [DONE]. */
static GPtrArray *
markdown_events (const char *text,
                 guint      *n_tokens)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  g_ptr_array_add (events, chunk_event ("", NULL));
  *n_tokens = 0;
  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *token = NULL;

      while (*end == ' ' || *end == '\n')
        end++;
      while (*end != '\0' && *end != ' ' && *end != '\n' && end - p < 6)
        end = g_utf8_next_char (end);
      if (end == p)
        end = g_utf8_next_char (end);

      token = g_strndup (p, end - p);
      g_ptr_array_add (events, chunk_event (token, NULL));
      (*n_tokens)++;
      p = end;
    }
  g_ptr_array_add (events, chunk_event (NULL, "stop"));
  g_ptr_array_add (events, g_strdup_printf ("data: {\"id\":\"chatcmpl-bench\",\"object\":"
                                            "\"chat.completion.chunk\",\"created\":1764201600,"
                                            "\"model\":\"%s\",\"choices\":[],\"usage\":"
                                            "{\"prompt_tokens\":20,\"completion_tokens\":%u,"
                                            "\"total_tokens\":%u}}\n\n",
                                            BENCH_MODEL, *n_tokens, *n_tokens + 20));
  g_ptr_array_add (events, g_strdup ("data: [DONE]\n\n"));

  return events;
}

/* The table ---------------------------------------------------------------- */

static const char *
stall_target (GHashTable *results)
{
  double stall = bench_child_value (results, "stall");
  double rate = bench_child_value (results, "rate");

  return stall <= STALL_TARGET_MS && rate >= 4500 ? "met" : "MISSED";
}

/* The same Markdown reply into the same app on a headless Wayland
 * compositor (weston): GTK's X11 backend asks the X server for the work
 * area and the window's monitor a few times each frame and waits for the
 * answers (bench/README.md); its Wayland backend does not. */
static void
print_wayland_rows (GHashTable *wayland)
{
#define W(key) bench_child_value (wayland, key)
  const char *what = "the same under Wayland (weston, headless): longest stall";
  g_autofree char *target = NULL;
  g_autofree char *cpu = NULL;
  g_autofree char *steal = NULL;

  if (wayland == NULL)
    {
      bench_print_row (BENCHMARK, what, "not measured", "no Wayland compositor (apt-get install weston)", NAN, "-");
      return;
    }

  target = g_strdup_printf ("< %.0f ms: %s", STALL_TARGET_MS, stall_target (wayland));
  cpu = g_strdup_printf ("%.1f / %.1f ms", W ("stall-cpu"), W ("most-cpu"));
  steal = g_strdup_printf ("steal %.1f %% (idle: %.1f %%)", W ("steal"), W ("idle-steal"));
  bench_print_pair (BENCHMARK, what, 1, "ms", W ("stall"), "idle app", W ("idle-stall"), target);
  bench_print_row (BENCHMARK, "the same under Wayland: main thread's CPU time in the longest stall / most in any",
                   cpu, steal, NAN, "-");
#undef W
}

static void
print_table (GArray     *raw_rates,
             GHashTable *full,
             GHashTable *markdown,
             GHashTable *paragraph,
             GHashTable *wayland,
             int         runs)
{
#define F(key) bench_child_value (full, key)
#define M(key) bench_child_value (markdown, key)
#define P(key) bench_child_value (paragraph, key)
  g_autofree char *full_what = g_strdup_printf ("mock at full speed: tokens/s taken in (%.0f tokens, median of %d)",
                                                F ("tokens"), runs);
  g_autofree char *markdown_what = g_strdup_printf ("Markdown reply at %.0f tokens/s (%.0f tokens): longest stall",
                                                    M ("rate"), M ("tokens"));
  g_autofree char *worst_what = g_strdup_printf ("the same, worst of %d runs / slowest frame", runs);
  g_autofree char *worst = g_strdup_printf ("%.1f / %.1f ms", M ("stall-max"), M ("slowest-frame"));
  g_autofree char *worst_baseline = g_strdup_printf ("idle app: %.1f ms", M ("idle-stall"));
  g_autofree char *cpu = g_strdup_printf ("%.1f / %.1f ms", M ("stall-cpu"), M ("most-cpu"));
  g_autofree char *steal = g_strdup_printf ("steal %.1f %% (idle: %.1f %%)", M ("steal"), M ("idle-steal"));
  g_autofree char *paragraph_what = g_strdup_printf ("mock reply (one paragraph) at %.0f tokens/s: longest stall",
                                                     P ("rate"));
  g_autofree char *target = g_strdup_printf ("< %.0f ms: %s", STALL_TARGET_MS, stall_target (markdown));
  g_autofree char *parsed = g_strdup_printf ("%.2f", M ("reparsed-per-byte"));
  g_autofree char *parsed_baseline = g_strdup_printf ("whole reply a token: %.0f", M ("tokens") / 2);

  bench_print_columns ();
  bench_print_pair (BENCHMARK, full_what, 0, "tokens/s", F ("rate"), "curl", bench_median (raw_rates), "-");
  bench_print_pair (BENCHMARK, "mock at full speed: longest main-loop stall", 1, "ms",
                    F ("stall"), "idle app", F ("idle-stall"), "-");
  bench_print_pair (BENCHMARK, markdown_what, 1, "ms", M ("stall"), "idle app", M ("idle-stall"), target);
  bench_print_row (BENCHMARK, worst_what, worst, worst_baseline, M ("stall-max") / M ("idle-stall"), "-");
  bench_print_row (BENCHMARK, "the same: main thread's CPU time in the longest stall / most in any",
                   cpu, steal, NAN, "-");
  bench_print_pair (BENCHMARK, paragraph_what, 1, "ms", P ("stall"), "idle app", P ("idle-stall"), "-");
  bench_print_row (BENCHMARK, "Markdown reply: bytes parsed per byte received", parsed, parsed_baseline,
                   NAN, "no whole reparse");
  print_wayland_rows (wayland);
#undef F
#undef M
#undef P
}

static GBytes *
fetch (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GBytes *bytes = soup_session_send_and_read (session, msg, NULL, &error);

  if (bytes == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_error ("Cannot fetch %s: %s", url, error ? error->message : "not 200");

  return bytes;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesTestMock) mock = NULL;
  g_autoptr(GHashTable) full = NULL;
  g_autoptr(GHashTable) markdown = NULL;
  g_autoptr(GHashTable) paragraph = NULL;
  g_autoptr(GHashTable) wayland = NULL;
  g_autoptr(GArray) raw_rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) mock_events = NULL;
  g_autoptr(GPtrArray) reply_events = NULL;
  g_autoptr(GBytes) models = NULL;
  g_autofree char *models_url = NULL;
  g_autofree char *self = NULL;
  g_autofree char *words_arg = NULL;
  g_autofree char *runs_arg = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *body_path = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *mock_stream = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *replay_url = NULL;
  char *access_token = NULL;
  Replay *replay;
  guint reply_tokens = 0;
  int runs = 3;
  int words = 6000;
  int rate = 5000;
  int reply_kb = 40;
  gboolean child = FALSE;
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Replies of each kind; the median counts (default 3)", "N" },
    { "words", 'w', 0, G_OPTION_ARG_INT, &words, "Words of the mock's reply (default 6000)", "N" },
    { "reply-kb", 0, 0, G_OPTION_ARG_INT, &reply_kb, "Size of the Markdown reply in KB (default 40)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "Tokens a second for the stall figures (default 5000)", "N" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &child, NULL, NULL },
    { NULL }
  };

  /* The Markdown reply is also measured under Wayland, if weston is
   * installed: the session GNOME starts by default. */
  g_setenv ("CHUTES_BENCH_WESTON", "1", FALSE);
  bench_enter_session (argc, argv);

  bench_parse_options (&argc, &argv, "- time a streamed reply into the window", entries);
  if (runs < 1 || words < 100 || rate < 100 || reply_kb < 1)
    {
      g_printerr ("--runs and --reply-kb must be at least 1, --words and --rate 100\n");
      return EXIT_FAILURE;
    }

  if (child)
    return run_app (runs);

  words_arg = g_strdup_printf ("%d", words);
  mock = bench_sign_in (chutes_test_mock_start ("--quiet", "--stream-delay-ms", "0",
                                                "--reply-words", words_arg, NULL),
                        &access_token);

  /* The question the app sends (its first turn, default settings). */
  tmp_dir = g_dir_make_tmp ("chutes-bench-stream-XXXXXX", &error);
  g_assert_no_error (error);
  body_path = g_build_filename (tmp_dir, "request.json", NULL);
  out_path = g_build_filename (tmp_dir, "reply.txt", NULL);
  body = g_strdup_printf ("{\"model\":\"%s\",\"stream\":true,\"messages\":"
                          "[{\"role\":\"user\",\"content\":\"%s\"}]}", BENCH_MODEL, PROMPT);
  if (!g_file_set_contents (body_path, body, -1, &error))
    g_error ("%s", error->message);

  for (int i = 0; i < runs; i++)
    {
      RawRead read = curl_read (chutes_test_mock_get_api_url (mock), access_token, body_path, out_path);
      double raw_rate = read.tokens / read.seconds;

      g_array_append_val (raw_rates, raw_rate);
      bench_log ("curl: %.0f tokens (%.0f bytes) in %.3f s", read.tokens, read.bytes, read.seconds);
    }
  chutes_secret_free (access_token);
  if (!g_file_get_contents (out_path, &mock_stream, NULL, &error))
    g_error ("%s", error->message);
  mock_events = split_events (mock_stream);
  g_unlink (body_path);
  g_unlink (out_path);
  g_rmdir (tmp_dir);

  reply = bench_make_reply (7, (gsize) reply_kb * 1000);
  reply_events = markdown_events (reply, &reply_tokens);

  models_url = g_strconcat (chutes_test_mock_get_api_url (mock), "/models", NULL);
  models = fetch (models_url);
  replay = replay_start (models);
  replay_url = g_strdup_printf ("http://127.0.0.1:%u/v1", replay->port);

  self = g_file_read_link ("/proc/self/exe", NULL);
  runs_arg = g_strdup_printf ("--runs=%d", runs);
  {
    const char *child_argv[] = { self, "--child", runs_arg, NULL };

    full = bench_run_child (child_argv);

    g_setenv ("CHUTES_API_BASE_URL", replay_url, TRUE);
    replay_set_stream (replay, reply_events, rate);
    markdown = bench_run_child (child_argv);
    /* The role event and the usage event are not tokens. */
    replay_set_stream (replay, mock_events, rate * (mock_events->len - 4.0) / bench_child_value (full, "tokens"));
    paragraph = bench_run_child (child_argv);

    if (bench_use_wayland (TRUE))
      {
        replay_set_stream (replay, reply_events, rate);
        wayland = bench_run_child (child_argv);
        bench_use_wayland (FALSE);
      }
  }

  g_print ("# %s: the mock's reply has %d words in one paragraph; the Markdown reply %d KB; "
           "the app runs in child processes\n", BENCHMARK, words, reply_kb);
  print_table (raw_rates, full, markdown, paragraph, wayland, runs);

  return EXIT_SUCCESS;
}
