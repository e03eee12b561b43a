/* test-attachment-strip.c: the attachments of the message being written
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "chutes-attachment.h"
#include "chutes-attachment-strip.h"
#include "chutes-resources.h"
#include "chutes-test-mock.h"

typedef struct
{
  gboolean  done;
  char     *failure;
} Waiter;

static void
loading_cb (ChutesAttachmentStrip *strip,
            GParamSpec            *pspec,
            Waiter                *waiter)
{
  if (!chutes_attachment_strip_get_loading (strip))
    waiter->done = TRUE;
}

static void
failed_cb (ChutesAttachmentStrip *strip,
           const char            *message,
           Waiter                *waiter)
{
  g_free (waiter->failure);
  waiter->failure = g_strdup (message);
}

static GBytes *
make_png (int width,
          int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize size = 0;

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &size, "png", &error, NULL));
  g_assert_no_error (error);

  return g_bytes_new_take (data, size);
}

/* The remove buttons, by what their tooltip (and accessible name) say. */
static GtkWidget *
find_remove_button (GtkWidget  *widget,
                    const char *name)
{
  g_autofree char *wanted = g_strdup_printf ("Remove %s", name);

  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), wanted) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_remove_button (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
wait_until_loaded (ChutesAttachmentStrip *strip,
                   Waiter                *waiter)
{
  if (chutes_attachment_strip_get_loading (strip))
    chutes_test_wait_for (&waiter->done, 20);
  waiter->done = FALSE;
}

static const char *
name_at (GListModel *attachments,
         guint       position)
{
  g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, position);

  return chutes_attachment_get_name (attachment);
}

static void
test_tiles_in_the_order_added (void)
{
  GtkWidget *strip = g_object_ref_sink (chutes_attachment_strip_new ());
  GListModel *attachments = chutes_attachment_strip_get_attachments (CHUTES_ATTACHMENT_STRIP (strip));
  g_autoptr(GBytes) png = make_png (300, 200);
  g_autoptr(GBytes) text = g_bytes_new_static ("int main (void) { return 0; }\n", 30);
  g_autoptr(GListModel) copy = NULL;
  Waiter waiter = { 0 };

  g_signal_connect (strip, "notify::loading", G_CALLBACK (loading_cb), &waiter);
  g_assert_false (gtk_widget_get_visible (strip));

  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), png, "shot.png", NULL);
  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), text, "main.c", NULL);
  /* Shown at once, with a spinner each, and nothing to send yet. */
  g_assert_true (gtk_widget_get_visible (strip));
  g_assert_true (chutes_attachment_strip_get_loading (CHUTES_ATTACHMENT_STRIP (strip)));
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);

  wait_until_loaded (CHUTES_ATTACHMENT_STRIP (strip), &waiter);
  g_assert_null (waiter.failure);
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 2);
  /* Whichever finished first, the order is the person's. */
  g_assert_cmpstr (name_at (attachments, 0), ==, "shot.png");
  g_assert_cmpstr (name_at (attachments, 1), ==, "main.c");
  g_assert_nonnull (find_remove_button (strip, "shot.png"));
  g_assert_nonnull (find_remove_button (strip, "main.c"));

  /* What is sent outlives the strip's contents. */
  copy = chutes_attachment_strip_dup_attachments (CHUTES_ATTACHMENT_STRIP (strip));
  chutes_attachment_strip_clear (CHUTES_ATTACHMENT_STRIP (strip));
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);
  g_assert_false (gtk_widget_get_visible (strip));
  g_assert_cmpuint (g_list_model_get_n_items (copy), ==, 2);

  /* An edited message's attachments come back, ready at once. */
  chutes_attachment_strip_set_attachments (CHUTES_ATTACHMENT_STRIP (strip), copy);
  g_assert_false (chutes_attachment_strip_get_loading (CHUTES_ATTACHMENT_STRIP (strip)));
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 2);
  g_assert_true (gtk_widget_get_visible (strip));

  g_object_unref (strip);
}

