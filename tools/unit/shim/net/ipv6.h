/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: ipv6_addr_equal(). */
#ifndef SHIM_NET_IPV6_H
#define SHIM_NET_IPV6_H

#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>

static inline bool ipv6_addr_equal(const struct in6_addr *a,
				   const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

#endif
