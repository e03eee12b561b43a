/* test-conversation.c: sending turns of a conversation as a signed-in person
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "chutes-chat-stream.h"
#include "chutes-conversation.h"
#include "chutes-history.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-test-mock.h"

#define MODEL "deepseek-ai/DeepSeek-V3-0324"

typedef struct
{
  ChutesTestMock     *mock;
  ChutesConfig       *config;
  SoupSession        *session;
  ChutesAccount      *account;
  ChutesGateway      *gateway;
  ChutesConversation *conversation;

  guint               busy_notifies;
} Fixture;

static void
on_busy (ChutesConversation *conversation,
         GParamSpec         *pspec,
         Fixture            *fixture)
{
  fixture->busy_notifies++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{

  fixture->mock = chutes_test_mock_start ("--reply-words", "0", NULL);
  fixture->config = chutes_test_mock_new_config (fixture->mock, NULL);
  fixture->session = chutes_http_session_new ();

  /* Signed in the real way: the flow, the browser (played here), the
   * keyring. */
  fixture->account = chutes_test_mock_new_signed_in_account (fixture->mock, fixture->session,
                                                             fixture->config);

  fixture->gateway = chutes_gateway_new (fixture->session, fixture->config);
  fixture->conversation = chutes_conversation_new (fixture->gateway, fixture->account);
  chutes_conversation_set_model (fixture->conversation, MODEL);
  g_signal_connect (fixture->conversation, "notify::busy", G_CALLBACK (on_busy), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_assert_false (chutes_conversation_get_busy (fixture->conversation));
  g_assert_finalize_object (fixture->conversation);
  g_clear_object (&fixture->gateway);
  g_clear_object (&fixture->account);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->config);
  g_clear_pointer (&fixture->mock, chutes_test_mock_free);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Send;

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Send *send = user_data;

  send->ok = chutes_conversation_send_finish (CHUTES_CONVERSATION (object), result, &send->error);
  send->done = TRUE;
}

static void
send_and_wait (Fixture      *fixture,
               const char   *text,
               GCancellable *cancellable,
               Send         *send)
{
  memset (send, 0, sizeof *send);
  chutes_conversation_send_async (fixture->conversation, text, NULL, cancellable, send_cb, send);
  g_assert_true (chutes_conversation_get_busy (fixture->conversation));
  chutes_test_wait_for (&send->done, 30);
  g_assert_false (chutes_conversation_get_busy (fixture->conversation));
}

static ChutesMessage *
get_message (Fixture *fixture,
             guint    position)
{
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  ChutesMessage *message = g_list_model_get_item (messages, position);

  g_assert_nonnull (message);
  g_object_unref (message);    /* the list keeps it */
  return message;
}

static char *
expected_reply (const char *said,
                guint       n_messages)
{
  return g_strdup_printf ("You said: \"%s\". This conversation has %u message%s so far.",
                          said, n_messages, n_messages == 1 ? "" : "s");
}

/* The statuses the newest assistant message goes through. */
typedef struct
{
  GArray        *statuses;
  ChutesMessage *message;
} StatusTrail;

static void
on_status (ChutesMessage *message,
           GParamSpec    *pspec,
           StatusTrail   *trail)
{
  ChutesMessageStatus status = chutes_message_get_status (message);

  g_array_append_val (trail->statuses, status);
}

static void
on_items_changed (GListModel  *model,
                  guint        position,
                  guint        removed,
                  guint        added,
                  StatusTrail *trail)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (model, i);
      ChutesMessageStatus status;

      if (chutes_message_get_role (message) != CHUTES_MESSAGE_ROLE_ASSISTANT)
        continue;

      g_array_set_size (trail->statuses, 0);
      trail->message = message;
      status = chutes_message_get_status (message);
      g_array_append_val (trail->statuses, status);
      g_signal_connect (message, "notify::status", G_CALLBACK (on_status), trail);
    }
}

