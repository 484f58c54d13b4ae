#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build our kernel modules for one installed kernel, out of tree, in
# build/kernels/<kver>/: a copy of the sources (uncommitted edits too), so
# that builds for several kernels keep their own .ko files and leave the
# one `make` builds in the tree alone.  tools/test.sh runs it per kernel
# and boots that kernel's guest with the result.
#
#   tools/build-for-kernel.sh KVER srpt     ib_srpt.ko (W=1, -Werror), from a fresh copy
#   tools/build-for-kernel.sh KVER ibcm     the IB/CM test initiator ibcm_srp.ko
#                                           (W=1, -Werror)
#   tools/build-for-kernel.sh KVER sparse   sparse (C=2) over the driver's copy
#   tools/build-for-kernel.sh KVER env      print SRPT_KO_BUILT=... SRPT_IBCM_KO=...,
#                                           the paths the guest takes them from
#
# KVER is an installed kernel release (6.1.0-57-amd64, 6.12.118+deb12-amd64);
# KDIR= another build tree for it.  Each step says which kernel it built
# for and checks the module's vermagic against KVER.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}
[ $# -eq 2 ] || usage
kver=$1
what=$2
kdir=${KDIR:-/lib/modules/$kver/build}
out=$top/build/kernels/$kver
srpt_ko=$out/drivers/infiniband/ulp/srpt/ib_srpt.ko
ibcm_ko=$out/ibcm/ibcm_srp.ko

msg() { echo "build-for-kernel: $*"; }
die() { msg "error: $*" >&2; exit 1; }

# check_vermagic KO: KO was built for $kver.
check_vermagic() {
	local vermagic
	vermagic=$(modinfo -F vermagic "$1") || die "modinfo $1 failed"
	[[ $vermagic == "$kver "* ]] || die "$1 has vermagic '$vermagic', not $kver"
}

[ -d "$kdir" ] || die "no kernel build tree at $kdir (tools/deps.sh installs the headers)"
case $what in
srpt)
	msg "ib_srpt for $kver (KDIR $kdir) in $out"
	# From scratch: cpio -pdm keeps a destination file that is not older
	# (a stale Kbuild holds the feature tests), and an ibcm_srp.ko left
	# from older sources would be what "env" prints.
	rm -rf "$out"
	mkdir -p "$out"
	git ls-files -co --exclude-standard Makefile Kbuild Kconfig drivers \
		tools/kver.sh tools/check-sparse.sh | cpio -pdm --quiet "$out" ||
		die "cannot copy the sources to $out"
	make -C "$out" KVER="$kver" KDIR="$kdir" -j2
	check_vermagic "$srpt_ko"
	msg "built $srpt_ko for $kver"
	;;
ibcm)
	msg "ibcm_srp for $kver (KDIR $kdir) in $out/ibcm"
	rm -rf "$out/ibcm"
	mkdir -p "$out/ibcm"
	cp tools/ibcm-initiator/Kbuild tools/ibcm-initiator/*.c "$out/ibcm/"
	make -C "$kdir" M="$out/ibcm" W=1 KCFLAGS=-Werror modules
	check_vermagic "$ibcm_ko"
	msg "built $ibcm_ko for $kver"
	;;
sparse)
	[ -f "$out/Makefile" ] || die "no sources in $out: run '$0 $kver srpt' first"
	msg "sparse (C=2) on ib_srpt against $kver (KDIR $kdir)"
	make -C "$out" KVER="$kver" KDIR="$kdir" sparse
	;;
env)
	[ -f "$srpt_ko" ] || die "$srpt_ko not built: run '$0 $kver srpt'"
	echo "SRPT_KO_BUILT=$srpt_ko"
	[ ! -f "$ibcm_ko" ] || echo "SRPT_IBCM_KO=$ibcm_ko"
	;;
*) usage ;;
esac
