#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/debug-lane.sh: the debug-kernel lane.  Every runtime selftest of ours
# under KASAN, lockdep (PROVE_LOCKING, PROVE_RCU), kmemleak, DEBUG_OBJECTS,
# DEBUG_LIST, DEBUG_ATOMIC_SLEEP and the hung-task detector.
#
#   sudo tools/debug-lane.sh [GROUP-OR-TEST...]
#   sudo SRPT_KERNEL=6.12 tools/debug-lane.sh [GROUP-OR-TEST...]
#
# 1. tools/debug-kernel/build.sh: build Debian's source of the series
#    SRPT_KERNEL names (6.1 unless set; 6.12) with the debug options and
#    install it as /boot/vmlinuz-6.1.N-srpt-debug (6.12.N-srpt-debug); each
#    series is cached on its own, only rebuilt when its config changes (6.1:
#    ~15 min on an idle 2-core machine, more under load; 6.12: ~25 min
#    alone, 42 min beside a guest);
# 2. builds ib_srpt (and the IB/CM test initiator) against that kernel's
#    tree with tools/build-for-kernel.sh, from a copy of the sources in
#    build/kernels/<kver>/, so the normal build stays as it is;
# 3. boots the qemu guest on the debug kernel and runs tools/guest/debug-lane.sh:
#    the selftest groups (default: harness configfs srp lifecycle observe
#    hostile dm ibcm faults, those present; not blktests, which has its own
#    command; faults is fault injection, which only this kernel has),
#    then unloads ib_srpt and has kmemleak scan;
# 4. prints every kernel report found (report.txt) and the times.
#
# The run fails on any KASAN report, lockdep or RCU splat, WARNING, BUG, hung
# task, failed test, or kmemleak leak allocated from our ib_srpt (leaks
# elsewhere are listed, not failed).  Under TCG the debug kernel is ~15x
# slower: boot ~100 s, the whole default run takes a few hours.
#
# Results: build/debug-lane/<stamp>/ (module.log, report.txt, guest/ with
# run-guest.sh's files plus kmemleak*.txt, lsmod.txt, lockdep_stats.txt).
#
# Environment:
#   SELFTEST_TIMEOUT_SCALE=N     scale test timeouts and waits (default 6)
#   SRPT_KERNEL=6.1|6.12         the kernel series (default 6.1)
#   SRPT_DEBUG_LANE_TIMEOUT=S    the guest's time limit (default 43200)
#   SRPT_DEBUG_LANE_MEM=MB       guest RAM (default 4096)
#   HUNG_TASK_TIMEOUT=S          guest hung-task timeout (default 300)
#   SRPT_DEBUG_KERNEL_CACHE, SRPT_DEBUG_KERNEL_JOBS: see tools/debug-kernel/build.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)
DEFAULT_GROUPS=(harness configfs srp lifecycle observe hostile dm ibcm faults)

msg() { echo "debug-lane: $*" >&2; }
die() { msg "error: $*"; exit 2; }

