/* chutes-chat-page.c: the conversation view, composer and model picker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-attachment.h"
#include "chutes-attachment-strip.h"
#include "chutes-chat-page.h"
#include "chutes-chat-settings-popover.h"
#include "chutes-message-row.h"
#include "chutes-model-info.h"
#include "chutes-model-picker.h"
#include "chutes-markdown-view.h"
#include "chutes-stack-a11y.h"
#include "chutes-tail-model.h"

/* Within this many pixels of the end, the list follows a growing reply. */
#define STICK_TO_BOTTOM_SLACK 48.0

/* An opened conversation shows its last INITIAL_MESSAGES, and
 * MORE_MESSAGES earlier ones each time the person scrolls to within a page
 * of the top (see chutes-tail-model.c for why). */
#define INITIAL_MESSAGES 12
#define MORE_MESSAGES 2

struct _ChutesChatPage
{
  GtkWidget           parent_instance;

  ChutesAccount      *account;
  ChutesGateway      *gateway;
  ChutesHistory      *history;
  GSettings          *settings;

  ChutesConversation *conversation;
  ChutesTailModel    *shown_messages;
  GListModel         *models;
  GCancellable       *models_cancellable;

  GtkScrolledWindow  *scroller;
  GtkListView        *message_list;
  AdwStatusPage      *empty_status;
  GtkLabel           *models_error_label;
  GtkTextView        *composer;
  GtkLabel           *placeholder_label;
  GtkStack           *send_stack;
  ChutesModelPicker  *model_picker;
  GtkLabel           *status_label;
  GtkLabel           *announcement_label;
  GtkRevealer        *edit_revealer;
  GtkMenuButton      *settings_button;
  ChutesAttachmentStrip *attachment_strip;
  GtkLabel           *attachment_error_label;
  GtkWidget          *drop_hint;

  ChutesMessage      *editing;
  /* The last attachment that could not be read, until the next one is. */
  char               *load_error;

  guint               follow_tick;
  guint               show_more_id;
  guint               settled_frames;
  double              last_value;

  guint               stick_to_bottom : 1;
  /* The history changed elsewhere while the chat was busy: read it again
   * once idle (see chutes_chat_page_reload()). */
  guint               reload_pending : 1;
  guint               auto_scrolling : 1;
  guint               models_loading : 1;
  guint               watching_window : 1;
};

G_DEFINE_FINAL_TYPE (ChutesChatPage, chutes_chat_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_GATEWAY,
  PROP_HISTORY,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void chutes_chat_page_load_models (ChutesChatPage *self);
static void chutes_chat_page_follow      (ChutesChatPage *self);
static void chutes_chat_page_reload_if_pending (ChutesChatPage *self);

/* What the composer holds, without the spaces around it. */
static char *
chutes_chat_page_dup_composer_text (ChutesChatPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static gboolean
chutes_chat_page_composer_is_empty (ChutesChatPage *self)
{
  g_autofree char *text = chutes_chat_page_dup_composer_text (self);

  return *text == '\0';
}

static void
chutes_chat_page_update_actions (ChutesChatPage *self)
{
  gboolean busy = self->conversation && chutes_conversation_get_busy (self->conversation);
  gboolean has_model = self->conversation && chutes_conversation_get_model (self->conversation);
  gboolean empty = chutes_chat_page_composer_is_empty (self);
  gboolean attached = g_list_model_get_n_items (chutes_attachment_strip_get_attachments (self->attachment_strip)) > 0;
  gboolean loading = chutes_attachment_strip_get_loading (self->attachment_strip);

  /* A message may be images alone; it waits for what is still loading. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send",
                                 !busy && has_model && (!empty || attached) && !loading);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.stop", busy);
  gtk_stack_set_visible_child_name (self->send_stack, busy ? "stop" : "send");
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), empty);
}

static void
chutes_chat_page_update_empty (ChutesChatPage *self)
{
  guint n = self->conversation
    ? g_list_model_get_n_items (chutes_conversation_get_messages (self->conversation)) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_status), n == 0);
}

static void
chutes_chat_page_update_status (ChutesChatPage *self)
{
  gint64 remaining = -1;
  g_autofree char *total = NULL;
  g_autofree char *quota = NULL;
  g_autofree char *text = NULL;

  if (self->conversation != NULL)
    {
      g_object_get (self->conversation, "quota-remaining", &remaining, NULL);
      total = chutes_money_format (chutes_conversation_get_cost (self->conversation));
    }

  if (remaining >= 0)
    {
      g_autofree char *number = g_strdup_printf ("%'" G_GINT64_FORMAT, remaining);
      /* Translators: %s is the number of requests the account's quota still allows */
      quota = g_strdup_printf (_("Quota left: %s"), number);
    }

  if (total != NULL)
    {
      /* Translators: what the replies of this chat cost together, e.g. "Chat: $0.0042" */
      g_autofree char *chat = g_strdup_printf (_("Chat: %s"), total);

      /* Translators: the chat's cost, then the quota left */
      text = quota != NULL ? g_strdup_printf (_("%s · %s"), chat, quota) : g_steal_pointer (&chat);
    }
  else
    text = g_steal_pointer (&quota);

  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label),
                               total != NULL ? _("What the replies of this chat cost, at the prices of when they were sent") : NULL);
}

/* The reply a finished turn ended with, and the short name of its model,
 * or NULL when there is nothing to tell: the turn was cancelled or the
 * person stopped the reply. */
