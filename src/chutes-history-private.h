/* chutes-history-private.h: what the files of the chat history share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "chutes-chat-summary.h"
#include "chutes-history.h"
#include "chutes-search-hit.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A statement borrowed from the worker's cache: g_autoptr() resets it
 * instead of finalizing it. */
typedef sqlite3_stmt ChutesHistoryStatement;

static inline void
_chutes_history_statement_release (ChutesHistoryStatement *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesHistoryStatement, _chutes_history_statement_release)

/* The schema version this build writes (PRAGMA user_version). */
#define CHUTES_HISTORY_SCHEMA_VERSION 4

/* A byte range of a message's content that matched a search. */
typedef struct
{
  gsize start;
  gsize end;
} ChutesByteRange;

/* chutes-chat-summary.c */
ChutesChatSummary *_chutes_chat_summary_new            (gint64             id,
                                                        const char        *title,
                                                        gint64             created_at,
                                                        gint64             updated_at,
                                                        const char        *model);
void               _chutes_chat_summary_set_title      (ChutesChatSummary *self,
                                                        const char        *title);
void               _chutes_chat_summary_set_updated_at (ChutesChatSummary *self,
                                                        gint64             updated_at);
void               _chutes_chat_summary_set_model      (ChutesChatSummary *self,
                                                        const char        *model);

/* chutes-search-hit.c. Takes @snippet and @ranges (of ChutesTextRange). */
ChutesSearchHit   *_chutes_search_hit_new              (gint64             conversation_id,
                                                        gint64             message_id,
                                                        const char        *conversation_title,
                                                        ChutesMessageRole  role,
                                                        gint64             created_at,
                                                        char              *snippet,
                                                        GArray            *ranges);
/* A one-line snippet of @content around the first of @byte_ranges, and
 * those ranges in characters of the snippet. Any thread. */
char              *_chutes_search_hit_make_snippet     (const char            *content,
                                                        const ChutesByteRange *byte_ranges,
                                                        guint                  n_byte_ranges,
                                                        GArray               **ranges_out);

/* chutes-history-schema.c: run on the worker thread only. */
typedef enum
{
  CHUTES_HISTORY_KEPT_NOTHING,
  CHUTES_HISTORY_KEPT_UNREADABLE,  /* corrupt, not a database, not ours, cannot be opened */
  CHUTES_HISTORY_KEPT_NEWER,       /* written by a newer version */
} ChutesHistoryKept;

/* Opens (creating and migrating as needed) the database at @path. A file
 * that cannot be used is renamed aside with its -wal and -shm, never
 * written to, and a fresh database is created: @kept and @kept_path say
 * so. Fails only when not even a fresh database can be made, or for a
 * passing condition (busy, out of space) that does not justify moving the
 * file aside. */
sqlite3           *_chutes_history_schema_open         (const char         *path,
                                                        ChutesHistoryKept  *kept,
                                                        char              **kept_path,
                                                        GError            **error);

/* Wraps the last SQLite error of @db into a CHUTES_ERROR. */
GError            *_chutes_history_error_new           (sqlite3            *db,
                                                        const char         *what);

/* chutes-history-worker.c: one thread owns the connection; jobs run there
 * in order. Batches of jobs share one transaction; each job runs in its
 * own savepoint, so one failing job does not undo the others. */
typedef struct _ChutesHistoryWorker ChutesHistoryWorker;
typedef struct _ChutesHistoryJob    ChutesHistoryJob;

/* Worker thread. Sets job->result (and result_free) or fails. */
typedef gboolean (*ChutesHistoryRunFunc)  (sqlite3          *db,
                                           ChutesHistoryJob *job,
                                           GError          **error);
/* Main thread (the task's context), before the task returns, only when
 * the job succeeded. May replace job->result. */
typedef void     (*ChutesHistoryDoneFunc) (ChutesHistory    *history,
                                           ChutesHistoryJob *job);

struct _ChutesHistoryJob
{
  GTask                 *task;         /* source object: the ChutesHistory */
  ChutesHistoryRunFunc   run;
  ChutesHistoryDoneFunc  done;
  gpointer               data;
  GDestroyNotify         data_free;
  gpointer               result;       /* returned as a pointer when returns_pointer */
  GDestroyNotify         result_free;
  GError                *error;
  guint                  returns_pointer : 1;
  guint                  outside_transaction : 1;   /* opening, migrating */
  /* Hashes of attachment files the job's deletes may have left unused:
   * once its transaction is committed, those no row names are removed
   * (chutes-history-attachments.c). */
  GPtrArray             *unused_hashes;
};

