"""Metabolic, lipid and kidney formulas on 10 million rows, as ratios to a memory floor.

For each formula: its best-of-3 wall time divided by the memory-bandwidth floor measured
in the same run on the same inputs (read the same number of float64 arrays once, write
one; the faster of a cache-blocked kernel and whole-array numpy). Goal (issue 5): ratio
<= 4 for every closed-form formula, Martin/Hopkins' table look-up included. Inputs are
in the canonical units (no conversion) except where the name says otherwise; sex is given
as NHANES codes 1/2 (and once as a pandas Categorical). ``metabolic_syndrome`` returns an
8-column frame from 7 inputs; it is reported for information, not held to the goal.
LDL and eGFR use compiled loops when numba is installed; run with LABSTATS_NO_NUMBA=1
to time the numpy code instead.

Run: ``python benchmarks/bench_formulas.py`` or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

BLOCK = 1 << 14


def best_of(fn, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls [s]."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _floor_blocked(*arrays):
    out = np.empty_like(arrays[0])
    n = out.shape[0]
    for s in range(0, n, BLOCK):
        sl = slice(s, min(s + BLOCK, n))
        o = out[sl]
        np.add(arrays[0][sl], arrays[1][sl], out=o)
        for a in arrays[2:]:
            np.add(o, a[sl], out=o)
    return out


def floor_seconds(*arrays, repeat: int = 3) -> float:
    """Read every input once, write one output: the faster of blocked and whole-array."""
    def whole():
        out = np.add(arrays[0], arrays[1])
        for a in arrays[2:]:
            np.add(out, a, out=out)
    return min(best_of(lambda: _floor_blocked(*arrays), repeat), best_of(whole, repeat))


def _inputs(n: int, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "glucose": rng.lognormal(np.log(5.5), 0.2, n).clip(2.5, 30),  # mmol/L
        "insulin": rng.lognormal(np.log(60.0), 0.6, n).clip(5, 2000),  # pmol/L
        "tc": rng.normal(5.0, 1.0, n).clip(2.0, 12.0),  # mmol/L
        "hdl": rng.normal(1.4, 0.4, n).clip(0.4, 3.5),  # mmol/L
        "tg": rng.lognormal(np.log(1.3), 0.55, n).clip(0.2, 12.0),  # mmol/L, ~3 % >= 4.52
        "creatinine": rng.lognormal(np.log(80.0), 0.3, n).clip(20, 1200),  # µmol/L
        "cystatin_c": rng.lognormal(np.log(0.9), 0.25, n).clip(0.3, 7.0),  # mg/L
        "age": rng.uniform(18, 90, n),
        "sex": rng.integers(1, 3, n).astype(np.float64),  # NHANES RIAGENDR codes
        "weight": rng.normal(80, 18, n).clip(35, 250),  # kg
        "height": rng.normal(170, 10, n).clip(130, 210),  # cm
        "waist": rng.normal(98, 15, n).clip(55, 180),  # cm
        "sbp": rng.normal(124, 17, n).clip(80, 220),
        "dbp": rng.normal(72, 11, n).clip(40, 130),
    }


def _cases(x: dict) -> list[tuple[str, object, tuple]]:
    """(name, call, arrays whose floor is its reference)."""
    import pandas as pd

    import labstats as ls

    g, i, tc, hdl, tg = x["glucose"], x["insulin"], x["tc"], x["hdl"], x["tg"]
    scr, cys, age, sex = x["creatinine"], x["cystatin_c"], x["age"], x["sex"]
    bmi = x["weight"] / (x["height"] / 100) ** 2
    sex_cat = pd.Series(np.where(sex == 2.0, "female", "male")).astype("category")
    tg_mg = tg * 88.57
    cases = [
        ("homa_ir", lambda: ls.homa_ir(g, i), (g, i)),
        ("homa_b", lambda: ls.homa_b(g, i), (g, i)),
        ("quicki", lambda: ls.quicki(g, i), (g, i)),
        ("tyg_index", lambda: ls.tyg_index(tg, g), (tg, g)),
        ("tyg_bmi", lambda: ls.tyg_bmi(tg, g, bmi=bmi), (tg, g, bmi)),
        ("bmi", lambda: ls.bmi(weight=x["weight"], height=x["height"]), (x["weight"], x["height"])),
        ("waist_to_height_ratio", lambda: ls.waist_to_height_ratio(waist_circumference=x["waist"],
                                                    height=x["height"]),
         (x["waist"], x["height"])),
        ("non_hdl_cholesterol", lambda: ls.non_hdl_cholesterol(tc, hdl), (tc, hdl)),
    ]
    for m in ("friedewald", "martin_hopkins", "martin_hopkins_extended", "sampson"):
        cases.append((f"ldl_cholesterol {m}",
                      lambda m=m: ls.ldl_cholesterol(tc, hdl, tg, method=m), (tc, hdl, tg)))
    cases += [
        ("ldl_cholesterol martin_hopkins, TG in mg/dL",
         lambda: ls.ldl_cholesterol(tc, hdl, tg_mg, method="martin_hopkins",
                                    triglycerides_unit="mg/dL"), (tc, hdl, tg_mg)),
        ("egfr ckd_epi_2021", lambda: ls.egfr(creatinine=scr, age=age, sex=sex),
         (scr, age, sex)),
        ("egfr ckd_epi_2012_cystatin",
         lambda: ls.egfr(cystatin_c=cys, age=age, sex=sex, method="ckd_epi_2012_cystatin"),
         (cys, age, sex)),
        ("egfr ckd_epi_2021_creatinine_cystatin",
         lambda: ls.egfr(creatinine=scr, cystatin_c=cys, age=age, sex=sex,
                         method="ckd_epi_2021_creatinine_cystatin"), (scr, cys, age, sex)),
        ("egfr ckd_epi_2021, sex as Categorical",
         lambda: ls.egfr(creatinine=scr, age=age, sex=sex_cat), (scr, age, sex)),
        ("metabolic_syndrome (information only)",
         lambda: ls.metabolic_syndrome(
             waist_circumference=x["waist"], triglycerides=tg, hdl_cholesterol=hdl,
             systolic_blood_pressure=x["sbp"], diastolic_blood_pressure=x["dbp"],
             glucose=g, sex=sex), (x["waist"], tg, hdl, x["sbp"], x["dbp"], g, sex)),
    ]
    return cases


def run(n: int = 10_000_000) -> list[dict]:
    """One row per formula: ``name``, ``seconds``, ``floor_seconds`` (also given as
    ``reference_seconds``) and ``ratio`` = seconds / floor_seconds."""
    x = _inputs(n)
    rows = []
    floors: dict[int, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # validity-range warnings are expected here
        for name, call, arrays in _cases(x):
            key = tuple(id(a) for a in arrays)
            if key not in floors:
                floors[key] = floor_seconds(*arrays)
            t = best_of(call)
            info = "information only" in name
            rows.append({"name": name if info else f"{name} / floor (goal <= 4)",
                         "seconds": t, "floor_seconds": floors[key],
                         "reference_seconds": floors[key], "ratio": t / floors[key]})
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    for r in run(n):
        print(f"{r['name']:<64} {r['seconds']:8.4f} s  floor {r['floor_seconds']:8.4f} s  "
              f"ratio {r['ratio']:6.2f}")
