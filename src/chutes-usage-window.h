/* chutes-usage-window.h: what the replies cost, per day and per model,
 * and the quota left
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-history.h"

G_BEGIN_DECLS

#define CHUTES_USAGE_WINDOW_DAYS 30

#define CHUTES_TYPE_USAGE_WINDOW (chutes_usage_window_get_type ())
G_DECLARE_FINAL_TYPE (ChutesUsageWindow, chutes_usage_window, CHUTES, USAGE_WINDOW, AdwPreferencesWindow)

/* Reads the last CHUTES_USAGE_WINDOW_DAYS days (today included) of
 * @history, on its worker thread, and shows them when they arrive.
 * @quota_remaining: requests the account's quota still allows, as the
 * gateway last said (-1 unknown). Property "loaded" (boolean) turns TRUE
 * once the figures are shown. */
ChutesUsageWindow *chutes_usage_window_new        (ChutesHistory     *history,
                                                   gint64             quota_remaining);
gboolean           chutes_usage_window_get_loaded (ChutesUsageWindow *self);

G_END_DECLS
