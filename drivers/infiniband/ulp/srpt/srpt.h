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
 *
 * Sessions (see srpt_ch.c and srpt_cm.c for the rules):
 *
 *   srpt_nexus  (I_T nexus: one target_core session) --> srpt_tpg
 *     ch_list: srpt_rdma_ch (one RC QP each, SRP r16a 5.6: multichannel)
 *       srpt_recv_ioctx[] (receive ring, or buffers of the device's SRQ
 *                          for the channel's completion vector)
 *       srpt_send_ioctx[] (one per command in flight, embeds its se_cmd)
 */
#ifndef SRPT_H
#define SRPT_H

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>
#include <rdma/rw.h>
#include <scsi/srp.h>
#include <target/target_core_base.h>

#include "srpt_proto.h"

#define SRPT_FABRIC_NAME	"srpt"
/* Gather entries per send work request, at least (srpt_send_sge()). */
#define SRPT_MIN_SEND_SGE	16

struct srpt_nexus;
struct srpt_rdma_ch;
struct srpt_send_ioctx;
struct srpt_srq;

/*
 * One section per file: the types it owns, with their locking and lifetime
 * rules, then what it exports to the others. A type comes before those
 * that embed it. Documentation/infiniband/srpt-design.rst draws which file
 * calls which.
 */

/* ===== srpt_main.c ====================================================== */

/*
 * The module: its parameters (read through srpt_get_*()), srpt_mutex and
 * the lists it protects, the workqueues, the ib_client that makes one
 * srpt_device per RDMA device, the binding of target ports to RDMA ports
 * and their statistics, and the target_core_fabric_ops table.
 */

/**
 * struct srpt_port - one port of an RDMA device
 * @sdev:     device this port belongs to.
 * @port_num: IB port number (1-based).
 * @dm_agent: device management MAD agent (srpt_dm.c), or NULL where the
 *            port has no IB management datagrams (iWARP) or registering
 *            failed. Set by srpt_dm_register() before the device is put on
 *            srpt_dev_list and cleared by srpt_dm_unregister() in the
 *            remove callback, after the IB/CM listener is stopped and the
 *            device's channels are closed, before the SRQs and the PD go;
 *            unregistering waits for running MAD handlers, so it must not
 *            be called with srpt_mutex held (the handler takes it).
 * @dm_cap:   we set IsDeviceManagementSupported on the port (only where
 *            the IB/CM listener of the device runs); cleared with it.
 *
 * Lifetime: embedded in and freed with its srpt_device.
 */
struct srpt_port {
	struct srpt_device	*sdev;
	u32			port_num;
	struct ib_mad_agent	*dm_agent;
	bool			dm_cap;
};

/**
 * struct srpt_device - per-RDMA-device state, created by the ib_client
 * @refcount:      dropped by the ib_client remove callback; channels hold
 *                 their own reference, taken under srpt_mutex while the
 *                 device is on srpt_dev_list (RDMA/CM) or in a callback of
 *                 its IB/CM listener. The remove callback waits until its
 *                 own reference is the last before it frees the SRQs and
 *                 the PD.
 * @ib_dev:        the RDMA device.
 * @pd:            protection domain shared by everything on this device.
 * @event_handler: asynchronous events (port state, GID table changes)
 *                 trigger a rebind of target ports.
 * @node:          entry in srpt_dev_list, protected by srpt_mutex.
 * @ib_cm_id:      IB/CM listener for srpt_service_guid (NULL if the
 *                 device has no IB/CM, e.g. iWARP, or listening failed).
 *                 Set and cleared under srpt_mutex, which the DM agent
 *                 reads it under.
 * @srqs:          shared receive queues (@nr_srqs entries, NULL until
 *                 used): a channel whose CQ is on completion vector V
 *                 receives through @srqs[V % @nr_srqs], created by the
 *                 first use_srq=1 login that needs it. Entries are set
 *                 under srpt_mutex and stay until the remove callback
 *                 frees them with the table, after the device's last
 *                 channel.
 * @nr_srqs:       entries in @srqs: as many SRQs as srpt_srq_size fills
 *                 with SRPT_MAX_RQ_SIZE buffers each, at least one, at
 *                 most one per usable completion vector (srpt_srq_split());
 *                 0 if the device has no SRQs (max_srq or max_srq_wr 0).
 *                 Set when the device is added, immutable.
 * @srq_size:      buffers of each SRQ: srpt_srq_size / @nr_srqs (at most
 *                 max_srq_wr), so that a login knows its credits and CQ
 *                 size before it knows which SRQ it gets; 0 without SRQs,
 *                 and then use_srq=1 logins are rejected. Immutable.
 * @ch_list:       channels on this device, protected by srpt_mutex.
 * @last_vector:   completion vector of the device's latest accepted
 *                 channel's CQ, -1 before the first: a new session's
 *                 first channel goes on after it (srpt_choose_vector()).
 *                 Set by srpt_try_login() once it accepts a login, under
 *                 srpt_mutex.
 * @removing:      the device is going away: refuse logins (srpt_mutex).
 * @reports_last_wqe: the device has reported IB_EVENT_QP_LAST_WQE_REACHED
 *                 (see srpt_wait_last_wqe()).
 * @port_count:    number of entries in @ports.
 * @ports:         one entry per physical port.
 */
struct srpt_device {
	struct kref		refcount;
	struct ib_device	*ib_dev;
	struct ib_pd		*pd;
	struct ib_event_handler	event_handler;
	struct list_head	node;
	struct ib_cm_id		*ib_cm_id;
	struct srpt_srq		**srqs;
	u32			nr_srqs;
	u32			srq_size;
	struct list_head	ch_list;
	int			last_vector;
	bool			removing;
	bool			reports_last_wqe;
	u32			port_count;
	struct srpt_port	ports[];
};

extern struct mutex srpt_mutex;
extern struct list_head srpt_dev_list;
extern struct list_head srpt_tport_list;
extern const struct target_core_fabric_ops srpt_fabric_ops;
extern struct workqueue_struct *srpt_wq;
extern struct workqueue_struct *srpt_retry_wq;
extern struct ib_client srpt_client;

u32 srpt_get_max_req_size(void);
u32 srpt_get_srq_size(void);
u64 srpt_get_service_guid(void);
bool srpt_port_get_gid(struct srpt_port *sport, union ib_gid *gid);
struct srpt_port *srpt_find_port(enum srpt_tport_kind kind,
				 const union ib_gid *id);
void srpt_list_ports(char *buf, size_t len);
void srpt_put_device(struct srpt_device *sdev);
void srpt_count_port_stat(struct srpt_port *sport, enum srpt_login_stat stat);

/* ===== srpt_configfs.c ================================================== */

/*
 * The configfs tree: target ports, TPGs and their attributes, ACLs and
 * their info file, the discovery group and the login counters.
 */

/**
 * struct srpt_tport - a configfs target port, "srpt/<name>"
 * @wwn:      target_core's handle.
 * @kind:     GUID- or GID-named.
 * @gid:      identity; for a GUID name only the interface id is used.
 * @port:     the RDMA port with this identity, or NULL while it is absent.
 * @tpg_list: srpt_tpg.node entries.
 * @node:     entry in srpt_tport_list (RCU: srpt_count_port_stat()).
 * @name:     the configfs name as written by the administrator.
 * @login_stats: logins on @port by outcome, and IUs refused on its
 *             channels; kept across HCA resets.
 * @ioc_id_string: IOControllerProfile.IDString the DM agent reports for
 *             @port; empty for the default.
 * @login_stats_group: their configfs directory.
 * @discovery_group: "<port>/srpt_discovery/": login_info, ioc_id_string.
 *
 * @rcu:      frees it after an RCU grace period.
 *
 * Locking: @port, @tpg_list, @node and @ioc_id_string are protected by
 * srpt_mutex; @port is also read under RCU (written with WRITE_ONCE()).
 * @login_stats are atomic: logins count under srpt_mutex, the completion
 * path counts refused IUs under RCU only.
 * Lifetime: created by mkdir, freed by rmdir (after an RCU grace period);
 * configfs guarantees that all TPGs below it are gone first.
 */
struct srpt_tport {
	struct se_wwn		wwn;
	enum srpt_tport_kind	kind;
	union ib_gid		gid;
	struct srpt_port	*port;
	struct list_head	tpg_list;
	struct list_head	node;
	char			name[64];
	atomic64_t		login_stats[SRPT_LOGIN_NR_STATS];
	char			ioc_id_string[64];
	struct config_group	login_stats_group;
	struct config_group	discovery_group;
	struct rcu_head		rcu;
};

/*
 * Width of comp_v_mask. A channel's CQ is on one of the first
 * min(num_comp_vectors, num_online_cpus()) vectors (srpt_usable_vectors()),
 * and there are never more online CPUs than nr_cpu_ids: a bit above could
 * name no vector a channel can use on this host. Written like a CPU mask.
 */
static inline unsigned int srpt_comp_v_bits(void)
{
	return nr_cpu_ids;
}

/**
 * struct srpt_tpg_attrib - tunables in "<tpg>/attrib", used by new channels
 * @max_rdma_size: largest data transfer of one SRP_CMD, in bytes.
 * @max_rsp_size:  largest target-to-initiator IU (SRP_RSP incl. sense).
 * @sq_size:       send queue depth of a channel; bounds its credits.
 * @use_srq:       receive through a shared receive queue.
 * @comp_v_all:    comp_v_mask is "all": every completion vector of the
 *                 device (the default), whatever @comp_v_mask holds.
 * @comp_v_mask:   otherwise the completion vectors the TPG's channels may
 *                 use, a bitmap of srpt_comp_v_bits() bits, never empty.
 *
 * Written by configfs and read once per login, so that a change applies to
 * channels created afterwards. The numbers are written under no lock and
 * accessed with READ_ONCE()/WRITE_ONCE(). @comp_v_all and @comp_v_mask,
 * which cannot be read or written at once, are written under both
 * srpt_mutex and tpg->comp_v_lock, and read under either: by logins, which
 * hold srpt_mutex throughout, and by the attribute's show, which must not
 * wait for a login and takes only the spinlock. @comp_v_mask is allocated
 * and freed with the TPG.
 */
struct srpt_tpg_attrib {
	u32		max_rdma_size;
	u32		max_rsp_size;
	u32		sq_size;
	bool		use_srq;
	bool		comp_v_all;
	unsigned long	*comp_v_mask;
};

/**
 * struct srpt_tpg - a target portal group, "srpt/<port>/<tpg>"
 * @se_tpg: target_core's handle; se_tpg.enabled is the "enable" attribute.
 * @enabled: logins are admitted (srpt_mutex); set before target_core
 *          updates se_tpg.enabled, so that disabling is a fence.
 * @tport:  the parent target port.
 * @attrib: see struct srpt_tpg_attrib.
 * @node:   entry in tport->tpg_list, protected by srpt_mutex.
 * @nexus_list: srpt_nexus.node entries, protected by srpt_mutex.
 * @comp_v_lock: with srpt_mutex, protects @attrib.comp_v_all and
 *          @attrib.comp_v_mask (see struct srpt_tpg_attrib).
 * @tag:    the TPG tag parsed from the directory name.
 */
struct srpt_tpg {
	struct se_portal_group	se_tpg;
	struct srpt_tport	*tport;
	struct srpt_tpg_attrib	attrib;
	bool			enabled;
	struct list_head	node;
	struct list_head	nexus_list;
	spinlock_t		comp_v_lock;	/* see @comp_v_lock above */
	u16			tag;
};

/**
 * struct srpt_nacl - an initiator ACL
 * @se_nacl: target_core's handle.
 * @id:      the initiator(s) it admits, from its name.
 *
 * Immutable after creation.
 */
struct srpt_nacl {
	struct se_node_acl	se_nacl;
	struct srpt_acl_id	id;
};

extern struct configfs_attribute *srpt_discovery_attrs[];
extern struct configfs_attribute *srpt_tpg_attrib_attrs[];
extern struct configfs_attribute *srpt_wwn_attrs[];
extern struct configfs_attribute *srpt_nacl_attrs[];
extern struct configfs_attribute *srpt_nacl_auth_attrs[];
struct se_wwn *srpt_make_tport(struct target_fabric_configfs *tf,
			       struct config_group *group, const char *name);
void srpt_drop_tport(struct se_wwn *wwn);
struct se_portal_group *srpt_make_tpg(struct se_wwn *wwn, const char *name);
void srpt_drop_tpg(struct se_portal_group *se_tpg);
int srpt_enable_tpg(struct se_portal_group *se_tpg, bool enable);
int srpt_init_nodeacl(struct se_node_acl *se_nacl, const char *name);
void srpt_add_wwn_groups(struct se_wwn *wwn);

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

/* ===== srpt_io.c ======================================================== */

/*
 * The I/O path: receive buffers and the SRQs, send contexts, the send
 * queue account, SRP_CMD parsing and descriptor tables, RDMA R/W,
 * responses and credits, and target_core's command callbacks.
 */

/**
 * struct srpt_recv_ring - receive buffers of a channel or of an SRQ
 * @ioctx: the buffers, @count of them (kvcalloc()).
 * @count: number of buffers.
 * @bytes: memory allocated for them: the pages and @ioctx.
 *
 * The IUs are carved out of page allocations at a fixed stride (see
 * srpt_alloc_recv_ring()); each is DMA-mapped on its own.
 */
struct srpt_recv_ring {
	struct srpt_recv_ioctx	*ioctx;
	u32			count;
	size_t			bytes;
};

/**
 * struct srpt_srq - a shared receive queue of a device, and its buffers
 * @srq:    the verbs object.
 * @sdev:   owning device.
 * @index:  its entry in sdev->srqs: the SRQ of the channels whose CQ is on
 *          a completion vector V with V % sdev->nr_srqs == @index; their
 *          receives complete (and the buffers are reposted) on those
 *          vectors' CQs.
 * @size:   number of buffers (sdev->srq_size).
 * @ring:   the buffers; each is posted once and reposted after use.
 *
 * Locking: created and entered in sdev->srqs[@index] under srpt_mutex by
 * the first use_srq=1 login that needs it; immutable after.
 * Lifetime: kept while the device lives, also when no channel uses it any
 * more (a login does not pay for allocating it again), and destroyed by the
 * ib_client remove callback after every channel of the device is gone
 * (also rejected logins' channels, freed outside any list: the callback
 * waits for the device references of all of them).
 */
struct srpt_srq {
	struct ib_srq		*srq;
	struct srpt_device	*sdev;
	u32			index;
	u32			size;
	struct srpt_recv_ring	ring;
};

/**
 * struct srpt_recv_ioctx - one receive buffer
 * @cqe:  completion handle (srpt_recv_done()).
 * @srq:  the SRQ this buffer is posted to, or NULL for a channel's ring;
 *        with an SRQ the channel comes from the work completion's QP.
 * @ch:   the channel whose ring this is (NULL for SRQ buffers).
 * @chunk: the page allocation that starts with this buffer, freed with
 *        its ring; NULL for the other buffers carved out of it.
 * @buf:  the IU, DMA-mapped from the device.
 * @dma:  its bus address.
 * @len:  its size.
 * @byte_len: length of the IU last received into it.
 */
struct srpt_recv_ioctx {
	struct ib_cqe		cqe;
	struct srpt_srq		*srq;
	struct srpt_rdma_ch	*ch;
	struct page		*chunk;
	void			*buf;
	dma_addr_t		dma;
	u32			len;
	u32			byte_len;
};

/* What a send context waiting for send queue space will post. */
enum srpt_post_kind {
	SRPT_POST_DATA_READ,	/* RDMA READ of write data */
	SRPT_POST_RESPONSE,	/* RDMA WRITEs of read data + SRP_RSP */
	SRPT_POST_TABLE_READ,	/* RDMA READ of a descriptor table */
};

/* Progress of one command, reported to target_core by get_cmd_state. */
enum srpt_cmd_state {
	SRPT_CMD_NEW,		/* parsed, handed to target_core */
	SRPT_CMD_NEED_DATA,	/* RDMA READ of write data posted */
	SRPT_CMD_DATA_IN,	/* write data arrived, executing */
	SRPT_CMD_RSP_SENT,	/* SRP_RSP (after any RDMA WRITE) posted */
	SRPT_CMD_DONE,		/* response completed or channel gone */
};

/**
 * struct srpt_rw - one RDMA R/W context: the part of a command's data
 * described by one SRP memory descriptor
 * @ctx:   the rdma_rw context.
 * @sg:    scatterlist for this descriptor (a window on the command's data).
 * @nents: entries in @sg.
 */
struct srpt_rw {
	struct rdma_rw_ctx	ctx;
	struct scatterlist	*sg;
	u32			nents;
};

/*
 * Unsignaled responses (srpt_io.c, "unsignaled responses"): at most this
 * many per channel, and at most half its credits.
 */
#define SRPT_UNSIG_MAX	32

/**
 * struct srpt_unsig_rec - an SRP_RSP posted unsignaled, its command released
 * @seq: its number in ch->unsig_posted's sequence; 0 = an empty slot.
 * @tag: the command's tag.
 * @lun: the command's logical unit.
 *
 * Kept in ch->unsig_ring (ch->lock) until the channel confirms @seq, so
 * that a TMF given to target_core later can tell whether its answer has
 * to wait for the response (srpt_wait_unsignaled()).
 */
struct srpt_unsig_rec {
	u64			seq;
	u64			tag;
	u64			lun;
};

/**
 * struct srpt_unsig_waiter - a TMF's answer waiting for another channel
 * @node: entry in ch->unsig_waiters (ch->lock).
 * @tmf:  the TMF; the waiter holds one of its @answer_pending.
 * @seq:  the answer may go once the channel has confirmed this many
 *        unsignaled responses (ch->unsig_confirmed).
 *
 * One per channel of the nexus, allocated with the TMF (tmf->unsig_wait),
 * freed with it: a waiter still listed holds @answer_pending, so the TMF
 * cannot be released before srpt_unsig_confirm() unlists it.
 */
struct srpt_unsig_waiter {
	struct list_head	node;
	struct srpt_send_ioctx	*tmf;
	u64			seq;
};

/**
 * struct srpt_send_ioctx - a command or task management request in flight
 * @se_cmd:    target_core's command; its lifetime bounds ours (a TMF may
 *             outlive it while its answer waits: @tmf_refs).
 * @ch:        the channel it arrived on; responses go back on it.
 * @node:      entry in ch->sq_wait_list while it waits for send queue
 *             space, or in ch->post_failed_list.
 * @rdma_cqe:  completion of the last RDMA READ (write data fetched).
 * @send_cqe:  completion of the SRP_RSP send.
 * @rsp:       response buffer, DMA-mapped to the device.
 * @rsp_dma:   its bus address.
 * @imm:       receive buffer holding immediate data; reposted once the
 *             data is copied out or, when target_core uses it in place
 *             (@imm_sg), with the command's response.
 * @imm_sg:    scatterlist over immediate data used in place.
 * @rd_page:   this context's page for small READ data, allocated on first
 *             use and kept until the context is freed, so that a 4 KiB
 *             READ allocates (and, with init_on_alloc, zeroes) nothing.
 * @rd_sg:     scatterlist over @rd_page handed to target_core.
 * @desc:      remote buffers from the SRP_CMD (inline copy for one).
 * @rw:        one rdma_rw context per remote buffer.
 * @n_desc:    number of entries used in @desc and @rw.
 * @rw_ready:  number of @rw entries initialised (to destroy).
 * @single_desc: storage for the common one-descriptor case.
 * @single_rw: storage for the common one-descriptor case.
 * @wait_first: the chain waiting for send queue space, posted as built.
 * @wait_wrs:  send queue entries it needs.
 * @wait_kind: which post is deferred (enum srpt_post_kind).
 * @rsp_wr:    the SRP_RSP send, kept here while it waits for space.
 * @rsp_sge:   its gather entry.
 * @table_cqe: completion of the RDMA READ of an external descriptor table.
 * @table:     SRP r16a 5.5.4.3: where that table is in initiator memory.
 * @table_dma: bus address of @desc while the table is being fetched.
 * @table_wr:  the RDMA READ of the table.
 * @table_sge: its scatter entry.
 * @table_recv: the SRP_CMD waiting for its descriptor table.
 * @table_node: entry in ch->table_list while the table is fetched.
 * @wait_tmf:  the task management request waiting for this table fetch
 *             (ch->lock): it goes to target_core only once target_core has
 *             seen the command (srpt_tmf_fetch_ended()).
 * @tmf_pending: of a TMF: it goes to target_core when this drops to zero:
 *             one for its own setup, one per table fetch it waits for, one
 *             for the TMF before it on the nexus (@tmf_next).
 * @answer_pending: of a TMF: its SRP_RSP goes out when this drops to zero:
 *             one for target_core's answer, one per command it waits for
 *             (@answer_tmf), one per other channel whose unsignaled
 *             responses it waits for (@unsig_wait), one for the TMF before
 *             it on the nexus and logical unit (@answer_next).
 * @tmf_refs:  of a TMF: its owners, the context is released when it drops
 *             to zero: its answer, until the SRP_RSP is sent or will never
 *             be, and target_core, from target_submit_tmr() until it
 *             releases the TMR. target_core does not wait for the answer
 *             (no TARGET_SCF_ACK_KREF), which may be held back after it.
 * @tmf_next:  of a TMF: the next TMF of the nexus, which waits for this
 *             one to go to target_core (nexus->tmf_lock).
 * @lun:       the logical unit of the command or TMF.
 * @tmf_task_tag: of a TMF: the tag of the task ABORT TASK names.
 * @tmf_func:  of a TMF: the target_core function (enum tcm_tmreq_table).
 * @tmf_code:  of a TMF: the response code, kept while the answer waits.
 * @core_answered: of a TMF: target_core answered it (or never got it).
 * @no_answer: of a TMF: target_core released it unanswered (aborted by a
 *             LOGICAL UNIT RESET or PREEMPT AND ABORT, which never set TAS
 *             for a TMR): it gets no SRP_RSP either.
 * @answer_node: of a TMF: entry in nexus->answer_list while its answer
 *             waits (nexus->tmf_lock).
 * @free_node: entry in ch->free_ioctxs while the context is unused
 *             (ch->lock).
 * @unanswered_node: of a command: entry in ch->unanswered from its arrival
 *             until it is released (ch->lock).
 * @answer_tmf: of a command: the TMF whose answer waits for this command's
 *             release (srpt_wait_answers(); ch->lock).
 * @answer_next: of a TMF: the next TMF of the nexus for the same logical
 *             unit, whose answer waits for this one's (nexus->tmf_lock).
 * @rw_retries: how often @rw_retry has run for this command.
 * @data_dir:  data direction of the command.
 * @data_len:  total data length from the descriptors.
 * @sq_wrs:    send queue entries held by the posted work requests.
 * @sq_unsig:  unsignaled responses whose entries the device frees with
 *             this context's signaled completion: given back to
 *             ch->unsig_avail then (ch->unsig_unclaimed when posted).
 * @unsig_seq: ch->unsig_posted when this context was posted: its
 *             completion confirms that many (srpt_unsig_confirm()).
 * @unsig_wait: of a TMF that ends commands: one waiter per channel of the
 *             nexus (srpt_hold_tmf()), freed with the TMF.
 * @state:     enum srpt_cmd_state.
 * @rw_retry:  retries the data transfer when mapping it failed for now
 *             (srpt_retry_rw_later()).
 * @retry_dir: the direction of that transfer.
 * @owes_credit: the request's credit has not been returned yet; it goes
 *             back in the response (srpt_collect_credits()) or, for a
 *             request released unanswered, as owed credit (ch->lock).
 * @tmf:       this is a task management request.
 * @dynamic:   allocated because the pool was empty; freed on release.
 * @rsp_len:   bytes of @rsp to send.
 * @tag:       initiator's SRP tag, echoed in the response.
 * @sense:     sense buffer target_core fills in.
 */
struct srpt_send_ioctx {
	struct se_cmd		se_cmd;
	struct srpt_rdma_ch	*ch;
	struct list_head	node;
	struct ib_cqe		rdma_cqe;
	struct ib_cqe		send_cqe;
	void			*rsp;
	dma_addr_t		rsp_dma;
	struct srpt_recv_ioctx	*imm;
	struct scatterlist	imm_sg;
	struct page		*rd_page;
	struct scatterlist	rd_sg;
	struct srp_direct_buf	*desc;
	struct srpt_rw		*rw;
	u32			n_desc;
	u32			rw_ready;
	struct srp_direct_buf	single_desc;
	struct srpt_rw		single_rw;
	struct ib_send_wr	*wait_first;
	u32			wait_wrs;
	u8			wait_kind;
	struct ib_send_wr	rsp_wr;
	struct ib_sge		rsp_sge;
	struct ib_cqe		table_cqe;
	struct srp_direct_buf	table;
	dma_addr_t		table_dma;
	struct ib_rdma_wr	table_wr;
	struct ib_sge		table_sge;
	struct srpt_recv_ioctx	*table_recv;
	struct list_head	table_node;
	struct srpt_send_ioctx	*wait_tmf;
	atomic_t		tmf_pending;
	atomic_t		answer_pending;
	atomic_t		tmf_refs;
	struct srpt_send_ioctx	*tmf_next;
	u64			lun;
	u64			tmf_task_tag;
	u8			tmf_func;
	u8			tmf_code;
	bool			core_answered;
	bool			no_answer;
	struct list_head	answer_node;
	struct hlist_node	free_node;
	struct hlist_node	unanswered_node;
	struct srpt_send_ioctx	*answer_tmf;
	struct srpt_send_ioctx	*answer_next;
	u16			rw_retries;
	enum dma_data_direction	data_dir;
	u32			data_len;
	u32			sq_wrs;
	u32			sq_unsig;
	u64			unsig_seq;
	struct srpt_unsig_waiter *unsig_wait;
	enum srpt_cmd_state	state;
	struct delayed_work	rw_retry;
	enum dma_data_direction	retry_dir;
	bool			owes_credit;
	bool			tmf;
	bool			dynamic;
	u32			rsp_len;
	u64			tag;
	u8			sense[TRANSPORT_SENSE_BUFFER];
};

int srpt_post_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *recv);
u32 srpt_srq_buffers(struct srpt_device *sdev);
struct srpt_srq *srpt_get_srq(struct srpt_device *sdev, u32 vector);
int srpt_alloc_srqs(struct srpt_device *sdev);
void srpt_free_srqs(struct srpt_device *sdev);
int srpt_init_ioctx_cache(void);
void srpt_destroy_ioctx_cache(void);
int srpt_alloc_ch_ioctxs(struct srpt_rdma_ch *ch);
void srpt_free_ch_ioctxs(struct srpt_rdma_ch *ch);
void srpt_fail_waiting(struct srpt_rdma_ch *ch);
void srpt_repost_recv(struct srpt_rdma_ch *ch, struct srpt_recv_ioctx *recv);
void srpt_sq_return(struct srpt_rdma_ch *ch, u32 wrs);
int srpt_sq_post_one_locked(struct srpt_rdma_ch *ch,
			    const struct ib_send_wr *wr);
