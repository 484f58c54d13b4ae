#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The performance benchmark (not part of tools/test.sh): build ib_srpt, boot
# one guest and, in that one boot, alternate between the perftest limit, the
# distribution's ib_srpt, ours and nvmet-rdma for several rounds of the same
# fio jobs (tools/guest/bench.sh), then write the report
# (tools/bench-report.py).  Installs missing Debian packages first when run
# as root.
#
#   sudo tools/bench.sh            full run: 3 rounds, ~50 min under TCG,
#                                  then the --memory measurement in the
#                                  same boot (~10 min; --no-memory: not)
#   sudo tools/bench.sh --quick    1 round, a few short jobs (~20 min):
#                                  checks the tool, numbers mean little
#   sudo tools/bench.sh --icount   the guest on one vCPU with qemu's
#                                  instruction counter as its clock: times
#                                  and CPU figures count instructions, so
#                                  the host's load does not move them
#   sudo tools/bench.sh --memory   only kernel memory and login time against
#                                  the number of channels, for in-tree, ours
#                                  and nvmet-rdma (tools/guest/bench-mem.sh;
#                                  options after it go there: --channels
#                                  "2 16 32 64", --targets "ours:0 ...",
#                                  --reserve-mb MB)
#   --kver SERIES|RELEASE          build for and boot that kernel (as
#                                  SRPT_KERNEL= or KVER=; default 6.1)
#
# Other options go to the guest runner: --rounds N, --runtime S, --ramp S,
# --bs-mb MB, --configs "limit intree-brd ours-brd nvmet-brd intree-rd
# ours-rd", --no-profile, --profile-rw randread|randwrite, --perf-freq HZ,
# --profile-only (no fio jobs and no memory measurement: the perf profile
# of in-tree and ours alone, about 5 min), --target-cost [--cost-secs S]
# (no fio rounds, no profiles, no memory: the target's CPU per I/O on every
# 4 KiB job for in-tree and ours, counted in perf samples of the target's
# code; report in cost.txt and cost.json; about 25 min), --insn
# [--insn-ios N] [--insn-reps R] [--insn-rw randread|randwrite]
# [--insn-first ours|intree] (with
# --icount only: the guest kernel's executed instructions per I/O on every
# 4 KiB job, or only the reads or the writes, for in-tree and ours,
# counted exactly by the qemu plugin of tools/qemu-insn, by module and
# function; report in insn.txt, insn.json and insn-functions/; about 20
# min alone).  Environment: BENCH_MEM (guest MB, default 3072),
# BENCH_SMP (guest CPUs, default 2: the machine has 2 cores).
#
# Output in build/bench/<stamp>/ (build/bench/latest links to it):
#   results.json  every run and the aggregates     results.txt   the table
#   results.png   the chart     host.txt   the machine    guest/   raw data
#   memory.json, memory.txt   (--memory) every measurement, and the table
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
profile_only=0
target_cost=0
insn=0
memory=0
with_memory=1
accel=()
guest_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--icount) accel=(--accel icount --smp 1); shift; continue ;;
	--memory) memory=1; shift; continue ;;
	--no-memory) with_memory=0; shift; continue ;;
	--kver)
		# A series (6.1, 6.12) or an installed release; make and
		# run-guest.sh both follow KVER.
		KVER=$(KVER='' tools/kver.sh "${2:?--kver SERIES|RELEASE}" 2>/dev/null || echo "$2")
		[ -d "/lib/modules/$KVER" ] || { echo "bench: no kernel $2 (/lib/modules/$KVER)" >&2; exit 2; }
		export KVER
		shift 2
		continue
		;;
	--quick) quick=1 ;;
	--profile-only) profile_only=1; with_memory=0 ;;
	--target-cost) target_cost=1; with_memory=0 ;;
	--insn) insn=1; with_memory=0 ;;
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	esac
	guest_args+=("$1")
	shift
done

if [ "$(id -u)" = 0 ]; then
	tools/deps.sh --bench
