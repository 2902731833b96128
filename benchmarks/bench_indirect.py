"""Indirect reference intervals on 100,000 values per partition, as ratios to one sort.

Workload: a RIbench-design mixture (``labstats.stats._simulate_ri``): FT4-like values (one
decimal, Box-Cox lambda 0.432) with 20 % pathological values on both sides, n = 100,000,
one partition. For each method: the point estimate alone (``bootstrap=0``) and with the
default 100 bootstrap resamples (all refitted, in vectorised batches). The reference is
one ``numpy.sort`` of the same 100,000 values, so the ratio holds on any machine. Goal
(issue 13): under a second per method for 100,000 values on a 2-core machine. Each is
timed twice: wall time, and CPU time of this process ("cpu" rows; ``time.process_time``,
numpy single-threaded here), which a shared, loaded machine disturbs much less.

Run standalone from the project root::

    .venv/bin/python benchmarks/bench_indirect.py

``run()`` returns rows {"name", "seconds", "reference_seconds", "ratio"} for
benchmarks/run.py (ratio = seconds / sort seconds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import best_of


def best_cpu(fn, repeat: int = 3) -> float:
    """Best CPU time of this process over ``repeat`` calls [s]."""
    return best_of(fn, repeat, clock=time.process_time)


METHODS = ("refiner", "reflim", "kosmic", "tmc")


def run(n: int = 100_000) -> list[dict]:
    from labstats.stats import indirect_reference_interval
    from labstats.stats._simulate_ri import simulate

    x = simulate("FT4", n, p_path=0.2, side="both", seed=1)["values"]
    ref = best_of(lambda: np.sort(x), repeat=5)
    ref_cpu = best_cpu(lambda: np.sort(x), repeat=20)
    rows = []
    for method in METHODS:
        indirect_reference_interval(x[:5000], method=method, bootstrap=2, seed=1)  # warm-up
        for boot in (0, 100):
            t = best_of(lambda m=method, b=boot: indirect_reference_interval(
                x, method=m, bootstrap=b, seed=1), repeat=2)
            rows.append({"name": f"indirect {method} n={n:,} bootstrap={boot}", "seconds": t,
                         "reference_seconds": ref, "ratio": t / ref})
            c = best_cpu(lambda m=method, b=boot: indirect_reference_interval(
                x, method=m, bootstrap=b, seed=1), repeat=2)
            rows.append({"name": f"indirect {method} n={n:,} bootstrap={boot} cpu",
                         "seconds": c, "reference_seconds": ref_cpu, "ratio": c / ref_cpu})
    return rows


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
