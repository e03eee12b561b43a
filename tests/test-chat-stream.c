/* test-chat-stream.c: a streamed reply from the (mock) gateway, token by token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-chat-stream.h"
#include "chutes-error.h"
#include "chutes-gateway.h"
#include "chutes-model-info.h"
#include "chutes-http.h"
#include "chutes-message.h"
#include "chutes-pkce.h"
#include "chutes-sse-parser.h"
#include "chutes-test-mock.h"

/* Everything logged while the tests run, to check that no token is in it. */
static GString *log_text;

static GLogWriterOutput
capture_log (GLogLevelFlags   log_level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        {
          if (fields[i].length < 0)
            g_string_append (log_text, fields[i].value);
          else
            g_string_append_len (log_text, fields[i].value, fields[i].length);
          g_string_append_c (log_text, '\n');
        }
    }

  /* Debug and info lines would go to stdout and break the TAP output. */
  if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

typedef struct
{
  ChutesTestMock *mock;
  SoupSession    *session;
  char           *token;
  GListStore     *messages;
} Fixture;

/* Signs in at the mock the way the app does, minus the browser: authorize
 * (the mock consents on its own), then exchange the code at /idp/token. */
static char *
get_access_token (ChutesTestMock *mock,
                  SoupSession    *session)
{
  g_autoptr(ChutesConfig) config = chutes_test_mock_new_config (mock, NULL);
  const char *redirect_uri = chutes_config_get_redirect_uris (config)[0];
  g_autofree char *verifier = chutes_pkce_new_verifier (NULL);
  g_autofree char *challenge = chutes_pkce_challenge_s256 (verifier);
  g_autofree char *authorize = NULL;
  g_autofree char *escaped_redirect = g_uri_escape_string (redirect_uri, NULL, FALSE);
  g_autofree char *token_url = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *code;
  char *token;

  authorize = g_strdup_printf ("%s/idp/authorize?response_type=code&client_id=%s"
                               "&redirect_uri=%s&scope=%s&state=s1&code_challenge=%s"
                               "&code_challenge_method=S256",
                               chutes_test_mock_get_url (mock),
                               chutes_config_get_client_id (config),
                               escaped_redirect,
                               "openid%20profile%20chutes%3Ainvoke",
                               challenge);
  message = soup_message_new (SOUP_METHOD_GET, authorize);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  bytes = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_FOUND);

  location = g_uri_parse (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                        "Location"),
                          G_URI_FLAGS_ENCODED_QUERY, &error);
  g_assert_no_error (error);
  query = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  code = g_hash_table_lookup (query, "code");
  g_assert_nonnull (code);

  form = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (form, "grant_type", "authorization_code");
  g_hash_table_insert (form, "client_id", (char *) chutes_config_get_client_id (config));
  g_hash_table_insert (form, "client_secret", (char *) chutes_config_get_client_secret (config));
  g_hash_table_insert (form, "code", (char *) code);
  g_hash_table_insert (form, "redirect_uri", (char *) redirect_uri);
  g_hash_table_insert (form, "code_verifier", verifier);

  token_url = g_strdup_printf ("%s/idp/token", chutes_test_mock_get_url (mock));
  g_clear_object (&message);
  g_clear_pointer (&bytes, g_bytes_unref);
  message = soup_message_new_from_encoded_form (SOUP_METHOD_POST, token_url,
                                                soup_form_encode_hash (form));
  bytes = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);

  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  token = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                   "access_token"));
  g_assert_true (g_str_has_prefix (token, "cak_"));

  return token;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->mock = chutes_test_mock_start ("--auto-consent", "allow",
                                          "--reply-words", "0",
                                          NULL);
  fixture->session = soup_session_new ();
  fixture->token = get_access_token (fixture->mock, fixture->session);
  fixture->messages = g_list_store_new (CHUTES_TYPE_MESSAGE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->messages);
  g_clear_pointer (&fixture->token, g_free);
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->mock, chutes_test_mock_free);
}

static void
add_message (Fixture           *fixture,
             ChutesMessageRole  role,
             const char        *content)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (role, content);

  g_list_store_append (fixture->messages, message);
}