static ChutesMessage *
chutes_chat_page_dup_finished_reply (ChutesChatPage  *self,
                                     const GError    *error,
                                     const char     **model)
{
  GListModel *messages = chutes_conversation_get_messages (self->conversation);
  guint n_items = g_list_model_get_n_items (messages);
  g_autoptr(ChutesMessage) last = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || n_items == 0)
    return NULL;

  last = g_list_model_get_item (messages, n_items - 1);
  if (chutes_message_get_status (last) == CHUTES_MESSAGE_STATUS_STOPPED)
    return NULL;

  *model = chutes_message_get_model (last);
  if (*model != NULL && strrchr (*model, '/') != NULL)
    *model = strrchr (*model, '/') + 1;
  if (*model == NULL)
    *model = _("Chutes");

  return g_steal_pointer (&last);
}

/* A desktop notification when a reply finishes while the window is not
 * focused; it goes away once the window is focused again. */
static void
chutes_chat_page_notify_finished (ChutesChatPage *self,
                                  const GError   *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *application = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(ChutesMessage) last = NULL;
  const char *content;
  const char *model = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  if (application == NULL || gtk_window_is_active (GTK_WINDOW (root)))
    return;

  last = chutes_chat_page_dup_finished_reply (self, error, &model);
  if (last == NULL)
    return;

  if (error != NULL)
    {
      title = g_strdup (_("The reply failed"));
      body = g_strdup (error->message);
    }
  else
    {
      content = chutes_message_get_content (last);
      title = g_strdup_printf (_("Reply from %s"), model);
      body = g_utf8_substring (content ? content : "", 0, MIN (g_utf8_strlen (content ? content : "", -1), 140));
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (G_APPLICATION (application), "reply-finished", notification);
}

/* Says @text to screen readers without moving the focus. GTK 4.14 has
 * announcements. GTK 4.8 has none, and Orca ignores text changes of objects
 * that do not have focus; it does speak a new description of the focused
 * object. So @text also goes into a hidden status object (Orca reads it with
 * its status bar command) and, while the composer has focus, into the
 * composer's description until focus leaves it. Each is emptied first so
 * that the same sentence twice is said twice. */
static void
chutes_chat_page_announce (ChutesChatPage *self,
                           const char     *text)
{
  gtk_label_set_text (self->announcement_label, "");
  gtk_label_set_text (self->announcement_label, text);
#if GTK_CHECK_VERSION (4, 14, 0)
  /* Newer than the API meson.build pins (GDK_VERSION_MAX_ALLOWED). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_accessible_announce (GTK_ACCESSIBLE (self), text, GTK_ACCESSIBLE_ANNOUNCEMENT_PRIORITY_MEDIUM);
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  if (gtk_widget_has_focus (GTK_WIDGET (self->composer)))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->composer),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "", -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->composer),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
    }
#endif
}

#if !GTK_CHECK_VERSION (4, 14, 0)
static void
composer_focus_cb (ChutesChatPage *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self->composer)))
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->composer),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    _("Enter sends the message, Shift+Enter starts a new line"),
                                    -1);
}
#endif

static void
chutes_chat_page_announce_finished (ChutesChatPage *self,
                                    const GError   *error)
{
  g_autoptr(ChutesMessage) last = NULL;
  const char *model = NULL;
  g_autofree char *text = NULL;

  last = chutes_chat_page_dup_finished_reply (self, error, &model);
  if (last == NULL)
    return;

  if (error != NULL)
    text = g_strdup (_("The reply failed"));
  else
    /* Translators: said by screen readers; %s is the name of a model */
    text = g_strdup_printf (_("Reply from %s finished"), model);

  chutes_chat_page_announce (self, text);
}

/* Attachments ------------------------------------------------------------- */

/* Whether the model of the chat can take the attachments with @text. */
static gboolean
chutes_chat_page_check_attachments (ChutesChatPage  *self,
                                    const char      *text,
                                    GError         **error)
{
  GListModel *attachments = chutes_attachment_strip_get_attachments (self->attachment_strip);
  g_autoptr(ChutesModelInfo) model = NULL;

  if (g_list_model_get_n_items (attachments) == 0 || self->conversation == NULL)
    return TRUE;

  model = chutes_model_info_find (self->models, chutes_conversation_get_model (self->conversation));
  return chutes_attachments_check_model (attachments, text, model, error);
}

/* The sentences under the strip: why the attachments cannot go to this
 * model, and the last one that could not be read. Said once when they
 * change. */
static void
chutes_chat_page_update_attachment_notice (ChutesChatPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = chutes_chat_page_dup_composer_text (self);
  g_autofree char *both = NULL;
  const char *notice = self->load_error;

  if (!chutes_chat_page_check_attachments (self, text, &error))
    notice = self->load_error != NULL
      ? (both = g_strconcat (error->message, "\n", self->load_error, NULL))
      : error->message;

  if (notice != NULL && g_strcmp0 (notice, gtk_label_get_text (self->attachment_error_label)) != 0)
    chutes_chat_page_announce (self, notice);

  gtk_label_set_text (self->attachment_error_label, notice != NULL ? notice : "");
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_error_label), notice != NULL);
}

static void
attachments_changed_cb (ChutesChatPage *self,
                        guint           position,
                        guint           removed,
                        guint           added)
{
  /* One that could be read, or one fewer: the old failure is old news. */
  if (added > 0 || removed > 0)
    g_clear_pointer (&self->load_error, g_free);

  chutes_chat_page_update_attachment_notice (self);
  chutes_chat_page_update_actions (self);
}

static void
attachment_failed_cb (ChutesChatPage *self,
                      const char     *message)
{
  g_free (self->load_error);
  self->load_error = g_strdup (message);
  chutes_chat_page_update_attachment_notice (self);
}

void
chutes_chat_page_attach_files (ChutesChatPage  *self,
                               GFile          **files,
                               guint            n_files)
{
  g_return_if_fail (CHUTES_IS_CHAT_PAGE (self));
  g_return_if_fail (files != NULL || n_files == 0);

  for (guint i = 0; i < n_files; i++)
    chutes_attachment_strip_add_file (self->attachment_strip, files[i]);
}

