#!/bin/bash
# 20 IB/CM login / TEST UNIT READY / logout cycles, as many as
# srp/test_login_cycles makes over RDMA/CM: every login is accepted, every
# channel released, nothing accumulates (QPs, channels in the ACL info) and
# the module unloads at the end; a leak or wedge shows in the first few.
# SELFTEST_IBCM_CYCLES (env, passed into the guest) changes the count for a
# soak (about 2 s a cycle under TCG alone, 3.5 s with both kernels' guests
# at once: the test command's time is kept under its limit).
# selftest-timeout: 900
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

N=${SELFTEST_IBCM_CYCLES:-20}
ibcm_setup
qps0=$(ibcm_qp_count)
guest_dmesg_mark
srp_timer_start
for i in $(seq 1 $N); do
	ibcm_login 0 >/dev/null || fail "cycle $i: login: $IBCM_RESULT"
	ibcm tur >/dev/null || fail "cycle $i: tur: $IBCM_RESULT"
	ibcm logout >/dev/null || fail "cycle $i: logout: $IBCM_RESULT"
done
srp_timer_print "$N cycles"
wait_for 30 dmesg_count_ge 'ib_srpt: .*: channel released' $N ||
	fail "$(dmesg_count 'channel released') of $N channels released"
expect_eq "$(dmesg_count 'ib_srpt: .*: login accepted on ')" $N "logins accepted"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "IB/CM channels left"
expect_eq "$(ibcm_qp_count)" "$qps0" "QPs left"
expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_unload
srp_target_teardown || fail "teardown"
