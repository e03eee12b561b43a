/* chutes-gateway-private.h: ChutesGateway's reply parser, for tests/fuzz
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "chutes-gateway.h"

G_BEGIN_DECLS

/* The models in a GET /v1/models reply ({"data": [...]} or a bare list),
 * sorted by id, one per id, as a GListModel of ChutesModelInfo; NULL with
 * CHUTES_ERROR_PROTOCOL naming @host when it is not such a list. */
GListModel *chutes_gateway_parse_models (GBytes      *bytes,
                                         const char  *host,
                                         GError     **error);

G_END_DECLS
