/* chutes-history-search.c: finding messages with SQLite's full-text
 * index, from the query typed to the snippets shown
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-history-private.h"

/* Words of a search beyond this many are ignored. */
#define MAX_SEARCH_WORDS 16

/* chutes_match_ranges(fts_table): the byte ranges of the content that the
 * query matched, as a blob of int pairs (start, end). The tokens come from
 * FTS5's own tokenizer, so they are exactly what matched. */
typedef struct
{
  GHashTable *wanted;     /* token index -> TRUE */
  GArray     *ranges;     /* of int, pairs */
  int         index;
} RangesState;

static int
ranges_token_cb (void       *user_data,
                 int         flags,
                 const char *token,
                 int         n_token,
                 int         start,
                 int         end)
{
  RangesState *state = user_data;

  if (flags & FTS5_TOKEN_COLOCATED)
    return SQLITE_OK;

  if (g_hash_table_contains (state->wanted, GINT_TO_POINTER (state->index)))
    {
      g_array_append_val (state->ranges, start);
      g_array_append_val (state->ranges, end);
    }

  state->index++;

  return SQLITE_OK;
}

static void
match_ranges_fn (const Fts5ExtensionApi  *api,
                 Fts5Context             *fts,
                 sqlite3_context         *context,
                 int                      n_values,
                 sqlite3_value          **values)
{
  RangesState state = { 0, };
  const char *text = NULL;
  int n_text = 0;
  int n_inst = 0;
  int rc;

  rc = api->xInstCount (fts, &n_inst);
  if (rc != SQLITE_OK)
    {
      sqlite3_result_error_code (context, rc);
      return;
    }

  state.wanted = g_hash_table_new (NULL, NULL);
  state.ranges = g_array_new (FALSE, FALSE, sizeof (int));

  for (int i = 0; i < n_inst; i++)
    {
      int phrase, column, offset;

      if (api->xInst (fts, i, &phrase, &column, &offset) != SQLITE_OK || column != 0)
        continue;

      for (int t = 0; t < MAX (api->xPhraseSize (fts, phrase), 1); t++)
        g_hash_table_add (state.wanted, GINT_TO_POINTER (offset + t));
    }

  rc = api->xColumnText (fts, 0, &text, &n_text);
  if (rc == SQLITE_OK && text != NULL && g_hash_table_size (state.wanted) > 0)
    rc = api->xTokenize (fts, text, n_text, &state, ranges_token_cb);

  if (rc == SQLITE_OK)
    sqlite3_result_blob (context, state.ranges->data,
                         state.ranges->len * sizeof (int), SQLITE_TRANSIENT);
  else
    sqlite3_result_error_code (context, rc);

  g_hash_table_unref (state.wanted);
  g_array_unref (state.ranges);
}

/* chutes_first_of_conversation(seen, allowed, conversation_id): 1 the
 * first time a statement meets @conversation_id, 0 after, and 0 for a
 * conversation not in @allowed. @seen and @allowed are GHashTables of
 * gint64 bound with sqlite3_bind_pointer() as SEEN_POINTER_TYPE; @allowed
 * NULL allows every conversation. */
#define SEEN_POINTER_TYPE "chutes_seen_conversations"

static void
first_of_conversation_fn (sqlite3_context  *context,
                          int               n_values,
                          sqlite3_value   **values)
{
  GHashTable *seen = sqlite3_value_pointer (values[0], SEEN_POINTER_TYPE);
  GHashTable *allowed = sqlite3_value_pointer (values[1], SEEN_POINTER_TYPE);
  gint64 id = sqlite3_value_int64 (values[2]);

  if (seen == NULL || g_hash_table_contains (seen, &id) ||
      (allowed != NULL && !g_hash_table_contains (allowed, &id)))
    {
      sqlite3_result_int (context, 0);
      return;
    }

  g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
  sqlite3_result_int (context, 1);
}

int
_chutes_history_register_match_ranges (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  fts5_api *api = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;

  sqlite3_bind_pointer (stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
  sqlite3_step (stmt);
  rc = sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return rc;
  if (api == NULL || api->iVersion < 2)
    return SQLITE_ERROR;

  rc = api->xCreateFunction (api, "chutes_match_ranges", NULL, match_ranges_fn, NULL);
  if (rc != SQLITE_OK)
    return rc;

  return sqlite3_create_function (db, "chutes_first_of_conversation", 3, SQLITE_UTF8, NULL,
                                  first_of_conversation_fn, NULL, NULL);
}

/* Searching */

static gboolean
is_word_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return g_unichar_isalnum (c) ||
         type == G_UNICODE_NON_SPACING_MARK ||
         type == G_UNICODE_SPACING_MARK ||
         type == G_UNICODE_ENCLOSING_MARK ||
         type == G_UNICODE_PRIVATE_USE;
}

