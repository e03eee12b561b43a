/* mock-completion.c: the canned chat completion of the mock: its text,
 * its SSE events and its non-streamed JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define QUOTE_CHARS 80

/* The canned reply; --reply-words words of it are used (cycling). */
static const char filler[] =
  "This reply comes from the Chutes demo server running on your own computer. "
  "No real model is involved and nothing you type leaves this machine: the words "
  "are canned and arrive a word or two at a time, so you can watch the app show "
  "a reply as it streams in. Try a follow-up question, stop a reply halfway, or "
  "sign out and back in again. Once the app is connected to the real Chutes "
  "platform, a real model will answer you instead. Have fun exploring!";

/* "content" as a string, or the text parts of a content array joined with
 * spaces. */
static char *
message_text (JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "content");
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *parts;

  if (node == NULL)
    return g_strdup ("");
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup ("");

  parts = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *part = json_array_get_element (parts, i);
      const char *part_text;

      if (!JSON_NODE_HOLDS_OBJECT (part))
        continue;
      part_text = mock_json_get_string (json_node_get_object (part), "text");
      if (part_text == NULL)
        continue;
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, part_text);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Splits @text after each run of white space: concatenating the pieces
 * gives @text back exactly. Pieces hold one or two words (1, 2, 1, 1, 2, ...). */
GPtrArray *
mock_completion_split (const char *text)
{
  static const guint pattern[] = { 1, 2, 1, 1, 2 };
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const char *start = text;
  const char *p = text;
  guint i = 0;

  while (*p != '\0')
    {
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      while (*p != '\0' && g_ascii_isspace (*p))
        p++;
      g_ptr_array_add (words, g_strndup (start, p - start));
      start = p;
    }

  while (i < words->len)
    {
      guint n = pattern[pieces->len % G_N_ELEMENTS (pattern)];
      g_autoptr(GString) piece = g_string_new (NULL);

      for (guint j = 0; j < n && i < words->len; j++, i++)
        g_string_append (piece, g_ptr_array_index (words, i));
      g_ptr_array_add (pieces, g_string_free (g_steal_pointer (&piece), FALSE));
    }

  g_ptr_array_unref (words);
  return pieces;
}

/* Appended when the last question mentions "markdown". */
static const char markdown_demo[] =
  "## Formatting\n"
  "\n"
  "Replies can use **bold**, *italics*, `inline code` and [links](https://chutes.ai).\n"
  "\n"
  "1. Numbered lists\n"
  "2. With nested items:\n"
  "   - one\n"
  "   - two\n"
  "\n"
  "| Model | Context |\n"
  "|---|---|\n"
  "| DeepSeek-V3 | 164K |\n"
  "| Qwen3 | 41K |\n"
  "\n"
  "```c\n"
  "#include <stdio.h>\n"
  "\n"
  "int\n"
  "main (void)\n"
  "{\n"
  "  printf (\"Hello, <Chutes> & GNOME\\n\");\n"
  "  return 0;\n"
  "}\n"
  "```\n"
  "\n"
  "> Quotes look like this.\n";

static char *
filler_words (guint n_words)
{
  g_auto(GStrv) words = g_strsplit (filler, " ", -1);
  guint n_filler = g_strv_length (words);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < n_words; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, words[i % n_filler]);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
mock_completion_free (MockCompletion *reply)
{
  g_free (reply->id);
  g_free (reply->model);
  g_free (reply->content);
  g_free (reply->reasoning);
  g_free (reply);
}

MockCompletion *
mock_completion_new (MockServer *self,
                     const char *model,
                     JsonArray  *messages,
                     gboolean    thinking)
{
  MockCompletion *reply = g_new0 (MockCompletion, 1);
  guint n = json_array_get_length (messages);
  g_autofree char *last_user = g_strdup ("");
  g_autofree char *images = g_strdup ("");
  g_autofree char *quote = NULL;
  g_autofree char *words = filler_words (self->reply_words);
  g_autoptr(GPtrArray) content_pieces = NULL;
  g_autofree char *uuid = g_uuid_string_random ();

  for (guint i = 0; i < n; i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);
      g_autofree char *text = message_text (message);

      gint64 tokens = 4 + g_utf8_strlen (text, -1) / 4;

      reply->prompt_tokens += tokens;
      /* A gateway caches what it saw before: all but the newest message. */
      if (i + 1 < n)
        reply->cached_tokens += tokens;
      if (g_strcmp0 (mock_json_get_string (message, "role"), "user") == 0)
        {
          g_free (last_user);
          last_user = g_steal_pointer (&text);
          g_free (images);
          images = mock_images_describe (message);
        }
    }

  quote = g_utf8_substring (last_user, 0, MIN (g_utf8_strlen (last_user, -1), QUOTE_CHARS));
  reply->content = g_strdup_printf ("You said: \"%s\"%s. "
                                    "This conversation has %u message%s so far.%s%s",
                                    quote, images, n, n == 1 ? "" : "s",
                                    *words != '\0' ? " " : "", words);
  /* Asking for "markdown" shows what a formatted reply looks like. */
  {
    g_autofree char *lower = g_utf8_strdown (last_user, -1);

    if (strstr (lower, "markdown") != NULL)
      {
        char *with_demo = g_strconcat (reply->content, "\n\n", markdown_demo, NULL);

        g_free (reply->content);
        reply->content = with_demo;
      }
  }

  if (thinking)
    reply->reasoning = g_strdup_printf ("The person wrote: \"%s\". There %s %u message%s in "
                                        "this conversation. I am the demo server, so I will "
                                        "answer with my friendly canned reply.",
                                        quote, n == 1 ? "is" : "are", n, n == 1 ? "" : "s");

  content_pieces = mock_completion_split (reply->content);
  reply->completion_tokens = content_pieces->len;
  if (reply->reasoning != NULL)
    {
      g_autoptr(GPtrArray) reasoning_pieces = mock_completion_split (reply->reasoning);
      reply->completion_tokens += reasoning_pieces->len;
    }

  reply->id = g_strdup_printf ("chatcmpl-%.8s%.4s%.4s%.4s%.12s",
                               uuid, uuid + 9, uuid + 14, uuid + 19, uuid + 24);
  reply->model = g_strdup (model);
  reply->created = g_get_real_time () / G_USEC_PER_SEC;

  return reply;
}

