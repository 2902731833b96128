"""Insulin a reader converted from µIU/mL with a user's factor is converted back with it.

HOMA-IR = glucose [mmol/L] x insulin [µU/mL] / 22.5 and HOMA-%B = 20 x insulin [µU/mL] /
(glucose [mmol/L] - 3.5) (Matthews DR et al. Diabetologia 1985;28:412-419): a fasting
glucose of 5.0 mmol/L and insulin of 10 µIU/mL give 2.2222 and 133.33. The standard
factor is 6.00 pmol/L per µIU/mL (Vølund A. Am J Clin Nutr 1993;58:714-715; Knopp JL et
al. J Diabetes Sci Technol 2019;13:597-600); the older 6.945 is INSULIN_FACTORS["legacy"].

Before, ``read_lab_export(..., insulin_factor="legacy")`` stored the lab's 10 µIU/mL as
69.45 pmol/L and ``derive`` converted it back with 6.00: 11.6 µIU/mL, HOMA-IR 2.572 (16 %
high), with a warning telling to pass ``derive`` an option; ``pair_export(derive=True,
insulin_factor="legacy")``, which takes no such option, could not give the lab's value at
all; its warning was lost by ``by="window"`` and a Dask reading. Now the reader keeps
the factor in ``attrs["insulin_factor"]`` (``pair_results`` and ``pair_export`` keep it),
``derive`` and ``pair_export(derive=True)`` convert back with it, and a Dask reading (no
attrs) says to pass it. Every test but the last (what must not change) failed on the old
code; the one of an option given to derive through its warning only.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from labstats._validate import LabstatsWarning
from labstats.datasets import derive, pair_export, pair_results, read_lab_export, read_lab_results
from labstats.formulas import quicki

GLUCOSE, INSULIN = 5.0, 10.0  # mmol/L, µIU/mL as the laboratory reports them
HOMA_IR = GLUCOSE * INSULIN / 22.5  # 2.2222 (Matthews 1985)
HOMA_B = 20.0 * INSULIN / (GLUCOSE - 3.5)  # 133.33 (Matthews 1985)
WIDE = pd.DataFrame({"id": [1], "Insulin (uIU/mL)": [INSULIN], "Glucose (mmol/L)": [GLUCOSE]})
LONG = pd.DataFrame({"patient_id": ["p1", "p1"], "specimen_id": ["A1", "A1"],
                     "collected_at": ["2024-01-02 08:00"] * 2, "test": ["INS", "GLU"],
                     "value": [str(INSULIN), str(GLUCOSE)], "unit": ["uIU/mL", "mmol/L"]})
TEST_MAP = {"INS": "insulin", "GLU": "glucose"}


KEPT = "attrs['insulin_factor'], and derive converts the insulin back to µIU/mL with it"


def _read(fn, says=KEPT):
    """``fn()``, its insulin warning asserted (said once, at this file's line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    said = [w for w in caught if issubclass(w.category, LabstatsWarning)
            and "insulin: read with insulin_factor=" in str(w.message)]
    assert len(said) == 1 and said[0].filename == __file__, [str(w.message) for w in caught]
    assert says in str(said[0].message)
    return out


@pytest.mark.parametrize(("factor", "per_uiu"), [("legacy", 6.945), (7.0, 7.0)])
def test_derive_converts_insulin_back_with_the_readers_factor(factor, per_uiu):
    frame = _read(lambda: read_lab_export(WIDE, insulin_factor=factor))
    assert frame["insulin"].iloc[0] == pytest.approx(INSULIN * per_uiu, rel=1e-12)
    assert frame.attrs["insulin_factor"] == factor
    out = derive(frame, ["homa_ir", "homa_b", "quicki"])
    assert out["homa_ir"].iloc[0] == pytest.approx(HOMA_IR, rel=1e-12)  # was 2.572
    assert out["homa_b"].iloc[0] == pytest.approx(HOMA_B, rel=1e-12)
    assert out["quicki"].iloc[0] == pytest.approx(quicki(GLUCOSE, INSULIN,
                                                         insulin_unit="µIU/mL"), rel=1e-12)


