/* chutes-chat-chunk.c: the JSON of a chat completion, streamed chunks in and request body out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-chat-chunk.h"
#include "chutes-error.h"
#include "chutes-json.h"
#include "chutes-message.h"

/* An error message from the stream is shown; keep it short. */
#define MAX_ERROR_TEXT 1000

/* ------------------------------------------------------------------------
 * Decoding one data payload
 * --------------------------------------------------------------------- */

/* What a chunk holds before anything is decoded into it, and after
 * chutes_chat_chunk_clear(). */
static const ChutesChatChunk empty_chunk = {
  .prompt_tokens = -1,
  .completion_tokens = -1,
  .cached_tokens = -1,
};

static JsonNode *
get_member (JsonObject *object,
            const char *name)
{
  if (object == NULL)
    return NULL;

  return json_object_get_member (object, name);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);

  return NULL;
}

/* The node's string; NULL when @node is absent, null or anything else. */
static const char *
node_get_text (JsonNode *node)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);

  return NULL;
}

/* The member when it is a string; NULL when absent, null or anything else. */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  return node_get_text (get_member (object, name));
}

/* A token count: a non-negative number. @value is left alone, and FALSE
 * returned, when the member is absent or anything else. */
static gboolean
get_count (JsonObject *object,
           const char *name,
           gint64     *value)
{
  JsonNode *node = get_member (object, name);
  gint64 count;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    count = json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (!isfinite (d) || d < 0 || d > (double) G_MAXINT32 * 1024)
        return FALSE;
      count = (gint64) d;
    }
  else
    return FALSE;

  if (count < 0)
    return FALSE;

  *value = count;
  return TRUE;
}

/* Text from the network, made valid UTF-8 so that it can reach GTK. */
static char *
dup_valid (const char *text)
{
  if (text == NULL)
    return NULL;

  return g_utf8_make_valid (text, -1);
}

/* An error message: valid UTF-8, at most MAX_ERROR_TEXT bytes, cut on a
 * character boundary. */
static char *
dup_error_text (const char *text)
{
  char *valid;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  g_strstrip (valid);
  if (strlen (valid) > MAX_ERROR_TEXT)
    {
      const char *cut = g_utf8_find_prev_char (valid, valid + MAX_ERROR_TEXT + 1);

      valid[cut - valid] = '\0';
    }

  if (valid[0] == '\0')
    {
      g_free (valid);
      return g_strdup (_("The model reported an error"));
    }

  return valid;
}

/* {"error": "..."}, {"error": {"message": "..."}} or FastAPI's
 * {"detail": ...}. NULL when @object reports no error. */
static char *
find_error (JsonObject *object)
{
  const char * const keys[] = { "error", "detail" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *node = get_member (object, keys[i]);
      const char *text;

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;

      text = node_get_text (node);
      if (text != NULL)
        return dup_error_text (text);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *error = json_node_get_object (node);

          text = get_string (error, "message");
          if (text == NULL)
            text = get_string (error, "detail");
          if (text == NULL)
            text = get_string (error, "type");
          return dup_error_text (text != NULL ? text : "");
        }

      /* Anything else (true, a number, a list) still says "error". */
      return dup_error_text ("");
    }

  return NULL;
}

/* The UTF-16 code unit of the \uXXXX escape at @p, or -1. */
static int
escape_at (const char *p,
           const char *end)
{
  int value = 0;

  if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
    return -1;

  for (guint i = 2; i < 6; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }

  return value;
}

/* An unpaired UTF-16 surrogate escape ("\ud83d" alone) is what a server
 * sends when a model's output is cut inside an emoji. Returns a copy of the
 * same length with each one replaced by \ufffd, or NULL when there is none. */
