/* chutes-message-row.c: one message in the chat list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-culling-box.h"
#include "chutes-markdown-text.h"
#include "chutes-markdown-view.h"
#include "chutes-message-attachments.h"
#include "chutes-message-row.h"

typedef struct
{
  GtkWidget *box;           /* vertical, the labels */
  gsize      shown;         /* bytes of the text in them */
  gsize      part_start;    /* where the last label's text starts */
  GArray    *starts;        /* gsize: where each label's text starts */
} TextParts;

struct _ChutesMessageRow
{
  GtkWidget      parent_instance;

  ChutesMessage *message;
  GSignalGroup  *signals;
  guint          text_update_id;
  guint          measure_id;
  guint          frame_tick_id;    /* an update was taken, no frame since */
  guint          park_id;          /* parts to park or bring back */
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
  GtkWidget     *attachments;
  TextParts      reasoning;
  TextParts      plain_tail;         /* a reply's text past MARKDOWN_MAX */
  gsize          markdown_fed;       /* bytes given to the Markdown view */
  gsize          markdown_end;       /* where the Markdown ends; 0: not known yet */
  gsize          markdown_step;      /* bytes the next update feeds at most */
  gint64         step_cost;          /* µs the last one took, measured too */
  gboolean       catching_up;        /* some text is not shown yet */
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

/* Long text, shown as it streams in: the reasoning, and a reply's text
 * past MARKDOWN_MAX. It grows up to megabytes, often without a paragraph
 * break: one label holding all of it would be laid out whole at each
 * frame. It is shown in labels of at most TEXT_PART bytes, cut after a
 * newline (or a space) where there is one; only the text added since the
 * last update is taken, at most TEXT_STEP bytes of it an update (a reply
 * may arrive faster than it can be laid out), and only the last label
 * changes. */
#define TEXT_PART 4096
#define TEXT_STEP (8 * 1024)


/* A reply's text is shown as Markdown up to this many bytes (more than
 * the longest reply a model offers, 128K tokens) and as plain text after:
 * each block of Markdown is a widget or more (a code block, a view of
 * its own), and a runaway reply of megabytes of them would take a
 * gigabyte and seconds a frame. It is fed to the Markdown view at most
 * MARKDOWN_STEP bytes an update, which it parses and builds widgets for
 * in one turn of the main loop. */
#define MARKDOWN_MAX (256 * 1024)
#define MARKDOWN_STEP (4 * 1024)

/* A reply that passes MARKDOWN_MAX while less than half of that is shown
 * arrives faster than it can be shown (a model streams some kilobytes a
 * second; a runaway server, megabytes), or was loaded whole: its Markdown
 * ends after MARKDOWN_MAX_FAST bytes (or what is shown already), since
 * each kilobyte of it shown costs half a megabyte of widgets. */
#define MARKDOWN_MAX_FAST (32 * 1024)

/* The step is sized to take about STEP_BUDGET µs, with the row measured
 * after it: what a kilobyte costs varies tenfold with what it holds (a
 * code block is a source view of its own) and with the machine. */
#define STEP_BUDGET 12000
#define MARKDOWN_STEP_MIN 512
#define MARKDOWN_STEP_MAX (16 * 1024)

/* Priority of an update that goes on with text not taken yet: after the
 * frames (GDK_PRIORITY_REDRAW), so that each part is drawn. */
#define CATCH_UP_PRIORITY G_PRIORITY_DEFAULT_IDLE

/* A part is laid out as the reply's paragraphs are (a GtkLabel that
 * wraps finds its minimum width by laying its text out a character a
 * line: for 4 KB, hundreds of milliseconds). */
static GtkWidget *
text_part_new (void)
{
  return chutes_markdown_text_new (GTK_ACCESSIBLE_ROLE_LABEL, "chutes-text-part");
}

/* The end of a character boundary at most @max bytes into @text, which
 * holds more than that. */
static gsize
utf8_cut (const char *text,
          gsize       max)
{
  while (max > 0 && ((guchar) text[max] & 0xC0) == 0x80)
    max--;

  return max;
}

/* Where a piece of at most @max bytes of @text (which holds more) ends:
 * after its last newline, else (when @at_space) its last space, in its
 * second half, else at the last character that fits. */
static gsize
piece_end (const char *text,
           gsize       max,
           gboolean    at_space)
{
  for (gsize i = max; i > max / 2; i--)
    if (text[i - 1] == '\n')
      return i;
  for (gsize i = max; at_space && i > max / 2; i--)
    if (text[i - 1] == ' ')
      return i;

  return utf8_cut (text, max);
}

/* A new last label, for the text from parts->part_start on. */
static void
text_parts_add (TextParts *parts)
{
  gtk_box_append (GTK_BOX (parts->box), text_part_new ());
  g_array_append_val (parts->starts, parts->part_start);
}

/* Sets @label to @length bytes of @text, literally. */
static void
text_part_set (GtkWidget  *label,
               const char *text,
               gsize       length)
{
  g_autofree char *part = NULL;

  /* A newline that ends a part is the break between two labels. */
  if (length > 0 && text[length - 1] == '\n')
    length--;
  /* Plain text, never markup: escaped. */
  part = g_markup_escape_text (text, length);
  chutes_markdown_text_set_markup (CHUTES_MARKDOWN_TEXT (label), part);
}

static void
text_parts_set_last (TextParts  *parts,
                     const char *text,
                     gsize       length)
{
  if (gtk_widget_get_last_child (parts->box) == NULL)
    text_parts_add (parts);

  text_part_set (gtk_widget_get_last_child (parts->box), text, length);
}

static void
text_parts_clear (TextParts *parts)
{
  for (GtkWidget *child; (child = gtk_widget_get_first_child (parts->box));)
    gtk_box_remove (GTK_BOX (parts->box), child);
  g_array_set_size (parts->starts, 0);
  parts->shown = 0;
  parts->part_start = 0;
}

/* Shows @text (@length bytes), taking only what was added since the last
 * call when it grew (this text only grows while a reply streams), and at
 * most TEXT_STEP bytes of that. Returns TRUE when some is left to take. */
static gboolean
text_parts_show (TextParts  *parts,
                 const char *text,
                 gsize       length)
{
  gsize end = length;

  if (length < parts->shown)
    text_parts_clear (parts);

  if (length == parts->shown)
    return FALSE;

  if (end - parts->shown > TEXT_STEP)
    end = parts->shown + utf8_cut (text + parts->shown, TEXT_STEP);

  while (end - parts->part_start > TEXT_PART)
    {
      gsize part_end = piece_end (text + parts->part_start, TEXT_PART, TRUE);

      text_parts_set_last (parts, text + parts->part_start, part_end);
      parts->part_start += part_end;
      text_parts_add (parts);
    }

  text_parts_set_last (parts, text + parts->part_start, end - parts->part_start);
  parts->shown = end;

  return end < length;
}

/* A part far out of view is parked: its label emptied (4 KB laid out
 * hold some 100 KB of Pango's lines and glyphs, and a runaway reply has
 * hundreds of parts), its height kept by a size request, and its text by
 * its accessible label, for screen readers; back near the view, its text
 * is set again. A part with a selection stays, as does the last one
 * (it grows). At another width, a parked part's height is estimated
 * from the old one until it is near the view again. */
#define PARK_MARGIN_PAGES 1

static GQuark parked_quark;  /* on a parked part: the width it had */

static void
text_part_park (GtkWidget  *child,
                const char *text,
                gsize       length,
                int         width,
                int         height)
{
  GtkWidget *label = GTK_WIDGET (chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (child)));
  g_autofree char *accessible = NULL;

