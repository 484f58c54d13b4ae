/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI RDMA Protocol (SRP) target for the LIO target core: shared types.
 *
 * Object graph (arrows are pointers, "owns" means frees):
 *
 *   srpt_device (one per RDMA device, kref) owns srpt_port[port_count]
 *   srpt_tport  (configfs target port "srpt/<name>") --bound--> srpt_port
 *   srpt_tpg    (configfs "srpt/<name>/<tpg>")       ---------> srpt_tport
 *   srpt_nacl   (configfs ACL "srpt/<name>/<tpg>/acls/<initiator>")
 *
 * A target port outlives the hardware: when its RDMA device is removed
 * (HCA reset, "rdma link delete") the binding is cleared, and when a device
 * with a port of the same GID/GUID is added again it is bound again, so the
 * configfs tree never has to be rebuilt.
 */
#ifndef SRPT_H
#define SRPT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>
#include <target/target_core_base.h>

#define SRPT_FABRIC_NAME	"srpt"

/*
 * Limits. The SRP_LOGIN_REQ is 64 bytes (SRP r16a, 5.6.2) and an initiator
 * may not ask for a smaller information unit; a response has to fit the
 * 36-byte SRP_RSP header plus at least a fixed-format sense header.
 */
enum {
	SRPT_MIN_REQ_SIZE	= 64,
	SRPT_MAX_REQ_SIZE	= 65536,
	SRPT_DEF_REQ_SIZE	= 8260,

	SRPT_MIN_RSP_SIZE	= 64,
	SRPT_MAX_RSP_SIZE	= 1024,
	SRPT_DEF_RSP_SIZE	= 256,

	SRPT_MIN_RDMA_SIZE	= 4096,
	SRPT_MAX_RDMA_SIZE	= 16 << 20,
	SRPT_DEF_RDMA_SIZE	= 1 << 20,

	SRPT_MIN_SQ_SIZE	= 16,
	SRPT_MAX_SQ_SIZE	= 16384,
	SRPT_DEF_SQ_SIZE	= 4096,

	SRPT_MIN_SRQ_SIZE	= 4,
	SRPT_MAX_SRQ_SIZE	= 65535,
	SRPT_DEF_SRQ_SIZE	= 4095,
};

/**
 * struct srpt_port - one port of an RDMA device
 * @sdev:     device this port belongs to.
 * @port_num: IB port number (1-based).
 *
 * Lifetime: embedded in and freed with its srpt_device.
 */
struct srpt_port {
	struct srpt_device	*sdev;
	u32			port_num;
};

/**
 * struct srpt_device - per-RDMA-device state, created by the ib_client
 * @refcount:      dropped by the ib_client remove callback; later users
 *                 (channels) hold their own reference.
 * @ib_dev:        the RDMA device.
 * @pd:            protection domain shared by everything on this device.
 * @event_handler: asynchronous events (port state, GID table changes)
 *                 trigger a rebind of target ports.
 * @node:          entry in srpt_dev_list, protected by srpt_mutex.
 * @port_count:    number of entries in @ports.
 * @ports:         one entry per physical port.
 */
struct srpt_device {
	struct kref		refcount;
	struct ib_device	*ib_dev;
	struct ib_pd		*pd;
	struct ib_event_handler	event_handler;
	struct list_head	node;
	u32			port_count;
	struct srpt_port	ports[];
};

/* How a target port is named in configfs. */
enum srpt_tport_kind {
	SRPT_TPORT_GUID,	/* "xxxx:xxxx:xxxx:xxxx": GID interface id */
	SRPT_TPORT_GID,		/* "0x" + 32 hex digits: the whole GID 0 */
};

/**
 * struct srpt_tport - a configfs target port, "srpt/<name>"
 * @wwn:      target_core's handle.
 * @kind:     GUID- or GID-named.
 * @gid:      identity; for a GUID name only the interface id is used.
 * @port:     the RDMA port with this identity, or NULL while it is absent.
 * @tpg_list: srpt_tpg.node entries.
 * @node:     entry in srpt_tport_list.
 * @name:     the configfs name as written by the administrator.
 *
 * Locking: @port, @tpg_list and @node are protected by srpt_mutex.
 * Lifetime: created by mkdir, freed by rmdir; configfs guarantees that all
 * TPGs below it are gone first.
 */
struct srpt_tport {
	struct se_wwn		wwn;
	enum srpt_tport_kind	kind;
	union ib_gid		gid;
	struct srpt_port	*port;
	struct list_head	tpg_list;
	struct list_head	node;
	char			name[64];
};

/**
 * struct srpt_tpg_attrib - tunables in "<tpg>/attrib", used by new channels
 * @max_rdma_size: largest data transfer of one SRP_CMD, in bytes.
 * @max_rsp_size:  largest target-to-initiator IU (SRP_RSP incl. sense).
 * @sq_size:       send queue depth of a channel; bounds its credits.
 * @use_srq:       receive through a shared receive queue.
 *
 * Written by configfs under no lock and read once per login, so each is
 * accessed with READ_ONCE()/WRITE_ONCE(); a change applies to channels
 * created afterwards.
 */
