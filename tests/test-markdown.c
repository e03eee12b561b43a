/* test-markdown.c: replies rendered as Markdown widgets, literal where they must be,
 * and cheap to update while they stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>
#include <fontconfig/fontconfig.h>
#include <gtksourceview/gtksource.h>
#include <pango/pangofc-fontmap.h>

#include "chutes-code-block.h"
#include "chutes-culling-box.h"
#include "chutes-markdown-item.h"
#include "chutes-markdown-private.h"
#include "chutes-markdown-text.h"
#include "chutes-markdown-view.h"
#include "chutes-resources.h"
#include "chutes-test-mock.h"
#include "chutes-test-widgets.h"

/* A reply with every kind of block, used by several tests. */
static const char long_reply[] =
  "# Setting up the *build*\n"
  "\n"
  "Here is what you need, with `meson` & `ninja` (not <b>make</b>):\n"
  "\n"
  "1. Install the tools:\n"
  "   - `apt install meson`\n"
  "   - or **pip**:\n"
  "     ```sh\n"
  "     pip install --user meson\n"
  "     ```\n"
  "2. Configure the build\n"
  "3. Build it\n"
  "\n"
  "| Tool  | Version | Notes |\n"
  "|:------|--------:|:-----:|\n"
  "| meson | 1.0.1   | *fine* |\n"
  "| ninja | 1.11    | `-j2` |\n"
  "| gcc   | 12      | a longer note that wraps when the window is narrow |\n"
  "\n"
  "```c\n"
  "#include <stdio.h>\n"
  "\n"
  "int\n"
  "main (void)\n"
  "{\n"
  "\tprintf (\"%s & %d\\n\", \"<tag>\", 42);   \n"
  "\treturn 0;\n"
  "}\n"
  "```\n"
  "\n"
  "> **Note:** a quote can hold a list:\n"
  "> - one\n"
  "> - two\n"
  "\n"
  "---\n"
  "\n"
  "## Links and the rest\n"
  "\n"
  "See [the manual](https://mesonbuild.com/Manual.html \"Meson manual\") or "
  "<https://ninja-build.org>. Raw <span foreground=\"red\">markup</span> and &amp; stay as typed.\n"
  "Line two of the paragraph ~~struck~~ _emphasis_ %s %n.\n"
  "\n"
  "- [x] done task\n"
  "- [ ] open task\n"
  "\n"
  "Indented code:\n"
  "\n"
  "    indented code\n"
  "    second line\n"
  "\n"
  "Last paragraph with a ![diagram](https://example.com/d.png) image.\n";

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static ChutesMarkdownView *
view_new (void)
{
  return g_object_ref_sink (CHUTES_MARKDOWN_VIEW (chutes_markdown_view_new ()));
}

static void
view_free (ChutesMarkdownView *view)
{
  g_assert_finalize_object (view);
}

static ChutesMarkdownView *
view_new_with_text (const char *text)
{
  ChutesMarkdownView *view = view_new ();

  chutes_markdown_view_set_text (view, text);

  return view;
}

/* Code blocks are highlighted once the main loop is idle. */
static void
run_until_idle (void)
{
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Walking the widget tree */

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

/* Every widget of @type in the view, in reading order. */
static GPtrArray *
find_all (ChutesMarkdownView *view,
          GType               type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (GTK_WIDGET (view), type, found);

  return found;
}

static GtkLabel *
find_label_with_text (ChutesMarkdownView *view,
                      const char         *text)
{
  g_autoptr(GPtrArray) labels = find_all (view, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];

  return NULL;
}

static guint
count_ancestors_with_class (GtkWidget  *widget,
                            const char *css_class)
{
  guint count = 0;

  for (widget = gtk_widget_get_parent (widget); widget; widget = gtk_widget_get_parent (widget))
    if (gtk_widget_has_css_class (widget, css_class))
      count++;

  return count;
}

/* What a person sees, as text that two renders can be compared by: every
 * widget with its kind, style classes, accessible role and content. */
static void
dump_widget (GString   *out,
             GtkWidget *widget,
             guint      depth)
{
  g_auto(GStrv) classes = gtk_widget_get_css_classes (widget);
  g_autofree char *joined = g_strjoinv (".", classes);

  g_string_append_printf (out, "%*s%s.%s role=%d%s", depth * 2, "",
                          G_OBJECT_TYPE_NAME (widget), joined,
                          gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)),
                          gtk_widget_get_visible (widget) ? "" : " hidden");

  if (GTK_IS_LABEL (widget))
    {
      GtkLabel *label = GTK_LABEL (widget);
      g_autofree char *markup = g_strescape (gtk_label_get_label (label), NULL);

      g_string_append_printf (out, " x=%.1f w=%d sel=%d wrap=%d \"%s\"",
                              gtk_label_get_xalign (label), gtk_label_get_width_chars (label),
                              gtk_label_get_selectable (label), gtk_label_get_wrap (label),
                              markup);
    }
  else if (GTK_IS_BOX (widget))
    {
      g_string_append_printf (out, " o=%d s=%d",
                              gtk_orientable_get_orientation (GTK_ORIENTABLE (widget)),
                              gtk_box_get_spacing (GTK_BOX (widget)));
    }
  else if (CHUTES_IS_CODE_BLOCK (widget))
    {
      g_autofree char *code = g_strescape (chutes_code_block_get_code (CHUTES_CODE_BLOCK (widget)), NULL);

      g_string_append_printf (out, " lang=%s \"%s\"\n",
                              chutes_code_block_get_language (CHUTES_CODE_BLOCK (widget)), code);
      return;
    }

  if (GTK_IS_GRID (gtk_widget_get_parent (widget)))
    {
      int column, row, width, height;

      gtk_grid_query_child (GTK_GRID (gtk_widget_get_parent (widget)), widget,
                            &column, &row, &width, &height);
      g_string_append_printf (out, " @%d,%d", column, row);
    }

  g_string_append_c (out, '\n');

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    dump_widget (out, child, depth + 1);
}

static char *
dump (ChutesMarkdownView *view)
{
  GString *out = g_string_new (NULL);

  dump_widget (out, GTK_WIDGET (view), 0);

  return g_string_free (out, FALSE);
}

static char *
dump_of_text (const char *text)
{
  ChutesMarkdownView *view = view_new_with_text (text);
  char *result = dump (view);

  view_free (view);

  return result;
}

/* The list items as "depth marker text" lines. */
static char *
list_outline (ChutesMarkdownView *view)
{
  g_autoptr(GPtrArray) boxes = find_all (view, CHUTES_TYPE_MARKDOWN_ITEM);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < boxes->len; i++)
    {
      GtkWidget *item = boxes->pdata[i];
      GtkWidget *marker;
      GtkWidget *content;
      g_autoptr(GPtrArray) labels = g_ptr_array_new ();

      g_assert_true (gtk_widget_has_css_class (item, "chutes-md-item"));
      marker = gtk_widget_get_first_child (item);
      content = gtk_widget_get_last_child (item);
      g_assert_true (GTK_IS_LABEL (marker));
      g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (item)), ==,
                       GTK_ACCESSIBLE_ROLE_LIST_ITEM);

      /* The item's own first line of text, not its sub-list's. */
      collect (gtk_widget_get_first_child (content), GTK_TYPE_LABEL, labels);
      g_string_append_printf (out, "%u %s %s\n",
                              count_ancestors_with_class (item, "chutes-md-list") - 1,
                              gtk_label_get_text (GTK_LABEL (marker)),
                              labels->len > 0 ? gtk_label_get_text (labels->pdata[0]) : "-");
    }

  return g_string_free (out, FALSE);
}

/* Whether the label shows the attribute over exactly @text. */
static gboolean
label_has_attribute (GtkLabel       *label,
                     const char     *text,
                     PangoAttrType   type)
{
  PangoLayout *layout = gtk_label_get_layout (label);
  const char *shown = pango_layout_get_text (layout);
  const char *where = strstr (shown, text);
  PangoAttrList *attrs = pango_layout_get_attributes (layout);
  g_autoptr(GSList) list = NULL;
  gboolean found = FALSE;

  g_assert_nonnull (where);
  if (attrs == NULL)
    return FALSE;

  list = pango_attr_list_get_attributes (attrs);
  for (GSList *l = list; l; l = l->next)
    {
      PangoAttribute *attr = l->data;

      if (attr->klass->type == type &&
          attr->start_index == (guint) (where - shown) &&
          attr->end_index == (guint) (where - shown + strlen (text)))
        found = TRUE;
    }
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);

  return found;
}

