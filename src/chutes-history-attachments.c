/* chutes-history-attachments.c: the files attached to saved messages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The table message_attachments says which message has which file; the
 * bytes live beside the database, in attachments/ab/abcdef... named by
 * their SHA-256, so the same image pasted twice is stored once, and
 * moving the database's folder moves them with it. A file is written
 * (atomically, 0600) before its row is committed, and removed after the
 * commit that deleted the last row naming it. Worker thread only.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "chutes-error.h"
#include "chutes-history-private.h"

static const char * const kind_names[] = { "image", "text" };

G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == CHUTES_ATTACHMENT_TEXT + 1);

/* A hash is 64 lowercase hex digits: anything else never names a file. */
static gboolean
hash_is_valid (const char *hash)
{
  if (hash == NULL || strlen (hash) != 64)
    return FALSE;

  for (const char *p = hash; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;

  return TRUE;
}

char *
_chutes_history_attachments_dir (sqlite3 *db)
{
  const char *db_path = sqlite3_db_filename (db, "main");
  g_autofree char *dir = NULL;

  if (db_path == NULL || *db_path == '\0')
    return NULL;

  dir = g_path_get_dirname (db_path);
  return g_build_filename (dir, "attachments", NULL);
}

static char *
file_for_hash (const char *dir,
               const char *hash)
{
  char prefix[3] = { hash[0], hash[1], '\0' };

  return g_build_filename (dir, prefix, hash, NULL);
}

static gboolean
write_file (const char        *dir,
            ChutesAttachment  *attachment,
            GError           **error)
{
  const char *hash = chutes_attachment_get_hash (attachment);
  GBytes *bytes = chutes_attachment_get_bytes (attachment);
  g_autofree char *path = file_for_hash (dir, hash);
  g_autofree char *folder = g_path_get_dirname (path);
  GStatBuf st;

  /* Already there: the same bytes, since the name is their hash. */
  if (g_stat (path, &st) == 0 && (gsize) st.st_size == g_bytes_get_size (bytes))
    return TRUE;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not save “%s”: %s"), chutes_attachment_get_name (attachment),
                   g_strerror (errsv));
      return FALSE;
    }
  /* The top folder too: a person's files are nobody else's business. */
  g_chmod (dir, 0700);

  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

gboolean
_chutes_history_attachments_save (sqlite3     *db,
                                  gint64       message_id,
                                  GPtrArray   *attachments,
                                  GError     **error)
{
  g_autoptr(ChutesHistoryStatement) insert = NULL;
  g_autofree char *dir = NULL;

  if (attachments == NULL || attachments->len == 0)
    return TRUE;

  dir = _chutes_history_attachments_dir (db);
  if (dir == NULL)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_FAILED,
                           _("Attachments cannot be saved in a history kept in memory"));
      return FALSE;
    }

  insert = _chutes_history_prepare (db,
                                    "INSERT INTO message_attachments (message_id, position, kind,"
                                    " name, content_type, hash, width, height)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                    error);
  if (insert == NULL)
    return FALSE;

  for (guint i = 0; i < attachments->len; i++)
    {
      ChutesAttachment *attachment = g_ptr_array_index (attachments, i);

      if (!write_file (dir, attachment, error))
        return FALSE;

      sqlite3_bind_int64 (insert, 1, message_id);
      sqlite3_bind_int64 (insert, 2, i);
      _chutes_history_bind_text (insert, 3, kind_names[chutes_attachment_get_kind (attachment)]);
      _chutes_history_bind_text (insert, 4, chutes_attachment_get_name (attachment));
      _chutes_history_bind_text (insert, 5, chutes_attachment_get_content_type (attachment));
      _chutes_history_bind_text (insert, 6, chutes_attachment_get_hash (attachment));
      sqlite3_bind_int64 (insert, 7, chutes_attachment_get_width (attachment));
      sqlite3_bind_int64 (insert, 8, chutes_attachment_get_height (attachment));
      if (!_chutes_history_step_done (db, insert, error))
        return FALSE;
      sqlite3_reset (insert);
    }

  return TRUE;
}

gboolean
_chutes_history_attachments_collect (sqlite3           *db,
                                     ChutesHistoryJob  *job,
                                     const char        *sql,
                                     gint64             id,
                                     GError           **error)
{
  g_autoptr(ChutesHistoryStatement) stmt = _chutes_history_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  if (job->unused_hashes == NULL)
    job->unused_hashes = g_ptr_array_new_with_free_func (g_free);

  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (job->unused_hashes, _chutes_history_column_dup (stmt, 0));

  return _chutes_history_read_to_end (db, rc, error);
}

