// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: the configfs control plane.
 *
 *   /sys/kernel/config/target/srpt/
 *     version                             driver version (read-only)
 *     discovery_auth/rdma_cm_port         RDMA/CM listener port, 0 = off
 *     <port>/                             srpt_tport, named by GUID or GID
 *       <tpg>/                            srpt_tpg ("tpgt_<n>" or any name)
 *         enable, lun/, acls/<initiator>/{info,auth/authenticate_target}
 *         attrib/srp_max_rdma_size, srp_max_rsp_size, srp_sq_size, use_srq,
 *                comp_v_mask
 *
 * Every write that is malformed or out of range fails with -EINVAL, logs
 * why, and leaves the previous value in place.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/inet.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <scsi/scsi_proto.h>
#include <rdma/ib_cache.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

#define SRPT_VERSION "0.1"

static struct srpt_tport *srpt_find_tport(enum srpt_tport_kind kind,
					  const union ib_gid *gid)
{
	struct srpt_tport *tport;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node)
		if (tport->kind == kind &&
		    !memcmp(&tport->gid, gid, sizeof(*gid)))
			return tport;
	return NULL;
}

struct se_wwn *srpt_make_tport(struct target_fabric_configfs *tf,
			       struct config_group *group, const char *name)
{
	struct srpt_tport *tport, *other;
	enum srpt_tport_kind kind;
	union ib_gid gid;
	char *ports;
	int ret;

	if (strlen(name) >= sizeof(tport->name) ||
	    srpt_parse_gid(name, &kind, &gid)) {
		pr_warn("target port name '%s' is neither a port GUID (xxxx:xxxx:xxxx:xxxx) nor a GID (0x + 32 hex digits)\n",
			name);
		return ERR_PTR(-EINVAL);
	}
	tport = kzalloc(sizeof(*tport), GFP_KERNEL);
	ports = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!tport || !ports) {
		ret = -ENOMEM;
		goto err;
	}
	tport->kind = kind;
	tport->gid = gid;
	strscpy(tport->name, name, sizeof(tport->name));
	INIT_LIST_HEAD(&tport->tpg_list);

	mutex_lock(&srpt_mutex);
	other = srpt_find_tport(kind, &gid);
	if (other) {
		mutex_unlock(&srpt_mutex);
		pr_warn("target port '%s' names the same port as existing '%s'\n",
			name, other->name);
		ret = -EEXIST;
		goto err;
	}
	WRITE_ONCE(tport->port, srpt_find_port(kind, &gid));
	if (!tport->port) {
		/* Refuse typos, but tell the administrator what exists. */
		srpt_list_ports(ports, PAGE_SIZE);
		mutex_unlock(&srpt_mutex);
		pr_warn("no RDMA port has the %s '%s'; present ports: %s\n",
			kind == SRPT_TPORT_GUID ? "GUID" : "GID", name, ports);
		ret = -EINVAL;
		goto err;
	}
	list_add_tail_rcu(&tport->node, &srpt_tport_list);
	mutex_unlock(&srpt_mutex);
	kfree(ports);
	return &tport->wwn;

err:
	kfree(ports);
	kfree(tport);
	return ERR_PTR(ret);
}

void srpt_drop_tport(struct se_wwn *wwn)
{
	struct srpt_tport *tport = to_srpt_tport(wwn);

	mutex_lock(&srpt_mutex);
	list_del_rcu(&tport->node);
	mutex_unlock(&srpt_mutex);
	/* srpt_count_port_stat() may still be looking at it. */
	kfree_rcu(tport, rcu);
}

/* rtslib-fb names TPGs "tpgt_<tag>"; any other name gets tag 1. */
static int srpt_parse_tpg_tag(const char *name, u16 *tag)
{
	*tag = 1;
	if (strncmp(name, "tpgt_", 5))
		return 0;
	if (kstrtou16(name + 5, 10, tag) || *tag == 0) {
		pr_warn("TPG name '%s': the tag must be a number in [1, 65535]\n",
			name);
		return -EINVAL;
	}
	return 0;
}

