/* chutes-attachment.c: an image or a text file attached to a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything that reads, decodes, scales or encodes runs in a worker thread
 * (g_task_run_in_thread): a 24-megapixel photo takes a few hundred
 * milliseconds, which the window must not wait for.
 *
 * Images are always decoded and encoded again with gdk-pixbuf, whose savers
 * write only the options they are given: EXIF (with its GPS location and
 * camera), XMP and text chunks are dropped on the way. A PNG stays a PNG
 * (screenshots stay sharp) unless only a JPEG fits in
 * CHUTES_ATTACHMENT_MAX_IMAGE; anything else becomes a JPEG, or a PNG when
 * it has transparency.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "chutes-attachment.h"
#include "chutes-attachment-private.h"
#include "chutes-error.h"

struct _ChutesAttachment
{
  GObject               parent_instance;

  ChutesAttachmentKind  kind;
  char                 *name;
  char                 *content_type;
  GBytes               *bytes;
  char                 *hash;
  int                   width;
  int                   height;
};

G_DEFINE_FINAL_TYPE (ChutesAttachment, chutes_attachment, G_TYPE_OBJECT)

static void
chutes_attachment_finalize (GObject *object)
{
  ChutesAttachment *self = CHUTES_ATTACHMENT (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->hash, g_free);

  G_OBJECT_CLASS (chutes_attachment_parent_class)->finalize (object);
}

static void
chutes_attachment_class_init (ChutesAttachmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chutes_attachment_finalize;
}

static void
chutes_attachment_init (ChutesAttachment *self)
{
}

ChutesAttachment *
chutes_attachment_new_stored (ChutesAttachmentKind  kind,
                              const char           *name,
                              const char           *content_type,
                              GBytes               *bytes,
                              int                   width,
                              int                   height)
{
  ChutesAttachment *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (content_type != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  self = g_object_new (CHUTES_TYPE_ATTACHMENT, NULL);
  self->kind = kind;
  self->name = g_strdup (name);
  self->content_type = g_strdup (content_type);
  self->bytes = g_bytes_ref (bytes);
  self->hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  self->width = kind == CHUTES_ATTACHMENT_IMAGE ? MAX (width, 0) : 0;
  self->height = kind == CHUTES_ATTACHMENT_IMAGE ? MAX (height, 0) : 0;

  return self;
}

/* Reading and checking, in the worker thread */

static GError *
attachment_error (const char *format,
                  ...) G_GNUC_PRINTF (1, 2);

static GError *
attachment_error (const char *format,
                  ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT, format, args);
  va_end (args);

  return error;
}

static GError *
too_large_error (const char *name,
                 guint64     size)
{
  g_autofree char *size_text = g_format_size (size);
  g_autofree char *limit = g_format_size (CHUTES_ATTACHMENT_MAX_FILE);

  return attachment_error (_("“%s” is too large to attach (%s; the limit is %s)"),
                           name, size_text, limit);
}

static gboolean
is_image_type (const char *content_type)
{
  static const char * const types[] = {
    "image/png", "image/jpeg", "image/webp", "image/gif",
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_content_type_equals (content_type, types[i]))
      return TRUE;

  return FALSE;
}

/* Types GIO does not call text/plain that are text all the same. */
static gboolean
is_text_type (const char *content_type)
{
  static const char * const types[] = {
    "text/plain", "application/json", "application/xml",
    "application/javascript", "application/x-yaml", "application/yaml",
    "application/toml", "application/sql", "application/x-shellscript",
    "application/x-desktop", "application/x-perl", "application/x-php",
    "application/x-ruby", "application/x-subrip",
  };

  if (g_str_has_prefix (content_type, "text/"))
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_content_type_is_a (content_type, types[i]))
      return TRUE;

  return FALSE;
}

/* Valid UTF-8 without NUL bytes: what a text file has to be to go into a
 * message. */
static gboolean
is_utf8_text (GBytes *bytes)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (size == 0)
    return TRUE;

  return memchr (data, '\0', size) == NULL && g_utf8_validate (data, size, NULL);
}

/* Beyond this many pixels an image is refused before it is decoded: a few
 * bytes of PNG can claim a picture of gigabytes. A JPEG is decoded at a
 * fraction of its size (down to 1/8 a side), so it may be larger. */
#define MAX_PIXELS      (150 * 1000 * 1000)
#define MAX_JPEG_PIXELS (G_GINT64_CONSTANT (1000) * 1000 * 1000)

