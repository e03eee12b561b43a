/* chutes-history-schema.c: opening the history database, keeping aside a
 * file that cannot be used, and migrating the schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "chutes-error.h"
#include "chutes-history-private.h"

/* migrations[n] takes a database from version n - 1 to version n. Never
 * change a shipped step: add one. */
static const char migration_1[] =
  "CREATE TABLE conversations ("
  "  id         INTEGER PRIMARY KEY,"
  "  title      TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  model      TEXT"
  ");"
  "CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);"
  "CREATE TABLE messages ("
  "  id                INTEGER PRIMARY KEY,"
  "  conversation_id   INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  position          INTEGER NOT NULL,"
  "  role              TEXT NOT NULL,"
  "  content           TEXT NOT NULL DEFAULT '',"
  "  reasoning         TEXT NOT NULL DEFAULT '',"
  "  status            TEXT NOT NULL DEFAULT 'complete',"
  "  error             TEXT,"
  "  model             TEXT,"
  "  prompt_tokens     INTEGER,"
  "  completion_tokens INTEGER,"
  "  created_at        INTEGER NOT NULL,"
  "  updated_at        INTEGER NOT NULL,"
  "  UNIQUE (conversation_id, position)"
  ");"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  content, content = 'messages', content_rowid = 'id',"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages"
  "  WHEN old.content IS NOT new.content BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);"
  "END;";

/* Version 2: settings of each conversation. */
static const char migration_2[] =
  "ALTER TABLE conversations ADD COLUMN system_prompt TEXT;"
  "ALTER TABLE conversations ADD COLUMN temperature REAL;"
  "ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;"
  "ALTER TABLE conversations ADD COLUMN thinking INTEGER NOT NULL DEFAULT 0;";

/* Version 3: what each reply cost. The prices (USD per million tokens)
 * are those of its model when it was asked for, so that later changes of
 * price do not rewrite history. NULL is unknown. */
static const char migration_3[] =
  "ALTER TABLE messages ADD COLUMN cached_tokens INTEGER;"
  "ALTER TABLE messages ADD COLUMN input_price REAL;"
  "ALTER TABLE messages ADD COLUMN output_price REAL;"
  "ALTER TABLE messages ADD COLUMN cache_read_price REAL;"
  "CREATE INDEX messages_by_creation ON messages (created_at);";

/* Version 4: the files attached to messages. Their bytes are files named
 * by hash beside the database (chutes-history-attachments.c); a row says
 * which message has which, in what order, under what name. */
static const char migration_4[] =
  "CREATE TABLE message_attachments ("
  "  message_id   INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  position     INTEGER NOT NULL,"
  "  kind         TEXT NOT NULL,"
  "  name         TEXT NOT NULL,"
  "  content_type TEXT NOT NULL,"
  "  hash         TEXT NOT NULL,"
  "  width        INTEGER NOT NULL DEFAULT 0,"
  "  height       INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (message_id, position)"
  ");"
  "CREATE INDEX message_attachments_by_hash ON message_attachments (hash);";

static const char * const migrations[] = {
  NULL,
  migration_1,
  migration_2,
  migration_3,
  migration_4,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CHUTES_HISTORY_SCHEMA_VERSION + 1);

/* What looking at an existing file found. */
typedef enum
{
  VERDICT_USABLE,
  VERDICT_UNREADABLE,
  VERDICT_NEWER,
  VERDICT_TRY_LATER,   /* busy, out of memory, I/O: leave the file alone */
} Verdict;

GError *
_chutes_history_error_new (sqlite3    *db,
                           const char *what)
{
  int code = db != NULL ? sqlite3_errcode (db) : SQLITE_CANTOPEN;

  if (code == SQLITE_FULL)
    return g_error_new (CHUTES_ERROR, CHUTES_ERROR_FAILED,
                        /* Translators: %s says what could not be done */
                        _("%s: the disk is full"), what);

  return g_error_new (CHUTES_ERROR, CHUTES_ERROR_FAILED, "%s: %s", what,
                      db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code));
}

static Verdict
verdict_for_code (int code)
{
  switch (code & 0xff)
    {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
    case SQLITE_SCHEMA:
    case SQLITE_ERROR:
    case SQLITE_FORMAT:
    case SQLITE_MISMATCH:
    case SQLITE_CONSTRAINT:
      return VERDICT_UNREADABLE;

    default:
      return VERDICT_TRY_LATER;
    }
}

