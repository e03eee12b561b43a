/* chutes-markdown-view.c: a reply's Markdown shown as widgets, fast while it streams
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-code-block.h"
#include "chutes-culling-box.h"
#include "chutes-markdown-item.h"
#include "chutes-markdown-text.h"
#include "chutes-markdown-private.h"
#include "chutes-markdown-view.h"

/* Appended text is rendered after the main loop's other work and before
 * the frame is drawn (GDK_PRIORITY_REDRAW is G_PRIORITY_HIGH_IDLE + 20). */
#define RENDER_PRIORITY (G_PRIORITY_HIGH_IDLE + 10)

/* Lines tried as the start of the last block before giving up until the
 * text has more lines. */
#define MAX_SPLIT_TRIES 16

/* How long appends must pause before the whole text is checked. */
#define SETTLE_MS 250

/* While a reply streams, only its last top-level block can still change:
 * the blocks before it keep their widgets and are never parsed again. The
 * text from @tail_start on is parsed on each render, its blocks compared
 * with those of the previous render, and only the widgets that differ are
 * updated. When the tail holds more than one block, the start of the last
 * one is found (and checked by parsing both sides of it), and the blocks
 * before it are committed.
 *
 * A link reference definition ("[name]: url") changes links anywhere in
 * the text, before it too; a text that may hold one is parsed whole.
 *
 * md4c 0.4.8 does not always parse a block the same after different text
 * (blank lines in list items, mity/md4c#190), so the parts can differ from
 * the whole in rare cases. When appends pause, the whole text is parsed
 * once and the widgets that differ are fixed: a finished reply always looks
 * as it will when it is loaded again with chutes_markdown_view_set_text(). */
struct _ChutesMarkdownView
{
  GtkWidget  parent_instance;

  GtkBox    *box;
  GString   *text;
  gsize      rendered_length;
  gsize      tail_start;
  GPtrArray *committed_blocks;  /* ChutesMdBlock of the widgets up to last_committed */
  GPtrArray *tail_blocks;       /* ChutesMdBlock of the widgets after last_committed */
  GtkWidget *last_committed;    /* the last widget of a final block, or NULL */
  gsize      scan_start;        /* first line not yet checked for reference definitions */
  gboolean   has_references;
  guint      split_failed_blocks;
  gsize      split_failed_end;
  guint64    reparsed_bytes;
  guint      render_id;
  gboolean   needs_settle;      /* parts were parsed apart since the last whole parse */
  guint      settle_id;
  gint64     last_append_time;
  gboolean   holds_highlighting;
  guint64    serial;            /* changes with the text */
};

G_DEFINE_FINAL_TYPE (ChutesMarkdownView, chutes_markdown_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXT,
  N_PROPS
};

enum {
  ACTIVATE_LINK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GtkWidget *build_block  (ChutesMdBlock *block);
static GtkWidget *update_block (GtkWidget     *widget,
                                ChutesMdBlock *old,
                                ChutesMdBlock *block);

/* Links */

static gboolean
uri_may_open (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;

  parsed = g_uri_parse (uri, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;

  return g_uri_get_host (parsed) != NULL && *g_uri_get_host (parsed) != '\0';
}

static gboolean
label_activate_link_cb (GtkLabel   *label,
                        const char *uri,
                        gpointer    user_data)
{
  GtkWidget *view = gtk_widget_get_ancestor (GTK_WIDGET (label), CHUTES_TYPE_MARKDOWN_VIEW);
  gboolean handled = FALSE;

  /* Handled either way: GtkLabel's own handler would open any scheme. */
  if (!uri_may_open (uri))
    {
      g_debug ("Not opening a link that is not http or https");
      return TRUE;
    }

  if (view != NULL)
    g_signal_emit (view, signals[ACTIVATE_LINK], 0, uri, &handled);

  return TRUE;
}

static gboolean
chutes_markdown_view_real_activate_link (ChutesMarkdownView *self,
                                         const char         *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);

  return TRUE;
}

/* Widgets for blocks */

static GtkWidget *
text_new (GtkAccessibleRole  role,
          const char        *css_class)
{
  GtkWidget *text = chutes_markdown_text_new (role, css_class);

  g_signal_connect (chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (text)), "activate-link",
                    G_CALLBACK (label_activate_link_cb), NULL);

  return text;
}

static GtkLabel *
text_label (GtkWidget *text)
{
  return chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (text));
}

static void
text_set_markup (GtkWidget  *text,
                 const char *markup)
{
  chutes_markdown_text_set_markup (CHUTES_MARKDOWN_TEXT (text), markup);
}

