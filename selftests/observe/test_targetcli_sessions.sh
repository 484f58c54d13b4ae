#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `targetcli sessions` shows SRP logins: each ACL has a read-only "info"
# file in the format rtslib-fb parses (NodeACL._get_session). With one and
# with two channels, targetcli lists the session, its state and each
# channel's address; after logout it lists none. Ours only: the in-tree
# driver has no info file (targetcli-fb issue #78).
set -euo pipefail
source "$(dirname "$0")/../srp/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt has no ACL info file"

guest_start_dbus
export HOME=/root TERM=dumb

srp_target_setup --bs rd
info=$SRP_TPG/acls/$SRP_INIT_ID/info

head -n 1 "$info" | grep -q '^No active' || fail "info before login: $(cat "$info")"
out=$(targetcli sessions 2>&1)
grep -q 'no open sessions' <<<"$out" || fail "targetcli sessions before login: $out"

for ch_count in 1 2; do
	srp_login "ch_count=$ch_count" >/dev/null
	cat "$info"
	grep -q "^InitiatorName: $SRP_INIT_ID\$" "$info" || fail "no InitiatorName line"
	expect_eq "$(grep -c 'TARG_CONN_STATE_LOGGED_IN' "$info")" "$ch_count" "live channels in info"
	out=$(targetcli sessions detail 2>&1)
	echo "$out"
	grep -q "$SRP_INIT_ID" <<<"$out" || fail "targetcli sessions does not name the initiator"
	grep -q 'LOGGED_IN' <<<"$out" || fail "targetcli sessions shows no session state"
	expect_eq "$(grep -c 'address: 10.0.2.15' <<<"$out")" "$ch_count" "channel addresses listed"
	srp_logout_all
	wait_for 20 grep -q '^No active' "$info" || fail "info after logout: $(cat "$info")"
	out=$(targetcli sessions 2>&1)
	grep -q 'no open sessions' <<<"$out" || fail "targetcli sessions after logout: $out"
done
srp_target_teardown
