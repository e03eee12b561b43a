/* chutes-history.c: the saved conversations, in SQLite, off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-history-private.h"
#include "chutes-util.h"

/* A streaming reply is saved at most this often. */
#define TRACK_INTERVAL_MS 500
/* Words of a search beyond this many are ignored. */
#define MAX_SEARCH_WORDS 16

struct _ChutesHistory
{
  GObject              parent_instance;

  char                *path;
  char                *notice;
  char                *kept_aside_path;

  ChutesHistoryWorker *worker;         /* NULL once closed */
  GListStore          *conversations;  /* of ChutesChatSummary, newest first */
  GHashTable          *by_id;          /* gint64 * -> ChutesChatSummary (in the store) */
  GHashTable          *trackers;       /* ChutesMessage -> Tracker */
  gboolean             open_queued;
};

G_DEFINE_FINAL_TYPE (ChutesHistory, chutes_history, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (ChutesChatSettings, chutes_chat_settings,
                     chutes_chat_settings_copy, chutes_chat_settings_free)

enum {
  PROP_0,
  PROP_PATH,
  PROP_NOTICE,
  PROP_KEPT_ASIDE_PATH,
  PROP_CONVERSATIONS,
  N_PROPS
};

enum {
  SAVE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void untrack (ChutesHistory *self,
                     ChutesMessage *message,
                     gboolean       save);

/* Settings */

ChutesChatSettings *
chutes_chat_settings_new (void)
{
  ChutesChatSettings *settings = g_new0 (ChutesChatSettings, 1);

  settings->temperature = -1.0;

  return settings;
}

ChutesChatSettings *
chutes_chat_settings_copy (const ChutesChatSettings *settings)
{
  ChutesChatSettings *copy;

  g_return_val_if_fail (settings != NULL, NULL);

  copy = g_memdup2 (settings, sizeof *settings);
  copy->system_prompt = g_strdup (settings->system_prompt);

  return copy;
}

void
chutes_chat_settings_free (ChutesChatSettings *settings)
{
  if (settings == NULL)
    return;

  g_free (settings->system_prompt);
  g_free (settings);
}

/* Names stored in the database, so that reordering an enum cannot change
 * what saved rows mean. */
static const char *
status_to_string (ChutesMessageStatus status)
{
  static const char * const names[] = { "complete", "pending", "streaming", "stopped", "failed" };

  return status < G_N_ELEMENTS (names) ? names[status] : "complete";
}

static ChutesMessageStatus
status_from_string (const char *text)
{
  static const char * const names[] = { "complete", "pending", "streaming", "stopped", "failed" };

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (names); i++)
    if (strcmp (text, names[i]) == 0)
      return i;

  return CHUTES_MESSAGE_STATUS_COMPLETE;
}

static ChutesMessageRole
role_from_string (const char *text)
{
  if (g_strcmp0 (text, "system") == 0)
    return CHUTES_MESSAGE_ROLE_SYSTEM;
  if (g_strcmp0 (text, "assistant") == 0)
    return CHUTES_MESSAGE_ROLE_ASSISTANT;

  return CHUTES_MESSAGE_ROLE_USER;
}

static gboolean
status_is_final (ChutesMessageStatus status)
{
  return status == CHUTES_MESSAGE_STATUS_COMPLETE ||
         status == CHUTES_MESSAGE_STATUS_STOPPED ||
         status == CHUTES_MESSAGE_STATUS_FAILED;
}

/* SQL helpers (worker thread) */

/* @sql must be a string literal: it is the key of the statement cache. */
static ChutesHistoryStatement *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  ChutesHistoryStatement *stmt = _chutes_history_worker_statement (db, sql);

  if (stmt == NULL)
    {
      g_propagate_error (error, _chutes_history_error_new (db, _("Could not use the chat history")));
      return NULL;
    }

  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_count (sqlite3_stmt *stmt,
            int           index,
            gint64        count)
{
  if (count >= 0)
    sqlite3_bind_int64 (stmt, index, count);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

static gint64
column_count (sqlite3_stmt *stmt,
              int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return -1;

  return sqlite3_column_int64 (stmt, column);
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (sqlite3       *db,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  if (sqlite3_step (stmt) == SQLITE_DONE)
    return TRUE;

  g_propagate_error (error, _chutes_history_error_new (db, _("Could not save the chat history")));

  return FALSE;
}

/* After stepping through rows: TRUE when the last step reached the end. */
static gboolean
read_to_end (sqlite3  *db,
             int       rc,
             GError  **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;

  g_propagate_error (error, _chutes_history_error_new (db, _("Could not read the chat history")));

  return FALSE;
}

static gboolean
changed_one (sqlite3  *db,
             GError  **error)
{
  if (sqlite3_changes (db) > 0)
    return TRUE;

  g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND,
                       _("This conversation is no longer in the chat history"));

  return FALSE;
}

/* Queueing (main thread) */

typedef enum
{
  JOB_RETURNS_BOOLEAN     = 0,
  JOB_RETURNS_POINTER     = 1 << 0,
  JOB_OUTSIDE_TRANSACTION = 1 << 1,
} JobFlags;

/* Queues @run for the worker, then @done here, then the task returns to
 * @callback. Takes @data (freed with @data_free). */
static void
queue_job (ChutesHistory         *self,
           gpointer               source_tag,
           GCancellable          *cancellable,
           GAsyncReadyCallback    callback,
           gpointer               user_data,
           ChutesHistoryRunFunc   run,
           ChutesHistoryDoneFunc  done,
           gpointer               data,
           GDestroyNotify         data_free,
           JobFlags               flags)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ChutesHistoryJob *job;

  g_task_set_source_tag (task, source_tag);

  if (self->worker == NULL)
    {
      if (data_free != NULL)
        data_free (data);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _("The chat history is closed"));
      return;
    }

  /* Everything set before the worker can see it. */
  job = _chutes_history_job_new (task, run, done, data, data_free);
  job->returns_pointer = (flags & JOB_RETURNS_POINTER) != 0;
  job->outside_transaction = (flags & JOB_OUTSIDE_TRANSACTION) != 0;
  _chutes_history_worker_push (self->worker, job);
}

