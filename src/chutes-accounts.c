/* chutes-accounts.c: every signed-in account, the active one and their histories
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each ChutesAccount here has a token store of its own, scoped to its user
 * ID, and a history of its own, opened when first needed. The model holds
 * those signed in; an account signed out (or whose session ended) leaves
 * it but is kept, so its pending revocations are still retried.
 *
 * "active" is never NULL: with nobody signed in, or while one more
 * account signs in, it is an account of nobody yet (its store knows no
 * user ID), which joins the model once its sign-in tells who it is.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "chutes-account-private.h"
#include "chutes-accounts-private.h"
#include "chutes-config.h"

G_DEFINE_FINAL_TYPE (ChutesAccounts, chutes_accounts, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACTIVE,
  PROP_ACTIVE_HISTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  QUOTA_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Folders and histories. */
char *
chutes_accounts_dir_name (const char *user_id)
{
  g_autofree char *hash = NULL;
  gboolean plain = user_id != NULL && *user_id != '\0' && *user_id != '.'
                   && strlen (user_id) <= 64;

  for (const char *p = user_id; plain && *p != '\0'; p++)
    plain = g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.';

  if (plain)
    return g_strdup (user_id);

  /* Anything else from the network becomes a name of ours. */
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, user_id != NULL ? user_id : "", -1);

  return g_strconcat ("id-", hash, NULL);
}

/* The folder of @user_id: its own, or accounts/.legacy while the files of
 * its single-account install wait there (see
 * chutes_accounts_finish_legacy_move()). */
static char *
user_dir_name (ChutesAccounts *self,
               const char     *user_id)
{
  if (self->legacy_owner != NULL && g_str_equal (user_id, self->legacy_owner))
    return g_strdup (CHUTES_ACCOUNTS_LEGACY_DIR);

  return chutes_accounts_dir_name (user_id);
}

char *
chutes_accounts_account_dir_name (ChutesAccounts *self,
                                  ChutesAccount  *account)
{
  const char *user_id = chutes_account_get_user_id (account);

  if (account == self->legacy && self->legacy != NULL)
    return g_strdup (CHUTES_ACCOUNTS_LEGACY_DIR);
  if (user_id == NULL)
    return NULL;

  return user_dir_name (self, user_id);
}

/* accounts/@dir/history.db */
static char *
history_path (ChutesAccounts *self,
              const char     *dir)
{
  return g_build_filename (self->data_dir, "accounts", dir, "history.db", NULL);
}

char *
chutes_accounts_dup_account_history_path (ChutesAccounts *self,
                                          ChutesAccount  *account)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (account), NULL);

  if ((dir = chutes_accounts_account_dir_name (self, account)) == NULL)
    return NULL;

  return history_path (self, dir);
}

char *
chutes_accounts_dup_history_path (ChutesAccounts *self,
                                  const char     *user_id)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  dir = user_dir_name (self, user_id);

  return history_path (self, dir);
}

static void
on_history_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!chutes_history_open_finish (CHUTES_HISTORY (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Chat history is not available: %s", error->message);
}

/* The folder under accounts/ whose history.db changed last, or NULL. */
static char *
last_used_dir (ChutesAccounts *self)
{
  g_autofree char *accounts_dir = g_build_filename (self->data_dir, "accounts", NULL);
  g_autoptr(GDir) dir = g_dir_open (accounts_dir, 0, NULL);
  g_autofree char *best = NULL;
  gint64 best_time = G_MININT64;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf buf;

      /* Not the files of a single-account install still to move: opened
       * here, they could not be. */
      if (name[0] == '.')
        continue;

      path = g_build_filename (accounts_dir, name, "history.db", NULL);

      if (g_stat (path, &buf) == 0 && (gint64) buf.st_mtime > best_time)
        {
          best_time = buf.st_mtime;
          g_free (best);
          best = g_strdup (name);
        }
    }

  return g_steal_pointer (&best);
}

static ChutesHistory *
history_for_dir (ChutesAccounts *self,
                 const char     *dir)
{
  g_autofree char *path = NULL;
  ChutesHistory *history;

  if ((history = g_hash_table_lookup (self->histories, dir)) != NULL)
    return history;

  path = history_path (self, dir);
  history = chutes_history_new (path);
  g_hash_table_insert (self->histories, g_strdup (dir), history);
  chutes_history_open_async (history, self->cancellable, on_history_opened, NULL);

  return history;
}

