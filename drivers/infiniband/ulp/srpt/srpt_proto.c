// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: the protocol without a device.
 *
 * Reading and writing information units (SRP r16a 6) on plain buffers,
 * configfs names and completion vector masks, the round robin over
 * completion vectors, and how srpt_srq_size is split into shared receive
 * queues; see srpt_proto.h. Nothing here sleeps, locks or allocates, and
 * nothing needs an RDMA device or a target_core object: tools/unit runs
 * this file on the host.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>
#include <scsi/srp.h>
#include <target/target_core_base.h>

#include "srpt_proto.h"

/* ----- logins (SRP r16a 6.2, 6.3, 6.4) -------------------------------- */

/**
 * srpt_decode_login_req - read the SRP_LOGIN_REQ of an IB/CM REQ
 * @lg:  filled in from @req; untouched if @req is no SRP_LOGIN_REQ.
 * @req: the REQ's private data, 92 bytes: the whole IU (SRP r16a 6.2).
 *
 * Return: whether @req is an SRP_LOGIN_REQ.
 */
bool srpt_decode_login_req(struct srpt_login *lg,
			   const struct srp_login_req *req)
{
	if (req->opcode != SRP_LOGIN_REQ)
		return false;
	lg->tag = req->tag;
	lg->req_it_iu_len = be32_to_cpu(req->req_it_iu_len);
	lg->req_buf_fmt = be16_to_cpu(req->req_buf_fmt);
	lg->req_flags = req->req_flags;
	lg->imm_data_offset = be16_to_cpu(req->imm_data_offset);
	memcpy(lg->i_port_id, req->initiator_port_id, 16);
	memcpy(lg->t_port_id, req->target_port_id, 16);
	return true;
}

/**
 * srpt_decode_login_req_rdma - read the login of an RDMA/CM CONNECT_REQUEST
 * @lg:  filled in from @req; untouched if @req is no SRP_LOGIN_REQ.
 * @req: the private data: the login in its RDMA/CM layout, which leaves
 *       out the reserved bytes (struct srp_login_req_rdma).
 * @len: bytes of private data.
 *
 * Return: whether @req is an SRP_LOGIN_REQ.
 */
bool srpt_decode_login_req_rdma(struct srpt_login *lg,
				const struct srp_login_req_rdma *req, u32 len)
{
	if (len < sizeof(*req) || req->opcode != SRP_LOGIN_REQ)
		return false;
	lg->tag = req->tag;
	lg->req_it_iu_len = be32_to_cpu(req->req_it_iu_len);
	lg->req_buf_fmt = be16_to_cpu(req->req_buf_fmt);
	lg->req_flags = req->req_flags;
	lg->imm_data_offset = be16_to_cpu(req->imm_data_offset);
	memcpy(lg->i_port_id, req->initiator_port_id, 16);
	memcpy(lg->t_port_id, req->target_port_id, 16);
	return true;
}

/**
 * srpt_login_is_valid - check what a login asks for that needs no configuration
 * @lg:           the login; on failure its reject reason and statistic
 *                are set.
 * @who:          the initiator, for messages.
 * @max_req_size: srp_max_req_size: the largest REQ_IT_IU_LEN accepted.
 * @service_guid: srpt_service_guid: ID_EXT and IOC GUID of our target
 *                port identifier.
 *
 * Return: whether the IU length, the buffer formats and the target port
 * identifier are acceptable.
 */
