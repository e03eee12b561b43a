/* chutes-ask.c: `chutes-desktop --ask`, one question from the terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A one-shot client built from the same services as the app (configuration
 * from the environment and GSettings, the keyring's session, the gateway,
 * the history) and no GTK: it restores the session, streams one reply to
 * standard output, saves the conversation in the history and tells a
 * running window that the history changed. Refreshes of the shared session
 * are serialized with the window's across processes (chutes-refresh-lock.c).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "chutes-account.h"
#include "chutes-accounts.h"
#include "chutes-ask.h"
#include "chutes-conversation.h"
#include "chutes-error.h"
#include "chutes-gateway.h"
#include "chutes-history.h"
#include "chutes-http.h"
#include "chutes-model-info.h"
#include "chutes-tokens.h"

/* How long a window that is running gets to hear about the new chat. */
#define NOTIFY_TIMEOUT_MS 2000

static const GOptionEntry ask_entries[] = {
  { "ask", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Ask a question, print the reply and exit (text piped in is added; “-” for that text alone)"),
    N_("TEXT") },
  { "model", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("With --ask: the model to ask"), N_("NAME") },
  { "continue", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("With --ask: continue the newest conversation"), NULL },
  { "list-models", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("List the models with their prices and context length, and exit"), NULL },
  { NULL }
};

void
chutes_ask_add_options (GApplication *application)
{
  g_return_if_fail (G_IS_APPLICATION (application));

  g_application_add_main_option_entries (application, ask_entries);
}

const char *
chutes_ask_get_help (void)
{
  return _("Exit status of --ask and --list-models:\n"
           "  0    the reply was printed\n"
           "  1    the command line could not be understood\n"
           "  2    usage error: options that do not go together, nothing to ask, unknown model\n"
           "  3    not signed in: open Chutes and sign in\n"
           "  4    Chutes could not be reached\n"
           "  5    Chutes answered with an error\n"
           "  6    quota used up, or too many requests\n"
           "  130  interrupted (Ctrl+C); what arrived is printed and saved");
}

typedef struct
{
  GMainLoop          *loop;
  GCancellable       *cancellable;
  int                 status;
  gboolean            interrupted;

  /* What was asked for. */
  char               *prompt;
  char               *model;
  gboolean            continue_newest;
  gboolean            list_models;

  /* The terminal. */
  gboolean            stdout_is_tty;
  gboolean            show_reasoning;

  GSettings          *settings;
  SoupSession        *session;
  ChutesConfig       *config;
  ChutesIdpClient    *idp;
  ChutesTokenStore   *store;     /* the shared client secret */
  ChutesAccounts     *accounts;
  ChutesAccount      *account;   /* the active one, once restored */
  ChutesGateway      *gateway;
  ChutesHistory      *history;
  GListModel         *models;
  ChutesConversation *conversation;

  ChutesMessage      *reply;
  gsize               content_printed;
  gsize               reasoning_printed;
  gboolean            reasoning_open;
  gboolean            ends_with_newline;
  gboolean            printed_any;
  gboolean            sent;
} Ask;

static gboolean
drain_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Drops the account, then lets what it still has in flight (the tokens
 * still to be revoked, which restoring reads from the keyring) finish
 * before the process goes: bounded in time. */
