#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/guest/ha-target.sh: one target of tools/ha-test.sh's HA test bed, run
# in a guest booted with run-guest.sh --disk (the shared disk, /dev/vda) and
# --net2 (eth1, the segment shared with the other target and the initiator).
# It stays up and takes commands from the host (tools/guest/ha-agent.sh):
#
#   setup NAME TAG STATE SERIAL INITIATOR
#       soft-RoCE rxe0 on eth1, our ib_srpt loaded with rdma_cm_port=5555,
#       then with targetcli: iblock backstore "shared" on /dev/vda with unit
#       serial SERIAL (the same on both targets: one LUN identity), ALUA
#       target port group ha_NAME with tag TAG in access state STATE (0
#       active/optimized, 1 active/non-optimized), implicit ALUA only (the
#       target sets the states; with explicit ALUA the initiator's
#       scsi_dh_alua would make B active/optimized by SET TARGET PORT GROUPS
#       as soon as it fails over to it, and A's path, back, would then be
#       only one of two equal ones), no delay for commands on the
#       non-optimized group (LIO's default is 100 ms each), the srpt target
#       port named
#       after rxe0's GID 0, LUN 0 in that group, an ACL for INITIATOR (the
#       initiator port id, ib.<32 hex digits>); saveconfig, and a copy of the
#       saved configuration in $RESULTS/saveconfig.json.
#   restore   what a reboot does: rxe0, ib_srpt, and `targetctl restore` of
#             $RESULTS/saveconfig.json (the host puts the previous boot's
#             there)
#   info      key=value lines: guid (srpt_service_guid), gid, ip, port
#   tpg_disable / tpg_enable   write the TPG's enable (the fence), timed
#   alua_state STATE   set the access state of this target's ALUA group
#             (ha_NAME) to STATE (0 active/optimized, 1 active/non-optimized)
#             through configfs at run time, as a cluster manager would
#             (implicit ALUA), timed
#   alua      the target port groups and their states
#
# ib_srpt is loaded with insmod after modprobe of its dependencies, not with
# modprobe from updates/: a depmod costs 100-200 s of TCG time per boot
# where run-guest.sh made no module indexes for it, and target A boots twice.  targetctl restore finds the module loaded.
set -uo pipefail
# shellcheck source=tools/guest/lib.sh
source "$SRPT_REPO/tools/guest/lib.sh"
# shellcheck source=tools/guest/ha-agent.sh
source "$SRPT_REPO/tools/guest/ha-agent.sh"

HA_NETDEV=eth1
HA_CM_PORT=5555
HA_SAVED=/etc/rtslib-fb-target/saveconfig.json
SRPT_CFS=/sys/kernel/config/target/srpt
export HOME=/root TERM=dumb

