/* chutes-search-provider.c: the GNOME Shell search provider, over D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-search-provider.h"

/* org.gnome.Shell.SearchProvider2, as the Shell calls it
 * (gnome-shell/data/dbus-interfaces/org.gnome.Shell.SearchProvider2.xml). */
static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.gnome.Shell.SearchProvider2'>"
  "    <method name='GetInitialResultSet'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetSubsearchResultSet'>"
  "      <arg type='as' name='previous_results' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='as' name='results' direction='out'/>"
  "    </method>"
  "    <method name='GetResultMetas'>"
  "      <arg type='as' name='identifiers' direction='in'/>"
  "      <arg type='aa{sv}' name='metas' direction='out'/>"
  "    </method>"
  "    <method name='ActivateResult'>"
  "      <arg type='s' name='identifier' direction='in'/>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "    <method name='LaunchSearch'>"
  "      <arg type='as' name='terms' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* The metas of results recently returned are remembered for
 * GetResultMetas, up to this many. */
#define MAX_CACHED_METAS 500

typedef struct
{
  char *name;
  char *description;
} Meta;

struct _ChutesSearchProvider
{
  GObject          parent_instance;

  ChutesHistory   *history;
  GApplication    *application;
  GDBusConnection *connection;
  GHashTable      *metas;      /* result id -> Meta */
  GCancellable    *cancellable;
  guint            registration_id;
  guint            enabled : 1;
};

G_DEFINE_FINAL_TYPE (ChutesSearchProvider, chutes_search_provider, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HISTORY,
  PROP_ENABLED,
  PROP_APPLICATION,
  N_PROPS
};

enum {
  ACTIVATE_RESULT,
  LAUNCH_SEARCH,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
meta_free (gpointer data)
{
  Meta *meta = data;

  g_free (meta->name);
  g_free (meta->description);
  g_free (meta);
}

/* Matching titles ---------------------------------------------------------- */

/* @text lowered, without accents, cut into words (runs of letters and
 * digits). */
static GPtrArray *
split_words (const char *text)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *decomposed = NULL;
  g_autoptr(GString) word = g_string_new (NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_steal_pointer (&words);

  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  if (decomposed == NULL)
    return g_steal_pointer (&words);

  for (const char *p = decomposed; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_NON_SPACING_MARK ||
          type == G_UNICODE_SPACING_MARK ||
          type == G_UNICODE_ENCLOSING_MARK)
        continue;

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, g_unichar_tolower (c));
          continue;
        }

      if (word->len > 0)
        {
          g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
        }

      if (c == 0)
        break;
    }

  return g_steal_pointer (&words);
}

/* The words of @terms, as split_words() cuts them. */
static GPtrArray *
split_terms (const char *const *terms)
{
  g_autofree char *joined = NULL;

  if (terms == NULL)
    return g_ptr_array_new_with_free_func (g_free);

  joined = g_strjoinv (" ", (char **)terms);
  return split_words (joined);
}

/* The words of @term_words that begin no word of @title, joined with
 * spaces ("" when the title has them all); @n_missing says how many. */
static char *
title_lacks (const char *title,
             GPtrArray  *term_words,
             guint      *n_missing)
{
  g_autoptr(GPtrArray) title_words = split_words (title);
  g_autoptr(GString) missing = g_string_new (NULL);

  *n_missing = 0;
  for (guint i = 0; i < term_words->len; i++)
    {
      const char *term = g_ptr_array_index (term_words, i);
      gboolean found = FALSE;

      for (guint j = 0; j < title_words->len && !found; j++)
        found = g_str_has_prefix (g_ptr_array_index (title_words, j), term);

      if (!found)
        {
          g_string_append_printf (missing, "%s%s", missing->len > 0 ? " " : "", term);
          (*n_missing)++;
        }
    }

  return g_string_free (g_steal_pointer (&missing), FALSE);
}

