/* chutes-test-mock.c: start the mock Chutes server and play the browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE /* memmem() */
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "chutes-live-objects.h"
#include "chutes-test-mock.h"
#include "mock-chutes/mock-chutes-demo.h"

#define START_TIMEOUT_SECONDS 10
#define STOP_TIMEOUT_SECONDS  5
#define HTTP_TIMEOUT_SECONDS  20
#define DEFAULT_SCOPES        "openid profile chutes:invoke"

struct _ChutesTestMock
{
  GSubprocess *process;
  char        *url;
  char        *api_url;
  char        *client_id;
  char        *client_secret;
  char        *username;
  GStrv        redirect_uris;
};

guint
chutes_test_find_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  return port;
}

/* The mock dies with the test, even when the test aborts: otherwise it
 * would keep the test's stderr open and meson would wait for it. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Runs @context until *@done, or until @timeout_seconds pass. */
static gboolean
iterate_until (GMainContext *context,
               gboolean     *done,
               guint         timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + timeout_seconds * G_USEC_PER_SEC;

  while (!*done && g_get_monotonic_time () < deadline)
    {
      g_autoptr(GSource) tick = g_timeout_source_new (50);

      g_source_set_dummy_callback (tick);
      g_source_attach (tick, context);
      g_main_context_iteration (context, TRUE);
      g_source_destroy (tick);
    }

  return *done;
}

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} ReadLine;

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadLine *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                          result, NULL, &read->error);
  read->done = TRUE;
}

/* Value of "--name VALUE" or "--name=VALUE" in @args, or NULL. */
static const char *
find_arg (GPtrArray  *args,
          const char *name,
          guint      *from)
{
  gsize len = strlen (name);

  for (guint i = *from; i < args->len; i++)
    {
      const char *arg = g_ptr_array_index (args, i);

      if (arg == NULL)
        break;
      if (g_str_equal (arg, name) && i + 1 < args->len)
        {
          *from = i + 2;
          return g_ptr_array_index (args, i + 1);
        }
      if (strncmp (arg, name, len) == 0 && arg[len] == '=')
        {
          *from = i + 1;
          return arg + len + 1;
        }
    }

  return NULL;
}

