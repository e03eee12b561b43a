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

/* A paragraph that grows while a reply streams is laid out whole again at
 * each frame: Pango shapes and breaks all of it, some 15 ms for 30 KB on
 * the build machine. Once its text passes FREEZE_AT bytes, its lines but
 * the last KEEP_LIVE bytes' go to a label of their own that no longer
 * changes ("frozen"), cut where the label broke a line, so that at this
 * width the lines are the same; only the rest is laid out again. The
 * parts are joined into one label again by chutes_markdown_text_thaw()
 * (the reply view does it once the reply has settled), when the text
 * changes other than by growing, or when the width changes. Only for
 * widgets that may (chutes_markdown_text_set_can_freeze(): paragraphs). */
#define FREEZE_AT 4096
#define KEEP_LIVE 1024

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

  GtkLabel    *label;           /* the text, or while frozen its live end */

  /* While frozen: the labels of the frozen lines, first to last, the
   * markup they show (the start of the text's markup), the bytes of
   * their text and the width they were cut at. */
  GPtrArray   *frozen;
  GString     *frozen_markup;
  gsize        frozen_length;
  int          frozen_width;
  gboolean     can_freeze;
  guint        thaw_id;
  /* After no cut would do: the live markup's length to try again at. */
  gsize        freeze_again_at;

  /* The size of the text on one line, and the label layout (and its
   * serial, which changes with its text, attributes and fonts) it is of. */
  PangoLayout *line_of;
  guint        line_serial;
  int          line_width;
  int          line_height;
};

G_DEFINE_FINAL_TYPE (ChutesMarkdownText, chutes_markdown_text, GTK_TYPE_WIDGET)

/* A label's layout (its text, markup and style) at @width pixels. At
 * the width the label has, which is the common case (a paragraph that
 * grows while a reply streams keeps its width), it is the label's own
 * layout, already at that width: the lines laid out here are the ones the
 * label draws, rather than laid out twice. */
static PangoLayout *
label_layout_at (GtkLabel *label,
                 int       width)
{
  PangoLayout *label_layout = gtk_label_get_layout (label);
  PangoLayout *layout;

  if (pango_layout_get_width (label_layout) == width * PANGO_SCALE)
    return g_object_ref (label_layout);

  layout = pango_layout_copy (label_layout);
  pango_layout_set_width (layout, width * PANGO_SCALE);

  return layout;
}

/* Makes @layout, a copy of a label's layout of @text, hold only the first
 * LINE_SAMPLE bytes of it, and its attributes only what lies in them:
 * Pango reads the text at every attribute's start, so attributes past
 * the new end would make it read past it (AddressSanitizer found this). */
static void
set_sample_text (PangoLayout *layout,
                 const char  *text,
                 gsize        length)
{
  gsize cut = g_utf8_find_prev_char (text, text + LINE_SAMPLE + 1) - text;
  PangoAttrList *attrs = pango_layout_get_attributes (layout);

  if (attrs != NULL)
    {
      g_autoptr(PangoAttrList) sample_attrs = pango_attr_list_copy (attrs);

      pango_attr_list_update (sample_attrs, cut, length - cut, 0);
      pango_layout_set_attributes (layout, sample_attrs);
    }
  pango_layout_set_text (layout, text, cut);
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
    set_sample_text (layout, text, length);
  pango_layout_get_pixel_size (layout, &self->line_width, &self->line_height);
  if (long_text)
    self->line_width = 2 * (int) length;
}

/* Freezing ------------------------------------------------------------------ */

static GtkLabel *
new_label (GtkAccessibleRole role)
{
  return g_object_new (GTK_TYPE_LABEL,
                       "accessible-role", role,
                       "xalign", 0.0f,
                       "wrap", TRUE,
                       "wrap-mode", PANGO_WRAP_WORD_CHAR,
                       "selectable", TRUE,
                       "use-underline", FALSE,
                       NULL);
}

/* A link in a frozen part is handled as one in the live label: by whoever
 * handles that label's activate-link (the reply view). */