static char *
repair_surrogates (const char *data,
                   gsize       length)
{
  const char *end = data + length;
  char *copy = NULL;

  for (const char *p = data; p < end;)
    {
      int unit;

      if (*p != '\\')
        {
          p++;
          continue;
        }

      unit = escape_at (p, end);
      if (unit < 0)
        {
          p += 2;    /* any other escape, including "\\" */
          continue;
        }

      if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          int next = escape_at (p + 6, end);

          if (next >= 0xDC00 && next <= 0xDFFF)
            {
              p += 12;
              continue;
            }
        }
      else if (unit < 0xDC00 || unit > 0xDFFF)
        {
          p += 6;
          continue;
        }

      if (copy == NULL)
        copy = g_strndup (data, length);
      memcpy (copy + (p - data), "\\ufffd", 6);
      p += 6;
    }

  return copy;
}

gboolean
chutes_chat_chunk_parse (const char       *data,
                         gsize             length,
                         ChutesChatChunk  *chunk,
                         GError          **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *repaired = NULL;
  JsonObject *object;
  JsonObject *usage;
  JsonNode *choices;
  gsize start = 0;
  gsize end = length;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (chunk != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *chunk = empty_chunk;

  while (start < end && g_ascii_isspace (data[start]))
    start++;
  while (end > start && g_ascii_isspace (data[end - 1]))
    end--;

  if (end - start == strlen ("[DONE]") && memcmp (data + start, "[DONE]", end - start) == 0)
    {
      chunk->done = TRUE;
      return TRUE;
    }

  /* json-glib stops at a NUL byte; a payload with one is not JSON anyway. */
  if (end == start || memchr (data + start, '\0', end - start) != NULL)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The gateway sent an empty or unreadable part of the reply"));
      return FALSE;
    }

  /* Bound the cost before anything copies the payload: json-glib recurses
   * once a level and would overflow the stack on a deep enough document. */
  if (!chutes_json_check_bounds (data + start, end - start, CHUTES_JSON_MAX_CHUNK, &local_error))
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   /* Translators: %s says why, e.g. "The reply nests more than 64 levels deep…" */
                   _("The gateway sent a part of the reply that could not be read: %s"),
                   local_error->message);
      return FALSE;
    }

  /* json-glib refuses a document with invalid UTF-8 anywhere in it; one bad
   * byte in a piece of text should cost that character, not the piece. */
  if (!g_utf8_validate_len (data + start, end - start, NULL))
    {
      valid = g_utf8_make_valid (data + start, end - start);
      data = valid;
      start = 0;
      end = strlen (valid);
    }

  /* json-glib mishandles unpaired surrogate escapes (it swallows the
   * character after one, or fails); replace them first. */
  repaired = repair_surrogates (data + start, end - start);
  if (repaired != NULL)
    {
      data = repaired;
      start = 0;
    }

  /* Replacements may have grown the payload (U+FFFD is 3 bytes). */
  root = chutes_json_parse (data + start, end - start, 3 * CHUTES_JSON_MAX_CHUNK, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The gateway sent a part of the reply that is not valid JSON"));
      return FALSE;
    }

  object = json_node_get_object (root);
  chunk->error = find_error (object);

  choices = get_member (object, "choices");
  if (choices != NULL && JSON_NODE_HOLDS_ARRAY (choices) &&
      json_array_get_length (json_node_get_array (choices)) > 0)
    {
      JsonNode *first = json_array_get_element (json_node_get_array (choices), 0);

      if (JSON_NODE_HOLDS_OBJECT (first))
        {
          JsonObject *choice = json_node_get_object (first);
          JsonObject *delta = get_object (choice, "delta");
          const char *reasoning = get_string (delta, "reasoning_content");

          /* Some OpenAI-compatible servers call it "reasoning". */
          if (reasoning == NULL)
            reasoning = get_string (delta, "reasoning");

          chunk->content = dup_valid (get_string (delta, "content"));
          chunk->reasoning = dup_valid (reasoning);
          chunk->finish_reason = dup_valid (get_string (choice, "finish_reason"));
        }
    }

  usage = get_object (object, "usage");
  if (usage != NULL)
    {
      gboolean has_prompt = get_count (usage, "prompt_tokens", &chunk->prompt_tokens);
      gboolean has_completion = get_count (usage, "completion_tokens", &chunk->completion_tokens);

      JsonObject *details = get_object (usage, "prompt_tokens_details");

      chunk->has_usage = has_prompt || has_completion;
      if (details != NULL)
        get_count (details, "cached_tokens", &chunk->cached_tokens);
    }

  return TRUE;
}