static void
chutes_chat_page_attach_file_list (ChutesChatPage *self,
                                   GSList         *files)
{
  for (GSList *l = files; l != NULL; l = l->next)
    chutes_attachment_strip_add_file (self->attachment_strip, l->data);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     ChutesChatPage  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          chutes_attachment_strip_add_file (self->attachment_strip, file);
        }
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

/* The file chooser portal inside Flatpak, GTK's own dialog outside. */
static void
attach_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Attach"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Pasting: an image or files on the clipboard are attached, text is
 * pasted as text. */

static const char * const image_mime_types[] = {
  "image/png", "image/jpeg", "image/webp", "image/gif", NULL
};

typedef struct
{
  ChutesChatPage *self;
  GdkClipboard   *clipboard;
  char           *mime_type;
} PasteData;

static void
paste_data_free (PasteData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->clipboard);
  g_free (data->mime_type);
  g_free (data);
}

/* Files copied in a file manager are attached; a list of web addresses
 * (no local file among them) is pasted as the text it is. */
static void
chutes_chat_page_paste_files (ChutesChatPage *self,
                              GdkClipboard   *clipboard,
                              GSList         *files)
{
  gboolean local = FALSE;

  for (GSList *l = files; l != NULL; l = l->next)
    local |= g_file_is_native (l->data);

  if (local)
    chutes_chat_page_attach_file_list (self, files);
  else
    gtk_text_buffer_paste_clipboard (gtk_text_view_get_buffer (self->composer),
                                     clipboard, NULL, TRUE);
}

/* A text/uri-list read as it is: GTK 4.8 may hand it to the file
 * transfer portal, which refuses lists that did not come through it. */
static void
chutes_chat_page_paste_uri_list (ChutesChatPage *self,
                                 GdkClipboard   *clipboard,
                                 GBytes         *bytes)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_auto(GStrv) uris = g_uri_list_extract_uris (text);
  GSList *files = NULL;

  for (guint i = 0; uris[i] != NULL; i++)
    files = g_slist_prepend (files, g_file_new_for_uri (uris[i]));
  files = g_slist_reverse (files);

  chutes_chat_page_paste_files (self, clipboard, files);
  g_slist_free_full (files, g_object_unref);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PasteData, paste_data_free)

static void
paste_splice_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PasteData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;
  const char *extension;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (object), result, &error) < 0)
    {
      g_debug ("Could not read the pasted %s: %s", data->mime_type, error->message);
      attachment_failed_cb (data->self, _("Could not read the pasted image."));
      return;
    }

  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (object));
  if (g_str_equal (data->mime_type, "text/uri-list"))
    {
      chutes_chat_page_paste_uri_list (data->self, data->clipboard, bytes);
      return;
    }

  extension = strchr (data->mime_type, '/') + 1;
  if (g_str_equal (extension, "jpeg"))
    extension = "jpg";
  /* Translators: the name of an image pasted from the clipboard; %s is its extension, "png" */
  name = g_strdup_printf (_("Pasted image.%s"), extension);
  chutes_attachment_strip_add_bytes (data->self->attachment_strip, bytes, name, data->mime_type);
}

static void
paste_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PasteData) data = user_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GError) error = NULL;
  const char *mime_type = NULL;

  stream = gdk_clipboard_read_finish (GDK_CLIPBOARD (object), result, &mime_type, &error);
  if (stream == NULL)
    {
      g_debug ("Could not paste an image: %s", error->message);
      attachment_failed_cb (data->self, _("Could not read the pasted image."));
      return;
    }

  data->mime_type = g_strdup (mime_type);
  memory = g_memory_output_stream_new_resizable ();
  g_output_stream_splice_async (memory, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, paste_splice_cb, g_steal_pointer (&data));
}

static void
paste_texture_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChutesChatPage) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf (_("Pasted image.%s"), "png");

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error);
  if (texture == NULL)
    {
      g_debug ("Could not paste an image: %s", error->message);
      attachment_failed_cb (self, _("Could not read the pasted image."));
      return;
    }

  chutes_attachment_strip_add_texture (self->attachment_strip, texture, name);
}

/* Files from this process or the portal. */
static void
paste_files_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChutesChatPage) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;
  GSList *files = NULL;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    g_debug ("Could not read the files on the clipboard: %s", error->message);
  if (value != NULL && G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    files = gdk_file_list_get_files (g_value_get_boxed (value));

  chutes_chat_page_paste_files (self, GDK_CLIPBOARD (object), files);
  g_slist_free (files);
}

static gboolean
formats_contain_image (GdkContentFormats *formats)
{
  for (guint i = 0; image_mime_types[i] != NULL; i++)
    if (gdk_content_formats_contain_mime_type (formats, image_mime_types[i]))
      return TRUE;

  return FALSE;
}

static void
composer_paste_cb (ChutesChatPage *self,
                   GtkTextView    *composer)
{
  static const char * const uri_list[] = { "text/uri-list", NULL };
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (composer));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);
  /* An image from a browser also comes as HTML: the image it is. */
  gboolean image = formats_contain_image (formats);

  if (image || gdk_content_formats_contain_mime_type (formats, "text/uri-list"))
    {
      PasteData *data = g_new0 (PasteData, 1);

      data->self = g_object_ref (self);
      data->clipboard = g_object_ref (clipboard);
      gdk_clipboard_read_async (clipboard, (const char **) (image ? image_mime_types : uri_list),
                                G_PRIORITY_DEFAULT, NULL, paste_read_cb, data);
    }
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, NULL, paste_texture_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (self));
  else
    return;

  g_signal_stop_emission_by_name (composer, "paste-clipboard");
}