static void
test_multi_turn (Fixture       *fixture,
                 gconstpointer  user_data)
{
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  g_autofree char *first = expected_reply ("First question", 1);
  g_autofree char *second = expected_reply ("Second question", 3);
  StatusTrail trail = { g_array_new (FALSE, FALSE, sizeof (ChutesMessageStatus)), NULL };
  ChutesMessage *reply;
  Send send;

  g_signal_connect (messages, "items-changed", G_CALLBACK (on_items_changed), &trail);
  g_assert_cmpint (g_list_model_get_n_items (messages), ==, 0);

  send_and_wait (fixture, "First question", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_true (send.ok);
  g_assert_cmpuint (fixture->busy_notifies, ==, 2);

  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);
  g_assert_cmpint (chutes_message_get_role (get_message (fixture, 0)), ==, CHUTES_MESSAGE_ROLE_USER);
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 0)), ==, "First question");

  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_role (reply), ==, CHUTES_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpstr (chutes_message_get_content (reply), ==, first);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_COMPLETE);
  g_assert_null (chutes_message_get_error (reply));
  g_assert_cmpstr (chutes_message_get_model (reply), ==, MODEL);
  g_assert_cmpint (chutes_message_get_prompt_tokens (reply), >, 0);
  g_assert_cmpint (chutes_message_get_completion_tokens (reply), >, 0);

  /* Pending until the first words, streaming, then complete. */
  g_assert_true (trail.message == reply);
  g_assert_cmpuint (trail.statuses->len, ==, 3);
  g_assert_cmpint (g_array_index (trail.statuses, ChutesMessageStatus, 0), ==, CHUTES_MESSAGE_STATUS_PENDING);
  g_assert_cmpint (g_array_index (trail.statuses, ChutesMessageStatus, 1), ==, CHUTES_MESSAGE_STATUS_STREAMING);
  g_assert_cmpint (g_array_index (trail.statuses, ChutesMessageStatus, 2), ==, CHUTES_MESSAGE_STATUS_COMPLETE);

  /* The second turn carries the first one: three messages reach the model. */
  send_and_wait (fixture, "Second question", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 4);
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 3)), ==, second);

  {
    gint64 quota_remaining = 0;

    g_object_get (fixture->conversation, "quota-remaining", &quota_remaining, NULL);
    g_assert_cmpint (quota_remaining, ==, 998);
  }

  g_signal_handlers_disconnect_by_data (messages, &trail);
  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    g_signal_handlers_disconnect_by_data (get_message (fixture, i), &trail);
  g_array_unref (trail.statuses);
}

static void
test_one_send_at_a_time (Fixture       *fixture,
                         gconstpointer  user_data)
{
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  Send first = { FALSE, };
  Send second = { FALSE, };

  chutes_conversation_send_async (fixture->conversation, "One", NULL, NULL, send_cb, &first);
  chutes_conversation_send_async (fixture->conversation, "Two", NULL, NULL, send_cb, &second);
  chutes_test_wait_for (&second.done, 10);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_false (first.done);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);

  chutes_test_wait_for (&first.done, 30);
  g_assert_no_error (first.error);
  g_clear_error (&second.error);
}

static void
stop_after_some_text (ChutesMessage      *message,
                      GParamSpec         *pspec,
                      ChutesConversation *conversation)
{
  if (strlen (chutes_message_get_content (message)) > 20 &&
      chutes_conversation_get_busy (conversation))
    chutes_conversation_stop (conversation);
}

static void
watch_reply_for_stop (GListModel         *model,
                      guint               position,
                      guint               removed,
                      guint               added,
                      ChutesConversation *conversation)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (model, i);

      if (chutes_message_get_role (message) == CHUTES_MESSAGE_ROLE_ASSISTANT)
        g_signal_connect_object (message, "notify::content",
                                 G_CALLBACK (stop_after_some_text), conversation, 0);
    }
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_stop_keeps_partial_text (Fixture       *fixture,
                              gconstpointer  user_data)
{
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  g_autofree char *content = NULL;
  gboolean waited = FALSE;
  ChutesMessage *reply;
  Send send;

  /* A long, slow reply, stopped once some of it is there. */
  chutes_test_mock_control (fixture->mock, "reply-words", "60", "stream-delay-ms", "40", NULL);
  g_signal_connect_object (messages, "items-changed",
                           G_CALLBACK (watch_reply_for_stop), fixture->conversation, 0);

  send_and_wait (fixture, "Tell me everything", NULL, &send);

  /* Stopping is not an error. */
  g_assert_no_error (send.error);
  g_assert_true (send.ok);

  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_STOPPED);
  g_assert_null (chutes_message_get_error (reply));
  content = g_strdup (chutes_message_get_content (reply));
  g_assert_true (g_str_has_prefix (content, "You said: \"Tell me everything\"."));
  g_assert_cmpuint (strlen (content), <, 100);

  /* Nothing is added after the stop. */
  g_timeout_add (300, set_flag_cb, &waited);
  chutes_test_wait_for (&waited, 5);
  g_assert_cmpstr (chutes_message_get_content (reply), ==, content);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_STOPPED);

  g_signal_handlers_disconnect_by_data (messages, fixture->conversation);
}

