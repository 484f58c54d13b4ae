#!/bin/bash
# tools/test-times.sh RESULTS_DIR: per-test wall time (guest clock) of a
# selftests/run.sh run, from the dmesg marks run.sh writes before each test.
# Runs on the host; reads RESULTS_DIR/dmesg.log and RESULTS_DIR/tap.txt.
set -euo pipefail
dir=${1:?usage: tools/test-times.sh RESULTS_DIR}
tmp=$(mktemp)
# run.sh's own marks carry its PID (the first mark's); the last is "job end".
awk '
	function stamp() { match($0, /^\[ *[0-9.]+\]/); return substr($0, RSTART + 1, RLENGTH - 2) + 0 }
	/srpt-guest mark / { split(substr($0, index($0, "srpt-guest mark ") + 16), f, " ")
		if (pid == "") pid = f[2]
		if (f[2] == pid) starts[n++] = stamp() }
	/srpt-guest: job end/ { starts[n++] = stamp() }
	END { for (i = 0; i + 1 < n; i++) printf "%.0f\n", starts[i + 1] - starts[i] }
' "$dir/dmesg.log" >"$tmp"
grep -E '^(not )?ok ' "$dir/tap.txt" | paste "$tmp" - | awk -F'\t' '{ printf "%5d s  %s\n", $1, $2 }'
rm -f "$tmp"
