#!/bin/bash
# test_ports: target port directories (srpt/<port>) can be created for a
# present RDMA port by its GUID (xxxx:xxxx:xxxx:xxxx) and by its GID
# (0x + 32 hex digits), both at once, and removed; names of absent ports and
# malformed names are refused with EINVAL; removing the RDMA device
# ("rdma link delete") while a port directory exists does not crash, the
# directory survives, and after "rdma link add" it is usable again (a TPG
# with a LUN can be created and enabled below it).
#
# Runs against SRPT_IMPL=ours|intree (default ours).
set -euo pipefail
source "$(dirname "$0")/common.sh"

srpt_rxe_up
srpt_load
guid=$SRPT_PORT_GUID            # 5054:00ff:fe12:3456
gid=$SRPT_PORT_GID_HEX          # 0xfe80000000000000505400fffe123456
gid_bare=${gid#0x}
echo "# port GUID $guid, GID $gid"

# ---- by GUID and by GID, both at once
expect_mkdir_ok "$SRPT_CFS/$guid"
expect_mkdir_ok "$SRPT_CFS/$gid"
for p in "$guid" "$gid"; do
	[ -d "$SRPT_CFS/$p/fabric_statistics" ] || fail "$p has no fabric_statistics/"
done
# The same name twice is refused by configfs itself.
expect_mkdir_fails "$SRPT_CFS/$guid" "File exists"
rmdir "$SRPT_CFS/$guid" || fail "rmdir $guid"
rmdir "$SRPT_CFS/$gid" || fail "rmdir $gid"
[ ! -e "$SRPT_CFS/$guid" ] && [ ! -e "$SRPT_CFS/$gid" ] || fail "port dirs left after rmdir"
# ... and can be created again after removal.
expect_mkdir_ok "$SRPT_CFS/$gid"
rmdir "$SRPT_CFS/$gid" || fail "rmdir $gid (second time)"

if [ "$SRPT_IMPL" = ours ]; then
	# Ours also takes the GID without 0x and the GUID with 0x (in-tree only
	# takes exactly the strings it formats itself), and refuses a second
	# name of the same form for the same port.  The driver returns EEXIST,
	# but target_core's target_fabric_make_wwn() turns every error into
	# EINVAL, so only the failure and the log line are checked.
	expect_mkdir_ok "$SRPT_CFS/$gid_bare"
	guest_dmesg_mark
	expect_mkdir_fails "$SRPT_CFS/$gid"
	expect_dmesg "names the same port as existing '$gid_bare'" "duplicate GID name"
	rmdir "$SRPT_CFS/$gid_bare" || fail "rmdir $gid_bare"
	expect_mkdir_ok "$SRPT_CFS/0x$guid"
	guest_dmesg_mark
	expect_mkdir_fails "$SRPT_CFS/$guid"
	expect_dmesg "names the same port as existing '0x$guid'" "duplicate GUID name"
	rmdir "$SRPT_CFS/0x$guid" || fail "rmdir 0x$guid"
fi

# ---- names of ports that do not exist
other_guid=${guid%?}$(printf '%x' $(((0x${guid: -1} + 1) % 16)))
other_gid_prefix=0xfe80000000000001${gid:18}   # same interface id, other subnet prefix
guest_dmesg_mark
for name in "$other_guid" "0x${gid:2:16}${other_guid//:/}" "$other_gid_prefix"; do
	[ ${#name} = 19 ] || [ ${#name} = 34 ] || fail "test bug: bad absent-port name '$name'"
	expect_mkdir_fails "$SRPT_CFS/$name" "Invalid argument"
done
if [ "$SRPT_IMPL" = ours ]; then
	# Ours lists the present ports when refusing an absent one.
	expect_dmesg "present ports: .*rxe0/1: $guid or $gid" "present-port list"
fi

# ---- malformed names
for name in xyz 0x 0xg "${guid%:*}" "${guid//:/-}" "${guid//:/}:" "$guid:0000" \
	"${guid%?}g" "${guid//:/}" "${gid%?}" "${gid}0" "0x$gid" "${gid%??}g0" "ib.$gid_bare" \
	"$gid " " $guid" "${gid:0:18}:${gid:18}" "tpgt_1"; do
	expect_mkdir_fails "$SRPT_CFS/$name" "Invalid argument"
done
[ -z "$(find "$SRPT_CFS" -mindepth 1 -maxdepth 1 -type d ! -name discovery_auth)" ] ||
	fail "unexpected directories in $SRPT_CFS: $(ls "$SRPT_CFS")"

# ---- RDMA device removed and added back under a port directory
expect_mkdir_ok "$SRPT_CFS/$guid"
tpg=$SRPT_CFS/$guid/tpgt_1
expect_mkdir_ok "$tpg"
guest_dmesg_mark
rdma link delete rxe0 || fail "rdma link delete rxe0"
wait_for 30 test ! -e /sys/class/infiniband/rxe0 || fail "rxe0 still present"
[ -d "$SRPT_CFS/$guid" ] || fail "port dir vanished with its RDMA device"
[ -d "$tpg" ] || fail "TPG vanished with the RDMA device"
ls "$SRPT_CFS/$guid" >/dev/null || fail "cannot list a port dir without device"
cat "$tpg/attrib/srp_sq_size" >/dev/null || fail "cannot read TPG attributes without device"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "target port $guid: its RDMA port is gone" "unbind message"
fi
# While absent, no new name of that port can be created.
expect_mkdir_fails "$SRPT_CFS/$gid" "Invalid argument"

guest_dmesg_mark
srpt_rxe_up
[ "$SRPT_PORT_GUID" = "$guid" ] || fail "rxe0 came back with another GUID ($SRPT_PORT_GUID)"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "target port $guid is on rxe0 port 1" "rebind message"
fi
# Usable again: a LUN in the old TPG, enable, a TPG in a new GID port dir.
guest_bs_rd r0 8 || fail "rd backstore"
expect_mkdir_ok "$tpg/lun/lun_0"
ln -s "$GUEST_BS_DIR" "$tpg/lun/lun_0/r0" || fail "LUN symlink after re-add"
expect_write_ok "$tpg/enable" 1
expect_read "$tpg/enable" 1
expect_write_ok "$tpg/enable" 0
expect_mkdir_ok "$SRPT_CFS/$gid"
expect_mkdir_ok "$SRPT_CFS/$gid/tpgt_1"

srpt_cfs_clear || fail "cleaning up the configfs tree"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_bs_cleanup || fail "backstore cleanup"
guest_unload_srpt || fail "unloading ib_srpt"
guest_rxe_down || fail "rxe down"
echo "ok: target ports ($SRPT_IMPL)"
