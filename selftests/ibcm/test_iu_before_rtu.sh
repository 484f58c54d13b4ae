#!/bin/bash
# The first IU before the RTU.  The initiator's QP is in RTS once it has
# the REP, so it may send right away, before its RTU reaches the target.
# The target must never post a send on a QP that is not in RTS: it moves
# the QP to RTS before it sends the REP (as rdma_cm does on the passive
# side), so such an IU is answered at once, and the channel stays up when
# the RTU comes.
#   1. RTU delayed by 2 s, TEST UNIT READY sent at once: answered, no
#      "ib_post_send failed" in the target's log; after the RTU the channel
#      still works;
#   2. the same with a WRITE and a READ compared byte for byte.
#
# Before the fix (issue 18, part 2) srpt_recv_done() marked the channel
# live on the first IU and posted the response while the QP was RTR:
# "ib_post_send failed (-22)", the channel was closed and the IU never
# answered.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup

echo "# 1. TEST UNIT READY before a 2 s delayed RTU"
guest_dmesg_mark
ibcm_login 0 rtu_delay_ms=2000 || fail "login: $IBCM_RESULT"
t0=$(date +%s.%N)
ibcm tur timeout_ms=15000 || fail "TUR sent before the RTU was not answered: $IBCM_RESULT; target log: $(guest_dmesg_since_mark | grep ib_srpt | tail -n 5)"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# TUR answered after %.2f s\n", b - a }'
expect_no_dmesg 'ib_post_send failed' "target log"
wait_for 15 grep -q 'rtu_sent=1' "$IBCM_DIR/state" || fail "RTU not sent: $(cat "$IBCM_DIR/state")"
expect_dmesg 'ibcm_srp: ch0: RTU sent' "initiator log"
ibcm_ok tur
ibcm_ok logout

echo "# 2. WRITE and READ before a 2 s delayed RTU"
guest_dmesg_mark
ibcm_login 0 rtu_delay_ms=2000 || fail "login: $IBCM_RESULT"
ibcm write lba=64 blocks=8 pattern=0x77 timeout_ms=15000 ||
	fail "WRITE before the RTU: $IBCM_RESULT; target log: $(guest_dmesg_since_mark | grep ib_srpt | tail -n 5)"
ibcm_ok read lba=64 blocks=8 pattern=0x77
expect_no_dmesg 'ib_post_send failed' "target log"
wait_for 15 grep -q 'rtu_sent=1' "$IBCM_DIR/state" || fail "RTU not sent: $(cat "$IBCM_DIR/state")"
ibcm_ok read lba=64 blocks=8 pattern=0x77
ibcm_ok logout
ibcm_unload
srp_target_teardown || fail "teardown"
