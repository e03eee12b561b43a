/* chutes-account-private.h: what the account's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-account.h"
#include "chutes-oauth-flow.h"

G_BEGIN_DECLS

struct _ChutesAccount
{
  GObject             parent_instance;

  ChutesIdpClient    *idp;
  ChutesTokenStore   *store;

  ChutesAccountState  state;
  ChutesTokens       *tokens;
  char               *username;
  char               *keyring_problem;
  char               *authorize_uri;
  gboolean            persistent;

  gboolean            open_browser;
  guint               flow_timeout;

  guint               session_serial;
  guint               sign_out_serial;

  /* The sign-in in progress, if any; sign_in_serial names it. */
  guint               sign_in_serial;
  gboolean            signing_in;
  ChutesAccountState  state_before_sign_in;
  ChutesOAuthFlow    *flow;
  GCancellable       *sign_in_cancellable;
  /* A replaced flow frees the loopback port only once it has returned, so
   * the flow that replaces it waits here until then. */
  guint               flows_running;
  GTask              *queued_sign_in;

  /* The refresh in flight, if any, and who waits for it. */
  GCancellable       *refresh_cancellable;
  GPtrArray          *waiters;

  /* Keyring writes of the session, one at a time: the one running and
   * those waiting for it (see chutes_account_write_session_async()). */
  gboolean            writing;
  GQueue              pending_writes;

  /* Tokens still to be revoked (ChutesRevocation), mirrored in the
   * keyring while it works; retried at start and when the network comes
   * back (see chutes-account-revoke.c). */
  GPtrArray          *revocations;
  guint               retrying;
  GNetworkMonitor    *network_monitor;
  gboolean            network_available;

  GCancellable       *cancellable;
};

/* chutes-account.c */

/* Sets the visible state (and "username" with it), even while a sign-in
 * runs; notifies only on change. */
void         chutes_account_set_state             (ChutesAccount       *self,
                                                   ChutesAccountState   state);
/* Sets the state, or while a sign-in runs the state it returns to. */
void         chutes_account_apply_state           (ChutesAccount       *self,
                                                   ChutesAccountState   state);
/* "authorize-uri", notified only on change. */
void         chutes_account_set_authorize_uri     (ChutesAccount       *self,
                                                   const char          *uri);
/* "persistent" and "keyring-problem" after a keyring read or write. */
void         chutes_account_note_keyring_result   (ChutesAccount       *self,
                                                   const GError        *error);
/* The configured client (NULL when there is none); scopes the store to
 * the configured IDP. */
const char  *chutes_account_get_client_id         (ChutesAccount       *self);
GError      *chutes_account_cancelled_error       (void);

/* From now on the session is kept in @store (the keyring writes queued
 * meanwhile included); the tokens in memory take its user ID. For moving
 * a single-account session over while it is in use. */
void         chutes_account_set_token_store       (ChutesAccount       *self,
                                                   ChutesTokenStore    *store);

/* @self's session has been replaced by @successor's, a sign-in of the
 * same person whose store holds the new session: @self becomes signed out
 * in memory (its keyring item is @successor's now, left alone), and its
 * tokens and pending revocations are revoked by @successor, retried later
 * as a sign-out's are. */
void         chutes_account_hand_over             (ChutesAccount       *self,
                                                   ChutesAccount       *successor);

/* chutes-account-keyring.c */

/* Revokes @tokens (taken, may be NULL; bounded in time, and retried later
 * when that fails: see chutes_account_revoke_async()) and, when
 * @clear_keyring, clears the stored session. Fails only with the error of
 * a revocation, once all is done. */
void         chutes_account_discard_async         (ChutesAccount       *self,
                                                   ChutesTokens        *tokens,
                                                   gboolean             clear_keyring,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean     chutes_account_discard_finish        (ChutesAccount       *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Saves @tokens (copied) as the session of @client_id, or clears it when
 * @tokens is NULL. Writes run one at a time in the order they were asked
 * for, so a clearing is never overtaken by a save still in flight. A write
 * whose @cancellable is cancelled before its turn is skipped (and fails as
 * cancelled); once started it runs to its end, bounded by the store's
 * timeout, and reports how it really went. */
void         chutes_account_write_session_async   (ChutesAccount       *self,
                                                   const char          *client_id,
                                                   const ChutesTokens  *tokens,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean     chutes_account_write_session_finish  (ChutesAccount       *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Saves a copy of @revocations as the tokens of @client_id still to be
 * revoked (an empty array clears them), in the same queue as the session
 * writes. Never cancelled. */
void         chutes_account_write_revocations_async (ChutesAccount     *self,
                                                   const char          *client_id,
                                                   GPtrArray           *revocations,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

/* chutes-account-revoke.c */

/* Revokes each of @revocations (ChutesRevocation) at /idp/token/revoke,
 * all at once and bounded in time together. Those that fail in a way worth
 * retrying join the account's pending revocations (saved in the keyring
 * when it works); those revoked, or refused as already invalid, leave them.
 * Fails with the first failure, in words for the person, once the pending
 * ones are saved. */
void         chutes_account_revoke_async          (ChutesAccount       *self,
                                                   GPtrArray           *revocations,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean     chutes_account_revoke_finish         (ChutesAccount       *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* Moves the pending revocations of @from to @self (saved in @self's
 * keyring item) and retries them. */
void         chutes_account_move_revocations      (ChutesAccount       *from,
                                                   ChutesAccount       *self);
/* At start: adds the pending revocations kept in the keyring, then retries
 * them all. */
void         chutes_account_load_revocations      (ChutesAccount       *self);
/* Follows the default network monitor. */
void         chutes_account_init_revocations      (ChutesAccount       *self);
void         chutes_account_dispose_revocations   (ChutesAccount       *self);

/* @target is cancelled (from the main loop, never inside
 * g_cancellable_cancel()) when @caller is. Returns NULL when @caller is
 * NULL; otherwise stop with chutes_account_clear_source(). */
GSource     *chutes_account_chain_cancellable     (GCancellable        *caller,
                                                   GCancellable        *target);

/* Destroys and drops the source at @source_pointer, if any. */
static inline void
chutes_account_clear_source (GSource **source_pointer)
{
  if (*source_pointer != NULL)
    g_source_destroy (*source_pointer);
  g_clear_pointer (source_pointer, g_source_unref);
}

/* chutes-account-sign-in.c */

/* Stops the sign-in in progress, if any, and forgets its flow and
 * "authorize-uri". It is no longer current, so it fails as cancelled
 * without touching the state: the caller sets that. */
void         chutes_account_abandon_sign_in       (ChutesAccount       *self);
/* A sign-in that waits for a replaced flow to let go fails as cancelled
 * without ever starting. */
void         chutes_account_drop_queued_sign_in   (ChutesAccount       *self);

/* chutes-account-refresh.c */

/* An empty list of waiters, for self->waiters. */
GPtrArray   *chutes_account_waiters_new           (void);
/* @task gets the access token of the refresh in flight, which is started
 * when none is. */
void         chutes_account_wait_for_refresh      (ChutesAccount       *self,
                                                   GTask               *task);
/* For sign-out and a new sign-in: the refresh in flight is cancelled and
 * whatever it brings back is ignored. Its waiters get @access_token, or
 * fail as cancelled when it is NULL. */
void         chutes_account_abandon_refresh       (ChutesAccount       *self,
                                                   const char          *access_token);

G_END_DECLS
