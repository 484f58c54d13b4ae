#!/bin/bash
# Tearing things down under I/O never hangs and leaves a usable target:
#   a. enable=0 on the TPG during fio: the target closes the session, the
#      initiator's I/O fails within the (shortened) fast_io_fail_tmo, and
#      after enable=1 ib_srp reconnects by itself and the same disk reads;
#   b. removing the initiator's ACL during fio: the removal completes, the
#      session ends, I/O fails; with the ACL back a fresh login works;
#   c. rmmod ib_srpt with an open session is refused and a concurrent fio
#      verify completes without error;
#   d. `rdma link delete rxe0` during fio: completes, the initiator's disk
#      goes away, fio ends; after `rdma link add` a fresh login works.  Ours
#      keeps the configfs target port and rebinds it to the new device; the
#      in-tree driver does not, so there the configuration is recreated.
# Every step has a hard time limit.  The background fio is expected to
# fail, but it verifies what it writes (crc32c, with a backlog), and in a,
# b and d (ours) every write it completed before the disruption is read
# back and checked after the reconnect or new login: the target must not
# lose a write it acknowledged.  Each scenario writes its own region.  The
# RDMA resource counts after the teardown are those from before the setup.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

BG_LOG=/tmp/srp-teardown-fio.log
BG_DIR=/tmp/srp-teardown-bg

# start_bg_io DEV OFFSET_MB: verified random writes to 16 MiB at OFFSET_MB
# in the background, paced to last at least 10 s (the disruption comes
# after 3 s), until they fail.
start_bg_io() {
	srp_bg_fio_start "$BG_DIR" "$1" --offset="$2M" --size=16M --bs=4k --iodepth=16 \
		--rate_iops=400 || fail "cannot start the background fio"
	sleep 3
	kill -0 "$SRP_BG_PID" 2>/dev/null || { cat "$BG_DIR/write.log"; fail "background fio ended early"; }
}

# bg_io_must_fail WHAT: the background fio ends (with an error) within 45 s.
bg_io_must_fail() {
	srp_bg_wait 45 || fail "$1: I/O still running 45 s later (hung?)"
	echo "# $1: background fio exit $SRP_BG_RC: $(grep -m1 -i 'error' "$BG_DIR/write.log" || true)"
	[ "$SRP_BG_RC" != 0 ] || fail "$1: fio did not see an error"
	! grep -Eq 'verify: bad|verify failed' "$BG_DIR/write.log" ||
		{ grep -E 'verify' "$BG_DIR/write.log" | head; fail "$1: the background fio read back bad data"; }
}

login_short_tmo() {
	dev=$(srp_login) || fail "$1: login"
	# reconnect every 2 s, fail I/O after 5 s, give up on the port after 60 s.
	srp_set_rport_tmo 2 5 60 || fail "$1: cannot shorten the SRP timers"
}

# Around ib_srp's use-after-free of flushed fast-registration completions
# (srp_initiator_no_reg in lib-srp.sh): the 4 KiB commands of this test
# post none.
srp_initiator_no_reg || fail "loading ib_srp with register_always=0"

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# RDMA resources before: $res_before"
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"

echo "# a. enable=0 during I/O"
srp_timer_start
login_short_tmo a
start_bg_io "$dev" 0
guest_dmesg_mark
timeout -k 5 30 sh -c "echo 0 >$SRP_TPG/enable" || fail "a: enable=0 did not complete within 30 s"
bg_io_must_fail a
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg 'ib_srpt: .*closing channel' "a: target closed the channels"
fi
echo "# a: remote port state $(srp_rport_state)"
echo 1 >"$SRP_TPG/enable" || fail "a: enable=1"
wait_for 40 srp_rport_is running ||
	fail "a: ib_srp did not reconnect after enable=1 (state $(srp_rport_state))"
expect_dmesg 'ib_srp: reconnect succeeded' "a: initiator reconnected"
srp_read_check "$dev" 4 || fail "a: reading $dev after the reconnect"
srp_fio_check_written "$BG_DIR" "$dev" || fail "a: acknowledged writes lost or corrupted"
srp_logout_all || fail "a: logout"
srp_timer_print a

