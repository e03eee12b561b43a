/* chutes-markdown-text.c: a reply's paragraph, heading or table cell
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-markdown-text.h"

/* A wrapping, selectable GtkLabel, measured here rather than by GtkLabel.
 *
 * GtkLabel finds the minimum width of wrapping text by laying it out at
 * width 0, a line per word or, with PANGO_WRAP_WORD_CHAR, per character;
 * Pango shapes the rest of a paragraph again at every line break, so that
 * costs the square of the paragraph's length. A reply has dozens of
 * paragraphs and a conversation hundreds of replies: that was most of the
 * time to open a long conversation (bench/README.md). Here the text is laid
 * out only at the width it gets, and once on a single line for its natural
 * width; the minimum width is a fixed one, since text that wraps anywhere
 * fits any width.
 *
 * The CSS classes go on this widget (margins, padding, borders, fonts,
 * which the label inherits); the label keeps the accessible role and the
 * text, so a screen reader and selection work as with any label. */

/* Below this width, text is measured as if it had this width. */
#define MIN_TEXT_WIDTH 32

/* Bytes from which a paragraph is far wider on one line than the chat's
 * column (at most 860 px): 600 bytes of Latin text are some 3,000 px, of
 * CJK text (3 bytes and 12 px or more a glyph) 2,400 px. The natural width
 * given for such text, 2 px a byte, is still more than the column, and
 * containers give it what they have. */
#define LONG_TEXT 600

/* Of a paragraph longer than LONG_TEXT without line breaks, this many
 * bytes give the height of one line. */
#define LINE_SAMPLE 120

struct _ChutesMarkdownText
{
  GtkWidget    parent_instance;

  GtkLabel    *label;

  /* The size of the text on one line, and the label layout (and its
   * serial, which changes with its text, attributes and fonts) it is of. */
  PangoLayout *line_of;
  guint        line_serial;
  int          line_width;
  int          line_height;
};

G_DEFINE_FINAL_TYPE (ChutesMarkdownText, chutes_markdown_text, GTK_TYPE_WIDGET)

/* The label's layout (its text, markup and style) at @width pixels. At
 * the width the label has, which is the common case (a paragraph that
 * grows while a reply streams keeps its width), it is the label's own
 * layout, already at that width: the lines laid out here are the ones the
 * label draws, rather than laid out twice. */
static PangoLayout *
chutes_markdown_text_layout (ChutesMarkdownText *self,
                             int                 width)
{
  PangoLayout *label_layout = gtk_label_get_layout (self->label);
  PangoLayout *layout;

  if (pango_layout_get_width (label_layout) == width * PANGO_SCALE)
    return g_object_ref (label_layout);

  layout = pango_layout_copy (label_layout);
  pango_layout_set_width (layout, width * PANGO_SCALE);

  return layout;
}

/* The text's size on one line, asked for in both orientations with no
 * width given (by lists and scrolled windows, each time the text changes):
 * laid out once for both. A long paragraph without line breaks is far
 * wider than any window: it is not laid out whole just to learn by how
 * much (2 px a byte), and its first bytes give the height of a line. */
static void
chutes_markdown_text_ensure_line (ChutesMarkdownText *self)
{
  PangoLayout *label_layout = gtk_label_get_layout (self->label);
  guint serial = pango_layout_get_serial (label_layout);
  g_autoptr(PangoLayout) layout = NULL;
  const char *text;
  gsize length;
  gboolean long_text;

  if (self->line_of == label_layout && self->line_serial == serial)
    return;

  /* The reference keeps another layout from taking this one's address. */
  g_set_object (&self->line_of, label_layout);
  self->line_serial = serial;

  text = gtk_label_get_text (self->label);
  length = strlen (text);
  long_text = length > LONG_TEXT && strchr (text, '\n') == NULL;
  layout = pango_layout_copy (label_layout);
  pango_layout_set_width (layout, -1);
  if (long_text)
    pango_layout_set_text (layout, text, g_utf8_find_prev_char (text, text + LINE_SAMPLE + 1) - text);
  pango_layout_get_pixel_size (layout, &self->line_width, &self->line_height);
  if (long_text)
    self->line_width = 2 * (int) length;
}

static void
chutes_markdown_text_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  ChutesMarkdownText *self = CHUTES_MARKDOWN_TEXT (widget);
  g_autoptr(PangoLayout) layout = NULL;
  int height;

  if (orientation == GTK_ORIENTATION_HORIZONTAL || for_size < 0)
    {
      chutes_markdown_text_ensure_line (self);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          *natural = self->line_width;
          *minimum = MIN (self->line_width, MIN_TEXT_WIDTH);
        }
      else
        {
          *minimum = *natural = self->line_height;
        }
      return;
    }

  layout = chutes_markdown_text_layout (self, MAX (for_size, MIN_TEXT_WIDTH));
  pango_layout_get_pixel_size (layout, NULL, &height);
  *minimum = *natural = height;
}

static GtkSizeRequestMode
chutes_markdown_text_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
chutes_markdown_text_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  ChutesMarkdownText *self = CHUTES_MARKDOWN_TEXT (widget);

  gtk_widget_allocate (GTK_WIDGET (self->label), width, height, -1, NULL);
}

static void
chutes_markdown_text_dispose (GObject *object)
{
  ChutesMarkdownText *self = CHUTES_MARKDOWN_TEXT (object);

  if (self->label != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->label));
      self->label = NULL;
    }
  g_clear_object (&self->line_of);

  G_OBJECT_CLASS (chutes_markdown_text_parent_class)->dispose (object);
}

static void
chutes_markdown_text_class_init (ChutesMarkdownTextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_markdown_text_dispose;

  widget_class->measure = chutes_markdown_text_measure;
  widget_class->get_request_mode = chutes_markdown_text_get_request_mode;
  widget_class->size_allocate = chutes_markdown_text_size_allocate;

  gtk_widget_class_set_css_name (widget_class, "mdtext");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GENERIC);
}

static void
chutes_markdown_text_init (ChutesMarkdownText *self)
{
}

GtkWidget *
chutes_markdown_text_new (GtkAccessibleRole  role,
                          const char        *css_class)
{
  ChutesMarkdownText *self = g_object_new (CHUTES_TYPE_MARKDOWN_TEXT, NULL);

  self->label = g_object_new (GTK_TYPE_LABEL,
                              "accessible-role", role,
                              "xalign", 0.0f,
                              "wrap", TRUE,
                              "wrap-mode", PANGO_WRAP_WORD_CHAR,
                              "selectable", TRUE,
                              "use-underline", FALSE,
                              NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->label), GTK_WIDGET (self));
  /* GTK passes a child's resize on to its parent only once the child has
   * been measured or allocated; this label never is measured, and its
   * text may change again before its first allocation (a reply growing
   * twice between two frames): the sizes are asked again here. */
  g_signal_connect_object (self->label, "notify::label", G_CALLBACK (gtk_widget_queue_resize),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->label, "notify::attributes", G_CALLBACK (gtk_widget_queue_resize),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_css_class (GTK_WIDGET (self), css_class);

  return GTK_WIDGET (self);
}

GtkLabel *
chutes_markdown_text_get_label (ChutesMarkdownText *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_TEXT (self), NULL);

  return self->label;
}

void
chutes_markdown_text_set_markup (ChutesMarkdownText *self,
                                 const char         *markup)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_TEXT (self));

  /* Compared first: setting the same markup again still relayouts. */
  if (g_strcmp0 (gtk_label_get_label (self->label), markup) != 0)
    gtk_label_set_markup (self->label, markup);
}
