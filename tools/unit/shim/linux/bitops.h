/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for tools/unit: the kernel's non-atomic __set_bit() and
 * test_bit() on a bitmap of unsigned longs (asm-generic/bitops/
 * generic-non-atomic.h), bit n in word n / BITS_PER_LONG.
 */
#ifndef SHIM_LINUX_BITOPS_H
#define SHIM_LINUX_BITOPS_H

#include <stdbool.h>
#include <linux/types.h>

#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return 1UL & (addr[BIT_WORD(nr)] >> (nr & (BITS_PER_LONG - 1)));
}

#endif
