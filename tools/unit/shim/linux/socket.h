/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: struct sockaddr, sockaddr_storage, AF_*. */
#ifndef SHIM_LINUX_SOCKET_H
#define SHIM_LINUX_SOCKET_H

#include <sys/socket.h>

#endif
