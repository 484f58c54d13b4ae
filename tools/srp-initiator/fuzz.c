// SPDX-License-Identifier: GPL-2.0
/*
 * srp-initiator: a bounded, seedable fuzzer of logins and IUs.
 *
 * Case K of seed N is generated from a PRNG seeded with (N, K) only, so one
 * case replays with "fuzz --seed N --first K --count 1". A case is either a
 * mutated SRP_LOGIN_REQ (10 %) or a mutated IU on the fuzz channel (90 %),
 * built from a valid template (TEST UNIT READY, READ/WRITE with direct,
 * inline-indirect or external descriptors, immediate data, INQUIRY, REPORT
 * LUNS, task management) and changed by 1-3 byte-level or field-aware
 * mutations. The CDB opcode is only ever replaced from a list of harmless
 * commands (no reservations, no format, no unmap).
 *
 * After each case:
 *   - every answer must be a well-formed SRP_RSP (or SRP_LOGIN_RSP/REJ);
 *   - an SRP_CMD or SRP_TSK_MGMT of >= 16 bytes must be answered (a lost
 *     command leaks a send context), unless the channel died;
 *   - an IU no initiator may send (too short, an opcode that is not
 *     SRP_CMD/SRP_TSK_MGMT/SRP_I_LOGOUT, an unsolicited SRP_CRED_RSP or
 *     SRP_AER_RSP, an SRP_CMD with an unsupported DATA-OUT/DATA-IN format)
 *     must be answered with SRP_T_LOGOUT of the reason SRP r16a 6.5 gives
 *     for it (0x2, 0x3, 0x6, 0x7), then a disconnect; any other
 *     SRP_T_LOGOUT is an anomaly;
 *   - otherwise the channel may only die if the mutation explains it: it
 *     touched a memory descriptor's address/key/length, or changed the
 *     format, counts or ADDITIONAL CDB LENGTH of an SRP_CMD that still uses
 *     memory descriptors (they may now be read from other bytes), made the
 *     IU longer than MAX_IT_IU_LEN, turned it into SRP_I_LOGOUT, or a
 *     mutated login replaced our nexus. A malformed SRP_CMD within
 *     MAX_IT_IU_LEN that references no changed memory gets an SRP_RSP;
 *     a dropped channel is never excused for it;
 *   - a known-good TEST UNIT READY on the channel is answered and all
 *     credits are back;
 *   - the kernel log shows no splat.
 * Anything else is an anomaly: its seed and case number are printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srpi.h"

#define MiB (1u << 20)
/* struct srp_cmd: ADDITIONAL CDB LENGTH is byte 31, the CDB bytes 32-47 */
#define ADD_CDB_OFF offsetof(struct srp_cmd, add_cdb_len)

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(struct rng *r, uint32_t n)
{
	return n ? rnd(r) % n : 0;
}

static const uint32_t interesting32[] = {
	0, 1, 15, 16, 20, 48, 63, 64, 511, 512, 513, 4096, 8192, 65535, 65536,
	MiB - 1, MiB, MiB + 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff,
};

static const uint8_t interesting8[] = { 0, 1, 2, 3, 4, 0x0f, 0x10, 0x3f, 0x40, 0x7f, 0x80, 0xfc, 0xfe, 0xff };

/* harmless CDB opcodes: TUR, REQUEST SENSE, READ(6), INQUIRY, MODE SENSE(6),
 * READ CAPACITY(10), READ(10), WRITE(10), VERIFY(10), SYNCHRONIZE CACHE(10),
 * MODE SENSE(10), READ(16), WRITE(16), SERVICE ACTION IN(16), REPORT LUNS,
 * READ(12), WRITE(12), variable length, vendor specific */
static const uint8_t safe_ops[] = {
	0x00, 0x03, 0x08, 0x12, 0x1a, 0x25, 0x28, 0x2a, 0x2f, 0x35, 0x5a, 0x88,
	0x8a, 0x9e, 0xa0, 0xa8, 0xaa, 0x7f, 0xc0, 0xff,
};

struct fz {
	struct conn *c;
	int kfd;
	uint64_t seed, idx;
	/* stats */
	uint64_t logins, ius, answered, explained_deaths, reconnects, known_bugs, t_logouts;
	/* the current case */
	uint8_t iu[16384];
	size_t len;
	bool explained;		/* a channel death would be explained */
	bool desc_changed;	/* format/counts/add_cdb_len of the SRP_CMD changed */
	bool need_answer;	/* an SRP_RSP must come */
	char what[160];
};

