/* chutes-export.c: a conversation as a Markdown or JSON document
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <md4c.h>

#include "chutes-export.h"
#include "chutes-markdown-blocks.h"
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

/* Appends @text (line endings \n) as one fenced code block that nothing
 * in it can close (CommonMark 4.5: a closing fence is the same character,
 * at least as long): fenced with whichever of ` and ~ needs the shorter
 * fence, one longer than the longest run of it anywhere in @text. Inside,
 * HTML, fences of the other kind and lines that look like our headings are
 * text. A reader gets @text back, with a final line ending added when it
 * had none. */
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

  g_string_append (out, p);
  if (*p != '\0' && p[strlen (p) - 1] != '\n')
    g_string_append_c (out, '\n');

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

/* @text with its line endings (\r\n, \r and \n: all three are line
 * endings to CommonMark) as \n, and a final one when it has text. */
static char *
dup_normalized (const char *text)
{
  GString *out = g_string_sized_new (strlen (text) + 1);

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

/* The line after @line in text whose lines end in \n, or NULL. */
static const char *
next_line (const char *line)
{
  const char *end = strchr (line, '\n');

  return end != NULL && end[1] != '\0' ? end + 1 : NULL;
}

/* The end of an HTML block of CommonMark's kinds 1-5 that begins with
 * @line, or NULL (kinds 6 and 7 end at a blank line). */
static const char *
html_block_end (const char *line,
                gsize       length)
{
  static const char * const tags[] = { "script", "pre", "style", "textarea" };
  static const char * const ends[] = { "</script>", "</pre>", "</style>", "</textarea>" };
  const char *end = line + length;

  while (line < end && *line == ' ')
    line++;
  length = end - line;

  if (length >= 4 && strncmp (line, "<!--", 4) == 0)
    return "-->";
  if (length >= 2 && strncmp (line, "<?", 2) == 0)
    return "?>";
  if (length >= 9 && strncmp (line, "<![CDATA[", 9) == 0)
    return "]]>";
  if (length >= 3 && strncmp (line, "<!", 2) == 0 && g_ascii_isalpha (line[2]))
    return ">";

  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      gsize tag_length = strlen (tags[i]);

      if (length > tag_length && line[0] == '<' &&
          g_ascii_strncasecmp (line + 1, tags[i], tag_length) == 0 &&
          (length == tag_length + 1 || strchr (" \t\n>", line[tag_length + 1]) != NULL))
        return ends[i];
    }

  return NULL;
}

/* What is appended to a text to see whether it ends where it should: an
 * ATX heading at the top level of the document, unless something in the
 * text swallows it. */
#define END_MARK "chutes-export-end-of-text"
#define END_LINE "\n# " END_MARK "\n"

/* A block without blocks in it, as md4c read it. */
typedef struct
{
  MD_BLOCKTYPE  type;
  guint         depth;              /* 1 at the top level, more in a quote or list */
  char          fence_char;         /* a fenced code block's */
  gboolean      html_seen;          /* its first line was read, an HTML block's */
  const char   *html_end;           /* the end of it that line calls for, or NULL */
  gsize         size;               /* bytes of text in it */
  const char   *last_line;          /* a code or HTML block's: its last line of text */
  const char   *last_text;          /* and where the text in it starts */
  gsize         last_column;        /* which is this far into the line */
} Leaf;

/* What md4c (CommonMark, like the readers of the export) made of a text
 * followed by END_LINE. */
typedef struct
{
  const char   *text;               /* what was read, without END_LINE */
  gsize         text_length;
  const char   *input;              /* and what md4c read */
  guint         depth;              /* blocks open, the document included */
  MD_BLOCKTYPE  last_top;           /* the last block of the document's own */
  guint         last_top_level;     /* its level, a heading's */
  gboolean      last_top_is_mark;   /* it is the heading END_LINE */
  Leaf          leaf;               /* the last leaf block */
  Leaf          previous;           /* and the one before it */
  gboolean      in_heading;
  guint         heading_level;
  gboolean      heading_unsure;     /* entities or raw HTML in the heading */
  GString      *heading;            /* the heading's text */
  const char   *labels[3];          /* our message headings */
  gboolean      has_label;          /* a heading of level 1 or 2 reads as one */
  gboolean      misread;            /* md4c 0.4.8 and CommonMark may differ */
} Probe;

