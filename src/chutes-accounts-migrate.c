/* chutes-accounts-migrate.c: moving a single-account install over
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Versions with one account kept one keyring item (kind "session", no
 * "account") and $XDG_DATA_HOME/<app id>/history.db (+ -wal, -shm,
 * attachments/). They move over in steps that can each be repeated, so
 * that a crash between any two leaves what the next start finishes:
 *
 *  1. at start, before anything opens them, the files move into
 *     accounts/.legacy/ (one rename each; no network needed);
 *  2. the session's user ID is learned (/idp/userinfo, refreshing first
 *     when needed); offline, the session goes on from the old item and
 *     accounts/.legacy/, and the move is tried again at the next start;
 *  3. the tokens are saved under the user ID (replacing what a run that
 *     stopped here saved);
 *  4. accounts/.legacy/ is renamed to accounts/<user ID>/ (one rename);
 *  5. the old item is deleted: from here on there is nothing left to do.
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "chutes-account-private.h"
#include "chutes-accounts-private.h"
#include "chutes-config.h"
#include "chutes-error.h"
#include "chutes-util.h"

#define LEGACY_OWNER "owner"

static const char * const legacy_names[] = {
  "history.db", "history.db-wal", "history.db-shm", "attachments",
};

static gboolean
path_exists (const char *path)
{
  GStatBuf buf;

  return g_lstat (path, &buf) == 0;
}

/* Moves each of the files named above from @from to @to that @to does not
 * have yet. */
static void
move_names (const char *from,
            const char *to)
{
  for (guint i = 0; i < G_N_ELEMENTS (legacy_names); i++)
    {
      g_autofree char *source = g_build_filename (from, legacy_names[i], NULL);
      g_autofree char *target = g_build_filename (to, legacy_names[i], NULL);

      if (!path_exists (source))
        continue;

      if (path_exists (target))
        {
          g_warning ("Not moving %s: %s is already there", legacy_names[i], to);
          continue;
        }

      if (g_mkdir_with_parents (to, 0700) != 0 || g_rename (source, target) != 0)
        g_warning ("Could not move %s to %s: %s", legacy_names[i], to, g_strerror (errno));
    }
}

static gboolean give_legacy_dir (ChutesAccounts *self,
                                 const char     *user_id);

/* accounts/.legacy/owner: the user ID of a session moved over while its
 * history was open, whose files follow at the next start. */
static char *
owner_path (ChutesAccounts *self)
{
  return g_build_filename (self->data_dir, "accounts", CHUTES_ACCOUNTS_LEGACY_DIR, LEGACY_OWNER,
                           NULL);
}

void
chutes_accounts_move_legacy_files (ChutesAccounts *self)
{
  g_autofree char *legacy_dir = NULL;
  g_autofree char *owner_file = owner_path (self);

  legacy_dir = g_build_filename (self->data_dir, "accounts", CHUTES_ACCOUNTS_LEGACY_DIR, NULL);
  move_names (self->data_dir, legacy_dir);

  /* A session moved over while the app ran: its files, in use then, are
   * still here (see chutes_accounts_finish_legacy_move()). */
  if (!g_file_get_contents (owner_file, &self->legacy_owner, NULL, NULL)
      || *self->legacy_owner == '\0')
    g_clear_pointer (&self->legacy_owner, g_free);
  self->legacy_committed = self->legacy_owner != NULL;
}

void
chutes_accounts_finish_legacy_move (ChutesAccounts *self)
{
  g_autofree char *owner_file = owner_path (self);
  g_autofree char *owner = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));

  if (self->legacy_owner == NULL || g_hash_table_contains (self->histories,
                                                           CHUTES_ACCOUNTS_LEGACY_DIR))
    return;

  /* Step 4 of a move finished while the app ran (see chutes_accounts_migrate_async()). */
  g_debug ("Giving the history of the single-account install to its account");
  owner = g_steal_pointer (&self->legacy_owner);
  if (g_unlink (owner_file) != 0 || !give_legacy_dir (self, owner))
    g_warning ("Could not move the history over: %s", g_strerror (errno));
}

/* accounts/.legacy/ becomes the folder of @user_id: one rename when it has
 * none yet, else what it lacks is moved in. */
static gboolean
give_legacy_dir (ChutesAccounts *self,
                 const char     *user_id)
{
  g_autofree char *legacy_dir = NULL;
  g_autofree char *dir_name = NULL;
  g_autofree char *target = NULL;

  legacy_dir = g_build_filename (self->data_dir, "accounts", CHUTES_ACCOUNTS_LEGACY_DIR, NULL);
  if (!path_exists (legacy_dir))
    return TRUE;

  /* Open (by an account still on the old session): moved at next start. */
  if (g_hash_table_contains (self->histories, CHUTES_ACCOUNTS_LEGACY_DIR))
    return FALSE;

  dir_name = chutes_accounts_dir_name (user_id);
  target = g_build_filename (self->data_dir, "accounts", dir_name, NULL);

  if (!path_exists (target))
    {
      if (g_rename (legacy_dir, target) == 0)
        return TRUE;
      g_warning ("Could not move the history over: %s", g_strerror (errno));
      return FALSE;
    }

  /* The account has a folder already (a move interrupted after step 4 of
   * an earlier run cannot leave one; signing in to it while the old
   * session was offline can): keep both, never lose one. */
  move_names (legacy_dir, target);

  return g_rmdir (legacy_dir) == 0;
}

