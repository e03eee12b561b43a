/* chutes-chat-stream.c: one streamed /chat/completions request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sends the request, reads the reply's event stream as it arrives, and
 * reports it as signals; the JSON on either side is in chutes-chat-chunk.c.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "chutes-chat-stream.h"
#include "chutes-error.h"
#include "chutes-http.h"
#include "chutes-sse-parser.h"
#include "chutes-tokens.h"
#include "chutes-util.h"

/* How much of a non-2xx reply is read to explain the error. */
#define MAX_ERROR_BODY (64 * 1024)
/* Bytes asked for per read of the event stream. */
#define READ_SIZE 16384

struct _ChutesChatStream
{
  GObject          parent_instance;

  SoupSession     *session;
  char            *api_base_url;
  char            *access_token;
  char            *model;
  GListModel      *messages;
  gboolean         thinking;
  double           temperature;
  gint64           max_tokens;

  char            *invocation_id;
  gint64           quota_total;
  gint64           quota_used;
  gint64           quota_remaining;
  gint64           cached_tokens;
  gboolean         received_content;
  gsize            reply_bytes;      /* content and reasoning emitted */

  /* While running. */
  char            *host;
  SoupMessage     *message;
  GInputStream    *body;
  ChutesSseParser *parser;
  GTask           *task;            /* borrowed: valid inside the parser callback */
  GError          *stream_error;    /* first failure found in the events */
  guint8          *error_body;
  guint            started : 1;
  guint            done : 1;
  guint            got_chunk : 1;
  guint            got_finish : 1;    /* a finish_reason arrived */
};

G_DEFINE_FINAL_TYPE (ChutesChatStream, chutes_chat_stream, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INVOCATION_ID,
  PROP_QUOTA_TOTAL,
  PROP_QUOTA_USED,
  PROP_QUOTA_REMAINING,
  PROP_RECEIVED_CONTENT,
  N_PROPS
};

enum {
  SIGNAL_DELTA,
  SIGNAL_USAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
chutes_chat_stream_dispose (GObject *object)
{
  ChutesChatStream *self = (ChutesChatStream *)object;

  g_clear_object (&self->body);
  g_clear_object (&self->message);
  g_clear_pointer (&self->parser, chutes_sse_parser_free);
  g_clear_object (&self->messages);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chutes_chat_stream_parent_class)->dispose (object);
}

static void
chutes_chat_stream_finalize (GObject *object)
{
  ChutesChatStream *self = (ChutesChatStream *)object;

  g_clear_pointer (&self->access_token, chutes_secret_free);
  g_clear_pointer (&self->api_base_url, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->invocation_id, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->error_body, g_free);
  g_clear_error (&self->stream_error);

  G_OBJECT_CLASS (chutes_chat_stream_parent_class)->finalize (object);
}

