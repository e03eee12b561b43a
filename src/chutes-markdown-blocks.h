/* chutes-markdown-blocks.h: Markdown parsed by md4c into blocks (no GTK)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CHUTES_MD_PARAGRAPH,
  CHUTES_MD_HEADING,
  CHUTES_MD_CODE,
  CHUTES_MD_RULE,
  CHUTES_MD_QUOTE,
  CHUTES_MD_LIST,
  CHUTES_MD_ITEM,
  CHUTES_MD_TABLE,
  CHUTES_MD_ROW,
  CHUTES_MD_CELL,
} ChutesMdKind;

typedef enum
{
  CHUTES_MD_TASK_NONE,
  CHUTES_MD_TASK_OPEN,
  CHUTES_MD_TASK_DONE,
} ChutesMdTask;

/* No source: a block with no text of its own in the input (a thematic
 * break, an empty fence). */
#define CHUTES_MD_NO_SOURCE G_MAXSIZE

typedef struct _ChutesMdBlock ChutesMdBlock;

/* One block of a parsed document. Inline content is kept as Pango markup
 * in which every piece of source text is escaped, so it can be handed to
 * gtk_label_set_markup() as it is. */
struct _ChutesMdBlock
{
  ChutesMdKind  kind;
  guint         level;        /* heading: 1-6; list: nesting depth, 0 at the top */
  guint         start;        /* ordered list: number of its first item */
  char          delimiter;    /* ordered list: '.' or ')'; bullet list: 0 */
  gboolean      tight;        /* list */
  ChutesMdTask  task;         /* item */
  gboolean      header;       /* row, cell */
  float         xalign;       /* cell */
  char         *language;     /* code: first word of the fence's info string, or NULL */
  GString      *text;         /* paragraph, heading, cell: Pango markup; code: the code */
  GPtrArray    *children;     /* quote, list, item, table, row */

  /* Top-level blocks only: byte offsets in the parsed input of the first
   * and the last byte of source text the block showed, or
   * CHUTES_MD_NO_SOURCE. They bound where the block starts and ends. */
  gsize         first_source;
  gsize         last_source;
};

GPtrArray *chutes_md_parse                     (const char          *text,
                                                gsize                length);
void       chutes_md_block_free                (ChutesMdBlock       *block);
gboolean   chutes_md_block_equal               (const ChutesMdBlock *a,
                                                const ChutesMdBlock *b);
gboolean   chutes_md_blocks_equal              (GPtrArray           *a,
                                                guint                a_from,
                                                guint                a_to,
                                                GPtrArray           *b);
gboolean   chutes_md_line_may_define_reference (const char          *line,
                                                gsize                length);
char      *chutes_md_list_marker               (const ChutesMdBlock *list,
                                                const ChutesMdBlock *item,
                                                guint                index);
guint      chutes_md_list_marker_width         (const ChutesMdBlock *list);
const char *chutes_md_heading_css_class        (guint                level);

G_END_DECLS