static gboolean
propagate_boolean (ChutesHistory  *self,
                   GAsyncResult   *result,
                   GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
propagate_pointer (ChutesHistory  *self,
                   GAsyncResult   *result,
                   GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The conversation list (main thread) */

static void
add_summary (ChutesHistory     *self,
             ChutesChatSummary *summary,
             guint              position)
{
  gint64 *key = g_new (gint64, 1);

  *key = chutes_chat_summary_get_id (summary);
  g_hash_table_replace (self->by_id, key, summary);
  g_list_store_insert (self->conversations, position, summary);
}

/* Moves @summary to the top in a single items-changed, so that a
 * GtkSingleSelection finds its item again among the added ones. */
static void
move_to_top (ChutesHistory     *self,
             ChutesChatSummary *summary)
{
  g_autoptr(GPtrArray) items = NULL;
  guint position;

  if (!g_list_store_find (self->conversations, summary, &position) || position == 0)
    return;

  items = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (items, g_object_ref (summary));
  for (guint i = 0; i < position; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->conversations), i));

  g_list_store_splice (self->conversations, 0, position + 1, items->pdata, items->len);
}

ChutesChatSummary *
chutes_history_lookup_conversation (ChutesHistory *self,
                                    gint64         id)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return g_hash_table_lookup (self->by_id, &id);
}

/* Opening */

typedef struct
{
  ChutesHistoryWorker *worker;
  char                *path;
  ChutesHistoryKept    kept;
  char                *kept_path;
  GPtrArray           *rows;       /* of ConversationRow */
} OpenData;

typedef struct
{
  gint64  id;
  char   *title;
  gint64  created_at;
  gint64  updated_at;
  char   *model;
} ConversationRow;

static void
conversation_row_free (ConversationRow *row)
{
  g_free (row->title);
  g_free (row->model);
  g_free (row);
}

static void
open_data_free (OpenData *data)
{
  g_free (data->path);
  g_free (data->kept_path);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

static gboolean
open_run (sqlite3           *db,
          ChutesHistoryJob  *job,
          GError           **error)
{
  OpenData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  int rc;

  db = _chutes_history_schema_open (data->path, &data->kept, &data->kept_path, error);
  if (db == NULL)
    return FALSE;

  _chutes_history_worker_set_db (data->worker, db);

  stmt = prepare (db,
                  "SELECT id, title, created_at, updated_at, model FROM conversations"
                  " ORDER BY updated_at DESC, id DESC",
                  error);
  if (stmt == NULL)
    return FALSE;

  data->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)conversation_row_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConversationRow *row = g_new0 (ConversationRow, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->title = column_dup (stmt, 1);
      row->created_at = sqlite3_column_int64 (stmt, 2);
      row->updated_at = sqlite3_column_int64 (stmt, 3);
      row->model = column_dup (stmt, 4);
      g_ptr_array_add (data->rows, row);
    }

  return read_to_end (db, rc, error);
}

static void
open_done (ChutesHistory    *self,
           ChutesHistoryJob *job)
{
  OpenData *data = job->data;
  g_autoptr(GPtrArray) summaries = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *name = NULL;

  for (guint i = 0; i < data->rows->len; i++)
    {
      ConversationRow *row = g_ptr_array_index (data->rows, i);
      ChutesChatSummary *summary;
      gint64 *key = g_new (gint64, 1);

      summary = _chutes_chat_summary_new (row->id, row->title, row->created_at,
                                          row->updated_at, row->model);
      *key = row->id;
      g_hash_table_replace (self->by_id, key, summary);
      g_ptr_array_add (summaries, summary);
    }

  g_list_store_splice (self->conversations,
                       0, g_list_model_get_n_items (G_LIST_MODEL (self->conversations)),
                       summaries->pdata, summaries->len);

  if (data->kept == CHUTES_HISTORY_KEPT_NOTHING)
    return;

  name = g_path_get_basename (data->kept_path);
  g_free (self->notice);
  if (data->kept == CHUTES_HISTORY_KEPT_NEWER)
    self->notice = g_strdup_printf (_("Your chat history was saved by a newer version of Chutes. "
                                      "It was kept aside as “%s”, and a new history was started."),
                                    name);
  else
    self->notice = g_strdup_printf (_("Your chat history could not be read. "
                                      "It was kept aside as “%s”, and a new history was started."),
                                    name);
  chutes_set_str (&self->kept_aside_path, data->kept_path);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEPT_ASIDE_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTICE]);
}