static GtkWidget *
box_new (GtkOrientation     orientation,
         int                spacing,
         GtkAccessibleRole  role,
         const char        *css_class)
{
  GtkWidget *box = g_object_new (GTK_TYPE_BOX,
                                 "accessible-role", role,
                                 "orientation", orientation,
                                 "spacing", spacing,
                                 NULL);

  gtk_widget_add_css_class (box, css_class);

  return box;
}

static int
list_spacing (ChutesMdBlock *list)
{
  return list->tight ? 4 : 10;
}

static void
update_marker (ChutesMarkdownItem  *row,
               ChutesMdBlock *list,
               ChutesMdBlock *item,
               guint          index)
{
  GtkLabel *marker = chutes_markdown_item_get_marker (row);
  g_autofree char *text = chutes_md_list_marker (list, item, index);

  if (g_strcmp0 (gtk_label_get_text (marker), text) != 0)
    gtk_label_set_text (marker, text);
  chutes_markdown_item_set_marker_chars (row, chutes_md_list_marker_width (list));

  /* A screen reader says what a check box means, not its glyph. */
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (marker), "chutes-md-task")) != item->task)
    {
      if (item->task != CHUTES_MD_TASK_NONE)
        gtk_accessible_update_property (GTK_ACCESSIBLE (marker),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        /* Translators: what a screen reader says for a
                                         * ticked and an unticked task in a reply's list */
                                        item->task == CHUTES_MD_TASK_DONE ? _("Done") : _("Not done"),
                                        -1);
      else
        gtk_accessible_reset_property (GTK_ACCESSIBLE (marker), GTK_ACCESSIBLE_PROPERTY_LABEL);
      g_object_set_data (G_OBJECT (marker), "chutes-md-task", GUINT_TO_POINTER (item->task));
    }
}

/* A list item: its marker, then its blocks. */
static GtkWidget *
build_item (ChutesMdBlock *list,
            ChutesMdBlock *item,
            guint          index)
{
  GtkWidget *row = chutes_markdown_item_new ();
  GtkBox *content = chutes_markdown_item_get_content (CHUTES_MARKDOWN_ITEM (row));

  gtk_widget_add_css_class (row, "chutes-md-item");
  gtk_label_set_xalign (chutes_markdown_item_get_marker (CHUTES_MARKDOWN_ITEM (row)),
                        list->delimiter != 0 ? 1.0f : 0.5f);
  update_marker (CHUTES_MARKDOWN_ITEM (row), list, item, index);
  gtk_box_set_spacing (content, list_spacing (list));

  for (guint i = 0; i < item->children->len; i++)
    gtk_box_append (content, build_block (g_ptr_array_index (item->children, i)));

  return row;
}

static GtkWidget *
build_child (ChutesMdBlock *parent,
             ChutesMdBlock *block,
             guint          index)
{
  if (parent != NULL && parent->kind == CHUTES_MD_LIST)
    return build_item (parent, block, index);

  return build_block (block);
}

static void update_children (GtkBox        *box,
                             GtkWidget     *after,
                             ChutesMdBlock *parent,
                             GPtrArray     *old,
                             GPtrArray     *blocks);

static GtkWidget *
update_child (GtkWidget     *widget,
              ChutesMdBlock *parent,
              ChutesMdBlock *old,
              ChutesMdBlock *block,
              guint          index)
{
  GtkBox *content;

  if (parent == NULL || parent->kind != CHUTES_MD_LIST)
    return update_block (widget, old, block);

  /* A list's markers change with its other items: "9." is given the width
   * of "10." when a tenth item arrives. */
  update_marker (CHUTES_MARKDOWN_ITEM (widget), parent, block, index);
  content = chutes_markdown_item_get_content (CHUTES_MARKDOWN_ITEM (widget));
  gtk_box_set_spacing (content, list_spacing (parent));

  if (!chutes_md_block_equal (old, block))
    update_children (content, NULL, block, old->children, block->children);

  return widget;
}

/* Makes the children of @box after @after show @blocks, where they showed
 * @old: widgets whose block is unchanged are kept, changed ones updated in
 * place where they can be. */
