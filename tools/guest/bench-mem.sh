#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel memory and login time against the number of channels (issue 20),
# run INSIDE the test guest by tools/bench.sh --memory.  In one boot, for
# each target of TARGETS in turn:
#
#   ours:S      our ib_srpt, use_srq=S; the kernel's ib_srp logs in over
#               RDMA/CM with ch_count=2, one session per initiator port
#               (initiator_ext 5ca1e000000000NN), each admitted by an ACL
#               of its own, all on LUN 0
#   intree:S    the distribution's ib_srpt, the same
#   nvmet:S     nvmet-rdma (its use_srq=S), the kernel's nvme-rdma host:
#               one controller per "session" (its own host NQN) with
#               --nr-io-queues=2, so 2 I/O queues per controller
#
# every target on one 64 MiB brd device (iblock for the SRP targets), all
# over soft-RoCE loopback on eth0 (rxe0).  The sessions are logged in in
# steps, one session first, then up to each count of CHANNELS (2 channels
# per session), and after each step, with the page cache dropped and the
# guest idle, it reads MemAvailable, Slab and VmallocUsed.  Two costs per
# channel come out of MemAvailable:
#
#   kib_per_channel     what was lost since before the first login, divided
#                       by the channels: everything the logins cost,
#                       including what the first one sets up once (ours
#                       creates its shared receive queues then, in-tree
#                       when use_srq is set; the first SCSI or NVMe host)
#   kib_per_added_channel   what was lost since the first session was in,
#                       divided by the channels added since: what one more
#                       channel costs (from 4 channels on)
#
# Both include the initiator, rxe's queues for both ends and the target:
# the same initiator and rxe for both SRP targets, their difference is the
# targets'.  The login time of a count is that of all its sessions: the
# add_target writes (controller connects) until every disk has appeared,
# summed over the steps up to it.
#
#   tools/guest/bench-mem.sh [--channels "2 16 32 64"]
#       [--targets "ours:0 ours:1 intree:0 nvmet:0 nvmet:1 intree:1"]
#       [--reserve-mb MB] [--quick]
#
# --quick: 2 and 4 channels only (checks the tool; the numbers mean little).
#
# A step is skipped, saying so, when what the channels have cost so far
# per channel (16 MiB before the first session) times the new channels,
# plus a quarter, would leave less than RESERVE_MB (default 384) of
# MemAvailable; the larger counts of that target are skipped with it.
#
# Prints one line per measurement:
#   MEM target=ours srq=0 channels=16 sessions=8 kib_per_channel=...
#       kib_per_added_channel=... slab_kib=... vmalloc_kib=... login_s=...
#   MEM-SKIP target=... channels=... reason=memory need_kib=... avail_kib=...
# and writes them to $RESULTS/bench-mem/: memory.json (one object per
# line of the above, with the raw meminfo values) and mem.txt (the lines).
#
# The in-tree driver with use_srq=1 trips a WARNING in its own
# srpt_cache_put() when the channels are released (a bug of the baseline,
# in 6.1 and 6.12: Documentation/infiniband/srpt-testing.rst).  Its
# teardown is therefore done between two kernel log lines,
# "srpt-bench-mem: known in-tree warning: begin" and "...: end", and
# tools/bench.sh accepts that one warning there and nothing else; intree:1
# is last in the default order so that nothing else runs after it.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$SRPT_REPO/selftests/srp/lib-srp.sh"

CHANNELS="2 16 32 64"
TARGETS="ours:0 ours:1 intree:0 nvmet:0 nvmet:1 intree:1"
RESERVE_MB=384
BS_MB=64
# What a channel is assumed to cost before one was measured: 12 MiB were
# measured for ours at the default srp_sq_size (4 MiB of it the target's
# rxe send queue).
FIRST_EST_KB=16384

while [ $# -gt 0 ]; do
	case $1 in
	--channels) CHANNELS=${2:?}; shift 2 ;;
	--targets) TARGETS=${2:?}; shift 2 ;;
	--reserve-mb) RESERVE_MB=${2:?}; shift 2 ;;
	--quick) CHANNELS="2 4"; shift ;;
	*) fail "unknown option $1" ;;
	esac
