// SPDX-License-Identifier: GPL-2.0
/*
 * srp-initiator: the hostile cases. Each states its expected answer (in the
 * table at the end, printed by "list") and checks it byte for byte; the
 * runner then checks that a fresh login still does I/O and that every
 * channel was released.
 *
 * A case is one of two kinds:
 *  - A table case, when it only sends logins or IUs that each must get an
 *    answer: its row in hcases[] names a struct tcase, a list of steps.
 *    A struct login_step says how the login differs from the default and
 *    whether it gets an SRP_LOGIN_RSP (with which rsp_flags) or an
 *    SRP_LOGIN_REJ (with which reason); a struct step names a builder
 *    that fills the IU, how many bytes of it go out, and its answer: an
 *    SRP_RSP (status, sense key/ASC/ASCQ, residual flags and counts, TMF
 *    response code: struct want), an SRP_T_LOGOUT with a reason, or the
 *    channel closed. The tcase says whether its steps share a channel
 *    that must survive them or each gets a fresh one. tcase_run() sends,
 *    waits, parses and checks; a new case of that shape is a new row and,
 *    if no builder fits, a new builder.
 *  - A function case (c_*), for everything else: data that must arrive
 *    intact, answers whose order or timing matters, stalled responses,
 *    credit games, TMFs during a transfer, churn, configfs changes under
 *    live channels, races, process exits. These use the helpers below
 *    (open_ch, send_expect, survives, expect_logout_iu, ...) and may run
 *    a table part (tcase_run) among their own steps. A case whose IUs
 *    are of the table's shape but that also checks the data read back,
 *    or words a missing answer its own way, stays a function too.
 *
 * Expected answers come from SRP r16a / SRP2 and, where the standard leaves
 * the choice to the target, from what ib_srpt documents (srpt_cm.c login
 * validation, srpt_io.c descriptor parsing) and target_core does
 * (target_core_transport.c: sense for TCM_INVALID_FIELD_IN_COMMAND_IU is
 * ILLEGAL REQUEST 0x0e/0x03, fixed format, 96 bytes; residuals from
 * target_cmd_size_check()).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srpi.h"

#define MiB (1u << 20)

/* A READ's residual: GOOD with DIOVER or DIUNDER and the count. */
#define WANT_GOOD_DIN(flag, res) ((struct want){ .status = SAM_STAT_GOOD, \
	.flags = (flag), .din_res = (res) })
/* A refused WRITE whose buffer and CDB disagree: 05/0e/03, DOOVER or DOUNDER. */
#define WANT_BAD_IU_DOUT(flag, res) ((struct want){ .status = SAM_STAT_CHECK_CONDITION, \
	.flags = SRP_RSP_FLAG_SNSVALID | (flag), .dout_res = (res), \
	.key = SENSE_ILLEGAL_REQUEST, .asc = 0x0e, .ascq = 0x03 })

/* ------------------------------------------------------ target facts */

static uint32_t read_u32(const char *dir, const char *attr, uint32_t dflt)
{
	char buf[64];

	if (!dir || cfs_read(dir, attr, buf, sizeof(buf)))
		return dflt;
	return strtoul(buf, NULL, 0);
}

static char attrib_dir[512];

static const char *attrib(void)
{
	if (!cfg.tpg)
		return NULL;
	snprintf(attrib_dir, sizeof(attrib_dir), "%s/attrib", cfg.tpg);
	return attrib_dir;
}

static bool use_srq(void)
{
	return read_u32(attrib(), "use_srq", 0);
}

/*
 * Buffers of each of the target device's shared receive queues, as our
 * ib_srpt reports them in the ACL info files for a channel that uses one
 * ("shared receive queue I (of N, S buffers)"): how it splits
 * srpt_srq_size is its business, not ours to work out. 0 if no info file
 * of the TPG lists such a channel (the in-tree ib_srpt has none).
 */
static uint32_t srq_buffers_reported(void)
{
	unsigned int idx, n, size, found = 0;
	char acls[512], acl[800], buf[4096];
	const char *p;
	struct dirent *d;
	DIR *dir;

	if (!cfg.tpg)
		return 0;
	snprintf(acls, sizeof(acls), "%s/acls", cfg.tpg);
	dir = opendir(acls);
	if (!dir)
		return 0;
	while (!found && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(acl, sizeof(acl), "%s/%s", acls, d->d_name);
		if (cfs_read(acl, "info", buf, sizeof(buf)))
			continue;
		for (p = buf; !found && (p = strstr(p, "shared receive queue ")); p++)
			if (sscanf(p, "shared receive queue %u (of %u, %u buffers)",
				   &idx, &n, &size) == 3)
				found = size;
	}
	closedir(dir);
	return found;
}

/*
 * Fences our ib_srpt posted (ACL info files: "unsignaled responses N
 * (budget B, fences F)" per channel), summed over the channels with a
 * budget; -1 if no channel has one (the in-tree ib_srpt, or a device
 * without room for unsignaled responses), when fences are not expected.
 */
static long fences_reported(void)
{
	char acls[512], acl[800], buf[4096];
	unsigned long long sent, fences;
	unsigned int budget;
	long sum = -1;
	const char *p;
	struct dirent *d;
	DIR *dir;

	if (!cfg.tpg)
		return -1;
	snprintf(acls, sizeof(acls), "%s/acls", cfg.tpg);
	dir = opendir(acls);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(acl, sizeof(acl), "%s/%s", acls, d->d_name);
		if (cfs_read(acl, "info", buf, sizeof(buf)))
			continue;
		for (p = buf; (p = strstr(p, "unsignaled responses ")); p++)
			if (sscanf(p, "unsignaled responses %llu (budget %u, fences %llu)",
				   &sent, &budget, &fences) == 3 && budget)
				sum = (sum < 0 ? 0 : sum) + (long)fences;
	}
	closedir(dir);
	return sum;
}

/*
 * srpt_setup_ch(): credits = min(sq_size, 512[, buffers of the SRQ]); the
 * SRQ's size as the target reports it, else (the in-tree target) its one
 * SRQ of srpt_srq_size. Call it with the channel logged in.
 */
static uint32_t exp_req_lim(void)
{
	uint32_t rq = read_u32(attrib(), "srp_sq_size", 4096);

	if (rq > 512)
		rq = 512;
	if (use_srq()) {
		uint32_t s = srq_buffers_reported();

		if (!s)
			s = read_u32("/sys/module/ib_srpt/parameters", "srpt_srq_size", 4095);
		if (rq > s)
			rq = s;
	}
	return rq;
}

static uint32_t exp_max_ti(void)
{
	return read_u32(attrib(), "srp_max_rsp_size", 256);
}

static uint32_t max_rdma(void)
{
	return read_u32(attrib(), "srp_max_rdma_size", MiB);
}

static uint32_t max_req_size(void)
{
	return read_u32("/sys/module/ib_srpt/parameters", "srp_max_req_size", 8260);
}

/* The target port's statistics directory, from --tpg; false without it. */
static bool port_stats_dir(char *buf, size_t len)
{
	const char *slash = cfg.tpg ? strrchr(cfg.tpg, '/') : NULL;

	if (!slash)
		return false;
	snprintf(buf, len, "%.*s/fabric_statistics/srpt_login_stats",
		 (int)(slash - cfg.tpg), cfg.tpg);
	return true;
}

/* --------------------------------------------------------- helpers */

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static struct conn *open_ch(const char *what, const struct login_params *p)
{
	struct conn *c = srp_login_ok(what, p);

	if (c && clear_ua(c)) {
		check(false, "%s: TEST UNIT READY never GOOD", what);
		conn_close(c);
		return NULL;
	}
	return c;
}

static struct conn *open_default(const char *what)
{
	struct login_params p;

	login_defaults(&p);
	return open_ch(what, &p);
}

static struct conn *open_imm(const char *what)
{
	struct login_params p;

	login_defaults(&p);
	p.flags |= SRP_IMMED_REQUESTED;
	p.imm_off = 68;
	return open_ch(what, &p);
}

static int tur_good(struct conn *c, const char *what)
{
	uint8_t cdb[6];
	struct iu *r;
	int f;

	cdb_tur(cdb);
	if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &r, 10000))
		return check(false, "%s: TEST UNIT READY not answered%s", what,
			     conn_dead(c) ? " (channel died)" : "");
	f = check_rsp(what, r, c->max_ti, c->next_tag - 1, &WANT_GOOD);
	free(r);
	return f;
}

/*
 * Credits owed for IUs that got no SRP_RSP (or whose SRP_RSP left before
 * the buffer was reposted) come in an SRP_CRED_REQ once nothing is in
 * flight: give it up to @ms.
 */
static void wait_credits(struct conn *c, int ms)
{
	double end = now_s() + ms / 1000.0;

	while (c->credits != c->req_lim0 && !conn_dead(c) && now_s() < end)
		conn_pump(c, 50);
}

/* Print and drop IUs nobody asked for; 1 if there were any. */
static int drain_unexpected(struct conn *c, const char *what)
{
	struct iu *iu;
	int n = 0;

	while (c->q_head && (iu = conn_wait_iu(c, 0))) {
		if (!n++)
			check(false, "%s: unexpected IU(s) from the target:", what);
		print_iu("   unexpected: ", iu->buf, iu->len);
		free(iu);
	}
	return n ? 1 : 0;
}

/* The channel lives, answers TEST UNIT READY, and has all its credits back. */
static int survives(struct conn *c, const char *what)
{
	int f;

	if (c->t_logouts) {
		c->t_logout_checked = true;
		return check(false, "%s: SRP_T_LOGOUT reason 0x%x on a channel that should live",
			     what, c->t_logout_reason);
	}
	if (check(!conn_dead(c), "%s: the channel died (first WC error %s)", what,
		  c->first_wc_err >= 0 ? ibv_wc_status_str(c->first_wc_err) : "none"))
		return 1;
	f = tur_good(c, what);
	wait_credits(c, 2000);
	f |= drain_unexpected(c, what);
	f |= check(c->credits == c->req_lim0,
		   "%s: %lld credits after all answers, want %lld (credit accounting)",
		   what, (long long)c->credits, (long long)c->req_lim0);
	return f;
}

/* Send @iu and check the SRP_RSP for @tag against @w. */
static int send_expect(struct conn *c, const char *what, const void *iu, size_t len,
		       uint64_t tag, struct want w)
{
	struct iu *r;
	int f;

	if (conn_send(c, iu, len))
		return check(false, "%s: send failed", what);
	r = conn_wait_tag(c, tag, 10000);
	if (!r)
		return check(false, "%s: no SRP_RSP within 10 s%s", what,
			     conn_dead(c) ? " (channel died)" : "");
	f = check_rsp(what, r, c->max_ti, tag, &w);
	free(r);
	return f;
}

/* The channel must die (connection error or DISCONNECTED) within @ms. */
static int expect_dies(struct conn *c, const char *what, int ms)
{
	return check(conn_wait_dead(c, ms) == 0, "%s: channel still up after %d ms", what, ms);
}

/*
 * The target closes the channel for its own reasons (an RDMA error, a
 * protocol violation that has no SRP_T_LOGOUT reason of its own): an
 * SRP_T_LOGOUT before that may only say "no reason specified" (0x0).
 */
static int expect_closed(struct conn *c, const char *what, int ms)
{
	int f = expect_dies(c, what, ms);

	conn_pump(c, 0);
	return f | allow_t_logout(c, what, 0);
}

/* No GOOD SRP_RSP for @tag may have arrived. */
static int no_good_rsp(struct conn *c, const char *what, uint64_t tag)
{
	struct iu *r = conn_wait_tag(c, tag, 0);
	int f = 0;

	if (r && r->len >= 36)
		f = check(r->buf[19] != SAM_STAT_GOOD,
			  "%s: the command completed GOOD although its data transfer must have failed",
			  what);
	free(r);
	return f;
}

/* SRP r16a table 12: SRP_T_LOGOUT reasons the IU cases expect. */
enum {
	T_LOGOUT_INVALID_IU_TYPE	= 0x02,	/* invalid IU type (or too short for one) */
	T_LOGOUT_UNSOLICITED_RSP	= 0x03,	/* response to a request not outstanding */
	T_LOGOUT_BAD_DATA_OUT_FMT	= 0x06,	/* unsupported DATA-OUT buffer format */
	T_LOGOUT_BAD_DATA_IN_FMT	= 0x07,	/* unsupported DATA-IN buffer format */
};

/*
 * An IU no initiator may send on a live channel (SRP r16a 6.5): the target
 * answers with SRP_T_LOGOUT @reason and disconnects; no SRP_RSP, nothing
 * else. Closes @c.
 */
static int expect_logout_iu(struct conn *c, const char *what, const void *iu, size_t len,
			    uint32_t reason)
{
	int f;

	if (conn_send(c, iu, len)) {
		c->t_logout_checked = true;
		conn_close(c);
		return check(false, "%s: send failed", what);
	}
	f = expect_dies(c, what, 10000);
	conn_pump(c, 100);	/* completions behind the disconnect */
	f |= expect_t_logout(c, what, reason);
	f |= drain_unexpected(c, what);
	conn_close(c);
	return f;
}

/*
 * A channel with 2 of its @max_recv receive buffers posted (the others for
 * conn_post_recvs() once stall_responses() has held the target's responses
 * back) and @nsend send slots (0: the default).
 */
static struct conn *open_stallable(const char *what, int max_recv, int nsend)
{
	struct login_params p;

	login_defaults(&p);
	p.nrecv = 2;
	p.max_recv = max_recv;
	if (nsend)
		p.nsend = nsend;
	return open_ch(what, &p);
}

/*
 * Make the target's responses wait: stop reposting receive buffers and use
 * up the posted ones, so that every SRP_RSP the target sends meets an empty
 * receive queue (RNR; the target retries forever) and its command stays in
 * flight until conn_post_recvs().
 */
static int stall_responses(struct conn *c, const char *what)
{
	uint8_t cdb[6];
	struct iu *r;

	c->auto_repost = false;
	cdb_tur(cdb);
	while (c->recv_posted > 0) {
		if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &r, 10000))
			return check(false, "%s: TEST UNIT READY not answered", what);
		free(r);
	}
	return 0;
}

static size_t cmd_rw(uint8_t *iu, uint64_t tag, uint8_t op, uint32_t lba, uint16_t blocks)
{
	uint8_t cdb[10];

	cdb_rw10(cdb, op, lba, blocks);
	return build_cmd(iu, tag, cfg.lun, cdb, 10);
}

/* A READ(10)/WRITE(10) with one direct descriptor over data[off, off+len). */
static size_t cmd_rw_direct(struct conn *c, uint8_t *iu, uint64_t tag, uint8_t op,
			    uint32_t lba, uint16_t blocks, size_t off, uint32_t len)
{
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	size_t n = cmd_rw(iu, tag, op, lba, blocks);

	n = add_direct(iu, n, (uintptr_t)(c->data + off), c->dmr->rkey, len);
	if (op == SCSI_WRITE_10) {
		cmd->buf_fmt = SRP_DATA_DESC_DIRECT << 4;
		cmd->data_out_desc_cnt = 1;
	} else {
		cmd->buf_fmt = SRP_DATA_DESC_DIRECT;
		cmd->data_in_desc_cnt = 1;
	}
	return n;
}

/* READ(10)/WRITE(10) (@op) of [@lba, +@blocks) through data[@off..]: GOOD. */
static int rw_good(struct conn *c, const char *what, uint8_t op, uint32_t lba, uint16_t blocks,
		   size_t off)
{
	uint8_t iu[64];
	uint64_t tag = conn_tag(c);
	size_t n = cmd_rw_direct(c, iu, tag, op, lba, blocks, off, blocks * 512);

	return send_expect(c, what, iu, n, tag, WANT_GOOD);
}

/* Write a pattern to [lba, +blocks) through a plain WRITE(10). */
static int write_pattern(struct conn *c, const char *what, uint32_t lba, uint16_t blocks,
			 uint32_t seed)
{
	fill_pattern(c->data + 2 * MiB, blocks * 512, seed);
	return rw_good(c, what, SCSI_WRITE_10, lba, blocks, 2 * MiB);
}

/* Read [lba, +blocks) through a plain READ(10) and compare with the pattern. */
static int verify_pattern(struct conn *c, const char *what, uint32_t lba, uint16_t blocks,
			  uint32_t seed)
{
	int f, bad;

	memset(c->data + 3 * MiB, 0, blocks * 512);
	f = rw_good(c, what, SCSI_READ_10, lba, blocks, 3 * MiB);
	bad = check_pattern(c->data + 3 * MiB, blocks * 512, seed);
	f |= check(bad < 0, "%s: LBA %u.. differs from the pattern at byte %d", what, lba, bad);
	return f;
}

/* ---------------------------------------------------- login checks */

static int check_rej(const char *what, const struct login_result *r, uint64_t tag,
		     uint32_t reason, bool tag_may_be_zero)
{
	const struct srp_login_rej *j = &r->rej;
	int f = 0;

	if (r->outcome == LOGIN_ACCEPTED)
		return check(false, "%s: login accepted, want SRP_LOGIN_REJ 0x%08x", what, reason);
	if (r->outcome != LOGIN_REJECTED)
		return check(false, "%s: %s, want SRP_LOGIN_REJ 0x%08x", what, r->err, reason);
	f |= check(r->cm_status == 28, "%s: CM reject status %d, want 28 (IB_CM_REJ_CONSUMER_DEFINED)",
		   what, r->cm_status);
	if (check(r->pdata_len >= 32, "%s: reject private data %d bytes, want >= 32", what,
		  r->pdata_len))
		return 1;
	f |= check(j->opcode == SRP_LOGIN_REJ, "%s: opcode 0x%02x, want 0xc2", what, j->opcode);
	f |= check(be32toh(j->reason) == reason, "%s: reason 0x%08x, want 0x%08x", what,
		   be32toh(j->reason), reason);
	f |= check(j->tag == tag || (tag_may_be_zero && !j->tag),
		   "%s: tag 0x%016llx, want 0x%016llx", what, (unsigned long long)j->tag,
		   (unsigned long long)tag);
	f |= check(be16toh(j->buf_fmt) == (SRP_BUF_FORMAT_DIRECT | SRP_BUF_FORMAT_INDIRECT),
		   "%s: buf_fmt 0x%04x, want 0x0006", what, be16toh(j->buf_fmt));
	f |= check(all_zero(j->reserved1, 3) && all_zero(j->reserved2, 8) &&
		   all_zero(j->reserved3, 6) && all_zero(r->pdata + 32, r->pdata_len - 32),
		   "%s: nonzero reserved bytes in SRP_LOGIN_REJ", what);
	if (f)
		hexdump("   rej: ", r->pdata, 32);
	return f;
}

static int expect_reject(const char *what, const struct login_params *p, uint32_t reason,
			 bool tag_may_be_zero)
{
	struct login_result r;
	struct conn *c = srp_connect(p, &r);

	if (c) {
		conn_close(c);
		return check(false, "%s: login accepted, want SRP_LOGIN_REJ 0x%08x", what, reason);
	}
	return check_rej(what, &r, p->tag, reason, tag_may_be_zero);
}

static int check_login_rsp(const char *what, const struct login_result *r,
			   const struct login_params *p, uint8_t flags)
{
	const struct srp_login_rsp *s = &r->rsp;
	int f = 0;

	if (check(r->pdata_len >= 52, "%s: login response private data %d bytes, want >= 52",
		  what, r->pdata_len))
		return 1;
	f |= check(s->opcode == SRP_LOGIN_RSP, "%s: opcode 0x%02x, want 0xc0", what, s->opcode);
	f |= check(be32toh(s->req_lim_delta) == exp_req_lim(), "%s: REQUEST LIMIT DELTA %u, want %u",
		   what, be32toh(s->req_lim_delta), exp_req_lim());
	f |= check(s->tag == p->tag, "%s: tag 0x%016llx, want 0x%016llx", what,
		   (unsigned long long)s->tag, (unsigned long long)p->tag);
	f |= check(be32toh(s->max_it_iu_len) == p->it_iu_len, "%s: MAX_IT_IU_LEN %u, want %u",
		   what, be32toh(s->max_it_iu_len), p->it_iu_len);
	f |= check(be32toh(s->max_ti_iu_len) == exp_max_ti(), "%s: MAX_TI_IU_LEN %u, want %u",
		   what, be32toh(s->max_ti_iu_len), exp_max_ti());
	f |= check(be16toh(s->buf_fmt) == (SRP_BUF_FORMAT_DIRECT | SRP_BUF_FORMAT_INDIRECT),
		   "%s: SUPPORTED BUFFER FORMATS 0x%04x, want 0x0006", what, be16toh(s->buf_fmt));
	f |= check(s->rsp_flags == flags, "%s: rsp_flags 0x%02x, want 0x%02x", what,
		   s->rsp_flags, flags);
	f |= check(all_zero(s->reserved1, 3) && all_zero(s->reserved2, 25) &&
		   all_zero(r->pdata + 52, r->pdata_len - 52),
		   "%s: nonzero reserved bytes in SRP_LOGIN_RSP", what);
	if (f)
		hexdump("   rsp: ", r->pdata, 52);
	return f;
}

