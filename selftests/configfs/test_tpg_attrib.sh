#!/bin/bash
# test_tpg_attrib: the TPG attributes (attrib/srp_max_rdma_size,
# srp_max_rsp_size, srp_sq_size, use_srq) start at their defaults, accept
# and read back their minimum, maximum and default (also written in hex),
# and refuse every bad value (below min, above max, non-numeric, negative,
# empty, trailing junk, 2^32, 2^64) keeping the old value; ours also has
# comp_v_mask, "all" by default, a mask read back as the same value (the
# kernel prints it zero-padded to nr_cpu_ids bits, "01" with 8 possible
# CPUs, "00000000,00000001" with 64, so the value is compared, not the
# text; the rest of it is srp/test_comp_vector's); the same for
# discovery_auth/rdma_cm_port [0, 65535]; TPG "enable" takes 0/1 and refuses
# other values; TPG names: tpgt_<n> and free names are accepted.
#
# Runs against SRPT_IMPL=ours|intree (default ours).  The two implementations
# have different bounds (ours per TPG; in-tree per RDMA port, see
# drivers/infiniband/ulp/srpt/ib_srpt.[ch] of the kernel), so each is checked
# against its own table.
set -euo pipefail
source "$(dirname "$0")/common.sh"

srpt_rxe_up
srpt_load
port=$SRPT_CFS/$SRPT_PORT_GUID
expect_mkdir_ok "$port"

# ---- TPG names
tpg=$port/tpgt_1
expect_mkdir_ok "$tpg"
for d in attrib lun acls; do
	[ -d "$tpg/$d" ] || fail "TPG has no $d/"
done
expect_mkdir_ok "$port/tpgt_7"
rmdir "$port/tpgt_7" || fail "rmdir tpgt_7"
expect_mkdir_ok "$port/anyname"
rmdir "$port/anyname" || fail "rmdir anyname"
if [ "$SRPT_IMPL" = ours ]; then
	# Ours parses tpgt_<n> as the TPG tag, n in [1, 65535]; in-tree ignores
	# the name (its tag is always 1).
	for name in tpgt_0 tpgt_abc tpgt_ tpgt_65536 tpgt_-1 tpgt_1x; do
		expect_mkdir_fails "$port/$name" "Invalid argument"
	done
	expect_mkdir_ok "$port/tpgt_65535"
	rmdir "$port/tpgt_65535" || fail "rmdir tpgt_65535"
fi

# ---- enable
expect_read "$tpg/enable" 0 "enable of a new TPG"
expect_write_ok "$tpg/enable" 1
expect_read "$tpg/enable" 1
for bad in 2 abc -1 ""; do
	expect_write_fails "$tpg/enable" "$bad"
done
expect_write_ok "$tpg/enable" 0
expect_read "$tpg/enable" 0

# ---- attributes: NAME MIN MAX DEFAULT
if [ "$SRPT_IMPL" = ours ]; then
	table=(
		"srp_max_rdma_size 4096 16777216 1048576"
		"srp_max_rsp_size 64 1024 256"
		"srp_sq_size 16 16384 4096"
		"use_srq 0 1 0"
	)
else
	# In-tree: rdma [DEFAULT_MAX_RDMA_SIZE, MAX_SRPT_RDMA_SIZE],
	# rsp [MIN_MAX_RSP_SIZE = 36 + 4, MAX_SRPT_RSP_SIZE],
	# sq [MIN_SRPT_SRQ_SIZE, MAX_SRPT_SRQ_SIZE].
	table=(
		"srp_max_rdma_size 65536 16777216 65536"
		"srp_max_rsp_size 40 1024 256"
		"srp_sq_size 4 65535 4096"
		"use_srq 0 1 0"
	)
fi
attrs=$(cd "$tpg/attrib" && ls | sort | tr '\n' ' ')
want="srp_max_rdma_size srp_max_rsp_size srp_sq_size use_srq "
[ "$SRPT_IMPL" = ours ] && want="comp_v_mask $want"
expect_eq "$attrs" "$want" "attrib/ contents"

