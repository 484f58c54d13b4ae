// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: module and RDMA device lifetime.
 *
 * This file owns the module parameters, the ib_client that creates and
 * destroys an srpt_device per RDMA device, the binding of configfs target
 * ports to the RDMA ports that carry their GID/GUID, and the
 * target_core_fabric_ops table through which target_core reaches us.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/ib_cache.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

/*
 * srpt_mutex protects srpt_dev_list, srpt_tport_list, every
 * srpt_tport.port binding and every srpt_tport.tpg_list (srpt.h lists
 * the rest). It is taken in process context only: configfs and ib_client
 * callbacks, CM callbacks (for a whole login), the DM agent's MAD handler,
 * channel release work, and one completion handler: a task management
 * request walks its nexus's channels under it (srpt_tmf.c; completions
 * run in a workqueue, IB_POLL_WORKQUEUE). Nothing holding it waits for a
 * completion handler or a CM callback to finish: CM ids are destroyed and
 * srpt_wq is flushed without it. The per-port statistics the completion
 * path counts do not take it (srpt_count_port_stat()); srpt_tport_list
 * is RCU for them.
 */
DEFINE_MUTEX(srpt_mutex);
LIST_HEAD(srpt_dev_list);
LIST_HEAD(srpt_tport_list);

/* Channel release work; flushed by device removal and module unload. */
struct workqueue_struct *srpt_wq;
/*
 * Retries of data mappings that failed for now (srpt_io.c). Not srpt_wq:
 * release works block there until the retries of their commands have run.
 */
struct workqueue_struct *srpt_retry_wq;

static int srpt_param_set_range(const char *val, const struct kernel_param *kp,
				unsigned int min, unsigned int max)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret) {
		pr_warn("%s: '%s' is not a number\n", kp->name, val);
		return -EINVAL;
	}
	if (n < min || n > max) {
		pr_warn("%s: %u is outside [%u, %u]\n", kp->name, n, min, max);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static int srpt_set_max_req_size(const char *val, const struct kernel_param *kp)
{
	return srpt_param_set_range(val, kp, SRPT_MIN_REQ_SIZE,
				    SRPT_MAX_REQ_SIZE);
}

static const struct kernel_param_ops srpt_max_req_size_ops = {
	.set = srpt_set_max_req_size,
	.get = param_get_uint,
};

static unsigned int srp_max_req_size = SRPT_DEF_REQ_SIZE;
module_param_cb(srp_max_req_size, &srpt_max_req_size_ops, &srp_max_req_size,
		0444);
MODULE_PARM_DESC(srp_max_req_size,
		 "Largest initiator-to-target IU accepted, in bytes [64, 65536] (default 8260)");

static int srpt_set_srq_size(const char *val, const struct kernel_param *kp)
{
	return srpt_param_set_range(val, kp, SRPT_MIN_SRQ_SIZE,
				    SRPT_MAX_SRQ_SIZE);
}

static const struct kernel_param_ops srpt_srq_size_ops = {
	.set = srpt_set_srq_size,
	.get = param_get_uint,
};

static unsigned int srpt_srq_size = SRPT_DEF_SRQ_SIZE;
module_param_cb(srpt_srq_size, &srpt_srq_size_ops, &srpt_srq_size, 0444);
MODULE_PARM_DESC(srpt_srq_size,
		 "Receive buffers of a device's shared receive queues (use_srq) together: one queue per 512 buffers, at most one per usable completion vector [4, 65535] (default 4095)");

static int srpt_set_u64(const char *val, const struct kernel_param *kp)
{
	if (kstrtou64(val, 0, kp->arg)) {
		pr_warn("%s: '%s' is not a 64-bit number\n", kp->name, val);
		return -EINVAL;
	}
	return 0;
}

static int srpt_get_u64_hex(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "0x%016llx\n", *(u64 *)kp->arg);
}

static const struct kernel_param_ops srpt_u64_hex_ops = {
	.set = srpt_set_u64,
	.get = srpt_get_u64_hex,
};

/*
 * The SRP target port identifier's IOC GUID and id_ext, and the IB/CM
 * service ID. Zero means "the node GUID of the first RDMA device".
 */
static u64 srpt_service_guid;
module_param_cb(srpt_service_guid, &srpt_u64_hex_ops, &srpt_service_guid,
		0444);
MODULE_PARM_DESC(srpt_service_guid,
		 "IOC GUID, id_ext and IB/CM service ID (default: node GUID of the first RDMA device)");

