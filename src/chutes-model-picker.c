/* chutes-model-picker.c: a button showing the chosen model that opens a
 * searchable list of the gateway's models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-model-picker.h"
#include "chutes-model-row.h"
#include "chutes-util.h"

/* How far Page Up and Page Down move the highlight. */
#define PAGE_STEP 5

struct _ChutesModelPicker
{
  GtkWidget           parent_instance;

  GListModel         *models;
  ChutesModelInfo    *selected_model;
  char               *selected_model_id;
  char               *placeholder_text;
  /* The search split at white space and case-folded; NULL matches all. */
  char              **search_terms;

  GtkCustomFilter    *filter;
  GtkFilterListModel *matches;
  GtkSingleSelection *selection;

  GtkMenuButton      *button;
  GtkWidget          *button_tee_icon;
  GtkLabel           *button_label;
  GtkPopover         *popover;
  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkListView        *list_view;
  GtkLabel           *empty_title;
  GtkLabel           *empty_description;

  /* Scrolling to the highlight waits for the list's first allocation. */
  guint               scroll_tick;
  guint               scroll_pending : 1;
};

G_DEFINE_FINAL_TYPE (ChutesModelPicker, chutes_model_picker, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODELS,
  PROP_SELECTED_MODEL_ID,
  PROP_PLACEHOLDER_TEXT,
  PROP_HAS_FRAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static guint
find_model (GListModel *list,
            const char *model_id)
{
  guint n;

  if (list == NULL || model_id == NULL)
    return GTK_INVALID_LIST_POSITION;

  n = g_list_model_get_n_items (list);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesModelInfo) model = g_list_model_get_item (list, i);

      if (g_strcmp0 (chutes_model_info_get_id (model), model_id) == 0)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

/* Words that find a model by what it can do: the English ones, and the
 * badge's own (translated) name. A search term matches the start of one. */
static gboolean
term_names_capability (const char         *term,
                       const char * const *words,
                       const char         *badge)
{
  g_autofree char *folded_badge = g_utf8_casefold (badge, -1);

  /* "to" or "im" alone would find too much. */
  if (strlen (term) < 3)
    return FALSE;

  for (guint i = 0; words[i] != NULL; i++)
    if (g_str_has_prefix (words[i], term))
      return TRUE;

  return g_str_has_prefix (folded_badge, term);
}

static gboolean
term_matches_capability (ChutesModelInfo *model,
                         const char      *term)
{
  static const char * const vision[] = { "vision", "image", "images", "picture", NULL };
  static const char * const reasoning[] = { "reasoning", "thinking", NULL };
  static const char * const tools[] = { "tools", "function", NULL };

  return (chutes_model_info_accepts_images (model) &&
          term_names_capability (term, vision, chutes_model_row_get_badge_name (CHUTES_MODEL_BADGE_VISION))) ||
         (chutes_model_info_supports_reasoning (model) &&
          term_names_capability (term, reasoning, chutes_model_row_get_badge_name (CHUTES_MODEL_BADGE_REASONING))) ||
         (chutes_model_info_supports_tools (model) &&
          term_names_capability (term, tools, chutes_model_row_get_badge_name (CHUTES_MODEL_BADGE_TOOLS)));
}

static gboolean
model_matches_search (gpointer item,
                      gpointer user_data)
{
  ChutesModelPicker *self = user_data;
  g_autofree char *id = NULL;

  if (self->search_terms == NULL)
    return TRUE;

  id = g_utf8_casefold (chutes_model_info_get_id (item), -1);
  for (guint i = 0; self->search_terms[i] != NULL; i++)
    {
      if (strstr (id, self->search_terms[i]) == NULL &&
          !term_matches_capability (item, self->search_terms[i]))
        return FALSE;
    }

  return TRUE;
}

static void
chutes_model_picker_update_button (ChutesModelPicker *self)
{
  g_autofree char *label = NULL;
  g_autofree char *tooltip = NULL;
  const char *id = self->selected_model_id;
  /* Before the list arrives, the id is shown as it is: it is what a chat
   * will use. Once the list is there, an id it lacks is not a choice. */
  gboolean chosen = id != NULL && (self->selected_model != NULL || self->models == NULL);

  if (chosen)
    {
      label = chutes_model_row_dup_short_name (id);
      /* Translators: tooltip of the model picker button */
      tooltip = g_strdup_printf (_("Model: %s"), id);
    }
  else
    {
      label = g_strdup (self->placeholder_text != NULL ? self->placeholder_text
                                                       : _("Choose Model"));
      if (id != NULL)
        /* Translators: the model chosen earlier is no longer offered */
        tooltip = g_strdup_printf (_("“%s” is not available"), id);
      else
        tooltip = g_strdup (_("Choose a model"));
    }

  /* Model ids come from the network: plain text only. A short name is
   * shown whole even where space is tight; a long one is ellipsized. */
  gtk_label_set_text (self->button_label, label);
  gtk_label_set_width_chars (self->button_label, MIN (g_utf8_strlen (label, -1), 12));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), tooltip);
  /* The name says what the button is for and what it shows now. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chosen ? tooltip : label,
                                  -1);
  gtk_widget_set_visible (self->button_tee_icon,
                          self->selected_model != NULL &&
                          chutes_model_info_get_confidential (self->selected_model));
}

static void
chutes_model_picker_sync_selected_model (ChutesModelPicker *self)
{
  g_autoptr(ChutesModelInfo) model = NULL;
  guint position = find_model (self->models, self->selected_model_id);

  if (position != GTK_INVALID_LIST_POSITION)
    model = g_list_model_get_item (self->models, position);

  g_set_object (&self->selected_model, model);
  chutes_model_picker_update_button (self);
}

static void
chutes_model_picker_update_status (ChutesModelPicker *self)
{
  gboolean any_models = self->models != NULL && g_list_model_get_n_items (self->models) > 0;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->matches)) > 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }

  if (any_models)
    {
      gtk_label_set_text (self->empty_title, _("No models match"));
      gtk_label_set_text (self->empty_description, _("Try part of a name or an organisation"));
    }
  else
    {
      gtk_label_set_text (self->empty_title, _("No models"));
      gtk_label_set_text (self->empty_description, _("The list of models has not loaded"));
    }

  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
chutes_model_picker_scroll_to_highlight (ChutesModelPicker *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);

  self->scroll_pending = FALSE;
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  ChutesModelPicker *self = user_data;

  if (gtk_widget_get_mapped (widget) && gtk_widget_get_height (widget) == 0)
    return G_SOURCE_CONTINUE;

  self->scroll_tick = 0;
  if (gtk_widget_get_mapped (widget))
    chutes_model_picker_scroll_to_highlight (self);

  return G_SOURCE_REMOVE;
}

/* GTK 4.8 scrolls by the list's current layout: before the popover has
 * been laid out, that would scroll nowhere, so it waits for a frame. */
