// SPDX-License-Identifier: GPL-2.0
/*
 * Device management MADs (InfiniBand Architecture vol 1, 16.3), answered
 * by srpt_dm_build_rsp() from a port's facts, byte for byte:
 *
 *   MAD header (13.4.3)  0 BaseVersion, 1 MgmtClass (06h), 2 ClassVersion,
 *                        3 R | Method, 4-5 Status, 8-15 TransactionID,
 *                        16-17 AttributeID, 20-23 AttributeModifier
 *   DM class             24-63 reserved, 64-255 attribute data
 *   Status               04h bad version, 08h method unsupported,
 *                        0Ch method/attribute unsupported, 1Ch invalid
 *                        attribute value; 0100h no IOC, 0200h no
 *                        service entries (DM class-specific, 16.3.1.1)
 */
#include <string.h>
#include <linux/kernel.h>

#include "srpt_dm_wire.h"
#include "unit.h"

#define GUID	0x0002c90300a1b2c3ull
#define SVC_ID	0x0002c90300a1b2c4ull
#define IDSTR	"SRPT SCSI RDMA target on mlx4_0 port 1"

static uint8_t req[256], rsp[256], want[256];
static const uint8_t tid[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };
static struct srpt_dm_facts facts;

static void facts_init(bool present)
{
	memset(&facts, 0, sizeof(facts));
	facts.ioc_guid = GUID;
	facts.id_ext = GUID;
	facts.service_id = SVC_ID;
	facts.vendor_id = 0x0002c9;
	facts.device_id = 0x1003;
	facts.device_version = 0xa0;
	facts.send_queue_depth = 512;
	facts.rdma_read_depth = 16;
	facts.send_size = 8260;
	facts.rdma_size = 1 << 20;
	facts.ioc_present = present;
	strcpy(facts.id_string, IDSTR);
}

static void mad(uint8_t method, uint16_t attr, uint32_t mod)
{
	memset(req, 0, sizeof(req));
	req[0] = 1;
	req[1] = 0x06;
	req[2] = 1;
	req[3] = method;
	memcpy(req + 8, tid, 8);
	put_be16(req + 16, attr);
	put_be32(req + 20, mod);
}

static bool answer(void)
{
	memset(rsp, 0xaa, sizeof(rsp));
	return srpt_dm_build_rsp((struct srpt_dm_mad *)req, &facts,
				 (struct srpt_dm_mad *)rsp);
}

/* The expected response to req: GetResp, the status, no data yet. */
static void want_rsp(uint16_t status)
{
	memset(want, 0, sizeof(want));
	want[0] = req[0];
	want[1] = 0x06;
	want[2] = req[2];
	want[3] = 0x81;
	put_be16(want + 4, status);
	memcpy(want + 8, tid, 8);
	memcpy(want + 16, req + 16, 2);
	memcpy(want + 20, req + 20, 4);
}

static void check_rsp(void)
{
	CHECK_MEM(rsp, want, 64);
	CHECK_MEM(rsp + 64, want + 64, 192);
}

static void class_port_info(void)
{
	unit_begin("DM Get(ClassPortInfo): versions 1/1, RespTimeValue 18");
	facts_init(true);
	mad(0x01, 0x0001, 0);
	CHECK(answer());
	want_rsp(0);
	want[64] = 1;		/* BaseVersion */
	want[65] = 1;		/* ClassVersion */
	put_be32(want + 68, 18);	/* CapabilityMask2 0, RespTimeValue */
	check_rsp();
	unit_end();

	unit_begin("DM Get(ClassPortInfo) with a modifier: invalid attribute value (1Ch)");
	mad(0x01, 0x0001, 1);
	CHECK(answer());
	want_rsp(0x001c);
	check_rsp();
	unit_end();

	unit_begin("DM Set(ClassPortInfo): unsupported method/attribute (0Ch)");
	mad(0x02, 0x0001, 0);
	req[64] = 1;
	CHECK(answer());
	want_rsp(0x000c);
	check_rsp();
	unit_end();
}

