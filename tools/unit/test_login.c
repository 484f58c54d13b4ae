// SPDX-License-Identifier: GPL-2.0
/*
 * Logins: SRP_LOGIN_REQ (SRP r16a 6.2) in its IB/CM and RDMA/CM layouts,
 * the checks that need no configuration, SRP_LOGIN_RSP (6.3) and
 * SRP_LOGIN_REJ (6.4), byte for byte:
 *
 *   SRP_LOGIN_REQ  0 00h, 8-15 TAG, 16-19 REQUESTED MAX_IT_IU_LEN,
 *                  24-25 REQUIRED BUFFER FORMATS, 26 flags (MULTI-CHANNEL
 *                  ACTION 1:0, IMMED 7), 28-29 IMM DATA OFFSET (SRP2),
 *                  32-47 INITIATOR PORT ID, 48-63 TARGET PORT ID
 *   RDMA/CM layout (struct srp_login_req_rdma, no reserved bytes):
 *                  0-7 TAG, 8-9 formats, 10 flags, 11 00h, 12-15 IU LEN,
 *                  16-31 initiator, 32-47 target, 48-49 IMM DATA OFFSET
 *   SRP_LOGIN_RSP  0 C0h, 4-7 REQUEST LIMIT DELTA, 8-15 TAG,
 *                  16-19 MAX_IT_IU_LEN, 20-23 MAX_TI_IU_LEN,
 *                  24-25 SUPPORTED BUFFER FORMATS, 26 flags (52 bytes)
 *   SRP_LOGIN_REJ  0 C2h, 4-7 REASON, 8-15 TAG,
 *                  24-25 SUPPORTED BUFFER FORMATS (32 bytes)
 */
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>

#include "srpt_proto.h"
#include "unit.h"

#define GUID	0x0002c90300a1b2c3ull
#define MAX_REQ	8260