static gboolean
reads_as_label (const Probe *probe,
                const char  *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (probe->labels); i++)
    {
      const char *rest;

      /* "Assistant" starts "Assistant · model" too; readers may take
       * what follows a label for space ("\f") or punctuation. */
      if (!g_str_has_prefix (text, probe->labels[i]))
        continue;
      rest = text + strlen (probe->labels[i]);
      if (*rest == '\0' || !g_unichar_isalnum (g_utf8_get_char_validated (rest, -1)))
        return TRUE;
    }

  return FALSE;
}

static int
probe_enter_block (MD_BLOCKTYPE  type,
                   void         *detail,
                   void         *user_data)
{
  Probe *probe = user_data;

  if (probe->depth == 1)
    {
      probe->last_top = type;
      probe->last_top_level = type == MD_BLOCK_H ? ((MD_BLOCK_H_DETAIL *) detail)->level : 0;
      probe->last_top_is_mark = FALSE;
    }

  switch (type)
    {
    case MD_BLOCK_DOC:
    case MD_BLOCK_QUOTE:
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
    case MD_BLOCK_LI:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
    case MD_BLOCK_TR:
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      break;

    default:
      probe->previous = probe->leaf;
      probe->leaf = (Leaf) { .type = type, .depth = probe->depth };
      if (type == MD_BLOCK_CODE)
        probe->leaf.fence_char = ((MD_BLOCK_CODE_DETAIL *) detail)->fence_char;
      break;
    }

  if (type == MD_BLOCK_H)
    {
      probe->in_heading = TRUE;
      probe->heading_level = ((MD_BLOCK_H_DETAIL *) detail)->level;
      probe->heading_unsure = FALSE;
      g_string_truncate (probe->heading, 0);
    }

  probe->depth++;

  return 0;
}

/* md4c 0.4.8 ends a fenced code block in a block quote or list item at
 * a closing fence that is not in the quote or item ("> ```" then "```"),
 * where CommonMark ends the quote or item and opens a new fence there.
 * Whether the line after the last line of text of @probe's code block, if
 * it is not blank and looks like a closing fence, starts as that last line
 * does, up to its text (errs on the side of no: a block with no text, or
 * text indented more than the fence). */
static gboolean
nested_fence_ends_well (const Probe *probe)
{
  const Leaf *leaf = &probe->leaf;
  const char *end = probe->input + probe->text_length;
  const char *line;

  if (leaf->last_line == NULL)
    return FALSE;

  for (line = strchr (leaf->last_text, '\n'); line != NULL && line + 1 < end; line = strchr (line + 1, '\n'))
    {
      const char *next = line + 1;
      gsize prefix = leaf->last_text - leaf->last_line;

      const char *p = next;

      if (next[strspn (next, " \t")] == '\n')
        continue;

      /* Not a closing fence: the block ended with its quote or item. */
      while (p - next < 3 && *p == ' ')
        p++;
      if (strspn (p, (char[]) { leaf->fence_char, '\0' }) < 3)
        return TRUE;

      return strncmp (next, leaf->last_line, prefix) == 0;
    }

  return TRUE;
}

static int
probe_leave_block (MD_BLOCKTYPE  type,
                   void         *detail,
                   void         *user_data)
{
  Probe *probe = user_data;

  probe->depth--;

  if (type == MD_BLOCK_CODE && probe->leaf.fence_char != 0 && probe->leaf.depth > 1 &&
      !nested_fence_ends_well (probe))
    probe->misread = TRUE;

  if (type == MD_BLOCK_H)
    {
      probe->in_heading = FALSE;
      if (probe->depth == 1)
        probe->last_top_is_mark = probe->heading_level == 1 &&
                                  strcmp (probe->heading->str, END_MARK) == 0;
      if (probe->heading_level <= 2 &&
          (probe->heading_unsure || reads_as_label (probe, probe->heading->str)))
        probe->has_label = TRUE;
    }

  return 0;
}

