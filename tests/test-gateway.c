/* test-gateway.c: what one /v1/models reply may cost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "chutes-config.h"
#include "chutes-error.h"
#include "chutes-gateway.h"
#include "chutes-http.h"
#include "chutes-json.h"
#include "chutes-test-mock.h"

/* An endless reply is cut off by the client, not by the server's patience. */
#define ENDLESS_SIZE (G_GUINT64_CONSTANT (1) << 30)

typedef struct
{
  SoupServer *server;
  GBytes     *reply;      /* sent with a Content-Length */
  gboolean    endless;    /* chunked, 64 KiB pieces of a list up to ENDLESS_SIZE */
  guint64     sent;
} Fixture;

static void
write_next_piece (SoupServerMessage *msg,
                  Fixture           *f)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  char piece[64 * 1024];

  if (f->sent >= ENDLESS_SIZE)
    {
      soup_message_body_complete (body);
      return;
    }

  /* One string that never ends, after the opening below. */
  memset (piece, 'x', sizeof piece);

  soup_message_body_append (body, SOUP_MEMORY_COPY, piece, sizeof piece);
  f->sent += sizeof piece;
}

static void
models_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *f = user_data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);

  if (!f->endless)
    {
      gsize size = 0;
      gconstpointer data = g_bytes_get_data (f->reply, &size);

      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, size);
      return;
    }

  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC,
                            "{\"data\":[{\"id\":\"", 16);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (write_next_piece), f);
}

typedef struct
{
  gboolean    done;
  GListModel *models;
  GError     *error;
} List;

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  List *list = user_data;

  list->models = chutes_gateway_list_models_finish (CHUTES_GATEWAY (source), result, &list->error);
  list->done = TRUE;
}

static void
list_models (Fixture *f,
             List    *list)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(SoupSession) session = chutes_http_session_new ();
  g_autoptr(ChutesConfig) config = NULL;
  g_autoptr(ChutesGateway) gateway = NULL;
  g_autofree char *base = NULL;
  GSList *uris;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/v1/models", models_cb, f, NULL);
  g_assert_true (soup_server_listen (f->server, address, 0, NULL));
  uris = soup_server_get_uris (f->server);
  base = g_strdup_printf ("http://127.0.0.1:%d/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_setenv ("CHUTES_API_BASE_URL", base, TRUE);
  config = chutes_config_new (NULL);
  gateway = chutes_gateway_new (session, config);

  chutes_gateway_list_models_async (gateway, NULL, list_cb, list);
  chutes_test_wait_for (&list->done, 30);

  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
}

static void
list_clear (List *list)
{
  g_clear_object (&list->models);
  g_clear_error (&list->error);
  list->done = FALSE;
}

/* A list nested 100,000 deep crashed the app (json-glib's recursion). */
static void
test_deep_list_is_an_error (void)
{
  GString *reply = g_string_new ("{\"data\":[{\"id\":\"a/b\",\"x\":");
  Fixture f = { NULL, };
  List list = { FALSE, };

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (reply, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (reply, ']');
  g_string_append (reply, "}]}");
  f.reply = g_string_free_to_bytes (reply);

  list_models (&f, &list);
  g_assert_null (list.models);
  g_assert_error (list.error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (list.error->message, "could not be read"));

  list_clear (&list);
  g_bytes_unref (f.reply);
}

/* {"data":[{"id":"a/b","pad":"xxx..."}]} of exactly @size bytes. */
static GBytes *
padded_list (gsize size)
{
  const char *head = "{\"data\":[{\"id\":\"a/b\",\"pad\":\"";
  const char *tail = "\"}]}";
  GString *reply = g_string_new (head);

  g_string_set_size (reply, size - strlen (tail));
  memset (reply->str + strlen (head), 'x', size - strlen (head) - strlen (tail));
  g_string_append (reply, tail);
  g_assert_cmpuint (reply->len, ==, size);

  return g_string_free_to_bytes (reply);
}

/* Past the cap by its Content-Length: refused before reading. */
static void
test_huge_list_is_refused (void)
{
  Fixture f = { NULL, };
  List list = { FALSE, };

  f.reply = padded_list (CHUTES_JSON_MAX_MODELS + 1);
  list_models (&f, &list);
  g_assert_null (list.models);
  g_assert_error (list.error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (list.error->message, "larger than"));
  g_assert_nonnull (strstr (list.error->message, "127.0.0.1"));
  list_clear (&list);
  g_bytes_unref (f.reply);

  /* At the cap, the same list is read. */
  f.reply = padded_list (CHUTES_JSON_MAX_MODELS);
  list_models (&f, &list);
  g_assert_no_error (list.error);
  g_assert_cmpuint (g_list_model_get_n_items (list.models), ==, 1);
  list_clear (&list);
  g_bytes_unref (f.reply);
}

/* A reply with no length that never ends: reading stops at the cap, long
 * before the server is done (it would send 1 GiB). */
static void
test_endless_list_stops_reading (void)
{
  Fixture f = { NULL, };
  List list = { FALSE, };

  f.endless = TRUE;
  list_models (&f, &list);
  g_assert_null (list.models);
  g_assert_error (list.error, CHUTES_ERROR, CHUTES_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (list.error->message, "larger than"));
  g_assert_cmpuint (f.sent, <, 4 * CHUTES_JSON_MAX_MODELS);
  list_clear (&list);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gateway/models/deep-list-is-an-error-not-a-crash", test_deep_list_is_an_error);
  g_test_add_func ("/gateway/models/huge-list-is-refused", test_huge_list_is_refused);
  g_test_add_func ("/gateway/models/endless-list-stops-reading", test_endless_list_stops_reading);

  return g_test_run ();
}
