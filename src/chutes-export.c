/* chutes-export.c: a conversation as a Markdown or JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-export.h"
#include "chutes-message.h"

#define FORMAT_VERSION 1

static const char *
title_or_default (const char *title)
{
  if (title == NULL || title[0] == '\0')
    return _("Untitled Chat");

  return title;
}

/* One line of text that Markdown shows literally: no line breaks (nor
 * other control characters, which CommonMark may strip or break on), and
 * every character that could start markup escaped. */
static void
append_literal (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_c (out, ' ');
      else if (strchr ("\\`*_[]<>&#!~|", *p) != NULL)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else
        g_string_append_c (out, *p);
    }
}

/* The longest run of @c in @text. */
static guint
longest_run (const char *text,
             char        c)
{
  guint longest = 0;
  guint run = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      run = *p == c ? run + 1 : 0;
      longest = MAX (longest, run);
    }

  return longest;
}

/* Appends @text as one fenced code block that nothing in it can close
 * (CommonMark 4.5: a closing fence is the same character, at least as
 * long): fenced with whichever of ` and ~ needs the shorter fence, one
 * longer than the longest run of it anywhere in @text. Inside, HTML, fences
 * of the other kind and lines that look like our headings are text.
 *
 * Lines end in \n, \r\n or \r (all three are line endings to CommonMark);
 * each is written as \n, so a reader gets @text back with its line endings
 * as \n and a final one added when it had none. */
static void
append_fenced (GString    *out,
               const char *text,
               const char *info)
{
  guint backticks = longest_run (text, '`');
  guint tildes = longest_run (text, '~');
  char fence_char = backticks <= tildes ? '`' : '~';
  guint fence_length = MAX (3, MIN (backticks, tildes) + 1);
  const char *p = text;

  for (guint i = 0; i < fence_length; i++)
    g_string_append_c (out, fence_char);
  g_string_append (out, info);
  g_string_append_c (out, '\n');

  while (*p != '\0')
    {
      gsize length = strcspn (p, "\r\n");

      g_string_append_len (out, p, length);
      g_string_append_c (out, '\n');
      p += length;

      if (p[0] == '\r' && p[1] == '\n')
        p += 2;
      else if (*p != '\0')
        p++;
    }

  for (guint i = 0; i < fence_length; i++)
    g_string_append_c (out, fence_char);
  g_string_append_c (out, '\n');
}

static gboolean
is_markdown_space (gunichar c)
{
  /* CommonMark's Unicode whitespace: category Zs, tab, line feed, form
   * feed, carriage return; and what append_literal() makes a space (every
   * ASCII control character). */
  return g_unichar_isspace (c) || g_unichar_type (c) == G_UNICODE_SPACE_SEPARATOR ||
         c < 0x20 || c == 0x7f;
}

/* @text, valid UTF-8, without leading and trailing whitespace; NULL when
 * nothing is left. */
static char *
dup_trimmed (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  const char *start = valid;
  const char *end = valid + strlen (valid);

  while (*start != '\0' && is_markdown_space (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);

  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !is_markdown_space (g_utf8_get_char (prev)))
        break;
      end = prev;
    }

  return end > start ? g_strndup (start, end - start) : NULL;
}

/* "*text*" on a line of its own, shown literally. Emphasis needs no space
 * just inside its asterisks, so @text is trimmed; @fallback when nothing
 * is left of it. */
static void
append_emphasized (GString    *out,
                   const char *text,
                   const char *fallback)
{
  g_autofree char *trimmed = text != NULL ? dup_trimmed (text) : NULL;

  g_string_append_c (out, '*');
  append_literal (out, trimmed != NULL ? trimmed : fallback);
  g_string_append (out, "*\n");
}

static const char *
author_label (ChutesMessageRole role)
{
  switch (role)
    {
    case CHUTES_MESSAGE_ROLE_SYSTEM:
      return _("System Prompt");
    case CHUTES_MESSAGE_ROLE_ASSISTANT:
      return _("Assistant");
    case CHUTES_MESSAGE_ROLE_USER:
    default:
      return _("You");
    }
}

