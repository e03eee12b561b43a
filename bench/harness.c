/* harness.c: what the benchmarks of the running app share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chutes-token-store.h"
#include "chutes-tokens.h"
#include "harness.h"

/* Only the benchmark writes to standard output (fd 3 inside): what the
 * session starts (the accessibility registry says hello) goes to stderr. */
#define SESSION_OUTER_SCRIPT \
  "inner=$1; shift; exec 3>&1 1>&2; " \
  "exec xvfb-run -a -s '-screen 0 1280x900x24 -noreset' dbus-run-session -- sh -c \"$inner\" sh \"$@\""
/* With CHUTES_BENCH_WESTON=1, a headless Wayland compositor too, if
 * installed: its socket is named in CHUTES_BENCH_WAYLAND_DISPLAY (the
 * app still uses X11 unless a benchmark sets WAYLAND_DISPLAY and
 * GDK_BACKEND for a child: bench_use_wayland()). */
#define SESSION_INNER_SCRIPT \
  "printf bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1; " \
  "weston=; " \
  "if [ \"$CHUTES_BENCH_WESTON\" = 1 ] && command -v weston >/dev/null; then " \
  "  weston --backend=headless-backend.so --socket=chutes-bench-wayland --width=1280 --height=900 " \
  "         --idle-time=0 >\"$XDG_RUNTIME_DIR/weston.log\" 2>&1 3>&- & weston=$!; " \
  "  for i in $(seq 100); do [ -S \"$XDG_RUNTIME_DIR/chutes-bench-wayland\" ] && break; sleep 0.1; done; " \
  "  [ -S \"$XDG_RUNTIME_DIR/chutes-bench-wayland\" ] && export CHUTES_BENCH_WAYLAND_DISPLAY=chutes-bench-wayland; " \
  "fi; " \
  "\"$@\" >&3 3>&-; status=$?; " \
  "if [ -n \"$weston\" ]; then kill \"$weston\"; wait \"$weston\"; fi 2>/dev/null; " \
  "exit $status"

static char **
setenv_default (char       **envp,
                const char  *name,
                const char  *value)
{
  const char *current = g_environ_getenv (envp, name);

  if (current == NULL || *current == '\0')
    envp = g_environ_setenv (envp, name, value, TRUE);

  return envp;
}

