# SPDX-License-Identifier: GPL-2.0
"""Helpers the per-job reports of tools/bench.sh share
(bench-cost-report.py, bench-insn-report.py): they import it from their
own directory, which python puts first on sys.path."""

import math
import os


def read_kv(path):
    """The key=value lines of a run's .meta file."""
    kv = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                kv[k] = v
    return kv


def job_key(job):
    """Sort key of a job name like randwrite-4k-qd32-nj1."""
    rw, _bs, qd, nj = job.split("-")
    return (rw, int(qd[2:]), int(nj[2:]))


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def finish_report(top, name, out, missing, rows, why):
    """List the jobs a side is missing in, write DIR/NAME and print it;
    the exit status: 1 if a job was missing or none was complete."""
    for job in missing:
        out.append(f"missing: {job} ({why})")
    with open(os.path.join(top, name), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    return 1 if missing or not rows else 0
