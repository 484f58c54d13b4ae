/* SPDX-License-Identifier: GPL-2.0 */
/* srp-initiator: declarations shared by its source files. */
#ifndef SRPI_H
#define SRPI_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "srp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Test results, also the process exit codes (selftests/run.sh conventions). */
enum { RES_PASS = 0, RES_FAIL = 1, RES_SKIP = 4 };

/* ------------------------------------------------------------- options */

struct srpi_cfg {
	const char *dst;	/* target address (default 10.0.2.15) */
	const char *src;	/* source address (default: same as dst) */
	int port;		/* RDMA/CM port (default 5555) */
	uint64_t guid;		/* srpt_service_guid: id_ext and ioc_guid */
	uint64_t iext;		/* initiator_ext: first half of our port id */
	uint64_t lun;		/* the mapped LUN to use (default 0) */
	uint64_t bad_lun;	/* an unmapped LUN (default 1) */
	const char *tpg;	/* configfs TPG directory, for cases changing it */
	const char *port_dir;	/* configfs target port directory */
	int verbose;		/* print every IU (2: with hex dumps) */
	int no_health;		/* skip the health check after a case */
	int strict;		/* known target bugs fail their cases */
	int tolerate_imm_repost; /* fuzz: report the a1201a9 bug, go on */
	uint32_t lba;		/* scratch area of the LUN we may overwrite */
	double time_scale;	/* waits for answers: SELFTEST_TIMEOUT_SCALE */
};
extern struct srpi_cfg cfg;

/* ------------------------------------------------------------- logging */

void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmsg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hexdump(const char *prefix, const void *buf, size_t len);
double now_s(void);
double wait_until(int ms);
int ms_left(double end);
void sleep_ms(int ms);

/* --------------------------------------------------------- connections */

/* What the initiator puts into SRP_LOGIN_REQ, and how it sets itself up. */
struct login_params {
	uint64_t tag;
	uint16_t buf_fmt;	/* host order */
	uint8_t  flags;		/* req_flags */
	uint8_t  opcode;
	uint32_t it_iu_len;
	uint8_t  iport[16];
	uint8_t  tport[16];
	uint16_t imm_off;
	/* raw_len >= 0: send these bytes as private data instead */
	const void *raw;
	int raw_len;
	/* our side */
	int nrecv;		/* receive buffers posted before connecting */
	int max_recv;		/* receive queue depth */
	int nsend;		/* send slots */
	size_t data_len;	/* registered data buffer */
	int timeout_ms;		/* for the login to be answered */
};

enum login_outcome { LOGIN_ACCEPTED, LOGIN_REJECTED, LOGIN_ERROR };

struct login_result {
	enum login_outcome outcome;
	int cm_event;		/* RDMA_CM_EVENT_* that ended the login */
	int cm_status;
	uint8_t pdata[256];	/* private data of that event */
	int pdata_len;
	struct srp_login_rsp rsp;
	struct srp_login_rej rej;
	char err[160];
};

/* A received information unit. */
struct iu {
	struct iu *next;
	size_t len;
	uint8_t buf[];
};

struct conn {
	struct rdma_event_channel *ec;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *cc;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	/* receive buffers */
	uint8_t *rbuf;
	struct ibv_mr *rmr;
	int max_recv, recv_posted;
	size_t rlen;
	uint8_t *rposted;	/* per buffer: posted to the receive queue */
	bool auto_repost;
	/* send slots */
	uint8_t *sbuf;
	struct ibv_mr *smr;
	int nsend, send_busy;
	size_t slen;
	uint8_t *slot_busy;
	/* data buffer, registered with remote read and write access */
	uint8_t *data;
	struct ibv_mr *dmr;
	size_t data_len;
	/* login */
	struct srp_login_rsp lrsp;
	uint32_t max_it, max_ti;
	bool imm;
	/* credits: req_lim as the initiator sees it */
	int64_t credits, req_lim0;
	uint64_t ius_sent, ius_recvd;
	uint64_t next_tag;
	/* state */
	bool established, disconnected, qp_error;
	int first_wc_err;	/* ibv_wc_status of the first failed WC */
	int first_wc_opcode;
	struct iu *q_head, *q_tail;
	int q_len;
	/* target-initiated requests (SRP r16a 6.5, 6.11, 6.12) */
	bool answer_requests;	/* answer SRP_CRED_REQ/SRP_AER_REQ (default) */
	struct { uint64_t tag; uint8_t op; } pending_rsp[64];	/* answers to send */
	int n_pending_rsp;
	uint64_t cred_reqs, aer_reqs, t_logouts;
	uint32_t t_logout_reason;	/* of the last SRP_T_LOGOUT */
	bool t_logout_checked;	/* a case checked that reason (conn_free() fails otherwise) */
	uint64_t last_cred_tag;	/* tag of the last SRP_CRED_REQ */
	/*
	 * Credit invariant (checked at every SRP_RSP and SRP_CRED_REQ when
	 * credit_check is set): credits + commands without an SRP_RSP yet <=
	 * req_lim0. cmds_out counts SRP_CMD/SRP_TSK_MGMT sent minus SRP_RSPs.
	 */
	bool credit_check;
	int64_t cmds_out;
	uint64_t credit_violations;
	char credit_err[160];	/* the first violation */
	char proto_err[160];	/* first malformed target request */
	char name[32];
};

