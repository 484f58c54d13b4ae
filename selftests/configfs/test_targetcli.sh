#!/bin/bash
# test_targetcli: the stock administration tools drive the srpt fabric.
# targetcli-fb creates a ramdisk backstore, an srpt target named
# ib.<GID hex> (rtslib-fb's "ib" WWN type; configfs 0x<GID hex>/tpgt_1), a
# LUN and an ACL with its auto-mapped LUN; "targetcli ls" shows them;
# "targetcli saveconfig" writes them to /etc/rtslib-fb-target/saveconfig.json;
# "targetctl clear" removes them from configfs, and "targetctl restore"
# rebuilds a configfs tree identical (every readable attribute, every link)
# to the one that was saved, including a non-default TPG attribute.
# Ours: the default attrib/comp_v_mask is saved as "all", and a mask saved
# on a host with more CPUs (wider than this one's nr_cpu_ids bits)
# restores, without the vectors this host cannot have and with a kernel
# log line saying so.
#
# Runs against SRPT_IMPL=ours|intree (default ours).
# selftest-timeout: 900
set -euo pipefail
source "$(dirname "$0")/common.sh"

SAVE=/etc/rtslib-fb-target/saveconfig.json
DUMP1=/tmp/srpt-cfs-before.txt
DUMP2=/tmp/srpt-cfs-after.txt

command -v targetcli >/dev/null || fail "targetcli not installed (apt-get install targetcli-fb)"
command -v targetctl >/dev/null || fail "targetctl not installed (python3-rtslib-fb)"

srpt_rxe_up
guest_load_srpt "$SRPT_IMPL" || fail "guest_load_srpt $SRPT_IMPL"
guest_start_dbus || fail "dbus"
export HOME=/root TERM=dumb
mkdir -p "$HOME"
rm -f "$SAVE"

# tcli ARGS...: one non-interactive targetcli command; fails the test if
# targetcli fails or reports an error.
tcli() {
	local out
	out=$(targetcli "$@" </dev/null 2>&1) || fail "targetcli $* failed: $out"
	printf '%s\n' "$out" | sed 's/^/#   /'
	! grep -qiE '^(error|[^:]*error:)' <<<"$out" || fail "targetcli $* reported: $out"
}

# dump_cfs: every directory, link (with its target) and readable attribute
# of the LIO configfs tree (core/ and srpt/), sorted.  Excludes statistics
# and the HBA/device "info" files, which carry run-time counters and indexes.
dump_cfs() {
	local p v
	find "$CFS_TARGET/core" "$SRPT_CFS" \
		\( -name statistics -o -name fabric_statistics \) -prune -o -print |
		LC_ALL=C sort | while read -r p; do
		case ${p##*/} in
		info|hba_info) continue ;;
		esac
		if [ -L "$p" ]; then
			echo "L $p -> $(readlink "$p")"
		elif [ -d "$p" ]; then
			echo "D $p"
		elif v=$(cat "$p" 2>/dev/null | tr -d '\0'); then
			echo "F $p = $(printf '%s' "$v" | tr '\n' '|')"
		else
			echo "F $p (unreadable)"
		fi
	done
}

