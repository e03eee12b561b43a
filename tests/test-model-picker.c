/* test-model-picker.c: choosing a model from the popover, and the default
 * model in the preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "chutes-model-picker.h"
#include "chutes-model-row.h"
#include "chutes-preferences-window.h"
#include "chutes-resources.h"
#include "chutes-test-mock.h"

/* The mock gateway's models, plus one whose id is made of markup; one
 * takes images, two can reason, one calls tools. */
static const char models_json[] =
  "["
  " {\"id\": \"chutesai/Mistral-Small-3.1-24B-Instruct-2503\", \"max_model_len\": 131072,"
  "  \"pricing\": {\"prompt\": 0.03125, \"completion\": 0.125}, \"confidential_compute\": false,"
  "  \"input_modalities\": [\"text\", \"image\"]},"
  " {\"id\": \"deepseek-ai/DeepSeek-R1-0528-TEE\", \"max_model_len\": 163840,"
  "  \"pricing\": {\"prompt\": 0.5, \"completion\": 2.0}, \"confidential_compute\": true,"
  "  \"supported_features\": [\"reasoning\"]},"
  " {\"id\": \"deepseek-ai/DeepSeek-V3-0324\", \"max_model_len\": 163840,"
  "  \"pricing\": {\"prompt\": 0.27, \"completion\": 1.10}, \"confidential_compute\": false},"
  " {\"id\": \"Qwen/Qwen3-235B-A22B\", \"max_model_len\": 40960,"
  "  \"pricing\": {\"prompt\": 0.125, \"completion\": 0.5},"
  "  \"supported_features\": [\"json_mode\", \"tools\", \"reasoning\"]},"
  " {\"id\": \"<b>evil & co/<i>Free &amp; Easy\", \"max_model_len\": 0,"
  "  \"pricing\": {\"prompt\": 0, \"completion\": 0}}"
  "]";

#define N_MODELS 5
#define DEEPSEEK_R1 "deepseek-ai/DeepSeek-R1-0528-TEE"
#define DEEPSEEK_V3 "deepseek-ai/DeepSeek-V3-0324"
#define QWEN        "Qwen/Qwen3-235B-A22B"
#define EVIL        "<b>evil & co/<i>Free &amp; Easy"

typedef struct
{
  GListModel        *models;
  GtkWindow         *window;
  ChutesModelPicker *picker;
  guint              id_notifies;
} Fixture;

static GListModel *
load_models (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GListStore *store = g_list_store_new (CHUTES_TYPE_MODEL_INFO);
  JsonArray *array;

  json_parser_load_from_data (parser, models_json, -1, &error);
  g_assert_no_error (error);

  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(ChutesModelInfo) model = NULL;

      model = chutes_model_info_new_from_json (json_array_get_object_element (array, i), &error);
      g_assert_no_error (error);
      g_list_store_append (store, model);
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, N_MODELS);
  return G_LIST_MODEL (store);
}

static ChutesModelInfo *
get_model (GListModel *models,
           const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(ChutesModelInfo) model = g_list_model_get_item (models, i);

      if (g_str_equal (chutes_model_info_get_id (model), id))
        return model;
    }

  g_assert_not_reached ();
}

static char *
dup_match_id (ChutesModelPicker *picker,
              guint              position)
{
  g_autoptr(ChutesModelInfo) model = g_list_model_get_item (chutes_model_picker_get_matches (picker),
                                                        position);

  g_assert_nonnull (model);
  return g_strdup (chutes_model_info_get_id (model));
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @widget is mapped (or not), for at most 5 s. */
static void
wait_mapped (GtkWidget *widget,
             gboolean   mapped)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (5000, timeout_cb, &timed_out);

  while (!timed_out && gtk_widget_get_mapped (widget) != mapped)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (id);
  iterate ();
}

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, out);
}

static gpointer
find_widget (GtkWidget *widget,
             GType      type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_widgets (widget, type, found);
  g_assert_cmpuint (found->len, >=, 1);
  return found->pdata[0];
}

