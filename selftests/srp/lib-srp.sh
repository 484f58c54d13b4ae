# shellcheck shell=bash
# selftests/srp/lib-srp.sh: shared helpers for the end-to-end SRP tests (our
# or the in-tree ib_srpt as target, the kernel's ib_srp as initiator, both on
# soft-RoCE rxe0 in the qemu guest).  Source it right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/lib-srp.sh"
#
# It sources selftests/lib.sh (the tests' library: assertions, the dmesg
# window, timed writes, srpt_teardown, the exit trap, SRPT_IMPL), installs
# the exit trap with srp_target_teardown as its teardown, tears down what an
# earlier test left behind, brings up rxe0, loads sd_mod and ib_srp and
# starts the dmesg window (guest_dmesg_mark).
#
#   srp_target_setup [--impl ours|intree] [--bs rd|fileio|brd|slow|hold] [--bs-mb MB]
#                    [--srq 0|1] [--acl NAME] [--no-enable] [--param P=V]...
#       Load ib_srpt (unless loaded; --param only then), create a backstore,
#       the target port named after rxe0's GID, tpgt_1, lun_0, an ACL for
#       our initiator (or NAME) with lun_0 mapped, enable the TPG and listen
#       on RDMA/CM port 5555.  Sets SRP_PORT SRP_TPG SRP_INIT_ID SRP_BS.
#       --bs slow: iblock on a memory-backed null_blk device that completes
#       every command SRP_SLOW_BS_MS (default 1000) ms late.
#       --bs hold: iblock on a device-mapper "zero" device (reads give
#       zeros, writes are dropped) whose I/O srp_hold_io queues until
#       srp_release_io: commands stay in flight at the target for exactly
#       as long as a test wants (a test using it should call
#       srp_release_io from srpt_test_cleanup).
#   srp_acl_add NAME / srp_acl_del NAME    ACL with lun_0 mapped / remove it
#   srp_login [OPTS]       add_target (+ ",OPTS", e.g. ch_count=2,max_sect=2048)
#                          and print the new /dev/sdX once it is usable
#   srp_login_expect_fail [OPTS]   the add_target write fails or no disk appears
#   srp_logout_all         delete every SRP remote port, wait for the disks
#   srp_initiator_reload [PARAM=VALUE]...   unload ib_srp (no SRP host may be
#                          left) and load it again with PARAMs (none: its
#                          defaults); most of its parameters are read-only
#   srp_initiator_no_reg / srp_initiator_defaults   ib_srp with
#                          register_always=0 (a test that kills channels
#                          with I/O in flight; see the function) / again
#                          with its defaults
#   srp_initiator_reload_no_reg   register_always=0 without the exit hook
#                          that srp_initiator_no_reg adds
#   srp_target_teardown [--keep-module]   logout, remove the configuration in
#                          reverse order, backstores, unload ib_srpt
#   srp_session_count      SRP remote ports (logins) on the initiator
#   srp_channel_count      RDMA channels of those logins (ib_srp's ch_count)
#   srp_disks              /dev/sdX of every SRP-attached disk
#   srp_set_rport_tmo RECONNECT FAST_IO_FAIL DEV_LOSS   on every remote port
#   srp_rport_state / srp_rport_is STATE   running, blocked, fail-fast, lost
#   srp_fio LIMIT FIO_ARGS...        fio under a timeout, summary printed
#   srp_fio_verify DEV FIO_ARGS...   libaio direct fio with crc32c verify
#   srp_bg_start LOG CMD... / srp_bg_wait LIMIT   one background job
#                          (srp_bg_wait sets SRP_BG_RC)
#   srp_bg_fio_start DIR DEV FIO_ARGS...   background random writes to DEV
#                          with crc32c verify (verify_backlog), that save
#                          how far they got in DIR when they end early
#   srp_fio_check_written DIR DEV   after that job ended: read back and
#                          check every write it completed (on DEV, which may
#                          be another name for the same LUN)
#   srp_timer_start / srp_timer_print LABEL   wall-clock phases
#   srp_rdma_res_snapshot [DEV]      "qp N cq N mr N srq N cm_id N" of DEV
#                          (default rxe0) as the kernel's resource tracking
#                          counts them (`rdma resource show`), not our log;
#                          idle CQs of the shared CQ pool are not counted
#   srp_rdma_res_check BEFORE [WHAT] the counts are back to BEFORE (waits up
#                          to 15 s); fails if rdma cannot report them
#   srp_cfs_snapshot       every srpt configfs object and attribute (to compare
#                          configurations across a device's or port's absence)
#   srp_acl_info [ACL]     the ACL's configfs "info" (default $SRP_INIT_ID)
#   srp_info_sessions / srp_info_channels [ACL]   sessions (I_T nexuses) and
#                          channels that "info" lists
#
# A test may define srpt_test_cleanup; the exit trap calls it before the
# teardown (after stopping the background job).
#
# The timeouts of the tests (settings, "selftest-timeout" lines) are
# generous on purpose: TCG runs at half speed when other guests share the
# host, and the first test of a boot that loads our module pays for depmod
# when tools/vm/run-guest.sh could not make the module indexes for it
# (100-200 s under TCG).  Hangs are caught earlier: every step that can
# block has its own bound here.

# shellcheck source=selftests/lib.sh
source "$SRPT_REPO/selftests/lib.sh"

SRP_BS_NAME=srp_bs0
# How long a login may take before we call it failed (add_target blocks
# while the channels connect; then the SCSI scan and sd probe run).  These
# bounds, like the tests' own, grow with SELFTEST_TIMEOUT_SCALE (the debug
# kernel lane): there a disk took more than 20 s to appear after a login.
SRP_LOGIN_TIMEOUT=${SRP_LOGIN_TIMEOUT:-$(guest_scale_timeout 20)}
SRP_LOGOUT_TIMEOUT=${SRP_LOGOUT_TIMEOUT:-$(guest_scale_timeout 30)}

