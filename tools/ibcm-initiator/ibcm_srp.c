// SPDX-License-Identifier: GPL-2.0
/*
 * ibcm_srp: an SRP initiator that logs in through IB/CM on a RoCE port, for
 * testing an SRP target (ib_srpt) on soft-RoCE. Test guests only.
 *
 * There is no subnet administrator on RoCE: like rdma_cm's
 * cma_resolve_iboe_route(), it builds the path record itself, from the
 * port's IPv4-mapped RoCE v2 GID (used as both source and destination: the
 * target is on the same port) and the netdev's MAC address.
 *
 * Driven through /sys/kernel/debug/ibcm_srp/ctl: write one command, read
 * back its result ("ok ..." or "err ..."; a failed command also fails the
 * write with EIO). /sys/kernel/debug/ibcm_srp/state lists the channels.
 * Commands (ch=N picks a channel, default 0):
 *
 *   login [ch=N] [flags=single|multi] [guid=X] [tport=X128] [id=X128]
 *         [ext=X] [iu_len=N] [buf_fmt=N] [opcode=N] [rtu_delay_ms=N]
 *         [rtu=never] [cm_timeout=N] [cm_retries=N] [timeout_ms=N]
 *         [read_depth=N]
 *   tur|inquiry|readcap [ch=N] [lun=N] [timeout_ms=N] [nowait]
 *   write|read [ch=N] [lun=N] lba=N blocks=N pattern=N [timeout_ms=N]
 *         [nowait]
 *   stress [ch=N] count=N [depth=N] [blocks=N] [dreq_after=N]
 *   rdma_read [ch=N] [rkey=X] [timeout_ms=N]
 *                   one 8-byte RDMA READ from the target's address 0
 *                   with rkey X (default 0); prints its completion status
 *   cm_listen [service_id=X]   an IB/CM listener of ours on rxe0 that
 *                   rejects every REQ (default: the node GUID, ib_srpt's
 *                   default service id); cm_unlisten removes it
 *   rdma_listen port=N   an RDMA/CM listener on the any-address that
 *                   refuses every connection; rdma_unlisten removes it
 *   dreq [ch=N]     DREQ, wait for the DREP; the channel stays for "close"
 *   logout [ch=N]   DREQ, wait for the DREP, free the channel
 *   ilogout [ch=N]  SRP_I_LOGOUT, wait for the target's DREQ, free it
 *   rej [ch=N]      REJ after the REP (no RTU sent yet), free the channel
 *   rtu [ch=N]      send the RTU now (after rtu=never)
 *   close [ch=N]    free the channel without a CM message
 *   reset           free every channel
 *
 * guid is the target's service id, ID_EXT and IOC GUID (default: the node
 * GUID, ib_srpt's default srpt_service_guid); tport overrides the target
 * port id; the initiator port id is id, or ext followed by the interface id
 * of the port's GID 0. read compares the data with what write wrote.
 *
 * read_depth=N asks for N RDMA READ responder resources in the REQ
 * (INITIATOR DEPTH, as ib_srp does) and sets the QP's max_rd_atomic to N
 * whatever the REP grants, so that rdma_read can probe what the target's
 * QP serves. nowait posts the command and returns at once; the channel
 * takes no other SCSI command until it is answered or freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
/* v6.12: "move asm/unaligned.h to linux/unaligned.h" (5f60d5f6bbc1) */
#ifdef IBCM_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_cm.h>
#include <rdma/ib_sa.h>
#include <rdma/rdma_cm.h>
#include <rdma/ib_verbs.h>
#include <scsi/scsi_proto.h>
#include <scsi/srp.h>

#define IBCM_MAX_CH	80
#define IBCM_DEPTH	16		/* commands in flight per channel */
#define IBCM_RX		(IBCM_DEPTH + 8)
#define IBCM_TX_SIZE	256
#define IBCM_MAX_BYTES	(256 * 1024)	/* data per command */
#define IBCM_RESULT_LEN	512
#define IBCM_MAX_ARGS	16

static char *ibdev_name = "rxe0";
module_param_named(ibdev, ibdev_name, charp, 0444);
MODULE_PARM_DESC(ibdev, "RDMA device to use (default rxe0); port 1");

enum ibcm_state {
	IBCM_REQ_SENT,
	IBCM_CONNECTED,		/* REP received, QP in RTS */
	IBCM_DISCONNECTED,	/* DREQ/DREP/REJ after the REP */
	IBCM_FAILED,		/* login not accepted, or the QP is in error */
};

static const char *const ibcm_state_names[] = {
	[IBCM_REQ_SENT] = "req_sent",
	[IBCM_CONNECTED] = "connected",
	[IBCM_DISCONNECTED] = "disconnected",
	[IBCM_FAILED] = "failed",
};

struct ibcm_ch;

struct ibcm_iu {
	void *buf;
	u64 dma;
	u32 size;
	enum dma_data_direction dir;
	struct ib_cqe cqe;
	struct ibcm_ch *ch;
};

struct ibcm_slot {
	struct ibcm_iu tx;
	struct completion done;
	bool busy;
	bool answered;
	u8 status;
	u8 flags;
	u8 sense[3];	/* key, asc, ascq */
	void *data;
	u64 data_dma;
	u32 data_len;
};

struct ibcm_ch {
	int idx;
	struct ib_device *dev;
	const struct ib_gid_attr *sgid_attr;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct ib_cm_id *cm_id;
	struct sa_path_rec path;
	bool qp_used;		/* left RESET: drain before destroying */

	spinlock_t lock;	/* req_lim, slots, flags below */
	enum ibcm_state state;
	struct completion cm_done;	/* REP, REJ or REQ error */
	struct completion disc_done;	/* DREP, DREQ, REJ, timewait */
	wait_queue_head_t wq;		/* an SRP_RSP or a disconnect */
	int login_result;	/* 0 accepted, 1 rejected, else -errno */
	u32 rej_reason;
	int cm_rej_code;
	struct srp_login_rsp rsp;
	int req_lim;
	u32 max_ti_iu_len;
	bool dreq_rcvd;
	bool drep_rcvd;
	bool rej_rcvd;
	bool t_logout;
	u32 t_logout_reason;
	u32 send_errors;
	u32 unexpected;

	int rtu_delay_ms;
	bool rtu_never;
	u8 read_depth;
	bool rtu_sent;
	bool freeing;		/* no new rtu_work (lock) */
	struct delayed_work rtu_work;

	u32 blksz;
	u8 i_port_id[16];
	u64 next_tag;

	struct ibcm_iu rx[IBCM_RX];
	/* SRP_CRED_RSP/SRP_AER_RSP, posted from the receive completion */
	struct ibcm_iu ctl_tx;
	/* SRP_I_LOGOUT, posted by "ilogout" (not ctl_tx: that may be busy) */
	struct ibcm_iu logout_tx;
	struct ibcm_slot slot[IBCM_DEPTH];

	/* rdma_read: the buffer, its completion and status */
	struct ibcm_iu probe;
	struct completion probe_done;
	enum ib_wc_status probe_status;
};

static DEFINE_MUTEX(ibcm_mutex);
static struct ib_device *ibcm_dev;
static struct ib_cm_id *ibcm_listener;		/* cm_listen */
static struct rdma_cm_id *ibcm_rdma_listener;	/* rdma_listen */
static struct ibcm_ch *ibcm_chs[IBCM_MAX_CH];
static char ibcm_result[IBCM_RESULT_LEN] = "none\n";
static struct dentry *ibcm_dir;

struct ibcm_args {
	int n;
	char *key[IBCM_MAX_ARGS];
	char *val[IBCM_MAX_ARGS];
	bool used[IBCM_MAX_ARGS];
};

static __printf(2, 3) int ibcm_res(bool ok, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = scnprintf(ibcm_result, sizeof(ibcm_result), "%s ", ok ? "ok" : "err");
	va_start(ap, fmt);
	n += vscnprintf(ibcm_result + n, sizeof(ibcm_result) - n, fmt, ap);
	va_end(ap);
	scnprintf(ibcm_result + n, sizeof(ibcm_result) - n, "\n");
	return ok ? 0 : -EIO;
}