/* Whether @widget would be drawn as long as @ancestor is. */
static gboolean
shown_within (GtkWidget *widget,
              GtkWidget *ancestor)
{
  for (GtkWidget *w = widget; w != NULL && w != ancestor; w = gtk_widget_get_parent (w))
    {
      if (!gtk_widget_get_visible (w) || !gtk_widget_get_child_visible (w) ||
          gtk_widget_get_opacity (w) == 0)
        return FALSE;
    }

  return TRUE;
}

/* The texts of the labels a person sees in @widget, joined by "|". */
static char *
dup_shown_texts (GtkWidget *widget)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GString) texts = g_string_new (NULL);

  collect_widgets (widget, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkLabel *label = labels->pdata[i];

      if (!shown_within (GTK_WIDGET (label), widget))
        continue;

      /* Whatever a model id contains, it is never parsed as markup. */
      g_assert_false (gtk_label_get_use_markup (label));
      if (texts->len > 0)
        g_string_append_c (texts, '|');
      g_string_append (texts, gtk_label_get_text (label));
    }

  return g_string_free (g_steal_pointer (&texts), FALSE);
}

/* The row showing @id among the list's rows, or NULL. */
static ChutesModelRow *
find_row (GtkWidget  *root,
          const char *id)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_widgets (root, CHUTES_TYPE_MODEL_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      ChutesModelInfo *model = chutes_model_row_get_model (rows->pdata[i]);

      if (model != NULL && g_str_equal (chutes_model_info_get_id (model), id))
        return rows->pdata[i];
    }

  return NULL;
}

static guint
count_checked_rows (GtkWidget *root)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  guint checked = 0;

  collect_widgets (root, CHUTES_TYPE_MODEL_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      if (chutes_model_row_get_model (rows->pdata[i]) != NULL &&
          chutes_model_row_get_selected (rows->pdata[i]))
        checked++;
    }

  return checked;
}

static void
id_notify_cb (Fixture *fixture)
{
  fixture->id_notifies++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->models = load_models ();
  fixture->picker = CHUTES_MODEL_PICKER (chutes_model_picker_new ());
  g_signal_connect_swapped (fixture->picker, "notify::selected-model-id",
                            G_CALLBACK (id_notify_cb), fixture);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 480, 640);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->picker));
  gtk_widget_set_valign (GTK_WIDGET (fixture->picker), GTK_ALIGN_START);
  gtk_window_present (fixture->window);
  wait_mapped (GTK_WIDGET (fixture->picker), TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GListModel) models = g_steal_pointer (&fixture->models);

  g_object_add_weak_pointer (G_OBJECT (fixture->picker), (gpointer *) &fixture->picker);
  gtk_window_destroy (fixture->window);
  iterate ();
  /* Nothing kept the picker alive: no leaked popover, row or binding. */
  g_assert_null (fixture->picker);
  g_assert_finalize_object (g_steal_pointer (&models));
}

static GtkWidget *
picker_popover (ChutesModelPicker *picker)
{
  return find_widget (GTK_WIDGET (picker), GTK_TYPE_POPOVER);
}

static void
popup (ChutesModelPicker *picker)
{
  /* An autohiding popover grabs the pointer and keyboard, and gives up
   * (closes) when another test on the same X display holds the grab. */
  gtk_popover_set_autohide (GTK_POPOVER (picker_popover (picker)), FALSE);
  chutes_model_picker_popup (picker);
  wait_mapped (picker_popover (picker), TRUE);
}

