#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/check-selftests.sh: host-side check of the selftests' lists, run by
# tools/test.sh.  selftests/run.sh runs every executable selftests/*/test_*.sh;
# this checks that the kselftest-style files say the same:
#   - selftests/Makefile's TARGETS are exactly the group directories;
#   - each group's Makefile lists exactly its executable test_*.sh files as
#     TEST_PROGS, and its TEST_FILES exist;
#   - each group has a settings file with a timeout=SECS line;
#   - each test sources selftests/lib.sh, directly or through a library of
#     its group (one test library for all of them);
#   - no test_*.sh is left non-executable (run.sh would skip it silently).
# Prints what differs; exit status 1 if anything does.
set -uo pipefail
cd "$(dirname "$0")/../selftests" || exit 2

rc=0
err() { echo "check-selftests: $*" >&2; rc=1; }

groups=$(for d in */; do d=${d%/}; ls "$d"/test_*.sh >/dev/null 2>&1 && echo "$d"; done)
targets=$(sed -n 's/^TARGETS := //p' Makefile | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort)
[ "$targets" = "$(LC_ALL=C sort <<<"$groups")" ] ||
	err "selftests/Makefile TARGETS ($(tr '\n' ' ' <<<"$targets")) != group directories ($(tr '\n' ' ' <<<"$groups"))"

for g in $groups; do
	[ -f "$g/Makefile" ] || { err "$g: no Makefile"; continue; }
	want=$(cd "$g" && for t in test_*.sh; do [ -x "$t" ] && echo "$t"; done | LC_ALL=C sort)
	have=$(make -s --no-print-directory -C "$g" list | LC_ALL=C sort)
	[ "$want" = "$have" ] ||
		err "$g: TEST_PROGS differs from the executable test_*.sh files:$(diff <(echo "$have") <(echo "$want") | sed -n 's/^\([<>]\)/ \1/p' | tr '\n' ' ')"
	for t in "$g"/test_*.sh; do
		[ -x "$t" ] || err "$t is not executable: selftests/run.sh would not run it"
		# shellcheck disable=SC2016  # literal $ in the patterns
		grep -Eq '^source "\$SRPT_REPO/selftests/lib.sh"|^source "\$\(dirname "\$0"\)/(\.\./[a-z]+/)?(lib-[a-z]+|common)\.sh"' "$t" ||
			err "$t sources neither selftests/lib.sh nor a group library"
	done
	for f in $(make -s --no-print-directory -C "$g" list_files); do
		[ -e "$g/$f" ] || err "$g: TEST_FILES names $f, which does not exist"
	done
	grep -Eq '^timeout=[1-9][0-9]*$' "$g/settings" 2>/dev/null ||
		err "$g: no settings file with a timeout=SECS line"
done
# lib-faults.sh is sourced after lib-srp.sh or lib-hostile.sh.
for lib in */lib-*.sh configfs/common.sh; do
	[ "$lib" != faults/lib-faults.sh ] || continue
	# shellcheck disable=SC2016  # literal $ in the patterns
	grep -Eq '^source "\$SRPT_REPO/selftests/(lib|srp/lib-srp)\.sh"' "$lib" ||
		err "$lib does not source selftests/lib.sh"
done
[ "$rc" = 0 ] && echo "check-selftests: $(wc -w <<<"$groups") groups, $(make -s --no-print-directory list | wc -l) tests: lists, settings and libraries agree"
exit "$rc"