echo "# SRPT_IMPL=$SRPT_IMPL"

# ---------------------------------------------------------------- timing

srp_timer_start() { SRP_T0=$(date +%s.%N); }
srp_timer_print() {
	local now
	now=$(date +%s.%N)
	awk -v a="$SRP_T0" -v b="$now" -v l="$1" 'BEGIN { printf "# time: %s: %.1f s\n", l, b - a }'
}

# ---------------------------------------------------------------- initiator

# _srp_initiator_up: modules the initiator side needs (no udevd here).
_srp_initiator_up() {
	modprobe -a sd_mod ib_srp || { guest_err "modprobe sd_mod ib_srp failed"; return 1; }
	[ -n "${RXE_DEV:-}" ] || { guest_err "rxe is not up"; return 1; }
	# ib_srp adds srp-<dev>-<port> when it sees the device.
	wait_for 10 test -e "/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target" ||
		{ guest_err "no /sys/class/infiniband_srp/srp-$RXE_DEV-1"; return 1; }
}

# The helpers that visit every SCSI host read sysfs with the read builtin,
# not $(cat ...): in a TCG guest on a loaded host each fork and exec took
# about 0.35 s, and with srp/test_scale's 32 hosts one _srp_hosts call
# took 10 s.

# _srp_hosts: sysfs directories (/sys/class/scsi_host/hostN) of ib_srp hosts.
_srp_hosts() {
	local h name
	for h in /sys/class/scsi_host/host*; do
		[ -e "$h/proc_name" ] || continue
		{ read -r name <"$h/proc_name"; } 2>/dev/null || continue
		[ "$name" = ib_srp ] && echo "$h"
	done
	return 0
}

# srp_disks: sdX names (no /dev/) of the disks behind ib_srp hosts.
srp_disks() {
	local h b
	for h in $(_srp_hosts); do
		for b in "$h"/device/target*/*/block/*; do
			[ -e "$b" ] && echo "${b##*/}"
		done
	done
	return 0
}

srp_session_count() {
	local n=0 p
	for p in /sys/class/srp_remote_ports/*; do
		[ -e "$p" ] && n=$((n + 1))
	done
	echo "$n"
}

srp_channel_count() {
	local n=0 h c
	for h in $(_srp_hosts); do
		{ read -r c <"$h/ch_count"; } 2>/dev/null || c=0
		n=$((n + c))
	done
	echo "$n"
}

# _srp_disk_ready sdX: the disk has a size and a device node.
_srp_disk_ready() {
	local size
	{ read -r size <"/sys/block/$1/size"; } 2>/dev/null || return 1
	[ "${size:-0}" -gt 0 ] && [ -b "/dev/$1" ]
}

# _srp_add_target_string [OPTS]
_srp_add_target_string() {
	local guid src
	guid=$(cat /sys/module/ib_srpt/parameters/srpt_service_guid 2>/dev/null) ||
		{ guest_err "ib_srpt is not loaded"; return 1; }
	guid=${guid#0x}
	src=$(ip -4 -o addr show dev "${RXE_NETDEV:-eth0}" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	[ -n "$src" ] || { guest_err "no IPv4 address on ${RXE_NETDEV:-eth0}"; return 1; }
	echo "id_ext=$guid,ioc_guid=$guid,initiator_ext=fe80000000000000,src=$src,dest=$src:$SRPT_CM_PORT${1:+,$1}"
}

# srp_set_initiator_ext VAR STRING EXT: set VAR to the add_target STRING
# of _srp_add_target_string with initiator_ext EXT (a new initiator port),
# without a subshell: test_scale logs in 32 times on a loaded guest.
srp_set_initiator_ext() {
	local _srp_ext_str=${2/initiator_ext=fe80000000000000/initiator_ext=$3}

	[ "$_srp_ext_str" != "$2" ] || { guest_err "no default initiator_ext in '$2'"; return 1; }
	printf -v "$1" '%s' "$_srp_ext_str"
}

# Many sessions of ib_srp at once (srp/test_scale, tools/guest/bench-mem.sh).
# Session I is an initiator port of its own (initiator_ext
# 5ca1e000000000II) admitted by an ACL of its own with lun_0 mapped, and
# logs in with the add_target string SRP_LOGIN_BASE (the caller's, from
# _srp_add_target_string).  Per session, in arrays of the caller's shell:
# SRP_EXT[I] and SRP_ACL[I] (srp_sessions_init), SRP_HOST[I], the SCSI host
# its login made (srp_session_login), SRP_DISK[I], its sdX once ready
# (srp_session_disk).  Few processes per session: a fork and exec costs
# about 0.35 s in a TCG guest on a loaded host, so these use builtins and
# one mkdir, rm or rmdir for all sessions.

# srp_sessions_init N: SRP_EXT and SRP_ACL of sessions 0..N-1; no hosts or
# disks yet.
srp_sessions_init() {
	local i
	SRP_EXT=()
	SRP_ACL=()
	SRP_HOST=()
	SRP_DISK=()
	for ((i = 0; i < $1; i++)); do
		printf -v 'SRP_EXT[i]' '5ca1e000000000%02x' "$i"
		SRP_ACL[i]=0x${SRP_EXT[i]}${RXE_GID_HEX:18}
	done
}

# srp_sessions_acls_add FIRST: the ACLs of sessions FIRST.. with lun_0
# mapped (session 0's usually comes with srp_target_setup --acl).
srp_sessions_acls_add() {
	local i dirs=()
	for ((i = $1; i < ${#SRP_ACL[@]}; i++)); do
		dirs+=("$SRP_TPG/acls/${SRP_ACL[i]}" "$SRP_TPG/acls/${SRP_ACL[i]}/lun_0")
	done
	[ ${#dirs[@]} -gt 0 ] || return 0
	srpt_op mkdir -- "${dirs[@]}" || return 1
	for ((i = $1; i < ${#SRP_ACL[@]}; i++)); do
		ln -s "$SRP_TPG/lun/lun_0" "$SRP_TPG/acls/${SRP_ACL[i]}/lun_0/mapped" ||
			{ guest_err "cannot map lun_0 in ${SRP_ACL[i]}"; return 1; }
	done
}

# srp_sessions_acls_del: remove every session's ACL there is, so that the
# teardown has none left to remove one by one.
srp_sessions_acls_del() {
	local i links=() luns=() acls=()
	for ((i = 0; i < ${#SRP_ACL[@]}; i++)); do
		[ -d "$SRP_TPG/acls/${SRP_ACL[i]}" ] || continue
		links+=("$SRP_TPG/acls/${SRP_ACL[i]}/lun_0/mapped")
		luns+=("$SRP_TPG/acls/${SRP_ACL[i]}/lun_0")
		acls+=("$SRP_TPG/acls/${SRP_ACL[i]}")
	done
	[ ${#acls[@]} -gt 0 ] || return 0
	srpt_op rm -- "${links[@]}" && srpt_op rmdir -- "${luns[@]}" && srpt_op rmdir -- "${acls[@]}"
}

# srp_session_login I: add_target for session I; sets SRP_HOST[I] to the
# SCSI host it made.  The disk appears a little later.
srp_session_login() {
	local i=$1 str h name
	local -A before=()
	srp_set_initiator_ext str "$SRP_LOGIN_BASE" "${SRP_EXT[i]}" || return 1
	for h in /sys/class/scsi_host/host*; do
		before[$h]=1
	done
	srpt_write "/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target" "$str" \
		"$SRP_LOGIN_TIMEOUT" || return 1
	for h in /sys/class/scsi_host/host*; do
		[ -z "${before[$h]:-}" ] || continue
		{ read -r name <"$h/proc_name"; } 2>/dev/null || continue
		[ "$name" = ib_srp ] || continue
		SRP_HOST[i]=$h
		return 0
	done
	guest_err "session $i: add_target returned but no new ib_srp SCSI host"
	return 1
}

# srp_session_disk I: sets SRP_DISK[I] once session I's disk is ready (not
# in $(...): it sets the array in the caller's shell).
srp_session_disk() {
	local b
	[ -n "${SRP_DISK[$1]:-}" ] && return 0
	for b in "${SRP_HOST[$1]}"/device/target*/*/block/*; do
		[ -e "$b" ] && _srp_disk_ready "${b##*/}" || continue
		SRP_DISK[$1]=${b##*/}
		return 0
	done
	return 1
}

