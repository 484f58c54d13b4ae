#!/bin/bash
# The data path on the other backstores: a fileio LUN (a file in guest
# tmpfs) and an iblock LUN on brd (/dev/ram0).  For each: login, 4 KiB random
# and 128 KiB sequential write + crc32c read-back verify, logout, remove the
# LUN and backstore; finally the module unloads.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

for bs in fileio brd; do
	srp_timer_start
	srp_target_setup --bs "$bs" --bs-mb 64 || fail "$bs: target setup"
	dev=$(srp_login) || fail "$bs: login"
	echo "# $bs: disk $dev ($(head -n 1 "$SRP_BS/info" | tr -s ' '))"
	expect_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) "$bs: size of $dev"
	srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=32 --size=8M ||
		fail "$bs: 4 KiB random write+verify"
	srp_fio_verify "$dev" --rw=write --bs=128k --iodepth=8 --size=16M --offset=16M ||
		fail "$bs: 128 KiB sequential write+verify"
	srp_logout_all || fail "$bs: logout"
	srp_target_teardown --keep-module || fail "$bs: teardown"
	srp_timer_print "$bs"
done
srp_target_teardown || fail "module unload"
