// SPDX-License-Identifier: GPL-2.0
/*
 * srp-initiator: building, decoding and checking SRP information units.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srpi.h"

int check_failures;

/* Record a check; prints "FAIL: ..." when it does not hold. */
int check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 0;
	check_failures++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return 1;
}

/* ------------------------------------------------------------ builders */

/* SAM single-level LUN, peripheral/flat addressing as the kernel's int_to_scsilun(). */
void scsi_lun(uint8_t out[8], uint64_t lun)
{
	int i;

	memset(out, 0, 8);
	for (i = 0; i < 8; i += 2) {
		out[i] = (lun >> 8) & 0xff;
		out[i + 1] = lun & 0xff;
		lun >>= 16;
	}
}

/* An SRP_CMD without descriptors; returns its length (48 + additional CDB). */
size_t build_cmd(uint8_t *iu, uint64_t tag, uint64_t lun, const uint8_t *cdb,
		 size_t cdb_len)
{
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	size_t add = cdb_len > 16 ? ((cdb_len - 16 + 3) & ~3UL) : 0;

	memset(iu, 0, sizeof(*cmd) + add);
	cmd->opcode = SRP_CMD;
	cmd->tag = tag;
	scsi_lun(cmd->lun, lun);
	cmd->add_cdb_len = add;
	memcpy(cmd->cdb, cdb, cdb_len);
	return sizeof(*cmd) + add;
}

size_t add_direct(uint8_t *iu, size_t off, uint64_t va, uint32_t key, uint32_t len)
{
	struct srp_direct_buf d = { htobe64(va), htobe32(key), htobe32(len) };

	memcpy(iu + off, &d, sizeof(d));
	return off + sizeof(d);
}

size_t build_tmf(uint8_t *iu, uint64_t tag, uint64_t lun, uint8_t func,
		 uint64_t task_tag)
{
	struct srp_tsk_mgmt *t = (struct srp_tsk_mgmt *)iu;

	memset(t, 0, sizeof(*t));
	t->opcode = SRP_TSK_MGMT;
	t->tag = tag;
	scsi_lun(t->lun, lun);
	t->tsk_mgmt_func = func;
	t->task_tag = task_tag;
	return sizeof(*t);
}

void cdb_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[2] = lba >> 24;
	cdb[3] = lba >> 16;
	cdb[4] = lba >> 8;
	cdb[5] = lba;
	cdb[7] = blocks >> 8;
	cdb[8] = blocks;
}

void cdb_tur(uint8_t cdb[6])
{
	memset(cdb, 0, 6);
}

void cdb_read_capacity10(uint8_t cdb[10])
{
	memset(cdb, 0, 10);
	cdb[0] = SCSI_READ_CAPACITY_10;
}

void cdb_report_luns(uint8_t cdb[12], uint32_t alloc)
{
	memset(cdb, 0, 12);
	cdb[0] = SCSI_REPORT_LUNS;
	cdb[6] = alloc >> 24;
	cdb[7] = alloc >> 16;
	cdb[8] = alloc >> 8;
	cdb[9] = alloc;
}

void cdb_inquiry(uint8_t cdb[6], uint16_t alloc)
{
	memset(cdb, 0, 6);
	cdb[0] = SCSI_INQUIRY;
	cdb[3] = alloc >> 8;
	cdb[4] = alloc;
}

/* ------------------------------------------------------------ decoding */

const char *opcode_name(uint8_t op)
{
	switch (op) {
	case SRP_LOGIN_REQ: return "SRP_LOGIN_REQ";
	case SRP_TSK_MGMT: return "SRP_TSK_MGMT";
	case SRP_CMD: return "SRP_CMD";
	case SRP_I_LOGOUT: return "SRP_I_LOGOUT";
	case SRP_LOGIN_RSP: return "SRP_LOGIN_RSP";
	case SRP_RSP: return "SRP_RSP";
	case SRP_LOGIN_REJ: return "SRP_LOGIN_REJ";
	case SRP_T_LOGOUT: return "SRP_T_LOGOUT";
	case SRP_CRED_REQ: return "SRP_CRED_REQ";
	case SRP_AER_REQ: return "SRP_AER_REQ";
	case SRP_CRED_RSP: return "SRP_CRED_RSP";
	case SRP_AER_RSP: return "SRP_AER_RSP";
	default: return "unknown";
	}
}

static uint64_t lun_of(const uint8_t l[8])
{
	return ((uint64_t)(l[0] & 0x3f) << 8 | l[1]) | ((uint64_t)l[2] << 24 | (uint64_t)l[3] << 16);
}