# ha_base: the shared disk, soft-RoCE on eth1, ib_srpt, dbus for targetcli.
ha_base() {
	local deps t0
	t0=$(ha_now)
	modprobe virtio_blk || return 1
	wait_for 20 test -b /dev/vda || { guest_err "no /dev/vda (run-guest.sh --disk)"; return 1; }
	guest_rxe_up rxe0 "$HA_NETDEV" || return 1
	if [ ! -d /sys/module/ib_srpt ]; then
		deps=$(modinfo -F depends "$SRPT_KO_BUILT") || return 1
		# shellcheck disable=SC2086  # a list of module names
		modprobe -a ${deps//,/ } target_core_iblock || return 1
		insmod "$SRPT_KO_BUILT" "rdma_cm_port=$HA_CM_PORT" ||
			{ guest_err "insmod $SRPT_KO_BUILT failed"; return 1; }
	fi
	[ "$(guest_ko_build_id "$SRPT_KO_BUILT")" = "$(guest_loaded_build_id ib_srpt)" ] ||
		{ guest_err "the loaded ib_srpt is not $SRPT_KO_BUILT"; return 1; }
	# What target.service's configuration would carry across a reboot.
	echo "options ib_srpt rdma_cm_port=$HA_CM_PORT" >/etc/modprobe.d/ib_srpt.conf
	guest_start_dbus || return 1
	awk -v a="$t0" -v b="$(ha_now)" 'BEGIN { printf "base: %.1f s\n", b - a }'
}

ha_port() { echo "ib.${RXE_GID_HEX#0x}"; }

ha_cmd_setup() {
	local name=${1:?name} tag=${2:?tag} state=${3:?state} serial=${4:?serial} ini=${5:?initiator}
	local port t0 rc=0
	ha_base || return 1
	port=$(ha_port)
	t0=$(ha_now)
	# One targetcli process for all of it (python starts slowly under TCG).
	targetcli <<-EOF || rc=$?
		/backstores/block create name=shared dev=/dev/vda wwn=$serial
		/backstores/block/shared/alua create name=ha_$name tag=$tag
		/backstores/block/shared/alua/ha_$name set alua alua_access_type=1 alua_access_state=$state nonop_delay_msecs=0
		/srpt create $port
		/srpt/$port/luns create /backstores/block/shared
		/srpt/$port/luns/lun0 set alua alua_tg_pt_gp_name=ha_$name
		/srpt/$port/acls create $ini
		saveconfig
		exit
	EOF
	[ "$rc" = 0 ] || { guest_err "targetcli failed ($rc)"; return 1; }
	awk -v a="$t0" -v b="$(ha_now)" 'BEGIN { printf "targetcli: %.1f s\n", b - a }'
	cp "$HA_SAVED" "$RESULTS/saveconfig.json" || return 1
	ha_cmd_alua && ha_cmd_info
}

ha_cmd_restore() {
	local t0 out
	[ -s "$RESULTS/saveconfig.json" ] || { guest_err "no $RESULTS/saveconfig.json"; return 1; }
	mkdir -p "$(dirname "$HA_SAVED")" && cp "$RESULTS/saveconfig.json" "$HA_SAVED" || return 1
	ha_base || return 1
	t0=$(ha_now)
	out=$(timeout 300 targetctl restore "$HA_SAVED" 2>&1) ||
		{ guest_err "targetctl restore failed: $out"; return 1; }
	[ -z "$out" ] || echo "targetctl: $out"
	awk -v a="$t0" -v b="$(ha_now)" 'BEGIN { printf "targetctl restore: %.1f s\n", b - a }'
	[ "$(cat "$SRPT_CFS/discovery_auth/rdma_cm_port")" = "$HA_CM_PORT" ] ||
		{ guest_err "not listening on RDMA/CM port $HA_CM_PORT"; return 1; }
	ha_cmd_alua && ha_cmd_info
}

ha_cmd_info() {
	local ip
	ip=$(ip -4 -o addr show dev "$HA_NETDEV" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	echo "guid=$(sed 's/^0x//' /sys/module/ib_srpt/parameters/srpt_service_guid)"
	echo "gid=$RXE_GID"
	echo "ip=$ip"
	echo "port=$(ha_port)"
}

ha_cmd_alua() {
	local g lun
	for g in "$TARGET_CORE"/iblock_*/shared/alua/*/; do
		[ -d "$g" ] || continue
		echo "alua group $(basename "$g"): id $(cat "$g/tg_pt_gp_id")" \
			"state $(cat "$g/alua_access_state") type $(cat "$g/alua_access_type")" \
			"nonop_delay_msecs $(cat "$g/nonop_delay_msecs")"
	done
	for lun in "$SRPT_CFS"/*/tpgt_*/lun/lun_*; do
		[ -d "$lun" ] || continue
		echo "$lun: $(head -n 1 "$lun/alua_tg_pt_gp")"
	done
}

_ha_tpg() {
	local t
	for t in "$SRPT_CFS"/*/tpgt_*; do
		[ -e "$t/enable" ] && { echo "$t"; return 0; }
	done
	guest_err "no srpt TPG"
	return 1
}

# _ha_tpg_write VALUE: write the TPG's enable and say how long it took.
_ha_tpg_write() {
	local tpg t0
	tpg=$(_ha_tpg) || return 1
	t0=$(ha_now)
	# shellcheck disable=SC2016  # $1 and $2 expand in the inner bash
	timeout -k 5 120 bash -c 'echo "$1" >"$2"' _ "$1" "$tpg/enable" ||
		{ guest_err "writing $1 to $tpg/enable failed"; return 1; }
	awk -v a="$t0" -v b="$(ha_now)" -v v="$1" \
		'BEGIN { printf "enable=%s: the write took %.2f s\n", v, b - a }'
}

ha_cmd_tpg_disable() { _ha_tpg_write 0; }
ha_cmd_tpg_enable() { _ha_tpg_write 1; }

ha_cmd_alua_state() {
	local state=${1:?state} g t0
	[[ $state =~ ^[0-9]+$ ]] || { guest_err "bad ALUA state '$state'"; return 1; }
	for g in "$TARGET_CORE"/iblock_*/shared/alua/ha_*; do
		[ -e "$g/alua_access_state" ] || continue
		t0=$(ha_now)
		# shellcheck disable=SC2016  # $1 and $2 expand in the inner bash
		timeout -k 5 120 bash -c 'echo "$1" >"$2"' _ "$state" "$g/alua_access_state" ||
			{ guest_err "writing $state to $g/alua_access_state failed"; return 1; }
		awk -v a="$t0" -v b="$(ha_now)" -v g="$(basename "$g")" -v v="$state" \
			'BEGIN { printf "%s: alua_access_state=%s: the write took %.2f s\n", g, v, b - a }'
		[ "$(cat "$g/alua_access_state")" = "$state" ] ||
			{ guest_err "$g is in state $(cat "$g/alua_access_state"), not $state"; return 1; }
		ha_cmd_alua
		return
	done
	guest_err "no ALUA group ha_* on the backstore shared"
	return 1
}

# The guest's PID 1 saves dmesg after the agent ends.
guest_dmesg_mark
ha_agent_loop
