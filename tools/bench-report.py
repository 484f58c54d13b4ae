#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tools/bench-report.py DIR: the report of one tools/bench.sh run.

Reads DIR/host.txt, DIR/guest/bench/guest.txt and DIR/guest/bench/runs/
(written by tools/guest/bench.sh) and writes DIR/results.json (every
run, the medians over rounds, the per-round ratios and the targets),
DIR/results.txt (the readable table) and DIR/results.png (the chart).

Uses only Debian's python3 and python3-matplotlib.  Aggregation: every
metric is the median over the rounds of the boot; every ratio is computed
within each round (ours in round r over in-tree in round r) and the median
of those per-round ratios is reported, with their minimum and maximum.
"""

import glob
import json
import math
import os
import shlex
import statistics
import sys

USER_HZ = 100  # /proc/stat unit

SRP_CONFIGS = ["intree-brd", "ours-brd", "nvmet-brd", "intree-rd", "ours-rd"]
LABEL = {
    "intree-brd": "in-tree ib_srpt (brd)",
    "ours-brd": "our ib_srpt (brd)",
    "nvmet-brd": "nvmet-rdma (brd)",
    "intree-rd": "in-tree ib_srpt (rd_mcp)",
    "ours-rd": "our ib_srpt (rd_mcp)",
}


def read_kv(path):
    """key=value lines, several per line allowed, shell quoting."""
    kv = {}
    if not os.path.exists(path):
        return kv
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                words = shlex.split(line)
            except ValueError:
                words = []
            if len(words) > 1 and all("=" in w and w.split("=", 1)[0].isidentifier()
                                      for w in words):
                for w in words:
                    k, v = w.split("=", 1)
                    kv[k] = v
            elif len(words) == 1 and "=" in words[0]:
                k, v = words[0].split("=", 1)
                kv[k] = v
            elif "=" in line:
                k, v = line.split("=", 1)
                kv[k] = v
    return kv


def read_guest_info(path):
    info = {"rounds_order": []}
    if not os.path.exists(path):
        return info
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("round="):
                r, order = line.split(" order=", 1)
                info["rounds_order"].append({"round": int(r[6:]), "order": order.split()})
            elif line.startswith("quick="):
                for w in line.split():
                    k, v = w.split("=", 1)
                    info[k] = v
            elif "=" in line:
                k, v = line.split("=", 1)
                info[k] = v
    return info


def job_sort_key(job):
    rw, bs, qd, nj = job.split("-")
    order = {"randread": 0, "randwrite": 1, "read": 2, "write": 3}
    return (int(nj[2:]), int(bs[:-1]), order.get(rw, 9), int(qd[2:]))


def cpu_window(meta):
    """CPU per I/O in the window [a, b] of one run (empty if not sampled)."""
    if "uptime_b" not in meta or "stat_a" not in meta:
        return {}
    sa = [int(x) for x in meta["stat_a"].split()[1:]]
    sb = [int(x) for x in meta["stat_b"].split()[1:]]
    ds = [b - a for a, b in zip(sa, sb)]
    # user nice system idle iowait irq softirq steal
    busy = ds[0] + ds[1] + ds[2] + ds[5] + ds[6] + ds[7]
    total = busy + ds[3] + ds[4]
    da = [int(x) for x in meta["disk_a"].split()]
    db = [int(x) for x in meta["disk_b"].split()]
    ios = (db[0] - da[0]) + (db[4] - da[4])
    window = float(meta["uptime_b"]) - float(meta["uptime_a"])
    # Kernel threads: "pid:kind:ns" at a and b; a thread new at b counts
    # from zero, one gone at b is lost (rare: idle kworkers live 5 min).
    tha = {w.split(":")[0]: int(w.split(":")[2]) for w in meta.get("threads_a", "").split()}
    kdelta = {"kw": 0, "si": 0}
    for w in meta.get("threads_b", "").split():
        pid, kind, ns = w.split(":")
        kdelta[kind] += int(ns) - tha.get(pid, 0)
    cpu = {"window_s": window, "ios": ios}
    if ios > 0 and total > 0:
        per = 1e6 / USER_HZ / ios  # jiffies -> us per I/O
        cpu.update({
            "guest_busy_frac": busy / total,
            "total_us_per_io": busy * per,
            "user_us_per_io": (ds[0] + ds[1]) * per,
            "system_us_per_io": ds[2] * per,
            "softirq_us_per_io": (ds[5] + ds[6]) * per,
            "kworker_us_per_io": kdelta["kw"] / 1000 / ios,
            "ksoftirqd_us_per_io": kdelta["si"] / 1000 / ios,
            "window_iops": ios / window if window > 0 else None,
        })
    return cpu


def fio_run(meta, fio_path):
    """One measured fio run: fio's numbers plus the CPU window."""
    with open(fio_path) as f:
        text = f.read()
    # fio may print warnings before the JSON document.
    j = json.loads(text[text.index("{"):])["jobs"][0]
    d = j["read"] if j["read"]["io_bytes"] else j["write"]
    lat = d.get("lat_ns", {}).get("percentile") or d["clat_ns"]["percentile"]
    run = {
        "id": meta["id"],
        "round": int(meta["round"]),
        "config": meta["config"],
        "job": meta["job"],
        "rw": meta["rw"], "bs": meta["bs"], "qd": int(meta["qd"]), "nj": int(meta["nj"]),
        "queue_depth": meta.get("queue_depth"),
        "window": meta.get("window", "after-ramp"),
        "iops": d["iops"],
        "mib_s": d["bw_bytes"] / 2**20,
        "p50_us": lat["50.000000"] / 1000,
        "p99_us": lat["99.000000"] / 1000,
        "p99.9_us": lat.get("99.900000", 0) / 1000,
        "fio_error": j.get("error", 0),
        "fio_ios": d["total_ios"],
    }
    run["cpu"] = cpu_window(meta)
    # rxe under TCG stalls for seconds now and then (a retransmission
    # timeout): a window in which the disk completed less than a quarter of
    # fio's average rate says more about the stall than about CPU per I/O.
    wi = run["cpu"].get("window_iops")
    if wi is not None and wi < 0.25 * run["iops"]:
        run["cpu"] = {"window_s": run["cpu"]["window_s"], "ios": run["cpu"]["ios"],
                      "excluded": f"stalled window: {wi:.0f} IOPS vs fio's {run['iops']:.0f}"}
    run["events"] = {k[3:]: int(v) for k, v in meta.items() if k.startswith("ev_")}
    return run


