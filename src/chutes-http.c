/* chutes-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

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

/* Bounded reads ------------------------------------------------------------ */

typedef struct
{
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *body;
  gsize         limit;
  gboolean      cut;        /* an error reply: keep the head, drop the rest */
  int           io_priority;
  guint8        chunk[16 * 1024];
} BoundedRead;

static void
bounded_read_free (BoundedRead *read)
{
  g_clear_object (&read->msg);
  g_clear_object (&read->stream);
  /* The body may hold tokens: clear it before the allocator gets it back. */
  if (read->body != NULL)
    {
      explicit_bzero (read->body->data, read->body->len);
      g_byte_array_unref (read->body);
    }
  explicit_bzero (read->chunk, sizeof read->chunk);
  g_free (read);
}

static void
return_too_large (GTask *task)
{
  BoundedRead *read = g_task_get_task_data (task);
  g_autofree char *limit = g_format_size (read->limit);
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (read->msg));
  g_autofree char *host = chutes_http_dup_host (url);

  g_debug ("Reply from %s passes %" G_GSIZE_FORMAT " bytes; not reading on",
           host, read->limit);
  g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           /* Translators: the first %s is a host name, the second a
                            * size such as "8.4 MB" */
                           _("%s sent a reply larger than %s, more than Chutes for GNOME "
                             "reads; it stopped reading."),
                           host, limit);
}

static void read_more (GTask *task);

static void
bounded_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *read = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (n == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&read->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (read->body->len + (gsize) n > read->limit)
    {
      if (!read->cut)
        {
          return_too_large (task);
          return;
        }

      g_byte_array_append (read->body, read->chunk, read->limit - read->body->len);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&read->body)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }

  g_byte_array_append (read->body, read->chunk, n);
  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  BoundedRead *read = g_task_get_task_data (task);

  g_input_stream_read_async (read->stream, read->chunk, sizeof read->chunk,
                             read->io_priority, g_task_get_cancellable (task),
                             bounded_read_cb, task);
}

static void
bounded_send_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BoundedRead *read = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  goffset length = 0;

  read->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (read->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (read->msg)))
    {
      read->limit = MIN (read->limit, CHUTES_HTTP_MAX_ERROR_BODY);
      read->cut = TRUE;
    }

  headers = soup_message_get_response_headers (read->msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = soup_message_headers_get_content_length (headers);

  if (!read->cut && length > 0 && (guint64) length > read->limit)
    {
      return_too_large (task);
      return;
    }

  /* Content-Length is a hint for the allocation, never a promise. */
  read->body = g_byte_array_sized_new (CLAMP (length, 0, (goffset) MIN (read->limit, 1024 * 1024)));
  read_more (g_steal_pointer (&task));
}

void
chutes_http_send_and_read_async (SoupSession         *session,
                                 SoupMessage         *msg,
                                 gsize                max_size,
                                 int                  io_priority,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BoundedRead *read;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (SOUP_IS_MESSAGE (msg));
  g_return_if_fail (max_size > 0);

  task = g_task_new (session, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_http_send_and_read_async);

  read = g_new0 (BoundedRead, 1);
  read->msg = g_object_ref (msg);
  read->limit = max_size;
  read->io_priority = io_priority;
  g_task_set_task_data (task, read, (GDestroyNotify) bounded_read_free);

  soup_session_send_async (session, msg, io_priority, cancellable,
                           bounded_send_cb, g_steal_pointer (&task));
}

GBytes *
chutes_http_send_and_read_finish (SoupSession   *session,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, session), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chutes_http_send_and_read_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