static struct conn *fz_connect(struct fz *z)
{
	struct login_params p;

	login_defaults(&p);
	p.flags |= SRP_IMMED_REQUESTED;
	p.imm_off = 68;
	p.data_len = 4 * MiB;
	p.nrecv = p.max_recv = 64;
	z->c = srp_login_ok("fuzz channel", &p);
	if (z->c && clear_ua(z->c)) {
		conn_close(z->c);
		z->c = NULL;
	}
	return z->c;
}

static void anomaly(struct fz *z, const char *fmt, const char *detail)
{
	printf("FUZZ ANOMALY seed=%llu case=%llu (%s): ", (unsigned long long)z->seed,
	       (unsigned long long)z->idx, z->what);
	printf(fmt, detail);
	printf("\n  reproduce: srp-initiator fuzz --seed %llu --first %llu --count 1"
	       "   (with history: --first 0 --count %llu)\n",
	       (unsigned long long)z->seed, (unsigned long long)z->idx,
	       (unsigned long long)z->idx + 1);
	if (z->len && z->len < 16384) {
		printf("  the case's IU (%zu bytes):\n", z->len);
		hexdump("    ", z->iu, z->len > 160 ? 160 : z->len);
	}
	fflush(stdout);
	check_failures++;
}

/* -------------------------------------------------------- login cases */