static void print_desc(const char *pfx, const char *what, const struct srp_direct_buf *d)
{
	printf("%s  %s: va 0x%016llx key 0x%08x len %u\n", pfx, what,
	       (unsigned long long)be64toh(d->va), be32toh(d->key), be32toh(d->len));
}

static void print_cmd(const char *pfx, const uint8_t *buf, size_t len)
{
	const struct srp_cmd *c = (const void *)buf;
	size_t off = sizeof(*c) + (c->add_cdb_len & ~3), i;
	uint8_t fo = c->buf_fmt >> 4, fi = c->buf_fmt & 0xf, f = fo ? fo : fi;
	int n = fo ? c->data_out_desc_cnt : c->data_in_desc_cnt;

	printf("%sSRP_CMD tag 0x%016llx lun %llu task_attr %u buf_fmt 0x%02x out_cnt %u in_cnt %u add_cdb_len %u\n",
	       pfx, (unsigned long long)c->tag, (unsigned long long)lun_of(c->lun),
	       c->task_attr, c->buf_fmt, c->data_out_desc_cnt, c->data_in_desc_cnt,
	       c->add_cdb_len);
	printf("%s  cdb:", pfx);
	for (i = 0; i < 16 + (size_t)(c->add_cdb_len & ~3) && 32 + i < len; i++)
		printf(" %02x", c->cdb[i]);
	putchar('\n');
	if (f == SRP_DATA_DESC_DIRECT && off + 16 <= len) {
		print_desc(pfx, "direct", (const void *)(buf + off));
	} else if (f == SRP_DATA_DESC_INDIRECT && off + 20 <= len) {
		const struct srp_indirect_buf *ib = (const void *)(buf + off);

		print_desc(pfx, "table", &ib->table_desc);
		printf("%s  total len %u\n", pfx, be32toh(ib->len));
		for (i = 0; i < (size_t)n && off + 20 + 16 * (i + 1) <= len; i++)
			print_desc(pfx, "desc", &ib->desc_list[i]);
	} else if (f == SRP_DATA_DESC_IMM && off + 4 <= len) {
		uint32_t l;

		memcpy(&l, buf + off, 4);
		printf("%s  immediate data: len %u\n", pfx, be32toh(l));
	}
}

static void print_rsp(const char *pfx, const uint8_t *buf, size_t len)
{
	const struct srp_rsp *r = (const void *)buf;

	printf("%sSRP_RSP tag 0x%016llx req_lim_delta %u flags 0x%02x status 0x%02x dout_res %u din_res %u sense_len %u resp_len %u\n",
	       pfx, (unsigned long long)r->tag, be32toh(r->req_lim_delta), r->flags,
	       r->status, be32toh(r->data_out_res_cnt), be32toh(r->data_in_res_cnt),
	       be32toh(r->sense_data_len), be32toh(r->resp_data_len));
	if ((r->flags & SRP_RSP_FLAG_RSPVALID) && len >= 40)
		printf("%s  response code 0x%02x\n", pfx, r->data[3]);
	if ((r->flags & SRP_RSP_FLAG_SNSVALID)) {
		size_t s = sizeof(*r) + ((r->flags & SRP_RSP_FLAG_RSPVALID) ? be32toh(r->resp_data_len) : 0);

		if (s + 14 <= len)
			printf("%s  sense: key 0x%x asc 0x%02x ascq 0x%02x\n", pfx,
			       buf[s + 2] & 0xf, buf[s + 12], buf[s + 13]);
	}
}

