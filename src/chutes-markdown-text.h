/* chutes-markdown-text.h: a reply's paragraph, heading or table cell
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_MARKDOWN_TEXT (chutes_markdown_text_get_type ())

G_DECLARE_FINAL_TYPE (ChutesMarkdownText, chutes_markdown_text, CHUTES, MARKDOWN_TEXT, GtkWidget)

GtkWidget *chutes_markdown_text_new        (GtkAccessibleRole   role,
                                           const char         *css_class);
GtkLabel  *chutes_markdown_text_get_label  (ChutesMarkdownText *self);
void       chutes_markdown_text_set_markup (ChutesMarkdownText *self,
                                           const char         *markup);
void       chutes_markdown_text_set_can_freeze (ChutesMarkdownText *self,
                                               gboolean            can_freeze);
void       chutes_markdown_text_thaw       (ChutesMarkdownText *self);
guint      chutes_markdown_text_get_n_frozen (ChutesMarkdownText *self);

G_END_DECLS