/* The mock's canned reply with --reply-words 0. */
static char *
expected_reply (const char *said,
                guint       n_messages)
{
  return g_strdup_printf ("You said: \"%s\". This conversation has %u message%s so far.",
                          said, n_messages, n_messages == 1 ? "" : "s");
}

typedef struct
{
  GString  *content;
  GString  *reasoning;
  guint     n_deltas;
  guint     n_content_deltas;
  guint     n_usage;
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gboolean  content_before_reasoning;
  gboolean  done;
  gboolean  ok;
  GError   *error;

  /* Cancel from inside the handler after this many deltas (0: never). */
  GCancellable *cancel_after_cancellable;
  guint         cancel_after;
  guint         deltas_at_cancel;
} Run;

static void
on_delta (ChutesChatStream *stream,
          const char       *content,
          const char       *reasoning,
          Run              *run)
{
  g_assert_true (content != NULL || reasoning != NULL);
  g_assert_true (content == NULL || content[0] != '\0');
  g_assert_true (reasoning == NULL || reasoning[0] != '\0');
  g_assert_true (content == NULL || g_utf8_validate (content, -1, NULL));
  g_assert_true (reasoning == NULL || g_utf8_validate (reasoning, -1, NULL));
  g_assert_true (chutes_chat_stream_get_received_content (stream));

  /* Nothing arrives after a cancel. */
  g_assert_true (run->cancel_after == 0 || run->n_deltas < run->cancel_after);

  run->n_deltas++;
  if (content != NULL)
    {
      run->n_content_deltas++;
      g_string_append (run->content, content);
    }
  if (reasoning != NULL)
    {
      if (run->content->len > 0)
        run->content_before_reasoning = TRUE;
      g_string_append (run->reasoning, reasoning);
    }

  if (run->cancel_after != 0 && run->n_deltas == run->cancel_after)
    {
      run->deltas_at_cancel = run->n_deltas;
      g_cancellable_cancel (run->cancel_after_cancellable);
    }
}

static void
on_usage (ChutesChatStream *stream,
          gint64            prompt_tokens,
          gint64            completion_tokens,
          Run              *run)
{
  /* Nothing arrives after a cancel. */
  g_assert_cmpuint (run->deltas_at_cancel, ==, 0);

  run->n_usage++;
  run->prompt_tokens = prompt_tokens;
  run->completion_tokens = completion_tokens;
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  run->ok = chutes_chat_stream_run_finish (CHUTES_CHAT_STREAM (object), result, &run->error);
  run->done = TRUE;
}

static void
run_init (Run *run)
{
  memset (run, 0, sizeof *run);
  run->content = g_string_new (NULL);
  run->reasoning = g_string_new (NULL);
}

static void
run_clear (Run *run)
{
  g_string_free (run->content, TRUE);
  g_string_free (run->reasoning, TRUE);
  g_clear_error (&run->error);
}

static ChutesChatStream *
new_stream (Fixture    *fixture,
            const char *api_url,
            const char *model,
            gboolean    thinking,
            Run        *run)
{
  ChutesChatStream *stream;

  stream = chutes_chat_stream_new (fixture->session,
                                   api_url ? api_url : chutes_test_mock_get_api_url (fixture->mock),
                                   fixture->token,
                                   model ? model : "deepseek-ai/DeepSeek-V3-0324",
                                   G_LIST_MODEL (fixture->messages),
                                   thinking);
  g_signal_connect (stream, "delta", G_CALLBACK (on_delta), run);
  g_signal_connect (stream, "usage", G_CALLBACK (on_usage), run);

  return stream;
}

static void
run_stream (ChutesChatStream *stream,
            GCancellable     *cancellable,
            Run              *run)
{
  chutes_chat_stream_run_async (stream, cancellable, run_done_cb, run);
  chutes_test_wait_for (&run->done, 20);
}

