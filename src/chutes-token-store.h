/* chutes-token-store.h: the only code that talks to the system keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chutes-tokens.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_TOKEN_STORE (chutes_token_store_get_type ())
G_DECLARE_FINAL_TYPE (ChutesTokenStore, chutes_token_store, CHUTES, TOKEN_STORE, GObject)

#define CHUTES_TOKEN_STORE_DEFAULT_TIMEOUT 30

/* A token that could not be revoked yet (see ChutesAccount). Never print
 * its token: chutes_revocation_free() wipes it. */
typedef struct
{
  char   *token;      /* secret */
  char   *hint;       /* "access_token" or "refresh_token" */
  guint   attempts;   /* revocations tried and failed so far */
  gint64  since;      /* first due, seconds since the epoch (real time) */
} ChutesRevocation;

ChutesRevocation *chutes_revocation_new  (const char             *token,
                                          const char             *hint);
ChutesRevocation *chutes_revocation_copy (const ChutesRevocation *revocation);
void              chutes_revocation_free (ChutesRevocation       *revocation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesRevocation, chutes_revocation_free)

/* Items are kept with libsecret's async API (the Secret portal inside
 * Flatpak) under the schema "ai.chutes.Desktop.Secret" with attributes
 * kind ("session", "client-secret" or "pending-revocation"), idp (the IDP
 * base URL) and client-id,
 * so a demo server's and chutes.ai's entries never mix. A session is one
 * item holding access token, refresh token, absolute expiry and username,
 * so a refreshed pair replaces the old one in a single write.
 *
 * Failures are CHUTES_ERROR_KEYRING_UNAVAILABLE (no Secret Service or
 * portal) or CHUTES_ERROR_KEYRING_LOCKED (locked and not unlocked, or no
 * answer within the timeout), with a message a person understands. Nothing
 * is ever written anywhere else. */
ChutesTokenStore *chutes_token_store_new                   (const char        *idp_base_url);

/* A store for one account of several: its session and pending revocations
 * are items of their own kinds ("account-session", "account-revocation")
 * with the attribute "account" set to @user_id ("sub" from
 * /idp/userinfo); the client secret is shared with every store. @user_id
 * may be NULL until known (a sign-in in progress): then nothing is found
 * and the account must be set before saving. A store made with
 * chutes_token_store_new() reads and writes the items of a single-account
 * install (no "account", kinds "session" and "pending-revocation") and
 * never touches those of an account. */
ChutesTokenStore *chutes_token_store_new_for_account       (const char        *idp_base_url,
                                                            const char        *user_id);
gboolean          chutes_token_store_is_per_account        (ChutesTokenStore  *self);
/* Only for a per-account store. */
void              chutes_token_store_set_account           (ChutesTokenStore  *self,
                                                            const char        *user_id);
const char       *chutes_token_store_get_account           (ChutesTokenStore  *self);

/* The user IDs (sorted, NULL-terminated) of the accounts of @client_id with
 * a session or pending revocations in the keyring. */
void              chutes_token_store_list_accounts_async   (ChutesTokenStore  *self,
                                                            const char        *client_id,
                                                            GCancellable      *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer           user_data);
char            **chutes_token_store_list_accounts_finish  (ChutesTokenStore  *self,
                                                            GAsyncResult      *result,
                                                            GError           **error);

/* "timeout" in seconds for each keyring call (default
 * CHUTES_TOKEN_STORE_DEFAULT_TIMEOUT); a call that takes longer is
 * cancelled and reported as CHUTES_ERROR_KEYRING_LOCKED. */
void              chutes_token_store_set_timeout           (ChutesTokenStore  *self,
                                                            guint              seconds);
/* Changing the IDP (rare) scopes later calls to it. */
void              chutes_token_store_set_idp_base_url      (ChutesTokenStore  *self,
                                                            const char        *idp_base_url);

void              chutes_token_store_save_session_async    (ChutesTokenStore  *self,
                                                            const char        *client_id,
                                                            const ChutesTokens *tokens,
                                                            GCancellable      *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer           user_data);
gboolean          chutes_token_store_save_session_finish   (ChutesTokenStore  *self,
                                                            GAsyncResult      *result,
                                                            GError           **error);

/* NULL without an error when nothing is stored. */
void              chutes_token_store_load_session_async    (ChutesTokenStore  *self,
                                                            const char        *client_id,
                                                            GCancellable      *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer           user_data);
ChutesTokens     *chutes_token_store_load_session_finish   (ChutesTokenStore  *self,
                                                            GAsyncResult      *result,
                                                            GError           **error);

void              chutes_token_store_clear_session_async   (ChutesTokenStore  *self,
                                                            const char        *client_id,
                                                            GCancellable      *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer           user_data);
gboolean          chutes_token_store_clear_session_finish  (ChutesTokenStore  *self,
                                                            GAsyncResult      *result,
                                                            GError           **error);

/* The tokens of @client_id still to be revoked, all in one item (kind
 * "pending-revocation"), so that a sign-out whose revocation failed is
 * finished later, even after a restart. Saving an empty array removes the
 * item. */
void              chutes_token_store_save_revocations_async  (ChutesTokenStore  *self,
                                                              const char        *client_id,
                                                              GPtrArray         *revocations,
                                                              GCancellable      *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer           user_data);
gboolean          chutes_token_store_save_revocations_finish (ChutesTokenStore  *self,
                                                              GAsyncResult      *result,
                                                              GError           **error);

/* An array of ChutesRevocation (freeing them), empty when none is stored. */
void              chutes_token_store_load_revocations_async  (ChutesTokenStore  *self,
                                                              const char        *client_id,
                                                              GCancellable      *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer           user_data);
GPtrArray        *chutes_token_store_load_revocations_finish (ChutesTokenStore  *self,
                                                              GAsyncResult      *result,
                                                              GError           **error);

void              chutes_token_store_save_client_secret_async  (ChutesTokenStore  *self,
                                                                const char        *client_id,
                                                                const char        *client_secret,
                                                                GCancellable      *cancellable,
                                                                GAsyncReadyCallback callback,
                                                                gpointer           user_data);
gboolean          chutes_token_store_save_client_secret_finish (ChutesTokenStore  *self,
                                                                GAsyncResult      *result,
                                                                GError           **error);

/* NULL without an error when nothing is stored. */
void              chutes_token_store_load_client_secret_async  (ChutesTokenStore  *self,
                                                                const char        *client_id,
                                                                GCancellable      *cancellable,
                                                                GAsyncReadyCallback callback,
                                                                gpointer           user_data);
char             *chutes_token_store_load_client_secret_finish (ChutesTokenStore  *self,
                                                                GAsyncResult      *result,
                                                                GError           **error);

void              chutes_token_store_clear_client_secret_async  (ChutesTokenStore  *self,
                                                                 const char        *client_id,
                                                                 GCancellable      *cancellable,
                                                                 GAsyncReadyCallback callback,
                                                                 gpointer           user_data);
gboolean          chutes_token_store_clear_client_secret_finish (ChutesTokenStore  *self,
                                                                 GAsyncResult      *result,
                                                                 GError           **error);

G_END_DECLS
