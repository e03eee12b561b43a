/* chutes-account-keyring.c: keyring writes in order, and discarding tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keyring writes run one at a time, in the order they were asked for, so a
 * sign-out's clearing is never overtaken by a save still in flight. Tokens
 * the account no longer uses are revoked (bounded in time) and, if asked,
 * cleared from the keyring after whatever write came before.
 */
#include "config.h"

#include "chutes-account-private.h"

/* Revocation at sign-out may not hold anything up for longer. */
#define REVOKE_TIMEOUT_SECONDS 5

/* Keyring writes of the session, one at a time. */
typedef struct
{
  char         *client_id;
  ChutesTokens *tokens;     /* NULL: clear */
} SessionWrite;

static void
write_free (SessionWrite *write)
{
  g_free (write->client_id);
  g_clear_pointer (&write->tokens, chutes_tokens_free);
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

  if (write->tokens != NULL)
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
      if (write->tokens != NULL)
        chutes_token_store_save_session_async (self->store, write->client_id, write->tokens,
                                               NULL, on_session_written,
                                               g_steal_pointer (&task));
      else
        chutes_token_store_clear_session_async (self->store, write->client_id,
                                                NULL, on_session_written,
                                                g_steal_pointer (&task));
    }
}

void
chutes_account_write_session_async (ChutesAccount       *self,
                                    const char          *client_id,
                                    const ChutesTokens  *tokens,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  SessionWrite *write;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_write_session_async);
  /* What really happened, even when the caller cancelled meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  write = g_new0 (SessionWrite, 1);
  write->client_id = g_strdup (client_id);
  write->tokens = tokens != NULL ? chutes_tokens_copy (tokens) : NULL;
  g_task_set_task_data (task, write, (GDestroyNotify) write_free);

  g_queue_push_tail (&self->pending_writes, task);
  account_start_next_write (self);
}

gboolean
chutes_account_write_session_finish (ChutesAccount  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Ending tokens we no longer use: revoke both (each bounded in time) and,
 * if asked, clear the keyring item. Never fails. */
typedef struct
{
  guint         pending;
  GCancellable *revoke_cancellable;
  GSource      *caller_source;
  GSource      *timeout_source;
} Discard;

static void
discard_free (Discard *discard)
{
  chutes_account_clear_source (&discard->caller_source);
  chutes_account_clear_source (&discard->timeout_source);
  g_clear_object (&discard->revoke_cancellable);
  g_free (discard);
}

static gboolean
cancel_cancellable_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

static gboolean
caller_cancelled_cb (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

/* @target is cancelled (from the main loop, never inside
 * g_cancellable_cancel()) when @caller is. Stop it with
 * chutes_account_clear_source(). */
GSource *
chutes_account_chain_cancellable (GCancellable *caller,
                                  GCancellable *target)
{
  GSource *source;

  if (caller == NULL)
    return NULL;

  source = g_cancellable_source_new (caller);
  g_source_set_callback (source, G_SOURCE_FUNC (caller_cancelled_cb), target, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

static void
discard_step_done (GTask *task)
{
  Discard *discard = g_task_get_task_data (task);

  if (--discard->pending == 0)
    g_task_return_boolean (task, TRUE);
}

static void
on_discard_revoked (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_idp_client_revoke_finish (CHUTES_IDP_CLIENT (source), result, &error))
    g_debug ("Could not revoke a token: %s", error->message);

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
  discard->revoke_cancellable = g_cancellable_new ();
  discard->caller_source = chutes_account_chain_cancellable (cancellable,
                                                            discard->revoke_cancellable);
  discard->timeout_source = g_timeout_source_new (REVOKE_TIMEOUT_SECONDS * 1000);
  g_source_set_callback (discard->timeout_source, cancel_cancellable_cb,
                         discard->revoke_cancellable, NULL);
  g_source_attach (discard->timeout_source, g_main_context_get_thread_default ());
  g_task_set_task_data (task, discard, (GDestroyNotify) discard_free);

  if (owned != NULL && owned->refresh_token != NULL)
    {
      discard->pending++;
      chutes_idp_client_revoke_async (self->idp, owned->refresh_token, "refresh_token",
                                      discard->revoke_cancellable,
                                      on_discard_revoked, g_object_ref (task));
    }

  if (owned != NULL)
    {
      discard->pending++;
      chutes_idp_client_revoke_async (self->idp, owned->access_token, "access_token",
                                      discard->revoke_cancellable,
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
