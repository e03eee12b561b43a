/* test-loopback-server.c: the OAuth redirect catcher on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test talks to the real SoupServer over real loopback sockets. The
 * "browser" is a raw socket in a worker thread, so requests can be as
 * malformed as a hostile page could make them, while the server runs on the
 * main context as it does in the app.
 */

#include "config.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#include <gio/gio.h>

#include "chutes-error.h"
#include "chutes-loopback-reply.h"
#include "chutes-loopback-server.h"
#include "chutes-tokens.h"

#define STATE "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

/* Helpers ------------------------------------------------------------------ */

static guint
find_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Holds a port the way another program would. */
static GSocketListener *
occupy_port (guint port)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, NULL, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&listener);
}

static gboolean
port_is_free (guint port)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  return g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL, NULL, NULL);
}

static char *
callback_uri (guint port)
{
  return g_strdup_printf ("http://127.0.0.1:%u/oauth/callback", port);
}

static void
run_until (gboolean *flag,
           guint     timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + timeout_seconds * G_USEC_PER_SEC;

  while (!*flag)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out after %u s", timeout_seconds);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* A reply as the browser saw it. */
typedef struct
{
  gboolean connected;
  guint    status;
  char    *head;   /* status line and headers */
  char    *body;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->head);
  g_free (reply->body);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

typedef struct
{
  char   *address;
  guint   port;
  GBytes *request;
} RawRequest;

static void
raw_request_free (RawRequest *request)
{
  g_free (request->address);
  g_bytes_unref (request->request);
  g_free (request);
}

/* Splits what the browser received into status, head and body. */
static void
reply_parse (Reply      *reply,
             GByteArray *received)
{
  const char *split;

  g_byte_array_append (received, (const guint8 *) "", 1);

  split = strstr ((const char *) received->data, "\r\n\r\n");
  if (split != NULL)
    {
      reply->head = g_strndup ((const char *) received->data,
                               split - (const char *) received->data);
      reply->body = g_strdup (split + 4);
      sscanf (reply->head, "HTTP/1.%*d %u", &reply->status);
    }
}

/* In a worker thread: connect, send the bytes as they are, read to EOF. */
static void
raw_request_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  RawRequest *request = task_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) received = g_byte_array_new ();
  Reply *reply = g_new0 (Reply, 1);
  GInputStream *in;
  GOutputStream *out;
  guint8 buf[8192];
  gssize n;

  g_socket_client_set_timeout (client, 10);
  connection = g_socket_client_connect_to_host (client, request->address, request->port,
                                                NULL, NULL);
  if (connection == NULL)
    {
      g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
      return;
    }
  reply->connected = TRUE;

  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  /* The server may answer and close before reading everything (a huge
   * request); that is fine, the reply is what counts. */
  g_output_stream_write_all (out, g_bytes_get_data (request->request, NULL),
                             g_bytes_get_size (request->request), NULL, NULL, NULL);
  /* Done sending: a request that never ends its headers then fails at once
   * instead of waiting for the socket timeout. */
  g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);

  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_byte_array_append (received, buf, n);
  reply_parse (reply, received);

  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

static void
raw_request_async (const char          *address,
                   guint                port,
                   const char          *request_text,
                   gsize                request_len,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);
  RawRequest *request = g_new0 (RawRequest, 1);

  request->address = g_strdup (address);
  request->port = port;
  request->request = g_bytes_new (request_text, request_len);
  g_task_set_task_data (task, request, (GDestroyNotify) raw_request_free);
  g_task_run_in_thread (task, raw_request_thread);
}

typedef struct
{
  gboolean done;
  Reply   *reply;
} ReplyWait;

static void
raw_request_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ReplyWait *wait = user_data;

  wait->reply = g_task_propagate_pointer (G_TASK (result), NULL);
  wait->done = TRUE;
}

/* Sends @request_text (length @len, or strlen) while the main loop runs. */
static Reply *
send_raw (const char *address,
          guint       port,
          const char *request_text,
          gssize      len)
{
  ReplyWait wait = { FALSE, NULL };

  raw_request_async (address, port, request_text,
                     len < 0 ? strlen (request_text) : (gsize) len,
                     raw_request_cb, &wait);
  run_until (&wait.done, 20);

  return wait.reply;
}

/* A well-formed GET of @target, as a browser sends it. */
static Reply *
browser_get (guint       port,
             const char *target)
{
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\n"
                                              "Host: 127.0.0.1:%u\r\n"
                                              "User-Agent: test-browser\r\n"
                                              "Connection: close\r\n\r\n",
                                              target, port);

  return send_raw ("127.0.0.1", port, request, -1);
}

static void
assert_safe_page (Reply *reply)
{
  g_autofree char *head = g_ascii_strdown (reply->head, -1);

  g_assert_true (reply->connected);
  g_assert_nonnull (strstr (head, "\r\ncontent-type: text/html; charset=utf-8"));
  g_assert_nonnull (strstr (head, "\r\ncache-control: no-store"));
  g_assert_nonnull (strstr (head, "\r\nx-content-type-options: nosniff"));
  g_assert_nonnull (strstr (head, "\r\nreferrer-policy: no-referrer"));
  g_assert_nonnull (strstr (head, "\r\ncontent-security-policy: default-src 'none'"));
  g_assert_nonnull (strstr (reply->body, "<meta charset=\"utf-8\">"));
  g_assert_nonnull (strstr (reply->body, " – Chutes</title>"));
  g_assert_nonnull (strstr (reply->body, "</html>"));
  /* Nothing secret is echoed. */
  g_assert_null (strstr (reply->body, STATE));
  g_assert_null (strstr (reply->body, "the-code"));
}

