/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim for tools/unit: <scsi/scsi.h> includes it, nothing here uses it. */
#ifndef SHIM_LINUX_SCATTERLIST_H
#define SHIM_LINUX_SCATTERLIST_H
#endif
