/* mock-chutes.h: shared state and helpers of the mock Chutes server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The counters GET /_mock/stats reports, in that order. */
#define MOCK_STATS(X)          \
  X (authorize_requests)       \
  X (consent_allowed)          \
  X (consent_denied)           \
  X (token_requests)           \
  X (token_code_exchanges)     \
  X (token_code_failures)      \
  X (token_refreshes)          \
  X (token_refresh_failures)   \
  X (refresh_reuse)            \
  X (revocations)              \
  X (revocation_failures)      \
  X (introspections)           \
  X (userinfo_requests)        \
  X (chat_requests)            \
  X (chat_streams)             \
  X (chat_streams_completed)   \
  X (models_requests)          \
  X (apps_registered)          \
  X (failures_injected)

typedef struct
{
#define MOCK_STAT_FIELD(name) gint64 name;
  MOCK_STATS (MOCK_STAT_FIELD)
#undef MOCK_STAT_FIELD
} MockStats;

typedef struct
{
  char  *client_id;
  char  *client_secret;
  char  *name;
  GStrv  redirect_uris;
  GStrv  allowed_scopes;
} MockClient;

typedef enum
{
  MOCK_TOKEN_ACCESS,
  MOCK_TOKEN_REFRESH,
} MockTokenKind;

typedef struct
{
  MockTokenKind  kind;
  char          *token;
  char          *pair;        /* the other token issued with this one */
  char          *client_id;
  char          *scope;
  char          *username;
  gint64         issued_at;   /* µs, real time */
  gint64         expires_at;  /* µs, real time */
  gboolean       revoked;     /* revoked, or (refresh token) already used */
  gboolean       spent;       /* (refresh token) used for a refresh */
} MockToken;

/* An authorization code, issued by mock-idp.c, redeemed by mock-token.c. */
typedef struct
{
  char     *client_id;
  char     *redirect_uri;
  char     *scope;
  char     *challenge;
  char     *username;
  gint64    expires_at;   /* µs, real time */
  gboolean  used;
} MockCode;

typedef enum
{
  MOCK_CONSENT_ASK,
  MOCK_CONSENT_ALLOW,
  MOCK_CONSENT_DENY,
} MockConsent;

typedef struct
{
  SoupServer  *server;
  GMainLoop   *loop;

  /* Options (some can be changed through POST /_mock/control). */
  char        *username;
  MockConsent  consent;
  gint64       access_ttl;       /* seconds */
  gint64       code_ttl;         /* seconds */
  guint        token_delay_ms;
  guint        stream_delay_ms;
  guint        reply_words;
  gint64       quota_total;
  gboolean     quiet;
  /* mock-stream.c: streamed replies of huge_bytes bytes instead of the
   * canned text (0: off), set with POST /_mock/control huge-*=. */
  gint64       huge_bytes;
  guint        huge_shape;
  guint        huge_event_bytes;

  /* State. */
  gint64       quota_used;
  GHashTable  *clients;          /* client_id → MockClient */
  GHashTable  *pending;          /* request_id → MockPending (mock-idp.c) */
  GHashTable  *codes;            /* code → MockCode (mock-idp.c) */
  GHashTable  *tokens;           /* token → MockToken */
  GHashTable  *failures;         /* name → remaining count (-1: unlimited) */
  GRand       *rand;
  MockStats    stats;
  GBytes      *last_chat;        /* the last chat request body, as received */
} MockServer;

/* mock-util.c: replies */
void        mock_reply_json          (SoupServerMessage *msg,
                                      guint              status,
                                      JsonNode          *node);
void        mock_reply_builder       (SoupServerMessage *msg,
                                      guint              status,
                                      JsonBuilder       *builder);
void        mock_reply_detail        (SoupServerMessage *msg,
                                      guint              status,
                                      const char        *detail);
void        mock_reply_validation    (SoupServerMessage *msg,
                                      const char        *field,
                                      const char        *type,
                                      const char        *message);
void        mock_reply_text          (SoupServerMessage *msg,
                                      guint              status,
                                      const char        *content_type,
                                      const char        *text);
void        mock_reply_html          (SoupServerMessage *msg,
                                      guint              status,
                                      const char        *title,
                                      const char        *body_html);
void        mock_reply_redirect      (SoupServerMessage *msg,
                                      const char        *location);
char       *mock_html_escape         (const char        *text);

/* mock-util.c: requests */
GHashTable *mock_request_form        (SoupServerMessage *msg);
JsonNode   *mock_request_json        (SoupServerMessage *msg);
const char *mock_request_bearer      (SoupServerMessage *msg);

/* mock-util.c: state */
char       *mock_server_random       (MockServer        *self,
                                      const char        *prefix,
                                      guint              length);
gboolean    mock_failure_is_known    (const char        *name);
gboolean    mock_server_take_failure (MockServer        *self,
                                      const char        *name);
MockClient *mock_server_add_client   (MockServer        *self,
                                      const char        *client_id,
                                      const char        *client_secret,
                                      const char        *name,
                                      const char * const *redirect_uris,
                                      const char * const *allowed_scopes);
