/* chutes-loopback-server.c: catches the OAuth redirect on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RFC 8252 section 7.3: a native app receives the authorization response on
 * a loopback redirect URI. Chutes matches redirect URIs as exact strings, so
 * we listen on the fixed port of one of the registered URIs, on 127.0.0.1
 * only, and answer the browser with a small self-contained page.
 *
 * Anything that is not the callback we wait for (another path, a wrong Host,
 * a wrong or missing state, a malformed query) gets an error page and the
 * server keeps listening: a stray or hostile request never ends the sign-in.
 * The replies (small HTML pages) and the check of the callback's query are in
 * chutes-loopback-reply.c; this file binds, waits, completes and stops.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "chutes-error.h"
#include "chutes-loopback-reply.h"
#include "chutes-loopback-server.h"
#include "chutes-tokens.h"

/* When the browser never reads the final page, give up waiting for it. */
#define PAGE_DELIVERY_GRACE_SECONDS 5

struct _ChutesLoopbackServer
{
  GObject     parent_instance;

  GStrv       redirect_uris;
  char       *expected_state;   /* secret */

  SoupServer *server;
  char       *redirect_uri;     /* the one in use */
  char       *path;             /* its path, still %-encoded */
  char       *host;             /* "127.0.0.1:PORT", the only Host accepted */
  int         port;

  GTask      *task;             /* the pending wait, if any */
  GSource    *cancel_source;
  guint       timeout_id;
  guint       grace_id;
  guint       complete_id;

  /* The outcome, once a callback with the right state came in. */
  gboolean    has_outcome;
  char       *code;             /* secret */
  GError     *outcome_error;

  gboolean    finished;         /* the wait has completed */
};

G_DEFINE_FINAL_TYPE (ChutesLoopbackServer, chutes_loopback_server, G_TYPE_OBJECT)

/* Completing the wait ----------------------------------------------------- */

static void
stop_listening (ChutesLoopbackServer *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->grace_id, g_source_remove);
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }

  if (self->server != NULL)
    {
      g_debug ("Loopback server: stopped listening on %s", self->host);
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}

static GError *
cancelled_error_new (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Sign-in was cancelled."));
}

/* Stops listening and returns the outcome (or @error, when set) to the
 * pending wait. Always runs from a main-loop source, never from inside a
 * SoupServer signal or a caller's function. */
static void
complete_wait (ChutesLoopbackServer *self,
               GError               *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  g_clear_handle_id (&self->complete_id, g_source_remove);
  stop_listening (self);
  self->finished = TRUE;

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  /* GTask turns any of these into G_IO_ERROR_CANCELLED when the wait's
   * cancellable has fired in the meantime. */
  if (error != NULL)
    g_task_return_error (task, error);
  else if (self->outcome_error != NULL)
    g_task_return_error (task, g_steal_pointer (&self->outcome_error));
  else
    g_task_return_pointer (task, g_steal_pointer (&self->code),
                           (GDestroyNotify) chutes_secret_free);
}

static gboolean
complete_in_idle_cb (gpointer user_data)
{
  ChutesLoopbackServer *self = user_data;

  self->complete_id = 0;
  complete_wait (self, NULL);

  return G_SOURCE_REMOVE;
}

/* The final page went out (or the browser went away): finish in an idle so
 * the SoupServer is not torn down from inside its own signal. */
static void
schedule_completion (ChutesLoopbackServer *self)
{
  if (self->task == NULL || self->complete_id != 0)
    return;

  self->complete_id = g_idle_add_full (G_PRIORITY_DEFAULT, complete_in_idle_cb,
                                       g_object_ref (self), g_object_unref);
}

static void
final_page_finished_cb (SoupServerMessage    *msg,
                        ChutesLoopbackServer *self)
{
  schedule_completion (self);
}

static gboolean
page_delivery_grace_cb (gpointer user_data)
{
  ChutesLoopbackServer *self = user_data;

  self->grace_id = 0;
  g_debug ("Loopback server: the browser did not read the final page in time");
  schedule_completion (self);

  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  ChutesLoopbackServer *self = user_data;
  guint timeout_seconds = GPOINTER_TO_UINT (g_task_get_task_data (self->task));
  g_autofree char *duration = NULL;

  self->timeout_id = 0;

  /* A callback arrived and its page is on its way: that outcome wins. */
  if (self->has_outcome)
    {
      complete_wait (self, NULL);
      return G_SOURCE_REMOVE;
    }

  if (timeout_seconds >= 60)
    duration = g_strdup_printf (ngettext ("%u minute", "%u minutes", timeout_seconds / 60),
                                timeout_seconds / 60);
  else
    duration = g_strdup_printf (ngettext ("%u second", "%u seconds", timeout_seconds),
                                timeout_seconds);

  g_debug ("Loopback server: no callback within %u s", timeout_seconds);
  complete_wait (self,
                 g_error_new (CHUTES_ERROR, CHUTES_ERROR_TIMED_OUT,
                              /* TRANSLATORS: %s is a duration such as "5 minutes" */
                              _("The browser didn't come back within %s. "
                                "Make sure you finished signing in there, then try again."),
                              duration));

  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  ChutesLoopbackServer *self = user_data;

  g_debug ("Loopback server: wait cancelled");
  complete_wait (self, cancelled_error_new ());

  return G_SOURCE_REMOVE;
}

