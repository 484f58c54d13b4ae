/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for tools/unit: what the pure driver files use of
 * <linux/kernel.h> and what it pulls in (byte order, min/max, printk,
 * hex_to_bin and hex2bin).
 */
#ifndef SHIM_LINUX_KERNEL_H
#define SHIM_LINUX_KERNEL_H

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <linux/types.h>

#define cpu_to_be16(x)	((__be16)htobe16(x))
#define cpu_to_be32(x)	((__be32)htobe32(x))
#define cpu_to_be64(x)	((__be64)htobe64(x))
#define be16_to_cpu(x)	((u16)be16toh(x))
#define be32_to_cpu(x)	((u32)be32toh(x))
#define be64_to_cpu(x)	((u64)be64toh(x))

#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define min3(a, b, c)		min(min(a, b), c)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define HZ			100

/*
 * printk: every message goes to shim_log(), which keeps the last one
 * for the tests to look at (shim_last_log) and counts them.
 */
extern char shim_last_log[512];
extern unsigned int shim_log_count;
__printf(1, 2) void shim_log(const char *fmt, ...);

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err(fmt, ...)	shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	shim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_ratelimited	pr_warn
#define pr_info_ratelimited	pr_info
#define pr_err_ratelimited	pr_err

/* lib/hexdump.c */
int hex_to_bin(unsigned char ch);
int __must_check hex2bin(u8 *dst, const char *src, size_t count);

#endif