static void
test_reply_streams (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *expected = expected_reply ("Hello there", 1);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello there");
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  g_assert_false (chutes_chat_stream_get_received_content (stream));
  run_stream (stream, NULL, &run);

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.content->str, ==, expected);
  g_assert_cmpstr (run.reasoning->str, ==, "");
  /* It came in pieces, one word or two at a time. */
  g_assert_cmpuint (run.n_deltas, >, 5);
  g_assert_true (chutes_chat_stream_get_received_content (stream));

  /* Usage: one usage-only chunk; the mock counts one token per piece and
   * 4 + length/4 per message sent. */
  g_assert_cmpuint (run.n_usage, ==, 1);
  g_assert_cmpint (run.completion_tokens, ==, run.n_content_deltas);
  g_assert_cmpint (run.prompt_tokens, ==, 4 + strlen ("Hello there") / 4);

  g_assert_nonnull (chutes_chat_stream_get_invocation_id (stream));
  g_assert_true (g_uuid_string_is_valid (chutes_chat_stream_get_invocation_id (stream)));
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams"), ==, 1);

  run_clear (&run);
}

static void
test_history_is_sent (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autoptr(ChutesMessage) failed = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "half");
  g_autofree char *expected = expected_reply ("And now?", 4);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_SYSTEM, "Be brief.");
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "First");
  add_message (fixture, CHUTES_MESSAGE_ROLE_ASSISTANT, "An answer");
  /* Not sent: a failed reply and an empty message. */
  chutes_message_set_status (failed, CHUTES_MESSAGE_STATUS_FAILED);
  g_list_store_append (fixture->messages, failed);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "");
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "And now?");

  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_no_error (run.error);
  g_assert_cmpstr (run.content->str, ==, expected);

  run_clear (&run);
}

static void
test_thinking (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *expected = expected_reply ("Why?", 1);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Why?");
  stream = new_stream (fixture, NULL, NULL, TRUE, &run);
  run_stream (stream, NULL, &run);

  g_assert_no_error (run.error);
  g_assert_cmpstr (run.content->str, ==, expected);
  g_assert_cmpstr (run.reasoning->str, ==,
                   "The person wrote: \"Why?\". There is 1 message in this conversation. "
                   "I am the demo server, so I will answer with my friendly canned reply.");
  /* The reasoning comes first, as it does from a real model. */
  g_assert_false (run.content_before_reasoning);
  g_assert_cmpint (run.completion_tokens, ==, run.n_deltas);

  run_clear (&run);
}

static void
test_quota_headers (Fixture       *fixture,
                    gconstpointer  user_data)
{
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Count me");

  for (gint64 i = 1; i <= 2; i++)
    {
      g_autoptr(ChutesChatStream) stream = NULL;
      gint64 total = 0;
      gint64 used = 0;
      Run run;

      run_init (&run);
      stream = new_stream (fixture, NULL, NULL, FALSE, &run);
      g_assert_cmpint (chutes_chat_stream_get_quota_remaining (stream), ==, -1);
      run_stream (stream, NULL, &run);
      g_assert_no_error (run.error);

      g_object_get (stream, "quota-total", &total, "quota-used", &used, NULL);
      g_assert_cmpint (total, ==, 1000);
      g_assert_cmpint (used, ==, i);
      g_assert_cmpint (chutes_chat_stream_get_quota_remaining (stream), ==, 1000 - i);
      run_clear (&run);
    }
}

typedef struct
{
  const char *failure;
  int         code;
  const char *must_contain;      /* in the message, or NULL */
} HttpFailure;

static const HttpFailure http_failures[] = {
  { "chat-401", CHUTES_ERROR_UNAUTHORIZED, NULL },
  { "chat-402", CHUTES_ERROR_PAYMENT_REQUIRED, "Quota exceeded" },
  { "chat-403", CHUTES_ERROR_FORBIDDEN, NULL },
  { "chat-404", CHUTES_ERROR_NOT_FOUND, "deepseek-ai/DeepSeek-V3-0324" },
  { "chat-426", CHUTES_ERROR_TEE_REQUIRED, NULL },
  { "chat-429", CHUTES_ERROR_RATE_LIMITED, NULL },
  { "chat-503", CHUTES_ERROR_UNAVAILABLE, NULL },
  { "chat-html-502", CHUTES_ERROR_SERVER, "502" },
};

