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

/**
 * srpt_send_tmf_rsp - send the SRP_RSP answering a task management request
 * @ioctx: the request.
 * @code:  SRP r16a table 23 response code.
 */
static void srpt_send_tmf_rsp(struct srpt_send_ioctx *ioctx, u8 code)
{
	ioctx->rsp_len = srpt_build_tmf_rsp(ioctx->rsp, ioctx->tag, code);
	srpt_post_response(ioctx);
}

/*
 * Answer a request target_core never saw: @ioctx has no se_cmd, so it is
 * released straight after the send (srpt_send_done() sees ->local).
 */
static void srpt_reject_tmf(struct srpt_send_ioctx *ioctx, u8 code)
{
	ioctx->local = true;
	srpt_send_tmf_rsp(ioctx, code);
}

/*
 * Every reason to hold @tmf back is gone: take it off the nexus' chain of
 * waiting TMFs, hand it to target_core and return the next TMF of the
 * chain, which waited for this one.
 */
static struct srpt_send_ioctx *srpt_submit_tmf(struct srpt_send_ioctx *tmf)
{
	struct srpt_nexus *nexus = tmf->ch->nexus;
	struct srpt_send_ioctx *next;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&nexus->tmf_lock, flags);
	next = tmf->tmf_next;
	tmf->tmf_next = NULL;
	if (nexus->tmf_tail == tmf)
		nexus->tmf_tail = NULL;
	spin_unlock_irqrestore(&nexus->tmf_lock, flags);

	ret = target_submit_tmr(&tmf->se_cmd, nexus->se_sess, NULL,
				tmf->tmf_lun, tmf, tmf->tmf_func, GFP_KERNEL,
				tmf->tmf_task_tag, TARGET_SCF_ACK_KREF);
	if (ret) {
		/* The session is stopping: answer without target_core. */
		srpt_reject_tmf(tmf, SRPT_TMF_FAILED);
	}
	return next;
}

/**
 * srpt_tmf_fetch_ended - one reason to hold a TMF back is gone
 * @tmf: the task management request.
 *
 * Called once when its setup is done, once per table fetch it waits for
 * (srpt_wait_table_fetches()) and once when the TMF before it on the nexus
 * went to target_core; the last call submits it. From any channel of the
 * nexus.
 */
void srpt_tmf_fetch_ended(struct srpt_send_ioctx *tmf)
{
	/* Iterative: a chain of waiting TMFs may be long. */
	while (tmf && atomic_dec_and_test(&tmf->tmf_pending))
		tmf = srpt_submit_tmf(tmf);
}

/*
 * Hold @tmf back until target_core has seen every command of the nexus
 * whose descriptor table is being read, and until the TMF before it went:
 * commands any channel of the nexus received before the TMF (ib_srp sends
 * LOGICAL UNIT RESET on its first channel only).
 */
static void srpt_hold_tmf(struct srpt_nexus *nexus, struct srpt_send_ioctx *tmf)
{
	struct srpt_rdma_ch *ch;
	unsigned long flags;

	atomic_set(&tmf->tmf_pending, 1);
	spin_lock_irqsave(&nexus->tmf_lock, flags);
	if (nexus->tmf_tail) {
		nexus->tmf_tail->tmf_next = tmf;
		atomic_inc(&tmf->tmf_pending);
	}
	nexus->tmf_tail = tmf;
	spin_unlock_irqrestore(&nexus->tmf_lock, flags);

	mutex_lock(&srpt_mutex);
	list_for_each_entry(ch, &nexus->ch_list, nexus_node)
		srpt_wait_table_fetches(ch, tmf);
	mutex_unlock(&srpt_mutex);
	srpt_tmf_fetch_ended(tmf);
}

void srpt_handle_tsk_mgmt(struct srpt_rdma_ch *ch,
			  struct srpt_recv_ioctx *recv,
			  struct srpt_send_ioctx *ioctx)
{
	struct srpt_tmf_req req;
	u8 code;

	code = srpt_decode_tmf(recv->buf, recv->byte_len, ch->name, &req);
	ioctx->tag = req.tag;
	ioctx->tmf = true;
	ioctx->tmf_lun = req.lun;
	ioctx->tmf_task_tag = req.task_tag;
	/*
	 * Everything needed is copied out: once reposted, the buffer may
	 * receive the next IU (with an SRQ, another channel's).
	 */
	srpt_repost_recv(ch, recv);
	if (code != SRPT_TMF_COMPLETE) {
		srpt_reject_tmf(ioctx, code);
		return;
	}
	ioctx->tmf_func = req.tcm_func;
	srpt_hold_tmf(ch->nexus, ioctx);
}

void srpt_queue_tm_rsp(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx =
		container_of(se_cmd, struct srpt_send_ioctx, se_cmd);

	srpt_send_tmf_rsp(ioctx, srpt_tmf_rsp_code(se_cmd->se_tmr_req->response));
}
