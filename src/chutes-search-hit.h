/* chutes-search-hit.h: one message found by a search of the chat history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-message.h"

G_BEGIN_DECLS

/**
 * ChutesTextRange:
 * @start: the first character (Unicode character offset, not byte)
 * @end: the character after the last one
 *
 * A part of a search hit's snippet that matched what the person typed.
 */
typedef struct
{
  guint start;
  guint end;
} ChutesTextRange;

#define CHUTES_TYPE_SEARCH_HIT (chutes_search_hit_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSearchHit, chutes_search_hit, CHUTES, SEARCH_HIT, GObject)

/**
 * ChutesSearchHit:
 *
 * A message that matched a search (chutes_history_search_async()).
 * Immutable. Read-only properties: "conversation-id", "message-id" (int64:
 * open the conversation and scroll to the message whose
 * chutes_message_get_id() is this), "conversation-title" (string), "role"
 * (ChutesMessageRole), "created-at" (int64, microseconds since the Unix
 * epoch, UTC) and "snippet" (string: a single line of plain text around the
 * first match, "…" where cut; show it literally).
 */

gint64                 chutes_search_hit_get_conversation_id    (ChutesSearchHit *self);
gint64                 chutes_search_hit_get_message_id         (ChutesSearchHit *self);
const char            *chutes_search_hit_get_conversation_title (ChutesSearchHit *self);
ChutesMessageRole      chutes_search_hit_get_role               (ChutesSearchHit *self);
gint64                 chutes_search_hit_get_created_at         (ChutesSearchHit *self);
const char            *chutes_search_hit_get_snippet            (ChutesSearchHit *self);

/* The parts of the snippet to highlight, in order, not overlapping, in
 * character offsets into chutes_search_hit_get_snippet(). */
const ChutesTextRange *chutes_search_hit_get_ranges             (ChutesSearchHit *self,
                                                                 guint           *n_ranges);

/* The snippet as Pango markup: every character escaped, each range inside
 * <b></b>. For a GtkLabel with use-markup. */
char                  *chutes_search_hit_to_markup              (ChutesSearchHit *self);

G_END_DECLS
