/* chutes-tokens.h: an OAuth token pair with its expiry and owner
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_TOKENS (chutes_tokens_get_type ())

/* A plain boxed struct. Never print its fields: chutes_tokens_free() wipes
 * the secrets before it frees them. */
typedef struct
{
  char   *access_token;   /* cak_... */
  char   *refresh_token;  /* crt_..., may be NULL */
  gint64  expires_at;     /* absolute, seconds since the epoch (real time) */
  gint64  issued_at;      /* when the pair was granted, same clock; 0 when
                           * unknown (a session stored by an older version) */
  char   *scope;          /* may be NULL */
  char   *username;       /* from /idp/userinfo, may be NULL */
  char   *user_id;        /* "sub" from /idp/userinfo, may be NULL */
} ChutesTokens;

GType         chutes_tokens_get_type      (void) G_GNUC_CONST;
/* issued_at is set to now: tokens are made from the reply that granted
 * them. */
ChutesTokens *chutes_tokens_new           (const char         *access_token,
                                           const char         *refresh_token,
                                           gint64              expires_at,
                                           const char         *scope,
                                           const char         *username);
ChutesTokens *chutes_tokens_copy          (const ChutesTokens *tokens);
void          chutes_tokens_free          (ChutesTokens       *tokens);

/* TRUE when the access token expires within @margin_seconds of now
 * (g_get_real_time ()). */
gboolean      chutes_tokens_expires_within (const ChutesTokens *tokens,
                                            gint64              margin_seconds);

/* Overwrites then frees a secret string. NULL is ignored. */
void          chutes_secret_free          (char               *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesTokens, chutes_tokens_free)

G_END_DECLS
