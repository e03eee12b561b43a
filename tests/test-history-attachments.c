/* test-history-attachments.c: attachments kept with the chat history,
 * once per file, and gone with their last message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "chutes-history.h"
#include "chutes-test-mock.h"

typedef struct
{
  char          *dir;
  char          *path;
  char          *files;     /* dir/attachments */
  ChutesHistory *history;
} Fixture;

static gint64
create_conversation (ChutesHistory *history)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChutesChatSummary) summary = NULL;
  GAsyncResult *slot = NULL;

  chutes_history_create_conversation_async (history, "Chat", "model/a", NULL,
                                            chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  summary = chutes_history_create_conversation_finish (history, result, &error);
  g_assert_no_error (error);

  return chutes_chat_summary_get_id (summary);
}

static ChutesMessage *
append (ChutesHistory    *history,
        gint64            conversation_id,
        const char       *text,
        ChutesAttachment *first,
        ...)
{
  ChutesMessage *message = chutes_message_new (CHUTES_MESSAGE_ROLE_USER, text);
  g_autoptr(GListStore) store = g_list_store_new (CHUTES_TYPE_ATTACHMENT);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  va_list args;

  va_start (args, first);
  for (ChutesAttachment *a = first; a != NULL; a = va_arg (args, ChutesAttachment *))
    g_list_store_append (store, a);
  va_end (args);
  chutes_message_set_attachments (message, G_LIST_MODEL (store));

  chutes_history_append_message_async (history, conversation_id, message, NULL,
                                       chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  chutes_history_append_message_finish (history, result, &error);
  g_assert_no_error (error);

  return message;
}

static GPtrArray *
load (ChutesHistory *history,
      gint64         conversation_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *messages;

  chutes_history_load_messages_async (history, conversation_id, NULL,
                                      chutes_test_store_result_cb, &slot);
  result = chutes_test_wait_for_result (&slot);
  messages = chutes_history_load_messages_finish (history, result, &error);
  g_assert_no_error (error);

  return messages;
}

typedef enum { DELETE_CONVERSATION, DELETE_MESSAGE, DELETE_FROM } DeleteKind;

static void
delete (ChutesHistory *history,
        DeleteKind     kind,
        gint64         conversation_id,
        ChutesMessage *message)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean ok = FALSE;

  switch (kind)
    {
    case DELETE_CONVERSATION:
      chutes_history_delete_conversation_async (history, conversation_id, NULL,
                                                chutes_test_store_result_cb, &slot);
      result = chutes_test_wait_for_result (&slot);
      ok = chutes_history_delete_conversation_finish (history, result, &error);
      break;

    case DELETE_MESSAGE:
      chutes_history_delete_message_async (history, message, NULL,
                                           chutes_test_store_result_cb, &slot);
      result = chutes_test_wait_for_result (&slot);
      ok = chutes_history_delete_message_finish (history, result, &error);
      break;

    case DELETE_FROM:
      chutes_history_delete_messages_from_async (history, message, NULL,
                                                 chutes_test_store_result_cb, &slot);
      result = chutes_test_wait_for_result (&slot);
      ok = chutes_history_delete_messages_from_finish (history, result, &error);
      break;
    }

  g_assert_no_error (error);
  g_assert_true (ok);
}

static ChutesAttachment *
attachment (ChutesAttachmentKind  kind,
            const char           *name,
            const char           *data)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, strlen (data));

  return chutes_attachment_new_stored (kind, name,
                                       kind == CHUTES_ATTACHMENT_IMAGE ? "image/png" : "text/plain",
                                       bytes, kind == CHUTES_ATTACHMENT_IMAGE ? 640 : 0,
                                       kind == CHUTES_ATTACHMENT_IMAGE ? 480 : 0);
}

static char *
file_of (Fixture          *fixture,
         ChutesAttachment *attachment)
{
  const char *hash = chutes_attachment_get_hash (attachment);
  char prefix[3] = { hash[0], hash[1], '\0' };

  return g_build_filename (fixture->files, prefix, hash, NULL);
}

/* How many attachment files there are. */
static guint
count_files (const char *dir)
{
  g_autoptr(GDir) top = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (top == NULL)
    return 0;

  while ((name = g_dir_read_name (top)) != NULL)
    {
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      g_autoptr(GDir) inner = g_dir_open (sub, 0, NULL);

      while (inner != NULL && g_dir_read_name (inner) != NULL)
        n++;
    }

  return n;
}

