"""The step a unit message gives is the caller's own, built into the message where it is
made (``labstats._advice.Advice``), never rewritten afterwards.

Before, two mechanisms gave it: ``derive`` rewrote the text of every warning issued inside
it (``_warn.advising``/``unit_advice``: a thread-local table of column -> derived values)
and of its errors; the readers appended their ``units=`` to an error found by a regular
expression on the formula's ``<name>_unit=`` and passed ``fix=`` to the column check only.
What each test here asserts failed on that code:

- derive named, for a column, every derived value reading it in any unit (the rewriting
  went by column), so a value that already read it in the right unit was told to;
- read_lab_export in ``plausibility("warn")``, and read_lab_results, advised a formula's
  ``total_testosterone_unit=``, a keyword neither reader takes (only errors were rewritten);
- an implausible value of a unit column's rows still advised ``hba1c_unit="%"`` (the
  CLI: ``--units hba1c=%``, which conflicts with the unit column) before the right step;
- the CLI said one finding of the reader and of derive twice;
- pair_export(derive=True) said a reading's finding again with derive's options= (which
  it does not take), and refused in plausibility("warn") what its reading had kept.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import labstats
from labstats._validate import LabstatsWarning
from labstats.datasets import derive, pair_export, read_lab_export, read_lab_results


def _said(fn):
    """(messages, files) of the labstats warnings of ``fn()``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    ours = [w for w in caught if issubclass(w.category, LabstatsWarning)]
    return [str(w.message) for w in ours], {w.filename for w in ours}


# glucose in mg/dL; homa_ir is told so, quicki and tyg_index read it as mmol/L
MIXED = pd.DataFrame({"glucose": [90.0, 100.0], "insulin": [5.0, 6.0],
                      "triglycerides": [1.5, 1.6]})
NAMES = ["homa_ir", "quicki", "tyg_index"]
TOLD = {"homa_ir": {"glucose_unit": "mg/dL"}}
STEP = "pass options={'quicki': {'glucose_unit': 'mg/dL'}, 'tyg_index': {'glucose_unit': 'mg/dL'}}."


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_derive_names_only_the_values_that_read_the_column_in_that_unit(engine):
    frame = MIXED
    if engine == "dask":
        dd = pytest.importorskip("dask.dataframe")
        frame = dd.from_pandas(MIXED, npartitions=2)

    def run():
        out = derive(frame, NAMES, options=TOLD, plausibility="warn")
        return out.compute() if engine == "dask" else out

    said, files = _said(run)
    (msg,) = [m for m in said if "implausible" in m]
    assert msg.endswith(f"If these are mg/dL, {STEP}"), msg  # before: 'homa_ir' first
    assert files == {__file__}  # at the caller's line
    with pytest.raises(ValueError) as info:
        derive(MIXED, NAMES, options=TOLD)
    assert f"{STEP} If such values are real, pass plausibility='warn'." in str(info.value)


def test_read_lab_export_in_warn_mode_advises_its_own_units_keyword():
    with labstats.plausibility("warn"):
        said, files = _said(lambda: read_lab_export(pd.DataFrame({"Testosterone": ["450"]})))
    assert said[0].endswith("If these are ng/dL, pass units={'total_testosterone': 'ng/dL'} "
                            "(CLI: --units total_testosterone=ng/dL)."), said
    assert "_unit=" not in said[0] and files == {__file__}


@pytest.mark.parametrize(("units", "step"), [
    ({"Units": ["nmol/L", "nmol/L"]}, "correct the unit in column 'Units'."),
    ({}, "correct the unit in the cells of column 'Result', or units=."),
])
def test_read_lab_results_in_warn_mode_advises_the_exports_unit(units, step):
    export = pd.DataFrame({"Patient ID": ["p1", "p1"], "Accession": ["A1", "A1"],
                           "Collected": ["2024-01-02 08:00"] * 2,
                           "Test Code": ["14913-8", "13967-5"],
                           "Result": ["450", "40"] if units else ["450 nmol/L", "40 nmol/L"],
                           **units})
    with labstats.plausibility("warn"):
        said, files = _said(lambda: read_lab_results(export))
    (msg,) = [m for m in said if "implausible" in m]
    assert msg.endswith(f"If these are ng/dL, {step}"), msg
    assert "_unit=" not in msg and files == {__file__}


def test_cli_gives_a_unit_columns_step_and_says_a_finding_once(tmp_path, capsys):
    from labstats.cli import main

    src = tmp_path / "a1c.csv"
    src.write_text("id,HbA1c,HbA1c unit\n1,6.5,%\n2,48,mmol/mol\n3,7.0,mmol/mol\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert err.rstrip().endswith("If these are %, correct the unit 'mmol/mol' of these rows "
                                 "in column 'HbA1c unit'."), err
    assert "--units" not in err  # (which would conflict with the unit column)
    src = tmp_path / "tt.csv"
    src.write_text("id,Testosterone,SHBG\n1,450,40\n2,400,30\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "t.csv"), "--plausibility",
                 "warn"]) == 0
    out = capsys.readouterr().out
    # read_lab_export's finding (units=) and derive's (options=) are one: --units (the
    # phases merge by maximum: one finding of each is said once)
    warned = [ln for ln in out.splitlines() if ln.lstrip().startswith("warning:")]
    assert len(warned) == 1, out
    assert warned[0].endswith("If these are ng/dL, pass --units total_testosterone=ng/dL."), \
        warned


