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
# with use_srq the send queue depth is also bounded by the SRQ's buffers
# (loaded with srpt_srq_size=48: a login is granted 48 credits, and so
# says the profile);
# the agent comes back after the RDMA device is removed and added again, and
# is gone (the MAD layer answers again) once the module is unloaded.
# ioc_id_string takes printable ASCII only (a Latin-1 byte is refused).
#
# Last, the target's IB/CM listener cannot start because the IB/CM test
# initiator (tools/ibcm-initiator) holds its service ID: the agent then
# reports slot 1 empty (IOUnitInfo ChangeID 2, "IOC not responding" for the
# profile and the service entries) and the port does not set
# IsDeviceManagementSupported; once the service ID is free and the device
# is added again, the IOC is back.
#
# Only our module: the expected answers (ID string, limits) are ours.
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

# ---- PortInfo.CapabilityMask.IsDeviceManagementSupported (bit 19, 0x80000):
# srp_daemon and ibsrpdm query only ports that have it; set while the agent
# is registered, clear without it.
dm_cap_bit() {
	local m
	m=$(cat "/sys/class/infiniband/$RXE_DEV/ports/1/cap_mask") || return 2
	# sysfs prints "0x........"
	[ $((m & 0x80000)) -ne 0 ]
}
[ -r "/sys/class/infiniband/$RXE_DEV/ports/1/cap_mask" ] || fail "no cap_mask in sysfs"
! dm_cap_bit || fail "IsDeviceManagementSupported is set before ib_srpt is loaded"
srpt_load srp_max_req_size=4200 srpt_srq_size=48
dm_cap_bit || fail "IsDeviceManagementSupported not set with the DM agent registered (cap_mask $(cat "/sys/class/infiniband/$RXE_DEV/ports/1/cap_mask"))"
echo "# cap_mask with the agent: $(cat "/sys/class/infiniband/$RXE_DEV/ports/1/cap_mask") (bit 19 set)"

# ---- facts the answers are built from
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

echo "# tpgt_1 with use_srq=1: a login gets min(64, 48 SRQ buffers) credits"
expect_write_ok "$port/tpgt_1/attrib/use_srq" 1
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=2097152 sq_size=64 srq=48 ||
	fail "DM answers with tpgt_1 on an SRQ of 48 buffers"
expect_write_ok "$port/tpgt_1/attrib/use_srq" 0

echo "# ioc_id_string: the IDString discovery shows, per target port"
expect_write_fails "$port/srpt_discovery/ioc_id_string" "$(printf 'x%.0s' {1..64})"
expect_write_fails "$port/srpt_discovery/ioc_id_string" $'bad\tstring'
# Latin-1 (isprint() in the kernel takes 0xa0-0xff), DEL, UTF-8.
guest_dmesg_mark
expect_write_fails "$port/srpt_discovery/ioc_id_string" $'caf\xe9'
expect_dmesg 'ioc_id_string: character 3 \(0xe9\) is not printable ASCII' "Latin-1 refused"
expect_write_fails "$port/srpt_discovery/ioc_id_string" $'del\x7f'
expect_write_fails "$port/srpt_discovery/ioc_id_string" $'caf\xc3\xa9'
expect_write_ok "$port/srpt_discovery/ioc_id_string" ' !"#~}|{`_^]'
expect_write_ok "$port/srpt_discovery/ioc_id_string" ""
expect_write_ok "$port/srpt_discovery/ioc_id_string" "rack 7 array A"
expect_eq "$(cat "$port/srpt_discovery/ioc_id_string")" "rack 7 array A" "ioc_id_string"
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=2097152 sq_size=64 \
	"id_string=rack 7 array A" || fail "DM answers with ioc_id_string set"
expect_write_ok "$port/srpt_discovery/ioc_id_string" ""
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=2097152 sq_size=64 ||
	fail "DM answers with ioc_id_string back to the default"

echo "# login_info: the add_target strings of this port"
guid=$(cat "$SRPT_PARAMS/srpt_service_guid"); guid=${guid#0x}
guid=$(printf '%016x' "0x$guid")
ip=$(ip -4 -o addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
info=$(cat "$port/srpt_discovery/login_info")
printf '%s\n' "$info" | sed 's/^/# login_info: /'
if [ "$(cat "$SRPT_CFS/discovery_auth/rdma_cm_port")" = 0 ]; then
	grep -q 'RDMA/CM: not listening' <<<"$info" || fail "login_info does not say that RDMA/CM is off"
	expect_write_ok "$SRPT_CFS/discovery_auth/rdma_cm_port" 5555
	info=$(cat "$port/srpt_discovery/login_info")
	printf '%s\n' "$info" | sed 's/^/# login_info: /'
	expect_write_ok "$SRPT_CFS/discovery_auth/rdma_cm_port" 0
fi
# ib_srp's IB/CM logins need a subnet administrator, which RoCE has not:
# no IB/CM line here (on InfiniBand: id_ext,ioc_guid,dgid,pkey,service_id).
! grep -q 'dgid=' <<<"$info" || fail "login_info offers an IB/CM login on RoCE"
grep -qx "id_ext=$guid,ioc_guid=$guid,dest=$ip:5555" <<<"$info" ||
	fail "login_info has no RDMA/CM line for $ip:5555"

echo "# rxe0 removed (agent unregistered with the device) and added again"
guest_rxe_down || fail "rdma link delete failed"
srpt_rxe_up
wait_for 10 test -e /sys/class/infiniband_mad/umad0 || fail "no umad0 after re-adding $RXE_DEV"
dm_cap_bit || fail "IsDeviceManagementSupported not set on the re-added device"
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
! dm_cap_bit || fail "IsDeviceManagementSupported still set after ib_srpt is unloaded"
dmq 0x10
expect_core_answer "Get(IOUnitInfo) after ib_srpt is unloaded"

echo "# the IB/CM service ID taken: no IOC, no IsDeviceManagementSupported"
ibcm_load
# The default service ID of both: rxe0's node GUID.
printf 'cm_listen\n' >"$IBCM_CTL" || fail "cm_listen: $(cat "$IBCM_CTL")"
echo "# ibcm_srp: $(cat "$IBCM_CTL")"
guest_dmesg_mark
srpt_load srp_max_req_size=4200
expect_dmesg 'IB/CM listen on service id .* failed \(-16\)' "IB/CM listener refused"
! dm_cap_bit || fail "IsDeviceManagementSupported set although no IB/CM listener runs (cap_mask $(cat "/sys/class/infiniband/$RXE_DEV/ports/1/cap_mask"))"
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=1048576 sq_size=4096 ioc_present=0 ||
	fail "DM answers without an IB/CM listener"
expect_dmesg "$RXE_DEV/1: no IB/CM listener" "DM agent without IOC"
printf 'cm_unlisten\n' >"$IBCM_CTL" || fail "cm_unlisten"
guest_rxe_down || fail "rdma link delete failed"
srpt_rxe_up
wait_for 10 test -e /sys/class/infiniband_mad/umad0 || fail "no umad0 after re-adding $RXE_DEV"
dm_cap_bit || fail "IsDeviceManagementSupported not set once the IB/CM listener runs"
python3 "$CHECK" "$DMQ" "$RXE_DEV" 1 "${facts[@]}" rdma_size=1048576 sq_size=4096 ||
	fail "DM answers once the IB/CM listener runs"
ibcm_unload || fail "rmmod ibcm_srp"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_unload_srpt || fail "unload"
echo "# done"