static int srpt_set_cm_port_param(const char *val, const struct kernel_param *kp)
{
	u16 port;

	if (kstrtou16(val, 0, &port)) {
		pr_warn("%s: '%s' is not a port number in [0, 65535]\n",
			kp->name, val);
		return -EINVAL;
	}
	return srpt_set_rdma_cm_port(port);
}

static int srpt_get_cm_port_param(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%u\n", srpt_get_rdma_cm_port());
}

static const struct kernel_param_ops srpt_cm_port_ops = {
	.set = srpt_set_cm_port_param,
	.get = srpt_get_cm_port_param,
};

/*
 * Also writable as discovery_auth/rdma_cm_port in configfs. The module
 * parameter exists because rtslib-fb does not save that attribute, so a
 * boot-time "targetctl restore" relies on /etc/modprobe.d instead.
 */
module_param_cb(rdma_cm_port, &srpt_cm_port_ops, NULL, 0444);
MODULE_PARM_DESC(rdma_cm_port,
		 "TCP-style port the RDMA/CM listener uses, 0 = none (default 0)");

/*
 * The other files read the module parameters through these. The first
 * two are read-only once the module is loaded; srpt_service_guid is set
 * once more, under srpt_mutex, when the first device is added (if it was
 * 0), before any listener or DM agent uses it.
 */
u32 srpt_get_max_req_size(void)
{
	return srp_max_req_size;
}

u32 srpt_get_srq_size(void)
{
	return srpt_srq_size;
}

u64 srpt_get_service_guid(void)
{
	return srpt_service_guid;
}

/**
 * srpt_port_get_gid - read GID 0 of a port
 * @sport: the port.
 * @gid:   filled in on success.
 *
 * Read live rather than cached: on RoCE the GID table is filled in after
 * the device is registered and changes with the netdev's addresses.
 *
 * Return: whether @gid was read.
 */
bool srpt_port_get_gid(struct srpt_port *sport, union ib_gid *gid)
{
	return rdma_query_gid(sport->sdev->ib_dev, sport->port_num, 0, gid) == 0;
}

static bool srpt_port_matches(struct srpt_port *sport,
			      enum srpt_tport_kind kind, const union ib_gid *id)
{
	union ib_gid gid;

	if (!srpt_port_get_gid(sport, &gid))
		return false;
	if (kind == SRPT_TPORT_GUID)
		return gid.global.interface_id == id->global.interface_id;
	return !memcmp(gid.raw, id->raw, sizeof(gid.raw));
}

/**
 * srpt_find_port - the present RDMA port with a given identity
 * @kind: compare the interface id only (GUID) or the whole GID.
 * @id:   identity to look for.
 *
 * Context: srpt_mutex held.
 * Return: the port, or NULL if no present port has this identity.
 */
struct srpt_port *srpt_find_port(enum srpt_tport_kind kind,
				 const union ib_gid *id)
{
	struct srpt_device *sdev;
	u32 i;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, node)
		for (i = 0; i < sdev->port_count; i++)
			if (srpt_port_matches(&sdev->ports[i], kind, id))
				return &sdev->ports[i];
	return NULL;
}

/**
 * srpt_list_ports - describe the present ports for an error message
 * @buf: output, NUL-terminated.
 * @len: size of @buf.
 *
 * Context: srpt_mutex held.
 */
void srpt_list_ports(char *buf, size_t len)
{
	struct srpt_device *sdev;
	union ib_gid gid;
	size_t n = 0;
	u32 i;

	lockdep_assert_held(&srpt_mutex);
	buf[0] = '\0';
	list_for_each_entry(sdev, &srpt_dev_list, node) {
		for (i = 0; i < sdev->port_count && n < len; i++) {
			struct srpt_port *sport = &sdev->ports[i];
			__be64 guid;

			if (!srpt_port_get_gid(sport, &gid))
				continue;
			guid = gid.global.interface_id;
			n += scnprintf(buf + n, len - n,
				       "%s%s/%u: %04x:%04x:%04x:%04x or 0x%016llx%016llx",
				       n ? ", " : "", dev_name(&sdev->ib_dev->dev),
				       sport->port_num,
				       be16_to_cpu(((__be16 *)&guid)[0]),
				       be16_to_cpu(((__be16 *)&guid)[1]),
				       be16_to_cpu(((__be16 *)&guid)[2]),
				       be16_to_cpu(((__be16 *)&guid)[3]),
				       be64_to_cpu(gid.global.subnet_prefix),
				       be64_to_cpu(guid));
		}
	}
	if (!n)
		strscpy(buf, "none", len);
}

