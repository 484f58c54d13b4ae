#!/bin/bash
# A channel the target closes while its REP is unanswered (the cm_id in
# REP_SENT) can be neither disconnected nor rejected then: the REJ goes out
# when the release work destroys the cm_id, after every command of the
# channel is released.  If the initiator's RTU arrives in between, the
# connection is established for the initiator, and the target must end it
# with a DREQ at once, not when the release is over.
#
#   ch=0 logs in with rtu=never and sends a READ (nowait) that the backstore
#   holds (--bs hold: a suspended device-mapper device); a SINGLE login of
#   the same initiator port on ch=1 closes ch=0 (SRP_T_LOGOUT, reason 0x4);
#   then ch=0 sends its RTU: its DREQ must come within 10 s, while the READ
#   is still held (ch=0 not released).  Then the backstore lets the READ
#   run, ch=0 is released, ch=1 works, and nothing leaks.
#
# Before the fix the DREQ came only from ib_destroy_cm_id() at the end of
# the release, after the READ had completed.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

# The EXIT trap: a held READ would keep ch=0's release, and the teardown,
# waiting forever.
srpt_test_cleanup() { srp_release_io; }

ibcm_setup --bs hold --bs-mb 16
qps0=$(ibcm_qp_count)

ch0_state() { grep '^ch 0 ' "$IBCM_DIR/state" || true; }

guest_dmesg_mark
ibcm_login 0 rtu=never || fail "login ch=0: $IBCM_RESULT"
srp_hold_io
ibcm_ok read ch=0 lba=0 blocks=1 nowait
ibcm_login 1 flags=single || fail "SINGLE login ch=1: $IBCM_RESULT"
[[ $IBCM_RESULT == *"multichan=0x1"* ]] || fail "ch=1 did not terminate ch=0: $IBCM_RESULT"
wait_for 10 grep -q '^ch 0 .*t_logout=1 reason=0x4' "$IBCM_DIR/state" ||
	fail "no SRP_T_LOGOUT on ch=0: $(ch0_state)"
expect_dmesg 'ib_srpt: .*: closing channel' "ch=0 closing"
expect_eq "$(dmesg_count 'ib_srpt: .*: channel released')" 0 \
	"channels released before the RTU (the held READ should keep ch=0)"

t0=$(date +%s.%N)
ibcm_ok rtu ch=0
wait_for 10 grep -q '^ch 0 .*dreq_rcvd=1' "$IBCM_DIR/state" ||
	fail "no DREQ within 10 s of the RTU of a closed channel: $(ch0_state); target log: $(guest_dmesg_since_mark | grep ib_srpt | tail -n 6)"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# DREQ after the RTU: %.2f s\n", b - a }'
expect_eq "$(dmesg_count 'ib_srpt: .*: channel released')" 0 \
	"channels released when the DREQ came (it must precede the release)"

# The READ runs, then ch=0 goes.
srp_release_io || fail "dmsetup resume"
wait_for 60 dmesg_count_ge 'ib_srpt: .*: channel released' 1 ||
	fail "ch=0 was not released; target log: $(guest_dmesg_since_mark | grep ib_srpt | tail -n 8)"
ibcm_ok close ch=0
expect_eq "$(ibcm_acl_channels IB/CM)" 1 "IB/CM channels (ch=1)"
ibcm_ok tur ch=1
ibcm_ok readcap ch=1
ibcm_ok logout ch=1
wait_for 20 dmesg_count_ge 'ib_srpt: .*: channel released' 2 || fail "ch=1 was not released"
expect_eq "$(ibcm_qp_count)" "$qps0" "QPs left"
expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_unload
srp_target_teardown || fail "teardown"
