#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's scripts/kernel-doc on every driver file; any warning
# fails. kernel-doc comes from Debian's linux-source-6.1 tarball
# (build/checkpatch/, see check-checkpatch.sh).
#   tools/check-kerneldoc.sh <dir>...
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/check-checkpatch.sh" --extract-only
kd=$top/build/checkpatch/scripts/kernel-doc
files=$(find "$@" -name '*.[ch]' ! -name '*.mod.c' | sort)
out=$(for f in $files; do perl "$kd" -none -v "$f" 2>&1; done | grep -i 'warning' || true)
if [ -n "$out" ]; then
	echo "$out"
	echo "check-kerneldoc: FAILED"
	exit 1
fi
echo "check-kerneldoc: clean ($(echo "$files" | wc -w) files)"
