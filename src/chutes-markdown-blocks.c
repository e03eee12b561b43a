/* chutes-markdown-blocks.c: Markdown parsed by md4c into blocks with safe Pango markup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <md4c.h>

#include "chutes-markdown-blocks.h"

/* GitHub's dialect with raw HTML kept as text: a reply is never
 * interpreted as HTML, and entities are shown as typed (see text_cb()). */
#define PARSER_FLAGS (MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |       \
                      MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEURLAUTOLINKS |            \
                      MD_FLAG_PERMISSIVEWWWAUTOLINKS)

/* Containers nested deeper than this are flattened into their parent, so a
 * hostile reply cannot build a widget tree deep enough to exhaust the stack. */
#define MAX_CONTAINER_DEPTH 16

/* CommonMark's tab stop. */
#define TAB_STOP 4

typedef struct
{
  MD_SPANTYPE  type;
  char        *open;    /* the tag written at its start, or NULL */
  const char  *close;   /* the tag that ends it, or NULL */
  gsize        mark;    /* length of the markup after its start */
  char        *target;  /* image: its address */
} Span;

typedef struct
{
  const char    *input;
  gsize          length;

  GPtrArray     *top;         /* the result: top-level blocks */
  GPtrArray     *stack;       /* open blocks; NULL for a flattened container */
  ChutesMdBlock *top_block;   /* the open top-level block */
  ChutesMdBlock *inline_block;
  gboolean       inline_implicit;
  gboolean       in_head;
  guint          list_depth;

  GArray        *spans;       /* Span */
  guint          link_depth;
  guint          image_depth;

  gsize          code_indent; /* pending indentation of a code line, in columns */
  const char    *code_line;   /* where the next line of code starts in the input, or NULL */
  gboolean       code_line_has_text;
} ParseState;

void
chutes_md_block_free (ChutesMdBlock *block)
{
  if (block == NULL)
    return;

  g_free (block->language);
  if (block->text != NULL)
    g_string_free (block->text, TRUE);
  g_clear_pointer (&block->children, g_ptr_array_unref);
  g_free (block);
}

static ChutesMdBlock *
block_new (ChutesMdKind kind)
{
  ChutesMdBlock *block = g_new0 (ChutesMdBlock, 1);

  block->kind = kind;
  block->first_source = CHUTES_MD_NO_SOURCE;
  block->last_source = CHUTES_MD_NO_SOURCE;

  switch (kind)
    {
    case CHUTES_MD_PARAGRAPH:
    case CHUTES_MD_HEADING:
    case CHUTES_MD_CODE:
    case CHUTES_MD_CELL:
      block->text = g_string_new (NULL);
      break;

    case CHUTES_MD_QUOTE:
    case CHUTES_MD_LIST:
    case CHUTES_MD_ITEM:
    case CHUTES_MD_TABLE:
    case CHUTES_MD_ROW:
      block->children = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);
      break;

    case CHUTES_MD_RULE:
    default:
      break;
    }

  return block;
}

gboolean
chutes_md_block_equal (const ChutesMdBlock *a,
                       const ChutesMdBlock *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  if (a->kind != b->kind ||
      a->level != b->level ||
      a->start != b->start ||
      a->delimiter != b->delimiter ||
      a->tight != b->tight ||
      a->task != b->task ||
      a->header != b->header ||
      a->xalign != b->xalign ||
      g_strcmp0 (a->language, b->language) != 0)
    return FALSE;

  if ((a->text == NULL) != (b->text == NULL) ||
      (a->text != NULL && !g_string_equal (a->text, b->text)))
    return FALSE;

  if ((a->children == NULL) != (b->children == NULL))
    return FALSE;

  return a->children == NULL ||
         chutes_md_blocks_equal (a->children, 0, a->children->len, b->children);
}

