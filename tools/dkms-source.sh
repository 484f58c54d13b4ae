#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the DKMS source tree of ib_srpt: dkms.conf, VERSION, the top Kbuild
# and the driver, copied from the working tree (uncommitted edits included)
# and nothing else (no build/, tools/ or selftests/), plus srpt_dkms.c with
# the module's version (see below).
#
#   tools/dkms-source.sh [DESTDIR]    (default build/dkms/ib_srpt-<VERSION>)
#
# Prints DESTDIR. Then, as root:
#   dkms add DESTDIR                  (copies it to /usr/src/ib_srpt-<VERSION>)
#   dkms build ib_srpt/<VERSION>  &&  dkms install ib_srpt/<VERSION>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
[[ $version =~ ^[0-9A-Za-z.+~-]+$ ]] || { echo "dkms-source: bad VERSION '$version'" >&2; exit 1; }
dest=$(realpath -m "${1:-$top/build/dkms/ib_srpt-$version}")
drv=drivers/infiniband/ulp/srpt
rm -rf "$dest"
mkdir -p "$dest"
cd "$top"
git ls-files dkms.conf VERSION Kbuild LICENSE "$drv" |
	while read -r f; do
		[ -e "$f" ] || continue
		cp --parents "$f" "$dest/"
	done
for f in dkms.conf VERSION Kbuild "$drv/Makefile"; do
	[ -e "$dest/$f" ] || { echo "dkms-source: $f is missing (not committed?)" >&2; exit 1; }
done

# The package's only addition to the driver: a module version. DKMS does
# not install a module over the kernel's own one when both have the same
# version, and two modules without a version count as the same, so without
# it `dkms install` (and autoinstall for a new kernel) would skip ours in
# favour of the versionless in-tree ib_srpt. The driver itself has no
# MODULE_VERSION, as is usual in the kernel.
cat >"$dest/$drv/srpt_dkms.c" <<EOF
// SPDX-License-Identifier: GPL-2.0
/* Added by tools/dkms-source.sh to the DKMS package only. */
#include <linux/module.h>

MODULE_VERSION("$version");
EOF
printf '\n# DKMS package only (tools/dkms-source.sh)\nib_srpt-y += srpt_dkms.o\n' \
	>>"$dest/$drv/Makefile"
echo "$dest"
