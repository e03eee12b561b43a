/* chutes-account.c: the signed-in person: state, restore and sign-out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session lives in memory (self->tokens) and, when the keyring works,
 * in the keyring too. Three things change it, each settling whatever was
 * waiting on the old one:
 *
 *  - a refresh (see chutes-account-refresh.c);
 *  - a sign-in that succeeded, saved before we become signed in (see
 *    chutes-account-sign-in.c);
 *  - a sign-out (immediate in memory, then revocation and keyring clearing).
 *
 * Keyring writes run one at a time, in order, so a sign-out's clearing is
 * never overtaken by a save still in flight (see chutes-account-keyring.c).
 *
 * session_serial changes whenever the session is replaced or dropped, so the
 * late result of something started for an older session is ignored.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-account-private.h"
#include "chutes-util.h"

G_DEFINE_FINAL_TYPE (ChutesAccount, chutes_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IDP_CLIENT,
  PROP_TOKEN_STORE,
  PROP_STATE,
  PROP_USERNAME,
  PROP_PERSISTENT,
  PROP_KEYRING_PROBLEM,
  PROP_AUTHORIZE_URI,
  PROP_PENDING_REVOCATIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
chutes_account_state_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { CHUTES_ACCOUNT_STATE_UNKNOWN, "CHUTES_ACCOUNT_STATE_UNKNOWN", "unknown" },
    { CHUTES_ACCOUNT_STATE_SIGNED_OUT, "CHUTES_ACCOUNT_STATE_SIGNED_OUT", "signed-out" },
    { CHUTES_ACCOUNT_STATE_SIGNING_IN, "CHUTES_ACCOUNT_STATE_SIGNING_IN", "signing-in" },
    { CHUTES_ACCOUNT_STATE_SIGNED_IN, "CHUTES_ACCOUNT_STATE_SIGNED_IN", "signed-in" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    {
      GType id = g_enum_register_static (g_intern_static_string ("ChutesAccountState"), values);

      g_once_init_leave (&type_id, id);
    }

  return type_id;
}

/* Properties, notified only on change. */
static void
account_update_username (ChutesAccount *self)
{
  const char *username = NULL;

  if (self->state == CHUTES_ACCOUNT_STATE_SIGNED_IN && self->tokens != NULL)
    username = self->tokens->username;

  if (chutes_set_str (&self->username, username))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

void
chutes_account_set_state (ChutesAccount      *self,
                          ChutesAccountState  state)
{
  g_object_freeze_notify (G_OBJECT (self));

  if (self->state != state)
    {
      g_debug ("Account state %d -> %d", self->state, state);
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  account_update_username (self);

  g_object_thaw_notify (G_OBJECT (self));
}

/* While a sign-in runs, other events change the state it returns to when
 * it fails or is cancelled, not the visible SIGNING_IN. */
void
chutes_account_apply_state (ChutesAccount      *self,
                            ChutesAccountState  state)
{
  if (self->signing_in)
    self->state_before_sign_in = state;
  else
    chutes_account_set_state (self, state);
}

void
chutes_account_set_authorize_uri (ChutesAccount *self,
                                  const char    *uri)
{
  if (chutes_set_str (&self->authorize_uri, uri))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZE_URI]);
}

/* The outcome of the last keyring write or read. A cancel says nothing. */
void
chutes_account_note_keyring_result (ChutesAccount *self,
                                    const GError  *error)
{
  gboolean persistent = (error == NULL);

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL)
    g_debug ("The keyring cannot be used: %s", error->message);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->persistent != persistent)
    {
      self->persistent = persistent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERSISTENT]);
    }

  if (chutes_set_str (&self->keyring_problem, error != NULL ? error->message : NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYRING_PROBLEM]);

  g_object_thaw_notify (G_OBJECT (self));
}