typedef struct
{
  int width;       /* as the file says, before any scaling */
  int height;
  int covered;     /* rows decoded: the bottom of the lowest area updated */
  gboolean refused;
} SizeCheck;

static gboolean
loader_is_jpeg (GdkPixbufLoader *loader)
{
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  g_autofree char *name = format ? gdk_pixbuf_format_get_name (format) : NULL;

  return g_strcmp0 (name, "jpeg") == 0;
}

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  SizeCheck *check = user_data;
  gboolean jpeg = loader_is_jpeg (loader);
  int longest = MAX (width, height);
  double scale;

  check->width = width;
  check->height = height;

  /* A size of 0 makes the decoder stop before it allocates anything. */
  if ((gint64) width * height > (jpeg ? MAX_JPEG_PIXELS : MAX_PIXELS))
    {
      check->refused = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  /* Only a JPEG is decoded at the final size (at a fraction, which saves
   * the memory and most of the time of a photo); the others are scaled
   * once decoded, so that the rows decoded can be counted. The long side
   * stays the long side whatever the EXIF orientation. */
  if (!jpeg || longest <= CHUTES_ATTACHMENT_MAX_SIDE || width <= 0 || height <= 0)
    return;

  scale = (double) CHUTES_ATTACHMENT_MAX_SIDE / longest;
  gdk_pixbuf_loader_set_size (loader,
                              MAX (1, (int) (width * scale + 0.5)),
                              MAX (1, (int) (height * scale + 0.5)));
}

/* The pixbuf is allocated, not cleared: rows a truncated file never
 * reaches would hold whatever the memory held, and would be sent. */
static void
on_area_prepared (GdkPixbufLoader *loader,
                  gpointer         user_data)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);

  if (pixbuf != NULL)
    gdk_pixbuf_fill (pixbuf, 0);
}

static void
on_area_updated (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 gpointer         user_data)
{
  SizeCheck *check = user_data;

  check->covered = MAX (check->covered, y + height);
}

static gboolean
has_transparency (GdkPixbuf *pixbuf)
{
  const guint8 *pixels;
  int width, height, stride;

  if (!gdk_pixbuf_get_has_alpha (pixbuf))
    return FALSE;

  pixels = gdk_pixbuf_read_pixels (pixbuf);
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (pixels[y * stride + x * 4 + 3] != 0xff)
        return TRUE;

  return FALSE;
}

static GBytes *
encode (GdkPixbuf   *pixbuf,
        gboolean     png,
        int          quality,
        GError     **error)
{
  g_autofree char *quality_text = g_strdup_printf ("%d", quality);
  char *buffer = NULL;
  gsize size = 0;
  gboolean ok;

  if (png)
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", error,
                                    "compression", "6", NULL);
  else
    ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "jpeg", error,
                                    "quality", quality_text, NULL);

  return ok ? g_bytes_new_take (buffer, size) : NULL;
}

/* @pixbuf, without its alpha channel (flattened on white) for a JPEG. */
static GdkPixbuf *
opaque_copy (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  g_autoptr(GdkPixbuf) white = NULL;

  if (!gdk_pixbuf_get_has_alpha (pixbuf))
    return g_object_ref (pixbuf);

  white = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (white == NULL)
    return NULL;
  gdk_pixbuf_fill (white, 0xffffffff);
  gdk_pixbuf_composite (pixbuf, white, 0, 0, width, height,
                        0, 0, 1, 1, GDK_INTERP_NEAREST, 255);
  return g_steal_pointer (&white);
}

/* Encodes @pixbuf within CHUTES_ATTACHMENT_MAX_IMAGE: a lower JPEG quality
 * first, then a smaller size. */
