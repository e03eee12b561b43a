/* chutes-code-block.c: a block of code in a reply, highlighted, with a Copy button
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <adwaita.h>
#include <gtksourceview/gtksource.h>

#include "chutes-code-block.h"
#include "chutes-markdown-private.h"
#include "chutes-util.h"

/* How long the Copy button shows that it copied. */
#define COPIED_FEEDBACK_MS 1500

struct _ChutesCodeBlock
{
  GtkWidget        parent_instance;

  char            *language;
  char            *code;
  guint            copied_id;
  GList            highlight_link;  /* in highlight_queue while waiting */

  GtkWidget       *header;
  GtkLabel        *language_label;
  GtkButton       *copy_button;
  GtkWidget       *scroller;
  GtkSourceView   *source_view;
  GtkSourceBuffer *buffer;
};

G_DEFINE_FINAL_TYPE (ChutesCodeBlock, chutes_code_block, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LANGUAGE,
  PROP_CODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Names models write after a fence that are not GtkSourceView's ids. */
static const struct {
  const char *alias;
  const char *id;
} language_aliases[] = {
  { "bash", "sh" },
  { "c#", "c-sharp" },
  { "c++", "cpp" },
  { "console", "sh" },
  { "cs", "c-sharp" },
  { "csharp", "c-sharp" },
  { "dockerfile", "docker" },
  { "golang", "go" },
  { "javascript", "js" },
  { "jsonc", "json" },
  { "kt", "kotlin" },
  { "make", "makefile" },
  { "patch", "diff" },
  { "protobuf", "proto" },
  { "ps1", "powershell" },
  { "py", "python3" },
  { "python", "python3" },
  { "rb", "ruby" },
  { "rs", "rust" },
  { "shell", "sh" },
  { "terminal", "sh" },
  { "ts", "typescript" },
  { "tsx", "typescript-jsx" },
  { "yml", "yaml" },
  { "zsh", "sh" },
};

static GtkSourceLanguage *
find_language (const char *language)
{
  GtkSourceLanguageManager *manager = gtk_source_language_manager_get_default ();
  g_autofree char *id = NULL;
  g_autofree char *file_name = NULL;
  GtkSourceLanguage *found;

  if (language == NULL || *language == '\0')
    return NULL;

  id = g_ascii_strdown (language, -1);
  for (guint i = 0; i < G_N_ELEMENTS (language_aliases); i++)
    {
      if (strcmp (id, language_aliases[i].alias) == 0)
        {
          g_free (id);
          id = g_strdup (language_aliases[i].id);
          break;
        }
    }

  found = gtk_source_language_manager_get_language (manager, id);
  if (found != NULL)
    return found;

  /* "rs", "mjs", "pyi": whatever file extension the language claims. */
  if (strchr (id, '/') != NULL)
    return NULL;
  file_name = g_strconcat ("code.", id, NULL);

  return gtk_source_language_manager_guess_language (manager, file_name, NULL);
}

/* GtkSourceView compiles a language's rules for the first buffer that uses
 * it and frees them with the last one: a chat list that recycles its rows
 * would compile them again for each code block (15 ms for C). One idle
 * buffer per language seen keeps them. */
static void
keep_language_compiled (GtkSourceLanguage *language)
{
  static GHashTable *buffers;
  const char *id = gtk_source_language_get_id (language);
  GtkSourceBuffer *buffer;

  if (buffers == NULL)
    buffers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  if (g_hash_table_contains (buffers, id))
    return;

  buffer = gtk_source_buffer_new_with_language (language);
  gtk_source_buffer_set_highlight_syntax (buffer, TRUE);
  g_hash_table_insert (buffers, g_strdup (id), buffer);
}

static void
chutes_code_block_update_style (ChutesCodeBlock *self)
{
  GtkSourceStyleSchemeManager *manager = gtk_source_style_scheme_manager_get_default ();
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkSourceStyleScheme *scheme;

  scheme = gtk_source_style_scheme_manager_get_scheme (manager, dark ? "Adwaita-dark" : "Adwaita");
  gtk_source_buffer_set_style_scheme (self->buffer, scheme);
}

/* Highlighting comes once the rest of the reply is shown: attaching a
 * language to a buffer was a sixth of the time to build a reply's row.
 * The code is shown meanwhile, plain, at the same size.
 *
 * Nor while a reply streams (chutes_code_block_hold_highlighting()): the
 * first code block of a language compiles its rules, 10 to 50 ms during
 * which the reply would stop flowing.
 *
 * The blocks waiting are highlighted in turn, a few milliseconds' worth
 * a turn of the main loop: a long reply has hundreds of them, and as many
 * idles (or timeouts due together) all run in the same turn, a stall of
 * a tenth of a second once the reply is complete. */
#define HIGHLIGHT_SLICE_US 4000

static guint  highlight_holds;
static GQueue highlight_queue = G_QUEUE_INIT;
static guint  highlight_idle_id;

static void
chutes_code_block_highlight (ChutesCodeBlock *self)
{
  GtkSourceLanguage *language = find_language (self->language);

  if (language != NULL)
    keep_language_compiled (language);
  gtk_source_buffer_set_language (self->buffer, language);
}

static gboolean
highlight_next_cb (gpointer user_data)
{
  gint64 start = g_get_monotonic_time ();

  while (highlight_holds == 0 && !g_queue_is_empty (&highlight_queue))
    {
      GList *link = g_queue_pop_head_link (&highlight_queue);

      chutes_code_block_highlight (link->data);
      if (g_get_monotonic_time () - start > HIGHLIGHT_SLICE_US)
        break;
    }

  if (highlight_holds == 0 && !g_queue_is_empty (&highlight_queue))
    return G_SOURCE_CONTINUE;

  highlight_idle_id = 0;
  return G_SOURCE_REMOVE;
}

static void
highlight_queue_run (void)
{
  if (highlight_holds == 0 && highlight_idle_id == 0 && !g_queue_is_empty (&highlight_queue))
    highlight_idle_id = g_idle_add_full (G_PRIORITY_LOW, highlight_next_cb, NULL, NULL);
}

static gboolean
chutes_code_block_is_queued (ChutesCodeBlock *self)
{
  return self->highlight_link.prev != NULL || highlight_queue.head == &self->highlight_link;
}

static void
chutes_code_block_update_language (ChutesCodeBlock *self)
{
  GtkSourceLanguage *language = find_language (self->language);
  const char *name = "";
  g_autofree char *accessible = NULL;

  if (!chutes_code_block_is_queued (self))
    {
      g_queue_push_tail_link (&highlight_queue, &self->highlight_link);
      highlight_queue_run ();
    }

  if (language != NULL)
    name = gtk_source_language_get_name (language);
  else if (self->language != NULL)
    name = self->language;

  gtk_label_set_text (self->language_label, name);

  if (*name != '\0')
    /* Translators: the accessible name of a code block; %s is a programming language */
    accessible = g_strdup_printf (_("%s code"), name);
  else
    accessible = g_strdup (_("Code"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->source_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

/* GtkScrolledWindow stops every wheel event while it can scroll either
 * way, so a chat could not be scrolled with the pointer over a code block
 * that only scrolls sideways. Its scroll controller is left the sideways
 * scrolling; the rest goes on to the chat. */
static void
scroll_sideways_only (GtkWidget *scroller)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (scroller);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      GtkEventControllerScrollFlags flags;

      if (!GTK_IS_EVENT_CONTROLLER_SCROLL (controller))
        continue;

      flags = gtk_event_controller_scroll_get_flags (GTK_EVENT_CONTROLLER_SCROLL (controller));
      gtk_event_controller_scroll_set_flags (GTK_EVENT_CONTROLLER_SCROLL (controller),
                                             (flags & GTK_EVENT_CONTROLLER_SCROLL_KINETIC) |
                                             GTK_EVENT_CONTROLLER_SCROLL_HORIZONTAL);
    }
}

static gboolean
copied_feedback_done_cb (gpointer user_data)
{
  ChutesCodeBlock *self = user_data;

  self->copied_id = 0;
  gtk_button_set_icon_name (self->copy_button, "edit-copy-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copy Code"));

  return G_SOURCE_REMOVE;
}

static void
copy_button_clicked_cb (ChutesCodeBlock *self)
{
  chutes_code_block_copy (self);
}

static void
chutes_code_block_dispose (GObject *object)
{
  ChutesCodeBlock *self = (ChutesCodeBlock *)object;

  g_clear_handle_id (&self->copied_id, g_source_remove);
  if (chutes_code_block_is_queued (self))
    g_queue_unlink (&highlight_queue, &self->highlight_link);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_CODE_BLOCK);
  self->buffer = NULL;

  G_OBJECT_CLASS (chutes_code_block_parent_class)->dispose (object);
}