fi
make -j2
plugin=()
if [ "$insn" = 1 ]; then
	# Counters bumped by one vCPU thread: --insn needs --icount's single vCPU.
	[ ${#accel[@]} -gt 0 ] || { echo "bench: --insn needs --icount" >&2; exit 2; }
	[ "$target_cost" = 0 ] || { echo "bench: --insn and --target-cost: one at a time" >&2; exit 2; }
	make -C tools/qemu-insn
	plugin=(--plugin tools/qemu-insn/srpt_insn.so)
fi

stamp=$(date +%Y%m%d-%H%M%S)
out=build/bench/$stamp
mkdir -p "$out"
ln -sfn "$stamp" build/bench/latest

# host_context: what the numbers were measured on.
host_context() {
	echo "date=$(date -Is)"
	echo "host_kernel=$(uname -r)"
	echo "host_cpus=$(nproc)"
	echo "host_cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "host_mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "git=$(git describe --always --dirty 2>/dev/null || echo unknown)"
	if [ ${#accel[@]} -gt 0 ]; then
		echo "guest_mem_mb=${BENCH_MEM:-3072} guest_smp=1 icount_shift=${SRPT_GUEST_ICOUNT_SHIFT:-3}"
	else
		echo "guest_mem_mb=${BENCH_MEM:-3072} guest_smp=${BENCH_SMP:-2}"
	fi
}
host_context >"$out/host.txt"

# The host is shared: record its load while the guest runs.
(
	while sleep 30; do
		echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)"
	done
) >"$out/host-load.txt" &
loadpid=$!
trap 'kill "$loadpid" 2>/dev/null || true' EXIT
echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/host-load.txt"

# known_intree_warning_only: run-guest.sh fails a run on any kernel splat.
# When the memory part runs (--memory, and the full run) one is expected:
# the in-tree ib_srpt with use_srq=1 WARNs in its srpt_cache_put() when its
# channels are released (a bug of the baseline driver, not ours:
# Documentation/infiniband/srpt-testing.rst).
# Succeeds, printing how many there were, only if the script itself passed
# and every splat line of the guest's dmesg is that WARNING (or its "Call
# Trace:"), inside the window tools/guest/bench-mem.sh marks around the
# in-tree use_srq=1 teardown; anything else fails the run as before.
known_intree_warning_only() {
	local log=$out/guest/dmesg.log
	[ "$(cat "$out/guest/status" 2>/dev/null)" = 0 ] && [ -s "$log" ] || return 1
	awk 'NR == FNR { if ($0 != "") pat[++np] = $0; next }
		/srpt-bench-mem: known in-tree warning: begin/ { win = 1; next }
		/srpt-bench-mem: known in-tree warning: end/ { win = 0; blk = 0; next }
		/---\[ end trace/ { blk = 0 }
		{
			hit = 0
			for (i = 1; i <= np; i++) if (index($0, pat[i])) { hit = 1; break }
			if (!hit) next
			if (win && /WARNING: .* srpt_cache_put\+/) { blk = 1; n++; next }
			if (blk && /Call Trace:/) next
			print "bench: splat other than the known in-tree one: " $0 > "/dev/stderr"
			bad = 1
		}
		END { if (bad || !n) exit 1; print n }' tools/guest/splat-patterns "$log"
}

if [ "$memory" = 1 ]; then
	script=tools/guest/bench-mem.sh
	timeout=3600
else
	script=tools/guest/bench.sh
	timeout=4800
	[ "$quick" = 0 ] || { timeout=1800; with_memory=0; }
	if [ "$with_memory" = 1 ]; then
		# Memory per channel beside the IOPS, at the end of the same boot.
		guest_args+=(--memory)
		timeout=$((timeout + 1800))
	fi
fi
rc=0
tools/vm/run-guest.sh --timeout "$timeout" --mem "${BENCH_MEM:-3072}" --smp "${BENCH_SMP:-2}" \
	${accel[@]+"${accel[@]}"} ${plugin[@]+"${plugin[@]}"} --results "$out/guest" \
	"$script" ${guest_args[@]+"${guest_args[@]}"} 2>&1 | tee "$out/run-guest.log" ||
	rc=${PIPESTATUS[0]}
kill "$loadpid" 2>/dev/null || true
# The accelerator (kvm or tcg) as run-guest.sh reported it.
grep -m1 -o 'accel=[a-z]* ([^)]*)' "$out/run-guest.log" | sed 's/^/guest_/' >>"$out/host.txt" || true

if [ "$rc" = 1 ] && [ "$memory$with_memory" != 00 ] && n=$(known_intree_warning_only); then
	echo "bench: accepted $n known in-tree srpt_cache_put() WARNING(s) (intree use_srq=1 logout)"
	echo "known_intree_warnings=$n" >>"$out/host.txt"
	rc=0
fi
if [ "$memory" = 1 ]; then
	if [ ! -s "$out/guest/bench-mem/memory.json" ]; then
		echo "bench: the guest produced no results (exit $rc); see $out/guest/output.log" >&2
		exit 1
	fi
	/usr/bin/python3 tools/bench-mem-report.py "$out" || rc=1
	[ "$rc" = 0 ] || echo "bench: the guest run failed (exit $rc): partial results; see $out/guest/output.log" >&2
	echo "bench: $out/memory.txt $out/memory.json"
	exit "$rc"
fi

if [ "$profile_only" = 1 ]; then
	n=$( { find "$out/guest/bench" -name 'profile-*-target.txt' 2>/dev/null || true; } | wc -l)
	[ "$n" = 2 ] || { echo "bench: --profile-only: $n of 2 profiles (exit $rc); see $out/guest/output.log" >&2; exit 1; }
	[ "$rc" = 0 ] || echo "bench: the guest run failed (exit $rc); see $out/guest/output.log" >&2
	echo "bench: $out/guest/bench/profile-*.txt"
	exit "$rc"
fi
# job_report OPTION NAME: the per-job report tools/bench-NAME-report.py
# writes as NAME.txt and NAME.json, printed; exits with the run's status.
job_report() {
	/usr/bin/python3 "tools/bench-$2-report.py" "$out" >/dev/null || rc=1
	[ -s "$out/$2.txt" ] || { echo "bench: $1: no report (exit $rc); see $out/guest/output.log" >&2; exit 1; }
	cat "$out/$2.txt"
	[ "$rc" = 0 ] || echo "bench: the guest run or the report failed (exit $rc); see $out/guest/output.log" >&2
	echo "bench: $out/$2.txt $out/$2.json"
	exit "$rc"
}
[ "$target_cost" = 0 ] || job_report --target-cost cost
[ "$insn" = 0 ] || job_report --insn insn
if [ ! -d "$out/guest/bench/runs" ]; then
	echo "bench: the guest produced no results (exit $rc); see $out/guest/output.log" >&2
	exit 1
fi
/usr/bin/python3 tools/bench-report.py "$out" || rc=1
if [ -s "$out/guest/bench-mem/memory.json" ]; then
	/usr/bin/python3 tools/bench-mem-report.py "$out" >/dev/null || rc=1
fi
[ "$rc" = 0 ] || echo "bench: the guest run failed (exit $rc): partial results; see $out/guest/output.log" >&2
echo "bench: $out/results.txt $out/results.png $out/results.json"
[ ! -s "$out/memory.txt" ] || echo "bench: $out/memory.txt $out/memory.json"
exit "$rc"
