// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: logins and channel lifetime.
 *
 * A login arrives as the private data of an IB/CM REQ or an RDMA/CM
 * CONNECT_REQUEST. Both are turned into a struct srpt_login and handed to
 * srpt_login(), which validates it (SRP r16a 6.2 and 5.6.2), finds the TPG
 * and ACL, builds the channel and fills in the SRP_LOGIN_RSP. The CM
 * specific code then accepts or rejects.
 *
 * Rules:
 * - srpt_mutex is held for a whole login, from validation to accept or
 *   reject, so a channel is on its lists only once fully built, and device
 *   removal, TPG disable and ACL removal see every channel.
 * - A channel is freed only by its release work (srpt_release_ch_work),
 *   queued once on srpt_wq when the channel enters CLOSING.
 * - CM ids are destroyed only from the release work, never under
 *   srpt_mutex (destroying a CM id waits for its running callbacks, which
 *   may be waiting for srpt_mutex).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>
#include <scsi/srp.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

/*
 * RDMA READs (and atomics) the target serves: none. SRP moves all data
 * with RDMA that the target initiates, so the REP (and rdma_accept())
 * announces no responder resources, and the QP serves no remote READ.
 */
#define SRPT_RESPONDER_RESOURCES	0

/*
 * Our RDMA READ depth (the QP's max_rd_atomic, "initiator depth") is
 * bounded by the responder resources the initiator offers; CM events
 * report both values from the receiver's point of view already.
 */
static u8 srpt_read_depth(struct srpt_device *sdev, u8 peer_resources)
{
	return min3(peer_resources, (u8)SRPT_RDMA_READ_DEPTH,
		    (u8)min_t(int, sdev->ib_dev->attrs.max_qp_init_rd_atom,
			      U8_MAX));
}

static struct rdma_cm_id *srpt_rdma_listener;
static u16 srpt_rdma_cm_port;
static bool srpt_cm_running;
/* Serialises listener changes; never held with srpt_mutex. */
static DEFINE_MUTEX(srpt_listen_mutex);

static void srpt_release_ch_work(struct work_struct *work);

static void srpt_format_port_id(char *buf, size_t len, const u8 id[16])
{
	snprintf(buf, len, "0x%016llx%016llx",
		 get_unaligned_be64(id), get_unaligned_be64(id + 8));
}

/* Move @ch to @new_state; returns the previous state. */
static enum srpt_ch_state srpt_ch_set_state(struct srpt_rdma_ch *ch,
					    enum srpt_ch_state new_state)
{
	enum srpt_ch_state old;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	old = ch->state;
	if (new_state > old)
		ch->state = new_state;
	spin_unlock_irqrestore(&ch->lock, flags);
	return old;
}

bool srpt_ch_is_live(struct srpt_rdma_ch *ch)
{
	return READ_ONCE(ch->state) <= SRPT_CH_LIVE;
}

/**
 * srpt_ch_close - start tearing a channel down
 * @ch: the channel.
 *
 * Safe from any context and any number of times; only the first call
 * queues the release work.
 */
void srpt_ch_close(struct srpt_rdma_ch *ch)
{
	if (srpt_ch_set_state(ch, SRPT_CH_CLOSING) < SRPT_CH_CLOSING) {
		pr_info("%s: closing channel\n", ch->name);
		queue_work(srpt_wq, &ch->release_work);
	}
}

/**
 * srpt_ch_logout - close a channel on the target's initiative
 * @ch:     the channel.
 * @reason: SRP r16a table 12 reason sent in an SRP_T_LOGOUT first.
 *
 * Like srpt_ch_close(), from any context; the SRP_T_LOGOUT is only sent
 * while the channel is live.
 */
void srpt_ch_logout(struct srpt_rdma_ch *ch, u32 reason)
{
	unsigned long flags;
	bool sent = false;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == SRPT_CH_LIVE)
		sent = srpt_send_t_logout(ch, reason);
	spin_unlock_irqrestore(&ch->lock, flags);
	if (sent)
		pr_info("%s: sent SRP_T_LOGOUT (reason %#x)\n", ch->name,
			reason);
	srpt_ch_close(ch);
}

/**
 * srpt_ch_mark_live - the connection is established
 * @ch:        the channel.
 * @notify_cm: tell the connection manager too (IB_EVENT_COMM_EST).
 *
 * Called on RTU/ESTABLISHED, on the COMM_EST QP event, or on the first IU if
 * that arrives first (the initiator may send as soon as it has the login
 * response). Only the QP event is passed on to the CM (ib_cm's
 * cm_establish()), as the IB spec asks. cm_establish() moves the cm_id to
 * ESTABLISHED at once but cancels the REP MAD only later, from the CM's
 * work queue (cm_establish_handler()), and only if the cm_id is still
 * ESTABLISHED by then: after a DREQ or a destroy in between (an initiator
 * that sends an IU and disconnects at once does that) the REP MAD keeps its
 * reference on the cm_id until all its retries time out, and destroying
 * the channel waits that long (about a minute). Without the notification
 * the RTU, or a retransmitted REP answered by one, gets there.
 */
void srpt_ch_mark_live(struct srpt_rdma_ch *ch, bool notify_cm)
{
	unsigned long flags;
	bool was_connecting;

	spin_lock_irqsave(&ch->lock, flags);
	was_connecting = ch->state == SRPT_CH_CONNECTING;
	if (was_connecting)
		ch->state = SRPT_CH_LIVE;
	spin_unlock_irqrestore(&ch->lock, flags);
	if (!was_connecting || !notify_cm)
		return;
	if (ch->using_rdma_cm)
		rdma_notify(ch->rdma_cm_id, IB_EVENT_COMM_EST);
	else
		ib_cm_notify(ch->ib_cm_id, IB_EVENT_COMM_EST);
}

/**
 * srpt_ch_disconnect_missed - the release work disconnected before the RTU
 * @ch: the channel; its cm_id has just become ESTABLISHED (the CM moves it
 *      there before it reports RTU_RECEIVED or ESTABLISHED).
 *
 * A channel closed before the RTU (its first IU made it live, then it was
 * logged out or closed) is disconnected by the release work once its
 * SRP_T_LOGOUT is through (srpt_release_ch()). If that happened while the
 * cm_id was still in REP_SENT, srpt_disconnect() could send neither DREQ
 * nor DREP (RDMA/CM: nothing either), and the initiator, now taking the
 * connection for established, would wait until the release finishes its
 * commands in flight. Then the caller ends the connection now. A channel
 * still CLOSING is disconnected by its release work later, from
 * ESTABLISHED; disconnecting it here would flush an SRP_T_LOGOUT still on
 * its way (SRP r16a 6.9: the target sends it before it disconnects).
 *
 * Decided under ch->lock: RELEASING is entered under it, after the logout.
 *
 * Return: true if the caller must disconnect now.
 */
static bool srpt_ch_disconnect_missed(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	bool missed;

	spin_lock_irqsave(&ch->lock, flags);
	missed = ch->state == SRPT_CH_RELEASING;
	spin_unlock_irqrestore(&ch->lock, flags);
	return missed;
}