static void srpt_bind_tport(struct srpt_tport *tport)
{
	struct srpt_port *sport = srpt_find_port(tport->kind, &tport->gid);

	if (sport == tport->port)
		return;
	if (sport)
		pr_info("target port %s is on %s port %u\n", tport->name,
			dev_name(&sport->sdev->ib_dev->dev), sport->port_num);
	else
		pr_info("target port %s: its RDMA port is gone; keeping the configuration until it returns\n",
			tport->name);
	/* Also read under RCU (srpt_count_port_stat()). */
	WRITE_ONCE(tport->port, sport);
}

/**
 * srpt_bind_tports - bind every target port to the port with its identity
 *
 * Called with srpt_mutex held whenever a device comes or goes or a port's
 * GID table changes.
 */
static void srpt_bind_tports(void)
{
	struct srpt_tport *tport;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node)
		srpt_bind_tport(tport);
}

/**
 * srpt_count_port_stat - count an event in the statistics of a port
 * @sport: the RDMA port.
 * @stat:  what happened.
 *
 * For the completion path (IUs refused on a live channel): it walks the
 * target ports under RCU and takes no lock.
 *
 * Context: any.
 */
void srpt_count_port_stat(struct srpt_port *sport, enum srpt_login_stat stat)
{
	struct srpt_tport *tport;

	rcu_read_lock();
	list_for_each_entry_rcu(tport, &srpt_tport_list, node)
		if (READ_ONCE(tport->port) == sport)
			atomic64_inc(&tport->login_stats[stat]);
	rcu_read_unlock();
}

/* GID changes arrive in atomic context; rebind from process context. */
static void srpt_rebind_work_fn(struct work_struct *work)
{
	mutex_lock(&srpt_mutex);
	srpt_bind_tports();
	mutex_unlock(&srpt_mutex);
}

static DECLARE_WORK(srpt_rebind_work, srpt_rebind_work_fn);

static void srpt_event_handler(struct ib_event_handler *handler,
			       struct ib_event *event)
{
	switch (event->event) {
	case IB_EVENT_PORT_ACTIVE:
	case IB_EVENT_PORT_ERR:
	case IB_EVENT_GID_CHANGE:
	case IB_EVENT_LID_CHANGE:
	case IB_EVENT_PKEY_CHANGE:
	case IB_EVENT_SM_CHANGE:
	case IB_EVENT_CLIENT_REREGISTER:
		schedule_work(&srpt_rebind_work);
		break;
	default:
		break;
	}
}

static void srpt_device_release(struct kref *kref)
{
	struct srpt_device *sdev = container_of(kref, struct srpt_device,
						refcount);

	ib_dealloc_pd(sdev->pd);
	kfree(sdev);
}

/* Woken when a device reference is dropped; see srpt_wait_device_unused(). */
static DECLARE_WAIT_QUEUE_HEAD(srpt_dev_wq);

/* Drop a device reference; the last one frees the device. */
void srpt_put_device(struct srpt_device *sdev)
{
	/* Not the last: srpt_remove_one() may be waiting to drop that. */
	if (!kref_put(&sdev->refcount, srpt_device_release))
		wake_up(&srpt_dev_wq);
}

/*
 * Wait until the remove callback's reference is the only one left. A login
 * rejected after srpt_alloc_ch() frees its channel (and its QP, which may
 * be attached to an SRQ) in the CM callback, on no list that
 * srpt_close_device_channels() sees; the SRQs and the PD must outlive it.
 * No new reference is taken once the device is off srpt_dev_list and its
 * IB/CM listener is destroyed.
 */
static void srpt_wait_device_unused(struct srpt_device *sdev)
{
	while (!wait_event_timeout(srpt_dev_wq,
				   kref_read(&sdev->refcount) == 1, 10 * HZ))
		pr_info("%s: waiting for %u channel(s) to be released\n",
			dev_name(&sdev->ib_dev->dev),
			kref_read(&sdev->refcount) - 1);
}

