// SPDX-License-Identifier: GPL-2.0
/*
 * srp-initiator: a small, deliberately hostile SCSI RDMA Protocol initiator
 * (SRP r16a + SRP2 immediate data) on rdma-core (libibverbs + librdmacm),
 * for testing the ib_srpt target. It logs in over RDMA/CM, sends IUs it
 * builds by hand and checks every answer byte for byte.
 *
 * USAGE
 *   srp-initiator [OPTIONS] demo             one good login, READ CAPACITY(10),
 *                                            WRITE(10)+READ(10) of a pattern,
 *                                            logout; prints every IU
 *   srp-initiator [OPTIONS] health           the same, quietly: exit 0 if the
 *                                            target is usable
 *   srp-initiator [OPTIONS] port-id          print our SRP initiator port id,
 *                                            i.e. the configfs ACL name
 *   srp-initiator list [GROUP]               the hostile cases with their
 *                                            expected answers
 *   srp-initiator [OPTIONS] case NAME...     run cases; each is followed by a
 *                                            health check and channel-leak
 *                                            checks (no QP or CM id of ib_srpt
 *                                            left in rdma resource show, the
 *                                            ACL's info file) unless --no-health
 *   srp-initiator [OPTIONS] group GROUP...   every case of the groups
 *   srp-initiator [OPTIONS] fuzz [--seed N] [--count M] [--time S] [--first K]
 *                 [--keep-going]
 *        Mutates valid logins and IUs (reproducible: case K of seed N is
 *        generated from (N, K) alone; without --seed every run takes a new
 *        random seed, printed first), checks every answer, and after every
 *        case that the target still answers a known-good command, that no
 *        credit leaked and that dmesg shows no splat. Stops by itself after
 *        M cases or S seconds, at the first anomaly unless --keep-going, and
 *        prints the seed and case to reproduce it with
 *        "fuzz --seed N --first K --count 1" (or "--first 0 --count K+1" if
 *        the state of earlier cases matters).
 *
 * OPTIONS
 *   -d, --dst ADDR      target IP address (default 10.0.2.15)
 *   -s, --src ADDR      source IP address (default: the target address)
 *   -p, --port N        RDMA/CM port (default 5555)
 *   -g, --guid HEX      srpt_service_guid (default: read from
 *                       /sys/module/ib_srpt/parameters/srpt_service_guid)
 *   -e, --iext HEX      initiator_ext, the first 8 bytes of our initiator
 *                       port id (default 0x5352504900000000)
 *       --lun N         mapped LUN to use (default 0)
 *       --bad-lun N     a LUN that is not mapped (default 1)
 *       --lba N         first LBA of a 40 MiB scratch area (default 8192;
 *                       the LUN needs 64 MiB for the big-transfer cases)
 *       --tpg DIR       configfs TPG directory (cases that change the TPG
 *                       configuration skip without it)
 *       --tolerate-imm-repost  fuzz: treat the double repost of a refused
 *                       immediate-data command's receive buffer (fixed in
 *                       a1201a9) as known and go on with a fresh channel
 *       --no-health     no health/leak check after each case
 *       --strict        cases marked with a known target bug fail (default:
 *                       a wrong answer there is reported as XFAIL; a
 *                       failed health/leak/splat check always fails)
 *   -v, --verbose       print every IU (twice: with hex dumps)
 *
 * ENVIRONMENT
 *   SELFTEST_TIMEOUT_SCALE  multiplies every wait for an answer (not the
 *                       windows in which nothing may arrive), as the guest
 *                       tests' waits are: the debug-kernel lane sets 6
 *
 * Exit status: 0 pass (every case named passed), 1 fail, 4 skip (a case
 * skipped, none failed; selftests/run.sh conventions), 2 usage. Runs as root in the test guest only (needs ib_uverbs, rdma_ucm and
 * a soft-RoCE device); see selftests/hostile/ for the configfs setup.
 *
 * Build on the host: make -C tools/srp-initiator (the guest sees the host's
 * root read-only, so the binary runs there unchanged).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "srpi.h"

struct srpi_cfg cfg = {
	.dst = "10.0.2.15",
	.port = 5555,
	.time_scale = 1,
	.iext = 0x5352504900000000ULL,	/* "SRPI" */
	.lun = 0,
	.bad_lun = 1,
	.lba = 8192,
};

