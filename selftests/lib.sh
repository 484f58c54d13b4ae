# shellcheck shell=bash
# selftests/lib.sh: the one library of the guest selftests.  Every test
# sources it, directly or through its group's library (selftests/*/lib-*.sh,
# selftests/configfs/common.sh), right after `set -euo pipefail`:
#
#   source "$SRPT_REPO/selftests/lib.sh"
#
# It sources tools/guest/lib.sh (the guest primitives that the tools under
# tools/guest share: it refuses to run outside the guest; fail, skip,
# wait_for, soft-RoCE, module loading, backstores, guest_dmesg_mark and
# guest_dmesg_since_mark) and adds what only the tests need.  Sourcing it
# changes nothing in the guest; a group library installs the exit trap.
#
# Which ib_srpt (checked when sourced):
#   SRPT_IMPL              ours|intree (env, default ours); anything else fails
#   srpt_ours_only REASON  skip the test unless SRPT_IMPL=ours
#
# The dmesg window: from the last guest_dmesg_mark to now.
#   dmesg_count ERE        lines of the window matching ERE
#   dmesg_count_ge ERE N   at least N of them (for wait_for)
#   expect_dmesg ERE [MSG]     such a line appears (waits up to 10 s)
#   expect_no_dmesg ERE [MSG]  no such line
#
# Timed configfs and sysfs operations (a write or rmdir may block in the
# kernel; each gets SRPT_OP_TIMEOUT, 60 s times SELFTEST_TIMEOUT_SCALE):
#   srpt_timed_write LIMIT PATH VALUE   the write alone; error on stderr
#   srpt_write PATH VALUE [LIMIT]       the same, "error: ..." on failure
#   srpt_op CMD...         CMD under the time limit ("error: CMD failed")
#   srpt_rmdir DIR         srpt_rm_links DIR (every symlink in DIR)
#   srpt_cfs_clear         remove every srpt object below $SRPT_CFS
#
# The configuration the end-to-end tests start from (lib-srp.sh, hostile):
#   srpt_tpg_setup TPG BACKSTORE ACL USE_SRQ ENABLE   a new target port
#                          and TPG, use_srq, lun_0 on BACKSTORE, ACL with
#                          lun_0 mapped, enable (1/0), the RDMA/CM port
#   srpt_acl_add TPG ACL   ACL with TPG's lun_0 mapped
#
# Teardown and the exit trap:
#   srpt_teardown [--keep-module] [--rxe-down]   remove the srpt configuration,
#                          the backstores and the module; 1 if anything failed
#   srpt_on_exit FUNC      run FUNC (once) from the exit trap, before the
#                          teardown, in the order registered
#   srpt_exit_trap         the EXIT trap a group library installs:
#                          `trap srpt_exit_trap EXIT`
#   srpt_clean_start       tear down what an earlier test left behind
#   SRPT_TEARDOWN          the teardown command (array) of the trap and of
#                          srpt_clean_start (default: srpt_teardown)
#   SRPT_LEFTOVERS_HOOK    a function saying the group has more to tear down
#
# Assertions (they end the test; fail and skip are in tools/guest/lib.sh):
#   expect_eq GOT WANT [MSG]         expect_read PATH WANT [MSG]
#   expect_write_ok PATH VALUE       expect_write_fails PATH VALUE (EINVAL)
#   expect_write_fails_any PATH VALUE   any errno
#   expect_mkdir_ok DIR              expect_mkdir_fails DIR [ERRNO_TEXT]
#
# The IB/CM test initiator (tools/ibcm-initiator/ibcm_srp.ko; build it on the
# host: make -C tools/ibcm-initiator, tools/test.sh does):
#   ibcm_load              insmod it (once); it is unloaded on exit
#   ibcm_unload            free its channels and listeners, rmmod it
#   ibcm CMD...            one command to its debugfs ctl file; prints and
#                          sets IBCM_RESULT; status 0 if "ok ..."
#   ibcm_ok CMD...         the same, failing the test unless it is "ok"
#   ibcm_err ERE CMD...    the command must fail with a result matching ERE
#
# A test may define srpt_test_cleanup: the exit trap calls it after the
# functions registered with srpt_on_exit, before the teardown.

# shellcheck source=tools/guest/lib.sh
source "$SRPT_REPO/tools/guest/lib.sh"

SRPT_IMPL=${SRPT_IMPL:-ours}
case $SRPT_IMPL in
ours|intree) ;;
*) fail "SRPT_IMPL must be ours or intree, not '$SRPT_IMPL'" ;;
esac
export SRPT_IMPL

