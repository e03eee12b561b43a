/* chutes-window.c: the main window and its pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "chutes-chat-page.h"
#include "chutes-export.h"
#include "chutes-http.h"
#include "chutes-preferences-window.h"
#include "chutes-usage-window.h"
#include "chutes-setup-page.h"
#include "chutes-sidebar.h"
#include "chutes-stack-a11y.h"
#include "chutes-window.h"

struct _ChutesWindow
{
  AdwApplicationWindow  parent_instance;

  /* The services, from the application (construct-only properties). */
  GSettings            *settings;
  ChutesConfig         *config;
  ChutesIdpClient      *idp;
  ChutesAccounts       *accounts;
  ChutesGateway        *gateway;

  /* The active account and its history ("account", "history"), followed
   * from @accounts; history stays the last one while the account is
   * nobody yet (which shows no chats). */
  ChutesAccount        *account;
  ChutesHistory        *history;
  GSignalGroup         *account_signals;
  GSignalGroup         *history_signals;
  /* Each account's chats (ChutesAccount -> the split in chat_stack), kept
   * while it is signed in, so a reply streaming in one goes on into its
   * own history while another is shown. */
  GHashTable           *chat_views;
  GtkStack             *chat_stack;
  GBinding             *sidebar_binding;

  /* Its state ("ready", "sign-in-error", "keyring-problem"); NULL until
   * GtkWindow:application is set. */
  ChutesApplication    *application;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkMenuButton        *primary_menu_button;
  GMenuModel           *primary_menu;
  GtkMenuButton        *account_button;
  GtkLabel             *keyring_label;
  GtkStack             *stack;
  AdwBin               *setup_bin;
  ChutesSetupPage      *setup_page;
  GtkWindow            *shortcuts_window;
  AdwStatusPage        *sign_in_status;
  GtkButton            *change_client_button;
  GtkSpinner           *loading_spinner;
  guint                 loading_spinner_id;
  AdwBin               *chat_bin;
  ChutesChatPage       *chat_page;
  GtkWidget            *split;
  ChutesSidebar        *sidebar;
  GtkToggleButton      *sidebar_button;

  /* Files given on the command line before anyone signed in (of GFile):
   * attached to a new chat once the chat page shows. */
  GPtrArray            *pending_files;

  /* A deletion that can still be undone from its toast. */
  gint64                deleting_id;
  AdwToast             *delete_toast;
};

G_DEFINE_FINAL_TYPE (ChutesWindow, chutes_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_CONFIG,
  PROP_IDP_CLIENT,
  PROP_ACCOUNTS,
  PROP_ACCOUNT,
  PROP_GATEWAY,
  PROP_HISTORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
chutes_window_pick_page (ChutesWindow *self)
{
  ChutesAccount *account = self->account;
  ChutesConfig *config = self->config;

  if (self->application == NULL || !chutes_application_get_ready (self->application))
    return "loading";

  switch (chutes_account_get_state (account))
    {
    case CHUTES_ACCOUNT_STATE_SIGNING_IN:
      return "waiting";

    case CHUTES_ACCOUNT_STATE_SIGNED_IN:
      return "chat";

    case CHUTES_ACCOUNT_STATE_UNKNOWN:
      return "loading";

    case CHUTES_ACCOUNT_STATE_SIGNED_OUT:
    default:
      return chutes_config_has_client (config) ? "sign-in" : "setup";
    }
}

/* The loading page's spinner turns (and shows: a spinner at rest is not
 * drawn) only once loading has taken a while: a start that finds its
 * session at once, the usual case, shows no spinner flashing by, and does
 * not render the spinner's image before its first frame. */
#define LOADING_SPINNER_DELAY_MS 400

static gboolean
show_loading_spinner_cb (gpointer user_data)
{
  ChutesWindow *self = user_data;

  self->loading_spinner_id = 0;
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);

  return G_SOURCE_REMOVE;
}

static void
chutes_window_update_loading_spinner (ChutesWindow *self,
                                      gboolean      loading)
{
  if (!loading)
    {
      g_clear_handle_id (&self->loading_spinner_id, g_source_remove);
      gtk_spinner_set_spinning (self->loading_spinner, FALSE);
    }
  else if (!gtk_spinner_get_spinning (self->loading_spinner) && self->loading_spinner_id == 0)
    {
      self->loading_spinner_id = g_timeout_add (LOADING_SPINNER_DELAY_MS, show_loading_spinner_cb, self);
    }
}

/* Closures of the template's bindings ------------------------------------ */

static gboolean
chutes_window_str_equal (gpointer    object,
                         const char *a,
                         const char *b)
{
  return g_strcmp0 (a, b) == 0;
}

static gboolean
chutes_window_is_set (gpointer    object,
                      const char *text)
{
  return text != NULL;
}

static char *
chutes_window_or_empty (gpointer    object,
                        const char *text)
{
  return g_strdup (text ? text : "");
}