void srpt_wait_table_fetches(struct srpt_rdma_ch *ch,
			     struct srpt_send_ioctx *tmf);
void srpt_wait_answers(struct srpt_rdma_ch *ch, struct srpt_send_ioctx *tmf);
void srpt_wait_unsignaled(struct srpt_rdma_ch *ch, struct srpt_send_ioctx *tmf,
			  struct srpt_unsig_waiter *w);
void srpt_post_response(struct srpt_send_ioctx *ioctx);
int srpt_check_stop_free(struct se_cmd *se_cmd);
void srpt_release_cmd(struct se_cmd *se_cmd);
int srpt_write_pending(struct se_cmd *se_cmd);
int srpt_get_cmd_state(struct se_cmd *se_cmd);
int srpt_queue_data_in(struct se_cmd *se_cmd);
int srpt_queue_status(struct se_cmd *se_cmd);
void srpt_aborted_task(struct se_cmd *se_cmd);

/* ===== srpt_msg.c ======================================================= */

/* Target-initiated requests: SRP_T_LOGOUT and SRP_CRED_REQ. */

/* Size of the buffer for one target-initiated IU. */
#define SRPT_MSG_IU_LEN	64

/**
 * struct srpt_msg_iu - buffer for a target-initiated request (srpt_msg.c)
 * @cqe:  send completion.
 * @ch:   owning channel.
 * @buf:  the IU, DMA-mapped to the device.
 * @dma:  its bus address.
 * @busy: bit 0 set while posted.
 * @done: completed by the send completion.
 */