void
chutes_history_open_async (ChutesHistory       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  OpenData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (!self->open_queued);

  self->open_queued = TRUE;

  data = g_new0 (OpenData, 1);
  data->worker = self->worker;
  data->path = g_strdup (self->path);

  queue_job (self, chutes_history_open_async, cancellable, callback, user_data,
             open_run, open_done, data, (GDestroyNotify)open_data_free,
             JOB_OUTSIDE_TRANSACTION);
}

gboolean
chutes_history_open_finish (ChutesHistory  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return propagate_boolean (self, result, error);
}

/* Conversations */

typedef enum
{
  FIELD_NONE,
  FIELD_TITLE,
  FIELD_MODEL,
} ConversationField;

typedef struct
{
  gint64               id;
  ConversationField    field;
  char                *title;
  char                *model;
  gint64               created_at;
  ChutesChatSettings  *settings;
} ConversationData;

static void
conversation_data_free (ConversationData *data)
{
  g_free (data->title);
  g_free (data->model);
  g_clear_pointer (&data->settings, chutes_chat_settings_free);
  g_free (data);
}

static ConversationData *
conversation_data_new (gint64             id,
                       ConversationField  field,
                       const char        *title,
                       const char        *model)
{
  ConversationData *data = g_new0 (ConversationData, 1);

  data->id = id;
  data->field = field;
  data->title = g_strdup (title != NULL ? title : "");
  data->model = g_strdup (model);

  return data;
}

static gboolean
create_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  ConversationData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO conversations (title, created_at, updated_at, model)"
                  " VALUES (?1, ?2, ?2, ?3)",
                  error);
  if (stmt == NULL)
    return FALSE;

  data->created_at = g_get_real_time ();
  bind_text (stmt, 1, data->title);
  sqlite3_bind_int64 (stmt, 2, data->created_at);
  bind_text (stmt, 3, data->model);
  if (!step_done (db, stmt, error))
    return FALSE;

  data->id = sqlite3_last_insert_rowid (db);

  return TRUE;
}

static void
create_done (ChutesHistory    *self,
             ChutesHistoryJob *job)
{
  ConversationData *data = job->data;
  ChutesChatSummary *summary;

  summary = _chutes_chat_summary_new (data->id, data->title, data->created_at,
                                      data->created_at, data->model);
  add_summary (self, summary, 0);

  job->result = summary;
  job->result_free = g_object_unref;
}

void
chutes_history_create_conversation_async (ChutesHistory       *self,
                                          const char          *title,
                                          const char          *model,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, chutes_history_create_conversation_async, cancellable, callback, user_data,
             create_run, create_done,
             conversation_data_new (0, FIELD_NONE, title, model),
             (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_POINTER);
}

ChutesChatSummary *
chutes_history_create_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return propagate_pointer (self, result, error);
}

/* Renaming and choosing a model: one column of a conversation. */
static gboolean
update_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  ConversationData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  if (data->field == FIELD_TITLE)
    stmt = prepare (db, "UPDATE conversations SET title = ?1 WHERE id = ?2", error);
  else
    stmt = prepare (db, "UPDATE conversations SET model = ?1 WHERE id = ?2", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, data->field == FIELD_TITLE ? data->title : data->model);
  sqlite3_bind_int64 (stmt, 2, data->id);

  return step_done (db, stmt, error) && changed_one (db, error);
}

static void
update_done (ChutesHistory    *self,
             ChutesHistoryJob *job)
{
  ConversationData *data = job->data;
  ChutesChatSummary *summary = chutes_history_lookup_conversation (self, data->id);

  if (summary == NULL)
    return;

  if (data->field == FIELD_TITLE)
    _chutes_chat_summary_set_title (summary, data->title);
  else
    _chutes_chat_summary_set_model (summary, data->model);
}

