/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI RDMA Protocol (SRP) target: the wire formats of device management.
 *
 * Device management (DM) class MADs, InfiniBand Architecture Specification
 * vol 1, 16.3 "Device Management": the service ibsrpdm and srp_daemon
 * query to discover SRP targets. The common MAD header, ClassPortInfo and
 * the class-independent status codes come from <rdma/ib_mad.h>; what
 * follows is defined by IBA 16.3 and is not in the kernel's headers.
 *
 * srpt_dm_proto.c builds the answers from these alone, without a device
 * (tools/unit tests it on the host); srpt_dm.c is the MAD agent around it.
 */
#ifndef SRPT_DM_WIRE_H
#define SRPT_DM_WIRE_H

#include <linux/types.h>
#include <rdma/ib_mad.h>

/* The DM class version we implement (IBA 16.3). */
#define SRPT_DM_CLASS_VERSION	1

/* IBA 16.3: the DM attributes we answer. */
enum {
	SRPT_DM_ATTR_CLASS_PORT_INFO	= 0x0001,	/* IBA 13.4.8.1 */
	SRPT_DM_ATTR_IO_UNIT_INFO	= 0x0010,
	SRPT_DM_ATTR_IOC_PROFILE	= 0x0011,
	SRPT_DM_ATTR_SERVICE_ENTRIES	= 0x0012,
};

/*
 * IBA 16.3: class-specific values of the MAD status field (bits 8-15):
 * the IOC in the slot does not respond, the requested service entries do
 * not exist.
 */
enum {
	SRPT_DM_STATUS_NO_IOC		= 0x0100,
	SRPT_DM_STATUS_NO_SVC_ENTRIES	= 0x0200,
};

/* IBA 16.3, IOUnitInfo.ControllerList: one nibble per slot. */
enum {
	SRPT_DM_SLOT_EMPTY	= 0x0,	/* no IOC installed in the slot */
	SRPT_DM_SLOT_IOC	= 0x1,	/* IOC present */
	SRPT_DM_SLOT_NONE	= 0xf,	/* slot does not exist */
};

/*
 * IBA 16.3, IOControllerProfile.ControllerOperationsCapabilityMask: which
 * operations the IOC accepts (To) and issues (From).
 */
enum {
	SRPT_DM_OP_SEND_TO_IOC		= 1 << 0,
	SRPT_DM_OP_SEND_FROM_IOC	= 1 << 1,
	SRPT_DM_OP_READ_TO_IOC		= 1 << 2,
	SRPT_DM_OP_READ_FROM_IOC	= 1 << 3,
	SRPT_DM_OP_WRITE_TO_IOC		= 1 << 4,
	SRPT_DM_OP_WRITE_FROM_IOC	= 1 << 5,
};

/*
 * The IOControllerProfile values SRP r16a (its InfiniBand annex) assigns
 * to an SRP target; the IOClass is SRP_REV16A_IB_IO_CLASS (<scsi/srp.h>).
 */
enum {
	SRPT_DM_SRP_IO_SUBCLASS		= 0x609e,
	SRPT_DM_SRP_PROTOCOL		= 0x0108,
	SRPT_DM_SRP_PROTOCOL_VERSION	= 0x0001,
};

/* Our IO unit: one slot with one IOC offering one service. */
enum {
	SRPT_DM_MAX_CONTROLLERS		= 1,
	SRPT_DM_SVC_ENTRIES		= 1,
	SRPT_DM_SVC_PER_MAD		= 4,	/* entries in one ServiceEntries */
	SRPT_DM_RESP_TIME		= 18,	/* 4.096 us * 2^18 = 1.07 s */
};

/**
 * struct srpt_dm_mad - a DM class MAD (IBA 16.3)
 * @hdr:      common MAD header.
 * @reserved: 40 reserved bytes.
 * @data:     the attribute.
 */
struct srpt_dm_mad {
	struct ib_mad_hdr	hdr;
	u8			reserved[IB_MGMT_DEVICE_HDR - IB_MGMT_MAD_HDR];
	u8			data[IB_MGMT_DEVICE_DATA];
};

/**
 * struct srpt_dm_iou_info - the IOUnitInfo attribute (IBA 16.3)
 * @change_id:       changes whenever the IO unit's contents change.
 * @max_controllers: number of slots (entries in @controller_list).
 * @flags:           DiagDeviceID and OptionROM bits; 0 for us.
 * @controller_list: one SRPT_DM_SLOT_* nibble per slot, slot 1 in the
 *                   high nibble of byte 0.
 */