/* Log in; the response must carry @flags; returns the channel. */
static struct conn *login_expect(const char *what, const struct login_params *p, uint8_t flags)
{
	struct login_result r;
	struct conn *c = srp_connect(p, &r);

	if (!c) {
		check(false, "%s: login failed: %s", what, r.err);
		return NULL;
	}
	check_login_rsp(what, &r, p, flags);
	return c;
}

/* ======================================================= table cases */

/*
 * A table case is a row of hcases[] with a struct tcase: the logins or IUs
 * it sends, a struct login_step or struct step each, and the answer each
 * must get. tcase_run() sends, waits, parses and checks, with the
 * diagnostics of the helpers above.
 */

/* A login: how it differs from login_defaults(), and its answer. */
struct login_step {
	const char *what;	/* names the login in every diagnostic */
	void (*set)(struct login_params *p, const struct login_step *s);
	uint32_t n;		/* the setter's number */
	uint8_t mask;		/* l_flip_*(): the bits to flip in byte n */
	bool again;		/* change the login of the step before (same tag) */
	uint32_t rej;		/* SRP_LOGIN_REJ with this reason; 0: accepted */
	const char *stat;	/* rejected: the login counter it adds one to */
	uint8_t rsp_flags;	/* accepted: the SRP_LOGIN_RSP's rsp_flags */
	bool tag_may_be_zero;	/* in the SRP_LOGIN_REJ */
};

/* What the target must do with a step's IU. */
enum answer_kind {
	ANSWER_RSP,		/* an SRP_RSP for its tag as .rsp; the channel lives */
	ANSWER_T_LOGOUT,	/* SRP_T_LOGOUT .reason, disconnect, nothing else */
	ANSWER_CLOSED,		/* closed within .ms (SRP_T_LOGOUT reason 0 at most), no GOOD */
};

struct answer {
	enum answer_kind kind;
	struct want rsp;
	bool credits;		/* ANSWER_RSP: then the login's credits back, exactly (2 s) */
	uint32_t reason;
	int ms;
};

#define RSP(...)		{ .kind = ANSWER_RSP, .rsp = __VA_ARGS__ }
#define RSP_CREDITS(...)	{ .kind = ANSWER_RSP, .rsp = __VA_ARGS__, .credits = true }
#define T_LOGOUT(r)		{ .kind = ANSWER_T_LOGOUT, .reason = (r) }
#define CLOSED(t)		{ .kind = ANSWER_CLOSED, .ms = (t) }

/* The LUN of a step: --lun, --bad-lun, or one no test maps. */
enum { LUN_MAPPED, LUN_UNMAPPED, LUN_16383 };

struct bld;

/* An IU: a builder that fills it in, how much of it goes out, its answer. */
struct step {
	const char *what;	/* names the IU in every diagnostic */
	size_t (*build)(const struct bld *b);	/* returns the IU's length */
	/* the builder's parameters: each builder says which it reads */
	uint8_t op;		/* an SRP or SCSI opcode, a TMF function */
	uint8_t lun;		/* LUN_* */
	uint32_t n;		/* a length, a task tag, a format, ... */
	struct { uint32_t tlen, total, d1; uint8_t cnt; } ind;	/* b_indirect() */
	size_t len;		/* send only this many bytes; 0: all built */
	struct answer want;
};

/* What a builder fills in: a zeroed IU, for this step, channel and tag. */
enum { IU_MAX = 1024 };
struct bld {
	const struct step *s;
	struct conn *c;
	uint8_t *iu;		/* IU_MAX bytes */
	uint64_t tag;
};

struct tcase {
	const struct login_step *logins;	/* a login case: these, one by one */
	const struct step *steps;		/* an IU case: these */
	size_t n;
	/*
	 * All steps on one channel, logged in as @channel, which must then
	 * survive (survives(@survives)) unless the last step closed it; or,
	 * with @channel NULL, each step on a fresh channel logged in as the
	 * step's what. @go_on: a step whose channel cannot be opened fails
	 * alone (else the case ends there).
	 */
	const char *channel;
	const char *survives;
	bool go_on;
	bool imm;		/* log in asking for immediate data at 68 */
	uint32_t it_iu_len;	/* log in with this req_it_iu_len (0: the default) */
	const char *stat;	/* a port statistic every step adds one to */
	/* run with attrib/@attr set to @attr_val (skip without --tpg) */
	const char *attr, *attr_val;
	const struct tcase *then;	/* another part, once this one could run */
};

#define LOGINS(a)	.logins = (a), .n = ARRAY_SIZE(a)
#define STEPS(a)	.steps = (a), .n = ARRAY_SIZE(a)

/* The target port's login counters (fabric_statistics/srpt_login_stats). */
static const char *const login_stats[] = {
	"accepted", "rejected_malformed", "rejected_iu_length",
	"rejected_buffer_format", "rejected_target_port_id",
	"rejected_no_enabled_tpg", "rejected_no_acl", "rejected_channel_limit",
	"rejected_resources", "iu_refused_type", "iu_refused_unsolicited",
	"iu_refused_format",
};

static void read_login_stats(const char *dir, uint32_t *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(login_stats); i++)
		v[i] = read_u32(dir, login_stats[i], ~0u);
}

/*
 * Each login of a login case adds exactly one to exactly one counter:
 * "accepted", or the step's reason for the rejection.
 */
static void check_login_stats(const struct login_step *s, const uint32_t *before,
			      const uint32_t *after)
{
	const char *want = s->rej ? s->stat : "accepted";
	size_t i;

	if (check(want, "%s: the step names no login counter", s->what))
		return;
	for (i = 0; i < ARRAY_SIZE(login_stats); i++) {
		uint32_t d = strcmp(login_stats[i], want) ? 0 : 1;

		check(before[i] != ~0u && after[i] == before[i] + d,
		      "%s: login counter %s went from %u to %u, want +%u",
		      s->what, login_stats[i], before[i], after[i], d);
	}
}

static int logins_run(const struct tcase *t)
{
	uint32_t before[ARRAY_SIZE(login_stats)], after[ARRAY_SIZE(login_stats)];
	struct login_params p;
	char stats[600];
	bool have_stats = port_stats_dir(stats, sizeof(stats));
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct login_step *s = &t->logins[i];

		if (!s->again)
			login_defaults(&p);
		s->set(&p, s);
		if (have_stats)
			read_login_stats(stats, before);
		if (s->rej)
			expect_reject(s->what, &p, s->rej, s->tag_may_be_zero);
		else
			conn_close(login_expect(s->what, &p, s->rsp_flags));
		if (have_stats) {
			read_login_stats(stats, after);
			check_login_stats(s, before, after);
		}
	}
	return RES_PASS;
}

static uint64_t step_lun(const struct step *s)
{
	return s->lun == LUN_UNMAPPED ? cfg.bad_lun : s->lun == LUN_16383 ? 0x3fff : cfg.lun;
}

/*
 * Build step @s's IU with the next tag of *@cp, send it and check the
 * answer. An answer that ends the channel closes it and sets *@cp NULL.
 */
static int step_run(struct conn **cp, const struct step *s)
{
	struct conn *c = *cp;
	uint8_t iu[IU_MAX] = {};
	struct bld b = { .s = s, .c = c, .iu = iu, .tag = conn_tag(c) };
	size_t n = s->build(&b);
	int f = 0;

	if (s->len)
		n = s->len;
	if (s->want.kind == ANSWER_T_LOGOUT) {
		*cp = NULL;
		return expect_logout_iu(c, s->what, iu, n, s->want.reason);
	}
	if (s->want.kind == ANSWER_CLOSED) {
		/* an IU that never left cannot have closed the channel */
		if (conn_send(c, iu, n))
			f = check(false, "%s: sending the IU failed", s->what);
		else
			f = expect_closed(c, s->what, s->want.ms);
		f |= no_good_rsp(c, s->what, b.tag);
		conn_close(c);
		*cp = NULL;
		return f;
	}
	f = send_expect(c, s->what, iu, n, b.tag, s->want.rsp);
	if (s->want.credits) {
		wait_credits(c, 2000);
		f |= check(c->credits == c->req_lim0,
			   "%s: %lld credits once answered, want %lld (the receive buffer was reposted %s)",
			   s->what, (long long)c->credits, (long long)c->req_lim0,
			   c->credits > c->req_lim0 ? "twice" : "not at all");
	}
	return f;
}

static struct conn *tcase_open(const struct tcase *t, const char *what)
{
	struct login_params p;
	struct conn *c;

	login_defaults(&p);
	if (t->imm) {
		p.flags |= SRP_IMMED_REQUESTED;
		p.imm_off = 68;
	}
	if (t->it_iu_len)
		p.it_iu_len = t->it_iu_len;
	c = open_ch(what, &p);
	/* the oracles below cut sense data to what the login granted */
	if (c)
		check(c->max_ti == exp_max_ti(), "%s: MAX_TI_IU_LEN %u, want %u (srp_max_rsp_size)",
		      what, c->max_ti, exp_max_ti());
	return c;
}

/* One part of a case: RES_FAIL if a channel it needs cannot be opened. */
static int steps_run(const struct tcase *t)
{
	struct conn *c = NULL;
	size_t i;

	if (t->channel && !(c = tcase_open(t, t->channel)))
		return RES_FAIL;
	for (i = 0; i < t->n && (c || !t->channel); i++) {
		if (!t->channel && !(c = tcase_open(t, t->steps[i].what))) {
			if (t->go_on)
				continue;
			return RES_FAIL;
		}
		step_run(&c, &t->steps[i]);
		if (!t->channel) {
			conn_close(c);
			c = NULL;
		}
	}
	if (c && t->survives)
		survives(c, t->survives);
	conn_close(c);
	return RES_PASS;
}

int tcase_run(const struct tcase *tc)
{
	char stats[600], old_attr[32];
	uint32_t before = ~0u, after;
	const struct tcase *t;
	bool have_stats;
	int res = RES_PASS;
	size_t n = 0;

	if (tc->logins)
		return logins_run(tc);
	if (tc->attr) {
		if (!cfg.tpg || cfs_read(attrib(), tc->attr, old_attr, sizeof(old_attr)))
			return RES_SKIP;
		if (cfs_write(attrib(), tc->attr, tc->attr_val))
			return RES_FAIL;
	}
	have_stats = tc->stat && port_stats_dir(stats, sizeof(stats));
	if (have_stats)
		before = read_u32(stats, tc->stat, ~0u);
	for (t = tc; t && res == RES_PASS; t = t->then) {
		res = steps_run(t);
		n += t->n;
	}
	/* each step is counted in the port's statistics */
	if (have_stats) {
		after = read_u32(stats, tc->stat, ~0u);
		check(before != ~0u && after == before + n, "%s went from %u to %u, want +%zu",
		      tc->stat, before, after, n);
	}
	if (tc->attr && cfs_write(attrib(), tc->attr, old_attr))
		check(false, "cannot restore %s %s", tc->attr, old_attr);
	return res;
}

/* ============================================================ logins */

/* Setters of logins (struct login_step); each says which step fields it reads. */

/* Immediate data requested at offset n. */
static void l_imm(struct login_params *p, const struct login_step *s)
{
	p->flags |= SRP_IMMED_REQUESTED;
	p->imm_off = s->n;
}

/* req_it_iu_len n. */
static void l_it_iu_len(struct login_params *p, const struct login_step *s)
{
	p->it_iu_len = s->n;
}

/* req_it_iu_len srp_max_req_size + n. */
static void l_it_iu_len_max(struct login_params *p, const struct login_step *s)
{
	p->it_iu_len = max_req_size() + s->n;
}

/* req_buf_fmt n. */
static void l_buf_fmt(struct login_params *p, const struct login_step *s)
{
	p->buf_fmt = s->n;
}

/* Byte n of the target port id XOR mask. */
static void l_flip_tport(struct login_params *p, const struct login_step *s)
{
	p->tport[s->n] ^= s->mask;
}

/* Byte n of the initiator port id XOR mask. */
static void l_flip_iport(struct login_params *p, const struct login_step *s)
{
	p->iport[s->n] ^= s->mask;
}

/* Every byte of the target port id n. */
static void l_fill_tport(struct login_params *p, const struct login_step *s)
{
	memset(p->tport, s->n, sizeof(p->tport));
}

/* Opcode n instead of SRP_LOGIN_REQ. */
static void l_opcode(struct login_params *p, const struct login_step *s)
{
	p->opcode = s->n;
}

static int c_login_good(void)
{
	struct login_params p;
	struct conn *c;
	int f;

	login_defaults(&p);
	c = login_expect("default login", &p, SRP_LOGIN_RSP_MULTICHAN_NO_CHAN);
	if (!c)
		return RES_FAIL;
	f = clear_ua(c) ? check(false, "TEST UNIT READY never GOOD") : survives(c, "default login");
	conn_close(c);
	return f;
}

static const struct login_step login_imm[] = {
	{ "immediate data login", l_imm, .n = 68,
	  .rsp_flags = SRP_LOGIN_RSP_MULTICHAN_NO_CHAN | SRP_LOGIN_RSP_IMMED_SUPP },
};
static const struct tcase t_login_imm = { LOGINS(login_imm) };

static const struct login_step login_imm_bad_offset[] = {
	/* accepted, rsp_flags SRP_LOGIN_RSP_MULTICHAN_NO_CHAN (0): no IMMED_SUPP */
	{ "imm_data_offset 0", l_imm, .n = 0 },
	{ "imm_data_offset 51", l_imm, .n = 51 },
	{ "imm_data_offset 8260", l_imm, .n = 8260 },
	{ "imm_data_offset 65535", l_imm, .n = 65535 },
};
static const struct tcase t_login_imm_bad_offset = { LOGINS(login_imm_bad_offset) };

static const struct login_step login_it_iu_len_63[] = {
	{ "req_it_iu_len 63", l_it_iu_len, .n = 63,
	  .rej = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
	  .stat = "rejected_iu_length" },
	{ "req_it_iu_len 0", l_it_iu_len, .n = 0, .again = true,
	  .rej = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
	  .stat = "rejected_iu_length" },
};
static const struct tcase t_login_it_iu_len_63 = { LOGINS(login_it_iu_len_63) };

static int c_login_it_iu_len_64(void)
{
	struct login_params p;
	struct conn *c;

	login_defaults(&p);
	p.it_iu_len = 64;
	c = login_expect("req_it_iu_len 64", &p, 0);
	if (c) {
		uint8_t iu[64];
		uint64_t tag = conn_tag(c);
		size_t n;

		clear_ua(c);
		/* the largest IU that fits: READ(10) with one direct descriptor */
		n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, 1, 0, 512);
		send_expect(c, "64-byte READ(10)", iu, n, tag, WANT_GOOD);
		survives(c, "req_it_iu_len 64");
		conn_close(c);
	}
	return RES_PASS;
}

static const struct login_step login_it_iu_len_max[] = {
	{ "req_it_iu_len = srp_max_req_size", l_it_iu_len_max, .n = 0 },
	{ "req_it_iu_len = srp_max_req_size + 1", l_it_iu_len_max, .n = 1, .again = true,
	  .rej = SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE,
	  .stat = "rejected_iu_length" },
	{ "req_it_iu_len 0xffffffff", l_it_iu_len, .n = 0xffffffff, .again = true,
	  .rej = SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE,
	  .stat = "rejected_iu_length" },
};
static const struct tcase t_login_it_iu_len_max = { LOGINS(login_it_iu_len_max) };

static const struct login_step login_buf_fmt[] = {
	{ "req_buf_fmt 0x0001", l_buf_fmt, .n = 0x0001,
	  .rej = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT,
	  .stat = "rejected_buffer_format" },
	{ "req_buf_fmt 0x0008", l_buf_fmt, .n = 0x0008,
	  .rej = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT,
	  .stat = "rejected_buffer_format" },
	{ "req_buf_fmt 0x0007", l_buf_fmt, .n = 0x0007,
	  .rej = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT,
	  .stat = "rejected_buffer_format" },
	{ "req_buf_fmt 0x8006", l_buf_fmt, .n = 0x8006,
	  .rej = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT,
	  .stat = "rejected_buffer_format" },
	{ "req_buf_fmt 0xffff", l_buf_fmt, .n = 0xffff,
	  .rej = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT,
	  .stat = "rejected_buffer_format" },
	/* only direct, only indirect, none: all supported subsets */
	{ "req_buf_fmt 0x0002", l_buf_fmt, .n = 0x0002 },
	{ "req_buf_fmt 0x0004", l_buf_fmt, .n = 0x0004 },
	{ "req_buf_fmt 0x0000", l_buf_fmt, .n = 0x0000 },
};
static const struct tcase t_login_buf_fmt = { LOGINS(login_buf_fmt) };

static const struct login_step login_wrong_target[] = {
	{ "wrong id_ext", l_flip_tport, .n = 7, .mask = 1,
	  .rej = SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL,
	  .stat = "rejected_target_port_id" },
	{ "wrong ioc_guid", l_flip_tport, .n = 15, .mask = 1,
	  .rej = SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL,
	  .stat = "rejected_target_port_id" },
	{ "zero target port id", l_fill_tport, .n = 0,
	  .rej = SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL,
	  .stat = "rejected_target_port_id" },
};
static const struct tcase t_login_wrong_target = { LOGINS(login_wrong_target) };

static const struct login_step login_no_acl[] = {
	/* an initiator_ext no ACL names */
	{ "initiator without ACL", l_flip_iport, .n = 0, .mask = 0x80,
	  .rej = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
	  .stat = "rejected_no_acl" },
	/* the GID part */
	{ "initiator without ACL (GID part)", l_flip_iport, .n = 15, .mask = 0x01,
	  .rej = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
	  .stat = "rejected_no_acl" },
};
static const struct tcase t_login_no_acl = { LOGINS(login_no_acl) };

static int c_login_tpg_disabled(void)
{
	struct login_params p;
	struct conn *c;

	if (!cfg.tpg)
		return RES_SKIP;
	if (cfs_write(cfg.tpg, "enable", "0"))
		return RES_FAIL;
	login_defaults(&p);
	expect_reject("TPG disabled", &p, SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL, false);
	if (cfs_write(cfg.tpg, "enable", "1"))
		return RES_FAIL;
	login_defaults(&p);
	c = login_expect("TPG enabled again", &p, 0);
	conn_close(c);
	return RES_PASS;
}

/* An open channel is closed when its TPG is disabled. */
static int c_login_tpg_disable_live(void)
{
	struct conn *c;

	if (!cfg.tpg)
		return RES_SKIP;
	c = open_default("before disable");
	if (!c)
		return RES_FAIL;
	if (cfs_write(cfg.tpg, "enable", "0")) {
		conn_close(c);
		return RES_FAIL;
	}
	expect_dies(c, "TPG disabled under a live channel", 10000);
	expect_t_logout(c, "TPG disabled", 0);
	conn_close(c);
	return cfs_write(cfg.tpg, "enable", "1") ? RES_FAIL : RES_PASS;
}

