/* test-json.c: JSON from outside is parsed within bounds, whatever it holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "chutes-error.h"
#include "chutes-json.h"
#include "chutes-test-mock.h"

/* @depth opening brackets of @open, then their closers. */
static char *
nested (const char *open,
        const char *close,
        gsize       depth)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, "1");
  for (gsize i = 0; i < depth; i++)
    g_string_append (s, close);

  return g_string_free (s, FALSE);
}

/* json-glib alone dies of a stack overflow on this (SIGSEGV). */
static void
test_deep_nesting_is_refused (void)
{
  const char *shapes[][2] = { { "[", "]" }, { "{\"a\":", "}" }, { "[{\"a\":", "}]" } };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autofree char *doc = nested (shapes[i][0], shapes[i][1], 100000);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);

      g_assert_null (root);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (error->message, "levels deep"));
    }

  /* Unclosed, as a cut-off stream would be: still refused, no crash. */
  {
    g_autofree char *doc = g_strnfill (200000, '[');
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);

    g_assert_null (root);
    g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  }
}

static void
test_depth_limit_is_exact (void)
{
  g_autofree char *deepest = nested ("[", "]", CHUTES_JSON_MAX_DEPTH);
  g_autofree char *too_deep = nested ("[", "]", CHUTES_JSON_MAX_DEPTH + 1);
  g_autoptr(JsonNode) ok = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autoptr(GError) error = NULL;

  ok = chutes_json_parse (deepest, strlen (deepest), G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (ok));

  refused = chutes_json_parse (too_deep, strlen (too_deep), G_MAXSIZE, &error);
  g_assert_null (refused);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
}

/* Brackets inside strings are text, escaped quotes included. */
static void
test_brackets_in_strings_do_not_count (void)
{
  g_autofree char *brackets = g_strnfill (10000, '[');
  g_autofree char *doc = g_strdup_printf ("{\"a\":\"\\\"%s\\\\\",\"b\":[\"%s\"]}",
                                          brackets, brackets);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);
  JsonObject *object;

  g_assert_no_error (error);
  g_assert_nonnull (root);
  object = json_node_get_object (root);
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "a")), ==, 10002);

  /* An escaped backslash ends the escape: the quote after it closes the
   * string, so the brackets after it count again. */
  {
    g_autofree char *deep = nested ("[", "]", 100000);
    g_autofree char *tricky = g_strdup_printf ("[\"\\\\\",%s]", deep);
    g_autoptr(GError) deep_error = NULL;
    g_autoptr(JsonNode) none = chutes_json_parse (tricky, strlen (tricky), G_MAXSIZE, &deep_error);

    g_assert_null (none);
    g_assert_error (deep_error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  }
}

/* json-glib reads 'single-quoted strings' and comments too; a " in one
 * must not hide the brackets after it from the count. */
static void
test_json_glib_extensions_refused (void)
{
  const char *openers[] = { "['\"', ", "[1 /* \" */, ", "[1, /* \" */ ", "['\\', \"\\\"\", " };
  const char *not_json[] = { "['a']", "[1 /* c */]", "[0x10]", "[True]", "[1, `a`]", "{\"a\" = 1}",
                             /* Escapes JSON has not: json-glib reads \666 as the byte 0xb6. */
                             "[\"8f2d\\666\"]", "[\"\\x41\"]", "[\"\\a\"]", "[\"\\\n\"]" };
  g_autofree char *deep = nested ("[", "]", 100000);

  for (guint i = 0; i < G_N_ELEMENTS (openers); i++)
    {
      g_autofree char *doc = g_strconcat (openers[i], deep, "]", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);

      g_test_message ("%s", openers[i]);
      g_assert_null (root);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
    }

  for (guint i = 0; i < G_N_ELEMENTS (not_json); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = chutes_json_parse (not_json[i], strlen (not_json[i]), G_MAXSIZE, &error);

      g_test_message ("%s", not_json[i]);
      g_assert_null (root);
      g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
    }

  /* What JSON allows between strings all passes. */
  {
    const char *doc = " {\"a\" : [true, false, null, -1.5E+3, 2e-2, 0],\r\n\t\"b\":{},"
                      " \"c\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"} ";
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);

    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  }
}

static void
test_size_cap (void)
{
  const char *doc = "{\"a\":\"0123456789\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) fits = NULL;
  g_autoptr(JsonNode) refused = NULL;

  fits = chutes_json_parse (doc, strlen (doc), strlen (doc), &error);
  g_assert_no_error (error);
  g_assert_nonnull (fits);

  refused = chutes_json_parse (doc, strlen (doc), strlen (doc) - 1, &error);
  g_assert_null (refused);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger than"));
}