static void
chutes_chat_stream_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChutesChatStream *self = CHUTES_CHAT_STREAM (object);

  switch (prop_id)
    {
    case PROP_INVOCATION_ID:
      g_value_set_string (value, self->invocation_id);
      break;

    case PROP_QUOTA_TOTAL:
      g_value_set_int64 (value, self->quota_total);
      break;

    case PROP_QUOTA_USED:
      g_value_set_int64 (value, self->quota_used);
      break;

    case PROP_QUOTA_REMAINING:
      g_value_set_int64 (value, self->quota_remaining);
      break;

    case PROP_RECEIVED_CONTENT:
      g_value_set_boolean (value, self->received_content);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_chat_stream_class_init (ChutesChatStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_chat_stream_dispose;
  object_class->finalize = chutes_chat_stream_finalize;
  object_class->get_property = chutes_chat_stream_get_property;

  properties[PROP_INVOCATION_ID] =
    g_param_spec_string ("invocation-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTA_TOTAL] =
    g_param_spec_int64 ("quota-total", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTA_USED] =
    g_param_spec_int64 ("quota-used", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTA_REMAINING] =
    g_param_spec_int64 ("quota-remaining", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  properties[PROP_RECEIVED_CONTENT] =
    g_param_spec_boolean ("received-content", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_DELTA] =
    g_signal_new ("delta",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  signals[SIGNAL_USAGE] =
    g_signal_new ("usage",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_INT64,
                  G_TYPE_INT64);
}

static void
chutes_chat_stream_init (ChutesChatStream *self)
{
  self->quota_total = -1;
  self->quota_used = -1;
  self->quota_remaining = -1;
  self->cached_tokens = -1;
}

ChutesChatStream *
chutes_chat_stream_new (SoupSession *session,
                        const char  *api_base_url,
                        const char  *access_token,
                        const char  *model,
                        GListModel  *messages,
                        gboolean     thinking)
{
  ChutesChatStream *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (api_base_url != NULL, NULL);
  g_return_val_if_fail (access_token != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (messages), NULL);

  self = g_object_new (CHUTES_TYPE_CHAT_STREAM, NULL);
  self->session = g_object_ref (session);
  self->api_base_url = g_strdup (api_base_url);
  self->access_token = g_strdup (access_token);
  self->model = g_strdup (model);
  self->messages = g_object_ref (messages);
  self->thinking = !!thinking;
  self->temperature = -1.0;

  return self;
}

const char *
chutes_chat_stream_get_invocation_id (ChutesChatStream *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_STREAM (self), NULL);

  return self->invocation_id;
}

gint64
chutes_chat_stream_get_cached_tokens (ChutesChatStream *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_STREAM (self), -1);

  return self->cached_tokens;
}

gint64
chutes_chat_stream_get_quota_remaining (ChutesChatStream *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_STREAM (self), -1);

  return self->quota_remaining;
}

gboolean
chutes_chat_stream_get_received_content (ChutesChatStream *self)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_STREAM (self), FALSE);

  return self->received_content;
}

/* A header's value as a non-negative integer, -1 when absent or unreadable. */
static gint64
header_int64 (SoupMessageHeaders *headers,
              const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);
  char *end = NULL;
  double d;

  if (value == NULL)
    return -1;

  while (g_ascii_isspace (*value))
    value++;

  d = g_ascii_strtod (value, &end);
  if (end == value || !isfinite (d) || d < 0 || d >= (double) G_MAXINT64)
    return -1;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0')
    return -1;

  return (gint64) d;
}

static void
set_int64 (ChutesChatStream *self,
           gint64           *field,
           gint64            value,
           guint             prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* An identifier worth showing: short, printable ASCII, no spaces. */
static gboolean
is_printable_ascii (const char *text,
                    gsize       max_length)
{
  gsize i;

  for (i = 0; text[i] != '\0'; i++)
    if (i == max_length || text[i] <= ' ' || text[i] > '~')
      return FALSE;

  return i > 0;
}

static void
record_headers (ChutesChatStream *self)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (self->message);
  const char *invocation_id = soup_message_headers_get_one (headers, "X-Chutes-InvocationID");

  g_object_freeze_notify (G_OBJECT (self));

  if (invocation_id != NULL && is_printable_ascii (invocation_id, 200) &&
      chutes_set_str (&self->invocation_id, invocation_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVOCATION_ID]);

  set_int64 (self, &self->quota_total,
             header_int64 (headers, "X-Chutes-Quota-Total"), PROP_QUOTA_TOTAL);
  set_int64 (self, &self->quota_used,
             header_int64 (headers, "X-Chutes-Quota-Used"), PROP_QUOTA_USED);
  set_int64 (self, &self->quota_remaining,
             header_int64 (headers, "X-Chutes-Quota-Remaining"), PROP_QUOTA_REMAINING);

  g_object_thaw_notify (G_OBJECT (self));
}

/* Ends the run: drops what was used for reading. */
static void
stop_reading (ChutesChatStream *self)
{
  g_clear_object (&self->body);
  g_clear_pointer (&self->parser, chutes_sse_parser_free);
}

