/* chutes-tail-model.c: the last items of a list, and more on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-tail-model.h"

/* A conversation's messages as the chat shows them: when a conversation
 * is loaded, only its last @initial messages; the earlier ones come in
 * batches as the person scrolls up (chutes_tail_model_show_more()) or
 * jumps to one (chutes_tail_model_show_position()).
 *
 * GTK 4.8's GtkListView creates a row for up to 200 items around the
 * one it shows, whatever the height of the window, and a reply's row
 * takes milliseconds to build and measure: a long conversation opened
 * with all its messages in the list took seconds to show its last one
 * (bench/README.md).
 *
 * The items hidden are the first ones of @model. A change after them
 * passes through; a change among them or of all that is shown (a
 * conversation loaded in place of another) starts again from the last
 * @initial items. */

struct _ChutesTailModel
{
  GObject     parent_instance;

  GListModel *model;
  guint       initial;
  guint       n_hidden;
  guint       n_items;   /* of @model, as last seen */
};

static void chutes_tail_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChutesTailModel, chutes_tail_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      chutes_tail_model_list_model_init))

static GType
chutes_tail_model_get_item_type (GListModel *list)
{
  ChutesTailModel *self = CHUTES_TAIL_MODEL (list);

  return g_list_model_get_item_type (self->model);
}

static guint
chutes_tail_model_get_n_items (GListModel *list)
{
  ChutesTailModel *self = CHUTES_TAIL_MODEL (list);

  return self->n_items - self->n_hidden;
}

static gpointer
chutes_tail_model_get_item (GListModel *list,
                            guint       position)
{
  ChutesTailModel *self = CHUTES_TAIL_MODEL (list);

  if (position >= self->n_items - self->n_hidden)
    return NULL;

  return g_list_model_get_item (self->model, self->n_hidden + position);
}

static void
chutes_tail_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = chutes_tail_model_get_item_type;
  iface->get_n_items = chutes_tail_model_get_n_items;
  iface->get_item = chutes_tail_model_get_item;
}

/* Hides all but the last @initial items. */
static void
chutes_tail_model_show_initial (ChutesTailModel *self)
{
  self->n_hidden = self->n_items > self->initial ? self->n_items - self->initial : 0;
}

static void
model_items_changed_cb (ChutesTailModel *self,
                        guint            position,
                        guint            removed,
                        guint            added,
                        GListModel      *model)
{
  guint shown = self->n_items - self->n_hidden;

  self->n_items = self->n_items - removed + added;

  /* Only what is shown changed, and not all of it: passed on. Otherwise
   * (a conversation loaded after the list was cleared, say) the last
   * @initial items are shown. */
  if (position >= self->n_hidden && removed < shown)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position - self->n_hidden, removed, added);
      return;
    }

  chutes_tail_model_show_initial (self);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, shown, self->n_items - self->n_hidden);
}

static void
chutes_tail_model_dispose (GObject *object)
{
  ChutesTailModel *self = CHUTES_TAIL_MODEL (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, model_items_changed_cb, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (chutes_tail_model_parent_class)->dispose (object);
}

static void
chutes_tail_model_class_init (ChutesTailModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_tail_model_dispose;
}

static void
chutes_tail_model_init (ChutesTailModel *self)
{
}

/* Shows the last @initial items of @model, and all it gets after them. */
ChutesTailModel *
chutes_tail_model_new (GListModel *model,
                       guint       initial)
{
  ChutesTailModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (initial > 0, NULL);

  self = g_object_new (CHUTES_TYPE_TAIL_MODEL, NULL);
  self->model = g_object_ref (model);
  self->initial = initial;
  self->n_items = g_list_model_get_n_items (model);
  chutes_tail_model_show_initial (self);
  g_signal_connect_object (model, "items-changed",
                           G_CALLBACK (model_items_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

/* How many of the first items of the model are not shown yet. */
guint
chutes_tail_model_get_n_hidden (ChutesTailModel *self)
{
  g_return_val_if_fail (CHUTES_IS_TAIL_MODEL (self), 0);

  return self->n_hidden;
}

/* Shows up to @n_items more of the hidden items, before the shown ones. */
void
chutes_tail_model_show_more (ChutesTailModel *self,
                             guint            n_items)
{
  guint n;

  g_return_if_fail (CHUTES_IS_TAIL_MODEL (self));

  n = MIN (n_items, self->n_hidden);
  if (n == 0)
    return;

  self->n_hidden -= n;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);
}

/* Shows the item at @position of the model, and all after it. Returns its
 * position in this list. */
guint
chutes_tail_model_show_position (ChutesTailModel *self,
                                 guint            position)
{
  g_return_val_if_fail (CHUTES_IS_TAIL_MODEL (self), 0);
  g_return_val_if_fail (position < self->n_items, 0);

  if (position < self->n_hidden)
    chutes_tail_model_show_more (self, self->n_hidden - position);

  return position - self->n_hidden;
}