/* Whether blocks [a_from, a_to) of @a are the blocks of @b. */
gboolean
chutes_md_blocks_equal (GPtrArray *a,
                        guint      a_from,
                        guint      a_to,
                        GPtrArray *b)
{
  g_return_val_if_fail (a_from <= a_to && a_to <= a->len, FALSE);

  if (a_to - a_from != b->len)
    return FALSE;

  for (guint i = 0; i < b->len; i++)
    if (!chutes_md_block_equal (g_ptr_array_index (a, a_from + i), g_ptr_array_index (b, i)))
      return FALSE;

  return TRUE;
}

/* Appends @text escaped for Pango markup. Invalid UTF-8 and control
 * characters other than tab and newline become U+FFFD, which GMarkup
 * accepts where it would reject the originals. */
static void
append_escaped (GString    *out,
                const char *text,
                gsize       length)
{
  const char *end = text + length;

  while (text < end)
    {
      const char *valid_end;
      const char *p;

      g_utf8_validate_len (text, end - text, &valid_end);

      for (p = text; p < valid_end; p++)
        {
          guchar c = *p;

          switch (c)
            {
            case '&': g_string_append (out, "&amp;"); break;
            case '<': g_string_append (out, "&lt;"); break;
            case '>': g_string_append (out, "&gt;"); break;
            case '"': g_string_append (out, "&quot;"); break;
            case '\'': g_string_append (out, "&#39;"); break;
            case '\t':
            case '\n':
              g_string_append_c (out, c);
              break;
            default:
              if (c < 0x20 || c == 0x7f)
                g_string_append (out, "\xef\xbf\xbd");
              else
                g_string_append_c (out, c);
              break;
            }
        }

      if (valid_end < end)
        {
          g_string_append (out, "\xef\xbf\xbd");
          valid_end++;
        }
      text = valid_end;
    }
}

/* Text of an attribute (a link's address or title): escapes and entities
 * as typed, except that the few entities an address needs are decoded. */
static char *
attribute_to_string (const MD_ATTRIBUTE *attr)
{
  GString *out = g_string_new (NULL);

  if (attr->text == NULL)
    return g_string_free (out, FALSE);

  for (guint i = 0; attr->substr_offsets[i] < attr->size; i++)
    {
      const char *piece = attr->text + attr->substr_offsets[i];
      gsize length = attr->substr_offsets[i + 1] - attr->substr_offsets[i];

      switch (attr->substr_types[i])
        {
        case MD_TEXT_NULLCHAR:
          g_string_append (out, "\xef\xbf\xbd");
          break;

        case MD_TEXT_ENTITY:
          if (length == 5 && memcmp (piece, "&amp;", 5) == 0)
            g_string_append_c (out, '&');
          else if (length == 6 && memcmp (piece, "&quot;", 6) == 0)
            g_string_append_c (out, '"');
          else
            g_string_append_len (out, piece, length);
          break;

        case MD_TEXT_NORMAL:
        default:
          g_string_append_len (out, piece, length);
          break;
        }
    }

  return g_string_free (out, FALSE);
}

static void
note_source (ParseState *state,
             const char *text,
             gsize       length)
{
  ChutesMdBlock *block = state->top_block;
  gsize first;
  gsize last;

  if (block == NULL || length == 0 || text < state->input || text >= state->input + state->length)
    return;

  first = text - state->input;
  last = first + length - 1;

  if (block->first_source == CHUTES_MD_NO_SOURCE || first < block->first_source)
    block->first_source = first;
  if (block->last_source == CHUTES_MD_NO_SOURCE || last > block->last_source)
    block->last_source = last;
}

/* The start of the line after the one @text is on, or NULL. */
static const char *
next_line (ParseState *state,
           const char *text)
{
  const char *end = state->input + state->length;
  const char *newline;

  if (text < state->input || text >= end)
    return NULL;

  newline = memchr (text, '\n', end - text);

  return newline ? newline + 1 : NULL;
}

static ChutesMdBlock *
state_parent (ParseState *state)
{
  for (guint i = state->stack->len; i > 0; i--)
    {
      ChutesMdBlock *block = g_ptr_array_index (state->stack, i - 1);

      if (block != NULL)
        return block;
    }

  return NULL;
}