struct srpt_msg_iu {
	struct ib_cqe		cqe;
	struct srpt_rdma_ch	*ch;
	void			*buf;
	dma_addr_t		dma;
	unsigned long		busy;
	struct completion	done;
};

int srpt_alloc_msg_ius(struct srpt_rdma_ch *ch);
void srpt_free_msg_ius(struct srpt_rdma_ch *ch);
bool srpt_send_t_logout(struct srpt_rdma_ch *ch, u32 reason);
void srpt_wait_t_logout(struct srpt_rdma_ch *ch);
void srpt_check_credit_stall_locked(struct srpt_rdma_ch *ch);

/* ===== srpt_tmf.c ======================================================= */

/* Task management: SRP_TSK_MGMT to target_core TMRs and back. */

void srpt_handle_tsk_mgmt(struct srpt_rdma_ch *ch,
			  struct srpt_recv_ioctx *recv,
			  struct srpt_send_ioctx *ioctx);
void srpt_queue_tm_rsp(struct se_cmd *se_cmd);
void srpt_tmf_fetch_ended(struct srpt_send_ioctx *tmf);
bool srpt_tmf_covers_tag(const struct srpt_send_ioctx *tmf, u64 tag, u64 lun);
bool srpt_tmf_covers(const struct srpt_send_ioctx *tmf,
		     const struct srpt_send_ioctx *cmd);
