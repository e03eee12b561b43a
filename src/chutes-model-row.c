/* chutes-model-row.c: one model in the model picker's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "chutes-model-row.h"

struct _ChutesModelRow
{
  GtkWidget        parent_instance;

  ChutesModelInfo *model;

  GtkLabel        *name_label;
  GtkWidget       *tee_badge;
  GtkWidget       *name_box;
  GtkWidget       *badges[CHUTES_MODEL_N_BADGES];
  GtkLabel        *organization_label;
  GtkLabel        *prices_label;
  GtkWidget       *details_separator;
  GtkLabel        *context_label;
  GtkWidget       *check_image;

  guint            selected : 1;
};

G_DEFINE_FINAL_TYPE (ChutesModelRow, chutes_model_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
chutes_model_row_dup_short_name (const char *model_id)
{
  const char *slash;

  g_return_val_if_fail (model_id != NULL, NULL);

  slash = strrchr (model_id, '/');
  if (slash == NULL || slash[1] == '\0')
    return g_strdup (model_id);

  return g_strdup (slash + 1);
}

char *
chutes_model_row_dup_organization (const char *model_id)
{
  const char *slash;

  g_return_val_if_fail (model_id != NULL, NULL);

  slash = strrchr (model_id, '/');
  if (slash == NULL || slash == model_id || slash[1] == '\0')
    return NULL;

  return g_strndup (model_id, slash - model_id);
}

const char *
chutes_model_row_get_badge_name (ChutesModelBadge badge)
{
  switch (badge)
    {
    case CHUTES_MODEL_BADGE_VISION:
      /* Translators: short badge of a model that accepts images; typing it
       * in the model search finds those models */
      return _("Vision");
    case CHUTES_MODEL_BADGE_REASONING:
      /* Translators: short badge of a model that can think before replying */
      return _("Reasoning");
    case CHUTES_MODEL_BADGE_TOOLS:
      /* Translators: short badge of a model that can call tools (functions) */
      return _("Tools");
    case CHUTES_MODEL_N_BADGES:
    default:
      g_return_val_if_reached (NULL);
    }
}

static const char *
badge_description (ChutesModelBadge badge)
{
  switch (badge)
    {
    case CHUTES_MODEL_BADGE_VISION:
      return _("Accepts images as well as text");
    case CHUTES_MODEL_BADGE_REASONING:
      return _("Can think before it replies: turn on Thinking in the chat settings");
    case CHUTES_MODEL_BADGE_TOOLS:
      return _("Can call tools (functions) that a client offers");
    case CHUTES_MODEL_N_BADGES:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* A pill like the TEE badge, hidden until the model has the capability. */
static GtkWidget *
make_badge (ChutesModelBadge badge)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (chutes_model_row_get_badge_name (badge));

  gtk_widget_set_visible (box, FALSE);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (box, "chutes-capability-badge");
  gtk_widget_set_tooltip_text (box, badge_description (badge));
  gtk_accessible_update_property (GTK_ACCESSIBLE (box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chutes_model_row_get_badge_name (badge),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  badge_description (badge),
                                  -1);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_box_append (GTK_BOX (box), label);

  return box;
}

/* One price in US dollars; a price under a cent keeps its digits. */
static char *
format_price (double price)
{
  if (price < 0 || !isfinite (price))
    /* Translators: shown for a price the gateway did not give */
    return g_strdup (C_("price", "—"));

  if (price > 0 && price < 0.01)
    return g_strdup_printf ("$%.4f", price);

  return g_strdup_printf ("$%.2f", price);
}

char *
chutes_model_row_format_prices (double prompt_price,
                                double completion_price)
{
  g_autofree char *prompt = NULL;
  g_autofree char *completion = NULL;

  if (prompt_price < 0 && completion_price < 0)
    return NULL;

  if (prompt_price == 0 && completion_price == 0)
    /* Translators: the model costs nothing to use */
    return g_strdup (_("Free"));

  prompt = format_price (prompt_price);
  completion = format_price (completion_price);

  /* Translators: input price / output price, in US dollars per million tokens */
  return g_strdup_printf (_("%s / %s per M tokens"), prompt, completion);
}

char *
chutes_model_row_format_context_length (gint64 context_length)
{
  g_autofree char *size = NULL;
  gint64 thousands;

  if (context_length <= 0)
    return NULL;

  thousands = (context_length + 500) / 1000;

  if (context_length < 1000)
    size = g_strdup_printf ("%u", (guint) context_length);
  else if (thousands < 1000)
    /* Translators: thousands of tokens, as in "164K context" */
    size = g_strdup_printf (C_("thousands", "%uK"), (guint) thousands);
  else
    {
      gint64 tenths = (context_length + 50000) / 100000;

      if (tenths % 10 == 0)
        /* Translators: millions of tokens, as in "2M context" */
        size = g_strdup_printf (C_("millions", "%uM"), (guint) (tenths / 10));
      else
        /* Translators: millions of tokens, as in "1.5M context" */
        size = g_strdup_printf (C_("millions", "%.1fM"), (double) tenths / 10.0);
    }

  /* Translators: how much text a model reads at once, as in "164K context" */
  return g_strdup_printf (_("%s context"), size);
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static void
chutes_model_row_update (ChutesModelRow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *organization = NULL;
  g_autofree char *prices = NULL;
  g_autofree char *context = NULL;
  g_autofree char *prices_tooltip = NULL;
  const char *id = NULL;

  if (self->model != NULL)
    {
      g_autofree char *prompt = NULL;
      g_autofree char *completion = NULL;
      double prompt_price = chutes_model_info_get_prompt_price (self->model);
      double completion_price = chutes_model_info_get_completion_price (self->model);

      id = chutes_model_info_get_id (self->model);
      name = chutes_model_row_dup_short_name (id);
      organization = chutes_model_row_dup_organization (id);
      prices = chutes_model_row_format_prices (prompt_price, completion_price);
      context = chutes_model_row_format_context_length (chutes_model_info_get_context_length (self->model));

      prompt = format_price (prompt_price);
      completion = format_price (completion_price);
      if (prices != NULL)
        /* Translators: a tooltip on the prices of a model */
        prices_tooltip = g_strdup_printf (_("Input: %s per million tokens\n"
                                            "Output: %s per million tokens"),
                                          prompt, completion);
    }

  /* All of it comes from the network: plain text only. */
  set_label (self->name_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), id);
  set_label (self->organization_label, organization);
  set_label (self->prices_label, prices);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->prices_label), prices_tooltip);
  set_label (self->context_label, context);
  gtk_widget_set_visible (self->details_separator, prices != NULL && context != NULL);
  gtk_widget_set_visible (self->tee_badge,
                          self->model != NULL && chutes_model_info_get_confidential (self->model));
  gtk_widget_set_visible (self->badges[CHUTES_MODEL_BADGE_VISION],
                          self->model != NULL && chutes_model_info_accepts_images (self->model));
  gtk_widget_set_visible (self->badges[CHUTES_MODEL_BADGE_REASONING],
                          self->model != NULL && chutes_model_info_supports_reasoning (self->model));
  gtk_widget_set_visible (self->badges[CHUTES_MODEL_BADGE_TOOLS],
                          self->model != NULL && chutes_model_info_supports_tools (self->model));
}

