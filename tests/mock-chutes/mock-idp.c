/* mock-idp.c: the browser side of the identity provider: authorize and
 * consent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "mock-chutes.h"

#define DEFAULT_SCOPES "openid profile chutes:invoke"
#define PENDING_TTL    600   /* seconds a consent page stays valid */

/* An authorize request waiting for the consent form. */
typedef struct
{
  char   *client_id;
  char   *redirect_uri;
  char   *scope;
  char   *state;
  char   *challenge;
  gint64  expires_at;   /* µs, real time */
} MockPending;

static void
mock_pending_free (MockPending *pending)
{
  g_free (pending->client_id);
  g_free (pending->redirect_uri);
  g_free (pending->scope);
  g_free (pending->state);
  g_free (pending->challenge);
  g_free (pending);
}

static void
mock_code_free (MockCode *code)
{
  g_free (code->client_id);
  g_free (code->redirect_uri);
  g_free (code->scope);
  g_free (code->challenge);
  g_free (code->username);
  g_free (code);
}

void
mock_idp_init (MockServer *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) mock_pending_free);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) mock_code_free);
}

static const char *
scope_description (const char *scope)
{
  static const struct { const char *scope; const char *text; } descriptions[] = {
    { "openid", "Confirm that it is you" },
    { "profile", "See your username and when you joined" },
    { "chutes:invoke", "Chat with models on your behalf (uses your quota)" },
    { "balance:read", "See your balance" },
    { "quota:read", "See your quotas" },
    { "usage:read", "See your usage" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    if (g_str_equal (descriptions[i].scope, scope))
      return descriptions[i].text;

  return scope;
}

static void
error_page (SoupServerMessage *msg,
            const char        *title,
            const char        *explanation)
{
  g_autofree char *text = mock_html_escape (explanation);
  g_autofree char *body = g_strdup_printf ("<p>%s</p>\n<p class=\"dim\">You can close this "
                                           "tab and go back to the app.</p>", text);

  mock_reply_html (msg, SOUP_STATUS_BAD_REQUEST, title, body);
}

/* Appends ?key=value&... (or &... when the URI has a query already). */
static char *
redirect_with (const char *redirect_uri,
               const char *first_key,
               ...)
{
  GString *s = g_string_new (redirect_uri);
  char sep = strchr (redirect_uri, '?') != NULL ? '&' : '?';
  const char *key;
  va_list args;

  va_start (args, first_key);
  for (key = first_key; key != NULL; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value == NULL)
        continue;
      g_string_append_c (s, sep);
      g_string_append_uri_escaped (s, key, NULL, FALSE);
      g_string_append_c (s, '=');
      g_string_append_uri_escaped (s, value, NULL, FALSE);
      sep = '&';
    }
  va_end (args);

  return g_string_free (s, FALSE);
}

static void
redirect_error (SoupServerMessage *msg,
                const char        *redirect_uri,
                const char        *error,
                const char        *description,
                const char        *state)
{
  g_autofree char *location = redirect_with (redirect_uri,
                                             "error", error,
                                             "error_description", description,
                                             "state", state,
                                             NULL);

  mock_reply_redirect (msg, location);
}

static gboolean
challenge_is_valid (const char *challenge)
{
  /* base64url (no padding) of a SHA-256 digest: 43 characters */
  if (challenge == NULL || strlen (challenge) != 43)
    return FALSE;

  for (const char *p = challenge; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

/* Issues a code (or access_denied) and redirects back to the app. */
static void
finish_authorize (MockServer        *self,
                  SoupServerMessage *msg,
                  const MockPending *request,
                  gboolean           allow)
{
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;
  MockCode *entry;

  if (!allow)
    {
      self->stats.consent_denied++;
      redirect_error (msg, request->redirect_uri, "access_denied",
                      NULL, request->state);
      return;
    }

  self->stats.consent_allowed++;
  code = mock_server_random (self, "", 32);
  entry = g_new0 (MockCode, 1);
  entry->client_id = g_strdup (request->client_id);
  entry->redirect_uri = g_strdup (request->redirect_uri);
  entry->scope = g_strdup (request->scope);
  entry->challenge = g_strdup (request->challenge);
  entry->username = g_strdup (self->username);
  entry->expires_at = g_get_real_time () + self->code_ttl * G_USEC_PER_SEC;
  g_hash_table_insert (self->codes, g_strdup (code), entry);

  location = redirect_with (request->redirect_uri,
                            "code", code,
                            "state", request->state,
                            NULL);
  mock_reply_redirect (msg, location);
}

static void
consent_page (MockServer        *self,
              SoupServerMessage *msg,
              const MockClient  *client,
              const char        *request_id,
              const char        *scope)
{
  g_autofree char *app = mock_html_escape (client->name);
  g_autofree char *user = mock_html_escape (self->username);
  g_autofree char *id = mock_html_escape (request_id);
  g_autofree char *title = g_strdup_printf ("Allow %s to use your Chutes account?", client->name);
  g_auto(GStrv) scopes = g_strsplit (scope, " ", -1);
  g_autoptr(GString) body = g_string_new (NULL);

  g_string_append_printf (body, "<p>Signed in as <strong>%s</strong>. "
                          "<strong>%s</strong> asks to:</p>\n<ul>\n", user, app);
  for (guint i = 0; scopes[i] != NULL; i++)
    {
      g_autofree char *name = mock_html_escape (scopes[i]);
      g_autofree char *text = mock_html_escape (scope_description (scopes[i]));

      if (*scopes[i] != '\0')
        g_string_append_printf (body, "<li>%s <span class=\"dim\">(<code>%s</code>)</span></li>\n",
                                text, name);
    }
  g_string_append_printf (body,
                          "</ul>\n"
                          "<form method=\"post\" action=\"/idp/authorize/consent\">\n"
                          "<input type=\"hidden\" name=\"request_id\" value=\"%s\">\n"
                          "<div class=\"buttons\">\n"
                          "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n"
                          "<button type=\"submit\" name=\"decision\" value=\"allow\" "
                          "class=\"suggested\" autofocus>Allow</button>\n"
                          "</div>\n</form>\n"
                          "<p class=\"dim\">This is a local demo server: no real account "
                          "is involved and nothing leaves this computer.</p>",
                          id);

  mock_reply_html (msg, SOUP_STATUS_OK, title, body->str);
}

/* GET /idp/authorize */
void
mock_idp_authorize (MockServer        *self,
                    SoupServerMessage *msg,
                    GHashTable        *query)
{
  const char *client_id = query ? g_hash_table_lookup (query, "client_id") : NULL;
  const char *redirect_uri = query ? g_hash_table_lookup (query, "redirect_uri") : NULL;
  const char *response_type = query ? g_hash_table_lookup (query, "response_type") : NULL;
  const char *scope = query ? g_hash_table_lookup (query, "scope") : NULL;
  const char *state = query ? g_hash_table_lookup (query, "state") : NULL;
  const char *challenge = query ? g_hash_table_lookup (query, "code_challenge") : NULL;
  const char *method = query ? g_hash_table_lookup (query, "code_challenge_method") : NULL;
  g_auto(GStrv) scopes = NULL;
  g_autofree char *request_id = NULL;
  MockPending *pending;
  MockClient *client;

  self->stats.authorize_requests++;

  client = client_id != NULL ? g_hash_table_lookup (self->clients, client_id) : NULL;
  if (client == NULL)
    {
      g_autofree char *text = g_strdup_printf ("No app with the client ID “%s” is registered "
                                               "on this server.",
                                               client_id != NULL ? client_id : "");
      error_page (msg, "Unknown app", text);
      return;
    }

  if (redirect_uri == NULL ||
      !g_strv_contains ((const char * const *) client->redirect_uris, redirect_uri))
    {
      g_autofree char *text = g_strdup_printf ("The address “%s” is not one of the redirect "
                                               "URIs registered for %s. Redirect URIs must "
                                               "match exactly.",
                                               redirect_uri != NULL ? redirect_uri : "",
                                               client->name);
      error_page (msg, "Redirect URI not registered", text);
      return;
    }

  if (g_strcmp0 (response_type, "code") != 0)
    {
      redirect_error (msg, redirect_uri, "unsupported_response_type",
                      "Only response_type=code is supported", state);
      return;
    }

  if (g_strcmp0 (method, "S256") != 0)
    {
      redirect_error (msg, redirect_uri, "invalid_request",
                      method == NULL ? "PKCE is required: send code_challenge_method=S256"
                                     : "code_challenge_method must be S256",
                      state);
      return;
    }

  if (!challenge_is_valid (challenge))
    {
      redirect_error (msg, redirect_uri, "invalid_request",
                      "code_challenge is missing or malformed", state);
      return;
    }

  scopes = g_strsplit (scope != NULL && *scope != '\0' ? scope : DEFAULT_SCOPES, " ", -1);
  for (guint i = 0; scopes[i] != NULL; i++)
    {
      g_autofree char *description = NULL;

      if (*scopes[i] == '\0')
        continue;
      if (!mock_scope_is_known (scopes[i]))
        description = g_strdup_printf ("Unknown scope: %s", scopes[i]);
      else if (!g_strv_contains ((const char * const *) client->allowed_scopes, scopes[i]))
        description = g_strdup_printf ("Scope not allowed for this app: %s", scopes[i]);

      if (description != NULL)
        {
          redirect_error (msg, redirect_uri, "invalid_scope", description, state);
          return;
        }
    }

  pending = g_new0 (MockPending, 1);
  pending->client_id = g_strdup (client_id);
  pending->redirect_uri = g_strdup (redirect_uri);
  pending->scope = g_strdup (scope != NULL && *scope != '\0' ? scope : DEFAULT_SCOPES);
  pending->state = g_strdup (state);
  pending->challenge = g_strdup (challenge);
  pending->expires_at = g_get_real_time () + (gint64) PENDING_TTL * G_USEC_PER_SEC;

  if (self->consent != MOCK_CONSENT_ASK)
    {
      finish_authorize (self, msg, pending, self->consent == MOCK_CONSENT_ALLOW);
      mock_pending_free (pending);
      return;
    }

  request_id = mock_server_random (self, "req_", 24);
  g_hash_table_insert (self->pending, g_strdup (request_id), pending);
  consent_page (self, msg, client, request_id, pending->scope);
}

/* POST /idp/authorize/consent */
void
mock_idp_consent (MockServer        *self,
                  SoupServerMessage *msg)
{
  g_autoptr(GHashTable) form = mock_request_form (msg);
  const char *request_id = form ? g_hash_table_lookup (form, "request_id") : NULL;
  const char *decision = form ? g_hash_table_lookup (form, "decision") : NULL;
  MockPending *pending;

  pending = request_id != NULL ? g_hash_table_lookup (self->pending, request_id) : NULL;
  if (pending == NULL || g_get_real_time () >= pending->expires_at)
    {
      error_page (msg, "Sign-in request expired",
                  "This sign-in request is unknown, was already answered or has expired. "
                  "Start signing in again from the app.");
      return;
    }

  if (g_strcmp0 (decision, "allow") != 0 && g_strcmp0 (decision, "deny") != 0)
    {
      error_page (msg, "No decision", "Choose Allow or Deny.");
      return;
    }

  finish_authorize (self, msg, pending, g_str_equal (decision, "allow"));
  g_hash_table_remove (self->pending, request_id);
}
