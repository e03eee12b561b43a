/* test-mock-chutes.c: the mock Chutes server keeps the platform's contract
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real HTTP against the real mock process. Most tests share one mock (and
 * compare counters before and after); tests that need other options start
 * their own.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <string.h>

#include "chutes-test-mock.h"
#include "mock-chutes/mock-chutes-demo.h"

#define DEMO_REDIRECT  "http://127.0.0.1:48723/callback"
#define OTHER_REDIRECT "http://127.0.0.1:48724/callback"
#define MODEL          "deepseek-ai/DeepSeek-V3-0324"

static ChutesTestMock *shared;
static SoupSession *session;

typedef struct
{
  guint               status;
  char               *body;
  SoupMessageHeaders *headers;
  GError             *error;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->body);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

/* A blocking request that never follows redirects. @body may be NULL. */
static Reply *
request_full (const char *method,
              const char *url,
              const char *content_type,
              const char *body,
              const char *bearer,
              const char *header,
              const char *value)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  Reply *reply = g_new0 (Reply, 1);

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type, request);
    }
  if (bearer != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", bearer, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header, value);

  bytes = soup_session_send_and_read (session, msg, NULL, &reply->error);
  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (bytes != NULL)
    reply->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return reply;
}

static Reply *
get (ChutesTestMock *mock,
     const char     *path,
     const char     *bearer)
{
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (mock), path, NULL);

  return request_full ("GET", url, NULL, NULL, bearer, NULL, NULL);
}

/* POST a form built from NULL-terminated key/value pairs. */
static Reply *
post_form (ChutesTestMock *mock,
           const char     *path,
           ...)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (mock), path, NULL);
  g_autofree char *body = NULL;
  const char *key;
  va_list args;

  va_start (args, path);
  while ((key = va_arg (args, const char *)) != NULL)
    g_hash_table_insert (form, (gpointer) key, va_arg (args, char *));
  va_end (args);
  body = soup_form_encode_hash (form);

  return request_full ("POST", url, "application/x-www-form-urlencoded", body, NULL, NULL, NULL);
}

static Reply *
post_json (ChutesTestMock *mock,
           const char     *path,
           const char     *bearer,
           const char     *json)
{
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (mock), path, NULL);

  return request_full ("POST", url, "application/json", json, bearer, NULL, NULL);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_nonnull (text);
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static char *
json_member (const char *text,
             const char *member)
{
  g_autoptr(JsonNode) node = parse_json (text);
  JsonObject *object;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);
  if (!json_object_has_member (object, member))
    return NULL;

  return g_strdup (json_object_get_string_member (object, member));
}

static void
assert_oauth_error_status (Reply      *reply,
                           guint       status,
                           const char *error)
{
  g_autofree char *code = NULL;

  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, status);
  code = json_member (reply->body, "error");
  g_assert_cmpstr (code, ==, error);
}

static void
assert_oauth_error (Reply      *reply,
                    const char *error)
{
  assert_oauth_error_status (reply, 400, error);
}

/* RFC 6749 §5.2: a refused client is 401 invalid_client, with a Basic
 * challenge when it tried HTTP Basic (and none otherwise). */
static void
assert_invalid_client (Reply    *reply,
                       gboolean  basic)
{
  const char *challenge;

  assert_oauth_error_status (reply, 401, "invalid_client");
  challenge = soup_message_headers_get_one (reply->headers, "WWW-Authenticate");
  if (basic)
    {
      g_assert_nonnull (challenge);
      g_assert_true (g_ascii_strncasecmp (challenge, "Basic", 5) == 0);
    }
  else
    g_assert_null (challenge);
}

/* "Basic " + base64 of @id ":" @secret, as given (already form-encoded). */
static char *
basic_authorization (const char *id,
                     const char *secret)
{
  g_autofree char *pair = g_strconcat (id, ":", secret, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strconcat ("Basic ", encoded, NULL);
}

/* POST @body (form-encoded) to @path with an Authorization header. */
static Reply *
post_with_basic (ChutesTestMock *mock,
                 const char     *path,
                 const char     *body,
                 const char     *authorization)
{
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (mock), path, NULL);

  return request_full ("POST", url, "application/x-www-form-urlencoded", body, NULL,
                       "Authorization", authorization);
}

static void
assert_detail (Reply      *reply,
               guint       status,
               const char *fragment)
{
  g_autoptr(JsonNode) node = NULL;
  JsonNode *detail;

  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers, NULL), ==,
                   "application/json");
  node = parse_json (reply->body);
  detail = json_object_get_member (json_node_get_object (node), "detail");
  g_assert_nonnull (detail);
  if (fragment != NULL)
    g_assert_nonnull (strstr (json_node_get_string (detail), fragment));
}

/* ---- PKCE and the authorize step ---------------------------------------- */

static const char verifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";

static char *
challenge_for (const char *text)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  char *encoded;

  g_checksum_update (checksum, (const guchar *) text, -1);
  g_checksum_get_digest (checksum, digest, &len);
  encoded = g_base64_encode (digest, len);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  g_strdelimit (encoded, "=", '\0');

  return encoded;
}

/* The authorize URL; NULL values leave a parameter out. */
static char *
authorize_url (ChutesTestMock *mock,
               const char     *client_id,
               const char     *redirect_uri,
               const char     *scope,
               const char     *state,
               const char     *method)
{
  g_autofree char *challenge = challenge_for (verifier);
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *query = NULL;

  g_hash_table_insert (form, "response_type", "code");
  if (client_id != NULL)
    g_hash_table_insert (form, "client_id", (gpointer) client_id);
  if (redirect_uri != NULL)
    g_hash_table_insert (form, "redirect_uri", (gpointer) redirect_uri);
  if (scope != NULL)
    g_hash_table_insert (form, "scope", (gpointer) scope);
  if (state != NULL)
    g_hash_table_insert (form, "state", (gpointer) state);
  g_hash_table_insert (form, "code_challenge", challenge);
  if (method != NULL)
    g_hash_table_insert (form, "code_challenge_method", (gpointer) method);
  query = soup_form_encode_hash (form);

  return g_strconcat (chutes_test_mock_get_url (mock), "/idp/authorize?", query, NULL);
}

static char *
find_request_id (const char *page)
{
  g_autoptr(GRegex) regex = g_regex_new ("name=\"request_id\" value=\"([^\"]+)\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match (regex, page, 0, &match))
    return NULL;

  return g_match_info_fetch (match, 1);
}

/* Authorize + consent with @decision; returns the parameters of the
 * redirect back to the app. */
static GHashTable *
authorize_and_decide (ChutesTestMock *mock,
                      const char     *client_id,
                      const char     *redirect_uri,
                      const char     *scope,
                      const char     *decision)
{
  g_autofree char *url = authorize_url (mock, client_id, redirect_uri, scope, "st@te 1", "S256");
  g_autoptr(Reply) page = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);
  g_autofree char *request_id = NULL;
  g_autoptr(Reply) answer = NULL;
  const char *location;
  GHashTable *params;

  g_assert_cmpuint (page->status, ==, 200);
  request_id = find_request_id (page->body);
  g_assert_nonnull (request_id);

  answer = post_form (mock, "/idp/authorize/consent",
                      "request_id", request_id, "decision", decision, NULL);
  g_assert_cmpuint (answer->status, ==, 302);
  location = soup_message_headers_get_one (answer->headers, "Location");
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, redirect_uri));
  g_assert_cmpint (location[strlen (redirect_uri)], ==, '?');

  params = g_uri_parse_params (location + strlen (redirect_uri) + 1, -1, "&",
                               G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st@te 1");

  return params;
}

static char *
get_code (ChutesTestMock *mock,
          const char     *scope)
{
  g_autoptr(GHashTable) params = authorize_and_decide (mock, chutes_test_mock_get_client_id (mock),
                                                       DEMO_REDIRECT, scope, "allow");

  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  return g_strdup (g_hash_table_lookup (params, "code"));
}

static Reply *
exchange (ChutesTestMock *mock,
          const char     *code,
          const char     *secret,
          const char     *redirect_uri,
          const char     *code_verifier)
{
  g_autoptr(GHashTable) form = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (mock), "/idp/token", NULL);
  g_autofree char *body = NULL;

  g_hash_table_insert (form, "grant_type", "authorization_code");
  g_hash_table_insert (form, "client_id", (gpointer) chutes_test_mock_get_client_id (mock));
  g_hash_table_insert (form, "code", (gpointer) code);
  g_hash_table_insert (form, "redirect_uri", (gpointer) redirect_uri);
  if (code_verifier != NULL)
    g_hash_table_insert (form, "code_verifier", (gpointer) code_verifier);
  if (secret != NULL)
    g_hash_table_insert (form, "client_secret", (gpointer) secret);
  body = soup_form_encode_hash (form);

  return request_full ("POST", url, "application/x-www-form-urlencoded", body, NULL, NULL, NULL);
}

static Reply *
refresh (ChutesTestMock *mock,
         const char     *refresh_token)
{
  return post_form (mock, "/idp/token",
                    "grant_type", "refresh_token",
                    "client_id", chutes_test_mock_get_client_id (mock),
                    "client_secret", chutes_test_mock_get_client_secret (mock),
                    "refresh_token", refresh_token,
                    NULL);
}

static void
assert_error_page (Reply *reply)
{
  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, 400);
  g_assert_null (soup_message_headers_get_one (reply->headers, "Location"));
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers, NULL), ==, "text/html");
  g_assert_nonnull (strstr (reply->body, "Chutes demo server"));
}

static void
test_authorize_unknown_client (void)
{
  g_autofree char *url = authorize_url (shared, "cid_nobodyknowsthisclient000", DEMO_REDIRECT,
                                        NULL, "s", "S256");
  g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);

  assert_error_page (reply);
}

