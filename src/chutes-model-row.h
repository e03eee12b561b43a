/* chutes-model-row.h: one model in the model picker's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-model-info.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_MODEL_ROW (chutes_model_row_get_type ())
G_DECLARE_FINAL_TYPE (ChutesModelRow, chutes_model_row, CHUTES, MODEL_ROW, GtkWidget)

/* Properties: "model" (ChutesModelInfo, may be NULL) and "selected" (boolean:
 * shows the check mark). Every text is set literally, never as markup. */
GtkWidget       *chutes_model_row_new          (void);
ChutesModelInfo *chutes_model_row_get_model    (ChutesModelRow  *self);
void             chutes_model_row_set_model    (ChutesModelRow  *self,
                                                ChutesModelInfo *model);
gboolean         chutes_model_row_get_selected (ChutesModelRow  *self);
void             chutes_model_row_set_selected (ChutesModelRow  *self,
                                                gboolean         selected);

/* The capability badges beside the TEE badge. */
typedef enum
{
  CHUTES_MODEL_BADGE_VISION,
  CHUTES_MODEL_BADGE_REASONING,
  CHUTES_MODEL_BADGE_TOOLS,
  CHUTES_MODEL_N_BADGES,
} ChutesModelBadge;

/* The badge's short, translated name ("Vision"), which is also its text. */
const char *chutes_model_row_get_badge_name  (ChutesModelBadge badge);

/* The texts a row shows, for the picker's button and for tests. All return
 * newly allocated strings.
 *
 * The short name: the part of the id after the last "/" ("DeepSeek-V3-0324"),
 * or the whole id when it has none. */
char *chutes_model_row_dup_short_name        (const char *model_id);
/* The organisation: the part before the last "/", or NULL when there is none. */
char *chutes_model_row_dup_organization      (const char *model_id);
/* "$0.27 / $1.10 per M tokens" (input / output, USD per million tokens),
 * "Free" when both are 0, NULL when both are unknown (negative). */
char *chutes_model_row_format_prices          (double      prompt_price,
                                               double      completion_price);
/* "164K context" for 163840 (decimal thousands, like the gateway's pages),
 * "1.1M context" from a million up; NULL when unknown (0). */
char *chutes_model_row_format_context_length (gint64      context_length);

G_END_DECLS
