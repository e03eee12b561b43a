/* chutes-json.c: JSON from the network, parsed within bounds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every JSON document that comes from outside (a gateway, the identity
 * provider, the keyring) goes through chutes_json_parse(): a linear pre-scan
 * refuses what json-glib's recursive parser would choke on (deep nesting,
 * a NUL byte) or what costs too much (size), before json-glib sees it.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-json.h"

/* Every character JSON allows outside strings: whitespace, punctuation,
 * the letters of true, false, null and of exponents, and number parts. */
#define JSON_OUTSIDE_STRINGS " \t\n\r{}[]:,\"truefalsnE+-.0123456789"

gboolean
chutes_json_check_bounds (const char  *data,
                          gsize        size,
                          gsize        max_size,
                          GError     **error)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || size == 0, FALSE);

  if (size > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);

      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                   /* Translators: %s is a size such as "64.0 kB" */
                   _("The reply is larger than %s, more than Chutes for GNOME reads."),
                   limit);
      return FALSE;
    }

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (c == '\0')
        {
          g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                               _("The reply holds a NUL byte, which JSON never does."));
          return FALSE;
        }

      if (in_string)
        {
          /* JSON's escapes only: json-glib also reads \666 and the like,
           * as bytes that need not be UTF-8 (the models fuzzer found it). */
          if (escaped && strchr ("\"\\/bfnrtu", c) == NULL)
            {
              g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                                   _("The reply is not valid JSON."));
              return FALSE;
            }
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      /* json-glib also reads 'single-quoted strings' and comments, in
       * which a " would hide the brackets after it from this count: only
       * what JSON allows between strings gets past. */
      if (strchr (JSON_OUTSIDE_STRINGS, c) == NULL)
        {
          g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                               _("The reply is not valid JSON."));
          return FALSE;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;

        case '[':
        case '{':
          if (++depth > CHUTES_JSON_MAX_DEPTH)
            {
              g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The reply nests more than %d levels deep, more than Chutes "
                             "for GNOME reads."), CHUTES_JSON_MAX_DEPTH);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          /* A stray closer is json-glib's to refuse; do not wrap around. */
          if (depth > 0)
            depth--;
          break;

        default:
          break;
        }
    }

  return TRUE;
}

JsonNode *
chutes_json_parse (const char  *data,
                   gsize        size,
                   gsize        max_size,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!chutes_json_check_bounds (data, size, max_size, error))
    return NULL;

  if (size == 0)
    {
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The reply is empty."));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, size, &local_error) ||
      json_parser_get_root (parser) == NULL)
    {
      /* json-glib's message quotes the document, which may hold tokens:
       * keep it out of the UI and out of the logs. */
      g_debug ("Unreadable JSON (json-glib error %d)", local_error ? local_error->code : -1);
      g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                           _("The reply is not valid JSON."));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

gboolean
chutes_json_get_number (JsonNode *node,
                        double    min,
                        double    max,
                        double   *value)
{
  GType type;
  double number;

  g_return_val_if_fail (min <= max, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;

  /* For an integer node this is an exact-enough conversion, never UB. */
  number = json_node_get_double (node);
  if (isnan (number))
    return FALSE;

  *value = CLAMP (number, min, max);
  return TRUE;
}

gboolean
chutes_json_get_int (JsonNode *node,
                     gint64    min,
                     gint64    max,
                     gint64   *value)
{
  double number;

  g_return_val_if_fail (min <= max, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = CLAMP (json_node_get_int (node), min, max);
      return TRUE;
    }

  if (!chutes_json_get_number (node, (double) min, (double) max, &number))
    return FALSE;

  /* (double) max may have rounded up past max; compare before converting. */
  if (number >= (double) max)
    *value = max;
  else if (number <= (double) min)
    *value = min;
  else
    *value = (gint64) number;

  return TRUE;
}
