/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for tools/unit: <rdma/ib_mad.h> includes the user MAD
 * interface for one value, copied from it (the real header pulls in the
 * whole uverbs ioctl API). tools/unit/check-shim.sh compares it.
 */
#ifndef SHIM_UAPI_IB_USER_MAD_H
#define SHIM_UAPI_IB_USER_MAD_H

enum {
	IB_USER_MAD_USER_RMPP = (1 << 0),
};

#endif
