/* chutes-culling-box.c: a vertical box that draws only what is in view
 *
 * A reply is one row of the message list, however long it is, so the
 * list's own virtualization stops at it: GTK 4.8 snapshots every block of
 * the reply at every frame, and the cairo renderer then walks every glyph
 * of it, in view or not, to find that the clip leaves nothing to draw.
 * While a long reply streams, that is most of a frame's rendering. This
 * box leaves out of its snapshot the children that are outside the
 * scrolled window it is in, and draws again when that scrolls or changes
 * size.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-culling-box.h"

/* Drawn around the view too: focus rings and shadows reach outside their
 * widgets' bounds. */
#define MARGIN 64

struct _ChutesCullingBox
{
  GtkBox         parent_instance;

  GtkAdjustment *vadjustment;   /* of the scrolled window it is in, while mapped */
  GtkWidget     *first_drawn;   /* by the last snapshot; not owned */
  GtkWidget     *last_drawn;
};

G_DEFINE_FINAL_TYPE (ChutesCullingBox, chutes_culling_box, GTK_TYPE_BOX)

/* The part of the box the scrolled window it is in shows, in its own
 * coordinates. FALSE when it is not in one: everything is drawn. */
static gboolean
get_visible_rect (ChutesCullingBox *self,
                  graphene_rect_t  *visible)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);

  if (scrolled == NULL || !gtk_widget_compute_bounds (scrolled, GTK_WIDGET (self), visible))
    return FALSE;

  graphene_rect_inset (visible, -MARGIN, -MARGIN);

  return TRUE;
}

static void
chutes_culling_box_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  ChutesCullingBox *self = CHUTES_CULLING_BOX (widget);
  graphene_rect_t visible;
  gboolean cull = get_visible_rect (self, &visible);

  self->first_drawn = self->last_drawn = NULL;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;

      if (cull &&
          gtk_widget_compute_bounds (child, widget, &bounds) &&
          !graphene_rect_intersection (&bounds, &visible, NULL))
        continue;

      gtk_widget_snapshot_child (widget, child, snapshot);
      if (self->first_drawn == NULL)
        self->first_drawn = child;
      self->last_drawn = child;
    }
}

static void
scrolled_cb (ChutesCullingBox *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
disconnect_adjustment (ChutesCullingBox *self)
{
  if (self->vadjustment == NULL)
    return;

  g_signal_handlers_disconnect_by_func (self->vadjustment, scrolled_cb, self);
  g_clear_object (&self->vadjustment);
}

static void
chutes_culling_box_map (GtkWidget *widget)
{
  ChutesCullingBox *self = CHUTES_CULLING_BOX (widget);
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  GTK_WIDGET_CLASS (chutes_culling_box_parent_class)->map (widget);

  disconnect_adjustment (self);
  if (scrolled == NULL)
    return;

  /* "changed": the page size, when the scrolled window changes size
   * without the box being allocated again. */
  self->vadjustment = g_object_ref (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)));
  g_signal_connect_swapped (self->vadjustment, "value-changed", G_CALLBACK (scrolled_cb), self);
  g_signal_connect_swapped (self->vadjustment, "changed", G_CALLBACK (scrolled_cb), self);
}

static void
chutes_culling_box_unmap (GtkWidget *widget)
{
  disconnect_adjustment (CHUTES_CULLING_BOX (widget));

  GTK_WIDGET_CLASS (chutes_culling_box_parent_class)->unmap (widget);
}

static void
chutes_culling_box_dispose (GObject *object)
{
  disconnect_adjustment (CHUTES_CULLING_BOX (object));

  G_OBJECT_CLASS (chutes_culling_box_parent_class)->dispose (object);
}

static void
chutes_culling_box_class_init (ChutesCullingBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_culling_box_dispose;

  widget_class->snapshot = chutes_culling_box_snapshot;
  widget_class->map = chutes_culling_box_map;
  widget_class->unmap = chutes_culling_box_unmap;
}

static void
chutes_culling_box_init (ChutesCullingBox *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
chutes_culling_box_new (int spacing)
{
  return g_object_new (CHUTES_TYPE_CULLING_BOX, "spacing", spacing, NULL);
}

/* The first and last child the last snapshot drew (for tests): they are
 * in a row, as the box is vertical. Not referenced: a child removed since
 * may be gone, so compare them with children, never use them. */
void
chutes_culling_box_get_drawn (ChutesCullingBox  *self,
                              GtkWidget        **first,
                              GtkWidget        **last)
{
  g_return_if_fail (CHUTES_IS_CULLING_BOX (self));

  *first = self->first_drawn;
  *last = self->last_drawn;
}