struct se_portal_group *srpt_make_tpg(struct se_wwn *wwn, const char *name)
{
	struct srpt_tport *tport = to_srpt_tport(wwn);
	struct srpt_tpg *tpg;
	u16 tag;
	int ret;

	ret = srpt_parse_tpg_tag(name, &tag);
	if (ret)
		return ERR_PTR(ret);
	tpg = kzalloc(sizeof(*tpg), GFP_KERNEL);
	if (!tpg)
		return ERR_PTR(-ENOMEM);
	tpg->tport = tport;
	tpg->tag = tag;
	tpg->attrib.max_rdma_size = SRPT_DEF_RDMA_SIZE;
	tpg->attrib.max_rsp_size = SRPT_DEF_RSP_SIZE;
	tpg->attrib.sq_size = SRPT_DEF_SQ_SIZE;
	tpg->attrib.use_srq = false;
	/* "all": every completion vector of the device. */
	tpg->attrib.comp_v_all = true;
	tpg->attrib.comp_v_mask = bitmap_zalloc(srpt_comp_v_bits(), GFP_KERNEL);
	if (!tpg->attrib.comp_v_mask) {
		kfree(tpg);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&tpg->comp_v_lock);
	INIT_LIST_HEAD(&tpg->nexus_list);

	ret = core_tpg_register(wwn, &tpg->se_tpg, SCSI_PROTOCOL_SRP);
	if (ret) {
		bitmap_free(tpg->attrib.comp_v_mask);
		kfree(tpg);
		return ERR_PTR(ret);
	}
	mutex_lock(&srpt_mutex);
	list_add_tail(&tpg->node, &tport->tpg_list);
	mutex_unlock(&srpt_mutex);
	return &tpg->se_tpg;
}

void srpt_drop_tpg(struct se_portal_group *se_tpg)
{
	struct srpt_tpg *tpg = to_srpt_tpg(se_tpg);

	mutex_lock(&srpt_mutex);
	list_del(&tpg->node);
	mutex_unlock(&srpt_mutex);
	core_tpg_deregister(se_tpg);
	/* Off tport->tpg_list: no login reads the mask any more. */
	bitmap_free(tpg->attrib.comp_v_mask);
	kfree(tpg);
}

/* "enable": logins are admitted only while enabled (see srpt_find_tpg()). */
int srpt_enable_tpg(struct se_portal_group *se_tpg, bool enable)
{
	srpt_set_tpg_enabled(to_srpt_tpg(se_tpg), enable);
	return 0;
}

/**
 * srpt_init_nodeacl - parse an ACL name
 * @se_nacl: the ACL being created.
 * @name:    the initiator: a 128-bit SRP initiator port id (32 hex digits),
 *           a port GUID (16 hex digits or xxxx:xxxx:xxxx:xxxx) that matches
 *           the low 64 bits of the port id, each with an optional "0x", or
 *           the IPv4/IPv6 source address of RDMA/CM logins.
 *
 * Return: 0, or -EINVAL (with a warning saying why) for any other name.
 */
int srpt_init_nodeacl(struct se_node_acl *se_nacl, const char *name)
{
	struct srpt_acl_id *id = &to_srpt_nacl(se_nacl)->id;

	if (!srpt_parse_acl_name(name, id))
		return 0;
	if (!inet_pton_with_scope(&init_net, AF_UNSPEC, name, NULL,
				  &id->addr)) {
		id->kind = SRPT_NACL_ADDR;
		return 0;
	}
	pr_warn("ACL name '%s' is not an initiator port id (32 hex digits), a GUID (16 hex digits) or an IP address\n",
		name);
	return -EINVAL;
}

/* Parse a decimal or 0x-prefixed number in [min, max] for attribute @what. */
static int srpt_parse_u32_in_range(const char *page, const char *what,
				   u32 min, u32 max, u32 *val)
{
	u32 n;

	if (kstrtou32(page, 0, &n)) {
		pr_warn("%s: '%.*s' is not a number\n", what,
			(int)strcspn(page, "\n"), page);
		return -EINVAL;
	}
	if (n < min || n > max) {
		pr_warn("%s: %u is outside [%u, %u]\n", what, n, min, max);
		return -EINVAL;
	}
	*val = n;
	return 0;
}

