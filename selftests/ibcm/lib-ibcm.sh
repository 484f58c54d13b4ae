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
#   ibcm CMD...            one command to the initiator's debugfs ctl file;
#                          prints and sets IBCM_RESULT; status 0 if "ok ..."
#   ibcm_ok CMD...         the same, failing the test unless it is "ok"
#   ibcm_err ERE CMD...    the command must fail with a result matching ERE
#   ibcm_login [CH] [OPTS...]   login ch=CH (default 0) id=IBCM_ID guid=IBCM_GUID
#   ibcm_acl_info          the ACL's configfs info file
#   ibcm_acl_channels KIND number of channels of that kind (IB/CM, RDMA/CM)
#   ibcm_qp_count          QPs on rxe0 (rdma resource show qp)
#
# The EXIT trap (lib-srp.sh) frees every channel of ours and unloads the
# module before it tears the target down.

# shellcheck source=selftests/srp/lib-srp.sh
source "$SRPT_REPO/selftests/srp/lib-srp.sh"

# The debug-kernel lane builds it against its kernel (SRPT_IBCM_KO).
IBCM_KO=${SRPT_IBCM_KO:-${IBCM_KO:-$SRPT_REPO/tools/ibcm-initiator/ibcm_srp.ko}}
IBCM_DIR=/sys/kernel/debug/ibcm_srp
IBCM_CTL=$IBCM_DIR/ctl
# No command of the module blocks longer than about 40 s.
IBCM_CMD_TIMEOUT=$(guest_scale_timeout 120)

[ "$SRPT_IMPL" = ours ] || fail "selftests/ibcm test our ib_srpt only (SRPT_IMPL=$SRPT_IMPL)"

ibcm_load() {
	[ -d /sys/module/ibcm_srp ] && return 0
	[ -f "$IBCM_KO" ] || fail "$IBCM_KO is not built (make -C tools/ibcm-initiator on the host)"
	modprobe -a ib_core ib_cm rdma_cm || fail "modprobe ib_cm rdma_cm failed"
	insmod "$IBCM_KO" || fail "insmod $IBCM_KO failed"
	[ -w "$IBCM_CTL" ] || fail "no $IBCM_CTL (is debugfs mounted?)"
	grep -q '^device rxe0$' "$IBCM_DIR/state" || fail "ibcm_srp did not find rxe0: $(cat "$IBCM_DIR/state")"
}

ibcm_unload() {
	[ -d /sys/module/ibcm_srp ] || return 0
	printf 'reset\n' >"$IBCM_CTL" 2>/dev/null
	rmmod ibcm_srp
}

ibcm() {
	local rc=0
	# shellcheck disable=SC2016  # $1 $2 expand in the inner bash
	timeout -k 10 "$IBCM_CMD_TIMEOUT" bash -c 'printf "%s\n" "$1" >"$2"' _ "$*" "$IBCM_CTL" \
		2>/dev/null || rc=1
	IBCM_RESULT=$(cat "$IBCM_CTL")
	echo "# ibcm: $* -> $IBCM_RESULT"
	[ "$rc" = 0 ] && [[ $IBCM_RESULT == ok* ]]
}

ibcm_ok() {
	ibcm "$@" || fail "'$*' failed: $IBCM_RESULT"
}

ibcm_err() {
	local ere=$1
	shift
	! ibcm "$@" || fail "'$*' succeeded, expected a failure matching /$ere/"
	[[ $IBCM_RESULT =~ $ere ]] || fail "'$*': got '$IBCM_RESULT', expected /$ere/"
}

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

srp_test_cleanup() {
	ibcm_unload
	declare -F ibcm_test_cleanup >/dev/null && ibcm_test_cleanup
	return 0
}