bool srpt_login_is_valid(struct srpt_login *lg, const char *who,
			 u32 max_req_size, u64 service_guid)
{
	__be64 guid = cpu_to_be64(service_guid);

	if (lg->req_it_iu_len < SRPT_MIN_REQ_SIZE) {
		pr_info_ratelimited("login from %s rejected: req_it_iu_len %u is below %u\n",
				    who, lg->req_it_iu_len, SRPT_MIN_REQ_SIZE);
		lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
		lg->stat = SRPT_LOGIN_REJ_IU_LEN;
		return false;
	}
	if (lg->req_it_iu_len > max_req_size) {
		pr_info_ratelimited("login from %s rejected: req_it_iu_len %u exceeds srp_max_req_size %u\n",
				    who, lg->req_it_iu_len, max_req_size);
		lg->rej_reason = SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE;
		lg->stat = SRPT_LOGIN_REJ_IU_LEN;
		return false;
	}
	if (lg->req_buf_fmt & ~(SRP_BUF_FORMAT_DIRECT |
				SRP_BUF_FORMAT_INDIRECT)) {
		pr_info_ratelimited("login from %s rejected: unsupported buffer formats 0x%x\n",
				    who, lg->req_buf_fmt);
		lg->rej_reason = SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT;
		lg->stat = SRPT_LOGIN_REJ_BUF_FMT;
		return false;
	}
	/* SRP r16a 5.6.2: TARGET PORT IDENTIFIER is ID_EXT then IOC GUID. */
	if (memcmp(lg->t_port_id, &guid, 8) ||
	    memcmp(lg->t_port_id + 8, &guid, 8)) {
		pr_info_ratelimited("login from %s rejected: target port id 0x%016llx%016llx is not ours (0x%016llx%016llx)\n",
				    who, get_unaligned_be64(lg->t_port_id),
				    get_unaligned_be64(lg->t_port_id + 8),
				    service_guid, service_guid);
		lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL;
		lg->stat = SRPT_LOGIN_REJ_TARGET_ID;
		return false;
	}
	return true;
}

/**
 * srpt_imm_data_offset - the immediate data a login gets (SRP2)
 * @lg: the login.
 *
 * Return: the offset of immediate data in an SRP_CMD if the initiator asks
 * for it with one that leaves room for the descriptor and lies within its
 * IU, else 0: none.
 */
u32 srpt_imm_data_offset(const struct srpt_login *lg)
{
	if (!(lg->req_flags & SRP_IMMED_REQUESTED))
		return 0;
	if (lg->imm_data_offset < sizeof(struct srp_cmd) +
				  sizeof(struct srp_imm_buf) ||
	    lg->imm_data_offset >= lg->req_it_iu_len)
		return 0;
	return lg->imm_data_offset;
}

/**
 * srpt_build_login_rsp - build the SRP_LOGIN_RSP of an accepted login
 * @lg:    the login; its @rsp is built.
 * @grant: what the channel offers.
 *
 * SRP r16a 6.3: the credits, both IU sizes, direct and indirect
 * descriptors, the multichannel result and SRP2's immediate data flag.
 */
void srpt_build_login_rsp(struct srpt_login *lg,
			  const struct srpt_login_grant *grant)
{
	struct srp_login_rsp *rsp = &lg->rsp;

	memset(rsp, 0, sizeof(*rsp));
	rsp->opcode = SRP_LOGIN_RSP;
	rsp->req_lim_delta = cpu_to_be32(grant->req_lim);
	rsp->tag = lg->tag;
	rsp->max_it_iu_len = cpu_to_be32(grant->max_it_iu_len);
	rsp->max_ti_iu_len = cpu_to_be32(grant->max_ti_iu_len);
	rsp->buf_fmt = cpu_to_be16(SRP_BUF_FORMAT_DIRECT |
				   SRP_BUF_FORMAT_INDIRECT);
	rsp->rsp_flags = grant->multichan;
	if (grant->imm_data)
		rsp->rsp_flags |= SRP_LOGIN_RSP_IMMED_SUPP;
}

/**
 * srpt_build_login_rej - build the SRP_LOGIN_REJ of a refused login
 * @rej: the buffer.
 * @lg:  the login, with its reject reason; a request that was no
 *       SRP_LOGIN_REQ has tag 0.
 *
 * SRP r16a 6.4: the reason, the tag, and the buffer formats we support.
 */
void srpt_build_login_rej(struct srp_login_rej *rej,
			  const struct srpt_login *lg)
{
	memset(rej, 0, sizeof(*rej));
	rej->opcode = SRP_LOGIN_REJ;
	rej->reason = cpu_to_be32(lg->rej_reason);
	rej->tag = lg->tag;
	rej->buf_fmt = cpu_to_be16(SRP_BUF_FORMAT_DIRECT |
				   SRP_BUF_FORMAT_INDIRECT);
}

/* ----- SRP_CMD (SRP r16a 6.8) and its data descriptors (5.5) ----------- */