static struct srpt_tpg *attrib_to_srpt_tpg(struct config_item *item)
{
	return to_srpt_tpg(attrib_to_tpg(item));
}

/*
 * One numeric "attrib/<name>" file backed by tpg->attrib.<field> and
 * bounded to [min, max].
 */
#define SRPT_TPG_ATTRIB_U32(_name, _field, _min, _max)			\
static u32 *srpt_tpg_attrib_##_name##_ptr(struct config_item *item)	\
{									\
	return &attrib_to_srpt_tpg(item)->attrib._field;		\
}									\
									\
static ssize_t srpt_tpg_attrib_##_name##_show(struct config_item *item, \
					      char *page)		\
{									\
	return sysfs_emit(page, "%u\n",				\
			  READ_ONCE(*srpt_tpg_attrib_##_name##_ptr(item)));\
}									\
									\
static ssize_t srpt_tpg_attrib_##_name##_store(struct config_item *item,\
					       const char *page,	\
					       size_t count)		\
{									\
	u32 val;							\
									\
	if (srpt_parse_u32_in_range(page, #_name, _min, _max, &val))	\
		return -EINVAL;						\
	WRITE_ONCE(*srpt_tpg_attrib_##_name##_ptr(item), val);		\
	return count;							\
}									\
CONFIGFS_ATTR(srpt_tpg_attrib_, _name)

SRPT_TPG_ATTRIB_U32(srp_max_rdma_size, max_rdma_size,
		    SRPT_MIN_RDMA_SIZE, SRPT_MAX_RDMA_SIZE);
SRPT_TPG_ATTRIB_U32(srp_max_rsp_size, max_rsp_size,
		    SRPT_MIN_RSP_SIZE, SRPT_MAX_RSP_SIZE);
SRPT_TPG_ATTRIB_U32(srp_sq_size, sq_size, SRPT_MIN_SQ_SIZE, SRPT_MAX_SQ_SIZE);

static ssize_t srpt_tpg_attrib_use_srq_show(struct config_item *item,
					    char *page)
{
	return sysfs_emit(page, "%d\n",
			  READ_ONCE(attrib_to_srpt_tpg(item)->attrib.use_srq));
}

static ssize_t srpt_tpg_attrib_use_srq_store(struct config_item *item,
					     const char *page, size_t count)
{
	u32 val;

	if (srpt_parse_u32_in_range(page, "use_srq", 0, 1, &val))
		return -EINVAL;
	WRITE_ONCE(attrib_to_srpt_tpg(item)->attrib.use_srq, val);
	return count;
}
CONFIGFS_ATTR(srpt_tpg_attrib_, use_srq);

/*
 * "attrib/comp_v_mask": the completion vectors the TPG's channels may use
 * (SCST's name): "all" (the default), or a hex mask written as a CPU mask
 * is, 32-bit words separated by commas, "0x" optional, srpt_comp_v_bits()
 * bits wide (srpt_parse_comp_v_mask()). New channels are spread over the
 * vectors it names that a CQ can be on (srpt_choose_vector()); channels
 * already logged in keep theirs.
 *
 * "all" reads back as "all", whatever the host: targetcli saveconfig keeps
 * the text it read, and the default must restore on any host, not as the
 * all-ones mask of the host it was saved on (narrower elsewhere, or refused
 * where there are fewer CPUs). A mask reads back as hex of
 * srpt_comp_v_bits() bits; one saved where there are more CPUs restores
 * without the vectors above, which no channel could use here.
 *
 * A TPG attribute, not one of the target port: target_core gives a fabric
 * no attributes in "<port>/" itself, only groups of its own below it (as
 * srpt_discovery/), which rtslib-fb neither shows nor saves, while it
 * saves and restores every file in "<tpg>/attrib". It sits with
 * use_srq and srp_sq_size, which shape new channels the same way, and a
 * target port usually has one TPG.
 */
static ssize_t srpt_tpg_attrib_comp_v_mask_show(struct config_item *item,
						char *page)
{
	struct srpt_tpg *tpg = attrib_to_srpt_tpg(item);
	ssize_t n;

	/* Not srpt_mutex: a login holds it throughout. */
	spin_lock(&tpg->comp_v_lock);
	if (tpg->attrib.comp_v_all)
		n = sysfs_emit(page, "all\n");
	else
		n = sysfs_emit(page, "%*pb\n", srpt_comp_v_bits(),
			       tpg->attrib.comp_v_mask);
	spin_unlock(&tpg->comp_v_lock);
	return n;
}

/*
 * Refused with -EINVAL, and a warning saying why: what
 * srpt_parse_comp_v_mask() refuses, and, while the target port is bound,
 * a mask that names none of its device's vectors (its channels would have
 * none to use). A mask that also names vectors the device lacks is taken:
 * channels use those it has, and another HCA may have more.
 */
static ssize_t srpt_tpg_attrib_comp_v_mask_store(struct config_item *item,
						 const char *page,
						 size_t count)
{
	struct srpt_tpg *tpg = attrib_to_srpt_tpg(item);
	size_t len = strcspn(page, "\n");
	u32 bits = srpt_comp_v_bits();
	struct ib_device *ib_dev;
	struct srpt_port *sport;
	unsigned long *mask;
	ssize_t ret;
	bool all;
	u32 nvec;

	mask = bitmap_zalloc(bits, GFP_KERNEL);
	if (!mask)
		return -ENOMEM;
	ret = srpt_parse_comp_v_mask(page, count, mask, bits, &all);
	if (ret)
		goto out;
	mutex_lock(&srpt_mutex);
	sport = tpg->tport->port;
	if (sport && !all) {
		/* Only under srpt_mutex: the device may go once it is dropped. */
		ib_dev = sport->sdev->ib_dev;
		nvec = srpt_nr_vectors(ib_dev);
		if (srpt_next_vector(mask, bits, nvec,
				     srpt_usable_vectors(ib_dev), -1) < 0) {
			pr_warn("comp_v_mask: '%.*s' names none of the %u completion vectors of %s (0 to %u)\n",
				(int)len, page, nvec, dev_name(&ib_dev->dev),
				nvec - 1);
			mutex_unlock(&srpt_mutex);
			ret = -EINVAL;
			goto out;
		}
	}
	spin_lock(&tpg->comp_v_lock);
	tpg->attrib.comp_v_all = all;
	if (!all)
		bitmap_copy(tpg->attrib.comp_v_mask, mask, bits);
	spin_unlock(&tpg->comp_v_lock);
	mutex_unlock(&srpt_mutex);
	ret = count;
out:
	bitmap_free(mask);
	return ret;
}
CONFIGFS_ATTR(srpt_tpg_attrib_, comp_v_mask);

struct configfs_attribute *srpt_tpg_attrib_attrs[] = {
	&srpt_tpg_attrib_attr_srp_max_rdma_size,
	&srpt_tpg_attrib_attr_srp_max_rsp_size,
	&srpt_tpg_attrib_attr_srp_sq_size,
	&srpt_tpg_attrib_attr_use_srq,
	&srpt_tpg_attrib_attr_comp_v_mask,
	NULL,
};

static ssize_t srpt_rdma_cm_port_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%u\n", srpt_get_rdma_cm_port());
}

static ssize_t srpt_rdma_cm_port_store(struct config_item *item,
				       const char *page, size_t count)
{
	u32 val;
	int ret;

	if (srpt_parse_u32_in_range(page, "rdma_cm_port", 0, U16_MAX, &val))
		return -EINVAL;
	ret = srpt_set_rdma_cm_port(val);
	return ret ? ret : count;
}
CONFIGFS_ATTR(srpt_, rdma_cm_port);

struct configfs_attribute *srpt_discovery_attrs[] = {
	&srpt_attr_rdma_cm_port,
	NULL,
};

static ssize_t srpt_wwn_version_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "%s\n", SRPT_VERSION);
}
CONFIGFS_ATTR_RO(srpt_wwn_, version);

static struct srpt_tport *to_tport_of_discovery(struct config_item *item)
{
	return container_of(to_config_group(item), struct srpt_tport,
			    discovery_group);
}

/*
 * "<port>/srpt_discovery/ioc_id_string": the IOControllerProfile.IDString
 * that discovery (ibsrpdm, srp_daemon) shows for this port; up to 63
 * printable ASCII characters, empty for the default.
 */
static ssize_t srpt_port_disc_ioc_id_string_show(struct config_item *item,
						 char *page)
{
	struct srpt_tport *tport = to_tport_of_discovery(item);
	ssize_t n;

	mutex_lock(&srpt_mutex);
	n = sysfs_emit(page, "%s\n", tport->ioc_id_string);
	mutex_unlock(&srpt_mutex);
	return n;
}

static ssize_t srpt_port_disc_ioc_id_string_store(struct config_item *item,
						  const char *page,
						  size_t count)
{
	struct srpt_tport *tport = to_tport_of_discovery(item);
	size_t len = count;
	size_t i;

	if (len && page[len - 1] == '\n')
		len--;

	if (len >= sizeof(tport->ioc_id_string)) {
		pr_warn("ioc_id_string: %zu characters, at most %zu\n", len,
			sizeof(tport->ioc_id_string) - 1);
		return -EINVAL;
	}
	/*
	 * Printable ASCII only. isprint() also takes the kernel's Latin-1
	 * bytes 0xa0-0xff, yet refuses the 0x80-0x9f that most UTF-8
	 * characters contain: the string would be in no encoding a
	 * discovery tool, which prints the bytes as they come, could show.
	 */
	for (i = 0; i < len; i++) {
		if (page[i] < 0x20 || page[i] > 0x7e) {
			pr_warn("ioc_id_string: character %zu (0x%02x) is not printable ASCII (0x20-0x7e)\n",
				i, (u8)page[i]);
			return -EINVAL;
		}
	}
	mutex_lock(&srpt_mutex);
	memcpy(tport->ioc_id_string, page, len);
	memset(tport->ioc_id_string + len, 0,
	       sizeof(tport->ioc_id_string) - len);
	mutex_unlock(&srpt_mutex);
	return count;
}
CONFIGFS_ATTR(srpt_port_disc_, ioc_id_string);

/* ib_srp's add_target string for RDMA/CM logins to one address of @sport. */
static int srpt_login_info_rdma_cm(struct srpt_port *sport, char *page,
				   int n)
{
	struct ib_device *ib_dev = sport->sdev->ib_dev;
	u32 len = ib_port_immutable_read(ib_dev, sport->port_num)->gid_tbl_len;
	u16 cm_port = srpt_get_rdma_cm_port();
	u64 guid = srpt_get_service_guid();
	const struct ib_gid_attr *attr;
	const struct in6_addr *a;
	u32 i;

	if (!cm_port)
		return n + scnprintf(page + n, PAGE_SIZE - n,
				     "# RDMA/CM: not listening (discovery_auth/rdma_cm_port is 0)\n");
	for (i = 0; i < len; i++) {
		attr = rdma_get_gid_attr(ib_dev, sport->port_num, i);
		if (IS_ERR(attr))
			continue;
		a = (const struct in6_addr *)attr->gid.raw;
		if (attr->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
		    ipv6_addr_v4mapped(a))
			n += scnprintf(page + n, PAGE_SIZE - n,
				       "id_ext=%016llx,ioc_guid=%016llx,dest=%pI4:%u\n",
				       guid, guid,
				       &a->s6_addr32[3], cm_port);
		else if (attr->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
			 !(ipv6_addr_type(a) & IPV6_ADDR_LINKLOCAL))
			n += scnprintf(page + n, PAGE_SIZE - n,
				       "id_ext=%016llx,ioc_guid=%016llx,dest=[%pI6c]:%u\n",
				       guid, guid,
				       a, cm_port);
		rdma_put_gid_attr(attr);
	}
	return n;
}

/*
 * "<port>/srpt_discovery/login_info": the exact add_target strings with
 * which the Linux ib_srp initiator logs in to this target port (one per
 * line): IB/CM, which needs an InfiniBand subnet administrator, and
 * RDMA/CM, one line per address of the port.
 */
static ssize_t srpt_port_disc_login_info_show(struct config_item *item,
					      char *page)
{
	struct srpt_tport *tport = to_tport_of_discovery(item);
	struct srpt_port *sport;
	union ib_gid gid;
	int n = 0;
	u64 guid;

	mutex_lock(&srpt_mutex);
	/* Set under srpt_mutex when the first device is added. */
	guid = srpt_get_service_guid();
	sport = tport->port;
	if (!sport) {
		n = sysfs_emit(page, "# the RDMA port of %s is not present\n",
			       tport->name);
		goto out;
	}
	/*
	 * ib_srp's IB/CM logins need a subnet administrator for the path,
	 * and our IB/CM listener, which may have failed to start.
	 */
	if (rdma_cap_ib_sa(sport->sdev->ib_dev, sport->port_num) &&
	    sport->sdev->ib_cm_id && srpt_port_get_gid(sport, &gid))
		n += scnprintf(page + n, PAGE_SIZE - n,
			       "id_ext=%016llx,ioc_guid=%016llx,dgid=%016llx%016llx,pkey=ffff,service_id=%016llx\n",
			       guid, guid,
			       be64_to_cpu(gid.global.subnet_prefix),
			       be64_to_cpu(gid.global.interface_id), guid);
	if (rdma_protocol_roce(sport->sdev->ib_dev, sport->port_num))
		n = srpt_login_info_rdma_cm(sport, page, n);
out:
	mutex_unlock(&srpt_mutex);
	return n;
}
CONFIGFS_ATTR_RO(srpt_port_disc_, login_info);

static struct configfs_attribute *srpt_port_disc_attrs[] = {
	&srpt_port_disc_attr_login_info,
	&srpt_port_disc_attr_ioc_id_string,
	NULL,
};

/*
 * target_core 6.1 gives a fabric no attributes in a target port's own
 * directory (its wwn attributes are at the fabric's top), so the per-port
 * discovery settings live in a group of ours, "<port>/srpt_discovery/".
 */
static const struct config_item_type srpt_port_disc_cit = {
	.ct_attrs	= srpt_port_disc_attrs,
	.ct_owner	= THIS_MODULE,
};

struct configfs_attribute *srpt_wwn_attrs[] = {
	&srpt_wwn_attr_version,
	NULL,
};

/*
 * "<port>/fabric_statistics/srpt_login_stats/<outcome>": logins on the
 * target port by outcome, one counter per file.
 */
static ssize_t srpt_login_stat_show(struct config_item *item, char *page,
				    enum srpt_login_stat stat)
{
	struct srpt_tport *tport = container_of(to_config_group(item),
						struct srpt_tport,
						login_stats_group);
	return sysfs_emit(page, "%llu\n",
			  (u64)atomic64_read(&tport->login_stats[stat]));
}

#define SRPT_LOGIN_STAT_ATTR(_name, _stat)				\
static ssize_t srpt_login_stat_##_name##_show(struct config_item *item,	\
					      char *page)		\
{									\
	return srpt_login_stat_show(item, page, _stat);			\
}									\
CONFIGFS_ATTR_RO(srpt_login_stat_, _name)

