/* test-ask.c: `chutes-desktop --ask` and --list-models, run as a person
 * would from a terminal, against the mock server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built program ($CHUTES_DESKTOP) runs as a subprocess with this
 * process's environment (the mock's URLs and client, the private keyring
 * session of build-aux/run-tests.sh) and a history folder of its own. The
 * session is signed in here, into the keyring, the way the window would.
 */
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "chutes-ask.h"
#include "chutes-history.h"
#include "chutes-http.h"
#include "chutes-test-mock.h"

typedef struct
{
  ChutesTestMock *mock;
  ChutesConfig   *config;
  SoupSession    *session;
  ChutesAccount  *account;   /* the window, signed in */
  char           *data_home;
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
fixture_set_up (Fixture    *f,
                gboolean    signed_in,
                const char *first_arg,
                ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  switch (args->len)
    {
    case 1: f->mock = chutes_test_mock_start (NULL, NULL); break;
    case 3: f->mock = chutes_test_mock_start (args->pdata[0], args->pdata[1], NULL); break;
    case 5: f->mock = chutes_test_mock_start (args->pdata[0], args->pdata[1],
                                              args->pdata[2], args->pdata[3], NULL); break;
    default: g_assert_not_reached ();
    }

  f->config = chutes_test_mock_new_config (f->mock, NULL);
  f->session = chutes_http_session_new ();
  if (signed_in)
    f->account = chutes_test_mock_new_signed_in_account (f->mock, f->session, f->config);
  f->data_home = g_dir_make_tmp ("test-ask-XXXXXX", NULL);
  g_assert_nonnull (f->data_home);
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_object (&f->account);
  g_clear_object (&f->session);
  g_clear_object (&f->config);
  g_clear_pointer (&f->mock, chutes_test_mock_free);
  chutes_test_remove_tree (f->data_home);
  g_clear_pointer (&f->data_home, g_free);
}

/* The program ------------------------------------------------------------ */

/* Runs @program (NULL: chutes-desktop) with @argv_tail. */
static GSubprocess *
spawn_program (Fixture            *f,
               const char         *program,
               const char * const *extra_env,
               const char * const *argv_tail)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", f->data_home, TRUE);
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, extra_env[i], extra_env[i + 1], TRUE);

  g_ptr_array_add (argv, (char *) (program != NULL ? program : g_getenv ("CHUTES_DESKTOP")));
  for (guint i = 0; argv_tail[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) argv_tail[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  return process;
}

static GSubprocess *
spawn (Fixture            *f,
       const char * const *extra_env,
       const char * const *argv_tail)
{
  return spawn_program (f, NULL, extra_env, argv_tail);
}

static int
exit_status_of (GSubprocess *process)
{
  if (g_subprocess_get_if_signaled (process))
    g_error ("chutes-desktop died of signal %d", g_subprocess_get_term_sig (process));

  return g_subprocess_get_exit_status (process);
}

/* Runs chutes-desktop with @args (NULL-terminated), @input on its standard
 * input (NULL: an empty pipe, as from </dev/null) and @extra_env (pairs,
 * NULL-terminated), to its end. */
static void
run_program (Fixture            *f,
             Run                *run,
             const char         *program,
             const char         *input,
             const char * const *extra_env,
             const char * const *args)
{
  g_autoptr(GSubprocess) process = spawn_program (f, program, extra_env, args);
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL,
                                 &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
  run->status = exit_status_of (process);
  g_test_message ("exit status %d", run->status);
}

static void
run_full (Fixture            *f,
          Run                *run,
          const char         *input,
          const char * const *extra_env,
          const char * const *args)
{
  run_program (f, run, NULL, input, extra_env, args);
}

#define RUN(f, run, ...) \
  run_full ((f), (run), NULL, NULL, (const char * const []) { __VA_ARGS__, NULL })

/* What the mock answers, not streamed, to one user message @prompt (or
 * to @messages, a JSON array, when not NULL). */
static char *
known_reply (Fixture    *f,
             const char *model,
             const char *messages)
{
  g_autofree char *access = chutes_test_mock_sign_in (f->mock, NULL, NULL);
  g_autofree char *url = g_strconcat (chutes_test_mock_get_api_url (f->mock),
                                      "/chat/completions", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", access, NULL);
  g_autofree char *body = NULL;
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  body = g_strdup_printf ("{\"model\": \"%s\", \"messages\": %s}", model, messages);
  request = g_bytes_new (body, strlen (body));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  reply = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                              &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  root = json_array_get_object_element (json_object_get_array_member (root, "choices"), 0);
  root = json_object_get_object_member (root, "message");

  return g_strdup (json_object_get_string_member (root, "content"));
}

static char *
json_string (const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return json_to_string (node, FALSE);
}

static char *
known_reply_to (Fixture    *f,
                const char *model,
                const char *prompt)
{
  g_autofree char *quoted = json_string (prompt);
  g_autofree char *messages = g_strdup_printf ("[{\"role\": \"user\", \"content\": %s}]", quoted);

  return known_reply (f, model, messages);
}

/* The first model of the list, which --ask uses without --model or a
 * default in the settings. */
#define FIRST_MODEL "Qwen/Qwen3-235B-A22B"

/* The history the program wrote ------------------------------------------- */

static ChutesHistory *
open_history (Fixture *f)
{
  /* The signed-in account's own history (see ChutesAccounts). */
  g_autofree char *path = g_build_filename (f->data_home, APP_ID, "accounts",
                                            chutes_account_get_user_id (f->account),
                                            "history.db", NULL);
  ChutesHistory *history = chutes_history_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;

  chutes_history_open_async (history, NULL, chutes_test_store_result_cb, &result);
  done = chutes_test_wait_for_result (&result);
  chutes_history_open_finish (history, done, &error);
  g_assert_no_error (error);

  return history;
}

static GPtrArray *
load_messages (ChutesHistory *history,
               gint64         id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  chutes_history_load_messages_async (history, id, NULL, chutes_test_store_result_cb, &result);
  done = chutes_test_wait_for_result (&result);
  messages = chutes_history_load_messages_finish (history, done, &error);
  g_assert_no_error (error);

  return messages;
}

static void
assert_message (GPtrArray         *messages,
                guint              index,
                ChutesMessageRole  role,
                const char        *content)
{
  ChutesMessage *message;

  g_assert_cmpuint (index, <, messages->len);
  message = g_ptr_array_index (messages, index);
  g_assert_cmpint (chutes_message_get_role (message), ==, role);
  g_assert_cmpstr (chutes_message_get_content (message), ==, content);
}

/* Tests ----------------------------------------------------------------------- */

static void
test_streamed_reply (void)
{
  Fixture f = { 0 };
  g_auto(Run) run = { 0 };
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *known = NULL;
  g_autofree char *expected = NULL;
  GListModel *conversations;

  fixture_set_up (&f, TRUE, NULL);
  known = known_reply_to (&f, FIRST_MODEL, "What is a chute?");

  RUN (&f, &run, "--ask", "What is a chute?");

  g_assert_cmpint (run.status, ==, CHUTES_ASK_EXIT_OK);
  expected = g_strconcat (known, "\n", NULL);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "chat_streams"), ==, 1);

  /* Saved: a new conversation titled from the question. */
  history = open_history (&f);
  conversations = chutes_history_get_conversations (history);
  g_assert_cmpuint (g_list_model_get_n_items (conversations), ==, 1);
  summary = g_list_model_get_item (conversations, 0);
  g_assert_cmpstr (chutes_chat_summary_get_title (summary), ==, "What is a chute?");
  g_assert_cmpstr (chutes_chat_summary_get_model (summary), ==, FIRST_MODEL);
  messages = load_messages (history, chutes_chat_summary_get_id (summary));
  g_assert_cmpuint (messages->len, ==, 2);
  assert_message (messages, 0, CHUTES_MESSAGE_ROLE_USER, "What is a chute?");
  assert_message (messages, 1, CHUTES_MESSAGE_ROLE_ASSISTANT, known);
  g_assert_cmpint (chutes_message_get_status (g_ptr_array_index (messages, 1)), ==,
                   CHUTES_MESSAGE_STATUS_COMPLETE);

  chutes_history_close (history);
  fixture_tear_down (&f);
}

