#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's demo, run INSIDE the test guest by tools/demo.sh:
# soft-RoCE on eth0, our ib_srpt exporting a brd-backed LUN configured with
# targetcli, the kernel ib_srp initiator logging in over RDMA/CM, verified
# fio I/O, logout and a clean unload. Prints what it did and the numbers.
set -euo pipefail
source "$SRPT_REPO/tools/guest/lib.sh"

CFG=/sys/kernel/config/target
PORT=5555
SIZE_MB=256

step() { printf '\n== %s\n' "$*"; }

# fio_job NAME ARGS...: a short verified fio run; prints one summary line.
fio_job() {
	local name=$1 json
	shift
	json=/tmp/fio-$name.json
	fio --name="$name" --filename="$DISK" --ioengine=libaio --direct=1 \
		--output-format=json --output="$json" "$@" ||
		{ cat "$json" >&2; guest_err "fio $name failed"; return 1; }
	python3 - "$name" "$json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
job = json.load(open(path))["jobs"][0]
for d in ("read", "write"):
    s = job[d]
    if s["total_ios"]:
        p50 = s["clat_ns"]["percentile"].get("50.000000", 0) / 1000
        what = d if d in name else d + " (verify)"
        print(f"  {name:<22} {what:<14} {s['iops']:7.0f} IOPS {s['bw'] / 1024:7.1f} MiB/s  p50 {p50:7.0f} us")
if job["error"]:
    sys.exit(f"fio {name}: error {job['error']}")
PY
}

step "soft-RoCE: rdma link add rxe0 type rxe netdev eth0"
guest_rxe_up
echo "  rxe0 GID 0: $RXE_GID"

step "load our ib_srpt from /lib/modules/$(uname -r)/updates (rdma_cm_port=$PORT)"
guest_load_srpt ours rdma_cm_port=$PORT
echo "  $(modinfo -n ib_srpt), build ID $(guest_loaded_build_id ib_srpt)"
echo "  srpt_service_guid $(cat /sys/module/ib_srpt/parameters/srpt_service_guid)"

step "configure the SRP target with targetcli (backstore: brd ${SIZE_MB} MiB)"
modprobe brd rd_nr=1 rd_size=$((SIZE_MB * 1024)) max_part=0
wait_for 10 test -b /dev/ram0
guest_start_dbus
export HOME=/root TERM=dumb
targetcli /backstores/block create disk0 /dev/ram0 >/dev/null
WWN=ib.${RXE_GID_HEX#0x}
INITIATOR=ib.fe80000000000000${RXE_GID_HEX:18}
targetcli /srpt create "$WWN" >/dev/null
targetcli "/srpt/$WWN/luns" create /backstores/block/disk0 >/dev/null
targetcli "/srpt/$WWN/acls" create "$INITIATOR" >/dev/null
targetcli ls /srpt
TPG=$(ls -d "$CFG/srpt/0x${WWN#ib.}"/tpgt_*)
echo "  configfs: $TPG (enable=$(cat "$TPG/enable"))"

step "log in with the kernel ib_srp initiator over RDMA/CM"
modprobe -a ib_srp sd_mod
guid=$(cat /sys/module/ib_srpt/parameters/srpt_service_guid)
guid=${guid#0x}
target="id_ext=$guid,initiator_ext=fe80000000000000,ioc_guid=$guid,src=10.0.2.15,dest=10.0.2.15:$PORT"
echo "  add_target: $target"
before=$(ls /sys/class/scsi_disk)
t0=$(date +%s%N)
echo "$target" >/sys/class/infiniband_srp/srp-rxe0-1/add_target
disk_appeared() {
	local d
	for d in /sys/class/scsi_disk/*; do
		grep -qxF "${d##*/}" <<<"$before" && continue
		DISK=/dev/$(ls "$d/device/block")
		[ -b "$DISK" ] && return 0
	done
	return 1
}
wait_for 30 disk_appeared || { guest_err "no SCSI disk appeared"; exit 1; }
t1=$(date +%s%N)
echo "  $DISK appeared $(((t1 - t0) / 1000000)) ms after add_target"
echo "  $(cat /sys/block/${DISK#/dev/}/device/vendor) $(cat /sys/block/${DISK#/dev/}/device/model), $(($(cat /sys/block/${DISK#/dev/}/size) / 2048)) MiB"
dmesg | grep -E 'ib_srpt: .*login accepted' | sed 's/^/  /'

step "verified I/O with fio (crc32c, verify_fatal) on $DISK"
common=(--verify=crc32c --verify_fatal=1 --do_verify=1 --size=64M)
fio_job randwrite-4k-qd32 --rw=randwrite --bs=4k --iodepth=32 "${common[@]}" --runtime=15 --time_based=0
fio_job randread-4k-qd32 --rw=randread --bs=4k --iodepth=32 --size=64M --runtime=10 --time_based
fio_job seqwrite-128k-qd16 --rw=write --bs=128k --iodepth=16 "${common[@]}"
fio_job seqread-128k-qd16 --rw=read --bs=128k --iodepth=16 --size=64M --runtime=10 --time_based
fio_job randrw-64k-verify --rw=randrw --bs=64k --iodepth=8 "${common[@]}" --size=32M

step "log out, tear down, unload"
for p in /sys/class/srp_remote_ports/*; do echo 1 >"$p/delete"; done
wait_for 30 test ! -b "$DISK" || { guest_err "$DISK still present after logout"; exit 1; }
targetcli clearconfig confirm=True >/dev/null
echo 0 >"$CFG/srpt/discovery_auth/rdma_cm_port"
rmdir "$CFG/srpt"
guest_unload_srpt
rmmod brd
echo "  ib_srpt unloaded; dmesg has no WARNING/BUG (checked by run-guest.sh)"
echo
echo "demo: OK"