def test_read_lab_results_and_pair_results_keep_the_factor_for_derive():
    results = _read(lambda: read_lab_results(LONG, test_map=TEST_MAP, insulin_factor="legacy"))
    assert results.attrs["insulin_factor"] == "legacy"
    draws = pair_results(results)
    assert derive(draws, ["homa_ir"])["homa_ir"].iloc[0] == pytest.approx(HOMA_IR, rel=1e-12)


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_pair_export_derives_with_the_factor_it_read_insulin_with(by, tmp_path):
    LONG.to_parquet(tmp_path / "e.parquet", index=False)
    # (by="window": the warning was lost with the partitions' own)
    out = _read(lambda: pair_export(tmp_path / "e.parquet", test_map=TEST_MAP, by=by,
                                    derive=True, insulin_factor="legacy"))
    assert out["homa_ir"].tolist() == [pytest.approx(HOMA_IR, rel=1e-12)]  # was 2.572
    draws = _read(lambda: pair_export(tmp_path / "e.parquet", test_map=TEST_MAP, by=by,
                                      insulin_factor="legacy"))
    assert draws.attrs["insulin_factor"] == "legacy"  # as pair_results' draws
    assert derive(draws, ["homa_ir"])["homa_ir"].tolist() == [pytest.approx(HOMA_IR,
                                                                            rel=1e-12)]


# Dask 2026.8's Parquet reader (dask/dataframe/io/parquet/arrow.py) calls reset_index(
# inplace=True), deprecated by pandas 3.1: Dask's own warning, not one of labstats'
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
def test_a_dask_reading_says_to_pass_the_factor_to_derive(tmp_path):
    """A Dask frame has no attrs: the warning (lost with the partitions' before) says to
    pass the factor, and doing so gives the lab's HOMA-IR."""
    dd = pytest.importorskip("dask.dataframe")
    LONG.to_parquet(tmp_path / "e.parquet", index=False)
    option = {"homa_ir": {"insulin_factor": "legacy"}}
    results = _read(lambda: read_lab_results(dd.read_parquet(tmp_path / "e.parquet"),
                                             test_map=TEST_MAP, insulin_factor="legacy"),
                    says=f"A Dask result has no attrs: pass derive options={option}")
    out = derive(pair_results(results), ["homa_ir"], options=option).compute()
    assert out["homa_ir"].tolist() == [pytest.approx(HOMA_IR, rel=1e-12)]


def test_an_option_given_to_derive_is_kept():
    frame = _read(lambda: read_lab_export(WIDE, insulin_factor="legacy"))
    out = derive(frame, ["homa_ir"], options={"homa_ir": {"insulin_factor": "standard"}})
    assert out["homa_ir"].iloc[0] == pytest.approx(HOMA_IR * 6.945 / 6.00, rel=1e-12)