static void
test_format_texts (void)
{
  struct {
    gint64      context_length;
    const char *expected;
  } contexts[] = {
    { 0, NULL },
    { 512, "512 context" },
    { 40960, "41K context" },
    { 131072, "131K context" },
    { 163840, "164K context" },
    { 999999, "1M context" },
    { 1048576, "1M context" },
    { 1500000, "1.5M context" },
  };
  struct {
    double      prompt;
    double      completion;
    const char *expected;
  } prices[] = {
    { 0.27, 1.10, "$0.27 / $1.10 per M tokens" },
    { 0.5, 2.0, "$0.50 / $2.00 per M tokens" },
    { 0.0, 0.0, "Free" },
    { 0.0, 0.5, "$0.00 / $0.50 per M tokens" },
    { 0.0025, 0.01, "$0.0025 / $0.01 per M tokens" },
    { -1.0, 0.5, "— / $0.50 per M tokens" },
    { -1.0, -1.0, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (contexts); i++)
    {
      g_autofree char *text = chutes_model_row_format_context_length (contexts[i].context_length);

      g_assert_cmpstr (text, ==, contexts[i].expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (prices); i++)
    {
      g_autofree char *text = chutes_model_row_format_prices (prices[i].prompt, prices[i].completion);

      g_assert_cmpstr (text, ==, prices[i].expected);
    }
}

static void
test_row_texts (void)
{
  g_autoptr(GListModel) models = load_models ();
  GtkWidget *row = g_object_ref_sink (chutes_model_row_new ());
  struct {
    const char *id;
    const char *texts;
    gboolean    badge;
  } expected[] = {
    { DEEPSEEK_R1, "DeepSeek-R1-0528-TEE|TEE|Reasoning|deepseek-ai|$0.50 / $2.00 per M tokens|·|164K context", TRUE },
    { DEEPSEEK_V3, "DeepSeek-V3-0324|deepseek-ai|$0.27 / $1.10 per M tokens|·|164K context", FALSE },
    { QWEN, "Qwen3-235B-A22B|Reasoning|Tools|Qwen|$0.12 / $0.50 per M tokens|·|41K context", FALSE },
    { "chutesai/Mistral-Small-3.1-24B-Instruct-2503",
      "Mistral-Small-3.1-24B-Instruct-2503|Vision|chutesai|$0.03 / $0.12 per M tokens|·|131K context", FALSE },
    /* Markup in an id is shown as it is; no context length, no separator. */
    { EVIL, "<i>Free &amp; Easy|<b>evil & co|Free", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      ChutesModelInfo *model = get_model (models, expected[i].id);
      g_autofree char *texts = NULL;
      g_autoptr(GPtrArray) images = g_ptr_array_new ();
      gboolean badge = FALSE;

      chutes_model_row_set_model (CHUTES_MODEL_ROW (row), model);
      texts = dup_shown_texts (row);
      g_assert_cmpstr (texts, ==, expected[i].texts);

      /* The badge is a lock icon beside "TEE", with a tooltip. */
      collect_widgets (row, GTK_TYPE_IMAGE, images);
      for (guint j = 0; j < images->len; j++)
        {
          GtkWidget *image = images->pdata[j];

          if (g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (image)), "channel-secure-symbolic") == 0 &&
              shown_within (image, row))
            {
              const char *tooltip = gtk_widget_get_tooltip_text (gtk_widget_get_parent (image));

              g_assert_nonnull (strstr (tooltip, "TEE"));
              badge = TRUE;
            }
        }
      g_assert_cmpint (badge, ==, expected[i].badge);
    }

  /* The Vision badge says what it means in its tooltip (its accessible
   * name is checked through AT-SPI by ui-money). */
  {
    g_autoptr(GPtrArray) boxes = g_ptr_array_new ();
    GtkWidget *vision = NULL;

    chutes_model_row_set_model (CHUTES_MODEL_ROW (row),
                                get_model (models, "chutesai/Mistral-Small-3.1-24B-Instruct-2503"));
    collect_widgets (row, GTK_TYPE_BOX, boxes);
    for (guint j = 0; j < boxes->len; j++)
      if (gtk_widget_has_css_class (boxes->pdata[j], "chutes-capability-badge") &&
          shown_within (boxes->pdata[j], row))
        {
          g_assert_null (vision);
          vision = boxes->pdata[j];
        }

    g_assert_nonnull (vision);
    g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (vision), "images"));
  }

  /* The check mark shows only on the selected row. */
  g_assert_false (chutes_model_row_get_selected (CHUTES_MODEL_ROW (row)));
  {
    g_autoptr(GPtrArray) images = g_ptr_array_new ();
    GtkWidget *check = NULL;

    collect_widgets (row, GTK_TYPE_IMAGE, images);
    for (guint j = 0; j < images->len; j++)
      if (g_strcmp0 (gtk_image_get_icon_name (images->pdata[j]), "object-select-symbolic") == 0)
        check = images->pdata[j];

    g_assert_nonnull (check);
    g_assert_false (shown_within (check, row));
    chutes_model_row_set_selected (CHUTES_MODEL_ROW (row), TRUE);
    g_assert_true (shown_within (check, row));
  }

  iterate ();
  g_assert_finalize_object (row);
}

