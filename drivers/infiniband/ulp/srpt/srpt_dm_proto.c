// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: device management answers.
 *
 * The answers to the device management MADs that discovery sends
 * (IBA vol 1, 16.3; see srpt_dm.c for the agent that receives them),
 * built from a struct srpt_dm_facts and nothing else: no device, no lock,
 * no allocation. tools/unit runs this file on the host.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <rdma/ib_mad.h>
#include <scsi/srp.h>

#include "srpt_dm_wire.h"

static_assert(sizeof(struct srpt_dm_mad) == IB_MGMT_MAD_SIZE);
static_assert(sizeof(struct srpt_dm_iou_info) == 132);
static_assert(sizeof(struct srpt_dm_ioc_profile) == 128);
static_assert(sizeof(struct srpt_dm_svc_entry) == 48);
static_assert(sizeof(struct ib_class_port_info) <= IB_MGMT_DEVICE_DATA);
static_assert(SRPT_DM_SVC_PER_MAD * sizeof(struct srpt_dm_svc_entry) ==
	      IB_MGMT_DEVICE_DATA);

static u16 srpt_dm_class_port_info(u32 attr_mod, struct srpt_dm_mad *rsp)
{
	struct ib_class_port_info *cpi = (void *)rsp->data;

	if (attr_mod)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	/* No redirection, no traps: those fields stay zero. */
	cpi->base_version = IB_MGMT_BASE_VERSION;
	cpi->class_version = SRPT_DM_CLASS_VERSION;
	ib_set_cpi_resp_time(cpi, SRPT_DM_RESP_TIME);
	return IB_MGMT_MAD_STATUS_SUCCESS;
}

static u16 srpt_dm_iou_info(const struct srpt_dm_facts *facts, u32 attr_mod,
			    struct srpt_dm_mad *rsp)
{
	struct srpt_dm_iou_info *iou = (void *)rsp->data;
	u8 slot1;

	if (attr_mod)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	/* The ChangeID changes with the only thing that can change here. */
	iou->change_id = cpu_to_be16(facts->ioc_present ? 1 : 2);
	iou->max_controllers = SRPT_DM_MAX_CONTROLLERS;
	memset(iou->controller_list, SRPT_DM_SLOT_NONE << 4 | SRPT_DM_SLOT_NONE,
	       sizeof(iou->controller_list));
	slot1 = facts->ioc_present ? SRPT_DM_SLOT_IOC : SRPT_DM_SLOT_EMPTY;
	iou->controller_list[0] = slot1 << 4 | SRPT_DM_SLOT_NONE;
	return IB_MGMT_MAD_STATUS_SUCCESS;
}

/* A slot number names a slot of our IO unit; is its IOC there? */
static u16 srpt_dm_check_slot(const struct srpt_dm_facts *facts, u32 slot)
{
	if (slot < 1 || slot > SRPT_DM_MAX_CONTROLLERS)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	if (!facts->ioc_present)
		return SRPT_DM_STATUS_NO_IOC;
	return IB_MGMT_MAD_STATUS_SUCCESS;
}

/* The attribute modifier is the slot number (1-based). */
static u16 srpt_dm_ioc_profile(const struct srpt_dm_facts *facts,
			       u32 attr_mod, struct srpt_dm_mad *rsp)
{
	struct srpt_dm_ioc_profile *p = (void *)rsp->data;
	u16 status;

	status = srpt_dm_check_slot(facts, attr_mod);
	if (status)
		return status;
	p->guid = cpu_to_be64(facts->ioc_guid);
	p->vendor_id = cpu_to_be32((facts->vendor_id & 0xffffff) << 8);
	p->device_id = cpu_to_be32(facts->device_id);
	p->device_version = cpu_to_be16(facts->device_version);
	/* An RDMA device has no subsystem ids to report: zero. */
	p->io_class = cpu_to_be16(SRP_REV16A_IB_IO_CLASS);
	p->io_subclass = cpu_to_be16(SRPT_DM_SRP_IO_SUBCLASS);
	p->protocol = cpu_to_be16(SRPT_DM_SRP_PROTOCOL);
	p->protocol_version = cpu_to_be16(SRPT_DM_SRP_PROTOCOL_VERSION);
	p->send_queue_depth = cpu_to_be16(facts->send_queue_depth);
	p->rdma_read_depth = facts->rdma_read_depth;
	p->send_size = cpu_to_be32(facts->send_size);
	p->rdma_size = cpu_to_be32(facts->rdma_size);
	/* SRP: IUs both ways; we RDMA READ write data, RDMA WRITE read data. */
	p->op_cap_mask = SRPT_DM_OP_SEND_TO_IOC | SRPT_DM_OP_SEND_FROM_IOC |
			 SRPT_DM_OP_READ_FROM_IOC | SRPT_DM_OP_WRITE_FROM_IOC;
	p->svc_entries = SRPT_DM_SVC_ENTRIES;
	strscpy_pad(p->id_string, facts->id_string, sizeof(p->id_string));
	return IB_MGMT_MAD_STATUS_SUCCESS;
}