void
bench_enter_session (int    argc,
                     char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *self = NULL;
  struct { const char *name; const char *folder; } folders[] = {
    { "XDG_DATA_HOME", "data" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  int status;

  if (g_getenv ("CHUTES_BENCH_SESSION") != NULL)
    return;

  /* Help needs no session. */
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "-h") || g_str_equal (argv[i], "-?") ||
        g_str_has_prefix (argv[i], "--help"))
      return;

  home = g_dir_make_tmp ("chutes-bench-XXXXXX", &error);
  if (home == NULL)
    g_error ("Cannot make a home folder: %s", error->message);
  self = g_file_read_link ("/proc/self/exe", &error);
  if (self == NULL)
    g_error ("Cannot find this program: %s", error->message);

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "HOME", home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (home, folders[i].folder, NULL);

      g_mkdir_with_parents (path, 0700);
      envp = g_environ_setenv (envp, folders[i].name, path, TRUE);
    }
  envp = g_environ_setenv (envp, "GDK_BACKEND", "x11", TRUE);
  envp = setenv_default (envp, "GSK_RENDERER", "cairo");
  envp = g_environ_setenv (envp, "GSETTINGS_BACKEND", "memory", TRUE);
  envp = g_environ_setenv (envp, "GTK_USE_PORTAL", "0", TRUE);
  envp = g_environ_setenv (envp, "CHUTES_BENCH_SESSION", "1", TRUE);
  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  envp = g_environ_unsetenv (envp, "CHUTES_BENCH_WAYLAND_DISPLAY");
  envp = g_environ_unsetenv (envp, "DBUS_SESSION_BUS_ADDRESS");
  envp = g_environ_unsetenv (envp, "G_MESSAGES_DEBUG");
  envp = g_environ_unsetenv (envp, "CHUTES_OAUTH_SCOPES");
  envp = setenv_default (envp, "MOCK_CHUTES", BENCH_MOCK_CHUTES);
  envp = setenv_default (envp, "GSETTINGS_SCHEMA_DIR", BENCH_SCHEMA_DIR);

  g_ptr_array_add (args, "sh");
  g_ptr_array_add (args, "-c");
  g_ptr_array_add (args, SESSION_OUTER_SCRIPT);
  g_ptr_array_add (args, "sh");
  g_ptr_array_add (args, SESSION_INNER_SCRIPT);
  g_ptr_array_add (args, self);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);

  if (!g_spawn_sync (NULL, (char **) args->pdata, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    g_error ("Cannot start a headless session (xvfb-run, dbus-run-session, gnome-keyring): %s",
             error->message);

  {
    const char *rm[] = { "rm", "-rf", home, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  exit (WIFEXITED (status) ? WEXITSTATUS (status) : EXIT_FAILURE);
}

void
bench_log (const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (g_getenv ("CHUTES_BENCH_VERBOSE") == NULL)
    return;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("[%.3f] %s\n", g_get_monotonic_time () / 1e6, text);
}

/* Signing in --------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
  gpointer  result;
} Wait;

static gboolean
wait_done (gpointer user_data)
{
  return ((Wait *) user_data)->done;
}

static void
save_session_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = chutes_token_store_save_session_finish (CHUTES_TOKEN_STORE (object), result,
                                                     &wait->error);
  wait->done = TRUE;
}

ChutesTestMock *
bench_sign_in (ChutesTestMock  *mock,
               char           **access_token_out)
{
  g_autoptr(ChutesConfig) config = NULL;
  g_autoptr(ChutesTokenStore) store = NULL;
  g_autoptr(ChutesTokens) tokens = NULL;
  char *access_token;
  char *refresh_token = NULL;
  Wait wait = { 0 };

  /* Sets CHUTES_IDP_BASE_URL, CHUTES_API_BASE_URL and the client. */
  config = chutes_test_mock_new_config (mock, NULL);

  access_token = chutes_test_mock_sign_in (mock, NULL, &refresh_token);
  tokens = chutes_tokens_new (access_token, refresh_token,
                              g_get_real_time () / G_USEC_PER_SEC + 3000,
                              "openid profile chutes:invoke",
                              chutes_test_mock_get_username (mock));
  chutes_secret_free (refresh_token);
  if (access_token_out != NULL)
    *access_token_out = access_token;
  else
    chutes_secret_free (access_token);

  store = chutes_token_store_new (chutes_config_get_idp_base_url (config));
  chutes_token_store_save_session_async (store, chutes_config_get_client_id (config), tokens,
                                         NULL, save_session_cb, &wait);
  bench_iterate_until (wait_done, &wait, 30000, "the session to be stored in the keyring");
  if (!wait.ok)
    g_error ("Could not store the session in the keyring: %s", wait.error->message);

  return mock;
}

/* The history -------------------------------------------------------------- */

static void
history_open_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = chutes_history_open_finish (CHUTES_HISTORY (object), result, &wait->error);
  wait->done = TRUE;
}

ChutesHistory *
bench_history_open (void)
{
  g_autoptr(ChutesHistory) history = chutes_history_new (NULL);
  Wait wait = { 0 };

  chutes_history_open_async (history, NULL, history_open_cb, &wait);
  bench_iterate_until (wait_done, &wait, 30000, "the history to open");
  if (!wait.ok)
    g_error ("Could not open the history: %s", wait.error->message);

  return g_steal_pointer (&history);
}

static const char * const words[] = {
  "the", "window", "list", "model", "reply", "token", "stream", "history", "search",
  "GNOME", "widget", "frame", "layout", "memory", "thread", "database", "query", "index",
  "conversation", "message", "renderer", "Markdown", "parser", "label", "button",
  "shortcut", "sidebar", "toast", "keyring", "session", "quickly", "carefully", "usually",
  "never", "always", "is", "are", "uses", "keeps", "shows", "saves", "loads", "draws",
  "measures", "returns", "with", "from", "into", "for", "and", "but", "when", "while",
  "because", "so", "a", "an", "each", "every", "some", "one", "two", "three", "small",
  "large", "fast", "new", "old", "first", "last", "next", "café", "naïve", "über", "—", "<b>tags</b>", "&amp;", "x < y",
};

static const char *
word (GRand *rand)
{
  return words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];
}