static void
test_search_filters (Fixture       *fixture,
                     gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  GListModel *matches = chutes_model_picker_get_matches (picker);
  GtkEditable *search = chutes_model_picker_get_search_entry (picker);
  GtkWidget *popover;
  struct {
    const char *search;
    const char *ids[N_MODELS + 1];
  } cases[] = {
    { "", { "chutesai/Mistral-Small-3.1-24B-Instruct-2503", DEEPSEEK_R1, DEEPSEEK_V3, QWEN, EVIL } },
    { "qwen", { QWEN } },
    { "DEEPSEEK", { DEEPSEEK_R1, DEEPSEEK_V3 } },
    /* Every word must match somewhere in the id. */
    { "deepseek  v3", { DEEPSEEK_V3 } },
    { "tee", { DEEPSEEK_R1 } },
    /* What a model can do finds it too, by the start of a word. */
    { "vision", { "chutesai/Mistral-Small-3.1-24B-Instruct-2503" } },
    { "Image", { "chutesai/Mistral-Small-3.1-24B-Instruct-2503" } },
    { "reasoning", { DEEPSEEK_R1, QWEN } },
    { "think", { DEEPSEEK_R1, QWEN } },
    { "tools deepseek", { NULL } },
    { "tools", { QWEN } },
    { "<b>", { EVIL } },
    { "no such model", { NULL } },
  };

  chutes_model_picker_set_models (picker, fixture->models);
  popup (picker);
  popover = picker_popover (picker);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = NULL;
      guint n = g_strv_length ((char **) cases[i].ids);

      gtk_editable_set_text (search, cases[i].search);
      iterate ();

      g_assert_cmpuint (g_list_model_get_n_items (matches), ==, n);
      for (guint j = 0; j < n; j++)
        {
          g_autofree char *id = dup_match_id (picker, j);

          g_assert_cmpstr (id, ==, cases[i].ids[j]);
          /* The list shows a row for it. */
          g_assert_nonnull (find_row (popover, id));
        }

      /* Without a match, a small status says so instead of an empty list. */
      shown = dup_shown_texts (popover);
      if (n == 0)
        g_assert_nonnull (strstr (shown, "No models match"));
      else
        g_assert_null (strstr (shown, "No models match"));
    }
}