/* The first column of the first row of @sql, as an integer or text. */
static int
query_first (sqlite3     *db,
             const char  *sql,
             gint64      *number,
             char       **text)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (number != NULL)
        *number = sqlite3_column_int64 (stmt, 0);
      if (text != NULL)
        *text = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      rc = SQLITE_OK;
    }
  else if (rc == SQLITE_DONE)
    rc = SQLITE_OK;

  sqlite3_finalize (stmt);

  return rc;
}

/* Looks at an existing file. On a read-only connection, when SQLite
 * would need to write to answer (a hot journal to roll back, a WAL to
 * recover), says USABLE with *@checked FALSE: ask again read-write. */
static Verdict
examine (sqlite3  *db,
         gboolean *checked)
{
  g_autofree char *check = NULL;
  gint64 version = 0;
  gint64 n_objects = 0;
  int rc;

  *checked = FALSE;

  rc = query_first (db, "PRAGMA quick_check", NULL, &check);
  if ((rc & 0xff) == SQLITE_READONLY && sqlite3_db_readonly (db, "main") == 1)
    return VERDICT_USABLE;
  if (rc != SQLITE_OK)
    return verdict_for_code (rc);
  if (g_strcmp0 (check, "ok") != 0)
    return VERDICT_UNREADABLE;

  rc = query_first (db, "PRAGMA user_version", &version, NULL);
  if (rc != SQLITE_OK)
    return verdict_for_code (rc);
  if (version > CHUTES_HISTORY_SCHEMA_VERSION)
    return VERDICT_NEWER;
  if (version < 0)
    return VERDICT_UNREADABLE;

  /* Version 0 with tables in it is someone else's database. */
  rc = query_first (db, "SELECT count(*) FROM sqlite_master", &n_objects, NULL);
  if (rc != SQLITE_OK)
    return verdict_for_code (rc);
  if (version == 0 && n_objects > 0)
    return VERDICT_UNREADABLE;

  *checked = TRUE;

  return VERDICT_USABLE;
}

/* Renames @path (and its -wal, -shm, -journal) to
 * "@path.@label-YYYYMMDD-HHMMSS" (with "-2", "-3"... if taken). */
static char *
keep_aside (const char  *path,
            const char  *label,
            GError     **error)
{
  static const char * const companions[] = { "-wal", "-shm", "-journal" };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = NULL;

  for (guint n = 1; aside == NULL; n++)
    {
      g_autofree char *candidate = NULL;
      gboolean taken;

      if (n == 1)
        candidate = g_strdup_printf ("%s.%s-%s", path, label, stamp);
      else
        candidate = g_strdup_printf ("%s.%s-%s-%u", path, label, stamp, n);

      taken = g_file_test (candidate, G_FILE_TEST_EXISTS);
      for (guint i = 0; !taken && i < G_N_ELEMENTS (companions); i++)
        {
          g_autofree char *companion = g_strconcat (candidate, companions[i], NULL);

          taken = g_file_test (companion, G_FILE_TEST_EXISTS);
        }

      if (!taken)
        aside = g_steal_pointer (&candidate);
    }

  if (g_file_test (path, G_FILE_TEST_EXISTS) && g_rename (path, aside) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("The chat history cannot be used and could not be moved aside: %s"),
                   g_strerror (errsv));
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (companions); i++)
    {
      g_autofree char *from = g_strconcat (path, companions[i], NULL);
      g_autofree char *to = g_strconcat (aside, companions[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("The chat history cannot be used and could not be moved aside: %s"),
                       g_strerror (errsv));
          return NULL;
        }
    }

  g_message ("History database %s kept aside as %s", path, aside);

  return g_steal_pointer (&aside);
}

static int
configure (sqlite3 *db)
{
  g_autofree char *mode = NULL;
  int rc;

  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 5000);

  rc = query_first (db, "PRAGMA journal_mode = WAL", NULL, &mode);
  if (rc != SQLITE_OK)
    return rc;
  if (g_strcmp0 (mode, "wal") != 0)
    return SQLITE_CANTOPEN;

  rc = sqlite3_exec (db,
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = ON;",
                     NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;

  return _chutes_history_register_match_ranges (db);
}

/* Brings the schema to CHUTES_HISTORY_SCHEMA_VERSION, one transaction a
 * step, so an interrupted migration leaves a whole version behind. */
