#!/bin/bash
# rdma_rw in MR mode (ib_core force_mr=1, what iWARP always does): every
# RDMA READ/WRITE takes an MR from the QP's pool and posts LOCAL_INV and
# REG_MR work requests too. With srp_sq_size at its minimum (16: a pool
# of 16 MRs, and at most 5 operations on the send queue) and two channels
# doing 128 KiB random I/O at queue depth 32 with crc32c verify, the pool
# runs dry and the send queue is full most of the time: an empty pool
# (-EAGAIN) must be a queue-full retry, not a failed command, the send
# queue accounting must count the registration work requests, and the
# initiator's credits must end where they started.
# The RDMA stack is reloaded with force_mr=1 for this test and without it
# afterwards.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

# rdma_stack_reload [IB_CORE_PARAMS...]: unload every RDMA module and load
# ib_core again with the given parameters.
rdma_stack_reload() {
	local m
	srp_logout_all || return 1
	guest_rxe_down || return 1
	for m in ib_srpt ib_srp ibcm_srp ib_isert nvmet_rdma nvme_rdma rdma_ucm \
		ib_uverbs ib_umad rdma_rxe rdma_cm iw_cm ib_cm ib_core; do
		[ -d "/sys/module/$m" ] || continue
		# ibcm_srp is insmod'ed from the tree: modprobe may not know it.
		modprobe -r "$m" 2>/dev/null || rmmod "$m" ||
			{ guest_err "cannot unload $m"; return 1; }
	done
	modprobe ib_core "$@" || { guest_err "modprobe ib_core $* failed"; return 1; }
}

restore_stack() {
	srp_target_teardown || true
	rdma_stack_reload || echo "# could not reload the RDMA stack without force_mr" >&2
}

rdma_stack_reload force_mr=1 || fail "reloading the RDMA stack with force_mr=1"
trap restore_stack EXIT
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
srpt_write "$SRP_TPG/attrib/srp_sq_size" 16 || fail "srp_sq_size 16"
dev=$(srp_login "ch_count=2") || fail "login"
host=$(_srp_hosts | head -n 1)
if [ "$SRPT_IMPL" = ours ]; then
	info=$(cat "$SRP_TPG/acls/$SRP_INIT_ID/info")
	printf '%s\n' "$info" | sed 's/^/# info: /'
	grep -q "RDMA through MRs" <<<"$info" ||
		fail "the channels do not use MRs: force_mr did not take effect"
else
	# The in-tree driver has no ACL info file to show it.
	echo "# SRPT_IMPL=$SRPT_IMPL: MR mode not checked (no ACL info file)"
fi
req_lim0=$(cat "$host/req_lim")
echo "# req_lim after login: $req_lim0"

srp_fio_verify "$dev" --rw=randrw --bs=128k --iodepth=32 --numjobs=2 \
	--size=24M --offset_increment=32M --group_reporting ||
	fail "128 KiB randrw qd32 x2 with verify under force_mr and srp_sq_size 16"
srp_fio_verify "$dev" --rw=randrw --bs=4k --iodepth=32 --size=16M ||
	fail "4 KiB randrw qd32 with verify under force_mr"
expect_no_dmesg "failing the command|closing the channel|ib_post_send failed" ||
	fail "the target failed a command or closed a channel"
sleep 1
req_lim=$(cat "$host/req_lim")
echo "# req_lim after the I/O: $req_lim"
expect_eq "$req_lim" "$req_lim0" "initiator req_lim after the I/O"
srp_target_teardown || fail "teardown"
trap - EXIT
rdma_stack_reload || fail "reloading the RDMA stack without force_mr"
echo "# ok: MR mode at srp_sq_size 16, no failed command, credits back"