static void srpt_qp_event(struct ib_event *event, void *ctx)
{
	struct srpt_rdma_ch *ch = ctx;

	switch (event->event) {
	case IB_EVENT_COMM_EST:
		srpt_ch_mark_live(ch, true);
		break;
	case IB_EVENT_QP_LAST_WQE_REACHED:
		WRITE_ONCE(ch->sdev->reports_last_wqe, true);
		complete(&ch->last_wqe);
		break;
	case IB_EVENT_QP_FATAL:
	case IB_EVENT_QP_REQ_ERR:
	case IB_EVENT_QP_ACCESS_ERR:
		/*
		 * The QP is in the error state (IBTA 11.6.3.1): nothing it
		 * holds completes other than flushed, and the initiator
		 * learns nothing from it. End the channel now rather than
		 * when the initiator gives up. A login still being set up
		 * (no nexus yet) is not ours to close: a rejected one is
		 * freed synchronously by its CM callback.
		 */
		pr_warn("%s: QP event %s%s\n", ch->name,
			ib_event_msg(event->event),
			READ_ONCE(ch->nexus) ? ": closing the channel" : "");
		if (READ_ONCE(ch->nexus))
			srpt_ch_close(ch);
		break;
	default:
		pr_info("%s: QP event %s\n", ch->name,
			ib_event_msg(event->event));
		break;
	}
}

/*
 * Copy the name of the first ACL of @tpg admitting @lg into @name.
 * target_setup_session() looks the ACL up again by name under its own lock
 * (-EACCES once it is gone), and srpt_new_nexus() checks that it was not
 * removed before the session was registered.
 */
static bool srpt_find_acl(struct srpt_tpg *tpg, const struct srpt_login *lg,
			  char *name, size_t len)
{
	struct se_portal_group *se_tpg = &tpg->se_tpg;
	struct se_node_acl *se_nacl;
	bool found = false;

	mutex_lock(&se_tpg->acl_node_mutex);
	list_for_each_entry(se_nacl, &se_tpg->acl_node_list, acl_list) {
		if (se_nacl->dynamic_node_acl ||
		    !srpt_acl_admits(&to_srpt_nacl(se_nacl)->id, lg))
			continue;
		strscpy(name, se_nacl->initiatorname, len);
		found = true;
		break;
	}
	mutex_unlock(&se_tpg->acl_node_mutex);
	return found;
}

/*
 * The enabled TPG, on a target port bound to the RDMA port of the login,
 * with an ACL for the initiator.
 */
static struct srpt_tpg *srpt_find_tpg(struct srpt_login *lg, char *acl,
				      size_t len, const char *who)
{
	bool any_port = false, any_enabled = false;
	struct srpt_tport *tport;
	struct srpt_tpg *tpg;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != lg->sport)
			continue;
		any_port = true;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			if (!tpg->enabled)
				continue;
			any_enabled = true;
			if (srpt_find_acl(tpg, lg, acl, len))
				return tpg;
		}
	}
	lg->stat = any_enabled ? SRPT_LOGIN_REJ_NO_ACL : SRPT_LOGIN_REJ_NO_TPG;
	if (!any_port)
		pr_info_ratelimited("login from %s rejected: no configfs target port for %s port %u\n",
				    who, dev_name(&lg->sport->sdev->ib_dev->dev),
				    lg->sport->port_num);
	else if (!any_enabled)
		pr_info_ratelimited("login from %s rejected: no enabled TPG on %s port %u\n",
				    who, dev_name(&lg->sport->sdev->ib_dev->dev),
				    lg->sport->port_num);
	else if (lg->src)
		pr_info_ratelimited("login from %s (address %pISc) rejected: no ACL admits it\n",
				    who, lg->src);
	else
		pr_info_ratelimited("login from %s rejected: no ACL admits it\n", who);
	return NULL;
}

/*
 * Close every channel of @nexus. It stays on its TPG's list until its last
 * channel is released, but no login joins it any more (SRP r16a 5.6.2: a
 * MULTI login joins a live I_T nexus only).
 * Context: srpt_mutex held.
 */
static void srpt_end_nexus(struct srpt_nexus *nexus, u32 reason)
{
	struct srpt_rdma_ch *ch;

	lockdep_assert_held(&srpt_mutex);
	nexus->ending = true;
	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		srpt_ch_logout(ch, reason);
}

/* The live nexus of @i_port_id in @tpg. Context: srpt_mutex held. */
static struct srpt_nexus *srpt_find_nexus(struct srpt_tpg *tpg,
					  const u8 i_port_id[16])
{
	struct srpt_nexus *nexus;

	list_for_each_entry(nexus, &tpg->nexus_list, node)
		if (!nexus->ending && !memcmp(nexus->i_port_id, i_port_id, 16))
			return nexus;
	return NULL;
}

/*
 * SRP r16a 5.6.2: a SINGLE_CHANNEL login terminates every other channel of
 * the same I_T nexus. Returns whether any channel was closed.
 */
static bool srpt_close_nexus_of(struct srpt_login *lg)
{
	struct srpt_tport *tport;
	struct srpt_nexus *nexus;
	struct srpt_tpg *tpg;
	bool closed = false;

	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != lg->sport)
			continue;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			nexus = srpt_find_nexus(tpg, lg->i_port_id);
			if (!nexus)
				continue;
			srpt_end_nexus(nexus, SRPT_LOGOUT_MULTICHANNEL);
			closed = true;
		}
	}
	return closed;
}

/* Is @se_nacl still on its TPG's ACL list (not being removed)? */
static bool srpt_acl_listed(struct se_portal_group *se_tpg,
			    struct se_node_acl *se_nacl)
{
	struct se_node_acl *n;
	bool listed = false;

	mutex_lock(&se_tpg->acl_node_mutex);
	list_for_each_entry(n, &se_tpg->acl_node_list, acl_list) {
		if (n == se_nacl) {
			listed = true;
			break;
		}
	}
	mutex_unlock(&se_tpg->acl_node_mutex);
	return listed;
}

/*
 * A new I_T nexus with its target_core session; ERR_PTR(-EACCES) if the
 * ACL named @acl is gone or going. Context: srpt_mutex held.
 */
static struct srpt_nexus *srpt_new_nexus(struct srpt_tpg *tpg,
					 const u8 i_port_id[16],
					 const char *acl)
{
	struct srpt_nexus *nexus;

	nexus = kzalloc(sizeof(*nexus), GFP_KERNEL);
	if (!nexus)
		return ERR_PTR(-ENOMEM);
	static atomic_t srpt_next_sid = ATOMIC_INIT(0);

	INIT_LIST_HEAD(&nexus->ch_list);
	spin_lock_init(&nexus->tmf_lock);
	memcpy(nexus->i_port_id, i_port_id, 16);
	nexus->sid = atomic_inc_return(&srpt_next_sid);
	nexus->tpg = tpg;
	nexus->se_sess = target_setup_session(&tpg->se_tpg, 0, 0,
					      TARGET_PROT_NORMAL, acl, nexus,
					      NULL);
	if (IS_ERR(nexus->se_sess)) {
		int ret = PTR_ERR(nexus->se_sess);

		kfree(nexus);
		return ERR_PTR(ret);
	}
	/*
	 * target_setup_session() found the ACL and took a reference on it,
	 * but an rmdir of the ACL (core_tpg_del_initiator_node_acl()) may
	 * have taken it off the TPG's list and shut its sessions down before
	 * ours was registered: ours would live on a deleted ACL, and the
	 * rmdir would wait for it to end. The rmdir unlists the ACL under
	 * acl_node_mutex before it looks for sessions, and ours is on the
	 * ACL's session list now: if the ACL is still listed, the rmdir will
	 * find the session and call close_session (which waits for
	 * srpt_mutex, and then for this nexus); if not, end it here.
	 */
	if (!srpt_acl_listed(&tpg->se_tpg, nexus->se_sess->se_node_acl)) {
		target_remove_session(nexus->se_sess);
		kfree(nexus);
		return ERR_PTR(-EACCES);
	}
	list_add_tail(&nexus->node, &tpg->nexus_list);
	return nexus;
}

