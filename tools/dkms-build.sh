#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the DKMS package on this host for one guest kernel, entirely in
# scratch trees under build/dkms/<kver>/ (dkms --sourcetree/--dkmstree; the
# signing key DKMS makes goes to build/dkms/keys/): nothing is installed,
# and the host's /usr/src, /var/lib/dkms and /lib/modules are not touched.
# The guest test selftests/packaging/test_dkms.sh, booted on that kernel,
# installs the result from there and loads it.
#
#   tools/dkms-build.sh [KVER]   (as root: dkms refuses to run otherwise)
#
# KVER: an installed kernel release (its headers are needed); default
# tools/kver.sh's (the series of $SRPT_KERNEL, 6.1 unless set).  Each
# kernel has its own tree, so building for one leaves the others' builds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$top/tools/kver.sh")}
d=$top/build/dkms/$kver
version=$(cat "$top/VERSION")
command -v dkms >/dev/null || { echo "dkms-build: dkms is not installed (tools/deps.sh)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "dkms-build: dkms needs root"; exit 1; }
[ -e "/lib/modules/$kver/build/Makefile" ] ||
	{ echo "dkms-build: no kernel headers for $kver (/lib/modules/$kver/build)"; exit 1; }
echo "dkms-build: kernel $kver, scratch trees in $d"

rm -rf "$d"
mkdir -p "$d/src" "$d/tree" "$top/build/dkms/keys"
opts=(--sourcetree "$d/src" --dkmstree "$d/tree")
# DKMS signs what it builds, making a key pair first if there is none;
# keep it out of /var/lib/dkms (one pair for all kernels).
export mok_signing_key=$top/build/dkms/keys/mok.key mok_certificate=$top/build/dkms/keys/mok.pub

pkgsrc=$("$top/tools/dkms-source.sh" "$d/ib_srpt-$version")
t0=$SECONDS
dkms add "$pkgsrc" "${opts[@]}"
dkms build "ib_srpt/$version" -k "$kver" "${opts[@]}"
status=$(dkms status "ib_srpt/$version" -k "$kver" "${opts[@]}")
echo "$status"
[[ $status == *": built"* ]] || { echo "dkms-build: not built"; exit 1; }
ko=$(ls "$d/tree/ib_srpt/$version/$kver"/*/module/ib_srpt.ko*)
[ "$(modinfo -F version "$ko")" = "$version" ] ||
	{ echo "dkms-build: $ko does not have version $version"; exit 1; }
modinfo -F parm "$ko" | grep -q '^rdma_cm_port:' ||
	{ echo "dkms-build: $ko has no rdma_cm_port parameter: not our module"; exit 1; }
vermagic=$(modinfo -F vermagic "$ko")
[[ $vermagic == "$kver "* ]] ||
	{ echo "dkms-build: $ko has vermagic '$vermagic', not $kver"; exit 1; }
echo "dkms-build: ib_srpt/$version built for $kver in $((SECONDS - t0)) s: $ko"
