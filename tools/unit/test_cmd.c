// SPDX-License-Identifier: GPL-2.0
/*
 * SRP_CMD (SRP r16a 6.8) and its data buffer descriptors (5.5): the
 * layout is built here byte by byte from the standard, not from the
 * kernel's structures:
 *
 *   0      IU TYPE (02h)          5   DATA-OUT (7:4) / DATA-IN (3:0) FORMAT
 *   6      DATA-OUT DESC COUNT    7   DATA-IN DESC COUNT
 *   8-15   TAG                    20-27 LUN
 *   29     TASK ATTRIBUTE         31  ADDITIONAL CDB LENGTH (7:2, bytes)
 *   32-47  CDB                    48- additional CDB, then descriptors
 *
 *   direct descriptor (5.5.3): VA (8), R_KEY (4), LENGTH (4)
 *   indirect (5.5.4): table descriptor (16), TOTAL LENGTH (4), the
 *                     first DESC COUNT table entries (16 each)
 *   immediate (SRP2): LENGTH (4); the data at the login's offset
 *
 * Every IU is parsed from a heap copy of exactly its received length (at
 * least the 48-byte header the driver's buffers always have), so that
 * AddressSanitizer catches a read past what arrived.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <scsi/scsi_proto.h>

#include "srpt_proto.h"
#include "unit.h"

#define MAX_RDMA	(1u << 20)
#define IMM_OFF		80	/* the Linux initiator: 48 + 16 + 4, aligned */

static uint8_t iu[8192];
static long list_off;	/* where data.list pointed, as an IU offset */

static const uint8_t tag[8] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 };

static void cmd(uint8_t op, uint8_t fmt_out, uint8_t fmt_in, uint8_t out_cnt,
		uint8_t in_cnt, uint8_t add_cdb_len)
{
	memset(iu, 0, sizeof(iu));
	iu[0] = 0x02;
	iu[5] = fmt_out << 4 | fmt_in;
	iu[6] = out_cnt;
	iu[7] = in_cnt;
	memcpy(iu + 8, tag, 8);
	iu[31] = add_cdb_len;
	iu[32] = op;
}

/* Offset of the first data buffer descriptor. */
static size_t dbd(void)
{
	return 48 + (iu[31] & 0xfc);
}

static void desc(size_t off, uint64_t va, uint32_t key, uint32_t len)
{
	put_be64(iu + off, va);
	put_be32(iu + off + 8, key);
	put_be32(iu + off + 12, len);
}

/* An indirect descriptor at dbd(): table of @n entries, @total bytes. */
static void indirect(uint32_t n, uint32_t total)
{
	desc(dbd(), 0x1000, 0x77, n * 16);
	put_be32(iu + dbd() + 16, total);
}

/* Entry @i of the table in the IU. */
static void entry(uint32_t i, uint32_t len)
{
	desc(dbd() + 20 + 16 * i, 0x200000 + 0x1000 * i, 0x88, len);
}

static sense_reason_t parse_imm(size_t len, uint32_t imm, uint32_t max,
				struct srpt_cmd_data *d)
{
	size_t alloc = len < 48 ? 48 : len;
	uint8_t *buf = malloc(alloc);
	sense_reason_t ret;

	memcpy(buf, iu, alloc);
	ret = srpt_parse_cmd((struct srp_cmd *)buf, len, imm, max, "ch", d);
	list_off = d->list ? (const uint8_t *)d->list - buf : -1;
	free(buf);
	return ret;
}

static sense_reason_t parse(size_t len, struct srpt_cmd_data *d)
{
	return parse_imm(len, 0, MAX_RDMA, d);
}

#define OK	TCM_NO_SENSE
#define BAD	TCM_INVALID_FIELD_IN_COMMAND_IU