SRPT_CFS=/sys/kernel/config/target/srpt
# shellcheck disable=SC2034  # for the tests
SRPT_PARAMS=/sys/module/ib_srpt/parameters
# The RDMA/CM port the tests' targets listen on.
# shellcheck disable=SC2034  # for the tests
SRPT_CM_PORT=5555
# Timeout for any single configfs/sysfs write or rmdir that could block.
SRPT_OP_TIMEOUT=${SRPT_OP_TIMEOUT:-$(guest_scale_timeout 60)}
SRPT_TEARDOWN=(srpt_teardown)
SRPT_LEFTOVERS_HOOK=
SRPT_EXIT_HOOKS=()

# The minimal guest has no /dev/fd (process substitution).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

# srpt_ours_only REASON: skip the test unless it tests our ib_srpt.
srpt_ours_only() {
	[ "$SRPT_IMPL" = ours ] || skip "$1"
}

# ---------------------------------------------------------------- assertions

expect_eq() {
	[ "$1" == "$2" ] || fail "${3:-expect_eq}: got '$1', want '$2'"
}

# expect_read PATH WANT [MSG]
expect_read() {
	local got
	got=$(cat "$1") || fail "cannot read $1"
	expect_eq "$got" "$2" "${3:-$1}"
}

# expect_write_ok PATH VALUE: writing VALUE (plus newline) must succeed.
expect_write_ok() {
	local err
	err=$( { printf '%s\n' "$2" >"$1"; } 2>&1) ||
		fail "writing '$2' to $1 failed: ${err##*: }"
}

# _expect_write_rejected PATH VALUE ERRNO_TEXT WANTED: the write must fail
# (with ERRNO_TEXT unless that is empty; WANTED says so in the message)
# and leave PATH reading as before.
_expect_write_rejected() {
	local before after err
	before=$(cat "$1") || fail "cannot read $1"
	if err=$( { printf '%s\n' "$2" >"$1"; } 2>&1); then
		fail "writing '$2' to $1 succeeded; expected $4"
	fi
	[ -z "$3" ] || [[ $err == *"$3"* ]] ||
		fail "writing '$2' to $1 failed with '${err##*: }'; expected $3"
	after=$(cat "$1") || fail "cannot read $1 after the failed write"
	[ "$before" == "$after" ] ||
		fail "failed write of '$2' changed $1 from '$before' to '$after'"
}

# expect_write_fails PATH VALUE: writing VALUE must fail with EINVAL and
# leave PATH reading as before.
expect_write_fails() {
	_expect_write_rejected "$1" "$2" "Invalid argument" EINVAL
}

# expect_write_fails_any PATH VALUE: the write must fail (any errno) and the
# value must stay.  For the in-tree driver, whose errno is not always EINVAL.
expect_write_fails_any() {
	_expect_write_rejected "$1" "$2" "" "it to fail"
}

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

# ---------------------------------------------------------------- dmesg

# dmesg_count ERE: number of kernel log lines since the mark matching ERE.
dmesg_count() {
	guest_dmesg_since_mark | grep -Ec -- "$1" || true
}

# dmesg_count_ge ERE N: at least N matching lines (for wait_for).
dmesg_count_ge() {
	[ "$(dmesg_count "$1")" -ge "$2" ]
}

_dmesg_has() {
	# Not grep -q: with pipefail an early exit could fail the writer.
	guest_dmesg_since_mark | grep -E -- "$1" >/dev/null
}

# expect_dmesg ERE [MSG]: a kernel log line since the mark matches ERE
# (waits up to 10 s).
expect_dmesg() {
	wait_for 10 _dmesg_has "$1" ||
		fail "${2:-kernel log}: no line matching /$1/ since the mark; last lines: $(guest_dmesg_since_mark | tail -n 8)"
}

# expect_no_dmesg ERE [MSG]: no kernel log line since the mark matches ERE.
expect_no_dmesg() {
	local hits
	hits=$(guest_dmesg_since_mark | grep -E -- "$1" | head -n 5) || true
	[ -z "$hits" ] || fail "${2:-kernel log}: unexpected lines matching /$1/: $hits"
}

# ---------------------------------------------------------------- timed operations

# srpt_timed_write LIMIT PATH VALUE: write VALUE and a newline to PATH, in
# a child killed after LIMIT s (the write may block in the kernel); the
# error goes to stderr; status 124 or 137 if it timed out.
srpt_timed_write() {
	# shellcheck disable=SC2016  # $1 $2 expand in the inner bash
	timeout -k 5 "$1" bash -c 'printf "%s\n" "$1" >"$2"' _ "$3" "$2"
}

# srpt_write PATH VALUE [LIMIT]: write VALUE to PATH under a timeout
# (default SRPT_OP_TIMEOUT); prints the error and returns 1 on failure.
srpt_write() {
	local err
	err=$(srpt_timed_write "${3:-$SRPT_OP_TIMEOUT}" "$1" "$2" 2>&1) || {
		guest_err "writing '$2' to $1 failed: ${err:-timeout}"
		return 1
	}
}

