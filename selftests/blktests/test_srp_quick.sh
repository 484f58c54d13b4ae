#!/bin/bash
# A quick subset of the blktests `srp` group (the SRP maintainers' peer
# suite) against our ib_srpt, through tools/guest/blktests.sh:
#   srp/002  file I/O (ext4 on dm-multipath, fio md5 verify, 16 jobs, qd 64)
#            while the initiator logs out and back in repeatedly for 30 s:
#            channel teardown with commands in flight, relogin;
#   srp/005  direct I/O with 4 MiB requests, cmd_sg_entries=255 (external
#            descriptor tables fetched by RDMA READ), md5-verified.
# Each test first brings up the whole blktests target (LIO via configfs,
# three LUNs: null_blk x2 and scsi_debug with DIF, RDMA/CM on soft-RoCE)
# and logs in through dm-multipath, so srp/001's ground is covered too.
# Each selected test must pass; "not run" is a failure too.  Most of the
# time is blktests' fixed cost under TCG (depmod, its module checks, target
# and multipath setup per test, dmesg scans of its pr_debug output):
# 8-13 min on a loaded 2-core host.  The whole group: tools/blktests.sh.
#
# SELFTEST_BLKTESTS_QUICK="srp/001 ..." overrides the list.  Skipped if the
# blktests tree (../shared/blktests next to the repo, or SRPT_BLKTESTS_SRC)
# is missing.  blktests' results go to $RESULTS/blktests-quick.
set -euo pipefail
source "$SRPT_REPO/selftests/lib.sh"

read -r -a tests <<<"${SELFTEST_BLKTESTS_QUICK:-srp/002 srp/005}"
src=${SRPT_BLKTESTS_SRC:-$SRPT_REPO/../shared/blktests}
[ -d "$src/tests/srp" ] || skip "no blktests tree at $src"
[ ! -d /sys/module/ib_srpt ] || guest_unload_srpt || fail "cannot unload ib_srpt"

rc=0
SRPT_BLKTESTS_NOTRUN_OK="" SRPT_BLKTESTS_RESULTS=$RESULTS/blktests-quick \
	"$SRPT_REPO/tools/guest/blktests.sh" ours "${tests[@]}" || rc=$?

# Leave the distribution's module indexes for the tests that follow (blktests
# has unloaded ib_srpt in its teardown).
_srpt_set_updates "" || rc=1
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt still loaded after blktests"
[ "$rc" = 0 ] || fail "blktests ${tests[*]}: status $rc (see the blktests-summary lines above and $RESULTS/blktests-quick)"
