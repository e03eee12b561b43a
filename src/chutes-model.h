/* chutes-model.h: one model offered by the gateway's /models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_MODEL (chutes_model_get_type ())
G_DECLARE_FINAL_TYPE (ChutesModel, chutes_model, CHUTES, MODEL, GObject)

/* Properties (read-only, construct-only): "id", "chute-id",
 * "context-length" (int64, 0 unknown), "prompt-price", "completion-price"
 * (double, USD per million tokens, negative when unknown), "confidential"
 * (boolean). */
ChutesModel *chutes_model_new_from_json           (JsonObject  *object,
                                                   GError     **error);
const char  *chutes_model_get_id                  (ChutesModel *self);
const char  *chutes_model_get_chute_id            (ChutesModel *self);
gint64       chutes_model_get_context_length      (ChutesModel *self);
double       chutes_model_get_prompt_price        (ChutesModel *self);
double       chutes_model_get_completion_price    (ChutesModel *self);
gboolean     chutes_model_get_confidential        (ChutesModel *self);

G_END_DECLS
