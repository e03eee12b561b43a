/* test-tail-model.c: the last messages of a conversation, more on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "chutes-tail-model.h"

typedef struct
{
  guint position, removed, added;
  guint count;
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Change     *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->count++;
}

static GListStore *
store_of (guint first,
          guint n)
{
  GListStore *store = g_list_store_new (G_TYPE_MENU_ITEM);

  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u", i);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_list_store_append (store, item);
    }

  return store;
}

/* The label of the item at @position of @model, as a number. */
static guint
label_at (GListModel *model,
          guint       position)
{
  g_autoptr(GMenuItem) item = g_list_model_get_item (model, position);
  g_autofree char *label = NULL;

  g_assert_nonnull (item);
  g_assert_true (g_menu_item_get_attribute (item, G_MENU_ATTRIBUTE_LABEL, "s", &label));

  return (guint) g_ascii_strtoull (label, NULL, 10);
}

static void
test_shows_the_last_items_then_more (void)
{
  g_autoptr(GListStore) store = store_of (0, 100);
  g_autoptr(ChutesTailModel) tail = chutes_tail_model_new (G_LIST_MODEL (store), 12);
  GListModel *list = G_LIST_MODEL (tail);
  Change change = { 0 };

  g_signal_connect (tail, "items-changed", G_CALLBACK (items_changed_cb), &change);

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 12);
  g_assert_cmpuint (chutes_tail_model_get_n_hidden (tail), ==, 88);
  g_assert_cmpuint (label_at (list, 0), ==, 88);
  g_assert_cmpuint (label_at (list, 11), ==, 99);
  g_assert_null (g_list_model_get_item (list, 12));

  /* Earlier ones come before, and only they are announced. */
  chutes_tail_model_show_more (tail, 5);
  g_assert_cmpuint (change.count, ==, 1);
  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.removed, ==, 0);
  g_assert_cmpuint (change.added, ==, 5);
  g_assert_cmpuint (label_at (list, 0), ==, 83);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 17);

  /* Never more than there are. */
  chutes_tail_model_show_more (tail, 1000);
  g_assert_cmpuint (change.added, ==, 83);
  g_assert_cmpuint (chutes_tail_model_get_n_hidden (tail), ==, 0);
  g_assert_cmpuint (label_at (list, 0), ==, 0);
  chutes_tail_model_show_more (tail, 1);
  g_assert_cmpuint (change.count, ==, 2);
}

static void
test_changes_after_the_hidden_pass_through (void)
{
  g_autoptr(GListStore) store = store_of (0, 50);
  g_autoptr(ChutesTailModel) tail = chutes_tail_model_new (G_LIST_MODEL (store), 10);
  g_autoptr(GMenuItem) item = g_menu_item_new ("50", NULL);
  GListModel *list = G_LIST_MODEL (tail);
  Change change = { 0 };

  g_signal_connect (tail, "items-changed", G_CALLBACK (items_changed_cb), &change);

  /* A reply streamed in: appended at the end, nothing hidden shown. */
  g_list_store_append (store, item);
  g_assert_cmpuint (change.position, ==, 10);
  g_assert_cmpuint (change.removed, ==, 0);
  g_assert_cmpuint (change.added, ==, 1);
  g_assert_cmpuint (chutes_tail_model_get_n_hidden (tail), ==, 40);
  g_assert_cmpuint (label_at (list, 10), ==, 50);

  /* Deleting the last two (regenerate, delete). */
  g_list_store_splice (store, 49, 2, NULL, 0);
  g_assert_cmpuint (change.position, ==, 9);
  g_assert_cmpuint (change.removed, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 9);
  g_assert_cmpuint (label_at (list, 8), ==, 48);
}

static void
test_a_new_conversation_starts_from_its_end (void)
{
  g_autoptr(GListStore) store = store_of (0, 30);
  g_autoptr(ChutesTailModel) tail = chutes_tail_model_new (G_LIST_MODEL (store), 10);
  g_autoptr(GListStore) other = store_of (1000, 500);
  GListModel *list = G_LIST_MODEL (tail);
  Change change = { 0 };
  g_autofree gpointer *items = g_new0 (gpointer, 500);

  chutes_tail_model_show_more (tail, 15);
  g_signal_connect (tail, "items-changed", G_CALLBACK (items_changed_cb), &change);

  /* As ChutesConversation loads one: cleared, then all its messages. */
  g_list_store_remove_all (store);
  g_assert_cmpuint (change.removed, ==, 25);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);

  for (guint i = 0; i < 500; i++)
    items[i] = g_list_model_get_item (G_LIST_MODEL (other), i);
  g_list_store_splice (store, 0, 0, items, 500);
  for (guint i = 0; i < 500; i++)
    g_object_unref (items[i]);

  g_assert_cmpuint (change.position, ==, 0);
  g_assert_cmpuint (change.added, ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 10);
  g_assert_cmpuint (label_at (list, 0), ==, 1490);
  g_assert_cmpuint (chutes_tail_model_get_n_hidden (tail), ==, 490);
}

static void
test_show_position (void)
{
  g_autoptr(GListStore) store = store_of (0, 100);
  g_autoptr(ChutesTailModel) tail = chutes_tail_model_new (G_LIST_MODEL (store), 10);
  GListModel *list = G_LIST_MODEL (tail);

  /* A search hit far up: it and all after it are shown. */
  g_assert_cmpuint (chutes_tail_model_show_position (tail, 20), ==, 0);
  g_assert_cmpuint (label_at (list, 0), ==, 20);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 80);

  /* One already shown stays where it is. */
  g_assert_cmpuint (chutes_tail_model_show_position (tail, 95), ==, 75);
  g_assert_cmpuint (label_at (list, 75), ==, 95);
  g_assert_cmpuint (chutes_tail_model_get_n_hidden (tail), ==, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tail-model/shows-the-last-items-then-more", test_shows_the_last_items_then_more);
  g_test_add_func ("/tail-model/changes-after-the-hidden-pass-through", test_changes_after_the_hidden_pass_through);
  g_test_add_func ("/tail-model/a-new-conversation-starts-from-its-end", test_a_new_conversation_starts_from_its_end);
  g_test_add_func ("/tail-model/show-position", test_show_position);

  return g_test_run ();
}