static int read_guid(void)
{
	char buf[64];

	if (cfs_read("/sys/module/ib_srpt/parameters", "srpt_service_guid", buf, sizeof(buf))) {
		msg("error: ib_srpt is not loaded (no srpt_service_guid); pass --guid");
		return -1;
	}
	cfg.guid = strtoull(buf, NULL, 0);
	return 0;
}

/* ----------------------------------------------------- demo and health */

static int rw_roundtrip(struct conn *c, const char *what, uint32_t lba, uint32_t blocks,
			uint32_t seed)
{
	uint32_t len = blocks * 512;
	uint8_t cdb[10];
	struct iu *r;
	int f = 0, bad;

	fill_pattern(c->data, len, seed);
	memset(c->data + (1 << 20), 0, len);
	cdb_rw10(cdb, SCSI_WRITE_10, lba, blocks);
	if (scsi_exec(c, cdb, 10, DIR_OUT, 0, len, &r, 10000))
		return check(false, "%s: WRITE(10) not answered", what);
	f |= check_rsp(what, r, c->max_ti, c->next_tag - 1, &WANT_GOOD);
	free(r);
	cdb_rw10(cdb, SCSI_READ_10, lba, blocks);
	if (scsi_exec(c, cdb, 10, DIR_IN, 1 << 20, len, &r, 10000))
		return check(false, "%s: READ(10) not answered", what);
	f |= check_rsp(what, r, c->max_ti, c->next_tag - 1, &WANT_GOOD);
	free(r);
	bad = check_pattern(c->data + (1 << 20), len, seed);
	f |= check(bad < 0, "%s: data read back differs at byte %d", what, bad);
	return f;
}

static int imm_roundtrip(struct conn *c, const char *what, uint32_t lba, uint32_t seed)
{
	uint8_t iu[128 + 4096], cdb[10];
	uint64_t tag = conn_tag(c);
	struct srp_cmd *cmd = (struct srp_cmd *)iu;
	uint32_t ilen = htobe32(4096), imm_off = 68;
	struct iu *r;
	int f = 0, bad;

	cdb_rw10(cdb, SCSI_WRITE_10, lba, 8);
	build_cmd(iu, tag, cfg.lun, cdb, 10);
	cmd->buf_fmt = SRP_DATA_DESC_IMM << 4;
	memcpy(iu + 48, &ilen, 4);
	memset(iu + 52, 0, imm_off - 52);
	fill_pattern(iu + imm_off, 4096, seed);
	if (conn_send(c, iu, imm_off + 4096))
		return check(false, "%s: send failed", what);
	r = conn_wait_tag(c, tag, 10000);
	f |= check_rsp(what, r, c->max_ti, tag, &WANT_GOOD);
	free(r);
	memset(c->data + (1 << 20), 0, 4096);
	cdb_rw10(cdb, SCSI_READ_10, lba, 8);
	if (scsi_exec(c, cdb, 10, DIR_IN, 1 << 20, 4096, &r, 10000))
		return check(false, "%s: READ(10) not answered", what);
	f |= check_rsp(what, r, c->max_ti, c->next_tag - 1, &WANT_GOOD);
	free(r);
	bad = check_pattern(c->data + (1 << 20), 4096, seed);
	f |= check(bad < 0, "%s: immediate data read back differs at byte %d", what, bad);
	return f;
}

