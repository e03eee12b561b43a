/* mock-stream.c: writes a chunked response body piece by piece, without
 * blocking, and misbehaves on request (split, drop, stall, huge)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define SPLIT_SEED 20240517

/* A huge reply is written in HTTP chunks of about this many bytes, the
 * next once the last one is out (the mock does not queue 100 MB for a
 * client that reads slowly or has gone). */
#define HUGE_CHUNK (64 * 1024)

static const char * const huge_shapes[] = {
  [MOCK_HUGE_WORDS] = "words",
  [MOCK_HUGE_LINES] = "lines",
  [MOCK_HUGE_ONE_LINE] = "one-line",
  [MOCK_HUGE_MARKDOWN] = "markdown",
  [MOCK_HUGE_REASONING] = "reasoning",
};

/* What is left to write of a huge reply. */
typedef struct
{
  MockHugeShape   shape;
  gint64          left;         /* bytes of text */
  guint           event_bytes;
  char           *unit;         /* the text, repeated */
  gsize           unit_length;
  gsize           unit_offset;
  MockCompletion  reply;        /* for the events' id and model */
  gboolean        started;
  gboolean        ended;
} MockHuge;

typedef struct
{
  MockServer        *server;
  SoupServerMessage *msg;
  GPtrArray         *pieces;
  MockStreamMode     mode;
  guint              next;          /* next piece to append */
  guint              written;       /* pieces written to the socket */
  guint              source_id;
  MockHuge          *huge;
} MockStream;

static void
mock_huge_free (MockHuge *huge)
{
  g_free (huge->unit);
  g_free (huge->reply.id);
  g_free (huge->reply.model);
  g_free (huge);
}

static void
mock_stream_free (MockStream *stream)
{
  g_clear_handle_id (&stream->source_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  g_clear_object (&stream->msg);
  g_clear_pointer (&stream->pieces, g_ptr_array_unref);
  g_clear_pointer (&stream->huge, mock_huge_free);
  g_free (stream);
}

/* The message is done (written, or the client went away): stop. */
static void
stream_finished_cb (SoupServerMessage *msg,
                    MockStream        *stream)
{
  mock_stream_free (stream);
}

static void
stream_wrote_body_cb (SoupServerMessage *msg,
                      MockStream        *stream)
{
  stream->server->stats.chat_streams_completed++;
}

/* The last piece of a dropped stream is never written whole: its chunk
 * header and half of its bytes go out directly on the socket, then the
 * connection is cut. The client sees a chunk end early (clients such as
 * libsoup take a cut at a chunk boundary for a normal end). */
static guint
stream_n_whole (MockStream *stream)
{
  if (stream->mode == MOCK_STREAM_DROP && stream->pieces->len > 0)
    return stream->pieces->len - 1;

  return stream->pieces->len;
}

static void
stream_cut (MockStream *stream)
{
  GSocket *socket = soup_server_message_get_socket (stream->msg);
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  const char *last = g_ptr_array_index (stream->pieces, stream->pieces->len - 1);
  g_autofree char *partial = g_strdup_printf ("%zx\r\n%.*s", strlen (last),
                                              (int) strlen (last) / 2, last);

  if (!stream->server->quiet)
    g_message ("Dropping the connection in the middle of a stream");

  if (socket != NULL)
    {
      g_socket_send (socket, partial, strlen (partial), NULL, NULL);
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }

  /* Let libsoup notice (its next write fails) and finish the message. */
  soup_message_body_complete (body);
  soup_server_message_unpause (stream->msg);
}

static void huge_schedule (MockStream *stream);

static void
stream_wrote_chunk_cb (SoupServerMessage *msg,
                       MockStream        *stream)
{
  stream->written++;
  if (stream->huge != NULL)
    {
      huge_schedule (stream);
      return;
    }
  if (stream->mode == MOCK_STREAM_DROP && stream->written == stream_n_whole (stream))
    stream_cut (stream);
}

static gboolean stream_next_cb (gpointer user_data);

static void
stream_schedule (MockStream *stream)
{
  if (stream->server->stream_delay_ms > 0)
    stream->source_id = g_timeout_add (stream->server->stream_delay_ms, stream_next_cb, stream);
  else
    stream->source_id = g_idle_add (stream_next_cb, stream);
}

static gboolean
stream_next_cb (gpointer user_data)
{
  MockStream *stream = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);

  stream->source_id = 0;

  if (stream->next < stream_n_whole (stream))
    {
      const char *piece = g_ptr_array_index (stream->pieces, stream->next++);

      soup_message_body_append (body, SOUP_MEMORY_COPY, piece, strlen (piece));
      soup_server_message_unpause (stream->msg);
      stream_schedule (stream);
    }
  else if (stream->mode != MOCK_STREAM_DROP)
    {
      soup_message_body_complete (body);
      soup_server_message_unpause (stream->msg);
    }
  /* else: stream_wrote_chunk_cb() cuts once the last piece is out. */

  return G_SOURCE_REMOVE;
}