/* Decode one IU (or login private data) for humans. */
void print_iu(const char *pfx, const uint8_t *buf, size_t len)
{
	if (len == 56 && buf[11] == SRP_LOGIN_REQ && buf[0] != SRP_LOGIN_RSP) {
		const struct srp_login_req_rdma *q = (const void *)buf;

		printf("%sSRP_LOGIN_REQ tag 0x%016llx it_iu_len %u buf_fmt 0x%04x flags 0x%02x imm_off %u\n",
		       pfx, (unsigned long long)q->tag, be32toh(q->req_it_iu_len),
		       be16toh(q->req_buf_fmt), q->req_flags, be16toh(q->imm_data_offset));
	} else if (len == 0) {
		printf("%s(empty)\n", pfx);
		return;
	} else {
		switch (buf[0]) {
		case SRP_CMD:
			if (len >= 48)
				print_cmd(pfx, buf, len);
			break;
		case SRP_RSP:
			if (len >= 36)
				print_rsp(pfx, buf, len);
			break;
		case SRP_TSK_MGMT:
			if (len >= 48) {
				const struct srp_tsk_mgmt *t = (const void *)buf;

				printf("%sSRP_TSK_MGMT tag 0x%016llx lun %llu func 0x%02x task_tag 0x%016llx\n",
				       pfx, (unsigned long long)t->tag,
				       (unsigned long long)lun_of(t->lun), t->tsk_mgmt_func,
				       (unsigned long long)t->task_tag);
			}
			break;
		case SRP_LOGIN_RSP:
			if (len >= 52) {
				const struct srp_login_rsp *r = (const void *)buf;

				printf("%sSRP_LOGIN_RSP tag 0x%016llx req_lim_delta %u max_it_iu_len %u max_ti_iu_len %u buf_fmt 0x%04x rsp_flags 0x%02x\n",
				       pfx, (unsigned long long)r->tag, be32toh(r->req_lim_delta),
				       be32toh(r->max_it_iu_len), be32toh(r->max_ti_iu_len),
				       be16toh(r->buf_fmt), r->rsp_flags);
			}
			break;
		case SRP_CRED_REQ:
			if (len >= 16) {
				const struct srp_cred_req *q = (const void *)buf;

				printf("%sSRP_CRED_REQ tag 0x%016llx req_lim_delta %u\n", pfx,
				       (unsigned long long)q->tag, be32toh(q->req_lim_delta));
			}
			break;
		case SRP_CRED_RSP:
		case SRP_AER_RSP:
			if (len >= 16)
				printf("%s%s tag 0x%016llx\n", pfx, opcode_name(buf[0]),
				       (unsigned long long)*(const uint64_t *)(buf + 8));
			break;
		case SRP_T_LOGOUT:
			if (len >= 16) {
				const struct srp_t_logout *t = (const void *)buf;

				printf("%sSRP_T_LOGOUT tag 0x%016llx reason 0x%08x\n", pfx,
				       (unsigned long long)t->tag, be32toh(t->reason));
			}
			break;
		case SRP_LOGIN_REJ:
			if (len >= 32) {
				const struct srp_login_rej *r = (const void *)buf;

				printf("%sSRP_LOGIN_REJ tag 0x%016llx reason 0x%08x buf_fmt 0x%04x\n",
				       pfx, (unsigned long long)r->tag, be32toh(r->reason),
				       be16toh(r->buf_fmt));
			}
			break;
		default:
			printf("%s%s (0x%02x)\n", pfx, opcode_name(buf[0]), buf[0]);
			break;
		}
	}
	if (cfg.verbose >= 2 || (len < 16 && len))
		hexdump(pfx, buf, len > 256 ? 256 : len);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Structural checks of an SRP_RSP (SRP r16a 6.9): opcode, reserved fields
 * zero, lengths consistent with each other, the IU and MAX_TI_IU_LEN.
 */
int parse_rsp(const uint8_t *buf, size_t len, uint32_t max_ti,
	      struct rsp_info *ri, char *err, size_t errlen)
{
	const struct srp_rsp *r = (const void *)buf;

	memset(ri, 0, sizeof(*ri));
	if (len < sizeof(*r)) {
		snprintf(err, errlen, "IU of %zu bytes is shorter than an SRP_RSP (36)", len);
		return -1;
	}
	ri->tag = r->tag;
	ri->flags = r->flags;
	ri->status = r->status;
	ri->req_lim_delta = be32toh(r->req_lim_delta);
	ri->dout_res = be32toh(r->data_out_res_cnt);
	ri->din_res = be32toh(r->data_in_res_cnt);
	ri->sense_len = be32toh(r->sense_data_len);
	ri->resp_len = be32toh(r->resp_data_len);
	ri->len = len;
	if (r->opcode != SRP_RSP) {
		snprintf(err, errlen, "opcode 0x%02x, not SRP_RSP", r->opcode);
		return -1;
	}
	if (max_ti && len > max_ti) {
		snprintf(err, errlen, "IU of %zu bytes exceeds MAX_TI_IU_LEN %u", len, max_ti);
		return -1;
	}
	if (r->sol_not || r->reserved1[0] || r->reserved1[1] || r->reserved2[0] ||
	    r->reserved2[1]) {
		snprintf(err, errlen, "nonzero reserved/SOLNT bytes");
		return -1;
	}
	if (r->flags & 0xc0) {
		snprintf(err, errlen, "reserved flag bits set (0x%02x)", r->flags);
		return -1;
	}
	if (!(r->flags & SRP_RSP_FLAG_RSPVALID) && ri->resp_len) {
		snprintf(err, errlen, "RESPONSE DATA LIST LENGTH %u without RSPVALID", ri->resp_len);
		return -1;
	}
	if (!(r->flags & SRP_RSP_FLAG_SNSVALID) && ri->sense_len) {
		snprintf(err, errlen, "SENSE DATA LIST LENGTH %u without SNSVALID", ri->sense_len);
		return -1;
	}
	if (!(r->flags & (SRP_RSP_FLAG_DOOVER | SRP_RSP_FLAG_DOUNDER)) && ri->dout_res) {
		snprintf(err, errlen, "DATA-OUT RESIDUAL COUNT %u without DOOVER/DOUNDER", ri->dout_res);
		return -1;
	}
	if (!(r->flags & (SRP_RSP_FLAG_DIOVER | SRP_RSP_FLAG_DIUNDER)) && ri->din_res) {
		snprintf(err, errlen, "DATA-IN RESIDUAL COUNT %u without DIOVER/DIUNDER", ri->din_res);
		return -1;
	}
	if ((r->flags & SRP_RSP_FLAG_DOOVER) && (r->flags & SRP_RSP_FLAG_DOUNDER)) {
		snprintf(err, errlen, "both DOOVER and DOUNDER");
		return -1;
	}
	if ((r->flags & SRP_RSP_FLAG_DIOVER) && (r->flags & SRP_RSP_FLAG_DIUNDER)) {
		snprintf(err, errlen, "both DIOVER and DIUNDER");
		return -1;
	}
	if ((uint64_t)sizeof(*r) + ri->resp_len + ri->sense_len != len) {
		snprintf(err, errlen, "36 + response %u + sense %u != IU length %zu",
			 ri->resp_len, ri->sense_len, len);
		return -1;
	}
	ri->resp = r->data;
	ri->sense = r->data + ri->resp_len;
	return 0;
}

/* Check an SRP_RSP byte for byte against @w; prints every mismatch. */
int check_rsp(const char *what, const struct iu *iu, uint32_t max_ti,
	      uint64_t tag, const struct want *w)
{
	struct rsp_info ri;
	char err[160];
	int f = 0;

	if (!iu)
		return check(false, "%s: no SRP_RSP", what);
	if (parse_rsp(iu->buf, iu->len, max_ti, &ri, err, sizeof(err))) {
		hexdump("   ", iu->buf, iu->len > 128 ? 128 : iu->len);
		return check(false, "%s: malformed SRP_RSP: %s", what, err);
	}
	f |= check(ri.tag == tag, "%s: tag 0x%016llx, want 0x%016llx", what,
		   (unsigned long long)ri.tag, (unsigned long long)tag);
	f |= check(ri.flags == w->flags, "%s: flags 0x%02x, want 0x%02x", what, ri.flags, w->flags);
	f |= check(ri.status == w->status, "%s: status 0x%02x, want 0x%02x", what,
		   ri.status, w->status);
	f |= check(ri.dout_res == w->dout_res, "%s: data-out residual %u, want %u", what,
		   ri.dout_res, w->dout_res);
	f |= check(ri.din_res == w->din_res, "%s: data-in residual %u, want %u", what,
		   ri.din_res, w->din_res);
	if (w->flags & SRP_RSP_FLAG_RSPVALID) {
		f |= check(ri.resp_len == 4, "%s: response data length %u, want 4", what, ri.resp_len);
		if (ri.resp_len == 4) {
			f |= check(all_zero(ri.resp, 3), "%s: response data bytes 0-2 not zero", what);
			f |= check(ri.resp[3] == w->rsp_code, "%s: response code 0x%02x, want 0x%02x",
				   what, ri.resp[3], w->rsp_code);
		}
	}
	if (w->flags & SRP_RSP_FLAG_SNSVALID) {
		/* target_core: fixed format, TRANSPORT_SENSE_BUFFER bytes, cut to fit */
		uint32_t want_len = LIO_SENSE_LEN;
		const uint8_t *s = ri.sense;

		if (max_ti && want_len > max_ti - 36)
			want_len = max_ti - 36;
		f |= check(ri.sense_len == want_len, "%s: sense length %u, want %u", what,
			   ri.sense_len, want_len);
		if (ri.sense_len >= 18) {
			f |= check(s[0] == 0x70, "%s: sense response code 0x%02x, want 0x70 (current, fixed)",
				   what, s[0]);
			f |= check(s[2] == w->key, "%s: sense key byte 0x%02x, want 0x%02x", what,
				   s[2], w->key);
			f |= check(s[7] == 0x0a, "%s: additional sense length %u, want 10", what, s[7]);
			f |= check(s[12] == w->asc && s[13] == w->ascq,
				   "%s: ASC/ASCQ 0x%02x/0x%02x, want 0x%02x/0x%02x", what,
				   s[12], s[13], w->asc, w->ascq);
			f |= check(!s[1] && all_zero(s + 3, 4) && all_zero(s + 8, 4) &&
				   all_zero(s + 14, ri.sense_len - 14),
				   "%s: unexpected nonzero sense bytes", what);
		}
	}
	if (f)
		print_iu("   got: ", iu->buf, iu->len);
	return f ? 1 : 0;
}

/* -------------------------------------------------------------- SCSI */

/*
 * Send one SCSI command with a direct descriptor over [data_off, +len) of
 * the data buffer (none if len == 0 and dir == DIR_NONE) and wait for its
 * SRP_RSP. Returns 0 with *rsp set (caller frees), -1 otherwise.
 */
int scsi_exec(struct conn *c, const uint8_t *cdb, size_t cdb_len, int dir,
	      size_t data_off, uint32_t len, struct iu **rsp, int timeout_ms)
{
	uint8_t iu[128];
	uint64_t tag = conn_tag(c);
	size_t n = build_cmd(iu, tag, cfg.lun, cdb, cdb_len);
	struct srp_cmd *cmd = (struct srp_cmd *)iu;

	if (dir != DIR_NONE) {
		n = add_direct(iu, n, (uintptr_t)(c->data + data_off), c->dmr->rkey, len);
		if (dir == DIR_OUT) {
			cmd->buf_fmt = SRP_DATA_DESC_DIRECT << 4;
			cmd->data_out_desc_cnt = 1;
		} else {
			cmd->buf_fmt = SRP_DATA_DESC_DIRECT;
			cmd->data_in_desc_cnt = 1;
		}
	}
	*rsp = NULL;
	if (conn_send(c, iu, n))
		return -1;
	*rsp = conn_wait_tag(c, tag, timeout_ms);
	return *rsp ? 0 : -1;
}

/*
 * TEST UNIT READY until GOOD: clears unit attentions left by earlier cases
 * (LUN reset, LUN map changes), as any initiator would.
 */
int clear_ua(struct conn *c)
{
	uint8_t cdb[6];
	struct iu *r;
	int i;

	cdb_tur(cdb);
	for (i = 0; i < 5; i++) {
		if (scsi_exec(c, cdb, 6, DIR_NONE, 0, 0, &r, 10000)) {
			msg("   TEST UNIT READY not answered (channel %s, first WC error %d)",
			    conn_dead(c) ? "dead" : "alive", c->first_wc_err);
			return -1;
		}
		if (r->len >= 36 && r->buf[19] == SAM_STAT_GOOD) {	/* srp_rsp.status */
			free(r);
			return 0;
		}
		if (i == 4)
			print_iu("   TEST UNIT READY answer: ", r->buf, r->len);
		free(r);
	}
	return -1;
}

void fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

/* Returns the first mismatching offset, or -1. */
int check_pattern(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (p[i] != (uint8_t)x)
			return (int)i;
	}
	return -1;
}

