/* chutes-chat-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-application.h"
#include "chutes-conversation.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_CHAT_PAGE (chutes_chat_page_get_type ())
G_DECLARE_FINAL_TYPE (ChutesChatPage, chutes_chat_page, CHUTES, CHAT_PAGE, GtkWidget)

/* Connects the page to the application's account and gateway. Call once. */
void                chutes_chat_page_set_application  (ChutesChatPage    *self,
                                                       ChutesApplication *application);
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

G_END_DECLS