/* A started server on a fresh port, and its pending wait. */
typedef struct
{
  ChutesLoopbackServer *server;
  guint                 port;
  gboolean              done;
  char                 *code;
  GError               *error;
  GCancellable         *cancellable;
} Fixture;

static void
fixture_wait_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->code = chutes_loopback_server_wait_finish (CHUTES_LOOPBACK_SERVER (source),
                                                      result, &fixture->error);
  fixture->done = TRUE;
}

static void
fixture_start (Fixture *fixture,
               guint    timeout_seconds,
               gboolean wait)
{
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;

  fixture->port = find_free_port ();
  uri = callback_uri (fixture->port);
  fixture->server = chutes_loopback_server_new ((const char *[]) { uri, NULL }, STATE);
  fixture->cancellable = g_cancellable_new ();

  g_assert_true (chutes_loopback_server_start (fixture->server, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (chutes_loopback_server_get_redirect_uri (fixture->server), ==, uri);

  if (wait)
    chutes_loopback_server_wait_async (fixture->server, timeout_seconds, fixture->cancellable,
                                       fixture_wait_cb, fixture);
}

static void
fixture_finish (Fixture *fixture)
{
  run_until (&fixture->done, 20);
}

static void
fixture_clear (Fixture *fixture)
{
  g_assert_finalize_object (fixture->server);
  g_clear_object (&fixture->cancellable);
  g_clear_pointer (&fixture->code, g_free);
  g_clear_error (&fixture->error);
}

/* Tests --------------------------------------------------------------------- */

static void
test_right_state_returns_code (void)
{
  Fixture f = { NULL, };
  g_autoptr(Reply) reply = NULL;

  fixture_start (&f, 30, TRUE);
  reply = browser_get (f.port, "/oauth/callback?code=the-code&state=" STATE);

  g_assert_cmpuint (reply->status, ==, 200);
  assert_safe_page (reply);
  g_assert_nonnull (strstr (reply->body,
                            "Signed in. You can close this tab and return to Chutes."));

  fixture_finish (&f);
  g_assert_no_error (f.error);
  g_assert_cmpstr (f.code, ==, "the-code");
  /* The server let go of the port once the page was out. */
  g_assert_true (port_is_free (f.port));

  fixture_clear (&f);
}

static void
test_favicon_keeps_listening (void)
{
  Fixture f = { NULL, };
  const char *others[] = { "/favicon.ico", "/", "/oauth/callback/extra", "/oauth",
                           "/OAUTH/CALLBACK?code=x&state=" STATE };

  fixture_start (&f, 30, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autoptr(Reply) reply = browser_get (f.port, others[i]);

      g_assert_cmpuint (reply->status, ==, 404);
      assert_safe_page (reply);
      g_assert_false (f.done);
    }

  reply_free (browser_get (f.port, "/oauth/callback?state=" STATE "&code=c2"));
  fixture_finish (&f);
  g_assert_no_error (f.error);
  g_assert_cmpstr (f.code, ==, "c2");

  fixture_clear (&f);
}

static void
test_wrong_state_keeps_listening (void)
{
  Fixture f = { NULL, };
  const char *wrong[] = {
    "/oauth/callback?code=evil&state=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
    "/oauth/callback?code=evil&state=dBjftJeZ4CVP",
    "/oauth/callback?code=evil&state=",
    "/oauth/callback?code=evil",
    "/oauth/callback",
    "/oauth/callback?error=access_denied",
    "/oauth/callback?error=access_denied&state=nope",
  };
  g_autoptr(Reply) good = NULL;

  fixture_start (&f, 30, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr(Reply) reply = browser_get (f.port, wrong[i]);

      g_assert_cmpuint (reply->status, ==, 400);
      assert_safe_page (reply);
      /* The apostrophe is escaped in the page. */
      g_assert_nonnull (strstr (reply->body, "This sign-in response doesn&apos;t belong to the "
                                             "current sign-in attempt"));
    }

  /* Nothing ended the wait; the genuine callback still works. */
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (f.done);

  good = browser_get (f.port, "/oauth/callback?code=the-code&state=" STATE);
  g_assert_cmpuint (good->status, ==, 200);
  fixture_finish (&f);
  g_assert_no_error (f.error);
  g_assert_cmpstr (f.code, ==, "the-code");

  fixture_clear (&f);
}

static void
test_access_denied (void)
{
  Fixture f = { NULL, };
  g_autoptr(Reply) reply = NULL;

  fixture_start (&f, 30, TRUE);
  reply = browser_get (f.port, "/oauth/callback?error=access_denied&state=" STATE);

  g_assert_cmpuint (reply->status, ==, 200);
  assert_safe_page (reply);
  g_assert_nonnull (strstr (reply->body, "Sign-in was cancelled in the browser."));

  fixture_finish (&f);
  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_ACCESS_DENIED);
  g_assert_cmpstr (f.error->message, ==, "Sign-in was cancelled in the browser.");
  g_assert_null (f.code);

  fixture_clear (&f);
}

static void
test_invalid_scope_escaped (void)
{
  Fixture f = { NULL, };
  g_autoptr(Reply) reply = NULL;

  fixture_start (&f, 30, TRUE);
  reply = browser_get (f.port, "/oauth/callback?error=invalid_scope&state=" STATE
                       "&error_description=Unknown+scope%3A+%3Cscript%3Ealert(1)%3C%2Fscript%3E");

  g_assert_cmpuint (reply->status, ==, 200);
  assert_safe_page (reply);
  g_assert_null (strstr (reply->body, "<script>"));
  g_assert_nonnull (strstr (reply->body, "Unknown scope: &lt;script&gt;alert(1)&lt;/script&gt;"));

  fixture_finish (&f);
  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_INVALID_SCOPE);
  /* The description is kept literally for the UI (which never parses markup). */
  g_assert_nonnull (strstr (f.error->message, "Unknown scope: <script>alert(1)</script>"));

  fixture_clear (&f);
}