static void
append_sentence (GString *out,
                 GRand   *rand)
{
  int n = g_rand_int_range (rand, 6, 17);

  for (int i = 0; i < n; i++)
    {
      const char *w = word (rand);
      int style = g_rand_int_range (rand, 0, 40);

      if (i > 0)
        g_string_append_c (out, ' ');
      if (i == 0)
        {
          g_autofree char *first = g_utf8_substring (w, 0, 1);
          g_autofree char *upper = g_utf8_strup (first, -1);

          g_string_append (out, upper);
          g_string_append (out, g_utf8_offset_to_pointer (w, 1));
        }
      else if (style == 0)
        g_string_append_printf (out, "`%s_%s()`", w, word (rand));
      else if (style == 1)
        g_string_append_printf (out, "**%s**", w);
      else if (style == 2)
        g_string_append_printf (out, "[%s](https://example.org/%d)", w, g_rand_int_range (rand, 0, 999));
      else
        g_string_append (out, w);
    }
  g_string_append (out, g_rand_int_range (rand, 0, 8) == 0 ? "?" : ".");
}

static void
append_paragraph (GString *out,
                  GRand   *rand)
{
  int n = g_rand_int_range (rand, 2, 6);

  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      append_sentence (out, rand);
    }
  g_string_append (out, "\n\n");
}

static void
append_list (GString *out,
             GRand   *rand)
{
  gboolean ordered = g_rand_boolean (rand);
  int n = g_rand_int_range (rand, 3, 7);

  for (int i = 0; i < n; i++)
    {
      if (ordered)
        g_string_append_printf (out, "%d. ", i + 1);
      else
        g_string_append (out, "- ");
      append_sentence (out, rand);
      g_string_append_c (out, '\n');
      if (g_rand_int_range (rand, 0, 5) == 0)
        for (int j = 0; j < 2; j++)
          {
            g_string_append (out, ordered ? "   - " : "  - ");
            append_sentence (out, rand);
            g_string_append_c (out, '\n');
          }
    }
  g_string_append_c (out, '\n');
}

static void
append_code (GString *out,
             GRand   *rand)
{
  static const char * const languages[] = { "c", "python", "sh", "js", "" };
  const char *language = languages[g_rand_int_range (rand, 0, G_N_ELEMENTS (languages))];
  int n = g_rand_int_range (rand, 4, 21);

  g_string_append_printf (out, "```%s\n", language);
  for (int i = 0; i < n; i++)
    {
      const char *a = words[g_rand_int_range (rand, 0, 30)];
      const char *b = words[g_rand_int_range (rand, 0, 30)];

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          g_string_append_printf (out, "%*sif (%s_%s (self) != NULL)\n", (i % 3) * 2, "", a, b);
          break;
        case 1:
          g_string_append_printf (out, "%*s%s = load_%s (\"%s\", %d);\n", (i % 3) * 2, "", a, b, a, i);
          break;
        case 2:
          g_string_append_printf (out, "%*s# %s %s, then %s\n", (i % 3) * 2, "", a, b, word (rand));
          break;
        default:
          g_string_append_printf (out, "%*sreturn %s < %s && %s > 0;\n", (i % 3) * 2, "", a, b, a);
          break;
        }
    }
  g_string_append (out, "```\n\n");
}

static void
append_table (GString *out,
              GRand   *rand)
{
  int rows = g_rand_int_range (rand, 3, 6);

  g_string_append_printf (out, "| %s | %s | %s |\n|---|:---:|---:|\n", word (rand), word (rand), word (rand));
  for (int i = 0; i < rows; i++)
    g_string_append_printf (out, "| %s %s | `%s` | %d |\n",
                            word (rand), word (rand), word (rand), g_rand_int_range (rand, 0, 10000));
  g_string_append_c (out, '\n');
}

static ChutesMessage *
make_message (guint  index,
              GRand *rand)
{
  g_autoptr(GString) text = g_string_new (NULL);
  ChutesMessage *message;

  if (index % 2 == 0)
    {
      append_sentence (text, rand);
      if (g_rand_boolean (rand))
        {
          g_string_append_c (text, ' ');
          append_sentence (text, rand);
        }
      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          g_string_append (text, "\n\n");
          append_code (text, rand);
        }
      return chutes_message_new (CHUTES_MESSAGE_ROLE_USER, g_strstrip (text->str));
    }

  if (g_rand_int_range (rand, 0, 10) == 0)
    {
      g_string_append (text, "## ");
      append_sentence (text, rand);
      g_string_append (text, "\n\n");
    }
  append_paragraph (text, rand);
  if (g_rand_int_range (rand, 0, 10) < 3)
    append_list (text, rand);
  if (g_rand_int_range (rand, 0, 10) < 2)
    append_code (text, rand);
  if (g_rand_int_range (rand, 0, 100) < 8)
    append_table (text, rand);
  if (g_rand_boolean (rand))
    append_paragraph (text, rand);

  message = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, g_strstrip (text->str));
  chutes_message_set_model (message, BENCH_MODEL);
  chutes_message_set_usage (message, 20 + index % 500, strlen (text->str) / 4);

  if (g_rand_int_range (rand, 0, 100) < 15)
    {
      g_autoptr(GString) reasoning = g_string_new (NULL);

      append_paragraph (reasoning, rand);
      append_paragraph (reasoning, rand);
      chutes_message_append_reasoning (message, g_strstrip (reasoning->str));
    }

  return message;
}

