/* chutes-application.c: owns the long-lived objects and the app actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-accounts.h"
#include "chutes-application.h"
#include "chutes-ask.h"
#include "chutes-error.h"
#include "chutes-resources.h"
#include "chutes-http.h"
#include "chutes-markdown-view.h"
#include "chutes-search-provider.h"
#include "chutes-util.h"
#include "chutes-window.h"

struct _ChutesApplication
{
  AdwApplication    parent_instance;

  GSettings        *settings;
  SoupSession      *session;
  ChutesConfig     *config;
  ChutesIdpClient  *idp;
  ChutesTokenStore *store;     /* the shared client secret */
  ChutesAccounts   *accounts;
  GSignalGroup     *account_signals;  /* of the active account */
  ChutesGateway    *gateway;
  ChutesSearchProvider *search_provider;

  GCancellable     *cancellable;

  char             *sign_in_error;
  char             *keyring_problem;

  guint             signing_out;
  guint             ready : 1;
  guint             quit_pending : 1;
};

/* A service-started instance (D-Bus activation for the Shell's search)
 * with no window quits this long after its last call. */
#define SERVICE_INACTIVITY_TIMEOUT_MS 20000

G_DEFINE_FINAL_TYPE (ChutesApplication, chutes_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_READY,
  PROP_SIGN_IN_ERROR,
  PROP_KEYRING_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chutes_application_set_sign_in_error (ChutesApplication *self,
                                      const char        *message)
{
  if (chutes_set_str (&self->sign_in_error, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_IN_ERROR]);
}

static void
chutes_application_set_keyring_problem (ChutesApplication *self,
                                        const char        *message)
{
  if (chutes_set_str (&self->keyring_problem, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYRING_PROBLEM]);
}

static void
chutes_application_update_actions (ChutesApplication *self)
{
  ChutesAccountState state = chutes_account_get_state (chutes_accounts_get_active (self->accounts));
  gboolean has_client = chutes_config_has_client (self->config);
  gboolean others = g_list_model_get_n_items (chutes_accounts_get_model (self->accounts)) > 0;
  struct {
    const char *name;
    gboolean    enabled;
  } actions[] = {
    { "sign-in", self->ready && has_client && state == CHUTES_ACCOUNT_STATE_SIGNED_OUT },
    { "cancel-sign-in", state == CHUTES_ACCOUNT_STATE_SIGNING_IN },
    { "sign-out", state == CHUTES_ACCOUNT_STATE_SIGNED_IN },
    { "change-client", self->ready && has_client && state == CHUTES_ACCOUNT_STATE_SIGNED_OUT &&
                       !others && !chutes_config_client_from_environment (self->config) },
    { "add-account", self->ready && has_client && state != CHUTES_ACCOUNT_STATE_SIGNING_IN },
    { "switch-account", self->ready && state != CHUTES_ACCOUNT_STATE_SIGNING_IN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), actions[i].name);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), actions[i].enabled);
    }
}

static void
chutes_application_set_ready (ChutesApplication *self)
{
  if (self->ready)
    return;

  self->ready = TRUE;
  chutes_application_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
sign_in_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_account_sign_in_finish (CHUTES_ACCOUNT (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        {
          g_debug ("Sign-in failed: %s", error->message);
          chutes_application_set_sign_in_error (self, error->message);
        }
      return;
    }

  g_debug ("Signed in");
}

static void
sign_in_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  ChutesApplication *self = user_data;

  chutes_application_set_sign_in_error (self, NULL);
  chutes_account_sign_in_async (chutes_accounts_get_active (self->accounts),
                                NULL,
                                sign_in_cb,
                                g_object_ref (self));
}

static void
cancel_sign_in_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  ChutesApplication *self = user_data;

  chutes_account_cancel_sign_in (chutes_accounts_get_active (self->accounts));
}

/* Signing out ends with the session removed from the keyring (after the
 * revocations, which are bounded in time). Until then the application
 * stays, even with its windows closed or asked to quit: otherwise the
 * keyring could keep the session, and the next start sign in again. */
static void
sign_out_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_accounts_sign_out_finish (CHUTES_ACCOUNTS (object), result, &error))
    g_debug ("Sign-out finished with: %s", error->message);

  self->signing_out--;
  g_application_release (G_APPLICATION (self));
  if (self->signing_out == 0 && self->quit_pending)
    g_application_quit (G_APPLICATION (self));
}