  /* As text_part_set() shows it. */
  if (length > 0 && text[length - 1] == '\n')
    length--;
  accessible = g_strndup (text, length);
  chutes_markdown_text_set_markup (CHUTES_MARKDOWN_TEXT (child), "");
  gtk_widget_set_size_request (child, -1, height);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  g_object_set_qdata (G_OBJECT (child), parked_quark, GINT_TO_POINTER (width));
}

/* Parks the parts of @parts (whose text is @text) far from what
 * @scrolled shows, and brings back those near it. */
static void
text_parts_park (TextParts  *parts,
                 const char *text,
                 GtkWidget  *scrolled)
{
  GtkWidget *last = gtk_widget_get_last_child (parts->box);
  graphene_rect_t view;
  float top, bottom;
  guint i = 0;

  if (!gtk_widget_get_mapped (parts->box) ||
      !gtk_widget_compute_bounds (scrolled, parts->box, &view))
    return;

  top = view.origin.y - PARK_MARGIN_PAGES * view.size.height;
  bottom = view.origin.y + (1 + PARK_MARGIN_PAGES) * view.size.height;

  for (GtkWidget *child = gtk_widget_get_first_child (parts->box);
       child != last && i + 1 < parts->starts->len;
       child = gtk_widget_get_next_sibling (child), i++)
    {
      gsize start = g_array_index (parts->starts, gsize, i);
      gsize end = g_array_index (parts->starts, gsize, i + 1);
      int parked_width = GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (child), parked_quark));
      int width = gtk_widget_get_width (child);
      int height;
      GtkLabel *label = chutes_markdown_text_get_label (CHUTES_MARKDOWN_TEXT (child));
      graphene_rect_t bounds;
      gboolean near;

      if (!gtk_widget_compute_bounds (child, parts->box, &bounds))
        continue;
      near = bounds.origin.y + bounds.size.height >= top && bounds.origin.y <= bottom;

      if (near && parked_width > 0)
        {
          text_part_set (child, text + start, end - start);
          gtk_widget_set_size_request (child, -1, -1);
          g_object_set_qdata (G_OBJECT (child), parked_quark, NULL);
        }
      else if (!near && parked_width == 0 && width > 0 &&
               !gtk_label_get_selection_bounds (label, NULL, NULL))
        {
          /* Its text may have changed since it was allocated: its height
           * at this width (measured already, most often). */
          gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, width, &height, NULL, NULL, NULL);
          text_part_park (child, text + start, end - start, width, height);
        }
      else if (!near && parked_width > 0 && width > 0 && width != parked_width)
        {
          int parked_height;

          gtk_widget_get_size_request (child, NULL, &parked_height);
          gtk_widget_set_size_request (child, -1, MAX (1, parked_height * parked_width / width));
          g_object_set_qdata (G_OBJECT (child), parked_quark, GINT_TO_POINTER (width));
        }
    }
}

