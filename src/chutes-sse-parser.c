/* chutes-sse-parser.c: incremental Server-Sent Events parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-sse-parser.h"

/* Every byte fed is looked at once: the scan for a line end resumes where
 * the previous feed stopped, and only a line cut by a chunk boundary is
 * copied (into @line) until its end arrives. Complete lines inside a chunk
 * are handled in place. The data of the event being built is kept in @data
 * with a "\n" after each data: line, as the WHATWG algorithm describes;
 * the last one is dropped at dispatch.
 *
 * One extension to the standard: a line starting with "{" (the gateway's
 * mid-stream {"error": ...} comes without a "data:" prefix) is reported as
 * a CHUTES_SSE_EVENT_BARE_LINE. It first dispatches an event still being
 * built, so that nothing that arrived before the error is held back behind
 * it.
 *
 * Every look at or copy of input bytes goes through find_line_end(),
 * find_colon() or append(), which add to @bytes_touched: tests check that
 * it stays a small multiple of the bytes fed (linear time, shown without a
 * clock, which a busy machine would fool). */

struct _ChutesSseParser
{
  ChutesSseEventFunc  func;
  gpointer            user_data;

  GString            *line;        /* a line cut by a chunk boundary */
  GString            *data;        /* data buffer of the current event */
  GString            *event_type;  /* "event:" of the current event */
  GString            *scratch;     /* NUL-terminated copy of a bare line */

  guint64             bytes_touched;
  guint8              bom_seen;    /* BOM bytes matched so far, 0..3 */
  guint               bom_done : 1;
  guint               has_data : 1;
  guint               after_cr : 1;
  guint               failed : 1;
};

static const guint8 bom[3] = { 0xEF, 0xBB, 0xBF };

ChutesSseParser *
chutes_sse_parser_new (ChutesSseEventFunc func,
                       gpointer           user_data)
{
  ChutesSseParser *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (ChutesSseParser, 1);
  self->func = func;
  self->user_data = user_data;
  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->event_type = g_string_new (NULL);
  self->scratch = g_string_new (NULL);

  return self;
}

void
chutes_sse_parser_free (ChutesSseParser *self)
{
  if (self == NULL)
    return;

  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_string_free (self->event_type, TRUE);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

guint64
chutes_sse_parser_get_bytes_touched (ChutesSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->bytes_touched;
}

/* The first '\n' or '\r' from @p on, or @end. */
static const char *
find_line_end (ChutesSseParser *self,
               const char      *p,
               const char      *end)
{
  const char *eol = p;

  while (eol < end && *eol != '\n' && *eol != '\r')
    eol++;
  self->bytes_touched += eol - p;

  return eol;
}

static const char *
find_colon (ChutesSseParser *self,
            const char      *line,
            gsize            len)
{
  const char *colon = memchr (line, ':', len);

  self->bytes_touched += colon != NULL ? (gsize) (colon - line) + 1 : len;

  return colon;
}

static void
append (ChutesSseParser *self,
        GString         *string,
        const char      *bytes,
        gsize            len)
{
  g_string_append_len (string, bytes, len);
  self->bytes_touched += len;
}

static void
set_too_large (GError **error)
{
  g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
               _("The server sent a line or event larger than %u MiB"),
               (guint) (CHUTES_SSE_MAX_EVENT_SIZE / (1024 * 1024)));
}

static void
reset_event (ChutesSseParser *self)
{
  g_string_truncate (self->data, 0);
  g_string_truncate (self->event_type, 0);
  self->has_data = FALSE;
}

static void
dispatch_event (ChutesSseParser *self)
{
  if (self->has_data)
    {
      const char *event_type = self->event_type->len > 0 ? self->event_type->str : NULL;

      /* Remove the "\n" that follows the last data: line. */
      g_assert (self->data->len > 0);
      g_string_truncate (self->data, self->data->len - 1);
      self->func (CHUTES_SSE_EVENT_DATA, event_type,
                  self->data->str, self->data->len, self->user_data);
    }

  reset_event (self);
}

static gboolean
field_is (const char *name,
          gsize       name_len,
          const char *expected)
{
  gsize expected_len = strlen (expected);

  return name_len == expected_len && memcmp (name, expected, name_len) == 0;
}