/*
 * rdma_rw contexts the QP needs at once, which is also the size of its MR
 * pool where rdma_rw registers memory: on iWARP, and on devices with a
 * limit on RDMA READ SGEs (max_sgl_rd), every credit's transfer may need
 * rdma_rw_mr_factor() MRs. Where rdma_rw registers only because ib_core's
 * force_mr says so, which a module cannot see, an empty pool makes the
 * command wait (srpt_rw_retryable()).
 */
static u32 srpt_rdma_ctxs(struct srpt_rdma_ch *ch)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	u32 port = ch->sport->port_num, mrs;

	if (!rdma_protocol_iwarp(ib_dev, port) && !ib_dev->attrs.max_sgl_rd)
		return ch->sq_size;
	mrs = ch->rq_size * rdma_rw_mr_factor(ib_dev, port,
					      DIV_ROUND_UP(ch->max_rdma_size,
							   PAGE_SIZE));
	return min_t(u32, mrs, ib_dev->attrs.max_qp_wr);
}

/*
 * @trim: ask for the send queue entries that rdma_rw_init_qp() adds on its
 * own (see srpt_create_qp()) that much smaller.
 */
static int srpt_create_qp_inline(struct srpt_rdma_ch *ch, u32 max_inline,
				 bool trim)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	struct ib_qp_init_attr init = {};
	int ret;

	init.event_handler = srpt_qp_event;
	init.qp_context = ch;
	init.send_cq = ch->cq;
	init.recv_cq = ch->cq;
	init.srq = ch->srq ? ch->srq->srq : NULL;
	init.sq_sig_type = IB_SIGNAL_REQ_WR;
	init.qp_type = IB_QPT_RC;
	init.port_num = ch->sport->port_num;
	/* ib_drain_qp() posts one send and one receive of its own. */
	init.cap.max_send_wr = ch->sq_size + 1;
	ch->rdma_ctxs = srpt_rdma_ctxs(ch);
	init.cap.max_rdma_ctxs = ch->rdma_ctxs;
	if (trim)
		init.cap.max_send_wr -= min(ch->rdma_ctxs, ch->sq_size);
	init.cap.max_send_sge = min_t(u32, ib_dev->attrs.max_send_sge, 32);
	init.cap.max_recv_wr = ch->srq ? 0 : ch->rq_size + 1;
	init.cap.max_recv_sge = 1;
	init.cap.max_inline_data = max_inline;

	if (ch->using_rdma_cm) {
		ret = rdma_create_qp(ch->rdma_cm_id, ch->sdev->pd, &init);
		ch->qp = ret ? NULL : ch->rdma_cm_id->qp;
	} else {
		ch->qp = ib_create_qp(ch->sdev->pd, &init);
		ret = IS_ERR(ch->qp) ? PTR_ERR(ch->qp) : 0;
		if (ret)
			ch->qp = NULL;
	}
	/* The device reports what it granted, which may be more. */
	ch->max_inline = ret ? 0 : min(init.cap.max_inline_data, max_inline);
	/*
	 * rdma_rw fills the QP's MR pool exactly when it registers memory
	 * for RDMA READ/WRITE; each operation then also posts a LOCAL_INV
	 * and a REG_MR (srpt_check_fits() counts them).
	 */
	if (!ret)
		ch->rw_wrs_per_op = list_empty(&ch->qp->rdma_mrs) ? 1 : 3;
	return ret;
}

/* The QP's send queue has room for what we account, sq_size + 1. */
static bool srpt_qp_has_room(struct srpt_rdma_ch *ch)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr attr;

	return !ib_query_qp(ch->qp, &attr, IB_QP_CAP, &init) &&
	       attr.cap.max_send_wr >= ch->sq_size + 1;
}

static void srpt_destroy_new_qp(struct srpt_rdma_ch *ch)
{
	if (ch->using_rdma_cm)
		rdma_destroy_qp(ch->rdma_cm_id);
	else
		ib_destroy_qp(ch->qp);
	ch->qp = NULL;
}

/*
 * The send queue accounting (srpt_io.c) counts every work request in
 * sq_size, rdma_rw's included (LOCAL_INV and REG_MR too), and posts no
 * more; the QP needs one entry more for the drain. rdma_rw_init_qp()
 * adds max_rdma_ctxs entries to what we ask for, three times that where
 * rdma_rw registers memory, for users that do not account its work
 * requests: at the default sizes, as many again as we use, and drivers
 * round queues up to a power of two. So we ask for max_rdma_ctxs fewer
 * (at most what rdma_rw adds) and check that the QP has room for sq_size
 * + 1; if it has not (a device that does not report it, or an RDMA core
 * that no longer adds), it is created again without that.
 */
static int srpt_create_qp(struct srpt_rdma_ch *ch)
{
	bool trim = true;
	int ret;

again:
	/* Devices without inline sends may refuse to create the QP. */
	ret = srpt_create_qp_inline(ch, SRPT_RSP_INLINE, trim);
	if (ret)
		ret = srpt_create_qp_inline(ch, 0, trim);
	if (!ret && trim && !srpt_qp_has_room(ch)) {
		pr_info_once("%s: QP send queue smaller than %u entries; asking for rdma_rw's entries too\n",
			     ch->name, ch->sq_size + 1);
		srpt_destroy_new_qp(ch);
		trim = false;
		goto again;
	}
	if (ret)
		pr_info("%s: cannot create a QP with %u send WRs (%d)\n",
			ch->name, ch->sq_size, ret);
	return ret;
}

/*
 * IB/CM leaves the QP state to us: RESET -> INIT, then -> RTR, both before
 * the REP is sent. ib_cm_init_qp_attr() then derives the responder side
 * from the REQ's INITIATOR DEPTH (ib_srp asks for 4): remote READ and
 * ATOMIC access at INIT, max_dest_rd_atomic at RTR. Our REP grants
 * SRPT_RESPONDER_RESOURCES, and the QP must agree with it.
 */
static int srpt_ib_cm_modify_qp(struct srpt_rdma_ch *ch,
				enum ib_qp_state state)
{
	struct ib_qp_attr attr = {};
	int mask, ret;

	attr.qp_state = state;
	ret = ib_cm_init_qp_attr(ch->ib_cm_id, &attr, &mask);
	if (ret)
		return ret;
	/*
	 * An allow-list: ib_cm grants more than REMOTE_READ and _ATOMIC on
	 * newer kernels (the FLUSH rights since v6.2), none of which an SRP
	 * target serves.
	 */
	if ((mask & IB_QP_ACCESS_FLAGS) && !SRPT_RESPONDER_RESOURCES)
		attr.qp_access_flags &= IB_ACCESS_REMOTE_WRITE;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		attr.max_dest_rd_atomic = SRPT_RESPONDER_RESOURCES;
	return ib_modify_qp(ch->qp, &attr, mask);
}

