#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The performance benchmark, run INSIDE the test guest by tools/bench.sh (see
# there for the host side and tools/bench-report.py for the report).  In one
# boot, for ROUNDS rounds, it measures each configuration in turn:
#
#   limit       perftest ib_read_bw / ib_write_bw (128 KiB) and ib_send_lat
#               over rxe0 (no SCSI, no target)
#   intree-brd  the distribution's ib_srpt, iblock on brd (/dev/ram0)
#   ours-brd    our ib_srpt, the same
#   nvmet-brd   nvmet-rdma + the kernel nvme-rdma host on the same brd
#   intree-rd   the distribution's ib_srpt, rd_mcp (fewer jobs)
#   ours-rd     our ib_srpt, rd_mcp (fewer jobs)
#
# Odd rounds go through the list forwards and even rounds backwards, so that
# drift in the (shared, noisy) host's speed hits every configuration alike.
# Initiator and target share the guest and talk over rxe0 loopback.
#
#   tools/guest/bench.sh [--quick] [--rounds N] [--runtime S] [--ramp S]
#                  [--bs-mb MB] [--configs "C1 C2..."] [--no-profile]
#                  [--profile-rw randread|randwrite] [--profile-only]
#                  [--perf-freq HZ] [--memory] [--target-cost] [--cost-secs S]
#                  [--insn] [--insn-ios N] [--insn-reps R]
#                  [--insn-rw randread|randwrite] [--insn-first ours|intree]
#
# --profile-only: no fio jobs, only the two perf profiles (about 5 min);
# --perf-freq: their sampling rate (default 999 Hz; under --icount the guest
# runs 125 million instructions a second, so a sample every 125e6/HZ).
#
# --target-cost: no rounds, no profiles, no memory: the target's own CPU per
# I/O for in-tree and ours on every 4 KiB brd job (see target_cost below),
# perf sampling at --perf-freq (default 2999 Hz here) for --cost-secs S
# (default 10) per job; results in $RESULTS/bench/cost/.
#
# --insn: no rounds, no profiles, no memory: the guest kernel's executed
# instructions per I/O, counted exactly by the qemu plugin of tools/qemu-insn
# (the host passes run-guest.sh --plugin), for in-tree and ours on every
# 4 KiB brd job: --insn-ios N I/Os per job (default 12000; numjobs 2 does N
# each), each job --insn-reps R times (default 2); see insn_cost below.
# --insn-rw: only the jobs of that kind (more repetitions in the same time);
# --insn-first: which target is counted first in the boot (default intree),
# to see whether the order moves the result.
#
# --memory: at the end, in the same boot, kernel memory and login time per
# channel for the same targets (tools/guest/bench-mem.sh, its defaults;
# results in $RESULTS/bench-mem/).
#
# Writes $RESULTS/bench/: guest.txt (the guest), runs/<id>.meta (what ran and
# the counters around it), runs/<id>.fio.json, runs/<id>.perftest.log,
# runs/<id>.trace (non-GOOD completions seen), profile-*.txt.
#
# Per fio run, sampled at the first completed I/O and after fio exits:
# /proc/stat (whole guest), the CPU time (/proc/<pid>/schedstat) of kworker
# and ksoftirqd threads, and the disk's completed I/O count
# (/sys/block/<dev>/stat).  Non-GOOD SCSI
# completions are counted by tracepoints on both sides: scsi_dispatch_cmd_done
# (initiator, result != 0), scsi_dispatch_cmd_error (ib_srp refused a command:
# out of credits) and target_cmd_complete (LIO, scsi_status != 0); for NVMe
# nvme_complete_rq (status != 0).
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$SRPT_REPO/selftests/srp/lib-srp.sh"

QUICK=0
ROUNDS=3
RUNTIME=5
RAMP=2
BS_MB=256
PROFILE=1
PROFILE_RW=randread
PERF_FREQ=
MEMORY=0
COST=0
COST_SECS=10
INSN=0
INSN_IOS=12000
INSN_REPS=2
INSN_RW=
INSN_ORDER="intree ours"
CONFIGS="limit intree-brd ours-brd nvmet-brd intree-rd ours-rd"

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; ROUNDS=1; RUNTIME=4; RAMP=1; shift ;;
	--rounds) ROUNDS=${2:?}; shift 2 ;;
	--runtime) RUNTIME=${2:?}; shift 2 ;;
	--ramp) RAMP=${2:?}; shift 2 ;;
	--bs-mb) BS_MB=${2:?}; shift 2 ;;
	--configs) CONFIGS=${2:?}; shift 2 ;;
	--no-profile) PROFILE=0; shift ;;
	--profile-rw) PROFILE_RW=${2:?}; shift 2 ;;
	--profile-only) CONFIGS=""; ROUNDS=0; shift ;;
	--perf-freq)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || fail "--perf-freq: a rate in Hz, not '${2:-}'"
		PERF_FREQ=$2; shift 2 ;;
	--memory) MEMORY=1; shift ;;
	--target-cost) COST=1; CONFIGS=""; ROUNDS=0; PROFILE=0; shift ;;
	--insn) INSN=1; CONFIGS=""; ROUNDS=0; PROFILE=0; shift ;;
	--insn-ios)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || fail "--insn-ios: a number of I/Os, not '${2:-}'"
		INSN_IOS=$2; shift 2 ;;
	--insn-reps)
		[[ ${2:-} =~ ^[1-9]$ ]] || fail "--insn-reps: 1 to 9, not '${2:-}'"
		INSN_REPS=$2; shift 2 ;;
	--insn-first)
		case ${2:-} in
		ours) INSN_ORDER="ours intree" ;;
		intree) INSN_ORDER="intree ours" ;;
		*) fail "--insn-first: ours or intree, not '${2:-}'" ;;
		esac
		shift 2 ;;
	--insn-rw)
		[[ ${2:-} =~ ^rand(read|write)$ ]] || fail "--insn-rw: randread or randwrite, not '${2:-}'"
		INSN_RW=$2; shift 2 ;;
	--cost-secs)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || fail "--cost-secs: seconds, not '${2:-}'"
		COST_SECS=$2; shift 2 ;;
	*) fail "unknown option $1" ;;
	esac