static void
list_map_cb (ChutesModelPicker *self)
{
  if (self->scroll_pending && self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view),
                                                      scroll_tick_cb, self, NULL);
}

static void
chutes_model_picker_highlight (ChutesModelPicker *self,
                               guint              position)
{
  GtkWidget *list = GTK_WIDGET (self->list_view);

  gtk_single_selection_set_selected (self->selection, position);

  self->scroll_pending = TRUE;
  if (gtk_widget_get_mapped (list) && gtk_widget_get_height (list) > 0)
    chutes_model_picker_scroll_to_highlight (self);
  else if (gtk_widget_get_mapped (list))
    list_map_cb (self);
}

/* The first match while searching; otherwise the selected model, so that
 * Enter keeps it and Down goes to the one after it. */
static void
chutes_model_picker_reset_highlight (ChutesModelPicker *self)
{
  GListModel *matches = G_LIST_MODEL (self->matches);
  guint position = GTK_INVALID_LIST_POSITION;

  if (g_list_model_get_n_items (matches) > 0)
    {
      position = 0;
      if (self->search_terms == NULL)
        {
          guint selected = find_model (matches, self->selected_model_id);

          if (selected != GTK_INVALID_LIST_POSITION)
            position = selected;
        }
    }

  chutes_model_picker_highlight (self, position);
}

