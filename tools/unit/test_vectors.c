// SPDX-License-Identifier: GPL-2.0
/*
 * Shared receive queues (Documentation/infiniband/srpt.rst, "Memory per
 * channel"): how srpt_srq_size, the device's receive buffers for use_srq,
 * is split into SRQs. A channel's credits are at most its SRQ's buffers
 * and at most 512 (SRP r16a 5.4.2: one credit per buffer the initiator may
 * fill), so every SRQ keeps 512 buffers or more (unless the device's
 * max_srq_wr is smaller), whatever the number of completion vectors, a
 * budget below 512 is one SRQ of that size, and a device that can have no
 * SRQ with a buffer gets none.
 */
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

void test_vectors(void)
{
	srq_split();
}
