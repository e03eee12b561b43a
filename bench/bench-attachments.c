/* bench-attachments.c: what attaching an image costs (issue 12)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two figures:
 *
 * - the request body for a conversation whose question carries a 4 MB
 *   image (chutes_chat_stream_build_request_body(), on the main thread
 *   when a message is sent); baseline: base64 of those 4 MB alone, the
 *   least any body holding the image must do;
 * - a 24-megapixel photo (6000x4000 JPEG) attached from its bytes
 *   (chutes_attachment_new_from_bytes_async(): decoded, scaled to 2048 px,
 *   encoded again, in a worker thread, so this is throughput, not a stall
 *   of the window); baseline: gdk-pixbuf decoding the same JPEG at full
 *   size, nothing else.
 *
 * Runs are interleaved, --runs times (5); the median and the best are
 * printed.
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "chutes-attachment.h"
#include "chutes-chat-chunk.h"
#include "chutes-message.h"

static int n_runs = 5;

static const GOptionEntry entries[] = {
  { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs, "Runs of each kind (5)", "N" },
  { NULL }
};

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* A photo-like 6000x4000 JPEG: smooth gradients and some noise, so it
 * compresses as a camera's does (a few MB), not as a flat colour. */
static GBytes *
make_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 6000, 4000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (24);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer;
  gsize size;

  for (int y = 0; y < 4000; y++)
    for (int x = 0; x < 6000; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        int noise = g_rand_int_range (rand, -12, 13);

        p[0] = CLAMP (x * 255 / 6000 + noise, 0, 255);
        p[1] = CLAMP (y * 255 / 4000 + noise, 0, 255);
        p[2] = CLAMP (((x / 150 + y / 150) % 2) * 120 + 60 + noise, 0, 255);
      }

  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "jpeg", &error, "quality", "90", NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

static GListModel *
make_conversation (ChutesAttachment *image)
{
  GListStore *store = g_list_store_new (CHUTES_TYPE_MESSAGE);
  g_autoptr(GListStore) attachments = g_list_store_new (CHUTES_TYPE_ATTACHMENT);

  g_list_store_append (attachments, image);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(ChutesMessage) message =
        chutes_message_new (i % 2 ? CHUTES_MESSAGE_ROLE_ASSISTANT : CHUTES_MESSAGE_ROLE_USER,
                            "A turn of an ordinary conversation, a few sentences long, about "
                            "the picture and what it shows. It has \"quotes\" and é ü 日本.");

      if (i == 18)
        chutes_message_set_attachments (message, G_LIST_MODEL (attachments));
      g_list_store_append (store, message);
    }

  return G_LIST_MODEL (store);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static ChutesAttachment *
attach (GBytes *bytes)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ChutesAttachment *attachment;

  chutes_attachment_new_from_bytes_async (bytes, "photo.jpg", NULL, NULL, store_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = g_steal_pointer (&slot);
  attachment = chutes_attachment_new_from_bytes_finish (result, &error);
  g_assert_no_error (error);

  return attachment;
}

static void
print_row (const char *what,
           GArray     *times,
           const char *baseline_name,
           GArray     *baseline,
           const char *target)
{
  double median, best, base_median, base_best;

  g_array_sort (times, compare_doubles);
  g_array_sort (baseline, compare_doubles);
  median = g_array_index (times, double, times->len / 2);
  best = g_array_index (times, double, 0);
  base_median = g_array_index (baseline, double, baseline->len / 2);
  base_best = g_array_index (baseline, double, 0);

  g_print ("attachments\t%s\t%.1f ms (best %.1f)\t%s: %.1f ms (best %.1f)\t%.2f\t%s\n",
           what, median, best, baseline_name, base_median, base_best,
           median / base_median, target);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- what attaching an image costs");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autoptr(GBytes) four_mb = NULL;
  g_autoptr(ChutesAttachment) big_image = NULL;
  g_autoptr(GListModel) conversation = NULL;
  g_autoptr(GArray) body_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) base64_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) scale_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) decode_times = g_array_new (FALSE, FALSE, sizeof (double));
  gsize body_size = 0;
  int width = 0, height = 0;
  gsize scaled_size = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--runs must be at least 1");
      return 1;
    }

  photo = make_photo ();

  /* An image at the limit: 4 MB of JPEG-like bytes (the body builder does
   * not decode it). */
  {
    g_autoptr(GRand) rand = g_rand_new_with_seed (4);
    guint8 *data = g_malloc (CHUTES_ATTACHMENT_MAX_IMAGE);

    for (gsize i = 0; i < CHUTES_ATTACHMENT_MAX_IMAGE; i++)
      data[i] = g_rand_int (rand);
    data[0] = 0xff;
    data[1] = 0xd8;
    four_mb = g_bytes_new_take (data, CHUTES_ATTACHMENT_MAX_IMAGE);
  }
  big_image = chutes_attachment_new_stored (CHUTES_ATTACHMENT_IMAGE, "big.jpg", "image/jpeg",
                                            four_mb, 2048, 1536);
  conversation = make_conversation (big_image);

  for (int run = -1; run < n_runs; run++)
    {
      double start, t;

      start = now_ms ();
      {
        g_autofree char *body = chutes_chat_stream_build_request_body ("org/VL", conversation, -1, 0);

        body_size = strlen (body);
      }
      t = now_ms () - start;
      if (run >= 0)
        g_array_append_val (body_times, t);

      start = now_ms ();
      {
        g_autofree char *base64 = g_base64_encode (g_bytes_get_data (four_mb, NULL),
                                                   g_bytes_get_size (four_mb));
      }
      t = now_ms () - start;
      if (run >= 0)
        g_array_append_val (base64_times, t);

      start = now_ms ();
      {
        g_autoptr(ChutesAttachment) scaled = attach (photo);

        width = chutes_attachment_get_width (scaled);
        height = chutes_attachment_get_height (scaled);
        scaled_size = g_bytes_get_size (chutes_attachment_get_bytes (scaled));
      }
      t = now_ms () - start;
      if (run >= 0)
        g_array_append_val (scale_times, t);

      start = now_ms ();
      {
        g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();

        gdk_pixbuf_loader_write_bytes (loader, photo, NULL);
        gdk_pixbuf_loader_close (loader, NULL);
        g_assert (gdk_pixbuf_loader_get_pixbuf (loader) != NULL);
      }
      t = now_ms () - start;
      if (run >= 0)
        g_array_append_val (decode_times, t);
    }

  g_print ("columns\tbenchmark\twhat\tfigure\tbaseline\tratio\ttarget\n");
  g_print ("# attachments: median (best) of %d runs; the photo is a %.1f MB 6000x4000 JPEG, "
           "attached as a %dx%d JPEG of %.1f MB; the body is %.1f MB\n",
           n_runs, g_bytes_get_size (photo) / 1e6, width, height, scaled_size / 1e6, body_size / 1e6);
  print_row ("request body, 20 messages and a 4 MB image", body_times,
             "base64 of 4 MB", base64_times, "< 200 ms");
  print_row ("24-megapixel JPEG attached (scaled to 2048, in a thread)", scale_times,
             "decoding it at full size", decode_times, "- (off the main thread)");

  return 0;
}
