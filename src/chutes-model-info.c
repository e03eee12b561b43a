/* chutes-model-info.c: one model offered by the gateway's /models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

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
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_model_info_finalize (GObject *object)
{
  ChutesModelInfo *self = (ChutesModelInfo *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->chute_id, g_free);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_model_info_init (ChutesModelInfo *self)
{
  self->prompt_price = -1.0;
  self->completion_price = -1.0;
}

/* The member as a string, or NULL when absent, null or not a string. */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);

  return NULL;
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

ChutesModelInfo *
chutes_model_info_new_from_json (JsonObject  *object,
                                 GError     **error)
{
  JsonNode *node;
  JsonObject *pricing = NULL;
  const char *id;
  double context_length = 0;
  double prompt_price = -1.0;
  double completion_price = -1.0;
  gboolean confidential = FALSE;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  id = get_string (object, "id");
  if (id == NULL || id[0] == '\0' || !g_utf8_validate (id, -1, NULL))
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The gateway listed a model without a name"));
      return NULL;
    }

  if (!get_number (object, "max_model_len", &context_length) ||
      context_length < 0 || context_length > (double) G_MAXINT32 * 1024)
    context_length = 0;

  node = json_object_get_member (object, "pricing");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    pricing = json_node_get_object (node);

  if (!get_number (pricing, "prompt", &prompt_price) ||
      prompt_price < 0 || prompt_price > MAX_PRICE)
    prompt_price = -1.0;
  if (!get_number (pricing, "completion", &completion_price) ||
      completion_price < 0 || completion_price > MAX_PRICE)
    completion_price = -1.0;

  node = json_object_get_member (object, "confidential_compute");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    confidential = json_node_get_boolean (node);

  return g_object_new (CHUTES_TYPE_MODEL_INFO,
                       "id", id,
                       "chute-id", get_string (object, "chute_id"),
                       "context-length", (gint64) context_length,
                       "prompt-price", prompt_price,
                       "completion-price", completion_price,
                       "confidential", confidential,
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
