/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: the kernel's ASCII-only isxdigit(). */
#ifndef SHIM_LINUX_CTYPE_H
#define SHIM_LINUX_CTYPE_H

static inline int shim_isxdigit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}
#define isxdigit(c) shim_isxdigit(c)

#endif
