/* chutes-chat-summary.h: one conversation as the sidebar lists it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_CHAT_SUMMARY (chutes_chat_summary_get_type ())
G_DECLARE_FINAL_TYPE (ChutesChatSummary, chutes_chat_summary, CHUTES, CHAT_SUMMARY, GObject)

/**
 * ChutesChatSummary:
 *
 * A saved conversation as listed by chutes_history_get_conversations().
 * ChutesHistory owns these objects and keeps them up to date (one object
 * per conversation for as long as it exists), so a row can bind to them.
 *
 * Properties, all read-only and notifying on change only: "id" (int64, the
 * row in the history), "title" (string, never NULL, may be empty),
 * "created-at" and "updated-at" (int64, microseconds since the Unix epoch,
 * UTC, as g_get_real_time()), "model" (string or NULL: the model the
 * conversation uses).
 */

gint64      chutes_chat_summary_get_id          (ChutesChatSummary *self);
const char *chutes_chat_summary_get_title       (ChutesChatSummary *self);
gint64      chutes_chat_summary_get_created_at  (ChutesChatSummary *self);
gint64      chutes_chat_summary_get_updated_at  (ChutesChatSummary *self);
const char *chutes_chat_summary_get_model       (ChutesChatSummary *self);

/* A short title for a conversation made from its first message: the first
 * non-blank line, whitespace collapsed, leading Markdown heading, quote and
 * list marks dropped, cut at a word boundary to at most @max_chars
 * characters (an ellipsis added when cut). Returns "" for blank text. */
char       *chutes_chat_summary_title_from_text (const char        *text,
                                                 guint              max_chars);

G_END_DECLS
