#!/bin/bash
# run-guest.sh: run one command inside a throw-away qemu guest booted with the
# Debian kernel, and fail on kernel splats.  Never loads modules on the host.
#
#   tools/vm/run-guest.sh [--timeout SECS] [--results DIR] [--mem MB] [--smp N]
#                         [--accel kvm|tcg|icount] [--kver RELEASE] [--append ARGS]
#                         [--name NAME] [--pidfile FILE] [--disk IMAGE]
#                         [--plugin SO]
#                         [--net2 BACKEND --mac2 MAC --ip2 ADDR/LEN]
#                         [--] SCRIPT [ARGS...]
#   --timeout: SCRIPT's time limit in the guest (default 1800 s); --mem/--smp:
#   guest RAM (default $MEM or 2048 MB) and CPUs (default $SMP or 2); --smp
#   takes whatever qemu's -smp does: "2,maxcpus=4" boots 2 CPUs online of 4
#   possible (soft-RoCE then has 4 completion vectors, of which the RDMA
#   core uses 2: srp/test_comp_vector tests the folding with it);
#   --kver: boot /boot/vmlinuz-RELEASE with /lib/modules/RELEASE (same as
#   KVER=; e.g. the debug kernel of tools/debug-lane.sh); --append: more
#   kernel command line arguments.  --accel icount: TCG on one host thread
#   with qemu's instruction counter as the guest's clock (-icount
#   shift=$SRPT_GUEST_ICOUNT_SHIFT, default 3: 8 ns per instruction): busy
#   guest time then measures the instructions executed, not the host's load
#   (tools/bench.sh --icount).
#
# Options for guests that work together (tools/ha-test.sh):
#   --name NAME      the guest's hostname (default srpt-guest) and qemu -name
#   --pidfile FILE   qemu writes its PID there (to kill the guest as a power
#                    loss: the run then ends with status 124 or 125)
#   --disk IMAGE     a raw image as a virtio disk (/dev/vda) that other guests
#                    may share: cache=directsync (O_DIRECT, write-through, so
#                    a write the guest saw complete is in the file), image
#                    locking off and share-rw=on
#   --net2 BACKEND   a second NIC, eth1, on qemu network backend BACKEND, e.g.
#                    socket,mcast=230.0.0.1:PORT,localaddr=127.0.0.1 (every
#                    guest on that group and port is on one Ethernet segment,
#                    through the host's loopback only); --mac2 is its MAC and
#                    --ip2 the static IPv4 address the guest gives it
#
# --plugin SO: load the qemu TCG plugin SO with ctl=<results>/plugin-ctl,
#   a control file the guest writes as /results/plugin-ctl (the instruction
#   counter of tools/qemu-insn, for tools/bench.sh --icount --insn).
#
#   tools/vm/run-guest.sh --timeout 300 selftests/run.sh            # all selftests
#   tools/vm/run-guest.sh selftests/run.sh harness/test_guest_sanity.sh
#   tools/vm/run-guest.sh bash -c 'lsmod; ip addr'
#
# The guest sees the host's whole root read-only through virtio-9p, with a
# tmpfs overlay on top (guest writes anywhere, nothing reaches the host), so
# SCRIPT runs in the host's current directory, at the same path.  Paths under
# /tmp, /run, /dev, /proc and /sys are hidden in the guest by its own mounts.
# Results go to a writable 9p share, /results in the guest, which is --results
# on the host (default: <repo>/build/guest-results/<timestamp>):
#   console.log  everything the guest printed on its serial console
#   output.log   SCRIPT's stdout+stderr        status     SCRIPT's exit status
#   dmesg.log    kernel log after SCRIPT       job.env    what the guest ran
# In the guest SCRIPT runs as root under `timeout SECS` with RESULTS=/results,
# SRPT_REPO=<repo>, KVER=<kernel version>, and any SELFTEST_* and SRPT_*
# variables of the caller's environment passed through.
#
# Exit status: SCRIPT's status, or 1 if dmesg shows a splat (see
# tools/guest/splat-patterns); 124 if the guest did not finish in time; 125 if
# it ended without recording a status (crash, panic, setup failure; splats on
# its console are printed then).
#
# A guest that dies before SCRIPT starts (a panic in early boot: 6.12 under
# TCG sometimes panics in sched_clock_idle_wakeup_event) is booted once more,
# and run-guest says so; its console is kept as console-boot1.log.  A second
# such death is a failure (125).
#
# Environment:
#   KVER=6.1.0-NN-amd64   kernel to boot (default: tools/kver.sh, the newest
#                         installed release of the series SRPT_KERNEL names);
#                         KERNEL=/path/vmlinuz-<ver>
#   SRPT_KERNEL=6.1|6.12  the kernel series to boot when KVER is unset
#                         (default 6.1)
#   SRPT_GUEST_ACCEL=kvm|tcg|icount   skip the KVM probe (same as --accel)
#   SRPT_GUEST_TCG_THREAD=multi|single  TCG with a host thread per vCPU
#                         (default) or one host thread for all vCPUs: when
#                         guests together have more vCPUs than the host has
#                         cores (tools/test.sh's guests at once), multi-threaded
#                         TCG guests spin on locks whose holder's thread is
#                         not running (measured: 2.3 times slower)
#   SRPT_GUEST_CACHE=DIR  initramfs and KVM-probe cache
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/srpt-guest)
#   HUNG_TASK_TIMEOUT=S   guest kernel.hung_task_timeout_secs (default 60)
#   SRPT_GUEST_BOOT_MARGIN=S  host-side time allowed on top of --timeout for
#                         boot and power-off (default 240 TCG, 90 KVM)
#
# The accelerator: KVM when /dev/kvm works, else TCG.  On some machines qemu
# hangs with -accel kvm, so KVM is probed once per host boot with a trivial
# guest under a short timeout and the verdict cached (keyed by boot_id).
# shellcheck disable=SC2054  # commas inside qemu arguments are not separators
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELF_DIR/../.." && pwd)
CACHE=${SRPT_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/srpt-guest}
BOOT_MARGIN_TCG=240   # seconds allowed for boot + power-off under TCG
BOOT_MARGIN_KVM=90
KVM_PROBE_TIMEOUT=20
# Modules stage 1 loads (dependencies are added from modules.dep).
INITRAMFS_MODULES=(virtio_pci virtio_net virtio_rng 9pnet_virtio 9p overlay)