/* I_LOGOUT; the target must then close the channel (SRP r16a 6.3). */
static int logout(struct conn *c, const char *what)
{
	struct srp_i_logout lo = { .opcode = SRP_I_LOGOUT, .tag = conn_tag(c) };
	int f = 0;

	if (conn_send(c, &lo, sizeof(lo)))
		f |= check(false, "%s: sending SRP_I_LOGOUT failed", what);
	else
		f |= check(conn_wait_dead(c, 10000) == 0,
			   "%s: channel still up 10 s after SRP_I_LOGOUT", what);
	conn_close(c);
	return f;
}

/*
 * A fresh login (asking for immediate data) does I/O: TEST UNIT READY
 * (until unit attentions are cleared), 4 KiB WRITE/READ through RDMA, 4 KiB
 * WRITE with immediate data, credits all returned, logout.
 */
int health_check(const char *why)
{
	struct login_params p;
	struct conn *c;
	int before = check_failures, f = 0;
	char what[96];

	snprintf(what, sizeof(what), "health check%s%s", why ? " after " : "", why ? why : "");
	login_defaults(&p);
	p.flags |= SRP_IMMED_REQUESTED;
	p.imm_off = 68;
	c = srp_login_ok(what, &p);
	if (!c)
		return 1;
	if (clear_ua(c)) {
		check(false, "%s: TEST UNIT READY not GOOD", what);
		conn_close(c);
		return 1;
	}
	f |= rw_roundtrip(c, what, cfg.lba, 8, 0x4ea1);
	if (c->imm)
		f |= imm_roundtrip(c, what, cfg.lba + 8, 0x4ea2);
	else
		f |= check(false, "%s: immediate data not granted", what);
	f |= check(c->credits == c->req_lim0, "%s: %lld credits after all answers, want %lld",
		   what, (long long)c->credits, (long long)c->req_lim0);
	f |= logout(c, what);
	return f || check_failures != before;
}

int demo(void)
{
	struct login_params p;
	uint8_t cdb[10];
	struct conn *c;
	struct iu *r;
	uint32_t last, bs;
	int f = 0;

	if (!cfg.verbose)
		cfg.verbose = 1;
	login_defaults(&p);
	msg("== login to %s:%d, target port id 0x%016llx%016llx", cfg.dst, cfg.port,
	    (unsigned long long)cfg.guid, (unsigned long long)cfg.guid);
	c = srp_login_ok("demo", &p);
	if (!c)
		return RES_FAIL;
	msg("== login accepted: %lld credits, max_it_iu_len %u, max_ti_iu_len %u",
	    (long long)c->credits, c->max_it, c->max_ti);
	msg("== TEST UNIT READY (repeated while unit attentions are reported)");
	if (clear_ua(c)) {
		check(false, "demo: TEST UNIT READY not GOOD");
		conn_close(c);
		return RES_FAIL;
	}
	msg("== READ CAPACITY(10)");
	cdb_read_capacity10(cdb);
	if (scsi_exec(c, cdb, 10, DIR_IN, 0, 8, &r, 10000)) {
		check(false, "demo: READ CAPACITY not answered");
		conn_close(c);
		return RES_FAIL;
	}
	f |= check_rsp("READ CAPACITY(10)", r, c->max_ti, c->next_tag - 1, &WANT_GOOD);
	free(r);
	last = be32toh(*(uint32_t *)c->data);
	bs = be32toh(*(uint32_t *)(c->data + 4));
	msg("== capacity: last LBA %u, block size %u (%llu MiB)", last, bs,
	    ((unsigned long long)last + 1) * bs >> 20);
	msg("== WRITE(10) 8 blocks of a pattern at LBA %u, READ(10) them back", cfg.lba);
	f |= rw_roundtrip(c, "demo", cfg.lba, 8, 0xde70);
	msg("== data %s; credits %lld of %lld", f ? "MISMATCH" : "verified",
	    (long long)c->credits, (long long)c->req_lim0);
	msg("== SRP_I_LOGOUT");
	f |= logout(c, "demo");
	msg("== %s", f ? "FAILED" : "done");
	return f ? RES_FAIL : RES_PASS;
}

/* ------------------------------------------------------- case runner */

