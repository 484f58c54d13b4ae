#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Many sessions at once (issue 20): SESSIONS (32) sessions of two channels
# each, from the kernel's ib_srp over RDMA/CM (ch_count=2, one initiator
# port each: initiator_ext 5ca1e000000000NN), logged in together to one
# TPG, each admitted by an ACL of its own (0x<initiator_ext><port GUID>),
# all on LUN 0, one 64 MiB rd_mcp backstore.
#   1. Logins: every add_target succeeds and its disk appears; the
#      initiator has SESSIONS remote ports and 2 x SESSIONS channels; the
#      target logged 2 x SESSIONS "login accepted" lines, and every ACL's
#      info file lists one session with two channels.  Prints the time the
#      logins took, and memory: the guest's MemAvailable before and after
#      (both sides and rxe) and what the target's channels say they
#      allocated (their "memory:" lines), per channel.
#   2. Verified I/O on all sessions at once: one fio, one job per (session,
#      channel) (two per disk, each pinned to a CPU of one of the disk's
#      two blk-mq hardware queues, which ib_srp maps to its two channels),
#      4 KiB random writes with crc32c verify, each job on its own MiB of
#      the LUN.  Every channel of the target must have received the 512
#      SRP_CMDs of one job (the disks merge no I/O): both channels of
#      every session carried I/O, one job each.
#   3. Fairness: every job the same load (4 KiB random reads, the same
#      queue depth) for FAIR_TIME seconds.  Jain's index
#      J = (sum x)^2 / (n * sum x^2) over the SRP_CMDs each target channel
#      received in the phase (the "SRP_CMDs received" count of the ACL info
#      files, read before and after) must be >= 0.9; J over each session's
#      IOPS as fio reports it is printed and held to the same bound, and
#      each session's commands at the target must be what fio issued.
#   4. Logout: every channel released (2 x SESSIONS "channel released"
#      lines), no ACL lists a session, the RDMA resource counts are back
#      to those before the logins (but the SRQs, which stay with the
#      device) and, once the target is torn down, to those before it.
#
# Sizing, for the default guest (2048 MB, 2 vCPUs, TCG):
#   - srp_sq_size 128: at the default 4096 every channel's rxe send queue
#     would take 4 MiB (4097 work requests, rounded up to 8192 of 512
#     bytes), 256 MiB for 64 channels; at 128 it is 128 KiB, and a channel
#     still has 128 credits, more than ib_srp's queue_size (64).
#   - use_srq=1: the channels share the device's SRQs (at the default
#     srpt_srq_size, two of 2047 buffers in a 2-vCPU guest, 35 MiB)
#     instead of 128 receive buffers of 8.5 KiB each (70 MiB for 64).
#     Their CQs (128 + 2047 + 2 entries) are then their own.
#   - Before logging in the rest, the test checks that what the second
#     session took, times the sessions to come, leaves the guest
#     SCALE_MIN_FREE_MB.
# The jobs of a CPU (SESSIONS of them) share it: the fairness asked of the
# target is that equal load gets equal service whichever session and
# channel it comes through; both CPUs are loaded alike, so the two halves
# of the channels get the same share unless the host gives the guest's
# vCPUs unequal time (a 2:1 split alone would still give J = 0.9).
# Few processes per session: in a TCG guest on a loaded host a fork and
# exec takes about 0.35 s, so the per-session steps use shell builtins and
# one awk over all 32 info files rather than a command per session.
# Ours only: the counts and memory come from ib_srpt's ACL info file.
# selftest-timeout: 900 (a first test of a boot may pay for depmod)
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"
srpt_ours_only "reads ib_srpt's (ours) ACL info file"