static gboolean
username_is_known (const char *username)
{
  return username != NULL && *username != '\0';
}

/* The account button's label: the username, or a stand-in when the server
 * gave none. */
static char *
chutes_window_account_label (gpointer    object,
                             const char *username)
{
  return g_strdup (username_is_known (username) ? username : _("Signed in"));
}

static int
chutes_window_account_label_width (gpointer    object,
                                   const char *username)
{
  g_autofree char *label = chutes_window_account_label (object, username);

  return MIN (g_utf8_strlen (label, -1), 10);
}

static char *
chutes_window_account_tooltip (gpointer    object,
                               const char *username)
{
  if (!username_is_known (username))
    return chutes_window_account_label (object, username);

  return g_strdup_printf (_("Account: %s"), username);
}

/* Menu labels take "_" as a mnemonic: a username shows it literally. */
static char *
escape_mnemonic (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

/* A chat of one of the accounts heard how much quota is left: kept for
 * that account (see chutes_accounts_set_quota()). */
static void
chutes_window_quota_cb (ChutesWindow       *self,
                        GParamSpec         *pspec,
                        ChutesConversation *conversation)
{
  GHashTableIter iter;
  gpointer account, split;
  gint64 quota = -1;

  g_object_get (conversation, "quota-remaining", &quota, NULL);

  g_hash_table_iter_init (&iter, self->chat_views);
  while (g_hash_table_iter_next (&iter, &account, &split))
    {
      ChutesChatPage *page = g_object_get_data (G_OBJECT (split), "chat-page");

      if (page != NULL && chutes_chat_page_get_conversation (page) == conversation)
        chutes_accounts_set_quota (self->accounts, account, quota);
    }
}

/* Each account (the active one checked: app.switch-account's state is its
 * user ID), then adding one and signing out of the active one. */
static void
chutes_window_update_account_menu (ChutesWindow *self)
{
  const char *username = chutes_account_get_username (self->account);
  GListModel *model = chutes_accounts_get_model (self->accounts);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) accounts = g_menu_new ();
  g_autoptr(GMenu) actions = g_menu_new ();
  g_autofree char *sign_out = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ChutesAccount) account = g_list_model_get_item (model, i);
      const char *user_id = chutes_account_get_user_id (account);
      g_autofree char *name = chutes_window_account_label (self, chutes_account_get_username (account));
      g_autofree char *label = escape_mnemonic (name);
      gint64 quota = chutes_accounts_get_quota (self->accounts, account);
      g_autoptr(GMenuItem) item = NULL;

      if (quota >= 0)
        {
          g_autofree char *with_quota = NULL;
          g_autofree char *left = g_strdup_printf ("%" G_GINT64_FORMAT, quota);

          /* Translators: an account in the account menu: the first %s is
           * its username, the second how many requests its quota still
           * allows (the last number a chat heard, kept across restarts) */
          with_quota = g_strdup_printf (ngettext ("%s · %s request left",
                                                  "%s · %s requests left",
                                                  (gulong) MIN (quota, G_MAXLONG)),
                                        label, left);
          g_free (label);
          label = g_steal_pointer (&with_quota);
        }

      item = g_menu_item_new (label, NULL);
      /* A session not moved over yet has no user ID: shown, not a choice. */
      if (user_id != NULL)
        g_menu_item_set_action_and_target_value (item, "app.switch-account",
                                                 g_variant_new_string (user_id));
      g_menu_append_item (accounts, item);
    }

  /* No "Sign Out of Signed in" when the server gave no name. */
  if (username_is_known (username))
    {
      g_autofree char *escaped = escape_mnemonic (username);

      /* Translators: %s is a username */
      sign_out = g_strdup_printf (_("Sign _Out of %s"), escaped);
    }
  else
    {
      sign_out = g_strdup (_("_Sign Out"));
    }
  g_menu_append (actions, _("_Add Account…"), "app.add-account");
  g_menu_append (actions, sign_out, "app.sign-out");
  g_menu_append_section (menu, _("Accounts"), G_MENU_MODEL (accounts));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (actions));
  gtk_menu_button_set_menu_model (self->account_button, G_MENU_MODEL (menu));
}

static void
chutes_window_update_export (ChutesWindow *self)
{
  ChutesConversation *conversation = self->chat_page ? chutes_chat_page_get_conversation (self->chat_page) : NULL;
  gboolean can_export = conversation != NULL &&
    g_list_model_get_n_items (chutes_conversation_get_messages (conversation)) > 0 &&
    g_str_equal (chutes_window_pick_page (self), "chat");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", can_export);
}

static void chutes_window_ensure_chat_view (ChutesWindow *self);

static void
chutes_window_attach_pending_files (ChutesWindow *self)
{
  g_autoptr(GPtrArray) files = NULL;

  /* They wait for a chat page (an account with its history). */
  if (self->chat_page == NULL)
    return;

  files = g_steal_pointer (&self->pending_files);
  if (files == NULL || files->len == 0)
    return;

  chutes_chat_page_new_chat (self->chat_page);
  chutes_chat_page_attach_files (self->chat_page, (GFile **) files->pdata, files->len);
  gtk_widget_grab_focus (GTK_WIDGET (self->chat_page));
}

