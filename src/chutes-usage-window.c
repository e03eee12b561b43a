/* chutes-usage-window.c: what the replies cost, per day and per model,
 * and the quota left
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-cost.h"
#include "chutes-spending-chart.h"
#include "chutes-usage-window.h"

struct _ChutesUsageWindow
{
  AdwPreferencesWindow  parent_instance;

  ChutesHistory        *history;
  gint64                quota_remaining;
  GCancellable         *cancellable;
  gboolean              loaded;
  GDateTime            *first_day;

  AdwPreferencesGroup  *days_group;
  GtkWidget            *chart_frame;
  ChutesSpendingChart  *chart;
  GtkLabel             *total_label;
  GtkLabel             *first_day_label;
  AdwExpanderRow       *each_day_row;
  AdwPreferencesGroup  *models_group;
  AdwActionRow         *quota_row;
  GtkLabel             *quota_label;
};

G_DEFINE_FINAL_TYPE (ChutesUsageWindow, chutes_usage_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkLabel *
add_suffix_label (AdwActionRow *row)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, "numeric");
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  adw_action_row_add_suffix (row, label);

  return GTK_LABEL (label);
}

/* A row "title ... amount"; the title and amount are set as plain text
 * (a model's name comes from the network). */
static AdwActionRow *
new_amount_row (const char *title,
                const char *subtitle,
                const char *amount)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (row, subtitle);
  gtk_label_set_text (add_suffix_label (row), amount);

  return row;
}

static void
show_spending (ChutesUsageWindow *self,
               ChutesSpending    *spending,
               GDateTime         *first_day)
{
  g_autofree char *total = chutes_money_format (spending->total);

  g_autofree char *first = NULL;

  chutes_spending_chart_set_days (self->chart, spending->days, spending->n_days, first_day);
  /* Translators: the left end of the usage chart's time axis, strftime() format: "7 November" */
  first = g_date_time_format (first_day, _("%-d %B"));
  gtk_label_set_text (self->first_day_label, first);
  gtk_label_set_text (self->total_label, total);

  /* The same figures as a list, newest first: the chart's table. */
  for (guint i = spending->n_days; i-- > 0;)
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) parts = NULL;

      if (spending->days[i] <= 0)
        continue;

      text = chutes_spending_chart_dup_bar_text (self->chart, i);
      parts = g_strsplit (text, ": ", 2);
      adw_expander_row_add_row (self->each_day_row,
                                GTK_WIDGET (new_amount_row (parts[0], NULL,
                                                            parts[1] != NULL ? parts[1] : "")));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->each_day_row), spending->n_replies > 0);

  for (guint i = 0; i < spending->models->len; i++)
    {
      ChutesModelSpending *model = g_ptr_array_index (spending->models, i);
      g_autofree char *amount = chutes_money_format (model->usd);
      /* Translators: how many replies of a model the amount beside it is for */
      g_autofree char *replies = g_strdup_printf (ngettext ("%u reply", "%u replies", model->n_replies),
                                                  model->n_replies);
      AdwActionRow *row = new_amount_row (model->model[0] != '\0' ? model->model : _("Unknown model"),
                                          replies, amount);

      adw_preferences_group_add (self->models_group, GTK_WIDGET (row));
    }

  if (spending->models->len == 0)
    {
      AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("No reply with a known price in the last 30 days"));
      adw_preferences_group_add (self->models_group, GTK_WIDGET (row));
    }
}

