"""derive's advice is what derive takes (an audit of derive on awkward input).

A column in another unit (testosterone in ng/dL where derive reads nmol/L) is refused, as
it should be; the old message advised ``total_testosterone_unit="ng/dL"``, a keyword of the
formulas that ``derive`` does not take (calling it so was a TypeError). The fix is now
given as derive's ``options=``, for every derived value reading the column, and following
it gives the values of the formula called with that unit. Both tests failed on the old
code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labstats.datasets import derive
from labstats.formulas import free_androgen_index, homa_ir

TT_NG_DL = pd.DataFrame({"total_testosterone": [288.0, 400.0, 500.0],
                         "shbg": [40.0, 30.0, 50.0], "albumin": [43.0, 44.0, 45.0]})


def _advised_options(frame, names=None):
    with pytest.raises(ValueError) as info:
        derive(frame, names)
    text = str(info.value)
    assert "_unit=" not in text  # no keyword derive lacks
    given = text.split("pass options=", 1)[1].split(". If such values", 1)[0]
    return eval(given, {})  # the advice is a Python literal, as typed


def test_the_unit_fix_is_given_as_derive_options_and_works():
    options = _advised_options(TT_NG_DL)
    assert options == {n: {"total_testosterone_unit": "ng/dL"} for n in
                       ("free_testosterone", "bioavailable_testosterone", "free_androgen_index")}
    out = derive(TT_NG_DL, options=options)
    want = free_androgen_index(TT_NG_DL["total_testosterone"], TT_NG_DL["shbg"],
                               total_testosterone_unit="ng/dL")
    pd.testing.assert_series_equal(out["free_androgen_index"], want, check_names=False)
    # 288.42 ng/dL is 10 nmol/L (the ISSAM example): FAI = 100 * 10 / 40 = 25
    assert out["free_androgen_index"].iloc[0] == pytest.approx(25 * 288.0 / 288.42, rel=1e-4)


def test_the_unit_fix_names_only_the_values_asked_for():
    frame = pd.DataFrame({"glucose": [90.0, 100.0], "insulin": [5.0, 6.0]})  # mg/dL, µIU/mL
    options = _advised_options(frame, ["homa_ir"])
    assert options == {"homa_ir": {"glucose_unit": "mg/dL"}}
    out = derive(frame, ["homa_ir"], options=options)
    assert out["homa_ir"].tolist() == homa_ir(frame["glucose"], frame["insulin"],
                                              glucose_unit="mg/dL").tolist()


def test_an_infinite_derived_value_is_said_not_silent(tmp_path, capsys):
    """An SHBG of 0 (a below-LOD or missing result written as 0) gives an infinite FAI, as
    the formula documents; derive kept it without a word (the CLI counted it 'derived').
    The FAI says it itself (once: derive adds no second warning); a derived value of any
    other function that is infinite is said by derive, with its first row and inputs."""
    import warnings

    from labstats._validate import LabstatsWarning
    from labstats.cli import main
    from labstats.datasets.derive import _REGISTRY, register_derived

    frame = pd.DataFrame({"total_testosterone": [10.0, 12.0, 5.0], "shbg": [0.0, 40.0, 0.0]},
                         index=["p1", "p2", "p3"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = derive(frame, ["free_androgen_index"])
    said = [str(w.message) for w in caught if issubclass(w.category, LabstatsWarning)]
    assert len([m for m in said if "infinite" in m]) == 1, said
    assert any(m.startswith("2 rows with SHBG 0: the free androgen index") for m in said)
    assert out["free_androgen_index"].tolist() == [float("inf"), 30.0, float("inf")]
    register_derived("per_shbg_audit", lambda shbg: 1.0 / shbg, inputs=["shbg"])
    try:
        with pytest.warns(LabstatsWarning, match=r"derive per_shbg_audit: 2 rows are "
                                                 r"infinite, the first at index 'p1' "
                                                 r"\(shbg 0\.0\)"):
            derive(frame, ["per_shbg_audit"])
    finally:
        _REGISTRY.pop("per_shbg_audit")
    src = tmp_path / "in.csv"
    src.write_text("ID,Testosterone (nmol/L),SHBG\np1,10,0\np2,12,40\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "out.csv")]) == 0
    assert "warning: 1 row with SHBG 0: the free androgen index" in capsys.readouterr().out


def test_column_unit_warning_advises_derives_options_not_a_formulas_keyword():
    """derive warned that an insulin column typical of µIU/mL should be given with
    ``insulin_unit="µIU/mL"``, a formula's keyword that derive does not take; the advice is
    derive's ``options=`` for each derived value reading the column, on pandas and on Dask
    (where the warning is judged on the client from the partitions' findings)."""
    import warnings

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"insulin": rng.uniform(6, 16, 200),
                          "glucose": rng.uniform(4.5, 6, 200)})
    want = ("pass options={'homa_ir': {'insulin_unit': 'µIU/mL'}, 'homa_b': "
            "{'insulin_unit': 'µIU/mL'}, 'quicki': {'insulin_unit': 'µIU/mL'}}")
    dd = pytest.importorskip("dask.dataframe")
    for call in (lambda: derive(frame),
                 lambda: derive(dd.from_pandas(frame, npartitions=3)).compute(
                     scheduler="sync")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        texts = [str(w.message) for w in caught if "typical of" in str(w.message)]
        assert len(texts) == 1 and want in texts[0] and "pass insulin_unit" not in texts[0]
        assert caught[0].filename == __file__