static void
client_chosen_cb (ChutesWindow *self,
                  const char   *client_id,
                  const char   *client_secret)
{
  chutes_application_set_client (self->application, client_id, client_secret);
}

static void
chutes_window_update (ChutesWindow *self)
{
  const char *page = chutes_window_pick_page (self);
  const char *uri = chutes_account_get_authorize_uri (self->account);
  gboolean signed_in = g_str_equal (page, "chat");

  /* Most people never see it: not built at start-up. */
  if (g_str_equal (page, "setup") && self->setup_page == NULL)
    {
      self->setup_page = chutes_setup_page_new (self->config, self->idp);
      g_signal_connect_object (self->setup_page, "client-chosen",
                               G_CALLBACK (client_chosen_cb), self, G_CONNECT_SWAPPED);
      adw_bin_set_child (self->setup_bin, GTK_WIDGET (self->setup_page));
    }

  if (g_str_equal (page, "chat"))
    {
      chutes_window_ensure_chat_view (self);
      chutes_window_attach_pending_files (self);
    }

  /* The widgets that follow the page and the account are bound to them in
   * chutes-window.ui; here go the decisions: the page, the actions. */
  gtk_stack_set_visible_child_name (self->stack, page);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.pick-model", signed_in);
  chutes_window_update_export (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-authorize-uri", uri != NULL);
  chutes_window_update_loading_spinner (self, g_str_equal (page, "loading"));

  gtk_widget_set_visible (GTK_WIDGET (self->change_client_button),
                          self->application != NULL &&
                          g_action_group_get_action_enabled (G_ACTION_GROUP (self->application),
                                                             "change-client"));
}

static void
chutes_window_update_keyring_banner (ChutesWindow *self)
{
  g_autofree char *problem = NULL;

  if (self->application != NULL)
    g_object_get (self->application, "keyring-problem", &problem, NULL);

  /* The banner is revealed by a binding (chutes-window.ui); its text stays
   * while it slides away. */
  if (problem != NULL)
    gtk_label_set_text (self->keyring_label, problem);
}

static void
session_ended_cb (ChutesWindow *self,
                  const char   *message)
{
  AdwToast *toast = adw_toast_new (_("You were signed out"));

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
copy_authorize_uri_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  ChutesAccount *account = self->account;
  const char *uri = chutes_account_get_authorize_uri (account);

  if (uri == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), uri);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Link copied")));
}

static void
show_toast_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  /* The text is plain (it may come from the network); a toast title is markup. */
  g_autofree char *escaped = g_markup_escape_text (g_variant_get_string (param, NULL), -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
}

/* Conversations ------------------------------------------------------------ */

/* The sidebar beside the chat page, or over it in a narrow window:
 * AdwOverlaySplitView where libadwaita has it (1.4), collapsed by a
 * breakpoint; AdwFlap, which folds by itself, before (Debian 12 has 1.2). */
#if ADW_CHECK_VERSION (1, 4, 0)
# define SIDEBAR_SHOWN_PROPERTY "show-sidebar"
/* About where the sidebar's 260 px and the chat's narrowest no longer fit. */
# define NARROW_CONDITION "max-width: 600sp"
#else
# define SIDEBAR_SHOWN_PROPERTY "reveal-flap"
#endif

static GtkWidget *
chutes_window_new_split (ChutesWindow *self,
                         GtkWidget    *sidebar,
                         GtkWidget    *content)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  AdwOverlaySplitView *split;
  AdwBreakpoint *narrow;

  /* Newer than the API meson.build pins (ADW_VERSION_MAX_ALLOWED, which
   * marks it unavailable), and used only where the library has it. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  split = ADW_OVERLAY_SPLIT_VIEW (adw_overlay_split_view_new ());
  narrow = adw_breakpoint_new (adw_breakpoint_condition_parse (NARROW_CONDITION));
  adw_overlay_split_view_set_sidebar (split, sidebar);
  adw_overlay_split_view_set_content (split, content);
  adw_breakpoint_add_setters (narrow, G_OBJECT (split), "collapsed", TRUE, NULL);
  adw_application_window_add_breakpoint (ADW_APPLICATION_WINDOW (self), narrow);
  G_GNUC_END_IGNORE_DEPRECATIONS

  return GTK_WIDGET (split);
#else
  AdwFlap *flap = ADW_FLAP (adw_flap_new ());

  adw_flap_set_flap (flap, sidebar);
  adw_flap_set_separator (flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  adw_flap_set_content (flap, content);

  return GTK_WIDGET (flap);
#endif
}

static void
chutes_window_show_sidebar (ChutesWindow *self,
                            gboolean      show)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  adw_overlay_split_view_set_show_sidebar (ADW_OVERLAY_SPLIT_VIEW (self->split), show);
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  adw_flap_set_reveal_flap (ADW_FLAP (self->split), show);
#endif
}

/* In a narrow window the sidebar covers the chat: it goes once a chat is
 * picked. */
