/* chutes-model-info.h: one model offered by the gateway's /models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_MODEL_INFO (chutes_model_info_get_type ())
G_DECLARE_FINAL_TYPE (ChutesModelInfo, chutes_model_info, CHUTES, MODEL_INFO, GObject)

/* Properties (read-only, construct-only): "id", "chute-id",
 * "context-length" (int64, 0 unknown), "prompt-price", "completion-price"
 * (double, USD per million tokens, negative when unknown), "confidential"
 * (boolean). */
ChutesModelInfo *chutes_model_info_new_from_json        (JsonObject       *object,
                                                     GError          **error);
const char      *chutes_model_info_get_id               (ChutesModelInfo  *self);
const char      *chutes_model_info_get_chute_id         (ChutesModelInfo  *self);
gint64           chutes_model_info_get_context_length   (ChutesModelInfo  *self);
double           chutes_model_info_get_prompt_price     (ChutesModelInfo  *self);
double           chutes_model_info_get_completion_price (ChutesModelInfo  *self);
gboolean         chutes_model_info_get_confidential     (ChutesModelInfo  *self);

G_END_DECLS