static void
test_pick_row (Fixture       *fixture,
               gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  GtkWidget *popover = picker_popover (picker);
  GtkWidget *list;
  g_autofree char *second = NULL;
  g_autofree char *shown = NULL;

  chutes_model_picker_set_models (picker, fixture->models);
  g_assert_null (chutes_model_picker_get_selected_model_id (picker));
  shown = dup_shown_texts (GTK_WIDGET (picker));
  g_assert_cmpstr (shown, ==, "Choose Model");
  g_clear_pointer (&shown, g_free);

  popup (picker);
  g_assert_cmpuint (count_checked_rows (popover), ==, 0);

  /* A click on the second row (the list activates on a single click). */
  list = find_widget (popover, GTK_TYPE_LIST_VIEW);
  second = dup_match_id (picker, 1);
  g_signal_emit_by_name (list, "activate", 1);
  iterate ();

  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, DEEPSEEK_R1);
  g_assert_cmpstr (second, ==, DEEPSEEK_R1);
  g_assert_true (chutes_model_picker_get_selected_model (picker) ==
                 get_model (fixture->models, DEEPSEEK_R1));
  g_assert_cmpuint (fixture->id_notifies, ==, 1);
  wait_mapped (popover, FALSE);

  /* The button shows the short name (and a lock: it runs in a TEE). */
  shown = dup_shown_texts (GTK_WIDGET (picker));
  g_assert_cmpstr (shown, ==, "DeepSeek-R1-0528-TEE");

  /* Reopened, the list has the check mark on that model only, and it is
   * highlighted so that Enter keeps it. */
  popup (picker);
  g_assert_cmpuint (count_checked_rows (popover), ==, 1);
  g_assert_true (chutes_model_row_get_selected (find_row (popover, DEEPSEEK_R1)));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 1);

  /* Setting the same id again is no change. */
  chutes_model_picker_set_selected_model_id (picker, DEEPSEEK_R1);
  g_assert_cmpuint (fixture->id_notifies, ==, 1);
}

static void
test_unknown_id (Fixture       *fixture,
                 gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  GtkWidget *popover = picker_popover (picker);
  g_autofree char *shown = NULL;

  /* Restored before the list arrives: the button shows it meanwhile. */
  chutes_model_picker_set_selected_model_id (picker, QWEN);
  g_assert_null (chutes_model_picker_get_selected_model (picker));
  shown = dup_shown_texts (GTK_WIDGET (picker));
  g_assert_cmpstr (shown, ==, "Qwen3-235B-A22B");
  g_clear_pointer (&shown, g_free);

  chutes_model_picker_set_models (picker, fixture->models);
  g_assert_true (chutes_model_picker_get_selected_model (picker) ==
                 get_model (fixture->models, QWEN));

  /* An id the gateway does not offer selects nothing. */
  chutes_model_picker_set_selected_model_id (picker, "nobody/unknown-model");
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, "nobody/unknown-model");
  g_assert_null (chutes_model_picker_get_selected_model (picker));
  shown = dup_shown_texts (GTK_WIDGET (picker));
  g_assert_cmpstr (shown, ==, "Choose Model");

  popup (picker);
  g_assert_cmpuint (count_checked_rows (popover), ==, 0);
  g_assert_nonnull (find_row (popover, QWEN));
  g_assert_false (chutes_model_row_get_selected (find_row (popover, QWEN)));

  /* An empty id is no id. */
  chutes_model_picker_set_selected_model_id (picker, "");
  g_assert_null (chutes_model_picker_get_selected_model_id (picker));
  g_assert_cmpuint (fixture->id_notifies, ==, 3);
}

static GtkEventController *
find_key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "chutes-model-picker-keys") == 0)
        return controller;
    }

  g_assert_not_reached ();
}

static gboolean
press_key (GtkEventController *controller,
           guint               keyval)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
  iterate ();
  return handled;
}