static void
chutes_model_row_dispose (GObject *object)
{
  ChutesModelRow *self = (ChutesModelRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_MODEL_ROW);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (chutes_model_row_parent_class)->dispose (object);
}

static void
chutes_model_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ChutesModelRow *self = CHUTES_MODEL_ROW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_SELECTED:
      g_value_set_boolean (value, self->selected);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ChutesModelRow *self = CHUTES_MODEL_ROW (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      chutes_model_row_set_model (self, g_value_get_object (value));
      break;

    case PROP_SELECTED:
      chutes_model_row_set_selected (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_row_class_init (ChutesModelRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_model_row_dispose;
  object_class->get_property = chutes_model_row_get_property;
  object_class->set_property = chutes_model_row_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         CHUTES_TYPE_MODEL_INFO,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SELECTED] =
    g_param_spec_boolean ("selected", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-model-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, tee_badge);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, name_box);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, organization_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, prices_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, details_separator);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, context_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelRow, check_image);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "modelrow");
}

static void
chutes_model_row_init (ChutesModelRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < CHUTES_MODEL_N_BADGES; i++)
    {
      self->badges[i] = make_badge (i);
      gtk_box_append (GTK_BOX (self->name_box), self->badges[i]);
    }

  chutes_model_row_update (self);
}

GtkWidget *
chutes_model_row_new (void)
{
  return g_object_new (CHUTES_TYPE_MODEL_ROW, NULL);
}

ChutesModelInfo *
chutes_model_row_get_model (ChutesModelRow *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_ROW (self), NULL);

  return self->model;
}

void
chutes_model_row_set_model (ChutesModelRow  *self,
                            ChutesModelInfo *model)
{
  g_return_if_fail (CHUTES_IS_MODEL_ROW (self));
  g_return_if_fail (model == NULL || CHUTES_IS_MODEL_INFO (model));

  if (!g_set_object (&self->model, model))
    return;

  chutes_model_row_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gboolean
chutes_model_row_get_selected (ChutesModelRow *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_ROW (self), FALSE);

  return self->selected;
}

void
chutes_model_row_set_selected (ChutesModelRow *self,
                               gboolean        selected)
{
  g_return_if_fail (CHUTES_IS_MODEL_ROW (self));

  selected = !!selected;
  if (self->selected == selected)
    return;

  self->selected = selected;
  gtk_widget_set_visible (self->check_image, selected);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}
