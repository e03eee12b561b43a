/* fuzz-markdown.c: libFuzzer entry point for Markdown to blocks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input, made valid UTF-8 as a reply's text always is, goes through
 * chutes_md_parse() (md4c and our block builder; no GTK widget, no
 * display). The blocks must be the same on a second parse, every text of a
 * paragraph, heading or cell must be markup that GtkLabel accepts (it goes
 * to gtk_label_set_markup(): well-formed, and only Pango's tags and <a>; a
 * reply must never inject or break markup), code
 * must be valid UTF-8, and a top-level block's source range must lie in
 * the input.
 */
#include "config.h"

#include <stdlib.h>

#include "chutes-markdown-blocks.h"
#include "fuzz-common.h"

static const char * const label_tags[] = {
  "markup", "a", "b", "big", "i", "s", "small", "span", "sub", "sup", "tt", "u",
};

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (label_tags); i++)
    if (g_str_equal (element, label_tags[i]))
      return;

  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT,
               "<%s> is not label markup", element);
}

/* As gtk_label_set_markup() reads it: wrapped in one element, then parsed. */
static gboolean
is_label_markup (const char  *text,
                 GError     **error)
{
  static const GMarkupParser parser = { start_element_cb, NULL, NULL, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *wrapped = g_strconcat ("<markup>", text, "</markup>", NULL);

  context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  return g_markup_parse_context_parse (context, wrapped, -1, error)
         && g_markup_parse_context_end_parse (context, error);
}

static void
check_block (const ChutesMdBlock *block,
             gsize                length,
             gboolean             top_level)
{
  if (block->text != NULL)
    {
      g_autoptr(GError) error = NULL;

      fuzz_check_utf8 (block->text->str);
      if (block->kind != CHUTES_MD_CODE
          && !is_label_markup (block->text->str, &error))
        {
          g_printerr ("Not label markup (%s):\n%s\n", error->message, block->text->str);
          abort ();
        }
    }
  fuzz_check_utf8 (block->language);

  if (top_level && block->first_source != CHUTES_MD_NO_SOURCE
      && (block->first_source > block->last_source || block->last_source >= length))
    abort ();
  if (block->kind == CHUTES_MD_HEADING && (block->level < 1 || block->level > 6))
    abort ();

  for (guint i = 0; block->children != NULL && i < block->children->len; i++)
    check_block (g_ptr_array_index (block->children, i), length, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_utf8_make_valid ((const char *) data, size);
  gsize length = strlen (text);
  g_autoptr(GPtrArray) blocks = chutes_md_parse (text, length);
  g_autoptr(GPtrArray) again = chutes_md_parse (text, length);

  if (blocks == NULL || !chutes_md_blocks_equal (blocks, 0, blocks->len, again))
    abort ();

  for (guint i = 0; i < blocks->len; i++)
    check_block (g_ptr_array_index (blocks, i), length, TRUE);

  return 0;
}
