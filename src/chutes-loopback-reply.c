/* chutes-loopback-reply.c: the loopback server's replies and callback checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions for ChutesLoopbackServer: the small self-contained HTML
 * page the browser gets, and what a callback's query says. Text from the
 * network is escaped in the page and bounded everywhere.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-loopback-reply.h"
#include "chutes-pkce.h"
#include "chutes-tokens.h"

/* Longest text from the IDP we repeat (error_description), in characters. */
#define MAX_IDP_TEXT_CHARS 300

/* Pages ------------------------------------------------------------------ */

void
chutes_loopback_reply_clear (ChutesLoopbackReply *reply)
{
  g_clear_pointer (&reply->heading, g_free);
  g_clear_pointer (&reply->text, g_free);
}

char *
chutes_loopback_reply_build (const char *heading,
                             const char *text)
{
  g_autofree char *title = NULL;
  g_autofree char *title_html = NULL;
  g_autofree char *heading_html = NULL;
  g_autofree char *text_html = NULL;

  g_return_val_if_fail (heading != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  /* Translators: the browser tab's title of the page shown after signing
   * in; %s is the page's heading, such as “Signed in” */
  title = g_strdup_printf (_("%s – Chutes"), heading);
  title_html = g_markup_escape_text (title, -1);
  heading_html = g_markup_escape_text (heading, -1);
  text_html = g_markup_escape_text (text, -1);

  return g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s</title>"
                          "<style>body{font-family:system-ui,sans-serif;max-width:34em;"
                          "margin:4em auto;padding:0 1em;line-height:1.5}"
                          "h1{font-size:1.5em}</style></head>\n"
                          "<body><h1>%s</h1><p>%s</p></body></html>\n",
                          /* Translators: the language code (BCP 47) of your
                           * translation, such as “de” or “pt-BR”, for the
                           * page's lang attribute so that screen readers
                           * pronounce it correctly */
                          C_("html lang", "en"),
                          title_html, heading_html, text_html);
}

void
chutes_loopback_reply_respond (SoupServerMessage *msg,
                               guint              status,
                               const char        *heading,
                               const char        *text)
{
  g_autofree char *page = NULL;
  SoupMessageHeaders *headers;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (heading != NULL && text != NULL);

  page = chutes_loopback_reply_build (heading, text);

  headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; form-action 'none'");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8",
                                    SOUP_MEMORY_COPY, page, strlen (page));
}

static void
reply_set (ChutesLoopbackReply *reply,
           guint                status,
           const char          *heading,
           const char          *text)
{
  reply->status = status;
  reply->heading = g_strdup (heading);
  reply->text = g_strdup (text);
}

/* Characters that have no business in one line of text from the network:
 * C0 and C1 controls (U+0085 too), line and paragraph separators, which
 * become a space; and format characters (Cf), dropped: bidi marks,
 * embeddings, overrides and isolates (U+200E/F, U+202A-202E, U+2066-2069,
 * U+061C) that could make the page or the app read backwards, zero-width
 * characters, soft hyphens. */
static gboolean
is_line_break_or_control (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Text from the network: valid UTF-8, no control or format characters,
 * at most MAX_IDP_TEXT_CHARS characters (cut between characters, never
 * inside one). */
static char *
bounded_idp_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean cut = FALSE;
  guint n_chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_FORMAT)
        continue;

      if (n_chars == MAX_IDP_TEXT_CHARS)
        {
          cut = TRUE;
          break;
        }

      g_string_append_unichar (out, is_line_break_or_control (c) ? ' ' : c);
      n_chars++;
    }

  g_strstrip (out->str);
  out->len = strlen (out->str);
  if (cut)
    g_string_append (out, "…");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The callback's query ---------------------------------------------------- */

typedef struct
{
  char *code;
  char *state;
  char *error;
  char *error_description;
} CallbackParams;

