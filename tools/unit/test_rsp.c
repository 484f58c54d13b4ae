// SPDX-License-Identifier: GPL-2.0
/*
 * SRP_RSP (SRP r16a 6.9), SRP_T_LOGOUT (6.5) and SRP_CRED_REQ (6.11),
 * compared byte for byte with layouts written out from the standard:
 *
 *   SRP_RSP   0 IU TYPE (C1h)        4-7 REQUEST LIMIT DELTA
 *             8-15 TAG               18 flags: DIUNDER (5), DIOVER (4),
 *                                       DOUNDER (3), DOOVER (2),
 *                                       SNSVALID (1), RSPVALID (0)
 *             19 STATUS              20-23 DATA-OUT RESIDUAL COUNT
 *             24-27 DATA-IN RESIDUAL COUNT
 *             28-31 SENSE DATA LIST LENGTH
 *             32-35 RESPONSE DATA LIST LENGTH
 *             36- response data, then sense data
 *   SRP_T_LOGOUT  0 80h, 4-7 REASON, 8-15 TAG (16 bytes)
 *   SRP_CRED_REQ  0 81h, 4-7 REQUEST LIMIT DELTA, 8-15 TAG (16 bytes)
 */
#include <string.h>
#include <linux/kernel.h>

#include "srpt_proto.h"
#include "unit.h"

