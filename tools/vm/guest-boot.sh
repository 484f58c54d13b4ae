#!/bin/bash
# Stage 2 of the srpt test guest: PID 1 after switch_root into the overlay of
# the host's root (see initramfs-init.sh).  Sets up a minimal system (no
# systemd, no udevd), runs the job the host wrote to /results/job.env under
# `timeout`, records its output, exit status and dmesg in /results, and powers
# off.  Files written to /results:
#   started     written when the job starts (absent if the guest died first)
#   output.log  the job's stdout+stderr (also streamed to the console)
#   status      the job's exit status (absent if the guest died first)
#   dmesg.log   the kernel log after the job
#
# This is PID 1: it must never exit, so no `set -e`; failures of the job are
# recorded, failures of the setup are reported and end in power-off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { echo "srpt-guest: $*" >/dev/console; }

power_off() {
	sync
	umount /results 2>/dev/null
	# Wait for the power-off without running a program: it shuts the 9p
	# root down, an exec from there then fails (EIO), and PID 1 exiting
	# panics the kernel ("Attempted to kill init", a Call Trace on the
	# console).  read -t on a FIFO that nobody writes is a builtin sleep.
	mkfifo /run/srpt-guest-halt 2>/dev/null
	echo o >/proc/sysrq-trigger
	while :; do
		read -r -t 1000 <>/run/srpt-guest-halt
	done
}

die() {
	log "FATAL: $*"
	power_off
}

# mount_fs TYPE DIR [OPTIONS]: mount unless DIR already is a mount point.
mount_fs() {
	mkdir -p "$2"
	mountpoint -q "$2" && return 0
	mount -t "$1" ${3:+-o "$3"} "$1" "$2" || die "mount $1 on $2"
}

setup_filesystems() {
	mount_fs proc /proc
	mount_fs sysfs /sys
	mount_fs devtmpfs /dev
	mount_fs devpts /dev/pts gid=5,mode=620,ptmxmode=666
	mount_fs tmpfs /dev/shm mode=1777
	mount_fs tmpfs /run mode=755
	mount_fs tmpfs /tmp mode=1777
	mkdir -p /run/lock /run/shm
	# target_core_mod keeps persistent-reservation state under its db_root.
	mkdir -p /etc/target
	# configfs is a module in Debian's kernel; target_core needs it mounted.
	modprobe configfs || die "modprobe configfs"
	mount_fs configfs /sys/kernel/config
	mount_fs debugfs /sys/kernel/debug
	# Minimal guests have no /dev/fd: bash process substitution needs it.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	mkdir -p /results
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none \
		results /results || die "mount the results share"
}

setup_network() {
	# The host's root may be a docker container's (/.dockerenv).  systemd
	# then takes the guest for one too and reads its kernel command line
	# from PID 1's argv instead of /proc/cmdline, so udevd ignores
	# net.ifnames=0 and renames eth0 (to ens3) once a test starts it: 6.1
	# refuses to rename an interface that is up, 6.2 and later do it.
	rm -f /.dockerenv
	local name=${GUEST_HOSTNAME:-srpt-guest} nic
	hostname "$name"
	echo "$name" >/etc/hostname
	printf '127.0.0.1\tlocalhost\n10.0.2.15\t%s\n' "$name" >/etc/hosts
	ip link set lo up
	# qemu user networking: guest 10.0.2.15, gateway 10.0.2.2 (restrict=on, so
	# nothing beyond the guest itself is reachable).
	ip link set eth0 up || die "no eth0"
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
	# run-guest.sh --net2: a second NIC (found by its MAC) with a static
	# address, on a segment shared with other guests.
	[ -n "${GUEST_ETH1_MAC:-}" ] || return 0
	for nic in /sys/class/net/*; do
		[ "$(cat "$nic/address")" = "$GUEST_ETH1_MAC" ] || continue
		ip link set "${nic##*/}" up &&
			ip addr add "$GUEST_ETH1_IP" dev "${nic##*/}" && return 0
		die "cannot configure ${nic##*/} ($GUEST_ETH1_MAC, $GUEST_ETH1_IP)"
	done
	die "no NIC with MAC $GUEST_ETH1_MAC"
}

setup_kernel_knobs() {
	local hung=/proc/sys/kernel/hung_task_timeout_secs
	[ -w "$hung" ] && echo "${HUNG_TASK_TIMEOUT:-60}" >"$hung"
	# Interval 0: printk_ratelimit() never suppresses (one splat can follow another).
	[ -w /proc/sys/kernel/printk_ratelimit ] && echo 0 >/proc/sys/kernel/printk_ratelimit
	return 0
}

# run_job: run GUEST_ARGV in GUEST_CWD; output to the console and output.log.
# The job runs in its own session, and what it leaves running there is killed
# when it ends: a leftover background process would otherwise hold the
# output pipe open and keep us waiting until the host's timeout.
run_job() {
	local -a env_args=(
		PATH="$PATH" HOME=/root TERM=linux LANG=C.UTF-8 USER=root LOGNAME=root
		RESULTS=/results SRPT_REPO="$SRPT_REPO" KVER="$KVER"
	)
	local out=/run/srpt-guest-job.out tee_pid sid rc=0
	env_args+=("${GUEST_ENV[@]}")
	cd "$GUEST_CWD" || die "no directory $GUEST_CWD in the guest"
	log "uptime $(cut -d' ' -f1 /proc/uptime) s; running (timeout ${GUEST_TIMEOUT}s) in $PWD: ${GUEST_ARGV[*]}"
	# (no argv here: it could match a splat pattern)
	echo "<6>srpt-guest: job start" >/dev/kmsg
	cut -d' ' -f1 /proc/uptime >/results/started
	mkfifo "$out" || die "mkfifo $out"
	tee /results/output.log <"$out" >/dev/console &
	tee_pid=$!
	setsid timeout --kill-after=10 "$GUEST_TIMEOUT" env -i "${env_args[@]}" "${GUEST_ARGV[@]}" \
		</dev/null >"$out" 2>&1 &
	sid=$!
	wait "$sid" || rc=$?
	pkill -KILL -s "$sid" 2>/dev/null
	wait "$tee_pid"
	[ "$rc" != 124 ] || log "job timed out after ${GUEST_TIMEOUT}s"
	echo "<6>srpt-guest: job end: status $rc" >/dev/kmsg
	echo "$rc" >/results/status
	log "job exited with status $rc (uptime $(cut -d' ' -f1 /proc/uptime) s)"
}

setup_filesystems
# job.env (written by the host) sets GUEST_CWD, GUEST_TIMEOUT, SRPT_REPO,
# KVER, HUNG_TASK_TIMEOUT, GUEST_HOSTNAME, GUEST_ETH1_MAC, GUEST_ETH1_IP and
# the arrays GUEST_ARGV and GUEST_ENV.
. /results/job.env || die "cannot read /results/job.env"
setup_network
setup_kernel_knobs
run_job
dmesg >/results/dmesg.log 2>&1
power_off