static void
test_http_failures (Fixture       *fixture,
                    gconstpointer  user_data)
{
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");

  for (guint i = 0; i < G_N_ELEMENTS (http_failures); i++)
    {
      const HttpFailure *failure = &http_failures[i];
      g_autoptr(ChutesChatStream) stream = NULL;
      Run run;

      g_test_message ("failure %s", failure->failure);
      chutes_test_mock_control (fixture->mock, "fail", failure->failure, "count", "1", NULL);

      run_init (&run);
      stream = new_stream (fixture, NULL, NULL, FALSE, &run);
      run_stream (stream, NULL, &run);

      g_assert_false (run.ok);
      g_assert_error (run.error, CHUTES_ERROR, failure->code);
      g_test_message ("  → %s", run.error->message);
      g_assert_cmpuint (strlen (run.error->message), >, 10);
      if (failure->must_contain != NULL)
        g_assert_nonnull (strstr (run.error->message, failure->must_contain));
      /* An HTML error page is never shown. */
      g_assert_null (strchr (run.error->message, '<'));
      g_assert_null (strstr (run.error->message, "nginx"));
      g_assert_cmpuint (run.n_deltas, ==, 0);
      g_assert_false (chutes_chat_stream_get_received_content (stream));
      /* The request can still be named for support. */
      g_assert_nonnull (chutes_chat_stream_get_invocation_id (stream));
      run_clear (&run);
    }

  /* The switches were used up: the next request works. */
  {
    g_autoptr(ChutesChatStream) stream = NULL;
    Run run;

    run_init (&run);
    stream = new_stream (fixture, NULL, NULL, FALSE, &run);
    run_stream (stream, NULL, &run);
    g_assert_no_error (run.error);
    run_clear (&run);
  }
}

static void
test_unknown_model (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  stream = new_stream (fixture, NULL, "nobody/NoSuchModel-1B", FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (run.error->message, "nobody/NoSuchModel-1B"));
  run_clear (&run);
}

static void
test_midstream_error (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *full = expected_reply ("Hello", 1);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  chutes_test_mock_control (fixture->mock, "fail", "chat-midstream-error", "count", "1", NULL);
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_false (run.ok);
  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_STREAM);
  g_assert_nonnull (strstr (run.error->message, "stopped responding"));
  /* What came before the error was delivered. */
  g_assert_cmpuint (run.n_deltas, ==, 3);
  g_assert_cmpuint (run.content->len, >, 0);
  g_assert_cmpuint (run.content->len, <, strlen (full));
  g_assert_true (g_str_has_prefix (full, run.content->str));
  g_assert_true (chutes_chat_stream_get_received_content (stream));
  run_clear (&run);
}

static void
test_no_done (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *expected = expected_reply ("Hello", 1);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  chutes_test_mock_control (fixture->mock, "fail", "chat-no-done", "count", "1", NULL);
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.content->str, ==, expected);
  g_assert_cmpuint (run.n_usage, ==, 1);
  run_clear (&run);
}

static void
test_drop (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *full = expected_reply ("Hello", 1);
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  chutes_test_mock_control (fixture->mock, "fail", "chat-drop", "count", "1", NULL);
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_false (run.ok);
  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_cmpuint (run.n_deltas, ==, 3);
  g_assert_cmpuint (run.content->len, <, strlen (full));
  g_assert_true (g_str_has_prefix (full, run.content->str));
  run_clear (&run);
}

static void
test_split (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autofree char *unsplit_content = NULL;
  g_autofree char *unsplit_reasoning = NULL;
  Run run;

  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Ça va? Ünïcödé 😀 survives being cut");

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(ChutesChatStream) stream = NULL;

      if (round == 1)
        chutes_test_mock_control (fixture->mock, "fail", "chat-split", "count", "1", NULL);

      run_init (&run);
      stream = new_stream (fixture, NULL, NULL, TRUE, &run);
      run_stream (stream, NULL, &run);
      g_assert_no_error (run.error);

      if (round == 0)
        {
          unsplit_content = g_strdup (run.content->str);
          unsplit_reasoning = g_strdup (run.reasoning->str);
          g_assert_nonnull (strstr (unsplit_content, "😀"));
        }
      else
        {
          g_assert_cmpstr (run.content->str, ==, unsplit_content);
          g_assert_cmpstr (run.reasoning->str, ==, unsplit_reasoning);
          g_assert_cmpuint (run.n_usage, ==, 1);
        }
      run_clear (&run);
    }
}

