/* chutes-message-attachments.h: the images and files of a sent message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chutes-attachment.h"

G_BEGIN_DECLS

/* Thumbnails are at most this many pixels on their long side. */
#define CHUTES_THUMBNAIL_SIZE 240

#define CHUTES_TYPE_MESSAGE_ATTACHMENTS (chutes_message_attachments_get_type ())
G_DECLARE_FINAL_TYPE (ChutesMessageAttachments, chutes_message_attachments, CHUTES, MESSAGE_ATTACHMENTS, GtkWidget)

GtkWidget  *chutes_message_attachments_new       (void);
/* "attachments" (GListModel of ChutesAttachment, or NULL): images are
 * shown as thumbnails, decoded in a worker thread at their size, text
 * files as chips; activating one opens it in a ChutesImageViewer. Kept
 * up to date as the model changes. */
GListModel *chutes_message_attachments_get_model (ChutesMessageAttachments *self);
void        chutes_message_attachments_set_model (ChutesMessageAttachments *self,
                                                  GListModel               *attachments);

/* Whether some thumbnails are still being decoded (for tests and
 * benchmarks). */
gboolean    chutes_message_attachments_get_loading (ChutesMessageAttachments *self);

G_END_DECLS