/* Removing the ACL of a live session closes it with SRP_T_LOGOUT. */
static int c_login_acl_removed(void)
{
	char acl[512], lun[600], map[700], target[600], name[40];
	uint8_t id[16];
	struct conn *c;
	int i, f = 0;

	if (!cfg.tpg || local_port_id(id))
		return RES_SKIP;
	strcpy(name, "0x");
	for (i = 0; i < 16; i++)
		sprintf(name + 2 + 2 * i, "%02x", id[i]);
	snprintf(acl, sizeof(acl), "%s/acls/%s", cfg.tpg, name);
	snprintf(lun, sizeof(lun), "%s/lun_0", acl);
	snprintf(map, sizeof(map), "%s/mapped", lun);
	snprintf(target, sizeof(target), "%s/lun/lun_0", cfg.tpg);
	c = open_default("before the ACL goes");
	if (!c)
		return RES_FAIL;
	if (check(!unlink(map) && !rmdir(lun) && !rmdir(acl), "removing ACL %s: %s", acl,
		  strerror(errno)))
		f = 1;
	else
		expect_dies(c, "session whose ACL was removed", 10000);
	expect_t_logout(c, "ACL removed", 0);
	conn_close(c);
	if (check((!mkdir(acl, 0755) || errno == EEXIST) && (!mkdir(lun, 0755) || errno == EEXIST) &&
		  (!symlink(target, map) || errno == EEXIST),
		  "restoring ACL %s: %s", acl, strerror(errno)))
		return RES_FAIL;
	return f ? RES_FAIL : RES_PASS;
}

static const struct login_step login_wrong_opcode[] = {
	/* not an SRP_LOGIN_REQ: the tag need not be read */
	{ "login opcode 0x02", l_opcode, .n = SRP_CMD,
	  .rej = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
	  .stat = "rejected_malformed", .tag_may_be_zero = true },
};
static const struct tcase t_login_wrong_opcode = { LOGINS(login_wrong_opcode) };

/*
 * RDMA/CM pads the private data of a connect request to 56 bytes with
 * zeros, so a short login reaches the target as a login whose missing
 * fields are zero.
 */
static int c_login_truncated(void)
{
	struct srp_login_req_rdma req;
	struct login_params p;
	struct login_result r;
	struct conn *c;

	login_defaults(&p);
	p.raw = &req;
	memset(&req, 0, sizeof(req));
	p.raw_len = 0;
	c = srp_connect(&p, &r);
	conn_close(c);
	check_rej("no private data", &r, 0, SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL, true);

	/* the tag only: req_it_iu_len reads as 0 */
	req.tag = p.tag;
	p.raw_len = 8;
	c = srp_connect(&p, &r);
	conn_close(c);
	check_rej("8 bytes of private data", &r, p.tag, SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL, false);

	/* up to the first half of the target port id: ioc_guid reads as 0 */
	req.req_buf_fmt = htobe16(p.buf_fmt);
	req.opcode = SRP_LOGIN_REQ;
	req.req_it_iu_len = htobe32(p.it_iu_len);
	memcpy(req.initiator_port_id, p.iport, 16);
	memcpy(req.target_port_id, p.tport, 16);
	p.raw_len = 40;
	c = srp_connect(&p, &r);
	conn_close(c);
	check_rej("40 bytes of private data", &r, p.tag, SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL, false);

	/* 48 bytes: everything but imm_data_offset: a normal login */
	p.raw_len = 48;
	c = srp_connect(&p, &r);
	check(c != NULL, "48 bytes of private data: %s, want accepted", r.err);
	conn_close(c);
	return RES_PASS;
}

static int c_login_single_kicks(void)
{
	struct login_params p;
	struct conn *a, *b;

	login_defaults(&p);
	a = open_ch("first channel", &p);
	if (!a)
		return RES_FAIL;
	login_defaults(&p);
	b = login_expect("second SINGLE_CHANNEL login", &p, SRP_LOGIN_RSP_MULTICHAN_TERMINATED);
	if (b) {
		expect_dies(a, "first channel after a SINGLE_CHANNEL login", 10000);
		expect_t_logout(a, "first channel (multichannel action)", 4);
		clear_ua(b);
		survives(b, "second channel");
	}
	conn_close(a);
	conn_close(b);
	return RES_PASS;
}

static int c_login_multi_join(void)
{
	struct login_params p;
	struct conn *a, *b, *d;

	login_defaults(&p);
	p.flags = SRP_MULTICHAN_MULTI;
	a = login_expect("first MULTICHANNEL login (no nexus yet)", &p,
			 SRP_LOGIN_RSP_MULTICHAN_NO_CHAN);
	if (!a)
		return RES_FAIL;
	clear_ua(a);
	login_defaults(&p);
	p.flags = SRP_MULTICHAN_MULTI;
	b = login_expect("second MULTICHANNEL login", &p, SRP_LOGIN_RSP_MULTICHAN_MAINTAINED);
	login_defaults(&p);
	p.flags = SRP_MULTICHAN_MULTI | SRP_IMMED_REQUESTED;
	p.imm_off = 68;
	d = login_expect("third MULTICHANNEL login with immediate data", &p,
			 SRP_LOGIN_RSP_MULTICHAN_MAINTAINED | SRP_LOGIN_RSP_IMMED_SUPP);
	survives(a, "first channel");
	if (b)
		survives(b, "second channel");
	if (d)
		survives(d, "third channel");
	conn_close(a);
	conn_close(b);
	conn_close(d);
	return RES_PASS;
}

/* A login of 64-byte IUs with 4 buffers and 4 KiB of data here. */
static void small_login(struct login_params *p, uint8_t flags)
{
	login_defaults(p);
	p->flags = flags;
	p->it_iu_len = 64;
	p->nrecv = p->max_recv = 4;
	p->nsend = 4;
	p->data_len = 4096;
}

/* SRPT_MAX_CH_PER_NEXUS = 64 channels per I_T nexus. */
static int c_login_channel_limit(void)
{
	enum { LIMIT = 64 };
	struct conn *ch[LIMIT + 1] = {};
	char old_sq[32] = "";
	struct login_params p;
	struct login_result r;
	struct conn *s;
	int i, dead = 0, logouts = 0;

	/* small channels: 16 credits each (the target's srp_sq_size) */
	if (cfg.tpg && !cfs_read(attrib(), "srp_sq_size", old_sq, sizeof(old_sq)))
		cfs_write(attrib(), "srp_sq_size", "16");
	for (i = 0; i < LIMIT; i++) {
		small_login(&p, i ? SRP_MULTICHAN_MULTI : SRP_MULTICHAN_SINGLE);
		ch[i] = srp_connect(&p, &r);
		if (check(ch[i] != NULL, "channel %d of %d: %s", i + 1, LIMIT, r.err))
			goto out;
		check(r.rsp.rsp_flags == (i ? SRP_LOGIN_RSP_MULTICHAN_MAINTAINED : 0),
		      "channel %d: rsp_flags 0x%02x", i + 1, r.rsp.rsp_flags);
	}
	small_login(&p, SRP_MULTICHAN_MULTI);
	s = srp_connect(&p, &r);
	conn_close(s);
	check_rej("channel 65", &r, p.tag, SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED, false);
	clear_ua(ch[0]);
	survives(ch[0], "channel 1 after the refused 65th");
	survives(ch[LIMIT - 1], "channel 64 after the refused 65th");
	/* a SINGLE_CHANNEL login ends all 64 */
	login_defaults(&p);
	p.nrecv = p.max_recv = 4;
	s = login_expect("SINGLE_CHANNEL login over 64 channels", &p,
			 SRP_LOGIN_RSP_MULTICHAN_TERMINATED);
	for (i = 0; i < LIMIT; i++) {
		dead += conn_wait_dead(ch[i], 15000) == 0;
		logouts += ch[i]->t_logouts == 1 && ch[i]->t_logout_reason == 4;
		ch[i]->t_logout_checked = true;	/* counted here */
	}
	check(dead == LIMIT, "%d of %d channels closed after the SINGLE_CHANNEL login", dead, LIMIT);
	check(logouts == LIMIT, "%d of %d channels got SRP_T_LOGOUT reason 0x4", logouts, LIMIT);
	conn_close(s);
out:
	for (i = 0; i < LIMIT; i++)
		conn_close(ch[i]);
	if (old_sq[0])
		cfs_write(attrib(), "srp_sq_size", old_sq);
	return RES_PASS;
}

/*
 * Logins racing with TPG disable/enable: each must be accepted or rejected
 * with UNABLE_ESTABLISH_CHANNEL, within the login timeout; nothing hangs.
 */
static int c_login_during_tpg_disable(void)
{
	int acc = 0, rej = 0, closed = 0, i, st;
	struct login_params p;
	struct login_result r;
	double end;
	pid_t pid;

	if (!cfg.tpg)
		return RES_SKIP;
	pid = fork();
	if (pid == 0) {
		end = now_s() + 6;
		for (i = 0; now_s() < end; i++) {
			cfs_write(cfg.tpg, "enable", i & 1 ? "1" : "0");
			sleep_ms(20 + (i * 37) % 60);
		}
		cfs_write(cfg.tpg, "enable", "1");
		_exit(0);
	}
	end = now_s() + 6;
	while (now_s() < end) {
		struct conn *c;

		login_defaults(&p);
		p.nrecv = p.max_recv = 8;
		p.nsend = 8;
		p.data_len = 4096;
		c = srp_connect(&p, &r);
		if (c) {
			uint8_t cdb[6];
			struct iu *rsp = NULL;

			acc++;
			cdb_tur(cdb);
			/* answered (GOOD, UA) or the channel was closed: both fine */
			if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &rsp, 10000) && !conn_dead(c))
				check(false, "TEST UNIT READY neither answered nor channel closed");
			free(rsp);
			allow_t_logout(c, "channel closed by the TPG disable", 0);
			conn_close(c);
		} else if (r.outcome == LOGIN_REJECTED) {
			rej++;
			check_rej("login during TPG disable", &r, p.tag,
				  SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL, false);
		} else if (r.cm_event == RDMA_CM_EVENT_CONNECT_ERROR) {
			/*
			 * The target accepted (sent its REP) and the disable
			 * closed the channel before our RTU: librdmacm's RTU
			 * then fails. An answer, and the channel is released
			 * (the runner checks), so a fence, not a hang.
			 */
			closed++;
		} else {
			check(false, "login during TPG disable: %s", r.err);
		}
	}
	waitpid(pid, &st, 0);
	cfs_write(cfg.tpg, "enable", "1");
	msg("   %d logins accepted, %d rejected, %d closed between REP and RTU while the TPG toggled",
	    acc, rej, closed);
	return RES_PASS;
}

/* 100 logins each dropped right away: every channel must be released. */
static int c_login_churn(void)
{
	struct login_params p;
	struct login_result r;
	int i;

	for (i = 0; i < 100; i++) {
		struct conn *c;

		login_defaults(&p);
		p.flags = i & 1 ? SRP_MULTICHAN_MULTI : SRP_MULTICHAN_SINGLE;
		p.nrecv = p.max_recv = 4;
		p.nsend = 4;
		p.data_len = 4096;
		c = srp_connect(&p, &r);
		if (check(c != NULL, "login %d: %s", i, r.err))
			break;
		if (i % 3 == 0)
			conn_close(c);
		else
			conn_abandon(c);	/* destroy the id without disconnecting first */
	}
	return RES_PASS;
}

/*
 * SRPT_MAX_NEXUS_PER_ACL = 256 sessions (I_T nexuses) per ACL. An ACL named
 * by our port GUID (the low 64 bits of the port id) admits every
 * initiator_ext, each a session of its own: the 257th is refused, a MULTI
 * login joining one of the 256 is not (the cap counts sessions), and once
 * one session has ended a new initiator_ext gets in again.
 */
enum { NEXUS_CAP = 256 };
#define CAP_IEXT 0x4341500000000000ULL	/* "CAP": initiator_ext of session i is CAP_IEXT + i */

/* A small login (16 credits from the target, 4 buffers here) as @iext. */
static void cap_params(struct login_params *p, uint64_t iext, uint8_t flags)
{
	uint64_t be = htobe64(iext);

	small_login(p, flags);
	memcpy(p->iport, &be, 8);
}

/*
 * Wait until the "info" file of ACL @acl no longer lists @iext (@iext 0:
 * lists no session at all). The file is one page: it shows the oldest ten
 * or so sessions only, so @iext must be one of the first ones logged in.
 * Returns the seconds waited, -1 if still listed after @ms, -2 if the file
 * cannot be read.
 */
static double cap_wait_gone(const char *acl, uint64_t iext, int ms)
{
	double t0 = now_s(), end = t0 + ms / 1000.0;
	char buf[8192], want[64];

	snprintf(want, sizeof(want), "InitiatorAlias: 0x%016llx", (unsigned long long)iext);
	do {
		if (cfs_read(acl, "info", buf, sizeof(buf)))
			return -2;
		if (iext ? !strstr(buf, want) : !strncmp(buf, "No active SRP session", 21))
			return now_s() - t0;
		sleep_ms(20);
	} while (now_s() < end);
	return -1;
}

static int c_login_session_cap(void)
{
	char stats[512], acl[512], lun[600], map[700], target[600], old_sq[32] = "";
	struct conn *ch[NEXUS_CAP + 2] = {};	/* the 256, a MULTI join, the new one */
	uint32_t rej0, acc0, rej1, acc1;
	struct login_params p;
	struct login_result r;
	struct rlimit rl;
	struct conn *c;
	uint64_t guid;
	uint8_t id[16];
	double t0, t;
	int i, n = 0, made = 0;

	if (!cfg.tpg || local_port_id(id))
		return RES_SKIP;
	/* two fds per connection (CM event channel, completion channel) */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!port_stats_dir(stats, sizeof(stats)))
		return check(false, "--tpg %s: no target port directory above it", cfg.tpg);
	memcpy(&guid, id + 8, 8);
	snprintf(acl, sizeof(acl), "%s/acls/0x%016llx", cfg.tpg,
		 (unsigned long long)be64toh(guid));
	snprintf(lun, sizeof(lun), "%s/lun_0", acl);
	snprintf(map, sizeof(map), "%s/mapped", lun);
	snprintf(target, sizeof(target), "%s/lun/lun_0", cfg.tpg);
	rej0 = read_u32(stats, "rejected_channel_limit", ~0u);
	acc0 = read_u32(stats, "accepted", ~0u);
	if (check(rej0 != ~0u && acc0 != ~0u, "no login statistics in %s", stats))
		return RES_FAIL;

	/* 1. a GUID ACL with LUN 0 (as the harness maps it), 16 credits per channel */
	if (check(!mkdir(acl, 0755), "mkdir %s: %s", acl, strerror(errno)))
		return RES_FAIL;
	made = 1;
	if (check(!mkdir(lun, 0755), "mkdir %s: %s", lun, strerror(errno)))
		goto out;
	made = 2;
	if (check(!symlink(target, map), "symlink %s: %s", map, strerror(errno)))
		goto out;
	made = 3;
	if (check(!cfs_read(attrib(), "srp_sq_size", old_sq, sizeof(old_sq)),
		  "cannot read srp_sq_size"))
		goto out;
	if (cfs_write(attrib(), "srp_sq_size", "16")) {
		check(false, "cannot set srp_sq_size to 16");
		goto out;
	}

	/* 2. 256 sessions, one SINGLE_CHANNEL login each */
	t0 = now_s();
	for (i = 0; i < NEXUS_CAP; i++) {
		char what[48];

		snprintf(what, sizeof(what), "session %d of %d", i + 1, NEXUS_CAP);
		cap_params(&p, CAP_IEXT + i, SRP_MULTICHAN_SINGLE);
		ch[i] = login_expect(what, &p, SRP_LOGIN_RSP_MULTICHAN_NO_CHAN);
		if (!ch[i])
			goto out;
		n = i + 1;
	}
	msg("   %d sessions logged in in %.1f s", NEXUS_CAP, now_s() - t0);

	/* 3. the 257th: CHANNEL LIMIT REACHED, counted once */
	cap_params(&p, CAP_IEXT + NEXUS_CAP, SRP_MULTICHAN_SINGLE);
	c = srp_connect(&p, &r);
	if (c) {
		conn_close(c);
		check(false, "session %d: login accepted, want SRP_LOGIN_REJ 0x%08x", NEXUS_CAP + 1,
		      SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED);
	} else {
		check_rej("session 257", &r, p.tag, SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED, false);
	}
	rej1 = read_u32(stats, "rejected_channel_limit", ~0u);
	check(rej1 == rej0 + 1, "rejected_channel_limit %u -> %u, want +1", rej0, rej1);

	/* the cap counts sessions: a channel joining one of them is admitted */
	cap_params(&p, CAP_IEXT + 1, SRP_MULTICHAN_MULTI);
	ch[NEXUS_CAP] = login_expect("MULTI join of session 2 at the cap", &p,
				     SRP_LOGIN_RSP_MULTICHAN_MAINTAINED);
	if (ch[NEXUS_CAP] && !clear_ua(ch[NEXUS_CAP]))
		survives(ch[NEXUS_CAP], "the joined channel");
	if (!clear_ua(ch[NEXUS_CAP - 1]))
		survives(ch[NEXUS_CAP - 1], "session 256 after the refused 257th");

	/* 4. one session logs out; a new initiator_ext gets in */
	check(cap_wait_gone(acl, CAP_IEXT, 0) == -1, "%s/info does not list session 1 while it is up",
	      acl);
	conn_close(ch[0]);
	ch[0] = NULL;
	t = cap_wait_gone(acl, CAP_IEXT, 10000);
	if (check(t >= 0, "session 1 still listed in %s/info 10 s after its logout", acl))
		goto out;
	msg("   session 1 gone from the ACL %.2f s after its logout", t);
	cap_params(&p, CAP_IEXT + NEXUS_CAP + 1, SRP_MULTICHAN_SINGLE);
	ch[NEXUS_CAP + 1] = login_expect("a new session after one logged out", &p,
					 SRP_LOGIN_RSP_MULTICHAN_NO_CHAN);
	if (ch[NEXUS_CAP + 1] && !clear_ua(ch[NEXUS_CAP + 1]))
		survives(ch[NEXUS_CAP + 1], "the new session");
	rej1 = read_u32(stats, "rejected_channel_limit", ~0u);
	acc1 = read_u32(stats, "accepted", ~0u);
	check(rej1 == rej0 + 1, "rejected_channel_limit %u -> %u, want +1", rej0, rej1);
	check(acc1 == acc0 + NEXUS_CAP + 2, "accepted %u -> %u, want +%d", acc0, acc1,
	      NEXUS_CAP + 2);
out:
	/* 5. everything back as it was */
	t0 = now_s();
	for (i = n = 0; i < (int)ARRAY_SIZE(ch); i++) {
		n += ch[i] != NULL;
		conn_close(ch[i]);
	}
	if (n)
		msg("   %d channels closed in %.1f s", n, now_s() - t0);
	if (made && cap_wait_gone(acl, 0, 30000) < 0)
		check(false, "%s still lists sessions 30 s after all logouts", acl);
	if (made >= 3 && check(!unlink(map), "unlink %s: %s", map, strerror(errno)))
		made = 0;
	if (made >= 2 && check(!rmdir(lun), "rmdir %s: %s", lun, strerror(errno)))
		made = 0;
	if (made >= 1)
		check(!rmdir(acl), "rmdir %s: %s", acl, strerror(errno));
	if (old_sq[0])
		check(!cfs_write(attrib(), "srp_sq_size", old_sq), "cannot restore srp_sq_size %s",
		      old_sq);
	return RES_PASS;
}

/* ============================================================ IUs */

/* Builders of IUs (struct step); each says which step fields it reads. */

/* An IU of n bytes, zero but for opcode op and, where it has room, the tag. */
static size_t b_opcode(const struct bld *b)
{
	b->iu[0] = b->s->op;
	if (b->s->n >= 16)
		memcpy(b->iu + 8, &b->tag, 8);
	return b->s->n;
}

/* The same with a REQ LIMIT DELTA of 1 in the target-sent formats. */
static size_t b_target_iu(const struct bld *b)
{
	b->iu[7] = 1;
	return b_opcode(b);
}

/* TEST UNIT READY to LUN lun, with ADDITIONAL CDB LENGTH n. */
static size_t b_tur(const struct bld *b)
{
	uint8_t cdb[6];
	size_t n;

	cdb_tur(cdb);
	n = build_cmd(b->iu, b->tag, step_lun(b->s), cdb, 6);
	((struct srp_cmd *)b->iu)->add_cdb_len = b->s->n;
	return n;
}

