/* chutes-history.h: the saved conversations, in SQLite, off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chutes-chat-summary.h"
#include "chutes-message.h"
#include "chutes-search-hit.h"

G_BEGIN_DECLS

/* At most this many hits are returned by a search. */
#define CHUTES_HISTORY_MAX_HITS 200
/* chutes_history_search_conversations_async() looks at this many of the
 * newest hits at most. */
#define CHUTES_HISTORY_MAX_SCANNED_HITS 4000

/**
 * ChutesChatSettings:
 * @system_prompt: the system prompt, or %NULL for none
 * @temperature: from 0 to 2, or a negative number for the model's default
 * @max_tokens: the longest reply in tokens, or 0 for the model's default
 * @thinking: whether to send `X-Enable-Thinking: true`
 *
 * The settings of one conversation.
 */
typedef struct
{
  char     *system_prompt;
  double    temperature;
  gint64    max_tokens;
  gboolean  thinking;
} ChutesChatSettings;

#define CHUTES_TYPE_CHAT_SETTINGS (chutes_chat_settings_get_type ())
GType               chutes_chat_settings_get_type (void) G_GNUC_CONST;
/* The defaults: no system prompt, temperature -1, max_tokens 0, no thinking. */
ChutesChatSettings *chutes_chat_settings_new      (void);
ChutesChatSettings *chutes_chat_settings_copy     (const ChutesChatSettings *settings);
void                chutes_chat_settings_free     (ChutesChatSettings       *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesChatSettings, chutes_chat_settings_free)

#define CHUTES_TYPE_HISTORY (chutes_history_get_type ())
G_DECLARE_FINAL_TYPE (ChutesHistory, chutes_history, CHUTES, HISTORY, GObject)

/**
 * ChutesHistory:
 *
 * Every saved conversation, in an SQLite database that only a worker
 * thread touches. Each call below queues a job for that thread and
 * returns at once; jobs run in the order they were queued (so a save
 * queued after an append finds the appended row) and results come back
 * on the main context of the caller. Writes queued together share one
 * transaction.
 *
 * Properties (read-only, notify on change): "path" (string), "notice"
 * (string or NULL: a sentence for the person when the database found at
 * open could not be used and was kept aside; show it as plain text),
 * "kept-aside-path" (string or NULL: where it was kept), "conversations"
 * (GListModel of ChutesChatSummary, newest first).
 *
 * Signal "save-failed" (GError *error): a tracked streaming reply could
 * not be saved; error->message is a sentence to show.
 */

/* $XDG_DATA_HOME/<app id>/history.db */
char               *chutes_history_get_default_path    (void);

/* Starts the worker. @path NULL means chutes_history_get_default_path().
 * Nothing is read until chutes_history_open_async(). */
ChutesHistory      *chutes_history_new                 (const char           *path);

/* Opens the database: creates it (folder 0700, file 0600), migrates an
 * older schema, or keeps aside a file that cannot be used (corrupt, not a
 * database, someone else's, or from a newer version of the app: renamed
 * to "history.db.unreadable-YYYYMMDD-HHMMSS" or ".newer-...", never
 * written to) and starts a fresh one, setting "notice". Then fills
 * "conversations". Jobs queued before it completes run after it; if it
 * fails they fail too. Fails only when not even a fresh database can be
 * made, or for a passing reason (disk full, locked) that is no cause to
 * move the file aside. */
