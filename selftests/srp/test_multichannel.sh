#!/bin/bash
# Multichannel logins: ib_srp with ch_count=2 and then ch_count=4 opens that
# many RDMA channels to one target port (one I_T nexus, SRP multichannel
# "MAINTAINED").  Each must be accepted (ours logs one "login accepted" line
# per channel, and one "channel released" per channel on logout), and fio
# with two jobs (one per CPU, so blk-mq spreads them over two hardware
# queues = two channels) writes and verifies disjoint regions.  A target
# that treated a later channel as a new single-channel login would close the
# earlier one and the I/O on it would fail.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
for n in 2 4; do
	guest_dmesg_mark
	dev=$(srp_login "ch_count=$n") || fail "login with ch_count=$n"
	expect_eq "$(srp_session_count)" 1 "ch_count=$n: SRP remote ports"
	expect_eq "$(srp_channel_count)" "$n" "ch_count=$n: initiator channels"
	if [ "$SRPT_IMPL" = ours ]; then
		# One line per accepted channel (the in-tree driver's login
		# messages differ).
		expect_eq "$(dmesg_count 'ib_srpt: .*login accepted')" "$n" \
			"ch_count=$n: target 'login accepted' lines"
	fi
	srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M \
		--numjobs=2 --offset_increment=16M --group_reporting ||
		fail "ch_count=$n: 2-job random write+verify"
	srp_fio_verify "$dev" --rw=write --bs=256k --iodepth=4 --size=8M --offset=32M \
		--numjobs=2 --offset_increment=16M --group_reporting ||
		fail "ch_count=$n: 2-job sequential write+verify"
	srp_logout_all || fail "ch_count=$n: logout"
	if [ "$SRPT_IMPL" = ours ]; then
		wait_for 20 dmesg_count_ge 'ib_srpt: .*channel released' "$n" ||
			fail "ch_count=$n: only $(dmesg_count 'ib_srpt: .*channel released') of $n channels released"
	fi
done
srp_target_teardown || fail "teardown"
