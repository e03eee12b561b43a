/* test-chat-chunk.c: decoding one piece of a streamed chat reply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-chat-stream.h"
#include "chutes-error.h"
#include "chutes-json.h"
#include "chutes-message.h"
#include "chutes-model-info.h"

static void
parse_ok (const char      *data,
          ChutesChatChunk *chunk)
{
  g_autoptr(GError) error = NULL;

  g_autofree char *escaped = g_strescape (data, NULL);
  gboolean ok;

  g_test_message ("%s", escaped);
  ok = chutes_chat_chunk_parse (data, strlen (data), chunk, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
parse_fails (const char *data,
             gsize       length)
{
  ChutesChatChunk chunk;
  g_autoptr(GError) error = NULL;

  g_assert_false (chutes_chat_chunk_parse (data, length, &chunk, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

static void
test_content (void)
{
  ChutesChatChunk chunk;

  parse_ok ("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
            "\"logprobs\":null,\"finish_reason\":null}],\"extra\":{\"nested\":[1,2]}}",
            &chunk);
  g_assert_cmpstr (chunk.content, ==, "Hel");
  g_assert_null (chunk.reasoning);
  g_assert_null (chunk.finish_reason);
  g_assert_null (chunk.error);
  g_assert_false (chunk.has_usage);
  g_assert_false (chunk.done);
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"caf\\u00e9 \\ud83d\\ude00\\n\"},"
            "\"finish_reason\":\"stop\"}]}", &chunk);
  g_assert_cmpstr (chunk.content, ==, "café 😀\n");
  g_assert_cmpstr (chunk.finish_reason, ==, "stop");
  chutes_chat_chunk_clear (&chunk);

  /* Only the first choice is shown. */
  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"one\"}},{\"delta\":{\"content\":\"two\"}}]}",
            &chunk);
  g_assert_cmpstr (chunk.content, ==, "one");
  chutes_chat_chunk_clear (&chunk);

  /* Surrounding white space is fine. */
  parse_ok ("  {\"choices\":[{\"delta\":{\"content\":\" spaced \"}}]}\r\n", &chunk);
  g_assert_cmpstr (chunk.content, ==, " spaced ");
  chutes_chat_chunk_clear (&chunk);
}

static void
test_reasoning (void)
{
  ChutesChatChunk chunk;

  parse_ok ("{\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"Let me think\"}}]}",
            &chunk);
  g_assert_null (chunk.content);
  g_assert_cmpstr (chunk.reasoning, ==, "Let me think");
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"choices\":[{\"delta\":{\"reasoning\":\"other servers\"}}]}", &chunk);
  g_assert_cmpstr (chunk.reasoning, ==, "other servers");
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"choices\":[{\"delta\":{\"reasoning_content\":\"r\",\"content\":\"c\"}}]}", &chunk);
  g_assert_cmpstr (chunk.reasoning, ==, "r");
  g_assert_cmpstr (chunk.content, ==, "c");
  chutes_chat_chunk_clear (&chunk);
}

static void
test_usage_only (void)
{
  ChutesChatChunk chunk;

  parse_ok ("{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
            "\"completion_tokens\":34,\"total_tokens\":46}}", &chunk);
  g_assert_true (chunk.has_usage);
  g_assert_cmpint (chunk.prompt_tokens, ==, 12);
  g_assert_cmpint (chunk.completion_tokens, ==, 34);
  g_assert_null (chunk.content);
  g_assert_null (chunk.reasoning);
  g_assert_null (chunk.error);
  chutes_chat_chunk_clear (&chunk);

  /* Usage riding on the last content chunk, counts written as floats. */
  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"!\"},\"finish_reason\":\"stop\"}],"
            "\"usage\":{\"prompt_tokens\":1e3,\"completion_tokens\":7.0}}", &chunk);
  g_assert_cmpstr (chunk.content, ==, "!");
  g_assert_true (chunk.has_usage);
  g_assert_cmpint (chunk.prompt_tokens, ==, 1000);
  g_assert_cmpint (chunk.completion_tokens, ==, 7);
  chutes_chat_chunk_clear (&chunk);

  /* Half a usage is still a usage; the missing count is unknown. */
  parse_ok ("{\"choices\":[],\"usage\":{\"completion_tokens\":5}}", &chunk);
  g_assert_true (chunk.has_usage);
  g_assert_cmpint (chunk.prompt_tokens, ==, -1);
  g_assert_cmpint (chunk.completion_tokens, ==, 5);
  chutes_chat_chunk_clear (&chunk);

  /* Counts that are not counts are ignored. */
  parse_ok ("{\"choices\":[],\"usage\":{\"prompt_tokens\":\"12\",\"completion_tokens\":-3}}", &chunk);
  g_assert_false (chunk.has_usage);
  chutes_chat_chunk_clear (&chunk);
}