static void
spending_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChutesUsageWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesSpending) spending = NULL;

  spending = chutes_history_get_spending_finish (CHUTES_HISTORY (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (spending == NULL)
    {
      /* Translators: %s says why the history could not be read */
      g_autofree char *text = g_strdup_printf (_("The chat history could not be read: %s"),
                                               error->message);

      adw_preferences_group_set_description (self->days_group, text);
      gtk_label_set_text (self->total_label, "");
    }
  else
    show_spending (self, spending, self->first_day);

  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

static void
chutes_usage_window_load (ChutesUsageWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_local (g_date_time_get_year (now),
                                                      g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now),
                                                      0, 0, 0);

  g_clear_pointer (&self->first_day, g_date_time_unref);
  self->first_day = g_date_time_add_days (today, 1 - CHUTES_USAGE_WINDOW_DAYS);
  chutes_history_get_spending_async (self->history, self->first_day, CHUTES_USAGE_WINDOW_DAYS,
                                     self->cancellable, spending_cb, g_object_ref (self));
}

static void
chutes_usage_window_dispose (GObject *object)
{
  ChutesUsageWindow *self = (ChutesUsageWindow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  /* libadwaita 1.2 keeps the groups of a destroyed preferences window
   * alive (as chutes-preferences-window.c found for its rows): take the
   * chart out, so that it goes with the window. */
  if (self->chart_frame != NULL)
    {
      adw_preferences_group_remove (self->days_group, self->chart_frame);
      self->chart_frame = NULL;
      self->chart = NULL;
    }
  g_clear_object (&self->history);
  g_clear_pointer (&self->first_day, g_date_time_unref);

  G_OBJECT_CLASS (chutes_usage_window_parent_class)->dispose (object);
}

static void
chutes_usage_window_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChutesUsageWindow *self = CHUTES_USAGE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_usage_window_class_init (ChutesUsageWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chutes_usage_window_dispose;
  object_class->get_property = chutes_usage_window_get_property;

  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chutes_usage_window_init (ChutesUsageWindow *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *quota_group;
  AdwPreferencesGroup *totals_group;
  AdwActionRow *total_row;
  GtkWidget *frame;
  GtkWidget *scale;
  GtkWidget *label;

  self->cancellable = g_cancellable_new ();
  self->quota_remaining = -1;

  gtk_window_set_title (GTK_WINDOW (self), _("Usage"));
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 640);
  gtk_window_set_modal (GTK_WINDOW (self), FALSE);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (self), FALSE);

  adw_preferences_page_set_title (page, _("Usage"));
  adw_preferences_page_set_icon_name (page, "power-profile-balanced-symbolic");

  self->days_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->days_group, _("Last 30 Days"));
  adw_preferences_group_set_description (self->days_group,
                                         _("What replies cost, at the prices of when they were "
                                           "sent. Replies without a known price are not counted."));

  frame = self->chart_frame = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (frame, "card");
  self->chart = CHUTES_SPENDING_CHART (chutes_spending_chart_new ());
  gtk_widget_set_margin_top (GTK_WIDGET (self->chart), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->chart), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self->chart), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->chart), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->chart), 6);
  gtk_box_append (GTK_BOX (frame), GTK_WIDGET (self->chart));

  /* The ends of the time axis. */
  scale = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_margin_start (scale, 12);
  gtk_widget_set_margin_end (scale, 12);
  gtk_widget_set_margin_bottom (scale, 8);
  gtk_widget_add_css_class (scale, "caption");
  gtk_widget_add_css_class (scale, "dim-label");
  self->first_day_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (self->first_day_label), TRUE);
  gtk_label_set_xalign (self->first_day_label, 0);
  gtk_box_append (GTK_BOX (scale), GTK_WIDGET (self->first_day_label));
  /* Translators: the right end of the usage chart's time axis */
  label = gtk_label_new (_("Today"));
  gtk_box_append (GTK_BOX (scale), label);
  gtk_box_append (GTK_BOX (frame), scale);
  adw_preferences_group_add (self->days_group, frame);
  adw_preferences_page_add (page, self->days_group);

  /* Rows go in a list after any other child of a group: a group of their own. */
  totals_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  total_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (total_row), _("Total"));
  self->total_label = add_suffix_label (total_row);
  gtk_label_set_text (self->total_label, "…");
  adw_preferences_group_add (totals_group, GTK_WIDGET (total_row));

  self->each_day_row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->each_day_row), _("Each Day"));
  adw_expander_row_set_subtitle (self->each_day_row, _("The days with spending, newest first"));
  adw_preferences_group_add (totals_group, GTK_WIDGET (self->each_day_row));
  adw_preferences_page_add (page, totals_group);

  self->models_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->models_group, _("Per Model"));
  adw_preferences_page_add (page, self->models_group);

  quota_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (quota_group, _("Quota"));
  self->quota_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->quota_row), _("Requests left"));
  self->quota_label = add_suffix_label (self->quota_row);
  adw_preferences_group_add (quota_group, GTK_WIDGET (self->quota_row));
  adw_preferences_page_add (page, quota_group);

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
}

static void
show_quota (ChutesUsageWindow *self)
{
  if (self->quota_remaining >= 0)
    {
      g_autofree char *number = g_strdup_printf ("%'" G_GINT64_FORMAT, self->quota_remaining);

      gtk_label_set_text (self->quota_label, number);
      adw_action_row_set_subtitle (self->quota_row, _("As Chutes said with the last reply"));
    }
  else
    {
      gtk_label_set_text (self->quota_label, "");
      adw_action_row_set_subtitle (self->quota_row, _("Chutes says with each reply; none yet since the app started"));
    }
}

ChutesUsageWindow *
chutes_usage_window_new (ChutesHistory *history,
                         gint64         quota_remaining)
{
  ChutesUsageWindow *self;

  g_return_val_if_fail (CHUTES_IS_HISTORY (history), NULL);

  self = g_object_new (CHUTES_TYPE_USAGE_WINDOW, NULL);
  self->history = g_object_ref (history);
  self->quota_remaining = quota_remaining;
  show_quota (self);
  chutes_usage_window_load (self);

  return self;
}

gboolean
chutes_usage_window_get_loaded (ChutesUsageWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_USAGE_WINDOW (self), FALSE);

  return self->loaded;
}
