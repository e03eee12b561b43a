/* mock-gateway.c: the OpenAI-compatible model gateway half of the mock
 * (GET /v1/models, POST /v1/chat/completions)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define PARTIAL_CONTENT_CHUNKS 3

static const struct
{
  const char *id;
  const char *chute_id;
  gint64      max_model_len;
  double      prompt;
  double      completion;
  double      input_cache_read;
  gboolean    confidential_compute;
  /* Optional fields, copied into the entry as they are (JSON members
   * without the braces), NULL for none. */
  const char *extra;
} models[] = {
  /* USD per million tokens; values a double prints exactly in JSON.
   * DeepSeek-V3 says nothing of its features (as older lists did). */
  { "deepseek-ai/DeepSeek-V3-0324", "154ad01c-a431-5744-83c8-651215124360",
    163840, 0.25, 1.0, 0.125, FALSE, NULL },
  { "Qwen/Qwen3-235B-A22B", "5e7d5a3c-2d1f-5b0e-9a7c-0f8e6d4b3a21",
    40960, 0.125, 0.5, 0.0625, FALSE,
    "\"input_modalities\": [\"text\"], \"output_modalities\": [\"text\"],"
    " \"supported_features\": [\"json_mode\", \"tools\", \"reasoning\"],"
    " \"max_output_length\": 32768, \"quantization\": \"fp8\"" },
  /* A vision model. */
  { "unsloth/gemma-3-27b-it", "a1c3e5f7-0b2d-5f4a-8c6e-9d7b5a3c1e0f",
    131072, 0.0625, 0.25, 0.03125, FALSE,
    "\"input_modalities\": [\"text\", \"image\"], \"output_modalities\": [\"text\"],"
    " \"supported_features\": [\"json_mode\"], \"max_output_length\": 8192,"
    " \"quantization\": \"bf16\"" },
  /* Odd fields: each is ignored, the model still listed. */
  { "chutesai/Mistral-Small-3.1-24B-Instruct-2503", "e0d9c8b7-a6f5-5e4d-9c3b-2a1f0e9d8c7b",
    131072, 0.03125, 0.125, 0.015625, FALSE,
    "\"input_modalities\": \"text, image\", \"supported_features\": {\"tools\": true},"
    " \"output_modalities\": [42, null, [\"text\"]], \"max_output_length\": \"lots\","
    " \"quantization\": 8, \"price\": {\"input\": {\"usd\": \"NaN\"}}" },
  /* A reasoning model. */
  { "deepseek-ai/DeepSeek-R1-0528-TEE", "7b6a5f4e-3d2c-5b1a-8f9e-0d1c2b3a4f5e",
    163840, 0.5, 2.0, 0.25, TRUE,
    "\"input_modalities\": [\"text\"], \"supported_features\": [\"reasoning\"]" },
};
/* Adds the members of the JSON object text "{@members}". */
static void
add_members (JsonBuilder *builder,
             const char  *members)
{
  g_autofree char *text = g_strconcat ("{", members, "}", NULL);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  g_assert (node != NULL && JSON_NODE_HOLDS_OBJECT (node));

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_value (builder, json_node_copy (value));
    }
}

/* GET /v1/models */
void
mock_gateway_models (MockServer        *self,
                     SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  self->stats.models_requests++;

  if (mock_server_take_failure (self, "models-500"))
    {
      mock_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain",
                       "Internal Server Error");
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "list");
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, models[i].id);
      json_builder_set_member_name (builder, "object");
      json_builder_add_string_value (builder, "model");
      json_builder_set_member_name (builder, "created");
      json_builder_add_int_value (builder, 1743465600);
      json_builder_set_member_name (builder, "owned_by");
      json_builder_add_string_value (builder, "chutes");
      json_builder_set_member_name (builder, "chute_id");
      json_builder_add_string_value (builder, models[i].chute_id);
      json_builder_set_member_name (builder, "max_model_len");
      json_builder_add_int_value (builder, models[i].max_model_len);
      json_builder_set_member_name (builder, "pricing");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "prompt");
      json_builder_add_double_value (builder, models[i].prompt);
      json_builder_set_member_name (builder, "completion");
      json_builder_add_double_value (builder, models[i].completion);
      json_builder_set_member_name (builder, "input_cache_read");
      json_builder_add_double_value (builder, models[i].input_cache_read);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "confidential_compute");
      json_builder_add_boolean_value (builder, models[i].confidential_compute);
      if (models[i].extra != NULL)
        add_members (builder, models[i].extra);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

static int
find_model (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i].id, id))
      return i;

  return -1;
}

