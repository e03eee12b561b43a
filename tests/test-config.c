/* test-config.c: where the app looks for its IDP, gateway and client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-config.h"
#include "chutes-error.h"
#include "chutes-http.h"

static const char * const env_names[] = {
  "CHUTES_OAUTH_CLIENT_ID", "CHUTES_OAUTH_CLIENT_SECRET", "CHUTES_OAUTH_SCOPES",
  "CHUTES_OAUTH_REDIRECT_URI", "CHUTES_IDP_BASE_URL", "CHUTES_API_BASE_URL",
};

static void
assert_client_id_setting (GSettings  *settings,
                          const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, "client-id");

  g_assert_cmpstr (value, ==, expected);
}

static void
clear_env (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (env_names); i++)
    g_unsetenv (env_names[i]);
}

static GSettings *
new_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("ai.chutes.Desktop");

  /* The memory backend is shared by the process: start from defaults. */
  g_settings_reset (settings, "client-id");
  g_settings_reset (settings, "redirect-uris");
  g_settings_reset (settings, "idp-base-url");
  g_settings_reset (settings, "api-base-url");
  g_settings_reset (settings, "scopes");

  return g_steal_pointer (&settings);
}

static void
test_defaults_are_chutes_ai (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(ChutesConfig) config = NULL;
  const char * const *uris;

  clear_env ();
  config = chutes_config_new (settings);

  g_assert_cmpstr (chutes_config_get_idp_base_url (config), ==, "https://api.chutes.ai");
  g_assert_cmpstr (chutes_config_get_api_base_url (config), ==, "https://llm.chutes.ai/v1");
  g_assert_cmpstr (chutes_config_get_scopes (config), ==, "openid profile chutes:invoke");
  g_assert_null (chutes_config_get_client_id (config));
  g_assert_false (chutes_config_has_client (config));
  g_assert_false (chutes_config_is_local_server (config));

  uris = chutes_config_get_redirect_uris (config);
  g_assert_cmpuint (g_strv_length ((char **) uris), ==, 3);
  for (guint i = 0; uris[i]; i++)
    g_assert_true (g_str_has_prefix (uris[i], "http://127.0.0.1:"));
  g_assert_true (chutes_config_validate (config, NULL));
}