ChutesTestMock *
chutes_test_mock_start (const char *first_arg,
                        ...)
{
  static const char * const demo_uris[] = { MOCK_CHUTES_DEMO_REDIRECT_URIS, NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GStrvBuilder) uris = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  ChutesTestMock *mock;
  const char *program = g_getenv ("MOCK_CHUTES");
  const char *value;
  ReadLine read = { 0 };
  gboolean any_uri = FALSE;
  guint from;
  va_list args;

  if (program == NULL || *program == '\0')
    g_error ("MOCK_CHUTES is not set: run the tests with `meson test`");

  g_ptr_array_add (argv, (gpointer) program);
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, "0");
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  mock = g_new0 (ChutesTestMock, 1);
  from = 3;
  value = find_arg (argv, "--client-id", &from);
  mock->client_id = g_strdup (value != NULL ? value : MOCK_CHUTES_DEMO_CLIENT_ID);
  from = 3;
  value = find_arg (argv, "--client-secret", &from);
  mock->client_secret = g_strdup (value != NULL ? value : MOCK_CHUTES_DEMO_CLIENT_SECRET);
  from = 3;
  value = find_arg (argv, "--user", &from);
  mock->username = g_strdup (value != NULL ? value : MOCK_CHUTES_DEMO_USER);
  from = 3;
  while ((value = find_arg (argv, "--redirect-uri", &from)) != NULL)
    {
      g_strv_builder_add (uris, value);
      any_uri = TRUE;
    }
  if (!any_uri)
    g_strv_builder_addv (uris, (const char **) demo_uris);
  mock->redirect_uris = g_strv_builder_end (uris);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  mock->process = g_subprocess_launcher_spawnv (launcher,
                                                (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (mock->process));
  /* Keep the pipe open afterwards: the mock must never get SIGPIPE. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (out), FALSE);
  g_main_context_push_thread_default (context);
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &read);
  if (!iterate_until (context, &read.done, START_TIMEOUT_SECONDS))
    g_error ("The mock Chutes server did not start within %d s", START_TIMEOUT_SECONDS);
  g_main_context_pop_thread_default (context);

  g_assert_no_error (read.error);
  if (read.line == NULL || !g_str_has_prefix (read.line, "READY http://127.0.0.1:"))
    g_error ("The mock Chutes server did not start (it said “%s”)",
             read.line != NULL ? read.line : "nothing");

  mock->url = g_strdup (read.line + strlen ("READY "));
  mock->api_url = g_strconcat (mock->url, "/v1", NULL);
  g_free (read.line);

  return mock;
}

const char *
chutes_test_mock_get_url (ChutesTestMock *mock)
{
  return mock->url;
}

const char *
chutes_test_mock_get_api_url (ChutesTestMock *mock)
{
  return mock->api_url;
}

const char *
chutes_test_mock_get_client_id (ChutesTestMock *mock)
{
  return mock->client_id;
}

const char *
chutes_test_mock_get_client_secret (ChutesTestMock *mock)
{
  return mock->client_secret;
}

const char *
chutes_test_mock_get_username (ChutesTestMock *mock)
{
  return mock->username;
}

ChutesConfig *
chutes_test_mock_new_config (ChutesTestMock *mock,
                             const char     *redirect_uri)
{
  g_setenv ("CHUTES_IDP_BASE_URL", mock->url, TRUE);
  g_setenv ("CHUTES_API_BASE_URL", mock->api_url, TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_ID", mock->client_id, TRUE);
  g_setenv ("CHUTES_OAUTH_CLIENT_SECRET", mock->client_secret, TRUE);
  /* Empty means unset for ChutesConfig: no stale URI from an earlier call. */
  g_setenv ("CHUTES_OAUTH_REDIRECT_URI", redirect_uri != NULL ? redirect_uri : "", TRUE);

  return chutes_config_new (NULL);
}

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", HTTP_TIMEOUT_SECONDS,
                                        "user-agent", "chutes-test-mock",
                                        NULL);
}

/* Blocking request; aborts the test on a transport error. */
static GBytes *
send_blocking (SoupSession *session,
               SoupMessage *msg)
{
  g_autoptr(GError) error = NULL;
  GBytes *body;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  if (error != NULL)
    g_error ("%s %s failed: %s", soup_message_get_method (msg),
             g_uri_get_path (soup_message_get_uri (msg)), error->message);

  return body;
}

static SoupMessage *
new_form_message (ChutesTestMock *mock,
                  const char     *path,
                  GHashTable     *form)
{
  g_autofree char *url = g_strconcat (mock->url, path, NULL);
  char *encoded = soup_form_encode_hash (form);
  g_autoptr(GBytes) body = g_bytes_new_take (encoded, strlen (encoded));
  SoupMessage *msg = soup_message_new ("POST", url);

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  return msg;
}

static JsonObject *
parse_object (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                              g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

void
chutes_test_mock_control (ChutesTestMock *mock,
                          const char     *first_key,
                          ...)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_hash_table_insert (form, (gpointer) key, va_arg (args, char *));
  va_end (args);

  msg = new_form_message (mock, "/_mock/control", form);
  body = send_blocking (session, msg);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_error ("POST /_mock/control refused (%u): %.*s", soup_message_get_status (msg),
             (int) g_bytes_get_size (body), (const char *) g_bytes_get_data (body, NULL));
}

gint64
chutes_test_mock_get_stat (ChutesTestMock *mock,
                           const char     *name)
{
  g_autofree char *url = g_strconcat (mock->url, "/_mock/stats", NULL);
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = send_blocking (session, msg);
  g_autoptr(JsonObject) stats = NULL;

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  stats = parse_object (body);
  if (!json_object_has_member (stats, name))
    g_error ("The mock has no counter called “%s”", name);

  return json_object_get_int_member (stats, name);
}

JsonObject *
chutes_test_mock_get_last_chat (ChutesTestMock *mock)
{
  g_autofree char *url = g_strconcat (mock->url, "/_mock/last-chat", NULL);
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = send_blocking (session, msg);

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  return parse_object (body);
}