static void
test_done (void)
{
  ChutesChatChunk chunk;

  parse_ok ("[DONE]", &chunk);
  g_assert_true (chunk.done);
  g_assert_null (chunk.content);
  g_assert_null (chunk.error);
  chutes_chat_chunk_clear (&chunk);

  parse_ok (" [DONE] ", &chunk);
  g_assert_true (chunk.done);
  chutes_chat_chunk_clear (&chunk);

  /* Not quite [DONE]. */
  parse_fails ("[DONE", 5);
  parse_fails ("[done]", 6);
}

static void
test_errors (void)
{
  ChutesChatChunk chunk;

  parse_ok ("{\"error\":\"Internal model error\"}", &chunk);
  g_assert_cmpstr (chunk.error, ==, "Internal model error");
  g_assert_null (chunk.content);
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"error\":{\"message\":\"Model overloaded\",\"type\":\"server_error\",\"code\":503}}",
            &chunk);
  g_assert_cmpstr (chunk.error, ==, "Model overloaded");
  chutes_chat_chunk_clear (&chunk);

  /* An error object without a message still is an error. */
  parse_ok ("{\"error\":{\"code\":500}}", &chunk);
  g_assert_nonnull (chunk.error);
  g_assert_cmpstr (chunk.error, !=, "");
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"error\":\"  \"}", &chunk);
  g_assert_nonnull (chunk.error);
  g_assert_cmpstr (chunk.error, !=, "");
  chutes_chat_chunk_clear (&chunk);

  /* FastAPI's shape. */
  parse_ok ("{\"detail\":\"No instances available\"}", &chunk);
  g_assert_cmpstr (chunk.error, ==, "No instances available");
  chutes_chat_chunk_clear (&chunk);

  /* "error": null is no error. */
  parse_ok ("{\"error\":null,\"choices\":[{\"delta\":{\"content\":\"fine\"}}]}", &chunk);
  g_assert_null (chunk.error);
  g_assert_cmpstr (chunk.content, ==, "fine");
  chutes_chat_chunk_clear (&chunk);
}

static void
test_long_error_is_bounded (void)
{
  g_autoptr(GString) data = g_string_new ("{\"error\":\"");
  ChutesChatChunk chunk;

  for (guint i = 0; i < 5000; i++)
    g_string_append (data, "\xC3\xA9");
  g_string_append (data, "\"}");

  parse_ok (data->str, &chunk);
  g_assert_nonnull (chunk.error);
  g_assert_cmpuint (strlen (chunk.error), <=, 1000);
  g_assert_cmpuint (strlen (chunk.error), >, 100);
  g_assert_true (g_utf8_validate (chunk.error, -1, NULL));
  chutes_chat_chunk_clear (&chunk);
}

static void
test_nulls_and_wrong_types (void)
{
  const char *inputs[] = {
    "{}",
    "{\"choices\":null,\"usage\":null}",
    "{\"choices\":[null]}",
    "{\"choices\":[{\"delta\":null,\"finish_reason\":null}]}",
    "{\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":null}}]}",
    "{\"choices\":[{\"delta\":{\"content\":42,\"reasoning_content\":[\"x\"]}}]}",
    "{\"choices\":{\"delta\":{\"content\":\"no\"}}}",
    "{\"choices\":\"text\",\"usage\":[1,2]}",
    "{\"choices\":[[{\"delta\":{\"content\":\"no\"}}]]}",
    "{\"choices\":[{\"delta\":\"content\"}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      ChutesChatChunk chunk;

      parse_ok (inputs[i], &chunk);
      g_assert_null (chunk.content);
      g_assert_null (chunk.reasoning);
      g_assert_null (chunk.finish_reason);
      g_assert_null (chunk.error);
      g_assert_false (chunk.has_usage);
      g_assert_false (chunk.done);
      chutes_chat_chunk_clear (&chunk);
    }
}

static void
test_not_json (void)
{
  parse_fails ("hello", 5);
  parse_fails ("{\"choices\":[", 12);
  parse_fails ("[1,2]", 5);
  parse_fails ("null", 4);
  parse_fails ("\"text\"", 6);
  parse_fails ("", 0);
  parse_fails ("   ", 3);
  parse_fails ("{\"a\":1} trailing", 16);
  parse_fails ("<html><body>502 Bad Gateway</body></html>", 41);
  parse_fails ("{\"a\":\0\"b\"}", 10);
}

