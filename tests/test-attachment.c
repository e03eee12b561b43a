/* test-attachment.c: what becomes of a file a person attaches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chutes-attachment.h"
#include "chutes-attachment-private.h"
#include "chutes-error.h"
#include "chutes-test-mock.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static ChutesAttachment *
attach_file (const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  chutes_attachment_new_from_file_async (file, NULL, chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  return chutes_attachment_new_from_file_finish (result, error);
}

static ChutesAttachment *
attach_bytes (GBytes      *bytes,
              const char  *name,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  chutes_attachment_new_from_bytes_async (bytes, name, NULL, NULL,
                                          chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  return chutes_attachment_new_from_bytes_finish (result, error);
}

/* A picture whose left half is red and right half blue. */
static GdkPixbuf *
two_halves (int      width,
            int      height,
            gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  g_autoptr(GdkPixbuf) right = NULL;

  gdk_pixbuf_fill (pixbuf, 0xff0000ff);
  right = gdk_pixbuf_new_subpixbuf (pixbuf, width / 2, 0, width - width / 2, height);
  gdk_pixbuf_fill (right, alpha ? 0x0000ff00 : 0x0000ffff);
  return pixbuf;
}

static GdkPixbuf *
decode (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

static void
assert_colour (GdkPixbuf *pixbuf,
               int        x,
               int        y,
               guint8     r,
               guint8     g,
               guint8     b)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf)
                    + y * gdk_pixbuf_get_rowstride (pixbuf)
                    + x * gdk_pixbuf_get_n_channels (pixbuf);

  /* JPEG moves colours a little. */
  g_assert_cmpint (ABS (p[0] - r), <, 40);
  g_assert_cmpint (ABS (p[1] - g), <, 40);
  g_assert_cmpint (ABS (p[2] - b), <, 40);
}

static gboolean
bytes_contain (GBytes     *bytes,
               const void *needle,
               gsize       needle_size)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  for (gsize i = 0; i + needle_size <= size; i++)
    if (memcmp (data + i, needle, needle_size) == 0)
      return TRUE;

  return FALSE;
}

/* The latitude in the GPS IFD below: 48/1 51/1 2400/100, little-endian. */
static const guint8 gps_latitude[] = {
  48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 0x60, 0x09, 0, 0, 100, 0, 0, 0,
};

/* An APP1 segment: EXIF with Orientation=6 (turn 90° clockwise to show)
 * and a GPS IFD holding a latitude, as a phone writes them. */
static GByteArray *
exif_segment (void)
{
  GByteArray *tiff = g_byte_array_new ();
  GByteArray *segment = g_byte_array_new ();
  static const guint8 header[] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
  /* IFD0 at 8: two entries, then the next IFD (none); 30 bytes. */
  static const guint8 ifd0[] = {
    2, 0,
    0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,     /* Orientation = 6 */
    0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0,    /* GPS IFD at 38 */
    0, 0, 0, 0,
  };
  /* GPS IFD at 38: LatitudeRef "N", Latitude at 68. */
  static const guint8 gps[] = {
    2, 0,
    0x01, 0x00, 2, 0, 2, 0, 0, 0, 'N', 0, 0, 0,
    0x02, 0x00, 5, 0, 3, 0, 0, 0, 68, 0, 0, 0,
    0, 0, 0, 0,
  };
  static const guint8 exif_id[] = { 'E', 'x', 'i', 'f', 0, 0 };
  guint16 length;
  guint8 marker[4];

  g_byte_array_append (tiff, header, sizeof header);
  g_byte_array_append (tiff, ifd0, sizeof ifd0);
  g_byte_array_append (tiff, gps, sizeof gps);
  g_byte_array_append (tiff, gps_latitude, sizeof gps_latitude);

  length = 2 + sizeof exif_id + tiff->len;
  marker[0] = 0xff;
  marker[1] = 0xe1;
  marker[2] = length >> 8;
  marker[3] = length & 0xff;
  g_byte_array_append (segment, marker, 4);
  g_byte_array_append (segment, exif_id, sizeof exif_id);
  g_byte_array_append (segment, tiff->data, tiff->len);
  g_byte_array_unref (tiff);

  return segment;
}

