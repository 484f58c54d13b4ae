# shellcheck shell=bash
# tools/guest/lib.sh: helpers for scripts that run INSIDE the qemu test guest
# (tools/vm/run-guest.sh).  Source it from a script:
#
#   source "$SRPT_REPO/tools/guest/lib.sh"
#
# Sourcing it on any machine but the guest (no srpt_guest=1 on the kernel
# command line) stops the caller: these helpers load kernel modules, which
# must never happen on the host.
#
# Functions return nonzero on failure (after printing why) unless noted;
# fail and skip end the script.
#   guest_rxe_up [DEV] [NETDEV]   soft-RoCE on eth0; exports RXE_DEV RXE_GID
#                                 RXE_GUID RXE_GID_HEX
#   guest_rxe_down [DEV]
#   guest_load_srpt ours|intree [PARAM=VALUE...]    guest_unload_srpt
#   guest_bs_rd NAME SIZE_MB      guest_bs_brd NAME SIZE_MB
#   guest_bs_fileio NAME SIZE_MB  guest_bs_cleanup   (each sets GUEST_BS_DIR)
#   guest_dmesg_mark              guest_dmesg_since_mark [MARK]
#                                 guest_dmesg_check_since_mark [MARK]
#   guest_start_udevd             guest_start_dbus
#   wait_for SECONDS CMD...       poll CMD until it succeeds (SECONDS times
#                                 SELFTEST_TIMEOUT_SCALE, default 1)
#   guest_scale_timeout SECONDS   SECONDS times SELFTEST_TIMEOUT_SCALE
#   fail MSG   skip MSG
#
# The selftests source it through selftests/lib.sh, which adds their
# assertions, dmesg window, timed configfs writes, teardown and exit trap.

if ! grep -qw 'srpt_guest=1' /proc/cmdline 2>/dev/null; then
	echo "tools/guest/lib.sh: not in the srpt test guest; refusing (run it via tools/vm/run-guest.sh)" >&2
	case $- in *i*) return 2 ;; *) exit 2 ;; esac
fi

GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRPT_REPO=${SRPT_REPO:-$(cd "$GUEST_LIB_DIR/../.." && pwd)}
# What counts as a kernel splat, here and in run-guest.sh: fixed strings, one
# per line, no comments (grep -F -f).
GUEST_SPLAT_PATTERNS=$GUEST_LIB_DIR/splat-patterns
TARGET_CORE=/sys/kernel/config/target/core
# The debug-kernel lane builds ours against another kernel, elsewhere.
SRPT_KO_BUILT=${SRPT_KO_BUILT:-$SRPT_REPO/drivers/infiniband/ulp/srpt/ib_srpt.ko}
SRPT_MODDIR=/lib/modules/$(uname -r)
SRPT_KO_UPDATES=$SRPT_MODDIR/updates/ib_srpt.ko

guest_err() { echo "error: $*" >&2; }

