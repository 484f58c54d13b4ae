#!/bin/bash
# selftests/run.sh: the in-guest test runner.  Run it through the guest:
#
#   tools/vm/run-guest.sh selftests/run.sh                  # every test
#   tools/vm/run-guest.sh selftests/run.sh harness          # one directory
#   tools/vm/run-guest.sh selftests/run.sh test_guest_sanity 'harness/test_*load*'
#
# Runs every executable selftests/*/test_*.sh (or those matching the
# arguments: a directory, a path relative to selftests/, or a file name, with
# or without .sh, globs allowed) in sorted order, each as its own process with
# a timeout, and prints TAP version 13; a copy goes to $RESULTS/tap.txt and
# each test's output to $RESULTS/tests/<dir>_<test>.log.
#
# The tests are the executable test_*.sh files of the groups (each group's
# Makefile lists them as TEST_PROGS; tools/check-selftests.sh, a host check
# of tools/test.sh, keeps the two in step).  A test's timeout is its own
# "# selftest-timeout: SECS" line if it has one, else the timeout=SECS of
# its group's settings file (kselftest style), else SELFTEST_TIMEOUT.
#
# A test exits 0 to pass, 4 to skip (use `skip MSG` from tools/guest/lib.sh),
# anything else to fail.  A test also fails if the kernel log shows a splat
# (tools/guest/splat-patterns) while it ran.  The last lines are
# "N passed, M failed" and, if any, "K skipped".
#
# Exit status: 0 only if no test failed and none was skipped: a skip is not a
# pass.  SELFTEST_ALLOW_SKIP=1 lets skips through (failures still fail).
#
# Environment (run-guest.sh passes SELFTEST_* through from the host):
#   SELFTEST_TIMEOUT=SECS   timeout of a test whose group has no settings
#                           file and that sets none itself (default 600)
#   SELFTEST_TIMEOUT_SCALE=N  multiply every test's timeout, and the waits of
#                           tools/guest/lib.sh's wait_for, by N (default 1;
#                           the debug-kernel lane's kernel is ~15x slower)
#   SELFTEST_ALLOW_SKIP=1   see above
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SRPT_REPO=${SRPT_REPO:-$(cd "$HERE/.." && pwd)}
# lib.sh refuses to run anywhere but in the guest.
source "$SRPT_REPO/tools/guest/lib.sh"
export RESULTS=${RESULTS:-/results}
DEFAULT_TIMEOUT=${SELFTEST_TIMEOUT:-600}

