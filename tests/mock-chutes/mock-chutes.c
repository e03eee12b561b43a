/* mock-chutes.c: a local stand-in for the Chutes platform (IDP and model
 * gateway in one libsoup server on 127.0.0.1), for tests and the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See README.md beside this file for the command line, the endpoints and
 * the failure switches.
 */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock-chutes.h"
#include "mock-chutes-demo.h"

typedef void (*MockHandler) (MockServer        *self,
                             SoupServerMessage *msg);

static void mock_control (MockServer *self, SoupServerMessage *msg);
static void mock_stats   (MockServer *self, SoupServerMessage *msg);
static void mock_last_chat (MockServer *self, SoupServerMessage *msg);
static void mock_index   (MockServer *self, SoupServerMessage *msg);

static const struct
{
  const char  *method;
  const char  *path;
  MockHandler  handler;
} routes[] = {
  { "GET",  "/",                                  mock_index },
  { "POST", "/idp/authorize/consent",             mock_idp_consent },
  { "POST", "/idp/token",                         mock_idp_token },
  { "POST", "/idp/token/revoke",                  mock_idp_revoke },
  { "POST", "/idp/token/introspect",              mock_idp_introspect },
  { "GET",  "/idp/userinfo",                      mock_idp_userinfo },
  { "POST", "/idp/apps",                          mock_apps_register },
  { "GET",  "/users/me",                          mock_apps_users_me },
  { "GET",  "/.well-known/openid-configuration",  mock_idp_openid_config },
  { "GET",  "/v1/models",                         mock_gateway_models },
  { "POST", "/v1/chat/completions",               mock_gateway_chat },
  { "POST", "/_mock/control",                     mock_control },
  { "GET",  "/_mock/stats",                       mock_stats },
  { "GET",  "/_mock/last-chat",                   mock_last_chat },
};

static void
route_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  MockServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean path_known = FALSE;

  if (g_str_equal (path, "/idp/authorize"))
    {
      if (g_str_equal (method, "GET"))
        mock_idp_authorize (self, msg, query);
      else
        mock_reply_detail (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!g_str_equal (routes[i].path, path))
        continue;
      path_known = TRUE;
      if (g_str_equal (routes[i].method, method))
        {
          routes[i].handler (self, msg);
          return;
        }
    }

  if (path_known)
    mock_reply_detail (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method Not Allowed");
  else
    mock_reply_detail (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
}

/* One line per request on stderr: method, path (never the query, which can
 * hold codes) and status. */
static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     MockServer        *self)
{
  GUri *uri = soup_server_message_get_uri (msg);

  if (self->quiet)
    return;

  g_message ("%s %s -> %u", soup_server_message_get_method (msg),
             uri != NULL ? g_uri_get_path (uri) : "?",
             soup_server_message_get_status (msg));
}

static gboolean
parse_count (const char *text,
             gint64      min,
             gint64      max,
             gint64     *out)
{
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;

  *out = value;
  return TRUE;
}

/* POST /_mock/control: fail=NAME [count=N]; fail= clears all; also
 * stream-delay-ms, token-delay-ms, reply-words, expire-tokens=1,
 * reset-stats=1, user=NAME (who signs in next), and huge-* (mock-stream.c). */