SRPT_LOGIN_STAT_ATTR(accepted, SRPT_LOGIN_ACCEPTED);
SRPT_LOGIN_STAT_ATTR(rejected_malformed, SRPT_LOGIN_REJ_MALFORMED);
SRPT_LOGIN_STAT_ATTR(rejected_iu_length, SRPT_LOGIN_REJ_IU_LEN);
SRPT_LOGIN_STAT_ATTR(rejected_buffer_format, SRPT_LOGIN_REJ_BUF_FMT);
SRPT_LOGIN_STAT_ATTR(rejected_target_port_id, SRPT_LOGIN_REJ_TARGET_ID);
SRPT_LOGIN_STAT_ATTR(rejected_no_enabled_tpg, SRPT_LOGIN_REJ_NO_TPG);
SRPT_LOGIN_STAT_ATTR(rejected_no_acl, SRPT_LOGIN_REJ_NO_ACL);
SRPT_LOGIN_STAT_ATTR(rejected_channel_limit, SRPT_LOGIN_REJ_CH_LIMIT);
SRPT_LOGIN_STAT_ATTR(rejected_resources, SRPT_LOGIN_REJ_RESOURCES);
SRPT_LOGIN_STAT_ATTR(iu_refused_type, SRPT_IU_REJ_TYPE);
SRPT_LOGIN_STAT_ATTR(iu_refused_unsolicited, SRPT_IU_REJ_UNSOLICITED);
SRPT_LOGIN_STAT_ATTR(iu_refused_format, SRPT_IU_REJ_FORMAT);