char *
bench_make_reply (guint seed,
                  gsize min_bytes)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 1; text->len < min_bytes; i += 2)
    {
      g_autoptr(ChutesMessage) message = make_message (i, rand);

      g_string_append (text, chutes_message_get_content (message));
      g_string_append (text, "\n\n");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
create_conversation_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = chutes_history_create_conversation_finish (CHUTES_HISTORY (object), result,
                                                            &wait->error);
  wait->done = TRUE;
}

typedef struct
{
  guint   pending;
  GError *error;
} Appends;

static void
append_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Appends *appends = user_data;
  GError *error = NULL;

  if (!chutes_history_append_message_finish (CHUTES_HISTORY (object), result, &error))
    {
      if (appends->error == NULL)
        appends->error = error;
      else
        g_error_free (error);
    }
  appends->pending--;
}

static gboolean
appends_done (gpointer user_data)
{
  return ((Appends *) user_data)->pending == 0;
}

gint64
bench_history_add_conversation (ChutesHistory *history,
                                const char    *title,
                                guint          n_messages,
                                guint          seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(ChutesChatSummary) summary = NULL;
  Wait wait = { 0 };
  Appends appends = { 0 };
  gint64 start_time = g_get_real_time () - (gint64) n_messages * 30 * G_USEC_PER_SEC;

  chutes_history_create_conversation_async (history, title, BENCH_MODEL, NULL,
                                            create_conversation_cb, &wait);
  bench_iterate_until (wait_done, &wait, 30000, "a conversation to be created");
  if (wait.result == NULL)
    g_error ("Could not create a conversation: %s", wait.error->message);
  summary = wait.result;

  for (guint i = 0; i < n_messages; i++)
    {
      g_autoptr(ChutesMessage) message = make_message (i, rand);

      /* Half a minute apart, ending now. */
      chutes_message_set_created_at (message, start_time + (gint64) i * 30 * G_USEC_PER_SEC);
      appends.pending++;
      chutes_history_append_message_async (history, chutes_chat_summary_get_id (summary),
                                           message, NULL, append_cb, &appends);
    }
  bench_iterate_until (appends_done, &appends, 600000, "the messages to be saved");
  if (appends.error != NULL)
    g_error ("Could not save a message: %s", appends.error->message);

  return chutes_chat_summary_get_id (summary);
}

/* The application ---------------------------------------------------------- */

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
bench_iterate_until (gboolean   (*done) (gpointer user_data),
                     gpointer     user_data,
                     guint        timeout_ms,
                     const char  *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!done (user_data))
    {
      if (timed_out)
        g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
      g_main_context_iteration (NULL, TRUE);
    }

  if (!timed_out)
    g_source_remove (id);
}

void
bench_iterate_for (guint ms)
{
  gboolean elapsed = FALSE;

  g_timeout_add (ms, timeout_cb, &elapsed);
  while (!elapsed)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  gint64   last_paint;
  guint    quiet_ms;
  guint    frames;
  gboolean check;
} Quiet;

static void
quiet_after_paint_cb (GdkFrameClock *clock,
                      Quiet         *quiet)
{
  quiet->last_paint = g_get_monotonic_time ();
  quiet->frames++;
}

/* What may keep drawing: spinners that spin (a CSS animation ticks even
 * on a hidden page), and the focus (a blinking cursor). */