struct srpt_dm_iou_info {
	__be16	change_id;
	u8	max_controllers;
	u8	flags;
	u8	controller_list[128];
};

/**
 * struct srpt_dm_ioc_profile - the IOControllerProfile attribute (IBA 16.3)
 * @guid:              IOC GUID.
 * @vendor_id:         IEEE vendor id in bits 31:8.
 * @device_id:         vendor-assigned device id.
 * @device_version:    device version.
 * @reserved1:         reserved.
 * @subsys_vendor_id:  subsystem vendor id in bits 31:8.
 * @subsys_id:         subsystem id.
 * @io_class:          IO class (SRP: 0x0100).
 * @io_subclass:       IO subclass.
 * @protocol:          protocol.
 * @protocol_version:  protocol version.
 * @reserved2:         reserved.
 * @send_queue_depth:  messages an initiator may have queued to the IOC.
 * @reserved3:         reserved.
 * @rdma_read_depth:   RDMA READs the IOC keeps in flight per channel.
 * @send_size:         largest message the IOC receives, in bytes.
 * @rdma_size:         largest RDMA transfer of one request, in bytes.
 * @op_cap_mask:       SRPT_DM_OP_* bits.
 * @reserved4:         reserved.
 * @svc_entries:       number of service entries.
 * @reserved5:         reserved.
 * @id_string:         NUL-padded text identifying the IOC.
 */
struct srpt_dm_ioc_profile {
	__be64	guid;
	__be32	vendor_id;
	__be32	device_id;
	__be16	device_version;
	__be16	reserved1;
	__be32	subsys_vendor_id;
	__be32	subsys_id;
	__be16	io_class;
	__be16	io_subclass;
	__be16	protocol;
	__be16	protocol_version;
	__be32	reserved2;
	__be16	send_queue_depth;
	u8	reserved3;
	u8	rdma_read_depth;
	__be32	send_size;
	__be32	rdma_size;
	u8	op_cap_mask;
	u8	reserved4;
	u8	svc_entries;
	u8	reserved5[9];
	char	id_string[64];
};

/**
 * struct srpt_dm_svc_entry - one entry of the ServiceEntries attribute
 * (IBA 16.3)
 * @name: NUL-padded service name; for SRP "SRP.T10:" and the target
 *        port's ID_EXT as 16 hex digits (SRP r16a).
 * @id:   service ID to connect to (the IB/CM service ID).
 */
struct srpt_dm_svc_entry {
	char	name[40];
	__be64	id;
};

/**
 * struct srpt_dm_facts - what the DM agent reports about one RDMA port;
 * srpt_dm_build_rsp() needs nothing else
 * @ioc_guid:         IOC GUID (srpt_service_guid).
 * @id_ext:           SRP target port ID_EXT (srpt_service_guid).
 * @service_id:       IB/CM service ID (srpt_service_guid).
 * @vendor_id:        device's IEEE vendor id (24 bits).
 * @device_id:        device's vendor part id.
 * @device_version:   device's hardware version.
 * @send_queue_depth: credits a channel can grant.
 * @rdma_read_depth:  RDMA READs in flight per channel.
 * @send_size:        srp_max_req_size.
 * @rdma_size:        largest data transfer of one SRP_CMD on this port.
 * @ioc_present:      the IOC takes logins at the service ID it offers:
 *                    the device's IB/CM listener runs and the device is
 *                    not being removed.
 * @id_string:        IOControllerProfile.IDString.
 */
struct srpt_dm_facts {
	u64	ioc_guid;
	u64	id_ext;
	u64	service_id;
	u32	vendor_id;
	u32	device_id;
	u16	device_version;
	u16	send_queue_depth;
	u8	rdma_read_depth;
	u32	send_size;
	u32	rdma_size;
	bool	ioc_present;
	char	id_string[64];
};

/* srpt_dm_proto.c: the answers, from a snapshot of the port's facts */
bool srpt_dm_build_rsp(const struct srpt_dm_mad *req,
		       const struct srpt_dm_facts *facts,
		       struct srpt_dm_mad *rsp);

#endif /* SRPT_DM_WIRE_H */
