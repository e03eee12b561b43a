/* chutes-cost.c: what a reply cost, and amounts of money as people read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "chutes-cost.h"

#define TOKENS_PER_PRICE 1e6
#define MAX_DECIMALS 10

gboolean
chutes_prices_are_known (const ChutesPrices *prices)
{
  g_return_val_if_fail (prices != NULL, FALSE);

  return isfinite (prices->input) && prices->input >= 0 &&
         isfinite (prices->output) && prices->output >= 0;
}

double
chutes_cost_of_reply (const ChutesPrices *prices,
                      gint64              prompt_tokens,
                      gint64              cached_tokens,
                      gint64              completion_tokens)
{
  double cache_read;
  double cost;

  g_return_val_if_fail (prices != NULL, -1.0);

  if (!chutes_prices_are_known (prices) || prompt_tokens < 0 || completion_tokens < 0)
    return -1.0;

  cached_tokens = CLAMP (cached_tokens, 0, prompt_tokens);
  cache_read = prices->cache_read;
  if (!isfinite (cache_read) || cache_read < 0)
    cache_read = prices->input;

  cost = ((double) (prompt_tokens - cached_tokens) * prices->input +
          (double) cached_tokens * cache_read +
          (double) completion_tokens * prices->output) / TOKENS_PER_PRICE;

  return isfinite (cost) ? cost : -1.0;
}

void
chutes_money_style_from_locale (ChutesMoneyStyle *style)
{
  const struct lconv *conv = localeconv ();

  g_return_if_fail (style != NULL);

  style->decimal_point = conv->mon_decimal_point;
  if (style->decimal_point == NULL || style->decimal_point[0] == '\0')
    style->decimal_point = conv->decimal_point;
  if (style->decimal_point == NULL || style->decimal_point[0] == '\0')
    style->decimal_point = ".";

  /* CHAR_MAX: the locale does not say (the C locale). */
  style->symbol_first = conv->p_cs_precedes != 0;
  style->space = conv->p_sep_by_space != CHAR_MAX && conv->p_sep_by_space != 0;
}

/* Decimals for @usd: two from a cent up, else two significant digits. */
static int
decimals_for (double usd)
{
  double scaled = usd * 100;   /* in cents */
  int decimals = 2;

  if (usd == 0 || usd >= 0.01)
    return 2;

  while (decimals < MAX_DECIMALS && scaled < 10)
    {
      scaled *= 10;
      decimals++;
    }

  /* 0.00999 rounds up to 0.0100: a cent, written as one. */
  if (decimals == 4 && scaled + 0.5 >= 100)
    return 2;

  return decimals;
}

char *
chutes_money_format_with (double                  usd,
                          const ChutesMoneyStyle *style)
{
  char format[16];
  char number[64];
  g_autofree char *localized = NULL;
  char *point;

  g_return_val_if_fail (style != NULL, NULL);

  if (!isfinite (usd) || usd < 0 || usd > 1e12)
    return NULL;

  g_snprintf (format, sizeof format, "%%.%df", decimals_for (usd));
  g_ascii_formatd (number, sizeof number, format, usd);

  point = strchr (number, '.');
  if (point != NULL)
    {
      *point = '\0';
      localized = g_strconcat (number, style->decimal_point, point + 1, NULL);
    }
  else
    localized = g_strdup (number);

  if (style->symbol_first)
    return g_strconcat ("$", style->space ? " " : "", localized, NULL);

  return g_strconcat (localized, style->space ? " " : "", "$", NULL);
}

char *
chutes_money_format (double usd)
{
  ChutesMoneyStyle style;

  chutes_money_style_from_locale (&style);

  return chutes_money_format_with (usd, &style);
}