# srp_sessions_disks_ready N: the disks of sessions 0..N-1 are all ready.
srp_sessions_disks_ready() {
	local i
	for ((i = 0; i < $1; i++)); do
		srp_session_disk "$i" || return 1
	done
}

# srp_login [OPTS]: log in (add_target), wait for the new disk, print /dev/sdX.
srp_login() {
	local opts=${1:-} add str before dev d deadline err
	_srp_initiator_up || return 1
	add=/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target
	str=$(_srp_add_target_string "$opts") || return 1
	before=" $(srp_disks | tr '\n' ' ') "
	err=$(srpt_timed_write "$SRP_LOGIN_TIMEOUT" "$add" "$str" 2>&1) || {
		guest_err "login failed: add_target '$str': ${err:-timeout}"
		return 1
	}
	deadline=$((SECONDS + SRP_LOGIN_TIMEOUT))
	dev=
	while [ -z "$dev" ]; do
		for d in $(srp_disks); do
			[[ $before == *" $d "* ]] && continue
			_srp_disk_ready "$d" && { dev=$d; break; }
		done
		[ -n "$dev" ] && break
		[ "$SECONDS" -lt "$deadline" ] || {
			guest_err "login succeeded but no new SRP disk within ${SRP_LOGIN_TIMEOUT}s (had:$before now: $(srp_disks | tr '\n' ' '))"
			return 1
		}
		sleep 0.1
	done
	# On a slower kernel (the debug lane) a large command can take longer
	# than the SCSI timeout (30 s): scale it, or the initiator's error
	# handling (aborts, reconnects) would look like the target's fault.
	if [ "$(guest_scale_timeout 30)" -gt 30 ]; then
		echo "$(guest_scale_timeout 30)" >"/sys/block/$dev/device/timeout" ||
			{ guest_err "cannot set the SCSI timeout of $dev"; return 1; }
	fi
	echo "/dev/$dev"
}

# srp_login_expect_fail [OPTS]: the login must not give a disk: the
# add_target write fails, or (checked for 5 s more) no new disk appears.
# Returns 1 if a disk appeared.
srp_login_expect_fail() {
	local opts=${1:-} add str before d err rc=0
	_srp_initiator_up || return 1
	add=/sys/class/infiniband_srp/srp-$RXE_DEV-1/add_target
	str=$(_srp_add_target_string "$opts") || return 1
	before=" $(srp_disks | tr '\n' ' ') "
	err=$(srpt_timed_write "$SRP_LOGIN_TIMEOUT" "$add" "$str" 2>&1) || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		guest_err "add_target did not return within ${SRP_LOGIN_TIMEOUT}s"
		return 1
	fi
	if [ "$rc" != 0 ]; then
		echo "# login refused as expected: ${err##*: }"
	else
		echo "# add_target returned success; checking that no disk appears"
	fi
	sleep "$([ "$rc" = 0 ] && echo 5 || echo 1)"
	for d in $(srp_disks); do
		[[ $before == *" $d "* ]] && continue
		guest_err "a disk (/dev/$d) appeared although the login should have failed"
		return 1
	done
	[ "$rc" != 0 ] || [ "$(srp_session_count)" = 0 ] ||
		{ guest_err "add_target succeeded: $(srp_session_count) SRP remote port(s)"; return 1; }
	return 0
}

