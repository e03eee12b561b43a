/* mock-stream.c: writes a chunked response body piece by piece, without
 * blocking, and misbehaves on request (split, drop, stall)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define SPLIT_SEED 20240517

typedef struct
{
  MockServer        *server;
  SoupServerMessage *msg;
  GPtrArray         *pieces;
  MockStreamMode     mode;
  guint              next;          /* next piece to append */
  guint              written;       /* pieces written to the socket */
  guint              source_id;
} MockStream;

static void
mock_stream_free (MockStream *stream)
{
  g_clear_handle_id (&stream->source_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  g_clear_object (&stream->msg);
  g_clear_pointer (&stream->pieces, g_ptr_array_unref);
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

static void
stream_wrote_chunk_cb (SoupServerMessage *msg,
                       MockStream        *stream)
{
  stream->written++;
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

  /* Nothing to write yet: libsoup sends the headers and then waits. */
  stream_schedule (stream);
}