/* kernel log of the current case: channel accounting and splats */
static int kfd = -1;
static char *klog;
static size_t klog_len;

static void klog_reset(void)
{
	free(klog);
	klog = NULL;
	klog_len = 0;
}

static void klog_poll(void)
{
	char rec[8192];
	ssize_t n;

	if (kfd < 0)
		return;
	for (;;) {
		n = read(kfd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			return;
		}
		char *m = memchr(rec, ';', n);
		char *line = m ? m + 1 : rec;
		size_t l = rec + n - line;
		char *nk = realloc(klog, klog_len + l + 1);

		if (!nk)
			return;
		klog = nk;
		memcpy(klog + klog_len, line, l);
		klog_len += l;
		klog[klog_len] = 0;
	}
}

static int klog_count(const char *s)
{
	int n = 0;
	const char *p = klog;

	while (p && (p = strstr(p, s))) {
		n++;
		p += strlen(s);
	}
	return n;
}

static const char *const splats[] = {
	"WARNING:", "BUG:", "Oops", "hung task", "blocked for more than",
	"general protection fault", "refcount_t:", "Call Trace:", "UBSAN:",
	"KASAN:", "kmemleak", "list_add corruption", "list_del corruption",
};

static const char *klog_splat(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(splats); i++)
		if (klog && strstr(klog, splats[i]))
			return splats[i];
	return NULL;
}

/*
 * Resources of the target's own, counted by the kernel's resource tracker
 * (rdma resource show), not by our target's log lines: kernel RC queue
 * pairs (the tracker names a QP that rdma_create_qp() made for ib_srpt
 * "[rdma_cm]", and no other kernel RC QP exists in the hostile tests), and
 * ib_srpt's connection manager ids other than its listener.
 * Returns the count, or -1 if the tracker cannot be read.
 */
static int srpt_rdma_res_count(const char *res)
{
	bool qp = !strcmp(res, "qp");
	char cmd[64], line[1024];
	int n = 0, st;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "rdma resource show %s 2>&1", res);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (qp ? strstr(line, "type RC") && strstr(line, "comm [") :
			 strstr(line, "[ib_srpt]") && !strstr(line, "LISTEN"))
			n++;
	st = pclose(f);
	return st == 0 ? n : -1;
}

/*
 * Once every connection of ours is closed, the target must hold no queue
 * pair and no connected CM id: every channel it accepted, or allocated for
 * a login it rejected, is released. Waits up to 100 s (IB/CM can hold a CM
 * id in rdma_destroy_id() for a minute).
 */
static int leak_check(const char *name)
{
	double t0 = now_s(), end = t0 + 100;
	int qps, ids;

	for (;;) {
		qps = srpt_rdma_res_count("qp");
		ids = srpt_rdma_res_count("cm_id");
		if (qps < 0 || ids < 0)
			return check(false, "%s: cannot read rdma resource show qp/cm_id", name);
		if (!qps && !ids) {
			if (now_s() - t0 > 10)
				msg("NOTE: %s: the last channel was released only after %.0f s%s",
				    name, now_s() - t0,
				    klog_count("cm_destroy_id_wait_timeout") ?
				    " (cm_destroy_id_wait_timeout in dmesg)" : "");
			return 0;
		}
		if (now_s() > end)
			break;
		sleep_ms(100);
	}
	return check(false, "%s: resource leak: ib_srpt still holds %d QP(s) and %d CM id(s) with no connection open",
		     name, qps, ids);
}

/* Our ACL's info file must show no session once everything is closed. */
static int session_check(const char *name)
{
	char dir[600], buf[4096] = "";
	double end = now_s() + 20;
	uint8_t id[16];
	int i;

	if (!cfg.tpg || local_port_id(id))
		return 0;
	i = snprintf(dir, sizeof(dir), "%s/acls/0x", cfg.tpg);
	for (int j = 0; j < 16; j++)
		i += snprintf(dir + i, sizeof(dir) - i, "%02x", id[j]);
	while (now_s() < end) {
		if (cfs_read(dir, "info", buf, sizeof(buf)))
			return 0;	/* no info file (in-tree ib_srpt) */
		if (!strncmp(buf, "No active SRP session", 21))
			return 0;
		sleep_ms(100);
	}
	check(false, "%s: the ACL still lists a session 20 s after the channels were released:", name);
	printf("%s\n", buf);
	return 1;
}

