/* harness.h: what the benchmarks of the running app share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private headless desktop session, a signed-in account on the mock
 * server, a filled chat history, the real application run in the
 * benchmark's own process, frame timings, memory, and the rows bench/run
 * turns into its table.
 */
#pragma once

#include <adwaita.h>

#include "chutes-application.h"
#include "chutes-chat-page.h"
#include "chutes-history.h"
#include "chutes-test-mock.h"
#include "chutes-window.h"

G_BEGIN_DECLS

/* The model every benchmark chats with (one the mock offers). */
#define BENCH_MODEL "deepseek-ai/DeepSeek-V3-0324"

/* Parses the command line with @entries (unknown options are left alone:
 * bench/run gives the same to every benchmark); exits on an error. */
void            bench_parse_options          (int          *argc,
                                              char       ***argv,
                                              const char   *summary,
                                              GOptionEntry *entries);

/* Runs this program again inside a private session, unless it is in one
 * already: xvfb-run (with -noreset), dbus-run-session, an unlocked
 * gnome-keyring, a fresh HOME with its own XDG folders, GDK_BACKEND=x11,
 * GSK_RENDERER=cairo, GSETTINGS_BACKEND=memory, and MOCK_CHUTES and
 * GSETTINGS_SCHEMA_DIR pointing into the build. Then exits with its
 * status. Returns only inside the session. Call it before parsing the
 * command line, which would take options out of @argv. */
void            bench_enter_session          (int          argc,
                                              char       **argv);

/* Prints a progress line on stderr when CHUTES_BENCH_VERBOSE is set. */
void            bench_log                    (const char  *format,
                                              ...) G_GNUC_PRINTF (1, 2);

/* Signs in to @mock as the app would have, stores that session in the
 * keyring where the app looks for it, and sets CHUTES_* for this process
 * and its children, so that the app starts signed in. Returns @mock; the
 * access token in @access_token_out (free it with chutes_secret_free()),
 * when not NULL. */
ChutesTestMock *bench_sign_in                (ChutesTestMock  *mock,
                                              char           **access_token_out);

/* Opens the default history of this session (XDG_DATA_HOME), blocking. */
ChutesHistory  *bench_history_open           (void);
/* Saves a conversation of @n_messages plausible messages (questions, and
 * replies with paragraphs, lists, code, tables, some with reasoning),
 * the same for the same @seed. Blocking. Returns its id. */
gint64          bench_history_add_conversation (ChutesHistory *history,
                                                const char    *title,
                                                guint          n_messages,
                                                guint          seed);

/* A long reply in Markdown as those messages have them: paragraphs,
 * lists, code, tables; at least @min_bytes long, the same for the same
 * @seed. */
char           *bench_make_reply             (guint          seed,
                                              gsize          min_bytes);

/* The application of this process, signed in and on its chat page. */
typedef struct
{
  ChutesApplication *application;
  ChutesWindow      *window;
  ChutesChatPage    *page;
  GtkScrolledWindow *scroller;
  GdkFrameClock     *frame_clock;
} BenchApp;

/* Creates the real application and its window (as the executable would,
 * but in this process), and iterates the main context until the window
 * shows the chat page, the history is open, the models are loaded and
 * nothing has been drawn for a moment. Aborts after 60 s. */
BenchApp       *bench_app_start              (void);
void            bench_app_free               (BenchApp    *app);

/* Iterates the default main context until @done returns TRUE; aborts with
 * a message naming @what after @timeout_ms. */
void            bench_iterate_until          (gboolean   (*done) (gpointer user_data),
                                              gpointer     user_data,
                                              guint        timeout_ms,
                                              const char  *what);
/* Iterates the default main context for @ms milliseconds. */
void            bench_iterate_for            (guint        ms);
/* Iterates until no frame has been drawn for @quiet_ms, or for 2 s when
 * something keeps drawing. */
void            bench_wait_quiet             (BenchApp    *app,
                                              guint        quiet_ms);

/* The first widget of @type under @widget (itself included), depth first,
 * for which @match (when not NULL) returns TRUE. */
GtkWidget      *bench_find_widget_full       (GtkWidget   *widget,
                                              GType        type,
                                              gboolean   (*match) (GtkWidget *widget,
                                                                   gpointer   user_data),
                                              gpointer     user_data);
GtkWidget      *bench_find_widget            (GtkWidget   *widget,
                                              GType        type);

/* The reply to the next question: the first assistant message added to
 * @messages from bench_reply_watch() on, referenced in @message, with
 * @notify_cb connected to its "notify" signal, its user data the
 * BenchReply (make it the first member of a struct of your own). */
