/* chutes-code-block.h: a block of code in a reply, highlighted, with a Copy button
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_CODE_BLOCK (chutes_code_block_get_type ())
G_DECLARE_FINAL_TYPE (ChutesCodeBlock, chutes_code_block, CHUTES, CODE_BLOCK, GtkWidget)

/* Properties: "language" (the fence's language as written, e.g. "py", or
 * NULL), "code" (the code, exactly as shown and copied). Highlighting is
 * chosen from the language through GtkSourceLanguageManager (aliases such as
 * "py", "js", "bash" or "c++" are understood) and the colours follow the
 * light or dark style. The Copy button puts the code on the clipboard. */
GtkWidget  *chutes_code_block_new           (const char      *language,
                                             const char      *code);

const char *chutes_code_block_get_language  (ChutesCodeBlock *self);
void        chutes_code_block_set_language  (ChutesCodeBlock *self,
                                             const char      *language);
const char *chutes_code_block_get_code      (ChutesCodeBlock *self);
void        chutes_code_block_set_code      (ChutesCodeBlock *self,
                                             const char      *code);

/* The name shown above the code: the highlighting language's name
 * ("Python 3"), else the language as written, else "" (plain text). */
const char *chutes_code_block_get_language_name (ChutesCodeBlock *self);

/* Copies the code to the clipboard, as the Copy button does. */
void        chutes_code_block_copy          (ChutesCodeBlock *self);

void        chutes_code_block_load_highlighting    (void);
void        chutes_code_block_hold_highlighting    (void);
void        chutes_code_block_release_highlighting (void);

G_END_DECLS
