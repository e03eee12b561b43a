/* chutes-test-widgets.h: helpers the GTK tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first widget of @type in @widget's tree (@widget itself first,
 * then depth first), or NULL. */
GtkWidget *chutes_test_find_widget (GtkWidget *widget,
                                    GType      type);

/* Waits for @widget's window to draw two more frames: styles, sizes and
 * layout are brought up to date as a person would see them. Aborts the
 * test after 10 s. */
void       chutes_test_settle      (GtkWidget *widget);

G_END_DECLS