static int
migrate (sqlite3 *db)
{
  for (;;)
    {
      g_autofree char *set_version = NULL;
      gint64 version = 0;
      int rc;

      rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        return rc;

      /* Read again inside the transaction: another instance may have
       * migrated meanwhile. */
      rc = query_first (db, "PRAGMA user_version", &version, NULL);
      if (rc == SQLITE_OK && version >= CHUTES_HISTORY_SCHEMA_VERSION)
        return sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

      if (rc == SQLITE_OK)
        {
          g_debug ("Migrating the history from version %" G_GINT64_FORMAT, version);
          set_version = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
          rc = sqlite3_exec (db, migrations[version + 1], NULL, NULL, NULL);
        }
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, set_version, NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

      if (rc != SQLITE_OK)
        {
          int code = sqlite3_extended_errcode (db);

          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return code != SQLITE_OK ? code : rc;
        }
    }
}

static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the chat history: %s"), g_strerror (errsv));
      return FALSE;
    }

  close (fd);

  return TRUE;
}

/* Tries the existing file at @path. Returns the connection when usable.
 *
 * It is first examined read-only: a read-only connection never writes to
 * the file, never checkpoints or deletes its -wal, so a file found
 * unusable is kept aside exactly as it was. */
static sqlite3 *
open_existing (const char  *path,
               Verdict     *verdict,
               GError     **error)
{
  sqlite3 *db = NULL;
  gboolean checked = FALSE;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (db, 1);
      sqlite3_busy_timeout (db, 5000);
      *verdict = examine (db, &checked);
    }
  else
    *verdict = verdict_for_code (rc);

  if (*verdict == VERDICT_TRY_LATER)
    g_propagate_error (error, _chutes_history_error_new (db, _("Could not open the chat history")));
  g_clear_pointer (&db, sqlite3_close_v2);

  if (*verdict != VERDICT_USABLE)
    return NULL;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK && sqlite3_db_readonly (db, "main") == 1)
    *verdict = VERDICT_UNREADABLE;
  else if (rc != SQLITE_OK)
    *verdict = verdict_for_code (rc);
  else
    {
      sqlite3_extended_result_codes (db, 1);
      sqlite3_busy_timeout (db, 5000);

      if (!checked)
        *verdict = examine (db, &checked);

      if (*verdict == VERDICT_USABLE)
        {
          rc = configure (db);
          if (rc == SQLITE_OK)
            rc = migrate (db);
          if (rc != SQLITE_OK)
            *verdict = verdict_for_code (rc);
        }
    }

  if (*verdict == VERDICT_TRY_LATER)
    g_propagate_error (error, _chutes_history_error_new (db, _("Could not open the chat history")));

  if (*verdict != VERDICT_USABLE)
    g_clear_pointer (&db, sqlite3_close_v2);

  return db;
}

static sqlite3 *
open_fresh (const char  *path,
            GError     **error)
{
  sqlite3 *db = NULL;
  int rc;

  if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    rc = configure (db);
  if (rc == SQLITE_OK)
    rc = migrate (db);

  if (rc != SQLITE_OK)
    {
      g_propagate_error (error, _chutes_history_error_new (db, _("Could not create the chat history")));
      sqlite3_close_v2 (db);
      return NULL;
    }

  return db;
}

sqlite3 *
_chutes_history_schema_open (const char         *path,
                             ChutesHistoryKept  *kept,
                             char              **kept_path,
                             GError            **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (kept != NULL, NULL);
  g_return_val_if_fail (kept_path != NULL, NULL);

  *kept = CHUTES_HISTORY_KEPT_NOTHING;
  *kept_path = NULL;

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the folder for the chat history: %s"),
                   g_strerror (errsv));
      return NULL;
    }

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      Verdict verdict = VERDICT_USABLE;
      sqlite3 *db;

      db = open_existing (path, &verdict, error);
      if (db != NULL)
        return db;
      if (verdict == VERDICT_TRY_LATER)
        return NULL;

      *kept_path = keep_aside (path, verdict == VERDICT_NEWER ? "newer" : "unreadable", error);
      if (*kept_path == NULL)
        return NULL;
      *kept = verdict == VERDICT_NEWER ? CHUTES_HISTORY_KEPT_NEWER : CHUTES_HISTORY_KEPT_UNREADABLE;
    }
  else
    {
      /* A journal without its database cannot be replayed into a new one:
       * keep it, quietly, out of the way. */
      wal = g_strconcat (path, "-wal", NULL);
      shm = g_strconcat (path, "-shm", NULL);
      if (g_file_test (wal, G_FILE_TEST_EXISTS) || g_file_test (shm, G_FILE_TEST_EXISTS))
        {
          g_autofree char *orphans = keep_aside (path, "orphan", error);

          if (orphans == NULL)
            return NULL;
        }
    }

  return open_fresh (path, error);
}
