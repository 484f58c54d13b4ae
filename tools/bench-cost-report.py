#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tools/bench-cost-report.py DIR: the target-cost report of a
`tools/bench.sh --target-cost` run.

Reads DIR/guest/bench/cost/ (tools/guest/bench.sh, cost_run: per run a
.meta, the guest's /proc/modules and a perf.data with call chains; and the
guest kernel's symbols, kallsyms) and writes DIR/cost.json and
DIR/cost.txt: per 4 KiB job, the target's CPU per I/O for the in-tree
ib_srpt and ours, their ratio with its sampling error, and the geometric
means of the ratio over the read jobs and over the write jobs (issue 20's
target: at or below 1).  Exits 1 if a job lacks either side.

A cpu-clock sample is the target's when its call chain, read from the
sampled address towards the thread's root, reaches an address inside one
of the target's modules (ib_srpt, target_core_*: the fabric driver,
target_core and the iblock backend, with everything they call, brd and
rxe's post verbs included) before one inside an interrupt or softirq
entry.  So the target's work counts in whatever thread it runs (work
queues, softirq completions), and neither softirq work that merely
interrupted it (rxe's packet processing for both ends) nor the
initiator's kblockd work in the same kworkers does; the kworker thread
times of tools/bench-report.py include both.  Under --icount a sample
stands for 125e6/HZ instructions: the figure is an instruction count up
to the sampling error (1/sqrt(samples)).  Uses Debian's python3 and the
host's perf (perf script with raw addresses: no symbols needed).
"""

import bisect
import glob
import json
import math
import os
import re
import subprocess
import sys

from bench_common import finish_report, geomean, job_key, read_kv

TARGET_MODULES = ("ib_srpt", "target_core_")
# Where interrupt and softirq work starts on a kernel stack (6.1 and 6.12).
IRQ_ENTRIES = {"asm_sysvec_apic_timer_interrupt", "asm_sysvec_call_function_single",
               "asm_sysvec_reschedule_ipi", "asm_common_interrupt", "common_interrupt",
               "irq_exit_rcu", "__irq_exit_rcu", "__do_softirq", "handle_softirqs",
               "do_softirq", "run_ksoftirqd"}
IRQ_PREFIXES = ("asm_sysvec_", "sysvec_", "__sysvec_")


def irq_ranges(kallsyms):
    """Sorted [start, end) of the kernel's interrupt and softirq entries.
    A range ends at the next symbol at a higher address: a section start
    (__softirqentry_text_start) shares __do_softirq's address."""
    syms = []
    with open(kallsyms) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[1] in "tTwW":
                syms.append((int(w[0], 16), w[2]))
    syms.sort()
    addrs = [a for a, _ in syms]
    ranges = []
    for addr, name in syms:
        name = re.sub(r"(\.(cold|part|isra|constprop)(\.\d+)?)+$", "", name)
        if addr and (name in IRQ_ENTRIES or name.startswith(IRQ_PREFIXES)):
            i = bisect.bisect_right(addrs, addr)
            if i < len(addrs):
                ranges.append((addr, addrs[i]))
    return sorted(set(ranges))


def module_ranges(modules, syms=None):
    """[start, end) of the target modules' code: from the run's kallsyms
    copy when there is one (since 6.4 /proc/modules gives the text's start
    with the size of all of a module's sections, which are allocated
    apart), else from its copy of /proc/modules (6.1: one allocation)."""
    if syms is not None and syms.addrs:
        ranges = []
        for i, name in enumerate(syms.names):
            mod = name.rsplit(" ", 1)[-1].strip("[]") if name.endswith("]") else ""
            if mod.startswith(TARGET_MODULES):
                end = syms.addrs[i + 1] if i + 1 < len(syms.addrs) else syms.addrs[i] + 1
                ranges.append((syms.addrs[i], end))
        return merge(ranges)
    ranges = []
    with open(modules) as f:
        for line in f:
            w = line.split()
            if len(w) >= 6 and w[0].startswith(TARGET_MODULES):
                start = int(w[5], 16)
                if start:
                    ranges.append((start, start + int(w[1])))
    return sorted(ranges)


def merge(ranges):
    """Sorted ranges with touching or overlapping ones joined."""
    out = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def in_ranges(ranges, starts, ip):
    i = bisect.bisect_right(starts, ip) - 1
    return i >= 0 and ip < ranges[i][1]


class Symbols:
    """Address to "function [module]" from a copy of /proc/kallsyms."""

    def __init__(self, path):
        syms = []
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    w = line.split()
                    if len(w) >= 3 and w[1] in "tTwW" and w[0].strip("0"):
                        name = w[2] + (" " + w[3] if len(w) > 3 else "")
                        syms.append((int(w[0], 16), name))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def name(self, ip):
        i = bisect.bisect_right(self.addrs, ip) - 1
        return self.names[i] if i >= 0 else hex(ip)


def classify(data, mod, irq, t_a, t_b, syms=None, breakdown=None):
    """(samples, idle samples, target samples) of one perf.data, counting
    only the samples taken from t_a to t_b (seconds, the samples' clock).
    With syms, breakdown (two dicts) counts each target sample under its
    sampled function ("self") and under the target's outermost function in
    its chain ("entry": which path of the target it was on)."""
    mstarts, istarts = [m[0] for m in mod], [r[0] for r in irq]
    total = idle = target = 0
    chain = []
    state = None  # None: outside a sample or the window; "open": undecided; "done"
    out = subprocess.run(["perf", "script", "--force", "-i", data, "-F", "comm,time,ip"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if not line.strip():
            continue
        if line[0] not in " \t":
            if state == "target":
                _count_target(chain, mod, mstarts, syms, breakdown)
                state = "done"
            # "comm  123.456789:" (a comm may contain spaces)
            t = float(line.rstrip().rsplit(None, 1)[-1].rstrip(":"))
            if not t_a <= t <= t_b:
                state = None
                continue
            total += 1
            if line.startswith("swapper"):
                idle += 1
            state = "open"
            chain = []
            continue
        if state == "open":
            ip = int(line.split()[0], 16)
            chain.append(ip)
            if in_ranges(mod, mstarts, ip):
                target += 1
                state = "target" if breakdown is not None else "done"
            elif in_ranges(irq, istarts, ip):
                state = "done"
        elif state == "target":
            ip = int(line.split()[0], 16)
            if in_ranges(irq, istarts, ip):
                state = "done"
                _count_target(chain, mod, mstarts, syms, breakdown)
            else:
                chain.append(ip)
    if state == "target":
        _count_target(chain, mod, mstarts, syms, breakdown)
    return total, idle, target


def _count_target(chain, mod, mstarts, syms, breakdown):
    """Count one target sample (its chain up to an interrupt entry or the
    root) in breakdown[0] by its sampled function, breakdown[1] by the
    outermost function of the target's modules."""
    self_name = syms.name(chain[0])
    entry = [ip for ip in chain if in_ranges(mod, mstarts, ip)][-1]
    for d, k in ((breakdown[0], self_name), (breakdown[1], syms.name(entry))):
        d[k] = d.get(k, 0) + 1


def read_cost(meta, irq, symdir):
    """A run's meta with its sample counts; its breakdown by function goes
    to symdir/<id>.txt when the guest saved the impl's kallsyms."""
    kv = read_kv(meta)
    base = meta[:-len(".meta")]
    if not (os.path.exists(base + ".perf.data") and os.path.exists(base + ".modules")
            and "t_a" in kv and "t_b" in kv):
        return kv
    ksyms = os.path.join(os.path.dirname(meta), kv.get("impl", "") + ".kallsyms")
    syms = Symbols(ksyms) if os.path.exists(ksyms) else None
    breakdown = ({}, {}) if syms else None
    n, idle, target = classify(base + ".perf.data", module_ranges(base + ".modules", syms),
                               irq, float(kv["t_a"]), float(kv["t_b"]), syms, breakdown)
    kv.update(samples=n, samples_idle=idle, samples_target=target)
    if breakdown:
        ios = max(int(kv.get("ios", 0)), 1)
        scale = 1e6 / int(kv["freq"]) / ios
        os.makedirs(symdir, exist_ok=True)
        with open(os.path.join(symdir, kv["id"] + ".txt"), "w") as f:
            f.write(f"# {kv['id']}: {target} target samples, {ios} I/Os; "
                    "us per I/O (x125 = instructions under --icount)\n")
            for title, d in (("by the target's outermost function (its path)", breakdown[1]),
                             ("by the sampled function (self)", breakdown[0])):
                f.write(f"\n# {title}\n")
                for name, cnt in sorted(d.items(), key=lambda x: -x[1])[:40]:
                    f.write(f"{cnt * scale:8.2f} {cnt:6}  {name}\n")
    return kv


def per_io(c):
    """(CPU us per I/O, busy us per I/O, samples) of one run, or None."""
    ios, freq = int(c.get("ios", 0)), int(c.get("freq", 0))
    target = int(c.get("samples_target", 0))
    busy = int(c.get("samples", 0)) - int(c.get("samples_idle", 0))
    if ios <= 0 or freq <= 0 or target <= 0:
        return None
    return target / freq / ios * 1e6, busy / freq / ios * 1e6, target


def coverage(c):
    """Samples over window x rate: the vCPUs, if no sample was lost."""
    span = float(c["t_b"]) - float(c["t_a"])
    return int(c["samples"]) / span / int(c["freq"]) if span > 0 else 0.0


def cs(v):
    return "-" if v is None else f"{v:.2f}"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-cost-report.py DIR")
    top = sys.argv[1]
    runs = {}
    cost = os.path.join(top, "guest/bench/cost")
    irq = irq_ranges(os.path.join(cost, "kallsyms"))
    if not irq:
        sys.exit("bench-cost-report: no interrupt entries in the guest's kallsyms")
    for path in glob.glob(os.path.join(cost, "*.meta")):
        c = read_cost(path, irq, os.path.join(top, "cost-functions"))
        runs[(c.get("impl"), c.get("job"))] = c
    jobs = sorted({job for _, job in runs}, key=job_key)
    rows, ratios, missing = [], {"randread": [], "randwrite": []}, []
    for job in jobs:
        a, b = runs.get(("intree", job)), runs.get(("ours", job))
        pa, pb = (per_io(a) if a else None), (per_io(b) if b else None)
        if not pa or not pb:
            missing.append(job)
            continue
        ratio = pb[0] / pa[0]
        # Relative error of a ratio of two Poisson counts.
        err = ratio * math.sqrt(1 / pa[2] + 1 / pb[2])
        ratios.setdefault(job.split("-")[0], []).append(ratio)
        rows.append({"job": job, "intree_us_per_io": pa[0], "ours_us_per_io": pb[0],
                     "ratio": ratio, "ratio_err": err,
                     "intree_samples": pa[2], "ours_samples": pb[2],
                     "intree_busy_us_per_io": pa[1], "ours_busy_us_per_io": pb[1],
                     "intree_ios": int(a["ios"]), "ours_ios": int(b["ios"]),
                     "intree_cover": coverage(a), "ours_cover": coverage(b),
                     "intree_ctxt_per_io": int(a["ctxt"]) / int(a["ios"]) if "ctxt" in a else None,
                     "ours_ctxt_per_io": int(b["ctxt"]) / int(b["ios"]) if "ctxt" in b else None})
    summary = {rw: geomean(v) for rw, v in ratios.items() if v}
    freq = next(iter(runs.values())).get("freq") if runs else "?"
    secs = next(iter(runs.values())).get("secs") if runs else "?"
    with open(os.path.join(top, "cost.json"), "w") as f:
        json.dump({"rows": rows, "geomean_ratio": summary, "missing": missing,
                   "freq": freq, "secs": secs}, f, indent=1)
    out = []
    w = out.append
    w("Target CPU per I/O: perf samples in the target's code (ib_srpt, target_core_*,")
    w("and what they call, in any thread, not counting interrupts and softirqs that")
    w(f"hit it), over the I/Os completed in the window; -F {freq}, {secs} s per job;")
    w("us of guest CPU (under --icount: x125 = instructions). busy = all non-idle")
    w("samples per I/O (the whole guest, for context). +- = the ratio's sampling")
    w("error (1 sigma).")
    w("cover = samples / (window x rate): the vCPUs (1 under --icount) if none was lost.")
    w("cs/IO = the guest's context switches per I/O (/proc/stat ctxt), in-tree/ours.")
    w("")
    w(f"{'job':24}{'in-tree':>9}{'ours':>9}{'ours/in-tree':>14}{'+-':>7}"
      f"{'samples':>14}{'busy in/ours':>16}{'cover':>10}{'cs/IO':>11}")
    for r in rows:
        w(f"{r['job']:24}{r['intree_us_per_io']:9.1f}{r['ours_us_per_io']:9.1f}"
          f"{r['ratio']:14.3f}{r['ratio_err']:7.3f}"
          f"{r['intree_samples']:>7}/{r['ours_samples']:<6}"
          f"{r['intree_busy_us_per_io']:8.0f}/{r['ours_busy_us_per_io']:<7.0f}"
          f"{r['intree_cover']:5.2f}/{r['ours_cover']:<5.2f}"
          f"{cs(r['intree_ctxt_per_io']):>5}/{cs(r['ours_ctxt_per_io']):<5}")
    w("")
    for rw in ("randread", "randwrite"):
        g = summary.get(rw)
        if g is None:
            continue
        verdict = "met" if g <= 1.0 else "not met"
        w(f"geometric mean ours/in-tree over the 4 KiB {rw} jobs: {g:.3f} "
          f"(target <= 1: {verdict})")
    return finish_report(top, "cost.txt", out, missing, rows,
                         "a side has no samples or no I/O")


if __name__ == "__main__":
    sys.exit(main())