# guest_scale_timeout SECONDS: SECONDS times SELFTEST_TIMEOUT_SCALE (a
# positive integer, default 1; the debug-kernel lane sets it because its
# kernel runs many times slower).
guest_scale_timeout() {
	local scale=${SELFTEST_TIMEOUT_SCALE:-1}
	[[ $scale =~ ^[1-9][0-9]*$ ]] || scale=1
	echo $(($1 * scale))
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds, for at
# most SECONDS (scaled by SELFTEST_TIMEOUT_SCALE).
wait_for() {
	local deadline=$((SECONDS + $(guest_scale_timeout "$1")))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip MSG: end the test as skipped (exit 4).  selftests/run.sh reports MSG.
skip() {
	echo "SKIP: $*"
	[ -z "${SELFTEST_SKIP_FILE:-}" ] || printf '%s\n' "$*" >"$SELFTEST_SKIP_FILE"
	exit 4
}

# ---------------------------------------------------------------- dmesg

# guest_dmesg_mark: write a unique marker to the kernel log; sets
# GUEST_DMESG_MARK for guest_dmesg_check_since_mark.
guest_dmesg_mark() {
	GUEST_DMESG_MARK="srpt-guest mark $(date +%s.%N) $$ $RANDOM"
	# <6> (info): in dmesg, but below the console's loglevel.
	echo "<6>$GUEST_DMESG_MARK" >/dev/kmsg
}

# guest_dmesg_since_mark [MARK]: print the kernel log after MARK (default:
# the last guest_dmesg_mark); all of it if the mark is gone or unset.
guest_dmesg_since_mark() {
	local mark=${1:-${GUEST_DMESG_MARK:-}} log
	log=$(dmesg) || { guest_err "dmesg failed"; return 1; }
	if [ -n "$mark" ] && grep -qF -- "$mark" <<<"$log"; then
		awk -v m="$mark" 'seen { print } index($0, m) { seen = 1 }' <<<"$log"
	else
		printf '%s\n' "$log"
	fi
}

# guest_dmesg_check_since_mark [MARK]: print the lines of the kernel log after
# MARK that match tools/guest/splat-patterns; return 1 if there are any.
guest_dmesg_check_since_mark() {
	local log hits
	log=$(guest_dmesg_since_mark "$@") || return 1
	hits=$(grep -F -f "$GUEST_SPLAT_PATTERNS" <<<"$log") || return 0
	echo "kernel splat in dmesg:"
	printf '%s\n' "$hits"
	return 1
}

# ---------------------------------------------------------------- services

guest_start_udevd() {
	pidof systemd-udevd >/dev/null && return 0
	/lib/systemd/systemd-udevd --daemon || { guest_err "systemd-udevd failed"; return 1; }
	udevadm trigger --type=subsystems --action=add &&
		udevadm trigger --type=devices --action=add &&
		udevadm settle --timeout=120
}

# targetcli-fb talks to a system dbus-daemon.
guest_start_dbus() {
	[ -S /run/dbus/system_bus_socket ] && return 0
	mkdir -p /run/dbus
	dbus-daemon --system --fork || { guest_err "dbus-daemon failed"; return 1; }
}

# ---------------------------------------------------------------- soft-RoCE

_rxe_gid0_ready() {
	local gid
	gid=$(cat "/sys/class/infiniband/$1/ports/1/gids/0" 2>/dev/null) || return 1
	[ -n "$gid" ] && [ "$gid" != 0000:0000:0000:0000:0000:0000:0000:0000 ]
}

# guest_rxe_up [DEV] [NETDEV]: soft-RoCE device DEV (rxe0) on NETDEV (eth0).
guest_rxe_up() {
	local dev=${1:-rxe0} netdev=${2:-eth0}
	modprobe rdma_rxe || { guest_err "modprobe rdma_rxe failed"; return 1; }
	if [ ! -e "/sys/class/infiniband/$dev" ]; then
		rdma link add "$dev" type rxe netdev "$netdev" ||
			{ guest_err "rdma link add $dev failed"; return 1; }
	fi
	wait_for 30 _rxe_gid0_ready "$dev" || { guest_err "$dev has no GID 0"; return 1; }
	RXE_DEV=$dev
	RXE_GID=$(cat "/sys/class/infiniband/$dev/ports/1/gids/0")   # fe80:0000:...:3456
	RXE_GUID=$(cat "/sys/class/infiniband/$dev/node_guid")       # 5054:00ff:fe12:3456
	RXE_GID_HEX=0x${RXE_GID//:/}                                 # 0xfe80...3456
	export RXE_DEV RXE_GID RXE_GUID RXE_GID_HEX
}

guest_rxe_down() {
	local dev=${1:-rxe0}
	if [ -e "/sys/class/infiniband/$dev" ]; then
		rdma link delete "$dev" || { guest_err "rdma link delete $dev failed"; return 1; }
		wait_for 30 test ! -e "/sys/class/infiniband/$dev" ||
			{ guest_err "$dev still present"; return 1; }
	fi
	if [ -d /sys/module/rdma_rxe ] && [ -z "$(ls /sys/class/infiniband 2>/dev/null)" ]; then
		modprobe -r rdma_rxe || { guest_err "cannot unload rdma_rxe"; return 1; }
	fi
	return 0
}

# ---------------------------------------------------------------- ib_srpt

# depmod reads all ~4000 modules: 15-20 s of TCG time on an idle host,
# 100-270 s on a loaded one.  Its output (the
# modules.* indexes) is kept per module set in GUEST_DEPMOD_CACHE, so
# switching between ours and intree again within one boot is a copy, and
# tools/vm/run-guest.sh makes the set with our built module on the host
# (SRPT_DEPMOD_SEED).
GUEST_DEPMOD_CACHE=/run/srpt-guest/depmod
_depmod_save() {
	mkdir -p "$GUEST_DEPMOD_CACHE/$1" && cp -a "$SRPT_MODDIR"/modules.* "$GUEST_DEPMOD_CACHE/$1/"
}
_depmod_restore() {
	local dir=$GUEST_DEPMOD_CACHE/$1

	[ -d "$dir" ] || dir=${SRPT_DEPMOD_SEED:-/nonexistent}/$1
	[ -d "$dir" ] && cp -a "$dir"/modules.* "$SRPT_MODDIR/"
}

# _srpt_set_updates SRC|'': put SRC at updates/ib_srpt.ko, or remove that
# file, and bring the module indexes up to date if that changed anything.
_srpt_set_updates() {
	local src=$1 key t0
	# Before the first change: the distribution's own indexes.
	[ -d "$GUEST_DEPMOD_CACHE/intree" ] || [ -e "$SRPT_KO_UPDATES" ] || _depmod_save intree
	if [ -z "$src" ]; then
		[ -e "$SRPT_KO_UPDATES" ] || return 0
		rm -f "$SRPT_KO_UPDATES"
		key=intree
	else
		cmp -s "$src" "$SRPT_KO_UPDATES" && return 0
		mkdir -p "$(dirname "$SRPT_KO_UPDATES")"
		install -m 644 "$src" "$SRPT_KO_UPDATES"
		key=ours-$(sha256sum <"$src" | cut -c1-16)
	fi
	_depmod_restore "$key" && return 0
	t0=$SECONDS
	depmod -a || { guest_err "depmod failed"; return 1; }
	echo "# depmod for $key (not seeded by the host): $((SECONDS - t0)) s"
	_depmod_save "$key"
}

# guest_ko_build_id KO: the GNU build ID of a module file, in hex.
guest_ko_build_id() {
	readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p'
}

# guest_loaded_build_id MODULE: the GNU build ID of a loaded module, in hex:
# its sysfs note is the ELF note, a 12-byte header and "GNU\0" before the ID.
guest_loaded_build_id() {
	local note=/sys/module/$1/notes/.note.gnu.build-id
	[ -r "$note" ] || return 0
	od -An -v -tx1 -j 16 "$note" | tr -d ' \n'
}

# _srpt_verify ours|intree: the loaded ib_srpt is the one asked for.
_srpt_verify() {
	local which=$1 path taint want_id have_id
	[ -d /sys/module/ib_srpt ] || { guest_err "ib_srpt is not loaded"; return 1; }
	path=$(modinfo -n ib_srpt)
	taint=$(cat /sys/module/ib_srpt/taint)
	if [ "$which" = ours ]; then
		[ "$path" = "$SRPT_KO_UPDATES" ] ||
			{ guest_err "modprobe resolves ib_srpt to $path, not $SRPT_KO_UPDATES"; return 1; }
		# Built outside the kernel tree, ours taints O (out-of-tree).
		[[ $taint == *O* ]] || { guest_err "loaded ib_srpt is not out-of-tree (taint '$taint')"; return 1; }
		# The build ID, not srcversion: a module without MODULE_VERSION
		# has no srcversion (Debian does not set MODULE_SRCVERSION_ALL).
		want_id=$(guest_ko_build_id "$SRPT_KO_BUILT")
		have_id=$(guest_loaded_build_id ib_srpt)
		[ -n "$want_id" ] || { guest_err "no build ID in $SRPT_KO_BUILT"; return 1; }
		[ "$want_id" = "$have_id" ] ||
			{ guest_err "loaded build ID '$have_id' != built '$want_id'"; return 1; }
	else
		[[ $path == */kernel/drivers/infiniband/ulp/srpt/ib_srpt.ko* ]] ||
			{ guest_err "modprobe resolves ib_srpt to $path, not the in-tree module"; return 1; }
		[[ $taint != *O* ]] || { guest_err "loaded ib_srpt is out-of-tree (taint '$taint')"; return 1; }
	fi
}

# _srpt_record_load ours|intree: append where ib_srpt's core is mapped
# ("BASE SIZE WHICH", base in hex, size in decimal) to GUEST_SRPT_LOADS.
# kmemleak prints a stack frame of an unloaded module as a bare address; the
# debug-kernel lane attributes such frames to ib_srpt with this list.
GUEST_SRPT_LOADS=/run/srpt-guest/ib_srpt-loads
_srpt_record_load() {
	local name size base
	mkdir -p "$(dirname "$GUEST_SRPT_LOADS")"
	# /proc/modules: NAME SIZE REFCNT USERS STATE BASE [TAINT]
	while read -r name size _ _ _ base _; do
		[ "$name" = ib_srpt ] && echo "$base $size $1" >>"$GUEST_SRPT_LOADS"
	done </proc/modules
	return 0
}

# guest_load_srpt ours|intree [PARAM=VALUE...]: load our built module (via
# /lib/modules/<kver>/updates, writable thanks to the overlay) or Debian's.
guest_load_srpt() {
	local which=${1:-}
	shift || true
	[ ! -d /sys/module/ib_srpt ] || { guest_err "ib_srpt is already loaded"; return 1; }
	case $which in
	ours)
		[ -f "$SRPT_KO_BUILT" ] || { guest_err "$SRPT_KO_BUILT not built (run make)"; return 1; }
		_srpt_set_updates "$SRPT_KO_BUILT" || return 1 ;;
	intree)
		_srpt_set_updates "" || return 1 ;;
	*)
		guest_err "usage: guest_load_srpt ours|intree [PARAM=VALUE...]"; return 1 ;;
	esac
	modprobe ib_srpt "$@" || { guest_err "modprobe ib_srpt $* failed"; return 1; }
	_srpt_record_load "$which"
	_srpt_verify "$which" || return 1
	SRPT_MODULE=$which
	export SRPT_MODULE
}

