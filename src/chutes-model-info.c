/* chutes-model-info.c: one model offered by the gateway's /models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-json.h"
#include "chutes-model-info.h"

/* US dollars per million tokens: a "price" past this is no price (and
 * would print as hundreds of digits). */
#define MAX_PRICE 1e6

struct _ChutesModelInfo
{
  GObject   parent_instance;

  char     *id;
  char     *chute_id;
  gint64    context_length;
  double    prompt_price;
  double    completion_price;
  gboolean  confidential;
  double    cache_read_price;
  gint64    max_output_length;
  char     *quantization;
  char    **input_modalities;
  char    **output_modalities;
  char    **supported_features;
};

G_DEFINE_FINAL_TYPE (ChutesModelInfo, chutes_model_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CHUTE_ID,
  PROP_CONTEXT_LENGTH,
  PROP_PROMPT_PRICE,
  PROP_COMPLETION_PRICE,
  PROP_CONFIDENTIAL,
  PROP_CACHE_READ_PRICE,
  PROP_MAX_OUTPUT_LENGTH,
  PROP_QUANTIZATION,
  PROP_INPUT_MODALITIES,
  PROP_OUTPUT_MODALITIES,
  PROP_SUPPORTED_FEATURES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_model_info_finalize (GObject *object)
{
  ChutesModelInfo *self = (ChutesModelInfo *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->chute_id, g_free);
  g_clear_pointer (&self->quantization, g_free);
  g_clear_pointer (&self->input_modalities, g_strfreev);
  g_clear_pointer (&self->output_modalities, g_strfreev);
  g_clear_pointer (&self->supported_features, g_strfreev);

  G_OBJECT_CLASS (chutes_model_info_parent_class)->finalize (object);
}

static void
chutes_model_info_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChutesModelInfo *self = CHUTES_MODEL_INFO (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_CHUTE_ID:
      g_value_set_string (value, self->chute_id);
      break;

    case PROP_CONTEXT_LENGTH:
      g_value_set_int64 (value, self->context_length);
      break;

    case PROP_PROMPT_PRICE:
      g_value_set_double (value, self->prompt_price);
      break;

    case PROP_COMPLETION_PRICE:
      g_value_set_double (value, self->completion_price);
      break;

    case PROP_CONFIDENTIAL:
      g_value_set_boolean (value, self->confidential);
      break;

    case PROP_CACHE_READ_PRICE:
      g_value_set_double (value, self->cache_read_price);
      break;

    case PROP_MAX_OUTPUT_LENGTH:
      g_value_set_int64 (value, self->max_output_length);
      break;

    case PROP_QUANTIZATION:
      g_value_set_string (value, self->quantization);
      break;

    case PROP_INPUT_MODALITIES:
      g_value_set_boxed (value, self->input_modalities);
      break;

    case PROP_OUTPUT_MODALITIES:
      g_value_set_boxed (value, self->output_modalities);
      break;

    case PROP_SUPPORTED_FEATURES:
      g_value_set_boxed (value, self->supported_features);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_info_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChutesModelInfo *self = CHUTES_MODEL_INFO (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;

    case PROP_CHUTE_ID:
      self->chute_id = g_value_dup_string (value);
      break;

    case PROP_CONTEXT_LENGTH:
      self->context_length = g_value_get_int64 (value);
      break;

    case PROP_PROMPT_PRICE:
      self->prompt_price = g_value_get_double (value);
      break;

    case PROP_COMPLETION_PRICE:
      self->completion_price = g_value_get_double (value);
      break;

    case PROP_CONFIDENTIAL:
      self->confidential = g_value_get_boolean (value);
      break;

    case PROP_CACHE_READ_PRICE:
      self->cache_read_price = g_value_get_double (value);
      break;

    case PROP_MAX_OUTPUT_LENGTH:
      self->max_output_length = g_value_get_int64 (value);
      break;

    case PROP_QUANTIZATION:
      self->quantization = g_value_dup_string (value);
      break;

    case PROP_INPUT_MODALITIES:
      self->input_modalities = g_value_dup_boxed (value);
      break;

    case PROP_OUTPUT_MODALITIES:
      self->output_modalities = g_value_dup_boxed (value);
      break;

    case PROP_SUPPORTED_FEATURES:
      self->supported_features = g_value_dup_boxed (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_info_class_init (ChutesModelInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = (G_PARAM_READWRITE |
                       G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS);

  object_class->finalize = chutes_model_info_finalize;
  object_class->get_property = chutes_model_info_get_property;
  object_class->set_property = chutes_model_info_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_CHUTE_ID] =
    g_param_spec_string ("chute-id", NULL, NULL, NULL, flags);
  properties[PROP_CONTEXT_LENGTH] =
    g_param_spec_int64 ("context-length", NULL, NULL,
                        0, G_MAXINT64, 0, flags);
  properties[PROP_PROMPT_PRICE] =
    g_param_spec_double ("prompt-price", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0, flags);
  properties[PROP_COMPLETION_PRICE] =
    g_param_spec_double ("completion-price", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0, flags);
  properties[PROP_CONFIDENTIAL] =
    g_param_spec_boolean ("confidential", NULL, NULL, FALSE, flags);
  properties[PROP_CACHE_READ_PRICE] =
    g_param_spec_double ("cache-read-price", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0, flags);
  properties[PROP_MAX_OUTPUT_LENGTH] =
    g_param_spec_int64 ("max-output-length", NULL, NULL,
                        0, G_MAXINT64, 0, flags);
  properties[PROP_QUANTIZATION] =
    g_param_spec_string ("quantization", NULL, NULL, NULL, flags);
  properties[PROP_INPUT_MODALITIES] =
    g_param_spec_boxed ("input-modalities", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_OUTPUT_MODALITIES] =
    g_param_spec_boxed ("output-modalities", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_SUPPORTED_FEATURES] =
    g_param_spec_boxed ("supported-features", NULL, NULL, G_TYPE_STRV, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_model_info_init (ChutesModelInfo *self)
{
  self->prompt_price = -1.0;
  self->completion_price = -1.0;
  self->cache_read_price = -1.0;
}

/* The member as a string, or NULL when absent, null, not a string or
 * not UTF-8 (json-glib passes bytes of strings on as they came; the
 * models fuzzer found a chute_id that was not). */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  value = json_node_get_string (node);

  return g_utf8_validate (value, -1, NULL) ? value : NULL;
}

/* A JSON number (integer or not) or a numeric string as a double. */
static gboolean
get_number (JsonObject *object,
            const char *name,
            double     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    return chutes_json_get_number (node, -G_MAXDOUBLE, G_MAXDOUBLE, value) && isfinite (*value);
  else if (type == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);
      char *end = NULL;

      *value = g_ascii_strtod (str, &end);
      if (end == str || *end != '\0')
        return FALSE;
    }
  else
    return FALSE;

  return isfinite (*value);
}

/* The member @name of @object when it is an object, else NULL. */
static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);

  return NULL;
}

/* A price in USD per million tokens, or -1 when absent or not a price. */
static double
get_price (JsonObject *object,
           const char *name)
{
  double price = -1.0;

  if (!get_number (object, name, &price) || price < 0 || price > MAX_PRICE)
    return -1.0;

  return price;
}

/* A count of tokens, 0 when absent or out of reason. */
static gint64
get_length (JsonObject *object,
            const char *name)
{
  double length = 0;

  if (!get_number (object, name, &length) ||
      length < 1 || length > (double) G_MAXINT32 * 1024)
    return 0;

  return (gint64) length;
}

/* Names in a list (modalities, features): short printable words. */
#define MAX_NAMES 64
#define MAX_NAME_LENGTH 64

/* The strings of the array @name, lowercased, each once; other elements
 * are skipped. NULL when the member is absent or not an array. */
static char **
get_names (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;
  JsonArray *array;
  guint n_names = 0;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (array) && n_names < MAX_NAMES; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *text;
      g_autofree char *lower = NULL;

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        continue;

      text = json_node_get_string (element);
      if (text[0] == '\0' || strlen (text) > MAX_NAME_LENGTH ||
          !g_utf8_validate (text, -1, NULL))
        continue;

      lower = g_utf8_strdown (text, -1);
      if (g_hash_table_contains (seen, lower))
        continue;

      g_strv_builder_add (builder, lower);
      g_hash_table_add (seen, g_steal_pointer (&lower));
      n_names++;
    }

  return g_strv_builder_end (builder);
}

