#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot-time restore, as target.service does it (the guest has no systemd):
# the RDMA device first, then the modules loaded fresh and `targetctl
# restore` of a saved configuration, with rdma_cm_port coming from
# /etc/modprobe.d. An RDMA/CM login then works without any configfs write
# and sees the data written before the save.
#
# And the wrong order: restoring while the RDMA device is absent must fail
# loudly (targetctl reports the error, dmesg names the missing port and the
# ports that do exist), never create a dead target port silently.
# selftest-timeout: 900
set -euo pipefail
source "$(dirname "$0")/../srp/lib-srp.sh"

SAVED=/tmp/srpt-saveconfig.json
MODPROBE_CONF=/etc/modprobe.d/srpt-selftest.conf
BACKING=/tmp/boot-restore.img

guest_start_dbus
export HOME=/root TERM=dumb

# unload_all: clear the LIO configuration and unload ib_srpt, as a reboot
# would leave things.
unload_all() {
	timeout 120 targetctl clear || { guest_err "targetctl clear failed"; return 1; }
	[ ! -d "$SRPT_CFS" ] || rmdir "$SRPT_CFS" || { guest_err "rmdir $SRPT_CFS failed"; return 1; }
	guest_unload_srpt
}

srpt_test_cleanup() {
	rm -f "$MODPROBE_CONF"
	srp_logout_all || true
	targetctl clear >/dev/null 2>&1 || true
	[ ! -d "$SRPT_CFS" ] || rmdir "$SRPT_CFS" 2>/dev/null || true
}

# 1. Configure with targetcli, as an administrator does, and save.
guest_rxe_up
guest_load_srpt "$SRPT_IMPL"
truncate -s 64M "$BACKING"
wwn=ib.${RXE_GID_HEX#0x}
initiator=ib.fe80000000000000${RXE_GID_HEX:18}
targetcli /backstores/fileio create restore0 "$BACKING" >/dev/null
targetcli /srpt create "$wwn" >/dev/null
targetcli "/srpt/$wwn/luns" create /backstores/fileio/restore0 >/dev/null
targetcli "/srpt/$wwn/acls" create "$initiator" >/dev/null
targetctl save "$SAVED"
grep -q "\"$wwn\"" "$SAVED" || fail "the saved configuration has no target $wwn"
head -c 4M /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$BACKING" bs=1M conv=notrunc status=none
unload_all || fail "cannot clear the configuration and unload ib_srpt"

# 2. The right order: RDMA device present, modules fresh, restore.
echo "options ib_srpt rdma_cm_port=$SRPT_CM_PORT" >"$MODPROBE_CONF"
srp_timer_start
out=$(timeout 300 targetctl restore "$SAVED" 2>&1) || fail "targetctl restore failed: $out"
srp_timer_print "targetctl restore (loads target_core and ib_srpt)"
[ -z "$out" ] || fail "targetctl restore reported: $out"
_srpt_verify "$SRPT_IMPL" || fail "targetctl loaded the wrong ib_srpt"
expect_eq "$(cat /sys/module/ib_srpt/parameters/rdma_cm_port)" "$SRPT_CM_PORT" \
	"rdma_cm_port from $MODPROBE_CONF"
SRP_PORT=$SRPT_CFS/0x${wwn#ib.}
SRP_TPG=$(ls -d "$SRP_PORT"/tpgt_*) || fail "restore created no TPG under $SRP_PORT"
expect_eq "$(cat "$SRP_TPG/enable")" 1 "restored TPG enabled"
dev=$(srp_login) || fail "no RDMA/CM login after targetctl restore"
sum=$(dd if="$dev" bs=1M count=4 iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect_eq "$sum" "$(sha256sum </tmp/pattern | cut -d' ' -f1)" "data written before the save"
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=16 --size=8M --offset=8M
srp_logout_all
unload_all || fail "cannot clear the restored configuration"

# 3. The wrong order: no RDMA device yet. The target port cannot be bound,
# and the failure must be visible.
guest_rxe_down
guest_dmesg_mark
rc=0
out=$(timeout 300 targetctl restore "$SAVED" 2>&1) || rc=$?
echo "$out"
[ "$rc" != 0 ] || [ -n "$out" ] ||
	fail "targetctl restore without the RDMA device reported nothing"
[ ! -d "$SRP_PORT" ] || fail "a target port was created for an absent RDMA port"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "no RDMA port has the GID '0x${wwn#ib.}'; present ports: " \
		"dmesg does not explain the refused target port"
fi
unload_all || fail "cannot clean up after the failed restore"
rm -f "$MODPROBE_CONF"
guest_rxe_up
