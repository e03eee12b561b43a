/* test-cost.c: what a reply cost, how the amount reads, and what the
 * models list says each model can do and costs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>

#include "chutes-cost.h"
#include "chutes-message.h"
#include "chutes-model-info.h"

static const ChutesMoneyStyle en_us = { ".", TRUE, FALSE };
static const ChutesMoneyStyle de_de = { ",", FALSE, TRUE };

static void
test_cost_arithmetic (void)
{
  ChutesPrices prices = { 0.27, 1.10, 0.135 };
  ChutesPrices no_cache_price = { 0.27, 1.10, -1 };

  /* 1,000 prompt tokens at $0.27/M + 500 completion at $1.10/M. */
  g_assert_cmpfloat_with_epsilon (chutes_cost_of_reply (&prices, 1000, -1, 500),
                                  0.00027 + 0.00055, 1e-12);
  /* 600 of the 1,000 prompt tokens cached, at half the price. */
  g_assert_cmpfloat_with_epsilon (chutes_cost_of_reply (&prices, 1000, 600, 500),
                                  400 * 0.27e-6 + 600 * 0.135e-6 + 500 * 1.10e-6, 1e-12);
  /* No cache price: cached tokens cost what others do. */
  g_assert_cmpfloat_with_epsilon (chutes_cost_of_reply (&no_cache_price, 1000, 600, 500),
                                  0.00027 + 0.00055, 1e-12);
  /* More cached than read is read as all cached. */
  g_assert_cmpfloat_with_epsilon (chutes_cost_of_reply (&prices, 100, 5000, 0),
                                  100 * 0.135e-6, 1e-12);
  /* Free is free, not unknown. */
  g_assert_cmpfloat (chutes_cost_of_reply (&(ChutesPrices) { 0, 0, -1 }, 10, -1, 10), ==, 0);
}

static void
test_cost_unknown (void)
{
  ChutesPrices prices = { 0.27, 1.10, -1 };

  g_assert_cmpfloat (chutes_cost_of_reply (&CHUTES_PRICES_UNKNOWN, 10, -1, 10), <, 0);
  g_assert_cmpfloat (chutes_cost_of_reply (&(ChutesPrices) { 0.27, -1, -1 }, 10, -1, 10), <, 0);
  g_assert_cmpfloat (chutes_cost_of_reply (&(ChutesPrices) { NAN, 1, -1 }, 10, -1, 10), <, 0);
  g_assert_cmpfloat (chutes_cost_of_reply (&(ChutesPrices) { INFINITY, 1, -1 }, 10, -1, 10), <, 0);
  g_assert_cmpfloat (chutes_cost_of_reply (&prices, -1, -1, 10), <, 0);
  g_assert_cmpfloat (chutes_cost_of_reply (&prices, 10, -1, -1), <, 0);
}

static void
test_money_format (void)
{
  static const struct {
    double      usd;
    const char *en;
    const char *de;
  } cases[] = {
    { 0,          "$0.00",       "0,00 $" },
    { 0.0042,     "$0.0042",     "0,0042 $" },
    { 0.00424,    "$0.0042",     "0,0042 $" },
    { 0.00425001, "$0.0043",     "0,0043 $" },
    { 0.000051,   "$0.000051",   "0,000051 $" },
    { 0.0099,     "$0.0099",     "0,0099 $" },
    { 0.00999,    "$0.01",       "0,01 $" },     /* rounds up to a cent */
    { 0.01,       "$0.01",       "0,01 $" },
    { 0.123,      "$0.12",       "0,12 $" },
    { 0.125001,   "$0.13",       "0,13 $" },
    { 12.3,       "$12.30",      "12,30 $" },
    { 1e-12,      "$0.0000000000", "0,0000000000 $" },   /* ten decimals at most */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *en = chutes_money_format_with (cases[i].usd, &en_us);
      g_autofree char *de = chutes_money_format_with (cases[i].usd, &de_de);

      g_assert_cmpstr (en, ==, cases[i].en);
      g_assert_cmpstr (de, ==, cases[i].de);
    }

  g_assert_null (chutes_money_format_with (-0.01, &en_us));
  g_assert_null (chutes_money_format_with (NAN, &en_us));
  g_assert_null (chutes_money_format_with (INFINITY, &en_us));
}

/* The C locale, present on every machine, says nothing of money: the
 * number's own decimal point, the symbol first. */