static void
test_long_description_is_bounded (void)
{
  Fixture f = { NULL, };
  g_autoptr(GString) target = g_string_new ("/oauth/callback?error=server_error&state=" STATE
                                            "&error_description=");
  g_autoptr(Reply) reply = NULL;

  for (guint i = 0; i < 2000; i++)
    g_string_append (target, "ab%0A");

  fixture_start (&f, 30, TRUE);
  reply = browser_get (f.port, target->str);
  g_assert_cmpuint (reply->status, ==, 200);
  assert_safe_page (reply);
  g_assert_cmpuint (strlen (reply->body), <, 2000);

  fixture_finish (&f);
  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_OAUTH);
  g_assert_cmpuint (g_utf8_strlen (f.error->message, -1), <, 400);
  g_assert_null (strchr (f.error->message, '\n'));

  fixture_clear (&f);
}

static void
test_wrong_host_refused (void)
{
  Fixture f = { NULL, };
  g_autofree char *rebound = NULL;
  g_autofree char *no_port = NULL;
  g_autoptr(Reply) reply1 = NULL;
  g_autoptr(Reply) reply2 = NULL;
  g_autoptr(Reply) reply3 = NULL;
  g_autoptr(Reply) good = NULL;

  fixture_start (&f, 30, TRUE);

  /* What a DNS-rebinding page on evil.example would send. */
  rebound = g_strdup_printf ("GET /oauth/callback?code=evil&state=%s HTTP/1.1\r\n"
                             "Host: evil.example:%u\r\nConnection: close\r\n\r\n", STATE, f.port);
  reply1 = send_raw ("127.0.0.1", f.port, rebound, -1);
  g_assert_cmpuint (reply1->status, ==, 400);
  assert_safe_page (reply1);

  no_port = g_strdup_printf ("GET /oauth/callback?code=evil&state=%s HTTP/1.1\r\n"
                             "Host: localhost:%u\r\nConnection: close\r\n\r\n", STATE, f.port);
  reply2 = send_raw ("127.0.0.1", f.port, no_port, -1);
  g_assert_cmpuint (reply2->status, ==, 400);

  /* HTTP/1.0 without any Host. */
  reply3 = send_raw ("127.0.0.1", f.port,
                     "GET /oauth/callback?code=evil&state=" STATE " HTTP/1.0\r\n\r\n", -1);
  g_assert_cmpuint (reply3->status, ==, 400);

  g_main_context_iteration (NULL, FALSE);
  g_assert_false (f.done);

  good = browser_get (f.port, "/oauth/callback?code=the-code&state=" STATE);
  g_assert_cmpuint (good->status, ==, 200);
  fixture_finish (&f);
  g_assert_cmpstr (f.code, ==, "the-code");

  fixture_clear (&f);
}

