"""Speed of labstats.make_cohort, as a ratio to the cost of its random numbers.

Target (issue 3): 1 million rows in under 2 s. The floor is drawing the 14 million normal
scores the copula needs; the ratio shows how much the rest (quantile interpolation,
flags, DataFrame assembly) costs on top. Run: python benchmarks/make_cohort.py
"""

import time

import numpy as np

from labstats.datasets import make_cohort


def _best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n=1_000_000):
    make_cohort(100)  # imports and the calibration file, once
    cohort = _best(lambda: make_cohort(n, seed=0))
    floor = _best(lambda: np.random.default_rng(0).standard_normal((14, n)))
    print(f"make_cohort({n:,}): {cohort:.2f} s (target < 2 s); "
          f"{cohort / floor:.1f} x the time to draw its {14 * n:,} normal scores")


if __name__ == "__main__":
    main()
