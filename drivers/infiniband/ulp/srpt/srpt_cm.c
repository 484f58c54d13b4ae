// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI RDMA Protocol (SRP) target: logins over IB/CM and RDMA/CM.
 *
 * A login arrives as the private data of an IB/CM REQ or an RDMA/CM
 * CONNECT_REQUEST. Each CM decodes it into a struct srpt_login and hands it
 * to srpt_login_request() with its own operations (struct
 * srpt_cm_login_ops). srpt_login() validates the login (SRP r16a 6.2 and
 * 5.6.2), finds the TPG and ACL, builds the channel (srpt_ch.c) and fills
 * in the SRP_LOGIN_RSP; the CM's operations then accept or reject.
 *
 * Rules:
 * - srpt_mutex is held for a whole login, from validation to accept or
 *   reject, so a channel is on its lists only once fully built, and device
 *   removal, TPG disable and ACL removal see every channel.
 * - Channels are closed, released and their CM ids destroyed by srpt_ch.c
 *   (see there).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>
#include <scsi/srp.h>
#include <target/target_core_fabric.h>

#include "srpt.h"

/*
 * RDMA READs (and atomics) the target serves: none. SRP moves all data
 * with RDMA that the target initiates, so the REP (and rdma_accept())
 * announces no responder resources, and the QP serves no remote READ.
 */
#define SRPT_RESPONDER_RESOURCES	0

/*
 * Our RDMA READ depth (the QP's max_rd_atomic, "initiator depth") is
 * bounded by the responder resources the initiator offers; CM events
 * report both values from the receiver's point of view already.
 */
static u8 srpt_read_depth(struct srpt_device *sdev, u8 peer_resources)
{
	return min3(peer_resources, (u8)SRPT_RDMA_READ_DEPTH,
		    (u8)min_t(int, sdev->ib_dev->attrs.max_qp_init_rd_atom,
			      U8_MAX));
}

static struct rdma_cm_id *srpt_rdma_listener;
static u16 srpt_rdma_cm_port;
static bool srpt_cm_running;
/* Serialises listener changes; never held with srpt_mutex. */
static DEFINE_MUTEX(srpt_listen_mutex);

/*
 * Copy the name of the first ACL of @tpg admitting @lg into @name.
 * target_setup_session() looks the ACL up again by name under its own lock
 * (-EACCES once it is gone), and srpt_new_nexus() checks that it was not
 * removed before the session was registered.
 */
static bool srpt_find_acl(struct srpt_tpg *tpg, const struct srpt_login *lg,
			  char *name, size_t len)
{
	struct se_portal_group *se_tpg = &tpg->se_tpg;
	struct se_node_acl *se_nacl;
	bool found = false;

	mutex_lock(&se_tpg->acl_node_mutex);
	list_for_each_entry(se_nacl, &se_tpg->acl_node_list, acl_list) {
		if (se_nacl->dynamic_node_acl ||
		    !srpt_acl_admits(&to_srpt_nacl(se_nacl)->id, lg))
			continue;
		strscpy(name, se_nacl->initiatorname, len);
		found = true;
		break;
	}
	mutex_unlock(&se_tpg->acl_node_mutex);
	return found;
}

/*
 * The enabled TPG, on a target port bound to the RDMA port of the login,
 * with an ACL for the initiator.
 */
static struct srpt_tpg *srpt_find_tpg(struct srpt_login *lg, char *acl,
				      size_t len, const char *who)
{
	bool any_port = false, any_enabled = false;
	struct srpt_tport *tport;
	struct srpt_tpg *tpg;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != lg->sport)
			continue;
		any_port = true;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			if (!tpg->enabled)
				continue;
			any_enabled = true;
			if (srpt_find_acl(tpg, lg, acl, len))
				return tpg;
		}
	}
	lg->stat = any_enabled ? SRPT_LOGIN_REJ_NO_ACL : SRPT_LOGIN_REJ_NO_TPG;
	if (!any_port)
		pr_info_ratelimited("login from %s rejected: no configfs target port for %s port %u\n",
				    who, dev_name(&lg->sport->sdev->ib_dev->dev),
				    lg->sport->port_num);
	else if (!any_enabled)
		pr_info_ratelimited("login from %s rejected: no enabled TPG on %s port %u\n",
				    who, dev_name(&lg->sport->sdev->ib_dev->dev),
				    lg->sport->port_num);
	else if (lg->src)
		pr_info_ratelimited("login from %s (address %pISc) rejected: no ACL admits it\n",
				    who, lg->src);
	else
		pr_info_ratelimited("login from %s rejected: no ACL admits it\n", who);
	return NULL;
}

/* The live nexus of @i_port_id in @tpg. Context: srpt_mutex held. */
static struct srpt_nexus *srpt_find_nexus(struct srpt_tpg *tpg,
					  const u8 i_port_id[16])
{
	struct srpt_nexus *nexus;

	list_for_each_entry(nexus, &tpg->nexus_list, node)
		if (!nexus->ending && !memcmp(nexus->i_port_id, i_port_id, 16))
			return nexus;
	return NULL;
}