static int
probe_span (MD_SPANTYPE  type,
            void        *detail,
            void        *user_data)
{
  return 0;
}

static int
probe_text (MD_TEXTTYPE    type,
            const MD_CHAR *text,
            MD_SIZE        size,
            void          *user_data)
{
  Probe *probe = user_data;

  probe->leaf.size += size;
  if ((type == MD_TEXT_CODE || type == MD_TEXT_HTML) && size > 0 &&
      (probe->leaf.type == MD_BLOCK_CODE || probe->leaf.type == MD_BLOCK_HTML) &&
      text >= probe->input && text < probe->input + probe->text_length)
    {
      const char *line = text;

      while (line > probe->input && line[-1] != '\n')
        line--;
      /* Where the line's text starts: its first piece. */
      if (line != probe->leaf.last_line)
        {
          probe->leaf.last_line = line;
          probe->leaf.last_text = text;
          probe->leaf.last_column = text - line;
        }
    }
  /* md4c hands some text (indentation, line ends) from its own strings. */
  if (type == MD_TEXT_HTML && probe->leaf.type == MD_BLOCK_HTML && !probe->leaf.html_seen &&
      text >= probe->input && text < probe->input + probe->text_length)
    {
      probe->leaf.html_seen = TRUE;
      /* The text as it was, not as disguise_textarea() left it. */
      probe->leaf.html_end = html_block_end (probe->text + (text - probe->input),
                                            MIN (size, probe->text_length - (text - probe->input)));
    }

  if (!probe->in_heading)
    return 0;

  switch (type)
    {
    case MD_TEXT_NORMAL:
    case MD_TEXT_CODE:
      g_string_append_len (probe->heading, text, size);
      break;

    case MD_TEXT_SOFTBR:
    case MD_TEXT_BR:
      g_string_append_c (probe->heading, '\n');
      break;

    case MD_TEXT_NULLCHAR:
      g_string_append (probe->heading, "\xef\xbf\xbd");
      break;

    default:
      /* An entity or raw HTML can read as anything. */
      probe->heading_unsure = TRUE;
      break;
    }

  return 0;
}

/* md4c reads @text followed by @end_line into @probe. Whether the last
 * block of the document's own is the heading END_LINE. */
/* md4c 0.4.8 reads CommonMark 0.29, where <textarea> does not yet begin an
 * HTML block that only </textarea> (or </pre>, </script>, </style>) ends,
 * as it does in 0.30 (and cmark). Turns, in place and keeping every
 * offset, each "<textarea" that begins a line into "<pre     " and each
 * "</textarea>" into "</pre>     ", which both read alike. */
static void
disguise_textarea (char *input)
{
  for (char *line = input; line != NULL; line = (char *) next_line (line))
    {
      char *p = line;

      while (p - line < 3 && *p == ' ')
        p++;
      if (g_ascii_strncasecmp (p, "<textarea", 9) == 0 && strchr (" \t\n>", p[9]) != NULL)
        memcpy (p, "<pre     ", 9);
    }

  for (char *p = strchr (input, '<'); p != NULL; p = strchr (p + 1, '<'))
    {
      if (g_ascii_strncasecmp (p, "</textarea>", 11) == 0)
        memcpy (p, "</pre>     ", 11);
    }
}

/* @text with each tab as the spaces up to the next multiple of four
 * columns, as CommonMark reads tabs where they make block structure (md4c
 * 0.4.8 does not always: "\t```" could end or begin a fence for it). */
static char *
expand_tabs (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  gsize column = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\t')
        {
          do
            g_string_append_c (out, ' ');
          while (++column % 4 != 0);
          continue;
        }

      g_string_append_c (out, *p);
      if (*p == '\n')
        column = 0;
      else if (((guchar) *p & 0xc0) != 0x80)
        column++;
    }

  return g_string_free (out, FALSE);
}

