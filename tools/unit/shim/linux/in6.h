/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: struct sockaddr_in6. */
#ifndef SHIM_LINUX_IN6_H
#define SHIM_LINUX_IN6_H

#include <netinet/in.h>

#endif
