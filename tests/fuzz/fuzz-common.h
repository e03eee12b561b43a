/* fuzz-common.h: what every libFuzzer harness in tests/fuzz shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

int   LLVMFuzzerInitialize   (int            *argc,
                              char         ***argv);
int   LLVMFuzzerTestOneInput (const uint8_t  *data,
                              size_t          size);

/* Aborts (a finding) when @text is not NULL and not valid UTF-8. */
void  fuzz_check_utf8        (const char     *text);

/* Aborts when @text is not NULL and not valid UTF-8, or holds a control
 * character (text from the network shown in the window must hold none). */
void  fuzz_check_shown_text  (const char     *text);

/* Input split in NUL-separated fields. */
typedef struct
{
  const char *data;
  gsize       left;
} FuzzFields;

void  fuzz_fields_init       (FuzzFields     *fields,
                              const uint8_t  *data,
                              size_t          size);
/* The next field, made valid UTF-8 the way text from the network is before
 * the app keeps it (NULL once the input is used up). Free with g_free(). */
char *fuzz_fields_next_text  (FuzzFields     *fields);
/* The next byte as a number (0 once the input is used up). */
guint fuzz_fields_next_byte  (FuzzFields     *fields);

G_END_DECLS
