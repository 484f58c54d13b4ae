// SPDX-License-Identifier: GPL-2.0
/*
 * srp-initiator: RDMA/CM connections, SRP login, sending and receiving IUs.
 *
 * One connection = one RDMA/CM id with its own event channel, PD, CQ (with
 * a completion channel, so waiting sleeps in poll() instead of spinning on
 * a shared 2-CPU machine), RC QP and three registered buffers: receive
 * buffers, send slots and a data buffer the target reads and writes by
 * RDMA (remote read/write access).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "srpi.h"

#define RECV_BUF_LEN	4096	/* larger than any SRP_RSP our target sends */
#define DATA_MR_GUARD	4096	/* see alloc_buffers(): 6.1 rxe reads past a full map */
#define WR_SEND		(1ULL << 32)
#define WR_RECV		(2ULL << 32)

/* ------------------------------------------------------------- logging */

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void vmsg(int level, const char *fmt, ...)
{
	va_list ap;

	if (cfg.verbose < level)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void hexdump(const char *prefix, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		printf("%s%04zx:", prefix, i);
		for (j = i; j < i + 16 && j < len; j++)
			printf(" %02x", p[j]);
		putchar('\n');
	}
	fflush(stdout);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The deadline of a wait for an answer of up to @ms, times
 * SELFTEST_TIMEOUT_SCALE (cfg.time_scale): on a debug kernel under TCG the
 * target is many times slower.  Windows in which nothing may arrive
 * (conn_quiet()) are not scaled.
 */
double wait_until(int ms)
{
	return now_s() + ms * cfg.time_scale / 1000.0;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --------------------------------------------------------- addressing */

static int resolve(const char *host, int port, struct sockaddr_storage *ss)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST }, *res;
	char pbuf[16];
	int ret;

	snprintf(pbuf, sizeof(pbuf), "%d", port);
	ret = getaddrinfo(host, pbuf, &hints, &res);
	if (ret) {
		msg("error: address %s: %s", host, gai_strerror(ret));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Wait for the next CM event on @ec (non-blocking fd) for up to @ms. */
static struct rdma_cm_event *cm_wait(struct rdma_event_channel *ec, int ms)
{
	struct rdma_cm_event *ev;
	struct pollfd pfd = { .fd = ec->fd, .events = POLLIN };
	double end = wait_until(ms);

	for (;;) {
		if (!rdma_get_cm_event(ec, &ev))
			return ev;
		if (errno != EAGAIN)
			return NULL;
		int left = (int)((end - now_s()) * 1000);

		if (left <= 0)
			return NULL;
		poll(&pfd, 1, left);
	}
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Resolve address and route of a new id; 0 on success. */
static int cm_resolve(struct rdma_event_channel *ec, struct rdma_cm_id *id,
		      char *err, size_t errlen)
{
	struct sockaddr_storage src, dst;
	struct rdma_cm_event *ev;
	int want[2] = { RDMA_CM_EVENT_ADDR_RESOLVED, RDMA_CM_EVENT_ROUTE_RESOLVED };
	int i;

	if (resolve(cfg.src ? cfg.src : cfg.dst, 0, &src) ||
	    resolve(cfg.dst, cfg.port, &dst)) {
		snprintf(err, errlen, "bad address");
		return -1;
	}
	if (rdma_resolve_addr(id, (struct sockaddr *)&src,
			      (struct sockaddr *)&dst, 2000)) {
		snprintf(err, errlen, "rdma_resolve_addr: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		ev = cm_wait(ec, 5000);
		if (!ev) {
			snprintf(err, errlen, "no %s event", rdma_event_str(want[i]));
			return -1;
		}
		int e = ev->event, st = ev->status;

		rdma_ack_cm_event(ev);
		if (e != want[i]) {
			snprintf(err, errlen, "%s (status %d) instead of %s",
				 rdma_event_str(e), st, rdma_event_str(want[i]));
			return -1;
		}
		if (i == 0 && rdma_resolve_route(id, 2000)) {
			snprintf(err, errlen, "rdma_resolve_route: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Our SRP initiator port identifier: initiator_ext followed by the
 * interface id of the GID the connection uses (what ib_srp sends over
 * RDMA/CM as well). Looked up once with a throw-away id.
 */
int local_port_id(uint8_t id[16])
{
	static uint8_t gid_if[8];
	static int have;
	uint64_t be = htobe64(cfg.iext);

	if (!have) {
		struct rdma_event_channel *ec = rdma_create_event_channel();
		struct rdma_cm_id *cid = NULL;
		union ibv_gid gid;
		char err[128];

		if (!ec || set_nonblock(ec->fd) ||
		    rdma_create_id(ec, &cid, NULL, RDMA_PS_TCP)) {
			msg("error: rdma_create_id: %s", strerror(errno));
			return -1;
		}
		if (cm_resolve(ec, cid, err, sizeof(err)) ||
		    ibv_query_gid(cid->verbs, cid->port_num, 0, &gid)) {
			msg("error: cannot find our GID: %s", err);
			rdma_destroy_id(cid);
			rdma_destroy_event_channel(ec);
			return -1;
		}
		memcpy(gid_if, gid.raw + 8, 8);
		rdma_destroy_id(cid);
		rdma_destroy_event_channel(ec);
		have = 1;
	}
	memcpy(id, &be, 8);
	memcpy(id + 8, gid_if, 8);
	return 0;
}

void target_port_id(uint8_t id[16])
{
	uint64_t be = htobe64(cfg.guid);

	memcpy(id, &be, 8);	/* id_ext */
	memcpy(id + 8, &be, 8);	/* ioc_guid */
}

void login_defaults(struct login_params *p)
{
	static uint64_t login_tag = 0x4c4f47494e000001ULL;	/* "LOGIN" */

	memset(p, 0, sizeof(*p));
	p->tag = login_tag++;
	p->buf_fmt = SRP_BUF_FORMAT_DIRECT | SRP_BUF_FORMAT_INDIRECT;
	p->flags = SRP_MULTICHAN_SINGLE;
	p->opcode = SRP_LOGIN_REQ;
	p->it_iu_len = 8260;	/* the target's default srp_max_req_size */
	if (local_port_id(p->iport))
		memset(p->iport, 0, 16);
	target_port_id(p->tport);
	p->raw_len = -1;
	p->nrecv = 64;
	p->max_recv = 64;
	p->nsend = 64;
	p->data_len = 4 << 20;
	p->timeout_ms = 10000;
}

/* ------------------------------------------------------- connections */

static void free_q(struct conn *c)
{
	struct iu *iu;

	while ((iu = c->q_head)) {
		c->q_head = iu->next;
		free(iu);
	}
	c->q_tail = NULL;
	c->q_len = 0;
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->proto_err[0])
		check(false, "[%s] malformed target request: %s", c->name, c->proto_err);
	if (c->t_logouts && !c->t_logout_checked)
		check(false, "[%s] %llu SRP_T_LOGOUT(s), the last with reason 0x%x, that no check expected",
		      c->name, (unsigned long long)c->t_logouts, c->t_logout_reason);
	if (c->qp)
		rdma_destroy_qp(c->id);
	if (c->rmr)
		ibv_dereg_mr(c->rmr);
	if (c->smr)
		ibv_dereg_mr(c->smr);
	if (c->dmr)
		ibv_dereg_mr(c->dmr);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->cc)
		ibv_destroy_comp_channel(c->cc);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->id)
		rdma_destroy_id(c->id);
	if (c->ec)
		rdma_destroy_event_channel(c->ec);
	free(c->rbuf);
	free(c->sbuf);
	free(c->data);
	free(c->slot_busy);
	free(c->rposted);
	free_q(c);
	free(c);
}

static int post_recv_idx(struct conn *c, int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->rbuf + (size_t)i * c->rlen),
		.length = c->rlen,
		.lkey = c->rmr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = WR_RECV | i, .sg_list = &sge, .num_sge = 1 }, *bad;

	if (ibv_post_recv(c->qp, &wr, &bad))
		return -1;
	c->rposted[i] = 1;
	c->recv_posted++;
	return 0;
}

static int alloc_buffers(struct conn *c, const struct login_params *p)
{
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE;

	c->max_recv = p->max_recv > p->nrecv ? p->max_recv : p->nrecv;
	if (c->max_recv < 1)
		c->max_recv = 1;
	c->rlen = RECV_BUF_LEN;
	c->nsend = p->nsend > 0 ? p->nsend : 1;
	c->slen = 16384;
	if (p->it_iu_len + 256 > c->slen && p->it_iu_len < (1u << 20))
		c->slen = p->it_iu_len + 256;
	c->data_len = p->data_len ? p->data_len : 4096;
	/*
	 * The data MR gets one unused page more than the cases address
	 * (DATA_MR_GUARD): 6.1's rxe_mr_copy() reads the next entry of the
	 * MR's map array after a copy that ends exactly where a full map ends,
	 * past the array when that is the MR's end (KASAN slab-out-of-bounds
	 * in the debug lane, a READ into the last 4 KiB of a 4 MiB buffer).
	 * 6.4 replaced those maps with an xarray.
	 */
	if (posix_memalign((void **)&c->rbuf, 4096, (size_t)c->max_recv * c->rlen) ||
	    posix_memalign((void **)&c->sbuf, 4096, (size_t)c->nsend * c->slen) ||
	    posix_memalign((void **)&c->data, 4096, c->data_len + DATA_MR_GUARD))
		return -1;
	memset(c->data, 0, c->data_len);
	c->slot_busy = calloc(c->nsend, 1);
	c->rposted = calloc(c->max_recv, 1);
	if (!c->slot_busy || !c->rposted)
		return -1;
	c->rmr = ibv_reg_mr(c->pd, c->rbuf, (size_t)c->max_recv * c->rlen, IBV_ACCESS_LOCAL_WRITE);
	c->smr = ibv_reg_mr(c->pd, c->sbuf, (size_t)c->nsend * c->slen, 0);
	c->dmr = ibv_reg_mr(c->pd, c->data, c->data_len + DATA_MR_GUARD, acc);
	return c->rmr && c->smr && c->dmr ? 0 : -1;
}

static void build_private(const struct login_params *p, struct srp_login_req_rdma *req)
{
	memset(req, 0, sizeof(*req));
	req->tag = p->tag;
	req->req_buf_fmt = htobe16(p->buf_fmt);
	req->req_flags = p->flags;
	req->opcode = p->opcode;
	req->req_it_iu_len = htobe32(p->it_iu_len);
	memcpy(req->initiator_port_id, p->iport, 16);
	memcpy(req->target_port_id, p->tport, 16);
	req->imm_data_offset = htobe16(p->imm_off);
}

struct conn *srp_connect(const struct login_params *p, struct login_result *r)
{
	static int conn_seq;
	struct rdma_conn_param cp = {};
	struct srp_login_req_rdma req;
	struct ibv_qp_init_attr qa = {};
	struct ibv_device_attr da;
	struct rdma_cm_event *ev;
	struct conn *c;
	int i;

	memset(r, 0, sizeof(*r));
	r->outcome = LOGIN_ERROR;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "ch%d", ++conn_seq);
	c->auto_repost = true;
	c->answer_requests = true;
	c->first_wc_err = -1;
	c->next_tag = 0x5441470000000001ULL + ((uint64_t)conn_seq << 24);	/* "TAG" */
	c->ec = rdma_create_event_channel();
	if (!c->ec || set_nonblock(c->ec->fd) ||
	    rdma_create_id(c->ec, &c->id, c, RDMA_PS_TCP)) {
		snprintf(r->err, sizeof(r->err), "rdma_create_id: %s", strerror(errno));
		goto fail;
	}
	if (cm_resolve(c->ec, c->id, r->err, sizeof(r->err)))
		goto fail;
	c->pd = ibv_alloc_pd(c->id->verbs);
	c->cc = c->pd ? ibv_create_comp_channel(c->id->verbs) : NULL;
	if (!c->cc || set_nonblock(c->cc->fd)) {
		snprintf(r->err, sizeof(r->err), "PD/completion channel: %s", strerror(errno));
		goto fail;
	}
	if (alloc_buffers(c, p)) {
		snprintf(r->err, sizeof(r->err), "buffers: %s", strerror(errno));
		goto fail;
	}
	c->cq = ibv_create_cq(c->id->verbs, c->nsend + c->max_recv + 16, NULL, c->cc, 0);
	if (!c->cq || ibv_req_notify_cq(c->cq, 0)) {
		snprintf(r->err, sizeof(r->err), "CQ: %s", strerror(errno));
		goto fail;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.sq_sig_all = 1;
	qa.cap.max_send_wr = c->nsend;
	qa.cap.max_recv_wr = c->max_recv;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->pd, &qa)) {
		snprintf(r->err, sizeof(r->err), "rdma_create_qp: %s", strerror(errno));
		goto fail;
	}
	c->qp = c->id->qp;
	/* buffers nrecv .. max_recv-1 are kept back for conn_post_recvs() */
	for (i = 0; i < p->nrecv && i < c->max_recv; i++)
		if (post_recv_idx(c, i)) {
			snprintf(r->err, sizeof(r->err), "ibv_post_recv: %s", strerror(errno));
			goto fail;
		}

	if (ibv_query_device(c->id->verbs, &da))
		da.max_qp_rd_atom = 16;
	build_private(p, &req);
	if (p->raw_len >= 0) {
		cp.private_data = p->raw;
		cp.private_data_len = p->raw_len;
	} else {
		cp.private_data = &req;
		cp.private_data_len = sizeof(req);
	}
	/* The target reads write data from us: offer responder resources. */
	cp.responder_resources = da.max_qp_rd_atom < 16 ? da.max_qp_rd_atom : 16;
	cp.initiator_depth = 0;
	cp.flow_control = 1;
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	if (cfg.verbose) {
		printf("[%s] -> SRP_LOGIN_REQ (RDMA/CM private data, %u bytes)\n",
		       c->name, cp.private_data_len);
		if (p->raw_len < 0)
			print_iu("   ", (const uint8_t *)&req, sizeof(req));
		else if (cp.private_data_len)
			hexdump("     ", cp.private_data, cp.private_data_len);
	}
	if (rdma_connect(c->id, &cp)) {
		snprintf(r->err, sizeof(r->err), "rdma_connect: %s", strerror(errno));
		goto fail;
	}
	ev = cm_wait(c->ec, p->timeout_ms);
	if (!ev) {
		snprintf(r->err, sizeof(r->err), "no answer to the login within %d ms",
			 p->timeout_ms);
		goto fail;
	}
	r->cm_event = ev->event;
	r->cm_status = ev->status;
	if (ev->param.conn.private_data && ev->param.conn.private_data_len) {
		r->pdata_len = ev->param.conn.private_data_len;
		if (r->pdata_len > (int)sizeof(r->pdata))
			r->pdata_len = sizeof(r->pdata);
		memcpy(r->pdata, ev->param.conn.private_data, r->pdata_len);
	}
	rdma_ack_cm_event(ev);
	switch (r->cm_event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		r->outcome = LOGIN_ACCEPTED;
		memcpy(&r->rsp, r->pdata, sizeof(r->rsp));
		c->established = true;
		c->lrsp = r->rsp;
		c->credits = c->req_lim0 = be32toh(r->rsp.req_lim_delta);
		c->max_it = be32toh(r->rsp.max_it_iu_len);
		c->max_ti = be32toh(r->rsp.max_ti_iu_len);
		c->imm = r->rsp.rsp_flags & SRP_LOGIN_RSP_IMMED_SUPP;
		if (cfg.verbose) {
			printf("[%s] <- ESTABLISHED, private data %d bytes:\n", c->name, r->pdata_len);
			print_iu("   ", r->pdata, r->pdata_len < 52 ? r->pdata_len : 52);
		}
		return c;
	case RDMA_CM_EVENT_REJECTED:
		r->outcome = LOGIN_REJECTED;
		memcpy(&r->rej, r->pdata, sizeof(r->rej));
		if (cfg.verbose) {
			printf("[%s] <- REJECTED status %d, private data %d bytes:\n",
			       c->name, r->cm_status, r->pdata_len);
			print_iu("   ", r->pdata, r->pdata_len < 32 ? r->pdata_len : 32);
		}
		snprintf(r->err, sizeof(r->err), "rejected (status %d, reason 0x%08x)",
			 r->cm_status, be32toh(r->rej.reason));
		break;
	default:
		snprintf(r->err, sizeof(r->err), "login ended with %s (status %d)",
			 rdma_event_str(r->cm_event), r->cm_status);
		break;
	}
fail:
	conn_free(c);
	return NULL;
}

/* A login that must succeed; prints why not. */
struct conn *srp_login_ok(const char *what, const struct login_params *p)
{
	struct login_result r;
	struct conn *c = srp_connect(p, &r);

	if (!c)
		check(false, "%s: login failed: %s", what, r.err);
	return c;
}

/* --------------------------------------------------------- completions */

static void enqueue(struct conn *c, const uint8_t *buf, size_t len)
{
	struct iu *iu = malloc(sizeof(*iu) + len);

	if (!iu)
		return;
	iu->next = NULL;
	iu->len = len;
	memcpy(iu->buf, buf, len);
	if (c->q_tail)
		c->q_tail->next = iu;
	else
		c->q_head = iu;
	c->q_tail = iu;
	c->q_len++;
}

static void answer_requests(struct conn *c);

static void proto_err(struct conn *c, const char *fmt, uint8_t op, unsigned v)
{
	if (!c->proto_err[0])
		snprintf(c->proto_err, sizeof(c->proto_err), fmt, op, v);
}

/*
 * SRP_CRED_REQ (6.11) and SRP_AER_REQ (6.12) are answered with
 * SRP_CRED_RSP / SRP_AER_RSP carrying their tag (answers use no credit,
 * 5.4.2); SRP_T_LOGOUT (6.5) is recorded. All are checked byte for byte.
 */
static void target_request(struct conn *c, const uint8_t *buf, size_t len)
{
	uint8_t op = buf[0];
	uint64_t tag = 0;

	if (len >= 16)
		memcpy(&tag, buf + 8, 8);
	switch (op) {
	case SRP_CRED_REQ: {
		const struct srp_cred_req *q = (const void *)buf;

		c->cred_reqs++;
		c->last_cred_tag = tag;
		if (len != sizeof(*q))
			proto_err(c, "SRP_CRED_REQ (0x%02x) of %u bytes, want 16", op, len);
		else if (q->sol_not & ~1 || q->reserved[0] || q->reserved[1])
			proto_err(c, "SRP_CRED_REQ (0x%02x): nonzero reserved bits (%u)", op, 0);
		else if (!be32toh(q->req_lim_delta))
			proto_err(c, "SRP_CRED_REQ (0x%02x) with REQUEST LIMIT DELTA %u", op, 0);
		break;
	}
	case SRP_AER_REQ:
		c->aer_reqs++;
		if (len < 36)
			proto_err(c, "SRP_AER_REQ (0x%02x) of %u bytes", op, len);
		break;
	case SRP_T_LOGOUT: {
		const struct srp_t_logout *t = (const void *)buf;

		c->t_logouts++;
		if (len != sizeof(*t))
			proto_err(c, "SRP_T_LOGOUT (0x%02x) of %u bytes, want 16", op, len);
		else if (t->sol_not & ~1 || t->reserved[0] || t->reserved[1])
			proto_err(c, "SRP_T_LOGOUT (0x%02x): nonzero reserved bits (%u)", op, 0);
		else
			c->t_logout_reason = be32toh(t->reason);
		return;
	}
	}
	/* the answer goes out from conn_pump(), not from completion handling */
	if (c->answer_requests && len >= 16 &&
	    c->n_pending_rsp < (int)ARRAY_SIZE(c->pending_rsp)) {
		c->pending_rsp[c->n_pending_rsp].tag = tag;
		c->pending_rsp[c->n_pending_rsp++].op =
			op == SRP_CRED_REQ ? SRP_CRED_RSP : SRP_AER_RSP;
	}
}

static void handle_wc(struct conn *c, const struct ibv_wc *wc)
{
	bool recv = (wc->wr_id & ~0xffffffffULL) == WR_RECV;
	int idx = (int)(wc->wr_id & 0xffffffff);

	if (recv) {
		c->recv_posted--;
		if (idx < c->max_recv)
			c->rposted[idx] = 0;
	} else if (idx < c->nsend && c->slot_busy[idx]) {
		c->slot_busy[idx] = 0;
		c->send_busy--;
	}
	if (wc->status != IBV_WC_SUCCESS) {
		if (!c->qp_error || c->first_wc_err == IBV_WC_WR_FLUSH_ERR) {
			if (c->first_wc_err < 0 || c->first_wc_err == IBV_WC_WR_FLUSH_ERR)
				c->first_wc_err = wc->status;
		}
		if (!c->qp_error)
			vmsg(1, "[%s] %s completion error: %s", c->name,
			     recv ? "receive" : "send", ibv_wc_status_str(wc->status));
		c->qp_error = true;
		return;
	}
	if (!recv)
		return;
	const uint8_t *buf = c->rbuf + (size_t)idx * c->rlen;

	c->ius_recvd++;
	if (wc->byte_len >= 8 && (buf[0] == SRP_RSP || buf[0] == SRP_CRED_REQ ||
				  buf[0] == SRP_AER_REQ)) {
		uint32_t d;

		memcpy(&d, buf + 4, 4);
		c->credits += be32toh(d);
		if (buf[0] == SRP_RSP && c->cmds_out > 0)
			c->cmds_out--;
		if (c->credit_check && c->credits + c->cmds_out > c->req_lim0 &&
		    !c->credit_violations++)
			snprintf(c->credit_err, sizeof(c->credit_err),
				 "%s with REQ LIMIT DELTA %u (IU %llu): req_lim %lld + %lld commands without a response > %lld granted at login",
				 opcode_name(buf[0]), be32toh(d), (unsigned long long)c->ius_recvd,
				 (long long)c->credits, (long long)c->cmds_out,
				 (long long)c->req_lim0);
	}
	if (cfg.verbose) {
		printf("[%s] <- IU %u bytes (credits now %lld)\n", c->name, wc->byte_len,
		       (long long)c->credits);
		print_iu("   ", buf, wc->byte_len);
	}
	if (wc->byte_len >= 1 && (buf[0] == SRP_CRED_REQ || buf[0] == SRP_AER_REQ ||
				  buf[0] == SRP_T_LOGOUT))
		target_request(c, buf, wc->byte_len);
	else
		enqueue(c, buf, wc->byte_len);
	if (c->auto_repost && !c->qp_error && post_recv_idx(c, idx))
		c->qp_error = true;
}

static void handle_cm(struct conn *c, struct rdma_cm_event *ev)
{
	vmsg(1, "[%s] CM event %s (status %d)", c->name, rdma_event_str(ev->event), ev->status);
	switch (ev->event) {
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		c->disconnected = true;
		break;
	default:
		break;
	}
}

static int drain_cq(struct conn *c)
{
	struct ibv_wc wc[32];
	int n, i, total = 0;

	while ((n = ibv_poll_cq(c->cq, 32, wc)) > 0) {
		for (i = 0; i < n; i++)
			handle_wc(c, &wc[i]);
		total += n;
	}
	return total;
}

/*
 * Process completions and CM events, waiting up to @timeout_ms for the
 * first. Returns the number of events handled.
 */
int conn_pump(struct conn *c, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = c->cc->fd, .events = POLLIN },
		{ .fd = c->ec->fd, .events = POLLIN },
	};
	struct rdma_cm_event *ev;
	struct ibv_cq *cq;
	void *ctx;
	int n;

	n = drain_cq(c);
	while (!rdma_get_cm_event(c->ec, &ev)) {
		handle_cm(c, ev);
		rdma_ack_cm_event(ev);
		n++;
	}
	answer_requests(c);
	if (n || timeout_ms <= 0)
		return n;
	if (poll(pfd, 2, timeout_ms) <= 0)
		return 0;
	if (pfd[0].revents & POLLIN) {
		while (!ibv_get_cq_event(c->cc, &cq, &ctx))
			ibv_ack_cq_events(cq, 1);
		ibv_req_notify_cq(c->cq, 0);
	}
	n = drain_cq(c);
	while (!rdma_get_cm_event(c->ec, &ev)) {
		handle_cm(c, ev);
		rdma_ack_cm_event(ev);
		n++;
	}
	answer_requests(c);
	return n;
}

