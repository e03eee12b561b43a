/* fuzz-sse-parser.c: libFuzzer entry point for the event-stream parser and
 * the chat chunk decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is read as:
 *
 *   byte 0               n: how many cuts (0..31)
 *   bytes 1 .. 2n        n little-endian 16-bit cut positions
 *   the rest             the stream
 *
 * The stream is parsed once in one piece and once cut at those positions
 * (taken modulo its length, sorted); both runs must produce exactly the
 * same events, and the same outcome. Every event also goes through
 * chutes_chat_chunk_parse(), whose text must always be valid UTF-8.
 *
 * Built by meson with -Dfuzzing=true; see README.md beside this file.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chutes-chat-chunk.h"
#include "chutes-sse-parser.h"
#include "fuzz-common.h"

#define MAX_CUTS 31

static void
record_event (ChutesSseEventKind  kind,
              const char         *event_type,
              const char         *data,
              gsize               length,
              gpointer            user_data)
{
  GString *out = user_data;
  ChutesChatChunk chunk;

  if (data[length] != '\0')
    abort ();
  if (kind == CHUTES_SSE_EVENT_BARE_LINE && (event_type != NULL || length == 0 || data[0] != '{'))
    abort ();

  g_string_append_printf (out, "%c|%s|%" G_GSIZE_FORMAT "|",
                          kind == CHUTES_SSE_EVENT_DATA ? 'D' : 'B',
                          event_type ? event_type : "",
                          length);
  g_string_append_len (out, data, length);
  g_string_append_c (out, '\n');

  if (chutes_chat_chunk_parse (data, length, &chunk, NULL))
    {
      fuzz_check_utf8 (chunk.content);
      fuzz_check_utf8 (chunk.reasoning);
      fuzz_check_utf8 (chunk.finish_reason);
      fuzz_check_utf8 (chunk.error);
      if (chunk.error != NULL && chunk.error[0] == '\0')
        abort ();
      if (chunk.has_usage && chunk.prompt_tokens < 0 && chunk.completion_tokens < 0)
        abort ();

      g_string_append_printf (out, "  -> c=%s r=%s f=%s e=%s u=%d:%" G_GINT64_FORMAT
                              ":%" G_GINT64_FORMAT " d=%d\n",
                              chunk.content ? chunk.content : "(null)",
                              chunk.reasoning ? chunk.reasoning : "(null)",
                              chunk.finish_reason ? chunk.finish_reason : "(null)",
                              chunk.error ? chunk.error : "(null)",
                              chunk.has_usage, chunk.prompt_tokens, chunk.completion_tokens,
                              chunk.done);
      chutes_chat_chunk_clear (&chunk);
    }
  else
    g_string_append (out, "  -> not JSON\n");
}

static char *
parse (const char  *stream,
       gsize        length,
       const gsize *cuts,
       guint        n_cuts)
{
  GString *out = g_string_new (NULL);
  ChutesSseParser *parser = chutes_sse_parser_new (record_event, out);
  gsize offset = 0;
  gboolean ok = TRUE;

  for (guint i = 0; ok && i <= n_cuts; i++)
    {
      gsize next = i < n_cuts ? cuts[i] : length;
      GError *error = NULL;

      ok = chutes_sse_parser_feed (parser, stream + offset, next - offset, &error);
      if (!ok)
        {
          if (error == NULL)
            abort ();
          g_string_append (out, "FAILED\n");
          g_error_free (error);
        }
      else if (error != NULL)
        abort ();
      offset = next;
    }

  if (ok)
    chutes_sse_parser_finish (parser);
  chutes_sse_parser_free (parser);

  return g_string_free (out, FALSE);
}

static int
compare_gsize (const void *a,
               const void *b)
{
  gsize x = *(const gsize *) a;
  gsize y = *(const gsize *) b;

  return x < y ? -1 : x > y;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  gsize cuts[MAX_CUTS];
  guint n_cuts;
  const char *stream;
  gsize length;
  char *one_shot;
  char *pieces;

  if (size < 1)
    return 0;

  n_cuts = data[0] % (MAX_CUTS + 1);
  if (size < 1 + 2 * (gsize) n_cuts)
    return 0;

  stream = (const char *) data + 1 + 2 * n_cuts;
  length = size - 1 - 2 * n_cuts;

  for (guint i = 0; i < n_cuts; i++)
    {
      guint position = data[1 + 2 * i] | (data[2 + 2 * i] << 8);

      cuts[i] = position % (length + 1);
    }
  qsort (cuts, n_cuts, sizeof cuts[0], compare_gsize);

  one_shot = parse (stream, length, NULL, 0);
  pieces = parse (stream, length, cuts, n_cuts);

  if (strcmp (one_shot, pieces) != 0)
    {
      g_printerr ("One piece:\n%s\nCut in %u places:\n%s\n", one_shot, n_cuts, pieces);
      abort ();
    }

  g_free (one_shot);
  g_free (pieces);

  return 0;
}
