// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: the I/O path.
 *
 * An SRP_CMD (SRP r16a 6.8) arrives in a receive buffer, is parsed
 * (srpt_parse_cmd(), srpt_proto.c) into a send context (srpt_send_ioctx)
 * and handed to target_core. Write data is fetched with RDMA READs (or
 * taken in place when it came as immediate data), read data is pushed
 * with RDMA WRITEs chained in front of the SRP_RSP send, all through the
 * RDMA R/W API.
 *
 * Send queue accounting: see "the send queue" below; the send queue can
 * never overflow and a waiting chain is never overtaken by a new one.
 *
 * Credits (SRP r16a 5.4.2): every request (SRP_CMD, SRP_TSK_MGMT) uses one
 * credit, and gets it back in the REQ LIMIT DELTA of the SRP_RSP that
 * answers it; a request released without an answer (aborted, channel
 * closing) owes its credit to the next response or an SRP_CRED_REQ. The
 * receive buffer is always reposted before the credit goes back, so the
 * initiator never has more requests outstanding than the login granted,
 * and the target never more than ch->rq_size unanswered.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/sizes.h>
#include <linux/dma-mapping.h>
#include <linux/error-injection.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <rdma/rw.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>
#include <scsi/srp.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

static void srpt_recv_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_rdma_read_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_send_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_rw_retry_work(struct work_struct *work);
static void srpt_unsig_init(struct srpt_rdma_ch *ch);

/* ----- buffers ---------------------------------------------------------- */

/**
 * srpt_kv_bytes - memory that a kvmalloc() of @size took
 * @p:    what it returned.
 * @size: what was asked for.
 *
 * Return: the kmalloc() bucket, or the pages of a vmalloc() area.
 */
static size_t srpt_kv_bytes(const void *p, size_t size)
{
	if (!p)
		return 0;
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) :
	       kmalloc_size_roundup(size);
}

/*
 * Receive buffers are carved out of page allocations ("chunks") of up to
 * SRPT_RECV_MAX_CHUNK bytes, at a fixed stride, instead of one
 * power-of-two kmalloc() each: an 8260-byte IU takes 8704 bytes rather
 * than 16 KiB. Each buffer is still DMA-mapped on its own.
 */
#define SRPT_RECV_MAX_CHUNK	SZ_128K

/*
 * The distance between two buffers of a chunk. Immediate data at
 * @imm_data_offset must start on an SRPT_IMM_ALIGN boundary: a buffer starts
 * @shift bytes into its slot and the slots are multiples of SRPT_IMM_ALIGN,
 * so every buffer's immediate data is SRPT_IMM_ALIGN aligned.
 * Without immediate data, buffers mapped DMA_FROM_DEVICE must only not
 * share a cache line. Slots never overlap, so neither do two buffers'
 * cache lines.
 */
static u32 srpt_recv_stride(u32 len, u32 imm_data_offset, u32 *shift)
{
	u32 align = max_t(u32, dma_get_cache_alignment(), cache_line_size());

	*shift = 0;
	if (imm_data_offset) {
		*shift = round_up(imm_data_offset, SRPT_IMM_ALIGN) -
			 imm_data_offset;
		align = max_t(u32, align, SRPT_IMM_ALIGN);
	}
	return round_up(*shift + len, align);
}

/* The chunk order that wastes the least memory per buffer. */
static unsigned int srpt_recv_chunk_order(u32 stride)
{
	unsigned int min_order = get_order(stride), order, best = min_order;
	unsigned long best_per = (PAGE_SIZE << min_order) / stride;

	for (order = min_order + 1; order <= get_order(SRPT_RECV_MAX_CHUNK);
	     order++) {
		unsigned long per = (PAGE_SIZE << order) / stride;

		/* Bytes per buffer, (PAGE_SIZE << order) / per, smaller? */
		if ((PAGE_SIZE << order) * best_per <
		    (PAGE_SIZE << best) * per) {
			best = order;
			best_per = per;
		}
	}
	return best;
}

/*
 * A chunk of 2^@order pages, or of fewer where that fails, and the order
 * that worked is kept for the next chunks. Logins allocate these under
 * srpt_mutex: orders above PAGE_ALLOC_COSTLY_ORDER are only taken from
 * free memory (no reclaim, no compaction stall), smaller ones above the
 * least that holds one buffer with light reclaim only; that least order
 * is the only one worth waiting for.
 */
static struct page *srpt_alloc_recv_chunk(unsigned int *order,
					  unsigned int min_order)
{
	const gfp_t opportunistic = __GFP_COMP | __GFP_NOWARN | __GFP_NORETRY;
	struct page *page;
	gfp_t gfp;

	for (; *order > min_order; (*order)--) {
		gfp = GFP_KERNEL | opportunistic;
		if (*order > PAGE_ALLOC_COSTLY_ORDER)
			gfp = (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOMEMALLOC;
		page = alloc_pages(gfp, *order);
		if (page)
			return page;
	}
	return alloc_pages(GFP_KERNEL | __GFP_COMP, min_order);
}

static void srpt_free_recv_ring(struct srpt_device *sdev,
				struct srpt_recv_ring *ring)
{
	u32 i;

	for (i = 0; i < ring->count; i++)
		ib_dma_unmap_single(sdev->ib_dev, ring->ioctx[i].dma,
				    ring->ioctx[i].len, DMA_FROM_DEVICE);
	for (i = 0; i < ring->count; i++)
		if (ring->ioctx[i].chunk)
			__free_pages(ring->ioctx[i].chunk,
				     compound_order(ring->ioctx[i].chunk));
	kvfree(ring->ioctx);
	ring->ioctx = NULL;
	ring->count = 0;
	ring->bytes = 0;
}

/**
 * srpt_alloc_recv_ring - allocate and map receive buffers
 * @sdev:  the device they are posted on.
 * @ring:  where to put them; empty on failure.
 * @count: how many.
 * @len:   the largest IU each takes.
 * @imm_data_offset: where immediate data starts in an SRP_CMD, or 0.
 *
 * Every IU is placed so that immediate data at @imm_data_offset starts on
 * an SRPT_IMM_ALIGN boundary (srpt_recv_stride()), and lies in one chunk,
 * which is physically contiguous.
 *
 * Return: 0, or -ENOMEM.
 */
static int srpt_alloc_recv_ring(struct srpt_device *sdev,
				struct srpt_recv_ring *ring, u32 count, u32 len,
				u32 imm_data_offset)
{
	struct ib_device *ib_dev = sdev->ib_dev;
	unsigned int min_order, order;
	u32 shift, stride, i = 0, j, n;

	stride = srpt_recv_stride(len, imm_data_offset, &shift);
	min_order = get_order(stride);
	order = srpt_recv_chunk_order(stride);

	ring->count = 0;
	ring->ioctx = kvcalloc(count, sizeof(*ring->ioctx), GFP_KERNEL);
	if (!ring->ioctx)
		return -ENOMEM;
	ring->bytes = srpt_kv_bytes(ring->ioctx, count * sizeof(*ring->ioctx));
	while (i < count) {
		/* The last chunk only as large as the buffers left need. */
		unsigned int want = min_t(unsigned int, order,
					  get_order((unsigned long)(count - i) *
						    stride));
		unsigned int got = want;
		struct page *page = srpt_alloc_recv_chunk(&got, min_order);
		void *base;

		if (!page)
			goto err;
		if (got < want)
			order = got;
		ring->bytes += PAGE_SIZE << got;
		base = page_address(page);
		n = min_t(u32, (PAGE_SIZE << got) / stride, count - i);
		for (j = 0; j < n; j++, i++) {
			struct srpt_recv_ioctx *recv = &ring->ioctx[i];

			recv->chunk = j ? NULL : page;
			recv->buf = base + j * stride + shift;
			recv->len = len;
			recv->cqe.done = srpt_recv_done;
			recv->dma = ib_dma_map_single(ib_dev, recv->buf, len,
						      DMA_FROM_DEVICE);
			if (ib_dma_mapping_error(ib_dev, recv->dma)) {
				/* Buffers before this one own their chunks. */
				if (!j)
					__free_pages(page, got);
				goto err;
			}
			ring->count = i + 1;
		}
	}
	return 0;
err:
	srpt_free_recv_ring(sdev, ring);
	return -ENOMEM;
}

static void srpt_init_recv_wr(struct srpt_device *sdev,
			      struct srpt_recv_ioctx *recv,
			      struct ib_recv_wr *wr, struct ib_sge *sge)
{
	ib_dma_sync_single_for_device(sdev->ib_dev, recv->dma, recv->len,
				      DMA_FROM_DEVICE);
	sge->addr = recv->dma;
	sge->length = recv->len;
	sge->lkey = sdev->pd->local_dma_lkey;
	wr->next = NULL;
	wr->wr_cqe = &recv->cqe;
	wr->sg_list = sge;
	wr->num_sge = 1;
}

/* Post a buffer of the channel's own ring; only while the channel lives. */
int srpt_post_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *recv)
{
	struct ib_recv_wr wr;
	struct ib_sge sge;
	unsigned long flags;
	int ret = -ENOTCONN;

	srpt_init_recv_wr(ch->sdev, recv, &wr, &sge);
	/* ch->lock orders this post before the drain of a closing channel. */
	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state <= SRPT_CH_CLOSING)
		ret = ib_post_recv(ch->qp, &wr, NULL);
	spin_unlock_irqrestore(&ch->lock, flags);
	return ret;
}

static int srpt_post_srq_recv(struct srpt_srq *srq,
			      struct srpt_recv_ioctx *recv)
{
	struct ib_recv_wr wr;
	struct ib_sge sge;

	srpt_init_recv_wr(srq->sdev, recv, &wr, &sge);
	return ib_post_srq_recv(srq->srq, &wr, NULL);
}

static void srpt_destroy_srq(struct srpt_srq *srq)
{
	if (srq->srq)
		ib_destroy_srq(srq->srq);
	srpt_free_recv_ring(srq->sdev, &srq->ring);
	kfree(srq);
}

/* Buffers of each of the device's shared receive queues. */
u32 srpt_srq_buffers(struct srpt_device *sdev)
{
	return sdev->srq_size;
}

/**
 * srpt_get_srq - the shared receive queue of a channel
 * @sdev:   the device.
 * @vector: the completion vector of the channel's CQ.
 *
 * The device's SRQ number @vector modulo sdev->nr_srqs, created on first
 * use. An SRQ has no CQ of its own: a buffer completes on the CQ of the QP
 * that took it. With as many SRQs as vectors in use, every QP of an SRQ
 * has its CQ on the same vector, so its completions and reposts stay on
 * that vector's CPU; with fewer, an SRQ serves every nr_srqs-th vector.
 *
 * Context: srpt_mutex held (it serialises the creation).
 * Return: the SRQ, or NULL if it could not be created.
 */
struct srpt_srq *srpt_get_srq(struct srpt_device *sdev, u32 vector)
{
	u32 i, size, len = srpt_get_max_req_size();
	u32 index = vector % sdev->nr_srqs;
	struct ib_srq_init_attr attr = {};
	struct srpt_srq *srq;

	lockdep_assert_held(&srpt_mutex);
	if (sdev->srqs[index])
		return sdev->srqs[index];
	size = sdev->srq_size;
	srq = kzalloc(sizeof(*srq), GFP_KERNEL);
	if (!srq)
		return NULL;
	srq->sdev = sdev;
	srq->index = index;
	srq->size = size;
	attr.attr.max_wr = size;
	attr.attr.max_sge = 1;
	attr.srq_type = IB_SRQT_BASIC;
	srq->srq = ib_create_srq(sdev->pd, &attr);
	if (IS_ERR(srq->srq)) {
		pr_warn("%s: cannot create shared receive queue %u of %u, with %u entries (%ld)\n",
			dev_name(&sdev->ib_dev->dev), index, sdev->nr_srqs,
			size, PTR_ERR(srq->srq));
		srq->srq = NULL;
		goto err;
	}
	if (srpt_alloc_recv_ring(sdev, &srq->ring, size, len,
				 SRPT_SRQ_IMM_OFFSET))
		goto err;
	for (i = 0; i < size; i++) {
		srq->ring.ioctx[i].srq = srq;
		if (srpt_post_srq_recv(srq, &srq->ring.ioctx[i]))
			goto err;
	}
	sdev->srqs[index] = srq;
	pr_info("%s: shared receive queue with %u buffers of %u bytes (%zu KiB), queue %u of %u\n",
		dev_name(&sdev->ib_dev->dev), size, len,
		DIV_ROUND_UP(srq->ring.bytes, 1024), index, sdev->nr_srqs);
	return srq;
err:
	srpt_destroy_srq(srq);
	return NULL;
}

