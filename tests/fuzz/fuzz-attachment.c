/* fuzz-attachment.c: libFuzzer entry point for attaching a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a file someone attaches or pastes (an image downloaded
 * from anywhere, a log, a file with the wrong name), given to
 * chutes_attachment_new_from_bytes_async() with its type guessed from the
 * data, as the composer's paste does. It gives an attachment or a
 * CHUTES_ERROR_ATTACHMENT sentence, never both. An image comes out within
 * the limits, as PNG or JPEG (metadata dropped by re-encoding), and
 * decodes again to the size it claims; a text file is valid UTF-8.
 */
#define _GNU_SOURCE /* dladdr() */
#include "config.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "chutes-attachment.h"
#include "chutes-error.h"
#include "fuzz-common.h"

/* gdk-pixbuf's image loaders trip GLib's checks on some broken files:
 * the GIF loader asks for a picture of width 0, the WebP loader unrefs a
 * picture it never made. Each logs a critical (not fatal in the app) and
 * the load fails, which the app reports as a damaged image. That is the
 * loaders' business, not a finding; a critical that any other code logs
 * (ours calling gdk-pixbuf wrongly included) still aborts, as
 * fuzz-common.c makes every critical do. The unwinder reads .eh_frame, so
 * it needs no frame pointers. */
static gboolean
raised_in_pixbuf_loader (void)
{
  void *frames[64];
  int n = backtrace (frames, G_N_ELEMENTS (frames));

  for (int i = 0; i < n; i++)
    {
      Dl_info info;

      if (dladdr (frames[i], &info) != 0 && info.dli_fname != NULL &&
          strstr (info.dli_fname, "/gdk-pixbuf-2.0/") != NULL &&
          strstr (info.dli_fname, "/loaders/") != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
log_cb (const char     *domain,
        GLogLevelFlags  level,
        const char     *message,
        gpointer        user_data)
{
  if ((level & G_LOG_LEVEL_CRITICAL) && raised_in_pixbuf_loader ())
    return;

  g_log_default_handler (domain, level, message, user_data);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static void
check_image (ChutesAttachment *attachment)
{
  GBytes *bytes = chutes_attachment_get_bytes (attachment);
  const char *type = chutes_attachment_get_content_type (attachment);
  int width = chutes_attachment_get_width (attachment);
  int height = chutes_attachment_get_height (attachment);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autofree char *uri = chutes_attachment_dup_data_uri (attachment);
  GdkPixbuf *pixbuf;

  if (g_strcmp0 (type, "image/png") != 0 && g_strcmp0 (type, "image/jpeg") != 0)
    abort ();
  if (width <= 0 || height <= 0 ||
      width > CHUTES_ATTACHMENT_MAX_SIDE || height > CHUTES_ATTACHMENT_MAX_SIDE)
    abort ();
  if (bytes == NULL || g_bytes_get_size (bytes) == 0 ||
      g_bytes_get_size (bytes) > CHUTES_ATTACHMENT_MAX_IMAGE)
    abort ();
  if (uri == NULL || !g_str_has_prefix (uri, "data:image/") ||
      chutes_attachment_dup_fenced_text (attachment) != NULL)
    abort ();

  /* What is sent decodes, to the size it says. */
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, NULL) ||
      !gdk_pixbuf_loader_close (loader, NULL))
    abort ();
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL ||
      gdk_pixbuf_get_width (pixbuf) != width || gdk_pixbuf_get_height (pixbuf) != height)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ChutesAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  static gsize handler_set = 0;

  if (g_once_init_enter (&handler_set))
    {
      /* Criticals still abort, in log_cb(), which lets a loader's pass. */
      g_log_set_always_fatal (G_LOG_LEVEL_ERROR);
      g_log_set_default_handler (log_cb, NULL);
      g_once_init_leave (&handler_set, 1);
    }

  chutes_attachment_new_from_bytes_async (input, "attached file", NULL, NULL,
                                          store_result_cb, &slot);
  while (slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = slot;

  attachment = chutes_attachment_new_from_bytes_finish (result, &error);
  if (attachment == NULL)
    {
      if (error == NULL || !g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_ATTACHMENT))
        abort ();
      fuzz_check_utf8 (error->message);
      return 0;
    }
  if (error != NULL)
    abort ();

  fuzz_check_utf8 (chutes_attachment_get_name (attachment));
  if (chutes_attachment_get_hash (attachment) == NULL ||
      strlen (chutes_attachment_get_hash (attachment)) != 64)
    abort ();

  switch (chutes_attachment_get_kind (attachment))
    {
    case CHUTES_ATTACHMENT_IMAGE:
      check_image (attachment);
      break;

    case CHUTES_ATTACHMENT_TEXT:
      {
        GBytes *bytes = chutes_attachment_get_bytes (attachment);
        gsize n = 0;
        const char *text = g_bytes_get_data (bytes, &n);
        g_autofree char *fenced = chutes_attachment_dup_fenced_text (attachment);

        /* An empty file is an empty text. */
        if ((n > 0 && !g_utf8_validate (text, n, NULL)) || fenced == NULL)
          abort ();
        fuzz_check_utf8 (fenced);
      }
      break;

    default:
      abort ();
    }

  return 0;
}
