#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RDMA port events.  ib_srpt names a target port after an RDMA port's GID 0
# and rebinds its target ports on every port event (srpt_event_handler():
# PORT_ACTIVE, PORT_ERR, GID_CHANGE, ...).
#  a. Link down and up with a session logged in (rxe reports PORT_ERR and
#     PORT_ACTIVE): the target port stays bound to rxe0 (GID 0 is the
#     same), the session survives, the data written before reads back
#     intact and verified I/O on the same disk works.  Idle, not under
#     I/O: soft-RoCE puts a QP's requester in error for good when it cannot
#     route a packet (rxe_req.c, the err: path of rxe_requester()), and
#     that includes the GSI QP (QP1): one CM MAD sent while the link is
#     down (a DREQ after a command failed) ends all CM traffic on rxe0
#     until the device is added again, so no later test could log in.  A
#     flap under I/O needs a real HCA.
#  b. A GID change: eth0 gets another MAC address, so rxe's GID 0 (made
#     from it) changes and rxe reports GID_CHANGE.  The target port loses
#     its RDMA port ("its RDMA port is gone"), keeps its configuration, and
#     refuses logins; with the old address back it is bound again without
#     any configfs write and the data written before is intact.
# The RDMA resource counts after the teardown are those from before the
# setup.  Ours only: the in-tree driver does not rebind target ports.
set -euo pipefail
source "$(dirname "$0")/../srp/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt does not rebind target ports"

NETDEV=eth0
OTHER_MAC=52:54:00:5e:c0:01
ORIG_MAC=$(cat "/sys/class/net/$NETDEV/address")
# "default via 10.0.2.2 dev eth0": a link going down drops it.
ORIG_ROUTE=$(ip route show default dev "$NETDEV" | head -n 1)

# restore_netdev: eth0 up with its own address and default route, and
# rxe0's GID 0 back (after a failure too), for the tests that follow.
restore_netdev() {
	if [ "$(cat "/sys/class/net/$NETDEV/address")" != "$ORIG_MAC" ]; then
		ip link set "$NETDEV" down
		ip link set "$NETDEV" address "$ORIG_MAC"
	fi
	ip link set "$NETDEV" up
	[ -z "$ORIG_ROUTE" ] || ip route replace $ORIG_ROUTE
	wait_for 30 port_active && wait_for 30 gid0_is "$ORIG_GID" ||
		echo "# rxe0 is not back as it was: port $(cat "/sys/class/infiniband/$RXE_DEV/ports/1/state"), GID 0 $(gid0)" >&2
	return 0
}

gid0() { cat "/sys/class/infiniband/$RXE_DEV/ports/1/gids/0" 2>/dev/null; }
gid0_is() { [ "$(gid0)" = "$1" ]; }
# another_gid0 GID: GID 0 valid (not all zero) and not GID.
another_gid0() { _rxe_gid0_ready "$RXE_DEV" && ! gid0_is "$1"; }
port_active() { grep -q ACTIVE "/sys/class/infiniband/$RXE_DEV/ports/1/state"; }

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# RDMA resources before: $res_before"
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
ORIG_GID=$RXE_GID
srpt_on_exit restore_netdev
dev=$(srp_login ch_count=2) || fail "login"
head -c 16M /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
sum_before=$(sha256sum </tmp/pattern | cut -d' ' -f1)
srp_cfs_snapshot >/tmp/cfs.before

session=$(srp_acl_info | grep -E '^(LIO Session ID|CID): ')
expect_eq "$(grep -c '^CID: ' <<<"$session")" 2 "channels of the session"

echo "# a. $NETDEV down and up with the session idle"
guest_dmesg_mark
ip link set "$NETDEV" down || fail "ip link set $NETDEV down"
wait_for 10 eval '! port_active' || fail "$RXE_DEV port 1 still ACTIVE with $NETDEV down"
sleep 3
ip link set "$NETDEV" up || fail "ip link set $NETDEV up"
[ -z "$ORIG_ROUTE" ] || ip route replace $ORIG_ROUTE || fail "cannot restore '$ORIG_ROUTE'"
wait_for 30 port_active || fail "$RXE_DEV port 1 not ACTIVE again"
wait_for 30 gid0_is "$ORIG_GID" || fail "GID 0 is '$(gid0)', not '$ORIG_GID', after the flap"
# rxe's own lines for the PORT_ERR and PORT_ACTIVE it dispatched.
expect_dmesg "$RXE_DEV: set down" "rxe reported no port error"
expect_dmesg "$RXE_DEV: set active" "rxe reported no port activation"
sleep 2	# the rebind work the events queued
expect_no_dmesg 'its RDMA port is gone' "the target port was unbound although GID 0 stayed"
expect_eq "$(srp_rport_state)" running "the initiator's port after the flap"
# The same session and channels, not a reconnect.
expect_eq "$(srp_acl_info | grep -E '^(LIO Session ID|CID): ')" "$session" "session and channels after the flap"
sum_after=$(dd if="$dev" bs=1M count=16 iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect_eq "$sum_after" "$sum_before" "data written before the flap"
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M --offset=32M ||
	fail "I/O after the flap"
srp_logout_all || fail "logout"

echo "# b. GID 0 changes: $NETDEV address $ORIG_MAC -> $OTHER_MAC"
guest_dmesg_mark
ip link set "$NETDEV" down && ip link set "$NETDEV" address "$OTHER_MAC" &&
	ip link set "$NETDEV" up || fail "cannot change the address of $NETDEV"
wait_for 30 another_gid0 "$ORIG_GID" || fail "GID 0 is '$(gid0)' with the new address"
echo "# GID 0 is now $(gid0)"
wait_for 30 _dmesg_has "target port ${SRP_PORT##*/}: its RDMA port is gone" ||
	fail "the target port was not unbound when GID 0 changed"
srp_cfs_snapshot >/tmp/cfs.gone
diff -u /tmp/cfs.before /tmp/cfs.gone || fail "configfs changed while GID 0 was another"
guest_dmesg_mark
srp_login_expect_fail || fail "a login succeeded while the target port had no RDMA port"
expect_dmesg "rejected: no configfs target port for $RXE_DEV port 1" \
	"the login was not refused for want of a target port"
guest_dmesg_mark
ip link set "$NETDEV" down && ip link set "$NETDEV" address "$ORIG_MAC" &&
	ip link set "$NETDEV" up || fail "cannot restore the address of $NETDEV"
[ -z "$ORIG_ROUTE" ] || ip route replace $ORIG_ROUTE || fail "cannot restore '$ORIG_ROUTE'"
wait_for 30 gid0_is "$ORIG_GID" || fail "GID 0 is '$(gid0)', not '$ORIG_GID', with the address back"
wait_for 30 _dmesg_has "target port ${SRP_PORT##*/} is on $RXE_DEV port 1" ||
	fail "the target port was not bound again"
srp_cfs_snapshot >/tmp/cfs.after
diff -u /tmp/cfs.before /tmp/cfs.after || fail "configfs changed across the GID's return"
dev=$(srp_login ch_count=2) || fail "no login after GID 0 came back"
sum_after=$(dd if="$dev" bs=1M count=16 iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect_eq "$sum_after" "$sum_before" "data written before the port events"
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M || fail "I/O after the GID came back"
srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