/* Dropping files or an image anywhere on the page. */

/* The hint takes the place of the empty chat's status, rather than
 * covering part of it. */
static void
chutes_chat_page_show_drop_hint (ChutesChatPage *self,
                                 gboolean        shown)
{
  gtk_widget_set_visible (self->drop_hint, shown);
  gtk_widget_set_opacity (GTK_WIDGET (self->empty_status), shown ? 0.0 : 1.0);
}

static GdkDragAction
drop_enter_cb (ChutesChatPage *self,
               double          x,
               double          y,
               GtkDropTarget  *target)
{
  chutes_chat_page_show_drop_hint (self, TRUE);
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (ChutesChatPage *self,
               GtkDropTarget  *target)
{
  chutes_chat_page_show_drop_hint (self, FALSE);
}

static gboolean
drop_cb (ChutesChatPage *self,
         const GValue   *value,
         double          x,
         double          y,
         GtkDropTarget  *target)
{
  chutes_chat_page_show_drop_hint (self, FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));

      chutes_chat_page_attach_file_list (self, files);
      g_slist_free (files);
    }
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    /* Translators: the name of an image dropped on the chat (not a file) */
    chutes_attachment_strip_add_texture (self->attachment_strip, g_value_get_object (value),
                                         _("Dropped image.png"));
  else
    return FALSE;

  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
  return TRUE;
}

static void
chutes_chat_page_init_attachments (ChutesChatPage *self)
{
  GtkDropTarget *target;
  GType types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE };

  g_signal_connect_object (chutes_attachment_strip_get_attachments (self->attachment_strip),
                           "items-changed", G_CALLBACK (attachments_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attachment_strip, "notify::loading",
                           G_CALLBACK (chutes_chat_page_update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->attachment_strip, "load-failed",
                           G_CALLBACK (attachment_failed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->composer, "paste-clipboard",
                           G_CALLBACK (composer_paste_cb), self, G_CONNECT_SWAPPED);

  /* Before the composer's own target, which would take a file as text. */
  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (target), GTK_PHASE_CAPTURE);
  g_signal_connect_object (target, "enter", G_CALLBACK (drop_enter_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "leave", G_CALLBACK (drop_leave_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}

static void
window_active_cb (ChutesChatPage *self,
                  GParamSpec     *pspec,
                  GtkWindow      *window)
{
  GtkApplication *application = gtk_window_get_application (window);

  if (application != NULL && gtk_window_is_active (window))
    g_application_withdraw_notification (G_APPLICATION (application), "reply-finished");
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ChutesChatPage) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The failed message itself shows what went wrong, partial text kept. */
  if (!chutes_conversation_turn_finish (CHUTES_CONVERSATION (object), result, &error))
    g_debug ("Reply failed: %s", error->message);

  chutes_chat_page_announce_finished (self, error);
  chutes_chat_page_notify_finished (self, error);
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (widget);
  g_autofree char *text = NULL;
  g_autoptr(GListModel) attachments = NULL;
  g_autoptr(GError) error = NULL;

  if (self->conversation == NULL ||
      chutes_conversation_get_busy (self->conversation) ||
      chutes_conversation_get_model (self->conversation) == NULL ||
      chutes_attachment_strip_get_loading (self->attachment_strip))
    return;

  text = chutes_chat_page_dup_composer_text (self);
  attachments = chutes_attachment_strip_dup_attachments (self->attachment_strip);
  if (*text == '\0' && g_list_model_get_n_items (attachments) == 0)
    return;

  /* Refused before anything is sent: the text and the attachments stay. */
  if (!chutes_chat_page_check_attachments (self, text, &error))
    {
      gtk_label_set_text (self->attachment_error_label, "");
      chutes_chat_page_update_attachment_notice (self);
      gtk_widget_error_bell (widget);
      return;
    }

  if (g_list_model_get_n_items (attachments) == 0)
    g_clear_object (&attachments);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", 0);
  chutes_attachment_strip_clear (self->attachment_strip);
  self->stick_to_bottom = TRUE;
  chutes_chat_page_follow (self);

  if (self->editing != NULL)
    {
      g_autoptr(ChutesMessage) editing = g_steal_pointer (&self->editing);

      gtk_revealer_set_reveal_child (self->edit_revealer, FALSE);
      gtk_widget_action_set_enabled (widget, "chat.cancel-edit", FALSE);
      chutes_conversation_edit_async (self->conversation, editing, text, attachments, NULL,
                                      send_cb, g_object_ref (self));
      return;
    }

  chutes_conversation_send_async (self->conversation, text, attachments, NULL,
                                  send_cb, g_object_ref (self));
}

static void
cancel_edit_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (widget);

  if (self->editing == NULL)
    return;

  g_clear_object (&self->editing);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", 0);
  chutes_attachment_strip_clear (self->attachment_strip);
  gtk_revealer_set_reveal_child (self->edit_revealer, FALSE);
  gtk_widget_action_set_enabled (widget, "chat.cancel-edit", FALSE);
  chutes_chat_page_reload_if_pending (self);
}

/* Chat settings: shown from the conversation when the popover opens,
 * applied (and saved with the chat) when it closes. */
static void
settings_shown_cb (ChutesChatPage *self,
                   GtkWidget      *popover)
{
  g_autoptr(ChutesChatSettings) settings = chutes_conversation_get_settings (self->conversation);

  chutes_chat_settings_popover_set_settings (CHUTES_CHAT_SETTINGS_POPOVER (popover), settings);
  chutes_chat_settings_popover_set_thinking_offered (CHUTES_CHAT_SETTINGS_POPOVER (popover),
                                                     chutes_conversation_offers_thinking (self->conversation));
}

static void
settings_closed_cb (ChutesChatPage *self,
                    GtkPopover     *popover)
{
  g_autoptr(ChutesChatSettings) settings =
    chutes_chat_settings_popover_dup_settings (CHUTES_CHAT_SETTINGS_POPOVER (popover));

  chutes_conversation_set_settings (self->conversation, settings);

  /* Back to writing, where the person most likely goes next. */
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

/* The settings popover is made when first opened: at start-up nothing
 * shows it. */
static void
create_settings_popover_cb (GtkMenuButton *button,
                            gpointer       user_data)
{
  ChutesChatPage *self = user_data;
  GtkWidget *popover = chutes_chat_settings_popover_new ();

  g_signal_connect_object (popover, "show", G_CALLBACK (settings_shown_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (popover, "closed", G_CALLBACK (settings_closed_cb), self, G_CONNECT_SWAPPED);
  gtk_menu_button_set_popover (button, popover);
  gtk_menu_button_set_create_popup_func (button, NULL, NULL, NULL);
}

static void
row_action_cb (ChutesMessageRow *row,
               const char       *name,
               ChutesChatPage   *self)
{
  ChutesMessage *message = chutes_message_row_get_message (row);

  if (message == NULL || self->conversation == NULL)
    return;

  if (g_str_equal (name, "copy"))
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                              chutes_message_get_content (message));
      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", _("Message copied"));
    }
  else if (g_str_equal (name, "edit"))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);

      g_set_object (&self->editing, message);
      gtk_text_buffer_set_text (buffer, chutes_message_get_content (message), -1);
      chutes_attachment_strip_set_attachments (self->attachment_strip,
                                               chutes_message_get_attachments (message));
      gtk_revealer_set_reveal_child (self->edit_revealer, TRUE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.cancel-edit", TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->composer));
    }
  else if (g_str_equal (name, "regenerate"))
    {
      self->stick_to_bottom = TRUE;
      chutes_conversation_regenerate_async (self->conversation, message, NULL,
                                            send_cb, g_object_ref (self));
    }
  else if (g_str_equal (name, "delete"))
    {
      if (message == self->editing)
        gtk_widget_activate_action (GTK_WIDGET (self), "chat.cancel-edit", NULL);
      chutes_conversation_delete_message (self->conversation, message);
    }
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (widget);

  if (self->conversation != NULL)
    chutes_conversation_stop (self->conversation);
}

/* Shift+Tab from the composer goes up to the newest message, its last
 * control, as it is what lies right above; GtkListView would enter the
 * list at the first row it holds. FALSE when that row is not shown. */
static gboolean
chutes_chat_page_focus_newest_message (ChutesChatPage *self)
{
  g_autoptr(ChutesMessage) newest = NULL;
  guint n_shown;

  if (self->shown_messages == NULL ||
      (n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->shown_messages))) == 0)
    return FALSE;

  newest = g_list_model_get_item (G_LIST_MODEL (self->shown_messages), n_shown - 1);
  for (GtkWidget *item = gtk_widget_get_first_child (GTK_WIDGET (self->message_list));
       item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = gtk_widget_get_first_child (item);

      if (CHUTES_IS_MESSAGE_ROW (row) && gtk_widget_get_mapped (item) &&
          chutes_message_row_get_message (CHUTES_MESSAGE_ROW (row)) == newest)
        return gtk_widget_child_focus (item, GTK_DIR_TAB_BACKWARD);
    }

  return FALSE;
}