bool conn_dead(const struct conn *c)
{
	return c->disconnected || c->qp_error;
}

int ms_left(double end)
{
	double l = (end - now_s()) * 1000;

	return l > 0 ? (int)l + 1 : 0;
}

/* Does an IU use a credit? Answers to target requests do not (5.4.2). */
static bool uses_credit(const uint8_t *iu, size_t len)
{
	return !(len >= 16 && (iu[0] == SRP_CRED_RSP || iu[0] == SRP_AER_RSP));
}

/* Post an IU from a free send slot; -EAGAIN if none is free. */
static int post_iu(struct conn *c, const void *iu, size_t len)
{
	struct ibv_send_wr wr = {}, *bad;
	struct ibv_sge sge;
	int i;

	for (i = 0; i < c->nsend && c->slot_busy[i]; i++)
		;
	if (i == c->nsend)
		return -EAGAIN;
	memcpy(c->sbuf + (size_t)i * c->slen, iu, len);
	sge.addr = (uintptr_t)(c->sbuf + (size_t)i * c->slen);
	sge.length = len;
	sge.lkey = c->smr->lkey;
	wr.wr_id = WR_SEND | i;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.sg_list = len ? &sge : NULL;
	wr.num_sge = len ? 1 : 0;
	if (cfg.verbose) {
		printf("[%s] -> IU %zu bytes (credits before %lld)\n", c->name, len,
		       (long long)c->credits);
		print_iu("   ", iu, len);
	}
	if (ibv_post_send(c->qp, &wr, &bad)) {
		msg("error: [%s] ibv_post_send: %s", c->name, strerror(errno));
		c->qp_error = true;
		return -EIO;
	}
	c->slot_busy[i] = 1;
	c->send_busy++;
	if (uses_credit(iu, len))
		c->credits--;
	if (len && (((const uint8_t *)iu)[0] == SRP_CMD || ((const uint8_t *)iu)[0] == SRP_TSK_MGMT))
		c->cmds_out++;
	c->ius_sent++;
	return 0;
}