static void
test_piped_stdin (void)
{
  Fixture f = { 0 };
  g_auto(Run) run = { 0 };
  g_auto(Run) alone = { 0 };
  g_autofree char *known = NULL;
  g_autofree char *expected = NULL;
  const char *piped = "diff --git a/x b/x\n+hello\n";

  fixture_set_up (&f, TRUE, NULL);

  /* The question, a blank line, the piped text: the canned reply quotes
   * the beginning of that last user message. */
  run_full (&f, &run, piped, NULL,
            (const char * const []) { "--ask", "review this", "--model",
                                      "unsloth/gemma-3-27b-it", NULL });
  g_assert_cmpint (run.status, ==, CHUTES_ASK_EXIT_OK);
  known = known_reply_to (&f, "unsloth/gemma-3-27b-it", "review this\n\ndiff --git a/x b/x\n+hello\n");
  expected = g_strconcat (known, "\n", NULL);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_true (g_str_has_prefix (run.out, "You said: \"review this\n\ndiff --git"));

  /* "-": the piped text alone. */
  run_full (&f, &alone, "just the pipe", NULL,
            (const char * const []) { "--ask", "-", NULL });
  g_assert_cmpint (alone.status, ==, CHUTES_ASK_EXIT_OK);
  g_assert_true (g_str_has_prefix (alone.out, "You said: \"just the pipe\"."));

  fixture_tear_down (&f);
}