static uint8_t buf[1100], want[1100];
static const uint8_t tag[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* Fixed-format sense data: CHECK CONDITION, ILLEGAL REQUEST, 24h/00h. */
static const uint8_t sense18[18] = {
	0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00,
};

static uint64_t tag64(void)
{
	uint64_t t;

	memcpy(&t, tag, 8);
	return t;
}

/* The expected header: all zero but the IU type and the tag. */
static void want_rsp(void)
{
	memset(want, 0xaa, sizeof(want));
	memset(want, 0, 36);
	want[0] = 0xc1;
	memcpy(want + 8, tag, 8);
}

static uint32_t build(uint32_t max_len, uint8_t status, bool out,
		      enum srpt_resid resid, uint32_t cnt, const uint8_t *sense,
		      uint32_t sense_len)
{
	struct srpt_cmd_result res = {
		.tag = tag64(),
		.status = status,
		.data_out = out,
		.resid = resid,
		.resid_count = cnt,
		.sense = sense,
		.sense_len = sense_len,
	};

	memset(buf, 0xaa, sizeof(buf));
	return srpt_build_cmd_rsp((struct srp_rsp *)buf, max_len, &res);
}

static void cmd_rsp(void)
{
	static const struct {
		bool out;
		enum srpt_resid resid;
		uint8_t flag;
		unsigned int off;
		const char *what;
	} r[] = {
		{ true, SRPT_RESID_UNDER, 0x08, 20, "DATA-OUT underflow (DOUNDER)" },
		{ true, SRPT_RESID_OVER, 0x04, 20, "DATA-OUT overflow (DOOVER)" },
		{ false, SRPT_RESID_UNDER, 0x20, 24, "DATA-IN underflow (DIUNDER)" },
		{ false, SRPT_RESID_OVER, 0x10, 24, "DATA-IN overflow (DIOVER)" },
	};
	static const uint32_t counts[] = { 0, 1, 0xffffffff };
	uint8_t sense[96];
	unsigned int i, j;
	uint32_t len;

	unit_begin("SRP_RSP: GOOD, no residual, no sense: 36 bytes");
	len = build(256, 0, true, SRPT_RESID_NONE, 0, NULL, 0);
	want_rsp();
	CHECK_EQ(len, 36);
	CHECK_MEM(buf, want, 36 + 16);
	unit_end();

	unit_begin("SRP_RSP: a residual count without a residual is not reported");
	len = build(256, 0, false, SRPT_RESID_NONE, 4096, NULL, 0);
	CHECK_EQ(len, 36);
	CHECK_MEM(buf, want, 36);
	unit_end();

	for (i = 0; i < ARRAY_SIZE(r); i++)
		for (j = 0; j < ARRAY_SIZE(counts); j++) {
			unit_begin("SRP_RSP: %s of %#x bytes", r[i].what,
				   counts[j]);
			len = build(256, 0, r[i].out, r[i].resid, counts[j],
				    NULL, 0);
			want_rsp();
			want[18] = r[i].flag;
			put_be32(want + r[i].off, counts[j]);
			CHECK_EQ(len, 36);
			CHECK_MEM(buf, want, 36 + 16);
			unit_end();
		}

	unit_begin("SRP_RSP: CHECK CONDITION with 18 bytes of fixed sense data");
	len = build(256, 0x02, true, SRPT_RESID_NONE, 0, sense18, 18);
	want_rsp();
	want[18] = 0x02;
	want[19] = 0x02;
	put_be32(want + 28, 18);
	memcpy(want + 36, sense18, 18);
	CHECK_EQ(len, 36 + 18);
	CHECK_MEM(buf, want, 36 + 18 + 16);
	unit_end();

	for (i = 0; i < sizeof(sense); i++)
		sense[i] = i + 1;
	unit_begin("SRP_RSP: 96 bytes of sense cut to MAX_TI_IU_LEN 64: 28 bytes");
	len = build(64, 0x02, false, SRPT_RESID_NONE, 0, sense, 96);
	want_rsp();
	want[18] = 0x02;
	want[19] = 0x02;
	put_be32(want + 28, 28);
	memcpy(want + 36, sense, 28);
	CHECK_EQ(len, 64);
	CHECK_MEM(buf, want, 64 + 16);
	unit_end();

	unit_begin("SRP_RSP: sense exactly filling MAX_TI_IU_LEN (36 + 28 = 64)");
	len = build(64, 0x02, false, SRPT_RESID_NONE, 0, sense, 28);
	CHECK_EQ(len, 64);
	CHECK_MEM(buf, want, 64 + 16);
	unit_end();

	unit_begin("SRP_RSP: 96 bytes of sense within MAX_TI_IU_LEN 1024: all of it");
	len = build(1024, 0x02, false, SRPT_RESID_NONE, 0, sense, 96);
	CHECK_EQ(len, 36 + 96);
	CHECK_EQ(buf[31], 96);
	CHECK_MEM(buf + 36, sense, 96);
	CHECK_EQ(buf[36 + 96], 0xaa);
	unit_end();

	unit_begin("SRP_RSP: 1 byte of sense");
	len = build(256, 0x02, false, SRPT_RESID_NONE, 0, sense, 1);
	CHECK_EQ(len, 37);
	CHECK_EQ(buf[18], 0x02);
	CHECK_EQ(buf[31], 1);
	CHECK_EQ(buf[36], 1);
	unit_end();

	unit_begin("SRP_RSP: sense length 0 or no sense buffer: no SNSVALID");
	len = build(256, 0x02, false, SRPT_RESID_NONE, 0, sense, 0);
	CHECK_EQ(len, 36);
	CHECK_EQ(buf[18], 0);
	len = build(256, 0x02, false, SRPT_RESID_NONE, 0, NULL, 18);
	CHECK_EQ(len, 36);
	CHECK_EQ(buf[18], 0);
	CHECK_EQ(buf[31], 0);
	unit_end();

	unit_begin("SRP_RSP: TASK SET FULL with a DATA-IN underflow of all 4096 bytes");
	len = build(256, 0x28, false, SRPT_RESID_UNDER, 4096, NULL, 0);
	want_rsp();
	want[18] = 0x20;
	want[19] = 0x28;
	put_be32(want + 24, 4096);
	CHECK_EQ(len, 36);
	CHECK_MEM(buf, want, 36 + 16);
	unit_end();

	unit_begin("SRP_RSP: DATA-OUT overflow and sense together (flags 06h)");
	len = build(256, 0x02, true, SRPT_RESID_OVER, 512, sense18, 18);
	want_rsp();
	want[18] = 0x06;
	want[19] = 0x02;
	put_be32(want + 20, 512);
	put_be32(want + 28, 18);
	memcpy(want + 36, sense18, 18);
	CHECK_EQ(len, 54);
	CHECK_MEM(buf, want, 54 + 16);
	unit_end();
}

static void credits(void)
{
	static const uint32_t d[] = { 0, 1, 0x12345678, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d); i++) {
		unit_begin("SRP_RSP: REQUEST LIMIT DELTA %#x at bytes 4-7, nothing else",
			   d[i]);
		build(256, 0, false, SRPT_RESID_NONE, 0, NULL, 0);
		srpt_set_req_lim_delta((struct srp_rsp *)buf, d[i]);
		want_rsp();
		put_be32(want + 4, d[i]);
		CHECK_MEM(buf, want, 36 + 16);
		unit_end();
	}
}

