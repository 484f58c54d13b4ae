// SPDX-License-Identifier: GPL-2.0
/*
 * dm-query: send one device management (DM, class 0x06) MAD to a port's
 * QP1 through libibumad and print the response MAD in hex, for the
 * selftests of the SRP target's DM agent (selftests/dm/).
 *
 *   dm-query [-d IBDEV] [-p PORT] [-m METHOD] [-b BASE_VERSION]
 *            [-c CLASS_VERSION] [-f FILL] [-T TID] [-t TIMEOUT_MS]
 *            ATTR_ID [ATTR_MOD]
 *
 * The request goes to the local port itself (its LID, and on an Ethernet
 * link layer a GRH to its GID 0) unless -l/-g name another destination.
 * Its 40 reserved bytes and 192 data bytes are filled with FILL (default
 * 0), so that a response that merely echoes the request shows.
 *
 * Output: one line with the 256-byte response MAD as 512 hex digits.
 * Exit status: 0 response printed, 3 no response (timeout), 1 error.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <infiniband/umad.h>
#include <infiniband/umad_types.h>

#define MAD_SIZE	256

static void usage(void)
{
	fprintf(stderr,
		"usage: dm-query [-d IBDEV] [-p PORT] [-m METHOD] [-b BASE_VERSION]\n"
		"                [-c CLASS_VERSION] [-f FILL] [-T TID] [-t TIMEOUT_MS]\n"
		"                [-l DLID] [-g DGID] ATTR_ID [ATTR_MOD]\n");
	exit(1);
}

static unsigned long num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "dm-query: bad number '%s' (max %lu)\n", s, max);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *ibdev = NULL, *dgid_str = NULL;
	unsigned int method = UMAD_METHOD_GET, base_ver = 1, class_ver = 1;
	unsigned int fill = 0, attr_id, attr_mod = 0;
	int port = 0, timeout = 2000, dlid = -1, portid, agent, len, opt, st;
	uint32_t tid = 0x5a5a0001;
	struct umad_dm_packet *mad;
	ib_mad_addr_t addr;
	umad_port_t uport;
	void *umad;
	int grh, i;

	while ((opt = getopt(argc, argv, "d:p:m:b:c:f:T:t:l:g:")) != -1) {
		switch (opt) {
		case 'd': ibdev = optarg; break;
		case 'p': port = num(optarg, 255); break;
		case 'm': method = num(optarg, 255); break;
		case 'b': base_ver = num(optarg, 255); break;
		case 'c': class_ver = num(optarg, 255); break;
		case 'f': fill = num(optarg, 255); break;
		case 'T': tid = num(optarg, 0xffffffff); break;
		case 't': timeout = num(optarg, 600000); break;
		case 'l': dlid = num(optarg, 0xffff); break;
		case 'g': dgid_str = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		usage();
	attr_id = num(argv[optind], 0xffff);
	if (argc - optind == 2)
		attr_mod = num(argv[optind + 1], 0xffffffff);

	if (umad_init() < 0) {
		fprintf(stderr, "dm-query: umad_init failed\n");
		return 1;
	}
	if (umad_get_port(ibdev, port, &uport) < 0) {
		fprintf(stderr, "dm-query: no umad port %s/%d\n",
			ibdev ? ibdev : "(any)", port);
		return 1;
	}
	portid = umad_open_port(uport.ca_name, uport.portnum);
	if (portid < 0) {
		fprintf(stderr, "dm-query: cannot open %s/%d (is ib_umad loaded?)\n",
			uport.ca_name, uport.portnum);
		return 1;
	}
	/*
	 * No methods: this agent only sends requests; the MAD layer routes
	 * the responses back to it by the TID's upper half.
	 */
	agent = umad_register(portid, UMAD_CLASS_DEVICE_MGMT, 1, 0, NULL);
	if (agent < 0) {
		fprintf(stderr, "dm-query: umad_register failed (%d)\n", agent);
		return 1;
	}

	umad = calloc(1, umad_size() + MAD_SIZE);
	if (!umad)
		return 1;
	mad = umad_get_mad(umad);
	memset(mad, fill, MAD_SIZE);
	memset(&mad->mad_hdr, 0, sizeof(mad->mad_hdr));
	mad->mad_hdr.base_version = base_ver;
	mad->mad_hdr.mgmt_class = UMAD_CLASS_DEVICE_MGMT;
	mad->mad_hdr.class_version = class_ver;
	mad->mad_hdr.method = method;
	mad->mad_hdr.tid = htobe64(tid);	/* the kernel sets the upper half */
	mad->mad_hdr.attr_id = htobe16(attr_id);
	mad->mad_hdr.attr_mod = htobe32(attr_mod);

	grh = dgid_str || !strcmp(uport.link_layer, "Ethernet");
	umad_set_addr(umad, dlid >= 0 ? dlid : (int)uport.base_lid, 1, 0,
		      UMAD_QKEY);
	umad_set_pkey(umad, 0);
	if (grh) {
		memset(&addr, 0, sizeof(addr));
		addr.grh_present = 1;
		addr.gid_index = 0;
		addr.hop_limit = 0xff;
		if (dgid_str) {
			if (inet_pton(AF_INET6, dgid_str, addr.gid) != 1) {
				fprintf(stderr, "dm-query: bad GID '%s'\n", dgid_str);
				return 1;
			}
		} else {
			memcpy(addr.gid, &uport.gid_prefix, 8);
			memcpy(addr.gid + 8, &uport.port_guid, 8);
		}
		umad_set_grh(umad, &addr);
	}

	if (umad_send(portid, agent, umad, MAD_SIZE, timeout, 0) < 0) {
		fprintf(stderr, "dm-query: umad_send failed: %s\n",
			strerror(errno));
		return 1;
	}
	for (;;) {
		len = MAD_SIZE;
		st = umad_recv(portid, umad, &len, timeout + 1000);
		if (st < 0) {
			fprintf(stderr, "dm-query: umad_recv failed (%d)\n", st);
			return 3;
		}
		if (st == agent)
			break;
	}
	st = umad_status(umad);
	if (st) {
		fprintf(stderr, "dm-query: no response (%s)\n", strerror(st));
		return st == ETIMEDOUT ? 3 : 1;
	}
	if (len < MAD_SIZE) {
		fprintf(stderr, "dm-query: short response (%d bytes)\n", len);
		return 1;
	}
	for (i = 0; i < MAD_SIZE; i++)
		printf("%02x", ((unsigned char *)mad)[i]);
	printf("\n");
	umad_unregister(portid, agent);
	umad_close_port(portid);
	umad_release_port(&uport);
	return 0;
}