static void
state_add (ParseState    *state,
           ChutesMdBlock *block)
{
  ChutesMdBlock *parent = state_parent (state);

  if (parent != NULL && parent->children != NULL)
    {
      g_ptr_array_add (parent->children, block);
    }
  else if (parent != NULL)
    {
      /* Only a flattened container can get here; its content is kept. */
      chutes_md_block_free (block);
      g_return_if_reached ();
    }
  else
    {
      g_ptr_array_add (state->top, block);
      state->top_block = block;
    }
}

/* The block that receives inline content. A tight list item has no
 * paragraph of its own, so one is made for its text. */
static GString *
state_markup (ParseState *state)
{
  if (state->inline_block == NULL)
    {
      ChutesMdBlock *parent = state_parent (state);
      ChutesMdBlock *paragraph;

      if (parent != NULL &&
          (parent->kind == CHUTES_MD_PARAGRAPH ||
           parent->kind == CHUTES_MD_HEADING ||
           parent->kind == CHUTES_MD_CELL))
        {
          state->inline_block = parent;
          return parent->text;
        }

      paragraph = block_new (CHUTES_MD_PARAGRAPH);
      state_add (state, paragraph);
      state->inline_block = paragraph;
      state->inline_implicit = TRUE;
    }

  return state->inline_block->text;
}

static void
span_clear (Span *span)
{
  g_clear_pointer (&span->open, g_free);
  g_clear_pointer (&span->target, g_free);
}

/* Closes whatever spans are still open, so that the markup is well formed
 * whatever md4c reported. */
static void
state_end_inline (ParseState *state)
{
  for (guint i = state->spans->len; i > 0; i--)
    {
      Span *span = &g_array_index (state->spans, Span, i - 1);

      if (span->close != NULL && state->inline_block != NULL)
        g_string_append (state->inline_block->text, span->close);
      span_clear (span);
    }
  g_array_set_size (state->spans, 0);
  state->link_depth = 0;
  state->image_depth = 0;

  state->inline_block = NULL;
  state->inline_implicit = FALSE;
}

