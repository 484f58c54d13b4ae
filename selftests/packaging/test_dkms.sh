#!/bin/bash
# test_dkms: the DKMS package installs over the distribution's ib_srpt.
#
# By default the package was built on the host for the kernel the guest
# runs by `tools/dkms-build.sh <kver>` (tools/test.sh runs it as a host
# check, once per kernel) in scratch trees under build/dkms/<kver>/; a
# DKMS build in the guest takes about 8 minutes under TCG.
# With SRPT_DKMS_IN_GUEST=1 the whole DKMS flow runs in the guest instead:
# tools/dkms-source.sh into /usr/src, then dkms add and dkms build.
#
# Then, in the guest (its /usr/src, /var/lib/dkms and /lib/modules are the
# tmpfs overlay): `dkms install` for the running kernel. modprobe must then
# resolve ib_srpt to DKMS's copy under updates/ (not to the in-tree
# kernel/... one, which stays), modinfo must show our module (version from
# VERSION, the rdma_cm_port parameter the in-tree driver does not have, the
# srcversion of what DKMS built), and after modprobe the configfs fabric
# reports our version and takes a target port and TPG on a soft-RoCE port.
# `dkms remove` must then give the in-tree module back. The time each dkms
# step took is printed.
set -euo pipefail
source "$SRPT_REPO/selftests/lib.sh"

kver=$(uname -r)
moddir=/lib/modules/$kver
version=$(cat "$SRPT_REPO/VERSION")
pkg=ib_srpt/$version
drv=drivers/infiniband/ulp/srpt

command -v dkms >/dev/null || fail "dkms is not installed (tools/deps.sh)"
[ -e "$moddir/build/Makefile" ] || fail "no kernel headers for $kver"
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt is already loaded"

if [ "${SRPT_DKMS_IN_GUEST:-0}" = 1 ]; then
	opts=()
	dkms_tree=/var/lib/dkms
else
	pre=$SRPT_REPO/build/dkms/$kver
	opts=(--sourcetree "$pre/src" --dkmstree "$pre/tree")
	dkms_tree=$pre/tree
	[ -d "$pre/tree/ib_srpt/$version/$kver" ] ||
		fail "no DKMS build for $kver in $pre: run tools/dkms-build.sh $kver on the host first (tools/test.sh does)"
	# It must be a build of this tree's driver, not a stale one (the
	# package's Makefile has one line more, see tools/dkms-source.sh).
	files=$(git -C "$SRPT_REPO" ls-files "$drv" Kbuild dkms.conf) || fail "git ls-files failed"
	for f in $files; do
		have=$pre/src/ib_srpt-$version/$f
		if [ "${f##*/}" = Makefile ]; then
			head -n "$(wc -l <"$SRPT_REPO/$f")" "$have" | cmp -s - "$SRPT_REPO/$f"
		else
			cmp -s "$SRPT_REPO/$f" "$have"
		fi || fail "$pre is stale ($f differs): run tools/dkms-build.sh $kver again"
	done
fi