static void chutes_message_row_catch_up (ChutesMessageRow *self);

/* A reply's text: its first MARKDOWN_MAX bytes, fed to the Markdown view
 * MARKDOWN_STEP bytes at most an update, then the rest as plain text.
 * Returns TRUE when some is left to show. */
/* The next step's size, from what the last one cost: at most twice or
 * half of it. */
static void
chutes_message_row_size_step (ChutesMessageRow *self)
{
  gint64 cost = MAX (self->step_cost, 1);
  gsize step = self->markdown_step;

  if (self->step_cost > 0)
    step = CLAMP ((gint64) step * STEP_BUDGET / cost, (gint64) step / 2, (gint64) step * 2);
  self->markdown_step = CLAMP (step, MARKDOWN_STEP_MIN, MARKDOWN_STEP_MAX);
  self->step_cost = 0;
}

static gboolean
chutes_message_row_show_reply (ChutesMessageRow *self,
                               const char       *content,
                               gsize             length)
{
  ChutesMarkdownView *view = CHUTES_MARKDOWN_VIEW (self->markdown_view);
  g_autofree char *text = NULL;
  gsize markdown_length = length;
  gsize end;

  /* Another text (this one only grows while a reply streams). */
  if (length < self->markdown_fed || (self->markdown_end > 0 && length <= MARKDOWN_MAX))
    {
      self->markdown_fed = 0;
      self->markdown_end = 0;
    }

  /* Where the Markdown ends does not move once the text is past it, and
   * never before what the view holds already. */
  if (self->markdown_end == 0 && length > MARKDOWN_MAX)
    {
      gsize max = self->markdown_fed < MARKDOWN_MAX / 2 ? MARKDOWN_MAX_FAST : MARKDOWN_MAX;

      self->markdown_end = MAX (piece_end (content, max, FALSE), self->markdown_fed);
    }
  if (self->markdown_end > 0)
    markdown_length = self->markdown_end;

  end = markdown_length;
  if (end > self->markdown_fed)
    {
      gint64 start;

      chutes_message_row_size_step (self);
      if (end - self->markdown_fed > self->markdown_step)
        end = self->markdown_fed + piece_end (content + self->markdown_fed, self->markdown_step, FALSE);

      /* Rendered now, not in the view's own idle: this runs once a frame
       * already, and the row measures itself right after. */
      start = g_get_monotonic_time ();
      text = g_strndup (content, end);
      chutes_markdown_view_set_text (view, text);
      chutes_markdown_view_flush (view);
      self->markdown_fed = end;
      self->step_cost = g_get_monotonic_time () - start;

      if (end < markdown_length)
        return TRUE;
    }

  gtk_widget_set_visible (self->plain_tail.box, length > markdown_length);
  return text_parts_show (&self->plain_tail, content + markdown_length, length - markdown_length);
}

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
      if (chutes_message_row_show_reply (self, content ? content : "", content ? strlen (content) : 0))
        chutes_message_row_catch_up (self);
      gtk_label_set_text (self->content_label, "");
    }
  else
    {
      chutes_markdown_view_set_text (CHUTES_MARKDOWN_VIEW (self->markdown_view), "");
      self->markdown_fed = 0;
      self->markdown_end = 0;
      text_parts_clear (&self->plain_tail);
      gtk_widget_set_visible (self->plain_tail.box, FALSE);
      gtk_label_set_text (self->content_label, content ? content : "");
    }

  gtk_widget_set_visible (self->markdown_view, markdown && has_content);
  gtk_widget_set_visible (GTK_WIDGET (self->content_label), !markdown && has_content);
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

  /* Taken only while it can be seen: opening the section takes it then,
   * a step a frame, rather than laying out megabytes in one. */
  if (gtk_expander_get_expanded (self->thinking_expander) &&
      text_parts_show (&self->reasoning, reasoning ? reasoning : "", reasoning ? strlen (reasoning) : 0))
    chutes_message_row_catch_up (self);
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
  double cost = self->message ? chutes_message_get_cost (self->message) : -1.0;
  g_autofree char *money = chutes_money_format (cost);
  g_autofree char *tooltip = NULL;

  if (money != NULL)
    {
      ChutesPrices prices;
      g_autofree char *input = NULL;
      g_autofree char *output = NULL;

      chutes_message_get_prices (self->message, &prices);
      input = chutes_money_format (prices.input);
      output = chutes_money_format (prices.output);
      /* Translators: the prices one reply was charged at, kept with it;
       * each %s is an amount of money such as "$0.27" */
      tooltip = g_strdup_printf (_("At %s per million tokens in and %s out, the prices when it was sent"),
                                 input, output);
    }

  if (prompt >= 0 && completion >= 0)
    {
      g_autofree char *prompt_str = g_strdup_printf ("%'" G_GINT64_FORMAT, prompt);
      g_autofree char *completion_str = g_strdup_printf ("%'" G_GINT64_FORMAT, completion);
      gint64 cached = chutes_message_get_cached_tokens (self->message);
      g_autofree char *text = NULL;

      if (cached > 0)
        {
          g_autofree char *cached_str = g_strdup_printf ("%'" G_GINT64_FORMAT, cached);

          /* Translators: token counts of one reply: tokens sent (the plural
           * follows it), how many of those the gateway had cached (they
           * cost less), and the number received */
          text = g_strdup_printf (ngettext ("%s token in (%s cached), %s out",
                                            "%s tokens in (%s cached), %s out",
                                            (gulong) prompt),
                                  prompt_str, cached_str, completion_str);
        }
      else
        /* Translators: token counts of one reply: the first %s is the number of
         * tokens sent (the plural follows it), the second the number received */
        text = g_strdup_printf (ngettext ("%s token in, %s out",
                                          "%s tokens in, %s out",
                                          (gulong) prompt),
                                prompt_str, completion_str);

      if (money != NULL)
        {
          /* Translators: token counts of a reply, then what it cost, e.g.
           * "120 tokens in, 45 out · $0.0042" */
          g_autofree char *with_cost = g_strdup_printf (_("%s · %s"), text, money);

          gtk_label_set_text (self->usage_label, with_cost);
        }
      else
        gtk_label_set_text (self->usage_label, text);
    }

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->usage_label), tooltip);

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
    {
      gint64 start = g_get_monotonic_time ();

      gtk_widget_measure (item, GTK_ORIENTATION_VERTICAL, width, NULL, NULL, NULL, NULL);
      if (self->step_cost > 0)
        self->step_cost += g_get_monotonic_time () - start;
    }

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
  self->catching_up = FALSE;
  chutes_message_row_update_content (self);
  chutes_message_row_update_reasoning (self);
  chutes_message_row_update_actions (self);
  if (self->measure_id == 0)
    self->measure_id = g_idle_add_full (MEASURE_PRIORITY, measure_ahead_cb, self, NULL);

  /* A row that draws no frames (unmapped) takes each update at once. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->frame_tick_id == 0)
    self->frame_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), frame_tick_cb, NULL, NULL);

  if (self->catching_up)
    {
      if (self->frame_tick_id != 0)
        self->text_changed = TRUE;
      else if (self->text_update_id == 0)
        self->text_update_id = g_idle_add_full (CATCH_UP_PRIORITY, text_update_cb, self, NULL);
    }

  return G_SOURCE_REMOVE;
}

/* Some of the text was not shown yet, to keep this update short: another
 * takes more of it, after the next frame (or, unmapped, after the frames
 * of the other rows). */