static void
test_authorize_redirect_exact (void)
{
  const char *wrong[] = {
    "http://localhost:48723/callback",        /* localhost is not 127.0.0.1 */
    "http://127.0.0.1:48799/callback",        /* another port */
    "http://127.0.0.1:48723/callback/",       /* trailing slash */
    "http://127.0.0.1:48723/Callback",
    "https://127.0.0.1:48723/callback",
  };
  gint64 before = chutes_test_mock_get_stat (shared, "authorize_requests");

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autofree char *url = authorize_url (shared, chutes_test_mock_get_client_id (shared),
                                            wrong[i], NULL, "s", "S256");
      g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);

      assert_error_page (reply);
    }

  /* The registered one works (a consent page, no error) */
  {
    g_autofree char *url = authorize_url (shared, chutes_test_mock_get_client_id (shared),
                                          DEMO_REDIRECT, NULL, "s", "S256");
    g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);

    g_assert_cmpuint (reply->status, ==, 200);
    g_assert_nonnull (strstr (reply->body, "Allow Chutes for GNOME to use your Chutes account?"));
    g_assert_nonnull (strstr (reply->body, "value=\"allow\""));
    g_assert_nonnull (strstr (reply->body, "value=\"deny\""));
  }

  g_assert_cmpint (chutes_test_mock_get_stat (shared, "authorize_requests"), ==,
                   before + G_N_ELEMENTS (wrong) + 1);
}

/* Redirect parameters of a reply that must be a redirect to DEMO_REDIRECT. */
static GHashTable *
redirect_params (Reply *reply)
{
  const char *location = soup_message_headers_get_one (reply->headers, "Location");

  g_assert_cmpuint (reply->status, ==, 302);
  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, DEMO_REDIRECT "?"));

  return g_uri_parse_params (location + strlen (DEMO_REDIRECT "?"), -1, "&",
                             G_URI_PARAMS_NONE, NULL);
}

static void
test_authorize_plain_pkce_refused (void)
{
  const char *methods[] = { "plain", NULL, "s256" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *url = authorize_url (shared, chutes_test_mock_get_client_id (shared),
                                            DEMO_REDIRECT, NULL, "xyz", methods[i]);
      g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);
      g_autoptr(GHashTable) params = redirect_params (reply);

      g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "invalid_request");
      g_assert_nonnull (g_hash_table_lookup (params, "error_description"));
      g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "xyz");
      g_assert_null (g_hash_table_lookup (params, "code"));
    }
}

static void
test_authorize_unknown_scope (void)
{
  g_autofree char *url = authorize_url (shared, chutes_test_mock_get_client_id (shared),
                                        DEMO_REDIRECT, "openid offline_access", "abc", "S256");
  g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(GHashTable) params = redirect_params (reply);

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "invalid_scope");
  g_assert_cmpstr (g_hash_table_lookup (params, "error_description"), ==,
                   "Unknown scope: offline_access");
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "abc");
}

static void
test_authorize_deny (void)
{
  gint64 before = chutes_test_mock_get_stat (shared, "consent_denied");
  g_autoptr(GHashTable) params = authorize_and_decide (shared,
                                                       chutes_test_mock_get_client_id (shared),
                                                       DEMO_REDIRECT, NULL, "deny");

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "access_denied");
  g_assert_null (g_hash_table_lookup (params, "code"));
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "consent_denied"), ==, before + 1);
}

static void
test_consent_request_single_use (void)
{
  g_autofree char *url = authorize_url (shared, chutes_test_mock_get_client_id (shared),
                                        DEMO_REDIRECT, NULL, "s", "S256");
  g_autoptr(Reply) page = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);
  g_autofree char *request_id = find_request_id (page->body);
  g_autoptr(Reply) first = post_form (shared, "/idp/authorize/consent",
                                      "request_id", request_id, "decision", "allow", NULL);
  g_autoptr(Reply) second = post_form (shared, "/idp/authorize/consent",
                                       "request_id", request_id, "decision", "allow", NULL);

  g_assert_cmpuint (first->status, ==, 302);
  assert_error_page (second);
}

/* ---- Token endpoint ------------------------------------------------------ */

static void
test_token_code_single_use (void)
{
  g_autofree char *code = get_code (shared, NULL);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autoptr(Reply) first = exchange (shared, code, secret, DEMO_REDIRECT, verifier);
  g_autoptr(Reply) second = exchange (shared, code, secret, DEMO_REDIRECT, verifier);
  g_autoptr(JsonNode) node = parse_json (first->body);
  JsonObject *tokens = json_node_get_object (node);

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (tokens, "access_token"),
                                   "cak_"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (tokens, "refresh_token"),
                                   "crt_"));
  g_assert_cmpstr (json_object_get_string_member (tokens, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (tokens, "expires_in"), ==, 3600);
  g_assert_cmpstr (json_object_get_string_member (tokens, "scope"), ==,
                   "openid profile chutes:invoke");
  g_assert_false (json_object_has_member (tokens, "id_token"));
  assert_oauth_error (second, "invalid_grant");
}

static void
test_token_client_secret_required (void)
{
  const char *id = chutes_test_mock_get_client_id (shared);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *code1 = get_code (shared, NULL);
  g_autofree char *code2 = get_code (shared, NULL);
  g_autoptr(Reply) missing = exchange (shared, code1, NULL, DEMO_REDIRECT, verifier);
  g_autoptr(Reply) wrong = exchange (shared, code1, "csc_wrong", DEMO_REDIRECT, verifier);
  g_autofree char *escaped = g_uri_escape_string (DEMO_REDIRECT, NULL, FALSE);
  g_autofree char *body = NULL;
  g_autofree char *body_with_secret = NULL;
  g_autofree char *good = basic_authorization (id, secret);
  g_autofree char *bad = basic_authorization (id, "csc_wrong");
  g_autofree char *garbled = g_strdup ("Basic !!not-base64");
  g_autoptr(Reply) basic_wrong = NULL;
  g_autoptr(Reply) basic_garbled = NULL;
  g_autoptr(Reply) both = NULL;
  g_autoptr(Reply) with_basic = NULL;
  g_autoptr(Reply) with_form = NULL;

  /* No client authentication at all: a bad request, not a bad client. */
  assert_oauth_error (missing, "invalid_request");
  assert_invalid_client (wrong, FALSE);

  body = g_strdup_printf ("grant_type=authorization_code&code=%s&redirect_uri=%s"
                          "&code_verifier=%s", code2, escaped, verifier);
  body_with_secret = g_strdup_printf ("%s&client_id=%s&client_secret=%s", body, id, secret);

  basic_wrong = post_with_basic (shared, "/idp/token", body, bad);
  assert_invalid_client (basic_wrong, TRUE);
  basic_garbled = post_with_basic (shared, "/idp/token", body, garbled);
  assert_invalid_client (basic_garbled, TRUE);

  /* Two methods at once are refused, even when both are right. */
  both = post_with_basic (shared, "/idp/token", body_with_secret, good);
  assert_oauth_error (both, "invalid_request");

  /* HTTP Basic (client_secret_basic) is accepted too; none of the refused
   * attempts used up code2. */
  with_basic = post_with_basic (shared, "/idp/token", body, good);
  g_assert_cmpuint (with_basic->status, ==, 200);

  /* Refused client authentication did not use up code1 */
  with_form = exchange (shared, code1, secret, DEMO_REDIRECT, verifier);
  g_assert_cmpuint (with_form->status, ==, 200);
}

/* RFC 6749 §2.3.1: the id and secret are form-urlencoded before they go
 * into HTTP Basic; the server decodes them ("%63" is "c", "+" a space). */
static void
test_token_basic_is_form_decoded (void)
{
  g_autofree char *refresh_token = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, &refresh_token);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *encoded_secret = g_strconcat ("%63", secret + 1, NULL);
  g_autofree char *spaced_secret = g_strconcat ("+", secret + 1, NULL);
  g_autofree char *encoded = basic_authorization (chutes_test_mock_get_client_id (shared),
                                                  encoded_secret);
  g_autofree char *spaced = basic_authorization (chutes_test_mock_get_client_id (shared),
                                                 spaced_secret);
  g_autofree char *escaped = g_uri_escape_string (refresh_token, NULL, FALSE);
  g_autofree char *body = g_strconcat ("grant_type=refresh_token&refresh_token=", escaped, NULL);
  g_autoptr(Reply) refused = NULL;
  g_autoptr(Reply) refreshed = NULL;

  g_assert_cmpint (secret[0], ==, 'c');

  refused = post_with_basic (shared, "/idp/token", body, spaced);
  assert_invalid_client (refused, TRUE);
  refreshed = post_with_basic (shared, "/idp/token", body, encoded);
  g_assert_cmpuint (refreshed->status, ==, 200);
}

/* RFC 7009 §2.1: the client authenticates at the revocation endpoint as at
 * the token endpoint; a request without it changes nothing. */