static gboolean
is_shift_tab (guint           keyval,
              GdkModifierType state)
{
  return keyval == GDK_KEY_ISO_Left_Tab || (keyval == GDK_KEY_Tab && (state & GDK_SHIFT_MASK));
}

/* Shift+Tab from the composer goes up to the attachments above it, and
 * from the first of them (or from the composer when there are none) up
 * to the newest message. */
static gboolean
chutes_chat_page_focus_above_composer (ChutesChatPage *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->attachment_strip)) &&
      gtk_widget_child_focus (GTK_WIDGET (self->attachment_strip), GTK_DIR_TAB_BACKWARD))
    return TRUE;

  return chutes_chat_page_focus_newest_message (self);
}

static gboolean
strip_key_pressed_cb (ChutesChatPage        *self,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      GtkEventControllerKey *controller)
{
  GtkWidget *strip = GTK_WIDGET (self->attachment_strip);
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (strip));

  if (!is_shift_tab (keyval, state) || focus == NULL)
    return GDK_EVENT_PROPAGATE;

  /* Anything before the focus inside the strip takes it first. */
  if (gtk_widget_child_focus (strip, GTK_DIR_TAB_BACKWARD) &&
      gtk_root_get_focus (gtk_widget_get_root (strip)) != focus)
    return GDK_EVENT_STOP;

  return chutes_chat_page_focus_newest_message (self) ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;
}

static gboolean
composer_key_pressed_cb (ChutesChatPage  *self,
                         guint            keyval,
                         guint            keycode,
                         GdkModifierType  state,
                         GtkEventControllerKey *controller)
{
  if (is_shift_tab (keyval, state))
    return chutes_chat_page_focus_above_composer (self) ? GDK_EVENT_STOP : GDK_EVENT_PROPAGATE;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;

  /* Shift+Enter (and Ctrl+Enter) insert a new line. */
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK))
    return GDK_EVENT_PROPAGATE;

  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
  return GDK_EVENT_STOP;
}

/* Following the end of the conversation: GtkListView measures rows lazily,
 * so the bottom moves for a few frames after each change. A tick callback
 * keeps the view at the bottom until it has stayed put for a few frames,
 * then removes itself, so an idle window does no work. */
