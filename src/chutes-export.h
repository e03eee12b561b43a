/* chutes-export.h: a conversation as a Markdown or JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A conversation as Markdown, for people:
 *
 *     # Title
 *
 *     ## You
 *
 *     ```markdown
 *     the message, as it is
 *     ```
 *
 *     ## Assistant · model-name
 *
 *     **Thinking**
 *
 *     ```markdown
 *     the reasoning, when there is some
 *     ```
 *
 *     ```markdown
 *     the reply
 *     ```
 *
 *     *Stopped*, or the error, when the reply did not complete
 *
 * Each text is one fenced code block that nothing in it can close (the
 * fence is ` or ~, longer than any run of it in the text), so any history
 * reads back, to any CommonMark reader, as the same messages: an unclosed
 * fence or HTML block in one message cannot swallow the next. Line endings
 * (\n, \r\n, \r) are written as \n. Title, model and error text are
 * escaped so they show literally. @messages is a GListModel of
 * ChutesMessage; @title may be NULL or empty ("Untitled Chat"). Pure: any
 * thread. */
char *chutes_export_to_markdown (const char *title,
                                 GListModel *messages);

/* A conversation as JSON, for programs (UTF-8, pretty-printed):
 *
 *     {
 *       "app": "ai.chutes.Desktop",
 *       "version": "0.1.0",              the app's version
 *       "format": 1,                     this shape; bumped if it changes
 *       "title": "…",
 *       "model": "…" or null,
 *       "created": "2026-05-01T09:30:00Z" or null (ISO 8601, UTC),
 *       "messages": [
 *         {
 *           "role": "system" | "user" | "assistant",
 *           "content": "…",
 *           "reasoning": "…",                       only when there is some
 *           "model": "…",                           only when known
 *           "usage": { "prompt_tokens": 12,         only when known,
 *                      "completion_tokens": 34 },   each key only when known
 *           "status": "stopped" | "failed",         only when not complete
 *           "error": "…",                           only when there is one
 *           "created": "…"                          only when known
 *         }
 *       ]
 *     }
 *
 * @created_at is in microseconds since the Unix epoch (0: unknown). */
char *chutes_export_to_json     (const char *title,
                                 const char *model,
                                 gint64      created_at,
                                 GListModel *messages);

G_END_DECLS
