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
#define CHUTES_HISTORY_SCHEMA_VERSION 2

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

G_END_DECLS