static void no_data(void)
{
	struct srpt_cmd_data d;

	unit_begin("SRP_CMD: no data descriptor (TEST UNIT READY)");
	cmd(TEST_UNIT_READY, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(48, &d), OK);
	CHECK_EQ(d.dir, DMA_NONE);
	CHECK_EQ(d.fmt, SRP_NO_DATA_DESC);
	CHECK_EQ(d.len, 0);
	CHECK_EQ(d.n_desc, 0);
	CHECK(!d.fetch);
	CHECK_LOG(NULL);
	unit_end();

	unit_begin("SRP_CMD: 47 bytes is no SRP_CMD: CHECK CONDITION, no direction");
	cmd(WRITE_10, 1, 0, 0, 0, 0);
	CHECK_EQ(parse(47, &d), BAD);
	CHECK_EQ(d.dir, DMA_NONE);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: the 48-byte header alone, with no descriptor");
	cmd(INQUIRY, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(48, &d), OK);
	unit_end();
}

static void cmd_direct(void)
{
	static const uint32_t lens[] = { 0, 1, 512, MAX_RDMA - 1, MAX_RDMA };
	struct srpt_cmd_data d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		unit_begin("SRP_CMD: direct DATA-OUT of %u bytes", lens[i]);
		cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 0);
		desc(48, 0x1122334455667788ull, 0xdeadbeef, lens[i]);
		CHECK_EQ(parse(64, &d), OK);
		CHECK_EQ(d.dir, DMA_TO_DEVICE);
		CHECK_EQ(d.fmt, SRP_DATA_DESC_DIRECT);
		CHECK_EQ(d.len, lens[i]);
		CHECK_EQ(d.n_desc, 1);
		CHECK_MEM(&d.direct, iu + 48, 16);
		CHECK(!d.fetch);
		CHECK_EQ(list_off, -1);
		unit_end();
	}

	unit_begin("SRP_CMD: direct DATA-IN (READ_10)");
	cmd(READ_10, 0, SRP_DATA_DESC_DIRECT, 0, 0, 0);
	desc(48, 0x1000, 1, 4096);
	CHECK_EQ(parse(64, &d), OK);
	CHECK_EQ(d.dir, DMA_FROM_DEVICE);
	CHECK_EQ(d.len, 4096);
	CHECK_MEM(&d.direct, iu + 48, 16);
	unit_end();

	unit_begin("SRP_CMD: direct, length srp_max_rdma_size + 1: refused and logged");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 0);
	desc(48, 0x1000, 1, MAX_RDMA + 1);
	CHECK_EQ(parse(64, &d), BAD);
	CHECK_EQ(d.len, MAX_RDMA + 1);
	CHECK_LOG("exceeds srp_max_rdma_size");
	unit_end();

	unit_begin("SRP_CMD: direct, length 0xffffffff: refused");
	cmd(READ_16, 0, SRP_DATA_DESC_DIRECT, 0, 0, 0);
	desc(48, 0x1000, 1, 0xffffffff);
	CHECK_EQ(parse(64, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: direct descriptor cut short (15 of 16 bytes)");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 0);
	desc(48, 0x1000, 1, 512);
	CHECK_EQ(parse(63, &d), BAD);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: direct after 4 additional CDB bytes (descriptor at 52)");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 4);
	desc(52, 0x1000, 1, 512);
	CHECK_EQ(parse(68, &d), OK);
	CHECK_EQ(d.len, 512);
	CHECK_MEM(&d.direct, iu + 52, 16);
	unit_end();

	unit_begin("SRP_CMD: ADDITIONAL CDB LENGTH bits 1:0 are reserved, not bytes");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 4 | 3);
	desc(52, 0x1000, 1, 512);
	CHECK_EQ(parse(68, &d), OK);
	CHECK_EQ(d.len, 512);
	unit_end();

	unit_begin("SRP_CMD: additional CDB bytes beyond the IU");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 8);
	CHECK_EQ(parse(52, &d), BAD);
	CHECK_EQ(d.dir, DMA_TO_DEVICE);
	unit_end();

	unit_begin("SRP_CMD: no data, additional CDB bytes beyond the IU");
	cmd(TEST_UNIT_READY, 0, 0, 0, 0, 8);
	CHECK_EQ(parse(52, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: maximum additional CDB (252 bytes) then a direct descriptor");
	cmd(WRITE_10, SRP_DATA_DESC_DIRECT, 0, 0, 0, 0xfc);
	desc(300, 0x1000, 1, 512);
	CHECK_EQ(parse(316, &d), OK);
	CHECK_EQ(d.len, 512);
	unit_end();
}

/* READ/WRITE CDBs name their direction; a descriptor of the other is refused. */
static void directions(void)
{
	static const struct {
		uint8_t op;
		const char *name;
		bool out;
	} ops[] = {
		{ READ_6, "READ(6)", false },
		{ READ_10, "READ(10)", false },
		{ READ_12, "READ(12)", false },
		{ READ_16, "READ(16)", false },
		{ WRITE_6, "WRITE(6)", true },
		{ WRITE_10, "WRITE(10)", true },
		{ WRITE_12, "WRITE(12)", true },
		{ WRITE_16, "WRITE(16)", true },
		{ WRITE_VERIFY, "WRITE AND VERIFY(10)", true },
		{ WRITE_VERIFY_12, "WRITE AND VERIFY(12)", true },
		{ WRITE_VERIFY_16, "WRITE AND VERIFY(16)", true },
		{ WRITE_SAME, "WRITE SAME(10)", true },
		{ WRITE_SAME_16, "WRITE SAME(16)", true },
		{ COMPARE_AND_WRITE, "COMPARE AND WRITE", true },
		{ UNMAP, "UNMAP", true },
	};
	struct srpt_cmd_data d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		bool out = ops[i].out;

		unit_begin("SRP_CMD: %s with a data-%s descriptor: accepted",
			   ops[i].name, out ? "out" : "in");
		cmd(ops[i].op, out ? 1 : 0, out ? 0 : 1, 0, 0, 0);
		desc(48, 0x1000, 1, 512);
		CHECK_EQ(parse(64, &d), OK);
		CHECK_EQ(d.dir, out ? DMA_TO_DEVICE : DMA_FROM_DEVICE);
		CHECK_LOG(NULL);
		unit_end();

		unit_begin("SRP_CMD: %s with a data-%s descriptor: refused",
			   ops[i].name, out ? "in" : "out");
		cmd(ops[i].op, out ? 0 : 1, out ? 1 : 0, 0, 0, 0);
		desc(48, 0x1000, 1, 512);
		CHECK_EQ(parse(64, &d), BAD);
		CHECK_LOG(out ? "with a data-in descriptor" :
				"with a data-out descriptor");
		unit_end();
	}

	unit_begin("SRP_CMD: other CDBs take either direction (INQUIRY, data-out)");
	cmd(INQUIRY, SRP_DATA_DESC_DIRECT, 0, 0, 0, 0);
	desc(48, 0x1000, 1, 96);
	CHECK_EQ(parse(64, &d), OK);
	CHECK_EQ(d.dir, DMA_TO_DEVICE);
	unit_end();

	unit_begin("SRP_CMD: READ(10) without descriptors is not checked for direction");
	cmd(READ_10, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(48, &d), OK);
	CHECK_EQ(d.dir, DMA_NONE);
	unit_end();

	unit_begin("SRP_CMD: bidirectional (both formats direct): refused");
	cmd(XDWRITEREAD_10, SRP_DATA_DESC_DIRECT, SRP_DATA_DESC_DIRECT, 0, 0, 0);
	desc(48, 0x1000, 1, 512);
	desc(64, 0x2000, 1, 512);
	CHECK_EQ(parse(80, &d), BAD);
	CHECK_EQ(d.dir, DMA_TO_DEVICE);
	unit_end();
}