void
_chutes_history_attachments_sweep (sqlite3   *db,
                                   GPtrArray *hashes)
{
  g_autoptr(ChutesHistoryStatement) used = NULL;
  g_autofree char *dir = _chutes_history_attachments_dir (db);

  if (dir == NULL || hashes == NULL || hashes->len == 0)
    return;

  used = _chutes_history_prepare (db, "SELECT 1 FROM message_attachments WHERE hash = ?1 LIMIT 1",
                                  NULL);
  if (used == NULL)
    return;

  for (guint i = 0; i < hashes->len; i++)
    {
      const char *hash = g_ptr_array_index (hashes, i);
      g_autofree char *path = NULL;
      int rc;

      if (!hash_is_valid (hash))
        continue;

      sqlite3_bind_text (used, 1, hash, -1, SQLITE_STATIC);
      rc = sqlite3_step (used);
      sqlite3_reset (used);
      if (rc != SQLITE_DONE)
        continue;   /* still used, or cannot tell: keep it */

      path = file_for_hash (dir, hash);
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Could not remove an attachment no message uses any more: %s",
                   g_strerror (errno));
      else
        {
          g_autofree char *folder = g_path_get_dirname (path);

          g_rmdir (folder);   /* only when empty */
        }
    }
}

/* Reads one saved attachment; NULL and a sentence in @problem when its
 * file is missing or not what was saved. */
static ChutesAttachment *
read_one (const char  *dir,
          const char  *kind,
          const char  *name,
          const char  *content_type,
          const char  *hash,
          int          width,
          int          height,
          char       **problem)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!hash_is_valid (hash))
    {
      *problem = g_strdup_printf (_("“%s” could not be read from the history"), name);
      return NULL;
    }

  path = file_for_hash (dir, hash);
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_debug ("Attachment %s: %s", hash, error->message);
      *problem = g_strdup_printf (_("“%s” is missing from the history: its file could not be read"),
                                  name);
      return NULL;
    }

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  attachment = chutes_attachment_new_stored (g_strcmp0 (kind, "text") == 0
                                               ? CHUTES_ATTACHMENT_TEXT
                                               : CHUTES_ATTACHMENT_IMAGE,
                                             name, content_type, bytes, width, height);
  if (g_strcmp0 (chutes_attachment_get_hash (attachment), hash) != 0)
    {
      *problem = g_strdup_printf (_("“%s” is damaged in the history: its file has changed"),
                                  name);
      return NULL;
    }

  return g_steal_pointer (&attachment);
}

GHashTable *
_chutes_history_attachments_load (sqlite3     *db,
                                  gint64       conversation_id,
                                  GError     **error)
{
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  g_autoptr(GHashTable) loaded = NULL;
  g_autofree char *dir = _chutes_history_attachments_dir (db);
  int rc;

  stmt = _chutes_history_prepare (db,
                                  "SELECT a.message_id, a.kind, a.name, a.content_type, a.hash,"
                                  " a.width, a.height"
                                  " FROM message_attachments a JOIN messages m ON m.id = a.message_id"
                                  " WHERE m.conversation_id = ?1 ORDER BY a.message_id, a.position",
                                  error);
  if (stmt == NULL)
    return NULL;

  loaded = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                  (GDestroyNotify) _chutes_loaded_attachments_free);
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 message_id = sqlite3_column_int64 (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 2);
      ChutesLoadedAttachments *entry = g_hash_table_lookup (loaded, &message_id);
      ChutesAttachment *attachment;
      char *problem = NULL;

      if (entry == NULL)
        {
          entry = g_new0 (ChutesLoadedAttachments, 1);
          entry->attachments = g_ptr_array_new_with_free_func (g_object_unref);
          g_hash_table_insert (loaded, g_memdup2 (&message_id, sizeof message_id), entry);
        }

      attachment = read_one (dir ? dir : "",
                             (const char *) sqlite3_column_text (stmt, 1),
                             name ? name : "",
                             (const char *) sqlite3_column_text (stmt, 3) ?: "application/octet-stream",
                             (const char *) sqlite3_column_text (stmt, 4),
                             sqlite3_column_int (stmt, 5),
                             sqlite3_column_int (stmt, 6),
                             &problem);
      if (attachment != NULL)
        g_ptr_array_add (entry->attachments, attachment);
      else
        {
          g_autofree char *sentence = problem;

          if (entry->problems == NULL)
            entry->problems = g_string_new (sentence);
          else
            g_string_append_printf (entry->problems, ". %s", sentence);
        }
    }

  if (!_chutes_history_read_to_end (db, rc, error))
    return NULL;

  return g_steal_pointer (&loaded);
}

void
_chutes_loaded_attachments_free (ChutesLoadedAttachments *loaded)
{
  g_clear_pointer (&loaded->attachments, g_ptr_array_unref);
  if (loaded->problems != NULL)
    g_string_free (loaded->problems, TRUE);
  g_free (loaded);
}
