/* chutes-tail-model.h: the last items of a list, and more on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_TAIL_MODEL (chutes_tail_model_get_type ())

G_DECLARE_FINAL_TYPE (ChutesTailModel, chutes_tail_model, CHUTES, TAIL_MODEL, GObject)

ChutesTailModel *chutes_tail_model_new            (GListModel      *model,
                                                   guint            initial);
guint            chutes_tail_model_get_n_hidden   (ChutesTailModel *self);
void             chutes_tail_model_show_more      (ChutesTailModel *self,
                                                   guint            n_items);
guint            chutes_tail_model_show_position  (ChutesTailModel *self,
                                                   guint            position);

G_END_DECLS
