/* chutes-account-refresh.c: access tokens, the one refresh and who waits for it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One refresh at a time: callers queue as "waiters", and the new pair is in
 * the keyring before any waiter gets the new access token. A refused
 * refresh ends the session ("session-ended").
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-account-private.h"
#include "chutes-error.h"
#include "chutes-refresh-lock.h"

gint64
chutes_account_refresh_margin (const ChutesTokens *tokens)
{
  gint64 lifetime;

  g_return_val_if_fail (tokens != NULL, CHUTES_ACCOUNT_REFRESH_MARGIN);

  /* Unknown (a session stored by an older version), or nonsense. */
  if (tokens->issued_at <= 0 || tokens->expires_at <= tokens->issued_at)
    return tokens->issued_at > 0 ? 0 : CHUTES_ACCOUNT_REFRESH_MARGIN;

  lifetime = tokens->expires_at - tokens->issued_at;

  return MIN (CHUTES_ACCOUNT_REFRESH_MARGIN, lifetime / CHUTES_ACCOUNT_REFRESH_FRACTION);
}

static GError *
not_signed_in_error (void)
{
  return g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_UNAUTHORIZED,
                              _("You're not signed in to Chutes."));
}

/* Hands out a copy the caller frees with chutes_secret_free(). */
static void
task_return_token (GTask      *task,
                   const char *access_token)
{
  g_task_return_pointer (task, g_strdup (access_token), (GDestroyNotify) chutes_secret_free);
}

/* Waiters for the refresh in flight. Each completes when the refresh does,
 * or at once when its own cancellable is cancelled. */
typedef struct
{
  GTask   *task;
  GSource *cancel_source;
  gboolean done;
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    g_source_destroy (waiter->cancel_source);
  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  g_clear_object (&waiter->task);
  g_free (waiter);
}

GPtrArray *
chutes_account_waiters_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
}

static gboolean
on_waiter_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;

  if (!waiter->done)
    {
      waiter->done = TRUE;
      g_task_return_error (waiter->task, chutes_account_cancelled_error ());
    }

  return G_SOURCE_REMOVE;
}

static void
account_add_waiter (ChutesAccount *self,
                    GTask         *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->task = g_object_ref (task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled),
                             waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }

  g_ptr_array_add (self->waiters, waiter);
}

/* Takes the waiters away from the account (so that new callers start
 * afresh) and forgets the refresh in flight, without cancelling it. */
static GPtrArray *
account_steal_waiters (ChutesAccount *self)
{
  GPtrArray *waiters = g_steal_pointer (&self->waiters);

  self->waiters = chutes_account_waiters_new ();
  g_clear_object (&self->refresh_cancellable);

  return waiters;
}

/* Exactly one of @access_token and @error. */
static void
complete_waiters (GPtrArray    *waiters,
                  const char   *access_token,
                  const GError *error)
{
  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      if (waiter->done)
        continue;

      waiter->done = TRUE;
      if (waiter->cancel_source != NULL)
        g_source_destroy (waiter->cancel_source);

      if (access_token != NULL)
        task_return_token (waiter->task, access_token);
      else
        g_task_return_error (waiter->task, g_error_copy (error));
    }

  g_ptr_array_unref (waiters);
}

void
chutes_account_abandon_refresh (ChutesAccount *self,
                                const char    *access_token)
{
  g_autoptr(ChutesAccount) hold = NULL;
  g_autoptr(GError) cancelled = NULL;

  if (self->refresh_cancellable == NULL)
    return;

  hold = g_object_ref (self);
  if (access_token == NULL)
    cancelled = chutes_account_cancelled_error ();

  g_cancellable_cancel (self->refresh_cancellable);
  complete_waiters (account_steal_waiters (self), access_token, cancelled);
}

/* The session ended without the person asking: a refresh was refused. */
typedef struct
{
  GPtrArray *waiters;
  GError    *error;
} Ended;

static void
ended_complete (Ended *ended)
{
  complete_waiters (ended->waiters, NULL, ended->error);
  g_error_free (ended->error);
  g_free (ended);
}

static void
on_ended_session_cleared (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!chutes_account_write_session_finish (CHUTES_ACCOUNT (source), result, &error))
    g_debug ("Could not remove the ended session from the keyring: %s", error->message);

  ended_complete (user_data);
}