/**
 * srpt_check_desc_sum - do the descriptors add up to the total length?
 * @table: the memory descriptors (struct srp_direct_buf) of an indirect
 *         table, as received: in an IU they are only 4-byte aligned.
 * @n:     their number.
 * @total: the indirect descriptor's TOTAL LENGTH.
 *
 * SRP r16a 5.5.4.2: the lengths of the table's descriptors add up to the
 * total; a sum that does not fit in 32 bits never does.
 *
 * Return: TCM_NO_SENSE, or TCM_INVALID_FIELD_IN_COMMAND_IU.
 */
sense_reason_t srpt_check_desc_sum(const void *table, u32 n, u32 total)
{
	const u8 *p = table + offsetof(struct srp_direct_buf, len);
	u32 sum = 0, i;

	for (i = 0; i < n; i++, p += sizeof(struct srp_direct_buf))
		if (check_add_overflow(sum, get_unaligned_be32(p), &sum))
			return TCM_INVALID_FIELD_IN_COMMAND_IU;
	return sum == total ? TCM_NO_SENSE : TCM_INVALID_FIELD_IN_COMMAND_IU;
}

/*
 * Parse an indirect data buffer descriptor (SRP r16a 5.5.4) of @room bytes
 * whose IU carries @desc_cnt of its table's descriptors. When that is
 * fewer than the table holds, the whole table is fetched from initiator
 * memory first (@data->fetch) and its sum checked then.
 */
static sense_reason_t srpt_parse_indirect(const void *p, u32 room,
					  u8 desc_cnt,
					  struct srpt_cmd_data *data)
{
	const struct srp_indirect_buf *idb = p;
	u32 table_len, n;

	if (room < sizeof(*idb))
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	table_len = be32_to_cpu(idb->table_desc.len);
	n = table_len / sizeof(struct srp_direct_buf);
	if (!n || table_len % sizeof(struct srp_direct_buf) ||
	    n > SRPT_MAX_EXT_DESCS || desc_cnt > n)
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	if (room < sizeof(*idb) + desc_cnt * sizeof(struct srp_direct_buf))
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	data->n_desc = n;
	data->len = be32_to_cpu(idb->len);
	data->table = idb->table_desc;
	if (desc_cnt < n) {
		data->fetch = true;
		return TCM_NO_SENSE;
	}
	data->list = idb->desc_list;
	return srpt_check_desc_sum(data->list, n, data->len);
}

/*
 * The direction a data-transfer CDB implies (SBC-3), or DMA_BIDIRECTIONAL
 * for "not checked". SRP carries the direction only in the buffer formats
 * (SRP r16a 6.8) and target_core executes with the fabric's direction, so
 * without this a READ with a data-out descriptor would write the medium.
 */
static enum dma_data_direction srpt_cdb_data_dir(const u8 *cdb)
{
	switch (cdb[0]) {
	case READ_6:
	case READ_10:
	case READ_12:
	case READ_16:
		return DMA_FROM_DEVICE;
	case WRITE_6:
	case WRITE_10:
	case WRITE_12:
	case WRITE_16:
	case WRITE_VERIFY:
	case WRITE_VERIFY_12:
	case WRITE_VERIFY_16:
	case WRITE_SAME:
	case WRITE_SAME_16:
	case COMPARE_AND_WRITE:
	case UNMAP:
		return DMA_TO_DEVICE;
	}
	return DMA_BIDIRECTIONAL;
}

/*
 * The CDB is the 16 bytes of the SRP_CMD plus ADDITIONAL CDB LENGTH bytes
 * (SRP r16a 6.8); target_core copies scsi_command_size() bytes of it, up
 * to 260 for a variable-length CDB, so the opcode must not imply more.
 * That all of it is in the IU is checked with the descriptor offset.
 */
static bool srpt_cdb_fits(const struct srp_cmd *cmd)
{
	return scsi_command_size(cmd->cdb) <=
	       sizeof(cmd->cdb) + (cmd->add_cdb_len & ~3);
}

