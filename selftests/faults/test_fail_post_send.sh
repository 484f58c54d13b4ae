#!/bin/bash
# Fault injection into the send queue (debug-kernel lane only):
# fail_function makes srpt_post_send(), the ib_post_send() of every RDMA
# transfer chain and SRP_RSP, fail with -EIO, once per round, while fio
# writes with verify (a device that refuses a work request). The target
# must park the refused chain, close the channel before it lets go of
# ch->lock (srpt_sq_start_locked()), finish the parked command after the
# drain and release the channel; ib_srp reconnects, every write it
# acknowledged reads back intact, new I/O verifies, and (run.sh,
# debug-lane.sh) no KASAN report, splat or leak appears. The injection
# must really have happened: fail_function counts it.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/../srp/lib-srp.sh"

# shellcheck source=selftests/faults/lib-faults.sh
source "$(dirname "$0")/lib-faults.sh"

BG_DIR=/tmp/srp-fail-post-bg

# Channels die with commands in flight: see srp_initiator_no_reg.
srp_initiator_no_reg || fail "loading ib_srp with register_always=0"
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
grep -qw srpt_post_send "$FF/injectable" ||
	fail "srpt_post_send is not in $FF/injectable"
dev=$(srp_login) || fail "login"
# Reconnect every 2 s, fail I/O after 5 s, give up on the port after 60 s.
srp_set_rport_tmo 2 5 60 || fail "cannot shorten the SRP timers"

for round in 1 2; do
	guest_dmesg_mark
	srp_bg_fio_start "$BG_DIR" "$dev" --offset="$(((round - 1) * 16))M" --size=16M \
		--bs=4k --iodepth=16 --rate_iops=400 || fail "$round: cannot start the background fio"
	sleep 3
	inject_fn srpt_post_send 5 100 1
	wait_for 30 dmesg_count_ge 'ib_srpt: .*channel released' 1 ||
		fail "$round: no channel released after the refused post; last lines: $(guest_dmesg_since_mark | tail -n 8)"
	inject_off
	expect_dmesg 'ib_srpt: .*ib_post_send failed \(-5\)' "$round: target logged the refused post"
	expect_dmesg 'ib_srpt: .*closing channel' "$round: target closed the channel"
	n=$(injected)
	echo "# $round: $n injected failure(s)"
	[ "$n" = 1 ] || fail "$round: fail_function injected $n failures into srpt_post_send, not 1"
	# The remote port may still read "running" before ib_srp noticed the
	# disconnect: wait for its reconnect instead.
	wait_for 40 dmesg_count_ge 'ib_srp: reconnect succeeded' 1 ||
		fail "$round: ib_srp did not reconnect (state $(srp_rport_state))"
	srp_rport_is running || fail "$round: remote port $(srp_rport_state) after the reconnect"
	# fio may or may not have seen an error, depending on whether the
	# initiator failed or retried the commands of the closed channel.
	srp_bg_wait 90 || fail "$round: background fio still running 90 s later (hung?)"
	echo "# $round: background fio exit $SRP_BG_RC"
	srp_fio_check_written "$BG_DIR" "$dev" ||
		fail "$round: acknowledged writes lost or corrupted"
done
srp_fio_verify "$dev" --rw=randwrite --bs=8k --iodepth=16 --size=4M ||
	fail "I/O after the refused posts"
srp_logout_all || fail "logout"
srp_target_teardown || fail "teardown (a channel, command or session leaked?)"
srp_initiator_defaults || fail "loading ib_srp with its defaults again"
