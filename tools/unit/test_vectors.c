// SPDX-License-Identifier: GPL-2.0
/*
 * Completion vectors and shared receive queues
 * (Documentation/infiniband/srpt.rst, "TPG attributes" and "Memory per
 * channel"):
 *
 * - attrib/comp_v_mask: "all", or a hex mask written like a CPU mask
 *   (32-bit words of up to 8 digits separated by commas, 0x optional);
 *   every refusal is -EINVAL with a message that says why; bits above the
 *   mask's width are dropped with a warning, unless they are all it names;
 * - the round robin over the vectors of a mask that a CQ can really be on:
 *   ib_cq_pool_get() folds a vector onto min(num_comp_vectors, online
 *   CPUs), so a mask's vectors are folded the same way first, each once;
 * - how srpt_srq_size, the device's receive buffers for use_srq, is split
 *   into SRQs. A channel's credits are at most its SRQ's buffers and at
 *   most 512 (SRP r16a 5.4.2: one credit per buffer the initiator may
 *   fill), so every SRQ keeps 512 buffers or more (unless the device's
 *   max_srq_wr is smaller), whatever the number of completion vectors, a
 *   budget below 512 is one SRQ of that size, and a device that can have
 *   no SRQ with a buffer gets none.
 */
#include <string.h>
#include <linux/kernel.h>

#include "srpt_proto.h"
#include "unit.h"

static void srq_split(void)
{
	static const struct {
		u32 budget, vectors, max_srq, max_srq_wr;
		u32 nr, size;
	} t[] = {
		/* the default 4095 buffers */
		{ 4095, 1, 1024, 32768, 1, 4095 },
		{ 4095, 2, 1024, 32768, 2, 2047 },
		{ 4095, 4, 1024, 32768, 4, 1023 },
		{ 4095, 7, 1024, 32768, 7, 585 },
		{ 4095, 16, 1024, 32768, 7, 585 },
		{ 4095, 64, 1024, 32768, 7, 585 },
		/* below 1024: one SRQ, of the whole budget */
		{ 100, 2, 1024, 32768, 1, 100 },
		{ 4, 64, 1024, 32768, 1, 4 },
		{ 511, 64, 1024, 32768, 1, 511 },
		{ 512, 64, 1024, 32768, 1, 512 },
		{ 1023, 64, 1024, 32768, 1, 1023 },
		{ 1024, 64, 1024, 32768, 2, 512 },
		/* the largest budget: every vector, still deep */
		{ 65535, 64, 1024, 32768, 64, 1023 },
		{ 65535, 256, 1024, 32768, 127, 516 },
		/* the device's limits */
		{ 4095, 64, 3, 32768, 3, 1365 },
		{ 65535, 1, 1024, 32767, 1, 32767 },
		{ 4095, 2, 1024, 1000, 2, 1000 },
		{ 4095, 7, 1024, 100, 7, 100 },
		/* no SRQs at all: use_srq=1 logins are rejected */
		{ 4095, 64, 0, 32768, 0, 0 },
		{ 4095, 2, 1024, 0, 0, 0 },
		{ 4095, 0, 1024, 32768, 1, 4095 },
	};
	unsigned int i;
	u32 nr, size;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("srpt_srq_size %u, %u vectors, max_srq %u, max_srq_wr %u: %u SRQ(s) of %u",
			   t[i].budget, t[i].vectors, t[i].max_srq,
			   t[i].max_srq_wr, t[i].nr, t[i].size);
		nr = 0xdead;
		size = srpt_srq_split(t[i].budget, t[i].vectors, t[i].max_srq,
				      t[i].max_srq_wr, &nr);
		CHECK_EQ(nr, t[i].nr);
		CHECK_EQ(size, t[i].size);
		/* never more buffers than the budget */
		CHECK(nr * size <= t[i].budget);
		/* deep enough for a channel's full credits, if the budget is */
		if (t[i].nr && t[i].max_srq_wr >= 512)
			CHECK(size >= (t[i].budget < 512 ? t[i].budget : 512));
		CHECK_LOG(NULL);
		unit_end();
	}
}

#define BITS	64	/* the mask's width in these cases: nr_cpu_ids */