/* One complete line, without its terminator. */
static gboolean
process_line (ChutesSseParser  *self,
              const char       *line,
              gsize             len,
              GError          **error)
{
  const char *colon;
  const char *value;
  gsize name_len;
  gsize value_len;

  if (len > CHUTES_SSE_MAX_EVENT_SIZE)
    {
      set_too_large (error);
      return FALSE;
    }

  if (len == 0)
    {
      dispatch_event (self);
      return TRUE;
    }

  if (line[0] == ':')
    return TRUE;

  if (line[0] == '{')
    {
      dispatch_event (self);
      g_string_truncate (self->scratch, 0);
      append (self, self->scratch, line, len);
      self->func (CHUTES_SSE_EVENT_BARE_LINE, NULL,
                  self->scratch->str, self->scratch->len, self->user_data);
      /* Do not keep a large copy around for the rest of the stream. */
      if (self->scratch->allocated_len > 4096)
        {
          g_string_free (self->scratch, TRUE);
          self->scratch = g_string_new (NULL);
        }
      return TRUE;
    }

  colon = find_colon (self, line, len);
  if (colon != NULL)
    {
      name_len = colon - line;
      value = colon + 1;
      value_len = len - name_len - 1;
      if (value_len > 0 && value[0] == ' ')
        {
          value++;
          value_len--;
        }
    }
  else
    {
      name_len = len;
      value = line + len;
      value_len = 0;
    }

  if (field_is (line, name_len, "data"))
    {
      if (self->data->len + value_len > CHUTES_SSE_MAX_EVENT_SIZE)
        {
          set_too_large (error);
          return FALSE;
        }
      append (self, self->data, value, value_len);
      g_string_append_c (self->data, '\n');
      self->has_data = TRUE;
    }
  else if (field_is (line, name_len, "event"))
    {
      g_string_truncate (self->event_type, 0);
      append (self, self->event_type, value, value_len);
    }
  /* "id" and "retry" matter only for reconnecting, which a chat reply
   * never does; unknown fields are ignored as the standard says. */

  return TRUE;
}

/* Feeds bytes that follow the BOM check. */
static gboolean
feed_lines (ChutesSseParser  *self,
            const char       *data,
            gsize             length,
            GError          **error)
{
  const char *p = data;
  const char *end = data + length;

  if (self->after_cr && p < end)
    {
      self->after_cr = FALSE;
      if (*p == '\n')
        p++;
    }

  while (p < end)
    {
      const char *eol = find_line_end (self, p, end);

      if (eol == end)
        {
          /* The line goes on in the next chunk. */
          if (self->line->len + (gsize) (end - p) > CHUTES_SSE_MAX_EVENT_SIZE)
            {
              set_too_large (error);
              return FALSE;
            }
          append (self, self->line, p, end - p);
          break;
        }

      if (self->line->len > 0)
        {
          gboolean ok;

          if (self->line->len + (gsize) (eol - p) > CHUTES_SSE_MAX_EVENT_SIZE)
            {
              set_too_large (error);
              return FALSE;
            }
          append (self, self->line, p, eol - p);
          ok = process_line (self, self->line->str, self->line->len, error);
          g_string_truncate (self->line, 0);
          if (self->line->allocated_len > 65536)
            {
              g_string_free (self->line, TRUE);
              self->line = g_string_new (NULL);
            }
          if (!ok)
            return FALSE;
        }
      else if (!process_line (self, p, eol - p, error))
        return FALSE;

      if (*eol == '\r')
        {
          if (eol + 1 == end)
            self->after_cr = TRUE;
          else if (eol[1] == '\n')
            eol++;
        }

      p = eol + 1;
    }

  return TRUE;
}

gboolean
chutes_sse_parser_feed (ChutesSseParser  *self,
                        const char       *data,
                        gsize             length,
                        GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->failed)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The reply could not be read"));
      return FALSE;
    }

  /* A UTF-8 BOM at the very start is dropped; its bytes may arrive one by
   * one. Bytes that start like a BOM but are not one are ordinary data. */
  while (!self->bom_done && length > 0)
    {
      if ((guint8) data[0] == bom[self->bom_seen])
        {
          self->bom_seen++;
          data++;
          length--;
          if (self->bom_seen == G_N_ELEMENTS (bom))
            self->bom_done = TRUE;
        }
      else
        {
          self->bom_done = TRUE;
          if (self->bom_seen > 0 &&
              !feed_lines (self, (const char *) bom, self->bom_seen, error))
            {
              self->failed = TRUE;
              return FALSE;
            }
        }
    }

  if (length > 0 && !feed_lines (self, data, length, error))
    {
      self->failed = TRUE;
      return FALSE;
    }

  return TRUE;
}

void
chutes_sse_parser_finish (ChutesSseParser *self)
{
  g_return_if_fail (self != NULL);

  if (self->failed)
    return;

  /* A stream made only of the start of a BOM. */
  if (!self->bom_done)
    {
      self->bom_done = TRUE;
      if (self->bom_seen > 0)
        append (self, self->line, (const char *) bom, self->bom_seen);
    }

  if (self->line->len > 0)
    {
      /* Cannot fail: the length was checked as the line was collected. */
      process_line (self, self->line->str, self->line->len, NULL);
      g_string_truncate (self->line, 0);
    }

  dispatch_event (self);
  self->after_cr = FALSE;
}
