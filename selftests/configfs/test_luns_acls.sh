#!/bin/bash
# test_luns_acls: a TPG exports three kinds of backstore (rd_mcp ramdisk,
# fileio, iblock on brd) as LUNs (lun/lun_N/<link> -> core/<hba>/<dev>);
# ACLs are accepted in every documented initiator name form (128-bit port
# id with and without 0x, GUID as 16 hex digits or xxxx:xxxx:xxxx:xxxx with
# and without 0x, IPv4, IPv6) and refused with EINVAL for malformed names;
# mapped LUNs (acls/<i>/lun_M/<link> -> lun/lun_N) work; then everything is
# removed in dependency order (mapped LUNs, ACLs, LUNs, TPG, port,
# backstores) and the module unloads.
#
# Runs against SRPT_IMPL=ours|intree (default ours).
set -euo pipefail
source "$(dirname "$0")/common.sh"

srpt_rxe_up
srpt_load
port=$SRPT_CFS/$SRPT_PORT_GID_HEX
tpg=$port/tpgt_1
expect_mkdir_ok "$port"
expect_mkdir_ok "$tpg"

# ---- backstores and LUNs
guest_bs_rd r0 16 || fail "rd_mcp backstore"
rd=$GUEST_BS_DIR
guest_bs_fileio f0 16 || fail "fileio backstore"
fio=$GUEST_BS_DIR
guest_bs_brd b0 16 || fail "brd/iblock backstore"
blk=$GUEST_BS_DIR
devs=("$rd" "$fio" "$blk")
for i in 0 1 2; do
	lun=$tpg/lun/lun_$i
	expect_mkdir_ok "$lun"
	ln -s "${devs[$i]}" "$lun/${devs[$i]##*/}" || fail "cannot link ${devs[$i]} as LUN $i"
	[ "$(readlink -f "$lun/${devs[$i]##*/}")" = "$(readlink -f "${devs[$i]}")" ] ||
		fail "LUN $i link points to $(readlink "$lun/${devs[$i]##*/}")"
done
# A LUN holds one device: a second link is refused.
if ln -s "$rd" "$tpg/lun/lun_1/again" 2>/dev/null; then
	fail "a second device could be linked into lun_1"
fi
expect_write_ok "$tpg/enable" 1

# ---- ACL names accepted
good_acls=(
	0x0000000000000000505400fffe4a0b7b   # initiator port id, 0x
	00000000000000010002000300040005     # initiator port id, no 0x
	0X0000000000000000AABBCCDDEEFF0011   # upper case
	0011223344556677                     # GUID, 16 hex digits
	0x8899aabbccddeeff                   # GUID, 16 hex digits, 0x
	1122:3344:5566:7788                  # GUID, xxxx:xxxx:xxxx:xxxx
	0x99aa:bbcc:ddee:ff00                # GUID, colon form, 0x
	10.0.2.15                            # IPv4
	192.168.100.200
	fe80::5054:ff:fe12:3456              # IPv6
	::1
	2001:db8::10
)
for a in "${good_acls[@]}"; do
	expect_mkdir_ok "$tpg/acls/$a"
	for d in attrib auth; do
		[ -d "$tpg/acls/$a/$d" ] || fail "ACL $a has no $d/"
	done
done

# ---- ACL names refused
bad_acls=(xyz zz 0x123 "${good_acls[0]%?}" 1122:3344:5566 1122-3344-5566-7788
	1.2.3.4.5 300.1.1.1 ib.00000000000000010002000300040005 hello!
	g000000000000000 0x0x0011223344556677 "fe80::1::2" "10.0.2.15 ")
if [ "$SRPT_IMPL" = ours ]; then
	# In-tree takes any even number of hex digits (up to 32, ignoring the
	# rest), "0x" alone, and x:x:x:x with short groups; ours only the
	# documented forms.
	bad_acls+=(0x 00112233445566 0011223344556677889900112233445566
		"${good_acls[1]}00" 1:2:3:4 0x0011223344556677x)
fi
for a in "${bad_acls[@]}"; do
	expect_mkdir_fails "$tpg/acls/$a" "Invalid argument"
done

# ---- mapped LUNs
map() {   # map ACL MAPPED_LUN TPG_LUN
	local ml=$tpg/acls/$1/lun_$2
	expect_mkdir_ok "$ml"
	ln -s "$tpg/lun/lun_$3" "$ml/map" || fail "cannot map lun_$3 as $1/lun_$2"
	expect_read "$ml/write_protect" 0 "write_protect of $1/lun_$2"
}
map "${good_acls[0]}" 0 0
map "${good_acls[0]}" 1 1
map "${good_acls[0]}" 2 2
map 1122:3344:5566:7788 0 2
map 10.0.2.15 5 1
map fe80::5054:ff:fe12:3456 0 0
expect_write_ok "$tpg/acls/10.0.2.15/lun_5/write_protect" 1
expect_read "$tpg/acls/10.0.2.15/lun_5/write_protect" 1
# A mapped LUN maps one TPG LUN.
if ln -s "$tpg/lun/lun_0" "$tpg/acls/${good_acls[0]}/lun_1/again" 2>/dev/null; then
	fail "a second TPG LUN could be linked into a mapped LUN"
fi

# ---- tear down in dependency order, checking each step
expect_write_ok "$tpg/enable" 0
for acl in "$tpg"/acls/*/; do
	acl=${acl%/}
	for ml in "$acl"/lun_*/; do
		[ -d "$ml" ] || continue
		ml=${ml%/}
		rm "$ml/map" || fail "rm mapped LUN link $ml/map"
		rmdir "$ml" || fail "rmdir mapped LUN $ml"
	done
	rmdir "$acl" || fail "rmdir ACL $acl"
done
[ -z "$(ls "$tpg/acls")" ] || fail "ACLs left: $(ls "$tpg/acls")"
for i in 0 1 2; do
	rm "$tpg/lun/lun_$i/${devs[$i]##*/}" || fail "rm LUN $i link"
	rmdir "$tpg/lun/lun_$i" || fail "rmdir lun_$i"
done
[ -z "$(ls "$tpg/lun")" ] || fail "LUNs left: $(ls "$tpg/lun")"
rmdir "$tpg" || fail "rmdir TPG"
rmdir "$port" || fail "rmdir port"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_bs_cleanup || fail "backstores still in use after removing the LUNs"
guest_unload_srpt || fail "unloading ib_srpt"
guest_rxe_down || fail "rxe down"
echo "ok: LUNs and ACLs ($SRPT_IMPL)"