/* A reply of @bytes bytes of @shape (the mock's huge-* controls). */
static void
run_huge (Fixture    *fixture,
          const char *shape,
          const char *bytes,
          Run        *run)
{
  g_autoptr(ChutesChatStream) stream = NULL;

  chutes_test_mock_control (fixture->mock, "huge-bytes", bytes, "huge-shape", shape, NULL);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Write me a very long reply");
  run_init (run);
  stream = new_stream (fixture, NULL, NULL, FALSE, run);
  run_stream (stream, NULL, run);
}

/* Cut at the limit, and the rest never read (the mock, which writes a
 * chunk once the last one is out, never finished). The replies are 100 MB:
 * loopback TCP buffers grow to several MB (tcp_wmem and tcp_rmem allow 4
 * and 32 MiB here), so the mock could finish writing a 5 MB reply into
 * them before the client closed the connection (seen about once in three
 * runs). Only what the buffers take is ever generated. */
static void
assert_cut (Fixture *fixture,
            Run     *run)
{
  g_autofree char *sentence = g_strdup_printf ("The reply was cut at %u MB;",
                                               CHUTES_CHAT_STREAM_MAX_REPLY / (1000 * 1000));

  g_assert_false (run->ok);
  g_assert_error (run->error, CHUTES_ERROR, CHUTES_ERROR_STREAM);
  g_assert_true (g_str_has_prefix (run->error->message, sentence));
  /* Up to the limit, exactly: the mock's text is ASCII. */
  g_assert_cmpuint (run->content->len + run->reasoning->len, ==, CHUTES_CHAT_STREAM_MAX_REPLY);
  g_assert_cmpuint (run->n_usage, ==, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams_completed"), ==, 0);
}

/* A reply past the limit is cut there: what fits is delivered. */
static void
test_huge_reply_is_cut (Fixture       *fixture,
                        gconstpointer  user_data)
{
  Run run;

  run_huge (fixture, "lines", "100000000", &run);
  assert_cut (fixture, &run);
  g_assert_cmpuint (run.reasoning->len, ==, 0);
  g_assert_true (g_str_has_prefix (run.content->str, "This reply comes from the Chutes demo"));
  g_assert_nonnull (strchr (run.content->str, '\n'));
  run_clear (&run);

  /* Just under the limit is a normal reply. */
  chutes_test_mock_control (fixture->mock, "huge-event-bytes", "65536", NULL);
  run_huge (fixture, "markdown", "1990000", &run);
  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpuint (run.content->len, ==, 1990000);
  g_assert_true (g_str_has_prefix (run.content->str, "## A section"));
  run_clear (&run);
}

/* The reasoning counts towards the limit too. */
static void
test_huge_reasoning_is_cut (Fixture       *fixture,
                            gconstpointer  user_data)
{
  Run run;

  run_huge (fixture, "reasoning", "100000000", &run);
  assert_cut (fixture, &run);
  g_assert_cmpuint (run.content->len, ==, 0);
  run_clear (&run);
}

/* One event line of 50 MB, without a newline: refused at the parser's
 * limit rather than held, and nothing of it is delivered. */
static void
test_huge_line_is_refused (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autofree char *sentence = g_strdup_printf ("larger than %u MiB",
                                               CHUTES_SSE_MAX_EVENT_SIZE / (1024 * 1024));
  Run run;

  run_huge (fixture, "one-line", "50000000", &run);
  g_assert_false (run.ok);
  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (run.error->message, sentence));
  g_assert_cmpuint (run.content->len, ==, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams_completed"), ==, 0);
  run_clear (&run);
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_cancel_mid_stream (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gboolean waited = FALSE;
  Run run;

  /* A long, slow reply: 60 words, 50 ms apart, about 3 s in all. */
  chutes_test_mock_control (fixture->mock, "reply-words", "60", "stream-delay-ms", "50", NULL);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Tell me a long story");

  run_init (&run);
  run.cancel_after = 3;
  run.cancel_after_cancellable = cancellable;
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  run_stream (stream, cancellable, &run);

  g_assert_false (run.ok);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (run.deltas_at_cancel, ==, 3);
  g_assert_cmpuint (run.n_deltas, ==, 3);
  g_assert_cmpuint (run.n_usage, ==, 0);

  /* Nothing more arrives later either. */
  g_timeout_add (300, set_flag_cb, &waited);
  chutes_test_wait_for (&waited, 5);
  g_assert_cmpuint (run.n_deltas, ==, 3);

  /* At once, not after reading the rest: the connection was closed, so
   * the server could never finish sending the reply. (How fast is for
   * benchmarks; a clock is fooled by a busy machine.) */
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (fixture->mock, "chat_streams_completed"), ==, 0);
  run_clear (&run);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* The headers have come: cancel once the stream waits for the body. */
static void
cancel_when_headers_came (ChutesChatStream *stream,
                          GParamSpec       *pspec,
                          GCancellable     *cancellable)
{
  g_idle_add_full (G_PRIORITY_LOW, cancel_cb, g_object_ref (cancellable), g_object_unref);
}

static void
test_cancel_while_stalled (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run;

  /* No I/O timeout: once the server stalls, only the cancel can end the
   * read, so completing at all shows that the cancel did it, and not
   * some timeout (run_stream() gives up after 20 s). */
  g_clear_object (&fixture->session);
  fixture->session = soup_session_new_with_options ("timeout", 0, NULL);

  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello?");
  chutes_test_mock_control (fixture->mock, "fail", "chat-stall", "count", "1", NULL);

  run_init (&run);
  stream = new_stream (fixture, NULL, NULL, FALSE, &run);
  g_signal_connect (stream, "notify::quota-remaining",
                    G_CALLBACK (cancel_when_headers_came), cancellable);
  run_stream (stream, cancellable, &run);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (run.n_deltas, ==, 0);
  g_assert_cmpuint (run.n_usage, ==, 0);
  /* The headers had come: the quota is known. */
  g_assert_cmpint (chutes_chat_stream_get_quota_remaining (stream), >=, 0);
  run_clear (&run);
}

static void
test_network_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/v1", chutes_test_find_free_port ());
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Anyone there?");
  stream = new_stream (fixture, url, NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_false (run.ok);
  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_nonnull (strstr (run.error->message, "127.0.0.1"));
  g_assert_cmpuint (run.n_deltas, ==, 0);
  run_clear (&run);
}

static void
test_plain_http_refused (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(ChutesChatStream) stream = NULL;
  Run run;

  run_init (&run);
  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  stream = new_stream (fixture, "http://llm.example.com/v1", NULL, FALSE, &run);
  run_stream (stream, NULL, &run);

  g_assert_error (run.error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
  run_clear (&run);
}

static void
test_token_never_logged (Fixture       *fixture,
                         gconstpointer  user_data)
{
  const char *failures[] = { NULL, "chat-401", "chat-midstream-error", "chat-drop" };

  add_message (fixture, CHUTES_MESSAGE_ROLE_USER, "Hello");
  g_string_truncate (log_text, 0);

  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autoptr(ChutesChatStream) stream = NULL;
      Run run;

      if (failures[i] != NULL)
        chutes_test_mock_control (fixture->mock, "fail", failures[i], "count", "1", NULL);
      run_init (&run);
      stream = new_stream (fixture, NULL, NULL, FALSE, &run);
      run_stream (stream, NULL, &run);
      run_clear (&run);
    }

  /* Debug messages were on, and something was logged. */
  g_assert_cmpuint (log_text->len, >, 0);
  g_assert_null (strstr (log_text->str, fixture->token));
  g_assert_null (strstr (log_text->str, fixture->token + strlen ("cak_")));
  g_assert_null (strstr (log_text->str, "Bearer"));
}

typedef struct
{
  gboolean    done;
  GListModel *models;
  GError     *error;
} ListModels;

static void
list_models_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ListModels *list = user_data;

  list->models = chutes_gateway_list_models_finish (CHUTES_GATEWAY (object), result, &list->error);
  list->done = TRUE;
}

static void
list_models (ChutesConfig *config,
             SoupSession  *session,
             ListModels   *list)
{
  g_autoptr(ChutesGateway) gateway = chutes_gateway_new (session, config);

  memset (list, 0, sizeof *list);
  chutes_gateway_list_models_async (gateway, NULL, list_models_cb, list);
  chutes_test_wait_for (&list->done, 20);
}

static void
test_gateway_lists_models (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(ChutesConfig) config = chutes_test_mock_new_config (fixture->mock, NULL);
  g_autoptr(ChutesModelInfo) tee = NULL;
  ListModels list;
  guint n_items;

  list_models (config, fixture->session, &list);
  g_assert_no_error (list.error);
  g_assert_true (g_list_model_get_item_type (list.models) == CHUTES_TYPE_MODEL_INFO);

  n_items = g_list_model_get_n_items (list.models);
  g_assert_cmpuint (n_items, ==, 5);

  /* Sorted by id. */
  for (guint i = 1; i < n_items; i++)
    {
      g_autoptr(ChutesModelInfo) a = g_list_model_get_item (list.models, i - 1);
      g_autoptr(ChutesModelInfo) b = g_list_model_get_item (list.models, i);

      g_assert_cmpint (strcmp (chutes_model_info_get_id (a), chutes_model_info_get_id (b)), <, 0);
    }

  tee = g_list_model_get_item (list.models, 2);
  g_assert_cmpstr (chutes_model_info_get_id (tee), ==, "deepseek-ai/DeepSeek-R1-0528-TEE");
  g_assert_true (chutes_model_info_get_confidential (tee));
  g_assert_cmpint (chutes_model_info_get_context_length (tee), ==, 163840);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (tee), ==, 0.5);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (tee), ==, 2.0);
  g_assert_cmpstr (chutes_model_info_get_chute_id (tee), ==, "7b6a5f4e-3d2c-5b1a-8f9e-0d1c2b3a4f5e");

  g_clear_object (&list.models);
}