static void
log_animations (GtkWidget *widget)
{
  if (GTK_IS_SPINNER (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget)))
    bench_log ("  a spinner spins in %s (mapped %d, child-visible %d)",
               G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)),
               gtk_widget_get_mapped (widget), gtk_widget_get_child_visible (widget));
  if (gtk_widget_has_focus (widget))
    bench_log ("  %s has the focus", G_OBJECT_TYPE_NAME (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    log_animations (child);
}

static gboolean
quiet_tick_cb (gpointer user_data)
{
  Quiet *quiet = user_data;

  quiet->check = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
quiet_done (gpointer user_data)
{
  Quiet *quiet = user_data;

  return g_get_monotonic_time () - quiet->last_paint >= (gint64) quiet->quiet_ms * 1000;
}

void
bench_wait_quiet (BenchApp *app,
                  guint     quiet_ms)
{
  Quiet quiet = { g_get_monotonic_time (), quiet_ms, FALSE };
  gulong handler = g_signal_connect (app->frame_clock, "after-paint",
                                     G_CALLBACK (quiet_after_paint_cb), &quiet);
  guint tick = g_timeout_add (10, quiet_tick_cb, &quiet);
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (!quiet_done (&quiet) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick);
  g_signal_handler_disconnect (app->frame_clock, handler);

  if (!quiet_done (&quiet))
    {
      bench_log ("still drawing after 2 s (%u frames)", quiet.frames);
      log_animations (GTK_WIDGET (app->window));
    }
}

GtkWidget *
bench_find_widget_full (GtkWidget *widget,
                        GType      type,
                        gboolean (*match) (GtkWidget *widget,
                                           gpointer   user_data),
                        gpointer   user_data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && (match == NULL || match (widget, user_data)))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = bench_find_widget_full (child, type, match, user_data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
bench_find_widget (GtkWidget *widget,
                   GType      type)
{
  return bench_find_widget_full (widget, type, NULL, NULL);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GListModel) hits = NULL;
  Wait *wait = user_data;

  hits = chutes_history_search_finish (CHUTES_HISTORY (object), result, &wait->error);
  wait->ok = hits != NULL;
  wait->done = TRUE;
}

static gboolean
chat_shown (gpointer user_data)
{
  BenchApp *app = user_data;

  return g_strcmp0 (chutes_window_get_visible_page (app->window), "chat") == 0;
}

static gboolean
app_ready (gpointer user_data)
{
  BenchApp *app = user_data;
  ChutesConversation *conversation = chutes_chat_page_get_conversation (app->page);

  return chat_shown (app) &&
         chutes_chat_page_get_models (app->page) != NULL &&
         chutes_conversation_get_model (conversation) != NULL &&
         gtk_widget_get_mapped (GTK_WIDGET (app->page));
}

BenchApp *
bench_app_start (void)
{
  BenchApp *app = g_new0 (BenchApp, 1);
  g_autoptr(GError) error = NULL;
  GtkWidget *list;
  GList *windows;
  Wait wait = { 0 };

  app->application = chutes_application_new ();
  if (!g_application_register (G_APPLICATION (app->application), NULL, &error))
    g_error ("Could not register the application: %s", error->message);
  g_application_activate (G_APPLICATION (app->application));

  windows = gtk_application_get_windows (GTK_APPLICATION (app->application));
  g_assert (windows != NULL && CHUTES_IS_WINDOW (windows->data));
  app->window = windows->data;
  bench_log ("app: window created");
  /* The chat page is built when the chats are first shown. */
  bench_iterate_until (chat_shown, app, 60000, "the app to show its chats");
  app->page = CHUTES_CHAT_PAGE (bench_find_widget (GTK_WIDGET (app->window), CHUTES_TYPE_CHAT_PAGE));
  list = bench_find_widget (GTK_WIDGET (app->page), GTK_TYPE_LIST_VIEW);
  g_assert (app->page != NULL && list != NULL);
  app->scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW));

  bench_iterate_until (app_ready, app, 60000, "the app to be signed in with its models loaded");
  bench_log ("app: signed in, models loaded");

  /* Any job queued now runs after the history has opened. */
  chutes_history_search_async (chutes_application_get_history (app->application), "bench",
                               NULL, search_cb, &wait);
  bench_iterate_until (wait_done, &wait, 30000, "the history to open");

  app->frame_clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (app->window)));
  bench_wait_quiet (app, 500);
  bench_log ("app: ready");

  return app;
}

void
bench_app_free (BenchApp *app)
{
  for (GList *windows; (windows = gtk_application_get_windows (GTK_APPLICATION (app->application)));)
    gtk_window_destroy (windows->data);
  chutes_history_close (chutes_application_get_history (app->application));
  g_clear_object (&app->application);
  g_free (app);
}

/* Frames and stalls -------------------------------------------------------- */

/* CHUTES_BENCH_TRACE=MS logs every frame and every stall longer than MS
 * milliseconds, with the frame's phases, on stderr. */
static double
trace_threshold_ms (void)
{
  static double threshold = -1;

  /* Read once: the stall meter asks every millisecond. */
  if (threshold < 0)
    {
      const char *value = g_getenv ("CHUTES_BENCH_TRACE");

      threshold = value != NULL ? MAX (g_ascii_strtod (value, NULL), 0) : 0;
    }

  return threshold;
}

