/* chutes-message.c: one message of a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "chutes-message.h"
#include "chutes-util.h"

struct _ChutesMessage
{
  GObject              parent_instance;

  ChutesMessageRole    role;
  /* GStrings so that appending a delta to a long reply is cheap. */
  GString             *content;
  GString             *reasoning;
  ChutesMessageStatus  status;
  char                *error;
  char                *model;
  gint64               prompt_tokens;
  gint64               completion_tokens;
  gint64               cached_tokens;
  ChutesPrices         prices;
  double               cost;
  gint64               id;
  gint64               created_at;
  GListStore          *attachments;
};

G_DEFINE_FINAL_TYPE (ChutesMessage, chutes_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROLE,
  PROP_CONTENT,
  PROP_REASONING,
  PROP_STATUS,
  PROP_ERROR,
  PROP_MODEL,
  PROP_PROMPT_TOKENS,
  PROP_COMPLETION_TOKENS,
  PROP_CACHED_TOKENS,
  PROP_COST,
  PROP_ID,
  PROP_CREATED_AT,
  PROP_ATTACHMENTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
chutes_message_role_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { CHUTES_MESSAGE_ROLE_SYSTEM, "CHUTES_MESSAGE_ROLE_SYSTEM", "system" },
        { CHUTES_MESSAGE_ROLE_USER, "CHUTES_MESSAGE_ROLE_USER", "user" },
        { CHUTES_MESSAGE_ROLE_ASSISTANT, "CHUTES_MESSAGE_ROLE_ASSISTANT", "assistant" },
        { 0, NULL, NULL }
      };
      GType type = g_enum_register_static (g_intern_static_string ("ChutesMessageRole"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

GType
chutes_message_status_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { CHUTES_MESSAGE_STATUS_COMPLETE, "CHUTES_MESSAGE_STATUS_COMPLETE", "complete" },
        { CHUTES_MESSAGE_STATUS_PENDING, "CHUTES_MESSAGE_STATUS_PENDING", "pending" },
        { CHUTES_MESSAGE_STATUS_STREAMING, "CHUTES_MESSAGE_STATUS_STREAMING", "streaming" },
        { CHUTES_MESSAGE_STATUS_STOPPED, "CHUTES_MESSAGE_STATUS_STOPPED", "stopped" },
        { CHUTES_MESSAGE_STATUS_FAILED, "CHUTES_MESSAGE_STATUS_FAILED", "failed" },
        { 0, NULL, NULL }
      };
      GType type = g_enum_register_static (g_intern_static_string ("ChutesMessageStatus"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

const char *
chutes_message_role_to_string (ChutesMessageRole role)
{
  switch (role)
    {
    case CHUTES_MESSAGE_ROLE_SYSTEM:
      return "system";
    case CHUTES_MESSAGE_ROLE_USER:
      return "user";
    case CHUTES_MESSAGE_ROLE_ASSISTANT:
      return "assistant";
    default:
      g_return_val_if_reached ("user");
    }
}

/* Replaces the text of @string; TRUE when it changed. */
static gboolean
set_gstring (GString    *string,
             const char *text)
{
  if (text == NULL)
    text = "";

  if (strcmp (string->str, text) == 0)
    return FALSE;

  g_string_assign (string, text);
  return TRUE;
}

static void
chutes_message_finalize (GObject *object)
{
  ChutesMessage *self = (ChutesMessage *)object;

  g_string_free (self->content, TRUE);
  g_string_free (self->reasoning, TRUE);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_object (&self->attachments);

  G_OBJECT_CLASS (chutes_message_parent_class)->finalize (object);
}

static void
chutes_message_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChutesMessage *self = CHUTES_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;

    case PROP_CONTENT:
      g_value_set_string (value, self->content->str);
      break;

    case PROP_REASONING:
      g_value_set_string (value, self->reasoning->str);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    case PROP_PROMPT_TOKENS:
      g_value_set_int64 (value, self->prompt_tokens);
      break;

    case PROP_COMPLETION_TOKENS:
      g_value_set_int64 (value, self->completion_tokens);
      break;

    case PROP_CACHED_TOKENS:
      g_value_set_int64 (value, self->cached_tokens);
      break;

    case PROP_COST:
      g_value_set_double (value, self->cost);
      break;

    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;

    case PROP_ATTACHMENTS:
      g_value_set_object (value, self->attachments);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChutesMessage *self = CHUTES_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ROLE:
      self->role = g_value_get_enum (value);
      break;

    case PROP_CONTENT:
      if (set_gstring (self->content, g_value_get_string (value)))
        g_object_notify_by_pspec (object, properties[PROP_CONTENT]);
      break;

    case PROP_REASONING:
      if (set_gstring (self->reasoning, g_value_get_string (value)))
        g_object_notify_by_pspec (object, properties[PROP_REASONING]);
      break;

    case PROP_STATUS:
      chutes_message_set_status (self, g_value_get_enum (value));
      break;

    case PROP_ERROR:
      chutes_message_set_error (self, g_value_get_string (value));
      break;

    case PROP_MODEL:
      chutes_message_set_model (self, g_value_get_string (value));
      break;

    case PROP_ID:
      chutes_message_set_id (self, g_value_get_int64 (value));
      break;

    case PROP_CREATED_AT:
      chutes_message_set_created_at (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_message_class_init (ChutesMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chutes_message_finalize;
  object_class->get_property = chutes_message_get_property;
  object_class->set_property = chutes_message_set_property;

  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL,
                       CHUTES_TYPE_MESSAGE_ROLE,
                       CHUTES_MESSAGE_ROLE_USER,
                       (G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS));

  properties[PROP_CONTENT] =
    g_param_spec_string ("content", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_REASONING] =
    g_param_spec_string ("reasoning", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       CHUTES_TYPE_MESSAGE_STATUS,
                       CHUTES_MESSAGE_STATUS_COMPLETE,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_PROMPT_TOKENS] =
    g_param_spec_int64 ("prompt-tokens", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_COMPLETION_TOKENS] =
    g_param_spec_int64 ("completion-tokens", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_CACHED_TOKENS] =
    g_param_spec_int64 ("cached-tokens", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_COST] =
    g_param_spec_double ("cost", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_ATTACHMENTS] =
    g_param_spec_object ("attachments", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_message_init (ChutesMessage *self)
{
  self->attachments = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  self->content = g_string_new (NULL);
  self->reasoning = g_string_new (NULL);
  self->status = CHUTES_MESSAGE_STATUS_COMPLETE;
  self->prompt_tokens = -1;
  self->completion_tokens = -1;
  self->cached_tokens = -1;
  self->prices = CHUTES_PRICES_UNKNOWN;
  self->cost = -1.0;
}

ChutesMessage *
chutes_message_new (ChutesMessageRole  role,
                    const char        *content)
{
  return g_object_new (CHUTES_TYPE_MESSAGE,
                       "role", role,
                       "content", content,
                       NULL);
}

ChutesMessageRole
chutes_message_get_role (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), CHUTES_MESSAGE_ROLE_USER);

  return self->role;
}

const char *
chutes_message_get_content (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), NULL);

  return self->content->str;
}

const char *
chutes_message_get_reasoning (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), NULL);

  return self->reasoning->str;
}