static int
enter_block_cb (MD_BLOCKTYPE  type,
                void         *detail,
                void         *user_data)
{
  ParseState *state = user_data;
  ChutesMdBlock *block = NULL;
  gboolean container = FALSE;

  state_end_inline (state);

  switch (type)
    {
    case MD_BLOCK_DOC:
      return 0;

    case MD_BLOCK_THEAD:
      state->in_head = TRUE;
      return 0;

    case MD_BLOCK_TBODY:
      state->in_head = FALSE;
      return 0;

    case MD_BLOCK_QUOTE:
      container = TRUE;
      if (state->stack->len < MAX_CONTAINER_DEPTH)
        block = block_new (CHUTES_MD_QUOTE);
      break;

    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      container = TRUE;
      /* A list and its items are flattened together. */
      if (state->stack->len + 1 < MAX_CONTAINER_DEPTH)
        {
          block = block_new (CHUTES_MD_LIST);
          block->level = state->list_depth;
          if (type == MD_BLOCK_OL)
            {
              MD_BLOCK_OL_DETAIL *ol = detail;

              block->start = ol->start;
              block->delimiter = ol->mark_delimiter;
              block->tight = ol->is_tight != 0;
            }
          else
            {
              block->tight = ((MD_BLOCK_UL_DETAIL *) detail)->is_tight != 0;
            }
        }
      state->list_depth++;
      break;

    case MD_BLOCK_LI:
      container = TRUE;
      {
        ChutesMdBlock *parent = state_parent (state);
        MD_BLOCK_LI_DETAIL *li = detail;

        if (parent != NULL && parent->kind == CHUTES_MD_LIST &&
            g_ptr_array_index (state->stack, state->stack->len - 1) == parent)
          {
            block = block_new (CHUTES_MD_ITEM);
            if (li->is_task)
              {
                block->task = (li->task_mark == ' ') ? CHUTES_MD_TASK_OPEN : CHUTES_MD_TASK_DONE;
                note_source (state, state->input + li->task_mark_offset, 1);
              }
          }
      }
      break;

    case MD_BLOCK_HR:
      block = block_new (CHUTES_MD_RULE);
      break;

    case MD_BLOCK_H:
      block = block_new (CHUTES_MD_HEADING);
      block->level = CLAMP (((MD_BLOCK_H_DETAIL *) detail)->level, 1, 6);
      break;

    case MD_BLOCK_CODE:
      {
        MD_BLOCK_CODE_DETAIL *code = detail;

        block = block_new (CHUTES_MD_CODE);
        /* Not before the fence's line is complete: "```c" may become
         * "```cpp", and each language costs a compilation of its rules. */
        if (code->lang.text != NULL && code->lang.size > 0 &&
            (next_line (state, code->lang.text) != NULL ||
             code->lang.text < state->input || code->lang.text >= state->input + state->length))
          block->language = attribute_to_string (&code->lang);
        state->code_indent = 0;
        state->code_line = code->info.text ? next_line (state, code->info.text) : NULL;
        state->code_line_has_text = FALSE;
        /* Added first, so that the info string counts as its source. */
        state_add (state, block);
        g_ptr_array_add (state->stack, block);
        if (code->info.text != NULL)
          note_source (state, code->info.text, code->info.size);
        return 0;
      }

    case MD_BLOCK_HTML:
      /* MD_FLAG_NOHTML makes raw HTML text; should a block come anyway, it
       * is shown as code, literally. */
      block = block_new (CHUTES_MD_CODE);
      break;

    case MD_BLOCK_P:
      block = block_new (CHUTES_MD_PARAGRAPH);
      break;

    case MD_BLOCK_TABLE:
      block = block_new (CHUTES_MD_TABLE);
      break;

    case MD_BLOCK_TR:
      block = block_new (CHUTES_MD_ROW);
      block->header = state->in_head;
      break;

    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      block = block_new (CHUTES_MD_CELL);
      block->header = type == MD_BLOCK_TH;
      switch (((MD_BLOCK_TD_DETAIL *) detail)->align)
        {
        case MD_ALIGN_CENTER: block->xalign = 0.5f; break;
        case MD_ALIGN_RIGHT:  block->xalign = 1.0f; break;
        case MD_ALIGN_LEFT:
        case MD_ALIGN_DEFAULT:
        default:              block->xalign = 0.0f; break;
        }
      break;

    default:
      return 0;
    }

  if (block != NULL)
    state_add (state, block);
  else
    g_assert (container);

  g_ptr_array_add (state->stack, block);

  return 0;
}

static int
leave_block_cb (MD_BLOCKTYPE  type,
                void         *detail,
                void         *user_data)
{
  ParseState *state = user_data;
  ChutesMdBlock *block;

  state_end_inline (state);

  switch (type)
    {
    case MD_BLOCK_DOC:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
      return 0;

    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      state->list_depth--;
      break;

    default:
      break;
    }

  g_return_val_if_fail (state->stack->len > 0, -1);
  block = g_ptr_array_steal_index (state->stack, state->stack->len - 1);

  /* Every line of code ends with a newline; the last one is not code. */
  if (block != NULL && block->kind == CHUTES_MD_CODE &&
      block->text->len > 0 && block->text->str[block->text->len - 1] == '\n')
    g_string_truncate (block->text, block->text->len - 1);

  if (state_parent (state) == NULL)
    state->top_block = NULL;

  return 0;
}

