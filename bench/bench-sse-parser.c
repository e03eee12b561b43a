/* bench-sse-parser.c: how fast a streamed reply becomes events and chunks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds a realistic event stream (vLLM-style chat.completion.chunk events
 * with reasoning and content, usage, [DONE], keep-alive comments) through
 * ChutesSseParser alone, then with chutes_chat_chunk_parse() on every
 * event, in the pieces network reads return. Beside each figure it gives a
 * baseline measured in the same run on the same pieces: memchr() finding
 * every newline, the least any line parser has to do. Runs are interleaved
 * and the best of each kind is kept, so a busy machine slows all of them
 * alike; compare the ratio to the baseline, not MB/s, between runs.
 *
 * Prints rows for bench/run (see there): what was timed, its MB/s and
 * events/s, the baseline's MB/s, the ratio of the two times, and, exact
 * rather than timed, the bytes the parser touched per byte fed (see
 * chutes_sse_parser_get_bytes_touched()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chutes-chat-chunk.h"
#include "chutes-sse-parser.h"

#define MB 1e6

typedef struct
{
  const char *name;
  GString    *input;
  GArray     *pieces;      /* gsize: the length of each piece, in order */
  gboolean    decode;      /* also time chutes_chat_chunk_parse() */
} Case;

typedef struct
{
  gboolean decode;         /* decode each event as the chat stream does */
  guint64  events;
  guint64  decoded;
  guint64  lines;
} Counts;

static const char * const words[] = {
  "The ", "answer ", "depends ", "on ", "what ", "you ", "measure, ", "and ",
  "how ", "often. ", "In ", "short: ", "yes. ", "caf\xC3\xA9 ", "na\xC3\xAFve ",
  "\xE2\x80\x94 ", "\xF0\x9F\x98\x80 ", "\\n\\n", "**bold** ", "`code` ",
  "\\\"quoted\\\" ", "Stra\xC3\x9F" "e ", "\xE6\x97\xA5\xE6\x9C\xAC ", "- item\\n",
};

/* One event as vLLM sends it through the Chutes gateway. */
static void
append_chunk (GString    *out,
              const char *id,
              const char *key,
              const char *text,
              const char *finish_reason)
{
  g_string_append_printf (out,
                          "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
                          "\"created\":1764201600,\"model\":\"deepseek-ai/DeepSeek-R1-0528\","
                          "\"choices\":[{\"index\":0,\"delta\":{",
                          id);
  if (key != NULL)
    g_string_append_printf (out, "\"%s\":\"%s\"", key, text);
  g_string_append (out, "},\"logprobs\":null,\"finish_reason\":");
  if (finish_reason != NULL)
    g_string_append_printf (out, "\"%s\"", finish_reason);
  else
    g_string_append (out, "null");
  g_string_append (out, "}]}\n\n");
}

static void
mark_event_end (GArray  *event_ends,
                GString *out)
{
  gsize end = out->len;

  g_array_append_val (event_ends, end);
}

/* Replies, one after the other, until @size bytes: each a role chunk,
 * some reasoning (every other reply), one or two words a chunk of
 * content, a finish reason, usage with empty choices, and [DONE]. The
 * offset of each event's end goes into @event_ends. */