static void
test_money_format_c_locale (void)
{
  g_autofree char *amount = NULL;
  ChutesMoneyStyle style;

  g_assert_nonnull (setlocale (LC_ALL, "C"));
  chutes_money_style_from_locale (&style);
  g_assert_cmpstr (style.decimal_point, ==, ".");
  g_assert_true (style.symbol_first);
  g_assert_false (style.space);

  amount = chutes_money_format (0.0042);
  g_assert_cmpstr (amount, ==, "$0.0042");
}

static void
test_message_cost (void)
{
  g_autoptr(ChutesMessage) reply = chutes_message_new (CHUTES_MESSAGE_ROLE_ASSISTANT, "Hi");
  ChutesPrices prices = { 2, 8, 0.5 };
  ChutesPrices kept;

  /* Usage without prices: no cost. */
  chutes_message_set_usage (reply, 1000, 100);
  g_assert_cmpfloat (chutes_message_get_cost (reply), <, 0);

  chutes_message_set_prices (reply, &prices);
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (reply), 0.002 + 0.0008, 1e-12);
  chutes_message_set_cached_tokens (reply, 1000);
  g_assert_cmpfloat_with_epsilon (chutes_message_get_cost (reply), 0.0005 + 0.0008, 1e-12);

  chutes_message_get_prices (reply, &kept);
  g_assert_cmpfloat (kept.input, ==, 2);
  g_assert_cmpfloat (kept.output, ==, 8);
  g_assert_cmpfloat (kept.cache_read, ==, 0.5);

  /* A question costs nothing of its own. */
  {
    g_autoptr(ChutesMessage) question = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, "Hi");

    chutes_message_set_prices (question, &prices);
    chutes_message_set_usage (question, 1000, 100);
    g_assert_cmpfloat (chutes_message_get_cost (question), <, 0);
  }
}

/* Models list entries */

static ChutesModelInfo *
parse_entry (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  return chutes_model_info_new_from_json (json_node_get_object (json_parser_get_root (parser)),
                                          &error);
}

static void
test_model_full_entry (void)
{
  g_autoptr(ChutesModelInfo) model = parse_entry (
    "{\"id\": \"Qwen/Qwen3-VL-235B\", \"max_model_len\": 262144,"
    " \"max_output_length\": 32768, \"quantization\": \"FP8\","
    " \"input_modalities\": [\"text\", \"image\"], \"output_modalities\": [\"text\"],"
    " \"supported_features\": [\"json_mode\", \"tools\", \"Reasoning\"],"
    " \"pricing\": {\"prompt\": 0.3, \"completion\": 1.2, \"input_cache_read\": 0.15}}");
  ChutesPrices prices;

  g_assert_nonnull (model);
  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 262144);
  g_assert_cmpint (chutes_model_info_get_max_output_length (model), ==, 32768);
  g_assert_cmpstr (chutes_model_info_get_quantization (model), ==, "FP8");
  g_assert_true (chutes_model_info_accepts_images (model));
  g_assert_true (chutes_model_info_supports_tools (model));
  g_assert_true (chutes_model_info_supports_reasoning (model));
  g_assert_true (chutes_model_info_offers_thinking (model));
  g_assert_cmpstrv (chutes_model_info_get_output_modalities (model),
                    ((const char *[]) { "text", NULL }));

  chutes_model_info_get_prices (model, &prices);
  g_assert_cmpfloat (prices.input, ==, 0.3);
  g_assert_cmpfloat (prices.output, ==, 1.2);
  g_assert_cmpfloat (prices.cache_read, ==, 0.15);
}

static void
test_model_price_object (void)
{
  /* "price" as other clients of the live list read it, and
   * context_length when max_model_len is missing. */
  g_autoptr(ChutesModelInfo) model = parse_entry (
    "{\"id\": \"m\", \"context_length\": 8192,"
    " \"price\": {\"input\": {\"usd\": 0.1, \"tao\": 0.0003},"
    "            \"output\": {\"usd\": \"0.4\", \"tao\": 0.001}}}");

  g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 8192);
  g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), ==, 0.1);
  g_assert_cmpfloat (chutes_model_info_get_completion_price (model), ==, 0.4);
  g_assert_cmpfloat (chutes_model_info_get_cache_read_price (model), <, 0);
}

