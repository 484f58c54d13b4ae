#!/bin/bash
# test_rdma_cm_port: an RDMA/CM listener that cannot start at module load
# (rdma_cm_port=5555 while another listener holds the port) is reported,
# leaves discovery_auth/rdma_cm_port and the parameter at 0 (login_info
# says RDMA/CM is off, rather than advertising a port nobody listens on),
# and starts when the port is written once it is free.  Writing the port
# of the running listener again changes nothing.
#
# The port is held, and shown to be held by ib_srpt afterwards, by an
# RDMA/CM listener of the IB/CM test initiator (tools/ibcm-initiator,
# "rdma_listen").  Before the fix the parameter kept 5555 with no
# listener, and writing 5555 took the "unchanged" shortcut: success,
# nothing listening.
#
# Ours only: the in-tree ib_srpt has no rdma_cm_port parameter.
set -euo pipefail
source "$(dirname "$0")/common.sh"
srpt_ours_only "the in-tree ib_srpt has no rdma_cm_port module parameter"

CM_PORT=5555

srpt_rxe_up
ibcm_load
ibcm rdma_listen port=$CM_PORT || fail "the test initiator cannot hold port $CM_PORT: $IBCM_RESULT"

echo "# module loaded with rdma_cm_port=$CM_PORT while the port is held"
guest_dmesg_mark
srpt_load rdma_cm_port=$CM_PORT
cm=$SRPT_CFS/discovery_auth/rdma_cm_port
expect_dmesg "rdma_cm_port: cannot listen on port $CM_PORT" "listener failure logged"
expect_read "$SRPT_PARAMS/rdma_cm_port" 0 "rdma_cm_port parameter after the listener failed"
expect_read "$cm" 0 "discovery_auth/rdma_cm_port after the listener failed"
tport=$SRPT_CFS/$SRPT_PORT_GID_HEX
expect_mkdir_ok "$tport"
info=$(cat "$tport/srpt_discovery/login_info")
printf '%s\n' "$info" | sed 's/^/# login_info: /'
grep -q 'RDMA/CM: not listening' <<<"$info" || fail "login_info advertises a port nobody listens on"
# Still held: the write fails and changes nothing.
expect_write_fails "$cm" $CM_PORT
expect_read "$cm" 0 "rdma_cm_port after a failed write"

echo "# port free: writing it starts the listener"
ibcm rdma_unlisten || fail "rdma_unlisten: $IBCM_RESULT"
guest_dmesg_mark
expect_write_ok "$cm" $CM_PORT
expect_dmesg "RDMA/CM: listening on port $CM_PORT" "listener started"
expect_read "$cm" $CM_PORT
expect_read "$SRPT_PARAMS/rdma_cm_port" $CM_PORT
ip=$(ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
grep -q "dest=$ip:$CM_PORT\$" "$tport/srpt_discovery/login_info" ||
	fail "login_info has no RDMA/CM line for $ip:$CM_PORT: $(cat "$tport/srpt_discovery/login_info")"
# ib_srpt holds the port now.
! ibcm rdma_listen port=$CM_PORT || fail "port $CM_PORT is free although ib_srpt should listen on it"

echo "# the same port again: nothing changes"
guest_dmesg_mark
expect_write_ok "$cm" $CM_PORT
expect_read "$cm" $CM_PORT
! ibcm rdma_listen port=$CM_PORT || fail "port $CM_PORT is free after writing it again"
[ "$(guest_dmesg_since_mark | grep -c 'RDMA/CM: listening on port')" = 0 ] ||
	fail "writing the running listener's port replaced the listener"

expect_write_ok "$cm" 0
ibcm rdma_listen port=$CM_PORT || fail "port $CM_PORT still held after rdma_cm_port=0: $IBCM_RESULT"
ibcm_unload || fail "rmmod ibcm_srp"
srpt_cfs_clear || fail "configfs teardown"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_unload_srpt || fail "unload"
echo "ok: rdma_cm_port"