ChutesMessageStatus
chutes_message_get_status (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), CHUTES_MESSAGE_STATUS_COMPLETE);

  return self->status;
}

const char *
chutes_message_get_error (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), NULL);

  return self->error;
}

const char *
chutes_message_get_model (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), NULL);

  return self->model;
}

gint64
chutes_message_get_prompt_tokens (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), -1);

  return self->prompt_tokens;
}

gint64
chutes_message_get_completion_tokens (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), -1);

  return self->completion_tokens;
}

void
chutes_message_append_content (ChutesMessage *self,
                               const char    *text)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  if (text == NULL || text[0] == '\0')
    return;

  g_string_append (self->content, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

void
chutes_message_append_reasoning (ChutesMessage *self,
                                 const char    *text)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  if (text == NULL || text[0] == '\0')
    return;

  g_string_append (self->reasoning, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASONING]);
}

void
chutes_message_set_status (ChutesMessage       *self,
                           ChutesMessageStatus  status)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));
  g_return_if_fail (status <= CHUTES_MESSAGE_STATUS_FAILED);

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

void
chutes_message_set_error (ChutesMessage *self,
                          const char    *error)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  if (chutes_set_str (&self->error, error))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

void
chutes_message_set_model (ChutesMessage *self,
                          const char    *model)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  if (chutes_set_str (&self->model, model))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