/* Whether @title has every word of @term_words (there being some). */
static gboolean
title_has_all (const char *title,
               GPtrArray  *term_words)
{
  g_autofree char *missing = NULL;
  guint n_missing;

  if (term_words->len == 0)
    return FALSE;

  missing = title_lacks (title, term_words, &n_missing);
  return n_missing == 0;
}

gboolean
chutes_search_provider_title_matches (const char        *title,
                                      const char *const *terms)
{
  g_autoptr(GPtrArray) term_words = split_terms (terms);

  return title_has_all (title, term_words);
}

/* Metas -------------------------------------------------------------------- */

char *
chutes_search_provider_make_description (const char *snippet)
{
  g_autoptr(GString) description = g_string_new (NULL);
  guint n_chars = 0;
  gboolean space = TRUE;   /* no leading space */
  const char *p;

  if (snippet == NULL || !g_utf8_validate (snippet, -1, NULL))
    return g_strdup ("");

  for (p = snippet; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) ||
          g_unichar_type (c) == G_UNICODE_LINE_SEPARATOR ||
          g_unichar_type (c) == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          if (space)
            continue;
          c = ' ';
          space = TRUE;
        }
      else
        space = FALSE;

      if (n_chars == CHUTES_SEARCH_PROVIDER_MAX_DESCRIPTION - 1)
        {
          /* One character left: the last one if the text ends here. */
          const char *next = g_utf8_next_char (p);

          if (*next == '\0' && c != ' ')
            g_string_append_unichar (description, c);
          else
            {
              while (description->len > 0 && description->str[description->len - 1] == ' ')
                g_string_truncate (description, description->len - 1);
              if (!g_str_has_suffix (description->str, "…"))
                g_string_append (description, "…");
            }
          break;
        }

      g_string_append_unichar (description, c);
      n_chars++;
    }

  while (description->len > 0 && description->str[description->len - 1] == ' ')
    g_string_truncate (description, description->len - 1);

  return g_string_free (g_steal_pointer (&description), FALSE);
}

static char *
make_result_id (gint64 conversation_id,
                gint64 message_id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, conversation_id, message_id);
}

static gboolean
parse_result_id (const char *id,
                 gint64     *conversation_id,
                 gint64     *message_id)
{
  g_auto(GStrv) parts = g_strsplit (id, ":", 3);
  guint64 conversation, message;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT64, &conversation, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, &message, NULL))
    return FALSE;

  *conversation_id = (gint64)conversation;
  *message_id = (gint64)message;
  return TRUE;
}

static void
chutes_search_provider_remember (ChutesSearchProvider *self,
                                 const char           *id,
                                 const char           *name,
                                 const char           *snippet)
{
  Meta *meta = g_new0 (Meta, 1);

  if (g_hash_table_size (self->metas) >= MAX_CACHED_METAS)
    g_hash_table_remove_all (self->metas);

  meta->name = g_strdup (name != NULL ? name : "");
  meta->description = chutes_search_provider_make_description (snippet);
  g_hash_table_replace (self->metas, g_strdup (id), meta);
}

static GVariant *
chutes_search_provider_get_metas (ChutesSearchProvider *self,
                                  const char *const    *ids)
{
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);
  g_autofree char *icon_string = g_icon_to_string (icon);
  g_autoptr(GVariant) icon_variant = g_icon_serialize (icon);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; ids[i] != NULL; i++)
    {
      Meta *meta = g_hash_table_lookup (self->metas, ids[i]);
      ChutesChatSummary *summary = NULL;
      const char *name = NULL;
      const char *description = "";
      gint64 conversation_id, message_id;

      if (!parse_result_id (ids[i], &conversation_id, &message_id))
        continue;

      if (meta != NULL)
        {
          name = meta->name;
          description = meta->description;
        }
      else if (self->history != NULL &&
               (summary = chutes_history_lookup_conversation (self->history, conversation_id)) != NULL)
        name = chutes_chat_summary_get_title (summary);
      else
        continue;

      g_variant_builder_open (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (ids[i]));
      g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
      g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (description));
      g_variant_builder_add (&builder, "{sv}", "gicon", g_variant_new_string (icon_string));
      if (icon_variant != NULL)
        g_variant_builder_add (&builder, "{sv}", "icon", icon_variant);
      g_variant_builder_close (&builder);
    }

  return g_variant_builder_end (&builder);
}

