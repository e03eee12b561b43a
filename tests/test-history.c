/* test-history.c: the chat history keeps every conversation, whatever happens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <sqlite3.h>

#include "chutes-error.h"
#include "chutes-history.h"
#include "chutes-test-mock.h"

/* The schema a version-1 build wrote, verbatim: the migration test starts
 * from it. */
static const char v1_schema[] =
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, model TEXT);"
  "CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '',"
  "  reasoning TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'complete',"
  "  error TEXT, model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
  "  UNIQUE (conversation_id, position));"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 (content, content = 'messages',"
  "  content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content); END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages"
  "  WHEN old.content IS NOT new.content BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
  "PRAGMA user_version = 1;";

typedef struct
{
  char          *dir;
  char          *path;
  ChutesHistory *history;
} Fixture;

/* Running the asynchronous calls to completion */

/* Lets queued completions arrive. */
static void
drain (ChutesHistory *history)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GListModel) hits = NULL;

  chutes_history_search_async (history, "", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  hits = chutes_history_search_finish (history, result, NULL);
}

static ChutesHistory *
open_history (const char *path)
{
  return chutes_test_open_history (path);
}

static void
close_history (ChutesHistory **history)
{
  chutes_test_close_history (history);
}

static ChutesChatSummary *
create_conversation (ChutesHistory *history,
                     const char    *title)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ChutesChatSummary *summary;

  chutes_history_create_conversation_async (history, title, "model/a", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  summary = chutes_history_create_conversation_finish (history, result, &error);
  g_assert_no_error (error);
  g_assert_true (CHUTES_IS_CHAT_SUMMARY (summary));

  /* The history holds it; the test does not need its own reference. */
  g_object_unref (summary);

  return summary;
}