done
[ "$RUNTIME" -ge 3 ] || fail "--runtime must be at least 3 s"
if [ -z "$PERF_FREQ" ]; then
	PERF_FREQ=999
	[ "$COST" = 0 ] || PERF_FREQ=2999
fi
# perftest iterations: 128 KiB messages (125 MiB) and ping-pongs.
BW_ITERS=1000
LAT_ITERS=5000
[ "$QUICK" = 0 ] || { BW_ITERS=400; LAT_ITERS=2000; }

OUT=${RESULTS:?}/bench
RUNS=$OUT/runs
mkdir -p "$RUNS"
TRACEFS=/sys/kernel/tracing
NVME_NQN=nqn.2024-01.org.example:srpt-bench
NVME_PORT=4420
NVME_CFS=/sys/kernel/config/nvmet
IP=$(ip -4 -o addr show dev "${RXE_NETDEV:-eth0}" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$IP" ] || fail "no IPv4 address on eth0"

# The fio jobs: "rw bs iodepth numjobs".
if [ "$QUICK" = 1 ]; then
	JOBS_MAIN=("randread 4k 1 1" "randread 4k 32 1" "randwrite 4k 128 1" "read 128k 16 1"
		"randwrite 4k 32 2")
	JOBS_RD=("randread 4k 32 1")
	JOBS_NVME=("${JOBS_MAIN[@]}")
else
	JOBS_MAIN=()
	for nj in 1 2; do
		for rw in randread randwrite; do
			for qd in 1 32 128; do JOBS_MAIN+=("$rw 4k $qd $nj"); done
		done
		JOBS_MAIN+=("read 128k 16 $nj" "write 128k 16 $nj")
	done
	# nvmet is there for context: numjobs 1 only.  rd_mcp: a second
	# backstore for ours vs in-tree, the main jobs only.
	JOBS_NVME=()
	for j in "${JOBS_MAIN[@]}"; do
		[[ $j == *" 1" ]] && JOBS_NVME+=("$j")
	done
	JOBS_RD=("randread 4k 1 1" "randread 4k 32 1" "randwrite 4k 32 1" "read 128k 16 1")
fi

log() { echo "# $(date +%T) $*"; }

# ---------------------------------------------------------------- counters

# kthread_pids: pids of the kworker and ksoftirqd threads (slow under TCG:
# a full /proc scan; only done outside the measured window).
kthread_pids() {
	{ grep -Hs '' /proc/[0-9]*/comm || true; } |
		awk -F/ '$4 ~ /^comm:(kworker|ksoftirqd)$/ { print $3 }'
}

# kthread_cpu PID...: "pid:kind:ns" for each live PID, kind kw or si: its
# CPU time from schedstat (run time in ns; irq and softirq time that hit the
# thread is included: this kernel has no IRQ_TIME_ACCOUNTING).  Bash
# builtins only, so that it is quick.
kthread_cpu() {
	local pid comm run out=
	for pid in "$@"; do
		read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
		read -r run _ 2>/dev/null <"/proc/$pid/schedstat" || continue
		case $comm in ksoftirqd/*) out+="$pid:si:$run " ;; *) out+="$pid:kw:$run " ;; esac
	done
	echo "$out"
}

# disk_ios DEV VAR: set VAR to the completed reads + writes of /dev/DEV.
# Bash builtins only, no subshell: callers read it inside measured windows.
disk_ios() {
	local -a st
	read -ra st <"/sys/block/$1/stat"
	printf -v "$2" '%d' $((st[0] + st[4]))
}

# wait_io_start DEV BASE LIMIT: wait until DEV has completed more than BASE
# I/Os (at most LIMIT s).  No forks: with fio and the target keeping both
# vCPUs busy, a loop of $(...) and sleep noticed the start seconds late.
wait_io_start() {
	local n deadline=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$deadline" ]; do
		disk_ios "$1" n
		[ "$n" -le "$2" ] || return 0
		read -rt 0.05 -u "$SLEEP_FD" || true
	done
	return 1
}
# A FIFO nobody writes to: "read -t" on it is a sleep without a fork.
rm -f /tmp/bench-sleep.fifo
mkfifo /tmp/bench-sleep.fifo
exec {SLEEP_FD}<>/tmp/bench-sleep.fifo

# sample a|b DEV: append the counters to $META.  The window is [a, b]: at
# "a" the thread times of $KPIDS come first, at "b" last, after a new scan
# for kworkers started meanwhile (counted from zero).
sample() {
	local tag=$1 dev=$2 up threads=
	# shellcheck disable=SC2086  # a list of pids
	[ "$tag" = b ] || threads=$(kthread_cpu $KPIDS)
	read -r up _ </proc/uptime
	{
		echo "uptime_$tag=$up"
		echo "stat_$tag=\"$(grep '^cpu ' /proc/stat)\""
		echo "disk_$tag=\"$(cat "/sys/block/$dev/stat")\""
	} >>"$META"
	# shellcheck disable=SC2046  # a list of pids
	[ "$tag" = a ] || threads=$(kthread_cpu $(kthread_pids))
	echo "threads_$tag=\"$threads\"" >>"$META"
}

# ---------------------------------------------------------------- tracing

trace_setup() {
	mountpoint -q "$TRACEFS" || mount -t tracefs nodev "$TRACEFS" ||
		fail "cannot mount tracefs"
	echo 4096 >"$TRACEFS/buffer_size_kb"
}

# trace_arm: enable the error-completion events that exist now (module
# events appear when the module loads) and empty the buffer.
trace_arm() {
	local ev filt
	echo 0 >"$TRACEFS/tracing_on"
	for ev in scsi/scsi_dispatch_cmd_done:'result != 0' scsi/scsi_dispatch_cmd_error: \
		target/target_cmd_complete:'scsi_status != 0' nvme/nvme_complete_rq:'status != 0'; do
		filt=${ev#*:}
		ev=$TRACEFS/events/${ev%%:*}
		[ -d "$ev" ] || continue
		if [ -n "$filt" ]; then
			echo "$filt" >"$ev/filter"
		fi
		echo 1 >"$ev/enable"
	done
	: >"$TRACEFS/trace"
	echo 1 >"$TRACEFS/tracing_on"
}

# trace_collect ID: save what the events recorded (the first 200 lines) and
# count it into $META.  One awk: forks are slow under TCG.
trace_collect() {
	echo 0 >"$TRACEFS/tracing_on"
	awk -v out="$RUNS/$1.trace" '
		FILENAME ~ /stats$/ { if ($1 == "overrun:") lost += $2; next }
		/^#/ { next }
		{
			if (++n <= 200) print > out
			if (/scsi_dispatch_cmd_done:/) done++
			if (/scsi_dispatch_cmd_error:/) herr++
			if (/target_cmd_complete:/) tgt++
			if (/nvme_complete_rq:/) nvme++
			if (/SAM_STAT_TASK_SET_FULL|status TASK SET FULL/) tsf++
			if (/SAM_STAT_BUSY|status BUSY/) busy++
		}
		END {
			printf "ev_scsi_nonzero=%d\nev_scsi_host_busy=%d\nev_target_nonzero=%d\n", done, herr, tgt
			printf "ev_nvme_nonzero=%d\nev_task_set_full=%d\nev_busy=%d\nev_overrun=%d\n", nvme, tsf, busy, lost
		}' "$TRACEFS/trace" "$TRACEFS"/per_cpu/cpu*/stats >>"$META"
}

trace_off() {
	[ -d "$TRACEFS/events" ] || return 0
	echo 0 >"$TRACEFS/tracing_on"
	echo 0 >"$TRACEFS/events/enable" 2>/dev/null || true
}

# ---------------------------------------------------------------- fio

# run_fio CONFIG ROUND DEV "rw bs qd nj": one measured fio run.
run_fio() {
	local config=$1 round=$2 dev=$3 rw bs qd nj id fpid rc=0 limit base sampled
	read -r rw bs qd nj <<<"$4"
	id=r$round-$config-$rw-$bs-qd$qd-nj$nj
	META=$RUNS/$id.meta
	{
		echo "id=$id"
		echo "round=$round"
		echo "config=$config"
		echo "job=$rw-$bs-qd$qd-nj$nj"
		echo "rw=$rw bs=$bs qd=$qd nj=$nj"
		echo "dev=$dev"
		echo "runtime=$RUNTIME ramp=$RAMP window=first-io"
		echo "queue_depth=$(cat "/sys/block/$dev/device/queue_depth" 2>/dev/null ||
			cat "/sys/block/$dev/queue/nr_requests")"
	} >"$META"
	limit=$((RAMP + RUNTIME + 90))
	disk_ios "$dev" base
	KPIDS=$(kthread_pids)
	trace_arm
	echo "t_start=$(cut -d' ' -f1 /proc/uptime)" >>"$META"
	timeout -k 10 "$limit" fio --name=bench --filename="/dev/$dev" --ioengine=libaio \
		--direct=1 --rw="$rw" --bs="$bs" --iodepth="$qd" --numjobs="$nj" \
		--group_reporting --time_based --ramp_time="$RAMP" --runtime="$RUNTIME" \
		--norandommap --randrepeat=0 --lat_percentiles=1 --percentile_list=50:99:99.9 \
		--output-format=json --output="$RUNS/$id.fio.json" >"$RUNS/$id.fio.log" 2>&1 &
	fpid=$!
	# The CPU window: from the first completed I/O until fio has exited,
	# i.e. fio's ramp, its measured period and its exit, with the I/O
	# count from the disk over the same window.  (A window inside fio's
	# measured period, timed from the first I/O, came out seconds late
	# when fio and the target kept both vCPUs busy; and I/O over rxe under
	# TCG stalls for a second or two now and then, so a longer window also
	# makes the per-I/O numbers swing less.)
	sampled=0
	if wait_io_start "$dev" "$base" $((limit - RAMP - RUNTIME)); then
		sample a "$dev"
		sampled=1
	else
		log "$id: no I/O completed within $((limit - RAMP - RUNTIME)) s"
	fi
	wait "$fpid" || rc=$?
	[ "$sampled" = 0 ] || sample b "$dev"
	echo "t_end=$(cut -d' ' -f1 /proc/uptime)" >>"$META"
	trace_collect "$id"
	echo "fio_rc=$rc" >>"$META"
	if [ "$rc" != 0 ]; then
		log "fio $id failed (exit $rc): $(tail -n 5 "$RUNS/$id.fio.log" | tr '\n' ' ')"
		return 1
	fi
	log "$id: $(awk -F' : ' '/"(iops|bw_bytes)" : [1-9]/ && n++ < 2 { gsub(/[ ",]/, ""); printf "%s ", $0 }' "$RUNS/$id.fio.json")"
}