# srpt_op CMD...: a configfs operation under SRPT_OP_TIMEOUT (a release
# that hangs then fails the caller instead of the whole run).
srpt_op() {
	timeout -k 5 "$SRPT_OP_TIMEOUT" "$@" || { guest_err "$* failed"; return 1; }
}

srpt_rmdir() { srpt_op rmdir "$1"; }

# srpt_rm_links DIR: remove every symlink in DIR.
srpt_rm_links() {
	local l
	for l in "$1"/*; do
		[ -L "$l" ] || continue
		srpt_op rm "$l" || return 1
	done
	return 0
}

# srpt_cfs_clear: remove every object below the srpt fabric directory
# $SRPT_CFS in the order configfs requires: per TPG, disable it, then mapped
# LUNs and ACLs, LUNs, the TPG; then the target port.  $SRPT_CFS itself and
# discovery_auth stay.  Each step has SRPT_OP_TIMEOUT to finish.
# Returns 1 if anything could not be removed.
srpt_cfs_clear() {
	local port tpg dir rc=0
	[ -d "$SRPT_CFS" ] || return 0
	for port in "$SRPT_CFS"/*/; do
		port=${port%/}
		[ "${port##*/}" = discovery_auth ] && continue
		for tpg in "$port"/*/; do
			tpg=${tpg%/}
			[ -d "$tpg/lun" ] || continue	# fabric_statistics etc.
			srpt_timed_write "$SRPT_OP_TIMEOUT" "$tpg/enable" 0 ||
				{ guest_err "disabling $tpg failed"; rc=1; }
			for dir in "$tpg"/acls/*/lun_*/ "$tpg"/lun/lun_*/ "$tpg"/acls/*/; do
				[ -d "$dir" ] || continue
				dir=${dir%/}
				srpt_rm_links "$dir" || rc=1
				srpt_rmdir "$dir" || rc=1
			done
			srpt_rmdir "$tpg" || rc=1
		done
		srpt_rmdir "$port" || rc=1
	done
	return "$rc"
}

# ---------------------------------------------------------------- setup

# srpt_acl_add TPG ACL: ACL (an initiator name, see srpt.rst) in TPG, with
# the TPG's lun_0 mapped as its lun_0.
srpt_acl_add() {
	local acl=$1/acls/$2
	mkdir "$acl" || { guest_err "mkdir $acl failed"; return 1; }
	mkdir "$acl/lun_0" || { guest_err "mkdir $acl/lun_0 failed"; return 1; }
	ln -s "$1/lun/lun_0" "$acl/lun_0/mapped" || { guest_err "cannot map lun_0 in $acl"; return 1; }
}

# srpt_tpg_setup TPG BACKSTORE ACL USE_SRQ ENABLE: the target port and TPG
# directories (TPG is $SRPT_CFS/<port>/<tpg>; neither may exist), use_srq,
# lun_0 on the backstore directory BACKSTORE, srpt_acl_add TPG ACL, enable
# if ENABLE is 1, and the RDMA/CM listener on SRPT_CM_PORT.
srpt_tpg_setup() {
	local tpg=$1 bs=$2 acl=$3 srq=$4 enable=$5
	[ -d "$SRPT_CFS" ] || mkdir "$SRPT_CFS" || { guest_err "mkdir $SRPT_CFS failed"; return 1; }
	mkdir "${tpg%/*}" || { guest_err "mkdir ${tpg%/*} failed"; return 1; }
	mkdir "$tpg" || { guest_err "mkdir $tpg failed"; return 1; }
	srpt_write "$tpg/attrib/use_srq" "$srq" || return 1
	mkdir "$tpg/lun/lun_0" || { guest_err "mkdir $tpg/lun/lun_0 failed"; return 1; }
	ln -s "$bs" "$tpg/lun/lun_0/${bs##*/}" || { guest_err "cannot link $bs as lun_0"; return 1; }
	srpt_acl_add "$tpg" "$acl" || return 1
	if [ "$enable" = 1 ]; then
		srpt_write "$tpg/enable" 1 || return 1
	fi
	srpt_write "$SRPT_CFS/discovery_auth/rdma_cm_port" "$SRPT_CM_PORT"
}

# ---------------------------------------------------------------- teardown