SESSIONS=${SRP_SCALE_SESSIONS:-32}
CHANNELS=$((SESSIONS * 2))
FAIR_TIME=${SRP_SCALE_FAIR_TIME:-25}
FAIR_DEPTH=4
J_MIN=0.9
SQ_SIZE=128
SCALE_MIN_FREE_MB=256
BS_MB=64
WORK=/tmp/srp-scale
# SESSIONS hosts go away at once on logout (srp_logout_all, the exit trap).
SRP_LOGOUT_TIMEOUT=$(guest_scale_timeout 120)
[ "$BS_MB" -ge "$CHANNELS" ] || fail "a ${BS_MB} MiB LUN has no MiB for each of $CHANNELS jobs"
[ "$(nproc)" -ge 2 ] || skip "one online CPU: ib_srp would put both channels' I/O on one hardware queue"

T_START=$EPOCHREALTIME
rm -rf "$WORK"
mkdir -p "$WORK"

# since T0 [T1]: seconds from T0 to T1 (default now), one decimal.
since() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'
}

mem_avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

srp_sessions_init "$SESSIONS"

# info_all: per session, the lines of its ACL's info file, each prefixed
# with the ACL (one awk for all of them).
info_all() {
	local i files=()
	for ((i = 0; i < SESSIONS; i++)); do
		files+=("$SRP_TPG/acls/${SRP_ACL[i]}/info")
	done
	awk '{ n = split(FILENAME, p, "/"); print p[n - 1], $0 }' "${files[@]}"
}

# info_counts FILE: "ACL.SID.CID SRP_CMDs" for every channel of every
# session (SID its LIO session ID: a channel that reconnected is another
# key), sorted (for join).
info_counts() {
	info_all | awk '
		$2 == "LIO" && $3 == "Session" { sid = $5 }
		$2 == "CID:" { cid = $3 }
		/SRP_CMDs received [0-9]+$/ { print $1 "." sid "." cid, $NF }' | LC_ALL=C sort >"$1"
}

# no_reconnect PHASE: no channel closed or reconnected since the mark (the
# counts of a phase would not be one channel's).
no_reconnect() {
	expect_no_dmesg 'ib_srpt: .*closing channel|ib_srp: .*(failed|reconnect)|rdma_rxe: |SRP (abort|reset_device|reset_host) called' \
		"$1: channels closed, reconnected or reset"
}

# hctx_cpu DISK Q: the first CPU that blk-mq maps to DISK's hardware queue
# Q (ib_srp sends what its hardware queue Q gets on its channel Q).
hctx_cpu() {
	local list
	{ read -r list <"/sys/block/$1/mq/$2/cpu_list"; } 2>/dev/null || return 1
	list=${list%%[,-]*}
	[[ $list =~ ^[0-9]+$ ]] || return 1
	echo "$list"
}

# jobfile FILE GLOBALS...: a fio job file with GLOBALS in [global] and one
# job per (session, channel), "sNNcC", on that session's disk, pinned to
# the first CPU of the disk's hardware queue C, on MiB 2 x N + C of the LUN.
jobfile() {
	local f=$1 i c cpu
	shift
	{
		echo "[global]"
		printf '%s\n' "$@"
		for ((i = 0; i < SESSIONS; i++)); do
			for c in 0 1; do
				cpu=$(hctx_cpu "${SRP_DISK[i]}" "$c") ||
					{ guest_err "no CPU for hardware queue $c of ${SRP_DISK[i]}"; return 1; }
				printf '[s%02dc%d]\nfilename=/dev/%s\ncpus_allowed=%s\noffset=%dm\nsize=1m\n' \
					"$i" "$c" "${SRP_DISK[i]}" "$cpu" $((2 * i + c))
			done
		done
	} >"$f"
}

# run_fio LIMIT LOG ARGS...: fio under a scaled time limit, its output in
# LOG (the end of it printed on failure).
run_fio() {
	local limit rc=0 log=$2
	limit=$(guest_scale_timeout "$1")
	shift 2
	timeout -k 10 "$limit" fio "$@" >"$log" 2>&1 || rc=$?
	[ "$rc" = 0 ] && return 0
	tail -n 40 "$log"
	case $rc in 124|137) guest_err "fio did not finish within ${limit}s" ;; esac
	guest_err "fio $* failed (exit $rc)"
	return 1
}