void login_defaults(struct login_params *p);
int local_port_id(uint8_t id[16]);	/* our initiator port id */
void target_port_id(uint8_t id[16]);	/* id_ext + ioc_guid */
struct conn *srp_connect(const struct login_params *p, struct login_result *r);
struct conn *srp_login_ok(const char *what, const struct login_params *p);
void conn_close(struct conn *c);		/* disconnect and free */
void conn_abandon(struct conn *c);		/* free without disconnect */
int conn_pump(struct conn *c, int timeout_ms);
int conn_send(struct conn *c, const void *iu, size_t len);
int conn_post_recvs(struct conn *c, int n);
struct iu *conn_wait_iu(struct conn *c, int timeout_ms);
uint64_t iu_tag(const struct iu *iu);
struct iu *conn_wait_tag(struct conn *c, uint64_t tag, int timeout_ms);
bool conn_dead(const struct conn *c);
int conn_wait_dead(struct conn *c, int timeout_ms);
int conn_quiet(struct conn *c, int ms);	/* no IU for ms; returns #IUs */
void conn_flush_sends(struct conn *c, int timeout_ms);
uint64_t conn_tag(struct conn *c);
/*
 * Oracles for SRP_T_LOGOUT (SRP r16a 6.5): exactly one, with @reason, was
 * received; or (allow) none or only ones with @reason. Both mark the
 * channel's logouts as checked: conn_free() fails a channel that got an
 * SRP_T_LOGOUT no case looked at.
 */
int expect_t_logout(struct conn *c, const char *what, uint32_t reason);
int allow_t_logout(struct conn *c, const char *what, uint32_t reason);

/* --------------------------------------------------------------- IUs */

/* A parsed SRP_RSP. */
struct rsp_info {
	uint64_t tag;
	uint8_t flags, status;
	uint32_t req_lim_delta, dout_res, din_res, sense_len, resp_len;
	const uint8_t *resp, *sense;
	size_t len;
};

/* What a test expects of an SRP_RSP; checked field by field. */
struct want {
	uint8_t status;
	uint8_t flags;		/* exact SRP_RSP flags */
	uint32_t din_res, dout_res;
	int key, asc, ascq;	/* for SNSVALID: fixed-format sense */
	int rsp_code;		/* for RSPVALID */
};
#define WANT_GOOD ((struct want){ .status = SAM_STAT_GOOD })
#define WANT_CC(k, a, q) ((struct want){ .status = SAM_STAT_CHECK_CONDITION, \
	.flags = SRP_RSP_FLAG_SNSVALID, .key = (k), .asc = (a), .ascq = (q) })
#define WANT_BAD_IU WANT_CC(SENSE_ILLEGAL_REQUEST, 0x0e, 0x03)
#define WANT_TMF(code) ((struct want){ .flags = SRP_RSP_FLAG_RSPVALID, .rsp_code = (code) })

/* The size of the sense data target_core sends (TRANSPORT_SENSE_BUFFER). */
#define LIO_SENSE_LEN 96

void scsi_lun(uint8_t out[8], uint64_t lun);
size_t build_cmd(uint8_t *iu, uint64_t tag, uint64_t lun, const uint8_t *cdb,
		 size_t cdb_len);
size_t add_direct(uint8_t *iu, size_t off, uint64_t va, uint32_t key, uint32_t len);
size_t build_tmf(uint8_t *iu, uint64_t tag, uint64_t lun, uint8_t func,
		 uint64_t task_tag);
void cdb_rw10(uint8_t cdb[10], uint8_t op, uint32_t lba, uint16_t blocks);
void cdb_tur(uint8_t cdb[6]);
void cdb_read_capacity10(uint8_t cdb[10]);
void cdb_report_luns(uint8_t cdb[12], uint32_t alloc);
void cdb_inquiry(uint8_t cdb[6], uint16_t alloc);
int parse_rsp(const uint8_t *buf, size_t len, uint32_t max_ti,
	      struct rsp_info *ri, char *err, size_t errlen);
int check_rsp(const char *what, const struct iu *iu, uint32_t max_ti,
	      uint64_t tag, const struct want *w);
void print_iu(const char *dir, const uint8_t *buf, size_t len);
const char *opcode_name(uint8_t op);

/* Common command helpers on the registered data buffer. */
enum { DIR_NONE, DIR_OUT, DIR_IN };
int scsi_exec(struct conn *c, const uint8_t *cdb, size_t cdb_len, int dir,
	      size_t data_off, uint32_t len, struct iu **rsp, int timeout_ms);
int clear_ua(struct conn *c);
void fill_pattern(uint8_t *p, size_t len, uint32_t seed);
int check_pattern(const uint8_t *p, size_t len, uint32_t seed);

/* --------------------------------------------------------- test support */

extern int check_failures;
int check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int health_check(const char *why);
int demo(void);
int cfs_write(const char *dir, const char *attr, const char *val);
int cfs_read(const char *dir, const char *attr, char *buf, size_t len);

struct tcase;	/* a table case: its IUs or logins and their answers (cases.c) */

struct hcase {
	const char *name;
	const char *group;
	const char *expect;
	int (*fn)(void);	/* a function case; NULL for a table case (tc) */
	/*
	 * A target bug this case is known to hit: a wrong answer then counts
	 * as XFAIL (passing) unless --strict; survival failures (health
	 * check, channel leak, kernel splat) always fail.
	 */
	const char *known_bug;
	const struct tcase *tc;	/* a table case, run by tcase_run() */
};
extern const struct hcase hcases[];
int tcase_run(const struct tcase *tc);
int child_main(const char *name);
extern const size_t n_hcases;

struct fuzz_opts {
	uint64_t seed;
	uint64_t first, count;
	double time_s;
	int keep_going;
};
int fuzz_main(const struct fuzz_opts *fo);

/* kernel log watching (splats), for the fuzzer and cases */
int kmsg_open(void);
int kmsg_scan(int fd, char *hit, size_t hitlen);	/* 1: splat seen */

#endif /* SRPI_H */