static const uint8_t tag[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
static const uint8_t i_port[16] = {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0, 0xff, 0xfe, 0x12, 0x34, 0x57,
};
static uint8_t req[64], rsp[128], want[128];

/* An SRP_LOGIN_REQ in the IB/CM layout for our target port. */
static void login_req(uint32_t iu_len, uint16_t fmt, uint8_t flags,
		      uint16_t imm_off)
{
	memset(req, 0, sizeof(req));
	req[0] = 0x00;
	memcpy(req + 8, tag, 8);
	put_be32(req + 16, iu_len);
	put_be16(req + 24, fmt);
	req[26] = flags;
	put_be16(req + 28, imm_off);
	memcpy(req + 32, i_port, 16);
	put_be64(req + 48, GUID);	/* ID_EXT */
	put_be64(req + 56, GUID);	/* IOC GUID */
}

static bool decode(struct srpt_login *lg)
{
	uint8_t *b = malloc(64);
	bool ok;

	memcpy(b, req, 64);
	memset(lg, 0, sizeof(*lg));
	ok = srpt_decode_login_req(lg, (struct srp_login_req *)b);
	free(b);
	return ok;
}

static bool valid(struct srpt_login *lg)
{
	return srpt_login_is_valid(lg, "initiator", MAX_REQ, GUID);
}

static void decoding(void)
{
	struct srpt_login lg, zero = {};
	uint8_t *b;

	unit_begin("SRP_LOGIN_REQ (IB/CM): every field decoded from its offset");
	login_req(8260, 0x0006, 0x81, 80);
	CHECK(decode(&lg));
	CHECK_MEM(&lg.tag, tag, 8);
	CHECK_EQ(lg.req_it_iu_len, 8260);
	CHECK_EQ(lg.req_buf_fmt, 0x0006);
	CHECK_EQ(lg.req_flags, 0x81);
	CHECK_EQ(lg.imm_data_offset, 80);
	CHECK_MEM(lg.i_port_id, i_port, 16);
	CHECK_MEM(lg.t_port_id, req + 48, 16);
	unit_end();

	unit_begin("SRP_LOGIN_REQ (IB/CM): another IU type is no login, login untouched");
	login_req(8260, 0x0006, 0, 0);
	req[0] = 0x02;
	CHECK(!decode(&lg));
	CHECK_MEM(&lg, &zero, sizeof(lg));
	unit_end();

	unit_begin("SRP_LOGIN_REQ (RDMA/CM layout): every field decoded from its offset");
	b = malloc(56);
	memset(b, 0, 56);
	memcpy(b, tag, 8);
	put_be16(b + 8, 0x0002);
	b[10] = 0x01;
	b[11] = 0x00;
	put_be32(b + 12, 4096);
	memcpy(b + 16, i_port, 16);
	put_be64(b + 32, GUID);
	put_be64(b + 40, GUID + 1);
	put_be16(b + 48, 64);
	memset(&lg, 0, sizeof(lg));
	CHECK(srpt_decode_login_req_rdma(&lg, (struct srp_login_req_rdma *)b, 56));
	CHECK_MEM(&lg.tag, tag, 8);
	CHECK_EQ(lg.req_buf_fmt, 0x0002);
	CHECK_EQ(lg.req_flags, 0x01);
	CHECK_EQ(lg.req_it_iu_len, 4096);
	CHECK_MEM(lg.i_port_id, i_port, 16);
	CHECK_MEM(lg.t_port_id, b + 32, 16);
	CHECK_EQ(lg.imm_data_offset, 64);
	unit_end();

	unit_begin("SRP_LOGIN_REQ (RDMA/CM layout): 55 bytes of private data is no login");
	memset(&lg, 0, sizeof(lg));
	CHECK(!srpt_decode_login_req_rdma(&lg, (struct srp_login_req_rdma *)b, 55));
	CHECK_MEM(&lg, &zero, sizeof(lg));
	unit_end();

	unit_begin("SRP_LOGIN_REQ (RDMA/CM layout): IU type at byte 11 must be 00h");
	b[11] = 0x02;
	CHECK(!srpt_decode_login_req_rdma(&lg, (struct srp_login_req_rdma *)b, 56));
	CHECK_MEM(&lg, &zero, sizeof(lg));
	unit_end();
	free(b);

	unit_begin("struct srp_login_req is 64 bytes, the RDMA/CM layout 56");
	CHECK_EQ(sizeof(struct srp_login_req), 64);
	CHECK_EQ(sizeof(struct srp_login_req_rdma), 56);
	CHECK_EQ(sizeof(struct srp_login_rsp), 52);
	CHECK_EQ(sizeof(struct srp_login_rej), 32);
	unit_end();
}

static void checks(void)
{
	static const struct {
		uint32_t iu_len;
		uint16_t fmt;
		uint64_t id_ext, ioc_guid;
		uint32_t reason;
		enum srpt_login_stat stat;
		const char *log;
		const char *what;
	} t[] = {
		{ 64, 0x0006, GUID, GUID, 0, SRPT_LOGIN_ACCEPTED, NULL,
		  "REQ_IT_IU_LEN 64 (the least)" },
		{ 63, 0x0006, GUID, GUID, 0x00010000, SRPT_LOGIN_REJ_IU_LEN,
		  "is below 64", "REQ_IT_IU_LEN 63: UNABLE TO ESTABLISH CHANNEL" },
		{ 0, 0x0006, GUID, GUID, 0x00010000, SRPT_LOGIN_REJ_IU_LEN,
		  "is below", "REQ_IT_IU_LEN 0" },
		{ MAX_REQ, 0x0006, GUID, GUID, 0, SRPT_LOGIN_ACCEPTED, NULL,
		  "REQ_IT_IU_LEN srp_max_req_size" },
		{ MAX_REQ + 1, 0x0006, GUID, GUID, 0x00010002,
		  SRPT_LOGIN_REJ_IU_LEN, "exceeds srp_max_req_size 8260",
		  "REQ_IT_IU_LEN srp_max_req_size + 1: IU LENGTH TOO LARGE" },
		{ 0xffffffff, 0x0006, GUID, GUID, 0x00010002,
		  SRPT_LOGIN_REJ_IU_LEN, "exceeds", "REQ_IT_IU_LEN 0xffffffff" },
		{ 4096, 0x0000, GUID, GUID, 0, SRPT_LOGIN_ACCEPTED, NULL,
		  "no buffer format required" },
		{ 4096, 0x0002, GUID, GUID, 0, SRPT_LOGIN_ACCEPTED, NULL,
		  "direct buffers only" },
		{ 4096, 0x0004, GUID, GUID, 0, SRPT_LOGIN_ACCEPTED, NULL,
		  "indirect buffers only" },
		{ 4096, 0x0001, GUID, GUID, 0x00010004, SRPT_LOGIN_REJ_BUF_FMT,
		  "unsupported buffer formats 0x1",
		  "buffer format bit 0: UNSUPPORTED DESCRIPTOR FORMAT" },
		{ 4096, 0x0008, GUID, GUID, 0x00010004, SRPT_LOGIN_REJ_BUF_FMT,
		  "0x8", "buffer format bit 3" },
		{ 4096, 0x8006, GUID, GUID, 0x00010004, SRPT_LOGIN_REJ_BUF_FMT,
		  "0x8006", "buffer format bit 15 with direct and indirect" },
		{ 4096, 0x0006, GUID + 1, GUID, 0x00010003,
		  SRPT_LOGIN_REJ_TARGET_ID, "is not ours",
		  "another ID_EXT: UNABLE TO ASSOCIATE CHANNEL" },
		{ 4096, 0x0006, GUID, GUID ^ (1ull << 63), 0x00010003,
		  SRPT_LOGIN_REJ_TARGET_ID, "is not ours", "another IOC GUID" },
		{ 4096, 0x0006, GUID, GUID ^ 1, 0x00010003,
		  SRPT_LOGIN_REJ_TARGET_ID, "is not ours",
		  "IOC GUID differing in its last byte only" },
		{ 63, 0x0001, GUID + 1, GUID, 0x00010000, SRPT_LOGIN_REJ_IU_LEN,
		  "is below", "every check failing: the IU length is reported" },
		{ 4096, 0x0001, GUID + 1, GUID, 0x00010004,
		  SRPT_LOGIN_REJ_BUF_FMT, "unsupported buffer formats",
		  "formats and target port failing: the formats are reported" },
	};
	struct srpt_login lg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		bool ok = t[i].stat == SRPT_LOGIN_ACCEPTED;

		unit_begin("login check: %s", t[i].what);
		login_req(t[i].iu_len, t[i].fmt, 0, 0);
		put_be64(req + 48, t[i].id_ext);
		put_be64(req + 56, t[i].ioc_guid);
		CHECK(decode(&lg));
		lg.stat = SRPT_LOGIN_ACCEPTED;
		CHECK_EQ(valid(&lg), ok);
		CHECK_EQ(lg.rej_reason, t[i].reason);
		CHECK_EQ(lg.stat, t[i].stat);
		CHECK_LOG(t[i].log);
		unit_end();
	}

	unit_begin("SRP_LOGIN_REJ reasons are SRP r16a 6.4's");
	CHECK_EQ(SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL, 0x00010000);
	CHECK_EQ(SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES, 0x00010001);
	CHECK_EQ(SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE, 0x00010002);
	CHECK_EQ(SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL, 0x00010003);
	CHECK_EQ(SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT, 0x00010004);
	CHECK_EQ(SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED, 0x00010006);
	unit_end();
}