static void
test_model_odd_entries (void)
{
  /* Each is listed with what it has; nothing odd is believed. */
  static const char * const odd[] = {
    "{\"id\": \"m\", \"input_modalities\": \"image\", \"supported_features\": {\"tools\": true}}",
    "{\"id\": \"m\", \"input_modalities\": [1, null, {\"image\": 1}, [\"image\"], true],"
    " \"supported_features\": [[\"reasoning\"], 7]}",
    "{\"id\": \"m\", \"max_model_len\": 1e300, \"max_output_length\": -5,"
    " \"pricing\": {\"prompt\": 1e300, \"completion\": -1, \"input_cache_read\": \"NaN\"}}",
    "{\"id\": \"m\", \"max_model_len\": \"Infinity\", \"max_output_length\": \"nan\","
    " \"pricing\": {\"prompt\": \"inf\", \"completion\": \"1e999\"}}",
    "{\"id\": \"m\", \"pricing\": [0.1, 0.2], \"price\": {\"input\": 0.1, \"output\": [1]},"
    " \"quantization\": 8, \"confidential_compute\": \"yes\"}",
    "{\"id\": \"m\", \"price\": {\"input\": {\"usd\": {\"deep\": [[[1]]]}}},"
    " \"quantization\": \"\", \"output_modalities\": null, \"supported_features\": null}",
    "{\"id\": \"m\", \"supported_features\": [\"" 
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "\", \"\"], \"input_modalities\": []}",
    /* json-glib reads \666 (not JSON) as the byte 0xb6: strings that
     * are then not UTF-8 (the models fuzzer's find) are as if absent. */
    "{\"id\": \"m\", \"chute_id\": \"8f2d1c3b-\\666\", \"quantization\": \"fp\\377\","
    " \"supported_features\": [\"tools\\303\"]}",
    /* Nor is a lone surrogate, which json-glib passes on as bytes too. */
    "{\"id\": \"m\", \"chute_id\": \"c\\ud800x\", \"quantization\": \"y\\udc00x\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      g_autoptr(ChutesModelInfo) model = parse_entry (odd[i]);

      g_test_message ("entry %u: %s", i, odd[i]);
      g_assert_nonnull (model);
      g_assert_cmpstr (chutes_model_info_get_id (model), ==, "m");
      g_assert_false (chutes_model_info_accepts_images (model));
      g_assert_false (chutes_model_info_supports_tools (model));
      g_assert_false (chutes_model_info_supports_reasoning (model));
      g_assert_cmpint (chutes_model_info_get_context_length (model), ==, 0);
      g_assert_cmpint (chutes_model_info_get_max_output_length (model), ==, 0);
      g_assert_null (chutes_model_info_get_quantization (model));
      g_assert_null (chutes_model_info_get_chute_id (model));
      g_assert_false (chutes_model_info_get_confidential (model));
      g_assert_cmpfloat (chutes_model_info_get_prompt_price (model), <, 0);
      g_assert_cmpfloat (chutes_model_info_get_completion_price (model), <, 0);
      g_assert_cmpfloat (chutes_model_info_get_cache_read_price (model), <, 0);
    }
}

static void
test_model_thinking_offer (void)
{
  g_autoptr(ChutesModelInfo) unknown = parse_entry ("{\"id\": \"a\"}");
  g_autoptr(ChutesModelInfo) without = parse_entry ("{\"id\": \"b\", \"supported_features\": [\"tools\"]}");
  g_autoptr(ChutesModelInfo) with = parse_entry ("{\"id\": \"c\", \"supported_features\": [\"reasoning\"]}");

  /* A list that does not say keeps the switch; one that says no drops it. */
  g_assert_true (chutes_model_info_offers_thinking (unknown));
  g_assert_false (chutes_model_info_supports_reasoning (unknown));
  g_assert_false (chutes_model_info_offers_thinking (without));
  g_assert_true (chutes_model_info_offers_thinking (with));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cost/reply/prompt-and-completion-at-their-prices", test_cost_arithmetic);
  g_test_add_func ("/cost/reply/unknown-price-or-count-is-no-cost", test_cost_unknown);
  g_test_add_func ("/cost/format/two-decimals-or-two-significant-digits", test_money_format);
  g_test_add_func ("/cost/format/c-locale-symbol-first-with-point", test_money_format_c_locale);
  g_test_add_func ("/cost/message/cost-from-usage-prices-and-cache", test_message_cost);
  g_test_add_func ("/cost/models/every-optional-field-read", test_model_full_entry);
  g_test_add_func ("/cost/models/price-object-and-context-length", test_model_price_object);
  g_test_add_func ("/cost/models/odd-fields-ignored-entry-kept", test_model_odd_entries);
  g_test_add_func ("/cost/models/thinking-offered-unless-the-list-says-no", test_model_thinking_offer);

  return g_test_run ();
}
