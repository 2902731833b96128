"""Speed of labstats.make_cohort, as a ratio to the cost of its random numbers.

Target (issue 3): 1 million rows in under 2 s. The floor is drawing the 13 million normal
scores the copula needs (13 analytes; LDL is computed from the other lipids); the ratio
shows how much the rest (quantile interpolation, flags, DataFrame assembly) costs on top.
Run: python benchmarks/run.py benchmarks.bench_cohort
"""

from __future__ import annotations

import numpy as np

from benchmarks._common import best_of
from labstats.datasets import make_cohort


def run(n: int = 1_000_000) -> list[dict]:
    make_cohort(100)  # imports and the calibration file, once
    cohort = best_of(lambda: make_cohort(n, seed=0))
    floor = best_of(lambda: np.random.default_rng(0).standard_normal((13, n)))
    return [{"name": f"make_cohort({n:,}) / drawing its normal scores (target: < 2 s absolute)",
             "seconds": cohort, "reference_seconds": floor, "ratio": cohort / floor}]


if __name__ == "__main__":
    from benchmarks.run import report

    report(run())