static void revocation_failed_cb (ChutesApplication *self,
                                  const char        *message);

static void
sign_out_action (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  ChutesApplication *self = user_data;
  ChutesAccount *account = chutes_accounts_get_active (self->accounts);

  chutes_application_set_sign_in_error (self, NULL);
  self->signing_out++;
  g_application_hold (G_APPLICATION (self));

  /* Heard even once another account (or nobody) is shown. */
  g_signal_connect_object (account, "revocation-failed",
                           G_CALLBACK (revocation_failed_cb), self, G_CONNECT_SWAPPED);
  chutes_accounts_sign_out_async (self->accounts, account, NULL, sign_out_cb, g_object_ref (self));
}

static void
add_account_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(ChutesAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  account = chutes_accounts_add_finish (CHUTES_ACCOUNTS (object), result, &error);
  if (account == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("Adding an account failed: %s", error->message);
      chutes_application_set_sign_in_error (self, error->message);
    }
}

static void
add_account_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  ChutesApplication *self = user_data;

  chutes_application_set_sign_in_error (self, NULL);
  chutes_accounts_add_async (self->accounts, NULL, add_account_cb, g_object_ref (self));
}

/* The state is the active account's user ID ("" for nobody yet). */
static void
switch_account_action (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  ChutesApplication *self = user_data;
  ChutesAccount *account;

  account = chutes_accounts_find (self->accounts, g_variant_get_string (param, NULL));
  if (account != NULL)
    chutes_accounts_set_active (self->accounts, account);
}

static void
clear_client_secret_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!chutes_token_store_clear_client_secret_finish (CHUTES_TOKEN_STORE (object), result, &error))
    g_debug ("Could not clear the stored client secret: %s", error->message);
}

