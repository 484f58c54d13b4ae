#!/bin/bash
# Shared receive queue: with attrib/use_srq=1 the channels receive into an
# SRQ of the device (ours: the one for their completion vector).  ib_srp
# sends writes of up to 8 KiB as immediate data inside the request IU,
# which the target must take from the SRQ buffer: fio
# 4 KiB and 8 KiB random writes (immediate) and 64 KiB writes (RDMA READ),
# each read back and checked (crc32c).  Proves immediate data was negotiated
# ("using immediate data") and, for ours, that the channels used the SRQ.
# The in-tree driver does not offer immediate data on an SRQ: there only
# the SRQ data path is checked.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

srp_target_setup --bs rd --bs-mb 64 --srq 1 || fail "target setup"
expect_eq "$(cat "$SRP_TPG/attrib/use_srq")" 1 "attrib/use_srq"
dev=$(srp_login) || fail "login"
if [ "$SRPT_IMPL" = ours ]; then
	# The in-tree driver grants immediate data only without an SRQ (its
	# SRQ buffers have no room for it); ours grants it either way.
	expect_dmesg 'ib_srp: using immediate data' "initiator negotiated immediate data"
	# Our login line says which receive path the channel uses; the in-tree
	# driver prints nothing comparable.
	n=$(dmesg_count 'ib_srpt: .*login accepted.*, SRQ, immediate data')
	expect_eq "$n" "$(srp_channel_count)" "channels logged in on the SRQ with immediate data"
	expect_dmesg 'ib_srpt: rxe0: shared receive queue with [0-9]+ buffers' "SRQ created"
	expect_no_dmesg 'own receive ring' "a channel used its own receive ring"
fi
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=32 --size=8M ||
	fail "4 KiB random write+verify over the SRQ"
srp_fio_verify "$dev" --rw=randwrite --bs=8k --iodepth=16 --size=8M --offset=8M ||
	fail "8 KiB random write+verify over the SRQ"
srp_fio_verify "$dev" --rw=randrw --bs=64k --iodepth=8 --size=16M --offset=16M \
	--verify_backlog=16 || fail "64 KiB random read/write+verify over the SRQ"
srp_logout_all || fail "logout"
srp_target_teardown || fail "teardown"