/* Handling requests -------------------------------------------------------- */

static void
handle_callback (ChutesLoopbackServer *self,
                 SoupServerMessage    *msg,
                 const char           *query)
{
  g_auto(ChutesLoopbackReply) reply = { 0, };
  ChutesLoopbackCallback kind;

  if (self->has_outcome || self->finished)
    {
      chutes_loopback_reply_respond (msg, SOUP_STATUS_OK, _("Already finished"),
                                    _("This sign-in is already finished. You can close this tab."));
      return;
    }

  kind = chutes_loopback_reply_check_callback (query, self->expected_state, &reply,
                                               &self->code, &self->outcome_error);
  chutes_loopback_reply_respond (msg, reply.status, reply.heading, reply.text);

  /* A stray request does not end the sign-in. */
  if (kind == CHUTES_LOOPBACK_CALLBACK_STRAY)
    return;

  self->has_outcome = TRUE;

  /* Complete once the page has been written, not before. */
  g_signal_connect_object (msg, "finished", G_CALLBACK (final_page_finished_cb), self, 0);
  self->grace_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, PAGE_DELIVERY_GRACE_SECONDS,
                                               page_delivery_grace_cb,
                                               g_object_ref (self), g_object_unref);
}

static void
server_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query_table,
                   gpointer           user_data)
{
  ChutesLoopbackServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *host;
  GUri *uri;

  /* DNS rebinding: a page on evil.example resolving to 127.0.0.1 would
   * send Host: evil.example. An absolute request target must name us too. */
  host = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Host");
  uri = soup_server_message_get_uri (msg);
  if (g_strcmp0 (host, self->host) != 0
      || g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") != 0
      || g_uri_get_port (uri) != self->port)
    {
      g_debug ("Loopback server: refused a request for another host");
      chutes_loopback_reply_respond (msg, SOUP_STATUS_BAD_REQUEST, _("Wrong address"),
                         _("This address only finishes signing in to Chutes."));
      return;
    }

  if (g_strcmp0 (g_uri_get_path (uri), self->path) != 0)
    {
      chutes_loopback_reply_respond (msg, SOUP_STATUS_NOT_FOUND, _("Not found"),
                         _("This address only finishes signing in to Chutes."));
      return;
    }

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET, HEAD");
      chutes_loopback_reply_respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("Not allowed"),
                         _("This address only finishes signing in to Chutes."));
      return;
    }

  handle_callback (self, msg, g_uri_get_query (uri));
}

/* Starting ---------------------------------------------------------------- */

/* The port and path of an http://127.0.0.1:PORT/PATH URI, or FALSE. */
static gboolean
parse_redirect_uri (const char  *redirect_uri,
                    guint       *port,
                    char       **path,
                    GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (redirect_uri, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL
      || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
      || g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") != 0
      || g_uri_get_port (uri) <= 0
      || g_uri_get_userinfo (uri) != NULL
      || g_uri_get_query (uri) != NULL
      || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                   _("The redirect URI “%s” cannot be used. Sign-in needs "
                     "http://127.0.0.1:PORT/PATH with a fixed port."),
                   redirect_uri);
      return FALSE;
    }

  *port = (guint) g_uri_get_port (uri);
  *path = g_strdup (*g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/");

  return TRUE;
}