static struct configfs_attribute *srpt_login_stat_attrs[] = {
	&srpt_login_stat_attr_accepted,
	&srpt_login_stat_attr_rejected_malformed,
	&srpt_login_stat_attr_rejected_iu_length,
	&srpt_login_stat_attr_rejected_buffer_format,
	&srpt_login_stat_attr_rejected_target_port_id,
	&srpt_login_stat_attr_rejected_no_enabled_tpg,
	&srpt_login_stat_attr_rejected_no_acl,
	&srpt_login_stat_attr_rejected_channel_limit,
	&srpt_login_stat_attr_rejected_resources,
	&srpt_login_stat_attr_iu_refused_type,
	&srpt_login_stat_attr_iu_refused_unsolicited,
	&srpt_login_stat_attr_iu_refused_format,
	NULL,
};

static const struct config_item_type srpt_login_stats_cit = {
	.ct_attrs	= srpt_login_stat_attrs,
	.ct_owner	= THIS_MODULE,
};

/*
 * target_core removes the default groups of fabric_statistics before it
 * calls srpt_drop_tport(), so the group never outlives its tport.
 */
void srpt_add_wwn_groups(struct se_wwn *wwn)
{
	struct srpt_tport *tport = to_srpt_tport(wwn);

	config_group_init_type_name(&tport->login_stats_group,
				    "srpt_login_stats", &srpt_login_stats_cit);
	configfs_add_default_group(&tport->login_stats_group,
				   &wwn->fabric_stat_group);
	config_group_init_type_name(&tport->discovery_group, "srpt_discovery",
				    &srpt_port_disc_cit);
	configfs_add_default_group(&tport->discovery_group, &wwn->wwn_group);
}

