/* test-export.c: exported conversations read back as what was said
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <md4c.h>

#include "chutes-export.h"
#include "chutes-message.h"
#include "chutes-test-mock.h"

#define TITLE "Notes on <b>HTML</b> & `code` # 1 *not bold* [link](x)"
#define CREATED G_GINT64_CONSTANT (1767225600123456)   /* 2026-01-01T00:00:00.123456Z */

static const char user_text[] =
  "Is 1 < 2 && 3 > 2? Use `a<b>` and &amp; here.";
static const char reply_text[] =
  "Here is some C:\n"
  "\n"
  "```c\n"
  "int main (void) { return 1 < 2 && 3 > `x`; }\n"
  "```\n"
  "\n"
  "Done.";
static const char reasoning_text[] =
  "First, think.\n"
  "\n"
  "```sh\n"
  "echo <not closed>";
static const char unclosed_text[] =
  "Streaming stopped inside a fence:\n"
  "\n"
  "````python\n"
  "print('open')\n"
  "```\n"
  "still code";

/* A conversation with a bit of everything. */
static GListStore *
make_conversation (void)
{
  GListStore *store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(ChutesMessage) system = chutes_message_new (CHUTES_MESSAGE_ROLE_SYSTEM, "Be brief.");
  g_autoptr(ChutesMessage) user = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, user_text);
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, reply_text);
  g_autoptr(ChutesMessage) stopped = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, unclosed_text);
  g_autoptr(ChutesMessage) failed = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "");

  chutes_message_set_created_at (system, CREATED);
  chutes_message_set_created_at (user, CREATED + 1000000);

  chutes_message_append_reasoning (reply, reasoning_text);
  chutes_message_set_model (reply, "deepseek-ai/DeepSeek-R1_*v2*");
  chutes_message_set_usage (reply, 12, 345);
  chutes_message_set_created_at (reply, CREATED + 2000000);

  chutes_message_set_status (stopped, CHUTES_MESSAGE_STATUS_STOPPED);
  chutes_message_set_usage (stopped, -1, 7);

  chutes_message_set_status (failed, CHUTES_MESSAGE_STATUS_FAILED);
  chutes_message_set_error (failed, "Quota <exhausted> & *reset* at 5");

  g_list_store_append (store, system);
  g_list_store_append (store, user);
  g_list_store_append (store, reply);
  g_list_store_append (store, stopped);
  g_list_store_append (store, failed);

  return store;
}

/* Markdown read back with md4c, as an outline: one line per leaf block,
 * "H1 text", "P text", "CODE[lang] text", "HR", and "QUOTE{" / "}" around
 * quotes.
 * Text is put together from every piece md4c reports (entities and raw
 * HTML as written), so what a message said can be compared. */
typedef struct
{
  GPtrArray *outline;
  GString   *text;
  char      *prefix;
} Reader;

static int
enter_block_cb (MD_BLOCKTYPE  type,
                void         *detail,
                void         *user_data)
{
  Reader *reader = user_data;

  g_clear_pointer (&reader->prefix, g_free);
  g_string_truncate (reader->text, 0);

  switch (type)
    {
    case MD_BLOCK_H:
      reader->prefix = g_strdup_printf ("H%u", ((MD_BLOCK_H_DETAIL *)detail)->level);
      break;

    case MD_BLOCK_P:
      reader->prefix = g_strdup ("P");
      break;

    case MD_BLOCK_CODE:
      {
        MD_BLOCK_CODE_DETAIL *code = detail;

        reader->prefix = g_strdup_printf ("CODE[%.*s]", (int)code->lang.size,
                                          code->lang.text ? code->lang.text : "");
      }
      break;

    case MD_BLOCK_HTML:
      reader->prefix = g_strdup ("HTML");
      break;

    case MD_BLOCK_QUOTE:
      g_ptr_array_add (reader->outline, g_strdup ("QUOTE{"));
      break;

    case MD_BLOCK_HR:
      g_ptr_array_add (reader->outline, g_strdup ("HR"));
      break;

    default:
      break;
    }

  return 0;
}

static int
leave_block_cb (MD_BLOCKTYPE  type,
                void         *detail,
                void         *user_data)
{
  Reader *reader = user_data;

  if (type == MD_BLOCK_QUOTE)
    g_ptr_array_add (reader->outline, g_strdup ("}"));
  else if (reader->prefix != NULL)
    {
      g_ptr_array_add (reader->outline, g_strdup_printf ("%s %s", reader->prefix, reader->text->str));
      g_clear_pointer (&reader->prefix, g_free);
    }

  return 0;
}