# srpt_test_cleanup: after a failure, the ACLs in bulk before the exit
# trap's teardown (srp_initiator_no_reg's hook has already loaded ib_srp
# with its defaults again, logging out first).
srpt_test_cleanup() {
	if [ -n "${SRP_TPG:-}" ] && [ -d "$SRP_TPG" ]; then
		srp_logout_all >/dev/null 2>&1
		srp_sessions_acls_del >/dev/null 2>&1
	fi
	rm -rf "$WORK"
	return 0
}

# ib_srp with register_always=0, as in test_tpg_fence (srp_initiator_no_reg
# in lib-srp.sh): every I/O here is 4 KiB, one page, which then uses the
# PD's global rkey, so ib_srp posts no REG_MR and no LOCAL_INV.  With
# them, a 6.1 run lost a session in the equal-load phase: "rdma_rxe:
# rxe_reg_fast_mr: mr->lkey = ... not free", ib_srp's QP in error, a
# reconnect 10 s later.  That is soft-RoCE's, not ours: after a
# retransmission timeout, rxe_requester() (req_retry()) starts again at the
# oldest unacknowledged work request and executes again the local
# operations after it that it had executed already, and a REG_MR of an MR
# that is valid fails (rxe_req.c, the same in 6.1 and 6.12).  64 busy
# channels under TCG miss rxe's ACK timeout often enough to hit it.  Our
# target sees the same SRP_CMDs either way: one direct data descriptor.
srp_initiator_no_reg || fail "loading ib_srp with register_always=0"

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# RDMA resources before: $res_before"
srp_target_setup --bs rd --bs-mb "$BS_MB" --srq 1 --acl "${SRP_ACL[0]}" || fail "target setup"
srpt_write "$SRP_TPG/attrib/srp_sq_size" "$SQ_SIZE" || fail "srp_sq_size $SQ_SIZE"
echo "# time: target setup (and ib_srpt's first load of this boot): $(since "$T_START") s"
T_ACLS=$EPOCHREALTIME
srp_sessions_acls_add 1 || fail "the ACLs"
SRP_LOGIN_BASE=$(_srp_add_target_string ch_count=2) || fail "add_target string"
res_target=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# time: $((SESSIONS - 1)) more ACLs: $(since "$T_ACLS") s; RDMA resources: $res_target"

# ---------------------------------------------------------------- 1. logins
echo "# 1. $SESSIONS sessions x 2 channels"
guest_dmesg_mark
mem0=$(mem_avail_kb)
total_mb=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
T_LOGIN=$EPOCHREALTIME
# The first two sessions alone, to see what a session takes: the second,
# as the first also creates the SRQs of both vectors.  The others at that
# cost must leave SCALE_MIN_FREE_MB: stop here rather than run the guest
# out of memory.
mem=("$mem0")
for i in 0 1; do
	srp_session_login "$i" || fail "login of session $i"
	# Not in $(...): srp_session_disk sets SRP_DISK[i] in this shell.
	wait_for "$SRP_LOGIN_TIMEOUT" srp_session_disk "$i" || fail "session $i: no disk within ${SRP_LOGIN_TIMEOUT}s"
	mem+=("$(mem_avail_kb)")
done
per_kb=$((mem[1] - mem[2]))
[ "$per_kb" -gt 0 ] || per_kb=0
need_mb=$((per_kb * (SESSIONS - 2) / 1024))
echo "# memory: session 0 took $(((mem[0] - mem[1]) / 1024)) MiB (with the SRQs), session 1 $((per_kb / 1024)) MiB; $((SESSIONS - 2)) more need about $need_mb MiB of $((mem[2] / 1024)) MiB available"
[ $((mem[2] / 1024 - need_mb)) -ge "$SCALE_MIN_FREE_MB" ] ||
	fail "$SESSIONS sessions would leave less than $SCALE_MIN_FREE_MB MiB of the guest's $total_mb MiB"
for ((i = 2; i < SESSIONS; i++)); do
	srp_session_login "$i" || fail "login of session $i (initiator_ext ${SRP_EXT[i]})"