static void
test_gateway_server_error (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(ChutesConfig) config = chutes_test_mock_new_config (fixture->mock, NULL);
  ListModels list;

  chutes_test_mock_control (fixture->mock, "fail", "models-500", "count", "1", NULL);
  list_models (config, fixture->session, &list);
  g_assert_null (list.models);
  g_assert_error (list.error, CHUTES_ERROR, CHUTES_ERROR_SERVER);
  g_clear_error (&list.error);

  /* Only once. */
  list_models (config, fixture->session, &list);
  g_assert_no_error (list.error);
  g_clear_object (&list.models);
}

static void
test_gateway_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/v1", chutes_test_find_free_port ());
  g_autoptr(ChutesConfig) config = NULL;
  ListModels list;

  g_setenv ("CHUTES_API_BASE_URL", url, TRUE);
  config = chutes_config_new (NULL);
  list_models (config, fixture->session, &list);
  g_assert_null (list.models);
  g_assert_error (list.error, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_clear_error (&list.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_log_set_debug_enabled (TRUE);

#define ADD(path, func) \
  g_test_add ("/chat-stream/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("reply-arrives-word-by-word", test_reply_streams);
  ADD ("whole-conversation-is-sent", test_history_is_sent);
  ADD ("thinking-arrives-before-the-answer", test_thinking);
  ADD ("quota-headers-are-read", test_quota_headers);
  ADD ("http-errors-are-explained", test_http_failures);
  ADD ("unknown-model-is-named", test_unknown_model);
  ADD ("midstream-error-keeps-partial-text", test_midstream_error);
  ADD ("missing-done-still-completes", test_no_done);
  ADD ("dropped-connection-keeps-partial-text", test_drop);
  ADD ("split-stream-equals-unsplit", test_split);
  ADD ("huge-reply-is-cut-at-the-limit", test_huge_reply_is_cut);
  ADD ("huge-reasoning-is-cut-at-the-limit", test_huge_reasoning_is_cut);
  ADD ("huge-event-line-is-refused", test_huge_line_is_refused);
  ADD ("cancel-stops-at-once", test_cancel_mid_stream);
  ADD ("cancel-while-server-is-silent", test_cancel_while_stalled);
  ADD ("server-down-is-a-network-error", test_network_down);
  ADD ("plain-http-to-remote-host-is-refused", test_plain_http_refused);
  ADD ("token-never-logged", test_token_never_logged);

  g_test_add ("/gateway/models-are-listed-sorted", Fixture, NULL,
              fixture_set_up, test_gateway_lists_models, fixture_tear_down);
  g_test_add ("/gateway/server-error-is-explained", Fixture, NULL,
              fixture_set_up, test_gateway_server_error, fixture_tear_down);
  g_test_add ("/gateway/server-down-is-a-network-error", Fixture, NULL,
              fixture_set_up, test_gateway_down, fixture_tear_down);

#undef ADD

  return g_test_run ();
}
