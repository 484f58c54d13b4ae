#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/guest/ha-initiator.sh: the initiator of tools/ha-test.sh's HA test
# bed, run in a guest booted with run-guest.sh --net2 (eth1, the segment it
# shares with the two targets).  It stays up and takes commands from the
# host (tools/guest/ha-agent.sh):
#
#   mp_start                 udevd, /etc/multipath.conf (below), multipathd
#   login NAME GUID IP       ib_srp login over RDMA/CM to the target at IP
#                            (srpt_service_guid GUID); NAME (A, B) names the
#                            path from then on; sets its remote port timers
#   map                      wait for the multipath map with every path
#                            logged in; print it
#   io_start TAG REGION      start the verified writer on the multipath
#                            device (fio crc32c, verify_backlog, acknowledged
#                            writes logged; lib-srp.sh's srp_bg_fio_start
#                            job) on region REGION (0..) of the disk, and a
#                            monitor of completed I/O per path every 0.2 s
#   wait_active NAME SECS    until I/O goes through path NAME only
#   wait_nopath SECS         until no path of the map is active
#   wait_failed NAME SECS    until dm-multipath has marked path NAME failed
#   prios SECS NAME=PRIO...  until multipathd gives each path NAME that
#                            priority (alua: 50 active/optimized, 10
#                            active/non-optimized); prints them and each
#                            path's access_state
#   wait_groups N SECS       until the map has N path groups and every
#                            path of it is active (dmsetup status)
#   spread SECS              writes per path over SECS s; fails unless the
#                            map had one path group at the start and at
#                            the end and every path carried at least
#                            $HA_SPREAD_MIN_PCT % of the writes
#   io_finish TAG            stop the writer (SIGINT: it saves how far it
#                            got), read back and check every acknowledged
#                            write, print a result line: the longest I/O
#                            stall, I/O errors fio saw, the verify result
#   paths                    multipath -ll and the remote ports' states
#   teardown                 stop multipathd, remove the map, log out
#
# Logins use tl_retry_count=$HA_TL_RETRY_COUNT (see below).
# Remote port timers (ib_srp): reconnect_delay $HA_RECONNECT_DELAY s,
# fast_io_fail_tmo $HA_FAST_IO_FAIL s, dev_loss_tmo off: a lost target
# fails its commands (over to the other path) after fast_io_fail_tmo, and
# ib_srp logs in again by itself whenever the target is back, however long
# it was away.
set -uo pipefail
# shellcheck source=tools/guest/lib.sh
source "$SRPT_REPO/tools/guest/lib.sh"
# shellcheck source=tools/guest/ha-agent.sh
source "$SRPT_REPO/tools/guest/ha-agent.sh"

HA_NETDEV=eth1
HA_CM_PORT=5555
HA_RECONNECT_DELAY=${HA_RECONNECT_DELAY:-5}
HA_FAST_IO_FAIL=${HA_FAST_IO_FAIL:-5}
# ib_srp's tl_retry_count, the RC retry count of its QPs (2..7, default
# 7).  rxe takes 7 as "retry forever" (rxe_comp.c), so with the default a
# dead target never puts the QP in error: only the SCSI command timeout
# (30 s), ib_srp's aborts (5 s each) and resets found out, 63 s in the
# first full run.  With 4 the QP fails after four unanswered retries
# (about 2 s each with rdma_cm's RoCE packet life time) and
# fast_io_fail_tmo starts then.
HA_TL_RETRY_COUNT=${HA_TL_RETRY_COUNT:-4}
HA_REGION_MB=96
# spread: the least share of the writes each path of one group must carry
# (dm-multipath's service-time selector spreads them about evenly).
HA_SPREAD_MIN_PCT=${HA_SPREAD_MIN_PCT:-10}
HA_RATE_IOPS=${HA_RATE_IOPS:-50}
HA_RUN=/run/ha
# Under TCG with three guests on two host cores, everything is slow: the
# lib-srp.sh bounds (logins, fio) grow with this.  The wait_* commands are
# not scaled: the host gives them their time.
export SELFTEST_TIMEOUT_SCALE=${SELFTEST_TIMEOUT_SCALE:-3}