# prefill MB: write the whole brd disk once so that randwrite does not pay
# for brd's page allocation and reads read real pages.
prefill_brd() {
	dd if=/dev/zero of=/dev/ram0 bs=1M count="$1" oflag=direct status=none ||
		fail "prefill of /dev/ram0 failed"
}

# ---------------------------------------------------------------- configs

config_jobs() {
	case $1 in
	*-rd) printf '%s\n' "${JOBS_RD[@]}" ;;
	nvmet-*) printf '%s\n' "${JOBS_NVME[@]}" ;;
	*) printf '%s\n' "${JOBS_MAIN[@]}" ;;
	esac
}

run_srp() {
	local config=$1 round=$2 impl=${1%-*} bs=${1#*-} dev job
	log "round $round: $config: setup"
	srp_target_setup --impl "$impl" --bs "$bs" --bs-mb "$BS_MB" >/dev/null ||
		fail "$config: target setup"
	[ "$bs" != brd ] || prefill_brd "$BS_MB"
	# queue_size=128: the SCSI queue depth reaches 127 (ib_srp's default is
	# 62), so that the qd128 jobs really put 127 commands at the target.
	dev=$(srp_login queue_size=128) || fail "$config: login"
	dev=${dev#/dev/}
	while read -r job; do
		run_fio "$config" "$round" "$dev" "$job" || fail "$config: fio $job"
	done < <(config_jobs "$config")
	srp_target_teardown >/dev/null || fail "$config: teardown"
}

NVME_DEV=
nvme_setup() {
	local s=$NVME_CFS/subsystems/$NVME_NQN p=$NVME_CFS/ports/1 c
	# Plain per-controller disks (no native multipath head), so that
	# /sys/block/nvmeXnY/stat counts the I/O.
	[ -d /sys/module/nvme_core ] || modprobe nvme_core multipath=N ||
		fail "modprobe nvme_core"
	modprobe -a nvmet nvmet-rdma nvme-rdma || fail "modprobe nvmet nvmet-rdma nvme-rdma"
	modprobe brd rd_nr=1 rd_size=$((BS_MB * 1024)) max_part=0 || fail "modprobe brd"
	wait_for 10 test -b /dev/ram0 || fail "no /dev/ram0"
	prefill_brd "$BS_MB"
	mkdir "$s" "$s/namespaces/1" || fail "nvmet subsystem"
	echo 1 >"$s/attr_allow_any_host"
	echo -n /dev/ram0 >"$s/namespaces/1/device_path"
	echo 1 >"$s/namespaces/1/enable" || fail "nvmet namespace enable"
	mkdir "$p" || fail "nvmet port"
	echo rdma >"$p/addr_trtype"
	echo ipv4 >"$p/addr_adrfam"
	echo "$IP" >"$p/addr_traddr"
	echo "$NVME_PORT" >"$p/addr_trsvcid"
	ln -s "$s" "$p/subsystems/$NVME_NQN" || fail "nvmet port link"
	timeout -k 5 60 nvme connect -t rdma -a "$IP" -s "$NVME_PORT" -n "$NVME_NQN" \
		--hostnqn=nqn.2014-08.org.nvmexpress:uuid:5e1f0000-0000-4000-8000-000000000001 \
		--hostid=5e1f0000-0000-4000-8000-000000000001 >/dev/null ||
		fail "nvme connect"
	_nvme_disk() {
		for c in /sys/class/nvme/nvme*/nvme*n1; do
			[ -e "$c" ] && [ -b "/dev/${c##*/}" ] && { NVME_DEV=${c##*/}; return 0; }
		done
		return 1
	}
	wait_for 20 _nvme_disk || fail "no NVMe disk after connect"
}

nvme_teardown() {
	local s=$NVME_CFS/subsystems/$NVME_NQN p=$NVME_CFS/ports/1
	if [ -n "$(ls /sys/class/nvme 2>/dev/null)" ]; then
		timeout -k 5 60 nvme disconnect -n "$NVME_NQN" >/dev/null || return 1
	fi
	[ ! -L "$p/subsystems/$NVME_NQN" ] || rm "$p/subsystems/$NVME_NQN"
	[ ! -d "$p" ] || rmdir "$p"
	if [ -d "$s" ]; then
		echo 0 >"$s/namespaces/1/enable"
		rmdir "$s/namespaces/1" "$s"
	fi
	modprobe -r nvme-rdma nvmet-rdma nvmet 2>/dev/null || true
	NVME_DEV=
	[ ! -d /sys/module/brd ] || rmmod brd
}

run_nvme() {
	local config=$1 round=$2 job
	log "round $round: $config: setup"
	nvme_setup
	while read -r job; do
		run_fio "$config" "$round" "$NVME_DEV" "$job" || fail "$config: fio $job"
	done < <(config_jobs "$config")
	nvme_teardown || fail "nvme teardown"
}

# perftest ID TOOL ARGS...: server in the background, client against it.
perftest() {
	local id=$1 tool=$2 spid rc=0
	shift 2
	"$tool" -d "$RXE_DEV" -F "$@" >"$RUNS/$id.server.log" 2>&1 &
	spid=$!
	sleep 2
	timeout -k 5 120 "$tool" -d "$RXE_DEV" -F "$@" "$IP" >"$RUNS/$id.perftest.log" 2>&1 || rc=$?
	if ! wait_for 30 _pid_gone "$spid"; then
		kill "$spid" 2>/dev/null || true
	fi
	wait "$spid" 2>/dev/null || true
	[ "$rc" = 0 ] || { log "$tool failed (exit $rc): $(tail -n 5 "$RUNS/$id.perftest.log")"; return 1; }
	log "$id: $(grep -E '^ *[0-9]+ +[0-9]+ ' "$RUNS/$id.perftest.log" | tail -n 1 | tr -s ' ')"
}
_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

run_limit() {
	local round=$1 gid
	log "round $round: limit (perftest over $RXE_DEV)"
	# GID index of the IPv4-mapped address (RoCE v2), as the SRP and NVMe
	# connections use RDMA/CM on that address.
	gid=$(grep -l "0000:0000:0000:0000:0000:ffff:" /sys/class/infiniband/"$RXE_DEV"/ports/1/gids/* 2>/dev/null |
		head -n 1)
	gid=${gid##*/}
	# ib_read_bw sleeps on CQ events (-e): polling, it takes a vCPU from
	# rxe, whose work runs in softirq (measured under TCG: 3 MiB/s polling,
	# 14 with -e).  ib_write_bw has no -e (the responder sees no
	# completions) and the latency test polls: its median (t_typical) is
	# the raw one-way latency; with -e it measured wake-ups (2 ms).
	# Iterations, not -D: no duration mode with -e.  A failed tool leaves
	# the limit out of the report (listed there as failed) but does not
	# end the benchmark.
	perftest "r$round-limit-ib_read_bw" ib_read_bw -e -x "${gid:-1}" -s 131072 -n "$BW_ITERS" || true
	perftest "r$round-limit-ib_write_bw" ib_write_bw -x "${gid:-1}" -s 131072 -n "$BW_ITERS" || true
	perftest "r$round-limit-ib_send_lat" ib_send_lat -x "${gid:-1}" -s 2 -n "$LAT_ITERS" || true
}

run_config() {
	case $1 in
	limit) run_limit "$2" ;;
	nvmet-brd) run_nvme "$1" "$2" ;;
	intree-brd|ours-brd|intree-rd|ours-rd) run_srp "$1" "$2" ;;
	*) fail "unknown configuration $1" ;;
	esac
}

