/* fuzz-export.c: libFuzzer entry point for exporting a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is split at NUL bytes into a title and a model, then, for each
 * message (up to 16): a role byte, the content, the reasoning, the error,
 * a status byte and the message's model. Text is made valid UTF-8 first,
 * as everything the history holds is. The conversation is exported both
 * ways, and what the exporter promises is checked:
 *
 *  - JSON: it parses, and reads back as the same messages (role, content,
 *    reasoning, error, model) and title;
 *  - Markdown: valid UTF-8, and one message cannot swallow the next: the
 *    document has at least one level-2 heading per message when parsed
 *    as CommonMark (md4c, HTML included), which is what the exporter
 *    promises. Not with the view's chutes_md_parse(): it reads raw HTML
 *    as text (MD_FLAG_NOHTML), so a fence line inside an HTML block the
 *    exporter rightly closed would open a code block there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <md4c.h>

#include "chutes-export.h"
#include "chutes-message.h"
#include "fuzz-common.h"

#define MAX_MESSAGES 16

static const char *
member_or_null (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static const char *
nonempty (const char *text)
{
  return text != NULL && text[0] != '\0' ? text : NULL;
}

static void
check_same (const char *what,
            const char *exported,
            const char *original)
{
  if (g_strcmp0 (nonempty (exported), nonempty (original)) != 0)
    {
      g_printerr ("The JSON export changed the %s:\n%s\nbecame\n%s\n", what,
                  original ? original : "(none)", exported ? exported : "(none)");
      abort ();
    }
}

static void
check_json (const char *json,
            const char *title,
            GListModel *messages)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *array;

  fuzz_check_utf8 (json);
  if (!json_parser_load_from_data (parser, json, -1, &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("The JSON export does not parse (%s):\n%s\n",
                  error ? error->message : "not an object", json);
      abort ();
    }

  root = json_node_get_object (json_parser_get_root (parser));
  if (nonempty (title) != NULL)
    check_same ("title", member_or_null (root, "title"), title);

  array = json_object_get_array_member (root, "messages");
  if (array == NULL || json_array_get_length (array) != g_list_model_get_n_items (messages))
    abort ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);
      JsonObject *object = json_array_get_object_element (array, i);

      if (object == NULL)
        abort ();
      check_same ("role", member_or_null (object, "role"),
                  chutes_message_role_to_string (chutes_message_get_role (message)));
      check_same ("content", member_or_null (object, "content"),
                  chutes_message_get_content (message));
      check_same ("reasoning", member_or_null (object, "reasoning"),
                  chutes_message_get_reasoning (message));
      check_same ("error", member_or_null (object, "error"),
                  chutes_message_get_error (message));
      check_same ("model", member_or_null (object, "model"),
                  chutes_message_get_model (message));
    }
}

static int
count_heading (MD_BLOCKTYPE  type,
               void         *detail,
               void         *user_data)
{
  guint *n_headings = user_data;

  if (type == MD_BLOCK_H && ((MD_BLOCK_H_DETAIL *) detail)->level == 2)
    (*n_headings)++;

  return 0;
}

static int
ignore_block (MD_BLOCKTYPE  type,
              void         *detail,
              void         *user_data)
{
  return 0;
}

static int
ignore_span (MD_SPANTYPE  type,
             void        *detail,
             void        *user_data)
{
  return 0;
}

static int
ignore_text (MD_TEXTTYPE    type,
             const MD_CHAR *text,
             MD_SIZE        size,
             void          *user_data)
{
  return 0;
}

static void
check_markdown (const char *markdown,
                guint       n_messages)
{
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = 0,   /* CommonMark, HTML included */
    .enter_block = count_heading,
    .leave_block = ignore_block,
    .enter_span = ignore_span,
    .leave_span = ignore_span,
    .text = ignore_text,
  };
  guint n_headings = 0;

  fuzz_check_utf8 (markdown);

  if (md_parse (markdown, strlen (markdown), &parser, &n_headings) != 0)
    abort ();

  if (n_headings < n_messages)
    {
      g_printerr ("%u messages, but %u headings in the Markdown export:\n%s\n",
                  n_messages, n_headings, markdown);
      abort ();
    }
}

static ChutesMessage *
next_message (FuzzFields *fields)
{
  static const ChutesMessageRole roles[] = {
    CHUTES_MESSAGE_ROLE_USER, CHUTES_MESSAGE_ROLE_ASSISTANT, CHUTES_MESSAGE_ROLE_SYSTEM,
  };
  static const ChutesMessageStatus statuses[] = {
    CHUTES_MESSAGE_STATUS_COMPLETE, CHUTES_MESSAGE_STATUS_STOPPED, CHUTES_MESSAGE_STATUS_FAILED,
  };
  guint role = fuzz_fields_next_byte (fields);
  g_autofree char *content = fuzz_fields_next_text (fields);
  g_autofree char *reasoning = fuzz_fields_next_text (fields);
  g_autofree char *error = fuzz_fields_next_text (fields);
  guint status = fuzz_fields_next_byte (fields);
  g_autofree char *model = fuzz_fields_next_text (fields);
  ChutesMessage *message;

  message = chutes_message_new (roles[role % G_N_ELEMENTS (roles)], content ? content : "");
  if (reasoning != NULL)
    chutes_message_append_reasoning (message, reasoning);
  if (error != NULL && error[0] != '\0')
    chutes_message_set_error (message, error);
  chutes_message_set_status (message, statuses[status % G_N_ELEMENTS (statuses)]);
  if (model != NULL && model[0] != '\0')
    chutes_message_set_model (message, model);

  return message;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GListStore) messages = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autofree char *title = NULL;
  g_autofree char *model = NULL;
  g_autofree char *markdown = NULL;
  g_autofree char *json = NULL;
  FuzzFields fields;

  fuzz_fields_init (&fields, data, size);
  title = fuzz_fields_next_text (&fields);
  model = fuzz_fields_next_text (&fields);

  while (fields.left > 0 && g_list_model_get_n_items (G_LIST_MODEL (messages)) < MAX_MESSAGES)
    {
      g_autoptr(ChutesMessage) message = next_message (&fields);

      g_list_store_append (messages, message);
    }

  markdown = chutes_export_to_markdown (title, G_LIST_MODEL (messages));
  json = chutes_export_to_json (title, model, 0, G_LIST_MODEL (messages));

  check_json (json, title, G_LIST_MODEL (messages));
  check_markdown (markdown, g_list_model_get_n_items (G_LIST_MODEL (messages)));

  return 0;
}