static void
update_children (GtkBox        *box,
                 GtkWidget     *after,
                 ChutesMdBlock *parent,
                 GPtrArray     *old,
                 GPtrArray     *blocks)
{
  GtkWidget *child = after ? gtk_widget_get_next_sibling (after)
                           : gtk_widget_get_first_child (GTK_WIDGET (box));
  GtkWidget *previous = after;
  guint n_old = old ? old->len : 0;

  for (guint i = 0; i < blocks->len; i++)
    {
      ChutesMdBlock *block = g_ptr_array_index (blocks, i);
      GtkWidget *widget;

      if (i < n_old && child != NULL)
        {
          GtkWidget *next = gtk_widget_get_next_sibling (child);

          widget = update_child (child, parent, g_ptr_array_index (old, i), block, i);
          if (widget != child)
            {
              gtk_box_insert_child_after (box, widget, previous);
              gtk_box_remove (box, child);
            }
          child = next;
        }
      else
        {
          widget = build_child (parent, block, i);
          gtk_box_insert_child_after (box, widget, previous);
        }

      previous = widget;
    }

  /* What is left showed text that is gone. */
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      gtk_box_remove (box, child);
      child = next;
    }
}

static GtkWidget *
build_cell (ChutesMdBlock *cell)
{
  GtkWidget *text = text_new (GTK_ACCESSIBLE_ROLE_LABEL, "chutes-md-cell");

  if (cell->header)
    gtk_widget_add_css_class (text, "chutes-md-header");
  gtk_label_set_xalign (text_label (text), cell->xalign);
  text_set_markup (text, cell->text->str);

  return text;
}

static void
attach_row (GtkGrid       *grid,
            ChutesMdBlock *row,
            guint          index)
{
  for (guint column = 0; column < row->children->len; column++)
    gtk_grid_attach (grid, build_cell (g_ptr_array_index (row->children, column)),
                     column, index, 1, 1);
}

/* A grid of wrapping cells: a table narrower than the window keeps its
 * natural width; a wider one gives its longer columns less room and wraps
 * them, as a chat bubble cannot scroll sideways comfortably. */
static GtkWidget *
build_table (ChutesMdBlock *table)
{
  GtkWidget *grid = g_object_new (GTK_TYPE_GRID,
                                  "halign", GTK_ALIGN_START,
                                  "overflow", GTK_OVERFLOW_HIDDEN,
                                  NULL);

  gtk_widget_add_css_class (grid, "chutes-md-table");

  for (guint i = 0; i < table->children->len; i++)
    attach_row (GTK_GRID (grid), g_ptr_array_index (table->children, i), i);

  return grid;
}

static guint
table_columns (ChutesMdBlock *table)
{
  ChutesMdBlock *first;

  if (table->children->len == 0)
    return 0;

  first = g_ptr_array_index (table->children, 0);

  return first->children->len;
}

static GtkWidget *
update_table (GtkWidget     *widget,
              ChutesMdBlock *old,
              ChutesMdBlock *table)
{
  GtkGrid *grid = GTK_GRID (widget);

  if (table_columns (old) != table_columns (table) || old->children->len > table->children->len)
    return build_table (table);

  for (guint r = 0; r < table->children->len; r++)
    {
      ChutesMdBlock *row = g_ptr_array_index (table->children, r);
      ChutesMdBlock *old_row;

      if (r >= old->children->len)
        {
          attach_row (grid, row, r);
          continue;
        }

      old_row = g_ptr_array_index (old->children, r);
      if (old_row->header != row->header || old_row->children->len != row->children->len)
        return build_table (table);

      for (guint c = 0; c < row->children->len; c++)
        {
          ChutesMdBlock *cell = g_ptr_array_index (row->children, c);
          GtkWidget *text = gtk_grid_get_child_at (grid, c, r);

          text_set_markup (text, cell->text->str);
          gtk_label_set_xalign (text_label (text), cell->xalign);
        }
    }

  return widget;
}