/* ----- arguments ------------------------------------------------------- */

static int ibcm_parse(char *line, struct ibcm_args *a)
{
	char *tok, *eq;

	a->n = 0;
	while ((tok = strsep(&line, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (a->n == IBCM_MAX_ARGS)
			return -E2BIG;
		eq = strchr(tok, '=');
		if (eq)
			*eq++ = '\0';
		a->key[a->n] = tok;
		a->val[a->n] = eq;
		a->used[a->n] = false;
		a->n++;
	}
	return 0;
}

static char *ibcm_arg(struct ibcm_args *a, const char *key)
{
	int i;

	for (i = 1; i < a->n; i++) {
		if (!strcmp(a->key[i], key)) {
			a->used[i] = true;
			return a->val[i] ? a->val[i] : "";
		}
	}
	return NULL;
}

static int ibcm_arg_u64(struct ibcm_args *a, const char *key, u64 *v, u64 def)
{
	char *s = ibcm_arg(a, key);

	*v = def;
	if (!s)
		return 0;
	if (kstrtou64(s, 0, v))
		return ibcm_res(false, "%s: '%s' is not a number", key, s);
	return 0;
}

static int ibcm_arg_u32(struct ibcm_args *a, const char *key, u32 *v, u32 def,
			u32 max)
{
	u64 x;
	int ret = ibcm_arg_u64(a, key, &x, def);

	if (ret)
		return ret;
	if (x > max)
		return ibcm_res(false, "%s: %llu is above %u", key, x, max);
	*v = x;
	return 0;
}

/* A 128-bit id: 0x and 32 hex digits. */
static int ibcm_arg_id(struct ibcm_args *a, const char *key, u8 *id,
		       bool *given)
{
	char *s = ibcm_arg(a, key);

	*given = s;
	if (!s)
		return 0;
	if (!strncmp(s, "0x", 2))
		s += 2;
	if (strlen(s) != 32 || hex2bin(id, s, 16))
		return ibcm_res(false, "%s: want 32 hex digits, not '%s'", key, s);
	return 0;
}

static int ibcm_args_done(struct ibcm_args *a)
{
	int i;

	for (i = 1; i < a->n; i++)
		if (!a->used[i])
			return ibcm_res(false, "%s: unknown argument '%s'", a->key[0],
					a->key[i]);
	return 0;
}

/* ----- buffers ---------------------------------------------------------- */

static int ibcm_iu_alloc(struct ibcm_ch *ch, struct ibcm_iu *iu, u32 size,
			 enum dma_data_direction dir)
{
	iu->buf = kzalloc(size, GFP_KERNEL);
	if (!iu->buf)
		return -ENOMEM;
	iu->dma = ib_dma_map_single(ch->dev, iu->buf, size, dir);
	if (ib_dma_mapping_error(ch->dev, iu->dma)) {
		kfree(iu->buf);
		iu->buf = NULL;
		return -ENOMEM;
	}
	iu->size = size;
	iu->dir = dir;
	iu->ch = ch;
	return 0;
}

static void ibcm_iu_free(struct ibcm_ch *ch, struct ibcm_iu *iu)
{
	if (!iu->buf)
		return;
	ib_dma_unmap_single(ch->dev, iu->dma, iu->size, iu->dir);
	kfree(iu->buf);
	iu->buf = NULL;
}

static void ibcm_slot_put_data(struct ibcm_ch *ch, struct ibcm_slot *slot)
{
	if (!slot->data)
		return;
	ib_dma_unmap_single(ch->dev, slot->data_dma, slot->data_len,
			    DMA_BIDIRECTIONAL);
	kfree(slot->data);
	slot->data = NULL;
}

/* ----- completions ------------------------------------------------------ */

static void ibcm_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ibcm_iu *iu = container_of(wc->wr_cqe, struct ibcm_iu, cqe);

	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR) {
		iu->ch->send_errors++;
		pr_info("ch%d: send failed: %s\n", iu->ch->idx,
			ib_wc_status_msg(wc->status));
	}
}

static int ibcm_post_recv(struct ibcm_ch *ch, struct ibcm_iu *iu)
{
	struct ib_sge sge = {
		.addr = iu->dma,
		.length = iu->size,
		.lkey = ch->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &iu->cqe,
		.sg_list = &sge,
		.num_sge = 1,
	};

	return ib_post_recv(ch->qp, &wr, NULL);
}

static int ibcm_post_send(struct ibcm_ch *ch, struct ibcm_iu *iu, u32 len)
{
	struct ib_sge sge = {
		.addr = iu->dma,
		.length = len,
		.lkey = ch->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &iu->cqe,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};

	iu->cqe.done = ibcm_send_done;
	ib_dma_sync_single_for_device(ch->dev, iu->dma, len, DMA_TO_DEVICE);
	return ib_post_send(ch->qp, &wr, NULL);
}

/* Answer an SRP_CRED_REQ or SRP_AER_REQ (SRP r16a 6.11, 6.13). */
static void ibcm_answer_req(struct ibcm_ch *ch, u8 opcode, u64 tag)
{
	struct srp_cred_rsp *rsp = ch->ctl_tx.buf;

	memset(rsp, 0, sizeof(*rsp));
	rsp->opcode = opcode;
	rsp->tag = tag;
	if (ibcm_post_send(ch, &ch->ctl_tx, sizeof(*rsp)))
		ch->send_errors++;
}

static void ibcm_handle_rsp(struct ibcm_ch *ch, struct srp_rsp *rsp, u32 len)
{
	u32 s = rsp->tag & (IBCM_DEPTH - 1);
	struct ibcm_slot *slot = &ch->slot[s];
	u32 sense_len, off;

	ch->req_lim += be32_to_cpu(rsp->req_lim_delta);
	if (!slot->busy || slot->answered) {
		ch->unexpected++;
		return;
	}
	slot->status = rsp->status;
	slot->flags = rsp->flags;
	memset(slot->sense, 0, sizeof(slot->sense));
	sense_len = be32_to_cpu(rsp->sense_data_len);
	/* The caller checked len >= sizeof(*rsp); off stays <= len. */
	off = sizeof(*rsp);
	if (rsp->flags & SRP_RSP_FLAG_RSPVALID)
		off += min(be32_to_cpu(rsp->resp_data_len), len - off);
	if ((rsp->flags & SRP_RSP_FLAG_SNSVALID) && sense_len >= 14 &&
	    off + 14 <= len) {
		slot->sense[0] = rsp->data[off - sizeof(*rsp) + 2] & 0xf;
		slot->sense[1] = rsp->data[off - sizeof(*rsp) + 12];
		slot->sense[2] = rsp->data[off - sizeof(*rsp) + 13];
	}
	slot->answered = true;
	complete(&slot->done);
}

static void ibcm_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ibcm_iu *iu = container_of(wc->wr_cqe, struct ibcm_iu, cqe);
	struct ibcm_ch *ch = iu->ch;
	u8 *buf = iu->buf;
	unsigned long flags;

	if (wc->status != IB_WC_SUCCESS)
		return;
	ib_dma_sync_single_for_cpu(ch->dev, iu->dma, iu->size, DMA_FROM_DEVICE);
	spin_lock_irqsave(&ch->lock, flags);
	if (wc->byte_len < 16) {
		ch->unexpected++;
	} else if (buf[0] == SRP_RSP && wc->byte_len >= sizeof(struct srp_rsp)) {
		ibcm_handle_rsp(ch, iu->buf, wc->byte_len);
	} else if (buf[0] == SRP_CRED_REQ || buf[0] == SRP_AER_REQ) {
		struct srp_cred_req *req = iu->buf;

		ch->req_lim += be32_to_cpu(req->req_lim_delta);
		ibcm_answer_req(ch, buf[0] == SRP_CRED_REQ ? SRP_CRED_RSP :
				SRP_AER_RSP, req->tag);
	} else if (buf[0] == SRP_T_LOGOUT) {
		struct srp_t_logout *lo = iu->buf;

		ch->t_logout = true;
		ch->t_logout_reason = be32_to_cpu(lo->reason);
	} else {
		ch->unexpected++;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	wake_up_all(&ch->wq);
	ib_dma_sync_single_for_device(ch->dev, iu->dma, iu->size,
				      DMA_FROM_DEVICE);
	if (ibcm_post_recv(ch, iu))
		pr_info("ch%d: reposting a receive failed\n", ch->idx);
}

