#!/bin/bash
# IB/CM login and I/O, end to end: a SINGLE login, then a second channel
# with MULTI that joins the same I_T nexus (MULTICHAN_MAINTAINED); the ACL's
# info file shows both channels as IB/CM; TEST UNIT READY, INQUIRY and READ
# CAPACITY on each; WRITE(10) on one channel read back on the other and
# compared byte for byte (and a wrong pattern must not compare); logout
# (DREQ/DREP) releases each channel on the target.
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
guest_dmesg_mark

ibcm_login 0 flags=single || fail "SINGLE login: $IBCM_RESULT"
[[ $IBCM_RESULT == *" accepted multichan=0x0 "* ]] || fail "SINGLE login: want multichan 0 (no channel existed): $IBCM_RESULT"
ibcm_login 1 flags=multi || fail "MULTI login: $IBCM_RESULT"
[[ $IBCM_RESULT == *" accepted multichan=0x2 "* ]] ||
	fail "MULTI login: want MULTICHAN_MAINTAINED (0x2): $IBCM_RESULT"
expect_dmesg "ib_srpt: .*login accepted on " "target log"

for ch in 0 1; do
	ibcm_ok tur ch=$ch
	ibcm_ok inquiry ch=$ch
	[[ $IBCM_RESULT == *"pdt=0x00 vendor=LIO-ORG"* ]] || fail "INQUIRY data: $IBCM_RESULT"
	ibcm_ok readcap ch=$ch
	# A 16 MiB rd_mcp backstore: 32768 blocks of 512 bytes.
	[[ $IBCM_RESULT == *"blocks=32768 block_size=512"* ]] || fail "READ CAPACITY data: $IBCM_RESULT"
done

info=$(ibcm_acl_info)
# shellcheck disable=SC2001  # a prefix on every line
sed "s/^/# info: /" <<<"$info"
grep -q '^SRP channels: 2$' <<<"$info" || fail "ACL info does not show 2 channels"
expect_eq "$(ibcm_acl_channels IB/CM)" 2 "IB/CM channels in the ACL info"
expect_eq "$(ibcm_acl_channels RDMA/CM)" 0 "RDMA/CM channels in the ACL info"
grep -qi "InitiatorAlias: ${IBCM_ID}" <<<"$info" || fail "ACL info: no alias $IBCM_ID"

ibcm_ok write ch=0 lba=100 blocks=16 pattern=0x3c
ibcm_ok read ch=1 lba=100 blocks=16 pattern=0x3c
ibcm_ok write ch=1 lba=2000 blocks=128 pattern=0xc3
ibcm_ok read ch=0 lba=2000 blocks=128 pattern=0xc3
ibcm_ok read ch=0 lba=100 blocks=16 pattern=0x3c
# The compare is real: another pattern does not match.
ibcm_err 'mismatch' read ch=1 lba=100 blocks=16 pattern=0x3d

ibcm_ok logout ch=1
wait_for 10 dmesg_count_ge 'ib_srpt: .*: channel released' 1 || fail "no 'channel released' after the first logout"
expect_eq "$(ibcm_acl_channels IB/CM)" 1 "IB/CM channels after one logout"
ibcm_ok tur ch=0
ibcm_ok logout ch=0
wait_for 10 dmesg_count_ge 'ib_srpt: .*: channel released' 2 || fail "no 'channel released' after the second logout"
expect_eq "$(ibcm_acl_channels IB/CM)" 0 "IB/CM channels after both logouts"
expect_no_dmesg 'ib_post_send failed|QP event .*(fatal|error)' "target log"
srp_target_teardown || fail "teardown (rmmod ib_srpt)"
