// SPDX-License-Identifier: GPL-2.0
/*
 * SRP_TSK_MGMT (SRP r16a 6.7), from bytes laid out after the standard:
 *
 *   0 IU TYPE (01h)   8-15 TAG   20-27 LUN   30 TASK MANAGEMENT FUNCTION
 *   32-39 TAG OF TASK TO BE MANAGED          (48 bytes)
 *
 * and the response codes (table 23) for target_core's results.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>

#include "srpt_proto.h"
#include "unit.h"

static uint8_t iu[64];
static const uint8_t tag[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
static const uint8_t task[8] = { 0xf0, 0xe0, 0xd0, 0xc0, 0xb0, 0xa0, 0x90, 0x80 };

static void tsk(uint8_t func)
{
	memset(iu, 0, sizeof(iu));
	iu[0] = 0x01;
	memcpy(iu + 8, tag, 8);
	iu[20] = 0x00;		/* LUN 5, peripheral device addressing */
	iu[21] = 0x05;
	iu[30] = func;
	memcpy(iu + 32, task, 8);
}

/* The IU as received, @len bytes of it, in a 48-byte buffer. */
static uint8_t decode(uint32_t len, struct srpt_tmf_req *req)
{
	uint8_t *b = malloc(48);
	uint8_t code;

	memcpy(b, iu, 48);
	code = srpt_decode_tmf((struct srp_tsk_mgmt *)b, len, "ch", req);
	free(b);
	return code;
}

static void check_fields(const struct srpt_tmf_req *req)
{
	CHECK_MEM(&req->tag, tag, 8);
	CHECK_MEM(&req->task_tag, task, 8);
	CHECK_EQ(req->lun, 5);
}

void test_tmf(void)
{
	static const struct {
		uint8_t srp;
		uint8_t tcm;
		const char *name;
	} fn[] = {
		{ 0x01, TMR_ABORT_TASK, "ABORT TASK" },
		{ 0x02, TMR_ABORT_TASK_SET, "ABORT TASK SET" },
		{ 0x04, TMR_CLEAR_TASK_SET, "CLEAR TASK SET" },
		{ 0x08, TMR_LUN_RESET, "LOGICAL UNIT RESET" },
		{ 0x40, TMR_CLEAR_ACA, "CLEAR ACA" },
	};
	static const uint8_t unsupported[] = { 0x00, 0x03, 0x10, 0x20, 0x80, 0xff };
	static const struct {
		uint8_t tcm;
		uint8_t code;
		const char *name;
	} rsp[] = {
		{ TMR_FUNCTION_COMPLETE, 0x00, "FUNCTION COMPLETE" },
		{ TMR_TASK_DOES_NOT_EXIST, 0x00, "TASK DOES NOT EXIST" },
		{ TMR_TASK_MGMT_FUNCTION_NOT_SUPPORTED, 0x04, "FUNCTION NOT SUPPORTED" },
		{ TMR_LUN_DOES_NOT_EXIST, 0x02, "LUN DOES NOT EXIST" },
		{ TMR_FUNCTION_FAILED, 0x05, "FUNCTION FAILED" },
		{ TMR_FUNCTION_REJECTED, 0x05, "FUNCTION REJECTED" },
		{ 0xff, 0x05, "an unknown result" },
	};
	struct srpt_tmf_req req;
	unsigned int i;

	unit_begin("struct srp_tsk_mgmt is 48 bytes, function at 30, task tag at 32");
	CHECK_EQ(sizeof(struct srp_tsk_mgmt), 48);
	CHECK_EQ(offsetof(struct srp_tsk_mgmt, tsk_mgmt_func), 30);
	CHECK_EQ(offsetof(struct srp_tsk_mgmt, task_tag), 32);
	unit_end();

	for (i = 0; i < ARRAY_SIZE(fn); i++) {
		unit_begin("SRP_TSK_MGMT %s (%02xh) goes to target_core", fn[i].name,
			   fn[i].srp);
		tsk(fn[i].srp);
		CHECK_EQ(decode(48, &req), SRPT_TMF_COMPLETE);
		CHECK_EQ(req.srp_func, fn[i].srp);
		CHECK_EQ(req.tcm_func, fn[i].tcm);
		check_fields(&req);
		CHECK_LOG(NULL);
		unit_end();
	}

	for (i = 0; i < ARRAY_SIZE(unsupported); i++) {
		unit_begin("SRP_TSK_MGMT function %02xh: NOT SUPPORTED (04h)",
			   unsupported[i]);
		tsk(unsupported[i]);
		CHECK_EQ(decode(48, &req), 0x04);
		check_fields(&req);
		CHECK_LOG("is not supported");
		unit_end();
	}

	unit_begin("SRP_TSK_MGMT of 47 bytes: FIELDS INVALID (02h), tag still echoed");
	tsk(0x01);
	CHECK_EQ(decode(47, &req), 0x02);
	CHECK_MEM(&req.tag, tag, 8);
	CHECK_LOG("47 bytes is truncated");
	unit_end();

	unit_begin("SRP_TSK_MGMT of 16 bytes with an unsupported function: FIELDS INVALID first");
	tsk(0x80);
	CHECK_EQ(decode(16, &req), 0x02);
	CHECK_MEM(&req.tag, tag, 8);
	unit_end();

	unit_begin("SRP_TSK_MGMT: LUN bytes 40 01 .. decode to target_core's 0x4001");
	tsk(0x08);
	iu[20] = 0x40;
	iu[21] = 0x01;
	CHECK_EQ(decode(64, &req), SRPT_TMF_COMPLETE);
	CHECK_EQ(req.lun, 0x4001);
	unit_end();

	unit_begin("TMF response codes are SRP r16a table 23's");
	CHECK_EQ(SRPT_TMF_COMPLETE, 0x00);
	CHECK_EQ(SRPT_TMF_FIELDS_INVALID, 0x02);
	CHECK_EQ(SRPT_TMF_NOT_SUPPORTED, 0x04);
	CHECK_EQ(SRPT_TMF_FAILED, 0x05);
	unit_end();

	for (i = 0; i < ARRAY_SIZE(rsp); i++) {
		unit_begin("target_core TMR result %s: RSP_CODE %02xh", rsp[i].name,
			   rsp[i].code);
		CHECK_EQ(srpt_tmf_rsp_code(rsp[i].tcm), rsp[i].code);
		unit_end();
	}
}