static GtkWidget *
build_block (ChutesMdBlock *block)
{
  GtkWidget *widget = NULL;

  switch (block->kind)
    {
    case CHUTES_MD_PARAGRAPH:
      widget = text_new (GTK_ACCESSIBLE_ROLE_LABEL, "chutes-md-paragraph");
      /* A long paragraph that grows is laid out in parts until the reply
       * settles (chutes_markdown_view_settle()). */
      chutes_markdown_text_set_can_freeze (CHUTES_MARKDOWN_TEXT (widget), TRUE);
      text_set_markup (widget, block->text->str);
      break;

    case CHUTES_MD_HEADING:
      widget = text_new (GTK_ACCESSIBLE_ROLE_HEADING, "chutes-md-heading");
      gtk_widget_add_css_class (widget, chutes_md_heading_css_class (block->level));
      gtk_accessible_update_property (GTK_ACCESSIBLE (text_label (widget)),
                                      GTK_ACCESSIBLE_PROPERTY_LEVEL, block->level,
                                      -1);
      text_set_markup (widget, block->text->str);
      break;

    case CHUTES_MD_CODE:
      widget = chutes_code_block_new (block->language, block->text->str);
      break;

    case CHUTES_MD_RULE:
      widget = gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
      gtk_widget_add_css_class (widget, "chutes-md-rule");
      break;

    case CHUTES_MD_QUOTE:
      widget = box_new (GTK_ORIENTATION_VERTICAL, 10, GTK_ACCESSIBLE_ROLE_GROUP, "chutes-md-quote");
      for (guint i = 0; i < block->children->len; i++)
        gtk_box_append (GTK_BOX (widget), build_block (g_ptr_array_index (block->children, i)));
      break;

    case CHUTES_MD_LIST:
      widget = box_new (GTK_ORIENTATION_VERTICAL, list_spacing (block), GTK_ACCESSIBLE_ROLE_LIST,
                        "chutes-md-list");
      for (guint i = 0; i < block->children->len; i++)
        gtk_box_append (GTK_BOX (widget), build_item (block, g_ptr_array_index (block->children, i), i));
      break;

    case CHUTES_MD_TABLE:
      widget = build_table (block);
      break;

    case CHUTES_MD_ITEM:
    case CHUTES_MD_ROW:
    case CHUTES_MD_CELL:
    default:
      g_return_val_if_reached (gtk_label_new (NULL));
    }

  return widget;
}

/* Returns @widget updated to show @block, or a new widget when it cannot
 * be updated in place. */
static GtkWidget *
update_block (GtkWidget     *widget,
              ChutesMdBlock *old,
              ChutesMdBlock *block)
{
  if (old->kind != block->kind)
    return build_block (block);

  if (chutes_md_block_equal (old, block))
    return widget;

  switch (block->kind)
    {
    case CHUTES_MD_PARAGRAPH:
      text_set_markup (widget, block->text->str);
      return widget;

    case CHUTES_MD_HEADING:
      if (old->level != block->level)
        return build_block (block);
      text_set_markup (widget, block->text->str);
      return widget;

    case CHUTES_MD_CODE:
      chutes_code_block_set_language (CHUTES_CODE_BLOCK (widget), block->language);
      chutes_code_block_set_code (CHUTES_CODE_BLOCK (widget), block->text->str);
      return widget;

    case CHUTES_MD_QUOTE:
      update_children (GTK_BOX (widget), NULL, block, old->children, block->children);
      return widget;

    case CHUTES_MD_LIST:
      if (old->delimiter != block->delimiter || old->level != block->level)
        return build_block (block);
      gtk_box_set_spacing (GTK_BOX (widget), list_spacing (block));
      update_children (GTK_BOX (widget), NULL, block, old->children, block->children);
      return widget;

    case CHUTES_MD_TABLE:
      return update_table (widget, old, block);

    case CHUTES_MD_RULE:
    case CHUTES_MD_ITEM:
    case CHUTES_MD_ROW:
    case CHUTES_MD_CELL:
    default:
      return build_block (block);
    }
}

/* Rendering */

static GPtrArray *
chutes_markdown_view_parse (ChutesMarkdownView *self,
                            gsize               start,
                            gsize               end)
{
  self->reparsed_bytes += end - start;

  return chutes_md_parse (self->text->str + start, end - start);
}

static gsize
line_start (const char *text,
            gsize       offset)
{
  while (offset > 0 && text[offset - 1] != '\n')
    offset--;

  return offset;
}

static gboolean
follows_blank_line (const char *text,
                    gsize       offset)
{
  gsize start;

  if (offset < 1)
    return FALSE;

  start = line_start (text, offset - 1);
  for (gsize i = start; i < offset - 1; i++)
    if (text[i] != ' ' && text[i] != '\t')
      return FALSE;

  return TRUE;
}

/* Whether a line starting with @c could belong to a list (or an indented
 * code block) above it, once more of it arrives. */
static gboolean
may_continue_a_list (char c)
{
  return c == ' ' || c == '\t' || c == '-' || c == '+' || c == '*' || g_ascii_isdigit (c);
}

/* Where in the tail the last of @blocks starts, checked by parsing the
 * text before and after that point apart; 0 when it cannot be found yet.
 * Its lines up to its first text must be complete: the rest of a line
 * can change what its beginning means. Once they are, later lines cannot
 * change the blocks before it (a setext or table underline only changes
 * the paragraph right above it, which would be this last block). */
