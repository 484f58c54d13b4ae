#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What an administrator can see without dmesg: the target port's
# fabric_statistics/srpt_login_stats/ counts accepted logins and each kind
# of rejection (one counter per file, next to target_core's own), and the
# ACL's info shows, per channel, the credits (request limit, commands in
# flight, credits owed), the send queue, receive queue kind and completion
# vector. Ours only: the in-tree driver has neither.
set -euo pipefail
source "$(dirname "$0")/../srp/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt has no login_stats or ACL info"

# stat NAME: the count of outcome NAME.
stat() {
	cat "$stats/$1" || fail "no login counter $1"
}

# show: every counter, for the log.
show() {
	grep -H . "$stats"/* | sed "s|^$stats/||"
}

srp_target_setup --bs rd
stats=$SRP_PORT/fabric_statistics/srpt_login_stats
show
# 9 login outcomes and 3 kinds of IUs refused with SRP_T_LOGOUT
expect_eq "$(find "$stats" -type f | wc -l)" 12 "login outcome counters"
for k in accepted rejected_no_acl rejected_no_enabled_tpg iu_refused_type \
	iu_refused_unsolicited iu_refused_format; do
	expect_eq "$(stat "$k")" 0 "$k on a new target port"
done
! { echo 1 >"$stats/accepted"; } 2>/dev/null || fail "a login counter is writable"

# Two channels: two accepted logins, and info shows both with credits.
dev=$(srp_login ch_count=2)
expect_eq "$(stat accepted)" 2 "accepted after a 2-channel login"
info=$(cat "$SRP_TPG/acls/$SRP_INIT_ID/info")
echo "$info"
expect_eq "$(grep -c 'request limit [0-9]*, commands in flight [0-9]*, credits owed [0-9-]*, send queue [0-9]* ([0-9-]* free), .*, completion vector [0-9]*' <<<"$info")" 2 \
	"channels with credit and queue details in info"
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=8 --size=4M
srp_logout_all

# No ACL for the initiator: each channel's login is rejected and counted.
srp_acl_del "$SRP_INIT_ID"
srp_login_expect_fail
[ "$(stat rejected_no_acl)" -ge 1 ] || fail "a login without an ACL was not counted"
expect_eq "$(stat accepted)" 2 "accepted after a rejected login"

# TPG disabled.
srp_acl_add "$SRP_INIT_ID"
echo 0 >"$SRP_TPG/enable"
srp_login_expect_fail
[ "$(stat rejected_no_enabled_tpg)" -ge 1 ] || fail "a login to a disabled TPG was not counted"
echo 1 >"$SRP_TPG/enable"
srp_login ch_count=1 >/dev/null
expect_eq "$(stat accepted)" 3 "accepted after the TPG is enabled again"
show
srp_target_teardown
