#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn this tree into a git-format-patch series against a kernel's source
# (Debian's linux-source-<series>), ready for `git am` in a kernel tree:
#
#   tools/mk-patch-series.sh [-k SERIES] [-o OUTDIR]
#
# SERIES is the kernel the series is for: 6.12 (the default, or
# $SRPT_SERIES_KERNEL), the newest kernel we support and the closest to
# what an upstream submission is read against, or 6.1 (Debian 12's stock
# kernel). The source is /usr/src/linux-source-SERIES.tar.xz; everything
# goes to build/patch-series/SERIES/, the patches to its out/ (or OUTDIR).
#
# The series replaces the in-tree drivers/infiniband/ulp/srpt/ driver (same
# module name ib_srpt, same configfs fabric "srpt"):
#
#   1-6  add the new implementation file by file (header and module core,
#        logins, I/O path, TMF and target requests, configfs, device
#        management). These files are not built yet: until patch 7 the old
#        driver is what CONFIG_INFINIBAND_SRPT builds, so every step of the
#        series builds and has a working SRP target (bisectable).
#   7    switch Kconfig/Makefile to the new files and delete the old driver.
#   8    Documentation/infiniband/srpt*.rst, their index.rst entries and the
#        F: line for them in the existing MAINTAINERS entry.
#
# The cover letter explains this choice. drivers/infiniband/Kconfig and
# drivers/infiniband/ulp/Makefile already source/descend into srpt/, so they
# are not touched. The patches are made in a scratch git repository that
# holds only the kernel files the series changes, taken unmodified from the
# tarball, so their "index" lines name the same blobs as a kernel tree and
# `git am -3` works there too. Author and Signed-off-by are the git identity
# of whoever runs this (git config user.name/user.email in this checkout).
#
# One source tree builds out of tree for every kernel we support: where an
# API differs, the top-level Kbuild tests the kernel's headers and defines
# SRPT_HAVE_<feature> for the driver's #ifdefs. A kernel tree has no use for
# such tests, so the series resolves them for its kernel: Kbuild's own tests
# are evaluated against the tarball's headers, and unifdef(1) keeps the
# branch that kernel takes (-D) or drops it (-U). No SRPT_HAVE_ is left in
# the series; a driver #ifdef on a symbol Kbuild never defines fails this
# script. Comments about the compatibility itself sit on the #ifdef/#else
# lines, which unifdef removes together with them.
#
# Every file of the driver directory and every Documentation/infiniband/
# file must be claimed by one patch below; a new file makes this script fail
# until it is added to a patch. The series' final tree is compared with
# this tree, #ifdefs resolved (that resolved tree is kept in
# build/patch-series/SERIES/final/ for tools/check-patch-series.sh). The
# documentation's out-of-tree-only parts (between the RST comments
# "srpt-out-of-tree-begin" and "srpt-out-of-tree-end": DKMS and this
# script) are left out of the kernel version.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
series=${SRPT_SERIES_KERNEL:-6.12}
out=
while [ $# -gt 0 ]; do
	case $1 in
	-k) series=$2; shift 2 ;;
	-o) out=$(realpath -m "$2"); shift 2 ;;
	*) echo "usage: $0 [-k 6.1|6.12] [-o OUTDIR]" >&2; exit 2 ;;
	esac
done
case $series in
6.1 | 6.12) ;;
*) echo "mk-patch-series: no series for kernel '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac
work=$top/build/patch-series/$series
out=${out:-$work/out}
srcname=linux-source-$series

drv=drivers/infiniband/ulp/srpt
doc=Documentation/infiniband
# Kernel files the series changes or deletes, as in the tarball.
base_files=(
	"$drv/Kconfig" "$drv/Makefile" "$drv/ib_srpt.c" "$drv/ib_srpt.h"
	"$drv/ib_dm_mad.h" "$doc/index.rst" MAINTAINERS
)
old_driver=("$drv/ib_srpt.c" "$drv/ib_srpt.h" "$drv/ib_dm_mad.h")