done
wait_for "$SRP_LOGIN_TIMEOUT" srp_sessions_disks_ready "$SESSIONS" ||
	fail "not every session has its disk within ${SRP_LOGIN_TIMEOUT}s of the last login (disks: $(srp_disks | tr '\n' ' '))"
login_s=$(since "$T_LOGIN")
echo "# time: login of $SESSIONS sessions ($CHANNELS channels): $login_s s ($(awk -v t="$login_s" -v n="$SESSIONS" 'BEGIN { printf "%.2f", t / n }') s per session)"
for ((i = 0; i < SESSIONS; i++)); do
	# One I/O of fio is one SRP_CMD: the block layer merges none (a
	# first run failed the check of step 2 because the verify phase's
	# reads, in offset order, had merged).
	echo 2 >"/sys/block/${SRP_DISK[i]}/queue/nomerges" ||
		fail "cannot turn off merging on ${SRP_DISK[i]}"
	# Scale the SCSI timeout as srp_login does (the debug-kernel lane).
	if [ "$(guest_scale_timeout 30)" -gt 30 ]; then
		guest_scale_timeout 30 >"/sys/block/${SRP_DISK[i]}/device/timeout" ||
			fail "cannot set the SCSI timeout of ${SRP_DISK[i]}"
	fi
done

