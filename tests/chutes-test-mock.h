/* chutes-test-mock.h: start the mock Chutes server and play the browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "chutes-account.h"
#include "chutes-config.h"
#include "chutes-history.h"

G_BEGIN_DECLS

typedef struct _ChutesTestMock ChutesTestMock;

/* A free TCP port on 127.0.0.1 (bound and released; good enough for tests). */
guint           chutes_test_find_free_port          (void);

/* Spawns $MOCK_CHUTES --port 0 plus the given extra arguments
 * (NULL-terminated), waits for its "READY http://127.0.0.1:PORT" line and
 * returns. Aborts the test when it does not start within 10 s. */
ChutesTestMock *chutes_test_mock_start              (const char     *first_arg,
                                                     ...) G_GNUC_NULL_TERMINATED;
/* "http://127.0.0.1:PORT" (the IDP base); the gateway is at that + "/v1". */
const char     *chutes_test_mock_get_url            (ChutesTestMock *mock);
const char     *chutes_test_mock_get_api_url        (ChutesTestMock *mock);
const char     *chutes_test_mock_get_client_id      (ChutesTestMock *mock);
const char     *chutes_test_mock_get_client_secret  (ChutesTestMock *mock);

/* Sets CHUTES_IDP_BASE_URL, CHUTES_API_BASE_URL, CHUTES_OAUTH_CLIENT_ID,
 * CHUTES_OAUTH_CLIENT_SECRET and (when not NULL) CHUTES_OAUTH_REDIRECT_URI
 * for this process, then returns a ChutesConfig reading them. */
ChutesConfig   *chutes_test_mock_new_config         (ChutesTestMock *mock,
                                                     const char     *redirect_uri);

/* POST /_mock/control with key/value pairs (NULL-terminated), e.g.
 * ("fail", "chat-401", "count", "1", NULL). Blocking; fine in tests since
 * the mock is another process. */
void            chutes_test_mock_control            (ChutesTestMock *mock,
                                                     const char     *first_key,
                                                     ...) G_GNUC_NULL_TERMINATED;
/* GET /_mock/stats, one counter. */
gint64          chutes_test_mock_get_stat           (ChutesTestMock *mock,
                                                     const char     *name);
/* POST /idp/token/introspect: is @token still active? */
/* The body of the last chat request the mock received, as JSON. */
JsonObject     *chutes_test_mock_get_last_chat      (ChutesTestMock *mock);
gboolean        chutes_test_mock_token_is_active    (ChutesTestMock *mock,
                                                     const char     *token);

/* Plays the browser in a worker thread: GET @authorize_url, then submit
 * the consent form with @decision ("allow" or "deny"), then follow the
 * redirect to the loopback callback and return that page's body; with a
 * redirect-less IDP error page, return that. @status_out gets the last
 * HTTP status. */
void            chutes_test_mock_play_browser_async (ChutesTestMock *mock,
                                                     const char     *authorize_url,
                                                     const char     *decision,
                                                     GCancellable   *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer        user_data);
char           *chutes_test_mock_play_browser_finish (ChutesTestMock *mock,
                                                      GAsyncResult  *result,
                                                      guint         *status_out,
                                                      GError       **error);

/* Kills the mock and frees. */
void            chutes_test_mock_free               (ChutesTestMock *mock);

/* Stops the mock process (SIGTERM, then SIGKILL after 5 s) but keeps
 * @mock: its URLs now point at a closed port, for "server gone" tests.
 * Asserts that the mock exited cleanly. Safe to call twice;
 * chutes_test_mock_free() afterwards is still needed. */
void            chutes_test_mock_stop               (ChutesTestMock *mock);

/* The username of the person who signs in ("alice" unless --user). */
const char     *chutes_test_mock_get_username       (ChutesTestMock *mock);

/* Signs in without any app code, blocking: authorize with a fresh PKCE
 * pair on the mock's first redirect URI (nothing needs to listen there),
 * allow, exchange the code. @scope NULL means "openid profile
 * chutes:invoke". Returns the access token and, when @refresh_token_out is
 * not NULL, the refresh token. Aborts the test on any failure. For tests
 * that need a valid token but are not about signing in. */
char           *chutes_test_mock_sign_in            (ChutesTestMock *mock,
                                                     const char     *scope,
                                                     char          **refresh_token_out);

/* Runs the default main context until *@flag becomes TRUE, aborting the
 * test after @timeout_seconds. */
void            chutes_test_wait_for                (gboolean       *flag,
                                                     guint           timeout_seconds);

/* How many files below @dir_path (symlinks not followed) contain @needle:
 * proves a secret never reached the disk. */
guint           chutes_test_count_files_containing (const char  *dir_path,
                                                    const char  *needle);

/* Turns on every debug message and records each one (warnings and worse
 * still reach stderr), so a test can prove no secret is ever logged. Call
 * once, before g_test_init(). */
void            chutes_test_record_logs            (void);
/* Everything logged since chutes_test_record_logs(), a message a line. */
const char     *chutes_test_get_recorded_logs      (void);

/* An async callback that keeps the result in the GAsyncResult * its
 * user data points at (which must be empty), and a wait for it: returns
 * the result (transfer full) and empties the slot again. */
void            chutes_test_store_result_cb        (GObject      *object,
                                                    GAsyncResult *result,
                                                    gpointer      user_data);
GAsyncResult   *chutes_test_wait_for_result        (GAsyncResult **slot);

/* The end of a test program: @status (g_test_run()'s) unless objects of
 * ours are still alive once the main loop has run what is pending; then
 * they are reported and the program fails. Counted only in the
 * -Dsanitize=true build with CHUTES_LIVE_OBJECTS_REPORT set
 * (src/chutes-live-objects.c). */
int             chutes_test_check_live_objects     (int          status);

/* A new account for @config, signed in the real way: its flow, the
 * browser (played here: allow), the keyring (as one account of several:
 * see chutes_token_store_new_for_account()). Aborts the test on any
 * failure. */
ChutesAccount  *chutes_test_mock_new_signed_in_account (ChutesTestMock *mock,
                                                        SoupSession    *session,
                                                        ChutesConfig   *config);

/* Removes @path and, if it is a folder, everything below it. */
void            chutes_test_remove_tree                (const char     *path);

/* A history at @path, opened (the test fails if it cannot be), and the
 * closing of one: what it queued completes, then it must be finalized. */
ChutesHistory  *chutes_test_open_history               (const char     *path);
void            chutes_test_close_history              (ChutesHistory **history);

/* A network monitor the test switches on and off: unavailable at first;
 * setting emits "network-changed". */
GNetworkMonitor *chutes_test_fake_monitor_new           (void);
void             chutes_test_fake_monitor_set_available (GNetworkMonitor *monitor,
                                                         gboolean         available);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChutesTestMock, chutes_test_mock_free)

G_END_DECLS