TIMEOUT=1800
RESULTS=
APPEND=
GUEST_NAME=
PIDFILE=
DISK=
NET2=
MAC2=
IP2=
PLUGIN=
MEM=${MEM:-2048}
SMP=${SMP:-2}
ACCEL=${SRPT_GUEST_ACCEL:-}
TCG_THREAD=${SRPT_GUEST_TCG_THREAD:-multi}

msg() { echo "run-guest: $*" >&2; }
die() { msg "error: $*"; exit 2; }

usage() {
	local rc=${1:-2}
	sed -n '2,/^set -euo/{/^set -euo/d;/^# shellcheck/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" |
		if [ "$rc" = 0 ]; then cat; else cat >&2; fi
	exit "$rc"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--timeout) TIMEOUT=${2:?}; shift 2 ;;
		--results) RESULTS=${2:?}; shift 2 ;;
		--mem) MEM=${2:?}; shift 2 ;;
		--smp) SMP=${2:?}; shift 2 ;;
		--accel) ACCEL=${2:?}; shift 2 ;;
		--kver) KVER=${2:?}; unset KERNEL; shift 2 ;;
		--append) APPEND="$APPEND ${2:?}"; shift 2 ;;
		--name) GUEST_NAME=${2:?}; shift 2 ;;
		--pidfile) PIDFILE=${2:?}; shift 2 ;;
		--disk) DISK=${2:?}; shift 2 ;;
		--net2) NET2=${2:?}; shift 2 ;;
		--mac2) MAC2=${2:?}; shift 2 ;;
		--ip2) IP2=${2:?}; shift 2 ;;
		--plugin) PLUGIN=${2:?}; shift 2 ;;
		-h|--help) usage 0 ;;
		--) shift; break ;;
		-*) die "unknown option $1 (see --help)" ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || usage
	case $ACCEL in ''|kvm|tcg|icount) ;; *) die "--accel must be kvm, tcg or icount" ;; esac
	case $TCG_THREAD in multi|single) ;; *) die "SRPT_GUEST_TCG_THREAD must be multi or single" ;; esac
	[[ $GUEST_NAME =~ ^[A-Za-z0-9-]*$ ]] || die "--name: letters, digits and - only"
	[ -z "$DISK" ] || [ -f "$DISK" ] || die "--disk $DISK: no such file"
	[ -z "$PLUGIN" ] || [ -f "$PLUGIN" ] || die "--plugin $PLUGIN: no such file"
	if [ -n "$NET2" ]; then
		[[ $MAC2 =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "--net2 needs --mac2 (lower-case xx:xx:xx:xx:xx:xx)"
		[[ $IP2 =~ ^[0-9.]+/[0-9]+$ ]] || die "--net2 needs --ip2 ADDR/LEN"
	fi
	ARGV=("$@")
}

# pick_kernel: set KVER and KERNEL (vmlinuz path).
pick_kernel() {
	if [ -n "${KERNEL:-}" ]; then
		[ -f "$KERNEL" ] || die "KERNEL=$KERNEL does not exist"
		KVER=${KVER:-$(basename "$KERNEL" | sed 's/^vmlinuz-//')}
	elif [ -n "${KVER:-}" ]; then
		KERNEL=/boot/vmlinuz-$KVER
	else
		# The series of $SRPT_KERNEL (default 6.1), never just the newest.
		KVER=$("$REPO/tools/kver.sh") || die "no kernel to boot (tools/kver.sh)"
		KERNEL=/boot/vmlinuz-$KVER
	fi
	[ -r "$KERNEL" ] || die "cannot read $KERNEL"
	[ -f "/lib/modules/$KVER/modules.dep" ] || die "no /lib/modules/$KVER/modules.dep"
}

# module_deps NAME: print NAME's .ko path and those of its dependencies,
# dependencies first, relative to /lib/modules/$KVER; nothing if built in.
# Parses modules.dep directly (no modprobe on the host, not even a dry run).
module_deps() {
	local name=${1//-/_} line path dep
	line=$(awk -v n="$name" -F: '{
		b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b)
		if (b == n) { print; exit }
	}' "/lib/modules/$KVER/modules.dep")
	if [ -z "$line" ]; then
		grep -Eq "/${name//_/[-_]}\.ko\$" "/lib/modules/$KVER/modules.builtin" ||
			die "module $1 is neither in modules.dep nor built in for $KVER"
		return 0
	fi
	path=${line%%:*}
	for dep in ${line#*:}; do
		dep=$(basename "$dep"); module_deps "${dep%%.ko*}"
	done
	echo "$path"
}

# copy_module SRC DSTDIR: copy a .ko, decompressing .ko.xz/.ko.zst/.ko.gz
# (busybox insmod only takes plain ELF objects).
copy_module() {
	local src=$1 dst
	dst=$2/$(basename "${1%%.ko*}").ko
	case $src in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	*) die "unknown module format: $src" ;;
	esac
	basename "$dst"
}

# build_initramfs: set INITRD, rebuilding it when its inputs changed.
build_initramfs() {
	local busybox key tmp m p
	busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
	# The initramfs has no libc: busybox must be the static build.
	! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is dynamically linked; install busybox-static"
	key=$( {
		cat "$SELF_DIR/initramfs-init.sh" "$SELF_DIR/guest-boot.sh"
		echo "$KVER ${INITRAMFS_MODULES[*]}"
		stat -c '%s %Y' "$KERNEL" "/lib/modules/$KVER/modules.dep" "$busybox"
	} | sha256sum | cut -c1-16)
	INITRD=$CACHE/initramfs-$KVER-$key.cpio
	if [ -s "$INITRD" ]; then
		touch "$INITRD"
		return 0
	fi

	msg "building $INITRD"
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/initramfs.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/modules"
	cp "$busybox" "$tmp/bin/busybox"
	install -m 755 "$SELF_DIR/initramfs-init.sh" "$tmp/init"
	install -m 755 "$SELF_DIR/guest-boot.sh" "$tmp/guest-boot.sh"
	for m in "${INITRAMFS_MODULES[@]}"; do module_deps "$m"; done | awk '!seen[$0]++' |
		while read -r p; do copy_module "/lib/modules/$KVER/$p" "$tmp/modules"; done \
			>"$tmp/modules.load"
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort |
		"$tmp/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$tmp.cpio"
	mv "$tmp.cpio" "$INITRD"
	rm -rf "$tmp"
	# Drop images unused for a week (not younger ones: another checkout with
	# other scripts may be about to boot its own).
	find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio' -mtime +7 -delete
}

# qemu_base ACCEL: set the QEMU array to the command line common to all boots.
qemu_base() {
	local accel=$1
	# The NIC keeps qemu's default MAC 52:54:00:12:34:56 (tests derive the rxe
	# GID from it).  romfile=: no iPXE ROM to load; speed=: rxe otherwise
	# warns "eth0 speed is unknown" each time a device is added.
	QEMU=(qemu-system-x86_64 -nographic -no-reboot -kernel "$KERNEL" -initrd "$INITRD"
		-netdev user,id=n0,restrict=on
		-device virtio-net-pci,netdev=n0,romfile=,speed=10000,duplex=full
		-device virtio-rng-pci)
	if [ "$accel" = kvm ]; then
		QEMU+=(-accel kvm -cpu host)
	elif [ "$accel" = icount ]; then
		# icount needs the single-threaded TCG.  sleep=on: an idle guest's
		# clock runs at real time (with sleep=off it jumps to the next
		# timer, and a guest waiting for 9p reads saw its timeouts expire).
		QEMU+=(-accel tcg,thread=single -cpu max
			-icount "shift=${SRPT_GUEST_ICOUNT_SHIFT:-3},sleep=on,align=off")
	else
		QEMU+=(-accel "tcg,thread=$TCG_THREAD" -cpu max)
	fi
}

# choose_accel: set ACCEL (kvm|tcg) and ACCEL_WHY.
choose_accel() {
	local verdict_file boot_id log rc
	if [ -n "$ACCEL" ]; then ACCEL_WHY="requested"; return 0; fi
	ACCEL=tcg
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then ACCEL_WHY="no usable /dev/kvm"; return 0; fi
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	verdict_file=$CACHE/kvm-probe.$boot_id
	if [ -s "$verdict_file" ]; then
		read -r ACCEL ACCEL_WHY <"$verdict_file"
		ACCEL_WHY="${ACCEL_WHY:+$ACCEL_WHY, }cached"
		return 0
	fi
	msg "probing KVM (${KVM_PROBE_TIMEOUT}s at most)"
	log=$(mktemp)
	qemu_base kvm
	rc=0
	timeout --kill-after=5 "$KVM_PROBE_TIMEOUT" "${QEMU[@]}" -m 256 \
		-append "console=ttyS0 panic=-1 srpt_guest=probe" </dev/null >"$log" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && grep -q SRPT-GUEST-PROBE-OK "$log"; then
		ACCEL=kvm ACCEL_WHY="kvm probe passed"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		ACCEL_WHY="kvm probe failed: timeout"
	else
		ACCEL_WHY="kvm probe failed: rc=$rc $(grep -m1 -i error "$log" || true)"
	fi
	rm -f "$log"
	rm -f "$CACHE"/kvm-probe.*
	echo "$ACCEL $ACCEL_WHY" >"$verdict_file"
}

# check_visible PATH: the guest hides these host directories under its mounts.
check_visible() {
	case $1/ in
	/tmp/*|/run/*|/dev/*|/proc/*|/sys/*)
		die "$1 is not visible in the guest (its /tmp /run /dev /proc /sys are its own)" ;;
	esac
}

# quote_words WORD...: the words shell-quoted on one line (nothing for none).
quote_words() {
	[ $# -eq 0 ] || printf ' %q' "$@"
}

# write_job FILE: the job description stage 2 sources (bash syntax).
write_job() {
	local v
	local -a env=()
	for v in $(compgen -e); do
		case $v in
		SRPT_REPO|SRPT_GUEST_*) ;;
		SELFTEST_*|SRPT_*) env+=("$v=${!v}") ;;
		esac
	done
	{
		printf 'GUEST_CWD=%q\n' "$PWD"
		printf 'GUEST_TIMEOUT=%q\n' "$TIMEOUT"
		printf 'SRPT_REPO=%q\n' "$REPO"
		printf 'KVER=%q\n' "$KVER"
		printf 'HUNG_TASK_TIMEOUT=%q\n' "${HUNG_TASK_TIMEOUT:-60}"
		printf 'GUEST_HOSTNAME=%q\n' "${GUEST_NAME:-srpt-guest}"
		printf 'GUEST_ETH1_MAC=%q\n' "$MAC2"
		printf 'GUEST_ETH1_IP=%q\n' "$IP2"
		printf 'GUEST_ARGV=(%s)\n' "$(quote_words "${ARGV[@]}")"
		printf 'GUEST_ENV=(%s)\n' "$(quote_words ${env[@]+"${env[@]}"})"
	} >"$1"
}

prepare_results() {
	if [ -z "$RESULTS" ]; then
		RESULTS=$REPO/build/guest-results/$(date +%Y%m%d-%H%M%S)-$$
	fi
	mkdir -p "$RESULTS"
	RESULTS=$(cd "$RESULTS" && pwd)
	rm -f "$RESULTS"/{started,status,output.log,dmesg.log,console.log,console-boot1.log,job.env,tap.txt} \
		"$RESULTS"/tests/*.log
	if [[ $RESULTS == "$REPO"/build/guest-results/* ]]; then
		ln -sfn "$(basename "$RESULTS")" "$REPO/build/guest-results/latest"
	fi
}

# seed_depmod: the module indexes the guest needs once our ib_srpt.ko is in
# updates/ (tools/guest/lib.sh, _srpt_set_updates()), made here by the
# host's depmod over a copy of /lib/modules/KVER made of symlinks: a few
# seconds natively against 15-270 s of TCG time in the guest (idle to
# loaded host), on every boot.  The guest finds them by the module's hash
# under SRPT_DEPMOD_SEED (the results share); a module it has not been
# seeded for it indexes itself.  Nothing here may touch the host's tree:
# the copy is of the resolved directory, and a tree whose updates/ is a
# symlink is not seeded.  A failure only costs the guest its own depmod.
seed_depmod() {
	local ko=${SRPT_KO_BUILT:-$REPO/drivers/infiniband/ulp/srpt/ib_srpt.ko}
	local mods key

	unset SRPT_DEPMOD_SEED
	rm -rf "$RESULTS/depmod-seed"
	mods=$(readlink -f "/lib/modules/$KVER") || return 0
	[ -f "$ko" ] && [ -d "$mods" ] && command -v depmod >/dev/null || return 0
	key=ours-$(sha256sum <"$ko" | cut -c1-16)
	if (
		set -e
		stage=$(mktemp -d "$CACHE/depmod.XXXXXX")
		trap 'rm -rf "$stage"' EXIT
		tree=$stage/lib/modules/$KVER
		mkdir -p "$tree"
		cp -rs "$mods"/. "$tree"/
		[ ! -L "$tree/updates" ] && [ ! -L "$tree/updates/dkms" ]
		rm -f "$tree"/modules.* "$tree"/updates/ib_srpt.ko* "$tree"/updates/dkms/ib_srpt.ko*
		for f in modules.order modules.builtin modules.builtin.modinfo; do
			[ ! -e "$mods/$f" ] || cp "$mods/$f" "$tree/"
		done
		mkdir -p "$tree/updates"
		cp "$ko" "$tree/updates/ib_srpt.ko"
		depmod -b "$stage" "$KVER"
		mkdir -p "$RESULTS/depmod-seed/$key"
		cp "$tree"/modules.* "$RESULTS/depmod-seed/$key/"
	); then
		export SRPT_DEPMOD_SEED=/results/depmod-seed
	else
		rm -rf "$RESULTS/depmod-seed"
		msg "no module indexes made for the guest; it runs depmod itself"
	fi
}

# run_qemu: boot the guest; sets QEMU_RC.  The host-side timeout covers the
# guest's own SCRIPT timeout plus booting and powering off.
run_qemu() {
	local margin=$BOOT_MARGIN_TCG
	[ "$ACCEL" != kvm ] || margin=$BOOT_MARGIN_KVM
	margin=${SRPT_GUEST_BOOT_MARGIN:-$margin}
	qemu_base "$ACCEL"
	# loglevel=5: warnings reach the console too, so a splat is seen live and
	# kept in console.log even if the guest dies before saving dmesg.
	# printk.devkmsg=on: writes to /dev/kmsg (our dmesg marks) are not rate limited.
	# net.ifnames=0: eth0 stays eth0 when a test starts udevd.
	# multidevs=remap: the host root spans several filesystems (/proc, /dev,
	# bind mounts); remapping keeps inode numbers unique for overlayfs.
	QEMU+=(-m "$MEM" -smp "$SMP"
		-append "console=ttyS0 quiet loglevel=5 panic=-1 printk.devkmsg=on log_buf_len=8M net.ifnames=0 srpt_guest=1$APPEND"
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
		-fsdev "local,id=results,path=$RESULTS,security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=results,mount_tag=results)
	if [ -n "$PLUGIN" ]; then
		rm -f "$RESULTS"/plugin-ctl*
		QEMU+=(-plugin "file=$(realpath "$PLUGIN"),ctl=$RESULTS/plugin-ctl")
	fi
	[ -z "$GUEST_NAME" ] || QEMU+=(-name "$GUEST_NAME")
	[ -z "$PIDFILE" ] || QEMU+=(-pidfile "$PIDFILE")
	if [ -n "$NET2" ]; then
		QEMU+=(-netdev "$NET2,id=n1"
			-device "virtio-net-pci,netdev=n1,mac=$MAC2,romfile=,speed=10000,duplex=full")
	fi
	if [ -n "$DISK" ]; then
		QEMU+=(-drive "file=$DISK,format=raw,if=none,id=disk0,cache=directsync,file.locking=off"
			-device virtio-blk-pci,drive=disk0,share-rw=on,serial=srpt-shared)
	fi
	QEMU_RC=0
	# stdin from /dev/null: qemu then leaves the terminal alone, and Ctrl-C
	# stops it like any other command.
	timeout --kill-after=10 "$((TIMEOUT + margin))" "${QEMU[@]}" </dev/null 2>&1 |
		tee "$RESULTS/console.log" || QEMU_RC=${PIPESTATUS[0]}
}

# check_splats: print splat lines of dmesg.log (or of the console log when the
# guest died before saving dmesg); return 1 if there are any.
check_splats() {
	local log=$RESULTS/dmesg.log hits
	[ -s "$log" ] || log=$RESULTS/console.log
	hits=$(grep -n -F -f "$REPO/tools/guest/splat-patterns" "$log" || true)
	[ -z "$hits" ] && return 0
	msg "kernel splat in $(basename "$log"):"
	printf '%s\n' "$hits" >&2
	return 1
}

# died_before_job: the guest ended on its own (no timeout) before it
# started SCRIPT: it panicked or failed its setup while booting.
died_before_job() {
	[ ! -e "$RESULTS/started" ] && [ ! -s "$RESULTS/status" ] &&
		[ "$QEMU_RC" != 124 ] && [ "$QEMU_RC" != 137 ]
}

# final_status: set STATUS from the guest's status file, qemu's exit and the
# splat scan.
final_status() {
	if [ -s "$RESULTS/status" ]; then
		STATUS=$(cat "$RESULTS/status")
		[ "$QEMU_RC" != 124 ] || msg "warning: guest recorded a status but did not power off"
		if ! check_splats; then
			msg "FAIL: kernel splat (script status was $STATUS)"
			STATUS=1
		fi
		return 0
	fi
	if [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
		msg "FAIL: guest did not finish within $TIMEOUT s + boot margin (no status)"
		STATUS=124
	else
		msg "FAIL: guest ended without recording a status (crash or panic?)"
		STATUS=125
	fi
	check_splats || true
}

main() {
	local start
	parse_args "$@"
	if [[ ${ARGV[0]} == */* ]] && [ ! -x "${ARGV[0]}" ]; then
		die "${ARGV[0]}: no such executable"
	fi
	check_visible "$PWD"
	check_visible "$REPO"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run tools/deps.sh)"
	pick_kernel
	mkdir -p "$CACHE"
	build_initramfs
	choose_accel
	[ "$ACCEL" != tcg ] || ACCEL_WHY+=", thread=$TCG_THREAD"
	msg "accel=$ACCEL ($ACCEL_WHY) kernel=$KVER mem=${MEM}M smp=$SMP"
	prepare_results
	seed_depmod
	write_job "$RESULTS/job.env"
	start=$(date +%s)
	run_qemu
	if died_before_job; then
		mv "$RESULTS/console.log" "$RESULTS/console-boot1.log"
		msg "the guest ($KVER) died before its job started (qemu rc $QEMU_RC, after $(($(date +%s) - start)) s):"
		grep -E -m 8 'Kernel panic|RIP:|FATAL|BUG:|Oops' "$RESULTS/console-boot1.log" >&2 || true
		msg "booting it once more (its console is kept as console-boot1.log); a second such failure fails the run"
		start=$(date +%s)
		run_qemu
	fi
	msg "qemu exited (rc $QEMU_RC) after $(($(date +%s) - start)) s; results in $RESULTS"
	rm -rf "$RESULTS/depmod-seed"

	final_status
	msg "status $STATUS"
	exit "$STATUS"
}

main "$@"
