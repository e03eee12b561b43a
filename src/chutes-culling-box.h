/* chutes-culling-box.h: a vertical box that draws only what is in view
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_CULLING_BOX (chutes_culling_box_get_type ())

G_DECLARE_FINAL_TYPE (ChutesCullingBox, chutes_culling_box, CHUTES, CULLING_BOX, GtkBox)

GtkWidget *chutes_culling_box_new       (int                spacing);
void       chutes_culling_box_get_drawn (ChutesCullingBox  *self,
                                         GtkWidget        **first,
                                         GtkWidget        **last);

G_END_DECLS