# --- the pristine kernel files --------------------------------------------
tarball=/usr/src/$srcname.tar.xz
[ -r "$tarball" ] || { echo "mk-patch-series: no $tarball (apt-get install $srcname)" >&2; exit 1; }
src_ver=$(dpkg-query -W -f='${Version}' "$srcname" 2>/dev/null || echo unknown)
# The kernel files Kbuild's feature tests read ($(srctree)/...), where the
# kernel has them: a missing one is an answer too.
mapfile -t probe_files < <(grep -o '\$(srctree)/[^ )]*' "$top/Kbuild" | sed 's|^\$(srctree)/||' | sort -u)
base=$work/base-files
stamp="$tarball $src_ver ${probe_files[*]}"
if [ ! -e "$base/.extracted" ] || [ "$(cat "$base/.extracted")" != "$stamp" ]; then
	rm -rf "$base"
	mkdir -p "$base"
	# One pass over the tarball: every base file must be there, a probed
	# one need not.
	python3 - "$tarball" "$base" "$srcname" "${#base_files[@]}" \
		"${base_files[@]}" "${probe_files[@]}" <<'EOF'
import os, sys, tarfile
tb, dest, top, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
need = set(sys.argv[5:5 + n])
want = need | set(sys.argv[5 + n:])
found = set()
with tarfile.open(tb, 'r|xz') as t:
    for m in t:
        if not m.name.startswith(top + '/'):
            continue
        name = m.name[len(top) + 1:]
        if name in want and m.isfile():
            os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(dest, name), 'wb') as f:
                f.write(t.extractfile(m).read())
            found.add(name)
missing = need - found
if missing:
    sys.exit('mk-patch-series: not in %s: %s' % (tb, ' '.join(sorted(missing))))
EOF
	echo "$stamp" >"$base/.extracted"
fi

# --- the out-of-tree feature tests, resolved for this kernel --------------
# What the top-level Kbuild defines when built against this source.
kbuild_defs=$(printf 'srpt-print-defs:\n\t@echo $(subdir-ccflags-y)\n' |
	make -s --no-print-directory -f "$top/Kbuild" -f - srctree="$base" srpt-print-defs)
mapfile -t known < <(grep -o -- '-DSRPT_HAVE_[A-Za-z0-9_]*' "$top/Kbuild" | sed 's/^-D//' | sort -u)
mapfile -t used < <(cd "$top" && git ls-files "$drv" | grep '\.[ch]$' |
	xargs grep -ohw 'SRPT_HAVE_[A-Za-z0-9_]*' | sort -u)
unifdef_args=()
resolved=()
for sym in "${used[@]}"; do
	[[ " ${known[*]} " == *" $sym "* ]] ||
		{ echo "mk-patch-series: $drv uses $sym, which the top-level Kbuild never defines" >&2; exit 1; }
	if [[ " $kbuild_defs " == *" -D$sym "* ]]; then
		unifdef_args+=("-D$sym")
		resolved+=("$sym")
	else
		unifdef_args+=("-U$sym")
		resolved+=("!$sym")
	fi
done
command -v unifdef >/dev/null || { echo "mk-patch-series: no unifdef (apt-get install unifdef)" >&2; exit 1; }
# The driver as the kernel tree gets it.
final=$work/final
rm -rf "$final"
for f in $(cd "$top" && git ls-files "$drv"); do
	mkdir -p "$final/$(dirname "$f")"
	case $f in
	*.[ch])
		# -x 2: exit status 0 whether or not anything changed, 2 on
		# trouble (an unbalanced #if, say).
		unifdef -x 2 "${unifdef_args[@]}" -o "$final/$f" "$top/$f" ||
			{ echo "mk-patch-series: unifdef failed on $f" >&2; exit 1; }
		if grep -n 'SRPT_HAVE_' "$final/$f" >&2; then
			echo "mk-patch-series: $f still names SRPT_HAVE_ after unifdef" >&2
			exit 1
		fi
		;;
	*) cp "$top/$f" "$final/$f" ;;
	esac