/* The next @length bytes of the huge reply's text. */
static char *
huge_take_text (MockHuge *huge,
                gsize     length)
{
  GString *text = g_string_sized_new (length);

  while (text->len < length)
    {
      gsize n = MIN (length - text->len, huge->unit_length - huge->unit_offset);

      g_string_append_len (text, huge->unit + huge->unit_offset, n);
      huge->unit_offset = (huge->unit_offset + n) % huge->unit_length;
    }
  huge->left -= length;

  return g_string_free (text, FALSE);
}

/* Adds the next events of the huge reply to @out; TRUE when it ended. */
static gboolean
huge_fill (MockStream *stream,
           GString    *out)
{
  MockHuge *huge = stream->huge;
  gboolean one_line = huge->shape == MOCK_HUGE_ONE_LINE;
  const char *key = huge->shape == MOCK_HUGE_REASONING ? "reasoning_content" : "content";

  if (!huge->started)
    {
      /* The canned stream's first event: its role. */
      g_string_append (out, g_ptr_array_index (stream->pieces, 0));
      if (one_line)
        g_string_append_printf (out, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
                                "\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":"
                                "{\"content\":\"", huge->reply.id, huge->reply.model);
      huge->started = TRUE;
    }

  while (out->len < HUGE_CHUNK && huge->left > 0)
    {
      g_autofree char *text = huge_take_text (huge, MIN ((gint64) (one_line ? HUGE_CHUNK
                                                                            : huge->event_bytes),
                                                         huge->left));
      if (one_line)
        g_string_append (out, text);
      else
        {
          g_autofree char *event = mock_completion_chunk_event (&huge->reply, key, text, NULL);
          g_string_append (out, event);
        }
    }

  if (huge->left > 0)
    return FALSE;

  if (one_line)
    g_string_append (out, "\"},\"finish_reason\":null}]}\n\n");
  else if (huge->shape == MOCK_HUGE_REASONING)
    {
      g_autofree char *answer = mock_completion_chunk_event (&huge->reply, "content",
                                                             "That was a lot of thinking.", NULL);
      g_string_append (out, answer);
    }

  {
    g_autofree char *finish = mock_completion_chunk_event (&huge->reply, NULL, NULL, "stop");
    g_string_append (out, finish);
  }
  g_string_append (out, "data: [DONE]\n\n");

  return TRUE;
}

static gboolean
huge_next_cb (gpointer user_data)
{
  MockStream *stream = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  GString *out;
  gsize length;

  stream->source_id = 0;

  if (stream->huge->ended)
    {
      soup_message_body_complete (body);
      soup_server_message_unpause (stream->msg);
      return G_SOURCE_REMOVE;
    }

  out = g_string_sized_new (HUGE_CHUNK + 4096);
  stream->huge->ended = huge_fill (stream, out);
  length = out->len;
  soup_message_body_append (body, SOUP_MEMORY_TAKE, g_string_free (out, FALSE), length);
  soup_server_message_unpause (stream->msg);

  return G_SOURCE_REMOVE;
}

/* The next chunk once the last one is written (or at once, the first). */
static void
huge_schedule (MockStream *stream)
{
  if (stream->source_id == 0)
    stream->source_id = g_idle_add (huge_next_cb, stream);
}