/**
 * srpt_alloc_srqs - split a device's receive buffer budget into SRQs
 * @sdev: a device being added.
 *
 * srpt_srq_size is the device's shared receive buffers, all its SRQs
 * together. One SRQ per completion vector keeps a vector's channels
 * off the others' SRQ locks and cache lines, but splitting the budget over
 * every vector would leave each SRQ, and so each channel's credits (at
 * most its SRQ's buffers), smaller the more vectors the HCA has, down to a
 * few dozen on a 64-vector HCA, where one initiator could take all of its
 * vector's buffers. So the number of SRQs is what the budget fills with
 * SRPT_MAX_RQ_SIZE buffers each, at most one per usable vector
 * (srpt_srq_split()), and the channels of vector V use SRQ V % nr_srqs.
 * The table is allocated here, empty; srpt_get_srq() fills it. A device
 * without SRQs (max_srq or max_srq_wr 0) gets none, and no table.
 *
 * Return: 0 or -ENOMEM.
 */
int srpt_alloc_srqs(struct srpt_device *sdev)
{
	struct ib_device *ib_dev = sdev->ib_dev;
	u32 vectors = srpt_usable_vectors(ib_dev);

	sdev->srq_size = srpt_srq_split(srpt_get_srq_size(), vectors,
					max(ib_dev->attrs.max_srq, 0),
					max(ib_dev->attrs.max_srq_wr, 0),
					&sdev->nr_srqs);
	if (!sdev->nr_srqs) {
		pr_info("%s: no shared receive queues (use_srq=1): the device has none\n",
			dev_name(&ib_dev->dev));
		return 0;
	}
	sdev->srqs = kcalloc(sdev->nr_srqs, sizeof(*sdev->srqs), GFP_KERNEL);
	if (!sdev->srqs)
		return -ENOMEM;
	pr_info("%s: shared receive queues (use_srq=1): up to %u of %u buffers each (srpt_srq_size %u, %u usable completion vector(s))\n",
		dev_name(&ib_dev->dev), sdev->nr_srqs, sdev->srq_size,
		srpt_get_srq_size(), vectors);
	return 0;
}

/*
 * Called by device removal once every channel of @sdev is gone, including
 * those of rejected logins freed in their CM callback (their device
 * references are waited for); and when adding the device failed.
 */
void srpt_free_srqs(struct srpt_device *sdev)
{
	u32 i;

	for (i = 0; sdev->srqs && i < sdev->nr_srqs; i++)
		if (sdev->srqs[i])
			srpt_destroy_srq(sdev->srqs[i]);
	kfree(sdev->srqs);
	sdev->srqs = NULL;
}

/*
 * Give a receive buffer back, or close the channel if it cannot be posted.
 * Its credit is not returned here but with the request's response
 * (srpt_collect_credits()), which always comes later.
 */
void srpt_repost_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *recv)
{
	int ret;

	if (recv->srq) {
		ret = srpt_post_srq_recv(recv->srq, recv);
	} else {
		if (!srpt_ch_is_live(ch))
			return;
		ret = srpt_post_recv(ch, recv);
	}
	if (ret) {
		pr_warn_ratelimited("%s: reposting a receive buffer failed (%d)\n",
				    ch->name, ret);
		srpt_ch_close(ch);
	}
}

/*
 * srpt_repost_recv() of a ring buffer's prepared work request @wr, for a
 * caller that posts more in the same ch->lock hold.
 * Context: ch->lock held.
 */
static void srpt_repost_wr_locked(struct srpt_rdma_ch *ch,
				  const struct ib_recv_wr *wr)
{
	int ret;

	lockdep_assert_held(&ch->lock);
	if (ch->state > SRPT_CH_LIVE)
		return;
	ret = ib_post_recv(ch->qp, wr, NULL);
	if (ret) {
		pr_warn_ratelimited("%s: reposting a receive buffer failed (%d)\n",
				    ch->name, ret);
		srpt_ch_close_locked(ch);
	}
}

/*
 * Send contexts come from a cache of their exact size: 1216 bytes on x86_64,
 * which kmalloc() would round up to 2 KiB.
 */
static struct kmem_cache *srpt_send_ioctx_cache;

int srpt_init_ioctx_cache(void)
{
	srpt_send_ioctx_cache = KMEM_CACHE(srpt_send_ioctx, 0);
	return srpt_send_ioctx_cache ? 0 : -ENOMEM;
}

/* Once every channel is gone: after srpt_wq and srpt_retry_wq. */
void srpt_destroy_ioctx_cache(void)
{
	kmem_cache_destroy(srpt_send_ioctx_cache);
}

/* Memory of one send context and its response buffer. */
static size_t srpt_send_ioctx_bytes(struct srpt_rdma_ch *ch)
{
	return kmem_cache_size(srpt_send_ioctx_cache) +
	       kmalloc_size_roundup(ch->max_ti_iu_len);
}

static struct srpt_send_ioctx *srpt_alloc_send_ioctx(struct srpt_rdma_ch *ch)
{
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	struct srpt_send_ioctx *ioctx;

	ioctx = kmem_cache_zalloc(srpt_send_ioctx_cache, GFP_KERNEL);
	if (!ioctx)
		return NULL;
	ioctx->rsp = kzalloc(ch->max_ti_iu_len, GFP_KERNEL);
	if (!ioctx->rsp)
		goto err;
	ioctx->rsp_dma = ib_dma_map_single(ib_dev, ioctx->rsp,
					   ch->max_ti_iu_len, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(ib_dev, ioctx->rsp_dma))
		goto err;
	ioctx->ch = ch;
	INIT_LIST_HEAD(&ioctx->node);
	INIT_LIST_HEAD(&ioctx->table_node);
	INIT_LIST_HEAD(&ioctx->answer_node);
	ioctx->desc = &ioctx->single_desc;
	ioctx->rw = &ioctx->single_rw;
	/* What every response's send has; srpt_post_response() the rest. */
	ioctx->rsp_sge.lkey = ch->sdev->pd->local_dma_lkey;
	ioctx->rsp_wr.wr_cqe = &ioctx->send_cqe;
	ioctx->rsp_wr.opcode = IB_WR_SEND;
	ioctx->rsp_wr.sg_list = &ioctx->rsp_sge;
	ioctx->rsp_wr.num_sge = 1;
	INIT_DELAYED_WORK(&ioctx->rw_retry, srpt_rw_retry_work);
	ioctx->rdma_cqe.done = srpt_rdma_read_done;
	ioctx->send_cqe.done = srpt_send_done;
	atomic_long_add(srpt_send_ioctx_bytes(ch), &ch->mem_send);
	return ioctx;
err:
	kfree(ioctx->rsp);
	kmem_cache_free(srpt_send_ioctx_cache, ioctx);
	return NULL;
}

static void srpt_free_send_ioctx(struct srpt_rdma_ch *ch,
				 struct srpt_send_ioctx *ioctx)
{
	if (ioctx->rd_page) {
		__free_page(ioctx->rd_page);
		atomic_long_sub(PAGE_SIZE, &ch->mem_rd_pages);
	}
	atomic_long_sub(srpt_send_ioctx_bytes(ch), &ch->mem_send);
	ib_dma_unmap_single(ch->sdev->ib_dev, ioctx->rsp_dma,
			    ch->max_ti_iu_len, DMA_TO_DEVICE);
	kfree(ioctx->rsp);
	kmem_cache_free(srpt_send_ioctx_cache, ioctx);
}

/*
 * The receive ring (without SRQ) and the send contexts of a channel, and
 * its send queue account, empty.
 */
int srpt_alloc_ch_ioctxs(struct srpt_rdma_ch *ch)
{
	u32 i;

	atomic_set(&ch->sq_wr_avail, ch->sq_size);
	srpt_unsig_init(ch);

	if (!ch->srq) {
		if (srpt_alloc_recv_ring(ch->sdev, &ch->recv_ring, ch->rq_size,
					 ch->max_it_iu_len,
					 ch->imm_data_offset))
			return -ENOMEM;
		for (i = 0; i < ch->recv_ring.count; i++)
			ch->recv_ring.ioctx[i].ch = ch;
	}
	ch->mem_recv = ch->recv_ring.bytes;
	ch->ioctx_count = ch->rq_size;
	ch->ioctx_ring = kcalloc(ch->ioctx_count, sizeof(*ch->ioctx_ring),
				 GFP_KERNEL);
	if (!ch->ioctx_ring)
		return -ENOMEM;
	atomic_long_add(kmalloc_size_roundup(ch->ioctx_count *
					     sizeof(*ch->ioctx_ring)),
			&ch->mem_send);
	for (i = 0; i < ch->ioctx_count; i++) {
		ch->ioctx_ring[i] = srpt_alloc_send_ioctx(ch);
		if (!ch->ioctx_ring[i])
			return -ENOMEM;
		hlist_add_head(&ch->ioctx_ring[i]->free_node, &ch->free_ioctxs);
	}
	return 0;
}

void srpt_free_ch_ioctxs(struct srpt_rdma_ch *ch)
{
	u32 i;

	srpt_free_recv_ring(ch->sdev, &ch->recv_ring);
	for (i = 0; ch->ioctx_ring && i < ch->ioctx_count; i++)
		if (ch->ioctx_ring[i])
			srpt_free_send_ioctx(ch, ch->ioctx_ring[i]);
	kfree(ch->ioctx_ring);
	ch->ioctx_ring = NULL;
}

/*
 * An SRP_CMD joins ch->unanswered as it arrives: the answer to a TMF
 * received after it may have to wait for it (srpt_wait_answers()).
 */
static void srpt_track_cmd_locked(struct srpt_rdma_ch *ch,
				  struct srpt_send_ioctx *ioctx,
				  const void *iu)
{
	const struct srp_cmd *cmd = iu;
	struct scsi_lun lun;

	lockdep_assert_held(&ch->lock);
	ioctx->answer_tmf = NULL;
	if (cmd->opcode != SRP_CMD)
		return;
	lun = cmd->lun;
	ioctx->tag = cmd->tag;
	ioctx->lun = scsilun_to_int(&lun);
	hlist_add_head(&ioctx->unanswered_node, &ch->unanswered);
}

/*
 * Unsignaled responses whose send queue entries the device still holds
 * ("unsignaled responses" below).
 */
static u32 srpt_unsig_held(struct srpt_rdma_ch *ch)
{
	return ch->unsig_max - atomic_read(&ch->unsig_avail);
}

/*
 * A send context for the new request @iu, which takes one credit. An initiator
 * with more requests unanswered than the login granted credits is not
 * honouring REQ_LIM (SRP r16a 5.4.2): NULL. The pool holds one context
 * per credit; a response reaches the initiator (returning its credit)
 * before its send completion returns the context, so a new request may
 * find the pool empty and get a short-lived extra context.
 *
 * A credit counts as returned once its response is posted, but the
 * initiator has it only once the response arrives. An initiator that
 * sends while our responses are stuck (it stopped receiving, so they wait
 * in RNR retry) is also exceeding REQ_LIM, which ch->req_outstanding
 * cannot see. Its answered contexts pile up instead: beyond rq_size
 * unanswered plus rq_size answered whose send completion has not been
 * processed yet, the initiator is using credits it cannot have received.
 * NULL then, and when memory runs out (the caller tells the two apart).
 */
