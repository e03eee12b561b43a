/* chutes-history-tracker.c: saving a streaming reply as it grows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-history-private.h"

/* A streaming reply is saved at most this often, and never while its
 * last save is still being written: each save copies the whole reply
 * (up to CHUTES_CHAT_STREAM_MAX_REPLY) and rewrites its row and its
 * search index, so saves queued faster than the worker writes them would
 * pile up copies of a growing reply. */
#define TRACK_INTERVAL_MS 500

static gboolean
status_is_final (ChutesMessageStatus status)
{
  return status == CHUTES_MESSAGE_STATUS_COMPLETE ||
         status == CHUTES_MESSAGE_STATUS_STOPPED ||
         status == CHUTES_MESSAGE_STATUS_FAILED;
}

typedef struct
{
  ChutesHistory *history;
  ChutesMessage *message;
  gulong         notify_id;
  guint          timeout_id;
  gboolean       saving;       /* a timed save is queued or being written */
  gboolean       save_again;   /* and the message changed since */
} Tracker;

static void tracker_schedule_save (Tracker *tracker);

/* @user_data: a reference to the message of a timed save, or NULL. */
static void
tracked_save_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ChutesHistory *self = CHUTES_HISTORY (object);
  g_autoptr(ChutesMessage) timed = user_data;
  g_autoptr(GError) error = NULL;
  Tracker *tracker;

  if (timed != NULL && self->trackers != NULL &&
      (tracker = g_hash_table_lookup (self->trackers, timed)) != NULL)
    {
      tracker->saving = FALSE;
      if (tracker->save_again)
        {
          tracker->save_again = FALSE;
          tracker_schedule_save (tracker);
        }
    }

  if (!chutes_history_save_message_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_warning ("Could not save a streaming reply: %s", error->message);
      _chutes_history_emit_save_failed (self, error);
    }
}

/* @timed: a save of the growing message (one at a time), not its last. */
static void
tracker_save (Tracker  *tracker,
              gboolean  timed)
{
  g_clear_handle_id (&tracker->timeout_id, g_source_remove);
  tracker->saving = timed;
  chutes_history_save_message_async (tracker->history, tracker->message, NULL,
                                     tracked_save_cb,
                                     timed ? g_object_ref (tracker->message) : NULL);
}

static void
tracker_free (Tracker *tracker)
{
  g_clear_handle_id (&tracker->timeout_id, g_source_remove);
  g_clear_signal_handler (&tracker->notify_id, tracker->message);
  g_clear_object (&tracker->message);
  g_free (tracker);
}

void
_chutes_history_untrack (ChutesHistory *self,
                         ChutesMessage *message,
                         gboolean       save)
{
  Tracker *tracker = g_hash_table_lookup (self->trackers, message);

  if (tracker == NULL)
    return;

  if (save)
    tracker_save (tracker, FALSE);

  g_hash_table_remove (self->trackers, message);
}

static gboolean
tracker_timeout_cb (gpointer user_data)
{
  Tracker *tracker = user_data;

  tracker->timeout_id = 0;
  if (tracker->saving)
    tracker->save_again = TRUE;
  else
    tracker_save (tracker, TRUE);

  return G_SOURCE_REMOVE;
}

/* Saves within TRACK_INTERVAL_MS, unless a save is already due. */
static void
tracker_schedule_save (Tracker *tracker)
{
  if (tracker->timeout_id == 0 && !tracker->save_again)
    tracker->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, TRACK_INTERVAL_MS,
                                              tracker_timeout_cb, tracker, NULL);
}

static void
on_tracked_notify (ChutesMessage *message,
                   GParamSpec    *pspec,
                   Tracker       *tracker)
{
  /* Set by the history itself. */
  if (g_str_equal (pspec->name, "id") || g_str_equal (pspec->name, "created-at"))
    return;

  if (status_is_final (chutes_message_get_status (message)))
    {
      _chutes_history_untrack (tracker->history, message, TRUE);
      return;
    }

  tracker_schedule_save (tracker);
}

void
chutes_history_track_message (ChutesHistory *self,
                              ChutesMessage *message)
{
  Tracker *tracker;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (CHUTES_IS_MESSAGE (message));

  if (!_chutes_history_message_is_saved (message))
    {
      g_critical ("%s: the message was never appended to the history", G_STRFUNC);
      return;
    }

  if (self->worker == NULL || g_hash_table_contains (self->trackers, message))
    return;

  if (status_is_final (chutes_message_get_status (message)))
    {
      chutes_history_save_message_async (self, message, NULL, tracked_save_cb, NULL);
      return;
    }

  tracker = g_new0 (Tracker, 1);
  tracker->history = self;
  tracker->message = g_object_ref (message);
  tracker->notify_id = g_signal_connect (message, "notify",
                                         G_CALLBACK (on_tracked_notify), tracker);
  g_hash_table_insert (self->trackers, message, tracker);

  /* What it holds already (a status change from PENDING, say). */
  tracker_schedule_save (tracker);
}

GHashTable *
_chutes_history_trackers_new (void)
{
  return g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)tracker_free);
}

void
_chutes_history_untrack_all (ChutesHistory *self)
{
  GList *tracked = g_hash_table_get_keys (self->trackers);

  for (const GList *l = tracked; l != NULL; l = l->next)
    _chutes_history_untrack (self, l->data, TRUE);
  g_list_free (tracked);
}