static void
append_existing (ChutesHistory *history,
                 gint64         conversation_id,
                 ChutesMessage *message)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_append_message_async (history, conversation_id, message, NULL,
                                       chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_append_message_finish (history, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (chutes_message_get_id (message), >, 0);
  g_assert_cmpint (chutes_message_get_created_at (message), >, 0);
}

static ChutesMessage *
append_message (ChutesHistory     *history,
                gint64             conversation_id,
                ChutesMessageRole  role,
                const char        *content)
{
  ChutesMessage *message = chutes_message_new (role, content);

  append_existing (history, conversation_id, message);

  return message;
}

static GPtrArray *
load_messages (ChutesHistory *history,
               gint64         conversation_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *messages;

  chutes_history_load_messages_async (history, conversation_id, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  messages = chutes_history_load_messages_finish (history, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (messages);

  return messages;
}

static GListModel *
search (ChutesHistory *history,
        const char    *text)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GListModel *hits;

  chutes_history_search_async (history, text, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  hits = chutes_history_search_finish (history, result, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_LIST_MODEL (hits));

  return hits;
}

static ChutesSearchHit *
hit_at (GListModel *hits,
        guint       position)
{
  g_autoptr(ChutesSearchHit) hit = g_list_model_get_item (hits, position);

  g_assert_nonnull (hit);

  return hit;   /* the model keeps it alive */
}

static char *
summary_titles (ChutesHistory *history)
{
  GListModel *list = chutes_history_get_conversations (history);
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (list, i);

      if (i > 0)
        g_string_append_c (titles, ',');
      g_string_append (titles, chutes_chat_summary_get_title (summary));
    }

  return g_string_free (g_steal_pointer (&titles), FALSE);
}

/* Raw SQLite, as a separate program would see the file */

static char *
sql_text (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return text;
}

/* Creates the folder and the database as needed. */
static void
sql_exec (const char *path,
          const char *sql)
{
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s", message);
  sqlite3_close (db);
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("chutes-history-XXXXXX", &error);
  g_assert_no_error (error);
  /* A folder that does not exist yet, as on first start. */
  fixture->path = g_build_filename (fixture->dir, "ai.chutes.Desktop", "history.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->history != NULL)
    close_history (&fixture->history);

  chutes_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static char *
parent_dir (Fixture *fixture)
{
  return g_path_get_dirname (fixture->path);
}

/* Opening */

static void
test_open_creates_private_database (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *dir = parent_dir (fixture);
  g_autofree char *mode = NULL;
  g_autofree char *version = NULL;
  g_autofree char *default_path = chutes_history_get_default_path ();
  g_autofree char *expected_default = g_build_filename (g_get_user_data_dir (), APP_ID,
                                                        "history.db", NULL);
  GStatBuf st;

  g_assert_cmpstr (default_path, ==, expected_default);

  fixture->history = open_history (fixture->path);
  g_assert_null (chutes_history_get_notice (fixture->history));
  g_assert_null (chutes_history_get_kept_aside_path (fixture->history));
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (fixture->history)), ==, 0);
  close_history (&fixture->history);

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  mode = sql_text (fixture->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  version = sql_text (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "4");
}

/* Conversations */

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
on_items_changed (GListModel *list,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_conversations_newest_first (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(ChutesMessage) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *titles = NULL;
  GtkSingleSelection *selection = NULL;
  ChutesChatSummary *first, *second, *third;
  GAsyncResult *slot = NULL;
  GListModel *list;
  guint title_notifies = 0;
  guint updated_notifies = 0;
  Change *change;

  fixture->history = open_history (fixture->path);
  list = chutes_history_get_conversations (fixture->history);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), changes);

  first = create_conversation (fixture->history, "First");
  second = create_conversation (fixture->history, "Second");
  third = create_conversation (fixture->history, "Third");

  titles = summary_titles (fixture->history);
  g_assert_cmpstr (titles, ==, "Third,Second,First");
  g_assert_cmpuint (changes->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      change = &g_array_index (changes, Change, i);
      g_assert_cmpuint (change->position, ==, 0);
      g_assert_cmpuint (change->removed, ==, 0);
      g_assert_cmpuint (change->added, ==, 1);
    }
  g_assert_true (chutes_history_lookup_conversation (fixture->history,
                                                     chutes_chat_summary_get_id (second)) == second);
  g_assert_cmpstr (chutes_chat_summary_get_model (second), ==, "model/a");
  g_assert_cmpint (chutes_chat_summary_get_created_at (second), >, 0);

  /* Renaming notifies and keeps the order. */
  g_signal_connect (second, "notify::title", G_CALLBACK (on_notify_count), &title_notifies);
  chutes_history_rename_conversation_async (fixture->history, chutes_chat_summary_get_id (second),
                                            "Second <renamed> & more", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_rename_conversation_finish (fixture->history, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (title_notifies, ==, 1);
  g_assert_cmpstr (chutes_chat_summary_get_title (second), ==, "Second <renamed> & more");
  g_clear_pointer (&titles, g_free);
  titles = summary_titles (fixture->history);
  g_assert_cmpstr (titles, ==, "Third,Second <renamed> & more,First");
  g_assert_cmpuint (changes->len, ==, 3);

  /* A message touches its conversation: to the top, in one change, and a
   * sidebar's selection stays on it. */
  selection = gtk_single_selection_new (g_object_ref (list));
  gtk_single_selection_set_selected (selection, 2);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == (gpointer)first);
  g_signal_connect (first, "notify::updated-at", G_CALLBACK (on_notify_count), &updated_notifies);
  message = append_message (fixture->history, chutes_chat_summary_get_id (first),
                            CHUTES_MESSAGE_ROLE_USER, "Hello");
  g_assert_cmpuint (updated_notifies, ==, 1);
  g_assert_cmpint (chutes_chat_summary_get_updated_at (first), >=,
                   chutes_chat_summary_get_updated_at (third));
  g_clear_pointer (&titles, g_free);
  titles = summary_titles (fixture->history);
  g_assert_cmpstr (titles, ==, "First,Third,Second <renamed> & more");
  g_assert_cmpuint (changes->len, ==, 4);
  change = &g_array_index (changes, Change, 3);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 3);
  g_assert_cmpuint (change->added, ==, 3);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == (gpointer)first);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  g_clear_object (&selection);

  /* Another model for one conversation. */
  chutes_history_set_model_async (fixture->history, chutes_chat_summary_get_id (third),
                                  "model/b", NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_set_model_finish (fixture->history, result, &error));
  g_clear_object (&result);
  g_assert_cmpstr (chutes_chat_summary_get_model (third), ==, "model/b");

  /* Deleting removes it from the list. */
  g_object_ref (third);
  chutes_history_delete_conversation_async (fixture->history, chutes_chat_summary_get_id (third),
                                            NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_delete_conversation_finish (fixture->history, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_null (chutes_history_lookup_conversation (fixture->history,
                                                     chutes_chat_summary_get_id (third)));
  g_clear_pointer (&titles, g_free);
  titles = summary_titles (fixture->history);
  g_assert_cmpstr (titles, ==, "First,Second <renamed> & more");
  change = &g_array_index (changes, Change, changes->len - 1);
  g_assert_cmpuint (change->position, ==, 1);
  g_assert_cmpuint (change->removed, ==, 1);
  g_assert_cmpuint (change->added, ==, 0);

  /* Deleting it again says it is gone. */
  chutes_history_delete_conversation_async (fixture->history, chutes_chat_summary_get_id (third),
                                            NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_false (chutes_history_delete_conversation_finish (fixture->history, result, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_finalize_object (third);

  g_signal_handlers_disconnect_by_func (list, on_items_changed, changes);
  close_history (&fixture->history);

  /* All of it was saved. */
  fixture->history = open_history (fixture->path);
  g_clear_pointer (&titles, g_free);
  titles = summary_titles (fixture->history);
  g_assert_cmpstr (titles, ==, "First,Second <renamed> & more");
}

/* Another process (`chutes-desktop --ask`) writes to the same database:
 * both write at once without failing, and a reload shows what the other
 * wrote, keeping the summaries (and a sidebar's selection) it already had. */
static void
test_conversations_reload_from_another_writer (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(ChutesHistory) other = NULL;
  g_autoptr(ChutesHistory) fresh = NULL;
  g_autoptr(GtkSingleSelection) selection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *titles = NULL;
  g_autofree char *fresh_titles = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  ChutesChatSummary *kept, *moved, *mine, *theirs;
  GAsyncResult *slots[40] = { NULL };
  GAsyncResult *slot = NULL;
  gint64 kept_id, moved_id, gone_id;

  fixture->history = open_history (fixture->path);
  kept_id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Kept"));
  moved_id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Moved"));
  gone_id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Gone"));

  other = open_history (fixture->path);
  kept = chutes_history_lookup_conversation (other, kept_id);
  moved = chutes_history_lookup_conversation (other, moved_id);
  g_assert_nonnull (kept);
  g_assert_nonnull (moved);
  selection = gtk_single_selection_new (g_object_ref (chutes_history_get_conversations (other)));
  gtk_single_selection_set_selected (selection, 2);
  g_assert_true (gtk_single_selection_get_selected_item (selection) == (gpointer) kept);

  /* Both write at once, each on its own connection. */
  mine = create_conversation (fixture->history, "Mine");
  theirs = create_conversation (other, "Theirs");
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      ChutesHistory *writer = i % 2 == 0 ? fixture->history : other;
      ChutesChatSummary *into = i % 2 == 0 ? mine : theirs;
      g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "at once");

      chutes_history_append_message_async (writer, chutes_chat_summary_get_id (into), message,
                                           NULL, chutes_test_store_result_cb, &slots[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      g_autoptr(GAsyncResult) done = chutes_test_wait_for_result (&slots[i]);

      g_assert_true (chutes_history_append_message_finish (i % 2 == 0 ? fixture->history : other,
                                                           done, &error));
      g_assert_no_error (error);
    }

  /* The first one renames, touches and deletes. */
  chutes_history_rename_conversation_async (fixture->history, kept_id, "Kept, renamed", NULL,
                                            chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_rename_conversation_finish (fixture->history, result, &error));
  g_clear_object (&result);
  g_object_unref (append_message (fixture->history, moved_id, CHUTES_MESSAGE_ROLE_USER, "Up"));
  chutes_history_delete_conversation_async (fixture->history, gone_id, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_delete_conversation_finish (fixture->history, result, &error));
  g_clear_object (&result);

  chutes_history_reload_conversations_async (other, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_reload_conversations_finish (other, result, &error));
  g_assert_no_error (error);

  /* As a fresh start would list them, with the same objects as before. */
  fresh = open_history (fixture->path);
  fresh_titles = summary_titles (fresh);
  titles = summary_titles (other);
  g_assert_cmpstr (titles, ==, fresh_titles);
  g_assert_nonnull (strstr (titles, "Mine"));
  g_assert_null (strstr (titles, "Gone"));
  g_assert_true (chutes_history_lookup_conversation (other, kept_id) == kept);
  g_assert_true (chutes_history_lookup_conversation (other, moved_id) == moved);
  g_assert_cmpstr (chutes_chat_summary_get_title (kept), ==, "Kept, renamed");
  g_assert_true (gtk_single_selection_get_selected_item (selection) == (gpointer) kept);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (other)), ==, 4);

  /* Every message of both writers is there. */
  messages = load_messages (fresh, chutes_chat_summary_get_id (theirs));
  g_assert_cmpuint (messages->len, ==, G_N_ELEMENTS (slots) / 2);

  g_clear_object (&selection);
  g_clear_object (&result);
  g_clear_pointer (&messages, g_ptr_array_unref);
  close_history (&fresh);
  close_history (&other);
}

/* Reads the settings of conversation @id; NULL and @error when that fails. */
static ChutesChatSettings *
get_settings (ChutesHistory  *history,
              gint64          id,
              GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_get_settings_async (history, id, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);

  return chutes_history_get_settings_finish (history, result, error);
}

static void
set_settings (ChutesHistory            *history,
              gint64                    id,
              const ChutesChatSettings *settings)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_set_settings_async (history, id, settings, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_set_settings_finish (history, result, &error));
  g_assert_no_error (error);
}

static void
assert_default_settings (ChutesHistory *history,
                         gint64         id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesChatSettings) settings = get_settings (history, id, &error);

  g_assert_no_error (error);
  g_assert_null (settings->system_prompt);
  g_assert_cmpfloat (settings->temperature, <, 0);
  g_assert_cmpint (settings->max_tokens, ==, 0);
  g_assert_false (settings->thinking);
}

static void
test_settings_round_trip (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(ChutesChatSettings) settings = NULL;
  g_autoptr(ChutesChatSettings) wanted = chutes_chat_settings_new ();
  g_autoptr(ChutesChatSettings) defaults = chutes_chat_settings_new ();
  g_autoptr(GError) error = NULL;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Settings"));
  assert_default_settings (fixture->history, id);

  wanted->system_prompt = g_strdup ("Tu es un assistant « précis ».\n<b>Never</b> & always.");
  wanted->temperature = 0.7;
  wanted->max_tokens = 2048;
  wanted->thinking = TRUE;
  set_settings (fixture->history, id, wanted);

  close_history (&fixture->history);
  fixture->history = open_history (fixture->path);

  settings = get_settings (fixture->history, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (settings->system_prompt, ==, wanted->system_prompt);
  g_assert_cmpfloat_with_epsilon (settings->temperature, 0.7, 1e-9);
  g_assert_cmpint (settings->max_tokens, ==, 2048);
  g_assert_true (settings->thinking);

  /* Back to the defaults. */
  set_settings (fixture->history, id, defaults);
  assert_default_settings (fixture->history, id);

  /* A conversation that is gone. */
  g_assert_null (get_settings (fixture->history, id + 1000, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND);
}

/* Messages */

static void
test_messages_fields_round_trip (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(ChutesMessage) user = NULL;
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "Partial <b>answer</b> &");
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ChutesMessage *copy;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Fields"));

  user = append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "Question with ```code``` 🎉");

  chutes_message_append_reasoning (reply, "Let me think…");
  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_STOPPED);
  chutes_message_set_model (reply, "deepseek-ai/DeepSeek-R1");
  chutes_message_set_usage (reply, 12, -1);
  chutes_message_set_created_at (reply, 1234567890123456);
  chutes_history_append_message_async (fixture->history, id, reply, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_append_message_finish (fixture->history, result, &error));
  g_clear_object (&result);
  g_assert_cmpint (chutes_message_get_created_at (reply), ==, 1234567890123456);
  g_assert_cmpint (chutes_message_get_id (reply), >, chutes_message_get_id (user));

  /* A later save changes what is stored. */
  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_FAILED);
  chutes_message_set_error (reply, "The model is busy");
  chutes_history_save_message_async (fixture->history, reply, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_save_message_finish (fixture->history, result, &error));
  g_clear_object (&result);

  close_history (&fixture->history);
  fixture->history = open_history (fixture->path);
  loaded = load_messages (fixture->history, id);
  g_assert_cmpuint (loaded->len, ==, 2);

  copy = g_ptr_array_index (loaded, 0);
  g_assert_cmpint (chutes_message_get_id (copy), ==, chutes_message_get_id (user));
  g_assert_cmpint (chutes_message_get_role (copy), ==, CHUTES_MESSAGE_ROLE_USER);
  g_assert_cmpstr (chutes_message_get_content (copy), ==, "Question with ```code``` 🎉");
  g_assert_cmpint (chutes_message_get_status (copy), ==, CHUTES_MESSAGE_STATUS_COMPLETE);
  g_assert_cmpint (chutes_message_get_created_at (copy), ==, chutes_message_get_created_at (user));
  g_assert_cmpint (chutes_message_get_prompt_tokens (copy), ==, -1);

  copy = g_ptr_array_index (loaded, 1);
  g_assert_cmpint (chutes_message_get_id (copy), ==, chutes_message_get_id (reply));
  g_assert_cmpint (chutes_message_get_role (copy), ==, CHUTES_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpstr (chutes_message_get_content (copy), ==, "Partial <b>answer</b> &");
  g_assert_cmpstr (chutes_message_get_reasoning (copy), ==, "Let me think…");
  g_assert_cmpint (chutes_message_get_status (copy), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_error (copy), ==, "The model is busy");
  g_assert_cmpstr (chutes_message_get_model (copy), ==, "deepseek-ai/DeepSeek-R1");
  g_assert_cmpint (chutes_message_get_prompt_tokens (copy), ==, 12);
  g_assert_cmpint (chutes_message_get_completion_tokens (copy), ==, -1);
  g_assert_cmpint (chutes_message_get_created_at (copy), ==, 1234567890123456);
}

#define N_LONG 10000

static void
test_messages_ten_thousand_in_order (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) small = NULL;
  GAsyncResult **slots = g_new0 (GAsyncResult *, N_LONG);
  gint64 id, other, start;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Long"));
  other = chutes_chat_summary_get_id (create_conversation (fixture->history, "Short"));

  /* Queued all at once: they share transactions. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_LONG; i++)
    {
      g_autofree char *text = g_strdup_printf ("Message %05u: %s", i,
                                               i % 100 == 0 ? "```c\nint x;\n```" : "plain text");
      g_autoptr(ChutesMessage) message = chutes_message_new (i % 2 ? CHUTES_MESSAGE_ROLE_ASSISTANT
                                                                   : CHUTES_MESSAGE_ROLE_USER,
                                                             text);

      chutes_history_append_message_async (fixture->history, i % 1000 == 999 ? other : id,
                                           message, NULL, chutes_test_store_result_cb, &slots[i]);
    }
  for (guint i = 0; i < N_LONG; i++)
    {
      g_autoptr(GAsyncResult) result = chutes_test_wait_for_result (&slots[i]);
      g_autoptr(GError) error = NULL;

      g_assert_true (chutes_history_append_message_finish (fixture->history, result, &error));
      g_assert_no_error (error);
    }
  g_test_message ("Appended %u messages in %.0f ms", N_LONG,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_free (slots);

  close_history (&fixture->history);
  fixture->history = open_history (fixture->path);

  start = g_get_monotonic_time ();
  loaded = load_messages (fixture->history, id);
  g_test_message ("Loaded %u messages in %.1f ms", loaded->len,
                  (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (loaded->len, ==, N_LONG - N_LONG / 1000);
  for (guint i = 0, n = 0; i < N_LONG; i++)
    {
      g_autofree char *text = NULL;
      ChutesMessage *message;

      if (i % 1000 == 999)
        continue;

      message = g_ptr_array_index (loaded, n++);
      text = g_strdup_printf ("Message %05u: %s", i,
                              i % 100 == 0 ? "```c\nint x;\n```" : "plain text");
      g_assert_cmpstr (chutes_message_get_content (message), ==, text);
      g_assert_cmpint (chutes_message_get_role (message), ==,
                       i % 2 ? CHUTES_MESSAGE_ROLE_ASSISTANT : CHUTES_MESSAGE_ROLE_USER);
      if (n > 1)
        g_assert_cmpint (chutes_message_get_id (message), >,
                         chutes_message_get_id (g_ptr_array_index (loaded, n - 2)));
    }

  small = load_messages (fixture->history, other);
  g_assert_cmpuint (small->len, ==, N_LONG / 1000);
  g_assert_cmpstr (chutes_message_get_content (g_ptr_array_index (small, 0)), ==, "Message 00999: plain text");
}

static char *
contents_of (GPtrArray *messages)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < messages->len; i++)
    {
      if (i > 0)
        g_string_append_c (text, ',');
      g_string_append (text, chutes_message_get_content (g_ptr_array_index (messages, i)));
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_messages_delete (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) hits = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(ChutesMessage) edited = NULL;
  ChutesMessage *third;
  GAsyncResult *slot = NULL;
  gint64 id, other;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Delete"));
  other = chutes_chat_summary_get_id (create_conversation (fixture->history, "Untouched"));

  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *text = g_strdup_printf ("m%u", i);

      g_ptr_array_add (sent, append_message (fixture->history, id,
                                             i % 2 ? CHUTES_MESSAGE_ROLE_USER : CHUTES_MESSAGE_ROLE_ASSISTANT,
                                             text));
    }
  g_object_unref (append_message (fixture->history, other, CHUTES_MESSAGE_ROLE_USER, "m4 elsewhere"));

  /* One message. */
  chutes_history_delete_message_async (fixture->history, g_ptr_array_index (sent, 1), NULL,
                                       chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_delete_message_finish (fixture->history, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (chutes_message_get_id (g_ptr_array_index (sent, 1)), ==, 0);

  loaded = load_messages (fixture->history, id);
  contents = contents_of (loaded);
  g_assert_cmpstr (contents, ==, "m1,m3,m4,m5,m6");
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&contents, g_free);

  /* Edit m3 and resend: m3 onwards go, in this conversation only. */
  third = g_ptr_array_index (sent, 2);
  chutes_history_delete_messages_from_async (fixture->history, third, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_delete_messages_from_finish (fixture->history, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (chutes_message_get_id (third), ==, 0);

  edited = append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "m3 edited");
  loaded = load_messages (fixture->history, id);
  contents = contents_of (loaded);
  g_assert_cmpstr (contents, ==, "m1,m3 edited");
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_pointer (&contents, g_free);

  loaded = load_messages (fixture->history, other);
  contents = contents_of (loaded);
  g_assert_cmpstr (contents, ==, "m4 elsewhere");

  /* The index forgot the deleted ones. */
  hits = search (fixture->history, "m4");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  g_assert_cmpint (chutes_search_hit_get_conversation_id (hit_at (hits, 0)), ==, other);
  g_clear_object (&hits);

  /* Deleting the conversation takes its messages and their index entries. */
  chutes_history_delete_conversation_async (fixture->history, other, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_true (chutes_history_delete_conversation_finish (fixture->history, result, &error));
  g_clear_object (&result);
  hits = search (fixture->history, "elsewhere");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 0);

  close_history (&fixture->history);
  g_autofree char *count = sql_text (fixture->path, "SELECT count(*) FROM messages");
  g_assert_cmpstr (count, ==, "2");
  sql_exec (fixture->path, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

/* Tracking streaming replies */

static void
test_tracking_saves_final_status_at_once (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "");
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *status = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Track"));

  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_PENDING);
  /* Tracked before the append completed: the saves queue behind it. */
  chutes_history_append_message_async (fixture->history, id, reply, NULL, chutes_test_store_result_cb, &slot);
  chutes_history_track_message (fixture->history, reply);
  chutes_history_track_message (fixture->history, reply);

  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_append_content (reply, "Hello");
  chutes_message_append_content (reply, ", world");
  chutes_message_set_usage (reply, 3, 4);
  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_COMPLETE);
  /* Not tracked any more: this one is not saved. */
  chutes_message_append_content (reply, " (not saved)");

  g_object_unref (chutes_test_wait_for_result (&slot));
  drain (fixture->history);

  /* Read by another connection, no close in between. */
  status = sql_text (fixture->path, "SELECT status || ':' || content || ':' || completion_tokens FROM messages");
  g_assert_cmpstr (status, ==, "complete:Hello, world:4");

  close_history (&fixture->history);
  fixture->history = open_history (fixture->path);
  loaded = load_messages (fixture->history, id);
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpstr (chutes_message_get_content (g_ptr_array_index (loaded, 0)), ==, "Hello, world");
  g_assert_cmpint (chutes_message_get_status (g_ptr_array_index (loaded, 0)), ==, CHUTES_MESSAGE_STATUS_COMPLETE);
}


static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;

  return G_SOURCE_REMOVE;
}

