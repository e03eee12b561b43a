/* chutes-message-row.c: one message in the chat list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-markdown-view.h"
#include "chutes-message-row.h"

struct _ChutesMessageRow
{
  GtkWidget      parent_instance;

  ChutesMessage *message;
  GSignalGroup  *signals;
  guint          text_update_id;
  guint          measure_id;
  guint          frame_tick_id;    /* an update was taken, no frame since */
  gboolean       text_changed;     /* and the text changed again since */

  GtkWidget     *bubble;
  GtkLabel      *author_label;
  GtkLabel      *content_label;
  GtkWidget     *markdown_view;
  GtkWidget     *status_box;
  GtkSpinner    *spinner;
  GtkImage      *status_icon;
  GtkLabel      *status_label;
  GtkExpander   *thinking_expander;
  GtkWidget     *reasoning_box;      /* labels of up to REASONING_PART bytes */
  gsize          reasoning_shown;    /* bytes of the reasoning in them */
  gsize          reasoning_part;     /* where the last label's text starts */
  GtkLabel      *usage_label;
  GtkWidget     *copy_button;
  GtkWidget     *edit_button;
  GtkWidget     *regenerate_button;
  GtkWidget     *delete_button;
};

G_DEFINE_FINAL_TYPE (ChutesMessageRow, chutes_message_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  ACTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
chutes_message_row_update_content (ChutesMessageRow *self)
{
  const char *content = self->message ? chutes_message_get_content (self->message) : NULL;

  /* Plain text, never markup: model output is shown literally. */
  gboolean has_content = content != NULL && *content != '\0';
  gboolean markdown = self->message != NULL &&
                      chutes_message_get_role (self->message) == CHUTES_MESSAGE_ROLE_ASSISTANT;

  /* Replies are Markdown; what the person typed is shown as typed. Both
   * are literal text: neither is ever Pango markup. */
  if (markdown)
    {
      /* Rendered now, not in the view's own idle: this runs once a frame
       * already, and the row measures itself right after. */
      chutes_markdown_view_set_text (CHUTES_MARKDOWN_VIEW (self->markdown_view),
                                     content ? content : "");
      chutes_markdown_view_flush (CHUTES_MARKDOWN_VIEW (self->markdown_view));
      gtk_label_set_text (self->content_label, "");
    }
  else
    {
      chutes_markdown_view_set_text (CHUTES_MARKDOWN_VIEW (self->markdown_view), "");
      gtk_label_set_text (self->content_label, content ? content : "");
    }

  gtk_widget_set_visible (self->markdown_view, markdown && has_content);
  gtk_widget_set_visible (GTK_WIDGET (self->content_label), !markdown && has_content);
}

static void
copy_clicked_cb (ChutesMessageRow *self)
{
  g_signal_emit (self, signals[ACTION], g_quark_from_static_string ("copy"), "copy");
}

static void
edit_clicked_cb (ChutesMessageRow *self)
{
  g_signal_emit (self, signals[ACTION], g_quark_from_static_string ("edit"), "edit");
}

static void
regenerate_clicked_cb (ChutesMessageRow *self)
{
  g_signal_emit (self, signals[ACTION], g_quark_from_static_string ("regenerate"), "regenerate");
}

static void
delete_clicked_cb (ChutesMessageRow *self)
{
  g_signal_emit (self, signals[ACTION], g_quark_from_static_string ("delete"), "delete");
}

/* The reasoning grows as a reply streams, up to megabytes, often without
 * a paragraph break: one label holding all of it would be laid out whole
 * at each frame. It is shown in labels of at most this many bytes, cut
 * after a newline (or a space) where there is one; only the last label
 * changes as the reasoning grows. */
#define REASONING_PART 4096

static GtkWidget *
reasoning_part_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");

  return label;
}

/* Where the part starting at @text ends when it holds more than
 * REASONING_PART bytes: after its last newline, else its last space, else
 * the last character that fits. */
static gsize
reasoning_part_end (const char *text)
{
  gsize end = REASONING_PART;

  for (gsize i = REASONING_PART; i > REASONING_PART / 2; i--)
    if (text[i - 1] == '\n')
      return i;
  for (gsize i = REASONING_PART; i > REASONING_PART / 2; i--)
    if (text[i - 1] == ' ')
      return i;
  while (end > 0 && ((guchar) text[end] & 0xC0) == 0x80)
    end--;

  return end;
}

static void
set_reasoning_part (ChutesMessageRow *self,
                    const char       *text,
                    gsize             length)
{
  GtkWidget *label = gtk_widget_get_last_child (self->reasoning_box);
  g_autofree char *part = NULL;

  if (label == NULL)
    {
      label = reasoning_part_new ();
      gtk_box_append (GTK_BOX (self->reasoning_box), label);
    }

  /* A newline that ends a part is the break between two labels. */
  if (length > 0 && text[length - 1] == '\n')
    length--;
  part = g_strndup (text, length);
  /* Plain text, never markup. */
  gtk_label_set_text (GTK_LABEL (label), part);
}