def _export(tmp_path, rows):
    path = tmp_path / "e.parquet"
    pd.DataFrame(rows, columns=["patient_id", "specimen_id", "collected_at", "test", "value",
                                "unit"]).to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("by", ["specimen", "window"])
def test_pair_export_says_a_finding_once_in_its_own_words(by, tmp_path):
    """pair_export(derive=True) derived with derive's own checks: a column the reading had
    warned of was warned again, advising derive's options= (pair_export has none), and in
    plausibility("warn") a value the reading kept was refused, advising options= and
    plausibility= (neither a keyword of pair_export): no draws at all. The reading checked
    each input in the caller's mode; derive no longer checks them again."""
    pytest.importorskip("duckdb")
    rows = [(f"p{k}", f"A{k}", "2024-01-02 08:00", code, f"{v:.2f}", unit) for k in range(30)
            for code, v, unit in (("INS", 6.0 + k / 3, "pmol/L"), ("GLU", 5.0, "mmol/L"))]
    path = _export(tmp_path, rows)
    tm = {"INS": "insulin", "GLU": "glucose"}
    said, files = _said(lambda: pair_export(path, test_map=tm, by=by, derive=True))
    assert len(said) == 1 and files == {__file__}, said  # was 2
    assert "If the unit is \"µIU/mL\", correct the unit in column 'unit'" in said[0]
    path = _export(tmp_path, [("p1", "A1", "2024-01-02 08:00", "14913-8", "450", "nmol/L"),
                              ("p1", "A1", "2024-01-02 08:00", "13967-5", "40", "nmol/L")])
    with labstats.plausibility("warn"):
        out = []
        said, files = _said(lambda: out.append(pair_export(path, by=by, derive=True)))
    assert out[0]["free_androgen_index"].tolist() == [100.0 * 450.0 / 40.0]  # was an error
    assert len(said) == 1 and files == {__file__} and "options=" not in said[0], said


def test_a_warning_does_not_advise_the_mode_it_was_given_in(tmp_path):
    """In plausibility("warn") a value no other unit explains (glucose 0.1 mmol/L) ended
    "wrap the call in `with labstats.plausibility('warn')`" (derive: a block that does not
    reach it; the CLI: --plausibility warn, already passed). A warning says "Check the
    unit."; an error still names the way to keep such values."""
    import warnings

    import labstats
    from labstats.datasets import derive

    frame = pd.DataFrame({"glucose": [5.0, 0.1], "insulin": [60.0, 50.0]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        derive(frame, ["homa_ir"], plausibility="warn")
        with labstats.plausibility("warn"):
            labstats.homa_ir(frame["glucose"], frame["insulin"], insulin_unit="pmol/L")
    said = [str(w.message) for w in caught if "implausible" in str(w.message)]
    assert len(said) == 2 and all(s.endswith("ANALYTES['glucose']). Check the unit.")
                                  for s in said)
    with pytest.raises(ValueError, match=r"Check the unit, or, if such values are real, pass "
                                         r"plausibility='warn'\.$"):
        derive(frame, ["homa_ir"])


def test_units_given_for_rows_that_write_another_unit_are_said_on_every_path(tmp_path):
    """units= gives the unit of results written without one; a result whose cell (or unit
    column) writes a unit keeps it. A units= that contradicts such units was ignored
    without a word (the review's case: 450 nmol/L stayed nmol/L with units= ng/dL). Now
    one warning, at the caller's line, in memory, on both pair_export paths and on Dask;
    none when the written units are the same unit (another spelling)."""
    import warnings

    from labstats.datasets import pair_export, read_lab_results

    dd = pytest.importorskip("dask.dataframe")
    export = pd.DataFrame({"Patient ID": ["p1", "p1", "p2", "p2"],
                           "Accession": ["A1", "A1", "A2", "A2"],
                           "Collected": ["2024-01-02 08:00"] * 4,
                           "Test Code": ["2986-8", "13967-5"] * 2,
                           "Result": ["450 nmol/L", "40 nmol/L", "430", "41"]})
    path = tmp_path / "e.parquet"
    export.to_parquet(path, index=False)
    kw = {"units": {"total_testosterone": "ng/dL"}}
    runs = (lambda e, p: read_lab_results(e, **kw),
            lambda e, p: pair_export(p, **kw),
            lambda e, p: pair_export(p, by="window", **kw),
            lambda e, p: read_lab_results(dd.from_pandas(e, npartitions=2), **kw).compute())
    for run in runs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(export, path)
        said = [w for w in caught if str(w.message).startswith("units={")]
        assert len(said) == 1 and said[0].filename == __file__
        assert ("units={'total_testosterone': 'ng/dL'} is the unit of the total_testosterone "
                "results written without one; those with a unit in the value cells of column "
                "'Result' keep it ('nmol/L')") in str(said[0].message)
    same = export.assign(Result=["450 ng/dl", "40 nmol/L", "430", "41"])
    same.to_parquet(path, index=False)
    for run in runs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(same, path)
        assert not [w for w in caught if str(w.message).startswith("units={")]