static void
test_keyboard (Fixture       *fixture,
               gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  GtkWidget *popover = picker_popover (picker);
  GtkWidget *search = GTK_WIDGET (chutes_model_picker_get_search_entry (picker));
  GtkEventController *keys = find_key_controller (search);
  GtkWidget *focus;
  g_autofree char *second = NULL;

  chutes_model_picker_set_models (picker, fixture->models);
  chutes_model_picker_set_selected_model_id (picker, QWEN);
  fixture->id_notifies = 0;

  /* Leftover search text from an earlier opening is gone. */
  gtk_editable_set_text (GTK_EDITABLE (search), "leftover");
  popup (picker);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "");

  /* Typing goes to the search entry at once. */
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == search || gtk_widget_is_ancestor (focus, search));

  /* Opening highlights the selected model. */
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 3);

  /* Typing highlights the first match; Down the second, Enter picks it. */
  gtk_editable_set_text (GTK_EDITABLE (search), "deepseek");
  iterate ();
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 0);
  g_assert_true (press_key (keys, GDK_KEY_Down));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 1);
  /* Moving the highlight leaves the focus in the search entry. */
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_true (focus == search || gtk_widget_is_ancestor (focus, search));
  /* The highlight stops at the ends. */
  g_assert_true (press_key (keys, GDK_KEY_Down));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 1);
  g_assert_true (press_key (keys, GDK_KEY_Up));
  g_assert_true (press_key (keys, GDK_KEY_Up));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 0);
  g_assert_true (press_key (keys, GDK_KEY_Down));
  /* Other keys are the entry's. */
  g_assert_false (press_key (keys, GDK_KEY_a));
  g_assert_false (press_key (keys, GDK_KEY_Home));

  second = dup_match_id (picker, 1);
  g_signal_emit_by_name (search, "activate");
  iterate ();
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, second);
  g_assert_cmpstr (second, ==, DEEPSEEK_V3);
  g_assert_cmpuint (fixture->id_notifies, ==, 1);
  wait_mapped (popover, FALSE);

  /* Enter with nothing matching picks nothing and keeps the popover. */
  popup (picker);
  gtk_editable_set_text (GTK_EDITABLE (search), "no such model");
  iterate ();
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, GTK_INVALID_LIST_POSITION);
  g_assert_true (press_key (keys, GDK_KEY_Down));
  g_signal_emit_by_name (search, "activate");
  iterate ();
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, DEEPSEEK_V3);
  g_assert_true (gtk_widget_get_mapped (popover));

  /* Escape closes without a change. */
  g_signal_emit_by_name (search, "stop-search");
  wait_mapped (popover, FALSE);
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, DEEPSEEK_V3);
  g_assert_cmpuint (fixture->id_notifies, ==, 1);
}

static void
test_no_models (Fixture       *fixture,
                gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  GtkWidget *popover = picker_popover (picker);
  g_autofree char *shown = NULL;

  popup (picker);
  shown = dup_shown_texts (popover);
  g_assert_nonnull (strstr (shown, "No models"));
  g_assert_null (strstr (shown, "No models match"));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, GTK_INVALID_LIST_POSITION);

  /* The list arriving while open fills it. */
  chutes_model_picker_set_models (picker, fixture->models);
  iterate ();
  g_clear_pointer (&shown, g_free);
  shown = dup_shown_texts (popover);
  g_assert_null (strstr (shown, "No models"));
  g_assert_nonnull (find_row (popover, QWEN));
}

/* Whether the row for @id is drawn whole inside the popover's list. */
static gboolean
row_in_view (GtkWidget  *popover,
             const char *id)
{
  ChutesModelRow *row = find_row (popover, id);
  GtkWidget *scroller = find_widget (popover, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (row == NULL || !gtk_widget_get_mapped (GTK_WIDGET (row)) ||
      !gtk_widget_compute_bounds (GTK_WIDGET (row), scroller, &bounds))
    return FALSE;

  return bounds.origin.y >= 0 &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller) + 0.5;
}

static void
wait_row_in_view (GtkWidget  *popover,
                  const char *id)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add (5000, timeout_cb, &timed_out);

  while (!timed_out && !row_in_view (popover, id))
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout);
}

