#!/bin/bash
# Initiator disconnects, SRP_I_LOGOUTs and crashes in the middle of 1 MiB RDMA transfers, with the data buffer deregistered under the target, and with responses stuck in RNR plus pending task management (userspace initiator, tools/srp-initiator).
# Each case is followed by a health check (a fresh login does WRITE/READ,
# immediate data, all credits back) and channel accounting (every "login
# accepted" and every channel of a rejected login has a "channel released"
# in dmesg); run.sh fails the test on any kernel splat; at the end the
# configuration comes down and ib_srpt must unload. The cases and their
# expected answers: tools/srp-initiator/srp-initiator list disconnect
# selftest-timeout: 300
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

hostile_setup --srq 0 || fail "target setup"
rc=0
hostile_run group disconnect || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator group disconnect: exit $rc (see the FAIL lines above)"