static void login_immediate(void)
{
	static const struct {
		uint8_t flags;
		uint16_t off;
		uint32_t iu_len;
		uint32_t want;
		const char *what;
	} t[] = {
		{ 0x80, 80, 8260, 80, "asked for at 80: granted" },
		{ 0x00, 80, 8260, 0, "offset without the IMMED flag: none" },
		{ 0x80, 52, 8260, 52, "at 52 (48 + 4, the least): granted" },
		{ 0x80, 51, 8260, 0, "at 51: no room for the descriptor" },
		{ 0x80, 0, 8260, 0, "at 0: none" },
		{ 0x80, 8259, 8260, 8259, "at REQ_IT_IU_LEN - 1: granted" },
		{ 0x80, 8260, 8260, 0, "at REQ_IT_IU_LEN: none" },
		{ 0x81, 80, 8260, 80, "with MULTI-CHANNEL ACTION 1: granted" },
	};
	struct srpt_login lg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("immediate data %s", t[i].what);
		login_req(t[i].iu_len, 0x0006, t[i].flags, t[i].off);
		CHECK(decode(&lg));
		CHECK_EQ(srpt_imm_data_offset(&lg), t[i].want);
		unit_end();
	}
}

static void login_rsp(void)
{
	static const struct {
		uint8_t multichan;
		bool imm;
		uint8_t flags;
	} t[] = {
		{ SRP_LOGIN_RSP_MULTICHAN_NO_CHAN, false, 0x00 },
		{ SRP_LOGIN_RSP_MULTICHAN_TERMINATED, false, 0x01 },
		{ SRP_LOGIN_RSP_MULTICHAN_MAINTAINED, false, 0x02 },
		{ SRP_LOGIN_RSP_MULTICHAN_NO_CHAN, true, 0x80 },
		{ SRP_LOGIN_RSP_MULTICHAN_MAINTAINED, true, 0x82 },
	};
	struct srpt_login lg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct srpt_login_grant g = {
			.req_lim = 512,
			.max_it_iu_len = 8260,
			.max_ti_iu_len = 256,
			.multichan = t[i].multichan,
			.imm_data = t[i].imm,
		};

		unit_begin("SRP_LOGIN_RSP: 512 credits, IU 8260/256, flags %02xh",
			   t[i].flags);
		login_req(8260, 0x0006, 0, 0);
		CHECK(decode(&lg));
		memset(&lg.rsp, 0xaa, sizeof(lg.rsp));
		srpt_build_login_rsp(&lg, &g);
		memset(want, 0, 52);
		want[0] = 0xc0;
		put_be32(want + 4, 512);
		memcpy(want + 8, tag, 8);
		put_be32(want + 16, 8260);
		put_be32(want + 20, 256);
		put_be16(want + 24, 0x0006);
		want[26] = t[i].flags;
		CHECK_MEM(&lg.rsp, want, 52);
		unit_end();
	}
}

