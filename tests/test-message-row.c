/* test-message-row.c: a very long reply in its row, as a person sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "chutes-attachment.h"
#include "chutes-culling-box.h"
#include "chutes-image-viewer.h"
#include "chutes-markdown-text.h"
#include "chutes-markdown-view.h"
#include "chutes-message-attachments.h"
#include "chutes-message-row.h"
#include "chutes-resources.h"
#include "chutes-test-mock.h"
#include "chutes-test-widgets.h"

/* A window with a scrolled row, as the chat list has it. */
static GtkWidget *
show_row (GtkWidget **row_out)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *row = chutes_message_row_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), row);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 500);
  gtk_window_present (GTK_WINDOW (window));
  *row_out = row;

  return window;
}

/* Frames go by until the row shows all of its message's text; returns
 * how many updates it took. */
static guint
catch_up (GtkWidget *row)
{
  gint64 give_up = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint turns = 0;

  while (chutes_message_row_get_catching_up (CHUTES_MESSAGE_ROW (row)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      gtk_widget_queue_draw (row);
      g_main_context_iteration (NULL, TRUE);
      turns++;
    }

  return turns;
}

static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
    g_ptr_array_add (labels, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_visible (child))
      collect_labels (child, labels);
}

/* The text of the visible labels under @widget, one after the other. */
static char *
shown_text (GtkWidget *widget)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    g_string_append (text, gtk_label_get_text (labels->pdata[i]));

  return g_string_free (text, FALSE);
}

/* Whether every label under @widget that @scrolled shows has its text
 * (a part far out of view is emptied until it comes near). */
static gboolean
labels_in_view_filled (GtkWidget *widget,
                       GtkWidget *scrolled)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  graphene_rect_t view;

  if (!gtk_widget_compute_bounds (scrolled, scrolled, &view))
    return FALSE;
  collect_labels (widget, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (labels->pdata[i], scrolled, &bounds) &&
          graphene_rect_intersection (&bounds, &view, NULL) &&
          *gtk_label_get_text (labels->pdata[i]) == '\0')
        return FALSE;
    }

  return TRUE;
}

static void
count_frame (guint *frames)
{
  (*frames)++;
}

/* The text of the visible labels under @row, one after the other, as a
 * person reads it: each label scrolled into view in turn, from the
 * first, and its text taken then (and kept in @seen_out, if given, by
 * label). */
static char *
scrolled_text (GtkWidget   *row,
               GHashTable **seen_out)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* The labels are held: one replaced meanwhile (the Markdown settling)
   * must not leave its address, and its text, to another. */
  g_autoptr(GHashTable) seen = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *text = g_string_new (NULL);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (row);
  guint frames = 0;
  gulong frame_id = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (count_frame), &frames);

  for (;;)
    {
      gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      GtkWidget *next = NULL;
      graphene_rect_t bounds;
      guint frames_before;

      /* The first label not read yet, scrolled to the top of the view. */
      g_ptr_array_set_size (labels, 0);
      collect_labels (row, labels);
      for (guint i = 0; i < labels->len && next == NULL; i++)
        if (!g_hash_table_contains (seen, labels->pdata[i]))
          next = labels->pdata[i];
      if (next == NULL)
        break;
      if (gtk_widget_compute_bounds (next, scrolled, &bounds))
        gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + bounds.origin.y);

      /* A frame laid out at this place, at least, and its parts filled. */
      frames_before = frames;
      do
        {
          g_assert_cmpint (g_get_monotonic_time (), <, give_up);
          gtk_widget_queue_draw (row);
          g_main_context_iteration (NULL, TRUE);
          while (g_main_context_pending (NULL))
            g_main_context_iteration (NULL, FALSE);
        }
      while (frames == frames_before || !labels_in_view_filled (row, scrolled));

      /* It has its text now, and those near the view too. */
      g_ptr_array_set_size (labels, 0);
      collect_labels (row, labels);
      for (guint i = 0; i < labels->len; i++)
        if (*gtk_label_get_text (labels->pdata[i]) != '\0')
          g_hash_table_replace (seen, g_object_ref (labels->pdata[i]),
                                g_strdup (gtk_label_get_text (labels->pdata[i])));
      if (!g_hash_table_contains (seen, next))
        g_hash_table_replace (seen, g_object_ref (next), g_strdup (gtk_label_get_text (GTK_LABEL (next))));
    }
  g_signal_handler_disconnect (clock, frame_id);

  g_ptr_array_set_size (labels, 0);
  collect_labels (row, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *label_text = g_hash_table_lookup (seen, labels->pdata[i]);

      g_string_append (text, label_text ? label_text : gtk_label_get_text (labels->pdata[i]));
    }

  if (seen_out != NULL)
    *seen_out = g_steal_pointer (&seen);

  return g_string_free (text, FALSE);
}