static void
test_revoke_needs_client_authentication (void)
{
  const char *id = chutes_test_mock_get_client_id (shared);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *refresh_token = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, &refresh_token);
  g_autofree char *escaped = g_uri_escape_string (access, NULL, FALSE);
  g_autofree char *body = g_strconcat ("token=", escaped, NULL);
  g_autofree char *good = basic_authorization (id, secret);
  g_autofree char *bad = basic_authorization (id, "csc_wrong");
  g_autoptr(Reply) anonymous = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) basic_wrong = NULL;
  g_autoptr(Reply) both = NULL;
  g_autoptr(Reply) with_basic = NULL;
  g_autoptr(Reply) with_form = NULL;
  g_autoptr(Reply) unknown = NULL;
  gint64 failures = chutes_test_mock_get_stat (shared, "revocation_failures");

  anonymous = post_form (shared, "/idp/token/revoke", "token", access, NULL);
  assert_oauth_error (anonymous, "invalid_request");
  wrong = post_form (shared, "/idp/token/revoke", "token", access,
                     "client_id", id, "client_secret", "csc_wrong", NULL);
  assert_invalid_client (wrong, FALSE);
  basic_wrong = post_with_basic (shared, "/idp/token/revoke", body, bad);
  assert_invalid_client (basic_wrong, TRUE);
  g_assert_true (chutes_test_mock_token_is_active (shared, access));
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "revocation_failures"), ==, failures + 3);

  /* client_secret_post, then client_secret_basic. */
  with_form = post_form (shared, "/idp/token/revoke", "token", access,
                         "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (with_form->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, access));
  g_assert_true (chutes_test_mock_token_is_active (shared, refresh_token));
  g_free (body);
  g_free (escaped);
  escaped = g_uri_escape_string (refresh_token, NULL, FALSE);
  body = g_strconcat ("token=", escaped, "&client_secret=", secret, NULL);
  both = post_with_basic (shared, "/idp/token/revoke", body, good);
  assert_oauth_error (both, "invalid_request");
  g_assert_true (chutes_test_mock_token_is_active (shared, refresh_token));
  g_free (body);
  body = g_strconcat ("token=", escaped, "&token_type_hint=refresh_token", NULL);
  with_basic = post_with_basic (shared, "/idp/token/revoke", body, good);
  g_assert_cmpuint (with_basic->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, refresh_token));

  /* Unknown tokens are still a 200 (RFC 7009 §2.2). */
  unknown = post_form (shared, "/idp/token/revoke", "token", "cak_nothing",
                       "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (unknown->status, ==, 200);
}

/* The revoke-500 switch: the token stays valid. */
static void
test_fail_revoke_500 (void)
{
  const char *id = chutes_test_mock_get_client_id (shared);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) failed = NULL;
  g_autoptr(Reply) fine = NULL;

  chutes_test_mock_control (shared, "fail", "revoke-500", "count", "1", NULL);
  failed = post_form (shared, "/idp/token/revoke", "token", access,
                      "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (failed->status, ==, 500);
  g_assert_true (chutes_test_mock_token_is_active (shared, access));

  fine = post_form (shared, "/idp/token/revoke", "token", access,
                    "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (fine->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, access));
}

static void
test_token_pkce_and_redirect_checked (void)
{
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *code1 = get_code (shared, NULL);
  g_autofree char *code2 = get_code (shared, NULL);
  g_autofree char *code3 = get_code (shared, NULL);
  g_autoptr(Reply) bad_verifier = exchange (shared, code1, secret, DEMO_REDIRECT,
                                            "wrongwrongwrongwrongwrongwrongwrongwrongwrong");
  g_autoptr(Reply) no_verifier = exchange (shared, code2, secret, DEMO_REDIRECT, NULL);
  g_autoptr(Reply) other_redirect = exchange (shared, code3, secret,
                                              OTHER_REDIRECT, verifier);
  g_autoptr(Reply) bad_grant = post_form (shared, "/idp/token", "grant_type", "password",
                                          "client_id", chutes_test_mock_get_client_id (shared),
                                          "client_secret", secret, NULL);

  assert_oauth_error (bad_verifier, "invalid_grant");
  assert_oauth_error (no_verifier, "invalid_grant");
  assert_oauth_error (other_redirect, "invalid_grant");
  assert_oauth_error (bad_grant, "unsupported_grant_type");
}

static void
test_token_code_expires (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--code-ttl", "0", "--quiet", NULL);
  g_autofree char *code = get_code (mock, NULL);
  g_autoptr(Reply) reply = exchange (mock, code, chutes_test_mock_get_client_secret (mock),
                                     DEMO_REDIRECT, verifier);

  assert_oauth_error (reply, "invalid_grant");
  g_assert_cmpint (chutes_test_mock_get_stat (mock, "token_code_failures"), ==, 1);
}

static void
test_token_refresh_single_use (void)
{
  g_autofree char *old_refresh = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, &old_refresh);
  gint64 refreshes = chutes_test_mock_get_stat (shared, "token_refreshes");
  gint64 failures = chutes_test_mock_get_stat (shared, "token_refresh_failures");
  g_autoptr(Reply) first = refresh (shared, old_refresh);
  g_autoptr(Reply) again = refresh (shared, old_refresh);
  g_autofree char *new_access = json_member (first->body, "access_token");
  g_autofree char *new_refresh = json_member (first->body, "refresh_token");
  g_autoptr(Reply) next = refresh (shared, new_refresh);

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpstr (new_access, !=, access);
  g_assert_cmpstr (new_refresh, !=, old_refresh);
  assert_oauth_error (again, "invalid_grant");
  g_assert_cmpuint (next->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, old_refresh));
  g_assert_false (chutes_test_mock_token_is_active (shared, new_refresh));
  g_assert_true (chutes_test_mock_token_is_active (shared, new_access));
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "token_refreshes"), ==, refreshes + 3);
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "token_refresh_failures"), ==, failures + 1);
}

static void
test_revoke_ends_token (void)
{
  const char *id = chutes_test_mock_get_client_id (shared);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *refresh_token = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, &refresh_token);
  g_autoptr(Reply) chat_before = post_json (shared, "/v1/chat/completions", access,
                                            "{\"model\":\"" MODEL "\",\"messages\":"
                                            "[{\"role\":\"user\",\"content\":\"hi\"}]}");
  g_autoptr(Reply) revoke = NULL;
  g_autoptr(Reply) chat_after = NULL;
  g_autoptr(Reply) userinfo = NULL;
  g_autoptr(Reply) revoke_unknown = NULL;
  g_autoptr(Reply) refresh_after = NULL;

  g_assert_cmpuint (chat_before->status, ==, 200);
  g_assert_true (chutes_test_mock_token_is_active (shared, access));

  revoke = post_form (shared, "/idp/token/revoke", "token", access,
                      "token_type_hint", "access_token", "client_id", id,
                      "client_secret", secret, NULL);
  g_assert_cmpuint (revoke->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, access));
  chat_after = post_json (shared, "/v1/chat/completions", access,
                          "{\"model\":\"" MODEL "\",\"messages\":"
                          "[{\"role\":\"user\",\"content\":\"hi\"}]}");
  assert_detail (chat_after, 401, NULL);
  userinfo = get (shared, "/idp/userinfo", access);
  assert_detail (userinfo, 401, NULL);

  /* Revoking the refresh token too; unknown tokens still give 200. */
  g_assert_true (chutes_test_mock_token_is_active (shared, refresh_token));
  g_clear_pointer (&revoke, reply_free);
  revoke = post_form (shared, "/idp/token/revoke", "token", refresh_token,
                      "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (revoke->status, ==, 200);
  g_assert_false (chutes_test_mock_token_is_active (shared, refresh_token));
  refresh_after = refresh (shared, refresh_token);
  assert_oauth_error (refresh_after, "invalid_grant");
  revoke_unknown = post_form (shared, "/idp/token/revoke", "token", "cak_nothing",
                              "client_id", id, "client_secret", secret, NULL);
  g_assert_cmpuint (revoke_unknown->status, ==, 200);
}

static void
test_introspect_shape (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, "openid chutes:invoke", NULL);
  g_autoptr(Reply) reply = post_form (shared, "/idp/token/introspect", "token", access, NULL);
  g_autoptr(Reply) unknown = post_form (shared, "/idp/token/introspect", "token", "cak_x", NULL);
  g_autoptr(JsonNode) node = parse_json (reply->body);
  g_autoptr(JsonNode) inactive = parse_json (unknown->body);
  JsonObject *object = json_node_get_object (node);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (json_object_get_boolean_member (object, "active"));
  g_assert_cmpstr (json_object_get_string_member (object, "scope"), ==, "openid chutes:invoke");
  g_assert_cmpstr (json_object_get_string_member (object, "client_id"), ==,
                   chutes_test_mock_get_client_id (shared));
  g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "alice");
  g_assert_nonnull (json_object_get_string_member (object, "sub"));
  g_assert_cmpint (json_object_get_int_member (object, "iat"), <=, now);
  g_assert_cmpint (json_object_get_int_member (object, "exp"), >=, now + 3500);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (inactive), "active"));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (inactive)), ==, 1);
}

static void
test_userinfo (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autofree char *invoke_only = chutes_test_mock_sign_in (shared, "chutes:invoke", NULL);
  gint64 before = chutes_test_mock_get_stat (shared, "userinfo_requests");
  g_autoptr(Reply) reply = get (shared, "/idp/userinfo", access);
  g_autoptr(Reply) missing = get (shared, "/idp/userinfo", NULL);
  g_autoptr(Reply) no_scope = get (shared, "/idp/userinfo", invoke_only);
  g_autoptr(JsonNode) node = parse_json (reply->body);
  JsonObject *object = json_node_get_object (node);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "alice");
  g_assert_nonnull (json_object_get_string_member (object, "sub"));
  g_assert_nonnull (json_object_get_string_member (object, "created_at"));
  g_assert_false (json_object_has_member (object, "email"));
  assert_detail (missing, 401, NULL);
  assert_detail (no_scope, 403, NULL);
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "userinfo_requests"), ==, before + 3);
}

static void
test_expired_access_token (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--quiet", NULL);
  g_autofree char *refresh_token = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, &refresh_token);
  g_autoptr(Reply) chat = NULL;
  g_autoptr(Reply) renewed = NULL;

  chutes_test_mock_control (mock, "expire-tokens", "1", NULL);
  g_assert_false (chutes_test_mock_token_is_active (mock, access));
  chat = post_json (mock, "/v1/chat/completions", access,
                    "{\"model\":\"" MODEL "\",\"messages\":"
                    "[{\"role\":\"user\",\"content\":\"x\"}]}");
  assert_detail (chat, 401, "Invalid token");

  /* The refresh token outlives it. */
  renewed = refresh (mock, refresh_token);
  g_assert_cmpuint (renewed->status, ==, 200);
}