static void
drain_account (ChutesAccount **account)
{
  gpointer weak = *account;
  gboolean timed_out = FALSE;
  guint timeout;

  if (weak == NULL)
    return;

  g_object_add_weak_pointer (G_OBJECT (weak), &weak);
  g_clear_object (account);
  if (weak == NULL)
    return;

  timeout = g_timeout_add_seconds (5, drain_timeout_cb, &timed_out);
  while (weak != NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (weak != NULL)
    g_object_remove_weak_pointer (G_OBJECT (weak), &weak);
  if (!timed_out)
    g_source_remove (timeout);
}

static void
ask_clear (Ask *ask)
{
  if (ask->reply != NULL)
    g_signal_handlers_disconnect_by_data (ask->reply, ask);
  g_clear_object (&ask->reply);
  g_clear_object (&ask->conversation);
  g_clear_object (&ask->models);
  if (ask->history != NULL)
    chutes_history_close (ask->history);
  g_clear_object (&ask->history);
  g_clear_object (&ask->gateway);
  g_clear_object (&ask->accounts);
  drain_account (&ask->account);
  g_clear_object (&ask->store);
  g_clear_object (&ask->idp);
  g_clear_object (&ask->config);
  g_clear_object (&ask->session);
  g_clear_object (&ask->settings);
  g_clear_object (&ask->cancellable);
  g_clear_pointer (&ask->loop, g_main_loop_unref);
  g_clear_pointer (&ask->prompt, g_free);
  g_clear_pointer (&ask->model, g_free);
}

/* Output --------------------------------------------------------------- */

/* Text from the network written to a terminal: its control characters
 * (escape sequences could move the cursor or retitle the window) become
 * U+FFFD; newlines and tabs stay. Elsewhere it is written as it came. */
static void
write_text (FILE       *stream,
            const char *text,
            gsize       length,
            gboolean    to_terminal)
{
  if (!to_terminal)
    {
      fwrite (text, 1, length, stream);
      return;
    }

  for (const char *p = text; p < text + length; p++)
    {
      guchar c = (guchar) *p;

      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        fputs ("\357\277\275", stream);
      else
        fputc (c, stream);
    }
}

/* One sentence on stderr. */
static void
say (const char *message)
{
  fflush (stdout);
  write_text (stderr, message, strlen (message), isatty (STDERR_FILENO));
  fputc ('\n', stderr);
  fflush (stderr);
}

static void
ask_finish (Ask *ask,
            int  status)
{
  ask->status = status;
  g_main_loop_quit (ask->loop);
}

static void
ask_fail (Ask        *ask,
          int         status,
          const char *message)
{
  say (message);
  ask_finish (ask, status);
}

static int
status_for_error (const GError *error)
{
  if (error->domain != CHUTES_ERROR)
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           ? CHUTES_ASK_EXIT_INTERRUPTED : CHUTES_ASK_EXIT_SERVER;

  switch ((ChutesError) error->code)
    {
    case CHUTES_ERROR_NETWORK:
      return CHUTES_ASK_EXIT_NETWORK;

    case CHUTES_ERROR_PAYMENT_REQUIRED:
    case CHUTES_ERROR_RATE_LIMITED:
      return CHUTES_ASK_EXIT_QUOTA;

    case CHUTES_ERROR_UNAUTHORIZED:
    case CHUTES_ERROR_INVALID_GRANT:
      return CHUTES_ASK_EXIT_NOT_SIGNED_IN;

    case CHUTES_ERROR_FAILED:
    case CHUTES_ERROR_CONFIG:
    case CHUTES_ERROR_PORT_BUSY:
    case CHUTES_ERROR_TIMED_OUT:
    case CHUTES_ERROR_ACCESS_DENIED:
    case CHUTES_ERROR_INVALID_SCOPE:
    case CHUTES_ERROR_OAUTH:
    case CHUTES_ERROR_INVALID_CLIENT:
    case CHUTES_ERROR_FORBIDDEN:
    case CHUTES_ERROR_NOT_FOUND:
    case CHUTES_ERROR_CONFLICT:
    case CHUTES_ERROR_TEE_REQUIRED:
    case CHUTES_ERROR_UNAVAILABLE:
    case CHUTES_ERROR_SERVER:
    case CHUTES_ERROR_PROTOCOL:
    case CHUTES_ERROR_STREAM:
    case CHUTES_ERROR_KEYRING_UNAVAILABLE:
    case CHUTES_ERROR_KEYRING_LOCKED:
    default:
      return CHUTES_ASK_EXIT_SERVER;
    }
}

static void
ask_fail_with_error (Ask          *ask,
                     const GError *error)
{
  int status = status_for_error (error);

  if (status == CHUTES_ASK_EXIT_INTERRUPTED)
    ask_finish (ask, status);
  else if (status == CHUTES_ASK_EXIT_NOT_SIGNED_IN)
    ask_fail (ask, status, _("Not signed in. Open Chutes and sign in, then try again."));
  else
    ask_fail (ask, status, error->message);
}

/* --list-models ------------------------------------------------------------ */

static char *
format_price (double usd_per_million)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (usd_per_million < 0)
    return g_strdup ("-");

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.4f", usd_per_million));
}