static gboolean
probe_read (const char *text,
            const char *end_line,
            Probe      *probe)
{
  g_autofree char *expanded = expand_tabs (text);
  g_autofree char *input = g_strconcat (expanded, end_line, NULL);
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = 0,   /* CommonMark, HTML included: what viewers read */
    .enter_block = probe_enter_block,
    .leave_block = probe_leave_block,
    .enter_span = probe_span,
    .leave_span = probe_span,
    .text = probe_text,
  };
  gsize length = strlen (input);
  int result;

  probe->text = expanded;
  probe->text_length = strlen (expanded);
  probe->input = input;
  probe->depth = 0;
  probe->last_top = MD_BLOCK_DOC;
  probe->last_top_is_mark = FALSE;
  probe->leaf = (Leaf) { .type = MD_BLOCK_DOC };
  probe->previous = probe->leaf;
  probe->in_heading = FALSE;
  probe->has_label = FALSE;
  probe->misread = FALSE;

  if (length > G_MAXUINT32)
    return FALSE;

  disguise_textarea (input);
  result = md_parse (input, length, &parser, probe);
  probe->text = NULL;
  probe->input = NULL;

  return result == 0 && !probe->misread && probe->last_top == MD_BLOCK_H &&
         probe->last_top_level == 1 && probe->last_top_is_mark;
}

/* Whether @text (line endings \n, ending in one), followed by a blank line
 * and a heading, ends where it should: md4c, reading it as CommonMark, must
 * find that heading at the top level (no fence, HTML block or container
 * still open swallowed it), and the last block of @text must be what it is
 * without them (a fence or HTML block left open in a list item would take
 * the blank line in). When not, @open is the block left open. */
static gboolean
text_ends (const char *text,
           Probe      *probe,
           Leaf       *open)
{
  Probe alone = *probe;

  if (!probe_read (text, END_LINE, probe))
    {
      /* What md4c may have misread, closing it cannot mend. */
      *open = probe->misread ? (Leaf) { .type = MD_BLOCK_DOC } : probe->leaf;
      return FALSE;
    }

  if (probe->previous.depth < 2 ||
      !((probe->previous.type == MD_BLOCK_CODE && probe->previous.fence_char != 0) ||
        probe->previous.type == MD_BLOCK_HTML))
    return TRUE;

  probe_read (text, "", &alone);
  *open = probe->previous;

  return !alone.misread && alone.leaf.type == open->type && alone.leaf.size == open->size;
}

/* Whether a line of @text might start a link reference definition, which
 * is global: it would change links in the other messages. */
static gboolean
may_define_reference (const char *text)
{
  gsize length = strlen (text);
  const char *last = g_strrstr (text, "]:");

  /* Not one "]:" after a line, not one definition from there on. */
  for (const char *line = text; line != NULL && last != NULL && line < last; line = next_line (line))
    {
      /* The label may run on to later lines, for up to 999 characters
       * (CommonMark 4.7): look for its "]:" that far, not to the end. */
      gsize line_length = strcspn (line, "\n");

      if (chutes_md_line_may_define_reference (line, MIN (length - (line - text),
                                                          line_length + 4 * 1000 + 2)))
        return TRUE;
    }

  return FALSE;
}

/* Whether a line of @text (in a quote or indented, to be safe) is a run of
 * three or more ` or ~ followed by blanks with a tab among them: CommonMark
 * closes a fence with it, md4c 0.4.8 does not (it takes only spaces after
 * a closing fence), so md4c would find the fence open where it is not. */