static void
test_short_access_ttl (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--access-ttl", "120", "--quiet", NULL);
  g_autofree char *code = get_code (mock, NULL);
  g_autoptr(Reply) reply = exchange (mock, code, chutes_test_mock_get_client_secret (mock),
                                     DEMO_REDIRECT, verifier);
  g_autoptr(JsonNode) node = parse_json (reply->body);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "expires_in"), ==, 120);
}

/* Sends @request on a new connection, reads until @wait_for shows up (when
 * not NULL), then hangs up: a client that goes away. */
static void
send_and_hang_up (ChutesTestMock *mock,
                  const char     *request,
                  const char     *wait_for)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GUri) uri = g_uri_parse (chutes_test_mock_get_url (mock), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char buffer[512];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri),
                                                NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while (wait_for != NULL && strstr (got->str, wait_for) == NULL &&
         (n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (got, buffer, n);
  g_assert_no_error (error);
  if (wait_for != NULL)
    g_assert_nonnull (strstr (got->str, wait_for));
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static void
test_token_delay (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--token-delay-ms", "300",
                                                           "--quiet", NULL);
  g_autofree char *code = get_code (mock, NULL);
  const char gone[] = "POST /idp/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: 28\r\n\r\ngrant_type=refresh_token&x=1";
  gint64 start;
  g_autoptr(Reply) reply = NULL;

  /* A client that hangs up while its reply is delayed does no harm */
  send_and_hang_up (mock, gone, NULL);
  g_usleep (400 * 1000);

  start = g_get_monotonic_time ();
  reply = exchange (mock, code, chutes_test_mock_get_client_secret (mock),
                    DEMO_REDIRECT, verifier);
  g_assert_cmpuint (reply->status, ==, 200);
  /* The delay really happened. A lower bound only: a slow machine can
   * make this longer, never shorter. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (chutes_test_mock_get_stat (mock, "token_requests"), ==, 2);
}

/* ---- Discovery, models ---------------------------------------------------- */

static void
test_openid_configuration_is_stale (void)
{
  g_autoptr(Reply) reply = get (shared, "/.well-known/openid-configuration", NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_nonnull (strstr (reply->body, "\"plain\""));
  g_assert_nonnull (strstr (reply->body, "\"none\""));
}

static void
test_models_list (void)
{
  gint64 before = chutes_test_mock_get_stat (shared, "models_requests");
  g_autoptr(Reply) reply = get (shared, "/v1/models", NULL);
  g_autoptr(JsonNode) node = parse_json (reply->body);
  JsonObject *root = json_node_get_object (node);
  JsonArray *data = json_object_get_array_member (root, "data");
  guint confidential = 0;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (root, "object"), ==, "list");
  g_assert_cmpuint (json_array_get_length (data), >=, 4);
  for (guint i = 0; i < json_array_get_length (data); i++)
    {
      JsonObject *model = json_array_get_object_element (data, i);
      JsonObject *pricing = json_object_get_object_member (model, "pricing");

      g_assert_nonnull (json_object_get_string_member (model, "id"));
      g_assert_nonnull (json_object_get_string_member (model, "chute_id"));
      g_assert_cmpint (json_object_get_int_member (model, "max_model_len"), >, 0);
      g_assert_nonnull (pricing);
      g_assert_true (json_object_has_member (pricing, "prompt"));
      g_assert_true (json_object_has_member (pricing, "completion"));
      g_assert_true (json_object_has_member (pricing, "input_cache_read"));
      if (json_object_get_boolean_member (model, "confidential_compute"))
        confidential++;
    }
  g_assert_cmpuint (confidential, ==, 1);
  g_assert_nonnull (strstr (reply->body, "\"" MODEL "\""));
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "models_requests"), ==, before + 1);
}

/* ---- Chat ----------------------------------------------------------------- */

typedef struct
{
  GPtrArray *events;      /* JsonNode of each data: {...} event */
  GString   *content;
  GString   *reasoning;
  gboolean   done;        /* saw data: [DONE] */
  gboolean   done_last;   /* ... as the very last event */
  char      *bare_line;   /* a line without "data: " */
  guint      content_events;
} Stream;

static void
stream_free (Stream *stream)
{
  g_ptr_array_unref (stream->events);
  g_string_free (stream->content, TRUE);
  g_string_free (stream->reasoning, TRUE);
  g_free (stream->bare_line);
  g_free (stream);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stream, stream_free)

static Stream *
parse_stream (const char *body)
{
  Stream *stream = g_new0 (Stream, 1);
  g_auto(GStrv) lines = g_strsplit (body, "\n", -1);

  stream->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  stream->content = g_string_new (NULL);
  stream->reasoning = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      JsonNode *node;
      JsonArray *choices;

      if (*line == '\0')
        continue;
      if (!g_str_has_prefix (line, "data: "))
        {
          g_assert_null (stream->bare_line);
          stream->bare_line = g_strdup (line);
          continue;
        }
      stream->done_last = FALSE;
      if (g_str_equal (line, "data: [DONE]"))
        {
          stream->done = stream->done_last = TRUE;
          continue;
        }
      node = parse_json (line + 6);
      g_ptr_array_add (stream->events, node);
      choices = json_object_get_array_member (json_node_get_object (node), "choices");
      g_assert_nonnull (choices);
      if (json_array_get_length (choices) > 0)
        {
          JsonObject *choice = json_array_get_object_element (choices, 0);
          JsonObject *delta = json_object_get_object_member (choice, "delta");
          const char *text = json_object_get_string_member_with_default (delta, "content", NULL);

          if (text != NULL && *text != '\0')
            {
              g_string_append (stream->content, text);
              stream->content_events++;
            }
          text = json_object_get_string_member_with_default (delta, "reasoning_content", NULL);
          if (text != NULL)
            g_string_append (stream->reasoning, text);
        }
    }

  return stream;
}

static gint64
header_int (Reply      *reply,
            const char *name)
{
  const char *value = soup_message_headers_get_one (reply->headers, name);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static char *
chat_url (ChutesTestMock *mock)
{
  return g_strconcat (chutes_test_mock_get_api_url (mock), "/chat/completions", NULL);
}

static const char chat_body[] =
  "{\"model\":\"" MODEL "\",\"stream\":true,\"messages\":["
  "{\"role\":\"system\",\"content\":\"Be nice.\"},"
  "{\"role\":\"user\",\"content\":\"What is the capital of France?\"},"
  "{\"role\":\"assistant\",\"content\":\"Paris.\"},"
  "{\"role\":\"user\",\"content\":\"And of Italy? <b>bold</b>\"}]}";

static void
test_chat_stream_shape (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  gint64 before = chutes_test_mock_get_stat (shared, "chat_requests");
  g_autoptr(Reply) first = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_autoptr(Reply) second = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_autoptr(Stream) stream = parse_stream (first->body);
  g_autoptr(Stream) again = parse_stream (second->body);
  JsonObject *first_event;
  JsonObject *last_chunk;
  JsonObject *usage_chunk;
  JsonObject *usage;
  JsonObject *choice;
  gint64 remaining1, remaining2;

  g_assert_no_error (first->error);
  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (first->headers, NULL), ==,
                   "text/event-stream");
  g_assert_cmpint (soup_message_headers_get_encoding (first->headers), ==, SOUP_ENCODING_CHUNKED);
  g_assert_nonnull (soup_message_headers_get_one (first->headers, "X-Chutes-InvocationID"));
  g_assert_cmpstr (soup_message_headers_get_one (first->headers, "X-Chutes-InvocationID"), !=,
                   soup_message_headers_get_one (second->headers, "X-Chutes-InvocationID"));

  /* Quota goes down one per request */
  remaining1 = header_int (first, "X-Chutes-Quota-Remaining");
  remaining2 = header_int (second, "X-Chutes-Quota-Remaining");
  g_assert_cmpint (remaining2, ==, remaining1 - 1);
  g_assert_cmpint (header_int (first, "X-Chutes-Quota-Total"), ==, 1000);
  g_assert_cmpint (header_int (second, "X-Chutes-Quota-Used") + remaining2, ==, 1000);

  /* role first, then content, a stop chunk, a usage chunk with empty
   * choices, and [DONE] last */
  g_assert_cmpuint (stream->events->len, >=, 4);
  first_event = json_node_get_object (g_ptr_array_index (stream->events, 0));
  g_assert_cmpstr (json_object_get_string_member (first_event, "object"), ==,
                   "chat.completion.chunk");
  g_assert_cmpstr (json_object_get_string_member (first_event, "model"), ==, MODEL);
  choice = json_array_get_object_element (json_object_get_array_member (first_event, "choices"), 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (choice, "delta"),
                                                  "role"), ==, "assistant");
  g_assert_true (json_object_get_null_member (choice, "finish_reason"));

  last_chunk = json_node_get_object (g_ptr_array_index (stream->events, stream->events->len - 2));
  choice = json_array_get_object_element (json_object_get_array_member (last_chunk, "choices"), 0);
  g_assert_cmpstr (json_object_get_string_member (choice, "finish_reason"), ==, "stop");

  usage_chunk = json_node_get_object (g_ptr_array_index (stream->events, stream->events->len - 1));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (usage_chunk, "choices")),
                    ==, 0);
  usage = json_object_get_object_member (usage_chunk, "usage");
  g_assert_cmpint (json_object_get_int_member (usage, "completion_tokens"), ==,
                   stream->content_events);
  g_assert_cmpint (json_object_get_int_member (usage, "total_tokens"), ==,
                   json_object_get_int_member (usage, "prompt_tokens") +
                   json_object_get_int_member (usage, "completion_tokens"));
  g_assert_true (stream->done);
  g_assert_true (stream->done_last);
  g_assert_null (stream->bare_line);

  /* The canned text: quotes the last user message, counts the messages,
   * and is the same every time */
  g_assert_true (g_str_has_prefix (stream->content->str,
                                   "You said: \"And of Italy? <b>bold</b>\". "
                                   "This conversation has 4 messages so far. "));
  g_assert_cmpstr (stream->content->str, ==, again->content->str);
  g_assert_cmpuint (stream->content_events, >, 20);
  g_assert_cmpuint (stream->reasoning->len, ==, 0);
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "chat_requests"), ==, before + 2);
}

