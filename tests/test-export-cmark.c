/* test-export-cmark.c: any history, exported as Markdown, reads back as
 * the same messages to an independent CommonMark parser (libcmark)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exporter writes each text as Markdown, closed where it was left open
 * (or fenced when it cannot be contained). Here cmark reads the export of
 * hostile histories, handwritten and random: it must find the title, then
 * exactly one message heading per message, in order; what lies between
 * two message headings must be, node for node, what cmark makes of that
 * message's part of the export read alone (nothing leaks from one message
 * into another); and that part must read as the message: [Thinking, the
 * reasoning, a rule], the content, [the status line], each text either
 * its own Markdown (plus at most the line that ends an HTML block left
 * open) or one code block holding it.
 */
#include "config.h"

#include <string.h>

#include <cmark.h>

#include "chutes-export.h"
#include "chutes-message.h"

/* Texts that broke the export, or could. */
static const char * const hostile_texts[] = {
  "x\r```",
  "x\r```\r\rmore",
  "x\r\n```python\r\nprint(1)",
  "```\nnever closed",
  "````\n```\nstill open",
  "~~~\n```\nstill a tilde fence",
  "~~~~~\n~~~",
  "``````````",
  "`~`~`~```~~~",
  "<!-- never closed",
  "<pre>\nnever closed",
  "<script>alert(1)",
  "<style>\np {}",
  "<textarea>",
  "<?php echo 1;",
  "<![CDATA[ x",
  "<!DOCTYPE html>",
  "<div>\n\nafter a blank line",
  "<b>inline</b> and </pre> and -->",
  "## You",
  "## Assistant · x",
  "# A title",
  "---",
  "***",
  "===",
  "text\n===",
  "text\n---",
  "",
  "\n",
  "\r",
  "\r\n",
  "\n\n\n",
  "    indented code",
  "\ttab\tinside\t",
  "> quoted\ncontinued",
  "- a list\n- that goes on",
  "1. numbered",
  "[ref]: https://example.com/evil\n[ref]",
  "&amp; &#0; &#x110000; &nbsp;",
  "\\",
  "trailing spaces  ",
  "a\u2028b\u2029c\xc2\x85" "d",
  "\f\v form feed and vertical tab",
  "é 😀 \u00a0nbsp\u00a0",
  "**Thinking**",
  "*Stopped*",
  /* md4c 0.4.8 reads these otherwise than CommonMark (and cmark). */
  "<textarea>\nx",
  "text\n    ```\nmore\n```",
  "text\n    <div>\n<?x",
  "text\n\t<pre>\nmore",
  "> ```\n> x\n```",
  "- ~~~~\n  x\n~~~~",
  "## You\f",
  "## Assistant\v· x",
  /* Left open in a list item. */
  "- ```sh\n  ls",
  "1. <!--\n   x",
  " - 1. <script>\x05",
  /* A fence line inside an HTML block: a reader that takes raw HTML for
   * text (the view's parser does) opens a code block there. */
  "<!--\x01Here:\n```c\nint x;\n-->",
};

static const char * const tokens[] = {
  "```", "````", "~~~", "~~~~", "`", "~", "\n", "\r", "\r\n", "\n\n", " ", "   ", "\t",
  "<!--", "-->", "<pre>", "</pre>", "<div>", "<script>", "<?", "?>", "<![CDATA[", "]]>",
  "<!X", "#", "## You", "## Assistant", "# ", "---", "***", "===", "- ", "1. ", "> ",
  "    ", "[x]: /y", "*", "**", "_", "\\", "&amp;", "&#35;", "|", "a", "b", "word",
  "é", "😀", "\u00a0", "\u2028", "\f", "<", ">", "\"", "markdown", "**Thinking**",
};

#define CONTROLS "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" \
                 "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

/* What a fenced text reads back as: line endings as \n, a final one. */
static char *
expected_code (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '\r' && p[1] == '\n')
        continue;
      g_string_append_c (out, *p == '\r' ? '\n' : *p);
    }

  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');

  return g_string_free (out, FALSE);
}

static gboolean
is_unicode_space (gunichar c)
{
  return g_unichar_isspace (c) || g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR;
}

/* What an error line reads back as: control characters as spaces, no
 * whitespace at either end. */
