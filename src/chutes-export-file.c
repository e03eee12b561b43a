/* chutes-export-file.c: writing an export, with the files of its images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The document is made on the calling thread (messages are main-thread
 * objects); the writing happens in a worker. A Markdown export with images
 * writes them into "NAME-attachments/" beside "NAME.md" and links them.
 * Where that folder cannot be made (a sandboxed app is given the chosen
 * file only, through the document portal), the images go into the
 * document itself as data: URIs: nothing is lost either way.
 */
#include "config.h"

#include <string.h>

#include "chutes-export.h"
#include "chutes-message.h"

typedef struct
{
  GFile     *file;
  char      *folder_name;
  GBytes    *contents;
  GBytes    *fallback;    /* the document with data: URIs, or NULL */
  GPtrArray *names;       /* of char *, file names in the folder */
  GPtrArray *images;      /* of GBytes, in the same order */
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_clear_object (&job->file);
  g_free (job->folder_name);
  g_clear_pointer (&job->contents, g_bytes_unref);
  g_clear_pointer (&job->fallback, g_bytes_unref);
  g_clear_pointer (&job->names, g_ptr_array_unref);
  g_clear_pointer (&job->images, g_ptr_array_unref);
  g_free (job);
}

static gboolean
write_images (WriteJob      *job,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GFile) parent = g_file_get_parent (job->file);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GError) local_error = NULL;

  if (parent == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no folder");
      return FALSE;
    }

  folder = g_file_get_child (parent, job->folder_name);
  if (!g_file_make_directory (folder, cancellable, &local_error) &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < job->images->len; i++)
    {
      g_autoptr(GFile) child = g_file_get_child (folder, g_ptr_array_index (job->names, i));
      GBytes *bytes = g_ptr_array_index (job->images, i);

      if (!g_file_replace_contents (child, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                    NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                    cancellable, error))
        return FALSE;
    }

  return TRUE;
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GBytes *contents = job->contents;
  GError *error = NULL;

  if (job->images->len > 0)
    {
      g_autoptr(GError) images_error = NULL;

      if (!write_images (job, cancellable, &images_error))
        {
          if (g_error_matches (images_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_task_return_error (task, g_steal_pointer (&images_error));
              return;
            }
          g_debug ("Export: the images go into the document: %s", images_error->message);
          contents = job->fallback;
        }
    }

  if (!g_file_replace_contents (job->file, g_bytes_get_data (contents, NULL),
                                g_bytes_get_size (contents), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
chutes_export_write_async (GFile               *file,
                           gboolean             json,
                           const char          *title,
                           const char          *model,
                           gint64               created_at,
                           GListModel          *messages,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *basename = NULL;
  WriteJob *job;
  char *text;
  guint n;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (G_IS_LIST_MODEL (messages));

  job = g_new0 (WriteJob, 1);
  job->file = g_object_ref (file);
  job->names = g_ptr_array_new_with_free_func (g_free);
  job->images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  basename = g_file_get_basename (file);
  if (basename == NULL)
    basename = g_strdup ("chat");
  if (g_str_has_suffix (basename, ".md") && strlen (basename) > 3)
    basename[strlen (basename) - 3] = '\0';
  job->folder_name = g_strconcat (basename, "-attachments", NULL);

  n = json ? 0 : g_list_model_get_n_items (messages);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ChutesMessage) message = g_list_model_get_item (messages, i);
      GListModel *attachments = chutes_message_get_attachments (message);

      for (guint j = 0; j < g_list_model_get_n_items (attachments); j++)
        {
          g_autoptr(ChutesAttachment) attachment = g_list_model_get_item (attachments, j);

          if (chutes_attachment_get_kind (attachment) != CHUTES_ATTACHMENT_IMAGE)
            continue;
          g_ptr_array_add (job->names, chutes_export_attachment_file_name (i, j, attachment));
          g_ptr_array_add (job->images, g_bytes_ref (chutes_attachment_get_bytes (attachment)));
        }
    }

  if (json)
    text = chutes_export_to_json (title, model, created_at, messages);
  else
    text = chutes_export_to_markdown_with_folder (title, messages,
                                                  job->images->len > 0 ? job->folder_name : NULL);
  job->contents = g_bytes_new_take (text, strlen (text));

  if (job->images->len > 0)
    {
      text = chutes_export_to_markdown (title, messages);
      job->fallback = g_bytes_new_take (text, strlen (text));
    }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chutes_export_write_async);
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread);
}

gboolean
chutes_export_write_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