ChutesHistory *
chutes_accounts_get_search_history (ChutesAccounts *self)
{
  g_autofree char *remembered = NULL;
  g_autofree char *dir = NULL;
  ChutesHistory *history;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);

  if ((history = chutes_accounts_get_active_history (self)) != NULL)
    return history;

  if (self->settings != NULL)
    remembered = g_settings_get_string (self->settings, "active-account");
  if (remembered != NULL && *remembered != '\0')
    {
      g_autofree char *path = NULL;

      dir = user_dir_name (self, remembered);
      path = history_path (self, dir);
      /* Never made here: an empty one would be in the way of a move. */
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_clear_pointer (&dir, g_free);
    }
  if (dir == NULL)
    dir = last_used_dir (self);

  return dir != NULL ? history_for_dir (self, dir) : NULL;
}

ChutesHistory *
chutes_accounts_get_history (ChutesAccounts *self,
                             ChutesAccount  *account)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (account), NULL);

  if ((dir = chutes_accounts_account_dir_name (self, account)) == NULL)
    return NULL;

  return history_for_dir (self, dir);
}

ChutesHistory *
chutes_accounts_get_active_history (ChutesAccounts *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);

  return chutes_accounts_get_history (self, self->active);
}

/* The model. */
static gboolean
model_find (ChutesAccounts *self,
            ChutesAccount  *account,
            guint          *position)
{
  return g_list_store_find (self->model, account, position);
}

ChutesAccount *
chutes_accounts_find (ChutesAccounts *self,
                      const char     *user_id)
{
  guint n;

  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);

  if (user_id == NULL)
    return NULL;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAccount) account = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (g_strcmp0 (chutes_account_get_user_id (account), user_id) == 0)
        return account;
    }

  return NULL;
}

static void
accounts_set_active (ChutesAccounts *self,
                     ChutesAccount  *account)
{
  const char *user_id;

  if (self->active == account)
    return;

  g_set_object (&self->active, account);

  user_id = chutes_account_get_user_id (account);
  if (self->settings != NULL && user_id != NULL)
    g_settings_set_string (self->settings, "active-account", user_id);

  g_debug ("Active account changed");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_HISTORY]);
}

void
chutes_accounts_set_active (ChutesAccounts *self,
                            ChutesAccount  *account)
{
  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (CHUTES_IS_ACCOUNT (account));
  g_return_if_fail (model_find (self, account, NULL));

  accounts_set_active (self, account);
}

/* An account of nobody yet, signed out: what a sign-in starts from. */
static ChutesAccount *
accounts_new_blank (ChutesAccounts *self)
{
  ChutesAccount *account = chutes_accounts_new_account (self, NULL);

  chutes_account_set_state (account, CHUTES_ACCOUNT_STATE_SIGNED_OUT);

  return account;
}

/* Another account than @leaving to show, or an account of nobody. */
static void
accounts_activate_other (ChutesAccounts *self,
                         ChutesAccount  *leaving)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autoptr(ChutesAccount) next = NULL;

  for (guint i = 0; i < n && next == NULL; i++)
    {
      g_autoptr(ChutesAccount) account = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (account != leaving)
        next = g_steal_pointer (&account);
    }

  if (next == NULL)
    next = accounts_new_blank (self);

  accounts_set_active (self, next);
}

static void
accounts_keep (ChutesAccounts *self,
               ChutesAccount  *account)
{
  if (!g_ptr_array_find (self->kept, account, NULL))
    g_ptr_array_add (self->kept, g_object_ref (account));
}

static void
accounts_remove (ChutesAccounts *self,
                 ChutesAccount  *account)
{
  guint position;

  if (model_find (self, account, &position))
    {
      accounts_keep (self, account);
      g_list_store_remove (self->model, position);
    }
}

/* @account just signed in: it joins the model, or replaces the object of
 * the same person (whose session the sign-in has just overwritten). */