/* The CDB must hold what its opcode implies (target_core copies that much). */
static void cdb_length(void)
{
	struct srpt_cmd_data d;

	unit_begin("SRP_CMD: variable-length CDB of 32 bytes in 16 + 16");
	cmd(VARIABLE_LENGTH_CMD, 0, 0, 0, 0, 16);
	iu[32 + 7] = 24;	/* ADDITIONAL CDB LENGTH of the CDB: 8 + 24 */
	CHECK_EQ(parse(64, &d), OK);
	unit_end();

	unit_begin("SRP_CMD: variable-length CDB of 32 bytes in 16 + 12: refused");
	cmd(VARIABLE_LENGTH_CMD, 0, 0, 0, 0, 12);
	iu[32 + 7] = 24;
	CHECK_EQ(parse(60, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: variable-length CDB of 263 bytes in 16 + 252");
	cmd(VARIABLE_LENGTH_CMD, 0, 0, 0, 0, 0xfc);
	iu[32 + 7] = 255;
	CHECK_EQ(parse(300, &d), OK);
	unit_end();

	unit_begin("SRP_CMD: a 16-byte CDB (READ(16)) needs no additional bytes");
	cmd(READ_16, 0, 0, 0, 0, 0);
	CHECK_EQ(parse(48, &d), OK);
	unit_end();
}

static void indirect_in_iu(void)
{
	struct srpt_cmd_data d;
	uint32_t i;

	unit_begin("SRP_CMD: indirect, 1 descriptor in the IU");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 1, 0, 0);
	indirect(1, 4096);
	entry(0, 4096);
	CHECK_EQ(parse(48 + 20 + 16, &d), OK);
	CHECK_EQ(d.dir, DMA_TO_DEVICE);
	CHECK_EQ(d.fmt, SRP_DATA_DESC_INDIRECT);
	CHECK_EQ(d.len, 4096);
	CHECK_EQ(d.n_desc, 1);
	CHECK(!d.fetch);
	CHECK_EQ(list_off, 48 + 20);
	CHECK_MEM(&d.table, iu + 48, 16);
	unit_end();

	unit_begin("SRP_CMD: indirect, 4 descriptors in the IU adding up");
	cmd(READ_10, 0, SRP_DATA_DESC_INDIRECT, 0, 4, 0);
	indirect(4, 4 * 8192 + 1);
	for (i = 0; i < 4; i++)
		entry(i, 8192 + (i == 3));
	CHECK_EQ(parse(48 + 20 + 64, &d), OK);
	CHECK_EQ(d.dir, DMA_FROM_DEVICE);
	CHECK_EQ(d.n_desc, 4);
	CHECK_EQ(d.len, 4 * 8192 + 1);
	unit_end();

	unit_begin("SRP_CMD: indirect in the IU, lengths 1 short of TOTAL LENGTH");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 2, 0, 0);
	indirect(2, 1025);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 32, &d), BAD);
	CHECK_EQ(d.len, 1025);	/* as far as parsing got */
	unit_end();

	unit_begin("SRP_CMD: indirect in the IU, lengths 1 over TOTAL LENGTH");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 2, 0, 0);
	indirect(2, 1023);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 32, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: indirect, lengths wrapping 2^32 to TOTAL LENGTH (0xffffffff + 1 = 0)");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 2, 0, 0);
	indirect(2, 0);
	entry(0, 0xffffffff);
	entry(1, 1);
	CHECK_EQ(parse(48 + 20 + 32, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: indirect, lengths wrapping 2^32 (2 x 0x80000000 + 512 = 512)");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 3, 0, 0);
	indirect(3, 512);
	entry(0, 0x80000000);
	entry(1, 0x80000000);
	entry(2, 512);
	CHECK_EQ(parse(48 + 20 + 48, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: indirect, zero-length descriptors with TOTAL LENGTH 0");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 2, 0, 0);
	indirect(2, 0);
	CHECK_EQ(parse(48 + 20 + 32, &d), OK);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: indirect, 255 descriptors (the count's maximum) in the IU");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 255, 0, 0);
	indirect(255, 255 * 4096);
	for (i = 0; i < 255; i++)
		entry(i, 4096);
	CHECK_EQ(parse(48 + 20 + 255 * 16, &d), OK);
	CHECK_EQ(d.n_desc, 255);
	CHECK(!d.fetch);
	unit_end();

	unit_begin("SRP_CMD: indirect, IU one byte short of its DESC COUNT entries");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 2, 0, 0);
	indirect(2, 1024);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 32 - 1, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: indirect descriptor itself cut short (19 of 20 bytes)");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 0, 0);
	indirect(2, 1024);
	CHECK_EQ(parse(48 + 19, &d), BAD);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: indirect descriptor cut to 12 bytes (no table length)");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 0, 0);
	indirect(2, 1024);
	CHECK_EQ(parse(48 + 12, &d), BAD);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: indirect, more descriptors in the IU than in the table");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 3, 0, 0);
	indirect(2, 1024);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 48, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: indirect DATA-IN counts DATA-IN DESCRIPTOR COUNT, not DATA-OUT's");
	cmd(READ_10, 0, SRP_DATA_DESC_INDIRECT, 2, 0, 0);
	indirect(2, 1024);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 32, &d), OK);
	CHECK(d.fetch);		/* no entry in the IU as far as DATA-IN goes */
	unit_end();

	unit_begin("SRP_CMD: indirect DATA-OUT counts DATA-OUT DESCRIPTOR COUNT, not DATA-IN's");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 2, 0);
	indirect(2, 1024);
	entry(0, 512);
	entry(1, 512);
	CHECK_EQ(parse(48 + 20 + 32, &d), OK);
	CHECK(d.fetch);
	unit_end();
}