void srpt_tmf_answer_put(struct srpt_send_ioctx *tmf);
void srpt_tmf_released(struct srpt_send_ioctx *tmf);
void srpt_tmf_put(struct srpt_send_ioctx *tmf);

/* ===== srpt_ch.c ======================================================== */

/*
 * Channels: their state, QP, CQ and buffers, the I_T nexus they join,
 * their release, and closing them on device removal, TPG disable and ACL
 * removal.
 */

/*
 * Channel states. Transitions happen only under ch->lock, in
 * srpt_ch_set_state(), srpt_ch_close_locked() (to CLOSING) or (CONNECTING
 * to LIVE) srpt_ch_mark_live(), with WRITE_ONCE(): srpt_ch_is_live() and
 * the configfs info file read the state without the lock:
 *
 *   CONNECTING --(RTU / ESTABLISHED / first IU)--> LIVE
 *   CONNECTING, LIVE --(disconnect from either side, logout,
 *                       configfs, device removal, QP error)--> CLOSING
 *   CLOSING --(release work runs)--> RELEASING
 *
 * Only a LIVE (or CONNECTING) channel posts work requests. Entering CLOSING
 * queues the release work exactly once.
 */
enum srpt_ch_state {
	SRPT_CH_CONNECTING,
	SRPT_CH_LIVE,
	SRPT_CH_CLOSING,
	SRPT_CH_RELEASING,
};