# guest_unload_srpt: rmmod ib_srpt; fails if anything still holds it
# (e.g. /sys/kernel/config/target/srpt still exists) or it stays loaded.
guest_unload_srpt() {
	local refcnt why
	[ -d /sys/module/ib_srpt ] || return 0
	refcnt=$(cat /sys/module/ib_srpt/refcnt)
	if [ "$refcnt" != 0 ]; then
		why=$(cd /sys/module/ib_srpt/holders && echo *)
		[ "$why" != '*' ] && why="holders: $why" || why=
		[ ! -d /sys/kernel/config/target/srpt ] || why="$why /sys/kernel/config/target/srpt exists"
		guest_err "ib_srpt refcnt is $refcnt${why:+ ($why)}"
		return 1
	fi
	rmmod ib_srpt || { guest_err "rmmod ib_srpt failed"; return 1; }
	[ ! -d /sys/module/ib_srpt ] || { guest_err "ib_srpt still loaded after rmmod"; return 1; }
}

# ---------------------------------------------------------------- backstores
# Plain configfs, no targetcli.  One HBA per kind (rd_mcp_0, iblock_0,
# fileio_0); each helper sets GUEST_BS_DIR to the new device's directory.

# _bs_create HBA MODULE NAME CONTROL [UDEV_PATH]
_bs_create() {
	local hba=$1 module=$2 name=$3 control=$4 udev=${5:-} dir
	dir=$TARGET_CORE/$hba/$name
	modprobe "$module" || { guest_err "modprobe $module failed"; return 1; }
	[ ! -e "$dir" ] || { guest_err "backstore $hba/$name exists"; return 1; }
	if ! mkdir -p "$TARGET_CORE/$hba" || ! mkdir "$dir"; then
		guest_err "cannot create $dir"
		return 1
	fi
	echo "$control" >"$dir/control" || { guest_err "$dir: control '$control' rejected"; return 1; }
	if [ -n "$udev" ]; then
		echo "$udev" >"$dir/udev_path" || return 1
	fi
	# A unit serial gives the LUN a stable VPD 0x80/0x83 identity.
	cat /proc/sys/kernel/random/uuid >"$dir/wwn/vpd_unit_serial" || return 1
	echo 1 >"$dir/enable" || { guest_err "cannot enable $dir"; return 1; }
	# shellcheck disable=SC2034  # for the caller
	GUEST_BS_DIR=$dir
}

