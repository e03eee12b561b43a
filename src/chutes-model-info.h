/* chutes-model-info.h: one model offered by the gateway's /models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "chutes-cost.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_MODEL_INFO (chutes_model_info_get_type ())
G_DECLARE_FINAL_TYPE (ChutesModelInfo, chutes_model_info, CHUTES, MODEL_INFO, GObject)

/* Properties (read-only, construct-only): "id", "chute-id",
 * "context-length" (int64, 0 unknown), "prompt-price", "completion-price",
 * "cache-read-price" (double, USD per million tokens, negative when
 * unknown), "confidential" (boolean), "max-output-length" (int64, 0
 * unknown), "quantization" (string or NULL), "input-modalities",
 * "output-modalities", "supported-features" (strv, NULL when the list did
 * not say). Every one but "id" is optional in the list: a missing or odd
 * field reads as unknown. */
ChutesModelInfo *chutes_model_info_new_from_json        (JsonObject       *object,
                                                     GError          **error);
const char      *chutes_model_info_get_id               (ChutesModelInfo  *self);
const char      *chutes_model_info_get_chute_id         (ChutesModelInfo  *self);
gint64           chutes_model_info_get_context_length   (ChutesModelInfo  *self);
double           chutes_model_info_get_prompt_price     (ChutesModelInfo  *self);
double           chutes_model_info_get_completion_price (ChutesModelInfo  *self);
gboolean         chutes_model_info_get_confidential     (ChutesModelInfo  *self);
double           chutes_model_info_get_cache_read_price (ChutesModelInfo  *self);
gint64           chutes_model_info_get_max_output_length (ChutesModelInfo *self);
const char      *chutes_model_info_get_quantization     (ChutesModelInfo  *self);
const char * const *chutes_model_info_get_input_modalities  (ChutesModelInfo *self);
const char * const *chutes_model_info_get_output_modalities (ChutesModelInfo *self);
const char * const *chutes_model_info_get_supported_features (ChutesModelInfo *self);

/* The model called @id in @models (of ChutesModelInfo), or NULL. */
ChutesModelInfo *chutes_model_info_find                 (GListModel       *models,
                                                     const char       *id);
/* Its prices, for chutes_message_set_prices(). */
void             chutes_model_info_get_prices           (ChutesModelInfo  *self,
                                                     ChutesPrices     *prices);

/* What the list says the model can do. Each is FALSE when unknown, except
 * chutes_model_info_offers_thinking(): a model whose entry does not list
 * its features keeps the thinking switch. */
gboolean         chutes_model_info_accepts_images       (ChutesModelInfo  *self);
gboolean         chutes_model_info_supports_reasoning   (ChutesModelInfo  *self);
gboolean         chutes_model_info_supports_tools       (ChutesModelInfo  *self);
gboolean         chutes_model_info_offers_thinking      (ChutesModelInfo  *self);

G_END_DECLS
