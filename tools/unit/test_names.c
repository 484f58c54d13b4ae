// SPDX-License-Identifier: GPL-2.0
/*
 * configfs names (Documentation/infiniband/srpt.rst, "Target ports" and
 * "Naming initiators"): target ports named by port GUID or GID, ACLs by
 * SRP initiator port identifier (SRP r16a 5.6.2) or port GUID; and which
 * logins an ACL admits, also by RDMA/CM source address. The address form
 * of a name is parsed by the kernel's inet_pton_with_scope() in
 * srpt_configfs.c, not here: these cases check that it is left to it.
 */
#include <arpa/inet.h>
#include <string.h>
#include <linux/kernel.h>

#include "srpt_proto.h"
#include "unit.h"

static const uint8_t gid[16] = {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56,
};

static void tport_names(void)
{
	static const struct {
		const char *name;
		int kind;	/* -1: refused */
	} t[] = {
		{ "5054:00ff:fe12:3456", SRPT_TPORT_GUID },
		{ "0x5054:00ff:fe12:3456", SRPT_TPORT_GUID },
		{ "0X5054:00FF:FE12:3456", SRPT_TPORT_GUID },
		{ "fe80000000000000505400fffe123456", SRPT_TPORT_GID },
		{ "0xfe80000000000000505400fffe123456", SRPT_TPORT_GID },
		{ "0xFE80000000000000505400FFFE123456", SRPT_TPORT_GID },
		{ "505400fffe123456", -1 },	/* 16 digits: ACLs only */
		{ "0xfe80000000000000505400fffe12345", -1 },	/* 31 digits */
		{ "0xfe80000000000000505400fffe1234567", -1 },	/* 33 digits */
		{ "0xfe80000000000000505400fffe12345g", -1 },
		{ "5054:00ff:fe12:345", -1 },
		{ "5054-00ff-fe12-3456", -1 },
		{ "5054:00ff:fe12:3456:", -1 },
		{ "50540:0ff:fe12:3456", -1 },
		{ "5054:00ff:fe12:345x", -1 },
		{ "ib.fe80000000000000505400fffe123456", -1 },
		{ "fe80::5054:ff:fe12:3456", -1 },
		{ "0x", -1 },
		{ "", -1 },
	};
	enum srpt_tport_kind kind;
	union ib_gid g;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("target port name '%s': %s", t[i].name,
			   t[i].kind < 0 ? "refused" :
			   t[i].kind == SRPT_TPORT_GUID ? "a port GUID" : "a GID");
		memset(&g, 0xaa, sizeof(g));
		ret = srpt_parse_gid(t[i].name, &kind, &g);
		CHECK_EQ(ret, t[i].kind < 0 ? -EINVAL : 0);
		if (t[i].kind == SRPT_TPORT_GUID) {
			CHECK_EQ(kind, SRPT_TPORT_GUID);
			CHECK_MEM(g.raw + 8, gid + 8, 8);
			CHECK_EQ(g.global.subnet_prefix, 0);
		} else if (t[i].kind == SRPT_TPORT_GID) {
			CHECK_EQ(kind, SRPT_TPORT_GID);
			CHECK_MEM(g.raw, gid, 16);
		}
		unit_end();
	}
}

static void acl_names(void)
{
	static const struct {
		const char *name;
		int kind;	/* -1: not a port id form */
	} t[] = {
		{ "fe80000000000000505400fffe123456", SRPT_NACL_PORT_ID },
		{ "0xfe80000000000000505400fffe123456", SRPT_NACL_PORT_ID },
		{ "505400fffe123456", SRPT_NACL_GUID },
		{ "0x505400fffe123456", SRPT_NACL_GUID },
		{ "5054:00ff:fe12:3456", SRPT_NACL_GUID },
		{ "0x5054:00ff:fe12:3456", SRPT_NACL_GUID },
		{ "505400fffe12345", -1 },		/* 15 digits */
		{ "505400fffe1234567", -1 },		/* 17 digits */
		{ "fe80000000000000505400fffe12345", -1 },
		{ "192.168.122.10", -1 },		/* IPv4: the caller's */
		{ "fe80::5054:ff:fe12:3456", -1 },	/* IPv6: the caller's */
		{ "fe80:0:0:1", -1 },
		{ "ib.fe80000000000000505400fffe123456", -1 },
		{ "iqn.2003-01.org.linux-iscsi:x", -1 },
		{ "", -1 },
	};
	struct srpt_acl_id id;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		unit_begin("ACL name '%s': %s", t[i].name,
			   t[i].kind < 0 ? "not an SRP port id or GUID" :
			   t[i].kind == SRPT_NACL_GUID ? "a port GUID" :
			   "an initiator port identifier");
		memset(&id, 0, sizeof(id));
		id.kind = 99;
		ret = srpt_parse_acl_name(t[i].name, &id);
		CHECK_EQ(ret, t[i].kind < 0 ? -EINVAL : 0);
		if (t[i].kind < 0) {
			CHECK_EQ(id.kind, 99);
		} else {
			CHECK_EQ(id.kind, t[i].kind);
			CHECK_MEM(id.port_id + 8, gid + 8, 8);
			if (t[i].kind == SRPT_NACL_PORT_ID)
				CHECK_MEM(id.port_id, gid, 8);
		}
		unit_end();
	}
}

