/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: being written. */
#include "chutes-test-mock.h"
