/* chutes-markdown-style.c: the CSS of the Markdown widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "chutes-markdown-private.h"

static const char style_css[] =
  ".chutes-markdown .chutes-md-heading:not(:first-child) { margin-top: 6px; }\n"
  ".chutes-markdown .chutes-md-marker { min-width: 1.2em; }\n"
  ".chutes-markdown .chutes-md-quote {"
  "  border-left: 3px solid alpha(currentColor, 0.25);"
  "  padding-left: 12px;"
  "}\n"
  ".chutes-markdown .chutes-md-quote > mdtext { opacity: 0.85; }\n"
  ".chutes-markdown .chutes-md-rule { margin: 6px 0; }\n"
  ".chutes-markdown .chutes-md-table {"
  "  border-radius: 8px;"
  "  box-shadow: inset 0 0 0 1px alpha(currentColor, 0.15);"
  "}\n"
  ".chutes-markdown .chutes-md-cell {"
  "  padding: 6px 10px;"
  "  border-top: 1px solid alpha(currentColor, 0.12);"
  "}\n"
  ".chutes-markdown .chutes-md-cell.chutes-md-header {"
  "  border-top: none;"
  "  font-weight: bold;"
  "  background-color: alpha(currentColor, 0.06);"
  "}\n"
  "codeblock {"
  "  border-radius: 8px;"
  "  box-shadow: inset 0 0 0 1px alpha(currentColor, 0.15);"
  "}\n"
  "codeblock .chutes-code-header {"
  "  padding: 2px 2px 2px 12px;"
  "  background-color: alpha(currentColor, 0.06);"
  "  border-bottom: 1px solid alpha(currentColor, 0.12);"
  "}\n"
  "codeblock .chutes-code-header button { min-height: 24px; min-width: 24px; padding: 2px; }\n"
  "codeblock textview { background: none; }\n";

/* Styles of the Markdown widgets. They come with the widgets, so they look
 * right in any window; the application's style.css can override them. */
void
chutes_md_ensure_style (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) provider = NULL;

  g_return_if_fail (GDK_IS_DISPLAY (display));

  if (g_object_get_data (G_OBJECT (display), "chutes-markdown-style") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, style_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION - 1);
  g_object_set_data_full (G_OBJECT (display), "chutes-markdown-style",
                          g_steal_pointer (&provider), g_object_unref);
}
