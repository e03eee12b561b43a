/* bench-startup.c: start-up time and idle memory, beside a bare window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts the installed-to-be program (src/chutes-desktop, signed in to the
 * mock server, with some saved conversations) and bench/bare-window (an
 * AdwApplicationWindow and nothing else) in turn, --runs times each, and
 * measures both the same way, from outside the program's own code: a
 * probe preloaded into the process (LD_PRELOAD) notes when the frame clock
 * of its first mapped window finishes each frame. Figures:
 *
 *   - start to first frame: from just before the spawn to the end of the
 *     first frame (the median over the runs);
 *   - start to quiet: to the last frame before nothing is drawn for a
 *     second (the window has loaded what it shows); a window that never
 *     stops drawing has no such time;
 *   - idle resident memory: VmRSS once quiet (or after 6 s);
 *   - frames a second while idle: what an idle window keeps drawing.
 *
 * Caches are warm (a first run is made and thrown away): this is a new
 * process, not a cold disk.
 *
 * Targets (issue 3): start-up within 1.3x and idle memory within 1.5x of
 * the bare window.
 *
 * Built with -DBENCH_STARTUP_PROBE, this file is the probe.
 */
#include "config.h"

#ifdef BENCH_STARTUP_PROBE

#include <stdio.h>
#include <unistd.h>

#include <gtk/gtk.h>

#define PROBE_MAX_FRAMES 5000

static FILE *probe_output;
static guint probe_frames;

static void
probe_after_paint_cb (GdkFrameClock *clock,
                      gpointer       user_data)
{
  if (probe_frames++ >= PROBE_MAX_FRAMES)
    return;

  fprintf (probe_output, "frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
           g_get_monotonic_time (), gdk_frame_clock_get_frame_counter (clock));
  fflush (probe_output);

  /* BENCH_PROBE_EXIT=1: the process ends with its first frame, so that a
   * profiler (perf record -- bench-startup) sees start-up and nothing else. */
  if (g_getenv ("BENCH_PROBE_EXIT") != NULL)
    _exit (0);
}

/* Runs at high priority every millisecond until a window is mapped, so it
 * runs before that window's first frame (drawn at a lower priority). */
static gboolean
probe_poll_cb (gpointer user_data)
{
  GListModel *toplevels;

  if (!gtk_is_initialized ())
    return G_SOURCE_CONTINUE;

  toplevels = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);
      GdkFrameClock *clock;

      if (!gtk_widget_get_mapped (window))
        continue;

      clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (window)));
      fprintf (probe_output, "mapped %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
               g_get_monotonic_time (), gdk_frame_clock_get_frame_counter (clock));
      fflush (probe_output);
      g_signal_connect (clock, "after-paint", G_CALLBACK (probe_after_paint_cb), NULL);

      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

__attribute__((constructor)) static void
probe_init (void)
{
  const char *path = g_getenv ("BENCH_PROBE_OUTPUT");

  /* Not inherited by what the program starts. */
  g_unsetenv ("LD_PRELOAD");

  if (path == NULL || (probe_output = fopen (path, "w")) == NULL)
    return;

  g_timeout_add_full (G_PRIORITY_HIGH, 1, probe_poll_cb, NULL, NULL);
}

#else /* the benchmark */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "harness.h"

#define BENCHMARK "startup"
#define QUIET_MS 1000
#define GIVE_UP_MS 6000

typedef struct
{
  const char *name;
  const char *path;
  GArray     *first_frame;   /* ms */
  GArray     *quiet;         /* ms, NAN when it never got quiet */
  GArray     *rss;           /* MiB */
  GArray     *idle_fps;
} Program;

typedef struct
{
  gint64 mapped;
  gint64 first_frame;
  gint64 last_frame;
  gint64 first_counter;
  guint  frames;
  GArray *frame_times;       /* gint64 */
} Probe;