static void iou_info(void)
{
	unit_begin("DM Get(IOUnitInfo): one slot, IOC present");
	facts_init(true);
	mad(0x01, 0x0010, 0);
	CHECK(answer());
	want_rsp(0);
	put_be16(want + 64, 1);		/* Change ID */
	want[66] = 1;			/* MaxControllers */
	memset(want + 68, 0xff, 128);	/* no such slot */
	want[68] = 0x1f;		/* slot 1: IOC present */
	check_rsp();
	unit_end();

	unit_begin("DM Get(IOUnitInfo): IOC absent, ChangeID 2, slot 1 empty");
	facts_init(false);
	CHECK(answer());
	put_be16(want + 64, 2);
	want[68] = 0x0f;
	check_rsp();
	unit_end();

	unit_begin("DM Get(IOUnitInfo) with a modifier: invalid attribute value");
	facts_init(true);
	mad(0x01, 0x0010, 0x10000);
	CHECK(answer());
	want_rsp(0x001c);
	check_rsp();
	unit_end();

	unit_begin("DM Set(IOUnitInfo): unsupported method/attribute");
	mad(0x02, 0x0010, 0);
	CHECK(answer());
	want_rsp(0x000c);
	check_rsp();
	unit_end();
}

static void want_profile(void)
{
	uint8_t *p = want + 64;

	want_rsp(0);
	put_be64(p + 0, GUID);
	put_be32(p + 8, 0x0002c900);	/* vendor id in 31:8 */
	put_be32(p + 12, 0x1003);
	put_be16(p + 16, 0xa0);
	put_be16(p + 28, 0x0100);	/* IOClass: SRP r16a */
	put_be16(p + 30, 0x609e);	/* IOSubclass */
	put_be16(p + 32, 0x0108);	/* Protocol */
	put_be16(p + 34, 0x0001);	/* ProtocolVersion */
	put_be16(p + 40, 512);		/* SendMessageQueueDepth */
	p[43] = 16;			/* RDMAReadQueueDepth */
	put_be32(p + 44, 8260);		/* SendMessageSize */
	put_be32(p + 48, 1 << 20);	/* RDMATransferSize */
	p[52] = 0x2b;	/* send to/from IOC, RDMA read from, write from IOC */
	p[54] = 1;			/* ServiceEntries */
	memcpy(p + 64, IDSTR, strlen(IDSTR));
}

static void ioc_profile(void)
{
	static const uint32_t bad_slots[] = { 0, 2, 0xffffffff };
	unsigned int i;

	unit_begin("DM Get(IOControllerProfile) of slot 1: every field");
	facts_init(true);
	mad(0x01, 0x0011, 1);
	CHECK(answer());
	want_profile();
	check_rsp();
	unit_end();

	unit_begin("DM IOControllerProfile: vendor id cut to 24 bits");
	facts.vendor_id = 0x12345678;
	CHECK(answer());
	CHECK_EQ(rsp[64 + 8], 0x34);
	CHECK_EQ(rsp[64 + 9], 0x56);
	CHECK_EQ(rsp[64 + 10], 0x78);
	CHECK_EQ(rsp[64 + 11], 0x00);
	unit_end();

	unit_begin("DM IOControllerProfile: IDString of 63 characters, NUL-padded");
	facts_init(true);
	memset(facts.id_string, 'x', 63);
	facts.id_string[63] = '\0';
	CHECK(answer());
	CHECK_EQ(rsp[64 + 64], 'x');
	CHECK_EQ(rsp[64 + 126], 'x');
	CHECK_EQ(rsp[64 + 127], 0);
	unit_end();

	unit_begin("DM IOControllerProfile: an empty IDString is all zero");
	facts_init(true);
	facts.id_string[0] = '\0';
	CHECK(answer());
	memset(want, 0, 64);
	CHECK_MEM(rsp + 128, want, 64);
	unit_end();

	for (i = 0; i < ARRAY_SIZE(bad_slots); i++) {
		unit_begin("DM Get(IOControllerProfile) of slot %#x: invalid attribute value",
			   bad_slots[i]);
		facts_init(true);
		mad(0x01, 0x0011, bad_slots[i]);
		CHECK(answer());
		want_rsp(0x001c);
		check_rsp();
		unit_end();
	}

	unit_begin("DM Get(IOControllerProfile) with the IOC absent: no IOC (0100h)");
	facts_init(false);
	mad(0x01, 0x0011, 1);
	CHECK(answer());
	want_rsp(0x0100);
	check_rsp();
	unit_end();
}

