/* chutes-sidebar.h: the list of saved conversations and search across them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-history.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_SIDEBAR (chutes_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSidebar, chutes_sidebar, CHUTES, SIDEBAR, GtkWidget)

/* Signals:
 *  "open-chat" (gint64 conversation_id, gint64 message_id): a conversation
 *     was chosen, from the list (message_id 0) or from a search hit.
 *  "rename-chat" (gint64 conversation_id)
 *  "delete-chat" (gint64 conversation_id)
 * The window does the work; the sidebar only shows and asks. */
void chutes_sidebar_set_history        (ChutesSidebar *self,
                                        ChutesHistory *history);
/* Marks @conversation_id as the open one (0: none, a new chat). */
void chutes_sidebar_set_selected_chat  (ChutesSidebar *self,
                                        gint64         conversation_id);
/* Hides @conversation_id while its deletion can still be undone. */
void chutes_sidebar_set_hidden_chat    (ChutesSidebar *self,
                                        gint64         conversation_id);
/* Focuses the search entry (Ctrl+F). */
void chutes_sidebar_focus_search       (ChutesSidebar *self);
/* Shows the search of @text, as if typed. */
void chutes_sidebar_set_search_text    (ChutesSidebar *self,
                                        const char    *text);

G_END_DECLS