static void
account_end_session (ChutesAccount *self,
                     const GError  *error)
{
  G_GNUC_UNUSED g_autoptr(ChutesAccount) hold = g_object_ref (self);
  G_GNUC_UNUSED g_autoptr(ChutesTokens) old_tokens = g_steal_pointer (&self->tokens);
  const char *client_id;
  Ended *ended;

  g_debug ("The session was refused; signing out");

  self->session_serial++;
  ended = g_new0 (Ended, 1);
  ended->waiters = account_steal_waiters (self);
  ended->error = g_error_copy (error);

  chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);

  /* The keyring is cleared before the waiters hear about it. */
  client_id = chutes_account_get_client_id (self);
  if (client_id != NULL)
    chutes_account_write_session_async (self, client_id, NULL, NULL,
                                        on_ended_session_cleared, ended);
  else
    ended_complete (ended);

  g_signal_emit_by_name (self, "session-ended",
                         _("Your Chutes session has ended. Please sign in again."));
}

/* The refresh itself. */
typedef struct
{
  ChutesAccount     *self;
  GCancellable      *cancellable;
  guint              session_serial;
  /* Held from before the stored session is read until the new pair is
   * stored (see account_start_refresh()). */
  ChutesRefreshLock *lock;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_clear_pointer (&refresh->lock, chutes_refresh_lock_release);
  g_clear_object (&refresh->self);
  g_clear_object (&refresh->cancellable);
  g_free (refresh);
}

static gboolean
refresh_is_stale (Refresh *refresh)
{
  return refresh->session_serial != refresh->self->session_serial ||
         refresh->cancellable != refresh->self->refresh_cancellable ||
         g_cancellable_is_cancelled (refresh->cancellable);
}

static void
on_refreshed_saved (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refresh *refresh = user_data;
  ChutesAccount *self = refresh->self;
  g_autoptr(GError) error = NULL;

  chutes_account_write_session_finish (self, result, &error);

  /* Signed out meanwhile: the new pair was revoked with the session, and
   * the keyring is cleared after this save. */
  if (refresh_is_stale (refresh))
    {
      refresh_free (refresh);
      return;
    }

  /* A keyring that fails now leaves the old, used-up pair in it: the
   * session lives on in memory only. */
  chutes_account_note_keyring_result (self, error);

  complete_waiters (account_steal_waiters (self), self->tokens->access_token, NULL);
  refresh_free (refresh);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Refresh *refresh = user_data;
  ChutesAccount *self = refresh->self;
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;
  const char *client_id;

  tokens = chutes_idp_client_refresh_finish (CHUTES_IDP_CLIENT (source), result, &error);

  if (refresh_is_stale (refresh))
    {
      /* The server may have answered before the cancel: nobody will use
       * this pair. */
      if (tokens != NULL)
        chutes_account_discard_async (self, g_steal_pointer (&tokens), FALSE, NULL, NULL, NULL);
      refresh_free (refresh);
      return;
    }

  if (tokens == NULL)
    {
      if (g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT))
        {
          account_end_session (self, error);
        }
      else
        {
          /* The tokens are kept; the next call tries again. */
          g_debug ("Refreshing the session failed: %s", error->message);
          complete_waiters (account_steal_waiters (self), NULL, error);
        }
      refresh_free (refresh);
      return;
    }

  if (tokens->username == NULL)
    tokens->username = g_strdup (self->tokens->username);
  if (tokens->user_id == NULL)
    tokens->user_id = g_strdup (self->tokens->user_id);

  /* In memory at once, so a sign-out from now on revokes the new pair;
   * handed out only once it is in the keyring. */
  chutes_tokens_free (self->tokens);
  self->tokens = g_steal_pointer (&tokens);

  /* Without a client (forgotten meanwhile) there is nothing to store
   * under. */
  client_id = chutes_account_get_client_id (self);
  if (client_id == NULL)
    {
      complete_waiters (account_steal_waiters (self), self->tokens->access_token, NULL);
      refresh_free (refresh);
      return;
    }

  chutes_account_write_session_async (self, client_id, self->tokens, refresh->cancellable,
                                      on_refreshed_saved, refresh);
}

static void
refresh_send (Refresh *refresh)
{
  chutes_idp_client_refresh_async (refresh->self->idp, refresh->self->tokens->refresh_token,
                                   refresh->cancellable, on_refreshed, refresh);
}

/* Under the lock: when another process (the window, `chutes-desktop
 * --ask`) refreshed since we read the keyring, our refresh token is spent
 * and the stored pair is the live one. */
