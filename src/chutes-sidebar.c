/* chutes-sidebar.c: saved conversations, newest first, and search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "chutes-sidebar.h"
#include "chutes-stack-a11y.h"

struct _ChutesSidebar
{
  GtkWidget           parent_instance;

  ChutesHistory      *history;
  GtkFilterListModel *visible_chats;
  GtkCustomFilter    *filter;
  GtkSingleSelection *selection;
  GCancellable       *search_cancellable;
  gint64              hidden_id;
  gint64              selected_id;

  GtkSearchEntry     *search_entry;
  GtkStack           *stack;
  GtkListView        *chat_list;
  GtkListView        *result_list;
};

G_DEFINE_FINAL_TYPE (ChutesSidebar, chutes_sidebar, GTK_TYPE_WIDGET)

enum {
  OPEN_CHAT,
  RENAME_CHAT,
  DELETE_CHAT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* "14:02" today, "Yesterday", else the date in the locale's format. */
static char *
format_when (gint64 usec)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int days;

  if (when == NULL)
    return g_strdup ("");

  days = g_date_time_get_day_of_year (now) - g_date_time_get_day_of_year (when);
  if (g_date_time_get_year (now) == g_date_time_get_year (when) && days == 0)
    return g_date_time_format (when, "%H:%M");
  if (g_date_time_get_year (now) == g_date_time_get_year (when) && days == 1)
    return g_strdup (_("Yesterday"));

  return g_date_time_format (when, "%x");
}

static void
chutes_sidebar_update_page (ChutesSidebar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GListModel *results = G_LIST_MODEL (gtk_list_view_get_model (self->result_list));

  if (*text != '\0')
    gtk_stack_set_visible_child_name (self->stack,
                                      results && g_list_model_get_n_items (results) > 0
                                        ? "results" : "no-results");
  else if (self->visible_chats != NULL &&
           g_list_model_get_n_items (G_LIST_MODEL (self->visible_chats)) > 0)
    gtk_stack_set_visible_child_name (self->stack, "chats");
  else
    gtk_stack_set_visible_child_name (self->stack, "no-chats");
}

/* Chat rows ---------------------------------------------------------------- */

static void
update_chat_row (GtkListItem *item)
{
  ChutesChatSummary *summary = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *labels = gtk_widget_get_first_child (box);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (labels));
  GtkLabel *when = GTK_LABEL (gtk_widget_get_next_sibling (GTK_WIDGET (title)));
  g_autofree char *when_text = NULL;
  const char *title_text;

  if (summary == NULL)
    return;

  title_text = chutes_chat_summary_get_title (summary);
  gtk_label_set_text (title, *title_text ? title_text : _("New Chat"));
  when_text = format_when (chutes_chat_summary_get_updated_at (summary));
  gtk_label_set_text (when, when_text);
}

/* A row's menu is made when it opens, for the chat the row shows then: a
 * menu built for each row up front was most of the widgets, and of the
 * time, of a start with a few dozen saved chats. */
static void
create_chat_menu_cb (GtkMenuButton *menu_button,
                     gpointer       user_data)
{
  GtkListItem *item = user_data;
  ChutesChatSummary *summary = gtk_list_item_get_item (item);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) rename = NULL;
  g_autoptr(GMenuItem) delete = NULL;
  gint64 id;

  if (summary == NULL)
    return;

  id = chutes_chat_summary_get_id (summary);
  rename = g_menu_item_new (_("_Rename…"), NULL);
  g_menu_item_set_action_and_target_value (rename, "sidebar.rename", g_variant_new_int64 (id));
  delete = g_menu_item_new (_("_Delete"), NULL);
  g_menu_item_set_action_and_target_value (delete, "sidebar.delete", g_variant_new_int64 (id));
  g_menu_append_item (menu, rename);
  g_menu_append_item (menu, delete);
  gtk_menu_button_set_menu_model (menu_button, G_MENU_MODEL (menu));
}

