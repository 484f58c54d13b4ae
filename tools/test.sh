#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's test command (and all that .ci/run does), on each kernel we
# support: run the unit tests of the protocol code on the host (make unit),
# build ib_srpt and the IB/CM test initiator for every kernel of
# SRPT_TEST_KERNELS with W=1 and warnings as errors, run the static checks
# and the host-side DKMS build, then boot a test guest on each of those
# kernels, all at once, and run every selftest in each, with the modules
# built for its kernel.  Prints TAP; the last line is "N passed, M failed" over the
# host checks and the guest tests of all kernels together.  Installs
# missing Debian packages first when run as root.
#
#   tools/test.sh                 everything, on 6.1 and on 6.12
#   tools/test.sh configfs srp    only these selftest groups/tests in the guests
#   SRPT_TEST_KERNELS=6.12 tools/test.sh         one kernel
#   SRPT_CHECK_SERIES=1 tools/test.sh   also check the in-tree patch series,
#                                       for 6.12 and for 6.1
#
# SRPT_TEST_KERNELS: the kernels to test on, in order (default "6.1 6.12"):
# a series tools/kver.sh knows (its newest installed release) or an
# installed release (6.12.118+deb12-amd64).  Each kernel's modules are built
# out of tree in build/kernels/<release>/ (tools/build-for-kernel.sh), its
# DKMS package in build/dkms/<release>/, and its guest results go to
# build/test-results/<stamp>/guest-<release>/.  A kernel's guest is booted
# only when the kernel-independent checks and that kernel's builds passed.
# SELFTEST_TOTAL_TIMEOUT: each guest's time limit (default 4500 s; a kernel's
# guest takes about 25 min under TCG alone on an idle 2-core host, longer
# beside the other kernel's).
# SRPT_TEST_PARALLEL=0: boot the kernels' guests one after the other.
# SRPT_FAIL_CONTEXT: how many of a failed guest test's last "#" lines the
# summary at the end repeats (default 25).
# SRPT_GUEST_TCG_THREAD=multi|single (tools/vm/run-guest.sh): when unset and
# the guests at once have more vCPUs (SMP, default 2 each) than the host has
# cores, single: one host thread per guest under TCG.
#
# Exit status 0 only if every check and test passed (a skip is not a pass).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
skipped=0
results=build/test-results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$results"

# not_ok TEXT: a failure's TAP line, also kept for the summary at the end.
not_ok() {
	echo "not ok - $1"
	echo "not ok - $1" >>"$results/failures.txt"
}

