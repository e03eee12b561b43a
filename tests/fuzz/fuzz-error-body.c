/* fuzz-error-body.c: libFuzzer entry point for the body of an HTTP error
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Byte 0 picks the status (400 + it: 400 to 655, so also unknown ones),
 * byte 1 the Content-Type (JSON, HTML, plain text or none); the rest is the
 * body. chutes_error_new_from_http() must always give an error of ours
 * whose message is text to show: valid UTF-8, no control characters, and
 * bounded (the server's part is cut at 300 characters).
 */
#include "config.h"

#include <stdlib.h>

#include "chutes-error.h"
#include "fuzz-common.h"

#define MAX_MESSAGE_CHARS 1500

static const char * const content_types[] = {
  "application/json",
  "text/html; charset=utf-8",
  "text/plain",
  NULL,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (size < 2)
    return 0;

  body = g_bytes_new (data + 2, size - 2);
  error = chutes_error_new_from_http (400 + data[0],
                                      content_types[data[1] % G_N_ELEMENTS (content_types)],
                                      body, "llm.chutes.ai");

  if (error == NULL || error->domain != CHUTES_ERROR || error->message[0] == '\0')
    abort ();
  fuzz_check_shown_text (error->message);
  if (g_utf8_strlen (error->message, -1) > MAX_MESSAGE_CHARS)
    {
      g_printerr ("Unbounded message (%ld characters)\n", g_utf8_strlen (error->message, -1));
      abort ();
    }

  return 0;
}