/* Searching ---------------------------------------------------------------- */

typedef struct
{
  ChutesSearchProvider  *self;
  GDBusMethodInvocation *invocation;
  char                 **terms;
  GHashTable            *previous;    /* conversation id -> message id, or NULL */
  GPtrArray             *ids;         /* the result ids so far */
  GHashTable            *seen;        /* conversation ids in @ids */
  GPtrArray             *term_words;  /* @terms split as titles are */
  GHashTable            *tried;       /* the word sets looked for in messages */
} Search;

/* At most this many extra searches for conversations whose title has some
 * of the words and whose messages have the rest. */
#define MAX_SPLIT_SEARCHES 3

static void
search_free (Search *search)
{
  if (search->self->application != NULL)
    g_application_release (search->self->application);
  g_object_unref (search->self);
  g_clear_object (&search->invocation);
  g_strfreev (search->terms);
  g_clear_pointer (&search->previous, g_hash_table_unref);
  g_clear_pointer (&search->ids, g_ptr_array_unref);
  g_clear_pointer (&search->seen, g_hash_table_unref);
  g_clear_pointer (&search->term_words, g_ptr_array_unref);
  g_clear_pointer (&search->tried, g_hash_table_unref);
  g_free (search);
}

static void
search_return (Search    *search,
               GPtrArray *ids)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("as"));
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_variant_builder_add (&builder, "s", g_ptr_array_index (ids, i));

  g_dbus_method_invocation_return_value (g_steal_pointer (&search->invocation),
                                         g_variant_new ("(as)", &builder));
  search_free (search);
}

static void
search_add (Search     *search,
            gint64      conversation_id,
            gint64      message_id,
            const char *title,
            const char *snippet)
{
  g_autofree char *id = NULL;
  gpointer previous_message;
  GPtrArray *ids = search->ids;
  GHashTable *seen = search->seen;

  if (ids->len >= CHUTES_SEARCH_PROVIDER_MAX_RESULTS ||
      g_hash_table_contains (seen, &conversation_id))
    return;

  /* Narrowing: only conversations found before, and one found by its
   * title now keeps the message found before. */
  if (search->previous != NULL)
    {
      if (!g_hash_table_lookup_extended (search->previous, &conversation_id, NULL, &previous_message))
        return;
      if (message_id == 0 && previous_message != NULL)
        {
          message_id = *(gint64 *)previous_message;
          snippet = NULL;
        }
    }

  id = make_result_id (conversation_id, message_id);
  if (snippet == NULL && message_id != 0 && g_hash_table_contains (search->self->metas, id))
    {
      /* Already described by the search that found the message. */
      g_hash_table_add (seen, g_memdup2 (&conversation_id, sizeof conversation_id));
      g_ptr_array_add (ids, g_steal_pointer (&id));
      return;
    }

  g_hash_table_add (seen, g_memdup2 (&conversation_id, sizeof conversation_id));
  chutes_search_provider_remember (search->self, id, title, snippet);
  g_ptr_array_add (ids, g_steal_pointer (&id));
}

/* Conversations found by their title and messages together, the title
 * having some of the words and a message the others: one search of the
 * messages per set of words the titles lack, in the conversations that
 * lack just that set, newest first. Returns FALSE when there is nothing
 * (more) to look for. */
static void split_search_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data);

