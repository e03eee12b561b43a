/* chutes-account-sign-in.c: signing in, one OAuth flow at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sign-in runs a ChutesOAuthFlow and saves the tokens before the account
 * becomes signed in. A second sign-in replaces the first; since a replaced
 * flow frees the loopback port only once it has returned, the new one waits
 * for it (self->queued_sign_in). Failing or cancelled, a sign-in returns to
 * exactly the state from before it; a sign-out meanwhile always wins.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-account-private.h"
#include "chutes-error.h"

typedef struct
{
  guint            serial;
  guint            sign_out_serial;
  ChutesOAuthFlow *flow;
  GCancellable    *cancellable;
  GSource         *caller_source;
  ChutesTokens    *tokens;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  chutes_account_clear_source (&sign_in->caller_source);
  g_clear_object (&sign_in->flow);
  g_clear_object (&sign_in->cancellable);
  g_clear_pointer (&sign_in->tokens, chutes_tokens_free);
  g_free (sign_in);
}

static gboolean
sign_in_is_current (ChutesAccount *self,
                    SignIn        *sign_in)
{
  return self->signing_in && sign_in->serial == self->sign_in_serial;
}

/* The sign-in in progress is over (one way or another). */
static void
account_end_sign_in (ChutesAccount *self)
{
  self->signing_in = FALSE;
  g_clear_object (&self->flow);
  g_clear_object (&self->sign_in_cancellable);
  chutes_account_set_authorize_uri (self, NULL);
}

/* Stops the sign-in in progress; it is no longer current first, so its
 * completion leaves the state alone even if it runs right away. */
void
chutes_account_abandon_sign_in (ChutesAccount *self)
{
  g_autoptr(GCancellable) cancellable = NULL;

  if (!self->signing_in)
    return;

  cancellable = g_object_ref (self->sign_in_cancellable);
  account_end_sign_in (self);
  g_cancellable_cancel (cancellable);
}

/* A sign-in that did not go through: back to exactly where we were, unless
 * a newer sign-in or a sign-out has taken over. */
static void
account_return_from_sign_in (ChutesAccount *self,
                             SignIn        *sign_in)
{
  if (!sign_in_is_current (self, sign_in))
    return;

  g_object_freeze_notify (G_OBJECT (self));
  account_end_sign_in (self);
  chutes_account_set_state (self, self->state_before_sign_in);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A sign-in that waited for a replaced flow to let go never started. */
void
chutes_account_drop_queued_sign_in (ChutesAccount *self)
{
  g_autoptr(GTask) never_started = g_steal_pointer (&self->queued_sign_in);

  if (never_started != NULL)
    g_task_return_error (never_started, chutes_account_cancelled_error ());
}

static void
on_flow_authorize_uri (ChutesOAuthFlow *flow,
                       GParamSpec      *pspec,
                       ChutesAccount   *self)
{
  if (flow == self->flow)
    chutes_account_set_authorize_uri (self, chutes_oauth_flow_get_authorize_uri (flow));
}

/* Signed out since the sign-in started: its session must not come back.
 * Its tokens are revoked (and cleared from the keyring again when @saved)
 * and it fails as cancelled. Returns TRUE when that is the case. */
static gboolean
sign_in_was_signed_out (GTask    *task,
                        gboolean  saved)
{
  ChutesAccount *self = g_task_get_source_object (task);
  SignIn *sign_in = g_task_get_task_data (task);

  if (sign_in->sign_out_serial == self->sign_out_serial)
    return FALSE;

  chutes_account_discard_async (self, g_steal_pointer (&sign_in->tokens), saved,
                                NULL, NULL, NULL);
  g_task_return_error (task, chutes_account_cancelled_error ());

  return TRUE;
}

/* The flow succeeded and the keyring was tried (@error says how it went). */
static void
account_commit_sign_in (GTask        *task,
                        gboolean      saved,
                        const GError *error)
{
  ChutesAccount *self = g_task_get_source_object (task);
  SignIn *sign_in = g_task_get_task_data (task);
  g_autoptr(ChutesTokens) old_tokens = NULL;

  if (sign_in_was_signed_out (task, saved))
    return;

  g_object_freeze_notify (G_OBJECT (self));

  chutes_account_note_keyring_result (self, error);

  /* The new session replaces the old one, whose tokens are revoked, and
   * whoever waited for a refresh of the old one gets the new token. */
  old_tokens = g_steal_pointer (&self->tokens);
  self->tokens = g_steal_pointer (&sign_in->tokens);
  self->session_serial++;
  chutes_account_abandon_refresh (self, self->tokens->access_token);
  if (old_tokens != NULL)
    chutes_account_discard_async (self, g_steal_pointer (&old_tokens), FALSE, NULL, NULL, NULL);

  if (sign_in_is_current (self, sign_in))
    {
      account_end_sign_in (self);
      chutes_account_set_state (self, CHUTES_ACCOUNT_STATE_SIGNED_IN);
    }
  else
    {
      /* A newer sign-in runs: this becomes what it returns to. */
      chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_IN);
    }

  g_object_thaw_notify (G_OBJECT (self));

  g_debug ("Signed in");
  g_task_return_boolean (task, TRUE);
}

static void
on_sign_in_saved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean saved;

  saved = chutes_account_write_session_finish (CHUTES_ACCOUNT (source), result, &error);
  account_commit_sign_in (task, saved, error);
}