static GString *
make_stream (gsize   size,
             GRand  *rand,
             GArray *event_ends)
{
  GString *out = g_string_sized_new (size + 4096);
  guint reply = 0;

  while (out->len < size)
    {
      g_autofree char *id = g_strdup_printf ("chatcmpl-%08x%08x", reply, g_rand_int (rand));
      guint n_reasoning = reply % 2 == 0 ? g_rand_int_range (rand, 20, 200) : 0;
      guint n_content = g_rand_int_range (rand, 20, 600);
      guint n_tokens = 0;

      append_chunk (out, id, "role", "assistant", NULL);
      mark_event_end (event_ends, out);

      for (guint phase = 0; phase < 2; phase++)
        {
          const char *key = phase == 0 ? "reasoning_content" : "content";
          guint n = phase == 0 ? n_reasoning : n_content;

          for (guint i = 0; i < n; i++)
            {
              g_autofree char *text = NULL;

              if (g_rand_int_range (rand, 0, 3) == 0)
                text = g_strconcat (words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                    words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))],
                                    NULL);
              else
                text = g_strdup (words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
              append_chunk (out, id, key, text, NULL);
              mark_event_end (event_ends, out);
              n_tokens++;

              if (g_rand_int_range (rand, 0, 100) == 0)
                g_string_append (out, ": keep-alive\n\n");
            }
        }

      append_chunk (out, id, NULL, NULL, "stop");
      mark_event_end (event_ends, out);
      g_string_append_printf (out,
                              "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
                              "\"created\":1764201600,\"model\":\"deepseek-ai/DeepSeek-R1-0528\","
                              "\"choices\":[],\"usage\":{\"prompt_tokens\":%u,"
                              "\"total_tokens\":%u,\"completion_tokens\":%u}}\n\n",
                              id, 40 + reply % 900, 40 + reply % 900 + n_tokens, n_tokens);
      mark_event_end (event_ends, out);
      g_string_append (out, "data: [DONE]\n\n");
      mark_event_end (event_ends, out);
      reply++;
    }

  return out;
}

/* Pieces of @min to @max bytes, as reads of up to 16 KiB return them. */
static GArray *
cut_randomly (gsize  length,
              gsize  min,
              gsize  max,
              GRand *rand)
{
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (gsize));

  for (gsize offset = 0; offset < length;)
    {
      gsize size = MIN ((gsize) g_rand_int_range (rand, min, max + 1), length - offset);

      g_array_append_val (pieces, size);
      offset += size;
    }

  return pieces;
}