char *
chutes_export_to_markdown (const char *title,
                           GListModel *messages)
{
  g_autoptr(GString) out = NULL;
  guint n_items;

  g_return_val_if_fail (G_IS_LIST_MODEL (messages), NULL);

  out = g_string_new ("# ");
  append_literal (out, title_or_default (title));
  g_string_append_c (out, '\n');

  n_items = g_list_model_get_n_items (messages);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);
      const char *model = chutes_message_get_model (message);
      const char *reasoning = chutes_message_get_reasoning (message);
      const char *content = chutes_message_get_content (message);
      const char *error = chutes_message_get_error (message);
      ChutesMessageStatus status = chutes_message_get_status (message);

      g_string_append (out, "\n## ");
      append_literal (out, author_label (chutes_message_get_role (message)));
      if (model != NULL && model[0] != '\0' &&
          chutes_message_get_role (message) == CHUTES_MESSAGE_ROLE_ASSISTANT)
        {
          g_string_append (out, " · ");
          append_literal (out, model);
        }
      g_string_append (out, "\n\n");

      /* Each text in a fence of its own: whatever a message holds (an
       * unclosed fence or HTML block, a line that looks like our headings),
       * the next message starts where it should. */
      if (reasoning != NULL && reasoning[0] != '\0')
        {
          g_string_append (out, "**");
          append_literal (out, _("Thinking"));
          g_string_append (out, "**\n\n");
          append_fenced (out, reasoning, "markdown");
          g_string_append_c (out, '\n');
        }

      append_fenced (out, content != NULL ? content : "", "markdown");

      if (status == CHUTES_MESSAGE_STATUS_STOPPED ||
          status == CHUTES_MESSAGE_STATUS_FAILED ||
          (error != NULL && error[0] != '\0'))
        {
          g_string_append_c (out, '\n');
          if (status == CHUTES_MESSAGE_STATUS_STOPPED)
            append_emphasized (out, _("Stopped"), NULL);
          else
            /* Translators: a reply that failed, in an exported chat */
            append_emphasized (out, error, _("Failed"));
        }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) time = NULL;

  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return NULL;

  time = g_date_time_add (utc, usec % G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (time);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       usec,
          gboolean     null_if_unknown)
{
  g_autofree char *text = usec > 0 ? format_time (usec) : NULL;

  if (text == NULL && !null_if_unknown)
    return;

  json_builder_set_member_name (builder, name);
  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

static void
add_message (JsonBuilder   *builder,
             ChutesMessage *message)
{
  const char *reasoning = chutes_message_get_reasoning (message);
  const char *model = chutes_message_get_model (message);
  const char *error = chutes_message_get_error (message);
  gint64 prompt_tokens = chutes_message_get_prompt_tokens (message);
  gint64 completion_tokens = chutes_message_get_completion_tokens (message);
  ChutesMessageStatus status = chutes_message_get_status (message);

  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, chutes_message_role_to_string (chutes_message_get_role (message)));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, chutes_message_get_content (message));

  if (reasoning != NULL && reasoning[0] != '\0')
    {
      json_builder_set_member_name (builder, "reasoning");
      json_builder_add_string_value (builder, reasoning);
    }

  if (model != NULL)
    {
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, model);
    }

  if (prompt_tokens >= 0 || completion_tokens >= 0)
    {
      json_builder_set_member_name (builder, "usage");
      json_builder_begin_object (builder);
      if (prompt_tokens >= 0)
        {
          json_builder_set_member_name (builder, "prompt_tokens");
          json_builder_add_int_value (builder, prompt_tokens);
        }
      if (completion_tokens >= 0)
        {
          json_builder_set_member_name (builder, "completion_tokens");
          json_builder_add_int_value (builder, completion_tokens);
        }
      json_builder_end_object (builder);
    }

  if (status != CHUTES_MESSAGE_STATUS_COMPLETE)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (CHUTES_TYPE_MESSAGE_STATUS);
      GEnumValue *value = g_enum_get_value (klass, status);

      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, value != NULL ? value->value_nick : "failed");
    }

  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error);
    }

  add_time (builder, "created", chutes_message_get_created_at (message), FALSE);

  json_builder_end_object (builder);
}

char *
chutes_export_to_json (const char *title,
                       const char *model,
                       gint64      created_at,
                       GListModel *messages)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint n_items;
  char *text;

  g_return_val_if_fail (G_IS_LIST_MODEL (messages), NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "app");
  json_builder_add_string_value (builder, BASE_APP_ID);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, FORMAT_VERSION);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, title != NULL ? title : "");
  json_builder_set_member_name (builder, "model");
  if (model != NULL)
    json_builder_add_string_value (builder, model);
  else
    json_builder_add_null_value (builder);
  add_time (builder, "created", created_at, TRUE);

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  n_items = g_list_model_get_n_items (messages);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);

      add_message (builder, message);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);

  text = json_generator_to_data (generator, NULL);

  return text;
}