/* json-glib alone overflows the stack on this; one chunk must cost an
 * error, not the app. */
static void
test_deep_chunk_is_refused (void)
{
  GString *doc = g_string_new ("{\"choices\":[{\"delta\":{\"content\":");
  ChutesChatChunk chunk;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (doc, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (doc, ']');
  g_string_append (doc, "}}]}");

  g_assert_false (chutes_chat_chunk_parse (doc->str, doc->len, &chunk, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "levels deep"));
  g_clear_error (&error);

  /* The same brackets as text are only text. */
  g_string_truncate (doc, 0);
  g_string_append (doc, "{\"choices\":[{\"delta\":{\"content\":\"");
  for (guint i = 0; i < 1000; i++)
    g_string_append (doc, "[{");
  g_string_append (doc, "\"}}]}");
  parse_ok (doc->str, &chunk);
  g_assert_cmpuint (strlen (chunk.content), ==, 2000);
  chutes_chat_chunk_clear (&chunk);

  g_string_free (doc, TRUE);
}

/* One chunk past 1 MiB is refused before anything copies it; one at the
 * limit is read. */
static void
test_huge_chunk_is_refused (void)
{
  const char *head = "{\"choices\":[{\"delta\":{\"content\":\"";
  const char *tail = "\"}}]}";
  GString *doc = g_string_new (head);
  ChutesChatChunk chunk;
  g_autoptr(GError) error = NULL;

  while (doc->len < CHUTES_JSON_MAX_CHUNK - strlen (tail))
    g_string_append_c (doc, 'x');
  g_string_append (doc, tail);
  g_assert_cmpuint (doc->len, ==, CHUTES_JSON_MAX_CHUNK);
  g_assert_true (chutes_chat_chunk_parse (doc->str, doc->len, &chunk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (chunk.content), ==, CHUTES_JSON_MAX_CHUNK - strlen (head) - strlen (tail));
  chutes_chat_chunk_clear (&chunk);

  g_string_insert_c (doc, strlen (head), 'x');
  g_assert_false (chutes_chat_chunk_parse (doc->str, doc->len, &chunk, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger than"));

  g_string_free (doc, TRUE);
}

static void
test_invalid_utf8_never_escapes (void)
{
  ChutesChatChunk chunk;

  /* Raw bytes that are not UTF-8: the character is lost, not the piece. */
  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"a\xFF" "b\xC3\"}}]}", &chunk);
  g_assert_nonnull (chunk.content);
  g_assert_true (g_utf8_validate (chunk.content, -1, NULL));
  g_assert_true (g_str_has_prefix (chunk.content, "a"));
  g_assert_nonnull (strchr (chunk.content, 'b'));
  chutes_chat_chunk_clear (&chunk);

  /* A lone surrogate escape, which json-glib turns into invalid UTF-8. */
  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"x\\ud83d y\",\"reasoning_content\":\"\\ud83d\"}}]}",
            &chunk);
  g_assert_nonnull (chunk.content);
  g_assert_true (g_utf8_validate (chunk.content, -1, NULL));
  g_assert_cmpstr (chunk.content, ==, "x\xEF\xBF\xBD y");
  g_assert_nonnull (chunk.reasoning);
  g_assert_true (g_utf8_validate (chunk.reasoning, -1, NULL));
  chutes_chat_chunk_clear (&chunk);

  /* A lone low surrogate, and an escaped backslash that only looks like
   * an escape. */
  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"\\udc00z\",\"reasoning_content\":\"\\\\ud83d\"}}]}",
            &chunk);
  g_assert_cmpstr (chunk.content, ==, "\xEF\xBF\xBDz");
  g_assert_cmpstr (chunk.reasoning, ==, "\\ud83d");
  chutes_chat_chunk_clear (&chunk);

  parse_ok ("{\"error\":\"bad \xFE byte\"}", &chunk);
  g_assert_true (g_utf8_validate (chunk.error, -1, NULL));
  g_assert_true (g_str_has_prefix (chunk.error, "bad "));
  chutes_chat_chunk_clear (&chunk);
}

static void
test_clear_is_idempotent (void)
{
  ChutesChatChunk chunk;

  parse_ok ("{\"choices\":[{\"delta\":{\"content\":\"c\"}}],\"usage\":{\"prompt_tokens\":1}}", &chunk);
  chutes_chat_chunk_clear (&chunk);
  g_assert_null (chunk.content);
  g_assert_false (chunk.has_usage);
  chutes_chat_chunk_clear (&chunk);
}

static void
test_request_body (void)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(ChutesMessage) system = chutes_message_new (CHUTES_MESSAGE_ROLE_SYSTEM, "Be brief.");
  g_autoptr(ChutesMessage) user = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "Say \"hi\"\n");
  g_autoptr(ChutesMessage) answer = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "hi");
  g_autoptr(ChutesMessage) stopped = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "half");
  g_autoptr(ChutesMessage) failed = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "broken");
  g_autoptr(ChutesMessage) empty = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "");
  g_autoptr(ChutesMessage) pending = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  JsonObject *root;
  JsonArray *messages;

  chutes_message_set_status (stopped, CHUTES_MESSAGE_STATUS_STOPPED);
  chutes_message_set_status (failed, CHUTES_MESSAGE_STATUS_FAILED);
  chutes_message_set_status (pending, CHUTES_MESSAGE_STATUS_PENDING);

  g_list_store_append (store, system);
  g_list_store_append (store, user);
  g_list_store_append (store, answer);
  g_list_store_append (store, stopped);
  g_list_store_append (store, failed);
  g_list_store_append (store, empty);
  g_list_store_append (store, pending);

  body = chutes_chat_stream_build_body ("org/Model-1", G_LIST_MODEL (store));
  g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
  g_assert_no_error (error);

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "org/Model-1");
  g_assert_true (json_object_get_boolean_member (root, "stream"));

  messages = json_object_get_array_member (root, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);

  {
    const char *roles[] = { "system", "user", "assistant", "assistant" };
    const char *contents[] = { "Be brief.", "Say \"hi\"\n", "hi", "half" };

    for (guint i = 0; i < 4; i++)
      {
        JsonObject *message = json_array_get_object_element (messages, i);

        g_assert_cmpstr (json_object_get_string_member (message, "role"), ==, roles[i]);
        g_assert_cmpstr (json_object_get_string_member (message, "content"), ==, contents[i]);
      }
  }
}