static void ibcm_qp_event(struct ib_event *ev, void *ctx)
{
	struct ibcm_ch *ch = ctx;

	pr_info("ch%d: QP event %s\n", ch->idx, ib_event_msg(ev->event));
}

/* ----- IB/CM ------------------------------------------------------------ */

static int ibcm_modify_qp(struct ibcm_ch *ch, enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask, ret;

	ret = ib_cm_init_qp_attr(ch->cm_id, &attr, &mask);
	if (ret)
		return ret;
	/* Deliberately more than the REP may have granted: see read_depth. */
	if (state == IB_QPS_RTS && ch->read_depth) {
		attr.max_rd_atomic = ch->read_depth;
		mask |= IB_QP_MAX_QP_RD_ATOMIC;
	}
	ret = ib_modify_qp(ch->qp, &attr, mask);
	if (!ret)
		ch->qp_used = true;
	return ret;
}

static void ibcm_send_rtu(struct ibcm_ch *ch)
{
	int ret = ib_send_cm_rtu(ch->cm_id, NULL, 0);

	if (ret)
		pr_info("ch%d: sending the RTU failed (%d)\n", ch->idx, ret);
	else
		ch->rtu_sent = true;
	pr_info("ch%d: RTU sent\n", ch->idx);
}

static void ibcm_rtu_work(struct work_struct *work)
{
	struct ibcm_ch *ch = container_of(to_delayed_work(work), struct ibcm_ch,
					  rtu_work);

	ibcm_send_rtu(ch);
}

/* From the REP handler; not once ibcm_ch_free() has started. */
static void ibcm_arm_rtu(struct ibcm_ch *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (!ch->freeing)
		schedule_delayed_work(&ch->rtu_work,
				      msecs_to_jiffies(ch->rtu_delay_ms));
	spin_unlock_irqrestore(&ch->lock, flags);
}

/* The REP: QP to INIT, receives, RTR, RTS; then the RTU (or not yet). */
static int ibcm_rep(struct ibcm_ch *ch, const struct ib_cm_event *ev)
{
	const struct srp_login_rsp *rsp = ev->private_data;
	u32 i, max_ti;
	int ret;

	if (rsp->opcode != SRP_LOGIN_RSP)
		return -EPROTO;
	ch->rsp = *rsp;
	max_ti = be32_to_cpu(rsp->max_ti_iu_len);
	if (max_ti < sizeof(struct srp_rsp) || max_ti > 65536)
		return -EPROTO;
	ch->max_ti_iu_len = max_ti;
	ch->req_lim = be32_to_cpu(rsp->req_lim_delta);
	ret = ibcm_modify_qp(ch, IB_QPS_INIT);
	if (ret)
		return ret;
	for (i = 0; i < IBCM_RX; i++) {
		ret = ibcm_iu_alloc(ch, &ch->rx[i], max_ti, DMA_FROM_DEVICE);
		if (ret)
			return ret;
		ch->rx[i].cqe.done = ibcm_recv_done;
		ret = ibcm_post_recv(ch, &ch->rx[i]);
		if (ret)
			return ret;
	}
	ret = ibcm_modify_qp(ch, IB_QPS_RTR);
	if (ret)
		return ret;
	return ibcm_modify_qp(ch, IB_QPS_RTS);
}

static void ibcm_disconnected(struct ibcm_ch *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == IBCM_CONNECTED)
		ch->state = IBCM_DISCONNECTED;
	spin_unlock_irqrestore(&ch->lock, flags);
	complete_all(&ch->disc_done);
	wake_up_all(&ch->wq);
}

static int ibcm_cm_handler(struct ib_cm_id *cm_id, const struct ib_cm_event *ev)
{
	struct ibcm_ch *ch = cm_id->context;
	const struct srp_login_rej *rej = ev->private_data;
	int ret;

	switch (ev->event) {
	case IB_CM_REP_RECEIVED:
		ret = ibcm_rep(ch, ev);
		if (ret) {
			pr_info("ch%d: cannot use the REP (%d)\n", ch->idx, ret);
			ib_send_cm_rej(cm_id, IB_CM_REJ_CONSUMER_DEFINED, NULL,
				       0, NULL, 0);
			ch->state = IBCM_FAILED;
			ch->login_result = ret;
		} else {
			ch->state = IBCM_CONNECTED;
			ch->login_result = 0;
			if (ch->rtu_delay_ms)
				ibcm_arm_rtu(ch);
			else if (!ch->rtu_never)
				ibcm_send_rtu(ch);
		}
		complete_all(&ch->cm_done);
		break;
	case IB_CM_REJ_RECEIVED:
		ch->rej_rcvd = true;
		if (ch->state == IBCM_REQ_SENT) {
			ch->state = IBCM_FAILED;
			ch->login_result = 1;
			ch->cm_rej_code = ev->param.rej_rcvd.reason;
			if (ev->param.rej_rcvd.reason ==
			    IB_CM_REJ_CONSUMER_DEFINED && rej &&
			    rej->opcode == SRP_LOGIN_REJ)
				ch->rej_reason = be32_to_cpu(rej->reason);
			complete_all(&ch->cm_done);
		} else {
			ibcm_disconnected(ch);
		}
		break;
	case IB_CM_REQ_ERROR:
		ch->state = IBCM_FAILED;
		ch->login_result = -ETIMEDOUT;
		complete_all(&ch->cm_done);
		break;
	case IB_CM_DREQ_RECEIVED:
		ch->dreq_rcvd = true;
		ib_send_cm_drep(cm_id, NULL, 0);
		ibcm_disconnected(ch);
		break;
	case IB_CM_DREP_RECEIVED:
		ch->drep_rcvd = true;
		ibcm_disconnected(ch);
		break;
	case IB_CM_DREQ_ERROR:
	case IB_CM_TIMEWAIT_EXIT:
		ibcm_disconnected(ch);
		break;
	default:
		pr_info("ch%d: CM event %d\n", ch->idx, ev->event);
		break;
	}
	return 0;
}

/* ----- channels --------------------------------------------------------- */

/* The port's first IPv4-mapped RoCE v2 GID, with a reference. */
static const struct ib_gid_attr *ibcm_find_gid(struct ib_device *dev)
{
	const struct ib_gid_attr *attr;
	struct ib_port_attr pattr;
	int i;

	if (ib_query_port(dev, 1, &pattr))
		return ERR_PTR(-EIO);
	for (i = 0; i < pattr.gid_tbl_len; i++) {
		attr = rdma_get_gid_attr(dev, 1, i);
		if (IS_ERR(attr))
			continue;
		if (attr->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
		    ipv6_addr_v4mapped((struct in6_addr *)attr->gid.raw))
			return attr;
		rdma_put_gid_attr(attr);
	}
	return ERR_PTR(-ENOENT);
}

/* What cma_resolve_iboe_route() builds, for sgid = dgid. */
static int ibcm_build_path(struct ibcm_ch *ch)
{
	struct sa_path_rec *p = &ch->path;
	struct net_device *ndev;
	u8 mac[ETH_ALEN];
	int mtu;

	rcu_read_lock();
	ndev = rdma_read_gid_attr_ndev_rcu(ch->sgid_attr);
	if (IS_ERR(ndev)) {
		rcu_read_unlock();
		return PTR_ERR(ndev);
	}
	ether_addr_copy(mac, ndev->dev_addr);
	mtu = ndev->mtu;
	rcu_read_unlock();

	memset(p, 0, sizeof(*p));
	p->rec_type = SA_PATH_REC_TYPE_ROCE_V2;
	p->sgid = ch->sgid_attr->gid;
	p->dgid = ch->sgid_attr->gid;
	p->roce.route_resolved = true;
	sa_path_set_dmac(p, mac);
	p->hop_limit = 64;
	p->reversible = 1;
	p->pkey = cpu_to_be16(0xffff);
	p->mtu_selector = IB_SA_EQ;
	p->mtu = iboe_get_mtu(mtu);
	p->rate_selector = IB_SA_EQ;
	p->rate = IB_RATE_PORT_CURRENT;
	p->packet_life_time_selector = IB_SA_EQ;
	p->packet_life_time = 16;	/* CMA_IBOE_PACKET_LIFETIME */
	p->sl = 0;
	p->traffic_class = 0;
	return p->mtu ? 0 : -EINVAL;
}

