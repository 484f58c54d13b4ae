/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for tools/unit: the kernel's isxdigit() and isspace() (lib/ctype.c:
 * ASCII, and for isspace() also Latin-1's no-break space, 0xa0).
 */
#ifndef SHIM_LINUX_CTYPE_H
#define SHIM_LINUX_CTYPE_H

static inline int shim_isxdigit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}
#define isxdigit(c) shim_isxdigit(c)

static inline int shim_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}
#define isspace(c) shim_isspace(c)

#endif
