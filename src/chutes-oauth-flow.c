/* chutes-oauth-flow.c: one "Sign in with Chutes" attempt, browser and back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole sign-in, as RFC 8252 (OAuth for native apps) and RFC 7636
 * (PKCE) describe it, in the order it happens:
 *
 *   1. check the configuration: an OAuth app (client ID and secret) and
 *      sane URLs (ChutesConfig);
 *   2. make a PKCE verifier and an OAuth state, both from getrandom
 *      (chutes-pkce.c);
 *   3. listen on 127.0.0.1 at the first free registered redirect port
 *      (ChutesLoopbackServer); a busy port fails here, at once;
 *   4. build the authorize URL (ChutesIdpClient) and publish it in
 *      "authorize-uri", so the UI can offer it with a Copy button;
 *   5. open it in the default browser; failing to is not fatal, the
 *      person can copy the URL;
 *   6. wait for the browser to come back with ?code=&state= (the loopback
 *      server checks the state and shows the person a page); this can
 *      time out, since a bad client ID or redirect URI never comes back;
 *   7. exchange the code, with the verifier, the client secret and the
 *      redirect URI actually used, at /idp/token;
 *   8. ask /idp/userinfo for the username (a failure here is not fatal).
 *
 * Cancelling at any step stops the loopback server and ends with
 * G_IO_ERROR_CANCELLED.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-loopback-server.h"
#include "chutes-oauth-flow.h"
#include "chutes-pkce.h"

struct _ChutesOAuthFlow
{
  GObject          parent_instance;

  ChutesIdpClient *idp;
  char            *authorize_uri;
  guint            timeout;
  guint            open_browser : 1;
  guint            running : 1;
};

G_DEFINE_FINAL_TYPE (ChutesOAuthFlow, chutes_oauth_flow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IDP,
  PROP_AUTHORIZE_URI,
  PROP_OPEN_BROWSER,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What one run keeps between its steps. */
typedef struct
{
  char                 *verifier;      /* secret */
  char                 *state;         /* secret */
  ChutesLoopbackServer *server;
  char                 *redirect_uri;  /* the one the server listens on */
  ChutesTokens         *tokens;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->verifier, chutes_secret_free);
  g_clear_pointer (&run->state, chutes_secret_free);
  if (run->server != NULL)
    chutes_loopback_server_stop (run->server);
  g_clear_object (&run->server);
  g_clear_pointer (&run->redirect_uri, g_free);
  g_clear_pointer (&run->tokens, chutes_tokens_free);
  g_free (run);
}

static void
set_authorize_uri (ChutesOAuthFlow *self,
                   const char      *authorize_uri)
{
  if (g_strcmp0 (self->authorize_uri, authorize_uri) == 0)
    return;

  g_free (self->authorize_uri);
  self->authorize_uri = g_strdup (authorize_uri);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZE_URI]);
}

/* Ends the run, successfully or not. */
static void
finish_run (GTask  *task,
            GError *error)
{
  ChutesOAuthFlow *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  self->running = FALSE;
  set_authorize_uri (self, NULL);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("OAuth flow: sign-in failed: %s", error->message);
      g_task_return_error (task, error);
    }
  else
    {
      g_debug ("OAuth flow: signed in");
      g_task_return_pointer (task, g_steal_pointer (&run->tokens),
                             (GDestroyNotify) chutes_tokens_free);
    }
}

/* Tokens we got but nobody will use (the run was cancelled at the last
 * step): tell the IDP to forget them rather than leave a live session. */
static void
revoke_unused_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  chutes_idp_client_revoke_finish (CHUTES_IDP_CLIENT (source), result, NULL);
}

