/* chutes-live-objects.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

gboolean  chutes_live_objects_enabled  (void);
gpointer  chutes_live_objects_track    (gpointer object);
char     *chutes_live_objects_describe (void);
gboolean  chutes_live_objects_report   (void);

G_END_DECLS