struct srpt_tpg_attrib {
	u32	max_rdma_size;
	u32	max_rsp_size;
	u32	sq_size;
	bool	use_srq;
};

/**
 * struct srpt_tpg - a target portal group, "srpt/<port>/<tpg>"
 * @se_tpg: target_core's handle; se_tpg.enabled is the "enable" attribute.
 * @tport:  the parent target port.
 * @attrib: see struct srpt_tpg_attrib.
 * @node:   entry in tport->tpg_list, protected by srpt_mutex.
 * @tag:    the TPG tag parsed from the directory name.
 */
struct srpt_tpg {
	struct se_portal_group	se_tpg;
	struct srpt_tport	*tport;
	struct srpt_tpg_attrib	attrib;
	struct list_head	node;
	u16			tag;
};

/* How an ACL names its initiator. */
enum srpt_nacl_kind {
	SRPT_NACL_PORT_ID,	/* 128-bit SRP initiator port identifier */
	SRPT_NACL_GUID,		/* matches the low 64 bits of the port id */
	SRPT_NACL_ADDR,		/* source IP address of an RDMA/CM login */
};

/**
 * struct srpt_nacl - an initiator ACL
 * @se_nacl: target_core's handle.
 * @kind:    which of @port_id / @addr is meaningful.
 * @port_id: SRP initiator port identifier (SRP r16a, 5.6.2), big endian.
 * @addr:    IPv4 or IPv6 address.
 *
 * Immutable after creation.
 */
struct srpt_nacl {
	struct se_node_acl	se_nacl;
	enum srpt_nacl_kind	kind;
	u8			port_id[16];
	struct sockaddr_storage	addr;
};

/* srpt_main.c */
extern struct mutex srpt_mutex;
extern struct list_head srpt_dev_list;
extern struct list_head srpt_tport_list;
extern unsigned int srp_max_req_size;
extern unsigned int srpt_srq_size;
extern u64 srpt_service_guid;
extern const struct target_core_fabric_ops srpt_fabric_ops;

bool srpt_port_get_gid(struct srpt_port *sport, union ib_gid *gid);
bool srpt_port_matches(struct srpt_port *sport, enum srpt_tport_kind kind,
		       const union ib_gid *id);
struct srpt_port *srpt_find_port(enum srpt_tport_kind kind,
				 const union ib_gid *id);
void srpt_bind_tports(void);
void srpt_list_ports(char *buf, size_t len);

/* srpt_io.c: target_core callbacks for commands */
int srpt_check_stop_free(struct se_cmd *se_cmd);
void srpt_release_cmd(struct se_cmd *se_cmd);
void srpt_close_session(struct se_session *se_sess);
int srpt_write_pending(struct se_cmd *se_cmd);
int srpt_get_cmd_state(struct se_cmd *se_cmd);
int srpt_queue_data_in(struct se_cmd *se_cmd);
int srpt_queue_status(struct se_cmd *se_cmd);
void srpt_queue_tm_rsp(struct se_cmd *se_cmd);
void srpt_aborted_task(struct se_cmd *se_cmd);

/* srpt_configfs.c */
extern struct configfs_attribute *srpt_discovery_attrs[];
extern struct configfs_attribute *srpt_tpg_attrib_attrs[];
extern struct configfs_attribute *srpt_wwn_attrs[];
int srpt_set_rdma_cm_port(u16 port);
u16 srpt_get_rdma_cm_port(void);
struct se_wwn *srpt_make_tport(struct target_fabric_configfs *tf,
			       struct config_group *group, const char *name);
void srpt_drop_tport(struct se_wwn *wwn);
struct se_portal_group *srpt_make_tpg(struct se_wwn *wwn, const char *name);
void srpt_drop_tpg(struct se_portal_group *se_tpg);
int srpt_enable_tpg(struct se_portal_group *se_tpg, bool enable);
int srpt_init_nodeacl(struct se_node_acl *se_nacl, const char *name);
int srpt_parse_gid(const char *name, enum srpt_tport_kind *kind,
		   union ib_gid *gid);

static inline struct srpt_tport *to_srpt_tport(struct se_wwn *wwn)
{
	return container_of(wwn, struct srpt_tport, wwn);
}

static inline struct srpt_tpg *to_srpt_tpg(struct se_portal_group *se_tpg)
{
	return container_of(se_tpg, struct srpt_tpg, se_tpg);
}

static inline struct srpt_nacl *to_srpt_nacl(struct se_node_acl *se_nacl)
{
	return container_of(se_nacl, struct srpt_nacl, se_nacl);
}

#endif /* SRPT_H */