done

# --- which patch carries which file ---------------------------------------
# Fail on a driver or documentation file no patch claims.
claimed=(
	"$drv/Kconfig" "$drv/Makefile" "$drv/srpt.h" "$drv/srpt_main.c"
	"$drv/srpt_proto.h" "$drv/srpt_proto.c" "$drv/srpt_ch.c" "$drv/srpt_cm.c"
	"$drv/srpt_io.c"
	"$drv/srpt_tmf.c" "$drv/srpt_msg.c"
	"$drv/srpt_configfs.c" "$drv/srpt_dm.c" "$drv/srpt_dm_proto.c"
	"$drv/srpt_dm_wire.h" "$doc/srpt.rst"
	"$doc/srpt-design.rst"
	# About this project's tools, not the kernel's: never in the series.
	"$doc/srpt-testing.rst" "$doc/srpt-performance.rst"
)
unclaimed=$(cd "$top" && git ls-files "$drv" "$doc" | grep -vxF -f <(printf '%s\n' "${claimed[@]}") || true)
if [ -n "$unclaimed" ]; then
	echo "mk-patch-series: files no patch carries (add them to a patch in $0):" >&2
	echo "$unclaimed" >&2
	exit 1
fi

# --- scratch repository ---------------------------------------------------
repo=$work/repo
rm -rf "$repo"
mkdir -p "$repo"
cd "$repo"
git init -q -b series .
name=$(git -C "$top" config user.name) || { echo "mk-patch-series: set git config user.name" >&2; exit 1; }
email=$(git -C "$top" config user.email) || { echo "mk-patch-series: set git config user.email" >&2; exit 1; }
git config user.name "$name"
git config user.email "$email"
(cd "$base" && cp --parents "${base_files[@]}" "$repo/")
git add -A
GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z" git commit -q -m "base: Debian $srcname $src_ver"
git tag -f srpt-base >/dev/null

# put FILE...: copy FILEs of the driver, as resolved for this kernel, into
# the scratch repository.
put() {
	local f
	for f in "$@"; do
		mkdir -p "$(dirname "$f")"
		cp "$final/$f" "$f"
		git add "$f"
	done
}

# put_doc FILE...: like put, without the out-of-tree-only blocks.
put_doc() {
	local f
	for f in "$@"; do
		mkdir -p "$(dirname "$f")"
		python3 - "$top/$f" "$f" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'\n*^\.\. srpt-out-of-tree-begin$.*?^\.\. srpt-out-of-tree-end$\n?',
	      '\n', text, flags=re.M | re.S)
open(sys.argv[2], 'w').write(text.rstrip('\n') + '\n')
EOF
		git add "$f"
	done
}

# commit SUBJECT: commit what is staged, message body on stdin.
commit() {
	local subject=$1
	git diff --cached --quiet && { echo "mk-patch-series: '$subject' is empty" >&2; exit 1; }
	{ echo "$subject"; echo; cat; } | git commit -q -s -F -
}

put "$drv/srpt.h" "$drv/srpt_main.c" "$drv/srpt_proto.h" "$drv/srpt_proto.c"
commit "RDMA/srpt: add the types and module core of a new SRP target" <<'EOF'
This is the first part of a new implementation of the SCSI RDMA Protocol
target, written from scratch, that replaces the current ib_srpt. It keeps
the module name (ib_srpt), the configfs fabric name (srpt), the target
port names, the configfs attributes and the module parameters that
targetcli-fb and rtslib-fb use, so existing configurations keep working.

srpt.h holds the driver's shared types with their locking and lifetime
rules, in one section per file; srpt_proto.h the protocol's own.
srpt_proto.c reads and writes SRP information units on plain buffers,
with no RDMA device or target_core object, so that it can be tested on
its own. srpt_main.c holds the module parameters, the ib_client
that creates an srpt_device per RDMA device, the binding of configfs
target ports to the RDMA ports that carry their GUID/GID (a port survives
the removal and return of its device, e.g. an HCA reset), and the
target_core fabric ops.