static int fuzz_login(struct fz *z, struct rng *r)
{
	struct login_params p;
	struct srp_login_req_rdma req;
	struct login_result res;
	struct conn *c;
	uint8_t *b = (uint8_t *)&req;
	int nmut = 1 + rn(r, 3), i, len = sizeof(req);
	bool ours_single;

	login_defaults(&p);
	memset(&req, 0, sizeof(req));
	req.tag = p.tag;
	req.req_buf_fmt = htobe16(p.buf_fmt);
	req.opcode = SRP_LOGIN_REQ;
	req.req_it_iu_len = htobe32(p.it_iu_len);
	memcpy(req.initiator_port_id, p.iport, 16);
	memcpy(req.target_port_id, p.tport, 16);
	snprintf(z->what, sizeof(z->what), "login:");
	for (i = 0; i < nmut; i++) {
		uint32_t v;

		switch (rn(r, 9)) {
		case 0:
			v = interesting32[rn(r, ARRAY_SIZE(interesting32))];
			req.req_it_iu_len = htobe32(v);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " it_iu_len=%u", v);
			break;
		case 1:
			v = rn(r, 2) ? rn(r, 65536) : rn(r, 16);
			req.req_buf_fmt = htobe16(v);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " buf_fmt=0x%x", v);
			break;
		case 2:
			req.req_flags = rn(r, 256);
			strcat(z->what, " flags");
			break;
		case 3:
			req.opcode = rn(r, 4) ? interesting8[rn(r, ARRAY_SIZE(interesting8))] : rn(r, 256);
			strcat(z->what, " opcode");
			break;
		case 4:
			req.imm_data_offset = htobe16(rn(r, 2) ? rn(r, 128) : rn(r, 65536));
			req.req_flags |= SRP_IMMED_REQUESTED;
			strcat(z->what, " imm_off");
			break;
		case 5:
			b[16 + rn(r, 32)] ^= 1 << rn(r, 8);
			strcat(z->what, " port-id bit");
			break;
		case 6:
			len = rn(r, sizeof(req) + 1);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " len=%d", len);
			break;
		case 7:
			b[rn(r, sizeof(req))] = rnd(r);
			strcat(z->what, " random byte");
			break;
		default:
			b[rn(r, sizeof(req))] ^= 1 << rn(r, 8);
			strcat(z->what, " bit flip");
			break;
		}
	}
	memcpy(z->iu, &req, sizeof(req));
	z->len = len;
	p.raw = &req;
	p.raw_len = len;
	p.nrecv = p.max_recv = 8;
	p.nsend = 8;
	p.data_len = 4096;
	/* an accepted SINGLE_CHANNEL login (of ours: the ACL) ends the fuzz channel */
	ours_single = !((len > 10 ? req.req_flags : 0) & SRP_MULTICHAN_MULTI);
	z->logins++;
	c = srp_connect(&p, &res);
	if (c) {
		struct srp_login_rsp *s = &res.rsp;

		if (s->opcode != SRP_LOGIN_RSP || s->tag != req.tag ||
		    be32toh(s->max_it_iu_len) != be32toh(req.req_it_iu_len) ||
		    be32toh(s->max_it_iu_len) < 64 || s->rsp_flags & 0x7c)
			anomaly(z, "%s", "malformed SRP_LOGIN_RSP or a login that should have been rejected");
		else if (z->c && (s->rsp_flags & 3) != (ours_single ? 1 : 2))
			anomaly(z, "%s", "wrong MULTI-CHANNEL RESULT in the SRP_LOGIN_RSP");
		else if (clear_ua(c) && !conn_dead(c))
			anomaly(z, "%s", "accepted channel does not answer TEST UNIT READY");
		conn_close(c);
		if (z->c && ours_single) {
			/* SRP r16a 5.6.2: the target terminates the old channel */
			if (conn_wait_dead(z->c, 10000))
				anomaly(z, "%s", "a SINGLE_CHANNEL login did not terminate the fuzz channel");
			else
				z->explained_deaths++;
			conn_pump(z->c, 0);
			z->c->t_logout_checked = true;
			if (z->c->t_logouts != 1 || z->c->t_logout_reason != 4) {
				char d[64];

				snprintf(d, sizeof(d), "%llu SRP_T_LOGOUT(s), reason 0x%x",
					 (unsigned long long)z->c->t_logouts, z->c->t_logout_reason);
				anomaly(z, "the channel ended by a SINGLE_CHANNEL login got %s; want one, reason 0x4", d);
			}
			conn_close(z->c);
			z->c = NULL;
			return 0;
		}
	} else if (res.outcome == LOGIN_REJECTED) {
		uint32_t reason = be32toh(res.rej.reason);

		if (res.rej.opcode != SRP_LOGIN_REJ || reason < 0x00010000 || reason > 0x00010006) {
			char d[64];

			snprintf(d, sizeof(d), "opcode 0x%02x reason 0x%08x", res.rej.opcode, reason);
			anomaly(z, "malformed SRP_LOGIN_REJ: %s", d);
		}
	} else {
		anomaly(z, "login neither accepted nor rejected: %s", res.err);
	}
	if (z->c && conn_pump(z->c, 0) >= 0 && conn_dead(z->c)) {
		anomaly(z, "%s", "the fuzz channel died after a login that should not affect it");
		conn_close(z->c);
		z->c = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------- IU cases */

/* byte ranges of the template that hold addresses/keys/lengths */
struct span {
	size_t off, len;
};

static void mark(struct span *sp, int *n, size_t off, size_t len)
{
	sp[(*n)++] = (struct span){ off, len };
}

static bool touches(const struct span *sp, int n, size_t off)
{
	int i;

	for (i = 0; i < n; i++)
		if (off >= sp[i].off && off < sp[i].off + sp[i].len)
			return true;
	return false;
}

/*
 * Byte @off of the template IU was mutated: that explains a channel death
 * when it is in a memory descriptor, and may move the descriptors when it
 * is the format, a descriptor count or the ADDITIONAL CDB LENGTH.
 */
static void note_mutated(struct fz *z, const struct span *sp, int nsp, size_t off)
{
	if (touches(sp, nsp, off))
		z->explained = true;
	if (off == 5 || off == 6 || off == 7 || off == ADD_CDB_OFF)
		z->desc_changed = true;
}

static size_t template_iu(struct fz *z, struct rng *r, struct span *sp, int *nsp)
{
	struct conn *c = z->c;
	uint8_t *iu = z->iu, cdb[16];
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	uint64_t tag = conn_tag(c);
	uint32_t lba = cfg.lba + rn(r, 1024), blocks = 1 + rn(r, 16), len = blocks * 512;
	size_t n, doff = rn(r, 256) * 512;
	int t = rn(r, 10), i;

	*nsp = 0;
	switch (t) {
	case 0:
		cdb_tur(cdb);
		n = build_cmd(iu, tag, cfg.lun, cdb, 6);
		snprintf(z->what, sizeof(z->what), "TUR");
		break;
	case 1:
	case 2:
		cdb_rw10(cdb, t == 1 ? SCSI_READ_10 : SCSI_WRITE_10, lba, blocks);
		n = build_cmd(iu, tag, cfg.lun, cdb, 10);
		n = add_direct(iu, n, (uintptr_t)(c->data + doff), c->dmr->rkey, len);
		mark(sp, nsp, 48, 16);
		cmd->buf_fmt = t == 1 ? SRP_DATA_DESC_DIRECT : SRP_DATA_DESC_DIRECT << 4;
		if (t == 1)
			cmd->data_in_desc_cnt = 1;
		else
			cmd->data_out_desc_cnt = 1;
		snprintf(z->what, sizeof(z->what), "%s direct", t == 1 ? "READ" : "WRITE");
		break;
	case 3:
	case 4: {
		/* inline indirect, 2 or 3 descriptors */
		int nd = 2 + rn(r, 2);
		struct srp_indirect_buf ib;

		cdb_rw10(cdb, t == 3 ? SCSI_READ_10 : SCSI_WRITE_10, lba, nd * 2);
		n = build_cmd(iu, tag, cfg.lun, cdb, 10);
		ib.table_desc.va = htobe64((uintptr_t)(iu + 68));
		ib.table_desc.key = 0;
		ib.table_desc.len = htobe32(nd * 16);
		ib.len = htobe32(nd * 1024);
		memcpy(iu + 48, &ib, 20);
		mark(sp, nsp, 48, 20);
		for (i = 0; i < nd; i++) {
			add_direct(iu, 68 + 16 * i, (uintptr_t)(c->data + doff + 65536 * i),
				   c->dmr->rkey, 1024);
			mark(sp, nsp, 68 + 16 * i, 16);
		}
		n = 68 + 16 * nd;
		cmd->buf_fmt = t == 3 ? SRP_DATA_DESC_INDIRECT : SRP_DATA_DESC_INDIRECT << 4;
		if (t == 3)
			cmd->data_in_desc_cnt = nd;
		else
			cmd->data_out_desc_cnt = nd;
		snprintf(z->what, sizeof(z->what), "%s inline indirect x%d", t == 3 ? "READ" : "WRITE", nd);
		break;
	}
	case 5: {
		/* external table of 4 in the data buffer at 3 MiB */
		struct srp_direct_buf d[4];
		struct srp_indirect_buf ib;
		bool rd = rn(r, 2);

		for (i = 0; i < 4; i++)
			d[i] = (struct srp_direct_buf){ htobe64((uintptr_t)(c->data + 2 * MiB + 65536 * i)),
							htobe32(c->dmr->rkey), htobe32(512) };
		memcpy(c->data + 3 * MiB, d, sizeof(d));
		cdb_rw10(cdb, rd ? SCSI_READ_10 : SCSI_WRITE_10, lba, 4);
		n = build_cmd(iu, tag, cfg.lun, cdb, 10);
		ib.table_desc = (struct srp_direct_buf){ htobe64((uintptr_t)(c->data + 3 * MiB)),
							 htobe32(c->dmr->rkey), htobe32(64) };
		ib.len = htobe32(2048);
		memcpy(iu + 48, &ib, 20);
		memcpy(iu + 68, d, 16);
		mark(sp, nsp, 48, 36);
		n = 84;
		cmd->buf_fmt = rd ? SRP_DATA_DESC_INDIRECT : SRP_DATA_DESC_INDIRECT << 4;
		if (rd)
			cmd->data_in_desc_cnt = 1;
		else
			cmd->data_out_desc_cnt = 1;
		snprintf(z->what, sizeof(z->what), "%s external table", rd ? "READ" : "WRITE");
		break;
	}
	case 6: {
		uint32_t be = htobe32(len);

		cdb_rw10(cdb, SCSI_WRITE_10, lba, blocks);
		n = build_cmd(iu, tag, cfg.lun, cdb, 10);
		cmd->buf_fmt = SRP_DATA_DESC_IMM << 4;
		memcpy(iu + 48, &be, 4);
		memset(iu + 52, 0, 16);
		fill_pattern(iu + 68, len, (uint32_t)tag);
		n = 68 + len;
		snprintf(z->what, sizeof(z->what), "WRITE immediate %u", len);
		break;
	}
	case 7:
		if (rn(r, 2)) {
			cdb_inquiry(cdb, 96);
			n = build_cmd(iu, tag, cfg.lun, cdb, 6);
			snprintf(z->what, sizeof(z->what), "INQUIRY");
		} else {
			cdb_report_luns(cdb, 256);
			n = build_cmd(iu, tag, cfg.lun, cdb, 12);
			snprintf(z->what, sizeof(z->what), "REPORT LUNS");
		}
		n = add_direct(iu, n, (uintptr_t)(c->data + doff), c->dmr->rkey, 256);
		mark(sp, nsp, 48, 16);
		cmd->buf_fmt = SRP_DATA_DESC_DIRECT;
		cmd->data_in_desc_cnt = 1;
		break;
	case 8: {
		/* task management: ABORT TASK of nothing, or others */
		static const uint8_t funcs[] = { SRP_TSK_ABORT_TASK, SRP_TSK_ABORT_TASK_SET,
						 SRP_TSK_CLEAR_TASK_SET, SRP_TSK_CLEAR_ACA, 0x20 };
		uint8_t f = funcs[rn(r, ARRAY_SIZE(funcs))];

		n = build_tmf(iu, tag, rn(r, 4) ? cfg.lun : cfg.bad_lun, f, rnd(r));
		snprintf(z->what, sizeof(z->what), "TSK_MGMT 0x%02x", f);
		break;
	}
	default: {
		/* a CDB from the harmless list, random bytes after the opcode */
		cdb[0] = safe_ops[rn(r, ARRAY_SIZE(safe_ops))];
		for (i = 1; i < 16; i++)
			cdb[i] = rn(r, 3) ? 0 : rnd(r);
		if (cdb[0] == 0x2a || cdb[0] == 0x8a || cdb[0] == 0xaa) {
			/* keep writes in the scratch area: LBA bytes from the template */
			cdb_rw10(cdb, SCSI_WRITE_10, lba, blocks);
		}
		n = build_cmd(iu, tag, cfg.lun, cdb, 16);
		n = add_direct(iu, n, (uintptr_t)(c->data + doff), c->dmr->rkey, len);
		mark(sp, nsp, 48, 16);
		cmd->buf_fmt = cdb[0] == 0x2a ? SRP_DATA_DESC_DIRECT << 4 : SRP_DATA_DESC_DIRECT;
		if (cdb[0] == 0x2a)
			cmd->data_out_desc_cnt = 1;
		else
			cmd->data_in_desc_cnt = 1;
		snprintf(z->what, sizeof(z->what), "CDB 0x%02x", cdb[0]);
		break;
	}
	}
	return n;
}

static bool fmt_is_mem(uint8_t f)
{
	return f == SRP_DATA_DESC_DIRECT || f == SRP_DATA_DESC_INDIRECT;
}

/*
 * The SRP_T_LOGOUT reasons (bit n: reason n) the target must answer @iu
 * with before it disconnects (SRP r16a 6.5), 0 if none. *must: the
 * SRP_T_LOGOUT is required; an SRP_CMD too short for its header but with
 * an unsupported format may get either that or a CHECK CONDITION.
 */
static uint32_t want_t_logout(const struct conn *c, const uint8_t *iu, size_t len, bool *must)
{
	uint8_t out, in;
	uint32_t m = 0;

	*must = true;
	if (len < 16)
		return 1u << 0x2;	/* no room for opcode and tag */
	switch (iu[0]) {
	case SRP_TSK_MGMT:
	case SRP_I_LOGOUT:
		*must = false;
		return 0;
	case SRP_CRED_RSP:
	case SRP_AER_RSP:
		return 1u << 0x3;	/* we never answer with a tag of the target's */
	case SRP_CMD:
		break;
	default:
		return 1u << 0x2;	/* invalid IU type, or SRP_LOGIN_REQ */
	}
	out = iu[5] >> 4;
	in = iu[5] & 15;
	if (out > SRP_DATA_DESC_IMM || (out == SRP_DATA_DESC_IMM && !c->imm))
		m |= 1u << 0x6;
	if (in >= SRP_DATA_DESC_IMM)
		m |= 1u << 0x7;
	*must = m && len >= sizeof(struct srp_cmd);
	return m;
}

static void mutate_iu(struct fz *z, struct rng *r, const struct span *sp, int nsp)
{
	uint8_t *iu = z->iu;
	int nmut = 1 + rn(r, 3), i;
	size_t off;
	uint32_t v;

	for (i = 0; i < nmut; i++) {
		switch (rn(r, 12)) {
		case 0:	/* bit flip in the header */
			off = rn(r, z->len < 96 ? z->len : 96);
			if (off == 32)	/* the CDB opcode is changed only from the list */
				off = 33;
			if (off >= z->len)
				break;
			iu[off] ^= 1 << rn(r, 8);
			note_mutated(z, sp, nsp, off);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " flip@%zu", off);
			break;
		case 1:	/* interesting byte */
			off = rn(r, z->len < 96 ? z->len : 96);
			if (off == 32 || off >= z->len)
				break;
			iu[off] = interesting8[rn(r, ARRAY_SIZE(interesting8))];
			note_mutated(z, sp, nsp, off);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " byte@%zu=0x%02x", off, iu[off]);
			break;
		case 2:	/* truncate */
			z->len = rn(r, z->len + 1);
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " len=%zu", z->len);
			break;
		case 3:	/* extend with garbage */
			v = rn(r, 2) ? rn(r, 256) : rn(r, z->c->max_it + 64);
			if (z->len + v > sizeof(z->iu))
				break;
			for (off = z->len; off < z->len + v; off++) {
				iu[off] = rnd(r);
				/* after a truncation: template bytes again */
				note_mutated(z, sp, nsp, off);
			}
			if (z->len <= 32 && z->len + v > 32)	/* a harmless opcode */
				iu[32] = safe_ops[rn(r, ARRAY_SIZE(safe_ops))];
			z->len += v;
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " len=%zu", z->len);
			break;
		case 4:	/* buf_fmt */
			iu[5] = rn(r, 2) ? interesting8[rn(r, ARRAY_SIZE(interesting8))] : rnd(r);
			z->desc_changed = true;	/* may now point a different direction */
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " fmt=0x%02x", iu[5]);
			break;
		case 5:	/* descriptor counts */
			iu[6 + rn(r, 2)] = interesting8[rn(r, ARRAY_SIZE(interesting8))];
			z->desc_changed = true;
			strcat(z->what, " desc_cnt");
			break;
		case 6:	/* add_cdb_len */
			iu[ADD_CDB_OFF] = interesting8[rn(r, ARRAY_SIZE(interesting8))];
			z->desc_changed = true;	/* descriptors move */
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " add_cdb=0x%02x", iu[ADD_CDB_OFF]);
			break;
		case 7:	/* a 32-bit length field: imm len / desc len / total len */
			if (z->len < 52)
				break;
			off = 48 + 4 * rn(r, (z->len - 48) / 4 < 12 ? (z->len - 48) / 4 : 12);
			v = htobe32(interesting32[rn(r, ARRAY_SIZE(interesting32))]);
			if (off + 4 > z->len)
				break;
			memcpy(iu + off, &v, 4);
			if (touches(sp, nsp, off))	/* not an immediate data length */
				z->explained = true;
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " u32@%zu=0x%x", off, be32toh(v));
			break;
		case 8:	/* task attribute / LUN */
			if (rn(r, 2))
				iu[offsetof(struct srp_cmd, task_attr)] = rn(r, 8);
			else
				iu[21] = rn(r, 4);	/* LUN (offset 20 in SRP_CMD and SRP_TSK_MGMT) */
			strcat(z->what, " attr/lun");
			break;
		case 9:	/* opcode */
			iu[0] = rn(r, 2) ? interesting8[rn(r, ARRAY_SIZE(interesting8))] : rnd(r);
			if (iu[0] == SRP_I_LOGOUT)
				z->explained = true;
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " op=0x%02x", iu[0]);
			break;
		case 10:	/* CDB bytes after the opcode */
			off = 33 + rn(r, 15);
			if (off < z->len)
				iu[off] = rnd(r);
			strcat(z->what, " cdb byte");
			break;
		default:	/* CDB opcode from the harmless list */
			if (z->len > 32)
				iu[32] = safe_ops[rn(r, ARRAY_SIZE(safe_ops))];
			snprintf(z->what + strlen(z->what), sizeof(z->what) - strlen(z->what),
				 " cdb0=0x%02x", iu[32]);
			break;
		}
	}
	if (z->len > z->c->max_it)
		z->explained = true;
	/* SRP r16a 6.3: an SRP_I_LOGOUT ends the channel, mutated or not. */
	if (z->len >= 1 && z->iu[0] == SRP_I_LOGOUT)
		z->explained = true;
	/*
	 * A changed format, count or descriptor offset can only make the
	 * target touch memory it should not when the SRP_CMD still has a
	 * direct or indirect descriptor; anything else is in-bounds and
	 * malformed: an SRP_RSP (or SRP_T_LOGOUT, see want_t_logout()).
	 */
	if (z->desc_changed && z->len > 5 && z->iu[0] == SRP_CMD &&
	    (fmt_is_mem(z->iu[5] >> 4) || fmt_is_mem(z->iu[5] & 15)))
		z->explained = true;
	/* a writing CDB whose direction/format got mutated may write anywhere */
}

