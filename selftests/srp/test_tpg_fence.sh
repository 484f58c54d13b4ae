#!/bin/bash
# TPG disable is a fence.  While ib_srp logs in again and again, from two
# loops at once (a new initiator_ext, i.e. a new initiator port, each time,
# ch_count=2), write 0 to the TPG's "enable".  Once that write has returned:
#   - no channel of the TPG may be left: the ACL's info file lists no
#     session (a login accepted while the disable ran, after it closed the
#     sessions it saw, would still be there);
#   - no login may be accepted while the TPG stays disabled: no "login
#     accepted" line after the write returned, and the target port's
#     login_stats/accepted does not move, although the logins go on.
# The write comes right after the first channel of a login was accepted,
# while its second one (MULTICHANNEL) is on the way.
# Then log everything out, enable again, and go on to the next round.  At
# the end a normal login with verified I/O works, and the RDMA resource
# counts are what they were before the target was set up.
# The disable closes the sessions it finds and then waits for them to be
# released, which takes as long as their commands in flight: so that it
# takes long enough for logins to race it every round, each round also
# has a "holder" session (its own ACL, created first so that it matches
# first) with reads in flight on a second LUN, a slow backstore (every
# command completes 2 s late).  The logins of the loops go through an ACL
# named after the initiator's port GUID (it admits every initiator_ext),
# which maps only the fast LUN 0, so they stay quick.
# ib_srp runs with register_always=0 here (see below).
# Ours only: the checks read our info file and log lines.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"
srpt_ours_only "reads ib_srpt's (ours) ACL info file and log lines"

ROUNDS=${SRP_FENCE_ROUNDS:-5}
MAX_LOGINS=5		# per loop and round; each is a new SCSI host
LOOP_LOG=/tmp/srp-fence-logins.log
STOP=/tmp/srp-fence-stop
LOOP_PIDS=/tmp/srp-fence-loops	# the login loops' PIDs (for the exit trap)
HOLDER_EXT=00000000000000ff
HOLDER_LOG=/tmp/srp-fence-holder.log
export SRP_SLOW_BS_MS=2000
HOLDER_PID=

# holder_stop: the holder's reads end.
holder_stop() {
	[ -n "$HOLDER_PID" ] || return 0
	kill "$HOLDER_PID" 2>/dev/null || true
	wait "$HOLDER_PID" 2>/dev/null || true
	HOLDER_PID=
}

# stop_on_exit: after a failure, the login loops (which _srp_bg_kill does
# not reach: they are children of the killed subshell) and the holder's
# reads end before the hook srp_initiator_no_reg registers after this one
# logs out.
stop_on_exit() {
	local pid
	touch "$STOP"
	for pid in $(cat "$LOOP_PIDS" 2>/dev/null); do
		wait_for "$SRP_LOGIN_TIMEOUT" eval "! kill -0 $pid 2>/dev/null" || kill "$pid" 2>/dev/null
	done
	holder_stop
}
srpt_on_exit stop_on_exit

# Around ib_srp's use-after-free of flushed fast-registration completions
# (srp_initiator_no_reg in lib-srp.sh; debug-lane run 14 saw it here).  The
# fence makes hosts whose channels die with commands in flight: a login
# whose SCSI scan it cut (when fast_io_fail_tmo expires, srp_terminate_io()
# ends the scan's commands and posts their LOCAL_INVs on the dead QP; then
# "SCSI scan failed - removing SCSI host"), and the holder, whose reads in
# flight end the same way (or through srp_abort()) before the logout
# removes it.  With register_always=0 none of those registers: the scan's
# and sd's small buffers, one-page partition reads, the holder's 4 KiB
# reads (fio's buffers are page-aligned).  Only the final verified I/O
# (16 KiB: several segments) still registers, and it has ended before its
# logout.
srp_initiator_no_reg || fail "loading ib_srp with register_always=0"

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# RDMA resources before: $res_before"
acl=${RXE_GID_HEX:18}	# the port GUID: any initiator_ext of ours matches
holder_acl=0x$HOLDER_EXT${RXE_GID_HEX:18}
srp_target_setup --bs rd --bs-mb 32 --acl "$holder_acl" || fail "target setup"
_srp_bs_slow srp_slow 16 || fail "slow backstore"
if ! mkdir "$SRP_TPG/lun/lun_1" || ! ln -s "$GUEST_BS_DIR" "$SRP_TPG/lun/lun_1/srp_slow" ||
	! mkdir "$SRP_TPG/acls/$holder_acl/lun_1" ||
	! ln -s "$SRP_TPG/lun/lun_1" "$SRP_TPG/acls/$holder_acl/lun_1/mapped"; then
	fail "cannot export the slow LUN 1 to the holder"
fi
srp_acl_add "$acl" || fail "ACL $acl"
accepted_file=$SRP_PORT/fabric_statistics/srpt_login_stats/accepted
[ -r "$accepted_file" ] || fail "no $accepted_file"

# login_loop ROUND LOOP: add_target with a new initiator_ext each time
# until $STOP exists or MAX_LOGINS logins succeeded; one line per attempt.
login_loop() {
	local round=$1 loop=$2 add base str i=0 ok=0 ext
	add=/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target
	base=$(_srp_add_target_string ch_count=2) || return 1
	while [ ! -e "$STOP" ] && [ "$ok" -lt "$MAX_LOGINS" ]; do
		i=$((i + 1))
		ext=$(printf '%016x' $(((round << 16) + (loop << 8) + i)))
		srp_set_initiator_ext str "$base" "$ext" || return 1
		if srpt_timed_write "$SRP_LOGIN_TIMEOUT" "$add" "$str" 2>/dev/null; then
			ok=$((ok + 1))
			echo "login $ext accepted"
		else
			echo "login $ext refused"
			sleep 0.05
		fi
	done
}

