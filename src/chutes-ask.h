/* chutes-ask.h: `chutes-desktop --ask`, one question from the terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Exit statuses of --ask and --list-models. 1 is left to GApplication,
 * which returns it for a command line it cannot parse. */
typedef enum
{
  CHUTES_ASK_EXIT_OK            = 0,
  CHUTES_ASK_EXIT_USAGE         = 2,   /* bad options, empty prompt, unknown model */
  CHUTES_ASK_EXIT_NOT_SIGNED_IN = 3,
  CHUTES_ASK_EXIT_NETWORK       = 4,   /* Chutes could not be reached */
  CHUTES_ASK_EXIT_SERVER        = 5,   /* Chutes answered with an error */
  CHUTES_ASK_EXIT_QUOTA         = 6,   /* quota used up, or rate-limited */
  CHUTES_ASK_EXIT_INTERRUPTED   = 130, /* Ctrl+C: what arrived is kept */
} ChutesAskExit;

/* Piped text beyond this is cut off (and the person told). */
#define CHUTES_ASK_MAX_STDIN (10 * 1024 * 1024)

/* The running window is told the history changed through this app action
 * (org.gtk.Actions.Activate on the application's object path). */
#define CHUTES_ASK_HISTORY_CHANGED_ACTION "history-changed"

/* Adds --ask, --model, --continue and --list-models to @application's
 * options. */
void  chutes_ask_add_options     (GApplication *application);
/* The exit statuses, for the end of --help (translated). */
const char *chutes_ask_get_help  (void);

/* From handle_local_options: when @options hold any of ours, does the work
 * in this process (never registering it, never opening a window) and
 * returns the exit status; -1 otherwise. */
int   chutes_ask_handle_options  (GVariantDict *options);

G_END_DECLS
