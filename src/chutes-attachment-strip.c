/* chutes-attachment-strip.c: the attachments of the message being written
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-attachment.h"
#include "chutes-attachment-strip.h"

/* Thumbnails are decoded at twice their size on screen, for HiDPI. */
#define THUMBNAIL_SIZE 64

/* One tile: an attachment being loaded (attachment NULL, a spinner shown)
 * or loaded (a thumbnail or a chip). */
typedef struct
{
  ChutesAttachmentStrip *strip;       /* not owned */
  ChutesAttachment      *attachment;
  GCancellable          *cancellable;
  GtkWidget             *tile;        /* owned by the strip's box */
  GtkImage              *thumbnail;   /* of an image, once loaded */
  char                  *name;
} Entry;

struct _ChutesAttachmentStrip
{
  GtkWidget  parent_instance;

  GtkWidget *scroller;
  GtkWidget *box;

  GPtrArray *entries;                 /* of Entry, in the order shown */
  GListStore *attachments;            /* the loaded ones, same order */
};

G_DEFINE_FINAL_TYPE (ChutesAttachmentStrip, chutes_attachment_strip, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  LOAD_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What a load's callback gets: once @cancellable is cancelled (the tile
 * was removed, or the strip went away), @entry is not touched. */
typedef struct
{
  GCancellable *cancellable;
  Entry        *entry;
} Load;

static Load *
load_new (Entry *entry)
{
  Load *load = g_new0 (Load, 1);

  load->cancellable = g_object_ref (entry->cancellable);
  load->entry = entry;

  return load;
}

/* The entry, or NULL when the load was cancelled; frees @load. */
static Entry *
load_finish (Load *load)
{
  Entry *entry = g_cancellable_is_cancelled (load->cancellable) ? NULL : load->entry;

  g_object_unref (load->cancellable);
  g_free (load);

  return entry;
}

static void
entry_free (Entry *entry)
{
  if (entry->cancellable != NULL)
    g_cancellable_cancel (entry->cancellable);
  g_clear_object (&entry->cancellable);
  g_clear_object (&entry->attachment);
  g_clear_pointer (&entry->name, g_free);
  g_free (entry);
}

static guint
chutes_attachment_strip_count_loading (ChutesAttachmentStrip *self)
{
  guint n = 0;

  for (guint i = 0; i < self->entries->len; i++)
    if (((Entry *)g_ptr_array_index (self->entries, i))->attachment == NULL)
      n++;

  return n;
}

static void
chutes_attachment_strip_update (ChutesAttachmentStrip *self,
                                gboolean               was_loading)
{
  gtk_widget_set_visible (GTK_WIDGET (self), self->entries->len > 0);

  if (was_loading != chutes_attachment_strip_get_loading (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Where @entry's attachment goes in the list of loaded ones. */
static guint
chutes_attachment_strip_position (ChutesAttachmentStrip *self,
                                  Entry                 *entry)
{
  guint position = 0;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *other = g_ptr_array_index (self->entries, i);

      if (other == entry)
        break;
      if (other->attachment != NULL)
        position++;
    }

  return position;
}

static void
chutes_attachment_strip_remove_entry (ChutesAttachmentStrip *self,
                                      Entry                 *entry)
{
  gboolean was_loading = chutes_attachment_strip_get_loading (self);
  GtkWidget *next_focus = NULL;
  guint index;

  if (!g_ptr_array_find (self->entries, entry, &index))
    return;

  /* Removing by keyboard leaves the focus on the tile beside it. */
  if (gtk_widget_get_focus_child (self->box) == entry->tile)
    {
      next_focus = gtk_widget_get_next_sibling (entry->tile);
      if (next_focus == NULL)
        next_focus = gtk_widget_get_prev_sibling (entry->tile);
    }

  if (entry->attachment != NULL)
    g_list_store_remove (self->attachments, chutes_attachment_strip_position (self, entry));

  gtk_box_remove (GTK_BOX (self->box), entry->tile);
  g_ptr_array_remove_index (self->entries, index);

  if (next_focus != NULL)
    gtk_widget_child_focus (next_focus, GTK_DIR_TAB_FORWARD);

  chutes_attachment_strip_update (self, was_loading);
}

static void
remove_clicked_cb (GtkButton *button,
                   Entry     *entry)
{
  chutes_attachment_strip_remove_entry (entry->strip, entry);
}

/* Delete or BackSpace on a tile's button removes it too. */
static gboolean
tile_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     Entry                 *entry)
{
  if (keyval != GDK_KEY_Delete && keyval != GDK_KEY_KP_Delete && keyval != GDK_KEY_BackSpace)
    return GDK_EVENT_PROPAGATE;

  chutes_attachment_strip_remove_entry (entry->strip, entry);
  return GDK_EVENT_STOP;
}

static GtkWidget *
chutes_attachment_strip_new_remove_button (Entry *entry)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");
  /* Translators: accessible name of the button that removes an attachment; %s is its file name */
  g_autofree char *label = g_strdup_printf (_("Remove %s"), entry->name);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_set_valign (button, GTK_ALIGN_START);
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_add_css_class (button, "osd");
  gtk_widget_add_css_class (button, "chutes-attachment-remove");
  g_signal_connect (button, "clicked", G_CALLBACK (remove_clicked_cb), entry);

  return button;
}

