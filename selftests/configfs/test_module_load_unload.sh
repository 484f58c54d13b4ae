#!/bin/bash
# test_module_load_unload: ib_srpt registers the "srpt" LIO fabric (the
# fabric directory can be created only while it is loaded); its module
# parameters are read-only and have their documented defaults, and so is
# the fabric's "version" attribute; good
# parameter values are taken and bad ones make modprobe fail without leaving
# the module loaded; configfs objects pin the module (rmmod refused) and once
# they are gone rmmod succeeds with the reference count back at 0.
#
# Runs against SRPT_IMPL=ours|intree (default ours).
set -euo pipefail
source "$(dirname "$0")/common.sh"

srpt_rxe_up
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt is loaded before the test"

# target_core_mod alone: no "srpt" fabric to create.
modprobe target_core_mod || fail "modprobe target_core_mod"
expect_mkdir_fails "$SRPT_CFS" "Invalid argument"

# ---- load with default parameters
guest_load_srpt "$SRPT_IMPL" || fail "guest_load_srpt $SRPT_IMPL"
expect_eq "$(srpt_refcnt)" 0 "refcnt right after loading"

# Defaults.  srp_max_req_size: ours 8260; in-tree DEFAULT_MAX_REQ_SIZE =
# max(48 + 16 + 20 + 128 * 16, 80 + 4 + 8192) = 8276 (ib_srpt.h).
if [ "$SRPT_IMPL" = ours ]; then def_req=8260; else def_req=8276; fi
expect_read "$SRPT_PARAMS/srp_max_req_size" "$def_req"
expect_read "$SRPT_PARAMS/srpt_srq_size" 4095
# Default service GUID: the node GUID of the first RDMA device (rxe0).
expect_read "$SRPT_PARAMS/srpt_service_guid" "0x${RXE_GUID//:/}"
params=(srp_max_req_size srpt_srq_size srpt_service_guid)
# Our module also has rdma_cm_port (in-tree: configfs attribute only).
if [ "$SRPT_IMPL" = ours ]; then
	params+=(rdma_cm_port)
	expect_read "$SRPT_PARAMS/rdma_cm_port" 0
fi
for p in "${params[@]}"; do
	expect_eq "$(stat -c %a "$SRPT_PARAMS/$p")" 444 "mode of parameter $p"
	expect_write_fails_any "$SRPT_PARAMS/$p" 1234
done

# ---- the fabric directory and configfs objects pin the module
expect_mkdir_ok "$SRPT_CFS"
[ -d "$SRPT_CFS/discovery_auth" ] || fail "no discovery_auth in $SRPT_CFS"
[ -f "$SRPT_CFS/discovery_auth/rdma_cm_port" ] || fail "no discovery_auth/rdma_cm_port"
# The fabric's read-only "version" (target_core puts the fabric_ops
# wwn attributes in the fabric directory; rtslib-fb reads it from there).
[ -f "$SRPT_CFS/version" ] || fail "no $SRPT_CFS/version"
cat "$SRPT_CFS/version" >/dev/null || fail "cannot read $SRPT_CFS/version"
expect_write_fails_any "$SRPT_CFS/version" 9.9
if [ "$SRPT_IMPL" = ours ]; then
	# Ours reports a version number; in-tree prints an empty line.
	[[ $(cat "$SRPT_CFS/version") =~ ^[0-9] ]] ||
		fail "version is '$(cat "$SRPT_CFS/version")'; expected a version number"
fi
ref_fabric=$(srpt_refcnt)
[ "$ref_fabric" -ge 1 ] || fail "refcnt $ref_fabric with $SRPT_CFS present; expected >= 1"
expect_mkdir_ok "$SRPT_CFS/$SRPT_PORT_GUID"
ref_port=$(srpt_refcnt)
[ "$ref_port" -gt "$ref_fabric" ] ||
	fail "refcnt did not grow with a target port ($ref_fabric -> $ref_port)"
if rmmod ib_srpt 2>/dev/null; then
	fail "rmmod ib_srpt succeeded while configfs objects exist"
