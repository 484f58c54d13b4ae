#!/bin/bash
# tools/guest/blktests.sh: run the blktests `srp` group in the srpt test
# guest, against our ib_srpt (default) or the distribution's.  Run it through
# the guest harness, e.g. via tools/blktests.sh, or:
#
#   tools/vm/run-guest.sh --timeout 5400 --mem 3072 \
#           tools/guest/blktests.sh [ours|intree] [TESTS...]
#
# TESTS are blktests test names (srp/001 srp/002 ...; a bare 001 means
# srp/001); default: the whole srp group.
#
# What it does (see blktests/SRP-NOTES.md):
#   - copies blktests (default $SRPT_REPO/../shared/blktests, override with
#     SRPT_BLKTESTS_SRC) to $SRPT_BLKTESTS_WORK (/tmp/blktests), builds it
#     (or copies $SRPT_REPO/build/blktests, which tools/blktests.sh builds on
#     the host, if that was built from the same sources);
#   - leaves eth0 only its IPv4 and link-local IPv6 address (see
#     prepare_network);
#   - starts udevd, checks configfs is mounted and LIO unconfigured and that
#     neither ib_srpt, ib_srp, scsi_debug nor multipathd is in use;
#   - ours: installs drivers/.../ib_srpt.ko as /lib/modules/<kver>/updates/
#     ib_srpt.ko and runs depmod (the lib.sh helper guest_load_srpt uses);
#     intree: removes that file again.  The module is NOT loaded here:
#     blktests loads ib_srpt itself (srp_max_req_size=8260);
#   - writes a blktests config (USE_RXE=1) and runs ./check;
#   - copies blktests' results/ to $SRPT_BLKTESTS_RESULTS ($RESULTS/blktests)
#     and prints one summary line per test:
#         blktests-summary: srp/001 pass 12.345s
#   - checks that the ib_srpt blktests loaded was the one asked for (the
#     taint flags of the loaded module, sampled every second: "O" = ours);
#   - records the kernel log without the debug level (blktests turns on
#     pr_debug of ib_srpt/ib_srp, which wraps the kernel's log buffer) in
#     kmsg-nodebug.log and fails on a splat there
#     (tools/guest/splat-patterns).
#
# Exit status: 0 if every selected test passed, except that srp/003 and
# srp/004 may be "not run" (6.1 has no legacy device-mapper; override the
# list with SRPT_BLKTESTS_NOTRUN_OK="", e.g. to make any "not run" a
# failure); 1 otherwise; 2 for a setup failure.
#
# Environment (run-guest.sh passes SRPT_* through from the host):
#   SRPT_BLKTESTS_SRC      blktests tree to copy (read-only is fine)
#   SRPT_BLKTESTS_PREBUILT  host-built tree (default $SRPT_REPO/build/blktests;
#                          "" = always build in the guest)
#   SRPT_BLKTESTS_WORK     writable copy (default /tmp/blktests; replaced)
#   SRPT_BLKTESTS_RESULTS  where results/ is copied (default $RESULTS/blktests)
#   SRPT_BLKTESTS_NOTRUN_OK  tests allowed to be "not run" (default
#                          "srp/003 srp/004")
#   SRPT_BLKTESTS_TIMEOUT  blktests TIMEOUT for the TIMED tests (002, 011,
#                          014...; blktests' default: 30 s)
#   SRPT_BLKTESTS_TRACE=1  check -t: a shell trace of each test, each command
#                          with its time, in the results (NNN.cmdtrace)
#   SRPT_BLKTESTS_KEEP_UDEVD=1  leave udevd running if this script started it
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SRPT_REPO=${SRPT_REPO:-$(cd "$HERE/../.." && pwd)}
# lib.sh refuses to run anywhere but in the guest.
source "$SRPT_REPO/tools/guest/lib.sh"

