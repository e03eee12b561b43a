/* chutes-tokens.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-tokens.h"

G_DEFINE_BOXED_TYPE (ChutesTokens, chutes_tokens, chutes_tokens_copy, chutes_tokens_free)

void
chutes_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

ChutesTokens *
chutes_tokens_new (const char *access_token,
                   const char *refresh_token,
                   gint64      expires_at,
                   const char *scope,
                   const char *username)
{
  ChutesTokens *tokens;

  g_return_val_if_fail (access_token != NULL, NULL);

  tokens = g_new0 (ChutesTokens, 1);
  tokens->access_token = g_strdup (access_token);
  tokens->refresh_token = g_strdup (refresh_token);
  tokens->expires_at = expires_at;
  tokens->issued_at = g_get_real_time () / G_USEC_PER_SEC;
  tokens->scope = g_strdup (scope);
  tokens->username = g_strdup (username);

  return tokens;
}

ChutesTokens *
chutes_tokens_copy (const ChutesTokens *tokens)
{
  ChutesTokens *copy;

  g_return_val_if_fail (tokens != NULL, NULL);

  copy = chutes_tokens_new (tokens->access_token,
                            tokens->refresh_token,
                            tokens->expires_at,
                            tokens->scope,
                            tokens->username);
  copy->issued_at = tokens->issued_at;
  copy->user_id = g_strdup (tokens->user_id);

  return copy;
}

void
chutes_tokens_free (ChutesTokens *tokens)
{
  if (tokens == NULL)
    return;

  chutes_secret_free (tokens->access_token);
  chutes_secret_free (tokens->refresh_token);
  g_free (tokens->scope);
  g_free (tokens->username);
  g_free (tokens->user_id);
  g_free (tokens);
}

gboolean
chutes_tokens_expires_within (const ChutesTokens *tokens,
                              gint64              margin_seconds)
{
  gint64 now;

  g_return_val_if_fail (tokens != NULL, TRUE);

  now = g_get_real_time () / G_USEC_PER_SEC;

  return tokens->expires_at - now <= margin_seconds;
}
