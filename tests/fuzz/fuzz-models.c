/* fuzz-models.c: libFuzzer entry point for the gateway's list of models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the body of GET /v1/models. chutes_gateway_parse_models()
 * gives a list or an error, never both; the list is sorted by id with one
 * entry per id, every id non-empty valid UTF-8, and so is every optional
 * field read from it (capability names, quantization); prices are
 * unknown or finite.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chutes-error.h"
#include "chutes-gateway-private.h"
#include "chutes-model-info.h"
#include "fuzz-common.h"

/* Capability names: each non-empty valid UTF-8, none twice. */
static void
check_names (const char * const *names)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (names[i][0] == '\0')
        abort ();
      fuzz_check_utf8 (names[i]);
      for (guint j = 0; j < i; j++)
        if (strcmp (names[i], names[j]) == 0)
          abort ();
    }
}

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
      fuzz_check_utf8 (chutes_model_info_get_quantization (model));
      check_names (chutes_model_info_get_input_modalities (model));
      check_names (chutes_model_info_get_output_modalities (model));
      check_names (chutes_model_info_get_supported_features (model));
      /* A price is unknown (negative) or a real amount. */
      if (!(chutes_model_info_get_prompt_price (model) < 0 ||
            isfinite (chutes_model_info_get_prompt_price (model))) ||
          !(chutes_model_info_get_cache_read_price (model) < 0 ||
            isfinite (chutes_model_info_get_cache_read_price (model))) ||
          chutes_model_info_get_max_output_length (model) < 0)
        abort ();
      /* Owned by the list, which outlives this loop. */
      previous = id;
    }

  return 0;
}