void
chutes_accounts_adopt_legacy_files (ChutesAccounts *self,
                                    const char     *user_id)
{
  g_autofree char *dir_name = NULL;
  g_autofree char *target = NULL;

  /* A single-account session still to move owns them. */
  if (self->legacy != NULL || user_id == NULL)
    return;

  dir_name = chutes_accounts_dir_name (user_id);
  target = g_build_filename (self->data_dir, "accounts", dir_name, NULL);
  if (path_exists (target) || g_hash_table_contains (self->histories, dir_name))
    return;

  g_debug ("Giving the history of the single-account install to the account signing in");
  if (!give_legacy_dir (self, user_id))
    g_debug ("Its history could not be moved yet");
}

/* The steps. */
typedef struct
{
  ChutesAccount    *legacy;
  char             *user_id;
  ChutesTokenStore *old_store;  /* while the app runs: the store replaced */
} Migration;

static void
migration_free (Migration *migration)
{
  g_clear_object (&migration->legacy);
  g_clear_object (&migration->old_store);
  g_free (migration->user_id);
  g_free (migration);
}

static void
on_old_item_cleared (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Migration *migration = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Left for the next start, which repeats the steps. */
  if (!chutes_token_store_clear_session_finish (CHUTES_TOKEN_STORE (source), result, &error))
    g_debug ("Could not delete the single-account session: %s", error->message);

  g_task_return_pointer (task, g_strdup (migration->user_id), g_free);
}

/* Step 5: deletes the single-account item from @store, then @task returns
 * the user ID. */
static void
migration_clear_old_item (GTask            *task,
                          ChutesTokenStore *store)
{
  ChutesAccounts *self = g_task_get_source_object (task);
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);

  chutes_token_store_clear_session_async (store, chutes_config_get_client_id (config), NULL,
                                          on_old_item_cleared, g_object_ref (task));
}

static void
on_new_item_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  Migration *migration = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!chutes_token_store_save_session_finish (CHUTES_TOKEN_STORE (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The old item stays until the files have moved: the next start
   * finishes. */
  if (!give_legacy_dir (self, migration->user_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The history could not be moved yet");
      return;
    }

  migration_clear_old_item (task, chutes_account_get_token_store (migration->legacy));
}

static void
on_moved_item_saved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  Migration *migration = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *owner_file = owner_path (self);

  /* The account keeps the new item either way; the old one stays until
   * both are sure. */
  if (!chutes_account_write_session_finish (CHUTES_ACCOUNT (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Step 4 at the next start, before anything opens the files. */
  if (!g_file_set_contents (owner_file, migration->user_id, -1, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  chutes_set_str (&self->legacy_owner, migration->user_id);

  migration_clear_old_item (task, migration->old_store);
}

/* No refresh in flight now: the session moves to the account's item in
 * one go, and every later refresh is saved there. */
static void
on_settled (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  Migration *migration = g_task_get_task_data (task);
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  char *access_token;

  access_token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (source), result, &error);
  chutes_secret_free (access_token);
  if (error != NULL || (tokens = chutes_account_dup_tokens (migration->legacy)) == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_PROTOCOL, "Signed out meanwhile");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_free (tokens->user_id);
  tokens->user_id = g_strdup (migration->user_id);
  store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (config),
                                              migration->user_id);
  migration->old_store = g_object_ref (chutes_account_get_token_store (migration->legacy));
  chutes_account_set_token_store (migration->legacy, store);
  chutes_account_write_session_async (migration->legacy, chutes_config_get_client_id (config),
                                      tokens, NULL, on_moved_item_saved, g_steal_pointer (&task));
}

static void
on_user_known (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  Migration *migration = g_task_get_task_data (task);
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;

  username = chutes_idp_client_userinfo_full_finish (CHUTES_IDP_CLIENT (source), result,
                                                     &migration->user_id, &error);
  if (username == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  tokens = chutes_account_dup_tokens (migration->legacy);
  if (migration->user_id == NULL || *migration->user_id == '\0' || tokens == NULL)
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                               "No user ID, or signed out meanwhile");
      return;
    }

  g_free (tokens->user_id);
  tokens->user_id = g_strdup (migration->user_id);
  g_free (tokens->username);
  tokens->username = g_steal_pointer (&username);

  /* While the app runs, its history open: the session moves now, the
   * files at the next start. */
  if (g_hash_table_contains (self->histories, CHUTES_ACCOUNTS_LEGACY_DIR))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      chutes_account_get_access_token_async (migration->legacy, cancellable,
                                             on_settled, g_steal_pointer (&task));
      return;
    }

  store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (config),
                                              migration->user_id);
  chutes_token_store_save_session_async (store, chutes_config_get_client_id (config), tokens,
                                         NULL, on_new_item_saved, g_steal_pointer (&task));
}

static void
on_token_ready (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  char *access_token;

  access_token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (source), result, &error);
  if (access_token == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  chutes_idp_client_userinfo_async (self->idp, access_token, cancellable,
                                    on_user_known, g_steal_pointer (&task));
  chutes_secret_free (access_token);
}

void
chutes_accounts_migrate_async (ChutesAccounts      *self,
                               ChutesAccount       *legacy,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Migration *migration;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (CHUTES_IS_ACCOUNT (legacy));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_accounts_migrate_async);
  migration = g_new0 (Migration, 1);
  migration->legacy = g_object_ref (legacy);
  g_task_set_task_data (task, migration, (GDestroyNotify) migration_free);

  g_debug ("Moving the single-account session over");
  chutes_account_get_access_token_async (legacy, cancellable, on_token_ready, task);
}

char *
chutes_accounts_migrate_finish (ChutesAccounts  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
