/* fuzz-callback-query.c: libFuzzer entry point for the OAuth redirect's
 * query, as the loopback server reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the query string of a request to the redirect path (what
 * any local process or web page can send). chutes_loopback_reply_check_callback()
 * must always fill the page, hand out a code only with the right state,
 * and keep the IDP's text literal: valid UTF-8, no control characters,
 * and no markup in the HTML page (the page holds as many '<' as the page
 * of a plain heading and text).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chutes-error.h"
#include "chutes-loopback-reply.h"
#include "chutes-tokens.h"
#include "fuzz-common.h"

/* Short, so the fuzzer finds it (the seeds carry it too). */
#define STATE "st8"

static guint
count_char (const char *text,
            char        c)
{
  guint n = 0;

  for (const char *p = strchr (text, c); p != NULL; p = strchr (p + 1, c))
    n++;

  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static guint plain_tags;
  g_autofree char *query = g_strndup ((const char *) data, size);
  g_auto(ChutesLoopbackReply) reply = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *html = NULL;
  char *code = NULL;
  ChutesLoopbackCallback outcome;

  if (plain_tags == 0)
    {
      g_autofree char *plain = chutes_loopback_reply_build ("heading", "text");

      plain_tags = count_char (plain, '<');
    }

  /* A query with a NUL in it cannot reach us: libsoup stops at it. */
  if (memchr (data, '\0', size) != NULL)
    return 0;

  outcome = chutes_loopback_reply_check_callback (query, STATE, &reply, &code, &error);

  if (reply.status < 200 || reply.status > 499 || reply.heading == NULL || reply.text == NULL)
    abort ();
  fuzz_check_shown_text (reply.heading);
  fuzz_check_shown_text (reply.text);

  switch (outcome)
    {
    case CHUTES_LOOPBACK_CALLBACK_CODE:
      if (code == NULL || code[0] == '\0' || error != NULL)
        abort ();
      fuzz_check_utf8 (code);
      break;

    case CHUTES_LOOPBACK_CALLBACK_FAILED:
      if (code != NULL || error == NULL || error->domain != CHUTES_ERROR)
        abort ();
      fuzz_check_shown_text (error->message);
      break;

    case CHUTES_LOOPBACK_CALLBACK_STRAY:
    default:
      if (code != NULL || error != NULL)
        abort ();
      break;
    }

  html = chutes_loopback_reply_build (reply.heading, reply.text);
  fuzz_check_utf8 (html);
  if (count_char (html, '<') != plain_tags)
    {
      g_printerr ("Markup from the query in the page:\n%s\n", html);
      abort ();
    }

  g_clear_pointer (&code, chutes_secret_free);

  return 0;
}
