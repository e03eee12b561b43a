/* chutes-account.h: the signed-in person, their tokens, refresh and sign-out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-idp-client.h"
#include "chutes-token-store.h"

G_BEGIN_DECLS

typedef enum
{
  CHUTES_ACCOUNT_STATE_UNKNOWN,     /* before restore_async completed */
  CHUTES_ACCOUNT_STATE_SIGNED_OUT,
  CHUTES_ACCOUNT_STATE_SIGNING_IN,
  CHUTES_ACCOUNT_STATE_SIGNED_IN,
} ChutesAccountState;

GType chutes_account_state_get_type (void) G_GNUC_CONST;
#define CHUTES_TYPE_ACCOUNT_STATE (chutes_account_state_get_type ())

/* Refresh this long before the access token expires, at most: a token
 * granted for a shorter time is refreshed when a fifth of its lifetime is
 * left (see chutes_account_refresh_margin()). */
#define CHUTES_ACCOUNT_REFRESH_MARGIN 180
#define CHUTES_ACCOUNT_REFRESH_FRACTION 5

/* A pending revocation is given up after this many failed attempts, or
 * once it is older than a refresh token can live (30 days). */
#define CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS 10
#define CHUTES_ACCOUNT_REVOKE_MAX_AGE (30 * 24 * 3600)

#define CHUTES_TYPE_ACCOUNT (chutes_account_get_type ())
G_DECLARE_FINAL_TYPE (ChutesAccount, chutes_account, CHUTES, ACCOUNT, GObject)

/* Properties (all read-only, notified on change only):
 *  "state"          ChutesAccountState
 *  "username"       string, NULL unless signed in
 *  "persistent"     boolean: TRUE when the session is in the keyring, FALSE
 *                   when it lives in memory only (no or locked keyring)
 *  "keyring-problem" string: a sentence for the person when the keyring
 *                   could not be used, else NULL
 *  "authorize-uri"  string: while signing in, the URL the browser was sent to
 *
 * Signal "session-ended" (const char *message): the session ended without
 * the person asking (a refresh was refused); the UI shows @message on the
 * sign-in page.
 *
 * Signal "revocation-failed" (const char *message): a sign-out finished
 * on this computer but Chutes could not end the session; @message (plain
 * text, partly from the network; the UI shows it on the sign-in page) says
 * so and why. The tokens are kept in
 * the keyring (or, without one, in memory) and revoked later: at the next
 * start and whenever the network comes back.
 *
 * Signal "network-returned": the network monitor (see
 * chutes_account_set_network_monitor()) says the network is available
 * again after it was not; pending revocations are being retried. */
ChutesAccount     *chutes_account_new                       (ChutesIdpClient     *idp,
                                                             ChutesTokenStore    *store);

ChutesAccountState chutes_account_get_state                 (ChutesAccount       *self);
const char        *chutes_account_get_username              (ChutesAccount       *self);
/* The user ID ("sub") the session is stored under, when the account's
 * store is per-account (see chutes_token_store_new_for_account()); NULL
 * before its first sign-in and for a single-account store. */
const char        *chutes_account_get_user_id               (ChutesAccount       *self);
ChutesTokenStore  *chutes_account_get_token_store           (ChutesAccount       *self);
/* The session's tokens (a copy; free with chutes_tokens_free()), NULL when
 * signed out. For moving a session to another store. */
ChutesTokens      *chutes_account_dup_tokens                (ChutesAccount       *self);
gboolean           chutes_account_get_persistent            (ChutesAccount       *self);
const char        *chutes_account_get_keyring_problem       (ChutesAccount       *self);
const char        *chutes_account_get_authorize_uri         (ChutesAccount       *self);

/* For tests: turns the browser off and shortens the timeout of the next
 * sign-ins (see ChutesOAuthFlow). */
void               chutes_account_set_flow_options          (ChutesAccount       *self,
                                                             gboolean             open_browser,
                                                             guint                timeout_seconds);

/* Loads a stored session for the configured client. Signed in when one is
 * found (refreshing first when it is about to expire; a refused refresh
 * means signed out), signed out otherwise. A keyring that cannot be read
 * sets "keyring-problem" and leaves the person signed out; it is not an
 * error. */
void               chutes_account_restore_async             (ChutesAccount       *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean           chutes_account_restore_finish            (ChutesAccount       *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

/* Runs a ChutesOAuthFlow; on success stores the tokens (or keeps them in
 * memory when the keyring fails, setting "keyring-problem") and becomes
 * signed in. State is SIGNING_IN meanwhile. On failure or cancel the
 * previous state and tokens are left exactly as they were. */
void               chutes_account_sign_in_async             (ChutesAccount       *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean           chutes_account_sign_in_finish            (ChutesAccount       *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);
/* Cancels a sign-in in progress; does nothing otherwise. */
void               chutes_account_cancel_sign_in            (ChutesAccount       *self);

/* Returns a valid access token, refreshing first when it expires within
 * chutes_account_refresh_margin(). Refreshes are serialized: while one is in
 * flight every caller waits for it, and the new pair is stored before any
 * caller gets it. A refused refresh signs out and emits "session-ended". */
void               chutes_account_get_access_token_async    (ChutesAccount       *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
char              *chutes_account_get_access_token_finish   (ChutesAccount       *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

/* After a 401 with @rejected_token: refreshes unless the current access
 * token already differs (someone refreshed meanwhile), then returns the new
 * token. Same serialization as above. */
void               chutes_account_refresh_async             (ChutesAccount       *self,
                                                             const char          *rejected_token,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
char              *chutes_account_refresh_finish            (ChutesAccount       *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

/* Becomes signed out at once (in memory), then revokes both tokens at
 * /idp/token/revoke and clears the keyring entry. Network failures do not
 * fail it: it always succeeds locally (a failed revocation emits
 * "revocation-failed" and is retried later). Completes once revocation and
 * clearing have finished or failed (revocation is bounded in time) and a
 * failed revocation is saved for later. */
void               chutes_account_sign_out_async            (ChutesAccount       *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean           chutes_account_sign_out_finish           (ChutesAccount       *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

/* How long before the expiry of @tokens to refresh them: a fraction of the
 * lifetime they were granted for, at most CHUTES_ACCOUNT_REFRESH_MARGIN
 * (which is also used when the lifetime is unknown). */
gint64             chutes_account_refresh_margin            (const ChutesTokens  *tokens);

/* The number of tokens still to be revoked (see "revocation-failed"). */
guint              chutes_account_get_pending_revocations   (ChutesAccount       *self);
/* Tries the pending revocations again now; does nothing while a retry is
 * running. Done by itself at start and when the network comes back. */
void               chutes_account_retry_revocations         (ChutesAccount       *self);
/* For tests: follow @monitor instead of the default network monitor. */
void               chutes_account_set_network_monitor       (ChutesAccount       *self,
                                                             GNetworkMonitor     *monitor);

G_END_DECLS