static void ibcm_ch_free(struct ibcm_ch *ch)
{
	unsigned long flags;
	int i;

	/*
	 * A REP handler still running may arm rtu_work after a plain
	 * cancel, and the work must not run once the cm_id is destroyed
	 * (it sends the RTU on it): stop the arming, then cancel, then
	 * destroy the cm_id, which waits for a running handler.
	 */
	spin_lock_irqsave(&ch->lock, flags);
	ch->freeing = true;
	spin_unlock_irqrestore(&ch->lock, flags);
	cancel_delayed_work_sync(&ch->rtu_work);
	if (ch->cm_id)
		ib_destroy_cm_id(ch->cm_id);
	if (ch->qp) {
		if (ch->qp_used)
			ib_drain_qp(ch->qp);
		ib_destroy_qp(ch->qp);
	}
	for (i = 0; i < IBCM_DEPTH; i++) {
		ibcm_slot_put_data(ch, &ch->slot[i]);
		ibcm_iu_free(ch, &ch->slot[i].tx);
	}
	for (i = 0; i < IBCM_RX; i++)
		ibcm_iu_free(ch, &ch->rx[i]);
	ibcm_iu_free(ch, &ch->ctl_tx);
	ibcm_iu_free(ch, &ch->logout_tx);
	ibcm_iu_free(ch, &ch->probe);
	if (ch->cq)
		ib_free_cq(ch->cq);
	if (ch->pd)
		ib_dealloc_pd(ch->pd);
	if (ch->sgid_attr)
		rdma_put_gid_attr(ch->sgid_attr);
	kfree(ch);
}

static struct ibcm_ch *ibcm_ch_alloc(int idx)
{
	struct ib_qp_init_attr init = {};
	struct ibcm_ch *ch;
	int i, ret;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	ch->idx = idx;
	ch->dev = ibcm_dev;
	ch->blksz = 512;
	spin_lock_init(&ch->lock);
	init_completion(&ch->cm_done);
	init_completion(&ch->disc_done);
	init_waitqueue_head(&ch->wq);
	INIT_DELAYED_WORK(&ch->rtu_work, ibcm_rtu_work);

	ch->sgid_attr = ibcm_find_gid(ch->dev);
	if (IS_ERR(ch->sgid_attr)) {
		ret = PTR_ERR(ch->sgid_attr);
		ch->sgid_attr = NULL;
		goto err;
	}
	ret = ibcm_build_path(ch);
	if (ret)
		goto err;
	/*
	 * The SRP_CMDs carry this PD's global rkey for their data buffers,
	 * which lets the peer read and write all of this host's memory: a
	 * shortcut acceptable only because this module runs in throw-away
	 * test guests, against a target that is the code under test. A real
	 * initiator registers each command's buffers (ib_srp: fast
	 * registration) so that the target reaches nothing else.
	 */
	ch->pd = ib_alloc_pd(ch->dev, IB_PD_UNSAFE_GLOBAL_RKEY);
	if (IS_ERR(ch->pd)) {
		ret = PTR_ERR(ch->pd);
		ch->pd = NULL;
		goto err;
	}
	ch->cq = ib_alloc_cq(ch->dev, ch, IBCM_RX + IBCM_DEPTH + 4, 0,
			     IB_POLL_SOFTIRQ);
	if (IS_ERR(ch->cq)) {
		ret = PTR_ERR(ch->cq);
		ch->cq = NULL;
		goto err;
	}
	init.event_handler = ibcm_qp_event;
	init.qp_context = ch;
	init.send_cq = ch->cq;
	init.recv_cq = ch->cq;
	init.cap.max_send_wr = IBCM_DEPTH + 4;
	init.cap.max_recv_wr = IBCM_RX;
	init.cap.max_send_sge = 1;
	init.cap.max_recv_sge = 1;
	init.sq_sig_type = IB_SIGNAL_ALL_WR;
	init.qp_type = IB_QPT_RC;
	ch->qp = ib_create_qp(ch->pd, &init);
	if (IS_ERR(ch->qp)) {
		ret = PTR_ERR(ch->qp);
		ch->qp = NULL;
		goto err;
	}
	for (i = 0; i < IBCM_DEPTH; i++) {
		init_completion(&ch->slot[i].done);
		ret = ibcm_iu_alloc(ch, &ch->slot[i].tx, IBCM_TX_SIZE,
				    DMA_TO_DEVICE);
		if (ret)
			goto err;
	}
	init_completion(&ch->probe_done);
	ret = ibcm_iu_alloc(ch, &ch->ctl_tx, IBCM_TX_SIZE, DMA_TO_DEVICE) ?:
	      ibcm_iu_alloc(ch, &ch->logout_tx, IBCM_TX_SIZE, DMA_TO_DEVICE) ?:
	      ibcm_iu_alloc(ch, &ch->probe, 8, DMA_FROM_DEVICE);
	if (ret)
		goto err;
	ch->cm_id = ib_create_cm_id(ch->dev, ibcm_cm_handler, ch);
	if (IS_ERR(ch->cm_id)) {
		ret = PTR_ERR(ch->cm_id);
		ch->cm_id = NULL;
		goto err;
	}
	return ch;
err:
	ibcm_ch_free(ch);
	return ERR_PTR(ret);
}

static void ibcm_ch_remove(int idx)
{
	if (!ibcm_chs[idx])
		return;
	ibcm_ch_free(ibcm_chs[idx]);
	ibcm_chs[idx] = NULL;
}

static const char *ibcm_rej_name(u32 reason)
{
	switch (reason) {
	case SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL:
		return "UNABLE_ESTABLISH_CHANNEL";
	case SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES:
		return "INSUFFICIENT_RESOURCES";
	case SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE:
		return "REQ_IT_IU_LENGTH_TOO_LARGE";
	case SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL:
		return "UNABLE_ASSOCIATE_CHANNEL";
	case SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT:
		return "UNSUPPORTED_DESCRIPTOR_FMT";
	case SRP_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED:
		return "MULTI_CHANNEL_UNSUPPORTED";
	case SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED:
		return "CHANNEL_LIMIT_REACHED";
	default:
		return "none";
	}
}