def perftest_run(path, rnd, tool):
    """The result line of a perftest client log."""
    rows = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 4 and all(x.replace(".", "", 1).isdigit() for x in w):
                rows.append([float(x) for x in w])
    if not rows:
        return None
    r = rows[-1]
    out = {"round": rnd, "tool": tool, "bytes": int(r[0]), "iterations": int(r[1])}
    if tool.endswith("_bw"):
        # perftest's "MB/sec" divides by 2^20.
        out["mib_s"] = r[3]
        out["peak_mib_s"] = r[2]
    else:
        # t_min t_max t_typical t_avg t_stdev p99 p99.9 (one way: RTT/2)
        out.update({"min_us": r[2], "typical_us": r[4], "avg_us": r[5],
                    "p99_us": r[7] if len(r) > 7 else None})
    return out


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


METRICS = [
    ("iops", lambda r: r["iops"]),
    ("mib_s", lambda r: r["mib_s"]),
    ("p50_us", lambda r: r["p50_us"]),
    ("p99_us", lambda r: r["p99_us"]),
    ("cpu_total_us_per_io", lambda r: r["cpu"].get("total_us_per_io")),
    ("cpu_kworker_us_per_io", lambda r: r["cpu"].get("kworker_us_per_io")),
    ("cpu_softirq_us_per_io", lambda r: r["cpu"].get("softirq_us_per_io")),
    ("cpu_ksoftirqd_us_per_io", lambda r: r["cpu"].get("ksoftirqd_us_per_io")),
    ("guest_busy_frac", lambda r: r["cpu"].get("guest_busy_frac")),
]


def paired_ratio(runs, num_cfg, den_cfg, job, metric):
    """Per-round ratios num/den of one metric for one job."""
    fn = dict(METRICS)[metric]
    by = {}
    for r in runs:
        if r["job"] == job and r["config"] in (num_cfg, den_cfg):
            by.setdefault(r["round"], {})[r["config"]] = fn(r)
    vals = [v[num_cfg] / v[den_cfg] for v in by.values()
            if v.get(num_cfg) and v.get(den_cfg)]
    return stats(vals)