static void
reply_stream (MockServer           *self,
              SoupServerMessage    *msg,
              const MockCompletion *reply)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) content = mock_completion_split (reply->content);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  MockStreamMode mode = MOCK_STREAM_NORMAL;
  gboolean midstream_error = FALSE;
  gboolean no_done = FALSE;

  /* One transport failure and any of the event-level ones. */
  if (mock_server_take_failure (self, "chat-stall"))
    mode = MOCK_STREAM_STALL;
  else if (mock_server_take_failure (self, "chat-drop"))
    mode = MOCK_STREAM_DROP;
  else if (mock_server_take_failure (self, "chat-split"))
    mode = MOCK_STREAM_SPLIT;
  if (mode != MOCK_STREAM_DROP && mode != MOCK_STREAM_STALL)
    {
      midstream_error = mock_server_take_failure (self, "chat-midstream-error");
      if (!midstream_error)
        no_done = mock_server_take_failure (self, "chat-no-done");
    }

  self->stats.chat_streams++;

  g_ptr_array_add (events, mock_completion_chunk_event (reply, "role", "assistant", NULL));
  if (reply->reasoning != NULL && mode != MOCK_STREAM_DROP && !midstream_error)
    {
      g_autoptr(GPtrArray) reasoning = mock_completion_split (reply->reasoning);

      for (guint i = 0; i < reasoning->len; i++)
        g_ptr_array_add (events, mock_completion_chunk_event (reply, "reasoning_content",
                                              g_ptr_array_index (reasoning, i), NULL));
    }

  for (guint i = 0; i < content->len; i++)
    {
      /* A dropped stream ends in the middle of the one after those. */
      if ((mode == MOCK_STREAM_DROP && i == PARTIAL_CONTENT_CHUNKS + 1) ||
          (midstream_error && i == PARTIAL_CONTENT_CHUNKS))
        break;
      g_ptr_array_add (events, mock_completion_chunk_event (reply, "content",
                                            g_ptr_array_index (content, i), NULL));
    }

  if (midstream_error)
    {
      /* A bare JSON line, without "data: ", then the end of the body. */
      g_ptr_array_add (events, g_strdup ("{\"error\":\"Internal error: the model instance "
                                         "stopped responding.\"}\n"));
      soup_message_headers_replace (headers, "Connection", "close");
    }
  else if (mode != MOCK_STREAM_DROP)
    {
      g_ptr_array_add (events, mock_completion_chunk_event (reply, NULL, NULL, "stop"));
      g_ptr_array_add (events, mock_completion_usage_event (reply));
      if (!no_done)
        g_ptr_array_add (events, g_strdup ("data: [DONE]\n\n"));
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");

  mock_stream_start (self, msg, events, mode);
}

/* 402 with FastAPI's object detail: {"detail": {"message", "quota_reset_timestamp"}} */
static void
reply_quota_exceeded (MockServer        *self,
                      SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) today = g_date_time_new_utc (g_date_time_get_year (now),
                                                    g_date_time_get_month (now),
                                                    g_date_time_get_day_of_month (now),
                                                    0, 0, 0);
  g_autoptr(GDateTime) reset = g_date_time_add_days (today, 1);
  g_autofree char *reset_text = g_date_time_format (reset, "%Y-%m-%dT%H:%M:%S+00:00");
  g_autofree char *text = NULL;

  text = g_strdup_printf ("Quota exceeded: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                          " requests used today.", self->quota_total, self->quota_total);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "quota_reset_timestamp");
  json_builder_add_string_value (builder, reset_text);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  mock_reply_builder (msg, SOUP_STATUS_PAYMENT_REQUIRED, builder);
}

/* Injected HTTP errors, with the shapes the real gateway uses. */
static gboolean
reply_injected_error (MockServer        *self,
                      SoupServerMessage *msg,
                      const char        *model)
{
  g_autofree char *text = NULL;

  if (mock_server_take_failure (self, "chat-401"))
    mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED, "Invalid token.");
  else if (mock_server_take_failure (self, "chat-402"))
    reply_quota_exceeded (self, msg);
  else if (mock_server_take_failure (self, "chat-403"))
    mock_reply_detail (msg, SOUP_STATUS_FORBIDDEN,
                       "The token does not grant the chutes:invoke scope.");
  else if (mock_server_take_failure (self, "chat-404"))
    {
      text = g_strdup_printf ("model not found: %s", model != NULL ? model : "");
      mock_reply_detail (msg, SOUP_STATUS_NOT_FOUND, text);
    }
  else if (mock_server_take_failure (self, "chat-426"))
    mock_reply_detail (msg, 426,
                       "This chute runs only in a trusted execution environment (TEE); "
                       "use a client that supports confidential compute.");
  else if (mock_server_take_failure (self, "chat-429"))
    {
      mock_reply_detail (msg, 429,
                         "Daily free request limit reached, or the model is at capacity. "
                         "Try again later.");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "30");
    }
  else if (mock_server_take_failure (self, "chat-503"))
    {
      int i = model != NULL ? find_model (model) : -1;

      text = g_strdup_printf ("No instances available (yet) for chute_id=%s",
                              i >= 0 ? models[i].chute_id : "unknown");
      mock_reply_detail (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
    }
  else if (mock_server_take_failure (self, "chat-html-502"))
    mock_reply_text (msg, SOUP_STATUS_BAD_GATEWAY, "text/html",
                     "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                     "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
                     "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
  else
    return FALSE;

  return TRUE;
}

static gboolean
header_is_true (SoupServerMessage *msg,
                const char        *name)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    name);

  return value != NULL && (g_ascii_strcasecmp (value, "true") == 0 || g_str_equal (value, "1"));
}

