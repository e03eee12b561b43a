/* test-errors.c: what a person reads when Chutes says no
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-error.h"

static GError *
http_error (guint       status,
            const char *content_type,
            const char *body)
{
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return chutes_error_new_from_http (status, content_type, bytes, "llm.chutes.ai");
}

static void
test_fastapi_detail_is_shown (void)
{
  g_autoptr(GError) error = http_error (404, "application/json",
                                        "{\"detail\": \"model not found: foo/bar\"}");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "model not found: foo/bar"));
}

static void
test_quota_message_and_reset_time (void)
{
  g_autoptr(GError) error = http_error (402, "application/json",
    "{\"detail\": {\"message\": \"Daily quota of 200 requests exceeded\", "
    "\"quota_reset_timestamp\": 1893456000}}");
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (1893456000);
  g_autofree char *formatted = g_date_time_format (when, "%c");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PAYMENT_REQUIRED);
  g_assert_nonnull (strstr (error->message, "Daily quota of 200 requests exceeded"));
  g_assert_nonnull (strstr (error->message, formatted));
}

/* A body nested 100,000 deep crashed json-glib (stack overflow); now the
 * person reads what the status means. */
static void
test_deep_body_is_not_a_crash (void)
{
  GString *body = g_string_new ("{\"detail\":");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (body, "{\"a\":");
  g_string_append (body, "1");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (body, '}');
  g_string_append_c (body, '}');

  error = http_error (503, "application/json", body->str);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAVAILABLE);
  {
    g_autoptr(GError) plain = http_error (503, "application/json", NULL);
    g_assert_cmpstr (error->message, ==, plain->message);
  }
  g_string_free (body, TRUE);
}

/* Absurd reset times are left out rather than converted: 1e300 seconds
 * (or infinity, which json-glib makes of 1e400) has no date, and the float
 * to integer conversion it took was undefined (UBSan's
 * float-cast-overflow, as the sanitizer build runs this, flags it). */
static void
test_absurd_quota_reset_time (void)
{
  const char *times[] = { "1e300", "1e400", "-1e400", "9223372036854775000",
                          "-9223372036854775000", "260000000000000", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"detail\": {\"message\": \"Quota exceeded\", "
                                               "\"quota_reset_timestamp\": %s}}", times[i]);
      g_autoptr(GError) error = http_error (402, "application/json", body);

      g_test_message ("%s: %s", times[i], error->message);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PAYMENT_REQUIRED);
      g_assert_nonnull (strstr (error->message, "Quota exceeded"));
      /* No date at all: the message is the same as without a reset time. */
      {
        g_autoptr(GError) plain = http_error (402, "application/json",
                                              "{\"detail\": {\"message\": \"Quota exceeded\"}}");
        g_assert_cmpstr (error->message, ==, plain->message);
      }
    }

  /* The last second GDateTime holds, in milliseconds, is still a date. */
  {
    g_autoptr(GError) error = http_error (402, "application/json",
      "{\"detail\": {\"message\": \"Quota exceeded\", \"quota_reset_timestamp\": 253402300000000}}");
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (253402300000);
    g_autofree char *formatted = g_date_time_format (when, "%c");

    g_assert_nonnull (strstr (error->message, formatted));
  }
}