static int ibcm_cmd_login(struct ibcm_args *a, int idx)
{
	struct ib_cm_req_param req = {};
	struct srp_login_req lreq = {};
	u32 iu_len, buf_fmt, opcode, delay, cm_timeout, cm_retries, tmo, depth;
	u8 tport[16], id[16];
	bool have_tport, have_id;
	union ib_gid gid0;
	u64 guid, ext;
	__be64 be;
	struct ibcm_ch *ch;
	char *s;
	int ret, multi = 0;
	bool never = false;

	if (ibcm_chs[idx])
		return ibcm_res(false, "login ch=%d: channel in use", idx);
	s = ibcm_arg(a, "flags");
	if (s) {
		if (!strcmp(s, "multi"))
			multi = 1;
		else if (strcmp(s, "single"))
			return ibcm_res(false, "login: flags=single|multi, not '%s'", s);
	}
	s = ibcm_arg(a, "rtu");
	if (s) {
		if (strcmp(s, "never"))
			return ibcm_res(false, "login: rtu=never, not '%s'", s);
		never = true;
	}
	ret = ibcm_arg_u64(a, "guid", &guid, be64_to_cpu(ibcm_dev->node_guid)) ?:
	      ibcm_arg_u64(a, "ext", &ext, 0) ?:
	      ibcm_arg_u32(a, "iu_len", &iu_len, 512, U32_MAX) ?:
	      ibcm_arg_u32(a, "buf_fmt", &buf_fmt,
			   SRP_BUF_FORMAT_DIRECT | SRP_BUF_FORMAT_INDIRECT, 0xffff) ?:
	      ibcm_arg_u32(a, "opcode", &opcode, SRP_LOGIN_REQ, 0xff) ?:
	      ibcm_arg_u32(a, "rtu_delay_ms", &delay, 0, 600000) ?:
	      ibcm_arg_u32(a, "cm_timeout", &cm_timeout, 20, 31) ?:
	      ibcm_arg_u32(a, "cm_retries", &cm_retries, 15, 15) ?:
	      ibcm_arg_u32(a, "timeout_ms", &tmo, 30000, 600000) ?:
	      ibcm_arg_u32(a, "read_depth", &depth, 0,
			   ibcm_dev->attrs.max_qp_init_rd_atom) ?:
	      ibcm_arg_id(a, "tport", tport, &have_tport) ?:
	      ibcm_arg_id(a, "id", id, &have_id) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;

	ch = ibcm_ch_alloc(idx);
	if (IS_ERR(ch))
		return ibcm_res(false, "login ch=%d: cannot set up a channel (%ld)",
				idx, PTR_ERR(ch));
	ch->rtu_delay_ms = delay;
	ch->rtu_never = never;
	ch->read_depth = depth;
	ch->state = IBCM_REQ_SENT;

	lreq.opcode = opcode;
	lreq.tag = ++ch->next_tag;
	lreq.req_it_iu_len = cpu_to_be32(iu_len);
	lreq.req_buf_fmt = cpu_to_be16(buf_fmt);
	lreq.req_flags = multi ? SRP_MULTICHAN_MULTI : SRP_MULTICHAN_SINGLE;
	if (have_id) {
		memcpy(ch->i_port_id, id, 16);
	} else {
		be = cpu_to_be64(ext);
		memcpy(ch->i_port_id, &be, 8);
		if (rdma_query_gid(ibcm_dev, 1, 0, &gid0))
			memset(&gid0, 0, sizeof(gid0));
		memcpy(ch->i_port_id + 8, &gid0.global.interface_id, 8);
	}
	memcpy(lreq.initiator_port_id, ch->i_port_id, 16);
	if (have_tport) {
		memcpy(lreq.target_port_id, tport, 16);
	} else {
		be = cpu_to_be64(guid);
		memcpy(lreq.target_port_id, &be, 8);
		memcpy(lreq.target_port_id + 8, &be, 8);
	}

	req.primary_path = &ch->path;
	req.ppath_sgid_attr = ch->sgid_attr;
	req.service_id = cpu_to_be64(guid);
	req.qp_num = ch->qp->qp_num;
	req.qp_type = IB_QPT_RC;
	req.private_data = &lreq;
	req.private_data_len = sizeof(lreq);
	req.starting_psn = get_random_u32() & 0xffffff;
	req.responder_resources = min_t(int, 4, ch->dev->attrs.max_qp_rd_atom);
	req.initiator_depth = depth;
	req.remote_cm_response_timeout = 20;
	req.local_cm_response_timeout = cm_timeout;
	req.retry_count = 7;
	req.rnr_retry_count = 7;
	req.max_cm_retries = cm_retries;
	req.flow_control = 1;

	ibcm_chs[idx] = ch;
	ret = ib_send_cm_req(ch->cm_id, &req);
	if (ret) {
		ibcm_ch_remove(idx);
		return ibcm_res(false, "login ch=%d: ib_send_cm_req failed (%d)", idx, ret);
	}
	if (!wait_for_completion_timeout(&ch->cm_done, msecs_to_jiffies(tmo))) {
		ibcm_ch_remove(idx);
		return ibcm_res(false, "login ch=%d: no answer within %u ms", idx, tmo);
	}
	if (ch->login_result == 1) {
		u32 reason = ch->rej_reason;
		int code = ch->cm_rej_code;

		ibcm_ch_remove(idx);
		return ibcm_res(false, "login ch=%d rejected reason=0x%08x (%s) cm_reason=%d",
				idx, reason, ibcm_rej_name(reason), code);
	}
	if (ch->login_result) {
		ret = ch->login_result;
		ibcm_ch_remove(idx);
		return ibcm_res(false, "login ch=%d failed (%d)", idx, ret);
	}
	return ibcm_res(true,
			"login ch=%d accepted multichan=0x%x req_lim=%d max_it_iu_len=%u max_ti_iu_len=%u buf_fmt=0x%x rtu=%s",
			idx, ch->rsp.rsp_flags & 0x3, ch->req_lim,
			be32_to_cpu(ch->rsp.max_it_iu_len), ch->max_ti_iu_len,
			be16_to_cpu(ch->rsp.buf_fmt),
			never ? "never" : delay ? "delayed" : "sent");
}

/* ----- SCSI commands ---------------------------------------------------- */

static u8 ibcm_pat(u32 seed, u64 lba, u32 off)
{
	return seed ^ (u8)(lba * 7) ^ (u8)off ^ (u8)(off >> 8);
}

/* Post an SRP_CMD in slot @s; @len bytes of data in the slot's buffer. */
static int ibcm_submit(struct ibcm_ch *ch, int s, u64 lun, const u8 *cdb,
		       u32 len, bool to_dev)
{
	struct ibcm_slot *slot = &ch->slot[s];
	struct srp_cmd *cmd = slot->tx.buf;
	struct srp_direct_buf *desc = (void *)cmd->add_data;
	unsigned long flags;
	u32 size = sizeof(*cmd);
	int ret;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state != IBCM_CONNECTED) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return -ENOTCONN;
	}
	if (ch->req_lim <= 0) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return -EAGAIN;
	}
	ch->req_lim--;
	slot->busy = true;
	slot->answered = false;
	reinit_completion(&slot->done);
	spin_unlock_irqrestore(&ch->lock, flags);

	memset(cmd, 0, sizeof(*cmd) + sizeof(*desc));
	cmd->opcode = SRP_CMD;
	cmd->tag = (++ch->next_tag << 8) | s;
	cmd->lun.scsi_lun[1] = lun;
	memcpy(cmd->cdb, cdb, 16);
	if (len) {
		desc->va = cpu_to_be64(slot->data_dma);
		desc->key = cpu_to_be32(ch->pd->unsafe_global_rkey);
		desc->len = cpu_to_be32(len);
		cmd->buf_fmt = to_dev ? SRP_DATA_DESC_DIRECT << 4 :
			       SRP_DATA_DESC_DIRECT;
		size += sizeof(*desc);
	}
	ret = ibcm_post_send(ch, &slot->tx, size);
	if (ret) {
		spin_lock_irqsave(&ch->lock, flags);
		slot->busy = false;
		ch->req_lim++;
		spin_unlock_irqrestore(&ch->lock, flags);
	}
	return ret;
}

static int ibcm_slot_get_data(struct ibcm_ch *ch, struct ibcm_slot *slot,
			      u32 len)
{
	slot->data = kzalloc(len, GFP_KERNEL);
	if (!slot->data)
		return -ENOMEM;
	slot->data_dma = ib_dma_map_single(ch->dev, slot->data, len,
					   DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(ch->dev, slot->data_dma)) {
		kfree(slot->data);
		slot->data = NULL;
		return -ENOMEM;
	}
	slot->data_len = len;
	return 0;
}

/* After a lost answer the target may still access our buffers: stop it. */
static void ibcm_ch_break(struct ibcm_ch *ch)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	ch->state = IBCM_FAILED;
	ib_modify_qp(ch->qp, &attr, IB_QP_STATE);
	ib_drain_qp(ch->qp);
}

static const char *ibcm_opname(u8 op)
{
	switch (op) {
	case TEST_UNIT_READY:
		return "tur";
	case INQUIRY:
		return "inquiry";
	case READ_CAPACITY:
		return "readcap";
	case WRITE_10:
		return "write";
	case READ_10:
		return "read";
	default:
		return "cdb";
	}
}