static ChutesAttachment *
attachment_at (GPtrArray *messages,
               guint      message,
               guint      position)
{
  GListModel *list = chutes_message_get_attachments (g_ptr_array_index (messages, message));
  g_autoptr(ChutesAttachment) item = g_list_model_get_item (list, position);

  g_assert_nonnull (item);
  return item;   /* the message keeps it */
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("chutes-attachments-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "history.db", NULL);
  fixture->files = g_build_filename (fixture->dir, "attachments", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->history != NULL)
    chutes_test_close_history (&fixture->history);
  chutes_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->files);
}

static void
test_saved_once_and_reloaded (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(ChutesAttachment) shot = attachment (CHUTES_ATTACHMENT_IMAGE, "shot.png", "PNG bytes");
  g_autoptr(ChutesAttachment) pasted = attachment (CHUTES_ATTACHMENT_IMAGE, "Pasted image.png", "PNG bytes");
  g_autoptr(ChutesAttachment) code = attachment (CHUTES_ATTACHMENT_TEXT, "main.c", "int main;\n");
  g_autoptr(ChutesMessage) first = NULL;
  g_autoptr(ChutesMessage) second = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *shot_file = file_of (fixture, shot);
  g_autofree char *code_file = file_of (fixture, code);
  ChutesAttachment *back;
  GStatBuf st;
  gint64 id;

  fixture->history = chutes_test_open_history (fixture->path);
  id = create_conversation (fixture->history);
  first = append (fixture->history, id, "Look", shot, code, NULL);
  /* The same image pasted again: another name, the same bytes. */
  second = append (fixture->history, id, "", pasted, NULL);

  g_assert_cmpuint (count_files (fixture->files), ==, 2);
  g_assert_cmpint (g_stat (fixture->files, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (shot_file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, strlen ("PNG bytes"));
  g_assert_true (g_file_test (code_file, G_FILE_TEST_IS_REGULAR));

  chutes_test_close_history (&fixture->history);
  fixture->history = chutes_test_open_history (fixture->path);
  loaded = load (fixture->history, id);
  g_assert_cmpuint (loaded->len, ==, 2);

  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (g_ptr_array_index (loaded, 0))), ==, 2);
  back = attachment_at (loaded, 0, 0);
  g_assert_cmpint (chutes_attachment_get_kind (back), ==, CHUTES_ATTACHMENT_IMAGE);
  g_assert_cmpstr (chutes_attachment_get_name (back), ==, "shot.png");
  g_assert_cmpstr (chutes_attachment_get_content_type (back), ==, "image/png");
  g_assert_cmpint (chutes_attachment_get_width (back), ==, 640);
  g_assert_cmpint (chutes_attachment_get_height (back), ==, 480);
  g_assert_true (g_bytes_equal (chutes_attachment_get_bytes (back), chutes_attachment_get_bytes (shot)));
  back = attachment_at (loaded, 0, 1);
  g_assert_cmpint (chutes_attachment_get_kind (back), ==, CHUTES_ATTACHMENT_TEXT);
  g_assert_cmpstr (chutes_attachment_get_name (back), ==, "main.c");
  g_assert_cmpint (chutes_attachment_get_width (back), ==, 0);
  g_assert_true (g_bytes_equal (chutes_attachment_get_bytes (back), chutes_attachment_get_bytes (code)));
  back = attachment_at (loaded, 1, 0);
  g_assert_cmpstr (chutes_attachment_get_name (back), ==, "Pasted image.png");
  g_assert_cmpstr (chutes_attachment_get_hash (back), ==, chutes_attachment_get_hash (shot));
  g_assert_null (chutes_message_get_error (g_ptr_array_index (loaded, 1)));
}