/*
 * RTR -> RTS before the REP goes out, as rdma_cm does on the passive side
 * (cma_accept_ib()): an initiator may send its first IU as soon as it has
 * the REP, before its RTU reaches us, and that IU's response must not be
 * posted on a QP that is still in RTR. @rd_atomic is the RDMA READ depth
 * our REP announces.
 */
static int srpt_ib_cm_qp_to_rts(struct srpt_rdma_ch *ch, u8 rd_atomic)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_RTS };
	int mask, ret;

	ret = ib_cm_init_qp_attr(ch->ib_cm_id, &attr, &mask);
	if (ret)
		return ret;
	attr.max_rd_atomic = rd_atomic;
	return ib_modify_qp(ch->qp, &attr, mask);
}

static int srpt_post_ch_recvs(struct srpt_rdma_ch *ch)
{
	u32 i;
	int ret;

	for (i = 0; !ch->srq && i < ch->rq_size; i++) {
		ret = srpt_post_recv(ch, &ch->recv_ring.ioctx[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Channel resources: CQ, QP, receive buffers and send contexts. */
static int srpt_setup_ch(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg)
{
	struct srpt_device *sdev = ch->sdev;
	struct ib_device *ib_dev = sdev->ib_dev;
	int ret;

	/* One send queue entry more for the drain's (ib_drain_sq()). */
	ch->sq_size = min_t(u32, READ_ONCE(tpg->attrib.sq_size),
			    ib_dev->attrs.max_qp_wr - 1);
	ch->max_ti_iu_len = READ_ONCE(tpg->attrib.max_rsp_size);
	ch->max_rdma_size = READ_ONCE(tpg->attrib.max_rdma_size);
	if (READ_ONCE(tpg->attrib.use_srq)) {
		ch->srq = srpt_get_srq(sdev);
		if (!ch->srq)
			return -ENOMEM;
	}
	/*
	 * Credits (SRP r16a 5.4.2): one per receive buffer the initiator may
	 * fill. With an SRQ the buffers are shared, so the channel's credits
	 * only bound its commands in flight.
	 */
	ch->rq_size = min_t(u32, ch->sq_size, SRPT_MAX_RQ_SIZE);
	if (ch->srq)
		ch->rq_size = min(ch->rq_size, ch->srq->size);

	/*
	 * Completions are handled in process context (IB_POLL_WORKQUEUE):
	 * a receive may run the command in the backend inline through
	 * target_submit(), an RDMA READ completion calls target_execute_cmd(),
	 * and rdma_rw_ctx_init() allocates with GFP_KERNEL. Channels are
	 * spread round-robin over the completion vectors.
	 */
	ch->comp_vector = atomic_inc_return(&sdev->next_vector) %
			  ib_dev->num_comp_vectors;
	/*
	 * Every work request we post completes here, flushed ones included:
	 * the send queue accounting keeps at most sq_size posted (rdma_rw's
	 * registration requests counted), the receive side at most rq_size
	 * (with an SRQ, as many as the SRQ holds: an initiator that ignores
	 * its credits can fill them all before the violation is seen), and
	 * ib_drain_qp() adds one send and one receive of its own.
	 */
	ch->cq_size = ch->sq_size + (ch->srq ? ch->srq->size : ch->rq_size) + 2;
	/* ib_cq_pool_get() would grow its pool forever for a larger one. */
	if (ch->cq_size > ib_dev->attrs.max_cqe) {
		pr_info("%s: a CQ of %u entries exceeds the device's %d (srp_sq_size, srpt_srq_size)\n",
			ch->name, ch->cq_size, ib_dev->attrs.max_cqe);
		return -EINVAL;
	}
	ch->cq = ib_cq_pool_get(ib_dev, ch->cq_size, ch->comp_vector,
				IB_POLL_WORKQUEUE);
	if (IS_ERR(ch->cq)) {
		ret = PTR_ERR(ch->cq);
		ch->cq = NULL;
		pr_info("%s: cannot get a CQ of %u entries (%d)\n", ch->name,
			ch->cq_size, ret);
		return ret;
	}
	ret = srpt_alloc_ch_ioctxs(ch);
	if (!ret)
		ret = srpt_alloc_msg_ius(ch);
	if (ret)
		return ret;
	ret = srpt_create_qp(ch);
	if (ret)
		return ret;
	ch->sq_wr_avail = ch->sq_size;

	if (!ch->using_rdma_cm) {
		ret = srpt_ib_cm_modify_qp(ch, IB_QPS_INIT);
		if (ret)
			return ret;
	}
	ret = srpt_post_ch_recvs(ch);
	if (ret)
		return ret;
	if (!ch->using_rdma_cm)
		ret = srpt_ib_cm_modify_qp(ch, IB_QPS_RTR);
	return ret;
}

static struct srpt_rdma_ch *srpt_alloc_ch(struct srpt_login *lg)
{
	struct srpt_rdma_ch *ch;
	char id[40];

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return NULL;
	ch->mem_other = kmalloc_size_roundup(sizeof(*ch));
	ch->sport = lg->sport;
	ch->sdev = lg->sport->sdev;
	kref_get(&ch->sdev->refcount);
	spin_lock_init(&ch->lock);
	init_waitqueue_head(&ch->release_wq);
	init_completion(&ch->last_wqe);
	INIT_LIST_HEAD(&ch->free_list);
	INIT_LIST_HEAD(&ch->sq_wait_list);
	INIT_LIST_HEAD(&ch->table_list);
	INIT_LIST_HEAD(&ch->post_failed_list);
	INIT_LIST_HEAD(&ch->nexus_node);
	INIT_LIST_HEAD(&ch->dev_node);
	INIT_WORK(&ch->release_work, srpt_release_ch_work);
	ch->state = SRPT_CH_CONNECTING;
	memcpy(ch->i_port_id, lg->i_port_id, 16);
	srpt_format_port_id(id, sizeof(id), lg->i_port_id);
	snprintf(ch->name, sizeof(ch->name), "%s/%s", id,
		 dev_name(&ch->sdev->ib_dev->dev));
	return ch;
}

static u32 srpt_nexus_ch_count(struct srpt_nexus *nexus)
{
	struct srpt_rdma_ch *ch;
	u32 n = 0;

	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		n++;
	return n;
}

/*
 * Live sessions of @tpg admitted by the ACL named @acl. An ACL that names a
 * port GUID or an IP address admits any number of initiator port ids
 * (initiator_ext), each its own session: SRPT_MAX_NEXUS_PER_ACL bounds
 * what one such initiator can make the target allocate.
 */
static u32 srpt_acl_nexus_count(struct srpt_tpg *tpg, const char *acl)
{
	struct srpt_nexus *nexus;
	u32 n = 0;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(nexus, &tpg->nexus_list, node)
		if (!nexus->ending &&
		    !strcmp(nexus->se_sess->se_node_acl->initiatorname, acl))
			n++;
	return n;
}

/*
 * Count a login outcome on the target port(s) bound to @sport; a login on a
 * port no target port is bound to is only reported in the kernel log.
 */
static void srpt_count_login(struct srpt_port *sport,
			     enum srpt_login_stat stat)
{
	struct srpt_tport *tport;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node)
		if (sport && tport->port == sport)
			atomic64_inc(&tport->login_stats[stat]);
}

/**
 * srpt_try_login - validate a login and build its channel
 * @lg:  the request; on return holds the response or the reject reason.
 * @ch:  a channel from srpt_alloc_ch() with its CM id set.
 *
 * Context: srpt_mutex held. On failure the caller rejects the login and
 * frees @ch with srpt_release_ch_now().
 * Return: 0 when the login is accepted, else a negative errno with
 * @lg->rej_reason set.
 */
static int srpt_try_login(struct srpt_login *lg, struct srpt_rdma_ch *ch)
{
	u8 multichan_result = SRP_LOGIN_RSP_MULTICHAN_NO_CHAN;
	char who[48], acl[TRANSPORT_IQN_LEN];
	struct srpt_login_grant grant;
	struct srpt_nexus *nexus = NULL;
	struct srpt_tpg *tpg;
	int ret;

	lockdep_assert_held(&srpt_mutex);
	srpt_format_port_id(who, sizeof(who), lg->i_port_id);
	lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
	lg->stat = SRPT_LOGIN_REJ_RESOURCES;
	if (!srpt_login_is_valid(lg, who, srp_max_req_size, srpt_service_guid))
		return -EINVAL;
	if (lg->sport->sdev->removing) {
		pr_info_ratelimited("login from %s rejected: %s is being removed\n", who,
				    dev_name(&lg->sport->sdev->ib_dev->dev));
		return -ENODEV;
	}
	tpg = srpt_find_tpg(lg, acl, sizeof(acl), who);
	if (!tpg)
		return -EPERM;

	if ((lg->req_flags & SRP_MULTICHAN_MULTI) == SRP_MULTICHAN_SINGLE) {
		if (srpt_close_nexus_of(lg))
			multichan_result = SRP_LOGIN_RSP_MULTICHAN_TERMINATED;
	} else {
		nexus = srpt_find_nexus(tpg, lg->i_port_id);
		if (nexus)
			multichan_result = SRP_LOGIN_RSP_MULTICHAN_MAINTAINED;
	}
	if (!nexus && srpt_acl_nexus_count(tpg, acl) >= SRPT_MAX_NEXUS_PER_ACL) {
		pr_info_ratelimited("login from %s rejected: ACL %s already has %u sessions\n",
				    who, acl, SRPT_MAX_NEXUS_PER_ACL);
		lg->rej_reason = SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
		lg->stat = SRPT_LOGIN_REJ_CH_LIMIT;
		return -EBUSY;
	}
	if (nexus && srpt_nexus_ch_count(nexus) >= SRPT_MAX_CH_PER_NEXUS) {
		pr_info_ratelimited("login from %s rejected: already %u channels\n", who,
				    SRPT_MAX_CH_PER_NEXUS);
		lg->rej_reason = SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
		lg->stat = SRPT_LOGIN_REJ_CH_LIMIT;
		return -EBUSY;
	}

	ch->max_it_iu_len = lg->req_it_iu_len;
	ch->imm_data_offset = srpt_imm_data_offset(lg);
	ret = srpt_setup_ch(ch, tpg);
	if (ret) {
		lg->rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		return ret;
	}
	if (!nexus) {
		nexus = srpt_new_nexus(tpg, lg->i_port_id, acl);
		if (PTR_ERR_OR_ZERO(nexus) == -EACCES) {
			/* As if no ACL admitted the initiator: it is gone. */
			pr_info_ratelimited("login from %s rejected: ACL %s was removed during the login\n",
					    who, acl);
			lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
			lg->stat = SRPT_LOGIN_REJ_NO_ACL;
			return -EACCES;
		}
		if (IS_ERR(nexus)) {
			pr_info_ratelimited("login from %s rejected: no session for ACL %s (%ld)\n",
					    who, acl, PTR_ERR(nexus));
			lg->rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
			return PTR_ERR(nexus);
		}
	}
	/* From here on the channel is accepted (see srpt_qp_event()). */
	WRITE_ONCE(ch->nexus, nexus);
	ch->cid = nexus->next_cid++;
	list_add_tail(&ch->nexus_node, &nexus->ch_list);
	list_add_tail(&ch->dev_node, &ch->sdev->ch_list);
	grant.req_lim = ch->rq_size;
	grant.max_it_iu_len = ch->max_it_iu_len;
	grant.max_ti_iu_len = ch->max_ti_iu_len;
	grant.multichan = multichan_result;
	grant.imm_data = ch->imm_data_offset;
	srpt_build_login_rsp(lg, &grant);
	pr_info("%s: login accepted on %s/%s (ACL %s): %u credits, IU %u/%u bytes, %s, %simmediate data, vector %d\n",
		ch->name, tpg->tport->name, config_item_name(&tpg->se_tpg.tpg_group.cg_item),
		acl, ch->rq_size, ch->max_it_iu_len, ch->max_ti_iu_len,
		ch->srq ? "SRQ" : "own receive ring",
		ch->imm_data_offset ? "" : "no ", ch->comp_vector);
	return 0;
}

static int srpt_login(struct srpt_login *lg, struct srpt_rdma_ch *ch)
{
	int ret = srpt_try_login(lg, ch);

	srpt_count_login(lg->sport, ret ? lg->stat : SRPT_LOGIN_ACCEPTED);
	return ret;
}

/* Remove @ch from the nexus; returns the session to end if it was last. */
static struct se_session *srpt_leave_nexus(struct srpt_rdma_ch *ch)
{
	struct srpt_nexus *nexus = ch->nexus;
	struct se_session *se_sess = NULL;

	mutex_lock(&srpt_mutex);
	list_del_init(&ch->dev_node);
	if (nexus) {
		list_del_init(&ch->nexus_node);
		if (list_empty(&nexus->ch_list)) {
			/* New logins must not join a nexus being ended. */
			list_del_init(&nexus->node);
			se_sess = nexus->se_sess;
		}
	}
	mutex_unlock(&srpt_mutex);
	return se_sess;
}

static void srpt_end_session(struct se_session *se_sess)
{
	struct srpt_nexus *nexus = se_sess->fabric_sess_ptr;

	target_stop_session(se_sess);
	target_wait_for_sess_cmds(se_sess);
	target_remove_session(se_sess);
	kfree(nexus);
}

/* Wait until target_core has released every command of @ch. */
static void srpt_wait_in_flight(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	u32 n;

	for (;;) {
		spin_lock_irqsave(&ch->lock, flags);
		n = ch->in_flight;
		spin_unlock_irqrestore(&ch->lock, flags);
		if (!n)
			return;
		if (!wait_event_timeout(ch->release_wq,
					READ_ONCE(ch->in_flight) == 0, 10 * HZ))
			pr_info("%s: still waiting for %u command(s)\n",
				ch->name, n);
	}
}

/* Flush whatever is posted on @ch's QP; nothing posted afterwards runs. */
static void srpt_qp_to_err(struct srpt_rdma_ch *ch)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	ib_modify_qp(ch->qp, &attr, IB_QP_STATE);
}

static void srpt_disconnect(struct srpt_rdma_ch *ch)
{
	if (ch->using_rdma_cm) {
		rdma_disconnect(ch->rdma_cm_id);
		return;
	}
	/*
	 * ESTABLISHED: DREQ; DREQ received: DREP. Before the RTU (REP sent)
	 * neither is allowed; ib_destroy_cm_id() in the release work then
	 * cancels the REP and sends the REJ itself, unless an RTU arrives
	 * first: then srpt_ib_cm_handler() sends the DREQ. A REJ sent here
	 * would leave the REP MAD to run through all its retries first.
	 */
	if (ib_send_cm_dreq(ch->ib_cm_id, NULL, 0))
		ib_send_cm_drep(ch->ib_cm_id, NULL, 0);
}

/*
 * A QP on an SRQ may still take buffers from it after entering the error
 * state; IB_EVENT_QP_LAST_WQE_REACHED (IBTA 11.6.3.2) says it takes no
 * more, and only then are all its receive completions on the CQ ahead of
 * the drain's. 6.1's ib_drain_qp() drains only the send queue of such a
 * QP and does not wait for the event; since 6.11 it also waits up to 60 s
 * for it and polls the (shared) CQ itself, so such a QP's release drains
 * only its send queue, after this. A device never seen to report the event
 * gets a short grace period instead of a long wait per channel.
 */
static void srpt_wait_last_wqe(struct srpt_rdma_ch *ch)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	bool reports = READ_ONCE(ch->sdev->reports_last_wqe);

	if (ib_modify_qp(ch->qp, &attr, IB_QP_STATE))
		return;
	if (!wait_for_completion_timeout(&ch->last_wqe,
					 reports ? 10 * HZ : HZ / 10) && reports)
		pr_warn("%s: no last-WQE-reached event in 10 s\n", ch->name);
}

/**
 * srpt_release_ch - free a channel and everything it holds
 * @ch:          the channel, already CLOSING.
 * @cm_owns_id:  the CM destroys the id itself (a login being rejected).
 */
static void srpt_release_ch(struct srpt_rdma_ch *ch, bool cm_owns_id)
{
	struct se_session *se_sess;

	srpt_wait_t_logout(ch);
	srpt_ch_set_state(ch, SRPT_CH_RELEASING);
	if (!cm_owns_id)
		srpt_disconnect(ch);
	/* After the drain no completion handler of this channel runs. */
	/* A rejected login's QP never received anything. */
	if (ch->qp && ch->srq && !cm_owns_id)
		srpt_wait_last_wqe(ch);
	if (ch->qp && ch->srq)
		ib_drain_sq(ch->qp);
	else if (ch->qp)
		ib_drain_qp(ch->qp);
	srpt_fail_waiting(ch);
	srpt_wait_in_flight(ch);
	se_sess = srpt_leave_nexus(ch);
	if (se_sess)
		srpt_end_session(se_sess);

	if (ch->using_rdma_cm) {
		if (ch->qp)
			rdma_destroy_qp(ch->rdma_cm_id);
		if (!cm_owns_id)
			rdma_destroy_id(ch->rdma_cm_id);
	} else {
		/*
		 * The CM id first: destroying it waits for its callbacks, and
		 * the DREQ handler moves ch->qp to the error state.
		 */
		if (!cm_owns_id)
			ib_destroy_cm_id(ch->ib_cm_id);
		if (ch->qp)
			ib_destroy_qp(ch->qp);
	}
	srpt_free_ch_ioctxs(ch);
	srpt_free_msg_ius(ch);
	if (ch->cq)
		ib_cq_pool_put(ch->cq, ch->cq_size);
	pr_info("%s: channel released\n", ch->name);
	srpt_put_device(ch->sdev);
	kfree(ch);
}

static void srpt_release_ch_work(struct work_struct *work)
{
	srpt_release_ch(container_of(work, struct srpt_rdma_ch, release_work),
			false);
}

/*
 * A login rejected by srpt_login(): the channel is on no list and its QP
 * cannot have received anything, so free it synchronously; the CM
 * destroys the CM id when the callback returns an error. Device removal
 * does not see such a channel, but waits for its device reference before
 * it frees the SRQ the QP may be attached to.
 */
static void srpt_release_ch_now(struct srpt_rdma_ch *ch)
{
	srpt_ch_set_state(ch, SRPT_CH_CLOSING);
	srpt_release_ch(ch, true);
}

/*
 * The login response could not be sent. The channel is already on its
 * lists, so it goes down the normal way; the release work destroys the CM
 * id, and the CM callback returns 0 to leave it to us.
 */
static void srpt_accept_failed(struct srpt_rdma_ch *ch)
{
	pr_info("%s: sending the login response failed\n", ch->name);
	srpt_ch_close(ch);
}

/**
 * srpt_close_device_channels - close every channel of a device and wait
 * @sdev: the device being removed.
 */
void srpt_close_device_channels(struct srpt_device *sdev)
{
	struct srpt_rdma_ch *ch;

	mutex_lock(&srpt_mutex);
	sdev->removing = true;
	list_for_each_entry(ch, &sdev->ch_list, dev_node)
		srpt_ch_close(ch);
	mutex_unlock(&srpt_mutex);
	flush_workqueue(srpt_wq);
}

/**
 * srpt_close_tpg_sessions - close every channel of every session of a TPG
 * @tpg: a TPG being disabled.
 */
static void srpt_close_tpg_sessions(struct srpt_tpg *tpg)
{
	struct srpt_nexus *nexus;

	mutex_lock(&srpt_mutex);
	list_for_each_entry(nexus, &tpg->nexus_list, node)
		srpt_end_nexus(nexus, SRPT_LOGOUT_NO_REASON);
	mutex_unlock(&srpt_mutex);
	flush_workqueue(srpt_wq);
}

/**
 * srpt_set_tpg_enabled - let a TPG take logins or fence it
 * @tpg:    the TPG.
 * @enable: the new state.
 *
 * target_core clears se_tpg->enabled only after the fabric's enable_tpg
 * returns, so logins are admitted by tpg->enabled, which changes under
 * srpt_mutex like every login. A login that finds it false is rejected;
 * every channel that found it true is on a nexus list by then and is
 * closed and released before this returns.
 */
void srpt_set_tpg_enabled(struct srpt_tpg *tpg, bool enable)
{
	mutex_lock(&srpt_mutex);
	tpg->enabled = enable;
	mutex_unlock(&srpt_mutex);
	if (!enable)
		srpt_close_tpg_sessions(tpg);
}

/*
 * target_shutdown_sessions() takes a session off its ACL's list before
 * calling close_session: a live session at the same address (the closed
 * one freed and its memory reused) is still on it.
 */
static bool srpt_sess_being_closed(struct se_session *se_sess)
{
	struct se_node_acl *acl = se_sess->se_node_acl;
	unsigned long flags;
	bool closed;

	spin_lock_irqsave(&acl->nacl_sess_lock, flags);
	closed = list_empty(&se_sess->sess_acl_list);
	spin_unlock_irqrestore(&acl->nacl_sess_lock, flags);
	return closed;
}

/*
 * The nexus of @se_sess if it is still on a TPG's list. target_core calls
 * close_session without holding anything that keeps @se_sess alive, and
 * the release work of the nexus' last channel may be freeing both: compare
 * pointers only, under srpt_mutex (a nexus leaves its list under it before
 * it is freed).
 */
static struct srpt_nexus *srpt_find_nexus_of_sess(struct se_session *se_sess)
{
	struct srpt_tport *tport;
	struct srpt_nexus *nexus;
	struct srpt_tpg *tpg;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node)
		list_for_each_entry(tpg, &tport->tpg_list, node)
			list_for_each_entry(nexus, &tpg->nexus_list, node)
				if (nexus->se_sess == se_sess &&
				    srpt_sess_being_closed(se_sess))
					return nexus;
	return NULL;
}