/* Text that is the same under any cut: words, newlines now and then, and
 * characters that would be markup. */
static char *
long_text (const char *start,
           gsize       length)
{
  GString *text = g_string_new (start);

  for (guint i = 0; text->len < length; i++)
    g_string_append_printf (text, "word%u <b>&amp;</b> é%s", i, i % 9 == 8 ? "\n" : " ");
  g_string_truncate (text, length);

  return g_string_free (text, FALSE);
}

/* A reply of 1 MB that arrives at once: shown in steps, a frame each (not
 * in one turn of the main loop), all of it in the end, literally, the
 * start as Markdown and the rest as plain text. */
static void
test_long_reply_in_steps (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  g_autofree char *text = long_text ("# Title\n\nThe **start** of it.\n\n", 1000 * 1000);
  g_autofree char *shown = NULL;
  g_autofree char *markdown_shown = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) words = NULL;
  GtkWidget *row;
  GtkWidget *window = show_row (&row);
  GtkWidget *view;
  guint turns;

  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  chutes_message_append_content (message, text);
  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_COMPLETE);

  turns = catch_up (row);
  g_test_message ("1 MB shown in %u turns", turns);
  g_assert_cmpuint (turns, >, 10);

  /* The start as Markdown: the heading's text without its "#", bold. */
  view = chutes_test_find_widget (row, CHUTES_TYPE_MARKDOWN_VIEW);
  g_assert_nonnull (view);
  g_assert_true (g_str_has_prefix (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (view)), "# Title"));
  g_assert_cmpuint (strlen (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (view))), <, strlen (text));
  shown = scrolled_text (row, &seen);
  markdown_shown = shown_text (view);
  g_assert_true (strstr (shown, "Title") != NULL);
  g_assert_true (strstr (shown, "# Title") == NULL);

  /* All the rest, literally: the words in order, and the end. */
  words = g_strsplit_set (text + strlen (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (view))), " \n", -1);
  expected = g_strjoinv ("", words);
  {
    g_auto(GStrv) shown_words = g_strsplit_set (shown, " \n", -1);
    g_autofree char *joined = g_strjoinv ("", shown_words);

    g_assert_true (g_str_has_suffix (joined, expected));
  }
  g_assert_true (strstr (shown, "<b>&amp;</b>") != NULL);

  /* It arrived faster than it could be shown: its Markdown (half a
   * megabyte of widgets a kilobyte) ends early. */
  g_assert_cmpuint (strlen (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (view))), <=, 128 * 1024);

  /* The plain text is drawn where it is in view: scrolled to the end,
   * its end and not its start. */
  {
    GtkWidget *plain = gtk_widget_get_next_sibling (view);
    GtkWidget *scrolled = gtk_widget_get_ancestor (row, GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    GtkWidget *first = NULL;
    GtkWidget *last = NULL;

    g_assert_true (CHUTES_IS_CULLING_BOX (plain));
    while (last != gtk_widget_get_last_child (plain))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, give_up);
        gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
        gtk_widget_queue_draw (row);
        g_main_context_iteration (NULL, TRUE);
        chutes_culling_box_get_drawn (CHUTES_CULLING_BOX (plain), &first, &last);
      }
    g_assert_true (first != gtk_widget_get_first_child (plain));

    /* Its start, far out of view now, is empty, but a screen reader
     * still has its text. */
    {
      GtkLabel *label = chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (gtk_widget_get_first_child (plain)));
      const char *seen_text = g_hash_table_lookup (seen, label);
      g_autofree char *wrong = NULL;

      g_assert_nonnull (seen_text);
      g_assert_cmpstr (gtk_label_get_text (label), ==, "");
      wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, seen_text);
      g_assert_null (wrong);
    }
  }

  /* Once it rests, the Markdown is parsed whole once more (in a thread,
   * for this length: it has rested while the plain text was added, and
   * may again), and what it shows stays the same. */
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;
    g_autofree char *settled = NULL;

    while (g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
    settled = shown_text (view);
    g_assert_cmpstr (settled, ==, markdown_shown);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A reply that streams in no faster than it is shown keeps its Markdown
 * up to 256 KB. */
static void
test_streamed_reply_keeps_markdown (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  g_autofree char *text = long_text ("# Title\n\nThe **start** of it.\n\n", 300 * 1000);
  GtkWidget *row;
  GtkWidget *window = show_row (&row);
  GtkWidget *view;
  gsize markdown;

  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  for (gsize done = 0, piece = 32 * 1000; done < strlen (text); done += piece)
    {
      g_autofree char *part = g_strndup (text + done, piece);

      chutes_message_append_content (message, part);
      catch_up (row);
    }
  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_COMPLETE);
  catch_up (row);

  view = chutes_test_find_widget (row, CHUTES_TYPE_MARKDOWN_VIEW);
  markdown = strlen (chutes_markdown_view_get_text (CHUTES_MARKDOWN_VIEW (view)));
  g_assert_cmpuint (markdown, >, 200 * 1024);
  g_assert_cmpuint (markdown, <=, 256 * 1024);
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_next_sibling (view)));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A reply that arrives whole before the row shows any of it (a fast
 * server, a cached answer): the Markdown view is as tall as its text, so
 * the footer comes below the last line, not over it. GTK 4.8 kept the
 * view's size request mode from when it was empty (a constant size) and
 * asked it for its height with no width: one line a paragraph. */
