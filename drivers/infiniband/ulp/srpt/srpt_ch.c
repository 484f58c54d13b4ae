// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: channels and their lifetime.
 *
 * A channel is one RC queue pair of an I_T nexus (SRP r16a 5.6). This file
 * owns its state machine (srpt.h, enum srpt_ch_state), its resources -- CQ,
 * QP, receive ring or SRQ, send contexts and target-initiated IU buffers,
 * allocated through the files that own their kind -- the nexus it joins, and
 * its release. srpt_cm.c decides whether a login gets a channel and
 * connects it; the I/O path only asks whether a channel is live and closes
 * it. What differs between IB/CM and RDMA/CM (creating the QP, moving it
 * to RTR, disconnecting, destroying the CM id) the channel asks of its
 * connection manager through ch->cm (struct srpt_cm_ops): this file calls
 * no connection manager, and nothing in srpt_cm.c.
 *
 * Rules:
 * - A channel is freed only by its release work (srpt_release_ch_work),
 *   queued once on srpt_wq when the channel enters CLOSING, or, for a login
 *   that is rejected, synchronously in the CM callback (srpt_release_ch_now).
 * - CM ids are destroyed only from the release work (a rejected login's by
 *   the CM itself, when its callback returns an error), never under
 *   srpt_mutex (destroying a CM id waits for its running callbacks, which
 *   may be waiting for srpt_mutex).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

static void srpt_release_ch_work(struct work_struct *work);

void srpt_format_port_id(char *buf, size_t len, const u8 id[16])
{
	snprintf(buf, len, "0x%016llx%016llx",
		 get_unaligned_be64(id), get_unaligned_be64(id + 8));
}

/* ----- channel state ---------------------------------------------------- */

/* Move @ch to @new_state; returns the previous state. */
static enum srpt_ch_state srpt_ch_set_state(struct srpt_rdma_ch *ch,
					    enum srpt_ch_state new_state)
{
	enum srpt_ch_state old;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	old = ch->state;
	if (new_state > old)
		WRITE_ONCE(ch->state, new_state);
	spin_unlock_irqrestore(&ch->lock, flags);
	return old;
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
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	srpt_ch_close_locked(ch);
	spin_unlock_irqrestore(&ch->lock, flags);
}

/**
 * srpt_ch_close_locked - srpt_ch_close() with ch->lock held
 * @ch: the channel.
 *
 * For a caller that may not touch @ch once it drops the lock: from the
 * moment the channel is CLOSING its release work may run and free it as
 * soon as nothing holds it (a send context parked on ch->post_failed_list
 * does not: the release finishes it itself).
 */
void srpt_ch_close_locked(struct srpt_rdma_ch *ch)
{
	lockdep_assert_held(&ch->lock);
	if (ch->state >= SRPT_CH_CLOSING)
		return;
	WRITE_ONCE(ch->state, SRPT_CH_CLOSING);
	pr_info("%s: closing channel\n", ch->name);
	queue_work(srpt_wq, &ch->release_work);
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
		WRITE_ONCE(ch->state, SRPT_CH_LIVE);
	spin_unlock_irqrestore(&ch->lock, flags);
	if (was_connecting && notify_cm)
		ch->cm->notify_established(ch);
}

/**
 * srpt_ch_disconnect_missed - the release work disconnected before the RTU
 * @ch: the channel; its cm_id has just become ESTABLISHED (the CM moves it
 *      there before it reports RTU_RECEIVED or ESTABLISHED).
 *
 * A channel closed before the RTU (its first IU made it live, then it was
 * logged out or closed) is disconnected by the release work once its
 * SRP_T_LOGOUT is through (srpt_release_ch()). If that happened while the
 * cm_id was still in REP_SENT, its disconnect could send neither DREQ
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
bool srpt_ch_disconnect_missed(struct srpt_rdma_ch *ch)
{
	unsigned long flags;
	bool missed;

	spin_lock_irqsave(&ch->lock, flags);
	missed = ch->state == SRPT_CH_RELEASING;
	spin_unlock_irqrestore(&ch->lock, flags);
	return missed;
}

/* ----- queue pair and resources ----------------------------------------- */

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
 * Gather entries per send work request. Every send queue entry is sized for
 * max_send_sge of them (rxe and mlx5 alike), so fewer bound the send
 * queue's memory: with 16 an entry takes half what it does with 32 (rxe:
 * 512 instead of 1024 bytes), and a READ or WRITE of 64 KiB in 4 KiB pages
 * is still one RDMA operation. A small send queue gets more, up to the
 * device's limit, so that the largest transfer without memory registration
 * (srp_max_rdma_size in pages, one RDMA operation per max_send_sge of
 * them) still fits beside its response (srpt_check_fits()).
 */
