/* chutes-token-store.c: sessions and client secrets in the system keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "chutes-config.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-json.h"
#include "chutes-token-store-private.h"
#include "chutes-util.h"

#define KIND_SESSION       "session"
#define KIND_CLIENT_SECRET "client-secret"
#define KIND_REVOCATIONS   "pending-revocation"
/* The same, for one account of several (attribute "account": its user
 * ID). Kinds of their own: libsecret matches items whose attributes
 * include those asked for, so a lookup of a single-account item (no
 * "account") would find these too. */
#define KIND_ACCOUNT_SESSION     "account-session"
#define KIND_ACCOUNT_REVOCATIONS "account-revocation"

static const SecretSchema item_schema = CHUTES_TOKEN_STORE_SCHEMA (SECRET_SCHEMA_NONE);

struct _ChutesTokenStore
{
  GObject  parent_instance;

  char    *idp_base_url;
  guint    timeout;

  /* Sessions and pending revocations are those of the account @account
   * (NULL until known: a sign-in in progress), else the single-account
   * items of older versions. */
  gboolean per_account;
  char    *account;
};

G_DEFINE_FINAL_TYPE (ChutesTokenStore, chutes_token_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IDP_BASE_URL,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
keyring_call_free (ChutesKeyringCall *call)
{
  if (call->caller_source != NULL)
    g_source_destroy (call->caller_source);
  g_clear_pointer (&call->caller_source, g_source_unref);
  if (call->timeout_source != NULL)
    g_source_destroy (call->timeout_source);
  g_clear_pointer (&call->timeout_source, g_source_unref);
  g_clear_object (&call->cancellable);
  g_clear_pointer (&call->attributes, g_hash_table_unref);
  g_clear_pointer (&call->label, g_free);
  g_clear_pointer (&call->password, chutes_secret_free);
  g_free (call);
}

/* libsecret before 0.21.0 deadlocks when a call is cancelled while its
 * file backend waits for the Secret portal (libsecret issue 86, fixed by
 * its commit 0e205fc): the backend inside Flatpak and Snap, chosen on
 * libsecret's own test. There a call is given up on instead: the caller
 * hears at once, and libsecret's answer, if it ever comes, is dropped. */
static gboolean
cancelling_is_safe (void)
{
#if SECRET_CHECK_VERSION (0, 21, 0)
  return TRUE;
#else
  return !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) && g_getenv ("SNAP_NAME") == NULL;
#endif
}

static void
give_up (GTask        *task,
         GIOErrorEnum  code,
         const char   *message)
{
  ChutesKeyringCall *call = chutes_token_store_task_get_call (task);

  if (call->abandoned || g_task_get_completed (task))
    return;

  if (cancelling_is_safe ())
    {
      g_cancellable_cancel (call->cancellable);
      return;
    }

  call->abandoned = TRUE;
  chutes_token_store_task_return_error (task, g_error_new_literal (G_IO_ERROR, code, message));
}

static gboolean
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  give_up (user_data, G_IO_ERROR_CANCELLED, "Cancelled by the caller");

  return G_SOURCE_REMOVE;
}

static gboolean
on_keyring_timeout (gpointer user_data)
{
  g_debug ("A keyring call got no answer in time; giving up");
  give_up (user_data, G_IO_ERROR_TIMED_OUT, "The keyring did not answer in time");

  return G_SOURCE_REMOVE;
}

/* Creates the task and its ChutesKeyringCall, or returns NULL after
 * completing the task at once when the caller has already cancelled. */
