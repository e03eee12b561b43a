/* chutes-export.h: a conversation as a Markdown or JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chutes-attachment.h"

G_BEGIN_DECLS

/* A conversation as Markdown, for people:
 *
 *     # Title
 *
 *     ## You
 *
 *     the message, as its own Markdown
 *
 *     ## Assistant · model-name
 *
 *     **Thinking**
 *
 *     the reasoning, when there is some
 *
 *     ---
 *
 *     the reply: its headings, lists, tables and code blocks as written
 *
 *     *Stopped*, or the error, when the reply did not complete
 *
 * Any history reads back, to any CommonMark reader, as the same messages:
 * each text (line endings \n, \r\n, \r written as \n) is read with md4c
 * followed by a blank line and a heading, and what it leaves open that
 * would swallow that heading (a fenced code block, an HTML block of kinds
 * 1-5) is closed with the line CommonMark ends it with (a closing fence,
 * "-->", "</pre>"...). A text that cannot be contained so, that defines
 * link references (global in CommonMark: they would change the other
 * messages), that has a level 1-2 heading reading like one of our message
 * headings, or that md4c 0.4.8 reads otherwise than CommonMark, is written
 * as one fenced code block ("```markdown") that nothing in it can close.
 * Title, model and error text are escaped so they show literally.
 * tests/test-export-cmark.c checks all this against libcmark. @messages is
 * a GListModel of ChutesMessage; @title may be NULL or empty ("Untitled
 * Chat"). Pure: any thread. */
char *chutes_export_to_markdown (const char *title,
                                 GListModel *messages);

/* The same, where each message's attachments follow its text: a text file
 * as its name in bold and its text fenced (as above, nothing in it can
 * close the fence), an image as ![name](@folder/FILE) where FILE is
 * chutes_export_attachment_file_name() and @folder a folder beside the
 * document (escaped for a URL); with @folder NULL, the image is its data:
 * URI instead. chutes_export_to_markdown() is this with NULL. */
char *chutes_export_to_markdown_with_folder (const char *title,
                                             GListModel *messages,
                                             const char *folder);

/* "2-1-screenshot.png": message @message's attachment @position (both from
 * 0) as a file name safe anywhere. */
char *chutes_export_attachment_file_name (guint             message,
                                          guint             position,
                                          ChutesAttachment *attachment);

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
 *           "created": "…",                         only when known
 *           "attachments": [                        only when there are some
 *             { "kind": "image" | "text", "name": "…",
 *               "content_type": "image/png", "width": 640, "height": 480,
 *               "data": "…" }                       the bytes, in base64
 *           ]
 *         }
 *       ]
 *     }
 *
 * @created_at is in microseconds since the Unix epoch (0: unknown). */
char *chutes_export_to_json     (const char *title,
                                 const char *model,
                                 gint64      created_at,
                                 GListModel *messages);

/* Writes the conversation to @file as JSON or Markdown, in a worker
 * thread (the document is made here first). A Markdown export with images
 * writes them into a folder "NAME-attachments" beside "NAME.md" and links
 * them; when that folder cannot be made (in a sandbox, only the chosen file
 * is writable), the images are data: URIs in the document instead. */
void     chutes_export_write_async  (GFile               *file,
                                     gboolean             json,
                                     const char          *title,
                                     const char          *model,
                                     gint64               created_at,
                                     GListModel          *messages,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean chutes_export_write_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