static void
change_client_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  ChutesApplication *self = user_data;
  g_autofree char *client_id = g_strdup (chutes_config_get_client_id (self->config));

  chutes_application_set_sign_in_error (self, NULL);
  chutes_config_forget_client (self->config);

  if (client_id != NULL)
    chutes_token_store_clear_client_secret_async (self->store, client_id, NULL,
                                                  clear_client_secret_cb, NULL);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  ChutesApplication *self = user_data;
  const char *developers[] = { _("The Chutes desktop developers"), NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (window,
                         "application-name", _("Chutes"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Chutes desktop developers"),
                         "version", PACKAGE_VERSION,
                         "website", "https://chutes.ai",
                         "comments", _("Chat with Chutes models under your own account."),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: replace with your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  ChutesApplication *self = user_data;

  chutes_account_cancel_sign_in (chutes_accounts_get_active (self->accounts));

  /* Closed, not destroyed: each window saves its size and finishes what
   * it owes (a deletion whose Undo is no longer offered). Closing removes
   * it from the application's list, so walk a copy. */
  {
    g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

    for (GList *l = windows; l != NULL; l = l->next)
      gtk_window_close (l->data);
  }

  /* A sign-out in progress quits when it is done (sign_out_cb()). */
  if (self->signing_out > 0)
    {
      self->quit_pending = TRUE;
      return;
    }

  g_application_quit (G_APPLICATION (self));
}

/* `chutes-desktop --ask` saved a chat from another process. */
static void
history_changed_action (GSimpleAction *action,
                        GVariant      *param,
                        gpointer       user_data)
{
  ChutesApplication *self = user_data;
  ChutesHistory *history = chutes_accounts_get_active_history (self->accounts);

  /* --ask writes to the active account's history. */
  if (history == NULL)
    return;

  chutes_history_reload_conversations_async (history, self->cancellable, NULL, NULL);
  /* The chat open in a window may be the one it added to. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (CHUTES_IS_WINDOW (l->data))
      chutes_window_history_changed (l->data, history);
}

static const GActionEntry app_actions[] = {
  { CHUTES_ASK_HISTORY_CHANGED_ACTION, history_changed_action },
  { "sign-in", sign_in_action },
  { "cancel-sign-in", cancel_sign_in_action },
  { "sign-out", sign_out_action },
  { "change-client", change_client_action },
  { "add-account", add_account_action },
  { "switch-account", switch_account_action, "s", "''", NULL },
  { "about", about_action },
  { "quit", quit_action },
};

static void
account_notify_cb (ChutesApplication *self)
{
  ChutesAccount *active = chutes_accounts_get_active (self->accounts);
  const char *user_id = chutes_account_get_user_id (active);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "switch-account");

  chutes_application_update_actions (self);
  chutes_application_set_keyring_problem (self, chutes_account_get_keyring_problem (active));
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (user_id != NULL ? user_id : ""));
}

/* Another account is shown: its signals, its history for the search. */
static void
active_account_cb (ChutesApplication *self)
{
  g_signal_group_set_target (self->account_signals, chutes_accounts_get_active (self->accounts));
  chutes_search_provider_set_history (self->search_provider,
                                      chutes_accounts_get_search_history (self->accounts));
  account_notify_cb (self);
}

static void
session_ended_cb (ChutesApplication *self,
                  const char        *message)
{
  chutes_application_set_sign_in_error (self, message);
}

/* Signed out here, but Chutes did not end the session (it is retried
 * later): said on the sign-in page, where the sign-out leads, in full and
 * as plain text. */
static void
revocation_failed_cb (ChutesApplication *self,
                      const char        *message)
{
  chutes_application_set_sign_in_error (self, message);
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_accounts_restore_finish (CHUTES_ACCOUNTS (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Could not restore the session: %s", error->message);
      chutes_application_set_sign_in_error (self, error->message);
    }

  chutes_application_set_ready (self);
}

static void
load_client_secret_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = chutes_token_store_load_client_secret_finish (CHUTES_TOKEN_STORE (object), result, &error);

  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Could not load the client secret: %s", error->message);
      chutes_application_set_keyring_problem (self, error->message);
    }

  if (secret != NULL)
    {
      chutes_config_set_client_secret (self->config, secret);
      chutes_secret_free (secret);
    }

  chutes_accounts_restore_async (self->accounts, self->cancellable, restore_cb,
                                   g_object_ref (self));
}

/* At start: the client secret (unless the environment gave it), then the
 * stored session, then the window can pick its page. */
static void
chutes_application_load (ChutesApplication *self)
{
  const char *client_id = chutes_config_get_client_id (self->config);

  if (client_id != NULL && *client_id != '\0' &&
      chutes_config_get_client_secret (self->config) == NULL)
    chutes_token_store_load_client_secret_async (self->store, client_id, self->cancellable,
                                                 load_client_secret_cb, g_object_ref (self));
  else
    chutes_accounts_restore_async (self->accounts, self->cancellable, restore_cb,
                                   g_object_ref (self));
}

static void
chutes_application_startup (GApplication *application)
{
  ChutesApplication *self = CHUTES_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (chutes_application_parent_class)->startup (application);

  gtk_window_set_default_icon_name (APP_ID);
  /* Now, not when the first reply is shown: that would restyle the window
   * in the middle of it (16 ms on the build machine). */
  if (gdk_display_get_default () != NULL)
    chutes_markdown_view_add_style (gdk_display_get_default ());

  self->settings = g_settings_new (BASE_APP_ID);
  self->session = chutes_http_session_new ();
  self->config = chutes_config_new (self->settings);
  self->idp = chutes_idp_client_new (self->session, self->config);
  self->store = chutes_token_store_new (chutes_config_get_idp_base_url (self->config));
  self->accounts = chutes_accounts_new (self->idp, self->settings, NULL);
  /* The app's own process only: not --ask beside a running window. */
  chutes_accounts_finish_legacy_move (self->accounts);
  self->gateway = chutes_gateway_new (self->session, self->config);
  self->cancellable = g_cancellable_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  self->account_signals = g_signal_group_new (CHUTES_TYPE_ACCOUNT);
  g_signal_group_connect_swapped (self->account_signals, "notify",
                                  G_CALLBACK (account_notify_cb), self);
  g_signal_group_connect_swapped (self->account_signals, "session-ended",
                                  G_CALLBACK (session_ended_cb), self);
  g_signal_connect_object (self->accounts, "notify::active",
                           G_CALLBACK (active_account_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "notify::active-history",
                           G_CALLBACK (active_account_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (chutes_accounts_get_model (self->accounts), "items-changed",
                           G_CALLBACK (chutes_application_update_actions), self,
                           G_CONNECT_SWAPPED);
  active_account_cb (self);
  g_signal_connect_object (self->config, "notify::has-client",
                           G_CALLBACK (chutes_application_update_actions), self,
                           G_CONNECT_SWAPPED);

  chutes_application_update_actions (self);
  chutes_application_load (self);
  g_settings_bind (self->settings, "search-provider-enabled",
                   self->search_provider, "enabled", G_SETTINGS_BIND_GET);

  /* Started by D-Bus for the Shell's search (--gapplication-service): no
   * window until a result is chosen, and gone a while after the last
   * search. */
  if (g_application_get_flags (application) & G_APPLICATION_IS_SERVICE)
    g_application_set_inactivity_timeout (application, SERVICE_INACTIVITY_TIMEOUT_MS);
}

static void
chutes_application_activate (GApplication *application)
{
  ChutesApplication *self = CHUTES_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = g_object_new (CHUTES_TYPE_WINDOW,
                           "application", self,
                           "settings", self->settings,
                           "config", self->config,
                           "idp-client", self->idp,
                           "accounts", self->accounts,
                           "gateway", self->gateway,
                           NULL);

  gtk_window_present (window);
}

/* chutes-desktop FILE...: a new chat with the files attached, also when
 * the app already runs (GApplication hands them to that instance). */
static void
chutes_application_open (GApplication  *application,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  GtkWindow *window;

  g_application_activate (application);
  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (CHUTES_IS_WINDOW (window))
    chutes_window_open_files (CHUTES_WINDOW (window), files, n_files);
}

/* The Shell's search provider --------------------------------------------- */

static GtkWindow *
chutes_application_present_window (ChutesApplication *self,
                                   guint32            timestamp)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (self));
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL && timestamp != 0)
    gtk_window_present_with_time (window, timestamp);

  return window;
}

static void
activate_result_cb (ChutesApplication *self,
                    gint64             conversation_id,
                    gint64             message_id,
                    guint              timestamp)
{
  GtkWindow *window = chutes_application_present_window (self, timestamp);

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.open-chat", "(xx)",
                                conversation_id, message_id);
}

static void
launch_search_cb (ChutesApplication *self,
                  const char        *text,
                  guint              timestamp)
{
  GtkWindow *window = chutes_application_present_window (self, timestamp);

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.search-text", "s", text);
}

static gboolean
chutes_application_dbus_register (GApplication     *application,
                                  GDBusConnection  *connection,
                                  const char       *object_path,
                                  GError          **error)
{
  ChutesApplication *self = CHUTES_APPLICATION (application);
  g_autofree char *path = g_strconcat (object_path, "/SearchProvider", NULL);

  if (!G_APPLICATION_CLASS (chutes_application_parent_class)->dbus_register (application,
                                                                              connection,
                                                                              object_path,
                                                                              error))
    return FALSE;

  return chutes_search_provider_export (self->search_provider, connection, path, error);
}

static void
chutes_application_dbus_unregister (GApplication    *application,
                                    GDBusConnection *connection,
                                    const char      *object_path)
{
  ChutesApplication *self = CHUTES_APPLICATION (application);

  chutes_search_provider_unexport (self->search_provider);

  G_APPLICATION_CLASS (chutes_application_parent_class)->dbus_unregister (application,
                                                                          connection,
                                                                          object_path);
}

static void
chutes_application_shutdown (GApplication *application)
{
  ChutesApplication *self = CHUTES_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);

  /* Saves what streaming replies hold now and waits for queued writes. */
  if (self->accounts != NULL)
    chutes_accounts_close (self->accounts);

  G_APPLICATION_CLASS (chutes_application_parent_class)->shutdown (application);
}

