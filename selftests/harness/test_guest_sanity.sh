#!/bin/bash
# The harness itself: we run in the qemu guest (not on the host), with the
# qemu user-net address on eth0, configfs mounted and soft-RoCE usable.
set -euo pipefail
source "$SRPT_REPO/selftests/lib.sh"

grep -qw srpt_guest=1 /proc/cmdline || fail "srpt_guest=1 missing from /proc/cmdline"
expect_eq "$(hostname)" srpt-guest "hostname"
expect_eq "$(cat /sys/class/net/eth0/address)" 52:54:00:12:34:56 "eth0 MAC"
ip -4 -o addr show dev eth0 | grep -q ' 10\.0\.2\.15/24 ' || fail "eth0 has no 10.0.2.15/24"
grep -q '^configfs /sys/kernel/config configfs ' /proc/mounts || fail "configfs not mounted"
[ -d "$RESULTS" ] && [ -w "$RESULTS" ] || fail "RESULTS=$RESULTS not writable"

guest_rxe_up
echo "rxe: dev=$RXE_DEV gid=$RXE_GID guid=$RXE_GUID gid_hex=$RXE_GID_HEX"
expect_eq "$RXE_GID" fe80:0000:0000:0000:5054:00ff:fe12:3456 "rxe0 GID 0"
expect_eq "$RXE_GUID" 5054:00ff:fe12:3456 "rxe0 node GUID"
expect_eq "$RXE_GID_HEX" 0xfe80000000000000505400fffe123456 "rxe0 GID as hex"
expect_eq "$(cat /sys/class/infiniband/rxe0/ports/1/state)" "4: ACTIVE" "rxe0 port state"
guest_rxe_up   # idempotent
guest_rxe_down
[ ! -e /sys/class/infiniband/rxe0 ] || fail "rxe0 still present after guest_rxe_down"