static char *
expected_line (const char *text)
{
  g_autofree char *flat = g_strdup (text);
  const char *start;
  const char *end;

  g_strdelimit (flat, CONTROLS, ' ');
  start = flat;
  end = flat + strlen (flat);
  while (*start != '\0' && is_unicode_space (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  while (end > start && is_unicode_space (g_utf8_get_char (g_utf8_find_prev_char (start, end))))
    end = g_utf8_find_prev_char (start, end);

  return g_strndup (start, end - start);
}

/* What a heading's text (title, author and model) reads back as: line
 * breaks, tabs and other control characters as spaces; CommonMark strips
 * spaces at either end. */
static char *
expected_heading (const char *text)
{
  g_autofree char *flat = g_strdelimit (g_strdup (text), CONTROLS, ' ');
  const char *start = flat;
  const char *end = flat + strlen (flat);

  while (*start == ' ')
    start++;
  while (end > start && end[-1] == ' ')
    end--;

  return g_strndup (start, end - start);
}

/* The text of an inline node and its children, as a reader sees it. */
static void
collect_text (cmark_node *node,
              GString    *out)
{
  switch (cmark_node_get_type (node))
    {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
      g_string_append (out, cmark_node_get_literal (node));
      return;

    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      g_string_append_c (out, '\n');
      return;

    case CMARK_NODE_HTML_INLINE:
      g_string_append_printf (out, "<<raw HTML %s>>", cmark_node_get_literal (node));
      return;

    default:
      for (cmark_node *child = cmark_node_first_child (node); child; child = cmark_node_next (child))
        collect_text (child, out);
    }
}

static char *
node_text (cmark_node *node)
{
  GString *out = g_string_new (NULL);

  collect_text (node, out);
  return g_string_free (out, FALSE);
}

/* The node after @node, which must be a heading of @level reading @text. */
static void
assert_heading (cmark_node *node,
                int         level,
                const char *text)
{
  g_autofree char *read = NULL;

  g_assert_nonnull (node);
  g_assert_cmpstr (cmark_node_get_type_string (node), ==, "heading");
  g_assert_cmpint (cmark_node_get_heading_level (node), ==, level);
  read = node_text (node);
  g_assert_cmpstr (read, ==, text);
}

/* A paragraph holding only @type ("strong", "emph") around @text. */
static void
assert_marked_paragraph (cmark_node *node,
                         const char *type,
                         const char *text)
{
  cmark_node *child;
  g_autofree char *read = NULL;

  g_assert_nonnull (node);
  g_assert_cmpstr (cmark_node_get_type_string (node), ==, "paragraph");
  child = cmark_node_first_child (node);
  g_assert_nonnull (child);
  g_assert_cmpstr (cmark_node_get_type_string (child), ==, type);
  g_assert_null (cmark_node_next (child));
  read = node_text (child);
  g_assert_cmpstr (read, ==, text);
}

static const char *
author (ChutesMessageRole role)
{
  switch (role)
    {
    case CHUTES_MESSAGE_ROLE_SYSTEM:
      return "System Prompt";
    case CHUTES_MESSAGE_ROLE_ASSISTANT:
      return "Assistant";
    case CHUTES_MESSAGE_ROLE_USER:
    default:
      return "You";
    }
}

/* The lines that end an HTML block of CommonMark's kinds 1-5, and how far
 * they may be indented (in list items). */
#define MAX_INDENT 24
static const char * const html_ends[] = {
  "-->", "?>", "]]>", ">", "</pre>", "</script>", "</style>", "</textarea>",
};

static cmark_node *
parse (const char *markdown,
       int         options)
{
  return cmark_parse_document (markdown, strlen (markdown), options);
}

/* The nodes from @first up to @end (NULL: the last), as cmark's XML. */
static char *
nodes_xml (cmark_node *first,
           cmark_node *end)
{
  GString *out = g_string_new (NULL);

  for (cmark_node *node = first; node != end; node = cmark_node_next (node))
    {
      g_autofree char *xml = cmark_render_xml (node, CMARK_OPT_DEFAULT);

      g_string_append (out, xml);
    }

  return g_string_free (out, FALSE);
}

static guint
count_nodes (cmark_node *document)
{
  guint n = 0;

  for (cmark_node *node = cmark_node_first_child (document); node; node = cmark_node_next (node))
    n++;

  return n;
}

/* What a reader takes for a message heading: a heading of level 2 that
 * reads as an author, "Assistant · model" included (or "Assistant ·",
 * when the model's name is only spaces). */
static gboolean
is_message_heading (cmark_node *node)
{
  g_autofree char *text = NULL;

  if (cmark_node_get_type (node) != CMARK_NODE_HEADING || cmark_node_get_heading_level (node) != 2)
    return FALSE;

  text = node_text (node);
  return g_str_equal (text, "You") || g_str_equal (text, "System Prompt") ||
         (g_str_has_prefix (text, "Assistant") && (text[9] == '\0' || g_str_has_prefix (text + 9, " ·")));
}

static char *
expected_label (ChutesMessage *message)
{
  ChutesMessageRole role = chutes_message_get_role (message);
  const char *model = chutes_message_get_model (message);

  if (role == CHUTES_MESSAGE_ROLE_ASSISTANT && model != NULL && model[0] != '\0')
    {
      g_autofree char *full = g_strconcat (author (role), " · ", model, NULL);

      return expected_heading (full);
    }

  return g_strdup (author (role));
}

/* The part of the export that is @message's own, after its heading: the
 * export of a history of @message alone, from the line after the heading. */
static char *
exported_body (ChutesMessage *message)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autofree char *markdown = NULL;
  cmark_node *document;
  cmark_node *heading;
  const char *body;
  int line;

  g_list_store_append (store, message);
  markdown = chutes_export_to_markdown ("Title", G_LIST_MODEL (store));
  document = parse (markdown, CMARK_OPT_SOURCEPOS);
  heading = cmark_node_next (cmark_node_first_child (document));
  g_assert_nonnull (heading);
  g_assert_true (is_message_heading (heading));
  line = cmark_node_get_end_line (heading);
  cmark_node_free (document);

  body = markdown;
  for (int i = 0; i < line; i++)
    {
      body = strchr (body, '\n');
      g_assert_nonnull (body);
      body++;
    }

  return g_strdup (body);
}

/* @text at @node: its own Markdown, as cmark reads it alone (plus at most
 * a line that ends an HTML block it left open), or one code block holding
 * it. Returns the node after it. */
static cmark_node *
assert_text (cmark_node *node,
             const char *text,
             guint      *n_fenced)
{
  g_autofree char *normalized = expected_code (text);
  guint first;

  if (normalized[0] == '\0')
    return node;

  /* Fenced (its own Markdown cannot read as this). */
  if (node != NULL && cmark_node_get_type (node) == CMARK_NODE_CODE_BLOCK &&
      g_strcmp0 (cmark_node_get_fence_info (node), "markdown") == 0 &&
      g_strcmp0 (cmark_node_get_literal (node), normalized) == 0)
    {
      (*n_fenced)++;
      return cmark_node_next (node);
    }

  /* With an end first (without it, fewer nodes would match), at any
   * indentation (a list item's), when there is an HTML block to end. */
  {
    cmark_node *alone = parse (normalized, CMARK_OPT_DEFAULT);
    g_autofree char *xml = nodes_xml (cmark_node_first_child (alone), NULL);

    first = strstr (xml, "<html_block") != NULL ? 0 : G_N_ELEMENTS (html_ends) * MAX_INDENT;
    cmark_node_free (alone);
  }

  for (guint i = first; i <= G_N_ELEMENTS (html_ends) * MAX_INDENT; i++)
    {
      guint indent = i % MAX_INDENT;
      g_autofree char *source = i == G_N_ELEMENTS (html_ends) * MAX_INDENT
                                ? g_strdup (normalized)
                                : g_strdup_printf ("%s%*s%s\n", normalized, (int) indent, "",
                                                   html_ends[i / MAX_INDENT]);
      cmark_node *alone = parse (source, CMARK_OPT_DEFAULT);
      g_autofree char *expected = nodes_xml (cmark_node_first_child (alone), NULL);
      cmark_node *end = node;
      g_autofree char *read = NULL;

      for (guint n = count_nodes (alone); n > 0 && end != NULL; n--)
        end = cmark_node_next (end);
      cmark_node_free (alone);

      read = nodes_xml (node, end);
      if (g_str_equal (read, expected))
        return end;
    }

  {
    g_autofree char *escaped = g_strescape (text, NULL);

    g_test_message ("Neither its Markdown nor fenced: \"%s\"", escaped);
    g_assert_not_reached ();
  }
}

/* The section of @message, from @node (after its heading) to @end. */
static void
assert_section (cmark_node    *node,
                cmark_node    *end,
                ChutesMessage *message,
                guint         *n_fenced)
{
  const char *reasoning = chutes_message_get_reasoning (message);
  const char *error = chutes_message_get_error (message);
  ChutesMessageStatus status = chutes_message_get_status (message);
  g_autofree char *body = exported_body (message);
  cmark_node *alone = parse (body, CMARK_OPT_DEFAULT);
  g_autofree char *expected = nodes_xml (cmark_node_first_child (alone), NULL);
  g_autofree char *read = nodes_xml (node, end);

  /* Nothing from another message in it, nothing of it elsewhere. */
  g_assert_cmpstr (read, ==, expected);
  cmark_node_free (alone);

  if (reasoning != NULL && reasoning[0] != '\0')
    {
      assert_marked_paragraph (node, "strong", "Thinking");
      node = assert_text (cmark_node_next (node), reasoning, n_fenced);
      g_assert_nonnull (node);
      g_assert_cmpstr (cmark_node_get_type_string (node), ==, "thematic_break");
      node = cmark_node_next (node);
    }

  node = assert_text (node, chutes_message_get_content (message), n_fenced);

  if (status == CHUTES_MESSAGE_STATUS_STOPPED)
    {
      assert_marked_paragraph (node, "emph", "Stopped");
      node = cmark_node_next (node);
    }
  else if (status == CHUTES_MESSAGE_STATUS_FAILED || (error != NULL && error[0] != '\0'))
    {
      g_autofree char *line = error != NULL ? expected_line (error) : g_strdup ("");

      assert_marked_paragraph (node, "emph", line[0] != '\0' ? line : "Failed");
      node = cmark_node_next (node);
    }

  if (node != end)
    {
      g_autofree char *escaped = g_strescape (body, "\n");

      g_test_message ("Export of the message:\n%s", escaped);
    }
  g_assert_true (node == end);
}

/* Returns how many texts were fenced rather than written as Markdown. */
static guint
assert_reads_back (const char *title,
                   GListModel *messages)
{
  g_autofree char *markdown = chutes_export_to_markdown (title, messages);
  g_autofree char *expected_title = expected_heading (title[0] != '\0' ? title : "Untitled Chat");
  g_autoptr(GPtrArray) headings = g_ptr_array_new ();
  guint n_messages = g_list_model_get_n_items (messages);
  guint n_fenced = 0;
  cmark_node *document;
  cmark_node *node;

  document = parse (markdown, CMARK_OPT_DEFAULT);
  node = cmark_node_first_child (document);

  assert_heading (node, 1, expected_title);

  /* Exactly one message heading per message, the first right after the
   * title: none swallowed, none made up. */
  for (node = cmark_node_next (node); node; node = cmark_node_next (node))
    {
      if (is_message_heading (node))
        g_ptr_array_add (headings, node);
      else
        g_assert_cmpuint (headings->len, >, 0);
    }
  if (headings->len != n_messages)
    {
      g_autofree char *escaped = g_strescape (markdown, "\n");

      g_test_message ("Export:\n%s", escaped);
    }
  g_assert_cmpuint (headings->len, ==, n_messages);

  for (guint i = 0; i < n_messages; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);
      g_autofree char *label = expected_label (message);

      assert_heading (headings->pdata[i], 2, label);
      assert_section (cmark_node_next (headings->pdata[i]),
                      i + 1 < n_messages ? headings->pdata[i + 1] : NULL,
                      message, &n_fenced);
    }

  cmark_node_free (document);

  return n_fenced;
}