static void
test_failure_keeps_partial_text (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autofree char *next = expected_reply ("Try again", 2);
  ChutesMessage *reply;
  Send send;

  chutes_test_mock_control (fixture->mock, "fail", "chat-midstream-error", "count", "1", NULL);
  send_and_wait (fixture, "Break please", NULL, &send);

  g_assert_false (send.ok);
  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_STREAM);

  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_error (reply), ==, send.error->message);
  g_assert_true (g_str_has_prefix (chutes_message_get_content (reply), "You said: "));
  g_clear_error (&send.error);

  /* The failed reply is not sent back to the model: two user messages. */
  send_and_wait (fixture, "Try again", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 3)), ==, next);
  /* The failed one stays as it was. */
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
}

static void
test_http_failure_is_shown (Fixture       *fixture,
                            gconstpointer  user_data)
{
  ChutesMessage *reply;
  Send send;

  chutes_test_mock_control (fixture->mock, "fail", "chat-402", "count", "1", NULL);
  send_and_wait (fixture, "Anything", NULL, &send);

  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_PAYMENT_REQUIRED);
  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_content (reply), ==, "");
  g_assert_nonnull (strstr (chutes_message_get_error (reply), "Quota exceeded"));
  g_clear_error (&send.error);
}

static void
test_refresh_once_on_401 (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree char *expected = expected_reply ("After a refresh", 1);
  gint64 refreshes = chutes_test_mock_get_stat (fixture->mock, "token_refreshes");
  gint64 requests = chutes_test_mock_get_stat (fixture->mock, "chat_requests");
  ChutesMessage *reply;
  Send send;

  chutes_test_mock_control (fixture->mock, "fail", "chat-401", "count", "1", NULL);
  send_and_wait (fixture, "After a refresh", NULL, &send);

  g_assert_no_error (send.error);
  g_assert_true (send.ok);
  reply = get_message (fixture, 1);
  g_assert_cmpstr (chutes_message_get_content (reply), ==, expected);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_COMPLETE);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "token_refreshes"), ==, refreshes + 1);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_requests"), ==, requests + 2);
  g_assert_cmpint (chutes_account_get_state (fixture->account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
}

static void
test_second_401_fails (Fixture       *fixture,
                       gconstpointer  user_data)
{
  gint64 refreshes = chutes_test_mock_get_stat (fixture->mock, "token_refreshes");
  gint64 requests = chutes_test_mock_get_stat (fixture->mock, "chat_requests");
  ChutesMessage *reply;
  Send send;

  chutes_test_mock_control (fixture->mock, "fail", "chat-401", "count", "2", NULL);
  send_and_wait (fixture, "Refused twice", NULL, &send);

  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED);
  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_error (reply), ==, send.error->message);
  /* Exactly one refresh and one retry, no loop. */
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "token_refreshes"), ==, refreshes + 1);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_requests"), ==, requests + 2);
  g_clear_error (&send.error);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_caller_cancel (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Send send;

  chutes_test_mock_control (fixture->mock, "fail", "chat-stall", "count", "1", NULL);
  g_timeout_add (300, cancel_cb, cancellable);
  send_and_wait (fixture, "Never mind", cancellable, &send);

  g_assert_error (send.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (chutes_message_get_status (get_message (fixture, 1)), ==,
                   CHUTES_MESSAGE_STATUS_STOPPED);
  g_clear_error (&send.error);
}

static void
history_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

static ChutesHistory *
open_history (const char *path)
{
  ChutesHistory *history = chutes_history_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  chutes_history_open_async (history, NULL, history_cb, &result);
  g_assert_true (chutes_history_open_finish (history, wait_for_result (&result), &error));
  g_assert_no_error (error);

  return history;
}

/* A reply past the limit stops there: what came is shown with the
 * sentence that says it was cut, and saved so, as it grew and at the end. */
static void
test_huge_reply_is_cut_and_saved (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autofree char *dir = g_dir_make_tmp ("chutes-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(ChutesHistory) history = open_history (path);
  g_autoptr(GPtrArray) saved = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  ChutesMessage *reply;
  gint64 id;
  Send send;

  chutes_conversation_set_history (fixture->conversation, history);
  chutes_test_mock_control (fixture->mock, "huge-bytes", "30000000", "huge-shape", "words", NULL);
  send_and_wait (fixture, "Go on forever", NULL, &send);

  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_STREAM);
  g_assert_true (g_str_has_prefix (send.error->message, "The reply was cut at 2 MB;"));
  reply = get_message (fixture, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_error (reply), ==, send.error->message);
  g_assert_cmpuint (strlen (chutes_message_get_content (reply)), ==, CHUTES_CHAT_STREAM_MAX_REPLY);
  content = g_strdup (chutes_message_get_content (reply));
  id = chutes_conversation_get_id (fixture->conversation);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams_completed"), ==, 0);

  /* Saved as shown: read back from a history opened anew. */
  chutes_conversation_set_history (fixture->conversation, NULL);
  chutes_history_close (history);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&history);
  history = open_history (path);
  chutes_history_load_messages_async (history, id, NULL, history_cb, &result);
  saved = chutes_history_load_messages_finish (history, wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (saved->len, ==, 2);
  reply = g_ptr_array_index (saved, 1);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_FAILED);
  g_assert_cmpstr (chutes_message_get_error (reply), ==, send.error->message);
  g_assert_cmpstr (chutes_message_get_content (reply), ==, content);
  g_clear_error (&send.error);

  chutes_history_close (history);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_clear (Fixture       *fixture,
            gconstpointer  user_data)
{
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  g_autofree char *expected = expected_reply ("Fresh start", 1);
  Send send;

  send_and_wait (fixture, "Something", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);

  chutes_conversation_clear (fixture->conversation);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 0);

  /* The model sees only what came after. */
  send_and_wait (fixture, "Fresh start", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 1)), ==, expected);
}

