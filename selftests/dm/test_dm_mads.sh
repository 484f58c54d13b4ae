#!/bin/bash
# test_dm_mads: the device management (DM) agent that ibsrpdm and srp_daemon
# query to discover SRP targets, end to end over soft-RoCE: tools/dm-query
# sends DM MADs (class 0x06) through ib_umad to rxe0's own QP1 (with a GRH
# to its GID 0) and selftests/dm/dm_check.py compares every response byte
# for byte with one it builds from the IBA 16.3 / SRP r16a layouts:
# Get(ClassPortInfo), Get(IOUnitInfo), Get(IOControllerProfile),
# Get(ServiceEntries), and the error statuses (bad attribute modifier, slot
# out of range, entries that do not exist, unsupported attribute, any Set).
#
# First, with no agent registered, the MAD layer itself must answer (status
# 0x000c, request echoed): that shows rxe delivers DM GMPs at all; if it
# does not, the test says so and skips.  Then the profile follows the module
# parameter srp_max_req_size and the enabled TPGs' attributes of the port;
# the agent comes back after the RDMA device is removed and added again, and
# is gone (the MAD layer answers again) once the module is unloaded.
#
# Only our module: the expected answers (ID string, limits) are ours.
# selftest-timeout: 600
set -euo pipefail
export SRPT_IMPL=ours
# shellcheck source=selftests/configfs/common.sh
source "$(dirname "$0")/../configfs/common.sh"

DMQ_DIR=$SRPT_REPO/tools/dm-query
DMQ=$DMQ_DIR/dm-query
CHECK=$SRPT_REPO/selftests/dm/dm_check.py
FILL=a5

# The host normally built it (tools/test.sh); build it here if not.
make -s -C "$DMQ_DIR" >/dev/null || fail "cannot build tools/dm-query"

srpt_rxe_up
modprobe ib_umad || fail "modprobe ib_umad failed"
wait_for 10 test -e /sys/class/infiniband_mad/umad0 || fail "no umad0 for $RXE_DEV"

# dmq ARGS...: one query to rxe0 port 1; sets REPLY (512 hex digits) and
# DMQ_RC (0 answered, 3 no answer).
dmq() {
	DMQ_RC=0
	REPLY=$("$DMQ" -d "$RXE_DEV" -p 1 -f "0x$FILL" "$@") || DMQ_RC=$?
}

# expect_core_answer WHAT: the MAD layer (no agent) answered REPLY: status
# 0x000c and the request's data bytes echoed.
expect_core_answer() {
	[ "$DMQ_RC" = 0 ] || fail "$1: no answer (dm-query exit $DMQ_RC)"
	expect_eq "${REPLY:8:4}" 000c "$1: MAD status"
	expect_eq "${REPLY:128}" "$(printf "$FILL%.0s" {1..192})" "$1: data (echoed)"
}

dmq 0x10
if [ "$DMQ_RC" = 3 ]; then
	skip "rxe did not answer a DM Get(IOUnitInfo) sent through ib_umad to its own QP1 with a GRH, not even the MAD layer's 'no agent' reply: soft-RoCE does not deliver device management GMPs here, so the agent cannot be tested end to end"
fi
expect_core_answer "Get(IOUnitInfo) before ib_srpt is loaded"
echo "# rxe delivers DM GMPs on QP1: with no DM agent the MAD layer answers 0x000c"

# ---- facts the answers are built from
srpt_load srp_max_req_size=4200
devinfo() {
	ibv_devinfo -v -d "$RXE_DEV" | awk -v k="$1:" '$1 == k { print $2; exit }'
}
facts=(
	"guid=$(cat "$SRPT_PARAMS/srpt_service_guid")"
	"vendor_id=$(devinfo vendor_id)"
	"device_id=$(devinfo vendor_part_id)"
	"hw_ver=$(devinfo hw_ver)"
	"max_qp_wr=$(devinfo max_qp_wr)"
	"max_qp_init_rd_atom=$(devinfo max_qp_init_rd_atom)"
	"send_size=4200"
	"id_string=SRPT SCSI RDMA target on $RXE_DEV port 1"
)
echo "# facts: ${facts[*]}"
for f in "${facts[@]}"; do
	[ -n "${f#*=}" ] || fail "fact ${f%%=*} is empty"
done

echo "# no target port configured: a new TPG's limits"
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=1048576 sq_size=4096 ||
	fail "DM answers without configuration"

echo "# enabled tpgt_1 (2 MiB, sq 64) and disabled tpgt_2 (4 MiB) on the port"
port=$SRPT_CFS/$SRPT_PORT_GID_HEX
expect_mkdir_ok "$port"
expect_mkdir_ok "$port/tpgt_1"
expect_mkdir_ok "$port/tpgt_2"
expect_write_ok "$port/tpgt_1/attrib/srp_max_rdma_size" 2097152
expect_write_ok "$port/tpgt_1/attrib/srp_sq_size" 64
expect_write_ok "$port/tpgt_2/attrib/srp_max_rdma_size" 4194304
expect_write_ok "$port/tpgt_1/enable" 1
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=2097152 sq_size=64 ||
	fail "DM answers with tpgt_1 enabled"

echo "# rxe0 removed (agent unregistered with the device) and added again"
guest_rxe_down || fail "rdma link delete failed"
srpt_rxe_up
wait_for 10 test -e /sys/class/infiniband_mad/umad0 || fail "no umad0 after re-adding $RXE_DEV"
expect_eq "$(cat "$port/tpgt_1/enable")" 1 "tpgt_1/enable after the device returned"
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=2097152 sq_size=64 ||
	fail "DM answers after the device came back"

if out=$(ibsrpdm -c -d /dev/infiniband/umad0 2>&1); then
	echo "# ibsrpdm -c: $out"
else
	# srptools needs a subnet administrator to find ports; RoCE has none.
	echo "# ibsrpdm -c (expected to refuse RoCE): ${out//$'\n'/; }"
fi

echo "# module unloaded: the MAD layer answers again"
srpt_cfs_clear || fail "configfs teardown"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_unload_srpt || fail "unload"
dmq 0x10
expect_core_answer "Get(IOUnitInfo) after ib_srpt is unloaded"
echo "# done"