static struct srpt_send_ioctx *srpt_get_send_ioctx(struct srpt_rdma_ch *ch,
						   const void *iu)
{
	struct srpt_send_ioctx *ioctx = NULL;
	unsigned long flags;
	bool extra = false;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->req_outstanding < ch->rq_size) {
		ioctx = hlist_entry_safe(ch->free_ioctxs.first,
					 struct srpt_send_ioctx, free_node);
		if (ioctx) {
			hlist_del(&ioctx->free_node);
			srpt_track_cmd_locked(ch, ioctx, iu);
		} else {
			/*
			 * An unsignaled response whose entry the device
			 * still holds counts as an answered context whose
			 * send completion has not been processed yet.
			 */
			extra = ch->in_flight + srpt_unsig_held(ch) <
				2 * ch->rq_size;
		}
	}
	if (ioctx || extra) {
		ch->in_flight++;
		ch->req_outstanding++;
	}
	spin_unlock_irqrestore(&ch->lock, flags);

	if (extra) {
		ioctx = srpt_alloc_send_ioctx(ch);
		spin_lock_irqsave(&ch->lock, flags);
		if (ioctx) {
			ioctx->dynamic = true;
			srpt_track_cmd_locked(ch, ioctx, iu);
		} else {
			ch->in_flight--;
			ch->req_outstanding--;
		}
		spin_unlock_irqrestore(&ch->lock, flags);
	}
	if (!ioctx)
		return NULL;

	/*
	 * A context comes back to the pool with no buffer (@imm), no data
	 * mapping (@rw_ready), single descriptors and no send queue entries
	 * (srpt_put_send_ioctx()); a new one is zeroed. A TMF's own fields are
	 * set by srpt_handle_tsk_mgmt().
	 */
	memset(&ioctx->se_cmd, 0, sizeof(ioctx->se_cmd));
	ioctx->wait_tmf = NULL;
	ioctx->state = SRPT_CMD_NEW;
	ioctx->rw_retries = 0;
	ioctx->owes_credit = true;
	ioctx->tmf = false;
	ioctx->rsp_len = 0;
	return ioctx;
}

/*
 * Undo srpt_init_rw(): destroy the rdma_rw contexts and the scatterlist
 * windows. The descriptors stay, so that target_core may call
 * write_pending or queue_data_in again after a queue-full return.
 */
static void __srpt_unmap_rw(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	enum dma_data_direction dir;
	u32 i;

	dir = ioctx->se_cmd.data_direction == DMA_TO_DEVICE ?
	      DMA_FROM_DEVICE : DMA_TO_DEVICE;
	for (i = 0; i < ioctx->rw_ready; i++)
		rdma_rw_ctx_destroy(&ioctx->rw[i].ctx, ch->qp,
				    ch->sport->port_num, ioctx->rw[i].sg,
				    ioctx->rw[i].nents, dir);
	if (ioctx->n_desc > 1)
		for (i = 0; i < ioctx->rw_ready; i++)
			kfree(ioctx->rw[i].sg);
	ioctx->rw_ready = 0;
}

/* Called twice per command; a write's data is unmapped before its status. */
static void srpt_unmap_rw(struct srpt_send_ioctx *ioctx)
{
	if (ioctx->rw_ready)
		__srpt_unmap_rw(ioctx);
}

/* Free a descriptor table allocated by srpt_alloc_descs(). */
static void srpt_free_descs(struct srpt_send_ioctx *ioctx)
{
	if (ioctx->desc != &ioctx->single_desc) {
		kfree(ioctx->desc);
		kvfree(ioctx->rw);
		ioctx->desc = &ioctx->single_desc;
		ioctx->rw = &ioctx->single_rw;
	}
	ioctx->n_desc = 0;
}

/*
 * @ioctx is released: it leaves ch->unanswered. Return the TMF whose
 * answer waited for it, if any.
 */
static struct srpt_send_ioctx *srpt_untrack_cmd_locked(struct srpt_send_ioctx *ioctx)
{
	struct srpt_send_ioctx *tmf = ioctx->answer_tmf;

	lockdep_assert_held(&ioctx->ch->lock);
	hlist_del_init(&ioctx->unanswered_node);
	ioctx->answer_tmf = NULL;
	return tmf;
}

/* Return a send context to the pool once target_core is done with it. */
static void srpt_put_send_ioctx(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	bool owes_credit = ioctx->owes_credit;
	bool dynamic = ioctx->dynamic;
	struct srpt_send_ioctx *tmf = NULL;
	unsigned long flags;

	srpt_unmap_rw(ioctx);
	srpt_free_descs(ioctx);
	if (ioctx->imm) {
		srpt_repost_recv(ch, ioctx->imm);
		ioctx->imm = NULL;
	}
	/* An extra context is freed here: @ioctx is gone after this. */
	if (dynamic) {
		spin_lock_irqsave(&ch->lock, flags);
		tmf = srpt_untrack_cmd_locked(ioctx);
		spin_unlock_irqrestore(&ch->lock, flags);
		srpt_free_send_ioctx(ch, ioctx);
	}
	spin_lock_irqsave(&ch->lock, flags);
	if (!dynamic)
		tmf = srpt_untrack_cmd_locked(ioctx);
	if (owes_credit) {
		/* Released unanswered: the credit goes back all the same. */
		ch->req_outstanding--;
		atomic_inc(&ch->req_lim_delta);
	}
	if (!dynamic)
		hlist_add_head(&ioctx->free_node, &ch->free_ioctxs);
	/*
	 * Under ch->lock: once the release work sees in_flight at zero it
	 * may free the channel, so nothing may touch it after the unlock.
	 */
	if (--ch->in_flight == 0) {
		/* Only the release work sleeps there (srpt_wait_in_flight()). */
		if (wq_has_sleeper(&ch->release_wq))
			wake_up(&ch->release_wq);
		srpt_check_credit_stall_locked(ch);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	/*
	 * A TMF waiting for this command is in flight itself, so its channel
	 * (even if it is @ch) is still there.
	 */
	if (tmf)
		srpt_tmf_answer_put(tmf);
}

/* ----- the send queue --------------------------------------------------- */

/*
 * The send queue has one owner: ch->sq_wr_avail and ch->sq_wait_list. Every
 * work request on the QP (RDMA transfers, descriptor table reads, SRP_RSP,
 * and the SRP_T_LOGOUT and SRP_CRED_REQ of srpt_msg.c) takes its entries
 * here, under ch->lock, before it is posted and gives them back through
 * srpt_sq_return() from its completion, without the lock, which then posts
 * what waits. A chain that does not fit waits on ch->sq_wait_list in
 * arrival order, and a new chain queues behind waiting ones even where it
 * would fit, so small chains cannot starve a large one. A chain is built
 * once and posted as built when its turn comes: building an MR-mode
 * rdma_rw chain again would invalidate its MRs a second time.
 *
 * Entries are taken only under ch->lock, so a count read there can only
 * grow. A chain that queues looks at the count again after it is on the
 * list (srpt_sq_post()) and srpt_sq_return() looks at the list after it
 * gave entries back; full barriers between store and load on both sides,
 * so at least one of them sees the other and posts the waiting chain.
 */

static void srpt_finish_unsent(struct srpt_send_ioctx *ioctx);
static void srpt_drop_table_cmd(struct srpt_send_ioctx *ioctx);

/* Finish a context whose post of @kind will never happen: the channel is gone. */
static void srpt_post_failed(struct srpt_send_ioctx *ioctx,
			     enum srpt_post_kind kind)
{
	switch (kind) {
	case SRPT_POST_DATA_READ:
		/* No data will come: fail the command (SAM-5 5.3). */
		ioctx->state = SRPT_CMD_DONE;
		transport_generic_request_failure(&ioctx->se_cmd,
						  TCM_CHECK_CONDITION_ABORT_CMD);
		break;
	case SRPT_POST_RESPONSE:
		srpt_finish_unsent(ioctx);
		break;
	case SRPT_POST_TABLE_READ:
		srpt_drop_table_cmd(ioctx);
		break;
	}
}

/*
 * Credits (SRP r16a 5.4.2) go back in the response being posted: this
 * command's own and those owed for requests released without a response.
 * They are collected when the response is really posted, under ch->lock,
 * so that a response that waited for space neither loses nor repeats any.
 * Inlined: once per response.
 */
static __always_inline u32 srpt_collect_credits(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	u32 delta = atomic_xchg(&ch->req_lim_delta, 0);

	lockdep_assert_held(&ch->lock);
	if (ioctx->owes_credit) {
		ioctx->owes_credit = false;
		ch->req_outstanding--;
		delta++;
	}
	srpt_set_req_lim_delta(ioctx->rsp, delta);
	/* An inline response is copied by the CPU at post time. */
	if (!(ioctx->rsp_wr.send_flags & IB_SEND_INLINE))
		ib_dma_sync_single_for_device(ch->sdev->ib_dev, ioctx->rsp_dma,
					      ioctx->rsp_len, DMA_TO_DEVICE);
	return delta;
}

/*
 * The ib_post_send() of the I/O path's chains, apart so that the fault
 * tests can make it fail (selftests/faults/test_fail_post_send.sh: a
 * device refusing a work request).
 */
static noinline int srpt_post_send(struct srpt_rdma_ch *ch,
				   const struct ib_send_wr *first)
{
	return ib_post_send(ch->qp, first, NULL);
}

ALLOW_ERROR_INJECTION(srpt_post_send, ERRNO);

/*
 * Take @wrs send queue entries and post @first for @ioctx. A chain the
 * device refuses is parked on ch->post_failed_list: a device may have
 * started the work requests before the one it refused, so the context is
 * finished (its DMA unmapped, its MRs returned) only after the QP is
 * drained, by srpt_fail_waiting(). The channel is closed before the lock
 * is dropped: the parked context no longer holds the channel, whose
 * release may run and free it at once (srpt_ch_close_locked()).
 * Context: ch->lock held, the channel live (ch->state <= SRPT_CH_LIVE),
 * @wrs entries available.
 * Inlined: once per command, and a call there costs as much as its body.
 */
static __always_inline void
srpt_sq_start_locked(struct srpt_send_ioctx *ioctx, struct ib_send_wr *first,
		     u32 wrs, enum srpt_post_kind kind)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	u32 credits = 0;
	int ret;

	lockdep_assert_held(&ch->lock);
	atomic_sub(wrs, &ch->sq_wr_avail);
	ioctx->sq_wrs = wrs;
	ioctx->sq_unsig = ch->unsig_unclaimed;
	ch->unsig_unclaimed = 0;
	ioctx->unsig_seq = ch->unsig_posted;
	if (kind == SRPT_POST_RESPONSE)
		credits = srpt_collect_credits(ioctx);
	ret = srpt_post_send(ch, first);
	if (likely(!ret))
		return;
	ioctx->sq_wrs = 0;
	ioctx->sq_unsig = 0;
	atomic_add(credits, &ch->req_lim_delta);
	/*
	 * The device may have taken the start of the chain: its entries stay
	 * taken, so that no other post uses them, nor the one ib_drain_sq()
	 * needs, before the channel is closed.
	 */
	ioctx->wait_kind = kind;
	list_add_tail(&ioctx->node, &ch->post_failed_list);
	pr_warn_ratelimited("%s: ib_post_send failed (%d)\n", ch->name, ret);
	srpt_ch_close_locked(ch);
}

/*
 * Post the waiting contexts, in order, while the first one fits and the
 * channel sends: at most ch->sq_size work requests in one lock hold. Those
 * left when it closes are finished after the drain (srpt_fail_waiting()).
 * A refused post closes the channel, which ends the loop. The callers keep
 * the channel (a completion handler, or a context in flight) and do not
 * touch it after they drop ch->lock.
 */
static void srpt_post_waiters_locked(struct srpt_rdma_ch *ch)
{
	struct srpt_send_ioctx *ioctx;

	lockdep_assert_held(&ch->lock);
	while (ch->state <= SRPT_CH_LIVE) {
		ioctx = list_first_entry_or_null(&ch->sq_wait_list,
						 struct srpt_send_ioctx, node);
		if (!ioctx ||
		    atomic_read_acquire(&ch->sq_wr_avail) < ioctx->wait_wrs)
			return;
		list_del_init(&ioctx->node);
		srpt_sq_start_locked(ioctx, ioctx->wait_first,
				     ioctx->wait_wrs, ioctx->wait_kind);
	}
}

/**
 * srpt_sq_return - give back send queue entries and post what now fits
 * @ch:  the channel.
 * @wrs: entries whose work requests have completed.
 *
 * Context: a completion handler of @ch, so the channel outlives it (its
 * release drains the QP first). Once per send completion, and most find
 * nobody waiting: no ch->lock then.
 */
void srpt_sq_return(struct srpt_rdma_ch *ch, u32 wrs)
{
	unsigned long flags;

	/*
	 * Release: the device's own accounting of the completed work
	 * requests (updated when the CQ was polled) is visible to whoever
	 * takes these entries (atomic_read_acquire()); ch->lock used to
	 * order the two.
	 */
	smp_mb__before_atomic();
	atomic_add(wrs, &ch->sq_wr_avail);
	/* Pairs with the smp_mb() in srpt_sq_post(): see "the send queue". */
	smp_mb__after_atomic();
	if (list_empty(&ch->sq_wait_list))
		return;
	spin_lock_irqsave(&ch->lock, flags);
	srpt_post_waiters_locked(ch);
	spin_unlock_irqrestore(&ch->lock, flags);
}