static void
test_remove_button (void)
{
  GtkWidget *strip = g_object_ref_sink (chutes_attachment_strip_new ());
  GListModel *attachments = chutes_attachment_strip_get_attachments (CHUTES_ATTACHMENT_STRIP (strip));
  g_autoptr(GBytes) png = make_png (40, 30);
  g_autoptr(GBytes) text = g_bytes_new_static ("notes\n", 6);
  Waiter waiter = { 0 };

  g_signal_connect (strip, "notify::loading", G_CALLBACK (loading_cb), &waiter);
  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), png, "a.png", "image/png");
  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), text, "notes.txt", NULL);
  wait_until_loaded (CHUTES_ATTACHMENT_STRIP (strip), &waiter);
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 2);

  g_signal_emit_by_name (find_remove_button (strip, "a.png"), "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 1);
  g_assert_cmpstr (name_at (attachments, 0), ==, "notes.txt");
  g_assert_null (find_remove_button (strip, "a.png"));

  g_signal_emit_by_name (find_remove_button (strip, "notes.txt"), "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);
  g_assert_false (gtk_widget_get_visible (strip));

  g_object_unref (strip);
}

static void
test_corrupt_image_is_named (void)
{
  GtkWidget *strip = g_object_ref_sink (chutes_attachment_strip_new ());
  GListModel *attachments = chutes_attachment_strip_get_attachments (CHUTES_ATTACHMENT_STRIP (strip));
  static const char junk[] = "\x89PNG\r\n\x1a\nnot an image at all";
  g_autoptr(GBytes) bytes = g_bytes_new_static (junk, sizeof junk - 1);
  Waiter waiter = { 0 };

  g_signal_connect (strip, "notify::loading", G_CALLBACK (loading_cb), &waiter);
  g_signal_connect (strip, "load-failed", G_CALLBACK (failed_cb), &waiter);
  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), bytes, "broken.png", "image/png");
  wait_until_loaded (CHUTES_ATTACHMENT_STRIP (strip), &waiter);

  g_assert_nonnull (waiter.failure);
  g_assert_nonnull (strstr (waiter.failure, "broken.png"));
  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);
  g_assert_null (find_remove_button (strip, "broken.png"));
  g_assert_false (gtk_widget_get_visible (strip));

  g_free (waiter.failure);
  g_object_unref (strip);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Removed while it loads: cancelled, and it never shows up later. */
static void
test_removed_while_loading (void)
{
  GtkWidget *strip = g_object_ref_sink (chutes_attachment_strip_new ());
  GListModel *attachments = chutes_attachment_strip_get_attachments (CHUTES_ATTACHMENT_STRIP (strip));
  g_autoptr(GBytes) png = make_png (2000, 1500);
  gboolean waited = FALSE;

  chutes_attachment_strip_add_bytes (CHUTES_ATTACHMENT_STRIP (strip), png, "big.png", NULL);
  g_assert_true (chutes_attachment_strip_get_loading (CHUTES_ATTACHMENT_STRIP (strip)));
  g_signal_emit_by_name (find_remove_button (strip, "big.png"), "clicked");
  g_assert_false (chutes_attachment_strip_get_loading (CHUTES_ATTACHMENT_STRIP (strip)));

  /* Not a measure of time: a wait long enough for the worker to be done
   * with it, whose result must then be dropped. */
  g_timeout_add (2000, set_flag, &waited);
  chutes_test_wait_for (&waited, 10);

  g_assert_cmpuint (g_list_model_get_n_items (attachments), ==, 0);
  g_object_unref (strip);
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

  g_test_add_func ("/attachment-strip/tiles-in-the-order-added", test_tiles_in_the_order_added);
  g_test_add_func ("/attachment-strip/remove-button", test_remove_button);
  g_test_add_func ("/attachment-strip/corrupt-image-is-named", test_corrupt_image_is_named);
  g_test_add_func ("/attachment-strip/removed-while-loading-never-shows", test_removed_while_loading);

  return chutes_test_check_live_objects (g_test_run ());
}