static GTask *
keyring_task_new (ChutesTokenStore       *self,
                  ChutesKeyringOperation  operation,
                  const char             *kind,
                  const char             *client_id,
                  GCancellable           *cancellable,
                  GAsyncReadyCallback     callback,
                  gpointer                user_data,
                  gpointer                source_tag)
{
  g_autoptr(GTask) task = NULL;
  ChutesKeyringCall *call;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (g_task_return_error_if_cancelled (task))
    return NULL;

  call = g_new0 (ChutesKeyringCall, 1);
  call->operation = operation;
  call->cancellable = g_cancellable_new ();
  call->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  if (self->per_account && g_strcmp0 (kind, KIND_SESSION) == 0)
    kind = KIND_ACCOUNT_SESSION;
  else if (self->per_account && g_strcmp0 (kind, KIND_REVOCATIONS) == 0)
    kind = KIND_ACCOUNT_REVOCATIONS;
  if (kind != NULL)
    g_hash_table_insert (call->attributes, (gpointer) "kind", g_strdup (kind));
  /* An account not known yet has nothing stored: "" matches no item. */
  if (g_strcmp0 (kind, KIND_ACCOUNT_SESSION) == 0 || g_strcmp0 (kind, KIND_ACCOUNT_REVOCATIONS) == 0)
    g_hash_table_insert (call->attributes, (gpointer) "account",
                         g_strdup (self->account != NULL ? self->account : ""));
  g_hash_table_insert (call->attributes, (gpointer) "idp", g_strdup (self->idp_base_url));
  g_hash_table_insert (call->attributes, (gpointer) "client-id", g_strdup (client_id));
  g_task_set_task_data (task, call, (GDestroyNotify) keyring_call_free);

  /* Both sources hold @task unowned: they go with its data. */
  if (cancellable != NULL)
    {
      call->caller_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->caller_source, G_SOURCE_FUNC (on_caller_cancelled), task, NULL);
      g_source_attach (call->caller_source, g_task_get_context (task));
    }

  call->timeout_source = g_timeout_source_new (CLAMP (self->timeout, 1, G_MAXUINT / 1000) * 1000);
  g_source_set_callback (call->timeout_source, on_keyring_timeout, task, NULL);
  g_source_attach (call->timeout_source, g_task_get_context (task));

  return g_steal_pointer (&task);
}

/* The session as stored: a small JSON object. json-glib keeps copies of
 * the strings in its nodes; we overwrite them before letting go. */
static void
wipe_object_strings (JsonObject *object)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          char *str = (char *) json_node_get_string (node);

          if (str != NULL)
            explicit_bzero (str, strlen (str));
        }
    }
}

static char *
session_to_json (const ChutesTokens *tokens)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *json;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, tokens->access_token);
  json_builder_set_member_name (builder, "refresh_token");
  if (tokens->refresh_token != NULL)
    json_builder_add_string_value (builder, tokens->refresh_token);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, tokens->expires_at);
  json_builder_set_member_name (builder, "issued_at");
  json_builder_add_int_value (builder, tokens->issued_at);
  json_builder_set_member_name (builder, "username");
  if (tokens->username != NULL)
    json_builder_add_string_value (builder, tokens->username);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "user_id");
  if (tokens->user_id != NULL)
    json_builder_add_string_value (builder, tokens->user_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "scope");
  if (tokens->scope != NULL)
    json_builder_add_string_value (builder, tokens->scope);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);

  /* Builder, generator and root share the one JsonObject. */
  wipe_object_strings (json_node_get_object (root));

  return json;
}

