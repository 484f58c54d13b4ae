/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: the C library's, plus strscpy_pad(). */
#ifndef SHIM_LINUX_STRING_H
#define SHIM_LINUX_STRING_H

#include <string.h>
#include <sys/types.h>

/* lib/string.c: copy, NUL-terminate, zero the rest; -E2BIG if cut. */
ssize_t strscpy_pad(char *dest, const char *src, size_t count);

#endif