static void
test_whole_reply_at_once_fits_its_row (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  g_autofree char *text = long_text ("A first paragraph. ", 2000);
  GtkWidget *row;
  GtkWidget *window = show_row (&row);
  GtkWidget *view;
  GtkWidget *box;
  int view_height;

  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  chutes_test_settle (row);

  chutes_message_append_content (message, text);
  chutes_message_set_usage (message, 10, 500);
  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_COMPLETE);
  catch_up (row);
  chutes_test_settle (row);

  view = chutes_test_find_widget (row, CHUTES_TYPE_MARKDOWN_VIEW);
  box = chutes_test_find_widget (view, CHUTES_TYPE_CULLING_BOX);
  view_height = gtk_widget_get_height (view);
  g_assert_nonnull (gtk_widget_get_first_child (box));
  for (GtkWidget *child = gtk_widget_get_first_child (box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_compute_bounds (child, view, &bounds));
      g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, view_height + 0.5);
    }
  /* Several lines, not one a paragraph. */
  g_assert_cmpint (view_height, >, 100);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The footer shows the tokens and what they cost, at the prices kept
 * with the reply; without a price, no amount at all. */
static void
test_footer_shows_cost (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "Hi.");
  ChutesPrices prices = { 0.27, 1.10, 0.135 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  GtkWidget *row;
  GtkWidget *window = show_row (&row);

  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  chutes_message_set_usage (message, 1000, 500);
  chutes_message_set_cached_tokens (message, 400);
  catch_up (row);
  before = shown_text (row);
  g_assert_nonnull (strstr (before, "1000 tokens in (400 cached), 500 out"));
  g_assert_null (strchr (before, '$'));

  /* (600 x 0.27 + 400 x 0.135 + 500 x 1.10) / 1M = $0.000766 */
  chutes_message_set_prices (message, &prices);
  catch_up (row);
  after = shown_text (row);
  g_assert_nonnull (strstr (after, "1000 tokens in (400 cached), 500 out · $0.00077"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Reasoning of 500 KB: laid out only once the Thinking section is opened,
 * then in steps, all of it in the end. */
static void
test_long_reasoning_when_opened (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  g_autofree char *reasoning = long_text ("Let me think.\n", 500 * 1000);
  g_autofree char *shown = NULL;
  GtkExpander *expander;
  GtkWidget *row;
  GtkWidget *window = show_row (&row);
  guint turns;

  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  chutes_message_append_reasoning (message, reasoning);
  chutes_message_append_content (message, "The answer.");
  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_COMPLETE);
  catch_up (row);

  expander = GTK_EXPANDER (chutes_test_find_widget (row, GTK_TYPE_EXPANDER));
  g_assert_nonnull (expander);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (expander)));
  g_assert_false (gtk_expander_get_expanded (expander));
  shown = shown_text (gtk_expander_get_child (expander));
  g_assert_cmpstr (shown, ==, "");
  g_clear_pointer (&shown, g_free);

  gtk_expander_set_expanded (expander, TRUE);
  turns = catch_up (row);
  g_test_message ("500 KB of reasoning shown in %u turns", turns);
  g_assert_cmpuint (turns, >, 5);

  shown = scrolled_text (gtk_expander_get_child (expander), NULL);
  {
    g_auto(GStrv) expected_words = g_strsplit_set (reasoning, " \n", -1);
    g_auto(GStrv) shown_words = g_strsplit_set (shown, " \n", -1);
    g_autofree char *expected = g_strjoinv ("", expected_words);
    g_autofree char *joined = g_strjoinv ("", shown_words);

    g_assert_cmpstr (joined, ==, expected);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A PNG of @width × @height pixels of one colour. */
static ChutesAttachment *
image_attachment_new (const char *name,
                      int         width,
                      int         height)
{
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 3);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  for (gsize i = 0; i < (gsize) width * height * 3; i += 3)
    {
      pixels[i] = 0x35;
      pixels[i + 1] = 0x84;
      pixels[i + 2] = 0xe4;
    }
  data = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) width * height * 3);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, data, (gsize) width * 3);
  png = gdk_texture_save_to_png_bytes (texture);

  return chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, name, "image/png", png, width, height);
}

