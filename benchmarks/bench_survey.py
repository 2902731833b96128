"""Survey mean and median with standard errors by sex x 6 age bands: labstats vs R survey.

Run standalone from the project root::

    .venv/bin/python benchmarks/bench_survey.py

Workloads (issue 4): (a) pooled NHANES 2013-2016 (DEMO_H/I left-joined to TST and BIOPRO,
weights WTMEC2YR/2, adults 20+ as a domain, total testosterone); (b) a synthetic design of
1,000,000 rows, 30 strata x 2 PSUs. For each: ``subset`` to the domain, then the mean and
the median (qrule "math", Woodruff CI, SE) by sex x age band. Design construction and data
loading are excluded on both sides. When ``Rscript`` is on PATH, R times the same
estimation with ``system.time`` on the same data (written to a temporary CSV) in the same
run; the ratio is R seconds / labstats seconds (> 1: labstats faster). Goal: >= 1 on (a),
>= 2 on (b).

``run()`` returns rows {"name", "seconds", "reference_seconds", "ratio"} for
benchmarks/run.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NHANES = ROOT.parent / "shared" / "data" / "nhanes"
BY = ["sex", "age_group"]

R_CODE = r"""
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[2])
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
run <- function() {
  dom <- subset(des, age >= 20)
  m <- svyby(~y, ~sex + age_group, dom, svymean, na.rm = TRUE)
  q <- svyby(~y, ~sex + age_group, dom, svyquantile, quantiles = 0.5, ci = TRUE,
             se = TRUE, na.rm = TRUE)
  list(m, q)
}
invisible(run())  # warm-up, as on the Python side
tm <- system.time(for (i in seq_len(reps)) res <- run())[["elapsed"]] / reps
cat(sprintf("%.6f\n", tm))
"""


def nhanes_frame() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT))
    from tests.stats._nhanes_join import pooled_2013_2016

    p = pooled_2013_2016()  # NHANES through tests.conftest.nhanes_frame
    return pd.DataFrame({"w": p["WTMEC4YR"], "stratum": p["SDMVSTRA"], "psu": p["SDMVPSU"],
                         "sex": p["RIAGENDR"].astype(int), "age": p["RIDAGEYR"],
                         "age_group": p["age_group"].astype(str).replace("nan", "under20"),
                         "y": p["LBXTST"]})


def synthetic_frame(n: int = 1_000_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(1, 31, n)
    psu = rng.integers(1, 3, n)
    sex = rng.integers(1, 3, n)
    age = rng.integers(20, 81, n).astype(float)
    group = np.minimum((age - 20) // 10, 5).astype(int)
    labels = np.array(["20-29", "30-39", "40-49", "50-59", "60-69", "70+"])
    y = np.round(np.exp(rng.normal(5.5 + 0.3 * (sex == 1) - 0.02 * group, 0.5, n)), 2)
    w = rng.uniform(500, 5000, n) * (1 + 0.1 * stratum)
    return pd.DataFrame({"w": w, "stratum": stratum, "psu": psu, "sex": sex, "age": age,
                         "age_group": labels[group], "y": y})


def time_labstats(frame: pd.DataFrame, reps: int) -> float:
    from labstats.stats import SurveyDesign

    des = SurveyDesign(frame, weights="w", strata="stratum", psu="psu", lonely_psu="adjust")

    def run():
        dom = des.subset(frame["age"] >= 20)
        return dom.mean("y", by=BY), dom.quantile("y", 0.5, by=BY)

    run()  # warm-up (imports, first-call costs)
    start = time.perf_counter()
    for _ in range(reps):
        run()
    return (time.perf_counter() - start) / reps


def time_r(frame: pd.DataFrame, reps: int) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, code = Path(tmp) / "data.csv", Path(tmp) / "bench.R"
        frame.to_csv(data, index=False)
        code.write_text(R_CODE)
        out = subprocess.run([rscript, str(code), str(data), str(reps)], capture_output=True,
                             text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    rows = []
    workloads = [("R survey / labstats: mean+median by sex x age, NHANES 2013-2016 (goal >= 1)",
                  nhanes_frame, 5, 3),
                 ("R survey / labstats: mean+median by sex x age, 1M rows 30x2 (goal >= 2)",
                  synthetic_frame, 3, 1)]
    for name, make, reps, r_reps in workloads:
        if make is nhanes_frame and not NHANES.exists():
            continue
        frame = make()
        seconds = time_labstats(frame, reps)
        ref = time_r(frame, r_reps)
        rows.append({"name": name, "seconds": seconds, "reference_seconds": ref,
                     "ratio": None if ref is None else ref / seconds})
    return rows


if __name__ == "__main__":
    for row in run():
        ref = "R not installed" if row["reference_seconds"] is None else (
            f"R survey {row['reference_seconds']:.3f} s, ratio R/labstats {row['ratio']:.1f}")
        print(f"{row['name']}: labstats {row['seconds']:.3f} s; {ref}")