/* Each run of letters and digits becomes a quoted prefix phrase, "word"*,
 * all of them required. Nothing typed can reach FTS5's query syntax:
 * quotes, *, -, (, ^, : are never part of a word, and OR, AND, NOT, NEAR
 * are inside quotes. Returns NULL when there is no word. */
static char *
build_match_query (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  const char *p = text;
  guint n_words = 0;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;

  while (*p != '\0' && n_words < MAX_SEARCH_WORDS)
    {
      const char *start;

      while (*p != '\0' && !is_word_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (*p == '\0')
        break;

      start = p;
      while (*p != '\0' && is_word_char (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);

      if (n_words++ > 0)
        g_string_append_c (query, ' ');
      g_string_append_c (query, '"');
      g_string_append_len (query, start, p - start);
      g_string_append (query, "\"*");
    }

  if (n_words == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&query), FALSE);
}

typedef struct
{
  gint64             conversation_id;
  gint64             message_id;
  char              *title;
  ChutesMessageRole  role;
  gint64             created_at;
  char              *snippet;
  GArray            *ranges;
} HitRow;

static void
hit_row_free (HitRow *row)
{
  g_free (row->title);
  g_free (row->snippet);
  g_clear_pointer (&row->ranges, g_array_unref);
  g_free (row);
}

typedef struct
{
  char      *query;
  guint      max_conversations;  /* 0: every hit, else its newest hit each */
  GHashTable *allowed;   /* conversation ids to look in (gint64), or NULL: all */
  GPtrArray *rows;       /* of HitRow */
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_clear_pointer (&data->allowed, g_hash_table_unref);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

/* Reads the hits a query returns into data->rows, at most @limit (0: no
 * limit). */
static gboolean
read_hits (sqlite3       *db,
           sqlite3_stmt  *stmt,
           SearchData    *data,
           guint          limit,
           GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HitRow *row;
      const int *pairs = sqlite3_column_blob (stmt, 6);
      guint n_pairs = sqlite3_column_bytes (stmt, 6) / (2 * sizeof (int));
      g_autofree ChutesByteRange *ranges = NULL;

      /* Rows without ranges are hits left out (see
       * search_conversations_run()). */
      if (sqlite3_column_type (stmt, 6) == SQLITE_NULL)
        continue;

      row = g_new0 (HitRow, 1);
      ranges = g_new0 (ChutesByteRange, MAX (n_pairs, 1));
      for (guint i = 0; i < n_pairs; i++)
        {
          ranges[i].start = MAX (pairs[2 * i], 0);
          ranges[i].end = MAX (pairs[2 * i + 1], 0);
        }

      row->message_id = sqlite3_column_int64 (stmt, 0);
      row->conversation_id = sqlite3_column_int64 (stmt, 1);
      row->title = _chutes_history_column_dup (stmt, 2);
      row->role = _chutes_history_column_role (stmt, 3);
      row->created_at = sqlite3_column_int64 (stmt, 4);
      row->snippet = _chutes_search_hit_make_snippet ((const char *)sqlite3_column_text (stmt, 5),
                                                      ranges, n_pairs, &row->ranges);
      g_ptr_array_add (data->rows, row);
      if (limit > 0 && data->rows->len >= limit)
        return TRUE;
    }

  return _chutes_history_read_to_end (db, rc, error);
}

/* The newest hit of each conversation, newest first, walking at most
 * CHUTES_HISTORY_MAX_SCANNED_HITS hits: a word found in thousands of
 * messages still names many conversations, at a bounded cost. Matched
 * ranges are worked out only for those hits (a CASE is lazy): a prefix
 * query costs FTS5 a merge of every word it begins, so a second query per
 * hit would cost far more. */
static gboolean
search_conversations_run (sqlite3     *db,
                          SearchData  *data,
                          GError     **error)
{
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint limit = MIN (data->max_conversations, CHUTES_HISTORY_MAX_HITS);

  stmt = _chutes_history_prepare (db,
                                  "SELECT m.id, m.conversation_id, c.title, m.role, m.created_at,"
                                  "       m.content, CASE WHEN"
                                  "        chutes_first_of_conversation (?2, ?4, m.conversation_id)"
                                  "        THEN chutes_match_ranges (messages_fts) END"
                                  " FROM messages_fts"
                                  " JOIN messages AS m ON m.id = messages_fts.rowid"
                                  " JOIN conversations AS c ON c.id = m.conversation_id"
                                  " WHERE messages_fts MATCH ?1"
                                  " ORDER BY messages_fts.rowid DESC LIMIT ?3",
                                  error);
  if (stmt == NULL)
    return FALSE;

  _chutes_history_bind_text (stmt, 1, data->query);
  sqlite3_bind_pointer (stmt, 2, seen, SEEN_POINTER_TYPE, NULL);
  sqlite3_bind_int (stmt, 3, CHUTES_HISTORY_MAX_SCANNED_HITS);
  if (data->allowed != NULL)
    sqlite3_bind_pointer (stmt, 4, data->allowed, SEEN_POINTER_TYPE, NULL);
  else
    sqlite3_bind_null (stmt, 4);

  return read_hits (db, stmt, data, limit, error);
}

static gboolean
search_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  SearchData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  data->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)hit_row_free);
  if (data->query == NULL)
    return TRUE;

  if (data->max_conversations > 0)
    return search_conversations_run (db, data, error);

  stmt = _chutes_history_prepare (db,
                                  "SELECT m.id, m.conversation_id, c.title, m.role, m.created_at,"
                                  "       m.content, f.ranges"
                                  " FROM (SELECT rowid AS id,"
                                  " chutes_match_ranges (messages_fts) AS ranges"
                                  "       FROM messages_fts WHERE messages_fts MATCH ?1"
                                  "       ORDER BY rowid DESC LIMIT ?2) AS f"
                                  " JOIN messages AS m ON m.id = f.id"
                                  " JOIN conversations AS c ON c.id = m.conversation_id"
                                  " ORDER BY m.id DESC",
                                  error);
  if (stmt == NULL)
    return FALSE;

  _chutes_history_bind_text (stmt, 1, data->query);
  sqlite3_bind_int (stmt, 2, CHUTES_HISTORY_MAX_HITS);

  return read_hits (db, stmt, data, 0, error);
}