/* Opcodes SRP defines for no direction (0x7f, 0x05, 0xff): invalid IU type. */
static const struct step iu_unknown_opcode[] = {
	{ "IU with opcode 0x7f", b_opcode, .op = 0x7f, .n = 64,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "IU with opcode 0x05", b_opcode, .op = 0x05, .n = 64,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "IU with opcode 0xff", b_opcode, .op = 0xff, .n = 64,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
};
/* each refusal is counted in the port's statistics */
static const struct tcase t_iu_unknown_opcode = {
	STEPS(iu_unknown_opcode), .go_on = true, .stat = "iu_refused_type",
};

/* IUs too short for an opcode and a tag: invalid IU type. */
static const struct step iu_short[] = {
	{ "IU of 0 bytes", b_opcode, .op = SRP_CMD, .n = 0,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "IU of 1 byte (SRP_CMD opcode)", b_opcode, .op = SRP_CMD, .n = 1,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "IU of 15 bytes (SRP_CMD)", b_opcode, .op = SRP_CMD, .n = 15,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "IU of 8 bytes (SRP_TSK_MGMT)", b_opcode, .op = SRP_TSK_MGMT, .n = 8,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
};
static const struct tcase t_iu_short = { STEPS(iu_short), .go_on = true };

static struct conn *big_transfers(const char *what, int n, bool write, bool both);

static const struct step iu_unsolicited_rsp[] = {
	{ "unsolicited SRP_CRED_RSP (no SRP_CRED_REQ sent)", b_opcode, .op = SRP_CRED_RSP,
	  .n = 16, .want = T_LOGOUT(T_LOGOUT_UNSOLICITED_RSP) },
	{ "unsolicited SRP_AER_RSP (the target sends no SRP_AER_REQ)", b_opcode,
	  .op = SRP_AER_RSP, .n = 16, .want = T_LOGOUT(T_LOGOUT_UNSOLICITED_RSP) },
};
static const struct tcase t_iu_unsolicited_rsp = { STEPS(iu_unsolicited_rsp), .go_on = true };

/*
 * SRP_CRED_RSP / SRP_AER_RSP that answer nothing (SRP r16a 6.5 reason 0x3):
 * the target never sends SRP_AER_REQ, and an SRP_CRED_RSP is only valid
 * with the tag of its last, unanswered SRP_CRED_REQ. A correct answer to a
 * real SRP_CRED_REQ (conn.c answers them) keeps the channel up: commands
 * that a LUN RESET aborts get no SRP_RSP, so their credits come back in
 * an SRP_CRED_REQ; answering that SRP_CRED_REQ a second time is then a
 * response to a request that is no longer outstanding.
 */
static int c_iu_cred_rsp_misbehave(void)
{
	struct srp_cred_rsp bogus = { .opcode = SRP_CRED_RSP };
	uint8_t iu[64];
	struct conn *c;
	struct iu *r;
	uint64_t ttag;
	bool tmf_seen = false;

	tcase_run(&t_iu_unsolicited_rsp);
	c = big_transfers("SRP_CRED_REQ after a LUN RESET", 16, true, false);
	if (!c)
		return RES_FAIL;
	ttag = conn_tag(c);
	conn_send(c, iu, build_tmf(iu, ttag, cfg.lun, SRP_TSK_LUN_RESET, 0));
	while ((r = conn_wait_iu(c, tmf_seen ? 1000 : 20000))) {
		uint64_t t = 0;

		if (r->len >= 16)
			memcpy(&t, r->buf + 8, 8);
		if (t == ttag) {
			tmf_seen = true;
			check_rsp("LUN RESET during 16 x 1 MiB WRITEs", r, c->max_ti, ttag,
				  &WANT_TMF(SRP_TMF_RSP_COMPLETE));
		}
		free(r);
	}
	check(tmf_seen, "LUN RESET during WRITEs not answered");
	wait_credits(c, 3000);
	clear_ua(c);
	msg("   %llu SRP_CRED_REQ(s) after the LUN RESET", (unsigned long long)c->cred_reqs);
	if (!c->cred_reqs) {
		msg("   note: no command was released without an SRP_RSP; the answered-twice subcase did not run");
		survives(c, "LUN RESET during WRITEs");
		conn_close(c);
		return RES_PASS;
	}
	if (survives(c, "SRP_CRED_REQ answered with its tag")) {
		conn_close(c);
		return RES_PASS;
	}
	bogus.tag = c->last_cred_tag;
	expect_logout_iu(c, "SRP_CRED_RSP answering an SRP_CRED_REQ a second time", &bogus,
			 sizeof(bogus), T_LOGOUT_UNSOLICITED_RSP);
	return RES_PASS;
}

/* SRP_CMD shorter than its 48-byte header: CHECK CONDITION for the tag. */
static const struct step iu_cmd_short[] = {
	{ "SRP_CMD of 16 bytes", b_tur, .len = 16, .want = RSP(WANT_BAD_IU) },
	{ "SRP_CMD of 32 bytes", b_tur, .len = 32, .want = RSP(WANT_BAD_IU) },
	{ "SRP_CMD of 47 bytes", b_tur, .len = 47, .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_cmd_short = {
	STEPS(iu_cmd_short), .channel = "short SRP_CMD", .survives = "short SRP_CMDs",
};

static const struct step iu_add_cdb_beyond[] = {
	/* 252 more CDB bytes in a 64-byte IU */
	{ "ADDITIONAL CDB LENGTH 252 in a 64-byte IU", b_tur, .n = 0xfc, .len = 64,
	  .want = RSP(WANT_BAD_IU) },
	/* 68 bytes of header in a 64-byte IU */
	{ "ADDITIONAL CDB LENGTH 20 in a 64-byte IU", b_tur, .n = 20, .len = 64,
	  .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_add_cdb_beyond = {
	STEPS(iu_add_cdb_beyond), .channel = "additional CDB length",
	.survives = "additional CDB length",
};

/* 4 additional CDB bytes (zero): the descriptor moves to offset 52. */
static int c_iu_add_cdb_ok(void)
{
	uint8_t iu[128];
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	struct conn *c = open_default("additional CDB bytes");
	uint64_t tag;
	size_t n;
	int bad;

	if (!c)
		return RES_FAIL;
	write_pattern(c, "pattern", cfg.lba, 8, 0xadcd);
	tag = conn_tag(c);
	n = cmd_rw(iu, tag, SCSI_READ_10, cfg.lba, 8);
	cmd->add_cdb_len = 4;
	memset(iu + 48, 0, 4);
	n = add_direct(iu, 52, (uintptr_t)c->data, c->dmr->rkey, 4096);
	cmd->buf_fmt = SRP_DATA_DESC_DIRECT;
	cmd->data_in_desc_cnt = 1;
	memset(c->data, 0, 4096);
	send_expect(c, "READ(10) with 4 additional CDB bytes", iu, n, tag, WANT_GOOD);
	bad = check_pattern(c->data, 4096, 0xadcd);
	check(bad < 0, "READ(10) with additional CDB bytes: data differs at %d", bad);
	survives(c, "additional CDB bytes");
	conn_close(c);
	return RES_PASS;
}

/* Build an indirect descriptor at iu[48]; returns the IU length. */
static size_t put_indirect(uint8_t *iu, bool out, uint8_t inline_cnt,
			   const struct srp_direct_buf *table_desc, uint32_t total,
			   const struct srp_direct_buf *descs, int ndescs)
{
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	struct srp_indirect_buf ib = { .table_desc = *table_desc, .len = htobe32(total) };

	memcpy(iu + 48, &ib, sizeof(ib));
	memcpy(iu + 68, descs, ndescs * sizeof(*descs));
	if (out) {
		cmd->buf_fmt = SRP_DATA_DESC_INDIRECT << 4;
		cmd->data_out_desc_cnt = inline_cnt;
	} else {
		cmd->buf_fmt = SRP_DATA_DESC_INDIRECT;
		cmd->data_in_desc_cnt = inline_cnt;
	}
	return 68 + ndescs * sizeof(*descs);
}

static struct srp_direct_buf desc(struct conn *c, size_t off, uint32_t len)
{
	return (struct srp_direct_buf){ htobe64((uintptr_t)(c->data + off)),
					htobe32(c->dmr->rkey), htobe32(len) };
}

static struct srp_direct_buf tdesc(struct conn *c, size_t off, int n)
{
	return desc(c, off, n * 16);
}

/* Put @n descriptors at data[4096] as an external table; returns its descriptor. */
static struct srp_direct_buf put_table(struct conn *c, const struct srp_direct_buf *d, int n)
{
	memcpy(c->data + 4096, d, n * sizeof(*d));
	return tdesc(c, 4096, n);
}

/*
 * A pattern (@seed) of 8 KiB in four 2 KiB pieces at 32 KiB, 64 KiB, 96 KiB
 * and 128 KiB of the data buffer, described by @d[4] and an external
 * table at 4 KiB; returns the table's descriptor.
 */
static struct srp_direct_buf scatter4(struct conn *c, struct srp_direct_buf d[4], uint32_t seed)
{
	int i;

	fill_pattern(c->data + 2 * MiB, 8192, seed);
	for (i = 0; i < 4; i++) {
		memcpy(c->data + 32768 * (i + 1), c->data + 2 * MiB + 2048 * i, 2048);
		d[i] = desc(c, 32768 * (i + 1), 2048);
	}
	return put_table(c, d, 4);
}

/*
 * READ(10) of 8 blocks, indirect: a table descriptor (at 64 KiB) of
 * ind.tlen bytes, ind.cnt inline descriptors (2 KiB each at 0, 8 KiB and
 * 16 KiB, the second ind.d1 bytes if set) and TOTAL LENGTH ind.total.
 */
static size_t b_indirect(const struct bld *b)
{
	const struct step *s = b->s;
	struct srp_direct_buf d[3], t;

	d[0] = desc(b->c, 0, 2048);
	d[1] = desc(b->c, 8192, s->ind.d1 ? s->ind.d1 : 2048);
	d[2] = desc(b->c, 16384, 2048);
	t = desc(b->c, 65536, s->ind.tlen);
	cmd_rw(b->iu, b->tag, SCSI_READ_10, cfg.lba, 8);
	return put_indirect(b->iu, false, s->ind.cnt, &t, s->ind.total, d, s->ind.cnt);
}

static const struct step iu_indirect_bad[] = {
	{ "3 inline descriptors, table of 2", b_indirect,
	  .ind = { .tlen = 2 * 16, .cnt = 3, .total = 4096 }, .want = RSP(WANT_BAD_IU) },
	{ "table length 20 (not a multiple of 16)", b_indirect,
	  .ind = { .tlen = 20, .cnt = 1, .total = 4096 }, .want = RSP(WANT_BAD_IU) },
	{ "table length 0", b_indirect,
	  .ind = { .tlen = 0, .cnt = 0, .total = 4096 }, .want = RSP(WANT_BAD_IU) },
	{ "descriptors add up to 3072, total length 4096", b_indirect,
	  .ind = { .tlen = 2 * 16, .cnt = 2, .d1 = 1024, .total = 4096 },
	  .want = RSP(WANT_BAD_IU) },
	{ "external table of 1025 descriptors (limit 1024)", b_indirect,
	  .ind = { .tlen = 1025 * 16, .cnt = 0, .total = 4096 }, .want = RSP(WANT_BAD_IU) },
	/* the IU ends inside the inline descriptor list */
	{ "3 inline descriptors, IU ends after 2", b_indirect,
	  .ind = { .tlen = 3 * 16, .cnt = 3, .total = 6144 }, .len = 68 + 2 * 16,
	  .want = RSP(WANT_BAD_IU) },
	{ "indirect format, IU ends before the descriptor header", b_indirect,
	  .ind = { .tlen = 1 * 16, .cnt = 1, .total = 4096 }, .len = 60,
	  .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_indirect_bad = {
	STEPS(iu_indirect_bad), .channel = "indirect descriptor checks",
	.survives = "indirect descriptor checks",
};

/* Inline descriptor lists scatter/gather: READ and WRITE. */
static int c_iu_indirect_ok(void)
{
	struct srp_direct_buf d[3], t;
	struct conn *c = open_default("indirect descriptors");
	uint8_t iu[256];
	uint64_t tag;
	size_t n;
	int bad;

	if (!c)
		return RES_FAIL;
	/* WRITE 8 blocks gathered from 3 pieces */
	fill_pattern(c->data + 2 * MiB, 4096, 0x1d1d);
	memcpy(c->data + 0, c->data + 2 * MiB, 1024);
	memcpy(c->data + 10000, c->data + 2 * MiB + 1024, 512);
	memcpy(c->data + 20000, c->data + 2 * MiB + 1536, 2560);
	d[0] = desc(c, 0, 1024);
	d[1] = desc(c, 10000, 512);
	d[2] = desc(c, 20000, 2560);
	tag = conn_tag(c);
	cmd_rw(iu, tag, SCSI_WRITE_10, cfg.lba, 8);
	t = tdesc(c, 65536, 3);
	n = put_indirect(iu, true, 3, &t, 4096, d, 3);
	send_expect(c, "WRITE(10) with 3 inline descriptors", iu, n, tag, WANT_GOOD);
	verify_pattern(c, "read back", cfg.lba, 8, 0x1d1d);
	/* READ scattered into 2 pieces */
	memset(c->data + 100000, 0, 4096);
	memset(c->data + 200000, 0, 4096);
	d[0] = desc(c, 100000, 3584);
	d[1] = desc(c, 200000, 512);
	tag = conn_tag(c);
	cmd_rw(iu, tag, SCSI_READ_10, cfg.lba, 8);
	t = tdesc(c, 65536, 2);
	n = put_indirect(iu, false, 2, &t, 4096, d, 2);
	send_expect(c, "READ(10) with 2 inline descriptors", iu, n, tag, WANT_GOOD);
	memcpy(c->data + 300000, c->data + 100000, 3584);
	memcpy(c->data + 300000 + 3584, c->data + 200000, 512);
	bad = check_pattern(c->data + 300000, 4096, 0x1d1d);
	check(bad < 0, "READ(10) with inline descriptors: data differs at %d", bad);
	survives(c, "indirect descriptors");
	conn_close(c);
	return RES_PASS;
}

/*
 * External descriptor table (fewer inline descriptors than the table has):
 * the target fetches the table by RDMA READ (SRP r16a 5.5.4.3).
 */
static int c_iu_external_table(void)
{
	struct srp_direct_buf d[4], t;
	struct conn *c = open_default("external descriptor table");
	uint8_t iu[256];
	uint64_t tag;
	size_t n;
	int bad, i;

	if (!c)
		return RES_FAIL;
	t = scatter4(c, d, 0xe7a1);	/* the table in initiator memory */

	tag = conn_tag(c);
	cmd_rw(iu, tag, SCSI_WRITE_10, cfg.lba, 16);
	n = put_indirect(iu, true, 0, &t, 8192, d, 0);
	send_expect(c, "WRITE(10), 0 inline descriptors, external table of 4", iu, n, tag, WANT_GOOD);
	verify_pattern(c, "read back", cfg.lba, 16, 0xe7a1);

	for (i = 0; i < 4; i++)
		memset(c->data + 32768 * (i + 1), 0, 2048);
	tag = conn_tag(c);
	cmd_rw(iu, tag, SCSI_READ_10, cfg.lba, 16);
	n = put_indirect(iu, false, 1, &t, 8192, d, 1);
	send_expect(c, "READ(10), 1 inline descriptor, external table of 4", iu, n, tag, WANT_GOOD);
	for (i = 0; i < 4; i++)
		memcpy(c->data + 3 * MiB + 2048 * i, c->data + 32768 * (i + 1), 2048);
	bad = check_pattern(c->data + 3 * MiB, 8192, 0xe7a1);
	check(bad < 0, "READ(10) through an external table: data differs at %d", bad);

	/* the fetched table does not add up to the total length */
	d[3] = desc(c, 32768 * 4, 1024);
	put_table(c, d, 4);
	tag = conn_tag(c);
	cmd_rw(iu, tag, SCSI_READ_10, cfg.lba, 16);
	n = put_indirect(iu, false, 0, &t, 8192, d, 0);
	send_expect(c, "external table adding up to 7168 of 8192", iu, n, tag, WANT_BAD_IU);
	survives(c, "external descriptor table");
	conn_close(c);
	return RES_PASS;
}

static size_t b_table_bad_rkey(const struct bld *b)
{
	struct srp_direct_buf d[4], t;
	int i;

	for (i = 0; i < 4; i++)
		d[i] = desc(b->c, 32768 * (i + 1), 2048);
	t = put_table(b->c, d, 4);
	t.key = htobe32(b->c->dmr->rkey ^ 0x5a5a00);
	cmd_rw(b->iu, b->tag, SCSI_READ_10, cfg.lba, 16);
	return put_indirect(b->iu, false, 0, &t, 8192, d, 0);
}

/* External table with a bogus rkey: the table READ fails, the channel closes. */
static const struct step iu_external_table_bad_rkey[] = {
	{ "descriptor table with a bogus rkey", b_table_bad_rkey, .want = CLOSED(10000) },
};
static const struct tcase t_iu_external_table_bad_rkey = {
	STEPS(iu_external_table_bad_rkey), .channel = "external table, bad rkey",
};

/* READ(10)/WRITE(10) (op) through an external table of 40 descriptors of 512 bytes. */
static size_t b_table_40(const struct bld *b)
{
	enum { N = 40, PIECE = 512 };
	struct srp_direct_buf d[N], t;
	int i;

	for (i = 0; i < N; i++)
		d[i] = desc(b->c, 65536 + 1024 * i, PIECE);
	t = put_table(b->c, d, N);
	cmd_rw(b->iu, b->tag, b->s->op, cfg.lba, N * PIECE / 512);
	return put_indirect(b->iu, b->s->op == SCSI_WRITE_10, 0, &t, N * PIECE, d, 0);
}

/*
 * A transfer whose work requests cannot all fit the send queue (srp_sq_size
 * 16, 40 descriptors) is failed with 05/0e/03 like any descriptor list over
 * the target's limits; it used to wait for send queue space forever.
 */
static const struct step iu_table_exceeds_sq[] = {
	{ "READ(10) with 40 descriptors, srp_sq_size 16", b_table_40, .op = SCSI_READ_10,
	  .want = RSP(WANT_BAD_IU) },
	{ "WRITE(10) with 40 descriptors, srp_sq_size 16", b_table_40, .op = SCSI_WRITE_10,
	  .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_table_exceeds_sq = {
	STEPS(iu_table_exceeds_sq), .channel = "descriptors beyond the send queue",
	.survives = "descriptors beyond the send queue", .attr = "srp_sq_size", .attr_val = "16",
};

/* READ(10)/WRITE(10) (op) of 1 block, one direct descriptor of n bytes. */
static size_t b_rw1(const struct bld *b)
{
	return cmd_rw_direct(b->c, b->iu, b->tag, b->s->op, cfg.lba, 1, 0, b->s->n);
}

static const struct step iu_direct_len[] = {
	/* READ of 1 block into a zero-length buffer: nothing moves, overflow 512 */
	{ "READ(10) 1 block, descriptor length 0", b_rw1, .op = SCSI_READ_10, .n = 0,
	  .want = RSP(WANT_GOOD_DIN(SRP_RSP_FLAG_DIOVER, 512)) },
	/* WRITE of 1 block from a zero-length buffer: target_core refuses */
	{ "WRITE(10) 1 block, descriptor length 0", b_rw1, .op = SCSI_WRITE_10, .n = 0,
	  .want = RSP(WANT_BAD_IU_DOUT(SRP_RSP_FLAG_DOOVER, 512)) },
	/* 4 GiB - 1: above srp_max_rdma_size */
	{ "READ(10), descriptor length 0xffffffff", b_rw1, .op = SCSI_READ_10,
	  .n = 0xffffffff, .want = RSP(WANT_BAD_IU) },
	{ "WRITE(10), descriptor length 0xffffffff", b_rw1, .op = SCSI_WRITE_10,
	  .n = 0xffffffff, .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_direct_len = {
	STEPS(iu_direct_len), .channel = "direct descriptor lengths",
	.survives = "direct descriptor lengths",
};

/* srp_max_rdma_size (1 MiB by default) is accepted, one block more is not. */
static int c_iu_max_rdma(void)
{
	struct login_params p;
	struct conn *c;
	uint32_t max = max_rdma(), blocks = max / 512;
	uint8_t iu[64];
	uint64_t tag;
	size_t n;

	if (blocks + 1 > 0xffff || max + 512 > 8 * MiB)
		return RES_SKIP;
	login_defaults(&p);
	p.data_len = 2 * max + 4096;
	c = open_ch("srp_max_rdma_size", &p);
	if (!c)
		return RES_FAIL;
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_WRITE_10, cfg.lba, blocks, 0, max);
	fill_pattern(c->data, max, 0x3a3a);
	send_expect(c, "WRITE(10) of exactly srp_max_rdma_size", iu, n, tag, WANT_GOOD);
	tag = conn_tag(c);
	memset(c->data + max, 0, max);
	n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, blocks, max, max);
	send_expect(c, "READ(10) of exactly srp_max_rdma_size", iu, n, tag, WANT_GOOD);
	check(check_pattern(c->data + max, max, 0x3a3a) < 0, "srp_max_rdma_size READ: data differs");
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, blocks + 1, 0, max + 512);
	send_expect(c, "READ(10) of srp_max_rdma_size + 512", iu, n, tag, WANT_BAD_IU);
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_WRITE_10, cfg.lba, blocks + 1, 0, max + 512);
	send_expect(c, "WRITE(10) of srp_max_rdma_size + 512", iu, n, tag, WANT_BAD_IU);
	survives(c, "srp_max_rdma_size");
	conn_close(c);
	return RES_PASS;
}

/* Buffer and CDB lengths disagree: residuals (SAM-5 5.4.3), target_cmd_size_check(). */
static int c_iu_residuals(void)
{
	struct conn *c = open_default("residuals");
	uint8_t iu[64];
	uint64_t tag;
	size_t n;
	int bad;

	if (!c)
		return RES_FAIL;
	write_pattern(c, "pattern", cfg.lba, 2, 0x4e51);
	/* READ 2 blocks into 512 bytes: overflow, the first block arrives */
	memset(c->data, 0, 1024);
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, 2, 0, 512);
	send_expect(c, "READ(10) 2 blocks, 512-byte buffer", iu, n, tag,
		    WANT_GOOD_DIN(SRP_RSP_FLAG_DIOVER, 512));
	bad = check_pattern(c->data, 512, 0x4e51);
	check(bad < 0, "overflowing READ: first block differs at %d", bad);
	check(all_zero(c->data + 512, 512), "overflowing READ wrote past its 512-byte buffer");
	/* READ 1 block into 1024 bytes: underflow */
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, 1, 0, 1024);
	send_expect(c, "READ(10) 1 block, 1024-byte buffer", iu, n, tag,
		    WANT_GOOD_DIN(SRP_RSP_FLAG_DIUNDER, 512));
	/* WRITE with a mismatching buffer: refused, nothing written */
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_WRITE_10, cfg.lba, 1, 0, 1024);
	send_expect(c, "WRITE(10) 1 block, 1024-byte buffer", iu, n, tag,
		    WANT_BAD_IU_DOUT(SRP_RSP_FLAG_DOUNDER, 512));
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_WRITE_10, cfg.lba, 2, 0, 512);
	send_expect(c, "WRITE(10) 2 blocks, 512-byte buffer", iu, n, tag,
		    WANT_BAD_IU_DOUT(SRP_RSP_FLAG_DOOVER, 512));
	verify_pattern(c, "medium unchanged by the refused WRITEs", cfg.lba, 2, 0x4e51);
	survives(c, "residuals");
	conn_close(c);
	return RES_PASS;
}

static size_t imm_cmd(uint8_t *iu, uint64_t tag, uint32_t lba, uint16_t blocks, uint32_t ilen,
		      uint32_t seed, size_t datalen)
{
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	uint32_t be = htobe32(ilen);

	cmd_rw(iu, tag, SCSI_WRITE_10, lba, blocks);
	cmd->buf_fmt = SRP_DATA_DESC_IMM << 4;
	memcpy(iu + 48, &be, 4);
	memset(iu + 52, 0, 16);
	fill_pattern(iu + 68, datalen, seed);
	return 68 + datalen;
}

static int c_iu_imm(void)
{
	static uint8_t iu[8192 + 128];
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	struct conn *c = open_imm("immediate data");
	uint64_t tag;
	size_t n;

	if (!c)
		return RES_FAIL;
	check(c->imm, "immediate data not granted");
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 8, 4096, 0x1111, 4096);
	send_expect(c, "WRITE(10) 4 KiB immediate data", iu, n, tag, WANT_GOOD);
	verify_pattern(c, "immediate data read back", cfg.lba, 8, 0x1111);
	/* the largest that fits: max_it_iu_len - 68 = 8192 */
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 16, 8192, 0x2222, 8192);
	send_expect(c, "WRITE(10) 8 KiB immediate data (IU = max_it_iu_len)", iu, n, tag, WANT_GOOD);
	verify_pattern(c, "8 KiB immediate data read back", cfg.lba, 16, 0x2222);
	/* length beyond the IU */
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 8, 4096, 0x3333, 512);
	send_expect(c, "immediate data length 4096 in an IU carrying 512", iu, n, tag, WANT_BAD_IU);
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 8, 0xffffffff, 0x3333, 512);
	send_expect(c, "immediate data length 0xffffffff", iu, n, tag, WANT_BAD_IU);
	/* IU ends inside the srp_imm_buf */
	tag = conn_tag(c);
	imm_cmd(iu, tag, cfg.lba, 1, 512, 0x3333, 512);
	send_expect(c, "IU ends inside the immediate data descriptor", iu, 50, tag, WANT_BAD_IU);
	verify_pattern(c, "medium unchanged", cfg.lba, 16, 0x2222);
	survives(c, "immediate data");
	/* immediate data as data-in: an unsupported DATA-IN format */
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 1, 512, 0x3333, 512);
	iu[32] = SCSI_READ_10;
	cmd->buf_fmt = SRP_DATA_DESC_IMM;
	expect_logout_iu(c, "immediate-data format for data-in", iu, n, T_LOGOUT_BAD_DATA_IN_FMT);
	return RES_PASS;
}