/*
 * "acls/<initiator>/info": the initiator's sessions, in the format
 * rtslib-fb parses for "targetcli sessions" (NodeACL._get_session()). The
 * alias is the 128-bit initiator port id the session logged in with.
 */
static const char *srpt_ch_state_name(enum srpt_ch_state state)
{
	switch (state) {
	case SRPT_CH_CONNECTING:
		return "TARG_CONN_STATE_IN_LOGIN";
	case SRPT_CH_LIVE:
		return "TARG_CONN_STATE_LOGGED_IN";
	default:
		return "TARG_CONN_STATE_CLEANUP_WAIT";
	}
}

/*
 * What the channel allocated, in KiB rounded up: its receive ring (none
 * with an SRQ, whose buffers the device's channels share), send contexts
 * with their response buffers, the pages they keep for small READs, and
 * the channel itself with its two target-initiated IU buffers.
 */
static ssize_t srpt_show_ch_mem(struct srpt_rdma_ch *ch, char *page,
				ssize_t n)
{
	size_t send = atomic_long_read(&ch->mem_send);
	size_t rd_pages = atomic_long_read(&ch->mem_rd_pages);

	return n + scnprintf(page + n, PAGE_SIZE - n,
			     "   memory: %zu KiB (receive %zu KiB, send %zu KiB, read pages %zu KiB, other %zu KiB)\n",
			     DIV_ROUND_UP(ch->mem_recv + send + rd_pages +
					  ch->mem_other, 1024),
			     DIV_ROUND_UP(ch->mem_recv, 1024),
			     DIV_ROUND_UP(send, 1024),
			     DIV_ROUND_UP(rd_pages, 1024),
			     DIV_ROUND_UP(ch->mem_other, 1024));
}

