/* test-sse-parser.c: the event-stream parser under every way of cutting it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-error.h"
#include "chutes-sse-parser.h"

/* Events are recorded as one line of text each:
 *   D[type]=data     a dispatched event (type "-" when there was none)
 *   B=data           a bare line
 * with bytes outside printable ASCII written as \xNN, so that two runs can
 * be compared as strings and a table can spell out what it expects. */
static void
record_event (ChutesSseEventKind  kind,
              const char         *event_type,
              const char         *data,
              gsize               length,
              gpointer            user_data)
{
  GString *out = user_data;

  /* The parser promises NUL-terminated data. */
  g_assert_cmpint (data[length], ==, '\0');

  if (kind == CHUTES_SSE_EVENT_DATA)
    g_string_append_printf (out, "D[%s]=", event_type ? event_type : "-");
  else
    {
      g_assert_cmpint (kind, ==, CHUTES_SSE_EVENT_BARE_LINE);
      g_assert_null (event_type);
      g_string_append (out, "B=");
    }

  for (gsize i = 0; i < length; i++)
    {
      guchar c = data[i];

      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "\\x%02X", c);
    }
  g_string_append_c (out, '\n');
}

/* Feeds @input cut at the given offsets (sorted, within the input). */
static char *
parse_with_cuts (const char  *input,
                 gsize        length,
                 const gsize *cuts,
                 guint        n_cuts)
{
  GString *out = g_string_new (NULL);
  g_autoptr(ChutesSseParser) parser = chutes_sse_parser_new (record_event, out);
  g_autoptr(GError) error = NULL;
  gsize offset = 0;

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize next = i < n_cuts ? cuts[i] : length;

      g_assert_cmpuint (next, >=, offset);
      chutes_sse_parser_feed (parser, input + offset, next - offset, &error);
      g_assert_no_error (error);
      offset = next;
    }

  chutes_sse_parser_finish (parser);

  /* However it was cut, no byte was touched more than three times (see
   * test_large_stream_is_linear()). */
  g_assert_cmpuint (chutes_sse_parser_get_bytes_touched (parser), <=, 3 * length);

  return g_string_free (out, FALSE);
}

typedef struct
{
  const char *name;
  const char *input;
  gssize      length;   /* -1: strlen */
  const char *expected;
} Case;

