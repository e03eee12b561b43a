/* chutes-accounts-quota.c: the quota each account last saw, across restarts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A chat's reply says how many requests the account's quota still allows.
 * The last such number of each account is kept in memory and in
 * accounts/<folder>/account.ini, beside its history.db (it is no secret),
 * so that the account menu can say it right after a start. The file is
 * read with GIO's asynchronous calls and written in a worker thread, never
 * on the main thread; a write asked for while one runs is done after it,
 * with the newest number.
 */
#include "config.h"

#include "chutes-accounts-private.h"

#define QUOTA_GROUP "Account"
#define QUOTA_KEY "QuotaRemaining"

typedef struct
{
  ChutesAccounts *self;   /* a reference */
  char           *dir;
} QuotaIO;

static void
quota_io_free (QuotaIO *io)
{
  g_clear_object (&io->self);
  g_free (io->dir);
  g_free (io);
}

static QuotaIO *
quota_io_new (ChutesAccounts *self,
              const char     *dir)
{
  QuotaIO *io = g_new0 (QuotaIO, 1);

  io->self = g_object_ref (self);
  io->dir = g_strdup (dir);

  return io;
}

static GFile *
quota_file (ChutesAccounts *self,
            const char     *dir)
{
  g_autofree char *path = g_build_filename (self->data_dir, "accounts", dir, "account.ini", NULL);

  return g_file_new_for_path (path);
}

static gint64
quota_lookup (ChutesAccounts *self,
              const char     *dir)
{
  gint64 *quota = g_hash_table_lookup (self->quotas, dir);

  return quota != NULL ? *quota : -1;
}

/* The account whose folder is @dir, if it is signed in. */
static ChutesAccount *
quota_account (ChutesAccounts *self,
               const char     *dir)
{
  GListModel *model = chutes_accounts_get_model (self);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChutesAccount) account = g_list_model_get_item (model, i);
      g_autofree char *name = chutes_accounts_account_dir_name (self, account);

      if (g_strcmp0 (name, dir) == 0)
        return account;
    }

  return NULL;
}

static void
quota_store (ChutesAccounts *self,
             const char     *dir,
             gint64          quota)
{
  ChutesAccount *account;
  gint64 *stored;

  if (quota_lookup (self, dir) == quota)
    return;

  stored = g_new (gint64, 1);
  *stored = quota;
  g_hash_table_insert (self->quotas, g_strdup (dir), stored);
  if ((account = quota_account (self, dir)) != NULL)
    g_signal_emit_by_name (self, "quota-changed", account);
}

static void quota_write (ChutesAccounts *self,
                         const char     *dir);

typedef struct
{
  char   *path;
  gint64  quota;
} QuotaWrite;

static void
quota_write_free (QuotaWrite *write)
{
  g_free (write->path);
  g_free (write);
}

/* In a worker thread: the folder may not be there yet (a history not
 * opened so far). */
static void
quota_write_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  QuotaWrite *write = task_data;
  const char *path = write->path;
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *data = NULL;
  GError *error = NULL;
  gsize length;

  g_key_file_set_int64 (keyfile, QUOTA_GROUP, QUOTA_KEY, write->quota);
  data = g_key_file_to_data (keyfile, &length, NULL);

  if (g_mkdir_with_parents (folder, 0700) != 0
      || !g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                    &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make the folder");
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
on_quota_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  QuotaIO *io = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Could not keep the quota left: %s", error->message);

  g_hash_table_remove (io->self->quota_writes, io->dir);
  /* A newer number came meanwhile. */
  if (g_hash_table_remove (io->self->quota_dirty, io->dir))
    quota_write (io->self, io->dir);

  quota_io_free (io);
}

static void
quota_write (ChutesAccounts *self,
             const char     *dir)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = quota_file (self, dir);
  QuotaWrite *write;

  if (g_hash_table_contains (self->quota_writes, dir))
    {
      g_hash_table_add (self->quota_dirty, g_strdup (dir));
      return;
    }

  g_hash_table_add (self->quota_writes, g_strdup (dir));
  /* Not cancelled at shutdown: the number is worth keeping. */
  task = g_task_new (NULL, NULL, on_quota_written, quota_io_new (self, dir));
  g_task_set_source_tag (task, quota_write);
  write = g_new0 (QuotaWrite, 1);
  write->path = g_file_get_path (file);
  write->quota = quota_lookup (self, dir);
  g_task_set_task_data (task, write, (GDestroyNotify) quota_write_free);
  g_task_run_in_thread (task, quota_write_thread);
}

void
chutes_accounts_set_quota (ChutesAccounts *self,
                           ChutesAccount  *account,
                           gint64          quota)
{
  g_autofree char *dir = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (CHUTES_IS_ACCOUNT (account));

  if (quota < 0 || (dir = chutes_accounts_account_dir_name (self, account)) == NULL)
    return;
  if (quota_lookup (self, dir) == quota)
    return;

  quota_store (self, dir, quota);
  quota_write (self, dir);
}

gint64
chutes_accounts_get_quota (ChutesAccounts *self,
                           ChutesAccount  *account)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), -1);
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (account), -1);

  if ((dir = chutes_accounts_account_dir_name (self, account)) == NULL)
    return -1;

  return quota_lookup (self, dir);
}

static void
on_quota_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  QuotaIO *io = user_data;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;
  gint64 quota = -1;

  if (!g_file_load_contents_finish (G_FILE (source), result, &data, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_debug ("Could not read the quota left: %s", error->message);
    }
  /* A file made by hand, or cut short, is no number: not an error. */
  else if (!g_key_file_load_from_data (keyfile, data, length, G_KEY_FILE_NONE, NULL))
    {
      g_debug ("The kept quota cannot be read");
    }
  else
    {
      quota = g_key_file_get_int64 (keyfile, QUOTA_GROUP, QUOTA_KEY, &error);
      /* A chat may have told a newer number meanwhile. */
      if (error == NULL && quota >= 0 && !g_hash_table_contains (io->self->quotas, io->dir))
        quota_store (io->self, io->dir, quota);
    }

  quota_io_free (io);
}

void
chutes_accounts_load_quota (ChutesAccounts *self,
                            ChutesAccount  *account)
{
  g_autofree char *dir = chutes_accounts_account_dir_name (self, account);
  g_autoptr(GFile) file = NULL;

  if (dir == NULL || g_hash_table_contains (self->quotas, dir))
    return;

  file = quota_file (self, dir);
  g_file_load_contents_async (file, self->cancellable, on_quota_loaded, quota_io_new (self, dir));
}