echo "# b. ACL removal during I/O"
srp_timer_start
login_short_tmo b
start_bg_io "$dev" 16
guest_dmesg_mark
srp_acl_del "$SRP_INIT_ID" || fail "b: removing the ACL under I/O failed or hung"
bg_io_must_fail b
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg 'ib_srpt: .*closing channel' "b: target closed the channels"
fi
srp_logout_all || fail "b: logout"
srp_acl_add "$SRP_INIT_ID" || fail "b: re-adding the ACL"
dev=$(srp_login) || fail "b: login after re-adding the ACL"
srp_fio_check_written "$BG_DIR" "$dev" || fail "b: acknowledged writes lost or corrupted"
srp_fio_verify "$dev" --rw=randwrite --bs=8k --iodepth=16 --size=4M || fail "b: I/O after re-login"
srp_logout_all || fail "b: logout"
srp_timer_print b

echo "# c. rmmod with an open session"
srp_timer_start
dev=$(srp_login) || fail "c: login"
srp_bg_start "$BG_LOG" srp_fio_verify "$dev" --rw=randwrite --bs=16k --iodepth=16 --size=16M
sleep 2
if out=$(timeout -k 5 30 rmmod ib_srpt 2>&1); then
	fail "c: rmmod ib_srpt succeeded with a session open"
fi
echo "# c: rmmod refused: $out"
[[ $out == *"in use"* || $out == *"busy"* ]] || fail "c: rmmod failed, but not with 'in use': $out"
[ -d /sys/module/ib_srpt ] || fail "c: ib_srpt is gone"
srp_bg_wait 120 || fail "c: fio verify did not finish"
[ "$SRP_BG_RC" = 0 ] || { cat "$BG_LOG"; fail "c: fio verify failed (exit $SRP_BG_RC) after the refused rmmod"; }
srp_read_check "$dev" || fail "c: reading $dev"
srp_logout_all || fail "c: logout"
srp_timer_print c

echo "# d. rdma link delete during I/O"
srp_timer_start
login_short_tmo d
start_bg_io "$dev" 32
guest_dmesg_mark
timeout -k 5 60 rdma link delete "$RXE_DEV" || fail "d: rdma link delete $RXE_DEV failed or hung"
[ ! -e "/sys/class/infiniband/$RXE_DEV" ] || fail "d: $RXE_DEV still present"
wait_for 30 _srp_logged_out || fail "d: the SRP host/remote port did not go away with $RXE_DEV"
[ -z "$(srp_disks)" ] || fail "d: SRP disks left: $(srp_disks)"
bg_io_must_fail d
if [ "$SRPT_IMPL" = ours ]; then
	# Ours keeps the target port and its configuration.
	expect_dmesg 'ib_srpt: removed rxe0' "d: target released the device"
	expect_dmesg "ib_srpt: target port $RXE_GID_HEX: its RDMA port is gone" "d: port kept"
	[ -d "$SRP_TPG/acls/$SRP_INIT_ID" ] || fail "d: configuration lost"
else
	# The in-tree driver ties its configfs port to the device: recreate.
	srp_target_teardown --keep-module || fail "d: removing the in-tree configuration"
fi
timeout -k 5 60 rdma link add "$RXE_DEV" type rxe netdev eth0 || fail "d: rdma link add failed"
guest_rxe_up || fail "d: rxe did not come back"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "ib_srpt: target port $RXE_GID_HEX is on $RXE_DEV port 1" "d: port rebound"
else
	srp_target_setup --bs rd --bs-mb 64 || fail "d: setup again"
fi
dev=$(srp_login) || fail "d: login after re-adding $RXE_DEV"
if [ "$SRPT_IMPL" = ours ]; then
	# The same backstore: what was written before must still be there.
	srp_fio_check_written "$BG_DIR" "$dev" || fail "d: acknowledged writes lost or corrupted"
fi
srp_fio_verify "$dev" --rw=randwrite --bs=8k --iodepth=16 --size=4M || fail "d: I/O after re-adding $RXE_DEV"
srp_logout_all || fail "d: logout"
srp_timer_print d

srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
srp_initiator_defaults || fail "loading ib_srp with its defaults again"
