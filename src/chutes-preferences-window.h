/* chutes-preferences-window.h: the preferences window (Ctrl+,)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_PREFERENCES_WINDOW (chutes_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (ChutesPreferencesWindow, chutes_preferences_window, CHUTES, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @settings: schema ai.chutes.Desktop; the "Default model" row reads and
 * writes its "default-model" key (empty: new chats use the model chosen
 * last).
 *
 * Properties, all read-write and shown as plain text:
 *  "settings"      GSettings, construct-only
 *  "models"        GListModel of ChutesModelInfo for the default-model picker
 *  "account-name"  the signed-in account, NULL when signed out
 *  "idp-url"       the identity provider in use
 *  "gateway-url"   the model gateway in use
 *  "client-id"     the OAuth app's client ID (never the secret), or NULL
 * A detail that is NULL or empty hides its row.
 * The "Sign Out" button activates "app.sign-out". */
ChutesPreferencesWindow *chutes_preferences_window_new              (GSettings               *settings);

GSettings               *chutes_preferences_window_get_settings     (ChutesPreferencesWindow *self);

GListModel              *chutes_preferences_window_get_models       (ChutesPreferencesWindow *self);
void                     chutes_preferences_window_set_models       (ChutesPreferencesWindow *self,
                                                                     GListModel              *models);
const char              *chutes_preferences_window_get_account_name (ChutesPreferencesWindow *self);
void                     chutes_preferences_window_set_account_name (ChutesPreferencesWindow *self,
                                                                     const char              *name);
const char              *chutes_preferences_window_get_idp_url      (ChutesPreferencesWindow *self);
void                     chutes_preferences_window_set_idp_url      (ChutesPreferencesWindow *self,
                                                                     const char              *url);
const char              *chutes_preferences_window_get_gateway_url  (ChutesPreferencesWindow *self);
void                     chutes_preferences_window_set_gateway_url  (ChutesPreferencesWindow *self,
                                                                     const char              *url);
const char              *chutes_preferences_window_get_client_id    (ChutesPreferencesWindow *self);
void                     chutes_preferences_window_set_client_id    (ChutesPreferencesWindow *self,
                                                                     const char              *client_id);

G_END_DECLS
