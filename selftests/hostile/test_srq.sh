#!/bin/bash
# The IU and task management cases again with the TPG's use_srq=1: receive
# buffers come from the device's shared receive queues (srp_max_req_size
# each) instead of a per-channel ring, which changes how IUs longer than
# MAX_IT_IU_LEN, credits and reposting behave. See test_ius.sh.
# selftest-timeout: 500
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

hostile_setup --srq 1 || fail "target setup"
rc=0
hostile_run group ius tmf || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator group ius tmf (SRQ): exit $rc (see the FAIL lines above)"