static const Case cases[] = {
  { "simple", "data: hello\n\n", -1, "D[-]=hello\n" },
  { "crlf", "data: a\r\n\r\ndata: b\r\n\r\n", -1, "D[-]=a\nD[-]=b\n" },
  { "cr-only", "data: a\r\rdata: b\r\r", -1, "D[-]=a\nD[-]=b\n" },
  { "mixed-line-ends", "data: a\r\ndata: b\n\r\ndata: c\r\n\n", -1, "D[-]=a\\x0Ab\nD[-]=c\n" },
  { "cr-then-lf-is-one-line-end", "data: a\r\n\rdata: b\n\r", -1, "D[-]=a\nD[-]=b\n" },
  { "lf-cr-is-two-line-ends", "data: a\n\rdata: b\n\n", -1, "D[-]=a\nD[-]=b\n" },
  { "bom", "\xEF\xBB\xBF" "data: x\n\n", -1, "D[-]=x\n" },
  { "bom-only-at-start", "data: x\n\n\xEF\xBB\xBF" "data: y\n\n", -1, "D[-]=x\n" },
  { "second-bom-is-not-skipped", "\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n", -1, "D[-]=y\n" },
  { "half-bom-is-data", "\xEF\xBB\ndata: x\n\n", -1, "D[-]=x\n" },
  { "half-bom-then-line", "\xEF" "data: x\n\ndata: y\n\n", -1, "D[-]=y\n" },
  { "bom-then-bare-line", "\xEF\xBB\xBF{\"error\":\"x\"}\n", -1, "B={\"error\":\"x\"}\n" },
  { "only-half-a-bom", "\xEF\xBB", -1, "" },
  { "comments", ": keep-alive\n\ndata: a\n: between\ndata: b\n\n", -1, "D[-]=a\\x0Ab\n" },
  { "event-type", "event: ping\ndata: p\n\ndata: q\n\n", -1, "D[ping]=p\nD[-]=q\n" },
  { "empty-event-type", "event:\ndata: p\n\n", -1, "D[-]=p\n" },
  { "event-type-without-data-is-forgotten", "event: x\n\ndata: y\n\n", -1, "D[-]=y\n" },
  { "no-space-after-colon", "data:tight\n\n", -1, "D[-]=tight\n" },
  { "only-one-space-removed", "data:  two\n\n", -1, "D[-]= two\n" },
  { "field-without-colon", "data\n\n", -1, "D[-]=\n" },
  { "empty-data", "data:\n\n", -1, "D[-]=\n" },
  { "empty-data-lines-join", "data:\ndata:\n\n", -1, "D[-]=\\x0A\n" },
  { "blank-lines-only", "\n\n\r\n\r\r", -1, "" },
  { "other-fields-ignored", "id: 1\nretry: 10\nfoo: bar\ndata: d\nDATA: no\n\n", -1, "D[-]=d\n" },
  { "colon-in-value", "data: a: b\n\n", -1, "D[-]=a: b\n" },
  { "multi-line-data", "data: a\ndata: b\ndata: c\n\n", -1, "D[-]=a\\x0Ab\\x0Ac\n" },
  { "bare-error-line", "data: {\"a\":1}\n\n{\"error\":\"boom\"}\n", -1,
    "D[-]={\"a\":1}\nB={\"error\":\"boom\"}\n" },
  { "bare-line-flushes-pending-event", "data: x\n{\"error\":\"e\"}\ndata: y\n\n", -1,
    "D[-]=x\nB={\"error\":\"e\"}\nD[-]=y\n" },
  { "bare-line-without-newline", "data: x\n\n{\"error\":\"e\"}", -1,
    "D[-]=x\nB={\"error\":\"e\"}\n" },
  { "bare-line-crlf", "{\"error\":{\"message\":\"m\"}}\r\n", -1,
    "B={\"error\":{\"message\":\"m\"}}\n" },
  { "indented-brace-is-a-field", " {\"error\":\"e\"}\n\n", -1, "" },
  { "missing-blank-line-at-end", "data: a\n\ndata: last", -1, "D[-]=a\nD[-]=last\n" },
  { "missing-blank-line-after-newline", "data: last\n", -1, "D[-]=last\n" },
  { "ends-with-cr", "data: x\r", -1, "D[-]=x\n" },
  { "utf8", "data: h\xC3\xA9llo \xF0\x9F\x98\x80 \xE2\x82\xAC\n\n", -1,
    "D[-]=h\\xC3\\xA9llo \\xF0\\x9F\\x98\\x80 \\xE2\\x82\\xAC\n" },
  { "invalid-utf8-passes-through", "data: \xFF\xC3\n\n", -1, "D[-]=\\xFF\\xC3\n" },
  { "nul-byte", "data: a\0b\n\n", 11, "D[-]=a\\x00b\n" },
  { "empty", "", -1, "" },
  { "gateway",
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    ": ping\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n", -1,
    "D[-]={\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n"
    "D[-]={\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n"
    "D[-]={\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n"
    "D[-]={\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n"
    "D[-]=[DONE]\n" },
};

static gsize
case_length (const Case *c)
{
  return c->length >= 0 ? (gsize) c->length : strlen (c->input);
}

static void
test_table_one_shot (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = parse_with_cuts (cases[i].input, case_length (&cases[i]), NULL, 0);

      g_test_message ("case %s", cases[i].name);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }
}

static void
test_table_every_split (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = case_length (&cases[i]);

      g_test_message ("case %s", cases[i].name);

      /* One cut anywhere, including an empty first or last chunk. */
      for (gsize cut = 0; cut <= length; cut++)
        {
          g_autofree char *got = parse_with_cuts (cases[i].input, length, &cut, 1);

          g_assert_cmpstr (got, ==, cases[i].expected);
        }

      /* Two cuts anywhere: covers "\r" | "\n" and a BOM in three pieces. */
      for (gsize a = 0; a <= length; a++)
        for (gsize b = a; b <= length; b++)
          {
            gsize cuts[2] = { a, b };
            g_autofree char *got = parse_with_cuts (cases[i].input, length, cuts, 2);

            g_assert_cmpstr (got, ==, cases[i].expected);
          }
    }
}