WHICH=ours
case ${1:-} in
ours|intree) WHICH=$1; shift ;;
-h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
-*) echo "usage: $0 [ours|intree] [TESTS...]" >&2; exit 2 ;;
esac
TESTS=()
for t in "$@"; do
	case $t in
	srp|srp/) TESTS+=(srp) ;;
	srp/*) TESTS+=("$t") ;;
	[0-9][0-9][0-9]) TESTS+=("srp/$t") ;;
	*) echo "guest/blktests: only srp tests are supported, not '$t'" >&2; exit 2 ;;
	esac
done
[ ${#TESTS[@]} -gt 0 ] || TESTS=(srp)

SRC=${SRPT_BLKTESTS_SRC:-$SRPT_REPO/../shared/blktests}
WORK=${SRPT_BLKTESTS_WORK:-/tmp/blktests}
DEST=${SRPT_BLKTESTS_RESULTS:-${RESULTS:-/results}/blktests}
NOTRUN_OK=${SRPT_BLKTESTS_NOTRUN_OK-srp/003 srp/004}
MP_CONF_SAVED=

msg() { echo "guest/blktests: [$(cut -d' ' -f1 /proc/uptime)] $*"; }
die() { echo "guest/blktests: error: $*" >&2; exit 2; }

STARTED_UDEVD=
cleanup() {
	if [ -n "$MP_CONF_SAVED" ] && [ -e "$MP_CONF_SAVED" ] && [ ! -e /etc/multipath.conf ]; then
		mv "$MP_CONF_SAVED" /etc/multipath.conf
	fi
	# Leave the guest as we found it for whatever runs next in this boot
	# (selftests/run.sh runs many tests in one guest).
	if [ -n "$STARTED_UDEVD" ] && [ "${SRPT_BLKTESTS_KEEP_UDEVD:-0}" != 1 ]; then
		udevadm settle --timeout=30 >/dev/null 2>&1
		kill "$STARTED_UDEVD" 2>/dev/null
	fi
}
trap cleanup EXIT

# ------------------------------------------------------------ preparation

# tree_stamp DIR: a digest of the blktests sources in DIR (what a prebuilt
# tree records in .srpt-source-stamp; built files are not in SRC).
tree_stamp() {
	(cd "$1" && find . -path ./results -prune -o -type f ! -name .srpt-source-stamp -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
}

prepare_tree() {
	local t0=$SECONDS from prebuilt=${SRPT_BLKTESTS_PREBUILT-$SRPT_REPO/build/blktests}
	[ -d "$SRC/tests/srp" ] || die "no blktests tree at $SRC (set SRPT_BLKTESTS_SRC)"
	# Canonical before it is compared with $from below.
	SRC=$(cd "$SRC" && pwd)
	from=$SRC
	# Compiling src/ takes 2-3 min under TCG: use the tree tools/blktests.sh
	# built on the host when it was built from these very sources.
	if [ -n "$prebuilt" ] && [ -x "$prebuilt/src/discontiguous-io" ] &&
		[ "$(cat "$prebuilt/.srpt-source-stamp" 2>/dev/null)" = "$(tree_stamp "$SRC")" ]; then
		from=$prebuilt
	fi
	msg "copying $from to $WORK (upstream commit $(cat "$SRC/.upstream-commit" 2>/dev/null || echo '?'))"
	rm -rf "$WORK"
	mkdir -p "$(dirname "$WORK")"
	cp -a "$from" "$WORK" || die "cp $from $WORK"
	rm -rf "$WORK/results" "$WORK/config"
	if [ "$from" != "$SRC" ]; then
		msg "using the host-built src/ of $from"
		return 0
	fi
	# Only src/discontiguous-io is needed by srp; the rest is built because
	# it is cheap, but a failure there is not ours to care about.
	if ! make -C "$WORK" -j"$(nproc)" >"$WORK/make.log" 2>&1; then
		tail -n 20 "$WORK/make.log"
		msg "warning: 'make -C $WORK' failed; building src/discontiguous-io alone"
		make -C "$WORK/src" discontiguous-io >>"$WORK/make.log" 2>&1 ||
			{ tail -n 20 "$WORK/make.log"; die "cannot build discontiguous-io"; }
	fi
	[ -x "$WORK/src/discontiguous-io" ] || die "src/discontiguous-io was not built"
	msg "built blktests in $((SECONDS - t0)) s"
}

# prepare_network: only the link-local IPv6 address on eth0.  qemu's user
# network advertises fec0::/64, and with two IPv6 addresses on one interface
# blktests' expand_ipv6_addr (common/multipath-over-rdma) carries its awk
# variables from one line to the next and produces a bogus 10-group
# "address" that start_lio_srpt then uses as an ACL name: mkdir fails with
# EINVAL (in-tree ib_srpt too: longer than INET6_ADDRSTRLEN) and so does
# every test.
prepare_network() {
	local d
	for d in /proc/sys/net/ipv6/conf/eth0/{accept_ra,autoconf}; do
		[ ! -w "$d" ] || echo 0 >"$d"
	done
	ip -6 addr flush dev eth0 scope global 2>/dev/null
	ip -6 addr flush dev eth0 scope site 2>/dev/null
	msg "eth0: $(ip -o addr show dev eth0 | awk '{ printf "%s ", $4 }')"
}

prepare_system() {
	local m
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config ||
		die "cannot mount configfs"
	# blktests' own check (tests/srp/rc is_lio_configured) would only skip
	# the whole group; say clearly why instead.
	if [ -d /sys/kernel/config/target ]; then
		for m in /sys/kernel/config/target/*/ /sys/kernel/config/target/core/*/; do
			case $m in */core/) continue ;; esac
			[ -d "$m" ] && die "LIO is configured ($m exists); blktests needs it unconfigured"
		done
	fi
	for m in ib_srpt ib_srp scsi_transport_srp scsi_debug null_blk rdma_rxe; do
		[ ! -d "/sys/module/$m" ] || [ "$(cat "/sys/module/$m/refcnt" 2>/dev/null || echo 0)" = 0 ] ||
			die "module $m is loaded and in use"
	done
	# blktests reloads these itself; a leftover ib_srpt would be the wrong one.
	for m in ib_srpt ib_srp scsi_transport_srp scsi_debug; do
		[ ! -d "/sys/module/$m" ] || rmmod "$m" || die "cannot unload $m"
	done
	if pidof multipathd >/dev/null || pidof srp_daemon >/dev/null; then
		die "multipathd or srp_daemon is running"
	fi
	# blktests links its own multipath.conf into /etc (the overlay is writable).
	if [ -e /etc/multipath.conf ] || [ -L /etc/multipath.conf ]; then
		MP_CONF_SAVED=/etc/multipath.conf.blktests-saved
		mv /etc/multipath.conf "$MP_CONF_SAVED"
	fi
	if ! pidof systemd-udevd >/dev/null; then
		guest_start_udevd || die "cannot start udevd"
		STARTED_UDEVD=$(pgrep -o -x systemd-udevd)
	fi
	# sd_mod etc. are autoloaded by udev from now on; make sure anyway.
	modprobe sd_mod && modprobe sg || die "modprobe sd_mod/sg"
	# blktests' _have_module runs `find /lib/modules/<kver>/kernel` once per
	# module (16 times per ./check): warm the 9p dentry cache first.
	find "/lib/modules/$(uname -r)/kernel" >/dev/null 2>&1
}