static void
run_main_loop_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_tracking_saves_while_streaming (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "");
  g_autofree char *saved = NULL;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Stream"));
  chutes_message_set_status (reply, CHUTES_MESSAGE_STATUS_STREAMING);
  append_existing (fixture->history, id, reply);
  chutes_history_track_message (fixture->history, reply);

  chutes_message_append_reasoning (reply, "Thinking about it. ");
  chutes_message_append_content (reply, "The first part");

  /* Still streaming: saved within the interval (give it three). */
  run_main_loop_for (1500);
  drain (fixture->history);
  saved = sql_text (fixture->path, "SELECT status || ':' || reasoning || content FROM messages");
  g_assert_cmpstr (saved, ==, "streaming:Thinking about it. The first part");
  g_clear_pointer (&saved, g_free);

  /* Closing saves what the reply holds now. */
  chutes_message_append_content (reply, ", and the second");
  close_history (&fixture->history);
  saved = sql_text (fixture->path, "SELECT status || ':' || content FROM messages");
  g_assert_cmpstr (saved, ==, "streaming:The first part, and the second");
}

static void
test_closed_history_refuses_work (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  fixture->history = open_history (fixture->path);
  chutes_history_close (fixture->history);
  chutes_history_close (fixture->history);

  chutes_history_create_conversation_async (fixture->history, "Late", NULL, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_null (chutes_history_create_conversation_finish (fixture->history, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_open_fails_without_a_place (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *blocker = g_build_filename (fixture->dir, "not-a-folder", NULL);
  g_autofree char *path = g_build_filename (blocker, "history.db", NULL);
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GAsyncResult *search_slot = NULL;

  g_assert_true (g_file_set_contents (blocker, "a file", -1, NULL));

  history = chutes_history_new (path);
  chutes_history_open_async (history, NULL, chutes_test_store_result_cb, &slot);
  chutes_history_search_async (history, "queued behind", NULL, chutes_test_store_result_cb, &search_slot);
  result = chutes_test_wait_for_result (&slot);
  g_assert_false (chutes_history_open_finish (history, result, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&result);

  result = chutes_test_wait_for_result (&search_slot);
  g_assert_null (chutes_history_search_finish (history, result, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_FAILED);

  /* Nothing was created in its place. */
  g_assert_true (g_file_test (blocker, G_FILE_TEST_IS_REGULAR));
}

/* Migration */

static void
test_migration_from_v1 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *schema = g_strconcat (v1_schema,
    "INSERT INTO conversations VALUES (7, 'Penguins of 2025', 100, 200, 'model/old');"
    "INSERT INTO messages (conversation_id, position, role, content, reasoning, status,"
    "  model, prompt_tokens, completion_tokens, created_at, updated_at) VALUES"
    "  (7, 1, 'user', 'Where do penguins live?', '', 'complete', NULL, NULL, NULL, 150, 150),"
    "  (7, 2, 'assistant', 'Mostly in the Southern Hemisphere.', 'Recall biology.',"
    "   'complete', 'model/old', 5, 7, 160, 160);",
    NULL);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GListModel) hits = NULL;
  g_autoptr(ChutesChatSettings) settings = NULL;
  g_autoptr(ChutesMessage) added = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *columns = NULL;
  g_autofree char *check = NULL;
  ChutesChatSummary *summary;
  ChutesMessage *answer;

  sql_exec (fixture->path, schema);

  fixture->history = open_history (fixture->path);
  g_assert_null (chutes_history_get_notice (fixture->history));

  /* The data is all there. */
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (fixture->history)), ==, 1);
  summary = chutes_history_lookup_conversation (fixture->history, 7);
  g_assert_nonnull (summary);
  g_assert_cmpstr (chutes_chat_summary_get_title (summary), ==, "Penguins of 2025");
  g_assert_cmpint (chutes_chat_summary_get_created_at (summary), ==, 100);
  g_assert_cmpint (chutes_chat_summary_get_updated_at (summary), ==, 200);
  g_assert_cmpstr (chutes_chat_summary_get_model (summary), ==, "model/old");

  loaded = load_messages (fixture->history, 7);
  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpstr (chutes_message_get_content (g_ptr_array_index (loaded, 0)), ==, "Where do penguins live?");
  answer = g_ptr_array_index (loaded, 1);
  g_assert_cmpstr (chutes_message_get_content (answer), ==, "Mostly in the Southern Hemisphere.");
  g_assert_cmpstr (chutes_message_get_reasoning (answer), ==, "Recall biology.");
  g_assert_cmpstr (chutes_message_get_model (answer), ==, "model/old");
  g_assert_cmpint (chutes_message_get_prompt_tokens (answer), ==, 5);
  g_assert_cmpint (chutes_message_get_completion_tokens (answer), ==, 7);
  g_assert_cmpint (chutes_message_get_created_at (answer), ==, 160);

  /* The index came along. */
  hits = search (fixture->history, "pengu");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);

  /* The new columns have their defaults. */
  assert_default_settings (fixture->history, 7);

  /* And it goes on from there. */
  added = append_message (fixture->history, 7, CHUTES_MESSAGE_ROLE_USER, "And in the north?");
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = load_messages (fixture->history, 7);
  g_assert_cmpuint (loaded->len, ==, 3);
  g_assert_cmpstr (chutes_message_get_content (g_ptr_array_index (loaded, 2)), ==, "And in the north?");

  close_history (&fixture->history);
  version = sql_text (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "4");
  columns = sql_text (fixture->path,
                      "SELECT group_concat (name, ',') FROM pragma_table_info ('conversations')");
  g_assert_cmpstr (columns, ==,
                   "id,title,created_at,updated_at,model,system_prompt,temperature,max_tokens,thinking");
  check = sql_text (fixture->path, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* A version-2 database, as the build before prices wrote it: version 1
 * plus migration 2, verbatim. */
static const char v2_additions[] =
  "ALTER TABLE conversations ADD COLUMN system_prompt TEXT;"
  "ALTER TABLE conversations ADD COLUMN temperature REAL;"
  "ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;"
  "ALTER TABLE conversations ADD COLUMN thinking INTEGER NOT NULL DEFAULT 0;"
  "PRAGMA user_version = 2;";

static void
test_migration_from_v2_prices (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *schema = g_strconcat (v1_schema, v2_additions,
    "INSERT INTO conversations VALUES (3, 'Old chat', 100, 200, 'model/a', NULL, NULL, NULL, 0);"
    "INSERT INTO messages (conversation_id, position, role, content, status, model,"
    "  prompt_tokens, completion_tokens, created_at, updated_at) VALUES"
    "  (3, 1, 'user', 'Hello', 'complete', NULL, NULL, NULL, 150, 150),"
    "  (3, 2, 'assistant', 'Hi there.', 'complete', 'model/a', 1000, 500, 160, 160);",
    NULL);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(ChutesMessage) reply = NULL;
  g_autofree char *version = NULL;
  g_autofree char *columns = NULL;
  ChutesPrices prices = { 0.27, 1.10, 0.135 };
  ChutesPrices kept;
  ChutesMessage *old;

  sql_exec (fixture->path, schema);

  fixture->history = open_history (fixture->path);
  g_assert_null (chutes_history_get_notice (fixture->history));

  /* The reply saved before prices were kept has its tokens and no cost:
   * today's prices would be a guess. */
  loaded = load_messages (fixture->history, 3);
  g_assert_cmpuint (loaded->len, ==, 2);
  old = g_ptr_array_index (loaded, 1);
  g_assert_cmpint (chutes_message_get_prompt_tokens (old), ==, 1000);
  g_assert_cmpint (chutes_message_get_cached_tokens (old), ==, -1);
  g_assert_cmpfloat (chutes_message_get_cost (old), <, 0);

  /* A new reply keeps its prices, cached tokens and so its cost. */
  reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "Priced.");
  chutes_message_set_prices (reply, &prices);
  chutes_message_set_cached_tokens (reply, 400);
  chutes_message_set_usage (reply, 1000, 500);
  append_existing (fixture->history, 3, reply);
  close_history (&fixture->history);

  version = sql_text (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "4");
  columns = sql_text (fixture->path,
                      "SELECT group_concat (name, ',') FROM pragma_table_info ('messages')");
  g_assert_true (g_str_has_suffix (columns, ",cached_tokens,input_price,output_price,cache_read_price"));

  fixture->history = open_history (fixture->path);
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = load_messages (fixture->history, 3);
  g_assert_cmpuint (loaded->len, ==, 3);
  chutes_message_get_prices (g_ptr_array_index (loaded, 2), &kept);
  g_assert_cmpfloat (kept.input, ==, 0.27);
  g_assert_cmpfloat (kept.output, ==, 1.10);
  g_assert_cmpfloat (kept.cache_read, ==, 0.135);
  g_assert_cmpint (chutes_message_get_cached_tokens (g_ptr_array_index (loaded, 2)), ==, 400);
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (g_ptr_array_index (loaded, 2)),
                                  (600 * 0.27 + 400 * 0.135 + 500 * 1.10) / 1e6, 1e-12);
}

/* Spending */

static ChutesSpending *
get_spending (ChutesHistory *history,
              GDateTime     *first_day,
              guint          n_days)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ChutesSpending *spending;

  chutes_history_get_spending_async (history, first_day, n_days, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  spending = chutes_history_get_spending_finish (history, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (spending);

  return spending;
}

static void
append_priced_reply (ChutesHistory *history,
                     gint64         conversation_id,
                     const char    *model,
                     GDateTime     *when,
                     double         input_price,
                     gint64         prompt_tokens)
{
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "R");
  ChutesPrices prices = { input_price, 0, -1 };

  chutes_message_set_model (reply, model);
  chutes_message_set_prices (reply, &prices);
  chutes_message_set_usage (reply, prompt_tokens, 0);
  chutes_message_set_created_at (reply, g_date_time_to_unix (when) * G_USEC_PER_SEC);
  append_existing (history, conversation_id, reply);
}

static void
test_spending_per_day_and_model (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_local ();
  g_autoptr(GDateTime) first = g_date_time_new (zone, 2026, 3, 1, 0, 0, 0);
  g_autoptr(GDateTime) day0 = g_date_time_new (zone, 2026, 3, 1, 0, 0, 1);
  g_autoptr(GDateTime) day0_late = g_date_time_new (zone, 2026, 3, 1, 23, 59, 59);
  g_autoptr(GDateTime) day2 = g_date_time_new (zone, 2026, 3, 3, 12, 0, 0);
  g_autoptr(GDateTime) before = g_date_time_new (zone, 2026, 2, 28, 23, 59, 59);
  g_autoptr(GDateTime) after = g_date_time_new (zone, 2026, 3, 31, 0, 0, 0);
  g_autoptr(ChutesSpending) spending = NULL;
  g_autoptr(ChutesMessage) unpriced = NULL;
  ChutesChatSummary *summary;
  ChutesModelSpending *top;
  gint64 id;

  fixture->history = open_history (fixture->path);
  summary = create_conversation (fixture->history, "Spending");
  id = chutes_chat_summary_get_id (summary);

  /* $1 per million tokens: a million tokens cost one dollar. */
  append_priced_reply (fixture->history, id, "model/a", day0, 1.0, 1000000);
  append_priced_reply (fixture->history, id, "model/b", day0_late, 1.0, 250000);
  append_priced_reply (fixture->history, id, "model/b", day2, 2.0, 1000000);
  append_priced_reply (fixture->history, id, "model/a", before, 1.0, 7000000);
  append_priced_reply (fixture->history, id, "model/a", after, 1.0, 7000000);
  /* A reply without prices counts for nothing. */
  unpriced = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "R");
  chutes_message_set_usage (unpriced, 1000000, 1000000);
  append_existing (fixture->history, id, unpriced);

  spending = get_spending (fixture->history, first, 30);
  g_assert_cmpuint (spending->n_days, ==, 30);
  g_assert_cmpfloat_with_epsilon (spending->days[0], 1.25, 1e-9);
  g_assert_cmpfloat (spending->days[1], ==, 0);
  g_assert_cmpfloat_with_epsilon (spending->days[2], 2.0, 1e-9);
  g_assert_cmpfloat (spending->days[29], ==, 0);
  g_assert_cmpfloat_with_epsilon (spending->total, 3.25, 1e-9);
  g_assert_cmpuint (spending->n_replies, ==, 3);

  /* Most spent first. */
  g_assert_cmpuint (spending->models->len, ==, 2);
  top = g_ptr_array_index (spending->models, 0);
  g_assert_cmpstr (top->model, ==, "model/b");
  g_assert_cmpfloat_with_epsilon (top->usd, 2.25, 1e-9);
  g_assert_cmpuint (top->n_replies, ==, 2);
  top = g_ptr_array_index (spending->models, 1);
  g_assert_cmpstr (top->model, ==, "model/a");
  g_assert_cmpfloat_with_epsilon (top->usd, 1.0, 1e-9);
}

