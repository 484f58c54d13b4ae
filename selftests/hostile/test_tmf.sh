#!/bin/bash
# Task management and SCSI corner cases from the userspace initiator (tools/srp-initiator): TMFs for unknown tags, unmapped LUNs, unsupported functions, truncated requests, LUN RESET, ABORT TASK of a stalled command; REPORT LUNS, unmapped LUNs, INQUIRY.
# Each case is followed by a health check (a fresh login does WRITE/READ,
# immediate data, all credits back) and channel accounting (every "login
# accepted" and every channel of a rejected login has a "channel released"
# in dmesg); run.sh fails the test on any kernel splat; at the end the
# configuration comes down and ib_srpt must unload. The cases and their
# expected answers: tools/srp-initiator/srp-initiator list tmf
# selftest-timeout: 300
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

hostile_setup --srq 0 || fail "target setup"
rc=0
hostile_run group tmf || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "srp-initiator group tmf: exit $rc (see the FAIL lines above)"
