"""refiner's two costs side by side on the known-truth grid of bench_indirect_accuracy.

``cost="paper"`` (the default: refineR v1.0's cost as Ammer et al. 2021 define it,
``labstats.stats._refiner_paper``) against ``cost="profile"`` (ours: the largest
admissible non-pathological share, then the Poisson deviance), on the same seeded data
sets as ``benchmarks/bench_indirect_accuracy.py`` (reduced grid), and on refineR's five
test cases regenerated from their published definitions (tests/stats/_refiner_cases.py).

    .venv/bin/python benchmarks/bench_refiner_cost.py      # ~8 min on 2 cores

Prints markdown tables: absolute % error of each limit, median / 90th percentile.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
COSTS = ("paper", "profile")


def evaluate() -> pd.DataFrame:
    from benchmarks.bench_indirect_accuracy import grid
    from labstats.stats import indirect_reference_interval
    from labstats.stats._simulate_ri import simulate

    rows = []
    for i, spec in enumerate(grid(False)):  # the same seeds as bench_indirect_accuracy
        d = simulate(spec["analyte"], spec["n"], p_path=spec["p_path"], side=spec["side"],
                     overlap=spec["overlap"], lod_quantile=spec["lod_quantile"],
                     seed=1000 * spec["seed"] + i)
        kw = {"censored": d["censored"], "lod": d["lod"]} if d["lod"] else {}
        group = {"pathological": "<=20%" if spec["p_path"] <= 0.2 else ">20%",
                 "n": spec["n"], "lod": "LOD" if d["lod"] else "-"}
        for cost in COSTS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = indirect_reference_interval(d["values"], method="refiner", bootstrap=0,
                                                  options={"cost": cost}, **kw)
            err = np.abs(est["estimate"].to_numpy() / np.array(d["truth"]) - 1) * 100
            rows.append({**group, "cost": cost, "lower": err[0], "upper": err[1]})
    return pd.DataFrame(rows)


def testcases() -> pd.DataFrame:
    from labstats.stats import indirect_reference_interval
    from tests.stats._refiner_cases import CASES, testcase

    rows = []
    for case, spec in CASES.items():
        values, _ = testcase(case)
        for cost in COSTS:
            est = indirect_reference_interval(values, method="refiner", bootstrap=0,
                                              options={"cost": cost})["estimate"].to_numpy()
            err = (est / np.array(spec["truth"]) - 1) * 100
            rows.append({"case": case, "truth": "{:g}-{:g}".format(*spec["truth"]), "cost": cost,
                         "estimate": "{:.3g}-{:.3g}".format(*est),
                         "error % (lower, upper)": "{:+.1f}, {:+.1f}".format(*err)})
    return pd.DataFrame(rows)


def truth_vs_fit() -> pd.DataFrame:
    """The paper's cost at the true parameters and at the fitted ones (lower = better)."""
    from benchmarks.bench_indirect_accuracy import grid
    from labstats.stats import _refiner, _refiner_paper
    from labstats.stats._ri_model import make_sample, model_quantile, rounding_base
    from labstats.stats._simulate_ri import ANALYTES, simulate
    from tests.stats._refiner_cases import np_params, testcase

    i = next(i for i, g in enumerate(grid(False))  # the set of the accuracy benchmark
             if (g["analyte"], g["n"], g["p_path"]) == ("GGT", 10_000, 0.0))
    sets = [("GGT, n 10,000, no pathological",
             simulate("GGT", 10_000, seed=1000 + i)["values"], ANALYTES["GGT"][:3]),
            ("GGT, n 5,000, 20 % above", simulate("GGT", 5000, p_path=0.2, side="right",
                                                  seed=11)["values"], ANALYTES["GGT"][:3]),
            ("refineR case 2 (regenerated)", testcase(2)[0], np_params(2))]
    rows = []
    for name, x, (lam, mu, sigma) in sets:
        s = make_sample(x)
        s.base = rounding_base(s.xs)
        a, b = _refiner._region(s)
        h = _refiner_paper.hist(s, s.cum, a, b, s.base)
        fit = _refiner_paper.search(s, s.cum, np.zeros(1), a, b)
        for what, (lm, m, sg) in (("truth", (lam, mu, sigma)),
                                  ("fit", (fit[0][0], fit[2][0], fit[3][0]))):
            c, p = _refiner_paper.cost(s, s.cum, *h, np.array([lm]), np.array([[m]]),
                                       np.array([[sg]]), np.zeros((1, 1)))
            lim = model_quantile(np.array([0.025, 0.975]), lm, m, sg)
            rows.append({"data": name, "model": what, "lambda": f"{lm:.3f}",
                         "mu": f"{m:.3f}", "sigma": f"{sg:.3f}", "P": f"{p[0, 0]:.3f}",
                         "cost": f"{c[0, 0]:.2f}", "limits": "{:.3g}-{:.3g}".format(*lim)})
    return pd.DataFrame(rows)