/* Keeping aside what cannot be used */

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, length);
}

static void
write_bytes (const char *path,
             GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

static GBytes *
garbage (guint32 seed,
         gsize   length)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = g_rand_int_range (rand, 0, 256);

  return g_bytes_new_take (data, length);
}

/* The notice names the kept file, which holds exactly what was there, and
 * a working, empty history took its place. */
static void
assert_kept_aside (Fixture    *fixture,
                   const char *label,
                   GBytes     *original)
{
  const char *notice = chutes_history_get_notice (fixture->history);
  const char *kept = chutes_history_get_kept_aside_path (fixture->history);
  g_autofree char *pattern = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *name = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GBytes) kept_bytes = NULL;

  g_assert_nonnull (notice);
  g_assert_nonnull (kept);

  escaped = g_regex_escape_string (fixture->path, -1);
  pattern = g_strdup_printf ("^%s\\.%s-[0-9]{8}-[0-9]{6}(-[0-9]+)?$", escaped, label);
  g_assert_true (g_regex_match_simple (pattern, kept, 0, 0));

  name = g_path_get_basename (kept);
  g_assert_nonnull (strstr (notice, name));
  if (g_str_equal (label, "newer"))
    g_assert_nonnull (strstr (notice, "newer version"));
  else
    g_assert_nonnull (strstr (notice, "could not be read"));

  kept_bytes = read_bytes (kept);
  g_assert_true (g_bytes_equal (kept_bytes, original));

  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (fixture->history)), ==, 0);
  create_conversation (fixture->history, "After");
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (fixture->history)), ==, 1);

  version = sql_text (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "4");
}