/* A string member, or NULL when absent or null. FALSE when it has another
 * type. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *name,
                     const char **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  *value = json_node_get_string (node);

  return TRUE;
}

static ChutesTokens *
session_from_json (const char *json)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonNode *expires_node;
  JsonNode *issued_node;
  const char *access_token = NULL;
  const char *refresh_token = NULL;
  const char *username = NULL;
  const char *scope = NULL;
  const char *user_id = NULL;
  ChutesTokens *tokens = NULL;

  /* What the keyring holds came from us, but anything may have written it. */
  root = chutes_json_parse (json, strlen (json), CHUTES_JSON_MAX_STORED, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  expires_node = json_object_get_member (object, "expires_at");
  issued_node = json_object_get_member (object, "issued_at");

  if (get_optional_string (object, "access_token", &access_token) &&
      get_optional_string (object, "refresh_token", &refresh_token) &&
      get_optional_string (object, "username", &username) &&
      get_optional_string (object, "scope", &scope) &&
      get_optional_string (object, "user_id", &user_id) &&
      access_token != NULL && *access_token != '\0' &&
      expires_node != NULL && JSON_NODE_HOLDS_VALUE (expires_node) &&
      json_node_get_value_type (expires_node) == G_TYPE_INT64)
    tokens = chutes_tokens_new (access_token,
                                (refresh_token != NULL && *refresh_token != '\0')
                                  ? refresh_token : NULL,
                                json_node_get_int (expires_node),
                                scope,
                                username);

  /* Absent in sessions stored by older versions: unknown. */
  if (tokens != NULL)
    tokens->user_id = g_strdup (user_id);
  if (tokens != NULL)
    tokens->issued_at = (issued_node != NULL && JSON_NODE_HOLDS_VALUE (issued_node)
                         && json_node_get_value_type (issued_node) == G_TYPE_INT64)
                        ? json_node_get_int (issued_node) : 0;

  wipe_object_strings (object);

  return tokens;
}

/* Tokens still to be revoked. */
ChutesRevocation *
chutes_revocation_new (const char *token,
                       const char *hint)
{
  ChutesRevocation *revocation;

  g_return_val_if_fail (token != NULL, NULL);

  revocation = g_new0 (ChutesRevocation, 1);
  revocation->token = g_strdup (token);
  revocation->hint = g_strdup (hint);
  revocation->since = g_get_real_time () / G_USEC_PER_SEC;

  return revocation;
}

ChutesRevocation *
chutes_revocation_copy (const ChutesRevocation *revocation)
{
  ChutesRevocation *copy;

  g_return_val_if_fail (revocation != NULL, NULL);

  copy = chutes_revocation_new (revocation->token, revocation->hint);
  copy->attempts = revocation->attempts;
  copy->since = revocation->since;

  return copy;
}

void
chutes_revocation_free (ChutesRevocation *revocation)
{
  if (revocation == NULL)
    return;

  chutes_secret_free (revocation->token);
  g_free (revocation->hint);
  g_free (revocation);
}

/* {"revoke": [{"token", "token_type_hint", "attempts", "since"}, ...]} */
static char *
revocations_to_json (GPtrArray *revocations)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;
  char *json;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "revoke");
  json_builder_begin_array (builder);
  for (guint i = 0; i < revocations->len; i++)
    {
      const ChutesRevocation *revocation = g_ptr_array_index (revocations, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, revocation->token);
      json_builder_set_member_name (builder, "token_type_hint");
      if (revocation->hint != NULL)
        json_builder_add_string_value (builder, revocation->hint);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "attempts");
      json_builder_add_int_value (builder, revocation->attempts);
      json_builder_set_member_name (builder, "since");
      json_builder_add_int_value (builder, revocation->since);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);

  array = json_object_get_array_member (json_node_get_object (root), "revoke");
  for (guint i = 0; i < json_array_get_length (array); i++)
    wipe_object_strings (json_array_get_object_element (array, i));

  return json;
}

static gint64
get_int_or (JsonObject *object,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;

  return json_node_get_int (node);
}

/* What can be read; entries that cannot be are skipped. */
static GPtrArray *
revocations_from_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *revocations = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);
  JsonNode *root;
  JsonNode *list;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, json, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root)
      || (list = json_object_get_member (json_node_get_object (root), "revoke")) == NULL
      || !JSON_NODE_HOLDS_ARRAY (list))
    return revocations;

  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *object;
      const char *token = NULL;
      const char *hint = NULL;
      ChutesRevocation *revocation;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;

      object = json_node_get_object (element);
      if (get_optional_string (object, "token", &token) &&
          get_optional_string (object, "token_type_hint", &hint) &&
          token != NULL && *token != '\0')
        {
          revocation = chutes_revocation_new (token, hint);
          revocation->attempts = (guint) CLAMP (get_int_or (object, "attempts", 0), 0, G_MAXUINT);
          revocation->since = get_int_or (object, "since", revocation->since);
          g_ptr_array_add (revocations, revocation);
        }

      wipe_object_strings (object);
    }

  return revocations;
}

