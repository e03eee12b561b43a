/* chutes-chat-stream.h: one streamed /chat/completions request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

/* ChutesChatChunk and chutes_chat_stream_build_body() */
#include "chutes-chat-chunk.h"

G_BEGIN_DECLS

/* The most a reply may hold, content and reasoning together: 2 MB, four
 * times the longest reply a model offers (max_output_length of 128K
 * tokens, about 0.5 MB of text), and small enough that the app stays
 * responsive and its memory bounded whatever a server sends. */
#define CHUTES_CHAT_STREAM_MAX_REPLY (2 * 1000 * 1000)

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
 * cancel. Whatever arrived before a failure has already been emitted.
 *
 * A reply longer than CHUTES_CHAT_STREAM_MAX_REPLY bytes (content and
 * reasoning together) is cut there: what fits is emitted, the request is
 * cancelled and the run fails with CHUTES_ERROR_STREAM, whose message
 * says the reply was cut. */
void              chutes_chat_stream_run_async       (ChutesChatStream   *self,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
gboolean          chutes_chat_stream_run_finish      (ChutesChatStream   *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);

/* Before running: @temperature < 0 and @max_tokens <= 0 mean the model's
 * defaults (nothing sent). */
void              chutes_chat_stream_set_sampling    (ChutesChatStream   *self,
                                                      double              temperature,
                                                      gint64              max_tokens);

const char       *chutes_chat_stream_get_invocation_id   (ChutesChatStream *self);
gint64            chutes_chat_stream_get_quota_remaining (ChutesChatStream *self);
/* Prompt tokens the gateway had cached, as the last usage said (-1
 * unknown); read it in a "usage" handler. */
gint64            chutes_chat_stream_get_cached_tokens   (ChutesChatStream *self);
gboolean          chutes_chat_stream_get_received_content (ChutesChatStream *self);

G_END_DECLS
