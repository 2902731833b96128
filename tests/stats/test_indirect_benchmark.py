"""benchmarks/bench_indirect_accuracy.py: its grid, resumable parts and RIbench's score.

RIbench's score (Ammer et al. 2022, Clin. Chem. 68:1410-24; R/evaluateResults.R of the
RIbench package, computePerfMeas and getBenchmarkResults): per set the absolute z-score
deviation of each limit on the true model, z(x) = (BoxCox(x - shift) - mu) / sigma,
averaged over the two limits; sets above 5 are implausible and left out, failures too;
the score is the mean of the rest.
"""

import numpy as np
import pandas as pd
import pytest

from benchmarks import bench_indirect_accuracy as B
from labstats.stats._simulate_ri import ANALYTES, true_interval


def test_full_grid_has_every_scenario_once_and_parts_split_it():
    g = B.grid(True)
    assert len(g) == 3976
    assert [s["set_id"] for s in g] == list(range(len(g)))
    df = pd.DataFrame(g)
    assert sorted(df["n"].unique()) == [1_000, 5_000, 50_000, 100_000]
    assert sorted(df["p_path"].unique()) == [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert df["analyte"].nunique() == 9
    # 9 analytes x 4 n x 2 seeds x (1 clean + 6 fractions x 3 sides x 3 overlaps) + 16 LOD
    assert len(g) == 9 * 4 * 2 * (1 + 6 * 3 * 3) + 16
    parts = [{s["set_id"] for s in g if s["set_id"] % 5 == k} for k in range(5)]
    assert sum(map(len, parts)) == len(g) and set().union(*parts) == set(range(len(g)))
    assert len(B.grid(False)) > 100


def _row(set_id, analyte, lo, hi, n=1000, p=0.1):
    t = true_interval(analyte)
    return {"set_id": set_id, "analyte": analyte, "shape": "skewed", "n": n, "p_path": p,
            "side": "both", "overlap": 1.0, "seed": 1, "lod_quantile": np.nan,
            "method": "m", "est_lower": lo, "est_upper": hi, "true_lower": t[0],
            "true_upper": t[1], "error": "", "seconds": 0.0}


def test_ribench_score_is_the_mean_z_deviation_without_implausible_and_failed_sets():
    lam, mu, sg, shift, _ = ANALYTES["AST"]  # lognormal: z = (ln x - mu) / sigma
    assert lam == 0 and shift == 0
    lo, hi = true_interval("AST")
    up = lambda x, dz: x * np.exp(sg * dz)  # noqa: E731 - moves x by dz on the z scale
    res = B.add_errors(pd.DataFrame([
        _row(0, "AST", up(lo, 0.2), up(hi, -0.2)),  # deviation 0.2
        _row(1, "AST", up(lo, 1.0), hi),  # (1 + 0) / 2 = 0.5
        _row(2, "AST", up(lo, 6.0), up(hi, 6.0)),  # 6 > 5: implausible
        _row(3, "AST", np.nan, np.nan),  # failed
    ]))
    np.testing.assert_allclose(res["zdev"].to_numpy()[:3], [0.2, 0.5, 6.0], rtol=1e-9)
    s = B.ribench_score(res).iloc[0]
    assert s["score"] == pytest.approx(0.35)
    assert s["fail %"] == 25 and s["implausible %"] == 25
    assert s["p<=20%, N<=5k"] == pytest.approx(0.35) and np.isnan(s["p>20%, N>5k"])


def test_ribench_z_scores_a_zero_lower_limit_at_1e_minus_20():
    # RIbench replaces an estimated limit <= shift by shift + 1e-20 before the z-score
    res = B.add_errors(pd.DataFrame([_row(0, "AST", 0.0, true_interval("AST")[1])]))
    lam, mu, sg, *_ = ANALYTES["AST"]
    z_true = (np.log(true_interval("AST")[0]) - mu) / sg
    assert res["zdev"].iloc[0] == pytest.approx(abs(z_true - (np.log(1e-20) - mu) / sg) / 2)


def test_parts_resume_where_they_stopped(tmp_path):
    B.run_part(False, ["reflim"], tmp_path, (1, 1), limit=2)
    path = B.run_part(False, ["reflim"], tmp_path, (1, 1), limit=2)
    df = pd.read_csv(path)
    assert df["set_id"].tolist() == [0, 1, 2, 3]  # two new sets, none repeated
    assert (df["method"] == "reflim").all() and df["est_lower"].notna().all()
    res = B.load(False, tmp_path)
    assert len(res) == 4 and {"zdev", "err_lower", "path", "lod"} <= set(res.columns)


def test_the_paper_cost_variant_runs_refiner_with_options_and_load_takes_extra_files(
        tmp_path):
    from labstats.stats import indirect_reference_interval
    from labstats.stats._simulate_ri import simulate

    spec = {**B.grid(False)[0]}
    rows = B._one_set(spec, ["refiner/paper"])
    assert rows[0]["method"] == "refiner/paper" and rows[0]["error"] == ""
    d = simulate(spec["analyte"], spec["n"], p_path=spec["p_path"], side=spec["side"],
                 overlap=spec["overlap"], lod_quantile=None,
                 seed=1000 * spec["seed"] + spec["set_id"])
    want = indirect_reference_interval(d["values"], method="refiner", bootstrap=0,
                                       options={"cost": "paper"})["estimate"].to_numpy()
    np.testing.assert_allclose([rows[0]["est_lower"], rows[0]["est_upper"]], want)
    extra = tmp_path / "variant.csv"
    pd.DataFrame(rows).to_csv(extra, index=False)
    B.run_part(False, ["reflim"], tmp_path / "parts", (1, 1), limit=1)
    res = B.load(False, tmp_path / "parts", [extra])
    assert sorted(res["method"]) == ["refiner/paper", "reflim"]