/*
 * SRP r16a 5.6.2: a SINGLE_CHANNEL login terminates every other channel of
 * the same I_T nexus. Returns whether any channel was closed.
 */
static bool srpt_close_nexus_of(struct srpt_login *lg)
{
	struct srpt_tport *tport;
	struct srpt_nexus *nexus;
	struct srpt_tpg *tpg;
	bool closed = false;

	list_for_each_entry(tport, &srpt_tport_list, node) {
		if (tport->port != lg->sport)
			continue;
		list_for_each_entry(tpg, &tport->tpg_list, node) {
			nexus = srpt_find_nexus(tpg, lg->i_port_id);
			if (!nexus)
				continue;
			srpt_end_nexus(nexus, SRPT_LOGOUT_MULTICHANNEL);
			closed = true;
		}
	}
	return closed;
}

/*
 * Live sessions of @tpg admitted by the ACL named @acl. An ACL that names a
 * port GUID or an IP address admits any number of initiator port ids
 * (initiator_ext), each its own session: SRPT_MAX_NEXUS_PER_ACL bounds
 * what one such initiator can make the target allocate.
 */
static u32 srpt_acl_nexus_count(struct srpt_tpg *tpg, const char *acl)
{
	struct srpt_nexus *nexus;
	u32 n = 0;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(nexus, &tpg->nexus_list, node)
		if (!nexus->ending &&
		    !strcmp(nexus->se_sess->se_node_acl->initiatorname, acl))
			n++;
	return n;
}

/*
 * Count a login outcome on the target port(s) bound to @sport; a login on a
 * port no target port is bound to is only reported in the kernel log.
 */
static void srpt_count_login(struct srpt_port *sport,
			     enum srpt_login_stat stat)
{
	struct srpt_tport *tport;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(tport, &srpt_tport_list, node)
		if (sport && tport->port == sport)
			atomic64_inc(&tport->login_stats[stat]);
}

/**
 * srpt_try_login - validate a login and build its channel
 * @lg:  the request; on return holds the response or the reject reason.
 * @ch:  a channel from srpt_alloc_ch() with its CM id set.
 *
 * Context: srpt_mutex held. On failure the caller rejects the login and
 * frees @ch with srpt_release_ch_now().
 * Return: 0 when the login is accepted, else a negative errno with
 * @lg->rej_reason set.
 */