static void acl_v4(struct srpt_acl_id *id, const char *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&id->addr;

	memset(id, 0, sizeof(*id));
	id->kind = SRPT_NACL_ADDR;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
}

static void acl_v6(struct srpt_acl_id *id, const char *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&id->addr;

	memset(id, 0, sizeof(*id));
	id->kind = SRPT_NACL_ADDR;
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &sin6->sin6_addr);
}

static void acl_admission(void)
{
	struct sockaddr_in src4 = { .sin_family = AF_INET, .sin_port = 1234 };
	struct sockaddr_in6 src6 = { .sin6_family = AF_INET6 };
	struct srpt_acl_id id;
	struct srpt_login lg;

	memset(&lg, 0, sizeof(lg));
	memcpy(lg.i_port_id, gid, 16);

	unit_begin("ACL of an initiator port id admits exactly that id");
	CHECK_EQ(srpt_parse_acl_name("0xfe80000000000000505400fffe123456", &id), 0);
	CHECK(srpt_acl_admits(&id, &lg));
	lg.i_port_id[0] ^= 1;	/* another initiator extension */
	CHECK(!srpt_acl_admits(&id, &lg));
	lg.i_port_id[0] ^= 1;
	lg.i_port_id[15] ^= 1;	/* another port */
	CHECK(!srpt_acl_admits(&id, &lg));
	lg.i_port_id[15] ^= 1;
	unit_end();

	unit_begin("ACL of a port GUID admits any initiator extension, not another GUID");
	CHECK_EQ(srpt_parse_acl_name("5054:00ff:fe12:3456", &id), 0);
	CHECK(srpt_acl_admits(&id, &lg));
	memset(lg.i_port_id, 0x11, 8);
	CHECK(srpt_acl_admits(&id, &lg));
	lg.i_port_id[8] ^= 1;
	CHECK(!srpt_acl_admits(&id, &lg));
	memcpy(lg.i_port_id, gid, 16);
	unit_end();

	unit_begin("ACL of a port id admits an RDMA/CM login by its id alone");
	CHECK_EQ(srpt_parse_acl_name("fe80000000000000505400fffe123456", &id), 0);
	inet_pton(AF_INET, "10.0.0.1", &src4.sin_addr);
	lg.src = (struct sockaddr *)&src4;
	CHECK(srpt_acl_admits(&id, &lg));
	unit_end();

	unit_begin("ACL of an IPv4 address admits logins from it, not from others");
	acl_v4(&id, "10.0.0.1");
	CHECK(srpt_acl_admits(&id, &lg));
	inet_pton(AF_INET, "10.0.0.2", &src4.sin_addr);
	CHECK(!srpt_acl_admits(&id, &lg));
	unit_end();

	unit_begin("ACL of an IPv4 address: the port of the source does not matter");
	inet_pton(AF_INET, "10.0.0.1", &src4.sin_addr);
	src4.sin_port = 4321;
	CHECK(srpt_acl_admits(&id, &lg));
	unit_end();

	unit_begin("ACL of an IPv6 address admits logins from it, not from others");
	acl_v6(&id, "fd00::1");
	inet_pton(AF_INET6, "fd00::1", &src6.sin6_addr);
	lg.src = (struct sockaddr *)&src6;
	CHECK(srpt_acl_admits(&id, &lg));
	inet_pton(AF_INET6, "fd00::2", &src6.sin6_addr);
	CHECK(!srpt_acl_admits(&id, &lg));
	unit_end();

	unit_begin("ACL of an IPv4 address does not admit an IPv6 login");
	acl_v4(&id, "0.0.0.0");
	memset(&src6.sin6_addr, 0, 16);
	CHECK(!srpt_acl_admits(&id, &lg));
	unit_end();

	unit_begin("ACL of an address does not admit an IB/CM login (no address)");
	acl_v4(&id, "10.0.0.1");
	lg.src = NULL;
	CHECK(!srpt_acl_admits(&id, &lg));
	unit_end();
}

void test_names(void)
{
	tport_names();
	acl_names();
	acl_admission();
}