/* A JPEG of @pixbuf with the EXIF segment above after its JFIF one. */
static GBytes *
rotated_jpeg (GdkPixbuf *pixbuf)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) exif = exif_segment ();
  g_autofree char *jpeg = NULL;
  GByteArray *out = g_byte_array_new ();
  gsize size;
  gsize app0_end;

  gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &size, "jpeg", &error, "quality", "95", NULL);
  g_assert_no_error (error);
  /* SOI, then APP0 (JFIF) with its length. */
  g_assert_cmpuint ((guint8) jpeg[2], ==, 0xff);
  g_assert_cmpuint ((guint8) jpeg[3], ==, 0xe0);
  app0_end = 4 + (((guint8) jpeg[4] << 8) | (guint8) jpeg[5]);

  g_byte_array_append (out, (guint8 *) jpeg, app0_end);
  g_byte_array_append (out, exif->data, exif->len);
  g_byte_array_append (out, (guint8 *) jpeg + app0_end, size - app0_end);

  return g_byte_array_free_to_bytes (out);
}

static void
test_rotated_jpeg_upright_without_gps (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (40, 20, FALSE);
  g_autoptr(GBytes) jpeg = rotated_jpeg (source);
  g_autoptr(GdkPixbuf) check = decode (jpeg);
  g_autofree char *path = tmp_path ("photo.jpg");
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  static const guint8 app1[] = { 0xff, 0xe1 };

  /* The test's own photo is what a phone makes: turned, with a location. */
  g_assert_cmpstr (gdk_pixbuf_get_option (check, "orientation"), ==, "6");
  g_assert_true (bytes_contain (jpeg, gps_latitude, sizeof gps_latitude));

  g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error);
  g_assert_no_error (error);
  attachment = attach_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (chutes_attachment_get_kind (attachment), ==, CHUTES_ATTACHMENT_IMAGE);
  g_assert_cmpstr (chutes_attachment_get_name (attachment), ==, "photo.jpg");
  g_assert_cmpstr (chutes_attachment_get_content_type (attachment), ==, "image/jpeg");
  /* Upright: 20 wide, 40 high; the left half (red) is now the top. */
  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 20);
  g_assert_cmpint (chutes_attachment_get_height (attachment), ==, 40);
  result = decode (chutes_attachment_get_bytes (attachment));
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 20);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 40);
  assert_colour (result, 10, 5, 0xff, 0, 0);
  assert_colour (result, 10, 35, 0, 0, 0xff);

  /* No EXIF left at all, so no location and no orientation to apply twice. */
  g_assert_false (bytes_contain (chutes_attachment_get_bytes (attachment), "Exif", 4));
  g_assert_false (bytes_contain (chutes_attachment_get_bytes (attachment), app1, 2));
  g_assert_false (bytes_contain (chutes_attachment_get_bytes (attachment),
                                 gps_latitude, sizeof gps_latitude));
  g_assert_null (gdk_pixbuf_get_option (result, "orientation"));
  hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, chutes_attachment_get_bytes (attachment));
  g_assert_cmpstr (chutes_attachment_get_hash (attachment), ==, hash);
}

static void
test_rotated_large_jpeg_scaled_upright (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (3000, 1000, FALSE);
  g_autoptr(GBytes) jpeg = rotated_jpeg (source);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GError) error = NULL;

  attachment = attach_bytes (jpeg, "Pasted image", &error);
  g_assert_no_error (error);
  /* Turned, then 2048 on the long side: 3000x1000 → 683x2048. */
  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 683);
  g_assert_cmpint (chutes_attachment_get_height (attachment), ==, 2048);
  result = decode (chutes_attachment_get_bytes (attachment));
  assert_colour (result, 340, 100, 0xff, 0, 0);
  assert_colour (result, 340, 1900, 0, 0, 0xff);
}

static void
test_huge_png_scaled (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (8000, 2000, FALSE);
  g_autofree char *path = tmp_path ("wide.png");
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_save (source, path, "png", &error, NULL);
  g_assert_no_error (error);
  attachment = attach_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 2048);
  g_assert_cmpint (chutes_attachment_get_height (attachment), ==, 512);
  g_assert_cmpuint (g_bytes_get_size (chutes_attachment_get_bytes (attachment)), <=,
                    CHUTES_ATTACHMENT_MAX_IMAGE);
  result = decode (chutes_attachment_get_bytes (attachment));
  g_assert_cmpint (gdk_pixbuf_get_width (result), ==, 2048);
  g_assert_cmpint (gdk_pixbuf_get_height (result), ==, 512);
  assert_colour (result, 100, 256, 0xff, 0, 0);
  assert_colour (result, 1900, 256, 0, 0, 0xff);
}