/**
 * srpt_sq_post_one_locked - post one send that may pass waiting chains
 * @ch: the channel.
 * @wr: a single signaled send whose completion calls srpt_sq_return(ch, 1).
 *
 * For the target-initiated IUs of srpt_msg.c, which never wait: at most one
 * of each kind is posted at a time, so they cannot starve a waiting chain.
 * Context: ch->lock held, channel live.
 * Return: 0, -ENOSPC when no entry is free, or what ib_post_send() returned
 * (the entry is given back then).
 */
int srpt_sq_post_one_locked(struct srpt_rdma_ch *ch,
			    const struct ib_send_wr *wr)
{
	int ret;

	lockdep_assert_held(&ch->lock);
	if (!atomic_read_acquire(&ch->sq_wr_avail))
		return -ENOSPC;
	atomic_dec(&ch->sq_wr_avail);
	ret = ib_post_send(ch->qp, wr, NULL);
	if (ret)
		atomic_inc(&ch->sq_wr_avail);
	return ret;
}

/* ----- unsignaled responses ------------------------------------------ */

/*
 * An SRP_RSP sent inline is copied into the work request when it is posted
 * (IB_SEND_INLINE): once ib_post_send() returned, nothing of the command is
 * needed to deliver it. Such a response is posted without IB_SEND_SIGNALED
 * and its command released at once (srpt_sq_post()), saving a completion
 * per command. Only responses with no RDMA WRITEs before them (those hold
 * DMA mappings and MRs until they complete), that are not a TMF's answer
 * or the answer to a command a TMF waits for (ioctx->answer_tmf), and only
 * while no chain waits for send queue space.
 *
 * The device frees an unsignaled work request's send queue entry only
 * when a later signaled one completes. These responses take entries from
 * a budget of their own beyond srp_sq_size (ch->unsig_avail, unsig_max);
 * the next signaled work request of the I/O path claims those posted
 * before it (ioctx->sq_unsig) and its completion gives them back
 * (srpt_return_sq_space()). At most half the budget waits unclaimed, so a
 * claim is in flight while the rest is used.
 *
 * Released no longer means delivered. Credits went back in the response
 * (srpt_collect_credits()) and an immediate-data buffer before it; the
 * channel's release drains the QP before it frees anything such a work
 * request uses (only ch->unsig_cqe); target_core needs nothing delivered.
 * A TMF's answer does (SAM-5 5.6, srpt_tmf.c): after the responses of the
 * commands it ends. On the TMF's own channel the send queue keeps that
 * order; on another channel of the nexus nothing would. So each channel
 * numbers its unsignaled responses (ch->unsig_posted), keeps the
 * unconfirmed ones' tags and LUNs (ch->unsig_ring) and confirms them as
 * the signaled work requests posted after them complete: a send queue's
 * completions come in order (srpt_unsig_confirm()). A TMF that ends
 * commands waits for the covered ones (srpt_wait_unsignaled()); where no
 * signaled work request follows them it posts the channel's fence, a
 * signaled zero-byte RDMA WRITE. That moves no data and needs no R_Key
 * (IBTA C9-88; rxe checks none for it), and an SRP initiator grants
 * remote writes anyway: READ data arrives that way. Not on iWARP, where
 * hardware has not been checked for it (srpt_ch.c).
 */

static void srpt_unsig_done(struct ib_cq *cq, struct ib_wc *wc);
static void srpt_fence_done(struct ib_cq *cq, struct ib_wc *wc);

static void srpt_unsig_init(struct srpt_rdma_ch *ch)
{
	atomic_set(&ch->unsig_avail, ch->unsig_max);
	ch->unsig_unclaimed = 0;
	ch->unsig_posted = 0;
	atomic64_set(&ch->unsig_confirmed, 0);
	ch->unsig_cqe.done = srpt_unsig_done;
	memset(ch->unsig_ring, 0, sizeof(ch->unsig_ring));
	ch->fences = 0;
	ch->fence_busy = false;
	ch->fence_cqe.done = srpt_fence_done;
	ch->fence_wr.wr.opcode = IB_WR_RDMA_WRITE;
	ch->fence_wr.wr.send_flags = IB_SEND_SIGNALED;
	ch->fence_wr.wr.wr_cqe = &ch->fence_cqe;
}

/* Entries freed by a signaled completion. */
static void srpt_unsig_return(struct srpt_rdma_ch *ch, u32 n)
{
	/*
	 * Release, as in srpt_sq_return(): the device's accounting of the
	 * completed work requests is visible to whoever takes these entries
	 * (atomic_read_acquire() in srpt_unsig_ok()).
	 */
	smp_mb__before_atomic();
	atomic_add(n, &ch->unsig_avail);
}

/*
 * The unsignaled responses up to @seq are delivered, or never will be: a
 * signaled work request posted after them completed, or was flushed (the
 * QP is dead then), or the QP is drained (@seq = U64_MAX). Let the TMFs
 * waiting for them go. Context: a completion handler of @ch, or its
 * release after the drain: one writer of ch->unsig_confirmed (srpt.h).
 */
static void srpt_unsig_confirm(struct srpt_rdma_ch *ch, u64 seq)
{
	struct srpt_unsig_waiter *w, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	if (seq <= atomic64_read(&ch->unsig_confirmed))
		return;
	atomic64_set(&ch->unsig_confirmed, seq);
	/* Pairs with the smp_mb() in srpt_wait_unsignaled(). */
	smp_mb();
	if (list_empty(&ch->unsig_waiters))
		return;
	spin_lock_irqsave(&ch->lock, flags);
	list_for_each_entry_safe(w, tmp, &ch->unsig_waiters, node)
		if (w->seq <= seq)
			list_move_tail(&w->node, &done);
	spin_unlock_irqrestore(&ch->lock, flags);
	/*
	 * A TMF has one waiter per channel, so a put here cannot free a
	 * waiter still on @done.
	 */
	list_for_each_entry_safe(w, tmp, &done, node) {
		list_del_init(&w->node);
		srpt_tmf_answer_put(w->tmf);
	}
}

/*
 * Post the fence: its completion confirms every unsignaled response
 * posted so far and frees their entries. Context: ch->lock held, channel
 * live, the fence not posted.
 */
static void srpt_post_fence_locked(struct srpt_rdma_ch *ch)
{
	int ret;

	lockdep_assert_held(&ch->lock);
	ch->fence_busy = true;
	ch->fence_claim = ch->unsig_unclaimed;
	ch->unsig_unclaimed = 0;
	ch->fence_seq = ch->unsig_posted;
	ch->fences++;
	ret = ib_post_send(ch->qp, &ch->fence_wr.wr, NULL);
	if (ret) {
		/* What it claimed is confirmed by the drain. */
		ch->fence_busy = false;
		pr_warn_ratelimited("%s: posting a fence failed (%d); closing the channel\n",
				    ch->name, ret);
		srpt_ch_close_locked(ch);
	}
}

static void srpt_fence_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_rdma_ch *ch = container_of(wc->wr_cqe, struct srpt_rdma_ch,
					       fence_cqe);
	unsigned long flags;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_info("%s: a fence failed: %s\n", ch->name,
				ib_wc_status_msg(wc->status));
		srpt_ch_close(ch);
	}
	/* Confirm first: a slot of unsig_ring is reused once its entry is. */
	srpt_unsig_confirm(ch, ch->fence_seq);
	srpt_unsig_return(ch, ch->fence_claim);
	spin_lock_irqsave(&ch->lock, flags);
	ch->fence_busy = false;
	/* A TMF came while the fence was out: fence what it waits for. */
	if (!list_empty(&ch->unsig_waiters) && ch->unsig_unclaimed &&
	    ch->state <= SRPT_CH_LIVE)
		srpt_post_fence_locked(ch);
	spin_unlock_irqrestore(&ch->lock, flags);
}

/* Seen only for an unsignaled response that failed or was flushed. */
static void srpt_unsig_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_rdma_ch *ch = container_of(wc->wr_cqe, struct srpt_rdma_ch,
					       unsig_cqe);

	if (wc->status == IB_WC_SUCCESS)
		return;
	if (wc->status != IB_WC_WR_FLUSH_ERR)
		pr_info("%s: sending a response failed: %s\n", ch->name,
			ib_wc_status_msg(wc->status));
	srpt_ch_close(ch);
}

/*
 * May the response chain @first of @ioctx go unsignaled (see above)?
 * Context: ch->lock held, channel live.
 */
static __always_inline bool srpt_unsig_ok(struct srpt_send_ioctx *ioctx,
					  const struct ib_send_wr *first)
{
	struct srpt_rdma_ch *ch = ioctx->ch;

	return first == &ioctx->rsp_wr &&
	       (first->send_flags & IB_SEND_INLINE) &&
	       !ioctx->tmf && !ioctx->answer_tmf &&
	       list_empty(&ch->sq_wait_list) &&
	       ch->unsig_unclaimed < ch->unsig_max / 2 &&
	       atomic_read_acquire(&ch->unsig_avail) > 0;
}

/*
 * Post ioctx->rsp_wr unsignaled. Return: true when it was posted (the
 * caller finishes the command), false when the device refused it: the
 * context is parked as srpt_sq_start_locked() parks a refused chain and
 * the channel closed. Context: ch->lock held, srpt_unsig_ok().
 */
static __always_inline bool srpt_post_unsig_locked(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct ib_send_wr *wr = &ioctx->rsp_wr;
	struct srpt_unsig_rec *rec;
	u32 credits;

	atomic_dec(&ch->unsig_avail);
	ch->unsig_unclaimed++;
	ch->unsig_posted++;
	rec = &ch->unsig_ring[ch->unsig_posted % SRPT_UNSIG_MAX];
	rec->seq = ch->unsig_posted;
	rec->tag = ioctx->tag;
	rec->lun = ioctx->lun;
	wr->send_flags = IB_SEND_INLINE;
	wr->wr_cqe = &ch->unsig_cqe;
	ioctx->sq_wrs = 0;
	ioctx->sq_unsig = 0;
	credits = srpt_collect_credits(ioctx);
	if (likely(!srpt_post_send(ch, wr)))
		return true;
	/* Its ring entry and budget stay taken: the drain confirms them. */
	atomic_add(credits, &ch->req_lim_delta);
	ioctx->wait_kind = SRPT_POST_RESPONSE;
	list_add_tail(&ioctx->node, &ch->post_failed_list);
	pr_warn_ratelimited("%s: ib_post_send failed; closing the channel\n",
			    ch->name);
	srpt_ch_close_locked(ch);
	return false;
}

/**
 * srpt_wait_unsignaled - hold a TMF's answer until the unsignaled
 * responses it covers on a channel of its nexus are delivered
 * @ch:  a channel of the nexus.
 * @tmf: a TMF that ends commands, not yet given to target_core.
 * @w:   the TMF's waiter for @ch.
 *
 * Called right after srpt_wait_answers(@ch, @tmf): a command that marked
 * for @tmf is never sent unsignaled (srpt_unsig_ok()), and one sent before
 * is in ch->unsig_ring unless confirmed. A closing channel's responses may
 * be delivered until its drain, which confirms them all
 * (srpt_fail_waiting()): it is waited for too, but gets no fence.
 * Context: srpt_mutex held (as for srpt_wait_answers()); takes ch->lock.
 */
void srpt_wait_unsignaled(struct srpt_rdma_ch *ch, struct srpt_send_ioctx *tmf,
			  struct srpt_unsig_waiter *w)
{
	u64 confirmed, need = 0;
	unsigned long flags;
	u32 i;