/*
 * The attribute modifier holds the slot (bits 31:16) and the first
 * (7:0) and last (15:8) service entry wanted, at most four of them.
 */
static u16 srpt_dm_svc_entries(const struct srpt_dm_facts *facts,
			       u32 attr_mod, struct srpt_dm_mad *rsp)
{
	struct srpt_dm_svc_entry *e = (void *)rsp->data;
	u32 first = attr_mod & 0xff, last = (attr_mod >> 8) & 0xff;
	u16 status;
	u32 i;

	status = srpt_dm_check_slot(facts, attr_mod >> 16);
	if (status)
		return status;
	if (first > last || last - first >= SRPT_DM_SVC_PER_MAD)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	if (last >= SRPT_DM_SVC_ENTRIES)
		return SRPT_DM_STATUS_NO_SVC_ENTRIES;
	for (i = first; i <= last; i++, e++) {
		/* SRP r16a: the name carries the target port's ID_EXT. */
		snprintf(e->name, sizeof(e->name), "SRP.T10:%016llx",
			 facts->id_ext);
		e->id = cpu_to_be64(facts->service_id);
	}
	return IB_MGMT_MAD_STATUS_SUCCESS;
}

static u16 srpt_dm_get(const struct srpt_dm_facts *facts,
		       const struct ib_mad_hdr *hdr, struct srpt_dm_mad *rsp)
{
	u32 attr_mod = be32_to_cpu(hdr->attr_mod);

	switch (be16_to_cpu(hdr->attr_id)) {
	case SRPT_DM_ATTR_CLASS_PORT_INFO:
		return srpt_dm_class_port_info(attr_mod, rsp);
	case SRPT_DM_ATTR_IO_UNIT_INFO:
		return srpt_dm_iou_info(facts, attr_mod, rsp);
	case SRPT_DM_ATTR_IOC_PROFILE:
		return srpt_dm_ioc_profile(facts, attr_mod, rsp);
	case SRPT_DM_ATTR_SERVICE_ENTRIES:
		return srpt_dm_svc_entries(facts, attr_mod, rsp);
	default:
		/* Notice, InformInfo and the diagnostic attributes. */
		return IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
	}
}

/**
 * srpt_dm_build_rsp - answer a device management MAD
 * @req:   the request as received.
 * @facts: what to report about the port it arrived on.
 * @rsp:   the response, filled in completely when this returns true.
 *
 * Get is answered for ClassPortInfo, IOUnitInfo, IOControllerProfile and
 * ServiceEntries. Nothing is settable: Set of any attribute (traps are not
 * supported, so neither is setting ClassPortInfo's trap address) and Get of
 * any other attribute are answered "unsupported method/attribute". A bad
 * slot or entry range in the attribute modifier gets "invalid field", an
 * absent IOC the DM status "IOC not responding", entries past the last
 * "no service entries". A failed response carries no attribute data.
 *
 * Pure function: no device, no locks, no allocation.
 *
 * Return: true if @rsp is to be sent, false for MADs that get no answer
 * (responses, other classes).
 */
bool srpt_dm_build_rsp(const struct srpt_dm_mad *req,
		       const struct srpt_dm_facts *facts,
		       struct srpt_dm_mad *rsp)
{
	const struct ib_mad_hdr *hdr = &req->hdr;
	u16 status;

	if (hdr->mgmt_class != IB_MGMT_CLASS_DEVICE_MGMT ||
	    (hdr->method & IB_MGMT_METHOD_RESP))
		return false;

	memset(rsp, 0, sizeof(*rsp));
	rsp->hdr.base_version = hdr->base_version;
	rsp->hdr.mgmt_class = hdr->mgmt_class;
	rsp->hdr.class_version = hdr->class_version;
	rsp->hdr.method = IB_MGMT_METHOD_GET_RESP;
	rsp->hdr.tid = hdr->tid;
	rsp->hdr.attr_id = hdr->attr_id;
	rsp->hdr.attr_mod = hdr->attr_mod;

	if (hdr->base_version != IB_MGMT_BASE_VERSION ||
	    hdr->class_version != SRPT_DM_CLASS_VERSION)
		status = IB_MGMT_MAD_STATUS_BAD_VERSION;
	else if (hdr->method == IB_MGMT_METHOD_GET)
		status = srpt_dm_get(facts, hdr, rsp);
	else if (hdr->method == IB_MGMT_METHOD_SET)
		status = IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
	else
		status = IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD;

	if (status)
		memset(rsp->data, 0, sizeof(rsp->data));
	rsp->hdr.status = cpu_to_be16(status);
	return true;
}