static void
models_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GListModel **models = user_data;
  g_autoptr(GError) error = NULL;

  *models = chutes_gateway_list_models_finish (CHUTES_GATEWAY (object), result, &error);
  g_assert_no_error (error);
}

static GListModel *
list_models (Fixture *fixture)
{
  GListModel *models = NULL;

  chutes_gateway_list_models_async (fixture->gateway, NULL, models_cb, &models);
  while (models == NULL)
    g_main_context_iteration (NULL, TRUE);

  return models;
}

/* The mock's prices for MODEL, USD per million tokens. */
#define INPUT_PRICE      0.25
#define OUTPUT_PRICE     1.0
#define CACHE_READ_PRICE 0.125

static double
expected_cost (ChutesMessage *reply)
{
  gint64 prompt = chutes_message_get_prompt_tokens (reply);
  gint64 cached = MAX (chutes_message_get_cached_tokens (reply), 0);
  gint64 completion = chutes_message_get_completion_tokens (reply);

  return ((prompt - cached) * INPUT_PRICE + cached * CACHE_READ_PRICE +
          completion * OUTPUT_PRICE) / 1e6;
}

static void
test_cost_of_replies (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GListModel) models = list_models (fixture);
  g_autoptr(GListStore) dearer = g_list_store_new (CHUTES_TYPE_MODEL_INFO);
  g_autoptr(JsonNode) node = json_from_string ("{\"id\": \"" MODEL "\","
                                               " \"pricing\": {\"prompt\": 100, \"completion\": 100}}",
                                               NULL);
  g_autoptr(ChutesModelInfo) dear = chutes_model_info_new_from_json (json_node_get_object (node), NULL);
  ChutesMessage *first;
  ChutesMessage *second;
  Send send;

  /* Without a models list there is no price, so no cost. */
  send_and_wait (fixture, "Before prices", NULL, &send);
  g_assert_no_error (send.error);
  g_assert_cmpfloat (chutes_message_get_cost (get_message (fixture, 1)), <, 0);
  g_assert_cmpfloat (chutes_conversation_get_cost (fixture->conversation), <, 0);
  chutes_conversation_clear (fixture->conversation);

  chutes_conversation_set_models (fixture->conversation, models);
  send_and_wait (fixture, "First question", NULL, &send);
  g_assert_no_error (send.error);
  first = get_message (fixture, 1);
  /* Nothing was cached for the first message. */
  g_assert_cmpint (chutes_message_get_cached_tokens (first), ==, 0);
  g_assert_cmpfloat (chutes_message_get_cost (first), >, 0);
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (first), expected_cost (first), 1e-15);

  /* The second turn re-reads the first, which the gateway had cached. */
  send_and_wait (fixture, "Second question", NULL, &send);
  g_assert_no_error (send.error);
  second = get_message (fixture, 3);
  g_assert_cmpint (chutes_message_get_cached_tokens (second), >, 0);
  g_assert_cmpint (chutes_message_get_cached_tokens (second), <, chutes_message_get_prompt_tokens (second));
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (second), expected_cost (second), 1e-15);

  g_assert_cmpfloat_with_epsilon (chutes_conversation_get_cost (fixture->conversation),
                                  expected_cost (first) + expected_cost (second), 1e-15);

  /* New prices apply to new replies only. */
  g_list_store_append (dearer, dear);
  chutes_conversation_set_models (fixture->conversation, G_LIST_MODEL (dearer));
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (first), expected_cost (first), 1e-15);
}