static GBytes *
encode_within_limit (GdkPixbuf   *pixbuf,
                     gboolean     keep_png,
                     gboolean    *out_png,
                     int         *out_width,
                     int         *out_height,
                     GError     **error)
{
  static const int qualities[] = { 90, 80, 70, 60 };
  g_autoptr(GdkPixbuf) current = g_object_ref (pixbuf);
  gboolean transparent = has_transparency (pixbuf);

  for (;;)
    {
      g_autoptr(GBytes) bytes = NULL;
      int width = gdk_pixbuf_get_width (current);
      int height = gdk_pixbuf_get_height (current);

      if (keep_png || transparent)
        {
          if (!(bytes = encode (current, TRUE, 0, error)))
            return NULL;
          if (g_bytes_get_size (bytes) <= CHUTES_ATTACHMENT_MAX_IMAGE)
            {
              *out_png = TRUE;
              *out_width = width;
              *out_height = height;
              return g_steal_pointer (&bytes);
            }
          g_clear_pointer (&bytes, g_bytes_unref);
        }

      if (!transparent)
        {
          g_autoptr(GdkPixbuf) opaque = opaque_copy (current);

          if (opaque == NULL)
            break;

          for (guint i = 0; i < G_N_ELEMENTS (qualities); i++)
            {
              if (!(bytes = encode (opaque, FALSE, qualities[i], error)))
                return NULL;
              if (g_bytes_get_size (bytes) <= CHUTES_ATTACHMENT_MAX_IMAGE)
                {
                  *out_png = FALSE;
                  *out_width = width;
                  *out_height = height;
                  return g_steal_pointer (&bytes);
                }
              g_clear_pointer (&bytes, g_bytes_unref);
            }
        }

      if (width <= 16 && height <= 16)
        break;

      {
        GdkPixbuf *smaller = gdk_pixbuf_scale_simple (current,
                                                      MAX (1, width * 3 / 4),
                                                      MAX (1, height * 3 / 4),
                                                      GDK_INTERP_BILINEAR);
        if (smaller == NULL)
          break;
        g_set_object (&current, smaller);
        g_object_unref (smaller);
      }
    }

  g_set_error_literal (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT,
                       "the image cannot be made small enough");
  return NULL;
}

/* The largest size a WebP file claims (its canvas, its first frame), or
 * 0 when @data is not one. The WebP loader allocates the picture before it
 * tells "size-prepared", and goes on when asked to stop there, so a 70-byte
 * file claiming a canvas of millions of pixels a side would take gigabytes:
 * the claim is read here first. */