static void
chutes_message_row_catch_up (ChutesMessageRow *self)
{
  self->catching_up = TRUE;

  /* Outside an update (a new message): one is queued. */
  if (self->text_update_id == 0 && self->frame_tick_id == 0)
    self->text_update_id = g_idle_add_full (CATCH_UP_PRIORITY, text_update_cb, self, NULL);
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

static gboolean
park_cb (gpointer user_data)
{
  ChutesMessageRow *self = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  const char *content;
  const char *reasoning;

  self->park_id = 0;
  if (scrolled == NULL || self->message == NULL)
    return G_SOURCE_REMOVE;

  /* The plain text is shown once all the Markdown is. */
  content = chutes_message_get_content (self->message);
  if (gtk_widget_get_visible (self->plain_tail.box) && content != NULL)
    text_parts_park (&self->plain_tail, content + self->markdown_fed, scrolled);
  reasoning = chutes_message_get_reasoning (self->message);
  if (gtk_expander_get_expanded (self->thinking_expander) && reasoning != NULL)
    text_parts_park (&self->reasoning, reasoning, scrolled);

  return G_SOURCE_REMOVE;
}

static void
chutes_message_row_queue_park (ChutesMessageRow *self)
{
  if (self->park_id == 0 && self->plain_tail.starts->len + self->reasoning.starts->len > 1)
    self->park_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, park_cb, self, NULL);
}