static void
test_keep_aside_garbage (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) original = garbage (42, 10000);
  g_autoptr(GBytes) wal = garbage (43, 4000);
  g_autoptr(GBytes) kept_wal = NULL;
  g_autofree char *wal_path = g_strconcat (fixture->path, "-wal", NULL);
  g_autofree char *kept_wal_path = NULL;

  write_bytes (fixture->path, original);
  write_bytes (wal_path, wal);

  fixture->history = open_history (fixture->path);
  assert_kept_aside (fixture, "unreadable", original);

  /* Its journal went with it, untouched. */
  kept_wal_path = g_strconcat (chutes_history_get_kept_aside_path (fixture->history), "-wal", NULL);
  kept_wal = read_bytes (kept_wal_path);
  g_assert_true (g_bytes_equal (kept_wal, wal));
}

static void
test_keep_aside_not_a_database (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GBytes) original = g_bytes_new_static ("Shopping: milk, eggs, bread.\n", 29);

  write_bytes (fixture->path, original);
  fixture->history = open_history (fixture->path);
  assert_kept_aside (fixture, "unreadable", original);
}

/* A database another program made with @sql is kept aside as @label. */
static void
assert_database_kept_aside (Fixture    *fixture,
                            const char *sql,
                            const char *label)
{
  g_autoptr(GBytes) original = NULL;

  sql_exec (fixture->path, sql);
  original = read_bytes (fixture->path);

  fixture->history = open_history (fixture->path);
  assert_kept_aside (fixture, label, original);
}