static int srpt_add_one(struct ib_device *ib_dev)
{
	u32 nports = rdma_end_port(ib_dev);
	struct srpt_device *sdev;
	u32 i;

	sdev = kzalloc(struct_size(sdev, ports, nports), GFP_KERNEL);
	if (!sdev)
		return -ENOMEM;
	kref_init(&sdev->refcount);
	INIT_LIST_HEAD(&sdev->ch_list);
	sdev->ib_dev = ib_dev;
	sdev->last_vector = -1;
	sdev->port_count = nports;
	for (i = 0; i < nports; i++) {
		sdev->ports[i].sdev = sdev;
		sdev->ports[i].port_num = i + 1;
	}
	if (srpt_alloc_srqs(sdev)) {
		kfree(sdev);
		return -ENOMEM;
	}
	sdev->pd = ib_alloc_pd(ib_dev, 0);
	if (IS_ERR(sdev->pd)) {
		int ret = PTR_ERR(sdev->pd);

		pr_warn("%s: cannot allocate a protection domain (%d)\n",
			dev_name(&ib_dev->dev), ret);
		srpt_free_srqs(sdev);
		kfree(sdev);
		return ret;
	}

	INIT_IB_EVENT_HANDLER(&sdev->event_handler, ib_dev, srpt_event_handler);
	ib_register_event_handler(&sdev->event_handler);
	ib_set_client_data(ib_dev, &srpt_client, sdev);

	mutex_lock(&srpt_mutex);
	if (!srpt_service_guid)
		srpt_service_guid = be64_to_cpu(ib_dev->node_guid);
	mutex_unlock(&srpt_mutex);

	/*
	 * Without the IB/CM listener RDMA/CM logins still work. A login
	 * before the device is on srpt_dev_list finds no target port bound
	 * to it and is rejected.
	 */
	if (srpt_ib_cm_listen(sdev))
		pr_warn("%s: no IB/CM logins on this device\n",
			dev_name(&ib_dev->dev));

	/*
	 * Discovery (srpt_dm.c); answers use srpt_service_guid, and offer
	 * the IOC only where the IB/CM listener runs.
	 */
	srpt_dm_register(sdev);

	mutex_lock(&srpt_mutex);
	list_add_tail(&sdev->node, &srpt_dev_list);
	srpt_bind_tports();
	mutex_unlock(&srpt_mutex);

	pr_info("added %s with %u port(s)\n", dev_name(&ib_dev->dev), nports);
	return 0;
}

static void srpt_remove_one(struct ib_device *ib_dev, void *client_data)
{
	struct srpt_device *sdev = client_data;

	/*
	 * No new logins, then no channels, then the SRQs they shared. While
	 * the channels close, discovery reports the IOC as not responding.
	 * rdma_cm, whose ib_client is removed after ours, keeps delivering
	 * CONNECT_REQUESTs for this device throughout: such a login finds
	 * the device on srpt_dev_list (srpt_rdma_cm_sport()) and is refused
	 * (sdev->removing), or does not find it.
	 */
	srpt_ib_cm_stop(sdev);
	srpt_close_device_channels(sdev);
	srpt_dm_unregister(sdev);
	ib_unregister_event_handler(&sdev->event_handler);
	flush_work(&srpt_rebind_work);

	mutex_lock(&srpt_mutex);
	list_del(&sdev->node);
	srpt_bind_tports();
	mutex_unlock(&srpt_mutex);

	srpt_wait_device_unused(sdev);
	srpt_free_srqs(sdev);
	pr_info("removed %s\n", dev_name(&ib_dev->dev));
	srpt_put_device(sdev);
}

struct ib_client srpt_client = {
	.name	= KBUILD_MODNAME,
	.add	= srpt_add_one,
	.remove	= srpt_remove_one,
};

static char *srpt_tpg_get_wwn(struct se_portal_group *se_tpg)
{
	return to_srpt_tpg(se_tpg)->tport->name;
}

static u16 srpt_tpg_get_tag(struct se_portal_group *se_tpg)
{
	return to_srpt_tpg(se_tpg)->tag;
}

/* Demo mode (logins without an ACL) is not supported. */
static int srpt_tpg_check_false(struct se_portal_group *se_tpg)
{
	return 0;
}

static u32 srpt_tpg_get_inst_index(struct se_portal_group *se_tpg)
{
	return 1;
}

static u32 srpt_sess_get_index(struct se_session *se_sess)
{
	return 0;
}

static void srpt_set_default_node_attrs(struct se_node_acl *se_nacl)
{
}