/*
 * How the channel receives: its own ring, or which of its device's shared
 * receive queues (sdev->srqs[] index, comp_vector % nr_srqs), of how many,
 * with how many buffers each, so that a test or an administrator sees how
 * srpt_srq_size was split without working it out.
 */
static void srpt_show_ch_rx(struct srpt_rdma_ch *ch, char *buf, size_t len)
{
	if (!ch->srq)
		strscpy(buf, "own receive ring", len);
	else
		snprintf(buf, len, "shared receive queue %u (of %u, %u buffers)",
			 ch->srq->index, ch->sdev->nr_srqs, ch->srq->size);
}

static ssize_t srpt_show_nexus(struct srpt_nexus *nexus, char *page,
			       ssize_t n)
{
	struct srpt_rdma_ch *ch;
	char rx[64];

	n += scnprintf(page + n, PAGE_SIZE - n,
		       "InitiatorName: %s\nInitiatorAlias: 0x%016llx%016llx\nLIO Session ID: %u   SessionType: Normal\nSession State: TARG_SESS_STATE_LOGGED_IN\nSRP channels: %u\n",
		       nexus->se_sess->se_node_acl->initiatorname,
		       get_unaligned_be64(nexus->i_port_id),
		       get_unaligned_be64(nexus->i_port_id + 8),
		       nexus->sid, srpt_nexus_ch_count(nexus));
	list_for_each_entry(ch, &nexus->ch_list, nexus_node) {
		srpt_show_ch_rx(ch, rx, sizeof(rx));
		n += scnprintf(page + n, PAGE_SIZE - n,
			       "CID: %u   Connection State: %s\n   Address %s %s\n   request limit %u, commands in flight %u, credits owed %d, send queue %u (%d free), %s, completion vector %d, %s CQ, IU %u/%u bytes, RDMA %s, unsignaled responses %llu (budget %u, fences %llu), SRP_CMDs received %llu\n",
			       ch->cid, srpt_ch_state_name(READ_ONCE(ch->state)),
			       ch->peer, ch->cm->name,
			       ch->rq_size, READ_ONCE(ch->in_flight),
			       atomic_read(&ch->req_lim_delta), ch->sq_size,
			       atomic_read(&ch->sq_wr_avail),
			       rx,
			       ch->comp_vector, ch->cq_own ? "own" : "pool",
			       ch->max_it_iu_len, ch->max_ti_iu_len,
			       ch->rw_wrs_per_op > 1 ? "through MRs" : "direct",
			       READ_ONCE(ch->unsig_posted), ch->unsig_max,
			       READ_ONCE(ch->fences),
			       READ_ONCE(ch->cmds_received));
		n = srpt_show_ch_mem(ch, page, n);
	}
	return n;
}