static void
test_table_byte_by_byte (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = case_length (&cases[i]);
      g_autofree gsize *cuts = g_new (gsize, length + 1);
      g_autofree char *got = NULL;

      for (gsize j = 0; j < length; j++)
        cuts[j] = j + 1;

      got = parse_with_cuts (cases[i].input, length, cuts, length);
      g_test_message ("case %s", cases[i].name);
      g_assert_cmpstr (got, ==, cases[i].expected);
    }
}

static int
compare_gsize (gconstpointer a,
               gconstpointer b)
{
  gsize x = *(const gsize *) a;
  gsize y = *(const gsize *) b;

  return x < y ? -1 : x > y;
}

static void
test_table_random_splits (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = case_length (&cases[i]);

      g_test_message ("case %s", cases[i].name);
      for (guint round = 0; round < 200; round++)
        {
          guint n_cuts = g_rand_int_range (rand, 0, (gint32) MIN (length, 12) + 1);
          g_autofree gsize *cuts = g_new0 (gsize, n_cuts + 1);
          g_autofree char *got = NULL;

          for (guint k = 0; k < n_cuts; k++)
            cuts[k] = g_rand_int_range (rand, 0, (gint32) length + 1);
          qsort (cuts, n_cuts, sizeof (gsize), compare_gsize);

          got = parse_with_cuts (cases[i].input, length, cuts, n_cuts);
          g_assert_cmpstr (got, ==, cases[i].expected);
        }
    }
}

/* The gateway's stream repeated many times, cut at random places. */
static void
test_long_stream_random_splits (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GString) input = g_string_new (NULL);
  g_autofree char *one_shot = NULL;
  const Case *gateway = &cases[G_N_ELEMENTS (cases) - 1];
  const char *line_ends[] = { "\n", "\r\n", "\r" };

  g_assert_cmpstr (gateway->name, ==, "gateway");

  for (guint i = 0; i < 300; i++)
    {
      const char *eol = line_ends[i % G_N_ELEMENTS (line_ends)];

      g_string_append_printf (input, "data: {\"n\":%u,\"t\":\"\xC3\xA9\xF0\x9F\x98\x80\"}%s%s", i, eol, eol);
      if (i % 7 == 0)
        g_string_append_printf (input, ": comment %u%s", i, eol);
      if (i % 11 == 0)
        g_string_append_printf (input, "event: e%u%sdata: a%sdata: b%s%s", i, eol, eol, eol, eol);
    }
  g_string_append (input, "{\"error\":\"late\"}\r\n");

  one_shot = parse_with_cuts (input->str, input->len, NULL, 0);
  g_assert_true (g_str_has_prefix (one_shot, "D[-]={\"n\":0,"));
  g_assert_true (g_str_has_suffix (one_shot, "B={\"error\":\"late\"}\n"));
  g_assert_nonnull (strstr (one_shot, "D[e11]=a\\x0Ab\n"));

  for (guint round = 0; round < 200; round++)
    {
      guint n_cuts = g_rand_int_range (rand, 1, 400);
      g_autofree gsize *cuts = g_new0 (gsize, n_cuts);
      g_autofree char *got = NULL;

      for (guint k = 0; k < n_cuts; k++)
        cuts[k] = g_rand_int_range (rand, 0, (gint32) input->len + 1);
      qsort (cuts, n_cuts, sizeof (gsize), compare_gsize);

      got = parse_with_cuts (input->str, input->len, cuts, n_cuts);
      g_assert_cmpstr (got, ==, one_shot);
    }
}

static void
count_event (ChutesSseEventKind  kind,
             const char         *event_type,
             const char         *data,
             gsize               length,
             gpointer            user_data)
{
  gsize *count = user_data;

  (*count)++;
}