/* target_core's close_session: the ACL of this session is being removed. */
void srpt_close_session(struct se_session *se_sess)
{
	struct srpt_nexus *nexus;

	mutex_lock(&srpt_mutex);
	nexus = srpt_find_nexus_of_sess(se_sess);
	if (nexus)
		srpt_end_nexus(nexus, SRPT_LOGOUT_NO_REASON);
	mutex_unlock(&srpt_mutex);
}

/* ----- IB/CM ------------------------------------------------------------ */

static void srpt_ib_cm_reject(struct ib_cm_id *cm_id, struct srpt_login *lg)
{
	struct srp_login_rej rej;

	srpt_build_login_rej(&rej, lg);
	ib_send_cm_rej(cm_id, IB_CM_REJ_CONSUMER_DEFINED, NULL, 0, &rej,
		       sizeof(rej));
}

static int srpt_ib_cm_req(struct ib_cm_id *cm_id,
			  const struct ib_cm_req_event_param *param,
			  const void *private_data)
{
	struct srpt_device *sdev = cm_id->context;
	const struct srp_login_req *req = private_data;
	struct srpt_login lg = {};
	struct ib_cm_rep_param rep = {};
	struct srpt_rdma_ch *ch;
	int ret;

	/* IB/CM REQ private data is 92 bytes: the whole SRP_LOGIN_REQ. */
	lg.rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
	if (param->port < 1 || param->port > sdev->port_count ||
	    !srpt_decode_login_req(&lg, req)) {
		pr_info_ratelimited("IB/CM login rejected: not an SRP_LOGIN_REQ (opcode 0x%02x, port %u)\n",
				    req->opcode, param->port);
		if (param->port >= 1 && param->port <= sdev->port_count) {
			mutex_lock(&srpt_mutex);
			srpt_count_login(&sdev->ports[param->port - 1],
					 SRPT_LOGIN_REJ_MALFORMED);
			mutex_unlock(&srpt_mutex);
		}
		srpt_ib_cm_reject(cm_id, &lg);
		return -EINVAL;
	}
	lg.sport = &sdev->ports[param->port - 1];

	mutex_lock(&srpt_mutex);
	ch = srpt_alloc_ch(&lg);
	if (!ch) {
		mutex_unlock(&srpt_mutex);
		lg.rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		srpt_ib_cm_reject(cm_id, &lg);
		return -ENOMEM;
	}
	ch->ib_cm_id = cm_id;
	snprintf(ch->peer, sizeof(ch->peer), "%pI6",
		 param->primary_path->dgid.raw);
	ret = srpt_login(&lg, ch);
	if (!ret) {
		rep.qp_num = ch->qp->qp_num;
		rep.private_data = &lg.rsp;
		rep.private_data_len = sizeof(lg.rsp);
		/* The initiator never reads from us. */
		rep.responder_resources = SRPT_RESPONDER_RESOURCES;
		rep.initiator_depth = srpt_read_depth(sdev,
						      param->initiator_depth);
		rep.rnr_retry_count = 7;
		rep.flow_control = 1;
		rep.srq = !!ch->srq;
		cm_id->context = ch;
		if (srpt_ib_cm_qp_to_rts(ch, rep.initiator_depth) ||
		    ib_send_cm_rep(cm_id, &rep))
			srpt_accept_failed(ch);
	}
	mutex_unlock(&srpt_mutex);
	if (ret) {
		srpt_ib_cm_reject(cm_id, &lg);
		srpt_release_ch_now(ch);
	}
	return ret;
}

