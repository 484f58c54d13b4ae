#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Completion vectors and shared receive queues: the TPG's attrib/comp_v_mask
# and the SRQs of use_srq=1.  rxe has one completion vector per possible CPU
# (num_comp_vectors = num_possible_cpus()), of which the RDMA core uses
# U = min(vectors, online CPUs): a CQ asked for on vector v is on v mod U.
# In the default 2-vCPU guest that is 2 of 2; to test the folding as well,
# boot 2 CPUs online of 4 possible (4 vectors, 2 usable):
#
#   tools/vm/run-guest.sh --smp 2,maxcpus=4 selftests/run.sh srp/test_comp_vector.sh
#
# Each part loads ib_srpt afresh (lib-srp.sh unloaded any earlier one, and
# each part unloads it again), so no SRQ of an earlier test or part is left:
# the SRQs go with the device's ib_srpt state.
#
# 1. srpt_srq_size=100, use_srq=1: the kernel log says the device gets one
#    SRQ of 100 buffers; a 2-channel login (ib_srp, ch_count=2) is granted
#    100 credits per channel, both channels on SRQ 0 ("shared receive queue
#    0 (of 1, 100 buffers)" in the ACL's info file); one SRQ is created (our
#    log and the RDMA core's resource count); fio writes and verifies.
# 2. the default srpt_srq_size (4095): comp_v_mask reads "all";
#    - a 2-channel login lands on two different vectors, each channel with
#      a CQ of its own ("own CQ" in the info file: 4610 entries, more than
#      half a pool CQ of 4096); after writing 0x2
#      the channels logged in keep theirs and a new login's are both on
#      vector 1, with 0x1 on vector 0;
#    - U < vectors (--smp 2,maxcpus=4): a mask naming only vectors at or
#      above U (0xc) puts a 2-channel login on the vectors they fold onto,
#      one each ("0 1"; choosing among the unfolded vectors put both on 0),
#      and 0x8 (vector 3) on vector 1;
#    - bad writes (nothing, 0, not hex, a blank inside, a word of 9 digits,
#      an empty word, only bits above the mask's width) fail with EINVAL and
#      a kernel log line saying why, the mask unchanged; all-ones wider than
#      the mask (a default saved where there are more CPUs) is taken as the
#      vectors this host has, with a log line; "all" reads back "all";
#    - use_srq=1: the log says N = min(4095 / 512, U) SRQs of 4095 / N
#      buffers; a 2-channel login is granted 512 credits per channel, each
#      channel on SRQ (vector mod N), as many SRQs created as the channels
#      use; fio over them; after a logout a new login creates none.
# 3. session order, with the IB/CM test initiator (tools/ibcm-initiator,
#    built on the host) logging in channel by channel: two TPGs on the
#    target port, tpgt_1 admitting initiator A and tpgt_2 initiator B, and
#    the MULTI logins A, B, A, B: A's channels on vectors 0 and 1, B's on 1
#    and 2 mod U.  A new session starts after the device's latest channel,
#    whichever TPG it logs in to (with a round robin per TPG B's first
#    channel was on 0), and a joining channel after its own session's
#    newest (with only the device's round robin A's second was on 0).
# 4. srp_sq_size=256, CQs of 514 entries, which the CQ pool would share:
#    with comp_v_mask 0x1 a 2-channel login still gets own CQs (a pool that
#    runs out makes a CQ on every usable vector, which this TPG would not
#    use): both on vector 0, "own CQ", and `rdma resource show cq` lists
#    no more of ib_core's CQs (the pool's) than before the login; fio
#    over them.  With the mask "all" the same login takes "pool CQ"s.
#
# Skips on a guest with one online CPU (one usable vector: nothing to
# spread over or to leave out).
#
# Not testable on rxe, whose vectors are as many as the mask is wide: a
# mask naming none of a bound device's vectors.  Ours only: the in-tree
# ib_srpt has neither comp_v_mask nor several SRQs.
# selftest-timeout: 900
set -euo pipefail
# shellcheck source=selftests/srp/lib-srp.sh
source "$(dirname "$0")/lib-srp.sh"
srpt_ours_only "the in-tree ib_srpt has no comp_v_mask and one SRQ per device"

[ ! -d /sys/module/ib_srpt ] || fail "ib_srpt is still loaded: this test needs a fresh load"

