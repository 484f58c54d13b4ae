#!/bin/bash
# tools/blktests.sh: run the blktests `srp` group (the SRP maintainers' peer
# suite) against our ib_srpt, or the distribution's, in the qemu test guest.
#
#   tools/blktests.sh [--intree] [--timeout SECS] [--mem MB] [TESTS...]
#
#   tools/blktests.sh                     # the whole srp group, our module
#   tools/blktests.sh srp/001 srp/005     # some tests (001 = srp/001)
#   tools/blktests.sh --intree srp/002    # the same against the in-tree ib_srpt
#   tools/blktests.sh --prebuild          # only build blktests on the host
#                                         # (tools/test.sh does this for the
#                                         # quick subset in selftests/blktests)
#
# Builds the module (make -j2), boots the guest (tools/vm/run-guest.sh) with
# tools/guest/blktests.sh, prints each test's result and time, and
# exits nonzero if a test failed, was not run (except srp/003 and srp/004,
# which need legacy device-mapper that 6.1 does not have), the guest found a
# kernel splat or did not finish.
#
# Results: build/guest-results/<timestamp>-blktests-<ours|intree>/ with
# output.log, dmesg.log and blktests/ (blktests' results/ dir: per test
# nodev/srp/NNN (status, runtime), NNN.full (the test's log), NNN.out.bad,
# NNN.dmesg).
#
# Under TCG the whole group takes 30-60 min; the default --timeout is
# 5400 s (for the guest script; run-guest adds its boot margin), 3072 MB RAM.
# The blktests tree: ../shared/blktests next to this checkout, or
# SRPT_BLKTESTS_SRC (passed through to the guest).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 2

WHICH=ours
TIMEOUT=5400
MEM=3072
while [ $# -gt 0 ]; do
	case $1 in
	--intree) WHICH=intree; shift ;;
	--prebuild) WHICH=prebuild; shift ;;
	--ours) WHICH=ours; shift ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--mem) MEM=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
	--) shift; break ;;
	-*) echo "blktests.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) break ;;
	esac
done

SRC=${SRPT_BLKTESTS_SRC:-$REPO/../shared/blktests}
[ -d "$SRC/tests/srp" ] || { echo "blktests.sh: no blktests tree at $SRC (set SRPT_BLKTESTS_SRC)" >&2; exit 2; }

# tree_stamp DIR: digest of the blktests sources (as in the guest script).
tree_stamp() {
	(cd "$1" && find . -path ./results -prune -o -type f ! -name .srpt-source-stamp -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)
}

# Build blktests' src/ here rather than in the guest (2-3 min under TCG):
# build/blktests, a copy of the tree plus the binaries and a stamp of the
# sources; the guest script uses it when the stamp matches.
prebuild_blktests() {
	local dst=$REPO/build/blktests stamp
	stamp=$(tree_stamp "$SRC") || return 1
	if [ -x "$dst/src/discontiguous-io" ] && [ "$(cat "$dst/.srpt-source-stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	echo "blktests.sh: building blktests in $dst"
	rm -rf "$dst" && mkdir -p "$REPO/build" && cp -a "$SRC" "$dst" && chmod -R u+w "$dst" &&
		rm -rf "$dst/results" "$dst/config" || return 1
	if ! make -C "$dst" -j2 >"$dst/make.log" 2>&1; then
		tail -n 20 "$dst/make.log" >&2
		make -C "$dst/src" discontiguous-io >>"$dst/make.log" 2>&1 || return 1
	fi
	[ -x "$dst/src/discontiguous-io" ] && echo "$stamp" >"$dst/.srpt-source-stamp"
}
if [ "$WHICH" = prebuild ]; then
	prebuild_blktests
	exit
fi
prebuild_blktests || echo "blktests.sh: warning: host build of blktests failed; the guest builds it" >&2

if [ "$WHICH" = ours ]; then
	echo "blktests.sh: make -j2"
	make -j2 >/dev/null || { echo "blktests.sh: build failed" >&2; exit 2; }
fi

RESULTS_DIR=$REPO/build/guest-results/$(date +%Y%m%d-%H%M%S)-blktests-$WHICH
what="tree $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')"
if [ "$WHICH" = ours ]; then
	what+=", ib_srpt.ko sha256 $(sha256sum <drivers/infiniband/ulp/srpt/ib_srpt.ko | cut -c1-16)"
fi
echo "blktests.sh: $WHICH ib_srpt; $what"
start=$(date +%s)
tools/vm/run-guest.sh --timeout "$TIMEOUT" --mem "$MEM" --results "$RESULTS_DIR" \
	tools/guest/blktests.sh "$WHICH" "$@"
rc=$?
wall=$(($(date +%s) - start))

# run-guest scans dmesg.log, but blktests' pr_debug output wraps the kernel
# log: also scan what reached the console live (warnings and worse).
if splat=$(grep -a -n -F -f tools/guest/splat-patterns "$RESULTS_DIR/console.log" 2>/dev/null); then
	echo "blktests.sh: kernel splat on the guest console:"
	printf '%s\n' "$splat" | head -n 20
	rc=1
fi

echo
echo "==================== blktests srp ($WHICH ib_srpt; $what): wall time ${wall} s, status $rc"
summary=$(grep '^blktests-summary: ' "$RESULTS_DIR/output.log" 2>/dev/null | sed 's/^blktests-summary: //')
if [ -n "$summary" ]; then
	printf '%s\n' "$summary" | column -t
else
	echo "no per-test summary (the guest script did not finish; see $RESULTS_DIR/output.log)"
	[ "$rc" != 0 ] || rc=1
fi
echo "results: $RESULTS_DIR"
exit "$rc"