_srp_logged_out() {
	[ "$(srp_session_count)" = 0 ] && [ -z "$(_srp_hosts)" ]
}

# srp_logout_all: delete every SRP remote port; wait (bounded) until the SRP
# hosts and their disks are gone.
srp_logout_all() {
	local p rc=0
	for p in /sys/class/srp_remote_ports/*; do
		[ -e "$p/delete" ] || continue
		srpt_write "$p/delete" 1 || rc=1
	done
	wait_for "$SRP_LOGOUT_TIMEOUT" _srp_logged_out || {
		guest_err "SRP logout not done after ${SRP_LOGOUT_TIMEOUT}s: ports: $(cd /sys/class/srp_remote_ports && echo *) disks: $(srp_disks | tr '\n' ' ')"
		return 1
	}
	return "$rc"
}

# srp_initiator_reload [PARAM=VALUE]...: rmmod ib_srp and modprobe it again
# with PARAMs (none: its defaults), e.g. register_always=0, which it reads
# only when it loads.  Refuses while an SRP host is left (log out first).
# shellcheck disable=SC2120  # PARAMs are for the tests
srp_initiator_reload() {
	if ! _srp_logged_out; then
		guest_err "cannot reload ib_srp: SRP hosts left: $(_srp_hosts | tr '\n' ' ')"
		return 1
	fi
	# The remove work of the last host may still hold the module briefly.
	if [ -d /sys/module/ib_srp ] && ! wait_for 10 rmmod ib_srp 2>/dev/null; then
		guest_err "rmmod ib_srp failed: $(rmmod ib_srp 2>&1)"
		return 1
	fi
	modprobe ib_srp "$@" || { guest_err "modprobe ib_srp $* failed"; return 1; }
	_srp_initiator_up
}

# srp_initiator_no_reg: ib_srp loaded again with register_always=0, for a
# test that kills channels with commands in flight.  The test ends with
# srp_initiator_defaults; the exit trap calls it too (registered here, so
# after any hook the test registered before), which loads ib_srp with its
# defaults again after a failure.
#
# Why: a use-after-free in ib_srp (the initiator), not in our target,
# which the debug lane caught (KASAN) and 6.12 CI once hit as a NULL
# function call (Documentation/infiniband/srpt-testing.rst, debug-lane runs
# 14 and 16).  A fast-registration work request (REG_MR, or the LOCAL_INV
# of a command that ended) that a dead QP flushed completes with an error
# although ib_srp posted it unsignaled, and its wr_cqe is &req->reg_cqe, in
# the command's private data.  The send CQ is IB_POLL_DIRECT: nothing polls
# it until srp_destroy_qp() does, from srp_create_ch_ib() on a reconnect or
# srp_free_ch_ib() on removal, and by then scsi_remove_host() may have
# freed the tag set and with it every struct srp_request.  With
# register_always=0 a command whose data is one segment (4 KiB fio I/O,
# the SCSI scan's small buffers) uses the PD's global rkey and posts
# neither work request.  Our target sees the same SRP_CMDs (a direct data
# descriptor instead of an indirect one of one entry); nothing these tests
# check depends on the initiator's rkey.  ib_srp reads register_always
# only when it loads.
srp_initiator_no_reg() {
	srpt_on_exit _srp_initiator_defaults_on_exit
	srp_initiator_reload_no_reg
}

# srp_initiator_reload_no_reg: the reload alone, checked, with no exit hook:
# for a guest script that ends with ib_srp so (tools/guest/ha-initiator.sh).
srp_initiator_reload_no_reg() {
	srp_initiator_reload register_always=0 || return 1
	[ "$(cat /sys/module/ib_srp/parameters/register_always)" = N ] ||
		{ guest_err "ib_srp register_always is not N after the reload"; return 1; }
}

# srp_initiator_defaults: ib_srp with its defaults again if a test left it
# with register_always=0 (logs out every SRP host first).
srp_initiator_defaults() {
	[ "$(cat /sys/module/ib_srp/parameters/register_always 2>/dev/null || echo Y)" != Y ] ||
		return 0
	srp_logout_all && srp_initiator_reload
}

# _srp_initiator_defaults_on_exit: srp_initiator_defaults from the exit trap.
_srp_initiator_defaults_on_exit() {
	srp_initiator_defaults || echo "# could not load ib_srp with its defaults again" >&2
}

# srp_set_rport_tmo RECONNECT_DELAY FAST_IO_FAIL_TMO DEV_LOSS_TMO: shorter
# transport-layer timers (default 10/15/600 s) on every remote port, so that
# a lost target fails I/O and gets reconnected quickly.
srp_set_rport_tmo() {
	local p
	for p in /sys/class/srp_remote_ports/*; do
		[ -e "$p" ] || continue
		# dev_loss_tmo first: fast_io_fail_tmo must stay below it.
		srpt_write "$p/dev_loss_tmo" "$3" && srpt_write "$p/fast_io_fail_tmo" "$2" &&
			srpt_write "$p/reconnect_delay" "$1" || return 1
	done
}

# srp_rport_is STATE: the remote port is in STATE (for wait_for).
srp_rport_is() { [ "$(srp_rport_state)" = "$1" ]; }

# srp_rport_state: state of the single remote port (running, blocked,
# fail-fast, lost), or "none".
srp_rport_state() {
	local p
	for p in /sys/class/srp_remote_ports/*; do
		[ -e "$p/state" ] && { cat "$p/state"; return 0; }
	done
	echo none
}

# ---------------------------------------------------------------- RDMA resources

# srp_rdma_res_snapshot [DEV]: the kernel's own count (restrack, through
# `rdma resource show`) of DEV's QPs, CQs, MRs, SRQs and CM ids, as
# "qp N cq N mr N srq N cm_id N".  It does not depend on any message of
# ours, so a leak that our log does not mention still shows.  CQs of the
# device's shared CQ pool (ib_cq_pool_get(), owned by ib_core, freed only
# with the device) that no QP uses are not counted: the pool keeps what it
# grew to.  Fails if the command fails or does not report every count.
# shellcheck disable=SC2120  # DEV is for the tests
srp_rdma_res_snapshot() {
	local dev=${1:-${RXE_DEV:-rxe0}} out line snap cqs cq
	out=$(timeout -k 5 30 rdma resource show 2>&1) ||
		{ guest_err "rdma resource show failed: ${out:-timeout}"; return 1; }
	# "0: rxe0: pd 2 cq 3 qp 2 cm_id 1 mr 0 ctx 0 srq 0"
	line=$(awk -v d="$dev:" '$2 == d' <<<"$out")
	[ -n "$line" ] || { guest_err "rdma resource show has no line for $dev: $out"; return 1; }
	# "dev rxe0 cqn 1 cqe 2047 users 1 poll-ctx WORKQUEUE ... comm [ib_core]"
	cqs=$(timeout -k 5 30 rdma resource show cq 2>&1) ||
		{ guest_err "rdma resource show cq failed: ${cqs:-timeout}"; return 1; }
	cq=$(awk -v d="$dev" '
		$1 == "dev" && $2 == d {
			users = ""; comm = ""
			for (i = 3; i < NF; i++) {
				if ($i == "users") users = $(i + 1)
				if ($i == "comm") comm = $(i + 1)
			}
			if (users !~ /^[0-9]+$/ || comm == "") bad = 1
			if (comm != "[ib_core]" || users > 0) n++
		}
		END { if (bad) exit 1; print n + 0 }' <<<"$cqs") ||
		{ guest_err "rdma resource show cq: cannot read the users and owner of $dev's CQs: $cqs"; return 1; }
	snap=$(awk -v cq="$cq" '{
		for (i = 3; i < NF; i += 2) v[$i] = $(i + 1)
		n = split("qp cq mr srq cm_id", k, " ")
		for (j = 1; j <= n; j++) {
			if (!(k[j] in v) || v[k[j]] !~ /^[0-9]+$/) exit 1
			s = s (j > 1 ? " " : "") k[j] " " (k[j] == "cq" ? cq : v[k[j]])
		}
		print s
	}' <<<"$line") || { guest_err "rdma resource show: cannot read qp/cq/mr/srq/cm_id of $dev in '$line'"; return 1; }
	echo "$snap"
}

_srp_rdma_res_is() {
	local now
	now=$(srp_rdma_res_snapshot) || return 2
	[ "$now" = "$1" ]
}

# srp_rdma_res_check BEFORE [WHAT]: the resource counts are BEFORE again
# (release work may still be running: waits up to 15 s).  Returns 1, with
# both snapshots, if they differ or cannot be read.
srp_rdma_res_check() {
	local before=$1 what=${2:-RDMA resources} now
	[ -n "$before" ] || { guest_err "$what: no snapshot to compare with"; return 1; }
	wait_for 15 _srp_rdma_res_is "$before" && return 0
	now=$(srp_rdma_res_snapshot) || { guest_err "$what: cannot read the resource counts"; return 1; }
	guest_err "$what: leak: before '$before', now '$now' ($(rdma resource show 2>&1 | tr '\n' ' '))"
	return 1
}

# ---------------------------------------------------------------- sessions

# srp_cfs_snapshot: every srpt configfs object and readable attribute, minus
# the live session view and I/O statistics (to compare configurations
# across a device's or a port's absence).
srp_cfs_snapshot() {
	local f
	find "$SRPT_CFS" | LC_ALL=C sort
	find "$SRPT_CFS" -type f ! -name info ! -name login_info ! -path '*/statistics/*' ! -path '*/fabric_statistics/*' | LC_ALL=C sort | while read -r f; do
		printf '%s=%s\n' "$f" "$(cat "$f" 2>/dev/null | tr '\n' ' ')"
	done
}

# srp_acl_info [ACL]: the ACL's "info" file (ours: one block per session
# with "LIO Session ID:", then one "CID: ... Connection State:" line per
# channel).
srp_acl_info() {
	cat "$SRP_TPG/acls/${1:-$SRP_INIT_ID}/info"
}

srp_info_sessions() {
	srp_acl_info "$@" | grep -c '^LIO Session ID:' || true
}

srp_info_channels() {
	srp_acl_info "$@" | grep -c '^CID: ' || true
}

# ---------------------------------------------------------------- target

# srp_acl_add NAME: ACL NAME on $SRP_TPG with lun_0 mapped to it.
srp_acl_add() { srpt_acl_add "$SRP_TPG" "$1"; }

# srp_acl_del NAME: remove the ACL (its mapped LUN first).
srp_acl_del() {
	local acl=$SRP_TPG/acls/$1 mlun
	for mlun in "$acl"/lun_*/; do
		[ -d "$mlun" ] || continue
		srpt_rm_links "${mlun%/}" && srpt_rmdir "${mlun%/}" || return 1
	done
	srpt_rmdir "$acl"
}

