#!/bin/bash
# test_submit_type: how target_core runs the commands ib_srpt hands it.
#
# Since v6.7 (194605d45dcb) a fabric driver declares whether target_submit()
# may run a command in the caller's context (direct) or must queue it to
# target_core's submission work queue, and a backstore's attrib/submit_type
# overrides the fabric's default (0 fabric default, 1 direct, 2 queued).
# ib_srpt declares direct submission, supported and the default: it calls
# target_submit() from its completion worker, already in process context
# (see srpt_main.c).
#
# On such a kernel (6.12): the port's param/ reports 1 and 1; submit_type
# 2, 1 and 0 each carry verified I/O over a login; flipping it while
# verified I/O runs loses nothing; an out-of-range value is refused and
# changes nothing. On an older kernel (6.1) none of these attributes exist.
#
# Runs against SRPT_IMPL=ours|intree (default ours).
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

# kernel_at_least MAJOR MINOR: the running kernel is MAJOR.MINOR or later.
kernel_at_least() {
	local rel major minor
	rel=$(uname -r)
	major=${rel%%.*}
	minor=${rel#*.}
	minor=${minor%%[!0-9]*}
	[ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
attr=$SRP_BS/attrib/submit_type
param=$SRP_PORT/param

if ! kernel_at_least 6 7; then
	# 6.1: target_core has no submission choice.
	for f in "$attr" "$param/default_submit_type" "$param/direct_submit_supported"; do
		[ ! -e "$f" ] || fail "$f exists on $(uname -r), before v6.7"
	done
	echo "# $(uname -r): no submit_type attributes, as expected before v6.7"
	srp_target_teardown || fail "teardown"
	exit 0
fi

expect_eq "$(cat "$param/direct_submit_supported")" 1 "port param/direct_submit_supported"
expect_eq "$(cat "$param/default_submit_type")" 1 "port param/default_submit_type (TARGET_DIRECT_SUBMIT)"
expect_eq "$(cat "$attr")" 0 "backstore attrib/submit_type at creation (fabric default)"

dev=$(srp_login) || fail "login"
echo "# disk $dev"

# Each submission mode on its own: 4 KiB (immediate data) and 128 KiB
# (RDMA READ of the write data) writes, read back and checked.
offset=0
for mode in 2 1 0; do
	expect_write_ok "$attr" "$mode"
	expect_eq "$(cat "$attr")" "$mode" "attrib/submit_type"
	srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M \
		--offset=${offset}M || fail "4 KiB random write+verify, submit_type $mode"
	srp_fio_verify "$dev" --rw=write --bs=128k --iodepth=8 --size=8M \
		--offset=$((offset + 8))M || fail "128 KiB write+verify, submit_type $mode"
	offset=$((offset + 16))
done

# Flipped while commands are in flight: a command keeps the mode it was
# submitted with, the next one takes the new one.
flips=/tmp/srp-submit-type.flips
rm -f "$flips" "$flips.stop"
srpt_test_cleanup() { touch "$flips.stop"; }
(
	n=0
	while [ ! -e "$flips.stop" ]; do
		for mode in 2 0 1; do
			echo "$mode" >"$attr" || exit 1
			n=$((n + 1))
			sleep 0.1
		done
	done
	echo "$n" >"$flips"
) &
flipper=$!
rc=0
srp_fio_verify "$dev" --rw=randrw --bs=4k --bssplit=4k/60:64k/30:256k/10 \
	--iodepth=16 --size=16M --offset=${offset}M || rc=1
touch "$flips.stop"
wait "$flipper" || fail "writing submit_type failed while I/O ran"
[ "$rc" = 0 ] || fail "verified I/O while submit_type flipped"
[ "$(cat "$flips")" -ge 3 ] || fail "submit_type flipped only $(cat "$flips") times during the I/O"
echo "# submit_type flipped $(cat "$flips") times during verified I/O"

# target_core refuses an unknown mode and keeps the current one.
expect_write_ok "$attr" 2
expect_write_fails "$attr" 3
expect_eq "$(cat "$attr")" 2 "attrib/submit_type after a refused write"
expect_write_ok "$attr" 0

srp_logout_all || fail "logout"
srp_target_teardown || fail "teardown (module reference leaked?)"