static void
test_chat_not_streamed_same_text (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(GString) plain_body = g_string_new (chat_body);
  g_autoptr(Reply) streamed = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_autoptr(Reply) plain = NULL;
  g_autoptr(Stream) stream = parse_stream (streamed->body);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *choice;
  JsonObject *root;

  g_string_replace (plain_body, "\"stream\":true", "\"stream\":false", 1);
  plain = post_json (shared, "/v1/chat/completions", access, plain_body->str);
  g_assert_cmpuint (plain->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (plain->headers, NULL), ==,
                   "application/json");
  node = parse_json (plain->body);
  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "object"), ==, "chat.completion");
  choice = json_array_get_object_element (json_object_get_array_member (root, "choices"), 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (choice, "message"),
                                                  "content"), ==, stream->content->str);
  g_assert_cmpstr (json_object_get_string_member (choice, "finish_reason"), ==, "stop");
  g_assert_nonnull (json_object_get_object_member (root, "usage"));
  g_assert_nonnull (soup_message_headers_get_one (plain->headers, "X-Chutes-Quota-Remaining"));
}

static void
test_chat_reply_words (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--reply-words", "0", "--quiet", NULL);
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, NULL);
  g_autoptr(Reply) reply = post_json (mock, "/v1/chat/completions", access,
                                      "{\"model\":\"" MODEL "\",\"stream\":true,\"messages\":"
                                      "[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                                      "\"text\":\"Hi\"}]}]}");
  g_autoptr(Stream) stream = parse_stream (reply->body);
  g_autofree char *long_text = g_strnfill (100, 'x');
  g_autofree char *long_body = g_strdup_printf ("{\"model\":\"" MODEL "\",\"stream\":true,"
                                                "\"messages\":[{\"role\":\"user\","
                                                "\"content\":\"%s\"}]}", long_text);
  g_autoptr(Reply) long_reply = post_json (mock, "/v1/chat/completions", access, long_body);
  g_autoptr(Stream) long_stream = parse_stream (long_reply->body);
  g_autofree char *expected = g_strdup_printf ("You said: \"%.80s\". "
                                               "This conversation has 1 message so far.",
                                               long_text);

  g_assert_cmpstr (stream->content->str, ==,
                   "You said: \"Hi\". This conversation has 1 message so far.");
  g_assert_cmpstr (long_stream->content->str, ==, expected);
}

static void
test_chat_thinking (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autofree char *url = chat_url (shared);
  g_autoptr(Reply) header = request_full ("POST", url, "application/json", chat_body, access,
                                          "X-Enable-Thinking", "true");
  g_autoptr(Reply) suffix = post_json (shared, "/v1/chat/completions", access,
                                       "{\"model\":\"" MODEL ":THINKING\",\"stream\":true,"
                                       "\"messages\":[{\"role\":\"user\",\"content\":\"Hm\"}]}");
  g_autoptr(Stream) with_header = parse_stream (header->body);
  g_autoptr(Stream) with_suffix = parse_stream (suffix->body);
  gboolean seen_content = FALSE;

  g_assert_cmpuint (with_header->reasoning->len, >, 0);
  g_assert_cmpuint (with_suffix->reasoning->len, >, 0);
  g_assert_cmpuint (with_header->content->len, >, 0);

  /* All reasoning comes before any content */
  for (guint i = 0; i < with_header->events->len; i++)
    {
      JsonObject *event = json_node_get_object (g_ptr_array_index (with_header->events, i));
      JsonArray *choices = json_object_get_array_member (event, "choices");
      JsonObject *delta;
      const char *content;

      if (json_array_get_length (choices) == 0)
        continue;
      delta = json_object_get_object_member (json_array_get_object_element (choices, 0), "delta");
      content = json_object_get_string_member_with_default (delta, "content", NULL);
      if (content != NULL && *content != '\0')
        seen_content = TRUE;
      if (json_object_has_member (delta, "reasoning_content"))
        g_assert_false (seen_content);
    }
}

static void
test_chat_client_gone_mid_stream (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autofree char *request = g_strdup_printf ("POST /v1/chat/completions HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s",
                                              access, strlen (chat_body), chat_body);
  gint64 streams = chutes_test_mock_get_stat (shared, "chat_streams");
  gint64 completed = chutes_test_mock_get_stat (shared, "chat_streams_completed");
  g_autoptr(Reply) after = NULL;

  chutes_test_mock_control (shared, "stream-delay-ms", "20", NULL);
  send_and_hang_up (shared, request, "\"content\":\"You \"");
  g_usleep (200 * 1000);
  chutes_test_mock_control (shared, "stream-delay-ms", "0", NULL);

  after = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_assert_cmpuint (after->status, ==, 200);
  g_assert_true (g_str_has_suffix (after->body, "data: [DONE]\n\n"));
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "chat_streams"), ==, streams + 2);

  /* The mock counts a stream as complete once its last write is done,
   * which can be a moment after the client has read it. The limit only
   * stops a hang. */
  for (guint i = 0; chutes_test_mock_get_stat (shared, "chat_streams_completed") <= completed; i++)
    {
      g_assert_cmpuint (i, <, 3000);
      g_usleep (10 * 1000);
    }
  g_usleep (100 * 1000);
  g_assert_cmpint (chutes_test_mock_get_stat (shared, "chat_streams_completed"), ==,
                   completed + 1);
}

static void
test_chat_needs_valid_token (void)
{
  g_autofree char *no_invoke = chutes_test_mock_sign_in (shared, "openid profile", NULL);
  g_autoptr(Reply) missing = post_json (shared, "/v1/chat/completions", NULL, chat_body);
  g_autoptr(Reply) bogus = post_json (shared, "/v1/chat/completions", "cak_bogus", chat_body);
  g_autoptr(Reply) scope = post_json (shared, "/v1/chat/completions", no_invoke, chat_body);

  assert_detail (missing, 401, NULL);
  assert_detail (bogus, 401, "Invalid token.");
  assert_detail (scope, 403, "chutes:invoke");
}

static void
test_chat_bad_requests (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) unknown = post_json (shared, "/v1/chat/completions", access,
                                        "{\"model\":\"nobody/nothing\",\"messages\":"
                                        "[{\"role\":\"user\",\"content\":\"x\"}]}");
  g_autoptr(Reply) not_json = post_json (shared, "/v1/chat/completions", access, "{nope");
  g_autoptr(Reply) no_messages = post_json (shared, "/v1/chat/completions", access,
                                            "{\"model\":\"" MODEL "\",\"messages\":[]}");
  g_autoptr(Reply) no_model = post_json (shared, "/v1/chat/completions", access,
                                         "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

  assert_detail (unknown, 404, "model not found: nobody/nothing");
  assert_detail (not_json, 400, NULL);
  g_assert_cmpuint (no_messages->status, ==, 422);
  g_assert_cmpuint (no_model->status, ==, 422);
  g_assert_nonnull (strstr (no_model->body, "\"loc\":[\"body\",\"model\"]"));
}

static void
test_chat_quota_runs_out (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--quota", "1", "--quiet", NULL);
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, NULL);
  g_autoptr(Reply) first = post_json (mock, "/v1/chat/completions", access, chat_body);
  g_autoptr(Reply) second = post_json (mock, "/v1/chat/completions", access, chat_body);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *detail;

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_cmpint (header_int (first, "X-Chutes-Quota-Remaining"), ==, 0);
  g_assert_cmpuint (second->status, ==, 402);
  node = parse_json (second->body);
  detail = json_object_get_object_member (json_node_get_object (node), "detail");
  g_assert_nonnull (strstr (json_object_get_string_member (detail, "message"), "Quota exceeded"));
  g_assert_nonnull (json_object_get_string_member (detail, "quota_reset_timestamp"));
}

/* ---- Failure switches ------------------------------------------------------ */

static void
test_fail_chat_statuses (void)
{
  static const struct { const char *name; guint status; const char *fragment; } cases[] = {
    { "chat-401", 401, "Invalid token." },
    { "chat-403", 403, "chutes:invoke" },
    { "chat-404", 404, "model not found: " MODEL },
    { "chat-426", 426, NULL },
    { "chat-429", 429, NULL },
    { "chat-503", 503, "No instances available" },
  };
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) failed = NULL;
      g_autoptr(Reply) fine = NULL;

      chutes_test_mock_control (shared, "fail", cases[i].name, "count", "1", NULL);
      failed = post_json (shared, "/v1/chat/completions", access, chat_body);
      assert_detail (failed, cases[i].status, cases[i].fragment);
      fine = post_json (shared, "/v1/chat/completions", access, chat_body);
      g_assert_cmpuint (fine->status, ==, 200);
    }
}

static void
test_fail_chat_402_and_html (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) quota = NULL;
  g_autoptr(Reply) html = NULL;
  g_autoptr(Reply) html_again = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *detail;

  chutes_test_mock_control (shared, "fail", "chat-402", "count", "1", NULL);
  quota = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_assert_cmpuint (quota->status, ==, 402);
  node = parse_json (quota->body);
  detail = json_object_get_object_member (json_node_get_object (node), "detail");
  g_assert_nonnull (strstr (json_object_get_string_member (detail, "message"), "Quota exceeded"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (detail, "quota_reset_timestamp"),
                                   "T00:00:00+00:00"));

  /* Unlimited until cleared */
  chutes_test_mock_control (shared, "fail", "chat-html-502", NULL);
  html = post_json (shared, "/v1/chat/completions", access, chat_body);
  html_again = post_json (shared, "/v1/chat/completions", access, chat_body);
  chutes_test_mock_control (shared, "fail", "", NULL);
  g_assert_cmpuint (html->status, ==, 502);
  g_assert_cmpuint (html_again->status, ==, 502);
  g_assert_cmpstr (soup_message_headers_get_content_type (html->headers, NULL), ==, "text/html");
  g_assert_true (g_str_has_prefix (html->body, "<html>"));
}