# _srp_bs_slow NAME SIZE_MB: an iblock backstore on a memory-backed
# null_blk device (configfs) whose commands all complete SRP_SLOW_BS_MS ms
# late (a timer), so that commands stay in flight at the target for that
# long.  Sets GUEST_BS_DIR.
SRP_NULLB_CFS=/sys/kernel/config/nullb
SRP_NULLB=nullb7
_srp_bs_slow() {
	local name=$1 mb=$2 d=$SRP_NULLB_CFS/$SRP_NULLB
	modprobe null_blk nr_devices=0 || { guest_err "modprobe null_blk failed"; return 1; }
	[ -d "$SRP_NULLB_CFS" ] || { guest_err "no $SRP_NULLB_CFS (null_blk configfs)"; return 1; }
	mkdir "$d" || { guest_err "mkdir $d failed"; return 1; }
	srpt_write "$d/index" "${SRP_NULLB#nullb}" && srpt_write "$d/size" "$mb" &&
		srpt_write "$d/memory_backed" 1 && srpt_write "$d/irqmode" 2 &&
		srpt_write "$d/completion_nsec" "$((${SRP_SLOW_BS_MS:-1000} * 1000000))" &&
		srpt_write "$d/power" 1 || return 1
	wait_for 10 test -b "/dev/$SRP_NULLB" || { guest_err "no /dev/$SRP_NULLB"; return 1; }
	_bs_create iblock_0 target_core_iblock "$name" "udev_path=/dev/$SRP_NULLB" "/dev/$SRP_NULLB"
}

