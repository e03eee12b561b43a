/* chutes-message-attachments.c: the images and files of a sent message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-image-viewer.h"
#include "chutes-message-attachments.h"

struct _ChutesMessageAttachments
{
  GtkWidget     parent_instance;

  GListModel   *model;
  /* Cancelled when the row is bound to another message: a thumbnail
   * decoded for the old one is dropped. */
  GCancellable *cancellable;
  guint         loading;
};

G_DEFINE_FINAL_TYPE (ChutesMessageAttachments, chutes_message_attachments, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The attachment a thumbnail or chip opens. */
static GQuark attachment_quark;

/* Thumbnails decoded lately, by the image's hash and the size: a list
 * view recycles its rows as the chat scrolls, and one that comes back
 * finds its thumbnails here instead of decoding them again. A few dozen
 * thumbnails of 240 px hold some megabytes. */
#define THUMBNAIL_CACHE_SIZE 32

static GHashTable *thumbnail_cache;   /* key → GdkTexture */
static GQueue      thumbnail_order;   /* keys, the latest used first */

static GdkTexture *
thumbnail_cache_lookup (const char *key)
{
  GList *link;

  if (thumbnail_cache == NULL)
    return NULL;

  link = g_queue_find_custom (&thumbnail_order, key, (GCompareFunc) g_strcmp0);
  if (link == NULL)
    return NULL;

  g_queue_unlink (&thumbnail_order, link);
  g_queue_push_head_link (&thumbnail_order, link);

  return g_hash_table_lookup (thumbnail_cache, key);
}

static void
thumbnail_cache_insert (const char *key,
                        GdkTexture *texture)
{
  char *owned;

  if (thumbnail_cache == NULL)
    thumbnail_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (g_hash_table_contains (thumbnail_cache, key))
    return;

  owned = g_strdup (key);
  g_hash_table_insert (thumbnail_cache, owned, g_object_ref (texture));
  g_queue_push_head (&thumbnail_order, owned);

  while (g_queue_get_length (&thumbnail_order) > THUMBNAIL_CACHE_SIZE)
    g_hash_table_remove (thumbnail_cache, g_queue_pop_tail (&thumbnail_order));
}

/* The size a thumbnail of a @width × @height image is shown at: at most
 * CHUTES_THUMBNAIL_SIZE on its long side, its aspect kept, never larger
 * than the image, and not thinner than a few pixels. */
static void
thumbnail_size (int  width,
                int  height,
                int *out_width,
                int *out_height)
{
  if (width <= 0 || height <= 0)
    {
      /* Not known (a damaged history): a 3:2 frame. */
      width = CHUTES_THUMBNAIL_SIZE;
      height = CHUTES_THUMBNAIL_SIZE * 2 / 3;
    }

  if (width > CHUTES_THUMBNAIL_SIZE || height > CHUTES_THUMBNAIL_SIZE)
    {
      if (width >= height)
        {
          height = (int) MAX (1, (gint64) height * CHUTES_THUMBNAIL_SIZE / width);
          width = CHUTES_THUMBNAIL_SIZE;
        }
      else
        {
          width = (int) MAX (1, (gint64) width * CHUTES_THUMBNAIL_SIZE / height);
          height = CHUTES_THUMBNAIL_SIZE;
        }
    }

  *out_width = MAX (width, 24);
  *out_height = MAX (height, 24);
}

typedef struct
{
  GBytes *bytes;
  int     max_side;   /* in pixels of the screen */
} ThumbnailJob;

static void
thumbnail_job_free (ThumbnailJob *job)
{
  g_bytes_unref (job->bytes);
  g_free (job);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  int max_side = GPOINTER_TO_INT (user_data);

  if (width <= max_side && height <= max_side)
    return;

  /* The JPEG loader decodes at a fraction of the size then: a 24
   * megapixel photo costs a few milliseconds, not a second. */
  if (width >= height)
    gdk_pixbuf_loader_set_size (loader, max_side, (int) MAX (1, (gint64) height * max_side / width));
  else
    gdk_pixbuf_loader_set_size (loader, (int) MAX (1, (gint64) width * max_side / height), max_side);
}

/* In a worker thread: the image decoded at the thumbnail's size. */
static void
thumbnail_decode_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  ThumbnailJob *job = task_data;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb),
                    GINT_TO_POINTER (job->max_side));

  if (!gdk_pixbuf_loader_write_bytes (loader, job->bytes, &error))
    {
      /* The loader must be closed, even when writing failed. */
      gdk_pixbuf_loader_close (loader, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!gdk_pixbuf_loader_close (loader, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "No image");
      return;
    }

  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static char *
thumbnail_key (ChutesAttachment *attachment,
               int               max_side)
{
  return g_strdup_printf ("%s@%d", chutes_attachment_get_hash (attachment), max_side);
}

static void
thumbnail_decoded_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GtkPicture *picture = GTK_PICTURE (object);
  g_autoptr(ChutesMessageAttachments) self = user_data;
  ThumbnailJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  ChutesAttachment *attachment;
  g_autofree char *key = NULL;

  if (g_task_get_cancellable (G_TASK (result)) == self->cancellable)
    self->loading--;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture == NULL)
    {
      GtkWidget *button = gtk_widget_get_parent (GTK_WIDGET (picture));

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && GTK_IS_BUTTON (button))
        {
          /* Bytes from the history that no longer decode: an icon in
           * the frame; the viewer says why. */
          GtkWidget *icon = gtk_image_new_from_icon_name ("image-missing-symbolic");
          int width, height;

          g_debug ("A thumbnail could not be made: %s", error->message);
          gtk_widget_get_size_request (GTK_WIDGET (picture), &width, &height);
          gtk_widget_set_size_request (icon, width, height);
          gtk_image_set_icon_size (GTK_IMAGE (icon), GTK_ICON_SIZE_LARGE);
          gtk_widget_add_css_class (icon, "dim-label");
          gtk_button_set_child (GTK_BUTTON (button), icon);
        }
      return;
    }

  attachment = g_object_get_qdata (object, attachment_quark);
  if (attachment == NULL)
    return;
  key = thumbnail_key (attachment, job->max_side);
  thumbnail_cache_insert (key, texture);

  if (!g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

static void
thumbnail_load (ChutesMessageAttachments *self,
                GtkWidget                *picture,
                ChutesAttachment         *attachment)
{
  int max_side = CHUTES_THUMBNAIL_SIZE * MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  g_autofree char *key = thumbnail_key (attachment, max_side);
  GdkTexture *cached = thumbnail_cache_lookup (key);
  g_autoptr(GTask) task = NULL;
  ThumbnailJob *job;

  if (cached != NULL)
    {
      gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (cached));
      return;
    }

  job = g_new0 (ThumbnailJob, 1);
  job->bytes = g_bytes_ref (chutes_attachment_get_bytes (attachment));
  job->max_side = max_side;

  g_object_set_qdata_full (G_OBJECT (picture), attachment_quark,
                           g_object_ref (attachment), g_object_unref);
  task = g_task_new (picture, self->cancellable, thumbnail_decoded_cb, g_object_ref (self));
  g_task_set_source_tag (task, thumbnail_load);
  g_task_set_task_data (task, job, (GDestroyNotify) thumbnail_job_free);
  g_task_set_return_on_cancel (task, TRUE);
  self->loading++;
  g_task_run_in_thread (task, thumbnail_decode_thread);
}