# ---------------------------------------------------------------- profile

# profile IMPL: perf record -a -g across a 4 KiB $PROFILE_RW qd32 job.
profile() {
	local impl=$1 dev fpid base data secs=$((RUNTIME + 3))
	data=/tmp/perf-$impl.data
	log "profile: $impl-brd, $PROFILE_RW 4k qd32, perf record -a -g for $secs s"
	srp_target_setup --impl "$impl" --bs brd --bs-mb "$BS_MB" >/dev/null || fail "profile setup"
	prefill_brd "$BS_MB"
	dev=$(srp_login queue_size=128) || fail "profile login"
	# fio runs until perf is done (perf takes seconds to start under TCG).
	disk_ios "${dev#/dev/}" base
	timeout -k 10 $((RAMP + secs + 300)) fio --name=prof --filename="$dev" --ioengine=libaio \
		--direct=1 --rw="$PROFILE_RW" --bs=4k --iodepth=32 --time_based \
		--runtime=$((RAMP + secs + 240)) --norandommap --randrepeat=0 \
		--output-format=json --output="$OUT/profile-$impl.fio.json" >/dev/null 2>&1 &
	fpid=$!
	wait_io_start "${dev#/dev/}" "$base" 60 || log "profile: no I/O"
	sleep "$RAMP"
	perf record -q -a -g -e cpu-clock -F "$PERF_FREQ" -o "$data" -- sleep "$secs" \
		>"$OUT/profile-$impl.record.log" 2>&1 || log "perf record failed (see profile-$impl.record.log)"
	kill -INT "$fpid" 2>/dev/null || true
	wait "$fpid" || log "profile fio exited $?"
	srp_target_teardown >/dev/null || fail "profile teardown"
	[ -s "$data" ] || return 0
	{
		echo "# $impl ib_srpt, brd, fio $PROFILE_RW 4k qd32 nj1; perf record -a -g -e cpu-clock -F $PERF_FREQ, ${secs} s"
		echo "# self time by symbol (no children)"
		perf report -i "$data" --stdio --no-children --sort dso,sym -g none --percent-limit 0.4 2>/dev/null |
			grep -v '^$'
	} >"$OUT/profile-$impl.txt"
	{
		echo "# $impl: self time by module/dso"
		perf report -i "$data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^$'
		echo
		echo "# $impl: time including callees (children), top symbols"
		# sed, not head: an early exit would kill perf with SIGPIPE and,
		# with pipefail, the script.
		perf report -i "$data" --stdio --children --sort sym -g none --percent-limit 2 2>/dev/null |
			sed -n '/^$/d; 1,80p'
	} >"$OUT/profile-$impl-dso.txt"
	{
		echo "# $impl: self time by thread name and module (kworkers: the target's"
		echo "# CQ work and target_core's completion work, and blk-mq's kblockd work"
		echo "# for the initiator, which runs in the same high-priority kworkers)"
		perf report -i "$data" --stdio --no-children --sort comm -g none \
			2>/dev/null | grep -v '^$'
		echo
		perf report -i "$data" --stdio --no-children --sort comm,dso -g none \
			--percent-limit 0.2 2>/dev/null | grep -v '^$'
		echo
		echo "# $impl: self time by symbol in kworker threads"
		perf report -i "$data" --stdio --no-children --sort comm,dso,sym -g none \
			--percent-limit 0.1 2>/dev/null | grep ' kworker/' | sed -n '1,80p'
	} >"$OUT/profile-$impl-comm.txt"
	{
		echo "# $impl: the fabric driver's and target_core's functions,"
		echo "# with their callees (children) and alone (self)"
		perf report -i "$data" --stdio --children --sort dso,sym -g none \
			--percent-limit 0.05 2>/dev/null |
			grep -E '\[(ib_srpt|target_core_[a-z]*)\]' || true
		echo
		echo "# $impl: self time of everything called from the response path"
		echo "# (queue_status and queue_data_in)"
		perf report -i "$data" --stdio --no-children --sort dso,sym -g none \
			-p 'srpt_queue_status|srpt_queue_data_in' -x \
			--percent-limit 0.01 2>/dev/null | grep -v '^#' | grep -v '^$' || true
	} >"$OUT/profile-$impl-target.txt"
	rm -f "$data"
}

