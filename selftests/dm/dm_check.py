#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the SRP target's device management (DM) answers byte for byte.

    dm_check.py DM_QUERY IBDEV PORT KEY=VALUE...

Sends every request of CASES with DM_QUERY (tools/dm-query) to IBDEV/PORT
and compares the whole 256-byte response MAD with one built here, from the
layouts of the InfiniBand Architecture Specification vol 1, 16.3 (Device
Management) and SRP r16a, independently of the kernel code.  The facts the
answers depend on come as KEY=VALUE arguments (see FACT_KEYS), and
ioc_present=0 (default 1) expects an IO unit whose slot 1 is empty: the
target's IB/CM listener does not run, so it offers no IOC.  srq=N (default
none) says that the TPG whose limits the profile reports receives through
a shared receive queue of N buffers, which bounds a login's credits.

Prints one "ok"/"not ok" line per case; exits 0 only if all matched.
"""
import struct
import subprocess
import sys

FACT_KEYS = ("guid", "vendor_id", "device_id", "hw_ver", "max_qp_wr",
             "max_qp_init_rd_atom", "send_size", "rdma_size", "sq_size",
             "id_string")

GET, SET, GET_RESP = 0x01, 0x02, 0x81
# MAD status: class-independent (IBA 13.4.7) and DM class-specific.
OK, UNSUP_METHOD_ATTR, INVALID_FIELD = 0x0000, 0x000C, 0x001C
NO_IOC, NO_SVC_ENTRIES = 0x0100, 0x0200
CPI, NOTICE, IOU_INFO, IOC_PROFILE, SVC_ENTRIES, DIAG_TIMEOUT = (
    0x0001, 0x0002, 0x0010, 0x0011, 0x0012, 0x0020)
FILL = 0xA5        # request padding; a reply must not echo it


def class_port_info(f):
    # BaseVersion, ClassVersion, CapabilityMask, CapabilityMask2:27 |
    # RespTimeValue:5 (18), then redirect and trap fields, all zero.
    return struct.pack(">BBHI", 1, 1, 0, 18)


def iou_info(f):
    # ChangeID 1, MaxControllers 1, flags 0; slot 1 holds an IOC (nibble
    # 1), every other nibble is "slot does not exist" (0xf).  Without the
    # IOC: ChangeID 2 and slot 1 empty (nibble 0).
    if not f["ioc_present"]:
        return struct.pack(">HBB", 2, 1, 0) + bytes([0x0F]) + b"\xff" * 127
    return struct.pack(">HBB", 1, 1, 0) + bytes([0x1F]) + b"\xff" * 127


def slot_of(attr_id, attr_mod):
    """The slot a profile or service entries request names, else None."""
    if attr_id == IOC_PROFILE:
        return attr_mod
    if attr_id == SVC_ENTRIES:
        return attr_mod >> 16
    return None


def ioc_profile(f):
    # SendMessageQueueDepth: the credits a login is granted (SRP r16a
    # 5.4.2): one per receive buffer, at most 512, the send queue one entry
    # below max_qp_wr (the drain's), and no more than an SRQ's buffers.
    depth = min(f["sq_size"], 512, f["max_qp_wr"] - 1)
    if f["srq"]:
        depth = min(depth, f["srq"])
    return struct.pack(
        ">QIIHHIIHHHHIHBBIIBBB9s64s",
        f["guid"], (f["vendor_id"] & 0xFFFFFF) << 8, f["device_id"],
        f["hw_ver"] & 0xFFFF, 0, 0, 0,
        0x0100, 0x609E, 0x0108, 0x0001,     # SRP IOClass/subclass/protocol
        0, depth, 0, min(16, f["max_qp_init_rd_atom"]),
        f["send_size"], f["rdma_size"],
        0x2B,                               # ST | SF | RF | WF
        0, 1, b"", f["id_string"].encode())


def svc_entry(f):
    name = "SRP.T10:%016x" % f["guid"]
    return struct.pack(">40sQ", name.encode(), f["guid"])


# (label, method, attr_id, attr_mod, status, data builder or None)
CASES = [
    ("Get(ClassPortInfo)", GET, CPI, 0, OK, class_port_info),
    ("Get(ClassPortInfo) modifier 1", GET, CPI, 1, INVALID_FIELD, None),
    ("Get(IOUnitInfo)", GET, IOU_INFO, 0, OK, iou_info),
    ("Get(IOUnitInfo) modifier 5", GET, IOU_INFO, 5, INVALID_FIELD, None),
    ("Get(IOControllerProfile) slot 1", GET, IOC_PROFILE, 1, OK, ioc_profile),
    ("Get(IOControllerProfile) slot 0", GET, IOC_PROFILE, 0, INVALID_FIELD, None),
    ("Get(IOControllerProfile) slot 2", GET, IOC_PROFILE, 2, INVALID_FIELD, None),
    ("Get(IOControllerProfile) slot 0x10000", GET, IOC_PROFILE, 0x10000,
     INVALID_FIELD, None),
    ("Get(ServiceEntries) slot 1 entries 0-0", GET, SVC_ENTRIES, 0x10000, OK,
     svc_entry),
    ("Get(ServiceEntries) slot 0", GET, SVC_ENTRIES, 0x00000, INVALID_FIELD, None),
    ("Get(ServiceEntries) slot 2", GET, SVC_ENTRIES, 0x20000, INVALID_FIELD, None),
    ("Get(ServiceEntries) entries 1-0", GET, SVC_ENTRIES, 0x10001, INVALID_FIELD,
     None),
    ("Get(ServiceEntries) entries 0-4 (five)", GET, SVC_ENTRIES, 0x10400,
     INVALID_FIELD, None),
    ("Get(ServiceEntries) entries 0-1", GET, SVC_ENTRIES, 0x10100, NO_SVC_ENTRIES,
     None),
    ("Get(ServiceEntries) entries 1-1", GET, SVC_ENTRIES, 0x10101, NO_SVC_ENTRIES,
     None),
    ("Get(Notice)", GET, NOTICE, 0, UNSUP_METHOD_ATTR, None),
    ("Get(DiagnosticTimeout)", GET, DIAG_TIMEOUT, 0, UNSUP_METHOD_ATTR, None),
    ("Get(0x0013)", GET, 0x0013, 0, UNSUP_METHOD_ATTR, None),
    ("Set(ClassPortInfo)", SET, CPI, 0, UNSUP_METHOD_ATTR, None),
    ("Set(IOUnitInfo)", SET, IOU_INFO, 0, UNSUP_METHOD_ATTR, None),
]


def expected(tid, method, attr_id, attr_mod, status, data):
    # Common MAD header, then the DM header's 40 reserved bytes, then 192
    # bytes of attribute data (zero beyond the attribute, all zero on error).
    hdr = struct.pack(">BBBBHHQHHI", 1, 0x06, 1, GET_RESP, status, 0, tid,
                      attr_id, 0, attr_mod)
    data = data or b""
    return hdr + bytes(40) + data + bytes(192 - len(data))


def query(dm_query, ibdev, port, method, attr_id, attr_mod, tid):
    cmd = [dm_query, "-d", ibdev, "-p", str(port), "-m", str(method),
           "-f", str(FILL), "-T", str(tid), str(attr_id), str(attr_mod)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if r.returncode:
        return None, "dm-query exit %d: %s" % (r.returncode, r.stderr.strip())
    out = r.stdout.strip()
    try:
        mad = bytes.fromhex(out)
    except ValueError:
        mad = b""
    if len(mad) != 256:
        return None, "dm-query printed no 256-byte MAD: %r" % out[:80]
    return mad, None


def diff(got, want):
    out = []
    for off in range(0, 256, 16):
        g, w = got[off:off + 16], want[off:off + 16]
        if g != w:
            out.append("  @%3d got  %s\n        want %s" % (off, g.hex(), w.hex()))
    return "\n".join(out)


def main():
    dm_query, ibdev, port = sys.argv[1:4]
    f = dict(a.split("=", 1) for a in sys.argv[4:])
    missing = [k for k in FACT_KEYS if k not in f]
    if missing:
        sys.exit("dm_check.py: missing facts: %s" % " ".join(missing))
    for k in FACT_KEYS:
        if k != "id_string":
            f[k] = int(f[k], 0)
    f["ioc_present"] = int(f.get("ioc_present", "1"), 0)
    f["srq"] = int(f.get("srq", "0"), 0)
    failed = 0
    for n, (label, method, attr_id, attr_mod, status, build) in enumerate(CASES):
        tid = 0x44D00000 + n
        # An empty slot 1: "IOC not responding", before any other check
        # of the request but the slot number.
        if not f["ioc_present"] and slot_of(attr_id, attr_mod) == 1:
            status, build = NO_IOC, None
        got, err = query(dm_query, ibdev, port, method, attr_id, attr_mod, tid)
        if got is None:
            print("not ok - %s: %s" % (label, err))
            failed += 1
            continue
        want = expected(tid, method, attr_id, attr_mod, status,
                        build(f) if build else None)
        # The upper half of the TID is the requesting agent's, set by the
        # kernel's MAD layer: take it from the response.
        want = want[:8] + got[8:12] + want[12:]
        if got == want:
            print("ok - %s: status 0x%04x" % (label, status))
        else:
            print("not ok - %s: response differs\n%s" % (label, diff(got, want)))
            failed += 1
    print("# %d of %d DM cases matched" % (len(CASES) - failed, len(CASES)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