static void on_flow_done (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
account_run_flow (ChutesAccount *self,
                  GTask         *task)
{
  SignIn *sign_in = g_task_get_task_data (task);

  self->flows_running++;
  chutes_oauth_flow_run_async (sign_in->flow, sign_in->cancellable, on_flow_done, task);
}

static void
account_start_queued_sign_in (ChutesAccount *self)
{
  g_autoptr(GTask) task = NULL;
  SignIn *sign_in;

  if (self->flows_running > 0 || self->queued_sign_in == NULL)
    return;

  task = g_steal_pointer (&self->queued_sign_in);
  sign_in = g_task_get_task_data (task);

  /* Cancelled, or signed out, while it waited. */
  if (g_cancellable_is_cancelled (sign_in->cancellable))
    {
      account_return_from_sign_in (self, sign_in);
      g_task_return_error (task, chutes_account_cancelled_error ());
      return;
    }

  account_run_flow (self, g_steal_pointer (&task));
}

static void
account_handle_flow_result (GTask  *task,
                            GError *error)
{
  ChutesAccount *self = g_task_get_source_object (task);
  SignIn *sign_in = g_task_get_task_data (task);
  const char *client_id;

  if (sign_in->tokens == NULL)
    {
      account_return_from_sign_in (self, sign_in);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Sign-in failed: %s", error->message);
      g_task_return_error (task, g_error_copy (error));
      return;
    }

  if (sign_in_was_signed_out (task, FALSE))
    return;

  /* One account of several is stored under who signed in, and stays
   * that person. */
  if (chutes_token_store_is_per_account (self->store))
    {
      const char *user_id = sign_in->tokens->user_id;
      const char *account = chutes_token_store_get_account (self->store);

      if (user_id == NULL || *user_id == '\0'
          || (account != NULL && g_strcmp0 (account, user_id) != 0))
        {
          chutes_account_discard_async (self, g_steal_pointer (&sign_in->tokens), FALSE,
                                        NULL, NULL, NULL);
          account_return_from_sign_in (self, sign_in);
          g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL, "%s",
                                   user_id == NULL || *user_id == '\0'
                                     ? _("Chutes did not say who signed in. Try again.")
                                     : _("You signed in as someone else than this account. "
                                         "Sign in to it, or add the other one as a new account."));
          return;
        }

      chutes_token_store_set_account (self->store, user_id);
    }

  /* Saved before we become signed in. From here on the sign-in is no
   * longer cancellable: the keyring call is bounded by its own timeout.
   * (Without a client, forgotten meanwhile, there is nothing to store
   * under.) */
  client_id = chutes_account_get_client_id (self);
  if (client_id == NULL)
    {
      account_commit_sign_in (task, FALSE, NULL);
      return;
    }

  chutes_account_write_session_async (self, client_id, sign_in->tokens, self->cancellable,
                                      on_sign_in_saved, g_object_ref (task));
}

static void
on_flow_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(ChutesAccount) self = g_object_ref (g_task_get_source_object (task));
  SignIn *sign_in = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  sign_in->tokens = chutes_oauth_flow_run_finish (CHUTES_OAUTH_FLOW (source), result, &error);
  self->flows_running--;

  account_handle_flow_result (task, error);
  account_start_queued_sign_in (self);
}

void
chutes_account_sign_in_async (ChutesAccount       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SignIn *sign_in;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_sign_in_async);
  /* Success after the flow stands even if the caller cancels late. */
  g_task_set_check_cancellable (task, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A second sign-in replaces the first, which fails as cancelled; a
   * failure of the second returns to the state from before the first. */
  if (self->signing_in)
    {
      g_debug ("A new sign-in replaces the one in progress");
      chutes_account_abandon_sign_in (self);
    }
  else
    {
      self->state_before_sign_in = self->state;
    }

  sign_in = g_new0 (SignIn, 1);
  sign_in->serial = ++self->sign_in_serial;
  sign_in->sign_out_serial = self->sign_out_serial;
  sign_in->cancellable = g_cancellable_new ();
  sign_in->caller_source = chutes_account_chain_cancellable (cancellable, sign_in->cancellable);
  sign_in->flow = chutes_oauth_flow_new (self->idp);
  chutes_oauth_flow_set_open_browser (sign_in->flow, self->open_browser);
  if (self->flow_timeout > 0)
    chutes_oauth_flow_set_timeout (sign_in->flow, self->flow_timeout);
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);

  self->signing_in = TRUE;
  self->flow = g_object_ref (sign_in->flow);
  self->sign_in_cancellable = g_object_ref (sign_in->cancellable);
  g_signal_connect_object (sign_in->flow, "notify::authorize-uri",
                           G_CALLBACK (on_flow_authorize_uri), self, 0);

  chutes_account_set_state (self, CHUTES_ACCOUNT_STATE_SIGNING_IN);

  chutes_account_drop_queued_sign_in (self);

  if (self->flows_running > 0)
    self->queued_sign_in = g_steal_pointer (&task);
  else
    account_run_flow (self, g_steal_pointer (&task));
}

gboolean
chutes_account_sign_in_finish (ChutesAccount  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_account_cancel_sign_in (ChutesAccount *self)
{
  g_return_if_fail (CHUTES_IS_ACCOUNT (self));

  if (self->sign_in_cancellable != NULL)
    g_cancellable_cancel (self->sign_in_cancellable);
}