# ---------------------------------------------------------------- target cost

# What the target itself executes per I/O (issue 20), counted in perf
# samples instead of thread time: tools/bench-cost-report.py, on the host,
# reads each run's call chains (raw addresses: resolving symbols under TCG
# took minutes per run) against the module addresses saved with the run
# and the kernel's symbols saved once (cost/kallsyms).
#
# cost_run IMPL DEV "rw bs qd nj": one job under perf; leaves cost/<id>.meta,
# <id>.modules and <id>.perf.data.  perf's own workload reads the disk's
# I/O count and the clock at the start and the end of the window; the
# samples carry the same clock (-k boottime, as /proc/uptime), so that the
# report counts only the samples inside it (perf's start and end take a
# good part of a second under TCG).  -B -N: no build-id pass at the end
# (tens of seconds under TCG; the report needs no symbols).
cost_run() {
	local impl=$1 dev=$2 rw bs qd nj id fpid base data ctxt_a ctxt_b ios rc=0
	local -a a b
	read -r rw bs qd nj <<<"$3"
	id=$impl-brd-$rw-$bs-qd$qd-nj$nj
	data=/tmp/perf-cost.data
	disk_ios "$dev" base
	timeout -k 10 $((RAMP + COST_SECS + 300)) fio --name=cost --filename="/dev/$dev" \
		--ioengine=libaio --direct=1 --rw="$rw" --bs="$bs" --iodepth="$qd" \
		--numjobs="$nj" --group_reporting --time_based \
		--runtime=$((RAMP + COST_SECS + 240)) --norandommap --randrepeat=0 \
		>"$COST_DIR/$id.fio.log" 2>&1 &
	fpid=$!
	wait_io_start "$dev" "$base" 60 || log "$id: no I/O"
	sleep "$RAMP"
	perf record -q -B -N -a -g -e cpu-clock -F "$PERF_FREQ" -k boottime -o "$data" -- \
		/bin/sh -ec 'cat /proc/uptime "$1" /proc/stat >/tmp/cost-a; sleep "$2"; cat /proc/uptime "$1" /proc/stat >/tmp/cost-b' \
		sh "/sys/block/$dev/stat" "$COST_SECS" >"$COST_DIR/$id.record.log" 2>&1 || rc=$?
	kill -INT "$fpid" 2>/dev/null || true
	wait "$fpid" || true
	[ "$rc" = 0 ] && [ -s "$data" ] || { log "$id: perf record failed ($rc)"; return 1; }
	cp /proc/modules "$COST_DIR/$id.modules"
	mv "$data" "$COST_DIR/$id.perf.data"
	# Line 1 the uptime, line 2 the disk's stat (reads + writes
	# completed), then /proc/stat: its ctxt, the context switches.
	ctxt_a=$(awk '$1 == "ctxt" { print $2 }' /tmp/cost-a)
	ctxt_b=$(awk '$1 == "ctxt" { print $2 }' /tmp/cost-b)
	mapfile -t a </tmp/cost-a
	mapfile -t b </tmp/cost-b
	read -r -a a <<<"${a[0]} ${a[1]}"
	read -r -a b <<<"${b[0]} ${b[1]}"
	ios=$((b[2] + b[6] - a[2] - a[6]))
	{
		echo "id=$id"
		echo "impl=$impl"
		echo "job=$rw-$bs-qd$qd-nj$nj"
		echo "freq=$PERF_FREQ"
		echo "secs=$COST_SECS"
		echo "t_a=${a[0]}"
		echo "t_b=${b[0]}"
		echo "ios=$ios"
		echo "ctxt=$((ctxt_b - ctxt_a))"
	} >"$COST_DIR/$id.meta"
	log "$id: $ios I/Os in ${a[0]}..${b[0]} s"
}