static ChutesAttachment *
text_attachment_new (const char *name,
                     const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT, name, "text/markdown", bytes, 0, 0);
}

static void
collect_with_class (GtkWidget  *widget,
                    const char *css_class,
                    GPtrArray  *found)
{
  if (gtk_widget_has_css_class (widget, css_class) && gtk_widget_is_drawable (widget))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_with_class (child, css_class, found);
}

/* The widgets under @widget with @css_class that a person sees. */
static GPtrArray *
find_with_class (GtkWidget  *widget,
                 const char *css_class)
{
  GPtrArray *found = g_ptr_array_new ();

  collect_with_class (widget, css_class, found);

  return found;
}

static void
assert_accessible_label (GtkWidget  *widget,
                         const char *label)
{
  g_autofree char *wrong = NULL;

  wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  if (wrong != NULL)
    g_error ("Accessible name: %s", wrong);
}

/* The viewer a thumbnail or chip opened (a button activated from the
 * keyboard is clicked once it was shown pressed), waited for until it
 * shows what it holds. */
static ChutesImageViewer *
find_viewer (void)
{
  gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      GListModel *toplevels = gtk_window_get_toplevels ();

      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);
          GtkStack *stack;

          if (!CHUTES_IS_IMAGE_VIEWER (window) || !gtk_widget_get_visible (GTK_WIDGET (window)))
            continue;

          stack = GTK_STACK (chutes_test_find_widget (GTK_WIDGET (window), GTK_TYPE_STACK));
          if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "loading") != 0)
            return CHUTES_IMAGE_VIEWER (window);
        }

      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
