/* chutes-conversation-private.h: what the conversation's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-chat-stream.h"
#include "chutes-conversation.h"
#include "chutes-history.h"

G_BEGIN_DECLS

struct _ChutesConversation
{
  GObject           parent_instance;

  ChutesGateway    *gateway;
  ChutesAccount    *account;
  GListStore       *messages;
  char             *model;
  gint64            quota_remaining;
  gboolean          thinking;
  char             *system_prompt;   /* NULL: none */
  double            temperature;     /* < 0: the model's default */
  gint64            max_tokens;      /* <= 0: the model's default */
  GListModel       *models;          /* of ChutesModelInfo: prices; NULL unknown */
  double            cost;            /* of every reply with a known cost; -1 none */

  /* Saving (chutes-conversation-saving.c). */
  ChutesHistory    *history;
  gint64            id;
  GCancellable     *load_cancellable;
  guint             creating : 1;

  /* While a reply is on its way. */
  GTask            *task;           /* borrowed; the operation owns it */
  GCancellable     *cancellable;    /* cancelled by stop() and by the caller's */
  ChutesChatStream *stream;
  ChutesMessage    *reply;
};

/* Queues every message not saved yet (creating the conversation first when
 * it has no id), and tracks the reply that is streaming. */
void chutes_conversation_save_new_messages (ChutesConversation *self);
/* Forgets, in the history, @message and everything after it. */
void chutes_conversation_forget_from       (ChutesConversation *self,
                                            ChutesMessage      *message);
/* Forgets @message alone. */
void chutes_conversation_forget_message    (ChutesConversation *self,
                                            ChutesMessage      *message);
/* The settings changed: remember them for a saved conversation. */
void chutes_conversation_save_settings     (ChutesConversation *self);
/* The model changed: remember it for a saved conversation. */
void chutes_conversation_save_model        (ChutesConversation *self);

G_END_DECLS