/* Reads what the probe wrote so far. */
static void
probe_read (const char *path,
            Probe      *probe)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  probe->frames = 0;
  g_array_set_size (probe->frame_times, 0);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gint64 time, counter;
      char kind[16];

      /* A line still being written is skipped until it is whole. */
      if (lines[i + 1] == NULL ||
          sscanf (lines[i], "%15s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, kind, &time, &counter) != 3)
        continue;

      if (g_str_equal (kind, "mapped"))
        probe->mapped = time;
      else if (g_str_equal (kind, "frame"))
        {
          if (probe->frames++ == 0)
            {
              probe->first_frame = time;
              probe->first_counter = counter;
            }
          probe->last_frame = time;
          g_array_append_val (probe->frame_times, time);
        }
    }
}

static void
run_once (Program    *program,
          const char *probe_path,
          gboolean    keep)
{
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  Probe probe = { 0 };
  const char *argv[] = { program->path, NULL };
  gint64 start, now;
  double first, quiet = NAN, rss, fps = 0;
  GPid pid;
  int status;

  probe.frame_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_unlink (probe_path);
  envp = g_environ_setenv (envp, "LD_PRELOAD", BENCH_STARTUP_PROBE_MODULE, TRUE);
  envp = g_environ_setenv (envp, "BENCH_PROBE_OUTPUT", probe_path, TRUE);

  start = g_get_monotonic_time ();
  if (!g_spawn_async (NULL, (char **) argv, envp,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    g_error ("Cannot start %s: %s", program->path, error->message);

  /* Until the first frame, then until a second without one. The times
   * come from the probe: polling seldom only spares the processor. */
  for (;;)
    {
      g_usleep (20000);
      now = g_get_monotonic_time ();
      probe_read (probe_path, &probe);

      if (probe.frames == 0)
        {
          if (now - start > 30 * G_USEC_PER_SEC)
            g_error ("%s drew no frame within 30 s", program->name);
          continue;
        }

      if (now - probe.last_frame >= QUIET_MS * 1000)
        {
          quiet = (probe.last_frame - start) / 1000.0;
          break;
        }
      if (now - probe.first_frame >= GIVE_UP_MS * 1000)
        break;
    }

  first = (probe.first_frame - start) / 1000.0;
  rss = bench_rss_mib (pid);

  /* Frames drawn in the last second, when it never got quiet. */
  if (isnan (quiet))
    for (guint i = 0; i < probe.frame_times->len; i++)
      if (g_array_index (probe.frame_times, gint64, i) > now - G_USEC_PER_SEC)
        fps++;

  kill (pid, SIGTERM);
  if (waitpid (pid, &status, 0) != pid)
    g_error ("Lost %s", program->name);
  g_spawn_close_pid (pid);

  bench_log ("%s: first frame %.0f ms (counter %" G_GINT64_FORMAT ", mapped %.0f ms), quiet %.0f ms, "
             "%.0f MiB, %.0f frames/s idle",
             program->name, first, probe.first_counter, (probe.mapped - start) / 1000.0,
             quiet, rss, fps);

  if (keep)
    {
      g_array_append_val (program->first_frame, first);
      g_array_append_val (program->quiet, quiet);
      g_array_append_val (program->rss, rss);
      g_array_append_val (program->idle_fps, fps);
    }

  g_array_unref (probe.frame_times);
}

/* The median of the runs that got quiet, or NAN if any did not. */
static double
median_quiet (GArray *values)
{
  for (guint i = 0; i < values->len; i++)
    if (isnan (g_array_index (values, double, i)))
      return NAN;

  return bench_median (values);
}

static char *
format_ms (const char *label,
           double      ms)
{
  return isnan (ms) ? g_strdup_printf ("%s%snever quiet", label, *label ? ": " : "")
                    : g_strdup_printf ("%s%s%.0f ms", label, *label ? ": " : "", ms);
}

static void
print_table (Program *app,
             Program *bare,
             int      runs)
{
  double app_first = bench_median (app->first_frame);
  double bare_first = bench_median (bare->first_frame);
  double app_quiet = median_quiet (app->quiet);
  double bare_quiet = median_quiet (bare->quiet);
  double app_rss = bench_median (app->rss);
  double bare_rss = bench_median (bare->rss);
  g_autofree char *what = g_strdup_printf ("start to first frame (median of %d)", runs);
  g_autofree char *first_target = g_strdup_printf ("< 1.3x: %s", app_first <= 1.3 * bare_first ? "met" : "MISSED");
  g_autofree char *rss_target = g_strdup_printf ("< 1.5x: %s", app_rss <= 1.5 * bare_rss ? "met" : "MISSED");
  g_autofree char *quiet = format_ms ("", app_quiet);
  g_autofree char *quiet_baseline = format_ms ("bare window", bare_quiet);
  g_autofree char *fps = g_strdup_printf ("%.0f", bench_median (app->idle_fps));
  g_autofree char *fps_baseline = g_strdup_printf ("bare window: %.0f", bench_median (bare->idle_fps));

  bench_print_columns ();
  bench_print_pair (BENCHMARK, what, 0, "ms", app_first, "bare window", bare_first, first_target);
  bench_print_row (BENCHMARK, "start to the last frame before a second of quiet", quiet, quiet_baseline,
                   app_quiet / bare_quiet, "-");
  bench_print_pair (BENCHMARK, "idle resident memory", 0, "MiB", app_rss, "bare window", bare_rss, rss_target);
  bench_print_row (BENCHMARK, "frames a second drawn while idle", fps, fps_baseline, NAN, "0");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesTestMock) mock = NULL;
  g_autoptr(ChutesHistory) history = NULL;
  g_autofree char *probe_dir = NULL;
  g_autofree char *probe_path = NULL;
  const char *app_path = g_getenv ("CHUTES_BENCH_APP");
  int runs = 7;
  int conversations = 20;
  GOptionEntry entries[] = {
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Starts of each program; the median counts (default 7)", "N" },
    { "conversations", 0, 0, G_OPTION_ARG_INT, &conversations, "Saved conversations of the app (default 20)", "N" },
    { NULL }
  };
  Program app = { "app" }, bare = { "bare window" };
  Program *programs[] = { &app, &bare };

  bench_enter_session (argc, argv);

  bench_parse_options (&argc, &argv, "- time start-up and idle memory beside a bare window", entries);
  if (runs < 1 || conversations < 0)
    {
      g_printerr ("--runs must be at least 1\n");
      return EXIT_FAILURE;
    }

  app.path = app_path != NULL && *app_path != '\0' ? app_path : BENCH_APP;
  bare.path = BENCH_BARE_WINDOW;
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      programs[i]->first_frame = g_array_new (FALSE, FALSE, sizeof (double));
      programs[i]->quiet = g_array_new (FALSE, FALSE, sizeof (double));
      programs[i]->rss = g_array_new (FALSE, FALSE, sizeof (double));
      programs[i]->idle_fps = g_array_new (FALSE, FALSE, sizeof (double));
    }

  /* A person who uses the app: signed in, some saved conversations. */
  mock = bench_sign_in (chutes_test_mock_start ("--quiet", NULL), NULL);
  history = bench_history_open ();
  for (int i = 0; i < conversations; i++)
    {
      g_autofree char *title = g_strdup_printf ("Conversation %d", i + 1);

      bench_history_add_conversation (history, title, 12, 100 + i);
    }
  chutes_history_close (history);

  probe_dir = g_dir_make_tmp ("chutes-bench-probe-XXXXXX", &error);
  g_assert_no_error (error);
  probe_path = g_build_filename (probe_dir, "frames", NULL);

  /* Warm the caches, then alternate which goes first. */
  run_once (&app, probe_path, FALSE);
  run_once (&bare, probe_path, FALSE);
  for (int i = 0; i < runs; i++)
    {
      run_once (programs[i % 2], probe_path, TRUE);
      run_once (programs[(i + 1) % 2], probe_path, TRUE);
    }

  g_unlink (probe_path);
  g_rmdir (probe_dir);

  g_print ("# %s: %s, signed in with %d saved conversations, beside %s; "
           "each started %d times after a warm-up\n",
           BENCHMARK, app.path, conversations, bare.path, runs);
  print_table (&app, &bare, runs);

  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      g_array_unref (programs[i]->first_frame);
      g_array_unref (programs[i]->quiet);
      g_array_unref (programs[i]->rss);
      g_array_unref (programs[i]->idle_fps);
    }

  return EXIT_SUCCESS;
}

#endif