# _srp_bs_hold NAME SIZE_MB: iblock on the device-mapper device
# $SRP_HOLD_DM, a "zero" target (no block layer timeout applies to I/O
# that a suspended bio-based device queues).  Sets GUEST_BS_DIR.
SRP_HOLD_DM=srp_hold
_srp_bs_hold() {
	local name=$1 mb=$2 dev=/dev/mapper/$SRP_HOLD_DM
	modprobe dm_mod || { guest_err "modprobe dm_mod failed"; return 1; }
	# No udev in the guest: dmsetup makes the node itself.
	dmsetup create --noudevsync "$SRP_HOLD_DM" --table "0 $((mb * 2048)) zero" ||
		{ guest_err "dmsetup create $SRP_HOLD_DM failed"; return 1; }
	dmsetup mknodes "$SRP_HOLD_DM" || return 1
	wait_for 10 test -b "$dev" || { guest_err "no $dev"; return 1; }
	_bs_create iblock_0 target_core_iblock "$name" "udev_path=$dev" "$dev"
}

# srp_hold_io / srp_release_io: queue the --bs hold device's I/O from now
# on / let it run (and what was queued).
srp_hold_io() {
	dmsetup suspend --noudevsync "$SRP_HOLD_DM" || fail "dmsetup suspend $SRP_HOLD_DM"
}
srp_release_io() {
	dmsetup info "$SRP_HOLD_DM" >/dev/null 2>&1 || return 0
	dmsetup resume --noudevsync "$SRP_HOLD_DM"
}

_srp_hold_cleanup() {
	dmsetup info "$SRP_HOLD_DM" >/dev/null 2>&1 || return 0
	srp_release_io
	dmsetup remove --noudevsync "$SRP_HOLD_DM" ||
		{ guest_err "dmsetup remove $SRP_HOLD_DM failed"; return 1; }
}

# _srp_nullb_cleanup: remove the slow backstore's null_blk device and module.
_srp_nullb_cleanup() {
	local d=$SRP_NULLB_CFS/$SRP_NULLB
	if [ -d "$d" ]; then
		srpt_write "$d/power" 0 && srpt_rmdir "$d" || return 1
	fi
	if [ -d /sys/module/null_blk ]; then
		rmmod null_blk || { guest_err "cannot unload null_blk"; return 1; }
	fi
	return 0
}

srp_target_setup() {
	local impl=$SRPT_IMPL bs=rd bs_mb=128 srq=0 acl='' enable=1
	local -a params=()
	while [ $# -gt 0 ]; do
		case $1 in
		--impl) impl=${2:?}; shift 2 ;;
		--bs) bs=${2:?}; shift 2 ;;
		--bs-mb) bs_mb=${2:?}; shift 2 ;;
		--srq) srq=${2:?}; shift 2 ;;
		--acl) acl=${2:?}; shift 2 ;;
		--no-enable) enable=0; shift ;;
		--param) params+=("${2:?}"); shift 2 ;;
		*) guest_err "srp_target_setup: unknown option $1"; return 1 ;;
		esac
	done
	guest_rxe_up || return 1
	if [ -d /sys/module/ib_srpt ]; then
		[ ${#params[@]} -eq 0 ] ||
			{ guest_err "ib_srpt is loaded; cannot apply ${params[*]}"; return 1; }
	else
		guest_load_srpt "$impl" ${params[@]+"${params[@]}"} || return 1
	fi

	case $bs in
	rd) guest_bs_rd "$SRP_BS_NAME" "$bs_mb" ;;
	fileio) guest_bs_fileio "$SRP_BS_NAME" "$bs_mb" ;;
	brd) guest_bs_brd "$SRP_BS_NAME" "$bs_mb" ;;
	slow) _srp_bs_slow "$SRP_BS_NAME" "$bs_mb" ;;
	hold) _srp_bs_hold "$SRP_BS_NAME" "$bs_mb" ;;
	*) guest_err "unknown backstore kind '$bs'"; false ;;
	esac || { guest_err "cannot create the $bs backstore"; return 1; }
	SRP_BS=$GUEST_BS_DIR

	SRP_PORT=$SRPT_CFS/$RXE_GID_HEX
	SRP_TPG=$SRP_PORT/tpgt_1
	# Initiator port id of ib_srp's RDMA/CM logins: initiator_ext (we pass
	# fe80000000000000) followed by the low 64 bits of the source GID.
	SRP_INIT_ID=0xfe80000000000000${RXE_GID_HEX:18}
	srpt_tpg_setup "$SRP_TPG" "$SRP_BS" "${acl:-$SRP_INIT_ID}" "$srq" "$enable" || return 1
	export SRP_PORT SRP_TPG SRP_INIT_ID SRP_BS
}

