#!/bin/bash
# Large and scattered transfers.  ib_srp logs in with max_sect=2048 (1 MiB
# commands), sg_tablesize=256 (so a 1 MiB user buffer of scattered pages is
# still one command: ib_srp registers it with one fast-registration MR) and
# a small queue_size=8.  fio writes and reads back 1 MiB direct I/O with
# crc32c verify, and the disk's statistics must show that the commands were
# really 1 MiB (not split).  Then discontig_io.py does vectored O_DIRECT I/O
# from buffers whose segments start at sub-page offsets with gaps between
# them (split by the block layer into many small commands with odd
# registration offsets) and compares what it reads back.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

# stat_field SDX N: field N of /sys/block/SDX/stat (1 read ios, 3 read
# sectors, 5 write ios, 7 write sectors).
stat_field() { awk -v n="$2" '{ print $n }' "/sys/block/$1/stat"; }

srp_target_setup --bs rd --bs-mb 96 || fail "target setup"
dev=$(srp_login "max_sect=2048,sg_tablesize=256,queue_size=8") || fail "login"
sd=${dev#/dev/}
expect_eq "$(cat "/sys/block/$sd/queue/max_hw_sectors_kb")" 1024 "max_hw_sectors_kb"
host=$(_srp_hosts | head -n 1)
expect_eq "$(cat "$host/can_queue")" 8 "initiator can_queue (queue_size)"
# sd may pick a smaller default; ask for whole 1 MiB requests.
echo 1024 >"/sys/block/$sd/queue/max_sectors_kb" || fail "cannot set max_sectors_kb to 1024"

w_ios=$(stat_field "$sd" 5) w_sec=$(stat_field "$sd" 7)
r_ios=$(stat_field "$sd" 1) r_sec=$(stat_field "$sd" 3)
srp_fio_verify "$dev" --rw=write --bs=1M --iodepth=4 --size=48M ||
	fail "1 MiB sequential write+verify"
w_ios=$(($(stat_field "$sd" 5) - w_ios)) w_sec=$(($(stat_field "$sd" 7) - w_sec))
r_ios=$(($(stat_field "$sd" 1) - r_ios)) r_sec=$(($(stat_field "$sd" 3) - r_sec))
echo "# writes: $w_ios commands, $w_sec sectors; reads: $r_ios commands, $r_sec sectors"
if [ "$w_ios" -eq 0 ] || [ "$r_ios" -eq 0 ]; then fail "no I/O counted on $sd"; fi
[ $((w_sec / w_ios)) -ge 2048 ] ||
	fail "write commands averaged $((w_sec / w_ios)) sectors, not 2048 (split below 1 MiB)"
[ $((r_sec / r_ios)) -ge 2048 ] ||
	fail "read commands averaged $((r_sec / r_ios)) sectors, not 2048 (split below 1 MiB)"

srp_fio_verify "$dev" --rw=randwrite --bs=1M --iodepth=8 --size=32M --offset=48M ||
	fail "1 MiB random write+verify at queue depth 8 (> queue_size)"
srp_fio_verify "$dev" --rw=randrw --bsrange=4k-1M --iodepth=8 --size=32M --offset=48M \
	--verify_backlog=8 || fail "4 KiB..1 MiB mixed random read/write+verify"

timeout -k 5 120 python3 "$(dirname "$0")/discontig_io.py" "$dev" 150 ||
	fail "discontiguous/misaligned vectored I/O"

srp_logout_all || fail "logout"
srp_target_teardown || fail "teardown"