static gboolean
label_has_any_attribute (GtkLabel      *label,
                         PangoAttrType  type)
{
  PangoAttrList *attrs = pango_layout_get_attributes (gtk_label_get_layout (label));
  g_autoptr(GSList) list = NULL;
  gboolean found = FALSE;

  if (attrs == NULL)
    return FALSE;

  list = pango_attr_list_get_attributes (attrs);
  for (GSList *l = list; l; l = l->next)
    found |= ((PangoAttribute *) l->data)->klass->type == type;
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);

  return found;
}

/* Blocks */

static void
test_nested_lists (void)
{
  ChutesMarkdownView *view = view_new_with_text (
    "Steps:\n"
    "\n"
    "- fruit\n"
    "  - apple\n"
    "    - green\n"
    "      1. granny\n"
    "      2. smith\n"
    "  - pear\n"
    "- veg\n"
    "\n"
    "Then:\n"
    "\n"
    "8. eight\n"
    "9. nine\n"
    "10. ten\n"
    "\n"
    "3) three\n");
  g_autofree char *outline = list_outline (view);
  g_autoptr(GPtrArray) lists = find_all (view, GTK_TYPE_BOX);
  guint n_lists = 0;

  g_assert_cmpstr (outline, ==,
                   "0 • fruit\n"
                   "1 ◦ apple\n"
                   "2 ▪ green\n"
                   "3 1. granny\n"
                   "3 2. smith\n"
                   "1 ◦ pear\n"
                   "0 • veg\n"
                   "0 8. eight\n"
                   "0 9. nine\n"
                   "0 10. ten\n"
                   "0 3) three\n");

  /* "8." is as wide as "10." so that the items' text lines up, and a
   * nested list starts further right than its parent's text. */
  for (guint i = 0; i < lists->len; i++)
    {
      GtkWidget *item = lists->pdata[i];

      if (!gtk_widget_has_css_class (item, "chutes-md-item"))
        continue;
      if (g_str_equal (gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (item))), "8."))
        g_assert_cmpint (chutes_markdown_item_get_marker_chars (CHUTES_MARKDOWN_ITEM (item)), ==, 3);
    }
  for (guint i = 0; i < lists->len; i++)
    if (gtk_widget_has_css_class (lists->pdata[i], "chutes-md-list"))
      {
        g_assert_cmpint (gtk_accessible_get_accessible_role (lists->pdata[i]), ==,
                         GTK_ACCESSIBLE_ROLE_LIST);
        n_lists++;
      }
  g_assert_cmpuint (n_lists, ==, 6);

  view_free (view);
}

static void
test_table (void)
{
  ChutesMarkdownView *view = view_new_with_text (
    "| Name | Price | Note |\n"
    "|:-----|------:|:----:|\n"
    "| tea  | 2.50  | *hot* |\n"
    "| <b>x</b> | | a&amp;b |\n");
  g_autoptr(GPtrArray) grids = find_all (view, GTK_TYPE_GRID);
  GtkGrid *grid;
  static const char * const expected[3][3] = {
    { "Name", "Price", "Note" },
    { "tea", "2.50", "hot" },
    { "<b>x</b>", "", "a&amp;b" },
  };
  /* Left, right, centre. */
  static const float column_xalign[3] = { 0.0f, 1.0f, 0.5f };

  g_assert_cmpuint (grids->len, ==, 1);
  grid = grids->pdata[0];

  for (int row = 0; row < 3; row++)
    for (int column = 0; column < 3; column++)
      {
        GtkWidget *cell = gtk_grid_get_child_at (grid, column, row);
        GtkLabel *label;

        g_assert_true (CHUTES_IS_MARKDOWN_TEXT (cell));
        label = chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (cell));
        g_assert_cmpstr (gtk_label_get_text (label), ==, expected[row][column]);
        g_assert_true (gtk_label_get_wrap (label));
        g_assert_true (gtk_label_get_selectable (label));
        /* The header row is styled apart. */
        g_assert_cmpint (gtk_widget_has_css_class (cell, "chutes-md-header"), ==, row == 0);
        /* Each column keeps its alignment. */
        g_assert_cmpfloat (gtk_label_get_xalign (label), ==, column_xalign[column]);
      }
  g_assert_null (gtk_grid_get_child_at (grid, 3, 0));
  g_assert_null (gtk_grid_get_child_at (grid, 0, 3));

  view_free (view);
}

static void
test_headings (void)
{
  ChutesMarkdownView *view = view_new_with_text ("# One\n\ntext\n\n### Three *ish*\n\nSetext\n---\n\n###### Six\n");
  static const struct {
    const char *text;
    const char *css_class;
    int         level;
  } expected[] = {
    { "One", "title-1", 1 },
    { "Three ish", "title-3", 3 },
    { "Setext", "title-2", 2 },
    { "Six", "caption-heading", 6 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      GtkLabel *label = find_label_with_text (view, expected[i].text);
      GtkWidget *styled;

      g_assert_nonnull (label);
      g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (label)), ==,
                       GTK_ACCESSIBLE_ROLE_HEADING);
      /* The style is on the text's widget, and the label inherits its font. */
      styled = gtk_widget_get_parent (GTK_WIDGET (label));
      g_assert_true (CHUTES_IS_MARKDOWN_TEXT (styled));
      g_assert_true (gtk_widget_has_css_class (styled, expected[i].css_class));
      for (int level = 1; level <= 6; level++)
        if (level != expected[i].level)
          g_assert_false (gtk_widget_has_css_class (styled,
                                                    (const char *[]) {
                                                      "title-1", "title-2", "title-3",
                                                      "title-4", "heading", "caption-heading"
                                                    }[level - 1]));
    }

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (find_label_with_text (view, "text"))),
                   ==, GTK_ACCESSIBLE_ROLE_LABEL);

  view_free (view);
}

static char *
buffer_text (ChutesCodeBlock *block)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new ();
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  collect (GTK_WIDGET (block), GTK_SOURCE_TYPE_VIEW, views);
  g_assert_cmpuint (views->len, ==, 1);
  g_assert_false (gtk_text_view_get_editable (views->pdata[0]));
  g_assert_true (gtk_text_view_get_monospace (views->pdata[0]));

  buffer = gtk_text_view_get_buffer (views->pdata[0]);
  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
}

static void
test_code_block (void)
{
  static const char code[] =
    "if (a < b && c > d)   \n"
    "\tputs (\"<b>&amp;</b> %s\");\n"
    "\t\t\n"
    "  }  ";
  g_autofree char *text = g_strdup_printf ("Before\n\n```C {.numberLines}\n%s\n```\nAfter\n\n"
                                           "    indented\n    \t<code>\n", code);
  ChutesMarkdownView *view = view_new_with_text (text);
  g_autoptr(GPtrArray) blocks = find_all (view, CHUTES_TYPE_CODE_BLOCK);
  ChutesCodeBlock *block;
  g_autofree char *shown = NULL;
  g_autofree char *copied = NULL;
  GtkSourceBuffer *buffer;
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  g_assert_cmpuint (blocks->len, ==, 2);
  block = blocks->pdata[0];

  /* Exactly as typed: trailing spaces, tabs, markup characters. */
  g_assert_cmpstr (chutes_code_block_get_code (block), ==, code);
  shown = buffer_text (block);
  g_assert_cmpstr (shown, ==, code);

  /* The fence's language picks the highlighting and is shown by name. */
  g_assert_cmpstr (chutes_code_block_get_language (block), ==, "C");
  g_assert_cmpstr (chutes_code_block_get_language_name (block), ==, "C");
  g_assert_nonnull (find_label_with_text (view, "C"));
  collect (GTK_WIDGET (block), GTK_SOURCE_TYPE_VIEW, views);
  buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (views->pdata[0]));
  run_until_idle ();
  g_assert_cmpstr (gtk_source_language_get_id (gtk_source_buffer_get_language (buffer)), ==, "c");
  g_assert_true (gtk_source_buffer_get_highlight_syntax (buffer));

  /* Copy puts the exact code on the clipboard. */
  chutes_code_block_copy (block);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (block)), NULL,
                                 clipboard_read_cb, &copied);
  while (copied == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (copied, ==, code);

  /* Indented code has no language and keeps its tab after the indent. */
  block = blocks->pdata[1];
  g_assert_null (chutes_code_block_get_language (block));
  g_assert_cmpstr (chutes_code_block_get_language_name (block), ==, "");
  g_assert_cmpstr (chutes_code_block_get_code (block), ==, "indented\n\t<code>");

  g_assert_nonnull (find_label_with_text (view, "Before"));
  g_assert_nonnull (find_label_with_text (view, "After"));

  view_free (view);
}