# The CPUs: nvec vectors (one per possible CPU), U of them usable.
cpus() {
	local list=$1 n=0 r
	for r in ${list//,/ }; do
		if [[ $r == *-* ]]; then
			n=$((n + ${r#*-} - ${r%-*} + 1))
		else
			n=$((n + 1))
		fi
	done
	echo "$n"
}
possible=$(cat /sys/devices/system/cpu/possible)
online=$(cat /sys/devices/system/cpu/online)
nvec=$(cpus "$possible")
online_n=$(cpus "$online")
usable=$((online_n < nvec ? online_n : nvec))
# The mask's width: nr_cpu_ids, one more than the highest possible CPU.
width=$((${possible##*[-,]} + 1))
echo "# possible CPUs $possible, online $online: $nvec completion vectors, $usable usable, masks of $width bits"
# One usable vector leaves nothing to spread over or to restrict a mask to.
[ "$usable" -ge 2 ] ||
	skip "rxe has $usable usable completion vector (online CPUs '$online'): spreading needs 2; run the guest with 2 vCPUs"

# hexmask VALUE: VALUE (below 2^63) as a mask is written: 32-bit words
# separated by commas.
hexmask() {
	local v=$1
	if [ "$v" -ge $((1 << 32)) ]; then
		printf '%x,%08x' $((v >> 32)) $((v & 0xffffffff))
	else
		printf '%x' "$v"
	fi
}

# pb VALUE: the mask VALUE as the kernel prints one of $width bits (%*pb).
pb() {
	python3 -c '
import sys
v, n = int(sys.argv[1], 0), int(sys.argv[2])
words = []
while n > 0:
    b = n % 32 or 32
    words.append("%0*x" % ((b + 3) // 4, v >> (n - b) & ((1 << b) - 1)))
    n -= b
print(",".join(words))' "$1" "$width"
}

# channel_vectors [ACL]: the completion vectors of the ACL's channels, as
# its info file gives them, in channel order ("0 1").
channel_vectors() {
	srp_acl_info "$@" | sed -n 's/.*, completion vector \([0-9]*\), .*/\1/p' |
		awk '{ printf "%s%s", s, $0; s = " " }'
}

# channel_cqs: whether each channel of our ACL has a CQ of its own or one
# of the CQ pool's, as the info file says, in channel order ("own pool").
channel_cqs() {
	srp_acl_info | sed -n 's/.*, completion vector [0-9]*, \([a-z]*\) CQ, .*/\1/p' |
		awk '{ printf "%s%s", s, $0; s = " " }'
}

# ib_core_cq_count: the CQs of rxe0 that ib_core owns, as `rdma resource
# show cq` lists them ("comm [ib_core]"): those of the CQ pool, in use or
# idle (the pool keeps them until the device goes), and the MAD layer's.
# The CQs of ib_srpt's own and of ib_srp are not ib_core's.
ib_core_cq_count() {
	local cqs
	cqs=$(timeout -k 5 30 rdma resource show cq 2>&1) ||
		fail "rdma resource show cq failed: ${cqs:-timeout}"
	awk -v d="$RXE_DEV" '
		$1 == "dev" && $2 == d {
			for (i = 3; i < NF; i++)
				if ($i == "comm" && $(i + 1) == "[ib_core]")
					n++
		}
		END { print n + 0 }' <<<"$cqs"
}

# srq_count: the SRQs of rxe0 that the RDMA core counts.
srq_count() {
	local snap
	snap=$(srp_rdma_res_snapshot) || fail "cannot read the RDMA resource counts"
	awk '{ for (i = 1; i < NF; i++) if ($i == "srq") print $(i + 1) }' <<<"$snap"
}

# login_2ch WHAT: a 2-channel ib_srp login; sets DEV.
login_2ch() {
	DEV=$(srp_login ch_count=2) || fail "$1: login with ch_count=2"
	expect_eq "$(srp_channel_count)" 2 "$1: initiator channels"
	expect_eq "$(srp_info_channels)" 2 "$1: channels in the info file"
}

# expect_distinct WHAT VECTORS: two different vectors, both usable.
expect_distinct() {
	local a b
	read -r a b <<<"$2"
	if [ -z "$b" ] || [ "$a" = "$b" ] || [ "$a" -ge "$usable" ] || [ "$b" -ge "$usable" ]; then
		fail "$1: channels on vectors '$2', want two different ones below $usable"
	fi
}

# check_srq_channels WHAT CREDITS NR SIZE: every channel of the info file
# is granted CREDITS and receives through SRQ (its vector mod NR) of NR,
# SIZE buffers each.  Prints the SRQs used, sorted.
check_srq_channels() {
	local what=$1 credits=$2 nr=$3 size=$4 line v used=
	while IFS= read -r line; do
		[[ $line == *"request limit "* ]] || continue
		v=$(sed -n 's/.*, completion vector \([0-9]*\), .*/\1/p' <<<"$line")
		[[ $line == *"request limit $credits, "* ]] ||
			fail "$what: a channel is not granted $credits credits: $line"
		[[ $line == *", shared receive queue $((v % nr)) (of $nr, $size buffers), completion vector $v, "* ]] ||
			fail "$what: the channel on vector $v is not on shared receive queue $((v % nr)) of $nr with $size buffers: $line"
		used+="$((v % nr))"$'\n'
	done < <(srp_acl_info)
	sort -nu <<<"$used" | awk 'NF { printf "%s%s", s, $0; s = " " }'
}

# ================================================ 1. srpt_srq_size=100
echo "# 1. srpt_srq_size=100, use_srq=1"
guest_dmesg_mark
srp_target_setup --bs rd --bs-mb 64 --srq 1 --param srpt_srq_size=100 ||
	fail "target setup with srpt_srq_size=100"
expect_dmesg 'ib_srpt: rxe0: shared receive queues \(use_srq=1\): up to 1 of 100 buffers each \(srpt_srq_size 100, ' \
	"kernel log: srpt_srq_size 100 is one SRQ of 100 buffers"
expect_eq "$(srq_count)" 0 "SRQs of rxe0 after a fresh load of ib_srpt"
login_2ch "srpt_srq_size=100"
srp_acl_info | sed -n 's/^ *\(request limit .*\)/# info: \1/p'
used=$(check_srq_channels "srpt_srq_size=100" 100 1 100)
expect_eq "$used" 0 "SRQs the channels use"
expect_eq "$(dmesg_count 'ib_srpt: rxe0: shared receive queue with 100 buffers of [0-9]+ bytes \([0-9]+ KiB\), queue 0 of 1$')" 1 \
	"SRQs created (kernel log)"
expect_eq "$(srq_count)" 1 "SRQs of rxe0 (rdma resource show)"
# Two jobs: blk-mq spreads them over both channels, 100 buffers for both.
srp_fio_verify "$DEV" --rw=randwrite --bs=4k --iodepth=16 --size=8M \
	--numjobs=2 --offset_increment=16M --group_reporting ||
	fail "4 KiB random write+verify over one SRQ of 100 buffers"
srp_target_teardown || fail "teardown (srpt_srq_size=100)"

# ================================================ 2. the defaults
echo "# 2. the default srpt_srq_size and comp_v_mask"
guest_dmesg_mark
srp_target_setup --bs rd --bs-mb 64 || fail "target setup"
nr=$((4095 / 512 < usable ? 4095 / 512 : usable))
size=$((4095 / nr))
expect_dmesg "ib_srpt: rxe0: shared receive queues \(use_srq=1\): up to $nr of $size buffers each \(srpt_srq_size 4095, $usable usable completion vector" \
	"kernel log: srpt_srq_size 4095 as up to $nr SRQs of $size buffers"
MASK=$SRP_TPG/attrib/comp_v_mask
expect_read "$MASK" all "default comp_v_mask"

# ---- every vector, then a mask for new logins only
login_2ch "default mask"
before=$(channel_vectors)
expect_distinct "default mask" "$before"
# 4096 + 512 + 2 entries: a pool CQ (4096) would hold no second channel.
expect_eq "$(channel_cqs)" "own own" "default srp_sq_size: CQs of the 2 channels"
expect_write_ok "$MASK" 0x2
expect_read "$MASK" "$(pb 2)" "comp_v_mask after writing 0x2"
expect_eq "$(channel_vectors)" "$before" "channels logged in before the write keep their vectors"
srp_logout_all || fail "logout"
login_2ch "mask 0x2"
expect_eq "$(channel_vectors)" "1 1" "mask 0x2: vectors of the 2 channels"
srp_logout_all || fail "logout"
expect_write_ok "$MASK" 1
expect_read "$MASK" "$(pb 1)" "comp_v_mask after writing 1"
login_2ch "mask 0x1"
expect_eq "$(channel_vectors)" "0 0" "mask 0x1: vectors of the 2 channels"
srp_logout_all || fail "logout"

# ---- vectors the RDMA core folds: those at or above U are v mod U
if [ "$nvec" -gt "$usable" ] && [ "$nvec" -le 62 ]; then
	high=$((((1 << nvec) - 1) & ~((1 << usable) - 1)))
	# The usable vectors they fold onto, each once.
	want=$(for ((v = usable; v < nvec; v++)); do echo $((v % usable)); done |
		sort -nu | awk '{ printf "%s%s", s, $0; s = " " }')
	expect_write_ok "$MASK" "$(hexmask "$high")"
	login_2ch "mask $(hexmask "$high") (vectors $usable to $((nvec - 1)))"
	got=$(channel_vectors)
	echo "# mask $(hexmask "$high"): channels on vectors $got (those vectors fold onto $want)"
	if [ "$want" = "${want%% *}" ]; then
		expect_eq "$got" "$want $want" "mask $(hexmask "$high"): vectors of the 2 channels"
	else
		expect_distinct "mask $(hexmask "$high") (folded onto $want)" "$got"
		for v in $got; do
			[[ " $want " == *" $v "* ]] || fail "mask $(hexmask "$high"): a channel on vector $v, not one of $want"
		done
	fi
	srp_logout_all || fail "logout"
	# The device's last vector alone: vector (nvec - 1) mod U.
	expect_write_ok "$MASK" "$(hexmask $((1 << (nvec - 1))))"
	login_2ch "mask $(hexmask $((1 << (nvec - 1)))) (vector $((nvec - 1)))"
	v=$(((nvec - 1) % usable))
	expect_eq "$(channel_vectors)" "$v $v" "mask $(hexmask $((1 << (nvec - 1)))): vectors of the 2 channels"
	srp_logout_all || fail "logout"
	expect_write_ok "$MASK" 1
else
	echo "# not tested: folding (as many vectors as usable ones; run the guest with --smp 2,maxcpus=4)"
fi

# ---- bad writes: EINVAL, the reason in the log, the mask unchanged
wide=$(hexmask $((1 << width)))
[ "$width" -le 62 ] || wide=
for row in "|nothing written" "0|'0' names no completion vector" \
	"zz|'zz' is not a hex mask: character 0 \(0x7a\)" \
	"1 2|'1 2' has a blank inside" \
	"000000001|'000000001' has a word of 9 hex digits" \
	"1,,1|'1,,1' has an empty word" \
	"${wide:-skip}|'$wide' names only completion vectors above $((width - 1))"; do
	bad=${row%%|*}
	[ "$bad" != skip ] || continue
	guest_dmesg_mark
	expect_write_fails "$MASK" "$bad"
	expect_dmesg "ib_srpt: comp_v_mask: ${row#*|}" "kernel log reason for '$bad'"
done
expect_read "$MASK" "$(pb 1)" "comp_v_mask after the bad writes"
# All ones over 96 bits, as "ffffffff,ffffffff,ffffffff" saved where
# nr_cpu_ids is 96: the vectors this host has, the rest dropped with a log
# line (nothing to drop on a host as wide).
if [ "$width" -lt 96 ]; then
	guest_dmesg_mark
	expect_write_ok "$MASK" ffffffff,ffffffff,ffffffff
	expect_dmesg "ib_srpt: comp_v_mask: 'ffffffff,ffffffff,ffffffff': ignoring the completion vectors above $((width - 1))" \
		"kernel log: the vectors above this host's dropped"
	expect_read "$MASK" "$(pb $(((1 << width) - 1)))" "comp_v_mask after writing 96 ones"
fi
expect_write_ok "$MASK" all
expect_read "$MASK" all "comp_v_mask after writing all"

# ---- use_srq=1: N SRQs of 4095 / N buffers, each channel on its vector's
expect_eq "$(srq_count)" 0 "SRQs of rxe0 before the first use_srq=1 login"
expect_write_ok "$SRP_TPG/attrib/use_srq" 1
guest_dmesg_mark
login_2ch "use_srq=1"
srp_acl_info | sed -n 's/^ *\(request limit .*\)/# info: \1/p'
expect_distinct "use_srq=1" "$(channel_vectors)"
used=$(check_srq_channels "use_srq=1" 512 "$nr" "$size")
n_used=$(wc -w <<<"$used")
echo "# SRQs in use: $used (of $nr)"
expect_eq "$(dmesg_count "ib_srpt: rxe0: shared receive queue with $size buffers of [0-9]+ bytes \([0-9]+ KiB\), queue [0-9]+ of $nr\$")" \
	"$n_used" "SRQs created (kernel log)"
expect_eq "$(srq_count)" "$n_used" "SRQs of rxe0 (rdma resource show)"
# Two jobs (one per CPU): blk-mq spreads them over both channels.  Both
# sizes go as immediate data, into the SRQ buffers.
for run in "4k 0" "8k 32M"; do
	read -r bs off <<<"$run"
	srp_fio_verify "$DEV" --rw=randwrite --bs="$bs" --iodepth=16 --size=8M \
		--offset="$off" --numjobs=2 --offset_increment=16M --group_reporting ||
		fail "$bs random write+verify over the SRQs"
done
srp_logout_all || fail "logout"
# The SRQs stay with the device: a new login creates none.
guest_dmesg_mark
login_2ch "use_srq=1 again"
used=$(check_srq_channels "use_srq=1 again" 512 "$nr" "$size")
echo "# SRQs in use: $used"
expect_no_dmesg 'shared receive queue with' "an SRQ created again"
expect_eq "$(srq_count)" "$n_used" "SRQs of rxe0 after a new login"
srp_target_teardown || fail "teardown"

# ================================================ 3. the order of sessions
echo "# 3. two sessions on two TPGs, their channels logged in in turn (IB/CM)"
guest_dmesg_mark
srp_target_setup --bs rd --bs-mb 16 || fail "target setup"
id_a=$SRP_INIT_ID
id_b=0xfe80000000000001${RXE_GID_HEX:18}
tpg2=$SRP_PORT/tpgt_2
mkdir "$tpg2" "$tpg2/acls/$id_b" || fail "mkdir tpgt_2 and its ACL"
srpt_write "$tpg2/enable" 1 || fail "enable tpgt_2"
ibcm_load
guid=$(cat "$SRPT_PARAMS/srpt_service_guid") || fail "no srpt_service_guid"
guid=0x${guid#0x}
# ch=0: A's session, ch=1: B's, ch=2: A's second channel, ch=3: B's.
n=0
for id in "$id_a" "$id_b" "$id_a" "$id_b"; do
	ibcm_ok login "ch=$n" "id=$id" "guid=$guid" flags=multi
	n=$((n + 1))
done
[[ $IBCM_RESULT == *" multichan=0x2 "* ]] ||
	fail "B's second channel did not join its session: $IBCM_RESULT"
expect_eq "$(srp_info_channels "$id_a")" 2 "channels of session A"
a=$(channel_vectors "$id_a")
b=$(SRP_TPG=$tpg2 channel_vectors "$id_b")
echo "# session A (tpgt_1): vectors $a; session B (tpgt_2): vectors $b"
expect_eq "$a" "0 1" "session A: its first channel on vector 0, the second after it"
expect_eq "$b" "1 $((2 % usable))" "session B: after the device's latest channel (A's first), then after its own"
for n in 0 1 2 3; do
	ibcm_ok logout "ch=$n"
done
srp_target_teardown || fail "teardown"

# ================================================ 4. own CQs of a restricted mask
echo "# 4. srp_sq_size=256 (CQs of 514 entries, 7 to a pool CQ): mask 0x1, then all"
srp_target_setup --bs rd --bs-mb 16 || fail "target setup"
MASK=$SRP_TPG/attrib/comp_v_mask
expect_write_ok "$SRP_TPG/attrib/srp_sq_size" 256
expect_write_ok "$MASK" 1
cqs0=$(ib_core_cq_count)
echo "# ib_core's CQs of $RXE_DEV before the login: $cqs0"
login_2ch "srp_sq_size=256, mask 0x1"
srp_acl_info | sed -n 's/^ *\(request limit .*\)/# info: \1/p'
expect_eq "$(channel_vectors)" "0 0" "srp_sq_size=256, mask 0x1: vectors of the 2 channels"
# Small enough for the pool, but the pool would make a CQ on every usable
# vector, and this TPG's channels use vector 0 only.
expect_eq "$(channel_cqs)" "own own" "srp_sq_size=256, mask 0x1: CQs of the 2 channels"
cqs=$(ib_core_cq_count)
expect_eq "$cqs" "$cqs0" "ib_core's CQs of $RXE_DEV (rdma resource show cq) after a login with mask 0x1"
srp_fio_verify "$DEV" --rw=randwrite --bs=4k --iodepth=16 --size=8M \
	--numjobs=2 --offset_increment=16M --group_reporting ||
	fail "4 KiB random write+verify on own CQs"
srp_logout_all || fail "logout"
# The same channels with every vector share CQs from the pool.
expect_write_ok "$MASK" all
login_2ch "srp_sq_size=256, mask all"
expect_distinct "srp_sq_size=256, mask all" "$(channel_vectors)"
expect_eq "$(channel_cqs)" "pool pool" "srp_sq_size=256, mask all: CQs of the 2 channels"
echo "# ib_core's CQs of $RXE_DEV with the pool in use: $(ib_core_cq_count)"
srp_target_teardown || fail "teardown"
