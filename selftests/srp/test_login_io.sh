#!/bin/bash
# Login and data path on an rd_mcp LUN: ib_srp logs in over RDMA/CM (default
# channel count), a disk appears, and fio writes then reads back and checks
# (crc32c) 4 KiB random I/O at queue depth 32 (immediate data for writes),
# and 128 KiB and 1 MiB sequential I/O (RDMA READ of write data, RDMA WRITE
# of read data).  Logout removes the disk; the configuration comes down in
# reverse order and the module unloads (no leaked reference).
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

srp_timer_start
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
dev=$(srp_login) || fail "login"
echo "# disk $dev, $(srp_session_count) login(s), $(srp_channel_count) channel(s)"
expect_eq "$(srp_session_count)" 1 "SRP remote ports after login"
vendor=$(cat "/sys/block/${dev#/dev/}/device/vendor")
[ "${vendor%% *}" = LIO-ORG ] || fail "$dev is not a LIO disk (vendor '$vendor')"
expect_eq "$(blockdev --getsize64 "$dev")" $((64 << 20)) "size of $dev"
srp_timer_print login

srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=32 --size=16M ||
	fail "4 KiB random write+verify"
srp_fio_verify "$dev" --rw=write --bs=128k --iodepth=8 --size=32M ||
	fail "128 KiB sequential write+verify"
srp_fio_verify "$dev" --rw=write --bs=1M --iodepth=4 --size=32M --offset=32M ||
	fail "1 MiB sequential write+verify"
srp_timer_print "fio"

srp_logout_all || fail "logout"
[ ! -b "$dev" ] || [ -z "$(srp_disks)" ] || fail "$dev still present after logout"
srp_target_teardown || fail "teardown (module reference leaked?)"
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt still loaded"
srp_timer_print total