wwn=ib.${SRPT_PORT_GID_HEX#0x}
initiator=ib.0000000000000000505400fffe4a0b7b
port=$SRPT_CFS/$SRPT_PORT_GID_HEX
tpg=$port/tpgt_1

tcli /backstores/ramdisk create r0 64M
tcli /srpt create "$wwn"
[ -d "$tpg" ] || fail "targetcli did not create $tpg"
tcli "/srpt/$wwn/luns" create /backstores/ramdisk/r0
tcli "/srpt/$wwn/acls" create "$initiator"
[ -d "$tpg/lun/lun_0" ] || fail "no lun/lun_0 after luns create"
acl=$tpg/acls/0x${initiator#ib.}
[ -d "$acl" ] || fail "no ACL directory $acl"
[ -d "$acl/lun_0" ] || fail "ACL has no auto-mapped lun_0"
# A non-default attribute, to see it survive the save/restore round trip.
expect_write_ok "$tpg/attrib/srp_sq_size" 2048
expect_read "$tpg/enable" 1 "TPG enabled by targetcli"

ls_out=$(targetcli ls </dev/null 2>&1) || fail "targetcli ls failed: $ls_out"
printf '%s\n' "$ls_out" | sed 's/^/#   /'
grep -q "o- srpt " <<<"$ls_out" || fail "targetcli ls shows no srpt fabric"
grep -qF "o- $wwn " <<<"$ls_out" || fail "targetcli ls does not show target $wwn"
grep -qF "o- $initiator " <<<"$ls_out" || fail "targetcli ls does not show ACL $initiator"
grep -qF "o- lun0 " <<<"$ls_out" || fail "targetcli ls does not show lun0"

tcli saveconfig
[ -s "$SAVE" ] || fail "targetcli saveconfig wrote no $SAVE"
python3 - "$SAVE" "$wwn" "$initiator" "$SRPT_IMPL" <<'EOF' || fail "saveconfig.json lacks the srpt target"
import json, sys
cfg = json.load(open(sys.argv[1]))
t = [t for t in cfg["targets"] if t["fabric"] == "srpt" and t["wwn"] == sys.argv[2]]
assert len(t) == 1, cfg["targets"]
tpg = t[0]["tpgs"][0]
assert tpg["tag"] == 1 and tpg["enable"], tpg
assert [a["node_wwn"] for a in tpg["node_acls"]] == [sys.argv[3]], tpg["node_acls"]
assert len(tpg["luns"]) == 1, tpg["luns"]
assert tpg["attributes"]["srp_sq_size"] == 2048, tpg["attributes"]
if sys.argv[4] == "ours":
    assert tpg["attributes"]["comp_v_mask"] == "all", tpg["attributes"]
EOF
dump_cfs >"$DUMP1"
grep -q "^D $tpg/lun/lun_0$" "$DUMP1" || fail "dump misses the LUN"

targetctl clear || fail "targetctl clear"
leftover=$(find "$SRPT_CFS" -mindepth 1 -maxdepth 1 -type d ! -name discovery_auth)
[ -z "$leftover" ] || fail "targetctl clear left: $leftover"
[ -z "$(find "$CFS_TARGET/core" -mindepth 1 -maxdepth 1 -name 'rd_mcp_*')" ] ||
	fail "targetctl clear left the ramdisk HBA"

targetctl restore || fail "targetctl restore"
[ -d "$acl/lun_0" ] || fail "restore did not recreate the mapped LUN"
dump_cfs >"$DUMP2"
if [ -d "${RESULTS:-}" ]; then
	mkdir -p "$RESULTS/tests"
	cp "$DUMP1" "$RESULTS/tests/targetcli-cfs-$SRPT_IMPL.txt" || true
fi
if ! diff -u "$DUMP1" "$DUMP2" >/tmp/srpt-cfs.diff; then
	sed 's/^/#   /' /tmp/srpt-cfs.diff
	fail "configfs tree after targetctl restore differs from the saved one"
fi
echo "# $(wc -l <"$DUMP1") configfs entries identical after restore"

if [ "$SRPT_IMPL" = ours ]; then
	# A mask of 160 vectors, as saved where nr_cpu_ids is 160: restored
	# here as the vectors this host can have, all of them.
	targetctl clear || fail "targetctl clear before restoring a wide mask"
	python3 - "$SAVE" <<'EOF' || fail "cannot edit $SAVE"
import json, sys
cfg = json.load(open(sys.argv[1]))
for t in cfg["targets"]:
    if t["fabric"] == "srpt":
        t["tpgs"][0]["attributes"]["comp_v_mask"] = ",".join(["ffffffff"] * 5)
json.dump(cfg, open(sys.argv[1], "w"), indent=2)
EOF
	guest_dmesg_mark
	targetctl restore || fail "targetctl restore of a comp_v_mask wider than this host's"
	possible=$(cat /sys/devices/system/cpu/possible)
	nbits=$((${possible##*-} + 1))
	# The all-ones mask of nbits bits as the kernel prints it (%*pb).
	want=$(python3 -c '
import sys
n = int(sys.argv[1]); words = []
while n > 0:
    b = n % 32 or 32
    words.append("%0*x" % ((b + 3) // 4, (1 << b) - 1)); n -= b
print(",".join(words))' "$nbits")
	expect_read "$tpg/attrib/comp_v_mask" "$want" "comp_v_mask restored from 160 bits on $nbits"
	expect_dmesg "ib_srpt: comp_v_mask: '(ffffffff,){4}ffffffff': ignoring the completion vectors above $((nbits - 1))" \
		"kernel log: the vectors above this host's dropped"
fi

targetctl clear || fail "final targetctl clear"
rmdir "$SRPT_CFS" || fail "rmdir $SRPT_CFS"
guest_bs_cleanup || fail "backstore cleanup"
guest_unload_srpt || fail "unloading ib_srpt"
echo "ok: targetcli/targetctl round trip ($SRPT_IMPL)"
