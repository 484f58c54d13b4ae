# shellcheck shell=bash disable=SC2119  # option-less calls are intended
# selftests/hostile/lib-hostile.sh: setup for the hostile-initiator tests.
# They drive ib_srpt with tools/srp-initiator/srp-initiator (userspace, on
# rdma-core, over soft-RoCE rxe0 inside the qemu guest) instead of the
# kernel's ib_srp. Source it right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/lib-hostile.sh"
#
# It sources selftests/lib.sh (the tests' library: assertions, the dmesg
# window, timed writes, srpt_teardown, the exit trap, SRPT_IMPL), checks
# that the initiator binary was built on the host, installs the exit trap
# and tears down what an earlier test left behind.
#
#   hostile_setup [--srq 0|1] [--bs-mb MB] [--param P=V]...
#       rxe0, ib_uverbs + rdma_ucm (for the userspace initiator), ib_srpt
#       (SRPT_IMPL, default ours), an rd_mcp backstore (64 MiB), target port
#       named after rxe0's GID, tpgt_1 with lun_0, an ACL named after the
#       initiator's port id (`srp-initiator port-id`) with lun_0 mapped, the
#       TPG enabled and RDMA/CM listening on 5555. Sets HOSTILE_TPG.
#   hostile_run ARGS...    srp-initiator --tpg $HOSTILE_TPG ARGS... (timed)
#   srpt_teardown          remove the configuration and unload ib_srpt; fails
#                          if anything (e.g. a leaked channel) holds it
#
# Build the initiator on the host first: make -C tools/srp-initiator

# shellcheck source=selftests/lib.sh
source "$SRPT_REPO/selftests/lib.sh"

HOSTILE_BIN=$SRPT_REPO/tools/srp-initiator/srp-initiator
HOSTILE_BS=hostile0

[ -x "$HOSTILE_BIN" ] ||
	fail "$HOSTILE_BIN is missing: build it on the host with 'make -C tools/srp-initiator'"

_hostile_uverbs_ready() {
	[ -c /dev/infiniband/rdma_cm ] && ls /dev/infiniband/uverbs* >/dev/null 2>&1
}

hostile_setup() {
	local srq=0 bs_mb=64 acl
	local -a params=()
	while [ $# -gt 0 ]; do
		case $1 in
		--srq) srq=${2:?}; shift 2 ;;
		--bs-mb) bs_mb=${2:?}; shift 2 ;;
		--param) params+=("${2:?}"); shift 2 ;;
		*) echo "error: hostile_setup: unknown option $1" >&2; return 1 ;;
		esac
	done
	guest_rxe_up || return 1
	modprobe -a ib_uverbs rdma_ucm || { echo "error: modprobe ib_uverbs rdma_ucm failed" >&2; return 1; }
	wait_for 10 _hostile_uverbs_ready ||
		{ echo "error: no /dev/infiniband/rdma_cm or uverbs device" >&2; return 1; }
	guest_load_srpt "$SRPT_IMPL" ${params[@]+"${params[@]}"} || return 1
	guest_bs_rd "$HOSTILE_BS" "$bs_mb" || return 1
	HOSTILE_TPG=$SRPT_CFS/$RXE_GID_HEX/tpgt_1
	acl=$("$HOSTILE_BIN" port-id) || { echo "error: srp-initiator port-id failed" >&2; return 1; }
	srpt_tpg_setup "$HOSTILE_TPG" "$GUEST_BS_DIR" "$acl" "$srq" 1 || return 1
	echo "# target: $HOSTILE_TPG (use_srq=$srq), ACL $acl, LUN 0 = rd_mcp ${bs_mb} MiB"
	export HOSTILE_TPG
}

# hostile_run ARGS...: the initiator under a time limit (HOSTILE_LIMIT, 900 s),
# with --strict: a case marked with a known target bug fails the test.
hostile_run() {
	local t0 rc=0
	t0=$SECONDS
	timeout -k 10 "${HOSTILE_LIMIT:-900}" "$HOSTILE_BIN" --strict --tpg "$HOSTILE_TPG" "$@" || rc=$?
	echo "# time: srp-initiator $*: $((SECONDS - t0)) s (exit $rc)"
	return "$rc"
}

trap srpt_exit_trap EXIT
srpt_clean_start