/* Completes @task with G_IO_ERROR_CANCELLED when it was cancelled. Returns
 * TRUE when it did. */
static gboolean
return_if_cancelled (ChutesChatStream *self,
                     GTask            *task)
{
  if (!g_task_return_error_if_cancelled (task))
    return FALSE;

  stop_reading (self);
  return TRUE;
}

static gboolean
should_stop (ChutesChatStream *self)
{
  return self->done || self->stream_error != NULL ||
         g_cancellable_is_cancelled (g_task_get_cancellable (self->task));
}

/* The longest start of @text, at most @max bytes, that ends on a
 * character boundary (@text is valid UTF-8: json-glib checked it). */
static gsize
utf8_prefix_length (const char *text,
                    gsize       length,
                    gsize       max)
{
  if (length <= max)
    return length;

  while (max > 0 && ((guchar) text[max] & 0xC0) == 0x80)
    max--;

  return max;
}

/* Keeps the reply within CHUTES_CHAT_STREAM_MAX_REPLY: shortens @content
 * and @reasoning (in the order they are shown: reasoning first) to what
 * still fits, and once something did not fit, sets the error that ends
 * the stream, which says so. */
static void
bound_reply (ChutesChatStream *self,
             char             *reasoning,
             char             *content)
{
  char *parts[] = { reasoning, content };
  gboolean cut = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      gsize length, kept;

      if (parts[i] == NULL)
        continue;

      length = strlen (parts[i]);
      kept = utf8_prefix_length (parts[i], length,
                                 CHUTES_CHAT_STREAM_MAX_REPLY - self->reply_bytes);
      parts[i][kept] = '\0';
      self->reply_bytes += kept;
      cut |= kept < length;
    }

  if (cut && self->stream_error == NULL)
    {
      g_debug ("The reply from %s passed %u bytes: cutting it", self->host,
               (guint) CHUTES_CHAT_STREAM_MAX_REPLY);
      self->stream_error =
        g_error_new (CHUTES_ERROR, CHUTES_ERROR_STREAM,
                     /* Translators: %u is a number of megabytes */
                     _("The reply was cut at %u MB; the rest of it was not downloaded"),
                     (guint) (CHUTES_CHAT_STREAM_MAX_REPLY / (1000 * 1000)));
    }
}

static void
handle_event (ChutesSseEventKind  kind,
              const char         *event_type,
              const char         *data,
              gsize               length,
              gpointer            user_data)
{
  ChutesChatStream *self = user_data;
  ChutesChatChunk chunk = { NULL, };
  g_autoptr(GError) error = NULL;

  /* After [DONE], an error, or a cancel, the rest is not looked at. */
  if (should_stop (self))
    return;

  if (!chutes_chat_chunk_parse (data, length, &chunk, &error))
    {
      g_debug ("Skipping an undecodable event of %" G_GSIZE_FORMAT " bytes: %s",
               length, error->message);
      return;
    }

  self->got_chunk = TRUE;

  if (chunk.error == NULL && g_strcmp0 (event_type, "error") == 0)
    chunk.error = g_strdup (_("The model reported an error"));

  if (chunk.error != NULL)
    {
      self->stream_error = g_error_new (CHUTES_ERROR, CHUTES_ERROR_STREAM,
                                        /* Translators: %s is the server's message, shown literally */
                                        _("The reply was interrupted: %s"), chunk.error);
    }
  else if (chunk.done)
    {
      self->done = TRUE;
    }
  else
    {
      gboolean has_content = chunk.content != NULL && chunk.content[0] != '\0';
      gboolean has_reasoning = chunk.reasoning != NULL && chunk.reasoning[0] != '\0';

      if (chunk.finish_reason != NULL && chunk.finish_reason[0] != '\0')
        self->got_finish = TRUE;

      bound_reply (self, has_reasoning ? chunk.reasoning : NULL,
                   has_content ? chunk.content : NULL);
      has_content = has_content && chunk.content[0] != '\0';
      has_reasoning = has_reasoning && chunk.reasoning[0] != '\0';

      if (has_content || has_reasoning)
        {
          if (!self->received_content)
            {
              self->received_content = TRUE;
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED_CONTENT]);
            }

          g_signal_emit (self, signals[SIGNAL_DELTA], 0,
                         has_content ? chunk.content : NULL,
                         has_reasoning ? chunk.reasoning : NULL);
        }

      if (chunk.has_usage && chunk.cached_tokens >= 0)
        self->cached_tokens = chunk.cached_tokens;
      if (chunk.has_usage && !should_stop (self))
        g_signal_emit (self, signals[SIGNAL_USAGE], 0,
                       chunk.prompt_tokens, chunk.completion_tokens);
    }

  chutes_chat_chunk_clear (&chunk);
}