gboolean
chutes_test_mock_token_is_active (ChutesTestMock *mock,
                                  const char     *token)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) reply = NULL;

  g_hash_table_insert (form, "token", (gpointer) token);
  msg = new_form_message (mock, "/idp/token/introspect", form);
  body = send_blocking (session, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  reply = parse_object (body);

  return json_object_get_boolean_member (reply, "active");
}

/* ---- Playing the browser ------------------------------------------------ */

typedef struct
{
  char *authorize_url;
  char *decision;
} BrowserData;

typedef struct
{
  char  *body;
  guint  status;
} BrowserResult;

static void
browser_data_free (BrowserData *data)
{
  g_free (data->authorize_url);
  g_free (data->decision);
  g_free (data);
}

static void
browser_result_free (BrowserResult *result)
{
  g_free (result->body);
  g_free (result);
}

/* GET or POST without following redirects. NULL on a transport error. */
static GBytes *
browser_send (SoupSession   *session,
              SoupMessage   *msg,
              GCancellable  *cancellable,
              GError       **error)
{
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "text/html,application/xhtml+xml");

  return soup_session_send_and_read (session, msg, cancellable, error);
}

static char *
bytes_to_string (GBytes *bytes)
{
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The absolute redirect target of @msg, or NULL when it is no redirect. */
static char *
redirect_target (SoupMessage *msg)
{
  g_autoptr(GUri) target = NULL;
  const char *location;

  if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)))
    return NULL;

  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location == NULL)
    return NULL;

  target = g_uri_parse_relative (soup_message_get_uri (msg), location, G_URI_FLAGS_ENCODED, NULL);
  return target != NULL ? g_uri_to_string (target) : NULL;
}

/* The value of the hidden request_id field of the consent form. */
static char *
find_request_id (const char *page)
{
  g_autoptr(GRegex) regex = g_regex_new ("name=\"request_id\" value=\"([^\"]+)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match (regex, page, 0, &match))
    return NULL;

  return g_match_info_fetch (match, 1);
}

static void
play_browser_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  BrowserData *data = task_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autofree char *target = NULL;
  g_autofree char *request_id = NULL;
  BrowserResult *result;

  msg = soup_message_new ("GET", data->authorize_url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Not a URL: %s", data->authorize_url);
      return;
    }

  body = browser_send (session, msg, cancellable, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  page = bytes_to_string (body);
  target = redirect_target (msg);

  /* The consent page: press the button. */
  if (target == NULL && soup_message_get_status (msg) == SOUP_STATUS_OK &&
      (request_id = find_request_id (page)) != NULL)
    {
      g_autoptr(GUri) consent = g_uri_parse_relative (soup_message_get_uri (msg),
                                                      "/idp/authorize/consent",
                                                      G_URI_FLAGS_NONE, NULL);
      g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
      char *encoded;

      g_hash_table_insert (form, "request_id", request_id);
      g_hash_table_insert (form, "decision", data->decision);
      encoded = soup_form_encode_hash (form);

      g_clear_object (&msg);
      g_clear_pointer (&body, g_bytes_unref);
      msg = soup_message_new_from_uri ("POST", consent);
      {
        g_autoptr(GBytes) request = g_bytes_new_take (encoded, strlen (encoded));
        soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded",
                                                  request);
      }
      body = browser_send (session, msg, cancellable, &error);
      if (body == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_free (page);
      page = bytes_to_string (body);
      target = redirect_target (msg);
    }

  /* Back to the app's loopback listener. */
  if (target != NULL)
    {
      g_clear_object (&msg);
      g_clear_pointer (&body, g_bytes_unref);
      msg = soup_message_new ("GET", target);
      if (msg == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   "Redirected to something that is not a URL");
          return;
        }
      body = browser_send (session, msg, cancellable, &error);
      if (body == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_free (page);
      page = bytes_to_string (body);
    }

  result = g_new0 (BrowserResult, 1);
  result->body = g_steal_pointer (&page);
  result->status = soup_message_get_status (msg);
  g_task_return_pointer (task, result, (GDestroyNotify) browser_result_free);
}

void
chutes_test_mock_play_browser_async (ChutesTestMock      *mock,
                                     const char          *authorize_url,
                                     const char          *decision,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BrowserData *data;

  g_return_if_fail (mock != NULL);
  g_return_if_fail (authorize_url != NULL);

  data = g_new0 (BrowserData, 1);
  data->authorize_url = g_strdup (authorize_url);
  data->decision = g_strdup (decision != NULL ? decision : "allow");

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_test_mock_play_browser_async);
  g_task_set_task_data (task, data, (GDestroyNotify) browser_data_free);
  g_task_run_in_thread (task, play_browser_thread);
}