static void
open_clicked_cb (GtkButton *button)
{
  ChutesAttachment *attachment = g_object_get_qdata (G_OBJECT (button), attachment_quark);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));
  GtkWidget *viewer;

  viewer = chutes_image_viewer_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, attachment);
  gtk_window_present (GTK_WINDOW (viewer));
}

static GtkWidget *
open_button_new (ChutesAttachment *attachment,
                 const char       *css_class)
{
  GtkWidget *button = gtk_button_new ();
  /* Translators: the accessible name of an attached image or file in a
   * sent message; %s is its file name */
  g_autofree char *label = g_strdup_printf (_("Open %s"), chutes_attachment_get_name (attachment));

  gtk_widget_add_css_class (button, css_class);
  gtk_widget_set_valign (button, GTK_ALIGN_START);
  gtk_widget_set_halign (button, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_set_qdata_full (G_OBJECT (button), attachment_quark,
                           g_object_ref (attachment), g_object_unref);
  g_signal_connect (button, "clicked", G_CALLBACK (open_clicked_cb), NULL);

  return button;
}

static GtkWidget *
thumbnail_new (ChutesMessageAttachments *self,
               ChutesAttachment         *attachment)
{
  GtkWidget *button = open_button_new (attachment, "chutes-thumbnail");
  GtkWidget *picture = gtk_picture_new ();
  g_autofree char *size = g_format_size (g_bytes_get_size (chutes_attachment_get_bytes (attachment)));
  g_autofree char *tooltip = NULL;
  int width, height;

  /* Its size before it is decoded: the row does not jump when it is. */
  thumbnail_size (chutes_attachment_get_width (attachment),
                  chutes_attachment_get_height (attachment),
                  &width, &height);
  gtk_widget_set_size_request (picture, width, height);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_overflow (button, GTK_OVERFLOW_HIDDEN);
  gtk_button_set_child (GTK_BUTTON (button), picture);

  /* Translators: the tooltip of an image in a sent message: its file
   * name, width and height in pixels, and size, e.g.
   * "photo.jpg, 2048 × 1536, 1.2 MB" */
  tooltip = g_strdup_printf (_("%s, %d × %d, %s"), chutes_attachment_get_name (attachment),
                             chutes_attachment_get_width (attachment),
                             chutes_attachment_get_height (attachment), size);
  gtk_widget_set_tooltip_text (button, tooltip);

  thumbnail_load (self, picture, attachment);

  return button;
}

static GtkWidget *
chip_new (ChutesAttachment *attachment)
{
  GtkWidget *button = open_button_new (attachment, "chutes-file-chip");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  const char *content_type = chutes_attachment_get_content_type (attachment);
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *size = g_format_size (g_bytes_get_size (chutes_attachment_get_bytes (attachment)));
  GtkWidget *name_label;
  GtkWidget *size_label;
  GtkWidget *image;

  if (content_type != NULL)
    icon = g_content_type_get_symbolic_icon (content_type);
  image = icon ? gtk_image_new_from_gicon (icon) : gtk_image_new_from_icon_name ("text-x-generic-symbolic");
  gtk_image_set_icon_size (GTK_IMAGE (image), GTK_ICON_SIZE_LARGE);

  /* File names come from anywhere: shown literally. */
  name_label = gtk_label_new (chutes_attachment_get_name (attachment));
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name_label), 28);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  size_label = gtk_label_new (size);
  gtk_label_set_xalign (GTK_LABEL (size_label), 0);
  gtk_widget_add_css_class (size_label, "caption");
  gtk_widget_add_css_class (size_label, "dim-label");

  gtk_box_append (GTK_BOX (labels), name_label);
  gtk_box_append (GTK_BOX (labels), size_label);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_set_tooltip_text (button, chutes_attachment_get_name (attachment));

  return button;
}