	/* On the TMF's own channel the send queue keeps the order. */
	if (ch == tmf->ch)
		return;
	spin_lock_irqsave(&ch->lock, flags);
	confirmed = atomic64_read(&ch->unsig_confirmed);
	for (i = 0; i < SRPT_UNSIG_MAX; i++) {
		struct srpt_unsig_rec *rec = &ch->unsig_ring[i];

		if (rec->seq > confirmed && rec->seq > need &&
		    srpt_tmf_covers_tag(tmf, rec->tag, rec->lun))
			need = rec->seq;
	}
	if (!need)
		goto out;
	w->tmf = tmf;
	w->seq = need;
	atomic_inc(&tmf->answer_pending);
	list_add_tail(&w->node, &ch->unsig_waiters);
	/* Pairs with srpt_unsig_confirm(): one of the two sees the other. */
	smp_mb();
	if (atomic64_read(&ch->unsig_confirmed) >= need) {
		list_del_init(&w->node);
		/* answer_pending holds target_core's count too: not zero. */
		atomic_dec(&tmf->answer_pending);
		goto out;
	}
	if (ch->unsig_unclaimed && !ch->fence_busy &&
	    ch->state <= SRPT_CH_LIVE)
		srpt_post_fence_locked(ch);
out:
	spin_unlock_irqrestore(&ch->lock, flags);
}

/*
 * Post the chain @first of @wrs work requests for @ioctx, or queue it
 * behind the contexts already waiting for space. A context the channel can
 * no longer send is finished here (srpt_post_failed()). @recv, if set,
 * gives back the ring buffer of the command's immediate data
 * (ioctx->imm) first, in the same lock hold.
 * Inlined into its three callers, each with its own constant @kind: a
 * response is posted once per command.
 */
static __always_inline void srpt_sq_post(struct srpt_send_ioctx *ioctx,
					 struct ib_send_wr *first, u32 wrs,
					 enum srpt_post_kind kind,
					 const struct ib_recv_wr *recv)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	unsigned long flags;
	bool gone = false, unsig = false;

	if (unlikely(wrs > ch->sq_size)) {
		/* srpt_check_fits() refuses such transfers before. */
		pr_warn_ratelimited("%s: a transfer needs %u send queue entries but srp_sq_size is %u; closing the channel\n",
				    ch->name, wrs, ch->sq_size);
		/* A buffer in ioctx->imm goes back at the release. */
		srpt_ch_close(ch);
		srpt_post_failed(ioctx, kind);
		return;
	}
	spin_lock_irqsave(&ch->lock, flags);
	if (recv) {
		srpt_repost_wr_locked(ch, recv);
		ioctx->imm = NULL;
	}
	if (ch->state > SRPT_CH_LIVE) {
		gone = true;
	} else if (kind == SRPT_POST_RESPONSE && srpt_unsig_ok(ioctx, first)) {
		unsig = srpt_post_unsig_locked(ioctx);
	} else if (!list_empty(&ch->sq_wait_list) ||
		   atomic_read_acquire(&ch->sq_wr_avail) < wrs) {
		ioctx->wait_first = first;
		ioctx->wait_wrs = wrs;
		ioctx->wait_kind = kind;
		list_add_tail(&ioctx->node, &ch->sq_wait_list);
		/* Pairs with srpt_sq_return(): see "the send queue" above. */
		smp_mb();
		srpt_post_waiters_locked(ch);
	} else {
		srpt_sq_start_locked(ioctx, first, wrs, kind);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	/*
	 * A context the channel can no longer send is finished now. Nothing
	 * else may touch the context or the channel here: a queued context
	 * may already be posted and released by srpt_sq_return(), and a
	 * refused post's context was parked, and the channel closed, under
	 * the lock (srpt_sq_start_locked()).
	 */
	if (gone)
		srpt_post_failed(ioctx, kind);
	else if (unsig)
		srpt_finish_unsent(ioctx);
}

/**
 * srpt_fail_waiting - finish the contexts waiting for send queue space and
 * those whose post was refused
 * @ch: a channel whose QP has been drained.
 */
void srpt_fail_waiting(struct srpt_rdma_ch *ch)
{
	struct srpt_send_ioctx *ioctx;
	unsigned long flags;

	/* Drained: nothing unsignaled will be delivered any more. */
	srpt_unsig_confirm(ch, U64_MAX);

	for (;;) {
		spin_lock_irqsave(&ch->lock, flags);
		ioctx = list_first_entry_or_null(&ch->sq_wait_list,
						 struct srpt_send_ioctx, node);
		if (!ioctx)
			ioctx = list_first_entry_or_null(&ch->post_failed_list,
							 struct srpt_send_ioctx,
							 node);
		if (ioctx)
			list_del_init(&ioctx->node);
		spin_unlock_irqrestore(&ch->lock, flags);
		if (!ioctx)
			return;
		srpt_post_failed(ioctx, ioctx->wait_kind);
	}
}

/* The number of work requests in the chain starting at @wr. */
static u32 srpt_count_wrs(const struct ib_send_wr *wr)
{
	u32 n = 0;

	for (; wr; wr = wr->next)
		n++;
	return n;
}

/* Chain the rw contexts; the last one signals @cqe or continues to @tail. */
static struct ib_send_wr *srpt_chain_rw(struct srpt_send_ioctx *ioctx,
					struct ib_cqe *cqe,
					struct ib_send_wr *tail)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct ib_send_wr *first = tail;
	int i;

	for (i = ioctx->rw_ready - 1; i >= 0; i--)
		first = rdma_rw_ctx_wrs(&ioctx->rw[i].ctx, ch->qp,
					ch->sport->port_num,
					i == ioctx->rw_ready - 1 ? cqe : NULL,
					first);
	return first;
}

/*
 * The response was sent, or could not be because the channel is gone:
 * hand the command back to target_core; a TMF's answer lets go of it.
 */
static void srpt_finish_unsent(struct srpt_send_ioctx *ioctx)
{
	ioctx->state = SRPT_CMD_DONE;
	if (ioctx->tmf)
		srpt_tmf_put(ioctx);
	else
		transport_generic_free_cmd(&ioctx->se_cmd, 0);
}

/**
 * srpt_post_response - send ioctx->rsp, after the RDMA WRITEs of any READ data
 * @ioctx: a command or task management request with its SRP_RSP built
 *         (ioctx->rsp_len set).
 *
 * Through the send queue (srpt_sq_post()); the credits go in when it is
 * really posted.
 */
void srpt_post_response(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct ib_send_wr *send = &ioctx->rsp_wr, *first;
	struct ib_sge *sge = &ioctx->rsp_sge;
	/* Set in full where used (srpt_init_recv_wr()): no zeroing. */
	struct ib_recv_wr recv_wr __uninitialized, *recv = NULL;
	struct ib_sge recv_sge __uninitialized;
	u32 wrs;

	/*
	 * The backend is done with any immediate data: its buffer goes back
	 * before the response returns the command's credit (SRP r16a
	 * 5.4.2). A ring buffer is posted in the lock hold that posts or
	 * queues the response (srpt_sq_post()), an SRQ's, which needs no
	 * ch->lock, now.
	 */
	if (ioctx->imm && ioctx->imm->srq) {
		srpt_repost_recv(ch, ioctx->imm);
		ioctx->imm = NULL;
	} else if (ioctx->imm) {
		srpt_init_recv_wr(ch->sdev, ioctx->imm, &recv_wr, &recv_sge);
		recv = &recv_wr;
	}

	/*
	 * The rest of @send is set once (srpt_alloc_send_ioctx()); these two
	 * per response, as an unsignaled post changes them.
	 */
	send->wr_cqe = &ioctx->send_cqe;
	if (ioctx->rsp_len <= ch->max_inline) {
		/* The CPU copies it at post time: no DMA, no key lookup. */
		sge->addr = (uintptr_t)ioctx->rsp;
		send->send_flags = IB_SEND_SIGNALED | IB_SEND_INLINE;
	} else {
		sge->addr = ioctx->rsp_dma;
		send->send_flags = IB_SEND_SIGNALED;
	}
	sge->length = ioctx->rsp_len;
	ioctx->state = SRPT_CMD_RSP_SENT;
	first = send;
	wrs = 1;
	if (ioctx->rw_ready) {
		/* READ data goes out as RDMA WRITEs chained before the response. */
		first = srpt_chain_rw(ioctx, NULL, send);
		wrs = srpt_count_wrs(first);
	}
	srpt_sq_post(ioctx, first, wrs, SRPT_POST_RESPONSE, recv);
}

static void srpt_post_rdma_read(struct srpt_send_ioctx *ioctx)
{
	struct ib_send_wr *first;

	first = srpt_chain_rw(ioctx, &ioctx->rdma_cqe, NULL);
	ioctx->state = SRPT_CMD_NEED_DATA;
	srpt_sq_post(ioctx, first, srpt_count_wrs(first), SRPT_POST_DATA_READ,
		     NULL);
}

/* ----- RDMA R/W contexts ------------------------------------------------ */

/*
 * Build a scatterlist for bytes [@off, @off + @len) of @sgl: the part of
 * the command's data that one SRP memory descriptor describes.
 */
static struct scatterlist *srpt_sg_window(struct scatterlist *sgl, u64 off,
					  u32 len, u32 *nents)
{
	struct scatterlist *sg = sgl, *win, *out;
	u32 n = 0, left = len;
	u64 skip;

	while (sg && off >= sg->length) {
		off -= sg->length;
		sg = sg_next(sg);
	}
	if (!sg)
		return NULL;
	win = sg;
	for (skip = off; sg && left; sg = sg_next(sg), skip = 0) {
		left -= min_t(u64, left, sg->length - skip);
		n++;
	}
	out = kmalloc_array(n, sizeof(*out), GFP_KERNEL);
	if (!out)
		return NULL;
	sg_init_table(out, n);
	left = len;
	for (sg = win, n = 0, skip = off; left; sg = sg_next(sg), skip = 0) {
		u32 chunk = min_t(u64, left, sg->length - skip);

		sg_set_page(&out[n++], sg_page(sg), chunk, sg->offset + skip);
		left -= chunk;
	}
	*nents = n;
	return out;
}

/*
 * The whole chain of one transfer is posted at once, so it must fit the
 * send queue: @ops RDMA operations of rw_wrs_per_op work requests each,
 * plus the response that follows read data. In MR mode each operation
 * also holds an MR of the QP's pool until it completes. A transfer that
 * cannot fit is refused with -E2BIG: waiting for space or MRs it can never
 * get all at once would last forever. Checked before mapping with one
 * operation per descriptor (the least each takes) and again after, with
 * the operations rdma_rw really built (more beyond the device's SGE limit).
 */
static int srpt_check_fits(struct srpt_send_ioctx *ioctx,
			   enum dma_data_direction dir, u32 ops)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	u32 wrs = ops * ch->rw_wrs_per_op + (dir == DMA_TO_DEVICE ? 1 : 0);

	if (wrs <= ch->sq_size &&
	    (ch->rw_wrs_per_op == 1 || ops <= ch->rdma_ctxs))
		return 0;
	pr_warn_ratelimited("%s: tag %#llx: %u data descriptors need %u RDMA operations, %u send queue entries; srp_sq_size is %u (%u MRs); failing the command\n",
			    ch->name, ioctx->tag, ioctx->n_desc, ops, wrs,
			    ch->sq_size, ch->rdma_ctxs);
	return -E2BIG;
}

/* The RDMA operations of the descriptors with data: at least one each. */
static u32 srpt_desc_ops(const struct srpt_send_ioctx *ioctx)
{
	u32 i, n = 0;

	for (i = 0; i < ioctx->n_desc; i++)
		if (ioctx->desc[i].len)
			n++;
	return n;
}

/* The RDMA operations rdma_rw built for the mapped descriptors. */
static u32 srpt_rw_ops(const struct srpt_send_ioctx *ioctx)
{
	u32 i, n = 0;

	for (i = 0; i < ioctx->rw_ready; i++)
		n += ioctx->rw[i].ctx.nr_ops;
	return n;
}

/*
 * One rdma_rw context per SRP memory descriptor, covering the data
 * target_core allocated for the command. target_core never makes the data
 * longer than the descriptors (an overflow is reported as a residual).
 * Not inlined and open to fail_function (CONFIG_FAIL_FUNCTION), which the
 * fault-injection selftest uses to make it fail with -ENOMEM and -EAGAIN.
 */
static noinline int srpt_init_rw(struct srpt_send_ioctx *ioctx,
				 enum dma_data_direction dir)
{
	struct se_cmd *se_cmd = &ioctx->se_cmd;
	struct srpt_rdma_ch *ch = ioctx->ch;
	u32 left = se_cmd->data_length;
	u64 off = 0;
	u32 i;
	int ret;

