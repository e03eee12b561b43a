/* chutes-token-store-errors.c: keyring failures in words a person understands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every libsecret, D-Bus or portal failure becomes CHUTES_ERROR_KEYRING_LOCKED
 * or CHUTES_ERROR_KEYRING_UNAVAILABLE; "nothing found" is checked against a
 * locked collection before it is believed.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-error.h"
#include "chutes-token-store-private.h"

/* The raw message only goes to the debug log (it never contains a
 * secret). */
static gboolean
error_means_locked (const GError *error)
{
  /* Our timeout, or a prompt (or the Secret portal's dialog) dismissed. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY))
    return TRUE;

  /* gnome-keyring, when the login collection is locked and no prompt can
   * be shown, answers with this instead of a proper error. */
  if (error->message != NULL &&
      strstr (error->message, "Object does not exist at path") != NULL &&
      strstr (error->message, "/collection/") != NULL)
    return TRUE;

  return FALSE;
}

void
chutes_token_store_task_return_error (GTask  *task,
                                      GError *error)
{
  GCancellable *caller = g_task_get_cancellable (task);

  if (caller != NULL && g_cancellable_is_cancelled (caller))
    {
      g_error_free (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("The operation was cancelled"));
      return;
    }

  g_debug ("Keyring call failed: %s (%s, %d)",
           error->message, g_quark_to_string (error->domain), error->code);

  if (error_means_locked (error))
    g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_KEYRING_LOCKED, "%s",
                             _("Your keyring is locked, so you'll need to sign in again "
                               "next time. Unlock it to stay signed in."));
  else
    g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_KEYRING_UNAVAILABLE, "%s",
                             _("No keyring is available, so you'll need to sign in again "
                               "next time. Install and start GNOME Keyring (or another "
                               "Secret Service) to stay signed in."));
  g_error_free (error);
}

/* libsecret reports "nothing found" (no error) when the item is there but
 * its collection is locked and could not be unlocked (no prompt possible,
 * or the person dismissed it). Looking for the item without unlocking
 * tells the two apart: while a collection is locked, gnome-keyring only
 * shows hashed attributes and a generic schema name, so the search does not
 * match the schema name. */
static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items;

  if (chutes_token_store_task_abandoned (task))
    return;

  items = secret_password_search_finish (result, &error);

  if (error != NULL)
    {
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (items != NULL)
    {
      g_list_free_full (items, g_object_unref);
      error = g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED,
                                   "The item is in a locked collection");
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (chutes_token_store_task_get_call (task)->operation == CHUTES_KEYRING_CLEAR)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, NULL, NULL);
}

void
chutes_token_store_task_probe_locked (GTask *task)
{
  static const SecretSchema probe_schema =
    CHUTES_TOKEN_STORE_SCHEMA (SECRET_SCHEMA_DONT_MATCH_NAME);
  ChutesKeyringCall *call = chutes_token_store_task_get_call (task);

  secret_password_searchv (&probe_schema,
                           call->attributes,
                           SECRET_SEARCH_ALL,
                           call->cancellable,
                           on_probed,
                           task);
}