char *
chutes_test_mock_play_browser_finish (ChutesTestMock  *mock,
                                      GAsyncResult    *result,
                                      guint           *status_out,
                                      GError         **error)
{
  BrowserResult *browser;
  char *body;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  browser = g_task_propagate_pointer (G_TASK (result), error);
  if (browser == NULL)
    return NULL;

  if (status_out != NULL)
    *status_out = browser->status;
  body = g_steal_pointer (&browser->body);
  browser_result_free (browser);

  return body;
}

/* ---- Signing in without the app --------------------------------------- */

static char *
random_verifier (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < 64; i++)
    g_string_append_c (s, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);

  return g_string_free (s, FALSE);
}

static char *
s256_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  char *encoded;

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &len);
  encoded = g_base64_encode (digest, len);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  g_strdelimit (encoded, "=", '\0');

  return encoded;
}

char *
chutes_test_mock_sign_in (ChutesTestMock  *mock,
                          const char      *scope,
                          char           **refresh_token_out)
{
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GUri) callback = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *verifier = random_verifier ();
  g_autofree char *challenge = s256_challenge (verifier);
  g_autofree char *query = NULL;
  g_autofree char *page = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *target = NULL;
  g_autofree char *base = g_strconcat (mock->url, "/idp/authorize", NULL);
  const char *redirect_uri = mock->redirect_uris[0];
  const char *code;

  g_hash_table_insert (form, "response_type", "code");
  g_hash_table_insert (form, "client_id", mock->client_id);
  g_hash_table_insert (form, "redirect_uri", (gpointer) redirect_uri);
  g_hash_table_insert (form, "scope", (gpointer) (scope != NULL ? scope : DEFAULT_SCOPES));
  g_hash_table_insert (form, "state", "chutes-test-mock");
  g_hash_table_insert (form, "code_challenge", challenge);
  g_hash_table_insert (form, "code_challenge_method", "S256");
  query = soup_form_encode_hash (form);
  {
    g_autofree char *url = g_strconcat (base, "?", query, NULL);
    msg = soup_message_new ("GET", url);
  }

  body = browser_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  page = bytes_to_string (body);
  target = redirect_target (msg);

  if (target == NULL)
    {
      g_autoptr(GHashTable) consent = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(SoupMessage) post = NULL;
      g_autoptr(GBytes) post_body = NULL;

      request_id = find_request_id (page);
      if (request_id == NULL)
        g_error ("Signing in at the mock failed at authorize (%u)", soup_message_get_status (msg));
      g_hash_table_insert (consent, "request_id", request_id);
      g_hash_table_insert (consent, "decision", "allow");
      post = new_form_message (mock, "/idp/authorize/consent", consent);
      post_body = browser_send (session, post, NULL, &error);
      g_assert_no_error (error);
      target = redirect_target (post);
    }

  if (target == NULL)
    g_error ("Signing in at the mock: no redirect after consent");

  callback = g_uri_parse (target, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (callback), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  code = g_hash_table_lookup (params, "code");
  if (code == NULL)
    g_error ("Signing in at the mock: redirected without a code (error %s)",
             (const char *) g_hash_table_lookup (params, "error"));

  g_hash_table_remove_all (form);
  g_hash_table_insert (form, "grant_type", "authorization_code");
  g_hash_table_insert (form, "client_id", mock->client_id);
  g_hash_table_insert (form, "client_secret", mock->client_secret);
  g_hash_table_insert (form, "code", (gpointer) code);
  g_hash_table_insert (form, "redirect_uri", (gpointer) redirect_uri);
  g_hash_table_insert (form, "code_verifier", verifier);
  g_clear_object (&msg);
  g_clear_pointer (&body, g_bytes_unref);
  msg = new_form_message (mock, "/idp/token", form);
  body = send_blocking (session, msg);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_error ("Signing in at the mock: the token exchange failed (%u)",
             soup_message_get_status (msg));

  reply = parse_object (body);
  if (refresh_token_out != NULL)
    *refresh_token_out = g_strdup (json_object_get_string_member (reply, "refresh_token"));

  return g_strdup (json_object_get_string_member (reply, "access_token"));
}