/* WRITE(10) of 1 block with 512 bytes of immediate data (pattern n) to LUN lun. */
static size_t b_imm_write(const struct bld *b)
{
	size_t n = imm_cmd(b->iu, b->tag, cfg.lba, 1, 512, b->s->n, 512);

	scsi_lun(((struct srp_cmd *)b->iu)->lun, step_lun(b->s));
	return n;
}

/* The same beyond the last LBA. */
static size_t b_imm_past_end(const struct bld *b)
{
	size_t n = b_imm_write(b);

	cdb_rw10(((struct srp_cmd *)b->iu)->cdb, SCSI_WRITE_10, 0xfffffff0, 1);
	return n;
}

/* The same with the unsupported opcode 0xff. */
static size_t b_imm_bad_opcode(const struct bld *b)
{
	size_t n = b_imm_write(b);

	((struct srp_cmd *)b->iu)->cdb[0] = 0xff;
	return n;
}

/*
 * A WRITE with immediate data that target_core refuses while parsing it
 * (unmapped LUN, LBA beyond the capacity, unsupported opcode): CHECK
 * CONDITION, and exactly one credit back for the IU. Each on a fresh
 * channel (a double repost of the receive buffer would corrupt the ring).
 */
static const struct step iu_imm_cc_credit[] = {
	{ "immediate-data WRITE(10) to an unmapped LUN", b_imm_write, .lun = LUN_UNMAPPED,
	  .n = 0x7777, .want = RSP_CREDITS(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00)) },
	{ "immediate-data WRITE(10) beyond the last LBA", b_imm_past_end, .n = 0x7777,
	  .want = RSP_CREDITS(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x21, 0x00)) },
	{ "immediate data with an unsupported opcode (0xff)", b_imm_bad_opcode, .n = 0x7777,
	  .want = RSP_CREDITS(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x20, 0x00)) },
};
static const struct tcase t_iu_imm_cc_credit = { STEPS(iu_imm_cc_credit), .imm = true };

/* A command without data whose 10-byte CDB is all zero but opcode op. */
static size_t b_cdb_op(const struct bld *b)
{
	uint8_t cdb[10] = { b->s->op };

	return build_cmd(b->iu, b->tag, step_lun(b->s), cdb, sizeof(cdb));
}

/*
 * srp_max_rsp_size at its minimum, 64 bytes: the login grants MAX_TI_IU_LEN
 * 64 (tcase_open() wants the attribute's value) and the CHECK
 * CONDITION for an unsupported opcode carries the first 28 of target_core's
 * 96 sense bytes, all that fit after the 36-byte SRP_RSP header, since the
 * target may send no IU longer than the MAX_TI_IU_LEN its SRP_LOGIN_RSP
 * granted (SRP r16a, SRP_LOGIN_RSP and SRP_RSP).
 * check_rsp() wants exactly that length and the sense key and ASC/ASCQ,
 * which lie within it.
 */
static const struct step iu_rsp_size_min[] = {
	{ "unsupported opcode 0xff, srp_max_rsp_size 64", b_cdb_op, .op = 0xff,
	  .want = RSP(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x20, 0x00)) },
};
static const struct tcase t_iu_rsp_size_min = {
	STEPS(iu_rsp_size_min), .channel = "srp_max_rsp_size 64",
	.survives = "srp_max_rsp_size 64", .attr = "srp_max_rsp_size", .attr_val = "64",
};

/*
 * The consequence of a receive buffer posted twice: after the refused
 * immediate-data WRITE, the two receive-queue entries that share one buffer
 * sit at the tail; 511 filler commands bring them to the head. Then A, a
 * READ(10) whose descriptor table the target must fetch by RDMA READ (it
 * keeps the receive buffer until then and parses the CDB afterwards), and
 * right behind it B, a TEST UNIT READY, land in the same buffer. Expected
 * (no aliasing): A answered once, GOOD, with the right data; B answered once.
 */
static int c_iu_rq_alias(void)
{
	struct srp_cmd *cmd;
	struct srp_direct_buf d[2], t;
	uint8_t iu[1024], tur[48], cdb[6];
	uint64_t ta, tb, tag, sent0;
	struct conn *c;
	struct iu *r;
	size_t n;
	int i, got_a = 0, got_b = 0, other = 0, bad;

	c = open_imm("receive buffer aliasing");
	if (!c)
		return RES_FAIL;
	write_pattern(c, "pattern", cfg.lba + 64, 8, 0xa11a);
	cmd = (struct srp_cmd *)iu;
	tag = conn_tag(c);
	n = imm_cmd(iu, tag, cfg.lba, 1, 512, 0x7777, 512);
	scsi_lun(cmd->lun, cfg.bad_lun);
	send_expect(c, "immediate-data WRITE(10) to an unmapped LUN", iu, n, tag,
		    WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00));
	sent0 = c->ius_sent;	/* the refused WRITE was the last IU so far */
	wait_credits(c, 2000);
	conn_quiet(c, 200);
	cdb_tur(cdb);
	/*
	 * The ring had req_lim0 - 1 entries ahead of the two that share a
	 * buffer: the IU that lands in the first of those is number req_lim0
	 * after the refused WRITE. Every IU counts, the SRP_CRED_RSP answering
	 * the target's SRP_CRED_REQ as well.
	 */
	for (i = 0; c->ius_sent - sent0 < (uint64_t)c->req_lim0 - 1; i++) {
		if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &r, 10000)) {
			check(false, "TEST UNIT READY %d not answered", i);
			goto out;
		}
		free(r);
	}
	memset(c->data + 65536, 0, 4096);
	d[0] = desc(c, 65536, 2048);
	d[1] = desc(c, 65536 + 2048, 2048);
	t = put_table(c, d, 2);
	ta = conn_tag(c);
	cmd_rw(iu, ta, SCSI_READ_10, cfg.lba + 64, 8);
	n = put_indirect(iu, false, 0, &t, 4096, d, 0);
	tb = conn_tag(c);
	build_cmd(tur, tb, cfg.lun, cdb, 6);
	conn_send(c, iu, n);
	conn_send(c, tur, 48);
	while ((r = conn_wait_iu(c, 3000))) {
		uint64_t rt;

		memcpy(&rt, r->buf + 8, 8);
		if (rt == ta) {
			got_a++;
			check_rsp("READ(10) through an external table", r, c->max_ti, ta, &WANT_GOOD);
		} else if (rt == tb) {
			got_b++;
		} else {
			other++;
		}
		free(r);
	}
	check(got_a == 1 && got_b == 1 && !other, "%d answer(s) for the READ, %d for the TUR, %d other",
	      got_a, got_b, other);
	bad = check_pattern(c->data + 65536, 4096, 0xa11a);
	check(bad < 0, "READ(10) through an external table: data differs at byte %d%s", bad,
	      bad == 0 && all_zero(c->data + 65536, 4096) ? " (no data arrived)" : "");
out:
	conn_close(c);
	return RES_PASS;
}

static const struct step iu_imm_not_granted[] = {
	/* format 3 is supported only when the login granted it */
	{ "immediate data without having asked for it", b_imm_write, .n = 0x4444,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_OUT_FMT) },
};
static const struct tcase t_iu_imm_not_granted = {
	STEPS(iu_imm_not_granted), .channel = "immediate data not granted",
};

/* bidirectional: both a data-out and a data-in descriptor */
static size_t b_bidi(const struct bld *b)
{
	struct srp_cmd *cmd = (struct srp_cmd *)b->iu;
	size_t n = cmd_rw_direct(b->c, b->iu, b->tag, SCSI_READ_10, cfg.lba, 1, 0, 512);

	n = add_direct(b->iu, n, (uintptr_t)(b->c->data + 4096), b->c->dmr->rkey, 512);
	cmd->buf_fmt = SRP_DATA_DESC_DIRECT << 4 | SRP_DATA_DESC_DIRECT;
	cmd->data_out_desc_cnt = 1;
	return n;
}

/* READ(10)/WRITE(10) (op) of 1 block with the data-in/data-out format n. */
static size_t b_rw_fmt(const struct bld *b)
{
	struct srp_cmd *cmd = (struct srp_cmd *)b->iu;
	size_t n = cmd_rw_direct(b->c, b->iu, b->tag, b->s->op, cfg.lba, 1, 0, 512);

	cmd->buf_fmt = b->s->op == SCSI_WRITE_10 ? b->s->n << 4 : b->s->n;
	return n;
}

/*
 * Both nibbles with supported formats (bidirectional): not malformed, only
 * unsupported: CHECK CONDITION 05/0e/03, channel up. Reserved formats 4..15
 * (and 3, immediate data, for data-in): SRP_T_LOGOUT 0x6 (data-out) or 0x7
 * (data-in), then disconnect; each on a fresh channel.
 */
static const struct step iu_bad_formats[] = {
	{ "data-in format 4", b_rw_fmt, .op = SCSI_READ_10, .n = 4,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_IN_FMT) },
	{ "data-in format 15", b_rw_fmt, .op = SCSI_READ_10, .n = 15,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_IN_FMT) },
	{ "data-in format 3", b_rw_fmt, .op = SCSI_READ_10, .n = SRP_DATA_DESC_IMM,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_IN_FMT) },
	{ "data-out format 4", b_rw_fmt, .op = SCSI_WRITE_10, .n = 4,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_OUT_FMT) },
	{ "data-out format 15", b_rw_fmt, .op = SCSI_WRITE_10, .n = 15,
	  .want = T_LOGOUT(T_LOGOUT_BAD_DATA_OUT_FMT) },
};
static const struct tcase t_iu_bad_formats = { STEPS(iu_bad_formats) };

