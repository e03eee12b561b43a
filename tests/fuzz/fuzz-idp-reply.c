/* fuzz-idp-reply.c: libFuzzer entry point for the IDP's token and userinfo
 * replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Byte 0 picks the reply (even: POST /idp/token, odd: GET /idp/userinfo);
 * the rest is its body. A token reply gives tokens or an error, never both:
 * the tokens have an access token, the refresh token of the reply or the
 * one we had, and an expiry that is not in the past. A userinfo reply gives
 * a non-empty username or nothing. Every error is ours, in valid UTF-8.
 */
#include "config.h"

#include <stdlib.h>

#include "chutes-error.h"
#include "chutes-idp-client-private.h"
#include "fuzz-common.h"

#define HOST "api.chutes.ai"
#define OLD_REFRESH "crt_old"

static void
check_error (const GError *error)
{
  if (error == NULL || error->domain != CHUTES_ERROR)
    abort ();
  fuzz_check_utf8 (error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (size < 1)
    return 0;

  body = g_bytes_new (data + 1, size - 1);

  if (data[0] % 2 == 0)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      ChutesTokens *tokens = chutes_idp_client_parse_tokens (body, HOST, OLD_REFRESH, &error);

      if (tokens == NULL)
        {
          check_error (error);
          return 0;
        }

      if (error != NULL || tokens->access_token == NULL || tokens->access_token[0] == '\0'
          || tokens->refresh_token == NULL || tokens->refresh_token[0] == '\0'
          || tokens->expires_at < now)
        abort ();
      fuzz_check_utf8 (tokens->access_token);
      fuzz_check_utf8 (tokens->refresh_token);
      fuzz_check_utf8 (tokens->scope);
      chutes_tokens_free (tokens);
    }
  else
    {
      g_autoptr(JsonObject) object = chutes_idp_client_parse_object (body, HOST, &error);
      const char *username;

      if (object == NULL)
        {
          check_error (error);
          return 0;
        }

      username = chutes_idp_client_get_string (object, "username");
      if (error != NULL || (username != NULL && username[0] == '\0'))
        abort ();
      fuzz_check_utf8 (username);
    }

  return 0;
}
