#!/bin/bash
# check-harness.sh: check that tools/vm/run-guest.sh reports what it must:
# a passing run passes, and a kernel warning, a failing script, a guest-side
# timeout and a guest crash each fail with their own status.  Six short
# boots (about 1.5 min under TCG).
#
#   tools/vm/check-harness.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$REPO/tools/vm/run-guest.sh
failures=0

# expect_status WANT DESCRIPTION RUN-GUEST-ARGS...
expect_status() {
	local want=$1 what=$2 got=0 log
	shift 2
	log=$(mktemp)
	"$RUN" "$@" >"$log" 2>&1 || got=$?
	if [ "$got" = "$want" ]; then
		echo "ok: $what (status $got)"
	else
		echo "FAIL: $what: status $got, want $want; last output:"
		tail -n 20 "$log" | sed 's/^/    /'
		failures=$((failures + 1))
	fi
	rm -f "$log"
}

cd "$REPO"
expect_status 0 "harness selftests pass" --timeout 300 selftests/run.sh harness
expect_status 0 "a passing script passes" --timeout 60 true
expect_status 1 "a kernel WARNING fails the run" \
	--timeout 60 bash -c "echo 'WARNING: test' >/dev/kmsg"
expect_status 3 "the script's status comes back" --timeout 60 bash -c 'exit 3'
expect_status 124 "a script over its timeout fails" --timeout 5 sleep 60
expect_status 125 "a guest crash fails" --timeout 60 bash -c 'echo c >/proc/sysrq-trigger'
[ "$failures" = 0 ] || { echo "check-harness: $failures failed"; exit 1; }
echo "check-harness: all passed"
