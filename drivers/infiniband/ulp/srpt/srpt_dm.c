// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: the device management (DM) agent.
 *
 * Initiators find SRP targets on an InfiniBand fabric by asking each port
 * that advertises device management for its IO unit (IBA vol 1, 16.3):
 * ibsrpdm and srp_daemon send Get(IOUnitInfo), then
 * Get(IOControllerProfile) for every IOC present, then
 * Get(ServiceEntries), and log in to the service named "SRP.T10:<id_ext>"
 * with the IOC GUID and service ID they got.
 *
 * We present one IO unit per port with one slot holding one IOC (GUID
 * srpt_service_guid) offering one service. The answers are built by
 * srpt_dm_build_rsp() from a struct srpt_dm_facts and nothing else, so
 * that part can be exercised without a device; the rest of this file
 * gathers the facts of a port and talks to the MAD layer.
 *
 * The agent exists on every port whose MAD layer runs a GSI QP
 * (rdma_cap_ib_mad(): InfiniBand and RoCE, not iWARP). On RoCE the queries
 * arrive on QP1 with a GRH; the discovery tools themselves need a subnet
 * administrator to find the ports, which RoCE does not have (see
 * Documentation/infiniband/srpt.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <rdma/ib_mad.h>
#include <scsi/srp.h>
#include <target/target_core_base.h>

#include "srpt.h"

#define SRPT_DM_CLASS_VERSION	1

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

/*
 * The TPG limits that bound what a login on @sport can get: those of the
 * TPGs that admit logins, i.e. tpg->enabled, the fence logins check under
 * srpt_mutex (se_tpg.enabled changes only after srpt_enable_tpg()).
 */
static void srpt_dm_port_limits(struct srpt_port *sport, u32 *rdma_size,
				u32 *sq_size)
{
	struct srpt_tport *tport;
	struct srpt_tpg *tpg;

	*rdma_size = 0;
	*sq_size = 0;
	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != sport)
			continue;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			if (!tpg->enabled)
				continue;
			*rdma_size = max(*rdma_size,
					 READ_ONCE(tpg->attrib.max_rdma_size));
			*sq_size = max(*sq_size, READ_ONCE(tpg->attrib.sq_size));
		}
	}
	/* Nothing configured yet: what a new TPG would allow. */
	if (!*rdma_size)
		*rdma_size = SRPT_DEF_RDMA_SIZE;
	if (!*sq_size)
		*sq_size = SRPT_DEF_SQ_SIZE;
}

/*
 * IOControllerProfile.IDString: the ioc_id_string of the target port bound
 * to @sport, else a default naming the RDMA port. Context: srpt_mutex held.
 */
static void srpt_dm_id_string(struct srpt_port *sport, char *buf, size_t len)
{
	struct srpt_tport *tport;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port == sport && tport->ioc_id_string[0]) {
			strscpy(buf, tport->ioc_id_string, len);
			return;
		}
	}
	snprintf(buf, len, "SRPT SCSI RDMA target on %s port %u",
		 dev_name(&sport->sdev->ib_dev->dev), sport->port_num);
}

/*
 * The IOC is offered, with the IB/CM service ID of its service entry, only
 * where that service ID takes logins: the device's IB/CM listener runs.
 * Context: srpt_mutex held, or the device not yet on srpt_dev_list.
 */
static bool srpt_dm_ioc_present(struct srpt_port *sport)
{
	struct srpt_device *sdev = sport->sdev;

	return !sdev->removing && sdev->ib_cm_id &&
	       rdma_cap_ib_cm(sdev->ib_dev, sport->port_num);
}

static void srpt_dm_get_facts(struct srpt_port *sport,
			      struct srpt_dm_facts *facts)
{
	struct srpt_device *sdev = sport->sdev;
	const struct ib_device_attr *attrs = &sdev->ib_dev->attrs;
	u32 sq_size;

	memset(facts, 0, sizeof(*facts));
	mutex_lock(&srpt_mutex);
	facts->ioc_guid = srpt_service_guid;
	facts->ioc_present = srpt_dm_ioc_present(sport);
	srpt_dm_port_limits(sport, &facts->rdma_size, &sq_size);
	srpt_dm_id_string(sport, facts->id_string, sizeof(facts->id_string));
	mutex_unlock(&srpt_mutex);

	facts->id_ext = facts->ioc_guid;
	facts->service_id = facts->ioc_guid;
	facts->vendor_id = attrs->vendor_id;
	facts->device_id = attrs->vendor_part_id;
	facts->device_version = attrs->hw_ver;
	/* As srpt_setup_ch() computes a channel's credits. */
	facts->send_queue_depth = min3(sq_size, (u32)SRPT_MAX_RQ_SIZE,
				       (u32)attrs->max_qp_wr);
	facts->rdma_read_depth = min_t(int, SRPT_RDMA_READ_DEPTH,
				       attrs->max_qp_init_rd_atom);
	facts->send_size = srp_max_req_size;
}

static void srpt_dm_send_done(struct ib_mad_agent *agent,
			      struct ib_mad_send_wc *wc)
{
	rdma_destroy_ah(wc->send_buf->ah, RDMA_DESTROY_AH_SLEEPABLE);
	ib_free_send_mad(wc->send_buf);
}