def test_the_factor_is_the_exports_for_insulin_in_pmol_per_litre_too():
    # A lab whose µIU/mL relate to pmol/L by 6.945 writes 10 µIU/mL as 69.45 pmol/L: read
    # with its factor, derive gives the lab's HOMA-IR (Matthews 1985), as for µIU/mL. One
    # rule for every row: a mixed export is not judged by which units it holds (a
    # partition of pair_export or Dask holds some of them). The standard factor records
    # nothing and says nothing.
    raw = WIDE.rename(columns={"Insulin (uIU/mL)": "Insulin (pmol/L)"}).assign(
        **{"Insulin (pmol/L)": [INSULIN * 6.945]})
    with pytest.warns(LabstatsWarning, match="the export's factor for all its insulin"):
        frame = read_lab_export(raw, insulin_factor="legacy")
    assert frame.attrs["insulin_factor"] == "legacy"
    assert derive(frame, ["homa_ir"])["homa_ir"].iloc[0] == pytest.approx(HOMA_IR, rel=1e-12)
    raw = raw.assign(**{"Insulin (pmol/L)": [INSULIN * 6.00]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_lab_export(raw)
    assert "insulin_factor" not in frame.attrs
    assert derive(frame, ["homa_ir"])["homa_ir"].iloc[0] == pytest.approx(HOMA_IR, rel=1e-12)

def _mixed_export():
    """p0's insulin in µIU/mL (10), the others' in pmol/L (60), glucose 5.0 mmol/L each."""
    rows = []
    for i in range(6):
        unit, value = ("uIU/mL", "10") if i == 0 else ("pmol/L", "60")
        rows += [(f"p{i}", f"S{i}", "2024-01-02 08:00", "INS", value, unit),
                 (f"p{i}", f"S{i}", "2024-01-02 08:00", "GLU", "5.0", "mmol/L")]
    return pd.DataFrame(rows, columns=["patient_id", "specimen_id", "collected_at", "test",
                                       "value", "unit"]), {"INS": "insulin", "GLU": "glucose"}


def test_one_factor_for_the_whole_export_on_every_path(tmp_path):
    """The factor is the export's, for every row: a patient's HOMA-IR does not depend on
    which other patients share its partition (pair_export's partitioned path read the
    factor per partition: p1-p4 got 2.2222, p5 1.9198) nor on whether the export also holds
    µIU/mL. Matthews 1985: 10 x 5.0 / 22.5 = 2.2222; 60 pmol/L / 6.945 x 5.0 / 22.5 =
    1.9198."""
    long, tmap = _mixed_export()
    want = {"p0": 10 * 5.0 / 22.5, **{f"p{i}": 60 / 6.945 * 5.0 / 22.5 for i in range(1, 6)}}
    path = tmp_path / "e.parquet"
    long.to_parquet(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = [derive(pair_results(read_lab_results(long, test_map=tmap,
                                                    insulin_factor="legacy")), ["homa_ir"])]
        for by in ("specimen", "window"):
            got.append(pair_export(path, test_map=tmap, by=by, derive=True,
                                   insulin_factor="legacy", rows_per_partition=2))
        rest = long[long["patient_id"] != "p0"]  # no µIU/mL left: the same rule
        got.append(derive(pair_results(read_lab_results(rest, test_map=tmap,
                                                        insulin_factor="legacy")), ["homa_ir"]))
    assert [g.attrs["counts"]["path"] for g in got[1:3]] == ["sql", "partitioned"]
    for frame in got:
        homa = frame.set_index("patient_id")["homa_ir"]
        for p, value in homa.items():
            assert value == pytest.approx(want[p], rel=1e-12), p


@pytest.mark.parametrize("mode", ["raise", "warn", "ignore"])
def test_the_factor_is_said_on_every_path_in_every_mode(tmp_path, mode):
    """In "ignore" mode the partitioned path and Dask said nothing (the check of the
    export's unit cells, which says it, was skipped there); on Dask, where nothing else
    carries the factor, HOMA was then 16 % high without a word."""
    import labstats

    dd = pytest.importorskip("dask.dataframe")
    long, tmap = _mixed_export()
    path = tmp_path / "e.parquet"
    long.to_parquet(path, index=False)
    for run in (lambda: read_lab_results(long, test_map=tmap, insulin_factor="legacy"),
                lambda: pair_export(path, test_map=tmap, insulin_factor="legacy"),
                lambda: pair_export(path, test_map=tmap, insulin_factor="legacy",
                                    by="window"),
                lambda: read_lab_results(dd.from_pandas(long, npartitions=2), test_map=tmap,
                                         insulin_factor="legacy")):
        with warnings.catch_warnings(record=True) as caught, labstats.plausibility(mode):
            warnings.simplefilter("always")
            run()
        said = [w for w in caught if "insulin: read with insulin_factor='legacy'" in
                str(w.message)]
        assert len(said) == 1 and said[0].filename == __file__


def test_after_a_merge_the_warnings_fallback_gives_the_labs_homa(recwarn):
    """pandas drops attrs when frames with different attrs are concatenated (or merged):
    derive then converts back with 6.00 (HOMA-IR 2.572 for the lab's 10 µIU/mL). The
    warning says so and names the option, which gives Matthews' 2.2222."""
    long, tmap = _mixed_export()
    a = pair_results(read_lab_results(long, test_map=tmap, insulin_factor="legacy"))
    message = next(str(w.message) for w in recwarn if "insulin_factor='legacy'" in
                   str(w.message))
    assert "pandas drops attrs when frames are merged, joined or concatenated" in message
    option = {"homa_ir": {"insulin_factor": "legacy"}}
    assert f"then pass derive options={option}" in message
    b = a.head(1).copy()
    b.attrs = {}
    both = pd.concat([a, b])
    assert "insulin_factor" not in both.attrs  # (pandas' rule: attrs differ)
    got = derive(both, ["homa_ir"], options=option)["homa_ir"]
    assert got.iloc[0] == pytest.approx(10 * 5.0 / 22.5, rel=1e-12)


def test_the_readers_factor_does_not_split_the_check_of_another_input():
    """With insulin's factor given to homa_ir only, glucose (read by homa_ir and tyg_index
    alike) was checked twice: two warnings of one finding, and an error naming homa_ir
    alone. The factor keys the check of insulin only."""
    import labstats

    raw = pd.DataFrame({"id": range(1, 31), "Insulin (uIU/mL)": [10.0] * 30,
                        "Glucose (mmol/L)": [5.0] * 29 + [70.0],
                        "Triglycerides (mmol/L)": [1.2] * 30})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with labstats.plausibility("warn"):
            frame = read_lab_export(raw, insulin_factor="legacy")
    assert frame.attrs["insulin_factor"] == "legacy"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        derive(frame, ["homa_ir", "tyg_index"], plausibility="warn")
    glucose = [w for w in caught if str(w.message).startswith("glucose: 70.0")]
    assert len(glucose) == 1 and "'homa_ir'" in str(glucose[0].message) \
        and "'tyg_index'" in str(glucose[0].message)
    with pytest.raises(ValueError, match=r"^derive homa_ir, tyg_index: glucose: 70\.0"):
        derive(frame, ["homa_ir", "tyg_index"])
