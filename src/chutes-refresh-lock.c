/* chutes-refresh-lock.c: one token refresh at a time across processes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Chutes refresh tokens are single-use: the window and `chutes-desktop
 * --ask` (or two of those) must never both refresh the one pair they
 * share through the keyring. Each takes this lock around "read the stored
 * session, refresh unless someone already did, store". The kernel drops a
 * flock() when its holder dies, so a crash never leaves it taken.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "chutes-refresh-lock.h"

struct _ChutesRefreshLock
{
  int fd;
};

#define POLL_INTERVAL_US (20 * 1000)

char *
chutes_refresh_lock_dup_path (void)
{
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *dir = NULL;

  if (runtime_dir == NULL || *runtime_dir == '\0' || !g_file_test (runtime_dir, G_FILE_TEST_IS_DIR))
    dir = g_build_filename (g_get_user_cache_dir (), APP_ID, NULL);
  else if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    /* Each sandbox has a runtime folder of its own; this one is shared by
     * every instance of the app. */
    dir = g_build_filename (runtime_dir, "app", APP_ID, NULL);
  else
    dir = g_build_filename (runtime_dir, APP_ID, NULL);

  return g_build_filename (dir, "refresh.lock", NULL);
}

void
chutes_refresh_lock_release (ChutesRefreshLock *lock)
{
  if (lock == NULL)
    return;

  /* Closing the descriptor drops the lock. */
  if (lock->fd >= 0)
    close (lock->fd);
  g_free (lock);
}

static void
acquire_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  guint timeout_ms = GPOINTER_TO_UINT (task_data);
  g_autofree char *path = chutes_refresh_lock_dup_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(ChutesRefreshLock) lock = g_new0 (ChutesRefreshLock, 1);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GError *error = NULL;

  lock->fd = -1;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (lock->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Cannot open the refresh lock %s: %s", path,
                               g_strerror (saved_errno));
      return;
    }

  while (flock (lock->fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          int saved_errno = errno;

          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                   "Cannot lock %s: %s", path, g_strerror (saved_errno));
          return;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }

      if (g_get_monotonic_time () >= deadline)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   "Another process held the refresh lock for %u ms",
                                   timeout_ms);
          return;
        }

      g_usleep (POLL_INTERVAL_US);
    }

  g_task_return_pointer (task, g_steal_pointer (&lock), (GDestroyNotify) chutes_refresh_lock_release);
}

void
chutes_refresh_lock_acquire_async (guint                timeout_ms,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_refresh_lock_acquire_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (timeout_ms), NULL);
  g_task_run_in_thread (task, acquire_thread);
}

ChutesRefreshLock *
chutes_refresh_lock_acquire_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