static gsize
chutes_markdown_view_find_split (ChutesMarkdownView *self,
                                 GPtrArray          *blocks)
{
  const char *tail = self->text->str + self->tail_start;
  gsize length = self->text->len - self->tail_start;
  ChutesMdBlock *last = g_ptr_array_index (blocks, blocks->len - 1);
  gsize complete = length;
  gsize low = 0;
  gsize candidate;

  /* Lines before this are complete. */
  while (complete > 0 && tail[complete - 1] != '\n')
    complete--;
  if (complete == 0)
    return 0;

  if (blocks->len == self->split_failed_blocks && complete == self->split_failed_end)
    return 0;

  /* The last block starts after the last line with text of the others... */
  for (guint i = blocks->len - 1; i > 0; i--)
    {
      ChutesMdBlock *block = g_ptr_array_index (blocks, i - 1);

      if (block->last_source != CHUTES_MD_NO_SOURCE)
        {
          low = line_start (tail, block->last_source);
          break;
        }
    }

  /* ...and no later than the line of its own first text, which must be
   * complete: "1" after a list is a paragraph until it becomes "1. two",
   * the list's second item. Only a blank line and a character that neither
   * indents nor starts a list item settle it sooner; that is how most
   * paragraphs start, and a paragraph often arrives as one long line. */
  if (last->first_source != CHUTES_MD_NO_SOURCE && last->first_source < complete)
    candidate = line_start (tail, last->first_source);
  else if (last->first_source == CHUTES_MD_NO_SOURCE && complete == length)
    candidate = line_start (tail, complete - 1);
  else if (last->first_source != CHUTES_MD_NO_SOURCE &&
           follows_blank_line (tail, complete) &&
           !may_continue_a_list (tail[complete]))
    candidate = complete;
  else
    candidate = 0;

  for (guint tries = 0; candidate > low && tries < MAX_SPLIT_TRIES; tries++)
    {
      g_autoptr(GPtrArray) before = NULL;
      g_autoptr(GPtrArray) after = NULL;

      before = chutes_markdown_view_parse (self, self->tail_start, self->tail_start + candidate);
      if (chutes_md_blocks_equal (blocks, 0, blocks->len - 1, before))
        {
          after = chutes_markdown_view_parse (self, self->tail_start + candidate, self->text->len);
          if (chutes_md_blocks_equal (blocks, blocks->len - 1, blocks->len, after))
            return candidate;
        }

      candidate = line_start (tail, candidate - 1);
    }

  self->split_failed_blocks = blocks->len;
  self->split_failed_end = complete;

  return 0;
}

/* Whether a line added since the last render may define a link reference. */
static gboolean
chutes_markdown_view_scan_references (ChutesMarkdownView *self)
{
  const char *text = self->text->str;
  gsize length = self->text->len;

  while (self->scan_start < length)
    {
      const char *newline = memchr (text + self->scan_start, '\n', length - self->scan_start);
      gsize end = newline ? (gsize) (newline - text) : length;

      if (chutes_md_line_may_define_reference (text + self->scan_start, end - self->scan_start))
        return TRUE;
      if (newline == NULL)
        break;
      self->scan_start = end + 1;
    }

  return FALSE;
}

static void
chutes_markdown_view_clear (ChutesMarkdownView *self)
{
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->box)));)
    gtk_box_remove (self->box, child);

  g_ptr_array_set_size (self->committed_blocks, 0);
  g_ptr_array_set_size (self->tail_blocks, 0);
  self->last_committed = NULL;
  self->needs_settle = FALSE;
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->tail_start = 0;
  self->rendered_length = 0;
  self->split_failed_blocks = 0;
  self->split_failed_end = 0;
}

static void
chutes_markdown_view_render (ChutesMarkdownView *self)
{
  g_autoptr(GPtrArray) blocks = NULL;
  ChutesMdBlock *last;
  gsize split = 0;

  g_clear_handle_id (&self->render_id, g_source_remove);

  if (self->rendered_length == self->text->len)
    return;

  if (!self->has_references && chutes_markdown_view_scan_references (self))
    {
      self->has_references = TRUE;
      chutes_markdown_view_clear (self);
    }
  self->rendered_length = self->text->len;

  blocks = chutes_markdown_view_parse (self, self->tail_start, self->text->len);
  if (self->tail_start > 0)
    self->needs_settle = TRUE;

  if (!self->has_references && blocks->len >= 2)
    split = chutes_markdown_view_find_split (self, blocks);

  update_children (self->box, self->last_committed, NULL, self->tail_blocks, blocks);

  if (split > 0)
    {
      GtkWidget *child = self->last_committed;

      for (guint i = 0; i + 1 < blocks->len; i++)
        child = child ? gtk_widget_get_next_sibling (child)
                      : gtk_widget_get_first_child (GTK_WIDGET (self->box));

      self->last_committed = child;
      self->tail_start += split;
      self->split_failed_blocks = 0;

      last = g_ptr_array_steal_index (blocks, blocks->len - 1);
      g_ptr_array_extend_and_steal (self->committed_blocks, g_steal_pointer (&blocks));
      blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);
      g_ptr_array_add (blocks, last);
    }

  g_ptr_array_unref (self->tail_blocks);
  self->tail_blocks = g_steal_pointer (&blocks);
}