ChutesModelInfo *
chutes_model_info_new_from_json (JsonObject  *object,
                                 GError     **error)
{
  JsonNode *node;
  JsonObject *pricing;
  JsonObject *price;
  const char *id;
  const char *quantization;
  gint64 context_length;
  double prompt_price;
  double completion_price;
  gboolean confidential = FALSE;
  g_auto(GStrv) input_modalities = NULL;
  g_auto(GStrv) output_modalities = NULL;
  g_auto(GStrv) supported_features = NULL;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  id = get_string (object, "id");
  if (id == NULL || id[0] == '\0')
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The gateway listed a model without a name"));
      return NULL;
    }

  context_length = get_length (object, "max_model_len");
  if (context_length == 0)
    context_length = get_length (object, "context_length");

  /* "pricing" is Chutes' own; "price" ({input,output}{usd,tao}) is what
   * other clients of the live list read. */
  pricing = get_object (object, "pricing");
  price = get_object (object, "price");
  prompt_price = get_price (pricing, "prompt");
  if (prompt_price < 0)
    prompt_price = get_price (get_object (price, "input"), "usd");
  completion_price = get_price (pricing, "completion");
  if (completion_price < 0)
    completion_price = get_price (get_object (price, "output"), "usd");

  node = json_object_get_member (object, "confidential_compute");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    confidential = json_node_get_boolean (node);

  quantization = get_string (object, "quantization");
  if (quantization != NULL &&
      (quantization[0] == '\0' || strlen (quantization) > MAX_NAME_LENGTH))
    quantization = NULL;

  input_modalities = get_names (object, "input_modalities");
  output_modalities = get_names (object, "output_modalities");
  supported_features = get_names (object, "supported_features");

  return g_object_new (CHUTES_TYPE_MODEL_INFO,
                       "id", id,
                       "chute-id", get_string (object, "chute_id"),
                       "context-length", context_length,
                       "prompt-price", prompt_price,
                       "completion-price", completion_price,
                       "cache-read-price", get_price (pricing, "input_cache_read"),
                       "confidential", confidential,
                       "max-output-length", get_length (object, "max_output_length"),
                       "quantization", quantization,
                       "input-modalities", input_modalities,
                       "output-modalities", output_modalities,
                       "supported-features", supported_features,
                       NULL);
}