static const struct step iu_bidi[] = {
	{ "bidirectional (data-out and data-in descriptors)", b_bidi, .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_bidi_and_formats = {
	STEPS(iu_bidi), .channel = "buffer formats", .survives = "bidirectional command",
	.then = &t_iu_bad_formats,
};

/* Send @iu; its SRP_RSP must say CHECK CONDITION (nothing else is checked). */
static void expect_cc_status(struct conn *c, const char *what, const void *iu, size_t len,
			     uint64_t tag)
{
	struct rsp_info ri;
	char err[128];
	struct iu *r;

	if (conn_send(c, iu, len) || !(r = conn_wait_tag(c, tag, 10000))) {
		check(false, "%s: not answered", what);
		return;
	}
	if (!parse_rsp(r->buf, r->len, c->max_ti, &ri, err, sizeof(err)))
		check(ri.status == SAM_STAT_CHECK_CONDITION,
		      "%s: status 0x%02x, want CHECK CONDITION", what, ri.status);
	free(r);
}

/*
 * The data direction in the SRP_CMD contradicts the CDB. SAM-5: the CDB
 * defines the transfer; the target must not write the medium for a READ
 * (or read it for a WRITE). Expected: CHECK CONDITION, medium unchanged.
 */
static int c_iu_dir_mismatch(void)
{
	struct conn *c = open_default("direction mismatch");
	struct srp_cmd *cmd;
	uint8_t iu[64];
	uint64_t tag;
	size_t n;

	if (!c)
		return RES_FAIL;
	cmd = (struct srp_cmd *)iu;
	write_pattern(c, "pattern", cfg.lba, 1, 0x5151);
	/* READ(10) CDB with a data-out descriptor pointing at other data */
	fill_pattern(c->data, 512, 0x6262);
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_READ_10, cfg.lba, 1, 0, 512);
	cmd->buf_fmt = SRP_DATA_DESC_DIRECT << 4;
	cmd->data_out_desc_cnt = 1;
	cmd->data_in_desc_cnt = 0;
	expect_cc_status(c, "READ(10) with a data-out descriptor", iu, n, tag);
	verify_pattern(c, "READ(10) with a data-out descriptor must not write the medium",
		       cfg.lba, 1, 0x5151);
	/* WRITE(10) CDB with a data-in descriptor */
	memset(c->data, 0, 512);
	tag = conn_tag(c);
	n = cmd_rw_direct(c, iu, tag, SCSI_WRITE_10, cfg.lba, 1, 0, 512);
	cmd->buf_fmt = SRP_DATA_DESC_DIRECT;
	cmd->data_out_desc_cnt = 0;
	cmd->data_in_desc_cnt = 1;
	expect_cc_status(c, "WRITE(10) with a data-in descriptor", iu, n, tag);
	check(all_zero(c->data, 512), "WRITE(10) with a data-in descriptor returned medium data");
	verify_pattern(c, "after WRITE(10) with a data-in descriptor", cfg.lba, 1, 0x5151);
	survives(c, "direction mismatch");
	conn_close(c);
	return RES_PASS;
}

/* READ(10)/WRITE(10) (op) of 8 blocks whose descriptor has a bogus rkey. */
static size_t b_bad_rkey(const struct bld *b)
{
	size_t n = cmd_rw_direct(b->c, b->iu, b->tag, b->s->op, cfg.lba, 8, 0, 4096);

	add_direct(b->iu, 48, (uintptr_t)b->c->data, b->c->dmr->rkey ^ 0x00a5a500, 4096);
	return n;
}

/* The same with an address beyond the data buffer. */
static size_t b_bad_addr(const struct bld *b)
{
	size_t n = cmd_rw_direct(b->c, b->iu, b->tag, b->s->op, cfg.lba, 8, 0, 4096);

	add_direct(b->iu, 48, (uintptr_t)b->c->data + b->c->data_len + 65536,
		   b->c->dmr->rkey, 4096);
	return n;
}

/* A transfer with a bogus rkey or address: the connection dies. */
static const struct step iu_bad_rkey_read[] = {
	{ "READ(10) into a bogus rkey", b_bad_rkey, .op = SCSI_READ_10,
	  .want = CLOSED(15000) },
};
static const struct tcase t_iu_bad_rkey_read = { STEPS(iu_bad_rkey_read) };

static const struct step iu_bad_rkey_write[] = {
	{ "WRITE(10) from a bogus rkey", b_bad_rkey, .op = SCSI_WRITE_10,
	  .want = CLOSED(15000) },
};
static const struct tcase t_iu_bad_rkey_write = { STEPS(iu_bad_rkey_write) };

static const struct step iu_bad_addr_read[] = {
	{ "READ(10) into an address outside the MR", b_bad_addr, .op = SCSI_READ_10,
	  .want = CLOSED(15000) },
};
static const struct tcase t_iu_bad_addr_read = { STEPS(iu_bad_addr_read) };

static const struct step iu_bad_addr_write[] = {
	{ "WRITE(10) from an address outside the MR", b_bad_addr, .op = SCSI_WRITE_10,
	  .want = CLOSED(15000) },
};
static const struct tcase t_iu_bad_addr_write = { STEPS(iu_bad_addr_write) };

/* A second command with the tag of one still in flight: both are answered. */
static int c_iu_tag_reuse(void)
{
	struct conn *c;
	uint8_t iu[64], cdb[6];
	uint64_t tag;
	int i;

	c = open_stallable("tag reuse", 16, 0);
	if (!c)
		return RES_FAIL;
	if (stall_responses(c, "tag reuse"))
		goto out;
	tag = conn_tag(c);
	cdb_tur(cdb);
	build_cmd(iu, tag, cfg.lun, cdb, 6);
	conn_send(c, iu, 48);
	conn_send(c, iu, 48);
	conn_flush_sends(c, 5000);
	sleep_ms(300);
	conn_post_recvs(c, 16);
	for (i = 0; i < 2; i++) {
		struct iu *r = conn_wait_tag(c, tag, 10000);

		if (check(r != NULL, "answer %d of 2 to the reused tag missing", i + 1))
			break;
		check_rsp("reused tag", r, c->max_ti, tag, &WANT_GOOD);
		free(r);
	}
	survives(c, "tag reuse");
out:
	conn_close(c);
	return RES_PASS;
}

/*
 * More commands in flight than the target has credits for (responses
 * stalled): ib_srpt tolerates up to twice REQUEST LIMIT (a response may
 * reach us before its send completion frees the context) and closes the
 * channel beyond that.
 */
static int c_iu_credit_overrun(void)
{
	struct conn *c;
	uint8_t iu[64], cdb[6];
	int i, n;

	c = open_stallable("credit overrun", 8, 256);
	if (!c)
		return RES_FAIL;
	if (stall_responses(c, "credit overrun"))
		goto out;
	n = 2 * c->req_lim0 + 16;
	cdb_tur(cdb);
	for (i = 0; i < n && !conn_dead(c); i++) {
		build_cmd(iu, conn_tag(c), cfg.lun, cdb, 6);
		if (conn_send(c, iu, 48))
			break;
	}
	msg("   sent %d of %d commands before the channel died", i, n);
	expect_closed(c, "credit overrun", 30000);
out:
	conn_close(c);
	return RES_PASS;
}

/* Exactly REQUEST LIMIT commands outstanding: all answered. */
static int c_iu_credit_full(void)
{
	struct conn *c;
	uint8_t iu[64], cdb[6];
	uint64_t first;
	int i, got = 0;

	c = open_stallable("all credits", 600, 128);
	if (!c)
		return RES_FAIL;
	if (stall_responses(c, "all credits"))
		goto out;
	cdb_tur(cdb);
	first = c->next_tag;
	for (i = 0; c->credits > 0 && !conn_dead(c); i++) {
		build_cmd(iu, conn_tag(c), cfg.lun, cdb, 6);
		if (conn_send(c, iu, 48))
			break;
	}
	conn_flush_sends(c, 10000);
	sleep_ms(500);
	conn_post_recvs(c, 600);
	for (; got < i; got++) {
		struct iu *r = conn_wait_tag(c, first + got, 15000);

		if (!r)
			break;
		free(r);
	}
	check(got == i, "%d of %d commands answered", got, i);
	survives(c, "all credits used");
out:
	conn_close(c);
	return RES_PASS;
}

/*
 * Credits come back with the answers (SRP r16a 5.4.2): the target returns
 * the credit of an SRP_CMD/SRP_TSK_MGMT in the REQ LIMIT DELTA of the
 * SRP_RSP that answers it (or in an SRP_CRED_REQ if it gets none), not when
 * it reposts the receive buffer. So at every response: req_lim + commands
 * without a response <= the credits of the login (conn.c checks that at
 * each SRP_RSP and SRP_CRED_REQ). The initiator spends every credit it
 * gets: all of them at once, then for 3 s a new 4 KiB READ or WRITE for
 * every credit a response gives back. The channel must stay up and, once
 * every response is in, req_lim must be the login's credit exactly.
 */
static int c_iu_credit_greedy(void)
{
	struct login_params p;
	struct conn *c;
	uint8_t iu[64];
	uint64_t sent = 0, answered = 0, bad = 0;
	double end;
	struct iu *r;

	login_defaults(&p);
	p.nrecv = p.max_recv = 1024;	/* never RNR: responses flow freely */
	p.nsend = 256;
	c = open_ch("greedy credits", &p);
	if (!c)
		return RES_FAIL;
	check(c->req_lim0 == exp_req_lim(), "login granted %lld credits, want %u",
	      (long long)c->req_lim0, exp_req_lim());
	c->cmds_out = 0;
	c->credit_check = true;
	end = now_s() + 3;
	while (!conn_dead(c)) {
		bool more = now_s() < end;

		/* spend every credit we have */
		while (more && c->credits > 0 && !conn_dead(c)) {
			bool w = sent & 1;

			if (conn_send(c, iu, cmd_rw_direct(c, iu, conn_tag(c),
							   w ? SCSI_WRITE_10 : SCSI_READ_10,
							   cfg.lba + (sent % 1024) * 8, 8,
							   (sent % 512) * 4096, 4096)))
				break;
			sent++;
		}
		/* answers already taken off the CQ wait in c->q */
		if (!more && !c->cmds_out && !c->q_len)
			break;
		r = conn_wait_iu(c, 15000);
		if (!r) {
			check(false, "greedy credits: no response within 15 s (%lld commands without one)",
			      (long long)c->cmds_out);
			break;
		}
		answered++;
		if (r->len < 36 || r->buf[0] != SRP_RSP || r->buf[19] != SAM_STAT_GOOD) {
			if (!bad++)
				print_iu("   not a GOOD SRP_RSP: ", r->buf, r->len);
		}
		free(r);
	}
	msg("   %llu commands sent, %llu answered; %llu credit invariant violations",
	    (unsigned long long)sent, (unsigned long long)answered,
	    (unsigned long long)c->credit_violations);
	check(!bad, "greedy credits: %llu answers were not GOOD SRP_RSPs", (unsigned long long)bad);
	check(!c->credit_violations, "greedy credits: %llu times more credits than granted, first: %s",
	      (unsigned long long)c->credit_violations, c->credit_err);
	if (!check(!conn_dead(c), "greedy credits: the channel died (first WC error %s)",
		   c->first_wc_err >= 0 ? ibv_wc_status_str(c->first_wc_err) : "none")) {
		check(c->credits == c->req_lim0,
		      "greedy credits: req_lim %lld once every response is in, want %lld exactly",
		      (long long)c->credits, (long long)c->req_lim0);
		conn_quiet(c, 500);
		check(c->credits == c->req_lim0 && !c->q_len,
		      "greedy credits: req_lim %lld and %d IU(s) 0.5 s later, want %lld and none",
		      (long long)c->credits, c->q_len, (long long)c->req_lim0);
		c->credit_check = false;
		survives(c, "greedy credits");
	}
	conn_close(c);
	return RES_PASS;
}

/* An IU longer than MAX_IT_IU_LEN. */
static int c_iu_too_long(void)
{
	struct login_params p;
	struct conn *c;
	uint8_t iu[1024] = {};
	uint8_t cdb[6];
	uint64_t tag;
	bool srq = use_srq();

	login_defaults(&p);
	p.it_iu_len = 256;
	c = open_ch("IU above MAX_IT_IU_LEN", &p);
	if (!c)
		return RES_FAIL;
	tag = conn_tag(c);
	cdb_tur(cdb);
	build_cmd(iu, tag, cfg.lun, cdb, 6);
	if (!srq) {
		/* the receive buffer is max_it_iu_len long: the receive fails */
		if (conn_send(c, iu, 512))
			check(false, "512-byte IU, MAX_IT_IU_LEN 256: sending it failed");
		else
			expect_closed(c, "512-byte IU, MAX_IT_IU_LEN 256", 10000);
		no_good_rsp(c, "512-byte IU", tag);
	} else {
		/* SRQ buffers are srp_max_req_size long: the IU is taken */
		send_expect(c, "512-byte IU, MAX_IT_IU_LEN 256 (SRQ)", iu, 512, tag, WANT_GOOD);
		survives(c, "IU above MAX_IT_IU_LEN (SRQ)");
	}
	conn_close(c);
	return RES_PASS;
}

static int c_iu_after_logout(void)
{
	struct conn *c = open_default("IUs after SRP_I_LOGOUT");
	struct srp_i_logout lo = { .opcode = SRP_I_LOGOUT };
	uint8_t iu[64], cdb[6];
	uint64_t tag;

	if (!c)
		return RES_FAIL;
	lo.tag = conn_tag(c);
	tag = conn_tag(c);
	cdb_tur(cdb);
	build_cmd(iu, tag, cfg.lun, cdb, 6);
	conn_send(c, &lo, sizeof(lo));
	conn_send(c, iu, 48);
	conn_send(c, iu, 48);
	expect_closed(c, "SRP_I_LOGOUT followed by SRP_CMDs", 10000);
	check(conn_wait_tag(c, tag, 1000) == NULL, "an SRP_CMD after SRP_I_LOGOUT was answered");
	conn_close(c);
	return RES_PASS;
}

/*
 * Target-to-initiator IUs, and SRP_LOGIN_REQ, sent by the initiator over a
 * live channel: invalid IU type (SRP_T_LOGOUT 0x2), then disconnect; each
 * on a fresh channel. (SRP_CRED_RSP/SRP_AER_RSP: iu_cred_rsp_misbehave.)
 */
static const struct step iu_wrong_direction[] = {
	{ "SRP_RSP from the initiator", b_target_iu, .op = SRP_RSP, .n = 36,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_LOGIN_RSP from the initiator", b_target_iu, .op = SRP_LOGIN_RSP, .n = 52,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_LOGIN_REJ from the initiator", b_target_iu, .op = SRP_LOGIN_REJ, .n = 32,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_LOGIN_REQ from the initiator", b_target_iu, .op = SRP_LOGIN_REQ, .n = 64,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_T_LOGOUT from the initiator", b_target_iu, .op = SRP_T_LOGOUT, .n = 16,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_CRED_REQ from the initiator", b_target_iu, .op = SRP_CRED_REQ, .n = 16,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
	{ "SRP_AER_REQ from the initiator", b_target_iu, .op = SRP_AER_REQ, .n = 36,
	  .want = T_LOGOUT(T_LOGOUT_INVALID_IU_TYPE) },
};
static const struct tcase t_iu_wrong_direction = { STEPS(iu_wrong_direction), .go_on = true };

static size_t b_varlen(const struct bld *b)
{
	uint8_t *iu = b->iu;

	iu[0] = SRP_CMD;
	memcpy(iu + 8, &b->tag, 8);
	scsi_lun(((struct srp_cmd *)iu)->lun, cfg.lun);
	iu[32] = SCSI_VARLEN;
	iu[32 + 7] = 0xfc;	/* additional CDB length 252: a 260-byte CDB */
	iu[32 + 8] = 0x00;
	iu[32 + 9] = 0x09;	/* READ(32) service action */
	return 48;
}

/*
 * A variable-length CDB (0x7f) announces 260 bytes, ADDITIONAL CDB LENGTH
 * says 16: the CDB does not fit in the IU (here 64 bytes, the receive
 * buffer's size). Expected: CHECK CONDITION INVALID FIELD IN COMMAND IU
 * without reading beyond the IU.
 */
static const struct step iu_varlen_cdb[] = {
	{ "260-byte variable-length CDB in a 48-byte SRP_CMD", b_varlen, .want = RSP(WANT_BAD_IU) },
};
static const struct tcase t_iu_varlen_cdb = {
	STEPS(iu_varlen_cdb), .channel = "variable-length CDB", .survives = "variable-length CDB",
	.it_iu_len = 64,
};

/* ========================================================== TMF / SCSI */

static int tmf(struct conn *c, const char *what, uint64_t lun, uint8_t func, uint64_t task,
	       int code, size_t len)
{
	uint8_t iu[64];
	uint64_t tag = conn_tag(c);

	build_tmf(iu, tag, lun, func, task);
	return send_expect(c, what, iu, len, tag, WANT_TMF(code));
}

/* SRP_TSK_MGMT, function op, about task tag n, to LUN lun. */
static size_t b_tmf(const struct bld *b)
{
	return build_tmf(b->iu, b->tag, step_lun(b->s), b->s->op, b->s->n);
}

#define TMF_ANSWER(code) RSP(WANT_TMF(code))

static const struct step tmf_basic[] = {
	{ "ABORT TASK of an unknown tag", b_tmf, .op = SRP_TSK_ABORT_TASK, .n = 0xdeadbeef,
	  .want = TMF_ANSWER(SRP_TMF_RSP_COMPLETE) },
	{ "ABORT TASK on an unmapped LUN", b_tmf, .op = SRP_TSK_ABORT_TASK, .lun = LUN_UNMAPPED,
	  .n = 0xdeadbeef, .want = TMF_ANSWER(SRP_TMF_RSP_FIELDS_INVALID) },
	{ "LUN RESET on an unmapped LUN", b_tmf, .op = SRP_TSK_LUN_RESET, .lun = LUN_UNMAPPED,
	  .want = TMF_ANSWER(SRP_TMF_RSP_FIELDS_INVALID) },
	{ "ABORT TASK SET (not supported by target_core)", b_tmf, .op = SRP_TSK_ABORT_TASK_SET,
	  .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "CLEAR TASK SET", b_tmf, .op = SRP_TSK_CLEAR_TASK_SET,
	  .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "CLEAR ACA", b_tmf, .op = SRP_TSK_CLEAR_ACA,
	  .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "function 0x00", b_tmf, .op = 0x00, .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "function 0x10", b_tmf, .op = 0x10, .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "function 0xff", b_tmf, .op = 0xff, .want = TMF_ANSWER(SRP_TMF_RSP_NOT_SUPPORTED) },
	{ "SRP_TSK_MGMT of 20 bytes", b_tmf, .op = SRP_TSK_ABORT_TASK, .n = 1, .len = 20,
	  .want = TMF_ANSWER(SRP_TMF_RSP_FIELDS_INVALID) },
	{ "SRP_TSK_MGMT of 47 bytes", b_tmf, .op = SRP_TSK_LUN_RESET, .len = 47,
	  .want = TMF_ANSWER(SRP_TMF_RSP_FIELDS_INVALID) },
};
static const struct tcase t_tmf_basic = {
	STEPS(tmf_basic), .channel = "task management", .survives = "task management",
};

static int c_tmf_lun_reset(void)
{
	struct conn *c = open_default("LUN RESET");
	uint8_t cdb[6];
	struct iu *r;

	if (!c)
		return RES_FAIL;
	tmf(c, "LUN RESET", cfg.lun, SRP_TSK_LUN_RESET, 0, SRP_TMF_RSP_COMPLETE, 48);
	/* SAM-5: the next command reports the reset as a unit attention */
	cdb_tur(cdb);
	if (!scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &r, 10000)) {
		check_rsp("TEST UNIT READY after LUN RESET", r, c->max_ti, c->next_tag - 1,
			  &WANT_CC(SENSE_UNIT_ATTENTION, 0x29, 0x03));
		free(r);
	} else {
		check(false, "TEST UNIT READY after LUN RESET not answered");
	}
	survives(c, "LUN RESET");
	conn_close(c);
	return RES_PASS;
}

/*
 * ABORT TASK of a command whose response is stalled (our receive queue is
 * empty): the TMF answer (COMPLETE) must come after the command's own
 * answer, if the command is answered at all (SAM-5 7.2).
 */
static int c_tmf_abort_stalled(void)
{
	struct conn *c;
	uint8_t iu[64];
	uint64_t rtag, ttag;
	int order = 0, seen_r = 0, seen_t = 0;
	struct iu *r;

	c = open_stallable("abort a stalled command", 16, 0);
	if (!c)
		return RES_FAIL;
	if (stall_responses(c, "abort a stalled command"))
		goto out;
	rtag = conn_tag(c);
	conn_send(c, iu, cmd_rw_direct(c, iu, rtag, SCSI_READ_10, cfg.lba, 8, 0, 4096));
	ttag = conn_tag(c);
	build_tmf(iu, ttag, cfg.lun, SRP_TSK_ABORT_TASK, rtag);
	conn_flush_sends(c, 5000);
	conn_send(c, iu, 48);
	conn_flush_sends(c, 5000);
	sleep_ms(300);
	conn_post_recvs(c, 16);
	while ((r = conn_wait_iu(c, seen_t ? 1000 : 15000))) {
		uint64_t t;

		memcpy(&t, r->buf + 8, 8);
		if (t == rtag) {
			seen_r = ++order;
			check(r->len >= 36 && (r->buf[19] == SAM_STAT_GOOD ||
					       r->buf[19] == SAM_STAT_TASK_ABORTED),
			      "aborted READ answered with status 0x%02x", r->buf[19]);
		} else if (t == ttag) {
			seen_t = ++order;
			check_rsp("ABORT TASK of a stalled READ", r, c->max_ti, ttag,
				  &WANT_TMF(SRP_TMF_RSP_COMPLETE));
		} else {
			check(false, "unexpected IU");
		}
		free(r);
	}
	check(seen_t, "no answer to ABORT TASK");
	check(!seen_r || seen_r < seen_t, "the aborted command was answered after the TMF");
	msg("   READ %s, TMF answered", seen_r ? "answered first" : "not answered");
	survives(c, "abort a stalled command");
out:
	conn_close(c);
	return RES_PASS;
}

/* Wait for the answer to the TMF @tag on @c and check its response @code. */
static int tmf_answered(struct conn *c, const char *what, uint64_t tag, uint8_t code)
{
	struct iu *r = conn_wait_tag(c, tag, 10000);
	int f;

	if (!r)
		return check(false, "%s: not answered once the commands it covers were", what);
	f = check_rsp(what, r, c->max_ti, tag, &WANT_TMF(code));
	free(r);
	return f;
}

/* Read @blocks at @lba into @buf (GOOD expected). */
static int read_blocks(struct conn *c, const char *what, uint32_t lba,
		       uint16_t blocks, uint8_t *buf)
{
	int f;

	memset(c->data + 3 * MiB, 0, blocks * 512);
	f = rw_good(c, what, SCSI_READ_10, lba, blocks, 3 * MiB);
	memcpy(buf, c->data + 3 * MiB, blocks * 512);
	return f;
}

/*
 * Wait until the @n blocks from @lba (block i written with seed @seed + i)
 * read back as written through @c: the WRITEs have run. rd writes and
 * completes a command in one call (target_complete_cmd() right after the
 * copy), so a written block means a command that has its status, within
 * the pause that follows. An ORDERED command would be the barrier SAM
 * offers, but 6.1's target_core loses count of aborted commands
 * (simple_cmds) and then delays it, and every command after it, forever.
 */
static int wait_written(struct conn *c, const char *what, uint32_t lba, int n, uint32_t seed)
{
	double end = wait_until(10000);
	uint8_t buf[512];
	int i;

	for (i = 0; i < n; ) {
		if (read_blocks(c, what, lba + i, 1, buf))
			return 1;
		if (check_pattern(buf, 512, seed + i) < 0) {
			i++;
			continue;
		}
		if (!ms_left(end))
			return check(false, "%s: block %d not written within 10 s", what, i);
		sleep_ms(20);
	}
	sleep_ms(200);
	return 0;
}

/* Take every IU @c has received; mark the answers among @tags in @seen. */
static int collect_answers(struct conn *c, const uint64_t *tags, bool *seen, int n)
{
	struct iu *r;
	int i, got = 0;

	conn_pump(c, 0);
	while ((r = conn_wait_iu(c, 0))) {
		for (i = 0; i < n; i++)
			if (iu_tag(r) == tags[i] && !seen[i])
				break;
		if (i == n) {
			check(false, "an unexpected IU on the command channel");
			print_iu("   unexpected: ", r->buf, r->len);
		} else {
			seen[i] = true;
			got++;
			check_rsp("a command the TMFs cover", r, c->max_ti, tags[i], &WANT_GOOD);
		}
		free(r);
	}
	return got;
}

/*
 * Two channels of one nexus: a, for TMFs, and b, whose responses can be
 * held back (2 of 16 receive buffers posted, for stall_responses()), with
 * immediate data if @imm. NULL when a does not log in; *@b NULL when b
 * does not.
 */
static struct conn *open_tmf_pair(struct conn **b, bool imm)
{
	struct login_params p;
	struct conn *a;

	*b = NULL;
	login_defaults(&p);
	p.flags = SRP_MULTICHAN_MULTI;
	a = login_expect("TMF channel", &p, SRP_LOGIN_RSP_MULTICHAN_NO_CHAN);
	if (!a)
		return NULL;
	clear_ua(a);
	login_defaults(&p);
	p.flags = SRP_MULTICHAN_MULTI | (imm ? SRP_IMMED_REQUESTED : 0);
	if (imm)
		p.imm_off = 68;
	p.nrecv = 2;
	p.max_recv = 16;
	*b = login_expect("command channel", &p, SRP_LOGIN_RSP_MULTICHAN_MAINTAINED |
			  (imm ? SRP_LOGIN_RSP_IMMED_SUPP : 0));
	return a;
}

/*
 * SAM-5 5.6: once a TMF is answered, the commands it covers are over, so
 * its SRP_RSP must not overtake theirs, also not from another channel of
 * the nexus: the initiator would take them as aborted and could reuse
 * their tags for new commands, which the late SRP_RSPs would then
 * complete. target_core leaves alone a command that has its status
 * already, so the fabric has to hold the TMF's answer. Channel b holds 8
 * executed WRITEs whose SRP_RSPs are stuck (RNR); ABORT TASK of one of
 * them and LUN RESET come on channel a. Each TMF answer must come after
 * the responses of the commands it covers (ABORT TASK: the one; LUN
 * RESET: all 8): when it is seen on a, b must have them (the target can
 * send it only after b's responses were acknowledged, so they are in b's
 * completion queue by then). TMFs covering none of them are answered
 * at once. The WRITEs carry immediate data: an RDMA READ of their data, or
 * a READ's data, would wait on the send queue behind the first stuck
 * SRP_RSP, and the reset would abort those commands.
 */
static int c_tmf_answer_order(void)
{
	struct conn *a, *b;
	uint64_t tags[8], tmf_tags[2];
	bool seen[8] = { false }, tmf_seen[2] = { false };
	int i, got = 0, order = 0;
	long fences;
	uint8_t iu[640];
	double end;
	struct iu *r;

	a = open_tmf_pair(&b, true);
	if (!a)
		return RES_FAIL;
	if (!b || stall_responses(b, "command channel"))
		goto out;
	for (i = 0; i < 8; i++) {
		tags[i] = conn_tag(b);
		conn_send(b, iu, imm_cmd(iu, tags[i], cfg.lba + i, 1, 512, 0x0de7 + i, 512));
	}
	conn_flush_sends(b, 5000);
	if (wait_written(a, "the 8 WRITEs", cfg.lba, 8, 0x0de7))
		goto out;
	tmf(a, "ABORT TASK of a tag not in flight", cfg.lun, SRP_TSK_ABORT_TASK,
	    0xdeadbeef, SRP_TMF_RSP_COMPLETE, 48);
	tmf(a, "LUN RESET of an unmapped LUN", cfg.bad_lun, SRP_TSK_LUN_RESET, 0,
	    SRP_TMF_RSP_FIELDS_INVALID, 48);
	fences = fences_reported();
	tmf_tags[0] = conn_tag(a);
	conn_send(a, iu, build_tmf(iu, tmf_tags[0], cfg.lun, SRP_TSK_ABORT_TASK, tags[0]));
	/*
	 * Room for a wrong early answer, and for target_core to be done with
	 * the ABORT TASK: its LUN RESET aborts the TMRs still in its hands
	 * (core_tmr_drain_tmr_list()), and those are never answered.
	 */
	sleep_ms(1000);
	tmf_tags[1] = conn_tag(a);
	conn_send(a, iu, build_tmf(iu, tmf_tags[1], cfg.lun, SRP_TSK_LUN_RESET, 0));
	sleep_ms(1000);	/* room for a wrong early answer */
	/* Any answer here is early: b has none of the 8 responses yet. */
	conn_pump(a, 0);
	r = conn_wait_iu(a, 0);
	conn_post_recvs(b, 16);
	end = wait_until(15000);
	while ((!tmf_seen[0] || !tmf_seen[1]) && ms_left(end)) {
		if (!r) {
			got += collect_answers(b, tags, seen, 8);
			r = conn_wait_iu(a, 50);
			if (!r)
				continue;
			/* What the target sent before this answer is in b's queue. */
			got += collect_answers(b, tags, seen, 8);
		}
		for (i = 0; i < 2 && iu_tag(r) != tmf_tags[i]; i++)
			;
		if (check(i < 2, "an unexpected IU on the TMF channel")) {
			print_iu("   unexpected: ", r->buf, r->len);
		} else {
			check(!tmf_seen[i], "a TMF answered twice");
			tmf_seen[i] = true;
			check(++order == i + 1, "LUN RESET answered before the ABORT TASK before it");
			/* ABORT TASK covers tags[0]; LUN RESET all 8 */
			if (i)
				check(got == 8, "LUN RESET answered when %d of the 8 commands it covers were",
				      got);
			else
				check(seen[0], "ABORT TASK answered before the command it covers");
			check_rsp(i ? "LUN RESET" : "ABORT TASK of a command with its status",
				  r, a->max_ti, tmf_tags[i], &WANT_TMF(SRP_TMF_RSP_COMPLETE));
		}
		free(r);
		r = NULL;
	}
	free(r);
	got += collect_answers(b, tags, seen, 8);
	check(got == 8, "%d of the 8 commands answered", got);
	check(tmf_seen[0] && tmf_seen[1], "a TMF not answered once the commands it covers were");
	/*
	 * Our ib_srpt sends those 8 responses unsignaled (inline, nothing
	 * signaled after them on b): the TMFs' answers must have waited for
	 * a fence on b (srpt-design.rst, "Unsignaled responses").
	 */
	if (fences >= 0) {
		long after = fences_reported();

		printf("# fences the target counts: %ld before the TMFs, %ld after\n",
		       fences, after);
		check(after > fences, "no fence posted for the TMFs");
	}
	clear_ua(a);
	for (i = 0; i < 8; i++)
		verify_pattern(a, "an answered WRITE's block", cfg.lba + i, 1, 0x0de7 + i);
	survives(a, "TMF channel");
	survives(b, "command channel");
out:
	conn_close(a);
	conn_close(b);
	return RES_PASS;
}

/* Has @c received the answer to @tag (kept in its queue)? */
static bool answered(struct conn *c, uint64_t tag)
{
	struct iu *r;

	conn_pump(c, 0);
	for (r = c->q_head; r; r = r->next)
		if (iu_tag(r) == tag)
			return true;
	return false;
}

/*
 * A TMF that target_core aborts: ABORT TASK of a WRITE whose data cannot be
 * fetched yet (its RDMA READ waits on channel b's send queue behind a READ's
 * SRP_RSP stuck in RNR) waits in target_core for the WRITE; a LUN RESET
 * then aborts that ABORT TASK (core_tmr_drain_tmr_list(), which never sets
 * TAS for a TMR), and target_core releases it without an answer. The LUN
 * RESET must still be answered once b's receives are back, the ABORT TASK
 * and the aborted WRITE never are, and both channels live with all their
 * credits. The READ's data must have landed before the WRITE is sent, so
 * that the WRITE's fetch queues behind the stuck response.
 */
static int c_tmf_aborted_tmf(void)
{
	struct conn *a, *b;
	uint64_t rtag, wtag, abort_tag, reset_tag;
	uint8_t iu[64];
	double end;
	struct iu *r;

	a = open_tmf_pair(&b, false);
	if (!a)
		return RES_FAIL;
	if (!b || write_pattern(b, "the READ's block", cfg.lba, 8, 0x1ead) ||
	    stall_responses(b, "command channel"))
		goto out;
	memset(b->data, 0, 4096);
	rtag = conn_tag(b);
	conn_send(b, iu, cmd_rw_direct(b, iu, rtag, SCSI_READ_10, cfg.lba, 8, 0, 4096));
	end = wait_until(10000);
	while (check_pattern(b->data, 4096, 0x1ead) >= 0 && ms_left(end))
		sleep_ms(20);
	if (check(check_pattern(b->data, 4096, 0x1ead) < 0, "the READ's data never arrived"))
		goto out;
	wtag = conn_tag(b);
	conn_send(b, iu, cmd_rw_direct(b, iu, wtag, SCSI_WRITE_10, cfg.lba + 8, 8, 4096, 4096));
	conn_flush_sends(b, 5000);
	abort_tag = conn_tag(a);
	conn_send(a, iu, build_tmf(iu, abort_tag, cfg.lun, SRP_TSK_ABORT_TASK, wtag));
	conn_flush_sends(a, 5000);
	sleep_ms(500);
	if (check(!answered(a, abort_tag) && !answered(b, wtag),
		  "not exercised: ABORT TASK or its WRITE answered while the WRITE's data could not be fetched"))
		goto out;
	reset_tag = conn_tag(a);
	conn_send(a, iu, build_tmf(iu, reset_tag, cfg.lun, SRP_TSK_LUN_RESET, 0));
	conn_flush_sends(a, 5000);
	sleep_ms(300);
	conn_post_recvs(b, 16);
	r = conn_wait_tag(b, rtag, 10000);
	if (!check(r != NULL, "the READ whose SRP_RSP held the send queue never answered"))
		check_rsp("the READ whose SRP_RSP held the send queue", r, b->max_ti, rtag,
			  &WANT_GOOD);
	free(r);
	tmf_answered(a, "LUN RESET that aborted an ABORT TASK", reset_tag, SRP_TMF_RSP_COMPLETE);
	sleep_ms(500);
	check(!answered(a, abort_tag), "the ABORT TASK the LUN RESET aborted was answered");
	check(!answered(b, wtag), "the WRITE both TMFs aborted was answered");
	clear_ua(a);
	survives(a, "TMF channel");
	survives(b, "command channel");
out:
	conn_close(a);
	conn_close(b);
	return RES_PASS;
}

/*
 * A TMF about a WRITE whose descriptor table the target is still reading.
 * The initiator stops posting receives, so the SRP_RSP of a READ sent first
 * is refused (RNR) and holds the target's send queue, and the RDMA READ of
 * the WRITE's external table waits behind it. The TMF arrives while the
 * table is outstanding, before target_core has seen the WRITE. Once the
 * receives are back, the TMF must have the effect target_core gives it on
 * a command it sees, never that of a command lost in between:
 *   - ABORT TASK: COMPLETE; the WRITE is either aborted (no answer, SAM-5:
 *     an aborted command ends without status; each block old or written,
 *     as the backend may have run it before the abort) or it
 *     completed first (answered GOOD, its data written): target_core
 *     aborts only what has not completed, and may answer the TMF before
 *     the WRITE's own response is posted, so the order is not checked;
 *   - ABORT TASK SET, which target_core does not support: NOT SUPPORTED,
 *     and the WRITE runs: answered GOOD, its data written.
 * Either way nothing is written after the TMF is answered (the blocks read
 * at once then equal those read at the end: a WRITE the initiator thinks
 * aborted must not land later), its credit comes back and the channel
 * lives on.
 */


/*
 * Each 512-byte block of @buf holds the block of the @old_seed pattern or of
 * the @new_seed pattern at the same offset; says how many hold which.
 */
static int verify_old_or_new(const char *what, const uint8_t *buf, uint16_t blocks,
			     uint32_t old_seed, uint32_t new_seed)
{
	uint8_t old[8192], new[8192];
	int i, n_old = 0, n_new = 0, f = 0;

	if (check(blocks * 512 <= (int)sizeof(old), "%s: %u blocks is too many", what, blocks))
		return 1;
	fill_pattern(old, blocks * 512, old_seed);
	fill_pattern(new, blocks * 512, new_seed);
	for (i = 0; i < blocks; i++) {
		if (!memcmp(buf + 512 * i, old + 512 * i, 512))
			n_old++;
		else if (!memcmp(buf + 512 * i, new + 512 * i, 512))
			n_new++;
		else
			f |= check(false, "%s: block %d holds neither the old data nor the WRITE's",
				   what, i);
	}
	msg("   %s: %d of %u blocks old, %d written", what, n_old, blocks, n_new);
	return f;
}

static int tmf_during_table_fetch(const char *what, uint8_t func,
				  uint8_t want_code, bool write_runs)
{
	struct srp_direct_buf d[4], t;
	uint64_t rtag, wtag, ttag;
	bool seen_w = false, seen_t = false, have_end;
	uint8_t iu[256], at_tmf[8192], at_end[8192];
	struct conn *c;
	struct iu *r;
	size_t n;

	c = open_stallable(what, 16, 0);
	if (!c)
		return RES_FAIL;
	if (write_pattern(c, "old data", cfg.lba, 16, 0x7ab1e))
		goto out;
	if (stall_responses(c, what))
		goto out;
	/* its SRP_RSP finds no receive buffer and holds the send queue */
	rtag = conn_tag(c);
	conn_send(c, iu, cmd_rw_direct(c, iu, rtag, SCSI_READ_10, cfg.lba + 64, 8,
				       3 * MiB, 4096));
	t = scatter4(c, d, 0x0bad);
	wtag = conn_tag(c);
	cmd_rw(iu, wtag, SCSI_WRITE_10, cfg.lba, 16);
	n = put_indirect(iu, true, 0, &t, 8192, d, 0);
	conn_send(c, iu, n);
	ttag = conn_tag(c);
	build_tmf(iu, ttag, cfg.lun, func, wtag);
	conn_flush_sends(c, 5000);
	sleep_ms(200);
	conn_send(c, iu, 48);
	conn_flush_sends(c, 5000);
	sleep_ms(300);
	conn_post_recvs(c, 16);
	while ((r = conn_wait_iu(c, seen_t && (seen_w || !write_runs) ? 1000 : 15000))) {
		uint64_t tg;

		memcpy(&tg, r->buf + 8, 8);
		if (tg == ttag) {
			seen_t = true;
			check_rsp(what, r, c->max_ti, ttag, &WANT_TMF(want_code));
			read_blocks(c, "the WRITE's blocks when the TMF is answered",
				    cfg.lba, 16, at_tmf);
		} else if (tg == wtag) {
			seen_w = true;
			check_rsp(write_runs ? "the WRITE the TMF left alone" :
				  "the WRITE that completed before ABORT TASK",
				  r, c->max_ti, wtag, &WANT_GOOD);
		} else if (tg != rtag) {
			check(false, "unexpected IU");
		}
		free(r);
	}
	check(seen_t, "no answer to the TMF");
	if (write_runs)
		check(seen_w, "the WRITE the TMF left alone was never answered");
	msg("   WRITE %s, TMF %s", seen_w ? "answered" : "not answered",
	    seen_t ? "answered" : "not answered");
	have_end = seen_t && !read_blocks(c, "the WRITE's blocks at the end", cfg.lba, 16,
					  at_end);
	/*
	 * Once an ABORT TASK is answered, its WRITE is over: the blocks stay
	 * as they are. A TMF that left the WRITE running (not supported) may
	 * be answered before the WRITE writes, so there only the WRITE's own
	 * answer counts.
	 */
	if (have_end && !write_runs)
		check(!memcmp(at_tmf, at_end, sizeof(at_end)),
		      "the WRITE's blocks changed after the TMF was answered");
	/*
	 * An answered WRITE wrote its data. An aborted one may have written
	 * any of it: target_core aborts a command the backend is executing
	 * (CMD_T_ACTIVE, not yet CMD_T_COMPLETE) without stopping the
	 * backend and then suppresses its status, and SAM leaves the medium
	 * of an aborted command's blocks indeterminate. Each block holds the
	 * old data or the WRITE's, never anything else.
	 */
	if (seen_w)
		verify_pattern(c, "the answered WRITE's blocks have its data",
			       cfg.lba, 16, 0x0bad);
	else if (have_end)
		verify_old_or_new("the aborted WRITE's blocks", at_end, 16,
				  0x7ab1e, 0x0bad);
	survives(c, what);
out:
	conn_close(c);
	return RES_PASS;
}

static int c_tmf_abort_table_fetch(void)
{
	return tmf_during_table_fetch("ABORT TASK of a WRITE fetching its table",
				      SRP_TSK_ABORT_TASK, SRP_TMF_RSP_COMPLETE, false);
}

static int c_tmf_unsupported_table_fetch(void)
{
	return tmf_during_table_fetch("ABORT TASK SET while a WRITE fetches its table",
				      SRP_TSK_ABORT_TASK_SET, SRP_TMF_RSP_NOT_SUPPORTED,
				      true);
}

static int c_scsi_report_luns(void)
{
	struct conn *c = open_default("REPORT LUNS");
	uint8_t cdb[12], want[16] = { 0, 0, 0, 8 };
	struct iu *r;

	if (!c)
		return RES_FAIL;
	cdb_report_luns(cdb, 4096);
	memset(c->data, 0xee, 4096);
	if (!scsi_exec(c, cdb, 12, DIR_IN, 0, 4096, &r, 10000)) {
		struct want w = WANT_GOOD;

		w.flags = SRP_RSP_FLAG_DIUNDER;
		w.din_res = 4096 - 16;
		check_rsp("REPORT LUNS (LUN 0 only)", r, c->max_ti, c->next_tag - 1, &w);
		scsi_lun(want + 8, cfg.lun);
		if (check(!memcmp(c->data, want, 16), "REPORT LUNS data differs"))
			hexdump("   ", c->data, 32);
		free(r);
	} else {
		check(false, "REPORT LUNS not answered");
	}
	survives(c, "REPORT LUNS");
	conn_close(c);
	return RES_PASS;
}

/* READ(10)/WRITE(10) (op) of block 0 to LUN lun. */
static size_t b_rw_lun(const struct bld *b)
{
	size_t n = cmd_rw_direct(b->c, b->iu, b->tag, b->s->op, 0, 1, 0, 512);

	scsi_lun(((struct srp_cmd *)b->iu)->lun, step_lun(b->s));
	return n;
}

static const struct step scsi_unmapped_lun[] = {
	{ "TEST UNIT READY to an unmapped LUN", b_tur, .lun = LUN_UNMAPPED,
	  .want = RSP(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00)) },
	{ "READ(10) to an unmapped LUN", b_rw_lun, .op = SCSI_READ_10, .lun = LUN_UNMAPPED,
	  .want = RSP(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00)) },
	{ "WRITE(10) to an unmapped LUN", b_rw_lun, .op = SCSI_WRITE_10, .lun = LUN_UNMAPPED,
	  .want = RSP(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00)) },
	{ "READ(10) to LUN 16383", b_rw_lun, .op = SCSI_READ_10, .lun = LUN_16383,
	  .want = RSP(WANT_CC(SENSE_ILLEGAL_REQUEST, 0x25, 0x00)) },
};
static const struct tcase t_scsi_unmapped_lun = {
	STEPS(scsi_unmapped_lun), .channel = "unmapped LUN", .survives = "unmapped LUN",
};