static void
chutes_model_picker_move_highlight (ChutesModelPicker *self,
                                    int                delta)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->matches));
  guint position = gtk_single_selection_get_selected (self->selection);
  gint64 next;

  if (n == 0)
    return;

  if (position == GTK_INVALID_LIST_POSITION)
    next = delta > 0 ? 0 : n - 1;
  else
    next = CLAMP ((gint64) position + delta, 0, (gint64) n - 1);

  chutes_model_picker_highlight (self, (guint) next);
}

static void
chutes_model_picker_pick (ChutesModelPicker *self,
                          guint              position)
{
  g_autoptr(ChutesModelInfo) model = NULL;

  model = g_list_model_get_item (G_LIST_MODEL (self->matches), position);
  if (model == NULL)
    return;

  chutes_model_picker_set_selected_model_id (self, chutes_model_info_get_id (model));
  gtk_popover_popdown (self->popover);
}

static void
search_changed_cb (ChutesModelPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *folded = g_utf8_casefold (text, -1);
  g_auto(GStrv) words = g_strsplit_set (folded, " \t\n", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) terms = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] != '\0')
        g_strv_builder_add (builder, words[i]);
    }

  terms = g_strv_builder_end (builder);
  g_clear_pointer (&self->search_terms, g_strfreev);
  if (terms[0] != NULL)
    self->search_terms = g_steal_pointer (&terms);

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  chutes_model_picker_reset_highlight (self);
}

static void
search_activate_cb (ChutesModelPicker *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    chutes_model_picker_pick (self, position);
}

static void
search_stop_cb (ChutesModelPicker *self)
{
  gtk_popover_popdown (self->popover);
}

static gboolean
search_key_pressed_cb (ChutesModelPicker     *self,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       GtkEventControllerKey *controller)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      chutes_model_picker_move_highlight (self, 1);
      return GDK_EVENT_STOP;

    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      chutes_model_picker_move_highlight (self, -1);
      return GDK_EVENT_STOP;

    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      chutes_model_picker_move_highlight (self, PAGE_STEP);
      return GDK_EVENT_STOP;

    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      chutes_model_picker_move_highlight (self, -PAGE_STEP);
      return GDK_EVENT_STOP;

    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
list_activate_cb (ChutesModelPicker *self,
                  guint              position)
{
  chutes_model_picker_pick (self, position);
}