void                chutes_history_open_async          (ChutesHistory        *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean            chutes_history_open_finish         (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Saves what tracked messages hold right now, lets every queued job
 * finish, then closes the database. Blocks: call it when the app quits
 * (GApplication::shutdown). Later calls fail with G_IO_ERROR_CLOSED.
 * Disposing the history closes it too. */
void                chutes_history_close               (ChutesHistory        *self);

const char         *chutes_history_get_path            (ChutesHistory        *self);
const char         *chutes_history_get_notice          (ChutesHistory        *self);
const char         *chutes_history_get_kept_aside_path (ChutesHistory        *self);

/* The conversations, newest first (by the time of their last message):
 * kept up to date as conversations are created, renamed, given a new
 * model, touched (a message appended moves one to the top, in a single
 * items-changed that keeps a GtkSingleSelection on it) or deleted. */
GListModel         *chutes_history_get_conversations   (ChutesHistory        *self);
/* Reads the list of conversations again, for when another process
 * (`chutes-desktop --ask`) changed the database: summaries still there are
 * updated in place and keep their identity. */
void                chutes_history_reload_conversations_async  (ChutesHistory       *self,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
gboolean            chutes_history_reload_conversations_finish (ChutesHistory       *self,
                                                                GAsyncResult        *result,
                                                                GError             **error);
/* The summary of conversation @id, or NULL. */
ChutesChatSummary  *chutes_history_lookup_conversation (ChutesHistory        *self,
                                                        gint64                id);

/* Conversations. Each updates "conversations" before it completes. */
void                chutes_history_create_conversation_async (ChutesHistory      *self,
                                                              const char         *title,
                                                              const char         *model,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
/* Returns the new conversation's summary (also in "conversations"). */
ChutesChatSummary  *chutes_history_create_conversation_finish (ChutesHistory     *self,
                                                               GAsyncResult      *result,
                                                               GError           **error);

void                chutes_history_rename_conversation_async (ChutesHistory      *self,
                                                              gint64              id,
                                                              const char         *title,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
gboolean            chutes_history_rename_conversation_finish (ChutesHistory     *self,
                                                               GAsyncResult      *result,
                                                               GError           **error);

void                chutes_history_set_model_async     (ChutesHistory        *self,
                                                        gint64                id,
                                                        const char           *model,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean            chutes_history_set_model_finish    (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Deletes the conversation and all its messages for good. For undo, delay
 * this call until the toast is dismissed. */
void                chutes_history_delete_conversation_async (ChutesHistory      *self,
                                                              gint64              id,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
gboolean            chutes_history_delete_conversation_finish (ChutesHistory     *self,
                                                               GAsyncResult      *result,
                                                               GError           **error);

void                chutes_history_get_settings_async  (ChutesHistory        *self,
                                                        gint64                id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
ChutesChatSettings *chutes_history_get_settings_finish (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void                chutes_history_set_settings_async  (ChutesHistory            *self,
                                                        gint64                    id,
                                                        const ChutesChatSettings *settings,
                                                        GCancellable             *cancellable,
                                                        GAsyncReadyCallback       callback,
                                                        gpointer                  user_data);
gboolean            chutes_history_set_settings_finish (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Messages. */

/* Every message of conversation @id in order, as new ChutesMessage objects
 * with "id" and "created-at" set, ready for
 * g_list_store_splice (store, 0, 0, array->pdata, array->len). One query on
 * the worker; the objects are made on the main thread in one go. A reply
 * saved while it streamed and never finished (the app was killed) comes
 * back FAILED with an explaining error. */
void                chutes_history_load_messages_async (ChutesHistory        *self,
                                                        gint64                conversation_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
/* Returns a GPtrArray of ChutesMessage (owns its elements). */
GPtrArray          *chutes_history_load_messages_finish (ChutesHistory       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Saves @message at the end of conversation @conversation_id and touches
 * the conversation. When it completes, the message has "id" and
 * "created-at" (a message's created-at already set is kept). Saves and
 * deletes of @message may be queued at once: they run after this. */
void                chutes_history_append_message_async (ChutesHistory       *self,
                                                         gint64               conversation_id,
                                                         ChutesMessage       *message,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            chutes_history_append_message_finish (ChutesHistory      *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

/* Saves the content, reasoning, status, error, model and usage of an
 * appended (or loaded) message. */
void                chutes_history_save_message_async  (ChutesHistory        *self,
                                                        ChutesMessage        *message,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean            chutes_history_save_message_finish (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Deletes one appended (or loaded) message; it gets "id" 0. */
void                chutes_history_delete_message_async (ChutesHistory       *self,
                                                         ChutesMessage       *message,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            chutes_history_delete_message_finish (ChutesHistory      *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

/* Deletes @message and every message after it in its conversation (for
 * "edit and resend" and "regenerate"). @message gets "id" 0 and can be
 * appended again; drop the objects of the messages after it. */
void                chutes_history_delete_messages_from_async (ChutesHistory      *self,
                                                               ChutesMessage      *message,
                                                               GCancellable       *cancellable,
                                                               GAsyncReadyCallback callback,
                                                               gpointer            user_data);
gboolean            chutes_history_delete_messages_from_finish (ChutesHistory     *self,
                                                                GAsyncResult      *result,
                                                                GError           **error);

/* Watches an appended (or append-queued) message while it streams: saves
 * it at most every 500 ms while it changes, and at once when its status
 * becomes COMPLETE, STOPPED or FAILED, after which tracking ends (set the
 * usage and error before the final status). Tracking a tracked message
 * does nothing. A save that fails emits ::save-failed. */
void                chutes_history_track_message       (ChutesHistory        *self,
                                                        ChutesMessage        *message);

/* Spending. */

typedef struct
{
  char   *model;        /* "" when the reply did not say */
  double  usd;
  guint   n_replies;
} ChutesModelSpending;

typedef struct
{
  guint      n_days;
  double    *days;      /* US dollars each day, days[0] the first */
  GPtrArray *models;    /* of ChutesModelSpending, most spent first */
  double     total;
  guint      n_replies; /* with a known cost */
} ChutesSpending;

void                chutes_spending_free               (ChutesSpending       *spending);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesSpending, chutes_spending_free)

/* What the replies with a known cost (prices saved with them) cost on
 * each of the @n_days local calendar days from @first_day (a local
 * midnight) on, and per model over those days. */
void                chutes_history_get_spending_async  (ChutesHistory        *self,
                                                        GDateTime            *first_day,
                                                        guint                 n_days,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
ChutesSpending     *chutes_history_get_spending_finish (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* Search. */

/* Finds messages of every conversation holding each word of @text, a word
 * matching any word it begins (so "gno sh" finds "GNOME Shell"), case and
 * accents ignored. Anything a person types is safe: quotes, *, -, OR,
 * NEAR( are words to find, never query syntax. Returns at most
 * CHUTES_HISTORY_MAX_HITS, newest first. Text with no word in it finds
 * nothing. */
void                chutes_history_search_async        (ChutesHistory        *self,
                                                        const char           *text,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
/* The same words, but only the newest hit of each conversation, for at
 * most @max_conversations conversations (and CHUTES_HISTORY_MAX_HITS),
 * newest first, among the newest CHUTES_HISTORY_MAX_SCANNED_HITS hits:
 * what GNOME Shell's search shows. Finish with
 * chutes_history_search_finish(). */
void                chutes_history_search_conversations_async (ChutesHistory       *self,
                                                               const char          *text,
                                                               guint                max_conversations,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
/* The same, only in the conversations @conversation_ids (the newest hit
 * of each that has one). Finish with chutes_history_search_finish(). */
void                chutes_history_search_in_conversations_async (ChutesHistory       *self,
                                                                  const char          *text,
                                                                  const gint64        *conversation_ids,
                                                                  guint                n_ids,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
/* Returns a GListModel of ChutesSearchHit. */
GListModel         *chutes_history_search_finish       (ChutesHistory        *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