static void
test_fail_midstream_error (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Stream) stream = NULL;

  chutes_test_mock_control (shared, "fail", "chat-midstream-error", "count", "1", NULL);
  reply = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, 200);
  stream = parse_stream (reply->body);
  g_assert_cmpuint (stream->content_events, ==, 3);
  g_assert_true (g_str_has_prefix (stream->content->str, "You said: "));
  g_assert_nonnull (stream->bare_line);
  g_assert_true (g_str_has_prefix (stream->bare_line, "{\"error\":\""));
  g_assert_false (stream->done);
  g_assert_true (g_str_has_suffix (reply->body, "}\n"));
}

static void
test_fail_no_done (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Stream) stream = NULL;
  JsonObject *last;

  chutes_test_mock_control (shared, "fail", "chat-no-done", "count", "1", NULL);
  reply = post_json (shared, "/v1/chat/completions", access, chat_body);
  stream = parse_stream (reply->body);
  g_assert_false (stream->done);
  last = json_node_get_object (g_ptr_array_index (stream->events, stream->events->len - 1));
  g_assert_true (json_object_has_member (last, "usage"));
  g_assert_true (g_str_has_prefix (stream->content->str, "You said: "));
}

/* Reads a streamed reply with the GInputStream API until the end or an
 * error, keeping what arrived. */
static char *
read_stream_until_error (ChutesTestMock  *mock,
                         const char      *access,
                         GError         **error)
{
  g_autofree char *url = chat_url (mock);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new_static (chat_body, strlen (chat_body));
  g_autofree char *auth = g_strconcat ("Bearer ", access, NULL);
  g_autoptr(GInputStream) in = NULL;
  GString *got = g_string_new (NULL);
  char buffer[256];
  gssize n;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  in = soup_session_send (session, msg, NULL, error);
  if (in == NULL)
    return g_string_free (got, FALSE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, error)) > 0)
    g_string_append_len (got, buffer, n);

  return g_string_free (got, FALSE);
}

static void
test_fail_drop (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autoptr(Reply) after = NULL;

  chutes_test_mock_control (shared, "fail", "chat-drop", "count", "1", NULL);
  got = read_stream_until_error (shared, access, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_nonnull (strstr (got, "\"content\":\"You \""));
  g_assert_null (strstr (got, "[DONE]"));
  g_assert_null (strstr (got, "\"usage\""));

  /* The server is fine afterwards */
  after = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_assert_cmpuint (after->status, ==, 200);
}

/* Sends a chat request over a raw socket and returns the chunk sizes of
 * the chunked body, and the de-chunked body in @body_out. */
static GArray *
raw_chunk_sizes (ChutesTestMock *mock,
                 const char     *access,
                 char          **body_out)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) raw = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *request = NULL;
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  GUri *uri = g_uri_parse (chutes_test_mock_get_url (mock), G_URI_FLAGS_NONE, NULL);
  const char *p;
  char buffer[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri),
                                                NULL, &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                             access, strlen (chat_body), chat_body);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (raw, buffer, n);
  g_assert_no_error (error);
  g_uri_unref (uri);

  g_assert_true (g_str_has_prefix (raw->str, "HTTP/1.1 200"));
  p = strstr (raw->str, "\r\n\r\n");
  g_assert_nonnull (p);
  p += 4;
  for (;;)
    {
      char *end;
      guint size = strtoul (p, &end, 16);

      g_assert_true (g_str_has_prefix (end, "\r\n"));
      p = end + 2;
      if (size == 0)
        break;
      g_array_append_val (sizes, size);
      g_string_append_len (body, p, size);
      p += size;
      g_assert_true (g_str_has_prefix (p, "\r\n"));
      p += 2;
    }

  *body_out = g_strdup (body->str);
  return sizes;
}

static void
test_fail_split (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autofree char *normal_body = NULL;
  g_autofree char *split_body = NULL;
  g_autoptr(GArray) normal = raw_chunk_sizes (shared, access, &normal_body);
  g_autoptr(GArray) split = NULL;
  g_autoptr(Stream) normal_stream = NULL;
  g_autoptr(Stream) split_stream = NULL;
  guint small = 0;

  chutes_test_mock_control (shared, "fail", "chat-split", "count", "1", NULL);
  split = raw_chunk_sizes (shared, access, &split_body);

  /* Normally one event per chunk; split: every chunk 1 to 7 bytes */
  for (guint i = 0; i < normal->len; i++)
    g_assert_cmpuint (g_array_index (normal, guint, i), >, 7);
  for (guint i = 0; i < split->len; i++)
    {
      guint size = g_array_index (split, guint, i);

      g_assert_cmpuint (size, >=, 1);
      g_assert_cmpuint (size, <=, 7);
      if (size < 4)
        small++;
    }
  g_assert_cmpuint (small, >, 10);
  g_assert_cmpuint (split->len, >, strlen (split_body) / 7);

  normal_stream = parse_stream (normal_body);
  split_stream = parse_stream (split_body);
  g_assert_cmpstr (split_stream->content->str, ==, normal_stream->content->str);
  g_assert_true (split_stream->done_last);
}

static void
test_fail_stall (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(SoupSession) impatient = soup_session_new_with_options ("timeout", 2, NULL);
  g_autofree char *url = chat_url (shared);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new_static (chat_body, strlen (chat_body));
  g_autofree char *auth = g_strconcat ("Bearer ", access, NULL);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) after = NULL;
  char buffer[64];
  gssize n;

  chutes_test_mock_control (shared, "fail", "chat-stall", "count", "1", NULL);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  in = soup_session_send (impatient, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                          NULL), ==, "text/event-stream");
  n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  after = post_json (shared, "/v1/chat/completions", access, chat_body);
  g_assert_cmpuint (after->status, ==, 200);
}

static void
test_fail_token_switches (void)
{
  g_autofree char *refresh_token = NULL;
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, &refresh_token);
  const char *secret = chutes_test_mock_get_client_secret (shared);
  g_autofree char *code1 = get_code (shared, NULL);
  g_autofree char *code2 = get_code (shared, NULL);
  g_autofree char *code3 = get_code (shared, NULL);
  g_autoptr(Reply) grant = NULL;
  g_autoptr(Reply) refreshed = NULL;
  g_autoptr(Reply) client = NULL;
  g_autoptr(Reply) server_error = NULL;
  g_autoptr(Reply) fine = NULL;

  chutes_test_mock_control (shared, "fail", "token-invalid-grant", "count", "1", NULL);
  grant = exchange (shared, code1, secret, DEMO_REDIRECT, verifier);
  assert_oauth_error (grant, "invalid_grant");

  chutes_test_mock_control (shared, "fail", "refresh-invalid-grant", "count", "1", NULL);
  refreshed = refresh (shared, refresh_token);
  assert_oauth_error (refreshed, "invalid_grant");

  chutes_test_mock_control (shared, "fail", "token-invalid-client", "count", "1", NULL);
  client = exchange (shared, code2, secret, DEMO_REDIRECT, verifier);
  assert_oauth_error (client, "invalid_client");

  chutes_test_mock_control (shared, "fail", "token-500", "count", "1", NULL);
  server_error = exchange (shared, code3, secret, DEMO_REDIRECT, verifier);
  g_assert_cmpuint (server_error->status, ==, 500);

  /* Switches used up: the refresh token was not spent by the injection */
  fine = refresh (shared, refresh_token);
  g_assert_cmpuint (fine->status, ==, 200);
}

static void
test_fail_other_switches (void)
{
  g_autofree char *access = chutes_test_mock_sign_in (shared, NULL, NULL);
  g_autoptr(Reply) userinfo = NULL;
  g_autoptr(Reply) models = NULL;
  g_autoptr(Reply) taken = NULL;
  g_autoptr(Reply) forbidden = NULL;
  g_autofree char *url = g_strconcat (chutes_test_mock_get_url (shared), "/_mock/control", NULL);
  g_autoptr(Reply) unknown = request_full ("POST", url, "application/x-www-form-urlencoded",
                                           "fail=chat-999", NULL, NULL, NULL);
  const char *app = "{\"name\":\"Fine Name\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}";

  chutes_test_mock_control (shared, "fail", "userinfo-401", "count", "1", NULL);
  userinfo = get (shared, "/idp/userinfo", access);
  assert_detail (userinfo, 401, NULL);

  chutes_test_mock_control (shared, "fail", "models-500", "count", "1", NULL);
  models = get (shared, "/v1/models", NULL);
  g_assert_cmpuint (models->status, ==, 500);

  chutes_test_mock_control (shared, "fail", "apps-409", "count", "1", NULL);
  taken = post_json (shared, "/idp/apps", "cpk_testkey", app);
  assert_detail (taken, 409, "Fine Name");

  chutes_test_mock_control (shared, "fail", "apps-403", "count", "1", NULL);
  forbidden = post_json (shared, "/idp/apps", "cpk_testkey", app);
  assert_detail (forbidden, 403, NULL);

  g_assert_cmpuint (unknown->status, ==, 400);
}

static void
test_fail_from_command_line (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--fail", "models-500",
                                                           "--fail", "chat-429", "--quiet", NULL);
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, NULL);
  g_autoptr(Reply) models = get (mock, "/v1/models", NULL);
  g_autoptr(Reply) models_again = get (mock, "/v1/models", NULL);
  g_autoptr(Reply) chat = post_json (mock, "/v1/chat/completions", access, chat_body);

  g_assert_cmpuint (models->status, ==, 500);
  g_assert_cmpuint (models_again->status, ==, 500);
  assert_detail (chat, 429, NULL);
  g_assert_cmpint (chutes_test_mock_get_stat (mock, "failures_injected"), ==, 3);
}