expect_eq "$(srp_session_count)" "$SESSIONS" "SRP remote ports on the initiator"
expect_eq "$(srp_channel_count)" "$CHANNELS" "channels on the initiator"
expect_eq "$(dmesg_count 'ib_srpt: .*login accepted')" "$CHANNELS" "target 'login accepted' lines"
expect_eq "$(printf '%s\n' "${SRP_DISK[@]}" | sort -u | wc -l)" "$SESSIONS" "distinct disks"
# Per ACL: sessions, logged-in channels, SRP_CMD counts, alias, memory KiB.
summary=$(info_all | awk '
	!($1 in seen) { seen[$1] = 1; order[++k] = $1; alias[$1] = "-" }
	$2 == "LIO" && $3 == "Session" { s[$1]++ }
	$2 == "CID:" && /TARG_CONN_STATE_LOGGED_IN/ { c[$1]++ }
	/SRP_CMDs received [0-9]+$/ { r[$1]++ }
	$2 == "InitiatorAlias:" { alias[$1] = $3 }
	$2 == "memory:" { m[$1] += $3 }
	END { for (i = 1; i <= k; i++) { a = order[i]; print a, s[a] + 0, c[a] + 0, r[a] + 0, alias[a], m[a] + 0 } }')
mem_target_kb=0
n=0
while read -r acl sess ch counts alias kb; do
	n=$((n + 1))
	[ "$sess/$ch/$counts" = 1/2/2 ] && [ "$alias" = "$acl" ] ||
		fail "$acl's info: $sess session(s), $ch logged-in channel(s), $counts SRP_CMD count(s), alias $alias; want 1, 2, 2, $acl"
	mem_target_kb=$((mem_target_kb + kb))
done <<<"$summary"
expect_eq "$n" "$SESSIONS" "ACL info files read"
mem2=$(mem_avail_kb)
echo "# memory: MemAvailable $((mem0 / 1024)) MiB before the logins, $((mem2 / 1024)) MiB after (of $total_mb MiB): $(((mem0 - mem2) / 1024)) MiB for $CHANNELS channels, $(((mem0 - mem2) / CHANNELS)) KiB per channel (initiator, target, rxe, the SRQs)"
echo "# memory: the target's channels allocated $((mem_target_kb / 1024)) MiB, $((mem_target_kb / CHANNELS)) KiB per channel (their 'memory:' lines; the SRQs, QPs and CQs not included)"
srp_acl_info "${SRP_ACL[0]}" | sed 's/^/# info: /'

# ---------------------------------------------------------------- 2. verified I/O
echo "# 2. crc32c-verified random writes on all $CHANNELS channels at once"
jobfile "$WORK/verify.fio" ioengine=libaio direct=1 thread rw=randwrite bs=4k iodepth=4 \
	verify=crc32c verify_fatal=1 do_verify=1 exitall_on_error=1 randrepeat=0 \
	group_reporting || fail "fio job file"
guest_dmesg_mark
info_counts "$WORK/verify.before"
t0=$EPOCHREALTIME
run_fio 300 "$WORK/verify.log" "$WORK/verify.fio" || fail "verified I/O on all sessions"
verify_s=$(since "$t0")
info_counts "$WORK/verify.after"
no_reconnect "verified I/O"
grep -E '^ *(READ|WRITE): bw=' "$WORK/verify.log" | sed 's/^ */# fio: /'
grep -Eq '^ *READ: bw=' "$WORK/verify.log" || fail "fio: no read (verify) phase in the output"
! grep -Eq 'err= *[1-9]|verify: bad|verify failed' "$WORK/verify.log" || fail "fio reported errors"
echo "# time: verified I/O: $verify_s s"
# Each job wrote 256 blocks and read them back, 512 SRP_CMDs (none
# merged) on its own channel: so must every channel of every session have
# received (a few more would be the SCSI layer's own).
expect_eq "$(wc -l <"$WORK/verify.after")" "$CHANNELS" "channels counted after the verified I/O"
expect_eq "$(LC_ALL=C join "$WORK/verify.before" "$WORK/verify.after" | wc -l)" "$CHANNELS" \
	"channels counted both before and after the verified I/O"
odd=$(LC_ALL=C join "$WORK/verify.before" "$WORK/verify.after" |
	awk '$3 - $2 < 512 || $3 - $2 > 520 { printf " %s: %d", $1, $3 - $2 }')
[ -z "$odd" ] || fail "channels that did not receive the 512 SRP_CMDs of one job in the verified I/O:$odd"

# ---------------------------------------------------------------- 3. fairness
echo "# 3. the same load on every channel for ${FAIR_TIME} s: 4 KiB random reads at queue depth $FAIR_DEPTH"
jobfile "$WORK/fair.fio" ioengine=libaio direct=1 thread rw=randread bs=4k \
	iodepth="$FAIR_DEPTH" time_based runtime="$FAIR_TIME" norandommap randrepeat=0 ||
	fail "fio job file"
guest_dmesg_mark
info_counts "$WORK/fair.before"
run_fio $((FAIR_TIME + 120)) "$WORK/fair.log" --output-format=json --output="$WORK/fair.json" \
	"$WORK/fair.fio" || fail "the equal-load phase"
info_counts "$WORK/fair.after"
no_reconnect "equal load"
fair=$(python3 - "$WORK" "${#SRP_ACL[@]}" "${SRP_ACL[@]}" "${SRP_DISK[@]}" <<'EOF'
import json, sys

work, n = sys.argv[1], int(sys.argv[2])
acls, disks = sys.argv[3:3 + n], sys.argv[3 + n:]

def counts(name):
    return {k: int(v) for k, v in (line.split() for line in open(f"{work}/{name}"))}

def jain(x):
    return sum(x) ** 2 / (len(x) * sum(v * v for v in x)) if sum(x) else 0.0

before, after = counts("fair.before"), counts("fair.after")
if sorted(before) != sorted(after) or len(after) != 2 * n:
    print(f"error: channels before {sorted(before)}, after {sorted(after)}")
    sys.exit(1)
ch = {k: after[k] - before[k] for k in after}
jobs = {j["jobname"]: j["read"] for j in json.load(open(f"{work}/fair.json"))["jobs"]}
iops, bad = [], []
for s in range(n):
    r = [jobs[f"s{s:02d}c{c}"] for c in (0, 1)]
    iops.append(sum(x["iops"] for x in r))
    ios = sum(x["total_ios"] for x in r)
    tgt = [v for k, v in sorted(ch.items()) if k.split(".")[0] == acls[s]]
    print(f"# session {s:2d} /dev/{disks[s]}: fio {iops[-1]:6.1f} IOPS "
          f"({r[0]['iops']:.1f} + {r[1]['iops']:.1f}), {ios} reads; "
          f"target: {' + '.join(map(str, tgt))} = {sum(tgt)} SRP_CMDs")
    # One SRP_CMD per read fio issued; nothing else uses the disks.
    if len(tgt) != 2 or not ios <= sum(tgt) <= ios * 1.01 + 16:
        bad.append(f"session {s}: fio issued {ios} reads, the target "
                   f"counted {tgt} SRP_CMDs")
x = list(ch.values())
print(f"# channels: SRP_CMDs min {min(x)}, max {max(x)}, total {sum(x)}; "
      f"sessions: IOPS min {min(iops):.1f}, max {max(iops):.1f}, total {sum(iops):.1f}")
# J >= 0.9 still allows six of 64 channels to starve: none may get less
# than half the mean.
mean = sum(x) / len(x)
for k, v in sorted(ch.items()):
    if v < mean / 2:
        bad.append(f"channel {k}: {v} SRP_CMDs, less than half the mean {mean:.0f}")
for b in bad:
    print(f"error: {b}")
print(f"J {jain(x):.4f} {jain(iops):.4f} {len(bad)}")
EOF
) || { printf '%s\n' "$fair"; fail "cannot compute the fairness"; }
printf '%s\n' "$fair" | grep -v '^J '
read -r _ j_ch j_sess nbad <<<"$(grep '^J ' <<<"$fair")"
echo "# fairness: Jain's index J = $j_ch over the $CHANNELS channels' SRP_CMDs, J = $j_sess over the $SESSIONS sessions' fio IOPS (bound $J_MIN)"
[ "$nbad" = 0 ] || fail "$nbad session(s) or channel(s) with wrong or starved SRP_CMD counts (see above)"
awk -v j="$j_ch" -v m="$J_MIN" 'BEGIN { exit !(j >= m) }' ||
	fail "unfair between channels: J = $j_ch < $J_MIN"
awk -v j="$j_sess" -v m="$J_MIN" 'BEGIN { exit !(j >= m) }' ||
	fail "unfair between sessions: J = $j_sess < $J_MIN"

# ---------------------------------------------------------------- 4. logout
echo "# 4. logout of all $SESSIONS sessions"
guest_dmesg_mark
t0=$EPOCHREALTIME
srp_logout_all || fail "logout"
wait_for 60 dmesg_count_ge 'ib_srpt: .*channel released' "$CHANNELS" ||
	fail "only $(dmesg_count 'ib_srpt: .*channel released') of $CHANNELS channels released"
echo "# time: logout: $(since "$t0") s"
expect_eq "$(dmesg_count 'ib_srpt: .*channel released')" "$CHANNELS" "'channel released' lines"
left=$(info_all | awk '$2 == "LIO" && $3 == "Session" { n++ } END { print n + 0 }')
expect_eq "$left" 0 "sessions in the ACLs' info files after the logout"
# The SRQs stay with the device until ib_srpt lets it go; the rest is back.
no_srq() { sed 's/ srq [0-9]*//' <<<"$1"; }
res_same_but_srq() {
	local now
	now=$(srp_rdma_res_snapshot) || return 1
	[ "$(no_srq "$now")" = "$(no_srq "$res_target")" ]
}
wait_for 15 res_same_but_srq ||
	fail "RDMA resources after the logout: '$(srp_rdma_res_snapshot)', before the logins '$res_target' (SRQs aside)"
echo "# RDMA resources after the logout: $(srp_rdma_res_snapshot); MemAvailable $(($(mem_avail_kb) / 1024)) MiB"
t0=$EPOCHREALTIME
srp_sessions_acls_del || fail "removing the ACLs"
srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
echo "# time: teardown: $(since "$t0") s"
srp_initiator_defaults || fail "loading ib_srp with its defaults again"
echo "# time: test: $(since "$T_START") s, $(since "$T_ACLS") s after the target setup"
