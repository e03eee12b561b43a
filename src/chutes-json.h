/* chutes-json.h: JSON from the network, parsed within bounds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* json-glib parses recursively with no depth limit: a value nested 100,000
 * deep overflows the stack. No reply we read nests past a handful of levels. */
#define CHUTES_JSON_MAX_DEPTH 64

/* What one document of each kind may weigh, in bytes. */
#define CHUTES_JSON_MAX_ERROR_BODY   (64 * 1024)        /* an HTTP error body */
#define CHUTES_JSON_MAX_TOKEN_REPLY  (64 * 1024)        /* /idp/token, /idp/userinfo, ... */
#define CHUTES_JSON_MAX_STORED       (64 * 1024)        /* what the keyring holds */
#define CHUTES_JSON_MAX_CHUNK        (1024 * 1024)      /* one streamed chat chunk */
#define CHUTES_JSON_MAX_MODELS       (8 * 1024 * 1024)  /* the /v1/models list */

/* Checks, in one linear pass, that @data (@size bytes) is at most @max_size
 * bytes, holds no NUL byte, nothing between strings that JSON does not allow
 * there (json-glib's extensions, 'strings' and comments, could hide
 * brackets from the count) and nests arrays and objects at most
 * %CHUTES_JSON_MAX_DEPTH deep (brackets inside strings, escaped quotes
 * included, do not count). Sets a CHUTES_ERROR_PROTOCOL error otherwise. It
 * does not check that @data is JSON: json-glib does that next. */
gboolean  chutes_json_check_bounds    (const char  *data,
                                       gsize        size,
                                       gsize        max_size,
                                       GError     **error);

/* chutes_json_check_bounds(), then json-glib. Returns the root node (which
 * may be of any type), or NULL with a CHUTES_ERROR_PROTOCOL error. Callable
 * without GTK; the entry point for every JSON document from outside. */
JsonNode *chutes_json_parse           (const char  *data,
                                       gsize        size,
                                       gsize        max_size,
                                       GError     **error);

/* A JSON number as a double clamped to [@min, @max] (json-glib reads 1e400
 * as infinity). FALSE, and @value untouched, when @node is NULL or not a
 * number. */
gboolean  chutes_json_get_number      (JsonNode    *node,
                                       double       min,
                                       double       max,
                                       double      *value);

/* The same as a whole number: never an undefined float-to-integer
 * conversion, whatever the document says. @min <= @max, both well inside
 * the range of gint64. */
gboolean  chutes_json_get_int         (JsonNode    *node,
                                       gint64       min,
                                       gint64       max,
                                       gint64      *value);

G_END_DECLS
