/* chutes-conversation.c: a conversation and the sending of its next turn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-conversation-private.h"
#include "chutes-error.h"
#include "chutes-util.h"

G_DEFINE_FINAL_TYPE (ChutesConversation, chutes_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_GATEWAY,
  PROP_ACCOUNT,
  PROP_MODEL,
  PROP_BUSY,
  PROP_QUOTA_REMAINING,
  PROP_THINKING,
  PROP_ID,
  PROP_SETTINGS,
  PROP_COST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One send. */
typedef struct
{
  ChutesMessage *reply;
  GListStore    *history;            /* what is sent: the messages before @reply */
  GCancellable  *caller_cancellable;
  gulong         caller_handler;
  char          *token;              /* secret */
  gboolean       retried;
} SendData;

static void
send_data_free (SendData *data)
{
  if (data->caller_handler != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_handler);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->reply);
  g_clear_object (&data->history);
  g_clear_pointer (&data->token, chutes_secret_free);
  g_free (data);
}

static void
chutes_conversation_dispose (GObject *object)
{
  ChutesConversation *self = (ChutesConversation *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stream);
  g_clear_object (&self->reply);
  g_clear_object (&self->gateway);
  g_clear_object (&self->account);
  g_clear_object (&self->messages);
  g_clear_object (&self->models);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (chutes_conversation_parent_class)->dispose (object);
}

static void
chutes_conversation_finalize (GObject *object)
{
  ChutesConversation *self = (ChutesConversation *)object;

  g_clear_pointer (&self->system_prompt, g_free);
  g_clear_pointer (&self->model, g_free);

  G_OBJECT_CLASS (chutes_conversation_parent_class)->finalize (object);
}

static void
chutes_conversation_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChutesConversation *self = CHUTES_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_GATEWAY:
      g_value_set_object (value, self->gateway);
      break;

    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, chutes_conversation_get_busy (self));
      break;

    case PROP_QUOTA_REMAINING:
      g_value_set_int64 (value, self->quota_remaining);
      break;

    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_SETTINGS:
      g_value_take_boxed (value, chutes_conversation_get_settings (self));
      break;

    case PROP_COST:
      g_value_set_double (value, self->cost);
      break;

    case PROP_THINKING:
      g_value_set_boolean (value, self->thinking);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_conversation_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ChutesConversation *self = CHUTES_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_GATEWAY:
      self->gateway = g_value_dup_object (value);
      break;

    case PROP_ACCOUNT:
      self->account = g_value_dup_object (value);
      break;

    case PROP_MODEL:
      chutes_conversation_set_model (self, g_value_get_string (value));
      break;

    case PROP_THINKING:
      if (self->thinking != g_value_get_boolean (value))
        {
          self->thinking = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_conversation_class_init (ChutesConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_conversation_dispose;
  object_class->finalize = chutes_conversation_finalize;
  object_class->get_property = chutes_conversation_get_property;
  object_class->set_property = chutes_conversation_set_property;

  properties[PROP_GATEWAY] =
    g_param_spec_object ("gateway", NULL, NULL,
                         CHUTES_TYPE_GATEWAY,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL,
                         CHUTES_TYPE_ACCOUNT,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTA_REMAINING] =
    g_param_spec_int64 ("quota-remaining", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_SETTINGS] =
    g_param_spec_boxed ("settings", NULL, NULL,
                        CHUTES_TYPE_CHAT_SETTINGS,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_THINKING] =
    g_param_spec_boolean ("thinking", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  properties[PROP_COST] =
    g_param_spec_double ("cost", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* The sum of what the replies cost, -1 when none has a known cost. */
static void
update_cost (ChutesConversation *self)
{
  double cost = -1.0;
  guint n_items;

  /* Disposed: the replies may outlive the conversation. */
  if (self->messages == NULL)
    return;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages), i);
      double message_cost = chutes_message_get_cost (message);

      if (message_cost >= 0)
        cost = MAX (cost, 0) + message_cost;
    }

  if (cost == self->cost)
    return;

  self->cost = cost;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
}

static void
chutes_conversation_init (ChutesConversation *self)
{
  self->temperature = -1.0;
  self->messages = g_list_store_new (CHUTES_TYPE_MESSAGE);
  self->quota_remaining = -1;
  self->cost = -1.0;
  g_signal_connect_object (self->messages, "items-changed",
                           G_CALLBACK (update_cost), self, G_CONNECT_SWAPPED);
}

ChutesConversation *
chutes_conversation_new (ChutesGateway *gateway,
                         ChutesAccount *account)
{
  g_return_val_if_fail (CHUTES_IS_GATEWAY (gateway), NULL);
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (account), NULL);

  return g_object_new (CHUTES_TYPE_CONVERSATION,
                       "gateway", gateway,
                       "account", account,
                       NULL);
}