/* Step 8: the username. */
static void
username_received_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;
  g_autofree char *user_id = NULL;

  username = chutes_idp_client_userinfo_full_finish (CHUTES_IDP_CLIENT (source), result,
                                                     &user_id, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (run->tokens->refresh_token != NULL)
        chutes_idp_client_revoke_async (CHUTES_IDP_CLIENT (source), run->tokens->refresh_token,
                                        "refresh_token", NULL, revoke_unused_done_cb, NULL);
      finish_run (task, g_steal_pointer (&error));
      return;
    }

  if (error != NULL)
    g_debug ("OAuth flow: no username, going on without: %s", error->message);

  g_free (run->tokens->username);
  run->tokens->username = g_steal_pointer (&username);
  g_free (run->tokens->user_id);
  run->tokens->user_id = g_steal_pointer (&user_id);
  finish_run (task, NULL);
}

/* Step 7 done: we have tokens. */
static void
tokens_received_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->tokens = chutes_idp_client_exchange_code_finish (CHUTES_IDP_CLIENT (source), result,
                                                        &error);
  if (run->tokens == NULL)
    {
      finish_run (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("OAuth flow: code exchanged, asking who signed in");
  chutes_idp_client_userinfo_async (CHUTES_IDP_CLIENT (source), run->tokens->access_token,
                                    cancellable, username_received_cb,
                                    g_steal_pointer (&task));
}

/* Step 6 done: the browser came back with a code. Step 7: exchange it. */
static void
code_received_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesOAuthFlow *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *code;

  code = chutes_loopback_server_wait_finish (CHUTES_LOOPBACK_SERVER (source), result, &error);
  g_clear_object (&run->server);   /* it stopped listening when the wait completed */

  if (code == NULL)
    {
      finish_run (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("OAuth flow: the browser came back, exchanging the code");
  set_authorize_uri (self, NULL);
  chutes_idp_client_exchange_code_async (self->idp, code, run->verifier, run->redirect_uri,
                                         cancellable, tokens_received_cb,
                                         g_steal_pointer (&task));
  chutes_secret_free (code);
}

/* Step 5 done. Not fatal either way: the URL is on screen to copy. */
static void
browser_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_debug ("OAuth flow: could not open a browser, waiting for the URL to be copied: %s",
             error->message);
}

/* Steps 1 to 4; returns FALSE with @error when the run cannot start. */
static gboolean
start_run (ChutesOAuthFlow  *self,
           Run              *run,
           GError          **error)
{
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);
  g_autofree char *challenge = NULL;
  g_autofree char *authorize_uri = NULL;

  /* 1. Configuration. */
  if (!chutes_config_validate (config, error))
    return FALSE;

  if (!chutes_config_has_client (config))
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                           _("No OAuth app is set up yet. Set up the app to sign in."));
      return FALSE;
    }

  /* 2. PKCE verifier and state. */
  if ((run->verifier = chutes_pkce_new_verifier (error)) == NULL ||
      (run->state = chutes_oauth_new_state (error)) == NULL)
    return FALSE;
  challenge = chutes_pkce_challenge_s256 (run->verifier);

  /* 3. The loopback listener. */
  run->server = chutes_loopback_server_new (chutes_config_get_redirect_uris (config), run->state);
  if (!chutes_loopback_server_start (run->server, error))
    return FALSE;
  run->redirect_uri = g_strdup (chutes_loopback_server_get_redirect_uri (run->server));

  /* 4. The authorize URL, for the browser and for the Copy button. */
  authorize_uri = chutes_idp_client_build_authorize_url (self->idp, run->redirect_uri,
                                                         run->state, challenge);
  if (authorize_uri == NULL)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                           _("The sign-in address could not be built. Check the identity "
                             "provider address."));
      return FALSE;
    }

  g_debug ("OAuth flow: waiting for the browser at %s", run->redirect_uri);
  set_authorize_uri (self, authorize_uri);

  return TRUE;
}