/* Completes @task when the events so far decided the outcome. Returns TRUE
 * when it did. */
static gboolean
return_if_decided (ChutesChatStream *self,
                   GTask            *task)
{
  if (return_if_cancelled (self, task))
    return TRUE;

  if (self->stream_error != NULL)
    {
      stop_reading (self);
      g_task_return_error (task, g_steal_pointer (&self->stream_error));
      return TRUE;
    }

  if (self->done)
    {
      stop_reading (self);
      g_task_return_boolean (task, TRUE);
      return TRUE;
    }

  return FALSE;
}

/* The stream ended, cleanly or with @error (owned, may be NULL). */
static void
finish_stream (ChutesChatStream *self,
               GTask            *task,
               GError           *error)
{
  g_autoptr(GError) read_error = error;

  /* Whatever complete data arrived is still delivered. */
  if (self->parser != NULL)
    {
      self->task = task;
      chutes_sse_parser_finish (self->parser);
      self->task = NULL;
    }

  if (return_if_decided (self, task))
    return;

  stop_reading (self);

  if (read_error != NULL)
    g_task_return_error (task, chutes_error_new_from_network (g_steal_pointer (&read_error),
                                                              self->host));
  else if (!self->got_chunk)
    g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL,
                             /* Translators: %s is a host name */
                             _("%s sent an empty or unreadable reply"), self->host);
  else if (!self->got_finish)
    {
      /* libsoup 3.2 reports a connection closed between two chunks of a
       * chunked body as a clean end. A reply that ends without [DONE] is
       * fine (some servers omit it), but one that also never said why it
       * finished was cut off. */
      g_debug ("The reply from %s ended without [DONE] or a finish reason", self->host);
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_NETWORK,
                               /* Translators: %s is a host name */
                               _("The connection to %s was lost before the reply was complete"),
                               self->host);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void chutes_chat_stream_read_cb (GObject      *object,
                                        GAsyncResult *result,
                                        gpointer      user_data);

/* Takes @task. */
static void
read_more (ChutesChatStream *self,
           GTask            *task)
{
  g_input_stream_read_bytes_async (self->body,
                                   READ_SIZE,
                                   G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   chutes_chat_stream_read_cb,
                                   task);
}

