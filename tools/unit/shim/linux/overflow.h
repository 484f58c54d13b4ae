/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: the kernel implements it with the builtin too. */
#ifndef SHIM_LINUX_OVERFLOW_H
#define SHIM_LINUX_OVERFLOW_H

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)

#endif