/* The content of a tile goes in @entry->tile, a GtkOverlay with the
 * remove button on top. */
static void
chutes_attachment_strip_set_tile_content (Entry     *entry,
                                          GtkWidget *content)
{
  gtk_overlay_set_child (GTK_OVERLAY (entry->tile), content);
}

static GtkWidget *
chutes_attachment_strip_new_spinner (Entry *entry)
{
  GtkWidget *spinner = gtk_spinner_new ();
  /* Translators: accessible name of an attachment being read; %s is its file name */
  g_autofree char *label = g_strdup_printf (_("Loading %s"), entry->name);

  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (spinner, 24, 24);
  gtk_widget_set_tooltip_text (spinner, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  return spinner;
}

/* A square: the middle of the image, scaled (chutes_attachment_strip_show_loaded). */
static GtkWidget *
chutes_attachment_strip_new_thumbnail (Entry *entry)
{
  GtkWidget *picture = gtk_image_new ();
  int width = chutes_attachment_get_width (entry->attachment);
  int height = chutes_attachment_get_height (entry->attachment);
  /* Translators: tooltip of an attached image: its name, width and height in pixels */
  g_autofree char *tooltip = g_strdup_printf (_("%s (%d × %d)"), entry->name, width, height);

  gtk_image_set_pixel_size (GTK_IMAGE (picture), THUMBNAIL_SIZE);
  gtk_widget_set_tooltip_text (picture, tooltip);
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (picture, "chutes-attachment-thumbnail");
  gtk_accessible_update_property (GTK_ACCESSIBLE (picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, entry->name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip,
                                  -1);
  entry->thumbnail = GTK_IMAGE (picture);

  return picture;
}

static GtkWidget *
chutes_attachment_strip_new_chip (Entry *entry)
{
  GtkWidget *chip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *icon = gtk_image_new_from_icon_name ("text-x-generic-symbolic");
  GtkWidget *name = gtk_label_new (entry->name);
  g_autofree char *size_text = g_format_size (g_bytes_get_size (chutes_attachment_get_bytes (entry->attachment)));
  GtkWidget *size = gtk_label_new (size_text);
  /* Translators: accessible name of an attached text file: its name and size, e.g. "main.c, 2.1 kB" */
  g_autofree char *label = g_strdup_printf (_("%s, %s"), entry->name, size_text);

  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_image_set_icon_size (GTK_IMAGE (icon), GTK_ICON_SIZE_LARGE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 18);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (size), 0);
  gtk_widget_add_css_class (size, "dim-label");
  gtk_widget_add_css_class (size, "caption");
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), size);
  gtk_box_append (GTK_BOX (chip), icon);
  gtk_box_append (GTK_BOX (chip), labels);
  gtk_widget_add_css_class (chip, "chutes-attachment-chip");
  gtk_widget_set_tooltip_text (chip, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  return chip;
}

/* The thumbnail, decoded small in a worker thread. */
static void
decode_thumbnail_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (task_data);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  int side = THUMBNAIL_SIZE * 2;
  int width, height, short_side;
  GdkPixbuf *square;

  pixbuf = gdk_pixbuf_new_from_stream (stream, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The middle square, as GNOME's image thumbnails show it. */
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  short_side = MAX (1, MIN (width, height));
  square = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, side, side);
  gdk_pixbuf_fill (square, 0);
  gdk_pixbuf_composite (pixbuf, square, 0, 0, side, side,
                        -(width - short_side) / 2.0 * side / short_side,
                        -(height - short_side) / 2.0 * side / short_side,
                        (double) side / short_side, (double) side / short_side,
                        GDK_INTERP_BILINEAR, 255);
  g_task_return_pointer (task, square, g_object_unref);
}

static void
decode_thumbnail_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Entry *entry = load_finish (user_data);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  if (entry == NULL)
    return;
  if (pixbuf == NULL)
    {
      /* The tile keeps its name; the image itself was read fine. */
      g_debug ("No thumbnail for an attachment: %s", error->message);
      return;
    }

  texture = gdk_texture_new_for_pixbuf (pixbuf);
  gtk_image_set_from_paintable (entry->thumbnail, GDK_PAINTABLE (texture));
}

