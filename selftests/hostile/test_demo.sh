#!/bin/bash
# The good path of the userspace initiator (tools/srp-initiator): one login,
# TEST UNIT READY, READ CAPACITY(10), WRITE(10) and READ(10) of a pattern,
# SRP_I_LOGOUT, every IU printed and every answer checked byte for byte;
# then the health check (adds immediate data and credit accounting). The
# target configuration comes down and ib_srpt unloads afterwards.
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

# shellcheck disable=SC2119  # no options
hostile_setup || fail "target setup"
hostile_run demo || fail "demo (good path)"
hostile_run health || fail "health check"
srpt_teardown || fail "teardown (a channel or session leaked?)"
