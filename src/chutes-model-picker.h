/* chutes-model-picker.h: a button showing the chosen model that opens a
 * searchable list of the gateway's models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "chutes-model-info.h"

G_BEGIN_DECLS

#define CHUTES_TYPE_MODEL_PICKER (chutes_model_picker_get_type ())
G_DECLARE_FINAL_TYPE (ChutesModelPicker, chutes_model_picker, CHUTES, MODEL_PICKER, GtkWidget)

/* Properties:
 *  "models"            GListModel of ChutesModelInfo, or NULL (nothing loaded yet)
 *  "selected-model-id" string or NULL; read-write, notified on change only,
 *                      whether the person picked a model or a caller set it.
 *                      An empty string is the same as NULL. An id that is not
 *                      among the models is kept (the list may arrive later)
 *                      but selects nothing: no row is checked and
 *                      chutes_model_picker_get_selected_model() returns NULL.
 *  "placeholder-text"  string shown on the button while nothing is selected
 *                      ("Choose Model" unless set).
 *  "has-frame"         boolean, TRUE by default; FALSE for a flat button (as
 *                      in a preferences row).
 *
 * The popover: the search entry has the focus when it opens; typing filters
 * by case-insensitive substring of the id; Up/Down move the highlight,
 * Enter picks the highlighted model, Escape closes. */
GtkWidget       *chutes_model_picker_new                   (void);

GListModel      *chutes_model_picker_get_models            (ChutesModelPicker *self);
void             chutes_model_picker_set_models            (ChutesModelPicker *self,
                                                            GListModel        *models);

const char      *chutes_model_picker_get_selected_model_id (ChutesModelPicker *self);
void             chutes_model_picker_set_selected_model_id (ChutesModelPicker *self,
                                                            const char        *model_id);
/* The ChutesModelInfo whose id is "selected-model-id", or NULL. */
ChutesModelInfo *chutes_model_picker_get_selected_model    (ChutesModelPicker *self);

const char      *chutes_model_picker_get_placeholder_text  (ChutesModelPicker *self);
void             chutes_model_picker_set_placeholder_text  (ChutesModelPicker *self,
                                                            const char        *text);

gboolean         chutes_model_picker_get_has_frame         (ChutesModelPicker *self);
void             chutes_model_picker_set_has_frame         (ChutesModelPicker *self,
                                                            gboolean           has_frame);

/* Opens the popover with an empty search, the selected model highlighted and
 * the search entry focused (for the Ctrl+K shortcut). Does nothing while the
 * picker is not on screen. */
void             chutes_model_picker_popup                 (ChutesModelPicker *self);
void             chutes_model_picker_popdown               (ChutesModelPicker *self);

/* What the popover shows, for tests and for the window's accessibility
 * checks: the models that match the search (a GListModel of ChutesModelInfo,
 * owned by the picker), the search entry, and the position of the
 * highlighted match (GTK_INVALID_LIST_POSITION when there is none). */
GListModel      *chutes_model_picker_get_matches           (ChutesModelPicker *self);
GtkEditable     *chutes_model_picker_get_search_entry      (ChutesModelPicker *self);
guint            chutes_model_picker_get_highlighted       (ChutesModelPicker *self);

G_END_DECLS
