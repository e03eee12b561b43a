/* chutes-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-application.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_WINDOW (chutes_window_get_type ())
G_DECLARE_FINAL_TYPE (ChutesWindow, chutes_window, CHUTES, WINDOW, AdwApplicationWindow)

/* Construct-only properties, all required: "settings", "config",
 * "idp-client", "account", "gateway" and "history", the services the window
 * and its pages use; the application passes them (chutes-application.c).
 * GtkWindow:application (a ChutesApplication) adds its state: whether the
 * session has been looked up, the sign-in error, the keyring problem. */

/* The name of the visible page: "loading", "setup", "sign-in", "waiting"
 * or "chat". */
const char   *chutes_window_get_visible_page  (ChutesWindow *self);

/* Opens a new chat with @files attached, now or, when nobody is signed
 * in yet, once the chat page shows. */
void          chutes_window_open_files        (ChutesWindow  *self,
                                               GFile        **files,
                                               guint          n_files);

/* @history was changed by another process (--ask): the open chat of each
 * account whose history it is reads its messages again (see
 * chutes_chat_page_reload()). */
void          chutes_window_history_changed   (ChutesWindow  *self,
                                               ChutesHistory *history);

G_END_DECLS