static ChutesModelInfo *
model_from_json (const char  *json,
                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return chutes_model_info_new_from_json (json_node_get_object (json_parser_get_root (parser)), error);
}

static void
test_model_full_entry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesModelInfo) model = NULL;
  g_autofree char *id = NULL;
  gint64 context_length = 0;

  model = model_from_json ("{\"id\":\"deepseek-ai/DeepSeek-R1-0528-TEE\",\"object\":\"model\","
                           "\"chute_id\":\"7b6a5f4e\",\"max_model_len\":163840,"
                           "\"pricing\":{\"prompt\":0.5,\"completion\":2,\"input_cache_read\":0.25},"
                           "\"confidential_compute\":true,\"extra\":[1]}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chutes_model_info_get_id (model), ==, "deepseek-ai/DeepSeek-R1-0528-TEE");
  g_assert_cmpstr (chutes_model_info_get_chute_id (model), ==, "7b6a5f4e");
  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 163840);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), ==, 0.5);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (model), ==, 2.0);
  g_assert_true (chutes_model_info_get_confidential (model));

  g_object_get (model, "id", &id, "context-length", &context_length, NULL);
  g_assert_cmpstr (id, ==, "deepseek-ai/DeepSeek-R1-0528-TEE");
  g_assert_cmpint (context_length, ==, 163840);
}

/* 1e400 is infinity to json-glib; a price of 1e300 dollars is no price. */
static void
test_model_absurd_numbers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesModelInfo) model = NULL;
  g_autoptr(ChutesModelInfo) negative = NULL;

  model = model_from_json ("{\"id\":\"a/b\",\"max_model_len\":1e400,"
                           "\"pricing\":{\"prompt\":1e300,\"completion\":1e400}}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 0);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), ==, -1.0);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (model), ==, -1.0);

  negative = model_from_json ("{\"id\":\"a/b\",\"max_model_len\":-9223372036854775000,"
                              "\"pricing\":{\"prompt\":\"-1e400\",\"completion\":-0.5}}",
                              &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_model_info_get_context_length (negative), ==, 0);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (negative), ==, -1.0);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (negative), ==, -1.0);
}