# each_4k_job WHAT DIR RUN ORDER: for each target of ORDER ("intree ours"
# or "ours intree"; brd, one login each), save every symbol, the modules'
# too, to DIR/<impl>.kallsyms (the reports map addresses with them) and call
# RUN IMPL DEV JOB for every 4 KiB job of the main list.
each_4k_job() {
	local what=$1 dir=$2 run=$3 order=$4 impl dev job
	for impl in $order; do
		srp_target_setup --impl "$impl" --bs brd --bs-mb "$BS_MB" >/dev/null ||
			fail "$what: $impl setup"
		prefill_brd "$BS_MB"
		dev=$(srp_login queue_size=128) || fail "$what: $impl login"
		dev=${dev#/dev/}
		cat /proc/kallsyms >"$dir/$impl.kallsyms"
		for job in "${JOBS_MAIN[@]}"; do
			[[ $job == *" 4k "* ]] || continue
			"$run" "$impl" "$dev" "$job" || fail "$what: $impl $job"
		done
		srp_target_teardown >/dev/null || fail "$what: $impl teardown"
	done
}

# target_cost: every 4 KiB job of the main list, in-tree then ours.
target_cost() {
	COST_DIR=$OUT/cost
	mkdir -p "$COST_DIR"
	# The kernel's own symbols (the interrupt entries); modules per run.
	grep -v '\[' /proc/kallsyms >"$COST_DIR/kallsyms"
	log "target cost: perf -F $PERF_FREQ for $COST_SECS s per job"
	each_4k_job "target cost" "$COST_DIR" cost_run "intree ours"
}

# insn_ctl reset | insn_ctl dump NAME: have the plugin zero its counters or
# write them to /results/NAME, and wait until it has (it polls its control
# file every millisecond of host time).
INSN_SEQ=0
insn_ctl() {
	local ack ret deadline=$((SECONDS + 60))
	INSN_SEQ=$((INSN_SEQ + 1))
	echo "$1 $INSN_SEQ ${2:-}" >/results/plugin-ctl.tmp
	mv /results/plugin-ctl.tmp /results/plugin-ctl
	while [ "$SECONDS" -lt "$deadline" ]; do
		read -r ack ret 2>/dev/null </results/plugin-ctl.done || true
		if [ "${ack:-}" = "$INSN_SEQ" ]; then
			[ "$ret" = 0 ] || fail "the instruction counter failed '$1' ($ret)"
			return 0
		fi
		read -rt 0.01 -u "$SLEEP_FD" || true
	done
	fail "the instruction counter did not answer '$1' (no run-guest.sh --plugin?)"
}

# ctxsw_snapshot FILE: every thread's context switches so far, "path name
# voluntary nonvoluntary" per line; taken outside the counted window.
ctxsw_snapshot() {
	awk '/^Name:/ { n = $2 } /^voluntary_ctxt_switches/ { v = $2 }
	     /^nonvoluntary_ctxt_switches/ { print FILENAME, n, v, $2 }' \
		/proc/[0-9]*/task/[0-9]*/status >"$1" 2>/dev/null || true
}

# insn_run IMPL DEV "rw bs qd nj" REP: one counted run. Its window holds
# whole fio runs only, so that no I/O is cut in two: the counters are zeroed
# with the target idle, fio does INSN_IOS I/Os per job, and they are read
# when it has exited. fio's own start and exit and the few commands at the
# window's ends are counted too, the same for every target. A short fio
# run first brings the path to its steady state. Each thread's context
# switches are read just outside the window (ctxsw_snapshot).
insn_run() {
	local impl=$1 dev=$2 rep=$4 rw bs qd nj id a b
	read -r rw bs qd nj <<<"$3"
	id=$impl-brd-$rw-$bs-qd$qd-nj$nj-r$rep
	fio --name=warm --filename="/dev/$dev" --ioengine=libaio --direct=1 --rw="$rw" \
		--bs="$bs" --iodepth="$qd" --numjobs="$nj" --number_ios=1000 \
		--norandommap --randrepeat=0 >/dev/null 2>&1 || fail "$id: warm-up fio failed"
	ctxsw_snapshot "$INSN_DIR/$id.ctxsw-before"
	insn_ctl reset
	disk_ios "$dev" a
	fio --name=insn --filename="/dev/$dev" --ioengine=libaio --direct=1 --rw="$rw" \
		--bs="$bs" --iodepth="$qd" --numjobs="$nj" --number_ios="$INSN_IOS" \
		--norandommap --randrepeat=0 --group_reporting \
		>"$INSN_DIR/$id.fio.log" 2>&1 || fail "$id: fio failed"
	disk_ios "$dev" b
	insn_ctl dump "$id.counts"
	ctxsw_snapshot "$INSN_DIR/$id.ctxsw-after"
	mv "/results/$id.counts" "$INSN_DIR/"
	{
		echo "id=$id"
		echo "impl=$impl"
		echo "job=$rw-$bs-qd$qd-nj$nj"
		echo "rep=$rep"
		echo "ios=$((b - a))"
	} >"$INSN_DIR/$id.meta"
	log "$id: $((b - a)) I/Os counted"
}

# insn_job IMPL DEV JOB: the repetitions of a job, one after the other.
insn_job() {
	local rep
	[ -z "$INSN_RW" ] || [[ $3 == "$INSN_RW "* ]] || return 0
	for ((rep = 1; rep <= INSN_REPS; rep++)); do
		insn_run "$1" "$2" "$3" "$rep"
	done
}

# insn_cost: every 4 KiB job of the main list, in-tree then ours.
insn_cost() {
	INSN_DIR=$OUT/insn
	mkdir -p "$INSN_DIR"
	log "instructions: $INSN_IOS I/Os per job, $INSN_REPS times${INSN_RW:+, $INSN_RW only}, $INSN_ORDER"
	each_4k_job instructions "$INSN_DIR" insn_job "$INSN_ORDER"
}

# ---------------------------------------------------------------- main

srpt_test_cleanup() {
	trace_off || true
	nvme_teardown >/dev/null 2>&1 || true
}

{
	echo "kernel=$(uname -r)"
	echo "vcpus=$(nproc)"
	echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
	echo "fio=$(fio --version)"
	echo "perftest=$(dpkg-query -W -f='${Version}' perftest 2>/dev/null || echo unknown)"
	echo "perf=$(perf --version 2>/dev/null || echo none)"
	echo "quick=$QUICK rounds=$ROUNDS runtime=$RUNTIME ramp=$RAMP bs_mb=$BS_MB"
	echo "configs=$CONFIGS"
	echo "ours_ko_sha256=$(sha256sum <"$SRPT_KO_BUILT" | cut -c1-16)"
} >"$OUT/guest.txt"
sed 's/^/# guest: /' "$OUT/guest.txt"

trace_setup
# Put our module into updates/ before anything is measured (with the
# module indexes run-guest.sh made, a copy; else depmod, minutes under TCG).
if [[ $CONFIGS == *ours* || $CONFIGS == *intree* || $PROFILE == 1 || $COST == 1 || $INSN == 1 ]]; then
	log "warm-up: module indexes for ours and intree"
	for impl in ours intree; do
		srp_target_setup --impl "$impl" --bs rd --bs-mb 16 >/dev/null || fail "warm-up $impl"
		srp_target_teardown >/dev/null || fail "warm-up teardown $impl"
	done
fi

read -ra cfgs <<<"$CONFIGS"
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then
		order=("${cfgs[@]}")
	else
		order=()
		for ((i = ${#cfgs[@]} - 1; i >= 0; i--)); do order+=("${cfgs[i]}"); done
	fi
	echo "round=$round order=${order[*]}" >>"$OUT/guest.txt"
	for c in "${order[@]}"; do
		run_config "$c" "$round"
	done
done

if [ "$PROFILE" = 1 ] && command -v perf >/dev/null; then
	for impl in intree ours; do profile "$impl"; done
fi
if [ "$COST" = 1 ]; then
	command -v perf >/dev/null || fail "--target-cost needs perf in the guest"
	target_cost
fi
[ "$INSN" = 0 ] || insn_cost
trace_off
if [ "$MEMORY" = 1 ]; then
	# A script of its own (it has its own exit trap and teardown), after
	# everything above is torn down.
	log "memory and login time per channel (tools/guest/bench-mem.sh)"
	"$SRPT_REPO/tools/guest/bench-mem.sh" || fail "tools/guest/bench-mem.sh failed"
fi
log "done"