/**
 * srpt_parse_cmd - parse the data buffer descriptors of an SRP_CMD
 * @cmd:             the IU, in a buffer of at least sizeof(*cmd) bytes.
 * @byte_len:        bytes of it received.
 * @imm_data_offset: where immediate data starts, 0 if the channel has none.
 * @max_rdma_size:   the largest data transfer of one command.
 * @who:             the channel, for messages.
 * @data:            what the descriptors say; on error only @data->dir
 *                   and @data->len are defined, as far as parsing got.
 *
 * Checks that the CDB and the descriptors lie within the IU, that the
 * formats name one direction (bidirectional commands are not supported)
 * and the one a READ or WRITE CDB implies, that an indirect table has 1 to
 * SRPT_MAX_EXT_DESCS whole descriptors of which the IU carries at most
 * all, adding up to the total when it carries all of them, that immediate
 * data lies within the IU of a channel granted it, and that the total is
 * at most @max_rdma_size. Formats that end the channel instead
 * (srpt_cmd_fmt_logout()) are refused like any malformed IU here.
 *
 * Return: TCM_NO_SENSE, or TCM_INVALID_FIELD_IN_COMMAND_IU for a malformed
 * or unsupported command.
 */
sense_reason_t srpt_parse_cmd(const struct srp_cmd *cmd, u32 byte_len,
			      u32 imm_data_offset, u32 max_rdma_size,
			      const char *who, struct srpt_cmd_data *data)
{
	u8 fmt_out = cmd->buf_fmt >> 4, fmt_in = cmd->buf_fmt & 0xf;
	u32 off = sizeof(*cmd) + (cmd->add_cdb_len & ~3);
	u32 room = byte_len > off ? byte_len - off : 0;
	const void *p = (const u8 *)cmd + off;
	enum dma_data_direction cdb_dir;
	sense_reason_t ret;

	/*
	 * No memset: the caller's variable is not zeroed either (it runs for
	 * every command), and @direct and @table, half of it, are set only
	 * for the formats that have them.
	 */
	data->dir = DMA_NONE;
	data->fmt = SRP_NO_DATA_DESC;
	data->len = 0;
	data->n_desc = 0;
	data->list = NULL;
	data->fetch = false;
	if (byte_len < sizeof(*cmd))
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	data->dir = fmt_out ? DMA_TO_DEVICE :
		    fmt_in ? DMA_FROM_DEVICE : DMA_NONE;
	/* The CDB ends where the descriptors start, at @off. */
	if (off > byte_len || !srpt_cdb_fits(cmd))
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	if (fmt_out && fmt_in)	/* bidirectional commands: not supported */
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	cdb_dir = srpt_cdb_data_dir(cmd->cdb);
	if (data->dir != DMA_NONE && cdb_dir != DMA_BIDIRECTIONAL &&
	    cdb_dir != data->dir) {
		pr_warn_ratelimited("%s: CDB %#x with a data-%s descriptor\n",
				    who, cmd->cdb[0], fmt_out ? "out" : "in");
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	}
	data->fmt = fmt_out ? fmt_out : fmt_in;

	switch (data->fmt) {
	case SRP_NO_DATA_DESC:
		break;
	case SRP_DATA_DESC_DIRECT:
		if (room < sizeof(struct srp_direct_buf))
			return TCM_INVALID_FIELD_IN_COMMAND_IU;
		memcpy(&data->direct, p, sizeof(data->direct));
		data->n_desc = 1;
		data->len = be32_to_cpu(data->direct.len);
		break;
	case SRP_DATA_DESC_INDIRECT:
		ret = srpt_parse_indirect(p, room,
					  fmt_out ? cmd->data_out_desc_cnt :
						    cmd->data_in_desc_cnt,
					  data);
		if (ret)
			return ret;
		break;
	case SRP_DATA_DESC_IMM: {
		u32 len, end;

		if (!fmt_out || !imm_data_offset ||
		    room < sizeof(struct srp_imm_buf))
			return TCM_INVALID_FIELD_IN_COMMAND_IU;
		/* The data must lie within the IU (SRP2 immediate data). */
		len = be32_to_cpu(((const struct srp_imm_buf *)p)->len);
		if (check_add_overflow(imm_data_offset, len, &end) ||
		    end > byte_len)
			return TCM_INVALID_FIELD_IN_COMMAND_IU;
		data->len = len;
		break;
	}
	default:
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	}
	if (data->len > max_rdma_size) {
		pr_warn_ratelimited("%s: transfer of %u bytes exceeds srp_max_rdma_size %u\n",
				    who, data->len, max_rdma_size);
		return TCM_INVALID_FIELD_IN_COMMAND_IU;
	}
	return TCM_NO_SENSE;
}

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

/* ----- names: target ports and ACLs ------------------------------------ */