static gboolean
frozen_activate_link_cb (GtkLabel           *part,
                         const char         *uri,
                         ChutesMarkdownText *self)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (self->label, "activate-link", uri, &handled);

  return handled;
}

/* Drops the frozen parts; the live label keeps its text. */
static void
unfreeze (ChutesMarkdownText *self)
{
  if (self->frozen == NULL)
    return;

  for (guint i = 0; i < self->frozen->len; i++)
    gtk_widget_unparent (g_ptr_array_index (self->frozen, i));
  g_clear_pointer (&self->frozen, g_ptr_array_unref);
  g_string_free (g_steal_pointer (&self->frozen_markup), TRUE);
  self->frozen_length = 0;
  self->frozen_width = 0;
}

static gboolean
thaw_cb (gpointer user_data)
{
  ChutesMarkdownText *self = user_data;

  self->thaw_id = 0;
  chutes_markdown_text_thaw (self);

  return G_SOURCE_REMOVE;
}

/* The bytes of text the entity at @entity ("&lt;", "&#x1f;"...) shows. */
static gsize
entity_length (const char *entity)
{
  gunichar c;
  char utf8[6];

  if (entity[1] != '#')
    return 1;         /* &lt; &gt; &amp; &quot; &apos; */
  c = entity[2] == 'x' ? g_ascii_strtoull (entity + 3, NULL, 16) : g_ascii_strtoull (entity + 2, NULL, 10);

  return g_unichar_to_utf8 (c, utf8);
}

/* The offset in @markup (as the reply view writes it: escaped text and
 * spans), outside any span, where the text shown reaches the greatest of
 * @cuts (text offsets, ascending) that has one; 0 when none does.
 * *cut_out is that text offset. */
static gsize
find_markup_cut (const char *markup,
                 GArray     *cuts,
                 gsize      *cut_out)
{
  gsize text = 0;
  gsize found = 0;
  guint next = 0;
  int depth = 0;

  *cut_out = 0;
  for (const char *p = markup; *p != '\0' && next < cuts->len;)
    {
      while (next < cuts->len && g_array_index (cuts, gsize, next) < text)
        next++;
      if (next < cuts->len && depth == 0 && g_array_index (cuts, gsize, next) == text)
        {
          found = p - markup;
          *cut_out = text;
          next++;
        }

      if (*p == '<')
        {
          const char *end = strchr (p, '>');

          if (end == NULL)
            break;
          if (p[1] == '/')
            depth--;
          else if (end[-1] != '/')
            depth++;
          p = end + 1;
        }
      else if (*p == '&')
        {
          const char *end = strchr (p, ';');

          if (end == NULL)
            break;
          text += entity_length (p);
          p = end + 1;
        }
      else
        {
          text++;
          p++;
        }
    }

  return found;
}

/* Whether two lines are drawn the same: the same glyphs of the same
 * fonts, as wide and placed alike. With @end_of_part, @a is the last
 * line of a part, which ends its text there, where @b went on: Pango
 * draws a space that ends a wrapped line as no glyph, of no width, and
 * one that ends the text as a space; either is blank. */
static gboolean
same_runs (PangoLayoutLine *a,
           PangoLayoutLine *b,
           gboolean         end_of_part)
{
  const char *text = pango_layout_get_text (a->layout);
  GSList *ra = a->runs;
  GSList *rb = b->runs;

  if (a->length != b->length)
    return FALSE;

  for (; ra != NULL && rb != NULL; ra = ra->next, rb = rb->next)
    {
      PangoGlyphItem *ga = ra->data;
      PangoGlyphItem *gb = rb->data;

      if (ga->item->length != gb->item->length ||
          ga->item->analysis.font != gb->item->analysis.font ||
          ga->glyphs->num_glyphs != gb->glyphs->num_glyphs)
        return FALSE;

      for (int i = 0; i < ga->glyphs->num_glyphs; i++)
        {
          PangoGlyphInfo *x = &ga->glyphs->glyphs[i];
          PangoGlyphInfo *y = &gb->glyphs->glyphs[i];
          gboolean blank = end_of_part && ra->next == NULL &&
                           g_unichar_isspace (g_utf8_get_char (text + ga->item->offset + ga->glyphs->log_clusters[i]));

          if (x->geometry.x_offset != y->geometry.x_offset || x->geometry.y_offset != y->geometry.y_offset)
            return FALSE;
          if ((x->glyph != y->glyph || x->geometry.width != y->geometry.width) && !blank)
            return FALSE;
        }
    }

  return ra == NULL && rb == NULL;
}