static void
test_code_block_languages (void)
{
  static const struct {
    const char *fence;
    const char *id;
  } cases[] = {
    { "py", "python3" },
    { "Python", "python3" },
    { "js", "js" },
    { "bash", "sh" },
    { "c++", "cpp" },
    { "rs", "rust" },
    { "yml", "yaml" },
    { "mjs", "js" },
    { "no-such-language", NULL },
    { "../../etc/passwd", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GtkWidget *block = g_object_ref_sink (chutes_code_block_new (cases[i].fence, "x"));
      g_autoptr(GPtrArray) views = g_ptr_array_new ();
      GtkSourceLanguage *language;

      collect (block, GTK_SOURCE_TYPE_VIEW, views);
      run_until_idle ();
      language = gtk_source_buffer_get_language (GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (views->pdata[0])));
      g_assert_cmpstr (language ? gtk_source_language_get_id (language) : NULL, ==, cases[i].id);
      /* An unknown language is shown as written. */
      if (cases[i].id == NULL)
        g_assert_cmpstr (chutes_code_block_get_language_name (CHUTES_CODE_BLOCK (block)), ==,
                         cases[i].fence);
      g_assert_finalize_object (block);
    }
}

static GtkSourceBuffer *
first_code_buffer (ChutesMarkdownView *view)
{
  g_autoptr(GPtrArray) views = find_all (view, GTK_SOURCE_TYPE_VIEW);

  g_assert_cmpuint (views->len, >=, 1);

  return GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (views->pdata[0]));
}

/* A reply's code is highlighted once it stops growing: compiling a
 * language's rules would stop it flowing. */
static void
test_code_highlighted_once_reply_settles (void)
{
  ChutesMarkdownView *view = view_new_with_text ("Intro\n\n```python\nprint (1)\n```\n");
  gint64 deadline;

  /* Loaded whole: highlighted as soon as the main loop is idle. */
  run_until_idle ();
  g_assert_nonnull (gtk_source_buffer_get_language (first_code_buffer (view)));
  view_free (view);

  /* Streamed: not while it grows, even with the main loop idle... */
  view = view_new_with_text ("Intro\n\n");
  chutes_markdown_view_append (view, "```python\nprint (1)\n```\n\nMore");
  chutes_markdown_view_flush (view);
  run_until_idle ();
  g_assert_null (gtk_source_buffer_get_language (first_code_buffer (view)));

  /* ...and soon once it has settled. */
  chutes_markdown_view_settle (view);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (gtk_source_buffer_get_language (first_code_buffer (view)) == NULL &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (gtk_source_buffer_get_language (first_code_buffer (view)));

  view_free (view);
}

static void
collect_vertical_scrollers (GtkWidget *widget,
                            GPtrArray *found)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_SCROLL (controller) &&
          (gtk_event_controller_scroll_get_flags (GTK_EVENT_CONTROLLER_SCROLL (controller)) &
           GTK_EVENT_CONTROLLER_SCROLL_VERTICAL) != 0)
        g_ptr_array_add (found, widget);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_vertical_scrollers (child, found);
}

static void
test_code_block_passes_wheel_on (void)
{
  GtkWidget *block = g_object_ref_sink (chutes_code_block_new ("c", "int a_long_line_that_scrolls_sideways;"));
  g_autoptr(GPtrArray) vertical = g_ptr_array_new ();
  g_autoptr(GPtrArray) scrollers = g_ptr_array_new ();
  GtkPolicyType hpolicy, vpolicy;

  /* Sideways scrolling stays in the block; a wheel turned over it scrolls
   * the chat around it, which GtkScrolledWindow would stop otherwise.
   * (The text view's own controller only zooms, with Ctrl.) */
  collect (block, GTK_TYPE_SCROLLED_WINDOW, scrollers);
  g_assert_cmpuint (scrollers->len, ==, 1);
  gtk_scrolled_window_get_policy (scrollers->pdata[0], &hpolicy, &vpolicy);
  g_assert_cmpint (hpolicy, ==, GTK_POLICY_AUTOMATIC);
  g_assert_cmpint (vpolicy, ==, GTK_POLICY_NEVER);
  collect_vertical_scrollers (block, vertical);
  for (guint i = 0; i < vertical->len; i++)
    g_assert_false (GTK_IS_SCROLLED_WINDOW (vertical->pdata[i]));

  g_assert_finalize_object (block);
}

static const char *
scheme_of (ChutesCodeBlock *block)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new ();
  GtkSourceBuffer *buffer;

  collect (GTK_WIDGET (block), GTK_SOURCE_TYPE_VIEW, views);
  buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (views->pdata[0]));

  return gtk_source_style_scheme_get_id (gtk_source_buffer_get_style_scheme (buffer));
}

static void
test_code_block_follows_dark_style (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *block = g_object_ref_sink (chutes_code_block_new ("c", "int x;"));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_assert_cmpstr (scheme_of (CHUTES_CODE_BLOCK (block)), ==, "Adwaita");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_cmpstr (scheme_of (CHUTES_CODE_BLOCK (block)), ==, "Adwaita-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  g_assert_finalize_object (block);
}

/* Inline text */

static void
test_inline_styles (void)
{
  ChutesMarkdownView *view = view_new_with_text (
    "Run `make <all> && echo %s` now, *really* **at once** ~~or later~~.\n");
  GtkLabel *label = find_label_with_text (view,
                                          "Run make <all> && echo %s now, really at once or later.");

  g_assert_nonnull (label);
  g_assert_true (gtk_label_get_selectable (label));
  g_assert_true (gtk_label_get_wrap (label));
  g_assert_true (label_has_attribute (label, "make <all> && echo %s", PANGO_ATTR_FAMILY));
  g_assert_true (label_has_attribute (label, "make <all> && echo %s", PANGO_ATTR_BACKGROUND));
  g_assert_true (label_has_attribute (label, "really", PANGO_ATTR_STYLE));
  g_assert_true (label_has_attribute (label, "at once", PANGO_ATTR_WEIGHT));
  g_assert_true (label_has_attribute (label, "or later", PANGO_ATTR_STRIKETHROUGH));

  view_free (view);
}

static void
test_markup_shown_literally (void)
{
  static const char * const texts[] = {
    "<b>not bold</b>",
    "&amp;",
    "<span foreground=\"red\">not red</span>",
    "%s%n%d",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&#60;b&#62; &lt;i&gt;",
  };
  GString *markdown = g_string_new (NULL);
  ChutesMarkdownView *view;
  g_autoptr(GPtrArray) labels = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_string_append_printf (markdown,
                            "%s\n\n"
                            "# %s\n\n"
                            "- %s\n\n"
                            "> %s\n\n"
                            "| %s |\n|---|\n| %s |\n\n",
                            texts[i], texts[i], texts[i], texts[i], texts[i], texts[i]);
  /* A raw HTML block, too. */
  g_string_append (markdown, "<div>\n<script>alert(1)</script>\n</div>\n");

  view = view_new_with_text (markdown->str);
  labels = find_all (view, GTK_TYPE_LABEL);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      guint seen = 0;

      for (guint j = 0; j < labels->len; j++)
        if (g_str_equal (gtk_label_get_text (labels->pdata[j]), texts[i]))
          {
            seen++;
            /* Nothing of the text was taken as markup. */
            g_assert_false (label_has_any_attribute (labels->pdata[j], PANGO_ATTR_FOREGROUND));
            g_assert_false (label_has_any_attribute (labels->pdata[j], PANGO_ATTR_UNDERLINE));
            if (!gtk_widget_has_css_class (labels->pdata[j], "chutes-md-header"))
              g_assert_false (label_has_any_attribute (labels->pdata[j], PANGO_ATTR_WEIGHT));
          }
      /* Paragraph, heading, list item, quote, table header and cell. */
      g_assert_cmpuint (seen, ==, 6);
    }

  g_assert_nonnull (find_label_with_text (view, "<div>\n<script>alert(1)</script>\n</div>"));

  g_string_free (markdown, TRUE);
  view_free (view);
}