static void
chutes_code_block_finalize (GObject *object)
{
  ChutesCodeBlock *self = (ChutesCodeBlock *)object;

  g_free (self->language);
  g_free (self->code);

  G_OBJECT_CLASS (chutes_code_block_parent_class)->finalize (object);
}

static void
chutes_code_block_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChutesCodeBlock *self = CHUTES_CODE_BLOCK (object);

  switch (prop_id)
    {
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;

    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_code_block_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChutesCodeBlock *self = CHUTES_CODE_BLOCK (object);

  switch (prop_id)
    {
    case PROP_LANGUAGE:
      chutes_code_block_set_language (self, g_value_get_string (value));
      break;

    case PROP_CODE:
      chutes_code_block_set_code (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_code_block_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (chutes_code_block_parent_class)->root (widget);

  chutes_md_ensure_style (gtk_widget_get_display (widget));
}

static void
chutes_code_block_class_init (ChutesCodeBlockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_code_block_dispose;
  object_class->finalize = chutes_code_block_finalize;
  object_class->get_property = chutes_code_block_get_property;
  object_class->set_property = chutes_code_block_set_property;

  widget_class->root = chutes_code_block_root;

  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_source_init ();
  g_type_ensure (GTK_SOURCE_TYPE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-code-block.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesCodeBlock, header);
  gtk_widget_class_bind_template_child (widget_class, ChutesCodeBlock, language_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesCodeBlock, copy_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesCodeBlock, scroller);
  gtk_widget_class_bind_template_child (widget_class, ChutesCodeBlock, source_view);
  gtk_widget_class_bind_template_callback (widget_class, copy_button_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "codeblock");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chutes_code_block_init (ChutesCodeBlock *self)
{
  GtkLayoutManager *layout;

  self->highlight_link.data = self;
  gtk_widget_init_template (GTK_WIDGET (self));

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  scroll_sideways_only (self->scroller);

  self->buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->source_view)));
  gtk_source_buffer_set_highlight_syntax (self->buffer, TRUE);
  gtk_source_buffer_set_highlight_matching_brackets (self->buffer, FALSE);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (chutes_code_block_update_style), self,
                           G_CONNECT_SWAPPED);
  chutes_code_block_update_style (self);
  chutes_code_block_update_language (self);
}

