/* chutes-history.c: the saved conversations, in SQLite, off the main
 * thread: the object, opening and closing, queueing jobs and the list of
 * conversations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-history-private.h"
#include "chutes-util.h"

G_DEFINE_FINAL_TYPE (ChutesHistory, chutes_history, G_TYPE_OBJECT)

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

/* SQL helpers (worker thread) */

ChutesHistoryStatement *
_chutes_history_prepare (sqlite3     *db,
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

gboolean
_chutes_history_step_done (sqlite3       *db,
                           sqlite3_stmt  *stmt,
                           GError       **error)
{
  if (sqlite3_step (stmt) == SQLITE_DONE)
    return TRUE;

  g_propagate_error (error, _chutes_history_error_new (db, _("Could not save the chat history")));

  return FALSE;
}

gboolean
_chutes_history_read_to_end (sqlite3  *db,
                             int       rc,
                             GError  **error)
{
  if (rc == SQLITE_DONE)
    return TRUE;

  g_propagate_error (error, _chutes_history_error_new (db, _("Could not read the chat history")));

  return FALSE;
}

/* Queueing (main thread) */

void
_chutes_history_queue_job (ChutesHistory         *self,
                           gpointer               source_tag,
                           GCancellable          *cancellable,
                           GAsyncReadyCallback    callback,
                           gpointer               user_data,
                           ChutesHistoryRunFunc   run,
                           ChutesHistoryDoneFunc  done,
                           gpointer               data,
                           GDestroyNotify         data_free,
                           ChutesHistoryJobFlags  flags)
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
  job->returns_pointer = (flags & CHUTES_HISTORY_JOB_RETURNS_POINTER) != 0;
  job->outside_transaction = (flags & CHUTES_HISTORY_JOB_OUTSIDE_TRANSACTION) != 0;
  _chutes_history_worker_push (self->worker, job);
}