static gint64 trace_phase[3];   /* start of update, layout, paint */

static void
trace_phase_cb (GdkFrameClock *clock,
                gpointer       phase)
{
  trace_phase[GPOINTER_TO_INT (phase)] = g_get_monotonic_time ();
}

static void
frames_before_paint_cb (GdkFrameClock *clock,
                        BenchFrames   *frames)
{
  frames->frame_start = g_get_monotonic_time ();
  memset (trace_phase, 0, sizeof trace_phase);
}

static void
frames_after_paint_cb (GdkFrameClock *clock,
                       BenchFrames   *frames)
{
  gint64 now = g_get_monotonic_time ();
  double value;

  if (frames->frame_start != 0)
    {
      value = (now - frames->frame_start) / 1000.0;
      g_array_append_val (frames->work_ms, value);
      if (trace_threshold_ms () > 0 && value > trace_threshold_ms ())
        {
          gint64 update = trace_phase[0] ? trace_phase[0] : frames->frame_start;
          gint64 layout = trace_phase[1] ? trace_phase[1] : update;
          gint64 paint = trace_phase[2] ? trace_phase[2] : layout;

          g_printerr ("trace: %.3f frame %.1f ms: before %.1f update %.1f layout %.1f paint %.1f\n",
                      now / 1e6, value, (update - frames->frame_start) / 1000.0,
                      (layout - update) / 1000.0, (paint - layout) / 1000.0, (now - paint) / 1000.0);
        }
    }
  if (frames->last_paint != 0)
    {
      value = (now - frames->last_paint) / 1000.0;
      g_array_append_val (frames->interval_ms, value);
    }

  g_array_append_val (frames->end_time, now);
  frames->last_paint = now;
  frames->frame_start = 0;
}

void
bench_frames_start (BenchFrames   *frames,
                    GdkFrameClock *clock)
{
  memset (frames, 0, sizeof *frames);
  frames->work_ms = g_array_new (FALSE, FALSE, sizeof (double));
  frames->interval_ms = g_array_new (FALSE, FALSE, sizeof (double));
  frames->end_time = g_array_new (FALSE, FALSE, sizeof (gint64));
  frames->clock = g_object_ref (clock);
  frames->before_id = g_signal_connect (clock, "before-paint",
                                        G_CALLBACK (frames_before_paint_cb), frames);
  frames->after_id = g_signal_connect (clock, "after-paint",
                                       G_CALLBACK (frames_after_paint_cb), frames);
  if (trace_threshold_ms () > 0)
    {
      static const char * const phases[] = { "update", "layout", "paint" };

      for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
        frames->trace_ids[i] = g_signal_connect (clock, phases[i], G_CALLBACK (trace_phase_cb),
                                                 GINT_TO_POINTER (i));
    }
}

void
bench_frames_stop (BenchFrames *frames)
{
  if (frames->clock == NULL)
    return;

  g_clear_signal_handler (&frames->before_id, frames->clock);
  g_clear_signal_handler (&frames->after_id, frames->clock);
  for (guint i = 0; i < G_N_ELEMENTS (frames->trace_ids); i++)
    g_clear_signal_handler (&frames->trace_ids[i], frames->clock);
  g_clear_object (&frames->clock);
}

void
bench_frames_clear (BenchFrames *frames)
{
  bench_frames_stop (frames);
  g_clear_pointer (&frames->work_ms, g_array_unref);
  g_clear_pointer (&frames->interval_ms, g_array_unref);
  g_clear_pointer (&frames->end_time, g_array_unref);
}

/* How long the main thread waited for a CPU, in ns, from
 * /proc/thread-self/schedstat; FALSE where the kernel does not say. */
