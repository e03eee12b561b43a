/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "chutes-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChutesApplication) app = NULL;
  const char *localedir;

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

  return g_application_run (G_APPLICATION (app), argc, argv);
}
