#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the administrator's guide says an ACL does, each seen by the kernel
# initiator, so that an attribute doing nothing fails:
#   1. an ACL named by the initiator's port GUID alone (xxxx:xxxx:xxxx:xxxx,
#      no initiator extension) admits its login, and the session is the
#      ACL's (its info file);
#   2. an ACL named by the initiator's IPv4 address admits an RDMA/CM
#      login from it; an ACL for another address does not;
#   3. a LUN other than 0: TPG lun_7 (a second backstore) mapped as the
#      ACL's lun_3 is the initiator's LUN 3, and its blocks are that
#      backstore's, not LUN 0's;
#   4. write_protect on the ACL's lun_3, set while logged in: a WRITE
#      gets CHECK CONDITION, DATA PROTECT (target_core's
#      TCM_WRITE_PROTECTED), the blocks stay as they were, READ works;
#      cleared: WRITEs work again, on the same login.
# Ours only: the ACL name forms (GUID, IP address) are ib_srpt's.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"
srpt_ours_only "the ACL name forms (port GUID, IP address) are ours"

# lun_disk L: the sdX of the SRP disk with LUN L (H:C:T:L), or nothing.
lun_disk() {
	local d hctl
	for d in $(srp_disks); do
		hctl=$(basename "$(readlink -f "/sys/block/$d/device")")
		[ "${hctl##*:}" = "$1" ] && _srp_disk_ready "$d" && echo "$d" && return 0
	done
	return 1
}

res_before=$(srp_rdma_res_snapshot) || fail "cannot count RDMA resources"
guid=${RXE_GID_HEX:18}
guid_acl=${guid:0:4}:${guid:4:4}:${guid:8:4}:${guid:12:4}
# RDMA/CM logins come from the address of rxe0's netdev.
netdev=${RXE_NETDEV:-eth0}
ip=$(ip -4 -o addr show dev "$netdev" | awk '{ split($4, a, "/"); print a[1]; exit }') ||
	fail "cannot read the address of $netdev"
[ -n "$ip" ] || fail "no IPv4 address on $netdev"

echo "# 1. ACL $guid_acl (port GUID only)"
srp_target_setup --bs rd --bs-mb 16 --acl "$guid_acl" || fail "target setup"
dev=$(srp_login) || fail "1: the GUID ACL did not admit the login"
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=8 --size=2M || fail "1: I/O"
expect_eq "$(srp_info_sessions "$guid_acl")" 1 "1: sessions in the GUID ACL's info"
srp_logout_all || fail "1: logout"
srp_acl_del "$guid_acl" || fail "1: removing the GUID ACL"

echo "# 2. ACL $ip (IPv4 address), and one for another address"
srp_acl_add 192.0.2.1 || fail "2: ACL 192.0.2.1"
guest_dmesg_mark
srp_login_expect_fail || fail "2: an ACL for 192.0.2.1 admitted a login from $ip"
expect_dmesg 'ib_srpt: .*rejected: no ACL admits it' "2: the target's reason for the refusal"
srp_acl_add "$ip" || fail "2: ACL $ip"
dev=$(srp_login) || fail "2: the IP ACL did not admit the login"
srp_read_check "$dev" || fail "2: read"
expect_eq "$(srp_info_sessions "$ip")" 1 "2: sessions in the IP ACL's info"
expect_eq "$(srp_info_sessions 192.0.2.1)" 0 "2: sessions in the other ACL's info"
srp_logout_all || fail "2: logout"
{ srp_acl_del "$ip" && srp_acl_del 192.0.2.1; } || fail "2: removing the ACLs"

echo "# 3. TPG lun_7 as the ACL's lun_3"
guest_bs_rd srp_bs_lun7 8 || fail "3: second backstore"
{ mkdir "$SRP_TPG/lun/lun_7" && ln -s "$GUEST_BS_DIR" "$SRP_TPG/lun/lun_7/srp_bs_lun7"; } ||
	fail "3: TPG lun_7"
srp_acl_add "$SRP_INIT_ID" || fail "3: ACL"
acl=$SRP_TPG/acls/$SRP_INIT_ID
{ mkdir "$acl/lun_3" && ln -s "$SRP_TPG/lun/lun_7" "$acl/lun_3/mapped"; } || fail "3: mapping lun_7 as lun_3"
srp_login >/dev/null || fail "3: login"
wait_for 15 lun_disk 3 >/dev/null || fail "3: no disk with LUN 3 (disks: $(srp_disks | tr '\n' ' '))"
lun0=/dev/$(lun_disk 0) || fail "3: no disk with LUN 0"
lun3=/dev/$(lun_disk 3) || fail "3: no disk with LUN 3"
echo "# LUN 0: $lun0, LUN 3: $lun3"
expect_eq "$(blockdev --getsize64 "$lun3")" $((8 << 20)) "3: LUN 3's size (the 8 MiB backstore)"
# LUN 0 (the first backstore) holds step 1's data: it must not change.
lun0_sum=$(dd if="$lun0" bs=1M count=1 iflag=direct status=none | sha256sum)
head -c 1M /dev/urandom >/tmp/lun3.pattern
dd if=/tmp/lun3.pattern of="$lun3" bs=1M oflag=direct status=none || fail "3: writing LUN 3"
cmp <(dd if="$lun3" bs=1M count=1 iflag=direct status=none) /tmp/lun3.pattern ||
	fail "3: LUN 3 read back other data"
expect_eq "$(dd if="$lun0" bs=1M count=1 iflag=direct status=none | sha256sum)" "$lun0_sum" \
	"3: LUN 0's first MiB after writing LUN 3"

echo "# 4. write_protect on lun_3"
srpt_write "$acl/lun_3/write_protect" 1 || fail "4: write_protect=1"
guest_dmesg_mark
head -c 64K /dev/urandom >/tmp/lun3.other
if dd if=/tmp/lun3.other of="$lun3" bs=64K oflag=direct conv=notrunc status=none 2>/dev/null; then
	fail "4: a WRITE to a write-protected LUN succeeded"
fi
expect_dmesg 'Data Protect' "4: the initiator's sense key (DATA PROTECT)"
expect_dmesg '[Ww]rite protected' "4: the initiator's ASC (WRITE PROTECTED)"
cmp <(dd if="$lun3" bs=1M count=1 iflag=direct status=none) /tmp/lun3.pattern ||
	fail "4: the refused WRITE changed the blocks"
srpt_write "$acl/lun_3/write_protect" 0 || fail "4: write_protect=0"
dd if=/tmp/lun3.other of="$lun3" bs=64K oflag=direct conv=notrunc status=none ||
	fail "4: a WRITE after write_protect=0 failed"
cmp <(dd if="$lun3" bs=64K count=1 iflag=direct status=none) /tmp/lun3.other ||
	fail "4: the WRITE after write_protect=0 read back other data"
srp_fio_verify "$lun3" --rw=randwrite --bs=4k --iodepth=8 --size=2M || fail "4: I/O after write_protect=0"

srp_target_teardown || fail "teardown"
srp_rdma_res_check "$res_before" "after teardown" || fail "RDMA resources leaked"
