#!/bin/bash
# Every SRP_LOGIN_REJ reason the target gives, reached through IB/CM: the
# REJ carries an SRP_LOGIN_REJ with the reason (SRP r16a 6.4), the target's
# log says why and its per-port login statistics count it; after each
# refusal a good login still works.
#   wrong target port id      UNABLE_ASSOCIATE_CHANNEL   (0x00010003)
#   no ACL admits the port id UNABLE_ESTABLISH_CHANNEL   (0x00010000)
#   TPG disabled              UNABLE_ESTABLISH_CHANNEL
#   req_it_iu_len too large   REQ_IT_IU_LENGTH_TOO_LARGE (0x00010002)
#   req_it_iu_len below 64    UNABLE_ESTABLISH_CHANNEL
#   unsupported buffer format UNSUPPORTED_DESCRIPTOR_FMT (0x00010004)
#   not an SRP_LOGIN_REQ      UNABLE_ESTABLISH_CHANNEL
#   65th channel of a nexus   CHANNEL_LIMIT_REACHED      (0x00010006)
# selftest-timeout: 900
set -euo pipefail
# shellcheck source=selftests/ibcm/lib-ibcm.sh
source "$(dirname "$0")/lib-ibcm.sh"

ibcm_setup
stats=$SRP_PORT/fabric_statistics/srpt_login_stats

good_login() {
	ibcm_login 0 || fail "$1: a good login failed after the refusal: $IBCM_RESULT"
	ibcm_ok tur
	ibcm_ok logout
}

# expect_rej WHAT REASON NAME STAT DMESG_ERE LOGIN_OPTS...
expect_rej() {
	local what=$1 reason=$2 name=$3 stat=$4 ere=$5 before after
	shift 5
	before=$(cat "$stats/$stat") || fail "no $stats/$stat"
	guest_dmesg_mark
	ibcm_err "rejected reason=$reason \\($name\\)" login ch=0 "$@"
	expect_dmesg "$ere" "$what: target log"
	after=$(cat "$stats/$stat")
	expect_eq "$after" $((before + 1)) "$what: $stat"
	expect_eq "$(ibcm_acl_channels IB/CM)" 0 "$what: channels"
	good_login "$what"
}

expect_rej "wrong target port id" 0x00010003 UNABLE_ASSOCIATE_CHANNEL rejected_target_port_id \
	'ib_srpt: login from .* rejected: target port id 0x0123456789abcdef0123456789abcdef is not ours' \
	"id=$IBCM_ID" "guid=$IBCM_GUID" tport=0x0123456789abcdef0123456789abcdef
expect_rej "no ACL" 0x00010000 UNABLE_ESTABLISH_CHANNEL rejected_no_acl \
	'ib_srpt: login from 0xfe800000000000000000000000000bad rejected: no ACL admits it' \
	id=0xfe800000000000000000000000000bad "guid=$IBCM_GUID"
echo 0 >"$SRP_TPG/enable" || fail "disabling the TPG"
ibcm_err "rejected reason=0x00010000 \\(UNABLE_ESTABLISH_CHANNEL\\)" login "id=$IBCM_ID" "guid=$IBCM_GUID"
expect_dmesg 'ib_srpt: login from .* rejected: no enabled TPG' "TPG disabled: target log"
echo 1 >"$SRP_TPG/enable" || fail "enabling the TPG"
good_login "TPG disabled"
max=$(cat /sys/module/ib_srpt/parameters/srp_max_req_size)
expect_rej "IU too large" 0x00010002 REQ_IT_IU_LENGTH_TOO_LARGE rejected_iu_length \
	"ib_srpt: login from .* rejected: req_it_iu_len $((max + 1)) exceeds srp_max_req_size $max" \
	"id=$IBCM_ID" "guid=$IBCM_GUID" iu_len=$((max + 1))
expect_rej "IU too small" 0x00010000 UNABLE_ESTABLISH_CHANNEL rejected_iu_length \
	'ib_srpt: login from .* rejected: req_it_iu_len 32 is below 64' \
	"id=$IBCM_ID" "guid=$IBCM_GUID" iu_len=32
expect_rej "buffer format" 0x00010004 UNSUPPORTED_DESCRIPTOR_FMT rejected_buffer_format \
	'ib_srpt: login from .* rejected: unsupported buffer formats 0xe' \
	"id=$IBCM_ID" "guid=$IBCM_GUID" buf_fmt=0xe
expect_rej "not a login" 0x00010000 UNABLE_ESTABLISH_CHANNEL rejected_malformed \
	'ib_srpt: IB/CM login rejected: not an SRP_LOGIN_REQ \(opcode 0x02' \
	"id=$IBCM_ID" "guid=$IBCM_GUID" opcode=2

# The channel limit: a small send queue keeps 64 channels cheap.
echo 64 >"$SRP_TPG/attrib/srp_sq_size" || fail "srp_sq_size"
guest_dmesg_mark
ibcm_login 0 flags=single || fail "channel 1: $IBCM_RESULT"
for ch in $(seq 1 63); do
	ibcm_login "$ch" flags=multi >/dev/null || fail "channel $((ch + 1)): $IBCM_RESULT"
done
grep -q '^SRP channels: 64$' <<<"$(ibcm_acl_info)" || fail "ACL info does not show 64 channels"
before=$(cat "$stats/rejected_channel_limit")
ibcm_err "rejected reason=0x00010006 \\(CHANNEL_LIMIT_REACHED\\)" login ch=64 flags=multi \
	"id=$IBCM_ID" "guid=$IBCM_GUID"
expect_dmesg 'ib_srpt: login from .* rejected: already 64 channels' "channel limit: target log"
expect_eq "$(cat "$stats/rejected_channel_limit")" $((before + 1)) "rejected_channel_limit"
ibcm_ok tur ch=63
ibcm_ok reset
wait_for 60 dmesg_count_ge 'ib_srpt: .*: channel released' 64 ||
	fail "$(dmesg_count 'channel released') of 64 channels released"
good_login "channel limit"
ibcm_unload
srp_target_teardown || fail "teardown"