/**
 * struct srpt_cm_ops - what a channel needs of its connection manager
 * @name:       "IB/CM" or "RDMA/CM".
 * @create_qp:  create ch->qp with @init; 0 or a negative errno.
 * @destroy_qp: destroy the ch->qp that @create_qp made.
 * @modify_qp:  move a new QP to INIT (before its receives are posted) or
 *              RTR (after), where the connection manager leaves that to us.
 * @notify_established: pass the QP's IB_EVENT_COMM_EST on to the CM.
 * @disconnect: end the connection (DREQ, DREP or rdma_disconnect()).
 * @destroy:    destroy the QP, if any, and the CM id unless @cm_owns_id,
 *              in the order this connection manager needs.
 *
 * srpt_cm.c has one for IB/CM and one for RDMA/CM, and a login sets it in
 * its channel: srpt_ch.c calls no connection manager itself.
 */
struct srpt_cm_ops {
	const char	*name;
	int		(*create_qp)(struct srpt_rdma_ch *ch,
				     struct ib_qp_init_attr *init);
	void		(*destroy_qp)(struct srpt_rdma_ch *ch);
	int		(*modify_qp)(struct srpt_rdma_ch *ch,
				     enum ib_qp_state state);
	void		(*notify_established)(struct srpt_rdma_ch *ch);
	void		(*disconnect)(struct srpt_rdma_ch *ch);
	void		(*destroy)(struct srpt_rdma_ch *ch, bool cm_owns_id);
};