static void
add_usage (JsonBuilder          *builder,
           const MockCompletion *reply)
{
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt_tokens");
  json_builder_add_int_value (builder, reply->prompt_tokens);
  json_builder_set_member_name (builder, "completion_tokens");
  json_builder_add_int_value (builder, reply->completion_tokens);
  json_builder_set_member_name (builder, "total_tokens");
  json_builder_add_int_value (builder, reply->prompt_tokens + reply->completion_tokens);
  json_builder_set_member_name (builder, "prompt_tokens_details");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cached_tokens");
  json_builder_add_int_value (builder, reply->cached_tokens);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static void
begin_reply_object (JsonBuilder          *builder,
                    const MockCompletion *reply,
                    const char           *object)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, reply->id);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, object);
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, reply->created);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, reply->model);
}

/* One "data: {...}\n\n" event. A NULL @delta_key gives an empty delta;
 * "role" adds "content": "" too, as vLLM does. */
char *
mock_completion_chunk_event (const MockCompletion *reply,
                             const char           *delta_key,
                             const char           *delta_value,
                             const char           *finish_reason)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  begin_reply_object (builder, reply, "chat.completion.chunk");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "delta");
  json_builder_begin_object (builder);
  if (delta_key != NULL)
    {
      json_builder_set_member_name (builder, delta_key);
      json_builder_add_string_value (builder, delta_value);
      if (g_str_equal (delta_key, "role"))
        {
          json_builder_set_member_name (builder, "content");
          json_builder_add_string_value (builder, "");
        }
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "finish_reason");
  if (finish_reason != NULL)
    json_builder_add_string_value (builder, finish_reason);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  return g_strdup_printf ("data: %s\n\n", json);
}

char *
mock_completion_usage_event (const MockCompletion *reply)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  begin_reply_object (builder, reply, "chat.completion.chunk");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  add_usage (builder, reply);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  return g_strdup_printf ("data: %s\n\n", json);
}

void
mock_completion_reply (SoupServerMessage    *msg,
                       const MockCompletion *reply)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_reply_object (builder, reply, "chat.completion");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "message");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, "assistant");
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, reply->content);
  if (reply->reasoning != NULL)
    {
      json_builder_set_member_name (builder, "reasoning_content");
      json_builder_add_string_value (builder, reply->reasoning);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "finish_reason");
  json_builder_add_string_value (builder, "stop");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  add_usage (builder, reply);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* Huge replies (mock-stream.c): the text that repeats through one, ASCII
 * only so that it can be cut at any byte. */
static const char huge_markdown[] =
  "## A section of a very long reply\n"
  "\n"
  "This paragraph is one of many: the reply goes on and on, with **bold**, "
  "*italics*, `inline code` and [a link](https://chutes.ai) now and then, "
  "so that every kind of text is laid out as the reply grows.\n"
  "\n"
  "- a list item\n"
  "- another one, a little longer than the first\n"
  "\n"
  "```c\n"
  "static int\n"
  "add (int a, int b)\n"
  "{\n"
  "  return a + b;\n"
  "}\n"
  "```\n"
  "\n";

char *
mock_completion_huge_unit (MockHugeShape shape)
{
  g_autofree char *words = filler_words (200);

  switch (shape)
    {
    case MOCK_HUGE_MARKDOWN:
      return g_strdup (huge_markdown);

    case MOCK_HUGE_LINES:
    case MOCK_HUGE_REASONING:
      {
        g_autoptr(GString) lines = g_string_new (NULL);
        guint column = 0;
        guint line = 0;

        /* Lines of about 70 characters, a blank line every 5. */
        for (const char *p = words; *p != '\0'; p++)
          {
            if (*p == ' ' && column > 70)
              {
                g_string_append (lines, ++line % 5 == 0 ? "\n\n" : "\n");
                column = 0;
                continue;
              }
            g_string_append_c (lines, *p);
            column++;
          }
        g_string_append (lines, "\n\n");
        return g_string_free (g_steal_pointer (&lines), FALSE);
      }

    case MOCK_HUGE_WORDS:
    case MOCK_HUGE_ONE_LINE:
    default:
      {
        /* No newline, no character JSON escapes. */
        char *text = g_strconcat (words, " ", NULL);

        g_strdelimit (text, "\"\\", '\'');
        return text;
      }
    }
}