static char *
format_capabilities (ChutesModelInfo *info)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  if (chutes_model_info_accepts_images (info))
    g_ptr_array_add (words, (char *) "vision");
  if (chutes_model_info_supports_reasoning (info))
    g_ptr_array_add (words, (char *) "reasoning");
  if (chutes_model_info_supports_tools (info))
    g_ptr_array_add (words, (char *) "tools");
  if (chutes_model_info_get_confidential (info))
    g_ptr_array_add (words, (char *) "confidential");
  g_ptr_array_add (words, NULL);

  return g_strjoinv (",", (char **) words->pdata);
}

/* Aligned columns with a heading on a terminal; one model a line of
 * tab-separated fields (id, input and output USD per million tokens,
 * context length, capabilities) otherwise. */
static void
print_models (Ask *ask)
{
  guint n = g_list_model_get_n_items (ask->models);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  int widths[5] = { 0 };
  const char *heading[5] = { "MODEL", "INPUT $/M", "OUTPUT $/M", "CONTEXT", "CAPABILITIES" };

  if (ask->stdout_is_tty)
    g_ptr_array_add (rows, g_strdupv ((char **) (const char *[]) {
      heading[0], heading[1], heading[2], heading[3], heading[4], NULL }));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesModelInfo) info = g_list_model_get_item (ask->models, i);
      gint64 context = chutes_model_info_get_context_length (info);
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (chutes_model_info_get_id (info));
      row[1] = format_price (chutes_model_info_get_prompt_price (info));
      row[2] = format_price (chutes_model_info_get_completion_price (info));
      row[3] = context > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, context) : g_strdup ("-");
      row[4] = format_capabilities (info);
      g_ptr_array_add (rows, row);
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      for (guint c = 0; c < 5; c++)
        widths[c] = MAX (widths[c], (int) g_utf8_strlen (row[c], -1));
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < 5; c++)
        {
          if (!ask->stdout_is_tty)
            g_string_append_printf (line, c < 4 ? "%s\t" : "%s", row[c]);
          else if (c == 4)
            g_string_append (line, row[c]);
          else
            {
              int pad = widths[c] - (int) g_utf8_strlen (row[c], -1);

              /* Names left, numbers right. */
              if (c == 0)
                g_string_append (line, row[c]);
              g_string_append_printf (line, "%*s", pad, "");
              if (c != 0)
                g_string_append (line, row[c]);
              g_string_append (line, "  ");
            }
        }

      g_string_append_c (line, '\n');
      write_text (stdout, line->str, line->len, ask->stdout_is_tty);
    }

  fflush (stdout);
}

/* The reply, as it streams --------------------------------------------------- */

static void
reasoning_close (Ask *ask)
{
  if (!ask->reasoning_open)
    return;

  fputs ("\033[0m\n", stderr);
  fflush (stderr);
  ask->reasoning_open = FALSE;
}

/* The length of @text, which only grows while the reply streams and of
 * which @printed bytes were printed: only the new part is measured, so a
 * long reply costs no more per delta than a short one. */
static gsize
grown_length (const char *text,
              gsize       printed)
{
  if (text == NULL)
    return 0;

  return printed + strlen (text + printed);
}