static void
test_thinking_offered (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GListModel) models = list_models (fixture);

  /* Before the list is known, and for a model whose entry does not say,
   * thinking stays offered. */
  chutes_conversation_set_model (fixture->conversation, "unsloth/gemma-3-27b-it");
  g_assert_true (chutes_conversation_offers_thinking (fixture->conversation));

  chutes_conversation_set_models (fixture->conversation, models);
  g_assert_false (chutes_conversation_offers_thinking (fixture->conversation));
  chutes_conversation_set_model (fixture->conversation, "deepseek-ai/DeepSeek-R1-0528-TEE");
  g_assert_true (chutes_conversation_offers_thinking (fixture->conversation));
  chutes_conversation_set_model (fixture->conversation, MODEL);
  g_assert_true (chutes_conversation_offers_thinking (fixture->conversation));
}

#define VISION_MODEL "unsloth/gemma-3-27b-it"
#define TEXT_MODEL   "Qwen/Qwen3-235B-A22B"

/* A real 64x48 PNG, as chutes_attachment_new_from_*() would give. */
static ChutesAttachment *
png_attachment (const char *name)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  char *buffer;
  gsize size;

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, NULL);
  g_assert_no_error (error);
  bytes = g_bytes_new_take (buffer, size);
  return chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, name, "image/png", bytes, 64, 48);
}

static ChutesAttachment *
text_attachment (const char *name,
                 const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT, name, "text/plain", bytes, 0, 0);
}

/* The content parts of the first user message of the last request. */
static JsonArray *
last_chat_parts (Fixture *fixture,
                 guint    position)
{
  g_autoptr(JsonObject) body = chutes_test_mock_get_last_chat (fixture->mock);
  JsonArray *messages = json_object_get_array_member (body, "messages");
  JsonObject *message = json_array_get_object_element (messages, position);

  g_assert_cmpstr (json_object_get_string_member (message, "role"), ==, "user");
  return json_array_ref (json_object_get_array_member (message, "content"));
}

static void
send_with_attachments (Fixture    *fixture,
                       const char *text,
                       GListModel *attachments,
                       Send       *send)
{
  memset (send, 0, sizeof *send);
  chutes_conversation_send_async (fixture->conversation, text, attachments, NULL, send_cb, send);
  chutes_test_wait_for (&send->done, 30);
  g_assert_false (chutes_conversation_get_busy (fixture->conversation));
}