static void
chutes_message_attachments_rebuild (ChutesMessageAttachments *self)
{
  guint n_items = self->model ? g_list_model_get_n_items (self->model) : 0;

  /* Most messages have none: a row bound to one after another costs
   * nothing more. */
  if (n_items == 0 && gtk_widget_get_first_child (GTK_WIDGET (self)) == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = 0;

  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (self->model, i);
      GtkWidget *widget;

      if (chutes_attachment_get_kind (attachment) == CHUTES_ATTACHMENT_IMAGE)
        widget = thumbnail_new (self, attachment);
      else
        widget = chip_new (attachment);

      gtk_widget_insert_before (widget, GTK_WIDGET (self), NULL);
    }

  gtk_widget_set_visible (GTK_WIDGET (self), n_items > 0);
}

/* The thumbnails and chips side by side from the start, as many as fit
 * on a line, then on the next (a flow box spreads them over its width
 * and, aligned to the start, wraps them at another width than it was
 * measured for). Each at its natural size, at most the width there is. */
#define SPACING 6

/* Walks the children as they are laid out at @width, allocating each
 * its place when @allocate. Returns the height they take. */
static int
lay_out (ChutesMessageAttachments *self,
         int                       width,
         gboolean                  allocate)
{
  int x = 0, y = 0, line_height = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_width, child_height;

      if (!gtk_widget_should_layout (child))
        continue;

      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &child_width, NULL, NULL);
      child_width = MIN (child_width, width);
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, child_width, NULL, &child_height, NULL, NULL);

      if (x > 0 && x + child_width > width)
        {
          x = 0;
          y += line_height + SPACING;
          line_height = 0;
        }

      if (allocate)
        gtk_widget_size_allocate (child,
                                  &(GtkAllocation) { x, y, child_width, child_height },
                                  -1);
      x += child_width + SPACING;
      line_height = MAX (line_height, child_height);
    }

  return y + line_height;
}