static ChutesMessage *
new_message (guint       n,
             const char *content,
             const char *reasoning,
             const char *extra)
{
  ChutesMessageRole role = n % 3 == 0 ? CHUTES_MESSAGE_ROLE_USER
                         : n % 3 == 1 ? CHUTES_MESSAGE_ROLE_ASSISTANT
                         : CHUTES_MESSAGE_ROLE_SYSTEM;
  ChutesMessage *message = chutes_message_new (role, content);

  if (role == CHUTES_MESSAGE_ROLE_ASSISTANT)
    {
      if (reasoning != NULL)
        chutes_message_append_reasoning (message, reasoning);
      chutes_message_set_model (message, extra);
      switch (n % 4)
        {
        case 0:
          chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_STOPPED);
          break;
        case 1:
          chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_FAILED);
          chutes_message_set_error (message, extra);
          break;
        case 2:
          chutes_message_set_status (message, CHUTES_MESSAGE_STATUS_FAILED);
          break;
        default:
          break;
        }
    }

  return message;
}

static void
test_hostile_texts_read_back (void)
{
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  guint n = G_N_ELEMENTS (hostile_texts);

  /* Every text as content, as reasoning, as model name and as error, in
   * one history: one that breaks out swallows or splits what follows. */
  for (guint i = 0; i < 4 * n; i++)
    {
      g_autoptr(ChutesMessage) message = new_message (i, hostile_texts[i % n],
                                                      hostile_texts[(i + 1) % n],
                                                      hostile_texts[(i + 2) % n]);

      g_list_store_append (store, message);
    }

  for (guint i = 0; i < n; i++)
    {
      guint n_fenced;

      g_test_message ("title %u", i);
      n_fenced = assert_reads_back (hostile_texts[i], G_LIST_MODEL (store));
      /* Most are contained as Markdown (closed if need be), not fenced. */
      g_assert_cmpuint (n_fenced, <, n);
    }
}