static void
reply_reasoning_cb (Ask *ask)
{
  const char *reasoning = chutes_message_get_reasoning (ask->reply);
  gsize length;

  if (!ask->show_reasoning || ask->printed_any)
    return;

  length = grown_length (reasoning, ask->reasoning_printed);
  if (length <= ask->reasoning_printed)
    return;

  if (!ask->reasoning_open)
    {
      fputs ("\033[2m", stderr);
      ask->reasoning_open = TRUE;
    }
  write_text (stderr, reasoning + ask->reasoning_printed, length - ask->reasoning_printed, TRUE);
  fflush (stderr);
  ask->reasoning_printed = length;
}

static void
reply_content_cb (Ask *ask)
{
  const char *content = chutes_message_get_content (ask->reply);
  gsize length = grown_length (content, ask->content_printed);

  if (length <= ask->content_printed)
    return;

  reasoning_close (ask);

  write_text (stdout, content + ask->content_printed, length - ask->content_printed,
              ask->stdout_is_tty);
  fflush (stdout);
  ask->content_printed = length;
  ask->printed_any = TRUE;
  ask->ends_with_newline = content[length - 1] == '\n';
}

/* Writing what the history still has to write, and telling the window. */

static void
wait_for_id_cb (Ask *ask)
{
  g_main_loop_quit (ask->loop);
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  Ask *ask = user_data;

  g_main_loop_quit (ask->loop);
  return G_SOURCE_REMOVE;
}

static void
ask_save (Ask *ask)
{
  if (ask->history == NULL)
    return;

  /* The first question creates the conversation in the history, and its
   * messages are queued once that is done: wait for it (bounded). */
  if (ask->sent && chutes_conversation_get_id (ask->conversation) == 0)
    {
      gulong handler = g_signal_connect_swapped (ask->conversation, "notify::id",
                                                 G_CALLBACK (wait_for_id_cb), ask);
      guint timeout = g_timeout_add_seconds (10, wait_timeout_cb, ask);

      g_main_loop_run (ask->loop);
      g_signal_handler_disconnect (ask->conversation, handler);
      if (chutes_conversation_get_id (ask->conversation) != 0)
        g_source_remove (timeout);
    }

  /* Saves the reply as it is now and waits for every queued write. */
  chutes_history_close (ask->history);
}

static char *
dup_object_path (void)
{
  g_autofree char *path = g_strconcat ("/", APP_ID, NULL);

  /* As GApplication makes it: dots become slashes, dashes underscores. */
  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return g_steal_pointer (&path);
}

/* A running window reloads its list; without one (or without a bus)
 * nothing happens. Never starts the app. */
static void
notify_running_instance (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = dup_object_path ();

  if (bus == NULL)
    return;

  reply = g_dbus_connection_call_sync (bus, APP_ID, path, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(s@av@a{sv})",
                                                      CHUTES_ASK_HISTORY_CHANGED_ACTION,
                                                      g_variant_new_array (G_VARIANT_TYPE_VARIANT,
                                                                           NULL, 0),
                                                      g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                                           NULL, 0)),
                                       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       NOTIFY_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    g_debug ("No running window told about the new chat: %s", error->message);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;

  /* Whatever arrived last. */
  reply_content_cb (ask);
  reasoning_close (ask);
  if (ask->printed_any && !ask->ends_with_newline)
    {
      fputc ('\n', stdout);
      fflush (stdout);
    }

  if (!chutes_conversation_send_finish (CHUTES_CONVERSATION (object), result, &error))
    {
      ask_fail_with_error (ask, error);
      return;
    }

  ask_finish (ask, ask->interrupted ? CHUTES_ASK_EXIT_INTERRUPTED : CHUTES_ASK_EXIT_OK);
}

static void
ask_send (Ask *ask)
{
  GListModel *messages = chutes_conversation_get_messages (ask->conversation);
  guint n;

  if (ask->interrupted)
    {
      ask_finish (ask, CHUTES_ASK_EXIT_INTERRUPTED);
      return;
    }

  ask->sent = TRUE;
  chutes_conversation_set_model (ask->conversation, ask->model);
  chutes_conversation_send_async (ask->conversation, ask->prompt, NULL, NULL, send_cb, ask);

  n = g_list_model_get_n_items (messages);
  if (n == 0)
    return;

  ask->reply = g_list_model_get_item (messages, n - 1);
  g_signal_connect_swapped (ask->reply, "notify::content", G_CALLBACK (reply_content_cb), ask);
  g_signal_connect_swapped (ask->reply, "notify::reasoning", G_CALLBACK (reply_reasoning_cb), ask);
}