static void
mock_control (MockServer        *self,
              SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = mock_request_form (msg);
  GHashTableIter iter;
  const char *key;
  const char *value;

  if (form == NULL)
    {
      mock_reply_detail (msg, SOUP_STATUS_BAD_REQUEST, "Expected a form-encoded body");
      return;
    }

  /* Check everything first, then apply: a bad request changes nothing. */
  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      gint64 number;
      g_autofree char *detail = NULL;

      if (g_str_equal (key, "fail"))
        {
          if (*value != '\0' && !mock_failure_is_known (value))
            detail = g_strdup_printf ("Unknown failure: %s", value);
        }
      else if (g_str_equal (key, "count"))
        {
          if (!parse_count (value, 1, G_MAXINT, &number))
            detail = g_strdup ("count must be a positive number");
        }
      else if (g_str_equal (key, "stream-delay-ms") || g_str_equal (key, "token-delay-ms") ||
               g_str_equal (key, "reply-words"))
        {
          if (!parse_count (value, 0, 100000, &number))
            detail = g_strdup_printf ("%s must be a number", key);
        }
      else if (g_str_equal (key, "user"))
        {
          if (*value == '\0' || strlen (value) > 64)
            detail = g_strdup ("user must be a name of 1 to 64 bytes");
        }
      else if (g_str_has_prefix (key, "huge-"))
        {
          if (!mock_stream_control (self, key, value, FALSE, &detail) && detail == NULL)
            detail = g_strdup_printf ("Unknown control: %s", key);
        }
      else if (!g_str_equal (key, "expire-tokens") && !g_str_equal (key, "reset-stats"))
        detail = g_strdup_printf ("Unknown control: %s", key);

      if (detail != NULL)
        {
          mock_reply_detail (msg, SOUP_STATUS_BAD_REQUEST, detail);
          return;
        }
    }

  if ((value = g_hash_table_lookup (form, "fail")) != NULL)
    {
      gint64 count = -1;

      parse_count (g_hash_table_lookup (form, "count"), 1, G_MAXINT, &count);
      if (*value == '\0')
        g_hash_table_remove_all (self->failures);
      else
        g_hash_table_replace (self->failures, g_strdup (value), GINT_TO_POINTER ((int) count));
      if (!self->quiet)
        g_message ("Failure switch: %s (count %" G_GINT64_FORMAT ")",
                   *value != '\0' ? value : "all cleared", count);
    }

  if ((value = g_hash_table_lookup (form, "user")) != NULL)
    {
      g_free (self->username);
      self->username = g_strdup (value);
    }
  if ((value = g_hash_table_lookup (form, "stream-delay-ms")) != NULL)
    self->stream_delay_ms = g_ascii_strtoull (value, NULL, 10);
  if ((value = g_hash_table_lookup (form, "token-delay-ms")) != NULL)
    self->token_delay_ms = g_ascii_strtoull (value, NULL, 10);
  if ((value = g_hash_table_lookup (form, "reply-words")) != NULL)
    self->reply_words = g_ascii_strtoull (value, NULL, 10);
  g_hash_table_iter_init (&iter, form);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    if (g_str_has_prefix (key, "huge-"))
      mock_stream_control (self, key, value, TRUE, NULL);

  if (g_hash_table_contains (form, "expire-tokens"))
    {
      GHashTableIter tokens;
      MockToken *token;
      gint64 now = g_get_real_time ();

      g_hash_table_iter_init (&tokens, self->tokens);
      while (g_hash_table_iter_next (&tokens, NULL, (gpointer *) &token))
        if (token->kind == MOCK_TOKEN_ACCESS && token->expires_at > now)
          token->expires_at = now;
    }

  if (g_hash_table_contains (form, "reset-stats"))
    memset (&self->stats, 0, sizeof self->stats);

  mock_reply_text (msg, SOUP_STATUS_OK, "application/json", "{\"ok\":true}");
}