static void
chutes_window_hide_overlaid_sidebar (ChutesWindow *self)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gboolean overlaid = adw_overlay_split_view_get_collapsed (ADW_OVERLAY_SPLIT_VIEW (self->split));
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  gboolean overlaid = adw_flap_get_folded (ADW_FLAP (self->split));
#endif

  if (overlaid)
    chutes_window_show_sidebar (self, FALSE);
}

static void
new_chat_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  chutes_window_ensure_chat_view (self);
  chutes_chat_page_new_chat (self->chat_page);
  chutes_window_hide_overlaid_sidebar (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->chat_page));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  chutes_window_ensure_chat_view (self);
  if (self->sidebar == NULL)
    return;
  chutes_window_show_sidebar (self, TRUE);
  chutes_sidebar_focus_search (self->sidebar);
}

static void
open_chat_cb (ChutesWindow *self,
              gint64        conversation_id,
              gint64        message_id)
{
  chutes_chat_page_open_chat (self->chat_page, conversation_id, message_id);
  chutes_window_hide_overlaid_sidebar (self);
}

/* From the Shell's search: what a search hit does, and Ctrl+F with text. */
static void
open_chat_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  gint64 conversation_id, message_id;

  g_variant_get (param, "(xx)", &conversation_id, &message_id);
  chutes_window_ensure_chat_view (self);
  /* Nobody signed in (a hit in the chats of the account active last):
   * the window shows the sign-in page. */
  if (self->chat_page == NULL)
    return;
  open_chat_cb (self, conversation_id, message_id);
}

static void
search_text_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  search_action (widget, "win.search", NULL);
  if (self->sidebar != NULL)
    chutes_sidebar_set_search_text (self->sidebar, g_variant_get_string (param, NULL));
}

static void
conversation_id_cb (ChutesWindow *self)
{
  ChutesConversation *conversation;

  /* Between two accounts' chats. */
  if (self->chat_page == NULL)
    return;

  conversation = chutes_chat_page_get_conversation (self->chat_page);
  chutes_sidebar_set_selected_chat (self->sidebar, chutes_conversation_get_id (conversation));
}

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ChutesWindow     *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "chat-id"));
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "rename") && *title != '\0')
    chutes_history_rename_conversation_async (self->history,
                                              id, title, NULL, NULL, NULL);
}

static void
rename_chat_cb (ChutesWindow *self,
                gint64        conversation_id)
{
  ChutesHistory *history = self->history;
  ChutesChatSummary *summary = chutes_history_lookup_conversation (history, conversation_id);
  GtkWidget *entry;
  AdwMessageDialog *dialog;

  if (summary == NULL)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Rename Chat"), NULL));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), chutes_chat_summary_get_title (summary));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Chat name"),
                                  -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "chat-id", GSIZE_TO_POINTER ((gsize) conversation_id));
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Deletes for good the chat whose Undo is no longer offered. */
static void
chutes_window_finish_delete (ChutesWindow *self)
{
  if (self->deleting_id != 0)
    chutes_history_delete_conversation_async (self->history,
                                              self->deleting_id, NULL, NULL, NULL);
  self->deleting_id = 0;
  self->delete_toast = NULL;
}

static void
delete_toast_dismissed_cb (ChutesWindow *self,
                           AdwToast     *toast)
{
  if (toast != self->delete_toast)
    return;

  chutes_window_finish_delete (self);
  if (self->sidebar != NULL)
    chutes_sidebar_set_hidden_chat (self->sidebar, 0);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  self->deleting_id = 0;
  if (self->sidebar != NULL)
    chutes_sidebar_set_hidden_chat (self->sidebar, 0);
  if (self->delete_toast != NULL)
    adw_toast_dismiss (self->delete_toast);
}

static void
delete_chat_cb (ChutesWindow *self,
                gint64        conversation_id)
{
  ChutesConversation *conversation = chutes_chat_page_get_conversation (self->chat_page);
  AdwToast *toast;

  /* One undo at a time: an earlier deletion becomes final now. */
  if (self->delete_toast != NULL)
    adw_toast_dismiss (self->delete_toast);

  if (chutes_conversation_get_id (conversation) == conversation_id)
    chutes_chat_page_new_chat (self->chat_page);

  self->deleting_id = conversation_id;
  chutes_sidebar_set_hidden_chat (self->sidebar, conversation_id);

  toast = adw_toast_new (_("Chat deleted"));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self,
                           G_CONNECT_SWAPPED);
  self->delete_toast = toast;
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* The chats (the sidebar and the chat page, side by side) are built when
 * first shown: a start shows the loading page while the session is read,
 * and someone signed out may never need them. Until then chat_page,
 * sidebar and split are NULL. */