/**
 * struct srpt_rdma_ch - one SRP RDMA channel (an RC queue pair)
 * @sport:        the RDMA port the login arrived on.
 * @sdev:         its device (a reference is held).
 * @nexus:        the I_T nexus this channel belongs to.
 * @cm:           what the channel needs of the connection manager that
 *                connected it (srpt_cm.c); its id is @ib_cm_id or
 *                @rdma_cm_id.
 * @ib_cm_id:     IB/CM connection.
 * @rdma_cm_id:   RDMA/CM connection.
 * @qp:           the queue pair; qp->qp_context points back here.
 * @cq:           completion queue: from the device's CQ pool, or the
 *                channel's own where a pool CQ would hold no second
 *                channel or its TPG uses only some of the vectors (see
 *                srpt_get_cq()).
 * @cq_size:      entries asked for (taken from the pool, or allocated).
 * @cq_own:       @cq was allocated for this channel alone (ib_alloc_cq(),
 *                freed with ib_free_cq()), not taken from the pool.
 * @srq:          SRQ receiving for this channel, the device's SRQ number
 *                @comp_vector % sdev->nr_srqs, or NULL for @recv_ring.
 * @recv_ring:    per-channel receive buffers (use_srq=0; empty with SRQ).
 * @rq_size:      receive buffers of the channel = credits granted at login.
 * @ioctx_ring:   preallocated send contexts.
 * @ioctx_count:  entries in @ioctx_ring.
 * @free_ioctxs:  unused send contexts, taken and returned at the head.
 * @sq_wait_list: send contexts waiting for send queue space.
 * @post_failed_list: send contexts whose ib_post_send() failed; part of
 *                the chain may have been posted, so they are finished only
 *                after the QP is drained (srpt_fail_waiting()).
 * @table_list:   send contexts fetching a descriptor table: commands
 *                target_core has not seen yet, which task management
 *                must wait for (srpt_wait_table_fetches()).
 * @unanswered:   the SRP_CMDs received and not yet released: the commands
 *                a TMF's answer may have to wait for (srpt_wait_answers(),
 *                which looks at all of them, so they are kept unordered).
 * @lock:         protects @state, @free_ioctxs, @sq_wait_list, @table_list,
 *                @unanswered, @post_failed_list, @in_flight,
 *                @req_outstanding, @cred_tag and @cred_unanswered, the
 *                unsignaled responses' fields but @unsig_avail and
 *                @unsig_confirmed, and taking entries from @sq_wr_avail
 *                and @unsig_avail. srpt_sq_return() gives
 *                entries back and reads whether @sq_wait_list is empty
 *                without it (barriers paired with srpt_sq_post()).
 * @state:        enum srpt_ch_state.
 * @in_flight:    send contexts not on @free_ioctxs; release waits for zero.
 * @release_wq:   woken when @in_flight drops to zero.
 * @last_wqe:     completed by IB_EVENT_QP_LAST_WQE_REACHED (SRQ channels).
 * @sq_wr_avail:  free send queue entries; with @sq_wait_list the only send
 *                queue accounting. Taken under @lock, given back by
 *                completions without it (see srpt_io.c).
 * @unsig_avail:  send queue entries, beyond @sq_size, for SRP_RSPs posted
 *                unsignaled; taken under @lock, given back by the
 *                completion of the signaled work request that frees them.
 * @unsig_max:    size of that budget: 0 (none) up to SRPT_UNSIG_MAX.
 * @unsig_unclaimed: unsignaled SRP_RSPs posted since the last signaled
 *                work request of the I/O path, which will free their
 *                entries (ioctx->sq_unsig) or the fence (@fence_claim).
 * @unsig_cqe:    the completion of an unsignaled SRP_RSP: seen only when
 *                it failed or was flushed.
 * @unsig_posted: unsignaled SRP_RSPs posted since login (also for the
 *                info file); the last one's sequence number.
 * @unsig_confirmed: the sequence number up to which they are delivered (a
 *                signaled work request posted after them completed) or
 *                never will be (the QP is drained).
 * @unsig_ring:   the last SRPT_UNSIG_MAX of them, slot seq % SRPT_UNSIG_MAX:
 *                those not confirmed yet are there.
 * @unsig_waiters: TMFs of the nexus whose answers wait for @unsig_confirmed
 *                (struct srpt_unsig_waiter).
 * @fences:       fences posted since login, for the info file.
 * @fence_wr:     the fence: a signaled zero-byte RDMA WRITE, on a send
 *                queue entry of its own, posted when a TMF waits for
 *                unsignaled responses that no signaled work request
 *                follows yet.
 * @fence_cqe:    its completion.
 * @fence_busy:   @fence_wr is posted.
 * @fence_claim:  entries of @unsig_avail the fence frees.
 * @fence_seq:    @unsig_posted when the fence was posted.
 * @req_outstanding: requests (SRP_CMD, SRP_TSK_MGMT) received whose credit
 *                has not been returned; never more than @rq_size from an
 *                initiator that honours REQ_LIM (SRP r16a 5.4.2).
 * @req_lim_delta: credits owed to the initiator for requests released
 *                without a response, returned by the next SRP_RSP or an
 *                SRP_CRED_REQ.
 * @sq_size:      send queue entries.
 * @max_it_iu_len: accepted initiator-to-target IU size.
 * @max_ti_iu_len: target-to-initiator IU size (SRP_RSP incl. sense).
 * @max_inline:   largest response sent inline (copied into the work
 *                request at post time); 0 where the device has no inline.
 * @max_rdma_size: largest data transfer of one command.
 * @rdma_ctxs:    the QP's max_rdma_ctxs: its MR pool where rdma_rw
 *                registers memory.
 * @rw_wrs_per_op: send queue entries one rdma_rw operation may take: 1, or
 *                3 where rdma_rw registers memory (iWARP, force_mr): a
 *                LOCAL_INV, a REG_MR and the RDMA READ or WRITE.
 * @imm_data_offset: offset of immediate data in an SRP_CMD, 0 = none.
 * @rd_geometry:  LUN and log2(block size) of the last READ answered on a
 *                LUN, in slot LUN % SRPT_RD_GEOMETRY_SLOTS, as
 *                srpt_rd_geometry() packs them; tells which READs fit a
 *                context's @rd_page exactly (READ_ONCE/WRITE_ONCE: any
 *                value read is one that was written).
 * @comp_vector:  completion vector of @cq.
 * @release_work: tears the channel down; the only place it is freed,
 *                but for a rejected login (srpt_release_ch_now()).
 * @nexus_node:   entry in nexus->ch_list (srpt_mutex).
 * @dev_node:     entry in sdev->ch_list (srpt_mutex).
 * @i_port_id:    initiator port identifier from the login.
 * @cid:          channel number within the nexus, for the ACL's info file.
 * @logout_iu:    SRP_T_LOGOUT buffer.
 * @cred_iu:      SRP_CRED_REQ buffer.
 * @cred_tag:     tag of the last SRP_CRED_REQ (ch->lock).
 * @cred_unanswered: SRP_CRED_REQs sent and not yet answered by an
 *                SRP_CRED_RSP; their tags are the last ones up to @cred_tag.
 * @peer:         the initiator's address (IP for RDMA/CM, GID for IB/CM).
 * @name:         "<initiator port id>/<channel>" for messages.
 * @mem_recv:     bytes allocated for @recv_ring (0 with an SRQ).
 * @mem_other:    bytes allocated for the channel itself and @logout_iu and
 *                @cred_iu.
 * @mem_send:     bytes allocated for send contexts, their response buffers
 *                and @ioctx_ring; extra contexts count while they exist.
 * @mem_rd_pages: bytes of the send contexts' pages for small READs.
 * @cmds_received: SRP_CMD IUs received on the channel since login, for
 *                the ACL's info file.
 *
 * The four memory counts are what was allocated, added up as it was, for
 * the ACL's info file; @mem_recv and @mem_other are set before the
 * channel is listed and do not change, the other two change in the I/O
 * path (atomic).
 *
 * @cmds_received has one writer: srpt_recv_done(), the only caller of
 * srpt_dispatch_iu(), where it is counted. Every receive completion of
 * the channel, from its own ring or an SRQ, comes through the one CQ of
 * its QP, and ib_core polls a CQ in one context at a time (one work item,
 * IB_POLL_WORKQUEUE; the driver never polls it directly), so a plain
 * increment stored with WRITE_ONCE() cannot lose a count. Readers (the
 * info file, under srpt_mutex only) use READ_ONCE(), like @rd_geometry
 * a whole value on 64-bit kernels. A second place that counts, or a CQ
 * polled from elsewhere, needs an atomic instead.
 *
 * Unsignaled responses (srpt_io.c): @unsig_confirmed has one writer at a
 * time: the completion handlers of the channel (one CQ, polled in one
 * context, as for @cmds_received) and, after the QP is drained and no
 * handler runs any more, srpt_fail_waiting(). It only grows; atomic64_t
 * so that no reader sees half of it on 32-bit kernels. A waiter that lists
 * itself pairs a full barrier with the writer's (srpt_wait_unsignaled(),
 * srpt_unsig_confirm()).
 *
 * Lifetime: allocated by a login, freed only by @release_work, which runs
 * once after the channel enters CLOSING (a rejected login's channel is
 * freed in the CM callback, srpt_release_ch_now(), before anyone else
 * saw it). It drains the QP (so no
 * completion handler runs afterwards), waits for every send context to be
 * released by target_core, leaves the nexus (ending the session with the
 * last channel) and only then destroys the CM id, QP, CQ and buffers. CM
 * callbacks therefore always see a valid channel.
 */