/* Whatever the format, each message keeps its heading: the one after a
 * hostile message is still there (before the fix "x\r```" opened a fence
 * that swallowed every later message, "<!--" an HTML block). */
static void
test_no_message_swallows_the_next (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile_texts); i++)
    {
      g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
      g_autoptr(ChutesMessage) hostile = chutes_message_new (CHUTES_MESSAGE_ROLE_USER,
                                                             hostile_texts[i]);
      g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "after");
      g_autofree char *markdown = NULL;
      cmark_node *document;
      guint headings = 0;
      gboolean after_seen = FALSE;

      g_list_store_append (store, hostile);
      g_list_store_append (store, reply);
      markdown = chutes_export_to_markdown ("Title", G_LIST_MODEL (store));
      document = cmark_parse_document (markdown, strlen (markdown), CMARK_OPT_DEFAULT);

      for (cmark_node *node = cmark_node_first_child (document); node; node = cmark_node_next (node))
        {
          g_autofree char *text = node_text (node);

          if (is_message_heading (node))
            headings++;
          if (headings == 2 && !after_seen)
            after_seen = strstr (text, "after") != NULL ||
                         g_strcmp0 (cmark_node_get_literal (node), "after\n") == 0;
        }

      g_test_message ("%s", hostile_texts[i]);
      g_assert_cmpuint (headings, ==, 2);
      g_assert_true (after_seen);
      cmark_node_free (document);
    }
}