static void
accounts_adopt (ChutesAccounts *self,
                ChutesAccount  *account)
{
  ChutesAccount *twin = chutes_accounts_find (self, chutes_account_get_user_id (account));
  guint position;

  if (model_find (self, account, NULL))
    return;

  if (!self->restoring && account != self->legacy)
    chutes_accounts_adopt_legacy_files (self, chutes_account_get_user_id (account));

  chutes_accounts_load_quota (self, account);

  if (twin != NULL && model_find (self, twin, &position))
    {
      g_autoptr(ChutesAccount) old = g_object_ref (twin);

      g_debug ("Signed in again to an account already there");
      g_list_store_splice (self->model, position, 1, (gpointer *) &account, 1);
      if (self->active == old)
        accounts_set_active (self, account);
      /* Its tokens are revoked, as a sign-out's would be. */
      chutes_account_hand_over (old, account);
    }
  else
    {
      g_list_store_append (self->model, account);
    }

  /* The account of nobody has become somebody: it has a history now. */
  if (self->active == account)
    {
      const char *user_id = chutes_account_get_user_id (account);

      if (self->settings != NULL && user_id != NULL)
        g_settings_set_string (self->settings, "active-account", user_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_HISTORY]);
    }
}

static void
on_account_state (ChutesAccount  *account,
                  GParamSpec     *pspec,
                  ChutesAccounts *self)
{
  switch (chutes_account_get_state (account))
    {
    case CHUTES_ACCOUNT_STATE_SIGNED_IN:
      if (chutes_account_get_user_id (account) != NULL)
        accounts_adopt (self, account);
      break;

    case CHUTES_ACCOUNT_STATE_SIGNED_OUT:
      /* The session ended; the active one stays, showing why. */
      accounts_remove (self, account);
      break;

    case CHUTES_ACCOUNT_STATE_UNKNOWN:
    case CHUTES_ACCOUNT_STATE_SIGNING_IN:
    default:
      break;
    }
}

ChutesAccount *
chutes_accounts_new_account (ChutesAccounts *self,
                             const char     *user_id)
{
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);
  g_autoptr(ChutesTokenStore) store = NULL;
  ChutesAccount *account;

  store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (config), user_id);
  account = chutes_account_new (self->idp, store);
  chutes_account_set_flow_options (account, self->open_browser, self->flow_timeout);
  g_signal_connect_object (account, "notify::state", G_CALLBACK (on_account_state), self, 0);

  return account;
}

GListModel *
chutes_accounts_get_model (ChutesAccounts *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);

  return G_LIST_MODEL (self->model);
}

ChutesAccount *
chutes_accounts_get_active (ChutesAccounts *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);

  return self->active;
}

void
chutes_accounts_set_flow_options (ChutesAccounts *self,
                                  gboolean        open_browser,
                                  guint           timeout_seconds)
{
  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));

  self->open_browser = !!open_browser;
  self->flow_timeout = timeout_seconds;
  chutes_account_set_flow_options (self->active, open_browser, timeout_seconds);
}

/* Restoring. */
typedef struct
{
  guint pending;
} Restore;

static void
restore_done (GTask *task)
{
  ChutesAccounts *self = g_task_get_source_object (task);
  g_autofree char *remembered = NULL;
  ChutesAccount *active = NULL;
  Restore *restore = g_task_get_task_data (task);

  if (--restore->pending > 0)
    return;

  self->restoring = FALSE;

  if (self->settings != NULL)
    remembered = g_settings_get_string (self->settings, "active-account");
  active = chutes_accounts_find (self, remembered);
  if (active == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    {
      g_autoptr(ChutesAccount) first = g_list_model_get_item (G_LIST_MODEL (self->model), 0);

      active = first;
    }

  /* The active account's keyring problem, if any, stays on show. */
  if (active != NULL)
    accounts_set_active (self, active);

  g_debug ("Restored %u accounts", g_list_model_get_n_items (G_LIST_MODEL (self->model)));
  g_task_return_boolean (task, TRUE);
}

static void
on_account_restored (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  ChutesAccount *account = CHUTES_ACCOUNT (source);
  g_autoptr(GError) error = NULL;

  if (!chutes_account_restore_finish (account, result, &error))
    g_debug ("Could not restore an account: %s", error->message);

  if (chutes_account_get_state (account) != CHUTES_ACCOUNT_STATE_SIGNED_IN)
    accounts_keep (self, account);

  restore_done (task);
}

static void
on_accounts_listed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  Restore *restore = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;

  ids = chutes_token_store_list_accounts_finish (CHUTES_TOKEN_STORE (source), result, &error);
  if (error != NULL)
    {
      g_debug ("Could not list the accounts: %s", error->message);
      chutes_account_note_keyring_result (self->active, error);
    }

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      g_autoptr(ChutesAccount) account = NULL;

      if (chutes_accounts_find (self, ids[i]) != NULL)
        continue;

      account = chutes_accounts_new_account (self, ids[i]);
      restore->pending++;
      chutes_account_restore_async (account, g_task_get_cancellable (task),
                                    on_account_restored, g_object_ref (task));
    }

  restore_done (task);
}