static int
span_cb (MD_SPANTYPE  type,
         void        *detail,
         void        *user_data)
{
  return 0;
}

static int
text_cb (MD_TEXTTYPE    type,
         const MD_CHAR *text,
         MD_SIZE        size,
         void          *user_data)
{
  Reader *reader = user_data;

  if (type == MD_TEXT_SOFTBR || type == MD_TEXT_BR)
    g_string_append_c (reader->text, '\n');
  else
    g_string_append_len (reader->text, text, size);

  return 0;
}

static char **
read_markdown (const char *markdown)
{
  Reader reader = { g_ptr_array_new (), g_string_new (NULL), NULL };
  MD_PARSER parser = { 0, };

  parser.flags = MD_DIALECT_GITHUB;
  parser.enter_block = enter_block_cb;
  parser.leave_block = leave_block_cb;
  parser.enter_span = span_cb;
  parser.leave_span = span_cb;
  parser.text = text_cb;

  g_assert_cmpint (md_parse (markdown, strlen (markdown), &parser, &reader), ==, 0);

  g_string_free (reader.text, TRUE);
  g_free (reader.prefix);
  g_ptr_array_add (reader.outline, NULL);

  return (char **)g_ptr_array_free (reader.outline, FALSE);
}

static void
test_markdown_reads_back (void)
{
  g_autoptr(GListStore) store = make_conversation ();
  g_autofree char *markdown = chutes_export_to_markdown (TITLE, G_LIST_MODEL (store));
  g_auto(GStrv) outline = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *stopped = NULL;
  g_autofree char *reasoning = NULL;
  const char * const expected[] = {
    "H1 " TITLE,
    "H2 System Prompt",
    "P Be brief.",
    "H2 You",
    "P Is 1 < 2 && 3 > 2? Use a<b> and &amp; here.",
    "H2 Assistant · deepseek-ai/DeepSeek-R1_*v2*",
    "P Thinking",
    "P First, think.",
    "CODE[sh] echo <not closed>\n",
    "HR",
    "P Here is some C:",
    "CODE[c] int main (void) { return 1 < 2 && 3 > `x`; }\n",
    "P Done.",
    "H2 Assistant",
    "P Streaming stopped inside a fence:",
    "CODE[python] print('open')\n```\nstill code\n",
    "P Stopped",
    "H2 Assistant",
    "P Quota <exhausted> & *reset* at 5",
    NULL
  };

  g_test_message ("%s", markdown);
  outline = read_markdown (markdown);
  joined = g_strjoinv ("\n---\n", outline);
  g_test_message ("Read back:\n%s", joined);

  g_assert_cmpstrv (outline, expected);

  /* The replies are Markdown as they were written, code fences byte for
   * byte; a fence left open is closed as CommonMark closes it. */
  reply = g_strconcat ("\n\n", reply_text, "\n\n## Assistant\n", NULL);
  stopped = g_strconcat ("\n\n", unclosed_text, "\n````\n\n*Stopped*\n", NULL);
  reasoning = g_strconcat ("\n\n", reasoning_text, "\n```\n\n---\n\n", NULL);
  g_assert_nonnull (strstr (markdown, reply));
  g_assert_nonnull (strstr (markdown, stopped));
  g_assert_nonnull (strstr (markdown, reasoning));
}

/* A reply as @content, then a question, exported. */
static char *
export_reply (const char *content)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(ChutesMessage) message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, content);
  g_autoptr(ChutesMessage) next = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "Next");

  g_list_store_append (store, message);
  g_list_store_append (store, next);

  return chutes_export_to_markdown ("T", G_LIST_MODEL (store));
}