void
chutes_history_rename_conversation_async (ChutesHistory       *self,
                                          gint64               id,
                                          const char          *title,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (title != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, chutes_history_rename_conversation_async, cancellable, callback, user_data,
             update_run, update_done,
             conversation_data_new (id, FIELD_TITLE, title, NULL),
             (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_rename_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return propagate_boolean (self, result, error);
}

void
chutes_history_set_model_async (ChutesHistory       *self,
                                gint64               id,
                                const char          *model,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, chutes_history_set_model_async, cancellable, callback, user_data,
             update_run, update_done,
             conversation_data_new (id, FIELD_MODEL, NULL, model),
             (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_set_model_finish (ChutesHistory  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return propagate_boolean (self, result, error);
}

static gboolean
delete_conversation_run (sqlite3           *db,
                         ChutesHistoryJob  *job,
                         GError           **error)
{
  ConversationData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  /* The messages go with it (ON DELETE CASCADE), and their index entries
   * with them (the triggers fire for cascaded deletes). */
  stmt = prepare (db, "DELETE FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->id);

  return step_done (db, stmt, error) && changed_one (db, error);
}

static void
delete_conversation_done (ChutesHistory    *self,
                          ChutesHistoryJob *job)
{
  ConversationData *data = job->data;
  ChutesChatSummary *summary = chutes_history_lookup_conversation (self, data->id);
  guint position;

  if (summary == NULL)
    return;

  if (g_list_store_find (self->conversations, summary, &position))
    g_list_store_remove (self->conversations, position);
  g_hash_table_remove (self->by_id, &data->id);
}

void
chutes_history_delete_conversation_async (ChutesHistory       *self,
                                          gint64               id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, chutes_history_delete_conversation_async, cancellable, callback, user_data,
             delete_conversation_run, delete_conversation_done,
             conversation_data_new (id, FIELD_NONE, NULL, NULL),
             (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_delete_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return propagate_boolean (self, result, error);
}

static gboolean
get_settings_run (sqlite3           *db,
                  ChutesHistoryJob  *job,
                  GError           **error)
{
  ConversationData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  ChutesChatSettings *settings;
  int rc;

  stmt = prepare (db,
                  "SELECT system_prompt, temperature, max_tokens, thinking"
                  " FROM conversations WHERE id = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND,
                           _("This conversation is no longer in the chat history"));
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      g_propagate_error (error, _chutes_history_error_new (db, _("Could not read the chat history")));
      return FALSE;
    }

  settings = chutes_chat_settings_new ();
  settings->system_prompt = column_dup (stmt, 0);
  if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    settings->temperature = sqlite3_column_double (stmt, 1);
  settings->max_tokens = MAX (column_count (stmt, 2), 0);
  settings->thinking = sqlite3_column_int (stmt, 3) != 0;

  job->result = settings;
  job->result_free = (GDestroyNotify)chutes_chat_settings_free;

  return TRUE;
}

void
chutes_history_get_settings_async (ChutesHistory       *self,
                                   gint64               id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_job (self, chutes_history_get_settings_async, cancellable, callback, user_data,
             get_settings_run, NULL,
             conversation_data_new (id, FIELD_NONE, NULL, NULL),
             (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_POINTER);
}

ChutesChatSettings *
chutes_history_get_settings_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return propagate_pointer (self, result, error);
}

static gboolean
set_settings_run (sqlite3           *db,
                  ChutesHistoryJob  *job,
                  GError           **error)
{
  ConversationData *data = job->data;
  ChutesChatSettings *settings = data->settings;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  stmt = prepare (db,
                  "UPDATE conversations SET system_prompt = ?1, temperature = ?2,"
                  " max_tokens = ?3, thinking = ?4 WHERE id = ?5",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, settings->system_prompt);
  if (settings->temperature >= 0)
    sqlite3_bind_double (stmt, 2, settings->temperature);
  else
    sqlite3_bind_null (stmt, 2);
  if (settings->max_tokens > 0)
    sqlite3_bind_int64 (stmt, 3, settings->max_tokens);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int (stmt, 4, settings->thinking ? 1 : 0);
  sqlite3_bind_int64 (stmt, 5, data->id);

  return step_done (db, stmt, error) && changed_one (db, error);
}

void
chutes_history_set_settings_async (ChutesHistory            *self,
                                   gint64                    id,
                                   const ChutesChatSettings *settings,
                                   GCancellable             *cancellable,
                                   GAsyncReadyCallback       callback,
                                   gpointer                  user_data)
{
  ConversationData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (settings != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = conversation_data_new (id, FIELD_NONE, NULL, NULL);
  data->settings = chutes_chat_settings_copy (settings);
  queue_job (self, chutes_history_set_settings_async, cancellable, callback, user_data,
             set_settings_run, NULL, data, (GDestroyNotify)conversation_data_free,
             JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_set_settings_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return propagate_boolean (self, result, error);
}

/* Messages */

/* Which row a message is, shared by the jobs that save it: the append job
 * fills in the id on the worker, so saves queued before the append
 * completed find it. Worker thread only, after creation. */
typedef struct
{
  gint64 id;
} MessageRef;

static GQuark
message_ref_quark (void)
{
  return g_quark_from_static_string ("chutes-history-message-ref");
}

static MessageRef *
message_ref_get (ChutesMessage *message)
{
  MessageRef *ref = g_object_get_qdata (G_OBJECT (message), message_ref_quark ());

  if (ref == NULL && chutes_message_get_id (message) > 0)
    {
      ref = g_atomic_rc_box_new0 (MessageRef);
      ref->id = chutes_message_get_id (message);
      g_object_set_qdata_full (G_OBJECT (message), message_ref_quark (), ref,
                               (GDestroyNotify)g_atomic_rc_box_release);
    }

  return ref;
}

/* A copy of what a message holds, for the worker. */
typedef struct
{
  ChutesMessage       *message;      /* main thread only */
  MessageRef          *ref;
  gint64               id;           /* loaded rows */
  gint64               conversation_id;
  ChutesMessageRole    role;
  char                *content;
  char                *reasoning;
  ChutesMessageStatus  status;
  char                *error;
  char                *model;
  gint64               prompt_tokens;
  gint64               completion_tokens;
  gint64               created_at;
  gint64               updated_at;
} MessageData;

static void
message_data_free (MessageData *data)
{
  g_clear_object (&data->message);
  if (data->ref != NULL)
    g_atomic_rc_box_release (data->ref);
  g_free (data->content);
  g_free (data->reasoning);
  g_free (data->error);
  g_free (data->model);
  g_free (data);
}

static MessageData *
message_data_new (ChutesMessage *message,
                  MessageRef    *ref,
                  gboolean       with_fields)
{
  MessageData *data = g_new0 (MessageData, 1);

  data->message = g_object_ref (message);
  data->ref = g_atomic_rc_box_acquire (ref);

  if (with_fields)
    {
      data->role = chutes_message_get_role (message);
      data->content = g_strdup (chutes_message_get_content (message));
      data->reasoning = g_strdup (chutes_message_get_reasoning (message));
      data->status = chutes_message_get_status (message);
      data->error = g_strdup (chutes_message_get_error (message));
      data->model = g_strdup (chutes_message_get_model (message));
      data->prompt_tokens = chutes_message_get_prompt_tokens (message);
      data->completion_tokens = chutes_message_get_completion_tokens (message);
      data->created_at = chutes_message_get_created_at (message);
    }

  return data;
}

static void
bind_message_fields (sqlite3_stmt *stmt,
                     MessageData  *data,
                     int           first)
{
  bind_text (stmt, first, data->content);
  bind_text (stmt, first + 1, data->reasoning);
  bind_text (stmt, first + 2, status_to_string (data->status));
  bind_text (stmt, first + 3, data->error);
  bind_text (stmt, first + 4, data->model);
  bind_count (stmt, first + 5, data->prompt_tokens);
  bind_count (stmt, first + 6, data->completion_tokens);
  sqlite3_bind_int64 (stmt, first + 7, data->updated_at);
}

static gboolean
append_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) insert = NULL;
  g_autoptr(ChutesHistoryStatement) touch = NULL;

  insert = prepare (db,
                    "INSERT INTO messages (conversation_id, position, role, created_at,"
                    " content, reasoning, status, error, model, prompt_tokens,"
                    " completion_tokens, updated_at)"
                    " VALUES (?1, (SELECT coalesce (max (position), 0) + 1 FROM messages"
                    "              WHERE conversation_id = ?1),"
                    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    error);
  if (insert == NULL)
    return FALSE;
  touch = prepare (db,
                   "UPDATE conversations SET updated_at = max (updated_at, ?1) WHERE id = ?2",
                   error);
  if (touch == NULL)
    return FALSE;

  data->updated_at = g_get_real_time ();
  if (data->created_at <= 0)
    data->created_at = data->updated_at;

  sqlite3_bind_int64 (insert, 1, data->conversation_id);
  bind_text (insert, 2, chutes_message_role_to_string (data->role));
  sqlite3_bind_int64 (insert, 3, data->created_at);
  bind_message_fields (insert, data, 4);
  if (!step_done (db, insert, error))
    return FALSE;

  data->ref->id = sqlite3_last_insert_rowid (db);

  sqlite3_bind_int64 (touch, 1, data->updated_at);
  sqlite3_bind_int64 (touch, 2, data->conversation_id);

  return step_done (db, touch, error);
}

static void
append_done (ChutesHistory    *self,
             ChutesHistoryJob *job)
{
  MessageData *data = job->data;
  ChutesChatSummary *summary;

  chutes_message_set_id (data->message, data->ref->id);
  chutes_message_set_created_at (data->message, data->created_at);

  summary = chutes_history_lookup_conversation (self, data->conversation_id);
  if (summary != NULL)
    {
      _chutes_chat_summary_set_updated_at (summary,
                                           MAX (data->updated_at,
                                                chutes_chat_summary_get_updated_at (summary)));
      move_to_top (self, summary);
    }
}

void
chutes_history_append_message_async (ChutesHistory       *self,
                                      gint64               conversation_id,
                                      ChutesMessage       *message,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  MessageRef *ref;
  MessageData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));
  g_return_if_fail (chutes_message_get_id (message) == 0);
  g_return_if_fail (g_object_get_qdata (G_OBJECT (message), message_ref_quark ()) == NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  ref = g_atomic_rc_box_new0 (MessageRef);
  g_object_set_qdata_full (G_OBJECT (message), message_ref_quark (), ref,
                           (GDestroyNotify)g_atomic_rc_box_release);

  data = message_data_new (message, ref, TRUE);
  data->conversation_id = conversation_id;
  queue_job (self, chutes_history_append_message_async, cancellable, callback, user_data,
             append_run, append_done, data, (GDestroyNotify)message_data_free,
             JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_append_message_finish (ChutesHistory  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return propagate_boolean (self, result, error);
}

static gboolean
save_run (sqlite3           *db,
          ChutesHistoryJob  *job,
          GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  /* The append failed: it said so. */
  if (data->ref->id == 0)
    return TRUE;

  stmt = prepare (db,
                  "UPDATE messages SET content = ?1, reasoning = ?2, status = ?3, error = ?4,"
                  " model = ?5, prompt_tokens = ?6, completion_tokens = ?7, updated_at = ?8"
                  " WHERE id = ?9",
                  error);
  if (stmt == NULL)
    return FALSE;

  data->updated_at = g_get_real_time ();
  bind_message_fields (stmt, data, 1);
  sqlite3_bind_int64 (stmt, 9, data->ref->id);

  return step_done (db, stmt, error);
}

static void
queue_message_job (ChutesHistory         *self,
                   ChutesMessage         *message,
                   gpointer               source_tag,
                   GCancellable          *cancellable,
                   GAsyncReadyCallback    callback,
                   gpointer               user_data,
                   ChutesHistoryRunFunc   run,
                   ChutesHistoryDoneFunc  done,
                   gboolean               with_fields)
{
  MessageRef *ref = message_ref_get (message);

  if (ref == NULL)
    {
      g_critical ("%s: the message was never appended to the history", G_STRFUNC);
      g_task_report_new_error (self, callback, user_data, source_tag,
                               CHUTES_ERROR, CHUTES_ERROR_FAILED,
                               "The message was never saved");
      return;
    }

  queue_job (self, source_tag, cancellable, callback, user_data, run, done,
             message_data_new (message, ref, with_fields),
             (GDestroyNotify)message_data_free,
             JOB_RETURNS_BOOLEAN);
}

void
chutes_history_save_message_async (ChutesHistory       *self,
                                   ChutesMessage       *message,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_message_job (self, message, chutes_history_save_message_async, cancellable, callback, user_data,
                     save_run, NULL, TRUE);
}

gboolean
chutes_history_save_message_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return propagate_boolean (self, result, error);
}

static gboolean
delete_message_run (sqlite3           *db,
                    ChutesHistoryJob  *job,
                    GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  stmt = prepare (db, "DELETE FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->ref->id);

  return step_done (db, stmt, error);
}

static gboolean
delete_from_run (sqlite3           *db,
                 ChutesHistoryJob  *job,
                 GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  stmt = prepare (db,
                  "DELETE FROM messages"
                  " WHERE conversation_id = (SELECT conversation_id FROM messages WHERE id = ?1)"
                  " AND position >= (SELECT position FROM messages WHERE id = ?1)",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->ref->id);

  return step_done (db, stmt, error);
}

/* The message is no longer saved: appending it again makes a new row. */
static void
forget_message_done (ChutesHistory    *self,
                     ChutesHistoryJob *job)
{
  MessageData *data = job->data;

  untrack (self, data->message, FALSE);
  g_object_set_qdata (G_OBJECT (data->message), message_ref_quark (), NULL);
  chutes_message_set_id (data->message, 0);
}

void
chutes_history_delete_message_async (ChutesHistory       *self,
                                     ChutesMessage       *message,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_message_job (self, message, chutes_history_delete_message_async, cancellable, callback, user_data,
                     delete_message_run, forget_message_done, FALSE);
}

gboolean
chutes_history_delete_message_finish (ChutesHistory  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return propagate_boolean (self, result, error);
}

void
chutes_history_delete_messages_from_async (ChutesHistory       *self,
                                           ChutesMessage       *message,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  queue_message_job (self, message, chutes_history_delete_messages_from_async, cancellable, callback, user_data,
                     delete_from_run, forget_message_done, FALSE);
}

gboolean
chutes_history_delete_messages_from_finish (ChutesHistory  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  return propagate_boolean (self, result, error);
}

/* Loading a conversation: one query on the worker, plain rows back, the
 * objects made here in one go. */
typedef struct
{
  gint64     conversation_id;
  GPtrArray *rows;      /* of MessageData without message or ref */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

static gboolean
load_run (sqlite3           *db,
          ChutesHistoryJob  *job,
          GError           **error)
{
  LoadData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  int rc;

  stmt = prepare (db,
                  "SELECT id, role, content, reasoning, status, error, model,"
                  " prompt_tokens, completion_tokens, created_at"
                  " FROM messages WHERE conversation_id = ?1 ORDER BY position",
                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->conversation_id);

  data->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)message_data_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      MessageData *row = g_new0 (MessageData, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->role = role_from_string ((const char *)sqlite3_column_text (stmt, 1));
      row->content = column_dup (stmt, 2);
      row->reasoning = column_dup (stmt, 3);
      row->status = status_from_string ((const char *)sqlite3_column_text (stmt, 4));
      row->error = column_dup (stmt, 5);
      row->model = column_dup (stmt, 6);
      row->prompt_tokens = column_count (stmt, 7);
      row->completion_tokens = column_count (stmt, 8);
      row->created_at = sqlite3_column_int64 (stmt, 9);
      g_ptr_array_add (data->rows, row);
    }

  return read_to_end (db, rc, error);
}

static void
load_done (ChutesHistory    *self,
           ChutesHistoryJob *job)
{
  LoadData *data = job->data;
  GPtrArray *messages = g_ptr_array_new_full (data->rows->len, g_object_unref);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < data->rows->len; i++)
    {
      MessageData *row = g_ptr_array_index (data->rows, i);
      ChutesMessage *message = chutes_message_new (row->role, row->content);

      if (row->status == CHUTES_MESSAGE_STATUS_PENDING ||
          row->status == CHUTES_MESSAGE_STATUS_STREAMING)
        {
          row->status = CHUTES_MESSAGE_STATUS_FAILED;
          if (row->error == NULL)
            row->error = g_strdup (_("This reply was cut short: Chutes closed before it finished."));
        }

      /* Only what differs from a new message: each call notifies. */
      if (row->reasoning != NULL && row->reasoning[0] != '\0')
        chutes_message_append_reasoning (message, row->reasoning);
      if (row->status != CHUTES_MESSAGE_STATUS_COMPLETE)
        chutes_message_set_status (message, row->status);
      if (row->error != NULL)
        chutes_message_set_error (message, row->error);
      if (row->model != NULL)
        chutes_message_set_model (message, row->model);
      if (row->prompt_tokens >= 0 || row->completion_tokens >= 0)
        chutes_message_set_usage (message, row->prompt_tokens, row->completion_tokens);
      chutes_message_set_id (message, row->id);
      chutes_message_set_created_at (message, row->created_at);
      g_ptr_array_add (messages, message);
    }

  g_debug ("Made the %u messages of conversation %" G_GINT64_FORMAT " in %.1f ms",
           messages->len, data->conversation_id,
           (g_get_monotonic_time () - start) / 1000.0);

  job->result = messages;
  job->result_free = (GDestroyNotify)g_ptr_array_unref;
}

void
chutes_history_load_messages_async (ChutesHistory       *self,
                                    gint64               conversation_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->conversation_id = conversation_id;
  queue_job (self, chutes_history_load_messages_async, cancellable, callback, user_data,
             load_run, load_done, data, (GDestroyNotify)load_data_free,
             JOB_RETURNS_POINTER);
}

GPtrArray *
chutes_history_load_messages_finish (ChutesHistory  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return propagate_pointer (self, result, error);
}

/* Tracking a streaming reply (main thread) */

typedef struct
{
  ChutesHistory *history;
  ChutesMessage *message;
  gulong         notify_id;
  guint          timeout_id;
} Tracker;

static void
tracked_save_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ChutesHistory *self = CHUTES_HISTORY (object);
  g_autoptr(GError) error = NULL;

  if (!chutes_history_save_message_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("Could not save a streaming reply: %s", error->message);
      g_signal_emit (self, signals[SAVE_FAILED], 0, error);
    }
}

static void
tracker_save (Tracker *tracker)
{
  g_clear_handle_id (&tracker->timeout_id, g_source_remove);
  chutes_history_save_message_async (tracker->history, tracker->message, NULL,
                                     tracked_save_cb, NULL);
}

static void
tracker_free (Tracker *tracker)
{
  g_clear_handle_id (&tracker->timeout_id, g_source_remove);
  g_clear_signal_handler (&tracker->notify_id, tracker->message);
  g_clear_object (&tracker->message);
  g_free (tracker);
}

static void
untrack (ChutesHistory *self,
         ChutesMessage *message,
         gboolean       save)
{
  Tracker *tracker = g_hash_table_lookup (self->trackers, message);

  if (tracker == NULL)
    return;

  if (save)
    tracker_save (tracker);

  g_hash_table_remove (self->trackers, message);
}

static gboolean
tracker_timeout_cb (gpointer user_data)
{
  Tracker *tracker = user_data;

  tracker->timeout_id = 0;
  tracker_save (tracker);

  return G_SOURCE_REMOVE;
}

static void
on_tracked_notify (ChutesMessage *message,
                   GParamSpec    *pspec,
                   Tracker       *tracker)
{
  /* Set by the history itself. */
  if (g_str_equal (pspec->name, "id") || g_str_equal (pspec->name, "created-at"))
    return;

  if (status_is_final (chutes_message_get_status (message)))
    {
      untrack (tracker->history, message, TRUE);
      return;
    }

  if (tracker->timeout_id == 0)
    tracker->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, TRACK_INTERVAL_MS,
                                              tracker_timeout_cb, tracker, NULL);
}

void
chutes_history_track_message (ChutesHistory *self,
                              ChutesMessage *message)
{
  Tracker *tracker;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));

  if (message_ref_get (message) == NULL)
    {
      g_critical ("%s: the message was never appended to the history", G_STRFUNC);
      return;
    }

  if (self->worker == NULL || g_hash_table_contains (self->trackers, message))
    return;

  if (status_is_final (chutes_message_get_status (message)))
    {
      chutes_history_save_message_async (self, message, NULL, tracked_save_cb, NULL);
      return;
    }

  tracker = g_new0 (Tracker, 1);
  tracker->history = self;
  tracker->message = g_object_ref (message);
  tracker->notify_id = g_signal_connect (message, "notify",
                                         G_CALLBACK (on_tracked_notify), tracker);
  g_hash_table_insert (self->trackers, message, tracker);

  /* What it holds already (a status change from PENDING, say). */
  tracker->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, TRACK_INTERVAL_MS,
                                            tracker_timeout_cb, tracker, NULL);
}