/* One piece per event, as reads return them while tokens trickle in. */
static GArray *
cut_at (GArray *ends,
        gsize   length)
{
  GArray *pieces = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize offset = 0;

  for (guint i = 0; i < ends->len; i++)
    {
      gsize size = g_array_index (ends, gsize, i) - offset;

      g_array_append_val (pieces, size);
      offset += size;
    }
  if (offset < length)
    {
      gsize size = length - offset;

      g_array_append_val (pieces, size);
    }

  return pieces;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static double
time_baseline (const Case *c,
               Counts     *counts)
{
  const char *p = c->input->str;
  gint64 start = g_get_monotonic_time ();

  counts->lines = 0;
  for (guint i = 0; i < c->pieces->len; i++)
    {
      const char *end = p + g_array_index (c->pieces, gsize, i);
      const char *nl;

      while ((nl = memchr (p, '\n', end - p)) != NULL)
        {
          counts->lines++;
          p = nl + 1;
        }
      p = end;
    }

  return seconds_since (start);
}

static void
on_event (ChutesSseEventKind  kind,
          const char         *event_type,
          const char         *data,
          gsize               length,
          gpointer            user_data)
{
  Counts *counts = user_data;
  ChutesChatChunk chunk;

  counts->events++;
  if (counts->decode && chutes_chat_chunk_parse (data, length, &chunk, NULL))
    {
      counts->decoded++;
      chutes_chat_chunk_clear (&chunk);
    }
}

static double
time_parser (const Case *c,
             gboolean    decode,
             Counts     *counts,
             guint64    *touched)
{
  g_autoptr(ChutesSseParser) parser = NULL;
  const char *p = c->input->str;
  gint64 start;

  *counts = (Counts) { .decode = decode };
  parser = chutes_sse_parser_new (on_event, counts);
  start = g_get_monotonic_time ();

  for (guint i = 0; i < c->pieces->len; i++)
    {
      gsize size = g_array_index (c->pieces, gsize, i);

      if (!chutes_sse_parser_feed (parser, p, size, NULL))
        g_error ("The parser refused the input of case \"%s\"", c->name);
      p += size;
    }
  chutes_sse_parser_finish (parser);

  *touched = chutes_sse_parser_get_bytes_touched (parser);

  return seconds_since (start);
}

/* One row: the figure for @what, the baseline measured in the same run,
 * their ratio (of times: how many times the baseline's time it took). */
static void
print_row (const Case *c,
           const char *what,
           guint64     events,
           double      seconds,
           double      baseline)
{
  g_autofree char *figure = NULL;

  if (events > 1)
    figure = g_strdup_printf ("%.0f MB/s, %.0f events/s",
                              c->input->len / MB / seconds, events / seconds);
  else
    figure = g_strdup_printf ("%.0f MB/s", c->input->len / MB / seconds);

  g_print ("sse-parser\t%s: %s\t%s\t%.0f MB/s memchr\t%.2f\t-\n",
           c->name, what, figure, c->input->len / MB / baseline, seconds / baseline);
}

static void
run_case (const Case *c,
          guint       runs)
{
  double best_baseline = G_MAXDOUBLE;
  double best_parser = G_MAXDOUBLE;
  double best_decode = G_MAXDOUBLE;
  guint64 touched = 0;
  Counts counts = { 0, };
  Counts parsed = { 0, };
  Counts decoded = { 0, };

  for (guint run = 0; run < runs; run++)
    {
      best_baseline = MIN (best_baseline, time_baseline (c, &counts));
      best_parser = MIN (best_parser, time_parser (c, FALSE, &parsed, &touched));
      if (c->decode)
        best_decode = MIN (best_decode, time_parser (c, TRUE, &decoded, &touched));
    }

  /* A baseline too short to time says nothing. */
  best_baseline = MAX (best_baseline, 1e-6);

  print_row (c, "SSE parser", parsed.events, best_parser, best_baseline);
  if (c->decode)
    {
      if (decoded.decoded != decoded.events)
        g_error ("Only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " events of \"%s\" decoded",
                 decoded.decoded, decoded.events, c->name);
      print_row (c, "SSE parser + chunk decoder", decoded.events, best_decode, best_baseline);
    }

  /* Exact, not timed: see chutes_sse_parser_get_bytes_touched(). */
  g_print ("sse-parser\t%s: bytes touched per byte fed\t%.2f\t-\t-\tat most 3 (tested)\n",
           c->name, (double) touched / c->input->len);
}

static void
clear_case (Case *c)
{
  g_clear_pointer (&c->pieces, g_array_unref);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GArray) event_ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GString) stream = NULL;
  g_autoptr(GString) huge_line = NULL;
  int megabytes = 50;
  int runs = 3;
  int seed = 1;
  GOptionEntry entries[] = {
    { "megabytes", 'm', 0, G_OPTION_ARG_INT, &megabytes, "Size of the chat stream (default 50)", "MB" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Runs of each kind; the best counts (default 3)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, "Seed of the stream and its cuts (default 1)", "N" },
    { NULL }
  };
  Case cases[3];

  context = g_option_context_new ("- time the event-stream parser and the chunk decoder");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (megabytes < 1 || runs < 1)
    {
      g_printerr ("--megabytes and --runs must be at least 1\n");
      return EXIT_FAILURE;
    }

  rand = g_rand_new_with_seed (seed);
  stream = make_stream ((gsize) megabytes * MB, rand, event_ends);

  huge_line = g_string_sized_new (CHUTES_SSE_MAX_EVENT_SIZE);
  g_string_append (huge_line, "data: ");
  while (huge_line->len < CHUTES_SSE_MAX_EVENT_SIZE - 16)
    g_string_append_c (huge_line, 'q');
  g_string_append (huge_line, "\n\n");

  cases[0] = (Case) { "chat stream, 1-16 KiB reads", stream,
                      cut_randomly (stream->len, 1024, 16384, rand), TRUE };
  cases[1] = (Case) { "chat stream, a read per event", stream,
                      cut_at (event_ends, stream->len), TRUE };
  cases[2] = (Case) { "one 1 MiB line, 4 KiB reads", huge_line,
                      cut_randomly (huge_line->len, 4096, 4096, rand), FALSE };

  g_print ("columns\tbenchmark\twhat\tfigure\tbaseline\tratio\ttarget\n");
  g_print ("# sse-parser: a %.1f MB chat stream of %u events; best of %d runs; "
           "ratio: time / the baseline's time\n",
           stream->len / MB, event_ends->len, runs);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      run_case (&cases[i], runs);
      clear_case (&cases[i]);
    }

  return EXIT_SUCCESS;
}
