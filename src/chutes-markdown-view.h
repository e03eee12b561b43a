/* chutes-markdown-view.h: a reply's Markdown shown as widgets, fast while it streams
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_MARKDOWN_VIEW (chutes_markdown_view_get_type ())
G_DECLARE_FINAL_TYPE (ChutesMarkdownView, chutes_markdown_view, CHUTES, MARKDOWN_VIEW, GtkWidget)

/* Shows Markdown (GitHub's dialect) as real widgets: wrapping, selectable
 * labels for paragraphs, headings, list items, quotes and table cells, and
 * ChutesCodeBlock for code. Text from the network is shown literally: raw
 * HTML, entities and Pango markup appear as typed.
 *
 * Property "text" (string, never NULL): the Markdown shown. It notifies
 * when the text changes.
 *
 * Signal "activate-link" (const char *uri) → gboolean: emitted when a
 * person clicks (or activates with the keyboard) an http:// or https://
 * link; links with any other scheme are refused before this. The default
 * handler opens the link with gtk_show_uri(); return TRUE to handle it
 * instead. */
GtkWidget  *chutes_markdown_view_new                (void);

const char *chutes_markdown_view_get_text           (ChutesMarkdownView *self);

/* Replaces the text. When @text only extends the current text (a message's
 * content growing while it streams), this is chutes_markdown_view_append()
 * of the new end; otherwise everything is rebuilt at once, before this
 * returns, so that a list measuring the view sees its final size. */
void        chutes_markdown_view_set_text           (ChutesMarkdownView *self,
                                                     const char         *text);

/* Adds @text at the end, as a reply streams. Appends are rendered together
 * once per main-loop iteration, before the next frame (or at
 * chutes_markdown_view_flush()); finished top-level blocks keep their
 * widgets and only the last top-level block is parsed and updated again.
 * When appends pause for a quarter of a second, the whole text is parsed
 * once and any widget that differs from it is fixed (md4c 0.4.8 does not
 * always parse a block the same on its own), so that a finished reply looks
 * exactly as it will when loaded again with chutes_markdown_view_set_text(). */
void        chutes_markdown_view_append             (ChutesMarkdownView *self,
                                                     const char         *text);

/* Renders appended text now rather than before the next frame. */
void        chutes_markdown_view_flush              (ChutesMarkdownView *self);

/* Adds the replies' style sheet to @display. Views add it when first shown
 * too, but a style sheet added to a display restyles every widget on it:
 * the application adds it at start, before it has any. */
void        chutes_markdown_view_add_style          (GdkDisplay         *display);

/* The first reply shown after start loads what all replies share:
 * GtkSourceView's languages and styles (some 20 ms), fonts (bold, italic,
 * monospace, the headings' sizes) and their shaping, its kinds of widgets
 * (some 30 ms in the frame that shows it). This does that once, in two
 * idle turns at low priority: the languages, then a sample reply, built,
 * measured and dropped. */
void        chutes_markdown_view_prepare            (void);

/* For tests and benchmarks: how many bytes of Markdown the view has handed
 * to the parser since it was created. */
guint64     chutes_markdown_view_get_reparsed_bytes (ChutesMarkdownView *self);

G_END_DECLS