/* The keyring is scoped by the configured IDP and client. */
const char *
chutes_account_get_client_id (ChutesAccount *self)
{
  ChutesConfig *config = chutes_idp_client_get_config (self->idp);

  chutes_token_store_set_idp_base_url (self->store, chutes_config_get_idp_base_url (config));

  return chutes_config_get_client_id (config);
}

GError *
chutes_account_cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                              _("The operation was cancelled"));
}

/* Restoring the stored session at startup. */
static void
on_restore_refreshed (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccount *self = g_task_get_source_object (task);
  guint serial = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(GError) error = NULL;
  char *access_token;

  access_token = g_task_propagate_pointer (G_TASK (result), &error);
  chutes_secret_free (access_token);

  /* Refused (already signed out, "session-ended" emitted), or signed out
   * or in anew meanwhile. */
  if (serial != self->session_serial || self->tokens == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* A network failure keeps the old tokens: the next call retries. */
  if (error != NULL)
    g_debug ("Could not refresh the restored session: %s", error->message);

  chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_IN);
  g_task_return_boolean (task, TRUE);
}

static void
on_restore_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccount *self = g_task_get_source_object (task);
  guint serial = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(ChutesTokens) tokens = NULL;
  g_autoptr(GTask) inner = NULL;
  g_autoptr(GError) error = NULL;

  tokens = chutes_token_store_load_session_finish (CHUTES_TOKEN_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Signed in or out meanwhile: that wins. */
  if (serial != self->session_serial)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  chutes_account_note_keyring_result (self, error);

  if (tokens == NULL)
    {
      if (error != NULL)
        g_debug ("No session: the keyring cannot be read");
      else
        g_debug ("No stored session");
      chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Expired, and nothing to refresh it with. */
  if (tokens->refresh_token == NULL && chutes_tokens_expires_within (tokens, 0))
    {
      g_debug ("The stored session has expired");
      chutes_account_discard_async (self, g_steal_pointer (&tokens), TRUE, NULL, NULL, NULL);
      chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_debug ("Restored the stored session");
  self->tokens = g_steal_pointer (&tokens);

  if (self->tokens->refresh_token == NULL ||
      !chutes_tokens_expires_within (self->tokens, chutes_account_refresh_margin (self->tokens)))
    {
      chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_IN);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* About to expire: refresh first, as one more waiter. */
  inner = g_task_new (self, NULL, on_restore_refreshed, g_object_ref (task));
  chutes_account_wait_for_refresh (self, inner);
}

void
chutes_account_restore_async (ChutesAccount       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ChutesConfig *config;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_restore_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (self->session_serial), NULL);

  /* Already have a session: nothing to restore. */
  if (self->tokens != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  config = chutes_idp_client_get_config (self->idp);
  if (!chutes_config_has_client (config))
    {
      g_debug ("No OAuth client configured: signed out");
      chutes_account_apply_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);
      g_task_return_boolean (task, TRUE);
      return;
    }

  chutes_token_store_load_session_async (self->store, chutes_account_get_client_id (self),
                                         cancellable, on_restore_loaded, g_steal_pointer (&task));

  /* A sign-out of an earlier run may still have tokens to revoke. */
  chutes_account_load_revocations (self);
}

gboolean
chutes_account_restore_finish (ChutesAccount  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Signing out. */
static void
on_signed_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  /* Signed out here whatever happened; the person learns that the session
   * lives on at Chutes until a retry ends it. */
  if (!chutes_account_discard_finish (self, result, &error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the reason, a sentence */
      message = g_strdup_printf (_("Signed out on this computer; Chutes could not end the "
                                   "session: %s"), error->message);
      g_signal_emit_by_name (self, "revocation-failed", message);
    }

  g_debug ("Sign-out finished");
  g_task_return_boolean (task, TRUE);
}

void
chutes_account_sign_out_async (ChutesAccount       *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_account_sign_out_async);
  /* Signed out locally whatever happens. */
  g_task_set_check_cancellable (task, FALSE);

  g_debug ("Signing out");

  g_object_freeze_notify (G_OBJECT (self));

  tokens = g_steal_pointer (&self->tokens);
  self->session_serial++;
  self->sign_out_serial++;

  chutes_account_abandon_sign_in (self);
  chutes_account_set_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);

  /* A refresh in flight must not bring the session back. */
  chutes_account_abandon_refresh (self, NULL);

  g_object_thaw_notify (G_OBJECT (self));

  chutes_account_discard_async (self, g_steal_pointer (&tokens), TRUE, cancellable,
                                on_signed_out, g_steal_pointer (&task));
}

