/* chutes-refresh-lock.h: one token refresh at a time across processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a refresh waits for another process's before going ahead. */
#define CHUTES_REFRESH_LOCK_TIMEOUT_MS 45000

typedef struct _ChutesRefreshLock ChutesRefreshLock;

/* The lock file: in $XDG_RUNTIME_DIR/APP_ID/ (inside Flatpak
 * $XDG_RUNTIME_DIR/app/APP_ID/, the folder every instance of the app
 * shares), or the user cache folder without a runtime folder. */
char              *chutes_refresh_lock_dup_path       (void);

/* Takes an exclusive flock() on the lock file in a worker thread, so the
 * main loop never waits; gives up after @timeout_ms (failing with
 * G_IO_ERROR_TIMED_OUT) or when @cancellable is cancelled. */
void               chutes_refresh_lock_acquire_async  (guint                timeout_ms,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
ChutesRefreshLock *chutes_refresh_lock_acquire_finish (GAsyncResult        *result,
                                                       GError             **error);
/* Unlocks and frees. */
void               chutes_refresh_lock_release        (ChutesRefreshLock   *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesRefreshLock, chutes_refresh_lock_release)

G_END_DECLS
