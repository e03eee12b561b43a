/* chutes-history-conversations.c: creating, renaming, deleting saved
 * conversations, and their model and settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-history-private.h"

G_DEFINE_BOXED_TYPE (ChutesChatSettings, chutes_chat_settings,
                     chutes_chat_settings_copy, chutes_chat_settings_free)

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

/* Conversations */

static gboolean
set_not_found (GError **error)
{
  g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND,
                       _("This conversation is no longer in the chat history"));

  return FALSE;
}

/* After an UPDATE or DELETE by id: the row was there. */
static gboolean
changed_one (sqlite3  *db,
             GError  **error)
{
  return sqlite3_changes (db) > 0 || set_not_found (error);
}

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

  stmt = _chutes_history_prepare (db,
                                  "INSERT INTO conversations (title, created_at, updated_at, model)"
                                  " VALUES (?1, ?2, ?2, ?3)",
                                  error);
  if (stmt == NULL)
    return FALSE;

  data->created_at = g_get_real_time ();
  _chutes_history_bind_text (stmt, 1, data->title);
  sqlite3_bind_int64 (stmt, 2, data->created_at);
  _chutes_history_bind_text (stmt, 3, data->model);
  if (!_chutes_history_step_done (db, stmt, error))
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
  _chutes_history_add_summary (self, summary, 0);

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

  _chutes_history_queue_job (self, chutes_history_create_conversation_async, cancellable,
                             callback, user_data, create_run, create_done,
                             conversation_data_new (0, FIELD_NONE, title, model),
                             (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_POINTER);
}

ChutesChatSummary *
chutes_history_create_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return _chutes_history_propagate_pointer (self, result, error);
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
    stmt = _chutes_history_prepare (db, "UPDATE conversations SET title = ?1 WHERE id = ?2", error);
  else
    stmt = _chutes_history_prepare (db, "UPDATE conversations SET model = ?1 WHERE id = ?2", error);
  if (stmt == NULL)
    return FALSE;

  _chutes_history_bind_text (stmt, 1, data->field == FIELD_TITLE ? data->title : data->model);
  sqlite3_bind_int64 (stmt, 2, data->id);

  return _chutes_history_step_done (db, stmt, error) && changed_one (db, error);
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

  _chutes_history_queue_job (self, chutes_history_rename_conversation_async, cancellable,
                             callback, user_data, update_run, update_done,
                             conversation_data_new (id, FIELD_TITLE, title, NULL),
                             (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_rename_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
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

  _chutes_history_queue_job (self, chutes_history_set_model_async, cancellable,
                             callback, user_data, update_run, update_done,
                             conversation_data_new (id, FIELD_MODEL, NULL, model),
                             (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_set_model_finish (ChutesHistory  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
}

static gboolean
delete_conversation_run (sqlite3           *db,
                         ChutesHistoryJob  *job,
                         GError           **error)
{
  ConversationData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  if (!_chutes_history_attachments_collect (db, job,
                                            "SELECT DISTINCT a.hash FROM message_attachments a"
                                            " JOIN messages m ON m.id = a.message_id"
                                            " WHERE m.conversation_id = ?1",
                                            data->id, error))
    return FALSE;

  /* The messages go with it (ON DELETE CASCADE), and their index entries
   * and attachment rows with them (the triggers fire for cascaded
   * deletes). */
  stmt = _chutes_history_prepare (db, "DELETE FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->id);

  return _chutes_history_step_done (db, stmt, error) && changed_one (db, error);
}

static void
delete_conversation_done (ChutesHistory    *self,
                          ChutesHistoryJob *job)
{
  ConversationData *data = job->data;

  _chutes_history_remove_summary (self, data->id);
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

  _chutes_history_queue_job (self, chutes_history_delete_conversation_async, cancellable,
                             callback, user_data, delete_conversation_run, delete_conversation_done,
                             conversation_data_new (id, FIELD_NONE, NULL, NULL),
                             (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_delete_conversation_finish (ChutesHistory  *self,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
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

  stmt = _chutes_history_prepare (db,
                                  "SELECT system_prompt, temperature, max_tokens, thinking"
                                  " FROM conversations WHERE id = ?1",
                                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->id);
  rc = sqlite3_step (stmt);
  /* No row (not found) or a failure to read. */
  if (rc != SQLITE_ROW)
    return _chutes_history_read_to_end (db, rc, error) && set_not_found (error);

  settings = chutes_chat_settings_new ();
  settings->system_prompt = _chutes_history_column_dup (stmt, 0);
  if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    settings->temperature = sqlite3_column_double (stmt, 1);
  settings->max_tokens = MAX (_chutes_history_column_count (stmt, 2), 0);
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

  _chutes_history_queue_job (self, chutes_history_get_settings_async, cancellable,
                             callback, user_data, get_settings_run, NULL,
                             conversation_data_new (id, FIELD_NONE, NULL, NULL),
                             (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_POINTER);
}

ChutesChatSettings *
chutes_history_get_settings_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _chutes_history_propagate_pointer (self, result, error);
}

static gboolean
set_settings_run (sqlite3           *db,
                  ChutesHistoryJob  *job,
                  GError           **error)
{
  ConversationData *data = job->data;
  ChutesChatSettings *settings = data->settings;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  stmt = _chutes_history_prepare (db,
                                  "UPDATE conversations SET system_prompt = ?1, temperature = ?2,"
                                  " max_tokens = ?3, thinking = ?4 WHERE id = ?5",
                                  error);
  if (stmt == NULL)
    return FALSE;

  _chutes_history_bind_text (stmt, 1, settings->system_prompt);
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

  return _chutes_history_step_done (db, stmt, error) && changed_one (db, error);
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
  _chutes_history_queue_job (self, chutes_history_set_settings_async, cancellable,
                             callback, user_data,
                             set_settings_run, NULL, data, (GDestroyNotify)conversation_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_set_settings_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
}
