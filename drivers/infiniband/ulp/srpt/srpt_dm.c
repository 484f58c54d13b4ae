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
 * srpt_dm_build_rsp() (srpt_dm_proto.c) from a struct srpt_dm_facts and
 * nothing else, so that part is tested without a device (tools/unit);
 * this file gathers the facts of a port and talks to the MAD layer.
 *
 * The agent exists on every port whose MAD layer runs a GSI QP
 * (rdma_cap_ib_mad(): InfiniBand and RoCE, not iWARP). On RoCE the queries
 * arrive on QP1 with a GRH; the discovery tools themselves need a subnet
 * administrator to find the ports, which RoCE does not have (see
 * Documentation/infiniband/srpt.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/string.h>
#include <rdma/ib_mad.h>
#include <target/target_core_base.h>

#include "srpt.h"
#include "srpt_dm_wire.h"

/* The credits a login to @tpg on @sdev is granted (srpt_setup_ch()). */
static u32 srpt_dm_tpg_credits(struct srpt_device *sdev, u32 tpg_sq_size,
			       bool use_srq)
{
	return srpt_ch_credits(sdev, srpt_ch_sq_size(sdev, tpg_sq_size),
			       use_srq);
}

/*
 * The TPG limits that bound what a login on @sport can get: those of the
 * TPGs that admit logins, i.e. tpg->enabled, the fence logins check under
 * srpt_mutex (se_tpg.enabled changes only after srpt_enable_tpg()).
 * @credits is the most a login to one of them is granted, which may be 0
 * (use_srq=1 on a device whose SRQs can have no buffers): only with no
 * such TPG at all are the limits those of a new TPG.
 */
static void srpt_dm_port_limits(struct srpt_port *sport, u32 *rdma_size,
				u32 *credits)
{
	struct srpt_device *sdev = sport->sdev;
	struct srpt_tport *tport;
	struct srpt_tpg *tpg;
	bool any = false;
	u32 n;

	*rdma_size = 0;
	*credits = 0;
	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != sport)
			continue;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			if (!tpg->enabled)
				continue;
			any = true;
			*rdma_size = max(*rdma_size,
					 READ_ONCE(tpg->attrib.max_rdma_size));
			n = srpt_dm_tpg_credits(sdev,
						READ_ONCE(tpg->attrib.sq_size),
						READ_ONCE(tpg->attrib.use_srq));
			*credits = max(*credits, n);
		}
	}
	/* No TPG admits logins yet: what a new TPG would allow. */
	if (!any) {
		*rdma_size = SRPT_DEF_RDMA_SIZE;
		*credits = srpt_dm_tpg_credits(sdev, SRPT_DEF_SQ_SIZE, false);
	}
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
	u32 credits;

	memset(facts, 0, sizeof(*facts));
	mutex_lock(&srpt_mutex);
	facts->ioc_guid = srpt_get_service_guid();
	facts->ioc_present = srpt_dm_ioc_present(sport);
	srpt_dm_port_limits(sport, &facts->rdma_size, &credits);
	srpt_dm_id_string(sport, facts->id_string, sizeof(facts->id_string));
	mutex_unlock(&srpt_mutex);

	facts->id_ext = facts->ioc_guid;
	facts->service_id = facts->ioc_guid;
	facts->vendor_id = attrs->vendor_id;
	facts->device_id = attrs->vendor_part_id;
	facts->device_version = attrs->hw_ver;
	/*
	 * SendMessageQueueDepth: the requests an initiator may have queued,
	 * i.e. the credits a login is granted (SRP r16a 5.4.2).
	 */
	facts->send_queue_depth = credits;
	facts->rdma_read_depth = min_t(int, SRPT_RDMA_READ_DEPTH,
				       attrs->max_qp_init_rd_atom);
	facts->send_size = srpt_get_max_req_size();
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