/* What people export Markdown for: a reply's headings, lists, tables and
 * code blocks are Markdown in the export, not source in a code box. */
static void
test_formatting_is_kept (void)
{
  static const char reply_text[] =
    "### Steps\r\n"
    "\r\n"
    "1. Install **it**\r\n"
    "2. Run it\r\n"
    "\r\n"
    "| Name | Value |\r\n"
    "|------|-------|\r\n"
    "| a    | 1     |\r\n"
    "\r\n"
    "```c\r\n"
    "int main (void) { return 0; }\r\n"
    "```\r\n"
    "\r\n"
    "> Done.";
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(ChutesMessage) question = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "How?");
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, reply_text);
  g_autofree char *markdown = NULL;
  g_autofree char *text = NULL;
  const char * const types[] = {
    "heading", "heading", "paragraph", "heading", "heading", "list", "paragraph", "code_block", "block_quote",
    NULL
  };
  cmark_node *document;
  cmark_node *node;
  guint i = 0;

  g_list_store_append (store, question);
  g_list_store_append (store, reply);
  g_assert_cmpuint (assert_reads_back ("Title", G_LIST_MODEL (store)), ==, 0);

  markdown = chutes_export_to_markdown ("Title", G_LIST_MODEL (store));
  g_test_message ("%s", markdown);
  document = parse (markdown, CMARK_OPT_DEFAULT);
  for (node = cmark_node_first_child (document); node; node = cmark_node_next (node), i++)
    {
      g_assert_nonnull (types[i]);
      g_assert_cmpstr (cmark_node_get_type_string (node), ==, types[i]);
    }
  g_assert_null (types[i]);

  /* Title, "You", "How?", "Assistant", then the reply's own blocks. */
  node = cmark_node_next (cmark_node_next (cmark_node_next (cmark_node_first_child (document))));
  node = cmark_node_next (node);
  g_assert_cmpint (cmark_node_get_heading_level (node), ==, 3);
  text = node_text (node);
  g_assert_cmpstr (text, ==, "Steps");

  node = cmark_node_next (node);
  g_assert_cmpint (cmark_node_get_list_type (node), ==, CMARK_ORDERED_LIST);
  /* item > paragraph > "Install ", strong */
  g_assert_cmpstr (cmark_node_get_type_string (cmark_node_next (cmark_node_first_child (
                     cmark_node_first_child (cmark_node_first_child (node))))), ==, "strong");

  /* cmark has no tables: the table is a paragraph of its rows. */
  node = cmark_node_next (node);
  g_clear_pointer (&text, g_free);
  text = node_text (node);
  g_assert_cmpstr (text, ==, "| Name | Value |\n|------|-------|\n| a    | 1     |");

  node = cmark_node_next (node);
  g_assert_cmpstr (cmark_node_get_fence_info (node), ==, "c");
  g_assert_cmpstr (cmark_node_get_literal (node), ==, "int main (void) { return 0; }\n");

  cmark_node_free (document);
}

