/* chutes-account-revoke.c: ending tokens at the IDP, now or later
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tokens the account no longer uses are revoked at /idp/token/revoke
 * (RFC 7009), all at once and bounded in time so that a sign-out never
 * waits long. A revocation that fails (no network, a server error, a
 * refused client) is not forgotten: the token joins self->revocations,
 * which is mirrored in the keyring (its own item, never anywhere else) while
 * the keyring works, and tried again at the next start and whenever the
 * network comes back, until it is revoked, the server says it is already
 * invalid, or CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS / _MAX_AGE are reached.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-account-private.h"
#include "chutes-error.h"

/* A round of revocations may not hold anything up for longer. */
#define REVOKE_TIMEOUT_SECONDS 5

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

/* The pending list ---------------------------------------------------------- */

static int
account_find_revocation (ChutesAccount *self,
                         const char    *token)
{
  for (guint i = 0; i < self->revocations->len; i++)
    {
      ChutesRevocation *pending = g_ptr_array_index (self->revocations, i);

      if (g_str_equal (pending->token, token))
        return (int) i;
    }

  return -1;
}

static void
account_notify_pending (ChutesAccount *self)
{
  g_object_notify (G_OBJECT (self), "pending-revocations");
}

/* Retrying is pointless after this: the server has forgotten the token, or
 * keeps refusing us. */
static gboolean
revocation_is_hopeless (const ChutesRevocation *revocation)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  return revocation->attempts >= CHUTES_ACCOUNT_REVOKE_MAX_ATTEMPTS
         || now - revocation->since > CHUTES_ACCOUNT_REVOKE_MAX_AGE;
}

/* The server no longer accepts the token, which is what we wanted. */
static gboolean
error_means_gone (const GError *error)
{
  return g_error_matches (error, CHUTES_ERROR, CHUTES_ERROR_INVALID_GRANT);
}

/* A round: revoking several tokens at once --------------------------------- */

typedef struct
{
  guint         pending;
  gboolean      retry;         /* of the pending ones: self->retrying counts it */
  gboolean      changed;       /* self->revocations changed */
  GError       *error;         /* the first failure */
  GCancellable *cancellable;
  GSource      *caller_source;
  GSource      *timeout_source;
} Round;

static void
round_free (Round *round)
{
  chutes_account_clear_source (&round->caller_source);
  chutes_account_clear_source (&round->timeout_source);
  g_clear_object (&round->cancellable);
  g_clear_error (&round->error);
  g_free (round);
}

typedef struct
{
  GTask            *task;
  ChutesRevocation *revocation;
} OneRevocation;

/* The end of a round, once the keyring has what is left: another retry
 * can start, and those who watch the count hear of it. */