static gboolean
follow_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  ChutesChatPage *self = user_data;
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (!self->stick_to_bottom)
    {
      self->follow_tick = 0;
      return G_SOURCE_REMOVE;
    }

  if (gtk_adjustment_get_value (adjustment) < bottom - 0.5)
    {
      self->auto_scrolling = TRUE;
      gtk_adjustment_set_value (adjustment, bottom);
      self->last_value = gtk_adjustment_get_value (adjustment);
      self->auto_scrolling = FALSE;
      self->settled_frames = 0;
      return G_SOURCE_CONTINUE;
    }

  if (++self->settled_frames < 3)
    return G_SOURCE_CONTINUE;

  self->follow_tick = 0;
  return G_SOURCE_REMOVE;
}

static void
chutes_chat_page_follow (ChutesChatPage *self)
{
  self->settled_frames = 0;

  if (self->stick_to_bottom && self->follow_tick == 0)
    self->follow_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->scroller),
                                                      follow_tick_cb, self, NULL);
}

static void chutes_chat_page_maybe_show_more (ChutesChatPage *self);

static gboolean
show_more_cb (gpointer user_data)
{
  ChutesChatPage *self = user_data;

  self->show_more_id = 0;
  chutes_tail_model_show_more (self->shown_messages, MORE_MESSAGES);
  /* A few at a time, a frame each, while the top is still near. */
  chutes_chat_page_maybe_show_more (self);

  return G_SOURCE_REMOVE;
}

/* Earlier messages are shown before the person reaches the top, or when
 * the messages shown do not fill the view. */
static void
chutes_chat_page_maybe_show_more (ChutesChatPage *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  if (self->show_more_id != 0 || self->shown_messages == NULL ||
      chutes_tail_model_get_n_hidden (self->shown_messages) == 0)
    return;

  if (gtk_adjustment_get_value (adjustment) > gtk_adjustment_get_page_size (adjustment))
    return;

  /* After this frame's layout: rows added now would be measured in it. */
  self->show_more_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, show_more_cb, self, NULL);
}

/* Only the person scrolling up stops the view from following; reaching
 * the bottom again resumes it. */
static void
adjustment_value_changed_cb (ChutesChatPage *self,
                             GtkAdjustment  *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (self->auto_scrolling)
    return;

  chutes_chat_page_maybe_show_more (self);

  if (value >= bottom - STICK_TO_BOTTOM_SLACK)
    self->stick_to_bottom = TRUE;
  else if (value < self->last_value - 0.5)
    self->stick_to_bottom = FALSE;

  self->last_value = value;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              ChutesChatPage           *self)
{
  GtkWidget *row = chutes_message_row_new ();

  g_signal_connect_object (row, "action", G_CALLBACK (row_action_cb), self, 0);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                  gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  chutes_message_row_set_message (CHUTES_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
model_selected_cb (ChutesChatPage *self)
{
  const char *model_id = chutes_model_picker_get_selected_model_id (self->model_picker);

  if (model_id == NULL || self->conversation == NULL)
    return;

  chutes_conversation_set_model (self->conversation, model_id);
  g_settings_set_string (self->settings, "last-model", model_id);
  chutes_chat_page_update_actions (self);
  chutes_chat_page_update_attachment_notice (self);
}

/* A loaded conversation brings its model: show it in the picker. */
static void
conversation_model_cb (ChutesChatPage *self)
{
  const char *model_id = chutes_conversation_get_model (self->conversation);

  if (model_id != NULL)
    chutes_model_picker_set_selected_model_id (self->model_picker, model_id);
}

static gboolean
models_contain (GListModel *models,
                const char *model_id)
{
  for (guint i = 0; model_id != NULL && i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(ChutesModelInfo) model = g_list_model_get_item (models, i);

      if (g_strcmp0 (chutes_model_info_get_id (model), model_id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The default model if one is chosen in the preferences, else the one used
 * last, else the first offered. */
static char *
chutes_chat_page_dup_initial_model (ChutesChatPage *self)
{
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-model");
  g_autofree char *last = g_settings_get_string (self->settings, "last-model");
  g_autoptr(ChutesModelInfo) first = NULL;

  if (self->models == NULL)
    return *preferred ? g_steal_pointer (&preferred) : NULL;

  if (models_contain (self->models, preferred))
    return g_steal_pointer (&preferred);
  if (models_contain (self->models, last))
    return g_steal_pointer (&last);

  first = g_list_model_get_item (self->models, 0);
  return first ? g_strdup (chutes_model_info_get_id (first)) : NULL;
}

static void
list_models_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChutesChatPage) self = user_data;
  g_autoptr(GListModel) models = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *initial = NULL;
  const char *current;

  models = chutes_gateway_list_models_finish (CHUTES_GATEWAY (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->models_loading = FALSE;

  if (models == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not load the list of models: %s"),
                                                  error->message);

      gtk_label_set_text (self->models_error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->models_error_label), TRUE);
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->models_error_label), FALSE);
  g_set_object (&self->models, models);
  chutes_model_picker_set_models (self->model_picker, models);
  chutes_conversation_set_models (self->conversation, models);

  /* A conversation opened meanwhile keeps its model. */
  current = chutes_conversation_get_model (self->conversation);
  if (!models_contain (models, current))
    {
      initial = chutes_chat_page_dup_initial_model (self);
      if (initial != NULL)
        chutes_model_picker_set_selected_model_id (self->model_picker, initial);
    }

  model_selected_cb (self);
}

static void
chutes_chat_page_load_models (ChutesChatPage *self)
{
  if (self->models != NULL || self->models_loading)
    return;

  self->models_loading = TRUE;
  g_cancellable_cancel (self->models_cancellable);
  g_clear_object (&self->models_cancellable);
  self->models_cancellable = g_cancellable_new ();

  chutes_gateway_list_models_async (self->gateway,
                                    self->models_cancellable,
                                    list_models_cb,
                                    g_object_ref (self));
}

static gboolean
focus_composer_idle (gpointer user_data)
{
  ChutesChatPage *self = user_data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->composer));

  return G_SOURCE_REMOVE;
}

static void
chutes_chat_page_map (GtkWidget *widget)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (widget);

  GTK_WIDGET_CLASS (chutes_chat_page_parent_class)->map (widget);

  chutes_chat_page_load_models (self);
  chutes_markdown_view_prepare ();

  if (GTK_IS_WINDOW (gtk_widget_get_root (widget)) && !self->watching_window)
    {
      self->watching_window = TRUE;
      g_signal_connect_object (gtk_widget_get_root (widget), "notify::is-active",
                               G_CALLBACK (window_active_cb), self, G_CONNECT_SWAPPED);
    }

  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, focus_composer_idle,
                   g_object_ref (self), g_object_unref);
}