fi
[ -d /sys/module/ib_srpt ] || fail "ib_srpt gone after a refused rmmod"
[ -d "$SRPT_CFS/$SRPT_PORT_GUID" ] || fail "target port gone after a refused rmmod"

if [ "$SRPT_IMPL" = ours ]; then
	# Ours: the rdma_cm_port parameter mirrors discovery_auth/rdma_cm_port.
	expect_write_ok "$SRPT_CFS/discovery_auth/rdma_cm_port" 3260
	expect_read "$SRPT_PARAMS/rdma_cm_port" 3260 "parameter after configfs write"
	expect_write_ok "$SRPT_CFS/discovery_auth/rdma_cm_port" 0
	expect_read "$SRPT_PARAMS/rdma_cm_port" 0 "parameter after configfs write"
fi

rmdir "$SRPT_CFS/$SRPT_PORT_GUID" || fail "rmdir target port"
expect_eq "$(srpt_refcnt)" "$ref_fabric" "refcnt after removing the target port"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
expect_eq "$(srpt_refcnt)" 0 "refcnt after removing the fabric directory"
guest_unload_srpt || fail "unloading ib_srpt"
[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt still loaded"
expect_mkdir_fails "$SRPT_CFS" "Invalid argument"

# ---- parameters at load time
# load_ok EXPECTATIONS -- PARAMS...: modprobe with PARAMS succeeds and each
# NAME=VALUE of EXPECTATIONS reads back from /sys/module/ib_srpt/parameters.
load_ok() {
	local -a want=()
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	guest_load_srpt "$SRPT_IMPL" "$@" || fail "modprobe ib_srpt $* failed"
	local w
	for w in "${want[@]}"; do
		expect_read "$SRPT_PARAMS/${w%%=*}" "${w#*=}" "parameter after modprobe $*"
	done
}
# load_bad PARAM=VALUE: modprobe must fail and leave nothing loaded.
load_bad() {
	if guest_load_srpt "$SRPT_IMPL" "$@" 2>/dev/null; then
		fail "modprobe ib_srpt $* succeeded; expected it to fail"
	fi
	[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt loaded after a failed modprobe $*"
}

load_ok srp_max_req_size=65536 srpt_srq_size=4 srpt_service_guid=0x0000000000001234 -- \
	srp_max_req_size=65536 srpt_srq_size=4 srpt_service_guid=0x1234
guest_unload_srpt || fail "unload"
load_ok srp_max_req_size=4096 srpt_srq_size=65535 -- srp_max_req_size=4096 srpt_srq_size=65535
guest_unload_srpt || fail "unload"
if [ "$SRPT_IMPL" = ours ]; then
	# Ours accepts IUs down to the 64-byte SRP_LOGIN_REQ (in-tree: >= 996)
	# and takes rdma_cm_port as a parameter, visible in configfs too.
	load_ok srp_max_req_size=64 rdma_cm_port=5000 -- srp_max_req_size=64 rdma_cm_port=5000
	expect_mkdir_ok "$SRPT_CFS"
	expect_read "$SRPT_CFS/discovery_auth/rdma_cm_port" 5000 "rdma_cm_port from modprobe"
	rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
	guest_unload_srpt || fail "unload"
fi

# Refused by both implementations.
for bad in srp_max_req_size=10 srp_max_req_size=63 srp_max_req_size=abc \
	srpt_srq_size=3 srpt_srq_size=65536 srpt_srq_size=-1 srpt_srq_size=abc \
	srpt_service_guid=xyz; do
	load_bad "$bad"
done
if [ "$SRPT_IMPL" = ours ]; then
	# Ours bounds srp_max_req_size above and parses every number strictly
	# (in-tree: no upper bound, int parameters, service GUID in base 16).
	for bad in srp_max_req_size=65537 srp_max_req_size=-1 srpt_service_guid=abc \
		rdma_cm_port=65536 rdma_cm_port=x; do
		load_bad "$bad"
	done
fi

# A good load still works after the failures.
load_ok -- 
expect_read "$SRPT_PARAMS/srp_max_req_size" "$def_req"
guest_unload_srpt || fail "final unload"
echo "ok: module load/unload and parameters ($SRPT_IMPL)"
