/* chutes-pkce.h: PKCE (RFC 7636) and OAuth state from the OS CSPRNG
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fills @buf with @len bytes from getrandom(2) (never g_random). */
gboolean  chutes_random_bytes          (guint8       *buf,
                                        gsize         len,
                                        GError      **error);

/* base64url without padding (RFC 4648 section 5). */
char     *chutes_base64url_encode      (const guint8 *data,
                                        gsize         len);

/* 32 random bytes, base64url: 43 characters from the unreserved set. */
char     *chutes_pkce_new_verifier     (GError      **error);
/* base64url (SHA-256 (verifier)), via GChecksum. */
char     *chutes_pkce_challenge_s256   (const char   *verifier);
/* 32 random bytes, base64url. */
char     *chutes_oauth_new_state       (GError      **error);

/* Compares in time that depends only on the lengths, never on where the
 * strings differ. NULL equals nothing. */
gboolean  chutes_secure_str_equal      (const char   *a,
                                        const char   *b);

G_END_DECLS
