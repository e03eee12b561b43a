/* test-pkce.c: PKCE verifier, challenge and state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "chutes-pkce.h"

#define UNRESERVED "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static void
test_challenge_matches_rfc7636 (void)
{
  /* RFC 7636, appendix B (also: python3 -c "import hashlib, base64;
   * print(base64.urlsafe_b64encode(hashlib.sha256(b'dBjf...').digest()))"). */
  g_autofree char *challenge =
    chutes_pkce_challenge_s256 ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_base64url_has_no_padding (void)
{
  /* 0xfb 0xff encodes to "+/8=" in plain base64. */
  const guint8 bytes[] = { 0xfb, 0xff };
  g_autofree char *encoded = chutes_base64url_encode (bytes, sizeof bytes);
  g_autofree char *empty = chutes_base64url_encode (NULL, 0);

  g_assert_cmpstr (encoded, ==, "-_8");
  g_assert_cmpstr (empty, ==, "");
}

static void
assert_is_random_token (const char *token)
{
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_cmpuint (strspn (token, UNRESERVED), ==, 43);
}

static void
test_verifier_is_43_unreserved_chars (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *verifier = chutes_pkce_new_verifier (&error);
  g_autofree char *challenge = NULL;

  g_assert_no_error (error);
  assert_is_random_token (verifier);

  challenge = chutes_pkce_challenge_s256 (verifier);
  assert_is_random_token (challenge);
  g_assert_cmpstr (challenge, !=, verifier);
}

static void
test_state_is_43_unreserved_chars (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = chutes_oauth_new_state (&error);

  g_assert_no_error (error);
  assert_is_random_token (state);
}

static void
test_verifiers_never_repeat (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *verifier = chutes_pkce_new_verifier (&error);

      g_assert_no_error (error);
      assert_is_random_token (verifier);
      g_assert_true (g_hash_table_add (seen, verifier));
    }

  g_assert_cmpuint (g_hash_table_size (seen), ==, 1000);
}

static void
test_state_differs_from_verifier (void)
{
  g_autofree char *state = chutes_oauth_new_state (NULL);
  g_autofree char *verifier = chutes_pkce_new_verifier (NULL);

  g_assert_cmpstr (state, !=, verifier);
}

static void
test_random_bytes_fill_the_buffer (void)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[4096];
  guint zeros = 0;

  memset (buf, 0, sizeof buf);
  g_assert_true (chutes_random_bytes (buf, sizeof buf, &error));
  g_assert_no_error (error);

  /* About 16 of 4096 random bytes are zero; an unfilled tail would give
   * hundreds. */
  for (gsize i = 0; i < sizeof buf; i++)
    zeros += buf[i] == 0;
  g_assert_cmpuint (zeros, <, 100);

  g_assert_true (chutes_random_bytes (buf, 0, &error));
}

static void
test_secure_compare (void)
{
  const char *state = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  g_autofree char *copy = g_strdup (state);
  g_autofree char *last_differs = g_strdup (state);
  g_autofree char *first_differs = g_strdup (state);

  last_differs[42] = 'j';
  first_differs[0] = 'e';

  g_assert_true (chutes_secure_str_equal (state, copy));
  g_assert_true (chutes_secure_str_equal ("", ""));
  g_assert_false (chutes_secure_str_equal (state, last_differs));
  g_assert_false (chutes_secure_str_equal (state, first_differs));
  /* A prefix, either way round, is not a match. */
  g_assert_false (chutes_secure_str_equal (state, "dBjftJeZ4CVP"));
  g_assert_false (chutes_secure_str_equal ("dBjftJeZ4CVP", state));
  g_assert_false (chutes_secure_str_equal (state, ""));
  g_assert_false (chutes_secure_str_equal ("", state));
  /* NULL equals nothing, not even NULL. */
  g_assert_false (chutes_secure_str_equal (NULL, state));
  g_assert_false (chutes_secure_str_equal (state, NULL));
  g_assert_false (chutes_secure_str_equal (NULL, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pkce/challenge/matches-rfc7636-example", test_challenge_matches_rfc7636);
  g_test_add_func ("/pkce/base64url/no-padding-url-safe-alphabet", test_base64url_has_no_padding);
  g_test_add_func ("/pkce/verifier/43-unreserved-characters", test_verifier_is_43_unreserved_chars);
  g_test_add_func ("/pkce/verifier/never-repeats", test_verifiers_never_repeat);
  g_test_add_func ("/pkce/state/43-unreserved-characters", test_state_is_43_unreserved_chars);
  g_test_add_func ("/pkce/state/differs-from-verifier", test_state_differs_from_verifier);
  g_test_add_func ("/pkce/random/fills-whole-buffer", test_random_bytes_fill_the_buffer);
  g_test_add_func ("/pkce/state/compare-is-exact", test_secure_compare);

  return g_test_run ();
}