static int srpt_try_login(struct srpt_login *lg, struct srpt_rdma_ch *ch)
{
	u8 multichan_result = SRP_LOGIN_RSP_MULTICHAN_NO_CHAN;
	char who[48], acl[TRANSPORT_IQN_LEN];
	struct srpt_login_grant grant;
	struct srpt_nexus *nexus = NULL;
	struct srpt_tpg *tpg;
	int ret;

	lockdep_assert_held(&srpt_mutex);
	srpt_format_port_id(who, sizeof(who), lg->i_port_id);
	lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
	lg->stat = SRPT_LOGIN_REJ_RESOURCES;
	if (!srpt_login_is_valid(lg, who, srpt_get_max_req_size(),
				 srpt_get_service_guid()))
		return -EINVAL;
	if (lg->sport->sdev->removing) {
		pr_info_ratelimited("login from %s rejected: %s is being removed\n", who,
				    dev_name(&lg->sport->sdev->ib_dev->dev));
		return -ENODEV;
	}
	tpg = srpt_find_tpg(lg, acl, sizeof(acl), who);
	if (!tpg)
		return -EPERM;

	if ((lg->req_flags & SRP_MULTICHAN_MULTI) == SRP_MULTICHAN_SINGLE) {
		if (srpt_close_nexus_of(lg))
			multichan_result = SRP_LOGIN_RSP_MULTICHAN_TERMINATED;
	} else {
		nexus = srpt_find_nexus(tpg, lg->i_port_id);
		if (nexus)
			multichan_result = SRP_LOGIN_RSP_MULTICHAN_MAINTAINED;
	}
	if (!nexus && srpt_acl_nexus_count(tpg, acl) >= SRPT_MAX_NEXUS_PER_ACL) {
		pr_info_ratelimited("login from %s rejected: ACL %s already has %u sessions\n",
				    who, acl, SRPT_MAX_NEXUS_PER_ACL);
		lg->rej_reason = SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
		lg->stat = SRPT_LOGIN_REJ_CH_LIMIT;
		return -EBUSY;
	}
	if (nexus && srpt_nexus_ch_count(nexus) >= SRPT_MAX_CH_PER_NEXUS) {
		pr_info_ratelimited("login from %s rejected: already %u channels\n", who,
				    SRPT_MAX_CH_PER_NEXUS);
		lg->rej_reason = SRP_LOGIN_REJ_CHANNEL_LIMIT_REACHED;
		lg->stat = SRPT_LOGIN_REJ_CH_LIMIT;
		return -EBUSY;
	}

	ch->max_it_iu_len = lg->req_it_iu_len;
	ch->imm_data_offset = srpt_imm_data_offset(lg);
	ret = srpt_setup_ch(ch, tpg, nexus);
	if (ret) {
		lg->rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		return ret;
	}
	if (!nexus) {
		nexus = srpt_new_nexus(tpg, lg->i_port_id, acl);
		if (PTR_ERR_OR_ZERO(nexus) == -EACCES) {
			/* As if no ACL admitted the initiator: it is gone. */
			pr_info_ratelimited("login from %s rejected: ACL %s was removed during the login\n",
					    who, acl);
			lg->rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL;
			lg->stat = SRPT_LOGIN_REJ_NO_ACL;
			return -EACCES;
		}
		if (IS_ERR(nexus)) {
			pr_info_ratelimited("login from %s rejected: no session for ACL %s (%ld)\n",
					    who, acl, PTR_ERR(nexus));
			lg->rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
			return PTR_ERR(nexus);
		}
	}
	/* From here on the channel is accepted (see srpt_qp_event()). */
	WRITE_ONCE(ch->nexus, nexus);
	ch->cid = nexus->next_cid++;
	list_add_tail(&ch->nexus_node, &nexus->ch_list);
	list_add_tail(&ch->dev_node, &ch->sdev->ch_list);
	/* The next session's first channel goes on after this one's CQ. */
	ch->sdev->last_vector = ch->comp_vector;
	grant.req_lim = ch->rq_size;
	grant.max_it_iu_len = ch->max_it_iu_len;
	grant.max_ti_iu_len = ch->max_ti_iu_len;
	grant.multichan = multichan_result;
	grant.imm_data = ch->imm_data_offset;
	srpt_build_login_rsp(lg, &grant);
	pr_info("%s: login accepted on %s/%s (ACL %s): %u credits, IU %u/%u bytes, %s, %simmediate data, vector %d\n",
		ch->name, tpg->tport->name, config_item_name(&tpg->se_tpg.tpg_group.cg_item),
		acl, ch->rq_size, ch->max_it_iu_len, ch->max_ti_iu_len,
		ch->srq ? "SRQ" : "own receive ring",
		ch->imm_data_offset ? "" : "no ", ch->comp_vector);
	return 0;
}

static int srpt_login(struct srpt_login *lg, struct srpt_rdma_ch *ch)
{
	int ret = srpt_try_login(lg, ch);

	srpt_count_login(lg->sport, ret ? lg->stat : SRPT_LOGIN_ACCEPTED);
	return ret;
}

/*
 * The login response could not be sent. The channel is already on its
 * lists, so it goes down the normal way; the release work destroys the CM
 * id, and the CM callback returns 0 to leave it to us.
 */
static void srpt_accept_failed(struct srpt_rdma_ch *ch)
{
	pr_info("%s: sending the login response failed\n", ch->name);
	srpt_ch_close(ch);
}

/**
 * struct srpt_cm_login - a login request as a connection manager hands it
 * to srpt_login_request(), embedded in that CM's own request
 * @lg:  the SRP_LOGIN_REQ, decoded; on return the SRP_LOGIN_RSP or the
 *       reject reason.
 * @ops: how that connection manager answers.
 */
struct srpt_cm_login {
	struct srpt_login			lg;
	const struct srpt_cm_login_ops		*ops;
};

/**
 * struct srpt_cm_login_ops - how a connection manager answers a login
 * @name:   "IB/CM" or "RDMA/CM", for messages.
 * @port:   the RDMA port the request arrived on, or NULL if it is not
 *          ours. Context: srpt_mutex held where the port is looked up
 *          among the target ports (RDMA/CM); IB/CM's needs no lock.
 * @attach: give the channel built for the login its connection id, its
 *          peer's address and the CM's channel operations.
 * @accept: send the SRP_LOGIN_RSP in @lg.rsp; nonzero if that failed.
 * @reject: send an SRP_LOGIN_REJ with @lg.rej_reason.
 */
struct srpt_cm_login_ops {
	const char		*name;
	struct srpt_port	*(*port)(struct srpt_cm_login *login);
	void			(*attach)(struct srpt_cm_login *login,
					  struct srpt_rdma_ch *ch);
	int			(*accept)(struct srpt_cm_login *login,
					  struct srpt_rdma_ch *ch);
	void			(*reject)(struct srpt_cm_login *login);
};

/*
 * A request that is no SRP_LOGIN_REQ, which its CM has logged: count it on
 * the port it arrived on, if that is ours, and reject it.
 */
static int srpt_login_malformed(struct srpt_cm_login *login)
{
	mutex_lock(&srpt_mutex);
	srpt_count_login(login->ops->port(login), SRPT_LOGIN_REJ_MALFORMED);
	mutex_unlock(&srpt_mutex);
	login->ops->reject(login);
	return -EINVAL;
}

