/* mock-images.c: image content parts, checked as a gateway would, and
 * described in the canned reply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "mock-chutes.h"

/* The image_url.url of @part when it is an image part, else NULL. */
static const char *
image_part_url (JsonNode *part)
{
  JsonObject *object;
  JsonNode *image_url;

  if (!JSON_NODE_HOLDS_OBJECT (part))
    return NULL;
  object = json_node_get_object (part);
  if (g_strcmp0 (mock_json_get_string (object, "type"), "image_url") != 0)
    return NULL;
  image_url = json_object_get_member (object, "image_url");
  if (image_url == NULL || !JSON_NODE_HOLDS_OBJECT (image_url))
    return "";
  return mock_json_get_string (json_node_get_object (image_url), "url");
}

/* Decodes a data:image/(png|jpeg|webp|gif);base64, URI; its size and type
 * in @width, @height, @type. */
static gboolean
decode_data_uri (const char  *url,
                 int         *width,
                 int         *height,
                 char       **type)
{
  static const char * const types[] = { "png", "jpeg", "webp", "gif" };
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree guchar *data = NULL;
  const char *comma;
  GdkPixbuf *pixbuf;
  gsize length = 0;
  gboolean ok = FALSE;

  if (url == NULL || !g_str_has_prefix (url, "data:image/"))
    return FALSE;
  comma = strchr (url, ',');
  if (comma == NULL || comma - url < 18 || strncmp (comma - 7, ";base64", 7) != 0)
    return FALSE;

  *type = g_strndup (url + 5, comma - 7 - (url + 5));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_equal (*type + strlen ("image/"), types[i]))
      ok = TRUE;
  if (!ok)
    return FALSE;

  data = g_base64_decode (comma + 1, &length);
  if (length == 0)
    return FALSE;

  loader = gdk_pixbuf_loader_new_with_mime_type (*type, NULL);
  if (loader == NULL)
    return FALSE;
  ok = gdk_pixbuf_loader_write (loader, data, length, NULL);
  ok = gdk_pixbuf_loader_close (loader, NULL) && ok;
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (!ok || pixbuf == NULL)
    return FALSE;

  *width = gdk_pixbuf_get_width (pixbuf);
  *height = gdk_pixbuf_get_height (pixbuf);
  return TRUE;
}

/* Whether models[] says @extra (its optional members) takes images: an
 * "input_modalities" list with "image" in it. */
gboolean
mock_images_model_takes_images (const char *extra)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonNode *modalities;
  JsonArray *array;

  if (extra == NULL)
    return FALSE;

  text = g_strconcat ("{", extra, "}", NULL);
  node = json_from_string (text, NULL);
  modalities = json_object_get_member (json_node_get_object (node), "input_modalities");
  if (modalities == NULL || !JSON_NODE_HOLDS_ARRAY (modalities))
    return FALSE;

  array = json_node_get_array (modalities);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (item), "image"))
        return TRUE;
    }

  return FALSE;
}

/* Replies 400 and returns FALSE when an image part of @messages is not a
 * data URI of an image that decodes, or when @model takes no images. */
gboolean
mock_images_check (SoupServerMessage *msg,
                   JsonArray         *messages,
                   const char        *model,
                   gboolean           takes_images)
{
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);
      JsonNode *content = json_object_get_member (message, "content");
      JsonArray *parts;

      if (content == NULL || !JSON_NODE_HOLDS_ARRAY (content))
        continue;

      parts = json_node_get_array (content);
      for (guint j = 0; j < json_array_get_length (parts); j++)
        {
          const char *url = image_part_url (json_array_get_element (parts, j));
          g_autofree char *type = NULL;
          int width, height;

          if (url == NULL)
            continue;

          if (!takes_images)
            {
              g_autofree char *detail = g_strdup_printf ("Model %s does not support image input",
                                                         model);
              mock_reply_detail (msg, SOUP_STATUS_BAD_REQUEST, detail);
              return FALSE;
            }

          if (!decode_data_uri (url, &width, &height, &type))
            {
              g_autofree char *detail =
                g_strdup_printf ("messages[%u].content[%u].image_url.url is not a "
                                 "base64 data URI of a PNG, JPEG, WebP or GIF image", i, j);
              mock_reply_detail (msg, SOUP_STATUS_BAD_REQUEST, detail);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* " with 2 images (640x480 image/png, 30x20 image/jpeg)" for the image
 * parts of @message, "" without any. */
char *
mock_images_describe (JsonObject *message)
{
  JsonNode *content = json_object_get_member (message, "content");
  g_autoptr(GString) list = g_string_new (NULL);
  JsonArray *parts;
  guint n = 0;

  if (content == NULL || !JSON_NODE_HOLDS_ARRAY (content))
    return g_strdup ("");

  parts = json_node_get_array (content);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      const char *url = image_part_url (json_array_get_element (parts, i));
      g_autofree char *type = NULL;
      int width = 0, height = 0;

      if (url == NULL)
        continue;
      if (!decode_data_uri (url, &width, &height, &type))
        continue;
      g_string_append_printf (list, "%s%dx%d %s", n > 0 ? ", " : "", width, height, type);
      n++;
    }

  if (n == 0)
    return g_strdup ("");

  return g_strdup_printf (" with %u image%s (%s)", n, n == 1 ? "" : "s", list->str);
}
