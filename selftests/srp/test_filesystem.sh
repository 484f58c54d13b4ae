#!/bin/bash
# A filesystem survives logout and login: mkfs.xfs on the SRP disk (brd
# iblock LUN), mount, copy ~16 MB of shared libraries, record their
# sha256sums, unmount, log out; log in again (a new session, maybe a new
# /dev/sdX), xfs_repair -n finds the filesystem clean, mount, and every
# checksum matches.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

mnt=/tmp/srp-fs
src=/usr/lib/x86_64-linux-gnu
mkdir -p "$mnt"
cleanup_mount() { mountpoint -q "$mnt" && umount "$mnt"; return 0; }
srpt_test_cleanup() { cleanup_mount; }

# mkfs.xfs refuses filesystems below 300 MB; brd allocates lazily.
srp_target_setup --bs brd --bs-mb 512 || fail "target setup"
dev=$(srp_login) || fail "login"
timeout 120 mkfs.xfs -q -f -K "$dev" || fail "mkfs.xfs $dev"
timeout 60 mount -t xfs "$dev" "$mnt" || fail "mount $dev"
mapfile -t files < <(find "$src" -maxdepth 1 -name '*.so*' -type f -size -3M | LC_ALL=C sort | head -n 60)
[ ${#files[@]} -ge 20 ] || fail "too few files to copy from $src"
mkdir "$mnt/lib"
timeout 120 cp "${files[@]}" "$mnt/lib/" || { cleanup_mount; fail "copy to $mnt"; }
(cd "$mnt/lib" && sha256sum -- *) >/tmp/srp-fs.sha256
echo "# copied ${#files[@]} files, $(du -sk "$mnt/lib" | cut -f1) KiB"
# The checksums of the sources too: the copy itself must be right.
(cd "$src" && sha256sum -c --quiet /tmp/srp-fs.sha256) || { cleanup_mount; fail "copies differ from the sources"; }
timeout 60 umount "$mnt" || fail "umount"
srp_logout_all || fail "logout"

dev=$(srp_login) || fail "second login"
timeout 60 xfs_repair -n "$dev" >/tmp/srp-fs-repair.log 2>&1 ||
	{ cat /tmp/srp-fs-repair.log; fail "xfs_repair -n found problems on $dev"; }
timeout 60 mount -t xfs "$dev" "$mnt" || fail "mount after re-login"
(cd "$mnt/lib" && timeout 120 sha256sum -c --quiet /tmp/srp-fs.sha256) ||
	{ cleanup_mount; fail "checksums differ after logout/login"; }
echo "# all ${#files[@]} checksums match after logout/login"
timeout 60 umount "$mnt" || fail "umount"
srp_logout_all || fail "logout"
srp_target_teardown || fail "teardown"
