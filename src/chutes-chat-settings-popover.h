/* chutes-chat-settings-popover.h: a chat's settings, in a popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chutes-history.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_CHAT_SETTINGS_POPOVER (chutes_chat_settings_popover_get_type ())
G_DECLARE_FINAL_TYPE (ChutesChatSettingsPopover, chutes_chat_settings_popover,
                      CHUTES, CHAT_SETTINGS_POPOVER, GtkPopover)

/* The thinking switch, the system prompt, and the temperature and longest
 * reply, each used only when checked (the model's default otherwise). The
 * chat page makes it when its settings button is first pressed. */
GtkWidget          *chutes_chat_settings_popover_new          (void);

/* Shows @settings in the controls. */
void                chutes_chat_settings_popover_set_settings (ChutesChatSettingsPopover *self,
                                                               const ChutesChatSettings  *settings);

/* The settings the controls show; a system prompt of only blanks is
 * none. */
ChutesChatSettings *chutes_chat_settings_popover_dup_settings (ChutesChatSettingsPopover *self);
/* Shows the thinking switch only for a model that can think (its value
 * is kept either way). */
void                chutes_chat_settings_popover_set_thinking_offered (ChutesChatSettingsPopover *self,
                                                                       gboolean                   offered);

G_END_DECLS
