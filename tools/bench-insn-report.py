#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tools/bench-insn-report.py DIR: the instruction report of a
`tools/bench.sh --icount --insn` run.

Reads DIR/guest/bench/insn/ (tools/guest/bench.sh, insn_run: per run a
.meta and the plugin's counts, "vaddr insns executions" per translation
block of the guest kernel; per target its /proc/kallsyms) and writes
DIR/insn.json, DIR/insn.txt and DIR/insn-functions/<job>.txt: per 4 KiB
job, the guest kernel's executed instructions per I/O for the in-tree
ib_srpt and ours,

  target   in the target's modules (ib_srpt, target_core_*): their own
           instructions, not what they call in the kernel or rxe;
  ib_srpt  in the fabric driver alone;
  guest    in the whole guest kernel: initiator, target, rxe, block layer.
           The initiator's side is the same code doing the same I/O for
           both targets, so the difference ours - in-tree is what the
           target makes the kernel do, callees included,

and the geometric means of ours/in-tree over the read and the write jobs.
A block is counted whole each time it starts and a rep-prefixed string
instruction once per iteration (a 4 KiB memset is 4096). The module
figures repeat exactly from run to run; the guest figure does not (page
and slab zeroing, huge page clearing that happen to fall in the window),
so each job runs --insn-reps times and the report takes the smallest
guest figure, and shows the spread. With the geometric means of the
smallest figures it gives those of the means and a band: the lowest and
the highest ratio any pairing of the two targets' repetitions gives, per
job, combined over the jobs. Exits 1 if a job lacks either side.
"""

import bisect
import collections
import glob
import json
import os
import sys

from bench_common import finish_report, geomean, job_key, read_kv

TARGET_MODULES = ("ib_srpt", "target_core_")


class Symbols:
    """Text symbols of a guest's /proc/kallsyms, for address lookups."""

    def __init__(self, path):
        syms = []
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[1] in "tTwW":
                    mod = p[3].strip("[]") if len(p) > 3 else "vmlinux"
                    syms.append((int(p[0], 16), p[2], mod))
        syms.sort()
        self.starts = [s[0] for s in syms]
        self.syms = syms

    def lookup(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        return (self.syms[i][2], self.syms[i][1]) if i >= 0 else ("?", "?")


def thread_class(name):
    """Group a thread's name: kworker H(igh priority), kworker, ksoftirqd..."""
    if name.startswith("kworker/u"):
        return "kworker-u"
    if name.startswith("kworker/"):
        return "kworker-H" if "H" in name.split("-")[0] else "kworker"
    if name.startswith("ksoftirqd/"):
        return "ksoftirqd"
    return "other"


def read_ctxsw(meta):
    """Context switches in the run by thread_class(), or None if not taken:
    threads seen before and after the window, and those born in it."""
    base = meta[:-len(".meta")]
    snaps = []
    for which in ("before", "after"):
        try:
            with open(f"{base}.ctxsw-{which}") as f:
                snaps.append({p[0]: (p[1], int(p[2]) + int(p[3]))
                              for p in (line.split() for line in f) if len(p) == 4})
        except OSError:
            return None
    before, after = snaps
    c = collections.Counter()
    for path, (name, n) in after.items():
        c[thread_class(name)] += n - before.get(path, (name, 0))[1]
    return c


def read_run(meta, syms):
    """Instructions per I/O of one run, by module and by function."""
    kv = read_kv(meta)
    ios = int(kv["ios"])
    mods, funcs = collections.Counter(), collections.Counter()
    with open(meta[:-len(".meta")] + ".counts") as f:
        for line in f:
            addr, insns, runs = line.split()
            n = int(insns) * int(runs)
            mod, fn = syms.lookup(int(addr, 16))
            mods[mod] += n
            funcs[(mod, fn)] += n
    if ios <= 0 or not mods:
        return None
    ctxsw = read_ctxsw(meta)
    return {"job": kv["job"], "impl": kv["impl"], "rep": int(kv["rep"]), "ios": ios,
            "ctxsw": {k: v / ios for k, v in ctxsw.items()} if ctxsw is not None else None,
            "guest": sum(mods.values()) / ios,
            "target": sum(v for m, v in mods.items() if m.startswith(TARGET_MODULES)) / ios,
            "ib_srpt": mods["ib_srpt"] / ios,
            "modules": {m: v / ios for m, v in mods.items()},
            "funcs": {k: v / ios for k, v in funcs.items()}}


def pick(reps):
    """The run with the fewest guest instructions, and the guest spread."""
    best = min(reps, key=lambda r: r["guest"])
    spread = max(r["guest"] for r in reps) / best["guest"] - 1
    tspread = max(r["target"] for r in reps) / min(r["target"] for r in reps) - 1
    return best, spread, tspread


# Where the whole guest's difference between the targets lies: the fabric
# module, rxe, and the kernel split into the scheduler (how often threads
# sleep and wake, which varies from run to run), memory zeroing and
# copying, and the rest.
SCHED_WORDS = ("sched", "switch", "psi_", "load_avg", "enqueue", "dequeue",
               "wake", "pick_next", "update_curr", "vruntime", "rq_clock",
               "preempt", "idle", "finish_task")
# Names with a scheduler word that are not the scheduler's: the tag pool's
# sbitmap_queue_wake_up() looks for waiters on the tag pool.
NOT_SCHED = ("sbitmap",)
MEM_WORDS = ("memset", "memcpy", "clear_page")


def category(mod, fn):
    """The part of the kernel a function's instructions are counted in."""
    if mod != "vmlinux":
        return {"ib_srpt": "ib_srpt", "rdma_rxe": "rxe"}.get(mod, "modules")
    if any(w in fn for w in SCHED_WORDS) and not fn.startswith(NOT_SCHED):
        return "sched"
    if any(w in fn for w in MEM_WORDS):
        return "mem"
    return "kernel"


def categories(run):
    """Instructions per I/O of one run by category()."""
    c = collections.Counter()
    for (mod, fn), v in run["funcs"].items():
        c[category(mod, fn)] += v
    return c


def write_functions(top, job, a, b):
    """Both targets' functions side by side, largest difference first."""
    os.makedirs(os.path.join(top, "insn-functions"), exist_ok=True)
    keys = set(a["funcs"]) | set(b["funcs"])
    rows = sorted(keys, key=lambda k: -abs(b["funcs"].get(k, 0) - a["funcs"].get(k, 0)))
    with open(os.path.join(top, "insn-functions", f"{job}.txt"), "w") as f:
        f.write(f"{job}: instructions per I/O by function (in-tree, ours, difference)\n")
        for k in rows:
            x, y = a["funcs"].get(k, 0), b["funcs"].get(k, 0)
            if max(x, y) < 1:
                continue
            f.write(f"{x:10.1f} {y:10.1f} {y - x:+10.1f}  {k[0]}:{k[1]}\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-insn-report.py DIR")
    top = sys.argv[1]
    insn = os.path.join(top, "guest/bench/insn")
    syms = {impl: Symbols(os.path.join(insn, f"{impl}.kallsyms"))
            for impl in ("intree", "ours") if os.path.exists(os.path.join(insn, f"{impl}.kallsyms"))}
    runs = collections.defaultdict(list)
    for meta in glob.glob(os.path.join(insn, "*.meta")):
        impl = read_kv(meta).get("impl")
        if impl not in syms:
            continue
        r = read_run(meta, syms[impl])
        if r:
            runs[(r["impl"], r["job"])].append(r)
    jobs = sorted({job for _, job in runs}, key=job_key)
    rows, ratios, missing = [], collections.defaultdict(lambda: collections.defaultdict(list)), []
    for job in jobs:
        sides = (runs.get(("intree", job)), runs.get(("ours", job)))
        if not all(sides) or not all(min(r["target"] for r in s) > 0 for s in sides):
            missing.append(job)
            continue
        (a, sa, ta), (b, sb, tb) = pick(runs[("intree", job)]), pick(runs[("ours", job)])
        write_functions(top, job, a, b)
        row = {"job": job, "reps": min(len(runs[("intree", job)]), len(runs[("ours", job)]))}
        ca, cb = categories(a), categories(b)
        row["category_diff"] = {k: cb[k] - ca[k] for k in sorted(set(ca) | set(cb))}
        if a["ctxsw"] is not None and b["ctxsw"] is not None:
            row["ctxsw_intree"], row["ctxsw_ours"] = a["ctxsw"], b["ctxsw"]
        for what in ("target", "ib_srpt", "guest"):
            row[f"intree_{what}"] = a[what]
            row[f"ours_{what}"] = b[what]
        row["intree_guest_spread"], row["ours_guest_spread"] = sa, sb
        row["intree_target_spread"], row["ours_target_spread"] = ta, tb
        rw = job.split("-")[0]
        for what in ("target", "guest"):
            row[f"ratio_{what}"] = b[what] / a[what]
            ratios[what][rw].append(row[f"ratio_{what}"])
        ga = [r["guest"] for r in runs[("intree", job)]]
        gb = [r["guest"] for r in runs[("ours", job)]]
        row["ratio_guest_mean"] = (sum(gb) / len(gb)) / (sum(ga) / len(ga))
        row["ratio_guest_low"], row["ratio_guest_high"] = min(gb) / max(ga), max(gb) / min(ga)
        for what in ("mean", "low", "high"):
            ratios[f"guest_{what}"][rw].append(row[f"ratio_guest_{what}"])
        rows.append(row)
    summary = {what: {rw: geomean(v) for rw, v in d.items()} for what, d in ratios.items()}
    with open(os.path.join(top, "insn.json"), "w") as f:
        json.dump({"rows": rows, "geomean_ratio": summary, "missing": missing}, f, indent=1)
    out = []
    w = out.append
    w("Guest kernel instructions per I/O, counted exactly (qemu plugin, tools/qemu-insn):")
    w("target = executed in ib_srpt and target_core_* themselves; ib_srpt = the fabric")
    w("driver alone; guest = the whole guest kernel (initiator, target, rxe, block layer;")
    w("the initiator's part is the same for both targets, so guest ours - in-tree is what")
    w("the target costs the kernel, callees included). Smallest guest figure of the")
    w("repetitions; spread = how much the largest exceeded it (target spread in brackets).")
    w("")
    w(f"{'job':24}{'target in/ours':>17}{'ratio':>7}{'ib_srpt in/ours':>17}"
      f"{'guest in/ours':>17}{'ours-in':>9}{'ratio':>7}{'spread in/ours':>22}")
    for r in rows:
        w(f"{r['job']:24}{r['intree_target']:8.0f}/{r['ours_target']:<8.0f}{r['ratio_target']:7.3f}"
          f"{r['intree_ib_srpt']:8.0f}/{r['ours_ib_srpt']:<8.0f}"
          f"{r['intree_guest']:8.0f}/{r['ours_guest']:<8.0f}"
          f"{r['ours_guest'] - r['intree_guest']:+9.0f}{r['ratio_guest']:7.3f}"
          f"{100 * r['intree_guest_spread']:5.1f}%({100 * r['intree_target_spread']:.1f})/"
          f"{100 * r['ours_guest_spread']:.1f}%({100 * r['ours_target_spread']:.1f})")
    w("")
    cats = ("ib_srpt", "rxe", "modules", "sched", "mem", "kernel")
    w("Where the guest difference ours - in-tree lies, per I/O: ib_srpt, rxe, the other")
    w("modules, and the kernel's scheduler (sched), memset/memcpy/clear_page (mem), rest:")
    w(f"{'job':24}" + "".join(f"{k:>9}" for k in cats))
    for r in rows:
        w(f"{r['job']:24}" + "".join(f"{r['category_diff'].get(k, 0):+9.0f}" for k in cats))
    w("")
    classes = ("kworker-H", "kworker", "kworker-u", "ksoftirqd", "other")
    if any("ctxsw_ours" in r for r in rows):
        w("Context switches per I/O by thread (in-tree/ours; threads that ended in the")
        w("window, fio's among them, are not counted):")
        w(f"{'job':24}" + "".join(f"{k:>14}" for k in classes))
        for r in rows:
            if "ctxsw_ours" in r:
                w(f"{r['job']:24}" + "".join(
                    f"{r['ctxsw_intree'].get(k, 0):7.2f}/{r['ctxsw_ours'].get(k, 0):<6.2f}"
                    for k in classes))
        w("")
    for what, label in (("target", "the target modules' own instructions"),
                        ("guest", "the whole guest kernel's instructions")):
        for rw in ("randread", "randwrite"):
            g = summary.get(what, {}).get(rw)
            if g is not None:
                w(f"geometric mean ours/in-tree, {label}, 4 KiB {rw}: {g:.3f}")
    for rw in ("randread", "randwrite"):
        if rw in summary.get("guest_mean", {}):
            w(f"whole guest, 4 KiB {rw}, over all repetitions: mean "
              f"{summary['guest_mean'][rw]:.3f}, band {summary['guest_low'][rw]:.3f}"
              f" to {summary['guest_high'][rw]:.3f}")
    return finish_report(top, "insn.txt", out, missing, rows,
                         "a side has no counted run")


if __name__ == "__main__":
    sys.exit(main())
