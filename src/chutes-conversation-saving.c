/* chutes-conversation-saving.c: saving a conversation as it happens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-conversation-private.h"

#define TITLE_LENGTH 60

/* Set on a message once its append has been queued: from then on saves
 * and deletes of it may be queued too (the history runs them in order). */
#define QUEUED_KEY "chutes-history-queued"

static gboolean
is_queued (ChutesMessage *message)
{
  return chutes_message_get_id (message) != 0 ||
         g_object_get_data (G_OBJECT (message), QUEUED_KEY) != NULL;
}

static void
log_failure (const char *what,
             GError     *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not %s in the history: %s", what, error->message);
}

#define DEFINE_DONE_CB(name, finish, what)                                   \
  static void                                                                \
  name (GObject      *object,                                                \
        GAsyncResult *result,                                                \
        gpointer      user_data)                                             \
  {                                                                          \
    g_autoptr(GError) error = NULL;                                          \
                                                                             \
    if (!finish (CHUTES_HISTORY (object), result, &error))                   \
      log_failure (what, error);                                             \
  }

DEFINE_DONE_CB (append_done_cb, chutes_history_append_message_finish, "save a message")
DEFINE_DONE_CB (delete_done_cb, chutes_history_delete_message_finish, "delete a message")
DEFINE_DONE_CB (delete_from_done_cb, chutes_history_delete_messages_from_finish, "delete messages")
DEFINE_DONE_CB (model_done_cb, chutes_history_set_model_finish, "save the model")
DEFINE_DONE_CB (settings_done_cb, chutes_history_set_settings_finish, "save the chat settings")

static void
queue_appends (ChutesConversation *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages), i);
      ChutesMessageStatus status;

      if (is_queued (message))
        continue;

      g_object_set_data (G_OBJECT (message), QUEUED_KEY, GINT_TO_POINTER (TRUE));
      chutes_history_append_message_async (self->history, self->id, message, NULL,
                                           append_done_cb, NULL);

      status = chutes_message_get_status (message);
      if (status == CHUTES_MESSAGE_STATUS_PENDING || status == CHUTES_MESSAGE_STATUS_STREAMING)
        chutes_history_track_message (self->history, message);
    }
}

static void
create_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChutesConversation) self = user_data;
  g_autoptr(ChutesChatSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  self->creating = FALSE;
  summary = chutes_history_create_conversation_finish (CHUTES_HISTORY (object), result, &error);
  if (summary == NULL)
    {
      g_warning ("Could not save the conversation: %s", error->message);
      return;
    }

  /* Cleared or switched meanwhile: the new row stays as it is. */
  if (self->id != 0 || g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0)
    return;

  chutes_conversation_set_id (self, chutes_chat_summary_get_id (summary));
  chutes_conversation_save_settings (self);
  queue_appends (self);
}

void
chutes_conversation_save_new_messages (ChutesConversation *self)
{
  g_autoptr(ChutesMessage) first = NULL;
  g_autofree char *title = NULL;

  if (self->history == NULL)
    return;

  if (self->id != 0)
    {
      queue_appends (self);
      return;
    }

  if (self->creating || g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0)
    return;

  first = g_list_model_get_item (G_LIST_MODEL (self->messages), 0);
  title = chutes_chat_summary_title_from_text (chutes_message_get_content (first), TITLE_LENGTH);

  self->creating = TRUE;
  chutes_history_create_conversation_async (self->history, title, self->model, NULL,
                                            create_cb, g_object_ref (self));
}

void
chutes_conversation_forget_from (ChutesConversation *self,
                                 ChutesMessage      *message)
{
  if (self->history != NULL && is_queued (message))
    chutes_history_delete_messages_from_async (self->history, message, NULL,
                                               delete_from_done_cb, NULL);
}

void
chutes_conversation_forget_message (ChutesConversation *self,
                                    ChutesMessage      *message)
{
  if (self->history != NULL && is_queued (message))
    chutes_history_delete_message_async (self->history, message, NULL,
                                         delete_done_cb, NULL);
}