static void
chutes_window_ensure_chat_view (ChutesWindow *self)
{
  ChutesHistory *history = self->history;
  ChutesConversation *conversation;

  if (self->split != NULL || history == NULL)
    return;

  self->sidebar = CHUTES_SIDEBAR (g_object_new (CHUTES_TYPE_SIDEBAR, NULL));
  self->chat_page = chutes_chat_page_new (self->account,
                                         self->gateway,
                                         history,
                                         self->settings);
  gtk_widget_set_hexpand (GTK_WIDGET (self->chat_page), TRUE);
  self->split = chutes_window_new_split (self, GTK_WIDGET (self->sidebar), GTK_WIDGET (self->chat_page));
  g_object_set_data (G_OBJECT (self->split), "sidebar", self->sidebar);
  g_object_set_data (G_OBJECT (self->split), "chat-page", self->chat_page);
  if (self->chat_stack == NULL)
    {
      self->chat_stack = GTK_STACK (gtk_stack_new ());
      adw_bin_set_child (self->chat_bin, GTK_WIDGET (self->chat_stack));
      /* Another account's chats are not read out either. */
      chutes_stack_a11y_track (self->chat_stack);
    }
  gtk_stack_add_child (self->chat_stack, self->split);
  gtk_stack_set_visible_child (self->chat_stack, self->split);
  g_hash_table_insert (self->chat_views, g_object_ref (self->account), self->split);

  chutes_sidebar_set_history (self->sidebar, history);
  conversation = chutes_chat_page_get_conversation (self->chat_page);

  g_signal_connect_object (self->sidebar, "open-chat", G_CALLBACK (open_chat_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sidebar, "rename-chat", G_CALLBACK (rename_chat_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sidebar, "delete-chat", G_CALLBACK (delete_chat_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (conversation, "notify::id",
                           G_CALLBACK (conversation_id_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (chutes_conversation_get_messages (conversation),
                           "items-changed", G_CALLBACK (chutes_window_update_export), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (conversation, "notify::quota-remaining",
                           G_CALLBACK (chutes_window_quota_cb), self, G_CONNECT_SWAPPED);
  self->sidebar_binding = g_object_bind_property (self->split, SIDEBAR_SHOWN_PROPERTY,
                                                  self->sidebar_button, "active",
                                                  G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
}

static void history_notice_cb (ChutesWindow  *self,
                               GParamSpec    *pspec,
                               ChutesHistory *history);

/* Another account became active: its chats are shown at once (those it
 * had, or new ones), nothing of the other's. */
static void
chutes_window_follow_active (ChutesWindow *self)
{
  ChutesAccount *account = chutes_accounts_get_active (self->accounts);
  ChutesHistory *history = chutes_accounts_get_active_history (self->accounts);
  GHashTableIter iter;
  gpointer key, value;

  if (account == self->account && (history == NULL || history == self->history))
    return;

  /* A deletion still undoable belongs to the chats being left. */
  chutes_window_finish_delete (self);

  if (history != NULL && history != self->history)
    {
      g_set_object (&self->history, history);
      g_signal_group_set_target (self->history_signals, history);
      history_notice_cb (self, NULL, history);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
    }

  if (g_set_object (&self->account, account))
    {
      g_signal_group_set_target (self->account_signals, account);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
    }

  /* Let go of the view shown, and of those of accounts signed out. */
  if (self->sidebar_binding != NULL)
    g_binding_unbind (g_steal_pointer (&self->sidebar_binding));
  self->split = NULL;
  self->sidebar = NULL;
  self->chat_page = NULL;

  g_hash_table_iter_init (&iter, self->chat_views);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (key != (gpointer) account &&
        chutes_account_get_state (key) != CHUTES_ACCOUNT_STATE_SIGNED_IN)
      {
        gtk_stack_remove (self->chat_stack, value);
        g_hash_table_iter_remove (&iter);
      }

  if ((self->split = g_hash_table_lookup (self->chat_views, account)) != NULL)
    {
      self->sidebar = g_object_get_data (G_OBJECT (self->split), "sidebar");
      self->chat_page = g_object_get_data (G_OBJECT (self->split), "chat-page");
      gtk_stack_set_visible_child (self->chat_stack, self->split);
      self->sidebar_binding = g_object_bind_property (self->split, SIDEBAR_SHOWN_PROPERTY,
                                                      self->sidebar_button, "active",
                                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
    }

  chutes_window_update (self);
  chutes_window_update_account_menu (self);
}

/* Export ------------------------------------------------------------------ */

static void
export_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ChutesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chutes_export_write_finish (result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the chat: %s"), error->message);

      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", message);
      return;
    }

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Chat exported")));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    ChutesWindow    *self)
{
  ChutesConversation *conversation = chutes_chat_page_get_conversation (self->chat_page);
  ChutesHistory *history = self->history;
  gboolean json = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "json"));
  g_autoptr(GFile) file = NULL;
  ChutesChatSummary *summary;
  const char *title = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    goto out;

  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  summary = chutes_history_lookup_conversation (history, chutes_conversation_get_id (conversation));
  if (summary != NULL)
    title = chutes_chat_summary_get_title (summary);

  /* Markdown: images go into a folder beside the file. */
  chutes_export_write_async (file, json, title, chutes_conversation_get_model (conversation),
                             summary ? chutes_chat_summary_get_created_at (summary) : 0,
                             chutes_conversation_get_messages (conversation), NULL,
                             export_written_cb, g_object_ref (self));

out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* Through GtkFileChooserNative, which is the file chooser portal inside
 * Flatpak: the app needs no access to the person's files. */
static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  gboolean json = g_str_equal (g_variant_get_string (param, NULL), "json");
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (json ? _("Export Chat as JSON") : _("Export Chat as Markdown"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"),
                                        _("_Cancel"));
  gtk_file_filter_set_name (filter, json ? _("JSON") : _("Markdown"));
  gtk_file_filter_add_suffix (filter, json ? "json" : "md");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), json ? "chat.json" : "chat.md");
  g_object_set_data (G_OBJECT (dialog), "json", GINT_TO_POINTER (json));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
pick_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  chutes_window_ensure_chat_view (self);
  chutes_chat_page_pick_model (self->chat_page);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  ChutesConfig *config = self->config;
  ChutesAccount *account = self->account;
  ChutesPreferencesWindow *preferences;

  chutes_window_ensure_chat_view (self);
  preferences = chutes_preferences_window_new (self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (self));
  /* For app.sign-out and the other application actions. */
  gtk_window_set_application (GTK_WINDOW (preferences), gtk_window_get_application (GTK_WINDOW (self)));
  chutes_preferences_window_set_models (preferences, chutes_chat_page_get_models (self->chat_page));
  g_object_bind_property (account, "username", preferences, "account-name", G_BINDING_SYNC_CREATE);
  chutes_preferences_window_set_idp_url (preferences, chutes_config_get_idp_base_url (config));
  chutes_preferences_window_set_gateway_url (preferences, chutes_config_get_api_base_url (config));
  chutes_preferences_window_set_client_id (preferences, chutes_config_get_client_id (config));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
usage_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);
  ChutesConversation *conversation = self->chat_page != NULL
    ? chutes_chat_page_get_conversation (self->chat_page) : NULL;
  ChutesUsageWindow *usage;
  gint64 quota_remaining = -1;

  if (conversation != NULL)
    g_object_get (conversation, "quota-remaining", &quota_remaining, NULL);

  if (self->history == NULL)
    return;

  usage = chutes_usage_window_new (self->history,
                                   quota_remaining);
  gtk_window_set_transient_for (GTK_WINDOW (usage), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (usage));
}

/* The history speaks up: a database kept aside at start, a failed save. */
static void
history_notice_cb (ChutesWindow  *self,
                   GParamSpec    *pspec,
                   ChutesHistory *history)
{
  const char *notice = chutes_history_get_notice (history);

  g_autofree char *escaped = NULL;
  AdwToast *toast;

  if (notice == NULL)
    return;

  /* Stays until dismissed: the person should learn where the old file is. */
  escaped = g_markup_escape_text (notice, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
history_save_failed_cb (ChutesWindow *self,
                        const GError *error)
{
  g_autofree char *message = g_strdup_printf (_("A message could not be saved: %s"), error->message);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", message);
}

static void
chutes_window_save_size (ChutesWindow *self)
{
  GSettings *settings = self->settings;
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
    }
}

static gboolean
chutes_window_close_request (GtkWindow *window)
{
  chutes_window_save_size (CHUTES_WINDOW (window));
  /* The toast goes with the window: its Undo is no longer offered. */
  chutes_window_finish_delete (CHUTES_WINDOW (window));

  return GTK_WINDOW_CLASS (chutes_window_parent_class)->close_request (window);
}

static void
chutes_window_constructed (GObject *object)
{
  ChutesWindow *self = CHUTES_WINDOW (object);

  G_OBJECT_CLASS (chutes_window_parent_class)->constructed (object);

  g_return_if_fail (self->settings != NULL && self->config != NULL && self->idp != NULL &&
                    self->accounts != NULL && self->gateway != NULL);

  self->account = g_object_ref (chutes_accounts_get_active (self->accounts));
  self->history = chutes_accounts_get_active_history (self->accounts);
  if (self->history != NULL)
    g_object_ref (self->history);
  /* For the template's lookups, bound before these were known. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  if (chutes_config_is_local_server (self->config))
    {
      g_autofree char *host = chutes_http_dup_host (chutes_config_get_idp_base_url (self->config));
      g_autofree char *subtitle = g_strdup_printf (_("Demo server at %s"), host);
      g_autofree char *description =
        g_strdup_printf (_("This is a demo. You will sign in to the local demo server at %s, "
                           "not to chutes.ai, and replies are canned text."), host);

      adw_window_title_set_subtitle (self->window_title, subtitle);
      adw_status_page_set_description (self->sign_in_status, description);
    }

  self->history_signals = g_signal_group_new (CHUTES_TYPE_HISTORY);
  g_signal_group_connect_swapped (self->history_signals, "notify::notice",
                                  G_CALLBACK (history_notice_cb), self);
  g_signal_group_connect_swapped (self->history_signals, "save-failed",
                                  G_CALLBACK (history_save_failed_cb), self);
  g_signal_group_set_target (self->history_signals, self->history);
  if (self->history != NULL)
    history_notice_cb (self, NULL, self->history);

  g_signal_connect_object (self->config, "notify::has-client",
                           G_CALLBACK (chutes_window_update), self, G_CONNECT_SWAPPED);
  self->account_signals = g_signal_group_new (CHUTES_TYPE_ACCOUNT);
  g_signal_group_connect_swapped (self->account_signals, "notify::state",
                                  G_CALLBACK (chutes_window_update), self);
  g_signal_group_connect_swapped (self->account_signals, "notify::username",
                                  G_CALLBACK (chutes_window_update_account_menu), self);
  g_signal_group_connect_swapped (self->account_signals, "notify::authorize-uri",
                                  G_CALLBACK (chutes_window_update), self);
  g_signal_group_connect_swapped (self->account_signals, "session-ended",
                                  G_CALLBACK (session_ended_cb), self);
  g_signal_group_set_target (self->account_signals, self->account);
  g_signal_connect_object (self->accounts, "notify::active",
                           G_CALLBACK (chutes_window_follow_active), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "notify::active-history",
                           G_CALLBACK (chutes_window_follow_active), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->accounts, "quota-changed",
                           G_CALLBACK (chutes_window_update_account_menu), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (chutes_accounts_get_model (self->accounts), "items-changed",
                           G_CALLBACK (chutes_window_update_account_menu), self,
                           G_CONNECT_SWAPPED);

  chutes_window_update (self);
  chutes_window_update_account_menu (self);
  chutes_window_update_keyring_banner (self);
}

/* GtkWindow:application is not a construct property: the application's
 * own state is followed once it is set (once: a window is not moved to
 * another application). */
static void
application_cb (ChutesWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (self->application != NULL || !CHUTES_IS_APPLICATION (application))
    return;

  self->application = CHUTES_APPLICATION (application);

  g_signal_connect_object (self->application, "notify::ready",
                           G_CALLBACK (chutes_window_update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->application, "notify::keyring-problem",
                           G_CALLBACK (chutes_window_update_keyring_banner), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->application, "action-enabled-changed::change-client",
                           G_CALLBACK (chutes_window_update), self, G_CONNECT_SWAPPED);

  chutes_window_update (self);
  chutes_window_update_keyring_banner (self);
}

static void
chutes_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChutesWindow *self = CHUTES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_IDP_CLIENT:
      g_value_set_object (value, self->idp);
      break;

    case PROP_ACCOUNTS:
      g_value_set_object (value, self->accounts);
      break;

    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;

    case PROP_GATEWAY:
      g_value_set_object (value, self->gateway);
      break;

    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chutes_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ChutesWindow *self = CHUTES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    case PROP_IDP_CLIENT:
      self->idp = g_value_dup_object (value);
      break;

    case PROP_ACCOUNTS:
      self->accounts = g_value_dup_object (value);
      break;

    case PROP_GATEWAY:
      self->gateway = g_value_dup_object (value);
      break;


    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The shortcuts window, built the first time it is asked for (GtkApplication
 * would build it with every window, at start-up, from gtk/help-overlay.ui:
 * the resource is not at that path for that reason). */
static void
show_help_overlay_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ChutesWindow *self = CHUTES_WINDOW (widget);

  if (self->shortcuts_window == NULL)
    {
      g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource ("/ai/chutes/Desktop/chutes-shortcuts-window.ui");

      self->shortcuts_window = g_object_ref (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
      gtk_window_set_transient_for (self->shortcuts_window, GTK_WINDOW (self));
      gtk_window_set_modal (self->shortcuts_window, TRUE);
      gtk_window_set_hide_on_close (self->shortcuts_window, TRUE);
    }

  gtk_window_present (self->shortcuts_window);
}

static void
chutes_window_dispose (GObject *object)
{
  ChutesWindow *self = CHUTES_WINDOW (object);

  g_clear_handle_id (&self->loading_spinner_id, g_source_remove);
  if (self->shortcuts_window != NULL)
    gtk_window_destroy (self->shortcuts_window);
  g_clear_object (&self->shortcuts_window);

  G_OBJECT_CLASS (chutes_window_parent_class)->dispose (object);
}

static void
chutes_window_finalize (GObject *object)
{
  ChutesWindow *self = CHUTES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->config);
  g_clear_object (&self->idp);
  g_clear_object (&self->account);
  g_clear_object (&self->accounts);
  g_clear_object (&self->gateway);
  g_clear_object (&self->history);
  g_clear_pointer (&self->pending_files, g_ptr_array_unref);
  g_clear_object (&self->account_signals);
  g_clear_object (&self->history_signals);
  g_clear_pointer (&self->chat_views, g_hash_table_unref);

  G_OBJECT_CLASS (chutes_window_parent_class)->finalize (object);
}

static void
chutes_window_class_init (ChutesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = chutes_window_constructed;
  object_class->dispose = chutes_window_dispose;
  object_class->finalize = chutes_window_finalize;
  object_class->get_property = chutes_window_get_property;
  object_class->set_property = chutes_window_set_property;
  window_class->close_request = chutes_window_close_request;

  /* The services the window and its pages use (see chutes-application.c). */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, CHUTES_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDP_CLIENT] =
    g_param_spec_object ("idp-client", NULL, NULL, CHUTES_TYPE_IDP_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNTS] =
    g_param_spec_object ("accounts", NULL, NULL, CHUTES_TYPE_ACCOUNTS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, CHUTES_TYPE_ACCOUNT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GATEWAY] =
    g_param_spec_object ("gateway", NULL, NULL, CHUTES_TYPE_GATEWAY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL, CHUTES_TYPE_HISTORY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Named by the template's lookups. */
  g_type_ensure (CHUTES_TYPE_ACCOUNT);
  g_type_ensure (CHUTES_TYPE_APPLICATION);

  gtk_widget_class_set_template_from_resource (widget_class, "/ai/chutes/Desktop/chutes-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, account_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, keyring_label);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, setup_bin);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, sign_in_status);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, change_client_button);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, chat_bin);
  gtk_widget_class_bind_template_child (widget_class, ChutesWindow, sidebar_button);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_str_equal);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_is_set);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_or_empty);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_account_label);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_account_label_width);
  gtk_widget_class_bind_template_callback (widget_class, chutes_window_account_tooltip);

  gtk_widget_class_install_action (widget_class, "win.copy-authorize-uri", NULL,
                                   copy_authorize_uri_action);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.search-text", "s", search_text_action);
  gtk_widget_class_install_action (widget_class, "win.open-chat", "(xx)", open_chat_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", NULL, undo_delete_action);
  gtk_widget_class_install_action (widget_class, "win.pick-model", NULL, pick_model_action);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.usage", NULL, usage_action);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL, show_help_overlay_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK,
                                       "win.show-help-overlay", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK,
                                       "win.pick-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_M, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.pick-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

/* The main menu's widgets are made when it first opens (by a click or
 * F10), not at start-up, where nothing shows them. */
static void
create_primary_menu_cb (GtkMenuButton *menu_button,
                        gpointer       user_data)
{
  ChutesWindow *self = user_data;

  gtk_menu_button_set_menu_model (menu_button, self->primary_menu);
  gtk_menu_button_set_create_popup_func (menu_button, NULL, NULL, NULL);
}

static void
chutes_window_init (ChutesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->chat_views = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  gtk_menu_button_set_create_popup_func (self->primary_menu_button, create_primary_menu_cb, self, NULL);
  chutes_stack_a11y_track (self->stack);
  /* The development profile's own icon (the striped one). */
  adw_status_page_set_icon_name (self->sign_in_status, APP_ID);
  g_signal_connect (self, "notify::application", G_CALLBACK (application_cb), NULL);
}

const char *
chutes_window_get_visible_page (ChutesWindow *self)
{
  g_return_val_if_fail (CHUTES_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

void
chutes_window_open_files (ChutesWindow  *self,
                          GFile        **files,
                          guint          n_files)
{
  g_return_if_fail (CHUTES_IS_WINDOW (self));
  g_return_if_fail (files != NULL || n_files == 0);

  if (self->pending_files == NULL)
    self->pending_files = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_files; i++)
    g_ptr_array_add (self->pending_files, g_object_ref (files[i]));

  /* Signed in: now; otherwise once the chat page shows. */
  if (g_str_equal (chutes_window_pick_page (self), "chat"))
    {
      chutes_window_ensure_chat_view (self);
      chutes_window_attach_pending_files (self);
    }
}

void
chutes_window_history_changed (ChutesWindow  *self,
                               ChutesHistory *history)
{
  GHashTableIter iter;
  gpointer split;

  g_return_if_fail (CHUTES_IS_WINDOW (self));
  g_return_if_fail (CHUTES_IS_HISTORY (history));

  g_hash_table_iter_init (&iter, self->chat_views);
  while (g_hash_table_iter_next (&iter, NULL, &split))
    {
      ChutesChatPage *page = g_object_get_data (G_OBJECT (split), "chat-page");
      g_autoptr(ChutesHistory) shown = NULL;

      if (page == NULL)
        continue;
      g_object_get (page, "history", &shown, NULL);
      if (shown == history)
        chutes_chat_page_reload (page);
    }
}
