#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the release of the kernel the guest boots: the newest Debian amd64
# kernel that has both an image in /boot and a module tree in /lib/modules.
# KVER in the environment overrides.
set -euo pipefail
if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi
best=
for img in /boot/vmlinuz-*-amd64; do
	[ -e "$img" ] || continue
	ver=${img#/boot/vmlinuz-}
	[ -d "/lib/modules/$ver" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$ver" | sed '/^$/d' | sort -V | tail -n1)
done
[ -n "$best" ] || { echo "kver: no /boot/vmlinuz-*-amd64 with /lib/modules (apt-get install linux-image-amd64 linux-headers-amd64)" >&2; exit 1; }
echo "$best"