static void indirect_table_size(void)
{
	static const struct {
		uint32_t table_len;
		bool ok;
		const char *what;
	} t[] = {
		{ 0, false, "0 bytes" },
		{ 1, false, "1 byte" },
		{ 8, false, "8 bytes (half a descriptor)" },
		{ 17, false, "17 bytes (not whole descriptors)" },
		{ 16, true, "1 descriptor" },
		{ 16 * 1024, true, "1024 descriptors (the most)" },
		{ 16 * 1025, false, "1025 descriptors" },
		{ 0xfffffff0, false, "0xfffffff0 bytes" },
	};
	struct srpt_cmd_data d;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("SRP_CMD: indirect table of %s, to fetch: %s", t[i].what,
			   t[i].ok ? "accepted" : "refused");
		cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 0, 0);
		desc(48, 0xabcd000, 0x99, t[i].table_len);
		put_be32(iu + 48 + 16, 512);
		CHECK_EQ(parse(48 + 20, &d), t[i].ok ? OK : BAD);
		if (t[i].ok) {
			CHECK(d.fetch);
			CHECK_EQ(d.n_desc, t[i].table_len / 16);
			CHECK_EQ(d.len, 512);
		}
		unit_end();
	}
}

static void indirect_fetch(void)
{
	struct srpt_cmd_data d;

	unit_begin("SRP_CMD: indirect, no entry in the IU: fetch the table");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 0, 0);
	indirect(4, 16384);
	CHECK_EQ(parse(48 + 20, &d), OK);
	CHECK(d.fetch);
	CHECK_EQ(d.n_desc, 4);
	CHECK_EQ(d.len, 16384);
	CHECK_EQ(list_off, -1);
	CHECK_MEM(&d.table, iu + 48, 16);
	unit_end();

	unit_begin("SRP_CMD: indirect, 3 of 4 entries in the IU: fetch the table, unsummed");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 3, 0, 0);
	indirect(4, 16384);
	entry(0, 1);	/* does not add up: checked after the fetch */
	CHECK_EQ(parse(48 + 20 + 48, &d), OK);
	CHECK(d.fetch);
	CHECK_EQ(d.n_desc, 4);
	unit_end();

	unit_begin("SRP_CMD: indirect to fetch, TOTAL LENGTH over srp_max_rdma_size: refused first");
	cmd(WRITE_10, SRP_DATA_DESC_INDIRECT, 0, 0, 0, 0);
	indirect(4, MAX_RDMA + 1);
	CHECK_EQ(parse(48 + 20, &d), BAD);
	CHECK_LOG("exceeds srp_max_rdma_size");
	unit_end();

	unit_begin("SRP_CMD: indirect to fetch, 1024 entries, TOTAL LENGTH at the limit");
	cmd(READ_10, 0, SRP_DATA_DESC_INDIRECT, 0, 255, 0);
	indirect(1024, MAX_RDMA);
	CHECK_EQ(parse(48 + 20 + 255 * 16, &d), OK);
	CHECK(d.fetch);
	CHECK_EQ(d.n_desc, 1024);
	unit_end();
}