static void fuzz_iu(struct fz *z, struct rng *r)
{
	struct conn *c = z->c;
	struct span sp[8];
	uint64_t tag = 0;
	bool got = false;
	uint8_t status = 0xff;
	struct iu *a;
	uint8_t cdb[6];
	uint32_t want;
	bool must;
	int nsp;

	z->explained = false;
	z->desc_changed = false;
	z->len = template_iu(z, r, sp, &nsp);
	mutate_iu(z, r, sp, nsp);
	if (z->len >= 16)
		memcpy(&tag, z->iu + 8, 8);
	want = want_t_logout(c, z->iu, z->len, &must);
	/*
	 * An IU longer than MAX_IT_IU_LEN may not fit the receive buffer:
	 * the receive fails and the QP dies before the target sees the IU.
	 */
	if (z->len > c->max_it)
		must = false;
	z->need_answer = z->len >= 16 && (z->iu[0] == SRP_CMD || z->iu[0] == SRP_TSK_MGMT) &&
			 !must;
	z->ius++;
	if (conn_send(c, z->iu, z->len)) {
		anomaly(z, "%s", "could not send the IU");
		goto dead;
	}
	if (z->need_answer) {
		a = conn_wait_tag(c, tag, 10000);
		if (a) {
			struct rsp_info ri;
			char err[160];

			got = true;
			z->answered++;
			status = a->len >= 36 ? a->buf[19] : 0xff;
			if (parse_rsp(a->buf, a->len, c->max_ti, &ri, err, sizeof(err)))
				anomaly(z, "malformed SRP_RSP: %s", err);
			else if ((z->iu[0] == SRP_TSK_MGMT) != !!(ri.flags & SRP_RSP_FLAG_RSPVALID))
				anomaly(z, "%s", "RSPVALID does not match the request type");
			free(a);
		}
	} else if (must) {
		conn_wait_dead(c, 10000);
	} else {
		conn_quiet(c, 20);
	}
	conn_pump(c, 0);
	c->t_logout_checked = true;	/* checked here and at dead: */
	if (c->t_logouts && !conn_dead(c))
		conn_wait_dead(c, 5000);	/* an SRP_T_LOGOUT comes before the disconnect */
	/* anything else that arrived must be an SRP_RSP too */
	while ((a = c->q_head ? conn_wait_iu(c, 0) : NULL)) {
		if (a->len < 36 || a->buf[0] != SRP_RSP)
			anomaly(z, "%s", "unexpected IU from the target");
		free(a);
	}
	if (conn_dead(c))
		goto dead;
	if (must) {
		char d[64];

		snprintf(d, sizeof(d), "0x%x", want);
		anomaly(z, "the channel is still up after an IU that calls for SRP_T_LOGOUT (reasons mask %s) and a disconnect", d);
	}
	if (c->t_logouts) {
		char d[64];

		snprintf(d, sizeof(d), "reason 0x%x", c->t_logout_reason);
		anomaly(z, "SRP_T_LOGOUT (%s) but the channel stayed up", d);
	}
	if (z->need_answer && !got)
		anomaly(z, "%s", "SRP_CMD/SRP_TSK_MGMT not answered within 10 s on a live channel");
	/* the known-good command, and every credit back */
	cdb_tur(cdb);
	if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &a, 10000)) {
		if (conn_dead(c))
			goto dead;
		anomaly(z, "%s", "the target no longer answers a known-good TEST UNIT READY");
		return;
	}
	{
		struct rsp_info ri;
		char err[160];

		if (parse_rsp(a->buf, a->len, c->max_ti, &ri, err, sizeof(err)))
			anomaly(z, "malformed answer to the known-good TEST UNIT READY: %s", err);
	}
	free(a);
	{	/* credits may come in an SRP_CRED_REQ shortly after */
		double end = now_s() + 1;

		while (c->credits != c->req_lim0 && !conn_dead(c) && now_s() < end)
			conn_pump(c, 50);
	}
	if (c->credits == c->req_lim0 + 1 && got && status == SAM_STAT_CHECK_CONDITION &&
	    z->len > 5 && z->iu[0] == SRP_CMD && z->iu[5] >> 4 == SRP_DATA_DESC_IMM &&
	    cfg.tolerate_imm_repost) {
		/* see the case iu_imm_cc_credit: the ring is now corrupt */
		z->known_bugs++;
		msg("fuzz: case %llu (%s): target bug fixed in a1201a9 (receive buffer of a refused immediate-data command posted twice); new channel",
		    (unsigned long long)z->idx, z->what);
		conn_close(c);
		z->c = NULL;
		return;
	}
	if (c->credits != c->req_lim0) {
		char d[64];

		snprintf(d, sizeof(d), "%lld of %lld", (long long)c->credits, (long long)c->req_lim0);
		anomaly(z, "credits not all returned: %s", d);
		c->credits = c->req_lim0;	/* report once */
	}
	return;