static void
chutes_message_row_clear_reasoning (ChutesMessageRow *self)
{
  for (GtkWidget *child; (child = gtk_widget_get_first_child (self->reasoning_box));)
    gtk_box_remove (GTK_BOX (self->reasoning_box), child);
  self->reasoning_shown = 0;
  self->reasoning_part = 0;
}

/* Shows @reasoning, taking only what was added since the last call when
 * it grew (a reply's reasoning only grows while it streams). */
static void
chutes_message_row_show_reasoning (ChutesMessageRow *self,
                                   const char       *reasoning)
{
  gsize length = reasoning != NULL ? strlen (reasoning) : 0;

  if (length < self->reasoning_shown)
    chutes_message_row_clear_reasoning (self);

  if (length == self->reasoning_shown)
    return;

  while (length - self->reasoning_part > REASONING_PART)
    {
      gsize end = reasoning_part_end (reasoning + self->reasoning_part);

      set_reasoning_part (self, reasoning + self->reasoning_part, end);
      gtk_box_append (GTK_BOX (self->reasoning_box), reasoning_part_new ());
      self->reasoning_part += end;
    }

  set_reasoning_part (self, reasoning + self->reasoning_part, length - self->reasoning_part);
  self->reasoning_shown = length;
}

static void
chutes_message_row_update_reasoning (ChutesMessageRow *self)
{
  const char *reasoning = self->message ? chutes_message_get_reasoning (self->message) : NULL;
  const char *title;
  gboolean thinking_now = FALSE;

  /* "Thinking…" while reasoning streams in and no answer has started. */
  if (self->message != NULL)
    {
      ChutesMessageStatus status = chutes_message_get_status (self->message);
      const char *content = chutes_message_get_content (self->message);

      thinking_now = (status == CHUTES_MESSAGE_STATUS_PENDING ||
                      status == CHUTES_MESSAGE_STATUS_STREAMING) &&
                     (content == NULL || *content == '\0');
    }

  chutes_message_row_show_reasoning (self, reasoning);
  gtk_widget_set_visible (GTK_WIDGET (self->thinking_expander),
                          reasoning != NULL && *reasoning != '\0');
  /* GtkExpander makes a new label widget at each call, and this runs
   * once a frame while a reply streams: only on a change. */
  title = thinking_now ? _("Thinking…") : _("Thinking");
  if (g_strcmp0 (gtk_expander_get_label (self->thinking_expander), title) != 0)
    gtk_expander_set_label (self->thinking_expander, title);
}

static void
chutes_message_row_update_usage (ChutesMessageRow *self)
{
  gint64 prompt = self->message ? chutes_message_get_prompt_tokens (self->message) : -1;
  gint64 completion = self->message ? chutes_message_get_completion_tokens (self->message) : -1;

  if (prompt >= 0 && completion >= 0)
    {
      g_autofree char *prompt_str = g_strdup_printf ("%'" G_GINT64_FORMAT, prompt);
      g_autofree char *completion_str = g_strdup_printf ("%'" G_GINT64_FORMAT, completion);
      /* Translators: token counts of one reply: the first %s is the number of
       * tokens sent (the plural follows it), the second the number received */
      g_autofree char *text = g_strdup_printf (ngettext ("%s token in, %s out",
                                                         "%s tokens in, %s out",
                                                         (gulong) prompt),
                                               prompt_str, completion_str);

      gtk_label_set_text (self->usage_label, text);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->usage_label), prompt >= 0 && completion >= 0);
}

static void
chutes_message_row_update_actions (ChutesMessageRow *self)
{
  ChutesMessageStatus status = CHUTES_MESSAGE_STATUS_COMPLETE;
  ChutesMessageRole role = CHUTES_MESSAGE_ROLE_USER;
  const char *content = NULL;
  gboolean in_progress;

  if (self->message != NULL)
    {
      status = chutes_message_get_status (self->message);
      role = chutes_message_get_role (self->message);
      content = chutes_message_get_content (self->message);
    }

  in_progress = status == CHUTES_MESSAGE_STATUS_PENDING || status == CHUTES_MESSAGE_STATUS_STREAMING;

  gtk_widget_set_visible (self->copy_button, content != NULL && *content != '\0');
  gtk_widget_set_visible (self->edit_button, role == CHUTES_MESSAGE_ROLE_USER);
  gtk_widget_set_visible (self->regenerate_button,
                          role == CHUTES_MESSAGE_ROLE_ASSISTANT && !in_progress);
  gtk_widget_set_visible (self->delete_button, !in_progress);
}