static void desc_sum(void)
{
	struct srp_direct_buf t[3];

	memset(t, 0, sizeof(t));
	unit_begin("descriptor sum (fetched table): 0 descriptors, total 0");
	CHECK_EQ(srpt_check_desc_sum(t, 0, 0), OK);
	unit_end();

	unit_begin("descriptor sum (fetched table): 0 descriptors, total 1");
	CHECK_EQ(srpt_check_desc_sum(t, 0, 1), BAD);
	unit_end();

	unit_begin("descriptor sum (fetched table): one of 0xffffffff, total 0xffffffff");
	t[0].len = cpu_to_be32(0xffffffff);
	CHECK_EQ(srpt_check_desc_sum(t, 1, 0xffffffff), OK);
	unit_end();

	unit_begin("descriptor sum (fetched table): 0xffffffff + 1 wraps to total 0");
	t[1].len = cpu_to_be32(1);
	CHECK_EQ(srpt_check_desc_sum(t, 2, 0), BAD);
	unit_end();

	unit_begin("descriptor sum (fetched table): 1 + 2 + 3, total 6 and 7");
	t[0].len = cpu_to_be32(1);
	t[1].len = cpu_to_be32(2);
	t[2].len = cpu_to_be32(3);
	CHECK_EQ(srpt_check_desc_sum(t, 3, 6), OK);
	CHECK_EQ(srpt_check_desc_sum(t, 3, 7), BAD);
	unit_end();
}