static void
test_continue (void)
{
  Fixture f = { 0 };
  g_auto(Run) first = { 0 };
  g_auto(Run) other = { 0 };
  g_auto(Run) second = { 0 };
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(ChutesChatSummary) newest = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  fixture_set_up (&f, TRUE, NULL);

  RUN (&f, &other, "--ask", "An older chat", "--model", "unsloth/gemma-3-27b-it");
  g_assert_cmpint (other.status, ==, CHUTES_ASK_EXIT_OK);
  RUN (&f, &first, "--ask", "First question", "--model", "deepseek-ai/DeepSeek-V3-0324");
  g_assert_cmpint (first.status, ==, CHUTES_ASK_EXIT_OK);

  /* Continued with the conversation's model, all of it sent. */
  RUN (&f, &second, "--continue", "--ask", "Second question");
  g_assert_cmpint (second.status, ==, CHUTES_ASK_EXIT_OK);
  g_assert_nonnull (strstr (second.out, "You said: \"Second question\". "
                                        "This conversation has 3 messages so far."));

  history = open_history (&f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (history)), ==, 2);
  newest = g_list_model_get_item (chutes_history_get_conversations (history), 0);
  g_assert_cmpstr (chutes_chat_summary_get_title (newest), ==, "First question");
  g_assert_cmpstr (chutes_chat_summary_get_model (newest), ==, "deepseek-ai/DeepSeek-V3-0324");
  messages = load_messages (history, chutes_chat_summary_get_id (newest));
  g_assert_cmpuint (messages->len, ==, 4);
  assert_message (messages, 0, CHUTES_MESSAGE_ROLE_USER, "First question");
  assert_message (messages, 2, CHUTES_MESSAGE_ROLE_USER, "Second question");
  g_assert_cmpstr (chutes_message_get_model (g_ptr_array_index (messages, 3)), ==,
                   "deepseek-ai/DeepSeek-V3-0324");

  chutes_history_close (history);
  fixture_tear_down (&f);
}

