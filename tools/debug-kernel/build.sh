#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/debug-kernel/build.sh: build and install the debug kernel of the
# debug-kernel lane (tools/debug-lane.sh), or reuse the one already installed.
#
#   sudo [SRPT_KERNEL=6.1|6.12] tools/debug-kernel/build.sh [--force] [--config-only]
#
# Series: SRPT_KERNEL (tools/kver.sh), 6.1 unless set.  Source: Debian's
# linux-source-<series> (/usr/src/linux-source-<series>.tar.xz), the same
# version as the stock kernel of that series.  Config: the stock
# /boot/config-<kver> of that series (6.1.0-N-amd64, 6.12.N+debM-amd64),
# trimmed by `make localmodconfig` to tools/debug-kernel/modules.list (plus
# the modules those depend on, from the stock modules.dep; a module the stock
# kernel has built in stays built in), then tools/debug-kernel/debug.config
# on top (KASAN, kmemleak, lockdep, ...), then debug-<series>.config if there
# is one (what only that series needs).
#
# Installs only /boot/{vmlinuz,System.map,config}-<release> and
# /lib/modules/<release>/ (release <series>.N-srpt-debug, e.g.
# 6.1.192-srpt-debug, 6.12.118-srpt-debug; it is only ever booted in the qemu
# test guest, never on the host: no initrd, no bootloader entry).  The debug
# kernels of both series can be installed side by side.  The build tree stays
# in the cache and is the KDIR to build ib_srpt against.
#
# Cached: the build is keyed by a hash of the stock config, the source
# package version, modules.list, debug.config, debug-<series>.config and
# RECIPE below (bump it when a change to this script changes the kernel);
# with the same key installed it only prints the result; an interrupted build
# of the same key resumes.  A new install removes the build trees of older
# keys of the same series.  --force rebuilds from scratch.  --config-only
# extracts the source and writes the build tree's .config (unless that key is
# configured already), checks it and stops: no build, nothing installed.
#
# Prints, as its last lines on stdout:  KVER=<release>  KDIR=<build tree>
# (--config-only: CONFIG=<.config>  KDIR=<build tree>)
#
# Environment:
#   SRPT_KERNEL=6.1|6.12         the series (default: KVER's, else 6.1)
#   SRPT_DEBUG_KERNEL_CACHE=DIR  source and build trees
#                                (default /var/cache/srpt-debug-kernel)
#   SRPT_DEBUG_KERNEL_JOBS=N     make -j (default 2), run under nice -n 10
#   KVER=<release>               stock kernel of the series whose config and
#                                modules.dep to start from (default:
#                                tools/kver.sh <series>)
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELF_DIR/../.." && pwd)
CACHE=${SRPT_DEBUG_KERNEL_CACHE:-/var/cache/srpt-debug-kernel}
JOBS=${SRPT_DEBUG_KERNEL_JOBS:-2}
# The series: SRPT_KERNEL, else that of a stock KVER given, else 6.1.
SERIES=${SRPT_KERNEL:-}
[ -n "$SERIES" ] || [ -z "${KVER:-}" ] || SERIES=$(cut -d. -f1,2 <<<"$KVER")
SERIES=${SERIES:-6.1}
FRAGMENT=$SELF_DIR/debug.config
MODLIST=$SELF_DIR/modules.list
FORCE=0
CONFIG_ONLY=0
RECIPE=2

msg() { echo "debug-kernel: $*" >&2; }
die() { msg "error: $*"; exit 1; }

for arg; do
	case $arg in
	--force) FORCE=1 ;;
	--config-only) CONFIG_ONLY=1 ;;
	*) die "usage: [SRPT_KERNEL=6.1|6.12] $0 [--force] [--config-only]" ;;
	esac
done

case $SERIES in
6.1 | 6.12) ;;
*) die "unknown kernel series SRPT_KERNEL=$SERIES (supported: 6.1, 6.12)" ;;
esac
TARBALL=/usr/src/linux-source-$SERIES.tar.xz
# What only this series needs, applied after debug.config (none for 6.1).
SERIES_FRAGMENT=$SELF_DIR/debug-$SERIES.config
FRAGMENTS=("$FRAGMENT")
[ ! -f "$SERIES_FRAGMENT" ] || FRAGMENTS+=("$SERIES_FRAGMENT")

[ "$(id -u)" = 0 ] || die "run as root (installs to /boot and /lib/modules)"
[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-$SERIES)"
# Debian's source of this series, so the stock kernel's config of the same
# series.
STOCK=$(KVER=${KVER:-} "$REPO/tools/kver.sh" "$SERIES")
[[ $STOCK == "$SERIES".* ]] || die "KVER=$STOCK is not a $SERIES kernel (SRPT_KERNEL=$SERIES)"
STOCK_CONFIG=/boot/config-$STOCK
[ -r "$STOCK_CONFIG" ] || die "no $STOCK_CONFIG"
SRCVER=$(dpkg-query -W -f='${Version}' "linux-source-$SERIES")