/* Send the answers to target requests that fit into free send slots. */
static void answer_requests(struct conn *c)
{
	while (c->n_pending_rsp && !conn_dead(c)) {
		struct srp_cred_rsp rsp = { .opcode = c->pending_rsp[0].op,
					    .tag = c->pending_rsp[0].tag };

		if (post_iu(c, &rsp, sizeof(rsp)))
			return;
		memmove(c->pending_rsp, c->pending_rsp + 1,
			--c->n_pending_rsp * sizeof(c->pending_rsp[0]));
	}
}

int conn_send(struct conn *c, const void *iu, size_t len)
{
	double end = now_s() + 10;
	int ret;

	if (len > c->slen) {
		msg("error: IU of %zu bytes exceeds the send slot (%zu)", len, c->slen);
		return -1;
	}
	for (;;) {
		if (conn_dead(c))
			return -1;
		ret = post_iu(c, iu, len);
		if (!ret)
			return 0;
		if (ret != -EAGAIN)
			return -1;
		if (!ms_left(end)) {
			msg("error: [%s] no send slot became free within 10 s", c->name);
			return -1;
		}
		conn_pump(c, ms_left(end));
	}
}

/* Post @n of the receive buffers that are not posted; auto-repost again. */
int conn_post_recvs(struct conn *c, int n)
{
	int i, posted = 0;

	c->auto_repost = true;
	for (i = 0; i < c->max_recv && posted < n; i++) {
		if (c->rposted[i])
			continue;
		if (post_recv_idx(c, i))
			return -1;
		posted++;
	}
	return posted;
}

