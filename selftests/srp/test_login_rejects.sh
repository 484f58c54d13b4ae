#!/bin/bash
# Logins the target must refuse, and that it still admits a good login
# after each refusal:
#   1. no ACL for the initiator (only one for another initiator port id);
#   2. the TPG is disabled (enable = 0);
#   3. the target port identifier (id_ext/ioc_guid) is not the target's;
#   4. the initiator's request IU (8260 bytes with immediate data) exceeds
#      srp_max_req_size: rejected with "IU too large", which ib_srp reports.
# Each refusal: the add_target write fails, no disk, no remote port, and the
# kernel log of both sides says why.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"

# good_login WHAT: a login now works and the disk reads.
good_login() {
	local dev
	dev=$(srp_login) || fail "$1: a good login failed after the refusal"
	srp_read_check "$dev" || fail "$1: reading $dev failed"
	srp_logout_all || fail "$1: logout"
}

# expect_refused WHAT [OPTS]
expect_refused() {
	srp_login_expect_fail "${2:-}" || fail "$1: the login was not refused"
	expect_eq "$(srp_session_count)" 0 "$1: SRP remote ports"
	# Both targets say "rejected"/"Rejected" (ours, "ib_srpt: login from X
	# rejected: why"; in-tree, "ib_srpt rejected SRP_LOGIN_REQ because ..." or
	# "Rejected login for initiator ...").
	expect_dmesg 'ib_srpt[: ].*[Rr]eject' "$1: target log"
	expect_dmesg 'ib_srp: (SRP LOGIN REJECTED|SRP_LOGIN_REJ)' "$1: initiator log"
}

other_id=0xfe800000000000000000000000000bad

echo "# 1. no ACL for this initiator"
srp_target_setup --bs rd --bs-mb 16 --acl "$other_id" || fail "target setup"
guest_dmesg_mark
expect_refused "no ACL"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "ib_srpt: login from $SRP_INIT_ID .*rejected: no ACL admits it" "no ACL: reason"
fi
srp_acl_add "$SRP_INIT_ID" || fail "adding the initiator's ACL"
good_login "no ACL"

echo "# 2. TPG disabled"
echo 0 >"$SRP_TPG/enable" || fail "disabling the TPG"
guest_dmesg_mark
expect_refused "TPG disabled"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg 'ib_srpt: login from .* rejected: no enabled TPG' "TPG disabled: reason"
fi
echo 1 >"$SRP_TPG/enable" || fail "enabling the TPG"
good_login "TPG disabled"

echo "# 3. wrong target port identifier"
guest_dmesg_mark
expect_refused "wrong target port id" "id_ext=0123456789abcdef"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg 'ib_srpt: login from .* rejected: target port id 0x0123456789abcdef.* is not ours' \
		"wrong target port id: reason"
fi
good_login "wrong target port id"

echo "# 4. request IU larger than srp_max_req_size"
srp_target_teardown || fail "teardown"
# Ours accepts [64, 65536]; the in-tree module refuses to load below 996.
if [ "$SRPT_IMPL" = ours ]; then small=128; else small=1024; fi
srp_target_setup --bs rd --bs-mb 16 --param "srp_max_req_size=$small" || fail "setup with srp_max_req_size=$small"
expect_eq "$(cat /sys/module/ib_srpt/parameters/srp_max_req_size)" "$small" "srp_max_req_size"
guest_dmesg_mark
expect_refused "IU too large"
expect_dmesg 'ib_srp: SRP_LOGIN_REJ: requested max_it_iu_len too large' "IU too large: initiator's reason"
if [ "$SRPT_IMPL" = ours ]; then
	expect_dmesg "ib_srpt: login from .* rejected: req_it_iu_len [0-9]+ exceeds srp_max_req_size $small" \
		"IU too large: reason"
fi
srp_target_teardown || fail "teardown"
srp_target_setup --bs rd --bs-mb 16 || fail "setup with the default srp_max_req_size"
good_login "IU too large"
srp_target_teardown || fail "teardown"
