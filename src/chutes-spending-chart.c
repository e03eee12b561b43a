/* chutes-spending-chart.c: spending per day as a small bar chart, drawn
 * with GTK (no chart library)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-cost.h"
#include "chutes-spending-chart.h"

#define BAR_GAP      2
#define MIN_HEIGHT   96
#define MIN_BAR      4     /* px, the narrowest bar before the chart stops shrinking */
#define TICK_HEIGHT  1

struct _ChutesSpendingChart
{
  GtkWidget  parent_instance;

  double    *days;
  guint      n_days;
  GDateTime *first_day;
};

G_DEFINE_FINAL_TYPE (ChutesSpendingChart, chutes_spending_chart, GTK_TYPE_WIDGET)

static double
max_day (ChutesSpendingChart *self)
{
  double max = 0;

  for (guint i = 0; i < self->n_days; i++)
    max = MAX (max, self->days[i]);

  return max;
}

/* The bar under @x, or -1. */
static int
bar_at (ChutesSpendingChart *self,
        double               x)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int day;

  if (self->n_days == 0 || width <= 0 || x < 0)
    return -1;

  day = (int) (x * self->n_days / width);

  return day < (int) self->n_days ? day : -1;
}

static void
chutes_spending_chart_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  ChutesSpendingChart *self = CHUTES_SPENDING_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double max = max_day (self);
  double slot;
  GdkRGBA color;
  GdkRGBA baseline;

  if (self->n_days == 0 || width <= 0 || height <= 0)
    return;

  /* The colour comes from CSS (.chutes-spending-chart), so it follows
   * the accent colour and the light or dark style. */
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  baseline = color;
  baseline.alpha *= 0.3f;

  gtk_snapshot_append_color (snapshot, &baseline,
                             &GRAPHENE_RECT_INIT (0, height - TICK_HEIGHT, width, TICK_HEIGHT));

  if (max <= 0)
    return;

  slot = (double) width / self->n_days;
  for (guint i = 0; i < self->n_days; i++)
    {
      double bar_height;

      if (self->days[i] <= 0)
        continue;

      /* Any spending shows, however small beside the largest day. */
      bar_height = MAX (2.0, (height - TICK_HEIGHT) * self->days[i] / max);
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (i * slot + BAR_GAP / 2.0,
                                                      height - TICK_HEIGHT - bar_height,
                                                      MAX (1.0, slot - BAR_GAP),
                                                      bar_height));
    }
}

static void
chutes_spending_chart_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  ChutesSpendingChart *self = CHUTES_SPENDING_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = self->n_days * MIN_BAR;
      *natural = self->n_days * (MIN_BAR + 8);
    }
  else
    {
      *minimum = MIN_HEIGHT;
      *natural = MIN_HEIGHT;
    }
}

static gboolean
chutes_spending_chart_query_tooltip (GtkWidget  *widget,
                                     int         x,
                                     int         y,
                                     gboolean    keyboard_mode,
                                     GtkTooltip *tooltip)
{
  ChutesSpendingChart *self = CHUTES_SPENDING_CHART (widget);
  int day = bar_at (self, x);
  g_autofree char *text = NULL;

  if (day < 0)
    return FALSE;

  text = chutes_spending_chart_dup_bar_text (self, day);
  gtk_tooltip_set_text (tooltip, text);

  return TRUE;
}

static void
chutes_spending_chart_finalize (GObject *object)
{
  ChutesSpendingChart *self = (ChutesSpendingChart *)object;

  g_clear_pointer (&self->days, g_free);
  g_clear_pointer (&self->first_day, g_date_time_unref);

  G_OBJECT_CLASS (chutes_spending_chart_parent_class)->finalize (object);
}

static void
chutes_spending_chart_class_init (ChutesSpendingChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = chutes_spending_chart_finalize;
  widget_class->snapshot = chutes_spending_chart_snapshot;
  widget_class->measure = chutes_spending_chart_measure;
  widget_class->query_tooltip = chutes_spending_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "spendingchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
chutes_spending_chart_init (ChutesSpendingChart *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "chutes-spending-chart");
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Spending per day"),
                                  -1);
}

GtkWidget *
chutes_spending_chart_new (void)
{
  return g_object_new (CHUTES_TYPE_SPENDING_CHART, NULL);
}

char *
chutes_spending_chart_dup_bar_text (ChutesSpendingChart *self,
                                    guint                day)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *when = NULL;
  g_autofree char *money = NULL;

  g_return_val_if_fail (CHUTES_IS_SPENDING_CHART (self), NULL);
  g_return_val_if_fail (day < self->n_days, NULL);

  date = g_date_time_add_days (self->first_day, day);
  /* Translators: a day in the usage chart, strftime() format: "Sunday 1 March" */
  when = g_date_time_format (date, _("%A %-d %B"));
  money = chutes_money_format (self->days[day]);

  /* Translators: a day and what was spent that day, e.g. "Sunday 1 March: $0.0042" */
  return g_strdup_printf (_("%s: %s"), when, money);
}

void
chutes_spending_chart_set_days (ChutesSpendingChart *self,
                                const double        *days,
                                guint                n_days,
                                GDateTime           *first_day)
{
  g_autofree char *most = NULL;
  g_autofree char *description = NULL;
  double max;
  guint spent_days = 0;

  g_return_if_fail (CHUTES_IS_SPENDING_CHART (self));
  g_return_if_fail (days != NULL || n_days == 0);
  g_return_if_fail (first_day != NULL);

  g_clear_pointer (&self->days, g_free);
  self->days = g_memdup2 (days, n_days * sizeof (double));
  self->n_days = n_days;
  g_clear_pointer (&self->first_day, g_date_time_unref);
  self->first_day = g_date_time_ref (first_day);

  for (guint i = 0; i < n_days; i++)
    if (days[i] > 0)
      spent_days++;

  max = max_day (self);
  most = chutes_money_format (max);
  /* Translators: the accessible description of the usage chart */
  description = g_strdup_printf (ngettext ("%u bar, one a day; money was spent on %u of them, at most %s a day",
                                           "%u bars, one a day; money was spent on %u of them, at most %s a day",
                                           n_days),
                                 n_days, spent_days, most);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
