// SPDX-License-Identifier: GPL-2.0
/*
 * srpt_insn.so: a qemu TCG plugin that counts the guest kernel's executed
 * instructions per translation block, for tools/bench.sh --icount --insn.
 *
 * Every translated block at a kernel address gets a counter that an inline
 * add bumps each time the block runs; executed instructions are the count
 * times the block's length. A rep-prefixed string instruction runs as one
 * block per iteration, so it counts one per iteration. The guest drives the
 * counting through a file on its results share:
 *
 *   reset SEQ        start counting from zero
 *   dump SEQ NAME    write "vaddr insns count" lines, the blocks that ran,
 *                    to NAME beside the control file
 *
 * and the plugin writes SEQ to CTL.done once it has acted, so that the guest
 * can wait for it. Load it with
 * -plugin file=srpt_insn.so,ctl=/path/to/ctl (tools/vm/run-guest.sh --plugin).
 *
 * qemu 7.2 (Debian 12) ships no qemu-plugin.h: the few calls of its plugin
 * API (version 1) used here are declared below.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* The x86_64 kernel's half of the address space. */
#define KERNEL_START	0xffff800000000000ULL
#define CHUNK		65536

/*
 * @count is bumped by the vCPU thread with a plain load, add and store,
 * so the poller never writes it (a zero stored between the two would be
 * lost): a reset takes a snapshot in @base, and a dump writes the
 * difference.
 */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t count;
	uint64_t base;
};

/* Blocks live in chunks that never move: the inline adds point into them. */
static struct block **chunks;
static size_t nblocks, nchunks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char ctl_path[PATH_MAX], done_path[PATH_MAX + 8], dir[PATH_MAX];

static struct block *block_at(size_t i)
{
	return &chunks[i / CHUNK][i % CHUNK];
}

static struct block *new_block(void)
{
	struct block *b = NULL;

	pthread_mutex_lock(&lock);
	if (nblocks == nchunks * CHUNK) {
		struct block **c = realloc(chunks, (nchunks + 1) * sizeof(*c));

		if (!c)
			goto out;
		chunks = c;
		chunks[nchunks] = calloc(CHUNK, sizeof(struct block));
		if (!chunks[nchunks])
			goto out;
		nchunks++;
	}
	b = block_at(nblocks++);
out:
	pthread_mutex_unlock(&lock);
	return b;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (vaddr < KERNEL_START)
		return;
	b = new_block();
	if (!b)
		return;		/* out of memory: the block goes uncounted */
	b->vaddr = vaddr;
	b->insns = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
}

static void reset(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nblocks; i++) {
		struct block *b = block_at(i);

		b->base = __atomic_load_n(&b->count, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&lock);
}

static int dump(const char *name)
{
	char path[2 * PATH_MAX], tmp[2 * PATH_MAX + 8];
	FILE *f;
	size_t i;

	if (strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	pthread_mutex_lock(&lock);
	for (i = 0; i < nblocks; i++) {
		struct block *b = block_at(i);
		uint64_t runs = __atomic_load_n(&b->count, __ATOMIC_RELAXED) - b->base;

		if (runs)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				b->vaddr, b->insns, runs);
	}
	pthread_mutex_unlock(&lock);
	if (fclose(f))
		return -EIO;
	return rename(tmp, path) ? -errno : 0;
}

static void acknowledge(long seq, int ret)
{
	char tmp[sizeof(done_path) + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", done_path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%ld %d\n", seq, ret);
	fclose(f);
	rename(tmp, done_path);
}

/* Act on each new SEQ of the control file, polled every millisecond. */
static void *poll_ctl(void *unused)
{
	long last = -1;

	for (;;) {
		char line[PATH_MAX + 32], name[PATH_MAX];
		long seq;
		FILE *f;

		usleep(1000);
		f = fopen(ctl_path, "r");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f)) {
			fclose(f);
			continue;
		}
		fclose(f);
		if (sscanf(line, "reset %ld", &seq) == 1 && seq != last) {
			reset();
			acknowledge(seq, 0);
			last = seq;
		} else if (sscanf(line, "dump %ld %4095s", &seq, name) == 2 &&
			   seq != last) {
			acknowledge(seq, dump(name));
			last = seq;
		}
	}
	return NULL;
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	pthread_t poller;
	char *slash;
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "ctl=", 4))
			snprintf(ctl_path, sizeof(ctl_path), "%s", argv[i] + 4);
	if (!ctl_path[0]) {
		fprintf(stderr, "srpt_insn: no ctl=FILE argument\n");
		return -1;
	}
	snprintf(done_path, sizeof(done_path), "%s.done", ctl_path);
	snprintf(dir, sizeof(dir), "%s", ctl_path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	if (pthread_create(&poller, NULL, poll_ctl, NULL))
		return -1;
	pthread_detach(poller);
	return 0;
}