static void
chutes_message_row_update_status (ChutesMessageRow *self)
{
  ChutesMessageStatus status = CHUTES_MESSAGE_STATUS_COMPLETE;
  const char *text = NULL;
  const char *icon = NULL;
  gboolean spinning = FALSE;

  if (self->message != NULL)
    status = chutes_message_get_status (self->message);

  switch (status)
    {
    case CHUTES_MESSAGE_STATUS_PENDING:
      spinning = TRUE;
      text = _("Waiting for the model…");
      break;

    case CHUTES_MESSAGE_STATUS_STREAMING:
      spinning = TRUE;
      break;

    case CHUTES_MESSAGE_STATUS_STOPPED:
      icon = "media-playback-stop-symbolic";
      text = _("Stopped");
      break;

    case CHUTES_MESSAGE_STATUS_FAILED:
      icon = "dialog-warning-symbolic";
      text = chutes_message_get_error (self->message);
      if (text == NULL)
        text = _("The reply failed.");
      break;

    case CHUTES_MESSAGE_STATUS_COMPLETE:
    default:
      break;
    }

  gtk_spinner_set_spinning (self->spinner, spinning);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), spinning);

  if (icon != NULL)
    gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_set_visible (GTK_WIDGET (self->status_icon), icon != NULL);

  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);

  gtk_widget_set_visible (self->status_box, spinning || text != NULL);

  chutes_message_row_update_reasoning (self);
  chutes_message_row_update_actions (self);

  if (status == CHUTES_MESSAGE_STATUS_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
chutes_message_row_update_author (ChutesMessageRow *self)
{
  const char *author = "";

  gtk_widget_remove_css_class (GTK_WIDGET (self), "user");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "assistant");

  if (self->message == NULL)
    return;

  switch (chutes_message_get_role (self->message))
    {
    case CHUTES_MESSAGE_ROLE_USER:
      author = _("You");
      gtk_widget_add_css_class (GTK_WIDGET (self), "user");
      break;

    case CHUTES_MESSAGE_ROLE_SYSTEM:
      /* Translators: the author of a system prompt message */
      author = _("System");
      break;

    case CHUTES_MESSAGE_ROLE_ASSISTANT:
    default:
      author = chutes_message_get_model (self->message);
      if (author == NULL)
        author = _("Assistant");
      gtk_widget_add_css_class (GTK_WIDGET (self), "assistant");
      break;
    }

  gtk_label_set_text (self->author_label, author);
}

/* A reply streams in a token an event, up to thousands a second: its
 * text is taken at most once a frame, not once a token. The update runs
 * before the frame is drawn (GDK_PRIORITY_REDRAW is G_PRIORITY_HIGH_IDLE
 * + 20), and the next one waits until a frame has begun: an idle alone
 * would run again each time the network hands over more tokens, and a
 * long paragraph, laid out again each time, would leave no turn of the
 * main loop for the frames themselves. */
#define TEXT_UPDATE_PRIORITY (G_PRIORITY_HIGH_IDLE + 10)

/* Measures the row (its list item, as the list does) at the width it
 * has, after its text changed: the frame that follows finds the sizes
 * cached and only allocates and draws. The work is the same, but in turns
 * of the main loop of their own (the text, then its size, then the frame)
 * so that input and the network are served in between (bench/README.md,
 * streaming). Runs after the text update and before the frame. */
#define MEASURE_PRIORITY (G_PRIORITY_HIGH_IDLE + 15)

static gboolean
measure_ahead_cb (gpointer user_data)
{
  ChutesMessageRow *self = user_data;
  GtkWidget *item = gtk_widget_get_parent (GTK_WIDGET (self));
  int width;

  self->measure_id = 0;
  if (item == NULL || !gtk_widget_get_mapped (item))
    return G_SOURCE_REMOVE;

  width = gtk_widget_get_width (item);
  if (width > 0)
    gtk_widget_measure (item, GTK_ORIENTATION_VERTICAL, width, NULL, NULL, NULL, NULL);

  return G_SOURCE_REMOVE;
}

static gboolean text_update_cb (gpointer user_data);

/* The frame after an update: the next update may be taken. */
static gboolean
frame_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  ChutesMessageRow *self = CHUTES_MESSAGE_ROW (widget);

  self->frame_tick_id = 0;
  if (self->text_changed && self->text_update_id == 0)
    self->text_update_id = g_idle_add_full (TEXT_UPDATE_PRIORITY, text_update_cb, self, NULL);
  self->text_changed = FALSE;

  return G_SOURCE_REMOVE;
}