static void
round_return (GTask *task)
{
  ChutesAccount *self = g_task_get_source_object (task);
  Round *round = g_task_get_task_data (task);

  if (round->retry)
    self->retrying--;
  if (round->changed)
    account_notify_pending (self);

  if (round->error != NULL)
    g_task_return_error (task, g_steal_pointer (&round->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_revocations_saved (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* The list stays in memory, and is retried while the app runs. */
  if (!chutes_account_write_session_finish (CHUTES_ACCOUNT (source), result, &error))
    g_debug ("Could not keep the tokens still to revoke in the keyring: %s", error->message);

  round_return (task);
}

static void
round_step_done (GTask *task)
{
  ChutesAccount *self = g_task_get_source_object (task);
  Round *round = g_task_get_task_data (task);
  const char *client_id;

  if (--round->pending > 0)
    return;

  chutes_account_clear_source (&round->timeout_source);

  /* Mirrored in the keyring when it works; otherwise in memory only. */
  client_id = chutes_account_get_client_id (self);
  if (round->changed && self->persistent && client_id != NULL)
    {
      chutes_account_write_revocations_async (self, client_id, self->revocations,
                                              on_revocations_saved, g_object_ref (task));
      return;
    }

  round_return (task);
}

static void
on_revoked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OneRevocation *one = user_data;
  g_autoptr(GTask) task = one->task;
  g_autoptr(ChutesRevocation) revocation = one->revocation;
  ChutesAccount *self = g_task_get_source_object (task);
  Round *round = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  int index;

  g_free (one);

  if (!chutes_idp_client_revoke_finish (CHUTES_IDP_CLIENT (source), result, &error)
      && error_means_gone (error))
    {
      g_debug ("A token to revoke was already invalid");
      g_clear_error (&error);
    }

  index = account_find_revocation (self, revocation->token);

  if (error == NULL)
    {
      g_debug ("Revoked a token (%s)", revocation->hint);
      if (index >= 0)
        g_ptr_array_remove_index (self->revocations, index);
      round->changed |= index >= 0;
      round_step_done (task);
      return;
    }

  /* A timeout cancels the round: say so in words. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new_literal (CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                                   _("Chutes did not answer in time."));
    }

  revocation->attempts++;
  g_debug ("Could not revoke a token (%s, attempt %u): %s", revocation->hint,
           revocation->attempts, error->message);

  if (round->error == NULL)
    round->error = g_error_copy (error);

  if (revocation_is_hopeless (revocation))
    {
      g_debug ("Giving up revoking that token");
      if (index >= 0)
        g_ptr_array_remove_index (self->revocations, index);
      round->changed |= index >= 0;
    }
  else if (index >= 0)
    {
      ChutesRevocation *pending = g_ptr_array_index (self->revocations, index);

      pending->attempts = MAX (pending->attempts, revocation->attempts);
      round->changed = TRUE;
    }
  else
    {
      g_ptr_array_add (self->revocations, g_steal_pointer (&revocation));
      round->changed = TRUE;
    }

  round_step_done (task);
}

static void
account_revoke (ChutesAccount       *self,
                GPtrArray           *revocations,
                gboolean             retry,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Round *round;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_revoke_async);
  g_task_set_check_cancellable (task, FALSE);

  round = g_new0 (Round, 1);
  round->pending = 1;
  round->retry = retry;
  if (retry)
    self->retrying++;
  round->cancellable = g_cancellable_new ();
  round->caller_source = chutes_account_chain_cancellable (cancellable, round->cancellable);
  round->timeout_source = g_timeout_source_new_seconds (REVOKE_TIMEOUT_SECONDS);
  g_source_set_callback (round->timeout_source, cancel_cancellable_cb, round->cancellable, NULL);
  g_source_attach (round->timeout_source, g_main_context_get_thread_default ());
  g_task_set_task_data (task, round, (GDestroyNotify) round_free);

  for (guint i = 0; i < revocations->len; i++)
    {
      OneRevocation *one = g_new0 (OneRevocation, 1);

      one->task = g_object_ref (task);
      one->revocation = chutes_revocation_copy (g_ptr_array_index (revocations, i));
      round->pending++;
      chutes_idp_client_revoke_async (self->idp, one->revocation->token, one->revocation->hint,
                                      round->cancellable, on_revoked, one);
    }

  round_step_done (task);
}

void
chutes_account_revoke_async (ChutesAccount       *self,
                             GPtrArray           *revocations,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  account_revoke (self, revocations, FALSE, cancellable, callback, user_data);
}

gboolean
chutes_account_revoke_finish (ChutesAccount  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Retries ----------------------------------------------------------------- */

static void
on_retried (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ChutesAccount *self = CHUTES_ACCOUNT (source);
  g_autoptr(GError) error = NULL;

  if (!chutes_account_revoke_finish (self, result, &error))
    g_debug ("Tokens still to revoke: %u (%s)", self->revocations->len, error->message);
}

void
chutes_account_retry_revocations (ChutesAccount *self)
{
  g_return_if_fail (CHUTES_IS_ACCOUNT (self));

  if (self->retrying > 0 || self->revocations->len == 0
      || chutes_account_get_client_id (self) == NULL)
    return;

  g_debug ("Retrying %u revocations", self->revocations->len);
  account_revoke (self, self->revocations, TRUE, NULL, on_retried, NULL);
}

static void
on_revocations_loaded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ChutesAccount) self = user_data;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;

  loaded = chutes_token_store_load_revocations_finish (CHUTES_TOKEN_STORE (source), result,
                                                       &error);
  if (loaded == NULL)
    {
      g_debug ("Could not read the tokens still to revoke: %s", error->message);
      return;
    }

  for (guint i = 0; i < loaded->len; i++)
    {
      ChutesRevocation *revocation = g_ptr_array_index (loaded, i);

      if (account_find_revocation (self, revocation->token) < 0)
        g_ptr_array_add (self->revocations, chutes_revocation_copy (revocation));
    }

  if (loaded->len > 0)
    account_notify_pending (self);

  chutes_account_retry_revocations (self);
}

void
chutes_account_load_revocations (ChutesAccount *self)
{
  const char *client_id = chutes_account_get_client_id (self);

  if (client_id == NULL)
    return;

  chutes_token_store_load_revocations_async (self->store, client_id, self->cancellable,
                                             on_revocations_loaded, g_object_ref (self));
}

void
chutes_account_move_revocations (ChutesAccount *from,
                                 ChutesAccount *self)
{
  guint added = 0;

  if (from->revocations->len == 0)
    return;

  for (guint i = 0; i < from->revocations->len; i++)
    {
      ChutesRevocation *revocation = g_ptr_array_index (from->revocations, i);

      if (account_find_revocation (self, revocation->token) < 0)
        {
          g_ptr_array_add (self->revocations, chutes_revocation_copy (revocation));
          added++;
        }
    }
  g_ptr_array_set_size (from->revocations, 0);
  account_notify_pending (from);

  if (added > 0)
    {
      account_notify_pending (self);
      chutes_account_retry_revocations (self);
    }
}

guint
chutes_account_get_pending_revocations (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), 0);

  return self->revocations->len;
}

/* The network ------------------------------------------------------------- */

/* Only a network that comes back is worth a retry: it changes often
 * otherwise (addresses, routes), and each retry uses up an attempt. */
static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    ChutesAccount   *self)
{
  gboolean came_back = available && !self->network_available;

  self->network_available = available;
  if (came_back)
    {
      g_debug ("The network is back");
      chutes_account_retry_revocations (self);
      g_signal_emit_by_name (self, "network-returned");
    }
}

void
chutes_account_set_network_monitor (ChutesAccount   *self,
                                    GNetworkMonitor *monitor)
{
  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (G_IS_NETWORK_MONITOR (monitor));

  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_func (self->network_monitor, on_network_changed, self);
  g_set_object (&self->network_monitor, monitor);

  self->network_available = g_network_monitor_get_network_available (monitor);
  g_signal_connect (monitor, "network-changed", G_CALLBACK (on_network_changed), self);
}

void
chutes_account_init_revocations (ChutesAccount *self)
{
  self->revocations = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);
  chutes_account_set_network_monitor (self, g_network_monitor_get_default ());
}

void
chutes_account_dispose_revocations (ChutesAccount *self)
{
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_func (self->network_monitor, on_network_changed, self);
  g_clear_object (&self->network_monitor);
}