static void
regenerate_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Send *send = user_data;

  send->ok = chutes_conversation_turn_finish (CHUTES_CONVERSATION (object), result, &send->error);
  send->done = TRUE;
}

static void
test_attachments_sent_and_resent (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GListModel) models = list_models (fixture);
  g_autoptr(GListStore) attachments = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(ChutesAttachment) image = png_attachment ("chart.png");
  g_autoptr(ChutesAttachment) notes = text_attachment ("notes.md", "# Q3\nUp 4%\n");
  g_autoptr(JsonArray) parts = NULL;
  g_autoptr(JsonArray) again = NULL;
  g_autofree char *data_uri = chutes_attachment_dup_data_uri (image);
  g_autofree char *dir = g_dir_make_tmp ("chutes-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(ChutesHistory) history = chutes_test_open_history (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) saved = NULL;
  g_autoptr(GError) error = NULL;
  ChutesMessage *question;
  Send send;

  chutes_conversation_set_models (fixture->conversation, models);
  chutes_conversation_set_model (fixture->conversation, VISION_MODEL);
  chutes_conversation_set_history (fixture->conversation, history);
  g_list_store_append (attachments, image);
  g_list_store_append (attachments, notes);

  send_with_attachments (fixture, "What does it show?", G_LIST_MODEL (attachments), &send);
  g_assert_no_error (send.error);

  /* What the gateway received: one text part, then the image. */
  parts = last_chat_parts (fixture, 0);
  g_assert_cmpuint (json_array_get_length (parts), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (parts, 0), "text"),
                   ==, "What does it show?\n\nnotes.md\n```\n# Q3\nUp 4%\n```");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_array_get_object_element (parts, 1),
                                                    "image_url"), "url"), ==, data_uri);
  /* And the gateway saw a 64x48 PNG. */
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 1)), ==,
                   "You said: \"What does it show?\n\nnotes.md\n```\n# Q3\nUp 4%\n```\" with 1 image "
                   "(64x48 image/png). This conversation has 1 message so far.");

  question = get_message (fixture, 0);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (question)), ==, 2);

  /* Regenerating sends the same message, attachments and all. */
  memset (&send, 0, sizeof send);
  chutes_conversation_regenerate_async (fixture->conversation, NULL, NULL, regenerate_cb, &send);
  chutes_test_wait_for (&send.done, 30);
  g_assert_no_error (send.error);
  again = last_chat_parts (fixture, 0);
  g_assert_true (json_node_equal (json_array_get_element (parts, 1), json_array_get_element (again, 1)));
  g_assert_cmpuint (json_array_get_length (again), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_conversation_get_messages (fixture->conversation)), ==, 2);

  /* Editing the question replaces its attachments too. */
  g_list_store_remove (attachments, 0);
  memset (&send, 0, sizeof send);
  chutes_conversation_edit_async (fixture->conversation, get_message (fixture, 0), "Only the notes",
                                  G_LIST_MODEL (attachments), NULL, regenerate_cb, &send);
  chutes_test_wait_for (&send.done, 30);
  g_assert_no_error (send.error);
  {
    g_autoptr(JsonArray) edited = last_chat_parts (fixture, 0);

    g_assert_cmpuint (json_array_get_length (edited), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (edited, 0), "text"),
                     ==, "Only the notes\n\nnotes.md\n```\n# Q3\nUp 4%\n```");
  }

  /* Saved with the conversation: read back from a history opened anew. */
  chutes_conversation_set_history (fixture->conversation, NULL);
  chutes_history_close (history);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&history);
  history = chutes_test_open_history (path);
  chutes_history_load_messages_async (history, chutes_conversation_get_id (fixture->conversation),
                                      NULL, history_cb, &result);
  saved = chutes_history_load_messages_finish (history, wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (saved->len, ==, 2);
  {
    GListModel *kept = chutes_message_get_attachments (g_ptr_array_index (saved, 0));
    g_autoptr(ChutesAttachment) first = g_list_model_get_item (kept, 0);

    g_assert_cmpuint (g_list_model_get_n_items (kept), ==, 1);
    g_assert_true (g_bytes_equal (chutes_attachment_get_bytes (first), chutes_attachment_get_bytes (notes)));
  }
  /* The image went with the question it was attached to; the notes stay. */
  {
    const char *hash = chutes_attachment_get_hash (image);
    char prefix[3] = { hash[0], hash[1], '\0' };
    g_autofree char *image_file = g_build_filename (dir, "attachments", prefix, hash, NULL);
    g_autofree char *files = g_build_filename (dir, "attachments", NULL);

    g_assert_false (g_file_test (image_file, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (files, G_FILE_TEST_IS_DIR));
  }
  g_clear_object (&result);   /* it holds the history */
  chutes_test_close_history (&history);
  chutes_test_remove_tree (dir);
}

static void
test_attachments_refused_lose_nothing (Fixture       *fixture,
                                       gconstpointer  user_data)
{
  g_autoptr(GListModel) models = list_models (fixture);
  g_autoptr(GListStore) attachments = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(ChutesAttachment) image = png_attachment ("cat.png");
  GListModel *messages = chutes_conversation_get_messages (fixture->conversation);
  gint64 requests;
  Send send;

  g_list_store_append (attachments, image);
  chutes_conversation_set_models (fixture->conversation, models);
  chutes_conversation_set_model (fixture->conversation, TEXT_MODEL);

  send_and_wait (fixture, "Hello", NULL, &send);
  g_assert_no_error (send.error);
  requests = chutes_test_mock_get_stat (fixture->mock, "chat_requests");

  /* The models list says this one reads text only: refused here, before
   * a request, and the conversation is as it was. */
  send_with_attachments (fixture, "What is this?", G_LIST_MODEL (attachments), &send);
  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_assert_nonnull (strstr (send.error->message, TEXT_MODEL " takes text only"));
  g_clear_error (&send.error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_requests"), ==, requests);
  /* The caller's list is untouched, for the composer to keep. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (attachments)), ==, 1);

  /* Editing refuses the same way, and keeps the question it would replace. */
  memset (&send, 0, sizeof send);
  chutes_conversation_edit_async (fixture->conversation, get_message (fixture, 0), "This?",
                                  G_LIST_MODEL (attachments), NULL, regenerate_cb, &send);
  chutes_test_wait_for (&send.done, 30);
  g_assert_error (send.error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_clear_error (&send.error);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);
  g_assert_cmpstr (chutes_message_get_content (get_message (fixture, 0)), ==, "Hello");

  /* A model the list says nothing about is let through; its gateway
   * refuses, and says so on the reply. */
  chutes_conversation_set_model (fixture->conversation, MODEL);
  send_with_attachments (fixture, "And this?", G_LIST_MODEL (attachments), &send);
  g_assert_nonnull (send.error);
  g_assert_nonnull (strstr (send.error->message, "does not support image input"));
  g_assert_cmpint (chutes_message_get_status (get_message (fixture, 3)), ==,
                   CHUTES_MESSAGE_STATUS_FAILED);
  g_clear_error (&send.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/conversation/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("multi-turn-sends-the-whole-conversation", test_multi_turn);
  ADD ("second-send-while-busy-is-refused", test_one_send_at_a_time);
  ADD ("stop-keeps-partial-text", test_stop_keeps_partial_text);
  ADD ("failure-keeps-partial-text-and-error", test_failure_keeps_partial_text);
  ADD ("http-failure-is-shown-on-the-reply", test_http_failure_is_shown);
  ADD ("expired-token-is-refreshed-once", test_refresh_once_on_401);
  ADD ("second-401-fails-without-looping", test_second_401_fails);
  ADD ("caller-cancel-stops-the-reply", test_caller_cancel);
  ADD ("clear-starts-afresh", test_clear);
  ADD ("huge-reply-is-cut-shown-and-saved", test_huge_reply_is_cut_and_saved);
  ADD ("each-reply-costs-its-usage-at-the-prices-it-was-sent-at", test_cost_of_replies);
  ADD ("thinking-offered-unless-the-model-list-says-no", test_thinking_offered);
  ADD ("attachments-sent-resent-edited-and-saved", test_attachments_sent_and_resent);
  ADD ("attachments-a-model-cannot-take-lose-nothing", test_attachments_refused_lose_nothing);

#undef ADD

  return g_test_run ();
}