/* Parse exactly @ndigits hex digits from @s into big-endian @out. */
static int srpt_parse_hex(const char *s, size_t ndigits, u8 *out)
{
	size_t i;

	if (strlen(s) != ndigits)
		return -EINVAL;
	for (i = 0; i < ndigits; i++)
		if (!isxdigit(s[i]))
			return -EINVAL;
	return hex2bin(out, s, ndigits / 2);
}

/* "xxxx:xxxx:xxxx:xxxx" into 8 big-endian bytes. */
static int srpt_parse_guid(const char *s, u8 out[8])
{
	char digits[17];
	int i;

	if (strlen(s) != 19)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (i < 3 && s[i * 5 + 4] != ':')
			return -EINVAL;
		memcpy(digits + i * 4, s + i * 5, 4);
	}
	digits[16] = '\0';
	return srpt_parse_hex(digits, 16, out);
}

static const char *srpt_skip_0x(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return s + 2;
	return s;
}

/**
 * srpt_parse_gid - parse a target port name
 * @name: "xxxx:xxxx:xxxx:xxxx" (port GUID, i.e. GID interface id) or
 *        32 hex digits (the whole GID), each optionally prefixed by "0x".
 * @kind: which of the two forms @name has.
 * @gid:  the identity; for a GUID only gid->global.interface_id is set.
 *
 * Return: 0, or -EINVAL if @name has neither form.
 */
int srpt_parse_gid(const char *name, enum srpt_tport_kind *kind,
		   union ib_gid *gid)
{
	const char *s = srpt_skip_0x(name);

	memset(gid, 0, sizeof(*gid));
	if (!srpt_parse_guid(s, gid->raw + 8)) {
		*kind = SRPT_TPORT_GUID;
		return 0;
	}
	if (!srpt_parse_hex(s, 32, gid->raw)) {
		*kind = SRPT_TPORT_GID;
		return 0;
	}
	return -EINVAL;
}

/**
 * srpt_parse_acl_name - parse an ACL name that is an SRP port identifier
 * @name: 32 hex digits (the 128-bit initiator port identifier, SRP r16a
 *        5.6.2), or a port GUID (the identifier's low 64 bits: 16 hex
 *        digits or xxxx:xxxx:xxxx:xxxx), each optionally after "0x".
 * @id:   @id->kind and @id->port_id are set (only its low 8 bytes for a
 *        GUID); unchanged when @name has neither form.
 *
 * The third form of an ACL name, the IP address of RDMA/CM logins, is
 * the caller's to try (inet_pton_with_scope()) when this fails.
 *
 * Return: 0, or -EINVAL.
 */
int srpt_parse_acl_name(const char *name, struct srpt_acl_id *id)
{
	const char *s = srpt_skip_0x(name);

	if (!srpt_parse_hex(s, 32, id->port_id)) {
		id->kind = SRPT_NACL_PORT_ID;
		return 0;
	}
	if (!srpt_parse_hex(s, 16, id->port_id + 8) ||
	    !srpt_parse_guid(s, id->port_id + 8)) {
		id->kind = SRPT_NACL_GUID;
		return 0;
	}
	return -EINVAL;
}

/**
 * srpt_acl_admits - does an ACL admit the initiator of a login?
 * @id: what the ACL names.
 * @lg: the login: its initiator port identifier and, over RDMA/CM, its
 *      source address.
 *
 * A port identifier must match exactly, a GUID the identifier's low 64
 * bits whatever the initiator extension, an address the login's source
 * address (and never an IB/CM login, which has none).
 *
 * Return: whether the ACL admits the login.
 */
bool srpt_acl_admits(const struct srpt_acl_id *id, const struct srpt_login *lg)
{
	const struct sockaddr_storage *a = &id->addr;

	switch (id->kind) {
	case SRPT_NACL_PORT_ID:
		return !memcmp(id->port_id, lg->i_port_id, 16);
	case SRPT_NACL_GUID:
		return !memcmp(id->port_id + 8, lg->i_port_id + 8, 8);
	case SRPT_NACL_ADDR:
		if (!lg->src || a->ss_family != lg->src->sa_family)
			return false;
		if (a->ss_family == AF_INET)
			return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
			       ((const struct sockaddr_in *)lg->src)->sin_addr.s_addr;
		return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
				       &((const struct sockaddr_in6 *)lg->src)->sin6_addr);
	}
	return false;
}