# The key of a 6.1 build is what it was before the series were selectable
# (no debug-6.1.config): an installed 6.1 debug kernel stays up to date.
KEY=$( {
	echo "$SRCVER $RECIPE"
	cat "$STOCK_CONFIG" "$FRAGMENT" "$MODLIST"
	[ ! -f "$SERIES_FRAGMENT" ] || cat "$SERIES_FRAGMENT"
} | sha256sum | cut -c1-16)
SRC=$CACHE/src-$SRCVER/linux-source-$SERIES
OBJ=$CACHE/build-$KEY

# kmake ARGS: make in the kernel tree.  The kernel has no BTF (debug.config),
# so pahole's version is kept out of its config: installing or upgrading
# dwarves on the host would change CONFIG_PAHOLE_VERSION and rebuild every
# object of an otherwise unchanged tree.
kmake() { make -s -C "$SRC" O="$OBJ" PAHOLE=srpt-no-pahole "$@"; }

# installed_release: print the release installed from build $KEY, if any.
installed_release() {
	local rel
	[ -s "$OBJ/.srpt-installed" ] || return 1
	rel=$(cat "$OBJ/.srpt-installed")
	[ -f "/boot/vmlinuz-$rel" ] && [ -f "/lib/modules/$rel/modules.dep" ] &&
		[ "$(cat "/lib/modules/$rel/srpt-debug-key" 2>/dev/null)" = "$KEY" ] || return 1
	echo "$rel"
}

# module_closure: the modules of modules.list and all they depend on, in
# lsmod's format (what localmodconfig's LSMOD= reads).  A module the stock
# kernel has built in (6.12: virtio_pci, crc_t10dif, crc64_rocksoft, ...) is
# left out: localmodconfig keeps what is =y.
module_closure() {
	local dep=/lib/modules/$STOCK/modules.dep
	local builtin=/lib/modules/$STOCK/modules.builtin
	echo "Module                  Size  Used by"
	sed 's/#.*//' "$MODLIST" | tr -s ' \t' '\n' | sed '/^$/d' |
		awk -v depfile="$dep" -v builtinfile="$builtin" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
		BEGIN {
			while ((getline line < depfile) > 0) {
				split(line, f, ":"); m = base(f[1]); deps[m] = f[2]; known[m] = 1
			}
			while ((getline line < builtinfile) > 0)
				builtin[base(line)] = 1
		}
		function add(m,   n, i, d) {
			if (m in seen) return
			seen[m] = 1
			if (!(m in known) && (m in builtin)) return
			if (!(m in known)) { print "debug-kernel: " m " is neither a module of the stock kernel nor built into it" > "/dev/stderr"; bad = 1; return }
			print m " 0 0"
			n = split(deps[m], d, " ")
			for (i = 1; i <= n; i++) add(base(d[i]))
		}
		{ add($1) }
		END { exit bad }'
}

# check_fragment: every line of debug.config (and debug-<series>.config)
# holds in the final .config; of a symbol set twice, the later line.
check_fragment() {
	local line sym want bad=0
	local -a order=()
	local -A last=()
	while read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# } sym=${sym%% *} ;;
		*) continue ;;
		esac
		[ -n "${last[$sym]+set}" ] || order+=("$sym")
		last[$sym]=$line
	done < <(cat "${FRAGMENTS[@]}")
	for sym in "${order[@]}"; do
		line=${last[$sym]}
		case $line in
		CONFIG_*=*)
			sym=${line%%=*} want=${line#*=}
			if grep -q "^$sym=" "$OBJ/.config"; then
				grep -qxF "$line" "$OBJ/.config" || { msg "$sym: wanted $want, got $(grep "^$sym=" "$OBJ/.config")"; bad=1; }
			elif [ "$want" != '""' ]; then
				msg "$sym: wanted $want, but it is not set (unmet dependency?)"; bad=1
			fi ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# } sym=${sym%% *}
			! grep -qE "^$sym=[ym]$" "$OBJ/.config" || { msg "$sym: wanted off, got $(grep "^$sym=" "$OBJ/.config")"; bad=1; } ;;
		esac
	done
	return "$bad"
}

extract_source() {
	[ -f "$SRC/.srpt-extracted" ] && return 0
	msg "extracting $TARBALL ($SRCVER) to $(dirname "$SRC")"
	rm -rf "$(dirname "$SRC")"
	mkdir -p "$(dirname "$SRC")"
	tar -xJf "$TARBALL" -C "$(dirname "$SRC")"
	touch "$SRC/.srpt-extracted"
}