static void
chutes_attachment_strip_show_loaded (ChutesAttachmentStrip *self,
                                     Entry                 *entry)
{
  if (chutes_attachment_get_kind (entry->attachment) == CHUTES_ATTACHMENT_IMAGE)
    {
      g_autoptr(GTask) task = NULL;

      chutes_attachment_strip_set_tile_content (entry, chutes_attachment_strip_new_thumbnail (entry));
      gtk_widget_add_css_class (entry->tile, "image");

      g_clear_object (&entry->cancellable);
      entry->cancellable = g_cancellable_new ();
      task = g_task_new (NULL, entry->cancellable, decode_thumbnail_cb, load_new (entry));
      g_task_set_source_tag (task, chutes_attachment_strip_show_loaded);
      g_task_set_task_data (task, g_bytes_ref (chutes_attachment_get_bytes (entry->attachment)),
                            (GDestroyNotify) g_bytes_unref);
      g_task_run_in_thread (task, decode_thumbnail_thread);
    }
  else
    {
      chutes_attachment_strip_set_tile_content (entry, chutes_attachment_strip_new_chip (entry));
      gtk_widget_add_css_class (entry->tile, "text");
    }

  gtk_widget_remove_css_class (entry->tile, "loading");
}

static Entry *
chutes_attachment_strip_add_entry (ChutesAttachmentStrip *self,
                                   const char            *name,
                                   ChutesAttachment      *attachment)
{
  gboolean was_loading = chutes_attachment_strip_get_loading (self);
  Entry *entry = g_new0 (Entry, 1);
  GtkEventController *controller;

  entry->strip = self;
  entry->name = g_strdup (name);
  entry->tile = gtk_overlay_new ();
  gtk_widget_add_css_class (entry->tile, "chutes-attachment-tile");
  gtk_widget_set_overflow (entry->tile, GTK_OVERFLOW_HIDDEN);
  gtk_overlay_add_overlay (GTK_OVERLAY (entry->tile), chutes_attachment_strip_new_remove_button (entry));

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (tile_key_pressed_cb), entry);
  gtk_widget_add_controller (entry->tile, controller);

  g_ptr_array_add (self->entries, entry);
  gtk_box_append (GTK_BOX (self->box), entry->tile);

  if (attachment != NULL)
    {
      entry->attachment = g_object_ref (attachment);
      g_list_store_append (self->attachments, attachment);
      chutes_attachment_strip_show_loaded (self, entry);
    }
  else
    {
      entry->cancellable = g_cancellable_new ();
      gtk_widget_add_css_class (entry->tile, "loading");
      chutes_attachment_strip_set_tile_content (entry, chutes_attachment_strip_new_spinner (entry));
    }

  chutes_attachment_strip_update (self, was_loading);

  return entry;
}

static void
chutes_attachment_strip_loaded (ChutesAttachmentStrip *self,
                                Entry                 *entry,
                                ChutesAttachment      *attachment,
                                GError                *error)
{
  gboolean was_loading = chutes_attachment_strip_get_loading (self);

  if (attachment == NULL)
    {
      chutes_attachment_strip_remove_entry (self, entry);
      g_signal_emit (self, signals[LOAD_FAILED], 0, error->message);
      return;
    }

  entry->attachment = g_object_ref (attachment);
  g_list_store_insert (self->attachments, chutes_attachment_strip_position (self, entry), attachment);
  chutes_attachment_strip_show_loaded (self, entry);
  chutes_attachment_strip_update (self, was_loading);
}

/* A load that finishes after its tile was removed (or the strip went
 * away) was cancelled: nothing of the entry is touched then. */
static void
new_from_file_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Entry *entry = load_finish (user_data);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;

  attachment = chutes_attachment_new_from_file_finish (result, &error);
  if (entry == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  chutes_attachment_strip_loaded (entry->strip, entry, attachment, error);
}

static void
new_from_bytes_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Entry *entry = load_finish (user_data);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;

  attachment = chutes_attachment_new_from_bytes_finish (result, &error);
  if (entry == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  chutes_attachment_strip_loaded (entry->strip, entry, attachment, error);
}

void
chutes_attachment_strip_add_file (ChutesAttachmentStrip *self,
                                  GFile                 *file)
{
  g_autofree char *basename = NULL;
  Entry *entry;

  g_return_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (G_IS_FILE (file));

  basename = g_file_get_basename (file);
  entry = chutes_attachment_strip_add_entry (self, basename ? basename : "", NULL);
  chutes_attachment_new_from_file_async (file, entry->cancellable, new_from_file_cb, load_new (entry));
}

