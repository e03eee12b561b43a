/* chutes-chat-summary.c: one conversation as the sidebar lists it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-chat-summary.h"
#include "chutes-history-private.h"
#include "chutes-util.h"

struct _ChutesChatSummary
{
  GObject  parent_instance;

  gint64   id;
  char    *title;
  gint64   created_at;
  gint64   updated_at;
  char    *model;
};

G_DEFINE_FINAL_TYPE (ChutesChatSummary, chutes_chat_summary, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_MODEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_chat_summary_finalize (GObject *object)
{
  ChutesChatSummary *self = (ChutesChatSummary *)object;

  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->model, g_free);

  G_OBJECT_CLASS (chutes_chat_summary_parent_class)->finalize (object);
}

static void
chutes_chat_summary_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChutesChatSummary *self = CHUTES_CHAT_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;

    case PROP_UPDATED_AT:
      g_value_set_int64 (value, self->updated_at);
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_chat_summary_class_init (ChutesChatSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chutes_chat_summary_finalize;
  object_class->get_property = chutes_chat_summary_get_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         "",
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_UPDATED_AT] =
    g_param_spec_int64 ("updated-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_chat_summary_init (ChutesChatSummary *self)
{
  self->title = g_strdup ("");
}

ChutesChatSummary *
_chutes_chat_summary_new (gint64      id,
                          const char *title,
                          gint64      created_at,
                          gint64      updated_at,
                          const char *model)
{
  ChutesChatSummary *self = g_object_new (CHUTES_TYPE_CHAT_SUMMARY, NULL);

  self->id = id;
  chutes_set_str (&self->title, title != NULL ? title : "");
  self->created_at = created_at;
  self->updated_at = updated_at;
  self->model = g_strdup (model);

  return self;
}

void
_chutes_chat_summary_set_title (ChutesChatSummary *self,
                                const char        *title)
{
  g_return_if_fail (CHUTES_IS_CHAT_SUMMARY (self));

  if (chutes_set_str (&self->title, title != NULL ? title : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

void
_chutes_chat_summary_set_updated_at (ChutesChatSummary *self,
                                     gint64             updated_at)
{
  g_return_if_fail (CHUTES_IS_CHAT_SUMMARY (self));

  if (self->updated_at == updated_at)
    return;

  self->updated_at = updated_at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
}

void
_chutes_chat_summary_set_model (ChutesChatSummary *self,
                                const char        *model)
{
  g_return_if_fail (CHUTES_IS_CHAT_SUMMARY (self));

  if (chutes_set_str (&self->model, model))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gint64
chutes_chat_summary_get_id (ChutesChatSummary *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_SUMMARY (self), 0);

  return self->id;
}

const char *
chutes_chat_summary_get_title (ChutesChatSummary *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_SUMMARY (self), NULL);

  return self->title;
}

gint64
chutes_chat_summary_get_created_at (ChutesChatSummary *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_SUMMARY (self), 0);

  return self->created_at;
}

gint64
chutes_chat_summary_get_updated_at (ChutesChatSummary *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_SUMMARY (self), 0);

  return self->updated_at;
}

const char *
chutes_chat_summary_get_model (ChutesChatSummary *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_SUMMARY (self), NULL);

  return self->model;
}

/* Skips Markdown marks that only dress a line: "# ", "> ", "- ", "* ",
 * "+ ", "1. ", and repeats of them ("> - "). */
static const char *
skip_line_marks (const char *line)
{
  for (;;)
    {
      const char *p = line;

      while (*p == ' ' || *p == '\t')
        p++;

      if (*p == '#')
        {
          while (*p == '#')
            p++;
        }
      else if (*p == '>')
        p++;
      else if ((*p == '-' || *p == '*' || *p == '+') && (p[1] == ' ' || p[1] == '\t'))
        p++;
      else if (g_ascii_isdigit (*p))
        {
          while (g_ascii_isdigit (*p))
            p++;
          if ((*p != '.' && *p != ')') || (p[1] != ' ' && p[1] != '\t'))
            return line;
          p++;
        }
      else
        return p;

      if (*p != ' ' && *p != '\t' && *p != '\0')
        return line;

      line = p;
    }
}

char *
chutes_chat_summary_title_from_text (const char *text,
                                     guint       max_chars)
{
  g_autoptr(GString) title = g_string_new (NULL);
  const char *line = text;
  const char *p;

  g_return_val_if_fail (max_chars > 1, NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");

  /* The first line with something on it. */
  for (;;)
    {
      const char *end = strchr (line, '\n');
      const char *start = skip_line_marks (line);
      gboolean blank = TRUE;

      for (p = start; *p != '\0' && p != end; p = g_utf8_next_char (p))
        if (!g_unichar_isspace (g_utf8_get_char (p)))
          {
            blank = FALSE;
            break;
          }

      if (!blank)
        {
          line = start;
          break;
        }

      if (end == NULL)
        return g_strdup ("");

      line = end + 1;
    }

  for (p = line; *p != '\0' && *p != '\n'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          if (title->len > 0 && title->str[title->len - 1] != ' ')
            g_string_append_c (title, ' ');
          continue;
        }

      g_string_append_unichar (title, c);
    }

  while (title->len > 0 && title->str[title->len - 1] == ' ')
    g_string_truncate (title, title->len - 1);

  if (g_utf8_strlen (title->str, -1) > max_chars)
    {
      const char *cut = g_utf8_offset_to_pointer (title->str, max_chars - 1);
      gsize keep = cut - title->str;

      /* At the last word boundary, unless that loses most of it. */
      for (gsize i = keep; i > keep / 2; i--)
        if (title->str[i] == ' ')
          {
            keep = i;
            break;
          }

      g_string_truncate (title, keep);
      while (title->len > 0 && title->str[title->len - 1] == ' ')
        g_string_truncate (title, title->len - 1);
      g_string_append (title, "…");
    }

  return g_string_free (g_steal_pointer (&title), FALSE);
}
