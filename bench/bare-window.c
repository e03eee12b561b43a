/* bare-window.c: the baseline of bench-startup, a bare AdwApplicationWindow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What any libadwaita application pays to show a window: an AdwApplication
 * (unique, on the session bus, like the app), and an AdwApplicationWindow
 * of the app's default size with a header bar and a title, nothing else.
 * bench-startup starts it exactly as it starts the app.
 */
#include <adwaita.h>

static void
activate_cb (GApplication *application)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Chutes", NULL));
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), content);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), "Chutes");
  /* The app's default size (data/ai.chutes.Desktop.gschema.xml). */
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 680);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) application = NULL;

  application = adw_application_new ("ai.chutes.Desktop.BareWindow", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (application, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (application), argc, argv);
}