static ssize_t srpt_nacl_info_show(struct config_item *item, char *page)
{
	struct se_node_acl *se_nacl = acl_to_nacl(item);
	struct srpt_tpg *tpg = to_srpt_tpg(se_nacl->se_tpg);
	struct srpt_nexus *nexus;
	ssize_t n = 0;

	mutex_lock(&srpt_mutex);
	list_for_each_entry(nexus, &tpg->nexus_list, node)
		if (nexus->se_sess->se_node_acl == se_nacl)
			n = srpt_show_nexus(nexus, page, n);
	mutex_unlock(&srpt_mutex);
	if (!n)
		n = scnprintf(page, PAGE_SIZE,
			      "No active SRP session for initiator %s\n",
			      se_nacl->initiatorname);
	return n;
}
CONFIGFS_ATTR_RO(srpt_nacl_, info);

struct configfs_attribute *srpt_nacl_attrs[] = {
	&srpt_nacl_attr_info,
	NULL,
};

/* SRP has no authentication; targetcli's "sessions detail" asks anyway. */
static ssize_t srpt_nacl_auth_authenticate_target_show(struct config_item *item,
						       char *page)
{
	return sysfs_emit(page, "0\n");
}
CONFIGFS_ATTR_RO(srpt_nacl_auth_, authenticate_target);

struct configfs_attribute *srpt_nacl_auth_attrs[] = {
	&srpt_nacl_auth_attr_authenticate_target,
	NULL,
};
