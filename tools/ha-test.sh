#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ha-test.sh: the high-availability test bed.  Three qemu guests on this
# machine -- target A, target B, initiator -- on one Ethernet segment that
# qemu makes of a multicast group on the loopback address (nothing else on
# the host is touched), soft-RoCE (rxe) on it in each guest.  Both targets
# run our ib_srpt and export one raw image, attached to both as a shared
# virtio disk, through iblock with the same unit serial (one LUN identity);
# their target ports are in ALUA target port groups, A active/optimized, B
# active/non-optimized.  The initiator logs in to both with ib_srp and runs
# multipathd (prio alua, failback immediate, no_path_retry queue) and a
# verified fio writer on the multipath device.  Scenarios, each with its own
# disk region and its own writer, and a result line:
#
#   steady     I/O goes to A only
#   fence      A's TPG disabled (planned maintenance): I/O fails over to B;
#              enabled again: back to A
#   both-down  both TPGs disabled: I/O queues (queue_if_no_path); B back:
#              I/O on B; then A back: on A
#   both-opt   B's ALUA group made active/optimized too (at run time):
#              both paths in one path group, writes spread over A and B;
#              A's TPG disabled: I/O on B alone; enabled again: on both
#              again; B made active/non-optimized again: on A only, the
#              layout of the other scenarios.  "Both paths": over 20 s
#              with the map in one path group, each path carried at least
#              a tenth of the writes (not yet measured)
#   kill       A's qemu killed (power loss): I/O fails over to B
#   restore    A booted again, `targetctl restore` of its saved
#              configuration, ib_srp logs in again: I/O fails back to A
#
#   ha-test: <scenario>: failover=<s> io_errors=<n> verify=<ok|LOST|BAD> ...
#
# failover is the longest time no I/O completed on the multipath device
# during the scenario (sampled every 0.2 s in the initiator); io_errors, the
# I/O errors fio saw (must be 0); verify, the read-back of every write fio
# saw acknowledged (and fio's own verify_backlog reads as it went).  Any
# WARNING/BUG/Oops in any guest fails the run.  Logs and results:
# build/ha/<stamp>/ (per guest: A1, A2 (A's second boot), B, I; each with
# console.log, dmesg.log, output.log and the command mailbox ctl/).
#
#   tools/ha-test.sh [SCENARIO...]     default: all, in the order above
#
# kill and restore go together: restore needs A down (without kill it
# fails).  both-opt needs A up: before kill, or after restore.  Not part
# of tools/test.sh: three TCG guests need the machine to themselves (about
# 9 minutes then, measured before both-opt was added).  Installs missing
# Debian packages first (tools/deps.sh).
# Environment: SRPT_KERNEL / KVER as for run-guest.sh; HA_GUEST_MEM (MB,
# default 1024), HA_GUEST_SMP (default 1).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$REPO/tools/vm/run-guest.sh
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$REPO/build/ha/$STAMP
GUEST_TIMEOUT=5400
MEM=${HA_GUEST_MEM:-1024}
SMP=${HA_GUEST_SMP:-1}
# The segment: a multicast group on 127.0.0.1, a port of our own.
MCAST_PORT=$((20000 + $$ % 20000))
NET="socket,mcast=230.0.0.1:$MCAST_PORT,localaddr=127.0.0.1"
declare -A MAC=([A]=52:54:00:77:00:01 [B]=52:54:00:77:00:02 [I]=52:54:00:77:00:03)
declare -A IP=([A]=192.168.77.1 [B]=192.168.77.2 [I]=192.168.77.3)
# The initiator port id ib_srp uses over RDMA/CM with initiator_ext
# fe80000000000000: that, then the interface id of its GID 0 (from its MAC).
INI_ID=ib.fe80000000000000505400fffe770003
ALL_SCENARIOS=(steady fence both-down both-opt kill restore)

declare -A GUEST_PID=() SEQ=() GUID=()
FAILED=0
# Set when both-opt could not set B back to active/non-optimized.
B_ALUA_CHANGED=0
T_START=$(date +%s)

