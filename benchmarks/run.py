"""Run every benchmark and print ratios (``make bench``).

Speed goals are ratios measured side by side in one run (against the memory-bandwidth
floor, a naive implementation, a peer), never absolute timings: the machine varies, the
ratio much less.
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODULES = ["benchmarks.bench_binding", "benchmarks.bench_formulas", "benchmarks.bench_derive",
           "benchmarks.bench_survey",
           "benchmarks.bench_cohort", "benchmarks.bench_report", "benchmarks.bench_indirect",
           "benchmarks.bench_routine", "benchmarks.bench_centiles", "benchmarks.bench_bcpe",
           "benchmarks.bench_reference", "benchmarks.bench_deming",
           "benchmarks.bench_labfile"]


def report(rows: list[dict]) -> None:
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'seconds':>9}  {'reference':>9}  {'ratio':>8}")
    def num(v, spec):
        return format(v, spec) if v is not None else format("n/a", spec.split(".")[0].rstrip("f"))

    for r in rows:
        print(f"{r['name']:<{width}}  {num(r['seconds'], '9.4f')}  "
              f"{num(r['reference_seconds'], '9.4f')}  {num(r['ratio'], '8.2f')}")


def main(argv: list[str]) -> int:
    import numpy as np

    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    wanted = argv or MODULES
    for name in wanted:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"\n== {name}")
        report(mod.run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