static void
test_markdown_left_open_is_closed_or_fenced (void)
{
  static const struct {
    const char *content;
    const char *written;
  } cases[] = {
    /* Line endings as \n; what is left open closed as CommonMark says. */
    { "x\r```", "\n\nx\n```\n```\n\n" },
    { "x\r\n~~~~~py\r\nprint(1)", "\n\nx\n~~~~~py\nprint(1)\n~~~~~\n\n" },
    { "<!-- never closed", "\n\n<!-- never closed\n-->\n\n" },
    { "<pre>\nnever closed", "\n\n<pre>\nnever closed\n</pre>\n\n" },
    { "<TEXTAREA>", "\n\n<TEXTAREA>\n</textarea>\n\n" },
    { "<?php echo 1;", "\n\n<?php echo 1;\n?>\n\n" },
    { "<![CDATA[ x", "\n\n<![CDATA[ x\n]]>\n\n" },
    { "<!DOCTYPE html", "\n\n<!DOCTYPE html\n>\n\n" },
    /* In a list item, at the item's indentation. */
    { "1. Run:\n   ```sh\n   ls", "\n\n1. Run:\n   ```sh\n   ls\n   ```\n\n" },
    { "- <script>\n  x", "\n\n- <script>\n  x\n  </script>\n\n" },
    /* Closed by the end of their quote or item: nothing to add. */
    { "> ```\n> code", "\n\n> ```\n> code\n\n" },
    { "<div>\nopen", "\n\n<div>\nopen\n\n" },
    /* Link definitions would change the other messages, headings like
     * ours would read as messages, and md4c reads this fence otherwise
     * than CommonMark: fenced. */
    { "[ref]: https://example.com/evil\n[ref]", "\n\n```markdown\n[ref]: https://example.com/evil\n[ref]\n```\n\n" },
    { "- [ref]: /evil", "\n\n```markdown\n- [ref]: /evil\n```\n\n" },
    { "Hi\n\n## You\n\nmore", "\n\n```markdown\nHi\n\n## You\n\nmore\n```\n\n" },
    { "## You\f", "\n\n```markdown\n## You\f\n```\n\n" },
    { "## Your plan", "\n\n## Your plan\n\n" },
    { "Assistant · x\n===", "\n\n```markdown\nAssistant · x\n===\n```\n\n" },
    { "text\n    <div>\n<?x", "\n\n```markdown\ntext\n    <div>\n<?x\n```\n\n" },
    { "text\n    ```\nmore\n```", "\n\n~~~markdown\ntext\n    ```\nmore\n```\n~~~\n\n" },
    /* A tab after a closing fence: CommonMark closes, md4c 0.4.8 does not. */
    { "~~~c\nx\n~~~\t", "\n\n```markdown\n~~~c\nx\n~~~\t\n```\n\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markdown = export_reply (cases[i].content);

      g_autofree char *written = g_strconcat ("\n\n## Assistant", cases[i].written, "## You\n\nNext\n", NULL);

      g_test_message ("%s", markdown);
      g_assert_nonnull (strstr (markdown, written));
    }
}

static void
test_markdown_untitled_and_empty (void)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autofree char *markdown = chutes_export_to_markdown (NULL, G_LIST_MODEL (store));
  g_autofree char *with_newline = NULL;
  g_auto(GStrv) outline = read_markdown (markdown);
  const char * const expected[] = { "H1 Untitled Chat", NULL };

  g_assert_cmpstrv (outline, expected);

  /* A title cannot break out of its heading. */
  with_newline = chutes_export_to_markdown ("One\n# Two\n\n```", G_LIST_MODEL (store));
  g_clear_pointer (&outline, g_strfreev);
  outline = read_markdown (with_newline);
  g_assert_cmpuint (g_strv_length (outline), ==, 1);
  g_assert_cmpstr (outline[0], ==, "H1 One # Two  ```");
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return json_node_get_string (node);
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (time);

  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static void
assert_message_equal (JsonObject    *object,
                      ChutesMessage *message)
{
  const char *reasoning = chutes_message_get_reasoning (message);
  gint64 prompt = chutes_message_get_prompt_tokens (message);
  gint64 completion = chutes_message_get_completion_tokens (message);
  ChutesMessageStatus status = chutes_message_get_status (message);
  guint n_members = 2;

  g_assert_cmpstr (member_string (object, "role"), ==,
                   chutes_message_role_to_string (chutes_message_get_role (message)));
  g_assert_cmpstr (member_string (object, "content"), ==, chutes_message_get_content (message));

  if (reasoning[0] != '\0')
    {
      g_assert_cmpstr (member_string (object, "reasoning"), ==, reasoning);
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "reasoning"));

  if (chutes_message_get_model (message) != NULL)
    {
      g_assert_cmpstr (member_string (object, "model"), ==, chutes_message_get_model (message));
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "model"));

  if (prompt >= 0 || completion >= 0)
    {
      JsonObject *usage = json_object_get_object_member (object, "usage");

      g_assert_nonnull (usage);
      g_assert_cmpint (json_object_has_member (usage, "prompt_tokens"), ==, prompt >= 0);
      g_assert_cmpint (json_object_has_member (usage, "completion_tokens"), ==, completion >= 0);
      if (prompt >= 0)
        g_assert_cmpint (json_object_get_int_member (usage, "prompt_tokens"), ==, prompt);
      if (completion >= 0)
        g_assert_cmpint (json_object_get_int_member (usage, "completion_tokens"), ==, completion);
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "usage"));

  if (status != CHUTES_MESSAGE_STATUS_COMPLETE)
    {
      g_assert_cmpstr (member_string (object, "status"), ==,
                       status == CHUTES_MESSAGE_STATUS_STOPPED ? "stopped" : "failed");
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "status"));

  if (chutes_message_get_error (message) != NULL)
    {
      g_assert_cmpstr (member_string (object, "error"), ==, chutes_message_get_error (message));
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "error"));

  if (chutes_message_get_created_at (message) > 0)
    {
      g_assert_cmpint (parse_time (member_string (object, "created")), ==,
                       chutes_message_get_created_at (message));
      n_members++;
    }
  else
    g_assert_false (json_object_has_member (object, "created"));

  /* Nothing else. */
  g_assert_cmpuint (json_object_get_size (object), ==, n_members);
}

