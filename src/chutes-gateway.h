/* chutes-gateway.h: the OpenAI-compatible model gateway
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "chutes-config.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_GATEWAY (chutes_gateway_get_type ())
G_DECLARE_FINAL_TYPE (ChutesGateway, chutes_gateway, CHUTES, GATEWAY, GObject)

ChutesGateway *chutes_gateway_new                (SoupSession         *session,
                                                  ChutesConfig        *config);
SoupSession   *chutes_gateway_get_session        (ChutesGateway       *self);
ChutesConfig  *chutes_gateway_get_config         (ChutesGateway       *self);

/* GET {api}/models (no auth). Returns a GListModel of ChutesModelInfo sorted by
 * id; entries that do not parse are skipped with a g_debug. */
void           chutes_gateway_list_models_async  (ChutesGateway       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GListModel    *chutes_gateway_list_models_finish (ChutesGateway       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