/**
 * srpt_login_request - answer a decoded login request
 * @login: the request and its connection manager's operations.
 *
 * The login path of both connection managers: a channel for the login,
 * srpt_login() to decide, then the CM's accept or reject.
 *
 * Context: a CM callback; takes srpt_mutex for the whole login.
 * Return: 0 if the login was accepted (also when its response could not
 * be sent: then the channel is closing and its release work destroys the
 * CM id), else a negative errno, and the CM destroys its id itself.
 */
static int srpt_login_request(struct srpt_cm_login *login)
{
	const struct srpt_cm_login_ops *ops = login->ops;
	struct srpt_login *lg = &login->lg;
	struct srpt_rdma_ch *ch;
	int ret;

	mutex_lock(&srpt_mutex);
	lg->sport = ops->port(login);
	ch = lg->sport ? srpt_alloc_ch(lg) : NULL;
	if (!ch) {
		mutex_unlock(&srpt_mutex);
		/* An IB/CM request has a port here: only memory ran out. */
		if (lg->src)
			pr_info_ratelimited("%s login from %pISc rejected: %s\n",
					    ops->name, lg->src,
					    lg->sport ? "out of memory" : "unknown RDMA device");
		lg->rej_reason = SRP_LOGIN_REJ_INSUFFICIENT_RESOURCES;
		ops->reject(login);
		return -ENOMEM;
	}
	ops->attach(login, ch);
	ret = srpt_login(lg, ch);
	if (!ret && ops->accept(login, ch))
		srpt_accept_failed(ch);
	mutex_unlock(&srpt_mutex);
	if (ret) {
		ops->reject(login);
		srpt_release_ch_now(ch);
	}
	return ret;
}

/* ----- IB/CM ------------------------------------------------------------ */

static int srpt_ib_cm_create_qp(struct srpt_rdma_ch *ch,
				struct ib_qp_init_attr *init)
{
	int ret;

	ch->qp = ib_create_qp(ch->sdev->pd, init);
	if (!IS_ERR(ch->qp))
		return 0;
	ret = PTR_ERR(ch->qp);
	ch->qp = NULL;
	return ret;
}

static void srpt_ib_cm_destroy_qp(struct srpt_rdma_ch *ch)
{
	ib_destroy_qp(ch->qp);
	ch->qp = NULL;
}

/*
 * IB/CM leaves the QP state to us: RESET -> INIT, then -> RTR, both before
 * the REP is sent. ib_cm_init_qp_attr() then derives the responder side
 * from the REQ's INITIATOR DEPTH (ib_srp asks for 4): remote READ and
 * ATOMIC access at INIT, max_dest_rd_atomic at RTR. Our REP grants
 * SRPT_RESPONDER_RESOURCES, and the QP must agree with it.
 */
static int srpt_ib_cm_modify_qp(struct srpt_rdma_ch *ch,
				enum ib_qp_state state)
{
	struct ib_qp_attr attr = {};
	int mask, ret;

	attr.qp_state = state;
	ret = ib_cm_init_qp_attr(ch->ib_cm_id, &attr, &mask);
	if (ret)
		return ret;
	/*
	 * An allow-list: ib_cm grants more than REMOTE_READ and _ATOMIC on
	 * newer kernels (the FLUSH rights since v6.2), none of which an SRP
	 * target serves.
	 */
	if ((mask & IB_QP_ACCESS_FLAGS) && !SRPT_RESPONDER_RESOURCES)
		attr.qp_access_flags &= IB_ACCESS_REMOTE_WRITE;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		attr.max_dest_rd_atomic = SRPT_RESPONDER_RESOURCES;
	return ib_modify_qp(ch->qp, &attr, mask);
}

/*
 * RTR -> RTS before the REP goes out, as rdma_cm does on the passive side
 * (cma_accept_ib()): an initiator may send its first IU as soon as it has
 * the REP, before its RTU reaches us, and that IU's response must not be
 * posted on a QP that is still in RTR. @rd_atomic is the RDMA READ depth
 * our REP announces.
 */
static int srpt_ib_cm_qp_to_rts(struct srpt_rdma_ch *ch, u8 rd_atomic)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_RTS };
	int mask, ret;

	ret = ib_cm_init_qp_attr(ch->ib_cm_id, &attr, &mask);
	if (ret)
		return ret;
	attr.max_rd_atomic = rd_atomic;
	return ib_modify_qp(ch->qp, &attr, mask);
}

static void srpt_ib_cm_notify_established(struct srpt_rdma_ch *ch)
{
	ib_cm_notify(ch->ib_cm_id, IB_EVENT_COMM_EST);
}