/* ---- App registration ------------------------------------------------------ */

static void
test_apps_register_and_sign_in (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--quiet", NULL);
  g_autoptr(Reply) reply = post_json (mock, "/idp/apps", "cpk_mykey",
                                      "{\"name\":\"My Desktop 1.0\",\"description\":\"d\","
                                      "\"homepage_url\":\"https://example.com\","
                                      "\"redirect_uris\":[\"http://127.0.0.1:48723/callback\","
                                      "\"http://127.0.0.1:48724/callback\"],"
                                      "\"allowed_scopes\":"
                                      "[\"openid\",\"profile\",\"chutes:invoke\"]}");
  g_autoptr(JsonNode) node = parse_json (reply->body);
  JsonObject *app = json_node_get_object (node);
  const char *client_id = json_object_get_string_member (app, "client_id");
  const char *secret = json_object_get_string_member (app, "client_secret");
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(Reply) tokens = NULL;
  g_autoptr(Reply) clash = NULL;
  g_autoptr(Reply) me = get (mock, "/users/me", "cpk_mykey");

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (g_str_has_prefix (client_id, "cid_"));
  g_assert_cmpuint (strlen (client_id), ==, 4 + 24);
  g_assert_true (g_str_has_prefix (secret, "csc_"));
  g_assert_cmpuint (strlen (secret), ==, 4 + 48);
  g_assert_cmpstr (json_object_get_string_member (app, "name"), ==, "My Desktop 1.0");
  g_assert_cmpint (chutes_test_mock_get_stat (mock, "apps_registered"), ==, 1);

  /* It can sign in at once */
  params = authorize_and_decide (mock, client_id, OTHER_REDIRECT, NULL, "allow");
  tokens = post_form (mock, "/idp/token", "grant_type", "authorization_code",
                      "client_id", client_id, "client_secret", secret,
                      "code", g_hash_table_lookup (params, "code"),
                      "redirect_uri", OTHER_REDIRECT,
                      "code_verifier", verifier, NULL);
  g_assert_cmpuint (tokens->status, ==, 200);

  /* Names are unique (case does not matter) */
  clash = post_json (mock, "/idp/apps", "cpk_mykey",
                     "{\"name\":\"my desktop 1.0\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}");
  assert_detail (clash, 409, NULL);

  g_assert_cmpuint (me->status, ==, 200);
  g_assert_nonnull (strstr (me->body, "\"username\":\"alice\""));
  g_assert_nonnull (strstr (me->body, "\"user_id\""));
}

static void
test_apps_validation (void)
{
  static const struct { const char *bearer; const char *body; guint status; } cases[] = {
    { NULL, "{\"name\":\"Good Name\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}", 401 },
    { "sk_notakey", "{\"name\":\"Good Name\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}", 401 },
    { "cpk_k", "{\"name\":\"Taken App\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}", 409 },
    { "cpk_k", "{\"name\":\"ab\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}", 422 },
    { "cpk_k", "{\"name\":\"Bad <name>\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"]}", 422 },
    { "cpk_k", "{\"name\":\"Good Name\",\"redirect_uris\":[]}", 422 },
    { "cpk_k", "{\"name\":\"Good Name\",\"redirect_uris\":[\"chutes://callback\"]}", 422 },
    { "cpk_k", "{\"name\":\"Good Name\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"],"
               "\"allowed_scopes\":[\"openid\",\"billing:read\"]}", 403 },
    { "cpk_k", "{\"name\":\"Good Name\",\"redirect_uris\":[\"http://127.0.0.1:1/cb\"],"
               "\"allowed_scopes\":[\"secrets:write\"]}", 403 },
    { "cpk_k", "not json", 422 },
  };
  g_autoptr(Reply) bad_key = get (shared, "/users/me", "nope");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) reply = post_json (shared, "/idp/apps", cases[i].bearer, cases[i].body);

      g_test_message ("case %u", i);
      assert_detail (reply, cases[i].status, NULL);
    }
  assert_detail (bad_key, 401, NULL);
}

/* ---- Helpers and process ---------------------------------------------------- */

typedef struct
{
  gboolean  done;
  char     *body;
  guint     status;
  GError   *error;
} BrowserRun;

static void
browser_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BrowserRun *run = user_data;

  run->body = chutes_test_mock_play_browser_finish (shared, result, &run->status, &run->error);
  run->done = TRUE;
}

/* The app's loopback listener, as the test plays it. */
static void
callback_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  const char *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  const char *error = query != NULL ? g_hash_table_lookup (query, "error") : NULL;
  g_autofree char *page = g_strdup_printf ("listener saw %s", code != NULL ? "a code" :
                                           error != NULL ? error : "nothing");

  soup_server_message_set_status (msg, code != NULL ? 200 : 403, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, page, strlen (page));
}

static void
test_helper_play_browser (void)
{
  g_autoptr(SoupServer) listener = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  guint port = chutes_test_find_free_port ();
  g_autofree char *redirect = g_strdup_printf ("http://127.0.0.1:%u/callback", port);
  g_autoptr(ChutesTestMock) mock = NULL;
  const char *decisions[] = { "allow", "deny" };
  const char *expected[] = { "listener saw a code", "listener saw access_denied" };

  g_assert_cmpuint (port, >, 0);
  soup_server_add_handler (listener, "/callback", callback_cb, NULL, NULL);
  soup_server_listen_local (listener, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  mock = chutes_test_mock_start ("--redirect-uri", redirect, "--quiet", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (decisions); i++)
    {
      g_autofree char *url = authorize_url (mock, chutes_test_mock_get_client_id (mock),
                                            redirect, NULL, "s", "S256");
      BrowserRun run = { 0 };

      chutes_test_mock_play_browser_async (mock, url, decisions[i], NULL, browser_cb, &run);
      chutes_test_wait_for (&run.done, 10);
      g_assert_no_error (run.error);
      g_assert_cmpstr (run.body, ==, expected[i]);
      g_assert_cmpuint (run.status, ==, i == 0 ? 200 : 403);
      g_free (run.body);
    }

  /* A redirect-less error page comes back as it is */
  {
    g_autofree char *url = authorize_url (mock, chutes_test_mock_get_client_id (mock),
                                          DEMO_REDIRECT, NULL, "s", "S256");
    BrowserRun run = { 0 };

    chutes_test_mock_play_browser_async (mock, url, "allow", NULL, browser_cb, &run);
    chutes_test_wait_for (&run.done, 10);
    g_assert_no_error (run.error);
    g_assert_cmpuint (run.status, ==, 400);
    g_assert_nonnull (strstr (run.body, "Redirect URI not registered"));
    g_free (run.body);
  }

  g_assert_cmpint (chutes_test_mock_get_stat (mock, "consent_allowed"), ==, 1);
  g_assert_cmpint (chutes_test_mock_get_stat (mock, "consent_denied"), ==, 1);
}

static void
test_helper_auto_consent (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--auto-consent", "deny",
                                                           "--quiet", NULL);
  g_autofree char *url = authorize_url (mock, chutes_test_mock_get_client_id (mock),
                                        DEMO_REDIRECT, NULL, "s", "S256");
  g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);
  g_autoptr(GHashTable) params = redirect_params (reply);
  g_autoptr(ChutesTestMock) allow = chutes_test_mock_start ("--auto-consent", "allow",
                                                            "--user", "bob", "--quiet", NULL);
  g_autofree char *access = chutes_test_mock_sign_in (allow, NULL, NULL);
  g_autoptr(Reply) me = get (allow, "/idp/userinfo", access);

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "access_denied");
  g_assert_cmpstr (chutes_test_mock_get_username (allow), ==, "bob");
  g_assert_nonnull (strstr (me->body, "\"username\":\"bob\""));
}

static void
test_helper_custom_client_and_config (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--client-id",
                                                           "cid_abcdefghijklmnopqrstuvwx",
                                                           "--client-secret=csc_s3cret",
                                                           "--quiet", NULL);
  g_autoptr(ChutesConfig) config = chutes_test_mock_new_config (mock, OTHER_REDIRECT);
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, NULL);
  g_autofree char *demo_url = authorize_url (mock, MOCK_CHUTES_DEMO_CLIENT_ID, DEMO_REDIRECT,
                                             NULL, "s", "S256");
  g_autoptr(Reply) demo = request_full ("GET", demo_url, NULL, NULL, NULL, NULL, NULL);

  g_assert_cmpstr (chutes_test_mock_get_client_id (mock), ==, "cid_abcdefghijklmnopqrstuvwx");
  g_assert_cmpstr (chutes_test_mock_get_client_secret (mock), ==, "csc_s3cret");
  g_assert_true (g_str_has_prefix (access, "cak_"));
  assert_error_page (demo);

  g_assert_cmpstr (chutes_config_get_idp_base_url (config), ==, chutes_test_mock_get_url (mock));
  g_assert_cmpstr (chutes_config_get_api_base_url (config), ==,
                   chutes_test_mock_get_api_url (mock));
  g_assert_cmpstr (chutes_config_get_client_id (config), ==, "cid_abcdefghijklmnopqrstuvwx");
  g_assert_cmpstr (chutes_config_get_client_secret (config), ==, "csc_s3cret");
  g_assert_cmpstr (chutes_config_get_redirect_uris (config)[0], ==, OTHER_REDIRECT);
  g_assert_true (chutes_config_is_local_server (config));
}