/* Code blocks are highlighted once the reply stops growing. */
static void
chutes_markdown_view_hold_highlighting (ChutesMarkdownView *self,
                                        gboolean            hold)
{
  if (self->holds_highlighting == hold)
    return;

  self->holds_highlighting = hold;
  if (hold)
    chutes_code_block_hold_highlighting ();
  else
    chutes_code_block_release_highlighting ();
}

/* A paragraph frozen in more parts than this (each of some 3 to 4 KB)
 * stays in parts when the reply settles: joining it would lay out all of
 * it at once, for a runaway paragraph of hundreds of kilobytes a stall of
 * as many milliseconds. Its lines are the same either way. */
#define MAX_THAW_PARTS 16

static void
thaw_texts (GtkWidget *widget)
{
  if (CHUTES_IS_MARKDOWN_TEXT (widget))
    {
      if (chutes_markdown_text_get_n_frozen (CHUTES_MARKDOWN_TEXT (widget)) <= MAX_THAW_PARTS)
        chutes_markdown_text_thaw (CHUTES_MARKDOWN_TEXT (widget));
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    thaw_texts (child);
}

/* Fixes the widgets that differ from @blocks, the whole text parsed, and
 * joins the paragraphs laid out in parts while they grew. Takes @blocks. */
static void
chutes_markdown_view_settle_to (ChutesMarkdownView *self,
                                GPtrArray          *blocks)
{
  g_autoptr(GPtrArray) shown = NULL;

  shown = g_steal_pointer (&self->committed_blocks);
  g_ptr_array_extend_and_steal (shown, g_steal_pointer (&self->tail_blocks));
  self->committed_blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);

  if (!chutes_md_blocks_equal (shown, 0, shown->len, blocks))
    {
      g_debug ("Markdown parsed in parts differed from the whole; updating");
      update_children (self->box, NULL, NULL, shown, blocks);
    }

  /* The next append finds the last block again. */
  self->tail_blocks = blocks;
  self->tail_start = 0;
  self->last_committed = NULL;
  self->split_failed_blocks = 0;
  self->needs_settle = FALSE;
  thaw_texts (GTK_WIDGET (self->box));
}

/* Parses the whole text and fixes the widgets that differ from it; joins
 * the paragraphs laid out in parts while they grew. */
void
chutes_markdown_view_settle (ChutesMarkdownView *self)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_VIEW (self));

  g_clear_handle_id (&self->settle_id, g_source_remove);
  chutes_markdown_view_render (self);
  chutes_markdown_view_hold_highlighting (self, FALSE);

  if (!self->needs_settle)
    {
      thaw_texts (GTK_WIDGET (self->box));
      return;
    }

  chutes_markdown_view_settle_to (self, chutes_markdown_view_parse (self, 0, self->text->len));
}

/* A long text is parsed for settling in a thread (256 KB of Markdown took
 * 100 to 140 ms), and the widgets are fixed once it is done, unless the
 * text changed meanwhile (another settling follows then). */
#define SETTLE_IN_THREAD (64 * 1024)

typedef struct
{
  char    *text;
  gsize    length;
  guint64  serial;
} SettleParse;

static void
settle_parse_free (SettleParse *parse)
{
  g_free (parse->text);
  g_free (parse);
}

static void
settle_parse_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SettleParse *parse = task_data;

  g_task_return_pointer (task, chutes_md_parse (parse->text, parse->length),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
settle_parsed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ChutesMarkdownView *self = CHUTES_MARKDOWN_VIEW (object);
  SettleParse *parse = g_task_get_task_data (G_TASK (result));
  GPtrArray *blocks = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Disposed, or the text changed since. */
  if (self->box == NULL || parse->serial != self->serial || !self->needs_settle)
    {
      g_clear_pointer (&blocks, g_ptr_array_unref);
      return;
    }

  self->reparsed_bytes += parse->length;
  chutes_markdown_view_settle_to (self, blocks);
}