void
chutes_chat_chunk_clear (ChutesChatChunk *chunk)
{
  g_return_if_fail (chunk != NULL);

  g_free (chunk->content);
  g_free (chunk->reasoning);
  g_free (chunk->finish_reason);
  g_free (chunk->error);
  *chunk = empty_chunk;
}

/* ------------------------------------------------------------------------
 * The request body
 * --------------------------------------------------------------------- */

static gboolean
message_is_sent (ChutesMessage *message)
{
  const char *content = chutes_message_get_content (message);

  if ((content == NULL || content[0] == '\0') &&
      g_list_model_get_n_items (chutes_message_get_attachments (message)) == 0)
    return FALSE;

  if (chutes_message_get_role (message) == CHUTES_MESSAGE_ROLE_ASSISTANT)
    {
      switch (chutes_message_get_status (message))
        {
        case CHUTES_MESSAGE_STATUS_PENDING:
        case CHUTES_MESSAGE_STATUS_STREAMING:
        case CHUTES_MESSAGE_STATUS_FAILED:
          return FALSE;

        case CHUTES_MESSAGE_STATUS_COMPLETE:
        case CHUTES_MESSAGE_STATUS_STOPPED:
        default:
          break;
        }
    }

  return TRUE;
}

/* A message with attachments as OpenAI content parts: the typed text and
 * the text files in one text part, then an image_url part per image. */
static void
add_content_parts (JsonBuilder   *builder,
                   ChutesMessage *message)
{
  GListModel *attachments = chutes_message_get_attachments (message);
  guint n = g_list_model_get_n_items (attachments);
  g_autoptr(GString) text = g_string_new (chutes_message_get_content (message));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);
      g_autofree char *fenced = chutes_attachment_dup_fenced_text (attachment);

      if (fenced == NULL)
        continue;
      if (text->len > 0)
        g_string_append (text, "\n\n");
      g_string_append (text, fenced);
    }

  json_builder_begin_array (builder);

  if (text->len > 0)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "text");
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text->str);
      json_builder_end_object (builder);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);
      g_autofree char *uri = chutes_attachment_dup_data_uri (attachment);

      if (uri == NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "image_url");
      json_builder_set_member_name (builder, "image_url");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, uri);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
}

char *
chutes_chat_stream_build_body (const char *model,
                               GListModel *messages)
{
  return chutes_chat_stream_build_request_body (model, messages, -1.0, 0);
}

char *
chutes_chat_stream_build_request_body (const char *model,
                                       GListModel *messages,
                                       double      temperature,
                                       gint64      max_tokens)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint n_items;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (messages), NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);

  n_items = g_list_model_get_n_items (messages);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);

      if (!CHUTES_IS_MESSAGE (message) || !message_is_sent (message))
        continue;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder,
                                     chutes_message_role_to_string (chutes_message_get_role (message)));
      json_builder_set_member_name (builder, "content");
      if (g_list_model_get_n_items (chutes_message_get_attachments (message)) > 0)
        add_content_parts (builder, message);
      else
        json_builder_add_string_value (builder, chutes_message_get_content (message));
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, TRUE);

  /* Only what the person chose; otherwise the model's own defaults. */
  if (temperature >= 0.0)
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, temperature);
    }

  if (max_tokens > 0)
    {
      json_builder_set_member_name (builder, "max_tokens");
      json_builder_add_int_value (builder, max_tokens);
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}
