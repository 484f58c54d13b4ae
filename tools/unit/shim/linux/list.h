/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: <rdma/ib_mad.h> embeds list heads. */
#ifndef SHIM_LINUX_LIST_H
#define SHIM_LINUX_LIST_H

struct list_head {
	struct list_head *next, *prev;
};

#endif