static gboolean
search_next_split (Search *search)
{
  ChutesHistory *history = search->self->history;
  GListModel *conversations = chutes_history_get_conversations (history);
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *looking_for = NULL;
  guint n = g_list_model_get_n_items (conversations);

  if (search->term_words->len < 2 || search->ids->len >= CHUTES_SEARCH_PROVIDER_MAX_RESULTS ||
      g_hash_table_size (search->tried) >= MAX_SPLIT_SEARCHES)
    return FALSE;

  for (guint i = 0; i < n && candidates->len < CHUTES_SEARCH_PROVIDER_MAX_RESULTS; i++)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (conversations, i);
      gint64 id = chutes_chat_summary_get_id (summary);
      g_autofree char *missing = NULL;
      guint n_missing;

      if (g_hash_table_contains (search->seen, &id))
        continue;

      missing = title_lacks (chutes_chat_summary_get_title (summary), search->term_words,
                             &n_missing);
      if (n_missing == 0 || n_missing == search->term_words->len ||
          g_hash_table_contains (search->tried, missing))
        continue;

      if (looking_for == NULL)
        looking_for = g_steal_pointer (&missing);
      else if (!g_str_equal (looking_for, missing))
        continue;

      g_array_append_val (candidates, id);
    }

  if (looking_for == NULL)
    return FALSE;

  g_hash_table_add (search->tried, g_strdup (looking_for));
  chutes_history_search_in_conversations_async (history, looking_for,
                                                (const gint64 *) candidates->data, candidates->len,
                                                search->self->cancellable, split_search_cb, search);
  return TRUE;
}

static void
search_add_hits (Search     *search,
                 GListModel *hits)
{
  guint n_hits = g_list_model_get_n_items (hits);

  for (guint i = 0; i < n_hits; i++)
    {
      g_autoptr(ChutesSearchHit) hit = g_list_model_get_item (hits, i);

      search_add (search,
                  chutes_search_hit_get_conversation_id (hit),
                  chutes_search_hit_get_message_id (hit),
                  chutes_search_hit_get_conversation_title (hit),
                  chutes_search_hit_get_snippet (hit));
    }
}

static void
split_search_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Search *search = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) hits = NULL;

  hits = chutes_history_search_finish (CHUTES_HISTORY (object), result, &error);
  if (hits != NULL)
    search_add_hits (search, hits);
  else
    g_debug ("Search provider: a search failed: %s", error->message);

  if (hits == NULL || !search_next_split (search))
    search_return (search, search->ids);
}

/* Conversations whose title matches first (newest first), then those with
 * a message found (newest hit first), each once, pointing at its newest
 * hit when it has one; then those whose title and messages have the
 * words between them. */
static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Search *search = user_data;
  ChutesHistory *history = CHUTES_HISTORY (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) hits = NULL;
  g_autoptr(GHashTable) newest_hits = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                             g_free, g_object_unref);
  GListModel *conversations;
  guint n_hits;
  guint n;

  hits = chutes_history_search_finish (history, result, &error);
  if (error != NULL)
    {
      g_debug ("Search provider: the search failed: %s", error->message);
      search_return (search, NULL);
      return;
    }

  n_hits = g_list_model_get_n_items (hits);
  for (guint i = n_hits; i > 0; i--)
    {
      ChutesSearchHit *hit = g_list_model_get_item (hits, i - 1);
      gint64 id = chutes_search_hit_get_conversation_id (hit);

      g_hash_table_replace (newest_hits, g_memdup2 (&id, sizeof id), hit);
    }

  conversations = chutes_history_get_conversations (history);
  n = g_list_model_get_n_items (conversations);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (conversations, i);
      const char *title = chutes_chat_summary_get_title (summary);
      gint64 id = chutes_chat_summary_get_id (summary);
      ChutesSearchHit *hit;

      if (!title_has_all (title, search->term_words))
        continue;

      hit = g_hash_table_lookup (newest_hits, &id);
      search_add (search, id,
                  hit != NULL ? chutes_search_hit_get_message_id (hit) : 0,
                  title,
                  hit != NULL ? chutes_search_hit_get_snippet (hit) : NULL);
    }

  search_add_hits (search, hits);

  if (!search_next_split (search))
    search_return (search, search->ids);
}

