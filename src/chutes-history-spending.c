/* chutes-history-spending.c: what the replies saved in the history cost,
 * per day and per model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-history-private.h"

/* A span of days beyond this is refused: a year of bars is no chart. */
#define MAX_DAYS 366

static void
chutes_model_spending_free (ChutesModelSpending *spending)
{
  g_free (spending->model);
  g_free (spending);
}

void
chutes_spending_free (ChutesSpending *spending)
{
  if (spending == NULL)
    return;

  g_clear_pointer (&spending->models, g_ptr_array_unref);
  g_free (spending->days);
  g_free (spending);
}

typedef struct
{
  GDateTime      *first_day;     /* local midnight */
  guint           n_days;
  ChutesSpending *spending;
} SpendingData;

static void
spending_data_free (SpendingData *data)
{
  g_clear_pointer (&data->first_day, g_date_time_unref);
  g_clear_pointer (&data->spending, chutes_spending_free);
  g_free (data);
}

static int
compare_by_cost (gconstpointer a,
                 gconstpointer b)
{
  const ChutesModelSpending *first = *(ChutesModelSpending * const *)a;
  const ChutesModelSpending *second = *(ChutesModelSpending * const *)b;

  if (first->usd != second->usd)
    return first->usd < second->usd ? 1 : -1;

  return g_strcmp0 (first->model, second->model);
}

static gboolean
spending_run (sqlite3           *db,
              ChutesHistoryJob  *job,
              GError           **error)
{
  SpendingData *data = job->data;
  g_autoptr(ChutesHistoryStatement) stmt = NULL;
  g_autoptr(GHashTable) by_model = NULL;
  g_autofree gint64 *midnights = g_new (gint64, data->n_days + 1);
  ChutesSpending *spending;
  int rc;

  stmt = _chutes_history_prepare (db,
                                  "SELECT created_at, model, prompt_tokens, cached_tokens,"
                                  " completion_tokens, input_price, output_price, cache_read_price"
                                  " FROM messages"
                                  " WHERE role = 'assistant' AND created_at >= ?1 AND created_at < ?2"
                                  " AND input_price IS NOT NULL AND output_price IS NOT NULL",
                                  error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i <= data->n_days; i++)
    {
      g_autoptr(GDateTime) midnight = g_date_time_add_days (data->first_day, i);

      midnights[i] = g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
    }

  sqlite3_bind_int64 (stmt, 1, midnights[0]);
  sqlite3_bind_int64 (stmt, 2, midnights[data->n_days]);

  spending = data->spending = g_new0 (ChutesSpending, 1);
  spending->n_days = data->n_days;
  spending->days = g_new0 (double, data->n_days);
  spending->models = g_ptr_array_new_with_free_func ((GDestroyNotify)chutes_model_spending_free);
  by_model = g_hash_table_new (g_str_hash, g_str_equal);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ChutesPrices prices = {
        _chutes_history_column_price (stmt, 5),
        _chutes_history_column_price (stmt, 6),
        _chutes_history_column_price (stmt, 7),
      };
      double cost = chutes_cost_of_reply (&prices,
                                          _chutes_history_column_count (stmt, 2),
                                          _chutes_history_column_count (stmt, 3),
                                          _chutes_history_column_count (stmt, 4));
      const char *model = (const char *)sqlite3_column_text (stmt, 1);
      ChutesModelSpending *per_model;
      gint64 created_at;
      gint64 day;

      if (cost < 0)
        continue;

      /* Local calendar days: a day with a clock change is 23 or 25
       * hours long, so find it among the midnights. */
      created_at = sqlite3_column_int64 (stmt, 0);
      day = 0;
      while (day + 1 < (gint64) data->n_days && midnights[day + 1] <= created_at)
        day++;

      spending->days[day] += cost;
      spending->total += cost;
      spending->n_replies++;

      if (model == NULL)
        model = "";
      per_model = g_hash_table_lookup (by_model, model);
      if (per_model == NULL)
        {
          per_model = g_new0 (ChutesModelSpending, 1);
          per_model->model = g_strdup (model);
          g_ptr_array_add (spending->models, per_model);
          g_hash_table_insert (by_model, per_model->model, per_model);
        }
      per_model->usd += cost;
      per_model->n_replies++;
    }

  g_ptr_array_sort (spending->models, compare_by_cost);

  return _chutes_history_read_to_end (db, rc, error);
}

static void
spending_done (ChutesHistory    *self,
               ChutesHistoryJob *job)
{
  SpendingData *data = job->data;

  job->result = g_steal_pointer (&data->spending);
  job->result_free = (GDestroyNotify)chutes_spending_free;
}

void
chutes_history_get_spending_async (ChutesHistory       *self,
                                   GDateTime           *first_day,
                                   guint                n_days,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SpendingData *data;

  g_return_if_fail (CHUTES_IS_HISTORY (self));
  g_return_if_fail (first_day != NULL);
  g_return_if_fail (n_days > 0 && n_days <= MAX_DAYS);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (SpendingData, 1);
  data->first_day = g_date_time_ref (first_day);
  data->n_days = n_days;
  _chutes_history_queue_job (self, chutes_history_get_spending_async, cancellable,
                             callback, user_data,
                             spending_run, spending_done, data, (GDestroyNotify)spending_data_free,
                             CHUTES_HISTORY_JOB_RETURNS_POINTER);
}

ChutesSpending *
chutes_history_get_spending_finish (ChutesHistory  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return _chutes_history_propagate_pointer (self, result, error);
}
