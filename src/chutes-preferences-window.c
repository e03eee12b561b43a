/* chutes-preferences-window.c: the preferences window (Ctrl+,)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-model-picker.h"
#include "chutes-preferences-window.h"
#include "chutes-util.h"

struct _ChutesPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  char                 *account_name;
  char                 *idp_url;
  char                 *gateway_url;
  char                 *client_id;

  AdwActionRow         *default_model_row;
  ChutesModelPicker    *default_model_picker;
  GtkWidget            *reset_default_model_button;
  AdwActionRow         *account_row;
  GtkSwitch            *search_provider_switch;
  AdwAvatar            *account_avatar;
  GtkWidget            *sign_out_button;
  AdwActionRow         *client_row;
  AdwActionRow         *idp_row;
  AdwActionRow         *gateway_row;
};

G_DEFINE_FINAL_TYPE (ChutesPreferencesWindow, chutes_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_MODELS,
  PROP_ACCOUNT_NAME,
  PROP_IDP_URL,
  PROP_GATEWAY_URL,
  PROP_CLIENT_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_preferences_window_update_default_model (ChutesPreferencesWindow *self)
{
  const char *id = chutes_model_picker_get_selected_model_id (self->default_model_picker);

  if (id != NULL)
    adw_action_row_set_subtitle (self->default_model_row, _("New chats start with this model"));
  else
    adw_action_row_set_subtitle (self->default_model_row, _("New chats use the model chosen last"));

  gtk_widget_set_visible (self->reset_default_model_button, id != NULL);
}

static void
default_model_setting_changed_cb (ChutesPreferencesWindow *self)
{
  g_autofree char *id = g_settings_get_string (self->settings, "default-model");

  chutes_model_picker_set_selected_model_id (self->default_model_picker, id);
}

static void
default_model_picked_cb (ChutesPreferencesWindow *self)
{
  const char *id = chutes_model_picker_get_selected_model_id (self->default_model_picker);
  g_autofree char *stored = NULL;

  chutes_preferences_window_update_default_model (self);

  if (self->settings == NULL)
    return;

  stored = g_settings_get_string (self->settings, "default-model");
  if (g_strcmp0 (stored, id != NULL ? id : "") != 0)
    g_settings_set_string (self->settings, "default-model", id != NULL ? id : "");
}

static void
reset_default_model_cb (ChutesPreferencesWindow *self)
{
  chutes_model_picker_set_selected_model_id (self->default_model_picker, NULL);
}

static void
chutes_preferences_window_update_account (ChutesPreferencesWindow *self)
{
  gboolean signed_in = self->account_name != NULL;

  /* The rows' use-markup is off: the name comes from the network. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row),
                                 signed_in ? self->account_name : _("Not Signed In"));
  adw_action_row_set_subtitle (self->account_row,
                               signed_in ? _("Signed in to Chutes") : NULL);
  adw_avatar_set_text (self->account_avatar, self->account_name);
  gtk_widget_set_visible (self->sign_out_button, signed_in);
}

static void
set_detail_row (AdwActionRow *row,
                const char   *text)
{
  adw_action_row_set_subtitle (row, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), text);
  gtk_widget_set_visible (GTK_WIDGET (row), text != NULL);
}

/* A read-only detail: stored, shown in its row (hidden when NULL or
 * empty), notified on change. */
static void
chutes_preferences_window_set_detail (ChutesPreferencesWindow  *self,
                                      char                    **field,
                                      const char               *text,
                                      AdwActionRow             *row,
                                      guint                     prop_id)
{
  if (text != NULL && text[0] == '\0')
    text = NULL;

  if (!chutes_set_str (field, text))
    return;

  set_detail_row (row, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChutesPreferencesWindow *self = CHUTES_PREFERENCES_WINDOW (widget);
  const char *what = g_variant_get_string (parameter, NULL);
  const char *text = NULL;

  if (g_str_equal (what, "client-id"))
    text = self->client_id;
  else if (g_str_equal (what, "idp-url"))
    text = self->idp_url;
  else if (g_str_equal (what, "gateway-url"))
    text = self->gateway_url;

  if (text == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Copied to clipboard")));
}

static void
chutes_preferences_window_constructed (GObject *object)
{
  ChutesPreferencesWindow *self = (ChutesPreferencesWindow *)object;

  G_OBJECT_CLASS (chutes_preferences_window_parent_class)->constructed (object);

  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::default-model",
                               G_CALLBACK (default_model_setting_changed_cb), self,
                               G_CONNECT_SWAPPED);
      default_model_setting_changed_cb (self);
      g_settings_bind (self->settings, "search-provider-enabled",
                       self->search_provider_switch, "active", G_SETTINGS_BIND_DEFAULT);
    }

  g_signal_connect_object (self->default_model_picker, "notify::selected-model-id",
                           G_CALLBACK (default_model_picked_cb), self,
                           G_CONNECT_SWAPPED);
  chutes_preferences_window_update_default_model (self);
}