static int c_scsi_inquiry(void)
{
	struct conn *c = open_default("INQUIRY");
	uint8_t cdb[6];
	struct iu *r;

	if (!c)
		return RES_FAIL;
	cdb_inquiry(cdb, 96);
	if (!scsi_exec(c, cdb, 6, DIR_IN, 0, 96, &r, 10000)) {
		struct rsp_info ri;
		char err[128];

		if (!check(!parse_rsp(r->buf, r->len, c->max_ti, &ri, err, sizeof(err)),
			   "INQUIRY: %s", err)) {
			check(ri.status == SAM_STAT_GOOD, "INQUIRY status 0x%02x", ri.status);
			check(!memcmp(c->data + 8, "LIO-ORG ", 8), "INQUIRY vendor '%.8s'",
			      (char *)c->data + 8);
			check((c->data[0] & 0x1f) == 0 && (c->data[0] >> 5) == 0,
			      "INQUIRY peripheral 0x%02x, want 0x00 (connected disk)", c->data[0]);
		}
		free(r);
	} else {
		check(false, "INQUIRY not answered");
	}
	survives(c, "INQUIRY");
	conn_close(c);
	return RES_PASS;
}

/* ====================================================== disconnects */

/* Queue @n 1 MiB transfers (WRITE if @write) on a fresh channel. */
static struct conn *big_transfers(const char *what, int n, bool write, bool both)
{
	struct login_params p;
	struct conn *c;
	uint8_t iu[64];
	int i;

	login_defaults(&p);
	p.data_len = (size_t)n * MiB + MiB;
	p.nsend = 64;
	c = open_ch(what, &p);
	if (!c)
		return NULL;
	for (i = 0; i < n; i++) {
		bool w = both ? i & 1 : write;

		conn_send(c, iu, cmd_rw_direct(c, iu, conn_tag(c), w ? SCSI_WRITE_10 : SCSI_READ_10,
					       cfg.lba + 32 + i * 2048, 2048, (size_t)i * MiB, MiB));
	}
	return c;
}