static void
test_noisy_photo_fits_limit (void)
{
  g_autoptr(GdkPixbuf) source = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2000, 2000);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);
  guint8 *pixels = gdk_pixbuf_get_pixels (source);
  int stride = gdk_pixbuf_get_rowstride (source);
  char *buffer;
  gsize size;

  /* Noise does not compress: as a PNG it is over the limit. */
  for (int y = 0; y < 2000; y++)
    for (int x = 0; x < 2000 * 3; x++)
      pixels[y * stride + x] = g_rand_int (rand);
  gdk_pixbuf_save_to_buffer (source, &buffer, &size, "png", &error, NULL);
  g_assert_no_error (error);
  png = g_bytes_new_take (buffer, size);
  g_assert_cmpuint (size, >, CHUTES_ATTACHMENT_MAX_IMAGE);

  attachment = attach_bytes (png, "noise.png", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (chutes_attachment_get_bytes (attachment)), <=,
                    CHUTES_ATTACHMENT_MAX_IMAGE);
  /* Opaque: a JPEG fits where the PNG did not. */
  g_assert_cmpstr (chutes_attachment_get_content_type (attachment), ==, "image/jpeg");
}

static void
test_transparent_png_stays_png (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (100, 60, TRUE);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *data_uri = NULL;
  char *buffer;
  gsize size;

  gdk_pixbuf_save_to_buffer (source, &buffer, &size, "png", &error, NULL);
  g_assert_no_error (error);
  png = g_bytes_new_take (buffer, size);
  attachment = attach_bytes (png, "Pasted image.png", &error);
  g_assert_no_error (error);

  g_assert_cmpstr (chutes_attachment_get_content_type (attachment), ==, "image/png");
  result = decode (chutes_attachment_get_bytes (attachment));
  g_assert_true (gdk_pixbuf_get_has_alpha (result));
  g_assert_cmpint (gdk_pixbuf_read_pixels (result)[90 * 4 + 3], ==, 0);

  data_uri = chutes_attachment_dup_data_uri (attachment);
  g_assert_true (g_str_has_prefix (data_uri, "data:image/png;base64,iVBORw0KGgo"));
  g_assert_null (chutes_attachment_dup_fenced_text (attachment));
}

static void
test_webp_becomes_jpeg (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (64, 32, FALSE);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) webp = NULL;
  char *buffer = NULL;
  gsize size;

  /* webp-pixbuf-loader (build-aux/install-deps.sh) reads and writes WebP. */
  if (!gdk_pixbuf_save_to_buffer (source, &buffer, &size, "webp", &error, NULL))
    g_error ("No WebP support in gdk-pixbuf (install webp-pixbuf-loader): %s", error->message);
  webp = g_bytes_new_take (buffer, size);
  /* The size check before decoding reads the encoder's own headers. */
  g_assert_cmpint (_chutes_attachment_webp_claimed_pixels (g_bytes_get_data (webp, NULL),
                                                           g_bytes_get_size (webp)), ==, 64 * 32);

  attachment = attach_bytes (webp, "shot.webp", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chutes_attachment_get_content_type (attachment), ==, "image/jpeg");
  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 64);
}

/* A two-frame 2x1 GIF: the first frame red, the second blue. */
static const guint8 two_frame_gif[] = {
  'G', 'I', 'F', '8', '9', 'a', 2, 0, 1, 0, 0x80, 0, 0,
  0xff, 0, 0,  0, 0, 0xff,                            /* palette: red, blue */
  0x21, 0xff, 11, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0', 3, 1, 0, 0, 0,
  0x21, 0xf9, 4, 0x04, 10, 0, 0, 0,                   /* 0.1 s */
  0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0,
  2, 2, 0x04, 0x0a, 0,                                /* index 0 twice */
  0x21, 0xf9, 4, 0x04, 10, 0, 0, 0,
  0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0,
  2, 2, 0x4c, 0x0a, 0,                                /* index 1 twice */
  0x3b,
};

static void
test_gif_first_frame (void)
{
  g_autoptr(GBytes) gif = g_bytes_new_static (two_frame_gif, sizeof two_frame_gif);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GError) error = NULL;

  attachment = attach_bytes (gif, "dance.gif", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 2);
  g_assert_cmpint (chutes_attachment_get_height (attachment), ==, 1);
  result = decode (chutes_attachment_get_bytes (attachment));
  assert_colour (result, 0, 0, 0xff, 0, 0);
}

