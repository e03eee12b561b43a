/* chutes-token-store-private.h: what the token store's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsecret/secret.h>

#include "chutes-token-store.h"

G_BEGIN_DECLS

/* The schema of our items. @flags is SECRET_SCHEMA_NONE to match our
 * schema name too, SECRET_SCHEMA_DONT_MATCH_NAME to find items whose name
 * is hidden (see chutes-token-store-errors.c). */
#define CHUTES_TOKEN_STORE_SCHEMA(flags) \
  { \
    "ai.chutes.Desktop.Secret", (flags), \
    { \
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { "idp", SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { "client-id", SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING }, \
      { NULL, 0 }, \
    } \
  }

/* One keyring call: libsecret gets a cancellable of its own, cancelled
 * when the caller's is or when the timeout fires, so a prompt nobody
 * answers cannot hang the application. Both are chained through GSources,
 * so nothing ever runs inside g_cancellable_cancel(). */
typedef enum
{
  CHUTES_KEYRING_STORE,
  CHUTES_KEYRING_LOOKUP_SESSION,
  CHUTES_KEYRING_LOOKUP_CLIENT_SECRET,
  CHUTES_KEYRING_LOOKUP_REVOCATIONS,
  CHUTES_KEYRING_CLEAR,
  CHUTES_KEYRING_LIST_ACCOUNTS,
} ChutesKeyringOperation;

typedef struct
{
  ChutesKeyringOperation  operation;
  GCancellable           *cancellable;
  GSource                *caller_source;
  GSource                *timeout_source;
  GHashTable             *attributes;
  char                   *label;     /* CHUTES_KEYRING_STORE */
  char                   *password;  /* CHUTES_KEYRING_STORE, wiped when freed */
  gboolean                abandoned; /* completed without libsecret; see give_up() */
} ChutesKeyringCall;

/* The task data of every keyring task. */
static inline ChutesKeyringCall *
chutes_token_store_task_get_call (GTask *task)
{
  return g_task_get_task_data (task);
}

/* TRUE when the task completed without waiting for libsecret, whose
 * callbacks then only let go of it. */
static inline gboolean
chutes_token_store_task_abandoned (GTask *task)
{
  return chutes_token_store_task_get_call (task)->abandoned;
}

/* chutes-token-store-errors.c */

/* Completes @task with CHUTES_ERROR_KEYRING_LOCKED or _UNAVAILABLE for
 * @error (taken), or with G_IO_ERROR_CANCELLED when the caller cancelled. */
void chutes_token_store_task_return_error  (GTask  *task,
                                            GError *error);
/* After libsecret found nothing: completes @task (taken) with "nothing
 * there" (NULL, or TRUE for a clear), or as locked when a matching item is
 * in a collection that stayed locked. */
void chutes_token_store_task_probe_locked  (GTask  *task);

G_END_DECLS