mkdir -p "$HA_RUN"
# udevd first: multipathd learns of paths through it, and it names the map.
guest_start_udevd || exit 1
guest_rxe_up rxe0 "$HA_NETDEV" || exit 1
export RXE_NETDEV=$HA_NETDEV
# shellcheck source=selftests/srp/lib-srp.sh
source "$SRPT_REPO/selftests/srp/lib-srp.sh"
# lib-srp.sh's EXIT trap tears down what is left (logins) when we end.

# ib_srp with register_always=0: the writer's 4 KiB I/O is then one page
# on the PD's global rkey, and ib_srp posts no REG_MR.  With a REG_MR in
# flight when target A's qemu is killed, soft-RoCE's requester, retrying
# toward the dead target, executes that REG_MR again ("rdma_rxe:
# rxe_reg_fast_mr: mr->lkey = ... not free"; see srp/test_scale.sh); in
# the run that showed it the transport then reported nothing for 160 s (no
# flush, why is not understood), so ib_srp never failed the path and
# fast_io_fail_tmo never fired; the SCSI error handler (30 s
# command timeout, aborts, resets against the dead target) took 163 s to
# offline the disk, and dm-multipath waited for it.  Most likely the same
# as the unexplained 178 s "kill" failover of an earlier run (whose logs
# were not kept); it is the initiator's transport, not anything a target
# can change.  Loaded once here, before any login; not set back (the guest
# ends with this script).
srp_initiator_reload_no_reg || exit 1

HA_MYIP=$(ip -4 -o addr show dev "$HA_NETDEV" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
HA_MON_PID=
HA_MAP=
HA_MPD_PID=
# io_finish prints the initiator's kernel and multipathd messages of a
# scenario whose longest stall exceeded this many seconds.
HA_LOG_STALL=${HA_LOG_STALL:-60}

# ---------------------------------------------------------------- multipath

ha_cmd_mp_start() {
	modprobe -a dm_multipath scsi_dh_alua || return 1
	cat >/etc/multipath.conf <<-'EOF'
	defaults {
		find_multipaths		no
		user_friendly_names	yes
		polling_interval	2
		queue_without_daemon	no
	}
	blacklist {
		devnode	"^(vd|nullb|ram|loop)"
	}
	devices {
		device {
			vendor			"LIO-ORG"
			product			".*"
			path_grouping_policy	group_by_prio
			prio			alua
			hardware_handler	"1 alua"
			path_checker		tur
			failback		immediate
			no_path_retry		queue
		}
	}
	EOF
	# In the foreground, so that its log (path checks, path and group
	# changes) is kept: io_finish shows it beside the kernel's when a
	# stall was long.
	multipathd -d >"$RESULTS/multipathd.log" 2>&1 &
	HA_MPD_PID=$!
	wait_for 30 _ha_mpd_answers_or_gone || true
	if ! kill -0 "$HA_MPD_PID" 2>/dev/null || ! multipathd show daemon >/dev/null 2>&1; then
		guest_err "multipathd (pid $HA_MPD_PID) exited or does not answer"
		tail -n 20 "$RESULTS/multipathd.log"
		return 1
	fi
	multipathd show daemon
}

# _ha_mpd_answers_or_gone: multipathd answers, or ours has exited (one
# already running, a bad configuration): nothing more to wait for.
_ha_mpd_answers_or_gone() {
	! kill -0 "$HA_MPD_PID" 2>/dev/null || multipathd show daemon >/dev/null 2>&1
}

# _ha_map: the name of the (one) multipath map.
_ha_map() {
	dmsetup ls --target multipath 2>/dev/null | awk 'NF >= 2 && $1 != "No" { print $1; exit }'
}

# _ha_active_paths: the number of active paths of the map (dmsetup status:
# each path is "MAJ:MIN A|F FAILCOUNT ...").
_ha_active_paths() {
	dmsetup status "$HA_MAP" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+:[0-9]+$/ && $(i + 1) == "A") n++ }
			END { print n + 0 }'
}

