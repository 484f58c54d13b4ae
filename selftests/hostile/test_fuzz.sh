#!/bin/bash
# A short, bounded fuzz pass of the userspace initiator (tools/srp-initiator
# fuzz): mutated logins and IUs, each checked (well-formed answer, every
# SRP_CMD/SRP_TSK_MGMT answered, the channel only dies when the mutation
# explains it, a known-good TEST UNIT READY still answered with all credits
# back, no kernel splat). Any anomaly prints the seed and case number to
# replay it. SELFTEST_FUZZ_SEED (default: a new random seed each run, printed)
# and SELFTEST_FUZZ_TIME (seconds, default 60) tune it; a longer run:
#   SELFTEST_FUZZ_SEED=$RANDOM SELFTEST_FUZZ_TIME=1800 \
#     tools/vm/run-guest.sh --timeout 2400 selftests/run.sh hostile/test_fuzz
# selftest-timeout: 2400
set -euo pipefail
source "$(dirname "$0")/lib-hostile.sh"

secs=${SELFTEST_FUZZ_TIME:-60}
seed_args=()
[ -z "${SELFTEST_FUZZ_SEED:-}" ] || seed_args=(--seed "$SELFTEST_FUZZ_SEED")
# shellcheck disable=SC2119  # no options
hostile_setup || fail "target setup"
rc=0
hostile_run fuzz ${seed_args[@]+"${seed_args[@]}"} --time "$secs" --count 1000000 || rc=$?
srpt_teardown || fail "teardown (a channel or session leaked?)"
[ "$rc" = 0 ] || fail "fuzz: anomaly (its seed and case: FUZZ ANOMALY above)"