static void cmd_immediate(void)
{
	struct srpt_cmd_data d;

	unit_begin("SRP_CMD: immediate data of 512 bytes at offset 80");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 512);
	CHECK_EQ(parse_imm(IMM_OFF + 512, IMM_OFF, MAX_RDMA, &d), OK);
	CHECK_EQ(d.dir, DMA_TO_DEVICE);
	CHECK_EQ(d.fmt, SRP_DATA_DESC_IMM);
	CHECK_EQ(d.len, 512);
	CHECK_EQ(d.n_desc, 0);
	unit_end();

	unit_begin("SRP_CMD: immediate data of 0 bytes");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 0);
	CHECK_EQ(parse_imm(IMM_OFF, IMM_OFF, MAX_RDMA, &d), OK);
	CHECK_EQ(d.len, 0);
	unit_end();

	unit_begin("SRP_CMD: immediate data 1 byte past the end of the IU");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 513);
	CHECK_EQ(parse_imm(IMM_OFF + 512, IMM_OFF, MAX_RDMA, &d), BAD);
	unit_end();

	/* With no size limit, so that only the overflow check can refuse. */
	unit_begin("SRP_CMD: immediate LENGTH 0xffffffff: offset + length overflows");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 0xffffffff);
	CHECK_EQ(parse_imm(IMM_OFF + 512, IMM_OFF, 0xffffffff, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: immediate LENGTH wrapping offset + length to within the IU");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 0xffffffff - IMM_OFF + 1 + 50);	/* end = 50 */
	CHECK_EQ(parse_imm(IMM_OFF + 512, IMM_OFF, 0xffffffff, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: immediate data on a channel not granted it: refused");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 16);
	CHECK_EQ(parse_imm(IMM_OFF + 16, 0, MAX_RDMA, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: immediate format for DATA-IN: refused");
	cmd(READ_10, 0, SRP_DATA_DESC_IMM, 0, 0, 0);
	put_be32(iu + 48, 16);
	CHECK_EQ(parse_imm(IMM_OFF + 16, IMM_OFF, MAX_RDMA, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: immediate descriptor cut short (3 of 4 bytes)");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	CHECK_EQ(parse_imm(48 + 3, IMM_OFF, MAX_RDMA, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: immediate data over srp_max_rdma_size: refused");
	cmd(WRITE_10, SRP_DATA_DESC_IMM, 0, 0, 0, 0);
	put_be32(iu + 48, 512);
	CHECK_EQ(parse_imm(IMM_OFF + 512, IMM_OFF, 511, &d), BAD);
	CHECK_LOG("exceeds srp_max_rdma_size 511");
	unit_end();
}

static void formats(void)
{
	struct srpt_cmd_data d;
	uint32_t want[2][256];
	unsigned int i, imm, wrong;

	unit_begin("SRP_CMD: DATA-OUT format 4 (undefined): refused by the parser");
	cmd(WRITE_10, 4, 0, 0, 0, 0);
	CHECK_EQ(parse(64, &d), BAD);
	unit_end();

	unit_begin("SRP_CMD: DATA-IN format 15 (undefined): refused by the parser");
	cmd(READ_10, 0, 15, 0, 0, 0);
	CHECK_EQ(parse(64, &d), BAD);
	unit_end();

	/* SRP r16a 6.8: formats the target does not support end the channel. */
	for (imm = 0; imm < 2; imm++)
		for (i = 0; i < 256; i++) {
			uint8_t out = i >> 4, in = i & 15;

			want[imm][i] = 0;
			if (out > 2 && !(out == 3 && imm))
				want[imm][i] = SRPT_LOGOUT_DATA_OUT_FMT;
			else if (in > 2)
				want[imm][i] = SRPT_LOGOUT_DATA_IN_FMT;
		}
	for (imm = 0; imm < 2; imm++) {
		unit_begin("SRP_T_LOGOUT reason for all 256 format bytes, immediate data %s",
			   imm ? "granted" : "not granted");
		for (i = 0, wrong = 0; i < 256; i++) {
			uint32_t got;

			cmd(WRITE_10, i >> 4, i & 15, 0, 0, 0);
			got = srpt_cmd_fmt_logout((struct srp_cmd *)iu, 48,
						  imm ? IMM_OFF : 0);
			if (got != want[imm][i] && !wrong++)
				unit_check(false, __FILE__, __LINE__,
					   "format byte %#x: reason %#x, want %#x",
					   i, got, want[imm][i]);
		}
		CHECK_EQ(wrong, 0);
		unit_end();
	}

	unit_begin("SRP_T_LOGOUT reason: literal values (0x6 DATA-OUT, 0x7 DATA-IN)");
	cmd(WRITE_10, 3, 0, 0, 0, 0);
	CHECK_EQ(srpt_cmd_fmt_logout((struct srp_cmd *)iu, 48, 0), 0x6);
	cmd(READ_10, 0, 3, 0, 0, 0);
	CHECK_EQ(srpt_cmd_fmt_logout((struct srp_cmd *)iu, 48, IMM_OFF), 0x7);
	cmd(READ_10, 4, 4, 0, 0, 0);
	CHECK_EQ(srpt_cmd_fmt_logout((struct srp_cmd *)iu, 48, 0), 0x6);
	unit_end();

	unit_begin("SRP_T_LOGOUT reason: an IU shorter than an SRP_CMD is not judged");
	cmd(WRITE_10, 0xf, 0xf, 0, 0, 0);
	CHECK_EQ(srpt_cmd_fmt_logout((struct srp_cmd *)iu, 47, 0), 0);
	unit_end();
}

static void task_attr(void)
{
	static const struct {
		uint8_t srp;
		int tcm;
	} t[] = {
		{ 0, TCM_SIMPLE_TAG }, { 1, TCM_HEAD_TAG }, { 2, TCM_ORDERED_TAG },
		{ 3, TCM_SIMPLE_TAG }, { 4, TCM_ACA_TAG }, { 5, TCM_SIMPLE_TAG },
		{ 7, TCM_SIMPLE_TAG }, { 0xff, TCM_SIMPLE_TAG },
	};
	unsigned int i;

	unit_begin("SRP_CMD: TASK ATTRIBUTE to target_core (SRP r16a table 21)");
	for (i = 0; i < ARRAY_SIZE(t); i++)
		CHECK_EQ(srpt_task_attr(t[i].srp), t[i].tcm);
	unit_end();
}

void test_cmd(void)
{
	unit_begin("struct srp_cmd is 48 bytes, its CDB at 32 and counts at 6, 7");
	CHECK_EQ(sizeof(struct srp_cmd), 48);
	CHECK_EQ(offsetof(struct srp_cmd, cdb), 32);
	CHECK_EQ(offsetof(struct srp_cmd, data_out_desc_cnt), 6);
	CHECK_EQ(offsetof(struct srp_cmd, data_in_desc_cnt), 7);
	CHECK_EQ(offsetof(struct srp_cmd, add_cdb_len), 31);
	CHECK_EQ(sizeof(struct srp_direct_buf), 16);
	CHECK_EQ(sizeof(struct srp_indirect_buf), 20);
	unit_end();

	no_data();
	cmd_direct();
	directions();
	cdb_length();
	indirect_in_iu();
	indirect_table_size();
	indirect_fetch();
	desc_sum();
	cmd_immediate();
	formats();
	task_attr();
}
