/* chutes-attachment.h: an image or a text file attached to a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "chutes-model-info.h"

G_BEGIN_DECLS

typedef enum
{
  CHUTES_ATTACHMENT_IMAGE,
  CHUTES_ATTACHMENT_TEXT,
} ChutesAttachmentKind;

/* Images larger than this on the long side, or than this many bytes once
 * encoded, are scaled down before they are attached. */
#define CHUTES_ATTACHMENT_MAX_SIDE  2048
#define CHUTES_ATTACHMENT_MAX_IMAGE (4 * 1000 * 1000)
/* Files larger than this are refused before they are read. */
#define CHUTES_ATTACHMENT_MAX_FILE  (50 * 1000 * 1000)

#define CHUTES_TYPE_ATTACHMENT (chutes_attachment_get_type ())

G_DECLARE_FINAL_TYPE (ChutesAttachment, chutes_attachment, CHUTES, ATTACHMENT, GObject)

/* Reads @file in a worker thread. An image (PNG, JPEG, WebP, or a GIF's
 * first frame) is decoded, turned upright by its EXIF orientation, scaled
 * down to CHUTES_ATTACHMENT_MAX_SIDE / CHUTES_ATTACHMENT_MAX_IMAGE (aspect
 * kept) and encoded again, which drops all metadata (GPS location, camera,
 * ...): PNG when it has transparency, JPEG otherwise; an image already
 * within the limits and without metadata may be kept as it is. A text file
 * (a type GIO calls text/..., JSON, ...; valid UTF-8) is kept as it is.
 *
 * Fails with CHUTES_ERROR_ATTACHMENT and a sentence for the person that
 * names the file: a directory, an unreadable file, a file over
 * CHUTES_ATTACHMENT_MAX_FILE (saying its size), a type that is neither, a
 * corrupt image. */
void                  chutes_attachment_new_from_file_async   (GFile               *file,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
ChutesAttachment     *chutes_attachment_new_from_file_finish  (GAsyncResult        *result,
                                                               GError             **error);

/* The same for data that is not a file, such as an image pasted from the
 * clipboard: @name is what the person sees ("Pasted image.png");
 * @content_type NULL means guess it from the data. */
void                  chutes_attachment_new_from_bytes_async  (GBytes              *bytes,
                                                               const char          *name,
                                                               const char          *content_type,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
ChutesAttachment     *chutes_attachment_new_from_bytes_finish (GAsyncResult        *result,
                                                               GError             **error);

/* For the history: an attachment as it was saved, no checks made. */
ChutesAttachment     *chutes_attachment_new_stored            (ChutesAttachmentKind kind,
                                                               const char          *name,
                                                               const char          *content_type,
                                                               GBytes              *bytes,
                                                               int                  width,
                                                               int                  height);

ChutesAttachmentKind  chutes_attachment_get_kind              (ChutesAttachment    *self);
/* The file name the person sees. */
const char           *chutes_attachment_get_name              (ChutesAttachment    *self);
/* "image/png", "image/jpeg", "text/x-csrc", ... */
const char           *chutes_attachment_get_content_type      (ChutesAttachment    *self);
/* What is sent and saved: the encoded image, or the UTF-8 text. */
GBytes               *chutes_attachment_get_bytes             (ChutesAttachment    *self);
/* The SHA-256 of the bytes, in lowercase hex: where the history keeps it. */
const char           *chutes_attachment_get_hash              (ChutesAttachment    *self);
/* Of an image, in pixels as sent; 0 for a text file. */
int                   chutes_attachment_get_width             (ChutesAttachment    *self);
int                   chutes_attachment_get_height            (ChutesAttachment    *self);
/* "data:image/png;base64,..." for an image; NULL for a text file. */
char                 *chutes_attachment_dup_data_uri          (ChutesAttachment    *self);
/* A text file as it goes into the message: its name, then its text in a
 * fenced block longer than any run of backticks inside it. NULL for an
 * image. */
char                 *chutes_attachment_dup_fenced_text       (ChutesAttachment    *self);

/* Whether @text and @attachments (of ChutesAttachment) can be sent to
 * @model (NULL: unknown, anything goes): fails with CHUTES_ERROR_ATTACHMENT
 * and a sentence when there are images and the model takes text only, or
 * when the text files do not fit in the model's context (saying how big the
 * largest is, in tokens and bytes, and how much fits). */
gboolean              chutes_attachments_check_model          (GListModel          *attachments,
                                                               const char          *text,
                                                               ChutesModelInfo     *model,
                                                               GError             **error);

G_END_DECLS
