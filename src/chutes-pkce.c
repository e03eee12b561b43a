/* chutes-pkce.c: PKCE (RFC 7636) and OAuth state from the OS CSPRNG
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-pkce.h"

/* 32 bytes of entropy give 43 base64url characters (RFC 7636 section 4.1
 * asks for 43 to 128). */
#define CHUTES_PKCE_RANDOM_BYTES 32

gboolean
chutes_random_bytes (guint8  *buf,
                     gsize    len,
                     GError **error)
{
  gsize done = 0;

  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  while (done < len)
    {
      ssize_t got = getrandom (buf + done, len - done, 0);

      if (got < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;

          g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_FAILED,
                       _("Could not get random numbers from the system: %s"),
                       g_strerror (saved_errno));
          return FALSE;
        }

      done += (gsize) got;
    }

  return TRUE;
}

char *
chutes_base64url_encode (const guint8 *data,
                         gsize         len)
{
  g_autofree char *b64 = NULL;
  char *p;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  b64 = g_base64_encode (data, len);

  for (p = b64; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return g_steal_pointer (&b64);
}

/* 32 random bytes, base64url-encoded; the raw bytes are wiped. */
static char *
new_random_token (GError **error)
{
  guint8 bytes[CHUTES_PKCE_RANDOM_BYTES];
  char *token;

  if (!chutes_random_bytes (bytes, sizeof bytes, error))
    return NULL;

  token = chutes_base64url_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);

  return token;
}

char *
chutes_pkce_new_verifier (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_random_token (error);
}

char *
chutes_pkce_challenge_s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  char *challenge;

  g_return_val_if_fail (verifier != NULL, NULL);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert (digest_len == sizeof digest);

  challenge = chutes_base64url_encode (digest, digest_len);
  explicit_bzero (digest, sizeof digest);

  return challenge;
}

char *
chutes_oauth_new_state (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_random_token (error);
}

gboolean
chutes_secure_str_equal (const char *a,
                         const char *b)
{
  const volatile guchar *pa;
  const volatile guchar *pb;
  gsize len_a;
  gsize len_b;
  guchar diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;

  len_a = strlen (a);
  len_b = strlen (b);

  /* The lengths are not secret (ours is always 43); only the content is.
   * Walk the whole of @a, comparing with @b where it exists and with @a
   * itself past its end, so the time depends on the lengths alone. */
  pa = (const volatile guchar *) a;
  pb = (const volatile guchar *) b;

  for (gsize i = 0; i < len_a; i++)
    diff |= pa[i] ^ (i < len_b ? pb[i] : (guchar) (pa[i] ^ 0xff));

  return (diff == 0) & (len_a == len_b);
}