typedef struct
{
  ChutesMessage *message;
  GCallback      notify_cb;
  GListModel    *messages;
} BenchReply;

void            bench_reply_watch            (BenchReply  *reply,
                                              GListModel  *messages);
/* Disconnects from the messages and the reply, and drops it. */
void            bench_reply_clear            (BenchReply  *reply);

/* Frame timings: for each frame the window draws while recording, the
 * time from "before-paint" to "after-paint" (update, layout and paint:
 * the main thread's work for that frame) and the time since the previous
 * frame ended. */
typedef struct
{
  GArray *work_ms;        /* double */
  GArray *interval_ms;    /* double: the first frame has none */
  GArray *end_time;       /* gint64: monotonic µs of each after-paint */
  gint64  last_paint;     /* monotonic µs of the last after-paint */
  gint64  frame_start;
  gulong  before_id;
  gulong  after_id;
  gulong  trace_ids[3];   /* CHUTES_BENCH_TRACE: update, layout, paint */
  GdkFrameClock *clock;
} BenchFrames;

void            bench_frames_start           (BenchFrames   *frames,
                                              GdkFrameClock *clock);
void            bench_frames_stop            (BenchFrames   *frames);
void            bench_frames_clear           (BenchFrames   *frames);

/* Main-loop stalls: a 1 ms timeout at G_PRIORITY_HIGH notes the longest
 * wait between two of its runs, i.e. the longest time the main loop was
 * busy with something else. It also notes how much of each stall the
 * main thread spent on a CPU (its CPU time, which on a virtual machine
 * leaves out the time the hypervisor took the CPU away), and the share
 * of the machine's CPU time taken by the hypervisor (steal). */
typedef struct
{
  guint   source_id;
  gint64  last;
  gint64  longest;        /* µs of wall clock */
  gint64  longest_cpu;    /* µs of CPU time in that stall */
  gint64  most_cpu;       /* µs: the most CPU time in any stall */
  gint64  last_cpu;
  guint   runs;
  double  steal_start;    /* ms, all CPUs */
  double  total_start;
  double  steal_percent;  /* set by bench_stall_meter_stop() */
  guint64 last_waiting;   /* ns, CHUTES_BENCH_TRACE only */
  double  last_steal[8];  /* ms per CPU, CHUTES_BENCH_TRACE only */
} BenchStallMeter;

void            bench_stall_meter_start      (BenchStallMeter *meter);
/* Returns the longest stall in ms. */
double          bench_stall_meter_stop       (BenchStallMeter *meter);

/* CPU time of the calling thread, in µs. */
gint64          bench_thread_cpu_us          (void);

/* Resident memory of process @pid (0: this one) in MiB, from /proc. */
double          bench_rss_mib                (GPid         pid);

/* Statistics of an array of doubles (sorted in place). */
double          bench_median                 (GArray      *values);
double          bench_percentile             (GArray      *values,
                                              double       percentile);
double          bench_max                    (GArray      *values);

/* Rows for bench/run (see bench/README.md). bench_print_columns() first,
 * once; then one row a figure, with the baseline measured in the same run
 * beside it, their ratio, figure / baseline (NAN: none), and the target
 * from the issue ("-": none). */
void            bench_print_columns          (void);
void            bench_print_row              (const char  *benchmark,
                                              const char  *what,
                                              const char  *figure,
                                              const char  *baseline,
                                              double       ratio,
                                              const char  *target);

/* A row whose figure is @figure and baseline "@baseline_label: @baseline",
 * both with @digits decimals and @unit; the ratio is figure / baseline. */
void            bench_print_pair             (const char  *benchmark,
                                              const char  *what,
                                              int          digits,
                                              const char  *unit,
                                              double       figure,
                                              const char  *baseline_label,
                                              double       baseline,
                                              const char  *target);

/* "RESULT key value" lines: how a benchmark's child process hands its
 * figures to the parent. */
void            bench_result                 (const char  *key,
                                              double       value);
/* Runs @argv (NULL-terminated) with this environment and returns the
 * "RESULT" values it printed (key → double boxed as gdouble*); aborts
 * when it fails. Its other output goes to stderr. */
GHashTable     *bench_run_child              (const char * const *argv);
double          bench_child_value            (GHashTable  *results,
                                              const char  *key);
/* Children started from now on show their windows on the headless
 * Wayland compositor (TRUE; FALSE when there is none: the session was
 * entered without CHUTES_BENCH_WESTON=1 or weston is not installed) or
 * on the X server (FALSE, the default). */
gboolean        bench_use_wayland            (gboolean     wayland);

G_END_DECLS
