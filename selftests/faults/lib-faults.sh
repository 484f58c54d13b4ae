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

# inject_fn FUNC ERRNO PERCENT TIMES: FUNC returns -ERRNO on PERCENT % of
# its calls, TIMES times in all (-1: no limit).
inject_fn() {
	inject_off
	# Disarmed until every parameter is set: the function injects with
	# the previous test's settings (and -EINVAL) as soon as it is added.
	echo 0 >"$FF/probability"
	echo "$1" >"$FF/inject" || fail "$1 is not injectable (ALLOW_ERROR_INJECTION missing?)"
	printf '%#x\n' "$((-$2 & 0xffffffffffffffff))" >"$FF/$1/retval" ||
		fail "cannot set the injected return value"
	echo 1 >"$FF/interval"
	echo 0 >"$FF/space"
	echo 1 >"$FF/verbose"
	echo "$4" >"$FF/times"
	echo "$3" >"$FF/probability"
}

# inject_on ERRNO: srpt_init_rw() returns -ERRNO on one call in five.
inject_on() { inject_fn srpt_init_rw "$1" 20 -1; }

injected() { dmesg_count 'FAULT_INJECTION: forcing a failure'; }