/* Search */

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
  GPtrArray *rows;       /* of HitRow */
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

static gboolean
search_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  SearchData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  int rc;

  data->rows = g_ptr_array_new_with_free_func ((GDestroyNotify)hit_row_free);
  if (data->query == NULL)
    return TRUE;

  stmt = prepare (db,
                  "SELECT m.id, m.conversation_id, c.title, m.role, m.created_at,"
                  "       m.content, f.ranges"
                  " FROM (SELECT rowid AS id, chutes_match_ranges (messages_fts) AS ranges"
                  "       FROM messages_fts WHERE messages_fts MATCH ?1"
                  "       ORDER BY rowid DESC LIMIT ?2) AS f"
                  " JOIN messages AS m ON m.id = f.id"
                  " JOIN conversations AS c ON c.id = m.conversation_id"
                  " ORDER BY m.id DESC",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, data->query);
  sqlite3_bind_int (stmt, 2, CHUTES_HISTORY_MAX_HITS);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      HitRow *row = g_new0 (HitRow, 1);
      const int *pairs = sqlite3_column_blob (stmt, 6);
      guint n_pairs = sqlite3_column_bytes (stmt, 6) / (2 * sizeof (int));
      g_autofree ChutesByteRange *ranges = g_new0 (ChutesByteRange, MAX (n_pairs, 1));

      for (guint i = 0; i < n_pairs; i++)
        {
          ranges[i].start = MAX (pairs[2 * i], 0);
          ranges[i].end = MAX (pairs[2 * i + 1], 0);
        }

      row->message_id = sqlite3_column_int64 (stmt, 0);
      row->conversation_id = sqlite3_column_int64 (stmt, 1);
      row->title = column_dup (stmt, 2);
      row->role = role_from_string ((const char *)sqlite3_column_text (stmt, 3));
      row->created_at = sqlite3_column_int64 (stmt, 4);
      row->snippet = _chutes_search_hit_make_snippet ((const char *)sqlite3_column_text (stmt, 5),
                                                      ranges, n_pairs, &row->ranges);
      g_ptr_array_add (data->rows, row);
    }

  return read_to_end (db, rc, error);
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

