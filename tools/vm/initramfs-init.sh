#!/bin/busybox sh
# shellcheck shell=dash
# Stage 1 of the srpt test guest: /init of the tiny busybox initramfs built by
# tools/vm/run-guest.sh.  It loads the virtio/9p/overlay modules packed next to
# it, mounts the host's root read-only over virtio-9p, puts a tmpfs overlay on
# top (so the guest can write anywhere without touching the host) and
# switch_roots into it, handing over to /guest-boot.sh (stage 2, bash).
#
# Kernel command line:
#   srpt_guest=1      normal run (also how guest code knows it is in the guest)
#   srpt_guest=probe  accelerator probe: print a marker and power off at once
#
# This is PID 1: it must never exit (that panics the kernel), so errors end in
# die(), which powers off; the host then finds no status file and reports it.
# No `set -e` here for the same reason.

PATH=/bin
export PATH

die() {
	echo "srpt-guest(stage1): FATAL: $*" >/dev/console
	poweroff -f
	sleep 1000
}

/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /lower /ovl /newroot
mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"

case " $(cat /proc/cmdline) " in
*" srpt_guest=probe "*)
	echo "SRPT-GUEST-PROBE-OK" >/dev/console
	poweroff -f
	sleep 1000
	;;
esac

# modules.load lists the .ko files in dependency order (resolved on the host).
while read -r ko; do
	insmod "/modules/$ko" || die "insmod $ko"
done </modules.load

# 9p needs its virtio transport device to have probed; give the PCI bus a moment.
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /lower 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || die "cannot mount the host root over 9p (mount_tag hostroot)"
	sleep 0.1
done

# The upper layer is a tmpfs: all guest writes vanish at power-off.
mount -t tmpfs -o mode=755 ovl /ovl || die "mount tmpfs /ovl"
mkdir -p /ovl/upper /ovl/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work \
	/newroot || die "mount overlay"

cp /guest-boot.sh /newroot/.srpt-guest-boot || die "copy stage 2"
chmod 755 /newroot/.srpt-guest-boot
for m in dev proc sys; do
	mount --move "/$m" "/newroot/$m" || die "move /$m"
done
exec switch_root /newroot /bin/bash /.srpt-guest-boot
