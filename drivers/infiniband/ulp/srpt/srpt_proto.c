// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: the protocol without a device.
 *
 * Reading and writing information units (SRP r16a 6) on plain buffers;
 * see srpt_proto.h. Nothing here sleeps, locks or allocates, and nothing
 * needs an RDMA device or a target_core object: tools/unit runs this file
 * on the host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include <scsi/scsi_common.h>
#include <scsi/srp.h>
#include <target/target_core_base.h>

#include "srpt_proto.h"

/* ----- responses (SRP r16a 6.9) and target requests (6.5, 6.11) --------- */

/**
 * srpt_build_cmd_rsp - build the SRP_RSP answering an SRP_CMD
 * @rsp:     the response buffer, at least @max_len bytes.
 * @max_len: MAX_TI_IU_LEN of the channel; at least sizeof(*rsp).
 * @res:     what to report.
 *
 * The residual goes to the DATA-OUT or DATA-IN fields with the matching
 * under- or overflow flag; sense data follows the 36-byte header, cut to
 * what the initiator accepts. REQUEST LIMIT DELTA stays zero: it is set
 * when the response is posted (srpt_set_req_lim_delta()).
 *
 * Return: the length of the response.
 */
u32 srpt_build_cmd_rsp(struct srp_rsp *rsp, u32 max_len,
		       const struct srpt_cmd_result *res)
{
	u32 sense_len = 0;

	memset(rsp, 0, sizeof(*rsp));
	rsp->opcode = SRP_RSP;
	rsp->tag = res->tag;
	rsp->status = res->status;
	if (res->resid != SRPT_RESID_NONE) {
		bool under = res->resid == SRPT_RESID_UNDER;
		__be32 cnt = cpu_to_be32(res->resid_count);

		if (res->data_out) {
			rsp->flags |= under ? SRP_RSP_FLAG_DOUNDER :
					      SRP_RSP_FLAG_DOOVER;
			rsp->data_out_res_cnt = cnt;
		} else {
			rsp->flags |= under ? SRP_RSP_FLAG_DIUNDER :
					      SRP_RSP_FLAG_DIOVER;
			rsp->data_in_res_cnt = cnt;
		}
	}
	if (res->sense && res->sense_len) {
		/* The sense data is cut to what the initiator accepts. */
		sense_len = min_t(u32, res->sense_len, max_len - sizeof(*rsp));
		rsp->flags |= SRP_RSP_FLAG_SNSVALID;
		rsp->sense_data_len = cpu_to_be32(sense_len);
		memcpy(rsp->data, res->sense, sense_len);
	}
	return sizeof(*rsp) + sense_len;
}

/**
 * srpt_build_tmf_rsp - build the SRP_RSP answering an SRP_TSK_MGMT
 * @rsp:      the response buffer, at least sizeof(*rsp) + 4 bytes.
 * @tag:      the request's tag.
 * @rsp_code: SRP r16a table 23 response code (SRPT_TMF_*).
 *
 * Return: the length of the response: the header and four bytes of
 * response data, the last of which is the code.
 */
u32 srpt_build_tmf_rsp(struct srp_rsp *rsp, u64 tag, u8 rsp_code)
{
	memset(rsp, 0, sizeof(*rsp) + 4);
	rsp->opcode = SRP_RSP;
	rsp->tag = tag;
	rsp->flags = SRP_RSP_FLAG_RSPVALID;
	rsp->resp_data_len = cpu_to_be32(4);
	rsp->data[3] = rsp_code;
	return sizeof(*rsp) + 4;
}

/**
 * srpt_set_req_lim_delta - set the credits an SRP_RSP returns
 * @rsp:   the response.
 * @delta: REQUEST LIMIT DELTA (SRP r16a 5.4.2).
 */
void srpt_set_req_lim_delta(struct srp_rsp *rsp, u32 delta)
{
	rsp->req_lim_delta = cpu_to_be32(delta);
}

/**
 * srpt_build_t_logout - build an SRP_T_LOGOUT (SRP r16a 6.5)
 * @iu:     the buffer.
 * @reason: the table 12 reason (SRPT_LOGOUT_*).
 *
 * Return: its length.
 */