dead:
	conn_pump(c, 100);	/* an SRP_T_LOGOUT behind the disconnect */
	c->t_logout_checked = true;
	if (c->t_logouts) {
		uint32_t rs = c->t_logout_reason;
		char d[96];

		if (c->t_logouts == 1 && ((rs < 32 && want & (1u << rs)) ||
					  (!want && !rs && z->explained))) {
			z->t_logouts++;
			z->explained_deaths++;
		} else {
			snprintf(d, sizeof(d), "%llu SRP_T_LOGOUT(s), reason 0x%x; want reasons mask 0x%x",
				 (unsigned long long)c->t_logouts, rs, want);
			anomaly(z, "wrong SRP_T_LOGOUT: %s", d);
		}
	} else if (must) {
		char d[160];

		/* how it died: a CM disconnect, or an error completion first */
		snprintf(d, sizeof(d), "0x%x; CM disconnect %s, first WC error %s, %llu IUs received",
			 want, c->disconnected ? "seen" : "not seen",
			 c->first_wc_err >= 0 ? ibv_wc_status_str(c->first_wc_err) : "none",
			 (unsigned long long)c->ius_recvd);
		anomaly(z, "the channel closed without the SRP_T_LOGOUT (reasons mask %s) the IU calls for", d);
	} else if (z->explained) {
		z->explained_deaths++;
	} else {
		char d[96];

		snprintf(d, sizeof(d), "first WC error %s, %s",
			 c->first_wc_err >= 0 ? ibv_wc_status_str(c->first_wc_err) : "none",
			 c->disconnected ? "disconnected by the target" : "QP error");
		anomaly(z, "the channel died and the mutation does not explain it: %s", d);
	}
	conn_close(c);
	z->c = NULL;
}