static void
callback_params_clear (CallbackParams *params)
{
  g_clear_pointer (&params->code, chutes_secret_free);
  g_clear_pointer (&params->state, chutes_secret_free);
  g_clear_pointer (&params->error, g_free);
  g_clear_pointer (&params->error_description, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CallbackParams, callback_params_clear)

static char *
form_decode (const char *start,
             gsize       len)
{
  g_autofree char *raw = g_strndup (start, len);
  char *decoded;

  g_strdelimit (raw, "+", ' ');
  /* NULL on a bad %-escape or an escaped NUL. */
  decoded = g_uri_unescape_string (raw, NULL);

  if (decoded != NULL && !g_utf8_validate (decoded, -1, NULL))
    g_clear_pointer (&decoded, g_free);

  return decoded;
}

/* Picks code, state, error and error_description out of a www-form query.
 * Other parameters are ignored. FALSE when one of ours is repeated (RFC 6749
 * section 3.1) or does not decode to UTF-8. */
static gboolean
parse_callback_query (const char     *query,
                      CallbackParams *params)
{
  const char *piece = query;

  if (query == NULL)
    return TRUE;

  while (*piece != '\0')
    {
      const char *end = strchr (piece, '&');
      const char *eq;
      g_autofree char *key = NULL;
      char **slot = NULL;
      gsize len;

      len = end != NULL ? (gsize) (end - piece) : strlen (piece);
      eq = memchr (piece, '=', len);
      key = form_decode (piece, eq != NULL ? (gsize) (eq - piece) : len);

      if (g_strcmp0 (key, "code") == 0)
        slot = &params->code;
      else if (g_strcmp0 (key, "state") == 0)
        slot = &params->state;
      else if (g_strcmp0 (key, "error") == 0)
        slot = &params->error;
      else if (g_strcmp0 (key, "error_description") == 0)
        slot = &params->error_description;

      if (slot != NULL)
        {
          if (*slot != NULL)
            return FALSE;

          if (eq != NULL)
            *slot = form_decode (eq + 1, len - (gsize) (eq + 1 - piece));
          else
            *slot = g_strdup ("");

          if (*slot == NULL)
            return FALSE;
        }

      if (end == NULL)
        break;
      piece = end + 1;
    }

  return TRUE;
}

/* Maps ?error= from the IDP to our error. */
static GError *
oauth_error_new (const char *error_code,
                 const char *description)
{
  g_autofree char *code_text = bounded_idp_text (error_code);
  g_autofree char *detail = description != NULL && *description != '\0'
                            ? bounded_idp_text (description) : g_strdup (code_text);

  if (g_str_equal (error_code, "access_denied"))
    return g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_ACCESS_DENIED,
                                _("Sign-in was cancelled in the browser."));
  else if (g_str_equal (error_code, "invalid_scope"))
    return g_error_new (CHUTES_ERROR, CHUTES_ERROR_INVALID_SCOPE,
                        _("Chutes refused the requested permissions: %s"), detail);
  else
    return g_error_new (CHUTES_ERROR, CHUTES_ERROR_OAUTH,
                        _("Chutes could not sign you in: %s"), detail);
}

ChutesLoopbackCallback
chutes_loopback_reply_check_callback (const char           *query,
                                      const char           *expected_state,
                                      ChutesLoopbackReply  *reply,
                                      char                **code,
                                      GError              **error)
{
  g_auto(CallbackParams) params = { NULL, };
  GError *failure;

  g_return_val_if_fail (expected_state != NULL, CHUTES_LOOPBACK_CALLBACK_STRAY);
  g_return_val_if_fail (reply != NULL, CHUTES_LOOPBACK_CALLBACK_STRAY);
  g_return_val_if_fail (code != NULL && *code == NULL, CHUTES_LOOPBACK_CALLBACK_STRAY);
  g_return_val_if_fail (error == NULL || *error == NULL, CHUTES_LOOPBACK_CALLBACK_STRAY);

  if (!parse_callback_query (query, &params))
    {
      g_debug ("Loopback server: malformed callback query, still listening");
      reply_set (reply, SOUP_STATUS_BAD_REQUEST, _("Sign-in response not understood"),
                _("The browser sent a sign-in response that Chutes cannot read."));
      return CHUTES_LOOPBACK_CALLBACK_STRAY;
    }

  if (!chutes_secure_str_equal (params.state, expected_state))
    {
      g_debug ("Loopback server: callback with a %s state, still listening",
               params.state == NULL ? "missing" : "wrong");
      reply_set (reply, SOUP_STATUS_BAD_REQUEST, _("Sign-in not recognized"),
                _("This sign-in response doesn't belong to the current sign-in attempt. "
                  "Start signing in again from the Chutes app."));
      return CHUTES_LOOPBACK_CALLBACK_STRAY;
    }

  if (params.error != NULL)
    {
      g_debug ("Loopback server: the IDP reported an OAuth error");
      failure = oauth_error_new (params.error, params.error_description);
      reply_set (reply, SOUP_STATUS_OK,
                failure->code == CHUTES_ERROR_ACCESS_DENIED
                ? _("Sign-in cancelled") : _("Sign-in failed"),
                failure->message);
    }
  else if (params.code == NULL || *params.code == '\0')
    {
      g_debug ("Loopback server: callback without a code");
      failure = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                                     _("Chutes sent the browser back without "
                                       "a sign-in code."));
      reply_set (reply, SOUP_STATUS_BAD_REQUEST, _("Sign-in failed"), failure->message);
    }
  else
    {
      g_debug ("Loopback server: received the authorization code");
      *code = g_steal_pointer (&params.code);
      reply_set (reply, SOUP_STATUS_OK, _("Signed in"),
                _("Signed in. You can close this tab and return to Chutes."));
      return CHUTES_LOOPBACK_CALLBACK_CODE;
    }

  g_propagate_error (error, failure);
  return CHUTES_LOOPBACK_CALLBACK_FAILED;
}