gint64
_chutes_attachment_webp_claimed_pixels (const guint8 *data,
                                        gsize         size)
{
  gint64 largest = 0;
  gsize at = 12;

  if (size < 12 || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WEBP", 4) != 0)
    return 0;

  while (at + 8 <= size)
    {
      const guint8 *chunk = data + at + 8;
      guint32 length = data[at + 4] | data[at + 5] << 8 | data[at + 6] << 16 |
                       (guint32) data[at + 7] << 24;
      gsize left = size - at - 8;
      gint64 width = 0, height = 0;

      if (memcmp (data + at, "VP8X", 4) == 0 && left >= 10)
        {
          width = 1 + (chunk[4] | chunk[5] << 8 | chunk[6] << 16);
          height = 1 + (chunk[7] | chunk[8] << 8 | chunk[9] << 16);
        }
      else if (memcmp (data + at, "VP8 ", 4) == 0 && left >= 10)
        {
          width = (chunk[6] | chunk[7] << 8) & 0x3fff;
          height = (chunk[8] | chunk[9] << 8) & 0x3fff;
        }
      else if (memcmp (data + at, "VP8L", 4) == 0 && left >= 5)
        {
          guint32 bits = chunk[1] | chunk[2] << 8 | chunk[3] << 16 | (guint32) chunk[4] << 24;

          width = 1 + (bits & 0x3fff);
          height = 1 + ((bits >> 14) & 0x3fff);
        }
      largest = MAX (largest, width * height);

      /* Chunks are padded to an even length. */
      if (length > size || at + 8 + length + (length & 1) <= at)
        break;
      at += 8 + length + (length & 1);
    }

  return largest;
}

static ChutesAttachment *
attachment_from_image (GBytes      *bytes,
                       const char  *name,
                       GError     **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  GdkPixbufFormat *format;
  g_autofree char *format_name = NULL;
  GdkPixbuf *pixbuf;
  gboolean png = FALSE;
  int width = 0, height = 0;
  int longest;
  SizeCheck check = { 0, };
  gboolean decoded;

  if (_chutes_attachment_webp_claimed_pixels (g_bytes_get_data (bytes, NULL),
                                              g_bytes_get_size (bytes)) > MAX_PIXELS)
    {
      *error = attachment_error (_("“%s” is too large an image to attach"), name);
      return NULL;
    }

  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &check);
  g_signal_connect (loader, "area-prepared", G_CALLBACK (on_area_prepared), NULL);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated), &check);

  /* Closed once whatever happens: a loader warns when it goes unclosed,
   * and closing twice is a critical. */
  decoded = gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error);
  decoded = gdk_pixbuf_loader_close (loader, decoded ? &local_error : NULL) && decoded;
  decoded = decoded && (pixbuf = gdk_pixbuf_loader_get_pixbuf (loader)) != NULL;
  if (!decoded)
    g_debug ("Decoding %s: %s", name, local_error ? local_error->message : "no image");
  if (check.refused)
    {
      *error = attachment_error (_("“%s” is too large an image to attach (%d × %d pixels)"),
                                 name, check.width, check.height);
      return NULL;
    }
  if (!decoded)
    {
      *error = attachment_error (_("“%s” is damaged or not an image the app can read"), name);
      return NULL;
    }

  format = gdk_pixbuf_loader_get_format (loader);
  format_name = format ? gdk_pixbuf_format_get_name (format) : NULL;

  /* A PNG or WebP cut short decodes "successfully" to its top rows. (A
   * JPEG's decoder finishes it in grey; a GIF's frame may be smaller than
   * its picture.) */
  if ((g_strcmp0 (format_name, "png") == 0 || g_strcmp0 (format_name, "webp") == 0) &&
      check.covered < gdk_pixbuf_get_height (pixbuf))
    {
      g_debug ("Decoding %s: %d of %d rows", name, check.covered, gdk_pixbuf_get_height (pixbuf));
      *error = attachment_error (_("“%s” is damaged or not an image the app can read"), name);
      return NULL;
    }
  if (g_strcmp0 (format_name, "png") != 0 && g_strcmp0 (format_name, "jpeg") != 0 &&
      g_strcmp0 (format_name, "webp") != 0 && g_strcmp0 (format_name, "gif") != 0)
    {
      *error = attachment_error (_("“%s” cannot be attached: only PNG, JPEG, WebP and GIF images can"),
                                 name);
      return NULL;
    }

  upright = gdk_pixbuf_apply_embedded_orientation (pixbuf);

  /* A size-prepared scale gives the nearest size the decoder could make:
   * bring it to the limit exactly. */
  longest = MAX (gdk_pixbuf_get_width (upright), gdk_pixbuf_get_height (upright));
  if (longest > CHUTES_ATTACHMENT_MAX_SIDE)
    {
      double scale = (double) CHUTES_ATTACHMENT_MAX_SIDE / longest;
      GdkPixbuf *scaled;

      scaled = gdk_pixbuf_scale_simple (upright,
                                        MAX (1, (int) (gdk_pixbuf_get_width (upright) * scale + 0.5)),
                                        MAX (1, (int) (gdk_pixbuf_get_height (upright) * scale + 0.5)),
                                        GDK_INTERP_BILINEAR);
      if (scaled == NULL)
        {
          *error = attachment_error (_("“%s” is too large an image to attach"), name);
          return NULL;
        }
      g_set_object (&upright, scaled);
      g_object_unref (scaled);
    }

  encoded = encode_within_limit (upright, g_strcmp0 (format_name, "png") == 0,
                                 &png, &width, &height, &local_error);
  if (encoded == NULL)
    {
      g_debug ("Encoding %s: %s", name, local_error->message);
      *error = attachment_error (_("“%s” could not be made small enough to attach"), name);
      return NULL;
    }

  return chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, name,
                                       png ? "image/png" : "image/jpeg",
                                       encoded, width, height);
}

static ChutesAttachment *
attachment_from_data (GBytes      *bytes,
                      const char  *name,
                      const char  *content_type,
                      GError     **error)
{
  g_autofree char *guessed = NULL;
  gsize size;
  const guchar *data = g_bytes_get_data (bytes, &size);

  /* What the bytes say first: a PNG named .txt is still a PNG. */
  guessed = g_content_type_guess (NULL, data, size, NULL);
  if (is_image_type (guessed))
    return attachment_from_image (bytes, name, error);

  if (content_type == NULL || g_content_type_is_unknown (content_type))
    {
      g_free (guessed);
      guessed = g_content_type_guess (name, data, size, NULL);
      content_type = guessed;
    }

  if (g_content_type_is_a (content_type, "image/*") || is_image_type (content_type))
    return attachment_from_image (bytes, name, error);

  if (is_text_type (content_type) || g_content_type_is_unknown (content_type))
    {
      g_autofree char *mime = g_content_type_get_mime_type (content_type);

      if (!is_utf8_text (bytes))
        {
          *error = attachment_error (_("“%s” cannot be attached: it is neither an image nor UTF-8 text"),
                                     name);
          return NULL;
        }

      if (mime == NULL || g_content_type_is_unknown (content_type))
        {
          g_free (mime);
          mime = g_strdup ("text/plain");
        }

      return chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT, name, mime, bytes, 0, 0);
    }

  {
    g_autofree char *description = g_content_type_get_description (content_type);

    *error = attachment_error (_("“%s” cannot be attached: it is %s, not an image or a text file"),
                               name, description);
    return NULL;
  }
}