int fuzz_main(const struct fuzz_opts *fo)
{
	struct fz *z = calloc(1, sizeof(*z));
	double t0 = now_s(), last = t0;
	char hit[256];
	uint64_t idx, done = 0;
	int broken = 0;

	if (!z)
		return RES_FAIL;
	z->seed = fo->seed;
	z->kfd = kmsg_open();
	msg("fuzz: seed %llu, cases %llu..%llu, at most %.0f s", (unsigned long long)fo->seed,
	    (unsigned long long)fo->first, (unsigned long long)(fo->first + fo->count - 1),
	    fo->time_s);
	for (idx = fo->first; idx < fo->first + fo->count; idx++) {
		struct rng r = { fo->seed * 0x9e3779b97f4a7c15ULL ^ (idx + 1) * 0xd1b54a32d192ed03ULL };

		if (now_s() - t0 > fo->time_s)
			break;
		if (!z->c && !fz_connect(z)) {
			z->idx = idx ? idx - 1 : 0;
			z->len = 0;
			anomaly(z, "%s", "a known-good login fails after this case");
			broken = 1;
			break;
		}
		rnd(&r);
		z->idx = idx;
		z->len = 0;
		if (rn(&r, 10) == 0)
			fuzz_login(z, &r);
		else
			fuzz_iu(z, &r);
		done++;
		if (kmsg_scan(z->kfd, hit, sizeof(hit)))
			anomaly(z, "kernel log: %s", hit);
		if (check_failures && !fo->keep_going)
			break;
		if (now_s() - last > 10) {
			last = now_s();
			msg("fuzz: %llu cases (%llu logins, %llu IUs, %llu answered, %llu explained channel deaths), %.0f s",
			    (unsigned long long)done, (unsigned long long)z->logins,
			    (unsigned long long)z->ius, (unsigned long long)z->answered,
			    (unsigned long long)z->explained_deaths, now_s() - t0);
		}
	}
	if (z->c)
		conn_close(z->c);
	msg("fuzz: seed %llu: %llu cases in %.1f s: %llu logins, %llu IUs (%llu answered), %llu explained channel deaths (%llu by SRP_T_LOGOUT), %llu known-bug hits, %d anomalies",
	    (unsigned long long)fo->seed, (unsigned long long)done, now_s() - t0,
	    (unsigned long long)z->logins, (unsigned long long)z->ius,
	    (unsigned long long)z->answered, (unsigned long long)z->explained_deaths,
	    (unsigned long long)z->t_logouts,
	    (unsigned long long)z->known_bugs, check_failures);
	if (!broken && health_check("the fuzz run")) {
		z->idx = idx ? idx - 1 : 0;
		z->len = 0;
		anomaly(z, "%s", "the health check fails after the run");
	}
	sleep_ms(500);
	if (kmsg_scan(z->kfd, hit, sizeof(hit)))
		anomaly(z, "kernel log: %s", hit);
	free(z);
	return check_failures ? RES_FAIL : RES_PASS;
}