static void
test_keep_aside_someone_elses_database (Fixture       *fixture,
                                        gconstpointer  data)
{
  assert_database_kept_aside (fixture,
                              "CREATE TABLE recipes (name TEXT, steps TEXT);"
                              "INSERT INTO recipes VALUES ('Bread', 'Knead.');",
                              "unreadable");
}

static void
test_keep_aside_corrupt (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) damaged = NULL;
  g_autoptr(GBytes) noise = garbage (44, 4096);
  guint8 *bytes;
  gsize length;
  gint64 id;

  /* A real history with a few pages of messages... */
  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Doomed"));
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *text = g_strnfill (300, 'a' + i % 26);

      g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, text));
    }
  close_history (&fixture->history);

  /* ...with its middle overwritten. */
  original = read_bytes (fixture->path);
  bytes = g_bytes_unref_to_data (g_steal_pointer (&original), &length);
  g_assert_cmpuint (length, >, 4096 * 4);
  /* Whole pages: the headers and cell pointers too. */
  memcpy (bytes + 1 * 4096, g_bytes_get_data (noise, NULL), 4096);
  memcpy (bytes + 3 * 4096, g_bytes_get_data (noise, NULL), 4096);
  damaged = g_bytes_new_take (bytes, length);
  write_bytes (fixture->path, damaged);

  fixture->history = open_history (fixture->path);
  assert_kept_aside (fixture, "unreadable", damaged);
}

static void
test_keep_aside_newer_version (Fixture       *fixture,
                               gconstpointer  data)
{
  assert_database_kept_aside (fixture,
                              "CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT, future BLOB);"
                              "INSERT INTO conversations VALUES (1, 'From the future', x'00ff');"
                              "PRAGMA user_version = 99;",
                              "newer");
}

/* Search */

static gint64
message_id_of (ChutesMessage *message)
{
  return chutes_message_get_id (message);
}

static void
test_search_prefix_and_words (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(ChutesMessage) one = NULL;
  g_autoptr(ChutesMessage) two = NULL;
  g_autoptr(ChutesMessage) three = NULL;
  g_autoptr(GListModel) hits = NULL;
  g_autofree char *markup = NULL;
  ChutesSearchHit *hit;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Desktops"));
  one = append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "I like GNOME Shell extensions");
  two = append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_ASSISTANT, "The shell is bash");
  three = append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "Gnomes live in gardens");

  /* Each word a prefix, all of them required. */
  hits = search (fixture->history, "gno sh");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  hit = hit_at (hits, 0);
  g_assert_cmpint (chutes_search_hit_get_message_id (hit), ==, message_id_of (one));
  g_assert_cmpint (chutes_search_hit_get_conversation_id (hit), ==, id);
  g_assert_cmpstr (chutes_search_hit_get_conversation_title (hit), ==, "Desktops");
  g_assert_cmpint (chutes_search_hit_get_role (hit), ==, CHUTES_MESSAGE_ROLE_USER);
  g_assert_cmpint (chutes_search_hit_get_created_at (hit), ==, chutes_message_get_created_at (one));
  g_assert_cmpstr (chutes_search_hit_get_snippet (hit), ==, "I like GNOME Shell extensions");
  markup = chutes_search_hit_to_markup (hit);
  g_assert_cmpstr (markup, ==, "I like <b>GNOME</b> <b>Shell</b> extensions");
  g_clear_object (&hits);
  g_clear_pointer (&markup, g_free);

  /* Case does not matter; newest first. */
  hits = search (fixture->history, "SHELL");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 2);
  g_assert_cmpint (chutes_search_hit_get_message_id (hit_at (hits, 0)), ==, message_id_of (two));
  g_assert_cmpint (chutes_search_hit_get_role (hit_at (hits, 0)), ==, CHUTES_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpint (chutes_search_hit_get_message_id (hit_at (hits, 1)), ==, message_id_of (one));
  markup = chutes_search_hit_to_markup (hit_at (hits, 0));
  g_assert_cmpstr (markup, ==, "The <b>shell</b> is bash");
  g_clear_object (&hits);
  g_clear_pointer (&markup, g_free);

  hits = search (fixture->history, "gnome");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 2);
  g_assert_cmpint (chutes_search_hit_get_message_id (hit_at (hits, 0)), ==, message_id_of (three));
  markup = chutes_search_hit_to_markup (hit_at (hits, 0));
  g_assert_cmpstr (markup, ==, "<b>Gnomes</b> live in gardens");
  g_clear_object (&hits);

  hits = search (fixture->history, "gardens shell");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 0);
}

static void
test_search_hostile_input (Fixture       *fixture,
                           gconstpointer  data)
{
  static const struct {
    const char *text;
    guint       n_hits;
  } cases[] = {
    { "\" * - OR NEAR(", 0 },
    { "\"", 0 },
    { "*", 0 },
    { "-", 0 },
    { "()", 0 },
    { "^", 0 },
    { "", 0 },
    { "   \t\n ", 0 },
    { "OR", 1 },
    { "NEAR(", 1 },
    { "NEAR(sea, 3)", 0 },
    { "NEAR(sea", 1 },
    { "NOT TO", 1 },
    { "AND", 0 },
    { "\"unbalanced", 0 },
    { "a\"b", 0 },
    { "content:sea", 0 },
    { "sea*", 1 },
    { "-sea", 1 },
    { "sea OR TO", 0 },
    { "'; DROP TABLE messages; --", 0 },
    { "{sea} + caret ^", 0 },
    { "“quoted”", 1 },
    { "\\", 0 },
    { "\x01\x02", 0 },
  };
  g_autoptr(GListModel) hits = NULL;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Hostile"));
  g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "TO BE OR NOT TO BE"));
  g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, "NEAR the sea"));
  g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER,
                                  "A \"quoted\" star * minus - caret ^ paren ( colon :"));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GListModel) found = NULL;

      g_test_message ("Searching for «%s»", cases[i].text);
      found = search (fixture->history, cases[i].text);
      g_assert_cmpuint (g_list_model_get_n_items (found), ==, cases[i].n_hits);
    }

  /* Still all there. */
  hits = search (fixture->history, "be");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
}