static void
test_json_reads_back (void)
{
  g_autoptr(GListStore) store = make_conversation ();
  g_autofree char *json = chutes_export_to_json (TITLE, "deepseek-ai/DeepSeek-R1", CREATED,
                                                 G_LIST_MODEL (store));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *messages;

  g_assert_true (g_utf8_validate (json, -1, NULL));
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_nonnull (root);
  g_assert_cmpstr (member_string (root, "app"), ==, "ai.chutes.Desktop");
  g_assert_cmpstr (member_string (root, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (root, "format"), ==, 1);
  g_assert_cmpstr (member_string (root, "title"), ==, TITLE);
  g_assert_cmpstr (member_string (root, "model"), ==, "deepseek-ai/DeepSeek-R1");
  g_assert_cmpstr (member_string (root, "created"), ==, "2026-01-01T00:00:00.123456Z");
  g_assert_cmpint (parse_time (member_string (root, "created")), ==, CREATED);

  messages = json_object_get_array_member (root, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, g_list_model_get_n_items (G_LIST_MODEL (store)));
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (G_LIST_MODEL (store), i);

      assert_message_equal (json_array_get_object_element (messages, i), message);
    }
}

static void
test_json_unknowns_are_null (void)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autofree char *json = chutes_export_to_json (NULL, NULL, 0, G_LIST_MODEL (store));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (member_string (root, "title"), ==, "");
  g_assert_null (member_string (root, "model"));
  g_assert_null (member_string (root, "created"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "messages")), ==, 0);
}

/* A question with a text file and two images, the second pasted. */
static GListModel *
conversation_with_attachments (void)
{
  GListStore *store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(GListStore) files = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(ChutesMessage) question = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "What is wrong?");
  g_autoptr(ChutesMessage) answer = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "A typo.");
  g_autoptr(GBytes) code = g_bytes_new_static ("x = ```y```\n", 12);
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG fake", 9);
  g_autoptr(GBytes) jpeg = g_bytes_new_static ("\xff\xd8 fake", 7);
  g_autoptr(ChutesAttachment) source = chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT, "bug [1].py",
                                                                    "text/x-python", code, 0, 0);
  g_autoptr(ChutesAttachment) shot = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "my shot.png",
                                                                  "image/png", png, 640, 480);
  g_autoptr(ChutesAttachment) pasted = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "Pasted image",
                                                                    "image/jpeg", jpeg, 30, 20);

  g_list_store_append (files, source);
  g_list_store_append (files, shot);
  g_list_store_append (files, pasted);
  chutes_message_set_attachments (question, G_LIST_MODEL (files));
  g_list_store_append (store, question);
  g_list_store_append (store, answer);

  return G_LIST_MODEL (store);
}

static void
test_markdown_attachments (void)
{
  g_autoptr(GListModel) messages = conversation_with_attachments ();
  g_autofree char *linked = chutes_export_to_markdown_with_folder ("T", messages, "chat 1-attachments");
  g_autofree char *inline_ = chutes_export_to_markdown ("T", messages);

  g_assert_cmpstr (linked, ==,
                   "# T\n"
                   "\n## You\n\n"
                   "What is wrong?\n"
                   "\n**bug \\[1\\].py**\n\n"
                   "~~~\nx = ```y```\n~~~\n"
                   "\n![my shot.png](chat%201-attachments/1-2-my_shot.png)\n"
                   "\n![Pasted image](chat%201-attachments/1-3-Pasted_image.jpg)\n"
                   "\n## Assistant\n\n"
                   "A typo.\n");
  /* Without a folder, the images are in the document. */
  g_assert_nonnull (strstr (inline_, "\n![my shot.png](data:image/png;base64,iVBORyBmYWtl)\n"));
  g_assert_nonnull (strstr (inline_, "\n![Pasted image](data:image/jpeg;base64,/9ggZmFrZQ==)\n"));
}

