/* chutes-account-keyring.c: keyring writes in order, and discarding tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keyring writes (the session, and the tokens still to be revoked) run one
 * at a time, in the order they were asked for, so a sign-out's clearing is
 * never overtaken by a save still in flight. Tokens the account no longer
 * uses are revoked (bounded in time, see chutes-account-revoke.c) and, if
 * asked, cleared from the keyring after whatever write came before.
 */
#include "config.h"

#include "chutes-account-private.h"

/* Keyring writes of the session, one at a time. */
typedef struct
{
  char         *client_id;
  ChutesTokens *tokens;       /* NULL: clear */
  GPtrArray    *revocations;  /* not NULL: a write of these instead */
} SessionWrite;

static void
write_free (SessionWrite *write)
{
  g_free (write->client_id);
  g_clear_pointer (&write->tokens, chutes_tokens_free);
  g_clear_pointer (&write->revocations, g_ptr_array_unref);
  g_free (write);
}

static void account_start_next_write (ChutesAccount *self);

static void
on_session_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(ChutesAccount) self = g_object_ref (g_task_get_source_object (task));
  SessionWrite *write = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean done;

  if (write->revocations != NULL)
    done = chutes_token_store_save_revocations_finish (CHUTES_TOKEN_STORE (source), result,
                                                       &error);
  else if (write->tokens != NULL)
    done = chutes_token_store_save_session_finish (CHUTES_TOKEN_STORE (source), result, &error);
  else
    done = chutes_token_store_clear_session_finish (CHUTES_TOKEN_STORE (source), result, &error);

  /* The caller hears first, so that what it does next (a sign-out or a
   * new session cancelling a write that waits) happens before that write
   * gets its turn. */
  self->writing = FALSE;
  if (done)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);

  account_start_next_write (self);
}

static void
account_start_next_write (ChutesAccount *self)
{
  while (!self->writing && !g_queue_is_empty (&self->pending_writes))
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->pending_writes);
      SessionWrite *write = g_task_get_task_data (task);

      if (g_task_return_error_if_cancelled (task))
        continue;

      /* Once started, no cancel: the keyring would still get what was
       * already sent to it, after whatever comes next. */
      self->writing = TRUE;
      if (write->revocations != NULL)
        chutes_token_store_save_revocations_async (self->store, write->client_id,
                                                   write->revocations, NULL,
                                                   on_session_written, g_steal_pointer (&task));
      else if (write->tokens != NULL)
        chutes_token_store_save_session_async (self->store, write->client_id, write->tokens,
                                               NULL, on_session_written,
                                               g_steal_pointer (&task));
      else
        chutes_token_store_clear_session_async (self->store, write->client_id,
                                                NULL, on_session_written,
                                                g_steal_pointer (&task));
    }
}

static void
account_queue_write (ChutesAccount       *self,
                     SessionWrite        *write,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_write_session_async);
  /* What really happened, even when the caller cancelled meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, write, (GDestroyNotify) write_free);

  g_queue_push_tail (&self->pending_writes, task);
  account_start_next_write (self);
}

void
chutes_account_write_session_async (ChutesAccount       *self,
                                    const char          *client_id,
                                    const ChutesTokens  *tokens,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SessionWrite *write = g_new0 (SessionWrite, 1);

  write->client_id = g_strdup (client_id);
  write->tokens = tokens != NULL ? chutes_tokens_copy (tokens) : NULL;
  account_queue_write (self, write, cancellable, callback, user_data);
}

void
chutes_account_write_revocations_async (ChutesAccount       *self,
                                        const char          *client_id,
                                        GPtrArray           *revocations,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  SessionWrite *write = g_new0 (SessionWrite, 1);

  write->client_id = g_strdup (client_id);
  write->revocations = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);
  for (guint i = 0; i < revocations->len; i++)
    g_ptr_array_add (write->revocations,
                     chutes_revocation_copy (g_ptr_array_index (revocations, i)));
  account_queue_write (self, write, NULL, callback, user_data);
}

gboolean
chutes_account_write_session_finish (ChutesAccount  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Ending tokens we no longer use: revoke both (see chutes-account-revoke.c:
 * bounded in time, and retried later when that fails) and, if asked, clear
 * the keyring item. Fails only with the revocation's error; the clearing
 * is done either way. */
typedef struct
{
  guint   pending;
  GError *revoke_error;
} Discard;

static void
discard_free (Discard *discard)
{
  g_clear_error (&discard->revoke_error);
  g_free (discard);
}

static void
discard_step_done (GTask *task)
{
  Discard *discard = g_task_get_task_data (task);

  if (--discard->pending > 0)
    return;

  if (discard->revoke_error != NULL)
    g_task_return_error (task, g_steal_pointer (&discard->revoke_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_discard_revoked (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Discard *discard = g_task_get_task_data (task);

  chutes_account_revoke_finish (CHUTES_ACCOUNT (source), result, &discard->revoke_error);
  discard_step_done (task);
}

static void
on_discard_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_account_write_session_finish (CHUTES_ACCOUNT (source), result, &error))
    g_debug ("Could not remove the session from the keyring: %s", error->message);

  discard_step_done (task);
}

void
chutes_account_discard_async (ChutesAccount       *self,
                              ChutesTokens        *tokens,
                              gboolean             clear_keyring,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(ChutesTokens) owned = tokens;
  g_autoptr(GTask) task = NULL;
  const char *client_id;
  Discard *discard;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_discard_async);
  g_task_set_check_cancellable (task, FALSE);

  discard = g_new0 (Discard, 1);
  discard->pending = 1;
  g_task_set_task_data (task, discard, (GDestroyNotify) discard_free);

  if (owned != NULL)
    {
      g_autoptr(GPtrArray) revocations =
        g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);

      /* The refresh token first: it is the one that lasts. */
      if (owned->refresh_token != NULL)
        g_ptr_array_add (revocations, chutes_revocation_new (owned->refresh_token,
                                                             "refresh_token"));
      g_ptr_array_add (revocations, chutes_revocation_new (owned->access_token, "access_token"));

      discard->pending++;
      chutes_account_revoke_async (self, revocations, cancellable,
                                   on_discard_revoked, g_object_ref (task));
    }

  /* After any save still in flight, which would otherwise bring the
   * session back into the keyring. */
  client_id = chutes_account_get_client_id (self);
  if (clear_keyring && client_id != NULL)
    {
      discard->pending++;
      chutes_account_write_session_async (self, client_id, NULL, NULL,
                                          on_discard_cleared, g_object_ref (task));
    }

  discard_step_done (task);
}

gboolean
chutes_account_discard_finish (ChutesAccount  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
