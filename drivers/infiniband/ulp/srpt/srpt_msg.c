// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: target-initiated requests.
 *
 * SRP_T_LOGOUT (SRP r16a 6.5) tells the initiator why the target is about
 * to disconnect a channel; SRP_CRED_REQ (SRP r16a 6.11) returns credits
 * when no SRP_RSP is coming to carry them. Each channel has one
 * preallocated buffer for each, so neither depends on a free send context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <scsi/srp.h>

#include "srpt.h"

/* How long a closing channel waits for its SRP_T_LOGOUT to be sent. */
#define SRPT_T_LOGOUT_TIMEOUT	(2 * HZ)

static void srpt_msg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_msg_iu *iu = container_of(wc->wr_cqe, struct srpt_msg_iu,
					      cqe);
	struct srpt_rdma_ch *ch = iu->ch;

	unsigned long flags;

	srpt_sq_return(ch, 1);
	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR)
		pr_info("%s: sending a target request failed: %s\n", ch->name,
			ib_wc_status_msg(wc->status));
	else if (wc->status == IB_WC_WR_FLUSH_ERR && iu == &ch->logout_iu)
		pr_info("%s: SRP_T_LOGOUT flushed before it was acknowledged\n",
			ch->name);
	clear_bit_unlock(0, &iu->busy);
	complete(&iu->done);
	/* Credits owed while this SRP_CRED_REQ was out go in the next one. */
	if (iu == &ch->cred_iu) {
		spin_lock_irqsave(&ch->lock, flags);
		srpt_check_credit_stall_locked(ch);
		spin_unlock_irqrestore(&ch->lock, flags);
	}
}

static int srpt_alloc_msg_iu(struct srpt_rdma_ch *ch, struct srpt_msg_iu *iu)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;

	iu->ch = ch;
	iu->cqe.done = srpt_msg_done;
	init_completion(&iu->done);
	iu->buf = kzalloc(SRPT_MSG_IU_LEN, GFP_KERNEL);
	if (!iu->buf)
		return -ENOMEM;
	iu->dma = ib_dma_map_single(ib_dev, iu->buf, SRPT_MSG_IU_LEN,
				    DMA_TO_DEVICE);
	if (ib_dma_mapping_error(ib_dev, iu->dma)) {
		kfree(iu->buf);
		iu->buf = NULL;
		return -ENOMEM;
	}
	ch->mem_other += kmalloc_size_roundup(SRPT_MSG_IU_LEN);
	return 0;
}

static void srpt_free_msg_iu(struct srpt_rdma_ch *ch, struct srpt_msg_iu *iu)
{
	if (!iu->buf)
		return;
	ib_dma_unmap_single(ch->sdev->ib_dev, iu->dma, SRPT_MSG_IU_LEN,
			    DMA_TO_DEVICE);
	kfree(iu->buf);
	iu->buf = NULL;
}

int srpt_alloc_msg_ius(struct srpt_rdma_ch *ch)
{
	int ret = srpt_alloc_msg_iu(ch, &ch->logout_iu);

	return ret ? ret : srpt_alloc_msg_iu(ch, &ch->cred_iu);
}

void srpt_free_msg_ius(struct srpt_rdma_ch *ch)
{
	srpt_free_msg_iu(ch, &ch->logout_iu);
	srpt_free_msg_iu(ch, &ch->cred_iu);
}

/*
 * Post @len bytes of @iu. Context: ch->lock held, channel live; fails if
 * the previous use of @iu has not completed or the send queue is full.
 * The entry comes from the channel's one send queue account
 * (srpt_sq_post_one_locked()); these single IUs may pass commands waiting
 * for space: at most one of each is posted at a time, and SRP_CRED_REQ only
 * with nothing in flight.
 */
static bool srpt_post_msg_locked(struct srpt_rdma_ch *ch,
				 struct srpt_msg_iu *iu, u32 len)
{
	struct ib_send_wr wr = {};
	struct ib_sge sge;

	lockdep_assert_held(&ch->lock);
	if (!iu->buf || test_and_set_bit_lock(0, &iu->busy))
		return false;
	ib_dma_sync_single_for_device(ch->sdev->ib_dev, iu->dma, len,
				      DMA_TO_DEVICE);
	sge.addr = iu->dma;
	sge.length = len;
	sge.lkey = ch->sdev->pd->local_dma_lkey;
	wr.wr_cqe = &iu->cqe;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	/*
	 * Reset even if the post below finds no free entry: the only waiter,
	 * srpt_wait_t_logout() in the release work, starts after the last
	 * post that can happen (LIVE -> CLOSING is one-way, under ch->lock).
	 */
	reinit_completion(&iu->done);
	if (!srpt_sq_post_one_locked(ch, &wr))
		return true;
	clear_bit_unlock(0, &iu->busy);
	return false;
}

/**
 * srpt_send_t_logout - tell the initiator the channel is being closed
 * @ch:     the channel.
 * @reason: SRP r16a table 12 reason code.
 *
 * Context: ch->lock held, channel still LIVE.
 * Return: whether the SRP_T_LOGOUT was posted.
 */
bool srpt_send_t_logout(struct srpt_rdma_ch *ch, u32 reason)
{
	struct srp_t_logout *logout = ch->logout_iu.buf;

	if (!logout)
		return false;
	return srpt_post_msg_locked(ch, &ch->logout_iu,
				    srpt_build_t_logout(logout, reason));
}

/*
 * An SRP_T_LOGOUT is posted and not yet completed: the release work waits
 * for it (srpt_wait_t_logout()) before it disconnects.
 */
static bool srpt_t_logout_pending(struct srpt_rdma_ch *ch)
{
	return test_bit(0, &ch->logout_iu.busy);
}

/* The release work lets a posted SRP_T_LOGOUT go out before disconnecting. */
void srpt_wait_t_logout(struct srpt_rdma_ch *ch)
{
	if (srpt_t_logout_pending(ch) &&
	    !wait_for_completion_timeout(&ch->logout_iu.done,
					 SRPT_T_LOGOUT_TIMEOUT))
		pr_info("%s: SRP_T_LOGOUT not acknowledged in time\n", ch->name);
}

/**
 * srpt_check_credit_stall_locked - return owed credits with an SRP_CRED_REQ
 * @ch: the channel.
 *
 * Credits normally travel in SRP_RSP. With no command in flight no
 * response is coming, so credits owed now (for IUs that get no response)
 * would strand the initiator once it runs out (SRP r16a 5.4.2).
 * Context: ch->lock held.
 */
void srpt_check_credit_stall_locked(struct srpt_rdma_ch *ch)
{
	struct srp_cred_req *req = ch->cred_iu.buf;
	int delta;
	u32 len;

	lockdep_assert_held(&ch->lock);
	if (ch->state != SRPT_CH_LIVE || ch->in_flight ||
	    !atomic_read(&ch->req_lim_delta) || test_bit(0, &ch->cred_iu.busy))
		return;
	delta = atomic_xchg(&ch->req_lim_delta, 0);
	/* The tag is opaque to the initiator. */
	len = srpt_build_cred_req(req, ch->cred_tag + 1, delta);
	if (srpt_post_msg_locked(ch, &ch->cred_iu, len)) {
		ch->cred_tag++;
		ch->cred_unanswered++;
		pr_debug("%s: SRP_CRED_REQ returns %d credits\n", ch->name,
			 delta);
	} else {
		atomic_add(delta, &ch->req_lim_delta);
	}
}