wait_for_thumbnails (GtkWidget *row)
{
  ChutesMessageAttachments *attachments =
    CHUTES_MESSAGE_ATTACHMENTS (chutes_test_find_widget (row, CHUTES_TYPE_MESSAGE_ATTACHMENTS));
  gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (chutes_message_attachments_get_loading (attachments))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      g_main_context_iteration (NULL, TRUE);
    }
  chutes_test_settle (row);
}

/* Whether every thumbnail and chip under @row is above the message's
 * text, none over it, and within the row's width. */
static void
assert_above_text (GtkWidget *row,
                   GPtrArray *buttons)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GtkWidget *text = NULL;
  graphene_rect_t text_bounds;

  collect_labels (row, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), "What is in these?") == 0)
      text = labels->pdata[i];
  g_assert_nonnull (text);
  g_assert_true (gtk_widget_compute_bounds (text, row, &text_bounds));

  for (guint i = 0; i < buttons->len; i++)
    {
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_compute_bounds (buttons->pdata[i], row, &bounds));
      g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, text_bounds.origin.y);
      g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (row));
    }
}

/* A sent message with two images and a text file shows two thumbnails
 * (at most 240 px, their aspect kept) and a chip, each named for a
 * screen reader and opened from the keyboard: the image at full size,
 * the text as it is; bound to a message without any, the row shows
 * none, and keeps nothing of the old one alive. */
