#!/bin/bash
# Fault injection with several data descriptors per command (debug-kernel
# lane only): the userspace initiator's indirect-descriptor and external
# descriptor-table cases, byte for byte, while srpt_init_rw() fails with
# -ENOMEM on one call in five. target_core retries such a command
# (queue full); the retry used to walk a descriptor table that the failed
# attempt had freed. Every case must pass and the injection must have hit.
set -euo pipefail
source "$(dirname "$0")/../hostile/lib-hostile.sh"
# shellcheck source=selftests/faults/lib-faults.sh
source "$(dirname "$0")/lib-faults.sh"

guest_dmesg_mark
hostile_setup --srq 0 || fail "target setup"
inject_on 12
rc=0
hostile_run case iu_indirect_ok iu_external_table iu_max_rdma || rc=$?
inject_off
n=$(injected)
echo "# $n injected failures"
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator cases with injected -ENOMEM: exit $rc"
[ "$n" -gt 0 ] || fail "fail_function injected nothing into srpt_init_rw"