static u32 srpt_send_sge(struct srpt_rdma_ch *ch)
{
	u32 pages = DIV_ROUND_UP(ch->max_rdma_size, PAGE_SIZE);
	u32 sge = DIV_ROUND_UP(pages, max_t(u32, ch->sq_size, 2) - 1);

	return min_t(u32, ch->sdev->ib_dev->attrs.max_send_sge,
		     max_t(u32, sge, SRPT_MIN_SEND_SGE));
}

/*
 * Send queue entries beyond srp_sq_size for unsignaled responses and the
 * fence (srpt_io.c, "unsignaled responses").
 */
static u32 srpt_unsig_wrs(const struct srpt_rdma_ch *ch)
{
	return ch->unsig_max ? ch->unsig_max + 1 : 0;
}

/*
 * The unsignaled responses' budget of a channel whose sq_size, rq_size
 * and cq_size (without the budget) are set: at most half the credits, so
 * that those whose entries the device still holds cannot make an honest
 * initiator look like one exceeding REQ_LIM (srpt_get_send_ioctx()), and
 * what the device's QP and CQ limits leave beyond them. None for fewer
 * than two (half may wait unclaimed), nor on iWARP, where hardware has not
 * been checked for the fence's zero-byte RDMA WRITE: every response is
 * signaled then, as without this.
 */
static u32 srpt_unsig_budget(const struct srpt_rdma_ch *ch)
{
	const struct ib_device_attr *attrs = &ch->sdev->ib_dev->attrs;
	u32 n = min_t(u32, SRPT_UNSIG_MAX, ch->rq_size / 2);
	u32 qp_room = 0, cq_room = 0;

	if (rdma_protocol_iwarp(ch->sdev->ib_dev, ch->sport->port_num))
		return 0;
	/* The drain's send and the fence. */
	if (attrs->max_qp_wr > 0 && (u32)attrs->max_qp_wr > ch->sq_size + 2)
		qp_room = attrs->max_qp_wr - ch->sq_size - 2;
	/* The fence's completion. */
	if (attrs->max_cqe > 0 && (u32)attrs->max_cqe > ch->cq_size + 1)
		cq_room = attrs->max_cqe - ch->cq_size - 1;
	n = min3(n, qp_room, cq_room);
	return n < 2 ? 0 : n;
}

/*
 * Send every response signaled: the QP has no room for the budget, or
 * no inline sends. Context: setup, nothing posted yet.
 */
static void srpt_no_unsig(struct srpt_rdma_ch *ch)
{
	ch->unsig_max = 0;
	atomic_set(&ch->unsig_avail, 0);
}

/*
 * @trim: ask for the send queue entries that rdma_rw_init_qp() adds on its
 * own (see srpt_create_qp()) that much smaller.
 */