static void
popover_show_cb (ChutesModelPicker *self)
{
  /* Each opening starts from the whole list, at the selected model. */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  chutes_model_picker_reset_highlight (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static gboolean
row_selected_transform (GBinding     *binding,
                        const GValue *from_value,
                        GValue       *to_value,
                        gpointer      user_data)
{
  g_autoptr(GObject) row = g_binding_dup_target (binding);
  ChutesModelInfo *model = row != NULL ? chutes_model_row_get_model (CHUTES_MODEL_ROW (row)) : NULL;
  const char *id = g_value_get_string (from_value);

  g_value_set_boolean (to_value,
                       model != NULL && id != NULL &&
                       g_str_equal (id, chutes_model_info_get_id (model)));
  return TRUE;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              ChutesModelPicker        *self)
{
  gtk_list_item_set_child (list_item, chutes_model_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             ChutesModelPicker        *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  GBinding *binding;

  chutes_model_row_set_model (CHUTES_MODEL_ROW (row), gtk_list_item_get_item (list_item));
  binding = g_object_bind_property_full (self, "selected-model-id",
                                         row, "selected",
                                         G_BINDING_SYNC_CREATE,
                                         row_selected_transform, NULL,
                                         NULL, NULL);
  g_object_set_data (G_OBJECT (row), "chutes-selected-binding", binding);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ChutesModelPicker        *self)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);
  GBinding *binding = g_object_steal_data (G_OBJECT (row), "chutes-selected-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  chutes_model_row_set_model (CHUTES_MODEL_ROW (row), NULL);
  chutes_model_row_set_selected (CHUTES_MODEL_ROW (row), FALSE);
}

static void
models_changed_cb (ChutesModelPicker *self)
{
  chutes_model_picker_sync_selected_model (self);
}

static gboolean
chutes_model_picker_grab_focus (GtkWidget *widget)
{
  ChutesModelPicker *self = CHUTES_MODEL_PICKER (widget);

  /* Shift+Tab out of the button asks the picker itself to take focus:
   * giving it back to the button would trap the focus there. */
  if (gtk_widget_get_focus_child (widget) != NULL)
    return FALSE;

  return gtk_widget_grab_focus (GTK_WIDGET (self->button));
}

/* An AdwActionRow with the picker as its activatable widget opens it. */
static gboolean
chutes_model_picker_mnemonic_activate (GtkWidget *widget,
                                       gboolean   group_cycling)
{
  ChutesModelPicker *self = CHUTES_MODEL_PICKER (widget);

  if (group_cycling)
    return gtk_widget_grab_focus (GTK_WIDGET (self->button));

  chutes_model_picker_popup (self);
  return TRUE;
}

static void
chutes_model_picker_dispose (GObject *object)
{
  ChutesModelPicker *self = (ChutesModelPicker *)object;

  if (self->models != NULL)
    g_signal_handlers_disconnect_by_data (self->models, self);
  if (self->matches != NULL)
    g_signal_handlers_disconnect_by_data (self->matches, self);

  /* GTK 4.8 keeps an open popover alive past its parent's end. */
  if (self->popover != NULL)
    gtk_popover_popdown (self->popover);
  if (self->scroll_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->scroll_tick);
  self->scroll_tick = 0;

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_MODEL_PICKER);
  /* dispose_template() only unparents children bound by name (GTK 4.8). */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  /* The filter calls back into us: cut it before anything else can. */
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);

  g_clear_object (&self->selection);
  g_clear_object (&self->matches);
  g_clear_object (&self->filter);
  g_clear_object (&self->models);
  g_clear_object (&self->selected_model);
  g_clear_pointer (&self->selected_model_id, g_free);
  g_clear_pointer (&self->placeholder_text, g_free);
  g_clear_pointer (&self->search_terms, g_strfreev);

  G_OBJECT_CLASS (chutes_model_picker_parent_class)->dispose (object);
}