/* ---- Stopping ------------------------------------------------------------ */

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

void
chutes_test_mock_stop (ChutesTestMock *mock)
{
  g_autoptr(GMainContext) context = NULL;
  gboolean done = FALSE;

  g_return_if_fail (mock != NULL);

  if (mock->process == NULL)
    return;

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  g_subprocess_send_signal (mock->process, SIGTERM);
  g_subprocess_wait_async (mock->process, NULL, wait_cb, &done);
  if (!iterate_until (context, &done, STOP_TIMEOUT_SECONDS))
    {
      g_subprocess_force_exit (mock->process);
      iterate_until (context, &done, STOP_TIMEOUT_SECONDS);
      g_main_context_pop_thread_default (context);
      g_error ("The mock Chutes server did not stop on SIGTERM");
    }
  g_main_context_pop_thread_default (context);

  if (!g_subprocess_get_if_exited (mock->process) ||
      g_subprocess_get_exit_status (mock->process) != 0)
    g_error ("The mock Chutes server did not exit cleanly");

  g_clear_object (&mock->process);
}

void
chutes_test_mock_free (ChutesTestMock *mock)
{
  if (mock == NULL)
    return;

  chutes_test_mock_stop (mock);
  g_free (mock->url);
  g_free (mock->api_url);
  g_free (mock->client_id);
  g_free (mock->client_secret);
  g_free (mock->username);
  g_strfreev (mock->redirect_uris);
  g_free (mock);
}

/* ---- Waiting ------------------------------------------------------------- */

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
chutes_test_wait_for (gboolean *flag,
                      guint     timeout_seconds)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_return_if_fail (flag != NULL);

  timeout_id = g_timeout_add_seconds (timeout_seconds, timed_out_cb, &timed_out);
  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!*flag)
    g_error ("Timed out after %u s waiting for something that never happened", timeout_seconds);

  g_source_remove (timeout_id);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

guint
chutes_test_count_files_containing (const char *dir_path,
                                    const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        count += chutes_test_count_files_containing (path, needle);
      else if (file_contains (path, needle))
        {
          g_test_message ("found in %s", path);
          count++;
        }
    }

  return count;
}

/* Every log message of the process, whatever its level. */
static GString *recorded_logs;

static GLogWriterOutput
record_log_writer (GLogLevelFlags   log_level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      g_string_append_printf (recorded_logs, "%s\n", (const char *) fields[i].value);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

void
chutes_test_record_logs (void)
{
  g_return_if_fail (recorded_logs == NULL);

  recorded_logs = g_string_new (NULL);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_log_set_writer_func (record_log_writer, NULL, NULL);
}

const char *
chutes_test_get_recorded_logs (void)
{
  g_return_val_if_fail (recorded_logs != NULL, "");

  return recorded_logs->str;
}

void
chutes_test_store_result_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
chutes_test_wait_for_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

int
chutes_test_check_live_objects (int status)
{
  g_autofree char *alive = NULL;

  if (!chutes_live_objects_enabled ())
    return status;

  for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);

  alive = chutes_live_objects_describe ();
  chutes_live_objects_report ();
  if (alive == NULL)
    return status;

  g_printerr ("Leaked: objects of ours still alive at the end of the tests: %s\n", alive);
  return 1;
}

typedef struct
{
  ChutesTestMock *mock;
  gboolean        browser_done;
  gboolean        signed_in;
} SignIn;

static void
sign_in_browser_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SignIn *sign_in = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  page = chutes_test_mock_play_browser_finish (sign_in->mock, result, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  sign_in->browser_done = TRUE;
}

