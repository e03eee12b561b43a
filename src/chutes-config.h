/* chutes-config.h: where the app finds its IDP, gateway and OAuth client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHUTES_DEFAULT_IDP_BASE_URL "https://api.chutes.ai"
#define CHUTES_DEFAULT_API_BASE_URL "https://llm.chutes.ai/v1"
#define CHUTES_DEFAULT_SCOPES       "openid profile chutes:invoke"

#define CHUTES_TYPE_CONFIG (chutes_config_get_type ())
G_DECLARE_FINAL_TYPE (ChutesConfig, chutes_config, CHUTES, CONFIG, GObject)

/* Precedence: the environment (CHUTES_OAUTH_CLIENT_ID,
 * CHUTES_OAUTH_CLIENT_SECRET, CHUTES_OAUTH_SCOPES, CHUTES_OAUTH_REDIRECT_URI,
 * CHUTES_IDP_BASE_URL, CHUTES_API_BASE_URL), then @settings (schema
 * ai.chutes.Desktop; may be NULL in tests), then the defaults.
 *
 * The client secret never comes from GSettings: it is either in the
 * environment or loaded from the keyring by the caller and handed over with
 * chutes_config_set_client_secret(). */
ChutesConfig       *chutes_config_new                    (GSettings     *settings);

const char         *chutes_config_get_idp_base_url       (ChutesConfig  *self);
const char         *chutes_config_get_api_base_url       (ChutesConfig  *self);
const char         *chutes_config_get_scopes             (ChutesConfig  *self);
const char         *chutes_config_get_client_id          (ChutesConfig  *self);
const char         *chutes_config_get_client_secret      (ChutesConfig  *self);
/* NULL-terminated; never empty. */
const char * const *chutes_config_get_redirect_uris      (ChutesConfig  *self);

/* TRUE when both client ID and secret are known. */
gboolean            chutes_config_has_client             (ChutesConfig  *self);
/* TRUE when the client came from the environment (the setup page then has
 * nothing to do and the keyring is not consulted for the secret). */
gboolean            chutes_config_client_from_environment (ChutesConfig *self);
/* TRUE when the IDP is a loopback host: the demo / test server. */
gboolean            chutes_config_is_local_server        (ChutesConfig  *self);

/* Checks base URLs (https, or http on loopback only) and redirect URIs
 * (http://127.0.0.1:PORT/path, a port must be given). */
gboolean            chutes_config_validate               (ChutesConfig  *self,
                                                          GError       **error);

/* Stores the client ID in GSettings (unless it came from the environment)
 * and keeps the secret in memory only. Notifies "client-id"/"has-client". */
void                chutes_config_set_client             (ChutesConfig  *self,
                                                          const char    *client_id,
                                                          const char    *client_secret);
void                chutes_config_set_client_secret      (ChutesConfig  *self,
                                                          const char    *client_secret);
/* Forgets the client (GSettings key reset, secret dropped from memory). */
void                chutes_config_forget_client          (ChutesConfig  *self);

/* The built-in list of registered loopback redirect URIs. */
const char * const *chutes_config_get_default_redirect_uris (void);

G_END_DECLS