void        mock_client_free         (MockClient        *client);
void        mock_token_free          (MockToken         *token);
/* An active (known, unrevoked, unexpired) token of @kind, or NULL. */
MockToken  *mock_server_lookup_token (MockServer        *self,
                                      const char        *token,
                                      MockTokenKind      kind);
gboolean    mock_scope_has           (const char        *scope,
                                      const char        *wanted);
gboolean    mock_scope_is_known      (const char        *scope);
char       *mock_user_id             (const char        *username);
/* The string member @name of @object (may be NULL), or NULL. */
const char *mock_json_get_string     (JsonObject        *object,
                                      const char        *name);

/* mock-idp.c */
void        mock_idp_init            (MockServer        *self);
void        mock_idp_authorize       (MockServer        *self,
                                      SoupServerMessage *msg,
                                      GHashTable        *query);
void        mock_idp_consent         (MockServer        *self,
                                      SoupServerMessage *msg);

/* mock-token.c */
void        mock_idp_token           (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_idp_revoke          (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_idp_introspect      (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_idp_userinfo        (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_idp_openid_config   (MockServer        *self,
                                      SoupServerMessage *msg);

/* mock-apps.c */
void        mock_apps_register       (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_apps_users_me       (MockServer        *self,
                                      SoupServerMessage *msg);

/* mock-gateway.c */
void        mock_gateway_models      (MockServer        *self,
                                      SoupServerMessage *msg);
void        mock_gateway_chat        (MockServer        *self,
                                      SoupServerMessage *msg);

/* mock-images.c */
gboolean    mock_images_model_takes_images (const char        *extra);
gboolean    mock_images_check        (SoupServerMessage *msg,
                                      JsonArray         *messages,
                                      const char        *model,
                                      gboolean           takes_images);
char       *mock_images_describe     (JsonObject        *message);

/* mock-completion.c: the canned reply to one chat request */
typedef struct
{
  char   *id;              /* chatcmpl-... */
  char   *model;           /* as requested */
  gint64  created;
  char   *content;
  char   *reasoning;       /* NULL without thinking */
  gint64  prompt_tokens;
  gint64  completion_tokens;
  gint64  cached_tokens;     /* of prompt_tokens: every message but the last */
} MockCompletion;

MockCompletion *mock_completion_new        (MockServer            *self,
                                            const char            *model,
                                            JsonArray             *messages,
                                            gboolean               thinking);
void            mock_completion_free       (MockCompletion        *completion);
/* @text in pieces of one or two words; concatenated, they give @text. */
GPtrArray      *mock_completion_split      (const char            *text);
/* One "data: {...}\n\n" chat.completion.chunk event. */
char           *mock_completion_chunk_event (const MockCompletion *completion,
                                             const char           *delta_key,
                                             const char           *delta_value,
                                             const char           *finish_reason);
/* The usage-only event, with empty "choices". */
char           *mock_completion_usage_event (const MockCompletion *completion);
typedef enum
{
  MOCK_HUGE_WORDS,       /* one paragraph without a newline, in events */
  MOCK_HUGE_LINES,       /* lines and paragraphs, in events */
  MOCK_HUGE_ONE_LINE,    /* one paragraph in a single event: one giant SSE line */
  MOCK_HUGE_MARKDOWN,    /* headings, paragraphs, lists, code blocks, in events */
  MOCK_HUGE_REASONING,   /* lines of reasoning_content, then a short answer */
} MockHugeShape;

/* The ASCII text that repeats through a huge reply of @shape. */
char           *mock_completion_huge_unit  (MockHugeShape          shape);
/* Replies with the whole chat.completion object. */
void            mock_completion_reply      (SoupServerMessage     *msg,
                                            const MockCompletion  *completion);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MockCompletion, mock_completion_free)

/* mock-stream.c */
typedef enum
{
  MOCK_STREAM_NORMAL,
  MOCK_STREAM_SPLIT,     /* the same bytes in 1-to-7-byte HTTP chunks */
  MOCK_STREAM_DROP,      /* the connection is cut after the pieces */
  MOCK_STREAM_STALL,     /* headers, then nothing ever */
} MockStreamMode;

/* Streams @pieces (byte strings, written as they are, one HTTP chunk per
 * piece, one main-loop turn or stream-delay-ms apart) as the body of @msg,
 * whose status and headers are already set. Takes @pieces. */
void        mock_stream_start        (MockServer        *self,
                                      SoupServerMessage *msg,
                                      GPtrArray         *pieces,
                                      MockStreamMode     mode);

/* POST /_mock/control keys "huge-bytes", "huge-shape", "huge-event-bytes":
 * FALSE with @detail set when @value is not valid; applied when @apply.
 * Returns FALSE with @detail NULL for a key it does not know. */
gboolean    mock_stream_control      (MockServer        *self,
                                      const char        *key,
                                      const char        *value,
                                      gboolean           apply,
                                      char             **detail);

G_END_DECLS