const struct target_core_fabric_ops srpt_fabric_ops = {
	.module				= THIS_MODULE,
	.fabric_name			= SRPT_FABRIC_NAME,
	.node_acl_size			= sizeof(struct srpt_nacl),
	.tpg_get_wwn			= srpt_tpg_get_wwn,
	.tpg_get_tag			= srpt_tpg_get_tag,
	.tpg_check_demo_mode		= srpt_tpg_check_false,
	.tpg_check_demo_mode_cache	= srpt_tpg_check_false,
	.tpg_check_demo_mode_write_protect = srpt_tpg_check_false,
	.tpg_check_prod_mode_write_protect = srpt_tpg_check_false,
	.tpg_get_inst_index		= srpt_tpg_get_inst_index,
	.sess_get_index			= srpt_sess_get_index,
	.set_default_node_attributes	= srpt_set_default_node_attrs,

	.check_stop_free		= srpt_check_stop_free,
	.release_cmd			= srpt_release_cmd,
	.close_session			= srpt_close_session,
	.write_pending			= srpt_write_pending,
	.get_cmd_state			= srpt_get_cmd_state,
	.queue_data_in			= srpt_queue_data_in,
	.queue_status			= srpt_queue_status,
	.queue_tm_rsp			= srpt_queue_tm_rsp,
	.aborted_task			= srpt_aborted_task,

	.fabric_make_wwn		= srpt_make_tport,
	.fabric_drop_wwn		= srpt_drop_tport,
	.fabric_make_tpg		= srpt_make_tpg,
	.fabric_enable_tpg		= srpt_enable_tpg,
	.fabric_drop_tpg		= srpt_drop_tpg,
	.fabric_init_nodeacl		= srpt_init_nodeacl,

	.tfc_discovery_attrs		= srpt_discovery_attrs,
	.tfc_wwn_attrs			= srpt_wwn_attrs,
	.add_wwn_groups			= srpt_add_wwn_groups,
	.tfc_tpg_attrib_attrs		= srpt_tpg_attrib_attrs,
	.tfc_tpg_nacl_base_attrs	= srpt_nacl_attrs,
	.tfc_tpg_nacl_auth_attrs	= srpt_nacl_auth_attrs,
#ifdef SRPT_HAVE_SUBMIT_TYPE	/* since v6.7 194605d45dcb, see Kbuild */
	/*
	 * Completions run in process context (IB_POLL_WORKQUEUE), so
	 * target_submit() may run the backend right there; without these
	 * it would queue every command to target_submission_wq.
	 */
	.default_submit_type		= TARGET_DIRECT_SUBMIT,
	.direct_submit_supp		= 1,
#endif
};

static int __init srpt_init_module(void)
{
	int ret;

	ret = srpt_init_ioctx_cache();
	if (ret)
		return ret;
	srpt_wq = alloc_workqueue("srpt", WQ_MEM_RECLAIM, 0);
	if (!srpt_wq) {
		ret = -ENOMEM;
		goto err_cache;
	}
	srpt_retry_wq = alloc_workqueue("srpt_retry", WQ_MEM_RECLAIM, 0);
	if (!srpt_retry_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	ret = ib_register_client(&srpt_client);
	if (ret) {
		pr_err("cannot register the RDMA client (%d)\n", ret);
		goto err_wq;
	}
	ret = target_register_template(&srpt_fabric_ops);
	if (ret) {
		pr_err("cannot register the %s fabric with target_core (%d)\n",
		       SRPT_FABRIC_NAME, ret);
		goto err_client;
	}
	/* A listener that cannot start is reported but not fatal. */
	srpt_cm_start();
	return 0;

err_client:
	ib_unregister_client(&srpt_client);
err_wq:
	if (srpt_retry_wq)
		destroy_workqueue(srpt_retry_wq);
	destroy_workqueue(srpt_wq);
err_cache:
	srpt_destroy_ioctx_cache();
	return ret;
}

static void __exit srpt_cleanup_module(void)
{
	/*
	 * configfs holds a module reference while any srpt object exists,
	 * so no session is left; channels may still be releasing.
	 */
	srpt_cm_stop();
	target_unregister_template(&srpt_fabric_ops);
	ib_unregister_client(&srpt_client);
	flush_work(&srpt_rebind_work);
	destroy_workqueue(srpt_wq);
	destroy_workqueue(srpt_retry_wq);
	srpt_destroy_ioctx_cache();
}

module_init(srpt_init_module);
module_exit(srpt_cleanup_module);

MODULE_DESCRIPTION("SCSI RDMA Protocol target for the LIO target core");
MODULE_LICENSE("GPL");
