/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim for tools/unit: what the pure driver files and the real
 * <rdma/ib_mad.h> need of <rdma/ib_verbs.h>, copied from it (the real one
 * is the whole verbs API). make unit checks union ib_gid against the
 * kernel's header (tools/unit/check-shim.sh).
 */
#ifndef SHIM_RDMA_IB_VERBS_H
#define SHIM_RDMA_IB_VERBS_H

#include <linux/types.h>

union ib_gid {
	u8	raw[16];
	struct {
		__be64	subnet_prefix;
		__be64	interface_id;
	} global;
};

/* Used by value in <rdma/ib_mad.h>; only the first values matter here. */
enum ib_wc_status {
	IB_WC_SUCCESS,
};

enum ib_qp_type {
	IB_QPT_SMI,
	IB_QPT_GSI,
};

struct ib_ah;
struct ib_device;
struct ib_grh;
struct ib_qp;
struct ib_wc;

#endif
