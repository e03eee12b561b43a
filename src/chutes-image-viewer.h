/* chutes-image-viewer.h: an attached image at full size, or a file's text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-attachment.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_IMAGE_VIEWER (chutes_image_viewer_get_type ())
G_DECLARE_FINAL_TYPE (ChutesImageViewer, chutes_image_viewer, CHUTES, IMAGE_VIEWER, AdwWindow)

/* A window transient for @parent that shows @attachment: an image scaled
 * to fit (decoded in a worker thread), or a text file's text, read-only;
 * its name and size in the title. Escape closes it. */
GtkWidget        *chutes_image_viewer_new            (GtkWindow         *parent,
                                                      ChutesAttachment  *attachment);
ChutesAttachment *chutes_image_viewer_get_attachment (ChutesImageViewer *self);
/* The image once decoded, else NULL (for tests). */
GdkTexture       *chutes_image_viewer_get_texture    (ChutesImageViewer *self);

G_END_DECLS
