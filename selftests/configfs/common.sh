# shellcheck shell=bash
# selftests/configfs/common.sh: shared setup for the configfs control-plane
# tests.  Source it right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/common.sh"
#
# It sources tools/guest/lib.sh (which refuses to run outside the guest) and
# adds:
#   SRPT_IMPL            ours|intree (env, default ours): which ib_srpt to test
#   SRPT_CFS, SRPT_PORT_GUID, SRPT_PORT_GID_HEX (after srpt_rxe_up)
#   srpt_rxe_up          guest_rxe_up + the port's GUID/GID names
#   srpt_load [PARAM=V]  guest_load_srpt "$SRPT_IMPL" + mkdir of the fabric dir
#   srpt_cfs_clear       remove every srpt object below the fabric dir
#   srpt_teardown        best-effort full cleanup; installed as the EXIT trap
#   expect_mkdir_ok DIR, expect_mkdir_fails DIR [ERRNO_TEXT]
#   expect_write_fails_any PATH VALUE   like expect_write_fails, any errno
#   expect_dmesg_since_mark EXTENDED_REGEX [MSG]
#
# Assertions that hold only for our module are guarded by
# `[ "$SRPT_IMPL" = ours ]` in the tests, each with a comment saying why.

source "$SRPT_REPO/tools/guest/lib.sh"

SRPT_IMPL=${SRPT_IMPL:-ours}
case $SRPT_IMPL in
ours|intree) ;;
*) fail "SRPT_IMPL must be ours or intree, not '$SRPT_IMPL'" ;;
esac
export SRPT_IMPL

CFS_TARGET=/sys/kernel/config/target
SRPT_CFS=$CFS_TARGET/srpt
SRPT_PARAMS=/sys/module/ib_srpt/parameters

echo "# SRPT_IMPL=$SRPT_IMPL"

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

# srpt_cfs_clear: remove every srpt object below $SRPT_CFS (see
# guest_srpt_cfs_clear).
srpt_cfs_clear() {
	guest_srpt_cfs_clear "$SRPT_CFS"
}

# srpt_teardown: undo whatever a test left behind, so that a failing test
# does not break the next one.  Quiet when there is nothing to do.
srpt_teardown() {
	set +e
	if [ -d "$SRPT_CFS" ]; then
		echo 0 >"$SRPT_CFS/discovery_auth/rdma_cm_port" 2>/dev/null
		srpt_cfs_clear
		rmdir "$SRPT_CFS"
	fi
	guest_bs_cleanup
	[ -d /sys/module/ib_srpt ] && guest_unload_srpt
	guest_rxe_down
	return 0
}

# srpt_exit_trap: run srpt_teardown on exit, keeping the test's status.
srpt_exit_trap() {
	local rc=$?
	srpt_teardown >/dev/null 2>&1
	exit "$rc"
}
trap srpt_exit_trap EXIT

# expect_mkdir_ok DIR
expect_mkdir_ok() {
	local err
	err=$(mkdir "$1" 2>&1) || fail "mkdir $1 failed: ${err##*: }"
	[ -d "$1" ] || fail "mkdir $1 succeeded but it is not a directory"
}

# expect_mkdir_fails DIR [ERRNO_TEXT]: mkdir must fail (with ERRNO_TEXT, e.g.
# "Invalid argument", if given) and, if DIR did not exist, leave none behind.
expect_mkdir_fails() {
	local err existed=0
	[ -e "$1" ] && existed=1
	if err=$(mkdir "$1" 2>&1); then
		fail "mkdir $1 succeeded; expected it to fail${2:+ with $2}"
	fi
	if [ -n "${2:-}" ] && [[ $err != *"$2"* ]]; then
		fail "mkdir $1 failed with '${err##*: }'; expected '$2'"
	fi
	[ "$existed" = 1 ] || [ ! -e "$1" ] || fail "failed mkdir $1 left it behind"
}

# expect_write_fails_any PATH VALUE: the write must fail (any errno) and the
# value must stay.  For the in-tree driver, whose errno is not always EINVAL.
expect_write_fails_any() {
	local before after
	before=$(cat "$1") || fail "cannot read $1"
	if { printf '%s\n' "$2" >"$1"; } 2>/dev/null; then
		fail "writing '$2' to $1 succeeded; expected it to fail"
	fi
	after=$(cat "$1") || fail "cannot read $1 after the failed write"
	[ "$before" == "$after" ] ||
		fail "failed write of '$2' changed $1 from '$before' to '$after'"
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

# expect_read PATH WANT [MSG]
expect_read() {
	local got
	got=$(cat "$1") || fail "cannot read $1"
	expect_eq "$got" "$2" "${3:-$1}"
}

# dmesg_since_mark: kernel log after the last guest_dmesg_mark.
dmesg_since_mark() {
	dmesg | awk -v m="$GUEST_DMESG_MARK" 'seen { print } index($0, m) { seen = 1 }'
}

# expect_dmesg_since_mark ERE [MSG]: a kernel log line after the last
# guest_dmesg_mark matches the extended regex ERE (waits up to 10 s).
expect_dmesg_since_mark() {
	wait_for 10 _dmesg_has "$1" ||
		fail "${2:-kernel log}: no line matching /$1/ since the mark; got: $(dmesg_since_mark | tail -n 5)"
}

_dmesg_has() {
	# Not grep -q: with pipefail an early exit could fail the writer.
	dmesg_since_mark | grep -E -- "$1" >/dev/null
}

# srpt_refcnt: ib_srpt's module reference count.
srpt_refcnt() {
	cat /sys/module/ib_srpt/refcnt
}