static void
chutes_model_picker_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChutesModelPicker *self = CHUTES_MODEL_PICKER (object);

  switch (prop_id)
    {
    case PROP_MODELS:
      g_value_set_object (value, self->models);
      break;

    case PROP_SELECTED_MODEL_ID:
      g_value_set_string (value, self->selected_model_id);
      break;

    case PROP_PLACEHOLDER_TEXT:
      g_value_set_string (value, self->placeholder_text);
      break;

    case PROP_HAS_FRAME:
      g_value_set_boolean (value, chutes_model_picker_get_has_frame (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_picker_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ChutesModelPicker *self = CHUTES_MODEL_PICKER (object);

  switch (prop_id)
    {
    case PROP_MODELS:
      chutes_model_picker_set_models (self, g_value_get_object (value));
      break;

    case PROP_SELECTED_MODEL_ID:
      chutes_model_picker_set_selected_model_id (self, g_value_get_string (value));
      break;

    case PROP_PLACEHOLDER_TEXT:
      chutes_model_picker_set_placeholder_text (self, g_value_get_string (value));
      break;

    case PROP_HAS_FRAME:
      chutes_model_picker_set_has_frame (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_model_picker_class_init (ChutesModelPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_model_picker_dispose;
  object_class->get_property = chutes_model_picker_get_property;
  object_class->set_property = chutes_model_picker_set_property;

  widget_class->grab_focus = chutes_model_picker_grab_focus;
  widget_class->mnemonic_activate = chutes_model_picker_mnemonic_activate;

  properties[PROP_MODELS] =
    g_param_spec_object ("models", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SELECTED_MODEL_ID] =
    g_param_spec_string ("selected-model-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PLACEHOLDER_TEXT] =
    g_param_spec_string ("placeholder-text", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_HAS_FRAME] =
    g_param_spec_boolean ("has-frame", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/ai/chutes/Desktop/chutes-model-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, button);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, button_tee_icon);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, button_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, popover);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, stack);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, list_view);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, empty_title);
  gtk_widget_class_bind_template_child (widget_class, ChutesModelPicker, empty_description);
  gtk_widget_class_bind_template_callback (widget_class, popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_map_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "modelpicker");
}

static void
chutes_model_picker_init (ChutesModelPicker *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter = gtk_custom_filter_new (model_matches_search, self, NULL);
  self->matches = gtk_filter_list_model_new (NULL, GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->matches)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->matches, "items-changed",
                           G_CALLBACK (chutes_model_picker_update_status), self,
                           G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_row_cb), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_row_cb), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  /* Up and Down reach the list while the focus stays in the search entry;
   * the capture phase sees them before the entry's text does. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_name (keys, "chutes-model-picker-keys");
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self->popover));

  chutes_model_picker_update_button (self);
  chutes_model_picker_update_status (self);
}

GtkWidget *
chutes_model_picker_new (void)
{
  return g_object_new (CHUTES_TYPE_MODEL_PICKER, NULL);
}

GListModel *
chutes_model_picker_get_models (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return self->models;
}

void
chutes_model_picker_set_models (ChutesModelPicker *self,
                                GListModel        *models)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));
  g_return_if_fail (models == NULL || G_IS_LIST_MODEL (models));

  if (self->models == models)
    return;

  if (self->models != NULL)
    g_signal_handlers_disconnect_by_data (self->models, self);

  g_set_object (&self->models, models);

  if (models != NULL)
    g_signal_connect_object (models, "items-changed",
                             G_CALLBACK (models_changed_cb), self,
                             G_CONNECT_SWAPPED);

  gtk_filter_list_model_set_model (self->matches, models);
  chutes_model_picker_sync_selected_model (self);
  chutes_model_picker_update_status (self);
  chutes_model_picker_reset_highlight (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODELS]);
}

const char *
chutes_model_picker_get_selected_model_id (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return self->selected_model_id;
}

void
chutes_model_picker_set_selected_model_id (ChutesModelPicker *self,
                                           const char        *model_id)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));

  if (model_id != NULL && model_id[0] == '\0')
    model_id = NULL;

  if (!chutes_set_str (&self->selected_model_id, model_id))
    return;

  chutes_model_picker_sync_selected_model (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_MODEL_ID]);
}

ChutesModelInfo *
chutes_model_picker_get_selected_model (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return self->selected_model;
}

const char *
chutes_model_picker_get_placeholder_text (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return self->placeholder_text;
}

void
chutes_model_picker_set_placeholder_text (ChutesModelPicker *self,
                                          const char        *text)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));

  if (!chutes_set_str (&self->placeholder_text, text))
    return;

  chutes_model_picker_update_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLACEHOLDER_TEXT]);
}

gboolean
chutes_model_picker_get_has_frame (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), FALSE);

  return gtk_menu_button_get_has_frame (self->button);
}

void
chutes_model_picker_set_has_frame (ChutesModelPicker *self,
                                   gboolean           has_frame)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));

  has_frame = !!has_frame;
  if (gtk_menu_button_get_has_frame (self->button) == has_frame)
    return;

  gtk_menu_button_set_has_frame (self->button, has_frame);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_FRAME]);
}

void
chutes_model_picker_popup (ChutesModelPicker *self)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));

  /* A popover needs a place on screen to point at. */
  if (!gtk_widget_is_drawable (GTK_WIDGET (self->button)))
    {
      g_debug ("Not opening the model picker: it is not on screen");
      return;
    }

  gtk_menu_button_popup (self->button);
}

void
chutes_model_picker_popdown (ChutesModelPicker *self)
{
  g_return_if_fail (CHUTES_IS_MODEL_PICKER (self));

  gtk_menu_button_popdown (self->button);
}

GListModel *
chutes_model_picker_get_matches (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return G_LIST_MODEL (self->matches);
}

GtkEditable *
chutes_model_picker_get_search_entry (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), NULL);

  return GTK_EDITABLE (self->search_entry);
}

guint
chutes_model_picker_get_highlighted (ChutesModelPicker *self)
{
  g_return_val_if_fail (CHUTES_IS_MODEL_PICKER (self), GTK_INVALID_LIST_POSITION);

  return gtk_single_selection_get_selected (self->selection);
}