static int
chutes_application_handle_local_options (GApplication *application,
                                         GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  /* --ask and --list-models: done here, in this process. */
  return chutes_ask_handle_options (options);
}

static void
chutes_application_dispose (GObject *object)
{
  ChutesApplication *self = (ChutesApplication *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->gateway);
  g_clear_object (&self->search_provider);
  g_clear_object (&self->account_signals);
  g_clear_object (&self->accounts);
  g_clear_object (&self->store);
  g_clear_object (&self->idp);
  g_clear_object (&self->config);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->sign_in_error, g_free);
  g_clear_pointer (&self->keyring_problem, g_free);

  G_OBJECT_CLASS (chutes_application_parent_class)->dispose (object);
}

static void
chutes_application_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChutesApplication *self = CHUTES_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;

    case PROP_SIGN_IN_ERROR:
      g_value_set_string (value, self->sign_in_error);
      break;

    case PROP_KEYRING_PROBLEM:
      g_value_set_string (value, self->keyring_problem);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_application_class_init (ChutesApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  chutes_register_resource ();

  object_class->dispose = chutes_application_dispose;
  object_class->get_property = chutes_application_get_property;

  app_class->startup = chutes_application_startup;
  app_class->activate = chutes_application_activate;
  app_class->open = chutes_application_open;
  app_class->shutdown = chutes_application_shutdown;
  app_class->handle_local_options = chutes_application_handle_local_options;
  app_class->dbus_register = chutes_application_dbus_register;
  app_class->dbus_unregister = chutes_application_dbus_unregister;

  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SIGN_IN_ERROR] =
    g_param_spec_string ("sign-in-error", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEYRING_PROBLEM] =
    g_param_spec_string ("keyring-problem", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static const GOptionEntry main_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the program version and exit"), NULL },
  { NULL }
};