static guint32
crc32_of (const guint8 *data,
          gsize         size)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < size; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }

  return ~crc;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint32       length)
{
  guint8 header[8] = { length >> 24, length >> 16, length >> 8, length,
                       type[0], type[1], type[2], type[3] };
  guint32 crc;
  guint8 crc_bytes[4];
  guint start;

  g_byte_array_append (png, header, 8);
  start = png->len - 4;
  g_byte_array_append (png, data, length);
  crc = crc32_of (png->data + start, length + 4);
  crc_bytes[0] = crc >> 24;
  crc_bytes[1] = crc >> 16;
  crc_bytes[2] = crc >> 8;
  crc_bytes[3] = crc;
  g_byte_array_append (png, crc_bytes, 4);
}

static void
test_huge_dimensions_refused_undecoded (void)
{
  /* A valid PNG claiming 100000 x 100000 pixels (40 GB decoded), with a
   * little compressed data: refused on what it claims, nothing allocated
   * (ASan and the machine would notice 40 GB). */
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 ihdr[] = { 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 6, 0, 0, 0 };
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01 };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;

  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_chunk (png, "IDAT", idat, sizeof idat);
  append_chunk (png, "IEND", NULL, 0);
  bytes = g_bytes_new (png->data, png->len);

  attachment = attach_bytes (bytes, "bomb.png", &error);
  g_assert_null (attachment);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“bomb.png” is too large an image"));
  g_assert_nonnull (strstr (error->message, "100000 × 100000 pixels"));
}

static void
test_huge_webp_refused_undecoded (void)
{
  /* Found by fuzz-attachment: 71 bytes of WebP whose VP8X chunk claims a
   * canvas of 354 x 3109747 pixels (1.1 gigapixels). The WebP loader
   * allocates the canvas before it asks what size to decode at, so the
   * claim must be refused before the loader sees it (the fuzzer ran out
   * of memory). */
  static const guint8 webp[] = {
    'R', 'I', 'F', 'F', 0x56, 0, 0, 0, 'W', 'E', 'B', 'P',
    'V', 'P', '8', 'X', 0x0a, 0, 0, 0, 0x10, 0x2f, 0x6c, 0x6f, 0x61, 0x01, 0x00, 0x72, 0x73, 0x2f,
    'A', 'L', 'P', 'H', 0x05, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0,
    'V', 'P', '6', ' ', 0x2a, 0, 0, 0, 0xd0, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x14, 0xcd,
    0x79, 0x83, 0xfc, 0x9c, 0xff, 0xb7, 0x26, 0x5e, 0x6d, 0xb0, 0x00,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (webp, sizeof webp);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;

  /* What it claims, read before any decoder sees it. */
  g_assert_cmpint (_chutes_attachment_webp_claimed_pixels (webp, sizeof webp), ==,
                   G_GINT64_CONSTANT (354) * 3109747);
  g_assert_cmpint (_chutes_attachment_webp_claimed_pixels (webp, 20), ==, 0);
  g_assert_cmpint (_chutes_attachment_webp_claimed_pixels ((const guint8 *) "RIFF\0\0\0\0WEBP", 12), ==, 0);
  g_assert_cmpint (_chutes_attachment_webp_claimed_pixels ((const guint8 *) "\x89PNG\r\n\x1a\n....", 12), ==, 0);

  attachment = attach_bytes (bytes, "canvas.webp", &error);
  g_assert_null (attachment);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_assert_nonnull (strstr (error->message, "“canvas.webp” is too large an image"));
}

static void
test_truncated_image (void)
{
  g_autoptr(GdkPixbuf) source = two_halves (300, 200, FALSE);
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GError) error = NULL;
  char *buffer;
  gsize size;

  /* Its header is whole, its data stops halfway: the decoder fails when
   * the loader is closed, not while it is fed. */
  gdk_pixbuf_save_to_buffer (source, &buffer, &size, "png", &error, "compression", "0", NULL);
  g_assert_no_error (error);
  cut = g_bytes_new_take (buffer, size / 2);

  attachment = attach_bytes (cut, "half.png", &error);
  g_assert_null (attachment);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_assert_nonnull (strstr (error->message, "“half.png” is damaged"));
}

static void
assert_refused (const char *path,
                const char *says)
{
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_path_get_basename (path);

  attachment = attach_file (path, &error);
  g_assert_null (attachment);
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_test_message ("%s: %s", name, error->message);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, says));
}