typedef struct
{
  GBytes *bytes;
  char   *name;
  char   *content_type;
} BytesJob;

static void
bytes_job_free (BytesJob *job)
{
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_free (job->name);
  g_free (job->content_type);
  g_free (job);
}

static void
new_from_bytes_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  BytesJob *job = task_data;
  GError *error = NULL;
  ChutesAttachment *attachment;

  if (g_bytes_get_size (job->bytes) > CHUTES_ATTACHMENT_MAX_FILE)
    {
      g_task_return_error (task, too_large_error (job->name, g_bytes_get_size (job->bytes)));
      return;
    }

  attachment = attachment_from_data (job->bytes, job->name, job->content_type, &error);
  if (attachment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, attachment, g_object_unref);
}

void
chutes_attachment_new_from_bytes_async (GBytes              *bytes,
                                        const char          *name,
                                        const char          *content_type,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BytesJob *job;

  g_return_if_fail (bytes != NULL);
  g_return_if_fail (name != NULL);

  job = g_new0 (BytesJob, 1);
  job->bytes = g_bytes_ref (bytes);
  job->name = g_strdup (name);
  job->content_type = g_strdup (content_type);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_attachment_new_from_bytes_async);
  g_task_set_task_data (task, job, (GDestroyNotify) bytes_job_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, new_from_bytes_thread);
}

ChutesAttachment *
chutes_attachment_new_from_bytes_finish (GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
new_from_file_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;
  ChutesAttachment *attachment;
  GError *attach_error = NULL;
  const char *content_type;
  gsize length = 0;
  goffset size;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      g_autofree char *basename = g_file_get_basename (file);
      g_autofree char *display = g_filename_display_name (basename ? basename : "");

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, attachment_error (_("“%s” cannot be read: %s"),
                                                     display, error->message));
      return;
    }

  name = g_strdup (g_file_info_get_display_name (info));

  switch (g_file_info_get_file_type (info))
    {
    case G_FILE_TYPE_REGULAR:
      break;

    case G_FILE_TYPE_DIRECTORY:
      g_task_return_error (task, attachment_error (_("“%s” is a folder: attach the files in it instead"),
                                                   name));
      return;

    case G_FILE_TYPE_SYMBOLIC_LINK:
      /* Only a link whose target is missing is left a link by GIO. */
      g_task_return_error (task, attachment_error (_("“%s” cannot be read: it links to a file that is not there"),
                                                   name));
      return;

    default:
      /* A FIFO or a device: reading it could wait forever. */
      g_task_return_error (task, attachment_error (_("“%s” cannot be attached: it is not a regular file"),
                                                   name));
      return;
    }

  size = g_file_info_get_size (info);
  if (size > CHUTES_ATTACHMENT_MAX_FILE)
    {
      g_task_return_error (task, too_large_error (name, size));
      return;
    }

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, attachment_error (_("“%s” cannot be read: %s"),
                                                     name, error->message));
      return;
    }

  /* It may have grown since it was measured. */
  if (length > CHUTES_ATTACHMENT_MAX_FILE)
    {
      g_task_return_error (task, too_large_error (name, length));
      return;
    }

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  content_type = g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE);

  attachment = attachment_from_data (bytes, name, content_type, &attach_error);
  if (attachment == NULL)
    g_task_return_error (task, attach_error);
  else
    g_task_return_pointer (task, attachment, g_object_unref);
}

void
chutes_attachment_new_from_file_async (GFile               *file,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_attachment_new_from_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, new_from_file_thread);
}

ChutesAttachment *
chutes_attachment_new_from_file_finish (GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Getters */

ChutesAttachmentKind
chutes_attachment_get_kind (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), CHUTES_ATTACHMENT_IMAGE);

  return self->kind;
}

const char *
chutes_attachment_get_name (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  return self->name;
}

const char *
chutes_attachment_get_content_type (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  return self->content_type;
}

GBytes *
chutes_attachment_get_bytes (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  return self->bytes;
}

const char *
chutes_attachment_get_hash (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  return self->hash;
}

int
chutes_attachment_get_width (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), 0);

  return self->width;
}