void
chutes_attachment_strip_add_bytes (ChutesAttachmentStrip *self,
                                   GBytes                *bytes,
                                   const char            *name,
                                   const char            *content_type)
{
  Entry *entry;

  g_return_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (name != NULL);

  entry = chutes_attachment_strip_add_entry (self, name, NULL);
  chutes_attachment_new_from_bytes_async (bytes, name, content_type, entry->cancellable,
                                          new_from_bytes_cb, load_new (entry));
}

/* A big texture takes a while to encode: in a worker thread too (a
 * texture is immutable, so that is safe). */
static void
save_texture_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_task_return_pointer (task, gdk_texture_save_to_png_bytes (task_data),
                         (GDestroyNotify) g_bytes_unref);
}

static void
save_texture_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Entry *entry = load_finish (user_data);
  g_autoptr(GBytes) bytes = g_task_propagate_pointer (G_TASK (result), NULL);

  if (entry == NULL || bytes == NULL)
    return;

  chutes_attachment_new_from_bytes_async (bytes, entry->name, "image/png", entry->cancellable,
                                          new_from_bytes_cb, load_new (entry));
}

void
chutes_attachment_strip_add_texture (ChutesAttachmentStrip *self,
                                     GdkTexture            *texture,
                                     const char            *name)
{
  g_autoptr(GTask) task = NULL;
  Entry *entry;

  g_return_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));
  g_return_if_fail (name != NULL);

  entry = chutes_attachment_strip_add_entry (self, name, NULL);
  task = g_task_new (NULL, entry->cancellable, save_texture_cb, load_new (entry));
  g_task_set_source_tag (task, chutes_attachment_strip_add_texture);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (task, save_texture_thread);
}

void
chutes_attachment_strip_clear (ChutesAttachmentStrip *self)
{
  g_return_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self));

  chutes_attachment_strip_set_attachments (self, NULL);
}

void
chutes_attachment_strip_set_attachments (ChutesAttachmentStrip *self,
                                         GListModel            *attachments)
{
  gboolean was_loading;
  guint n;

  g_return_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self));
  g_return_if_fail (attachments == NULL || G_IS_LIST_MODEL (attachments));

  was_loading = chutes_attachment_strip_get_loading (self);

  for (GtkWidget *child; (child = gtk_widget_get_first_child (self->box));)
    gtk_box_remove (GTK_BOX (self->box), child);
  g_ptr_array_set_size (self->entries, 0);
  g_list_store_remove_all (self->attachments);

  n = attachments != NULL ? g_list_model_get_n_items (attachments) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);

      chutes_attachment_strip_add_entry (self, chutes_attachment_get_name (attachment), attachment);
    }

  chutes_attachment_strip_update (self, was_loading);
}

GListModel *
chutes_attachment_strip_get_attachments (ChutesAttachmentStrip *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self), NULL);

  return G_LIST_MODEL (self->attachments);
}

GListModel *
chutes_attachment_strip_dup_attachments (ChutesAttachmentStrip *self)
{
  GListStore *copy;

  g_return_val_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self), NULL);

  copy = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->attachments)); i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (G_LIST_MODEL (self->attachments), i);

      g_list_store_append (copy, attachment);
    }

  return G_LIST_MODEL (copy);
}

gboolean
chutes_attachment_strip_get_loading (ChutesAttachmentStrip *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT_STRIP (self), FALSE);

  return chutes_attachment_strip_count_loading (self) > 0;
}

static void
chutes_attachment_strip_dispose (GObject *object)
{
  ChutesAttachmentStrip *self = CHUTES_ATTACHMENT_STRIP (object);

  /* Cancels what is loading: their callbacks then touch nothing. */
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_object (&self->attachments);

  G_OBJECT_CLASS (chutes_attachment_strip_parent_class)->dispose (object);
}

static void
chutes_attachment_strip_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  ChutesAttachmentStrip *self = CHUTES_ATTACHMENT_STRIP (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, chutes_attachment_strip_get_loading (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_attachment_strip_class_init (ChutesAttachmentStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_attachment_strip_dispose;
  object_class->get_property = chutes_attachment_strip_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* An attachment could not be read: the sentence says which and why. */
  signals[LOAD_FAILED] =
    g_signal_new ("load-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "attachmentstrip");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chutes_attachment_strip_init (ChutesAttachmentStrip *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->attachments = g_list_store_new (CHUTES_TYPE_ATTACHMENT);

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_add_css_class (self->box, "chutes-attachment-box");
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (self->scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), self->box);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Attachments"), -1);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
chutes_attachment_strip_new (void)
{
  return g_object_new (CHUTES_TYPE_ATTACHMENT_STRIP, NULL);
}
