/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI RDMA Protocol (SRP) target: the protocol without a device.
 *
 * srpt_proto.c works on information units as plain buffers and structs:
 * no ib_device, QP, CQ or target_core object, no lock, no allocation. The
 * rest of the driver receives and sends, this code reads and writes the
 * bytes. tools/unit compiles it into a host program and tests it
 * (Documentation/infiniband/srpt-testing.rst, "Unit tests"). Section
 * numbers are those of SRP r16a (T10/1415-D revision 16a).
 */
#ifndef SRPT_PROTO_H
#define SRPT_PROTO_H

#include <linux/dma-direction.h>
#include <linux/socket.h>
#include <linux/types.h>
#ifdef SRPT_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else	/* before v6.12 (5f60d5f6bbc1), see Kbuild */
#include <asm/unaligned.h>
#endif
#include <rdma/ib_verbs.h>
#include <scsi/srp.h>
#include <target/target_core_base.h>

/*
 * Limits. The SRP_LOGIN_REQ is 64 bytes (SRP r16a, 5.6.2) and an initiator
 * may not ask for a smaller information unit; a response has to fit the
 * 36-byte SRP_RSP header plus at least a fixed-format sense header.
 */
enum {
	SRPT_MIN_REQ_SIZE	= 64,
	SRPT_MAX_REQ_SIZE	= 65536,
	SRPT_DEF_REQ_SIZE	= 8260,

	SRPT_MIN_RSP_SIZE	= 64,
	SRPT_MAX_RSP_SIZE	= 1024,
	SRPT_DEF_RSP_SIZE	= 256,

	SRPT_MIN_RDMA_SIZE	= 4096,
	SRPT_MAX_RDMA_SIZE	= 16 << 20,
	SRPT_DEF_RDMA_SIZE	= 1 << 20,

	SRPT_MIN_SQ_SIZE	= 16,
	SRPT_MAX_SQ_SIZE	= 16384,
	SRPT_DEF_SQ_SIZE	= 4096,

	SRPT_MAX_RQ_SIZE	= 512,
	SRPT_RDMA_READ_DEPTH	= 16,	/* RDMA READs in flight per QP, at most */
	SRPT_MAX_CH_PER_NEXUS	= 64,
	SRPT_MAX_NEXUS_PER_ACL	= 256,	/* sessions one ACL admits at once */
	SRPT_MAX_EXT_DESCS	= 1024,	/* external descriptor table entries */
	/* SRP_CMD: 16 CDB bytes plus up to 252 (ADDITIONAL CDB LENGTH) */
	SRPT_MAX_CDB_LEN	= 16 + 252,
	/* Retries of a data mapping, 10 ms apart, before the command fails */
	SRPT_MAX_RW_RETRIES	= 1000,
	SRPT_RD_GEOMETRY_SLOTS	= 8,	/* LUN block sizes a channel remembers */

	SRPT_MIN_SRQ_SIZE	= 4,
	SRPT_MAX_SRQ_SIZE	= 65535,
	SRPT_DEF_SRQ_SIZE	= 4095,

	/*
	 * Immediate data is handed to the backend in place when it starts on
	 * a logical block boundary: block devices need that alignment for
	 * DMA. SRQ buffers are shared by all channels, so they are laid out
	 * for the offset the Linux initiator asks for (room for a 32-byte CDB
	 * and one struct srp_imm_buf); other offsets are copied.
	 */
	SRPT_IMM_ALIGN		= 512,

	/*
	 * Responses up to this size are sent inline where the device can:
	 * an SRP_RSP with fixed-format sense data fits.
	 */
	SRPT_RSP_INLINE		= 128,
	SRPT_SRQ_IMM_OFFSET	= sizeof(struct srp_cmd) + 16 +
				  sizeof(struct srp_imm_buf),
};

/* SRP_T_LOGOUT reasons (SRP r16a 6.5, table 12) that we send. */
enum {
	SRPT_LOGOUT_NO_REASON		= 0x0,
	SRPT_LOGOUT_INVALID_IU_TYPE	= 0x2,	/* not an initiator request */
	SRPT_LOGOUT_UNSOLICITED_RSP	= 0x3,	/* answers nothing we sent */
	SRPT_LOGOUT_MULTICHANNEL	= 0x4,	/* multichannel action */
	SRPT_LOGOUT_DATA_OUT_FMT	= 0x6,	/* unsupported DATA-OUT format */
	SRPT_LOGOUT_DATA_IN_FMT		= 0x7,	/* unsupported DATA-IN format */
};