static void
test_json_attachments (void)
{
  g_autoptr(GListModel) messages = conversation_with_attachments ();
  g_autofree char *json = chutes_export_to_json ("T", NULL, 0, messages);
  g_autoptr(JsonNode) root = json_from_string (json, NULL);
  JsonArray *list = json_object_get_array_member (
    json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "messages"), 0),
    "attachments");
  g_autoptr(JsonNode) expected = json_from_string (
    "[{\"kind\": \"text\", \"name\": \"bug [1].py\", \"content_type\": \"text/x-python\","
    "  \"width\": 0, \"height\": 0, \"data\": \"eCA9IGBgYHlgYGAK\"},"
    " {\"kind\": \"image\", \"name\": \"my shot.png\", \"content_type\": \"image/png\","
    "  \"width\": 640, \"height\": 480, \"data\": \"iVBORyBmYWtl\"},"
    " {\"kind\": \"image\", \"name\": \"Pasted image\", \"content_type\": \"image/jpeg\","
    "  \"width\": 30, \"height\": 20, \"data\": \"/9ggZmFrZQ==\"}]", NULL);
  g_autoptr(JsonNode) got = json_node_alloc ();

  json_node_init_array (got, list);
  if (!json_node_equal (got, expected))
    g_error ("Unexpected attachments: %s", json);
  /* A message without attachments has no such member. */
  g_assert_false (json_object_has_member (
    json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "messages"), 1),
    "attachments"));
}

static gboolean
write_export (GFile      *file,
              gboolean    json,
              GListModel *messages,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  chutes_export_write_async (file, json, "T", NULL, 0, messages, NULL,
                             chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  return chutes_export_write_finish (result, error);
}

static void
test_write_images_beside (void)
{
  g_autoptr(GListModel) messages = conversation_with_attachments ();
  g_autofree char *dir = g_dir_make_tmp ("chutes-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "chat 1.md", NULL);
  g_autofree char *image = g_build_filename (dir, "chat 1-attachments", "1-2-my_shot.png", NULL);
  g_autofree char *readonly = g_build_filename (dir, "locked", NULL);
  g_autofree char *locked_md = g_build_filename (readonly, "chat.md", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) locked = g_file_new_for_path (locked_md);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *bytes = NULL;
  gsize length;

  g_assert_true (write_export (file, FALSE, messages, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "](chat%201-attachments/1-2-my_shot.png)"));
  g_assert_true (g_file_get_contents (image, &bytes, &length, NULL));
  g_assert_cmpmem (bytes, length, "\x89PNG fake", 9);
  g_clear_pointer (&contents, g_free);

  /* Where only the file can be written (a "folder" that is a file is in
   * the way here), the images go into the document. */
  {
    g_autofree char *in_the_way = g_build_filename (dir, "in-the-way-attachments", NULL);
    g_autofree char *blocked = g_build_filename (dir, "in-the-way.md", NULL);
    g_autoptr(GFile) blocked_file = g_file_new_for_path (blocked);

    g_assert_true (g_file_set_contents (in_the_way, "", 0, NULL));
    g_assert_true (write_export (blocked_file, FALSE, messages, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (blocked, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "](data:image/png;base64,iVBORyBmYWtl)"));
    g_clear_pointer (&contents, g_free);
  }

  /* A file that cannot be written is an error. */
  g_assert_false (write_export (locked, TRUE, messages, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  chutes_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/markdown/reads-back-with-headings-quotes-and-fences", test_markdown_reads_back);
  g_test_add_func ("/export/markdown/left-open-is-closed-or-fenced", test_markdown_left_open_is_closed_or_fenced);
  g_test_add_func ("/export/markdown/untitled-and-title-stays-one-heading", test_markdown_untitled_and_empty);
  g_test_add_func ("/export/json/every-field-reads-back", test_json_reads_back);
  g_test_add_func ("/export/json/unknown-title-model-and-date", test_json_unknowns_are_null);
  g_test_add_func ("/export/markdown/attachments-fenced-and-linked", test_markdown_attachments);
  g_test_add_func ("/export/json/attachments-with-their-data", test_json_attachments);
  g_test_add_func ("/export/file/images-beside-or-inside", test_write_images_beside);

  return g_test_run ();
}
