/* chutes-history-worker.c: the one thread that talks to the history database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-history-private.h"

/* Jobs queued while a batch runs share the next transaction: a streaming
 * save, the appends of a turn and a rename cost one commit together. */
#define MAX_BATCH 256

struct _ChutesHistoryWorker
{
  GThread     *thread;
  GAsyncQueue *queue;     /* of ChutesHistoryJob, or &quit_job */
  sqlite3     *db;        /* worker thread only */
};

static ChutesHistoryJob quit_job;

/* Each worker thread has one connection for its whole life, so its
 * statements can live in thread-local storage. */
static void
statement_free (gpointer data)
{
  sqlite3_finalize (data);
}

static void
statements_free (gpointer data)
{
  g_hash_table_unref (data);
}

static GPrivate statements = G_PRIVATE_INIT (statements_free);

ChutesHistoryStatement *
_chutes_history_worker_statement (sqlite3    *db,
                                  const char *sql)
{
  GHashTable *cache = g_private_get (&statements);
  sqlite3_stmt *stmt;

  if (cache == NULL)
    {
      cache = g_hash_table_new_full (NULL, NULL, NULL, statement_free);
      g_private_set (&statements, cache);
    }

  stmt = g_hash_table_lookup (cache, sql);
  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return NULL;
      g_hash_table_insert (cache, (gpointer)sql, stmt);
    }

  return stmt;
}

ChutesHistoryJob *
_chutes_history_job_new (GTask                 *task,
                         ChutesHistoryRunFunc   run,
                         ChutesHistoryDoneFunc  done,
                         gpointer               data,
                         GDestroyNotify         data_free)
{
  ChutesHistoryJob *job = g_new0 (ChutesHistoryJob, 1);

  job->task = g_object_ref (task);
  job->run = run;
  job->done = done;
  job->data = data;
  job->data_free = data_free;

  return job;
}

/* Main thread (the task's context): the task holds the last references to
 * the history, so they must go there and not on the worker. */
static void
job_free (ChutesHistoryJob *job)
{
  if (job->data_free != NULL)
    g_clear_pointer (&job->data, job->data_free);
  if (job->result_free != NULL)
    g_clear_pointer (&job->result, job->result_free);
  g_clear_error (&job->error);
  g_clear_pointer (&job->unused_hashes, g_ptr_array_unref);
  g_clear_object (&job->task);
  g_free (job);
}

static void
complete_job (ChutesHistoryJob *job)
{
  GTask *task = job->task;

  if (job->error == NULL && job->done != NULL)
    job->done (g_task_get_source_object (task), job);

  if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else if (job->returns_pointer)
    g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_free);
  else
    g_task_return_boolean (task, TRUE);

  job->result_free = NULL;
  job_free (job);
}

/* Jobs of one batch that return to the same main context, in order. */
static gboolean
complete_jobs_cb (gpointer user_data)
{
  GPtrArray *jobs = user_data;

  for (guint i = 0; i < jobs->len; i++)
    complete_job (g_ptr_array_index (jobs, i));

  g_ptr_array_set_size (jobs, 0);

  return G_SOURCE_REMOVE;
}

static void
send_completions (GPtrArray *batch)
{
  guint i = 0;

  while (i < batch->len)
    {
      GMainContext *context = g_task_get_context (((ChutesHistoryJob *)g_ptr_array_index (batch, i))->task);
      g_autoptr(GSource) source = NULL;
      GPtrArray *jobs = g_ptr_array_new ();

      for (; i < batch->len; i++)
        {
          ChutesHistoryJob *job = g_ptr_array_index (batch, i);

          if (g_task_get_context (job->task) != context)
            break;
          g_ptr_array_add (jobs, job);
        }

      /* Never g_main_context_invoke(): it may run the callback right here,
       * on the worker, when nobody holds the context. */
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "[chutes] history completion");
      g_source_set_callback (source, complete_jobs_cb, jobs, (GDestroyNotify)g_ptr_array_unref);
      g_source_attach (source, context);
    }
}

static void
fail_job (ChutesHistoryJob *job,
          const GError     *error)
{
  if (job->error != NULL)
    return;

  if (job->result_free != NULL)
    g_clear_pointer (&job->result, job->result_free);
  job->result = NULL;
  job->error = g_error_copy (error);
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;

  g_propagate_error (error, _chutes_history_error_new (db, _("Could not save the chat history")));

  return FALSE;
}