static gboolean
models_have (GListModel *models,
             const char *id)
{
  g_autoptr(ChutesModelInfo) info = chutes_model_info_find (models, id);

  return info != NULL;
}

/* The model: --model, else the conversation's (with --continue), else the
 * one the window starts new chats with. It must be in the list. */
static gboolean
ask_pick_model (Ask        *ask,
                const char *conversation_model)
{
  g_autofree char *preferred = g_settings_get_string (ask->settings, "default-model");
  g_autofree char *last = g_settings_get_string (ask->settings, "last-model");

  if (ask->model != NULL)
    {
      if (!models_have (ask->models, ask->model))
        {
          g_autofree char *message = NULL;

          /* Translators: %s is a model name */
          message = g_strdup_printf (_("There is no model called “%s”: "
                                       "“chutes-desktop --list-models” lists them."), ask->model);
          ask_fail (ask, CHUTES_ASK_EXIT_USAGE, message);
          return FALSE;
        }
      return TRUE;
    }

  if (models_have (ask->models, conversation_model))
    ask->model = g_strdup (conversation_model);
  else if (models_have (ask->models, preferred))
    ask->model = g_steal_pointer (&preferred);
  else if (models_have (ask->models, last))
    ask->model = g_steal_pointer (&last);
  else if (g_list_model_get_n_items (ask->models) > 0)
    {
      g_autoptr(ChutesModelInfo) first = g_list_model_get_item (ask->models, 0);

      ask->model = g_strdup (chutes_model_info_get_id (first));
    }
  else
    {
      ask_fail (ask, CHUTES_ASK_EXIT_SERVER, _("Chutes offers no models right now."));
      return FALSE;
    }

  return TRUE;
}

static void
load_conversation_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_conversation_load_finish (CHUTES_CONVERSATION (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the newest conversation: %s"),
                                                  error->message);

      ask_fail (ask, CHUTES_ASK_EXIT_SERVER, message);
      return;
    }

  if (ask_pick_model (ask, chutes_conversation_get_model (ask->conversation)))
    ask_send (ask);
}

static void
history_open_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesChatSummary) newest = NULL;

  ask->conversation = chutes_conversation_new (ask->gateway, ask->account);
  chutes_conversation_set_models (ask->conversation, ask->models);

  if (!chutes_history_open_finish (CHUTES_HISTORY (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("This chat will not be saved: %s"),
                                                  error->message);

      say (message);
      g_clear_object (&ask->history);
    }
  else
    {
      chutes_conversation_set_history (ask->conversation, ask->history);
      if (ask->continue_newest)
        newest = g_list_model_get_item (chutes_history_get_conversations (ask->history), 0);
    }

  if (newest != NULL)
    {
      chutes_conversation_load_async (ask->conversation, chutes_chat_summary_get_id (newest),
                                      ask->cancellable, load_conversation_cb, ask);
      return;
    }

  if (ask_pick_model (ask, NULL))
    ask_send (ask);
}