static void
test_corrupt_image (void)
{
  g_autofree char *path = tmp_path ("broken.png");
  static const char broken[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDRgarbage garbage garbage";

  g_assert_true (g_file_set_contents (path, broken, sizeof broken, NULL));
  assert_refused (path, "damaged");
}

static void
test_directory (void)
{
  g_autofree char *path = tmp_path ("photos");

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  assert_refused (path, "folder");
}

static void
test_huge_file_refused_unread (void)
{
  g_autofree char *path = tmp_path ("huge.log");
  int fd = g_open (path, O_CREAT | O_WRONLY, 0600);

  /* Sparse: 200 MB that take no room. Refused on its size alone: had it
   * been read, its zeros would be refused as "not UTF-8 text" instead. */
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 200 * 1000 * 1000), ==, 0);
  close (fd);
  assert_refused (path, "200.0\u00a0MB");
}

static void
test_unreadable (void)
{
  g_autofree char *fifo = tmp_path ("pipe.txt");
  g_autofree char *dangling = tmp_path ("gone.txt");
  g_autofree char *locked = tmp_path ("locked.txt");

  /* A FIFO would block a read forever. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_refused (fifo, "not a regular file");

  g_assert_cmpint (symlink ("/nonexistent/chutes-test", dangling), ==, 0);
  assert_refused (dangling, "cannot be read");

  g_assert_true (g_file_set_contents (locked, "secret", -1, NULL));
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);
  if (geteuid () == 0)
    g_test_message ("running as root: a chmod 000 file is readable, not checked");
  else
    assert_refused (locked, "cannot be read");
}

static void
test_text_file_fenced (void)
{
  g_autofree char *path = tmp_path ("hello.c");
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fenced = NULL;
  const char *text = "/* ``` is a fence, and so is ```` */\nint main (void) { return 0; }";

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  attachment = attach_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (chutes_attachment_get_kind (attachment), ==, CHUTES_ATTACHMENT_TEXT);
  g_assert_cmpstr (chutes_attachment_get_content_type (attachment), ==, "text/x-csrc");
  g_assert_cmpint (chutes_attachment_get_width (attachment), ==, 0);
  g_assert_null (chutes_attachment_dup_data_uri (attachment));
  fenced = chutes_attachment_dup_fenced_text (attachment);
  g_assert_cmpstr (fenced, ==,
                   "hello.c\n"
                   "`````\n"
                   "/* ``` is a fence, and so is ```` */\nint main (void) { return 0; }\n"
                   "`````");
}

static void
test_json_and_plain_text (void)
{
  g_autoptr(GBytes) json = g_bytes_new_static ("{\"a\": [1, 2]}\n", 14);
  g_autoptr(GBytes) plain = g_bytes_new_static ("line one\nline two\n", 18);
  g_autoptr(ChutesAttachment) a = NULL;
  g_autoptr(ChutesAttachment) b = NULL;
  g_autoptr(GError) error = NULL;

  a = attach_bytes (json, "data.json", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_attachment_get_kind (a), ==, CHUTES_ATTACHMENT_TEXT);
  g_assert_cmpstr (chutes_attachment_get_content_type (a), ==, "application/json");

  b = attach_bytes (plain, "NOTES", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chutes_attachment_get_kind (b), ==, CHUTES_ATTACHMENT_TEXT);
}

static void
test_binary_named_txt (void)
{
  g_autofree char *path = tmp_path ("junk.txt");
  static const char junk[] = "\xff\xfe\x00\x01\x80\x81 binary \xc3\x28";

  g_assert_true (g_file_set_contents (path, junk, sizeof junk, NULL));
  assert_refused (path, "UTF-8");
}

static ChutesModelInfo *
model_from_json (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;
  ChutesModelInfo *model = chutes_model_info_new_from_json (json_node_get_object (node), &error);

  g_assert_no_error (error);
  return model;
}

