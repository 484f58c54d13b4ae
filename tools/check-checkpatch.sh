#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's checkpatch.pl --strict on every file of the driver.
# checkpatch (and kernel-doc, for check-kerneldoc.sh) come from Debian's
# linux-source-6.1 tarball (the kernel the in-tree patch series is for; not
# whichever linux-source is newest), extracted once into build/checkpatch/.
#   tools/check-checkpatch.sh <dir>...
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cp_dir=$top/build/checkpatch
cp=$cp_dir/scripts/checkpatch.pl
tarball=/usr/src/linux-source-6.1.tar.xz
if [ ! -x "$cp" ] || [ ! -e "$cp_dir/scripts/kernel-doc" ] ||
	[ "$(cat "$cp_dir/.source" 2>/dev/null)" != "$tarball" ]; then
	[ -r "$tarball" ] || { echo "check-checkpatch: no $tarball (apt-get install linux-source-6.1)"; exit 1; }
	rm -rf "$cp_dir"
	mkdir -p "$cp_dir"
	tar -C "$cp_dir" --strip-components=1 -xJf "$tarball" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc'
	echo "$tarball" >"$cp_dir/.source"
fi
[ "${1:-}" = --extract-only ] && exit 0
echo "check-checkpatch: checkpatch.pl of $tarball"
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