gboolean
_chutes_history_propagate_boolean (ChutesHistory  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gpointer
_chutes_history_propagate_pointer (ChutesHistory  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The conversation list (main thread) */

ChutesChatSummary *
chutes_history_lookup_conversation (ChutesHistory *self,
                                    gint64         id)
{
  g_return_val_if_fail (CHUTES_IS_HISTORY (self), NULL);

  return g_hash_table_lookup (self->by_id, &id);
}

/* Indexes @summary by its id; the store holds the reference. */
static void
remember_summary (ChutesHistory     *self,
                  ChutesChatSummary *summary)
{
  gint64 *key = g_new (gint64, 1);

  *key = chutes_chat_summary_get_id (summary);
  g_hash_table_replace (self->by_id, key, summary);
}

void
_chutes_history_add_summary (ChutesHistory     *self,
                             ChutesChatSummary *summary,
                             guint              position)
{
  remember_summary (self, summary);
  g_list_store_insert (self->conversations, position, summary);
}

void
_chutes_history_move_to_top (ChutesHistory     *self,
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

void
_chutes_history_remove_summary (ChutesHistory *self,
                                gint64         id)
{
  ChutesChatSummary *summary = chutes_history_lookup_conversation (self, id);
  guint position;

  if (summary == NULL)
    return;

  if (g_list_store_find (self->conversations, summary, &position))
    g_list_store_remove (self->conversations, position);
  g_hash_table_remove (self->by_id, &id);
}

void
_chutes_history_emit_save_failed (ChutesHistory *self,
                                  const GError  *error)
{
  g_signal_emit (self, signals[SAVE_FAILED], 0, error);
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

/* Every conversation, newest first. */
static gboolean
read_conversation_rows (sqlite3    *db,
                        GPtrArray **rows_out,
                        GError    **error)
{
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  GPtrArray *rows;
  int rc;

  stmt = _chutes_history_prepare (db,
                                  "SELECT id, title, created_at, updated_at, model"
                                  " FROM conversations"
                                  " ORDER BY updated_at DESC, id DESC",
                                  error);
  if (stmt == NULL)
    return FALSE;

  rows = *rows_out = g_ptr_array_new_with_free_func ((GDestroyNotify)conversation_row_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ConversationRow *row = g_new0 (ConversationRow, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->title = _chutes_history_column_dup (stmt, 1);
      row->created_at = sqlite3_column_int64 (stmt, 2);
      row->updated_at = sqlite3_column_int64 (stmt, 3);
      row->model = _chutes_history_column_dup (stmt, 4);
      g_ptr_array_add (rows, row);
    }

  return _chutes_history_read_to_end (db, rc, error);
}

static gboolean
open_run (sqlite3           *db,
          ChutesHistoryJob  *job,
          GError           **error)
{
  OpenData *data = job->data;

  db = _chutes_history_schema_open (data->path, &data->kept, &data->kept_path, error);
  if (db == NULL)
    return FALSE;

  _chutes_history_worker_set_db (data->worker, db);

  return read_conversation_rows (db, &data->rows, error);
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

      summary = _chutes_chat_summary_new (row->id, row->title, row->created_at,
                                          row->updated_at, row->model);
      remember_summary (self, summary);
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

  _chutes_history_queue_job (self, chutes_history_open_async, cancellable, callback, user_data,
                             open_run, open_done, data, (GDestroyNotify)open_data_free,
                             CHUTES_HISTORY_JOB_OUTSIDE_TRANSACTION);
}

gboolean
chutes_history_open_finish (ChutesHistory  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
}

/* Reloading the list, after another process (`chutes-desktop --ask`)
 * changed the database. The summaries of conversations still there are
 * kept (updated in place), so whoever shows one keeps it. */

static gboolean
reload_run (sqlite3           *db,
            ChutesHistoryJob  *job,
            GError           **error)
{
  return read_conversation_rows (db, (GPtrArray **) &job->data, error);
}

static void
reload_done (ChutesHistory    *self,
             ChutesHistoryJob *job)
{
  GPtrArray *rows = job->data;
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_int64_hash, g_int64_equal);
  GListModel *list = G_LIST_MODEL (self->conversations);

  for (guint i = 0; i < rows->len; i++)
    {
      ConversationRow *row = g_ptr_array_index (rows, i);

      g_hash_table_add (wanted, &row->id);
    }

  /* Gone. */
  for (guint i = g_list_model_get_n_items (list); i > 0; i--)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (list, i - 1);
      gint64 id = chutes_chat_summary_get_id (summary);

      if (!g_hash_table_contains (wanted, &id))
        _chutes_history_remove_summary (self, id);
    }

  /* New, changed or moved, each put at its place. */
  for (guint i = 0; i < rows->len; i++)
    {
      ConversationRow *row = g_ptr_array_index (rows, i);
      ChutesChatSummary *summary = chutes_history_lookup_conversation (self, row->id);
      g_autoptr(ChutesChatSummary) at_i = NULL;
      guint position;

      if (summary == NULL)
        {
          g_autoptr(ChutesChatSummary) added = NULL;

          added = _chutes_chat_summary_new (row->id, row->title, row->created_at,
                                            row->updated_at, row->model);
          _chutes_history_add_summary (self, added, i);
          continue;
        }

      _chutes_chat_summary_set_title (summary, row->title);
      _chutes_chat_summary_set_updated_at (summary, row->updated_at);
      _chutes_chat_summary_set_model (summary, row->model);

      at_i = i < g_list_model_get_n_items (list) ? g_list_model_get_item (list, i) : NULL;
      if (at_i == summary || !g_list_store_find (self->conversations, summary, &position))
        continue;

      g_object_ref (summary);
      g_list_store_remove (self->conversations, position);
      g_list_store_insert (self->conversations, i, summary);
      g_object_unref (summary);
    }
}

void
chutes_history_reload_conversations_async (ChutesHistory       *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  _chutes_history_queue_job (self, chutes_history_reload_conversations_async, cancellable,
                             callback, user_data, reload_run, reload_done,
                             NULL, (GDestroyNotify)g_ptr_array_unref,
                             CHUTES_HISTORY_JOB_RETURNS_BOOLEAN);
}

gboolean
chutes_history_reload_conversations_finish (ChutesHistory  *self,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  return _chutes_history_propagate_boolean (self, result, error);
}

/* The object */

void
chutes_history_close (ChutesHistory *self)
{
  g_return_if_fail (CHUTES_IS_HISTORY (self));

  if (self->worker == NULL)
    return;

  /* Whatever the streaming replies hold now. */
  _chutes_history_untrack_all (self);

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
  self->trackers = _chutes_history_trackers_new ();
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
