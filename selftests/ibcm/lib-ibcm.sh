# shellcheck shell=bash
# selftests/ibcm/lib-ibcm.sh: helpers for the IB/CM login tests.  Our
# ib_srpt is the target (selftests/srp/lib-srp.sh sets it up on rxe0; it
# listens on IB/CM by itself, service id srpt_service_guid), and the test
# initiator is tools/ibcm-initiator/ibcm_srp.ko, which logs in through
# IB/CM with a RoCE v2 path record it builds itself (no SA on RoCE).  Build
# it on the host first (make -C tools/ibcm-initiator; tools/test.sh does).
# Source it right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/lib-ibcm.sh"
#
#   ibcm_setup [srp_target_setup OPTS]   target + ibcm_srp loaded; sets
#                          IBCM_GUID (0x<srpt_service_guid>) and IBCM_ID
#                          (the initiator port id the ACL admits)
#   ibcm, ibcm_ok, ibcm_err, ibcm_unload   see selftests/lib.sh
#   ibcm_login [CH] [OPTS...]   login ch=CH (default 0) id=IBCM_ID guid=IBCM_GUID
#   ibcm_acl_info          the ACL's configfs info file
#   ibcm_acl_channels KIND number of channels of that kind (IB/CM, RDMA/CM)
#   ibcm_qp_count          QPs on rxe0 (rdma resource show qp)
#
# The exit trap (selftests/lib.sh) frees every channel of ours and unloads
# the module (ibcm_unload) before the test's srpt_test_cleanup and before it
# tears the target down.

# shellcheck source=selftests/srp/lib-srp.sh
source "$SRPT_REPO/selftests/srp/lib-srp.sh"

[ "$SRPT_IMPL" = ours ] || fail "selftests/ibcm test our ib_srpt only (SRPT_IMPL=$SRPT_IMPL)"
# Also a module that an earlier test left loaded.
srpt_on_exit ibcm_unload

ibcm_login() {
	local ch=0
	if [[ ${1:-} =~ ^[0-9]+$ ]]; then
		ch=$1
		shift
	fi
	ibcm login "ch=$ch" "id=$IBCM_ID" "guid=$IBCM_GUID" "$@"
}

ibcm_acl_info() {
	cat "$SRP_TPG/acls/${IBCM_ACL:-$SRP_INIT_ID}/info"
}

# ibcm_acl_channels KIND: channels of that kind in the ACL info.
ibcm_acl_channels() {
	ibcm_acl_info | grep -c "Address .* $1\$" || true
}

ibcm_qp_count() {
	rdma resource show qp 2>/dev/null | grep -c "link $RXE_DEV/" || true
}

# shellcheck disable=SC2120  # options are for the tests
ibcm_setup() {
	local guid
	srp_target_setup --bs rd --bs-mb 16 "$@" || fail "target setup"
	ibcm_load
	guid=$(cat /sys/module/ib_srpt/parameters/srpt_service_guid) || fail "no srpt_service_guid"
	IBCM_GUID=0x${guid#0x}
	IBCM_ID=$SRP_INIT_ID
	echo "# service guid $IBCM_GUID, initiator port id $IBCM_ID"
}