static void srpt_ib_cm_disconnect(struct srpt_rdma_ch *ch)
{
	/*
	 * ESTABLISHED: DREQ; DREQ received: DREP. Before the RTU (REP sent)
	 * neither is allowed; ib_destroy_cm_id() in the release work then
	 * cancels the REP and sends the REJ itself, unless an RTU arrives
	 * first: then srpt_ib_cm_handler() sends the DREQ. A REJ sent here
	 * would leave the REP MAD to run through all its retries first.
	 */
	if (ib_send_cm_dreq(ch->ib_cm_id, NULL, 0))
		ib_send_cm_drep(ch->ib_cm_id, NULL, 0);
}

static void srpt_ib_cm_destroy(struct srpt_rdma_ch *ch, bool cm_owns_id)
{
	/*
	 * The CM id first: destroying it waits for its callbacks, and the
	 * DREQ handler moves ch->qp to the error state.
	 */
	if (!cm_owns_id)
		ib_destroy_cm_id(ch->ib_cm_id);
	if (ch->qp)
		srpt_ib_cm_destroy_qp(ch);
}

static const struct srpt_cm_ops srpt_ib_cm_ops = {
	.name			= "IB/CM",
	.create_qp		= srpt_ib_cm_create_qp,
	.destroy_qp		= srpt_ib_cm_destroy_qp,
	.modify_qp		= srpt_ib_cm_modify_qp,
	.notify_established	= srpt_ib_cm_notify_established,
	.disconnect		= srpt_ib_cm_disconnect,
	.destroy		= srpt_ib_cm_destroy,
};

/**
 * struct srpt_ib_cm_login - a login over IB/CM
 * @login: what srpt_login_request() needs.
 * @cm_id: the REQ's new cm_id; its context is the srpt_device until the
 *         login is accepted, then the channel.
 * @param: the REQ.
 */
struct srpt_ib_cm_login {
	struct srpt_cm_login			login;
	struct ib_cm_id				*cm_id;
	const struct ib_cm_req_event_param	*param;
};

static struct srpt_ib_cm_login *to_ib_cm_login(struct srpt_cm_login *login)
{
	return container_of(login, struct srpt_ib_cm_login, login);
}

static struct srpt_port *srpt_ib_cm_login_port(struct srpt_cm_login *login)
{
	struct srpt_ib_cm_login *req = to_ib_cm_login(login);
	struct srpt_device *sdev = req->cm_id->context;
	u32 port = req->param->port;

	return port >= 1 && port <= sdev->port_count ?
	       &sdev->ports[port - 1] : NULL;
}

static void srpt_ib_cm_attach(struct srpt_cm_login *login,
			      struct srpt_rdma_ch *ch)
{
	struct srpt_ib_cm_login *req = to_ib_cm_login(login);

	ch->cm = &srpt_ib_cm_ops;
	ch->ib_cm_id = req->cm_id;
	snprintf(ch->peer, sizeof(ch->peer), "%pI6",
		 req->param->primary_path->dgid.raw);
}

static int srpt_ib_cm_accept(struct srpt_cm_login *login,
			     struct srpt_rdma_ch *ch)
{
	struct srpt_ib_cm_login *req = to_ib_cm_login(login);
	struct ib_cm_rep_param rep = {};
	int ret;

	rep.qp_num = ch->qp->qp_num;
	rep.private_data = &login->lg.rsp;
	rep.private_data_len = sizeof(login->lg.rsp);
	/* The initiator never reads from us. */
	rep.responder_resources = SRPT_RESPONDER_RESOURCES;
	rep.initiator_depth = srpt_read_depth(ch->sdev,
					      req->param->initiator_depth);
	rep.rnr_retry_count = 7;
	rep.flow_control = 1;
	rep.srq = !!ch->srq;
	req->cm_id->context = ch;
	ret = srpt_ib_cm_qp_to_rts(ch, rep.initiator_depth);
	return ret ? ret : ib_send_cm_rep(req->cm_id, &rep);
}

static void srpt_ib_cm_reject(struct srpt_cm_login *login)
{
	struct srp_login_rej rej;

	srpt_build_login_rej(&rej, &login->lg);
	ib_send_cm_rej(to_ib_cm_login(login)->cm_id, IB_CM_REJ_CONSUMER_DEFINED,
		       NULL, 0, &rej, sizeof(rej));
}

static const struct srpt_cm_login_ops srpt_ib_cm_login_ops = {
	.name	= "IB/CM",
	.port	= srpt_ib_cm_login_port,
	.attach	= srpt_ib_cm_attach,
	.accept	= srpt_ib_cm_accept,
	.reject	= srpt_ib_cm_reject,
};

