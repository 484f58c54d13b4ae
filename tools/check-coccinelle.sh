#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# coccicheck: run every semantic patch of the kernel (scripts/coccinelle/
# **/*.cocci) in report mode over the driver; any finding fails.
#
#   tools/check-coccinelle.sh <dir>        (KDIR= picks the kernel build tree)
#
# This is the kernel's own `make coccicheck MODE=report M=<dir>`, run through
# the installed headers package: its Makefile has the coccicheck target and
# exports the include paths (LINUXINCLUDE) that spatch needs, but Debian's
# headers package ships neither scripts/coccicheck nor scripts/coccinelle/.
# Those come from Debian's linux-source-6.1 tarball (by name, not whichever
# linux-source is newest), extracted once into build/coccinelle/, and the headers' Makefile is pointed at them by
# overriding the shell its coccicheck recipe runs ("$(BASH)
# $(srctree)/scripts/coccicheck") with this script in --shim mode.
#
# Before the real run, a canary file with a known finding (a NULL check
# before kfree(), free/ifnullfree.cocci) must be reported, so that a broken
# spatch, include setup or output filter cannot make the check pass silently.
#
# Output that is not a finding and is filtered out: make's directory lines,
# coccicheck's banner, the spatch command lines it echoes, and spatch's
# warnings about the semantic patches themselves ("warning: line N: should X
# be a metavariable?", from misc/nonseekable.cocci, whatever the input).
# Every other line is treated as a finding. There are no known false
# positives on the driver: if one ever needs accepting, list it here with
# the reason.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cc_dir=$top/build/coccinelle

# --shim: run by the kernel Makefile in place of bash; $1 is the (missing)
# $(srctree)/scripts/coccicheck of the headers package.  Run the tarball's
# coccicheck with srctree pointing at the extracted scripts, keeping the
# environment (LINUXINCLUDE, KBUILD_EXTMOD, MODE, J, COCCI) of the Makefile.
if [ "${1:-}" = --shim ]; then
	srctree=$cc_dir exec bash "$cc_dir/scripts/coccicheck"
fi

[ $# -ge 1 ] || { echo "usage: $0 <dir>..." >&2; exit 2; }
command -v spatch >/dev/null ||
	{ echo "check-coccinelle: spatch is not installed (apt-get install coccinelle ocaml-nox)"; exit 1; }
if ! command -v ocamlfind >/dev/null || ! command -v ocamlopt >/dev/null; then
	echo "check-coccinelle: the OCaml rules need ocamlopt (apt-get install ocaml-nox)"
	exit 1
fi
kdir=${KDIR:-/lib/modules/$("$top/tools/kver.sh")/build}
[ -d "$kdir" ] || { echo "check-coccinelle: no kernel build tree at '$kdir'"; exit 1; }

tarball=/usr/src/linux-source-6.1.tar.xz
if [ "$(cat "$cc_dir/.extracted" 2>/dev/null)" != "$tarball" ]; then
	[ -r "$tarball" ] || { echo "check-coccinelle: no $tarball (apt-get install linux-source-6.1)"; exit 1; }
	rm -rf "$cc_dir"
	mkdir -p "$cc_dir"
	tar -C "$cc_dir" --strip-components=1 -xJf "$tarball" --wildcards \
		'*/scripts/coccicheck' '*/scripts/coccinelle/*'
	echo "$tarball" >"$cc_dir/.extracted"
fi
echo "check-coccinelle: the semantic patches of $tarball, include paths of $kdir"

# coccicheck DIR [VAR=VALUE...]: the kernel's make coccicheck over DIR; its
# whole output goes to $cc_dir/last.log.  Returns 1 if coccicheck failed.
coccicheck() {
	local dir=$1
	shift
	make -s -C "$kdir" M="$dir" coccicheck MODE=report J=2 \
		BASH="$top/tools/check-coccinelle.sh --shim" "$@" >"$cc_dir/last.log" 2>&1
}

# findings: the lines of last.log that are findings (see the top).
findings() {
	grep -Ev -e '^make(\[[0-9]+\])?: (Entering|Leaving) directory' \
		-e '^$' \
		-e '^Please check for false positives in the output before submitting a patch\.$' \
		-e '^When using "patch" mode, carefully review the patch before submitting it\.$' \
		-e '^[^ ]*spatch -D report ' \
		-e '^warning: line [0-9]+: should [A-Za-z0-9_]+ be a metavariable\?$' \
		"$cc_dir/last.log" || true
}

# spatch_runs: how many semantic patches the last coccicheck ran.
spatch_runs() {
	grep -c '^[^ ]*spatch -D report ' "$cc_dir/last.log" || true
}

canary=$cc_dir/canary
mkdir -p "$canary"
cat >"$canary/canary.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/slab.h>

void canary_free(void *p)
{
	if (p)
		kfree(p);
}
EOF
if ! coccicheck "$canary" COCCI="$cc_dir/scripts/coccinelle/free/ifnullfree.cocci" ||
	! findings | grep -q 'canary\.c:7:.*WARNING: NULL check before some freeing functions'; then
	cat "$cc_dir/last.log"
	echo "check-coccinelle: FAILED: the canary finding was not reported; the check is broken"
	exit 1
fi

fail=0
total=$(find "$cc_dir/scripts/coccinelle" -name '*.cocci' -type f | wc -l)
for d in "$@"; do
	d=$(cd "$d" && pwd)
	if ! coccicheck "$d"; then
		cat "$cc_dir/last.log"
		echo "check-coccinelle: coccicheck failed on $d"
		fail=1
		continue
	fi
	found=$(findings)
	if [ -n "$found" ]; then
		printf '%s\n' "$found"
		fail=1
	fi
	runs=$(spatch_runs)
	if [ "$runs" -ne "$total" ]; then
		echo "check-coccinelle: ran $runs of $total semantic patches on $d"
		grep -F 'Skipping coccinelle' "$cc_dir/last.log" || true
		fail=1
	fi
done
if [ $fail -ne 0 ]; then
	echo "check-coccinelle: FAILED"
	exit 1
fi
echo "check-coccinelle: clean ($total semantic patches, report mode, over $*)"
