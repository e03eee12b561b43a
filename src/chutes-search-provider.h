/* chutes-search-provider.h: the GNOME Shell search provider, over D-Bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "chutes-history.h"

G_BEGIN_DECLS

/* At most this many results are returned for a search. */
#define CHUTES_SEARCH_PROVIDER_MAX_RESULTS 20
/* A result's description is at most this many characters (with "…"). */
#define CHUTES_SEARCH_PROVIDER_MAX_DESCRIPTION 100

#define CHUTES_TYPE_SEARCH_PROVIDER (chutes_search_provider_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSearchProvider, chutes_search_provider, CHUTES, SEARCH_PROVIDER, GObject)

/**
 * ChutesSearchProvider:
 *
 * org.gnome.Shell.SearchProvider2 for the conversations of one
 * ChutesHistory (the active account's): a result is a conversation whose
 * title holds every word typed, or which has a message found by
 * chutes_history_search_async() (the index of the app's own search).
 * Every method answers from the history's callback, so the main context
 * is never blocked. A result ID is "CONVERSATION:MESSAGE" (MESSAGE 0 for
 * a match of the title only).
 *
 * Properties: "history" (ChutesHistory or NULL: then nothing is found),
 * "enabled" (boolean, default TRUE: FALSE makes every result set empty),
 * "application" (GApplication or NULL: held while a call is answered, so
 * that a service-started instance stays while it is used).
 *
 * Signals: "activate-result" (gint64 conversation_id, gint64 message_id,
 * guint timestamp): the person chose a result; open the conversation and
 * scroll to the message (0: none). "launch-search" (const char *text,
 * guint timestamp): open the app's own search with @text.
 */

ChutesSearchProvider *chutes_search_provider_new          (ChutesHistory        *history);

ChutesHistory        *chutes_search_provider_get_history  (ChutesSearchProvider *self);
void                  chutes_search_provider_set_history  (ChutesSearchProvider *self,
                                                           ChutesHistory        *history);
gboolean              chutes_search_provider_get_enabled  (ChutesSearchProvider *self);
void                  chutes_search_provider_set_enabled  (ChutesSearchProvider *self,
                                                           gboolean              enabled);
void                  chutes_search_provider_set_application (ChutesSearchProvider *self,
                                                              GApplication         *application);

/* Exports the interface at @object_path on @connection. One export at a
 * time; chutes_search_provider_unexport() (or disposing) removes it. */
gboolean              chutes_search_provider_export       (ChutesSearchProvider *self,
                                                           GDBusConnection      *connection,
                                                           const char           *object_path,
                                                           GError              **error);
void                  chutes_search_provider_unexport     (ChutesSearchProvider *self);

/* For tests: the "description" of a result from a hit's snippet: one line
 * of plain text (control characters become spaces), at most
 * CHUTES_SEARCH_PROVIDER_MAX_DESCRIPTION characters, "…" where cut. */
char                 *chutes_search_provider_make_description (const char *snippet);

/* For tests: whether every word of @terms begins a word of @title, case
 * and accents ignored. No word in @terms matches nothing. */
gboolean              chutes_search_provider_title_matches    (const char        *title,
                                                               const char *const *terms);

G_END_DECLS
