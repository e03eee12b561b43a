/* chutes-chat-settings-popover.c: a chat's settings, in a popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-chat-settings-popover.h"

struct _ChutesChatSettingsPopover
{
  GtkPopover      parent_instance;

  GtkWidget      *thinking_row;
  GtkSwitch      *thinking_switch;
  GtkTextView    *system_prompt_view;
  GtkCheckButton *temperature_check;
  GtkSpinButton  *temperature_spin;
  GtkCheckButton *max_tokens_check;
  GtkSpinButton  *max_tokens_spin;
};

G_DEFINE_FINAL_TYPE (ChutesChatSettingsPopover, chutes_chat_settings_popover, GTK_TYPE_POPOVER)

static void
chutes_chat_settings_popover_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CHUTES_TYPE_CHAT_SETTINGS_POPOVER);

  G_OBJECT_CLASS (chutes_chat_settings_popover_parent_class)->dispose (object);
}

static void
chutes_chat_settings_popover_class_init (ChutesChatSettingsPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chutes_chat_settings_popover_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/ai/chutes/Desktop/chutes-chat-settings-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, thinking_row);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, thinking_switch);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, system_prompt_view);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, temperature_check);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, temperature_spin);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, max_tokens_check);
  gtk_widget_class_bind_template_child (widget_class, ChutesChatSettingsPopover, max_tokens_spin);
}

static void
chutes_chat_settings_popover_init (ChutesChatSettingsPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
chutes_chat_settings_popover_new (void)
{
  return g_object_new (CHUTES_TYPE_CHAT_SETTINGS_POPOVER, NULL);
}

void
chutes_chat_settings_popover_set_settings (ChutesChatSettingsPopover *self,
                                           const ChutesChatSettings  *settings)
{
  GtkTextBuffer *buffer;

  g_return_if_fail (CHUTES_IS_CHAT_SETTINGS_POPOVER (self));
  g_return_if_fail (settings != NULL);

  buffer = gtk_text_view_get_buffer (self->system_prompt_view);
  gtk_switch_set_active (self->thinking_switch, settings->thinking);
  gtk_text_buffer_set_text (buffer, settings->system_prompt ? settings->system_prompt : "", -1);
  gtk_check_button_set_active (self->temperature_check, settings->temperature >= 0);
  if (settings->temperature >= 0)
    gtk_spin_button_set_value (self->temperature_spin, settings->temperature);
  gtk_check_button_set_active (self->max_tokens_check, settings->max_tokens > 0);
  if (settings->max_tokens > 0)
    gtk_spin_button_set_value (self->max_tokens_spin, settings->max_tokens);
}

ChutesChatSettings *
chutes_chat_settings_popover_dup_settings (ChutesChatSettingsPopover *self)
{
  g_autoptr(ChutesChatSettings) settings = NULL;
  g_autofree char *prompt = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (CHUTES_IS_CHAT_SETTINGS_POPOVER (self), NULL);

  settings = chutes_chat_settings_new ();
  buffer = gtk_text_view_get_buffer (self->system_prompt_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  prompt = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  settings->thinking = gtk_switch_get_active (self->thinking_switch);
  settings->system_prompt = *g_strstrip (prompt) ? g_steal_pointer (&prompt) : NULL;
  settings->temperature = gtk_check_button_get_active (self->temperature_check)
                            ? gtk_spin_button_get_value (self->temperature_spin) : -1.0;
  settings->max_tokens = gtk_check_button_get_active (self->max_tokens_check)
                           ? gtk_spin_button_get_value_as_int (self->max_tokens_spin) : 0;

  return g_steal_pointer (&settings);
}

void
chutes_chat_settings_popover_set_thinking_offered (ChutesChatSettingsPopover *self,
                                                   gboolean                   offered)
{
  g_return_if_fail (CHUTES_IS_CHAT_SETTINGS_POPOVER (self));

  gtk_widget_set_visible (self->thinking_row, offered);
}