static void
test_open_scrolls_to_selected (Fixture       *fixture,
                               gconstpointer  data)
{
  ChutesModelPicker *picker = fixture->picker;
  g_autoptr(GListStore) many = g_list_store_new (CHUTES_TYPE_MODEL_INFO);
  g_autofree char *last = NULL;
  GtkWidget *popover = picker_popover (picker);
  GtkEventController *keys;

  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(ChutesModelInfo) model = NULL;
      g_autofree char *id = g_strdup_printf ("org-%02u/Model-%02u", i, i);

      json_object_set_string_member (object, "id", id);
      model = chutes_model_info_new_from_json (object, NULL);
      g_list_store_append (many, model);
      g_free (last);
      last = g_strdup (id);
    }

  chutes_model_picker_set_models (picker, G_LIST_MODEL (many));
  chutes_model_picker_set_selected_model_id (picker, last);
  popup (picker);

  /* The list is far longer than the popover: it opens at the selected
   * model, not at the top. */
  wait_row_in_view (popover, last);
  g_assert_false (row_in_view (popover, "org-00/Model-00"));

  /* Up walks back through the list, keeping the highlight in view. */
  keys = find_key_controller (GTK_WIDGET (chutes_model_picker_get_search_entry (picker)));
  for (guint i = 0; i < 30; i++)
    g_assert_true (press_key (keys, GDK_KEY_Up));
  g_assert_cmpuint (chutes_model_picker_get_highlighted (picker), ==, 29);
  wait_row_in_view (popover, "org-29/Model-29");

  chutes_model_picker_set_models (picker, NULL);
}

static void
test_preferences_default_model (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("ai.chutes.Desktop");
  g_autoptr(GListModel) models = load_models ();
  ChutesPreferencesWindow *window;
  ChutesModelPicker *picker;
  GtkWidget *popover;
  GtkWidget *list;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *shown = NULL;
  AdwActionRow *account_row = NULL;
  GtkWidget *sign_out = NULL;
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  g_settings_set_string (settings, "default-model", QWEN);

  window = chutes_preferences_window_new (settings);
  chutes_preferences_window_set_models (window, models);
  chutes_preferences_window_set_account_name (window, "<b>alice</b> & bob");
  chutes_preferences_window_set_idp_url (window, "http://127.0.0.1:8080/?a=1&b=<2>");
  chutes_preferences_window_set_gateway_url (window, "https://llm.chutes.ai/v1");
  chutes_preferences_window_set_client_id (window, "cid_123");
  gtk_window_present (GTK_WINDOW (window));

  picker = find_widget (GTK_WIDGET (window), CHUTES_TYPE_MODEL_PICKER);
  wait_mapped (GTK_WIDGET (picker), TRUE);

  /* The stored default is shown. */
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, QWEN);

  /* Picking a model in the row's popover writes the key. */
  popup (picker);
  popover = picker_popover (picker);
  list = find_widget (popover, GTK_TYPE_LIST_VIEW);
  g_signal_emit_by_name (list, "activate", 2);
  iterate ();
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, DEEPSEEK_V3);
  {
    g_autofree char *stored = g_settings_get_string (settings, "default-model");

    g_assert_cmpstr (stored, ==, DEEPSEEK_V3);
  }

  /* The key changed elsewhere shows here. */
  g_settings_set_string (settings, "default-model", DEEPSEEK_R1);
  g_assert_cmpstr (chutes_model_picker_get_selected_model_id (picker), ==, DEEPSEEK_R1);

  /* The clear button goes back to "the model chosen last". */
  collect_widgets (GTK_WIDGET (window), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkButton *button = buttons->pdata[i];
      const char *action = gtk_actionable_get_action_name (GTK_ACTIONABLE (button));

      if (g_strcmp0 (gtk_button_get_icon_name (button), "edit-clear-symbolic") == 0 &&
          gtk_widget_get_mapped (GTK_WIDGET (button)))
        g_signal_emit_by_name (button, "clicked");
      if (g_strcmp0 (action, "app.sign-out") == 0)
        sign_out = GTK_WIDGET (button);
    }
  {
    g_autofree char *stored = g_settings_get_string (settings, "default-model");

    g_assert_cmpstr (stored, ==, "");
  }
  g_assert_null (chutes_model_picker_get_selected_model_id (picker));

  /* Account and connection details are shown literally. */
  collect_widgets (GTK_WIDGET (window), ADW_TYPE_ACTION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = rows->pdata[i];

      g_assert_false (adw_preferences_row_get_use_markup (row));
      if (g_strcmp0 (adw_preferences_row_get_title (row), "<b>alice</b> & bob") == 0)
        account_row = rows->pdata[i];
    }
  g_assert_nonnull (account_row);
  for (guint i = 0; i < rows->len; i++)
    {
      const char *subtitle = adw_action_row_get_subtitle (rows->pdata[i]);

      if (subtitle != NULL && gtk_widget_get_mapped (rows->pdata[i]))
        {
          if (shown != NULL)
            {
              char *joined = g_strconcat (shown, "|", subtitle, NULL);

              g_free (shown);
              shown = joined;
            }
          else
            shown = g_strdup (subtitle);
        }
    }
  g_assert_cmpstr (shown, ==,
                   "New chats use the model chosen last|"
                   "Titles and messages show up in the search of GNOME Shell|"
                   "Signed in to Chutes|cid_123|"
                   "http://127.0.0.1:8080/?a=1&b=<2>|https://llm.chutes.ai/v1");

  /* The switch of the Shell's search follows its setting both ways. */
  {
    GtkSwitch *search_switch = GTK_SWITCH (find_widget (GTK_WIDGET (window), GTK_TYPE_SWITCH));

    g_assert_true (gtk_switch_get_active (search_switch));
    gtk_switch_set_active (search_switch, FALSE);
    g_assert_false (g_settings_get_boolean (settings, "search-provider-enabled"));
    g_settings_set_boolean (settings, "search-provider-enabled", TRUE);
    g_assert_true (gtk_switch_get_active (search_switch));
  }

  /* Sign Out is wired to the application's action. */
  g_assert_nonnull (sign_out);
  g_assert_true (gtk_widget_get_mapped (sign_out));
  chutes_preferences_window_set_account_name (window, NULL);
  g_assert_false (gtk_widget_get_visible (sign_out));

  /* Closing the window leaves the setting as it is. */
  g_settings_set_string (settings, "default-model", DEEPSEEK_R1);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  g_assert_null (window);
  {
    g_autofree char *stored = g_settings_get_string (settings, "default-model");

    g_assert_cmpstr (stored, ==, DEEPSEEK_R1);
  }
}