static void
test_model_sparse_entry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesModelInfo) model = NULL;

  /* Only an id; nulls, strings for numbers and wrong types elsewhere. */
  model = model_from_json ("{\"id\":\"m\",\"chute_id\":null,\"max_model_len\":\"big\","
                           "\"pricing\":{\"prompt\":\"0.125\",\"completion\":null},"
                           "\"confidential_compute\":\"yes\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chutes_model_info_get_id (model), ==, "m");
  g_assert_null (chutes_model_info_get_chute_id (model));
  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 0);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), ==, 0.125);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (model), <, 0);
  g_assert_false (chutes_model_info_get_confidential (model));
  g_clear_object (&model);

  model = model_from_json ("{\"id\":\"n\",\"pricing\":[1,2],\"max_model_len\":-5}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 0);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), <, 0);
}

static void
test_model_without_id (void)
{
  const char *inputs[] = {
    "{}",
    "{\"id\":null}",
    "{\"id\":\"\"}",
    "{\"id\":42}",
    "{\"id\":{\"name\":\"x\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChutesModelInfo) model = model_from_json (inputs[i], &error);

      g_assert_null (model);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
    }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_message_notifies_once_per_change (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  guint content = 0;
  guint reasoning = 0;
  guint status = 0;
  guint error = 0;
  guint tokens = 0;

  g_signal_connect (message, "notify::content", G_CALLBACK (count_notify), &content);
  g_signal_connect (message, "notify::reasoning", G_CALLBACK (count_notify), &reasoning);
  g_signal_connect (message, "notify::status", G_CALLBACK (count_notify), &status);
  g_signal_connect (message, "notify::error", G_CALLBACK (count_notify), &error);
  g_signal_connect (message, "notify::completion-tokens", G_CALLBACK (count_notify), &tokens);

  g_assert_cmpstr (chutes_message_get_content (message), ==, "");
  g_assert_cmpint (chutes_message_get_prompt_tokens (message), ==, -1);

  chutes_message_append_content (message, "Hel");
  chutes_message_append_content (message, "lo");
  chutes_message_append_content (message, "");
  chutes_message_append_content (message, NULL);
  g_assert_cmpuint (content, ==, 2);
  g_assert_cmpstr (chutes_message_get_content (message), ==, "Hello");

  chutes_message_append_reasoning (message, "hmm");
  g_assert_cmpuint (reasoning, ==, 1);
  g_assert_cmpuint (content, ==, 2);

  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STREAMING);
  g_assert_cmpuint (status, ==, 1);

  chutes_message_set_error (message, "Broken");
  chutes_message_set_error (message, "Broken");
  g_assert_cmpuint (error, ==, 1);
  chutes_message_set_error (message, NULL);
  g_assert_cmpuint (error, ==, 2);
  g_assert_null (chutes_message_get_error (message));

  chutes_message_set_usage (message, 10, 20);
  chutes_message_set_usage (message, 10, 20);
  chutes_message_set_usage (message, 11, 20);
  g_assert_cmpuint (tokens, ==, 1);
  g_assert_cmpint (chutes_message_get_prompt_tokens (message), ==, 11);

  /* Setting the same text through the property does not notify. */
  g_object_set (message, "content", "Hello", NULL);
  g_assert_cmpuint (content, ==, 2);
  g_object_set (message, "content", "Bye", NULL);
  g_assert_cmpuint (content, ==, 3);
}

/* 200 000 pieces (1.2 MB), as a long streamed reply arrives: appending a
 * piece must not copy the whole text. Counted, not timed: every time the
 * text moves to a new buffer, what it held so far was copied; a buffer that
 * grows geometrically moves a few dozen times and copies less than twice
 * the final text in all, one that is rebuilt for every piece copies it
 * about 100 000 times. */
static void
test_message_long_reply_is_cheap (void)
{
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, NULL);
  const char *buffer = chutes_message_get_content (message);
  gsize length = strlen (buffer);
  guint64 copied = 0;
  guint moves = 0;

  for (guint i = 0; i < 200000; i++)
    {
      const char *now;

      chutes_message_append_content (message, "word. ");
      now = chutes_message_get_content (message);
      if (now != buffer)
        {
          copied += length;
          moves++;
          buffer = now;
        }
      length += 6;
    }

  g_test_message ("the text moved %u times, %" G_GUINT64_FORMAT " bytes copied", moves, copied);
  g_assert_cmpuint (strlen (chutes_message_get_content (message)), ==, 200000 * 6);
  g_assert_cmpstr (chutes_message_get_content (message) + length - 12, ==, "word. word. ");
  g_assert_cmpuint (copied, <=, 4 * length);
}