static gboolean
chutes_chat_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CHUTES_CHAT_PAGE (widget)->composer));
}

static void
account_state_cb (ChutesChatPage *self,
                  GParamSpec     *pspec,
                  ChutesAccount  *account)
{
  /* A new person may sign in next: nothing of this conversation stays. */
  if (chutes_account_get_state (account) == CHUTES_ACCOUNT_STATE_SIGNED_OUT)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "chat.cancel-edit", NULL);
      chutes_conversation_clear (self->conversation);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", 0);
      chutes_attachment_strip_clear (self->attachment_strip);
    }
}

static void
chutes_chat_page_dispose (GObject *object)
{
  ChutesChatPage *self = (ChutesChatPage *)object;

  if (self->models_cancellable != NULL)
    g_cancellable_cancel (self->models_cancellable);
  g_clear_object (&self->models_cancellable);

  if (self->conversation != NULL)
    chutes_conversation_stop (self->conversation);

  if (self->follow_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->scroller), self->follow_tick);
  self->follow_tick = 0;
  g_clear_handle_id (&self->show_more_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_CHAT_PAGE);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  g_clear_object (&self->shown_messages);
  g_clear_object (&self->conversation);
  g_clear_object (&self->models);
  g_clear_object (&self->editing);
  g_clear_pointer (&self->load_error, g_free);
  g_clear_object (&self->account);
  g_clear_object (&self->gateway);
  g_clear_object (&self->history);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (chutes_chat_page_parent_class)->dispose (object);
}

/* The conversation needs the services, which are set by now. */
static void
chutes_chat_page_constructed (GObject *object)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (object);
  GListModel *messages;
  g_autoptr(GtkNoSelection) selection = NULL;

  G_OBJECT_CLASS (chutes_chat_page_parent_class)->constructed (object);

  g_return_if_fail (self->account != NULL && self->gateway != NULL &&
                    self->history != NULL && self->settings != NULL);

  self->conversation = chutes_conversation_new (self->gateway, self->account);
  chutes_conversation_set_history (self->conversation, self->history);
  messages = chutes_conversation_get_messages (self->conversation);
  self->shown_messages = chutes_tail_model_new (messages, INITIAL_MESSAGES);

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->shown_messages)));
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (selection));

  g_signal_connect_object (messages, "items-changed",
                           G_CALLBACK (chutes_chat_page_update_empty), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (messages, "items-changed",
                           G_CALLBACK (chutes_chat_page_follow), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::busy",
                           G_CALLBACK (chutes_chat_page_update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::busy",
                           G_CALLBACK (chutes_chat_page_reload_if_pending), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::model",
                           G_CALLBACK (conversation_model_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::quota-remaining",
                           G_CALLBACK (chutes_chat_page_update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::cost",
                           G_CALLBACK (chutes_chat_page_update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::state",
                           G_CALLBACK (account_state_cb), self, G_CONNECT_SWAPPED);

  chutes_chat_page_update_empty (self);
  chutes_chat_page_update_actions (self);
}

static void
chutes_chat_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;

    case PROP_GATEWAY:
      g_value_set_object (value, self->gateway);
      break;

    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_chat_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ChutesChatPage *self = CHUTES_CHAT_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      self->account = g_value_dup_object (value);
      break;

    case PROP_GATEWAY:
      self->gateway = g_value_dup_object (value);
      break;

    case PROP_HISTORY:
      self->history = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_chat_page_class_init (ChutesChatPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chutes_chat_page_constructed;
  object_class->dispose = chutes_chat_page_dispose;
  object_class->get_property = chutes_chat_page_get_property;
  object_class->set_property = chutes_chat_page_set_property;
  widget_class->map = chutes_chat_page_map;

  /* The services the page uses, and nothing else of the application. */
  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, CHUTES_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GATEWAY] =
    g_param_spec_object ("gateway", NULL, NULL, CHUTES_TYPE_GATEWAY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL, CHUTES_TYPE_HISTORY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->grab_focus = chutes_chat_page_grab_focus;

  g_type_ensure (CHUTES_TYPE_MODEL_PICKER);
  g_type_ensure (CHUTES_TYPE_ATTACHMENT_STRIP);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-chat-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, message_list);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, empty_status);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, models_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, composer);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, send_stack);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, model_picker);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, settings_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, announcement_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, edit_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, attachment_strip);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, attachment_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatPage, drop_hint);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "chat.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "chat.cancel-edit", NULL, cancel_edit_action);
  gtk_widget_class_install_action (widget_class, "chat.attach", NULL, attach_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "chat.stop", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatpage");
}

