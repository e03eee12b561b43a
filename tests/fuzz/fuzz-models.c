/* fuzz-models.c: libFuzzer entry point for the gateway's list of models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the body of GET /v1/models. chutes_gateway_parse_models()
 * gives a list or an error, never both; the list is sorted by id with one
 * entry per id, every id non-empty valid UTF-8.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chutes-error.h"
#include "chutes-gateway-private.h"
#include "chutes-model-info.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) models = chutes_gateway_parse_models (body, "llm.chutes.ai", &error);
  const char *previous = NULL;
  guint n_items;

  if (models == NULL)
    {
      if (error == NULL || error->domain != CHUTES_ERROR)
        abort ();
      fuzz_check_utf8 (error->message);
      return 0;
    }

  if (error != NULL || g_list_model_get_item_type (models) != CHUTES_TYPE_MODEL_INFO)
    abort ();

  n_items = g_list_model_get_n_items (models);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesModelInfo) model = g_list_model_get_item (models, i);
      const char *id = chutes_model_info_get_id (model);

      if (id == NULL || id[0] == '\0' || (previous != NULL && strcmp (previous, id) >= 0))
        abort ();
      fuzz_check_utf8 (id);
      fuzz_check_utf8 (chutes_model_info_get_chute_id (model));
      /* Owned by the list, which outlives this loop. */
      previous = id;
    }

  return 0;
}
