#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The definitions tools/unit/shim copies from the kernel's headers (where
# the real header cannot be compiled on the host) must still be the
# kernel's: compare each copied block with the headers tree KSRC.
#   tools/unit/check-shim.sh KSRC
set -euo pipefail
ksrc=${1:?usage: $0 KSRC}
shim=$(cd "$(dirname "$0")" && pwd)/shim
fail=0

# block FILE SED-ADDRESS: the lines it selects, blanks squeezed.
block() {
	sed -n "$2p" "$1" | sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//'
}

# same NAME HEADER RANGE: the range is the same in the shim and the kernel.
same() {
	local mine theirs
	mine=$(block "$shim/$2" "$3")
	theirs=$(block "$ksrc/include/$2" "$3")
	if [ -z "$mine" ] || [ "$mine" != "$theirs" ]; then
		echo "check-shim: $1 in shim/$2 differs from $ksrc/include/$2:"
		diff <(echo "$mine") <(echo "$theirs") | head -n 20 | sed 's/^/  /' || true
		fail=1
	fi
}

tcm=target/target_core_base.h
same "enum tcm_sense_reason_table" $tcm '/^enum tcm_sense_reason_table {/,/^};/'
same "enum tcm_tmreq_table" $tcm '/^enum tcm_tmreq_table {/,/^};/'
same "enum tcm_tmrsp_table" $tcm '/^enum tcm_tmrsp_table {/,/^};/'
same "TCM_*_TAG" $tcm '/^#define TCM_SIMPLE_TAG/,/^#define TCM_ACA_TAG/'
same "TRANSPORT_SENSE_BUFFER" $tcm '/^#define TRANSPORT_SENSE_BUFFER/'
same "typedef sense_reason_t" $tcm '/^typedef unsigned __bitwise sense_reason_t;/'
same "union ib_gid" rdma/ib_verbs.h '/^union ib_gid {/,/^};/'
same "IB_USER_MAD_USER_RMPP" uapi/rdma/ib_user_mad.h '/^\s*IB_USER_MAD_USER_RMPP = /'
# Only the first values of these enums are copied: they must lead.
for e in "enum ib_wc_status" "enum ib_qp_type"; do
	mine=$(block "$shim/rdma/ib_verbs.h" "/^$e {/,/^};/" | grep -E '^IB_' | tr -d ',')
	theirs=$(block "$ksrc/include/rdma/ib_verbs.h" "/^$e {/,/^};/" | grep -E '^IB_' | tr -d ',' |
		head -n "$(echo "$mine" | wc -l)")
	if [ "$mine" != "$theirs" ]; then
		echo "check-shim: the first values of $e in shim/rdma/ib_verbs.h differ from the kernel's"
		fail=1
	fi
done
[ $fail = 0 ] || exit 1
echo "check-shim: the shim's copies match $ksrc"