GListModel *
chutes_conversation_get_messages (ChutesConversation *self)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), NULL);

  return G_LIST_MODEL (self->messages);
}

const char *
chutes_conversation_get_model (ChutesConversation *self)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), NULL);

  return self->model;
}

void
chutes_conversation_set_model (ChutesConversation *self,
                               const char         *model)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));

  if (chutes_set_str (&self->model, model))
    {
      chutes_conversation_save_model (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
    }
}

void
chutes_conversation_set_models (ChutesConversation *self,
                                GListModel         *models)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (models == NULL || G_IS_LIST_MODEL (models));

  g_set_object (&self->models, models);
}

double
chutes_conversation_get_cost (ChutesConversation *self)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), -1.0);

  return self->cost;
}

gboolean
chutes_conversation_offers_thinking (ChutesConversation *self)
{
  g_autoptr(ChutesModelInfo) info = NULL;

  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), TRUE);

  info = chutes_model_info_find (self->models, self->model);

  return info == NULL || chutes_model_info_offers_thinking (info);
}

gboolean
chutes_conversation_get_busy (ChutesConversation *self)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), FALSE);

  return self->task != NULL;
}

static void
set_quota_remaining (ChutesConversation *self,
                     gint64              quota_remaining)
{
  if (quota_remaining < 0 || self->quota_remaining == quota_remaining)
    return;

  self->quota_remaining = quota_remaining;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUOTA_REMAINING]);
}

/* Ends the send in progress: the reply's final status, busy goes off, and
 * the task completes with @error (owned; NULL for success). */
static void
complete_send (ChutesConversation *self,
               GTask              *task,
               GError             *error)
{
  g_autoptr(GTask) owned_task = task;
  SendData *data = g_task_get_task_data (task);

  g_assert (self->task == task);

  /* Once stopped, the reply stays stopped, whatever raced with the stop. */
  if (g_cancellable_is_cancelled (self->cancellable) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped");
    }

  if (error == NULL)
    chutes_message_set_status (data->reply, CHUTES_MESSAGE_STATUS_COMPLETE);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      chutes_message_set_status (data->reply, CHUTES_MESSAGE_STATUS_STOPPED);
      /* A stop is not an error; only the caller's own cancel reports one. */
      if (!g_cancellable_is_cancelled (data->caller_cancellable))
        g_clear_error (&error);
    }
  else
    {
      g_debug ("The reply failed: %s", error->message);
      chutes_message_set_error (data->reply, error->message);
      chutes_message_set_status (data->reply, CHUTES_MESSAGE_STATUS_FAILED);
    }

  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      g_clear_object (&self->stream);
    }
  g_clear_object (&self->reply);
  g_clear_object (&self->cancellable);
  self->task = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  if (error != NULL)
    g_task_return_error (owned_task, error);
  else
    g_task_return_boolean (owned_task, TRUE);
}