prepare_module() {
	local path
	case $WHICH in
	ours)
		[ -f "$SRPT_KO_BUILT" ] || die "$SRPT_KO_BUILT not built (run make)"
		_srpt_set_updates "$SRPT_KO_BUILT" || die "cannot install $SRPT_KO_BUILT"
		path=$(modinfo -n ib_srpt)
		[ "$path" = "$SRPT_KO_UPDATES" ] || die "modprobe resolves ib_srpt to $path, not $SRPT_KO_UPDATES"
		cmp -s "$SRPT_KO_UPDATES" "$SRPT_KO_BUILT" ||
			die "installed $SRPT_KO_UPDATES differs from $SRPT_KO_BUILT"
		;;
	intree)
		_srpt_set_updates "" || die "cannot remove $SRPT_KO_UPDATES"
		path=$(modinfo -n ib_srpt)
		[[ $path == */kernel/drivers/infiniband/ulp/srpt/ib_srpt.ko* ]] ||
			die "modprobe resolves ib_srpt to $path, not the in-tree module"
		;;
	esac
	msg "ib_srpt ($WHICH): $path ($(sha256sum <"$path" | cut -c1-16))"
}

write_config() {
	{
		echo "# written by $SRPT_REPO/tools/guest/blktests.sh"
		echo "USE_RXE=1"
		# No syslog in the guest; check writes its own marks to /dev/kmsg.
		echo "LOGGER_PROG=true"
		[ -z "${SRPT_BLKTESTS_TIMEOUT:-}" ] || echo "TIMEOUT=$SRPT_BLKTESTS_TIMEOUT"
		# check -t traces each test to results/nodev/srp/NNN.cmdtrace; this
		# adds the time to each command (bash ignores PS4 from the
		# environment when run as root, so it is set here).
		# shellcheck disable=SC2016
		[ "${SRPT_BLKTESTS_TRACE:-0}" != 1 ] || echo 'PS4="+ \$EPOCHREALTIME "'
	} >"$WORK/config"
	msg "config: $(grep -v '^#' "$WORK/config" | tr '\n' ' ')"
}

# ------------------------------------------------------------ results

# expected_tests: the srp test names selected by TESTS (sorted).
expected_tests() {
	local t f
	for t in "${TESTS[@]}"; do
		if [ "$t" = srp ]; then
			for f in "$WORK"/tests/srp/[0-9][0-9][0-9]; do
				echo "srp/${f##*/}"
			done
		else
			echo "$t"
		fi
	done | sort -u
}