static void
restore_list_accounts (GTask *task)
{
  ChutesAccounts *self = g_task_get_source_object (task);
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);
  ChutesTokenStore *store = chutes_account_get_token_store (self->active);

  chutes_token_store_set_idp_base_url (store, chutes_config_get_idp_base_url (config));
  chutes_token_store_list_accounts_async (store, chutes_config_get_client_id (config),
                                          g_task_get_cancellable (task),
                                          on_accounts_listed, task);
}

/* The network came back: the single-account session still to move, if
 * any, moves now. */
static void
on_legacy_moved_live (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ChutesAccounts) self = user_data;
  g_autoptr(ChutesAccount) legacy = self->legacy != NULL ? g_object_ref (self->legacy) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;
  guint position;

  self->migrating = FALSE;
  user_id = chutes_accounts_migrate_finish (self, result, &error);
  if (user_id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not move the session over yet: %s", error->message);
      return;
    }

  if (legacy == NULL || !model_find (self, legacy, &position))
    return;

  g_debug ("Moved the single-account session over");
  self->legacy_moved = TRUE;

  /* Its files moved too (its history was not open): from now on it is
   * an account like the others. Else they follow at the next start, and
   * it keeps the history where it is until then. */
  if (!g_hash_table_contains (self->histories, CHUTES_ACCOUNTS_LEGACY_DIR))
    {
      ChutesConfig *config = chutes_idp_client_get_config (self->idp);
      g_autoptr(ChutesTokenStore) store = NULL;

      if (chutes_account_get_user_id (legacy) == NULL)
        {
          store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (config),
                                                      user_id);
          chutes_account_set_token_store (legacy, store);
        }
      g_clear_object (&self->legacy);
    }

  /* The menu can switch to it now that it has a user ID. */
  g_list_store_splice (self->model, position, 1, (gpointer *) &legacy, 1);
  if (self->active == legacy)
    {
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "active-account", user_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_HISTORY]);
    }
}

static void
accounts_retry_migration (ChutesAccounts *self)
{
  if (self->legacy == NULL || self->legacy_moved || self->migrating || self->restoring
      || chutes_account_get_state (self->legacy) != CHUTES_ACCOUNT_STATE_SIGNED_IN
      || !model_find (self, self->legacy, NULL))
    return;

  g_debug ("Trying again to move the single-account session over");
  self->migrating = TRUE;
  chutes_accounts_migrate_async (self, self->legacy, self->cancellable,
                                 on_legacy_moved_live, g_object_ref (self));
}

static void
on_legacy_migrated (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *user_id = NULL;

  user_id = chutes_accounts_migrate_finish (self, result, &error);

  if (user_id == NULL)
    {
      /* Offline, most likely: the session goes on where it was, and the
       * move is tried again when the network comes back, or at the next
       * start. */
      g_debug ("Could not move the session over yet: %s", error->message);
      if (chutes_account_get_state (self->legacy) == CHUTES_ACCOUNT_STATE_SIGNED_IN)
        g_list_store_append (self->model, self->legacy);
      else
        accounts_keep (self, self->legacy);
      g_signal_connect_object (self->legacy, "network-returned",
                               G_CALLBACK (accounts_retry_migration), self, G_CONNECT_SWAPPED);
    }
  else
    {
      /* Its session lives under the new item now, restored with the
       * others; the old object only finishes its revocations. */
      g_debug ("Moved the single-account session over");
      accounts_keep (self, self->legacy);
      g_clear_object (&self->legacy);
    }

  restore_list_accounts (task);
}