/* GET /_mock/stats */
static void
mock_stats (MockServer        *self,
            SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
#define MOCK_STAT_MEMBER(name)                              \
  json_builder_set_member_name (builder, #name);            \
  json_builder_add_int_value (builder, self->stats.name);
  MOCK_STATS (MOCK_STAT_MEMBER)
#undef MOCK_STAT_MEMBER
  json_builder_set_member_name (builder, "quota_used");
  json_builder_add_int_value (builder, self->quota_used);
  json_builder_end_object (builder);

  mock_reply_builder (msg, SOUP_STATUS_OK, builder);
}

/* GET /_mock/last-chat: the body of the last POST /v1/chat/completions,
 * as it arrived; null before the first. */
static void
mock_last_chat (MockServer        *self,
                SoupServerMessage *msg)
{
  g_autofree char *text = NULL;

  if (self->last_chat == NULL)
    {
      mock_reply_text (msg, SOUP_STATUS_OK, "application/json", "null");
      return;
    }

  text = g_strndup (g_bytes_get_data (self->last_chat, NULL), g_bytes_get_size (self->last_chat));
  mock_reply_text (msg, SOUP_STATUS_OK, "application/json", text);
}

/* GET /: a short page for a person who opens the server in a browser. */
static void
mock_index (MockServer        *self,
            SoupServerMessage *msg)
{
  mock_reply_html (msg, SOUP_STATUS_OK, "Chutes demo server",
                   "<p>This server plays the Chutes platform on your own computer, for "
                   "trying the app and for its tests. It signs you in with a demo "
                   "account and answers chats with friendly canned replies.</p>\n"
                   "<p class=\"dim\">Nothing you type leaves this computer. Models are "
                   "listed at <a href=\"/v1/models\"><code>/v1/models</code></a>.</p>");
}

static gboolean
quit_cb (gpointer user_data)
{
  MockServer *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_consent (const char  *value,
               MockConsent *consent)
{
  if (g_strcmp0 (value, "allow") == 0)
    *consent = MOCK_CONSENT_ALLOW;
  else if (g_strcmp0 (value, "deny") == 0)
    *consent = MOCK_CONSENT_DENY;
  else
    return FALSE;

  return TRUE;
}

static void
mock_server_free (MockServer *self)
{
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_clear_pointer (&self->failures, g_hash_table_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->last_chat, g_bytes_unref);
  g_free (self->username);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MockServer, mock_server_free)

static MockServer *
mock_server_new (void)
{
  MockServer *self = g_new0 (MockServer, 1);

  self->consent = MOCK_CONSENT_ASK;
  self->access_ttl = 3600;
  self->code_ttl = 600;
  self->reply_words = 60;
  self->huge_event_bytes = 1024;
  self->quota_total = 1000;
  self->rand = g_rand_new ();
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) mock_client_free);
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) mock_token_free);
  mock_idp_init (self);

  return self;
}