static void
test_environment_beats_settings (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(ChutesConfig) config = NULL;
  const char * const *uris;

  clear_env ();
  g_settings_set_string (settings, "client-id", "cid_fromsettings");
  g_settings_set_string (settings, "idp-base-url", "https://idp.example.org/");
  g_settings_set_string (settings, "scopes", "openid");
  g_setenv ("CHUTES_OAUTH_CLIENT_ID", "cid_fromenv", TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_SECRET", "csc_fromenv", TRUE);
  g_setenv ("CHUTES_OAUTH_REDIRECT_URI", "http://127.0.0.1:5555/cb", TRUE);
  g_setenv ("CHUTES_API_BASE_URL", "http://127.0.0.1:9/v1/", TRUE);

  config = chutes_config_new (settings);

  g_assert_cmpstr (chutes_config_get_client_id (config), ==, "cid_fromenv");
  g_assert_cmpstr (chutes_config_get_client_secret (config), ==, "csc_fromenv");
  g_assert_true (chutes_config_has_client (config));
  g_assert_true (chutes_config_client_from_environment (config));
  /* Settings still count where the environment is silent, without the trailing slash. */
  g_assert_cmpstr (chutes_config_get_idp_base_url (config), ==, "https://idp.example.org");
  g_assert_cmpstr (chutes_config_get_scopes (config), ==, "openid");
  g_assert_cmpstr (chutes_config_get_api_base_url (config), ==, "http://127.0.0.1:9/v1");

  uris = chutes_config_get_redirect_uris (config);
  g_assert_cmpuint (g_strv_length ((char **) uris), ==, 1);
  g_assert_cmpstr (uris[0], ==, "http://127.0.0.1:5555/cb");

  /* A client from the environment is not written into the settings. */
  chutes_config_set_client (config, "cid_other", "csc_other");
  assert_client_id_setting (settings, "cid_fromsettings");
  clear_env ();
}

static void
test_empty_variable_counts_as_unset (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(ChutesConfig) config = NULL;

  clear_env ();
  g_setenv ("CHUTES_IDP_BASE_URL", "", TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_ID", "", TRUE);
  config = chutes_config_new (settings);

  g_assert_cmpstr (chutes_config_get_idp_base_url (config), ==, "https://api.chutes.ai");
  g_assert_null (chutes_config_get_client_id (config));
  clear_env ();
}

static void
count_cb (guint *counter)
{
  (*counter)++;
}

static void
test_client_id_goes_to_settings_secret_does_not (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(ChutesConfig) config = NULL;
  g_autoptr(ChutesConfig) reread = NULL;
  guint notified = 0;

  clear_env ();
  config = chutes_config_new (settings);
  g_signal_connect_swapped (config, "notify::has-client", G_CALLBACK (count_cb), &notified);

  chutes_config_set_client (config, "cid_abc", "csc_secret");
  g_assert_true (chutes_config_has_client (config));
  g_assert_cmpuint (notified, ==, 1);
  assert_client_id_setting (settings, "cid_abc");

  /* Nothing in the settings schema can hold the secret. */
  reread = chutes_config_new (settings);
  g_assert_cmpstr (chutes_config_get_client_id (reread), ==, "cid_abc");
  g_assert_null (chutes_config_get_client_secret (reread));
  g_assert_false (chutes_config_has_client (reread));

  chutes_config_forget_client (config);
  g_assert_false (chutes_config_has_client (config));
  g_assert_cmpuint (notified, ==, 2);
  assert_client_id_setting (settings, "");
}

static void
test_http_refused_except_loopback (void)
{
  struct {
    const char *url;
    gboolean    ok;
  } cases[] = {
    { "https://api.chutes.ai", TRUE },
    { "https://api.chutes.ai/", TRUE },
    { "http://127.0.0.1:8080", TRUE },
    { "http://127.1.2.3", TRUE },
    { "http://[::1]:8080", TRUE },
    { "http://localhost:8080", TRUE },
    { "http://api.chutes.ai", FALSE },
    { "http://10.0.0.1", FALSE },
    { "http://127.0.0.1.evil.example", FALSE },
    { "http://localhost.evil.example", FALSE },
    { "ftp://api.chutes.ai", FALSE },
    { "https://user:pw@api.chutes.ai", FALSE },
    { "https://api.chutes.ai/?x=1", FALSE },
    { "api.chutes.ai", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *checked = chutes_http_check_base_url (cases[i].url, "identity provider", &error);

      g_test_message ("%s", cases[i].url);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_false (g_str_has_suffix (checked, "/"));
        }
      else
        {
          g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
          g_assert_null (checked);
          g_assert_nonnull (strstr (error->message, "identity provider"));
        }
    }
}

static void
test_plain_http_idp_is_refused_by_validate (void)
{
  g_autoptr(ChutesConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  clear_env ();
  g_setenv ("CHUTES_IDP_BASE_URL", "http://api.chutes.ai", TRUE);
  config = chutes_config_new (NULL);

  g_assert_false (chutes_config_validate (config, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "http://api.chutes.ai"));
  clear_env ();
}

static void
test_redirect_uri_must_be_numeric_loopback_with_port (void)
{
  const char *bad[] = {
    "http://localhost:48723/callback",
    "http://127.0.0.1/callback",
    "https://127.0.0.1:48723/callback",
    "http://0.0.0.0:48723/callback",
    "http://127.0.0.1:48723/callback?x=1",
    "ai.chutes.desktop:/callback",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ChutesConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      clear_env ();
      g_setenv ("CHUTES_OAUTH_REDIRECT_URI", bad[i], TRUE);
      config = chutes_config_new (NULL);

      g_test_message ("%s", bad[i]);
      g_assert_false (chutes_config_validate (config, &error));
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
  clear_env ();
}

static void
test_loopback_idp_is_marked_local (void)
{
  g_autoptr(ChutesConfig) config = NULL;

  clear_env ();
  g_setenv ("CHUTES_IDP_BASE_URL", "http://127.0.0.1:4000", TRUE);
  config = chutes_config_new (NULL);
  g_assert_true (chutes_config_is_local_server (config));
  clear_env ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults-are-chutes-ai", test_defaults_are_chutes_ai);
  g_test_add_func ("/config/environment-beats-settings", test_environment_beats_settings);
  g_test_add_func ("/config/empty-variable-counts-as-unset", test_empty_variable_counts_as_unset);
  g_test_add_func ("/config/client-id-in-settings-secret-never", test_client_id_goes_to_settings_secret_does_not);
  g_test_add_func ("/config/plain-http-only-for-loopback", test_http_refused_except_loopback);
  g_test_add_func ("/config/plain-http-idp-refused-with-its-address", test_plain_http_idp_is_refused_by_validate);
  g_test_add_func ("/config/redirect-uri-must-be-127.0.0.1-with-port", test_redirect_uri_must_be_numeric_loopback_with_port);
  g_test_add_func ("/config/loopback-idp-is-the-demo", test_loopback_idp_is_marked_local);

  return g_test_run ();
}