struct srpt_rdma_ch {
	struct srpt_port	*sport;
	struct srpt_device	*sdev;
	struct srpt_nexus	*nexus;
	const struct srpt_cm_ops *cm;
	struct ib_cm_id		*ib_cm_id;
	struct rdma_cm_id	*rdma_cm_id;
	struct ib_qp		*qp;
	struct ib_cq		*cq;
	u32			cq_size;
	bool			cq_own;
	struct srpt_srq		*srq;
	struct srpt_recv_ring	recv_ring;
	u32			rq_size;
	struct srpt_send_ioctx	**ioctx_ring;
	u32			ioctx_count;
	struct hlist_head	free_ioctxs;
	struct list_head	sq_wait_list;
	struct list_head	table_list;
	struct hlist_head	unanswered;
	struct list_head	post_failed_list;
	spinlock_t		lock;	/* see @lock above */
	enum srpt_ch_state	state;
	u32			in_flight;
	wait_queue_head_t	release_wq;
	struct completion	last_wqe;
	atomic_t		sq_wr_avail;
	atomic_t		unsig_avail;
	u32			unsig_unclaimed;
	u32			unsig_max;
	u64			unsig_posted;
	atomic64_t		unsig_confirmed;
	u32			req_outstanding;
	atomic_t		req_lim_delta;
	u32			sq_size;
	u32			max_it_iu_len;
	u32			max_ti_iu_len;
	u32			max_inline;
	u32			max_rdma_size;
	u32			rdma_ctxs;
	u32			rw_wrs_per_op;
	u32			imm_data_offset;
	u64			rd_geometry[SRPT_RD_GEOMETRY_SLOTS];
	int			comp_vector;
	struct work_struct	release_work;
	struct list_head	nexus_node;
	struct list_head	dev_node;
	u8			i_port_id[16];
	u32			cid;
	struct srpt_msg_iu	logout_iu;
	struct srpt_msg_iu	cred_iu;
	u64			cred_tag;
	u32			cred_unanswered;
	char			peer[48];
	char			name[64];
	size_t			mem_recv;
	size_t			mem_other;
	atomic_long_t		mem_send;
	atomic_long_t		mem_rd_pages;
	u64			cmds_received;
	struct ib_cqe		unsig_cqe;
	struct list_head	unsig_waiters;
	struct srpt_unsig_rec	unsig_ring[SRPT_UNSIG_MAX];
	u64			fences;
	struct ib_rdma_wr	fence_wr;
	struct ib_cqe		fence_cqe;
	bool			fence_busy;
	u32			fence_claim;
	u64			fence_seq;
};

