/* chutes-error.c: turning HTTP and transport failures into sentences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-error.h"
#include "chutes-json.h"

/* Server text shown to a person is bounded so a huge error body cannot
 * flood the window. */
#define MAX_SERVER_TEXT 300

/* 9999-12-31T23:59:59Z, the last moment GDateTime can hold. */
#define MAX_UNIX_TIME G_GINT64_CONSTANT (253402300799)

G_DEFINE_QUARK (chutes-error-quark, chutes_error)

/* Valid UTF-8, no control characters, at most MAX_SERVER_TEXT characters. */
static char *
sanitize_server_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  glong n_chars = 0;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars == MAX_SERVER_TEXT)
        {
          g_string_append (out, "…");
          break;
        }

      if (g_unichar_iscntrl (c))
        c = ' ';

      g_string_append_unichar (out, c);
      n_chars++;
    }

  g_strstrip (out->str);
  out->len = strlen (out->str);

  if (out->len == 0)
    return (g_string_free (out, TRUE), NULL);

  return g_string_free (out, FALSE);
}

static char *
describe_timestamp (JsonNode *node)
{
  g_autoptr(GDateTime) when = NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return NULL;

  if (json_node_get_value_type (node) == G_TYPE_INT64 ||
      json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double seconds = 0;

      /* 1e300 or 1e400 (infinity) is no time at all; never convert it. */
      if (!chutes_json_get_number (node, -1.0, 1000.0 * MAX_UNIX_TIME, &seconds))
        return NULL;
      /* Milliseconds, as some servers send. */
      if (seconds > 1e11)
        seconds /= 1000.0;
      if (seconds <= 0 || seconds >= (double) MAX_UNIX_TIME)
        return NULL;
      when = g_date_time_new_from_unix_local ((gint64) seconds);
    }
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (json_node_get_string (node), utc);

      if (parsed != NULL)
        when = g_date_time_to_local (parsed);
    }

  if (when == NULL)
    return NULL;

  return g_date_time_format (when, "%c");
}

typedef struct
{
  char *text;          /* detail, message or error_description */
  char *oauth_error;   /* the OAuth "error" code when the body has that shape */
  char *reset_time;    /* a 402's quota_reset_timestamp, formatted */
} ErrorBody;

static void
error_body_clear (ErrorBody *body)
{
  g_clear_pointer (&body->text, g_free);
  g_clear_pointer (&body->oauth_error, g_free);
  g_clear_pointer (&body->reset_time, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ErrorBody, error_body_clear)

static char *
text_of_node (JsonNode *node)
{
  if (node == NULL)
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return sanitize_server_text (json_node_get_string (node));

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      for (guint i = 0; i < 3; i++)
        {
          static const char * const keys[] = { "message", "msg", "detail" };

          if (json_object_has_member (object, keys[i]))
            {
              char *text = text_of_node (json_object_get_member (object, keys[i]));

              if (text != NULL)
                return text;
            }
        }
    }

  /* FastAPI validation errors: [{"loc": [...], "msg": "...", "type": "..."}] */
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GString) joined = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array) && i < 5; i++)
        {
          g_autofree char *part = text_of_node (json_array_get_element (array, i));

          if (part == NULL)
            continue;
          if (joined->len > 0)
            g_string_append (joined, "; ");
          g_string_append (joined, part);
        }

      return sanitize_server_text (joined->str);
    }

  return NULL;
}

static void
parse_error_body (const char *content_type,
                  GBytes     *bytes,
                  ErrorBody  *body)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  gsize size = 0;
  const char *data;

  if (bytes == NULL)
    return;

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    return;

  /* Error pages from proxies and load balancers are HTML; never show them. */
  if (content_type != NULL && g_str_has_prefix (content_type, "text/html"))
    return;

  /* One error body may cost so much and no more, however it is nested. */
  root = chutes_json_parse (data, size, CHUTES_JSON_MAX_ERROR_BODY, NULL);
  if (root == NULL)
    {
      /* A short plain-text body is worth showing; anything that looks like
       * markup is not. */
      if (size < 512 && content_type != NULL && g_str_has_prefix (content_type, "text/plain") &&
          memchr (data, '<', size) == NULL)
        {
          g_autofree char *text = g_strndup (data, size);
          body->text = sanitize_server_text (text);
        }
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;

  object = json_node_get_object (root);

  if (json_object_has_member (object, "detail"))
    {
      JsonNode *detail = json_object_get_member (object, "detail");

      body->text = text_of_node (detail);
      if (JSON_NODE_HOLDS_OBJECT (detail))
        {
          JsonObject *detail_object = json_node_get_object (detail);

          if (json_object_has_member (detail_object, "quota_reset_timestamp"))
            body->reset_time =
              describe_timestamp (json_object_get_member (detail_object, "quota_reset_timestamp"));
        }
      return;
    }

  if (json_object_has_member (object, "error"))
    {
      JsonNode *error = json_object_get_member (object, "error");

      if (JSON_NODE_HOLDS_VALUE (error) && json_node_get_value_type (error) == G_TYPE_STRING)
        {
          body->oauth_error = sanitize_server_text (json_node_get_string (error));
          if (json_object_has_member (object, "error_description"))
            body->text = text_of_node (json_object_get_member (object, "error_description"));
        }
      else
        body->text = text_of_node (error);
      return;
    }

  if (json_object_has_member (object, "message"))
    body->text = text_of_node (json_object_get_member (object, "message"));
}