static void
on_stream_delta (ChutesChatStream   *stream,
                 const char         *content,
                 const char         *reasoning,
                 ChutesConversation *self)
{
  if (self->reply == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  chutes_message_set_status (self->reply, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_append_reasoning (self->reply, reasoning);
  chutes_message_append_content (self->reply, content);
}

static void
on_stream_usage (ChutesChatStream   *stream,
                 gint64              prompt_tokens,
                 gint64              completion_tokens,
                 ChutesConversation *self)
{
  if (self->reply == NULL)
    return;

  chutes_message_set_cached_tokens (self->reply, chutes_chat_stream_get_cached_tokens (stream));
  chutes_message_set_usage (self->reply, prompt_tokens, completion_tokens);
}

static void
on_stream_quota (ChutesChatStream   *stream,
                 GParamSpec         *pspec,
                 ChutesConversation *self)
{
  set_quota_remaining (self, chutes_chat_stream_get_quota_remaining (stream));
}

static void start_stream (ChutesConversation *self,
                          GTask              *task);

static void
chutes_conversation_refresh_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  GTask *task = user_data;
  ChutesConversation *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *token;

  token = chutes_account_refresh_finish (CHUTES_ACCOUNT (object), result, &error);
  if (token == NULL)
    {
      complete_send (self, task, g_steal_pointer (&error));
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      chutes_secret_free (token);
      complete_send (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Stopped"));
      return;
    }

  g_clear_pointer (&data->token, chutes_secret_free);
  data->token = token;
  start_stream (self, task);
}

static void
chutes_conversation_stream_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  GTask *task = user_data;
  ChutesConversation *self = g_task_get_source_object (task);
  ChutesChatStream *stream = CHUTES_CHAT_STREAM (object);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  set_quota_remaining (self, chutes_chat_stream_get_quota_remaining (stream));

  if (chutes_chat_stream_run_finish (stream, result, &error))
    {
      complete_send (self, task, NULL);
      return;
    }

  /* An expired or revoked token: refresh once and try again, unless part
   * of a reply already arrived (it would be shown twice). */
  if (g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED) &&
      !data->retried &&
      !chutes_chat_stream_get_received_content (stream) &&
      !g_cancellable_is_cancelled (self->cancellable))
    {
      g_debug ("The gateway refused the access token; refreshing once");
      data->retried = TRUE;
      g_signal_handlers_disconnect_by_data (self->stream, self);
      g_clear_object (&self->stream);
      chutes_account_refresh_async (self->account,
                                    data->token,
                                    self->cancellable,
                                    chutes_conversation_refresh_cb,
                                    task);
      return;
    }

  complete_send (self, task, g_steal_pointer (&error));
}

static void
start_stream (ChutesConversation *self,
              GTask              *task)
{
  SendData *data = g_task_get_task_data (task);
  ChutesConfig *config = chutes_gateway_get_config (self->gateway);

  g_assert (self->stream == NULL);

  self->stream = chutes_chat_stream_new (chutes_gateway_get_session (self->gateway),
                                         chutes_config_get_api_base_url (config),
                                         data->token,
                                         chutes_message_get_model (data->reply),
                                         G_LIST_MODEL (data->history),
                                         self->thinking &&
                                         chutes_conversation_offers_thinking (self));
  chutes_chat_stream_set_sampling (self->stream, self->temperature, self->max_tokens);
  g_signal_connect (self->stream, "delta", G_CALLBACK (on_stream_delta), self);
  g_signal_connect (self->stream, "usage", G_CALLBACK (on_stream_usage), self);
  g_signal_connect (self->stream, "notify::quota-remaining", G_CALLBACK (on_stream_quota), self);

  chutes_chat_stream_run_async (self->stream,
                                self->cancellable,
                                chutes_conversation_stream_cb,
                                task);
}

static void
chutes_conversation_token_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  GTask *task = user_data;
  ChutesConversation *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (object), result, &error);
  if (data->token == NULL)
    {
      complete_send (self, task, g_steal_pointer (&error));
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      complete_send (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      "Stopped"));
      return;
    }

  start_stream (self, task);
}

