# shellcheck shell=bash
# selftests/configfs/common.sh: setup for the configfs control-plane tests
# (and selftests/dm).  Source it right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/common.sh"
#
# It sources selftests/lib.sh (the tests' library: assertions, the dmesg
# window, timed writes, srpt_teardown, the exit trap, SRPT_IMPL), installs
# the exit trap, which also removes rxe0, and adds:
#   SRPT_PORT_GUID, SRPT_PORT_GID_HEX (after srpt_rxe_up)
#   srpt_rxe_up          guest_rxe_up + the port's GUID/GID names
#   srpt_load [PARAM=V]  guest_load_srpt "$SRPT_IMPL" + mkdir of the fabric dir
#   expect_write_bad PATH VALUE   EINVAL for ours, any error for intree
#   srpt_refcnt          ib_srpt's module reference count
#
# Assertions that hold only for our module are guarded by
# `[ "$SRPT_IMPL" = ours ]` in the tests, each with a comment saying why.

# shellcheck source=selftests/lib.sh
source "$SRPT_REPO/selftests/lib.sh"

# shellcheck disable=SC2034  # for the tests
CFS_TARGET=${SRPT_CFS%/*}

echo "# SRPT_IMPL=$SRPT_IMPL"

# These tests bring rxe0 up themselves; the exit trap removes it again.
_configfs_rxe_left() { [ -e /sys/class/infiniband/rxe0 ]; }
SRPT_TEARDOWN=(srpt_teardown --rxe-down)
SRPT_LEFTOVERS_HOOK=_configfs_rxe_left
trap srpt_exit_trap EXIT

# srpt_rxe_up: soft-RoCE rxe0 on eth0; sets the two names of its port 1:
#   SRPT_PORT_GUID     xxxx:xxxx:xxxx:xxxx, the low half of GID 0
#   SRPT_PORT_GID_HEX  0x + 32 hex digits, all of GID 0
srpt_rxe_up() {
	guest_rxe_up || fail "guest_rxe_up failed"
	# RXE_GID is fe80:0000:0000:0000:5054:00ff:fe12:3456
	SRPT_PORT_GUID=${RXE_GID:20}
	SRPT_PORT_GID_HEX=$RXE_GID_HEX
	[[ $SRPT_PORT_GUID =~ ^[0-9a-f]{4}(:[0-9a-f]{4}){3}$ ]] ||
		fail "cannot derive the port GUID from GID '$RXE_GID'"
	[[ $SRPT_PORT_GID_HEX =~ ^0x[0-9a-f]{32}$ ]] ||
		fail "unexpected RXE_GID_HEX '$SRPT_PORT_GID_HEX'"
}

# srpt_load [PARAM=VALUE...]: load the implementation under test and create
# the fabric directory (what rtslib does after modprobe).
srpt_load() {
	guest_load_srpt "$SRPT_IMPL" "$@" || fail "guest_load_srpt $SRPT_IMPL $* failed"
	[ -d "$SRPT_CFS" ] || mkdir "$SRPT_CFS" || fail "mkdir $SRPT_CFS failed"
	[ -d "$SRPT_CFS/discovery_auth" ] || fail "$SRPT_CFS/discovery_auth missing"
}

# expect_write_bad PATH VALUE: EINVAL for ours (its documented contract),
# any error for intree (which passes kstrto*'s -ERANGE through in places).
expect_write_bad() {
	if [ "$SRPT_IMPL" = ours ]; then
		expect_write_fails "$1" "$2"
	else
		expect_write_fails_any "$1" "$2"
	fi
}

# srpt_refcnt: ib_srpt's module reference count.
srpt_refcnt() {
	cat /sys/module/ib_srpt/refcnt
}
