#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/debug-kernel/build.sh: build and install the debug kernel of the
# debug-kernel lane (tools/debug-lane.sh), or reuse the one already installed.
#
#   sudo tools/debug-kernel/build.sh [--force]
#
# Source: Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz), the
# same version as the stock kernel.  Config: the stock /boot/config-<kver>,
# trimmed by `make localmodconfig` to tools/debug-kernel/modules.list (plus
# the modules those depend on, from the stock modules.dep), then
# tools/debug-kernel/debug.config on top (KASAN, kmemleak, lockdep, ...).
#
# Installs only /boot/{vmlinuz,System.map,config}-<release> and
# /lib/modules/<release>/ (release 6.1.N-srpt-debug; it is only ever booted
# in the qemu test guest, never on the host: no initrd, no bootloader entry).
# The build tree stays in the cache and is the KDIR to build ib_srpt against.
#
# Cached: the build is keyed by a hash of the stock config, the source
# package version, modules.list, debug.config and RECIPE below (bump it when
# a change to this script changes the kernel); with the same key installed it
# only prints the result; an interrupted build of the same key resumes.
# --force rebuilds from scratch.
#
# Prints, as its last lines on stdout:  KVER=<release>  KDIR=<build tree>
#
# Environment:
#   SRPT_DEBUG_KERNEL_CACHE=DIR  source and build trees
#                                (default /var/cache/srpt-debug-kernel)
#   SRPT_DEBUG_KERNEL_JOBS=N     make -j (default 2), run under nice -n 10
#   KVER=<release>               stock kernel whose config and modules.dep
#                                to start from (default: tools/kver.sh 6.1)
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELF_DIR/../.." && pwd)
CACHE=${SRPT_DEBUG_KERNEL_CACHE:-/var/cache/srpt-debug-kernel}
JOBS=${SRPT_DEBUG_KERNEL_JOBS:-2}
TARBALL=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$SELF_DIR/debug.config
MODLIST=$SELF_DIR/modules.list
FORCE=0
RECIPE=2

msg() { echo "debug-kernel: $*" >&2; }
die() { msg "error: $*"; exit 1; }

case ${1:-} in
--force) FORCE=1 ;;
'') ;;
*) die "usage: $0 [--force]" ;;
esac

[ "$(id -u)" = 0 ] || die "run as root (installs to /boot and /lib/modules)"
[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.1)"
# Debian's 6.1 source, so the stock 6.1 kernel's config (not SRPT_KERNEL's).
STOCK=$(KVER=${KVER:-} "$REPO/tools/kver.sh" 6.1)
STOCK_CONFIG=/boot/config-$STOCK
[ -r "$STOCK_CONFIG" ] || die "no $STOCK_CONFIG"
SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.1)

KEY=$( {
	echo "$SRCVER $RECIPE"
	cat "$STOCK_CONFIG" "$FRAGMENT" "$MODLIST"
} | sha256sum | cut -c1-16)
SRC=$CACHE/src-$SRCVER/linux-source-6.1
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
# lsmod's format (what localmodconfig's LSMOD= reads).
module_closure() {
	local dep=/lib/modules/$STOCK/modules.dep
	echo "Module                  Size  Used by"
	sed 's/#.*//' "$MODLIST" | tr -s ' \t' '\n' | sed '/^$/d' |
		awk -v depfile="$dep" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
		BEGIN {
			while ((getline line < depfile) > 0) {
				split(line, f, ":"); m = base(f[1]); deps[m] = f[2]; known[m] = 1
			}
		}
		function add(m,   n, i, d) {
			if (m in seen) return
			seen[m] = 1
			if (!(m in known)) { print "debug-kernel: " m " is not a module of the stock kernel" > "/dev/stderr"; bad = 1; return }
			print m " 0 0"
			n = split(deps[m], d, " ")
			for (i = 1; i <= n; i++) add(base(d[i]))
		}
		{ add($1) }
		END { exit bad }'
}

# check_fragment: every line of debug.config holds in the final .config.
check_fragment() {
	local line sym want bad=0
	while read -r line; do
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
	done <"$FRAGMENT"
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
	# Later assignments win in kconfig: append the fragment, then resolve.
	cat "$FRAGMENT" >>"$OBJ/.config"
	kmake olddefconfig >"$OBJ/olddefconfig.log" 2>&1 ||
		{ cat "$OBJ/olddefconfig.log" >&2; die "olddefconfig failed"; }
	check_fragment || die "debug.config did not apply (see above)"
	msg "$(grep -c '=m$' "$OBJ/.config") modules, $(grep -c '=y$' "$OBJ/.config") built-in options"
}

build() {
	local start=$SECONDS
	msg "building in $OBJ (nice -n 10 make -j$JOBS; ~15 min on an idle 2-core machine)"
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

main() {
	local rel old
	# One build at a time (another checkout may be running the lane).
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock -n 9 || { msg "waiting for another build in $CACHE"; flock 9; }
	if [ "$FORCE" = 0 ] && rel=$(installed_release); then
		msg "up to date: $rel (key $KEY)"
	else
		extract_source
		# A build of this key that was interrupted resumes (make is
		# incremental); anything else starts from a clean tree.
		if [ "$FORCE" = 1 ] || [ ! -f "$OBJ/.srpt-configured" ]; then
			rm -rf "$OBJ"
			configure
			touch "$OBJ/.srpt-configured"
		else
			msg "resuming the build in $OBJ"
		fi
		build
		install_kernel
		rel=$(installed_release) || die "install did not take"
		# Build trees of other keys are stale now (each is a few GB).
		for old in "$CACHE"/build-*; do
			[ "$old" = "$OBJ" ] || rm -rf "$old"
		done
	fi
	echo "KVER=$rel"
	echo "KDIR=$OBJ"
}

main
