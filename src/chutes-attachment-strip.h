/* chutes-attachment-strip.h: the attachments of the message being written
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_ATTACHMENT_STRIP (chutes_attachment_strip_get_type ())
G_DECLARE_FINAL_TYPE (ChutesAttachmentStrip, chutes_attachment_strip, CHUTES, ATTACHMENT_STRIP, GtkWidget)

/* The strip hides itself while it holds nothing. Files and bytes are read,
 * checked and scaled off the main thread (chutes-attachment.h); meanwhile
 * each shows as a tile with a spinner, and "loading" is TRUE. One that
 * cannot be attached is dropped and "load-failed" gives the sentence that
 * says why (naming the file). */
GtkWidget  *chutes_attachment_strip_new             (void);

void        chutes_attachment_strip_add_file        (ChutesAttachmentStrip *self,
                                                     GFile                 *file);
/* @content_type NULL: guessed from the data. */
void        chutes_attachment_strip_add_bytes       (ChutesAttachmentStrip *self,
                                                     GBytes                *bytes,
                                                     const char            *name,
                                                     const char            *content_type);
/* A texture (dropped or pasted from this process) as a PNG named @name. */
void        chutes_attachment_strip_add_texture     (ChutesAttachmentStrip *self,
                                                     GdkTexture            *texture,
                                                     const char            *name);
/* Replaces everything (what is loading is cancelled) with @attachments
 * (of ChutesAttachment; NULL empties the strip). */
void        chutes_attachment_strip_set_attachments (ChutesAttachmentStrip *self,
                                                     GListModel            *attachments);
void        chutes_attachment_strip_clear           (ChutesAttachmentStrip *self);

/* The attachments ready to send, in the order they were added: a
 * GListModel of ChutesAttachment owned by the strip. */
GListModel *chutes_attachment_strip_get_attachments (ChutesAttachmentStrip *self);
/* A copy of it, for a message that outlives the strip's contents. */
GListModel *chutes_attachment_strip_dup_attachments (ChutesAttachmentStrip *self);
gboolean    chutes_attachment_strip_get_loading     (ChutesAttachmentStrip *self);

G_END_DECLS