/* Their height depends on how many lines they take. */
static GtkSizeRequestMode
chutes_message_attachments_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
chutes_message_attachments_measure (GtkWidget      *widget,
                                    GtkOrientation  orientation,
                                    int             for_size,
                                    int            *minimum,
                                    int            *natural,
                                    int            *minimum_baseline,
                                    int            *natural_baseline)
{
  ChutesMessageAttachments *self = CHUTES_MESSAGE_ATTACHMENTS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int widest = 0, line = 0;

      for (GtkWidget *child = gtk_widget_get_first_child (widget);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int child_minimum, child_natural;

          if (!gtk_widget_should_layout (child))
            continue;
          gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &child_minimum, &child_natural, NULL, NULL);
          widest = MAX (widest, child_minimum);
          line += (line > 0 ? SPACING : 0) + child_natural;
        }

      *minimum = widest;
      *natural = line;
    }
  else
    {
      int width = for_size;
      int ignored;

      if (width < 0)
        chutes_message_attachments_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1,
                                            &ignored, &width, NULL, NULL);
      *minimum = *natural = lay_out (self, width, FALSE);
    }
}

static void
chutes_message_attachments_size_allocate (GtkWidget *widget,
                                          int        width,
                                          int        height,
                                          int        baseline)
{
  lay_out (CHUTES_MESSAGE_ATTACHMENTS (widget), width, TRUE);
}

static void
chutes_message_attachments_dispose (GObject *object)
{
  ChutesMessageAttachments *self = CHUTES_MESSAGE_ATTACHMENTS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (chutes_message_attachments_parent_class)->dispose (object);
}

static void
chutes_message_attachments_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  ChutesMessageAttachments *self = CHUTES_MESSAGE_ATTACHMENTS (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_attachments_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  ChutesMessageAttachments *self = CHUTES_MESSAGE_ATTACHMENTS (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      chutes_message_attachments_set_model (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_attachments_class_init (ChutesMessageAttachmentsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_message_attachments_dispose;
  object_class->get_property = chutes_message_attachments_get_property;
  object_class->set_property = chutes_message_attachments_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  attachment_quark = g_quark_from_static_string ("chutes-message-attachment");

  widget_class->get_request_mode = chutes_message_attachments_get_request_mode;
  widget_class->measure = chutes_message_attachments_measure;
  widget_class->size_allocate = chutes_message_attachments_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "messageattachments");
}

static void
chutes_message_attachments_init (ChutesMessageAttachments *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
chutes_message_attachments_new (void)
{
  return g_object_new (CHUTES_TYPE_MESSAGE_ATTACHMENTS, NULL);
}

GListModel *
chutes_message_attachments_get_model (ChutesMessageAttachments *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE_ATTACHMENTS (self), NULL);

  return self->model;
}

void
chutes_message_attachments_set_model (ChutesMessageAttachments *self,
                                      GListModel               *attachments)
{
  g_return_if_fail (CHUTES_IS_MESSAGE_ATTACHMENTS (self));
  g_return_if_fail (!attachments || G_IS_LIST_MODEL (attachments));

  if (self->model == attachments)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, attachments);
  if (self->model != NULL)
    g_signal_connect_swapped (self->model, "items-changed",
                              G_CALLBACK (chutes_message_attachments_rebuild), self);

  chutes_message_attachments_rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gboolean
chutes_message_attachments_get_loading (ChutesMessageAttachments *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE_ATTACHMENTS (self), FALSE);

  return self->loading > 0;
}
