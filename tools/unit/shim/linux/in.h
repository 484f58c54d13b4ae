/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: struct sockaddr_in. */
#ifndef SHIM_LINUX_IN_H
#define SHIM_LINUX_IN_H

#include <netinet/in.h>

#endif