static void
test_request_body_attachments (void)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(GListStore) files = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(GListStore) only_image = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(ChutesMessage) user = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "What is wrong?");
  g_autoptr(ChutesMessage) answer = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "A typo.");
  g_autoptr(ChutesMessage) picture = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "");
  g_autoptr(ChutesMessage) plain = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "Thanks");
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG", 4);
  g_autoptr(GBytes) jpeg = g_bytes_new_static ("\xff\xd8\xff", 3);
  g_autoptr(GBytes) code = g_bytes_new_static ("int x = `y`;\n", 13);
  g_autoptr(ChutesAttachment) shot = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "shot.png",
                                                                  "image/png", png, 640, 480);
  g_autoptr(ChutesAttachment) photo = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "cat.jpg",
                                                                   "image/jpeg", jpeg, 30, 20);
  g_autoptr(ChutesAttachment) source = chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT, "x.c",
                                                                    "text/x-csrc", code, 0, 0);
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_list_store_append (files, shot);
  g_list_store_append (files, source);
  g_list_store_append (files, photo);
  chutes_message_set_attachments (user, G_LIST_MODEL (files));
  /* The message keeps its own list. */
  g_list_store_remove_all (files);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (user)), ==, 3);

  g_list_store_append (only_image, photo);
  chutes_message_set_attachments (picture, G_LIST_MODEL (only_image));

  g_list_store_append (store, user);
  g_list_store_append (store, answer);
  g_list_store_append (store, picture);
  g_list_store_append (store, plain);

  body = chutes_chat_stream_build_body ("org/VL", G_LIST_MODEL (store));
  root = json_from_string (body, NULL);
  expected = json_from_string (
    "{\"model\": \"org/VL\", \"messages\": ["
    " {\"role\": \"user\", \"content\": ["
    "   {\"type\": \"text\", \"text\": \"What is wrong?\\n\\nx.c\\n```\\nint x = `y`;\\n```\"},"
    "   {\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,iVBORw==\"}},"
    "   {\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/jpeg;base64,/9j/\"}}]},"
    " {\"role\": \"assistant\", \"content\": \"A typo.\"},"
    " {\"role\": \"user\", \"content\": ["
    "   {\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/jpeg;base64,/9j/\"}}]},"
    " {\"role\": \"user\", \"content\": \"Thanks\"}],"
    " \"stream\": true}", NULL);
  g_assert_nonnull (root);
  g_assert_nonnull (expected);
  if (!json_node_equal (root, expected))
    g_error ("Unexpected body: %s", body);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/chat-chunk/content-is-read", test_content);
  g_test_add_func ("/chat-chunk/reasoning-is-read", test_reasoning);
  g_test_add_func ("/chat-chunk/usage-only-with-empty-choices", test_usage_only);
  g_test_add_func ("/chat-chunk/done-marks-the-end", test_done);
  g_test_add_func ("/chat-chunk/error-as-string-or-object", test_errors);
  g_test_add_func ("/chat-chunk/long-error-is-cut", test_long_error_is_bounded);
  g_test_add_func ("/chat-chunk/nulls-and-wrong-types-are-tolerated", test_nulls_and_wrong_types);
  g_test_add_func ("/chat-chunk/not-json-is-a-protocol-error", test_not_json);
  g_test_add_func ("/chat-chunk/invalid-utf8-never-reaches-gtk", test_invalid_utf8_never_escapes);
  g_test_add_func ("/chat-chunk/deep-nesting-is-an-error-not-a-crash", test_deep_chunk_is_refused);
  g_test_add_func ("/chat-chunk/huge-chunk-is-refused", test_huge_chunk_is_refused);
  g_test_add_func ("/model/absurd-numbers-are-unknown", test_model_absurd_numbers);
  g_test_add_func ("/chat-chunk/clear-twice-is-safe", test_clear_is_idempotent);
  g_test_add_func ("/chat-chunk/request-body-holds-the-conversation", test_request_body);
  g_test_add_func ("/chat-chunk/request-body-attachments-as-content-parts", test_request_body_attachments);
  g_test_add_func ("/message/notifies-once-per-change", test_message_notifies_once_per_change);
  g_test_add_func ("/message/long-reply-appends-cheaply", test_message_long_reply_is_cheap);
  g_test_add_func ("/model/full-entry-is-read", test_model_full_entry);
  g_test_add_func ("/model/sparse-entry-is-tolerated", test_model_sparse_entry);
  g_test_add_func ("/model/entry-without-name-is-refused", test_model_without_id);

  return g_test_run ();
}
