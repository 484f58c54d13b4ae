#!/bin/bash
# The distribution's ib_srpt loads through guest_load_srpt, registers its
# configfs fabric, rejects a bad attribute write, and unloads cleanly; the
# unload helper refuses while the fabric directory still pins the module.
set -euo pipefail
source "$SRPT_REPO/selftests/lib.sh"

guest_load_srpt intree
[ -d /sys/module/ib_srpt ] || fail "ib_srpt not loaded"
mkdir "$SRPT_CFS"
[ -d "$SRPT_CFS" ] || fail "$SRPT_CFS missing"
[ -d "$SRPT_CFS/discovery_auth" ] || fail "$SRPT_CFS/discovery_auth missing"

port=$SRPT_CFS/discovery_auth/rdma_cm_port
expect_write_fails "$port" notaport
expect_eq "$(cat "$port")" 0 "rdma_cm_port"

if guest_unload_srpt 2>/dev/null; then
	fail "guest_unload_srpt succeeded while $SRPT_CFS exists"
fi
rmdir "$SRPT_CFS"
guest_unload_srpt
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt still loaded"