# matches REL PATTERN...: REL (dir/test_x.sh) is selected by the patterns.
matches() {
	local rel=$1 base=${1##*/} pat
	shift
	[ $# -eq 0 ] && return 0
	for pat in "$@"; do
		pat=${pat#selftests/}
		# shellcheck disable=SC2053  # the patterns are globs on purpose
		[[ $rel == $pat || $rel == $pat.sh || $base == $pat || $base == $pat.sh ||
			$rel == ${pat%/}/* ]] && return 0
	done
	return 1
}

# list_tests [PATTERN...]: relative paths of the selected tests, sorted.
# A group with a file DEBUG-KERNEL-ONLY (it needs the debug-kernel lane's
# kernel, e.g. for fault injection) runs only when a pattern names it.
list_tests() {
	local rel
	(cd "$HERE" && printf '%s\n' */test_*.sh) | LC_ALL=C sort | while read -r rel; do
		[ -f "$HERE/$rel" ] && [ -x "$HERE/$rel" ] || continue
		if [ $# -eq 0 ] && [ -e "$HERE/${rel%%/*}/DEBUG-KERNEL-ONLY" ]; then
			continue
		fi
		matches "$rel" "$@" && echo "$rel"
	done
}

# test_timeout PATH: the test's timeout in seconds, scaled: its own
# "# selftest-timeout:" line, else its group's settings (timeout=SECS), else
# DEFAULT_TIMEOUT.
test_timeout() {
	local t settings
	settings=$(dirname "$1")/settings
	t=$(sed -n 's/^# selftest-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	if [ -z "$t" ] && [ -f "$settings" ]; then
		t=$(sed -n 's/^timeout=\([0-9][0-9]*\) *$/\1/p' "$settings" | tail -n 1)
	fi
	guest_scale_timeout "${t:-$DEFAULT_TIMEOUT}"
}

# run_in_session LOG LIMIT CMD...: run CMD in its own session under timeout,
# its output to LOG and, as "# " lines, to stdout; kill what it leaves running
# in its session (a leftover background process would hold the output pipe
# open).  Returns CMD's status (124 or 137: timed out).
run_in_session() {
	local log=$1 limit=$2 fifo reader sid rc=0
	shift 2
	fifo=$(mktemp -u /tmp/selftest-out.XXXXXX)
	mkfifo "$fifo"
	tee "$log" <"$fifo" | sed -u 's/^/# /' &
	reader=$!
	setsid timeout --kill-after=10 "$limit" "$@" </dev/null >"$fifo" 2>&1 &
	sid=$!
	wait "$sid" || rc=$?
	pkill -KILL -s "$sid" 2>/dev/null || true
	wait "$reader" || true
	rm -f "$fifo"
	return "$rc"
}

# run_test NUM REL: run one test, print its output as "# " lines and its
# TAP result line; sets RESULT to pass|fail|skip.
run_test() {
	local num=$1 rel=$2 name=${2%.sh} limit log skipfile rc=0 reason splat
	limit=$(test_timeout "$HERE/$rel")
	log=$RESULTS/tests/${name//\//_}.log
	skipfile=$(mktemp)
	guest_dmesg_mark
	echo "# ---- $name (timeout ${limit}s)"
	(cd "$SRPT_REPO" && export SELFTEST_NAME=$name SELFTEST_SKIP_FILE=$skipfile &&
		run_in_session "$log" "$limit" "$HERE/$rel") || rc=$?
	reason=$(head -n 1 "$skipfile")
	rm -f "$skipfile"
	if ! splat=$(guest_dmesg_check_since_mark); then
		printf '%s\n' "$splat" | tee -a "$log" | sed 's/^/# /'
		RESULT=fail
		echo "not ok $num - $name # kernel splat (exit $rc)"
		return
	fi
	case $rc in
	0) RESULT=pass; echo "ok $num - $name" ;;
	4) RESULT=skip; echo "ok $num - $name # SKIP ${reason:-no reason given}" ;;
	124|137) RESULT=fail; echo "not ok $num - $name # TIMEOUT after ${limit}s" ;;
	*) RESULT=fail; echo "not ok $num - $name # exit $rc" ;;
	esac
}

main() {
	local -a tests
	local rel num=0 passed=0 failed=0 skipped=0
	mapfile -t tests < <(list_tests "$@")
	if [ ${#tests[@]} -eq 0 ]; then
		echo "selftests/run.sh: no test matches: $*" >&2
		return 2
	fi
	mkdir -p "$RESULTS/tests"
	echo "TAP version 13"
	echo "1..${#tests[@]}"
	for rel in "${tests[@]}"; do
		num=$((num + 1))
		run_test "$num" "$rel"
		case $RESULT in
		pass) passed=$((passed + 1)) ;;
		skip) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	done
	echo "$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || echo "$skipped skipped"
	[ "$failed" -eq 0 ] || return 1
	if [ "$skipped" -ne 0 ] && [ "${SELFTEST_ALLOW_SKIP:-0}" != 1 ]; then
		echo "# skipped tests fail the run (SELFTEST_ALLOW_SKIP=1 allows them)"
		return 1
	fi
	return 0
}

mkdir -p "$RESULTS"
rc=0
main "$@" 2>&1 | tee "$RESULTS/tap.txt" || rc=${PIPESTATUS[0]}
exit "$rc"
