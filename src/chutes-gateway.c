/* chutes-gateway.c: the OpenAI-compatible model gateway
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-error.h"
#include "chutes-gateway-private.h"
#include "chutes-http.h"
#include "chutes-json.h"
#include "chutes-model-info.h"

struct _ChutesGateway
{
  GObject       parent_instance;

  SoupSession  *session;
  ChutesConfig *config;
};

G_DEFINE_FINAL_TYPE (ChutesGateway, chutes_gateway, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_gateway_dispose (GObject *object)
{
  ChutesGateway *self = (ChutesGateway *)object;

  g_clear_object (&self->session);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (chutes_gateway_parent_class)->dispose (object);
}

static void
chutes_gateway_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChutesGateway *self = CHUTES_GATEWAY (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_gateway_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChutesGateway *self = CHUTES_GATEWAY (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_gateway_class_init (ChutesGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_gateway_dispose;
  object_class->get_property = chutes_gateway_get_property;
  object_class->set_property = chutes_gateway_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         SOUP_TYPE_SESSION,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL,
                         CHUTES_TYPE_CONFIG,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_gateway_init (ChutesGateway *self)
{
}

ChutesGateway *
chutes_gateway_new (SoupSession  *session,
                    ChutesConfig *config)
{
  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (CHUTES_IS_CONFIG (config), NULL);

  return g_object_new (CHUTES_TYPE_GATEWAY,
                       "session", session,
                       "config", config,
                       NULL);
}

SoupSession *
chutes_gateway_get_session (ChutesGateway *self)
{
  g_return_val_if_fail (CHUTES_IS_GATEWAY (self), NULL);

  return self->session;
}

ChutesConfig *
chutes_gateway_get_config (ChutesGateway *self)
{
  g_return_val_if_fail (CHUTES_IS_GATEWAY (self), NULL);

  return self->config;
}

static int
compare_models (gconstpointer a,
                gconstpointer b)
{
  ChutesModelInfo *model_a = *(ChutesModelInfo * const *) a;
  ChutesModelInfo *model_b = *(ChutesModelInfo * const *) b;

  return strcmp (chutes_model_info_get_id (model_a), chutes_model_info_get_id (model_b));
}

/* {"object": "list", "data": [...]}; a bare list is accepted too. */
static GListModel *
parse_models (GBytes      *bytes,
              const char  *host,
              GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_MODEL_INFO);
  JsonArray *data = NULL;
  gsize size = 0;
  const char *text = g_bytes_get_data (bytes, &size);

  root = chutes_json_parse (text, size, CHUTES_JSON_MAX_MODELS, &parse_error);
  if (root != NULL)
    {
      if (JSON_NODE_HOLDS_ARRAY (root))
        data = json_node_get_array (root);
      else if (JSON_NODE_HOLDS_OBJECT (root))
        {
          JsonNode *node = json_object_get_member (json_node_get_object (root), "data");

          if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
            data = json_node_get_array (node);
        }
    }

  if (data == NULL)
    {
      g_debug ("Models from %s: %s", host, parse_error ? parse_error->message : "no list");
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   /* Translators: %s is a host name */
                   _("%s sent a list of models that could not be read"), host);
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (data); i++)
    {
      JsonNode *node = json_array_get_element (data, i);
      g_autoptr(GError) local_error = NULL;
      ChutesModelInfo *model;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_debug ("Skipping model entry %u: not an object", i);
          continue;
        }

      model = chutes_model_info_new_from_json (json_node_get_object (node), &local_error);
      if (model == NULL)
        {
          g_debug ("Skipping model entry %u: %s", i, local_error->message);
          continue;
        }

      g_ptr_array_add (models, model);
    }

  g_ptr_array_sort (models, compare_models);

  for (guint i = 0; i < models->len; i++)
    {
      ChutesModelInfo *model = g_ptr_array_index (models, i);

      if (i > 0 && compare_models (&g_ptr_array_index (models, i - 1), &model) == 0)
        {
          g_debug ("Skipping a second entry for model %s", chutes_model_info_get_id (model));
          continue;
        }

      g_list_store_append (store, model);
    }

  g_debug ("%s offers %u models", host, g_list_model_get_n_items (G_LIST_MODEL (store)));

  return G_LIST_MODEL (g_steal_pointer (&store));
}

static void
chutes_gateway_list_models_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *message = g_task_get_task_data (task);
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (message));
  g_autofree char *host = chutes_http_dup_host (url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *models;
  guint status;

  bytes = chutes_http_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, chutes_error_new_from_network (g_steal_pointer (&error), host));
      return;
    }

  status = soup_message_get_status (message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (message);

      g_debug ("Listing models at %s: HTTP %u", host, status);
      g_task_return_error (task,
                           chutes_error_new_from_http (status,
                                                       soup_message_headers_get_content_type (headers, NULL),
                                                       bytes,
                                                       host));
      return;
    }

  models = parse_models (bytes, host, &error);
  if (models == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, models, g_object_unref);
}

void
chutes_gateway_list_models_async (ChutesGateway       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (CHUTES_IS_GATEWAY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_gateway_list_models_async);

  base_url = chutes_http_check_base_url (chutes_config_get_api_base_url (self->config),
                                         _("model gateway"), &error);
  if (base_url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  url = chutes_http_build_url (base_url, "/models");
  message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                               _("The model gateway address is not valid"));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "Accept", "application/json");
  g_task_set_task_data (task, g_object_ref (message), g_object_unref);

  /* However many models there are, the list has a price ceiling. */
  chutes_http_send_and_read_async (self->session,
                                   message,
                                   CHUTES_JSON_MAX_MODELS,
                                   G_PRIORITY_DEFAULT,
                                   cancellable,
                                   chutes_gateway_list_models_cb,
                                   g_steal_pointer (&task));
}

GListModel *
chutes_gateway_list_models_finish (ChutesGateway  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_GATEWAY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

GListModel *
chutes_gateway_parse_models (GBytes      *bytes,
                             const char  *host,
                             GError     **error)
{
  return parse_models (bytes, host, error);
}
