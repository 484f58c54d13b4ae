#!/bin/bash
# 20 login/logout cycles, each reading from the new disk: sessions and
# channels must not leak or wedge.  For ours the kernel log must show as
# many channels released as accepted; at the end nothing is left on the
# initiator, the kernel log has no splat, and the module unloads.
# SELFTEST_SRP_CYCLES (env, passed into the guest) changes the count: a
# soak runs hundreds (a cycle takes about 5 s under TCG; a leak or a wedge
# shows in the first few).
# selftest-timeout: 900
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

cycles=${SELFTEST_SRP_CYCLES:-20}
srp_target_setup --bs rd --bs-mb 16 || fail "target setup"
guest_dmesg_mark
srp_timer_start
start=$SECONDS
for i in $(seq 1 "$cycles"); do
	dev=$(srp_login) || fail "cycle $i: login"
	timeout -k 5 30 dd if="$dev" of=/dev/null bs=64k count=4 skip=$((i % 64)) iflag=direct status=none ||
		fail "cycle $i: read from $dev"
	srp_logout_all || fail "cycle $i: logout"
	[ $((i % 10)) -ne 0 ] || echo "# $i cycles, $((SECONDS - start)) s"
done
srp_timer_print "$cycles cycles"
expect_eq "$(srp_session_count)" 0 "SRP remote ports at the end"
if [ "$SRPT_IMPL" = ours ]; then
	# ib_srp opens ch_count channels per login (2 in this 2-CPU guest).
	accepted=$(dmesg_count 'ib_srpt: .*login accepted')
	[ "$accepted" -ge "$cycles" ] || fail "only $accepted channels accepted in $cycles logins"
	wait_for 20 dmesg_count_ge 'ib_srpt: .*channel released' "$accepted" ||
		fail "$accepted channels accepted but $(dmesg_count 'ib_srpt: .*channel released') released"
	echo "# $accepted channels accepted and released"
fi
srp_target_teardown || fail "teardown"