int
main (int   argc,
      char *argv[])
{
  /* The expected texts are the untranslated ones. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "C.UTF-8");

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chutes_register_resource ();

  g_test_add_func ("/model-picker/row/texts-are-literal-with-prices-context-and-badge", test_row_texts);
  g_test_add_func ("/model-picker/row/format-prices-and-context", test_format_texts);
  g_test_add ("/model-picker/search/typing-narrows-the-list", Fixture, NULL,
              fixture_set_up, test_search_filters, fixture_tear_down);
  g_test_add ("/model-picker/select/click-on-row-picks-and-checks-it", Fixture, NULL,
              fixture_set_up, test_pick_row, fixture_tear_down);
  g_test_add ("/model-picker/select/unknown-id-selects-nothing", Fixture, NULL,
              fixture_set_up, test_unknown_id, fixture_tear_down);
  g_test_add ("/model-picker/keyboard/down-enter-picks-second-match", Fixture, NULL,
              fixture_set_up, test_keyboard, fixture_tear_down);
  g_test_add ("/model-picker/empty/no-models-yet-then-loaded", Fixture, NULL,
              fixture_set_up, test_no_models, fixture_tear_down);
  g_test_add ("/model-picker/select/opening-scrolls-to-the-selected-model", Fixture, NULL,
              fixture_set_up, test_open_scrolls_to_selected, fixture_tear_down);
  g_test_add_func ("/preferences/default-model/picking-writes-the-setting",
                   test_preferences_default_model);

  return chutes_test_check_live_objects (g_test_run ());
}
