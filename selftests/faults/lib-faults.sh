#!/bin/bash
# selftests/faults/lib-faults.sh: fail_function helpers for the fault
# injection tests (debug-kernel lane). Source after lib-srp.sh or
# lib-hostile.sh; injected() counts in the dmesg window (selftests/lib.sh).
# The exit trap turns the injection off before it tears the target down.
# shellcheck disable=SC2034
FF=/sys/kernel/debug/fail_function
[ -d /sys/kernel/debug/fail_function ] ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
[ -d "$FF" ] || fail "no $FF: this kernel lacks CONFIG_FAIL_FUNCTION (run it in the debug-kernel lane)"

inject_off() { echo >"$FF/inject" 2>/dev/null || true; }
srpt_on_exit inject_off

# inject_on ERRNO: srpt_init_rw() returns -ERRNO on one call in five.
inject_on() {
	inject_off
	echo srpt_init_rw >"$FF/inject" || fail "srpt_init_rw is not injectable (ALLOW_ERROR_INJECTION missing?)"
	printf '%#x\n' "$((-$1 & 0xffffffffffffffff))" >"$FF/srpt_init_rw/retval" ||
		fail "cannot set the injected return value"
	echo 20 >"$FF/probability"
	echo 1 >"$FF/interval"
	echo -1 >"$FF/times"
	echo 0 >"$FF/space"
	echo 1 >"$FF/verbose"
}

injected() { dmesg_count 'FAULT_INJECTION: forcing a failure'; }