# field FILE KEY: a value from a blktests per-test result file.
field() {
	awk -F'\t' -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# summarize: one line per selected test; sets FAILED.
summarize() {
	local t f status runtime reason notrun line
	FAILED=0
	echo "==================== blktests summary ($WHICH ib_srpt)"
	for t in $(expected_tests); do
		f=$WORK/results/nodev/$t
		if [ ! -f "$f" ]; then
			status=missing runtime=- reason="no result (group skipped or check aborted)"
		else
			status=$(field "$f" status)
			runtime=$(field "$f" runtime)
			reason=$(field "$f" reason)
			[ -n "$runtime" ] || runtime=-
		fi
		line="blktests-summary: $t ${status// /-} $runtime${reason:+ ($reason)}"
		case $status in
		pass) ;;
		"not run")
			notrun=0
			[[ " $NOTRUN_OK " == *" $t "* ]] && notrun=1
			if [ "$notrun" = 1 ]; then
				line+=" [expected]"
			else
				FAILED=1
			fi ;;
		*) FAILED=1 ;;
		esac
		echo "$line"
	done
}

# watch_module FILE: while blktests runs, note every second the taint
# flags of the loaded ib_srpt ("O": out-of-tree, i.e. ours).
watch_module() {
	while :; do
		cat /sys/module/ib_srpt/taint 2>/dev/null | sed 's/^$/-/' >>"$1"
		sleep 1
	done
}

# check_module_used FILE: blktests loaded the ib_srpt we meant.
check_module_used() {
	local seen=$1 n bad
	n=$(wc -l <"$seen")
	if [ "$n" = 0 ]; then
		msg "warning: ib_srpt was never seen loaded (no test got that far?)"
		return 0
	fi
	if [ "$WHICH" = ours ]; then
		bad=$(grep -vc O "$seen")
	else
		bad=$(grep -c O "$seen")
	fi
	if [ "$bad" != 0 ]; then
		msg "error: $bad of $n samples of the loaded ib_srpt were not the $WHICH module (taint flags: $(sort -u "$seen" | tr '\n' ' '))"
		return 1
	fi
	msg "ib_srpt seen loaded $n times, always the $WHICH module"
}

# ------------------------------------------------------------ main

T0=$SECONDS
prepare_tree
prepare_system
prepare_network
prepare_module
write_config

msg "running: ./check ${TESTS[*]} (ib_srpt: $WHICH)"
T1=$SECONDS
SEEN=$WORK/srpt-taint-samples
: >"$SEEN"
watch_module "$SEEN" &
WATCHER=$!
# blktests loads ib_srpt and ib_srp with dyndbg=+pmf: a few MB of pr_debug
# per test, so the kernel's 8 MB log wraps during the group and blktests'
# own dmesg check sees only 9999 lines after each test's start.  Keep
# everything but the debug level here, and scan it at the end.
KMSG=$WORK/kmsg-nodebug.log
dmesg --follow --level=emerg,alert,crit,err,warn,notice,info >"$KMSG" 2>&1 &
KMSG_PID=$!
CHECK_OPTS=()
[ "${SRPT_BLKTESTS_TRACE:-0}" != 1 ] || CHECK_OPTS=(-t)
(cd "$WORK" && ./check ${CHECK_OPTS[@]+"${CHECK_OPTS[@]}"} "${TESTS[@]}")
CHECK_RC=$?
kill "$WATCHER" 2>/dev/null
wait "$WATCHER" 2>/dev/null
sleep 1
kill "$KMSG_PID" 2>/dev/null
wait "$KMSG_PID" 2>/dev/null
msg "./check exited with status $CHECK_RC after $((SECONDS - T1)) s"

rc=0
summarize || true
[ "$FAILED" = 0 ] || rc=1
check_module_used "$SEEN" || rc=1
if splat=$(grep -n -F -f "$GUEST_SPLAT_PATTERNS" "$KMSG"); then
	msg "error: kernel splat while blktests ran (kmsg-nodebug.log):"
	printf '%s\n' "$splat" | head -n 40
	rc=1
fi
# Failed tests: show what blktests saw (the .full logs stay in the results).
for f in "$WORK"/results/nodev/srp/[0-9][0-9][0-9]; do
	[ -f "$f" ] || continue
	[ "$(field "$f" status)" = fail ] || continue
	for ext in out.bad dmesg; do
		[ -f "$f.$ext" ] || continue
		echo "---- ${f#"$WORK"/results/nodev/}.$ext (last 40 lines)"
		tail -n 40 "$f.$ext"
	done
done

if [ -d "$WORK/results" ]; then
	rm -rf "$DEST"
	mkdir -p "$DEST" && cp -a "$WORK/results/." "$DEST/" &&
		cp "$WORK/config" "$KMSG" "$SEEN" "$DEST/" &&
		msg "results copied to $DEST" || msg "warning: could not copy results to $DEST"
fi
msg "total $((SECONDS - T0)) s; status $rc"
exit "$rc"
