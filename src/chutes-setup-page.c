/* chutes-setup-page.c: first run, choosing the OAuth app to sign in with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-setup-page.h"

struct _ChutesSetupPage
{
  GtkWidget             parent_instance;

  ChutesConfig         *config;
  ChutesIdpClient      *idp;
  GCancellable         *cancellable;

  AdwEntryRow          *client_id_row;
  AdwPasswordEntryRow  *client_secret_row;
  AdwPasswordEntryRow  *api_key_row;
  AdwEntryRow          *app_name_row;
  GtkSpinner           *register_spinner;
  GtkLabel             *client_error_label;
  GtkLabel             *register_error_label;
  GtkLabel             *redirect_label;
};

G_DEFINE_FINAL_TYPE (ChutesSetupPage, chutes_setup_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_IDP_CLIENT,
  N_PROPS
};

enum {
  CLIENT_CHOSEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static char *
dup_entry_text (gpointer row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* Each way forward shows its error right above its own button, where the
 * person is looking; showing one hides the other. */
static void
chutes_setup_page_show_error (ChutesSetupPage *self,
                              GtkLabel        *label,
                              const char      *message)
{
  GtkLabel *labels[] = { self->client_error_label, self->register_error_label };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      gboolean shown = labels[i] == label && message != NULL;

      gtk_label_set_text (labels[i], shown ? message : "");
      gtk_widget_set_visible (GTK_WIDGET (labels[i]), shown);
    }
}

/* The rules Chutes applies to app names: 3-64 letters, digits, spaces,
 * "-" and ".". */
static gboolean
app_name_is_valid (const char *name)
{
  glong n = g_utf8_strlen (name, -1);

  if (n < 3 || n > 64)
    return FALSE;

  for (const char *p = name; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != ' ' && *p != '-' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

static char *
default_app_name (void)
{
  g_autoptr(GString) name = g_string_new ("Chutes Desktop ");

  for (const char *p = g_get_host_name (); *p && name->len < 64; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.')
        g_string_append_c (name, *p);
    }

  g_strchomp (name->str);
  return g_strndup (name->str, 64);
}

static void
chutes_setup_page_update (ChutesSetupPage *self)
{
  g_autofree char *client_id = dup_entry_text (self->client_id_row);
  g_autofree char *secret = dup_entry_text (self->client_secret_row);
  g_autofree char *api_key = dup_entry_text (self->api_key_row);
  g_autofree char *name = dup_entry_text (self->app_name_row);
  gboolean busy = self->cancellable != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.save",
                                 !busy && *client_id != '\0' && *secret != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.register",
                                 !busy && *api_key != '\0' && *name != '\0');
  gtk_spinner_set_spinning (self->register_spinner, busy);
}

static void
entries_changed_cb (ChutesSetupPage *self)
{
  chutes_setup_page_update (self);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (widget);
  g_autofree char *client_id = dup_entry_text (self->client_id_row);
  g_autofree char *secret = dup_entry_text (self->client_secret_row);

  if (!g_str_has_prefix (client_id, "cid_") || strchr (client_id, ' ') != NULL)
    {
      chutes_setup_page_show_error (self, self->client_error_label,
                                    _("A Chutes client ID starts with “cid_” and has no spaces."));
      gtk_widget_grab_focus (GTK_WIDGET (self->client_id_row));
      return;
    }

  if (!g_str_has_prefix (secret, "csc_") || strchr (secret, ' ') != NULL)
    {
      chutes_setup_page_show_error (self, self->client_error_label,
                                    _("A Chutes client secret starts with “csc_” and has no spaces."));
      gtk_widget_grab_focus (GTK_WIDGET (self->client_secret_row));
      return;
    }

  chutes_setup_page_show_error (self, self->client_error_label, NULL);
  g_signal_emit (self, signals[CLIENT_CHOSEN], 0, client_id, secret);

  gtk_editable_set_text (GTK_EDITABLE (self->client_secret_row), "");
  explicit_bzero (secret, strlen (secret));
}

static void
register_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChutesSetupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = NULL;
  char *client_secret = NULL;

  if (!chutes_idp_client_register_app_finish (CHUTES_IDP_CLIENT (object), result,
                                              &client_id, &client_secret, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_clear_object (&self->cancellable);
      chutes_setup_page_update (self);
      chutes_setup_page_show_error (self, self->register_error_label, error->message);

      if (g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_CONFLICT))
        gtk_widget_grab_focus (GTK_WIDGET (self->app_name_row));
      else if (g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED))
        gtk_widget_grab_focus (GTK_WIDGET (self->api_key_row));
      return;
    }

  g_clear_object (&self->cancellable);
  chutes_setup_page_update (self);
  chutes_setup_page_show_error (self, self->register_error_label, NULL);

  /* The API key has done its one job. */
  gtk_editable_set_text (GTK_EDITABLE (self->api_key_row), "");

  g_signal_emit (self, signals[CLIENT_CHOSEN], 0, client_id, client_secret);
  chutes_secret_free (client_secret);
}