static gboolean
read_run_delay (guint64 *waiting)
{
  char buffer[128];
  ssize_t n;
  int fd;

  fd = open ("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  n = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  if (n <= 0)
    return FALSE;
  buffer[n] = '\0';

  return sscanf (buffer, "%*u %" G_GUINT64_FORMAT, waiting) == 1;
}

/* Time the hypervisor took from each CPU (steal), in ms, from /proc/stat,
 * and the machine's steal and all its CPU time: a virtual machine's thread
 * seems to run, by the wall clock, while its CPU is taken. In ticks of
 * 1/USER_HZ s, so only a large steal shows. Returns the number of CPUs. */
static guint
read_steal (double *steal,
            guint   n_max,
            double *all_steal,
            double *all_time)
{
  char buffer[4096];
  guint n = 0;
  ssize_t length;
  int fd = open ("/proc/stat", O_RDONLY | O_CLOEXEC);

  *all_steal = *all_time = 0;
  if (fd < 0)
    return 0;
  length = read (fd, buffer, sizeof buffer - 1);
  close (fd);
  if (length <= 0)
    return 0;
  buffer[length] = '\0';

  for (char *line = buffer; line != NULL && strncmp (line, "cpu", 3) == 0; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    {
      unsigned long long v[8];
      double tick_ms = 1000.0 / sysconf (_SC_CLK_TCK);

      if (line[3] == ' ')
        {
          if (sscanf (line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
                      &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
            {
              *all_steal = v[7] * tick_ms;
              *all_time = (v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) * tick_ms;
            }
        }
      else if (n < n_max &&
               sscanf (line, "cpu%*u %llu %llu %llu %llu %llu %llu %llu %llu",
                       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
        steal[n++] = v[7] * tick_ms;
    }

  return n;
}

static gboolean
stall_meter_cb (gpointer user_data)
{
  BenchStallMeter *meter = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = bench_thread_cpu_us ();
  gboolean tracing = trace_threshold_ms () > 0;
  double steal[G_N_ELEMENTS (meter->last_steal)] = { 0 };
  double all_steal, all_time;
  guint64 waiting = 0;
  guint n_cpus = 0;

  if (meter->last != 0)
    {
      if (now - meter->last > meter->longest)
        {
          meter->longest = now - meter->last;
          meter->longest_cpu = cpu - meter->last_cpu;
        }
      meter->most_cpu = MAX (meter->most_cpu, cpu - meter->last_cpu);
    }

  /* Of a stall: how long the thread ran, how long it was ready but
   * waited for a CPU, and the rest, in which it was blocked (in poll(),
   * on the X server's reply to a round trip) or its CPU was taken. */
  if (tracing)
    {
      read_run_delay (&waiting);
      n_cpus = read_steal (steal, G_N_ELEMENTS (steal), &all_steal, &all_time);
    }
  if (meter->last != 0 && tracing && (now - meter->last) / 1000.0 > trace_threshold_ms ())
    {
      double ran = (cpu - meter->last_cpu) / 1000.0;
      double waited = (waiting - meter->last_waiting) / 1e6;
      g_autoptr(GString) stolen = g_string_new (NULL);

      for (guint i = 0; i < n_cpus; i++)
        if (steal[i] > meter->last_steal[i])
          g_string_append_printf (stolen, ", CPU %u stolen %.0f", i, steal[i] - meter->last_steal[i]);
      g_printerr ("trace: %.3f stall %.1f ms from %.3f: ran %.1f, waited for a CPU %.1f, "
                  "blocked or stolen %.1f%s\n",
                  now / 1e6, (now - meter->last) / 1000.0, meter->last / 1e6,
                  ran, waited, MAX ((now - meter->last) / 1000.0 - ran - waited, 0), stolen->str);
    }
  memcpy (meter->last_steal, steal, sizeof steal);
  meter->last_waiting = waiting;
  meter->last_cpu = cpu;
  meter->last = now;
  meter->runs++;

  return G_SOURCE_CONTINUE;
}

void
bench_stall_meter_start (BenchStallMeter *meter)
{
  double steal[1];

  memset (meter, 0, sizeof *meter);
  read_steal (steal, 0, &meter->steal_start, &meter->total_start);
  meter->source_id = g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_meter_cb, meter, NULL);
}

double
bench_stall_meter_stop (BenchStallMeter *meter)
{
  double steal[1], all_steal, all_time;

  /* The stall in progress counts too. */
  stall_meter_cb (meter);
  g_clear_handle_id (&meter->source_id, g_source_remove);
  read_steal (steal, 0, &all_steal, &all_time);
  meter->steal_percent = all_time > meter->total_start
                         ? 100 * (all_steal - meter->steal_start) / (all_time - meter->total_start)
                         : NAN;

  return meter->longest / 1000.0;
}

/* Memory and statistics ---------------------------------------------------- */

gint64
bench_thread_cpu_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);

  return now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

double
bench_rss_mib (GPid pid)
{
  g_autofree char *path = pid ? g_strdup_printf ("/proc/%d/status", pid) : g_strdup ("/proc/self/status");
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL) ||
      (line = strstr (contents, "\nVmRSS:")) == NULL)
    return NAN;

  return g_ascii_strtod (line + strlen ("\nVmRSS:"), NULL) / 1024.0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *values,
                  double  percentile)
{
  double position;
  guint below;

  if (values == NULL || values->len == 0)
    return NAN;

  g_array_sort (values, compare_doubles);
  position = percentile / 100.0 * (values->len - 1);
  below = (guint) floor (position);
  if (below + 1 >= values->len)
    return g_array_index (values, double, values->len - 1);

  return g_array_index (values, double, below) +
         (position - below) * (g_array_index (values, double, below + 1) -
                               g_array_index (values, double, below));
}

double
bench_median (GArray *values)
{
  return bench_percentile (values, 50);
}

double
bench_max (GArray *values)
{
  return bench_percentile (values, 100);
}

/* Output ------------------------------------------------------------------- */

void
bench_print_columns (void)
{
  g_print ("columns\tbenchmark\twhat\tfigure\tbaseline\tratio\ttarget\n");
}

void
bench_print_row (const char *benchmark,
                 const char *what,
                 const char *figure,
                 const char *baseline,
                 double      ratio,
                 const char *target)
{
  char ratio_text[32] = "-";

  if (!isnan (ratio) && !isinf (ratio))
    g_snprintf (ratio_text, sizeof ratio_text, "%.2f", ratio);

  g_print ("%s\t%s\t%s\t%s\t%s\t%s\n", benchmark, what, figure, baseline, ratio_text, target);
}

void
bench_print_pair (const char *benchmark,
                  const char *what,
                  int         digits,
                  const char *unit,
                  double      figure,
                  const char *baseline_label,
                  double      baseline,
                  const char *target)
{
  g_autofree char *figure_text = g_strdup_printf ("%.*f %s", digits, figure, unit);
  g_autofree char *baseline_text = g_strdup_printf ("%s: %.*f %s", baseline_label, digits, baseline, unit);

  bench_print_row (benchmark, what, figure_text, baseline_text, figure / baseline, target);
}

void
bench_parse_options (int          *argc,
                     char       ***argv,
                     const char   *summary,
                     GOptionEntry *entries)
{
  g_autoptr(GOptionContext) context = g_option_context_new (summary);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (EXIT_FAILURE);
    }
}

void
bench_result (const char *key,
              double      value)
{
  g_print ("RESULT %s %.6f\n", key, value);
  fflush (stdout);
}

GHashTable *
bench_run_child (const char * const *argv)
{
  g_autoptr(GHashTable) results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &output, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s", argv[0], error->message);

  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 3);

      if (g_strv_length (fields) == 3 && g_str_equal (fields[0], "RESULT"))
        {
          double *value = g_new (double, 1);

          *value = g_ascii_strtod (fields[2], NULL);
          g_hash_table_insert (results, g_strdup (fields[1]), value);
        }
      else if (*lines[i] != '\0')
        g_printerr ("%s\n", lines[i]);
    }

  return g_steal_pointer (&results);
}

