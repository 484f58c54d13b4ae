// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: task management (SRP r16a 6.7).
 *
 * An SRP_TSK_MGMT becomes a target_core TMR. Its answer is an SRP_RSP
 * with RSPVALID set and four bytes of response data whose last byte is
 * the response code (SRP r16a 6.9, table 23).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <scsi/scsi_proto.h>
#include <scsi/srp.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

/* SRP r16a table 23: RSP_CODE values. */
enum {
	SRPT_TMF_COMPLETE	= 0x00,
	SRPT_TMF_FIELDS_INVALID	= 0x02,
	SRPT_TMF_NOT_SUPPORTED	= 0x04,
	SRPT_TMF_FAILED		= 0x05,
};

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

static u8 srpt_tcm_to_rsp_code(u8 tcm_response)
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

/**
 * srpt_tmf_fetch_ended - one reason to hold a TMF's answer is gone
 * @tmf: the task management request.
 *
 * Called once target_core has answered it, and once per command it aborted
 * while that command's descriptor table was read; the last call sends the
 * answer. From any channel of the nexus.
 */
void srpt_tmf_fetch_ended(struct srpt_send_ioctx *tmf)
{
	if (!atomic_dec_and_test(&tmf->tmf_pending))
		return;
	/* target_core released an aborted TMF already (srpt_release_cmd()). */
	if (tmf->tmf_aborted)
		srpt_put_send_ioctx(tmf);
	else
		srpt_send_tmf_rsp(tmf, tmf->tmf_code);
}

static void srpt_answer_tmf(struct srpt_send_ioctx *ioctx, u8 code)
{
	ioctx->tmf_code = code;
	srpt_tmf_fetch_ended(ioctx);
}

/*
 * Answer a request target_core never saw: @ioctx has no se_cmd, so it is
 * released straight after the send (srpt_send_done() sees ->local).
 */
static void srpt_reject_tmf(struct srpt_send_ioctx *ioctx, u8 code)
{
	ioctx->local = true;
	srpt_answer_tmf(ioctx, code);
}

/*
 * Commands still fetching their descriptor table are invisible to
 * target_core's task management; any channel of the nexus may hold one
 * (ib_srp sends LOGICAL UNIT RESET on its first channel only).
 */
static void srpt_abort_nexus_table_fetches(struct srpt_nexus *nexus, u64 lun,
					   bool one_task, u64 task_tag,
					   struct srpt_send_ioctx *tmf)
{
	struct srpt_rdma_ch *ch;

	mutex_lock(&srpt_mutex);
	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		srpt_abort_table_fetches(ch, lun, one_task, task_tag, tmf);
	mutex_unlock(&srpt_mutex);
}

void srpt_handle_tsk_mgmt(struct srpt_rdma_ch *ch,
			  struct srpt_recv_ioctx *recv,
			  struct srpt_send_ioctx *ioctx)
{
	struct srp_tsk_mgmt *tsk = recv->buf;
	u64 lun = scsilun_to_int(&tsk->lun);
	u8 func = tsk->tsk_mgmt_func;
	u64 task_tag = tsk->task_tag;
	u32 len = recv->byte_len;
	int tcm_func, ret;

	ioctx->tag = tsk->tag;
	ioctx->tmf = true;
	atomic_set(&ioctx->tmf_pending, 1);
	tcm_func = srpt_tmf_to_tcm(func);
	/*
	 * Everything needed is copied out: once reposted, the buffer may
	 * receive the next IU (with an SRQ, another channel's).
	 */
	srpt_repost_recv(ch, recv);
	if (len < sizeof(*tsk)) {
		pr_warn_ratelimited("%s: SRP_TSK_MGMT of %u bytes is truncated\n",
				    ch->name, len);
		srpt_reject_tmf(ioctx, SRPT_TMF_FIELDS_INVALID);
		return;
	}
	if (tcm_func < 0) {
		pr_info_ratelimited("%s: task management function 0x%02x is not supported\n",
				    ch->name, func);
		srpt_reject_tmf(ioctx, SRPT_TMF_NOT_SUPPORTED);
		return;
	}
	if (tcm_func != TMR_CLEAR_ACA)
		srpt_abort_nexus_table_fetches(ch->nexus, lun,
					       tcm_func == TMR_ABORT_TASK,
					       task_tag, ioctx);
	ret = target_submit_tmr(&ioctx->se_cmd, ch->nexus->se_sess, NULL, lun,
				ioctx, tcm_func, GFP_KERNEL, task_tag,
				TARGET_SCF_ACK_KREF);
	if (ret) {
		/* The session is stopping: answer without target_core. */
		srpt_reject_tmf(ioctx, SRPT_TMF_FAILED);
	}
}

void srpt_queue_tm_rsp(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx =
		container_of(se_cmd, struct srpt_send_ioctx, se_cmd);

	srpt_answer_tmf(ioctx,
			srpt_tcm_to_rsp_code(se_cmd->se_tmr_req->response));
}