/* Completions of the libsecret calls. */
static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (chutes_token_store_task_abandoned (task))
    return;

  if (!secret_password_store_finish (result, &error))
    chutes_token_store_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Removing nothing is a success too, unless something locked is left. */
static void
on_password_cleared (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (chutes_token_store_task_abandoned (task))
    return;

  secret_password_clear_finish (result, &error);

  if (error != NULL)
    chutes_token_store_task_return_error (task, g_steal_pointer (&error));
  else
    chutes_token_store_task_probe_locked (g_steal_pointer (&task));
}

static void
on_malformed_session_cleared (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (chutes_token_store_task_abandoned (task))
    return;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_debug ("Could not remove the unreadable session: %s", error->message);

  g_task_return_pointer (task, NULL, NULL);
}

/* A stored value we cannot read is removed and treated as nothing stored. */
static void
on_session_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  ChutesKeyringCall *call = chutes_token_store_task_get_call (task);
  ChutesTokens *tokens;
  char *secret;

  if (chutes_token_store_task_abandoned (task))
    return;

  secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (secret == NULL)
    {
      chutes_token_store_task_probe_locked (g_steal_pointer (&task));
      return;
    }

  tokens = session_from_json (secret);
  secret_password_free (secret);

  if (tokens == NULL)
    {
      g_debug ("The stored Chutes session cannot be read; removing it");
      secret_password_clearv (&item_schema,
                              call->attributes,
                              call->cancellable,
                              on_malformed_session_cleared,
                              g_steal_pointer (&task));
      return;
    }

  g_task_return_pointer (task, tokens, (GDestroyNotify) chutes_tokens_free);
}

