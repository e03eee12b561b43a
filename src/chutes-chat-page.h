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

G_END_DECLS
