#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the release of the kernel to build for and boot:
#
#   tools/kver.sh [SERIES]
#
# SERIES is a kernel series we support, "6.1" (Debian 12's stock kernel,
# linux-image-amd64) or "6.12" (linux-image-6.12-amd64, Debian 13's kernel,
# also packaged for Debian 12).  Default: $SRPT_KERNEL, else 6.1.  Never the
# newest installed kernel: installing 6.12 does not switch what a plain
# command builds and boots.  Prints the newest release of that series that
# has both an image in /boot and a module tree in /lib/modules.
# KVER in the environment overrides everything (e.g. the debug kernel).
set -euo pipefail
if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi
series=${1:-${SRPT_KERNEL:-6.1}}
case $series in
6.1) pkgs="linux-image-amd64 linux-headers-amd64" ;;
6.12) pkgs="linux-image-6.12-amd64 linux-headers-6.12-amd64" ;;
*)
	echo "kver: unknown kernel series '$series' (supported: 6.1, 6.12)" >&2
	exit 1
	;;
esac
best=
for img in "/boot/vmlinuz-$series."*-amd64; do
	[ -e "$img" ] || continue
	ver=${img#/boot/vmlinuz-}
	# The generic flavour only: 6.1.0-N-amd64, 6.12.N+debM-amd64 (not
	# -cloud-amd64 or -rt-amd64, which sort after it and whose headers
	# tools/deps.sh does not install).
	[[ $ver =~ ^${series//./\\.}\.[0-9]+(-[0-9]+|\+deb[0-9]+)-amd64$ ]] || continue
	[ -d "/lib/modules/$ver" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$ver" | sed '/^$/d' | sort -V | tail -n1)
done
[ -n "$best" ] || {
	echo "kver: no $series kernel: no /boot/vmlinuz-$series.*-amd64 with /lib/modules (tools/deps.sh, or apt-get install $pkgs)" >&2
	exit 1
}
echo "$best"