static void
on_legacy_restored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!chutes_account_restore_finish (self->legacy, result, &error))
    g_debug ("Could not restore the single-account session: %s", error->message);

  if (chutes_account_get_state (self->legacy) == CHUTES_ACCOUNT_STATE_SIGNED_IN)
    {
      chutes_accounts_migrate_async (self, self->legacy, g_task_get_cancellable (task),
                                     on_legacy_migrated, task);
      return;
    }

  /* Nothing to move; kept for its pending revocations, if any. */
  accounts_keep (self, self->legacy);
  g_clear_object (&self->legacy);
  restore_list_accounts (task);
}

static void
on_stale_legacy_cleared (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_token_store_clear_session_finish (CHUTES_TOKEN_STORE (source), result, &error))
    g_debug ("Could not delete the single-account session: %s", error->message);

  restore_list_accounts (task);
}

void
chutes_accounts_restore_async (ChutesAccounts      *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(ChutesTokenStore) legacy_store = NULL;
  ChutesConfig *config;
  GTask *task;
  Restore *restore;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_accounts_restore_async);
  restore = g_new0 (Restore, 1);
  restore->pending = 1;
  g_task_set_task_data (task, restore, g_free);

  self->restoring = TRUE;

  /* The account of nobody, active for now, learns whether the keyring
   * works. */
  chutes_account_restore_async (self->active, NULL, NULL, NULL);

  config = chutes_idp_client_get_config (self->idp);
  if (!chutes_config_has_client (config))
    {
      restore_done (task);
      g_object_unref (task);
      return;
    }

  /* The session of a single-account install, if any. */
  legacy_store = chutes_token_store_new (chutes_config_get_idp_base_url (config));

  /* A move made while the app ran is committed once .legacy/owner exists:
   * the account's own item has the session, refreshed there since, and
   * an old item still around (its deletion failed, or the app died just
   * before it) holds spent tokens that must not come back. */
  if (self->legacy_committed)
    {
      g_debug ("Deleting the single-account session left behind by a finished move");
      chutes_token_store_clear_session_async (legacy_store, chutes_config_get_client_id (config),
                                              NULL, on_stale_legacy_cleared, task);
      return;
    }

  self->legacy = chutes_account_new (self->idp, legacy_store);
  g_signal_connect_object (self->legacy, "notify::state", G_CALLBACK (on_account_state), self, 0);
  chutes_account_restore_async (self->legacy, cancellable, on_legacy_restored, task);
}

gboolean
chutes_accounts_restore_finish (ChutesAccounts  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Adding an account. */
static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccounts *self = g_task_get_source_object (task);
  ChutesAccount *account = CHUTES_ACCOUNT (source);
  g_autoptr(ChutesAccount) before = g_steal_pointer (&self->before_add);
  g_autoptr(GError) error = NULL;

  if (!chutes_account_sign_in_finish (account, result, &error))
    {
      /* Back to where we were, unless something else became active. */
      if (self->active == account && before != NULL && model_find (self, before, NULL))
        accounts_set_active (self, before);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  accounts_adopt (self, account);
  g_task_return_pointer (task, g_object_ref (account), g_object_unref);
}

void
chutes_accounts_add_async (ChutesAccounts      *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(ChutesAccount) account = NULL;
  GTask *task;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_accounts_add_async);

  /* The account of nobody, if active, is the one to sign in. */
  if (chutes_account_get_user_id (self->active) == NULL && self->active != self->legacy
      && !model_find (self, self->active, NULL))
    {
      account = g_object_ref (self->active);
    }
  else
    {
      g_set_object (&self->before_add, self->active);
      account = accounts_new_blank (self);
      accounts_set_active (self, account);
    }

  chutes_account_sign_in_async (account, cancellable, on_added, task);
}