void
chutes_history_search_async (ChutesHistory       *self,
                             const char          *text,
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
  queue_job (self, chutes_history_search_async, cancellable, callback, user_data,
             search_run, search_done, data, (GDestroyNotify)search_data_free,
             JOB_RETURNS_POINTER);
}

GListModel *
chutes_history_search_finish (ChutesHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return propagate_pointer (self, result, error);
}

/* The object */

void
chutes_history_close (ChutesHistory *self)
{
  GList *tracked;

  g_return_if_fail (CHUTES_IS_HISTORY (self));

  if (self->worker == NULL)
    return;

  /* Whatever the streaming replies hold now. */
  tracked = g_hash_table_get_keys (self->trackers);
  for (const GList *l = tracked; l != NULL; l = l->next)
    untrack (self, l->data, TRUE);
  g_list_free (tracked);

  g_clear_pointer (&self->worker, _chutes_history_worker_free);
}

static void
chutes_history_dispose (GObject *object)
{
  ChutesHistory *self = (ChutesHistory *)object;

  /* No job is queued (each holds a reference), so this is quick; saving
   * tracked replies queues jobs that keep the object alive a little
   * longer, which GObject allows. */
  chutes_history_close (self);

  g_hash_table_remove_all (self->trackers);
  g_hash_table_remove_all (self->by_id);
  if (self->conversations != NULL)
    g_list_store_remove_all (self->conversations);

  G_OBJECT_CLASS (chutes_history_parent_class)->dispose (object);
}