/* ----- shared receive queues -------------------------------------------- */

/**
 * srpt_srq_split - the shared receive queues of a device
 * @budget:     srpt_srq_size: the receive buffers of all of the device's
 *              SRQs together.
 * @vectors:    the completion vectors its channels can be on.
 * @max_srq:    SRQs the device can have.
 * @max_srq_wr: buffers one SRQ can have.
 * @nr_srqs:    set to the number of SRQs.
 *
 * A channel's credits are at most the buffers of its SRQ (SRP r16a 5.4.2:
 * one per buffer the initiator may fill), and SRPT_MAX_RQ_SIZE at most
 * anyway. So there are as many SRQs as @budget fills with that many
 * buffers each, at most one per vector and as many as the device can have,
 * and at least one: every SRQ keeps at least SRPT_MAX_RQ_SIZE buffers
 * (unless @max_srq_wr is smaller), however many vectors the device has,
 * and a @budget below that is one SRQ of @budget buffers. The buffers are
 * split evenly, so every SRQ has the same size and their total is at most
 * @budget. A device that can have no SRQ, or none with a buffer (@max_srq
 * or @max_srq_wr 0), gets none.
 *
 * Return: the buffers of each SRQ, min(@budget / *@nr_srqs, @max_srq_wr);
 * 0, with *@nr_srqs 0, if the device gets no SRQs.
 */
u32 srpt_srq_split(u32 budget, u32 vectors, u32 max_srq, u32 max_srq_wr,
		   u32 *nr_srqs)
{
	u32 n = min3(budget / SRPT_MAX_RQ_SIZE, vectors, max_srq);

	if (!max_srq || !max_srq_wr) {
		*nr_srqs = 0;
		return 0;
	}
	*nr_srqs = max_t(u32, n, 1);
	return min(budget / *nr_srqs, max_srq_wr);
}

/* ----- completion vectors (attrib/comp_v_mask) --------------------------- */

/**
 * srpt_parse_comp_v_mask - read what is written to attrib/comp_v_mask
 * @buf:  the text, @len bytes (need not be NUL-terminated).
 * @len:  its length.
 * @mask: a zeroed bitmap of @bits bits; gets the vectors named.
 * @bits: its width.
 * @all:  set if the text is "all" (every vector; @mask stays empty).
 *
 * "all" in any case, or a hex mask written like a CPU mask: "0x"
 * optional, 32-bit words of 1 to 8 hex digits separated by commas, the
 * last the lowest, bit n for vector n. Blanks around it (echo's newline)
 * are ignored; blanks inside it are refused, not taken as separators.
 * Bits at or above @bits name vectors no channel can use on this host
 * (srpt_comp_v_bits()): they are dropped with a warning, so that a mask
 * saved on a host with more CPUs can be restored, unless they are all the
 * mask names.
 *
 * Return: 0, or -EINVAL after a warning that says why.
 */
