/* chutes-search-hit.c: one message found by a search of the chat history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-history-private.h"
#include "chutes-search-hit.h"

/* How much of a message a snippet shows, in characters. */
#define SNIPPET_BEFORE 40
#define SNIPPET_LENGTH 160
#define SNIPPET_SLACK  30

struct _ChutesSearchHit
{
  GObject            parent_instance;

  gint64             conversation_id;
  gint64             message_id;
  char              *conversation_title;
  ChutesMessageRole  role;
  gint64             created_at;
  char              *snippet;
  GArray            *ranges;       /* of ChutesTextRange */
};

G_DEFINE_FINAL_TYPE (ChutesSearchHit, chutes_search_hit, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONVERSATION_ID,
  PROP_MESSAGE_ID,
  PROP_CONVERSATION_TITLE,
  PROP_ROLE,
  PROP_CREATED_AT,
  PROP_SNIPPET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_search_hit_finalize (GObject *object)
{
  ChutesSearchHit *self = (ChutesSearchHit *)object;

  g_clear_pointer (&self->conversation_title, g_free);
  g_clear_pointer (&self->snippet, g_free);
  g_clear_pointer (&self->ranges, g_array_unref);

  G_OBJECT_CLASS (chutes_search_hit_parent_class)->finalize (object);
}

static void
chutes_search_hit_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChutesSearchHit *self = CHUTES_SEARCH_HIT (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION_ID:
      g_value_set_int64 (value, self->conversation_id);
      break;

    case PROP_MESSAGE_ID:
      g_value_set_int64 (value, self->message_id);
      break;

    case PROP_CONVERSATION_TITLE:
      g_value_set_string (value, self->conversation_title);
      break;

    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;

    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;

    case PROP_SNIPPET:
      g_value_set_string (value, self->snippet);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_search_hit_class_init (ChutesSearchHitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chutes_search_hit_finalize;
  object_class->get_property = chutes_search_hit_get_property;

  properties[PROP_CONVERSATION_ID] =
    g_param_spec_int64 ("conversation-id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_MESSAGE_ID] =
    g_param_spec_int64 ("message-id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_CONVERSATION_TITLE] =
    g_param_spec_string ("conversation-title", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL,
                       CHUTES_TYPE_MESSAGE_ROLE,
                       CHUTES_MESSAGE_ROLE_USER,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_SNIPPET] =
    g_param_spec_string ("snippet", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_search_hit_init (ChutesSearchHit *self)
{
}

ChutesSearchHit *
_chutes_search_hit_new (gint64             conversation_id,
                        gint64             message_id,
                        const char        *conversation_title,
                        ChutesMessageRole  role,
                        gint64             created_at,
                        char              *snippet,
                        GArray            *ranges)
{
  ChutesSearchHit *self = g_object_new (CHUTES_TYPE_SEARCH_HIT, NULL);

  self->conversation_id = conversation_id;
  self->message_id = message_id;
  self->conversation_title = g_strdup (conversation_title != NULL ? conversation_title : "");
  self->role = role;
  self->created_at = created_at;
  self->snippet = snippet != NULL ? snippet : g_strdup ("");
  self->ranges = ranges != NULL ? ranges : g_array_new (FALSE, FALSE, sizeof (ChutesTextRange));

  return self;
}

gint64
chutes_search_hit_get_conversation_id (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), 0);

  return self->conversation_id;
}

gint64
chutes_search_hit_get_message_id (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), 0);

  return self->message_id;
}

const char *
chutes_search_hit_get_conversation_title (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), NULL);

  return self->conversation_title;
}

ChutesMessageRole
chutes_search_hit_get_role (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), CHUTES_MESSAGE_ROLE_USER);

  return self->role;
}

gint64
chutes_search_hit_get_created_at (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), 0);

  return self->created_at;
}

const char *
chutes_search_hit_get_snippet (ChutesSearchHit *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), NULL);

  return self->snippet;
}

const ChutesTextRange *
chutes_search_hit_get_ranges (ChutesSearchHit *self,
                              guint           *n_ranges)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), NULL);
  g_return_val_if_fail (n_ranges != NULL, NULL);

  *n_ranges = self->ranges->len;

  return (const ChutesTextRange *)(gpointer)self->ranges->data;
}

static void
append_escaped (GString    *markup,
                const char *text,
                gssize      length)
{
  g_autofree char *escaped = g_markup_escape_text (text, length);

  g_string_append (markup, escaped);
}

char *
chutes_search_hit_to_markup (ChutesSearchHit *self)
{
  g_autoptr(GString) markup = NULL;
  const char *p;
  guint offset = 0;

  g_return_val_if_fail (CHUTES_IS_SEARCH_HIT (self), NULL);

  markup = g_string_new (NULL);
  p = self->snippet;

  for (guint i = 0; i < self->ranges->len; i++)
    {
      const ChutesTextRange *range = &g_array_index (self->ranges, ChutesTextRange, i);
      const char *start = g_utf8_offset_to_pointer (p, range->start - offset);
      const char *end = g_utf8_offset_to_pointer (start, range->end - range->start);

      append_escaped (markup, p, start - p);
      g_string_append (markup, "<b>");
      append_escaped (markup, start, end - start);
      g_string_append (markup, "</b>");

      p = end;
      offset = range->end;
    }

  append_escaped (markup, p, -1);

  return g_string_free (g_steal_pointer (&markup), FALSE);
}

