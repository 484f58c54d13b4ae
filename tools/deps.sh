#!/bin/bash
# tools/deps.sh: install the Debian 12 packages needed to build ib_srpt and to
# run the qemu test guest (tools/vm/run-guest.sh), for both kernels we test
# on: Debian 12's stock 6.1 and Debian's 6.12 (linux-image-6.12-amd64, from
# bookworm-security).  Run as root; quick and silent when everything is
# already installed.
#
#   sudo tools/deps.sh          install what is missing
#   sudo tools/deps.sh --bench  also what the benchmark needs
#   tools/deps.sh --check       only list what is missing (exit 1 if any)
set -euo pipefail

PACKAGES=(
	# the guest: kernels to boot (6.1 and 6.12), qemu, busybox for the initramfs
	qemu-system-x86 linux-image-amd64 linux-image-6.12-amd64 busybox-static
	# building the module for both kernels (linux-source-6.1: checkpatch,
	# kernel-doc, coccinelle, the 6.1 patch series, the debug kernel;
	# linux-source-6.12: the 6.12 patch series, reading the other kernel)
	linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.1 linux-source-6.12
	make gcc bc flex bison libelf-dev sparse xz-utils cpio
	# coccicheck (its OCaml rules need ocamlopt, its Python rules
	# libpython3.11.so)
	coccinelle ocaml-nox libpython3.11-dev
	# checkpatch on the in-tree patch series (its spdxcheck.py), git am;
	# unifdef resolves the out-of-tree feature tests for the series' kernel
	python3-ply python3-git git unifdef
	# the DKMS package (tools/dkms-build.sh, selftests/packaging)
	dkms openssl
	# LIO and RDMA userspace used by the tests in the guest
	targetcli-fb python3-rtslib-fb rdma-core ibverbs-utils infiniband-diags
	libibverbs-dev librdmacm-dev fio sg3-utils multipath-tools
	xfsprogs e2fsprogs dbus udev ibverbs-providers
	# building and running blktests (tools/blktests.sh, selftests/blktests;
	# its check prints results through column, from bsdextrautils)
	gawk g++ bsdextrautils
	# tools/dm-query (device management queries in selftests/dm)
	libibumad-dev
	# basics a minimal root may lack
	kmod iproute2 psmisc lsof procps util-linux python3
)

# Only for the benchmark (tools/bench.sh calls "deps.sh --bench"): raw RDMA
# limits, the nvme-rdma host, profiles in the guest, the report's chart.
BENCH_PACKAGES=(perftest nvme-cli linux-perf python3-matplotlib)
if [ "${1:-}" = --bench ]; then
	PACKAGES+=("${BENCH_PACKAGES[@]}")
	shift
fi

# missing_packages: print the packages not installed, one per line.
missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		[ "$status" = installed ] || echo "$pkg"
	done
}

main() {
	local -a missing
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "${1:-}" = --check ]; then
		echo "missing: ${missing[*]}"
		return 1
	fi
	[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root to install: ${missing[*]}" >&2; return 1; }
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y --no-install-recommends "${missing[@]}" && return 0
	# Debian 12 has its 6.12 packages only in bookworm-security.
	if [[ " ${missing[*]} " == *" linux-image-6.12-amd64 "* ]] &&
		! apt-cache show linux-image-6.12-amd64 >/dev/null 2>&1; then
		echo "deps.sh: linux-image-6.12-amd64 is in bookworm-security, which apt does not list: add" >&2
		echo "  deb http://security.debian.org/debian-security bookworm-security main" >&2
		echo "to /etc/apt/sources.list" >&2
	fi
	return 1
}

main "$@"