def nhanes() -> pd.DataFrame:
    """Real data: men 20+ of the embedded NHANES extract, as notebook 07, both costs
    against the direct CLSI interval of its screened healthy subset."""
    import labstats
    from labstats.stats import indirect_reference_interval, reference_interval

    nh = labstats.load_nhanes()
    men = nh[(nh["sex"] == "male") & (nh["age"] >= 20)]
    egfr = labstats.egfr(creatinine=men["creatinine"], age=men["age"], sex=men["sex"])
    healthy = men[men["age"].between(20, 79) & men["bmi"].ge(18.5) & men["bmi"].lt(30)
                  & men["hba1c"].lt(5.7) & egfr.ge(60)]
    rows = []
    for a in ("albumin", "creatinine", "glucose", "total_testosterone"):
        direct = reference_interval(healthy[a].dropna())["estimate"].to_numpy()
        row = {"analyte": a, "direct (screened)": "{:.3g}-{:.3g}".format(*direct)}
        for cost in COSTS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = indirect_reference_interval(men[a].dropna(), method="refiner",
                                                bootstrap=0, options={"cost": cost})
            row[cost] = "{:.3g}-{:.3g} (P {:.2f})".format(*r["estimate"],
                                                          1 - r["p_pathological"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def speed() -> pd.DataFrame:
    """Seconds and ratio to one numpy.sort of the same 100,000 values (best of 3; the
    bootstrap once), both costs side by side."""
    from labstats.stats import indirect_reference_interval
    from tests.stats._refiner_cases import testcase

    x, _ = testcase(4)

    def best(f, k=3):
        out = np.inf
        for _ in range(k):
            t0 = time.perf_counter()
            f()
            out = min(out, time.perf_counter() - t0)
        return out

    t_sort = best(lambda: np.sort(x), 5)
    rows = []
    for cost in COSTS:
        for b in (0, 100):
            t = best(lambda b=b, cost=cost: indirect_reference_interval(
                x, method="refiner", bootstrap=b, seed=1, options={"cost": cost}),
                3 if b == 0 else 1)
            rows.append({"cost": cost, "bootstrap": b, "seconds": round(t, 3),
                         "ratio to sort": round(t / t_sort)})
    return pd.DataFrame(rows)


def _md(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in r)
              + " |" for r in df.itertuples(index=False)]
    return "\n".join(lines)


def main() -> int:
    t = time.perf_counter()
    res = evaluate()

    def agg(g):
        return pd.Series({"sets": str(len(g)),
                          "lower median / p90": f"{g.lower.median():.1f} / "
                                                f"{g.lower.quantile(0.9):.1f}",
                          "upper median / p90": f"{g.upper.median():.1f} / "
                                                f"{g.upper.quantile(0.9):.1f}"})

    by = res.groupby(["lod", "pathological", "n", "cost"]).apply(agg, include_groups=False)
    overall = res.groupby(["cost"]).apply(agg, include_groups=False)
    print(f"{len(res) // len(COSTS)} data sets, {time.perf_counter() - t:.0f} s\n")
    print(_md(by.reset_index()) + "\n\nAll sets:\n\n" + _md(overall.reset_index()) + "\n")
    print("refineR's test cases (regenerated):\n\n" + _md(testcases()) + "\n")
    print("The paper's cost at the truth and at the fit:\n\n" + _md(truth_vs_fit()) + "\n")
    print("NHANES men 20+ (notebook 07):\n\n" + _md(nhanes()) + "\n")
    print("Speed, 100,000 values:\n\n" + _md(speed()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