# srp_target_teardown [--keep-module]: log out, then srpt_teardown (the
# whole srpt configuration, the backstores and, unless --keep-module, the
# module), then the --bs slow and --bs hold devices.  Everything must
# succeed: a leaked reference fails the caller.
# shellcheck disable=SC2120  # --keep-module is for the tests
srp_target_teardown() {
	local rc=0
	srp_logout_all || rc=1
	srpt_teardown "$@" || rc=1
	_srp_nullb_cleanup || rc=1
	_srp_hold_cleanup || rc=1
	return "$rc"
}

# ---------------------------------------------------------------- I/O

# srp_fio LIMIT FIO_ARGS...: run fio under `timeout LIMIT` (times
# SELFTEST_TIMEOUT_SCALE); print the
# per-job summary lines, or all of the output if fio fails.
srp_fio() {
	local limit=$1 out rc=0
	shift
	limit=$(guest_scale_timeout "$limit")
	out=$(timeout -k 10 "$limit" fio "$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		printf '%s\n' "$out" | tail -n 60
		case $rc in 124|137) guest_err "fio did not finish within ${limit}s" ;; esac
		guest_err "fio $* failed (exit $rc)"
		return "$rc"
	fi
	printf '%s\n' "$out" | grep -E '(read|write): IOPS=|err= *[0-9]|^ *(READ|WRITE):' | sed 's/^/# fio: /'
	SRP_FIO_OUT=$out
}

# srp_fio_verify DEV FIO_ARGS...: a direct libaio job on DEV that writes and
# then reads back and checks every block (crc32c, fatal); FIO_ARGS give the
# pattern (--rw, --bs, --size...).  Fails unless the read-back ran.
srp_fio_verify() {
	local dev=$1
	shift
	srp_fio "${SRP_FIO_LIMIT:-150}" --name=srpverify --filename="$dev" --ioengine=libaio \
		--direct=1 --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--exitall_on_error=1 --randrepeat=0 "$@" || return 1
	grep -Eq '^ *READ: bw=' <<<"$SRP_FIO_OUT" ||
		{ guest_err "fio: no read (verify) phase in the output"; return 1; }
	! grep -Eq 'err= *[1-9]|verify: bad|verify failed' <<<"$SRP_FIO_OUT" ||
		{ guest_err "fio reported errors"; return 1; }
}

# srp_bg_start LOG CMD...: run CMD in the background (stdout+stderr to LOG);
# sets SRP_BG_PID.
srp_bg_start() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	SRP_BG_PID=$!
}

# srp_bg_wait LIMIT: wait up to LIMIT s for the background job and set
# SRP_BG_RC to its exit status; return 1 (after killing it) if it did not
# finish.  Not in $(...): only this shell can wait for its child.
srp_bg_wait() {
	local limit=$1 rc=0
	[ -n "${SRP_BG_PID:-}" ] || { guest_err "no background job"; return 1; }
	if ! wait_for "$limit" _srp_bg_done; then
		kill -KILL "$SRP_BG_PID" 2>/dev/null || true
		guest_err "background job $SRP_BG_PID still running after ${limit}s"
		SRP_BG_PID=
		return 1
	fi
	wait "$SRP_BG_PID" || rc=$?
	SRP_BG_PID=
	# shellcheck disable=SC2034  # for the caller
	SRP_BG_RC=$rc
}

_srp_bg_done() { ! kill -0 "$SRP_BG_PID" 2>/dev/null; }

# The background writer of srp_bg_fio_start and the read-back pass of
# srp_fio_check_written run the same job: the same offsets in the same
# order and the same data (a fixed seed).  The writer checks as it goes
# (verify_backlog), logs the offset of every write that completed without
# error (its completion latency log, log_offset=1: the acknowledged
# writes) and, when it ends early, saves how far it got (verify_state_save).
# The check replays the job up to there as a verify-only pass
# (verify_state_load) that goes on after bad blocks, and fails if any bad
# block is an acknowledged write.  fio's saved state also counts the writes
# that failed or were in flight at the disruption as done (they read back
# as whatever was there), which is why only acknowledged ones count.  A lost
# acknowledged write reads back as whatever was there before, so the
# region must not hold this job's data from an earlier run: use a fresh
# region (or zero it).
_SRP_BGV_ARGS=(--name=srpbgv --ioengine=libaio --direct=1 --rw=randwrite
	--verify=crc32c --verify_fatal=1 --randrepeat=1 --randseed=20240615
	--allow_file_create=0)

# _srp_in_dir DIR CMD...: run CMD in DIR (fio keeps its verify state in
# its working directory).
_srp_in_dir() {
	cd "$1" && shift && "$@"
}