/* SRP r16a 6.9, table 23: RSP_CODE of a task management response. */
enum {
	SRPT_TMF_COMPLETE	= 0x00,
	SRPT_TMF_FIELDS_INVALID	= 0x02,
	SRPT_TMF_NOT_SUPPORTED	= 0x04,
	SRPT_TMF_FAILED		= 0x05,
};

/*
 * Login outcomes counted per target port, shown in
 * "srpt/<port>/fabric_statistics/srpt_login_stats/".
 */
enum srpt_login_stat {
	SRPT_LOGIN_ACCEPTED,
	SRPT_LOGIN_REJ_MALFORMED,	/* not an SRP_LOGIN_REQ */
	SRPT_LOGIN_REJ_IU_LEN,		/* req_it_iu_len out of bounds */
	SRPT_LOGIN_REJ_BUF_FMT,		/* unsupported buffer formats */
	SRPT_LOGIN_REJ_TARGET_ID,	/* target port id is not ours */
	SRPT_LOGIN_REJ_NO_TPG,		/* no enabled TPG */
	SRPT_LOGIN_REJ_NO_ACL,		/* no ACL admits the initiator */
	SRPT_LOGIN_REJ_CH_LIMIT,	/* SRPT_MAX_CH_PER_NEXUS reached */
	SRPT_LOGIN_REJ_RESOURCES,	/* QP, CQ, memory, device removal */
	/* IUs refused on a live channel with SRP_T_LOGOUT (SRP r16a 6.5) */
	SRPT_IU_REJ_TYPE,		/* not an initiator request, too short */
	SRPT_IU_REJ_UNSOLICITED,	/* a response to nothing we sent */
	SRPT_IU_REJ_FORMAT,		/* unsupported descriptor format */
	SRPT_LOGIN_NR_STATS
};

struct srpt_port;

/**
 * struct srpt_login - a login request in CM-independent form
 * @tag:             initiator's tag, echoed in the response.
 * @req_it_iu_len:   requested maximum initiator-to-target IU length.
 * @req_buf_fmt:     buffer formats the initiator will use.
 * @req_flags:       multichannel action and SRP_IMMED_REQUESTED.
 * @imm_data_offset: where immediate data starts in an SRP_CMD.
 * @i_port_id:       initiator port identifier.
 * @t_port_id:       target port identifier (id_ext, ioc_guid).
 * @sport:           the RDMA port the request arrived on.
 * @src:             source address (RDMA/CM), or NULL.
 * @rsp:             the SRP_LOGIN_RSP to send on success.
 * @rej_reason:      the SRP_LOGIN_REJ reason on failure.
 * @stat:            the outcome counted in the target port's login_stats.
 */
struct srpt_login {
	u64			tag;
	u32			req_it_iu_len;
	u16			req_buf_fmt;
	u8			req_flags;
	u16			imm_data_offset;
	u8			i_port_id[16];
	u8			t_port_id[16];
	struct srpt_port	*sport;
	const struct sockaddr	*src;
	struct srp_login_rsp	rsp;
	u32			rej_reason;
	enum srpt_login_stat	stat;
};

/**
 * struct srpt_login_grant - what an accepted login gets (SRP_LOGIN_RSP)
 * @req_lim:       credits: the channel's receive buffers.
 * @max_it_iu_len: the initiator-to-target IU size accepted.
 * @max_ti_iu_len: the largest target-to-initiator IU.
 * @multichan:     SRP_LOGIN_RSP_MULTICHAN_* result of the login.
 * @imm_data:      immediate data is granted.
 */
struct srpt_login_grant {
	u32	req_lim;
	u32	max_it_iu_len;
	u32	max_ti_iu_len;
	u8	multichan;
	bool	imm_data;
};

bool srpt_decode_login_req(struct srpt_login *lg,
			   const struct srp_login_req *req);
bool srpt_decode_login_req_rdma(struct srpt_login *lg,
				const struct srp_login_req_rdma *req, u32 len);
bool srpt_login_is_valid(struct srpt_login *lg, const char *who,
			 u32 max_req_size, u64 service_guid);
u32 srpt_imm_data_offset(const struct srpt_login *lg);
void srpt_build_login_rsp(struct srpt_login *lg,
			  const struct srpt_login_grant *grant);
void srpt_build_login_rej(struct srp_login_rej *rej,
			  const struct srpt_login *lg);