login_loops() {
	login_loop "$1" 0 &
	echo "$!" >>"$LOOP_PIDS"
	login_loop "$1" 1 &
	echo "$!" >>"$LOOP_PIDS"
	wait
}

acl_channels() { echo $(($(srp_info_channels "$acl") + $(srp_info_channels "$holder_acl"))); }
all_info() { srp_acl_info "$holder_acl"; srp_acl_info "$acl"; }

# slow_disk: the sdX of LUN 1 (only the holder sees it).
slow_disk() {
	local d
	for d in /sys/class/scsi_device/*:*:*:1/device/block/*; do
		[ -e "$d" ] && _srp_disk_ready "${d##*/}" && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# holder_start: log the holder in and keep 16 reads in flight on LUN 1.
holder_start() {
	local add str disk
	add=/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target
	str=$(_srp_add_target_string) || return 1
	srp_set_initiator_ext str "$str" "$HOLDER_EXT" || return 1
	srpt_write "$add" "$str" "$SRP_LOGIN_TIMEOUT" || return 1
	wait_for "$SRP_LOGIN_TIMEOUT" slow_disk || { guest_err "no disk for LUN 1"; return 1; }
	disk=$(slow_disk)
	fio --name=holder --filename="/dev/$disk" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=16 --size=16M --time_based --runtime=300 >"$HOLDER_LOG" 2>&1 &
	HOLDER_PID=$!
	sleep 2
	kill -0 "$HOLDER_PID" 2>/dev/null || { cat "$HOLDER_LOG"; guest_err "holder fio ended"; return 1; }
}

no_acl_channels() { [ "$(acl_channels)" = 0 ]; }
# mid_login BASE: an odd number of channels accepted since BASE (each
# login of the loops has two): a login is between its channels.
mid_login() { [ $((($(cat "$accepted_file") - $1) % 2)) = 1 ]; }
# wait_mid_login BASE: poll (closely: the second channel follows the first
# within a second) until mid_login BASE, for as long as the loops run.
wait_mid_login() {
	local deadline=$((SECONDS + $(guest_scale_timeout 60)))
	while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$SRP_BG_PID" 2>/dev/null; do
		mid_login "$1" && return 0
		sleep 0.02
	done
	return 1
}
logins_ok() { [ "$(grep -c accepted "$LOOP_LOG" 2>/dev/null || true)" -ge "$1" ]; }

bad=0
for round in $(seq 1 "$ROUNDS"); do
	rm -f "$STOP" "$LOOP_PIDS"
	holder_start || fail "round $round: holder session"
	guest_dmesg_mark
	base=$(cat "$accepted_file")
	srp_bg_start "$LOOP_LOG" login_loops "$round"
	# Disable while logins are going on: once one got through, between
	# the two channels of a later one.
	wait_for 60 logins_ok 1 || { cat "$LOOP_LOG"; fail "round $round: no login got through"; }
	wait_mid_login "$base" ||
		echo "# round $round: caught no login between its two channels; disabling anyway"
	t0=$(date +%s.%N)
	srpt_write "$SRP_TPG/enable" 0 || fail "round $round: enable=0"
	# Right after the write returned.
	info=$(all_info)
	t1=$(date +%s.%N)
	accepted=$(cat "$accepted_file")
	guest_dmesg_mark
	left=$(grep -c '^CID: ' <<<"$info" || true)
	echo "# round $round: $(grep -c accepted "$LOOP_LOG" || true) login(s) so far; enable=0 took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s; channels listed right after it returned: $left"
	if [ "$left" != 0 ]; then
		echo "# round $round: FENCE BROKEN: $left channel(s) of the disabled TPG still there:"
		grep -E '^(LIO Session|CID: )' <<<"$info" | sed 's/^/#   /'
		bad=$((bad + 1))
	fi
	# The initiator keeps trying while the TPG stays disabled.
	sleep 3
	touch "$STOP"
	srp_bg_wait 60 || fail "round $round: the login loop did not stop"
	late=$(dmesg_count 'ib_srpt: .*login accepted')
	accepted_now=$(cat "$accepted_file")
	left=$(acl_channels)
	if [ "$late" != 0 ] || [ "$accepted_now" != "$accepted" ] || [ "$left" != 0 ]; then
		echo "# round $round: LOGIN WHILE DISABLED: $late 'login accepted' line(s), login_stats/accepted $accepted -> $accepted_now, $left channel(s) listed"
		guest_dmesg_since_mark | grep 'login accepted' | head -n 4 | sed 's/^/#   /' || true
		bad=$((bad + 1))
	fi
	holder_stop
	srp_logout_all || fail "round $round: logout"
	wait_for 30 no_acl_channels ||
		fail "round $round: channels left after the logout: $(all_info)"
	srpt_write "$SRP_TPG/enable" 1 || fail "round $round: enable=1"
done

# A normal login works after all this.
guest_dmesg_mark
dev=$(srp_login ch_count=2) || fail "login after re-enabling the TPG"
expect_eq "$(srp_info_sessions "$acl")" 1 "sessions after the final login"
expect_eq "$(srp_info_channels "$acl")" 2 "channels after the final login"
srp_fio_verify "$dev" --rw=randwrite --bs=16k --iodepth=16 --size=8M || fail "I/O after re-enabling"
srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
srp_initiator_defaults || fail "loading ib_srp with its defaults again"
[ "$bad" = 0 ] || fail "TPG disable was no fence in $bad check(s) over $ROUNDS rounds (see above)"
