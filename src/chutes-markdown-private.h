/* chutes-markdown-private.h: Markdown parsed into blocks, for the view and its tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chutes-markdown-blocks.h"
#include "chutes-markdown-view.h"

G_BEGIN_DECLS

void       chutes_md_ensure_style              (GdkDisplay          *display);

/* For tests: what a pause in the appends does now. */
void       chutes_markdown_view_settle         (ChutesMarkdownView  *self);

G_END_DECLS