/* How a target port is named in configfs. */
enum srpt_tport_kind {
	SRPT_TPORT_GUID,	/* "xxxx:xxxx:xxxx:xxxx": GID interface id */
	SRPT_TPORT_GID,		/* "0x" + 32 hex digits: the whole GID 0 */
};

/* How an ACL names its initiator. */
enum srpt_nacl_kind {
	SRPT_NACL_PORT_ID,	/* 128-bit SRP initiator port identifier */
	SRPT_NACL_GUID,		/* matches the low 64 bits of the port id */
	SRPT_NACL_ADDR,		/* source IP address of an RDMA/CM login */
};

/**
 * struct srpt_acl_id - the initiator(s) an ACL admits
 * @kind:    which of @port_id / @addr is meaningful.
 * @port_id: SRP initiator port identifier (SRP r16a 5.6.2), big endian;
 *           for SRPT_NACL_GUID only its low 8 bytes (the port GUID).
 * @addr:    IPv4 or IPv6 address.
 */
struct srpt_acl_id {
	enum srpt_nacl_kind	kind;
	u8			port_id[16];
	struct sockaddr_storage	addr;
};

int srpt_parse_gid(const char *name, enum srpt_tport_kind *kind,
		   union ib_gid *gid);
int srpt_parse_acl_name(const char *name, struct srpt_acl_id *id);
bool srpt_acl_admits(const struct srpt_acl_id *id,
		     const struct srpt_login *lg);

/**
 * struct srpt_cmd_data - the data of an SRP_CMD, as its data buffer
 * descriptors give it (SRP r16a 5.5, 6.8)
 * @dir:    from the buffer formats: DMA_TO_DEVICE (DATA-OUT),
 *          DMA_FROM_DEVICE (DATA-IN) or DMA_NONE.
 * @fmt:    the format used: SRP_NO_DATA_DESC, SRP_DATA_DESC_DIRECT,
 *          SRP_DATA_DESC_INDIRECT or SRP_DATA_DESC_IMM.
 * @len:    bytes of data: the direct descriptor's LENGTH, the indirect
 *          TOTAL LENGTH, or the immediate data's LENGTH.
 * @n_desc: memory descriptors: 1 for a direct descriptor, the table's
 *          entries for an indirect one, else 0.
 * @direct: of a direct descriptor: that descriptor, copied out of the IU.
 * @table:  of an indirect descriptor: the descriptor of its table in
 *          initiator memory.
 * @list:   of an indirect descriptor whose table is all in the IU: its
 *          first entry (struct srp_direct_buf), in the IU, only 4-byte
 *          aligned; else NULL.
 * @fetch:  the IU holds fewer descriptors than the table: read the whole
 *          table from @table first (SRP r16a 5.5.4.3).
 *
 * @direct and @table are set only for the formats that have them.
 */
struct srpt_cmd_data {
	enum dma_data_direction		dir;
	u8				fmt;
	u32				len;
	u32				n_desc;
	struct srp_direct_buf		direct;
	struct srp_direct_buf		table;
	const void			*list;
	bool				fetch;
};

sense_reason_t srpt_parse_cmd(const struct srp_cmd *cmd, u32 byte_len,
			      u32 imm_data_offset, u32 max_rdma_size,
			      const char *who, struct srpt_cmd_data *data);
sense_reason_t srpt_check_desc_sum(const void *table, u32 n, u32 total);

/*
 * The small helpers of every command are inline: a call to another file
 * would cost the I/O path more than their bodies.
 */

/**
 * srpt_cmd_fmt_logout - does an SRP_CMD name a format that ends the channel?
 * @cmd:             the IU, in a buffer of at least sizeof(*cmd) bytes.
 * @byte_len:        bytes of it received.
 * @imm_data_offset: where immediate data starts, 0 if the channel has none.
 *
 * SRP r16a 6.8: an SRP_CMD with a data buffer descriptor format the target
 * does not support ends the channel (SRP_T_LOGOUT). Supported: none,
 * direct, indirect and, for DATA-OUT on a channel granted immediate data,
 * SRP2's immediate data. An IU too short to say is answered with CHECK
 * CONDITION instead (srpt_parse_cmd()).
 *
 * Return: the SRP_T_LOGOUT reason, or 0.
 */