static void
list_models_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  ask->models = chutes_gateway_list_models_finish (CHUTES_GATEWAY (object), result, &error);
  if (ask->models == NULL)
    {
      ask_fail_with_error (ask, error);
      return;
    }

  if (ask->list_models)
    {
      print_models (ask);
      ask_finish (ask, CHUTES_ASK_EXIT_OK);
      return;
    }

  /* Before the model is checked: an unknown model is a usage error, and
   * the check needs the list; opening the history meanwhile is cheap. */
  /* A history of its own, the active account's file: the window's
   * instance, if any, reloads it after (notify_running_instance()). */
  path = chutes_accounts_dup_account_history_path (ask->accounts, ask->account);
  ask->history = chutes_history_new (path);
  chutes_history_open_async (ask->history, ask->cancellable, history_open_cb, ask);
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  const char *problem;

  if (!chutes_accounts_restore_finish (CHUTES_ACCOUNTS (object), result, &error))
    {
      ask_fail_with_error (ask, error);
      return;
    }

  ask->account = g_object_ref (chutes_accounts_get_active (ask->accounts));

  if (chutes_account_get_state (ask->account) != CHUTES_ACCOUNT_STATE_SIGNED_IN)
    {
      problem = chutes_account_get_keyring_problem (ask->account);
      if (problem != NULL)
        say (problem);
      ask_fail (ask, CHUTES_ASK_EXIT_NOT_SIGNED_IN,
                _("Not signed in. Open Chutes and sign in, then try again."));
      return;
    }

  chutes_gateway_list_models_async (ask->gateway, ask->cancellable, list_models_cb, ask);
}

static void
load_client_secret_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = chutes_token_store_load_client_secret_finish (CHUTES_TOKEN_STORE (object), result,
                                                         &error);
  if (secret != NULL)
    {
      chutes_config_set_client_secret (ask->config, secret);
      chutes_secret_free (secret);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    say (error->message);

  chutes_accounts_restore_async (ask->accounts, ask->cancellable, restore_cb, ask);
}

static gboolean
sigint_cb (gpointer user_data)
{
  Ask *ask = user_data;

  ask->interrupted = TRUE;

  /* The reply so far stays (and is saved); before it, nothing to keep. */
  if (ask->reply != NULL)
    chutes_conversation_stop (ask->conversation);
  else
    {
      g_cancellable_cancel (ask->cancellable);
      ask_finish (ask, CHUTES_ASK_EXIT_INTERRUPTED);
    }

  return G_SOURCE_CONTINUE;
}

/* Options and the prompt ------------------------------------------------------- */

/* Standard input, when it is not a terminal: at most
 * CHUTES_ASK_MAX_STDIN bytes (said on stderr when there was more), as
 * valid UTF-8. */
static char *
read_stdin (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint8 buffer[65536];
  gboolean cut = FALSE;
  const char *end;

  for (;;)
    {
      gssize n = read (STDIN_FILENO, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;

      if (bytes->len + (gsize) n > CHUTES_ASK_MAX_STDIN)
        {
          g_byte_array_append (bytes, buffer, CHUTES_ASK_MAX_STDIN - bytes->len);
          cut = TRUE;
          break;
        }
      g_byte_array_append (bytes, buffer, n);
    }

  if (cut)
    {
      g_autofree char *size = g_format_size (CHUTES_ASK_MAX_STDIN);
      g_autofree char *message = NULL;

      /* Translators: %s is a size, e.g. "10.5 MB" */
      message = g_strdup_printf (_("The piped text is longer than %s: only its beginning is sent."),
                                 size);
      say (message);
    }

  /* A character cut in two at the end is dropped; other invalid bytes
   * become U+FFFD. */
  if (cut && !g_utf8_validate ((const char *) bytes->data, bytes->len, &end))
    if ((gsize) ((const guint8 *) end - bytes->data) + 4 > bytes->len)
      g_byte_array_set_size (bytes, (const guint8 *) end - bytes->data);

  if (bytes->len == 0)
    return g_strdup ("");

  return g_utf8_make_valid ((const char *) bytes->data, bytes->len);
}

/* The question, a blank line, the piped text; either alone when the other
 * is empty. NULL (and a message) when there is nothing to ask. */
static char *
build_prompt (const char *question)
{
  g_autofree char *piped = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (question, "-") == 0)
    question = "";

  text = g_utf8_make_valid (question, -1);
  g_strstrip (text);

  if (!isatty (STDIN_FILENO))
    {
      g_autofree char *stripped = NULL;

      piped = read_stdin ();
      stripped = g_strstrip (g_strdup (piped));
      if (*stripped == '\0')
        g_clear_pointer (&piped, g_free);
    }

  if (*text != '\0' && piped != NULL)
    return g_strconcat (text, "\n\n", piped, NULL);
  if (piped != NULL)
    return g_steal_pointer (&piped);
  if (*text != '\0')
    return g_steal_pointer (&text);

  return NULL;
}