ChutesAccount *
chutes_accounts_add_finish (ChutesAccounts  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Signing one out. */
static void
on_account_signed_out (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_account_sign_out_finish (CHUTES_ACCOUNT (source), result, &error))
    g_debug ("Sign-out finished with: %s", error->message);

  g_task_return_boolean (task, TRUE);
}

void
chutes_accounts_sign_out_async (ChutesAccounts      *self,
                                ChutesAccount       *account,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));
  g_return_if_fail (CHUTES_IS_ACCOUNT (account));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_accounts_sign_out_async);

  accounts_keep (self, account);
  if (self->active == account && model_find (self, account, NULL))
    accounts_activate_other (self, account);
  accounts_remove (self, account);

  chutes_account_sign_out_async (account, cancellable, on_account_signed_out, task);
}

gboolean
chutes_accounts_sign_out_finish (ChutesAccounts  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNTS (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_accounts_close (ChutesAccounts *self)
{
  GHashTableIter iter;
  ChutesHistory *history;

  g_return_if_fail (CHUTES_IS_ACCOUNTS (self));

  g_hash_table_iter_init (&iter, self->histories);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &history))
    chutes_history_close (history);
}

/* The object. */
static void
chutes_accounts_dispose (GObject *object)
{
  ChutesAccounts *self = CHUTES_ACCOUNTS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->before_add);
  g_clear_object (&self->legacy);
  g_clear_object (&self->active);
  /* Dropped, not emptied: nobody hears of it while we go. */
  g_clear_object (&self->model);
  if (self->kept != NULL)
    g_ptr_array_set_size (self->kept, 0);
  if (self->histories != NULL)
    g_hash_table_remove_all (self->histories);

  G_OBJECT_CLASS (chutes_accounts_parent_class)->dispose (object);
}

static void
chutes_accounts_finalize (GObject *object)
{
  ChutesAccounts *self = CHUTES_ACCOUNTS (object);

  g_clear_pointer (&self->kept, g_ptr_array_unref);
  g_clear_pointer (&self->histories, g_hash_table_unref);
  g_clear_pointer (&self->quotas, g_hash_table_unref);
  g_clear_pointer (&self->quota_writes, g_hash_table_unref);
  g_clear_pointer (&self->quota_dirty, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->idp);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->legacy_owner, g_free);

  G_OBJECT_CLASS (chutes_accounts_parent_class)->finalize (object);
}

static void
chutes_accounts_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ChutesAccounts *self = CHUTES_ACCOUNTS (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      g_value_set_object (value, self->active);
      break;

    case PROP_ACTIVE_HISTORY:
      g_value_set_object (value, chutes_accounts_get_active_history (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_accounts_class_init (ChutesAccountsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_accounts_dispose;
  object_class->finalize = chutes_accounts_finalize;
  object_class->get_property = chutes_accounts_get_property;

  properties[PROP_ACTIVE] =
    g_param_spec_object ("active", NULL, NULL,
                         CHUTES_TYPE_ACCOUNT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_ACTIVE_HISTORY] =
    g_param_spec_object ("active-history", NULL, NULL,
                         CHUTES_TYPE_HISTORY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* See chutes_accounts_get_quota(). */
  signals[QUOTA_CHANGED] =
    g_signal_new ("quota-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CHUTES_TYPE_ACCOUNT);
}

static void
chutes_accounts_init (ChutesAccounts *self)
{
  self->model = g_list_store_new (CHUTES_TYPE_ACCOUNT);
  self->kept = g_ptr_array_new_with_free_func (g_object_unref);
  self->histories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->quotas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->quota_writes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->quota_dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->open_browser = TRUE;
}

ChutesAccounts *
chutes_accounts_new (ChutesIdpClient *idp,
                     GSettings       *settings,
                     const char      *data_dir)
{
  ChutesAccounts *self;

  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (idp), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CHUTES_TYPE_ACCOUNTS, NULL);
  self->idp = g_object_ref (idp);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  self->data_dir = data_dir != NULL ? g_strdup (data_dir)
                                    : g_build_filename (g_get_user_data_dir (), APP_ID, NULL);
  self->active = chutes_accounts_new_account (self, NULL);

  /* Before anything can open them. */
  chutes_accounts_move_legacy_files (self);

  return self;
}