static void
test_busy_port_falls_through (void)
{
  guint busy = find_free_port ();
  g_autoptr(GSocketListener) squatter = occupy_port (busy);
  guint free_port = find_free_port ();
  g_autofree char *busy_uri = callback_uri (busy);
  g_autofree char *free_uri = callback_uri (free_port);
  g_autoptr(ChutesLoopbackServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (busy, !=, free_port);
  server = chutes_loopback_server_new ((const char *[]) { busy_uri, free_uri, NULL }, STATE);
  g_assert_true (chutes_loopback_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (chutes_loopback_server_get_redirect_uri (server), ==, free_uri);
  g_assert_false (port_is_free (free_port));

  chutes_loopback_server_stop (server);
  g_assert_true (port_is_free (free_port));
}

static void
test_all_ports_busy (void)
{
  guint port1 = find_free_port ();
  g_autoptr(GSocketListener) squatter1 = occupy_port (port1);
  guint port2 = find_free_port ();
  g_autoptr(GSocketListener) squatter2 = occupy_port (port2);
  g_autofree char *uri1 = callback_uri (port1);
  g_autofree char *uri2 = callback_uri (port2);
  g_autofree char *port1_text = g_strdup_printf ("%u", port1);
  g_autofree char *port2_text = g_strdup_printf ("%u", port2);
  g_autoptr(ChutesLoopbackServer) one = NULL;
  g_autoptr(ChutesLoopbackServer) both = NULL;
  g_autoptr(GError) error = NULL;

  one = chutes_loopback_server_new ((const char *[]) { uri1, NULL }, STATE);
  g_assert_false (chutes_loopback_server_start (one, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PORT_BUSY);
  g_assert_nonnull (strstr (error->message, port1_text));
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_nonnull (strstr (error->message, "another program"));
  g_clear_error (&error);

  both = chutes_loopback_server_new ((const char *[]) { uri1, uri2, NULL }, STATE);
  g_assert_false (chutes_loopback_server_start (both, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PORT_BUSY);
  g_assert_nonnull (strstr (error->message, port1_text));
  g_assert_nonnull (strstr (error->message, port2_text));
}

static void
test_refuses_non_loopback_uris (void)
{
  guint port = find_free_port ();
  /* Each is prefix + port + suffix. */
  const char *templates[][2] = {
    { "http://localhost:", "/oauth/callback" },
    { "https://127.0.0.1:", "/oauth/callback" },
    { "http://0.0.0.0:", "/oauth/callback" },
    { "http://[::1]:", "/oauth/callback" },
    { "http://192.168.1.1:", "/oauth/callback" },
    { "http://user@127.0.0.1:", "/oauth/callback" },
    { "http://127.0.0.1:", "/oauth/callback?x=1" },
    { "http://127.0.0.1:", "/oauth/callback#x" },
    { "chutes://127.0.0.1:", "/oauth/callback" },
    { "http://127.0.0.1/oauth/callback", "" },
    { "not a uri ", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *good = callback_uri (port);
      g_autofree char *bad = g_strdup_printf ("%s%u%s", templates[i][0], port, templates[i][1]);
      g_autoptr(ChutesLoopbackServer) server = NULL;
      g_autoptr(GError) error = NULL;

      /* Even when a good URI comes first: a bad setting is reported. */
      server = chutes_loopback_server_new ((const char *[]) { good, bad, NULL }, STATE);
      g_assert_false (chutes_loopback_server_start (server, &error));
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_CONFIG);
      g_assert_true (port_is_free (port));
    }
}

static gboolean
can_connect (const char *address,
             guint       port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 2);
  connection = g_socket_client_connect_to_host (client, address, port, NULL, NULL);

  return connection != NULL;
}

static void
test_listens_on_loopback_only (void)
{
  Fixture f = { NULL, };
  struct ifaddrs *addrs = NULL;
  guint checked = 0;

  fixture_start (&f, 30, FALSE);

  g_assert_true (can_connect ("127.0.0.1", f.port));
  /* Still loopback, but not the address we bound: a wildcard bind would
   * accept these. */
  g_assert_false (can_connect ("127.0.0.2", f.port));
  g_assert_false (can_connect ("::1", f.port));

  /* Every other address of this machine. */
  g_assert_cmpint (getifaddrs (&addrs), ==, 0);
  for (struct ifaddrs *ifa = addrs; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autofree char *text = NULL;

      if (ifa->ifa_addr == NULL ||
          (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
        continue;

      address = g_socket_address_new_from_native (ifa->ifa_addr,
                                                  ifa->ifa_addr->sa_family == AF_INET
                                                  ? sizeof (struct sockaddr_in)
                                                  : sizeof (struct sockaddr_in6));
      text = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      if (g_str_equal (text, "127.0.0.1") || g_str_has_prefix (text, "fe80:"))
        continue;

      g_test_message ("Checking %s is not served", text);
      g_assert_false (can_connect (text, f.port));
      checked++;
    }
  freeifaddrs (addrs);
  g_test_message ("Checked %u other addresses", checked);

  chutes_loopback_server_stop (f.server);
  fixture_clear (&f);
}

static void
test_times_out (void)
{
  Fixture f = { NULL, };
  gint64 started = g_get_monotonic_time ();

  fixture_start (&f, 1, TRUE);
  fixture_finish (&f);

  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (f.error->message, "1 second"));
  /* The wait really happened. A lower bound only, so a slow machine cannot
   * fail it; half a second since g_timeout_add_seconds() may fire up to a
   * quarter of a second early. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC / 2);
  g_assert_true (port_is_free (f.port));

  fixture_clear (&f);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_stops_listening (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, 30, TRUE);
  g_timeout_add (100, cancel_cb, f.cancellable);
  fixture_finish (&f);

  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (f.code);
  g_assert_true (port_is_free (f.port));

  fixture_clear (&f);
}

static void
test_stop_cancels_wait (void)
{
  Fixture f = { NULL, };

  fixture_start (&f, 30, TRUE);
  chutes_loopback_server_stop (f.server);
  /* The callback does not run inside stop (). */
  g_assert_false (f.done);
  g_assert_true (port_is_free (f.port));

  fixture_finish (&f);
  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  fixture_clear (&f);
}

static void
test_second_callback_already_finished (void)
{
  Fixture f = { NULL, };
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) second = NULL;

  /* The browser comes back before anyone waits: the outcome is kept. */
  fixture_start (&f, 30, FALSE);
  first = browser_get (f.port, "/oauth/callback?code=the-code&state=" STATE);
  g_assert_cmpuint (first->status, ==, 200);

  second = browser_get (f.port, "/oauth/callback?code=other&state=" STATE);
  assert_safe_page (second);
  g_assert_nonnull (strstr (second->body, "This sign-in is already finished"));

  chutes_loopback_server_wait_async (f.server, 30, NULL, fixture_wait_cb, &f);
  fixture_finish (&f);
  g_assert_no_error (f.error);
  g_assert_cmpstr (f.code, ==, "the-code");
  g_assert_true (port_is_free (f.port));

  fixture_clear (&f);
}

static void
test_head_and_post (void)
{
  Fixture f = { NULL, };
  g_autofree char *post = NULL;
  g_autofree char *head = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) head_reply = NULL;

  fixture_start (&f, 30, TRUE);

  post = g_strdup_printf ("POST /oauth/callback?code=evil&state=%s HTTP/1.1\r\n"
                          "Host: 127.0.0.1:%u\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 9\r\nConnection: close\r\n\r\ncode=evil",
                          STATE, f.port);
  reply = send_raw ("127.0.0.1", f.port, post, -1);
  g_assert_cmpuint (reply->status, ==, 405);
  assert_safe_page (reply);
  g_assert_nonnull (strstr (reply->head, "\r\nAllow: GET, HEAD"));

  head = g_strdup_printf ("HEAD /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                          "Connection: close\r\n\r\n", f.port);
  head_reply = send_raw ("127.0.0.1", f.port, head, -1);
  g_assert_cmpuint (head_reply->status, ==, 404);
  g_assert_cmpstr (head_reply->body, ==, "");
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (f.done);

  chutes_loopback_server_stop (f.server);
  fixture_finish (&f);
  fixture_clear (&f);
}

typedef struct
{
  guint pending;
  guint answered;
} Crowd;

static void
crowd_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Crowd *crowd = user_data;
  g_autoptr(Reply) reply = g_task_propagate_pointer (G_TASK (result), NULL);

  if (reply != NULL && reply->status == 400)
    crowd->answered++;
  crowd->pending--;
}

static void
test_hostile_requests_keep_listening (void)
{
  Fixture f = { NULL, };
  g_autoptr(GString) huge = g_string_new ("/oauth/callback?");
  g_autofree char *huge_request = NULL;
  g_autofree char *nul_request = NULL;
  g_autofree char *garbage = NULL;
  Crowd crowd = { 0, 0 };
  const char *targets[] = {
    /* %00 in the state, raw invalid UTF-8, invalid %-escapes. */
    "/oauth/callback?code=evil&state=" STATE "%00",
    "/oauth/callback?code=evil%FF%FE&state=" STATE,
    "/oauth/callback?code=%zz&state=" STATE,
    "/oauth/callback?code=\xff\xfe&state=" STATE,
    /* The same parameter twice. */
    "/oauth/callback?code=evil&state=" STATE "&state=" STATE,
    "/oauth/callback?code=evil&code=evil2&state=" STATE,
    /* Path games. */
    "/oauth/callback/../../etc/passwd?code=evil&state=" STATE,
    "/../../../oauth/callback/..%2F..%2Fx?code=evil&state=" STATE,
    "//oauth/callback?code=evil&state=" STATE,
    "/oauth/callback%00?code=evil&state=" STATE,
    "http://evil.example/oauth/callback?code=evil&state=" STATE,
    "*",
  };
  g_autoptr(Reply) good = NULL;

  fixture_start (&f, 30, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(Reply) reply = browser_get (f.port, targets[i]);
      g_autofree char *printable = g_strescape (targets[i], NULL);

      g_test_message ("%s -> %u", printable, reply->status);
      g_assert_true (reply->connected);
      g_assert_cmpuint (reply->status, >=, 400);
      g_assert_false (f.done);
    }

  /* A 200 kB query string. */
  for (guint i = 0; i < 20000; i++)
    g_string_append (huge, "state=xxxx&");
  g_string_append (huge, "code=evil");
  {
    g_autoptr(Reply) reply = browser_get (f.port, huge->str);

    g_test_message ("huge query -> %u", reply->status);
    g_assert_true (reply->status == 0 || reply->status >= 400);
  }

  /* A NUL byte in the request line itself. */
  nul_request = g_strdup_printf ("GET /oauth/callback?code=evil&state=%s HTTP/1.1\r\n"
                                 "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n", STATE, f.port);
  {
    gsize len = strlen (nul_request);
    g_autoptr(Reply) reply = NULL;

    nul_request[strlen ("GET /oauth/callback?code=ev")] = '\0';
    reply = send_raw ("127.0.0.1", f.port, nul_request, len);
    g_test_message ("NUL in request -> %u", reply->status);
    g_assert_true (reply->status == 0 || reply->status >= 400);
  }

  /* Not HTTP at all. */
  garbage = g_strnfill (5000, '\x01');
  reply_free (send_raw ("127.0.0.1", f.port, garbage, -1));

  /* Huge header block. */
  huge_request = g_strdup_printf ("GET /oauth/callback HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                  "X-Junk: %0*d\r\n\r\n", f.port, 100000, 0);
  reply_free (send_raw ("127.0.0.1", f.port, huge_request, -1));

  /* 50 connections at once, each with a wrong state. */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *request = g_strdup_printf ("GET /oauth/callback?code=evil&state=x%u "
                                                  "HTTP/1.1\r\n"
                                                  "Host: 127.0.0.1:%u\r\n"
                                                  "Connection: close\r\n\r\n", i, f.port);

      crowd.pending++;
      raw_request_async ("127.0.0.1", f.port, request, strlen (request), crowd_reply_cb, &crowd);
    }
  while (crowd.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (crowd.answered, ==, 50);
  g_assert_false (f.done);

  good = browser_get (f.port, "/oauth/callback?code=the-code&state=" STATE);
  g_assert_cmpuint (good->status, ==, 200);
  fixture_finish (&f);
  g_assert_no_error (f.error);
  g_assert_cmpstr (f.code, ==, "the-code");

  fixture_clear (&f);
}

/* Without a server: the page and the query check ---------------------------- */

static void
test_page_escapes_text (void)
{
  g_autofree char *page = chutes_loopback_reply_build ("<b>Heading</b>", "Tom & \"Jerry\" <script>");

  g_assert_true (g_str_has_prefix (page, "<!DOCTYPE html>\n"));
  g_assert_nonnull (strstr (page, "<h1>&lt;b&gt;Heading&lt;/b&gt;</h1>"));
  g_assert_nonnull (strstr (page, "<p>Tom &amp; &quot;Jerry&quot; &lt;script&gt;</p>"));
  g_assert_null (strstr (page, "<script"));
  g_assert_null (strstr (page, "<b>"));
}

/* error_description with C1 controls and bidi overrides: none reaches
 * the page or the message (U+202E would show the rest reversed). */
static void
test_description_control_and_bidi_stripped (void)
{
  const char *description = "Try\xc2\x85" "again\xc2\x9b" "0m \u202Egnp.exe\u202C "
                            "\u2066x\u2067y\u2068z\u2069 \u200Eleft\u200F \u061Cbeta "
                            "\u200Bzero\uFEFF\u2028line\u2029para\x1b[31m\x7f" " end";
  const gunichar banned[] = { 0x85, 0x9b, 0x1b, 0x7f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
                              0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c, 0x200b,
                              0xfeff, 0x2028, 0x2029 };
  g_autofree char *escaped = g_uri_escape_string (description, NULL, FALSE);
  g_autofree char *query = g_strconcat ("error=server_error&state=" STATE "&error_description=",
                                        escaped, NULL);
  g_auto(ChutesLoopbackReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *html = NULL;
  char *code = NULL;

  g_assert_cmpint (chutes_loopback_reply_check_callback (query, STATE, &reply, &code, &error),
                   ==, CHUTES_LOOPBACK_CALLBACK_FAILED);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_OAUTH);
  html = chutes_loopback_reply_build (reply.heading, reply.text);

  for (guint i = 0; i < G_N_ELEMENTS (banned); i++)
    {
      char utf8[8] = { 0, };

      g_unichar_to_utf8 (banned[i], utf8);
      g_test_message ("U+%04X", banned[i]);
      g_assert_null (strstr (reply.text, utf8));
      g_assert_null (strstr (error->message, utf8));
      g_assert_null (strstr (html, utf8));
    }

  /* The words themselves stay, in their order. */
  g_assert_nonnull (strstr (reply.text, "Try again"));
  g_assert_nonnull (strstr (reply.text, "gnp.exe"));
  g_assert_nonnull (strstr (error->message, "left"));
  g_assert_nonnull (strstr (error->message, "end"));
}

/* Cut at the limit between characters, whatever their width in bytes. */
static void
test_description_cut_between_characters (void)
{
  const char *pieces[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    for (guint offset = 0; offset < 4; offset++)
      {
        g_autoptr(GString) description = g_string_new (NULL);
        g_autofree char *escaped = NULL;
        g_autofree char *query = NULL;
        g_auto(ChutesLoopbackReply) reply = { 0, };
        g_autoptr(GError) error = NULL;
        char *code = NULL;

        for (guint j = 0; j < offset; j++)
          g_string_append_c (description, 'x');
        for (guint j = 0; j < 500; j++)
          g_string_append (description, pieces[i]);

        escaped = g_uri_escape_string (description->str, NULL, FALSE);
        query = g_strconcat ("error=server_error&state=" STATE "&error_description=", escaped, NULL);
        chutes_loopback_reply_check_callback (query, STATE, &reply, &code, &error);

        g_test_message ("%s, %u", pieces[i], offset);
        g_assert_true (g_utf8_validate (reply.text, -1, NULL));
        g_assert_true (g_str_has_suffix (reply.text, "…"));
        /* "Chutes could not sign you in: " and 300 characters, then "…". */
        g_assert_cmpuint (g_utf8_strlen (strstr (reply.text, ": ") + 2, -1), ==, 301);
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
      }
}

static void
test_query_checked (void)
{
  const struct
  {
    const char             *query;
    ChutesLoopbackCallback  kind;
    guint                   status;
    const char             *code;
    int                     error_code;
  } cases[] = {
    { "code=the-code&state=" STATE, CHUTES_LOOPBACK_CALLBACK_CODE, 200, "the-code", 0 },
    { "x=1&state=" STATE "&x=2&code=a+b%2Bc", CHUTES_LOOPBACK_CALLBACK_CODE, 200, "a b+c", 0 },
    { NULL, CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=c", CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=c&state=" STATE "x", CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=c&state=" STATE "&state=" STATE, CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=c&code=c&state=" STATE, CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=%FF&state=" STATE, CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "code=c&state=" STATE "%00", CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "error=access_denied&state=nope", CHUTES_LOOPBACK_CALLBACK_STRAY, 400, NULL, 0 },
    { "state=" STATE, CHUTES_LOOPBACK_CALLBACK_FAILED, 400, NULL, CHUTES_ERROR_PROTOCOL },
    { "code=&state=" STATE, CHUTES_LOOPBACK_CALLBACK_FAILED, 400, NULL, CHUTES_ERROR_PROTOCOL },
    { "error=access_denied&state=" STATE "&code=c", CHUTES_LOOPBACK_CALLBACK_FAILED, 200, NULL,
      CHUTES_ERROR_ACCESS_DENIED },
    { "error=invalid_scope&state=" STATE, CHUTES_LOOPBACK_CALLBACK_FAILED, 200, NULL,
      CHUTES_ERROR_INVALID_SCOPE },
    { "error=temporarily_unavailable&state=" STATE, CHUTES_LOOPBACK_CALLBACK_FAILED, 200, NULL,
      CHUTES_ERROR_OAUTH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ChutesLoopbackReply) reply = { 0, };
      g_autoptr(GError) error = NULL;
      char *code = NULL;

      g_test_message ("%s", cases[i].query);
      g_assert_cmpint (chutes_loopback_reply_check_callback (cases[i].query, STATE, &reply,
                                                             &code, &error),
                       ==, cases[i].kind);
      g_assert_cmpuint (reply.status, ==, cases[i].status);
      g_assert_nonnull (reply.heading);
      g_assert_nonnull (reply.text);
      g_assert_cmpstr (code, ==, cases[i].code);
      if (cases[i].error_code != 0)
        {
          g_assert_error (error, CHUTES_ERROR, cases[i].error_code);
          g_assert_cmpstr (reply.text, ==, error->message);
        }
      else
        g_assert_no_error (error);
      chutes_secret_free (code);
    }
}

/* The final page and a slow browser --------------------------------------- */

/* The socket of this process connected from 127.0.0.1:@local_port to
 * @peer_port, or -1. */
static int
find_connected_socket (guint local_port,
                       guint peer_port)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = (int) g_ascii_strtoll (name, NULL, 10);
      struct sockaddr_in local;
      struct sockaddr_in peer;
      socklen_t local_len = sizeof local;
      socklen_t peer_len = sizeof peer;

      if (getsockname (fd, (struct sockaddr *) &local, &local_len) == 0
          && getpeername (fd, (struct sockaddr *) &peer, &peer_len) == 0
          && local.sin_family == AF_INET
          && g_ntohs (local.sin_port) == local_port
          && g_ntohs (peer.sin_port) == peer_port)
        return fd;
    }

  return -1;
}

#define N_STRAY_PAGES 10

typedef struct
{
  guint  server_port;
  gint   browser_port;   /* atomic: set once connected */
  gint   may_send;       /* atomic: set by the test */
  guint  n_stray_pages;  /* 404 pages received before the final one */
} SlowBrowser;

/* In a worker thread: a browser with the smallest receive buffer sends
 * N_STRAY_PAGES requests for a missing page and then a callback with a long
 * error_description, all at once on one connection. It reads nothing for
 * a while, then reads the replies 128 bytes at a time, pausing between
 * reads, so the server can only write as fast as the browser reads. The
 * task returns the final reply. */
static void
slow_browser_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SlowBrowser *browser = task_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback,
                                                                 browser->server_port);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GString) requests = g_string_new (NULL);
  g_autoptr(GByteArray) received = g_byte_array_new ();
  Reply *reply = g_new0 (Reply, 1);
  const char *final;
  gint64 deadline;
  gsize sent = 0;
  char buf[128];
  gssize n;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 1, NULL);
  g_socket_set_timeout (socket, 10);
  if (!g_socket_connect (socket, address, NULL, NULL))
    {
      g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
      return;
    }
  reply->connected = TRUE;
  local = g_socket_get_local_address (socket, NULL);
  g_atomic_int_set (&browser->browser_port,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&browser->may_send) && g_get_monotonic_time () < deadline)
    g_usleep (1000);

  for (guint i = 0; i < N_STRAY_PAGES; i++)
    g_string_append_printf (requests, "GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                            browser->server_port);
  g_string_append (requests, "GET /oauth/callback?error=server_error&state=" STATE
                             "&error_description=");
  for (guint i = 0; i < 300; i++)
    g_string_append (requests, "%26");
  g_string_append_printf (requests, " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                    "Connection: close\r\n\r\n", browser->server_port);
  while (sent < requests->len
         && (n = g_socket_send (socket, requests->str + sent, requests->len - sent,
                                NULL, NULL)) > 0)
    sent += (gsize) n;

  g_usleep (G_USEC_PER_SEC / 5);
  while ((n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_byte_array_append (received, (const guint8 *) buf, (guint) n);
      g_usleep (1000);
    }
  g_byte_array_append (received, (const guint8 *) "", 1);

  for (const char *p = (const char *) received->data;
       (p = strstr (p, "HTTP/1.1 404 ")) != NULL;
       p++)
    browser->n_stray_pages++;

  final = g_strrstr ((const char *) received->data, "HTTP/1.1 200 ");
  if (final != NULL)
    {
      g_autoptr(GByteArray) final_bytes = g_byte_array_new ();

      g_byte_array_append (final_bytes, (const guint8 *) final, strlen (final));
      reply_parse (reply, final_bytes);
    }

  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

static void
test_final_page_reaches_slow_browser (void)
{
  Fixture f = { NULL, };
  SlowBrowser browser = { 0, };
  ReplyWait wait = { FALSE, NULL };
  g_autoptr(GTask) task = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autofree char *head = NULL;
  const char *length;
  gint64 deadline;
  int fd = -1;
  int one = 1;

  fixture_start (&f, 30, TRUE);
  browser.server_port = f.port;
  task = g_task_new (NULL, NULL, raw_request_cb, &wait);
  g_task_set_task_data (task, &browser, NULL);
  g_task_run_in_thread (task, slow_browser_thread);

  /* Give the server's end of the connection the smallest send buffer, as
   * a slow network would: the stray pages fill it, and the final page has
   * to wait until the browser reads. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((fd = find_connected_socket (f.port, g_atomic_int_get (&browser.browser_port))) < 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_no_errno (setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof one));
  g_atomic_int_set (&browser.may_send, TRUE);

  fixture_finish (&f);
  g_assert_error (f.error, CHUTES_ERROR, CHUTES_ERROR_OAUTH);
  g_assert_true (port_is_free (f.port));

  /* The server stopped only once the whole final page was on its way. */
  run_until (&wait.done, 20);
  reply = g_steal_pointer (&wait.reply);
  g_assert_cmpuint (browser.n_stray_pages, ==, N_STRAY_PAGES);
  g_assert_cmpuint (reply->status, ==, 200);
  assert_safe_page (reply);
  g_assert_nonnull (strstr (reply->body, "Chutes could not sign you in: &amp;&amp;&amp;"));
  g_assert_true (g_str_has_suffix (reply->body, "</p></body></html>\n"));
  head = g_ascii_strdown (reply->head, -1);
  length = strstr (head, "\r\ncontent-length: ");
  g_assert_nonnull (length);
  g_assert_cmpuint (g_ascii_strtoull (length + strlen ("\r\ncontent-length: "), NULL, 10),
                    ==, strlen (reply->body));

  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oauth/callback/right-state-returns-code", test_right_state_returns_code);
  g_test_add_func ("/oauth/callback/favicon-404-keeps-listening", test_favicon_keeps_listening);
  g_test_add_func ("/oauth/callback/wrong-state-keeps-listening", test_wrong_state_keeps_listening);
  g_test_add_func ("/oauth/callback/access-denied-says-cancelled", test_access_denied);
  g_test_add_func ("/oauth/callback/invalid-scope-shown-escaped", test_invalid_scope_escaped);
  g_test_add_func ("/oauth/callback/long-error-description-bounded",
                   test_long_description_is_bounded);
  g_test_add_func ("/oauth/callback/wrong-host-refused", test_wrong_host_refused);
  g_test_add_func ("/oauth/callback/post-refused-keeps-listening", test_head_and_post);
  g_test_add_func ("/oauth/callback/second-callback-already-finished",
                   test_second_callback_already_finished);
  g_test_add_func ("/oauth/callback/hostile-requests-keep-listening",
                   test_hostile_requests_keep_listening);
  g_test_add_func ("/oauth/callback/page-escapes-text", test_page_escapes_text);
  g_test_add_func ("/oauth/callback/query-checked-without-a-server", test_query_checked);
  g_test_add_func ("/oauth/callback/description-control-and-bidi-stripped",
                   test_description_control_and_bidi_stripped);
  g_test_add_func ("/oauth/callback/description-cut-between-characters",
                   test_description_cut_between_characters);
  g_test_add_func ("/oauth/listen/busy-port-uses-next-uri", test_busy_port_falls_through);
  g_test_add_func ("/oauth/listen/all-ports-busy-names-them", test_all_ports_busy);
  g_test_add_func ("/oauth/listen/refuses-non-loopback-uri", test_refuses_non_loopback_uris);
  g_test_add_func ("/oauth/listen/127.0.0.1-only", test_listens_on_loopback_only);
  g_test_add_func ("/oauth/wait/times-out", test_times_out);
  g_test_add_func ("/oauth/wait/cancel-frees-port", test_cancel_stops_listening);
  g_test_add_func ("/oauth/wait/stop-ends-wait-as-cancelled", test_stop_cancels_wait);
  g_test_add_func ("/oauth/wait/final-page-reaches-a-slow-browser",
                   test_final_page_reaches_slow_browser);

  return g_test_run ();
}
