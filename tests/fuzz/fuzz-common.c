/* fuzz-common.c: what every libFuzzer harness in tests/fuzz shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A critical is a broken precondition in our code: a finding, as in the
   * test suite (G_DEBUG=fatal-criticals). Debug output stays off. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  g_setenv ("LANG", "C.UTF-8", TRUE);

  return 0;
}

void
fuzz_check_utf8 (const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_printerr ("Not valid UTF-8: %s\n", text);
      abort ();
    }
}

void
fuzz_check_shown_text (const char *text)
{
  fuzz_check_utf8 (text);

  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_printerr ("A control character in text to show: %s\n", text);
        abort ();
      }
}

void
fuzz_fields_init (FuzzFields    *fields,
                  const uint8_t *data,
                  size_t         size)
{
  fields->data = (const char *) data;
  fields->left = size;
}

char *
fuzz_fields_next_text (FuzzFields *fields)
{
  const char *end;
  gsize length;
  char *text;

  if (fields->left == 0)
    return NULL;

  end = memchr (fields->data, '\0', fields->left);
  length = end != NULL ? (gsize) (end - fields->data) : fields->left;
  text = g_utf8_make_valid (fields->data, length);

  fields->data += length;
  fields->left -= length;
  if (fields->left > 0)
    {
      fields->data++;
      fields->left--;
    }

  return text;
}

guint
fuzz_fields_next_byte (FuzzFields *fields)
{
  guint byte;

  if (fields->left == 0)
    return 0;

  byte = (guchar) fields->data[0];
  fields->data++;
  fields->left--;

  return byte;
}
