/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "chutes-application.h"
#include "chutes-live-objects.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChutesApplication) app = NULL;
  const char *localedir;
  int status;

  /* Translated --help too, before GTK sets the locale. */
  setlocale (LC_ALL, "");

  /* Development hook: CHUTES_LOCALEDIR, when set, is a folder laid out as
   * <lang>/LC_MESSAGES/chutes-desktop.mo, such as a build's po/ folder, so
   * an uninstalled build (the translation tests, a demo) shows its
   * translations. The installed LOCALEDIR otherwise. */
  localedir = g_getenv ("CHUTES_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = chutes_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);

  /* The sanitizer pass's leak check (chutes-live-objects.c): once the
   * application is released and what its cancellations still owe the
   * main loop has run, nothing of ours may be left. */
  if (chutes_live_objects_enabled ())
    {
      gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

      g_clear_object (&app);
      /* Work a worker thread or the bus finishes a little after the
       * cancellation (a refresh waiting for the lock shared with other
       * processes, a keyring call) still holds its object until its
       * callback runs here: up to 2 s for everything of ours to go. An
       * object still held then is a leak. */
      do
        {
          g_autofree char *alive = NULL;

          for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
            g_main_context_iteration (NULL, FALSE);
          if ((alive = chutes_live_objects_describe ()) == NULL)
            break;
          g_usleep (20 * 1000);
        }
      while (g_get_monotonic_time () < deadline);
      chutes_live_objects_report ();
    }

  return status;
}
