#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test the in-tree patch series (tools/mk-patch-series.sh) in a real kernel
# tree: apply it with `git am` to Debian's linux-source-<series> and build
# the driver directory after every patch with W=1; run that kernel's own
# checkpatch --strict on every patch. Any compiler or modpost warning, or
# any checkpatch finding not accepted below, fails.
#
#   tools/check-patch-series.sh [SERIES...]     (make patch-series-check)
#
# SERIES: 6.12 or 6.1; default $SRPT_SERIES_KERNEL, else 6.12. With several,
# each is checked in turn and the first failure stops the run.
#
# Each series' kernel tree is cached in build/patch-series/SERIES/linux-
# source-SERIES/ (about 2 GB): the tarball extracted and made a git
# repository (tag "pristine"; each run applies the series on branch
# "series" from there), configured from the stock kernel of that series'
# /boot/config-<kver> (olddefconfig) and modules_prepare'd, with the
# headers package's Module.symvers so that modpost knows the kernel's
# exports. It is rebuilt only when the tarball or that config changes.
# Measured on the 2-core host while other jobs ran: setting up a cache took
# 7.5 minutes (6.1, load average 12-13) and about 2 minutes (6.1 and 6.12,
# load average 7-9); a run with the cache takes 1.5 to 2.5 minutes (about
# 20 s of CPU). Each tree is about 2 GB.
#
# Config changes from Debian's, none of which affects how the driver
# compiles: module BTF off (modfinal would print "Skipping BTF generation"
# without a vmlinux) and no module signing keys (we do not sign).
#
# Accepted checkpatch finding: FILE_PATH_CHANGES ("added, moved or deleted
# file(s), does MAINTAINERS need updating?") on patches that add or delete
# files under drivers/infiniband/ulp/srpt/, a directory the existing
# MAINTAINERS entry already covers (checkpatch warns on any added file
# unless the same patch touches MAINTAINERS).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- ${SRPT_SERIES_KERNEL:-6.12}
if [ $# -gt 1 ]; then
	for s in "$@"; do
		"$0" "$s" || exit 1
	done
	exit 0
fi
series=$1
case $series in
6.1 | 6.12) ;;
*) echo "check-patch-series: no series for kernel '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac
srcname=linux-source-$series
work=$top/build/patch-series/$series
ktree=$work/$srcname
out=$work/out
final=$work/final
drv=drivers/infiniband/ulp/srpt
log=$work/check.log
mkdir -p "$work"
: >"$log"
# scripts/checkpatch.pl runs scripts/spdxcheck.py with the python3 in PATH;
# it needs Debian's python3-ply and python3-git.
export PATH=/usr/bin:/bin:$PATH
# The kernel builds below are not part of a caller's make (make
# patch-series-check): without this, a sub-make's "Entering directory"
# lines would count as build output.
unset MAKEFLAGS MFLAGS MAKELEVEL
export GIT_AUTHOR_NAME=series GIT_AUTHOR_EMAIL=series@localhost
export GIT_COMMITTER_NAME=series GIT_COMMITTER_EMAIL=series@localhost

say() { echo "check-patch-series ($series): $*"; }
die() { say "FAILED: $*"; exit 1; }

# The series' source, and the stock kernel of that series: its config and
# exports, whatever SRPT_KERNEL says.
kver=$(KVER='' "$top/tools/kver.sh" "$series") || die "no installed $series kernel (tools/deps.sh)"
config=/boot/config-$kver
headers=/usr/src/linux-headers-$kver
tarball=/usr/src/$srcname.tar.xz
[ -r "$tarball" ] || die "no $tarball (apt-get install $srcname)"
[ -r "$config" ] || die "no $config"
[ -r "$headers/Module.symvers" ] || die "no $headers/Module.symvers (apt-get install linux-headers-$kver)"
stamp="$(stat -c '%n %s %Y' "$tarball" "$config" "$headers/Module.symvers" | tr '\n' ' ')"

# --- the cached kernel tree -----------------------------------------------
setup_tree() {
	local t0=$SECONDS
	say "setting up $ktree (once; about 2-3 minutes)"
	rm -rf "$ktree"
	mkdir -p "$work"
	tar -C "$work" -xJf "$tarball"
	[ -d "$ktree" ] || die "the tarball has no $srcname/"
	cd "$ktree"
	# Debian's .gitignore ends by ignoring every top-level path (its own
	# packaging repository holds only debian/); drop that part so git
	# tracks the source and still ignores build output.
	sed -i '/^# Debian packaging: ignore everything/,$d' .gitignore
	git init -q -b series .
	git add -A
	git commit -q -m "Debian $(basename "$tarball") as unpacked"
	git tag pristine
	cp "$config" .config
	scripts/config --disable DEBUG_INFO_BTF --disable MODULE_SIG_ALL \
		--set-str MODULE_SIG_KEY "" --set-str SYSTEM_TRUSTED_KEYS "" \
		--set-str SYSTEM_REVOCATION_KEYS ""
	make -s olddefconfig
	grep -qx 'CONFIG_INFINIBAND_SRPT=m' .config || die "CONFIG_INFINIBAND_SRPT is not m after olddefconfig"
	make -s -j2 modules_prepare
	cp "$headers/Module.symvers" .
	echo "$stamp" >"$work/tree.stamp"
	say "tree ready in $((SECONDS - t0)) s"
}
if [ ! -e "$work/tree.stamp" ] || [ "$(cat "$work/tree.stamp")" != "$stamp" ] ||
	! git -C "$ktree" rev-parse -q --verify pristine >/dev/null; then
	setup_tree