void
chutes_conversation_save_model (ChutesConversation *self)
{
  if (self->history != NULL && self->id != 0 && self->model != NULL)
    chutes_history_set_model_async (self->history, self->id, self->model, NULL,
                                    model_done_cb, NULL);
}

void
chutes_conversation_save_settings (ChutesConversation *self)
{
  g_autoptr(ChutesChatSettings) settings = NULL;

  if (self->history == NULL || self->id == 0)
    return;

  settings = chutes_conversation_get_settings (self);
  chutes_history_set_settings_async (self->history, self->id, settings, NULL,
                                     settings_done_cb, NULL);
}

ChutesChatSettings *
chutes_conversation_get_settings (ChutesConversation *self)
{
  ChutesChatSettings *settings;

  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), NULL);

  settings = chutes_chat_settings_new ();
  settings->system_prompt = g_strdup (self->system_prompt);
  settings->temperature = self->temperature;
  settings->max_tokens = self->max_tokens;
  settings->thinking = self->thinking;

  return settings;
}

static void
apply_settings (ChutesConversation       *self,
                const ChutesChatSettings *settings)
{
  g_free (self->system_prompt);
  self->system_prompt = (settings->system_prompt && *settings->system_prompt)
                          ? g_strdup (settings->system_prompt) : NULL;
  self->temperature = settings->temperature;
  self->max_tokens = settings->max_tokens;

  if (self->thinking != settings->thinking)
    {
      self->thinking = settings->thinking;
      g_object_notify (G_OBJECT (self), "thinking");
    }

  g_object_notify (G_OBJECT (self), "settings");
}

void
chutes_conversation_set_settings (ChutesConversation       *self,
                                  const ChutesChatSettings *settings)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (settings != NULL);

  apply_settings (self, settings);
  chutes_conversation_save_settings (self);
}

void
chutes_conversation_set_history (ChutesConversation *self,
                                 ChutesHistory      *history)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (!history || CHUTES_IS_HISTORY (history));

  g_set_object (&self->history, history);
}

gint64
chutes_conversation_get_id (ChutesConversation *self)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), 0);

  return self->id;
}

void
chutes_conversation_set_id (ChutesConversation *self,
                            gint64              id)
{
  g_return_if_fail (CHUTES_IS_CONVERSATION (self));

  if (self->id == id)
    return;

  self->id = id;
  g_object_notify (G_OBJECT (self), "id");  /* the pspec lives in chutes-conversation.c */
}

static void
load_settings_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChutesConversation) self = user_data;
  g_autoptr(ChutesChatSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = chutes_history_get_settings_finish (CHUTES_HISTORY (object), result, &error);
  if (settings == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the chat settings: %s", error->message);
      return;
    }

  /* Not saved again: they came from the history. */
  apply_settings (self, settings);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesConversation *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) messages = NULL;
  GError *error = NULL;
  ChutesChatSummary *summary;

  messages = chutes_history_load_messages_finish (CHUTES_HISTORY (object), result, &error);
  if (messages == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_list_store_splice (self->messages, 0, 0, messages->pdata, messages->len);

  summary = chutes_history_lookup_conversation (self->history, self->id);
  if (summary != NULL && chutes_chat_summary_get_model (summary) != NULL)
    {
      /* Not saved again: it came from the history. */
      g_autofree char *model = g_strdup (chutes_chat_summary_get_model (summary));
      gint64 id = self->id;

      self->id = 0;
      chutes_conversation_set_model (self, model);
      self->id = id;
    }

  /* The settings follow; the messages are already shown. */
  chutes_history_get_settings_async (self->history, self->id, self->load_cancellable,
                                     load_settings_cb, g_object_ref (self));

  g_task_return_boolean (task, TRUE);
}

void
chutes_conversation_load_async (ChutesConversation  *self,
                                gint64               id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHUTES_IS_CONVERSATION (self));
  g_return_if_fail (self->history != NULL);
  g_return_if_fail (id > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_conversation_load_async);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();

  chutes_conversation_clear (self);
  chutes_conversation_set_id (self, id);

  chutes_history_load_messages_async (self->history, id, self->load_cancellable,
                                      load_cb, g_steal_pointer (&task));
}

gboolean
chutes_conversation_load_finish (ChutesConversation  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (CHUTES_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
