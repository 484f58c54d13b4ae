#!/bin/bash
# The target's REP grants no RDMA READ responder resources: SRP moves data
# only with RDMA the target initiates.  Its QP must agree with the REP,
# although IB/CM derives the QP's responder side from the REQ, whose
# INITIATOR DEPTH ib_srp sets to 4: no remote READ access at INIT and
# max_dest_rd_atomic 0 at RTR.
#
# The initiator logs in with read_depth=4 (INITIATOR DEPTH 4 in the REQ,
# and max_rd_atomic 4 on its own QP whatever the REP says), checks that the
# channel works, then sends one RDMA READ with a key the target never gave
# out.  soft-RoCE's responder checks the QP's access flags and responder
# resources before the key: a QP that serves no READ answers "invalid
# request" (IB_WC_REM_INV_REQ_ERR), one that does fails on the key
# ("remote access error", what the target's QP answered before the fix).
# Either way both QPs are in the error state then.  soft-RoCE (6.1) raises
# no QP event for that: the target must learn it from its receives flushing
# while the channel is live (srpt_recv_done()) and release the channel by
# itself, not wait for the initiator; and a new login must work.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
qps0=$(ibcm_qp_count)

guest_dmesg_mark
ibcm_login 0 read_depth=4 || fail "login with read_depth=4: $IBCM_RESULT"
ibcm_ok tur
ibcm_ok write lba=16 blocks=8 pattern=0x3c
ibcm_ok read lba=16 blocks=8 pattern=0x3c
ibcm_ok rdma_read rkey=0
[[ $IBCM_RESULT == *"status=remote invalid request error"* ]] ||
	fail "the target's QP took an RDMA READ its REP did not allow (a QP that serves READs fails on the key: remote access error): $IBCM_RESULT"
wait_for 20 dmesg_count_ge 'ib_srpt: .*: channel released' 1 ||
	fail "the target did not release the channel whose QP went to error; log: $(guest_dmesg_since_mark | grep ib_srpt | tail -n 6)"
expect_dmesg 'ib_srpt: .*receive flushed on a live channel' "the target's reason"
ibcm_ok close ch=0
expect_eq "$(ibcm_qp_count)" "$qps0" "QPs left"

# A login without read_depth (the REQ's INITIATOR DEPTH 0) is unchanged.
ibcm_login 0 || fail "login afterwards: $IBCM_RESULT"
ibcm_ok read lba=16 blocks=8 pattern=0x3c
ibcm_ok logout
expect_no_dmesg 'ib_post_send failed' "target log"
ibcm_unload
srp_target_teardown || fail "teardown"