def limit_ratio(runs, limits, cfg, job, tool, key):
    """Per-round ratio of a run's MiB/s (or p50) to the same round's perftest."""
    vals = []
    for r in runs:
        if r["config"] != cfg or r["job"] != job:
            continue
        lim = [x for x in limits if x["round"] == r["round"] and x["tool"] == tool]
        if lim and lim[0].get(key):
            v = r["mib_s"] if key == "mib_s" else r["p50_us"]
            vals.append(v / lim[0][key])
    return stats(vals)


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, dict):
        v = v["median"]
    return f"{v:.{digits}f}"


def fmt_ratio(s):
    if not s:
        return "-"
    if s["n"] > 1:
        return f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"
    return f"{s['median']:.2f}"


def spread(s):
    if not s or s["n"] < 2 or not s["median"]:
        return "-"
    return f"{100 * (s['max'] - s['min']) / s['median']:.0f}%"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-report.py DIR")
    top = sys.argv[1]
    bench = os.path.join(top, "guest", "bench")
    host = read_kv(os.path.join(top, "host.txt"))
    guest = read_guest_info(os.path.join(bench, "guest.txt"))
    load = []
    lp = os.path.join(top, "host-load.txt")
    if os.path.exists(lp):
        with open(lp) as f:
            load = [float(line.split()[1]) for line in f if len(line.split()) >= 2]

    runs, limits, failed = [], [], []
    for mp in sorted(glob.glob(os.path.join(bench, "runs", "*.meta"))):
        meta = read_kv(mp)
        fp = mp[:-5] + ".fio.json"
        if meta.get("fio_rc") != "0" or not os.path.exists(fp):
            failed.append(meta.get("id", os.path.basename(mp)))
            continue
        try:
            runs.append(fio_run(meta, fp))
        except (KeyError, ValueError, IndexError) as e:
            failed.append(f"{meta.get('id')}: {e}")
    for lp in sorted(glob.glob(os.path.join(bench, "runs", "r*-limit-*.perftest.log"))):
        base = os.path.basename(lp)
        rnd = int(base[1:base.index("-")])
        tool = base.split("-limit-")[1].split(".")[0]
        p = perftest_run(lp, rnd, tool)
        if p:
            limits.append(p)
        else:
            failed.append(base)

    configs = [c for c in SRP_CONFIGS if any(r["config"] == c for r in runs)]
    jobs = {c: sorted({r["job"] for r in runs if r["config"] == c}, key=job_sort_key)
            for c in configs}

    summary = {}
    for c in configs:
        summary[c] = {}
        for job in jobs[c]:
            rs = [r for r in runs if r["config"] == c and r["job"] == job]
            summary[c][job] = {m: stats([fn(r) for r in rs]) for m, fn in METRICS}
            summary[c][job]["events"] = {
                k: sum(r["events"].get(k, 0) for r in rs)
                for k in sorted({k for r in rs for k in r["events"]})}
    lim_summary = {}
    for tool in sorted({x["tool"] for x in limits}):
        xs = [x for x in limits if x["tool"] == tool]
        lim_summary[tool] = {k: stats([x.get(k) for x in xs])
                             for k in ("mib_s", "typical_us", "p99_us") if any(k in x for x in xs)}

    ratios = {}
    for bs in ("brd", "rd"):
        ours, intree = f"ours-{bs}", f"intree-{bs}"
        if ours not in summary:
            continue
        for job in jobs[ours]:
            key = f"{bs}/{job}"
            ratios[key] = {}
            if intree in summary:
                for m in ("iops", "mib_s", "p50_us", "p99_us", "cpu_total_us_per_io",
                          "cpu_kworker_us_per_io"):
                    ratios[key][f"ours/intree {m}"] = paired_ratio(runs, ours, intree, job, m)
            if bs == "brd" and "nvmet-brd" in summary:
                ratios[key]["ours/nvmet iops"] = paired_ratio(runs, ours, "nvmet-brd", job, "iops")
            rw = job.split("-")[0]
            if rw in ("read", "write"):
                for tool in ("ib_read_bw", "ib_write_bw"):
                    ratios[key][f"ours/{tool} mib_s"] = limit_ratio(runs, limits, ours, job,
                                                                    tool, "mib_s")
            if "-qd1-" in job:
                ratios[key]["ours/ib_send_lat p50"] = limit_ratio(runs, limits, ours, job,
                                                                  "ib_send_lat", "typical_us")

    # The targets.
    targets = []

    def target(name, key, metric, op, thr):
        s = ratios.get(key, {}).get(metric)
        met = None
        if s:
            met = s["median"] >= thr if op == ">=" else s["median"] <= thr
        targets.append({"target": name, "job": key, "ratio": metric, "threshold": f"{op} {thr}",
                        "measured": s, "met": met})

    for bs in ("brd", "rd"):
        for nj in (1, 2):
            for rw in ("randread", "randwrite"):
                target(f"4 KiB {rw} IOPS at qd32, ours/in-tree", f"{bs}/{rw}-4k-qd32-nj{nj}",
                       "ours/intree iops", ">=", 1.25)
        for nj in (1, 2):
            for rw in ("randread", "randwrite"):
                target(f"qd1 p50 latency ({rw}), ours/in-tree", f"{bs}/{rw}-4k-qd1-nj{nj}",
                       "ours/intree p50_us", "<=", 0.9)
        for nj in (1, 2):
            target("128 KiB seq read, ours/ib_read_bw", f"{bs}/read-128k-qd16-nj{nj}",
                   "ours/ib_read_bw mib_s", ">=", 0.9)
        for nj in (1, 2):
            for rw in ("randread", "randwrite"):
                target(f"target CPU per I/O (kworker time, 4 KiB {rw} qd32), ours/in-tree",
                       f"{bs}/{rw}-4k-qd32-nj{nj}", "ours/intree cpu_kworker_us_per_io", "<=", 0.8)
    # CPU over all 4 KiB jobs: the geometric mean of the per-job medians.
    for bs in ("brd", "rd"):
        for metric in ("ours/intree cpu_kworker_us_per_io", "ours/intree cpu_total_us_per_io"):
            vals = [r[metric]["median"] for k, r in ratios.items()
                    if k.startswith(bs + "/") and "-4k-" in k and r.get(metric)]
            if not vals:
                continue
            gm = math.exp(sum(math.log(v) for v in vals) / len(vals))
            what = "kworker time" if "kworker" in metric else "all guest CPU, for context"
            targets.append({"target": f"target CPU per I/O ({what}), geometric mean over the "
                                      f"{len(vals)} 4 KiB jobs, ours/in-tree",
                            "job": f"{bs}/4 KiB jobs", "ratio": metric, "threshold": "<= 0.8",
                            "measured": {"median": gm, "min": min(vals), "max": max(vals),
                                         "n": len(vals)},
                            "met": gm <= 0.8})
    targets = [t for t in targets if t["measured"]]
    # No QUEUE FULL / BUSY at qd128, from both tracepoints.
    for c in configs:
        q128 = [r for r in runs if r["config"] == c and r["qd"] == 128]
        if not q128:
            continue
        ev = {}
        for r in q128:
            for k, v in r["events"].items():
                ev[k] = ev.get(k, 0) + v
        bad = ev.get("task_set_full", 0) + ev.get("busy", 0)
        targets.append({"target": f"no QUEUE FULL / BUSY at qd128 ({c})", "job": "qd128 jobs",
                        "ratio": "count", "threshold": "== 0",
                        "measured": {"median": bad, "min": bad, "max": bad, "n": len(q128)},
                        "events": ev, "met": bad == 0})

    result = {"host": host, "guest": guest, "host_load": stats(load), "runs": runs,
              "limit": limits, "limit_summary": lim_summary, "summary": summary,
              "ratios": ratios, "targets": targets, "failed": failed}
    with open(os.path.join(top, "results.json"), "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)

    text = render_text(result, configs, jobs)
    with open(os.path.join(top, "results.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    try:
        chart(result, configs, jobs, os.path.join(top, "results.png"))
    except Exception as e:  # the table and the JSON stand without the chart
        print(f"bench-report: no chart: {e}", file=sys.stderr)
    return 1 if failed else 0


def render_text(res, configs, jobs):
    g, h = res["guest"], res["host"]
    out = []
    w = out.append
    w("ib_srpt benchmark (tools/bench.sh)")
    w(f"  date {h.get('date', '?')}, git {h.get('git', '?')}")
    w(f"  host: {h.get('host_cpus', '?')} CPUs ({h.get('host_cpu_model', '?')}), "
      f"{int(h.get('host_mem_kb', 0)) // 1024} MiB, shared with other jobs; "
      f"load average during the run: " + (
          f"median {res['host_load']['median']:.1f} (min {res['host_load']['min']:.1f}, "
          f"max {res['host_load']['max']:.1f})" if res["host_load"] else "?"))
    w(f"  guest: {g.get('kernel', '?')}, {g.get('vcpus', '?')} vCPUs "
      f"({g.get('cpu_model', '?')}), {int(g.get('mem_kb', 0)) // 1024} MiB, "
      f"{h.get('guest_accel', 'accel ?')}; {g.get('fio', 'fio ?')}, "
      f"perftest {g.get('perftest', '?')}")
    w(f"  {g.get('rounds', '?')} round(s) in one boot, fio {g.get('runtime', '?')} s + "
      f"{g.get('ramp', '?')} s ramp per job, LUN {g.get('bs_mb', '?')} MiB; "
      f"orders: " + "; ".join(" ".join(o["order"]) for o in g.get("rounds_order", [])))
    w("  Values: median over rounds. Ratios: median of per-round ratios (min-max).")
    first_io = any(r.get("window") == "first-io" for r in res["runs"])
    w("  CPU/IO: us of CPU per completed I/O, from " + (
        "fio's first completed I/O" if first_io else "the end of fio's ramp") + " until fio exits;")
    w("    total = all non-idle guest CPU (fio + initiator + rxe both ways + target);")
    w("    kworker = CPU time of kworker threads (target side: both SRP targets and nvmet")
    w("    complete their CQs and run LIO/backstore work there; softirqs that land on them")
    w("    are included, see Documentation/infiniband/srpt-performance.rst).")
    w("  'cpu N/M': CPU numbers from N of M rounds (the others had a stalled window).")
    w("")
    if res["limit_summary"]:
        w("Raw limit (perftest over rxe0 in the same guest)")
        for tool, s in res["limit_summary"].items():
            if "mib_s" in s and s["mib_s"]:
                w(f"  {tool:<12} 128 KiB  {fmt(s['mib_s'], 1):>8} MiB/s   spread {spread(s['mib_s'])}")
            else:
                w(f"  {tool:<12} 2 B      typical {fmt(s.get('typical_us'), 1)} us, "
                  f"p99 {fmt(s.get('p99_us'), 1)} us (one way = RTT/2)")
        w("")
    hdr = (f"  {'job':<24}{'config':<8}{'IOPS':>9}{'spread':>7}{'MiB/s':>9}{'p50 us':>9}"
           f"{'p99 us':>9}{'CPU/IO':>8}{'kworker':>8}{'busy':>6}  {'errors'}")
    for bs in ("brd", "rd"):
        cs = [c for c in configs if c.endswith("-" + bs)]
        if not cs:
            continue
        w(f"fio on {'brd (iblock on /dev/ram0; nvmet uses the same brd)' if bs == 'brd' else 'rd_mcp'}")
        w(hdr)
        alljobs = sorted({j for c in cs for j in jobs[c]}, key=job_sort_key)
        for job in alljobs:
            for c in cs:
                s = res["summary"][c].get(job)
                if not s:
                    continue
                ev = s["events"]
                errs = ",".join(f"{k}={v}" for k, v in ev.items()
                                if v and k != "overrun") or "0"
                busy = s["guest_busy_frac"]
                nrun = s["iops"]["n"]
                ncpu = s["cpu_total_us_per_io"]["n"] if s["cpu_total_us_per_io"] else 0
                mark = "" if ncpu == nrun else f" cpu {ncpu}/{nrun}"
                w(f"  {job:<24}{c.split('-')[0]:<8}{fmt(s['iops']):>9}{spread(s['iops']):>7}"
                  f"{fmt(s['mib_s'], 1):>9}{fmt(s['p50_us']):>9}{fmt(s['p99_us']):>9}"
                  f"{fmt(s['cpu_total_us_per_io']):>8}{fmt(s['cpu_kworker_us_per_io']):>8}"
                  f"{(fmt(busy['median'] * 100) + '%') if busy else '-':>6}  {errs}{mark}")
        w("")
    w("Ratios (per-round, median and min-max over rounds)")
    cols = ["ours/intree iops", "ours/intree p50_us", "ours/intree p99_us",
            "ours/intree cpu_total_us_per_io", "ours/intree cpu_kworker_us_per_io",
            "ours/nvmet iops"]
    names = ["IOPS", "p50", "p99", "CPU/IO", "kworker/IO", "IOPS vs nvmet"]
    w(f"  {'job':<26}" + "".join(f"{n:>18}" for n in names))
    for key, r in res["ratios"].items():
        w(f"  {key:<26}" + "".join(f"{fmt_ratio(r.get(c)):>18}" for c in cols))
        extra = [(k, v) for k, v in r.items() if "/ib_" in k and v]
        for k, v in extra:
            w(f"  {'':<26}{k}: {fmt_ratio(v)}")
    w("")
    w("Targets (issue 7)")
    for t in res["targets"]:
        m = t["measured"]
        val = (fmt_ratio(m) if t["ratio"] != "count" else f"{m['median']} "
               f"(events: {', '.join(f'{k}={v}' for k, v in t.get('events', {}).items()) or 'none'})")
        verdict = "met" if t["met"] else "NOT met"
        w(f"  [{verdict:>7}] {t['target']}: {t['job']}: {val} (want {t['threshold']})")
    if res["failed"]:
        w("")
        w("Failed or unreadable runs: " + ", ".join(res["failed"]))
    return "\n".join(out) + "\n"


def chart(res, configs, jobs, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"intree": "#7f7f7f", "ours": "#1f77b4", "nvmet": "#ff7f0e"}
    fig, axes = plt.subplots(3, 2, figsize=(15, 14))
    g = res["guest"]
    fig.suptitle(f"ib_srpt benchmark, {res['host'].get('date', '')[:16]}: {g.get('vcpus', '?')}-vCPU "
                 f"guest, rxe loopback, {g.get('rounds', '?')} round(s); bars = median, "
                 f"whiskers = min-max over rounds", fontsize=11)

    def bars(ax, bs, jobfilter, metric, title, ylabel, cfgs=("intree", "ours", "nvmet")):
        cs = [f"{c}-{bs}" for c in cfgs if f"{c}-{bs}" in configs]
        js = sorted({j for c in cs for j in jobs[c] if jobfilter(j)}, key=job_sort_key)
        # Only the configurations that ran these jobs (nvmet: numjobs 1).
        cs = [c for c in cs if any(res["summary"][c].get(j, {}).get(metric) for j in js)]
        if not js or not cs:
            ax.set_visible(False)
            return
        width = 0.8 / len(cs)
        for i, c in enumerate(cs):
            xs, ys, lo, hi = [], [], [], []
            for k, j in enumerate(js):
                s = res["summary"][c].get(j, {}).get(metric)
                if not s:
                    continue
                xs.append(k + (i - (len(cs) - 1) / 2) * width)
                ys.append(s["median"])
                lo.append(s["median"] - s["min"])
                hi.append(s["max"] - s["median"])
            ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=LABEL[c],
                   color=colors[c.split("-")[0]])
        ax.set_xticks(range(len(js)))
        ax.set_xticklabels([j.replace("-", "\n", 1) for j in js], fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7)
        ax.grid(axis="y", alpha=0.3)
        return js

    bars(axes[0][0], "brd", lambda j: j.endswith("nj1") and "-4k-" in j, "iops",
         "4 KiB IOPS, numjobs 1 (brd)", "IOPS")
    bars(axes[0][1], "brd", lambda j: j.endswith("nj2") and "-4k-" in j, "iops",
         "4 KiB IOPS, numjobs 2 (brd)", "IOPS")
    bars(axes[1][0], "brd", lambda j: "-128k-" in j, "mib_s",
         "128 KiB sequential MiB/s (brd); lines: perftest 128 KiB", "MiB/s")
    ls = res["limit_summary"]
    for tool, style in (("ib_read_bw", "--"), ("ib_write_bw", ":")):
        s = ls.get(tool, {}).get("mib_s")
        if s and axes[1][0].get_visible():
            axes[1][0].axhline(s["median"], linestyle=style, color="k", linewidth=1,
                               label=f"{tool} {s['median']:.0f}")
            axes[1][0].legend(fontsize=7)
    bars(axes[1][1], "brd", lambda j: "-qd1-" in j, "p50_us",
         "qd1 median latency (brd)", "p50 latency, us")
    s = ls.get("ib_send_lat", {}).get("typical_us")
    if s and axes[1][1].get_visible():
        axes[1][1].axhline(s["median"], linestyle="--", color="k", linewidth=1,
                           label=f"ib_send_lat typical (one way) {s['median']:.0f} us")
        axes[1][1].legend(fontsize=7)
    bars(axes[2][0], "brd", lambda j: "-4k-" in j and "-qd1-" not in j,
         "cpu_kworker_us_per_io", "kworker (target-side) CPU us per I/O, 4 KiB qd32/qd128 (brd)",
         "us per I/O")
    bars(axes[2][1], "rd", lambda j: True, "iops", "rd_mcp: IOPS per job (in-tree vs ours)",
         "IOPS", cfgs=("intree", "ours"))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    sys.exit(main())