static void tmf_rsp(void)
{
	static const uint8_t codes[] = { 0x00, 0x02, 0x04, 0x05 };
	unsigned int i;
	uint32_t len;

	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		unit_begin("SRP_RSP to a task management request, RSP_CODE %02xh",
			   codes[i]);
		memset(buf, 0xaa, sizeof(buf));
		len = srpt_build_tmf_rsp((struct srp_rsp *)buf, tag64(),
					 codes[i]);
		want_rsp();
		want[18] = 0x01;		/* RSPVALID */
		put_be32(want + 32, 4);		/* RESPONSE DATA LIST LENGTH */
		memset(want + 36, 0, 4);
		want[39] = codes[i];		/* RSP_CODE, table 23 */
		CHECK_EQ(len, 40);
		CHECK_MEM(buf, want, 40 + 16);
		unit_end();
	}
}

static void target_requests(void)
{
	static const uint32_t reasons[] = { 0x0, 0x2, 0x3, 0x4, 0x6, 0x7 };
	unsigned int i;
	uint32_t len;

	for (i = 0; i < ARRAY_SIZE(reasons); i++) {
		unit_begin("SRP_T_LOGOUT with reason %#x", reasons[i]);
		memset(buf, 0xaa, sizeof(buf));
		len = srpt_build_t_logout((struct srp_t_logout *)buf,
					  reasons[i]);
		memset(want, 0xaa, sizeof(want));
		memset(want, 0, 16);
		want[0] = 0x80;
		put_be32(want + 4, reasons[i]);
		CHECK_EQ(len, 16);
		CHECK_MEM(buf, want, 32);
		unit_end();
	}

	unit_begin("SRP_T_LOGOUT reasons are SRP r16a table 12's");
	CHECK_EQ(SRPT_LOGOUT_NO_REASON, 0x0);
	CHECK_EQ(SRPT_LOGOUT_INVALID_IU_TYPE, 0x2);
	CHECK_EQ(SRPT_LOGOUT_UNSOLICITED_RSP, 0x3);
	CHECK_EQ(SRPT_LOGOUT_MULTICHANNEL, 0x4);
	CHECK_EQ(SRPT_LOGOUT_DATA_OUT_FMT, 0x6);
	CHECK_EQ(SRPT_LOGOUT_DATA_IN_FMT, 0x7);
	unit_end();

	unit_begin("SRP_CRED_REQ returning 7 credits, tag as given");
	memset(buf, 0xaa, sizeof(buf));
	len = srpt_build_cred_req((struct srp_cred_req *)buf, tag64(), 7);
	memset(want, 0xaa, sizeof(want));
	memset(want, 0, 16);
	want[0] = 0x81;
	put_be32(want + 4, 7);
	memcpy(want + 8, tag, 8);
	CHECK_EQ(len, 16);
	CHECK_MEM(buf, want, 32);
	unit_end();
}

void test_rsp(void)
{
	unit_begin("struct srp_rsp is 36 bytes, its data at 36, flags at 18");
	CHECK_EQ(sizeof(struct srp_rsp), 36);
	CHECK_EQ(offsetof(struct srp_rsp, data), 36);
	CHECK_EQ(offsetof(struct srp_rsp, flags), 18);
	CHECK_EQ(sizeof(struct srp_t_logout), 16);
	CHECK_EQ(sizeof(struct srp_cred_req), 16);
	unit_end();

	cmd_rsp();
	credits();
	tmf_rsp();
	target_requests();
}