# srpt_teardown [--keep-module] [--rxe-down]: remove the whole srpt
# configuration, the backstores, then (unless --keep-module) unload ib_srpt
# and (with --rxe-down) remove rxe0.  Everything must succeed: a leaked
# reference fails the caller.
srpt_teardown() {
	local keep=0 rxe_down=0 rc=0
	while [ $# -gt 0 ]; do
		case $1 in
		--keep-module) keep=1 ;;
		--rxe-down) rxe_down=1 ;;
		*) guest_err "srpt_teardown: unknown option $1"; return 1 ;;
		esac
		shift
	done
	if [ -d "$SRPT_CFS" ]; then
		srpt_cfs_clear || rc=1
		srpt_write "$SRPT_CFS/discovery_auth/rdma_cm_port" 0 || rc=1
		srpt_rmdir "$SRPT_CFS" || rc=1
	fi
	guest_bs_cleanup || rc=1
	if [ "$keep" = 0 ]; then
		guest_unload_srpt || rc=1
	fi
	if [ "$rxe_down" = 1 ]; then
		# shellcheck disable=SC2119  # rxe0
		guest_rxe_down || rc=1
	fi
	return "$rc"
}

# srpt_leftovers: something for the teardown to remove: ib_srpt, the srpt
# configfs directory, a backstore, or what the group's SRPT_LEFTOVERS_HOOK
# reports.
srpt_leftovers() {
	local hba
	[ -d /sys/module/ib_srpt ] || [ -d "$SRPT_CFS" ] && return 0
	for hba in "$TARGET_CORE"/*_[0-9]*; do
		[ -d "$hba" ] && return 0
	done
	[ -n "$SRPT_LEFTOVERS_HOOK" ] && "$SRPT_LEFTOVERS_HOOK"
}

# srpt_on_exit FUNC: have the exit trap call FUNC (once, however often it
# is registered), in the order registered.
srpt_on_exit() {
	[[ " ${SRPT_EXIT_HOOKS[*]} " == *" $1 "* ]] || SRPT_EXIT_HOOKS+=("$1")
}

# srpt_exit_trap: on any exit, call the registered functions and the test's
# srpt_test_cleanup, then undo the configuration so that the next test
# starts clean (quietly; again with its messages if that failed).  Keeps
# the test's exit status.
srpt_exit_trap() {
	local rc=$? f
	set +e
	for f in ${SRPT_EXIT_HOOKS[@]+"${SRPT_EXIT_HOOKS[@]}"}; do
		"$f"
	done
	declare -F srpt_test_cleanup >/dev/null && srpt_test_cleanup
	if srpt_leftovers; then
		[ "$rc" = 0 ] || echo "# cleaning up after failure (exit $rc)"
		"${SRPT_TEARDOWN[@]}" >/dev/null 2>&1 || "${SRPT_TEARDOWN[@]}"
	fi
	exit "$rc"
}

# srpt_clean_start: a test that died may have left its target behind; tear
# it down (with SRPT_TEARDOWN) or fail.
srpt_clean_start() {
	srpt_leftovers || return 0
	echo "# leftover target state from an earlier test; tearing it down"
	"${SRPT_TEARDOWN[@]}" || fail "cannot clean up the leftover target state"
}

# ---------------------------------------------------------------- IB/CM test initiator

# The debug-kernel lane builds it against its kernel (SRPT_IBCM_KO).
IBCM_KO=${SRPT_IBCM_KO:-${IBCM_KO:-$SRPT_REPO/tools/ibcm-initiator/ibcm_srp.ko}}
IBCM_DIR=/sys/kernel/debug/ibcm_srp
IBCM_CTL=$IBCM_DIR/ctl
# No command of the module blocks longer than about 40 s.
IBCM_CMD_TIMEOUT=$(guest_scale_timeout 120)

# ibcm_load: insmod the test initiator (rxe0 must be up); unloaded on exit.
ibcm_load() {
	srpt_on_exit ibcm_unload
	[ -d /sys/module/ibcm_srp ] && return 0
	[ -f "$IBCM_KO" ] || fail "$IBCM_KO is not built (make -C tools/ibcm-initiator on the host)"
	modprobe -a ib_core ib_cm rdma_cm || fail "modprobe ib_cm rdma_cm failed"
	insmod "$IBCM_KO" || fail "insmod $IBCM_KO failed"
	[ -w "$IBCM_CTL" ] || fail "no $IBCM_CTL (is debugfs mounted?)"
	grep -q '^device rxe0$' "$IBCM_DIR/state" || fail "ibcm_srp did not find rxe0: $(cat "$IBCM_DIR/state")"
}

# ibcm_unload: free every channel and listener of the test initiator and
# unload it.
ibcm_unload() {
	local c
	[ -d /sys/module/ibcm_srp ] || return 0
	for c in reset cm_unlisten rdma_unlisten; do
		printf '%s\n' "$c" >"$IBCM_CTL" 2>/dev/null || true
	done
	rmmod ibcm_srp
}

ibcm() {
	local rc=0
	srpt_timed_write "$IBCM_CMD_TIMEOUT" "$IBCM_CTL" "$*" 2>/dev/null || rc=1
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