static PangoLayoutIter *
iter_at_line (PangoLayout *layout,
              int          line)
{
  PangoLayoutIter *iter = pango_layout_get_iter (layout);

  for (int i = 0; i < line; i++)
    pango_layout_iter_next_line (iter);

  return iter;
}

/* Whether @part's lines are drawn as @n lines of @whole from its line
 * @first: the same glyphs and fonts, at the same places relative to the
 * first line, and no other lines.
 *
 * Cut at a line break, the text is the same but not always its look:
 * Pango picks the script, and so the font, of punctuation, spaces and
 * digits from the text around them, which a part no longer has. A part
 * that starts with ")" after Japanese words draws it with the Latin
 * font, on a line of another height or baseline. */
static gboolean
same_lines (PangoLayout *part,
            PangoLayout *whole,
            int          first,
            int          n)
{
  PangoLayoutIter *a, *b;
  gboolean same;
  int a_top = 0, b_top = 0;

  if (pango_layout_get_line_count (part) != n || pango_layout_get_line_count (whole) < first + n)
    return FALSE;

  a = iter_at_line (part, 0);
  b = iter_at_line (whole, first);
  same = TRUE;
  for (int i = 0; same && i < n; i++)
    {
      PangoRectangle ra, rb;

      pango_layout_iter_get_line_extents (a, NULL, &ra);
      pango_layout_iter_get_line_extents (b, NULL, &rb);
      if (i == 0)
        {
          a_top = ra.y;
          b_top = rb.y;
        }
      same = ra.x == rb.x && (ra.width == rb.width || i == n - 1) && ra.height == rb.height &&
             ra.y - a_top == rb.y - b_top &&
             pango_layout_iter_get_baseline (a) - a_top == pango_layout_iter_get_baseline (b) - b_top &&
             same_runs (pango_layout_iter_get_line_readonly (a), pango_layout_iter_get_line_readonly (b), i == n - 1);
      pango_layout_iter_next_line (a);
      pango_layout_iter_next_line (b);
    }
  pango_layout_iter_free (a);
  pango_layout_iter_free (b);

  return same;
}

/* @label's own layout at @width, the width it is about to be given.
 * Allocating a wrapping label sets that width on its layout, which is
 * then no change: the lines laid out here are the ones it is measured by
 * (label_layout_at()) and draws, laid out once rather than three times. */
static PangoLayout *
layout_for_allocation (GtkLabel *label,
                       int       width)
{
  PangoLayout *layout = gtk_label_get_layout (label);

  pango_layout_set_width (layout, width * PANGO_SCALE);

  return g_object_ref (layout);
}

/* A cut is tried at the last few line breaks before the live end; if
 * none gives the same lines, freezing waits for KEEP_LIVE more bytes. */
#define CUT_TRIES 3

/* Moves the live label's lines, but for its last KEEP_LIVE bytes, to a
 * frozen part of their own, cut where the label broke a line at the width
 * it has, and only where both sides are then drawn as before. */
