/* test-chat-page.c: a chat page built from its services alone, with no
 * application, chatting with the mock server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "chutes-chat-page.h"
#include "chutes-http.h"
#include "chutes-resources.h"
#include "chutes-test-mock.h"

#define MESSAGE "Hello from the page test <b>not bold</b>"
#define REPLY   "You said: \"" MESSAGE "\""

typedef struct
{
  ChutesTestMock *mock;
  ChutesConfig   *config;
  SoupSession    *session;
  ChutesAccount  *account;
  ChutesGateway  *gateway;
  ChutesHistory  *history;
  GSettings      *settings;
  char           *dir;

  gboolean        history_open;
} Fixture;

static void
history_open_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (chutes_history_open_finish (CHUTES_HISTORY (object), result, &error));
  g_assert_no_error (error);
  f->history_open = TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  /* user_data: replies that take a while to stream. */
  if (user_data != NULL)
    f->mock = chutes_test_mock_start ("--reply-words", "20", "--stream-delay-ms", "100",
                                      "--quiet", NULL);
  else
    f->mock = chutes_test_mock_start ("--reply-words", "0", "--quiet", NULL);
  f->config = chutes_test_mock_new_config (f->mock, NULL);
  f->session = chutes_http_session_new ();

  f->account = chutes_test_mock_new_signed_in_account (f->mock, f->session, f->config);

  f->gateway = chutes_gateway_new (f->session, f->config);

  f->dir = g_dir_make_tmp ("chutes-chat-page-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "history.sqlite", NULL);
  f->history = chutes_history_new (path);
  chutes_history_open_async (f->history, NULL, history_open_cb, f);
  chutes_test_wait_for (&f->history_open, 30);

  f->settings = g_settings_new_with_backend (BASE_APP_ID, backend);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  user_data)
{
  g_clear_object (&f->settings);
  g_clear_object (&f->history);
  g_clear_object (&f->gateway);
  g_clear_object (&f->account);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  chutes_test_remove_tree (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

/* The first visible widget of @type under @widget, depth first. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_visible (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gtk_widget_get_visible (child) ? find_widget (child, type) : NULL;

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Whether a visible label under @widget shows @text (as plain text). */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text)
{
  if (!gtk_widget_get_visible (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, text))
      return TRUE;

  return FALSE;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until_shown (GtkWidget  *widget,
                  const char *text)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (30, timed_out_cb, &timed_out);

  while (!shows_text (widget, text) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("“%s” was never shown", text);
  g_source_remove (id);
}

static void
model_cb (ChutesConversation *conversation,
          GParamSpec         *pspec,
          gboolean           *has_model)
{
  *has_model = chutes_conversation_get_model (conversation) != NULL;
}

/* A person types a message, sends it, and reads the reply: with only the
 * services a window would pass, and no application. */
static void
test_send_shows_reply (Fixture       *f,
                       gconstpointer  user_data)
{
  ChutesChatPage *page = chutes_chat_page_new (f->account, f->gateway, f->history, f->settings);
  ChutesConversation *conversation = chutes_chat_page_get_conversation (page);
  GtkWidget *window = gtk_window_new ();
  gboolean has_model = FALSE;
  g_autofree char *last_model = NULL;
  GtkTextView *composer;

  g_assert_null (g_application_get_default ());

  gtk_window_set_default_size (GTK_WINDOW (window), 600, 500);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  g_signal_connect (conversation, "notify::model", G_CALLBACK (model_cb), &has_model);
  gtk_window_present (GTK_WINDOW (window));

  /* Shown, it loads the models from the gateway and picks the first. */
  chutes_test_wait_for (&has_model, 30);
  last_model = g_settings_get_string (f->settings, "last-model");
  g_assert_cmpstr (last_model, ==, chutes_conversation_get_model (conversation));

  composer = GTK_TEXT_VIEW (find_widget (GTK_WIDGET (page), GTK_TYPE_TEXT_VIEW));
  g_assert_nonnull (composer);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (composer), MESSAGE, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "chat.send", NULL));

  /* Both as typed: the markup in them is text. */
  wait_until_shown (GTK_WIDGET (page), MESSAGE);
  wait_until_shown (GTK_WIDGET (page), REPLY);

  /* The models listed have prices: the reply and the chat show a cost. */
  wait_until_shown (GTK_WIDGET (page), " out · $");
  wait_until_shown (GTK_WIDGET (page), "Chat: $");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
busy_cb (ChutesConversation *conversation,
         GParamSpec         *pspec,
         gboolean           *idle)
{
  *idle = !chutes_conversation_get_busy (conversation);
}

static void
appended_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chutes_history_append_message_finish (CHUTES_HISTORY (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
send_text (ChutesChatPage *page,
           const char     *text)
{
  GtkTextView *composer = GTK_TEXT_VIEW (find_widget (GTK_WIDGET (page), GTK_TYPE_TEXT_VIEW));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (composer), text, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "chat.send", NULL));
}

/* Another process (--continue --ask) adds to the open chat while a reply
 * streams: the reply is not cut short, and once it is done the page shows
 * what was added. */
static void
test_reload_waits_for_the_reply (Fixture       *f,
                                 gconstpointer  user_data)
{
  ChutesChatPage *page = chutes_chat_page_new (f->account, f->gateway, f->history, f->settings);
  ChutesConversation *conversation = chutes_chat_page_get_conversation (page);
  GListModel *messages = chutes_conversation_get_messages (conversation);
  GtkWidget *window = gtk_window_new ();
  g_autoptr(ChutesMessage) added = NULL;
  g_autoptr(ChutesMessage) reply = NULL;
  gboolean has_model = FALSE;
  gboolean idle = FALSE;
  gboolean appended = FALSE;

  gtk_window_set_default_size (GTK_WINDOW (window), 600, 500);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  g_signal_connect (conversation, "notify::model", G_CALLBACK (model_cb), &has_model);
  g_signal_connect (conversation, "notify::busy", G_CALLBACK (busy_cb), &idle);
  gtk_window_present (GTK_WINDOW (window));
  chutes_test_wait_for (&has_model, 30);

  send_text (page, "first question");
  chutes_test_wait_for (&idle, 30);
  g_assert_cmpint (chutes_conversation_get_id (conversation), >, 0);

  idle = FALSE;
  send_text (page, "second question");
  g_assert_true (chutes_conversation_get_busy (conversation));

  /* The terminal's question lands in the history meanwhile. */
  added = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "question from the terminal");
  chutes_history_append_message_async (f->history, chutes_conversation_get_id (conversation),
                                       added, NULL, appended_cb, &appended);
  chutes_test_wait_for (&appended, 30);
  chutes_chat_page_reload (page);
  g_assert_true (chutes_conversation_get_busy (conversation));
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 4);

  chutes_test_wait_for (&idle, 30);
  wait_until_shown (GTK_WIDGET (page), "question from the terminal");
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 5);
  /* The reply that streamed meanwhile is whole. */
  reply = g_list_model_get_item (messages, 3);
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_COMPLETE);
  g_assert_nonnull (strstr (chutes_message_get_content (reply), "You said: \"second question"));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chutes_register_resource ();

  g_test_add ("/chat-page/no-application/send-shows-the-reply", Fixture, NULL,
              fixture_set_up, test_send_shows_reply, fixture_tear_down);

  g_test_add ("/chat-page/reload/waits-for-the-reply-then-shows-what-was-added", Fixture, "slow",
              fixture_set_up, test_reload_waits_for_the_reply, fixture_tear_down);

  return chutes_test_check_live_objects (g_test_run ());
}