static int srpt_ib_cm_handler(struct ib_cm_id *cm_id,
			      const struct ib_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case IB_CM_REQ_RECEIVED:
		return srpt_ib_cm_req(cm_id, &event->param.req_rcvd,
				      event->private_data);
	case IB_CM_RTU_RECEIVED:
	case IB_CM_USER_ESTABLISHED:
		/* The QP is in RTS since before the REP. */
		srpt_ch_mark_live(ch, false);
		if (srpt_ch_disconnect_missed(ch))
			ib_send_cm_dreq(cm_id, NULL, 0);
		break;
	case IB_CM_DREQ_RECEIVED:
		/*
		 * No new posts, and nothing posted goes on: after the DREP
		 * the initiator may reuse the memory our RDMA WRITEs target
		 * (rdma_cm moves the QP to ERR before the DREP as well).
		 */
		srpt_ch_close(ch);
		srpt_qp_to_err(ch);
		ib_send_cm_drep(cm_id, NULL, 0);
		break;
	case IB_CM_REJ_RECEIVED:
	case IB_CM_REP_ERROR:
	case IB_CM_DREQ_ERROR:
	case IB_CM_DREP_RECEIVED:
	case IB_CM_TIMEWAIT_EXIT:
		srpt_ch_close(ch);
		break;
	default:
		break;
	}
	return 0;
}