static int srpt_ib_cm_req(struct ib_cm_id *cm_id,
			  const struct ib_cm_req_event_param *param,
			  const void *private_data)
{
	const struct srp_login_req *req = private_data;
	struct srpt_ib_cm_login ib_login = {
		.login.ops = &srpt_ib_cm_login_ops,
		.login.lg.rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
		.cm_id = cm_id,
		.param = param,
	};
	struct srpt_cm_login *login = &ib_login.login;

	/* IB/CM REQ private data is 92 bytes: the whole SRP_LOGIN_REQ. */
	if (!srpt_ib_cm_login_port(login) ||
	    !srpt_decode_login_req(&login->lg, req)) {
		pr_info_ratelimited("IB/CM login rejected: not an SRP_LOGIN_REQ (opcode 0x%02x, port %u)\n",
				    req->opcode, param->port);
		return srpt_login_malformed(login);
	}
	return srpt_login_request(login);
}

static int srpt_ib_cm_handler(struct ib_cm_id *cm_id,
			      const struct ib_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case IB_CM_REQ_RECEIVED:
		return srpt_ib_cm_req(cm_id, &event->param.req_rcvd,
				      event->private_data);
	case IB_CM_RTU_RECEIVED:
	case IB_CM_USER_ESTABLISHED:
		/* The QP is in RTS since before the REP. */
		srpt_ch_mark_live(ch, false);
		if (srpt_ch_disconnect_missed(ch))
			ib_send_cm_dreq(cm_id, NULL, 0);
		break;
	case IB_CM_DREQ_RECEIVED:
		/*
		 * No new posts, and nothing posted goes on: after the DREP
		 * the initiator may reuse the memory our RDMA WRITEs target
		 * (rdma_cm moves the QP to ERR before the DREP as well).
		 */
		srpt_ch_close(ch);
		srpt_qp_to_err(ch);
		ib_send_cm_drep(cm_id, NULL, 0);
		break;
	case IB_CM_REJ_RECEIVED:
	case IB_CM_REP_ERROR:
	case IB_CM_DREQ_ERROR:
	case IB_CM_DREP_RECEIVED:
	case IB_CM_TIMEWAIT_EXIT:
		srpt_ch_close(ch);
		break;
	default:
		break;
	}
	return 0;
}

/* Start the IB/CM listener of a device, if it speaks IB/CM. */
int srpt_ib_cm_listen(struct srpt_device *sdev)
{
	struct ib_cm_id *cm_id;
	int ret;

	if (!rdma_cap_ib_cm(sdev->ib_dev, 1))
		return 0;
	cm_id = ib_create_cm_id(sdev->ib_dev, srpt_ib_cm_handler, sdev);
	if (IS_ERR(cm_id))
		return PTR_ERR(cm_id);
	ret = ib_cm_listen(cm_id, cpu_to_be64(srpt_get_service_guid()));
	if (ret) {
		pr_warn("%s: IB/CM listen on service id 0x%016llx failed (%d)\n",
			dev_name(&sdev->ib_dev->dev), srpt_get_service_guid(),
			ret);
		ib_destroy_cm_id(cm_id);
		return ret;
	}
	/* The DM agent reads it (srpt_dm_get_facts()). */
	mutex_lock(&srpt_mutex);
	sdev->ib_cm_id = cm_id;
	mutex_unlock(&srpt_mutex);
	return 0;
}

void srpt_ib_cm_stop(struct srpt_device *sdev)
{
	struct ib_cm_id *cm_id;

	mutex_lock(&srpt_mutex);
	cm_id = sdev->ib_cm_id;
	sdev->ib_cm_id = NULL;
	mutex_unlock(&srpt_mutex);
	/* Not under srpt_mutex: this waits for REQ handlers, which take it. */
	if (cm_id)
		ib_destroy_cm_id(cm_id);
}

/* ----- RDMA/CM ---------------------------------------------------------- */

static int srpt_rdma_cm_create_qp(struct srpt_rdma_ch *ch,
				  struct ib_qp_init_attr *init)
{
	int ret = rdma_create_qp(ch->rdma_cm_id, ch->sdev->pd, init);

	ch->qp = ret ? NULL : ch->rdma_cm_id->qp;
	return ret;
}

static void srpt_rdma_cm_destroy_qp(struct srpt_rdma_ch *ch)
{
	rdma_destroy_qp(ch->rdma_cm_id);
	ch->qp = NULL;
}

/* rdma_cm moves the QP to INIT and RTR itself (rdma_accept()). */
static int srpt_rdma_cm_modify_qp(struct srpt_rdma_ch *ch,
				  enum ib_qp_state state)
{
	return 0;
}

static void srpt_rdma_cm_notify_established(struct srpt_rdma_ch *ch)
{
	rdma_notify(ch->rdma_cm_id, IB_EVENT_COMM_EST);
}

static void srpt_rdma_cm_disconnect(struct srpt_rdma_ch *ch)
{
	rdma_disconnect(ch->rdma_cm_id);
}

static void srpt_rdma_cm_destroy(struct srpt_rdma_ch *ch, bool cm_owns_id)
{
	if (ch->qp)
		srpt_rdma_cm_destroy_qp(ch);
	if (!cm_owns_id)
		rdma_destroy_id(ch->rdma_cm_id);
}