static void
test_invalid_utf8_and_controls (void)
{
  ChutesMarkdownView *view = view_new_with_text ("bad \xff\xfe bytes \x01 and \xe2\x82 cut\n\n"
                                                 "```\nx\xff\n```\n");
  GtkLabel *label = find_label_with_text (view, "bad \xef\xbf\xbd\xef\xbf\xbd bytes "
                                          "\xef\xbf\xbd and \xef\xbf\xbd\xef\xbf\xbd cut");
  g_autoptr(GPtrArray) blocks = find_all (view, CHUTES_TYPE_CODE_BLOCK);

  g_assert_nonnull (label);
  g_assert_cmpuint (blocks->len, ==, 1);
  g_assert_true (g_utf8_validate (chutes_code_block_get_code (blocks->pdata[0]), -1, NULL));

  view_free (view);
}

static void
test_misnested_spans (void)
{
  /* md4c 0.4.8 ends the strikethrough inside the autolink it began
   * before; the markup must stay well formed (an invalid one would leave
   * the label empty). */
  ChutesMarkdownView *view = view_new_with_text ("- `code`\n[x]: http://e.org~~x~~ **b *i** c*\n");
  g_autoptr(GPtrArray) labels = find_all (view, GTK_TYPE_LABEL);
  gboolean found = FALSE;

  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_text (labels->pdata[i]);

      if (strstr (text, "http://e.org~~x") != NULL)
        {
          g_assert_nonnull (strstr (text, "code"));
          g_assert_nonnull (pango_layout_get_attributes (gtk_label_get_layout (labels->pdata[i])));
          found = TRUE;
        }
    }
  g_assert_true (found);

  view_free (view);
}

/* Links */

typedef struct
{
  GPtrArray *opened;
} LinkRecord;

static gboolean
record_link_cb (ChutesMarkdownView *view,
                const char         *uri,
                LinkRecord         *record)
{
  g_ptr_array_add (record->opened, g_strdup (uri));

  /* Handled here: nothing is launched. */
  return TRUE;
}

/* The addresses of the links in a label, unescaped as GtkLabel reads them. */
static GPtrArray *
label_links (GtkLabel *label)
{
  GPtrArray *links = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRegex) regex = g_regex_new ("<a href=\"([^\"]*)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (regex, gtk_label_get_label (label), 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *escaped = g_match_info_fetch (match, 1);
      g_autofree char *markup = g_strdup_printf ("<span>%s</span>", escaped);
      char *text = NULL;

      g_assert_true (pango_parse_markup (markup, -1, 0, NULL, &text, NULL, NULL));
      g_ptr_array_add (links, text);
      g_match_info_next (match, NULL);
    }

  return links;
}

static void
test_links (void)
{
  ChutesMarkdownView *view = view_new_with_text (
    "[safe](https://example.com/a?b=1&c=2) [plain](HTTP://example.org) "
    "[bad](javascript:alert(1)) [file](file:///etc/passwd) [rel](/x) "
    "[data](data:text/html,hi) [nohost](http:foo) <mailto:a@b.c> www.gnome.org\n");
  g_autoptr(GPtrArray) labels = find_all (view, GTK_TYPE_LABEL);
  g_autoptr(GPtrArray) links = NULL;
  LinkRecord record = { g_ptr_array_new_with_free_func (g_free) };
  GtkLabel *label;

  g_assert_cmpuint (labels->len, ==, 1);
  label = labels->pdata[0];
  g_assert_cmpstr (gtk_label_get_text (label), ==,
                   "safe plain bad file rel data nohost mailto:a@b.c www.gnome.org");

  g_signal_connect (view, "activate-link", G_CALLBACK (record_link_cb), &record);

  links = label_links (label);
  g_assert_cmpuint (links->len, ==, 9);
  for (guint i = 0; i < links->len; i++)
    {
      gboolean handled = FALSE;

      /* What a click on the link does: GtkLabel's own handler, which would
       * open any scheme, must never run. */
      g_signal_emit_by_name (label, "activate-link", links->pdata[i], &handled);
      g_assert_true (handled);
    }

  g_assert_cmpuint (record.opened->len, ==, 3);
  g_assert_cmpstr (record.opened->pdata[0], ==, "https://example.com/a?b=1&c=2");
  g_assert_cmpstr (record.opened->pdata[1], ==, "HTTP://example.org");
  g_assert_cmpstr (record.opened->pdata[2], ==, "http://www.gnome.org");

  g_ptr_array_unref (record.opened);
  view_free (view);
}

static void
test_images_are_links (void)
{
  ChutesMarkdownView *view = view_new_with_text (
    "![A *diagram*](https://example.com/d.png \"t\") and ![](https://example.com/e.png)\n"
    "[![badge](https://x.org/b.svg)](https://x.org)\n");
  GtkLabel *label = find_label_with_text (view,
                                          "A diagram (https://example.com/d.png) and "
                                          "https://example.com/e.png\n"
                                          "badge (https://x.org/b.svg)");
  g_autoptr(GPtrArray) links = NULL;

  g_assert_nonnull (label);
  links = label_links (label);
  g_assert_cmpuint (links->len, ==, 3);
  g_assert_cmpstr (links->pdata[0], ==, "https://example.com/d.png");
  g_assert_cmpstr (links->pdata[1], ==, "https://example.com/e.png");
  /* A link around an image goes where the link goes. */
  g_assert_cmpstr (links->pdata[2], ==, "https://x.org");
  g_assert_false (label_has_any_attribute (label, PANGO_ATTR_STYLE));

  view_free (view);
}

/* Streaming */

static void
test_unclosed_fence_grows (void)
{
  static const char * const pieces[] = {
    "Intro text\n\n``",
    "`pyt",
    "hon\nde",
    "f f(x):\n",
    "    return x < 1\n",
    "\n",
    "print (f (0))",
    "\n``",
    "`\n\nAfter *the* code.\n",
  };
  ChutesMarkdownView *view = view_new ();
  GString *text = g_string_new (NULL);
  ChutesCodeBlock *block = NULL;
  g_autofree char *streamed = NULL;
  g_autofree char *whole = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      g_autoptr(GPtrArray) blocks = NULL;

      chutes_markdown_view_append (view, pieces[i]);
      g_string_append (text, pieces[i]);
      chutes_markdown_view_flush (view);
      blocks = find_all (view, CHUTES_TYPE_CODE_BLOCK);

      switch (i)
        {
        case 0:
          g_assert_cmpuint (blocks->len, ==, 0);
          break;

        case 1:
          /* An open fence: everything after it is code, even before a
           * line. Its language counts once its line is complete. */
          g_assert_cmpuint (blocks->len, ==, 1);
          block = blocks->pdata[0];
          g_assert_null (chutes_code_block_get_language (block));
          g_assert_cmpstr (chutes_code_block_get_code (block), ==, "");
          break;

        default:
          /* The same block grows; it is not rebuilt. */
          g_assert_cmpuint (blocks->len, ==, 1);
          g_assert_true (blocks->pdata[0] == block);
          break;
        }

      if (i == 2)
        g_assert_cmpstr (chutes_code_block_get_language (block), ==, "python");
      if (i == 4)
        {
          g_assert_cmpstr (chutes_code_block_get_language (block), ==, "python");
          g_assert_cmpstr (chutes_code_block_get_code (block), ==, "def f(x):\n    return x < 1");
        }
      if (i == 7)
        g_assert_cmpstr (chutes_code_block_get_code (block), ==,
                         "def f(x):\n    return x < 1\n\nprint (f (0))\n``");
      if (i >= 1)
        g_assert_nonnull (find_label_with_text (view, "Intro text"));
    }

  g_assert_cmpstr (chutes_code_block_get_code (block), ==,
                   "def f(x):\n    return x < 1\n\nprint (f (0))");
  g_assert_nonnull (find_label_with_text (view, "After the code."));

  streamed = dump (view);
  whole = dump_of_text (text->str);
  g_assert_cmpstr (streamed, ==, whole);

  g_string_free (text, TRUE);
  view_free (view);
}

