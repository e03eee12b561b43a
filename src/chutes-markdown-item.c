/* chutes-markdown-item.c: a list item of a reply, its marker and its blocks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-markdown-item.h"

/* The marker ("•", "3.", a check box) on the left, the item's blocks on
 * the right, in the width that is left.
 *
 * Not a horizontal GtkBox: GTK 4.8's box measures a height-for-width child
 * at many widths to find its own size (a vertical box of wrapping text
 * inside a horizontal one was laid out a dozen times, at down to a few
 * pixels), which made a reply with lists ten times as slow to show. Here
 * the content is measured once, at the width it gets.
 *
 * Markers of one list share a width, that of @marker_chars digits, so
 * that "9." and "10." line up. */

#define SPACING 6

struct _ChutesMarkdownItem
{
  GtkWidget  parent_instance;

  GtkLabel  *marker;
  GtkBox    *content;
  guint      marker_chars;
};

G_DEFINE_FINAL_TYPE (ChutesMarkdownItem, chutes_markdown_item, GTK_TYPE_WIDGET)

static int
chutes_markdown_item_marker_width (ChutesMarkdownItem *self)
{
  int natural;

  gtk_widget_measure (GTK_WIDGET (self->marker), GTK_ORIENTATION_HORIZONTAL, -1,
                      NULL, &natural, NULL, NULL);

  if (self->marker_chars > 0)
    {
      g_autofree char *digits = g_strnfill (self->marker_chars, '0');
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->marker), digits);
      int width;

      pango_layout_get_pixel_size (layout, &width, NULL);
      natural = MAX (natural, width);
    }

  return natural;
}

static void
chutes_markdown_item_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  ChutesMarkdownItem *self = CHUTES_MARKDOWN_ITEM (widget);
  int marker_width = chutes_markdown_item_marker_width (self) + SPACING;
  int marker_min, marker_nat, content_min, content_nat;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_widget_measure (GTK_WIDGET (self->content), orientation, -1,
                          &content_min, &content_nat, NULL, NULL);
      *minimum = marker_width + content_min;
      *natural = marker_width + content_nat;
      return;
    }

  gtk_widget_measure (GTK_WIDGET (self->marker), orientation, -1,
                      &marker_min, &marker_nat, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (self->content), orientation,
                      for_size < 0 ? -1 : MAX (for_size - marker_width, 0),
                      &content_min, &content_nat, NULL, NULL);
  *minimum = MAX (marker_min, content_min);
  *natural = MAX (marker_nat, content_nat);
}

static GtkSizeRequestMode
chutes_markdown_item_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
chutes_markdown_item_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  ChutesMarkdownItem *self = CHUTES_MARKDOWN_ITEM (widget);
  int marker_width = chutes_markdown_item_marker_width (self);
  int marker_height;
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int content_width = MAX (width - marker_width - SPACING, 0);

  gtk_widget_measure (GTK_WIDGET (self->marker), GTK_ORIENTATION_VERTICAL, -1,
                      &marker_height, NULL, NULL, NULL);
  gtk_widget_allocate (GTK_WIDGET (self->marker), marker_width, MIN (marker_height, height), -1,
                       rtl ? gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (width - marker_width, 0))
                           : NULL);
  gtk_widget_allocate (GTK_WIDGET (self->content), content_width, height, -1,
                       rtl ? NULL
                           : gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (marker_width + SPACING, 0)));
}

static void
chutes_markdown_item_dispose (GObject *object)
{
  ChutesMarkdownItem *self = CHUTES_MARKDOWN_ITEM (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->marker = NULL;
  self->content = NULL;

  G_OBJECT_CLASS (chutes_markdown_item_parent_class)->dispose (object);
}

static void
chutes_markdown_item_class_init (ChutesMarkdownItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_markdown_item_dispose;

  widget_class->measure = chutes_markdown_item_measure;
  widget_class->get_request_mode = chutes_markdown_item_get_request_mode;
  widget_class->size_allocate = chutes_markdown_item_size_allocate;

  gtk_widget_class_set_css_name (widget_class, "mditem");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
}

static void
chutes_markdown_item_init (ChutesMarkdownItem *self)
{
  self->marker = g_object_new (GTK_TYPE_LABEL, NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->marker), "chutes-md-marker");
  gtk_widget_set_parent (GTK_WIDGET (self->marker), GTK_WIDGET (self));

  self->content = g_object_new (GTK_TYPE_BOX,
                                "accessible-role", GTK_ACCESSIBLE_ROLE_GROUP,
                                "orientation", GTK_ORIENTATION_VERTICAL,
                                NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self->content), "chutes-md-item-content");
  gtk_widget_set_parent (GTK_WIDGET (self->content), GTK_WIDGET (self));
}

GtkWidget *
chutes_markdown_item_new (void)
{
  return g_object_new (CHUTES_TYPE_MARKDOWN_ITEM, NULL);
}

GtkLabel *
chutes_markdown_item_get_marker (ChutesMarkdownItem *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_ITEM (self), NULL);

  return self->marker;
}

GtkBox *
chutes_markdown_item_get_content (ChutesMarkdownItem *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_ITEM (self), NULL);

  return self->content;
}

guint
chutes_markdown_item_get_marker_chars (ChutesMarkdownItem *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_ITEM (self), 0);

  return self->marker_chars;
}

void
chutes_markdown_item_set_marker_chars (ChutesMarkdownItem *self,
                                       guint               n_chars)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_ITEM (self));

  if (self->marker_chars == n_chars)
    return;

  self->marker_chars = n_chars;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}