static const struct srpt_cm_ops srpt_rdma_cm_ops = {
	.name			= "RDMA/CM",
	.create_qp		= srpt_rdma_cm_create_qp,
	.destroy_qp		= srpt_rdma_cm_destroy_qp,
	.modify_qp		= srpt_rdma_cm_modify_qp,
	.notify_established	= srpt_rdma_cm_notify_established,
	.disconnect		= srpt_rdma_cm_disconnect,
	.destroy		= srpt_rdma_cm_destroy,
};

/*
 * The port a CONNECT_REQUEST arrived on. rdma_cm delivers them while our
 * ib_client is being removed from the device (rdma_cm's is removed after
 * ours), and ib_core returns our client data until after srpt_remove_one()
 * has dropped its last reference: look the device up on srpt_dev_list
 * instead, which it leaves under srpt_mutex before that. A channel's
 * device reference is therefore only taken under srpt_mutex from a device
 * on the list, which srpt_remove_one() waits for.
 * Context: srpt_mutex held.
 */
static struct srpt_port *srpt_rdma_cm_sport(struct rdma_cm_id *cm_id)
{
	struct srpt_device *sdev;

	lockdep_assert_held(&srpt_mutex);
	list_for_each_entry(sdev, &srpt_dev_list, node) {
		if (sdev->ib_dev != cm_id->device)
			continue;
		if (cm_id->port_num < 1 || cm_id->port_num > sdev->port_count)
			return NULL;
		return &sdev->ports[cm_id->port_num - 1];
	}
	return NULL;
}

/**
 * struct srpt_rdma_cm_login - a login over RDMA/CM
 * @login: what srpt_login_request() needs.
 * @cm_id: the CONNECT_REQUEST's new cm_id; its context is NULL until the
 *         login is accepted, then the channel.
 * @event: the CONNECT_REQUEST.
 */
struct srpt_rdma_cm_login {
	struct srpt_cm_login		login;
	struct rdma_cm_id		*cm_id;
	const struct rdma_cm_event	*event;
};

static struct srpt_rdma_cm_login *to_rdma_cm_login(struct srpt_cm_login *login)
{
	return container_of(login, struct srpt_rdma_cm_login, login);
}

static struct srpt_port *srpt_rdma_cm_login_port(struct srpt_cm_login *login)
{
	return srpt_rdma_cm_sport(to_rdma_cm_login(login)->cm_id);
}

static void srpt_rdma_cm_attach(struct srpt_cm_login *login,
				struct srpt_rdma_ch *ch)
{
	ch->cm = &srpt_rdma_cm_ops;
	ch->rdma_cm_id = to_rdma_cm_login(login)->cm_id;
	snprintf(ch->peer, sizeof(ch->peer), "%pISc", login->lg.src);
}

static int srpt_rdma_cm_accept(struct srpt_cm_login *login,
			       struct srpt_rdma_ch *ch)
{
	struct srpt_rdma_cm_login *req = to_rdma_cm_login(login);
	struct rdma_conn_param param = {};

	param.private_data = &login->lg.rsp;
	param.private_data_len = sizeof(login->lg.rsp);
	param.responder_resources = SRPT_RESPONDER_RESOURCES;
	param.initiator_depth =
		srpt_read_depth(ch->sdev,
				req->event->param.conn.initiator_depth);
	param.rnr_retry_count = 7;
	param.flow_control = 1;
	req->cm_id->context = ch;
	return rdma_accept(req->cm_id, &param);
}

static void srpt_rdma_cm_reject(struct srpt_cm_login *login)
{
	struct srp_login_rej rej;

	srpt_build_login_rej(&rej, &login->lg);
	rdma_reject(to_rdma_cm_login(login)->cm_id, &rej, sizeof(rej),
		    IB_CM_REJ_CONSUMER_DEFINED);
}

static const struct srpt_cm_login_ops srpt_rdma_cm_login_ops = {
	.name	= "RDMA/CM",
	.port	= srpt_rdma_cm_login_port,
	.attach	= srpt_rdma_cm_attach,
	.accept	= srpt_rdma_cm_accept,
	.reject	= srpt_rdma_cm_reject,
};

static int srpt_rdma_cm_req(struct rdma_cm_id *cm_id,
			    const struct rdma_cm_event *event)
{
	const struct srp_login_req_rdma *req = event->param.conn.private_data;
	struct srpt_rdma_cm_login rdma_login = {
		.login.ops = &srpt_rdma_cm_login_ops,
		.login.lg.rej_reason = SRP_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL,
		.cm_id = cm_id,
		.event = event,
	};
	struct srpt_cm_login *login = &rdma_login.login;

	if (!srpt_decode_login_req_rdma(&login->lg, req,
					event->param.conn.private_data_len)) {
		pr_info_ratelimited("RDMA/CM login from %pISc rejected: private data of %u bytes is not an SRP_LOGIN_REQ\n",
				    &cm_id->route.addr.dst_addr,
				    event->param.conn.private_data_len);
		return srpt_login_malformed(login);
	}
	login->lg.src = (struct sockaddr *)&cm_id->route.addr.dst_addr;
	return srpt_login_request(login);
}

