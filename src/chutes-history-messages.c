/* chutes-history-messages.c: loading, appending, saving and deleting the
 * messages of saved conversations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-history-private.h"

/* Names stored in the database, so that reordering an enum cannot change
 * what saved rows mean. Indexed by ChutesMessageStatus. */
static const char * const status_names[] = {
  "complete", "pending", "streaming", "stopped", "failed"
};

G_STATIC_ASSERT (G_N_ELEMENTS (status_names) == CHUTES_MESSAGE_STATUS_FAILED + 1);

static const char *
status_to_string (ChutesMessageStatus status)
{
  return status < G_N_ELEMENTS (status_names) ? status_names[status] : "complete";
}

static ChutesMessageStatus
status_from_string (const char *text)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (strcmp (text, status_names[i]) == 0)
      return i;

  return CHUTES_MESSAGE_STATUS_COMPLETE;
}

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
message_ref_attach (ChutesMessage *message,
                    gint64         id)
{
  MessageRef *ref = g_atomic_rc_box_new0 (MessageRef);

  ref->id = id;
  g_object_set_qdata_full (G_OBJECT (message), message_ref_quark (), ref,
                           (GDestroyNotify)g_atomic_rc_box_release);

  return ref;
}

/* The row of @message, or NULL when it was neither appended nor loaded. */
static MessageRef *
message_ref_get (ChutesMessage *message)
{
  MessageRef *ref = g_object_get_qdata (G_OBJECT (message), message_ref_quark ());

  if (ref == NULL && chutes_message_get_id (message) > 0)
    ref = message_ref_attach (message, chutes_message_get_id (message));

  return ref;
}

gboolean
_chutes_history_message_is_saved (ChutesMessage *message)
{
  return message_ref_get (message) != NULL;
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
  gint64               cached_tokens;
  ChutesPrices         prices;
  gint64               created_at;
  gint64               updated_at;
  GPtrArray           *attachments;  /* of ChutesAttachment, or NULL */
  char                *attachment_problems;  /* loaded rows: what could not be read */
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
  g_clear_pointer (&data->attachments, g_ptr_array_unref);
  g_free (data->attachment_problems);
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
      data->cached_tokens = chutes_message_get_cached_tokens (message);
      chutes_message_get_prices (message, &data->prices);
      data->created_at = chutes_message_get_created_at (message);
    }

  if (with_fields)
    {
      GListModel *attachments = chutes_message_get_attachments (message);
      guint n = g_list_model_get_n_items (attachments);

      data->attachments = g_ptr_array_new_full (n, g_object_unref);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (data->attachments, g_list_model_get_item (attachments, i));
    }

  return data;
}

static void
bind_message_fields (sqlite3_stmt *stmt,
                     MessageData  *data,
                     int           first)
{
  _chutes_history_bind_text (stmt, first, data->content);
  _chutes_history_bind_text (stmt, first + 1, data->reasoning);
  _chutes_history_bind_text (stmt, first + 2, status_to_string (data->status));
  _chutes_history_bind_text (stmt, first + 3, data->error);
  _chutes_history_bind_text (stmt, first + 4, data->model);
  _chutes_history_bind_count (stmt, first + 5, data->prompt_tokens);
  _chutes_history_bind_count (stmt, first + 6, data->completion_tokens);
  sqlite3_bind_int64 (stmt, first + 7, data->updated_at);
  _chutes_history_bind_count (stmt, first + 8, data->cached_tokens);
  _chutes_history_bind_price (stmt, first + 9, data->prices.input);
  _chutes_history_bind_price (stmt, first + 10, data->prices.output);
  _chutes_history_bind_price (stmt, first + 11, data->prices.cache_read);
}