/* ------------------------------------------------------------ configfs */

int cfs_write(const char *dir, const char *attr, const char *val)
{
	char path[512];
	int fd, ret = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		msg("error: open %s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val)) {
		msg("error: writing '%s' to %s: %s", val, path, strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

int cfs_read(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* ------------------------------------------------------------ kmsg */

static const char *const splat_patterns[] = {
	"WARNING:", "BUG:", "Oops", "hung task", "blocked for more than",
	"general protection fault", "refcount_t:", "Call Trace:", "UBSAN:",
	"KASAN:", "kmemleak", "list_add corruption", "list_del corruption",
};

/* /dev/kmsg positioned at its end, non-blocking; -1 if unavailable. */
int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Read new kernel log records; 1 if one matches a splat pattern. */
int kmsg_scan(int fd, char *hit, size_t hitlen)
{
	char rec[8192];
	ssize_t n;
	size_t i;
	int found = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records */
				continue;
			break;
		}
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(splat_patterns); i++) {
			if (!strstr(rec, splat_patterns[i]))
				continue;
			if (!found && hit) {
				char *m = strchr(rec, ';');

				snprintf(hit, hitlen, "%s", m ? m + 1 : rec);
				hit[strcspn(hit, "\n")] = 0;
			}
			found = 1;
		}
	}
	return found;
}