struct iu *conn_wait_iu(struct conn *c, int timeout_ms)
{
	double end = wait_until(timeout_ms);
	struct iu *iu;

	for (;;) {
		if (c->q_head) {
			iu = c->q_head;
			c->q_head = iu->next;
			if (!c->q_head)
				c->q_tail = NULL;
			c->q_len--;
			iu->next = NULL;
			return iu;
		}
		if (conn_dead(c)) {
			conn_pump(c, 0);
			if (!c->q_head)
				return NULL;
			continue;
		}
		if (!ms_left(end))
			return NULL;
		conn_pump(c, ms_left(end));
	}
}

uint64_t iu_tag(const struct iu *iu)
{
	uint64_t t = 0;

	if (iu->len >= 16)
		memcpy(&t, iu->buf + 8, 8);
	return t;
}

struct iu *conn_wait_tag(struct conn *c, uint64_t tag, int timeout_ms)
{
	double end = wait_until(timeout_ms);
	struct iu *iu, *prev;

	for (;;) {
		for (prev = NULL, iu = c->q_head; iu; prev = iu, iu = iu->next) {
			if (iu_tag(iu) != tag)
				continue;
			if (prev)
				prev->next = iu->next;
			else
				c->q_head = iu->next;
			if (c->q_tail == iu)
				c->q_tail = prev;
			c->q_len--;
			iu->next = NULL;
			return iu;
		}
		if (conn_dead(c)) {
			if (conn_pump(c, 0))
				continue;
			return NULL;
		}
		if (!ms_left(end))
			return NULL;
		conn_pump(c, ms_left(end));
	}
}

