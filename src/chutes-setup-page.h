/* chutes-setup-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-application.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_SETUP_PAGE (chutes_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (ChutesSetupPage, chutes_setup_page, CHUTES, SETUP_PAGE, GtkWidget)

void chutes_setup_page_set_application (ChutesSetupPage   *self,
                                        ChutesApplication *application);

G_END_DECLS