/* @s with newlines and tabs written as \n and \t, for a TAP line. */
static const char *shown(const char *s)
{
	static char buf[128];
	size_t n = 0;

	for (; *s && n < sizeof(buf) - 3; s++) {
		if (*s == '\n' || *s == '\t') {
			buf[n++] = '\\';
			buf[n++] = *s == '\n' ? 'n' : 't';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = 0;
	return buf;
}

/* The first BITS bits of @m are those of @want. */
static bool mask_is(const unsigned long *m, uint64_t want)
{
	unsigned int i;

	for (i = 0; i < BITS; i++)
		if (!!(m[i / BITS_PER_LONG] & (1UL << (i % BITS_PER_LONG))) !=
		    !!(want & (1ULL << i)))
			return false;
	return true;
}

static void parse_ok(void)
{
	static const struct {
		const char *text;
		uint64_t mask;		/* 0: "all" */
		const char *log;	/* NULL: nothing logged */
	} t[] = {
		{ "all", 0, NULL },
		{ "all\n", 0, NULL },
		{ "ALL", 0, NULL },
		{ "  all \n", 0, NULL },
		{ "1", 0x1, NULL },
		{ "1\n", 0x1, NULL },
		{ "0x2", 0x2, NULL },
		{ "0X2\n", 0x2, NULL },
		{ "c", 0xc, NULL },
		{ "C", 0xc, NULL },
		{ "00000003", 0x3, NULL },
		{ "ffffffff", 0xffffffffull, NULL },
		{ "1,00000000", 0x100000000ull, NULL },
		{ "0x1,0", 0x100000000ull, NULL },
		{ "80000000,00000001", 0x8000000000000001ull, NULL },
		{ "ffffffff,ffffffff", ~0ull, NULL },
		{ "0,0,1", 0x1, NULL },
		/* A default saved where nr_cpu_ids was 96: the rest is kept. */
		{ "ffffffff,ffffffff,ffffffff", ~0ull,
		  "ignoring the completion vectors above 63" },
		{ "1,00000000,00000005", 0x5,
		  "ignoring the completion vectors above 63" },
	};
	unsigned long m[BITS_TO_LONGS(BITS)];
	unsigned int i;
	bool all;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("comp_v_mask '%s': %s", shown(t[i].text),
			   t[i].mask ? "a mask" : "all vectors");
		memset(m, 0, sizeof(m));
		all = !!t[i].mask;	/* the opposite of what it must become */
		CHECK_EQ(srpt_parse_comp_v_mask(t[i].text, strlen(t[i].text),
						m, BITS, &all), 0);
		CHECK_EQ(all, !t[i].mask);
		CHECK(mask_is(m, t[i].mask));
		CHECK_LOG(t[i].log);
		unit_end();
	}
}

static void parse_refused(void)
{
	static const struct {
		const char *text;
		const char *log;
	} t[] = {
		{ "", "nothing written" },
		{ "\n", "nothing written" },
		{ "0", "'0' names no completion vector" },
		{ "00000000,00000000", "names no completion vector" },
		{ "zz", "'zz' is not a hex mask: character 0 (0x7a)" },
		{ "0x", "'0x' has no hex digits" },
		{ "-1", "character 0 (0x2d) is neither a hex digit nor a comma" },
		{ "0x0x1", "character 3 (0x78)" },
		{ "alll", "'alll' is not a hex mask: character 1 (0x6c)" },
		{ "1 2", "'1 2' has a blank inside" },
		{ "1,\t2", "has a blank inside" },
		{ "000000001", "has a word of 9 hex digits, '000000001'" },
		{ "1ffffffff", "has a word of 9 hex digits" },
		{ "1,000000000", "has a word of 9 hex digits" },
		{ ",1", "has an empty word" },
		{ "1,", "has an empty word" },
		{ "1,,2", "has an empty word" },
		{ ",", "has an empty word" },
		{ "1,00000000,00000000", "names only completion vectors above 63" },
	};
	unsigned long m[BITS_TO_LONGS(BITS)];
	unsigned int i;
	bool all;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("comp_v_mask '%s': refused", shown(t[i].text));
		memset(m, 0, sizeof(m));
		all = true;
		CHECK_EQ(srpt_parse_comp_v_mask(t[i].text, strlen(t[i].text),
						m, BITS, &all), -EINVAL);
		CHECK(!all);
		CHECK_LOG(t[i].log);
		unit_end();
	}

	/* Only the bytes given count: the rest of the page is not read. */
	unit_begin("comp_v_mask: only the length written is parsed");
	memset(m, 0, sizeof(m));
	CHECK_EQ(srpt_parse_comp_v_mask("2,garbage", 1, m, BITS, &all), 0);
	CHECK(mask_is(m, 0x2));
	CHECK_LOG(NULL);
	unit_end();
}