static void
chutes_history_finalize (GObject *object)
{
  ChutesHistory *self = (ChutesHistory *)object;

  g_clear_pointer (&self->trackers, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_object (&self->conversations);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->notice, g_free);
  g_clear_pointer (&self->kept_aside_path, g_free);

  G_OBJECT_CLASS (chutes_history_parent_class)->finalize (object);
}

static void
chutes_history_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChutesHistory *self = CHUTES_HISTORY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_NOTICE:
      g_value_set_string (value, self->notice);
      break;

    case PROP_KEPT_ASIDE_PATH:
      g_value_set_string (value, self->kept_aside_path);
      break;

    case PROP_CONVERSATIONS:
      g_value_set_object (value, self->conversations);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_history_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChutesHistory *self = CHUTES_HISTORY (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_history_constructed (GObject *object)
{
  ChutesHistory *self = (ChutesHistory *)object;

  G_OBJECT_CLASS (chutes_history_parent_class)->constructed (object);

  if (self->path == NULL)
    self->path = chutes_history_get_default_path ();

  self->worker = _chutes_history_worker_new ();
}

static void
chutes_history_class_init (ChutesHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = chutes_history_constructed;
  object_class->dispose = chutes_history_dispose;
  object_class->finalize = chutes_history_finalize;
  object_class->get_property = chutes_history_get_property;
  object_class->set_property = chutes_history_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_NOTICE] =
    g_param_spec_string ("notice", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_KEPT_ASIDE_PATH] =
    g_param_spec_string ("kept-aside-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_CONVERSATIONS] =
    g_param_spec_object ("conversations", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChutesHistory::save-failed:
   * @error: what went wrong, a sentence for the person
   *
   * A streaming reply being tracked could not be saved.
   */
  signals[SAVE_FAILED] =
    g_signal_new ("save-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
chutes_history_init (ChutesHistory *self)
{
  self->conversations = g_list_store_new (CHUTES_TYPE_CHAT_SUMMARY);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->trackers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)tracker_free);
}

char *
chutes_history_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), APP_ID, "history.db", NULL);
}

ChutesHistory *
chutes_history_new (const char *path)
{
  return g_object_new (CHUTES_TYPE_HISTORY,
                       "path", path,
                       NULL);
}

const char *
chutes_history_get_path (ChutesHistory *self)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return self->path;
}

const char *
chutes_history_get_notice (ChutesHistory *self)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return self->notice;
}

const char *
chutes_history_get_kept_aside_path (ChutesHistory *self)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return self->kept_aside_path;
}

GListModel *
chutes_history_get_conversations (ChutesHistory *self)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return G_LIST_MODEL (self->conversations);
}