static void
chutes_search_provider_search (ChutesSearchProvider  *self,
                               GDBusMethodInvocation *invocation,
                               const char *const     *previous,
                               char                 **terms)
{
  Search *search = g_new0 (Search, 1);
  g_autofree char *text = NULL;

  search->self = g_object_ref (self);
  search->invocation = invocation;   /* owned: returning a value consumes it */
  search->terms = terms;
  search->ids = g_ptr_array_new_with_free_func (g_free);
  search->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  search->term_words = split_terms ((const char *const *) terms);
  search->tried = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (self->application != NULL)
    g_application_hold (self->application);

  if (previous != NULL)
    {
      search->previous = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      for (guint i = 0; previous[i] != NULL; i++)
        {
          gint64 conversation_id, message_id;

          if (parse_result_id (previous[i], &conversation_id, &message_id))
            g_hash_table_replace (search->previous,
                                  g_memdup2 (&conversation_id, sizeof conversation_id),
                                  message_id != 0 ? g_memdup2 (&message_id, sizeof message_id) : NULL);
        }
    }

  if (!self->enabled || self->history == NULL || terms == NULL || terms[0] == NULL)
    {
      search_return (search, NULL);
      return;
    }

  text = g_strjoinv (" ", terms);
  chutes_history_search_conversations_async (self->history, text,
                                             CHUTES_SEARCH_PROVIDER_MAX_RESULTS,
                                             self->cancellable, search_cb, search);
}

/* D-Bus -------------------------------------------------------------------- */

