/* chutes-message.h: one message of a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "chutes-attachment.h"
#include "chutes-cost.h"

G_BEGIN_DECLS

typedef enum
{
  CHUTES_MESSAGE_ROLE_SYSTEM,
  CHUTES_MESSAGE_ROLE_USER,
  CHUTES_MESSAGE_ROLE_ASSISTANT,
} ChutesMessageRole;

typedef enum
{
  CHUTES_MESSAGE_STATUS_COMPLETE,
  CHUTES_MESSAGE_STATUS_PENDING,    /* sent, nothing received yet */
  CHUTES_MESSAGE_STATUS_STREAMING,
  CHUTES_MESSAGE_STATUS_STOPPED,    /* the person pressed Stop; partial text kept */
  CHUTES_MESSAGE_STATUS_FAILED,     /* "error" holds why; partial text kept */
} ChutesMessageStatus;

GType chutes_message_role_get_type   (void) G_GNUC_CONST;
GType chutes_message_status_get_type (void) G_GNUC_CONST;
#define CHUTES_TYPE_MESSAGE_ROLE   (chutes_message_role_get_type ())
#define CHUTES_TYPE_MESSAGE_STATUS (chutes_message_status_get_type ())

#define CHUTES_TYPE_MESSAGE (chutes_message_get_type ())
G_DECLARE_FINAL_TYPE (ChutesMessage, chutes_message, CHUTES, MESSAGE, GObject)

/* Properties: "role", "content", "reasoning", "status", "error" (string or
 * NULL), "model" (string or NULL), "prompt-tokens", "completion-tokens"
 * (int64, -1 unknown), "cached-tokens" (int64, -1 unknown: prompt tokens
 * the gateway had cached), "cost" (double, read-only: US dollars, -1
 * unknown; a reply's, from its usage and the prices it was given),
 * "id" (int64: the row in the chat history, 0 while
 * not saved), "created-at" (int64: microseconds since the Unix epoch, UTC,
 * as g_get_real_time(); 0 unknown). All notify on change only. */
ChutesMessage       *chutes_message_new               (ChutesMessageRole    role,
                                                       const char          *content);

ChutesMessageRole    chutes_message_get_role          (ChutesMessage       *self);
const char          *chutes_message_get_content       (ChutesMessage       *self);
const char          *chutes_message_get_reasoning     (ChutesMessage       *self);
ChutesMessageStatus  chutes_message_get_status        (ChutesMessage       *self);
const char          *chutes_message_get_error         (ChutesMessage       *self);
const char          *chutes_message_get_model         (ChutesMessage       *self);
gint64               chutes_message_get_prompt_tokens (ChutesMessage       *self);
gint64               chutes_message_get_completion_tokens (ChutesMessage   *self);

void                 chutes_message_append_content    (ChutesMessage       *self,
                                                       const char          *text);
void                 chutes_message_append_reasoning  (ChutesMessage       *self,
                                                       const char          *text);
void                 chutes_message_set_status        (ChutesMessage       *self,
                                                       ChutesMessageStatus  status);
void                 chutes_message_set_error         (ChutesMessage       *self,
                                                       const char          *error);
void                 chutes_message_set_model         (ChutesMessage       *self,
                                                       const char          *model);
void                 chutes_message_set_usage         (ChutesMessage       *self,
                                                       gint64               prompt_tokens,
                                                       gint64               completion_tokens);

gint64               chutes_message_get_cached_tokens (ChutesMessage     *self);
void                 chutes_message_set_cached_tokens (ChutesMessage     *self,
                                                       gint64             cached_tokens);
/* The model's prices when the reply was asked for, kept with it so that
 * later price changes do not change what it cost. NULL: unknown. */
void                 chutes_message_get_prices        (ChutesMessage      *self,
                                                       ChutesPrices       *prices);
void                 chutes_message_set_prices        (ChutesMessage      *self,
                                                       const ChutesPrices *prices);
double               chutes_message_get_cost          (ChutesMessage      *self);

/* Set by ChutesHistory when it saves or loads the message. */
gint64               chutes_message_get_id            (ChutesMessage       *self);
void                 chutes_message_set_id            (ChutesMessage       *self,
                                                       gint64               id);
gint64               chutes_message_get_created_at    (ChutesMessage       *self);
void                 chutes_message_set_created_at    (ChutesMessage       *self,
                                                       gint64               created_at);

/* The files attached to the message (of ChutesAttachment; never NULL,
 * owned by the message). Setting copies the list (NULL empties it) and
 * notifies "attachments". */
GListModel          *chutes_message_get_attachments   (ChutesMessage       *self);
void                 chutes_message_set_attachments   (ChutesMessage       *self,
                                                       GListModel          *attachments);

const char          *chutes_message_role_to_string    (ChutesMessageRole    role);

G_END_DECLS