static gboolean
text_update_cb (gpointer user_data)
{
  ChutesMessageRow *self = user_data;

  self->text_update_id = 0;
  chutes_message_row_update_content (self);
  chutes_message_row_update_reasoning (self);
  chutes_message_row_update_actions (self);
  if (self->measure_id == 0)
    self->measure_id = g_idle_add_full (MEASURE_PRIORITY, measure_ahead_cb, self, NULL);

  /* A row that draws no frames (unmapped) takes each update at once. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->frame_tick_id == 0)
    self->frame_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), frame_tick_cb, NULL, NULL);

  return G_SOURCE_REMOVE;
}

static void
chutes_message_row_queue_text_update (ChutesMessageRow *self)
{
  if (self->frame_tick_id != 0)
    self->text_changed = TRUE;
  else if (self->text_update_id == 0)
    self->text_update_id = g_idle_add_full (TEXT_UPDATE_PRIORITY, text_update_cb, self, NULL);
}

static void
chutes_message_row_cancel_text_update (ChutesMessageRow *self)
{
  g_clear_handle_id (&self->text_update_id, g_source_remove);
  g_clear_handle_id (&self->measure_id, g_source_remove);
  if (self->frame_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->frame_tick_id);
  self->frame_tick_id = 0;
  self->text_changed = FALSE;
}

static void
chutes_message_row_unmap (GtkWidget *widget)
{
  ChutesMessageRow *self = CHUTES_MESSAGE_ROW (widget);
  gboolean changed = self->text_changed;

  /* No frame will come: what changed is taken at once. */
  chutes_message_row_cancel_text_update (self);
  if (changed)
    chutes_message_row_queue_text_update (self);

  GTK_WIDGET_CLASS (chutes_message_row_parent_class)->unmap (widget);
}

static void
chutes_message_row_dispose (GObject *object)
{
  ChutesMessageRow *self = (ChutesMessageRow *)object;

  g_signal_group_set_target (self->signals, NULL);
  chutes_message_row_cancel_text_update (self);
  g_clear_object (&self->message);
  g_clear_object (&self->signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_MESSAGE_ROW);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (chutes_message_row_parent_class)->dispose (object);
}

static void
chutes_message_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChutesMessageRow *self = CHUTES_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChutesMessageRow *self = CHUTES_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      chutes_message_row_set_message (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_row_class_init (ChutesMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_message_row_dispose;
  object_class->get_property = chutes_message_row_get_property;
  object_class->set_property = chutes_message_row_set_property;

  widget_class->unmap = chutes_message_row_unmap;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL,
                         CHUTES_TYPE_MESSAGE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHUTES_TYPE_MARKDOWN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, author_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, content_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, markdown_view);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, status_box);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, thinking_expander);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, reasoning_box);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, usage_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, regenerate_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, edit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, regenerate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, delete_clicked_cb);

  /**
   * ChutesMessageRow::action:
   * @name: "copy", "edit", "regenerate" or "delete" (also the detail)
   *
   * The person asked for something to be done with the row's message.
   */
  signals[ACTION] =
    g_signal_new ("action",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
chutes_message_row_init (ChutesMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->signals = g_signal_group_new (CHUTES_TYPE_MESSAGE);
  g_signal_group_connect_swapped (self->signals, "notify::content",
                                  G_CALLBACK (chutes_message_row_queue_text_update), self);
  g_signal_group_connect_swapped (self->signals, "notify::status",
                                  G_CALLBACK (chutes_message_row_update_status), self);
  g_signal_group_connect_swapped (self->signals, "notify::error",
                                  G_CALLBACK (chutes_message_row_update_status), self);
  g_signal_group_connect_swapped (self->signals, "notify::model",
                                  G_CALLBACK (chutes_message_row_update_author), self);
  g_signal_group_connect_swapped (self->signals, "notify::reasoning",
                                  G_CALLBACK (chutes_message_row_queue_text_update), self);
  g_signal_group_connect_swapped (self->signals, "notify::prompt-tokens",
                                  G_CALLBACK (chutes_message_row_update_usage), self);
  g_signal_group_connect_swapped (self->signals, "notify::completion-tokens",
                                  G_CALLBACK (chutes_message_row_update_usage), self);
}

GtkWidget *
chutes_message_row_new (void)
{
  return g_object_new (CHUTES_TYPE_MESSAGE_ROW, NULL);
}

ChutesMessage *
chutes_message_row_get_message (ChutesMessageRow *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

void
chutes_message_row_set_message (ChutesMessageRow *self,
                                ChutesMessage    *message)
{
  g_return_if_fail (CHUTES_IS_MESSAGE_ROW (self));
  g_return_if_fail (!message || CHUTES_IS_MESSAGE (message));

  if (!g_set_object (&self->message, message))
    return;

  g_signal_group_set_target (self->signals, message);
  chutes_message_row_cancel_text_update (self);
  chutes_message_row_clear_reasoning (self);

  chutes_message_row_update_author (self);
  chutes_message_row_update_content (self);
  chutes_message_row_update_status (self);
  chutes_message_row_update_usage (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}