u32 srpt_build_t_logout(struct srp_t_logout *iu, u32 reason)
{
	memset(iu, 0, sizeof(*iu));
	iu->opcode = SRP_T_LOGOUT;
	iu->reason = cpu_to_be32(reason);
	return sizeof(*iu);
}

/**
 * srpt_build_cred_req - build an SRP_CRED_REQ (SRP r16a 6.11)
 * @iu:    the buffer.
 * @tag:   its tag, opaque to the initiator, echoed in the SRP_CRED_RSP.
 * @delta: the credits it returns.
 *
 * Return: its length.
 */
u32 srpt_build_cred_req(struct srp_cred_req *iu, u64 tag, u32 delta)
{
	memset(iu, 0, sizeof(*iu));
	iu->opcode = SRP_CRED_REQ;
	iu->req_lim_delta = cpu_to_be32(delta);
	iu->tag = tag;
	return sizeof(*iu);
}

/* ----- task management (SRP r16a 6.7) ---------------------------------- */

static int srpt_tmf_to_tcm(u8 srp_func)
{
	switch (srp_func) {
	case SRP_TSK_ABORT_TASK:
		return TMR_ABORT_TASK;
	case SRP_TSK_ABORT_TASK_SET:
		return TMR_ABORT_TASK_SET;
	case SRP_TSK_CLEAR_TASK_SET:
		return TMR_CLEAR_TASK_SET;
	case SRP_TSK_LUN_RESET:
		return TMR_LUN_RESET;
	case SRP_TSK_CLEAR_ACA:
		return TMR_CLEAR_ACA;
	default:
		return -1;
	}
}

/**
 * srpt_decode_tmf - read an SRP_TSK_MGMT
 * @tsk: the IU, in a buffer of at least sizeof(*tsk) bytes.
 * @len: bytes of it received.
 * @who: the channel, for messages.
 * @req: the decoded request; its tag, LUN and task tag are filled in
 *       also when the request is refused.
 *
 * Return: SRPT_TMF_COMPLETE when @req goes to target_core, else the
 * response code to answer with at once: a truncated IU has invalid
 * fields, a function target_core does not have is not supported.
 */
u8 srpt_decode_tmf(const struct srp_tsk_mgmt *tsk, u32 len, const char *who,
		   struct srpt_tmf_req *req)
{
	struct scsi_lun lun = tsk->lun;
	int tcm_func;

	req->tag = tsk->tag;
	req->lun = scsilun_to_int(&lun);
	req->task_tag = tsk->task_tag;
	req->srp_func = tsk->tsk_mgmt_func;
	req->tcm_func = 0;
	if (len < sizeof(*tsk)) {
		pr_warn_ratelimited("%s: SRP_TSK_MGMT of %u bytes is truncated\n",
				    who, len);
		return SRPT_TMF_FIELDS_INVALID;
	}
	tcm_func = srpt_tmf_to_tcm(req->srp_func);
	if (tcm_func < 0) {
		pr_info_ratelimited("%s: task management function 0x%02x is not supported\n",
				    who, req->srp_func);
		return SRPT_TMF_NOT_SUPPORTED;
	}
	req->tcm_func = tcm_func;
	return SRPT_TMF_COMPLETE;
}

/**
 * srpt_tmf_rsp_code - the SRP response code for a target_core TMR result
 * @tcm_response: enum tcm_tmrsp_table.
 *
 * Return: SRPT_TMF_* (SRP r16a table 23).
 */
u8 srpt_tmf_rsp_code(u8 tcm_response)
{
	switch (tcm_response) {
	case TMR_FUNCTION_COMPLETE:
	case TMR_TASK_DOES_NOT_EXIST:	/* SAM-5 7.2: nothing left to abort */
		return SRPT_TMF_COMPLETE;
	case TMR_TASK_MGMT_FUNCTION_NOT_SUPPORTED:
		return SRPT_TMF_NOT_SUPPORTED;
	case TMR_LUN_DOES_NOT_EXIST:
		return SRPT_TMF_FIELDS_INVALID;
	default:
		return SRPT_TMF_FAILED;
	}
}