static void svc_entries(void)
{
	static const struct {
		uint32_t mod;
		bool present;
		uint16_t status;
		const char *what;
	} bad[] = {
		{ 1 << 16 | 1 << 8 | 0, true, 0x0200, "entries 0-1 (only 0 exists): no entries" },
		{ 1 << 16 | 1 << 8 | 1, true, 0x0200, "entry 1: no entries" },
		{ 1 << 16 | 0 << 8 | 1, true, 0x001c, "first 1 > last 0: invalid" },
		{ 1 << 16 | 4 << 8 | 0, true, 0x001c, "entries 0-4 (five): invalid" },
		{ 1 << 16 | 0xff << 8 | 0xfc, true, 0x0200, "entries 252-255: no entries" },
		{ 0 << 16, true, 0x001c, "slot 0: invalid" },
		{ 2 << 16, true, 0x001c, "slot 2: invalid" },
		{ 1 << 16, false, 0x0100, "IOC absent: no IOC" },
	};
	unsigned int i;

	unit_begin("DM Get(ServiceEntries) slot 1, entry 0: SRP.T10:<id_ext>, service id");
	facts_init(true);
	mad(0x01, 0x0012, 1 << 16);
	CHECK(answer());
	want_rsp(0);
	memcpy(want + 64, "SRP.T10:0002c90300a1b2c3", 24);
	put_be64(want + 64 + 40, SVC_ID);
	check_rsp();
	unit_end();

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_begin("DM Get(ServiceEntries) %s", bad[i].what);
		facts_init(bad[i].present);
		mad(0x01, 0x0012, bad[i].mod);
		CHECK(answer());
		want_rsp(bad[i].status);
		check_rsp();
		unit_end();
	}
}

static void other(void)
{
	static const uint16_t attrs[] = { 0x0002, 0x0003, 0x0013, 0x0020, 0xffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		unit_begin("DM Get of attribute %04xh: unsupported method/attribute (0Ch)",
			   attrs[i]);
		facts_init(true);
		mad(0x01, attrs[i], 0);
		CHECK(answer());
		want_rsp(0x000c);
		check_rsp();
		unit_end();
	}

	unit_begin("DM GetTable (12h): unsupported method (08h)");
	mad(0x12, 0x0010, 0);
	CHECK(answer());
	want_rsp(0x0008);
	check_rsp();
	unit_end();

	unit_begin("DM Get with BaseVersion 2: bad version (04h)");
	mad(0x01, 0x0010, 0);
	req[0] = 2;
	CHECK(answer());
	want_rsp(0x0004);
	check_rsp();
	unit_end();

	unit_begin("DM Get with ClassVersion 2: bad version, the version echoed");
	mad(0x01, 0x0010, 0);
	req[2] = 2;
	CHECK(answer());
	want_rsp(0x0004);
	CHECK_EQ(rsp[2], 2);
	check_rsp();
	unit_end();

	unit_begin("DM GetResp (a response): no answer");
	mad(0x81, 0x0010, 0);
	CHECK(!answer());
	unit_end();

	unit_begin("a MAD of another class (PerfMgt, 04h): no answer");
	mad(0x01, 0x0010, 0);
	req[1] = 0x04;
	CHECK(!answer());
	unit_end();
}

void test_dm(void)
{
	unit_begin("DM MAD layouts: 256-byte MAD, data at 64; attributes 132/128/48 bytes");
	CHECK_EQ(sizeof(struct srpt_dm_mad), 256);
	CHECK_EQ(offsetof(struct srpt_dm_mad, data), 64);
	CHECK_EQ(sizeof(struct srpt_dm_iou_info), 132);
	CHECK_EQ(sizeof(struct srpt_dm_ioc_profile), 128);
	CHECK_EQ(offsetof(struct srpt_dm_ioc_profile, id_string), 64);
	CHECK_EQ(sizeof(struct srpt_dm_svc_entry), 48);
	unit_end();

	class_port_info();
	iou_info();
	ioc_profile();
	svc_entries();
	other();
}