static void
on_client_secret_looked_up (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  if (chutes_token_store_task_abandoned (task))
    return;

  secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (secret == NULL)
    {
      chutes_token_store_task_probe_locked (g_steal_pointer (&task));
      return;
    }

  if (*secret == '\0')
    {
      secret_password_free (secret);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* Handed over in memory the caller frees with chutes_secret_free(). */
  g_task_return_pointer (task, g_strdup (secret), (GDestroyNotify) chutes_secret_free);
  secret_password_free (secret);
}

static void
on_revocations_looked_up (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (secret == NULL)
    {
      chutes_token_store_task_probe_locked (g_steal_pointer (&task));
      return;
    }

  g_task_return_pointer (task, revocations_from_json (secret), (GDestroyNotify) g_ptr_array_unref);
  secret_password_free (secret);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
on_accounts_searched (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GList *items;

  if (chutes_token_store_task_abandoned (task))
    return;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      chutes_token_store_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (const GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (l->data);
      const char *kind = g_hash_table_lookup (attributes, "kind");
      const char *account = g_hash_table_lookup (attributes, "account");

      if ((g_strcmp0 (kind, KIND_ACCOUNT_SESSION) == 0
           || g_strcmp0 (kind, KIND_ACCOUNT_REVOCATIONS) == 0)
          && account != NULL && *account != '\0'
          && !g_ptr_array_find_with_equal_func (ids, account, g_str_equal, NULL))
        g_ptr_array_add (ids, g_strdup (account));
    }
  g_list_free_full (items, g_object_unref);

  g_ptr_array_sort (ids, compare_ids);
  g_ptr_array_add (ids, NULL);
  g_task_return_pointer (task, g_ptr_array_free (g_steal_pointer (&ids), FALSE),
                         (GDestroyNotify) g_strfreev);
}

static void
keyring_call_run (GTask *task)
{
  ChutesKeyringCall *call = chutes_token_store_task_get_call (task);

  switch (call->operation)
    {
    case CHUTES_KEYRING_STORE:
      secret_password_storev (&item_schema, call->attributes, SECRET_COLLECTION_DEFAULT,
                              call->label, call->password,
                              call->cancellable, on_password_stored, task);
      /* libsecret has copied it into its own secure memory. */
      g_clear_pointer (&call->password, chutes_secret_free);
      break;

    case CHUTES_KEYRING_LOOKUP_SESSION:
      secret_password_lookupv (&item_schema, call->attributes,
                               call->cancellable, on_session_looked_up, task);
      break;

    case CHUTES_KEYRING_LOOKUP_CLIENT_SECRET:
      secret_password_lookupv (&item_schema, call->attributes,
                               call->cancellable, on_client_secret_looked_up, task);
      break;

    case CHUTES_KEYRING_LOOKUP_REVOCATIONS:
      secret_password_lookupv (&item_schema, call->attributes,
                               call->cancellable, on_revocations_looked_up, task);
      break;

    case CHUTES_KEYRING_CLEAR:
      secret_password_clearv (&item_schema, call->attributes,
                              call->cancellable, on_password_cleared, task);
      break;

    case CHUTES_KEYRING_LIST_ACCOUNTS:
      secret_password_searchv (&item_schema, call->attributes, SECRET_SEARCH_ALL,
                               call->cancellable, on_accounts_searched, task);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* libsecret talks to the keyring (or the Secret portal) over the session
 * bus. GIO shares that connection process-wide and keeps the outcome of its
 * first connection attempt for good, even a cancel; so the bus is reached
 * without a cancellable first, and only the libsecret call itself gets
 * ours. (Within the application the bus is long connected anyway.) */
static void
on_session_bus_ready (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  ChutesKeyringCall *call = chutes_token_store_task_get_call (task);
  g_autoptr(GDBusConnection) bus = NULL;
  GError *error = NULL;

  if (chutes_token_store_task_abandoned (task))
    {
      g_object_unref (task);
      return;
    }

  bus = g_bus_get_finish (result, &error);

  if (bus == NULL || g_cancellable_set_error_if_cancelled (call->cancellable, &error))
    {
      chutes_token_store_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  keyring_call_run (task);
}

static void
keyring_task_start (GTask *task)
{
  g_bus_get (G_BUS_TYPE_SESSION, NULL, on_session_bus_ready, task);
}

/* The public calls. */
void
chutes_token_store_save_session_async (ChutesTokenStore    *self,
                                       const char          *client_id,
                                       const ChutesTokens  *tokens,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autofree char *host = NULL;
  ChutesKeyringCall *call;
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (tokens != NULL && tokens->access_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_STORE, KIND_SESSION, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_save_session_async);
  if (task == NULL)
    return;

  call = chutes_token_store_task_get_call (task);
  host = chutes_http_dup_host (self->idp_base_url);
  if (tokens->username != NULL)
    /* Translators: the label of the keyring item, as seen in Passwords and
     * Keys (Seahorse). The first %s is a username, the second a host name. */
    call->label = g_strdup_printf (_("Chutes sign-in for %s (%s)"), tokens->username, host);
  else
    /* Translators: the label of the keyring item; %s is a host name. */
    call->label = g_strdup_printf (_("Chutes sign-in (%s)"), host);
  call->password = session_to_json (tokens);

  keyring_task_start (task);
}

gboolean
chutes_token_store_save_session_finish (ChutesTokenStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_token_store_load_session_async (ChutesTokenStore    *self,
                                       const char          *client_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_LOOKUP_SESSION, KIND_SESSION, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_load_session_async);
  if (task != NULL)
    keyring_task_start (task);
}

ChutesTokens *
chutes_token_store_load_session_finish (ChutesTokenStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
chutes_token_store_clear_session_async (ChutesTokenStore    *self,
                                        const char          *client_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_CLEAR, KIND_SESSION, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_clear_session_async);
  if (task != NULL)
    keyring_task_start (task);
}

gboolean
chutes_token_store_clear_session_finish (ChutesTokenStore  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_token_store_save_revocations_async (ChutesTokenStore    *self,
                                           const char          *client_id,
                                           GPtrArray           *revocations,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autofree char *host = NULL;
  ChutesKeyringCall *call;
  GTask *task;
  gboolean clear;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (revocations != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  clear = revocations->len == 0;
  task = keyring_task_new (self, clear ? CHUTES_KEYRING_CLEAR : CHUTES_KEYRING_STORE,
                           KIND_REVOCATIONS, client_id, cancellable, callback, user_data,
                           chutes_token_store_save_revocations_async);
  if (task == NULL)
    return;

  if (!clear)
    {
      call = chutes_token_store_task_get_call (task);
      host = chutes_http_dup_host (self->idp_base_url);
      /* Translators: the label of the keyring item; %s is a host name. */
      call->label = g_strdup_printf (_("Chutes sign-out still to finish (%s)"), host);
      call->password = revocations_to_json (revocations);
    }

  keyring_task_start (task);
}

gboolean
chutes_token_store_save_revocations_finish (ChutesTokenStore  *self,
                                            GAsyncResult      *result,
                                            GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_token_store_load_revocations_async (ChutesTokenStore    *self,
                                           const char          *client_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_LOOKUP_REVOCATIONS, KIND_REVOCATIONS, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_load_revocations_async);
  if (task != NULL)
    keyring_task_start (task);
}

GPtrArray *
chutes_token_store_load_revocations_finish (ChutesTokenStore  *self,
                                            GAsyncResult      *result,
                                            GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  GPtrArray *revocations;

  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  revocations = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (revocations == NULL)
    revocations = g_ptr_array_new_with_free_func ((GDestroyNotify) chutes_revocation_free);

  return revocations;
}

void
chutes_token_store_save_client_secret_async (ChutesTokenStore    *self,
                                             const char          *client_id,
                                             const char          *client_secret,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autofree char *host = NULL;
  ChutesKeyringCall *call;
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_STORE, KIND_CLIENT_SECRET, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_save_client_secret_async);
  if (task == NULL)
    return;

  call = chutes_token_store_task_get_call (task);
  host = chutes_http_dup_host (self->idp_base_url);
  /* Translators: the label of the keyring item; %s is a host name. */
  call->label = g_strdup_printf (_("Chutes OAuth client secret (%s)"), host);
  call->password = g_strdup (client_secret);

  keyring_task_start (task);
}

gboolean
chutes_token_store_save_client_secret_finish (ChutesTokenStore  *self,
                                              GAsyncResult      *result,
                                              GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_token_store_load_client_secret_async (ChutesTokenStore    *self,
                                             const char          *client_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_LOOKUP_CLIENT_SECRET, KIND_CLIENT_SECRET, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_load_client_secret_async);
  if (task != NULL)
    keyring_task_start (task);
}

char *
chutes_token_store_load_client_secret_finish (ChutesTokenStore  *self,
                                              GAsyncResult      *result,
                                              GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
chutes_token_store_clear_client_secret_async (ChutesTokenStore    *self,
                                              const char          *client_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_CLEAR, KIND_CLIENT_SECRET, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_clear_client_secret_async);
  if (task != NULL)
    keyring_task_start (task);
}

gboolean
chutes_token_store_clear_client_secret_finish (ChutesTokenStore  *self,
                                               GAsyncResult      *result,
                                               GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_token_store_list_accounts_async (ChutesTokenStore    *self,
                                        const char          *client_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = keyring_task_new (self, CHUTES_KEYRING_LIST_ACCOUNTS, NULL, client_id,
                           cancellable, callback, user_data,
                           chutes_token_store_list_accounts_async);
  if (task != NULL)
    keyring_task_start (task);
}

char **
chutes_token_store_list_accounts_finish (ChutesTokenStore  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The object itself. */
void
chutes_token_store_set_account (ChutesTokenStore *self,
                                const char       *user_id)
{
  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (self->per_account);

  chutes_set_str (&self->account, user_id);
}

const char *
chutes_token_store_get_account (ChutesTokenStore *self)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), NULL);

  return self->account;
}

gboolean
chutes_token_store_is_per_account (ChutesTokenStore *self)
{
  g_return_val_if_fail (CHUTES_IS_TOKEN_STORE (self), FALSE);

  return self->per_account;
}

void
chutes_token_store_set_timeout (ChutesTokenStore *self,
                                guint             seconds)
{
  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));
  g_return_if_fail (seconds > 0);

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

void
chutes_token_store_set_idp_base_url (ChutesTokenStore *self,
                                     const char       *idp_base_url)
{
  g_autofree char *normalized = NULL;
  gsize len;

  g_return_if_fail (CHUTES_IS_TOKEN_STORE (self));

  /* The attribute must not depend on how the URL was spelled. */
  normalized = g_strdup (idp_base_url != NULL ? idp_base_url : CHUTES_DEFAULT_IDP_BASE_URL);
  g_strstrip (normalized);
  len = strlen (normalized);
  while (len > 0 && normalized[len - 1] == '/')
    normalized[--len] = '\0';

  if (chutes_set_str (&self->idp_base_url, normalized))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDP_BASE_URL]);
}

static void
chutes_token_store_finalize (GObject *object)
{
  ChutesTokenStore *self = CHUTES_TOKEN_STORE (object);

  g_clear_pointer (&self->idp_base_url, g_free);
  g_clear_pointer (&self->account, g_free);

  G_OBJECT_CLASS (chutes_token_store_parent_class)->finalize (object);
}

static void
chutes_token_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChutesTokenStore *self = CHUTES_TOKEN_STORE (object);

  switch (prop_id)
    {
    case PROP_IDP_BASE_URL:
      g_value_set_string (value, self->idp_base_url);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_token_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChutesTokenStore *self = CHUTES_TOKEN_STORE (object);

  switch (prop_id)
    {
    case PROP_IDP_BASE_URL:
      chutes_token_store_set_idp_base_url (self, g_value_get_string (value));
      break;

    case PROP_TIMEOUT:
      chutes_token_store_set_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_token_store_class_init (ChutesTokenStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chutes_token_store_finalize;
  object_class->get_property = chutes_token_store_get_property;
  object_class->set_property = chutes_token_store_set_property;

  properties[PROP_IDP_BASE_URL] =
    g_param_spec_string ("idp-base-url", NULL, NULL,
                         CHUTES_DEFAULT_IDP_BASE_URL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT, CHUTES_TOKEN_STORE_DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_token_store_init (ChutesTokenStore *self)
{
  self->timeout = CHUTES_TOKEN_STORE_DEFAULT_TIMEOUT;
}

ChutesTokenStore *
chutes_token_store_new (const char *idp_base_url)
{
  g_return_val_if_fail (idp_base_url != NULL, NULL);

  return g_object_new (CHUTES_TYPE_TOKEN_STORE,
                       "idp-base-url", idp_base_url,
                       NULL);
}

ChutesTokenStore *
chutes_token_store_new_for_account (const char *idp_base_url,
                                    const char *user_id)
{
  ChutesTokenStore *self;

  g_return_val_if_fail (idp_base_url != NULL, NULL);

  self = chutes_token_store_new (idp_base_url);
  self->per_account = TRUE;
  self->account = g_strdup (user_id);

  return self;
}