/* Start the IB/CM listener of a device, if it speaks IB/CM. */
int srpt_ib_cm_listen(struct srpt_device *sdev)
{
	struct ib_cm_id *cm_id;
	int ret;

	if (!rdma_cap_ib_cm(sdev->ib_dev, 1))
		return 0;
	cm_id = ib_create_cm_id(sdev->ib_dev, srpt_ib_cm_handler, sdev);
	if (IS_ERR(cm_id))
		return PTR_ERR(cm_id);
	ret = ib_cm_listen(cm_id, cpu_to_be64(srpt_service_guid));
	if (ret) {
		pr_warn("%s: IB/CM listen on service id 0x%016llx failed (%d)\n",
			dev_name(&sdev->ib_dev->dev), srpt_service_guid, ret);
		ib_destroy_cm_id(cm_id);
		return ret;
	}
	/* The DM agent reads it (srpt_dm_get_facts()). */
	mutex_lock(&srpt_mutex);
	sdev->ib_cm_id = cm_id;
	mutex_unlock(&srpt_mutex);
	return 0;
}

void srpt_ib_cm_stop(struct srpt_device *sdev)
{
	struct ib_cm_id *cm_id;

	mutex_lock(&srpt_mutex);
	cm_id = sdev->ib_cm_id;
	sdev->ib_cm_id = NULL;
	mutex_unlock(&srpt_mutex);
	/* Not under srpt_mutex: this waits for REQ handlers, which take it. */
	if (cm_id)
		ib_destroy_cm_id(cm_id);
}

/* ----- RDMA/CM ---------------------------------------------------------- */

static void srpt_rdma_cm_reject(struct rdma_cm_id *cm_id, struct srpt_login *lg)
{
	struct srp_login_rej rej;

	srpt_build_login_rej(&rej, lg);
	rdma_reject(cm_id, &rej, sizeof(rej), IB_CM_REJ_CONSUMER_DEFINED);
}

/*
 * The port a CONNECT_REQUEST arrived on. rdma_cm delivers them while our
 * ib_client is being removed from the device (rdma_cm's is removed after
 * ours), and ib_core returns our client data until after srpt_remove_one()
 * has dropped its last reference: look the device up on srpt_dev_list
 * instead, which it leaves under srpt_mutex before that. A channel's
 * device reference is therefore only taken under srpt_mutex from a device
 * on the list, which srpt_remove_one() waits for.
 * Context: srpt_mutex held.
 */