static void
chutes_chat_page_init (ChutesChatPage *self)
{
  GtkListItemFactory *factory;
  GtkEventController *controller;
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (self->settings_button, create_settings_popover_cb, self, NULL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->stick_to_bottom = TRUE;
  chutes_stack_a11y_track (self->send_stack);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->message_list, factory);
  g_object_unref (factory);

  g_signal_connect_object (self->model_picker, "notify::selected-model-id",
                           G_CALLBACK (model_selected_cb), self, G_CONNECT_SWAPPED);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "key-pressed",
                           G_CALLBACK (composer_key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), controller);
  controller = gtk_event_controller_key_new ();
  g_signal_connect_object (controller, "key-pressed",
                           G_CALLBACK (strip_key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->attachment_strip), controller);
#if !GTK_CHECK_VERSION (4, 14, 0)
  g_signal_connect_object (self->composer, "notify::has-focus",
                           G_CALLBACK (composer_focus_cb), self, G_CONNECT_SWAPPED);
#endif

  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (chutes_chat_page_update_actions), self, G_CONNECT_SWAPPED);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (chutes_chat_page_follow), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::upper",
                           G_CALLBACK (chutes_chat_page_maybe_show_more), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "notify::page-size",
                           G_CALLBACK (chutes_chat_page_follow), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (adjustment_value_changed_cb), self, G_CONNECT_SWAPPED);

  chutes_chat_page_init_attachments (self);

  chutes_chat_page_update_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.cancel-edit", FALSE);
}

void
chutes_chat_page_new_chat (ChutesChatPage *self)
{
  g_return_if_fail (CHUTES_IS_CHAT_PAGE (self));

  g_autofree char *initial = NULL;

  self->reload_pending = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.cancel-edit", NULL);
  chutes_conversation_clear (self->conversation);
  self->stick_to_bottom = TRUE;

  initial = chutes_chat_page_dup_initial_model (self);
  if (initial != NULL)
    chutes_model_picker_set_selected_model_id (self->model_picker, initial);
}

GListModel *
chutes_chat_page_get_models (ChutesChatPage *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_PAGE (self), NULL);

  return self->models;
}

void
chutes_chat_page_pick_model (ChutesChatPage *self)
{
  g_return_if_fail (CHUTES_IS_CHAT_PAGE (self));

  chutes_model_picker_popup (self->model_picker);
}

typedef struct
{
  ChutesChatPage *self;
  gint64          message_id;
} OpenData;

static void
open_chat_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr(ChutesChatPage) self = data->self;
  g_autoptr(GError) error = NULL;
  GListModel *messages;
  gint64 message_id = data->message_id;

  g_free (data);

  if (!chutes_conversation_load_finish (CHUTES_CONVERSATION (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", error->message);
      return;
    }

  messages = chutes_conversation_get_messages (self->conversation);
  for (guint i = 0; message_id != 0 && i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);

      if (chutes_message_get_id (message) == message_id)
        {
          self->stick_to_bottom = FALSE;
          gtk_widget_activate_action (GTK_WIDGET (self->message_list), "list.scroll-to-item", "u",
                                      chutes_tail_model_show_position (self->shown_messages, i));
          return;
        }
    }

  self->stick_to_bottom = TRUE;
  chutes_chat_page_follow (self);
}

void
chutes_chat_page_open_chat (ChutesChatPage *self,
                            gint64          conversation_id,
                            gint64          message_id)
{
  OpenData *data;

  g_return_if_fail (CHUTES_IS_CHAT_PAGE (self));

  /* Read afresh anyway. */
  self->reload_pending = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.cancel-edit", NULL);

  data = g_new0 (OpenData, 1);
  data->self = g_object_ref (self);
  data->message_id = message_id;
  chutes_conversation_load_async (self->conversation, conversation_id, NULL, open_chat_cb, data);
}

typedef struct
{
  ChutesChatPage *self;
  gboolean        at_end;   /* the view was at the end: it stays there */
} ReloadData;

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ReloadData *data = user_data;
  g_autoptr(ChutesChatPage) self = data->self;
  gboolean at_end = data->at_end;
  g_autoptr(GError) error = NULL;

  g_free (data);

  if (!chutes_conversation_load_finish (CHUTES_CONVERSATION (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the open chat again: %s", error->message);
      return;
    }

  if (at_end)
    {
      self->stick_to_bottom = TRUE;
      chutes_chat_page_follow (self);
    }
}

void
chutes_chat_page_reload (ChutesChatPage *self)
{
  gint64 id;
  ReloadData *data;

  g_return_if_fail (CHUTES_IS_CHAT_PAGE (self));

  if ((id = chutes_conversation_get_id (self->conversation)) == 0)
    return;

  /* Not under a reply on its way, nor a message being edited. */
  if (chutes_conversation_get_busy (self->conversation) || self->editing != NULL)
    {
      self->reload_pending = TRUE;
      return;
    }

  g_debug ("The open chat changed elsewhere: reading it again");
  self->reload_pending = FALSE;
  data = g_new0 (ReloadData, 1);
  data->self = g_object_ref (self);
  data->at_end = self->stick_to_bottom;
  chutes_conversation_load_async (self->conversation, id, NULL, reload_cb, data);
}

/* The chat became idle: a reload put off meanwhile is done now. */
static void
chutes_chat_page_reload_if_pending (ChutesChatPage *self)
{
  if (self->reload_pending)
    chutes_chat_page_reload (self);
}

ChutesConversation *
chutes_chat_page_get_conversation (ChutesChatPage *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_PAGE (self), NULL);

  return self->conversation;
}

ChutesChatPage *
chutes_chat_page_new (ChutesAccount *account,
                      ChutesGateway *gateway,
                      ChutesHistory *history,
                      GSettings     *settings)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (CHUTES_IS_GATEWAY (gateway), NULL);
  g_return_val_if_fail (CHUTES_IS_HISTORY (history), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CHUTES_TYPE_CHAT_PAGE,
                       "account", account,
                       "gateway", gateway,
                       "history", history,
                       "settings", settings,
                       NULL);
}
