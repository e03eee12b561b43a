/* chutes-live-objects-hooks.c: count our objects as they are created
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked into the program and the widget tests of the -Dsanitize=true
 * build only (src/meson.build): see chutes-live-objects.c for why. These
 * definitions of GObject's constructors come first in the process's
 * symbol lookup, so every object made by our code, by GtkBuilder from a
 * template, or by a library, passes through them; each calls GObject's
 * own and hands the object to chutes_live_objects_track().
 *
 * g_object_new() calls g_object_new_with_properties() inside GObject
 * without going through the lookup, so each entry point is wrapped.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "config.h"

#include <dlfcn.h>

#include "chutes-live-objects.h"

typedef GObject *(*NewValistFunc) (GType, const char *, va_list);
typedef GObject *(*NewWithPropertiesFunc) (GType, guint, const char **, const GValue *);

static NewValistFunc
real_new_valist (void)
{
  static NewValistFunc func;

  if (func == NULL)
    func = (NewValistFunc) dlsym (RTLD_NEXT, "g_object_new_valist");

  return func;
}

GObject *
g_object_new_valist (GType       object_type,
                     const char *first_property_name,
                     va_list     var_args)
{
  return chutes_live_objects_track (real_new_valist () (object_type, first_property_name, var_args));
}

gpointer
g_object_new (GType       object_type,
              const char *first_property_name,
              ...)
{
  GObject *object;
  va_list var_args;

  va_start (var_args, first_property_name);
  object = real_new_valist () (object_type, first_property_name, var_args);
  va_end (var_args);

  return chutes_live_objects_track (object);
}

GObject *
g_object_new_with_properties (GType          object_type,
                              guint          n_properties,
                              const char    *names[],
                              const GValue   values[])
{
  static NewWithPropertiesFunc func;

  if (func == NULL)
    func = (NewWithPropertiesFunc) dlsym (RTLD_NEXT, "g_object_new_with_properties");

  return chutes_live_objects_track (func (object_type, n_properties, names, values));
}