static int run_case(const struct hcase *hc)
{
	double t0 = now_s();
	int res, before, survival = 0;
	const char *sp, *verdict;

	klog_poll();
	klog_reset();
	msg("=== %s [%s]: expect %s", hc->name, hc->group, hc->expect);
	before = check_failures;
	res = hc->fn ? hc->fn() : tcase_run(hc->tc);
	if (res == RES_PASS && check_failures != before)
		res = RES_FAIL;
	if (res != RES_SKIP && !cfg.no_health) {
		survival |= health_check(hc->name);
		survival |= leak_check(hc->name);
		survival |= session_check(hc->name);
	}
	klog_poll();
	sp = klog_splat();
	if (sp)
		survival |= check(false, "%s: kernel log shows \"%s\"", hc->name, sp);
	if (survival)
		res = RES_FAIL;
	verdict = res == RES_PASS ? "PASS" : res == RES_SKIP ? "SKIP" : "FAIL";
	if (hc->known_bug && res == RES_FAIL && !survival && !cfg.strict) {
		verdict = "XFAIL (known target bug, see below; --strict fails it)";
		res = RES_PASS;
	} else if (hc->known_bug && res == RES_PASS) {
		verdict = "XPASS (the known target bug below seems fixed: drop the marker)";
	}
	msg("--- %s: %s (%.1f s)", hc->name, verdict, now_s() - t0);
	if (hc->known_bug && strncmp(verdict, "PASS", 4))
		msg("    known bug: %s", hc->known_bug);
	return res;
}

static int run_cases(int argc, char **argv, bool groups)
{
	int npass = 0, nfail = 0, nskip = 0, i, r;
	size_t j;

	kfd = kmsg_open();
	for (i = 0; i < argc; i++) {
		bool any = false;

		for (j = 0; j < n_hcases; j++) {
			if (groups ? strcmp(hcases[j].group, argv[i]) : strcmp(hcases[j].name, argv[i]))
				continue;
			any = true;
			r = run_case(&hcases[j]);
			if (r == RES_PASS)
				npass++;
			else if (r == RES_SKIP)
				nskip++;
			else
				nfail++;
		}
		if (!any) {
			msg("error: no %s named '%s' (see: srp-initiator list)",
			    groups ? "group" : "case", argv[i]);
			return 2;
		}
	}
	msg("=== %d passed, %d failed, %d skipped", npass, nfail, nskip);
	/* A run passes only if every case it named passed: a skip is no pass. */
	if (nfail)
		return RES_FAIL;
	return nskip || !npass ? RES_SKIP : RES_PASS;
}