/* Feeds @markdown in random pieces and checks, now and then and at the
 * end, that the view looks as if the text so far had been set at once. */
static void
check_streaming_equals_whole (const char *markdown,
                              guint32     seed,
                              guint       check_every)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  ChutesMarkdownView *view = view_new ();
  gsize length = strlen (markdown);
  gsize offset = 0;
  guint step = 0;
  g_autofree char *streamed = NULL;
  g_autofree char *whole = NULL;

  while (offset < length)
    {
      gsize piece = MIN ((gsize) g_rand_int_range (rand, 1, 24), length - offset);
      g_autofree char *text = g_strndup (markdown + offset, piece);

      chutes_markdown_view_append (view, text);
      offset += piece;
      step++;

      /* Several appends are often rendered together, as before a frame. */
      if (g_rand_int_range (rand, 0, 3) == 0)
        chutes_markdown_view_flush (view);

      if (check_every > 0 && step % check_every == 0)
        {
          g_autofree char *prefix = g_strndup (markdown, offset);
          g_autofree char *now = NULL;
          g_autofree char *expected = NULL;

          chutes_markdown_view_flush (view);
          now = dump (view);
          expected = dump_of_text (prefix);
          if (g_strcmp0 (now, expected) != 0)
            g_test_message ("After %" G_GSIZE_FORMAT " bytes:\n%s", offset, prefix);
          g_assert_cmpstr (now, ==, expected);
        }
    }

  /* The last appends are rendered by the main loop, before a frame. */
  iterate ();
  g_assert_cmpstr (chutes_markdown_view_get_text (view), ==, markdown);
  streamed = dump (view);
  whole = dump_of_text (markdown);
  g_assert_cmpstr (streamed, ==, whole);

  view_free (view);
}

static void
test_streaming_equals_whole (void)
{
  check_streaming_equals_whole (long_reply, 20240611, 5);
}

static void
test_streaming_equals_whole_tricky (void)
{
  /* Texts whose meaning changes as later lines arrive. */
  static const char * const texts[] = {
    /* A paragraph becomes a heading; a list continues after a blank line. */
    "Title\n=====\n\nPara\n---\n\n- a\n\n- b\n\n  still b\n\nafter\n",
    /* A table appears under its header line, and rows without pipes. */
    "x | y\n--|--\n1 | 2\nthree\n\nnext\n",
    /* Lazy continuation of a quote and of a list item. */
    "> quoted\nlazy\n\n- item\nlazy too\n\nend\n",
    /* Fences inside lists and quotes, and an inner fence marker. */
    "1. one\n   ```\n   code\n   ```\n2. two\n\n> ```\n> q\n\nout\n\n````\n```\nnot closed\n````\n",
    /* A reference defined after its use, and one before. */
    "See [the docs][d] and [e].\n\n[e]: https://e.org\n\nMore.\n\n[d]: https://docs.example.com\n",
    /* Indented code after a paragraph is a continuation; after a blank line it is code. */
    "para\n    not code\n\n    code\n\ttabbed\n\npara\n",
    /* Numbered lists that start or not, and a thematic break made of stars. */
    "2. two\n3. three\n\n* * *\n\n10) ten\n",
    /* Headings and fences without blank lines around them. */
    "# H\ntext\n```\nc\n```\ntext\n## H2\n- l\n# H3\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    for (guint32 seed = 1; seed <= 8; seed++)
      check_streaming_equals_whole (texts[i], seed * 7919 + i, 1);
}

static void
test_reparse_is_bounded_by_last_block (void)
{
  ChutesMarkdownView *view = view_new ();
  GString *text = g_string_new (NULL);
  GtkWidget *first;
  gsize previous_block_start = 0;
  guint64 total = 0;
  static const struct {
    const char *opening;
    const char *growth;
    const char *closing;
  } endings[] = {
    /* A paragraph, a code block and a nested list that grow. */
    { "", "growing ", "\n\n" },
    { "```c\n", "x = 1;\n", "```\n\n" },
    { "- an item\n  - nested ", "growing ", "\n\n" },
  };

  for (guint i = 0; i < 300; i++)
    {
      previous_block_start = text->len;
      g_string_append_printf (text, "Paragraph %u with *some* text, `code` and a [link](https://e.org/%u).\n\n", i, i);
    }
  chutes_markdown_view_set_text (view, text->str);
  first = gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (view)));
  g_assert_true (CHUTES_IS_MARKDOWN_TEXT (first));
  g_assert_cmpstr (gtk_label_get_text (chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (first))), ==,
                   "Paragraph 0 with some text, code and a link.");

  for (guint e = 0; e < G_N_ELEMENTS (endings); e++)
    {
      gsize last_block_start = text->len;

      for (guint i = 0; i < 200; i++)
        {
          const char *piece = i == 0 && *endings[e].opening ? endings[e].opening : endings[e].growth;
          guint64 before = chutes_markdown_view_get_reparsed_bytes (view);
          guint64 cost;
          gsize tail;

          chutes_markdown_view_append (view, piece);
          g_string_append (text, piece);
          chutes_markdown_view_flush (view);
          cost = chutes_markdown_view_get_reparsed_bytes (view) - before;
          total += cost;

          /* The last block (and the blank line before it), not the whole
           * reply: at most three parses of it (the render, and the two
           * halves checked when the block before it is finished, which the
           * first piece does). */
          tail = text->len - (i == 0 ? previous_block_start : last_block_start) + 2;
          g_assert_cmpuint (cost, <=, 3 * tail);
          if (i > 0 && cost > tail)
            g_printerr ("e=%u i=%u cost=%lu tail=%lu\n", e, i, (gulong) cost, (gulong) tail);
          if (i > 0)
            g_assert_cmpuint (cost, <=, tail);
        }

      /* The blocks before were never rebuilt. */
      g_assert_true (gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (view))) == first);

      chutes_markdown_view_append (view, endings[e].closing);
      g_string_append (text, endings[e].closing);
      previous_block_start = last_block_start;
    }

  /* Parsing the whole reply for each of the 600 pieces would have cost
   * 600 times its length; the growing blocks cost a small part of that. */
  g_assert_cmpuint (total, <, 30 * text->len);

  chutes_markdown_view_flush (view);
  {
    g_autofree char *streamed = dump (view);
    g_autofree char *whole = dump_of_text (text->str);

    g_assert_cmpstr (streamed, ==, whole);
  }

  g_string_free (text, TRUE);
  view_free (view);
}

static gboolean
dump_equals (ChutesMarkdownView *view,
             const char         *expected)
{
  g_autofree char *now = dump (view);

  return g_str_equal (now, expected);
}

