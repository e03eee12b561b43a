/* chutes-image-viewer.c: an attached image at full size, or a file's text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-image-viewer.h"

/* The largest the window opens at: an image fits within it, scaled down;
 * the person can make it larger. */
#define VIEWER_MAX_WIDTH  960
#define VIEWER_MAX_HEIGHT 640
#define VIEWER_MIN_WIDTH  360
#define VIEWER_MIN_HEIGHT 240

struct _ChutesImageViewer
{
  AdwWindow         parent_instance;

  ChutesAttachment *attachment;
  GdkTexture       *texture;
  GCancellable     *cancellable;

  AdwWindowTitle   *window_title;
  AdwToastOverlay  *toast_overlay;
  GtkStack         *stack;
  GtkSpinner       *spinner;
  GtkPicture       *picture;
  GtkTextView      *text_view;
  AdwStatusPage    *error_page;
};

G_DEFINE_FINAL_TYPE (ChutesImageViewer, chutes_image_viewer, ADW_TYPE_WINDOW)

static void
chutes_image_viewer_toast (ChutesImageViewer *self,
                           const char        *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static gboolean
chutes_image_viewer_is_image (ChutesImageViewer *self)
{
  return chutes_attachment_get_kind (self->attachment) == CHUTES_ATTACHMENT_IMAGE;
}

/* In a worker thread: a 24 megapixel photo takes a good part of a
 * second to decode. */
static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_bytes (task_data, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
decoded_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ChutesImageViewer *self = CHUTES_IMAGE_VIEWER (object);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      g_clear_object (&texture);
      return;
    }

  gtk_spinner_stop (self->spinner);

  if (texture == NULL)
    {
      /* The page's description is markup: the loader's message is
       * escaped. */
      g_autofree char *description = g_markup_escape_text (error->message, -1);

      adw_status_page_set_description (self->error_page, description);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  self->texture = texture;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->stack, "image");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy", TRUE);
}

static void
chutes_image_viewer_show_text (ChutesImageViewer *self)
{
  GBytes *bytes = chutes_attachment_get_bytes (self->attachment);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *text = g_utf8_make_valid (data ? data : "", length);

  /* A text buffer holds text, never markup. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  gtk_stack_set_visible_child_name (self->stack, "text");
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChutesImageViewer *self = CHUTES_IMAGE_VIEWER (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);

  if (chutes_image_viewer_is_image (self))
    {
      if (self->texture == NULL)
        return;
      gdk_clipboard_set_texture (clipboard, self->texture);
    }
  else
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      gdk_clipboard_set_text (clipboard, text);
    }

  chutes_image_viewer_toast (self, _("Copied to clipboard"));
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ChutesImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        chutes_image_viewer_toast (self, error->message);
      return;
    }

  chutes_image_viewer_toast (self, _("Saved"));
}

static void
save_response_cb (GtkNativeDialog   *dialog,
                  int                response,
                  ChutesImageViewer *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

  if (file != NULL)
    /* What was sent, as it was sent. */
    g_file_replace_contents_bytes_async (file, chutes_attachment_get_bytes (self->attachment),
                                         NULL, FALSE, G_FILE_CREATE_NONE, self->cancellable,
                                         saved_cb, g_object_ref (self));

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChutesImageViewer *self = CHUTES_IMAGE_VIEWER (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Save As"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog),
                                     chutes_attachment_get_name (self->attachment));
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
chutes_image_viewer_dispose (GObject *object)
{
  ChutesImageViewer *self = CHUTES_IMAGE_VIEWER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_object (&self->attachment);

  G_OBJECT_CLASS (chutes_image_viewer_parent_class)->dispose (object);
}

static void
chutes_image_viewer_class_init (ChutesImageViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_image_viewer_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-image-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, stack);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, picture);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, text_view);
  gtk_widget_class_bind_template_child (widget_class, ChutesImageViewer, error_page);

  gtk_widget_class_install_action (widget_class, "viewer.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "viewer.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "viewer.save-as", NULL);
}

static void
chutes_image_viewer_init (ChutesImageViewer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

/* The window's size: the image's, scaled down to fit within the largest
 * (aspect kept), plus the header bar. */
static void
chutes_image_viewer_set_size (ChutesImageViewer *self)
{
  int width = chutes_attachment_get_width (self->attachment);
  int height = chutes_attachment_get_height (self->attachment);

  if (!chutes_image_viewer_is_image (self) || width <= 0 || height <= 0)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 720, 560);
      return;
    }

  if (width > VIEWER_MAX_WIDTH)
    {
      height = (int) MAX (1, (gint64) height * VIEWER_MAX_WIDTH / width);
      width = VIEWER_MAX_WIDTH;
    }
  if (height > VIEWER_MAX_HEIGHT)
    {
      width = (int) MAX (1, (gint64) width * VIEWER_MAX_HEIGHT / height);
      height = VIEWER_MAX_HEIGHT;
    }

  /* 47: the header bar. */
  gtk_window_set_default_size (GTK_WINDOW (self),
                               MAX (width, VIEWER_MIN_WIDTH),
                               MAX (height, VIEWER_MIN_HEIGHT) + 47);
}

GtkWidget *
chutes_image_viewer_new (GtkWindow        *parent,
                         ChutesAttachment *attachment)
{
  ChutesImageViewer *self;
  g_autofree char *size = NULL;
  g_autofree char *subtitle = NULL;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (attachment), NULL);

  self = g_object_new (CHUTES_TYPE_IMAGE_VIEWER,
                       "transient-for", parent,
                       "title", chutes_attachment_get_name (attachment),
                       NULL);
  self->attachment = g_object_ref (attachment);

  size = g_format_size (g_bytes_get_size (chutes_attachment_get_bytes (attachment)));
  if (chutes_image_viewer_is_image (self))
    /* Translators: under an image's name in its viewer: its width and
     * height in pixels, then its size, e.g. "2048 × 1536 · 1.2 MB" */
    subtitle = g_strdup_printf (_("%d × %d · %s"),
                                chutes_attachment_get_width (attachment),
                                chutes_attachment_get_height (attachment),
                                size);
  else
    subtitle = g_steal_pointer (&size);

  /* Both are plain text (AdwWindowTitle takes no markup). */
  adw_window_title_set_title (self->window_title, chutes_attachment_get_name (attachment));
  adw_window_title_set_subtitle (self->window_title, subtitle);
  chutes_image_viewer_set_size (self);

  if (chutes_image_viewer_is_image (self))
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, decoded_cb, NULL);

      g_task_set_source_tag (task, chutes_image_viewer_new);
      g_task_set_task_data (task, g_bytes_ref (chutes_attachment_get_bytes (attachment)),
                            (GDestroyNotify) g_bytes_unref);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy", FALSE);
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      g_task_run_in_thread (task, decode_thread);
    }
  else
    chutes_image_viewer_show_text (self);

  return GTK_WIDGET (self);
}

ChutesAttachment *
chutes_image_viewer_get_attachment (ChutesImageViewer *self)
{
  g_return_val_if_fail (CHUTES_IS_IMAGE_VIEWER (self), NULL);

  return self->attachment;
}

GdkTexture *
chutes_image_viewer_get_texture (ChutesImageViewer *self)
{
  g_return_val_if_fail (CHUTES_IS_IMAGE_VIEWER (self), NULL);

  return self->texture;
}