/* The first code block loads GtkSourceView: the list of its languages
 * and its styles, some 20 ms. Called when the main loop is idle after the
 * chat is shown (chutes_markdown_view_prepare()), rather than in the
 * middle of the first reply. */
void
chutes_code_block_load_highlighting (void)
{
  GtkSourceLanguageManager *languages = gtk_source_language_manager_get_default ();
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();

  g_type_ensure (GTK_SOURCE_TYPE_VIEW);
  g_type_ensure (GTK_SOURCE_TYPE_BUFFER);
  gtk_source_language_manager_get_language_ids (languages);
  gtk_source_style_scheme_manager_get_scheme (schemes, "Adwaita");
  gtk_source_style_scheme_manager_get_scheme (schemes, "Adwaita-dark");
}

/* While held, no code block starts highlighting; held by each streaming
 * reply (ChutesMarkdownView), released when it is complete. */
void
chutes_code_block_hold_highlighting (void)
{
  highlight_holds++;
}

void
chutes_code_block_release_highlighting (void)
{
  g_return_if_fail (highlight_holds > 0);

  highlight_holds--;
  highlight_queue_run ();
}

GtkWidget *
chutes_code_block_new (const char *language,
                       const char *code)
{
  return g_object_new (CHUTES_TYPE_CODE_BLOCK,
                       "language", language,
                       "code", code,
                       NULL);
}

const char *
chutes_code_block_get_language (ChutesCodeBlock *self)
{
  g_return_val_if_fail (CHUTES_IS_CODE_BLOCK (self), NULL);

  return self->language;
}

void
chutes_code_block_set_language (ChutesCodeBlock *self,
                                const char      *language)
{
  g_return_if_fail (CHUTES_IS_CODE_BLOCK (self));

  if (!chutes_set_str (&self->language, language))
    return;

  chutes_code_block_update_language (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LANGUAGE]);
}

const char *
chutes_code_block_get_language_name (ChutesCodeBlock *self)
{
  g_return_val_if_fail (CHUTES_IS_CODE_BLOCK (self), NULL);

  return gtk_label_get_text (self->language_label);
}

const char *
chutes_code_block_get_code (ChutesCodeBlock *self)
{
  g_return_val_if_fail (CHUTES_IS_CODE_BLOCK (self), NULL);

  return self->code ? self->code : "";
}

void
chutes_code_block_set_code (ChutesCodeBlock *self,
                            const char      *code)
{
  GtkTextBuffer *buffer;
  gsize old_length;

  g_return_if_fail (CHUTES_IS_CODE_BLOCK (self));

  if (code == NULL)
    code = "";
  if (g_strcmp0 (self->code, code) == 0)
    return;

  buffer = GTK_TEXT_BUFFER (self->buffer);
  old_length = self->code ? strlen (self->code) : 0;

  /* While a reply streams the code only grows: add the new end, so that
   * highlighting and layout redo one line, not the whole block. */
  if (old_length > 0 && strncmp (code, self->code, old_length) == 0)
    {
      GtkTextIter end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, code + old_length, -1);
    }
  else
    {
      gtk_text_buffer_set_text (buffer, code, -1);
    }

  chutes_set_str (&self->code, code);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
}

void
chutes_code_block_copy (ChutesCodeBlock *self)
{
  g_return_if_fail (CHUTES_IS_CODE_BLOCK (self));

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                          chutes_code_block_get_code (self));

  gtk_button_set_icon_name (self->copy_button, "object-select-symbolic");
  /* Translators: tooltip of the copy button once the code was copied */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copied"));
  g_clear_handle_id (&self->copied_id, g_source_remove);
  self->copied_id = g_timeout_add (COPIED_FEEDBACK_MS, copied_feedback_done_cb, self);
}