int
chutes_attachment_get_height (ChutesAttachment *self)
{
  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), 0);

  return self->height;
}

char *
chutes_attachment_dup_data_uri (ChutesAttachment *self)
{
  g_autofree char *base64 = NULL;
  gsize size;
  const guchar *data;

  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  if (self->kind != CHUTES_ATTACHMENT_IMAGE)
    return NULL;

  data = g_bytes_get_data (self->bytes, &size);
  base64 = g_base64_encode (data, size);

  return g_strconcat ("data:", self->content_type, ";base64,", base64, NULL);
}

char *
chutes_attachment_dup_fenced_text (ChutesAttachment *self)
{
  GString *out;
  gsize size;
  const char *text;
  guint longest = 0, run = 0;

  g_return_val_if_fail (CHUTES_IS_ATTACHMENT (self), NULL);

  if (self->kind != CHUTES_ATTACHMENT_TEXT)
    return NULL;

  text = g_bytes_get_data (self->bytes, &size);
  for (gsize i = 0; i < size; i++)
    {
      run = text[i] == '`' ? run + 1 : 0;
      longest = MAX (longest, run);
    }

  out = g_string_new (self->name);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < MAX (3, longest + 1); i++)
    g_string_append_c (out, '`');
  g_string_append_c (out, '\n');
  if (size > 0)
    g_string_append_len (out, text, size);
  if (size > 0 && text[size - 1] != '\n')
    g_string_append_c (out, '\n');
  for (guint i = 0; i < MAX (3, longest + 1); i++)
    g_string_append_c (out, '`');

  return g_string_free (out, FALSE);
}

/* What the model takes */

/* The usual rough measure: about four bytes of text a token. */
#define BYTES_PER_TOKEN 4

gboolean
chutes_attachments_check_model (GListModel       *attachments,
                                const char       *text,
                                ChutesModelInfo  *model,
                                GError          **error)
{
  g_autoptr(ChutesAttachment) largest = NULL;
  guint n_images = 0;
  guint n;
  gsize total;
  gint64 context;

  g_return_val_if_fail (attachments == NULL || G_IS_LIST_MODEL (attachments), FALSE);
  g_return_val_if_fail (model == NULL || CHUTES_IS_MODEL_INFO (model), FALSE);

  if (model == NULL || attachments == NULL)
    return TRUE;

  total = text ? strlen (text) : 0;
  n = g_list_model_get_n_items (attachments);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, i);

      if (attachment->kind == CHUTES_ATTACHMENT_IMAGE)
        {
          n_images++;
          continue;
        }

      total += g_bytes_get_size (attachment->bytes);
      if (largest == NULL ||
          g_bytes_get_size (attachment->bytes) > g_bytes_get_size (largest->bytes))
        g_set_object (&largest, attachment);
    }

  /* A model whose entry does not list what it takes may take images. */
  if (n_images > 0 &&
      chutes_model_info_get_input_modalities (model) != NULL &&
      !chutes_model_info_accepts_images (model))
    {
      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT,
                   ngettext ("%s takes text only and cannot read the attached image: "
                             "remove it or choose a model that accepts images",
                             "%s takes text only and cannot read the attached images: "
                             "remove them or choose a model that accepts images",
                             n_images),
                   chutes_model_info_get_id (model));
      return FALSE;
    }

  context = chutes_model_info_get_context_length (model);
  if (largest != NULL && context > 0 && total / BYTES_PER_TOKEN > (guint64) context)
    {
      gsize largest_size = g_bytes_get_size (largest->bytes);
      g_autofree char *size_text = g_format_size (largest_size);
      g_autofree char *fits_text = g_format_size (context * BYTES_PER_TOKEN);
      g_autofree char *tokens = g_strdup_printf ("%" G_GSIZE_FORMAT, largest_size / BYTES_PER_TOKEN);
      g_autofree char *context_tokens = g_strdup_printf ("%" G_GINT64_FORMAT, context);

      g_set_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT,
                   /* Translators: “file” is too long for model: about 1500
                    * tokens (6.0 kB), and the model reads 1000 tokens at most
                    * (about 4.0 kB) ... */
                   _("“%s” is too long for %s: about %s tokens (%s), "
                     "and the model reads %s tokens at most "
                     "(about %s) with everything else in the message"),
                   largest->name, chutes_model_info_get_id (model),
                   tokens, size_text, context_tokens, fits_text);
      return FALSE;
    }

  return TRUE;
}