gboolean
chutes_loopback_server_start (ChutesLoopbackServer  *self,
                              GError               **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GString) busy_ports = NULL;
  guint n_busy = 0;

  g_return_val_if_fail (CHUTES_IS_LOOPBACK_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL && !self->finished, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Refuse a bad configuration before binding anything. */
  for (guint i = 0; self->redirect_uris[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      guint port;

      if (!parse_redirect_uri (self->redirect_uris[i], &port, &path, error))
        return FALSE;
    }

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  busy_ports = g_string_new (NULL);

  for (guint i = 0; self->redirect_uris[i] != NULL; i++)
    {
      g_autoptr(SoupServer) server = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *path = NULL;
      guint port;

      parse_redirect_uri (self->redirect_uris[i], &port, &path, NULL);
      address = g_inet_socket_address_new (loopback, port);
      server = soup_server_new ("server-header", NULL, NULL);

      if (!soup_server_listen (server, address, 0, &local_error))
        {
          g_debug ("Loopback server: port %u is not available: %s", port, local_error->message);
          if (busy_ports->len > 0)
            g_string_append (busy_ports, ", ");
          g_string_append_printf (busy_ports, "%u", port);
          n_busy++;
          continue;
        }

      soup_server_add_handler (server, NULL, server_handler_cb, self, NULL);

      self->server = g_steal_pointer (&server);
      self->redirect_uri = g_strdup (self->redirect_uris[i]);
      self->path = g_steal_pointer (&path);
      self->host = g_strdup_printf ("127.0.0.1:%u", port);
      self->port = (int) port;

      g_debug ("Loopback server: listening on %s", self->host);
      return TRUE;
    }

  if (n_busy == 0)
    g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                         _("No redirect URI is set up for signing in."));
  else
    g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PORT_BUSY,
                 ngettext ("Port %s on 127.0.0.1 is in use by another program. "
                           "Close it or register another redirect URI.",
                           "Ports %s on 127.0.0.1 are in use by other programs. "
                           "Close one of them or register another redirect URI.",
                           n_busy),
                 busy_ports->str);

  return FALSE;
}

const char *
chutes_loopback_server_get_redirect_uri (ChutesLoopbackServer *self)
{
  g_return_val_if_fail (CHUTES_IS_LOOPBACK_SERVER (self), NULL);

  return self->redirect_uri;
}

/* Waiting ----------------------------------------------------------------- */

void
chutes_loopback_server_wait_async (ChutesLoopbackServer *self,
                                   guint                 timeout_seconds,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHUTES_IS_LOOPBACK_SERVER (self));
  g_return_if_fail (self->task == NULL);
  g_return_if_fail (timeout_seconds > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_loopback_server_wait_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (timeout_seconds), NULL);

  if (self->finished || (self->server == NULL && !self->has_outcome))
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_FAILED,
                               _("This sign-in attempt is already over. Start again."));
      return;
    }

  self->task = g_steal_pointer (&task);

  /* A callback that came in before anyone waited. */
  if (self->has_outcome)
    {
      schedule_completion (self);
      return;
    }

  self->timeout_id = g_timeout_add_seconds (timeout_seconds, timeout_cb, self);

  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (cancelled_cb), self, NULL);
      g_source_attach (self->cancel_source, g_task_get_context (self->task));
    }
}

char *
chutes_loopback_server_wait_finish (ChutesLoopbackServer  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (CHUTES_IS_LOOPBACK_SERVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        chutes_loopback_server_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
chutes_loopback_server_stop (ChutesLoopbackServer *self)
{
  g_return_if_fail (CHUTES_IS_LOOPBACK_SERVER (self));

  stop_listening (self);

  /* A pending wait ends as cancelled, from an idle so its callback does not
   * run inside our caller. */
  if (self->task != NULL && self->complete_id == 0)
    {
      g_clear_pointer (&self->code, chutes_secret_free);
      g_clear_error (&self->outcome_error);
      self->outcome_error = cancelled_error_new ();
      self->has_outcome = TRUE;
      schedule_completion (self);
    }
}

/* Object ------------------------------------------------------------------ */

static void
chutes_loopback_server_dispose (GObject *object)
{
  ChutesLoopbackServer *self = CHUTES_LOOPBACK_SERVER (object);

  stop_listening (self);
  g_clear_handle_id (&self->complete_id, g_source_remove);
  g_clear_object (&self->task);

  G_OBJECT_CLASS (chutes_loopback_server_parent_class)->dispose (object);
}

static void
chutes_loopback_server_finalize (GObject *object)
{
  ChutesLoopbackServer *self = CHUTES_LOOPBACK_SERVER (object);

  g_clear_pointer (&self->redirect_uris, g_strfreev);
  g_clear_pointer (&self->expected_state, chutes_secret_free);
  g_clear_pointer (&self->redirect_uri, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->code, chutes_secret_free);
  g_clear_error (&self->outcome_error);

  G_OBJECT_CLASS (chutes_loopback_server_parent_class)->finalize (object);
}

static void
chutes_loopback_server_class_init (ChutesLoopbackServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_loopback_server_dispose;
  object_class->finalize = chutes_loopback_server_finalize;
}

static void
chutes_loopback_server_init (ChutesLoopbackServer *self)
{
}

ChutesLoopbackServer *
chutes_loopback_server_new (const char * const *redirect_uris,
                            const char         *expected_state)
{
  ChutesLoopbackServer *self;

  g_return_val_if_fail (redirect_uris != NULL, NULL);
  g_return_val_if_fail (expected_state != NULL && *expected_state != '\0', NULL);

  self = g_object_new (CHUTES_TYPE_LOOPBACK_SERVER, NULL);
  self->redirect_uris = g_strdupv ((char **) redirect_uris);
  self->expected_state = g_strdup (expected_state);

  return self;
}