/* Each frame that draws the row (it scrolled, grew or changed size)
 * checks, after it, which parts to park or bring back: their places are
 * known then. */
static void
chutes_message_row_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  GTK_WIDGET_CLASS (chutes_message_row_parent_class)->snapshot (widget, snapshot);

  chutes_message_row_queue_park (CHUTES_MESSAGE_ROW (widget));
}

static void
chutes_message_row_unmap (GtkWidget *widget)
{
  ChutesMessageRow *self = CHUTES_MESSAGE_ROW (widget);
  gboolean changed = self->text_changed;

  g_clear_handle_id (&self->park_id, g_source_remove);

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
  g_clear_handle_id (&self->park_id, g_source_remove);
  g_clear_object (&self->message);
  g_clear_object (&self->signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_MESSAGE_ROW);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (chutes_message_row_parent_class)->dispose (object);
}

static void
chutes_message_row_finalize (GObject *object)
{
  ChutesMessageRow *self = (ChutesMessageRow *)object;

  g_array_unref (self->reasoning.starts);
  g_array_unref (self->plain_tail.starts);

  G_OBJECT_CLASS (chutes_message_row_parent_class)->finalize (object);
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
  object_class->finalize = chutes_message_row_finalize;
  object_class->get_property = chutes_message_row_get_property;
  object_class->set_property = chutes_message_row_set_property;

  widget_class->snapshot = chutes_message_row_snapshot;
  widget_class->unmap = chutes_message_row_unmap;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL,
                         CHUTES_TYPE_MESSAGE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHUTES_TYPE_MARKDOWN_VIEW);
  g_type_ensure (CHUTES_TYPE_CULLING_BOX);
  g_type_ensure (CHUTES_TYPE_MESSAGE_ATTACHMENTS);
  parked_quark = g_quark_from_static_string ("chutes-message-row-parked");

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
  gtk_widget_class_bind_template_child (widget_class, ChutesMessageRow, attachments);
  gtk_widget_class_bind_template_child_full (widget_class, "reasoning_box", FALSE,
                                            G_STRUCT_OFFSET (ChutesMessageRow, reasoning.box));
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

  self->markdown_step = MARKDOWN_STEP;
  self->reasoning.starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->plain_tail.starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  /* Drawn only where it is in view: cairo walks every glyph of what is
   * drawn, and this holds up to megabytes. */
  self->plain_tail.box = chutes_culling_box_new (0);
  gtk_widget_set_visible (self->plain_tail.box, FALSE);
  gtk_widget_add_css_class (self->plain_tail.box, "chutes-message-text");
  gtk_widget_insert_after (self->plain_tail.box, gtk_widget_get_parent (self->markdown_view),
                           self->markdown_view);

  self->signals = g_signal_group_new (CHUTES_TYPE_MESSAGE);
  g_signal_connect_swapped (self->thinking_expander, "notify::expanded",
                            G_CALLBACK (chutes_message_row_queue_text_update), self);
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
  g_signal_group_connect_swapped (self->signals, "notify::cached-tokens",
                                  G_CALLBACK (chutes_message_row_update_usage), self);
  g_signal_group_connect_swapped (self->signals, "notify::cost",
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
  text_parts_clear (&self->reasoning);
  text_parts_clear (&self->plain_tail);
  self->markdown_fed = 0;
  self->markdown_end = 0;

  /* Its images and files; none while unbound, so that a recycled row
   * keeps no thumbnails of the message it showed. */
  chutes_message_attachments_set_model (CHUTES_MESSAGE_ATTACHMENTS (self->attachments),
                                        message ? chutes_message_get_attachments (message) : NULL);
  chutes_message_row_update_author (self);
  chutes_message_row_update_content (self);
  chutes_message_row_update_status (self);
  chutes_message_row_update_usage (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

gboolean
chutes_message_row_get_catching_up (ChutesMessageRow *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE_ROW (self), FALSE);

  return self->catching_up || self->text_changed || self->text_update_id != 0;
}