msg() { echo "ha-test: $*"; }
die() { msg "error: $*"; exit 2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- guests

# boot G DIR SCRIPT [RUN-GUEST-OPTIONS...]: start guest G (A, B, I) with its
# results in $OUT/DIR, running SCRIPT (an agent); wait until it listens.
boot() {
	local g=$1 dir=$2 script=$3 t0
	shift 3
	t0=$(now)
	mkdir -p "$OUT/$dir"
	"$RUN" --timeout "$GUEST_TIMEOUT" --mem "$MEM" --smp "$SMP" --results "$OUT/$dir" \
		--name "ha-$dir" --pidfile "$OUT/$dir.pid" \
		--net2 "$NET" --mac2 "${MAC[$g]}" --ip2 "${IP[$g]}/24" "$@" \
		-- "$script" >"$OUT/$dir.run.log" 2>&1 &
	GUEST_PID[$dir]=$!
	SEQ[$dir]=0
	while [ ! -s "$OUT/$dir/ctl/ready" ]; do
		kill -0 "${GUEST_PID[$dir]}" 2>/dev/null || {
			tail -n 30 "$OUT/$dir.run.log"
			die "guest $dir ended before its agent listened"
		}
		[ "$(since "$t0" | cut -d. -f1)" -lt 600 ] || die "guest $dir: no agent after 600 s"
		sleep 1
	done
	msg "guest $dir up after $(since "$t0") s"
}

# call DIR SECS CMD [ARGS...]: run CMD in guest DIR's agent, print its output
# (also kept in $OUT/DIR/ctl/out.N); its exit status, 124 after SECS.
call() {
	local dir=$1 secs=$2 n ctl t0 rc
	shift 2
	ctl=$OUT/$dir/ctl
	n=$((SEQ[$dir] + 1))
	SEQ[$dir]=$n
	echo "$*" >"$ctl/.cmd.$n"
	mv "$ctl/.cmd.$n" "$ctl/cmd.$n"
	t0=$(now)
	while [ ! -e "$ctl/rc.$n" ]; do
		if ! kill -0 "${GUEST_PID[$dir]}" 2>/dev/null; then
			msg "guest $dir is gone ($*)"
			return 125
		fi
		if [ "$(since "$t0" | cut -d. -f1)" -ge "$secs" ]; then
			msg "$dir: '$*' did not finish within $secs s"
			return 124
		fi
		sleep 0.2
	done
	rc=$(cat "$ctl/rc.$n")
	sed "s/^/  [$dir] /" "$ctl/out.$n"
	[ "$rc" = 0 ] || msg "$dir: '$*' failed (exit $rc)"
	return "$rc"
}

# out DIR KEY: KEY=VALUE from the last command's output in guest DIR.
out() {
	sed -n "s/^$2=//p" "$OUT/$1/ctl/out.${SEQ[$1]}" | tail -n 1
}

# stop_guest DIR: end its agent and wait for the guest to power off.
stop_guest() {
	local dir=$1 rc=0
	[ -n "${GUEST_PID[$dir]:-}" ] || return 0
	if kill -0 "${GUEST_PID[$dir]}" 2>/dev/null; then
		call "$dir" 60 stop >/dev/null || true
		wait "${GUEST_PID[$dir]}" || rc=$?
		msg "guest $dir stopped (run-guest status $rc)"
	fi
	GUEST_PID[$dir]=
	return "$rc"
}

# kill_guest DIR: SIGKILL its qemu (a power loss).
kill_guest() {
	local dir=$1 pid
	pid=$(cat "$OUT/$dir.pid") || die "no pid file for $dir"
	kill -KILL "$pid"
	wait "${GUEST_PID[$dir]}" 2>/dev/null || true
	GUEST_PID[$dir]=
}

cleanup() {
	local dir pid
	for dir in "${!GUEST_PID[@]}"; do
		[ -n "${GUEST_PID[$dir]}" ] || continue
		pid=$(cat "$OUT/$dir.pid" 2>/dev/null) || continue
		kill -KILL "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# ---------------------------------------------------------------- scenarios

# result NAME OK EXTRA...: the scenario's summary line, from the initiator's
# io_finish output ("result TAG: stall_max=... io_errors=... verify=...").
result() {
	local name=$1 ok=$2 line stall errors verify
	shift 2
	line=$(grep -h "^result $name:" "$OUT/I/ctl/out.${SEQ[I]}" 2>/dev/null | tail -n 1)
	stall=$(sed -n 's/.*stall_max=\([^ ]*\).*/\1/p' <<<"$line")
	errors=$(sed -n 's/.*io_errors=\([^ ]*\).*/\1/p' <<<"$line")
	verify=$(sed -n 's/.*verify=\([^ ]*\).*/\1/p' <<<"$line")
	[ "$ok" = 1 ] && [ "$errors" = 0 ] && [ "$verify" = ok ] || ok=0
	echo "ha-test: $name: $([ "$ok" = 1 ] && echo PASS || echo FAIL) failover=${stall:-?}" \
		"io_errors=${errors:-?} verify=${verify:-?} $*" | tee -a "$OUT/summary.txt"
	[ "$ok" = 1 ] || FAILED=$((FAILED + 1))
}

sc_steady() {
	local ok=1
	call I 120 io_start steady 0 || return 1
	sleep 20
	call I 120 wait_active A 60 || ok=0
	call I 600 io_finish steady || ok=0
	result steady "$ok" "path=$(grep -ho 'writes_per_path=[^ ]*' "$OUT/I/ctl/out.${SEQ[I]}")"
}

sc_fence() {
	local ok=1 fence back fail
	call I 120 io_start fence 1 || return 1
	call I 120 wait_active A 60 || ok=0
	call A1 180 tpg_disable || ok=0
	fence=$(grep -ho 'took [0-9.]* s' "$OUT/A1/ctl/out.${SEQ[A1]}" | awk '{ print $2 }' || true)
	call I 400 wait_active B 300 || ok=0
	fail=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
	sleep 10
	call A1 180 tpg_enable || ok=0
	call I 400 wait_active A 300 || ok=0
	back=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
	call I 600 io_finish fence || ok=0
	result fence "$ok" "disable_write=${fence:-?}s on_B_after=${fail:-?}s back_on_A_after=${back:-?}s"
}

sc_both_down() {
	local ok=1 back
	call I 120 io_start both-down 2 || return 1
	call I 120 wait_active A 60 || ok=0
	call A1 180 tpg_disable || ok=0
	call B 180 tpg_disable || ok=0
	call I 400 wait_nopath 300 || ok=0
	# I/O stays queued in dm-multipath while no path is there.
	sleep 20
	call I 60 paths || ok=0
	call B 180 tpg_enable || ok=0
	call I 400 wait_active B 300 || ok=0
	back=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
	call A1 180 tpg_enable || ok=0
	call I 400 wait_active A 300 || ok=0
	call I 600 io_finish both-down || ok=0
	result both-down "$ok" "I/O resumed on B ${back:-?}s after B's enable"
}

# both-opt: A and B both active/optimized.  The writes went through both
# paths when, with the map in one path group, each path carried at least a
# tenth of them over 20 s (the initiator's spread).  Once B's state was
# changed, it is set back at the end whatever happened in between.
sc_both_opt() {
	local ok=1 a=A1 one spread failed fail back spread2 two alone
	# A's guest: the first boot's, or after kill and restore the second's.
	[ -n "${GUEST_PID[A1]:-}" ] || a=A2
	[ -n "${GUEST_PID[$a]:-}" ] || { msg "both-opt: A is down (run restore first); skipped"; return 1; }
	call I 120 io_start both-opt 5 || return 1
	call I 120 wait_active A 60 || ok=0
	if call B 180 alua_state 0; then
		call I 400 wait_groups 1 300 || ok=0
		one=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
		# One group because multipathd saw both optimized, not by chance.
		call I 120 prios 60 A=50 B=50 || ok=0
		call I 120 spread 20 || ok=0
		spread=$(out I spread)
		# Planned maintenance on A: its path must fail (the writes it
		# held go to B after fast_io_fail_tmo), not just fall quiet.
		call "$a" 180 tpg_disable || ok=0
		call I 400 wait_failed A 300 || ok=0
		failed=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
		call I 400 wait_active B 300 || ok=0
		fail=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
		sleep 10
		call "$a" 180 tpg_enable || ok=0
		call I 400 wait_groups 1 300 || ok=0
		back=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
		call I 120 spread 20 || ok=0
		spread2=$(out I spread)
	else
		ok=0
	fi
	# B back to active/non-optimized: the later scenarios need it.
	if ! call B 180 alua_state 1 && ! call B 180 alua_state 1; then
		msg "both-opt: B's ALUA group could not be set back; the scenarios after this one would not test what they say"
		B_ALUA_CHANGED=1
		ok=0
	fi
	call I 400 wait_groups 2 300 || ok=0
	two=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
	call I 120 prios 60 A=50 B=10 || ok=0
	call I 400 wait_active A 300 || ok=0
	alone=$(sed -n 's/.*after=//p' "$OUT/I/ctl/out.${SEQ[I]}")
	call I 600 io_finish both-opt || ok=0
	result both-opt "$ok" "one_group_after=${one:-?}s spread=${spread:-?}" \
		"A_failed_after=${failed:-?}s on_B_after=${fail:-?}s both_again_after=${back:-?}s" \
		"spread_again=${spread2:-?} two_groups_after=${two:-?}s A_only_after=${alone:-?}s"
}

sc_kill() {
	local ok=1 t0 fail
	call I 120 io_start kill 3 || return 1
	call I 120 wait_active A 60 || ok=0
	t0=$(now)
	kill_guest A1
	msg "killed target A's qemu"
	call I 400 wait_active B 300 || ok=0
	fail=$(since "$t0")
	sleep 10
	call I 600 io_finish kill || ok=0
	result kill "$ok" "on_B_after=${fail}s (host clock, from the kill)"
}

sc_restore() {
	local ok=1 t0 up back
	[ -z "${GUEST_PID[A1]:-}" ] || { msg "restore: A is up (run kill first); skipped"; return 1; }
	call I 120 io_start restore 4 || return 1
	call I 120 wait_active B 60 || ok=0
	t0=$(now)
	mkdir -p "$OUT/A2"
	cp "$OUT/A1/saveconfig.json" "$OUT/A2/saveconfig.json"
	boot A A2 "$REPO/tools/guest/ha-target.sh" --disk "$OUT/shared.img"
	call A2 600 restore || ok=0
	up=$(since "$t0")
	call I 600 wait_active A 500 || ok=0
	back=$(since "$t0")
	call I 600 io_finish restore || ok=0
	result restore "$ok" "A_serving_after=${up}s back_on_A_after=${back}s (host clock, from the boot)"
}

# ---------------------------------------------------------------- main

main() {
	local s rc=0 want=("$@") dir log hits
	[ ${#want[@]} -gt 0 ] || want=("${ALL_SCENARIOS[@]}")
	for s in "${want[@]}"; do
		[[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s' (${ALL_SCENARIOS[*]})"
	done
	[ "$(id -u)" = 0 ] || die "run as root (qemu, and the guests' module loading)"
	cd "$REPO"
	# A fresh machine: the same packages as the README's two commands.
	tools/deps.sh || die "tools/deps.sh failed"
	make -j2 >/dev/null
	mkdir -p "$OUT"
	ln -sfn "$STAMP" "$REPO/build/ha/latest"
	msg "results in $OUT; segment $NET"
	# Six regions of 96 MiB (ha-initiator.sh's HA_REGION_MB), one per scenario.
	truncate -s 640M "$OUT/shared.img"
	local serial
	serial=$(cat /proc/sys/kernel/random/uuid)

	boot A A1 "$REPO/tools/guest/ha-target.sh" --disk "$OUT/shared.img"
	boot B B "$REPO/tools/guest/ha-target.sh" --disk "$OUT/shared.img"
	boot I I "$REPO/tools/guest/ha-initiator.sh"
	call A1 600 setup A 1 0 "$serial" "$INI_ID" || die "target A setup failed"
	GUID[A]=$(out A1 guid)
	call B 600 setup B 2 1 "$serial" "$INI_ID" || die "target B setup failed"
	GUID[B]=$(out B guid)
	call I 300 mp_start || die "multipathd failed"
	call I 300 login A "${GUID[A]}" "${IP[A]}" || die "login to A failed"
	call I 300 login B "${GUID[B]}" "${IP[B]}" || die "login to B failed"
	call I 300 map || die "no multipath map over both paths"
	msg "bed up after $(( $(date +%s) - T_START )) s"

	for s in "${want[@]}"; do
		msg "--- scenario $s"
		if [ "$B_ALUA_CHANGED" = 1 ]; then
			echo "ha-test: $s: FAIL (not run: B's ALUA state was left changed)" | tee -a "$OUT/summary.txt"
			FAILED=$((FAILED + 1))
			continue
		fi
		"sc_${s//-/_}" && continue
		grep -qs "^ha-test: $s:" "$OUT/summary.txt" && continue
		echo "ha-test: $s: FAIL (did not run to the end)" | tee -a "$OUT/summary.txt"
		FAILED=$((FAILED + 1))
	done

	call I 300 teardown || rc=1
	for dir in I B A2 A1; do
		stop_guest "$dir" || true
	done
	# Splats in any guest, the killed one included (its console).
	for dir in A1 A2 B I; do
		[ -d "$OUT/$dir" ] || continue
		log=$OUT/$dir/dmesg.log
		[ -s "$log" ] || log=$OUT/$dir/console.log
		hits=$(grep -n -F -f "$REPO/tools/guest/splat-patterns" "$log" || true)
		if [ -n "$hits" ]; then
			msg "kernel splat in guest $dir ($log):"
			printf '%s\n' "$hits" | head -n 20
			rc=1
		fi
	done
	[ "$FAILED" = 0 ] || rc=1
	msg "$(grep -c PASS "$OUT/summary.txt" || true) passed, $FAILED failed; $(( $(date +%s) - T_START )) s; $OUT"
	if [ "$rc" = 0 ]; then msg OK; else msg FAIL; fi
	return "$rc"
}

main "$@"