static void
test_pause_settles_to_whole_parse (void)
{
  /* md4c 0.4.8 parses a fence in a list item differently after other
   * text (mity/md4c#190 and kin), so the parts of a streamed reply can
   * differ from the whole. When the appends pause, the view settles. */
  static const char text[] = "Intro\n\n- +  \n   ``` > - \n\n``1. \n";
  ChutesMarkdownView *view = view_new ();
  g_autofree char *whole = dump_of_text (text);
  gint64 deadline;

  for (const char *p = text; *p != '\0'; p++)
    {
      char piece[2] = { *p, '\0' };

      chutes_markdown_view_append (view, piece);
      chutes_markdown_view_flush (view);
    }

  if (dump_equals (view, whole))
    {
      view_free (view);
      g_test_skip ("This md4c parses the text the same in parts and whole");
      return;
    }

  /* A pause fixes it, without rebuilding the parts that agreed. */
  {
    GtkWidget *intro = GTK_WIDGET (find_label_with_text (view, "Intro"));

    deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (!dump_equals (view, whole) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);

    g_assert_true (dump_equals (view, whole));
    g_assert_true (GTK_WIDGET (find_label_with_text (view, "Intro")) == intro);
  }

  view_free (view);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
test_set_text_extends_or_replaces (void)
{
  ChutesMarkdownView *view = view_new_with_text ("# Hi\n\nfirst");
  GtkLabel *heading = find_label_with_text (view, "Hi");
  guint notified = 0;

  g_signal_connect (view, "notify::text", G_CALLBACK (count_cb), &notified);

  /* A longer version of the same text only adds to it... */
  chutes_markdown_view_set_text (view, "# Hi\n\nfirst and more");
  g_assert_cmpstr (chutes_markdown_view_get_text (view), ==, "# Hi\n\nfirst and more");
  g_assert_cmpuint (notified, ==, 1);
  iterate ();
  g_assert_true (find_label_with_text (view, "Hi") == heading);
  g_assert_nonnull (find_label_with_text (view, "first and more"));

  /* ...the same text changes nothing... */
  chutes_markdown_view_set_text (view, "# Hi\n\nfirst and more");
  g_assert_cmpuint (notified, ==, 1);

  /* ...and another text replaces it at once, before any frame. */
  chutes_markdown_view_set_text (view, "other");
  g_assert_cmpuint (notified, ==, 2);
  g_assert_null (find_label_with_text (view, "Hi"));
  g_assert_nonnull (find_label_with_text (view, "other"));

  chutes_markdown_view_set_text (view, NULL);
  g_assert_cmpstr (chutes_markdown_view_get_text (view), ==, "");
  g_assert_null (gtk_widget_get_first_child (gtk_widget_get_first_child (GTK_WIDGET (view))));

  view_free (view);
}

static void
test_deep_nesting_is_flattened (void)
{
  GString *text = g_string_new (NULL);
  ChutesMarkdownView *view;
  g_autoptr(GPtrArray) labels = NULL;
  guint deepest = 0;

  for (guint i = 0; i < 2000; i++)
    g_string_append (text, "> ");
  g_string_append (text, "deep\n\n");
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (text, "%*s- level %u\n", i * 2, "", i);

  view = view_new_with_text (text->str);
  labels = find_all (view, GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    {
      guint depth = 0;

      for (GtkWidget *w = labels->pdata[i]; w; w = gtk_widget_get_parent (w))
        depth++;
      deepest = MAX (deepest, depth);
    }

  /* All the text is there, in a tree that cannot overflow the stack. */
  g_assert_nonnull (find_label_with_text (view, "deep"));
  g_assert_nonnull (find_label_with_text (view, "level 299"));
  g_assert_cmpuint (deepest, <, 64);

  g_string_free (text, TRUE);
  view_free (view);
}

/* The size a paragraph asks for with no width given (lists and scrolled
 * windows ask for it each time the text changes) is worked out once per
 * text and style: it must follow both. */
static void
test_text_size_follows_text_and_style (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *text = chutes_markdown_text_new (GTK_ACCESSIBLE_ROLE_LABEL, "chutes-md-paragraph");
  GtkLabel *label = chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (text));
  g_autoptr(GString) paragraph = g_string_new (NULL);
  int short_width, long_width, big_width, line_height, big_height, width, height, minimum;

  gtk_window_set_child (GTK_WINDOW (window), text);
  gtk_window_present (GTK_WINDOW (window));

  gtk_label_set_text (label, "Short");
  chutes_test_settle (text);
  gtk_widget_measure (text, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &short_width, NULL, NULL);
  gtk_widget_measure (text, GTK_ORIENTATION_VERTICAL, -1, NULL, &line_height, NULL, NULL);
  g_assert_cmpint (short_width, >, 0);
  g_assert_cmpint (minimum, <=, short_width);

  gtk_label_set_text (label, "Short, and then quite a few more words");
  chutes_test_settle (text);
  gtk_widget_measure (text, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &long_width, NULL, NULL);
  g_assert_cmpint (long_width, >, short_width);

  gtk_widget_add_css_class (text, "title-1");
  chutes_test_settle (text);
  gtk_widget_measure (text, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &big_width, NULL, NULL);
  gtk_widget_measure (text, GTK_ORIENTATION_VERTICAL, -1, NULL, &big_height, NULL, NULL);
  g_assert_cmpint (big_width, >, long_width);
  g_assert_cmpint (big_height, >, line_height);

  /* Far wider than any window: not laid out whole, one line high, and
   * at a width it wraps to many lines. */
  while (paragraph->len < 3000)
    g_string_append (paragraph, "a long paragraph without a break ");
  gtk_label_set_text (label, paragraph->str);
  chutes_test_settle (text);
  gtk_widget_measure (text, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  gtk_widget_measure (text, GTK_ORIENTATION_VERTICAL, -1, NULL, &height, NULL, NULL);
  g_assert_cmpint (width, ==, 2 * (int) paragraph->len);
  g_assert_cmpint (height, ==, big_height);
  gtk_widget_measure (text, GTK_ORIENTATION_VERTICAL, 400, NULL, &height, NULL, NULL);
  g_assert_cmpint (height, >, 10 * big_height);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A line of a paragraph as drawn: the byte its text starts at, and where
 * it is drawn, in Pango units from the top of the paragraph. */
typedef struct
{
  gsize index;
  int   y;
  int   height;
  int   baseline;
} ShownLine;

/* The lines of @text as its labels draw them (one label, or the frozen
 * parts and the live end), top to bottom. */
static GArray *
shown_lines (ChutesMarkdownText *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (ShownLine));
  gsize start = 0;

  collect (GTK_WIDGET (text), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkLabel *label = labels->pdata[i];
      PangoLayout *layout = gtk_label_get_layout (label);
      PangoLayoutIter *iter;
      graphene_point_t at;
      int label_y, x, y;

      /* Where the label is, and where in it it draws its text. */
      g_assert_true (gtk_widget_compute_point (GTK_WIDGET (label), GTK_WIDGET (text),
                                               &GRAPHENE_POINT_INIT (0, 0), &at));
      gtk_label_get_layout_offsets (label, &x, &y);
      label_y = pango_units_from_double (at.y) + y * PANGO_SCALE;

      iter = pango_layout_get_iter (layout);
      do
        {
          PangoRectangle logical;
          ShownLine line;

          pango_layout_iter_get_line_extents (iter, NULL, &logical);
          line.index = start + pango_layout_iter_get_index (iter);
          line.y = label_y + logical.y;
          line.height = logical.height;
          line.baseline = label_y + pango_layout_iter_get_baseline (iter);
          g_array_append_val (lines, line);
        }
      while (pango_layout_iter_next_line (iter));
      pango_layout_iter_free (iter);

      start += strlen (pango_layout_get_text (layout));
    }

  return lines;
}

static void
assert_same_lines (GArray *parts,
                   GArray *whole)
{
  for (guint i = 0; i < MIN (parts->len, whole->len); i++)
    {
      ShownLine *a = &g_array_index (parts, ShownLine, i);
      ShownLine *b = &g_array_index (whole, ShownLine, i);

      if (a->index != b->index || a->y != b->y || a->height != b->height || a->baseline != b->baseline)
        g_error ("line %u: in parts it starts at byte %zu, y %d, %d high, baseline %d; "
                 "in one label at byte %zu, y %d, %d high, baseline %d (Pango units)",
                 i, a->index, a->y, a->height, a->baseline, b->index, b->y, b->height, b->baseline);
    }
  g_assert_cmpuint (parts->len, ==, whole->len);
}

/* @widget as it is drawn. */
static cairo_surface_t *
render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  if (node != NULL)
    gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  return surface;
}

/* The rows of pixels in which two drawings of the same width differ, of
 * those both have; the first of them in *first_out (-1 if none). */
static int
rows_differing (cairo_surface_t *a,
                cairo_surface_t *b,
                int             *first_out)
{
  int height = MIN (cairo_image_surface_get_height (a), cairo_image_surface_get_height (b));
  int stride = cairo_image_surface_get_stride (a);
  int width = cairo_image_surface_get_width (a);
  int rows = 0;

  g_assert_cmpint (cairo_image_surface_get_width (b), ==, width);
  *first_out = -1;
  for (int y = 0; y < height; y++)
    if (memcmp (cairo_image_surface_get_data (a) + y * stride,
                cairo_image_surface_get_data (b) + y * stride, 4 * width) != 0)
      {
        if (rows++ == 0)
          *first_out = y;
      }

  return rows;
}

/* Streams a paragraph of some 12 KB into @view, in pieces of about
 * @piece_bytes with a frame between them; the paragraph's text widget.
 * Every third sentence has the words @aside in it: Japanese words give
 * lines of two heights with fonts whose CJK glyphs come from a fallback
 * font, Arabic words right-to-left runs. */
static ChutesMarkdownText *
stream_long_paragraph (GtkWidget          *window,
                       ChutesMarkdownView *view,
                       gsize               piece_bytes,
                       const char         *aside)
{
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GString) piece = g_string_new (NULL);
  gsize length = 0;

  chutes_markdown_view_append (view, "It starts with [a link](https://example.com/early) and some **bold** words. ");
  for (guint i = 0; length < 12000; i++)
    {
      g_string_append_printf (piece, "Then sentence %u, *leaning* and `code %u` & <b>literal</b>, "
                                     "goes on for a while longer than a line%s. ",
                              i, i, i % 3 == 0 ? aside : "");
      if (piece->len < piece_bytes)
        continue;
      length += piece->len;
      chutes_markdown_view_append (view, piece->str);
      g_string_truncate (piece, 0);
      chutes_test_settle (window);
    }

  texts = find_all (view, CHUTES_TYPE_MARKDOWN_TEXT);
  g_assert_cmpuint (texts->len, ==, 1);

  return texts->pdata[0];
}