static int srpt_rdma_cm_handler(struct rdma_cm_id *cm_id,
				struct rdma_cm_event *event)
{
	struct srpt_rdma_ch *ch = cm_id->context;

	switch (event->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return srpt_rdma_cm_req(cm_id, event);
	case RDMA_CM_EVENT_ESTABLISHED:
		srpt_ch_mark_live(ch, false);
		if (srpt_ch_disconnect_missed(ch))
			rdma_disconnect(cm_id);
		break;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_ADDR_CHANGE:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		if (ch)
			srpt_ch_close(ch);
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		/*
		 * Our ib_client is removed before rdma_cm's, so channels are
		 * gone by now; only the listener can see this.
		 */
		if (ch)
			srpt_ch_close(ch);
		break;
	default:
		break;
	}
	return 0;
}

static struct rdma_cm_id *srpt_rdma_cm_create_listener(u16 port)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(port),
	};
	struct rdma_cm_id *cm_id;
	int ret;

	cm_id = rdma_create_id(&init_net, srpt_rdma_cm_handler, NULL,
			       RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(cm_id))
		return cm_id;
	/* One listener on the IPv6 any-address also takes IPv4 logins. */
	ret = rdma_set_afonly(cm_id, 0);
	if (!ret)
		ret = rdma_bind_addr(cm_id, (struct sockaddr *)&addr);
	if (!ret)
		ret = rdma_listen(cm_id, 128);
	if (ret) {
		rdma_destroy_id(cm_id);
		return ERR_PTR(ret);
	}
	return cm_id;
}

/**
 * srpt_set_rdma_cm_port - change the RDMA/CM listener port
 * @port: new port, 0 to stop listening.
 *
 * Before the module is initialised (a module parameter) only records
 * @port. If the new listener cannot be created the old one stays.
 * srpt_rdma_cm_port is nonzero only while a listener on it runs, so that
 * login_info never advertises a port nobody listens on and writing the
 * port again retries a listener that failed.
 * Return: 0 or -EINVAL.
 */
int srpt_set_rdma_cm_port(u16 port)
{
	struct rdma_cm_id *old, *new = NULL;

	mutex_lock(&srpt_listen_mutex);
	if (!srpt_cm_running ||
	    (port == srpt_rdma_cm_port && (!port || srpt_rdma_listener))) {
		WRITE_ONCE(srpt_rdma_cm_port, port);
		mutex_unlock(&srpt_listen_mutex);
		return 0;
	}
	if (port) {
		new = srpt_rdma_cm_create_listener(port);
		if (IS_ERR(new)) {
			mutex_unlock(&srpt_listen_mutex);
			pr_warn("rdma_cm_port: cannot listen on port %u (%ld)\n",
				port, PTR_ERR(new));
			return -EINVAL;
		}
		pr_info("RDMA/CM: listening on port %u\n", port);
	}
	old = srpt_rdma_listener;
	srpt_rdma_listener = new;
	WRITE_ONCE(srpt_rdma_cm_port, port);
	mutex_unlock(&srpt_listen_mutex);
	if (old)
		rdma_destroy_id(old);
	return 0;
}

u16 srpt_get_rdma_cm_port(void)
{
	return READ_ONCE(srpt_rdma_cm_port);
}

/* Start the RDMA/CM listener configured before module init, if any. */
int srpt_cm_start(void)
{
	struct rdma_cm_id *cm_id = NULL;
	int ret = 0;

	mutex_lock(&srpt_listen_mutex);
	srpt_cm_running = true;
	if (srpt_rdma_cm_port) {
		cm_id = srpt_rdma_cm_create_listener(srpt_rdma_cm_port);
		if (IS_ERR(cm_id)) {
			ret = PTR_ERR(cm_id);
			pr_err("rdma_cm_port: cannot listen on port %u (%d); write the port to discovery_auth/rdma_cm_port to retry\n",
			       srpt_rdma_cm_port, ret);
			/* Nobody listens on it: do not advertise it. */
			WRITE_ONCE(srpt_rdma_cm_port, 0);
			cm_id = NULL;
		} else {
			pr_info("RDMA/CM: listening on port %u\n",
				srpt_rdma_cm_port);
		}
	}
	srpt_rdma_listener = cm_id;
	mutex_unlock(&srpt_listen_mutex);
	return ret;
}

void srpt_cm_stop(void)
{
	struct rdma_cm_id *cm_id;

	mutex_lock(&srpt_listen_mutex);
	srpt_cm_running = false;
	cm_id = srpt_rdma_listener;
	srpt_rdma_listener = NULL;
	mutex_unlock(&srpt_listen_mutex);
	if (cm_id)
		rdma_destroy_id(cm_id);
}