static void
update_cost (ChutesMessage *self)
{
  double cost = -1.0;

  if (self->role == CHUTES_MESSAGE_ROLE_ASSISTANT)
    cost = chutes_cost_of_reply (&self->prices, self->prompt_tokens,
                                 self->cached_tokens, self->completion_tokens);
  if (cost < 0)
    cost = -1.0;

  if (self->cost == cost)
    return;

  self->cost = cost;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
}

void
chutes_message_set_usage (ChutesMessage *self,
                          gint64         prompt_tokens,
                          gint64         completion_tokens)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  prompt_tokens = MAX (prompt_tokens, -1);
  completion_tokens = MAX (completion_tokens, -1);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->prompt_tokens != prompt_tokens)
    {
      self->prompt_tokens = prompt_tokens;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROMPT_TOKENS]);
    }

  if (self->completion_tokens != completion_tokens)
    {
      self->completion_tokens = completion_tokens;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETION_TOKENS]);
    }

  update_cost (self);

  g_object_thaw_notify (G_OBJECT (self));
}

gint64
chutes_message_get_cached_tokens (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), -1);

  return self->cached_tokens;
}

void
chutes_message_set_cached_tokens (ChutesMessage *self,
                                  gint64         cached_tokens)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  cached_tokens = MAX (cached_tokens, -1);
  if (self->cached_tokens == cached_tokens)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  self->cached_tokens = cached_tokens;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHED_TOKENS]);
  update_cost (self);
  g_object_thaw_notify (G_OBJECT (self));
}

void
chutes_message_get_prices (ChutesMessage *self,
                           ChutesPrices  *prices)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));
  g_return_if_fail (prices != NULL);

  *prices = self->prices;
}

/* Anything not a price (negative, NaN, infinite) is unknown. */
static double
sane_price (double price)
{
  return isfinite (price) && price >= 0 ? price : -1.0;
}

void
chutes_message_set_prices (ChutesMessage      *self,
                           const ChutesPrices *prices)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));

  if (prices == NULL)
    self->prices = CHUTES_PRICES_UNKNOWN;
  else
    {
      self->prices.input = sane_price (prices->input);
      self->prices.output = sane_price (prices->output);
      self->prices.cache_read = sane_price (prices->cache_read);
    }

  update_cost (self);
}

double
chutes_message_get_cost (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), -1.0);

  return self->cost;
}

gint64
chutes_message_get_id (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), 0);

  return self->id;
}

void
chutes_message_set_id (ChutesMessage *self,
                       gint64         id)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));
  g_return_if_fail (id >= 0);

  if (self->id == id)
    return;

  self->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

gint64
chutes_message_get_created_at (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), 0);

  return self->created_at;
}

void
chutes_message_set_created_at (ChutesMessage *self,
                               gint64         created_at)
{
  g_return_if_fail (CHUTES_IS_MESSAGE (self));
  g_return_if_fail (created_at >= 0);

  if (self->created_at == created_at)
    return;

  self->created_at = created_at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATED_AT]);
}

GListModel *
chutes_message_get_attachments (ChutesMessage *self)
{
  g_return_val_if_fail (CHUTES_IS_MESSAGE (self), NULL);

  return G_LIST_MODEL (self->attachments);
}

void
chutes_message_set_attachments (ChutesMessage *self,
                                GListModel    *attachments)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_before;

  g_return_if_fail (CHUTES_IS_MESSAGE (self));
  g_return_if_fail (attachments == NULL || G_IS_LIST_MODEL (attachments));

  /* Copied, so the composer can clear its own list once it has sent. */
  for (guint i = 0; attachments && i < g_list_model_get_n_items (attachments); i++)
    {
      gpointer item = g_list_model_get_item (attachments, i);

      g_return_if_fail (CHUTES_IS_ATTACHMENT (item));
      g_ptr_array_add (items, item);
    }

  n_before = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));
  if (n_before == 0 && items->len == 0)
    return;

  g_list_store_splice (self->attachments, 0, n_before, items->pdata, items->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTACHMENTS]);
}
