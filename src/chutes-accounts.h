/* chutes-accounts.h: every signed-in account, the active one and their histories
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-account.h"
#include "chutes-history.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_ACCOUNTS (chutes_accounts_get_type ())
G_DECLARE_FINAL_TYPE (ChutesAccounts, chutes_accounts, CHUTES, ACCOUNTS, GObject)

/* Each account keeps its tokens in the keyring under its user ID (see
 * chutes_token_store_new_for_account()) and its history in
 * @data_dir/accounts/<user ID>/history.db; the OAuth client is shared.
 *
 * Properties (read-only, notified on change only):
 *  "active"          ChutesAccount: never NULL. With nobody signed in (or
 *                    while an account is being added) an account of nobody
 *                    yet, signed out, whose sign-in adds it.
 *  "active-history"  ChutesHistory of the active account, NULL while it
 *                    has none (nobody signed in yet).
 *
 * @settings (may be NULL) remembers the active account ("active-account").
 * @data_dir NULL means $XDG_DATA_HOME/<app id>. */
ChutesAccounts *chutes_accounts_new                 (ChutesIdpClient     *idp,
                                                     GSettings           *settings,
                                                     const char          *data_dir);

/* The signed-in accounts (ChutesAccount), in the order they came. */
GListModel     *chutes_accounts_get_model           (ChutesAccounts      *self);
ChutesAccount  *chutes_accounts_get_active          (ChutesAccounts      *self);
/* @account must be one of the model's. Instant: nothing is fetched. */
void            chutes_accounts_set_active          (ChutesAccounts      *self,
                                                     ChutesAccount       *account);
ChutesHistory  *chutes_accounts_get_active_history  (ChutesAccounts      *self);
/* The history of @account, opened when first asked for; NULL for an
 * account of nobody yet. */
ChutesHistory  *chutes_accounts_get_history         (ChutesAccounts      *self,
                                                     ChutesAccount       *account);
/* What the Shell's search looks in: the active history, else (nobody
 * signed in, or not yet: a start by D-Bus, no keyring) that of the account
 * active last (remembered, or whose history changed last). */
ChutesHistory  *chutes_accounts_get_search_history  (ChutesAccounts      *self);
/* The signed-in account with @user_id, or NULL. */
ChutesAccount  *chutes_accounts_find                (ChutesAccounts      *self,
                                                     const char          *user_id);
/* Where the history of @account lives (NULL for an account of nobody
 * yet), for a process that opens its own (--ask). */
char           *chutes_accounts_dup_account_history_path (ChutesAccounts *self,
                                                          ChutesAccount  *account);
/* Where the history of @user_id lives (a user ID from the network is
 * never used as a path as such). */
char           *chutes_accounts_dup_history_path    (ChutesAccounts      *self,
                                                     const char          *user_id);

/* How many requests the quota of @account still allowed when a chat last
 * said so (in this run or an earlier one), or -1 when unknown. Setting it
 * keeps it beside the account's history (written in the background) and
 * emits "quota-changed" (ChutesAccount *account) when it changed, as a
 * number read back from disk after a start does. */
gint64          chutes_accounts_get_quota           (ChutesAccounts      *self,
                                                     ChutesAccount       *account);
void            chutes_accounts_set_quota           (ChutesAccounts      *self,
                                                     ChutesAccount       *account,
                                                     gint64               quota);

/* For tests: see chutes_account_set_flow_options(), for every account. */
void            chutes_accounts_set_flow_options    (ChutesAccounts      *self,
                                                     gboolean             open_browser,
                                                     guint                timeout_seconds);

/* At start: moves a single-account install over (its files at once, its
 * keyring item once its user ID is known, or when its account's
 * "network-returned" says the network is back; see
 * chutes-accounts-migrate.c),
 * then restores every stored session and makes the remembered account
 * active. Never fails but for a cancel: a keyring that cannot be read
 * shows as the active account's "keyring-problem". */
void            chutes_accounts_restore_async       (ChutesAccounts      *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean        chutes_accounts_restore_finish      (ChutesAccounts      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* At the start of the app's own process, before restoring: gives the
 * files of a single-account install whose session moved over while the
 * app ran (offline at start, see chutes_accounts_restore_async()) to that
 * account. Not for a process beside a running window (--ask): the window
 * may have them open; until then every process finds them where they
 * are. */
void            chutes_accounts_finish_legacy_move  (ChutesAccounts      *self);

/* Signs in one more account, active meanwhile. An account already there
 * gets the new tokens instead of a twin (its old ones are revoked, as at a
 * sign-out). On failure or cancel the account active before is again.
 * Returns the signed-in account (a new reference). */
void            chutes_accounts_add_async           (ChutesAccounts      *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
ChutesAccount  *chutes_accounts_add_finish          (ChutesAccounts      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Signs @account out (revoking its tokens; see chutes_account_sign_out_async())
 * and leaves the model at once; the others stay signed in. When it was
 * active, the next one becomes active, or an account of nobody when none
 * is left. Its history stays on disk. */
void            chutes_accounts_sign_out_async      (ChutesAccounts      *self,
                                                     ChutesAccount       *account,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean        chutes_accounts_sign_out_finish     (ChutesAccounts      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Closes every history (blocks: at shutdown). */
void            chutes_accounts_close               (ChutesAccounts      *self);

G_END_DECLS