The new files are not built until the patch that switches the Makefile
over, so that every step of this series still builds the current driver.
EOF

put "$drv/srpt_ch.c" "$drv/srpt_cm.c"
commit "RDMA/srpt: logins and channels over IB/CM and RDMA/CM" <<'EOF'
An SRP_LOGIN_REQ arrives as the private data of an IB/CM REQ or of an
RDMA/CM CONNECT_REQUEST. Both are turned into one login structure and go
through one login path that validates the request (SRP r16a 6.2, 5.6.2),
looks up the TPG and ACL, builds the RC channel with its completion queue
(from the CQ pool, or its own where a pool CQ would not be shared or the
TPG's comp_v_mask leaves out some vectors) on the next completion vector
of that mask, its receive ring or one of the device's shared receive
queues, and answers with SRP_LOGIN_RSP or SRP_LOGIN_REJ. Single and
multichannel sessions are supported.

srpt_ch.c owns the channel: its state, its resources and its release.
A channel is freed only by its release work, queued once when it starts
closing; CM ids are destroyed from that work and never under srpt_mutex.
EOF

put "$drv/srpt_io.c"
commit "RDMA/srpt: the SRP_CMD I/O path" <<'EOF'
Take parsed SRP_CMDs (srpt_proto.c checks direct and indirect data
descriptors and immediate data), fetch descriptor tables that are in
initiator memory with an RDMA READ, hand the command to target_core,
move the data with the RDMA R/W API and send SRP_RSP with the sense data
and residuals.

Send queue entries are reserved before each post; a command that finds
too few waits on the channel and is posted by the completion that frees
space, so the send queue cannot overflow. Credits are returned in the
REQ LIMIT DELTA of every response (SRP r16a 5.4.2).
EOF

put "$drv/srpt_tmf.c" "$drv/srpt_msg.c"
commit "RDMA/srpt: task management, SRP_T_LOGOUT and SRP_CRED_REQ" <<'EOF'
SRP_TSK_MGMT becomes a target_core TMR whose result is returned as an
SRP_RSP with response data (SRP r16a 6.7, 6.9).

The target-initiated requests: SRP_T_LOGOUT tells the initiator why the
target disconnects a channel, and SRP_CRED_REQ returns credits when no
SRP_RSP will carry them. Each channel preallocates one buffer for each so
that neither depends on a free send context.
EOF

put "$drv/srpt_configfs.c"
commit "RDMA/srpt: the configfs control plane" <<'EOF'
The srpt fabric in configfs: target ports named by port GUID or GID,
TPGs, LUNs and ACLs named by the 128-bit initiator port identifier (or,
for RDMA/CM logins on a GUID-named port, by the initiator's IP address),
the TPG attributes srp_max_rdma_size, srp_max_rsp_size, srp_sq_size,
use_srq and comp_v_mask, the ACL info file that lists an initiator's
logins, and discovery_auth/rdma_cm_port. Every malformed or out-of-range
write fails with -EINVAL and leaves the old value in place.
EOF

put "$drv/srpt_dm.c" "$drv/srpt_dm_proto.c" "$drv/srpt_dm_wire.h"
commit "RDMA/srpt: the device management agent for target discovery" <<'EOF'
One device management agent per port with a GSI QP answers what ibsrpdm
and srp_daemon ask (IBA vol 1, 16.3): ClassPortInfo, IOUnitInfo with one
IOC, IOControllerProfile and the service entry "SRP.T10:<id_ext>", with
the DM-defined status for unsupported attributes and out-of-range
controllers or slots. The response is built from a snapshot of the
port's facts, apart from the MAD layer.
EOF

git rm -q "${old_driver[@]}"
put "$drv/Kconfig" "$drv/Makefile"
commit "RDMA/srpt: build the new implementation, remove the old one" <<'EOF'
Switch CONFIG_INFINIBAND_SRPT (still module ib_srpt) to the files added
by the previous patches and remove the old ib_srpt.c, ib_srpt.h and
ib_dm_mad.h.

The user-visible interface stays: the configfs fabric "srpt", target port
names, TPG and ACL attributes, and the module parameters srp_max_req_size,
srpt_srq_size and srpt_service_guid. The RDMA/CM listener port can be set
both as before in discovery_auth/rdma_cm_port and with the new module
parameter rdma_cm_port.
EOF

put_doc "$doc/srpt.rst" "$doc/srpt-design.rst"
python3 - "$doc/index.rst" srpt srpt-design <<'EOF'
# Add toctree entries in sorted position to the first toctree.
import sys
path, names = sys.argv[1], sys.argv[2:]
lines = open(path).read().split('\n')
start = lines.index('.. toctree::')
i = start + 1
while not lines[i].strip() or lines[i].lstrip().startswith(':'):
	i += 1
end = i
while end < len(lines) and lines[end].startswith('   ') and lines[end].strip():
	end += 1
entries = sorted(set([l.strip() for l in lines[i:end]] + names))
lines[i:end] = ['   ' + e for e in entries]
open(path, 'w').write('\n'.join(lines))
EOF
python3 - MAINTAINERS <<'EOF'
# Add F: Documentation/infiniband/srpt*.rst to the SRP target entry.
import sys
path = sys.argv[1]
text = open(path).read()
entry = 'SCSI RDMA PROTOCOL (SRP) TARGET\n'
start = text.index(entry)
end = text.index('\n\n', start)
block = text[start:end].split('\n')
block.append('F:\tDocumentation/infiniband/srpt*.rst')
head = [l for l in block if not l.startswith('F:')]
files = sorted(l for l in block if l.startswith('F:'))
text = text[:start] + '\n'.join(head + files) + text[end:]
open(path, 'w').write(text)
EOF
git add "$doc/index.rst" MAINTAINERS
commit "Documentation/infiniband: document ib_srpt" <<'EOF'
srpt.rst is the administrator's guide: targetcli, every configfs
attribute and module parameter, how initiators are named and matched,
logins over IB/CM and RDMA/CM, and troubleshooting. srpt-design.rst
describes the objects, locks and lifetimes and the I/O path for those
who work on the driver. Add both to the InfiniBand index and to the
driver's MAINTAINERS entry.
EOF

# --- the series' final state must be this tree (#ifdefs resolved) ---------
for f in $(cd "$top" && git ls-files "$drv"); do
	cmp -s "$final/$f" "$f" || { echo "mk-patch-series: $f differs from the tree" >&2; exit 1; }
done
left=$(git ls-files "$drv" | grep -vxF -f <(cd "$top" && git ls-files "$drv") || true)
[ -z "$left" ] || { echo "mk-patch-series: left in $drv: $left" >&2; exit 1; }

# --- format ----------------------------------------------------------------
rm -rf "$out"
git -c core.abbrev=12 format-patch -q --cover-letter --no-signature -o "$out" srpt-base..series
n=$(ls "$out"/*.patch | wc -l)
cover=$(ls "$out"/0000-*.patch)
blurb=$work/cover-blurb.txt
# The hostile initiator's named cases (tools/srp-initiator/cases.c).
n_cases=$(grep -cE '^	\{ "[a-z_0-9]+", "[a-z]+", ' "$top/tools/srp-initiator/cases.c")
cat >"$blurb" <<EOF
This series replaces the SCSI RDMA Protocol target driver (ib_srpt) with
a new implementation written from scratch. It is a LIO fabric module that
exports target_core backstores to SRP initiators over InfiniBand, RoCE and
iWARP, with logins over both IB/CM and RDMA/CM through one login path,
single and multichannel sessions, immediate data (also with an SRQ),
direct and indirect data descriptors including descriptor tables in
initiator memory, task management, SRP_T_LOGOUT and SRP_CRED_REQ, and
target ports that stay configured while their RDMA device goes away and
comes back. The module name, the configfs fabric name, port naming,
attributes and module parameters of the current driver are kept, so
targetcli-fb/rtslib-fb configurations keep working.

Why a replacement
=================

Three problems of the current driver, each with what the new one does
and how that is tested. "Measured" means seen in a qemu guest on
soft-RoCE (rdma_rxe); "read" means found in the source and not run.

1. One malformed SRP_CMD oopses the target host (measured on 6.12, read
   on 6.1). When srpt_get_desc_tbl() refuses the data descriptors,
   srpt_handle_cmd() answers with target_send_busy() before
   target_init_cmd() has set cmd->se_tfo, and target_send_busy() calls
   cmd->se_tfo->queue_status() through a NULL pointer, in the completion
   work. On Debian's 6.12.118 (6.12.118-1~deb12u1) with its own ib_srpt,
   one logged-in initiator sent a READ(10) SRP_CMD with an indirect
   data-in descriptor whose table length is 16400 bytes (1025
   descriptors) and DATA-IN DESCRIPTOR COUNT 0:

     ib_srpt received unsupported SRP_CMD request type (0 out + 0 in != 16400 / 16)
     ib_srpt 0x5441470001000006: parsing SRP descriptor table failed.
     BUG: kernel NULL pointer dereference, address: 00000000000000c0
     Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI
     CPU: 0 UID: 0 PID: 66 Comm: kworker/0:1H Not tainted 6.12.118+deb12-amd64 #1  Debian 6.12.118-1~deb12u1
     Workqueue: ib-comp-wq ib_cq_poll_work [ib_core]
     RIP: 0010:target_send_busy+0x24/0x80 [target_core_mod]
     Call Trace:
      srpt_handle_new_iu+0x5a7/0x850 [ib_srpt]
      __ib_process_cq+0x7b/0x170 [ib_core]
      ib_cq_poll_work+0x2a/0x80 [ib_core]
     note: kworker/0:1H[66] exited with irqs disabled

   after which the channel answered nothing (a TEST UNIT READY neither)
   and could not be closed any more
   ("srpt_disconnect_ch_sync(10.0.2.15-18 state 3): still waiting ..."
   every 5 s). Every descriptor the parser refuses takes this path. In
   the same run a READ whose indirect table has length 0 was answered
   GOOD without moving any data or reporting a residual.
   linux-source-6.1 (6.1.192-3) has the same srpt_handle_cmd(),
   srpt_get_desc_tbl() and target_send_busy(); it was not run there.

   A well-behaved initiator reaches the same Oops (measured on 6.12):
   srpt_get_desc_tbl() also fails with -EAGAIN when rdma_rw_ctx_init()
   finds the QP's MR pool empty, which MR mode (iWARP always, or ib_core's
   force_mr=1) makes routine. With force_mr=1, srp_sq_size 16 and the
   kernel's ib_srp doing 128 KiB random reads and writes at queue depth
   32 on two channels, the in-tree driver oopsed in target_send_busy()
   (the same trace, without the "parsing failed" line, which -EAGAIN
   skips) 3 s into the I/O, and every outstanding command then timed out
   in the initiator (DID_TIME_OUT after 374 s).

   The new driver checks every descriptor (direct, indirect, tables in
   initiator memory, immediate data; sums with check_add_overflow())
   before the command reaches target_core, and answers a malformed one
   with CHECK CONDITION, ILLEGAL REQUEST, 0e/03, or with the SRP_T_LOGOUT
   reason SRP r16a 6.5 gives. Tested with a userspace SRP initiator on
   rdma-core that sends hand-built IUs ($n_cases cases; the one above among
   them, answered 05/0e/03) and checks every answer byte for byte, then
   that a fresh login still does I/O, that no channel, QP or CM id was
   left behind and that the kernel log shows no splat; and with a seeded
   fuzzer of logins and IUs. An empty MR pool is a queue-full retry in the
   new driver: the I/O above (force_mr=1, srp_sq_size 16, ib_srp) verifies
   with crc32c and ends with ib_srp's req_lim where it started, on 6.1 and
   6.12.

2. Credits are lost under send-queue pressure (read, 6.1 and 6.12 have
   the same code). srpt_queue_response() builds the SRP_RSP first,
   taking the credits owed to the initiator with
   atomic_xchg(&ch->req_lim_delta, 0), and only then reserves send queue
   entries; when there are too few it logs "IB send queue full (needed
   N)" and drops the response: the command is never answered and the
   credits it carried are gone.

   In the new driver the send queue has one owner: every work request
   (RDMA transfers, descriptor table reads, SRP_RSP, SRP_T_LOGOUT,
   SRP_CRED_REQ) takes its entries before it is posted, a chain that finds
   too few waits on the channel, behind those already waiting, and is
   posted by the completion that frees them; the credits go into an
   SRP_RSP only when it is really posted. Tested with ib_srp and
   srp_sq_size at its minimum (16 entries, 16 credits): two channels of
   128 KiB random reads and writes at queue depth 32 with crc32c
   verification, then the default size with 1 MiB I/O; every I/O
   verifies and ib_srp's req_lim ends at its value after login (16). The
   same test measured the loss on an earlier version of the new driver
   (req_lim 8-9 of 16), so it catches it.

3. targetcli shows no SRP sessions (read, 6.1 and 6.12). The driver's
   fabric ops have no ACL attributes, so there is no <acl>/info file;
   rtslib-fb's NodeACL reads its session from that file, and without it
   "targetcli sessions" lists none while initiators are logged in.

   The new driver's ACL info file has the format rtslib-fb parses: the
   session, its state, and each channel with its address, credits,
   commands in flight and send queue. Tested with one and with two
   channels logged in through ib_srp and after logout, by reading the
   file and "targetcli sessions detail".

How the series is laid out
==========================

Patches 1-6 add the new files in reviewable pieces without building
them, patch 7 switches the Kconfig/Makefile of
drivers/infiniband/ulp/srpt/ to them and deletes the old files in the
same step, and patch 8 adds the documentation. The old driver is not
removed first because then patches 1-6 would leave kernels without an
SRP target in the middle of the series; this way every commit builds
and provides an ib_srpt module, and the switch is a single commit that
is easy to revert. drivers/infiniband/Kconfig and
drivers/infiniband/ulp/Makefile already refer to srpt/ and are unchanged.

Testing
=======

Based on Debian's $srcname ($src_ver).
Each step builds with W=1 without warnings (make
M=drivers/infiniband/ulp/srpt after modules_prepare with Debian's
$series configuration), and that tree's scripts/checkpatch.pl --strict
is clean on every patch; the final driver is clean under sparse and
coccicheck. It was tested in qemu with
soft-RoCE (rdma_rxe) on Debian's 6.1 and 6.12 kernels, with the kernel's
ib_srp initiator logging in over RDMA/CM: single and multichannel
logins and login rejects, fio I/O with data verification on several
backstores, with and without an SRQ, teardown under I/O, RDMA device
removal under I/O, and a targetcli save/clear/restore round trip; with
the hostile initiator and fuzzer above; and with a test initiator
module for IB/CM logins on soft-RoCE. It has not been tested on
InfiniBand hardware.
EOF
python3 - "$cover" "$blurb" <<'EOF'
import sys
path, blurb = sys.argv[1], open(sys.argv[2]).read().rstrip('\n')
text = open(path).read()
text = text.replace('*** SUBJECT HERE ***', 'RDMA/srpt: a new SRP target driver')
text = text.replace('*** BLURB HERE ***', blurb)
open(path, 'w').write(text)
EOF
echo "mk-patch-series: $((n - 1)) patches and a cover letter in $out (base: $srcname $src_ver; resolved: ${resolved[*]:-nothing})"