static void
run_one (ChutesHistoryWorker *worker,
         ChutesHistoryJob    *job)
{
  GCancellable *cancellable = g_task_get_cancellable (job->task);

  if (g_cancellable_set_error_if_cancelled (cancellable, &job->error))
    return;

  if (!job->run (worker->db, job, &job->error) && job->error == NULL)
    job->error = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_FAILED,
                                      _("Could not save the chat history"));
}

static void
run_batch (ChutesHistoryWorker *worker,
           GPtrArray           *batch)
{
  g_autoptr(GError) error = NULL;
  ChutesHistoryJob *first = g_ptr_array_index (batch, 0);

  if (first->outside_transaction)
    {
      g_assert (batch->len == 1);
      run_one (worker, first);
      return;
    }

  if (worker->db == NULL)
    {
      error = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_FAILED,
                                   _("The chat history is not open"));
      for (guint i = 0; i < batch->len; i++)
        fail_job (g_ptr_array_index (batch, i), error);
      return;
    }

  if (!exec (worker->db, "BEGIN IMMEDIATE", &error))
    {
      for (guint i = 0; i < batch->len; i++)
        fail_job (g_ptr_array_index (batch, i), error);
      return;
    }

  for (guint i = 0; i < batch->len; i++)
    {
      ChutesHistoryJob *job = g_ptr_array_index (batch, i);

      if (!exec (worker->db, "SAVEPOINT job", &job->error))
        continue;

      run_one (worker, job);

      if (job->error != NULL)
        exec (worker->db, "ROLLBACK TO job", NULL);
      exec (worker->db, "RELEASE job", NULL);
    }

  if (!exec (worker->db, "COMMIT", &error))
    {
      exec (worker->db, "ROLLBACK", NULL);
      for (guint i = 0; i < batch->len; i++)
        fail_job (g_ptr_array_index (batch, i), error);
      return;
    }

  /* Only now, the deletes being for good, can files go. */
  for (guint i = 0; i < batch->len; i++)
    {
      ChutesHistoryJob *job = g_ptr_array_index (batch, i);

      if (job->error == NULL)
        _chutes_history_attachments_sweep (worker->db, job->unused_hashes);
    }
}

static gpointer
worker_main (gpointer user_data)
{
  ChutesHistoryWorker *worker = user_data;
  gboolean quit = FALSE;

  while (!quit)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();
      ChutesHistoryJob *job = g_async_queue_pop (worker->queue);

      if (job == &quit_job)
        break;

      g_ptr_array_add (batch, job);

      while (!job->outside_transaction && batch->len < MAX_BATCH)
        {
          job = g_async_queue_try_pop (worker->queue);

          if (job == NULL)
            break;

          if (job == &quit_job)
            {
              quit = TRUE;
              break;
            }

          if (job->outside_transaction)
            {
              g_async_queue_push_front (worker->queue, job);
              break;
            }

          g_ptr_array_add (batch, job);
        }

      run_batch (worker, batch);
      send_completions (batch);
    }

  /* Statements first: a connection with statements left cannot close. */
  g_private_replace (&statements, NULL);

  if (worker->db != NULL)
    {
      /* The last connection checkpoints the WAL into the database. */
      if (sqlite3_close (worker->db) != SQLITE_OK)
        g_warning ("Could not close the history database: %s", sqlite3_errmsg (worker->db));
      worker->db = NULL;
    }

  return NULL;
}

ChutesHistoryWorker *
_chutes_history_worker_new (void)
{
  ChutesHistoryWorker *worker = g_new0 (ChutesHistoryWorker, 1);

  worker->queue = g_async_queue_new ();
  worker->thread = g_thread_new ("chutes-history", worker_main, worker);

  return worker;
}

void
_chutes_history_worker_push (ChutesHistoryWorker *worker,
                             ChutesHistoryJob    *job)
{
  g_return_if_fail (worker != NULL);
  g_return_if_fail (job != NULL);

  g_async_queue_push (worker->queue, job);
}

void
_chutes_history_worker_set_db (ChutesHistoryWorker *worker,
                               sqlite3             *db)
{
  g_return_if_fail (worker != NULL);
  g_return_if_fail (worker->db == NULL);

  worker->db = db;
}

void
_chutes_history_worker_free (ChutesHistoryWorker *worker)
{
  if (worker == NULL)
    return;

  g_async_queue_push (worker->queue, &quit_job);
  g_thread_join (worker->thread);
  g_async_queue_unref (worker->queue);
  g_free (worker);
}
