/* chutes-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-http.h"

SoupSession *
chutes_http_session_new (void)
{
  return soup_session_new_with_options ("user-agent", "Chutes/" PACKAGE_VERSION " (GNOME; " APP_ID ")",
                                        "timeout", 60,
                                        "idle-timeout", 60,
                                        "max-conns-per-host", 6,
                                        NULL);
}

gboolean
chutes_http_uri_is_loopback (GUri *uri)
{
  const char *host;
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (uri != NULL, FALSE);

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  /* GUri keeps the brackets off IPv6 literals. */
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return FALSE;

  return g_inet_address_get_is_loopback (address);
}

char *
chutes_http_check_base_url (const char  *base_url,
                            const char  *what,
                            GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *trimmed = NULL;
  const char *scheme;
  gsize len;

  g_return_val_if_fail (what != NULL, NULL);

  if (base_url == NULL || *base_url == '\0')
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   /* Translators: %s is e.g. "identity provider" */
                   _("No address is set for the %s."), what);
      return NULL;
    }

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   /* Translators: first %s is e.g. "identity provider", second the address */
                   _("The %s address “%s” is not a valid URL."), what, base_url);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   _("The %s address “%s” has no host name."), what, base_url);
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   _("The %s address must not contain a user name or password."), what);
      return NULL;
    }

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    ;
  else if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      if (!chutes_http_uri_is_loopback (uri))
        {
          g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                       _("The %s address “%s” uses unencrypted http://, which is only allowed for "
                         "this computer (127.0.0.1, ::1 or localhost). Use https:// instead."),
                       what, base_url);
          return NULL;
        }
    }
  else
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   _("The %s address “%s” must start with https://."), what, base_url);
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   _("The %s address “%s” must not contain “?” or “#”."), what, base_url);
      return NULL;
    }

  trimmed = g_strdup (base_url);
  len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';

  return g_steal_pointer (&trimmed);
}

char *
chutes_http_build_url (const char *base,
                       const char *path)
{
  g_return_val_if_fail (base != NULL, NULL);
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  return g_strconcat (base, path, NULL);
}

char *
chutes_http_dup_host (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL)
    return g_strdup ("");

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (url);

  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
}
