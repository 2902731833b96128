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


KEPT = "attrs['insulin_factor']: derive converts it back with it"


def _read(fn, says=KEPT):
    """``fn()``, its insulin warning asserted (said once, at this file's line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    said = [w for w in caught if issubclass(w.category, LabstatsWarning)
            and "read from µIU/mL into pmol/L" in str(w.message)]
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
                    says=f"a Dask result has no attrs: pass derive options={option}")
    out = derive(pair_results(results), ["homa_ir"], options=option).compute()
    assert out["homa_ir"].tolist() == [pytest.approx(HOMA_IR, rel=1e-12)]


def test_an_option_given_to_derive_is_kept():
    frame = _read(lambda: read_lab_export(WIDE, insulin_factor="legacy"))
    out = derive(frame, ["homa_ir"], options={"homa_ir": {"insulin_factor": "standard"}})
    assert out["homa_ir"].iloc[0] == pytest.approx(HOMA_IR * 6.945 / 6.00, rel=1e-12)


def test_insulin_read_in_pmol_per_litre_records_no_factor():
    # no conversion: the factor was not used, and derive converts with its own (6.00)
    raw = WIDE.rename(columns={"Insulin (uIU/mL)": "Insulin (pmol/L)"}).assign(
        **{"Insulin (pmol/L)": [INSULIN * 6.00]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_lab_export(raw, insulin_factor="legacy")
    assert "insulin_factor" not in frame.attrs
    assert derive(frame, ["homa_ir"])["homa_ir"].iloc[0] == pytest.approx(HOMA_IR, rel=1e-12)