/* What a person sees of a paragraph in parts is what one label of its
 * text shows: the same lines at the same places, the same height, the
 * same pixels. Checks that, then joins the parts (as when the reply
 * settles). */
static void
assert_parts_look_whole (GtkWidget          *window,
                         ChutesMarkdownView *view,
                         ChutesMarkdownText *text)
{
  g_autoptr(GArray) parts_lines = shown_lines (text);
  g_autoptr(GArray) whole_lines = NULL;
  cairo_surface_t *parts_pixels = render (GTK_WIDGET (text));
  cairo_surface_t *whole_pixels;
  int width = gtk_widget_get_width (GTK_WIDGET (text));
  guint n_frozen = chutes_markdown_text_get_n_frozen (text);
  int parts_height, whole_height, rows, first_row;

  gtk_widget_measure (GTK_WIDGET (text), GTK_ORIENTATION_VERTICAL, width, NULL, &parts_height, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (text)), ==, parts_height);

  chutes_markdown_view_settle (view);
  chutes_test_settle (window);
  g_assert_cmpuint (chutes_markdown_text_get_n_frozen (text), ==, 0);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (text)), ==, width);
  gtk_widget_measure (GTK_WIDGET (text), GTK_ORIENTATION_VERTICAL, width, NULL, &whole_height, NULL, NULL);
  whole_lines = shown_lines (text);
  whole_pixels = render (GTK_WIDGET (text));

  g_test_message ("%u lines, %d px high, in %u parts: %d px high", whole_lines->len, whole_height,
                  n_frozen + 1, parts_height);
  assert_same_lines (parts_lines, whole_lines);
  g_assert_cmpint (parts_height, ==, whole_height);
  rows = rows_differing (parts_pixels, whole_pixels, &first_row);
  if (rows > 0)
    g_error ("%d rows of pixels differ between the parts and one label, the first at y %d", rows, first_row);

  cairo_surface_destroy (parts_pixels);
  cairo_surface_destroy (whole_pixels);
}

/* A paragraph that grows past a few KB while a reply streams is laid out
 * in parts, cut where its lines break, so that only the end is laid out
 * again at each frame. A person sees the same: the same text and the same
 * lines (at the same places, the same height as one label at that width);
 * a link in an earlier part still goes where the reply's links go; and
 * once the reply settles it is one label again (one selection). */
static void
test_long_paragraph_laid_out_in_parts (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = chutes_markdown_view_new ();
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GString) shown = g_string_new (NULL);
  LinkRecord record = { g_ptr_array_new_with_free_func (g_free) };
  ChutesMarkdownText *text;
  GtkWidget *first_part;
  gboolean handled = FALSE;

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 400);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (view, "activate-link", G_CALLBACK (record_link_cb), &record);

  /* One paragraph, 12 KB, a sentence at each frame. */
  text = stream_long_paragraph (window, CHUTES_MARKDOWN_VIEW (view), 1, " (日本語の文)");
  g_assert_cmpuint (chutes_markdown_text_get_n_frozen (text), >, 0);

  collect (GTK_WIDGET (text), GTK_TYPE_LABEL, parts);
  g_assert_cmpuint (parts->len, ==, chutes_markdown_text_get_n_frozen (text) + 1);
  for (guint i = 0; i < parts->len; i++)
    g_string_append (shown, gtk_label_get_text (parts->pdata[i]));

  first_part = parts->pdata[0];
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (first_part)), "It starts with a link and some bold"));
  g_signal_emit_by_name (first_part, "activate-link", "https://example.com/early", &handled);
  g_assert_true (handled);
  g_assert_cmpuint (record.opened->len, ==, 1);
  g_assert_cmpstr (record.opened->pdata[0], ==, "https://example.com/early");

  assert_parts_look_whole (window, CHUTES_MARKDOWN_VIEW (view), text);
  collect (GTK_WIDGET (text), GTK_TYPE_LABEL, labels);
  g_assert_cmpuint (labels->len, ==, 1);
  g_assert_cmpstr (gtk_label_get_text (labels->pdata[0]), ==, shown->str);

  g_ptr_array_unref (record.opened);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The fonts of Debian packages that build-aux/install-deps.sh installs
 * (fonts-dejavu-core, fonts-cantarell, fonts-droid-fallback), in sets
 * that give lines of different heights: fractions of a pixel or whole
 * ones, styles a font lacks made up (DejaVu Sans alone has no oblique,
 * Cantarell no italic at all, neither a monospace face for code), the
 * Japanese words from a fallback font, CJK metrics throughout. */
#define DEJAVU "/usr/share/fonts/truetype/dejavu/"
#define CANTARELL "/usr/share/fonts/opentype/cantarell/"
#define DROID "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

static const struct {
  const char *name;
  const char *css;      /* the paragraph's font family, if not the default */
  const char *files[8];
} font_sets[] = {
  { "fonts-dejavu-core", NULL,
    { DEJAVU "DejaVuSans.ttf", DEJAVU "DejaVuSans-Bold.ttf", DEJAVU "DejaVuSansMono.ttf",
      DEJAVU "DejaVuSansMono-Bold.ttf", DEJAVU "DejaVuSerif.ttf", DEJAVU "DejaVuSerif-Bold.ttf", DROID } },
  { "DejaVu Sans alone", NULL, { DEJAVU "DejaVuSans.ttf" } },
  { "Cantarell", "mdtext { font-family: Cantarell; }",
    { CANTARELL "Cantarell-Regular.otf", CANTARELL "Cantarell-Bold.otf" } },
  { "Droid Sans Fallback alone", NULL, { DROID } },
  { "Cantarell, DejaVu Sans Mono for code, Droid Sans Fallback", "mdtext { font-family: Cantarell; }",
    { CANTARELL "Cantarell-Regular.otf", CANTARELL "Cantarell-Bold.otf", DEJAVU "DejaVuSansMono.ttf", DROID } },
};

/* A font map with only the fonts of @set, and the rules the tests' own
 * configuration has (tests/fonts/rules.conf: made-up styles, aliases). */
static PangoFontMap *
font_map_for_set (guint set)
{
  const char *srcdir = g_getenv ("CHUTES_TEST_SRCDIR");
  g_autofree char *rules = NULL;
  PangoFontMap *font_map = pango_cairo_font_map_new_for_font_type (CAIRO_FONT_TYPE_FT);
  FcConfig *config = FcConfigCreate ();

  g_assert_nonnull (srcdir);
  rules = g_build_filename (srcdir, "fonts", "rules.conf", NULL);
  g_assert_true (FcConfigParseAndLoad (config, (const FcChar8 *) rules, FcTrue));
  for (guint i = 0; i < G_N_ELEMENTS (font_sets[set].files) && font_sets[set].files[i] != NULL; i++)
    if (!FcConfigAppFontAddFile (config, (const FcChar8 *) font_sets[set].files[i]))
      g_error ("%s is missing: build-aux/install-deps.sh test installs it", font_sets[set].files[i]);
  pango_fc_font_map_set_config (PANGO_FC_FONT_MAP (font_map), config);
  FcConfigDestroy (config);

  return font_map;
}

