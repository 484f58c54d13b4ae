#!/bin/bash
# SINGLE then MULTI re-logins while the old session drains.  Log in with
# ch_count=2 and run I/O, then make ib_srp reconnect (a SCSI host reset,
# sg_reset -H, runs srp_reconnect_rport()): it disconnects both channels
# and at once logs in again with the same initiator port id, its first
# channel SINGLE_CHANNEL and the second MULTICHANNEL.  The LUN is a slow
# backstore (every command completes 1 s late), so the target is still
# draining the old channels' commands when the new logins arrive (on rxe
# under TCG they come about 0.3 s after the reset; with a fast backstore
# the old channels are gone by then and nothing is tested).  SRP r16a: a SINGLE login ends every
# channel of that initiator port, and a MULTI login joins only a live
# nexus of it.  So once the old channels are released the initiator port
# must have exactly one session (I_T nexus) in the target, holding both
# new channels, logged in; a MULTI login that joined the draining old
# nexus leaves two sessions of one channel each.  Several reconnects under
# I/O, each checked; the I/O is verified (crc32c, with a backlog) and must
# pass through the reconnects (ib_srp retries the commands it ended), and a
# verify pass on the disk afterwards too.
# Ours only: the checks read our info file and log lines.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"
srpt_ours_only "reads ib_srpt's (ours) ACL info file and log lines"
command -v sg_reset >/dev/null || skip "no sg_reset (sg3-utils)"

RECONNECTS=${SRP_RELOGIN_ROUNDS:-4}
export SRP_SLOW_BS_MS=1000
BG_LOG=/tmp/srp-relogin-fio.log

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
echo "# RDMA resources before: $res_before"
srp_target_setup --bs slow --bs-mb 64 || fail "target setup"
dev=$(srp_login ch_count=2) || fail "login"
expect_eq "$(srp_info_sessions)" 1 "sessions after the first login"
expect_eq "$(srp_info_channels)" 2 "channels after the first login"

# one_nexus: exactly one session with both channels, both logged in.
one_nexus() {
	local info
	info=$(srp_acl_info)
	[ "$(grep -c '^LIO Session ID:' <<<"$info")" = 1 ] &&
		[ "$(grep -c '^SRP channels: 2$' <<<"$info")" = 1 ] &&
		[ "$(grep -c '^CID: .*TARG_CONN_STATE_LOGGED_IN' <<<"$info")" = 2 ]
}

# Long enough to outlast every reconnect, also on a slower kernel: it
# must still run at the last round's check.  A round took 8-13 s in a
# guest running this test alone and up to 22 s late in a whole
# selftests/run.sh on 6.12 under TCG (the shell's dmesg scans slow down
# as the kernel log grows): 30 s of I/O per round.
BG_RUNTIME=$(guest_scale_timeout $((RECONNECTS * 30 + 20)))
srp_bg_start "$BG_LOG" timeout -k 10 "$(guest_scale_timeout 300)" fio --name=bg --filename="$dev" --ioengine=libaio \
	--direct=1 --rw=randwrite --bs=16k --iodepth=32 --numjobs=2 --size=16M \
	--offset_increment=16M --verify=crc32c --verify_fatal=1 --verify_backlog=64 \
	--randrepeat=0 --time_based --runtime="$BG_RUNTIME" --group_reporting
sleep 3
kill -0 "$SRP_BG_PID" 2>/dev/null || { cat "$BG_LOG"; fail "background fio ended early"; }

bad=0
for i in $(seq 1 "$RECONNECTS"); do
	guest_dmesg_mark
	out=$(timeout -k 5 60 sg_reset -H "$dev" 2>&1) || fail "reconnect $i: sg_reset -H $dev failed: $out"
	expect_dmesg 'ib_srp: reconnect succeeded' "reconnect $i"
	# Both old channels are released (the new ones are not closed).
	wait_for 30 dmesg_count_ge 'ib_srpt: .*channel released' 2 ||
		fail "reconnect $i: only $(dmesg_count 'ib_srpt: .*channel released') old channel(s) released"
	accepted=$(dmesg_count 'ib_srpt: .*login accepted')
	if wait_for 5 one_nexus; then
		echo "# reconnect $i: $accepted login(s) accepted, one session with both channels"
	else
		echo "# reconnect $i: $accepted login(s) accepted; NOT one session of two channels:"
		srp_acl_info | grep -E '^(LIO Session|SRP channels|CID: )' | sed 's/^/#   /'
		bad=$((bad + 1))
	fi
	kill -0 "$SRP_BG_PID" 2>/dev/null || { cat "$BG_LOG"; fail "reconnect $i: background fio ended"; }
	sleep 3
done

srp_bg_wait $((BG_RUNTIME + 100)) || fail "background fio hung"
if [ "$SRP_BG_RC" != 0 ] || grep -Eq 'err= *[1-9]|verify: bad|verify failed' "$BG_LOG"; then
	tail -n 40 "$BG_LOG"
	fail "background fio verify failed across the reconnects (exit $SRP_BG_RC)"
fi
grep -E 'write: IOPS=|err=' "$BG_LOG" | sed 's/^/# bg fio: /'
srp_fio_verify "$dev" --rw=randwrite --bs=16k --iodepth=32 --size=2M --offset=40M ||
	fail "fio verify on the disk after the reconnects"
[ "$bad" = 0 ] || fail "the initiator port had more than one session after $bad of $RECONNECTS reconnects (see above)"
srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
