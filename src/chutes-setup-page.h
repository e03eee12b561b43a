/* chutes-setup-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-config.h"
#include "chutes-idp-client.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_SETUP_PAGE (chutes_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSetupPage, chutes_setup_page, CHUTES, SETUP_PAGE, GtkWidget)

/* Construct-only properties, both required: "config" (ChutesConfig: the
 * redirect URIs and scopes, the client ID so far) and "idp-client"
 * (ChutesIdpClient, which registers a new OAuth app).
 *
 * Signal "client-chosen" (const char *client_id, const char *client_secret):
 * the person entered or registered a client; the handler saves it. Both
 * strings are valid only during the emission. */
ChutesSetupPage *chutes_setup_page_new (ChutesConfig    *config,
                                        ChutesIdpClient *idp);

G_END_DECLS