# fmt_s SECONDS: "Hh MMm SSs".
fmt_s() { printf '%dh %02dm %02ds' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

[ "$(id -u)" = 0 ] || die "run as root (installs the debug kernel to /boot and /lib/modules)"
tools/deps.sh || die "tools/deps.sh failed"

OUT=$REPO/build/debug-lane/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
ln -sfn "$(basename "$OUT")" "$REPO/build/debug-lane/latest"

if [ $# -gt 0 ]; then
	groups=("$@")
else
	groups=()
	for g in "${DEFAULT_GROUPS[@]}"; do
		if [ -d "selftests/$g" ]; then groups+=("$g"); else msg "no selftests/$g here; not run"; fi
	done
fi

# 1. the kernel, of the series SRPT_KERNEL names (build.sh reads it)
start=$SECONDS
kinfo=$(tools/debug-kernel/build.sh 2> >(tee "$OUT/kernel.log" >&2)) || die "debug kernel build failed"
kernel_s=$((SECONDS - start))
KVER=$(sed -n 's/^KVER=//p' <<<"$kinfo")
KDIR=$(sed -n 's/^KDIR=//p' <<<"$kinfo")
{ [ -n "$KVER" ] && [ -d "$KDIR" ]; } || die "tools/debug-kernel/build.sh printed no KVER/KDIR"
msg "kernel $KVER ($(fmt_s "$kernel_s")), tree $KDIR"

# 2. our module against it, built from a copy of the sources (uncommitted
# edits too) in build/kernels/$KVER/; W=1 -Werror, vermagic checked.
start=$SECONDS
KDIR=$KDIR tools/build-for-kernel.sh "$KVER" srpt >"$OUT/module.log" 2>&1 ||
	{ tail -n 40 "$OUT/module.log" >&2; die "ib_srpt does not build against $KDIR (W=1 -Werror; $OUT/module.log)"; }
msg "ib_srpt built against $KVER in $((SECONDS - start)) s"
# The IB/CM test initiator module, against the same tree: selftests/ibcm,
# dm/test_dm_mads and configfs/test_rdma_cm_port load it.
if [ -f tools/ibcm-initiator/Makefile ]; then
	KDIR=$KDIR tools/build-for-kernel.sh "$KVER" ibcm >>"$OUT/module.log" 2>&1 ||
		die "tools/ibcm-initiator does not build against $KDIR ($OUT/module.log)"
fi
# SRPT_KO_BUILT and, if built, SRPT_IBCM_KO: what the guest loads.
kvs=$(tools/build-for-kernel.sh "$KVER" env) || die "no modules built for $KVER"
while IFS= read -r kv; do
	export "${kv?}"
done <<<"$kvs"
# The hostile suite's userspace initiator runs from the host's tree.
if [ -f tools/srp-initiator/Makefile ]; then
	make -s -C tools/srp-initiator >>"$OUT/module.log" 2>&1 ||
		die "tools/srp-initiator does not build ($OUT/module.log)"
fi

# blktests' src/ takes minutes to compile under TCG: build it here.
if [[ " ${groups[*]} " == *" blktests"* ]]; then
	tools/blktests.sh --prebuild >>"$OUT/module.log" 2>&1 ||
		die "cannot build blktests ($OUT/module.log)"
fi

# 3. the guest
start=$SECONDS
grc=0
msg "guest running (hours under TCG); follow it with: tail -f $OUT/guest/output.log"
SELFTEST_TIMEOUT_SCALE=${SELFTEST_TIMEOUT_SCALE:-6} \
	HUNG_TASK_TIMEOUT=${HUNG_TASK_TIMEOUT:-300} \
	tools/vm/run-guest.sh --kver "$KVER" --append kasan_multi_shot \
	--mem "${SRPT_DEBUG_LANE_MEM:-4096}" --timeout "${SRPT_DEBUG_LANE_TIMEOUT:-43200}" \
	--results "$OUT/guest" tools/guest/debug-lane.sh "${groups[@]}" >"$OUT/run-guest.log" 2>&1 || grc=$?
run_s=$((SECONDS - start))

# 4. the report
tools/debug-kernel/report.sh "$OUT/guest" >"$OUT/report.txt"
{
	echo "debug-kernel lane: $KVER, groups: ${groups[*]}"
	echo "kernel: $(fmt_s "$kernel_s") (build or cache), guest run: $(fmt_s "$run_s") (run-guest.sh exit $grc)"
	grep -E '^(not )?ok |^[0-9]+ (passed|skipped)' "$OUT/guest/tap.txt" 2>/dev/null || echo "(no tap.txt)"
	grep -E '^(not ok - )?# debug-lane:|^not ok - debug-lane' "$OUT/guest/output.log" 2>/dev/null
	echo
	cat "$OUT/report.txt"
	echo "results: $OUT"
} | tee "$OUT/summary.txt"
[ "$grc" = 0 ] && ! grep -q '^REPORT ' "$OUT/report.txt"