cleanup() {
	set +e
	rmdir "$SRPT_CFS"/*/tpgt_1 "$SRPT_CFS"/*:* "$SRPT_CFS" 2>/dev/null
	[ -d /sys/module/ib_srpt ] && rmmod ib_srpt
	if dkms status "$pkg" -k "$kver" "${opts[@]}" 2>/dev/null | grep -q ': installed'; then
		dkms remove "$pkg" -k "$kver" --no-depmod "${opts[@]}" >/dev/null 2>&1
		_depmod_restore intree
	fi
	guest_rxe_down >/dev/null 2>&1
}
trap cleanup EXIT

# An earlier test of this boot may have put our plain build in updates/:
# start from the distribution's module, and keep its module indexes to
# restore after `dkms remove --no-depmod` (a second depmod under TCG would
# take minutes, and the result is the same).
_srpt_set_updates "" || fail "cannot restore the in-tree ib_srpt"
[ -d "$GUEST_DEPMOD_CACHE/intree" ] || _depmod_save intree
intree=$(modinfo -k "$kver" -n ib_srpt)
[[ $intree == "$moddir"/kernel/$drv/ib_srpt.ko* ]] ||
	fail "before DKMS, ib_srpt resolves to '$intree', not the in-tree module"

# step NAME CMD...: run CMD, print how long it took, fail with its output.
step() {
	local name=$1 t0=$SECONDS out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; fail "$name failed"; }
	echo "# $name: $((SECONDS - t0)) s"
}

if [ "${SRPT_DKMS_IN_GUEST:-0}" = 1 ]; then
	step "tools/dkms-source.sh" "$SRPT_REPO/tools/dkms-source.sh" "/usr/src/ib_srpt-$version"
	step "dkms add" dkms add -m ib_srpt -v "$version"
	step "dkms build" dkms build "$pkg" -k "$kver"
fi
step "dkms install" dkms install "$pkg" -k "$kver" "${opts[@]}"
status=$(dkms status "$pkg" -k "$kver" "${opts[@]}")
[[ $status == *": installed"* ]] || fail "dkms status: $status"

# What modprobe picks: the module DKMS installed, under updates/.
path=$(modinfo -k "$kver" -n ib_srpt)
echo "# modprobe resolves ib_srpt to $path"
[[ $path == "$moddir"/updates/* ]] || fail "ib_srpt resolves to $path, not to updates/"
built=$(ls "$dkms_tree/ib_srpt/$version/$kver"/*/module/ib_srpt.ko* | head -n 1)
want_src=$(modinfo -F srcversion "$built")
[ -n "$want_src" ] || fail "no srcversion in $built"
expect_eq "$(modinfo -k "$kver" -F srcversion ib_srpt)" "$want_src" "srcversion of the resolved ib_srpt"
expect_eq "$(modinfo -k "$kver" -F version ib_srpt)" "$version" "version of the resolved ib_srpt"
modinfo -k "$kver" -F parm ib_srpt | grep -q '^rdma_cm_port:' ||
	fail "the resolved ib_srpt has no rdma_cm_port parameter: not ours"
[ -e "$intree" ] || fail "$intree is gone"

guest_rxe_up || fail "guest_rxe_up failed"
modprobe ib_srpt || fail "modprobe ib_srpt failed"
expect_eq "$(cat /sys/module/ib_srpt/srcversion)" "$want_src" "srcversion of the loaded ib_srpt"
expect_eq "$(cat /sys/module/ib_srpt/version)" "$version" "version of the loaded ib_srpt"
[[ $(cat /sys/module/ib_srpt/taint) == *O* ]] || fail "the loaded ib_srpt is not out-of-tree"

# configfs smoke: the fabric and its version, a target port on rxe0's GUID
# with a TPG.
mkdir -p "$SRPT_CFS"
want_ver=$(sed -n 's/^#define SRPT_VERSION "\(.*\)"$/\1/p' "$SRPT_REPO/$drv/srpt_configfs.c")
[ -n "$want_ver" ] || fail "test bug: no SRPT_VERSION in $drv/srpt_configfs.c"
expect_eq "$(cat "$SRPT_CFS/version")" "$want_ver" "srpt/version"
port=${RXE_GID:20}
mkdir "$SRPT_CFS/$port" || fail "mkdir srpt/$port"
mkdir "$SRPT_CFS/$port/tpgt_1" || fail "mkdir srpt/$port/tpgt_1"
[ -e "$SRPT_CFS/$port/tpgt_1/enable" ] || fail "srpt/$port/tpgt_1 has no enable"
rmdir "$SRPT_CFS/$port/tpgt_1" "$SRPT_CFS/$port" "$SRPT_CFS"
rmmod ib_srpt || fail "rmmod ib_srpt"

step "dkms remove" dkms remove "$pkg" -k "$kver" --no-depmod "${opts[@]}"
[ ! -e "$path" ] || fail "dkms remove left $path"
_depmod_restore intree || fail "cannot restore the in-tree module indexes"
expect_eq "$(modinfo -k "$kver" -n ib_srpt)" "$intree" "ib_srpt after dkms remove"
echo "# ok: DKMS $pkg installed over the in-tree driver, loaded, removed"