static gboolean
may_misread_fence_end (const char *text)
{
  for (const char *line = text; line != NULL; line = next_line (line))
    {
      const char *p = line + strspn (line, " \t>");
      char c = *p;
      gsize run;
      gsize blanks;

      if (c != '`' && c != '~')
        continue;
      run = strspn (p, c == '`' ? "`" : "~");
      blanks = strspn (p + run, " \t");
      if (run >= 3 && (p[run + blanks] == '\n' || p[run + blanks] == '\0') &&
          memchr (p + run, '\t', blanks) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* Whether a line of @text that begins like a fence or an HTML block,
 * indented four columns or more (in a quote, after its markers), follows a
 * line of text: md4c 0.4.8 opens the block there where CommonMark goes on
 * with the paragraph (or a list item's), so what md4c finds open or closed
 * after it cannot be trusted. Or a fence end md4c does not take as one
 * (may_misread_fence_end()). */
static gboolean
may_misread_block (const char *text)
{
  g_autofree char *expanded = NULL;
  gboolean after_text = FALSE;

  if (may_misread_fence_end (text))
    return TRUE;

  expanded = expand_tabs (text);
  for (const char *line = expanded; line != NULL; line = next_line (line))
    {
      const char *start = line;
      gsize indent;

      /* In a quote, after its markers. */
      for (;;)
        {
          const char *marker = start + strspn (start, " ");

          if (*marker != '>' || marker - start > 3)
            break;
          start = marker + 1 + (marker[1] == ' ');
        }

      indent = strspn (start, " ");
      start += indent;
      if (after_text && indent >= 4 &&
          (g_str_has_prefix (start, "```") || g_str_has_prefix (start, "~~~") || *start == '<'))
        return TRUE;

      after_text = *start != '\n' && *start != '\0';
    }

  return FALSE;
}

/* Appends @text, a message's Markdown, as Markdown, ending in a line
 * ending; what follows must start after a blank line. Nothing in it may
 * stay open past its end, so when md4c finds an unclosed fenced code
 * block or HTML block (kinds 1-5), the line that CommonMark closes it with
 * is added. When that is not enough, or @text defines link references
 * (which would change the other messages), has a heading that reads as
 * one of our message headings, or has what md4c 0.4.8 reads otherwise
 * than CommonMark, @text is fenced instead. */
static void
append_text (GString    *out,
             const char *text)
{
  g_autofree char *normalized = dup_normalized (text);
  g_autofree char *closed = NULL;
  g_autoptr(GString) heading = g_string_new (NULL);
  Probe probe = { .heading = heading };
  Leaf open = { 0, };
  gboolean ends;

  if (normalized[0] == '\0')
    return;

  probe.labels[0] = author_label (CHUTES_MESSAGE_ROLE_USER);
  probe.labels[1] = author_label (CHUTES_MESSAGE_ROLE_ASSISTANT);
  probe.labels[2] = author_label (CHUTES_MESSAGE_ROLE_SYSTEM);

  if (may_define_reference (normalized) || may_misread_block (normalized))
    {
      append_fenced (out, normalized, "markdown");
      return;
    }

  ends = text_ends (normalized, &probe, &open);
  if (!ends && !probe.has_label)
    {
      g_autofree char *closer = NULL;
      guint min_indent = 0;
      guint max_indent = 0;

      if (open.type == MD_BLOCK_CODE && open.fence_char != 0)
        closer = g_strnfill (MAX (3, longest_run (normalized, open.fence_char)), open.fence_char);
      else if (open.type == MD_BLOCK_HTML)
        closer = g_strdup (open.html_end);

      /* Left open in a list item, the end goes where the block's last line
       * of text starts (md4c 0.4.8 would take it anywhere, CommonMark only
       * in the item). */
      if (open.depth > 1 && open.last_text != NULL)
        min_indent = max_indent = open.last_column;
      else if (open.depth > 1)
        g_clear_pointer (&closer, g_free);

      for (guint indent = min_indent; closer != NULL && !ends && indent <= max_indent; indent++)
        {
          g_clear_pointer (&closed, g_free);
          closed = g_strdup_printf ("%s%*s%s\n", normalized, (int) indent, "", closer);
          ends = text_ends (closed, &probe, &open);
        }
    }

  if (!ends || probe.has_label)
    append_fenced (out, normalized, "markdown");
  else
    g_string_append (out, closed != NULL ? closed : normalized);
}

char *
chutes_export_attachment_file_name (guint             message,
                                    guint             position,
                                    ChutesAttachment *attachment)
{
  const char *name = chutes_attachment_get_name (attachment);
  const char *type = chutes_attachment_get_content_type (attachment);
  const char *extension = g_str_equal (type, "image/png") ? ".png"
                          : g_str_equal (type, "image/jpeg") ? ".jpg" : "";
  g_autofree char *stem = NULL;
  const char *dot;
  GString *out;

  /* Only characters every file system and URL takes as they are. */
  dot = strrchr (name, '.');
  stem = g_strndup (name, dot != NULL && dot != name ? (gsize) (dot - name) : strlen (name));
  out = g_string_new (NULL);
  g_string_append_printf (out, "%u-%u-", message + 1, position + 1);
  for (const char *p = stem; *p != '\0' && out->len < 64; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || *p == '-' || *p == '_' ? *p : '_');
  g_string_append (out, extension);

  return g_string_free (out, FALSE);
}

/* The attachments of a message, after its text: a text file as its name
 * and its text fenced, an image as a link to its file in @folder (a
 * relative path), or as a data: URI when @folder is NULL. */
static void
append_attachments (GString       *out,
                    ChutesMessage *message,
                    guint          index,
                    const char    *folder)
{
  GListModel *attachments = chutes_message_get_attachments (message);
  guint n = g_list_model_get_n_items (attachments);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);

      g_string_append_c (out, '\n');
      if (chutes_attachment_get_kind (attachment) == CHUTES_ATTACHMENT_TEXT)
        {
          gsize size;
          const char *text = g_bytes_get_data (chutes_attachment_get_bytes (attachment), &size);
          g_autofree char *copy = g_strndup (text, size);
          g_autofree char *normalized = dup_normalized (copy);

          g_string_append (out, "**");
          append_literal (out, chutes_attachment_get_name (attachment));
          g_string_append (out, "**\n\n");
          append_fenced (out, normalized, "");
        }
      else
        {
          g_string_append (out, "![");
          append_literal (out, chutes_attachment_get_name (attachment));
          g_string_append (out, "](");
          if (folder != NULL)
            {
              g_autofree char *file = chutes_export_attachment_file_name (index, i, attachment);
              g_autofree char *escaped_folder = g_uri_escape_string (folder, NULL, FALSE);

              g_string_append_printf (out, "%s/%s", escaped_folder, file);
            }
          else
            {
              g_autofree char *uri = chutes_attachment_dup_data_uri (attachment);

              g_string_append (out, uri);
            }
          g_string_append (out, ")\n");
        }
    }
}

char *
chutes_export_to_markdown (const char *title,
                           GListModel *messages)
{
  return chutes_export_to_markdown_with_folder (title, messages, NULL);
}

char *
chutes_export_to_markdown_with_folder (const char *title,
                                       GListModel *messages,
                                       const char *folder)
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

      /* Each text as Markdown that ends before the next line (or, when
       * it cannot be made to, in a fence): whatever a message holds, the
       * next message starts where it should. The rule after the reasoning
       * keeps it apart from the reply (two lists or indented code blocks
       * with only a blank line between them would merge). */
      if (reasoning != NULL && reasoning[0] != '\0')
        {
          g_string_append (out, "**");
          append_literal (out, _("Thinking"));
          g_string_append (out, "**\n\n");
          append_text (out, reasoning);
          g_string_append (out, "\n---\n\n");
        }

      append_text (out, content != NULL ? content : "");
      append_attachments (out, message, i, folder);

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

/* "attachments": [{kind, name, content_type, width, height, data}], the
 * data in base64; only when there are some. */
static void
add_attachments (JsonBuilder *builder,
                 GListModel  *attachments)
{
  guint n = g_list_model_get_n_items (attachments);

  if (n == 0)
    return;

  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);
      gboolean image = chutes_attachment_get_kind (attachment) == CHUTES_ATTACHMENT_IMAGE;
      gsize size;
      const guchar *data = g_bytes_get_data (chutes_attachment_get_bytes (attachment), &size);
      g_autofree char *base64 = g_base64_encode (data, size);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, image ? "image" : "text");
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, chutes_attachment_get_name (attachment));
      json_builder_set_member_name (builder, "content_type");
      json_builder_add_string_value (builder, chutes_attachment_get_content_type (attachment));
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, chutes_attachment_get_width (attachment));
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, chutes_attachment_get_height (attachment));
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, base64);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
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
  add_attachments (builder, chutes_message_get_attachments (message));

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