static int
enter_span_cb (MD_SPANTYPE  type,
               void        *detail,
               void        *user_data)
{
  ParseState *state = user_data;
  GString *markup = state_markup (state);
  Span span = { type, NULL, NULL, 0, NULL };

  if (state->image_depth > 0)
    {
      /* An image's description is shown as plain text. */
      if (type == MD_SPAN_IMG)
        state->image_depth++;
    }
  else switch (type)
    {
    case MD_SPAN_EM:
      span.open = g_strdup ("<i>");
      span.close = "</i>";
      break;

    case MD_SPAN_STRONG:
      span.open = g_strdup ("<b>");
      span.close = "</b>";
      break;

    case MD_SPAN_DEL:
      span.open = g_strdup ("<s>");
      span.close = "</s>";
      break;

    case MD_SPAN_U:
      span.open = g_strdup ("<u>");
      span.close = "</u>";
      break;

    case MD_SPAN_CODE:
      span.open = g_strdup ("<span font_family=\"monospace\" bgcolor=\"#808080\" bgalpha=\"20%\" "
                            "insert_hyphens=\"false\">");
      span.close = "</span>";
      break;

    case MD_SPAN_A:
    case MD_SPAN_IMG:
      {
        const MD_ATTRIBUTE *href;
        const MD_ATTRIBUTE *title;
        g_autofree char *target = NULL;
        g_autofree char *tooltip = NULL;

        if (type == MD_SPAN_A)
          {
            href = &((MD_SPAN_A_DETAIL *) detail)->href;
            title = &((MD_SPAN_A_DETAIL *) detail)->title;
          }
        else
          {
            href = &((MD_SPAN_IMG_DETAIL *) detail)->src;
            title = &((MD_SPAN_IMG_DETAIL *) detail)->title;
            state->image_depth++;
          }

        target = attribute_to_string (href);
        tooltip = attribute_to_string (title);
        if (href->text != NULL)
          note_source (state, href->text, href->size);

        /* Pango cannot nest links: an inner one is shown as its text. */
        if (state->link_depth == 0 && *target != '\0')
          {
            GString *tag = g_string_new ("<a href=\"");

            append_escaped (tag, target, strlen (target));
            g_string_append (tag, "\" title=\"");
            /* Without a title, hovering shows where the link goes. */
            if (*tooltip != '\0')
              append_escaped (tag, tooltip, strlen (tooltip));
            else
              append_escaped (tag, target, strlen (target));
            g_string_append (tag, "\">");
            span.open = g_string_free (tag, FALSE);
            span.close = "</a>";
            state->link_depth++;
          }
        if (type == MD_SPAN_IMG)
          span.target = g_steal_pointer (&target);
      }
      break;

    case MD_SPAN_LATEXMATH:
    case MD_SPAN_LATEXMATH_DISPLAY:
    case MD_SPAN_WIKILINK:
    default:
      break;
    }

  if (span.open != NULL)
    g_string_append (markup, span.open);
  span.mark = markup->len;
  g_array_append_val (state->spans, span);

  return 0;
}

static int
leave_span_cb (MD_SPANTYPE  type,
               void        *detail,
               void        *user_data)
{
  ParseState *state = user_data;
  GString *markup;
  Span *span;
  guint index;

  /* md4c can end spans in another order than it began them (an autolink
   * across strikethrough): the spans begun since are ended around it and
   * begun again, so that the markup stays well formed. */
  for (index = state->spans->len; index > 0; index--)
    if (g_array_index (state->spans, Span, index - 1).type == type)
      break;
  if (index-- == 0)
    return 0;

  markup = state_markup (state);

  for (guint i = state->spans->len - 1; i > index; i--)
    if (g_array_index (state->spans, Span, i).close != NULL)
      g_string_append (markup, g_array_index (state->spans, Span, i).close);

  span = &g_array_index (state->spans, Span, index);

  if (type == MD_SPAN_IMG)
    {
      state->image_depth--;

      /* Never fetched: its description, then its address. */
      if (span->target != NULL)
        {
          gboolean described = markup->len > span->mark;

          if (described)
            g_string_append (markup, " (");
          append_escaped (markup, span->target, strlen (span->target));
          if (described)
            g_string_append (markup, ")");
        }
    }

  if (span->close != NULL)
    {
      g_string_append (markup, span->close);
      if (type == MD_SPAN_A || type == MD_SPAN_IMG)
        state->link_depth--;
    }

  span_clear (span);
  g_array_remove_index (state->spans, index);

  for (guint i = index; i < state->spans->len; i++)
    if (g_array_index (state->spans, Span, i).open != NULL)
      g_string_append (markup, g_array_index (state->spans, Span, i).open);

  return 0;
}