static void
assert_range_text (ChutesSearchHit *hit,
                   guint            index,
                   const char      *expected)
{
  const char *snippet = chutes_search_hit_get_snippet (hit);
  const ChutesTextRange *ranges;
  g_autofree char *text = NULL;
  const char *start;
  const char *end;
  guint n_ranges = 0;

  ranges = chutes_search_hit_get_ranges (hit, &n_ranges);
  g_assert_cmpuint (index, <, n_ranges);
  g_assert_cmpuint (ranges[index].end, <=, g_utf8_strlen (snippet, -1));
  start = g_utf8_offset_to_pointer (snippet, ranges[index].start);
  end = g_utf8_offset_to_pointer (snippet, ranges[index].end);
  text = g_strndup (start, end - start);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_search_utf8_highlights (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *content = "Crème brûlée <b>&amp;</b> 日本語 Ünïcödé 🎉 end";
  g_autoptr(GListModel) hits = NULL;
  g_autofree char *markup = NULL;
  const ChutesTextRange *ranges;
  ChutesSearchHit *hit;
  guint n_ranges = 0;
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Unicode"));
  g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_USER, content));

  /* Accents ignored; offsets in characters, not bytes. */
  hits = search (fixture->history, "creme brulee");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  hit = hit_at (hits, 0);
  g_assert_cmpstr (chutes_search_hit_get_snippet (hit), ==, content);
  ranges = chutes_search_hit_get_ranges (hit, &n_ranges);
  g_assert_cmpuint (n_ranges, ==, 2);
  g_assert_cmpuint (ranges[0].start, ==, 0);
  g_assert_cmpuint (ranges[0].end, ==, 5);
  g_assert_cmpuint (ranges[1].start, ==, 6);
  g_assert_cmpuint (ranges[1].end, ==, 12);
  markup = chutes_search_hit_to_markup (hit);
  g_assert_cmpstr (markup, ==,
                   "<b>Crème</b> <b>brûlée</b> &lt;b&gt;&amp;amp;&lt;/b&gt; 日本語 Ünïcödé 🎉 end");
  g_clear_object (&hits);
  g_clear_pointer (&markup, g_free);

  hits = search (fixture->history, "unicode");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  assert_range_text (hit_at (hits, 0), 0, "Ünïcödé");
  g_clear_object (&hits);

  hits = search (fixture->history, "日本");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  assert_range_text (hit_at (hits, 0), 0, "日本語");
  g_clear_object (&hits);

  /* Markup-looking text in a message is only text. */
  hits = search (fixture->history, "amp");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  assert_range_text (hit_at (hits, 0), 0, "amp");
  markup = chutes_search_hit_to_markup (hit_at (hits, 0));
  g_assert_cmpstr (markup, ==,
                   "Crème brûlée &lt;b&gt;&amp;<b>amp</b>;&lt;/b&gt; 日本語 Ünïcödé 🎉 end");
}

static void
test_search_snippet_of_long_message (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GString) content = g_string_new (NULL);
  g_autoptr(GListModel) hits = NULL;
  const char *snippet;
  guint n_ranges = 0;
  ChutesSearchHit *hit;
  gint64 id;

  for (guint i = 0; i < 300; i++)
    g_string_append (content, i % 7 == 0 ? "lorem ipsum\n\n" : "dolor sit amet ");
  g_string_append (content, "the needle in the haystack ");
  for (guint i = 0; i < 300; i++)
    g_string_append (content, i % 7 == 0 ? "consectetur\n" : "adipiscing elit ");

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Long"));
  g_object_unref (append_message (fixture->history, id, CHUTES_MESSAGE_ROLE_ASSISTANT, content->str));

  hits = search (fixture->history, "needle haystack");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, 1);
  hit = hit_at (hits, 0);
  snippet = chutes_search_hit_get_snippet (hit);
  g_test_message ("Snippet: %s", snippet);
  g_assert_true (g_str_has_prefix (snippet, "…"));
  g_assert_true (g_str_has_suffix (snippet, "…"));
  g_assert_null (strchr (snippet, '\n'));
  g_assert_null (strstr (snippet, "  "));
  g_assert_cmpuint (g_utf8_strlen (snippet, -1), <=, 162);
  g_assert_cmpuint (g_utf8_strlen (snippet, -1), >=, 100);
  chutes_search_hit_get_ranges (hit, &n_ranges);
  g_assert_cmpuint (n_ranges, ==, 2);
  assert_range_text (hit, 0, "needle");
  assert_range_text (hit, 1, "haystack");
  /* Words are not cut at either end. */
  g_assert_true (g_str_has_prefix (snippet, "…dolor ") || g_str_has_prefix (snippet, "…sit ") ||
                 g_str_has_prefix (snippet, "…amet ") || g_str_has_prefix (snippet, "…lorem ") ||
                 g_str_has_prefix (snippet, "…ipsum "));
}

static void
test_search_bounded_newest_first (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GListModel) hits = NULL;
  GAsyncResult **slots = g_new0 (GAsyncResult *, 250);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 id;

  fixture->history = open_history (fixture->path);
  id = chutes_chat_summary_get_id (create_conversation (fixture->history, "Zebras"));
  for (guint i = 0; i < 250; i++)
    {
      g_autofree char *text = g_strdup_printf ("zebra number %u", i);
      ChutesMessage *message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, text);

      g_ptr_array_add (messages, message);
      chutes_history_append_message_async (fixture->history, id, message, NULL, chutes_test_store_result_cb, &slots[i]);
    }
  for (guint i = 0; i < 250; i++)
    g_object_unref (chutes_test_wait_for_result (&slots[i]));
  g_free (slots);

  hits = search (fixture->history, "zebra");
  g_assert_cmpuint (g_list_model_get_n_items (hits), ==, CHUTES_HISTORY_MAX_HITS);
  g_assert_cmpint (chutes_search_hit_get_message_id (hit_at (hits, 0)), ==,
                   message_id_of (g_ptr_array_index (messages, 249)));
  for (guint i = 1; i < CHUTES_HISTORY_MAX_HITS; i++)
    g_assert_cmpint (chutes_search_hit_get_message_id (hit_at (hits, i - 1)), >,
                     chutes_search_hit_get_message_id (hit_at (hits, i)));
}

/* Crash safety: a child process streams a reply and is killed. */

#define N_FINISHED 3

static const char * const finished_texts[N_FINISHED] = {
  "First question, with `code` and <tags> & ampersands",
  "A complete answer.\n\n```python\nprint('hi')\n```\n",
  "A follow-up question",
};

static char *
token (guint i)
{
  return g_strdup_printf ("w%06u ", i);
}

typedef struct
{
  ChutesMessage *reply;
  guint          n_tokens;
} Streamer;

static gboolean
stream_token_cb (gpointer user_data)
{
  Streamer *streamer = user_data;
  g_autofree char *next = token (streamer->n_tokens++);

  chutes_message_append_content (streamer->reply, next);

  if (streamer->n_tokens % 25 == 0)
    {
      printf ("len %zu\n", strlen (chutes_message_get_content (streamer->reply)));
      fflush (stdout);
    }

  return G_SOURCE_CONTINUE;
}