static void
test_check_model (void)
{
  g_autoptr(ChutesModelInfo) vision = model_from_json (
    "{\"id\": \"Qwen/Qwen3-VL\", \"input_modalities\": [\"text\", \"image\"], \"context_length\": 1000}");
  g_autoptr(ChutesModelInfo) text_only = model_from_json (
    "{\"id\": \"deepseek-ai/DeepSeek-V3\", \"input_modalities\": [\"text\"], \"context_length\": 1000}");
  g_autoptr(ChutesModelInfo) unknown = model_from_json ("{\"id\": \"mystery\"}");
  g_autoptr(GListStore) images = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(GListStore) texts = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(GBytes) png = g_bytes_new_static ("not looked at", 13);
  g_autoptr(GBytes) small = g_bytes_new_static ("short", 5);
  g_autoptr(GBytes) big = g_bytes_new_take (g_strnfill (6000, 'x'), 6000);
  g_autoptr(ChutesAttachment) image = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE,
                                                                   "cat.png", "image/png",
                                                                   png, 10, 10);
  g_autoptr(ChutesAttachment) note = chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT,
                                                                  "note.txt", "text/plain",
                                                                  small, 0, 0);
  g_autoptr(ChutesAttachment) log = chutes_attachment_new_stored (CHUTES_ATTACHMENT_TEXT,
                                                                 "build.log", "text/plain",
                                                                 big, 0, 0);
  g_autoptr(GError) error = NULL;

  g_list_store_append (images, image);
  g_assert_true (chutes_attachments_check_model (G_LIST_MODEL (images), "what is it?", vision, &error));
  g_assert_no_error (error);
  g_assert_true (chutes_attachments_check_model (G_LIST_MODEL (images), "", NULL, &error));
  g_assert_true (chutes_attachments_check_model (G_LIST_MODEL (images), "", unknown, &error));
  g_assert_true (chutes_attachments_check_model (NULL, "hello", text_only, &error));

  g_assert_false (chutes_attachments_check_model (G_LIST_MODEL (images), "what is it?",
                                                  text_only, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_assert_nonnull (strstr (error->message, "deepseek-ai/DeepSeek-V3 takes text only"));
  g_clear_error (&error);

  g_list_store_append (texts, note);
  g_assert_true (chutes_attachments_check_model (G_LIST_MODEL (texts), "read this", text_only, &error));
  g_assert_no_error (error);

  /* 6,000 bytes are about 1,500 tokens: over the 1,000 of the context. */
  g_list_store_append (texts, log);
  g_assert_false (chutes_attachments_check_model (G_LIST_MODEL (texts), "read this", text_only, &error));
  g_assert_error (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“build.log” is too long for deepseek-ai/DeepSeek-V3"));
  g_assert_nonnull (strstr (error->message, "1500 tokens (6.0\u00a0kB)"));
  g_assert_nonnull (strstr (error->message, "1000 tokens at most (about 4.0\u00a0kB)"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  tmpdir = g_dir_make_tmp ("chutes-attachment-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/attachment/image/rotated-jpeg-upright-without-gps",
                   test_rotated_jpeg_upright_without_gps);
  g_test_add_func ("/attachment/image/rotated-large-jpeg-scaled-upright",
                   test_rotated_large_jpeg_scaled_upright);
  g_test_add_func ("/attachment/image/8000px-png-scaled-aspect-kept", test_huge_png_scaled);
  g_test_add_func ("/attachment/image/noisy-photo-fits-4mb", test_noisy_photo_fits_limit);
  g_test_add_func ("/attachment/image/transparent-png-stays-png", test_transparent_png_stays_png);
  g_test_add_func ("/attachment/image/webp-read", test_webp_becomes_jpeg);
  g_test_add_func ("/attachment/image/gif-first-frame", test_gif_first_frame);
  g_test_add_func ("/attachment/refused/corrupt-image", test_corrupt_image);
  g_test_add_func ("/attachment/refused/truncated-image", test_truncated_image);
  g_test_add_func ("/attachment/refused/huge-dimensions-undecoded", test_huge_dimensions_refused_undecoded);
  g_test_add_func ("/attachment/refused/huge-webp-canvas-undecoded", test_huge_webp_refused_undecoded);
  g_test_add_func ("/attachment/refused/directory", test_directory);
  g_test_add_func ("/attachment/refused/200mb-file-unread", test_huge_file_refused_unread);
  g_test_add_func ("/attachment/refused/unreadable", test_unreadable);
  g_test_add_func ("/attachment/refused/binary-named-txt", test_binary_named_txt);
  g_test_add_func ("/attachment/text/fenced-longer-than-backticks", test_text_file_fenced);
  g_test_add_func ("/attachment/text/json-and-plain", test_json_and_plain_text);
  g_test_add_func ("/attachment/check-model", test_check_model);

  status = g_test_run ();
  chutes_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return chutes_test_check_live_objects (status);
}