static void
test_nul_empty_and_garbage (void)
{
  const char with_nul[] = "{\"a\":1}\0[[[[";
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  root = chutes_json_parse (with_nul, sizeof with_nul - 1, G_MAXSIZE, &error);
  g_assert_null (root);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_clear_error (&error);

  root = chutes_json_parse ("", 0, G_MAXSIZE, &error);
  g_assert_null (root);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* json-glib's own message quotes the document (a token, say); neither
   * our message nor the log does, even with debug messages on. */
  {
    const char *doc = "{\"x\": 1, \"access_token\" \"cak_secret\"}";

    root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);
  }
  g_assert_null (root);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_null (strstr (error->message, "cak_secret"));
  g_assert_nonnull (strstr (chutes_test_get_recorded_logs (), "Unreadable JSON"));
  g_assert_null (strstr (chutes_test_get_recorded_logs (), "cak_secret"));
}

static JsonNode *
member (JsonNode   *root,
        const char *name)
{
  return json_object_get_member (json_node_get_object (root), name);
}

/* json-glib reads 1e400 as infinity and 9223372036854775000 as an integer
 * that no double holds: both must come out as numbers in range. */
static void
test_numbers_are_clamped (void)
{
  const char *doc = "{\"inf\":1e400,\"ninf\":-1e400,\"big\":9223372036854775000,"
                    "\"small\":-9223372036854775000,\"frac\":2.75,\"text\":\"12\","
                    "\"null\":null,\"list\":[1]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = chutes_json_parse (doc, strlen (doc), G_MAXSIZE, &error);
  gint64 i = 42;
  double d = 42;

  g_assert_no_error (error);

  g_assert_true (chutes_json_get_int (member (root, "inf"), 0, 1000, &i));
  g_assert_cmpint (i, ==, 1000);
  g_assert_true (chutes_json_get_int (member (root, "ninf"), 0, 1000, &i));
  g_assert_cmpint (i, ==, 0);
  g_assert_true (chutes_json_get_int (member (root, "big"), 0, 1000, &i));
  g_assert_cmpint (i, ==, 1000);
  g_assert_true (chutes_json_get_int (member (root, "small"), -5, 1000, &i));
  g_assert_cmpint (i, ==, -5);
  g_assert_true (chutes_json_get_int (member (root, "frac"), 0, 1000, &i));
  g_assert_cmpint (i, ==, 2);
  g_assert_true (chutes_json_get_int (member (root, "big"), 0, G_MAXINT64 / 2, &i));
  g_assert_cmpint (i, ==, G_MAXINT64 / 2);

  g_assert_true (chutes_json_get_number (member (root, "inf"), -1, 1e6, &d));
  g_assert_cmpfloat (d, ==, 1e6);
  g_assert_true (chutes_json_get_number (member (root, "ninf"), -1, 1e6, &d));
  g_assert_cmpfloat (d, ==, -1);
  g_assert_true (isfinite (d));

  /* Not numbers: refused, and the value left alone. */
  i = 42;
  d = 42;
  g_assert_false (chutes_json_get_int (member (root, "text"), 0, 1000, &i));
  g_assert_false (chutes_json_get_int (member (root, "null"), 0, 1000, &i));
  g_assert_false (chutes_json_get_int (member (root, "list"), 0, 1000, &i));
  g_assert_false (chutes_json_get_int (member (root, "absent"), 0, 1000, &i));
  g_assert_false (chutes_json_get_number (member (root, "text"), 0, 1000, &d));
  g_assert_cmpint (i, ==, 42);
  g_assert_cmpfloat (d, ==, 42);
}

int
main (int   argc,
      char *argv[])
{
  chutes_test_record_logs ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/deep-nesting-is-refused-not-a-crash", test_deep_nesting_is_refused);
  g_test_add_func ("/json/depth-limit-is-exact", test_depth_limit_is_exact);
  g_test_add_func ("/json/brackets-in-strings-do-not-count", test_brackets_in_strings_do_not_count);
  g_test_add_func ("/json/json-glib-extensions-refused", test_json_glib_extensions_refused);
  g_test_add_func ("/json/size-cap", test_size_cap);
  g_test_add_func ("/json/nul-empty-and-garbage-refused", test_nul_empty_and_garbage);
  g_test_add_func ("/json/numbers-are-clamped", test_numbers_are_clamped);

  return g_test_run ();
}
