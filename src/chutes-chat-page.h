/* chutes-chat-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-account.h"
#include "chutes-conversation.h"
#include "chutes-gateway.h"
#include "chutes-history.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_CHAT_PAGE (chutes_chat_page_get_type ())
G_DECLARE_FINAL_TYPE (ChutesChatPage, chutes_chat_page, CHUTES, CHAT_PAGE, GtkWidget)

/* Construct-only properties, all required: "account" (ChutesAccount),
 * "gateway" (ChutesGateway), "history" (ChutesHistory) and "settings" (the
 * app's GSettings: the last and the default model). */
ChutesChatPage     *chutes_chat_page_new              (ChutesAccount     *account,
                                                       ChutesGateway     *gateway,
                                                       ChutesHistory     *history,
                                                       GSettings         *settings);
ChutesConversation *chutes_chat_page_get_conversation (ChutesChatPage    *self);

/* The models offered by the gateway (NULL until loaded). */
GListModel         *chutes_chat_page_get_models       (ChutesChatPage    *self);
/* Opens the model picker (Ctrl+K). */
void                chutes_chat_page_pick_model       (ChutesChatPage    *self);

/* Stops any reply and starts an empty, unsaved chat. */
void                chutes_chat_page_new_chat         (ChutesChatPage    *self);
/* Shows saved conversation @conversation_id; with @message_id (not 0),
 * scrolls to that message once it is loaded. */
void                chutes_chat_page_open_chat        (ChutesChatPage    *self,
                                                       gint64             conversation_id,
                                                       gint64             message_id);

/* The open chat was changed by another process (chutes-desktop
 * --continue --ask): its messages are read again from the history, at
 * once when idle, else once no reply is on its way and no message is
 * being edited. A view at the end stays at the end. */
void                chutes_chat_page_reload           (ChutesChatPage    *self);

/* Attaches @files to the message being written (read off the main thread;
 * those that cannot be attached say why under the composer). */
void                chutes_chat_page_attach_files     (ChutesChatPage    *self,
                                                       GFile            **files,
                                                       guint              n_files);

G_END_DECLS