static void
sign_in_authorize_uri_cb (ChutesAccount *account,
                          GParamSpec    *pspec,
                          SignIn        *sign_in)
{
  const char *uri = chutes_account_get_authorize_uri (account);

  if (uri == NULL || sign_in->browser_done)
    return;

  chutes_test_mock_play_browser_async (sign_in->mock, uri, "allow", NULL, sign_in_browser_cb, sign_in);
}

static void
sign_in_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SignIn *sign_in = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (chutes_account_sign_in_finish (CHUTES_ACCOUNT (object), result, &error));
  g_assert_no_error (error);
  sign_in->signed_in = TRUE;
}

ChutesAccount *
chutes_test_mock_new_signed_in_account (ChutesTestMock *mock,
                                        SoupSession    *session,
                                        ChutesConfig   *config)
{
  g_autoptr(ChutesIdpClient) idp = chutes_idp_client_new (session, config);
  /* Stored the way the application stores an account of several: under
   * its user ID (see chutes_token_store_new_for_account()). */
  g_autoptr(ChutesTokenStore) store = chutes_token_store_new_for_account (chutes_config_get_idp_base_url (config),
                                                                          NULL);
  ChutesAccount *account = chutes_account_new (idp, store);
  SignIn sign_in = { mock, FALSE, FALSE };
  gulong handler;

  chutes_account_set_flow_options (account, FALSE, 30);
  handler = g_signal_connect (account, "notify::authorize-uri",
                              G_CALLBACK (sign_in_authorize_uri_cb), &sign_in);
  chutes_account_sign_in_async (account, NULL, sign_in_done_cb, &sign_in);
  chutes_test_wait_for (&sign_in.signed_in, 30);
  chutes_test_wait_for (&sign_in.browser_done, 30);
  g_signal_handler_disconnect (account, handler);

  g_assert_cmpint (chutes_account_get_state (account), ==, CHUTES_ACCOUNT_STATE_SIGNED_IN);

  return account;
}

void
chutes_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          chutes_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

ChutesHistory *
chutes_test_open_history (const char *path)
{
  ChutesHistory *history = chutes_history_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_open_async (history, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  chutes_history_open_finish (history, result, &error);
  g_assert_no_error (error);

  return history;
}

void
chutes_test_close_history (ChutesHistory **history)
{
  chutes_history_close (*history);
  /* Saves queued by the close complete here; they hold references. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (g_steal_pointer (history));
}

/* ---- A network monitor -------------------------------------------------- */

/* A network monitor the test switches on and off. */
G_DECLARE_FINAL_TYPE (FakeMonitor, fake_monitor, FAKE, MONITOR, GObject)

struct _FakeMonitor
{
  GObject  parent_instance;
  gboolean available;
};

static void fake_monitor_initable_init (GInitableIface *iface);
static void fake_monitor_monitor_init (GNetworkMonitorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeMonitor, fake_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_monitor_initable_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                fake_monitor_monitor_init))

enum {
  FAKE_PROP_0,
  FAKE_PROP_AVAILABLE,
  FAKE_PROP_METERED,
  FAKE_PROP_CONNECTIVITY,
};

static gboolean
fake_monitor_initable_init_func (GInitable     *initable,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  return TRUE;
}

static void
fake_monitor_initable_init (GInitableIface *iface)
{
  iface->init = fake_monitor_initable_init_func;
}

static void
fake_monitor_monitor_init (GNetworkMonitorInterface *iface)
{
}

static void
fake_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FakeMonitor *self = (FakeMonitor *) object;

  switch (prop_id)
    {
    case FAKE_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;

    case FAKE_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;

    case FAKE_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fake_monitor_class_init (FakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_monitor_get_property;
  g_object_class_override_property (object_class, FAKE_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, FAKE_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, FAKE_PROP_CONNECTIVITY, "connectivity");
}

static void
fake_monitor_init (FakeMonitor *self)
{
}

GNetworkMonitor *
chutes_test_fake_monitor_new (void)
{
  return g_object_new (fake_monitor_get_type (), NULL);
}

void
chutes_test_fake_monitor_set_available (GNetworkMonitor *monitor,
                                        gboolean         available)
{
  FakeMonitor *self = FAKE_MONITOR (monitor);

  self->available = available;
  g_signal_emit_by_name (self, "network-changed", available);
}