static void
test_list_models (void)
{
  Fixture f = { 0 };
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *ids[] = {
    "Qwen/Qwen3-235B-A22B", "chutesai/Mistral-Small-3.1-24B-Instruct-2503",
    "deepseek-ai/DeepSeek-R1-0528-TEE", "deepseek-ai/DeepSeek-V3-0324", "unsloth/gemma-3-27b-it",
  };

  /* No session needed: the list is public. */
  fixture_set_up (&f, FALSE, NULL);

  RUN (&f, &run, "--list-models");
  g_assert_cmpint (run.status, ==, CHUTES_ASK_EXIT_OK);
  g_assert_cmpstr (run.err, ==, "");

  /* Piped: one model a line, five tab-separated fields, no heading. */
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_cmpstr (lines[5], ==, "");
  for (guint i = 0; i < 5; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], "\t", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 5);
      g_assert_cmpstr (fields[0], ==, ids[i]);
      g_assert_cmpint (g_ascii_strtoll (fields[3], NULL, 10), >, 0);
      if (g_str_equal (ids[i], "unsloth/gemma-3-27b-it"))
        g_assert_cmpstr (fields[4], ==, "vision");
      if (g_str_equal (ids[i], "deepseek-ai/DeepSeek-R1-0528-TEE"))
        g_assert_cmpstr (fields[4], ==, "reasoning,confidential");
      if (g_str_equal (ids[i], "Qwen/Qwen3-235B-A22B"))
        g_assert_cmpstr (fields[4], ==, "reasoning,tools");
    }

  fixture_tear_down (&f);
}

static void
test_usage_errors (void)
{
  Fixture f = { 0 };
  g_auto(Run) model_alone = { 0 };
  g_auto(Run) both = { 0 };
  g_auto(Run) empty = { 0 };
  g_auto(Run) unknown = { 0 };
  g_auto(Run) bad_option = { 0 };

  fixture_set_up (&f, TRUE, NULL);

  RUN (&f, &model_alone, "--model", "unsloth/gemma-3-27b-it");
  g_assert_cmpint (model_alone.status, ==, CHUTES_ASK_EXIT_USAGE);
  g_assert_cmpstr (model_alone.out, ==, "");
  g_assert_cmpstr (model_alone.err, !=, "");

  RUN (&f, &both, "--list-models", "--ask", "hi");
  g_assert_cmpint (both.status, ==, CHUTES_ASK_EXIT_USAGE);

  /* Nothing to ask: blank text, nothing piped. */
  run_full (&f, &empty, "  \n", NULL, (const char * const []) { "--ask", "  ", NULL });
  g_assert_cmpint (empty.status, ==, CHUTES_ASK_EXIT_USAGE);
  g_assert_cmpstr (empty.err, ==, "Nothing to ask: give a question after --ask, or pipe text in.\n");

  /* Checked against the gateway's list before anything is sent. */
  RUN (&f, &unknown, "--ask", "hi", "--model", "no/such-model");
  g_assert_cmpint (unknown.status, ==, CHUTES_ASK_EXIT_USAGE);
  g_assert_nonnull (strstr (unknown.err, "no/such-model"));
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "chat_requests"), ==, 0);

  /* GLib's own status for an option it does not know: not one of ours. */
  RUN (&f, &bad_option, "--ask");
  g_assert_cmpint (bad_option.status, ==, 1);

  fixture_tear_down (&f);
}

static void
test_not_signed_in (void)
{
  Fixture f = { 0 };
  g_auto(Run) run = { 0 };

  /* A mock of its own: nothing in the keyring for it. */
  fixture_set_up (&f, FALSE, NULL);

  RUN (&f, &run, "--ask", "hello");
  g_assert_cmpint (run.status, ==, CHUTES_ASK_EXIT_NOT_SIGNED_IN);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpstr (run.err, ==, "Not signed in. Open Chutes and sign in, then try again.\n");
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "chat_requests"), ==, 0);

  fixture_tear_down (&f);
}

static void
test_server_errors (void)
{
  Fixture f = { 0 };
  g_auto(Run) unavailable = { 0 };
  g_auto(Run) quota = { 0 };
  g_auto(Run) gone = { 0 };

  fixture_set_up (&f, TRUE, NULL);

  chutes_test_mock_control (f.mock, "fail", "chat-503", "count", "1", NULL);
  RUN (&f, &unavailable, "--ask", "hello");
  g_assert_cmpint (unavailable.status, ==, CHUTES_ASK_EXIT_SERVER);
  g_assert_cmpstr (unavailable.out, ==, "");
  /* One sentence, one line. */
  g_assert_true (g_str_has_suffix (unavailable.err, "\n"));
  g_assert_true (strchr (unavailable.err, '\n') == unavailable.err + strlen (unavailable.err) - 1);

  chutes_test_mock_control (f.mock, "fail", "chat-402", "count", "1", NULL);
  RUN (&f, &quota, "--ask", "hello");
  g_assert_cmpint (quota.status, ==, CHUTES_ASK_EXIT_QUOTA);

  chutes_test_mock_stop (f.mock);
  RUN (&f, &gone, "--ask", "hello");
  g_assert_cmpint (gone.status, ==, CHUTES_ASK_EXIT_NETWORK);
  g_assert_cmpstr (gone.out, ==, "");

  fixture_tear_down (&f);
}