static void
freeze (ChutesMarkdownText *self,
        const char         *live_markup)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->label));
  g_autoptr(PangoLayout) layout = NULL;
  PangoLayoutIter *iter;
  g_autoptr(GArray) cuts = NULL;
  g_autoptr(GArray) cut_lines = NULL;
  GtkLabel *part = NULL;
  gsize length, cut, markup_cut;
  g_autofree char *markup = NULL;
  int line = 0;

  if (width <= 0 || (self->frozen != NULL && width != self->frozen_width))
    return;

  if (pango_layout_get_width (gtk_label_get_layout (self->label)) != width * PANGO_SCALE)
    return;
  /* Kept: the label makes a new one when its text changes. */
  layout = label_layout_at (self->label, width);

  length = strlen (pango_layout_get_text (layout));
  cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  cut_lines = g_array_new (FALSE, FALSE, sizeof (int));
  iter = pango_layout_get_iter (layout);
  while (pango_layout_iter_next_line (iter))
    {
      gsize start = pango_layout_iter_get_index (iter);

      line++;
      if (start + KEEP_LIVE > length)
        break;
      g_array_append_val (cuts, start);
      g_array_append_val (cut_lines, line);
    }
  pango_layout_iter_free (iter);

  for (guint tries = 0; tries < CUT_TRIES; tries++)
    {
      g_autoptr(PangoLayout) part_layout = NULL;
      g_autoptr(PangoLayout) rest_layout = NULL;
      int cut_line;
      guint i;

      markup_cut = find_markup_cut (live_markup, cuts, &cut);
      if (markup_cut == 0)
        break;
      for (i = 0; g_array_index (cuts, gsize, i) != cut; i++)
        ;
      cut_line = g_array_index (cut_lines, int, i);

      g_clear_pointer (&markup, g_free);
      markup = g_strndup (live_markup, markup_cut);
      if (part == NULL)
        {
          part = new_label (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (self->label)));
          gtk_widget_insert_before (GTK_WIDGET (part), GTK_WIDGET (self), GTK_WIDGET (self->label));
        }
      gtk_label_set_markup (part, markup);
      gtk_label_set_markup (self->label, live_markup + markup_cut);
      part_layout = layout_for_allocation (part, width);
      rest_layout = layout_for_allocation (self->label, width);
      if (same_lines (part_layout, layout, 0, cut_line) &&
          same_lines (rest_layout, layout, cut_line, pango_layout_get_line_count (layout) - cut_line))
        break;

      g_debug ("A paragraph is not cut at byte %zu: its lines would not look the same", cut);
      g_array_set_size (cuts, i);
      gtk_label_set_markup (self->label, live_markup);
      markup_cut = 0;
    }

  if (markup_cut == 0)
    {
      if (part != NULL)
        gtk_widget_unparent (GTK_WIDGET (part));
      self->freeze_again_at = strlen (live_markup) + KEEP_LIVE;
      return;
    }

  g_signal_connect_object (part, "activate-link", G_CALLBACK (frozen_activate_link_cb), self, 0);

  if (self->frozen == NULL)
    {
      self->frozen = g_ptr_array_new ();
      self->frozen_markup = g_string_new (NULL);
      self->frozen_width = width;
    }
  g_ptr_array_add (self->frozen, part);
  g_string_append (self->frozen_markup, markup);
  self->frozen_length += cut;
  self->freeze_again_at = 0;
}

/* The height of a label's text at @width, in Pango units: for a frozen
 * part at the width it was cut at (the usual case), its own layout, laid
 * out once.
 *
 * Lines are a fraction of a pixel high with most fonts (DejaVu Sans at
 * 10 pt: 15.52 px). One label puts each line right below the one before,
 * at fractional offsets, and rounds only its whole height up to a pixel;
 * the parts must do the same to line up with it, so they are measured
 * and placed in Pango units: rounding each part up to a pixel of its own
 * would leave a gap of up to a pixel at every cut. */
static int
label_height (GtkLabel *label,
              int       width)
{
  g_autoptr(PangoLayout) layout = label_layout_at (label, width);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);

  return logical.height;
}