static void
method_call (GDBusConnection       *connection,
             const char            *sender,
             const char            *object_path,
             const char            *interface_name,
             const char            *method_name,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               user_data)
{
  ChutesSearchProvider *self = user_data;

  if (g_str_equal (method_name, "GetInitialResultSet"))
    {
      char **terms = NULL;

      g_variant_get (parameters, "(^as)", &terms);
      chutes_search_provider_search (self, invocation, NULL, terms);
    }
  else if (g_str_equal (method_name, "GetSubsearchResultSet"))
    {
      g_autofree const char **previous = NULL;
      char **terms = NULL;

      g_variant_get (parameters, "(^a&s^as)", &previous, &terms);
      chutes_search_provider_search (self, invocation, previous, terms);
    }
  else if (g_str_equal (method_name, "GetResultMetas"))
    {
      g_autofree const char **ids = NULL;

      g_variant_get (parameters, "(^a&s)", &ids);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@aa{sv})",
                                                            chutes_search_provider_get_metas (self, ids)));
    }
  else if (g_str_equal (method_name, "ActivateResult"))
    {
      const char *id = NULL;
      guint32 timestamp = 0;
      gint64 conversation_id, message_id;

      g_variant_get (parameters, "(&s@asu)", &id, NULL, &timestamp);
      if (!parse_result_id (id, &conversation_id, &message_id))
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_INVALID_ARGS,
                                                 "Not a result of this provider");
          return;
        }

      g_signal_emit (self, signals[ACTIVATE_RESULT], 0, conversation_id, message_id, timestamp);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "LaunchSearch"))
    {
      g_auto(GStrv) terms = NULL;
      g_autofree char *text = NULL;
      guint32 timestamp = 0;

      g_variant_get (parameters, "(^asu)", &terms, &timestamp);
      text = g_strjoinv (" ", terms);
      g_signal_emit (self, signals[LAUNCH_SEARCH], 0, text, timestamp);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                           G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

gboolean
chutes_search_provider_export (ChutesSearchProvider *self,
                               GDBusConnection      *connection,
                               const char           *object_path,
                               GError              **error)
{
  static GDBusNodeInfo *info;

  g_return_val_if_fail (CHUTES_IS_SEARCH_PROVIDER (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (object_path != NULL, FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (introspection_xml, NULL));

  self->registration_id = g_dbus_connection_register_object (connection, object_path,
                                                             info->interfaces[0],
                                                             &vtable, self, NULL, error);
  if (self->registration_id == 0)
    return FALSE;

  g_set_object (&self->connection, connection);
  return TRUE;
}

void
chutes_search_provider_unexport (ChutesSearchProvider *self)
{
  g_return_if_fail (CHUTES_IS_SEARCH_PROVIDER (self));

  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_object (&self->connection);
}

/* GObject ------------------------------------------------------------------ */

ChutesSearchProvider *
chutes_search_provider_new (ChutesHistory *history)
{
  g_return_val_if_fail (history == NULL || CHUTES_IS_HISTORY (history), NULL);

  return g_object_new (CHUTES_TYPE_SEARCH_PROVIDER, "history", history, NULL);
}

ChutesHistory *
chutes_search_provider_get_history (ChutesSearchProvider *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_PROVIDER (self), NULL);
  return self->history;
}

void
chutes_search_provider_set_history (ChutesSearchProvider *self,
                                    ChutesHistory        *history)
{
  g_return_if_fail (CHUTES_IS_SEARCH_PROVIDER (self));
  g_return_if_fail (history == NULL || CHUTES_IS_HISTORY (history));

  if (g_set_object (&self->history, history))
    {
      /* Results of another history mean nothing in this one. */
      g_hash_table_remove_all (self->metas);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
    }
}

gboolean
chutes_search_provider_get_enabled (ChutesSearchProvider *self)
{
  g_return_val_if_fail (CHUTES_IS_SEARCH_PROVIDER (self), FALSE);
  return self->enabled;
}

void
chutes_search_provider_set_enabled (ChutesSearchProvider *self,
                                    gboolean              enabled)
{
  g_return_if_fail (CHUTES_IS_SEARCH_PROVIDER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

void
chutes_search_provider_set_application (ChutesSearchProvider *self,
                                        GApplication         *application)
{
  g_return_if_fail (CHUTES_IS_SEARCH_PROVIDER (self));
  g_return_if_fail (application == NULL || G_IS_APPLICATION (application));

  /* Not a reference: the application owns the provider. */
  if (self->application == application)
    return;

  self->application = application;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLICATION]);
}

static void
chutes_search_provider_dispose (GObject *object)
{
  ChutesSearchProvider *self = (ChutesSearchProvider *)object;

  chutes_search_provider_unexport (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->history);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->metas, g_hash_table_unref);

  G_OBJECT_CLASS (chutes_search_provider_parent_class)->dispose (object);
}

static void
chutes_search_provider_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ChutesSearchProvider *self = CHUTES_SEARCH_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;

    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;

    case PROP_APPLICATION:
      g_value_set_object (value, self->application);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_search_provider_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ChutesSearchProvider *self = CHUTES_SEARCH_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      chutes_search_provider_set_history (self, g_value_get_object (value));
      break;

    case PROP_ENABLED:
      chutes_search_provider_set_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_APPLICATION:
      chutes_search_provider_set_application (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_search_provider_class_init (ChutesSearchProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_search_provider_dispose;
  object_class->get_property = chutes_search_provider_get_property;
  object_class->set_property = chutes_search_provider_set_property;

  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL,
                         CHUTES_TYPE_HISTORY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL,
                         G_TYPE_APPLICATION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACTIVATE_RESULT] =
    g_signal_new ("activate-result",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_UINT);
  signals[LAUNCH_SEARCH] =
    g_signal_new ("launch-search",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
}

static void
chutes_search_provider_init (ChutesSearchProvider *self)
{
  self->enabled = TRUE;
  self->cancellable = g_cancellable_new ();
  self->metas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, meta_free);
}
