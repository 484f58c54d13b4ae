#!/bin/bash
# The first IU before the RTU.  The initiator's QP is in RTS once it has
# the REP, so it may send right away; the target's QP is still in RTR until
# the RTU arrives.  The target must not post a send on a QP that is not in
# RTS: it has to hold such IUs until the channel is live (the RTU, or the
# first receive as IB_CM_USER_ESTABLISHED) and answer them then.
#   1. RTU delayed by 2 s, TEST UNIT READY sent at once: answered, after
#      the RTU, with no "ib_post_send failed" in the target's log;
#   2. the same with a WRITE and a READ compared byte for byte.
#
# EXPECTED TO FAIL on the driver as of this test's writing (issue 18, part
# 2): srpt_recv_done() marks the channel live on the first IU and posts the
# response while the QP is RTR: "ib_post_send failed (-22)", the channel is
# closed and the IU is never answered.  The driver's owner fixes that.
# selftest-timeout: 600
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup

echo "# 1. TEST UNIT READY before a 2 s delayed RTU"
srp_dmesg_mark
ibcm_login 0 rtu_delay_ms=2000 || fail "login: $IBCM_RESULT"
t0=$(date +%s.%N)
ibcm tur timeout_ms=15000 || fail "TUR sent before the RTU was not answered: $IBCM_RESULT; target log: $(srp_dmesg_since_mark | grep ib_srpt | tail -n 5)"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# TUR answered after %.2f s\n", b - a }'
srp_expect_dmesg 'ibcm_srp: ch0: RTU sent' "initiator log"
srp_expect_no_dmesg 'ib_post_send failed' "target log"
grep -q 'rtu_sent=1' "$IBCM_DIR/state" || fail "RTU not sent: $(cat "$IBCM_DIR/state")"
ibcm_ok tur
ibcm_ok logout

echo "# 2. WRITE and READ before a 2 s delayed RTU"
srp_dmesg_mark
ibcm_login 0 rtu_delay_ms=2000 || fail "login: $IBCM_RESULT"
ibcm write lba=64 blocks=8 pattern=0x77 timeout_ms=15000 ||
	fail "WRITE before the RTU: $IBCM_RESULT; target log: $(srp_dmesg_since_mark | grep ib_srpt | tail -n 5)"
ibcm_ok read lba=64 blocks=8 pattern=0x77
srp_expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_ok logout
ibcm_unload
srp_target_teardown || fail "teardown"