static void
test_oversized_line_fails (void)
{
  gsize count = 0;
  g_autoptr(ChutesSseParser) parser = chutes_sse_parser_new (count_event, &count);
  g_autoptr(GError) error = NULL;
  g_autofree char *block = g_malloc (64 * 1024);
  gsize fed = 0;
  gboolean ok = TRUE;

  memset (block, 'x', 64 * 1024);

  g_assert_true (chutes_sse_parser_feed (parser, "data: ok\n\ndata: ", 16, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);

  /* A line that never ends: refused once it passes the limit, not kept
   * growing. */
  while (ok && fed <= CHUTES_SSE_MAX_EVENT_SIZE + 64 * 1024)
    {
      ok = chutes_sse_parser_feed (parser, block, 64 * 1024, &error);
      fed += 64 * 1024;
    }

  g_assert_false (ok);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_cmpuint (fed, <=, CHUTES_SSE_MAX_EVENT_SIZE + 64 * 1024);
  g_clear_error (&error);

  /* The parser stays failed. */
  g_assert_false (chutes_sse_parser_feed (parser, "\n\n", 2, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  chutes_sse_parser_finish (parser);
  g_assert_cmpuint (count, ==, 1);
}

static void
test_oversized_line_one_shot_fails (void)
{
  gsize count = 0;
  g_autoptr(ChutesSseParser) parser = chutes_sse_parser_new (count_event, &count);
  g_autoptr(GError) error = NULL;
  gsize length = CHUTES_SSE_MAX_EVENT_SIZE + 1;
  g_autofree char *line = g_malloc (length + 2);

  memset (line, 'y', length);
  memcpy (line, "data:", 5);
  line[length] = '\n';
  line[length + 1] = '\n';

  g_assert_false (chutes_sse_parser_feed (parser, line, length + 2, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_cmpuint (count, ==, 0);
}

static void
test_oversized_event_fails (void)
{
  gsize count = 0;
  g_autoptr(ChutesSseParser) parser = chutes_sse_parser_new (count_event, &count);
  g_autoptr(GError) error = NULL;
  gsize line_length = CHUTES_SSE_MAX_EVENT_SIZE / 8;
  g_autofree char *line = g_malloc (line_length);
  gboolean ok = TRUE;
  guint lines = 0;

  /* Many data: lines each an eighth of the limit, never a blank line:
   * the ninth passes it. */
  memset (line, 'z', line_length);
  memcpy (line, "data:", 5);
  line[line_length - 1] = '\n';

  while (ok && lines < 20)
    {
      ok = chutes_sse_parser_feed (parser, line, line_length, &error);
      lines++;
    }

  g_assert_false (ok);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_cmpuint (lines, ==, 9);
  g_assert_cmpuint (count, ==, 0);
}

static void
record_length (ChutesSseEventKind  kind,
               const char         *event_type,
               const char         *data,
               gsize               length,
               gpointer            user_data)
{
  gsize *out = user_data;

  *out = length;
}

static void
test_largest_event_passes (void)
{
  gsize got = 0;
  g_autoptr(ChutesSseParser) parser = chutes_sse_parser_new (record_length, &got);
  g_autoptr(GError) error = NULL;
  gsize length = CHUTES_SSE_MAX_EVENT_SIZE;
  g_autofree char *line = g_malloc (length + 2);

  memset (line, 'w', length);
  memcpy (line, "data:", 5);
  line[length] = '\n';
  line[length + 1] = '\n';

  /* Fed in pieces so that the line is collected across chunks. */
  for (gsize offset = 0; offset < length + 2; offset += 100000)
    {
      g_assert_true (chutes_sse_parser_feed (parser, line + offset,
                                             MIN (100000, length + 2 - offset), &error));
      g_assert_no_error (error);
    }

  g_assert_cmpuint (got, ==, length - 5);
}

typedef struct
{
  gsize events;
  gsize bytes;
} Totals;

static void
add_event (ChutesSseEventKind  kind,
           const char         *event_type,
           const char         *data,
           gsize               length,
           gpointer            user_data)
{
  Totals *totals = user_data;

  totals->events++;
  totals->bytes += length;
}

/* Parses @input fed in @chunk_size pieces; returns the bytes the parser
 * touched (looked at or copied). */
static guint64
parse_in_pieces (GString *input,
                 gsize    chunk_size,
                 Totals  *totals)
{
  g_autoptr(ChutesSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;

  *totals = (Totals) { 0, 0 };
  parser = chutes_sse_parser_new (add_event, totals);

  for (gsize offset = 0; offset < input->len; offset += chunk_size)
    {
      g_assert_true (chutes_sse_parser_feed (parser, input->str + offset,
                                             MIN (chunk_size, input->len - offset), &error));
      g_assert_no_error (error);
    }
  chutes_sse_parser_finish (parser);

  return chutes_sse_parser_get_bytes_touched (parser);
}

static GString *
make_stream (gsize size)
{
  GString *input = g_string_sized_new (size + 256);

  while (input->len < size)
    g_string_append (input,
                     "data: {\"choices\":[{\"delta\":{\"content\":\"a few words \xC3\xA9\"}}]}\n\n");

  return input;
}

/* Linear work, however the input is cut: a byte is looked at once for its
 * line end, copied once more if a piece boundary cut its line, and then
 * either looked at for the colon or copied into the event: three times at
 * most. A parser that re-scanned what it holds would touch each byte a
 * number of times that grows with the input. Speed itself is measured by
 * bench/bench-sse-parser, not here: a busy machine fools a clock. */
static void
test_large_stream_is_linear (void)
{
  g_autoptr(GString) small = make_stream (1024 * 1024);
  g_autoptr(GString) large = make_stream (10 * 1024 * 1024);
  Totals small_totals;
  Totals large_totals;
  guint64 touched_small;
  guint64 touched_large;
  gsize expected_events = large->len / strlen ("data: {\"choices\":[{\"delta\":{\"content\":\"a few words \xC3\xA9\"}}]}\n\n");

  /* Chunks of 1000 bytes cut lines everywhere. */
  touched_small = parse_in_pieces (small, 1000, &small_totals);
  touched_large = parse_in_pieces (large, 1000, &large_totals);

  g_test_message ("bytes touched per byte fed: 1 MiB: %.3f, 10 MiB: %.3f",
                  (double) touched_small / small->len, (double) touched_large / large->len);
  g_assert_cmpuint (large_totals.events, ==, expected_events);
  g_assert_cmpuint (large_totals.bytes, ==, large->len - expected_events * strlen ("data: \n\n"));

  /* Every byte looked at, none more than three times. */
  g_assert_cmpuint (touched_small, >=, small->len);
  g_assert_cmpuint (touched_small, <=, 3 * small->len);
  g_assert_cmpuint (touched_large, >=, large->len);
  g_assert_cmpuint (touched_large, <=, 3 * large->len);
  /* Ten times the input, ten times the work (to within a few pieces). */
  g_assert_cmpuint (touched_large, <=, 10 * touched_small + 10 * 1000);
}

/* The largest line allowed (CHUTES_SSE_MAX_EVENT_SIZE) arriving in small
 * pieces: a parser that re-scans what it holds on every feed would touch
 * hundreds of times more. */
static void
test_huge_line_in_small_pieces (void)
{
  gsize length = CHUTES_SSE_MAX_EVENT_SIZE - 16;
  g_autoptr(GString) input = g_string_sized_new (length + 8);
  Totals totals;
  guint64 touched;

  g_string_append (input, "data: ");
  while (input->len < length)
    g_string_append_c (input, 'q');
  g_string_append (input, "\n\n");

  touched = parse_in_pieces (input, 4096, &totals);
  g_test_message ("largest line in 4 KiB pieces: %.3f bytes touched per byte fed",
                  (double) touched / input->len);
  g_assert_cmpuint (totals.events, ==, 1);
  g_assert_cmpuint (totals.bytes, ==, length - 6);
  /* Looked at once, collected once, copied once into the event (a
   * re-scanning parser: about a hundred times). */
  g_assert_cmpuint (touched, >=, input->len);
  g_assert_cmpuint (touched, <=, 3 * input->len);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sse-parser/table/one-shot", test_table_one_shot);
  g_test_add_func ("/sse-parser/table/every-split-gives-same-events", test_table_every_split);
  g_test_add_func ("/sse-parser/table/byte-by-byte-gives-same-events", test_table_byte_by_byte);
  g_test_add_func ("/sse-parser/table/random-splits-give-same-events", test_table_random_splits);
  g_test_add_func ("/sse-parser/long-stream/random-splits-give-same-events", test_long_stream_random_splits);
  g_test_add_func ("/sse-parser/limits/endless-line-is-refused", test_oversized_line_fails);
  g_test_add_func ("/sse-parser/limits/oversized-line-in-one-piece-is-refused", test_oversized_line_one_shot_fails);
  g_test_add_func ("/sse-parser/limits/oversized-event-is-refused", test_oversized_event_fails);
  g_test_add_func ("/sse-parser/limits/largest-event-passes", test_largest_event_passes);
  g_test_add_func ("/sse-parser/cost/ten-megabytes-in-linear-work", test_large_stream_is_linear);
  g_test_add_func ("/sse-parser/cost/huge-line-in-small-pieces-is-not-rescanned", test_huge_line_in_small_pieces);

  return g_test_run ();
}