/* The parts line up with one label whatever the fonts, their size and
 * the width (which moves the cuts). */
static void
test_long_paragraph_parts_in_any_font (void)
{
  static const struct {
    const char *css;
    int         window_width;
    const char *aside;
  } sizes[] = {
    { "", 500, " (日本語の文)" },
    { "mdtext { font-size: 15.5px; }", 370, " (日本語の文)" },
    { "", 430, " (مرحبا بالعالم)" },
  };

  for (guint set = 0; set < G_N_ELEMENTS (font_sets); set++)
    for (guint size = 0; size < G_N_ELEMENTS (sizes); size++)
      {
        g_autoptr(PangoFontMap) font_map = font_map_for_set (set);
        g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
        g_autofree char *style = g_strconcat (font_sets[set].css != NULL ? font_sets[set].css : "",
                                              sizes[size].css, NULL);
        GtkWidget *window = gtk_window_new ();
        GtkWidget *scrolled = gtk_scrolled_window_new ();
        GtkWidget *view = chutes_markdown_view_new ();
        ChutesMarkdownText *text;

        g_test_message ("%s, %d px window, style \"%s\", with \"%s\"", font_sets[set].name,
                        sizes[size].window_width, style, sizes[size].aside);
        gtk_css_provider_load_from_data (css, style, -1);
        gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                    GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
        gtk_widget_set_font_map (window, font_map);
        gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
        gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
        gtk_window_set_child (GTK_WINDOW (window), scrolled);
        gtk_window_set_default_size (GTK_WINDOW (window), sizes[size].window_width, 400);
        gtk_window_present (GTK_WINDOW (window));

        text = stream_long_paragraph (window, CHUTES_MARKDOWN_VIEW (view), 1200, sizes[size].aside);
        g_assert_cmpuint (chutes_markdown_text_get_n_frozen (text), >, 0);
        assert_parts_look_whole (window, CHUTES_MARKDOWN_VIEW (view), text);

        gtk_window_destroy (GTK_WINDOW (window));
        gtk_style_context_remove_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css));
      }
}

/* A paragraph that starts in English and goes on mostly in Arabic: cut
 * at a line that starts with Arabic words, a part would read right to
 * left, aligned right. Such cuts are not made; whatever is, the
 * paragraph looks as one label. */
static void
test_long_paragraph_mostly_rtl_looks_whole (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = chutes_markdown_view_new ();
  g_autoptr(GString) arabic = g_string_new (NULL);
  ChutesMarkdownText *text;

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 430, 400);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < 20; i++)
    g_string_append (arabic, " مرحبا بالعالم");
  text = stream_long_paragraph (window, CHUTES_MARKDOWN_VIEW (view), 1200, arabic->str);
  assert_parts_look_whole (window, CHUTES_MARKDOWN_VIEW (view), text);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A reply is one row of the message list however long it is: its view
 * draws the blocks in view only, and draws again when the chat scrolls or
 * its window grows, so that no block is left blank. */
static void
test_view_draws_blocks_in_view (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = chutes_markdown_view_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  GtkAdjustment *adjustment;
  GtkWidget *box, *first, *last, *last_before;

  for (guint i = 0; i < 80; i++)
    g_string_append_printf (text, "Paragraph %u of a long reply.\n\n", i);
  chutes_markdown_view_set_text (CHUTES_MARKDOWN_VIEW (view), text->str);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 300);
  gtk_window_present (GTK_WINDOW (window));
  chutes_test_settle (window);

  box = gtk_widget_get_first_child (view);
  g_assert_true (CHUTES_IS_CULLING_BOX (box));
  chutes_culling_box_get_drawn (CHUTES_CULLING_BOX (box), &first, &last);
  g_assert_true (first == gtk_widget_get_first_child (box));
  g_assert_nonnull (last);
  g_assert_true (last != gtk_widget_get_last_child (box));

  /* Scrolled to the end: the last paragraphs are drawn, not the first. */
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  chutes_test_settle (window);
  chutes_culling_box_get_drawn (CHUTES_CULLING_BOX (box), &first, &last);
  g_assert_true (last == gtk_widget_get_last_child (box));
  g_assert_true (first != gtk_widget_get_first_child (box));

  /* Back at the top, then a taller window: more paragraphs are shown. */
  gtk_adjustment_set_value (adjustment, 0);
  chutes_test_settle (window);
  chutes_culling_box_get_drawn (CHUTES_CULLING_BOX (box), &first, &last_before);
  g_assert_true (first == gtk_widget_get_first_child (box));
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 700);
  chutes_test_settle (window);
  chutes_culling_box_get_drawn (CHUTES_CULLING_BOX (box), &first, &last);
  g_assert_true (first == gtk_widget_get_first_child (box));
  for (GtkWidget *w = gtk_widget_get_first_child (box); w != last; w = gtk_widget_get_next_sibling (w))
    g_assert_true (w != NULL);
  g_assert_true (last != last_before);
  for (GtkWidget *w = gtk_widget_get_first_child (box); w != last_before; w = gtk_widget_get_next_sibling (w))
    g_assert_true (w != last);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  /* The expected texts are the untranslated ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "C.UTF-8");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chutes_register_resource ();

  g_test_add_func ("/markdown/blocks/nested-lists-show-markers-by-depth", test_nested_lists);
  g_test_add_func ("/markdown/blocks/table-cells-header-and-alignment", test_table);
  g_test_add_func ("/markdown/blocks/headings-sized-by-level", test_headings);
  g_test_add_func ("/markdown/code/exact-text-language-and-copy", test_code_block);
  g_test_add_func ("/markdown/code/fence-names-pick-highlighting", test_code_block_languages);
  g_test_add_func ("/markdown/code/follows-dark-style", test_code_block_follows_dark_style);
  g_test_add_func ("/markdown/code/highlighted-once-reply-settles", test_code_highlighted_once_reply_settles);
  g_test_add_func ("/markdown/code/wheel-scrolls-the-chat-not-the-block", test_code_block_passes_wheel_on);
  g_test_add_func ("/markdown/inline/code-emphasis-strong-strikethrough", test_inline_styles);
  g_test_add_func ("/markdown/inline/markup-html-and-entities-shown-literally", test_markup_shown_literally);
  g_test_add_func ("/markdown/inline/invalid-utf8-and-controls-replaced", test_invalid_utf8_and_controls);
  g_test_add_func ("/markdown/inline/misnested-spans-stay-well-formed", test_misnested_spans);
  g_test_add_func ("/markdown/links/only-http-and-https-open", test_links);
  g_test_add_func ("/markdown/links/images-shown-as-links-never-fetched", test_images_are_links);
  g_test_add_func ("/markdown/streaming/unclosed-fence-grows-in-place", test_unclosed_fence_grows);
  g_test_add_func ("/markdown/streaming/random-pieces-look-like-whole-text", test_streaming_equals_whole);
  g_test_add_func ("/markdown/streaming/text-changing-meaning-later", test_streaming_equals_whole_tricky);
  g_test_add_func ("/markdown/streaming/reparse-bounded-by-last-block", test_reparse_is_bounded_by_last_block);
  g_test_add_func ("/markdown/streaming/pause-settles-to-whole-parse", test_pause_settles_to_whole_parse);
  g_test_add_func ("/markdown/view/set-text-extends-or-replaces", test_set_text_extends_or_replaces);
  g_test_add_func ("/markdown/view/deep-nesting-is-flattened", test_deep_nesting_is_flattened);
  g_test_add_func ("/markdown/text/size-follows-text-and-style", test_text_size_follows_text_and_style);
  g_test_add_func ("/markdown/view/draws-blocks-in-view", test_view_draws_blocks_in_view);
  g_test_add_func ("/markdown/streaming/long-paragraph-laid-out-in-parts", test_long_paragraph_laid_out_in_parts);
  g_test_add_func ("/markdown/streaming/long-paragraph-parts-in-any-font", test_long_paragraph_parts_in_any_font);
  g_test_add_func ("/markdown/streaming/long-paragraph-mostly-rtl-looks-whole", test_long_paragraph_mostly_rtl_looks_whole);

  return chutes_test_check_live_objects (g_test_run ());
}