static void
on_caller_cancelled (GCancellable *caller_cancellable,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* The prices of the model now, kept with the reply (and saved with it). */
static void
set_reply_prices (ChutesConversation *self,
                  ChutesMessage      *reply)
{
  g_autoptr(ChutesModelInfo) info = chutes_model_info_find (self->models, self->model);
  ChutesPrices prices = CHUTES_PRICES_UNKNOWN;

  if (info != NULL)
    chutes_model_info_get_prices (info, &prices);
  chutes_message_set_prices (reply, &prices);
}

/* Whether @text with @attachments can go to the chat's model: the check
 * comes before anything is appended or removed, so a refusal loses
 * nothing. */
static gboolean
check_attachments (ChutesConversation  *self,
                   GTask               *task,
                   const char          *text,
                   GListModel          *attachments)
{
  g_autoptr(ChutesModelInfo) info = NULL;
  GError *error = NULL;

  if (attachments == NULL || g_list_model_get_n_items (attachments) == 0)
    return TRUE;

  if (self->models != NULL && self->model != NULL)
    info = chutes_model_info_find (self->models, self->model);

  if (chutes_attachments_check_model (attachments, text, info, &error))
    return TRUE;

  g_task_return_error (task, error);
  return FALSE;
}

/* Starts the next turn: appends @text (and @attachments) as a user message
 * when it is not NULL, then asks for a reply to everything so far. */
static void
start_turn (ChutesConversation  *self,
            GTask               *task,
            const char          *text,
            GListModel          *attachments,
            GCancellable        *cancellable)
{
  SendData *data;
  guint n_items;

  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("A reply is still on its way"));
      return;
    }

  if (self->model == NULL || self->model[0] == '\0')
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                               _("Choose a model first"));
      return;
    }

  data = g_new0 (SendData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (text != NULL)
    {
      g_autoptr(ChutesMessage) question = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, text);

      chutes_message_set_attachments (question, attachments);
      g_list_store_append (self->messages, question);
    }

  /* What is sent: the system prompt, everything so far, not the reply. */
  data->history = g_list_store_new (CHUTES_TYPE_MESSAGE);
  if (self->system_prompt != NULL && *self->system_prompt != '\0')
    {
      g_autoptr(ChutesMessage) system = chutes_message_new (CHUTES_MESSAGE_ROLE_SYSTEM,
                                                            self->system_prompt);

      g_list_store_append (data->history, system);
    }
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      g_list_store_append (data->history, message);
    }

  data->reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  chutes_message_set_model (data->reply, self->model);
  set_reply_prices (self, data->reply);
  g_signal_connect_object (data->reply, "notify::cost",
                           G_CALLBACK (update_cost), self, G_CONNECT_SWAPPED);
  chutes_message_set_status (data->reply, CHUTES_MESSAGE_STATUS_PENDING);
  g_list_store_append (self->messages, data->reply);
  chutes_conversation_save_new_messages (self);

  self->cancellable = g_cancellable_new ();
  self->reply = g_object_ref (data->reply);
  self->task = task; /* borrowed: the operation below holds the reference */

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable,
                                                    G_CALLBACK (on_caller_cancelled),
                                                    g_object_ref (self->cancellable),
                                                    g_object_unref);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  chutes_account_get_access_token_async (self->account,
                                         self->cancellable,
                                         chutes_conversation_token_cb,
                                         g_object_ref (task));
}