configure() {
	msg "configuring $OBJ from $STOCK_CONFIG"
	mkdir -p "$OBJ"
	module_closure >"$OBJ/lsmod.txt"
	cp "$STOCK_CONFIG" "$OBJ/.config"
	# localmodconfig ends in oldconfig: accept defaults for any new symbol.
	{ yes '' || true; } | kmake LSMOD="$OBJ/lsmod.txt" localmodconfig >"$OBJ/localmodconfig.log" 2>&1 ||
		{ tail -n 20 "$OBJ/localmodconfig.log" >&2; die "localmodconfig failed"; }
	# Later assignments win in kconfig: append the fragments, then resolve.
	cat "${FRAGMENTS[@]}" >>"$OBJ/.config"
	kmake olddefconfig >"$OBJ/olddefconfig.log" 2>&1 ||
		{ cat "$OBJ/olddefconfig.log" >&2; die "olddefconfig failed"; }
	check_fragment || die "${FRAGMENTS[*]##*/} did not apply (see above)"
	msg "$(grep -c '=m$' "$OBJ/.config") modules, $(grep -c '=y$' "$OBJ/.config") built-in options"
}

build() {
	local start=$SECONDS
	local est="~15 min on an idle 2-core machine"
	[ "$SERIES" = 6.1 ] || est="~25 min on an idle 2-core machine"
	msg "building in $OBJ (nice -n 10 make -j$JOBS; $est)"
	nice -n 10 make -s -C "$SRC" O="$OBJ" PAHOLE=srpt-no-pahole -j"$JOBS" bzImage modules >"$OBJ/build.log" 2>&1 ||
		{ tail -n 40 "$OBJ/build.log" >&2; die "kernel build failed (log: $OBJ/build.log)"; }
	msg "built in $((SECONDS - start)) s"
}

install_kernel() {
	local rel
	rel=$(kmake kernelrelease)
	[[ $rel == *-srpt-debug ]] || die "unexpected release '$rel'"
	msg "installing $rel to /boot and /lib/modules/$rel"
	rm -rf "/lib/modules/$rel"
	kmake INSTALL_MOD_STRIP=1 modules_install >"$OBJ/install.log" 2>&1 ||
		{ tail -n 20 "$OBJ/install.log" >&2; die "modules_install failed"; }
	install -m 644 "$OBJ/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel"
	install -m 644 "$OBJ/System.map" "/boot/System.map-$rel"
	install -m 644 "$OBJ/.config" "/boot/config-$rel"
	echo "$KEY" >"/lib/modules/$rel/srpt-debug-key"
	echo "$rel" >"$OBJ/.srpt-installed"
}

# tree_series DIR: the kernel series a build tree was configured for (from
# its .config's header, "# Linux/x86 6.1.192 Kernel Configuration").
tree_series() {
	sed -n 's|^# Linux/[^ ]* \([0-9]*\.[0-9]*\)\..* Kernel Configuration$|\1|p;3q' "$1/.config" 2>/dev/null
}

# prepare_tree: the source extracted and the build tree of $KEY configured.
prepare_tree() {
	extract_source
	# A build of this key that was interrupted resumes (make is
	# incremental); anything else starts from a clean tree.
	if [ "$FORCE" = 1 ] || [ ! -f "$OBJ/.srpt-configured" ]; then
		rm -rf "$OBJ"
		configure
		touch "$OBJ/.srpt-configured"
	else
		msg "$OBJ is configured already"
		check_fragment || die "${FRAGMENTS[*]##*/} did not apply (see above)"
	fi
}

main() {
	local rel old
	# One build at a time (another checkout may be running the lane).
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock -n 9 || { msg "waiting for another build in $CACHE"; flock 9; }
	if [ "$CONFIG_ONLY" = 1 ]; then
		prepare_tree
		echo "CONFIG=$OBJ/.config"
		echo "KDIR=$OBJ"
		return 0
	fi
	if [ "$FORCE" = 0 ] && rel=$(installed_release); then
		msg "up to date: $rel (key $KEY)"
	else
		prepare_tree
		build
		install_kernel
		rel=$(installed_release) || die "install did not take"
		# Build trees of other keys of this series are stale now (each
		# is a few GB); the other series' debug kernel stays.
		for old in "$CACHE"/build-*; do
			[ "$old" != "$OBJ" ] || continue
			[ "$(tree_series "$old")" = "$SERIES" ] || [ ! -f "$old/.config" ] || continue
			msg "removing $old (an older $SERIES build)"
			rm -rf "$old"
		done
	fi
	echo "KVER=$rel"
	echo "KDIR=$OBJ"
}

main