ChutesHistoryJob    *_chutes_history_job_new           (GTask                *task,
                                                        ChutesHistoryRunFunc  run,
                                                        ChutesHistoryDoneFunc done,
                                                        gpointer              data,
                                                        GDestroyNotify        data_free);

ChutesHistoryWorker *_chutes_history_worker_new        (void);
/* Takes @job. Any thread. */
void                 _chutes_history_worker_push       (ChutesHistoryWorker  *worker,
                                                        ChutesHistoryJob     *job);
/* Runs what is queued, closes the connection and joins the thread. Blocks. */
void                 _chutes_history_worker_free       (ChutesHistoryWorker  *worker);
/* The prepared statement for @sql (a string that lives as long as the
 * program, used as the key), prepared once per worker. Worker thread. */
ChutesHistoryStatement *_chutes_history_worker_statement (sqlite3     *db,
                                                          const char  *sql);
/* The connection, for the open job to install (worker thread). */
void                 _chutes_history_worker_set_db     (ChutesHistoryWorker  *worker,
                                                        sqlite3              *db);

/* The object, shared by chutes-history*.c. */
struct _ChutesHistory
{
  GObject              parent_instance;

  char                *path;
  char                *notice;
  char                *kept_aside_path;

  ChutesHistoryWorker *worker;         /* NULL once closed */
  GListStore          *conversations;  /* of ChutesChatSummary, newest first */
  GHashTable          *by_id;          /* gint64 * -> ChutesChatSummary (in the store) */
  GHashTable          *trackers;       /* ChutesMessage -> tracker (chutes-history-tracker.c) */
  gboolean             open_queued;
};

/* chutes-history.c: queueing jobs (main thread). */
typedef enum
{
  CHUTES_HISTORY_JOB_RETURNS_BOOLEAN     = 0,
  CHUTES_HISTORY_JOB_RETURNS_POINTER     = 1 << 0,
  CHUTES_HISTORY_JOB_OUTSIDE_TRANSACTION = 1 << 1,
} ChutesHistoryJobFlags;

/* Queues @run for the worker, then @done here, then the task returns to
 * @callback. Takes @data (freed with @data_free). Once the history is
 * closed, frees @data and fails with G_IO_ERROR_CLOSED. */
void      _chutes_history_queue_job         (ChutesHistory         *self,
                                             gpointer               source_tag,
                                             GCancellable          *cancellable,
                                             GAsyncReadyCallback    callback,
                                             gpointer               user_data,
                                             ChutesHistoryRunFunc   run,
                                             ChutesHistoryDoneFunc  done,
                                             gpointer               data,
                                             GDestroyNotify         data_free,
                                             ChutesHistoryJobFlags  flags);
/* The _finish of a job, after checking @result is one of @self's. */
gboolean  _chutes_history_propagate_boolean (ChutesHistory         *self,
                                             GAsyncResult          *result,
                                             GError               **error);
gpointer  _chutes_history_propagate_pointer (ChutesHistory         *self,
                                             GAsyncResult          *result,
                                             GError               **error);

/* chutes-history.c: the conversation list (main thread). */
/* Adds @summary at @position of "conversations" (which takes a reference). */
void      _chutes_history_add_summary       (ChutesHistory         *self,
                                             ChutesChatSummary     *summary,
                                             guint                  position);
/* Moves @summary to the top in a single items-changed, so that a
 * GtkSingleSelection finds its item again among the added ones. */
void      _chutes_history_move_to_top       (ChutesHistory         *self,
                                             ChutesChatSummary     *summary);
/* Drops the summary of conversation @id, if there is one. */
void      _chutes_history_remove_summary    (ChutesHistory         *self,
                                             gint64                 id);
/* Emits ::save-failed. */
void      _chutes_history_emit_save_failed  (ChutesHistory         *self,
                                             const GError          *error);

/* chutes-history.c: SQL helpers (worker thread). */
/* @sql must be a string literal: it is the key of the statement cache. */
ChutesHistoryStatement *_chutes_history_prepare     (sqlite3       *db,
                                                     const char    *sql,
                                                     GError       **error);
/* Steps a statement that returns no rows. */
gboolean                _chutes_history_step_done   (sqlite3       *db,
                                                     sqlite3_stmt  *stmt,
                                                     GError       **error);
/* After stepping through rows: TRUE when the last step (@rc) reached the end. */
gboolean                _chutes_history_read_to_end (sqlite3       *db,
                                                     int            rc,
                                                     GError       **error);

