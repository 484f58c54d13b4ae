#!/bin/bash
# One initiator port id, two connection managers, one ACL: the kernel's
# ib_srp logs in over RDMA/CM (a SINGLE login: a new I_T nexus), then our
# IB/CM initiator logs in with the same initiator port id and MULTI and
# must join that nexus (MULTICHAN_MAINTAINED).  The ACL info shows one
# session with both kinds of channel; data written over IB/CM reads back
# through the ib_srp disk; ending the IB/CM channel leaves the RDMA/CM
# session working.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
guest_dmesg_mark
# shellcheck disable=SC2119  # no login options
dev=$(srp_login) || fail "ib_srp RDMA/CM login"
echo "# RDMA/CM disk $dev"
rdma_chs=$(ibcm_acl_channels RDMA/CM)
[ "$rdma_chs" -ge 1 ] || fail "no RDMA/CM channel in the ACL info: $(ibcm_acl_info)"

ibcm_login 0 flags=multi || fail "IB/CM MULTI login: $IBCM_RESULT"
[[ $IBCM_RESULT == *" accepted multichan=0x2 "* ]] ||
	fail "IB/CM login did not join the RDMA/CM session (want multichan=0x2): $IBCM_RESULT"
info=$(ibcm_acl_info)
# shellcheck disable=SC2001  # a prefix on every line
sed "s/^/# info: /" <<<"$info"
expect_eq "$(grep -c '^InitiatorName:' <<<"$info")" 1 "sessions in the ACL info"
grep -q "^SRP channels: $((rdma_chs + 1))\$" <<<"$info" || fail "ACL info: want $((rdma_chs + 1)) channels"
expect_eq "$(ibcm_acl_channels IB/CM)" 1 "IB/CM channels"
expect_eq "$(ibcm_acl_channels RDMA/CM)" "$rdma_chs" "RDMA/CM channels"

# Written over IB/CM, read through the RDMA/CM disk.
ibcm_ok write lba=1000 blocks=8 pattern=0x11
want=$(python3 -c '
import hashlib, sys
b = bytes(0x11 ^ ((lba * 7) & 0xff) ^ (off & 0xff) ^ ((off >> 8) & 0xff)
          for lba in range(1000, 1008) for off in range(512))
print(hashlib.sha256(b).hexdigest())')
got=$(dd if="$dev" bs=512 skip=1000 count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)
expect_eq "$got" "$want" "blocks 1000-1007 read through $dev"
# And the other way round.
dd if=/dev/zero of="$dev" bs=512 seek=1000 count=8 oflag=direct status=none || fail "dd to $dev"
ibcm_err 'mismatch: [0-9]+ of 4096 bytes differ' read lba=1000 blocks=8 pattern=0x11

ibcm_ok logout
wait_for 10 dmesg_count_ge 'ib_srpt: .*: channel released' 1 || fail "IB/CM channel not released"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "IB/CM channels after its logout"
expect_eq "$(ibcm_acl_channels RDMA/CM)" "$rdma_chs" "RDMA/CM channels after the IB/CM logout"
srp_read_check "$dev" || fail "the RDMA/CM disk after the IB/CM logout"
srp_logout_all || fail "ib_srp logout"
ibcm_unload
srp_target_teardown || fail "teardown"
