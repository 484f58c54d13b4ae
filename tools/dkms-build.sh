#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the DKMS package on this host for the guest kernel, entirely in
# scratch trees under build/dkms/ (dkms --sourcetree/--dkmstree; the
# signing key DKMS makes goes there too): nothing is installed, and the
# host's /usr/src, /var/lib/dkms and /lib/modules are not touched. The
# guest test selftests/packaging/test_dkms.sh installs the result from
# there and loads it.
#
#   tools/dkms-build.sh          (as root: dkms refuses to run otherwise)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
d=$top/build/dkms
kver=$("$top/tools/kver.sh")
version=$(cat "$top/VERSION")
command -v dkms >/dev/null || { echo "dkms-build: dkms is not installed (tools/deps.sh)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "dkms-build: dkms needs root"; exit 1; }

rm -rf "$d/src" "$d/tree"
mkdir -p "$d/src" "$d/tree" "$d/keys"
opts=(--sourcetree "$d/src" --dkmstree "$d/tree")
# DKMS signs what it builds, making a key pair first if there is none;
# keep it out of /var/lib/dkms.
export mok_signing_key=$d/keys/mok.key mok_certificate=$d/keys/mok.pub

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
echo "dkms-build: ib_srpt/$version built for $kver in $((SECONDS - t0)) s: $ko"
