#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tools/bench-mem-report.py DIR: the report of one tools/bench.sh --memory run.

Reads DIR/host.txt, DIR/guest/bench-mem/guest.txt and
DIR/guest/bench-mem/memory.json (written by tools/guest/bench-mem.sh) and
writes DIR/memory.json (the host and guest context and every measurement)
and DIR/memory.txt (the table: target, use_srq, channels, KiB per channel,
login time).  Uses only Debian's python3.
"""

import importlib.util
import json
import os
import sys

LABEL = {"ours": "ours", "intree": "in-tree", "nvmet": "nvmet-rdma"}


def _bench_report():
    """tools/bench-report.py as a module (its name is not an identifier)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-report.py")
    spec = importlib.util.spec_from_file_location("bench_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# The same key=value reader as the IOPS report's (host.txt, guest.txt).
read_kv = _bench_report().read_kv


def table(rows):
    out = ["target      use_srq  channels  sessions  KiB/channel  KiB/added ch"
           "  Slab KiB  Vmalloc KiB  login s"]
    for r in rows:
        name = LABEL.get(r["target"], r["target"])
        if r.get("skipped"):
            out.append(f"{name:<11} {r['use_srq']:>7}  {r['channels']:>8}  "
                       f"skipped: {r['skipped']} (needs ~{r['need_kib'] // 1024} MiB, "
                       f"{r['mem_available_kib'] // 1024} MiB available)")
            continue
        added = r["kib_per_added_channel"]
        added = "-" if added is None else str(added)
        out.append(f"{name:<11} {r['use_srq']:>7}  {r['channels']:>8}  {r['sessions']:>8}  "
                   f"{r['kib_per_channel']:>11}  {added:>12}  "
                   f"{r['slab_kib']:>8}  {r['vmalloc_kib']:>11}  {r['login_s']:>7.1f}")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-mem-report.py DIR")
    top = sys.argv[1]
    gdir = os.path.join(top, "guest", "bench-mem")
    with open(os.path.join(gdir, "memory.json")) as f:
        rows = json.load(f)
    host = read_kv(os.path.join(top, "host.txt"))
    guest = read_kv(os.path.join(gdir, "guest.txt"))
    with open(os.path.join(top, "memory.json"), "w") as f:
        json.dump({"host": host, "guest": guest, "measurements": rows}, f, indent=1)
        f.write("\n")
    lines = [
        f"# {guest.get('kernel', '?')}, {guest.get('vcpus', '?')} vCPUs, "
        f"MemTotal {int(guest.get('mem_kb', 0)) // 1024} MiB, our module at {host.get('git', '?')}",
        "# KiB/channel: MemAvailable lost since before the first login, per channel"
        " (initiator, rxe and target);",
        "# KiB/added ch: MemAvailable lost since the first session was in, per channel"
        " added since (one more channel's cost);",
        "# Slab, Vmalloc: their growth since before the first login (KiB, all channels);",
        "# login s: add_target / nvme connect until every disk appeared, all sessions.",
    ]
    lines += table(rows)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(top, "memory.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