	ret = srpt_check_fits(ioctx, dir, srpt_desc_ops(ioctx));
	if (ret)
		return ret;
	for (i = 0; i < ioctx->n_desc && left; i++) {
		struct srp_direct_buf *d = &ioctx->desc[i];
		struct srpt_rw *rw = &ioctx->rw[ioctx->rw_ready];
		u32 len = min(left, be32_to_cpu(d->len));

		if (!len)
			continue;
		if (ioctx->n_desc == 1) {
			rw->sg = se_cmd->t_data_sg;
			rw->nents = se_cmd->t_data_nents;
		} else {
			rw->sg = srpt_sg_window(se_cmd->t_data_sg, off, len,
						&rw->nents);
			if (!rw->sg)
				return -ENOMEM;
		}
		ret = rdma_rw_ctx_init(&rw->ctx, ch->qp, ch->sport->port_num,
				       rw->sg, rw->nents, 0,
				       be64_to_cpu(d->va), be32_to_cpu(d->key),
				       dir);
		if (ret < 0) {
			if (ioctx->n_desc > 1)
				kfree(rw->sg);
			return ret;
		}
		ioctx->rw_ready++;
		off += len;
		left -= len;
	}
	return srpt_check_fits(ioctx, dir, srpt_rw_ops(ioctx));
}

ALLOW_ERROR_INJECTION(srpt_init_rw, ERRNO);

/* ----- responses -------------------------------------------------------- */

/*
 * Inlined into srpt_queue_status() and srpt_start_data(), one of which runs
 * for every command (and srpt_fail_busy()): a call cost as much as the body.
 */
static __always_inline void srpt_build_rsp(struct srpt_send_ioctx *ioctx)
{
	struct se_cmd *se_cmd = &ioctx->se_cmd;
	struct srpt_cmd_result res = {
		.tag		= ioctx->tag,
		.status		= se_cmd->scsi_status,
		.data_out	= se_cmd->data_direction == DMA_TO_DEVICE,
		.resid_count	= se_cmd->residual_count,
		.sense		= se_cmd->sense_buffer,
		.sense_len	= se_cmd->scsi_sense_length,
	};

	if (se_cmd->se_cmd_flags & SCF_UNDERFLOW_BIT)
		res.resid = SRPT_RESID_UNDER;
	else if (se_cmd->se_cmd_flags & SCF_OVERFLOW_BIT)
		res.resid = SRPT_RESID_OVER;
	ioctx->rsp_len = srpt_build_cmd_rsp(ioctx->rsp, ioctx->ch->max_ti_iu_len,
					    &res);
}

/* ----- small READs into a preallocated page ----------------------------- */

/* LUN and block size packed in one word; 0 is "none yet". */
static u64 srpt_rd_geometry(u64 lun, u32 block_size)
{
	if (lun >= 1ULL << 56 || !is_power_of_2(block_size))
		return 0;
	return lun << 8 | (ilog2(block_size) + 1);
}

/* Remember the LUN's block size for srpt_read_page(). */
static void srpt_note_rd_geometry(struct srpt_rdma_ch *ch,
				  struct se_cmd *se_cmd)
{
	u64 lun = se_cmd->orig_fe_lun;
	u64 geometry = srpt_rd_geometry(lun,
				se_cmd->se_dev->dev_attrib.block_size);
	u64 *slot = &ch->rd_geometry[lun % SRPT_RD_GEOMETRY_SLOTS];

	if (READ_ONCE(*slot) != geometry)
		WRITE_ONCE(*slot, geometry);
}

/* Transfer length in logical blocks of an SBC READ (SBC-4 5.15-5.18). */
static bool srpt_read_blocks(const u8 *cdb, u32 *blocks)
{
	switch (cdb[0]) {
	case READ_6:
		*blocks = cdb[4] ? cdb[4] : 256;
		return true;
	case READ_10:
		*blocks = get_unaligned_be16(&cdb[7]);
		return true;
	case READ_12:
		*blocks = get_unaligned_be32(&cdb[6]);
		return true;
	case READ_16:
		*blocks = get_unaligned_be32(&cdb[10]);
		return true;
	}
	return false;
}

/*
 * The context's own page for a READ of at most a page, so that target_core
 * allocates nothing. Only when the descriptors hold exactly what the CDB
 * asks for: target_core refuses a fabric buffer for an overflowing command
 * (transport_generic_map_mem_to_cmd()) instead of reporting the residual.
 * The block size is the one this LUN had on its last READ. If the LUN has
 * since been given a device with larger blocks, a READ still sized for the
 * old ones overflows and gets INVALID FIELD IN CDB where target_core would
 * have reported the residual; a READ sized for the new blocks is not
 * affected, and its completion updates the block size. Smaller blocks make
 * such a READ underflow, and srpt_submit_cdb() shortens the scatterlist to
 * the length target_core settled on.
 */
static struct scatterlist *srpt_read_page(struct srpt_send_ioctx *ioctx,
					  u64 lun, const u8 *cdb)
{
	u64 geometry = READ_ONCE(ioctx->ch->rd_geometry[lun %
						SRPT_RD_GEOMETRY_SLOTS]);
	u32 blocks;

	if (ioctx->data_dir != DMA_FROM_DEVICE || !ioctx->data_len ||
	    ioctx->data_len > PAGE_SIZE || !geometry ||
	    geometry >> 8 != lun || !srpt_read_blocks(cdb, &blocks) ||
	    (u64)blocks << ((geometry & 0xff) - 1) != ioctx->data_len)
		return NULL;
	if (!ioctx->rd_page) {
		ioctx->rd_page = alloc_page(GFP_KERNEL);
		if (!ioctx->rd_page)
			return NULL;
		atomic_long_add(PAGE_SIZE, &ioctx->ch->mem_rd_pages);
	}
	sg_init_table(&ioctx->rd_sg, 1);
	sg_set_page(&ioctx->rd_sg, ioctx->rd_page, ioctx->data_len, 0);
	return &ioctx->rd_sg;
}

/* ----- target_core callbacks -------------------------------------------- */

static struct srpt_send_ioctx *to_ioctx(struct se_cmd *se_cmd)
{
	return container_of(se_cmd, struct srpt_send_ioctx, se_cmd);
}

/*
 * Errors of srpt_init_rw() that pass: -ENOMEM (memory, a DMA mapping) and
 * -EAGAIN (the QP's MR pool is empty, iWARP or force_mr, until other
 * commands give theirs back).
 */
static bool srpt_rw_retryable(int ret)
{
	return ret == -ENOMEM || ret == -EAGAIN;
}

/*
 * The data of a command could not be mapped for now: try again shortly from
 * srpt_rw_retry_work(). Not target_core's queue-full retry: that one runs
 * again at once, spinning while the condition lasts, and in 6.1 it leaves
 * a write_pending retry that a TMF aborted meanwhile unfinished, so that
 * the TMF never completes.
 */
static void srpt_retry_rw_later(struct srpt_send_ioctx *ioctx,
				enum dma_data_direction dir)
{
	ioctx->retry_dir = dir;
	queue_delayed_work(srpt_retry_wq, &ioctx->rw_retry, max(1, HZ / 100));
}

/*
 * End a command whose data could not be mapped with TASK SET FULL: no
 * sense data, and for a READ a residual of all of its data, none was sent.
 */
static void srpt_fail_busy(struct srpt_send_ioctx *ioctx,
			   enum dma_data_direction dir)
{
	struct se_cmd *se_cmd = &ioctx->se_cmd;

	if (dir == DMA_FROM_DEVICE) {
		ioctx->state = SRPT_CMD_DONE;
		transport_generic_request_failure(se_cmd, TCM_OUT_OF_RESOURCES);
		return;
	}
	se_cmd->scsi_status = SAM_STAT_TASK_SET_FULL;
	se_cmd->scsi_sense_length = 0;
	se_cmd->se_cmd_flags &= ~SCF_OVERFLOW_BIT;
	se_cmd->se_cmd_flags |= SCF_UNDERFLOW_BIT;
	se_cmd->residual_count = se_cmd->data_length;
	srpt_build_rsp(ioctx);
	srpt_post_response(ioctx);
}

/*
 * Map the command's data and start its transfer: fetch WRITE data
 * (write_pending, @dir DMA_FROM_DEVICE) or send READ data with the
 * response (queue_data_in, DMA_TO_DEVICE).
 */
static void srpt_start_data(struct srpt_send_ioctx *ioctx,
			    enum dma_data_direction dir)
{
	struct se_cmd *se_cmd = &ioctx->se_cmd;
	sense_reason_t reason;
	int ret;

	ret = srpt_init_rw(ioctx, dir);
	if (!ret) {
		if (dir == DMA_FROM_DEVICE) {
			srpt_post_rdma_read(ioctx);
		} else {
			srpt_build_rsp(ioctx);
			srpt_post_response(ioctx);
		}
		return;
	}
	srpt_unmap_rw(ioctx);
	if (srpt_rw_retryable(ret) && ioctx->rw_retries < SRPT_MAX_RW_RETRIES) {
		srpt_retry_rw_later(ioctx, dir);
		return;
	}
	if (ret != -E2BIG) {
		/*
		 * Out of memory or MRs for longer than the retries last: TASK
		 * SET FULL (SAM-5 5.3.1), which initiators retry later.
		 */
		srpt_fail_busy(ioctx, dir);
		return;
	}
	/* Like any other descriptor list over our limits. */
	reason = TCM_INVALID_FIELD_IN_COMMAND_IU;
	if (dir == DMA_FROM_DEVICE) {
		ioctx->state = SRPT_CMD_DONE;
		transport_generic_request_failure(se_cmd, reason);
	} else {
		transport_send_check_condition_and_sense(se_cmd, reason, 0);
	}
}

/*
 * Retry the data transfer of a command whose mapping failed. A closing
 * channel ends it instead, as if its post had failed; its release work
 * waits for that (srpt_wait_in_flight()).
 */
static void srpt_rw_retry_work(struct work_struct *work)
{
	struct srpt_send_ioctx *ioctx = container_of(to_delayed_work(work),
						     struct srpt_send_ioctx,
						     rw_retry);
	bool out = ioctx->retry_dir == DMA_FROM_DEVICE;

	/*
	 * Bounded: an MR pool that never has enough MRs for this command at
	 * once (descriptors that each need several) must not hold it, and
	 * any TMF waiting for it, forever.
	 */
	ioctx->rw_retries++;
	/* An aborted command need not wait: target_core ends it either way. */
	if (!srpt_ch_is_live(ioctx->ch) ||
	    (ioctx->se_cmd.transport_state & CMD_T_ABORTED))
		srpt_post_failed(ioctx, out ? SRPT_POST_DATA_READ :
					      SRPT_POST_RESPONSE);
	else
		srpt_start_data(ioctx, ioctx->retry_dir);
}

int srpt_write_pending(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx = to_ioctx(se_cmd);

	if (ioctx->imm) {
		/*
		 * The data came inside the SRP_CMD (SRP2 immediate data). When
		 * it is not aligned for the backend (see srpt_imm_in_place())
		 * target_core allocated a buffer for it: copy it there and
		 * give the receive buffer back at once.
		 */
		struct srpt_recv_ioctx *recv = ioctx->imm;

		if (!(se_cmd->se_cmd_flags & SCF_PASSTHROUGH_SG_TO_MEM_NOALLOC)) {
			sg_copy_from_buffer(se_cmd->t_data_sg,
					    se_cmd->t_data_nents,
					    recv->buf + ioctx->ch->imm_data_offset,
					    se_cmd->data_length);
			ioctx->imm = NULL;
			srpt_repost_recv(ioctx->ch, recv);
		}
		ioctx->state = SRPT_CMD_DATA_IN;
		target_execute_cmd(se_cmd);
		return 0;
	}
	srpt_start_data(ioctx, DMA_FROM_DEVICE);
	return 0;
}

int srpt_queue_data_in(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx = to_ioctx(se_cmd);

	if (se_cmd->se_dev)
		srpt_note_rd_geometry(ioctx->ch, se_cmd);
	srpt_start_data(ioctx, DMA_TO_DEVICE);
	return 0;
}

int srpt_queue_status(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx = to_ioctx(se_cmd);

	/* Only the status goes out; drop any data mapping. */
	srpt_unmap_rw(ioctx);
	srpt_build_rsp(ioctx);
	srpt_post_response(ioctx);
	return 0;
}