fi

# --- the series -----------------------------------------------------------
"$top/tools/mk-patch-series.sh" -k "$series" -o "$out"
patches=()
for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
	[[ $p == */0000-cover-letter.patch ]] || patches+=("$p")
done
[ ${#patches[@]} -ge 2 ] || die "no patches in $out"

cd "$ktree"
git am --abort >/dev/null 2>&1 || true
git checkout -q -f -B series pristine
git clean -q -fdx -- "$drv" Documentation/infiniband

# build STEP: make M=$drv with W=1; any line that is not one of Kbuild's
# progress lines is a warning. The first build is from clean, later ones
# are incremental: Kbuild recompiles exactly the objects whose source,
# headers or flags a patch changed, and an unchanged object's warnings
# would already have failed an earlier step.
build() {
	local step=$1 out
	if ! out=$(make -j2 W=1 M="$drv" 2>&1); then
		printf '%s\n' "$out"
		die "$step: the build failed"
	fi
	printf '%s\n' "$out" >>"$log"
	if grep -Ev '^(  (CC \[M\]|LD \[M\]|MODPOST|CC|LD) .*)?$' <<<"$out"; then
		die "$step: the build printed the lines above"
	fi
	[ -e "$drv/ib_srpt.ko" ] || die "$step: no $drv/ib_srpt.ko"
}

# checkpatch PATCH: checkpatch --strict of the tree the series is for.
checkpatch() {
	local p=$1 raw out
	raw=$(scripts/checkpatch.pl --strict --show-types --terse "$p" 2>&1 || true)
	printf '%s\n' "$raw" >>"$log"
	out=$(grep -v -e '^total: ' -e "WARNING:FILE_PATH_CHANGES: added, moved or deleted file(s), does MAINTAINERS need updating?" <<<"$raw" || true)
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		die "checkpatch --strict: $(basename "$p")"
	fi
	# The accepted warning only where every added or deleted file is in
	# the driver directory.
	if grep -q FILE_PATH_CHANGES <<<"$raw" &&
		grep -E -B1 '^(new|deleted) file mode' "$p" | grep '^diff --git' |
		grep -v " a/$drv/" | grep -q .; then
		die "$(basename "$p") adds or deletes files outside $drv without touching MAINTAINERS"
	fi
}

make -s M="$drv" clean
build "base"
for p in "${patches[@]}"; do
	name=$(basename "$p")
	git am -q "$p" >>"$log" 2>&1 || { tail -n 20 "$log"; die "git am $name"; }
	checkpatch "$p"
	build "$name"
	say "ok: $name (applies, checkpatch --strict, W=1 build clean)"
done

# The final tree is this driver with its out-of-tree #ifdefs resolved for
# this kernel (mk-patch-series.sh's final/), built from our objects; no
# SRPT_HAVE_ feature test is left in it.
for f in $(cd "$top" && git ls-files "$drv"); do
	cmp -s "$final/$f" "$f" || die "after the series $f differs from this tree (#ifdefs resolved)"
done
! git grep -n 'SRPT_HAVE_' -- "$drv" || die "the series kept out-of-tree feature tests (SRPT_HAVE_*)"
extra=$(git ls-files "$drv" | grep -vxF -f <(cd "$top" && git ls-files "$drv") || true)
[ -z "$extra" ] || die "after the series these are still in the tree: $extra"
# (continuation lines joined first)
for o in $(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$top/$drv/Makefile" |
	sed -n 's/^ib_srpt-y[[:space:]]*:=//p'); do
	[ -e "$drv/$o" ] || die "$drv/$o was not built"
done
modinfo -F parm "$drv/ib_srpt.ko" | grep -q '^rdma_cm_port:' ||
	die "the built ib_srpt.ko has no rdma_cm_port parameter: not ours"
for d in srpt srpt-design; do
	grep -qx "   $d" Documentation/infiniband/index.rst || die "index.rst lacks $d"
	[ -e "Documentation/infiniband/$d.rst" ] || die "no Documentation/infiniband/$d.rst"
done
grep -q 'srpt-out-of-tree-' Documentation/infiniband/srpt.rst &&
	die "Documentation/infiniband/srpt.rst kept an out-of-tree-only block"
say "clean: ${#patches[@]} patches apply to $(basename "$tarball") with git am, checkpatch --strict of that tree, each step builds with W=1 without a warning (log: $log)"
