#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/guest/debug-lane.sh GROUP...: the in-guest half of tools/debug-lane.sh.
# Runs in the guest booted on the debug kernel (tools/debug-kernel/):
#
#   1. checks that the kernel really has KASAN, lockdep and kmemleak;
#   2. scans for and forgets the leaks that exist before any test;
#   3. runs selftests/run.sh GROUP... (each test fails on a kernel splat);
#   4. unloads ib_srpt, scans for leaks twice and keeps the report; a leak
#      whose allocation backtrace has a frame in our ib_srpt fails the run.
#
# Results, next to run.sh's tap.txt and tests/ in $RESULTS:
#   kmemleak.txt         every leak kmemleak reported after the tests
#   kmemleak-ib_srpt.txt the leaks attributed to our ib_srpt (fail the run)
#   ib_srpt-loads.txt    where each load of ib_srpt was mapped ("BASE SIZE
#                        ours|intree"; kmemleak prints frames of an unloaded
#                        module as bare addresses)
#   lsmod.txt            modules loaded after the tests
#   lockdep_stats.txt    /proc/lockdep_stats after the tests
#
# Exit status: 0 if the tests passed and no leak points into ib_srpt.
set -uo pipefail

# shellcheck source=tools/guest/lib.sh
source "$SRPT_REPO/tools/guest/lib.sh"
RESULTS=${RESULTS:-/results}
KMEMLEAK=/sys/kernel/debug/kmemleak
rc=0

lane() { echo "# debug-lane: $*"; }
lane_fail() { echo "not ok - debug-lane: $*"; rc=1; }

# check_debug_kernel: this kernel has the checks the lane relies on.
check_debug_kernel() {
	[[ $(uname -r) == *-srpt-debug ]] || { lane_fail "booted $(uname -r), not the debug kernel"; return 1; }
	# Not `dmesg | grep -q`: with pipefail, grep leaving at the first match
	# can kill dmesg with SIGPIPE and fail the check (it did, once).
	grep -q 'KernelAddressSanitizer initialized' <(dmesg) || { lane_fail "KASAN is not active"; return 1; }
	[ -r /proc/lockdep_stats ] || { lane_fail "no /proc/lockdep_stats: lockdep is not built in"; return 1; }
	grep -Eq 'debug_locks: +1' /proc/lockdep_stats || { lane_fail "lockdep is already off after boot"; return 1; }
	[ -w "$KMEMLEAK" ] || { lane_fail "no $KMEMLEAK: kmemleak is not built in"; return 1; }
	lane "$(uname -r): KASAN, lockdep and kmemleak active"
}

# kmemleak_scan: two scans a few seconds apart (kmemleak reports an object
# only once its contents did not change between two scans).
kmemleak_scan() {
	echo scan >"$KMEMLEAK" && sleep 5 && echo scan >"$KMEMLEAK"
}

# in_ours_range ADDR: ADDR (hex) lies in a recorded load of our ib_srpt.
in_ours_range() {
	local addr=$1 base size which
	[ -r "$GUEST_SRPT_LOADS" ] || return 1
	while read -r base size which; do
		[ "$which" = ours ] || continue
		(((addr) >= (base) && (addr) < (base) + size)) && return 0
	done <"$GUEST_SRPT_LOADS"
	return 1
}

# leak_is_ours RECORD: the leak's backtrace has a frame in our ib_srpt, by
# symbol ("[ib_srpt]", module still loaded) or by address (unloaded).
leak_is_ours() {
	local line frame
	# A frame: "[<%pK>] %pS"; %pK may be hashed, %pS is a symbol or, when
	# no loaded module covers the address, the bare address.
	while read -r line; do
		[[ $line =~ ^\[\<[0-9a-f]+\>\]\ (.*)$ ]] || continue
		frame=${BASH_REMATCH[1]}
		if [[ $frame == *"[ib_srpt]"* ]]; then
			# Still loaded: ours is the one tainted O (out of tree).
			[[ $(cat /sys/module/ib_srpt/taint 2>/dev/null) != *O* ]] || return 0
		elif [[ $frame =~ ^0x[0-9a-f]+$ ]] && in_ours_range "$frame"; then
			return 0
		fi
	done <<<"$1"
	return 1
}

# check_leaks: after unloading ib_srpt, scan and sort the leaks.
check_leaks() {
	local record n=0 ours=0
	if [ -d /sys/module/ib_srpt ]; then
		[ ! -d /sys/kernel/config/target/srpt ] || rmdir /sys/kernel/config/target/srpt
		guest_unload_srpt || lane_fail "cannot unload ib_srpt after the tests"
	fi
	cp "$GUEST_SRPT_LOADS" "$RESULTS/ib_srpt-loads.txt" 2>/dev/null || true
	lane "kmemleak: scanning twice (slow under KASAN and TCG)"
	kmemleak_scan || { lane_fail "kmemleak scan failed (kmemleak disabled itself? see dmesg)"; return; }
	cat "$KMEMLEAK" >"$RESULTS/kmemleak.txt" || { lane_fail "cannot read $KMEMLEAK"; return; }
	: >"$RESULTS/kmemleak-ib_srpt.txt"
	# One record per "unreferenced object" paragraph.
	while IFS= read -r -d $'\x1e' record; do
		[ -n "${record//[$'\n' ]/}" ] || continue
		n=$((n + 1))
		if leak_is_ours "$record"; then
			ours=$((ours + 1))
			printf '%s\n' "$record" >>"$RESULTS/kmemleak-ib_srpt.txt"
		fi
	done < <(sed 's/^unreferenced object/\x1e&/' "$RESULTS/kmemleak.txt"; printf '\x1e')
	lane "kmemleak: $n leak(s) after the tests, $ours in our ib_srpt"
	if [ "$ours" -gt 0 ]; then
		sed 's/^/# /' "$RESULTS/kmemleak-ib_srpt.txt"
		lane_fail "kmemleak: $ours leak(s) allocated by our ib_srpt (kmemleak-ib_srpt.txt)"
	fi
}

check_lockdep() {
	cp /proc/lockdep_stats "$RESULTS/lockdep_stats.txt"
	grep -Eq 'debug_locks: +1' /proc/lockdep_stats ||
		lane_fail "lockdep turned itself off during the tests (its splat is in dmesg.log)"
}

main() {
	check_debug_kernel || return 1
	# Leaks from boot are not ours: report only what appears from now on.
	lane "kmemleak: scanning the boot state, then clear"
	{ kmemleak_scan && echo clear >"$KMEMLEAK"; } || lane_fail "kmemleak scan before the tests failed"
	"$SRPT_REPO/selftests/run.sh" "$@" || rc=1
	lsmod >"$RESULTS/lsmod.txt"
	check_leaks
	check_lockdep
	lane "done: $([ "$rc" = 0 ] && echo pass || echo FAIL)"
	return "$rc"
}

main "$@"