# srp_bg_fio_start DIR DEV FIO_ARGS...: start the background writer (see
# above) on DEV; FIO_ARGS give at least --offset, --size, --bs and
# --iodepth, not time_based (a verify-only replay cannot be time based):
# size the region, or limit the rate, so that it outlasts the disruption.
srp_bg_fio_start() {
	local dir=$1 dev=$2 before
	shift 2
	if ! rm -rf "$dir" || ! mkdir -p "$dir"; then
		guest_err "cannot create $dir"
		return 1
	fi
	printf '%s\n' "$@" >"$dir/args"
	before=$(_srp_dev_writes "$dev") || { guest_err "no block statistics for $dev"; return 1; }
	srp_bg_start "$dir/write.log" _srp_in_dir "$dir" \
		timeout -k 10 "$(guest_scale_timeout 300)" fio "${_SRP_BGV_ARGS[@]}" \
		--filename="$dev" --verify_backlog=64 --verify_state_save=1 \
		--write_lat_log=acked --log_offset=1 "$@"
	# The caller disrupts the I/O next: it must be under way by then (on
	# a slow kernel fio may not even have opened DEV a few seconds later).
	wait_for 30 _srp_dev_writes_above "$dev" "$before" || {
		tail -n 20 "$dir/write.log"
		guest_err "the background writer wrote nothing to $dev in $(guest_scale_timeout 30) s"
		return 1
	}
}

# _srp_dev_writes DEV: writes completed on DEV (field 5 of its block stat).
_srp_dev_writes() {
	local name
	name=$(basename "$(readlink -f "$1")")
	awk '{ print $5 }' "/sys/class/block/$name/stat" 2>/dev/null | grep -E '^[0-9]+$'
}

# _srp_dev_writes_above DEV N: DEV has completed more than N writes.
_srp_dev_writes_above() {
	local n
	n=$(_srp_dev_writes "$1") && [ "$n" -gt "$2" ]
}

# srp_fio_check_written DIR DEV: once the writer of DIR has ended (its
# exit status in SRP_BG_RC): the verify-only replay on DEV; every
# acknowledged write must read back intact.  Prints how many were checked
# and how many unacknowledged blocks read back bad; returns 1 on a lost or
# corrupted acknowledged write or when it cannot tell.
srp_fio_check_written() {
	local dir=$1 dev=$2 out rc=0 limit acked bad lost
	local -a args
	mapfile -t args <"$dir/args" || { guest_err "no $dir/args"; return 1; }
	if ! ls "$dir"/*verify.state >/dev/null 2>&1; then
		[ "${SRP_BG_RC:-1}" = 0 ] || {
			tail -n 30 "$dir/write.log"
			guest_err "the writer failed (exit ${SRP_BG_RC:-?}) but saved no verify state in $dir"
			return 1
		}
	fi
	# "msec, usec, ddir, bs, offset, prio": ddir 1 is a write.
	awk -F', *' '$3 == 1 { print $5 }' "$dir"/acked_clat.*.log 2>/dev/null | sort -u >"$dir/acked" ||
		true
	acked=$(wc -l <"$dir/acked")
	[ "$acked" -gt 0 ] || { guest_err "no acknowledged write in $dir/acked_clat.*.log"; return 1; }
	limit=$(guest_scale_timeout 180)
	out=$(_srp_in_dir "$dir" timeout -k 10 "$limit" fio "${_SRP_BGV_ARGS[@]}" \
		--filename="$dev" --verify_only=1 --verify_state_load=1 \
		--verify_fatal=0 --continue_on_error=verify "${args[@]}" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$dir/check.log"
	if [ "$rc" != 0 ] && ! grep -q 'verify' <<<"$out"; then
		printf '%s\n' "$out" | tail -n 20
		guest_err "the read-back on $dev failed (fio exit $rc)"
		return 1
	fi
	grep -Eq '^ *READ: bw=.*io=[1-9]' <<<"$out" ||
		{ printf '%s\n' "$out" | tail -n 20; guest_err "the read-back read nothing"; return 1; }
	grep -E 'verify|bad|crc' <<<"$out" | grep -Eo ' offset [0-9]+' | awk '{ print $2 }' |
		sort -u >"$dir/bad" || true
	bad=$(wc -l <"$dir/bad")
	lost=$(comm -12 "$dir/acked" "$dir/bad")
	if [ -n "$lost" ]; then
		# shellcheck disable=SC2001  # one pattern per line
		grep -E 'verify|bad|crc' <<<"$out" | grep -F -f <(sed 's/.*/offset &,/' <<<"$lost") | head -n 10
		guest_err "$(wc -l <<<"$lost") of $acked acknowledged writes on $dev did not read back intact"
		return 1
	fi
	echo "# $acked acknowledged writes read back intact; $bad unacknowledged block(s) (failed or in flight at the disruption) not checked"
}

# srp_read_check DEV [MB]: read MB (default 1) MiB with O_DIRECT.
srp_read_check() {
	timeout -k 5 30 dd if="$1" of=/dev/null bs=1M count="${2:-1}" iflag=direct status=none ||
		{ guest_err "reading $1 failed"; return 1; }
}

# ---------------------------------------------------------------- setup

# _srp_bg_kill: stop the background job, if any (from the exit trap).
_srp_bg_kill() {
	[ -n "${SRP_BG_PID:-}" ] || return 0
	kill -KILL "$SRP_BG_PID" 2>/dev/null
	wait "$SRP_BG_PID" 2>/dev/null
	return 0
}

_srp_hosts_left() { [ -n "$(_srp_hosts)" ]; }

SRPT_TEARDOWN=(srp_target_teardown)
SRPT_LEFTOVERS_HOOK=_srp_hosts_left
srpt_on_exit _srp_bg_kill
trap srpt_exit_trap EXIT
# A previous test that died may have left ib_srpt behind.
srpt_clean_start
guest_rxe_up || fail "guest_rxe_up failed"
# A test that died may also have left ib_srp loaded with register_always=0
# (srp_initiator_no_reg).
srp_initiator_defaults || fail "cannot reload ib_srp with its defaults"
_srp_initiator_up || fail "cannot set up the ib_srp initiator"
guest_dmesg_mark