/* Ctrl+C mid-stream ------------------------------------------------------------ */

typedef struct
{
  GString  *out;
  gboolean  got_some;
  gboolean  eof;
  char      buffer[4096];
} Reader;

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *reader = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n <= 0)
    {
      reader->eof = TRUE;
      return;
    }

  g_string_append_len (reader->out, reader->buffer, n);
  reader->got_some = TRUE;
  g_input_stream_read_async (G_INPUT_STREAM (object), reader->buffer, sizeof reader->buffer,
                             G_PRIORITY_DEFAULT, NULL, read_cb, reader);
}

static void
test_interrupted (void)
{
  Fixture f = { 0 };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(ChutesHistory) history = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *known = NULL;
  g_autofree char *saved = NULL;
  Reader reader = { g_string_new (NULL), FALSE, FALSE };
  ChutesMessage *reply;

  fixture_set_up (&f, TRUE, "--stream-delay-ms", "150", "--reply-words", "80", NULL);
  known = known_reply_to (&f, FIRST_MODEL, "Tell me a long story");

  process = spawn (&f, NULL, (const char * const []) { "--ask", "Tell me a long story", NULL });
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  g_input_stream_read_async (g_subprocess_get_stdout_pipe (process), reader.buffer,
                             sizeof reader.buffer, G_PRIORITY_DEFAULT, NULL, read_cb, &reader);

  /* The reply has begun: Ctrl+C. */
  chutes_test_wait_for (&reader.got_some, 30);
  g_subprocess_send_signal (process, SIGINT);
  chutes_test_wait_for (&reader.eof, 30);
  g_subprocess_wait (process, NULL, NULL);

  g_assert_cmpint (exit_status_of (process), ==, CHUTES_ASK_EXIT_INTERRUPTED);

  /* Part of the reply, then a newline. */
  g_assert_true (g_str_has_suffix (reader.out->str, "\n"));
  g_string_truncate (reader.out, reader.out->len - 1);
  g_assert_cmpuint (reader.out->len, >, 0);
  g_assert_cmpuint (reader.out->len, <, strlen (known));
  g_assert_true (g_str_has_prefix (known, reader.out->str));

  /* Kept in the history as it was printed, stopped. */
  history = open_history (&f);
  summary = g_list_model_get_item (chutes_history_get_conversations (history), 0);
  g_assert_nonnull (summary);
  messages = load_messages (history, chutes_chat_summary_get_id (summary));
  g_assert_cmpuint (messages->len, ==, 2);
  reply = g_ptr_array_index (messages, 1);
  saved = g_strdup (chutes_message_get_content (reply));
  g_assert_true (g_str_has_prefix (saved, reader.out->str));
  g_assert_true (g_str_has_prefix (known, saved));
  g_assert_cmpint (chutes_message_get_status (reply), ==, CHUTES_MESSAGE_STATUS_STOPPED);

  chutes_history_close (history);
  g_string_free (reader.out, TRUE);
  fixture_tear_down (&f);
}

/* What leaves the program ---------------------------------------------------------- */

