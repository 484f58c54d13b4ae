#!/bin/bash
# Hostile IUs on a logged-in channel (userspace initiator, tools/srp-initiator): unknown/short IUs, malformed SRP_CMD headers and data descriptors (direct, indirect, external tables, immediate data), residuals, bad rkeys/addresses, tag reuse, credit overrun, IUs after logout, target-to-initiator opcodes.
# Each case is followed by a health check (a fresh login does WRITE/READ,
# immediate data, all credits back) and channel accounting (every "login
# accepted" and every channel of a rejected login has a "channel released"
# in dmesg); run.sh fails the test on any kernel splat; at the end the
# configuration comes down and ib_srpt must unload. The cases and their
# expected answers: tools/srp-initiator/srp-initiator list ius
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

hostile_setup --srq 0 || fail "target setup"
rc=0
hostile_run group ius || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator group ius: exit $rc (see the FAIL lines above)"
