/* chutes-conversation.h: a conversation and the sending of its next turn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-account.h"
#include "chutes-gateway.h"
#include "chutes-history.h"
#include "chutes-message.h"
#include "chutes-model-info.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_CONVERSATION (chutes_conversation_get_type ())
G_DECLARE_FINAL_TYPE (ChutesConversation, chutes_conversation, CHUTES, CONVERSATION, GObject)

/* Properties: "model" (string, read-write), "busy" (boolean, read-only:
 * a reply is on its way), "quota-remaining" (int64, -1 unknown),
 * "thinking" (boolean, read-write), "cost" (double, read-only: US dollars
 * the replies with a known cost cost together, -1 when none has one). The messages are a GListModel of
 * ChutesMessage (chutes_conversation_get_messages). */
ChutesConversation *chutes_conversation_new           (ChutesGateway      *gateway,
                                                       ChutesAccount      *account);

GListModel         *chutes_conversation_get_messages  (ChutesConversation *self);
const char         *chutes_conversation_get_model     (ChutesConversation *self);
void                chutes_conversation_set_model     (ChutesConversation *self,
                                                       const char         *model);
gboolean            chutes_conversation_get_busy      (ChutesConversation *self);
/* The gateway's models (of ChutesModelInfo): each reply keeps the prices
 * its model has there when it is asked for. NULL: prices unknown. */
void                chutes_conversation_set_models    (ChutesConversation *self,
                                                       GListModel         *models);
double              chutes_conversation_get_cost      (ChutesConversation *self);
/* FALSE when the models list says the chat's model cannot think: then
 * "thinking" is kept but not sent. TRUE when the list does not say. */
gboolean            chutes_conversation_offers_thinking (ChutesConversation *self);

/* Appends a user message with @text and @attachments (of ChutesAttachment,
 * copied; NULL: none) and a streaming assistant message, and sends the
 * whole conversation so far. Attachments the chat's model cannot take
 * (chutes_attachments_check_model()) fail the task with
 * CHUTES_ERROR_ATTACHMENT before anything is appended. Gets the access token from the
 * account; on a 401 before anything arrived, refreshes once
 * (chutes_account_refresh_async) and retries once. On failure the
 * assistant message keeps its partial text, becomes FAILED and holds the
 * error's message, and the task fails with the error. Completes when the
 * reply is complete, failed or stopped (stopping is not an error). */
void                chutes_conversation_send_async    (ChutesConversation *self,
                                                       const char         *text,
                                                       GListModel         *attachments,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean            chutes_conversation_send_finish   (ChutesConversation *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* Asks again: drops @reply (NULL: the last reply) and everything after it,
 * then sends the conversation up to the question before it (with the
 * attachments of its messages). Finish with
 * chutes_conversation_turn_finish(). */
void                chutes_conversation_regenerate_async (ChutesConversation *self,
                                                          ChutesMessage      *reply,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);

/* Replaces the user message @message, and everything after it, with a
 * question @text and @attachments (checked as by send, before anything is
 * removed), then sends. Finish with chutes_conversation_turn_finish(). */
void                chutes_conversation_edit_async    (ChutesConversation *self,
                                                       ChutesMessage      *message,
                                                       const char         *text,
                                                       GListModel         *attachments,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);

/* Same as chutes_conversation_send_finish(), for regenerate and edit. */
gboolean            chutes_conversation_turn_finish   (ChutesConversation *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

/* Removes @message (stopping it first when it is the reply in progress). */
void                chutes_conversation_delete_message (ChutesConversation *self,
                                                        ChutesMessage      *message);

/* Stops the reply in progress; its text so far stays, status STOPPED. */
void                chutes_conversation_stop          (ChutesConversation *self);

/* Removes every message (stops first) and becomes a new, unsaved chat;
 * nothing is deleted from the history. */
void                chutes_conversation_clear         (ChutesConversation *self);

/* Saving. With a history, every message is saved as it is added, a
 * streaming reply as it grows, and the first question creates the saved
 * conversation (titled from it). "id" (int64, read-only) is the saved
 * conversation, 0 until the first question. */
void                chutes_conversation_set_history   (ChutesConversation *self,
                                                       ChutesHistory      *history);
gint64              chutes_conversation_get_id        (ChutesConversation *self);
void                chutes_conversation_set_id        (ChutesConversation *self,
                                                       gint64              id);

/* The conversation's settings (system prompt, temperature, max tokens,
 * thinking); setting them saves them with a saved conversation. */
ChutesChatSettings *chutes_conversation_get_settings  (ChutesConversation       *self);
void                chutes_conversation_set_settings  (ChutesConversation       *self,
                                                       const ChutesChatSettings *settings);

/* Stops, then shows saved conversation @id: its messages, model and
 * settings. */
void                chutes_conversation_load_async    (ChutesConversation *self,
                                                       gint64              id,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean            chutes_conversation_load_finish   (ChutesConversation *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);

G_END_DECLS