static void
test_attachments_shown_and_opened (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "What is in these?");
  g_autoptr(ChutesMessage) plain = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "And now?");
  const char *notes = "# Notes\n<b>not bold</b> & more\n";
  g_autoptr(ChutesAttachment) wide = image_attachment_new ("wide <photo>.png", 600, 400);
  g_autoptr(ChutesAttachment) tall = image_attachment_new ("tall.png", 90, 400);
  g_autoptr(ChutesAttachment) text = text_attachment_new ("notes.md", notes);
  g_autoptr(GPtrArray) thumbnails = NULL;
  g_autoptr(GPtrArray) chips = NULL;
  g_autofree char *shown = NULL;
  ChutesImageViewer *viewer;
  GtkWidget *picture;
  GtkWidget *row;
  GtkWidget *window = show_row (&row);
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *viewer_text = NULL;

  {
    g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_ATTACHMENT);

    g_list_store_append (store, wide);
    g_list_store_append (store, tall);
    g_list_store_append (store, text);
    chutes_message_set_attachments (message, G_LIST_MODEL (store));
  }
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  catch_up (row);
  wait_for_thumbnails (row);

  thumbnails = find_with_class (row, "chutes-thumbnail");
  chips = find_with_class (row, "chutes-file-chip");
  g_assert_cmpuint (thumbnails->len, ==, 2);
  g_assert_cmpuint (chips->len, ==, 1);
  assert_accessible_label (thumbnails->pdata[0], "Open wide <photo>.png");
  assert_accessible_label (thumbnails->pdata[1], "Open tall.png");
  assert_accessible_label (chips->pdata[0], "Open notes.md");
  /* The chip names the file, literally, and says its size. */
  shown = shown_text (chips->pdata[0]);
  g_assert_cmpstr (shown, ==, "notes.md31 bytes");

  /* Decoded, at most 240 px on the long side, the aspect kept. */
  picture = chutes_test_find_widget (thumbnails->pdata[0], GTK_TYPE_PICTURE);
  g_assert_nonnull (gtk_picture_get_paintable (GTK_PICTURE (picture)));
  g_assert_cmpint (gtk_widget_get_width (picture), ==, 240);
  g_assert_cmpint (gtk_widget_get_height (picture), ==, 160);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (gtk_picture_get_paintable (GTK_PICTURE (picture))), <=, 480);
  picture = chutes_test_find_widget (thumbnails->pdata[1], GTK_TYPE_PICTURE);
  g_assert_nonnull (gtk_picture_get_paintable (GTK_PICTURE (picture)));
  g_assert_cmpint (gtk_widget_get_width (picture), ==, 54);
  g_assert_cmpint (gtk_widget_get_height (picture), ==, 240);

  /* Side by side, above the text; in a narrow window, on two lines,
   * still above it. */
  {
    g_autoptr(GPtrArray) all = find_with_class (row, "chutes-thumbnail");
    graphene_rect_t first, chip;

    g_ptr_array_add (all, chips->pdata[0]);
    assert_above_text (row, all);
    g_assert_true (gtk_widget_compute_bounds (all->pdata[0], row, &first));
    g_assert_true (gtk_widget_compute_bounds (chips->pdata[0], row, &chip));
    g_assert_cmpfloat (chip.origin.y, ==, first.origin.y);

    gtk_window_set_default_size (GTK_WINDOW (window), 360, 500);
    chutes_test_settle (row);
    assert_above_text (row, all);
    g_assert_true (gtk_widget_compute_bounds (chips->pdata[0], row, &chip));
    g_assert_cmpfloat (chip.origin.y, >, first.origin.y);
    gtk_window_set_default_size (GTK_WINDOW (window), 600, 500);
    chutes_test_settle (row);
  }

  /* From the keyboard: the image at full size, in a window of its own
   * above the chat, its name and size in the title. */
  g_assert_true (gtk_widget_get_focusable (thumbnails->pdata[0]));
  g_assert_true (gtk_widget_activate (thumbnails->pdata[0]));
  viewer = find_viewer ();
  g_assert_nonnull (viewer);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (viewer)) == GTK_WINDOW (window));
  g_assert_true (chutes_image_viewer_get_attachment (viewer) == wide);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (viewer)), ==, "wide <photo>.png");
  {
    AdwWindowTitle *title = ADW_WINDOW_TITLE (chutes_test_find_widget (GTK_WIDGET (viewer), ADW_TYPE_WINDOW_TITLE));

    g_assert_cmpstr (adw_window_title_get_title (title), ==, "wide <photo>.png");
    g_assert_true (g_str_has_prefix (adw_window_title_get_subtitle (title), "600 × 400 · "));
  }
  g_assert_nonnull (chutes_image_viewer_get_texture (viewer));
  g_assert_cmpint (gdk_texture_get_width (chutes_image_viewer_get_texture (viewer)), ==, 600);
  g_assert_cmpint (gdk_texture_get_height (chutes_image_viewer_get_texture (viewer)), ==, 400);
  gtk_window_destroy (GTK_WINDOW (viewer));

  /* The text file's text, as it is, read-only. */
  g_assert_true (gtk_widget_activate (chips->pdata[0]));
  viewer = find_viewer ();
  g_assert_nonnull (viewer);
  g_assert_true (chutes_image_viewer_get_attachment (viewer) == text);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (chutes_test_find_widget (GTK_WIDGET (viewer), GTK_TYPE_TEXT_VIEW)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  viewer_text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (viewer_text, ==, notes);
  g_assert_false (gtk_text_view_get_editable (GTK_TEXT_VIEW (chutes_test_find_widget (GTK_WIDGET (viewer), GTK_TYPE_TEXT_VIEW))));
  gtk_window_destroy (GTK_WINDOW (viewer));

  /* Recycled for a message without attachments: none shown. */
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), plain);
  catch_up (row);
  chutes_test_settle (row);
  g_clear_pointer (&thumbnails, g_ptr_array_unref);
  g_clear_pointer (&chips, g_ptr_array_unref);
  thumbnails = find_with_class (row, "chutes-thumbnail");
  chips = find_with_class (row, "chutes-file-chip");
  g_assert_cmpuint (thumbnails->len, ==, 0);
  g_assert_cmpuint (chips->len, ==, 0);
  g_assert_false (gtk_widget_get_visible (chutes_test_find_widget (row, CHUTES_TYPE_MESSAGE_ATTACHMENTS)));
  g_clear_pointer (&shown, g_free);
  shown = shown_text (row);
  g_assert_null (strstr (shown, "notes.md"));

  /* Nothing of the old message is held by the row. */
  g_assert_finalize_object (g_steal_pointer (&message));
  g_assert_finalize_object (g_steal_pointer (&wide));
  g_assert_finalize_object (g_steal_pointer (&tall));
  g_assert_finalize_object (g_steal_pointer (&text));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* An image whose bytes no longer decode (a damaged history) shows an
 * icon in its frame, and the viewer says it cannot be shown. */