/*
 * The vectors a sequence of channels gets: @n calls of srpt_next_vector(),
 * each after the one before, starting after @last.
 */
static void rotate(const unsigned long *mask, u32 nvec, u32 usable, int last,
		   int n, const int *want)
{
	int i, v;

	for (i = 0; i < n; i++) {
		v = srpt_next_vector(mask, BITS, nvec, usable, last);
		CHECK_EQ(v, want[i]);
		last = v;
	}
}

static void next_vector(void)
{
	unsigned long m[BITS_TO_LONGS(BITS)];

	unit_begin("vectors: all of 4 usable, round robin from the first");
	rotate(NULL, 4, 4, -1, 6, (const int[]){ 0, 1, 2, 3, 0, 1 });
	CHECK_EQ(srpt_count_vectors(NULL, BITS, 4, 4), 4);
	unit_end();

	unit_begin("vectors: 4 of which 2 usable (2 CPUs online): 0 and 1 only");
	rotate(NULL, 4, 2, -1, 4, (const int[]){ 0, 1, 0, 1 });
	CHECK_EQ(srpt_count_vectors(NULL, BITS, 4, 2), 2);
	unit_end();

	/*
	 * Mask 0xc with 2 of 4 vectors usable: 2 and 3 fold onto 0 and 1, so
	 * a session's channels alternate between them, as the CQs do.
	 */
	unit_begin("vectors: mask 0xc, 2 of 4 usable: folded onto 0 and 1");
	memset(m, 0, sizeof(m));
	m[0] = 0xc;
	rotate(m, 4, 2, -1, 4, (const int[]){ 0, 1, 0, 1 });
	CHECK_EQ(srpt_count_vectors(m, BITS, 4, 2), 2);
	unit_end();

	unit_begin("vectors: mask 0x9 (0 and 3), 2 of 4 usable: 0 and 1");
	m[0] = 0x9;
	rotate(m, 4, 2, 0, 3, (const int[]){ 1, 0, 1 });
	unit_end();

	unit_begin("vectors: mask 0x5 (0 and 2), 2 of 4 usable: both fold onto 0");
	m[0] = 0x5;
	rotate(m, 4, 2, -1, 3, (const int[]){ 0, 0, 0 });
	CHECK_EQ(srpt_count_vectors(m, BITS, 4, 2), 1);
	unit_end();

	unit_begin("vectors: mask 0x8 (3), 2 of 4 usable: vector 1");
	m[0] = 0x8;
	rotate(m, 4, 2, 1, 2, (const int[]){ 1, 1 });
	unit_end();

	unit_begin("vectors: mask 0xa of 4 usable: 1 and 3, in order");
	m[0] = 0xa;
	rotate(m, 4, 4, -1, 4, (const int[]){ 1, 3, 1, 3 });
	rotate(m, 4, 4, 2, 1, (const int[]){ 3 });
	CHECK_EQ(srpt_count_vectors(m, BITS, 4, 4), 2);
	unit_end();

	unit_begin("vectors: a mask naming only vectors the device lacks: none");
	m[0] = 0x30;
	CHECK_EQ(srpt_next_vector(m, BITS, 4, 4, -1), -1);
	CHECK_EQ(srpt_count_vectors(m, BITS, 4, 4), 0);
	unit_end();

	unit_begin("vectors: after a vector no longer usable (CPUs went offline)");
	rotate(NULL, 8, 2, 5, 2, (const int[]){ 0, 1 });
	unit_end();

	unit_begin("vectors: vector 63, the mask's last bit, on a 64-vector device");
	memset(m, 0, sizeof(m));
	m[BITS_TO_LONGS(BITS) - 1] = 1UL << ((BITS - 1) % BITS_PER_LONG);
	rotate(m, 64, 64, -1, 2, (const int[]){ 63, 63 });
	rotate(m, 64, 16, -1, 1, (const int[]){ 15 });
	unit_end();
}

void test_vectors(void)
{
	parse_ok();
	parse_refused();
	next_vector();
	srq_split();
}