void srpt_aborted_task(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx = to_ioctx(se_cmd);

	ioctx->state = SRPT_CMD_DONE;
}

int srpt_check_stop_free(struct se_cmd *se_cmd)
{
	return target_put_sess_cmd(se_cmd);
}

void srpt_release_cmd(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx = to_ioctx(se_cmd);

	if (ioctx->tmf)
		srpt_tmf_released(ioctx);
	else
		srpt_put_send_ioctx(ioctx);
}

/**
 * srpt_tmf_put - an owner of a task management request lets go of it
 * @tmf: the request (see @tmf_refs in srpt.h); released with the last owner.
 */
void srpt_tmf_put(struct srpt_send_ioctx *tmf)
{
	if (atomic_dec_and_test(&tmf->tmf_refs)) {
		kfree(tmf->unsig_wait);
		tmf->unsig_wait = NULL;
		srpt_put_send_ioctx(tmf);
	}
}

int srpt_get_cmd_state(struct se_cmd *se_cmd)
{
	return to_ioctx(se_cmd)->state;
}

/* ----- completions ------------------------------------------------------ */

static void srpt_return_sq_space(struct srpt_send_ioctx *ioctx)
{
	u32 wrs = ioctx->sq_wrs;

	ioctx->sq_wrs = 0;
	/* Confirm first: a slot of unsig_ring is reused once its entry is. */
	srpt_unsig_confirm(ioctx->ch, ioctx->unsig_seq);
	if (ioctx->sq_unsig) {
		srpt_unsig_return(ioctx->ch, ioctx->sq_unsig);
		ioctx->sq_unsig = 0;
	}
	srpt_sq_return(ioctx->ch, wrs);
}

static void srpt_rdma_read_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *ioctx =
		container_of(wc->wr_cqe, struct srpt_send_ioctx, rdma_cqe);

	srpt_return_sq_space(ioctx);
	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_info("%s: RDMA READ of write data failed: %s\n",
				ioctx->ch->name, ib_wc_status_msg(wc->status));
		/* An RC QP in error is dead; the response cannot be sent. */
		srpt_ch_close(ioctx->ch);
		ioctx->state = SRPT_CMD_DONE;
		transport_generic_request_failure(&ioctx->se_cmd,
						  TCM_CHECK_CONDITION_ABORT_CMD);
		return;
	}
	/*
	 * The data must be the CPU's before the backend sees it: unmapping
	 * syncs it (a bounce buffer, a non-coherent cache; DMA-API.rst) and
	 * returns the MRs of an MR-mode transfer at once.
	 */
	srpt_unmap_rw(ioctx);
	ioctx->state = SRPT_CMD_DATA_IN;
	target_execute_cmd(&ioctx->se_cmd);
}

static void srpt_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *ioctx =
		container_of(wc->wr_cqe, struct srpt_send_ioctx, send_cqe);

	srpt_return_sq_space(ioctx);
	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_info("%s: sending a response failed: %s\n",
				ioctx->ch->name, ib_wc_status_msg(wc->status));
		srpt_ch_close(ioctx->ch);
	}
	srpt_finish_unsent(ioctx);
}

/* ----- SRP_CMD ---------------------------------------------------------- */

/*
 * Room for @n descriptors and their rw contexts. One inline descriptor
 * needs no allocation, but a table fetched by RDMA READ gets its own
 * buffer: it must not share cache lines with the rest of the context.
 */
static int srpt_alloc_descs(struct srpt_send_ioctx *ioctx, u32 n,
			    bool fetched)
{
	if (n == 1 && !fetched)
		return 0;
	/*
	 * The table is DMA-mapped (srpt_fetch_table()), so kmalloc; the rw
	 * contexts are not and may be large (order 5 for a table of 1024):
	 * kvcalloc.
	 */
	ioctx->desc = kmalloc_array(n, sizeof(*ioctx->desc), GFP_KERNEL);
	ioctx->rw = kvcalloc(n, sizeof(*ioctx->rw), GFP_KERNEL);
	if (ioctx->desc && ioctx->rw)
		return 0;
	kfree(ioctx->desc);
	kvfree(ioctx->rw);
	ioctx->desc = &ioctx->single_desc;
	ioctx->rw = &ioctx->single_rw;
	return -ENOMEM;
}

/*
 * Parse the data buffer descriptors of an SRP_CMD (srpt_parse_cmd()) into
 * @ioctx: the direct descriptor; room for an indirect table, and the table
 * when the IU holds all of it, else (ioctx->table) where to read it from;
 * or the receive buffer holding immediate data.
 */
static sense_reason_t srpt_parse_data(struct srpt_send_ioctx *ioctx,
				      struct srpt_recv_ioctx *recv)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	/* srpt_parse_cmd() sets what it returns: no zeroing per command. */
	struct srpt_cmd_data data __uninitialized;
	sense_reason_t ret;

	ret = srpt_parse_cmd(recv->buf, recv->byte_len, ch->imm_data_offset,
			     ch->max_rdma_size, ch->name, &data);
	ioctx->data_dir = data.dir;
	ioctx->data_len = data.len;
	if (ret)
		return ret;
	switch (data.fmt) {
	case SRP_DATA_DESC_DIRECT:
		ioctx->single_desc = data.direct;
		ioctx->n_desc = 1;
		break;
	case SRP_DATA_DESC_INDIRECT:
		if (srpt_alloc_descs(ioctx, data.n_desc, data.fetch)) {
			ioctx->data_len = 0;
			return TCM_OUT_OF_RESOURCES;
		}
		ioctx->n_desc = data.n_desc;
		if (data.fetch)
			ioctx->table = data.table;
		else
			memcpy(ioctx->desc, data.list,
			       data.n_desc * sizeof(*ioctx->desc));
		break;
	case SRP_DATA_DESC_IMM:
		ioctx->imm = recv;
		break;
	}
	return TCM_NO_SENSE;
}

/*
 * Immediate data that starts on an SRPT_IMM_ALIGN boundary is given to
 * target_core in place, as the command's data buffer: no buffer to allocate,
 * no copy. The receive buffer is then held until the command's response
 * is posted (srpt_post_response()) or the command is released.
 */
static struct scatterlist *srpt_imm_in_place(struct srpt_send_ioctx *ioctx,
					     const u8 *cdb)
{
	void *data;

	if (!ioctx->imm || !ioctx->data_len)
		return NULL;
	/*
	 * Only for the SBC WRITEs. For other CDBs target_core accepts more
	 * data than the CDB asks for, but not in a buffer the fabric passed
	 * (transport_generic_map_mem_to_cmd()); the copy handles that.
	 */
	switch (cdb[0]) {
	case WRITE_6:
	case WRITE_10:
	case WRITE_12:
	case WRITE_16:
		break;
	default:
		return NULL;
	}
	data = ioctx->imm->buf + ioctx->ch->imm_data_offset;
	if (!IS_ALIGNED((unsigned long)data, SRPT_IMM_ALIGN))
		return NULL;
	/* A receive buffer is physically contiguous: one entry will do. */
	sg_init_one(&ioctx->imm_sg, data, ioctx->data_len);
	return &ioctx->imm_sg;
}

/*
 * Give the command, whose CDB is at @cdb, to target_core, with @data_sg as
 * its data buffer if not NULL. Inlined into its two callers, one of which
 * runs for every command.
 */
static __always_inline void srpt_submit_cdb(struct srpt_send_ioctx *ioctx,
					    u8 *cdb,
					    struct scatterlist *data_sg)
{
	struct se_cmd *se_cmd = &ioctx->se_cmd;

	if (target_submit_prep(se_cmd, cdb, data_sg, data_sg ? 1 : 0,
			       NULL, 0, NULL, 0, GFP_KERNEL))
		return;	/* target_core already sent CHECK CONDITION */
	/*
	 * For an underflowing READ target_core shortened data_length to what
	 * the CDB asks for but kept our scatterlist: shorten it too, or the
	 * backend would read more blocks than the CDB names (srpt_read_page()
	 * trusts a block size that may have changed since).
	 */
	if (data_sg == &ioctx->rd_sg && se_cmd->data_length < data_sg->length)
		data_sg->length = se_cmd->data_length;
	target_submit(se_cmd);
}

/*
 * A buffer without immediate data (see write_pending) is reposted before
 * target_submit_prep(), which may answer at once and so return the
 * command's credit: the initiator may use that credit only once the buffer
 * is back (SRP r16a 5.4.2). The CDB, with its additional bytes contiguous
 * in the IU, is copied first; target_core reads no more of it than
 * srpt_parse_cmd() found in the IU (scsi_command_size(), srpt_cdb_fits()),
 * so the rest of the room is not zeroed. Out of line, so that commands
 * with immediate data do not carry the room in their stack frame. Only
 * these commands can be READs into the context's page.
 */
static noinline void srpt_submit_cdb_copy(struct srpt_recv_ioctx *recv,
					  struct srpt_send_ioctx *ioctx)
{
	const struct srp_cmd *cmd = recv->buf;
	u8 cdb[SRPT_MAX_CDB_LEN] __uninitialized;

	memcpy(cdb, cmd->cdb, sizeof(cmd->cdb) + (cmd->add_cdb_len & ~3));
	srpt_repost_recv(ioctx->ch, recv);
	srpt_submit_cdb(ioctx, cdb, srpt_read_page(ioctx, ioctx->lun, cdb));
}

/*
 * Hand a parsed SRP_CMD to target_core; @reason is set for a malformed IU.
 * @recv is reposted here unless it holds immediate data, which goes back
 * with the response (srpt_post_response()).
 */
static void srpt_submit_cmd(struct srpt_rdma_ch *ch,
			    struct srpt_recv_ioctx *recv,
			    struct srpt_send_ioctx *ioctx, sense_reason_t reason)
{
	struct se_session *se_sess = ch->nexus->se_sess;
	struct srp_cmd *cmd = recv->buf;
	struct se_cmd *se_cmd = &ioctx->se_cmd;
	int ret;

	ret = target_init_cmd(se_cmd, se_sess, ioctx->sense, ioctx->lun,
			      ioctx->data_len,
			      srpt_task_attr(cmd->task_attr), ioctx->data_dir,
			      TARGET_SCF_ACK_KREF);
	if (ret) {
		/* The session is being stopped; the channel goes with it. */
		ioctx->imm = NULL;
		srpt_repost_recv(ch, recv);
		srpt_put_send_ioctx(ioctx);
		return;
	}
	se_cmd->tag = cmd->tag;
	if (reason) {
		/*
		 * A malformed IU: answer CHECK CONDITION before any LUN
		 * lookup, as target_submit_prep() does for a bad CDB.
		 */
		ioctx->imm = NULL;
		srpt_repost_recv(ch, recv);
		transport_send_check_condition_and_sense(se_cmd, reason, 0);
		target_put_sess_cmd(se_cmd);
		return;
	}
	if (ioctx->imm)
		srpt_submit_cdb(ioctx, cmd->cdb,
				srpt_imm_in_place(ioctx, cmd->cdb));
	else
		srpt_submit_cdb_copy(recv, ioctx);
}

static void srpt_unmap_table(struct srpt_send_ioctx *ioctx)
{
	ib_dma_unmap_single(ioctx->ch->sdev->ib_dev, ioctx->table_dma,
			    ioctx->n_desc * sizeof(*ioctx->desc),
			    DMA_FROM_DEVICE);
}

/*
 * The table fetch of @ioctx is over (read, failed, or never posted): stop
 * tracking it, hand the CPU the table and return the TMF waiting for it.
 */
static struct srpt_send_ioctx *srpt_end_table_fetch(struct srpt_send_ioctx *ioctx,
						    struct srpt_recv_ioctx **recv)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct srpt_send_ioctx *tmf;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	list_del_init(&ioctx->table_node);
	tmf = ioctx->wait_tmf;
	ioctx->wait_tmf = NULL;
	spin_unlock_irqrestore(&ch->lock, flags);
	srpt_unmap_table(ioctx);
	*recv = ioctx->table_recv;
	ioctx->table_recv = NULL;
	return tmf;
}

/* The table could not be read: drop the command, target_core never saw it. */
static void srpt_drop_table_cmd(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct srpt_recv_ioctx *recv;
	struct srpt_send_ioctx *tmf = srpt_end_table_fetch(ioctx, &recv);

	srpt_repost_recv(ch, recv);
	srpt_put_send_ioctx(ioctx);
	if (tmf)
		srpt_tmf_fetch_ended(tmf);
}