/* Applies the command line to @self and registers the clients. */
static gboolean
mock_server_configure (MockServer  *self,
                       int         *argc,
                       char      ***argv,
                       int         *port,
                       GError     **error)
{
  static const char * const demo_redirect_uris[] = { MOCK_CHUTES_DEMO_REDIRECT_URIS, NULL };
  static const char * const other_uris[] = { "https://taken.example.com/callback", NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  g_autofree char *user = NULL;
  g_autofree char *auto_consent = NULL;
  g_autofree char *other_id = NULL;
  g_autofree char *other_secret = NULL;
  g_auto(GStrv) redirect_uris = NULL;
  g_auto(GStrv) fail = NULL;
  int access_ttl = 3600;
  int code_ttl = 600;
  int token_delay_ms = 0;
  int stream_delay_ms = 0;
  int reply_words = 60;
  int quota = 1000;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, port,
      "Port on 127.0.0.1 (0: any free port)", "N" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id,
      "OAuth client ID (default: the demo client)", "ID" },
    { "client-secret", 0, 0, G_OPTION_ARG_STRING, &client_secret,
      "OAuth client secret", "SECRET" },
    { "redirect-uri", 0, 0, G_OPTION_ARG_STRING_ARRAY, &redirect_uris,
      "A registered redirect URI of that client (repeatable)", "URI" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user,
      "Username of the person who signs in (default alice)", "NAME" },
    { "auto-consent", 0, 0, G_OPTION_ARG_STRING, &auto_consent,
      "Skip the consent page", "allow|deny" },
    { "access-ttl", 0, 0, G_OPTION_ARG_INT, &access_ttl,
      "Access token lifetime (default 3600)", "SECONDS" },
    { "code-ttl", 0, 0, G_OPTION_ARG_INT, &code_ttl,
      "Authorization code lifetime (default 600)", "SECONDS" },
    { "token-delay-ms", 0, 0, G_OPTION_ARG_INT, &token_delay_ms,
      "Delay replies of POST /idp/token", "MS" },
    { "stream-delay-ms", 0, 0, G_OPTION_ARG_INT, &stream_delay_ms,
      "Delay between streamed chunks (default 0)", "MS" },
    { "reply-words", 0, 0, G_OPTION_ARG_INT, &reply_words,
      "Words of canned text in a reply (default 60)", "N" },
    { "quota", 0, 0, G_OPTION_ARG_INT, &quota,
      "Chat requests allowed in this run (default 1000)", "N" },
    { "fail", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fail,
      "Switch a failure on (repeatable; see README.md)", "NAME" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &self->quiet,
      "Log only problems", NULL },
    { NULL }
  };

  context = g_option_context_new ("- a local stand-in for the Chutes platform");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (*port < 0 || *port > 65535 || access_ttl < 0 || code_ttl < 0 || token_delay_ms < 0 ||
      stream_delay_ms < 0 || reply_words < 0 || quota < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "numbers must not be negative (and a port at most 65535)");
      return FALSE;
    }

  if ((client_id == NULL) != (client_secret == NULL))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "give both --client-id and --client-secret, or neither");
      return FALSE;
    }

  if (auto_consent != NULL && !parse_consent (auto_consent, &self->consent))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--auto-consent takes allow or deny");
      return FALSE;
    }

  for (guint i = 0; fail != NULL && fail[i] != NULL; i++)
    {
      if (!mock_failure_is_known (fail[i]))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "unknown failure \"%s\" (see README.md)", fail[i]);
          return FALSE;
        }
      g_hash_table_replace (self->failures, g_strdup (fail[i]), GINT_TO_POINTER (-1));
    }

  self->username = g_strdup (user != NULL ? user : MOCK_CHUTES_DEMO_USER);
  self->access_ttl = access_ttl;
  self->code_ttl = code_ttl;
  self->token_delay_ms = token_delay_ms;
  self->stream_delay_ms = stream_delay_ms;
  self->reply_words = reply_words;
  self->quota_total = quota;

  if (client_id != NULL)
    mock_server_add_client (self, client_id, client_secret, "Chutes Desktop Test",
                            redirect_uris != NULL ? (const char * const *) redirect_uris
                                                  : demo_redirect_uris,
                            NULL);
  else
    mock_server_add_client (self, MOCK_CHUTES_DEMO_CLIENT_ID, MOCK_CHUTES_DEMO_CLIENT_SECRET,
                            MOCK_CHUTES_DEMO_CLIENT_NAME,
                            redirect_uris != NULL ? (const char * const *) redirect_uris
                                                  : demo_redirect_uris,
                            NULL);

  /* Someone else's app, so that a name clash is easy to test. */
  other_id = mock_server_random (self, "cid_", 24);
  other_secret = mock_server_random (self, "csc_", 48);
  mock_server_add_client (self, other_id, other_secret, "Taken App", other_uris, NULL);

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MockServer) self = mock_server_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  int port = 0;

  /* Whoever reads our stdout may stop reading after READY. */
  signal (SIGPIPE, SIG_IGN);

  if (!mock_server_configure (self, &argc, &argv, &port, &error))
    {
      g_printerr ("mock-chutes: %s\n", error->message);
      return EXIT_FAILURE;
    }

  self->server = soup_server_new ("server-header", "mock-chutes ", NULL);
  soup_server_add_handler (self->server, NULL, route_cb, self, NULL);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (request_finished_cb), self);

  address = g_inet_socket_address_new (loopback, port);
  if (!soup_server_listen (self->server, address, 0, &error))
    {
      g_printerr ("mock-chutes: cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
      return EXIT_FAILURE;
    }

  uris = soup_server_get_uris (self->server);
  g_assert (uris != NULL);
  port = g_uri_get_port (uris->data);

  self->loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, self);
  g_unix_signal_add (SIGINT, quit_cb, self);

  printf ("READY http://127.0.0.1:%d\n", port);
  fflush (stdout);
  if (!self->quiet)
    g_message ("Chutes demo server: IDP http://127.0.0.1:%d, gateway http://127.0.0.1:%d/v1, "
               "user \"%s\"", port, port, self->username);

  g_main_loop_run (self->loop);

  if (!self->quiet)
    g_message ("Stopping");

  return EXIT_SUCCESS;
}