static int ibcm_cmd_scsi(struct ibcm_args *a, int idx, u8 op)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	struct ibcm_slot *slot;
	u32 lun, lba, blocks, pattern, tmo, len = 0, i, bad = 0;
	u8 cdb[16] = { op };
	bool to_dev = false, nowait;
	int ret;

	nowait = ibcm_arg(a, "nowait");
	ret = ibcm_arg_u32(a, "lun", &lun, 0, 255) ?:
	      ibcm_arg_u32(a, "lba", &lba, 0, U32_MAX) ?:
	      ibcm_arg_u32(a, "blocks", &blocks, 1, 0xffff) ?:
	      ibcm_arg_u32(a, "pattern", &pattern, 0x5a, 0xff) ?:
	      ibcm_arg_u32(a, "timeout_ms", &tmo, 10000, 600000) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;
	if (!ch)
		return ibcm_res(false, "%s ch=%d: no channel", ibcm_opname(op), idx);
	slot = &ch->slot[0];
	/* The answer to an earlier nowait command, if any, is discarded. */
	if (slot->busy) {
		if (!READ_ONCE(slot->answered))
			return ibcm_res(false, "%s ch=%d: a nowait command is still unanswered",
					ibcm_opname(op), idx);
		slot->busy = false;
		ibcm_slot_put_data(ch, slot);
	}
	switch (op) {
	case INQUIRY:
		len = 96;
		cdb[4] = len;
		break;
	case READ_CAPACITY:
		len = 8;
		break;
	case WRITE_10:
	case READ_10:
		len = blocks * ch->blksz;
		if (len > IBCM_MAX_BYTES)
			return ibcm_res(false, "%s: at most %u bytes", ibcm_opname(op),
					IBCM_MAX_BYTES);
		put_unaligned_be32(lba, &cdb[2]);
		put_unaligned_be16(blocks, &cdb[7]);
		to_dev = op == WRITE_10;
		break;
	}
	if (len) {
		ret = ibcm_slot_get_data(ch, slot, len);
		if (ret)
			return ibcm_res(false, "%s: no memory", ibcm_opname(op));
		if (to_dev)
			for (i = 0; i < len; i++)
				((u8 *)slot->data)[i] =
					ibcm_pat(pattern, lba + i / ch->blksz,
						 i % ch->blksz);
		ib_dma_sync_single_for_device(ch->dev, slot->data_dma, len,
					      DMA_BIDIRECTIONAL);
	}
	ret = ibcm_submit(ch, 0, lun, cdb, len, to_dev);
	if (ret) {
		ibcm_slot_put_data(ch, slot);
		return ibcm_res(false, "%s ch=%d: cannot send the SRP_CMD (%d)",
				ibcm_opname(op), idx, ret);
	}
	/* The slot and its buffer stay busy until answered or freed. */
	if (nowait)
		return ibcm_res(true, "%s ch=%d submitted", ibcm_opname(op), idx);
	if (!wait_for_completion_timeout(&slot->done, msecs_to_jiffies(tmo))) {
		ibcm_ch_break(ch);
		slot->busy = false;
		ibcm_slot_put_data(ch, slot);
		return ibcm_res(false, "%s ch=%d: no SRP_RSP within %u ms (state %s)",
				ibcm_opname(op), idx, tmo, ibcm_state_names[ch->state]);
	}
	slot->busy = false;
	if (len)
		ib_dma_sync_single_for_cpu(ch->dev, slot->data_dma, len,
					   DMA_BIDIRECTIONAL);
	if (slot->status) {
		ibcm_slot_put_data(ch, slot);
		return ibcm_res(false, "%s ch=%d status=0x%02x sense=%x/%02x/%02x",
				ibcm_opname(op), idx, slot->status, slot->sense[0],
				slot->sense[1], slot->sense[2]);
	}
	ret = 0;
	switch (op) {
	case INQUIRY: {
		u8 *d = slot->data;

		ret = ibcm_res(true,
			       "inquiry ch=%d status=0x00 pdt=0x%02x vendor=%.8s product=%.16s",
			       idx, d[0] & 0x1f, d + 8, d + 16);
		break;
	}
	case READ_CAPACITY: {
		u8 *d = slot->data;
		u32 last = get_unaligned_be32(d), bs = get_unaligned_be32(d + 4);

		if (bs && bs <= 65536)
			ch->blksz = bs;
		ret = ibcm_res(true, "readcap ch=%d status=0x00 blocks=%llu block_size=%u",
			       idx, (u64)last + 1, bs);
		break;
	}
	case READ_10:
		for (i = 0; i < len; i++)
			if (((u8 *)slot->data)[i] !=
			    ibcm_pat(pattern, lba + i / ch->blksz, i % ch->blksz)) {
				if (!bad++)
					ret = i;
			}
		if (bad)
			ret = ibcm_res(false,
				       "read ch=%d status=0x00 mismatch: %u of %u bytes differ, first at offset %d",
				       idx, bad, len, ret);
		else
			ret = ibcm_res(true, "read ch=%d status=0x00 compared %u bytes",
				       idx, len);
		break;
	default:
		ret = ibcm_res(true, "%s ch=%d status=0x00", ibcm_opname(op), idx);
		break;
	}
	ibcm_slot_put_data(ch, slot);
	return ret;
}

static bool ibcm_any_answered(struct ibcm_ch *ch, bool *mask)
{
	int s;

	if (ch->state != IBCM_CONNECTED)
		return true;
	for (s = 0; s < IBCM_DEPTH; s++)
		if (mask[s] && ch->slot[s].answered)
			return true;
	return false;
}

/* WRITEs, up to depth at a time; a DREQ after dreq_after answers. */
static int ibcm_cmd_stress(struct ibcm_args *a, int idx)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	u32 count, depth, blocks, dreq_after, sent = 0, done = 0, bad = 0;
	u32 after_dreq = 0, unanswered = 0, at_dreq = 0;
	bool busy[IBCM_DEPTH] = {};
	bool dreq_sent = false;
	u8 cdb[16] = { WRITE_10 };
	int s, ret, inflight = 0;

	ret = ibcm_arg_u32(a, "count", &count, 100, 1000000) ?:
	      ibcm_arg_u32(a, "depth", &depth, 8, IBCM_DEPTH) ?:
	      ibcm_arg_u32(a, "blocks", &blocks, 8, 64) ?:
	      ibcm_arg_u32(a, "dreq_after", &dreq_after, 0, 1000000) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;
	if (!ch || ch->state != IBCM_CONNECTED)
		return ibcm_res(false, "stress ch=%d: not connected", idx);
	if (!depth)
		depth = 1;
	for (s = 0; s < depth; s++) {
		ret = ibcm_slot_get_data(ch, &ch->slot[s], blocks * ch->blksz);
		if (ret)
			goto out;
		memset(ch->slot[s].data, 0xa5, blocks * ch->blksz);
	}
	while ((sent < count && !dreq_sent) || inflight) {
		for (s = 0; s < depth && sent < count && !dreq_sent; s++) {
			if (busy[s])
				continue;
			put_unaligned_be32(sent * blocks % 4096, &cdb[2]);
			put_unaligned_be16(blocks, &cdb[7]);
			if (ibcm_submit(ch, s, 0, cdb, blocks * ch->blksz, true))
				break;
			busy[s] = true;
			inflight++;
			sent++;
		}
		if (!inflight)
			break;
		/* The DREQ goes out with commands in flight. */
		if (dreq_after && done >= dreq_after && !dreq_sent) {
			ret = ib_send_cm_dreq(ch->cm_id, NULL, 0);
			if (ret)
				goto out;
			dreq_sent = true;
			at_dreq = inflight;
		}
		if (!wait_event_timeout(ch->wq, ibcm_any_answered(ch, busy),
					10 * HZ) || ch->state != IBCM_CONNECTED)
			break;
		for (s = 0; s < depth; s++) {
			if (!busy[s] || !ch->slot[s].answered)
				continue;
			busy[s] = false;
			ch->slot[s].busy = false;
			inflight--;
			done++;
			if (dreq_sent)
				after_dreq++;
			if (ch->slot[s].status)
				bad++;
		}
	}
	if (dreq_sent)
		wait_for_completion_timeout(&ch->disc_done, 10 * HZ);
	if (inflight || ch->state != IBCM_CONNECTED) {
		/* The rest is never answered: flush it, then count it. */
		ibcm_ch_break(ch);
		for (s = 0; s < depth; s++) {
			if (!busy[s])
				continue;
			if (ch->slot[s].answered) {
				done++;
				after_dreq += dreq_sent;
			} else {
				unanswered++;
			}
			ch->slot[s].busy = false;
		}
	}
	ret = 0;