gboolean
bench_use_wayland (gboolean wayland)
{
  const char *display = g_getenv ("CHUTES_BENCH_WAYLAND_DISPLAY");

  if (!wayland)
    {
      g_setenv ("GDK_BACKEND", "x11", TRUE);
      g_unsetenv ("WAYLAND_DISPLAY");
      return TRUE;
    }

  if (display == NULL)
    return FALSE;

  g_setenv ("GDK_BACKEND", "wayland", TRUE);
  g_setenv ("WAYLAND_DISPLAY", display, TRUE);
  return TRUE;
}

double
bench_child_value (GHashTable *results,
                   const char *key)
{
  double *value = g_hash_table_lookup (results, key);

  return value != NULL ? *value : NAN;
}

static void
reply_items_changed_cb (GListModel *messages,
                        guint       position,
                        guint       removed,
                        guint       added,
                        BenchReply *reply)
{
  for (guint i = position; i < position + added && reply->message == NULL; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);

      if (chutes_message_get_role (message) == CHUTES_MESSAGE_ROLE_ASSISTANT)
        {
          reply->message = g_object_ref (message);
          g_signal_connect (message, "notify", reply->notify_cb, reply);
        }
    }
}

void
bench_reply_watch (BenchReply *reply,
                   GListModel *messages)
{
  reply->messages = messages;
  g_signal_connect (messages, "items-changed", G_CALLBACK (reply_items_changed_cb), reply);
}

void
bench_reply_clear (BenchReply *reply)
{
  if (reply->messages != NULL)
    g_signal_handlers_disconnect_by_data (reply->messages, reply);
  if (reply->message != NULL)
    g_signal_handlers_disconnect_by_data (reply->message, reply);
  g_clear_object (&reply->message);
  reply->messages = NULL;
}
