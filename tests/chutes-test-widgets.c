/* chutes-test-widgets.c: helpers the GTK tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-test-widgets.h"

GtkWidget *
chutes_test_find_widget (GtkWidget *widget,
                         GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = chutes_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

void
chutes_test_settle (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 done = gdk_frame_clock_get_frame_counter (clock) + 2;
  gint64 give_up = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (gdk_frame_clock_get_frame_counter (clock) < done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      gtk_widget_queue_draw (widget);
      g_main_context_iteration (NULL, TRUE);
    }
}
