/* chutes-config.c: environment, then GSettings, then defaults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-config.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-tokens.h"
#include "chutes-util.h"

struct _ChutesConfig
{
  GObject    parent_instance;

  GSettings *settings;

  char      *idp_base_url;
  char      *api_base_url;
  char      *scopes;
  char      *client_id;
  char      *client_secret;
  GStrv      redirect_uris;

  guint      client_from_env : 1;
  guint      secret_from_env : 1;
};

G_DEFINE_FINAL_TYPE (ChutesConfig, chutes_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT_ID,
  PROP_HAS_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const default_redirect_uris[] = {
  "http://127.0.0.1:48723/callback",
  "http://127.0.0.1:48724/callback",
  "http://127.0.0.1:48725/callback",
  NULL
};

/* An empty variable counts as unset. */
static const char *
getenv_nonempty (const char *name)
{
  const char *value = g_getenv (name);

  return (value != NULL && *value != '\0') ? value : NULL;
}

static char *
pick_string (const char *env_name,
             GSettings  *settings,
             const char *key,
             const char *fallback)
{
  const char *env = getenv_nonempty (env_name);

  if (env != NULL)
    return g_strstrip (g_strdup (env));

  if (settings != NULL)
    {
      g_autofree char *value = g_settings_get_string (settings, key);

      g_strstrip (value);
      if (*value != '\0')
        return g_steal_pointer (&value);
    }

  return g_strdup (fallback);
}

static void
chutes_config_load (ChutesConfig *self)
{
  const char *env_uri;

  self->idp_base_url = pick_string ("CHUTES_IDP_BASE_URL", self->settings, "idp-base-url",
                                    CHUTES_DEFAULT_IDP_BASE_URL);
  self->api_base_url = pick_string ("CHUTES_API_BASE_URL", self->settings, "api-base-url",
                                    CHUTES_DEFAULT_API_BASE_URL);
  self->scopes = pick_string ("CHUTES_OAUTH_SCOPES", self->settings, "scopes",
                              CHUTES_DEFAULT_SCOPES);
  self->client_id = pick_string ("CHUTES_OAUTH_CLIENT_ID", self->settings, "client-id", NULL);
  self->client_from_env = getenv_nonempty ("CHUTES_OAUTH_CLIENT_ID") != NULL;

  if (getenv_nonempty ("CHUTES_OAUTH_CLIENT_SECRET") != NULL)
    {
      self->client_secret = g_strdup (getenv_nonempty ("CHUTES_OAUTH_CLIENT_SECRET"));
      self->secret_from_env = TRUE;
    }

  /* Trailing slashes would make "{base}/idp/token" wrong. */
  for (char **url = (char *[]) { self->idp_base_url, self->api_base_url, NULL }; *url; url++)
    {
      gsize len = strlen (*url);

      while (len > 0 && (*url)[len - 1] == '/')
        (*url)[--len] = '\0';
    }

  env_uri = getenv_nonempty ("CHUTES_OAUTH_REDIRECT_URI");
  if (env_uri != NULL)
    {
      self->redirect_uris = g_new0 (char *, 2);
      self->redirect_uris[0] = g_strstrip (g_strdup (env_uri));
    }
  else if (self->settings != NULL)
    {
      g_auto(GStrv) stored = g_settings_get_strv (self->settings, "redirect-uris");

      if (stored != NULL && stored[0] != NULL)
        self->redirect_uris = g_steal_pointer (&stored);
    }

  if (self->redirect_uris == NULL)
    self->redirect_uris = g_strdupv ((char **) default_redirect_uris);
}

static void
chutes_config_finalize (GObject *object)
{
  ChutesConfig *self = (ChutesConfig *)object;

  g_clear_object (&self->settings);
  g_clear_pointer (&self->idp_base_url, g_free);
  g_clear_pointer (&self->api_base_url, g_free);
  g_clear_pointer (&self->scopes, g_free);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->client_secret, chutes_secret_free);
  g_clear_pointer (&self->redirect_uris, g_strfreev);

  G_OBJECT_CLASS (chutes_config_parent_class)->finalize (object);
}

