#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/debug-kernel/report.sh RESULTS_DIR: the kernel reports of a guest run
# (tools/debug-lane.sh), each as a "REPORT N: <first line>" header and the
# whole report: every splat in dmesg.log (console.log if the guest died
# before saving dmesg) that matches tools/guest/splat-patterns, from its
# opening line ("cut here", "=====") to its end ("end trace", "=====", the
# end of the stack dump, or 200 lines), then the kmemleak leaks attributed to our ib_srpt.  Leaks elsewhere
# are counted on an INFO line.  Prints "no reports" if there are none.
set -euo pipefail
dir=${1:?usage: report.sh RESULTS_DIR}
patterns=$(dirname "$0")/../guest/splat-patterns
log=$dir/dmesg.log
[ -s "$log" ] || log=$dir/console.log
n=0

if [ -s "$log" ]; then
	awk -v pfile="$patterns" '
	BEGIN { while ((getline p < pfile) > 0) if (p != "") pats[np++] = p }
	function splat(s,   i) { for (i = 0; i < np; i++) if (index(s, pats[i])) return 1; return 0 }
	function body(s) { sub(/^\[ *[0-9.]+\] /, "", s); return s }
	{ line[NR] = $0 }
	END {
		last = 0
		for (i = 1; i <= NR; i++) {
			if (i <= last || !splat(line[i])) continue
			# Opening line: a "cut here" or "=====" line just before.
			start = i
			for (j = i - 1; j >= i - 3 && j > last; j--)
				if (body(line[j]) ~ /cut here|^=+$/) { start = j; break }
			# End: "end trace", a "=====" line, or the end of the
			# (last) stack dump, "</TASK>", plus an "end trace"
			# right after it.
			end = i + 200 > NR ? NR : i + 200
			for (j = i + 1; j <= end; j++) {
				if (body(line[j]) ~ /end trace|^=+$/) { end = j; break }
				if (body(line[j]) ~ /^ *<\/TASK>/) {
					for (k = j + 1; k <= j + 3 && k <= NR; k++)
						if (body(line[k]) ~ /end trace/) { j = k; break }
					end = j
					break
				}
			}
			printf "REPORT %d: %s\n", ++n, body(line[i])
			for (j = start; j <= end; j++) print "    " line[j]
			print ""
			last = end
		}
		exit n > 0 ? 10 : 0
	}' "$log" || { [ $? = 10 ] && n=1; }
fi

if [ -s "$dir/kmemleak-ib_srpt.txt" ]; then
	echo "REPORT kmemleak: leaks allocated by our ib_srpt:"
	sed 's/^/    /' "$dir/kmemleak-ib_srpt.txt"
	echo
	n=1
fi
if [ -s "$dir/kmemleak.txt" ]; then
	echo "INFO kmemleak: $(grep -c '^unreferenced object' "$dir/kmemleak.txt") leak(s) in all after the tests (kmemleak.txt)"
fi
[ "$n" != 0 ] || echo "no reports"