int srpt_parse_comp_v_mask(const char *buf, size_t len, unsigned long *mask,
			   u32 bits, bool *all)
{
	const char *s = buf, *e = buf + len, *t, *p, *end, *q;
	bool named = false, dropped = false;
	u32 i, b, word;
	int n;

	*all = false;
	while (s < e && isspace(*s))
		s++;
	while (e > s && isspace(e[-1]))
		e--;
	/* The text as written, for messages. */
	t = s;
	n = e - s;
	if (s == e) {
		pr_warn("comp_v_mask: nothing written: write 'all' or a hex mask of completion vectors\n");
		return -EINVAL;
	}
	if (n == 3 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'l' &&
	    (s[2] | 0x20) == 'l') {
		*all = true;
		return 0;
	}
	for (p = s; p < e; p++) {
		if (isspace(*p)) {
			pr_warn("comp_v_mask: '%.*s' has a blank inside: separate 32-bit hex words with commas only\n",
				n, t);
			return -EINVAL;
		}
	}
	if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s == e) {
		pr_warn("comp_v_mask: '%.*s' has no hex digits\n", n, t);
		return -EINVAL;
	}
	for (p = s; p < e; p++) {
		if (*p != ',' && hex_to_bin(*p) < 0) {
			pr_warn("comp_v_mask: '%.*s' is not a hex mask: character %td (0x%02x) is neither a hex digit nor a comma; write 'all', or 32-bit words of up to 8 hex digits separated by commas, 0x optional\n",
				n, t, p - t, (u8)*p);
			return -EINVAL;
		}
	}
	/* The words from the last, the lowest, up. */
	p = e;
	for (i = 0; ; i++) {
		end = p;
		while (p > s && p[-1] != ',')
			p--;
		if (p == end) {
			pr_warn("comp_v_mask: '%.*s' has an empty word: commas separate 32-bit words of 1 to 8 hex digits\n",
				n, t);
			return -EINVAL;
		}
		if (end - p > 8) {
			pr_warn("comp_v_mask: '%.*s' has a word of %td hex digits, '%.*s': a word is 32 bits, 8 digits at most; separate words with commas\n",
				n, t, end - p, (int)(end - p), p);
			return -EINVAL;
		}
		word = 0;
		for (q = p; q < end; q++)
			word = word << 4 | hex_to_bin(*q);
		for (b = 0; b < 32; b++) {
			if (!(word & (1U << b)))
				continue;
			if (i * 32 + b < bits) {
				__set_bit(i * 32 + b, mask);
				named = true;
			} else {
				dropped = true;
			}
		}
		if (p == s)
			break;
		p--;
	}
	if (!named && dropped) {
		pr_warn("comp_v_mask: '%.*s' names only completion vectors above %u, which no channel can use on this host (one per possible CPU at most)\n",
			n, t, bits - 1);
		return -EINVAL;
	}
	if (!named) {
		pr_warn("comp_v_mask: '%.*s' names no completion vector: channels need one\n",
			n, t);
		return -EINVAL;
	}
	if (dropped)
		pr_warn("comp_v_mask: '%.*s': ignoring the completion vectors above %u, which no channel can use on this host (a mask saved where there are more CPUs?)\n",
			n, t, bits - 1);
	return 0;
}

/*
 * Does @mask (@bits wide; NULL: all vectors) name a vector of the device's
 * @nvec that a CQ is put on as vector @u, i.e. @u + k * @usable?
 */
static bool srpt_vector_named(const unsigned long *mask, u32 bits, u32 nvec,
			      u32 usable, u32 u)
{
	u32 v, lim = min(nvec, bits);

	if (!mask)
		return true;
	for (v = u; v < lim; v += usable)
		if (test_bit(v, mask))
			return true;
	return false;
}

/**
 * srpt_next_vector - the completion vector after another in a mask
 * @mask:   the vectors allowed, a bitmap of @bits bits; NULL for all.
 * @bits:   its width.
 * @nvec:   the device's completion vectors (num_comp_vectors).
 * @usable: those a CQ can be on, min(@nvec, online CPUs), at least 1:
 *          ib_cq_pool_get() puts a CQ asked for on vector v on v % @usable.
 * @last:   the vector to go on after, -1 to start from the first.
 *
 * Round robin over the usable vectors that @mask names, a vector of the
 * device at or beyond @usable counting as the one it folds onto, each
 * once however many fold onto it: the vector returned is the one the CQ
 * gets. Vectors the device lacks (@nvec and above) do not count.
 *
 * Return: the first such vector after @last, wrapping around, below
 * @usable; -1 if @mask names none of the device's vectors.
 */
int srpt_next_vector(const unsigned long *mask, u32 bits, u32 nvec,
		     u32 usable, int last)
{
	u32 i, u;

	for (i = 1; i <= usable; i++) {
		u = (u32)(last + i) % usable;
		if (srpt_vector_named(mask, bits, nvec, usable, u))
			return u;
	}
	return -1;
}

/**
 * srpt_count_vectors - how many usable vectors a mask names
 * @mask:   as for srpt_next_vector().
 * @bits:   its width.
 * @nvec:   the device's completion vectors.
 * @usable: those a CQ can be on.
 *
 * Return: the number of vectors srpt_next_vector() goes round, @usable
 * for a mask that names all of them.
 */
u32 srpt_count_vectors(const unsigned long *mask, u32 bits, u32 nvec,
		       u32 usable)
{
	u32 u, n = 0;

	for (u = 0; u < usable; u++)
		n += srpt_vector_named(mask, bits, nvec, usable, u);
	return n;
}
