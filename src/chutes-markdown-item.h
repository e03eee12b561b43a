/* chutes-markdown-item.h: a list item of a reply, its marker and its blocks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_MARKDOWN_ITEM (chutes_markdown_item_get_type ())

G_DECLARE_FINAL_TYPE (ChutesMarkdownItem, chutes_markdown_item, CHUTES, MARKDOWN_ITEM, GtkWidget)

GtkWidget *chutes_markdown_item_new              (void);
GtkLabel  *chutes_markdown_item_get_marker       (ChutesMarkdownItem *self);
GtkBox    *chutes_markdown_item_get_content      (ChutesMarkdownItem *self);
guint      chutes_markdown_item_get_marker_chars (ChutesMarkdownItem *self);
void       chutes_markdown_item_set_marker_chars (ChutesMarkdownItem *self,
                                                  guint               n_chars);

G_END_DECLS
