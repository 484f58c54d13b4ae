#!/bin/bash
# Fault injection into the I/O path (debug-kernel lane only): fail_function
# makes srpt_init_rw(), which maps a command's data for RDMA, fail with
# -ENOMEM (memory or a DMA mapping) and then -EAGAIN (an empty MR pool) on
# one call in five while fio writes and reads back with crc32c verify
# (test_fail_rw_indirect does the same with several data descriptors per
# command). Both are queue-full retries for target_core:
# every command must complete with its data intact, no channel may close,
# and (run.sh, debug-lane.sh) no KASAN report, splat or leak may appear.
# The injection must really have happened: fail_function counts it.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/../srp/lib-srp.sh"

# shellcheck source=selftests/faults/lib-faults.sh
source "$(dirname "$0")/lib-faults.sh"

srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
grep -qw srpt_init_rw "$FF/injectable" ||
	fail "srpt_init_rw is not in $FF/injectable"
dev=$(srp_login "ch_count=2") || fail "login"
host=$(_srp_hosts | head -n 1)
req_lim0=$(cat "$host/req_lim")

# rxe_retry_counters: rxe0's transport retry counters (initiator and target
# share the device), "name=value ...". Debug-lane run 16 once saw the
# initiator's QP fail a fast-registration work request ("rxe_reg_fast_mr:
# mr->lkey = ... not free") with nothing logged by the target before it:
# after a transport retry (ACK timeout or RNR NAK) rxe's requester walks
# the send queue again from its oldest unacknowledged WQE and executes
# local work requests (REG_MR) already done once (req_retry() skips them,
# req_next_wqe() does not).  These counters tell whether a retry happened.
rxe_retry_counters() {
	local c out=
	for c in completer_retry_err rcvd_rnr_err send_rnr_err rcvd_seq_err \
		duplicate_request out_of_seq_request retry_exceeded_err; do
		out+="$c=$(cat "/sys/class/infiniband/rxe0/ports/1/hw_counters/$c" 2>/dev/null || echo '?') "
	done
	echo "${out% }"
}

for err in 12 11; do
	guest_dmesg_mark
	echo "# rxe0 before -$err: $(rxe_retry_counters)"
	inject_on "$err"
	rc=0
	srp_fio_verify "$dev" --rw=randrw --bs=4k --iodepth=32 --size=16M || rc=4
	[ "$rc" != 0 ] ||
		srp_fio_verify "$dev" --rw=randrw --bs=128k --iodepth=16 --size=32M || rc=128
	inject_off
	echo "# rxe0 after -$err:  $(rxe_retry_counters)"
	[ "$rc" = 0 ] ||
		fail "$rc KiB randrw with verify while srpt_init_rw fails with -$err"
	n=$(injected)
	echo "# -$err: $n injected failures"
	[ "$n" -gt 0 ] || fail "fail_function injected nothing into srpt_init_rw"
	expect_no_dmesg "failing the command|closing channel|ib_post_send failed" \
		"target log while srpt_init_rw failed with -$err"
done
sleep 1
expect_eq "$(cat "$host/req_lim")" "$req_lim0" "initiator req_lim after the injected failures"
srp_logout_all || fail "logout"

srp_target_teardown || fail "teardown"