static inline void
_chutes_history_bind_text (sqlite3_stmt *stmt,
                           int           index,
                           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

/* A count of tokens: negative (unknown) is stored as NULL. */
static inline void
_chutes_history_bind_count (sqlite3_stmt *stmt,
                            int           index,
                            gint64        count)
{
  if (count >= 0)
    sqlite3_bind_int64 (stmt, index, count);
  else
    sqlite3_bind_null (stmt, index);
}

/* A price: negative (unknown) is stored as NULL. */
static inline void
_chutes_history_bind_price (sqlite3_stmt *stmt,
                            int           index,
                            double        price)
{
  if (price >= 0)
    sqlite3_bind_double (stmt, index, price);
  else
    sqlite3_bind_null (stmt, index);
}

/* NULL (or anything not a number) reads as -1 (unknown). */
static inline double
_chutes_history_column_price (sqlite3_stmt *stmt,
                              int           column)
{
  int type = sqlite3_column_type (stmt, column);

  if (type != SQLITE_FLOAT && type != SQLITE_INTEGER)
    return -1.0;

  return sqlite3_column_double (stmt, column);
}

static inline char *
_chutes_history_column_dup (sqlite3_stmt *stmt,
                            int           column)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

/* NULL reads as -1 (unknown). */
static inline gint64
_chutes_history_column_count (sqlite3_stmt *stmt,
                              int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return -1;

  return sqlite3_column_int64 (stmt, column);
}

static inline ChutesMessageRole
_chutes_history_column_role (sqlite3_stmt *stmt,
                             int           column)
{
  const char *text = (const char *)sqlite3_column_text (stmt, column);

  if (g_strcmp0 (text, "system") == 0)
    return CHUTES_MESSAGE_ROLE_SYSTEM;
  if (g_strcmp0 (text, "assistant") == 0)
    return CHUTES_MESSAGE_ROLE_ASSISTANT;

  return CHUTES_MESSAGE_ROLE_USER;
}

/* chutes-history-messages.c */
/* TRUE when @message was appended (or its append is queued) or loaded. */
gboolean    _chutes_history_message_is_saved    (ChutesMessage *message);

/* chutes-history-attachments.c (worker thread) */
typedef struct
{
  GPtrArray *attachments;   /* of ChutesAttachment, those that could be read */
  GString   *problems;      /* sentences about those that could not, or NULL */
} ChutesLoadedAttachments;

void        _chutes_loaded_attachments_free      (ChutesLoadedAttachments *loaded);
/* Where the files are: "attachments" beside the database. NULL in memory. */
char       *_chutes_history_attachments_dir      (sqlite3           *db);
/* Writes the files of @attachments (of ChutesAttachment) that are not
 * there yet and their rows for @message_id. */
gboolean    _chutes_history_attachments_save     (sqlite3           *db,
                                                  gint64             message_id,
                                                  GPtrArray         *attachments,
                                                  GError           **error);
/* Adds the hashes @sql (a literal, one "?1" bound to @id) selects to
 * @job's unused_hashes, before the rows naming them are deleted. */
gboolean    _chutes_history_attachments_collect  (sqlite3           *db,
                                                  ChutesHistoryJob  *job,
                                                  const char        *sql,
                                                  gint64             id,
                                                  GError           **error);
/* After the commit: removes the files of @hashes no row names. */
void        _chutes_history_attachments_sweep    (sqlite3           *db,
                                                  GPtrArray         *hashes);
/* The attachments of conversation @conversation_id's messages, their
 * bytes read: message id (gint64 *) → ChutesLoadedAttachments. */
GHashTable *_chutes_history_attachments_load     (sqlite3           *db,
                                                  gint64             conversation_id,
                                                  GError           **error);

/* chutes-history-search.c */
/* Registers chutes_match_ranges() on @db. Returns an SQLite result code. */
int         _chutes_history_register_match_ranges (sqlite3     *db);

/* chutes-history-tracker.c (main thread) */
/* The table of tracked messages, for ChutesHistory:trackers. */
GHashTable *_chutes_history_trackers_new        (void);
/* Stops tracking @message, first saving what it holds when @save. */
void        _chutes_history_untrack             (ChutesHistory *self,
                                                 ChutesMessage *message,
                                                 gboolean       save);
/* Saves what every tracked message holds now and stops tracking them. */
void        _chutes_history_untrack_all         (ChutesHistory *self);

G_END_DECLS