static void
test_files_go_with_their_last_message (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(ChutesAttachment) shared = attachment (CHUTES_ATTACHMENT_IMAGE, "logo.png", "shared logo");
  g_autoptr(ChutesAttachment) own = attachment (CHUTES_ATTACHMENT_TEXT, "notes.txt", "only in A");
  g_autoptr(ChutesAttachment) later = attachment (CHUTES_ATTACHMENT_TEXT, "later.txt", "later in B");
  g_autoptr(ChutesMessage) a1 = NULL;
  g_autoptr(ChutesMessage) b1 = NULL;
  g_autoptr(ChutesMessage) b2 = NULL;
  g_autoptr(ChutesMessage) b3 = NULL;
  g_autofree char *shared_file = file_of (fixture, shared);
  g_autofree char *own_file = file_of (fixture, own);
  g_autofree char *later_file = file_of (fixture, later);
  gint64 a, b;

  fixture->history = chutes_test_open_history (fixture->path);
  a = create_conversation (fixture->history);
  b = create_conversation (fixture->history);
  a1 = append (fixture->history, a, "A", shared, own, NULL);
  b1 = append (fixture->history, b, "B", NULL);
  b2 = append (fixture->history, b, "B again", shared, NULL);
  b3 = append (fixture->history, b, "B last", later, NULL);
  g_assert_cmpuint (count_files (fixture->files), ==, 3);

  /* A goes: its own file with it, the one B still uses stays. */
  delete (fixture->history, DELETE_CONVERSATION, a, NULL);
  g_assert_false (g_file_test (own_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shared_file, G_FILE_TEST_EXISTS));

  /* Editing from b3 on drops later.txt. */
  delete (fixture->history, DELETE_FROM, b, b3);
  g_assert_false (g_file_test (later_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shared_file, G_FILE_TEST_EXISTS));

  /* The last message naming the logo goes, and so does its file. */
  delete (fixture->history, DELETE_MESSAGE, b, b2);
  g_assert_false (g_file_test (shared_file, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (fixture->files), ==, 0);

  /* Its rows are gone too: the database says nothing of them. */
  chutes_test_close_history (&fixture->history);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM message_attachments", -1,
                                         &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
}

static void
test_missing_file_loses_nothing_else (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(ChutesAttachment) gone = attachment (CHUTES_ATTACHMENT_IMAGE, "gone.png", "will vanish");
  g_autoptr(ChutesAttachment) kept = attachment (CHUTES_ATTACHMENT_TEXT, "kept.txt", "still here");
  g_autoptr(ChutesAttachment) changed = attachment (CHUTES_ATTACHMENT_TEXT, "changed.txt", "original");
  g_autoptr(ChutesMessage) message = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autofree char *gone_file = file_of (fixture, gone);
  g_autofree char *changed_file = file_of (fixture, changed);
  ChutesMessage *back;
  const char *error;
  gint64 id;

  fixture->history = chutes_test_open_history (fixture->path);
  id = create_conversation (fixture->history);
  message = append (fixture->history, id, "Three files", gone, kept, changed, NULL);
  chutes_test_close_history (&fixture->history);

  g_assert_cmpint (g_unlink (gone_file), ==, 0);
  g_assert_true (g_file_set_contents (changed_file, "tampered", -1, NULL));

  fixture->history = chutes_test_open_history (fixture->path);
  loaded = load (fixture->history, id);
  g_assert_cmpuint (loaded->len, ==, 1);
  back = g_ptr_array_index (loaded, 0);
  /* The message and what could be read are there; it says what is not. */
  g_assert_cmpstr (chutes_message_get_content (back), ==, "Three files");
  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (back)), ==, 1);
  g_assert_cmpstr (chutes_attachment_get_name (attachment_at (loaded, 0, 0)), ==, "kept.txt");
  error = chutes_message_get_error (back);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "“gone.png” is missing"));
  g_assert_nonnull (strstr (error, "“changed.txt” is damaged"));

  /* The rows stay: put the file back and it is there again. */
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_assert_true (g_file_set_contents (gone_file, "will vanish", -1, NULL));
  loaded = load (fixture->history, id);
  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (g_ptr_array_index (loaded, 0))), ==, 2);
}

static void
test_migration_from_v3 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ChutesMessage) old = NULL;
  g_autoptr(ChutesMessage) fresh = NULL;
  g_autoptr(ChutesAttachment) image = attachment (CHUTES_ATTACHMENT_IMAGE, "new.png", "new");
  g_autoptr(GPtrArray) loaded = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 id;

  /* A version-3 database is this one without the table migration 4 adds
   * (migrations only add). */
  fixture->history = chutes_test_open_history (fixture->path);
  id = create_conversation (fixture->history);
  old = append (fixture->history, id, "Before attachments", NULL);
  chutes_test_close_history (&fixture->history);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE message_attachments; PRAGMA user_version = 3;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  fixture->history = chutes_test_open_history (fixture->path);
  g_assert_null (chutes_history_get_notice (fixture->history));
  fresh = append (fixture->history, id, "After", image, NULL);
  loaded = load (fixture->history, id);
  g_assert_cmpuint (loaded->len, ==, 2);
  g_assert_cmpstr (chutes_message_get_content (g_ptr_array_index (loaded, 0)), ==, "Before attachments");
  g_assert_cmpuint (g_list_model_get_n_items (chutes_message_get_attachments (g_ptr_array_index (loaded, 0))), ==, 0);
  g_assert_cmpstr (chutes_attachment_get_name (attachment_at (loaded, 1, 0)), ==, "new.png");
  chutes_test_close_history (&fixture->history);

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 4);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/history/attachments/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("same-bytes-stored-once-and-reloaded", test_saved_once_and_reloaded);
  ADD ("files-go-with-their-last-message", test_files_go_with_their_last_message);
  ADD ("missing-file-loses-nothing-else", test_missing_file_loses_nothing_else);
  ADD ("migration-from-v3", test_migration_from_v3);

#undef ADD

  return chutes_test_check_live_objects (g_test_run ());
}
