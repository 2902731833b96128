"""Coverage of the indirect methods' bootstrap CIs of the *true* limits (the guide's figures).

30 seeded RIbench-design GGT sets (n = 10,000, 10 % pathological above), each method with
100 bootstrap resamples (seed 1), nominal 90 %: the share of sets whose CI holds the true
lower and upper limit. ``docs/guide/indirect_reference_intervals.md`` quotes its output.

    python benchmarks/indirect_ci_coverage.py          # a few minutes on 2 cores
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from labstats.stats import indirect_reference_interval  # noqa: E402
from labstats.stats._simulate_ri import simulate  # noqa: E402

METHODS = ("refiner", "reflim", "kosmic", "tmc")


def main(n_sets: int = 30) -> None:
    hits = {m: np.zeros(2) for m in METHODS}
    for seed in range(n_sets):
        d = simulate("GGT", 10_000, p_path=0.1, side="right", seed=seed)
        truth = np.array(d["truth"])
        for m in METHODS:
            res = indirect_reference_interval(d["values"], method=m, bootstrap=100, seed=1)
            hits[m] += (res["ci_low"].to_numpy() <= truth) & (truth <= res["ci_high"].to_numpy())
    print(f"coverage of the true limits, {n_sets} sets, nominal 90 %:")
    for m, h in hits.items():
        print(f"  {m}: lower {100 * h[0] / n_sets:.0f} %, upper {100 * h[1] / n_sets:.0f} %")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