static struct srpt_port *srpt_rdma_cm_sport(struct rdma_cm_id *cm_id)
{
	struct srpt_device *sdev;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, node) {
		if (sdev->ib_dev != cm_id->device)
			continue;
		if (cm_id->port_num < 1 || cm_id->port_num > sdev->port_count)
			return NULL;
		return &sdev->ports[cm_id->port_num - 1];
	}
	return NULL;
}

static int srpt_rdma_cm_req(struct rdma_cm_id *cm_id,
			    const struct rdma_cm_event *event)
{
	const struct srp_login_req_rdma *req = event->param.conn.private_data;
	struct rdma_conn_param param = {};
	struct srpt_login lg = {};
	struct srpt_rdma_ch *ch;
	int ret;

	lg.rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
	if (!srpt_decode_login_req_rdma(&lg, req,
					event->param.conn.private_data_len)) {
		pr_info_ratelimited("RDMA/CM login from %pISc rejected: private data of %u bytes is not an SRP_LOGIN_REQ\n",
				    &cm_id->route.addr.dst_addr,
				    event->param.conn.private_data_len);
		mutex_lock(&srpt_mutex);
		srpt_count_login(srpt_rdma_cm_sport(cm_id),
				 SRPT_LOGIN_REJ_MALFORMED);
		mutex_unlock(&srpt_mutex);
		srpt_rdma_cm_reject(cm_id, &lg);
		return -EINVAL;
	}
	lg.src = (struct sockaddr *)&cm_id->route.addr.dst_addr;

	mutex_lock(&srpt_mutex);
	lg.sport = srpt_rdma_cm_sport(cm_id);
	ch = lg.sport ? srpt_alloc_ch(&lg) : NULL;
	if (!ch) {
		mutex_unlock(&srpt_mutex);
		pr_info_ratelimited("RDMA/CM login from %pISc rejected: %s\n", lg.src,
				    lg.sport ? "out of memory" : "unknown RDMA device");
		lg.rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		srpt_rdma_cm_reject(cm_id, &lg);
		return -ENOMEM;
	}
	ch->using_rdma_cm = true;
	ch->rdma_cm_id = cm_id;
	snprintf(ch->peer, sizeof(ch->peer), "%pISc", lg.src);
	ret = srpt_login(&lg, ch);
	if (!ret) {
		param.private_data = &lg.rsp;
		param.private_data_len = sizeof(lg.rsp);
		param.responder_resources = SRPT_RESPONDER_RESOURCES;
		param.initiator_depth =
			srpt_read_depth(ch->sdev,
					event->param.conn.initiator_depth);
		param.rnr_retry_count = 7;
		param.flow_control = 1;
		cm_id->context = ch;
		if (rdma_accept(cm_id, &param))
			srpt_accept_failed(ch);
	}
	mutex_unlock(&srpt_mutex);
	if (ret) {
		srpt_rdma_cm_reject(cm_id, &lg);
		srpt_release_ch_now(ch);
	}
	return ret;
}

static int srpt_rdma_cm_handler(struct rdma_cm_id *cm_id,
				struct rdma_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return srpt_rdma_cm_req(cm_id, event);
	case RDMA_CM_EVENT_ESTABLISHED:
		srpt_ch_mark_live(ch, false);
		if (srpt_ch_disconnect_missed(ch))
			rdma_disconnect(cm_id);
		break;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_ADDR_CHANGE:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		if (ch)
			srpt_ch_close(ch);
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		/*
		 * Our ib_client is removed before rdma_cm's, so channels are
		 * gone by now; only the listener can see this.
		 */
		if (ch)
			srpt_ch_close(ch);
		break;
	default:
		break;
	}
	return 0;
}

static struct rdma_cm_id *srpt_rdma_cm_create_listener(u16 port)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(port),
	};
	struct rdma_cm_id *cm_id;
	int ret;

	cm_id = rdma_create_id(&init_net, srpt_rdma_cm_handler, NULL,
			       RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(cm_id))
		return cm_id;
	/* One listener on the IPv6 any-address also takes IPv4 logins. */
	ret = rdma_set_afonly(cm_id, 0);
	if (!ret)
		ret = rdma_bind_addr(cm_id, (struct sockaddr *)&addr);
	if (!ret)
		ret = rdma_listen(cm_id, 128);
	if (ret) {
		rdma_destroy_id(cm_id);
		return ERR_PTR(ret);
	}
	return cm_id;
}

/**
 * srpt_set_rdma_cm_port - change the RDMA/CM listener port
 * @port: new port, 0 to stop listening.
 *
 * Before the module is initialised (a module parameter) only records
 * @port. If the new listener cannot be created the old one stays.
 * srpt_rdma_cm_port is nonzero only while a listener on it runs, so that
 * login_info never advertises a port nobody listens on and writing the
 * port again retries a listener that failed.
 * Return: 0 or -EINVAL.
 */
int srpt_set_rdma_cm_port(u16 port)
{
	struct rdma_cm_id *old, *new = NULL;

	mutex_lock(&srpt_listen_mutex);
	if (!srpt_cm_running ||
	    (port == srpt_rdma_cm_port && (!port || srpt_rdma_listener))) {
		WRITE_ONCE(srpt_rdma_cm_port, port);
		mutex_unlock(&srpt_listen_mutex);
		return 0;
	}
	if (port) {
		new = srpt_rdma_cm_create_listener(port);
		if (IS_ERR(new)) {
			mutex_unlock(&srpt_listen_mutex);
			pr_warn("rdma_cm_port: cannot listen on port %u (%ld)\n",
				port, PTR_ERR(new));
			return -EINVAL;
		}
		pr_info("RDMA/CM: listening on port %u\n", port);
	}
	old = srpt_rdma_listener;
	srpt_rdma_listener = new;
	WRITE_ONCE(srpt_rdma_cm_port, port);
	mutex_unlock(&srpt_listen_mutex);
	if (old)
		rdma_destroy_id(old);
	return 0;
}

u16 srpt_get_rdma_cm_port(void)
{
	return READ_ONCE(srpt_rdma_cm_port);
}

/* Start the RDMA/CM listener configured before module init, if any. */
int srpt_cm_start(void)
{
	struct rdma_cm_id *cm_id = NULL;
	int ret = 0;

	mutex_lock(&srpt_listen_mutex);
	srpt_cm_running = true;
	if (srpt_rdma_cm_port) {
		cm_id = srpt_rdma_cm_create_listener(srpt_rdma_cm_port);
		if (IS_ERR(cm_id)) {
			ret = PTR_ERR(cm_id);
			pr_err("rdma_cm_port: cannot listen on port %u (%d); write the port to discovery_auth/rdma_cm_port to retry\n",
			       srpt_rdma_cm_port, ret);
			/* Nobody listens on it: do not advertise it. */
			WRITE_ONCE(srpt_rdma_cm_port, 0);
			cm_id = NULL;
		} else {
			pr_info("RDMA/CM: listening on port %u\n",
				srpt_rdma_cm_port);
		}
	}
	srpt_rdma_listener = cm_id;
	mutex_unlock(&srpt_listen_mutex);
	return ret;
}

void srpt_cm_stop(void)
{
	struct rdma_cm_id *cm_id;

	mutex_lock(&srpt_listen_mutex);
	srpt_cm_running = false;
	cm_id = srpt_rdma_listener;
	srpt_rdma_listener = NULL;
	mutex_unlock(&srpt_listen_mutex);
	if (cm_id)
		rdma_destroy_id(cm_id);
}