static void
setup_chat_row_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   ChutesSidebar            *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *when = gtk_label_new (NULL);
  GtkWidget *menu_button = gtk_menu_button_new ();

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (when), 0);
  gtk_widget_add_css_class (when, "caption");
  gtk_widget_add_css_class (when, "dim-label");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), when);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (menu_button, _("Chat Menu"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Chat Menu"),
                                  -1);
  gtk_widget_add_css_class (menu_button, "flat");
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  /* The item outlives its child: no reference needed. */
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (menu_button), create_chat_menu_cb, item, NULL);

  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), menu_button);
  gtk_list_item_set_child (item, box);
}

static void
bind_chat_row_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  ChutesSidebar            *self)
{
  ChutesChatSummary *summary = gtk_list_item_get_item (item);

  update_chat_row (item);
  g_signal_connect_object (summary, "notify", G_CALLBACK (update_chat_row), item, G_CONNECT_SWAPPED);
}

static void
unbind_chat_row_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    ChutesSidebar            *self)
{
  ChutesChatSummary *summary = gtk_list_item_get_item (item);

  if (summary != NULL)
    g_signal_handlers_disconnect_by_func (summary, update_chat_row, item);
}

static void
chat_activated_cb (ChutesSidebar *self,
                   guint          position)
{
  g_autoptr(ChutesChatSummary) summary =
    g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (summary != NULL)
    g_signal_emit (self, signals[OPEN_CHAT], 0, chutes_chat_summary_get_id (summary), (gint64) 0);
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  g_signal_emit (widget, signals[RENAME_CHAT], 0, g_variant_get_int64 (param));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  g_signal_emit (widget, signals[DELETE_CHAT], 0, g_variant_get_int64 (param));
}

/* Search results ------------------------------------------------------------ */

static void
setup_result_row_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     ChutesSidebar            *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *snippet = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (snippet), 0);
  gtk_label_set_wrap (GTK_LABEL (snippet), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (snippet), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (snippet), 3);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (snippet, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), snippet);
  gtk_list_item_set_child (item, box);
}

static void
bind_result_row_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    ChutesSidebar            *self)
{
  ChutesSearchHit *hit = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (box));
  GtkLabel *snippet = GTK_LABEL (gtk_widget_get_last_child (box));
  g_autofree char *markup = chutes_search_hit_to_markup (hit);
  const char *title_text = chutes_search_hit_get_conversation_title (hit);

  gtk_label_set_text (title, title_text && *title_text ? title_text : _("New Chat"));
  /* Every character of the snippet is escaped; only the highlights are markup. */
  gtk_label_set_markup (snippet, markup);
}

static void
result_activated_cb (ChutesSidebar *self,
                     guint          position)
{
  GListModel *results = G_LIST_MODEL (gtk_list_view_get_model (self->result_list));
  g_autoptr(ChutesSearchHit) hit = g_list_model_get_item (results, position);

  if (hit != NULL)
    g_signal_emit (self, signals[OPEN_CHAT], 0,
                   chutes_search_hit_get_conversation_id (hit),
                   chutes_search_hit_get_message_id (hit));
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChutesSidebar) self = user_data;
  g_autoptr(GListModel) hits = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  hits = chutes_history_search_finish (CHUTES_HISTORY (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (hits == NULL)
    {
      g_debug ("Search failed: %s", error->message);
      hits = G_LIST_MODEL (g_list_store_new (CHUTES_TYPE_SEARCH_HIT));
    }

  selection = gtk_no_selection_new (g_steal_pointer (&hits));
  gtk_list_view_set_model (self->result_list, GTK_SELECTION_MODEL (selection));
  chutes_sidebar_update_page (self);
}

static void
search_changed_cb (ChutesSidebar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  if (*text == '\0' || self->history == NULL)
    {
      chutes_sidebar_update_page (self);
      return;
    }

  self->search_cancellable = g_cancellable_new ();
  chutes_history_search_async (self->history, text, self->search_cancellable,
                               search_cb, g_object_ref (self));
}

static void
stop_search_cb (ChutesSidebar *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_activate_cb (ChutesSidebar *self)
{
  GListModel *results = G_LIST_MODEL (gtk_list_view_get_model (self->result_list));

  if (results != NULL && g_list_model_get_n_items (results) > 0 &&
      g_str_equal (gtk_stack_get_visible_child_name (self->stack), "results"))
    result_activated_cb (self, 0);
}

/* Selection ----------------------------------------------------------------- */

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  ChutesSidebar *self = user_data;

  return chutes_chat_summary_get_id (item) != self->hidden_id;
}

static void
chutes_sidebar_sync_selection (ChutesSidebar *self)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesChatSummary) summary = g_list_model_get_item (model, i);

      if (chutes_chat_summary_get_id (summary) == self->selected_id)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }

  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