static int
compare_byte_ranges (gconstpointer a,
                     gconstpointer b)
{
  const ChutesByteRange *ra = a;
  const ChutesByteRange *rb = b;

  if (ra->start != rb->start)
    return ra->start < rb->start ? -1 : 1;

  return 0;
}

/* Sorted, merged ranges inside [0, length] on character boundaries. */
static GArray *
clean_byte_ranges (const char           *content,
                   gsize                 length,
                   const ChutesByteRange *ranges,
                   guint                 n_ranges)
{
  GArray *clean = g_array_sized_new (FALSE, FALSE, sizeof (ChutesByteRange), n_ranges);

  for (guint i = 0; i < n_ranges; i++)
    {
      ChutesByteRange range = ranges[i];

      if (range.start >= range.end || range.end > length)
        continue;
      /* Never inside a UTF-8 sequence. */
      if ((content[range.start] & 0xC0) == 0x80 ||
          (range.end < length && (content[range.end] & 0xC0) == 0x80))
        continue;

      g_array_append_val (clean, range);
    }

  g_array_sort (clean, compare_byte_ranges);

  for (guint i = 1; i < clean->len;)
    {
      ChutesByteRange *prev = &g_array_index (clean, ChutesByteRange, i - 1);
      ChutesByteRange *cur = &g_array_index (clean, ChutesByteRange, i);

      if (cur->start <= prev->end)
        {
          prev->end = MAX (prev->end, cur->end);
          g_array_remove_index (clean, i);
        }
      else
        i++;
    }

  return clean;
}

static gboolean
is_space_at (const char *p)
{
  gunichar c = g_utf8_get_char (p);

  return g_unichar_isspace (c) || g_unichar_iscntrl (c);
}

char *
_chutes_search_hit_make_snippet (const char            *content,
                                 const ChutesByteRange *byte_ranges,
                                 guint                  n_byte_ranges,
                                 GArray               **ranges_out)
{
  g_autoptr(GArray) clean = NULL;
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GString) snippet = NULL;
  gsize length;
  const char *start;
  const char *end;
  const char *p;
  guint n_chars = 0;
  guint r = 0;
  gboolean open = FALSE;
  gboolean pending_space = FALSE;
  ChutesTextRange current = { 0, 0 };

  g_return_val_if_fail (ranges_out != NULL, NULL);

  ranges = g_array_new (FALSE, FALSE, sizeof (ChutesTextRange));
  snippet = g_string_new (NULL);

  if (content == NULL || !g_utf8_validate (content, -1, NULL))
    {
      *ranges_out = g_steal_pointer (&ranges);
      return content != NULL ? g_utf8_make_valid (content, -1) : g_strdup ("");
    }

  length = strlen (content);
  clean = clean_byte_ranges (content, length, byte_ranges, n_byte_ranges);

  /* Start a little before the first match, after a space if there is one
   * there, so that no word is cut. */
  start = content;
  if (clean->len > 0)
    {
      const char *first = content + g_array_index (clean, ChutesByteRange, 0).start;
      const char *back = first;

      for (guint i = 0; i < SNIPPET_BEFORE && back > content; i++)
        back = g_utf8_prev_char (back);

      if (back > content)
        {
          for (p = back; p < first; p = g_utf8_next_char (p))
            if (is_space_at (p))
              break;
          start = p < first ? g_utf8_next_char (p) : back;
        }
    }

  while (*start != '\0' && is_space_at (start))
    start = g_utf8_next_char (start);

  /* End SNIPPET_LENGTH characters on, at a space if one is near. */
  end = start;
  for (guint i = 0; i < SNIPPET_LENGTH && *end != '\0'; i++)
    end = g_utf8_next_char (end);
  if (*end != '\0')
    {
      const char *space = NULL;
      const char *q = end;

      for (guint i = 0; i < SNIPPET_SLACK && q > start; i++)
        {
          q = g_utf8_prev_char (q);
          if (is_space_at (q))
            {
              space = q;
              break;
            }
        }
      if (space != NULL)
        end = space;
    }

  if (start > content)
    {
      g_string_append (snippet, "…");
      n_chars++;
    }

  /* Ranges wholly before the window are skipped. */
  while (r < clean->len && content + g_array_index (clean, ChutesByteRange, r).end <= start)
    r++;

  for (p = start; p < end; p = g_utf8_next_char (p))
    {
      gsize b = p - content;

      if (open && b >= g_array_index (clean, ChutesByteRange, r).end)
        {
          current.end = n_chars;
          g_array_append_val (ranges, current);
          open = FALSE;
          r++;
        }

      if (is_space_at (p))
        {
          pending_space = TRUE;
          continue;
        }

      if (pending_space)
        {
          g_string_append_c (snippet, ' ');
          n_chars++;
          pending_space = FALSE;
        }

      if (!open && r < clean->len && b >= g_array_index (clean, ChutesByteRange, r).start)
        {
          current.start = n_chars;
          open = TRUE;
        }

      g_string_append_unichar (snippet, g_utf8_get_char (p));
      n_chars++;
    }

  if (open)
    {
      current.end = n_chars;
      g_array_append_val (ranges, current);
    }

  if (*end != '\0')
    g_string_append (snippet, "…");

  *ranges_out = g_steal_pointer (&ranges);

  return g_string_free (g_steal_pointer (&snippet), FALSE);
}