out:
	for (s = 0; s < depth; s++)
		ibcm_slot_put_data(ch, &ch->slot[s]);
	if (ret)
		return ibcm_res(false, "stress ch=%d: error %d after %u commands", idx,
				ret, sent);
	return ibcm_res(!bad && (dreq_sent || done == count),
			"stress ch=%d sent=%u answered=%u bad_status=%u in_flight_at_dreq=%u after_dreq=%u unanswered=%u dreq=%d drep=%d state=%s",
			idx, sent, done, bad, at_dreq, after_dreq, unanswered, dreq_sent,
			ch->drep_rcvd, ibcm_state_names[ch->state]);
}

/* ----- disconnecting ---------------------------------------------------- */

static int ibcm_cmd_dreq(int idx, bool free)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	const char *what = free ? "logout" : "dreq";
	bool drep;
	int ret;

	if (!ch)
		return ibcm_res(false, "%s ch=%d: no channel", what, idx);
	ret = ib_send_cm_dreq(ch->cm_id, NULL, 0);
	if (ret) {
		if (free)
			ibcm_ch_remove(idx);
		return ibcm_res(false, "%s ch=%d: ib_send_cm_dreq failed (%d)", what,
				idx, ret);
	}
	wait_for_completion_timeout(&ch->disc_done, 10 * HZ);
	drep = ch->drep_rcvd;
	if (free)
		ibcm_ch_remove(idx);
	return ibcm_res(drep, "%s ch=%d drep=%d", what, idx, drep);
}

static int ibcm_cmd_ilogout(int idx)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	struct srp_i_logout *lo;
	bool dreq;
	int ret;

	if (!ch || ch->state != IBCM_CONNECTED)
		return ibcm_res(false, "ilogout ch=%d: not connected", idx);
	lo = ch->logout_tx.buf;
	memset(lo, 0, sizeof(*lo));
	lo->opcode = SRP_I_LOGOUT;
	lo->tag = ++ch->next_tag << 8;
	ret = ibcm_post_send(ch, &ch->logout_tx, sizeof(*lo));
	if (ret)
		return ibcm_res(false, "ilogout ch=%d: send failed (%d)", idx, ret);
	wait_for_completion_timeout(&ch->disc_done, 10 * HZ);
	dreq = ch->dreq_rcvd;
	ibcm_ch_remove(idx);
	return ibcm_res(dreq, "ilogout ch=%d target_dreq=%d", idx, dreq);
}

static int ibcm_cmd_rej(int idx)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	int ret;

	if (!ch)
		return ibcm_res(false, "rej ch=%d: no channel", idx);
	cancel_delayed_work_sync(&ch->rtu_work);
	ret = ib_send_cm_rej(ch->cm_id, IB_CM_REJ_CONSUMER_DEFINED, NULL, 0,
			     NULL, 0);
	ibcm_ch_remove(idx);
	if (ret)
		return ibcm_res(false, "rej ch=%d: ib_send_cm_rej failed (%d)", idx, ret);
	return ibcm_res(true, "rej ch=%d sent", idx);
}

static int ibcm_cmd_rtu(int idx)
{
	struct ibcm_ch *ch = ibcm_chs[idx];

	if (!ch || ch->state != IBCM_CONNECTED || ch->rtu_sent)
		return ibcm_res(false, "rtu ch=%d: no channel waiting for an RTU", idx);
	cancel_delayed_work_sync(&ch->rtu_work);
	if (!ch->rtu_sent)
		ibcm_send_rtu(ch);
	return ibcm_res(ch->rtu_sent, "rtu ch=%d sent=%d", idx, ch->rtu_sent);
}

/* ----- probes and listeners -------------------------------------------- */

static void ibcm_probe_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ibcm_iu *iu = container_of(wc->wr_cqe, struct ibcm_iu, cqe);
	struct ibcm_ch *ch = iu->ch;

	ch->probe_status = wc->status;
	complete(&ch->probe_done);
}

/*
 * An RDMA READ the target never allows (its REP grants no responder
 * resources): the completion status tells how its QP refused it.
 */
static int ibcm_cmd_rdma_read(struct ibcm_args *a, int idx)
{
	struct ibcm_ch *ch = ibcm_chs[idx];
	struct ib_sge sge;
	struct ib_rdma_wr wr = {};
	u32 rkey, tmo;
	int ret;

	ret = ibcm_arg_u32(a, "rkey", &rkey, 0, U32_MAX) ?:
	      ibcm_arg_u32(a, "timeout_ms", &tmo, 10000, 600000) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;
	if (!ch || ch->state != IBCM_CONNECTED)
		return ibcm_res(false, "rdma_read ch=%d: not connected", idx);
	if (!ch->read_depth)
		return ibcm_res(false, "rdma_read ch=%d: the login had no read_depth", idx);
	sge.addr = ch->probe.dma;
	sge.length = ch->probe.size;
	sge.lkey = ch->pd->local_dma_lkey;
	ch->probe.cqe.done = ibcm_probe_done;
	wr.wr.wr_cqe = &ch->probe.cqe;
	wr.wr.opcode = IB_WR_RDMA_READ;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = 0;
	wr.rkey = rkey;
	reinit_completion(&ch->probe_done);
	ret = ib_post_send(ch->qp, &wr.wr, NULL);
	if (ret)
		return ibcm_res(false, "rdma_read ch=%d: ib_post_send failed (%d)", idx, ret);
	if (!wait_for_completion_timeout(&ch->probe_done, msecs_to_jiffies(tmo))) {
		ibcm_ch_break(ch);
		return ibcm_res(false, "rdma_read ch=%d: no completion within %u ms", idx, tmo);
	}
	if (ch->probe_status != IB_WC_SUCCESS)
		ch->state = IBCM_FAILED;
	return ibcm_res(true, "rdma_read ch=%d status=%s", idx,
			ib_wc_status_msg(ch->probe_status));
}

static int ibcm_listener_handler(struct ib_cm_id *cm_id,
				 const struct ib_cm_event *ev)
{
	/* A nonzero return has the CM reject the REQ and destroy the id. */
	return ev->event == IB_CM_REQ_RECEIVED ? -ECONNREFUSED : 0;
}

static int ibcm_cmd_cm_listen(struct ibcm_args *a)
{
	struct ib_cm_id *cm_id;
	u64 sid;
	int ret;

	ret = ibcm_arg_u64(a, "service_id", &sid,
			   be64_to_cpu(ibcm_dev->node_guid)) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;
	if (ibcm_listener)
		return ibcm_res(false, "cm_listen: already listening");
	cm_id = ib_create_cm_id(ibcm_dev, ibcm_listener_handler, NULL);
	if (IS_ERR(cm_id))
		return ibcm_res(false, "cm_listen: ib_create_cm_id failed (%ld)",
				PTR_ERR(cm_id));
	ret = ib_cm_listen(cm_id, cpu_to_be64(sid));
	if (ret) {
		ib_destroy_cm_id(cm_id);
		return ibcm_res(false, "cm_listen: ib_cm_listen 0x%016llx failed (%d)",
				sid, ret);
	}
	ibcm_listener = cm_id;
	return ibcm_res(true, "cm_listen service_id=0x%016llx", sid);
}

static void ibcm_cm_unlisten(void)
{
	if (ibcm_listener)
		ib_destroy_cm_id(ibcm_listener);
	ibcm_listener = NULL;
}

static int ibcm_rdma_handler(struct rdma_cm_id *cm_id,
			     struct rdma_cm_event *ev)
{
	/* A nonzero return has rdma_cm destroy the new id. */
	return ev->event == RDMA_CM_EVENT_CONNECT_REQUEST ? -ECONNREFUSED : 0;
}

