/* chutes-stack-a11y.h: one GtkStack page at a time for accessibility tools
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8 reports every page of a GtkStack as visible to accessibility
 * tools, so a screen reader reads hidden pages too. This marks the pages
 * that are not shown as hidden, now and whenever the visible child changes. */
void chutes_stack_a11y_track (GtkStack *stack);

G_END_DECLS