/* Replies 422 and returns FALSE unless @messages is a non-empty array of
 * objects with a role. */
static gboolean
check_messages (SoupServerMessage *msg,
                JsonNode          *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    {
      mock_reply_validation (msg, "messages", "too_short",
                             "messages must be a non-empty list");
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          mock_json_get_string (json_node_get_object (item), "role") == NULL)
        {
          mock_reply_validation (msg, "messages", "missing",
                                 "Each message needs a role and content");
          return FALSE;
        }
    }

  return TRUE;
}

/* POST /v1/chat/completions */
void
mock_gateway_chat (MockServer        *self,
                   SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(JsonNode) root = mock_request_json (msg);
  JsonObject *body = NULL;
  const char *model;
  g_autofree char *invocation_id = g_uuid_string_random ();
  g_autofree char *base_model = NULL;
  g_autoptr(MockCompletion) reply = NULL;
  gboolean thinking;
  JsonNode *stream;
  MockToken *token;
  const char *bearer;

  self->stats.chat_requests++;
  g_clear_pointer (&self->last_chat, g_bytes_unref);
  self->last_chat = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    body = json_node_get_object (root);
  model = mock_json_get_string (body, "model");
  soup_message_headers_replace (headers, "X-Chutes-InvocationID", invocation_id);

  if (reply_injected_error (self, msg, model))
    return;

  bearer = mock_request_bearer (msg);
  token = mock_server_lookup_token (self, bearer, MOCK_TOKEN_ACCESS);
  if (token == NULL)
    {
      mock_reply_detail (msg, SOUP_STATUS_UNAUTHORIZED,
                         bearer == NULL ? "Not authenticated" : "Invalid token.");
      return;
    }

  if (!mock_scope_has (token->scope, "chutes:invoke"))
    {
      mock_reply_detail (msg, SOUP_STATUS_FORBIDDEN,
                         "The token does not grant the chutes:invoke scope.");
      return;
    }

  if (body == NULL)
    {
      mock_reply_detail (msg, SOUP_STATUS_BAD_REQUEST, "The request body must be a JSON object.");
      return;
    }

  if (model == NULL)
    {
      mock_reply_validation (msg, "model", "missing", "Field required");
      return;
    }

  if (!check_messages (msg, json_object_get_member (body, "messages")))
    return;

  thinking = header_is_true (msg, "X-Enable-Thinking");
  if (g_str_has_suffix (model, ":THINKING"))
    {
      base_model = g_strndup (model, strlen (model) - strlen (":THINKING"));
      thinking = TRUE;
    }
  else
    base_model = g_strdup (model);

  if (find_model (base_model) < 0)
    {
      g_autofree char *detail = g_strdup_printf ("model not found: %s", model);
      mock_reply_detail (msg, SOUP_STATUS_NOT_FOUND, detail);
      return;
    }

  if (!mock_images_check (msg, json_object_get_array_member (body, "messages"), base_model,
                          mock_images_model_takes_images (models[find_model (base_model)].extra)))
    return;

  if (self->quota_used >= self->quota_total)
    {
      reply_quota_exceeded (self, msg);
      return;
    }

  self->quota_used++;
  {
    g_autofree char *total = g_strdup_printf ("%" G_GINT64_FORMAT, self->quota_total);
    g_autofree char *used = g_strdup_printf ("%" G_GINT64_FORMAT, self->quota_used);
    g_autofree char *remaining = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  self->quota_total - self->quota_used);

    soup_message_headers_replace (headers, "X-Chutes-Quota-Total", total);
    soup_message_headers_replace (headers, "X-Chutes-Quota-Used", used);
    soup_message_headers_replace (headers, "X-Chutes-Quota-Remaining", remaining);
  }

  reply = mock_completion_new (self, model, json_object_get_array_member (body, "messages"),
                               thinking);

  stream = json_object_get_member (body, "stream");
  if (stream != NULL && JSON_NODE_HOLDS_VALUE (stream) &&
      json_node_get_value_type (stream) == G_TYPE_BOOLEAN && json_node_get_boolean (stream))
    reply_stream (self, msg, reply);
  else
    mock_completion_reply (msg, reply);
}