chats_changed_cb (ChutesSidebar *self)
{
  chutes_sidebar_sync_selection (self);
  chutes_sidebar_update_page (self);
}

static void
chutes_sidebar_dispose (GObject *object)
{
  ChutesSidebar *self = (ChutesSidebar *)object;

  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHUTES_TYPE_SIDEBAR);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  g_clear_object (&self->selection);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (chutes_sidebar_parent_class)->dispose (object);
}

/* The list gets its chats when the sidebar is first shown, not when it
 * is built: a narrow window keeps it hidden until asked for, and a row
 * for each saved chat is most of a sidebar's widgets. */
static void
chutes_sidebar_map (GtkWidget *widget)
{
  ChutesSidebar *self = CHUTES_SIDEBAR (widget);

  if (self->selection != NULL && gtk_list_view_get_model (self->chat_list) == NULL)
    gtk_list_view_set_model (self->chat_list, GTK_SELECTION_MODEL (self->selection));

  GTK_WIDGET_CLASS (chutes_sidebar_parent_class)->map (widget);
}

static void
chutes_sidebar_class_init (ChutesSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_sidebar_dispose;
  widget_class->map = chutes_sidebar_map;

  signals[OPEN_CHAT] =
    g_signal_new ("open-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[RENAME_CHAT] =
    g_signal_new ("rename-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[DELETE_CHAT] =
    g_signal_new ("delete-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesSidebar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChutesSidebar, stack);
  gtk_widget_class_bind_template_child (widget_class, ChutesSidebar, chat_list);
  gtk_widget_class_bind_template_child (widget_class, ChutesSidebar, result_list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, chat_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, result_activated_cb);

  gtk_widget_class_install_action (widget_class, "sidebar.rename", "x", rename_action);
  gtk_widget_class_install_action (widget_class, "sidebar.delete", "x", delete_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sidebar");
}

static void
chutes_sidebar_init (ChutesSidebar *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  chutes_stack_a11y_track (self->stack);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_chat_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_chat_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_chat_row_cb), self);
  gtk_list_view_set_factory (self->chat_list, factory);
  g_object_unref (factory);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_result_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_result_row_cb), self);
  gtk_list_view_set_factory (self->result_list, factory);
  g_object_unref (factory);

  chutes_sidebar_update_page (self);
}

void
chutes_sidebar_set_history (ChutesSidebar *self,
                            ChutesHistory *history)
{
  g_return_if_fail (CHUTES_IS_SIDEBAR (self));
  g_return_if_fail (CHUTES_IS_HISTORY (history));
  g_return_if_fail (self->history == NULL);

  self->history = g_object_ref (history);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->visible_chats = gtk_filter_list_model_new (g_object_ref (chutes_history_get_conversations (history)),
                                                   GTK_FILTER (self->filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->visible_chats));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_list_view_set_model (self->chat_list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->visible_chats, "items-changed",
                           G_CALLBACK (chats_changed_cb), self, G_CONNECT_SWAPPED);
  chats_changed_cb (self);
}

void
chutes_sidebar_set_selected_chat (ChutesSidebar *self,
                                  gint64         conversation_id)
{
  g_return_if_fail (CHUTES_IS_SIDEBAR (self));

  self->selected_id = conversation_id;
  if (self->selection != NULL)
    chutes_sidebar_sync_selection (self);
}

void
chutes_sidebar_set_hidden_chat (ChutesSidebar *self,
                                gint64         conversation_id)
{
  g_return_if_fail (CHUTES_IS_SIDEBAR (self));

  self->hidden_id = conversation_id;
  if (self->filter != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

void
chutes_sidebar_focus_search (ChutesSidebar *self)
{
  g_return_if_fail (CHUTES_IS_SIDEBAR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
chutes_sidebar_set_search_text (ChutesSidebar *self,
                                const char    *text)
{
  g_return_if_fail (CHUTES_IS_SIDEBAR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
}