static void srpt_table_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_send_ioctx *ioctx =
		container_of(wc->wr_cqe, struct srpt_send_ioctx, table_cqe);
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct srpt_send_ioctx *tmf;
	struct srpt_recv_ioctx *recv;

	srpt_return_sq_space(ioctx);
	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			pr_info("%s: RDMA READ of a descriptor table failed: %s\n",
				ch->name, ib_wc_status_msg(wc->status));
		srpt_ch_close(ch);
		srpt_drop_table_cmd(ioctx);
		return;
	}
	tmf = srpt_end_table_fetch(ioctx, &recv);
	srpt_submit_cmd(ch, recv, ioctx,
			srpt_check_desc_sum(ioctx->desc, ioctx->n_desc,
					    ioctx->data_len));
	/* target_core has seen the command: a TMF waiting for it may go. */
	if (tmf)
		srpt_tmf_fetch_ended(tmf);
}

/**
 * srpt_wait_table_fetches - make a TMF wait for the table fetches under way
 * @ch:  a channel of the nexus the task management function is for.
 * @tmf: the task management request.
 *
 * A command whose descriptor table is still being read (SRP r16a 5.5.4.3)
 * is invisible to target_core: ABORT TASK or LOGICAL UNIT RESET would not
 * find it and the command would run after the TMF was answered. So the TMF
 * goes to target_core only after every such command has (srpt_table_done()),
 * and target_core alone decides what the TMF aborts. A fetch another TMF
 * already waits for is covered: this TMF waits for that one (@tmf_next).
 */
void srpt_wait_table_fetches(struct srpt_rdma_ch *ch,
			     struct srpt_send_ioctx *tmf)
{
	struct srpt_send_ioctx *ioctx;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	list_for_each_entry(ioctx, &ch->table_list, table_node) {
		if (ioctx->wait_tmf)
			continue;
		ioctx->wait_tmf = tmf;
		atomic_inc(&tmf->tmf_pending);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
}

/**
 * srpt_wait_answers - make a TMF's answer wait for the commands it covers
 * @ch:  a channel of the nexus the task management function is for.
 * @tmf: the task management request, not yet given to target_core.
 *
 * target_core does not abort a command that has its status already
 * (CMD_T_COMPLETE) but whose queue_status() has not run yet, and answers
 * the TMF without waiting for it. Were the TMF's SRP_RSP sent first, the
 * initiator would take the command as aborted (SAM-5 5.6: the commands a
 * task management function aborts are over when it completes) and may
 * reuse its tag, and the
 * late SRP_RSP would then complete the tag's new command. So the answer
 * waits until every command received before the TMF that it covers has
 * been released, which is after its SRP_RSP was sent. A command another
 * TMF already waits for is covered: that TMF is for the same logical unit,
 * and this one's answer waits for its answer (@answer_next). Across
 * channels "before" is as far as the target can see: a command still in
 * another channel's completion queue is not waited for.
 *
 * Context: srpt_mutex held (the nexus' channel list); takes ch->lock.
 */
void srpt_wait_answers(struct srpt_rdma_ch *ch, struct srpt_send_ioctx *tmf)
{
	struct srpt_send_ioctx *ioctx;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	hlist_for_each_entry(ioctx, &ch->unanswered, unanswered_node) {
		if (ioctx->answer_tmf || !srpt_tmf_covers(tmf, ioctx))
			continue;
		ioctx->answer_tmf = tmf;
		atomic_inc(&tmf->answer_pending);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
}

/* RDMA READ the external descriptor table into ioctx->desc. */
static void srpt_post_table_read(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct ib_rdma_wr *wr = &ioctx->table_wr;
	struct ib_sge *sge = &ioctx->table_sge;

	memset(wr, 0, sizeof(*wr));
	sge->addr = ioctx->table_dma;
	sge->length = ioctx->n_desc * sizeof(*ioctx->desc);
	sge->lkey = ch->sdev->pd->local_dma_lkey;
	ioctx->table_cqe.done = srpt_table_done;
	wr->wr.wr_cqe = &ioctx->table_cqe;
	wr->wr.opcode = IB_WR_RDMA_READ;
	wr->wr.send_flags = IB_SEND_SIGNALED;
	wr->wr.sg_list = sge;
	wr->wr.num_sge = 1;
	wr->remote_addr = be64_to_cpu(ioctx->table.va);
	wr->rkey = be32_to_cpu(ioctx->table.key);
	srpt_sq_post(ioctx, &wr->wr, 1, SRPT_POST_TABLE_READ, NULL);
}

/* Map ioctx->desc for the table and read it (SRP r16a 5.5.4.3). */
static void srpt_fetch_table(struct srpt_send_ioctx *ioctx)
{
	struct srpt_rdma_ch *ch = ioctx->ch;
	struct ib_device *ib_dev = ch->sdev->ib_dev;
	unsigned long flags;

	ioctx->table_dma = ib_dma_map_single(ib_dev, ioctx->desc,
					     ioctx->n_desc * sizeof(*ioctx->desc),
					     DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(ib_dev, ioctx->table_dma)) {
		srpt_submit_cmd(ch, ioctx->table_recv, ioctx,
				TCM_OUT_OF_RESOURCES);
		return;
	}
	spin_lock_irqsave(&ch->lock, flags);
	ioctx->wait_tmf = NULL;
	list_add_tail(&ioctx->table_node, &ch->table_list);
	spin_unlock_irqrestore(&ch->lock, flags);
	srpt_post_table_read(ioctx);
}

static void srpt_handle_cmd(struct srpt_rdma_ch *ch,
			    struct srpt_recv_ioctx *recv,
			    struct srpt_send_ioctx *ioctx)
{
	struct srp_cmd *cmd = recv->buf;
	sense_reason_t reason;

	ioctx->table.len = 0;
	reason = srpt_parse_data(ioctx, recv);
	/*
	 * Only malformed commands are traced: blktests runs with dynamic
	 * debug on, and a line per command would cost more than the I/O.
	 */
	if (reason)
		pr_debug("%s: tag %#llx: malformed SRP_CMD op %#x, %u bytes, fmt %#x, sense reason %u\n",
			 ch->name, ioctx->tag, cmd->cdb[0], recv->byte_len,
			 cmd->buf_fmt, reason);
	if (!reason && ioctx->table.len) {
		ioctx->table_recv = recv;
		srpt_fetch_table(ioctx);
		return;
	}
	srpt_submit_cmd(ch, recv, ioctx, reason);
}

/* ----- receive ---------------------------------------------------------- */

/*
 * An IU the target does not accept on a live channel: SRP r16a 6.5 has the
 * target log the channel out with the reason, then disconnect.
 */
static void srpt_refuse_iu(struct srpt_rdma_ch *ch,
			   struct srpt_recv_ioctx *recv, u32 reason,
			   enum srpt_login_stat stat)
{
	pr_warn_ratelimited("%s: refusing IU with opcode 0x%02x, %u bytes: SRP_T_LOGOUT reason %#x\n",
			    ch->name, *(u8 *)recv->buf, recv->byte_len, reason);
	srpt_count_port_stat(ch->sport, stat);
	srpt_repost_recv(ch, recv);
	srpt_ch_logout(ch, reason);
}

/*
 * Does this SRP_CRED_RSP answer an SRP_CRED_REQ we sent? Those still
 * unanswered carry the last ch->cred_unanswered tags up to ch->cred_tag.
 */
static bool srpt_cred_rsp_expected(struct srpt_rdma_ch *ch,
				   struct srpt_recv_ioctx *recv)
{
	const struct srp_cred_rsp *rsp = recv->buf;
	unsigned long flags;
	bool expected;

	spin_lock_irqsave(&ch->lock, flags);
	expected = ch->cred_unanswered &&
		   ch->cred_tag - rsp->tag < ch->cred_unanswered;
	if (expected)
		ch->cred_unanswered--;
	spin_unlock_irqrestore(&ch->lock, flags);
	return expected;
}

static void srpt_dispatch_iu(struct srpt_rdma_ch *ch,
			     struct srpt_recv_ioctx *recv)
{
	u32 logout;
	struct srpt_send_ioctx *ioctx;
	u8 opcode = *(u8 *)recv->buf;

	switch (opcode) {
	case SRP_CMD:
		/* Single writer: see @cmds_received in srpt.h. */
		WRITE_ONCE(ch->cmds_received, ch->cmds_received + 1);
		logout = srpt_cmd_fmt_logout(recv->buf, recv->byte_len,
					     ch->imm_data_offset);
		if (logout) {
			srpt_refuse_iu(ch, recv, logout, SRPT_IU_REJ_FORMAT);
			return;
		}
		fallthrough;
	case SRP_TSK_MGMT:
		ioctx = srpt_get_send_ioctx(ch, recv->buf);
		if (!ioctx) {
			if (READ_ONCE(ch->req_outstanding) >= ch->rq_size ||
			    READ_ONCE(ch->in_flight) + srpt_unsig_held(ch) >=
			    2 * ch->rq_size)
				pr_warn_ratelimited("%s: initiator exceeds its %u credits; closing the channel\n",
						    ch->name, ch->rq_size);
			else
				pr_warn_ratelimited("%s: out of memory for a command; closing the channel\n",
						    ch->name);
			srpt_repost_recv(ch, recv);
			srpt_ch_close(ch);
			return;
		}
		if (opcode == SRP_CMD)
			srpt_handle_cmd(ch, recv, ioctx);
		else
			srpt_handle_tsk_mgmt(ch, recv, ioctx);
		return;
	case SRP_I_LOGOUT:
		/* SRP r16a 6.3: the initiator ends this channel. */
		pr_info("%s: initiator logout\n", ch->name);
		srpt_repost_recv(ch, recv);
		srpt_ch_close(ch);
		return;
	case SRP_CRED_RSP:
		/* Answers to our requests use no credit (SRP r16a 5.4.2). */
		if (srpt_cred_rsp_expected(ch, recv)) {
			srpt_repost_recv(ch, recv);
			return;
		}
		fallthrough;
	case SRP_AER_RSP:
		/* We never send an SRP_AER_REQ. */
		srpt_refuse_iu(ch, recv, SRPT_LOGOUT_UNSOLICITED_RSP,
			       SRPT_IU_REJ_UNSOLICITED);
		return;
	default:
		/* Target-to-initiator IUs, SRP_LOGIN_REQ, unknown codes. */
		srpt_refuse_iu(ch, recv, SRPT_LOGOUT_INVALID_IU_TYPE,
			       SRPT_IU_REJ_TYPE);
		return;
	}
}

static void srpt_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct srpt_recv_ioctx *recv =
		container_of(wc->wr_cqe, struct srpt_recv_ioctx, cqe);
	struct srpt_rdma_ch *ch = wc->qp->qp_context;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			pr_info("%s: receive failed: %s\n", ch->name,
				ib_wc_status_msg(wc->status));
			srpt_ch_close(ch);
		} else if (srpt_ch_is_live(ch) && READ_ONCE(ch->nexus)) {
			/*
			 * Flushed while nobody closes the channel: its QP went
			 * to the error state by itself, and not every device
			 * raises a QP event for that (rxe does not). A login
			 * still being set up is not ours to close (see
			 * srpt_qp_event()).
			 */
			pr_info("%s: receive flushed on a live channel: its QP is in error\n",
				ch->name);
			srpt_ch_close(ch);
		}
		if (recv->srq)
			srpt_post_srq_recv(recv->srq, recv);
		return;
	}
	recv->byte_len = wc->byte_len;
	ib_dma_sync_single_for_cpu(ch->sdev->ib_dev, recv->dma, recv->len,
				   DMA_FROM_DEVICE);
	if (READ_ONCE(ch->state) == SRPT_CH_CONNECTING)
		srpt_ch_mark_live(ch, false);
	if (!srpt_ch_is_live(ch)) {
		if (recv->srq)
			srpt_post_srq_recv(recv->srq, recv);
		return;
	}
	/*
	 * Every IU starts with an opcode and, at offset 8, a tag (SRP r16a
	 * 5.2): a shorter one is no IU of any type.
	 */
	if (recv->byte_len < 16) {
		srpt_refuse_iu(ch, recv, SRPT_LOGOUT_INVALID_IU_TYPE,
			       SRPT_IU_REJ_TYPE);
		return;
	}
	srpt_dispatch_iu(ch, recv);
}