static void
on_refresh_stored_read (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Refresh *refresh = user_data;
  ChutesAccount *self = refresh->self;
  g_autoptr(ChutesTokens) stored = NULL;
  g_autoptr(GError) error = NULL;

  stored = chutes_token_store_load_session_finish (CHUTES_TOKEN_STORE (source), result, &error);

  if (refresh_is_stale (refresh))
    {
      refresh_free (refresh);
      return;
    }

  if (error != NULL)
    g_debug ("Could not read the stored session before refreshing: %s", error->message);

  if (stored == NULL || stored->refresh_token == NULL ||
      g_strcmp0 (stored->refresh_token, self->tokens->refresh_token) == 0)
    {
      refresh_send (refresh);
      return;
    }

  g_debug ("Another process refreshed the session; using its tokens");

  if (stored->username == NULL)
    stored->username = g_strdup (self->tokens->username);
  chutes_tokens_free (self->tokens);
  self->tokens = g_steal_pointer (&stored);

  if (chutes_tokens_expires_within (self->tokens, chutes_account_refresh_margin (self->tokens)))
    {
      refresh_send (refresh);
      return;
    }

  complete_waiters (account_steal_waiters (self), self->tokens->access_token, NULL);
  refresh_free (refresh);
}

static void
on_refresh_locked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Refresh *refresh = user_data;
  ChutesAccount *self = refresh->self;
  g_autoptr(GError) error = NULL;

  refresh->lock = chutes_refresh_lock_acquire_finish (result, &error);

  if (refresh_is_stale (refresh))
    {
      refresh_free (refresh);
      return;
    }

  /* Better a refresh that may race than none at all. */
  if (refresh->lock == NULL)
    g_debug ("Refreshing without the lock: %s", error->message);

  chutes_token_store_load_session_async (self->store, chutes_account_get_client_id (self),
                                         refresh->cancellable, on_refresh_stored_read, refresh);
}

/* Starts the one refresh; the caller has added its waiter. */
static void
account_start_refresh (ChutesAccount *self)
{
  Refresh *refresh;

  g_assert (self->refresh_cancellable == NULL);
  g_assert (self->tokens != NULL);

  if (self->tokens->refresh_token == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT,
                                                     _("Your Chutes session has ended. "
                                                       "Please sign in again."));

      account_end_session (self, error);
      return;
    }

  g_debug ("Refreshing the access token");

  self->refresh_cancellable = g_cancellable_new ();

  refresh = g_new0 (Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->cancellable = g_object_ref (self->refresh_cancellable);
  refresh->session_serial = self->session_serial;

  /* A session in memory only is nobody else's: nothing to share. */
  if (self->persistent && chutes_account_get_client_id (self) != NULL)
    chutes_refresh_lock_acquire_async (CHUTES_REFRESH_LOCK_TIMEOUT_MS, refresh->cancellable,
                                       on_refresh_locked, refresh);
  else
    refresh_send (refresh);
}

void
chutes_account_wait_for_refresh (ChutesAccount *self,
                                 GTask         *task)
{
  account_add_waiter (self, task);
  if (self->refresh_cancellable == NULL)
    account_start_refresh (self);
}

/* Access tokens. Both calls join the refresh in flight, if any, and fail
 * when signed out; otherwise the task is returned for them to settle. */
static GTask *
account_token_task_new (ChutesAccount       *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data,
                        gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);

  if (self->refresh_cancellable != NULL)
    account_add_waiter (self, task);
  else if (self->tokens == NULL)
    g_task_return_error (task, not_signed_in_error ());
  else
    return g_steal_pointer (&task);

  return NULL;
}

void
chutes_account_get_access_token_async (ChutesAccount       *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = account_token_task_new (self, cancellable, callback, user_data,
                                 chutes_account_get_access_token_async);
  if (task == NULL)
    return;

  if (!chutes_tokens_expires_within (self->tokens, chutes_account_refresh_margin (self->tokens)))
    task_return_token (task, self->tokens->access_token);
  else
    chutes_account_wait_for_refresh (self, task);
}

char *
chutes_account_get_access_token_finish (ChutesAccount  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
chutes_account_refresh_async (ChutesAccount       *self,
                              const char          *rejected_token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = account_token_task_new (self, cancellable, callback, user_data,
                                 chutes_account_refresh_async);
  if (task == NULL)
    return;

  /* Someone refreshed since @rejected_token was handed out. */
  if (rejected_token != NULL && g_strcmp0 (rejected_token, self->tokens->access_token) != 0)
    task_return_token (task, self->tokens->access_token);
  else
    chutes_account_wait_for_refresh (self, task);
}

char *
chutes_account_refresh_finish (ChutesAccount  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