static void
test_plain_output_no_secrets (void)
{
  Fixture f = { 0 };
  g_auto(Run) run = { 0 };
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  const char *debug_env[] = { "G_MESSAGES_DEBUG", "all", NULL };

  /* The stored access token refused: the program refreshes, and both
   * pairs pass through it. */
  fixture_set_up (&f, TRUE, NULL);
  chutes_test_mock_control (f.mock, "expire-tokens", "1", NULL);

  run_full (&f, &run, NULL, debug_env,
            (const char * const []) { "--ask", "Hello there", NULL });
  g_assert_cmpint (run.status, ==, CHUTES_ASK_EXIT_OK);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_refreshes"), ==, 1);

  /* Piped: the reply and nothing else, no escape sequence. */
  g_assert_true (g_str_has_prefix (run.out, "You said: \"Hello there\"."));
  g_assert_null (strchr (run.out, '\033'));
  g_assert_null (strchr (run.err, '\033'));
  g_assert_cmpstr (run.err, !=, "");   /* the debug messages are there */

  store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (f.config),
                                              chutes_account_get_user_id (f.account));
  chutes_token_store_load_session_async (store, chutes_config_get_client_id (f.config), NULL,
                                         chutes_test_store_result_cb, &result);
  done = chutes_test_wait_for_result (&result);
  tokens = chutes_token_store_load_session_finish (store, done, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);

  for (guint i = 0; i < 2; i++)
    {
      const char *secret = i == 0 ? tokens->access_token : tokens->refresh_token;

      g_assert_null (strstr (run.out, secret));
      g_assert_null (strstr (run.err, secret));
    }
  g_assert_null (strstr (run.err, "cak_"));
  g_assert_null (strstr (run.err, "crt_"));
  g_assert_null (strstr (run.err, chutes_test_mock_get_client_secret (f.mock)));

  fixture_tear_down (&f);
}

/* On a terminal (script(1) gives it one): a heading and aligned columns,
 * and text from the network cannot reach the terminal as control
 * characters. */
static void
test_terminal_output (void)
{
  Fixture f = { 0 };
  g_auto(Run) models = { 0 };
  g_auto(Run) reply = { 0 };
  g_autofree char *quoted = g_shell_quote (g_getenv ("CHUTES_DESKTOP"));
  g_autofree char *list = g_strconcat (quoted, " --list-models", NULL);
  g_autofree char *ask = g_strconcat (quoted, " --ask \"$(printf 'bell\\aescape\\033[31mred')\"",
                                      NULL);
  g_auto(GStrv) lines = NULL;
  const char *vision;

  if (!g_file_test ("/usr/bin/script", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("script(1) (util-linux) is missing");
      return;
    }

  fixture_set_up (&f, TRUE, NULL);

  run_program (&f, &models, "/usr/bin/script", NULL, NULL,
               (const char * const []) { "-qec", list, "/dev/null", NULL });
  g_assert_cmpint (models.status, ==, CHUTES_ASK_EXIT_OK);
  lines = g_strsplit (models.out, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "MODEL "));
  g_assert_nonnull (strstr (lines[0], "CAPABILITIES"));
  g_assert_null (strchr (models.out, '\t'));
  /* The capabilities start in the same column on every line. */
  vision = strstr (lines[5], "vision");
  g_assert_nonnull (vision);
  g_assert_cmpint (vision - lines[5], ==, strstr (lines[0], "CAPABILITIES") - lines[0]);

  run_program (&f, &reply, "/usr/bin/script", NULL, NULL,
               (const char * const []) { "-qec", ask, "/dev/null", NULL });
  g_assert_cmpint (reply.status, ==, CHUTES_ASK_EXIT_OK);
  g_assert_true (g_str_has_prefix (reply.out, "You said: \"bell\357\277\275escape\357\277\275[31mred\"."));
  g_assert_null (strchr (reply.out, '\a'));
  g_assert_null (strchr (reply.out, '\033'));

  fixture_tear_down (&f);
}

/* The refresh race ------------------------------------------------------------------ */

typedef struct
{
  GSubprocess *process;
  gboolean     done;
  char        *out;
  char        *err;
} Racer;

static void
racer_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Racer *racer = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &racer->out, &racer->err, &error);
  g_assert_no_error (error);
  racer->done = TRUE;
}

