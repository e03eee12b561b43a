/* test-export-cmark.c: any history, exported as Markdown, reads back as
 * the same messages to an independent CommonMark parser (libcmark)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exporter fences each text so that nothing in it (an unclosed fence,
 * an HTML block, \r line endings, lines like our headings) can break out.
 * Here cmark reads the export of hostile histories, handwritten and
 * random, and the document must be exactly: the title heading, then per
 * message its heading, [Thinking, the reasoning's code block], the
 * content's code block, [the status line], with every text intact.
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

static void
assert_code_block (cmark_node *node,
                   const char *text)
{
  g_autofree char *expected = expected_code (text);

  g_assert_nonnull (node);
  g_assert_cmpstr (cmark_node_get_type_string (node), ==, "code_block");
  g_assert_cmpstr (cmark_node_get_fence_info (node), ==, "markdown");
  g_assert_cmpstr (cmark_node_get_literal (node), ==, expected);
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

static void
assert_reads_back (const char *title,
                   GListModel *messages)
{
  g_autofree char *markdown = chutes_export_to_markdown (title, messages);
  g_autofree char *expected_title = expected_heading (title[0] != '\0' ? title : "Untitled Chat");
  cmark_node *document;
  cmark_node *node;

  document = cmark_parse_document (markdown, strlen (markdown), CMARK_OPT_DEFAULT);
  node = cmark_node_first_child (document);

  assert_heading (node, 1, expected_title);
  node = cmark_node_next (node);

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);
      ChutesMessageRole role = chutes_message_get_role (message);
      const char *model = chutes_message_get_model (message);
      const char *reasoning = chutes_message_get_reasoning (message);
      const char *error = chutes_message_get_error (message);
      ChutesMessageStatus status = chutes_message_get_status (message);
      g_autofree char *label = NULL;

      if (role == CHUTES_MESSAGE_ROLE_ASSISTANT && model != NULL && model[0] != '\0')
        {
          g_autofree char *full = g_strconcat (author (role), " · ", model, NULL);
          label = expected_heading (full);
        }
      else
        label = g_strdup (author (role));

      assert_heading (node, 2, label);
      node = cmark_node_next (node);

      if (reasoning != NULL && reasoning[0] != '\0')
        {
          assert_marked_paragraph (node, "strong", "Thinking");
          node = cmark_node_next (node);
          assert_code_block (node, reasoning);
          node = cmark_node_next (node);
        }

      assert_code_block (node, chutes_message_get_content (message));
      node = cmark_node_next (node);

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
    }

  /* Nothing left over: no message spilled into a block of its own. */
  g_assert_null (node);
  cmark_node_free (document);
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
      g_test_message ("title %u", i);
      assert_reads_back (hostile_texts[i], G_LIST_MODEL (store));
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

          if (cmark_node_get_type (node) == CMARK_NODE_HEADING &&
              cmark_node_get_heading_level (node) == 2)
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
  /* Fixed seeds: a failure is the same failure on every run. */
  for (guint seed = 1; seed <= 500; seed++)
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
      assert_reads_back (title, G_LIST_MODEL (store));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/export/markdown/no-message-swallows-the-next", test_no_message_swallows_the_next);
  g_test_add_func ("/export/markdown/hostile-texts-read-back-in-cmark", test_hostile_texts_read_back);
  g_test_add_func ("/export/markdown/random-histories-read-back-in-cmark",
                   test_random_histories_read_back);

  return g_test_run ();
}
