#!/bin/bash
# A REP that is never answered: the initiator moves its QP to RTS but sends
# no RTU.  With cm_timeout=18 (1.07 s) and cm_retries=2 in the REQ, the
# target's CM gives up on its REP after about 3 s (IB_CM_REP_ERROR);
# the target must then release the channel and its QP and cm_id: "channel
# released" in its log, no channel in the ACL info, its QP gone from
# `rdma resource show qp`, a new login works, and `rmmod ib_srpt` works
# afterwards (the teardown checks the module's refcount).
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
qps0=$(ibcm_qp_count)
guest_dmesg_mark

# The target's REP must still be waiting when its QP is counted below
# (with 268 ms, cm_timeout 16, a 6.12 guest sharing the machine's two
# cores counted after the REP had timed out): on a kernel
# SELFTEST_TIMEOUT_SCALE times slower (the debug lane) the CM timeout
# doubles once per factor of two (6: 8.6 s, three sends).
cm_timeout=18
for ((s = ${SELFTEST_TIMEOUT_SCALE:-1}; s > 1; s = (s + 1) / 2)); do
	cm_timeout=$((cm_timeout + 1))
done
ibcm_login 0 rtu=never cm_timeout=$cm_timeout cm_retries=2 || fail "login: $IBCM_RESULT"
[[ $IBCM_RESULT == *"rtu=never"* ]] || fail "login: $IBCM_RESULT"
# Ours and the target's.
expect_eq "$(ibcm_qp_count)" $((qps0 + 2)) "QPs while the REP is unanswered"
wait_for 30 dmesg_count_ge 'ib_srpt: .*: channel released' 1 ||
	fail "the target did not release the channel of an unanswered REP within 30 s; log: $(guest_dmesg_since_mark | tail -n 8)"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "IB/CM channels after the REP timed out"
# Only our QP is left.
wait_for 10 test "$(ibcm_qp_count)" -eq $((qps0 + 1)) ||
	fail "QPs after the release: $(ibcm_qp_count), want $((qps0 + 1)): $(rdma resource show qp)"
ibcm_ok close ch=0
expect_eq "$(ibcm_qp_count)" "$qps0" "QPs after closing ours"

# The target is healthy: a normal login and I/O.
ibcm_login 0 || fail "login after the timeout: $IBCM_RESULT"
ibcm_ok tur
ibcm_ok write lba=8 blocks=8 pattern=0x42
ibcm_ok read lba=8 blocks=8 pattern=0x42
ibcm_ok logout
wait_for 10 dmesg_count_ge 'ib_srpt: .*: channel released' 2 || fail "no release after the logout"
expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_unload
srp_target_teardown || fail "teardown: rmmod ib_srpt after an unanswered REP"