# check NAME CMD...: one host-side check as a TAP line; output to a log.
check() {
	local name=$1 log
	shift
	log=$results/${name//[ \/]/_}.log
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok - host: $name"
	else
		failed=$((failed + 1))
		not_ok "host: $name"
		sed 's/^/# /' "$log" | tail -n 40
		return 1
	fi
}

# fmt_s SECONDS: "MMm SSs".
fmt_s() { printf '%dm %02ds' $(($1 / 60)) $(($1 % 60)); }

if [ "$(id -u)" = 0 ]; then
	tools/deps.sh || { echo "not ok - host: install dependencies"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "TAP version 13"

# The kernels: each entry a series (tools/kver.sh) or an installed release.
kernels=()
for k in ${SRPT_TEST_KERNELS:-6.1 6.12}; do
	if [[ $k =~ ^[0-9]+\.[0-9]+$ ]]; then
		if ! rel=$(KVER='' tools/kver.sh "$k" 2>&1); then
			failed=$((failed + 1))
			not_ok "host: kernel $k ($rel)"
			continue
		fi
	elif [ -d "/lib/modules/$k" ]; then
		rel=$k
	else
		failed=$((failed + 1))
		not_ok "host: kernel $k (no /lib/modules/$k)"
		continue
	fi
	[[ " ${kernels[*]} " == *" $rel "* ]] || kernels+=("$rel")
	echo "# kernel $k: $rel"
done

echo "# host checks (logs in $results)"
host_ok=1
# The protocol code's unit tests on the host first: seconds, no kernel.
check "unit tests (make unit)" make unit || host_ok=0
check "selftest lists, settings and libraries (tools/check-selftests.sh)" tools/check-selftests.sh || host_ok=0
check "checkpatch --strict (linux-source-6.1)" make checkpatch || host_ok=0
check "kernel-doc" make kerneldoc || host_ok=0
check "srp-initiator build (-Werror)" make -C tools/srp-initiator || host_ok=0
check "blktests build" tools/blktests.sh --prebuild || host_ok=0
check "dm-query tool (-Werror)" make -C tools/dm-query || host_ok=0
check "qemu-insn plugin build (-Werror)" make -C tools/qemu-insn || host_ok=0
check "ibcm-initiator checkpatch --strict" make -C tools/ibcm-initiator checkpatch || host_ok=0
# The kernel's coccinelle scripts need one kernel's include paths.
if [ ${#kernels[@]} -gt 0 ]; then
	check "coccicheck (kernel coccinelle scripts, ${kernels[0]} headers)" \
		make KVER="${kernels[0]}" coccicheck || host_ok=0
fi
# The in-tree series in a kernel tree, one check per kernel it is made for:
# about 2 minutes each with the trees cached under build/patch-series/,
# 2-8 more each (and about 2 GB) to set them up: only when asked for.
if [ "${SRPT_CHECK_SERIES:-0}" = 1 ]; then
	for series in 6.12 6.1; do
		check "patch series for linux-source-$series (git am, checkpatch --strict, W=1 build per patch)" \
			make patch-series-check SRPT_SERIES_KERNEL=$series || host_ok=0
	done
fi

# Per kernel: the driver and the IB/CM test initiator (a kernel module for
# the guest, selftests/ibcm), out of tree; sparse; the DKMS package, built
# here for selftests/packaging/test_dkms.sh to install in that kernel's
# guest (a DKMS build under TCG takes about 8 minutes).
declare -A kernel_ok
for kver in "${kernels[@]}"; do
	echo "# host checks for $kver"
	ok=1
	if check "build ib_srpt for $kver (W=1, -Werror)" tools/build-for-kernel.sh "$kver" srpt; then
		check "sparse (C=2) for $kver" tools/build-for-kernel.sh "$kver" sparse || ok=0
	else
		ok=0
	fi
	check "ibcm-initiator module for $kver (W=1, -Werror)" \
		tools/build-for-kernel.sh "$kver" ibcm || ok=0
	check "dkms build for $kver (host, scratch trees)" tools/dkms-build.sh "$kver" || ok=0
	kernel_ok[$kver]=$ok
done

# The harness itself: a guest's splat, failing script, timeout and crash
# each fail a run (five short boots on the first kernel).
if [ ${#kernels[@]} -gt 0 ]; then
	check "guest harness self-check (tools/vm/check-harness.sh)" \
		tools/vm/check-harness.sh --kver "${kernels[0]}" || true
fi

# guest_run KVER: the selftests in a guest booted on KVER; prints its TAP
# and writes "PASSED FAILED SKIPPED" to $results/guest-KVER.counts (run in
# the background, it cannot add to the totals itself).
guest_run() {
	local kver=$1 guest_results summary g_passed=0 g_failed=0 g_skipped=0 guest_rc t0 kvs
	local counts=$results/guest-$1.counts passed=0 failed=0 skipped=0
	local -a mods
	shift
	guest_results=$(pwd)/$results/guest-$kver
	echo "# guest selftests on $kver (results in $guest_results)"
	if [ "$host_ok" != 1 ] || [ "${kernel_ok[$kver]}" != 1 ]; then
		echo "# not booting the $kver guest: its build or a static check failed"
		echo "0 0 0" >"$counts"
		return
	fi
	# SRPT_KO_BUILT and SRPT_IBCM_KO: the guest loads these, not the tree's.
	if ! kvs=$(tools/build-for-kernel.sh "$kver" env); then
		echo "not ok - guest run on $kver (no modules built for it)"
		echo "0 1 0" >"$counts"
		return
	fi
	mapfile -t mods <<<"$kvs"
	t0=$SECONDS
	# Each result line of the guest's TAP names the kernel.
	env "${mods[@]}" tools/vm/run-guest.sh --kver "$kver" \
		--timeout "${SELFTEST_TOTAL_TIMEOUT:-4500}" \
		--results "$guest_results" selftests/run.sh "$@" |
		sed -u -E "s/^((not )?ok [0-9]+ - )/\\1[$kver] /"
	guest_rc=${PIPESTATUS[0]}

	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$guest_results/tap.txt" 2>/dev/null | tail -n 1)
	if [ -n "$summary" ]; then
		g_passed=${summary%% passed*}
		g_failed=${summary#*passed, }
		g_failed=${g_failed%% failed}
	else
		# A guest that died or timed out: count the results it printed.
		g_passed=$(grep -cE '^ok [0-9]+ ' "$guest_results/tap.txt" 2>/dev/null || true)
		g_failed=$(grep -cE '^not ok [0-9]+ ' "$guest_results/tap.txt" 2>/dev/null || true)
		g_passed=${g_passed:-0} g_failed=${g_failed:-0}
	fi
	g_skipped=$(sed -n 's/^\([0-9][0-9]*\) skipped$/\1/p' "$guest_results/tap.txt" 2>/dev/null | tail -n 1)
	g_skipped=${g_skipped:-0}
	passed=$g_passed failed=$g_failed skipped=$g_skipped
	echo "# $kver: $g_passed passed, $g_failed failed, $g_skipped skipped" \
		"(guest run $(fmt_s $((SECONDS - t0))), run-guest.sh exit $guest_rc)"
	# No summary is a failure whatever the exit status; so is the guest
	# itself failing (splat, timeout, crash) when no test failed.
	if [ -z "$summary" ]; then
		echo "not ok - guest run on $kver (no summary in its TAP, run-guest.sh exit $guest_rc, see $guest_results)"
		failed=$((failed + 1))
	elif [ "$guest_rc" -ne 0 ] && [ "$g_failed" = 0 ]; then
		echo "not ok - guest run on $kver (run-guest.sh exit $guest_rc, see $guest_results)"
		failed=$((failed + 1))
	fi
	echo "$passed $failed $skipped" >"$counts"
}

# The kernels' guests run at the same time (SRPT_TEST_PARALLEL=0: one after
# the other): most of a guest's time is spent waiting on timers and the
# other guest's CPU work fills it.  The first kernel's output is shown as
# it comes, each other's when its guest has ended, in the order of
# SRPT_TEST_KERNELS.
#
# Guests whose vCPUs together outnumber the host's cores run TCG on one host
# thread each (SRPT_GUEST_TCG_THREAD=single): with a thread per vCPU a vCPU
# spins on a lock whose holder's thread the host is not running.  Measured
# on 2 cores, two 2-vCPU guests at once, the same five tests: 563 s with a
# thread per vCPU, 248 s with one thread per guest.
t_guests=$SECONDS
booting=0
for kver in "${kernels[@]}"; do
	[ "$host_ok" != 1 ] || [ "${kernel_ok[$kver]}" != 1 ] || booting=$((booting + 1))
done
# SMP as qemu's -smp takes it ("2", "2,maxcpus=4", "cpus=2,..."): the CPUs.
vcpus=${SMP:-2}
vcpus=${vcpus%%,*}
vcpus=${vcpus#cpus=}
[[ $vcpus =~ ^[0-9]+$ ]] || vcpus=2
if [ "${SRPT_TEST_PARALLEL:-1}" != 0 ] && [ -z "${SRPT_GUEST_TCG_THREAD:-}" ] &&
	[ "$booting" -gt 1 ] && [ $((booting * vcpus)) -gt "$(nproc)" ]; then
	export SRPT_GUEST_TCG_THREAD=single
	echo "# $booting guests at once, $vcpus vCPUs each on $(nproc) cores: under TCG, one host thread per guest"
fi
pids=()
for kver in "${kernels[@]}"; do
	if [ "${SRPT_TEST_PARALLEL:-1}" != 0 ]; then
		# Created here, before tail follows it.
		: >"$results/guest-$kver.out"
		guest_run "$kver" "$@" >>"$results/guest-$kver.out" 2>&1 &
		pids+=("$!")
	else
		guest_run "$kver" "$@" 2>&1 | tee "$results/guest-$kver.out"
	fi
done
for i in "${!pids[@]}"; do
	if [ "$i" = 0 ]; then
		tail --pid="${pids[0]}" -n +1 -f "$results/guest-${kernels[0]}.out"
	fi
	wait "${pids[$i]}"
	[ "$i" = 0 ] || cat "$results/guest-${kernels[$i]}.out"
done
for kver in "${kernels[@]}"; do
	read -r g_passed g_failed g_skipped <"$results/guest-$kver.counts" ||
		{ g_passed=0 g_failed=1 g_skipped=0; not_ok "guest run on $kver (no result counts)"; }
	passed=$((passed + g_passed))
	failed=$((failed + g_failed))
	skipped=$((skipped + g_skipped))
done
[ ${#kernels[@]} -eq 0 ] || echo "# guests: $(fmt_s $((SECONDS - t_guests)))"
[ ${#kernels[@]} -gt 0 ] || { not_ok "no kernel to test on"; failed=$((failed + 1)); }

# What failed, again at the end, each guest test with the last lines it
# printed: a CI log is often seen only by its tail.
if [ "$failed" -gt 0 ]; then
	echo
	echo "# what failed (all logs in $results):"
	# As comments: a TAP reader must not count them twice.
	sed 's/^/# /' "$results/failures.txt" 2>/dev/null
	ctx=${SRPT_FAIL_CONTEXT:-25}
	[[ $ctx =~ ^[1-9][0-9]*$ ]] || ctx=25
	for kver in "${kernels[@]}"; do
		[ -f "$results/guest-$kver.out" ] || continue
		awk -v max="$ctx" '
			/^# ---- / { n = 0 }
			/^# / { buf[n++ % max] = $0 }
			/^not ok / {
				for (i = (n > max ? n - max : 0); i < n; i++)
					print "#   " buf[i % max]
				print "# " $0
				n = 0
			}' "$results/guest-$kver.out"
	done
fi

echo
echo "$passed passed, $failed failed"
# A skip is no pass: then the last line says the run failed.
[ "$skipped" = 0 ] || echo "FAILED: $skipped skipped (not counted as passed)"
[ $failed -eq 0 ] && [ "$skipped" = 0 ]