static void
chutes_chat_stream_read_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesChatStream *self = g_task_get_source_object (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize size = 0;
  gboolean fed;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (return_if_cancelled (self, task))
    return;

  if (bytes == NULL)
    {
      g_debug ("The reply stream from %s broke: %s", self->host, error->message);
      finish_stream (self, task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      finish_stream (self, task, NULL);
      return;
    }

  self->task = task;
  fed = chutes_sse_parser_feed (self->parser, data, size, &error);
  self->task = NULL;

  if (return_if_decided (self, task))
    return;

  if (!fed)
    {
      stop_reading (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  read_more (self, g_steal_pointer (&task));
}

static void
chutes_chat_stream_error_body_cb (GObject      *object,
                                  GAsyncResult *result,
                                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesChatStream *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  gsize bytes_read = 0;

  /* What could be read explains the error; a read failure leaves it
   * without the server's words, which is fine. */
  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &bytes_read, &error))
    g_debug ("Could not read the error reply from %s: %s", self->host, error->message);

  if (return_if_cancelled (self, task))
    return;

  if (bytes_read > 0)
    body = g_bytes_new_take (g_steal_pointer (&self->error_body), bytes_read);
  g_clear_pointer (&self->error_body, g_free);

  headers = soup_message_get_response_headers (self->message);
  stop_reading (self);
  g_task_return_error (task,
                       chutes_error_new_from_http (soup_message_get_status (self->message),
                                                   soup_message_headers_get_content_type (headers, NULL),
                                                   body,
                                                   self->host));
}

static void
chutes_chat_stream_send_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChutesChatStream *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  guint status;

  self->body = soup_session_send_finish (SOUP_SESSION (object), result, &error);

  if (self->body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not send the chat request to %s: %s", self->host, error->message);
      g_task_return_error (task, chutes_error_new_from_network (g_steal_pointer (&error),
                                                                self->host));
      return;
    }

  if (return_if_cancelled (self, task))
    return;

  record_headers (self);

  status = soup_message_get_status (self->message);
  g_debug ("Chat reply from %s: HTTP %u", self->host, status);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      self->error_body = g_malloc (MAX_ERROR_BODY);
      g_input_stream_read_all_async (self->body,
                                     self->error_body,
                                     MAX_ERROR_BODY,
                                     G_PRIORITY_DEFAULT,
                                     cancellable,
                                     chutes_chat_stream_error_body_cb,
                                     g_steal_pointer (&task));
      return;
    }

  self->parser = chutes_sse_parser_new (handle_event, self);
  read_more (self, g_steal_pointer (&task));
}

void
chutes_chat_stream_run_async (ChutesChatStream    *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *url = NULL;
  g_autofree char *json = NULL;
  gsize json_length;
  char *authorization;
  SoupMessageHeaders *headers;

  g_return_if_fail (CHUTES_IS_CHAT_STREAM (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_chat_stream_run_async);

  if (self->started)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "A chat stream runs only once");
      return;
    }
  self->started = TRUE;

  base_url = chutes_http_check_base_url (self->api_base_url, _("model gateway"), &error);
  if (base_url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  url = chutes_http_build_url (base_url, "/chat/completions");
  self->host = chutes_http_dup_host (url);
  self->message = soup_message_new (SOUP_METHOD_POST, url);
  if (self->message == NULL)
    {
      g_task_return_new_error (task, CHUTES_ERROR, CHUTES_ERROR_CONFIG,
                               _("The model gateway address is not valid"));
      return;
    }

  json = chutes_chat_stream_build_request_body (self->model, self->messages,
                                                self->temperature, self->max_tokens);
  json_length = strlen (json);
  body = g_bytes_new_take (g_steal_pointer (&json), json_length);
  soup_message_set_request_body_from_bytes (self->message, "application/json", body);

  headers = soup_message_get_request_headers (self->message);
  authorization = g_strconcat ("Bearer ", self->access_token, NULL);
  soup_message_headers_replace (headers, "Authorization", authorization);
  chutes_secret_free (authorization);
  soup_message_headers_replace (headers, "Accept", "text/event-stream");
  if (self->thinking)
    soup_message_headers_replace (headers, "X-Enable-Thinking", "true");

  g_debug ("Sending a chat request to %s (model %s, %u messages)",
           self->host, self->model, g_list_model_get_n_items (self->messages));

  soup_session_send_async (self->session,
                           self->message,
                           G_PRIORITY_DEFAULT,
                           cancellable,
                           chutes_chat_stream_send_cb,
                           g_steal_pointer (&task));
}

gboolean
chutes_chat_stream_run_finish (ChutesChatStream  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (CHUTES_IS_CHAT_STREAM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
chutes_chat_stream_set_sampling (ChutesChatStream *self,
                                 double            temperature,
                                 gint64            max_tokens)
{
  g_return_if_fail (CHUTES_IS_CHAT_STREAM (self));

  self->temperature = temperature;
  self->max_tokens = max_tokens;
}
