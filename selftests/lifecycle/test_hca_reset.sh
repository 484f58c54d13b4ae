#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Surviving an HCA reset, without and with an SRQ (use_srq 0, then 1):
# configure, log in, write data, then remove the RDMA device under I/O
# (rdma link delete rxe0) and add it back.  Nothing hangs, the configfs
# tree is unchanged, the target port serves logins again without any
# configfs write, and the data written before is intact: both a pattern
# written before the I/O started and every write the background fio
# (crc32c verify, with a backlog) completed before the device went away
# are read back and checked after the new login.  The RDMA resource counts
# after each teardown are those from before its setup.
# Ours only: the in-tree driver drops its ports with the device.
set -euo pipefail
source "$(dirname "$0")/../srp/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt does not rebind target ports"

# The removal kills the initiator's channel with the background fio's
# commands in flight: around ib_srp's use-after-free of flushed
# fast-registration completions (srp_initiator_no_reg in lib-srp.sh; 6.12
# CI hit it in srp_reconnect_work() as a call through a NULL pointer), its
# 4 KiB commands must post none.  The 1 MiB writes and reads before the
# removal and after the new login still register.
srp_initiator_no_reg || fail "loading ib_srp with register_always=0"

# reset_under_io SRQ: the whole check with attrib/use_srq=SRQ (with an SRQ,
# the device's shared receive queues go with it and come back with it).
reset_under_io() {
	local srq=$1 res_before dev sum_before sum_after rq

	echo "# use_srq=$srq"
	res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
	echo "# RDMA resources before: $res_before"
	srp_target_setup --bs rd --bs-mb 64 --srq "$srq"
	dev=$(srp_login)
	rq=$([ "$srq" = 1 ] && echo "shared receive queue" || echo "own receive ring")
	srp_acl_info | grep "$rq" >/dev/null || fail "use_srq=$srq: the channel has no $rq"
	head -c 16M /dev/urandom >/tmp/pattern
	dd if=/tmp/pattern of="$dev" bs=1M oflag=direct status=none
	sum_before=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	srp_cfs_snapshot >/tmp/cfs.before

	# Paced to last at least 10 s; never creates /dev/sdX as a file once the
	# disk is gone (allow_file_create=0).
	BG_DIR=/tmp/hca-reset-bg
	srp_bg_fio_start "$BG_DIR" "$dev" --offset=32M --size=16M --bs=4k --iodepth=16 --rate_iops=400 ||
		fail "cannot start the background fio"
	sleep 3
	kill -0 "$SRP_BG_PID" 2>/dev/null || { cat "$BG_DIR/write.log"; fail "background fio ended early"; }
	guest_dmesg_mark
	echo "# rdma link delete $RXE_DEV under I/O"
	timeout 120 rdma link delete "$RXE_DEV" || fail "rdma link delete hung or failed"
	expect_dmesg 'ib_srpt: removed rxe0' "device removal not seen by ib_srpt"
	expect_dmesg 'its RDMA port is gone' "target port was not unbound"
	srp_bg_wait 120 || fail "I/O hung after the device was removed"	# errors are fine
	echo "# background fio exit $SRP_BG_RC: $(grep -m1 -i 'error' "$BG_DIR/write.log" || true)"
	! grep -Eq 'verify: bad|verify failed' "$BG_DIR/write.log" ||
		{ grep -E 'verify' "$BG_DIR/write.log" | head; fail "the background fio read back bad data"; }
	srp_cfs_snapshot >/tmp/cfs.gone
	diff -u /tmp/cfs.before /tmp/cfs.gone || fail "configfs changed while the device was gone"

	echo "# rdma link add $RXE_DEV"
	timeout 60 rdma link add "$RXE_DEV" type rxe netdev eth0 || fail "rdma link add failed"
	expect_dmesg "target port ${SRP_PORT##*/} is on rxe0 port 1" "target port was not bound again"
	srp_cfs_snapshot >/tmp/cfs.after
	diff -u /tmp/cfs.before /tmp/cfs.after || fail "configfs changed across the device's return"

	# The initiator's SRP host went away with rxe0: clear its leftovers.
	srp_logout_all || true
	dev=$(srp_login) || fail "no login after the device came back"
	sum_after=$(dd if="$dev" bs=1M count=16 iflag=direct status=none | sha256sum | cut -d' ' -f1)
	expect_eq "$sum_after" "$sum_before" "data written before the reset"
	srp_fio_check_written "$BG_DIR" "$dev" || fail "writes acknowledged before the reset were lost or corrupted"
	srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M
	srp_target_teardown
	srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
}

for srq in 0 1; do
	reset_under_io "$srq"
done
srp_initiator_defaults || fail "loading ib_srp with its defaults again"