static int ibcm_cmd_rdma_listen(struct ibcm_args *a)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct rdma_cm_id *cm_id;
	u32 port;
	int ret;

	ret = ibcm_arg_u32(a, "port", &port, 0, U16_MAX) ?:
	      ibcm_args_done(a);
	if (ret)
		return ret;
	if (!port || ibcm_rdma_listener)
		return ibcm_res(false, "rdma_listen: need port=N, and no listener yet");
	addr.sin6_port = htons(port);
	cm_id = rdma_create_id(&init_net, ibcm_rdma_handler, NULL, RDMA_PS_TCP,
			       IB_QPT_RC);
	if (IS_ERR(cm_id))
		return ibcm_res(false, "rdma_listen: rdma_create_id failed (%ld)",
				PTR_ERR(cm_id));
	/* Like ib_srpt's listener: the IPv6 any-address, IPv4 too. */
	ret = rdma_set_afonly(cm_id, 0) ?:
	      rdma_bind_addr(cm_id, (struct sockaddr *)&addr) ?:
	      rdma_listen(cm_id, 8);
	if (ret) {
		rdma_destroy_id(cm_id);
		return ibcm_res(false, "rdma_listen port=%u failed (%d)", port, ret);
	}
	ibcm_rdma_listener = cm_id;
	return ibcm_res(true, "rdma_listen port=%u", port);
}

static void ibcm_rdma_unlisten(void)
{
	if (ibcm_rdma_listener)
		rdma_destroy_id(ibcm_rdma_listener);
	ibcm_rdma_listener = NULL;
}

/* ----- debugfs ---------------------------------------------------------- */

static int ibcm_execute(char *line)
{
	struct ibcm_args a;
	u32 idx;
	int ret, i;
	char *cmd;

	ret = ibcm_parse(line, &a);
	if (ret || !a.n)
		return ibcm_res(false, "empty or too long command");
	cmd = a.key[0];
	if (!strcmp(cmd, "reset")) {
		for (i = 0; i < IBCM_MAX_CH; i++)
			ibcm_ch_remove(i);
		return ibcm_res(true, "reset");
	}
	if (!strcmp(cmd, "rdma_listen"))
		return ibcm_cmd_rdma_listen(&a);
	if (!strcmp(cmd, "rdma_unlisten")) {
		ibcm_rdma_unlisten();
		return ibcm_res(true, "rdma_unlisten");
	}
	ret = ibcm_arg_u32(&a, "ch", &idx, 0, IBCM_MAX_CH - 1);
	if (ret)
		return ret;
	if (!ibcm_dev)
		return ibcm_res(false, "%s: no RDMA device %s", cmd, ibdev_name);
	if (!strcmp(cmd, "cm_listen"))
		return ibcm_cmd_cm_listen(&a);
	if (!strcmp(cmd, "rdma_read"))
		return ibcm_cmd_rdma_read(&a, idx);
	if (!strcmp(cmd, "login"))
		return ibcm_cmd_login(&a, idx);
	if (!strcmp(cmd, "tur"))
		return ibcm_cmd_scsi(&a, idx, TEST_UNIT_READY);
	if (!strcmp(cmd, "inquiry"))
		return ibcm_cmd_scsi(&a, idx, INQUIRY);
	if (!strcmp(cmd, "readcap"))
		return ibcm_cmd_scsi(&a, idx, READ_CAPACITY);
	if (!strcmp(cmd, "write"))
		return ibcm_cmd_scsi(&a, idx, WRITE_10);
	if (!strcmp(cmd, "read"))
		return ibcm_cmd_scsi(&a, idx, READ_10);
	if (!strcmp(cmd, "stress"))
		return ibcm_cmd_stress(&a, idx);
	ret = ibcm_args_done(&a);
	if (ret)
		return ret;
	if (!strcmp(cmd, "dreq"))
		return ibcm_cmd_dreq(idx, false);
	if (!strcmp(cmd, "logout"))
		return ibcm_cmd_dreq(idx, true);
	if (!strcmp(cmd, "ilogout"))
		return ibcm_cmd_ilogout(idx);
	if (!strcmp(cmd, "rej"))
		return ibcm_cmd_rej(idx);
	if (!strcmp(cmd, "rtu"))
		return ibcm_cmd_rtu(idx);
	if (!strcmp(cmd, "close")) {
		ibcm_ch_remove(idx);
		return ibcm_res(true, "close ch=%d", idx);
	}
	if (!strcmp(cmd, "cm_unlisten")) {
		ibcm_cm_unlisten();
		return ibcm_res(true, "cm_unlisten");
	}
	return ibcm_res(false, "unknown command '%s'", cmd);
}

static ssize_t ibcm_ctl_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char *line;
	int ret;

	if (count >= IBCM_RESULT_LEN)
		return -E2BIG;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	mutex_lock(&ibcm_mutex);
	ret = ibcm_execute(strim(line));
	pr_info("%s", ibcm_result);
	mutex_unlock(&ibcm_mutex);
	kfree(line);
	return ret ? ret : count;
}

static ssize_t ibcm_ctl_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[IBCM_RESULT_LEN];
	size_t len;

	mutex_lock(&ibcm_mutex);
	len = strscpy(buf, ibcm_result, sizeof(buf));
	mutex_unlock(&ibcm_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations ibcm_ctl_fops = {
	.owner = THIS_MODULE,
	.read = ibcm_ctl_read,
	.write = ibcm_ctl_write,
	.llseek = default_llseek,
};

static int ibcm_state_show(struct seq_file *m, void *v)
{
	struct ibcm_ch *ch;
	int i;

	mutex_lock(&ibcm_mutex);
	seq_printf(m, "device %s\n", ibcm_dev ? dev_name(&ibcm_dev->dev) : "-");
	for (i = 0; i < IBCM_MAX_CH; i++) {
		ch = ibcm_chs[i];
		if (!ch)
			continue;
		seq_printf(m, "ch %d state=%s id=0x%16phN req_lim=%d rtu_sent=%d dreq_rcvd=%d drep_rcvd=%d rej_rcvd=%d t_logout=%d reason=0x%x send_errors=%u unexpected=%u\n",
			   i, ibcm_state_names[ch->state], ch->i_port_id,
			   ch->req_lim, ch->rtu_sent, ch->dreq_rcvd,
			   ch->drep_rcvd, ch->rej_rcvd, ch->t_logout,
			   ch->t_logout_reason, ch->send_errors, ch->unexpected);
	}
	mutex_unlock(&ibcm_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ibcm_state);

/* ----- device ----------------------------------------------------------- */

static int ibcm_add_one(struct ib_device *dev)
{
	mutex_lock(&ibcm_mutex);
	if (!ibcm_dev && !strcmp(dev_name(&dev->dev), ibdev_name) &&
	    rdma_protocol_roce(dev, 1))
		ibcm_dev = dev;
	mutex_unlock(&ibcm_mutex);
	return 0;
}

static void ibcm_remove_one(struct ib_device *dev, void *client_data)
{
	int i;

	mutex_lock(&ibcm_mutex);
	if (dev == ibcm_dev) {
		for (i = 0; i < IBCM_MAX_CH; i++)
			ibcm_ch_remove(i);
		ibcm_cm_unlisten();
		ibcm_dev = NULL;
	}
	mutex_unlock(&ibcm_mutex);
}

static struct ib_client ibcm_client = {
	.name = "ibcm_srp",
	.add = ibcm_add_one,
	.remove = ibcm_remove_one,
};

static int __init ibcm_init(void)
{
	int ret;

	ibcm_dir = debugfs_create_dir("ibcm_srp", NULL);
	debugfs_create_file("ctl", 0600, ibcm_dir, NULL, &ibcm_ctl_fops);
	debugfs_create_file("state", 0400, ibcm_dir, NULL, &ibcm_state_fops);
	ret = ib_register_client(&ibcm_client);
	if (ret)
		debugfs_remove_recursive(ibcm_dir);
	return ret;
}

static void __exit ibcm_exit(void)
{
	debugfs_remove_recursive(ibcm_dir);
	ib_unregister_client(&ibcm_client);
	ibcm_rdma_unlisten();
}

module_init(ibcm_init);
module_exit(ibcm_exit);

MODULE_DESCRIPTION("SRP test initiator over IB/CM on RoCE (test guests only)");
MODULE_LICENSE("GPL");
