/* chutes-chat-chunk.h: the JSON of a chat completion, streamed chunks in and request body out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

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
  gint64    cached_tokens;      /* usage.prompt_tokens_details.cached_tokens, -1 absent */
  gboolean  done;               /* the data was "[DONE]" */
} ChutesChatChunk;

/* Decodes one SSE data payload (or a bare line). Pure, no I/O: fuzzable.
 * Tolerates empty "choices" (usage-only chunks), null fields and unknown
 * keys. FALSE with CHUTES_ERROR_PROTOCOL for data that is not JSON, or
 * that is past CHUTES_JSON_MAX_CHUNK bytes or CHUTES_JSON_MAX_DEPTH levels
 * (chutes-json.h). */
gboolean chutes_chat_chunk_parse (const char       *data,
                                  gsize             length,
                                  ChutesChatChunk  *chunk,
                                  GError          **error);
void     chutes_chat_chunk_clear (ChutesChatChunk  *chunk);

/* The JSON request body of a streamed /chat/completions request for
 * @messages (a GListModel of ChutesMessage; see chutes_chat_stream_new()
 * for which are skipped), exposed for tests. */
/* The same with sampling settings: @temperature < 0 and @max_tokens <= 0
 * leave them out (the model's defaults). */
char    *chutes_chat_stream_build_request_body (const char *model,
                                                GListModel *messages,
                                                double      temperature,
                                                gint64      max_tokens);
char    *chutes_chat_stream_build_body (const char *model,
                                        GListModel *messages);

G_END_DECLS