static void
test_process_stops_on_sigterm (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--user", "carol", NULL);
  g_autoptr(Reply) before = get (mock, "/v1/models", NULL);
  g_autoptr(Reply) after = NULL;

  g_assert_cmpuint (before->status, ==, 200);
  chutes_test_mock_stop (mock);   /* asserts exit status 0 */
  chutes_test_mock_stop (mock);
  after = get (mock, "/v1/models", NULL);
  g_assert_error (after->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_process_loopback_only (void)
{
  g_autoptr(GUri) uri = g_uri_parse (chutes_test_mock_get_url (shared), G_URI_FLAGS_NONE, NULL);
  struct ifaddrs *addrs = NULL;
  char other[INET_ADDRSTRLEN] = "";

  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");

  g_assert_cmpint (getifaddrs (&addrs), ==, 0);
  for (struct ifaddrs *a = addrs; a != NULL; a = a->ifa_next)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) a->ifa_addr;

      if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET ||
          (ntohl (in->sin_addr.s_addr) >> 24) == 127)
        continue;
      inet_ntop (AF_INET, &in->sin_addr, other, sizeof other);
      break;
    }
  freeifaddrs (addrs);

  if (*other == '\0')
    {
      g_test_skip ("This machine has no non-loopback IPv4 address to try");
      return;
    }

  {
    g_autofree char *url = g_strdup_printf ("http://%s:%d/v1/models", other, g_uri_get_port (uri));
    g_autoptr(Reply) reply = request_full ("GET", url, NULL, NULL, NULL, NULL, NULL);

    g_test_message ("trying %s", url);
    g_assert_error (reply->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  }
}

static void
test_stats_and_unknown_paths (void)
{
  g_autoptr(Reply) stats = get (shared, "/_mock/stats", NULL);
  g_autoptr(Reply) nothing = get (shared, "/nothing/here", NULL);
  g_autoptr(Reply) wrong_method = get (shared, "/idp/token", NULL);
  g_autoptr(Reply) index = get (shared, "/", NULL);
  const char *counters[] = {
    "authorize_requests", "consent_allowed", "consent_denied", "token_code_exchanges",
    "token_refreshes", "token_refresh_failures", "revocations", "userinfo_requests",
    "chat_requests", "models_requests", "apps_registered",
  };

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    {
      g_autofree char *member = g_strdup_printf ("\"%s\":", counters[i]);
      g_assert_nonnull (strstr (stats->body, member));
    }
  assert_detail (nothing, 404, NULL);
  assert_detail (wrong_method, 405, NULL);
  g_assert_cmpuint (index->status, ==, 200);
  g_assert_nonnull (strstr (index->body, "Chutes demo server"));
}

/* A 1x1 PNG. */
#define ONE_PIXEL_PNG "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="

static char *
image_request (const char *model,
               const char *url)
{
  return g_strdup_printf ("{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":["
                          "{\"type\":\"text\",\"text\":\"What is it?\"},"
                          "{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}",
                          model, url);
}

static void
test_image_parts_checked (void)
{
  g_autoptr(ChutesTestMock) mock = chutes_test_mock_start ("--quiet", "--reply-words", "0", NULL);
  g_autofree char *access = chutes_test_mock_sign_in (mock, NULL, NULL);
  g_autofree char *good = image_request ("unsloth/gemma-3-27b-it", "data:image/png;base64," ONE_PIXEL_PNG);
  g_autofree char *text_model = image_request (MODEL, "data:image/png;base64," ONE_PIXEL_PNG);
  g_autofree char *not_data = image_request ("unsloth/gemma-3-27b-it", "https://example.com/cat.png");
  g_autofree char *not_image = image_request ("unsloth/gemma-3-27b-it", "data:image/png;base64,aGVsbG8=");
  g_autofree char *svg = image_request ("unsloth/gemma-3-27b-it", "data:image/svg+xml;base64,PHN2Zy8+");
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) refused = NULL;
  g_autoptr(Reply) remote = NULL;
  g_autoptr(Reply) garbage = NULL;
  g_autoptr(Reply) vector = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) received = NULL;

  ok = post_json (mock, "/v1/chat/completions", access, good);
  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_nonnull (strstr (ok->body, "You said: \\\"What is it?\\\" with 1 image (1x1 image/png). "
                                      "This conversation has 1 message so far."));
  /* What arrived, as it arrived. */
  last = chutes_test_mock_get_last_chat (mock);
  sent = json_from_string (good, NULL);
  received = json_node_init_object (json_node_alloc (), last);
  g_assert_true (json_node_equal (sent, received));

  refused = post_json (mock, "/v1/chat/completions", access, text_model);
  assert_detail (refused, 400, "Model " MODEL " does not support image input");
  remote = post_json (mock, "/v1/chat/completions", access, not_data);
  assert_detail (remote, 400, "messages[0].content[1].image_url.url is not a base64 data URI");
  garbage = post_json (mock, "/v1/chat/completions", access, not_image);
  assert_detail (garbage, 400, "is not a base64 data URI of a PNG, JPEG, WebP or GIF image");
  vector = post_json (mock, "/v1/chat/completions", access, svg);
  assert_detail (vector, 400, "image_url.url");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  session = soup_session_new_with_options ("timeout", 20, NULL);
  /* MOCK_CHUTES_VERBOSE=1 shows the mock's request log */
  shared = chutes_test_mock_start (g_getenv ("MOCK_CHUTES_VERBOSE") ? "--user=alice" : "--quiet",
                                   NULL);

  g_test_add_func ("/mock/authorize/unknown-client-shows-error-page",
                   test_authorize_unknown_client);
  g_test_add_func ("/mock/authorize/redirect-uri-must-match-exactly",
                   test_authorize_redirect_exact);
  g_test_add_func ("/mock/authorize/plain-pkce-is-refused", test_authorize_plain_pkce_refused);
  g_test_add_func ("/mock/authorize/unknown-scope-is-invalid-scope", test_authorize_unknown_scope);
  g_test_add_func ("/mock/authorize/deny-redirects-access-denied", test_authorize_deny);
  g_test_add_func ("/mock/authorize/consent-answers-once", test_consent_request_single_use);
  g_test_add_func ("/mock/token/code-is-single-use", test_token_code_single_use);
  g_test_add_func ("/mock/token/client-authentication-is-required",
                   test_token_client_secret_required);
  g_test_add_func ("/mock/token/basic-credentials-are-form-decoded",
                   test_token_basic_is_form_decoded);
  g_test_add_func ("/mock/token/pkce-and-redirect-are-checked",
                   test_token_pkce_and_redirect_checked);
  g_test_add_func ("/mock/token/code-expires", test_token_code_expires);
  g_test_add_func ("/mock/token/refresh-token-is-single-use", test_token_refresh_single_use);
  g_test_add_func ("/mock/token/access-ttl-option", test_short_access_ttl);
  g_test_add_func ("/mock/token/delay-option", test_token_delay);
  g_test_add_func ("/mock/token/revoke-ends-the-token", test_revoke_ends_token);
  g_test_add_func ("/mock/token/revoke-needs-client-authentication",
                   test_revoke_needs_client_authentication);
  g_test_add_func ("/mock/token/introspect-shape", test_introspect_shape);
  g_test_add_func ("/mock/token/expired-access-token-is-refused", test_expired_access_token);
  g_test_add_func ("/mock/userinfo/username-only", test_userinfo);
  g_test_add_func ("/mock/discovery/document-is-stale", test_openid_configuration_is_stale);
  g_test_add_func ("/mock/models/list", test_models_list);
  g_test_add_func ("/mock/chat/stream-shape-and-quota", test_chat_stream_shape);
  g_test_add_func ("/mock/chat/not-streamed-same-text", test_chat_not_streamed_same_text);
  g_test_add_func ("/mock/chat/reply-quotes-80-chars", test_chat_reply_words);
  g_test_add_func ("/mock/chat/thinking-comes-first", test_chat_thinking);
  g_test_add_func ("/mock/chat/client-gone-mid-stream", test_chat_client_gone_mid_stream);
  g_test_add_func ("/mock/chat/needs-a-valid-token", test_chat_needs_valid_token);
  g_test_add_func ("/mock/chat/bad-requests", test_chat_bad_requests);
  g_test_add_func ("/mock/chat/quota-runs-out", test_chat_quota_runs_out);
  g_test_add_func ("/mock/fail/chat-statuses-fire-once", test_fail_chat_statuses);
  g_test_add_func ("/mock/fail/chat-402-and-html-502", test_fail_chat_402_and_html);
  g_test_add_func ("/mock/fail/chat-midstream-error", test_fail_midstream_error);
  g_test_add_func ("/mock/fail/chat-no-done", test_fail_no_done);
  g_test_add_func ("/mock/fail/chat-drop-cuts-the-body", test_fail_drop);
  g_test_add_func ("/mock/fail/chat-split-in-tiny-chunks", test_fail_split);
  g_test_add_func ("/mock/fail/chat-stall-sends-only-headers", test_fail_stall);
  g_test_add_func ("/mock/fail/token-switches", test_fail_token_switches);
  g_test_add_func ("/mock/fail/revoke-500", test_fail_revoke_500);
  g_test_add_func ("/mock/fail/other-switches", test_fail_other_switches);
  g_test_add_func ("/mock/fail/from-the-command-line", test_fail_from_command_line);
  g_test_add_func ("/mock/apps/register-then-sign-in", test_apps_register_and_sign_in);
  g_test_add_func ("/mock/apps/validation", test_apps_validation);
  g_test_add_func ("/mock/helpers/play-browser", test_helper_play_browser);
  g_test_add_func ("/mock/helpers/auto-consent-and-user", test_helper_auto_consent);
  g_test_add_func ("/mock/helpers/custom-client-and-config", test_helper_custom_client_and_config);
  g_test_add_func ("/mock/process/stops-on-sigterm", test_process_stops_on_sigterm);
  g_test_add_func ("/mock/process/listens-on-loopback-only", test_process_loopback_only);
  g_test_add_func ("/mock/stats-and-unknown-paths", test_stats_and_unknown_paths);
  g_test_add_func ("/mock/gateway/image-parts-checked-and-described", test_image_parts_checked);

  ret = g_test_run ();

  chutes_test_mock_free (shared);
  g_object_unref (session);

  return ret;
}