/* Disconnect while 16 1 MiB transfers (WRITEs if @write) are under way. */
static int disc_during(const char *what, bool write)
{
	struct conn *c = big_transfers(what, 16, write, false);

	if (!c)
		return RES_FAIL;
	conn_wait_iu(c, 50);	/* let the RDMA transfers start */
	conn_close(c);
	return RES_PASS;	/* the runner checks the channel is released */
}

static int c_disc_mid_write(void)
{
	return disc_during("disconnect during 1 MiB WRITEs", true);
}

static int c_disc_mid_read(void)
{
	return disc_during("disconnect during 1 MiB READs", false);
}

/*
 * SRP_I_LOGOUT while 16 1 MiB READs and WRITEs are under way: SRP r16a 6.3
 * has the target end the channel, so it must close within 10 s, the
 * commands still running ended with it (their resources released: the
 * runner's check). Answers to commands that finished before the logout
 * may come first.
 */
static int c_disc_logout_mid_transfer(void)
{
	const char *what = "SRP_I_LOGOUT during 1 MiB transfers";
	struct srp_i_logout lo = { .opcode = SRP_I_LOGOUT };
	struct conn *c = big_transfers(what, 16, false, true);

	if (!c)
		return RES_FAIL;
	free(conn_wait_iu(c, 50));	/* let the RDMA transfers start */
	lo.tag = conn_tag(c);
	if (!check(!conn_send(c, &lo, sizeof(lo)), "%s: sending it failed", what))
		expect_closed(c, what, 10000);
	conn_close(c);
	return RES_PASS;
}

/* Deregister the buffer under the target's RDMA: access errors, channel dies. */
static int c_disc_dereg_mid_transfer(void)
{
	struct conn *c = big_transfers("deregister the data buffer during transfers", 16, false, true);

	if (!c)
		return RES_FAIL;
	conn_wait_iu(c, 20);
	ibv_dereg_mr(c->dmr);
	c->dmr = NULL;
	expect_closed(c, "data buffer deregistered during transfers", 15000);
	conn_close(c);
	return RES_PASS;	/* the runner checks the channel is released */
}

/*
 * Run "srp-initiator _child NAME" (a fresh process: librdmacm keeps the
 * device contexts it opened, and uverbs refuses a forked child's writes
 * on them because its credentials differ from the opener's).
 */
static int run_child(const char *name)
{
	char exe[4096], guid[32], iext[32], lba[16], lun[24], port[8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int st;
	pid_t pid;

	if (n <= 0)
		return check(false, "cannot find /proc/self/exe");
	exe[n] = 0;
	snprintf(guid, sizeof(guid), "%llx", (unsigned long long)cfg.guid);
	snprintf(iext, sizeof(iext), "%llx", (unsigned long long)cfg.iext);
	snprintf(lba, sizeof(lba), "%u", cfg.lba);
	snprintf(lun, sizeof(lun), "%llu", (unsigned long long)cfg.lun);
	snprintf(port, sizeof(port), "%d", cfg.port);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--dst", cfg.dst, "--src", cfg.src ? cfg.src : cfg.dst,
		      "--port", port, "--guid", guid, "--iext", iext, "--lba", lba, "--lun", lun,
		      "_child", name, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return check(false, "cannot run the child: %s", strerror(errno));
	return check(WIFEXITED(st) && !WEXITSTATUS(st), "child %s failed (status 0x%x)", name, st);
}

/* The initiator process exits in the middle of transfers (no cleanup). */
static int c_disc_exit_mid_transfer(void)
{
	run_child("exit_mid_transfer");
	return RES_PASS;	/* the runner checks the channel is released */
}

/* Disconnect while the target's responses are stuck (RNR) and a TMF waits. */
static int c_disc_stalled(void)
{
	struct conn *c;
	uint8_t iu[64], cdb[6];
	uint64_t rtag;
	int i;

	c = open_stallable("disconnect with stalled responses", 8, 0);
	if (!c)
		return RES_FAIL;
	if (!stall_responses(c, "disconnect with stalled responses")) {
		cdb_tur(cdb);
		for (i = 0; i < 32; i++) {
			build_cmd(iu, conn_tag(c), cfg.lun, cdb, 6);
			conn_send(c, iu, 48);
		}
		rtag = conn_tag(c);
		conn_send(c, iu, cmd_rw_direct(c, iu, rtag, SCSI_READ_10, cfg.lba, 8, 0, 4096));
		build_tmf(iu, conn_tag(c), cfg.lun, SRP_TSK_ABORT_TASK, rtag);
		conn_send(c, iu, 48);
		build_tmf(iu, conn_tag(c), cfg.lun, SRP_TSK_LUN_RESET, 0);
		conn_send(c, iu, 48);
		conn_flush_sends(c, 5000);
		sleep_ms(500);
	}
	conn_close(c);
	return RES_PASS;	/* the runner checks the channel is released */
}

static int c_disc_stalled_exit(void)
{
	run_child("stalled_exit");
	return RES_PASS;	/* the runner checks the channel is released */
}

/* The children: set up, then _exit() without any cleanup. */
int child_main(const char *name)
{
	if (!strcmp(name, "exit_mid_transfer")) {
		struct conn *c = big_transfers("exit during transfers", 16, false, true);

		if (!c)
			return 1;
		conn_wait_iu(c, 30);
		_exit(0);
	}
	if (!strcmp(name, "stalled_exit")) {
		struct conn *c;
		uint8_t iu[64], cdb[6];
		int i;

		c = open_stallable("exit with stalled responses", 8, 0);
		if (!c || stall_responses(c, "exit with stalled responses"))
			return 1;
		cdb_tur(cdb);
		for (i = 0; i < 64; i++) {
			build_cmd(iu, conn_tag(c), cfg.lun, cdb, 6);
			conn_send(c, iu, 48);
		}
		conn_flush_sends(c, 5000);
		_exit(0);
	}
	msg("error: unknown child '%s'", name);
	return 2;
}

/* ============================================================ table */

const struct hcase hcases[] = {
	/* logins */
	{ "login_good", "logins", "accepted; SRP_LOGIN_RSP: REQ_LIM min(srp_sq_size,512), MAX_IT = requested, MAX_TI = srp_max_rsp_size, buf_fmt 0x0006, rsp_flags 0, reserved 0", .fn = c_login_good },
	{ "login_imm", "logins", "immediate data requested at offset 68: rsp_flags 0x80 (IMMED_SUPP)", .tc = &t_login_imm },
	{ "login_imm_bad_offset", "logins", "imm_data_offset 0/51/>=it_iu_len: accepted without IMMED_SUPP", .tc = &t_login_imm_bad_offset },
	{ "login_it_iu_len_63", "logins", "req_it_iu_len 63 and 0: SRP_LOGIN_REJ 0x00010000 UNABLE_ESTABLISH_CHANNEL", .tc = &t_login_it_iu_len_63 },
	{ "login_it_iu_len_64", "logins", "req_it_iu_len 64: accepted, a 64-byte READ(10) works", .fn = c_login_it_iu_len_64 },
	{ "login_it_iu_len_max", "logins", "= srp_max_req_size accepted; +1 and 0xffffffff: REJ 0x00010002 REQ_IT_IU_LENGTH_TOO_LARGE", .tc = &t_login_it_iu_len_max },
	{ "login_buf_fmt", "logins", "req_buf_fmt with bits beyond DIRECT|INDIRECT: REJ 0x00010004; 0x2/0x4/0x0 accepted", .tc = &t_login_buf_fmt },
	{ "login_wrong_target", "logins", "wrong id_ext / ioc_guid / zero: REJ 0x00010003 UNABLE_ASSOCIATE_CHANNEL", .tc = &t_login_wrong_target },
	{ "login_no_acl", "logins", "initiator port id no ACL names: REJ 0x00010000", .tc = &t_login_no_acl },
	{ "login_tpg_disabled", "logins", "TPG disabled: REJ 0x00010000; enabled again: accepted", .fn = c_login_tpg_disabled },
	{ "login_tpg_disable_live", "logins", "disabling the TPG: SRP_T_LOGOUT reason 0x0, channel closed", .fn = c_login_tpg_disable_live },
	{ "login_acl_removed", "logins", "removing the ACL of a live session: SRP_T_LOGOUT reason 0x0, channel closed", .fn = c_login_acl_removed },
	{ "login_wrong_opcode", "logins", "private data with opcode 0x02: REJ 0x00010000 (tag 0 or echoed)", .tc = &t_login_wrong_opcode },
	{ "login_truncated", "logins", "0/8 bytes: REJ 0x00010000; 40 bytes: REJ 0x00010003; 48 bytes: accepted (RDMA/CM zero-pads)", .fn = c_login_truncated },
	{ "login_single_kicks", "logins", "2nd SINGLE_CHANNEL login: rsp_flags 0x01 TERMINATED; 1st channel gets SRP_T_LOGOUT reason 0x4 and is disconnected", .fn = c_login_single_kicks },
	{ "login_multi_join", "logins", "MULTICHANNEL: first rsp_flags 0x00, joins 0x02 MAINTAINED (+0x80 with imm); all channels work", .fn = c_login_multi_join },
	{ "login_channel_limit", "logins", "64 channels per nexus accepted, 65th: REJ 0x00010006 CHANNEL_LIMIT_REACHED; a SINGLE login then ends all 64 (SRP_T_LOGOUT 0x4 each)", .fn = c_login_channel_limit },
	{ "login_during_tpg_disable", "logins", "logins while the TPG toggles: accepted, REJ 0x00010000, or closed between REP and RTU; never unanswered", .fn = c_login_during_tpg_disable },
	{ "login_churn", "logins", "100 logins dropped at once (half without disconnect): all channels released", .fn = c_login_churn },
	{ "login_session_cap", "logins", "GUID ACL (any initiator_ext), srp_sq_size 16: 256 sessions accepted, 257th: REJ 0x00010006 CHANNEL_LIMIT_REACHED and rejected_channel_limit +1; a MULTI join at the cap accepted (0x02); after one logout a new initiator_ext accepted; ACL and srp_sq_size restored", .fn = c_login_session_cap },
	/* IUs */
	{ "iu_unknown_opcode", "ius", "opcodes 0x7f/0x05/0xff: SRP_T_LOGOUT reason 0x2 (invalid IU type), then disconnect; no SRP_RSP", .tc = &t_iu_unknown_opcode },
	{ "iu_short", "ius", "IUs of 0/1/15/8 bytes (< 16, no room for opcode and tag): SRP_T_LOGOUT reason 0x2, then disconnect", .tc = &t_iu_short },
	{ "iu_cred_rsp_misbehave", "ius", "unsolicited SRP_CRED_RSP, any SRP_AER_RSP, an SRP_CRED_REQ answered twice: SRP_T_LOGOUT reason 0x3, then disconnect; the correct SRP_CRED_RSP (after a LUN RESET aborts WRITEs): channel stays up", .fn = c_iu_cred_rsp_misbehave },
	{ "iu_cmd_short", "ius", "SRP_CMD of 16/32/47 bytes: CHECK CONDITION 05/0e/03 with its tag", .tc = &t_iu_cmd_short },
	{ "iu_add_cdb_beyond", "ius", "ADDITIONAL CDB LENGTH beyond the IU: CHECK CONDITION 05/0e/03", .tc = &t_iu_add_cdb_beyond },
	{ "iu_add_cdb_ok", "ius", "4 additional CDB bytes, descriptor at 52: READ works", .fn = c_iu_add_cdb_ok },
	{ "iu_indirect_bad", "ius", "count > table, table len %16, 0, >1024 entries, sum != total, IU too short: CHECK CONDITION 05/0e/03 each", .tc = &t_iu_indirect_bad },
	{ "iu_indirect_ok", "ius", "inline descriptor lists gather a WRITE and scatter a READ correctly", .fn = c_iu_indirect_ok },
	{ "iu_external_table", "ius", "external table (0 or 1 inline of 4) fetched by RDMA READ: WRITE and READ work; sum mismatch: 05/0e/03", .fn = c_iu_external_table },
	{ "iu_table_exceeds_sq", "ius", "40 descriptors with srp_sq_size 16 (more work requests than the send queue): READ and WRITE get 05/0e/03", .tc = &t_iu_table_exceeds_sq },
	{ "iu_external_table_bad_rkey", "ius", "external table with a bogus rkey: no GOOD answer, channel closed", .tc = &t_iu_external_table_bad_rkey },
	{ "iu_direct_len", "ius", "len 0 READ: GOOD DIOVER 512; len 0 WRITE: 05/0e/03 DOOVER 512; len 0xffffffff: 05/0e/03", .tc = &t_iu_direct_len },
	{ "iu_max_rdma", "ius", "exactly srp_max_rdma_size: GOOD; +512: CHECK CONDITION 05/0e/03", .fn = c_iu_max_rdma },
	{ "iu_residuals", "ius", "READ over/underflow: GOOD DIOVER/DIUNDER 512; WRITE mismatch: 05/0e/03 DOOVER/DOUNDER, medium unchanged", .fn = c_iu_residuals },
	{ "iu_imm", "ius", "immediate data 4 KiB and 8 KiB (IU = max_it_iu_len) work; length beyond the IU / truncated: 05/0e/03; immediate-data format for data-in: SRP_T_LOGOUT reason 0x7, disconnect", .fn = c_iu_imm },
	{ "iu_imm_cc_credit", "ius", "immediate-data WRITE refused by target_core (unmapped LUN 05/25/00, LBA out of range 05/21/00, bad opcode 05/20/00): exactly one credit back", .tc = &t_iu_imm_cc_credit },
	{ "iu_rsp_size_min", "ius", "srp_max_rsp_size 64: login grants MAX_TI_IU_LEN 64, CHECK CONDITION sense cut to 28 bytes (05/20/00)", .tc = &t_iu_rsp_size_min },
	{ "iu_rq_alias", "ius", "after such a refused WRITE, a READ with an external descriptor table and a TUR right behind it: each answered once, the READ GOOD with its data", .fn = c_iu_rq_alias },
	{ "iu_imm_not_granted", "ius", "immediate data (data-out format 3) without IMMED_SUPP: SRP_T_LOGOUT reason 0x6, then disconnect", .tc = &t_iu_imm_not_granted },
	{ "iu_bidi_and_formats", "ius", "bidirectional (direct/direct): CHECK CONDITION 05/0e/03, channel up; data-in format 3/4/15: SRP_T_LOGOUT 0x7, data-out 4/15: SRP_T_LOGOUT 0x6, each then disconnect", .tc = &t_iu_bidi_and_formats },
	{ "iu_dir_mismatch", "ius", "READ CDB with data-out / WRITE CDB with data-in descriptor: CHECK CONDITION, medium and buffer untouched", .fn = c_iu_dir_mismatch },
	{ "iu_bad_rkey_read", "ius", "READ into a bogus rkey: channel closed, no GOOD", .tc = &t_iu_bad_rkey_read },
	{ "iu_bad_rkey_write", "ius", "WRITE from a bogus rkey: channel closed, no GOOD", .tc = &t_iu_bad_rkey_write },
	{ "iu_bad_addr_read", "ius", "READ into an address outside the MR: channel closed, no GOOD", .tc = &t_iu_bad_addr_read },
	{ "iu_bad_addr_write", "ius", "WRITE from an address outside the MR: channel closed, no GOOD", .tc = &t_iu_bad_addr_write },
	{ "iu_tag_reuse", "ius", "a tag reused while its command is in flight: both answered GOOD", .fn = c_iu_tag_reuse },
	{ "iu_credit_full", "ius", "exactly REQUEST LIMIT commands outstanding: all answered", .fn = c_iu_credit_full },
	{ "iu_credit_greedy", "ius", "all credits spent, then 3 s of a new 4 KiB READ/WRITE per credit returned: at every response req_lim + unanswered <= login credits, channel up, GOOD, at the end req_lim = login credits exactly", .fn = c_iu_credit_greedy },
	{ "iu_credit_overrun", "ius", "2*REQ_LIM+16 commands outstanding (responses stalled): target closes the channel", .fn = c_iu_credit_overrun },
	{ "iu_too_long", "ius", "IU of 512 bytes with MAX_IT_IU_LEN 256: channel closed (SRQ: accepted)", .fn = c_iu_too_long },
	{ "iu_after_logout", "ius", "SRP_CMDs after SRP_I_LOGOUT: not answered, channel closed", .fn = c_iu_after_logout },
	{ "iu_wrong_direction", "ius", "SRP_RSP/LOGIN_RSP/LOGIN_REJ/LOGIN_REQ/T_LOGOUT/CRED_REQ/AER_REQ sent by the initiator: SRP_T_LOGOUT reason 0x2, then disconnect", .tc = &t_iu_wrong_direction },
	{ "iu_varlen_cdb", "ius", "0x7f CDB announcing 260 bytes in a 48-byte IU (64-byte buffer): CHECK CONDITION 05/0e/03", .tc = &t_iu_varlen_cdb },
	/* task management and SCSI */
	{ "tmf_basic", "tmf", "ABORT TASK unknown tag: 0x00; unmapped LUN: 0x02; ABORT/CLEAR TASK SET, CLEAR ACA, unknown: 0x04; truncated: 0x02", .tc = &t_tmf_basic },
	{ "tmf_lun_reset", "tmf", "LUN RESET: 0x00, next command UNIT ATTENTION 06/29/03", .fn = c_tmf_lun_reset },
	{ "tmf_answer_order", "tmf", "ABORT TASK and LUN RESET on one channel while the SRP_RSPs of 8 executed immediate-data WRITEs on another channel of the nexus wait (RNR): ABORT TASK answered 0x00 only after its command's response, LUN RESET only after all 8, ABORT TASK first, behind a fence where the target counts fences (ours: the 8 went unsignaled); TMFs covering none of them answered at once", .fn = c_tmf_answer_order },
	{ "tmf_aborted_tmf", "tmf", "ABORT TASK of a WRITE whose data fetch waits behind an RNR-stalled response, then LUN RESET, which aborts the ABORT TASK in target_core: LUN RESET 0x00 once the responses flow, the ABORT TASK and the WRITE never answered, both channels live with all credits", .fn = c_tmf_aborted_tmf },
	{ "tmf_abort_stalled", "tmf", "ABORT TASK of a command in flight: TMF 0x00, after the command's own answer if any", .fn = c_tmf_abort_stalled },
	{ "tmf_abort_table_fetch", "tmf", "ABORT TASK of a WRITE whose external descriptor table is still being read (send queue held by an RNR-stalled response): TMF 0x00; the WRITE aborted (unanswered, each block old or written, unchanged after the TMF) or completed first (GOOD, written), never lost; credits back", .fn = c_tmf_abort_table_fetch },
	{ "tmf_unsupported_table_fetch", "tmf", "ABORT TASK SET (not supported by target_core) while a WRITE's external descriptor table is being read: TMF 0x04 NOT SUPPORTED, the WRITE answered GOOD and written", .fn = c_tmf_unsupported_table_fetch },
	{ "scsi_report_luns", "tmf", "REPORT LUNS: list length 8, LUN 0; GOOD DIUNDER", .fn = c_scsi_report_luns },
	{ "scsi_unmapped_lun", "tmf", "TUR/READ/WRITE to an unmapped LUN: CHECK CONDITION 05/25/00", .tc = &t_scsi_unmapped_lun },
	{ "scsi_inquiry", "tmf", "INQUIRY: GOOD, LIO-ORG disk", .fn = c_scsi_inquiry },
	/* disconnects */
	{ "disc_mid_write", "disconnect", "disconnect during 16 x 1 MiB WRITEs: channel released", .fn = c_disc_mid_write },
	{ "disc_mid_read", "disconnect", "disconnect during 16 x 1 MiB READs: channel released", .fn = c_disc_mid_read },
	{ "disc_logout_mid_transfer", "disconnect", "SRP_I_LOGOUT during 16 x 1 MiB READs and WRITEs: channel closed and released", .fn = c_disc_logout_mid_transfer },
	{ "disc_dereg_mid_transfer", "disconnect", "data MR deregistered during transfers: channel closed and released", .fn = c_disc_dereg_mid_transfer },
	{ "disc_exit_mid_transfer", "disconnect", "initiator process exits during transfers: channel released", .fn = c_disc_exit_mid_transfer },
	{ "disc_stalled", "disconnect", "disconnect with 33 responses stuck (RNR) plus pending ABORT TASK and LUN RESET: released", .fn = c_disc_stalled },
	{ "disc_stalled_exit", "disconnect", "process exit with 64 responses stuck: channel released", .fn = c_disc_stalled_exit },
};
const size_t n_hcases = ARRAY_SIZE(hcases);
