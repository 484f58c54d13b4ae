#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's test command (and all that .ci/run does): build with W=1 and
# warnings as errors, run the static checks, then boot the test guest and
# run every selftest in it. Prints TAP; the last line is "N passed, M failed"
# over the host checks and the guest tests together. Installs missing Debian
# packages first when run as root.
#
#   tools/test.sh                 everything
#   tools/test.sh configfs srp    only these selftest groups/tests in the guest
#   SRPT_CHECK_SERIES=1 tools/test.sh   also check the in-tree patch series
#
# Exit status 0 only if every check and test passed (a skip is not a pass).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
results=build/test-results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$results"

# check NAME CMD...: one host-side check as a TAP line; output to a log.
check() {
	local name=$1 log
	shift
	log=$results/${name// /_}.log
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok - host: $name"
	else
		failed=$((failed + 1))
		echo "not ok - host: $name"
		sed 's/^/# /' "$log" | tail -n 40
	fi
}

if [ "$(id -u)" = 0 ]; then
	tools/deps.sh || { echo "not ok - host: install dependencies"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "TAP version 13"
echo "# host checks (logs in $results)"
check "build (W=1, -Werror)" make -j2
check "sparse (C=2)" make sparse
check "checkpatch --strict" make checkpatch
check "kernel-doc" make kerneldoc
check "srp-initiator build (-Werror)" make -C tools/srp-initiator
check "blktests build" tools/blktests.sh --prebuild
check "dm-query tool (-Werror)" make -C tools/dm-query
# The IB/CM test initiator (a kernel module for the guest, selftests/ibcm).
check "ibcm-initiator module (W=1, -Werror)" make -C tools/ibcm-initiator
check "ibcm-initiator checkpatch --strict" make -C tools/ibcm-initiator checkpatch
check "coccicheck (kernel coccinelle scripts)" make coccicheck
# The DKMS package, built here for selftests/packaging/test_dkms.sh to
# install in the guest (a DKMS build under TCG takes about 8 minutes).
check "dkms build (host, scratch trees)" tools/dkms-build.sh
# The in-tree series in a kernel tree: about 2 minutes with the tree cached
# under build/, 7.5 more (and 1.7 GB) to set that up: only when asked for.
if [ "${SRPT_CHECK_SERIES:-0}" = 1 ]; then
	check "patch series (git am + W=1 build per patch)" make patch-series-check
fi

echo "# guest selftests"
guest_results=$(pwd)/$results/guest
if [ $failed -eq 0 ]; then
	tools/vm/run-guest.sh --timeout "${SELFTEST_TOTAL_TIMEOUT:-3600}" \
		--results "$guest_results" selftests/run.sh "$@"
	guest_rc=$?
else
	echo "# not booting the guest: the build or a static check failed"
	guest_rc=1
fi

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$guest_results/tap.txt" 2>/dev/null | tail -n 1)
if [ -n "$summary" ]; then
	passed=$((passed + ${summary%% passed*}))
	g_failed=${summary#*passed, }
	failed=$((failed + ${g_failed%% failed}))
fi
skipped=$(grep -E '^[0-9]+ skipped$' "$guest_results/tap.txt" 2>/dev/null | tail -n 1)
# The guest itself failing (splat, timeout, crash) is a failure of its own.
if [ $guest_rc -ne 0 ] && { [ -z "$summary" ] || [ "${g_failed%% failed}" = 0 ]; } &&
	[ -z "$skipped" ]; then
	echo "not ok - guest run (run-guest.sh exit $guest_rc, see $guest_results)"
	failed=$((failed + 1))
fi
echo
[ -n "$skipped" ] && echo "$skipped (not counted as passed)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ -z "$skipped" ] && [ $guest_rc -eq 0 ]
