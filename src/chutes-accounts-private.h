/* chutes-accounts-private.h: what the accounts' files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-accounts.h"

G_BEGIN_DECLS

/* The folder, under @data_dir/accounts, that holds the files of a
 * single-account install until its user ID is known. */
#define CHUTES_ACCOUNTS_LEGACY_DIR ".legacy"

struct _ChutesAccounts
{
  GObject          parent_instance;

  ChutesIdpClient *idp;
  GSettings       *settings;
  char            *data_dir;

  GListStore      *model;        /* ChutesAccount, signed in */
  GPtrArray       *kept;         /* signed out, still revoking (or done) */
  ChutesAccount   *active;
  ChutesAccount   *before_add;   /* active before an add, weak */
  ChutesAccount   *legacy;       /* a single-account session, not moved yet */
  GHashTable      *histories;    /* folder name -> ChutesHistory */
  GHashTable      *quotas;       /* folder name -> gint64, the quota left */
  GHashTable      *quota_writes; /* folder names being written */
  GHashTable      *quota_dirty;  /* of those, written again after */

  gboolean         restoring;
  gboolean         migrating;    /* the move of @legacy runs */
  gboolean         legacy_moved; /* its session moved, its files follow at next start */
  char            *legacy_owner; /* the user ID whose files are still in accounts/.legacy */
  gboolean         legacy_committed; /* .legacy/owner was there at start: any old item is stale */
  gboolean         open_browser;
  guint            flow_timeout;
  GCancellable    *cancellable;
};

/* chutes-accounts.c */
ChutesAccount *chutes_accounts_new_account      (ChutesAccounts      *self,
                                                 const char          *user_id);
/* The folder name under accounts/ for @user_id. */
char          *chutes_accounts_dir_name         (const char          *user_id);
/* The folder name under accounts/ of @account, NULL for one of nobody. */
char          *chutes_accounts_account_dir_name (ChutesAccounts      *self,
                                                 ChutesAccount       *account);

/* chutes-accounts-quota.c */

/* Reads the quota @account last saw, kept from an earlier run, unless it
 * is known already; "quota-changed" tells when it is there. */
void           chutes_accounts_load_quota       (ChutesAccounts      *self,
                                                 ChutesAccount       *account);

/* chutes-accounts-migrate.c */

/* Moves history.db (+ -wal, -shm) and attachments/ of a single-account
 * install into accounts/.legacy/, one rename each (same filesystem), before
 * anything opens them. A rename already done is skipped, so an
 * interrupted run is finished by the next. */
void           chutes_accounts_move_legacy_files (ChutesAccounts     *self);

/* Moves the signed-in single-account session @legacy over: learns its user
 * ID (refreshing the token if needed), saves the tokens under it, renames
 * accounts/.legacy to the account's folder, then deletes the old item.
 * Each step can be repeated, so a crash between two is finished at the
 * next start. Returns the user ID. */
void           chutes_accounts_migrate_async    (ChutesAccounts      *self,
                                                 ChutesAccount       *legacy,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
char          *chutes_accounts_migrate_finish   (ChutesAccounts      *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* Gives the files kept aside in accounts/.legacy (a single-account install
 * whose session had ended) to @user_id when it has none yet. */
void           chutes_accounts_adopt_legacy_files (ChutesAccounts    *self,
                                                   const char        *user_id);

G_END_DECLS