static void
chutes_config_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChutesConfig *self = CHUTES_CONFIG (object);

  switch (prop_id)
    {
    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;

    case PROP_HAS_CLIENT:
      g_value_set_boolean (value, chutes_config_has_client (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_config_class_init (ChutesConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chutes_config_finalize;
  object_class->get_property = chutes_config_get_property;

  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HAS_CLIENT] =
    g_param_spec_boolean ("has-client", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_config_init (ChutesConfig *self)
{
}

ChutesConfig *
chutes_config_new (GSettings *settings)
{
  ChutesConfig *self;

  g_return_val_if_fail (!settings || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CHUTES_TYPE_CONFIG, NULL);
  g_set_object (&self->settings, settings);
  chutes_config_load (self);

  return self;
}

const char *
chutes_config_get_idp_base_url (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return self->idp_base_url;
}

const char *
chutes_config_get_api_base_url (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return self->api_base_url;
}

const char *
chutes_config_get_scopes (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return self->scopes;
}

const char *
chutes_config_get_client_id (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return self->client_id;
}

const char *
chutes_config_get_client_secret (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return self->client_secret;
}

const char * const *
chutes_config_get_redirect_uris (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), NULL);

  return (const char * const *)self->redirect_uris;
}

const char * const *
chutes_config_get_default_redirect_uris (void)
{
  return default_redirect_uris;
}

gboolean
chutes_config_has_client (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), FALSE);

  return self->client_id != NULL && *self->client_id != '\0' &&
         self->client_secret != NULL && *self->client_secret != '\0';
}

gboolean
chutes_config_client_from_environment (ChutesConfig *self)
{
  g_return_val_if_fail (CHUTES_IS_CONFIG (self), FALSE);

  return self->client_from_env && self->secret_from_env;
}

gboolean
chutes_config_is_local_server (ChutesConfig *self)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (CHUTES_IS_CONFIG (self), FALSE);

  uri = g_uri_parse (self->idp_base_url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && chutes_http_uri_is_loopback (uri);
}

static gboolean
check_redirect_uri (const char  *redirect_uri,
                    GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL ||
      g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 ||
      g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") != 0 ||
      g_uri_get_port (uri) <= 0 ||
      g_uri_get_userinfo (uri) != NULL ||
      g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL ||
      g_uri_get_path (uri)[0] != '/')
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   /* Translators: %s is a URL */
                   _("The redirect URI “%s” can’t be used. It must look like "
                     "http://127.0.0.1:PORT/callback, with the same port and path as registered "
                     "for the OAuth app."), redirect_uri);
      return FALSE;
    }

  return TRUE;
}

gboolean
chutes_config_validate (ChutesConfig  *self,
                        GError       **error)
{
  g_autofree char *idp = NULL;
  g_autofree char *api = NULL;

  g_return_val_if_fail (CHUTES_IS_CONFIG (self), FALSE);

  /* Translators: “identity provider” and “model gateway” fill the %s of
   * “No address is set for the %s.” and the other address errors; include
   * the article your translation of those sentences needs */
  if (!(idp = chutes_http_check_base_url (self->idp_base_url, _("identity provider"), error)))
    return FALSE;

  /* Translators: see “identity provider” */
  if (!(api = chutes_http_check_base_url (self->api_base_url, _("model gateway"), error)))
    return FALSE;

  if (self->scopes == NULL || *self->scopes == '\0')
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                           _("No OAuth scopes are set."));
      return FALSE;
    }

  for (guint i = 0; self->redirect_uris[i] != NULL; i++)
    {
      if (!check_redirect_uri (self->redirect_uris[i], error))
        return FALSE;
    }

  return TRUE;
}

void
chutes_config_set_client (ChutesConfig *self,
                          const char   *client_id,
                          const char   *client_secret)
{
  gboolean had_client;

  g_return_if_fail (CHUTES_IS_CONFIG (self));
  g_return_if_fail (client_id != NULL);

  had_client = chutes_config_has_client (self);

  if (chutes_set_str (&self->client_id, client_id))
    {
      if (self->settings != NULL && !self->client_from_env)
        g_settings_set_string (self->settings, "client-id", client_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
    }

  g_clear_pointer (&self->client_secret, chutes_secret_free);
  self->client_secret = g_strdup (client_secret);

  if (had_client != chutes_config_has_client (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CLIENT]);
}

void
chutes_config_set_client_secret (ChutesConfig *self,
                                 const char   *client_secret)
{
  gboolean had_client;

  g_return_if_fail (CHUTES_IS_CONFIG (self));

  had_client = chutes_config_has_client (self);

  g_clear_pointer (&self->client_secret, chutes_secret_free);
  self->client_secret = g_strdup (client_secret);

  if (had_client != chutes_config_has_client (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CLIENT]);
}

void
chutes_config_forget_client (ChutesConfig *self)
{
  gboolean had_client;

  g_return_if_fail (CHUTES_IS_CONFIG (self));

  had_client = chutes_config_has_client (self);

  if (self->settings != NULL)
    g_settings_reset (self->settings, "client-id");

  if (!self->client_from_env)
    {
      if (chutes_set_str (&self->client_id, NULL))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
    }

  if (!self->secret_from_env)
    g_clear_pointer (&self->client_secret, chutes_secret_free);

  if (had_client != chutes_config_has_client (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CLIENT]);
}
