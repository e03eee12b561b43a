/* chutes-cost.h: what a reply cost, and amounts of money as people read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A model's prices in US dollars per million tokens; negative is unknown. */
typedef struct
{
  double input;        /* prompt tokens */
  double output;       /* completion tokens */
  double cache_read;   /* prompt tokens the gateway had cached */
} ChutesPrices;

#define CHUTES_PRICES_UNKNOWN ((ChutesPrices) { -1.0, -1.0, -1.0 })

/* TRUE when the input and output prices are known. */
gboolean chutes_prices_are_known (const ChutesPrices *prices);

/* The cost in US dollars of a reply that read @prompt_tokens (of which
 * @cached_tokens, negative when unknown, were cached) and wrote
 * @completion_tokens: prompt x input + completion x output, cached prompt
 * tokens at the cache-read price (at the input price when that is
 * unknown). Negative when a price or a count it needs is unknown. */
double   chutes_cost_of_reply    (const ChutesPrices *prices,
                                  gint64              prompt_tokens,
                                  gint64              cached_tokens,
                                  gint64              completion_tokens);

/* How a locale writes money. */
typedef struct
{
  const char *decimal_point;   /* "." or "," ... */
  gboolean    symbol_first;    /* "$1.00" rather than "1.00 $" */
  gboolean    space;           /* a space between the symbol and the number */
} ChutesMoneyStyle;

/* The person's locale (LC_MONETARY, else LC_NUMERIC), for US dollars.
 * Main thread (localeconv() is not thread-safe). */
void     chutes_money_style_from_locale (ChutesMoneyStyle *style);

/* @usd in US dollars, written in @style: two decimals from one cent up
 * ("$0.42", "$12.30"), two significant digits below a cent ("$0.0042",
 * "$0.000051"), at most ten decimals. NULL for a negative or non-finite
 * amount. */
char    *chutes_money_format_with (double                  usd,
                                   const ChutesMoneyStyle *style);
/* The same in the person's locale. */
char    *chutes_money_format      (double                  usd);

G_END_DECLS
