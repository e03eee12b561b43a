/* chutes-message-row.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "chutes-message.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_MESSAGE_ROW (chutes_message_row_get_type ())
G_DECLARE_FINAL_TYPE (ChutesMessageRow, chutes_message_row, CHUTES, MESSAGE_ROW, GtkWidget)

GtkWidget     *chutes_message_row_new         (void);
ChutesMessage *chutes_message_row_get_message (ChutesMessageRow *self);
/* "message" (ChutesMessage): what the row shows, kept up to date as the
 * message grows; NULL while the row is unbound. */
void           chutes_message_row_set_message (ChutesMessageRow *self,
                                               ChutesMessage    *message);

/* Whether some of the message's text is not shown yet: a long reply that
 * arrives faster than it can be laid out is taken in steps, one a frame
 * (for tests and benchmarks). */
gboolean       chutes_message_row_get_catching_up (ChutesMessageRow *self);

G_END_DECLS