static inline u32 srpt_cmd_fmt_logout(const struct srp_cmd *cmd,
				      u32 byte_len, u32 imm_data_offset)
{
	u8 fmt_out = cmd->buf_fmt >> 4, fmt_in = cmd->buf_fmt & 0xf;

	if (byte_len < sizeof(*cmd))
		return 0;
	if (fmt_out > SRP_DATA_DESC_INDIRECT &&
	    !(fmt_out == SRP_DATA_DESC_IMM && imm_data_offset))
		return SRPT_LOGOUT_DATA_OUT_FMT;
	if (fmt_in > SRP_DATA_DESC_INDIRECT)
		return SRPT_LOGOUT_DATA_IN_FMT;
	return 0;
}

/**
 * srpt_task_attr - the target_core task attribute of an SRP_CMD
 * @srp_attr: TASK ATTRIBUTE as received.
 *
 * Return: TCM_*_TAG; SIMPLE for a value SRP does not define.
 */
static inline int srpt_task_attr(u8 srp_attr)
{
	/* SRP r16a table 21 uses the SAM task attribute codes. */
	switch (srp_attr) {
	case 1:
		return TCM_HEAD_TAG;
	case 2:
		return TCM_ORDERED_TAG;
	case 4:
		return TCM_ACA_TAG;
	default:
		return TCM_SIMPLE_TAG;
	}
}

/* The residual an SRP_RSP reports (SRP r16a 6.9). */
enum srpt_resid {
	SRPT_RESID_NONE,
	SRPT_RESID_UNDER,	/* fewer bytes moved than the descriptors hold */
	SRPT_RESID_OVER,	/* the command wanted more than they hold */
};

/**
 * struct srpt_cmd_result - what the SRP_RSP answering an SRP_CMD says
 * @tag:         the command's tag, echoed as received.
 * @status:      SCSI status.
 * @data_out:    the residual is of the DATA-OUT buffer (else DATA-IN).
 * @resid:       underflow, overflow or none.
 * @resid_count: the residual count, in bytes.
 * @sense:       sense data, or NULL.
 * @sense_len:   bytes of @sense; cut to what fits the response.
 */
struct srpt_cmd_result {
	u64		tag;
	u8		status;
	bool		data_out;
	enum srpt_resid	resid;
	u32		resid_count;
	const u8	*sense;
	u32		sense_len;
};

u32 srpt_build_cmd_rsp(struct srp_rsp *rsp, u32 max_len,
		       const struct srpt_cmd_result *res);
u32 srpt_build_tmf_rsp(struct srp_rsp *rsp, u64 tag, u8 rsp_code);

/**
 * srpt_set_req_lim_delta - set the credits an SRP_RSP returns
 * @rsp:   the response.
 * @delta: REQUEST LIMIT DELTA (SRP r16a 5.4.2).
 */
static inline void srpt_set_req_lim_delta(struct srp_rsp *rsp, u32 delta)
{
	rsp->req_lim_delta = cpu_to_be32(delta);
}

u32 srpt_build_t_logout(struct srp_t_logout *iu, u32 reason);
u32 srpt_build_cred_req(struct srp_cred_req *iu, u64 tag, u32 delta);

/**
 * struct srpt_tmf_req - a decoded SRP_TSK_MGMT (SRP r16a 6.7)
 * @tag:      its tag, echoed in the response.
 * @lun:      the logical unit.
 * @task_tag: the tag of the task ABORT TASK names.
 * @srp_func: TASK MANAGEMENT FLAGS as received.
 * @tcm_func: the target_core function (enum tcm_tmreq_table) for it;
 *            valid when srpt_decode_tmf() returns SRPT_TMF_COMPLETE.
 */
struct srpt_tmf_req {
	u64	tag;
	u64	lun;
	u64	task_tag;
	u8	srp_func;
	u8	tcm_func;
};

u8 srpt_decode_tmf(const struct srp_tsk_mgmt *tsk, u32 len, const char *who,
		   struct srpt_tmf_req *req);
u8 srpt_tmf_rsp_code(u8 tcm_response);

u32 srpt_srq_split(u32 budget, u32 vectors, u32 max_srq, u32 max_srq_wr,
		   u32 *nr_srqs);
int srpt_parse_comp_v_mask(const char *buf, size_t len, unsigned long *mask,
			   u32 bits, bool *all);
int srpt_next_vector(const unsigned long *mask, u32 bits, u32 nvec,
		     u32 usable, int last);
u32 srpt_count_vectors(const unsigned long *mask, u32 bits, u32 nvec,
		       u32 usable);

#endif /* SRPT_PROTO_H */
