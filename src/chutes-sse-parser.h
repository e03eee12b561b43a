/* chutes-sse-parser.h: incremental Server-Sent Events parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CHUTES_SSE_EVENT_DATA,      /* a dispatched event's data (data: lines joined by "\n") */
  CHUTES_SSE_EVENT_BARE_LINE, /* a line starting with "{" outside any field, such as
                               * the gateway's mid-stream {"error": "..."} */
} ChutesSseEventKind;

/* @data is NUL-terminated and valid only during the call. @event_type is
 * the "event:" field or NULL. */
typedef void (*ChutesSseEventFunc) (ChutesSseEventKind  kind,
                                    const char         *event_type,
                                    const char         *data,
                                    gsize               length,
                                    gpointer            user_data);

typedef struct _ChutesSseParser ChutesSseParser;

/* Plain C and free of I/O so it can be fuzzed: feed it bytes in chunks cut
 * anywhere (inside a line, inside "\r\n", inside a UTF-8 sequence) and it
 * calls @func once per complete event, exactly as if it had been fed the
 * whole stream at once. Follows the WHATWG event-stream rules for "data",
 * "event", comments (":"), a BOM at the start, and CR, LF or CRLF line ends. */
ChutesSseParser *chutes_sse_parser_new    (ChutesSseEventFunc  func,
                                           gpointer            user_data);
/* FALSE with a CHUTES_ERROR_PROTOCOL error when a single line or event
 * exceeds CHUTES_SSE_MAX_EVENT_SIZE; the parser is then unusable. */
gboolean         chutes_sse_parser_feed   (ChutesSseParser    *self,
                                           const char         *data,
                                           gsize               length,
                                           GError            **error);
/* End of stream: dispatches a last event or bare line that lacked its
 * terminating blank line / newline (servers that omit it exist). */
void             chutes_sse_parser_finish (ChutesSseParser    *self);
void             chutes_sse_parser_free   (ChutesSseParser    *self);

/* How many bytes the parser has looked at or copied so far, counting a byte
 * again each time: for tests and benchmarks, which check that it stays a
 * small multiple of the bytes fed (a parser that scanned or copied again
 * what it holds on every feed would not). */
guint64          chutes_sse_parser_get_bytes_touched (ChutesSseParser *self);

/* No chat chunk comes near this (a token or a few an event); a reply's
 * whole length is bounded in chutes-chat-stream.c. One line or event past
 * it is refused rather than held and decoded: 1 MiB, not the 100 MB a
 * broken or hostile server may send without a newline. */
#define CHUTES_SSE_MAX_EVENT_SIZE (1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesSseParser, chutes_sse_parser_free)

G_END_DECLS