static MockHuge *
huge_new (MockServer *self)
{
  MockHuge *huge = g_new0 (MockHuge, 1);

  huge->shape = self->huge_shape;
  huge->left = self->huge_bytes;
  huge->event_bytes = self->huge_event_bytes;
  huge->unit = mock_completion_huge_unit (huge->shape);
  huge->unit_length = strlen (huge->unit);
  huge->reply.id = g_strdup ("chatcmpl-mockhugereply");
  huge->reply.model = g_strdup ("mock-huge");
  huge->reply.created = g_get_real_time () / G_USEC_PER_SEC;

  return huge;
}

gboolean
mock_stream_control (MockServer  *self,
                     const char  *key,
                     const char  *value,
                     gboolean     apply,
                     char       **detail)
{
  char *end = NULL;
  guint64 number = g_ascii_strtoull (value, &end, 10);
  gboolean is_number = *value != '\0' && end != NULL && *end == '\0';

  if (g_str_equal (key, "huge-bytes"))
    {
      if (!is_number || number > G_GINT64_CONSTANT (100000000000))
        {
          if (detail != NULL)
            *detail = g_strdup ("huge-bytes must be a number of bytes (0: off)");
          return FALSE;
        }
      if (apply)
        self->huge_bytes = number;
      return TRUE;
    }

  if (g_str_equal (key, "huge-event-bytes"))
    {
      if (!is_number || number < 1 || number > 1024 * 1024)
        {
          if (detail != NULL)
            *detail = g_strdup ("huge-event-bytes must be 1 to 1048576");
          return FALSE;
        }
      if (apply)
        self->huge_event_bytes = number;
      return TRUE;
    }

  if (g_str_equal (key, "huge-shape"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (huge_shapes); i++)
        if (g_str_equal (value, huge_shapes[i]))
          {
            if (apply)
              self->huge_shape = i;
            return TRUE;
          }
      if (detail != NULL)
        *detail = g_strdup ("huge-shape must be words, lines, one-line, markdown or reasoning");
      return FALSE;
    }

  return FALSE;
}

/* The same bytes, in pieces of 1 to 7 bytes (a fixed seed: every run
 * splits the same way). */
static GPtrArray *
split_small (GPtrArray *pieces)
{
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (SPLIT_SEED);
  GPtrArray *small = g_ptr_array_new_with_free_func (g_free);
  gsize offset = 0;

  for (guint i = 0; i < pieces->len; i++)
    g_string_append (all, g_ptr_array_index (pieces, i));

  while (offset < all->len)
    {
      gsize len = MIN ((gsize) g_rand_int_range (rand, 1, 8), all->len - offset);

      g_ptr_array_add (small, g_strndup (all->str + offset, len));
      offset += len;
    }

  return small;
}

void
mock_stream_start (MockServer        *self,
                   SoupServerMessage *msg,
                   GPtrArray         *pieces,
                   MockStreamMode     mode)
{
  MockStream *stream = g_new0 (MockStream, 1);

  stream->server = self;
  stream->msg = g_object_ref (msg);
  stream->mode = mode;
  if (mode == MOCK_STREAM_SPLIT)
    {
      stream->pieces = split_small (pieces);
      g_ptr_array_unref (pieces);
    }
  else
    stream->pieces = pieces;

  /* Drop each piece once written: libsoup would otherwise keep the whole
   * reply and look a piece up from the start of the list each time. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (stream_wrote_body_cb), stream);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);

  if (mode == MOCK_STREAM_STALL)
    {
      /* libsoup writes the headers, finds no body data and pauses itself:
       * nothing more ever comes. */
      if (!self->quiet)
        g_message ("Stalling a stream after its headers");
      return;
    }

  /* A huge reply instead of the canned one: its role event, then the
   * text written as it goes. */
  if (self->huge_bytes > 0 && mode == MOCK_STREAM_NORMAL && stream->pieces->len > 0)
    {
      stream->huge = huge_new (self);
      huge_schedule (stream);
      return;
    }

  /* Nothing to write yet: libsoup sends the headers and then waits. */
  stream_schedule (stream);
}