static void
chutes_application_init (ChutesApplication *self)
{
  g_autofree char *description = NULL;

  /* Exported at registration, which comes before startup: the history is
   * given at startup. */
  self->search_provider = chutes_search_provider_new (NULL);
  chutes_search_provider_set_application (self->search_provider, G_APPLICATION (self));
  g_signal_connect_object (self->search_provider, "activate-result",
                           G_CALLBACK (activate_result_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_provider, "launch-search",
                           G_CALLBACK (launch_search_cb), self, G_CONNECT_SWAPPED);

  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  chutes_ask_add_options (G_APPLICATION (self));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Chat with Chutes models under your own account."));
  description = g_strconcat (
    _("Environment:\n"
      "  CHUTES_OAUTH_CLIENT_ID, CHUTES_OAUTH_CLIENT_SECRET   the OAuth app to sign in with\n"
      "  CHUTES_OAUTH_SCOPES          scopes (default: openid profile chutes:invoke)\n"
      "  CHUTES_OAUTH_REDIRECT_URI    the one registered loopback redirect URI to use\n"
      "  CHUTES_IDP_BASE_URL          identity provider (default: https://api.chutes.ai)\n"
      "  CHUTES_API_BASE_URL          model gateway (default: https://llm.chutes.ai/v1)"),
    "\n\n", chutes_ask_get_help (), NULL);
  g_application_set_option_context_description (G_APPLICATION (self), description);
}

ChutesApplication *
chutes_application_new (void)
{
  return g_object_new (CHUTES_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/ai/chutes/Desktop",
                       NULL);
}

GSettings *
chutes_application_get_settings (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->settings;
}

ChutesConfig *
chutes_application_get_config (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->config;
}

ChutesIdpClient *
chutes_application_get_idp_client (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->idp;
}

ChutesTokenStore *
chutes_application_get_token_store (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->store;
}

ChutesAccount *
chutes_application_get_account (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return chutes_accounts_get_active (self->accounts);
}

ChutesGateway *
chutes_application_get_gateway (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->gateway;
}

ChutesHistory *
chutes_application_get_history (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return chutes_accounts_get_active_history (self->accounts);
}

ChutesAccounts *
chutes_application_get_accounts (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->accounts;
}

gboolean
chutes_application_get_ready (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), FALSE);
  return self->ready;
}

const char *
chutes_application_get_sign_in_error (ChutesApplication *self)
{
  g_return_val_if_fail (CHUTES_IS_APPLICATION (self), NULL);
  return self->sign_in_error;
}

static void
save_client_secret_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ChutesApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_token_store_save_client_secret_finish (CHUTES_TOKEN_STORE (object), result, &error))
    {
      g_debug ("Could not store the client secret: %s", error->message);
      chutes_application_set_keyring_problem (self, error->message);
    }
}

void
chutes_application_set_client (ChutesApplication *self,
                               const char        *client_id,
                               const char        *client_secret)
{
  g_return_if_fail (CHUTES_IS_APPLICATION (self));
  g_return_if_fail (client_id != NULL && client_secret != NULL);

  chutes_application_set_sign_in_error (self, NULL);
  chutes_config_set_client (self->config, client_id, client_secret);
  chutes_token_store_save_client_secret_async (self->store, client_id, client_secret, NULL,
                                               save_client_secret_cb, g_object_ref (self));
}