static void list_cases(const char *group)
{
	size_t i;

	for (i = 0; i < n_hcases; i++)
		if (!group || !strcmp(group, hcases[i].group))
			printf("%-32s %-10s %s\n", hcases[i].name, hcases[i].group, hcases[i].expect);
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: srp-initiator [OPTIONS] demo|health|port-id|list [GROUP]|case NAME...|group GROUP...|fuzz [FUZZ OPTIONS]\n"
		"see the comment at the top of tools/srp-initiator/main.c\n");
	exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dst", 1, 0, 'd' }, { "src", 1, 0, 's' }, { "port", 1, 0, 'p' },
		{ "guid", 1, 0, 'g' }, { "iext", 1, 0, 'e' }, { "lun", 1, 0, 'L' },
		{ "bad-lun", 1, 0, 'B' }, { "lba", 1, 0, 'A' }, { "tpg", 1, 0, 'T' },
		{ "no-health", 0, 0, 'N' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
		{ "strict", 0, 0, 'S' }, { "tolerate-imm-repost", 0, 0, 'R' },
		{ 0, 0, 0, 0 }
	};
	const char *scale = getenv("SELFTEST_TIMEOUT_SCALE");
	bool have_guid = false;
	const char *mode;
	int o;

	if (scale && atof(scale) > 1)
		cfg.time_scale = atof(scale);

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt_long(argc, argv, "+d:s:p:g:e:vh", lo, NULL)) != -1) {
		switch (o) {
		case 'd': cfg.dst = optarg; break;
		case 's': cfg.src = optarg; break;
		case 'p': cfg.port = atoi(optarg); break;
		case 'g': cfg.guid = strtoull(optarg, NULL, 16); have_guid = true; break;
		case 'e': cfg.iext = strtoull(optarg, NULL, 16); break;
		case 'L': cfg.lun = strtoull(optarg, NULL, 0); break;
		case 'B': cfg.bad_lun = strtoull(optarg, NULL, 0); break;
		case 'A': cfg.lba = strtoul(optarg, NULL, 0); break;
		case 'T': cfg.tpg = optarg; break;
		case 'N': cfg.no_health = 1; break;
		case 'S': cfg.strict = 1; break;
		case 'R': cfg.tolerate_imm_repost = 1; break;
		case 'v': cfg.verbose++; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind >= argc)
		usage(2);
	mode = argv[optind++];
	if (!strcmp(mode, "list")) {
		list_cases(optind < argc ? argv[optind] : NULL);
		return 0;
	}
	if (!have_guid && read_guid())
		return RES_FAIL;
	if (!strcmp(mode, "port-id")) {
		uint8_t id[16];
		int i;

		if (local_port_id(id))
			return RES_FAIL;
		printf("0x");
		for (i = 0; i < 16; i++)
			printf("%02x", id[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(mode, "demo"))
		return demo();
	if (!strcmp(mode, "_child") && optind < argc)	/* internal: see run_child() */
		return child_main(argv[optind]);
	if (!strcmp(mode, "health"))
		return health_check(NULL) ? RES_FAIL : RES_PASS;
	if (!strcmp(mode, "case") || !strcmp(mode, "group")) {
		if (optind >= argc)
			usage(2);
		return run_cases(argc - optind, argv + optind, !strcmp(mode, "group"));
	}
	if (!strcmp(mode, "fuzz")) {
		static const struct option fl[] = {
			{ "seed", 1, 0, 's' }, { "count", 1, 0, 'c' }, { "time", 1, 0, 't' },
			{ "first", 1, 0, 'f' }, { "keep-going", 0, 0, 'k' }, { 0, 0, 0, 0 }
		};
		struct fuzz_opts fo = { .count = 1000, .time_s = 60 };
		bool have_seed = false;

		optind--;	/* getopt_long wants argv[optind - 1] as the "program" */
		argv[optind] = "fuzz";
		argc -= optind;
		argv += optind;
		optind = 1;
		while ((o = getopt_long(argc, argv, "", fl, NULL)) != -1) {
			switch (o) {
			case 's': fo.seed = strtoull(optarg, NULL, 0); have_seed = true; break;
			case 'c': fo.count = strtoull(optarg, NULL, 0); break;
			case 't': fo.time_s = atof(optarg); break;
			case 'f': fo.first = strtoull(optarg, NULL, 0); break;
			case 'k': fo.keep_going = 1; break;
			default: usage(2);
			}
		}
		/* a new seed for every run unless one is given; fuzz_main() prints it */
		if (!have_seed && getrandom(&fo.seed, sizeof(fo.seed), GRND_NONBLOCK) != sizeof(fo.seed))
			fo.seed = (uint64_t)time(NULL) << 20 ^ getpid();
		if (!have_seed)
			fo.seed &= 0xffffffffffffULL;	/* short enough to type */
		return fuzz_main(&fo);
	}
	usage(2);
	return 2;
}
