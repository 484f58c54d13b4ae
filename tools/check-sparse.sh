#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rebuild every driver file through sparse (C=2) and fail on any finding.
#   tools/check-sparse.sh make <kbuild args...>
set -euo pipefail
command -v sparse >/dev/null || { echo "check-sparse: sparse is not installed (apt-get install sparse)"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" C=2 modules 2>&1 | tee "$log" >/dev/null
# sparse reports as "file:line:col: warning|error: ..."; the build's own
# warnings are already errors (-Werror), so anything left is sparse's.
if grep -E ': (warning|error):' "$log"; then
	echo "check-sparse: FAILED"
	exit 1
fi
checked=$(grep -c '  CHECK' "$log" || true)
if [ "$checked" = 0 ]; then
	echo "check-sparse: FAILED: sparse checked no file"
	exit 1
fi
echo "check-sparse: clean ($checked files checked)"