done

OUT=${RESULTS:?}/bench-mem
mkdir -p "$OUT"
: >"$OUT/mem.txt"
JSON_LINES=()
NVME_NQN=nqn.2024-01.org.example:srpt-bench-mem
NVME_PORT=4420
NVME_CFS=/sys/kernel/config/nvmet
KNOWN_BEGIN="srpt-bench-mem: known in-tree warning: begin"
KNOWN_END="srpt-bench-mem: known in-tree warning: end"
IP=$(ip -4 -o addr show dev "${RXE_NETDEV:-eth0}" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$IP" ] || fail "no IPv4 address on eth0"

# The counts, in order; each an even number of channels (2 per session).
read -ra COUNTS <<<"$(tr ' ' '\n' <<<"$CHANNELS" | sed '/^$/d' | sort -n -u | tr '\n' ' ')"
[ ${#COUNTS[@]} -gt 0 ] || fail "no channel counts"
for c in "${COUNTS[@]}"; do
	[[ $c =~ ^[1-9][0-9]*$ ]] && [ $((c % 2)) = 0 ] ||
		fail "channel count '$c': must be even (2 channels per session)"
done
MAX_SESSIONS=$((COUNTS[${#COUNTS[@]} - 1] / 2))

log() { echo "# $(date +%T) $*"; }

# since T0: seconds from T0 ($EPOCHREALTIME) until now, 0.1 s.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- memory

# settle: let the kernel free what it frees late (RCU callbacks, the
# release work of logins) and drop the page cache and reclaimable slab
# that the disks' partition scans and configfs left, so that MemAvailable
# moves only with what the channels hold.
settle() {
	sync
	sleep 2
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

# meminfo VAR: VAR=(MemAvailable MemFree Slab VmallocUsed) in KiB.
meminfo() {
	local -n _m=$1
	read -ra _m <<<"$(awk '{ v[$1] = $2 }
		END { print v["MemAvailable:"], v["MemFree:"], v["Slab:"], v["VmallocUsed:"] }' /proc/meminfo)"
}

# qp_count: RC queue pairs on rxe0 (both ends), as the kernel's resource
# tracking counts them: what the logins made, for the record.
qp_count() {
	rdma resource show 2>/dev/null | awk -v d="$RXE_DEV:" '$2 == d {
		for (i = 3; i < NF; i++) if ($i == "qp") print $(i + 1) }'
}

# record TARGET SRQ CHANNELS SESSIONS LOGIN_S STEP_S: print the MEM line
# of a measurement and keep it for memory.json.  BASE, FIRST and NOW (of
# the caller): meminfo before the first login, with the first session in,
# and now.
record() {
	local t=$1 srq=$2 ch=$3 sess=$4 login=$5 step_s=$6 qps line
	local lost=$((BASE[0] - NOW[0])) added=null
	[ "$ch" -le 2 ] || added=$(((FIRST[0] - NOW[0]) / (ch - 2)))
	qps=$(qp_count) || qps=
	[ -n "$qps" ] || qps=null
	line="MEM target=$t srq=$srq channels=$ch sessions=$sess kib_per_channel=$((lost / ch))"
	line+=" kib_per_added_channel=$added lost_kib=$lost"
	line+=" slab_kib=$((NOW[2] - BASE[2])) vmalloc_kib=$((NOW[3] - BASE[3]))"
	line+=" login_s=$login step_login_s=$step_s qps=${qps:-?}"
	echo "$line" | tee -a "$OUT/mem.txt"
	JSON_LINES+=("$(printf '{"target": "%s", "use_srq": %d, "channels": %d, "sessions": %d, "kib_per_channel": %d, "kib_per_added_channel": %s, "lost_kib": %d, "slab_kib": %d, "vmalloc_kib": %d, "login_s": %s, "step_login_s": %s, "qps": %s, "mem_available_kib_before": %d, "mem_available_kib_first": %d, "mem_available_kib": %d, "mem_free_kib_before": %d, "mem_free_kib": %d}' \
		"$t" "$srq" "$ch" "$sess" $((lost / ch)) "$added" "$lost" \
		$((NOW[2] - BASE[2])) $((NOW[3] - BASE[3])) "$login" "$step_s" "${qps:-null}" \
		"${BASE[0]}" "${FIRST[0]}" "${NOW[0]}" "${BASE[1]}" "${NOW[1]}")")
}

# record_skip TARGET SRQ CHANNELS NEED_KB AVAIL_KB
record_skip() {
	echo "MEM-SKIP target=$1 srq=$2 channels=$3 reason=memory need_kib=$4 avail_kib=$5 reserve_kib=$((RESERVE_MB * 1024))" |
		tee -a "$OUT/mem.txt"
	JSON_LINES+=("$(printf '{"target": "%s", "use_srq": %d, "channels": %d, "skipped": "memory", "need_kib": %d, "mem_available_kib": %d, "reserve_kib": %d}' \
		"$1" "$2" "$3" "$4" "$5" $((RESERVE_MB * 1024)))")
}

write_json() {
	local i n=${#JSON_LINES[@]}
	{
		echo "["
		for ((i = 0; i < n; i++)); do
			printf '  %s%s\n' "${JSON_LINES[i]}" "$([ $((i + 1)) -lt "$n" ] && echo ,)"
		done
		echo "]"
	} >"$OUT/memory.json"
}

# ---------------------------------------------------------------- SRP

srp_sessions_init "$MAX_SESSIONS"

# srp_setup IMPL SRQ: the target (brd, LUN 0, one ACL per session).
srp_setup() {
	srp_target_setup --impl "$1" --bs brd --bs-mb "$BS_MB" --srq "$2" --acl "${SRP_ACL[0]}" \
		>/dev/null || return 1
	srp_sessions_acls_add 1 || return 1
	SRP_LOGIN_BASE=$(_srp_add_target_string ch_count=2) || return 1
	SRP_HOST=()
	SRP_DISK=()
}

# srp_login_range FROM TO: sessions FROM..TO-1, then wait for their disks.
srp_login_range() {
	local i
	for ((i = $1; i < $2; i++)); do
		srp_session_login "$i" || { guest_err "login of session $i"; return 1; }
	done
	wait_for "$SRP_LOGIN_TIMEOUT" srp_sessions_disks_ready "$2" ||
		{ guest_err "not every disk of $2 sessions appeared"; return 1; }
}

# srp_teardown IMPL SRQ: log out, remove the ACLs and the target, unload
# ib_srpt.  intree with use_srq=1 warns in its srpt_cache_put() here: the
# known-warning window (see the top).
srp_teardown() {
	local known=0 rc=0
	[ "$1:$2" != intree:1 ] || known=1
	[ "$known" = 0 ] || echo "<6>$KNOWN_BEGIN" >/dev/kmsg
	srp_logout_all >/dev/null || rc=1
	srp_sessions_acls_del >/dev/null || rc=1
	srp_target_teardown >/dev/null || rc=1
	# The channels' release work runs after the logout returned.
	[ "$known" = 0 ] || { sleep 3; echo "<6>$KNOWN_END" >/dev/kmsg; }
	return "$rc"
}

# ---------------------------------------------------------------- NVMe

# nvme_setup SRQ: nvmet-rdma (use_srq=SRQ) exporting brd as namespace 1 on
# eth0's address, any host allowed; the nvme-rdma host loaded.
nvme_setup() {
	local s=$NVME_CFS/subsystems/$NVME_NQN p=$NVME_CFS/ports/1 srq=N
	[ "$1" = 0 ] || srq=Y
	# Plain per-controller disks (no native multipath head): one disk per
	# controller, as SRP has one per session.
	[ -d /sys/module/nvme_core ] || modprobe nvme_core multipath=N || return 1
	[ "$(cat /sys/module/nvme_core/parameters/multipath)" = N ] ||
		{ guest_err "nvme_core was loaded with multipath=Y"; return 1; }
	modprobe nvmet || return 1
	modprobe nvmet-rdma use_srq="$srq" || return 1
	[ "$(cat /sys/module/nvmet_rdma/parameters/use_srq)" = "$srq" ] ||
		{ guest_err "nvmet_rdma use_srq is not $srq"; return 1; }
	modprobe nvme-rdma || return 1
	modprobe brd rd_nr=1 rd_size=$((BS_MB * 1024)) max_part=0 || return 1
	wait_for 10 test -b /dev/ram0 || { guest_err "no /dev/ram0"; return 1; }
	mkdir "$s" "$s/namespaces/1" || return 1
	echo 1 >"$s/attr_allow_any_host"
	echo -n /dev/ram0 >"$s/namespaces/1/device_path"
	echo 1 >"$s/namespaces/1/enable" || return 1
	mkdir "$p" || return 1
	echo rdma >"$p/addr_trtype"
	echo ipv4 >"$p/addr_adrfam"
	echo "$IP" >"$p/addr_traddr"
	echo "$NVME_PORT" >"$p/addr_trsvcid"
	ln -s "$s" "$p/subsystems/$NVME_NQN"
}

# nvme_login_session I: connect controller I, a host of its own (host NQN
# and ID), with 2 I/O queues, by writing the options to /dev/nvme-fabrics
# as nvme-cli would: nvme-cli 2.3 (Debian 12) refuses a second controller
# to the same address and subsystem as "already connected" whatever the
# host NQN, --duplicate-connect or not (fixed upstream by nvme-cli pull
# request 1993, "fabrics: only look for matching ctrl on same host").  No
# fork either.
nvme_login_session() {
	local id fd resp
	printf -v id '5e1f0000-0000-4000-8000-%012x' "$1"
	exec {fd}<>/dev/nvme-fabrics || return 1
	printf '%s' "nqn=$NVME_NQN,transport=rdma,traddr=$IP,trsvcid=$NVME_PORT,hostnqn=nqn.2014-08.org.nvmexpress:uuid:$id,hostid=$id,nr_io_queues=2" >&"$fd" &&
		read -r -u "$fd" resp || resp=
	exec {fd}>&-
	[[ $resp == instance=* ]] || { guest_err "controller $1: /dev/nvme-fabrics answered '$resp'"; return 1; }
}

# nvme_disks_ready N: N controllers of our subsystem, each with its disk.
nvme_disks_ready() {
	local c n=0 nqn
	for c in /sys/class/nvme/nvme*; do
		{ read -r nqn <"$c/subsysnqn"; } 2>/dev/null || continue
		[ "$nqn" = "$NVME_NQN" ] || continue
		[ -b "/dev/${c##*/}n1" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -ge "$1" ]
}

nvme_login_range() {
	local i
	for ((i = $1; i < $2; i++)); do
		nvme_login_session "$i" || { guest_err "nvme connect of controller $i"; return 1; }
	done
	wait_for 60 nvme_disks_ready "$2" ||
		{ guest_err "not every namespace of $2 controllers appeared"; return 1; }
}

nvme_teardown() {
	local s=$NVME_CFS/subsystems/$NVME_NQN p=$NVME_CFS/ports/1 rc=0
	if [ -n "$(ls /sys/class/nvme 2>/dev/null)" ]; then
		timeout -k 5 120 nvme disconnect -n "$NVME_NQN" >/dev/null || rc=1
	fi
	[ ! -L "$p/subsystems/$NVME_NQN" ] || rm "$p/subsystems/$NVME_NQN"
	[ ! -d "$p" ] || rmdir "$p"
	if [ -d "$s" ]; then
		echo 0 >"$s/namespaces/1/enable"
		rmdir "$s/namespaces/1" "$s"
	fi
	# use_srq is read when nvmet-rdma loads: unload it for the next one.
	modprobe -r nvme-rdma nvmet-rdma nvmet || rc=1
	[ ! -d /sys/module/brd ] || rmmod brd || rc=1
	return "$rc"
}

# ---------------------------------------------------------------- main loop

# measure TARGET SRQ: set TARGET up, log in one session, then in steps up
# to each count, measuring after each; tear down.
measure() {
	local t=$1 srq=$2 kind=srp sess=0 want ch t0 step_s login=0 need est
	local -a BASE NOW FIRST
	[ "$t" != nvmet ] || kind=nvme
	log "$t use_srq=$srq: setup"
	if [ "$kind" = srp ]; then
		srp_setup "$t" "$srq" || fail "$t: target setup"
	else
		nvme_setup "$srq" || fail "nvmet setup"
	fi
	settle
	meminfo BASE
	NOW=("${BASE[@]}")
	est=$FIRST_EST_KB
	# The first session is always a step of its own: the cost of one more
	# channel is measured from there.
	for ch in 2 "${COUNTS[@]}"; do
		want=$((ch / 2))
		[ "$want" -gt "$sess" ] || continue
		need=$(((want - sess) * 2 * est * 5 / 4))
		if [ $((NOW[0] - need)) -lt $((RESERVE_MB * 1024)) ]; then
			record_skip "$t" "$srq" "$ch" "$need" "${NOW[0]}"
			continue
		fi
		t0=$EPOCHREALTIME
		"${kind}_login_range" "$sess" "$want" || fail "$t use_srq=$srq: login up to $want sessions"
		step_s=$(since "$t0")
		login=$(awk -v a="$login" -v b="$step_s" 'BEGIN { printf "%.1f", a + b }')
		settle
		meminfo NOW
		[ "$sess" != 0 ] || FIRST=("${NOW[@]}")
		if [[ " ${COUNTS[*]} " == *" $ch "* ]]; then
			record "$t" "$srq" "$ch" "$want" "$login" "$step_s"
		fi
		# What a channel has cost so far, for the next step's check.
		est=$(((BASE[0] - NOW[0]) / ch))
		[ "$est" -gt 1024 ] || est=1024
		sess=$want
	done
	log "$t use_srq=$srq: teardown"
	if [ "$kind" = srp ]; then
		srp_teardown "$t" "$srq" || fail "$t use_srq=$srq: teardown"
	else
		nvme_teardown || fail "nvmet teardown"
	fi
	# The RDMA core keeps its pool CQs (ib_cq_pool_get(): the in-tree
	# driver's, nvmet-rdma's and nvme-rdma's) until the device goes away;
	# the next target would get them for nothing. A new rxe0 for each.
	guest_rxe_down && guest_rxe_up || fail "re-creating rxe0 after $t use_srq=$srq"
}

srpt_test_cleanup() {
	write_json
	nvme_teardown >/dev/null 2>&1 || true
	if [ -n "${SRP_TPG:-}" ] && [ -d "$SRP_TPG" ]; then
		srp_logout_all >/dev/null 2>&1
		srp_sessions_acls_del >/dev/null 2>&1
	fi
	return 0
}

{
	echo "kernel=$(uname -r)"
	echo "vcpus=$(nproc)"
	echo "mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
	echo "channels=${COUNTS[*]} targets=$TARGETS reserve_mb=$RESERVE_MB bs=brd bs_mb=$BS_MB"
	echo "srp_sq_size=default ib_srp=defaults,ch_count=2 nvme=--nr-io-queues=2"
	echo "ours_ko_sha256=$(sha256sum <"$SRPT_KO_BUILT" | cut -c1-16)"
	echo "nvme_cli=$(nvme version 2>/dev/null | head -n 1)"
} >"$OUT/guest.txt"
sed 's/^/# guest: /' "$OUT/guest.txt"

for spec in $TARGETS; do
	t=${spec%%:*}
	srq=${spec#*:}
	[[ $spec == *:* && $srq =~ ^[01]$ ]] || fail "target '$spec': want NAME:0 or NAME:1"
	case $t in
	ours|intree|nvmet) ;;
	*) fail "unknown target '$t' (ours, intree, nvmet)" ;;
	esac
	measure "$t" "$srq"
	write_json
done
log "done"
