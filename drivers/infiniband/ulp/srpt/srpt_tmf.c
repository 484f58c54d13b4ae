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

/* ABORT TASK and LOGICAL UNIT RESET, the functions target_core performs. */
static bool srpt_tmf_ends_commands(const struct srpt_send_ioctx *tmf)
{
	return tmf->tmf_func == TMR_ABORT_TASK || tmf->tmf_func == TMR_LUN_RESET;
}

/**
 * srpt_tmf_covers_tag - does a TMF's answer have to wait for a command?
 * @tmf: the task management request.
 * @tag: the tag of an SRP_CMD of the same nexus, received before it.
 * @lun: its logical unit.
 *
 * For the functions target_core performs (target_tmr_work()): ABORT TASK
 * covers the command it names, LOGICAL UNIT RESET every command of its
 * logical unit. target_core does not perform the others, so they end no
 * command and need not wait.
 *
 * Return: true when @tmf's answer must wait for that command's.
 */
bool srpt_tmf_covers_tag(const struct srpt_send_ioctx *tmf, u64 tag, u64 lun)
{
	if (lun != tmf->lun || !srpt_tmf_ends_commands(tmf))
		return false;
	return tmf->tmf_func == TMR_LUN_RESET || tag == tmf->tmf_task_tag;
}

/* srpt_tmf_covers_tag() for a command's context. */
bool srpt_tmf_covers(const struct srpt_send_ioctx *tmf,
		     const struct srpt_send_ioctx *cmd)
{
	return srpt_tmf_covers_tag(tmf, cmd->tag, cmd->lun);
}

/*
 * Every reason to hold @tmf's answer back is gone: take it off the nexus'
 * list of unanswered TMFs, send it (or, for a TMR target_core aborted,
 * drop it) and return the next TMF for its logical unit, whose answer
 * waited for this one. @tmf may be released as soon as its answer is
 * posted, so it is unlinked first.
 */
static struct srpt_send_ioctx *srpt_send_held_answer(struct srpt_send_ioctx *tmf)
{
	struct srpt_nexus *nexus = tmf->ch->nexus;
	struct srpt_send_ioctx *next;
	unsigned long flags;

	spin_lock_irqsave(&nexus->tmf_lock, flags);
	next = tmf->answer_next;
	tmf->answer_next = NULL;
	list_del_init(&tmf->answer_node);
	spin_unlock_irqrestore(&nexus->tmf_lock, flags);

	if (tmf->no_answer)
		srpt_tmf_put(tmf);
	else
		srpt_send_tmf_rsp(tmf, tmf->tmf_code);
	return next;
}

/**
 * srpt_tmf_answer_put - one reason to hold a TMF's answer back is gone
 * @tmf: the task management request.
 *
 * Called once with target_core's answer (or instead of it), once per
 * command the answer waits for (srpt_wait_answers()) and once when the
 * answer of the TMF before it for its logical unit went out; the last call
 * sends the answer.
 *
 * Context: process context (completion queues are polled from a work
 * queue), without ch->lock: may post on another channel of the nexus.
 */
void srpt_tmf_answer_put(struct srpt_send_ioctx *tmf)
{
	/* Iterative: a chain of waiting TMFs may be long. */
	while (tmf && atomic_dec_and_test(&tmf->answer_pending))
		tmf = srpt_send_held_answer(tmf);
}

/* Answer a held TMF with @code once the commands it covers are answered. */
static void srpt_answer_tmf(struct srpt_send_ioctx *tmf, u8 code)
{
	tmf->tmf_code = code;
	tmf->core_answered = true;
	srpt_tmf_answer_put(tmf);
}

/**
 * srpt_tmf_released - target_core released a task management request
 * @tmf: the request.
 *
 * Normally after it answered (srpt_queue_tm_rsp()). A TMR that a LOGICAL
 * UNIT RESET or PREEMPT AND ABORT aborted is released without an answer
 * (core_tmr_drain_tmr_list() never sets TAS for a TMR, and
 * target_handle_abort() then answers nothing): it gets no SRP_RSP either,
 * and the TMFs waiting for its answer go on.
 */
