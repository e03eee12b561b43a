/* chutes-chat-stream.h: one streamed /chat/completions request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One decoded streaming chunk. Strings are NULL when absent. */
typedef struct
{
  char     *content;            /* choices[0].delta.content */
  char     *reasoning;          /* choices[0].delta.reasoning_content */
  char     *finish_reason;      /* choices[0].finish_reason */
  char     *error;              /* {"error": "..."} or {"error": {"message": ...}} */
  gboolean  has_usage;
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gboolean  done;               /* the data was "[DONE]" */
} ChutesChatChunk;

/* Decodes one SSE data payload (or a bare line). Pure, no I/O: fuzzable.
 * Tolerates empty "choices" (usage-only chunks), null fields and unknown
 * keys. FALSE with CHUTES_ERROR_PROTOCOL for data that is not JSON. */
gboolean chutes_chat_chunk_parse (const char       *data,
                                  gsize             length,
                                  ChutesChatChunk  *chunk,
                                  GError          **error);
void     chutes_chat_chunk_clear (ChutesChatChunk  *chunk);

#define CHUTES_TYPE_CHAT_STREAM (chutes_chat_stream_get_type ())
G_DECLARE_FINAL_TYPE (ChutesChatStream, chutes_chat_stream, CHUTES, CHAT_STREAM, GObject)

/* @messages: a GListModel of ChutesMessage, the conversation to send
 * (messages with empty content, and failed or pending assistant messages,
 * are skipped). @thinking adds "X-Enable-Thinking: true". */
ChutesChatStream *chutes_chat_stream_new             (SoupSession        *session,
                                                      const char         *api_base_url,
                                                      const char         *access_token,
                                                      const char         *model,
                                                      GListModel         *messages,
                                                      gboolean            thinking);

/* Signals, emitted on the main context while the request runs:
 *  "delta" (const char *content, const char *reasoning): either may be NULL
 *  "usage" (gint64 prompt_tokens, gint64 completion_tokens)
 * Properties (read-only): "invocation-id" (X-Chutes-InvocationID),
 * "quota-total", "quota-used", "quota-remaining" (int64 from the
 * X-Chutes-Quota-* headers, -1 when absent), "received-content" (boolean:
 * some content or reasoning arrived).
 *
 * Completes TRUE at [DONE] or at a clean end of stream without it. Fails
 * with the mapped HTTP error (chutes_error_new_from_http) for a non-2xx
 * status, CHUTES_ERROR_STREAM for an error line after streaming began,
 * CHUTES_ERROR_NETWORK when the connection drops, G_IO_ERROR_CANCELLED on
 * cancel. Whatever arrived before a failure has already been emitted. */
void              chutes_chat_stream_run_async       (ChutesChatStream   *self,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
gboolean          chutes_chat_stream_run_finish      (ChutesChatStream   *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);

const char       *chutes_chat_stream_get_invocation_id   (ChutesChatStream *self);
gint64            chutes_chat_stream_get_quota_remaining (ChutesChatStream *self);
gboolean          chutes_chat_stream_get_received_content (ChutesChatStream *self);

/* The JSON request body, exposed for tests. */
char             *chutes_chat_stream_build_body      (const char         *model,
                                                      GListModel         *messages);

G_END_DECLS