static void
search_done (ChutesHistory    *self,
             ChutesHistoryJob *job)
{
  SearchData *data = job->data;
  GListStore *hits = g_list_store_new (CHUTES_TYPE_SEARCH_HIT);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < data->rows->len; i++)
    {
      HitRow *row = g_ptr_array_index (data->rows, i);

      g_ptr_array_add (items, _chutes_search_hit_new (row->conversation_id, row->message_id,
                                                      row->title, row->role, row->created_at,
                                                      g_steal_pointer (&row->snippet),
                                                      g_steal_pointer (&row->ranges)));
    }

  g_list_store_splice (hits, 0, 0, items->pdata, items->len);

  job->result = hits;
  job->result_free = g_object_unref;
}

static void
queue_search (ChutesHistory       *self,
              gpointer             source_tag,
              const char          *text,
              guint                max_conversations,
              GHashTable          *allowed,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  SearchData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (text != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (SearchData, 1);
  data->query = build_match_query (text);
  data->max_conversations = max_conversations;
  data->allowed = allowed;
  _chutes_history_queue_job (self, source_tag, cancellable, callback, user_data,
                             search_run, search_done, data, (GDestroyNotify)search_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_POINTER);
}

void
chutes_history_search_async (ChutesHistory       *self,
                             const char          *text,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  queue_search (self, chutes_history_search_async, text, 0, NULL, cancellable, callback, user_data);
}

void
chutes_history_search_conversations_async (ChutesHistory       *self,
                                           const char          *text,
                                           guint                max_conversations,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (max_conversations > 0);

  queue_search (self, chutes_history_search_async, text, max_conversations, NULL,
                cancellable, callback, user_data);
}

void
chutes_history_search_in_conversations_async (ChutesHistory       *self,
                                              const char          *text,
                                              const gint64        *conversation_ids,
                                              guint                n_ids,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GHashTable *allowed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  g_return_if_fail (n_ids > 0);

  for (guint i = 0; i < n_ids; i++)
    g_hash_table_add (allowed, g_memdup2 (&conversation_ids[i], sizeof (gint64)));

  queue_search (self, chutes_history_search_async, text, n_ids, allowed,
                cancellable, callback, user_data);
}

GListModel *
chutes_history_search_finish (ChutesHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return _chutes_history_propagate_pointer (self, result, error);
}
