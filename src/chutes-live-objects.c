/* chutes-live-objects.c: which of our objects are still alive, for leak checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LeakSanitizer cannot tell our leaks from the libraries' in a GTK process:
 * Debian's GLib and GTK have no frame pointers, so its fast unwinder stops
 * at g_malloc(), and with the exact one a single widget test case takes
 * over a minute (build-aux/run-tests.sh). What a leak in our user
 * interface loses is nearly always one of our objects (a row holding its
 * whole reply, a page holding the services), and those can be counted:
 * in the -Dsanitize=true build, every object of a type named Chutes* is
 * counted from its creation (chutes-live-objects-hooks.c) to its
 * finalization. GObject's own count (GOBJECT_DEBUG=instance-count) is
 * compiled out of Debian's GLib.
 *
 * Counting is on when CHUTES_LIVE_OBJECTS_REPORT names a file: then the
 * app, once it has released everything at exit (main.c), writes what is
 * still alive to that file (with its pid appended), which fails the
 * sanitizer pass. Never on in a normal build: nothing calls the hooks.
 */
#include "config.h"

#include <unistd.h>

#include "chutes-live-objects.h"

static GMutex      counts_lock;
static GHashTable *counts;  /* type name (GLib's) -> alive, as a pointer */
static guint       n_tracked;

gboolean
chutes_live_objects_enabled (void)
{
  static gsize enabled;

  if (g_once_init_enter (&enabled))
    {
      const char *path = g_getenv ("CHUTES_LIVE_OBJECTS_REPORT");

      g_once_init_leave (&enabled, path != NULL && *path != '\0' ? 2 : 1);
    }

  return enabled == 2;
}

static void
count (const char *type_name,
       int         change)
{
  int alive;

  g_mutex_lock (&counts_lock);
  if (counts == NULL)
    counts = g_hash_table_new (g_str_hash, g_str_equal);
  alive = GPOINTER_TO_INT (g_hash_table_lookup (counts, type_name)) + change;
  g_hash_table_insert (counts, (gpointer) type_name, GINT_TO_POINTER (alive));
  g_mutex_unlock (&counts_lock);
}

static void
object_finalized (gpointer data)
{
  count (data, -1);
}

/* Counts @object until it is finalized, if counting is on and it is one
 * of ours. Returns @object. */
gpointer
chutes_live_objects_track (gpointer object)
{
  static GQuark quark;
  const char *type_name;

  if (object == NULL || !G_IS_OBJECT (object) || !chutes_live_objects_enabled ())
    return object;

  type_name = G_OBJECT_TYPE_NAME (object);
  if (!g_str_has_prefix (type_name, "Chutes"))
    return object;

  if (quark == 0)
    quark = g_quark_from_static_string ("chutes-live-object");
  /* Object data outlives dispose: it is freed when the object is
   * finalized, where weak references are dropped at dispose. */
  count (type_name, +1);
  g_atomic_int_inc (&n_tracked);
  g_object_set_qdata_full (object, quark, (gpointer) type_name, object_finalized);

  return object;
}

/* "ChutesMessage: 2, ChutesMessageRow: 1" for the objects of ours still
 * alive, or NULL when there are none. */
char *
chutes_live_objects_describe (void)
{
  g_autoptr(GString) found = g_string_new (NULL);
  g_autoptr(GList) names = NULL;

  g_mutex_lock (&counts_lock);
  if (counts != NULL)
    names = g_hash_table_get_keys (counts);
  names = g_list_sort (names, (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    {
      int alive = GPOINTER_TO_INT (g_hash_table_lookup (counts, l->data));

      if (alive != 0)
        g_string_append_printf (found, "%s%s: %d", found->len > 0 ? ", " : "",
                                (const char *) l->data, alive);
    }
  g_mutex_unlock (&counts_lock);

  return found->len > 0 ? g_string_free (g_steal_pointer (&found), FALSE) : NULL;
}

/* Writes to the file CHUTES_LIVE_OBJECTS_REPORT names, with ".PID"
 * appended, either the objects of ours still alive (a line starting with
 * "Leaked:") or how many were counted, so that a check that did not run
 * shows. Returns whether nothing of ours is alive. */
gboolean
chutes_live_objects_report (void)
{
  g_autofree char *found = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  if (!chutes_live_objects_enabled ())
    return TRUE;

  found = chutes_live_objects_describe ();
  if (found != NULL)
    contents = g_strdup_printf ("Leaked: objects of ours still alive once everything was released: %s\n",
                                found);
  else
    contents = g_strdup_printf ("None of the %u objects of ours is alive\n", g_atomic_int_get (&n_tracked));

  file_name = g_strdup_printf ("%s.%d", g_getenv ("CHUTES_LIVE_OBJECTS_REPORT"), (int) getpid ());
  if (!g_file_set_contents (file_name, contents, -1, &error))
    g_printerr ("%s(and %s could not be written: %s)\n", contents, file_name, error->message);

  return found == NULL;
}