/* "Sentence. Server text" without doubling a full stop. */
static char *
with_server_text (const char *sentence,
                  const char *text)
{
  if (text == NULL)
    return g_strdup (sentence);

  /* Translators: a sentence of ours, then the server's own words in quotes */
  return g_strdup_printf (_("%s Chutes said: “%s”"), sentence, text);
}

GError *
chutes_error_new_from_http (guint       status,
                            const char *content_type,
                            GBytes     *bytes,
                            const char *host)
{
  g_auto(ErrorBody) body = { NULL, };
  g_autofree char *sentence = NULL;
  g_autofree char *message = NULL;
  int code;

  if (host == NULL)
    host = "Chutes";

  parse_error_body (content_type, bytes, &body);

  if (body.oauth_error != NULL && (status == 400 || status == 401))
    {
      if (g_str_equal (body.oauth_error, "invalid_grant"))
        {
          code = CHUTES_ERROR_INVALID_GRANT;
          sentence = g_strdup (_("Chutes refused the sign-in: it has expired or was already used."));
        }
      else if (g_str_equal (body.oauth_error, "invalid_client") ||
               g_str_equal (body.oauth_error, "unauthorized_client"))
        {
          code = CHUTES_ERROR_INVALID_CLIENT;
          sentence = g_strdup (_("The app’s client ID or secret was refused by Chutes. "
                                 "Check the OAuth app’s settings."));
        }
      else if (g_str_equal (body.oauth_error, "invalid_scope"))
        {
          code = CHUTES_ERROR_INVALID_SCOPE;
          sentence = g_strdup (_("Chutes refused the requested permissions (scopes)."));
        }
      else
        {
          code = CHUTES_ERROR_OAUTH;
          sentence = g_strdup_printf (_("Chutes refused the sign-in request (%s)."), body.oauth_error);
        }

      message = with_server_text (sentence, body.text);
      return g_error_new_literal (CHUTES_ERROR, code, message);
    }

  switch (status)
    {
    case 401:
      code = CHUTES_ERROR_UNAUTHORIZED;
      sentence = g_strdup (_("Your Chutes session is no longer valid. Please sign in again."));
      break;

    case 402:
      code = CHUTES_ERROR_PAYMENT_REQUIRED;
      if (body.reset_time != NULL)
        /* Translators: %s is a date and time */
        sentence = g_strdup_printf (_("Your Chutes quota is used up. It resets on %s."), body.reset_time);
      else
        sentence = g_strdup (_("Your Chutes quota is used up."));
      break;

    case 403:
      code = CHUTES_ERROR_FORBIDDEN;
      sentence = g_strdup (_("Chutes refused access. Your sign-in may lack the permission this needs."));
      break;

    case 404:
      code = CHUTES_ERROR_NOT_FOUND;
      sentence = g_strdup (_("Chutes could not find what was asked for. The model may have been removed."));
      break;

    case 409:
      code = CHUTES_ERROR_CONFLICT;
      sentence = g_strdup (_("That name is already taken on Chutes."));
      break;

    case 426:
      code = CHUTES_ERROR_TEE_REQUIRED;
      sentence = g_strdup (_("This model only answers requests that use confidential compute (TEE)."));
      break;

    case 429:
      code = CHUTES_ERROR_RATE_LIMITED;
      sentence = g_strdup (_("Chutes is limiting requests: the daily free limit is reached or the "
                             "model is overloaded. Wait a little and try again."));
      break;

    case 503:
      code = CHUTES_ERROR_UNAVAILABLE;
      sentence = g_strdup (_("No instance of this model is running yet. Try again in a minute, "
                             "or pick another model."));
      break;

    default:
      if (status >= 500)
        {
          code = CHUTES_ERROR_SERVER;
          /* Translators: %s is a host name, %u an HTTP status code */
          sentence = g_strdup_printf (_("%s had a problem answering (HTTP %u). Try again later."),
                                      host, status);
        }
      else
        {
          code = CHUTES_ERROR_FAILED;
          sentence = g_strdup_printf (_("%s refused the request (HTTP %u)."), host, status);
        }
      break;
    }

  message = with_server_text (sentence, body.text);
  return g_error_new_literal (CHUTES_ERROR, code, message);
}

GError *
chutes_error_new_from_network (GError     *error,
                               const char *host)
{
  g_autoptr(GError) owned = error;
  g_autofree char *detail = NULL;
  GError *result;

  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      error->domain == CHUTES_ERROR)
    return g_steal_pointer (&owned);

  if (host == NULL)
    host = "Chutes";

  detail = sanitize_server_text (error->message);

  if (error->domain == G_RESOLVER_ERROR)
    result = g_error_new (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                          /* Translators: %s is a host name */
                          _("Could not find %s. Check your internet connection."), host);
  else if (error->domain == G_TLS_ERROR)
    result = g_error_new (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                          _("The secure connection to %s could not be established: %s"),
                          host, detail ? detail : "");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    result = g_error_new (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                          _("%s did not answer in time. Check your internet connection."), host);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    result = g_error_new (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                          _("Could not connect to %s. Check your internet connection."), host);
  else
    result = g_error_new (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                          _("The connection to %s failed: %s"), host, detail ? detail : "");

  return result;
}
