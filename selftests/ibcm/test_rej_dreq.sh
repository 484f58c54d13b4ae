#!/bin/bash
# The initiator ends a channel the abrupt ways, and the target must release
# it and stay healthy:
#   1. a REJ sent after the REP (instead of the RTU);
#   2. a DREQ while WRITEs are in flight (stress ... dreq_after=N): the
#      target answers the DREQ with a DREP and releases the channel with its
#      commands; the commands it never answered are flushed on our side.
# After each: "channel released", no channel in the ACL info, and a new
# login with a WRITE/READ compared byte for byte works.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
qps0=$(ibcm_qp_count)

healthy() {
	ibcm_login 0 || fail "$1: login afterwards: $IBCM_RESULT"
	ibcm_ok write lba=512 blocks=32 pattern=0x99
	ibcm_ok read lba=512 blocks=32 pattern=0x99
	ibcm_ok logout
	expect_eq "$(ibcm_qp_count)" "$qps0" "$1: QPs left"
}

echo "# 1. REJ after the REP"
guest_dmesg_mark
ibcm_login 0 rtu=never || fail "login: $IBCM_RESULT"
ibcm_ok rej
wait_for 20 dmesg_count_ge 'ib_srpt: .*: channel released' 1 ||
	fail "REJ after REP: the target did not release the channel; log: $(guest_dmesg_since_mark | tail -n 8)"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "REJ after REP: channels"
healthy "REJ after REP"

echo "# 2. DREQ during I/O"
guest_dmesg_mark
ibcm_login 0 || fail "login: $IBCM_RESULT"
ibcm_ok stress count=100000 depth=16 blocks=16 dreq_after=200
[[ $IBCM_RESULT =~ dreq=1\ drep=1 ]] || fail "DREQ during I/O: the target did not answer the DREQ: $IBCM_RESULT"
[[ $IBCM_RESULT =~ bad_status=0 ]] || fail "DREQ during I/O: $IBCM_RESULT"
[[ $IBCM_RESULT =~ in_flight_at_dreq=[1-9] ]] || fail "DREQ during I/O: no command was in flight at the DREQ: $IBCM_RESULT"
ibcm_ok close
wait_for 20 dmesg_count_ge 'ib_srpt: .*: channel released' 1 ||
	fail "DREQ during I/O: no 'channel released'; log: $(guest_dmesg_since_mark | tail -n 8)"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "DREQ during I/O: channels"
healthy "DREQ during I/O"
expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_unload
srp_target_teardown || fail "teardown"