static void
chutes_preferences_window_dispose (GObject *object)
{
  ChutesPreferencesWindow *self = (ChutesPreferencesWindow *)object;

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  /* libadwaita 1.2 keeps the rows of a destroyed preferences window
   * alive (the two action rows outlive it: seen by the sanitizer pass's
   * leak check, tests/test-model-picker.c). The picker is taken out of
   * its row so that it, and the model list it holds, go with the window. */
  if (self->default_model_row != NULL && self->default_model_picker != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->default_model_picker, self);
      chutes_model_picker_set_models (self->default_model_picker, NULL);
      adw_action_row_remove (self->default_model_row, GTK_WIDGET (self->default_model_picker));
      self->default_model_picker = NULL;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_PREFERENCES_WINDOW);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->account_name, g_free);
  g_clear_pointer (&self->idp_url, g_free);
  g_clear_pointer (&self->gateway_url, g_free);
  g_clear_pointer (&self->client_id, g_free);

  G_OBJECT_CLASS (chutes_preferences_window_parent_class)->dispose (object);
}

static void
chutes_preferences_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  ChutesPreferencesWindow *self = CHUTES_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_MODELS:
      g_value_set_object (value, chutes_preferences_window_get_models (self));
      break;

    case PROP_ACCOUNT_NAME:
      g_value_set_string (value, self->account_name);
      break;

    case PROP_IDP_URL:
      g_value_set_string (value, self->idp_url);
      break;

    case PROP_GATEWAY_URL:
      g_value_set_string (value, self->gateway_url);
      break;

    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_preferences_window_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  ChutesPreferencesWindow *self = CHUTES_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_MODELS:
      chutes_preferences_window_set_models (self, g_value_get_object (value));
      break;

    case PROP_ACCOUNT_NAME:
      chutes_preferences_window_set_account_name (self, g_value_get_string (value));
      break;

    case PROP_IDP_URL:
      chutes_preferences_window_set_idp_url (self, g_value_get_string (value));
      break;

    case PROP_GATEWAY_URL:
      chutes_preferences_window_set_gateway_url (self, g_value_get_string (value));
      break;

    case PROP_CLIENT_ID:
      chutes_preferences_window_set_client_id (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_preferences_window_class_init (ChutesPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = chutes_preferences_window_constructed;
  object_class->dispose = chutes_preferences_window_dispose;
  object_class->get_property = chutes_preferences_window_get_property;
  object_class->set_property = chutes_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MODELS] =
    g_param_spec_object ("models", NULL, NULL, G_TYPE_LIST_MODEL, flags);
  properties[PROP_ACCOUNT_NAME] =
    g_param_spec_string ("account-name", NULL, NULL, NULL, flags);
  properties[PROP_IDP_URL] =
    g_param_spec_string ("idp-url", NULL, NULL, NULL, flags);
  properties[PROP_GATEWAY_URL] =
    g_param_spec_string ("gateway-url", NULL, NULL, NULL, flags);
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CHUTES_TYPE_MODEL_PICKER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/ai/chutes/Desktop/chutes-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, default_model_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, default_model_picker);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, reset_default_model_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, account_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, search_provider_switch);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, account_avatar);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, client_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, idp_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesPreferencesWindow, gateway_row);
  gtk_widget_class_bind_template_callback (widget_class, reset_default_model_cb);

  gtk_widget_class_install_action (widget_class, "prefs.copy", "s", copy_action);
}

static void
chutes_preferences_window_init (ChutesPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  chutes_preferences_window_update_account (self);
  set_detail_row (self->client_row, NULL);
  set_detail_row (self->idp_row, NULL);
  set_detail_row (self->gateway_row, NULL);
}

ChutesPreferencesWindow *
chutes_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (CHUTES_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

GSettings *
chutes_preferences_window_get_settings (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return self->settings;
}

GListModel *
chutes_preferences_window_get_models (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return chutes_model_picker_get_models (self->default_model_picker);
}

void
chutes_preferences_window_set_models (ChutesPreferencesWindow *self,
                                      GListModel              *models)
{
  g_return_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (models == NULL || G_IS_LIST_MODEL (models));

  if (chutes_model_picker_get_models (self->default_model_picker) == models)
    return;

  chutes_model_picker_set_models (self->default_model_picker, models);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODELS]);
}

const char *
chutes_preferences_window_get_account_name (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return self->account_name;
}

void
chutes_preferences_window_set_account_name (ChutesPreferencesWindow *self,
                                            const char              *name)
{
  g_return_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self));

  if (name != NULL && name[0] == '\0')
    name = NULL;

  if (!chutes_set_str (&self->account_name, name))
    return;

  chutes_preferences_window_update_account (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_NAME]);
}

const char *
chutes_preferences_window_get_idp_url (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return self->idp_url;
}

void
chutes_preferences_window_set_idp_url (ChutesPreferencesWindow *self,
                                       const char              *url)
{
  g_return_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self));

  chutes_preferences_window_set_detail (self, &self->idp_url, url, self->idp_row, PROP_IDP_URL);
}

const char *
chutes_preferences_window_get_gateway_url (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return self->gateway_url;
}

void
chutes_preferences_window_set_gateway_url (ChutesPreferencesWindow *self,
                                           const char              *url)
{
  g_return_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self));

  chutes_preferences_window_set_detail (self, &self->gateway_url, url, self->gateway_row,
                                        PROP_GATEWAY_URL);
}

const char *
chutes_preferences_window_get_client_id (ChutesPreferencesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self), NULL);

  return self->client_id;
}

void
chutes_preferences_window_set_client_id (ChutesPreferencesWindow *self,
                                         const char              *client_id)
{
  g_return_if_fail (CHUTES_IS_PREFERENCES_WINDOW (self));

  chutes_preferences_window_set_detail (self, &self->client_id, client_id, self->client_row,
                                        PROP_CLIENT_ID);
}