static int srpt_create_qp_inline(struct srpt_rdma_ch *ch, u32 max_inline,
				 bool trim)
{
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
	init.cap.max_send_wr = ch->sq_size + 1 + srpt_unsig_wrs(ch);
	ch->rdma_ctxs = srpt_rdma_ctxs(ch);
	init.cap.max_rdma_ctxs = ch->rdma_ctxs;
	if (trim)
		init.cap.max_send_wr -= min(ch->rdma_ctxs, ch->sq_size);
	init.cap.max_send_sge = srpt_send_sge(ch);
	init.cap.max_recv_wr = ch->srq ? 0 : ch->rq_size + 1;
	init.cap.max_recv_sge = 1;
	init.cap.max_inline_data = max_inline;

	ret = ch->cm->create_qp(ch, &init);
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

/*
 * The send queue entries the QP really has, as its driver reports them, or
 * 0 where it does not report them.
 */
static u32 srpt_qp_send_room(struct srpt_rdma_ch *ch)
{
	struct ib_qp_init_attr init = {};
	struct ib_qp_attr attr = {};

	if (ib_query_qp(ch->qp, &attr, IB_QP_CAP, &init))
		return 0;
	return attr.cap.max_send_wr;
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
 * + 1; if it has not, or its driver does not say (or an RDMA core no
 * longer adds), it is created again without that. A QP that says it has
 * less room than the accounting assumes even then is refused: the
 * accounting would overflow its send queue.
 */
static int srpt_create_qp(struct srpt_rdma_ch *ch)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	u32 need = ch->sq_size + 1 + srpt_unsig_wrs(ch), room;
	bool trim = true;
	int ret;

	for (;;) {
		/* Devices without inline sends may refuse to create the QP. */
		ret = srpt_create_qp_inline(ch, SRPT_RSP_INLINE, trim);
		if (ret)
			ret = srpt_create_qp_inline(ch, 0, trim);
		if (ret) {
			pr_info("%s: cannot create a QP with %u send WRs (%d)\n",
				ch->name, ch->sq_size, ret);
			return ret;
		}
		room = srpt_qp_send_room(ch);
		if (!ch->max_inline && ch->unsig_max) {
			/* No response can go unsignaled (srpt_unsig_ok()). */
			srpt_no_unsig(ch);
			need = ch->sq_size + 1;
		}
		if (room >= need || (!trim && !room))
			return 0;
		if (!trim)
			break;
		pr_info_ratelimited("%s: %s: QP send queue of %u entries, not %u; asking for rdma_rw's entries too\n",
				    dev_name(&ib_dev->dev), ch->name, room, need);
		ch->cm->destroy_qp(ch);
		trim = false;
	}
	if (ch->unsig_max && room >= ch->sq_size + 1) {
		pr_info("%s: %s: QP send queue of %u entries, not %u: every response signaled\n",
			dev_name(&ib_dev->dev), ch->name, room, need);
		srpt_no_unsig(ch);
		return 0;
	}
	pr_warn("%s: %s: QP send queue of %u entries, %u needed\n",
		dev_name(&ib_dev->dev), ch->name, room, need);
	ch->cm->destroy_qp(ch);
	return -ENOMEM;
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

/*
 * Entries of the CQs the RDMA core's CQ pool makes: IB_MAX_SHARED_CQ_SZ in
 * drivers/infiniband/core/cq.c, which no header exports.
 * ib_cq_pool_get() takes a CQ of the vector asked for that has room; when
 * there is none, ib_alloc_cqs() makes one CQ of max(entries asked for,
 * 4096) entries (at most max_cqe) on every vector in use at once, and the
 * pool keeps them until the device goes away.
 */
#define SRPT_CQ_POOL_CQE	4096

/**
 * srpt_nr_vectors - the completion vectors of a device
 * @ib_dev: the RDMA device.
 *
 * Return: its num_comp_vectors, counted as 1 if it reports none: a CQ is
 * on some vector. Every use of the number goes through here.
 */
u32 srpt_nr_vectors(struct ib_device *ib_dev)
{
	return max(ib_dev->num_comp_vectors, 1);
}

/**
 * srpt_usable_vectors - the completion vectors a channel's CQ can be on
 * @ib_dev: the RDMA device.
 *
 * ib_cq_pool_get() uses a vector asked for modulo min(num_comp_vectors,
 * num_online_cpus()), those of online CPUs, and a CQ of a channel's own is
 * put on one of those too.
 *
 * Return: that number, at least 1.
 */
u32 srpt_usable_vectors(struct ib_device *ib_dev)
{
	return max_t(u32, 1, min_t(u32, srpt_nr_vectors(ib_dev),
				   num_online_cpus()));
}

/**
 * srpt_get_cq - the completion queue of a new channel
 * @ch:         the channel; @ch->cq_size is set.
 * @vector:     the completion vector, below srpt_usable_vectors().
 * @restricted: the TPG's channels use only some of the usable vectors.
 *
 * From the CQ pool where a pool CQ can be shared: one holds at least two
 * such channels. A larger CQ would have a pool CQ to itself anyway, and
 * taking it from the pool costs more than that: when the vector has no
 * room left, the pool makes a CQ of that size on every usable vector at
 * once, and keeps them all until the device goes away, also those no
 * channel ever takes. So such a channel allocates its CQ itself and frees
 * it with the channel. (A driver may round a CQ up, so that a pool CQ
 * would have held a second channel after all: that sharing is what the
 * channel forgoes.) So does a channel whose TPG's comp_v_mask leaves out
 * some usable vectors, however small its CQ: its TPG's channels would
 * never take the pool's CQs on those.
 *
 * Sets @ch->cq, @ch->cq_own and @ch->comp_vector, the vector the CQ is
 * really on.
 * Return: 0 or a negative errno (@ch->cq is then NULL).
 */
static int srpt_get_cq(struct srpt_rdma_ch *ch, int vector, bool restricted)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	u32 pool_cqe = min_t(u32, SRPT_CQ_POOL_CQE, ib_dev->attrs.max_cqe);
	int ret;

	ch->cq_own = restricted || 2 * ch->cq_size > pool_cqe;
	if (ch->cq_own)
		ch->cq = ib_alloc_cq(ib_dev, ch, ch->cq_size, vector,
				     IB_POLL_WORKQUEUE);
	else
		ch->cq = ib_cq_pool_get(ib_dev, ch->cq_size, vector,
					IB_POLL_WORKQUEUE);
	if (IS_ERR(ch->cq)) {
		ret = PTR_ERR(ch->cq);
		ch->cq = NULL;
		pr_info_ratelimited("%s: cannot %s a CQ of %u entries (%d)\n",
				    ch->name, ch->cq_own ? "allocate" : "get",
				    ch->cq_size, ret);
		return ret;
	}
	ch->comp_vector = ch->cq->comp_vector;
	return 0;
}

/* Give the channel's CQ back to the pool, or free it if it is its own. */
static void srpt_put_cq(struct srpt_rdma_ch *ch)
{
	if (!ch->cq)
		return;
	if (ch->cq_own)
		ib_free_cq(ch->cq);
	else
		ib_cq_pool_put(ch->cq, ch->cq_size);
	ch->cq = NULL;
}

/**
 * srpt_ch_sq_size - send queue entries of a new channel
 * @sdev:        its device.
 * @tpg_sq_size: the TPG's attrib/srp_sq_size.
 *
 * Return: @tpg_sq_size, but one entry below the device's limit: the QP has
 * one more for the drain's send (ib_drain_sq()).
 */
u32 srpt_ch_sq_size(struct srpt_device *sdev, u32 tpg_sq_size)
{
	return min_t(u32, tpg_sq_size, sdev->ib_dev->attrs.max_qp_wr - 1);
}

/**
 * srpt_ch_credits - the credits a login is granted
 * @sdev:    the device.
 * @sq_size: the channel's send queue entries (srpt_ch_sq_size()).
 * @use_srq: the channel receives through a shared receive queue.
 *
 * One credit per receive buffer the initiator may fill (SRP r16a 5.4.2):
 * a channel's own ring has min(@sq_size, SRPT_MAX_RQ_SIZE) buffers. The
 * buffers of an SRQ are shared, so there the credits only bound the
 * channel's commands in flight, but never exceed the SRQ's buffers.
 * srpt_setup_ch() and the DM agent's IOControllerProfile both use this.
 *
 * Return: the REQUEST LIMIT DELTA of the SRP_LOGIN_RSP (SRP r16a 6.3).
 */
u32 srpt_ch_credits(struct srpt_device *sdev, u32 sq_size, bool use_srq)
{
	u32 credits = min_t(u32, sq_size, SRPT_MAX_RQ_SIZE);

	return use_srq ? min(credits, srpt_srq_buffers(sdev)) : credits;
}

/**
 * srpt_choose_vector - the completion vector of a new channel
 * @ch:         the channel.
 * @tpg:        its TPG, whose comp_v_mask lists the vectors it may use.
 * @nexus:      the I_T nexus it joins, or NULL for a new one.
 * @restricted: set if the channels of @tpg use only some of the usable
 *              vectors.
 *
 * Round robin, in order, over the usable vectors (srpt_usable_vectors())
 * that the mask names. A vector of the device beyond them counts as the
 * one the CQ pool folds it onto (srpt_next_vector()), so that the vector
 * chosen is the one the CQ gets and the round robin goes on from there. A
 * channel joining a nexus takes the vector after that of the nexus'
 * newest channel, so that one initiator's channels land on different
 * vectors (as many as the mask has) even when other logins come in
 * between; the first channel of a nexus takes the one after the device's
 * latest channel's, so that sessions spread over the vectors whichever
 * target port and TPG they log in to. A mask that names none of this
 * device's vectors (written while the target port was absent, or for
 * another HCA) falls back to all of them, with a warning.
 *
 * The device's latest channel is the latest accepted: srpt_try_login()
 * sets sdev->last_vector to the vector the channel's CQ really got once it
 * accepts the login, so that a rejected login leaves the round robin where
 * it was.
 *
 * Context: srpt_mutex held (it protects the mask and sdev->last_vector).
 * Return: the vector to put the channel's CQ on.
 */
static int srpt_choose_vector(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg,
			      struct srpt_nexus *nexus, bool *restricted)
{
	struct srpt_device *sdev = ch->sdev;
	u32 nvec = srpt_nr_vectors(sdev->ib_dev);
	u32 usable = srpt_usable_vectors(sdev->ib_dev);
	u32 bits = srpt_comp_v_bits();
	const unsigned long *mask;
	int last = sdev->last_vector, v;

	lockdep_assert_held(&srpt_mutex);
	mask = tpg->attrib.comp_v_all ? NULL : tpg->attrib.comp_v_mask;
	if (nexus && !list_empty(&nexus->ch_list))
		last = list_last_entry(&nexus->ch_list, struct srpt_rdma_ch,
				       nexus_node)->comp_vector;
	v = srpt_next_vector(mask, bits, nvec, usable, last);
	if (v < 0) {
		pr_warn_ratelimited("%s: attrib/comp_v_mask of %s/%s names none of the %u completion vectors of %s; using all of them\n",
				    ch->name, tpg->tport->name,
				    config_item_name(&tpg->se_tpg.tpg_group.cg_item),
				    nvec, dev_name(&sdev->ib_dev->dev));
		mask = NULL;
		v = srpt_next_vector(NULL, bits, nvec, usable, last);
	}
	*restricted = srpt_count_vectors(mask, bits, nvec, usable) < usable;
	return v;
}

/* Channel resources: CQ, QP, receive buffers and send contexts. */
int srpt_setup_ch(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg,
		  struct srpt_nexus *nexus)
{
	struct srpt_device *sdev = ch->sdev;
	struct ib_device *ib_dev = sdev->ib_dev;
	bool use_srq = READ_ONCE(tpg->attrib.use_srq);
	bool restricted;
	int vector, ret;

	ch->sq_size = srpt_ch_sq_size(sdev, READ_ONCE(tpg->attrib.sq_size));
	ch->max_ti_iu_len = READ_ONCE(tpg->attrib.max_rsp_size);
	ch->max_rdma_size = READ_ONCE(tpg->attrib.max_rdma_size);
	/* It would get no credits, and there is no SRQ to attach it to. */
	if (use_srq && !sdev->nr_srqs) {
		pr_info_ratelimited("%s: use_srq=1, but %s has no shared receive queues\n",
				    ch->name, dev_name(&ib_dev->dev));
		return -EOPNOTSUPP;
	}
	/*
	 * Every SRQ of the device has the same size, so a channel's credits
	 * and CQ size do not depend on which one it gets.
	 */
	ch->rq_size = srpt_ch_credits(sdev, ch->sq_size, use_srq);

	/*
	 * Completions are handled in process context (IB_POLL_WORKQUEUE):
	 * a receive may run the command in the backend inline through
	 * target_submit(), an RDMA READ completion calls target_execute_cmd(),
	 * and rdma_rw_ctx_init() allocates with GFP_KERNEL. Channels are
	 * spread round-robin over the completion vectors of comp_v_mask.
	 */
	vector = srpt_choose_vector(ch, tpg, nexus, &restricted);
	/*
	 * Every work request we post completes here, flushed ones included:
	 * the send queue accounting keeps at most sq_size posted (rdma_rw's
	 * registration requests counted) plus the unsignaled responses and
	 * the fence, the receive side at most rq_size
	 * (with an SRQ, as many as the SRQ holds: an initiator that ignores
	 * its credits can fill them all before the violation is seen), and
	 * ib_drain_qp() adds one send and one receive of its own.
	 */
	ch->cq_size = ch->sq_size +
		      (use_srq ? srpt_srq_buffers(sdev) : ch->rq_size) + 2;
	/* ib_alloc_cq() would refuse a larger one; say which limit it is. */
	if (ch->cq_size > ib_dev->attrs.max_cqe) {
		pr_info("%s: a CQ of %u entries exceeds the device's %d (srp_sq_size, srpt_srq_size)\n",
			ch->name, ch->cq_size, ib_dev->attrs.max_cqe);
		return -EINVAL;
	}
	ch->unsig_max = srpt_unsig_budget(ch);
	ch->cq_size += srpt_unsig_wrs(ch);
	ret = srpt_get_cq(ch, vector, restricted);
	if (ret)
		return ret;
	/*
	 * The SRQ of the vector the CQ is on: a buffer completes on the CQ of
	 * the QP that took it.
	 */
	if (use_srq) {
		ch->srq = srpt_get_srq(sdev, ch->comp_vector);
		if (!ch->srq)
			return -ENOMEM;
	}
	ret = srpt_alloc_ch_ioctxs(ch);
	if (!ret)
		ret = srpt_alloc_msg_ius(ch);
	if (ret)
		return ret;
	ret = srpt_create_qp(ch);
	if (ret)
		return ret;
	ret = ch->cm->modify_qp(ch, IB_QPS_INIT);
	if (ret)
		return ret;
	ret = srpt_post_ch_recvs(ch);
	if (ret)
		return ret;
	return ch->cm->modify_qp(ch, IB_QPS_RTR);
}

struct srpt_rdma_ch *srpt_alloc_ch(struct srpt_login *lg)
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
	INIT_HLIST_HEAD(&ch->free_ioctxs);
	INIT_LIST_HEAD(&ch->sq_wait_list);
	INIT_LIST_HEAD(&ch->unsig_waiters);
	INIT_LIST_HEAD(&ch->table_list);
	INIT_HLIST_HEAD(&ch->unanswered);
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

/* ----- the I_T nexus ---------------------------------------------------- */

/* The channels of @nexus. Context: srpt_mutex held. */
u32 srpt_nexus_ch_count(struct srpt_nexus *nexus)
{
	struct srpt_rdma_ch *ch;
	u32 n = 0;

	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		n++;
	return n;
}

/*
 * Close every channel of @nexus. It stays on its TPG's list until its last
 * channel is released, but no login joins it any more (SRP r16a 5.6.2: a
 * MULTI login joins a live I_T nexus only).
 * Context: srpt_mutex held.
 */
void srpt_end_nexus(struct srpt_nexus *nexus, u32 reason)
{
	struct srpt_rdma_ch *ch;

	lockdep_assert_held(&srpt_mutex);
	nexus->ending = true;
	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		srpt_ch_logout(ch, reason);
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
struct srpt_nexus *srpt_new_nexus(struct srpt_tpg *tpg, const u8 i_port_id[16],
				  const char *acl)
{
	struct srpt_nexus *nexus;

	nexus = kzalloc(sizeof(*nexus), GFP_KERNEL);
	if (!nexus)
		return ERR_PTR(-ENOMEM);
	static atomic_t srpt_next_sid = ATOMIC_INIT(0);

	INIT_LIST_HEAD(&nexus->ch_list);
	spin_lock_init(&nexus->tmf_lock);
	INIT_LIST_HEAD(&nexus->answer_list);
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

/* ----- release ---------------------------------------------------------- */

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
void srpt_qp_to_err(struct srpt_rdma_ch *ch)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	ib_modify_qp(ch->qp, &attr, IB_QP_STATE);
}

/*
 * A QP on an SRQ may still take buffers from it after entering the error
 * state; IB_EVENT_QP_LAST_WQE_REACHED (IBTA 11.6.3.2) says it takes no
 * more, and only then are all its receive completions on the CQ ahead of
 * the drain's. 6.1's ib_drain_qp() drains only the send queue of such a
 * QP and does not wait for the event; since 6.11 it also waits up to 60 s
 * for it and polls the CQ itself (a pool CQ other channels may share), so
 * such a QP's release drains only its send queue, after this. A device
 * never seen to report the event gets a short grace period instead of a
 * long wait per channel.
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
		ch->cm->disconnect(ch);
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

	ch->cm->destroy(ch, cm_owns_id);
	srpt_free_ch_ioctxs(ch);
	srpt_free_msg_ius(ch);
	srpt_put_cq(ch);
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
 * it frees the SRQs the QP may be attached to.
 */
void srpt_release_ch_now(struct srpt_rdma_ch *ch)
{
	srpt_ch_set_state(ch, SRPT_CH_CLOSING);
	srpt_release_ch(ch, true);
}

/* ----- closing channels from outside: device, TPG, ACL ------------------ */

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
