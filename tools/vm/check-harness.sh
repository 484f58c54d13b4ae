#!/bin/bash
# check-harness.sh: check that tools/vm/run-guest.sh reports what it must:
# a passing run passes, and a kernel warning, a failing script, a guest-side
# timeout and a guest crash each fail with their own status.  Five short
# boots (about a minute under TCG); tools/test.sh runs it before the
# guests, whose harness group checks the guest itself.
#
#   tools/vm/check-harness.sh [--kver RELEASE]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=$REPO/tools/vm/run-guest.sh
failures=0
KVER_ARGS=()
[ "${1:-}" != --kver ] || KVER_ARGS=(--kver "${2:?--kver RELEASE}")

# expect_status WANT DESCRIPTION RUN-GUEST-ARGS...
expect_status() {
	local want=$1 what=$2 got=0 log
	shift 2
	log=$(mktemp)
	"$RUN" ${KVER_ARGS[@]+"${KVER_ARGS[@]}"} "$@" >"$log" 2>&1 || got=$?
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
expect_status 0 "a passing script passes" --timeout 60 true
expect_status 1 "a kernel WARNING fails the run" \
	--timeout 60 bash -c "echo 'WARNING: test' >/dev/kmsg"
expect_status 3 "the script's status comes back" --timeout 60 bash -c 'exit 3'
expect_status 124 "a script over its timeout fails" --timeout 5 sleep 60
expect_status 125 "a guest crash fails" --timeout 60 bash -c 'echo c >/proc/sysrq-trigger'
[ "$failures" = 0 ] || { echo "check-harness: $failures failed"; exit 1; }
echo "check-harness: all passed"