static void login_rej(void)
{
	static const uint32_t reasons[] = {
		0x00010000, 0x00010001, 0x00010002, 0x00010003, 0x00010004,
		0x00010006,
	};
	struct srpt_login lg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++) {
		unit_begin("SRP_LOGIN_REJ with reason %#010x", reasons[i]);
		login_req(8260, 0x0006, 0, 0);
		CHECK(decode(&lg));
		lg.rej_reason = reasons[i];
		memset(rsp, 0xaa, sizeof(rsp));
		srpt_build_login_rej((struct srp_login_rej *)rsp, &lg);
		memset(want, 0xaa, sizeof(want));
		memset(want, 0, 32);
		want[0] = 0xc2;
		put_be32(want + 4, reasons[i]);
		memcpy(want + 8, tag, 8);
		put_be16(want + 24, 0x0006);	/* direct and indirect */
		CHECK_MEM(rsp, want, 48);
		unit_end();
	}

	unit_begin("SRP_LOGIN_REJ of a request that was no SRP_LOGIN_REQ: tag 0");
	memset(&lg, 0, sizeof(lg));
	lg.rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
	srpt_build_login_rej((struct srp_login_rej *)rsp, &lg);
	memset(want, 0, 32);
	want[0] = 0xc2;
	put_be32(want + 4, 0x00010000);
	put_be16(want + 24, 0x0006);
	CHECK_MEM(rsp, want, 32);
	unit_end();
}

void test_login(void)
{
	decoding();
	checks();
	login_immediate();
	login_rsp();
	login_rej();
}