static void
chutes_markdown_view_settle_in_thread (ChutesMarkdownView *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, settle_parsed_cb, NULL);
  SettleParse *parse = g_new0 (SettleParse, 1);

  g_clear_handle_id (&self->settle_id, g_source_remove);
  chutes_markdown_view_render (self);
  chutes_markdown_view_hold_highlighting (self, FALSE);

  if (!self->needs_settle)
    {
      thaw_texts (GTK_WIDGET (self->box));
      settle_parse_free (parse);
      return;
    }

  parse->text = g_strndup (self->text->str, self->text->len);
  parse->length = self->text->len;
  parse->serial = self->serial;
  g_task_set_task_data (task, parse, (GDestroyNotify) settle_parse_free);
  g_task_run_in_thread (task, settle_parse_thread);
}

static gboolean
settle_cb (gpointer user_data)
{
  ChutesMarkdownView *self = user_data;
  gint64 quiet_ms = (g_get_monotonic_time () - self->last_append_time) / 1000;

  self->settle_id = 0;

  /* One timer, pushed back while appends come, rather than one each. */
  if (quiet_ms < SETTLE_MS)
    self->settle_id = g_timeout_add (SETTLE_MS - quiet_ms, settle_cb, self);
  else if (self->text->len > SETTLE_IN_THREAD)
    chutes_markdown_view_settle_in_thread (self);
  else
    chutes_markdown_view_settle (self);

  return G_SOURCE_REMOVE;
}

static gboolean
render_cb (gpointer user_data)
{
  ChutesMarkdownView *self = user_data;

  self->render_id = 0;
  chutes_markdown_view_render (self);

  return G_SOURCE_REMOVE;
}

/* GObject */

static void
chutes_markdown_view_dispose (GObject *object)
{
  ChutesMarkdownView *self = (ChutesMarkdownView *)object;

  g_clear_handle_id (&self->render_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  chutes_markdown_view_hold_highlighting (self, FALSE);
  self->last_committed = NULL;
  if (self->box != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->box));
      self->box = NULL;
    }

  G_OBJECT_CLASS (chutes_markdown_view_parent_class)->dispose (object);
}

static void
chutes_markdown_view_finalize (GObject *object)
{
  ChutesMarkdownView *self = (ChutesMarkdownView *)object;

  g_string_free (self->text, TRUE);
  g_ptr_array_unref (self->committed_blocks);
  g_ptr_array_unref (self->tail_blocks);

  G_OBJECT_CLASS (chutes_markdown_view_parent_class)->finalize (object);
}

static void
chutes_markdown_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ChutesMarkdownView *self = CHUTES_MARKDOWN_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text->str);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_markdown_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ChutesMarkdownView *self = CHUTES_MARKDOWN_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      chutes_markdown_view_set_text (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_markdown_view_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (chutes_markdown_view_parent_class)->root (widget);

  chutes_md_ensure_style (gtk_widget_get_display (widget));
}

/* The view is its box of blocks, laid out here rather than by a
 * GtkBinLayout, whose size request mode is its child's: GTK 4.8 kept the
 * one the box had while it was empty (a reply not arrived yet: "constant
 * size", as a layout manager asks its children while a resize of them is
 * pending, and the next resize stops there), so the view was asked for
 * its height with no width, one line a paragraph, and the row's footer
 * was drawn over the text of a reply that arrived at once
 * (tests/test-message-row.c). Blocks wrap: height for width, always. */
static GtkSizeRequestMode
chutes_markdown_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
chutes_markdown_view_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  ChutesMarkdownView *self = CHUTES_MARKDOWN_VIEW (widget);

  gtk_widget_measure (GTK_WIDGET (self->box), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
chutes_markdown_view_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  ChutesMarkdownView *self = CHUTES_MARKDOWN_VIEW (widget);

  gtk_widget_allocate (GTK_WIDGET (self->box), width, height, baseline, NULL);
}

static void
chutes_markdown_view_class_init (ChutesMarkdownViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_markdown_view_dispose;
  object_class->finalize = chutes_markdown_view_finalize;
  object_class->get_property = chutes_markdown_view_get_property;
  object_class->set_property = chutes_markdown_view_set_property;

  widget_class->root = chutes_markdown_view_root;
  widget_class->get_request_mode = chutes_markdown_view_get_request_mode;
  widget_class->measure = chutes_markdown_view_measure;
  widget_class->size_allocate = chutes_markdown_view_size_allocate;

  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACTIVATE_LINK] =
    g_signal_new_class_handler ("activate-link",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                G_CALLBACK (chutes_markdown_view_real_activate_link),
                                g_signal_accumulator_true_handled, NULL,
                                NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "markdownview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chutes_markdown_view_init (ChutesMarkdownView *self)
{
  self->text = g_string_new (NULL);
  self->committed_blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);
  self->tail_blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);

  /* A long reply is one row of the message list: its blocks out of view
   * are left out of its snapshot. */
  self->box = GTK_BOX (chutes_culling_box_new (12));
  gtk_widget_set_parent (GTK_WIDGET (self->box), GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "chutes-markdown");
}