static char *
random_text (GRand *rand)
{
  GString *out = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 0, 40);

  for (guint i = 0; i < n; i++)
    {
      gunichar c;

      if (g_rand_int_range (rand, 0, 4) > 0)
        {
          g_string_append (out, tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))]);
          continue;
        }

      /* Any character but NUL and surrogates: ASCII (controls included)
       * half of the time. */
      do
        c = g_rand_boolean (rand) ? (gunichar) g_rand_int_range (rand, 1, 0x80)
                                  : (gunichar) g_rand_int_range (rand, 0x80, 0x110000);
      while (c >= 0xd800 && c <= 0xdfff);
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static void
test_random_histories_read_back (void)
{
  /* Fixed seeds: a failure is the same failure on every run. More for a
   * long run by hand: CHUTES_EXPORT_SEEDS=20000. */
  const char *seeds = g_getenv ("CHUTES_EXPORT_SEEDS");
  guint n_seeds = seeds != NULL ? (guint) g_ascii_strtoull (seeds, NULL, 10) : 500;
  guint n_fenced = 0;

  for (guint seed = 1; seed <= n_seeds; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MESSAGE);
      g_autofree char *title = random_text (rand);
      guint n_messages = g_rand_int_range (rand, 1, 8);

      for (guint i = 0; i < n_messages; i++)
        {
          g_autofree char *content = random_text (rand);
          g_autofree char *reasoning = g_rand_boolean (rand) ? random_text (rand) : NULL;
          g_autofree char *extra = random_text (rand);
          g_autoptr(ChutesMessage) message =
            new_message (g_rand_int (rand), content, reasoning, extra);

          g_list_store_append (store, message);
        }

      g_test_message ("seed %u", seed);
      n_fenced += assert_reads_back (title, G_LIST_MODEL (store));
    }

  g_test_message ("%u texts fenced in %u histories", n_fenced, n_seeds);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/markdown/no-message-swallows-the-next", test_no_message_swallows_the_next);
  g_test_add_func ("/export/markdown/replies-keep-headings-lists-tables-and-code",
                   test_formatting_is_kept);
  g_test_add_func ("/export/markdown/hostile-texts-read-back-in-cmark", test_hostile_texts_read_back);
  g_test_add_func ("/export/markdown/random-histories-read-back-in-cmark",
                   test_random_histories_read_back);

  return g_test_run ();
}