void
chutes_account_set_token_store (ChutesAccount    *self,
                                ChutesTokenStore *store)
{
  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (CHUTES_IS_TOKEN_STORE (store));

  g_set_object (&self->store, store);
  if (self->tokens != NULL && chutes_token_store_is_per_account (store))
    chutes_set_str (&self->tokens->user_id, chutes_token_store_get_account (store));
}

/* Replaced by a sign-in of the same person elsewhere. */
static void
on_replaced_discarded (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Kept among @source's pending revocations, retried later. */
  if (!chutes_account_discard_finish (CHUTES_ACCOUNT (source), result, &error))
    g_debug ("Could not revoke the replaced session yet: %s", error->message);
}

void
chutes_account_hand_over (ChutesAccount *self,
                          ChutesAccount *successor)
{
  g_autoptr(ChutesTokens) tokens = NULL;

  g_return_if_fail (CHUTES_IS_ACCOUNT (self));
  g_return_if_fail (CHUTES_IS_ACCOUNT (successor));
  g_return_if_fail (self != successor);

  g_debug ("Handing a replaced session over for revocation");

  g_object_freeze_notify (G_OBJECT (self));

  tokens = g_steal_pointer (&self->tokens);
  self->session_serial++;

  chutes_account_abandon_sign_in (self);
  chutes_account_set_state (self, CHUTES_ACCOUNT_STATE_SIGNED_OUT);

  /* Whoever waited for a refresh of the old pair gets the new token. */
  chutes_account_abandon_refresh (self, successor->tokens != NULL
                                          ? successor->tokens->access_token : NULL);

  g_object_thaw_notify (G_OBJECT (self));

  /* The successor's keyring item is the one both were stored under. */
  chutes_account_move_revocations (self, successor);
  chutes_account_discard_async (successor, g_steal_pointer (&tokens), FALSE, NULL,
                                on_replaced_discarded, NULL);
}

gboolean
chutes_account_sign_out_finish (ChutesAccount  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Getters and options. */
ChutesAccountState
chutes_account_get_state (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), CHUTES_ACCOUNT_STATE_UNKNOWN);

  return self->state;
}

const char *
chutes_account_get_username (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  return self->username;
}

const char *
chutes_account_get_user_id (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  if (!chutes_token_store_is_per_account (self->store))
    return NULL;

  return chutes_token_store_get_account (self->store);
}

ChutesTokenStore *
chutes_account_get_token_store (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  return self->store;
}

ChutesTokens *
chutes_account_dup_tokens (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  if (self->state != CHUTES_ACCOUNT_STATE_SIGNED_IN || self->tokens == NULL)
    return NULL;

  return chutes_tokens_copy (self->tokens);
}

gboolean
chutes_account_get_persistent (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), FALSE);

  return self->persistent;
}

const char *
chutes_account_get_keyring_problem (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  return self->keyring_problem;
}

const char *
chutes_account_get_authorize_uri (ChutesAccount *self)
{
  g_return_val_if_fail (CHUTES_IS_ACCOUNT (self), NULL);

  return self->authorize_uri;
}

void
chutes_account_set_flow_options (ChutesAccount *self,
                                 gboolean       open_browser,
                                 guint          timeout_seconds)
{
  g_return_if_fail (CHUTES_IS_ACCOUNT (self));

  self->open_browser = !!open_browser;
  self->flow_timeout = timeout_seconds;
}