static void
token_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  char **token = user_data;
  g_autoptr(GError) error = NULL;

  *token = chutes_account_get_access_token_finish (CHUTES_ACCOUNT (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

#define RACE_ROUNDS 3
#define RACERS 3

/* Access tokens that live 3 s; each round starts once they are spent, with
 * the window (this process's account) and three --ask processes all
 * needing a refresh at the same moment, and token replies slow enough for
 * their refreshes to overlap. Single-use refresh tokens mean
 * that exactly one of them may refresh; the others must take its pair
 * from the keyring. */
static void
test_refresh_race (void)
{
  Fixture f = { 0 };
  g_autoptr(ChutesHistory) history = NULL;

  fixture_set_up (&f, TRUE, "--access-ttl", "3", NULL);
  /* Each refresh answered late: the others start theirs meanwhile, with
   * the pair the keyring still holds. */
  chutes_test_mock_control (f.mock, "token-delay-ms", "400", NULL);

  for (guint round = 0; round < RACE_ROUNDS; round++)
    {
      Racer racers[RACERS] = { { 0 } };
      g_autofree char *window_token = NULL;
      gboolean expired = FALSE;

      g_timeout_add (3300, set_flag, &expired);
      chutes_test_wait_for (&expired, 10);

      chutes_account_get_access_token_async (f.account, NULL, token_cb, &window_token);
      for (guint i = 0; i < RACERS; i++)
        {
          racers[i].process = spawn (&f, NULL, (const char * const []) {
                                       "--ask", "Are we racing?", NULL });
          g_subprocess_communicate_utf8_async (racers[i].process, "", NULL,
                                               racer_done_cb, &racers[i]);
        }

      /* Checked as soon as it arrives: it lives 3 s, and under the
       * sanitizers the racers below can take longer than that. */
      while (window_token == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (chutes_test_mock_token_is_active (f.mock, window_token));

      for (guint i = 0; i < RACERS; i++)
        {
          chutes_test_wait_for (&racers[i].done, 60);
          g_test_message ("round %u racer %u: %s", round, i, racers[i].err);
          g_assert_cmpint (exit_status_of (racers[i].process), ==, CHUTES_ASK_EXIT_OK);
          g_assert_true (g_str_has_prefix (racers[i].out, "You said: \"Are we racing?\"."));
          g_clear_object (&racers[i].process);
          g_free (racers[i].out);
          g_free (racers[i].err);
        }
      g_assert_cmpint (chutes_account_get_state (f.account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);
      g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "refresh_reuse"), ==, 0);
      g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_refresh_failures"), ==, 0);
    }

  /* Refreshed by whoever came first in each round, the others took that
   * pair: far fewer refreshes than refreshers. */
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_refreshes"), >=, RACE_ROUNDS);
  g_assert_cmpint (chutes_test_mock_get_stat (f.mock, "token_refreshes"), <,
                   RACE_ROUNDS * (RACERS + 1));

  /* The racers wrote the one history at the same moments: nothing lost. */
  history = open_history (&f);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_history_get_conversations (history)), ==,
                    RACE_ROUNDS * RACERS);
  chutes_history_close (history);

  fixture_tear_down (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (g_getenv ("CHUTES_DESKTOP"));

  g_test_add_func ("/ask/reply/streamed-as-the-server-wrote-it-and-saved", test_streamed_reply);
  g_test_add_func ("/ask/stdin/piped-text-is-part-of-the-prompt", test_piped_stdin);
  g_test_add_func ("/ask/continue/appends-to-the-newest-conversation", test_continue);
  g_test_add_func ("/ask/list-models/five-models-tab-separated", test_list_models);
  g_test_add_func ("/ask/exit/usage-errors-are-2", test_usage_errors);
  g_test_add_func ("/ask/exit/not-signed-in-says-how", test_not_signed_in);
  g_test_add_func ("/ask/exit/server-quota-and-network-errors", test_server_errors);
  g_test_add_func ("/ask/exit/ctrl-c-keeps-what-arrived", test_interrupted);
  g_test_add_func ("/ask/output/plain-when-piped-and-no-token-even-in-debug",
                   test_plain_output_no_secrets);
  g_test_add_func ("/ask/output/terminal-gets-columns-and-no-control-characters",
                   test_terminal_output);
  g_test_add_func ("/ask/refresh/window-and-asks-never-reuse-a-refresh-token",
                   test_refresh_race);

  return g_test_run ();
}
