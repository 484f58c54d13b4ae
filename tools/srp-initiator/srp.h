/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SRP r16a wire formats for the userspace test initiator.
 *
 * The structure layouts, opcodes and constants below are copied from the
 * kernel's include/scsi/srp.h (Linux 6.1, "written using draft Revision 16a
 * of the SRP standard", Copyright (c) 2005 Cisco Systems, dual GPL-2.0 /
 * OpenIB.org BSD licensed), which userspace cannot include. Kernel types are
 * replaced by <stdint.h> ones; every multi-byte field except the tags is big
 * endian on the wire (the kernel's __be16/__be32/__be64). Tags are opaque
 * 8-byte values echoed by the target; we keep them in host order.
 * The sizes are checked with static assertions at the end.
 */
#ifndef SRPI_SRP_H
#define SRPI_SRP_H

#include <stdint.h>

#define SRP_PACKED __attribute__((packed))

/* include/scsi/srp.h: opcodes */
enum {
	SRP_LOGIN_REQ	= 0x00,
	SRP_TSK_MGMT	= 0x01,
	SRP_CMD		= 0x02,
	SRP_I_LOGOUT	= 0x03,
	SRP_LOGIN_RSP	= 0xc0,
	SRP_RSP		= 0xc1,
	SRP_LOGIN_REJ	= 0xc2,
	SRP_T_LOGOUT	= 0x80,
	SRP_CRED_REQ	= 0x81,
	SRP_AER_REQ	= 0x82,
	SRP_CRED_RSP	= 0x41,
	SRP_AER_RSP	= 0x42
};

/* include/scsi/srp.h: req_buf_fmt / buf_fmt bits */
enum {
	SRP_BUF_FORMAT_DIRECT	= 1 << 1,
	SRP_BUF_FORMAT_INDIRECT	= 1 << 2
};

/* include/scsi/srp.h: data buffer descriptor formats (srp_cmd.buf_fmt nibbles) */
enum {
	SRP_NO_DATA_DESC	= 0,
	SRP_DATA_DESC_DIRECT	= 1,
	SRP_DATA_DESC_INDIRECT	= 2,
	SRP_DATA_DESC_IMM	= 3,	/* new in SRP2 */
};

/* include/scsi/srp.h: task management functions */
enum {
	SRP_TSK_ABORT_TASK	= 0x01,
	SRP_TSK_ABORT_TASK_SET	= 0x02,
	SRP_TSK_CLEAR_TASK_SET	= 0x04,
	SRP_TSK_LUN_RESET	= 0x08,
	SRP_TSK_CLEAR_ACA	= 0x40
};

/* include/scsi/srp.h: enum srp_login_rej_reason */
enum {
	SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL		= 0x00010000,
	SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES		= 0x00010001,
	SRP_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE	= 0x00010002,
	SRP_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL		= 0x00010003,
	SRP_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT	= 0x00010004,
	SRP_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED		= 0x00010005,
	SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED		= 0x00010006
};

/* include/scsi/srp.h: struct srp_direct_buf (16 bytes) */
struct srp_direct_buf {
	uint64_t va;		/* be64 */
	uint32_t key;		/* be32 */
	uint32_t len;		/* be32 */
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_indirect_buf (20 bytes + descriptors) */
struct srp_indirect_buf {
	struct srp_direct_buf table_desc;
	uint32_t len;		/* be32: total length of all descriptors */
	struct srp_direct_buf desc_list[];
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_imm_buf (SRP2) */
struct srp_imm_buf {
	uint32_t len;		/* be32 */
} SRP_PACKED;

/* include/scsi/srp.h: srp_login_req.req_flags */
enum {
	SRP_MULTICHAN_SINGLE = 0,
	SRP_MULTICHAN_MULTI  = 1,
	SRP_IMMED_REQUESTED  = 0x80,	/* new in SRP2 */
};

/* include/scsi/srp.h: struct srp_login_req (IB/CM form, 64 bytes) */
struct srp_login_req {
	uint8_t  opcode;
	uint8_t  reserved1[7];
	uint64_t tag;
	uint32_t req_it_iu_len;	/* be32 */
	uint8_t  reserved2[4];
	uint16_t req_buf_fmt;	/* be16 */
	uint8_t  req_flags;
	uint8_t  reserved3[1];
	uint16_t imm_data_offset; /* be16, SRP2 */
	uint8_t  reserved4[2];
	uint8_t  initiator_port_id[16];
	uint8_t  target_port_id[16];
} SRP_PACKED;

/*
 * include/scsi/srp.h: struct srp_login_req_rdma, the RDMA/CM private data
 * (56 bytes: 92 bytes of IB/CM REQ private data minus the 36-byte RDMA/CM
 * header).
 */
struct srp_login_req_rdma {
	uint64_t tag;
	uint16_t req_buf_fmt;	/* be16 */
	uint8_t  req_flags;
	uint8_t  opcode;
	uint32_t req_it_iu_len;	/* be32 */
	uint8_t  initiator_port_id[16];
	uint8_t  target_port_id[16];
	uint16_t imm_data_offset; /* be16 */
	uint8_t  reserved[6];
} SRP_PACKED;

/* include/scsi/srp.h: srp_login_rsp.rsp_flags */
enum {
	SRP_LOGIN_RSP_MULTICHAN_NO_CHAN	   = 0x0,
	SRP_LOGIN_RSP_MULTICHAN_TERMINATED = 0x1,
	SRP_LOGIN_RSP_MULTICHAN_MAINTAINED = 0x2,
	SRP_LOGIN_RSP_IMMED_SUPP	   = 0x80, /* new in SRP2 */
};

/* include/scsi/srp.h: struct srp_login_rsp (52 bytes) */
struct srp_login_rsp {
	uint8_t  opcode;
	uint8_t  reserved1[3];
	uint32_t req_lim_delta;	/* be32 */
	uint64_t tag;
	uint32_t max_it_iu_len;	/* be32 */
	uint32_t max_ti_iu_len;	/* be32 */
	uint16_t buf_fmt;	/* be16 */
	uint8_t  rsp_flags;
	uint8_t  reserved2[25];
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_login_rej (32 bytes) */
struct srp_login_rej {
	uint8_t  opcode;
	uint8_t  reserved1[3];
	uint32_t reason;	/* be32 */
	uint64_t tag;
	uint8_t  reserved2[8];
	uint16_t buf_fmt;	/* be16 */
	uint8_t  reserved3[6];
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_i_logout (16 bytes) */
struct srp_i_logout {
	uint8_t  opcode;
	uint8_t  reserved[7];
	uint64_t tag;
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_t_logout (16 bytes) */
struct srp_t_logout {
	uint8_t  opcode;
	uint8_t  sol_not;
	uint8_t  reserved[2];
	uint32_t reason;	/* be32 */
	uint64_t tag;
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_tsk_mgmt (48 bytes) */
struct srp_tsk_mgmt {
	uint8_t  opcode;
	uint8_t  sol_not;
	uint8_t  reserved1[6];
	uint64_t tag;
	uint8_t  reserved2[4];
	uint8_t  lun[8];	/* struct scsi_lun */
	uint8_t  reserved3[2];
	uint8_t  tsk_mgmt_func;
	uint8_t  reserved4;
	uint64_t task_tag;
	uint8_t  reserved5[8];
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_cmd (48 bytes + additional CDB + descriptors) */
struct srp_cmd {
	uint8_t  opcode;
	uint8_t  sol_not;
	uint8_t  reserved1[3];
	uint8_t  buf_fmt;	/* data-out format << 4 | data-in format */
	uint8_t  data_out_desc_cnt;
	uint8_t  data_in_desc_cnt;
	uint64_t tag;
	uint8_t  reserved2[4];
	uint8_t  lun[8];	/* struct scsi_lun */
	uint8_t  reserved3;
	uint8_t  task_attr;
	uint8_t  reserved4;
	uint8_t  add_cdb_len;	/* bits 7..2: additional CDB length in dwords */
	uint8_t  cdb[16];
	uint8_t  add_data[];
} SRP_PACKED;

/* include/scsi/srp.h: srp_rsp.flags */
enum {
	SRP_RSP_FLAG_RSPVALID = 1 << 0,
	SRP_RSP_FLAG_SNSVALID = 1 << 1,
	SRP_RSP_FLAG_DOOVER   = 1 << 2,
	SRP_RSP_FLAG_DOUNDER  = 1 << 3,
	SRP_RSP_FLAG_DIOVER   = 1 << 4,
	SRP_RSP_FLAG_DIUNDER  = 1 << 5
};

/* include/scsi/srp.h: struct srp_rsp (36 bytes + response data + sense) */
struct srp_rsp {
	uint8_t  opcode;
	uint8_t  sol_not;
	uint8_t  reserved1[2];
	uint32_t req_lim_delta;	/* be32 */
	uint64_t tag;
	uint8_t  reserved2[2];
	uint8_t  flags;
	uint8_t  status;
	uint32_t data_out_res_cnt; /* be32 */
	uint32_t data_in_res_cnt;  /* be32 */
	uint32_t sense_data_len;   /* be32 */
	uint32_t resp_data_len;    /* be32 */
	uint8_t  data[];
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_cred_req / srp_cred_rsp (16 bytes) */
struct srp_cred_req {
	uint8_t  opcode;
	uint8_t  sol_not;
	uint8_t  reserved[2];
	uint32_t req_lim_delta;	/* be32 */
	uint64_t tag;
} SRP_PACKED;

struct srp_cred_rsp {
	uint8_t  opcode;
	uint8_t  reserved[7];
	uint64_t tag;
} SRP_PACKED;

/* include/scsi/srp.h: struct srp_aer_rsp (16 bytes) */
struct srp_aer_rsp {
	uint8_t  opcode;
	uint8_t  reserved[7];
	uint64_t tag;
} SRP_PACKED;

_Static_assert(sizeof(struct srp_direct_buf) == 16, "srp_direct_buf");
_Static_assert(sizeof(struct srp_indirect_buf) == 20, "srp_indirect_buf");
_Static_assert(sizeof(struct srp_login_req) == 64, "srp_login_req");
_Static_assert(sizeof(struct srp_login_req_rdma) == 56, "srp_login_req_rdma");
_Static_assert(sizeof(struct srp_login_rsp) == 52, "srp_login_rsp");
_Static_assert(sizeof(struct srp_login_rej) == 32, "srp_login_rej");
_Static_assert(sizeof(struct srp_i_logout) == 16, "srp_i_logout");
_Static_assert(sizeof(struct srp_tsk_mgmt) == 48, "srp_tsk_mgmt");
_Static_assert(sizeof(struct srp_cmd) == 48, "srp_cmd");
_Static_assert(sizeof(struct srp_rsp) == 36, "srp_rsp");

/* SRP r16a table 23 (RSP_CODE of a task management response) */
enum {
	SRP_TMF_RSP_COMPLETE		= 0x00,
	SRP_TMF_RSP_FIELDS_INVALID	= 0x02,
	SRP_TMF_RSP_NOT_SUPPORTED	= 0x04,
	SRP_TMF_RSP_FAILED		= 0x05,
};

/* SCSI (SPC/SBC) bits we use */
enum {
	SCSI_TEST_UNIT_READY	= 0x00,
	SCSI_INQUIRY		= 0x12,
	SCSI_READ_CAPACITY_10	= 0x25,
	SCSI_READ_10		= 0x28,
	SCSI_WRITE_10		= 0x2a,
	SCSI_REPORT_LUNS	= 0xa0,
	SCSI_VARLEN		= 0x7f,

	SAM_STAT_GOOD		= 0x00,
	SAM_STAT_CHECK_CONDITION = 0x02,
	SAM_STAT_BUSY		= 0x08,
	SAM_STAT_TASK_ABORTED	= 0x40,

	SENSE_ILLEGAL_REQUEST	= 0x05,
	SENSE_UNIT_ATTENTION	= 0x06,
};

#endif /* SRPI_SRP_H */