int
chutes_ask_handle_options (GVariantDict *options)
{
  Ask ask = { 0 };
  g_autoptr(GError) error = NULL;
  const char *question = NULL;
  const char *model = NULL;
  const char *client_id;
  guint sigint;

  g_return_val_if_fail (options != NULL, -1);

  g_variant_dict_lookup (options, "ask", "&s", &question);
  g_variant_dict_lookup (options, "model", "&s", &model);
  ask.continue_newest = g_variant_dict_contains (options, "continue");
  ask.list_models = g_variant_dict_contains (options, "list-models");

  if (question == NULL && model == NULL && !ask.continue_newest && !ask.list_models)
    return -1;

  /* Standard output is the reply's alone: debug messages
   * (G_MESSAGES_DEBUG) go to stderr with the warnings. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (ask.list_models && (question != NULL || model != NULL || ask.continue_newest))
    {
      say (_("--list-models goes alone: it cannot be combined with --ask, --model or --continue."));
      return CHUTES_ASK_EXIT_USAGE;
    }
  if (!ask.list_models && question == NULL)
    {
      say (_("--model and --continue go with --ask “question”."));
      return CHUTES_ASK_EXIT_USAGE;
    }

  if (question != NULL)
    {
      ask.prompt = build_prompt (question);
      if (ask.prompt == NULL)
        {
          say (_("Nothing to ask: give a question after --ask, or pipe text in."));
          return CHUTES_ASK_EXIT_USAGE;
        }
    }

  ask.model = g_strdup (model);
  ask.status = CHUTES_ASK_EXIT_OK;
  ask.stdout_is_tty = isatty (STDOUT_FILENO);
  ask.show_reasoning = ask.stdout_is_tty && isatty (STDERR_FILENO) &&
                       g_getenv ("NO_COLOR") == NULL;
  ask.loop = g_main_loop_new (NULL, FALSE);
  ask.cancellable = g_cancellable_new ();

  ask.settings = g_settings_new (BASE_APP_ID);
  ask.session = chutes_http_session_new ();
  ask.config = chutes_config_new (ask.settings);
  ask.idp = chutes_idp_client_new (ask.session, ask.config);
  ask.store = chutes_token_store_new (chutes_config_get_idp_base_url (ask.config));
  ask.accounts = chutes_accounts_new (ask.idp, ask.settings, NULL);
  ask.gateway = chutes_gateway_new (ask.session, ask.config);

  if (!chutes_config_validate (ask.config, &error))
    {
      say (error->message);
      ask_clear (&ask);
      return CHUTES_ASK_EXIT_USAGE;
    }

  sigint = g_unix_signal_add (SIGINT, sigint_cb, &ask);

  client_id = chutes_config_get_client_id (ask.config);
  if (ask.list_models)
    chutes_gateway_list_models_async (ask.gateway, ask.cancellable, list_models_cb, &ask);
  else if (client_id != NULL && *client_id != '\0' &&
           chutes_config_get_client_secret (ask.config) == NULL)
    chutes_token_store_load_client_secret_async (ask.store, client_id, ask.cancellable,
                                                 load_client_secret_cb, &ask);
  else
    chutes_accounts_restore_async (ask.accounts, ask.cancellable, restore_cb, &ask);

  g_main_loop_run (ask.loop);

  ask_save (&ask);
  g_source_remove (sigint);

  if (ask.sent && ask.history != NULL)
    notify_running_instance ();

  /* What was cancelled finishes on the main loop before it all goes. */
  g_cancellable_cancel (ask.cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  ask_clear (&ask);

  return ask.status;
}