/* md4c writes the indentation of a code line as spaces. Where the source
 * has exactly that much whitespace before the line's text (a tab-indented
 * Makefile, say), that whitespace is used instead, so copied code keeps
 * its tabs. */
static void
append_code_indent (ParseState *state,
                    GString    *out,
                    const char *text)
{
  const char *line = text;
  const char *start = text;
  gsize column = 0;
  gsize text_column = 0;
  const char *p;

  if (state->code_indent == 0)
    return;

  if (text != NULL && text >= state->input && text <= state->input + state->length)
    {
      while (line > state->input && line[-1] != '\n')
        line--;
      while (start > line && (start[-1] == ' ' || start[-1] == '\t'))
        start--;

      for (p = line; p < text; p++)
        text_column = (*p == '\t') ? (text_column / TAB_STOP + 1) * TAB_STOP : text_column + 1;

      for (p = line; p <= text; p++)
        {
          if (p >= start && text_column - column == state->code_indent)
            {
              g_string_append_len (out, p, text - p);
              state->code_indent = 0;
              return;
            }
          if (p < text)
            column = (*p == '\t') ? (column / TAB_STOP + 1) * TAB_STOP : column + 1;
        }
    }

  for (gsize i = 0; i < state->code_indent; i++)
    g_string_append_c (out, ' ');
  state->code_indent = 0;
}

static gboolean
is_all_spaces (const char *text,
               gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (text[i] != ' ')
      return FALSE;

  return TRUE;
}

static void
append_code (ParseState    *state,
             ChutesMdBlock *block,
             MD_TEXTTYPE    type,
             const char    *text,
             gsize          length)
{
  gboolean in_source = text >= state->input && text < state->input + state->length;

  note_source (state, text, length);

  if (type == MD_TEXT_NULLCHAR)
    {
      append_code_indent (state, block->text, NULL);
      g_string_append (block->text, "\xef\xbf\xbd");
      return;
    }

  if (!in_source && length > 0 && is_all_spaces (text, length))
    {
      /* The indentation md4c writes before a line. */
      state->code_indent += length;
      return;
    }

  if (!in_source && length == 1 && text[0] == '\n')
    {
      /* The end of a line. A line of only whitespace has no text of its
       * own: its whitespace is found from the line before. */
      if (!state->code_line_has_text && state->code_line != NULL)
        {
          const char *end = next_line (state, state->code_line);
          const char *newline = end ? end - 1 : state->input + state->length;
          const char *p;

          for (p = state->code_line; p < newline && (*p == ' ' || *p == '\t'); p++)
            ;
          append_code_indent (state, block->text, p == newline ? newline : NULL);
          state->code_line = end;
        }
      append_code_indent (state, block->text, NULL);
      g_string_append_c (block->text, '\n');
      state->code_line_has_text = FALSE;
      return;
    }

  append_code_indent (state, block->text, in_source ? text : NULL);
  if (in_source)
    {
      state->code_line = next_line (state, text + length - 1);
      state->code_line_has_text = TRUE;
    }

  /* Kept as typed; GtkTextBuffer wants valid UTF-8. */
  if (g_utf8_validate_len (text, length, NULL))
    {
      g_string_append_len (block->text, text, length);
    }
  else
    {
      g_autofree char *valid = g_utf8_make_valid (text, length);

      g_string_append (block->text, valid);
    }
}

static int
text_cb (MD_TEXTTYPE    type,
         const MD_CHAR *text,
         MD_SIZE        size,
         void          *user_data)
{
  ParseState *state = user_data;
  ChutesMdBlock *parent = state_parent (state);
  GString *markup;

  if (parent != NULL && parent->kind == CHUTES_MD_CODE)
    {
      append_code (state, parent, type, text, size);
      return 0;
    }

  markup = state_markup (state);
  note_source (state, text, size);

  switch (type)
    {
    case MD_TEXT_NULLCHAR:
      g_string_append (markup, "\xef\xbf\xbd");
      break;

    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
      /* A chat reply's line breaks are meant: poems, addresses. */
      g_string_append_c (markup, '\n');
      break;

    case MD_TEXT_ENTITY:
      /* Shown as typed, like raw HTML: "&amp;" stays "&amp;". */
    case MD_TEXT_HTML:
    case MD_TEXT_NORMAL:
    case MD_TEXT_CODE:
    case MD_TEXT_LATEXMATH:
    default:
      append_escaped (markup, text, size);
      break;
    }

  return 0;
}