static void
test_each_status_has_its_code (void)
{
  struct {
    guint status;
    int   code;
  } cases[] = {
    { 401, CHUTES_ERROR_UNAUTHORIZED },
    { 402, CHUTES_ERROR_PAYMENT_REQUIRED },
    { 403, CHUTES_ERROR_FORBIDDEN },
    { 404, CHUTES_ERROR_NOT_FOUND },
    { 409, CHUTES_ERROR_CONFLICT },
    { 426, CHUTES_ERROR_TEE_REQUIRED },
    { 429, CHUTES_ERROR_RATE_LIMITED },
    { 503, CHUTES_ERROR_UNAVAILABLE },
    { 500, CHUTES_ERROR_SERVER },
    { 502, CHUTES_ERROR_SERVER },
    { 418, CHUTES_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = http_error (cases[i].status, "application/json", "{\"detail\": \"x\"}");

      g_test_message ("HTTP %u", cases[i].status);
      g_assert_error (error, CHUTES_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_html_error_page_is_never_shown (void)
{
  g_autoptr(GError) error = http_error (502, "text/html; charset=utf-8",
    "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_SERVER);
  g_assert_null (strchr (error->message, '<'));
  g_assert_null (strstr (error->message, "nginx"));
  g_assert_nonnull (strstr (error->message, "502"));
  g_assert_nonnull (strstr (error->message, "llm.chutes.ai"));
}

static void
test_html_without_content_type_is_not_shown (void)
{
  g_autoptr(GError) error = http_error (503, NULL, "<html><body>Service Unavailable</body></html>");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_UNAVAILABLE);
  g_assert_null (strchr (error->message, '<'));
}

static void
test_oauth_errors (void)
{
  g_autoptr(GError) grant = http_error (400, "application/json", "{\"error\": \"invalid_grant\"}");
  g_autoptr(GError) client = http_error (400, "application/json",
                                         "{\"error\": \"invalid_client\", \"error_description\": \"Client authentication failed\"}");
  g_autoptr(GError) other = http_error (400, "application/json", "{\"error\": \"unsupported_grant_type\"}");

  g_assert_error (grant, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
  g_assert_error (client, CHUTES_ERROR, CHUTES_ERROR_INVALID_CLIENT);
  g_assert_nonnull (strstr (client->message, "Client authentication failed"));
  g_assert_error (other, CHUTES_ERROR, CHUTES_ERROR_OAUTH);
  g_assert_nonnull (strstr (other->message, "unsupported_grant_type"));
}

static void
test_server_text_is_bounded_and_clean (void)
{
  g_autoptr(GString) body = g_string_new ("{\"detail\": \"");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append (body, "A");
  g_string_append (body, "\\u0007\\n\"}");

  error = http_error (429, "application/json", body->str);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_RATE_LIMITED);
  g_assert_cmpuint (strlen (error->message), <, 1000);
  g_assert_null (strchr (error->message, '\a'));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_invalid_utf8_body_stays_valid (void)
{
  g_autoptr(GError) error = http_error (404, "application/json",
                                        "{\"detail\": \"bad \xff\xfe bytes\"}");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_NOT_FOUND);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_validation_error_list (void)
{
  g_autoptr(GError) error = http_error (422, "application/json",
    "{\"detail\": [{\"loc\": [\"body\", \"name\"], \"msg\": \"name is too short\", \"type\": \"value_error\"}]}");

  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "name is too short"));
}

static void
test_network_errors (void)
{
  g_autoptr(GError) cancelled = chutes_error_new_from_network (
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"), "llm.chutes.ai");
  g_autoptr(GError) refused = chutes_error_new_from_network (
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused"), "llm.chutes.ai");
  g_autoptr(GError) dns = chutes_error_new_from_network (
    g_error_new_literal (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Name not found"), "llm.chutes.ai");

  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (refused, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_nonnull (strstr (refused->message, "llm.chutes.ai"));
  g_assert_error (dns, CHUTES_ERROR, CHUTES_ERROR_NETWORK);
  g_assert_nonnull (strstr (dns->message, "llm.chutes.ai"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/errors/fastapi-detail-is-shown", test_fastapi_detail_is_shown);
  g_test_add_func ("/errors/quota-message-and-reset-time", test_quota_message_and_reset_time);
  g_test_add_func ("/errors/each-status-has-its-code", test_each_status_has_its_code);
  g_test_add_func ("/errors/deep-body-is-not-a-crash", test_deep_body_is_not_a_crash);
  g_test_add_func ("/errors/absurd-quota-reset-time-left-out", test_absurd_quota_reset_time);
  g_test_add_func ("/errors/html-error-page-never-shown", test_html_error_page_is_never_shown);
  g_test_add_func ("/errors/html-without-content-type-never-shown", test_html_without_content_type_is_not_shown);
  g_test_add_func ("/errors/oauth-errors", test_oauth_errors);
  g_test_add_func ("/errors/server-text-bounded-and-clean", test_server_text_is_bounded_and_clean);
  g_test_add_func ("/errors/invalid-utf8-stays-valid", test_invalid_utf8_body_stays_valid);
  g_test_add_func ("/errors/validation-error-list", test_validation_error_list);
  g_test_add_func ("/errors/network-errors-name-the-host", test_network_errors);

  return g_test_run ();
}