void srpt_tmf_released(struct srpt_send_ioctx *tmf)
{
	if (!tmf->core_answered) {
		tmf->no_answer = true;
		tmf->core_answered = true;
		srpt_tmf_answer_put(tmf);
	}
	srpt_tmf_put(tmf);
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

	/*
	 * target_core's reference, dropped by srpt_release_cmd(); without
	 * TARGET_SCF_ACK_KREF target_core releases the TMR once it answered,
	 * so it never waits for an answer held back here.
	 */
	atomic_inc(&tmf->tmf_refs);
	ret = target_submit_tmr(&tmf->se_cmd, nexus->se_sess, NULL,
				tmf->lun, tmf, tmf->tmf_func, GFP_KERNEL,
				tmf->tmf_task_tag, 0);
	if (ret) {
		/* The session is stopping: answer without target_core. */
		atomic_dec(&tmf->tmf_refs);
		srpt_answer_tmf(tmf, SRPT_TMF_FAILED);
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
 * A TMF that may end commands answers after the one before it for the
 * same logical unit: a command that one waits for is covered by both.
 * Context: nexus->tmf_lock held.
 */
static void srpt_queue_answer_locked(struct srpt_nexus *nexus,
				     struct srpt_send_ioctx *tmf)
{
	struct srpt_send_ioctx *prev;

	lockdep_assert_held(&nexus->tmf_lock);
	if (!srpt_tmf_ends_commands(tmf))
		return;
	list_for_each_entry_reverse(prev, &nexus->answer_list, answer_node) {
		if (prev->lun == tmf->lun) {
			prev->answer_next = tmf;
			atomic_inc(&tmf->answer_pending);
			break;
		}
	}
	list_add_tail(&tmf->answer_node, &nexus->answer_list);
}

/*
 * Hold @tmf back until target_core has seen every command of the nexus
 * whose descriptor table is being read, and until the TMF before it went;
 * hold its answer until the commands it covers are released and the TMF
 * before it for the same logical unit is answered: commands any channel of
 * the nexus received before the TMF (ib_srp sends LOGICAL UNIT RESET on
 * its first channel only).
 */
static bool srpt_hold_tmf(struct srpt_nexus *nexus, struct srpt_send_ioctx *tmf)
{
	struct srpt_rdma_ch *ch;
	unsigned long flags;
	u32 n = 0;

	atomic_set(&tmf->tmf_pending, 1);
	atomic_set(&tmf->answer_pending, 1);
	/*
	 * srpt_mutex from before the TMF joins the chains until its scans are
	 * done: a TMF after it on a chain must not mark a command first, or
	 * neither would wait for it (each skips what another TMF marked).
	 */
	mutex_lock(&srpt_mutex);
	if (srpt_tmf_ends_commands(tmf)) {
		tmf->unsig_wait = kcalloc(srpt_nexus_ch_count(nexus),
					  sizeof(*tmf->unsig_wait), GFP_KERNEL);
		if (!tmf->unsig_wait) {
			mutex_unlock(&srpt_mutex);
			return false;
		}
	}
	spin_lock_irqsave(&nexus->tmf_lock, flags);
	if (nexus->tmf_tail) {
		nexus->tmf_tail->tmf_next = tmf;
		atomic_inc(&tmf->tmf_pending);
	}
	nexus->tmf_tail = tmf;
	srpt_queue_answer_locked(nexus, tmf);
	spin_unlock_irqrestore(&nexus->tmf_lock, flags);

	list_for_each_entry(ch, &nexus->ch_list, nexus_node) {
		srpt_wait_table_fetches(ch, tmf);
		srpt_wait_answers(ch, tmf);
		if (tmf->unsig_wait)
			srpt_wait_unsignaled(ch, tmf, &tmf->unsig_wait[n++]);
	}
	mutex_unlock(&srpt_mutex);
	srpt_tmf_fetch_ended(tmf);
	return true;
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
	atomic_set(&ioctx->tmf_pending, 0);
	atomic_set(&ioctx->answer_pending, 0);
	ioctx->tmf_next = NULL;
	ioctx->answer_next = NULL;
	ioctx->core_answered = false;
	ioctx->no_answer = false;
	ioctx->unsig_wait = NULL;
	/* The answer's reference (@tmf_refs); target_core takes its own. */
	atomic_set(&ioctx->tmf_refs, 1);
	ioctx->lun = req.lun;
	ioctx->tmf_task_tag = req.task_tag;
	ioctx->tmf_func = req.tcm_func;
	/*
	 * Everything needed is copied out: once reposted, the buffer may
	 * receive the next IU (with an SRQ, another channel's).
	 */
	srpt_repost_recv(ch, recv);
	if (code != SRPT_TMF_COMPLETE) {
		/* Only the answer owns it: released once it is sent. */
		srpt_send_tmf_rsp(ioctx, code);
		return;
	}
	if (!srpt_hold_tmf(ch->nexus, ioctx))
		srpt_send_tmf_rsp(ioctx, SRPT_TMF_FAILED);
}

void srpt_queue_tm_rsp(struct se_cmd *se_cmd)
{
	struct srpt_send_ioctx *ioctx =
		container_of(se_cmd, struct srpt_send_ioctx, se_cmd);

	srpt_answer_tmf(ioctx, srpt_tmf_rsp_code(se_cmd->se_tmr_req->response));
}