/**
 * chutes_md_parse:
 * @text: Markdown, not necessarily NUL-terminated
 * @length: its length in bytes
 *
 * Returns: (transfer full) (element-type ChutesMdBlock): the top-level blocks
 */
GPtrArray *
chutes_md_parse (const char *text,
                 gsize       length)
{
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = PARSER_FLAGS,
    .enter_block = enter_block_cb,
    .leave_block = leave_block_cb,
    .enter_span = enter_span_cb,
    .leave_span = leave_span_cb,
    .text = text_cb,
  };
  ParseState state = { 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (length <= G_MAXUINT32, NULL);

  state.input = text ? text : "";
  state.length = length;
  state.top = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_md_block_free);
  state.stack = g_ptr_array_new ();
  state.spans = g_array_new (FALSE, FALSE, sizeof (Span));

  if (md_parse (state.input, length, &parser, &state) != 0)
    g_warning ("Could not parse a Markdown text of %" G_GSIZE_FORMAT " bytes", length);

  state_end_inline (&state);
  g_array_unref (state.spans);
  g_ptr_array_unref (state.stack);

  return state.top;
}

/* Whether a line might be a link reference definition ("[name]: url"),
 * which changes links anywhere in the text, before it too. Errs on the
 * side of yes. */
gboolean
chutes_md_line_may_define_reference (const char *line,
                                     gsize       length)
{
  const char *end = line + length;
  const char *p = line;

  for (;;)
    {
      const char *digits;

      while (p < end && (*p == ' ' || *p == '\t' || *p == '>'))
        p++;

      if (p + 1 < end && (*p == '-' || *p == '*' || *p == '+') && (p[1] == ' ' || p[1] == '\t'))
        {
          p += 2;
          continue;
        }

      for (digits = p; p < end && g_ascii_isdigit (*p); p++)
        ;
      if (p > digits && p + 1 < end && (*p == '.' || *p == ')') && (p[1] == ' ' || p[1] == '\t'))
        {
          p += 2;
          continue;
        }
      if (p > digits)
        return FALSE;

      break;
    }

  return p < end && *p == '[' && g_strstr_len (p, end - p, "]:") != NULL;
}

/* What a person sees before a list item. */
char *
chutes_md_list_marker (const ChutesMdBlock *list,
                       const ChutesMdBlock *item,
                       guint                index)
{
  static const char * const bullets[] = { "•", "◦", "▪" };

  g_return_val_if_fail (list != NULL && list->kind == CHUTES_MD_LIST, NULL);

  if (item != NULL && item->task == CHUTES_MD_TASK_OPEN)
    return g_strdup ("☐");
  if (item != NULL && item->task == CHUTES_MD_TASK_DONE)
    return g_strdup ("☑");

  if (list->delimiter != 0)
    return g_strdup_printf ("%u%c", list->start + index, list->delimiter);

  return g_strdup (bullets[list->level % G_N_ELEMENTS (bullets)]);
}

/* Width in characters that every marker of @list is given, so that the
 * items' text lines up whatever the number. */
guint
chutes_md_list_marker_width (const ChutesMdBlock *list)
{
  guint last;
  guint digits = 1;

  g_return_val_if_fail (list != NULL && list->kind == CHUTES_MD_LIST, 1);

  if (list->delimiter == 0)
    return 1;

  last = list->start + MAX (list->children->len, 1) - 1;
  while (last >= 10)
    {
      last /= 10;
      digits++;
    }

  return digits + 1;
}

const char *
chutes_md_heading_css_class (guint level)
{
  static const char * const classes[] = {
    "title-1", "title-2", "title-3", "title-4", "heading", "caption-heading",
  };

  return classes[CLAMP (level, 1, 6) - 1];
}