/**
 * struct srpt_nexus - an I_T nexus: all channels of one initiator port to
 * one target port, sharing one target_core session
 * @se_sess:   the session; se_sess->fabric_sess_ptr points here.
 * @tpg:       the TPG whose ACL admitted the initiator.
 * @ch_list:   srpt_rdma_ch.nexus_node entries.
 * @node:      entry in tpg->nexus_list.
 * @i_port_id: initiator port identifier.
 * @sid:       session number shown in the ACL's info file.
 * @next_cid:  number for the next channel that joins.
 * @ending:    its channels are being closed; no login joins it any more.
 * @tmf_lock:  protects @tmf_tail and @answer_list.
 * @tmf_tail:  the newest TMF still waiting to go to target_core
 *             (srpt_handle_tsk_mgmt()).
 * @answer_list: the TMFs that may end commands (ABORT TASK, LOGICAL UNIT
 *             RESET) whose SRP_RSP has not gone out yet, oldest first: of
 *             those for one logical unit, each waits for the one before.
 *
 * Locking: the other fields are protected by srpt_mutex. Lifetime: created by
 * the first login, freed by the release work of its last channel after
 * the session has been removed from target_core.
 */
struct srpt_nexus {
	struct se_session	*se_sess;
	struct srpt_tpg		*tpg;
	struct list_head	ch_list;
	struct list_head	node;
	u8			i_port_id[16];
	u32			sid;
	u32			next_cid;
	bool			ending;
	spinlock_t		tmf_lock;	/* protects tmf_tail, answer_list */
	struct srpt_send_ioctx	*tmf_tail;
	struct list_head	answer_list;
};

/* Lockless: the state may move on right after (see the state rules above). */
static inline bool srpt_ch_is_live(const struct srpt_rdma_ch *ch)
{
	return READ_ONCE(ch->state) <= SRPT_CH_LIVE;
}

void srpt_format_port_id(char *buf, size_t len, const u8 id[16]);
void srpt_ch_close(struct srpt_rdma_ch *ch);
void srpt_ch_close_locked(struct srpt_rdma_ch *ch);
void srpt_ch_logout(struct srpt_rdma_ch *ch, u32 reason);
void srpt_ch_mark_live(struct srpt_rdma_ch *ch, bool notify_cm);
bool srpt_ch_disconnect_missed(struct srpt_rdma_ch *ch);
u32 srpt_nr_vectors(struct ib_device *ib_dev);
u32 srpt_usable_vectors(struct ib_device *ib_dev);
u32 srpt_ch_sq_size(struct srpt_device *sdev, u32 tpg_sq_size);
u32 srpt_ch_credits(struct srpt_device *sdev, u32 sq_size, bool use_srq);
int srpt_setup_ch(struct srpt_rdma_ch *ch, struct srpt_tpg *tpg,
		  struct srpt_nexus *nexus);
struct srpt_rdma_ch *srpt_alloc_ch(struct srpt_login *lg);
void srpt_end_nexus(struct srpt_nexus *nexus, u32 reason);
u32 srpt_nexus_ch_count(struct srpt_nexus *nexus);
struct srpt_nexus *srpt_new_nexus(struct srpt_tpg *tpg, const u8 i_port_id[16],
				  const char *acl);
void srpt_qp_to_err(struct srpt_rdma_ch *ch);
void srpt_release_ch_now(struct srpt_rdma_ch *ch);
void srpt_close_device_channels(struct srpt_device *sdev);
void srpt_set_tpg_enabled(struct srpt_tpg *tpg, bool enable);
void srpt_close_session(struct se_session *se_sess);

/* ===== srpt_cm.c ======================================================== */

/*
 * Logins over IB/CM and RDMA/CM and the listeners. Called by srpt_main.c
 * and srpt_configfs.c only; connection manager callbacks enter here.
 */

int srpt_cm_start(void);
void srpt_cm_stop(void);
int srpt_set_rdma_cm_port(u16 port);
u16 srpt_get_rdma_cm_port(void);
int srpt_ib_cm_listen(struct srpt_device *sdev);
void srpt_ib_cm_stop(struct srpt_device *sdev);

/* ===== srpt_dm.c ======================================================== */

/* The device management agent: target discovery MADs. */

void srpt_dm_register(struct srpt_device *sdev);
void srpt_dm_unregister(struct srpt_device *sdev);

#endif /* SRPT_H */