static gboolean
append_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) insert = NULL;
  g_autoptr(ChutesHistoryStatement) touch = NULL;

  insert = _chutes_history_prepare (db,
                                    "INSERT INTO messages (conversation_id, position, role,"
                                    " created_at,"
                                    " content, reasoning, status, error, model, prompt_tokens,"
                                    " completion_tokens, updated_at, cached_tokens, input_price,"
                                    " output_price, cache_read_price)"
                                    " VALUES (?1, (SELECT coalesce (max (position), 0) + 1"
                                    " FROM messages"
                                    "              WHERE conversation_id = ?1),"
                                    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                                    error);
  if (insert == NULL)
    return FALSE;
  touch = _chutes_history_prepare (db,
                                   "UPDATE conversations SET updated_at = max (updated_at, ?1)"
                                   " WHERE id = ?2",
                                   error);
  if (touch == NULL)
    return FALSE;

  data->updated_at = g_get_real_time ();
  if (data->created_at <= 0)
    data->created_at = data->updated_at;

  sqlite3_bind_int64 (insert, 1, data->conversation_id);
  _chutes_history_bind_text (insert, 2, chutes_message_role_to_string (data->role));
  sqlite3_bind_int64 (insert, 3, data->created_at);
  bind_message_fields (insert, data, 4);
  if (!_chutes_history_step_done (db, insert, error))
    return FALSE;

  data->ref->id = sqlite3_last_insert_rowid (db);

  if (!_chutes_history_attachments_save (db, data->ref->id, data->attachments, error))
    return FALSE;

  sqlite3_bind_int64 (touch, 1, data->updated_at);
  sqlite3_bind_int64 (touch, 2, data->conversation_id);

  return _chutes_history_step_done (db, touch, error);
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
      _chutes_history_move_to_top (self, summary);
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

  ref = message_ref_attach (message, 0);
  data = message_data_new (message, ref, TRUE);
  data->conversation_id = conversation_id;
  _chutes_history_queue_job (self, chutes_history_append_message_async, cancellable,
                             callback, user_data,
                             append_run, append_done, data, (GDestroyNotify)message_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_append_message_finish (ChutesHistory  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
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

  stmt = _chutes_history_prepare (db,
                                  "UPDATE messages SET content = ?1, reasoning = ?2, status = ?3,"
                                  " error = ?4,"
                                  " model = ?5, prompt_tokens = ?6, completion_tokens = ?7,"
                                  " updated_at = ?8, cached_tokens = ?9, input_price = ?10,"
                                  " output_price = ?11, cache_read_price = ?12"
                                  " WHERE id = ?13",
                                  error);
  if (stmt == NULL)
    return FALSE;

  data->updated_at = g_get_real_time ();
  bind_message_fields (stmt, data, 1);
  sqlite3_bind_int64 (stmt, 13, data->ref->id);

  return _chutes_history_step_done (db, stmt, error);
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

  _chutes_history_queue_job (self, source_tag, cancellable, callback, user_data, run, done,
                             message_data_new (message, ref, with_fields),
                             (GDestroyNotify)message_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
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

  queue_message_job (self, message, chutes_history_save_message_async, cancellable,
                     callback, user_data, save_run, NULL, TRUE);
}

gboolean
chutes_history_save_message_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
}

static gboolean
delete_message_run (sqlite3           *db,
                    ChutesHistoryJob  *job,
                    GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  if (!_chutes_history_attachments_collect (db, job,
                                            "SELECT hash FROM message_attachments"
                                            " WHERE message_id = ?1",
                                            data->ref->id, error))
    return FALSE;

  stmt = _chutes_history_prepare (db, "DELETE FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->ref->id);

  return _chutes_history_step_done (db, stmt, error);
}

static gboolean
delete_from_run (sqlite3           *db,
                 ChutesHistoryJob  *job,
                 GError           **error)
{
  MessageData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;

  if (!_chutes_history_attachments_collect (db, job,
                                            "SELECT DISTINCT a.hash FROM message_attachments a"
                                            " JOIN messages m ON m.id = a.message_id"
                                            " WHERE m.conversation_id = (SELECT conversation_id"
                                            " FROM messages WHERE id = ?1)"
                                            " AND m.position >= (SELECT position FROM messages"
                                            " WHERE id = ?1)",
                                            data->ref->id, error))
    return FALSE;

  stmt = _chutes_history_prepare (db,
                                  "DELETE FROM messages"
                                  " WHERE conversation_id = (SELECT conversation_id FROM messages"
                                  " WHERE id = ?1)"
                                  " AND position >= (SELECT position FROM messages WHERE id = ?1)",
                                  error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, data->ref->id);

  return _chutes_history_step_done (db, stmt, error);
}

/* The message is no longer saved: appending it again makes a new row. */
static void
forget_message_done (ChutesHistory    *self,
                     ChutesHistoryJob *job)
{
  MessageData *data = job->data;

  _chutes_history_untrack (self, data->message, FALSE);
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

  queue_message_job (self, message, chutes_history_delete_message_async, cancellable,
                     callback, user_data, delete_message_run, forget_message_done, FALSE);
}

gboolean
chutes_history_delete_message_finish (ChutesHistory  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
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

  queue_message_job (self, message, chutes_history_delete_messages_from_async, cancellable,
                     callback, user_data, delete_from_run, forget_message_done, FALSE);
}

gboolean
chutes_history_delete_messages_from_finish (ChutesHistory  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
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
  g_autoptr(GHashTable) attachments = NULL;
  int rc;

  stmt = _chutes_history_prepare (db,
                                  "SELECT id, role, content, reasoning, status, error, model,"
                                  " prompt_tokens, completion_tokens, created_at, cached_tokens,"
                                  " input_price, output_price, cache_read_price"
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
      row->role = _chutes_history_column_role (stmt, 1);
      row->content = _chutes_history_column_dup (stmt, 2);
      row->reasoning = _chutes_history_column_dup (stmt, 3);
      row->status = status_from_string ((const char *)sqlite3_column_text (stmt, 4));
      row->error = _chutes_history_column_dup (stmt, 5);
      row->model = _chutes_history_column_dup (stmt, 6);
      row->prompt_tokens = _chutes_history_column_count (stmt, 7);
      row->completion_tokens = _chutes_history_column_count (stmt, 8);
      row->created_at = sqlite3_column_int64 (stmt, 9);
      row->cached_tokens = _chutes_history_column_count (stmt, 10);
      row->prices.input = _chutes_history_column_price (stmt, 11);
      row->prices.output = _chutes_history_column_price (stmt, 12);
      row->prices.cache_read = _chutes_history_column_price (stmt, 13);
      g_ptr_array_add (data->rows, row);
    }

  if (!_chutes_history_read_to_end (db, rc, error))
    return FALSE;

  /* The bytes too, here rather than on the main thread. */
  attachments = _chutes_history_attachments_load (db, data->conversation_id, error);
  if (attachments == NULL)
    return FALSE;

  for (guint i = 0; i < data->rows->len; i++)
    {
      MessageData *row = g_ptr_array_index (data->rows, i);
      ChutesLoadedAttachments *loaded = g_hash_table_lookup (attachments, &row->id);

      if (loaded == NULL)
        continue;
      row->attachments = g_ptr_array_ref (loaded->attachments);
      if (loaded->problems != NULL)
        row->attachment_problems = g_strdup (loaded->problems->str);
    }

  return TRUE;
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
      /* An attachment whose file is gone: the message keeps the others
       * and says which is missing; its row stays, should the file come
       * back. */
      if (row->attachment_problems != NULL)
        {
          g_autofree char *error = row->error != NULL
            ? g_strdup_printf ("%s\n%s.", row->error, row->attachment_problems)
            : g_strdup_printf ("%s.", row->attachment_problems);

          g_free (row->error);
          row->error = g_steal_pointer (&error);
        }
      if (row->error != NULL)
        chutes_message_set_error (message, row->error);
      if (row->attachments != NULL && row->attachments->len > 0)
        {
          g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_ATTACHMENT);

          g_list_store_splice (store, 0, 0, row->attachments->pdata, row->attachments->len);
          chutes_message_set_attachments (message, G_LIST_MODEL (store));
        }
      if (row->model != NULL)
        chutes_message_set_model (message, row->model);
      if (chutes_prices_are_known (&row->prices))
        chutes_message_set_prices (message, &row->prices);
      if (row->cached_tokens >= 0)
        chutes_message_set_cached_tokens (message, row->cached_tokens);
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
  _chutes_history_queue_job (self, chutes_history_load_messages_async, cancellable,
                             callback, user_data,
                             load_run, load_done, data, (GDestroyNotify)load_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_POINTER);
}

GPtrArray *
chutes_history_load_messages_finish (ChutesHistory  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return _chutes_history_propagate_pointer (self, result, error);
}