void
chutes_oauth_flow_run_async (ChutesOAuthFlow     *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Run *run;

  g_return_if_fail (CHUTES_IS_OAUTH_FLOW (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_oauth_flow_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Signing in is already in progress."));
      return;
    }

  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  self->running = TRUE;

  if (g_task_return_error_if_cancelled (task))
    {
      self->running = FALSE;
      return;
    }

  if (!start_run (self, run, &error))
    {
      finish_run (task, g_steal_pointer (&error));
      return;
    }

  /* 5. The browser; 6. the wait (the "authorize-uri" handlers have run). */
  if (self->open_browser)
    g_app_info_launch_default_for_uri_async (self->authorize_uri, NULL, cancellable,
                                             browser_opened_cb, NULL);

  chutes_loopback_server_wait_async (run->server, self->timeout, cancellable,
                                     code_received_cb, g_steal_pointer (&task));
}

ChutesTokens *
chutes_oauth_flow_run_finish (ChutesOAuthFlow  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (CHUTES_IS_OAUTH_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        chutes_oauth_flow_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Properties -------------------------------------------------------------- */

const char *
chutes_oauth_flow_get_authorize_uri (ChutesOAuthFlow *self)
{
  g_return_val_if_fail (CHUTES_IS_OAUTH_FLOW (self), NULL);

  return self->authorize_uri;
}

void
chutes_oauth_flow_set_open_browser (ChutesOAuthFlow *self,
                                    gboolean         open_browser)
{
  g_return_if_fail (CHUTES_IS_OAUTH_FLOW (self));

  open_browser = !!open_browser;
  if (self->open_browser == open_browser)
    return;

  self->open_browser = open_browser;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN_BROWSER]);
}

void
chutes_oauth_flow_set_timeout (ChutesOAuthFlow *self,
                               guint            seconds)
{
  g_return_if_fail (CHUTES_IS_OAUTH_FLOW (self));
  g_return_if_fail (seconds > 0);

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

static void
chutes_oauth_flow_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ChutesOAuthFlow *self = CHUTES_OAUTH_FLOW (object);

  switch (prop_id)
    {
    case PROP_IDP:
      g_value_set_object (value, self->idp);
      break;

    case PROP_AUTHORIZE_URI:
      g_value_set_string (value, self->authorize_uri);
      break;

    case PROP_OPEN_BROWSER:
      g_value_set_boolean (value, self->open_browser);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_oauth_flow_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ChutesOAuthFlow *self = CHUTES_OAUTH_FLOW (object);

  switch (prop_id)
    {
    case PROP_IDP:
      self->idp = g_value_dup_object (value);
      break;

    case PROP_OPEN_BROWSER:
      chutes_oauth_flow_set_open_browser (self, g_value_get_boolean (value));
      break;

    case PROP_TIMEOUT:
      chutes_oauth_flow_set_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_oauth_flow_dispose (GObject *object)
{
  ChutesOAuthFlow *self = CHUTES_OAUTH_FLOW (object);

  g_clear_object (&self->idp);

  G_OBJECT_CLASS (chutes_oauth_flow_parent_class)->dispose (object);
}

static void
chutes_oauth_flow_finalize (GObject *object)
{
  ChutesOAuthFlow *self = CHUTES_OAUTH_FLOW (object);

  g_clear_pointer (&self->authorize_uri, g_free);

  G_OBJECT_CLASS (chutes_oauth_flow_parent_class)->finalize (object);
}

static void
chutes_oauth_flow_class_init (ChutesOAuthFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chutes_oauth_flow_get_property;
  object_class->set_property = chutes_oauth_flow_set_property;
  object_class->dispose = chutes_oauth_flow_dispose;
  object_class->finalize = chutes_oauth_flow_finalize;

  properties[PROP_IDP] =
    g_param_spec_object ("idp", NULL, NULL,
                         CHUTES_TYPE_IDP_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_AUTHORIZE_URI] =
    g_param_spec_string ("authorize-uri", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_OPEN_BROWSER] =
    g_param_spec_boolean ("open-browser", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT, CHUTES_OAUTH_FLOW_DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_oauth_flow_init (ChutesOAuthFlow *self)
{
  self->open_browser = TRUE;
  self->timeout = CHUTES_OAUTH_FLOW_DEFAULT_TIMEOUT;
}

ChutesOAuthFlow *
chutes_oauth_flow_new (ChutesIdpClient *idp)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (idp), NULL);

  return g_object_new (CHUTES_TYPE_OAUTH_FLOW,
                       "idp", idp,
                       NULL);
}
