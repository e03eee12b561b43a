/* chutes-spending-chart.h: spending per day as a small bar chart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHUTES_TYPE_SPENDING_CHART (chutes_spending_chart_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSpendingChart, chutes_spending_chart, CHUTES, SPENDING_CHART, GtkWidget)

GtkWidget *chutes_spending_chart_new          (void);
/* One bar a day: @days[0] is @first_day (a local midnight), in US
 * dollars. The chart copies them. Each bar's day and amount are in its
 * tooltip; the chart's accessible description sums them up. */
void       chutes_spending_chart_set_days     (ChutesSpendingChart *self,
                                               const double        *days,
                                               guint                n_days,
                                               GDateTime           *first_day);
/* "Sunday 1 March: $0.0042" for bar @day, for tooltips and tests. */
char      *chutes_spending_chart_dup_bar_text (ChutesSpendingChart *self,
                                               guint                day);

G_END_DECLS