GtkWidget *
chutes_markdown_view_new (void)
{
  return g_object_new (CHUTES_TYPE_MARKDOWN_VIEW, NULL);
}

const char *
chutes_markdown_view_get_text (ChutesMarkdownView *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_VIEW (self), NULL);

  return self->text->str;
}

void
chutes_markdown_view_set_text (ChutesMarkdownView *self,
                               const char         *text)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_VIEW (self));

  if (text == NULL)
    text = "";

  if (strcmp (self->text->str, text) == 0)
    return;

  if (self->text->len > 0 && strncmp (text, self->text->str, self->text->len) == 0)
    {
      chutes_markdown_view_append (self, text + self->text->len);
      return;
    }

  chutes_markdown_view_clear (self);
  chutes_markdown_view_hold_highlighting (self, FALSE);
  self->scan_start = 0;
  self->has_references = FALSE;
  g_string_assign (self->text, text);
  self->serial++;
  chutes_markdown_view_render (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

void
chutes_markdown_view_append (ChutesMarkdownView *self,
                             const char         *text)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_VIEW (self));
  g_return_if_fail (text != NULL);

  if (*text == '\0')
    return;

  g_string_append (self->text, text);
  self->serial++;
  if (self->render_id == 0)
    self->render_id = g_idle_add_full (RENDER_PRIORITY, render_cb, self, NULL);
  chutes_markdown_view_hold_highlighting (self, TRUE);

  /* Checked when the appends pause, not while they come. */
  self->last_append_time = g_get_monotonic_time ();
  if (self->settle_id == 0)
    self->settle_id = g_timeout_add (SETTLE_MS, settle_cb, self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

void
chutes_markdown_view_flush (ChutesMarkdownView *self)
{
  g_return_if_fail (CHUTES_IS_MARKDOWN_VIEW (self));

  chutes_markdown_view_render (self);
}

/* A sample of each kind of block and span a reply has. */
static const char sample_reply[] =
  "# Heading\n\n## Heading\n\n### Heading\n\n"
  "Text with **bold**, *italic*, ***both***, ~~struck~~, `code` and a [link](https://example.com).\n\n"
  "- item\n- item\n  1. item\n  2. item\n\n"
  "| left | right |\n|:-----|------:|\n| a    | 1     |\n\n"
  "```c\nint main (void) { return 0; }\n```\n\n"
  "> quote\n";

/* Two steps, a turn of the main loop each: GtkSourceView's languages and
 * styles, then a sample reply, built, measured and dropped. */
static gboolean
prepare_cb (gpointer user_data)
{
  guint *step = user_data;
  GtkWidget *view;

  if ((*step)++ == 0)
    {
      chutes_code_block_load_highlighting ();
      return G_SOURCE_CONTINUE;
    }

  view = g_object_ref_sink (chutes_markdown_view_new ());
  chutes_markdown_view_set_text (CHUTES_MARKDOWN_VIEW (view), sample_reply);
  gtk_widget_measure (view, GTK_ORIENTATION_HORIZONTAL, -1, NULL, NULL, NULL, NULL);
  gtk_widget_measure (view, GTK_ORIENTATION_VERTICAL, 600, NULL, NULL, NULL, NULL);
  g_object_unref (view);

  return G_SOURCE_REMOVE;
}

void
chutes_markdown_view_prepare (void)
{
  static gboolean prepared;
  static guint step;

  if (prepared)
    return;

  prepared = TRUE;
  g_idle_add_full (G_PRIORITY_LOW, prepare_cb, &step, NULL);
}

void
chutes_markdown_view_add_style (GdkDisplay *display)
{
  g_return_if_fail (GDK_IS_DISPLAY (display));

  chutes_md_ensure_style (display);
}

guint64
chutes_markdown_view_get_reparsed_bytes (ChutesMarkdownView *self)
{
  g_return_val_if_fail (CHUTES_IS_MARKDOWN_VIEW (self), 0);

  return self->reparsed_bytes;
}
