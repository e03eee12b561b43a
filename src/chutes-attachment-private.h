/* chutes-attachment-private.h: what the attachment tests look into
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest picture a WebP file claims (width x height of its canvas or
 * of a frame), or 0 when @data is not WebP. */
gint64 _chutes_attachment_webp_claimed_pixels (const guint8 *data,
                                               gsize         size);

G_END_DECLS