static void
register_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (widget);
  ChutesConfig *config = self->config;
  g_autofree char *api_key = dup_entry_text (self->api_key_row);
  g_autofree char *name = dup_entry_text (self->app_name_row);
  g_autoptr(GError) error = NULL;

  if (!g_str_has_prefix (api_key, "cpk_"))
    {
      chutes_setup_page_show_error (self, self->register_error_label,
                                    _("A Chutes API key starts with “cpk_”. Create one in your "
                                      "account settings on chutes.ai."));
      gtk_widget_grab_focus (GTK_WIDGET (self->api_key_row));
      return;
    }

  if (!app_name_is_valid (name))
    {
      chutes_setup_page_show_error (self, self->register_error_label,
                                    _("The app name must be 3 to 64 characters long and use "
                                      "only letters, digits, spaces, “-” and “.”."));
      gtk_widget_grab_focus (GTK_WIDGET (self->app_name_row));
      return;
    }

  if (!chutes_config_validate (config, &error))
    {
      chutes_setup_page_show_error (self, self->register_error_label, error->message);
      return;
    }

  chutes_setup_page_show_error (self, self->register_error_label, NULL);
  self->cancellable = g_cancellable_new ();
  chutes_setup_page_update (self);

  chutes_idp_client_register_app_async (self->idp,
                                        api_key,
                                        name,
                                        chutes_config_get_redirect_uris (config),
                                        chutes_config_get_scopes (config),
                                        self->cancellable,
                                        register_cb,
                                        g_object_ref (self));
  explicit_bzero (api_key, strlen (api_key));
}

static void
copy_redirect_uris_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          gtk_label_get_text (self->redirect_label));
}

static gboolean
focus_first_entry_idle (gpointer user_data)
{
  ChutesSetupPage *self = user_data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->client_id_row));

  return G_SOURCE_REMOVE;
}

static void
chutes_setup_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (chutes_setup_page_parent_class)->map (widget);

  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, focus_first_entry_idle,
                   g_object_ref (widget), g_object_unref);
}

static void
chutes_setup_page_dispose (GObject *object)
{
  ChutesSetupPage *self = (ChutesSetupPage *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_SETUP_PAGE);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->config);
  g_clear_object (&self->idp);

  G_OBJECT_CLASS (chutes_setup_page_parent_class)->dispose (object);
}

static void
chutes_setup_page_constructed (GObject *object)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (object);
  g_autofree char *uris = NULL;

  G_OBJECT_CLASS (chutes_setup_page_parent_class)->constructed (object);

  g_return_if_fail (self->config != NULL && self->idp != NULL);

  uris = g_strjoinv ("\n", (char **) chutes_config_get_redirect_uris (self->config));
  gtk_label_set_text (self->redirect_label, uris);

  if (chutes_config_get_client_id (self->config) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->client_id_row), chutes_config_get_client_id (self->config));
}

static void
chutes_setup_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_IDP_CLIENT:
      g_value_set_object (value, self->idp);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_setup_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChutesSetupPage *self = CHUTES_SETUP_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    case PROP_IDP_CLIENT:
      self->idp = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_setup_page_class_init (ChutesSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chutes_setup_page_constructed;
  object_class->dispose = chutes_setup_page_dispose;
  object_class->get_property = chutes_setup_page_get_property;
  object_class->set_property = chutes_setup_page_set_property;
  widget_class->map = chutes_setup_page_map;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, CHUTES_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDP_CLIENT] =
    g_param_spec_object ("idp-client", NULL, NULL, CHUTES_TYPE_IDP_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The strings are passed as they are, not copied: the secret is wiped
   * by the page once the handlers have returned. */
  signals[CLIENT_CHOSEN] =
    g_signal_new ("client-chosen",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, api_key_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, app_name_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, register_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, client_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, register_error_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesSetupPage, redirect_label);
  gtk_widget_class_bind_template_callback (widget_class, entries_changed_cb);

  gtk_widget_class_install_action (widget_class, "setup.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "setup.register", NULL, register_action);
  gtk_widget_class_install_action (widget_class, "setup.copy-redirect-uris", NULL,
                                   copy_redirect_uris_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

/* The "Show Text" button of a password row has a tooltip but no accessible
 * name on GTK 4.8 and libadwaita 1.2: a screen reader says "GtkImage
 * button". Name it by its tooltip, which says what a press does next. */
static void
peek_button_tooltip_cb (GtkWidget *button)
{
  const char *tooltip = gtk_widget_get_tooltip_text (button);

  if (tooltip != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                    -1);
}

static void
name_peek_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL)
        {
          g_signal_connect (child, "notify::tooltip-text", G_CALLBACK (peek_button_tooltip_cb), NULL);
          peek_button_tooltip_cb (child);
        }
      name_peek_buttons (child);
    }
}

static void
chutes_setup_page_init (ChutesSetupPage *self)
{
  g_autofree char *name = default_app_name ();

  gtk_widget_init_template (GTK_WIDGET (self));
  name_peek_buttons (GTK_WIDGET (self->client_secret_row));
  name_peek_buttons (GTK_WIDGET (self->api_key_row));
  gtk_editable_set_text (GTK_EDITABLE (self->app_name_row), name);
  chutes_setup_page_update (self);
}

ChutesSetupPage *
chutes_setup_page_new (ChutesConfig    *config,
                       ChutesIdpClient *idp)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (config), NULL);
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (idp), NULL);

  return g_object_new (CHUTES_TYPE_SETUP_PAGE,
                       "config", config,
                       "idp-client", idp,
                       NULL);
}