/* Runs in the MAD layer's workqueue: process context, may sleep. */
static void srpt_dm_recv(struct ib_mad_agent *agent,
			 struct ib_mad_send_buf *send_buf,
			 struct ib_mad_recv_wc *wc)
{
	struct srpt_port *sport = agent->context;
	struct ib_mad_send_buf *rsp_buf;
	struct srpt_dm_facts facts;
	struct srpt_dm_mad rsp;
	struct ib_ah *ah;

	if (wc->mad_len < sizeof(struct srpt_dm_mad))
		goto out;
	srpt_dm_get_facts(sport, &facts);
	if (!srpt_dm_build_rsp((const void *)wc->recv_buf.mad, &facts, &rsp))
		goto out;

	ah = ib_create_ah_from_wc(agent->qp->pd, wc->wc, wc->recv_buf.grh,
				  agent->port_num);
	if (IS_ERR(ah)) {
		pr_debug("%s/%u: no address handle for a DM response (%ld)\n",
			 dev_name(&agent->device->dev), agent->port_num,
			 PTR_ERR(ah));
		goto out;
	}
	rsp_buf = ib_create_send_mad(agent, wc->wc->src_qp,
				     wc->wc->pkey_index, 0, IB_MGMT_DEVICE_HDR,
				     IB_MGMT_DEVICE_DATA, GFP_KERNEL,
				     IB_MGMT_BASE_VERSION);
	if (IS_ERR(rsp_buf))
		goto err_ah;
	memcpy(rsp_buf->mad, &rsp, sizeof(rsp));
	rsp_buf->ah = ah;
	if (ib_post_send_mad(rsp_buf, NULL))
		goto err_buf;
	goto out;

err_buf:
	ib_free_send_mad(rsp_buf);
err_ah:
	rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
out:
	ib_free_recv_mad(wc);
}

/*
 * PortInfo.CapabilityMask.IsDeviceManagementSupported (IBA 14.2.5.6, bit
 * 19) tells discovery that the port has a DM agent: srp_daemon and
 * ibsrpdm query only ports that have it. Set while our agent is registered
 * on a port with an IOC to offer (srpt_dm_ioc_present()); the agent on a
 * port without reports an empty slot to whoever asks anyway.
 */
static void srpt_dm_set_cap(struct srpt_port *sport, bool set)
{
	struct ib_port_modify mod = {};
	int ret;

	if (set)
		mod.set_port_cap_mask = IB_PORT_DEVICE_MGMT_SUP;
	else
		mod.clr_port_cap_mask = IB_PORT_DEVICE_MGMT_SUP;
	ret = ib_modify_port(sport->sdev->ib_dev, sport->port_num, 0, &mod);
	if (ret)
		pr_warn("%s/%u: cannot %s IsDeviceManagementSupported (%d)\n",
			dev_name(&sport->sdev->ib_dev->dev), sport->port_num,
			set ? "set" : "clear", ret);
}

/**
 * srpt_dm_register - start the DM agent on every port that has a GSI QP
 * @sdev: a device not yet on srpt_dev_list, its IB/CM listener started.
 *
 * A port where registering fails (e.g. another DM agent, such as another
 * SRP target, holds the class) just has no agent: logins still work.
 */
void srpt_dm_register(struct srpt_device *sdev)
{
	struct ib_mad_reg_req req = {
		.mgmt_class		= IB_MGMT_CLASS_DEVICE_MGMT,
		.mgmt_class_version	= SRPT_DM_CLASS_VERSION,
	};
	struct ib_mad_agent *agent;
	u32 i;

	__set_bit(IB_MGMT_METHOD_GET, req.method_mask);
	__set_bit(IB_MGMT_METHOD_SET, req.method_mask);
	for (i = 0; i < sdev->port_count; i++) {
		struct srpt_port *sport = &sdev->ports[i];

		/* iWARP has no management datagrams at all. */
		if (!rdma_cap_ib_mad(sdev->ib_dev, sport->port_num))
			continue;
		agent = ib_register_mad_agent(sdev->ib_dev, sport->port_num,
					      IB_QPT_GSI, &req, 0,
					      srpt_dm_send_done, srpt_dm_recv,
					      sport, 0);
		if (IS_ERR(agent)) {
			pr_warn("%s/%u: no device management agent (%ld); targets on this port cannot be discovered\n",
				dev_name(&sdev->ib_dev->dev), sport->port_num,
				PTR_ERR(agent));
			continue;
		}
		sport->dm_agent = agent;
		if (!srpt_dm_ioc_present(sport)) {
			pr_warn("%s/%u: no IB/CM listener: the port does not advertise device management, and its IO unit reports no IOC\n",
				dev_name(&sdev->ib_dev->dev), sport->port_num);
			continue;
		}
		srpt_dm_set_cap(sport, true);
		sport->dm_cap = true;
	}
}

/**
 * srpt_dm_unregister - stop the DM agents of a device
 * @sdev: the device.
 *
 * Waits for running handlers to finish and cancels unsent responses.
 *
 * Context: process context, srpt_mutex not held.
 */
void srpt_dm_unregister(struct srpt_device *sdev)
{
	u32 i;

	for (i = 0; i < sdev->port_count; i++) {
		if (!sdev->ports[i].dm_agent)
			continue;
		if (sdev->ports[i].dm_cap)
			srpt_dm_set_cap(&sdev->ports[i], false);
		sdev->ports[i].dm_cap = false;
		ib_unregister_mad_agent(sdev->ports[i].dm_agent);
		sdev->ports[i].dm_agent = NULL;
	}
}