int conn_wait_dead(struct conn *c, int timeout_ms)
{
	double end = wait_until(timeout_ms);

	while (!conn_dead(c)) {
		if (!ms_left(end))
			return -1;
		conn_pump(c, ms_left(end));
	}
	return 0;
}

/* Wait @ms; returns the number of IUs that arrived (left queued). */
int conn_quiet(struct conn *c, int ms)
{
	double end = now_s() + ms / 1000.0;
	int before = c->q_len;

	while (ms_left(end) && !conn_dead(c))
		conn_pump(c, ms_left(end));
	conn_pump(c, 0);
	return c->q_len - before;
}

/* Wait until our sends have completed (the target has the IUs). */
void conn_flush_sends(struct conn *c, int timeout_ms)
{
	double end = wait_until(timeout_ms);

	while (c->send_busy && !conn_dead(c) && ms_left(end))
		conn_pump(c, ms_left(end));
}

uint64_t conn_tag(struct conn *c)
{
	return c->next_tag++;
}

int expect_t_logout(struct conn *c, const char *what, uint32_t reason)
{
	c->t_logout_checked = true;
	return check(c->t_logouts == 1 && c->t_logout_reason == reason,
		     "%s: %llu SRP_T_LOGOUT(s), reason 0x%x; want one, reason 0x%x", what,
		     (unsigned long long)c->t_logouts, c->t_logout_reason, reason);
}

int allow_t_logout(struct conn *c, const char *what, uint32_t reason)
{
	c->t_logout_checked = true;
	return check(!c->t_logouts || c->t_logout_reason == reason,
		     "%s: SRP_T_LOGOUT reason 0x%x; want none or reason 0x%x", what,
		     c->t_logout_reason, reason);
}

/* Disconnect (if still connected), wait briefly for the target, free. */
void conn_close(struct conn *c)
{
	double end;

	if (!c)
		return;
	if (c->established && !c->disconnected) {
		rdma_disconnect(c->id);
		end = now_s() + 3;
		while (!c->disconnected && ms_left(end))
			conn_pump(c, ms_left(end));
	}
	conn_free(c);
}

/* Free without an orderly disconnect (destroying the id still sends DREQ). */
void conn_abandon(struct conn *c)
{
	conn_free(c);
}