static void
test_broken_image_says_so (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "Look");
  g_autoptr(GBytes) junk = g_bytes_new_static ("\x89PNG\r\n\x1a\nnot really", 18);
  g_autoptr(ChutesAttachment) broken = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "broken.png",
                                                                     "image/png", junk, 100, 100);
  /* A PNG cut short after its header, as a file half written. */
  g_autoptr(ChutesAttachment) whole = image_attachment_new ("cut.png", 100, 100);
  g_autoptr(GBytes) cut = g_bytes_new_from_bytes (chutes_attachment_get_bytes (whole), 0, 33);
  g_autoptr(ChutesAttachment) header_only = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "cut.png",
                                                                          "image/png", cut, 100, 100);
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(GPtrArray) thumbnails = NULL;
  ChutesImageViewer *viewer;
  GtkStack *stack;
  GtkWidget *row;
  GtkWidget *window = show_row (&row);

  g_list_store_append (store, broken);
  g_list_store_append (store, header_only);
  chutes_message_set_attachments (message, G_LIST_MODEL (store));
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (row), message);
  catch_up (row);
  wait_for_thumbnails (row);

  thumbnails = find_with_class (row, "chutes-thumbnail");
  g_assert_cmpuint (thumbnails->len, ==, 2);
  for (guint i = 0; i < thumbnails->len; i++)
    {
      g_assert_null (chutes_test_find_widget (thumbnails->pdata[i], GTK_TYPE_PICTURE));
      g_assert_nonnull (chutes_test_find_widget (thumbnails->pdata[i], GTK_TYPE_IMAGE));
    }

  g_assert_true (gtk_widget_activate (thumbnails->pdata[0]));
  viewer = find_viewer ();
  stack = GTK_STACK (chutes_test_find_widget (GTK_WIDGET (viewer), GTK_TYPE_STACK));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "error");
  g_assert_null (chutes_image_viewer_get_texture (viewer));
  gtk_window_destroy (GTK_WINDOW (viewer));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "C.UTF-8");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chutes_register_resource ();

  g_test_add_func ("/message-row/long-reply-shown-in-steps", test_long_reply_in_steps);
  g_test_add_func ("/message-row/streamed-reply-keeps-markdown", test_streamed_reply_keeps_markdown);
  g_test_add_func ("/message-row/long-reasoning-laid-out-when-opened", test_long_reasoning_when_opened);
  g_test_add_func ("/message-row/footer-shows-tokens-and-cost", test_footer_shows_cost);
  g_test_add_func ("/message-row/whole-reply-at-once-fits-its-row", test_whole_reply_at_once_fits_its_row);
  g_test_add_func ("/message-row/attachments-shown-and-opened", test_attachments_shown_and_opened);
  g_test_add_func ("/message-row/broken-image-says-so", test_broken_image_says_so);

  return chutes_test_check_live_objects (g_test_run ());
}