/* The object. */
static void
chutes_account_dispose (GObject *object)
{
  ChutesAccount *self = CHUTES_ACCOUNT (object);

  g_cancellable_cancel (self->cancellable);
  chutes_account_abandon_sign_in (self);
  chutes_account_drop_queued_sign_in (self);
  chutes_account_abandon_refresh (self, NULL);
  chutes_account_dispose_revocations (self);

  G_OBJECT_CLASS (chutes_account_parent_class)->dispose (object);
}

static void
chutes_account_finalize (GObject *object)
{
  ChutesAccount *self = CHUTES_ACCOUNT (object);

  g_clear_pointer (&self->tokens, chutes_tokens_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->keyring_problem, g_free);
  g_clear_pointer (&self->authorize_uri, g_free);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->revocations, g_ptr_array_unref);
  g_queue_clear_full (&self->pending_writes, g_object_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->idp);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (chutes_account_parent_class)->finalize (object);
}

static void
chutes_account_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChutesAccount *self = CHUTES_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_IDP_CLIENT:
      g_value_set_object (value, self->idp);
      break;

    case PROP_TOKEN_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;

    case PROP_KEYRING_PROBLEM:
      g_value_set_string (value, self->keyring_problem);
      break;

    case PROP_AUTHORIZE_URI:
      g_value_set_string (value, self->authorize_uri);
      break;

    case PROP_PENDING_REVOCATIONS:
      g_value_set_uint (value, self->revocations->len);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_account_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChutesAccount *self = CHUTES_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_IDP_CLIENT:
      self->idp = g_value_dup_object (value);
      break;

    case PROP_TOKEN_STORE:
      self->store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_account_class_init (ChutesAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_account_dispose;
  object_class->finalize = chutes_account_finalize;
  object_class->get_property = chutes_account_get_property;
  object_class->set_property = chutes_account_set_property;

  properties[PROP_IDP_CLIENT] =
    g_param_spec_object ("idp-client", NULL, NULL,
                         CHUTES_TYPE_IDP_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TOKEN_STORE] =
    g_param_spec_object ("token-store", NULL, NULL,
                         CHUTES_TYPE_TOKEN_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       CHUTES_TYPE_ACCOUNT_STATE,
                       CHUTES_ACCOUNT_STATE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL,
                          TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_KEYRING_PROBLEM] =
    g_param_spec_string ("keyring-problem", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_AUTHORIZE_URI] =
    g_param_spec_string ("authorize-uri", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PENDING_REVOCATIONS] =
    g_param_spec_uint ("pending-revocations", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted from chutes-account-refresh.c, by name. */
  g_signal_new ("session-ended",
                G_TYPE_FROM_CLASS (klass),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, G_TYPE_STRING);

  /* Emitted by chutes_account_sign_out_async(). */
  g_signal_new ("revocation-failed",
                G_TYPE_FROM_CLASS (klass),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, G_TYPE_STRING);

  /* Emitted from chutes-account-revoke.c, by name. */
  g_signal_new ("network-returned",
                G_TYPE_FROM_CLASS (klass),
                G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL,
                G_TYPE_NONE, 0);
}

static void
chutes_account_init (ChutesAccount *self)
{
  self->state = CHUTES_ACCOUNT_STATE_UNKNOWN;
  self->persistent = TRUE;
  self->open_browser = TRUE;
  self->cancellable = g_cancellable_new ();
  self->waiters = chutes_account_waiters_new ();
  g_queue_init (&self->pending_writes);
  chutes_account_init_revocations (self);
}

ChutesAccount *
chutes_account_new (ChutesIdpClient  *idp,
                    ChutesTokenStore *store)
{
  g_return_val_if_fail (CHUTES_IS_IDP_CLIENT (idp), NULL);
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (store), NULL);

  return g_object_new (CHUTES_TYPE_ACCOUNT,
                       "idp-client", idp,
                       "token-store", store,
                       NULL);
}