const char *
chutes_model_info_get_id (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return self->id;
}

const char *
chutes_model_info_get_chute_id (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return self->chute_id;
}

gint64
chutes_model_info_get_context_length (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), 0);

  return self->context_length;
}

double
chutes_model_info_get_prompt_price (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), -1.0);

  return self->prompt_price;
}

double
chutes_model_info_get_completion_price (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), -1.0);

  return self->completion_price;
}

gboolean
chutes_model_info_get_confidential (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), FALSE);

  return self->confidential;
}

double
chutes_model_info_get_cache_read_price (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), -1.0);

  return self->cache_read_price;
}

gint64
chutes_model_info_get_max_output_length (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), 0);

  return self->max_output_length;
}

const char *
chutes_model_info_get_quantization (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return self->quantization;
}

const char * const *
chutes_model_info_get_input_modalities (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return (const char * const *)self->input_modalities;
}

const char * const *
chutes_model_info_get_output_modalities (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return (const char * const *)self->output_modalities;
}

const char * const *
chutes_model_info_get_supported_features (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), NULL);

  return (const char * const *)self->supported_features;
}

static gboolean
names_contain (char       **names,
               const char  *name)
{
  return names != NULL && g_strv_contains ((const char * const *)names, name);
}

gboolean
chutes_model_info_accepts_images (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), FALSE);

  return names_contain (self->input_modalities, "image");
}

gboolean
chutes_model_info_supports_reasoning (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), FALSE);

  return names_contain (self->supported_features, "reasoning");
}

gboolean
chutes_model_info_supports_tools (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), FALSE);

  return names_contain (self->supported_features, "tools");
}

gboolean
chutes_model_info_offers_thinking (ChutesModelInfo *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_INFO (self), TRUE);

  return self->supported_features == NULL ||
         names_contain (self->supported_features, "reasoning");
}

ChutesModelInfo *
chutes_model_info_find (GListModel *models,
                        const char *id)
{
  guint n_items;

  g_return_val_if_fail (models == NULL || G_IS_LIST_MODEL (models), NULL);

  if (models == NULL || id == NULL)
    return NULL;

  n_items = g_list_model_get_n_items (models);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChutesModelInfo) model = g_list_model_get_item (models, i);

      if (g_strcmp0 (model->id, id) == 0)
        return g_steal_pointer (&model);
    }

  return NULL;
}

void
chutes_model_info_get_prices (ChutesModelInfo *self,
                              ChutesPrices    *prices)
{
  g_return_if_fail (CHUTES_IS_MODEL_INFO (self));
  g_return_if_fail (prices != NULL);

  prices->input = self->prompt_price;
  prices->output = self->completion_price;
  prices->cache_read = self->cache_read_price;
}
