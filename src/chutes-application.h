/* chutes-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-account.h"
#include "chutes-accounts.h"
#include "chutes-config.h"
#include "chutes-gateway.h"
#include "chutes-history.h"
#include "chutes-idp-client.h"
#include "chutes-token-store.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_APPLICATION (chutes_application_get_type ())
G_DECLARE_FINAL_TYPE (ChutesApplication, chutes_application, CHUTES, APPLICATION, AdwApplication)

ChutesApplication *chutes_application_new               (void);

GSettings         *chutes_application_get_settings      (ChutesApplication *self);
ChutesConfig      *chutes_application_get_config        (ChutesApplication *self);
ChutesIdpClient   *chutes_application_get_idp_client    (ChutesApplication *self);
ChutesTokenStore  *chutes_application_get_token_store   (ChutesApplication *self);
ChutesAccount     *chutes_application_get_account       (ChutesApplication *self);
ChutesGateway     *chutes_application_get_gateway       (ChutesApplication *self);
ChutesHistory     *chutes_application_get_history       (ChutesApplication *self);
/* Every account; the two above are its active account and that account's
 * history (NULL while nobody is signed in), notified by its "active" and
 * "active-history". */
ChutesAccounts    *chutes_application_get_accounts      (ChutesApplication *self);

/* "ready" (boolean): the stored client secret and session have been looked
 * up, so the window knows which page to show. */
gboolean           chutes_application_get_ready         (ChutesApplication *self);

/* "sign-in-error" (string): why the last sign-in attempt failed, or why the
 * session ended, for the sign-in page; NULL when there is nothing to say. */
const char        *chutes_application_get_sign_in_error (ChutesApplication *self);

/* Saves a client entered or registered on the setup page: the ID to
 * GSettings, the secret to the keyring (kept in memory when the keyring
 * fails; the account's "keyring-problem" then says so). */
void               chutes_application_set_client        (ChutesApplication *self,
                                                         const char        *client_id,
                                                         const char        *client_secret);

G_END_DECLS