# expect_mask PATH WANT WHAT: PATH reads WANT, "all" or a mask's value in
# hex, compared without the commas and leading zeros of %*pb (the kernel
# prints a mask nr_cpu_ids bits wide: "01" with 8 possible CPUs,
# "00000000,00000001" with 64); it must read as %*pb prints a bitmap.
expect_mask() {
	local raw v
	raw=$(cat "$1") || fail "cannot read $1"
	v=$raw
	if [ "$v" != all ]; then
		[[ $v =~ ^[0-9a-f]{1,8}(,[0-9a-f]{8})*$ ]] ||
			fail "$3: $1 reads '$raw', not a bitmap as %*pb prints one"
		v=$(sed 's/,//g; s/^0*//' <<<"$v")
		v=${v:-0}
	fi
	expect_eq "$v" "$2" "$3 (read '$raw')"
}

if [ "$SRPT_IMPL" = ours ]; then
	# The completion vectors: "all", or a hex mask like a CPU mask.
	f=$tpg/attrib/comp_v_mask
	expect_mask "$f" all "default of comp_v_mask"
	expect_write_ok "$f" 1
	expect_mask "$f" 1 "comp_v_mask after writing 1"
	for bad in "" 0 zz "1 1" 000000001; do
		expect_write_fails "$f" "$bad"
	done
	expect_mask "$f" 1 "comp_v_mask after the refused writes"
	expect_write_ok "$f" all
	expect_mask "$f" all "comp_v_mask after writing all"
fi

for row in "${table[@]}"; do
	read -r name min max def <<<"$row"
	f=$tpg/attrib/$name
	expect_read "$f" "$def" "default of $name"
	for v in "$min" "$max" "$def" "$max"; do
		expect_write_ok "$f" "$v"
		expect_read "$f" "$v" "$name after writing $v"
	done
	expect_write_ok "$f" "$(printf '0x%x' "$min")"
	expect_read "$f" "$min" "$name after writing $min in hex"
	expect_write_ok "$f" "$max"
	# Bad values, each refused with the previous value ($max) kept.
	bad=("$((max + 1))" abc -1 "" "${max}x" 1.5 " $max" 4294967296
		18446744073709551616 "$((max + 4294967296))")
	if [ "$min" -gt 0 ]; then bad+=("$((min - 1))" 0); fi
	for v in "${bad[@]}"; do
		expect_write_bad "$f" "$v"
	done
	expect_read "$f" "$max" "$name after the bad writes"
	expect_write_ok "$f" "$def"
done

if [ "$SRPT_IMPL" = ours ]; then
	# Ours keeps attributes per TPG (in-tree: per RDMA port, shared by
	# all TPGs of the port).
	expect_write_ok "$tpg/attrib/srp_sq_size" 16
	expect_mkdir_ok "$port/tpgt_2"
	expect_read "$port/tpgt_2/attrib/srp_sq_size" 4096 "srp_sq_size of a second TPG"
	expect_read "$tpg/attrib/srp_sq_size" 16 "srp_sq_size of the first TPG"
	rmdir "$port/tpgt_2" || fail "rmdir tpgt_2"
fi

# ---- discovery_auth/rdma_cm_port
cm=$SRPT_CFS/discovery_auth/rdma_cm_port
expect_read "$cm" 0 "rdma_cm_port default"
for v in 5000 65535 1 0x1388; do
	expect_write_ok "$cm" "$v"
	expect_read "$cm" "$((v))" "rdma_cm_port after writing $v"
	if [ "$SRPT_IMPL" = ours ]; then
		expect_read "$SRPT_PARAMS/rdma_cm_port" "$((v))" "rdma_cm_port parameter"
	fi
done
for v in 65536 -1 abc "" 1.5 "5000x" 4294967297 99999999999999999999; do
	expect_write_bad "$cm" "$v"
done
expect_read "$cm" 5000 "rdma_cm_port after the bad writes"
expect_write_ok "$cm" 0
expect_read "$cm" 0

srpt_cfs_clear || fail "cleaning up the configfs tree"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_unload_srpt || fail "unloading ib_srpt"
echo "ok: TPG attributes ($SRPT_IMPL)"