static int
frozen_height (ChutesMarkdownText *self,
               int                 width)
{
  int height = 0;

  for (guint i = 0; self->frozen != NULL && i < self->frozen->len; i++)
    height += label_height (g_ptr_array_index (self->frozen, i), width);

  return height;
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
  int width;

  if (orientation == GTK_ORIENTATION_HORIZONTAL || for_size < 0)
    {
      chutes_markdown_text_ensure_line (self);
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          /* Frozen text is long: as for LONG_TEXT. */
          *natural = self->frozen != NULL ? MAX (self->line_width, 2 * (int) self->frozen_length)
                                          : self->line_width;
          *minimum = MIN (*natural, MIN_TEXT_WIDTH);
        }
      else
        {
          *minimum = *natural = self->line_height;
        }
      return;
    }

  width = MAX (for_size, MIN_TEXT_WIDTH);
  *minimum = *natural = PANGO_PIXELS_CEIL (label_height (self->label, width) + frozen_height (self, width));
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
  int text_width = MAX (width, MIN_TEXT_WIDTH);
  int y = 0;   /* Pango units */

  /* Each part where its first line is in one label of the whole text
   * (see label_height()), a fraction of a pixel down at times; its label
   * draws its text at the top of its allocation, since it is given the
   * height its text takes. */
  for (guint i = 0; self->frozen != NULL && i < self->frozen->len; i++)
    {
      GtkLabel *part = g_ptr_array_index (self->frozen, i);
      int part_height = label_height (part, text_width);

      gtk_widget_allocate (GTK_WIDGET (part), width, PANGO_PIXELS_CEIL (part_height), -1,
                           gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (0, (float) y / PANGO_SCALE)));
      y += part_height;
    }

  gtk_widget_allocate (GTK_WIDGET (self->label), width, MAX (PANGO_PIXELS_CEIL (height * PANGO_SCALE - y), 0), -1,
                       y > 0 ? gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (0, (float) y / PANGO_SCALE)) : NULL);

  /* At another width the parts would break their lines apart from each
   * other: joined again, before the next frame. */
  if (self->frozen != NULL && width != self->frozen_width && self->thaw_id == 0)
    self->thaw_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, thaw_cb, self, NULL);
}

static void
chutes_markdown_text_dispose (GObject *object)
{
  ChutesMarkdownText *self = CHUTES_MARKDOWN_TEXT (object);

  g_clear_handle_id (&self->thaw_id, g_source_remove);
  unfreeze (self);
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

  self->label = new_label (role);
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
  const char *live = markup;
  const char *previous;
  gsize previous_length;
  gboolean grew;

  g_return_if_fail (CHUTES_IS_MARKDOWN_TEXT (self));
  g_return_if_fail (markup != NULL);

  if (self->frozen != NULL)
    {
      if (strncmp (markup, self->frozen_markup->str, self->frozen_markup->len) == 0)
        live = markup + self->frozen_markup->len;
      else
        unfreeze (self);
    }

  /* Compared first: setting the same markup again still relayouts. */
  previous = gtk_label_get_label (self->label);
  previous_length = strlen (previous);
  if (strcmp (previous, live) == 0)
    return;
  grew = strncmp (live, previous, previous_length) == 0;
  gtk_label_set_markup (self->label, live);
  if (!grew)
    self->freeze_again_at = 0;

  if (self->can_freeze && grew && strlen (live) > MAX (FREEZE_AT, self->freeze_again_at))
    freeze (self, live);
}

/* Whether the text may be frozen in parts while it grows (see FREEZE_AT). */
void
chutes_markdown_text_set_can_freeze (ChutesMarkdownText *self,
                                     gboolean            can_freeze)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_TEXT (self));

  self->can_freeze = can_freeze;
  if (!can_freeze)
    chutes_markdown_text_thaw (self);
}

/* Joins the frozen parts and the live end into one label again: one
 * layout of the whole text, and one selection. */
void
chutes_markdown_text_thaw (ChutesMarkdownText *self)
{
  g_autoptr(GString) markup = NULL;

  g_return_if_fail (CHUTES_IS_MARKDOWN_TEXT (self));

  g_clear_handle_id (&self->thaw_id, g_source_remove);
  if (self->frozen == NULL)
    return;

  markup = g_string_new (self->frozen_markup->str);
  g_string_append (markup, gtk_label_get_label (self->label));
  unfreeze (self);
  gtk_label_set_markup (self->label, markup->str);
}

/* Whether the text is shown in frozen parts (for tests). */
guint
chutes_markdown_text_get_n_frozen (ChutesMarkdownText *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_TEXT (self), 0);

  return self->frozen != NULL ? self->frozen->len : 0;
}