static int
crash_child_main (const char *path)
{
  ChutesHistory *history = open_history (path);
  Streamer streamer = { NULL, 0 };
  gint64 id = chutes_chat_summary_get_id (create_conversation (history, "Crash"));

  for (guint i = 0; i < N_FINISHED; i++)
    {
      g_autoptr(ChutesMessage) message = NULL;

      message = chutes_message_new (i % 2 ? CHUTES_MESSAGE_ROLE_ASSISTANT : CHUTES_MESSAGE_ROLE_USER,
                                    finished_texts[i]);
      if (i == 1)
        chutes_message_append_reasoning (message, "Some thinking.");
      append_existing (history, id, message);
    }

  streamer.reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "");
  chutes_message_set_status (streamer.reply, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_history_append_message_async (history, id, streamer.reply, NULL, NULL, NULL);
  chutes_history_track_message (history, streamer.reply);

  printf ("ready\n");
  fflush (stdout);

  g_timeout_add (2, stream_token_cb, &streamer);
  for (;;)
    g_main_context_iteration (NULL, TRUE);

  return 0;
}

typedef struct
{
  gint64 time;
  gsize  length;
} Progress;

static void
test_crash_killed_while_streaming (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { exe, "--crash-child", fixture->path, NULL };
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (Progress));
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *check = NULL;
  g_autofree char *ready = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 started = 0;
  gint64 killed_at;
  gsize needed = 0;
  guint row = 0;
  ChutesMessage *cut;

  g_assert_nonnull (exe);
  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  ready = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ready, ==, "ready");

  /* Let it stream for 2.5 s, noting how far it got and when. */
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
      Progress step;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_true (g_str_has_prefix (line, "len "));

      step.time = g_get_monotonic_time ();
      step.length = g_ascii_strtoull (line + 4, NULL, 10);
      g_array_append_val (progress, step);

      if (started == 0)
        started = step.time;
      else if (step.time - started >= 2500 * G_TIME_SPAN_MILLISECOND)
        break;
    }

  killed_at = g_get_monotonic_time ();
  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  /* What the reply held a second before the kill must be on disk. */
  for (guint i = 0; i < progress->len; i++)
    {
      Progress *step = &g_array_index (progress, Progress, i);

      if (step->time <= killed_at - G_USEC_PER_SEC)
        needed = step->length;
    }
  g_assert_cmpuint (needed, >, 0);

  check = sql_text (fixture->path, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  sql_exec (fixture->path, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");

  g_assert_cmpint (sqlite3_open_v2 (fixture->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT content, status FROM messages ORDER BY position",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *content = (const char *)sqlite3_column_text (stmt, 0);
      const char *status = (const char *)sqlite3_column_text (stmt, 1);

      if (row < N_FINISHED)
        {
          g_assert_cmpstr (content, ==, finished_texts[row]);
          g_assert_cmpstr (status, ==, "complete");
        }
      else
        {
          gsize length = strlen (content);

          g_assert_cmpstr (status, ==, "streaming");
          g_test_message ("Saved %zu bytes of the reply; %zu were there a second before the kill",
                          length, needed);
          g_assert_cmpuint (length, >=, needed);
          for (guint i = 0; expected->len < length; i++)
            {
              g_autofree char *next = token (i);

              g_string_append (expected, next);
            }
          g_assert_cmpstr (content, ==, expected->str);
        }
      row++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (row, ==, N_FINISHED + 1);

  /* Opened again, the cut reply says what happened. */
  fixture->history = open_history (fixture->path);
  g_assert_null (chutes_history_get_notice (fixture->history));
  summary = g_list_model_get_item (chutes_history_get_conversations (fixture->history), 0);
  loaded = load_messages (fixture->history, chutes_chat_summary_get_id (summary));
  g_assert_cmpuint (loaded->len, ==, N_FINISHED + 1);
  g_assert_cmpstr (chutes_message_get_reasoning (g_ptr_array_index (loaded, 1)), ==, "Some thinking.");
  cut = g_ptr_array_index (loaded, N_FINISHED);
  g_assert_cmpint (chutes_message_get_status (cut), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_nonnull (chutes_message_get_error (cut));
  g_assert_cmpstr (chutes_message_get_content (cut), ==, expected->str);
}

/* Titles */

static void
test_title_from_text (void)
{
  static const struct {
    const char *text;
    guint       max;
    const char *title;
  } cases[] = {
    { "  \n\n# Hello   world\nsecond line", 40, "Hello world" },
    { "> - quoted item", 40, "quoted item" },
    { "1. first step", 40, "first step" },
    { "2024 was a year", 40, "2024 was a year" },
    { "#hashtag trends", 40, "#hashtag trends" },
    { "", 40, "" },
    { " \n\t\n ", 40, "" },
    { "Explain how <b>bold</b> & friends render", 40, "Explain how <b>bold</b> & friends render" },
    { "How do I write a GTK 4 application in C with libadwaita?", 30, "How do I write a GTK 4…" },
    { "Supercalifragilisticexpialidocious-and-more", 12, "Supercalifr…" },
    { "Ünïcödé ünïcödé ünïcödé", 10, "Ünïcödé…" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *title = chutes_chat_summary_title_from_text (cases[i].text, cases[i].max);

      g_assert_cmpstr (title, ==, cases[i].title);
      g_assert_cmpuint (g_utf8_strlen (title, -1), <=, cases[i].max);
    }
}

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--crash-child"))
    return crash_child_main (argv[2]);

  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/history/open/creates-private-database", test_open_creates_private_database);
  ADD_TEST ("/history/open/fails-without-a-place-and-creates-nothing", test_open_fails_without_a_place);
  ADD_TEST ("/history/open/closed-history-refuses-work", test_closed_history_refuses_work);
  ADD_TEST ("/history/conversations/newest-first-with-notifications", test_conversations_newest_first);
  ADD_TEST ("/history/conversations/settings-round-trip", test_settings_round_trip);
  ADD_TEST ("/history/conversations/reload-shows-another-writer-and-keeps-summaries",
            test_conversations_reload_from_another_writer);
  g_test_add_func ("/history/conversations/title-from-first-message", test_title_from_text);
  ADD_TEST ("/history/messages/every-field-round-trips", test_messages_fields_round_trip);
  ADD_TEST ("/history/messages/ten-thousand-load-in-order", test_messages_ten_thousand_in_order);
  ADD_TEST ("/history/messages/delete-one-and-from-a-position", test_messages_delete);
  ADD_TEST ("/history/tracking/final-status-saved-at-once", test_tracking_saves_final_status_at_once);
  ADD_TEST ("/history/tracking/saved-while-streaming-and-on-close", test_tracking_saves_while_streaming);
  ADD_TEST ("/history/migration/v1-data-kept-new-columns-defaulted", test_migration_from_v1);
  ADD_TEST ("/history/migration/v2-replies-keep-their-prices", test_migration_from_v2_prices);
  ADD_TEST ("/history/spending/per-local-day-and-per-model", test_spending_per_day_and_model);
  ADD_TEST ("/history/keep-aside/garbage-bytes-with-journal", test_keep_aside_garbage);
  ADD_TEST ("/history/keep-aside/text-file", test_keep_aside_not_a_database);
  ADD_TEST ("/history/keep-aside/someone-elses-database", test_keep_aside_someone_elses_database);
  ADD_TEST ("/history/keep-aside/corrupt-pages", test_keep_aside_corrupt);
  ADD_TEST ("/history/keep-aside/newer-version", test_keep_aside_newer_version);
  ADD_TEST ("/history/search/prefix-of-every-word", test_search_prefix_and_words);
  ADD_TEST ("/history/search/hostile-input-is-just-words", test_search_hostile_input);
  ADD_TEST ("/history/search/highlights-utf8-characters", test_search_utf8_highlights);
  ADD_TEST ("/history/search/snippet-of-a-long-message", test_search_snippet_of_long_message);
  ADD_TEST ("/history/search/bounded-newest-first", test_search_bounded_newest_first);
  ADD_TEST ("/history/crash/killed-while-streaming-loses-at-most-a-second", test_crash_killed_while_streaming);

  return chutes_test_check_live_objects (g_test_run ());
}
