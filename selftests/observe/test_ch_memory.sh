#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each channel's "memory:" line in the ACL info file: what it allocated, by
# type. Without an SRQ the receive ring holds one buffer per credit, carved
# out of page chunks at the IU size rounded up to 512 bytes (not the next
# power of two); send contexts come from a cache of their exact size; small
# READs take a page per send context that served one; with use_srq=1 the
# channel has no receive buffers of its own. The existing info lines keep
# their format (targetcli still parses them). Ours only.
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/../srp/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt has no ACL info file"

# within VALUE LOW HIGH WHAT: LOW <= VALUE <= HIGH, else fail.
within() {
	if [ -z "$1" ] || [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
		fail "$4: '$1' not in [$2, $3]"
	fi
}

# kib FIELD LINE: the number before " KiB" after FIELD in a memory line.
kib() {
	sed -n "s/.*$1 \([0-9]*\) KiB.*/\1/p" <<<"$2"
}

# check_channels SRQ: every channel's memory line agrees with its credits
# and IU size; prints nothing, fails the test.
check_channels() {
	local srq=$1 info n line mem parts rl iu recv send rd other
	info=$(srp_acl_info)
	printf '%s\n' "$info" | sed 's/^/# info: /'
	n=$(grep -c '^   memory: ' <<<"$info" || true)
	expect_eq "$n" "$(srp_info_channels)" "memory lines, one per channel"
	# The channel line before each memory line gives its credits and IU.
	while IFS= read -r line; do
		case $line in
		*"request limit "*)
			rl=$(sed -n 's/.*request limit \([0-9]*\),.*/\1/p' <<<"$line")
			iu=$(sed -n 's/.*IU \([0-9]*\)\/[0-9]* bytes.*/\1/p' <<<"$line")
			;;
		"   memory: "*)
			mem=$(sed -n 's/^   memory: \([0-9]*\) KiB (.*/\1/p' <<<"$line")
			recv=$(kib receive "$line")
			send=$(kib send "$line")
			rd=$(kib 'read pages' "$line")
			other=$(kib other "$line")
			parts=$((recv + send + rd + other))
			# Each part is rounded up on its own.
			within "$mem" $((parts - 4)) "$parts" "total of '$line'"
			if [ "$srq" = 1 ]; then
				expect_eq "$recv" 0 "receive KiB of an SRQ channel"
			else
				# rl buffers of iu bytes + immediate-data shift,
				# 512-byte slots, 56-byte contexts, and the chunk
				# tails: up to a third of a buffer per buffer
				# where memory is fragmented enough that only
				# order-3 chunks are left (3 buffers of 8 KiB
				# in 32 KiB), still well below the 16 KiB per
				# buffer that kmalloc() rounds 8 KiB IUs up to.
				within "$recv" $((rl * iu / 1024)) \
					$(((rl * ((iu + 1536) * 4 / 3) + rl * 64) / 1024)) \
					"receive KiB for $rl buffers of $iu bytes"
			fi
			# One context per credit, under 2 KiB each with its
			# response buffer (kmalloc-2k alone was 2 KiB).
			within "$send" 1 $((rl * 2 + 8)) "send KiB for $rl contexts"
			within "$rd" 0 $((rl * 4)) "read pages KiB, one page per context at most"
			within "$other" 1 4 "other KiB"
			;;
		esac
	done <<<"$info"
}

srp_target_setup --bs rd --bs-mb 64 --srq 0 || fail "target setup"
dev=$(srp_login ch_count=2) || fail "login"
check_channels 0
# Read back what was written, 4 KiB at a time: READs of one block go into
# the send contexts' pages once the LUN's block size is known.
srp_fio_verify "$dev" --rw=randwrite --bs=4k --iodepth=32 --size=8M ||
	fail "4 KiB random write+verify"
info=$(srp_acl_info)
rd=$(sed -n 's/.*read pages \([0-9]*\) KiB.*/\1/p' <<<"$info" |
	awk '{ s += $1 } END { print s + 0 }')
within "$rd" 1 100000 "read pages KiB after 4 KiB reads"
echo "# read pages after fio: $rd KiB"
check_channels 0
srp_logout_all || fail "logout"

echo 1 >"$SRP_TPG/attrib/use_srq"
dev=$(srp_login ch_count=2) || fail "login with use_srq=1"
expect_dmesg 'ib_srpt: rxe0: shared receive queue with [0-9]+ buffers of [0-9]+ bytes \([0-9]+ KiB\)' \
	"SRQ created with its size"
check_channels 1
srp_fio_verify "$dev" --rw=randwrite --bs=8k --iodepth=16 --size=8M ||
	fail "8 KiB random write+verify over the SRQ"
check_channels 1
srp_logout_all || fail "logout"
srp_target_teardown
