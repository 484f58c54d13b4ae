#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's checkpatch.pl --strict on every file of the driver.
# checkpatch (and kernel-doc, for check-kerneldoc.sh) come from Debian's
# linux-source-6.1 tarball, extracted once into build/checkpatch/.
#   tools/check-checkpatch.sh <dir>...
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cp_dir=$top/build/checkpatch
cp=$cp_dir/scripts/checkpatch.pl
if [ ! -x "$cp" ] || [ ! -e "$cp_dir/scripts/kernel-doc" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
	[ -n "$tarball" ] || { echo "check-checkpatch: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)"; exit 1; }
	mkdir -p "$cp_dir"
	tar -C "$cp_dir" --strip-components=1 -xJf "$tarball" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc'
fi
[ "${1:-}" = --extract-only ] && exit 0
files=$(find "$@" -name '*.[ch]' ! -name '*.mod.c' | sort)
fail=0
for f in $files; do
	if ! out=$("$cp" --strict --no-tree --show-types --terse -f "$f" 2>&1); then
		echo "$out"
		fail=1
	fi
done
if [ $fail -ne 0 ]; then
	echo "check-checkpatch: FAILED"
	exit 1
fi
echo "check-checkpatch: clean ($(echo "$files" | wc -w) files)"