# guest_bs_rd NAME SIZE_MB: target_core ramdisk (rd_mcp).
guest_bs_rd() {
	_bs_create rd_mcp_0 target_core_mod "${1:?name}" "rd_pages=$((${2:?size_mb} * 256))"
}

# guest_bs_brd NAME SIZE_MB: iblock on /dev/ram0 (brd; one per boot of brd).
guest_bs_brd() {
	local name=${1:?name} mb=${2:?size_mb}
	[ ! -d /sys/module/brd ] || { guest_err "brd already loaded (one brd backstore at a time)"; return 1; }
	modprobe brd rd_nr=1 rd_size=$((mb * 1024)) max_part=0 || return 1
	wait_for 10 test -b /dev/ram0 || { guest_err "no /dev/ram0"; return 1; }
	_bs_create iblock_0 target_core_iblock "$name" udev_path=/dev/ram0 /dev/ram0
}

# guest_bs_fileio NAME SIZE_MB: fileio on a sparse file in /tmp (guest RAM).
guest_bs_fileio() {
	local name=${1:?name} mb=${2:?size_mb} file
	file=/tmp/srpt-bs-$name.img
	truncate -s "${mb}M" "$file" || return 1
	_bs_create fileio_0 target_core_file "$name" \
		"fd_dev_name=$file,fd_dev_size=$((mb * 1024 * 1024))" "$file"
}

# guest_bs_cleanup: remove every backstore and HBA, brd and the fileio files.
# Fails if a backstore is still in use (e.g. exported as a LUN).
guest_bs_cleanup() {
	local hba dev rc=0
	for hba in "$TARGET_CORE"/*_[0-9]*; do
		[ -d "$hba" ] || continue
		for dev in "$hba"/*/; do
			[ -d "$dev" ] || continue
			rmdir "$dev" || { guest_err "cannot remove backstore $dev"; rc=1; }
		done
		rmdir "$hba" || { guest_err "cannot remove HBA $hba"; rc=1; }
	done
	rm -f /tmp/srpt-bs-*.img
	if [ -d /sys/module/brd ]; then
		rmmod brd || { guest_err "cannot unload brd"; rc=1; }
	fi
	return "$rc"
}