_ha_map_complete() {
	HA_MAP=$(_ha_map)
	[ -n "$HA_MAP" ] && [ "$(_ha_active_paths)" -ge "$(find "$HA_RUN" -name 'path.*' | wc -l)" ]
}

ha_cmd_map() {
	wait_for 60 _ha_map_complete || {
		guest_err "no multipath map with every path (map '${HA_MAP:-}')"
		multipath -ll
		return 1
	}
	[ -b "/dev/mapper/$HA_MAP" ] || dmsetup mknodes "$HA_MAP"
	wait_for 10 test -b "/dev/mapper/$HA_MAP" || { guest_err "no /dev/mapper/$HA_MAP"; return 1; }
	echo "map=$HA_MAP"
	multipath -ll "$HA_MAP"
	# Write-through: the shared disk is (run-guest.sh --disk), and iblock
	# passes that on; an acknowledged write is then on the disk.
	for d in /sys/class/scsi_disk/*/cache_type; do echo "$d: $(cat "$d")"; done
}

# ---------------------------------------------------------------- paths

# ha_cmd_login NAME GUID IP
ha_cmd_login() {
	local name=${1:?name} guid=${2:?guid} ip=${3:?ip}
	local add str before d dev="" host rport err
	add=/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target
	str="id_ext=$guid,ioc_guid=$guid,initiator_ext=fe80000000000000,src=$HA_MYIP,dest=$ip:$HA_CM_PORT"
	str+=",tl_retry_count=$HA_TL_RETRY_COUNT"
	before=" $(srp_disks | tr '\n' ' ') "
	err=$(srpt_timed_write "$SRP_LOGIN_TIMEOUT" "$add" "$str" 2>&1) ||
		{ guest_err "login to $name failed: '$str': ${err:-timeout}"; return 1; }
	wait_for 30 _ha_new_disk "$before" || { guest_err "no disk from the login to $name"; return 1; }
	dev=$HA_NEW_DISK
	host=$(readlink -f "/sys/block/$dev/device" | grep -o 'host[0-9]*' | head -n 1)
	rport=/sys/class/srp_remote_ports/port-${host#host}:1
	[ -d "$rport" ] || { guest_err "no remote port $rport for $dev"; return 1; }
	srpt_write "$rport/dev_loss_tmo" off && srpt_write "$rport/fast_io_fail_tmo" "$HA_FAST_IO_FAIL" &&
		srpt_write "$rport/reconnect_delay" "$HA_RECONNECT_DELAY" || return 1
	printf '%s %s\n' "$dev" "$rport" >"$HA_RUN/path.$name"
	echo "path $name: /dev/$dev $rport ($str)"
}

_ha_new_disk() {
	local d
	for d in $(srp_disks); do
		[[ $1 == *" $d "* ]] && continue
		_srp_disk_ready "$d" && { HA_NEW_DISK=$d; return 0; }
	done
	return 1
}

_ha_path_dev() { awk '{ print $1 }' "$HA_RUN/path.$1"; }
_ha_path_rport() { awk '{ print $2 }' "$HA_RUN/path.$1"; }
_ha_path_names() { (cd "$HA_RUN" && for p in path.*; do [ -e "$p" ] && echo "${p#path.}"; done); }

# _ha_writes DEV: completed writes of DEV.
_ha_writes() {
	local f
	read -r -a f <"/sys/block/$1/stat" || return 1
	echo "${f[4]}"
}

ha_cmd_paths() {
	local n
	multipath -ll "${HA_MAP:-}" 2>&1
	for n in $(_ha_path_names); do
		echo "path $n: $(_ha_path_dev "$n") rport $(cat "$(_ha_path_rport "$n")/state")" \
			"writes $(_ha_writes "$(_ha_path_dev "$n")")"
	done
}

# _ha_only_active NAME: over 2 s, writes went through NAME's path and no
# other.
_ha_only_active() {
	local n want=$1 ok=0
	declare -A w0
	for n in $(_ha_path_names); do w0[$n]=$(_ha_writes "$(_ha_path_dev "$n")"); done
	sleep 2
	for n in $(_ha_path_names); do
		if [ "$n" = "$want" ]; then
			[ "$(_ha_writes "$(_ha_path_dev "$n")")" -gt "${w0[$n]}" ] && ok=1
		else
			[ "$(_ha_writes "$(_ha_path_dev "$n")")" = "${w0[$n]}" ] || return 1
		fi
	done
	[ "$ok" = 1 ]
}

# _ha_wait_timed WHAT SECS ERROR PREDICATE [ARGS...]: wait up to SECS s
# (unscaled) for PREDICATE ARGS; print "WHAT after=<seconds>" (the host
# reads the time from it), or ERROR and the paths and fail.
_ha_wait_timed() {
	local what=$1 secs=$2 err=$3 t0
	shift 3
	t0=$(ha_now)
	SELFTEST_TIMEOUT_SCALE=1 wait_for "$secs" "$@" || {
		guest_err "$err"
		ha_cmd_paths
		return 1
	}
	awk -v a="$t0" -v b="$(ha_now)" -v w="$what" \
		'BEGIN { printf "%s after=%.1f\n", w, b - a }'
}

ha_cmd_wait_active() {
	local name=${1:?name} secs=${2:-120}
	_ha_wait_timed "active=$name" "$secs" \
		"I/O did not go through path $name only within $secs s" _ha_only_active "$name"
}

_ha_no_path() { [ "$(_ha_active_paths)" = 0 ]; }

ha_cmd_wait_nopath() {
	local secs=${1:-120}
	_ha_wait_timed nopath "$secs" "the map still has active paths after $secs s" _ha_no_path &&
		dmsetup status "$HA_MAP"
}

# _ha_groups: the number of path groups of the map (dmsetup status: after
# "START LENGTH multipath", the features and the hardware handler's status,
# each a count and that many words, then the number of groups).
_ha_groups() {
	dmsetup status "$HA_MAP" 2>/dev/null | awk '{ i = 4; i += $i + 1; i += $i + 1; print $i; exit }'
}

# _ha_grouped N: the map has N path groups and every path is active in it
# (checked every half second: dmsetup under TCG is not free).
_ha_grouped() {
	[ "$(_ha_groups)" = "$1" ] && [ "$(_ha_active_paths)" -ge "$(_ha_path_names | wc -l)" ] && return 0
	sleep 0.5
	return 1
}

ha_cmd_wait_groups() {
	local n=${1:?groups} secs=${2:-120}
	_ha_wait_timed "groups=$n" "$secs" \
		"the map has no $n path group(s) with every path active after $secs s" \
		_ha_grouped "$n" && multipathd show topology
}

# _ha_path_failed NAME: dm-multipath has marked path NAME failed ("F"
# after its MAJ:MIN in dmsetup status).
_ha_path_failed() {
	local mm
	mm=$(cat "/sys/block/$(_ha_path_dev "$1")/dev") || return 1
	dmsetup status "$HA_MAP" 2>/dev/null |
		awk -v mm="$mm" '{ for (i = 1; i < NF; i++) if ($i == mm && $(i + 1) == "F") f = 1 }
			END { exit !f }' && return 0
	sleep 0.5
	return 1
}

ha_cmd_wait_failed() {
	local name=${1:?name} secs=${2:-120}
	_ha_wait_timed "failed=$name" "$secs" \
		"dm-multipath did not fail path $name within $secs s" _ha_path_failed "$name"
}

# _ha_prios_are NAME=PRIO...: multipathd's priority of each path NAME (the
# alua prioritizer's: 50 active/optimized, 10 active/non-optimized) is PRIO.
_ha_prios_are() {
	local want dev got
	for want in "$@"; do
		dev=$(_ha_path_dev "${want%%=*}")
		got=$(multipathd show paths raw format "%d %p" 2>/dev/null |
			awk -v d="$dev" '$1 == d { print $2; exit }')
		[ "$got" = "${want#*=}" ] || { sleep 0.5; return 1; }
	done
}

# ha_cmd_prios SECS NAME=PRIO...: wait until the paths have those
# priorities; print them and the kernel's ALUA view (access_state).
ha_cmd_prios() {
	local secs=${1:?secs} n dev
	shift
	SELFTEST_TIMEOUT_SCALE=1 wait_for "$secs" _ha_prios_are "$@" || {
		guest_err "path priorities are not $* after $secs s"
		multipathd show paths raw format "%d %p %t %T" 2>&1
		return 1
	}
	for n in $(_ha_path_names); do
		dev=$(_ha_path_dev "$n")
		echo "path $n: $dev prio $(multipathd show paths raw format "%d %p" |
			awk -v d="$dev" '$1 == d { print $2; exit }')" \
			"access_state $(cat "/sys/block/$dev/device/access_state" 2>/dev/null || echo '?')"
	done
}

ha_cmd_spread() {
	local secs=${1:-20} n g0 g1 total=0 line="" rc=0
	local -a names
	declare -A w0 w
	mapfile -t names < <(_ha_path_names)
	g0=$(_ha_groups)
	for n in "${names[@]}"; do
		w0[$n]=$(_ha_writes "$(_ha_path_dev "$n")") ||
			{ guest_err "no write count for path $n"; return 1; }
	done
	sleep "$secs"
	for n in "${names[@]}"; do
		g1=$(_ha_writes "$(_ha_path_dev "$n")") ||
			{ guest_err "no write count for path $n"; return 1; }
		w[$n]=$((g1 - w0[$n]))
		total=$((total + w[$n]))
		line+="${line:+,}$n=${w[$n]}"
	done
	g1=$(_ha_groups)
	echo "spread=$line"
	echo "path groups: ${g0:-?} at the start, ${g1:-?} at the end; $total writes in $secs s"
	if [ "$g0" != 1 ] || [ "$g1" != 1 ]; then
		guest_err "not one path group throughout"
		rc=1
	fi
	for n in "${names[@]}"; do
		if [ "${w[$n]}" -le 0 ] || [ $((w[$n] * 100)) -lt $((total * HA_SPREAD_MIN_PCT)) ]; then
			guest_err "path $n carried ${w[$n]} of the $total writes (less than $HA_SPREAD_MIN_PCT %)"
			rc=1
		fi
	done
	[ "$rc" = 0 ] || ha_cmd_paths
	return "$rc"
}

# ---------------------------------------------------------------- I/O

# _ha_monitor DMDEV OUT: every 0.2 s a line "TIME IOS NAME=WRITES..." (IOS:
# reads + writes completed on the map).
_ha_monitor() {
	local dm=$1 out=$2 n line
	local -a f names
	mapfile -t names < <(_ha_path_names)
	while :; do
		read -r -a f <"/sys/block/$dm/stat" || break
		line="$EPOCHREALTIME $((f[0] + f[4]))"
		for n in "${names[@]}"; do
			line+=" $n=$(_ha_writes "$(_ha_path_dev "$n")")"
		done
		echo "$line" >>"$out"
		sleep 0.2
	done
}

# ha_cmd_io_start TAG REGION
ha_cmd_io_start() {
	local tag=${1:?tag} region=${2:?region} dir dm before
	local -a args
	[ -n "$HA_MAP" ] || { guest_err "no map (run map first)"; return 1; }
	dir=$RESULTS/io-$tag
	dm=$(basename "$(readlink -f "/dev/mapper/$HA_MAP")")
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	# srp_bg_fio_start's job (lib-srp.sh), started here so that the PID is
	# fio's timeout (it passes SIGINT on to fio).
	printf '%s\n' --offset=$((region * HA_REGION_MB))M --size="${HA_REGION_MB}M" --bs=4k \
		--iodepth=4 "--rate_iops=,$HA_RATE_IOPS" >"$dir/args"
	mapfile -t args <"$dir/args"
	before=$(_ha_writes "$dm")
	echo "$(dmesg | wc -l) $(wc -l <"$RESULTS/multipathd.log")" >"$dir/log-marks"
	(cd "$dir" && exec timeout -k 10 1200 fio "${_SRP_BGV_ARGS[@]}" \
		--filename="/dev/mapper/$HA_MAP" --verify_backlog=64 --verify_state_save=1 \
		--write_lat_log=acked --log_offset=1 "${args[@]}") >"$dir/write.log" 2>&1 &
	SRP_BG_PID=$!
	_ha_monitor "$dm" "$HA_RUN/mon-$tag.log" &
	HA_MON_PID=$!
	wait_for 60 _ha_progress "$dm" "$before" || {
		guest_err "no I/O on /dev/mapper/$HA_MAP"
		tail -n 20 "$dir/write.log"
		return 1
	}
	echo "io $tag: fio $SRP_BG_PID on /dev/mapper/$HA_MAP ($dm), region $region"
}

# _ha_progress DM BEFORE: more than 10 writes on DM since it had BEFORE.
_ha_progress() {
	[ "$(_ha_writes "$1")" -gt $(($2 + 10)) ]
}

# _ha_stall LOG: "MAX_GAP AT BEGAN" the longest time with no I/O completed
# on the map between the first and the last completion the log saw (fio
# starting and stopping do not count), when it began in seconds since the
# log's start, and when it began in seconds since the epoch.
_ha_stall() {
	awk 'NR == 1 { t0 = $1; ios = $2; next }
		$2 != ios { if (last != "" && $1 - last > max) { max = $1 - last; at = last - t0; began = last }
			last = $1; ios = $2 }
		END { printf "%.1f %.1f %.1f\n", max, at, began }' "$1"
}

# _ha_scenario_logs DIR STALL BEGAN: the kernel's and multipathd's messages
# since io_start into DIR/kernel.log and DIR/multipathd.log; printed, the
# path-related ones, when the longest stall (STALL s from BEGAN, epoch
# seconds) was over HA_LOG_STALL: what the initiator did meanwhile.
_ha_scenario_logs() {
	local dir=$1 stall=$2 began=$3 kmark mmark pat
	read -r kmark mmark <"$dir/log-marks" || return 0
	dmesg | tail -n +$((kmark + 1)) >"$dir/kernel.log"
	tail -n +$((mmark + 1)) "$RESULTS/multipathd.log" >"$dir/multipathd.log"
	awk -v s="$stall" -v l="$HA_LOG_STALL" 'BEGIN { exit !(s > l) }' || return 0
	# Both logs stamp seconds since boot.
	read -r up _ </proc/uptime
	echo "slow: no I/O completed for ${stall} s from $(awk -v b="$began" -v u="$up" \
		-v n="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - (n - u) }') s after boot; the initiator's log:"
	pat='srp|rport|scsi|sd[a-z]+|device-mapper|multipath|I/O error|rdma|rxe|alua|blk_|reset|abort|offline'
	grep -Ei "$pat" "$dir/kernel.log" | _ha_head_tail 40 20 | sed 's/^/klog: /'
	grep -Ei 'sd[a-z]+|path|checker|fail|reinstat|switch|group' "$dir/multipathd.log" |
		_ha_head_tail 40 20 | sed 's/^/mpd: /'
}

# _ha_head_tail H T: the first H and the last T lines of stdin.
_ha_head_tail() {
	awk -v h="$1" -v t="$2" '{ l[NR] = $0 }
		END { for (i = 1; i <= NR; i++)
			if (i <= h || i > NR - t) print l[i]
			else if (i == h + 1) print "... (" NR - h - t " more)" }'
}

# _ha_path_share LOG: "NAME=WRITES ..." writes per path over the log.
_ha_path_share() {
	awk 'NR == 1 { for (i = 3; i <= NF; i++) { split($i, a, "="); s[a[1]] = a[2]; o[i] = a[1] } }
		{ for (i = 3; i <= NF; i++) { split($i, a, "="); e[a[1]] = a[2] } }
		END { for (i = 3; i in o; i++) printf "%s%s=%d", (i > 3 ? "," : ""), o[i], e[o[i]] - s[o[i]]; print "" }' "$1"
}

ha_cmd_io_finish() {
	local tag=${1:?tag} dir stall errors verify="ok" acked rc=0 out
	dir=$RESULTS/io-$tag
	[ -n "${SRP_BG_PID:-}" ] || { guest_err "no writer running"; return 1; }
	kill -INT "$SRP_BG_PID" 2>/dev/null
	srp_bg_wait 180 || rc=1
	if [ -n "$HA_MON_PID" ]; then
		kill "$HA_MON_PID" 2>/dev/null
		wait "$HA_MON_PID" 2>/dev/null
		HA_MON_PID=
	fi
	cp "$HA_RUN/mon-$tag.log" "$dir/monitor.log"
	stall=$(_ha_stall "$dir/monitor.log")
	_ha_scenario_logs "$dir" "${stall%% *}" "${stall##* }"
	stall=${stall% *}
	errors=$(grep -Ec 'io_u error|err= *[1-9]' "$dir/write.log")
	grep -Eq 'verify: bad|verify failed|bad magic|crc32c.*(bad|fail)' "$dir/write.log" && verify=BAD
	out=$(srp_fio_check_written "$dir" "/dev/mapper/$HA_MAP" 2>&1) || { verify=LOST; rc=1; }
	printf '%s\n' "$out" | sed 's/^/check: /'
	acked=$(wc -l <"$dir/acked" 2>/dev/null || echo 0)
	echo "fio: exit ${SRP_BG_RC:-?}; $(grep -E '^ *write: IOPS=' "$dir/write.log" | head -n 1 | sed 's/^ *//')"
	[ "$errors" = 0 ] || rc=1
	[ "$verify" = ok ] || rc=1
	echo "result $tag: stall_max=${stall% *}s stall_at=${stall#* }s io_errors=$errors verify=$verify" \
		"acked_writes=$acked writes_per_path=$(_ha_path_share "$dir/monitor.log")"
	return "$rc"
}

# ---------------------------------------------------------------- teardown

ha_cmd_teardown() {
	local pid rc=0
	if [ -n "${SRP_BG_PID:-}" ]; then
		kill -INT "$SRP_BG_PID" 2>/dev/null
		srp_bg_wait 60
	fi
	[ -z "$HA_MON_PID" ] || { kill "$HA_MON_PID" 2>/dev/null; wait "$HA_MON_PID" 2>/dev/null; }
	pid=$(cat /run/multipathd.pid 2>/dev/null || echo "$HA_MPD_PID")
	if [ -n "$pid" ]; then
		if ! kill "$pid" || ! wait_for 30 test ! -d "/proc/$pid"; then
			guest_err "multipathd did not stop"
			rc=1
		fi
	fi
	[ -z "$HA_MAP" ] || dmsetup remove --noudevsync "$HA_MAP" || { guest_err "cannot remove $HA_MAP"; rc=1; }
	srp_logout_all || rc=1
	return "$rc"
}

ha_agent_loop