static GTask *
new_turn_task (ChutesConversation  *self,
               gpointer             source_tag,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  /* The result is decided by the conversation, not by the caller's
   * cancellable: a cancel is reported as such, a stop is not an error. */
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

void
chutes_conversation_send_async (ChutesConversation  *self,
                                const char          *text,
                                GListModel          *attachments,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (text != NULL);
  g_return_if_fail (attachments == NULL || G_IS_LIST_MODEL (attachments));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_turn_task (self, chutes_conversation_send_async, callback, user_data);
  if (self->task == NULL && !check_attachments (self, task, text, attachments))
    return;
  start_turn (self, task, text, attachments, cancellable);
}

/* Index of @message in the conversation, or -1. */
static int
find_message (ChutesConversation *self,
              ChutesMessage      *message)
{
  guint position;

  if (!g_list_store_find (self->messages, message, &position))
    return -1;

  return (int) position;
}

void
chutes_conversation_regenerate_async (ChutesConversation  *self,
                                      ChutesMessage       *reply,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  guint n_items;
  int position;

  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (reply == NULL || CHUTES_IS_MESSAGE (reply));

  task = new_turn_task (self, chutes_conversation_regenerate_async, callback, user_data);

  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("A reply is still on its way"));
      return;
    }

  /* From @reply on, or else the replies after the last question, go. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  if (reply != NULL)
    {
      position = find_message (self, reply);
      if (position < 0 || chutes_message_get_role (reply) != CHUTES_MESSAGE_ROLE_ASSISTANT)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   _("That reply is no longer in the conversation"));
          return;
        }
    }
  else
    {
      for (position = n_items; position > 0; position--)
        {
          g_autoptr(ChutesMessage) before = g_list_model_get_item (G_LIST_MODEL (self->messages),
                                                                   position - 1);

          if (chutes_message_get_role (before) != CHUTES_MESSAGE_ROLE_ASSISTANT)
            break;
        }
    }

  if (position == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("There is no question to answer again"));
      return;
    }

  if ((guint) position < n_items)
    {
      g_autoptr(ChutesMessage) first = g_list_model_get_item (G_LIST_MODEL (self->messages),
                                                              position);

      chutes_conversation_forget_from (self, first);
      g_list_store_splice (self->messages, position, n_items - position, NULL, 0);
    }

  start_turn (self, task, NULL, NULL, cancellable);
}

void
chutes_conversation_edit_async (ChutesConversation  *self,
                                ChutesMessage       *message,
                                const char          *text,
                                GListModel          *attachments,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  int position;
  guint n_items;

  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));
  g_return_if_fail (text != NULL);
  g_return_if_fail (attachments == NULL || G_IS_LIST_MODEL (attachments));

  task = new_turn_task (self, chutes_conversation_edit_async, callback, user_data);

  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("A reply is still on its way"));
      return;
    }

  position = find_message (self, message);
  if (position < 0 || chutes_message_get_role (message) != CHUTES_MESSAGE_ROLE_USER)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("That message is no longer in the conversation"));
      return;
    }

  if (!check_attachments (self, task, text, attachments))
    return;

  /* The edited question replaces the old one and everything after it. */
  chutes_conversation_forget_from (self, message);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_list_store_splice (self->messages, position, n_items - position, NULL, 0);

  start_turn (self, task, text, attachments, cancellable);
}

gboolean
chutes_conversation_turn_finish (ChutesConversation  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_conversation_delete_message (ChutesConversation *self,
                                    ChutesMessage      *message)
{
  int position;

  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));

  if (message == self->reply)
    chutes_conversation_stop (self);

  position = find_message (self, message);
  if (position >= 0)
    {
      chutes_conversation_forget_message (self, message);
      g_list_store_remove (self->messages, position);
    }
}

gboolean
chutes_conversation_send_finish (ChutesConversation  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_conversation_stop (ChutesConversation *self)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));

  if (self->task == NULL)
    return;

  /* The text so far stays; nothing more is appended after this. */
  if (self->reply != NULL)
    chutes_message_set_status (self->reply, CHUTES_MESSAGE_STATUS_STOPPED);
  g_cancellable_cancel (self->cancellable);
}

void
chutes_conversation_clear (ChutesConversation *self)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));

  chutes_conversation_stop (self);
  g_list_store_remove_all (self->messages);
  chutes_conversation_set_id (self, 0);

  /* A new chat starts from the defaults. */
  {
    g_autoptr(ChutesChatSettings) defaults = chutes_chat_settings_new ();

    chutes_conversation_set_settings (self, defaults);
  }
}
