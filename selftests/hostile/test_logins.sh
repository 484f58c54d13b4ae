#!/bin/bash
# Hostile logins over RDMA/CM (userspace initiator, tools/srp-initiator): bad IU lengths, buffer formats, target port ids, ACL misses, disabled TPG, truncated private data, SINGLE/MULTI channel rules, the 64-channel limit, logins racing TPG disable, login churn, the 256-session cap of a GUID ACL.
# Each case is followed by a health check (a fresh login does WRITE/READ,
# immediate data, all credits back) and channel accounting (every "login
# accepted" and every channel of a rejected login has a "channel released"
# in dmesg); run.sh fails the test on any kernel splat; at the end the
# configuration comes down and ib_srpt must unload. The cases and their
# expected answers: tools/srp-initiator/srp-initiator list logins
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

hostile_setup --srq 0 || fail "target setup"
rc=0
hostile_run group logins || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator group logins: exit $rc (see the FAIL lines above)"
