#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-tree patch series' cover letter says that one malformed SRP_CMD
# oopses a host running the distribution's ib_srpt. This reproduces it,
# INSIDE a throw-away test guest (it crashes a kernel worker):
#
#   SRPT_IMPL=intree tools/vm/run-guest.sh --kver 6.12.118+deb12-amd64 \
#       --timeout 600 tools/guest/intree-desc-oops.sh
#
# The hostile initiator's case iu_indirect_bad sends, one after the other,
# SRP_CMDs with malformed indirect descriptors; -v prints every IU sent and
# received, so the last one sent before the kernel log's Oops is the one
# that caused it (its tag is in the driver's "parsing SRP descriptor table
# failed" line). SRPT_IMPL=ours runs the same against our driver, which
# answers each with CHECK CONDITION. The run-guest.sh exit status is 1
# when the kernel log shows the Oops: the guest's console.log has it.
set -euo pipefail
source "$SRPT_REPO/selftests/hostile/lib-hostile.sh"
echo "# kernel $(uname -r), SRPT_IMPL=$SRPT_IMPL"
hostile_setup --srq 0 || fail "target setup"
modinfo -n ib_srpt
echo "# taint of ib_srpt: '$(cat /sys/module/ib_srpt/taint)'"
rc=0
HOSTILE_LIMIT=180 hostile_run -v --no-health case iu_indirect_bad || rc=$?
echo "# srp-initiator exit $rc"
sleep 5
echo "# kernel log after the case:"
dmesg | tail -n 120
# No teardown: after the Oops the in-tree driver cannot close the channel
# ("srpt_disconnect_ch_sync(...): still waiting ..."), and the guest is
# thrown away anyway.
trap - EXIT
exit 0
