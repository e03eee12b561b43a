/* chutes-idp-client.h: the Chutes identity provider's HTTP endpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "chutes-config.h"
#include "chutes-tokens.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_IDP_CLIENT (chutes_idp_client_get_type ())
G_DECLARE_FINAL_TYPE (ChutesIdpClient, chutes_idp_client, CHUTES, IDP_CLIENT, GObject)

/* Reads the IDP base URL, client ID/secret and scopes from @config at each
 * call, so a client configured later is picked up. */
ChutesIdpClient *chutes_idp_client_new                 (SoupSession          *session,
                                                        ChutesConfig         *config);

SoupSession     *chutes_idp_client_get_session         (ChutesIdpClient      *self);
ChutesConfig    *chutes_idp_client_get_config          (ChutesIdpClient      *self);

/* {idp}/idp/authorize?response_type=code&client_id&redirect_uri&scope&state
 * &code_challenge&code_challenge_method=S256, every value form-encoded. */
char            *chutes_idp_client_build_authorize_url (ChutesIdpClient      *self,
                                                        const char           *redirect_uri,
                                                        const char           *state,
                                                        const char           *code_challenge);

/* POST /idp/token grant_type=authorization_code with client_secret and
 * code_verifier. The returned tokens have expires_at filled from expires_in;
 * username is NULL. */
void             chutes_idp_client_exchange_code_async (ChutesIdpClient      *self,
                                                        const char           *code,
                                                        const char           *code_verifier,
                                                        const char           *redirect_uri,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
ChutesTokens    *chutes_idp_client_exchange_code_finish (ChutesIdpClient     *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* POST /idp/token grant_type=refresh_token. CHUTES_ERROR_INVALID_GRANT when
 * the refresh token is refused (the person must sign in again). The result
 * keeps @refresh_token when the reply has none. */
void             chutes_idp_client_refresh_async       (ChutesIdpClient      *self,
                                                        const char           *refresh_token,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
ChutesTokens    *chutes_idp_client_refresh_finish      (ChutesIdpClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* POST /idp/token/revoke (RFC 7009). @hint is "access_token",
 * "refresh_token" or NULL. */
void             chutes_idp_client_revoke_async        (ChutesIdpClient      *self,
                                                        const char           *token,
                                                        const char           *hint,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean         chutes_idp_client_revoke_finish       (ChutesIdpClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* GET /idp/userinfo; returns the username. */
void             chutes_idp_client_userinfo_async      (ChutesIdpClient      *self,
                                                        const char           *access_token,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
char            *chutes_idp_client_userinfo_finish     (ChutesIdpClient      *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
/* The same, and the user ID ("sub"; NULL when the reply has none) in
 * @user_id. */
char            *chutes_idp_client_userinfo_full_finish (ChutesIdpClient     *self,
                                                        GAsyncResult         *result,
                                                        char                **user_id,
                                                        GError              **error);

/* POST /idp/apps with a cpk_ API key (used for this call only, never kept):
 * registers @name with @redirect_uris and @scopes. CHUTES_ERROR_CONFLICT on
 * 409 (name taken), CHUTES_ERROR_FORBIDDEN on 403 (privileged scope),
 * CHUTES_ERROR_UNAUTHORIZED on a bad key. */
void             chutes_idp_client_register_app_async  (ChutesIdpClient      *self,
                                                        const char           *api_key,
                                                        const char           *name,
                                                        const char * const   *redirect_uris,
                                                        const char           *scopes,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean         chutes_idp_client_register_app_finish (ChutesIdpClient      *self,
                                                        GAsyncResult         *result,
                                                        char                **client_id,
                                                        char                **client_secret,
                                                        GError              **error);

G_END_DECLS
